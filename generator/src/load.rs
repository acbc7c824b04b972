//! Loading: text → a JSON value tree that remembers which file it came from, plus typed views
//! of single elements located by JSON pointer. Nothing here touches the file system.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::bundle::Files;
use crate::diag::{excerpt, Diagnostic, Diagnostics, Kind, Severity};
use crate::pointer::Pointer;

/// Reads one file of a split document: its path (the root file's folder joined with the
/// relative path a `$ref` names) → its text, or why it cannot be read.
pub type ReadFile<'a> = dyn FnMut(&str) -> Result<String, String> + 'a;

/// The OpenAPI version a document declares, which decides how its schemas read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Version {
    /// 3.0.x: schemas are OpenAPI's own JSON Schema subset.
    V3_0,
    /// 3.1.x: schemas are JSON Schema 2020-12.
    V3_1,
    /// 3.2.x: as 3.1, plus the `query` method.
    V3_2,
}

/// A parsed OpenAPI document, not yet interpreted.
#[derive(Clone, Debug)]
pub struct Document {
    /// The file name used in diagnostics.
    pub file: String,
    /// The whole document as a JSON value; YAML is converted on load. The schemas of a 3.1
    /// or 3.2 document are rewritten to the form lowering reads ([`crate::dialect`]).
    pub raw: Value,
    /// The version the document declares.
    pub version: Version,
    /// What the rewrite of 3.1 schemas could not keep, reported as warnings when lowering.
    pub(crate) notes: Vec<(Pointer, String)>,
    /// Where each `$anchor` (as `#name`) and each `$id` of a 3.1 schema is, so a `$ref` may
    /// name a schema by either.
    pub(crate) names: std::collections::BTreeMap<String, Pointer>,
    /// The other files of a split document, bundled into `raw`.
    pub files: Files,
}

impl Document {
    /// Parses JSON or YAML text. The file name only labels diagnostics; a `.json` name selects
    /// the JSON parser, anything else is read as YAML (a superset of JSON).
    pub fn parse(file: &str, text: &str) -> Result<Self, Diagnostics> {
        Self::from_text(file, text, None)
    }

    /// Reads the document at `file` with `read`, and every file its `$ref`s reach: paths
    /// relative to the file that refers to them, in YAML or JSON. `read` gets the path joined
    /// onto the folder of `file` (`spec/schemas/job.yaml`); a `$ref` to a URL is never read.
    pub fn load(file: &str, read: &mut ReadFile<'_>) -> Result<Self, Diagnostics> {
        let text = read(file).map_err(|e| {
            Diagnostics(vec![Diagnostic {
                severity: Severity::Error,
                kind: Kind::Syntax,
                file: file.to_owned(),
                pointer: String::new(),
                message: format!("cannot read the document: {e}"),
            }])
        })?;
        Self::from_text(file, &text, Some(read))
    }

    fn from_text(file: &str, text: &str, read: Option<&mut ReadFile<'_>>) -> Result<Self, Diagnostics> {
        let fail = |pointer: Option<&Pointer>, message: String| {
            Diagnostics(vec![Diagnostic {
                severity: Severity::Error,
                kind: Kind::Syntax,
                file: file.to_owned(),
                pointer: pointer.map(Pointer::to_string).unwrap_or_default(),
                message,
            }])
        };
        let raw = parse_tree(file, text).map_err(|(pointer, message)| fail(pointer.as_ref(), message))?;
        let mut raw = raw;
        let version = check_version(&raw).map_err(|(p, m)| fail(p.as_ref(), m))?;
        let files = match read {
            None => Files::default(),
            Some(read) => {
                let parse = |label: &str, text: &str| {
                    parse_tree(label, text).map_err(|(at, m)| match at {
                        Some(at) if at != Pointer::root() => format!("{at}: {m}"),
                        _ => m,
                    })
                };
                let (files, problems) = crate::bundle::bundle(file, &mut raw, read, &parse);
                if !problems.is_empty() {
                    return Err(Diagnostics(
                        problems
                            .into_iter()
                            .map(|(file, at, message)| Diagnostic {
                                severity: Severity::Error,
                                kind: Kind::Syntax,
                                file,
                                pointer: at.map(|p| p.to_string()).unwrap_or_default(),
                                message,
                            })
                            .collect(),
                    ));
                }
                files
            }
        };
        let (notes, names) = if version >= Version::V3_1 {
            (crate::dialect::normalize(&mut raw), crate::dialect::schema_names(&raw))
        } else {
            Default::default()
        };
        Ok(Document { file: file.to_owned(), raw, version, notes, names, files })
    }
}

