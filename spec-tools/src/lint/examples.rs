//! `example-valid`: every example validates against its schema, formats included, with the
//! `jsonschema` crate. A 3.1 document's schemas are JSON Schema 2020-12 already; a 3.0
//! document's are OpenAPI's dialect and are translated first (`nullable`, boolean exclusive
//! bounds, `$ref` siblings, `readOnly`/`writeOnly` members of `required`). The `int32` and
//! `int64` formats become bounds, and `byte` is checked as base64.

use generator::Pointer;
use serde_json::{json, Value};

// The keywords whose values are schemas are the walker's, so translation and visiting agree.
use super::visit::{self, Visitor, LIST, MAP, ONE};
use super::{raw, Raw};

/// Where the example's schema is put in the copy of the document validated against.
const TARGET: &str = "x-spec-lint-target";
/// Where a copy of each discriminated parent schema without its `oneOf`/`anyOf` lives.
const BASE: &str = "x-spec-lint-base";

/// An example and the schema it must match.
struct Example {
    at: Pointer,
    schema: Pointer,
    /// An Example object (`examples/NAME` of a media type, parameter or header), whose
    /// `value` is the example, rather than the value itself.
    object: bool,
    /// The media type, for an example of a media type object.
    media: Option<String>,
}

#[derive(Default)]
struct Found(Vec<Example>);

impl Visitor for Found {
    fn schema(&mut self, at: &Pointer, schema: &Value) {
        if schema.get("example").is_some() {
            self.0.push(Example { at: at.join("example"), schema: at.clone(), object: false, media: None });
        }
        // JSON Schema's own `examples` (3.1) is a list of values.
        for (i, _) in schema.get("examples").and_then(Value::as_array).into_iter().flatten().enumerate() {
            self.0.push(Example { at: at.join("examples").join(i), schema: at.clone(), object: false, media: None });
        }
    }

    fn holder(&mut self, at: &Pointer, holder: &Value) {
        let schema = at.join("schema");
        let media = at.parent().and_then(|p| p.last()).filter(|k| k == "content").and_then(|_| at.last());
        if holder.get("example").is_some() {
            let media = media.clone();
            self.0.push(Example { at: at.join("example"), schema: schema.clone(), object: false, media });
        }
        for (name, _) in holder.get("examples").and_then(Value::as_object).into_iter().flatten() {
            let (at, schema, media) = (at.join("examples").join(name), schema.clone(), media.clone());
            self.0.push(Example { at, schema, object: true, media });
        }
    }
}

pub(crate) fn check(doc: &Value) -> Vec<Raw> {
    let v30 = doc.get("openapi").and_then(Value::as_str).is_some_and(|v| v.starts_with("3.0"));
    let mut found = Found::default();
    visit::walk(doc, &mut found);
    if found.0.is_empty() {
        return Vec::new();
    }
    let translated = translate_document(doc, v30);
    let mut out = Vec::new();
    let mut batch: Vec<(Pointer, &Value, &Value)> = Vec::new();
    for ex in found.0 {
        let value = match example_value(doc, &ex) {
            Ok(Some(v)) => v,
            Ok(None) => continue,
            Err(message) => {
                out.push(raw("example-valid", &ex.at, message));
                continue;
            }
        };
        // An example of an XML or text body is the body as sent, not the value its schema
        // describes.
        // `example: null` is how many 3.0 documents say "no example".
        if value.is_null() && !ex.object && ex.at.last().as_deref() == Some("example") {
            continue;
        }
        let json_media = ex.media.as_deref().is_none_or(|m| m.contains("json") || m == "*/*");
        if value.is_string() && !json_media {
            continue;
        }
        let Some(schema) = doc.pointer(ex.schema.as_str()) else { continue };
        batch.push((ex.at.clone(), schema, value));
    }
    // One validator for all examples (compiling the document once, not once per example);
    // if some schema cannot be compiled, each example is validated on its own to say which.
    match validate_all(&translated, &batch, v30) {
        Some(found) => out.extend(found),
        None => {
            for (at, schema, value) in &batch {
                out.extend(validate(&translated, schema, value, v30, at));
            }
        }
    }
    out
}

