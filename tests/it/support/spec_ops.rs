//! A curated spec's operations as the spec-driven tests walk them (the mock's every-operation
//! tests, the Prism contract), and the JSON arguments of `dispatch::call` made from the spec:
//! its examples where it has them, values of the declared types where it does not. A new
//! operation in the spec is called without a line of test code; the call still goes through
//! the generated typed method, which reads every argument into its typed form.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::{json, Map, Value};
use uuid::Uuid;

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// The curated module whose generated folder is `generated-client/src/{module}` (`vbr`, `em`):
/// its spec's root file (absolute), and the document with every file its `$ref`s reach
/// bundled into one tree, as the generator reads it (a split spec works like a single file).
pub fn load(module: &str) -> (PathBuf, Value) {
    let config = super::project::curated();
    let m = config
        .modules
        .iter()
        .find(|m| m.out.file_name().is_some_and(|n| n == module))
        .unwrap_or_else(|| panic!("spec/codegen.toml has no module `{module}`"));
    let root = super::project::workspace_root();
    (root.join(&m.spec), load_in(&root, &m.spec.display().to_string()))
}

/// The document `label` (relative to `dir`) as one tree shaped like a single file: see
/// [`single_tree`].
pub fn load_in(dir: &std::path::Path, label: &str) -> Value {
    // A spec split by section (the curated VBR spec) joins into one file's tree as it is.
    if let Ok(joined) = openapi_spec_tools::sections::join(&dir.join(label)) {
        return joined.doc;
    }
    let doc = super::project::load_spec(dir, label).unwrap_or_else(|e| panic!("{label}: {e}"));
    single_tree(doc.raw)
}

/// A bundled document in the shape of a single file. The loader places the other files of a
/// split spec under `x-bundled-files` and leaves a `$ref` where each was (a path item, a
/// component): each such `$ref` is replaced by what it points to, and every reference to it
/// (a `$ref` or a discriminator's mapping value) then names the component again
/// (`#/components/schemas/Job`), as the tests' walks (and Prism's copies of the spec, which
/// rewrite components by name) expect.
pub fn single_tree(mut raw: Value) -> Value {
    let mut renamed = std::collections::BTreeMap::new();
    let sections: Vec<String> = raw["components"].as_object().map(|c| c.keys().cloned().collect()).unwrap_or_default();
    for section in sections {
        let names: Vec<String> =
            raw["components"][&section].as_object().map(|c| c.keys().cloned().collect()).unwrap_or_default();
        for name in names {
            let entry = &raw["components"][&section][&name];
            if let Some(target) =
                entry.get("$ref").and_then(Value::as_str).filter(|_| entry.as_object().is_some_and(|o| o.len() == 1))
            {
                let target = target.to_owned();
                let resolved = resolve(&raw, &json!({ "$ref": target })).clone();
                renamed
                    .insert(target, format!("#/components/{section}/{}", name.replace('~', "~0").replace('/', "~1")));
                raw["components"][&section][&name] = resolved;
            }
        }
    }
    let paths: Vec<String> = raw["paths"].as_object().map(|p| p.keys().cloned().collect()).unwrap_or_default();
    for path in paths {
        let resolved = resolve(&raw, &raw["paths"][&path]).clone();
        raw["paths"][&path] = resolved;
    }
    // Every reference: a `$ref`, and a discriminator's mapping value.
    fn rename(v: &mut Value, renamed: &std::collections::BTreeMap<String, String>) {
        match v {
            Value::String(target) => {
                if let Some(name) = renamed.get(target.as_str()) {
                    *target = name.clone();
                }
            }
            Value::Object(map) => map.values_mut().for_each(|v| rename(v, renamed)),
            Value::Array(items) => items.iter_mut().for_each(|v| rename(v, renamed)),
            _ => {}
        }
    }
    rename(&mut raw, &renamed);
    raw
}

/// A value with its `$ref` followed (within the bundled document).
pub fn resolve<'a>(spec: &'a Value, value: &'a Value) -> &'a Value {
    let mut value = value;
    for _ in 0..32 {
        match value.get("$ref").and_then(Value::as_str) {
            Some(pointer) => {
                value =
                    spec.pointer(pointer.trim_start_matches('#')).unwrap_or_else(|| panic!("dangling $ref {pointer}"));
            }
            None => return value,
        }
    }
    value
}

