//! Splits a single-file OpenAPI document into the many-file layout vendors publish: one file per
//! component schema (`components/schemas/{Name}.yaml`, whose root is the schema) and one per
//! path item (`paths/{n}.yaml`), joined by relative `$ref`s. Parameters, responses and the
//! rest stay in the root file and are reached from the path files by `../openapi.yaml#/…`.
//!
//! The corpus run splits documents and generates from the split form, which must give the
//! same Rust as the single file: the multi-file loader meets real vendor-shaped trees without
//! a hand-written copy of one to keep.

use std::collections::BTreeMap;

use serde_json::Value;

/// The split files: path relative to the output folder → contents. `None` when a schema name
/// would not make a portable file name (the document is then not split).
pub fn split(doc: &Value) -> Option<BTreeMap<String, Value>> {
    let schemas = doc.pointer("/components/schemas").and_then(Value::as_object).cloned().unwrap_or_default();
    let portable = |n: &str| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !schemas.keys().all(|n| portable(n)) {
        return None;
    }
    // A reference into a path item (`#/paths/~1orders/get/…`) shares an inline schema between
    // operations; which one names it then depends on the file layout. Such a document is not
    // split (see the closing note of issue 11).
    if refers_into_paths(doc) {
        return None;
    }
    let mut files = BTreeMap::new();
    let mut root = doc.clone();
    // As Redocly's `split` lays it out: each component stays, as a `$ref` to its file.
    if let Some(map) = root.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        for (name, schema) in map.iter_mut() {
            *schema = serde_json::json!({ "$ref": format!("components/schemas/{name}.yaml") });
        }
    }
    for (name, schema) in &schemas {
        let mut schema = schema.clone();
        relink(&mut schema, Place::Schema);
        files.insert(format!("components/schemas/{name}.yaml"), schema);
    }
    if let Some(paths) = root.get_mut("paths").and_then(Value::as_object_mut) {
        for (i, (_, item)) in paths.iter_mut().enumerate() {
            let mut moved = std::mem::replace(item, Value::Null);
            relink(&mut moved, Place::Path);
            let file = format!("paths/{i}.yaml");
            *item = serde_json::json!({ "$ref": file });
            files.insert(file, moved);
        }
    }
    relink(&mut root, Place::Root);
    files.insert("openapi.yaml".to_owned(), root);
    Some(files)
}

/// Which file a reference is written in.
#[derive(Clone, Copy)]
enum Place {
    Root,
    Schema,
    Path,
}

/// Whether any `$ref` points into `#/paths`.
fn refers_into_paths(v: &Value) -> bool {
    match v {
        Value::Object(map) => {
            map.get("$ref").and_then(Value::as_str).is_some_and(|r| r.starts_with("#/paths/"))
                || map.values().any(refers_into_paths)
        }
        Value::Array(items) => items.iter().any(refers_into_paths),
        _ => false,
    }
}

/// Rewrites local references for the file they now sit in.
fn relink(v: &mut Value, place: Place) {
    relink_in(v, place, "")
}

fn relink_in(v: &mut Value, place: Place, parent: &str) {
    match v {
        Value::Object(map) => {
            let mapping =
                map.get_mut("discriminator").and_then(|d| d.get_mut("mapping")).and_then(Value::as_object_mut);
            for value in mapping.into_iter().flat_map(|m| m.values_mut()) {
                let mut holder = serde_json::json!({ "$ref": value.clone() });
                relink(&mut holder, place);
                *value = holder["$ref"].take();
            }
            if let Some(Value::String(r)) = map.get_mut("$ref") {
                if let Some(rest) = r.strip_prefix("#/components/schemas/") {
                    // `Name`, or a pointer inside it: `Name/definitions/x`.
                    let (name, inner) =
                        rest.split_once('/').map(|(n, i)| (n, format!("#/{i}"))).unwrap_or((rest, String::new()));
                    *r = match place {
                        Place::Root => format!("components/schemas/{name}.yaml{inner}"),
                        Place::Schema => format!("{name}.yaml{inner}"),
                        Place::Path => format!("../components/schemas/{name}.yaml{inner}"),
                    };
                } else if r.starts_with('#') {
                    let fragment = r.trim_start_matches('#').to_owned();
                    *r = match place {
                        Place::Root => format!("#{fragment}"),
                        Place::Schema => format!("../../openapi.yaml#{fragment}"),
                        Place::Path => format!("../openapi.yaml#{fragment}"),
                    };
                }
            }
            let names = matches!(parent, "properties" | "schemas" | "patternProperties");
            for (k, child) in map.iter_mut() {
                // A media type's or parameter's `examples` holds Example Objects, which may
                // be references; their values are data.
                if let ("examples", Value::Object(examples), false) = (k.as_str(), &mut *child, names) {
                    for example in examples.values_mut().filter(|e| e.get("$ref").is_some()) {
                        let mut holder = serde_json::json!({ "$ref": example["$ref"].clone() });
                        relink(&mut holder, place);
                        example["$ref"] = holder["$ref"].take();
                    }
                    continue;
                }
                // `responses/default` is a response; a schema's `default` is data (under
                // `properties`, keys are names).
                let data = !names
                    && (matches!(k.as_str(), "example" | "examples" | "enum" | "const")
                        || (k == "default" && parent != "responses"));
                if !data {
                    relink_in(child, place, k);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| relink_in(i, place, parent)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::split;
    use serde_json::json;

    #[test]
    fn schemas_and_paths_move_to_their_own_files() {
        let doc = json!({
            "openapi": "3.0.3",
            "paths": {"/a": {"get": {"responses": {"200": {"$ref": "#/components/responses/Ok"}}}}},
            "components": {
                "schemas": {"A": {"properties": {"b": {"$ref": "#/components/schemas/B"}}}, "B": {"type": "string"}},
                "responses": {"Ok": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}}
            }
        });
        let files = split(&doc).unwrap();
        assert_eq!(files["components/schemas/A.yaml"]["properties"]["b"]["$ref"], "B.yaml");
        assert_eq!(
            files["paths/0.yaml"]["get"]["responses"]["200"]["$ref"],
            "../openapi.yaml#/components/responses/Ok"
        );
        let root = &files["openapi.yaml"];
        assert_eq!(root["paths"]["/a"]["$ref"], "paths/0.yaml");
        assert_eq!(
            root["components"]["responses"]["Ok"]["content"]["application/json"]["schema"]["$ref"],
            "components/schemas/A.yaml"
        );
        assert!(split(&json!({"components": {"schemas": {"a/b": {}}}})).is_none());
    }
}