/// One file's JSON or YAML text as a tree, exactly as written: no version check, no bundling,
/// no 3.1 rewrite. For tools that rewrite the file itself (`spec-fmt`).
pub fn parse_text(file: &str, text: &str) -> Result<Value, Diagnostics> {
    parse_tree(file, text).map_err(|(at, message)| {
        Diagnostics(vec![Diagnostic {
            severity: Severity::Error,
            kind: Kind::Syntax,
            file: file.to_owned(),
            pointer: at.map(|p| p.to_string()).unwrap_or_default(),
            message,
        }])
    })
}

/// JSON or YAML text → a tree; a `.json` name selects the JSON parser, anything else is read
/// as YAML (a superset of JSON). The error's pointer is `None` for a syntax error.
fn parse_tree(file: &str, text: &str) -> Result<Value, (Option<Pointer>, String)> {
    let fail = |pointer: Option<&Pointer>, message: String| (pointer.cloned(), message);
    {
        let raw = if file.ends_with(".json") {
            serde_json::from_str::<Value>(text).map_err(|e| {
                fail(
                    None,
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
                fail(None, format!("invalid YAML{at}: {}", strip_position(&e.to_string())))
            })?;
            yaml_to_json(yaml, &Pointer::root()).map_err(|(pointer, message)| fail(Some(&pointer), message))?
        };
        Ok(raw)
    }
}

/// The version a document declares, if it is one the generator reads.
fn check_version(raw: &Value) -> Result<Version, (Option<Pointer>, String)> {
    let at = |token: &str| Some(Pointer::root().join(token));
    let Some(root) = raw.as_object() else {
        return Err((None, "the document is not an object".into()));
    };
    if root.contains_key("swagger") {
        return Err((at("swagger"), "swagger 2.0 documents are not supported; convert to OpenAPI 3.0 first".into()));
    }
    match root.get("openapi") {
        Some(Value::String(v)) if v.starts_with("3.0.") => Ok(Version::V3_0),
        Some(Value::String(v)) if v.starts_with("3.1.") => Ok(Version::V3_1),
        Some(Value::String(v)) if v.starts_with("3.2.") => Ok(Version::V3_2),
        Some(Value::String(v)) => Err((
            at("openapi"),
            format!("OpenAPI version {} is not supported; expected 3.0.x, 3.1.x or 3.2.x", excerpt(v)),
        )),
        Some(_) => Err((at("openapi"), "`openapi` must be a string such as \"3.1.0\"".into())),
        None => Err((None, "missing `openapi` version field; is this an OpenAPI document?".into())),
    }
}

impl Document {
    /// The value at a pointer.
    pub fn at(&self, pointer: &Pointer) -> Option<&Value> {
        self.raw.pointer(pointer.as_str())
    }

    /// Follows `value` (written at `at`) through its chain of `$ref`s to what it names, and
    /// where that is. A value without `$ref` is its own target. The error is located at the
    /// object whose `$ref` fails: it is not a string, points outside the document, does not
    /// resolve, or leads back into the chain.
    pub fn deref<'a>(&'a self, at: &Pointer, value: &'a Value) -> Result<(Pointer, &'a Value), (Pointer, String)> {
        let (mut pointer, mut value) = (at.clone(), value);
        let mut seen: Vec<Pointer> = Vec::new();
        while let Some(reference) = value.get("$ref") {
            let Some(reference) = reference.as_str() else {
                return Err((pointer, "`$ref` must be a string".into()));
            };
            let (next, target) = self.resolve(reference).map_err(|msg| (pointer.clone(), msg))?;
            if next == pointer || seen.contains(&next) {
                return Err((pointer, format!("`$ref` cycle: `{}` refers back to itself", excerpt(reference))));
            }
            seen.push(std::mem::replace(&mut pointer, next));
            value = target;
        }
        Ok((pointer, value))
    }

    /// Where `value`'s chain of `$ref`s ends, for readers that need only the value.
    pub fn resolve_chain<'a>(&'a self, value: &'a Value) -> &'a Value {
        self.deref_lenient(&Pointer::root(), value).1
    }

    /// [`Self::deref`] for readers that do not report: where the chain ends, or the last
    /// value reached when a reference fails (that is reported where the element is lowered).
    pub fn deref_lenient<'a>(&'a self, at: &Pointer, value: &'a Value) -> (Pointer, &'a Value) {
        let (mut pointer, mut value) = (at.clone(), value);
        let mut hops = 0;
        while let Some((next, target)) = value.get("$ref").and_then(Value::as_str).and_then(|r| self.resolve(r).ok()) {
            hops += 1;
            if hops > 64 {
                break;
            }
            (pointer, value) = (next, target);
        }
        (pointer, value)
    }

    /// Resolves a local `$ref` to the pointer it names and the value there.
    pub fn resolve(&self, reference: &str) -> Result<(Pointer, &Value), String> {
        // A schema named by its `$anchor` or `$id` (3.1); a fragment after an `$id` is a pointer
        // inside that schema.
        let (base, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        let named = match (base, fragment) {
            ("", f) if !f.is_empty() && !f.starts_with('/') => self.names.get(reference),
            (b, _) if !b.is_empty() => self.names.get(b),
            _ => None,
        };
        if let Some(pointer) = named {
            let inner = if base.is_empty() { "" } else { fragment };
            let full = Pointer::parse(&format!("{}{}", pointer.as_str(), percent_decode(inner)));
            if let Some((p, v)) = full.and_then(|p| self.at(&p).map(|v| (p, v))) {
                return Ok((p, v));
            }
        }
        let shown = excerpt(&self.files.describe(reference));
        let Some(fragment) = reference.strip_prefix('#') else {
            return Err(format!(
                "reference `{shown}` points outside this document: a URL is never fetched, and another file is read only when the document is loaded from its file"
            ));
        };
        let Some(pointer) = Pointer::parse(&percent_decode(fragment)) else {
            return Err(format!("reference `{shown}` is not a JSON pointer"));
        };
        match self.at(&pointer) {
            Some(v) => Ok((pointer, v)),
            None => Err(format!("reference `{shown}` does not resolve to anything in this document")),
        }
    }

    /// Deserializes the element at `pointer` into an openapiv3 type; the error names the
    /// exact nested pointer that failed.
    pub(crate) fn typed<T: DeserializeOwned>(
        &self,
        pointer: &Pointer,
        value: &Value,
    ) -> Result<T, (Pointer, Kind, String)> {
        let mut track = serde_path_to_error::Track::new();
        let de = serde_path_to_error::Deserializer::new(value, &mut track);
        match T::deserialize(de) {
            Ok(t) => Ok(t),
            Err(e) => {
                let mut at = pointer.clone();
                for seg in track.path().iter() {
                    match seg {
                        serde_path_to_error::Segment::Seq { index } => at.push(index),
                        serde_path_to_error::Segment::Map { key } => at.push(key),
                        _ => {}
                    }
                }
                let (kind, message) = describe_serde_error(&e.to_string());
                Err((at, kind, message))
            }
        }
    }
}

