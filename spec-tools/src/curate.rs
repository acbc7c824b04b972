//! `spec-curate`: the mechanical half of curating the VBR spec after an import, as rules a
//! reviewer can read here rather than thousands of hand edits. Each rule only adds what is
//! missing, so running it again changes nothing, and a hand-curated element (one that already
//! has the marker) is left alone:
//!
//! - **doc pages**: every operation gets `x-doc-page`, its page in Veeam's help center (the
//!   1.3-rev0 reference where the operation exists in that revision, else the first revision
//!   that has it);
//! - **paging**: a list operation that takes `skip` and `limit` and answers `{data: [...],
//!   pagination: {...}}` gets `x-pagination`, so the client streams it; where Veeam's envelope
//!   schema leaves `data` and `pagination` optional, they become required (every list answer
//!   has both, and a stream must not mistake a missing page for an empty one), declared;
//! - **waiting**: an operation that answers a `SessionModel` gets `x-long-running`, so the
//!   client can wait for the session;
//! - **secrets**: a property or parameter whose name says it is a secret becomes
//!   `format: password` (the client keeps it in a `Secret` that never prints), with the
//!   deviation from Veeam's document declared;
//! - **local times**: Veeam's `format: time` properties hold a local time of day (`10:00`),
//!   where the format means an RFC 3339 time with an offset; the format is dropped (the
//!   client reads text either way), declared;
//! - **examples**: Veeam's examples that break their own schemas are repaired where the fix
//!   is unambiguous, and each repaired example says so in its `description`: a `null` where
//!   the schema allows none is left out (the member is optional and absent means the same to
//!   the client), an enum value spelt in another case takes the schema's spelling, and a
//!   date-time without an offset gets `Z`. What remains is for a person (`spec-lint` shows it);
//! - **object types**: a component schema with `properties` but no `type` (and no `allOf`,
//!   `oneOf` or `anyOf`) gets `type: object`, declared: without it a string or a number is a
//!   valid instance (Prism accepted a string as `FileBackupHealthCheckSpec`), while every
//!   client and the server read an object;
//! - **example pages**: an example answer of a paged operation whose page count is not the
//!   number of items it carries gets the true count (a client that checks pages, as ours
//!   does, refuses the page as written), noted in its `description`.

use serde_json::{json, Map, Value};

use crate::import::{mark_includes, PROPERTY_REVISIONS, REVISIONS};

/// The HTTP methods of a path item.
const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// The revision the audit compares with: declarations are written only for elements it has.
const AUDITED: &str = "1.3-rev2";

/// The revision the help center's pages (and the curated spec) are written for.
const DOCUMENTED: &str = "1.3-rev0";

/// The status operation of a VBR session, and the one that stops it.
const SESSION_STATUS: &str = "GetSession";
const SESSION_STOP: &str = "StopSession";
const SESSION: &str = "#/components/schemas/SessionModel";

/// Applies every rule to the joined document; returns one line per change.
pub fn curate(doc: &mut Value) -> Vec<String> {
    let mut changes = Vec::new();
    operations(doc, &mut changes);
    envelopes(doc, &mut changes);
    secrets(doc, &mut changes);
    local_times(doc, &mut changes);
    examples(doc, &mut changes);
    object_types(doc, &mut changes);
    page_examples(doc, &mut changes);
    changes
}

/// Why a schema got `type: object` (the `x-deviation` reason).
const OBJECT_TYPE_REASON: &str =
    "Veeam's document gives the properties without `type: object`, so any string or number would be a valid instance; the server reads an object";

/// The object-types rule (see the module docs).
fn object_types(doc: &mut Value, changes: &mut Vec<String>) {
    let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) else { return };
    for (name, schema) in schemas.iter_mut() {
        let Some(map) = schema.as_object_mut() else { continue };
        let composed = ["allOf", "oneOf", "anyOf"].iter().any(|k| map.contains_key(*k));
        if map.contains_key("type") || composed || !map.get("properties").is_some_and(Value::is_object) {
            continue;
        }
        map.insert("type".to_owned(), Value::String("object".to_owned()));
        if exists_in(map.get(REVISIONS), AUDITED) {
            let deviation = map.entry("x-deviation").or_insert_with(|| Value::Object(Map::new()));
            if let Some(d) = deviation.as_object_mut() {
                d.entry("type").or_insert_with(|| Value::String(OBJECT_TYPE_REASON.to_owned()));
            }
        }
        changes.push(format!("type object: schemas/{name}"));
    }
}

