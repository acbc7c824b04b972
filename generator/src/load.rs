//! Loading: text → a JSON value tree that remembers which file it came from, plus typed views
//! of single elements located by JSON pointer. Nothing here touches the file system.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::diag::{Diagnostic, Diagnostics, Severity};

/// A parsed OpenAPI document, not yet interpreted.
#[derive(Clone, Debug)]
pub struct Document {
    /// The file name used in diagnostics.
    pub file: String,
    /// The whole document as a JSON value; YAML is converted on load.
    pub raw: Value,
}

impl Document {
    /// Parses JSON or YAML text. The file name only labels diagnostics; a `.json` name selects
    /// the JSON parser, anything else is read as YAML (a superset of JSON).
    pub fn parse(file: &str, text: &str) -> Result<Self, Diagnostics> {
        let fail = |pointer: &str, message: String| {
            Diagnostics(vec![Diagnostic {
                severity: Severity::Error,
                file: file.to_owned(),
                pointer: if pointer.is_empty() { String::new() } else { format!("#{pointer}") },
                message,
            }])
        };
        let raw = if file.ends_with(".json") {
            serde_json::from_str::<Value>(text).map_err(|e| {
                fail(
                    "",
                    format!(
                        "invalid JSON at line {} column {}: {}",
                        e.line(),
                        e.column(),
                        strip_position(&e.to_string())
                    ),
                )
            })?
        } else {
            let yaml = serde_yaml::from_str::<serde_yaml::Value>(text).map_err(|e| {
                let at =
                    e.location().map(|l| format!(" at line {} column {}", l.line(), l.column())).unwrap_or_default();
                fail("", format!("invalid YAML{at}: {}", strip_position(&e.to_string())))
            })?;
            yaml_to_json(yaml, "").map_err(|(pointer, message)| fail(&pointer, message))?
        };
        let doc = Document { file: file.to_owned(), raw };
        doc.check_version().map_err(|(p, m)| fail(&p, m))?;
        Ok(doc)
    }

    fn check_version(&self) -> Result<(), (String, String)> {
        let Some(root) = self.raw.as_object() else {
            return Err(("".into(), "the document is not an object".into()));
        };
        if root.contains_key("swagger") {
            return Err((
                "/swagger".into(),
                "swagger 2.0 documents are not supported; convert to OpenAPI 3.0 first".into(),
            ));
        }
        match root.get("openapi") {
            Some(Value::String(v)) if v.starts_with("3.0") => Ok(()),
            Some(Value::String(v)) if v.starts_with("3.1") => Err((
                "/openapi".into(),
                format!("OpenAPI {v} documents are not supported yet (3.1 support is planned); expected 3.0.x"),
            )),
            Some(Value::String(v)) => {
                Err(("/openapi".into(), format!("OpenAPI version {v} is not supported; expected 3.0.x")))
            }
            Some(_) => Err(("/openapi".into(), "`openapi` must be a string such as \"3.0.3\"".into())),
            None => Err(("".into(), "missing `openapi` version field; is this an OpenAPI document?".into())),
        }
    }

    /// The value at a JSON pointer (without the leading `#`).
    pub fn at(&self, pointer: &str) -> Option<&Value> {
        self.raw.pointer(pointer)
    }

    /// `value`, or what its chain of local `$ref`s leads to (the last value reached when a
    /// reference does not resolve or the chain loops).
    pub fn resolve_chain<'a>(&'a self, value: &'a Value) -> &'a Value {
        self.resolve_chain_at(String::new(), value).1
    }