/// Validates every example in one pass: the root's property `i` is the `i`th example's
/// target schema, and the instance is the object of all examples by index. `None` when the
/// combined schema does not compile.
fn validate_all(translated: &Value, batch: &[(Pointer, &Value, &Value)], v30: bool) -> Option<Vec<Raw>> {
    let mut root = translated.clone();
    let obj = root.as_object_mut()?;
    let mut targets = Vec::new();
    let mut properties = serde_json::Map::new();
    let mut instance = serde_json::Map::new();
    for (i, (_, schema, value)) in batch.iter().enumerate() {
        targets.push(discriminated(translated, schema, value).unwrap_or_else(|| translate(schema, v30)));
        properties.insert(i.to_string(), json!({"$ref": format!("#/{TARGET}/{i}")}));
        instance.insert(i.to_string(), (*value).clone());
    }
    obj.insert(TARGET.to_owned(), Value::Array(targets));
    obj.insert("properties".to_owned(), Value::Object(properties));
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .with_format("byte", is_base64)
        .build(&root)
        .ok()?;
    let instance = Value::Object(instance);
    let mut per_example: Vec<usize> = vec![0; batch.len()];
    let mut out = Vec::new();
    for e in validator.iter_errors(&instance) {
        let path = e.instance_path().to_string();
        let mut parts = path.splitn(3, '/').skip(1);
        let Some(i) = parts.next().and_then(|i| i.parse::<usize>().ok()) else { continue };
        let inside = parts.next().map(|rest| format!("/{rest}")).unwrap_or_default();
        if i >= batch.len() || per_example[i] == 3 {
            continue;
        }
        per_example[i] += 1;
        out.push(finding(&batch[i].0, &inside, &e));
    }
    Some(out)
}

/// A validation error as a finding at the example `at`, `inside` it.
fn finding(at: &Pointer, inside: &str, e: &jsonschema::ValidationError<'_>) -> Raw {
    let where_ = if inside.is_empty() { String::new() } else { format!(" at {inside}") };
    // The value is shown unless it is long (an example of a whole body).
    let mut message = e.to_string();
    if message.chars().count() > 200 {
        message = e.masked().to_string();
    }
    raw("example-valid", at, format!("does not match its schema{where_}: {message}"))
}

/// The example value: the value itself, or an Example object's `value` (through `$ref`s into
/// `components/examples`). `None` when there is none (`externalValue`).
fn example_value<'a>(doc: &'a Value, ex: &Example) -> Result<Option<&'a Value>, String> {
    let Some(mut v) = doc.pointer(ex.at.as_str()) else { return Ok(None) };
    if !ex.object {
        return Ok(Some(v));
    }
    for _ in 0..16 {
        match v.get("$ref").map(Value::as_str) {
            Some(Some(r)) => {
                let pointer = r.strip_prefix('#').ok_or_else(|| format!("example `$ref` `{r}` is not local"))?;
                v = doc.pointer(pointer).ok_or_else(|| format!("example `$ref` `{r}` does not resolve"))?;
            }
            Some(None) => return Err("`$ref` must be a string".into()),
            None => return Ok(v.get("value")),
        }
    }
    Err("example `$ref` chain is too long".into())
}

/// Validates one example. The validator's root is the translated document with the schema at
/// [`TARGET`], so `$ref`s into `components` resolve as written.
fn validate(translated: &Value, schema: &Value, example: &Value, v30: bool, at: &Pointer) -> Vec<Raw> {
    let mut root = translated.clone();
    let Some(obj) = root.as_object_mut() else { return Vec::new() };
    // An example of a discriminated parent is checked against the schema its discriminator
    // value names, which includes the parent.
    let target = discriminated(translated, schema, example).unwrap_or_else(|| translate(schema, v30));
    obj.insert(TARGET.to_owned(), target);
    obj.insert("$ref".to_owned(), json!(format!("#/{TARGET}")));
    let validator =
        jsonschema::draft202012::options().should_validate_formats(true).with_format("byte", is_base64).build(&root);
    let validator = match validator {
        Ok(v) => v,
        Err(e) => return vec![raw("example-valid", at, format!("its schema is not valid JSON Schema: {e}"))],
    };
    validator.iter_errors(example).take(3).map(|e| finding(at, &e.instance_path().to_string(), &e)).collect()
}

