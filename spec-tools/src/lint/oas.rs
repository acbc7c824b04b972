//! Rules from Spectral's `oas` ruleset that matter to a generated client: what a client cannot
//! be generated from correctly (an undefined security scheme, path parameters that do not
//! match their template), and what it would be generated from poorly (no success response, no
//! servers, no descriptions for its docs). Spectral's names are kept where they are ours too;
//! `operation-operationId` is part of `operation-id-unique`.

use std::collections::{BTreeMap, BTreeSet};

use generator::{Document, Pointer};
use serde_json::Value;

use super::visit::{self, Visitor};
use super::{raw, Raw};

/// Runs every rule of this module over `raw_doc`, the file as written; `doc` (the loaded
/// document) resolves parameter references that point into other files.
pub(crate) fn check(doc: &Document, raw_doc: &Value) -> Vec<Raw> {
    let schemes: BTreeSet<String> = raw_doc
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let tags: BTreeSet<String> = raw_doc
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| t.get("name").and_then(Value::as_str).map(str::to_owned))
        .collect();
    let mut rules = Rules { schemes, tags, out: Vec::new() };
    if let Some(list) = raw_doc.get("security") {
        rules.security(&Pointer::root().join("security"), list);
    }
    visit::walk(raw_doc, &mut rules);
    let mut out = rules.out;
    info_description(raw_doc, &mut out);
    servers(raw_doc, &mut out);
    paths(doc, raw_doc, &mut out);
    let version = raw_doc.get("openapi").and_then(Value::as_str).unwrap_or("");
    if version.starts_with("3.0") {
        ref_siblings(raw_doc, &mut out);
    }
    out
}

struct Rules {
    /// The names under `components/securitySchemes`.
    schemes: BTreeSet<String>,
    /// The names the top-level `tags` declare.
    tags: BTreeSet<String>,
    out: Vec<Raw>,
}

impl Rules {
    /// `operation-security-defined`: each requirement names a defined scheme; an undefined one
    /// leaves the generated client without a way to send that credential.
    fn security(&mut self, at: &Pointer, list: &Value) {
        for (i, req) in list.as_array().into_iter().flatten().enumerate() {
            for name in req.as_object().into_iter().flat_map(|m| m.keys()) {
                if !self.schemes.contains(name) {
                    self.out.push(raw(
                        "operation-security-defined",
                        &at.join(i).join(name),
                        format!("the security scheme `{name}` is not defined in `components/securitySchemes`"),
                    ));
                }
            }
        }
    }
}

impl Visitor for Rules {
    fn operation(&mut self, at: &Pointer, op: &Value) {
        if let Some(list) = op.get("security") {
            self.security(&at.join("security"), list);
        }
        for (i, tag) in op.get("tags").and_then(Value::as_array).into_iter().flatten().enumerate() {
            let Some(tag) = tag.as_str() else { continue };
            if !self.tags.contains(tag) {
                self.out.push(raw(
                    "operation-tag-defined",
                    &at.join("tags").join(i),
                    format!("the tag `{tag}` is not declared in the top-level `tags`"),
                ));
            }
        }
        // `2XX` and `3XX` ranges count; `default` alone does not say what success looks like.
        let success = op
            .get("responses")
            .and_then(Value::as_object)
            .is_some_and(|m| m.keys().any(|code| code.starts_with('2') || code.starts_with('3')));
        if !success {
            let at = if op.get("responses").is_some() { at.join("responses") } else { at.clone() };
            self.out.push(raw(
                "operation-success-response",
                &at,
                "the operation has no 2xx or 3xx response, so a client cannot tell what success returns",
            ));
        }
        let text = |k: &str| op.get(k).and_then(Value::as_str).is_some_and(|s| !s.trim().is_empty());
        if !text("description") && !text("summary") {
            self.out.push(raw(
                "operation-description",
                at,
                "the operation has neither `summary` nor `description`, so its client method has no docs",
            ));
        }
    }

    /// `duplicated-entry-in-enum`: a value listed twice becomes two variants of one name.
    fn schema(&mut self, at: &Pointer, schema: &Value) {
        let Some(values) = schema.get("enum").and_then(Value::as_array) else { return };
        for (i, v) in values.iter().enumerate() {
            if values[..i].contains(v) {
                self.out.push(raw(
                    "duplicated-entry-in-enum",
                    &at.join("enum").join(i),
                    format!("{v} is listed twice"),
                ));
            }
        }
    }
}

/// `info-description`: the API's description is the generated crate's documentation.
fn info_description(raw_doc: &Value, out: &mut Vec<Raw>) {
    let Some(info) = raw_doc.get("info") else { return };
    if info.get("description").and_then(Value::as_str).is_none_or(|s| s.trim().is_empty()) {
        out.push(raw("info-description", &Pointer::root().join("info"), "`info` has no `description`"));
    }
}

/// `api-servers` (Spectral's `oas3-api-servers`): without `servers` a client has no base URL
/// to default to (OpenAPI then means `/`, relative to wherever the document was read from).
fn servers(raw_doc: &Value, out: &mut Vec<Raw>) {
    let at = Pointer::root().join("servers");
    match raw_doc.get("servers") {
        None => out.push(raw("api-servers", &Pointer::root(), "the document has no `servers`")),
        Some(Value::Array(list)) if list.is_empty() => out.push(raw("api-servers", &at, "`servers` is empty")),
        Some(Value::Array(list)) => {
            for (i, server) in list.iter().enumerate() {
                if server.get("url").and_then(Value::as_str).is_none_or(|u| u.trim().is_empty()) {
                    out.push(raw("api-servers", &at.join(i), "the server has no `url`"));
                }
            }
        }
        Some(_) => out.push(raw("api-servers", &at, "`servers` must be a list")),
    }
}

