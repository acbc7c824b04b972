//! OpenAPI 3.1 and 3.2 schemas (JSON Schema 2020-12) in the form lowering reads: the OpenAPI
//! 3.0 form, plus the keywords 3.0 does not have where the generator supports them.
//!
//! Each rewrite keeps the element at its pointer, so diagnostics still point where the
//! document writes it. A construct that cannot be kept is noted, and reported as a warning at
//! that pointer when the document is lowered.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::pointer::Pointer;

/// Rewrites every schema of a 3.1 document in place. Returns the notes, as (where, what).
pub(crate) fn normalize(raw: &mut Value) -> Vec<(Pointer, String)> {
    let mut notes = Vec::new();
    walk_document(raw, &Pointer::root(), &mut notes);
    notes
}

/// Outside schemas: finds every place a schema may stand, skipping examples and extensions
/// (they are data, and may look like anything).
fn walk_document(v: &mut Value, at: &Pointer, notes: &mut Vec<(Pointer, String)>) {
    match v {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                let child_at = at.join(key);
                match key.as_str() {
                    "example" | "examples" => {}
                    // Other files of a split document: a file may be one schema, a set of
                    // named schemas, or any other part of a document.
                    crate::bundle::BUNDLED if at.as_str().is_empty() => {
                        if let Value::Object(files) = child {
                            for (name, file) in files.iter_mut() {
                                bundled_file(file, &child_at.join(name), notes);
                            }
                        }
                    }
                    k if k.starts_with("x-") => {}
                    "schema" => schema(child, &child_at, notes),
                    "schemas" if at.as_str() == "/components" => {
                        if let Value::Object(schemas) = child {
                            for (name, s) in schemas.iter_mut() {
                                schema(s, &child_at.join(name), notes);
                            }
                        }
                    }
                    _ => walk_document(child, &child_at, notes),
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                walk_document(item, &at.join(i), notes);
            }
        }
        _ => {}
    }
}

/// A file of a split document, whose root may be a schema, named schemas, or anything else.
fn bundled_file(v: &mut Value, at: &Pointer, notes: &mut Vec<(Pointer, String)>) {
    if looks_like_schema(v) {
        return schema(v, at, notes);
    }
    if let Value::Object(map) = v {
        for (name, child) in map.iter_mut() {
            if looks_like_schema(child) {
                schema(child, &at.join(name), notes);
            } else {
                walk_document(child, &at.join(name), notes);
            }
        }
    }
}

/// Whether a value reads as a schema rather than another part of a document.
pub(crate) fn looks_like_schema(v: &Value) -> bool {
    const KEYWORDS: &[&str] = &[
        "type",
        "properties",
        "allOf",
        "oneOf",
        "anyOf",
        "enum",
        "const",
        "items",
        "prefixItems",
        "$ref",
        "additionalProperties",
        "format",
        "$defs",
        "not",
    ];
    v.as_object().is_some_and(|o| KEYWORDS.iter().any(|k| o.contains_key(*k)) && !o.contains_key("in"))
}

/// One schema and the schemas inside it.
fn schema(v: &mut Value, at: &Pointer, notes: &mut Vec<(Pointer, String)>) {
    let Value::Object(map) = v else { return };
    node(map, at, notes);
    for (key, child) in map.iter_mut() {
        let child_at = at.join(key);
        match key.as_str() {
            "items"
            | "additionalProperties"
            | "not"
            | "if"
            | "then"
            | "else"
            | "contains"
            | "propertyNames"
            | "unevaluatedProperties"
            | "unevaluatedItems"
            | "additionalItems" => schema(child, &child_at, notes),
            "allOf" | "oneOf" | "anyOf" | "prefixItems" => {
                if let Value::Array(list) = child {
                    for (i, s) in list.iter_mut().enumerate() {
                        schema(s, &child_at.join(i), notes);
                    }
                }
            }
            "properties" | "$defs" | "definitions" | "patternProperties" | "dependentSchemas" => {
                if let Value::Object(named) = child {
                    for (name, s) in named.iter_mut() {
                        schema(s, &child_at.join(name), notes);
                    }
                }
            }
            _ => {}
        }
    }
}

