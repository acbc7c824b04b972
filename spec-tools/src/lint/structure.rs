//! Rules about the document's structure: operation ids, doc pages, secrets, unused components
//! and references.

use std::collections::{BTreeMap, BTreeSet};

use generator::{Document, Pointer};
use serde_json::Value;

use super::visit::{self, Visitor};
use super::{raw, Raw};

/// Runs every structural rule. `raw` is the file as written; `doc` the loaded document, whose
/// resolver is the generator's.
pub(crate) fn check(doc: &Document, raw_doc: &Value) -> Vec<Raw> {
    let mut rules = Rules::default();
    visit::walk(raw_doc, &mut rules);
    let mut out = rules.out;
    out.extend(operation_ids(&rules.operations));
    refs(doc, raw_doc, &mut out);
    unused(raw_doc, &mut out);
    out
}

#[derive(Default)]
struct Rules {
    operations: Vec<(Pointer, Option<Value>)>,
    out: Vec<Raw>,
}

impl Visitor for Rules {
    fn operation(&mut self, at: &Pointer, op: &Value) {
        self.operations.push((at.clone(), op.get("operationId").cloned()));
        match op.get("x-doc-page") {
            None => self.out.push(raw("doc-page", at, "the operation has no `x-doc-page` (the page it documents)")),
            Some(Value::String(url)) if is_https_url(url) => {}
            Some(other) => {
                self.out.push(raw("doc-page", &at.join("x-doc-page"), format!("{other} is not an https URL")));
            }
        }
    }

    fn schema(&mut self, at: &Pointer, schema: &Value) {
        for (name, prop) in schema.get("properties").and_then(Value::as_object).into_iter().flatten() {
            if let Some(reason) = unmarked_secret(name, prop) {
                self.out.push(raw("secret-format", &at.join("properties").join(name), reason));
            }
        }
    }

    fn parameter(&mut self, at: &Pointer, p: &Value) {
        let (Some(name), Some(schema)) = (p.get("name").and_then(Value::as_str), p.get("schema")) else { return };
        if let Some(reason) = unmarked_secret(name, schema) {
            self.out.push(raw("secret-format", &at.join("schema"), reason));
        }
    }
}

fn is_https_url(url: &str) -> bool {
    url.strip_prefix("https://").is_some_and(|rest| {
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        !host.is_empty() && !rest.contains(char::is_whitespace)
    })
}

/// `operation-id-unique`: present, identifier-like, and unique even ignoring case (a
/// generator turns ids into snake_case names, so `getUser` and `GetUser` collide).
fn operation_ids(ops: &[(Pointer, Option<Value>)]) -> Vec<Raw> {
    let mut out = Vec::new();
    let mut seen: BTreeMap<String, (Pointer, String)> = BTreeMap::new();
    for (at, id) in ops {
        let id = match id {
            None => {
                out.push(raw("operation-id-unique", at, "the operation has no `operationId`"));
                continue;
            }
            Some(Value::String(id)) => id,
            Some(other) => {
                out.push(raw("operation-id-unique", &at.join("operationId"), format!("{other} is not a string")));
                continue;
            }
        };
        let at = at.join("operationId");
        let identifier = id.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if !identifier {
            out.push(raw(
                "operation-id-unique",
                &at,
                format!("`{id}` is not identifier-like (a letter or `_`, then letters, digits, `_`, `-`, `.`)"),
            ));
        }
        match seen.get(&id.to_lowercase()) {
            Some((first, other)) if other == id => {
                out.push(raw("operation-id-unique", &at, format!("`{id}` is also the operationId of {first}")));
            }
            Some((first, other)) => out.push(raw(
                "operation-id-unique",
                &at,
                format!("`{id}` differs only in case from `{other}` at {first}"),
            )),
            None => {
                seen.insert(id.to_lowercase(), (at.clone(), id.clone()));
            }
        }
    }
    out
}

/// Words that make a name secret when they end it.
const SECRET_WORDS: &[&str] = &["password", "passwd", "pwd", "passphrase", "secret", "token"];
/// `key` ends a secret name only after one of these (`apiKey`, `privateKey`), never alone
/// (`key` of a map entry or an object store) or after `public`, `primary`, `sort` ...
const KEY_QUALIFIERS: &[&str] =
    &["api", "private", "secret", "access", "encryption", "signing", "shared", "master", "auth", "subscription"];
/// `token` after one of these is a cursor, not a credential (`nextPageToken`).
const NOT_SECRET_TOKENS: &[&str] = &["page", "continuation", "next", "sync", "cursor", "pagination", "idempotency"];
/// Words that name certificate or key-store content.
const CERTIFICATE_WORDS: &[&str] = &["certificate", "cert", "pfx", "p12", "pkcs12"];