/// The names in a path template, in order: `/a/{id}/b/{name}.json` → `id`, `name`.
fn template(path: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else { break };
        names.push(&rest[open + 1..open + close]);
        rest = &rest[open + close + 1..];
    }
    names
}

/// `path-params` and `path-keys-no-trailing-slash`, path by path.
fn paths(doc: &Document, raw_doc: &Value, out: &mut Vec<Raw>) {
    let Some(paths) = raw_doc.get("paths").and_then(Value::as_object) else { return };
    // A template with its names blanked (`/a/{}`) → the first path written with it.
    let mut shapes: BTreeMap<String, &str> = BTreeMap::new();
    for (path, item) in paths {
        let at = Pointer::root().join("paths").join(path);
        if path.len() > 1 && path.ends_with('/') {
            out.push(raw(
                "path-keys-no-trailing-slash",
                &at,
                "the path ends with `/`; most servers treat `/a/` and `/a` as different routes",
            ));
        }
        let names = template(path);
        let mut seen = BTreeSet::new();
        for name in &names {
            if !seen.insert(*name) {
                out.push(raw("path-params", &at, format!("`{{{name}}}` appears twice in the path template")));
            }
        }
        let mut shape = path.clone();
        for name in &names {
            shape = shape.replacen(&format!("{{{name}}}"), "{}", 1);
        }
        match shapes.get(&shape) {
            Some(first) => out.push(raw(
                "path-params",
                &at,
                format!("`{path}` and `{first}` are the same template with other parameter names"),
            )),
            None => {
                shapes.insert(shape, path);
            }
        }
        // A path item behind a reference is checked where it is defined.
        if item.get("$ref").is_some() {
            continue;
        }
        let (common, mut complete) = declared(doc, raw_doc, item, &at, &names, out);
        for method in visit::METHODS {
            let Some(op) = item.get(*method) else { continue };
            let op_at = at.join(method);
            let (own, own_complete) = declared(doc, raw_doc, op, &op_at, &names, out);
            complete &= own_complete;
            // A parameter that does not resolve may be the missing one: say nothing then.
            if !complete {
                continue;
            }
            for name in seen.iter().filter(|n| !common.contains(**n) && !own.contains(**n)) {
                out.push(raw(
                    "path-params",
                    &op_at,
                    format!("`{{{name}}}` is in the path template but no path parameter declares it"),
                ));
            }
        }
    }
}

/// The path parameters `owner` (a path item or an operation written at `at`) declares, and
/// whether every one of its parameters resolved; reports a path parameter the template does
/// not name, one not `required: true`, and a (name, location) listed twice.
fn declared(
    doc: &Document,
    raw_doc: &Value,
    owner: &Value,
    at: &Pointer,
    names: &[&str],
    out: &mut Vec<Raw>,
) -> (BTreeSet<String>, bool) {
    let mut path_names = BTreeSet::new();
    let mut complete = true;
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    for (i, p) in owner.get("parameters").and_then(Value::as_array).into_iter().flatten().enumerate() {
        let p_at = at.join("parameters").join(i);
        let p = match p.get("$ref").and_then(Value::as_str) {
            Some(r) => match r.strip_prefix('#').and_then(|f| raw_doc.pointer(f)) {
                Some(target) => target,
                None => match doc.resolve(r) {
                    Ok((_, target)) => target,
                    Err(_) => {
                        complete = false;
                        continue;
                    }
                },
            },
            None => p,
        };
        let (Some(name), Some(place)) = (p.get("name").and_then(Value::as_str), p.get("in").and_then(Value::as_str))
        else {
            continue;
        };
        if !seen.insert((name.to_owned(), place.to_owned())) {
            out.push(raw("path-params", &p_at, format!("the {place} parameter `{name}` is declared twice")));
            continue;
        }
        if place != "path" {
            continue;
        }
        path_names.insert(name.to_owned());
        if !names.contains(&name) {
            out.push(raw(
                "path-params",
                &p_at,
                format!("the path parameter `{name}` is not in the path template, so it can never be sent"),
            ));
        } else if p.get("required") != Some(&Value::Bool(true)) {
            out.push(raw("path-params", &p_at, format!("the path parameter `{name}` must be `required: true`")));
        }
    }
    (path_names, complete)
}

/// `no-ref-siblings`: OpenAPI 3.0 ignores every key beside a `$ref` (a `nullable` or
/// `description` there is silently dropped by generators that follow the text); extensions
/// are for tools and allowed.
fn ref_siblings(raw_doc: &Value, out: &mut Vec<Raw>) {
    let mut todo = vec![(Pointer::root(), raw_doc)];
    while let Some((at, v)) = todo.pop() {
        match v {
            Value::Object(map) => {
                // A Path Item's `$ref` may have siblings: its fields are merged with the target's.
                let path_item = at.parent().and_then(|p| p.last()).as_deref() == Some("paths");
                if map.contains_key("$ref") && !path_item {
                    for k in map.keys().filter(|k| *k != "$ref" && !k.starts_with("x-")) {
                        out.push(raw(
                            "no-ref-siblings",
                            &at.join(k),
                            format!(
                                "OpenAPI 3.0 ignores `{k}` beside `$ref`; wrap the reference in `allOf` to keep it"
                            ),
                        ));
                    }
                }
                for (k, child) in map.iter().rev() {
                    // Example values and enum lists are data, not references.
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

#[cfg(test)]
mod tests {
    use super::template;

    #[test]
    fn templates_name_their_parameters_in_order() {
        assert_eq!(template("/a/{id}/b/{name}.json"), ["id", "name"]);
        assert_eq!(template("/a"), Vec::<&str>::new());
        assert_eq!(template("/a/{open"), Vec::<&str>::new());
    }
}
