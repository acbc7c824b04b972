//! The VBR spec as the test reads it, and the copies Prism runs on.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::PathBuf;

use serde_json::{json, Value};

use super::{scratch_dir, NOT_AN_OBJECT};

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// What the test needs to know about one operation of the spec to judge its calls.
#[derive(Clone, Debug)]
pub(super) struct SpecOp {
    pub(super) method: String,
    pub(super) path: String,
    /// Media types of the request body, if it has one.
    pub(super) body_media: Vec<String>,
    /// Path parameters that are UUIDs (the others are strings).
    pub(super) uuid_params: BTreeSet<String>,
    /// Whether the answer Prism picks (the lowest 2xx) has a body.
    pub(super) success_has_body: bool,
    /// Whether that body is binary (`format: binary`): any bytes are a valid answer, so the
    /// broken-examples copy cannot break it.
    pub(super) success_binary: bool,
    /// Schema of the request body (its first media type).
    pub(super) body_schema: Option<Value>,
    /// Schema and example of the answer Prism picks: its `example`, or the first of its
    /// named `examples` (Prism serves that one unless `Prefer: example=NAME` asks for another).
    pub(super) success_schema: Option<Value>,
    pub(super) success_example: Option<Value>,
    /// The named `examples` of that answer, in spec order (empty when it has one `example`).
    pub(super) success_examples: Vec<(String, Value)>,
    /// Whether the revision the client speaks has it (`x-revisions`): one it lacks is refused
    /// by the client before anything is sent.
    pub(super) in_revision: bool,
    /// Every success status, lowest first, with its schema and example (its `example`, or
    /// its first named example).
    pub(super) successes: Vec<(String, Option<Value>, Option<Value>)>,
}

/// The VBR spec, its files bundled into one document as the generator reads it.
pub(super) fn load_spec() -> Value {
    crate::support::spec_ops::load("vbr").1
}

/// The VBR spec's root file, as `spec/codegen.toml` names it.
pub(super) fn spec_path() -> PathBuf {
    crate::support::spec_ops::load("vbr").0
}

pub(super) fn resolve<'a>(spec: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(pointer) => resolve(
            spec,
            spec.pointer(pointer.trim_start_matches('#')).unwrap_or_else(|| panic!("dangling $ref {pointer}")),
        ),
        None => value,
    }
}

/// The operations of `spec` (the curated spec, or a projection of it), as a client speaking
/// `revision` sees them.
pub(super) fn spec_operations(spec: &Value, revision: &str) -> BTreeMap<String, SpecOp> {
    let mut ops = BTreeMap::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let id =
                op["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no operationId")).to_owned();
            let body_media = op
                .get("requestBody")
                .map(|b| resolve(spec, b)["content"].as_object().unwrap().keys().cloned().collect())
                .unwrap_or_default();
            let params = op.get("parameters").and_then(Value::as_array).cloned().unwrap_or_default();
            let uuid_params = params
                .iter()
                .map(|p| resolve(spec, p))
                .filter(|p| p["in"] == "path" && p["schema"]["format"] == "uuid")
                .map(|p| p["name"].as_str().unwrap().to_owned())
                .collect();
            let responses = op["responses"].as_object().unwrap();
            let success = responses
                .keys()
                .filter(|code| code.starts_with('2'))
                .min()
                .unwrap_or_else(|| panic!("{id} has no 2xx response"));
            let success_content = resolve(spec, &responses[success])
                .get("content")
                .and_then(Value::as_object)
                .and_then(|c| c.values().next());
            let body_schema = op
                .get("requestBody")
                .and_then(|b| resolve(spec, b)["content"].as_object()?.values().next()?.get("schema").cloned());
            let success_examples: Vec<(String, Value)> = success_content
                .and_then(|c| c.get("examples"))
                .and_then(Value::as_object)
                .map(|named| named.iter().map(|(name, e)| (name.clone(), resolve(spec, e)["value"].clone())).collect())
                .unwrap_or_default();
            let mut statuses: Vec<&String> = responses.keys().filter(|code| code.starts_with('2')).collect();
            statuses.sort();
            let successes = statuses
                .into_iter()
                .map(|status| {
                    let content = resolve(spec, &responses[status])
                        .get("content")
                        .and_then(Value::as_object)
                        .and_then(|c| c.values().next());
                    let schema = content.and_then(|c| c.get("schema").cloned());
                    let example = content.and_then(|c| {
                        c.get("example").cloned().or_else(|| {
                            c.get("examples")?.as_object()?.values().next().map(|e| resolve(spec, e)["value"].clone())
                        })
                    });
                    (status.clone(), schema, example)
                })
                .collect();
            let in_revision = op["x-revisions"]
                .as_str()
                .is_none_or(|mark| openapi_spec_tools::import::mark_includes(mark, revision).unwrap_or(true));
            let op = SpecOp {
                in_revision,
                method: method.to_uppercase(),
                path: path.clone(),
                body_media,
                uuid_params,
                success_has_body: success_content.is_some(),
                success_binary: success_content
                    .and_then(|c| c.get("schema"))
                    .is_some_and(|schema| resolve(spec, schema)["format"].as_str() == Some("binary")),
                body_schema,
                success_schema: success_content.and_then(|c| c.get("schema").cloned()),
                success_example: success_content
                    .and_then(|c| c.get("example").cloned())
                    .or_else(|| success_examples.first().map(|(_, value)| value.clone())),
                success_examples,
                successes,
            };
            assert!(ops.insert(id.clone(), op).is_none(), "operationId {id} is used twice");
        }
    }
    ops
}