    /// [`Self::resolve_chain`], with the pointer (without `#`) of where the chain ends;
    /// `pointer` is where `value` itself is.
    pub fn resolve_chain_at<'a>(&'a self, pointer: String, value: &'a Value) -> (String, &'a Value) {
        let (mut pointer, mut value) = (pointer, value);
        for _ in 0..32 {
            match value.get("$ref").and_then(Value::as_str).and_then(|r| self.resolve(r).ok()) {
                Some((next_ptr, next)) => (pointer, value) = (next_ptr, next),
                None => break,
            }
        }
        (pointer, value)
    }

    /// Resolves a local `$ref` to the pointer it names and the value there.
    pub fn resolve(&self, reference: &str) -> Result<(String, &Value), String> {
        let Some(pointer) = reference.strip_prefix('#') else {
            return Err(format!(
                "reference `{reference}` points outside this document; external references are not supported"
            ));
        };
        let pointer = percent_decode(pointer);
        if !pointer.is_empty() && !pointer.starts_with('/') {
            return Err(format!("reference `{reference}` is not a JSON pointer"));
        }
        match self.raw.pointer(&pointer) {
            Some(v) => Ok((pointer, v)),
            None => Err(format!("reference `{reference}` does not resolve to anything in this document")),
        }
    }

    /// Deserializes the element at `pointer` into an openapiv3 type; the error names the
    /// exact nested pointer that failed.
    pub(crate) fn typed<T: DeserializeOwned>(&self, pointer: &str, value: &Value) -> Result<T, (String, String)> {
        let mut track = serde_path_to_error::Track::new();
        let de = serde_path_to_error::Deserializer::new(value, &mut track);
        match T::deserialize(de) {
            Ok(t) => Ok(t),
            Err(e) => {
                let mut at = pointer.to_owned();
                for seg in track.path().iter() {
                    match seg {
                        serde_path_to_error::Segment::Seq { index } => {
                            at = crate::diag::push_pointer(&at, &index.to_string())
                        }
                        serde_path_to_error::Segment::Map { key } => at = crate::diag::push_pointer(&at, key),
                        _ => {}
                    }
                }
                Err((at, describe_serde_error(&e.to_string())))
            }
        }
    }
}

/// serde's untagged-enum message is unhelpful on its own; say what was expected instead.
fn describe_serde_error(msg: &str) -> String {
    if msg.starts_with("data did not match any variant of untagged enum ReferenceOr") {
        "not a valid schema or `$ref` object".to_owned()
    } else if let Some(rest) = msg.strip_prefix("data did not match any variant of untagged enum ") {
        format!("not a valid {rest} object")
    } else {
        msg.to_owned()
    }
}

fn strip_position(msg: &str) -> String {
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg.to_owned(),
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        // Byte-wise: slicing the string could cut a multi-byte character (found by fuzzing).
        let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(high), Some(low)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(high * 16 + low);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_owned())
}

/// YAML allows non-string keys (`200:` under `responses`); JSON and OpenAPI treat them as
/// strings, so they are converted here rather than rejected.
fn yaml_to_json(v: serde_yaml::Value, pointer: &str) -> Result<Value, (String, String)> {
    use serde_yaml::Value as Y;
    Ok(match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                serde_json::Number::from_f64(f)
                    .map(Value::Number)
                    .ok_or_else(|| (pointer.to_owned(), format!("number {f} cannot be represented in JSON")))?
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, item)| yaml_to_json(item, &crate::diag::push_pointer(pointer, &i.to_string())))
                .collect::<Result<_, _>>()?,
        ),
        Y::Mapping(map) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    other => {
                        return Err((pointer.to_owned(), format!("mapping key {other:?} is not a string")));
                    }
                };
                let child = crate::diag::push_pointer(pointer, &key);
                let value = yaml_to_json(v, &child)?;
                out.insert(key, value);
            }
            Value::Object(out)
        }
        Y::Tagged(t) => yaml_to_json(t.value, pointer)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_integer_keys_become_strings() {
        let doc = Document::parse("a.yaml", "openapi: 3.0.3\npaths: {}\nx:\n  200: ok\n").unwrap();
        assert_eq!(doc.at("/x/200"), Some(&Value::from("ok")));
    }

    #[test]
    fn rejects_swagger_2() {
        let err = Document::parse("s.json", r#"{"swagger":"2.0"}"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            "error: s.json#/swagger: swagger 2.0 documents are not supported; convert to OpenAPI 3.0 first"
        );
    }

    #[test]
    fn syntax_error_names_line() {
        let err = Document::parse("bad.yaml", "openapi: 3.0.3\npaths: [\n").unwrap_err();
        assert!(err.to_string().starts_with("error: bad.yaml: invalid YAML at line"), "{err}");
    }

    #[test]
    fn resolve_decodes_escapes() {
        let doc = Document::parse("a.json", r#"{"openapi":"3.0.0","paths":{"/a/b":{"get":1}}}"#).unwrap();
        let (p, v) = doc.resolve("#/paths/~1a~1b/get").unwrap();
        assert_eq!(p, "/paths/~1a~1b/get");
        assert_eq!(v, &Value::from(1));
        assert!(doc.resolve("other.yaml#/x").unwrap_err().contains("external"));
        assert!(doc.resolve("#/nope").unwrap_err().contains("does not resolve"));
        // A `%` before a multi-byte character is not an escape.
        assert!(doc.resolve("#/paths/%é").unwrap_err().contains("does not resolve"));
        assert!(doc.resolve("#/paths/~1a~1b/%67et").is_ok());
    }
}