/// Why a property or parameter looks secret but is not marked `format: password` (or
/// `x-secret: true`), or `None`. The heuristic reads the name's words (camelCase, snake_case,
/// kebab-case) and looks at the last one, the noun: `accessToken`, `rootPassword`,
/// `clientSecret`, `apiKey` are secrets; `tokenUrl`, `passwordHint`, `keyId`, `keyType`,
/// `keys`, `publicKey`, `nextPageToken` are not. A certificate (`certificate`, `pfx` ...) is
/// secret when it carries content (a string with format `byte` or base64 content), which may
/// hold a private key; a certificate's name or thumbprint is not.
pub fn unmarked_secret(name: &str, schema: &Value) -> Option<String> {
    if schema.get("$ref").is_some() || schema.get("format").and_then(Value::as_str) == Some("password") {
        return None;
    }
    if schema.get("x-secret").and_then(Value::as_bool) == Some(true) {
        return None;
    }
    let is_string = match schema.get("type") {
        Some(Value::String(t)) => t == "string",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "string"),
        _ => false,
    };
    if !is_string {
        return None;
    }
    let words = words(name);
    let last = words.last()?.as_str();
    let before = words.len().checked_sub(2).map(|i| words[i].as_str());
    let secret = match last {
        "token" => !before.is_some_and(|b| NOT_SECRET_TOKENS.contains(&b)),
        w if SECRET_WORDS.contains(&w) => true,
        "key" => before.is_some_and(|b| KEY_QUALIFIERS.contains(&b)),
        w if CERTIFICATE_WORDS.contains(&w) => {
            schema.get("format").and_then(Value::as_str) == Some("byte")
                || schema.get("contentEncoding").and_then(Value::as_str) == Some("base64")
        }
        _ => false,
    };
    secret.then(|| {
        format!("`{name}` looks like a secret but is not `format: password`, so it would be logged in plain text")
    })
}