/// The example-pages rule (see the module docs).
fn page_examples(doc: &mut Value, changes: &mut Vec<String>) {
    // (example pointer, items property, count property) of every paged answer's examples.
    let mut pages: Vec<(String, String, String)> = Vec::new();
    for item in doc.get("paths").and_then(Value::as_object).into_iter().flat_map(|m| m.values()) {
        for method in METHODS {
            let Some(op) = item.get(*method).and_then(Value::as_object) else { continue };
            let Some(paging) = op.get("x-pagination") else { continue };
            let (Some(items), Some(count)) = (paging["itemsProperty"].as_str(), paging["countProperty"].as_str())
            else {
                continue;
            };
            let media = op
                .get("responses")
                .and_then(Value::as_object)
                .and_then(|r| r.iter().filter(|(code, _)| code.starts_with('2')).min_by_key(|(code, _)| *code))
                .and_then(|(_, r)| r["content"].as_object())
                .into_iter()
                .flat_map(|c| c.values());
            for m in media {
                for example in m["examples"].as_object().into_iter().flat_map(|e| e.values()) {
                    let at = match example.get("$ref").and_then(Value::as_str) {
                        Some(r) => r.trim_start_matches('#').to_owned(),
                        None => continue,
                    };
                    pages.push((at, items.to_owned(), count.to_owned()));
                }
            }
        }
    }
    let dotted = |p: &str| format!("/{}", p.replace('.', "/"));
    for (at, items, count) in pages {
        let Some(example) = doc.pointer_mut(&at) else { continue };
        let Some(value) = example.get_mut("value") else { continue };
        let Some(len) = value.pointer(&dotted(&items)).and_then(Value::as_array).map(Vec::len) else { continue };
        let Some(said) = value.pointer_mut(&dotted(&count)) else { continue };
        if said.as_u64() == Some(len as u64) || !said.is_number() {
            continue;
        }
        let fix = format!("the page said it carries {said} items but carries {len}; `{}` is {len}", dotted(&count));
        *said = json!(len);
        note(example, &fix);
        changes.push(format!("page count: {at}"));
    }
}

/// Whether an element with this mark exists in `revision` (no mark: in every revision).
fn exists_in(mark: Option<&Value>, revision: &str) -> bool {
    mark.and_then(Value::as_str).is_none_or(|m| mark_includes(m, revision).unwrap_or(true))
}

fn operations(doc: &mut Value, changes: &mut Vec<String>) {
    let snapshot = doc.clone();
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for (path, item) in paths.iter_mut() {
        for method in METHODS {
            let Some(op) = item.get_mut(*method).and_then(Value::as_object_mut) else { continue };
            let id = op.get("operationId").and_then(Value::as_str).unwrap_or_default().to_owned();
            let label = format!("{} {path} ({id})", method.to_uppercase());
            if !op.contains_key("x-doc-page") {
                op.insert("x-doc-page".to_owned(), Value::String(doc_page(op, &id)));
                changes.push(format!("x-doc-page: {label}"));
            }
            if !op.contains_key("x-pagination") && is_paged(&snapshot, op) {
                op.insert(
                    "x-pagination".to_owned(),
                    json!({
                        "offsetParam": "skip",
                        "limitParam": "limit",
                        "itemsProperty": "data",
                        "totalProperty": "pagination.total",
                        "offsetProperty": "pagination.skip",
                        "countProperty": "pagination.count",
                    }),
                );
                changes.push(format!("x-pagination: {label}"));
            }
            let waits = success_schema(op).and_then(|s| s.get("$ref")).and_then(Value::as_str) == Some(SESSION);
            if waits && !op.contains_key("x-long-running") && id != SESSION_STATUS && id != SESSION_STOP {
                op.insert("x-long-running".to_owned(), session_marker());
                changes.push(format!("x-long-running: {label}"));
            }
        }
    }
}

/// The operation's page: `…/rest/1.3-rev0/tag/Managed-Servers#operation/GetAllManagedServers`
/// (the help center's tag anchors write spaces as `-`).
fn doc_page(op: &Map<String, Value>, id: &str) -> String {
    let tag = op.get("tags").and_then(|t| t.get(0)).and_then(Value::as_str).unwrap_or("Untagged");
    let anchor: String = tag
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("-")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let mark = op.get(REVISIONS);
    let revision = if exists_in(mark, DOCUMENTED) {
        DOCUMENTED.to_owned()
    } else {
        // The first revision of the mark (`1.3-rev1..` → 1.3-rev1).
        mark.and_then(Value::as_str)
            .and_then(|m| m.split("..").next())
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .unwrap_or(DOCUMENTED)
            .to_owned()
    };
    let product = if revision.starts_with("1.2") { "12" } else { "13" };
    format!("https://helpcenter.veeam.com/references/vbr/{product}/rest/{revision}/tag/{anchor}#operation/{id}")
}