/// Rewrites every union whose variants include the union itself through `allOf` (the
/// Prism limitation described at the top of `mod.rs`): each such variant gets `allOf` a copy of the
/// parent without `oneOf`/`discriminator` (`{Parent}PrismBase`) instead of the parent, and the
/// discriminator value that selects it (otherwise a variant that adds no required property,
/// like `ManagedServiceCredentialsSpec`, would match every record and `oneOf` would fail).
/// Returns the unions rewritten.
fn break_union_cycles(spec: &mut Value) -> Vec<String> {
    let schemas = spec["components"]["schemas"].as_object_mut().unwrap();
    let names: Vec<String> = schemas.keys().cloned().collect();
    let mut rewritten = Vec::new();
    for parent in names {
        let Some(members) = schemas[&parent].get("oneOf").and_then(Value::as_array).cloned() else { continue };
        let parent_ref = format!("#/components/schemas/{parent}");
        let base = format!("{parent}PrismBase");
        let base_ref = format!("#/components/schemas/{base}");
        let discriminator = schemas[&parent].get("discriminator").cloned();
        let property = discriminator.as_ref().and_then(|d| d["propertyName"].as_str()).map(str::to_owned);
        let mut any = false;
        for member in &members {
            let Some(child_ref) = member["$ref"].as_str() else { continue };
            let child = child_ref.trim_start_matches("#/components/schemas/").to_owned();
            let Some(all_of) = schemas.get_mut(&child).and_then(|c| c.get_mut("allOf")).and_then(Value::as_array_mut)
            else {
                continue;
            };
            let Some(link) = all_of.iter_mut().find(|s| s["$ref"] == parent_ref.as_str()) else { continue };
            *link = json!({ "$ref": base_ref });
            if let Some(property) = &property {
                // The mapping names the values that select this variant (several values may
                // select one variant); without a mapping the value is the variant's schema
                // name (OpenAPI 3.0.3, Discriminator Object).
                let mut values: Vec<Value> = discriminator
                    .as_ref()
                    .and_then(|d| d["mapping"].as_object())
                    .into_iter()
                    .flatten()
                    .filter(|(_, target)| target.as_str() == Some(child_ref))
                    .map(|(value, _)| json!(value))
                    .collect();
                if values.is_empty() {
                    values.push(json!(child));
                }
                all_of.push(json!({ "properties": { property: { "enum": values } } }));
            }
            any = true;
        }
        if any {
            let mut copy = schemas[&parent].clone();
            let copy_map = copy.as_object_mut().unwrap();
            copy_map.remove("oneOf");
            copy_map.remove("discriminator");
            assert!(!schemas.contains_key(&base), "the spec already has a schema named {base}");
            schemas.insert(base, copy);
            rewritten.push(parent);
        }
    }
    rewritten
}

/// Replaces the example of the answer Prism picks for every operation (the lowest 2xx) by a
/// value no response schema allows.
pub(super) fn break_success_examples(spec: &mut Value) {
    let paths = spec["paths"].as_object_mut().unwrap();
    for item in paths.values_mut() {
        for (method, op) in item.as_object_mut().unwrap() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let responses = op["responses"].as_object_mut().unwrap();
            let success = responses.keys().filter(|code| code.starts_with('2')).min().cloned().unwrap();
            if let Some(content) = responses[&success].get_mut("content").and_then(Value::as_object_mut) {
                for media in content.values_mut() {
                    let media = media.as_object_mut().unwrap();
                    media.remove("examples");
                    media.insert("example".into(), json!(NOT_AN_OBJECT));
                }
            }
        }
    }
}

/// Writes a spec copy for one Prism. Each test, and each test process, gets its own file:
/// Prism watches its spec and restarts when the file changes, so a shared file rewritten by a
/// test running in parallel would restart another test's Prism under it.
pub(super) fn write_spec(spec: &Value, name: &str) -> PathBuf {
    let path = scratch_dir().join(format!("{name}.{}.json", std::process::id()));
    let partial = path.with_extension("partial");
    fs::write(&partial, serde_json::to_string_pretty(spec).unwrap()).unwrap();
    fs::rename(&partial, &path).unwrap();
    path
}

/// The VBR spec as Prism can check it completely (see the top of `mod.rs`), as a server of
/// `revision` has it: Veeam's `Pfx` where the curated spec keeps the help pages' `pfx`, and
/// without the properties and values `revision` lacks. The operations `revision` lacks stay,
/// as the curated spec has them: the client must refuse them before sending anything.
pub(super) fn prism_spec(revision: &str) -> Value {
    let curated = load_spec();
    let mut spec = crate::support::spec_ops::project(&curated, revision);
    for (path, item) in curated["paths"].as_object().unwrap() {
        let Some(kept) = spec["paths"].get_mut(path).and_then(Value::as_object_mut) else {
            spec["paths"][path] = item.clone();
            continue;
        };
        for (method, op) in item.as_object().unwrap() {
            if METHODS.contains(&method.as_str()) && !kept.contains_key(method) {
                kept.insert(method.clone(), op.clone());
            }
        }
    }
    let rewritten = break_union_cycles(&mut spec);
    assert!(
        !rewritten.is_empty(),
        "no union cycles found: if the spec no longer has them, run Prism on spec/vbr.yaml directly"
    );
    spec
}

/// Veeam's own published document of `revision` (`tests/corpus/vbr/`), as Prism can check it
/// completely: its union cycles broken as in the curated spec's copy, nothing else changed.
pub(super) fn veeams_document(revision: &str) -> Value {
    let path = super::root().join(format!("tests/corpus/vbr/vbr_rest_{revision}.json"));
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let mut document: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let rewritten = break_union_cycles(&mut document);
    assert!(!rewritten.is_empty(), "{}: no union cycles found", path.display());
    document
}