/// One operation of the spec.
#[derive(Clone, Debug)]
pub struct SpecOp {
    /// `operationId`.
    pub id: String,
    /// The Operation Object.
    pub op: Value,
    /// Its parameters and those of its path item, resolved.
    pub params: Vec<Value>,
}

impl SpecOp {
    /// `x-logout: true`: the call ends the session.
    pub fn logout(&self) -> bool {
        self.op.get("x-logout").and_then(Value::as_bool).unwrap_or(false)
    }

    /// The success statuses the spec declares, lowest first.
    pub fn success_statuses(&self) -> Vec<String> {
        let mut out: Vec<String> = self.op["responses"]
            .as_object()
            .map(|r| r.keys().filter(|k| k.starts_with('2')).cloned().collect())
            .unwrap_or_default();
        out.sort();
        out
    }
}

/// Every operation, in the spec's order (paths, then methods as written).
pub fn operations(spec: &Value) -> Vec<SpecOp> {
    let mut out = Vec::new();
    let mut ids = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().expect("the spec has paths") {
        let item = resolve(spec, item);
        let shared: Vec<Value> = item.get("parameters").and_then(Value::as_array).cloned().unwrap_or_default();
        for (method, op) in item.as_object().unwrap() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            assert!(ids.insert(id.to_owned()), "operationId {id} is used twice");
            let own: Vec<Value> = op.get("parameters").and_then(Value::as_array).cloned().unwrap_or_default();
            let mut params: Vec<Value> = Vec::new();
            for p in own.iter().chain(&shared).map(|p| resolve(spec, p).clone()) {
                // An operation's parameter overrides its path item's of the same name and place.
                if !params.iter().any(|q| q["name"] == p["name"] && q["in"] == p["in"]) {
                    params.push(p);
                }
            }
            out.push(SpecOp { id: id.to_owned(), op: op.clone(), params });
        }
    }
    out
}

/// The operations in the order a session calls them: those that end it (`x-logout`) last.
pub fn in_session_order(mut ops: Vec<SpecOp>) -> Vec<SpecOp> {
    ops.sort_by_key(SpecOp::logout);
    ops
}

/// How arguments are made up where the spec gives no example.
pub struct Fill<'a> {
    /// Every UUID path parameter, and a UUID the spec gives no example for.
    pub uuid: Uuid,
    /// Every other path parameter without example or enum.
    pub string: &'a str,
    /// Optional parameters too (every filter), not only the required ones.
    pub every_param: bool,
    /// The headers the client sends itself (`Client::DEFAULT_HEADERS`): not arguments.
    pub client_headers: &'a [(&'a str, &'a str)],
    /// The API revision the client speaks: a parameter it lacks (`x-revisions`) is not given.
    pub revision: Option<&'a str>,
}

/// `{"path": …, "params": …}` for `op`, without a body.
pub fn arguments(spec: &Value, op: &SpecOp, fill: &Fill<'_>) -> Value {
    let (mut path, mut params) = (Map::new(), Map::new());
    for p in &op.params {
        let name = p["name"].as_str().unwrap_or_default();
        let place = p["in"].as_str().unwrap_or_default();
        let own = |(h, _): &(&str, &str)| h.eq_ignore_ascii_case(name);
        if place == "header" && fill.client_headers.iter().any(own) {
            continue;
        }
        let lacked = |revision: &str| {
            p["x-revisions"]
                .as_str()
                .is_some_and(|mark| !openapi_spec_tools::import::mark_includes(mark, revision).unwrap_or(true))
        };
        if place != "path" && fill.revision.is_some_and(lacked) {
            continue;
        }
        let schema = p.get("schema").cloned().unwrap_or(Value::Null);
        if place == "path" {
            let s = resolve(spec, &schema);
            let value = if s["format"] == "uuid" {
                json!(fill.uuid)
            } else if let Some(v) = p.get("example").or_else(|| s.get("example")).or_else(|| s["enum"].get(0)) {
                v.clone()
            } else {
                json!(fill.string)
            };
            path.insert(name.to_owned(), value);
        } else if fill.every_param || p["required"] == true {
            let value = p.get("example").cloned().unwrap_or_else(|| sample(spec, &schema, fill, 0));
            params.insert(name.to_owned(), value);
        }
    }
    json!({ "path": path, "params": params })
}