/// The JSON schema of the operation's first 2xx answer.
fn success_schema(op: &Map<String, Value>) -> Option<&Value> {
    let responses = op.get("responses")?.as_object()?;
    let (_, response) = responses.iter().find(|(code, _)| code.starts_with('2'))?;
    response.pointer("/content/application~1json/schema")
}

/// `skip` and `limit` in the query, and an answer with a `data` array and a `pagination`.
fn is_paged(doc: &Value, op: &Map<String, Value>) -> bool {
    let params: Vec<&str> = op
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|p| p.get("in").and_then(Value::as_str) == Some("query"))
        .filter_map(|p| p.get("name").and_then(Value::as_str))
        .collect();
    if !params.contains(&"skip") || !params.contains(&"limit") {
        return false;
    }
    let Some(schema) = success_schema(op).map(|s| resolve(doc, s)) else { return false };
    let props = properties(doc, schema);
    let data = props.get("data").map(|d| resolve(doc, d));
    data.and_then(|d| d.get("type")).and_then(Value::as_str) == Some("array") && props.contains_key("pagination")
}

/// A schema's properties, its `allOf` members' included.
fn properties(doc: &Value, schema: &Value) -> Map<String, Value> {
    let mut out = schema.get("properties").and_then(Value::as_object).cloned().unwrap_or_default();
    for member in schema.get("allOf").and_then(Value::as_array).into_iter().flatten() {
        out.extend(properties(doc, resolve(doc, member)));
    }
    out
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    let mut at = schema;
    for _ in 0..16 {
        match at.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix('#')) {
            Some(pointer) => at = doc.pointer(pointer).unwrap_or(&Value::Null),
            None => break,
        }
    }
    at
}

/// Why a page envelope requires `data` and `pagination` where Veeam's schema does not.
const ENVELOPE_REASON: &str = "1.3-rev2 leaves data and pagination optional; every paged answer carries both, and the client's stream needs them to tell a last page from a missing one";

/// The envelope schemas of paged operations require `data` and `pagination`.
fn envelopes(doc: &mut Value, changes: &mut Vec<String>) {
    let mut names = Vec::new();
    for item in doc.get("paths").and_then(Value::as_object).into_iter().flat_map(|m| m.values()) {
        for method in METHODS {
            let Some(op) = item.get(*method).and_then(Value::as_object) else { continue };
            if !op.contains_key("x-pagination") {
                continue;
            }
            let name = success_schema(op)
                .and_then(|s| s.get("$ref"))
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"));
            if let Some(name) = name.filter(|n| !names.iter().any(|x: &String| x == n)) {
                names.push(name.to_owned());
            }
        }
    }
    for name in names {
        let Some(schema) = doc.pointer_mut(&format!("/components/schemas/{name}")).and_then(Value::as_object_mut)
        else {
            continue;
        };
        let required = schema.entry("required").or_insert_with(|| Value::Array(Vec::new()));
        let Some(list) = required.as_array_mut() else { continue };
        let mut added = false;
        for key in ["data", "pagination"] {
            if !list.iter().any(|v| v == key) {
                list.push(Value::String(key.to_owned()));
                added = true;
            }
        }
        if added {
            if exists_in(schema.get(REVISIONS), AUDITED) {
                let deviation = schema.entry("x-deviation").or_insert_with(|| Value::Object(Map::new()));
                if let Some(d) = deviation.as_object_mut() {
                    // A hand-declared reason stays.
                    d.entry("required").or_insert_with(|| Value::String(ENVELOPE_REASON.to_owned()));
                }
            }
            changes.push(format!("required data and pagination: schemas/{name}"));
        }
    }
}

/// The marker every VBR session answer gets: the session is polled with `GetSession` until
/// its state is `Stopped`, and its result says how it went.
fn session_marker() -> Value {
    json!({
        "status-operation": SESSION_STATUS,
        "parameters": {"id": "id"},
        "state": "state",
        "terminal": ["Stopped"],
        "result": "result.result",
        "success": ["Success"],
        "warning": ["Warning"],
        "failure": ["Failed"],
        "progress": "progressPercent",
        "message": "result.message",
        "canceled": "result.isCanceled",
        "stop-operation": SESSION_STOP,
    })
}