/// serde's untagged-enum message is unhelpful on its own; say what was expected instead.
fn describe_serde_error(msg: &str) -> (Kind, String) {
    if msg.starts_with("data did not match any variant of untagged enum ReferenceOr") {
        (Kind::Unrecognized, "not a valid schema or `$ref` object".to_owned())
    } else if let Some(rest) = msg.strip_prefix("data did not match any variant of untagged enum ") {
        (Kind::Unrecognized, format!("not a valid {rest} object"))
    } else {
        (Kind::Structure, msg.to_owned())
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
fn yaml_to_json(v: serde_yaml::Value, pointer: &Pointer) -> Result<Value, (Pointer, String)> {
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
                    .ok_or_else(|| (pointer.clone(), format!("number {f} cannot be represented in JSON")))?
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, item)| yaml_to_json(item, &pointer.join(i)))
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
                        return Err((pointer.clone(), format!("mapping key {other:?} is not a string")));
                    }
                };
                let value = yaml_to_json(v, &pointer.join(&key))?;
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
        assert_eq!(doc.at(&Pointer::parse("/x/200").unwrap()), Some(&Value::from("ok")));
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
        assert_eq!(p.as_str(), "/paths/~1a~1b/get");
        assert_eq!(v, &Value::from(1));
        assert!(doc.resolve("other.yaml#/x").unwrap_err().contains("outside this document"));
        assert!(doc.resolve("#/nope").unwrap_err().contains("does not resolve"));
        // A `%` before a multi-byte character is not an escape.
        assert!(doc.resolve("#/paths/%é").unwrap_err().contains("does not resolve"));
        assert!(doc.resolve("#/paths/~1a~1b/%67et").is_ok());
    }
}

