//! Walks an OpenAPI document by its structure, so rules see each schema, parameter, header and
//! media type where it is written. A `$ref` is not followed: its target is visited where it is
//! defined, so nothing is reported twice.

use generator::Pointer;
use serde_json::Value;

/// The HTTP methods of a path item (3.2's `query` included).
pub(crate) const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace", "query"];

/// What a rule looks at; every method has a default that ignores the element.
pub(crate) trait Visitor {
    /// A schema object (not a `$ref`), each nested one too.
    fn schema(&mut self, _at: &Pointer, _schema: &Value) {}
    /// A parameter, header or media type object, which may carry `example`/`examples`
    /// for its `schema`.
    fn holder(&mut self, _at: &Pointer, _holder: &Value) {}
    /// A parameter object (not a `$ref`).
    fn parameter(&mut self, _at: &Pointer, _parameter: &Value) {}
    /// An operation.
    fn operation(&mut self, _at: &Pointer, _operation: &Value) {}
}

/// Visits every element of `doc`.
pub(crate) fn walk(doc: &Value, v: &mut dyn Visitor) {
    let root = Pointer::root();
    for section in ["paths", "webhooks"] {
        for (at, item) in entries(doc, &root.join(section)) {
            path_item(&at, item, v);
        }
    }
    let c = root.join("components");
    for (at, s) in entries(doc, &c.join("schemas")) {
        schema(&at, s, v);
    }
    for (at, p) in entries(doc, &c.join("parameters")) {
        parameter(&at, p, v);
    }
    for (at, b) in entries(doc, &c.join("requestBodies")) {
        content(&at, b, v);
    }
    for (at, r) in entries(doc, &c.join("responses")) {
        response(&at, r, v);
    }
    for (at, h) in entries(doc, &c.join("headers")) {
        parameter(&at, h, v);
    }
    for (at, item) in entries(doc, &c.join("pathItems")) {
        path_item(&at, item, v);
    }
    for (at, callback) in entries(doc, &c.join("callbacks")) {
        for (at, item) in members(callback, &at) {
            path_item(&at, item, v);
        }
    }
}

/// The members of the object at `at` inside `doc`, each with its pointer.
fn entries<'a>(doc: &'a Value, at: &Pointer) -> Vec<(Pointer, &'a Value)> {
    match doc.pointer(at.as_str()).and_then(Value::as_object) {
        Some(map) => map.iter().map(|(k, v)| (at.join(k), v)).collect(),
        None => Vec::new(),
    }
}

/// The members of `value`, an object written at `at`.
fn members<'a>(value: &'a Value, at: &Pointer) -> Vec<(Pointer, &'a Value)> {
    match value.as_object() {
        Some(map) => map.iter().map(|(k, v)| (at.join(k), v)).collect(),
        None => Vec::new(),
    }
}

fn is_ref(v: &Value) -> bool {
    v.get("$ref").is_some()
}

fn path_item(at: &Pointer, item: &Value, v: &mut dyn Visitor) {
    if is_ref(item) {
        return;
    }
    params(at, item, v);
    for method in METHODS {
        let Some(op) = item.get(*method) else { continue };
        let at = at.join(method);
        v.operation(&at, op);
        params(&at, op, v);
        if let Some(body) = op.get("requestBody") {
            content(&at.join("requestBody"), body, v);
        }
        for (at, r) in members(op.get("responses").unwrap_or(&Value::Null), &at.join("responses")) {
            response(&at, r, v);
        }
        for (at, callback) in members(op.get("callbacks").unwrap_or(&Value::Null), &at.join("callbacks")) {
            for (at, item) in members(callback, &at) {
                path_item(&at, item, v);
            }
        }
    }
}

fn params(at: &Pointer, owner: &Value, v: &mut dyn Visitor) {
    if let Some(list) = owner.get("parameters").and_then(Value::as_array) {
        for (i, p) in list.iter().enumerate() {
            parameter(&at.join("parameters").join(i), p, v);
        }
    }
}

/// A parameter or a header: both have a schema or content, and examples.
fn parameter(at: &Pointer, p: &Value, v: &mut dyn Visitor) {
    if is_ref(p) {
        return;
    }
    if p.get("in").is_some() {
        v.parameter(at, p);
    }
    media(at, p, v);
    content(at, p, v);
}

fn response(at: &Pointer, r: &Value, v: &mut dyn Visitor) {
    if is_ref(r) {
        return;
    }
    content(at, r, v);
    for (at, h) in members(r.get("headers").unwrap_or(&Value::Null), &at.join("headers")) {
        parameter(&at, h, v);
    }
}

/// The `content` map of a request body, response, parameter or header.
fn content(at: &Pointer, owner: &Value, v: &mut dyn Visitor) {
    if is_ref(owner) {
        return;
    }
    for (at, m) in members(owner.get("content").unwrap_or(&Value::Null), &at.join("content")) {
        media(&at, m, v);
        for (at, enc) in members(m.get("encoding").unwrap_or(&Value::Null), &at.join("encoding")) {
            for (at, h) in members(enc.get("headers").unwrap_or(&Value::Null), &at.join("headers")) {
                parameter(&at, h, v);
            }
        }
    }
}

/// An object with `schema` and examples: a media type, parameter or header.
fn media(at: &Pointer, m: &Value, v: &mut dyn Visitor) {
    if let Some(s) = m.get("schema") {
        v.holder(at, m);
        schema(&at.join("schema"), s, v);
    }
}

/// Keywords whose value is one schema.
pub(crate) const ONE: &[&str] = &[
    "items",
    "additionalProperties",
    "not",
    "contains",
    "if",
    "then",
    "else",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
    "additionalItems",
];
/// Keywords whose value is a list of schemas.
pub(crate) const LIST: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems"];
/// Keywords whose value maps names to schemas.
pub(crate) const MAP: &[&str] = &["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"];

/// A schema and every schema nested in it, iteratively (a deep schema cannot overflow the
/// stack).
pub(crate) fn schema(at: &Pointer, s: &Value, v: &mut dyn Visitor) {
    let mut todo = vec![(at.clone(), s)];
    while let Some((at, s)) = todo.pop() {
        let Some(obj) = s.as_object() else { continue };
        if obj.contains_key("$ref") && obj.len() == 1 {
            continue;
        }
        v.schema(&at, s);
        let mut children = Vec::new();
        for (k, child) in obj {
            if ONE.contains(&k.as_str()) {
                match child {
                    // 2019-09 tuple `items`.
                    Value::Array(items) => {
                        children.extend(items.iter().enumerate().map(|(i, c)| (at.join(k).join(i), c)));
                    }
                    other => children.push((at.join(k), other)),
                }
            } else if LIST.contains(&k.as_str()) {
                for (i, c) in child.as_array().into_iter().flatten().enumerate() {
                    children.push((at.join(k).join(i), c));
                }
            } else if MAP.contains(&k.as_str()) {
                children.extend(members(child, &at.join(k)));
            }
        }
        // Reversed, so the stack visits them in document order.
        todo.extend(children.into_iter().rev());
    }
}