/// Why a secret is `format: password` in the curated spec and a plain string in Veeam's.
const SECRET_REASON: &str =
    "1.3-rev2 leaves this secret a plain string; ours marks it (format password) so the client keeps it in a Secret that never prints";

fn secrets(doc: &mut Value, changes: &mut Vec<String>) {
    // Component schemas' properties, at any depth of inline schemas.
    if let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        for (name, schema) in schemas.iter_mut() {
            let audited = exists_in(schema.get(REVISIONS), AUDITED);
            walk_schema(schema, &format!("schemas/{name}"), audited, changes);
        }
    }
    // Inline parameters of operations.
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            for method in METHODS {
                let Some(op) = item.get_mut(*method) else { continue };
                let audited = exists_in(op.get(REVISIONS), AUDITED);
                for param in op.get_mut("parameters").and_then(Value::as_array_mut).into_iter().flatten() {
                    let Some(name) = param.get("name").and_then(Value::as_str).map(str::to_owned) else { continue };
                    let here = audited && exists_in(param.get(REVISIONS), AUDITED);
                    let Some(schema) = param.get_mut("schema") else { continue };
                    if crate::lint::unmarked_secret(&name, schema).is_some() {
                        mark_secret(schema, here);
                        changes.push(format!("secret: parameter {name} of {} {path}", method.to_uppercase()));
                    }
                }
            }
        }
    }
}

fn walk_schema(schema: &mut Value, at: &str, audited: bool, changes: &mut Vec<String>) {
    let marks = schema.get(PROPERTY_REVISIONS).cloned();
    if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        for (name, prop) in props.iter_mut() {
            let here = audited && exists_in(marks.as_ref().and_then(|m| m.get(name)), AUDITED);
            if crate::lint::unmarked_secret(name, prop).is_some() {
                mark_secret(prop, here);
                changes.push(format!("secret: {at}/properties/{name}"));
            }
            walk_schema(prop, &format!("{at}/properties/{name}"), here, changes);
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for (i, member) in schema.get_mut(key).and_then(Value::as_array_mut).into_iter().flatten().enumerate() {
            walk_schema(member, &format!("{at}/{key}/{i}"), audited, changes);
        }
    }
    if let Some(items) = schema.get_mut("items") {
        walk_schema(items, &format!("{at}/items"), audited, changes);
    }
}

/// `format: password`, declared where the audited revision has the element.
fn mark_secret(schema: &mut Value, declare: bool) {
    let Some(map) = schema.as_object_mut() else { return };
    map.insert("format".to_owned(), Value::String("password".to_owned()));
    if declare {
        let deviation = map.entry("x-deviation").or_insert_with(|| Value::Object(Map::new()));
        if let Some(d) = deviation.as_object_mut() {
            d.insert("secret".to_owned(), Value::String(SECRET_REASON.to_owned()));
        }
    }
}

/// Why a time of day is text in the curated spec.
const TIME_REASON: &str = "Veeam writes a local time of day (10:00 or 10:00:00) where format time means an RFC 3339 time with an offset; the format is dropped, the client reads the text";

/// Drops `format: time` from every schema (see the module docs).
fn local_times(doc: &mut Value, changes: &mut Vec<String>) {
    fn walk(v: &mut Value, at: &str, declare: bool, changes: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                if map.get("format").and_then(Value::as_str) == Some("time") {
                    map.remove("format");
                    if declare {
                        let d = map.entry("x-deviation").or_insert_with(|| Value::Object(Map::new()));
                        if let Some(d) = d.as_object_mut() {
                            d.insert("format".to_owned(), Value::String(TIME_REASON.to_owned()));
                        }
                    }
                    changes.push(format!("local time: {at}"));
                }
                for (k, child) in map.iter_mut() {
                    if !matches!(k.as_str(), "example" | "examples" | "enum" | "default" | "x-deviation") {
                        walk(child, &format!("{at}/{k}"), declare, changes);
                    }
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    walk(item, &format!("{at}/{i}"), declare, changes);
                }
            }
            _ => {}
        }
    }
    if let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        for (name, schema) in schemas.iter_mut() {
            let declare = exists_in(schema.get(REVISIONS), AUDITED);
            walk(schema, &format!("schemas/{name}"), declare, changes);
        }
    }
}