/// The lowercase words of a name: `apiKey`, `API_KEY`, `x-api-key`, `privateKeyPEM` →
/// `api key`, `private key pem`.
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        // A new word starts at an upper-case letter after a lower-case one or a digit, and at
        // the last capital of an acronym followed by a lower-case letter (`PEMFile`).
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1);
        let boundary = c.is_uppercase()
            && (prev.is_some_and(|p| p.is_lowercase() || p.is_ascii_digit())
                || (prev.is_some_and(char::is_uppercase) && next.is_some_and(|n| n.is_lowercase())));
        if boundary && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `ref-resolves`: every local `$ref` (a `#` fragment, the only kind left once a split
/// document is bundled) resolves, with the generator's resolver.
fn refs(doc: &Document, raw_doc: &Value, out: &mut Vec<Raw>) {
    let mut todo = vec![(Pointer::root(), raw_doc)];
    while let Some((at, v)) = todo.pop() {
        match v {
            Value::Object(map) => {
                if let Some(r) = map.get("$ref") {
                    match r.as_str() {
                        Some(r) if r.starts_with('#') => {
                            if let Err(message) = doc.resolve(r) {
                                out.push(raw("ref-resolves", &at.join("$ref"), message));
                            }
                        }
                        Some(_) => {}
                        None => out.push(raw("ref-resolves", &at.join("$ref"), "`$ref` must be a string")),
                    }
                }
                // Example values are data: a `$ref` key there is not a reference.
                for (k, child) in map.iter().rev() {
                    // A map of Example objects may hold `$ref`s; a schema's list of examples is data.
                    let data = matches!(k.as_str(), "example" | "default" | "enum" | "const" | "value")
                        || (k == "examples" && !child.is_object());
                    if !data {
                        todo.push((at.join(k), child));
                    }
                }
            }
            Value::Array(items) => todo.extend(items.iter().enumerate().rev().map(|(i, c)| (at.join(i), c))),
            _ => {}
        }
    }
}

/// The component sections `unused-component` checks.
const SECTIONS: &[&str] =
    &["schemas", "parameters", "responses", "requestBodies", "headers", "securitySchemes", "examples"];

/// `unused-component`: every component is reachable from the paths, webhooks or the security
/// requirements, following `$ref`s and discriminator mappings transitively.
fn unused(raw_doc: &Value, out: &mut Vec<Raw>) {
    let Some(components) = raw_doc.get("components").and_then(Value::as_object) else { return };
    let mut reached: BTreeSet<String> = BTreeSet::new();
    let mut todo: Vec<&Value> = Vec::new();
    for key in ["paths", "webhooks"] {
        todo.extend(raw_doc.get(key));
    }
    // Security requirements name schemes by key, at the top and on each operation.
    let mut requirements: Vec<&Value> = raw_doc.get("security").into_iter().collect();
    for item in raw_doc.get("paths").and_then(Value::as_object).into_iter().flat_map(|m| m.values()) {
        for method in visit::METHODS {
            requirements.extend(item.get(*method).and_then(|op| op.get("security")));
        }
    }
    for list in requirements {
        for req in list.as_array().into_iter().flatten() {
            for name in req.as_object().into_iter().flat_map(|m| m.keys()) {
                let ptr = Pointer::root().join("components").join("securitySchemes").join(name);
                if reached.insert(ptr.as_str().to_owned()) {
                    todo.extend(raw_doc.pointer(ptr.as_str()));
                }
            }
        }
    }
    while let Some(v) = todo.pop() {
        match v {
            Value::Object(map) => {
                let mut targets: Vec<&str> = map.get("$ref").and_then(Value::as_str).into_iter().collect();
                if let Some(mapping) = map.get("discriminator").and_then(|d| d.get("mapping")) {
                    targets.extend(mapping.as_object().into_iter().flat_map(|m| m.values()).filter_map(Value::as_str));
                }
                // A discriminator mapping value may also be a bare schema name.
                for target in targets {
                    let Some(fragment) = target.strip_prefix('#') else { continue };
                    if reached.insert(fragment.to_owned()) {
                        todo.extend(raw_doc.pointer(fragment));
                    }
                }
                if let Some(mapping) = map.get("discriminator").and_then(|d| d.get("mapping")) {
                    for name in mapping.as_object().into_iter().flat_map(|m| m.values()).filter_map(Value::as_str) {
                        if !name.contains('/') && !name.starts_with('#') {
                            let ptr = Pointer::root().join("components").join("schemas").join(name);
                            if reached.insert(ptr.as_str().to_owned()) {
                                todo.extend(raw_doc.pointer(ptr.as_str()));
                            }
                        }
                    }
                }
                todo.extend(map.values());
            }
            Value::Array(items) => todo.extend(items),
            _ => {}
        }
    }
    let used = |ptr: &Pointer| reached.iter().any(|r| Pointer::parse(r).is_some_and(|r| r.starts_with(ptr)));
    for section in SECTIONS {
        for name in components.get(*section).and_then(Value::as_object).into_iter().flat_map(|m| m.keys()) {
            let ptr = Pointer::root().join("components").join(section).join(name);
            if !used(&ptr) {
                out.push(raw(
                    "unused-component",
                    &ptr,
                    "nothing in the paths, webhooks or security requirements refers to it, directly or through other components",
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secret_names_both_ways() {
        let string = json!({"type": "string"});
        for name in [
            "password",
            "rootPassword",
            "new_password",
            "passphrase",
            "clientSecret",
            "secret",
            "accessToken",
            "refresh_token",
            "token",
            "apiKey",
            "API_KEY",
            "x-api-key",
            "privateKey",
            "secretKey",
            "accessKey",
            "newSecretKey",
        ] {
            assert!(unmarked_secret(name, &string).is_some(), "{name} should be a secret");
        }
        for name in [
            "keyId",
            "keyType",
            "keys",
            "key",
            "publicKey",
            "primaryKey",
            "sortKey",
            "tokenUrl",
            "tokenType",
            "passwordHint",
            "passwordLastChanged",
            "nextPageToken",
            "continuation_token",
            "secretName",
            "certificateThumbprint",
            "certificate",
        ] {
            assert!(unmarked_secret(name, &string).is_none(), "{name} should not be a secret");
        }
        // Certificate content is a secret (a PFX holds the private key); a marked secret or a
        // non-string is not reported.
        assert!(unmarked_secret("certificate", &json!({"type": "string", "format": "byte"})).is_some());
        assert!(unmarked_secret("pfx", &json!({"type": "string", "contentEncoding": "base64"})).is_some());
        assert!(unmarked_secret("password", &json!({"type": "string", "format": "password"})).is_none());
        assert!(unmarked_secret("password", &json!({"type": "string", "x-secret": true})).is_none());
        assert!(unmarked_secret("password", &json!({"$ref": "#/components/schemas/P"})).is_none());
        assert!(unmarked_secret("token", &json!({"type": "object"})).is_none());
    }

    #[test]
    fn words_split_every_naming_style() {
        assert_eq!(words("privateKeyPEM"), ["private", "key", "pem"]);
        assert_eq!(words("PEMFile"), ["pem", "file"]);
        assert_eq!(words("x-api-key"), ["x", "api", "key"]);
        assert_eq!(words("API_KEY2"), ["api", "key2"]);
    }
}
