//! Component schemas a vendor's revision names otherwise: `HostComponentPortModel` is
//! `WindowsHostComponentPortModel` in VBR's 1.2-rev1, `EHyperVProxyType` is `EHypeVProxyType`
//! in 1.3-rev0. Revision marks are made per component name, so without this a renamed
//! component looks absent from the revision that names it otherwise, and its members, enum
//! values and required properties there go unseen by the import and the audit.
//!
//! A rename is found by walking each operation the curated spec and the published document
//! both have, side by side: parameters by name, request and response bodies by status and media
//! type, properties by name, `items`, `additionalProperties`, `allOf` members by position, and
//! union alternatives by their discriminator's tag or by a shared component. Where the curated
//! spec refers to `X` and the document, at the same place, to `Y`, `X` is `Y` in that revision
//! when the document has no `X`, the curated spec has no `Y` (else the place changed type, which
//! is not a rename), and every place where `X` meets the document agrees on `Y`.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde_json::Value;

use crate::import::{escape, resolve, METHODS};

const SCHEMAS: &str = "#/components/schemas/";

/// The component schemas of `curated` that `published` names otherwise: curated name →
/// published name. Both documents are single trees with local `$ref`s.
pub fn renamed_schemas(curated: &Value, published: &Value) -> BTreeMap<String, String> {
    let mut walk = Walk { ours: curated, theirs: published, seen: HashSet::new(), met: BTreeMap::new() };
    let paths = curated.get("paths").and_then(Value::as_object).into_iter().flatten();
    for (path, item) in paths {
        for method in METHODS {
            let (Some(a), Some(b)) =
                (item.get(*method), published.get("paths").and_then(|p| p.get(path)).and_then(|i| i.get(*method)))
            else {
                continue;
            };
            walk.operation(a, b);
        }
    }
    walk.met
        .into_iter()
        .filter_map(|(ours, theirs)| {
            let mut theirs = theirs.into_iter();
            match (theirs.next(), theirs.next()) {
                (Some(only), None) => Some((ours, only)),
                _ => None,
            }
        })
        .collect()
}

struct Walk<'a> {
    ours: &'a Value,
    theirs: &'a Value,
    /// Pairs of components already walked: schemas refer to each other in cycles.
    seen: HashSet<(String, String)>,
    /// Each curated component the published document lacks → the names found in its place.
    met: BTreeMap<String, BTreeSet<String>>,
}

/// The component a local schema `$ref` names.
fn schema_ref(value: &Value) -> Option<&str> {
    value.get("$ref")?.as_str()?.strip_prefix(SCHEMAS)
}