#[cfg(test)]
mod split_tests {
    use super::*;
    use std::collections::BTreeMap;

    fn load(files: &[(&str, &str)]) -> Result<Document, Diagnostics> {
        let files: BTreeMap<String, Vec<u8>> =
            files.iter().map(|(k, v)| (k.to_string(), v.as_bytes().to_vec())).collect();
        Document::load("spec/openapi.yaml", &mut |p: &str| match files.get(p) {
            Some(bytes) => String::from_utf8(bytes.clone()).map_err(|_| "not UTF-8 text".to_owned()),
            None => Err("no such file".to_owned()),
        })
    }

    fn generate(doc: &Document) -> Result<crate::Generated, Diagnostics> {
        crate::generate(doc, &crate::Options::default())
    }

    const ROOT: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: 'schemas/a.yaml'}\n";

    #[test]
    fn a_missing_file_names_the_file_and_the_ref() {
        let err = load(&[("spec/openapi.yaml", ROOT)]).unwrap_err().to_string();
        assert_eq!(
            err,
            "error: spec/openapi.yaml#/paths/~1a/get/responses/200/content/application~1json/schema: cannot read `schemas/a.yaml`: no such file"
        );
    }

    #[test]
    fn a_ref_into_a_binary_file_is_an_error_not_a_panic() {
        let files: &[(&str, &str)] =
            &[("spec/openapi.yaml", ROOT), ("spec/schemas/a.yaml", "\u{0}\u{1}PK\u{3}\u{4}\u{7f}ELF: [")];
        let err = load(files).unwrap_err().to_string();
        assert!(err.starts_with("error: spec/schemas/a.yaml: invalid YAML"), "{err}");
    }

    #[test]
    fn a_cycle_made_only_of_refs_across_files_is_located() {
        let files: &[(&str, &str)] = &[
            ("spec/openapi.yaml", ROOT),
            ("spec/schemas/a.yaml", "$ref: b.yaml\n"),
            ("spec/schemas/b.yaml", "$ref: a.yaml\n"),
        ];
        let doc = load(files).unwrap();
        let err = generate(&doc).unwrap_err().to_string();
        assert!(err.contains("`$ref` cycle"), "{err}");
        assert!(err.contains("spec/schemas/"), "the cycle is reported in the files that make it: {err}");
    }

    #[test]
    fn a_deep_chain_of_files_loads_without_recursion() {
        let n = 3000;
        let mut files: Vec<(String, String)> =
            vec![("spec/openapi.yaml".into(), ROOT.replace("schemas/a.yaml", "c/0.yaml"))];
        for i in 0..n {
            let body = if i + 1 < n { format!("$ref: {}.yaml\n", i + 1) } else { "type: string\n".to_owned() };
            files.push((format!("spec/c/{i}.yaml"), body));
        }
        let refs: Vec<(&str, &str)> = files.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let doc = load(&refs).unwrap();
        assert_eq!(doc.files.iter().count(), n);
        generate(&doc).unwrap();
    }

    #[test]
    fn a_url_is_never_fetched() {
        let root = ROOT.replace("schemas/a.yaml", "https://example.com/a.yaml");
        let doc = load(&[("spec/openapi.yaml", &root)]).unwrap();
        let err = generate(&doc).unwrap_err().to_string();
        assert!(err.contains("a URL is never fetched"), "{err}");
    }
}