/// The request body's schema and the media types it is offered in (its first media type's
/// schema), if the operation takes one.
pub fn body_schema<'a>(spec: &'a Value, op: &'a SpecOp) -> Option<(&'a Value, Vec<String>)> {
    let content = resolve(spec, op.op.get("requestBody")?)["content"].as_object()?;
    let schema = content.values().next()?.get("schema")?;
    Some((schema, content.keys().cloned().collect()))
}

/// The request example as written: the JSON media type's `example` (or its first named
/// example), else any media type's example that is not text.
pub fn request_example(spec: &Value, op: &SpecOp) -> Option<Value> {
    let content = resolve(spec, op.op.get("requestBody")?)["content"].as_object()?;
    let example = |m: &Value| {
        m.get("example")
            .cloned()
            .or_else(|| m.get("examples")?.as_object()?.values().next().map(|e| resolve(spec, e)["value"].clone()))
    };
    content
        .get("application/json")
        .and_then(example)
        .or_else(|| content.values().filter_map(example).find(|e| !e.is_string()))
}

/// One body per case: for a union with a discriminator, one per variant (named `[Variant]`),
/// each with every property its variant declares; for any other body, the spec's example if it
/// has one (named `""`), else a value with every property.
pub fn body_cases(spec: &Value, op: &SpecOp, fill: &Fill<'_>) -> Vec<(String, Value)> {
    let Some((schema, _)) = body_schema(spec, op) else { return Vec::new() };
    let s = resolve(spec, schema);
    if let (Some(members), Some(tag)) = (s["oneOf"].as_array(), s["discriminator"]["propertyName"].as_str()) {
        return members
            .iter()
            .map(|m| {
                let value = discriminator_value(s, m);
                let mut body = object(spec, m, fill, 0);
                body.insert(tag.to_owned(), json!(value));
                (format!("[{value}]"), Value::Object(body))
            })
            .collect();
    }
    let body = match request_example(spec, op) {
        // An example written for one revision may lack what another requires.
        Some(mut example) => {
            complete(spec, schema, &mut example, fill, 0);
            example
        }
        None => sample(spec, schema, fill, 0),
    };
    vec![(String::new(), body)]
}

/// Whether a mark (`x-revisions`, a member's mark) includes the revision the fill is for (no
/// revision, or no mark: yes).
fn in_fill_revision(mark: Option<&Value>, fill: &Fill<'_>) -> bool {
    match (mark.and_then(Value::as_str), fill.revision) {
        (Some(mark), Some(revision)) => openapi_spec_tools::import::mark_includes(mark, revision).unwrap_or(true),
        _ => true,
    }
}