/// The `$ref` the discriminator of `schema` maps the example's value to, if any.
fn discriminated(doc: &Value, schema: &Value, example: &Value) -> Option<Value> {
    let schema = match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => doc.pointer(r.strip_prefix('#')?)?,
        None => schema,
    };
    let d = schema.get("discriminator")?;
    let value = example.get(d.get("propertyName")?.as_str()?)?.as_str()?;
    let target = d.get("mapping").and_then(|m| m.get(value)).and_then(Value::as_str)?;
    let target = if target.contains('/') { target.to_owned() } else { format!("#/components/schemas/{target}") };
    Some(json!({"$ref": target}))
}

fn is_base64(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    s.len() - body.len() <= 2
        && body.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_'))
        && (s.len() % 4 == 0 || !s.ends_with('='))
}

/// A copy of the document whose component schemas are JSON Schema 2020-12, plus a base copy
/// of every parent that has a discriminator and `oneOf`/`anyOf`: a child that `allOf`s its
/// parent gets the base, so parent → child → parent is not an endless loop for the validator.
fn translate_document(doc: &Value, v30: bool) -> Value {
    let mut out = doc.clone();
    let Some(schemas) = doc.pointer("/components/schemas").and_then(Value::as_object) else { return out };
    let mut translated = serde_json::Map::new();
    let mut bases = serde_json::Map::new();
    for (name, s) in schemas {
        translated.insert(name.clone(), translate(s, v30));
        if s.get("discriminator").is_some() && (s.get("oneOf").is_some() || s.get("anyOf").is_some()) {
            let mut base = s.clone();
            if let Some(b) = base.as_object_mut() {
                for k in ["oneOf", "anyOf", "discriminator"] {
                    b.remove(k);
                }
            }
            bases.insert(name.clone(), translate(&base, v30));
        }
    }
    // Children refer to the base of their parent.
    if !bases.is_empty() {
        for s in translated.values_mut() {
            for member in s.get_mut("allOf").and_then(Value::as_array_mut).into_iter().flatten() {
                let Some(r) = member.get("$ref").and_then(Value::as_str) else { continue };
                let Some(name) = r.strip_prefix("#/components/schemas/") else { continue };
                if bases.contains_key(name) {
                    *member = json!({"$ref": format!("#/{BASE}/{name}")});
                }
            }
        }
    }
    if let Some(c) = out.pointer_mut("/components/schemas") {
        *c = Value::Object(translated);
    }
    if let Some(obj) = out.as_object_mut() {
        obj.insert(BASE.to_owned(), Value::Object(bases));
    }
    out
}

