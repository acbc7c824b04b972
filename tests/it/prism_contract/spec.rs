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
    /// Whether the answer holds a union whose tag property the revision lacks
    /// (`x-property-revisions`): its values have no tag there, so they decode into the union's
    /// catch-all, which keeps every field (a restore point's disks have no `platform` in
    /// 1.2-rev1).
    pub(super) untagged_in_revision: bool,
}

/// Whether `schema` holds, anywhere inside, a union whose tag property `revision` lacks.
fn holds_untagged_union(spec: &Value, schema: &Value, revision: &str, seen: &mut BTreeSet<String>) -> bool {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        if !seen.insert(reference.to_owned()) {
            return false;
        }
    }
    let s = resolve(spec, schema);
    if let Some(tag) = s["discriminator"]["propertyName"].as_str() {
        let mark = s["x-property-revisions"][tag].as_str();
        if mark.is_some_and(|m| openapi_spec_tools::import::mark_includes(m, revision) == Some(false)) {
            return true;
        }
    }
    let children = s["properties"]
        .as_object()
        .into_iter()
        .flat_map(|p| p.values())
        .chain(["items", "additionalProperties"].iter().filter_map(|k| s.get(*k)))
        .chain(["allOf", "oneOf", "anyOf"].iter().filter_map(|k| s[*k].as_array()).flatten());
    children.filter(|c| c.is_object()).any(|c| holds_untagged_union(spec, c, revision, seen))
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
                untagged_in_revision: success_content
                    .and_then(|c| c.get("schema"))
                    .is_some_and(|schema| holds_untagged_union(spec, schema, revision, &mut BTreeSet::new())),
            };
            assert!(ops.insert(id.clone(), op).is_none(), "operationId {id} is used twice");
        }
    }
    ops
}