/// Adds to `value` (an example of `schema`) every property the revision of `fill` requires
/// that it lacks (`required`, and `x-required-revisions` naming the revision), at any depth,
/// following union variants by their discriminator; with a revision, also removes what
/// `schema` (a spec projected to that revision) does not declare.
pub fn complete(spec: &Value, schema: &Value, value: &mut Value, fill: &Fill<'_>, depth: usize) {
    if depth > 12 {
        return;
    }
    let s = resolve(spec, schema);
    // A property that holds each shape of its revisions (alternatives marked with them): the
    // example has the newest; another revision's body gets its own shape.
    if let (Some(members), Some(_)) = (s["oneOf"].as_array().or_else(|| s["anyOf"].as_array()), fill.revision) {
        if s.get("discriminator").is_none() && members.iter().any(|m| m.get("x-revisions").is_some()) {
            *value = sample(spec, schema, fill, depth);
            return;
        }
    }
    // An enum value the revision lacks (a spec projected to it no longer lists it).
    if let (Some(values), Value::String(text)) = (s["enum"].as_array(), &*value) {
        if fill.revision.is_some() && !in_projected_enum(s, text) {
            if let Some(first) = values.first() {
                *value = first.clone();
            }
            return;
        }
    }
    match value {
        Value::Array(items) => {
            if let Some(item) = s.get("items") {
                for v in items.iter_mut() {
                    complete(spec, item, v, fill, depth + 1);
                }
            }
        }
        Value::Object(map) => {
            if let (Some(members), Some(tag)) = (s["oneOf"].as_array(), s["discriminator"]["propertyName"].as_str()) {
                let chosen = map.get(tag).and_then(Value::as_str).map(str::to_owned);
                if let Some(member) =
                    members.iter().find(|m| chosen.as_deref() == Some(discriminator_value(s, m).as_str()))
                {
                    let member = member.clone();
                    complete(spec, &member, value, fill, depth + 1);
                    return;
                }
            }
            let mut properties = Vec::new();
            let mut required = BTreeSet::new();
            collect(spec, schema, &mut properties, &mut required, 0);
            required.extend(required_in_revision(spec, schema, fill));
            // An example written for another revision may carry what this one lacks: a
            // spec projected to the revision no longer declares it.
            let union = s.get("oneOf").is_some() || s.get("anyOf").is_some();
            if fill.revision.is_some() && !properties.is_empty() && !union {
                map.retain(|key, _| properties.iter().any(|(name, _)| name == key));
            }
            for (name, property) in properties {
                let p = resolve(spec, &property);
                match map.get_mut(&name) {
                    Some(v) => complete(spec, &property, v, fill, depth + 1),
                    None if required.contains(&name) && p["readOnly"] != true => {
                        map.insert(name.clone(), sample(spec, &property, fill, depth + 1));
                    }
                    None => {}
                }
            }
        }
        _ => {}
    }
}

/// Whether `value` is one of the enum `schema`'s values in a spec projected to a revision
/// ([`project`]): as it is, or in the spelling the projection gave it (`x-enum-spellings`).
pub fn in_projected_enum(schema: &Value, value: &str) -> bool {
    let Some(values) = schema["enum"].as_array() else { return false };
    let spelt = schema["x-enum-spellings"][value]
        .as_object()
        .is_some_and(|m| m.keys().any(|other| values.iter().any(|v| v == other.as_str())));
    values.iter().any(|v| v == value) || spelt
}

/// The properties of `schema` (and its `allOf` parts) that the revision of `fill` requires
/// though `required` leaves them out (`x-required-revisions`).
fn required_in_revision(spec: &Value, schema: &Value, fill: &Fill<'_>) -> BTreeSet<String> {
    fn walk(spec: &Value, schema: &Value, fill: &Fill<'_>, out: &mut BTreeSet<String>, depth: usize) {
        let s = resolve(spec, schema);
        if depth > 8 || fill.revision.is_none() {
            return;
        }
        for (name, mark) in s["x-required-revisions"].as_object().into_iter().flatten() {
            if in_fill_revision(Some(mark), fill) {
                out.insert(name.clone());
            }
        }
        for member in s["allOf"].as_array().into_iter().flatten() {
            walk(spec, member, fill, out, depth + 1);
        }
    }
    let mut out = BTreeSet::new();
    walk(spec, schema, fill, &mut out, 0);
    out
}

/// The discriminator value that selects `member` of the union `union`: its key in the
/// mapping, else its schema name (OpenAPI 3.0.3, Discriminator Object).
fn discriminator_value(union: &Value, member: &Value) -> String {
    let target = member["$ref"].as_str().unwrap_or_default();
    let mapped = union["discriminator"]["mapping"]
        .as_object()
        .and_then(|m| m.iter().find(|(_, t)| t.as_str() == Some(target)).map(|(k, _)| k.clone()));
    mapped.unwrap_or_else(|| target.rsplit('/').next().unwrap_or_default().to_owned())
}