/// One schema (and its subschemas) as JSON Schema 2020-12. Recursion depth is the schema's
/// nesting depth as written, which a parsed document bounds.
fn translate(schema: &Value, v30: bool) -> Value {
    let Some(obj) = schema.as_object() else { return schema.clone() };
    // In 3.0 a `$ref`'s siblings are ignored.
    if v30 {
        if let Some(r) = obj.get("$ref") {
            return json!({"$ref": r});
        }
    }
    let mut out = serde_json::Map::new();
    for (k, v) in obj {
        let v = if ONE.contains(&k.as_str()) && v.is_object() {
            translate(v, v30)
        } else if LIST.contains(&k.as_str()) {
            Value::Array(v.as_array().into_iter().flatten().map(|s| translate(s, v30)).collect())
        } else if MAP.contains(&k.as_str()) {
            Value::Object(v.as_object().into_iter().flatten().map(|(n, s)| (n.clone(), translate(s, v30))).collect())
        } else {
            v.clone()
        };
        // Annotations and OpenAPI's own keywords constrain nothing.
        if matches!(k.as_str(), "discriminator" | "xml" | "example" | "externalDocs") || k.starts_with("x-") {
            continue;
        }
        out.insert(k.clone(), v);
    }
    // A discriminator picks one member, so more than one matching is not an error. With a
    // mapping, the member its value names is checked (`if`/`then` per value), so a mistake
    // deep inside a variant is reported where it is rather than as "no member matched"; a
    // value the mapping lacks is a variant the client keeps as unknown.
    if let Some(d) = obj.get("discriminator") {
        let property = d.get("propertyName").and_then(Value::as_str);
        let mapping = d.get("mapping").and_then(Value::as_object).filter(|m| !m.is_empty());
        match (property, mapping) {
            (Some(property), Some(mapping)) if out.contains_key("oneOf") || out.contains_key("anyOf") => {
                out.remove("oneOf");
                out.remove("anyOf");
                let cases: Vec<Value> = mapping
                    .iter()
                    .filter_map(|(value, target)| {
                        let target = target.as_str()?;
                        let target = if target.contains('/') {
                            target.to_owned()
                        } else {
                            format!("#/components/schemas/{target}")
                        };
                        Some(json!({
                            "if": {"properties": {property: {"const": value}}, "required": [property]},
                            "then": {"$ref": target},
                        }))
                    })
                    .collect();
                let mut all = out.remove("allOf").and_then(|a| a.as_array().cloned()).unwrap_or_default();
                all.extend(cases);
                out.insert("allOf".to_owned(), Value::Array(all));
            }
            _ => {
                if let Some(one) = out.remove("oneOf") {
                    out.insert("anyOf".to_owned(), one);
                }
            }
        }
    }
    if v30 {
        translate_30(obj, &mut out);
    }
    // `int32`/`int64` are ranges; a `format` JSON Schema does not know is not checked.
    let bounds = match obj.get("format").and_then(Value::as_str) {
        Some("int32") => Some(json!({"minimum": i32::MIN, "maximum": i32::MAX})),
        Some("int64") => Some(json!({"minimum": i64::MIN, "maximum": i64::MAX})),
        _ => None,
    };
    if let Some(bounds) = bounds {
        match out.get_mut("allOf").and_then(Value::as_array_mut) {
            Some(all) => all.push(bounds),
            None => {
                out.insert("allOf".to_owned(), json!([bounds]));
            }
        }
    }
    Value::Object(out)
}

/// OpenAPI 3.0 keywords that mean something else in JSON Schema 2020-12.
fn translate_30(obj: &serde_json::Map<String, Value>, out: &mut serde_json::Map<String, Value>) {
    // Boolean exclusive bounds (JSON Schema draft 4) become numbers.
    for (exclusive, bound) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
        if let Some(Value::Bool(b)) = obj.get(exclusive) {
            out.remove(exclusive);
            if *b {
                if let Some(n) = out.remove(bound) {
                    out.insert(exclusive.to_owned(), n);
                }
            }
        }
    }
    // A request example leaves out read-only members, a response example write-only ones; the
    // one schema serves both, so neither is required of an example.
    if let (Some(Value::Array(required)), Some(props)) = (obj.get("required"), obj.get("properties")) {
        let kept: Vec<Value> = required
            .iter()
            .filter(|r| {
                let p = r.as_str().and_then(|n| props.get(n));
                !p.is_some_and(|p| p.get("readOnly") == Some(&json!(true)) || p.get("writeOnly") == Some(&json!(true)))
            })
            .cloned()
            .collect();
        out.insert("required".to_owned(), Value::Array(kept));
    }
    if obj.get("nullable") == Some(&json!(true)) {
        out.remove("nullable");
        if let Some(Value::Array(values)) = out.get_mut("enum") {
            if !values.contains(&Value::Null) {
                values.push(Value::Null);
            }
        }
        match out.get("type").cloned() {
            Some(Value::String(t)) => {
                out.insert("type".to_owned(), json!([t, "null"]));
            }
            _ => {
                let inner = Value::Object(std::mem::take(out));
                out.insert("anyOf".to_owned(), json!([{"type": "null"}, inner]));
            }
        }
    } else {
        out.remove("nullable");
    }
}