/// Rewrites every union whose variants include the union itself through `allOf` (the
/// Prism limitation described at the top of `mod.rs`): each such variant gets `allOf` its own
/// copy of the parent without `oneOf`/`discriminator` (`{Parent}PrismBaseFor{Variant}`) instead
/// of the parent, in which the discriminator property is fixed to the values that select the
/// variant, and so is the property wherever the variant names it again. For validation that is
/// what the spec means (the discriminator picks one variant; the variant is the parent's
/// properties plus its own), and without it a variant that adds no required property, like
/// `ManagedServiceCredentialsSpec`, would match every record and `oneOf` would fail. It also
/// keeps Prism's answer generator (`--dynamic`) honest: with one base shared by every variant
/// it makes up the tag from the base's whole enum, and the variant it made up then does not
/// match its own discriminator. Returns the unions rewritten.
fn break_union_cycles(spec: &mut Value) -> Vec<String> {
    let schemas = spec["components"]["schemas"].as_object_mut().unwrap();
    let names: Vec<String> = schemas.keys().cloned().collect();
    let mut rewritten = Vec::new();
    for parent in names {
        let Some(members) = schemas[&parent].get("oneOf").and_then(Value::as_array).cloned() else { continue };
        let parent_ref = format!("#/components/schemas/{parent}");
        let discriminator = schemas[&parent].get("discriminator").cloned();
        let property = discriminator.as_ref().and_then(|d| d["propertyName"].as_str()).map(str::to_owned);
        let mut base = schemas[&parent].clone();
        let base_map = base.as_object_mut().unwrap();
        base_map.remove("oneOf");
        base_map.remove("discriminator");
        let mut any = false;
        for member in &members {
            let Some(child_ref) = member["$ref"].as_str() else { continue };
            let child = child_ref.trim_start_matches("#/components/schemas/").to_owned();
            let Some(all_of) = schemas.get_mut(&child).and_then(|c| c.get_mut("allOf")).and_then(Value::as_array_mut)
            else {
                continue;
            };
            let Some(at) = all_of.iter().position(|s| s["$ref"] == parent_ref.as_str()) else { continue };
            let own_base = format!("{parent}PrismBaseFor{child}");
            all_of[at] = json!({ "$ref": format!("#/components/schemas/{own_base}") });
            let mut copy = base.clone();
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
                let fixed = json!({ "type": "string", "enum": values });
                copy["properties"][property] = fixed.clone();
                for own in all_of.iter_mut() {
                    if let Some(named) = own.get_mut("properties").and_then(|p| p.get_mut(property)) {
                        *named = fixed.clone();
                    }
                }
                all_of.push(json!({ "properties": { property: fixed } }));
            }
            assert!(!schemas.contains_key(&own_base), "the spec already has a schema named {own_base}");
            schemas.insert(own_base, copy);
            any = true;
        }
        if any {
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
/// completely and as the curated spec declares it deviates: the deviations the curated spec
/// declares applied ([`apply_declared_deviations`], against the document of the default
/// revision `default`), its union cycles broken as in the curated spec's copy, its `allOf`s
/// of plain objects written as one object each ([`flatten_all_of`]), and each union whose
/// variants are then whole written as the choice between them alone, so that Prism makes up
/// whole union variants. For validation nothing else changes.
pub(super) fn veeams_document(revision: &str, default: &str) -> Value {
    let read = |revision: &str| -> Value {
        let path = super::root().join(format!("tests/corpus/vbr/vbr_rest_{revision}.json"));
        let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    let mut document = read(revision);
    let default_document = if revision == default { document.clone() } else { read(default) };
    let applied = apply_declared_deviations(&load_spec(), &mut document, &default_document);
    println!("{revision}: the curated spec's declared deviations, applied to Veeam's document:");
    for line in &applied {
        println!("  {line}");
    }
    let rewritten = break_union_cycles(&mut document);
    assert!(!rewritten.is_empty(), "{revision}: no union cycles found in Veeam's document");
    let flattened = flatten_all_of(&mut document);
    assert!(!flattened.is_empty(), "{revision}: no `allOf` to write as one object schema");
    // A name `required` lists but no property defines (1.3-rev0's repository specs require an
    // `isDisabled` none of them has) is an error in Veeam's document: no client can send a
    // property its document does not define, and the curated spec leaves it out.
    for (name, schema) in document["components"]["schemas"].as_object_mut().into_iter().flatten() {
        let Some(properties) = schema.get("properties").and_then(Value::as_object) else { continue };
        let defined: Vec<String> = properties.keys().cloned().collect();
        let Some(required) = schema.get_mut("required").and_then(Value::as_array_mut) else { continue };
        let before = required.len();
        required.retain(|r| r.as_str().is_some_and(|r| defined.iter().any(|d| d == r)));
        if required.len() != before {
            println!("  {name}: required names no property defines, left out");
        }
    }
    // A union whose variants are each whole is only the choice between them: Prism's
    // generator otherwise makes an instance up from the union's own properties, its tag from
    // the whole enum, and the variant that tag selects comes back without its own properties.
    for parent in rewritten {
        let union = &mut document["components"]["schemas"][&parent];
        let whole = union["oneOf"].as_array().into_iter().flatten().all(|m| {
            m["$ref"].as_str().is_some_and(|r| flattened.iter().any(|f| r == format!("#/components/schemas/{f}")))
        });
        if whole {
            union
                .as_object_mut()
                .unwrap()
                .retain(|key, _| matches!(key.as_str(), "oneOf" | "discriminator" | "description"));
        }
    }
    document
}

/// A JSON pointer's tokens, unescaped.
fn tokens(pointer: &str) -> Vec<String> {
    pointer.split('/').skip(1).map(|t| t.replace("~1", "/").replace("~0", "~")).collect()
}

fn pointer_of(tokens: &[String]) -> String {
    tokens.iter().map(|t| format!("/{}", t.replace('~', "~0").replace('/', "~1"))).collect()
}

/// The names of a `required` list or the values of an `enum`, as strings.
fn strings(value: Option<&Value>) -> Vec<String> {
    value.and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect()
}

/// Applies to Veeam's `document` the deviations the curated spec declares (`x-deviation`, what
/// `spec-audit` reads), so that the client, which follows the curated spec, is judged by
/// Veeam's document everywhere except where the spec says, with a reason, that it differs
/// from it. Only the declared differences are changed, and each the way the curated spec
/// has it: the difference `spec-audit` finds between the two documents (owner and key, its
/// place in each) must match a declaration.
///
/// - A keyword (`format`, `nullable`, `items`, `$ref`, a parameter's `in`, ...) takes the
///   curated spec's value; a `type` takes the curated schema whole.
/// - A member one side has (`property X`, `parameter X`, `response X`, `media X`) is added
///   from the curated spec or removed.
/// - `enum spellings`: each value the document spells otherwise is spelt as the curated spec
///   spells it (RFC 6749's `password` where 1.3-rev2 writes `Password`).
/// - `required` and `enum` are sets that also differ between Veeam's revisions, which the
///   revision marks model and the test must see: they are changed only by the names or values
///   the declaration covers, the difference between the curated spec and the document of the
///   default revision (`default_document`), which is what the declarations are written
///   against.
/// - What does not change the wire (`secret`, `operationId`, revision marks) is left alone.
///
/// Schemas the curated spec's values refer to and the document lacks are copied along.
/// Returns one line per change, for the log.
/// A property that holds each shape of its revisions (`oneOf` alternatives marked with them),
/// as the document of `revision` has it: its other revisions' shapes left out, which would
/// otherwise match the same value and break `oneOf`'s "exactly one".
fn shapes_of_revision(mut value: Value, revision: &str) -> Value {
    for key in ["oneOf", "anyOf"] {
        if let Some(members) = value.get_mut(key).and_then(Value::as_array_mut) {
            members.retain(|m| {
                m["x-revisions"]
                    .as_str()
                    .is_none_or(|mark| openapi_spec_tools::import::mark_includes(mark, revision).unwrap_or(true))
            });
        }
    }
    value
}

pub(super) fn apply_declared_deviations(
    curated: &Value,
    document: &mut Value,
    default_document: &Value,
) -> Vec<String> {
    use openapi_spec_tools::audit::{declare::declarations, diff::differences, Difference};
    let (declared, _) = declarations(curated);
    let is_declared = |d: &Difference| declared.iter().any(|x| x.owner == d.owner && x.key == d.key);
    let version = |doc: &Value| doc.pointer("/info/version").and_then(Value::as_str).unwrap_or_default().to_owned();
    let (revision, default) = (version(document), version(default_document));
    let declared_in = |doc: &Value, rev: &str| -> Vec<Difference> {
        differences(curated, doc, rev, false).into_iter().filter(|d| is_declared(d)).collect()
    };
    let found = declared_in(document, &revision);
    let in_default = if revision == default { found.clone() } else { declared_in(default_document, &default) };
    let mut applied = Vec::new();
    let mut removals: Vec<Vec<String>> = Vec::new();
    // `required` and `enum`: the declared names and values, from the default revision.
    for d in &in_default {
        let kind = d.key.rsplit('/').next().unwrap_or_default();
        if kind != "required" && kind != "enum" {
            continue;
        }
        let t = tokens(d.theirs.as_str());
        let mut o = tokens(d.ours.as_str());
        // A wrong enum mark is reported at the mark: the values are beside it.
        if let Some(at) = o.iter().position(|t| t == "x-enum-revisions") {
            o.truncate(at);
            o.push("enum".to_owned());
        }
        let ours = strings(curated.pointer(&pointer_of(&o)));
        let theirs_default = strings(default_document.pointer(&pointer_of(&t)));
        let same = |a: &String, b: &String| if kind == "enum" { a.eq_ignore_ascii_case(b) } else { a == b };
        let added: Vec<&String> =
            ours.iter().filter(|x| !theirs_default.iter().any(|y| same(x, y))).filter(|_| kind == "required").collect();
        let removed: Vec<&String> = theirs_default.iter().filter(|y| !ours.iter().any(|x| same(x, y))).collect();
        let Some(list) = document.pointer_mut(&pointer_of(&t[..t.len() - 1])).and_then(Value::as_object_mut) else {
            continue;
        };
        let properties: Vec<String> =
            list.get("properties").and_then(Value::as_object).map(|p| p.keys().cloned().collect()).unwrap_or_default();
        let mut values = strings(list.get(kind));
        let before = values.clone();
        values.retain(|v| !removed.contains(&v));
        for name in added {
            if !values.contains(name) && (properties.is_empty() || properties.contains(name)) {
                values.push(name.clone());
            }
        }
        if values != before {
            applied.push(format!("{} {}: {before:?} -> {values:?}", d.owner.as_str(), d.key));
            list.insert(kind.to_owned(), json!(values));
        }
    }
    for d in &found {
        let kind = d.key.rsplit('/').next().unwrap_or_default();
        let member = ["property ", "parameter ", "response ", "media "].iter().any(|p| kind.starts_with(p));
        let mut o = tokens(d.ours.as_str());
        let t = tokens(d.theirs.as_str());
        match kind {
            "secret" | "operationId" | "path" | "missing" | "revisions" | "required" | "enum" => {}
            "enum spellings" => {
                let ours = strings(curated.pointer(d.ours.as_str()));
                let Some(values) = document.pointer_mut(d.theirs.as_str()).and_then(Value::as_array_mut) else {
                    continue;
                };
                for value in values.iter_mut() {
                    let Some(text) = value.as_str() else { continue };
                    if let Some(spelt) = ours.iter().find(|o| o.eq_ignore_ascii_case(text) && *o != text) {
                        applied.push(format!("{} {}: {text} -> {spelt}", d.owner.as_str(), d.key));
                        *value = json!(spelt);
                    }
                }
            }
            _ if member => {
                // A member with a revision mark is reported at its mark.
                for (mark, place) in [("x-property-revisions", "properties"), ("x-response-revisions", "responses")] {
                    if let Some(at) = o.iter().position(|t| t == mark) {
                        o[at] = place.to_owned();
                    }
                }
                if o.last().is_some_and(|t| t == "x-revisions") {
                    o.pop();
                }
                if o.len() > t.len() {
                    // Only the curated spec has it: add it.
                    let Some(value) = curated.pointer(&pointer_of(&o)).cloned() else { continue };
                    let Some(container) = document.pointer_mut(d.theirs.as_str()) else { continue };
                    match container {
                        Value::Array(items) => items.push(value),
                        Value::Object(map) => {
                            map.insert(o.last().cloned().unwrap_or_default(), value);
                        }
                        _ => continue,
                    }
                    applied.push(format!("{} {}: added", d.owner.as_str(), d.key));
                } else if t.len() > o.len() {
                    // A response the client does not model, declared, but the operation's
                    // only success: left for the test to report, or Prism would answer with
                    // an error made up for a call that succeeded.
                    let only_success = kind.starts_with("response 2")
                        && t.len() >= 2
                        && document
                            .pointer(&pointer_of(&t[..t.len() - 1]))
                            .and_then(Value::as_object)
                            .is_some_and(|codes| codes.keys().filter(|c| c.starts_with('2')).count() == 1);
                    if only_success {
                        continue;
                    }
                    removals.push(t);
                    applied.push(format!("{} {}: removed", d.owner.as_str(), d.key));
                }
            }
            _ => {
                // A keyword: the curated spec's value; a type: the curated schema whole.
                let (o, t) = if kind == "type" { (&o[..o.len() - 1], &t[..t.len() - 1]) } else { (&o[..], &t[..]) };
                let component = o.len() == 3 && o[0] == "components";
                // Ours written inline where theirs names a component (a property that holds each
                // shape of its revisions): ours goes where it is written, not over the component,
                // which other schemas share.
                let at_ours = kind == "type" && !component && o != t && document.pointer(&pointer_of(o)).is_some();
                let t = if at_ours { o } else { t };
                let value = if kind == "type" && component && o != t {
                    Some(json!({ "$ref": format!("#{}", pointer_of(o)) }))
                } else {
                    curated.pointer(&pointer_of(o)).cloned().map(|v| shapes_of_revision(v, &revision))
                };
                let Some((last, parent)) = t.split_last() else { continue };
                let Some(parent) = document.pointer_mut(&pointer_of(parent)).and_then(Value::as_object_mut) else {
                    continue;
                };
                match value {
                    Some(value) => parent.insert(last.clone(), value),
                    None => parent.remove(last),
                };
                applied.push(format!("{} {}: as curated", d.owner.as_str(), d.key));
            }
        }
    }
    // Last, and from the end, so that an index in a list still names its member.
    removals.sort();
    for t in removals.iter().rev() {
        let Some((last, parent)) = t.split_last() else { continue };
        match document.pointer_mut(&pointer_of(parent)) {
            Some(Value::Array(items)) => {
                if let Some(i) = last.parse::<usize>().ok().filter(|i| *i < items.len()) {
                    items.remove(i);
                }
            }
            Some(Value::Object(map)) => {
                map.remove(last);
            }
            _ => {}
        }
    }
    copy_missing_components(curated, document);
    applied
}

/// Copies into `document` every component a `$ref` in it names and it lacks, from `curated`
/// (and what those name in turn).
fn copy_missing_components(curated: &Value, document: &mut Value) {
    fn refs(value: &Value, out: &mut BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                if let Some(target) = map.get("$ref").and_then(Value::as_str) {
                    out.insert(target.to_owned());
                }
                map.values().for_each(|v| refs(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    loop {
        let mut named = BTreeSet::new();
        refs(document, &mut named);
        let missing: Vec<String> = named
            .into_iter()
            .filter_map(|r| r.strip_prefix('#').map(str::to_owned))
            .filter(|p| document.pointer(p).is_none() && curated.pointer(p).is_some())
            .collect();
        if missing.is_empty() {
            return;
        }
        for p in missing {
            let t = tokens(&p);
            let value = curated.pointer(&p).cloned().unwrap_or_default();
            let (last, parent) = t.split_last().unwrap();
            let mut at = &mut *document;
            for token in parent {
                at = &mut at[token.as_str()];
            }
            at[last.as_str()] = value;
        }
    }
}

/// Writes every component schema that is `allOf` plain object schemas (a union variant after
/// [`break_union_cycles`], a model that extends another) as the one object schema it means:
/// the members' properties (a later member's definition of a property winning, as the
/// variant's fixed discriminator does) and the union of their `required` lists. For
/// validation nothing changes. For Prism's answer generator (`--dynamic`) it does: it makes
/// up an instance of such an `allOf` from its first member alone, so a union variant came
/// back without the properties its own member requires (a `Linux` record without its
/// `authenticationType`). A schema with `oneOf`/`anyOf` anywhere in its members is left as
/// it is. Returns the schemas rewritten.
fn flatten_all_of(document: &mut Value) -> Vec<String> {
    fn merge(
        schemas: &serde_json::Map<String, Value>,
        schema: &Value,
        properties: &mut serde_json::Map<String, Value>,
        required: &mut Vec<Value>,
        depth: usize,
    ) -> bool {
        if depth > 16 {
            return false;
        }
        let schema = match schema.get("$ref").and_then(Value::as_str) {
            Some(target) => match schemas.get(target.trim_start_matches("#/components/schemas/")) {
                Some(s) => s,
                None => return false,
            },
            None => schema,
        };
        if schema.get("oneOf").is_some() || schema.get("anyOf").is_some() || schema.get("not").is_some() {
            return false;
        }
        if schema.get("type").is_some_and(|t| t != "object") {
            return false;
        }
        for member in schema.get("allOf").and_then(Value::as_array).into_iter().flatten() {
            if !merge(schemas, member, properties, required, depth + 1) {
                return false;
            }
        }
        for (name, property) in schema.get("properties").and_then(Value::as_object).into_iter().flatten() {
            properties.insert(name.clone(), property.clone());
        }
        for name in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
            if !required.contains(name) {
                required.push(name.clone());
            }
        }
        true
    }
    let schemas = document["components"]["schemas"].as_object().cloned().unwrap_or_default();
    let mut rewritten = Vec::new();
    for (name, schema) in &schemas {
        if schema.get("allOf").is_none() {
            continue;
        }
        let (mut properties, mut required) = (serde_json::Map::new(), Vec::new());
        if !merge(&schemas, schema, &mut properties, &mut required, 0) {
            continue;
        }
        let mut flat = json!({ "type": "object", "properties": properties });
        if !required.is_empty() {
            flat["required"] = Value::Array(required);
        }
        for key in ["description", "nullable", "additionalProperties"] {
            if let Some(value) = schema.get(key) {
                flat[key] = value.clone();
            }
        }
        document["components"]["schemas"][name] = flat;
        rewritten.push(name.clone());
    }
    rewritten
}