/// A value of `schema`: its example, first enum value or default where it has one; else an
/// object with every property that is not read-only, one array item, or a value of the type.
pub fn sample(spec: &Value, schema: &Value, fill: &Fill<'_>, depth: usize) -> Value {
    let s = resolve(spec, schema);
    if let Some(v) = s.get("example").or_else(|| s["enum"].get(0)).or_else(|| s.get("default")) {
        return v.clone();
    }
    // The first member the revision has (a union variant's schema may be marked for others).
    let in_revision = |m: &&Value| in_fill_revision(resolve(spec, m).get("x-revisions"), fill);
    let members = s["oneOf"].as_array().or_else(|| s["anyOf"].as_array());
    if let Some(first) = members.and_then(|m| m.iter().find(in_revision).or_else(|| m.first())) {
        let mut value = sample(spec, first, fill, depth + 1);
        if let (Some(tag), Some(map)) = (s["discriminator"]["propertyName"].as_str(), value.as_object_mut()) {
            map.insert(tag.to_owned(), json!(discriminator_value(s, first)));
        }
        return value;
    }
    match s["type"].as_str() {
        Some("array") => json!([sample(spec, &s["items"], fill, depth + 1)]),
        Some("string") => match s["format"].as_str() {
            Some("uuid") => json!(fill.uuid),
            Some("date-time") => json!("2025-01-01T00:00:00Z"),
            Some("date") => json!("2025-01-01"),
            Some("password") => json!("P@ss-dispatch"),
            Some("byte") => json!("ZGlzcGF0Y2g="),
            Some("uri") => json!("https://vbr.example/callback"),
            _ => json!("dispatch"),
        },
        Some("integer") => s.get("minimum").cloned().unwrap_or(json!(1)),
        Some("number") => s.get("minimum").cloned().unwrap_or(json!(1.5)),
        Some("boolean") => json!(true),
        _ => {
            let mut value = object(spec, s, fill, depth);
            // A variant named on its own (`allOf` its discriminated parent) still carries the
            // tag value that selects it, not the tag enum's first value.
            if let Some(target) = schema["$ref"].as_str() {
                let member = json!({ "$ref": target });
                for parent in s["allOf"].as_array().into_iter().flatten().map(|m| resolve(spec, m)) {
                    let mapped = parent["discriminator"]["mapping"]
                        .as_object()
                        .is_some_and(|m| m.values().any(|t| t.as_str() == Some(target)));
                    if let (Some(tag), true) = (parent["discriminator"]["propertyName"].as_str(), mapped) {
                        value.insert(tag.to_owned(), json!(discriminator_value(parent, &member)));
                    }
                }
            }
            Value::Object(value)
        }
    }
}

/// An object with every property `schema` declares (through `allOf`, not into a parent's
/// `oneOf`), read-only ones left out; past a few levels only the required ones, so a schema
/// that contains itself ends.
fn object(spec: &Value, schema: &Value, fill: &Fill<'_>, depth: usize) -> Map<String, Value> {
    let mut properties = Vec::new();
    let mut required = BTreeSet::new();
    collect(spec, schema, &mut properties, &mut required, 0);
    required.extend(required_in_revision(spec, schema, fill));
    let mut out = Map::new();
    for (name, property) in properties {
        let p = resolve(spec, &property);
        if p["readOnly"] == true || (depth > 3 && !required.contains(&name)) {
            continue;
        }
        // A property named again by a later `allOf` member is narrowed there (a variant's
        // own tag value): the later definition wins.
        out.insert(name, sample(spec, &property, fill, depth + 1));
    }
    out
}

fn collect(
    spec: &Value,
    schema: &Value,
    properties: &mut Vec<(String, Value)>,
    required: &mut BTreeSet<String>,
    depth: usize,
) {
    let s = resolve(spec, schema);
    if depth > 8 {
        return;
    }
    for member in s["allOf"].as_array().into_iter().flatten() {
        collect(spec, member, properties, required, depth + 1);
    }
    for (name, property) in s["properties"].as_object().into_iter().flatten() {
        properties.push((name.clone(), property.clone()));
    }
    required.extend(s["required"].as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_owned));
}