/// Repairs examples (see the module docs), as long as repairs make progress.
fn examples(doc: &mut Value, changes: &mut Vec<String>) {
    // Every enum spelling, by its lower case: a value spelt in another case is repaired only
    // when one spelling exists.
    let mut spellings: std::collections::BTreeMap<String, Vec<String>> = std::collections::BTreeMap::new();
    collect_enums(doc, &mut spellings);
    for _ in 0..64 {
        let findings = crate::lint::examples::check(doc);
        let mut progress = false;
        for finding in findings {
            let Some((instance, problem)) = parse_finding(&finding.message) else { continue };
            let Some(target) = example_target(doc, finding.pointer.as_str()) else { continue };
            let Some(example) = doc.pointer_mut(&target) else { continue };
            let Some(value) = example.get_mut("value") else { continue };
            let (parent_path, key) = match instance.rsplit_once('/') {
                Some((p, k)) => (p.to_owned(), k.replace("~1", "/").replace("~0", "~")),
                None => continue,
            };
            let fix = if problem.starts_with("null is not of type") {
                match value.pointer_mut(&parent_path).and_then(Value::as_object_mut) {
                    Some(parent) if parent.get(&key).is_some_and(Value::is_null) => {
                        parent.remove(&key);
                        Some(format!("`{instance}` was null, which the schema does not allow; left out"))
                    }
                    _ => None,
                }
            } else if let Some(text) = problem.strip_suffix(" is not a \"date-time\"").and_then(|t| t.strip_prefix('"'))
            {
                let text = text.trim_end_matches('"').to_owned();
                match value.pointer_mut(&instance) {
                    Some(v) if v.as_str() == Some(text.as_str()) && !text.ends_with('Z') && text.contains('T') => {
                        *v = Value::String(format!("{text}Z"));
                        Some(format!("`{instance}` had no offset; `Z` added"))
                    }
                    _ => None,
                }
            } else if problem.contains(" is not one of ") {
                let current = value.pointer(&instance).and_then(Value::as_str).map(str::to_owned);
                // The candidates the message names come first; then a spelling that is the
                // only one of its kind in the document.
                let named: Vec<String> = problem
                    .split(" is not one of ")
                    .nth(1)
                    .into_iter()
                    .flat_map(|list| list.split('"').skip(1).step_by(2).map(str::to_owned))
                    .collect();
                let spelt = current.as_ref().and_then(|c| {
                    named
                        .iter()
                        .find(|n| n.eq_ignore_ascii_case(c))
                        .cloned()
                        .or_else(|| spellings.get(&c.to_lowercase()).filter(|s| s.len() == 1).map(|s| s[0].clone()))
                });
                match (current, spelt) {
                    (Some(current), Some(spelt)) if spelt != current => {
                        if let Some(v) = value.pointer_mut(&instance) {
                            *v = Value::String(spelt.clone());
                        }
                        Some(format!("`{instance}` was `{current}`; the schema spells it `{spelt}`"))
                    }
                    _ => None,
                }
            } else {
                None
            };
            if let Some(fix) = fix {
                note(example, &fix);
                changes.push(format!("example {target}: {fix}"));
                progress = true;
            }
        }
        if !progress {
            break;
        }
    }
}

fn collect_enums(v: &Value, out: &mut std::collections::BTreeMap<String, Vec<String>>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                match (k.as_str(), child) {
                    ("enum", Value::Array(values)) => {
                        for s in values.iter().filter_map(Value::as_str) {
                            let list = out.entry(s.to_lowercase()).or_default();
                            if !list.iter().any(|x| x == s) {
                                list.push(s.to_owned());
                            }
                        }
                    }
                    ("example" | "examples" | "default", _) => {}
                    (_, child) => collect_enums(child, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_enums(i, out)),
        _ => {}
    }
}

/// `does not match its schema at /a/b: <problem>` → (`/a/b`, problem).
fn parse_finding(message: &str) -> Option<(String, String)> {
    let rest = message.strip_prefix("does not match its schema at ")?;
    let (instance, problem) = rest.split_once(": ")?;
    Some((instance.to_owned(), problem.to_owned()))
}

/// The Example Object a finding is about: the one at its pointer, or the component its
/// `$ref` names.
fn example_target(doc: &Value, pointer: &str) -> Option<String> {
    let mut at = pointer.to_owned();
    for _ in 0..4 {
        let node = doc.pointer(&at)?;
        match node.get("$ref").and_then(Value::as_str) {
            Some(r) => at = r.strip_prefix('#')?.to_owned(),
            None => return node.get("value").is_some().then_some(at),
        }
    }
    None
}