/// The keywords of one node.
fn node(map: &mut Map<String, Value>, at: &Pointer, notes: &mut Vec<(Pointer, String)>) {
    // `type: [T, "null"]` is a nullable T; several non-null types have no one Rust type.
    if let Some(Value::Array(types)) = map.get("type") {
        let names: Vec<String> = types.iter().filter_map(Value::as_str).map(str::to_owned).collect();
        let null = names.iter().any(|t| t == "null");
        let real: Vec<&String> = names.iter().filter(|t| *t != "null").collect();
        match real.as_slice() {
            [one] => {
                let one = Value::String((*one).clone());
                map.insert("type".into(), one);
            }
            [] => {
                map.insert("type".into(), Value::String("null".into()));
            }
            several => {
                let list: Vec<String> = several.iter().map(|t| format!("`{t}`")).collect();
                notes.push((
                    at.join("type"),
                    format!("a value of several types ({}) is generated as serde_json::Value", list.join(", ")),
                ));
                map.remove("type");
            }
        }
        if null && !real.is_empty() {
            map.insert("nullable".into(), Value::Bool(true));
        }
    }
    // `const` is a one-value `enum`.
    if let Some(value) = map.get("const").cloned() {
        if !map.contains_key("enum") {
            map.insert("enum".into(), Value::Array(vec![value]));
        }
    }
    // Numeric `exclusiveMinimum`/`exclusiveMaximum` are 3.0's boolean flags plus a bound.
    for (exclusive, bound) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
        if let Some(n) = map.get(exclusive).filter(|v| v.is_number()).cloned() {
            map.insert(bound.into(), n);
            map.insert(exclusive.into(), Value::Bool(true));
        }
    }
    // Binary content is a string with a content media type or encoding; 3.0 says `format`.
    if map.get("type").and_then(Value::as_str) == Some("string") && !map.contains_key("format") {
        let encoding = map.get("contentEncoding").and_then(Value::as_str);
        let media = map.get("contentMediaType").and_then(Value::as_str);
        let format = match (encoding, media) {
            (Some(e), _) if e.eq_ignore_ascii_case("base64") || e.eq_ignore_ascii_case("base64url") => Some("byte"),
            (None, Some(m)) if !is_text(m) => Some("binary"),
            _ => None,
        };
        if let Some(f) = format {
            map.insert("format".into(), Value::String(f.into()));
        }
    }
    // `examples` is a list in JSON Schema; 3.0's `example` is one value.
    if let Some(Value::Array(examples)) = map.get("examples") {
        if let (Some(first), false) = (examples.first().cloned(), map.contains_key("example")) {
            map.insert("example".into(), first);
        }
        map.remove("examples");
    }
}

/// Every `$anchor` (as `#name`) and `$id` in the document's schemas, with where it is. The
/// first of two equal names wins; JSON Schema forbids duplicates.
pub(crate) fn schema_names(raw: &Value) -> BTreeMap<String, Pointer> {
    fn walk(v: &Value, at: &Pointer, out: &mut BTreeMap<String, Pointer>) {
        match v {
            Value::Object(map) => {
                if let Some(anchor) = map.get("$anchor").and_then(Value::as_str) {
                    out.entry(format!("#{anchor}")).or_insert_with(|| at.clone());
                }
                if let Some(id) = map.get("$id").and_then(Value::as_str) {
                    out.entry(id.trim_end_matches('#').to_owned()).or_insert_with(|| at.clone());
                }
                for (k, child) in map {
                    let data = matches!(k.as_str(), "example" | "examples" | "const" | "enum");
                    if !data && (!k.starts_with("x-") || k == crate::bundle::BUNDLED) {
                        walk(child, &at.join(k), out);
                    }
                }
            }
            Value::Array(items) => items.iter().enumerate().for_each(|(i, c)| walk(c, &at.join(i), out)),
            _ => {}
        }
    }
    let mut out = BTreeMap::new();
    walk(raw, &Pointer::root(), &mut out);
    out
}

/// Media types whose content is text, which a `String` holds as it is.
fn is_text(media: &str) -> bool {
    let media = media.to_ascii_lowercase();
    media.starts_with("text/") || media.ends_with("json") || media.ends_with("xml") || media.ends_with("+yaml")
}

#[cfg(test)]
mod tests {
    use super::normalize;
    use serde_json::json;

    #[test]
    fn type_arrays_const_bounds_content_and_examples() {
        let mut doc = json!({"components": {"schemas": {
            "A": {"type": ["string", "null"], "examples": ["x"]},
            "B": {"type": ["string", "integer"]},
            "C": {"const": "on"},
            "D": {"type": "number", "exclusiveMinimum": 0},
            "E": {"type": "string", "contentMediaType": "image/png"},
            "F": {"type": "string", "contentEncoding": "base64"},
            "G": {"type": "object", "properties": {"n": {"type": ["null"]}}}
        }}, "paths": {"/x": {"get": {"responses": {"200": {"content": {"application/json": {
            "schema": {"type": ["integer", "null"]},
            "example": {"type": ["kept", "as", "data"]}
        }}}}}}}});
        let notes = normalize(&mut doc);
        let s = &doc["components"]["schemas"];
        assert_eq!(s["A"], json!({"type": "string", "nullable": true, "example": "x"}));
        assert_eq!(s["B"], json!({}));
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].0.to_string(), "#/components/schemas/B/type");
        assert_eq!(s["C"], json!({"const": "on", "enum": ["on"]}));
        assert_eq!(s["D"], json!({"type": "number", "exclusiveMinimum": true, "minimum": 0}));
        assert_eq!(s["E"]["format"], "binary");
        assert_eq!(s["F"]["format"], "byte");
        assert_eq!(s["G"]["properties"]["n"], json!({"type": "null"}));
        let media = &doc["paths"]["/x"]["get"]["responses"]["200"]["content"]["application/json"];
        assert_eq!(media["schema"], json!({"type": "integer", "nullable": true}));
        assert_eq!(media["example"], json!({"type": ["kept", "as", "data"]}));
    }
}