/// The spec as a server of API revision `revision` has it: operations, parameters, request
/// bodies, responses, properties and enum values the revision lacks (`x-revisions`, `x-response-revisions`,
/// `x-property-revisions`, `x-enum-revisions`) are left out, and enum values are spelled as
/// the revision spells them (`x-enum-spellings`). Prism runs on it, and requests are made up
/// from it, so that both see what a server of that revision takes.
pub fn project(spec: &Value, revision: &str) -> Value {
    let includes = |mark: Option<&Value>| {
        mark.and_then(Value::as_str)
            .is_none_or(|m| openapi_spec_tools::import::mark_includes(m, revision).unwrap_or(true))
    };
    fn walk(v: &mut Value, includes: &dyn Fn(Option<&Value>) -> bool) {
        match v {
            Value::Object(map) => {
                if let Some(marks) = map.get("x-property-revisions").cloned() {
                    let gone: Vec<String> = marks
                        .as_object()
                        .into_iter()
                        .flatten()
                        .filter(|(_, m)| !includes(Some(m)))
                        .map(|(name, _)| name.clone())
                        .collect();
                    if let Some(props) = map.get_mut("properties").and_then(Value::as_object_mut) {
                        props.retain(|name, _| !gone.contains(name));
                    }
                    if let Some(required) = map.get_mut("required").and_then(Value::as_array_mut) {
                        required.retain(|r| r.as_str().is_none_or(|r| !gone.iter().any(|g| g == r)));
                    }
                }
                if let Some(marks) = map.get("x-required-revisions").and_then(Value::as_object).cloned() {
                    let now: Vec<Value> = marks
                        .iter()
                        .filter(|(name, m)| {
                            includes(Some(m)) && map.get("properties").is_some_and(|p| p.get(name.as_str()).is_some())
                        })
                        .map(|(name, _)| json!(name))
                        .collect();
                    if !now.is_empty() {
                        let required = map.entry("required").or_insert_with(|| json!([]));
                        if let Some(list) = required.as_array_mut() {
                            list.extend(now.into_iter().filter(|n| !list.contains(n)).collect::<Vec<_>>());
                        }
                    }
                }
                if map.get("enum").is_some_and(Value::is_array) {
                    let marks = map.get("x-enum-revisions").cloned().unwrap_or(Value::Null);
                    let spellings = map.get("x-enum-spellings").cloned().unwrap_or(Value::Null);
                    let values: Vec<Value> = map["enum"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter(|value| value.as_str().is_none_or(|v| includes(marks.get(v))))
                        .map(|value| {
                            let spelled = value.as_str().and_then(|v| {
                                spellings[v]
                                    .as_object()?
                                    .iter()
                                    .find(|(_, m)| includes(Some(m)))
                                    .map(|(s, _)| s.clone())
                            });
                            spelled.map_or_else(|| value.clone(), Value::String)
                        })
                        .collect();
                    map.insert("enum".to_owned(), Value::Array(values));
                }
                for child in map.values_mut() {
                    walk(child, includes);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|i| walk(i, includes)),
            _ => {}
        }
    }
    let mut out = spec.clone();
    let snapshot = spec.clone();
    for item in out["paths"].as_object_mut().into_iter().flat_map(|p| p.values_mut()) {
        let Some(item) = item.as_object_mut() else { continue };
        item.retain(|method, op| !METHODS.contains(&method.as_str()) || includes(op.get("x-revisions")));
        for op in item.values_mut().filter(|op| op.is_object()) {
            if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
                params.retain(|p| includes(resolve(&snapshot, p).get("x-revisions")));
            }
            // A request body only other revisions take.
            if let Some(op) = op.as_object_mut() {
                if !includes(op.get("requestBody").and_then(|b| b.get("x-revisions"))) {
                    op.remove("requestBody");
                }
            }
            // A response only other revisions answer with (`x-response-revisions`), unless it
            // is the only success the spec models.
            let marks = op.get("x-response-revisions").cloned().unwrap_or(Value::Null);
            if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
                let success_left = responses.keys().any(|code| code.starts_with('2') && includes(marks.get(code)));
                if success_left {
                    responses.retain(|code, _| includes(marks.get(code)));
                }
            }
        }
    }
    if let Some(paths) = out["paths"].as_object_mut() {
        paths.retain(|_, item| item.as_object().is_some_and(|i| i.keys().any(|k| METHODS.contains(&k.as_str()))));
    }
    walk(&mut out, &includes);
    out
}