/// Says in an Example Object's description what curation changed.
fn note(example: &mut Value, fix: &str) {
    let Some(map) = example.as_object_mut() else { return };
    let line = format!("Curated: {fix}.");
    let text = match map.get("description").and_then(Value::as_str) {
        Some(d) if d.contains(&line) => return,
        Some(d) => format!("{d}\n\n{line}"),
        None => line,
    };
    map.insert("description".to_owned(), Value::String(text));
}

/// What [`run`] did.
pub struct Outcome {
    /// One line per change.
    pub changes: Vec<String>,
    /// Files written.
    pub changed: Vec<String>,
}

/// Curates the document split by section at `spec` in place.
pub fn run(spec: &std::path::Path) -> anyhow::Result<Outcome> {
    let mut joined = crate::sections::join(spec)?;
    let changes = curate(&mut joined.doc);
    let files = crate::sections::write(&joined)?;
    let changed = crate::sections::save(spec.parent().unwrap_or(std::path::Path::new("")), &files)?;
    Ok(Outcome { changes, changed })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_without_a_type_become_an_object_once() {
        let mut doc = json!({"components": {"schemas": {
            "Spec": {"properties": {"ids": {"type": "array", "items": {"type": "string"}}}, "x-revisions": "1.2-rev1.."},
            "Typed": {"type": "object", "properties": {}},
            "Composed": {"allOf": [{"$ref": "#/components/schemas/Typed"}], "properties": {}},
            "Gone": {"properties": {}, "x-revisions": "1.2-rev1..1.3-rev1"},
        }}});
        let changes = curate(&mut doc);
        let schemas = &doc["components"]["schemas"];
        assert_eq!(schemas["Spec"]["type"], "object");
        assert_eq!(schemas["Spec"]["x-deviation"]["type"], OBJECT_TYPE_REASON);
        assert!(schemas["Composed"].get("type").is_none());
        // Not in the audited revision: typed, but nothing to declare against it.
        assert_eq!(schemas["Gone"]["type"], "object");
        assert!(schemas["Gone"].get("x-deviation").is_none());
        assert_eq!(changes, ["type object: schemas/Spec", "type object: schemas/Gone"]);
        assert!(curate(&mut doc).is_empty(), "a second run changes nothing");
    }

    #[test]
    fn a_page_example_gets_its_true_count_and_says_so() {
        let mut doc = json!({
            "paths": {"/things": {"get": {
                "x-pagination": {"itemsProperty": "data", "countProperty": "pagination.count"},
                "responses": {"200": {"content": {"application/json": {"examples": {
                    "Page": {"$ref": "#/components/examples/Page"},
                    "Right": {"$ref": "#/components/examples/Right"},
                }}}}},
            }}},
            "components": {"examples": {
                "Page": {"value": {"data": [{"id": 1}], "pagination": {"total": 2, "count": 2}}},
                "Right": {"value": {"data": [{"id": 1}], "pagination": {"total": 2, "count": 1}}},
            }},
        });
        let changes = curate(&mut doc);
        let page = &doc["components"]["examples"]["Page"];
        assert_eq!(page["value"]["pagination"], json!({"total": 2, "count": 1}));
        assert!(page["description"].as_str().unwrap().contains("said it carries 2 items but carries 1"));
        assert!(doc["components"]["examples"]["Right"].get("description").is_none());
        assert_eq!(changes.iter().filter(|c| c.starts_with("page count")).count(), 1);
        assert!(curate(&mut doc).is_empty(), "a second run changes nothing");
    }

    #[test]
    fn a_hand_declared_envelope_reason_stays() {
        let mut doc = json!({
            "paths": {"/things": {"get": {
                "x-pagination": {"itemsProperty": "data"},
                "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Things"}}}}},
            }}},
            "components": {"schemas": {"Things": {
                "type": "object",
                "required": ["data"],
                "properties": {"data": {"type": "array"}, "pagination": {"type": "object"}},
                "x-deviation": {"required": "declared by hand"},
            }}},
        });
        curate(&mut doc);
        let things = &doc["components"]["schemas"]["Things"];
        assert_eq!(things["required"], json!(["data", "pagination"]));
        assert_eq!(things["x-deviation"]["required"], "declared by hand");
    }
}