impl<'a> Walk<'a> {
    fn operation(&mut self, a: &'a Value, b: &'a Value) {
        let params = |doc: &'a Value, op: &'a Value| -> Vec<&'a Value> {
            op.get("parameters").and_then(Value::as_array).into_iter().flatten().map(|p| resolve(doc, p)).collect()
        };
        let theirs = params(self.theirs, b);
        for pa in params(self.ours, a) {
            let key = |p: &Value| (p.get("name").cloned(), p.get("in").cloned());
            if let Some(pb) = theirs.iter().find(|pb| key(pb) == key(pa)) {
                if let (Some(sa), Some(sb)) = (pa.get("schema"), pb.get("schema")) {
                    self.schema(sa, sb);
                }
            }
        }
        let bodies = |doc: &'a Value, op: &'a Value| op.get("requestBody").map(|r| resolve(doc, r));
        if let (Some(ra), Some(rb)) = (bodies(self.ours, a), bodies(self.theirs, b)) {
            self.content(ra, rb);
        }
        let responses = a.get("responses").and_then(Value::as_object).into_iter().flatten();
        for (status, ra) in responses {
            if let Some(rb) = b.get("responses").and_then(|r| r.get(status)) {
                self.content(resolve(self.ours, ra), resolve(self.theirs, rb));
            }
        }
    }

    fn content(&mut self, a: &'a Value, b: &'a Value) {
        let media = a.get("content").and_then(Value::as_object).into_iter().flatten();
        for (kind, ma) in media {
            let mb = b.get("content").and_then(|c| c.get(kind));
            if let (Some(sa), Some(sb)) = (ma.get("schema"), mb.and_then(|m| m.get("schema"))) {
                self.schema(sa, sb);
            }
        }
    }

    fn schema(&mut self, a: &'a Value, b: &'a Value) {
        match (schema_ref(a), schema_ref(b)) {
            (Some(x), Some(y)) => self.components(x, y),
            _ => self.inline(resolve(self.ours, a), resolve(self.theirs, b)),
        }
    }

    /// The curated component `x` where the published document has `y`.
    fn components(&mut self, x: &str, y: &str) {
        if !self.seen.insert((x.to_owned(), y.to_owned())) {
            return;
        }
        let component = |doc: &'a Value, name: &str| doc.pointer(&format!("/components/schemas/{}", escape(name)));
        if x != y && component(self.theirs, x).is_none() && component(self.ours, y).is_none() {
            self.met.entry(x.to_owned()).or_default().insert(y.to_owned());
        }
        if let (Some(a), Some(b)) = (component(self.ours, x), component(self.theirs, y)) {
            self.inline(resolve(self.ours, a), resolve(self.theirs, b));
        }
    }

    fn inline(&mut self, a: &'a Value, b: &'a Value) {
        for key in ["items", "additionalProperties"] {
            if let (Some(x), Some(y)) = (a.get(key), b.get(key)) {
                if x.is_object() && y.is_object() {
                    self.schema(x, y);
                }
            }
        }
        let properties = a.get("properties").and_then(Value::as_object).into_iter().flatten();
        for (name, pa) in properties {
            if let Some(pb) = b.get("properties").and_then(|p| p.get(name)) {
                self.schema(pa, pb);
            }
        }
        let members = |s: &'a Value, key: &str| -> &'a [Value] {
            s.get(key).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default()
        };
        let (all_a, all_b) = (members(a, "allOf"), members(b, "allOf"));
        if all_a.len() == all_b.len() {
            for (x, y) in all_a.iter().zip(all_b) {
                self.schema(x, y);
            }
        }
        // Union alternatives: by the discriminator's tag, else by a component both name.
        let mapping = |s: &'a Value| s.get("discriminator").and_then(|d| d.get("mapping")).and_then(Value::as_object);
        if let (Some(ma), Some(mb)) = (mapping(a), mapping(b)) {
            for (tag, ta) in ma {
                let named = |t: Option<&'a Value>| t.and_then(Value::as_str).and_then(|r| r.strip_prefix(SCHEMAS));
                if let (Some(x), Some(y)) = (named(Some(ta)), named(mb.get(tag))) {
                    self.components(x, y);
                }
            }
        }
        for key in ["oneOf", "anyOf"] {
            for x in members(a, key) {
                if let Some(y) =
                    members(b, key).iter().find(|y| schema_ref(x).is_some() && schema_ref(x) == schema_ref(y))
                {
                    self.schema(x, y);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn document(schemas: Value) -> Value {
        json!({
            "paths": {"/hosts": {"post": {
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/HostSpec"}}}},
                "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/HostSpec"}}}}}
            }}},
            "components": {"schemas": schemas}
        })
    }

    #[test]
    fn a_component_another_revision_names_otherwise_at_the_same_place_is_found() {
        let ours = document(json!({
            "HostSpec": {"type": "object", "properties": {
                "ports": {"$ref": "#/components/schemas/PortsModel"},
                "kind": {"$ref": "#/components/schemas/EKind"}
            }},
            "PortsModel": {"type": "object", "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/EComponent"}}}},
            "EComponent": {"type": "string", "enum": ["Transport"]},
            "EKind": {"type": "string", "enum": ["A"]},
            "EOtherKind": {"type": "string", "enum": ["B"]}
        }));
        let theirs = document(json!({
            "HostSpec": {"type": "object", "properties": {
                "ports": {"$ref": "#/components/schemas/WindowsPortsModel"},
                "kind": {"$ref": "#/components/schemas/EOtherKind"}
            }},
            "WindowsPortsModel": {"type": "object", "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/EWindowsComponent"}}}},
            "EWindowsComponent": {"type": "string", "enum": ["Transport"]},
            "EOtherKind": {"type": "string", "enum": ["B"]}
        }));
        let found = renamed_schemas(&ours, &theirs);
        // `kind` refers to a component both documents have: a change of type, not a rename.
        let expected: BTreeMap<String, String> =
            [("EComponent", "EWindowsComponent"), ("PortsModel", "WindowsPortsModel")]
                .into_iter()
                .map(|(a, b)| (a.to_owned(), b.to_owned()))
                .collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn a_component_met_under_two_other_names_is_no_rename() {
        let ours = document(json!({
            "HostSpec": {"type": "object", "properties": {
                "a": {"$ref": "#/components/schemas/Shared"},
                "b": {"$ref": "#/components/schemas/Shared"}
            }},
            "Shared": {"type": "string"}
        }));
        let theirs = document(json!({
            "HostSpec": {"type": "object", "properties": {
                "a": {"$ref": "#/components/schemas/One"},
                "b": {"$ref": "#/components/schemas/Two"}
            }},
            "One": {"type": "string"},
            "Two": {"type": "string"}
        }));
        assert!(renamed_schemas(&ours, &theirs).is_empty());
    }
}
