//! The canonical YAML form of a spec: one key order everywhere, so a one-field change is a
//! one-line diff and reviewers never see reordering noise.
//!
//! Objects whose keys are names chosen by the author (paths, properties, schemas, responses…)
//! keep the author's order: property order is element order in XML, and path order is the
//! order of the docs. Example values and defaults are data and are left untouched.

use serde_json::{Map, Value};

use crate::pointer::Pointer;

/// Keys whose object values are maps from author-chosen names to OpenAPI objects.
const MAP_KEYS: &[&str] = &[
    "paths",
    "properties",
    "schemas",
    "responses",
    "parameters",
    "requestBodies",
    "securitySchemes",
    "examples",
    "headers",
    "content",
    "variables",
    "links",
    "callbacks",
    "encoding",
    "mapping",
    "scopes",
];

/// Keys whose values are data, not OpenAPI structure.
const DATA_KEYS: &[&str] = &["example", "default", "enum", "value", "const"];

/// The order of OpenAPI's own keys. Keys not listed keep their relative order after these;
/// `x-` extensions come last.
const ORDER: &[&str] = &[
    "openapi",
    "info",
    "servers",
    "security",
    "tags",
    "paths",
    "components",
    "title",
    "name",
    "in",
    "summary",
    "description",
    "operationId",
    "x-doc-page",
    "version",
    "contact",
    "license",
    "url",
    "email",
    "variables",
    "type",
    "format",
    "nullable",
    "required",
    "deprecated",
    "readOnly",
    "writeOnly",
    "enum",
    "default",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "multipleOf",
    "discriminator",
    "propertyName",
    "mapping",
    "properties",
    "additionalProperties",
    "items",
    "allOf",
    "oneOf",
    "anyOf",
    "not",
    "xml",
    "attribute",
    "wrapped",
    "namespace",
    "prefix",
    "scheme",
    "bearerFormat",
    "flows",
    "password",
    "clientCredentials",
    "authorizationCode",
    "implicit",
    "authorizationUrl",
    "tokenUrl",
    "refreshUrl",
    "scopes",
    "schema",
    "style",
    "explode",
    "allowReserved",
    "allowEmptyValue",
    "parameters",
    "requestBody",
    "get",
    "put",
    "post",
    "delete",
    "options",
    "head",
    "patch",
    "trace",
    "responses",
    "headers",
    "content",
    "example",
    "examples",
    "value",
    "encoding",
    "externalDocs",
    "callbacks",
    "links",
    "securitySchemes",
    "requestBodies",
];

/// Re-serializes a document in canonical form.
pub fn canonical_yaml(doc: &Value) -> Result<String, String> {
    let ordered = order(doc, false);
    serde_yaml::to_string(&ordered).map_err(|e| format!("cannot write YAML: {e}"))
}

fn order(v: &Value, is_map: bool) -> Value {
    let Value::Object(obj) = v else {
        return match v {
            Value::Array(items) => Value::Array(items.iter().map(|i| order(i, false)).collect()),
            other => other.clone(),
        };
    };
    let mut out = Map::new();
    if is_map {
        for (k, child) in obj {
            out.insert(k.clone(), order(child, false));
        }
        return Value::Object(out);
    }
    let rank = |k: &str| -> (usize, usize) {
        match ORDER.iter().position(|o| *o == k) {
            Some(i) => (0, i),
            None if k.starts_with("x-") => (2, 0),
            None => (1, 0),
        }
    };
    let mut keys: Vec<(usize, &String)> = obj.keys().enumerate().collect();
    // Stable: equal ranks keep the author's order.
    keys.sort_by_key(|(i, k)| (rank(k), *i));
    for (_, k) in keys {
        let child = &obj[k];
        let value = if DATA_KEYS.contains(&k.as_str()) || k.starts_with("x-") {
            child.clone()
        } else {
            order(child, MAP_KEYS.contains(&k.as_str()))
        };
        out.insert(k.clone(), value);
    }
    Value::Object(out)
}

/// Keys the typed OpenAPI model does not know: typos and misplaced keywords that a
/// generator would otherwise ignore without a word. Returns their JSON pointers.
pub fn unknown_keys(doc: &Value) -> Vec<String> {
    let typed: Result<openapiv3::OpenAPI, _> = serde_json::from_value(doc.clone());
    let Ok(typed) = typed else { return vec!["#: the document does not match the OpenAPI 3.0 model".to_owned()] };
    let back = serde_json::to_value(&typed).unwrap_or(Value::Null);
    let mut out = Vec::new();
    diff(doc, &back, &Pointer::root(), &mut out);
    out
}

fn diff(raw: &Value, back: &Value, at: &Pointer, out: &mut Vec<String>) {
    let (Value::Object(r), Value::Object(b)) = (raw, back) else {
        if let (Value::Array(r), Value::Array(b)) = (raw, back) {
            for (i, (x, y)) in r.iter().zip(b).enumerate() {
                diff(x, y, &at.join(i), out);
            }
        }
        return;
    };
    for (k, v) in r {
        let ptr = at.join(k);
        match b.get(k) {
            Some(w) => {
                if !(DATA_KEYS.contains(&k.as_str()) || k.starts_with("x-")) {
                    diff(v, w, &ptr, out);
                }
            }
            // openapiv3 has no `xml` object; it is read directly by the generator.
            None if k == "xml" => {}
            // Keys with their default value (`required: false`) are dropped by the typed
            // model; a known keyword is not a typo.
            None if ORDER.contains(&k.as_str()) => {}
            None => out.push(ptr.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn orders_structure_but_not_names_or_data() {
        let doc = json!({
            "paths": {"/b": {}, "/a": {}},
            "info": {"version": "1", "title": "t"},
            "openapi": "3.0.3",
            "components": {"schemas": {"Z": {"properties": {"type": {"type": "string", "description": "d"}}, "type": "object", "example": {"z": 1, "a": 2}}}}
        });
        let y = canonical_yaml(&doc).unwrap();
        let expected = "openapi: 3.0.3\ninfo:\n  title: t\n  version: '1'\npaths:\n  /b: {}\n  /a: {}\ncomponents:\n  schemas:\n    Z:\n      type: object\n      properties:\n        type:\n          description: d\n          type: string\n      example:\n        z: 1\n        a: 2\n";
        assert_eq!(y, expected);
    }

    #[test]
    fn finds_typos() {
        let doc = json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/a": {"get": {"responses": {"200": {"description": "ok"}}, "operationID": "x"}}}});
        assert_eq!(unknown_keys(&doc), vec!["#/paths/~1a/get/operationID"]);
    }
}
