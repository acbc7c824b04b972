//! The structural comparison of the curated spec ("ours") with Veeam's published document
//! ("theirs"): operations matched by method and path, schemas by component name.
//!
//! Each difference names the object in our spec where it is declared (its *owner*, never a
//! `$ref` object, whose siblings OpenAPI 3.0 ignores) and its key in that object's
//! `x-deviation` map. A `$ref` in our spec declares through its nearest enclosing object, with
//! the path to it as a prefix: `properties/type/$ref`.
//!
//! Our spec marks which revisions have each element (see [`crate::import`]): an element marked
//! for other revisions only is not expected in their document, an element their document has
//! must be marked for its revision, and an enum value or property is compared as that
//! revision spells it. A wrong mark is a difference like any other, at the element's key
//! (`parameter NAME`, `response CODE`, `property NAME`, `enum`; `revisions` for an operation
//! or schema their document has but its mark leaves out), found at the mark.

use std::collections::{BTreeSet, HashSet};

use generator::Pointer;
use serde_json::{Map, Value};

use crate::import::{
    ENUM_REVISIONS, ENUM_SPELLINGS, PROPERTY_REVISIONS, PROPERTY_SPELLINGS, REQUIRED_REVISIONS, RESPONSE_REVISIONS,
    REVISIONS, SCHEMA_NAMES, SINGLE_VALUE_REVISIONS,
};

/// The HTTP methods of an OpenAPI 3.0 path item.
const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// One difference between the two documents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    /// The object of our spec whose `x-deviation` map declares this difference.
    pub owner: Pointer,
    /// The key in that map: the kind (`enum`, `operationId`), a kind and a member name
    /// (`property isDefaultAppliance`, `response 204`), and a prefix for a `$ref`.
    pub key: String,
    /// Where it is in our spec.
    pub ours: Pointer,
    /// Where it is in theirs (for a member only one side has: the other side's container).
    pub theirs: Pointer,
    /// What differs, for the report.
    pub detail: String,
    /// Where the owner is inside its operation or component, for the report: empty for the
    /// operation or component itself, else its path with parameters named
    /// (`parameter typeFilter`, `properties/password`).
    pub within: String,
    /// Their document's revision (its `info.version`).
    pub revision: String,
}

/// Whether a difference of this kind (a key without its `$ref` prefix) says that an element
/// is on one side only, which is what revision marks model, rather than how an element both
/// sides have differs.
pub fn is_presence(kind: &str) -> bool {
    matches!(kind, "missing" | "revisions" | "path" | "enum" | "enum spellings" | "single-value" | "requestBody")
        || ["parameter ", "response ", "property ", "required ", "single-value "].iter().any(|p| kind.starts_with(p))
}

/// Whether `theirs` is one value of the items of the list `ours` (a filter Veeam made a list
/// in a later revision): `ours` is `type: array`, `theirs` is not, and it is the items' schema,
/// the same component (by name: the two documents are split differently) or the same type.
pub fn one_value_of(ours: &Value, theirs: &Value) -> bool {
    let (Some("array"), Some(items)) = (ours.get("type").and_then(Value::as_str), ours.get("items")) else {
        return false;
    };
    if theirs.get("type").and_then(Value::as_str) == Some("array") {
        return false;
    }
    let component =
        |v: &Value| v.get("$ref").and_then(Value::as_str).and_then(|r| r.rsplit('/').next()).map(str::to_owned);
    match (component(items), component(theirs)) {
        (Some(a), Some(b)) => a == b,
        (None, None) => items.get("type").is_some() && items.get("type") == theirs.get("type"),
        _ => false,
    }
}

/// Where differences found under the current node are declared.
#[derive(Clone)]
struct Place {
    owner: Pointer,
    prefix: String,
    /// An inline `allOf` member: its `required` names are compared as part of its parent's.
    required_in_parent: bool,
}

impl Place {
    fn at(owner: &Pointer) -> Self {
        Place { owner: owner.clone(), prefix: String::new(), required_in_parent: false }
    }

    /// The place for the child `node`, written at `ours` under the relative path `rel`: the
    /// child itself, unless it is a `$ref` (then this place, with the path as a prefix).
    fn child(&self, node: &Value, ours: &Pointer, rel: &str) -> Self {
        if node.get("$ref").is_some() {
            Place { owner: self.owner.clone(), prefix: format!("{}{rel}/", self.prefix), required_in_parent: false }
        } else {
            Place::at(ours)
        }
    }
}

/// Compares every operation and component schema of `ours` with `theirs`, whose revision is
/// `version`. With `presence_only`, only what the revision marks model is compared: which
/// operations, parameters, responses, properties and enum values the revision has.
pub fn differences(ours: &Value, theirs: &Value, version: &str, presence_only: bool) -> Vec<Difference> {
    let mut d = Differ { ours, theirs, version, presence_only, seen: HashSet::new(), out: Vec::new() };
    d.operations();
    d.component_schemas();
    d.out
}

struct Differ<'a> {
    ours: &'a Value,
    theirs: &'a Value,
    /// The name of their document's version, as details name it (`1.3-rev2`).
    version: &'a str,
    /// Report only differences of presence ([`is_presence`]).
    presence_only: bool,
    /// Pairs of schemas already compared: Veeam's parent/child `allOf` cycles end here.
    seen: HashSet<(Pointer, Pointer)>,
    out: Vec<Difference>,
}

/// A member's revision mark in its parent's map (`x-property-revisions`, ...).
fn member_mark<'v>(parent: &'v Value, map: &str, member: &str) -> Option<&'v str> {
    parent.get(map).and_then(|m| m.get(member)).and_then(Value::as_str)
}

/// [`spelt`] for a schema given as a value (a non-object has no spellings).
pub(crate) fn spelt_in<'v>(schema: &'v Value, map: &str, member: &'v str, revision: &str) -> &'v str {
    match schema.as_object() {
        Some(parent) => spelt(parent, map, member, revision),
        None => member,
    }
}

/// How `member` is spelt in `revision`, by its parent's spellings map (`x-enum-spellings`,
/// `x-property-spellings`): another spelling whose range includes it, else its own.
fn spelt<'v>(parent: &'v Map<String, Value>, map: &str, member: &'v str, revision: &str) -> &'v str {
    let spellings = parent.get(map).and_then(|m| m.get(member)).and_then(Value::as_object);
    spellings
        .into_iter()
        .flatten()
        .find(|(_, range)| range.as_str().and_then(|r| crate::import::mark_includes(r, revision)).unwrap_or(false))
        .map_or(member, |(other, _)| other.as_str())
}

impl Differ<'_> {
    /// Whether an element with this revision mark (`x-revisions`; none: every revision) is
    /// expected in their document.
    fn includes(&self, mark: Option<&str>) -> bool {
        mark.is_none_or(|m| crate::import::mark_includes(m, self.version).unwrap_or(true))
    }

    /// The name their revision gives our component schema `name`: its own, unless its
    /// `x-schema-names` records another for the revision.
    fn their_name(&self, name: &str) -> String {
        let schema = self.ours.pointer(Pointer::root().join("components").join("schemas").join(name).as_str());
        let names = schema.and_then(|s| s.get(SCHEMA_NAMES)).and_then(Value::as_object);
        names
            .into_iter()
            .flatten()
            .find(|(_, range)| range.as_str().and_then(|r| crate::import::mark_includes(r, self.version)) == Some(true))
            .map_or(name, |(other, _)| other.as_str())
            .to_owned()
    }

    /// ` (x-revisions `1.3-rev0..`)`: what a detail says about an element's mark, if any.
    fn marked(mark: Option<&str>, key: &str) -> String {
        mark.map(|m| format!(" ({key} `{m}`)")).unwrap_or_default()
    }

    fn push(&mut self, place: &Place, kind: &str, ours: &Pointer, theirs: &Pointer, detail: String) {
        if self.presence_only && !is_presence(kind) {
            return;
        }
        let difference = Difference {
            within: self.within(&place.owner),
            owner: place.owner.clone(),
            key: format!("{}{kind}", place.prefix),
            ours: ours.clone(),
            theirs: theirs.clone(),
            detail,
            revision: self.version.to_owned(),
        };
        if !self.out.contains(&difference) {
            self.out.push(difference);
        }
    }

    fn within(&self, owner: &Pointer) -> String {
        let tokens: Vec<String> =
            owner.as_str().split('/').skip(1).map(|t| t.replace("~1", "/").replace("~0", "~")).collect();
        let Some(skip) = matches!(tokens.first().map(String::as_str), Some("paths" | "components")).then_some(3) else {
            return String::new();
        };
        let mut parts = Vec::new();
        let mut at = Pointer::root();
        for token in &tokens[..skip.min(tokens.len())] {
            at = at.join(token);
        }
        let mut rest = tokens.iter().skip(skip).peekable();
        while let Some(token) = rest.next() {
            at = at.join(token);
            // A parameter is known by its name, not its place in the list.
            if token == "parameters" {
                if let Some(index) = rest.peek().and_then(|i| i.parse::<usize>().ok()) {
                    let name = self.ours.pointer(at.join(index).as_str()).and_then(|p| p.get("name"));
                    if let Some(name) = name.and_then(Value::as_str) {
                        parts.push(format!("parameter {name}"));
                        at = at.join(index);
                        rest.next();
                        continue;
                    }
                }
            }
            parts.push(token.clone());
        }
        parts.join("/")
    }

    fn operations(&mut self) {
        let Some(paths) = self.ours.get("paths").and_then(Value::as_object) else { return };
        for (path, item) in paths {
            for method in METHODS {
                let Some(op) = item.get(*method) else { continue };
                let ours = Pointer::root().join("paths").join(path).join(method);
                let mark = op.get(REVISIONS).and_then(Value::as_str);
                if self.includes(mark) {
                    self.operation(path, method, &ours);
                    continue;
                }
                // An operation marked for other revisions only is not expected in theirs; if
                // theirs has it, the mark is wrong.
                if self.theirs.pointer(ours.as_str()).is_some() {
                    let detail = format!(
                        "{} has {} {path}, but x-revisions `{}` leaves {} out",
                        self.version,
                        method.to_uppercase(),
                        mark.unwrap_or_default(),
                        self.version
                    );
                    self.push(&Place::at(&ours), "revisions", &ours.join(REVISIONS), &ours, detail);
                }
            }
        }
    }

    fn operation(&mut self, path: &str, method: &str, ours: &Pointer) {
        let place = Place::at(ours);
        let op = self.ours.pointer(ours.as_str()).cloned().unwrap_or(Value::Null);
        let op_id = op.get("operationId").and_then(Value::as_str);
        let exact = Pointer::root().join("paths").join(path).join(method);
        let theirs = if self.theirs.pointer(exact.as_str()).is_some() {
            exact
        } else if let Some(found) = op_id.and_then(|id| self.find_operation(id)) {
            let detail = format!(
                "not at {} {path} in {}; it has {} at {}",
                method.to_uppercase(),
                self.version,
                op_id.unwrap_or_default(),
                describe_operation(&found)
            );
            self.push(&place, "path", ours, &found, detail);
            found
        } else {
            let mark = op.get(REVISIONS).and_then(Value::as_str);
            let detail = format!(
                "{} has no {} {path} and no operation `{}`{}",
                self.version,
                method.to_uppercase(),
                op_id.unwrap_or_default(),
                Self::marked(mark, REVISIONS)
            );
            let at = if mark.is_some() { ours.join(REVISIONS) } else { ours.clone() };
            self.push(&place, "missing", &at, &Pointer::root().join("paths"), detail);
            return;
        };
        let Some(their_op) = self.theirs.pointer(theirs.as_str()).cloned() else { return };
        let their_id = their_op.get("operationId").and_then(Value::as_str);
        if op_id != their_id {
            let detail =
                format!("ours `{}`, {} `{}`", op_id.unwrap_or_default(), self.version, their_id.unwrap_or_default());
            self.push(&place, "operationId", &ours.join("operationId"), &theirs.join("operationId"), detail);
        }
        self.parameters(path, ours, &theirs, &place);
        self.request_body(ours, &theirs, &place);
        self.responses(ours, &theirs, &place);
    }

    /// Their operation with this `operationId`, anywhere.
    fn find_operation(&self, id: &str) -> Option<Pointer> {
        let paths = self.theirs.get("paths")?.as_object()?;
        paths.iter().find_map(|(path, item)| {
            METHODS
                .iter()
                .find(|m| item.get(**m).and_then(|op| op.get("operationId")).and_then(Value::as_str) == Some(id))
                .map(|m| Pointer::root().join("paths").join(path).join(m))
        })
    }

    fn parameters(&mut self, path: &str, ours: &Pointer, theirs: &Pointer, place: &Place) {
        let all_params = parameters(self.ours, path, ours);
        let mark_of = |at: &Pointer| {
            self.ours.pointer(at.as_str()).and_then(|p| p.get(REVISIONS)).and_then(Value::as_str).map(str::to_owned)
        };
        // Parameters marked for other revisions only are not expected in theirs; if theirs
        // has one, its mark is wrong.
        let mut our_params = Vec::new();
        for (name, at) in all_params {
            let mark = mark_of(&at);
            if self.includes(mark.as_deref()) {
                our_params.push((name, at));
            } else if let Some((_, b_at)) = parameters(self.theirs, path, theirs).into_iter().find(|(n, _)| *n == name)
            {
                let detail = format!(
                    "in {}, but its x-revisions `{}` leaves {} out",
                    self.version,
                    mark.unwrap_or_default(),
                    self.version
                );
                self.push(place, &format!("parameter {name}"), &at.join(REVISIONS), &b_at, detail);
            }
        }
        let their_params = parameters(self.theirs, path, theirs);
        for (name, at) in &our_params {
            if !their_params.iter().any(|(n, _)| n == name) {
                let mark = mark_of(at);
                let detail =
                    format!("only in ours (not in {}){}", self.version, Self::marked(mark.as_deref(), REVISIONS));
                let at = if mark.is_some() { at.join(REVISIONS) } else { at.clone() };
                self.push(place, &format!("parameter {name}"), &at, &theirs.join("parameters"), detail);
            }
        }
        let all: Vec<String> = parameters(self.ours, path, ours).into_iter().map(|(n, _)| n).collect();
        for (name, at) in &their_params {
            if !all.contains(name) {
                let detail = format!("only in {}", self.version);
                self.push(place, &format!("parameter {name}"), &ours.join("parameters"), at, detail);
            }
        }
        for (name, a_at) in &our_params {
            let Some((_, b_at)) = their_params.iter().find(|(n, _)| n == name) else { continue };
            let (Some(a), Some(b)) = (self.ours.pointer(a_at.as_str()), self.theirs.pointer(b_at.as_str())) else {
                continue;
            };
            let (a, b) = (a.clone(), b.clone());
            // A parameter written as a `$ref` was resolved: its component is the owner.
            let param_place = Place::at(a_at);
            for key in ["in", "required"] {
                let (x, y) = (a.get(key).unwrap_or(&Value::Bool(false)), b.get(key).unwrap_or(&Value::Bool(false)));
                if x != y {
                    let detail = format!("ours {x}, {} {y}", self.version);
                    self.push(&param_place, key, &a_at.join(key), &b_at.join(key), detail);
                }
            }
            match (a.get("schema"), b.get("schema")) {
                (Some(sa), Some(sb)) => {
                    let single = a.get(SINGLE_VALUE_REVISIONS).and_then(Value::as_str);
                    let (marked_at, their_at) = (a_at.join(SINGLE_VALUE_REVISIONS), b_at.join("schema"));
                    if self.single_value(
                        single,
                        one_value_of(sa, sb),
                        "single-value",
                        &param_place,
                        &marked_at,
                        &their_at,
                    ) {
                        continue;
                    }
                    let child = param_place.child(sa, &a_at.join("schema"), "schema");
                    self.schema(&a_at.join("schema"), &b_at.join("schema"), &child);
                }
                (None, None) => {}
                _ => {
                    let detail = "a schema on one side only".to_owned();
                    self.push(&param_place, "schema", &a_at.join("schema"), &b_at.join("schema"), detail);
                }
            }
        }
    }

    /// A list of ours (a property or parameter) that their revision writes as one value
    /// (`one`) must be marked so by its `x-single-value-revisions` (`mark`), and only then: a
    /// difference at the mark otherwise. True when it is one value there, so its schema, a
    /// list in ours, is not compared with theirs.
    fn single_value(
        &mut self,
        mark: Option<&str>,
        one: bool,
        kind: &str,
        place: &Place,
        marked_at: &Pointer,
        theirs: &Pointer,
    ) -> bool {
        let marked = mark.is_some_and(|m| self.includes(Some(m)));
        if one != marked {
            let v = self.version;
            let detail = if one {
                format!(
                    "one value in {v}, a list in ours, but x-single-value-revisions `{}` leaves {v} out",
                    mark.unwrap_or_default()
                )
            } else {
                format!("x-single-value-revisions `{}` says one value in {v}, but {v} does not write one value of its items", mark.unwrap_or_default())
            };
            self.push(place, kind, marked_at, theirs, detail);
        }
        one
    }

    fn request_body(&mut self, ours: &Pointer, theirs: &Pointer, place: &Place) {
        let a = resolve(self.ours, &ours.join("requestBody"));
        let b = resolve(self.theirs, &theirs.join("requestBody"));
        // A body marked for other revisions only is not expected in theirs; if theirs has one,
        // the mark is wrong.
        let mark = a.as_ref().and_then(|a| self.ours.pointer(a.join(REVISIONS).as_str())).and_then(Value::as_str);
        if let (Some(a_at), false) = (&a, self.includes(mark)) {
            if let Some(b_at) = &b {
                let v = self.version;
                let detail = format!(
                    "{v} takes a request body, but its x-revisions `{}` leaves {v} out",
                    mark.unwrap_or_default()
                );
                self.push(place, "requestBody", &a_at.join(REVISIONS), b_at, detail);
            }
            return;
        }
        match (a, b) {
            (None, None) => {}
            (Some(a), Some(b)) => {
                let body_place = Place::at(&a);
                let required = |doc: &Value, at: &Pointer| {
                    doc.pointer(at.join("required").as_str()).and_then(Value::as_bool).unwrap_or(false)
                };
                let (x, y) = (required(self.ours, &a), required(self.theirs, &b));
                if x != y {
                    let detail = format!("ours {x}, {} {y}", self.version);
                    self.push(&body_place, "required", &a.join("required"), &b.join("required"), detail);
                }
                self.content(&a, &b, &body_place);
            }
            (a, b) => {
                let detail = match a {
                    Some(_) => {
                        format!(
                            "a request body only in ours (not in {}){}",
                            self.version,
                            Self::marked(mark, REVISIONS)
                        )
                    }
                    None => format!("a request body only in {}", self.version),
                };
                let a = match a {
                    Some(a) if mark.is_some() => a.join(REVISIONS),
                    Some(a) => a,
                    None => ours.clone(),
                };
                let b = b.unwrap_or_else(|| theirs.clone());
                self.push(place, "requestBody", &a, &b, detail);
            }
        }
    }

    fn responses(&mut self, ours: &Pointer, theirs: &Pointer, place: &Place) {
        let op = self.ours.pointer(ours.as_str()).cloned().unwrap_or(Value::Null);
        let (all_codes, b_codes) = (keys_at(self.ours, ours, "responses"), keys_at(self.theirs, theirs, "responses"));
        // Responses marked for other revisions only are not expected in theirs.
        let mut a_codes = Vec::new();
        for code in &all_codes {
            let mark = member_mark(&op, RESPONSE_REVISIONS, code);
            let marked_at = ours.join(RESPONSE_REVISIONS).join(code);
            if self.includes(mark) {
                a_codes.push(code.clone());
            } else if b_codes.contains(code) {
                let detail = format!(
                    "in {}, but x-response-revisions `{}` leaves {} out",
                    self.version,
                    mark.unwrap_or_default(),
                    self.version
                );
                self.push(place, &format!("response {code}"), &marked_at, &theirs.join("responses").join(code), detail);
            }
        }
        for code in &a_codes {
            let a_at = ours.join("responses").join(code);
            if !b_codes.contains(code) {
                let mark = member_mark(&op, RESPONSE_REVISIONS, code);
                let detail = format!(
                    "only in ours; {} has {}{}",
                    self.version,
                    b_codes.join(", "),
                    Self::marked(mark, RESPONSE_REVISIONS)
                );
                let at = if mark.is_some() { ours.join(RESPONSE_REVISIONS).join(code) } else { a_at };
                self.push(place, &format!("response {code}"), &at, &theirs.join("responses"), detail);
                continue;
            }
            let (Some(a), Some(b)) =
                (resolve(self.ours, &a_at), resolve(self.theirs, &theirs.join("responses").join(code)))
            else {
                continue;
            };
            self.content(&a, &b, &Place::at(&a));
        }
        for code in b_codes.iter().filter(|c| !all_codes.contains(c)) {
            let detail = format!("only in {}; ours has {}", self.version, a_codes.join(", "));
            self.push(
                place,
                &format!("response {code}"),
                &ours.join("responses"),
                &theirs.join("responses").join(code),
                detail,
            );
        }
    }

    /// The media types of a request body or response, and the schema of each.
    fn content(&mut self, a: &Pointer, b: &Pointer, place: &Place) {
        let (a_media, b_media) = (keys_at(self.ours, a, "content"), keys_at(self.theirs, b, "content"));
        for m in &a_media {
            let a_at = a.join("content").join(m);
            if !b_media.contains(m) {
                let detail = format!("only in ours; {} has {}", self.version, none_if_empty(&b_media));
                self.push(place, &format!("media {m}"), &a_at, &b.join("content"), detail);
                continue;
            }
            let b_at = b.join("content").join(m);
            let (sa, sb) =
                (self.ours.pointer(a_at.join("schema").as_str()), self.theirs.pointer(b_at.join("schema").as_str()));
            match (sa.cloned(), sb) {
                (Some(sa), Some(_)) => {
                    let child = Place::at(&a_at).child(&sa, &a_at.join("schema"), "schema");
                    self.schema(&a_at.join("schema"), &b_at.join("schema"), &child);
                }
                (None, None) => {}
                _ => self.push(&Place::at(&a_at), "schema", &a_at, &b_at, "a schema on one side only".to_owned()),
            }
        }
        for m in b_media.iter().filter(|m| !a_media.contains(m)) {
            let detail = format!("only in {}; ours has {}", self.version, none_if_empty(&a_media));
            self.push(place, &format!("media {m}"), &a.join("content"), &b.join("content").join(m), detail);
        }
    }

    fn component_schemas(&mut self) {
        let Some(schemas) = self.ours.pointer("/components/schemas").and_then(Value::as_object) else { return };
        for (name, schema) in schemas {
            let at = Pointer::root().join("components").join("schemas").join(name);
            let mark = schema.get(REVISIONS).and_then(Value::as_str);
            // Where their revision names the schema otherwise (`x-schema-names`), it is compared
            // with that component.
            let their_at = Pointer::root().join("components").join("schemas").join(self.their_name(name));
            let theirs_has = self.theirs.pointer(their_at.as_str()).is_some();
            if !self.includes(mark) {
                if theirs_has {
                    let detail = format!(
                        "{} has schema `{name}`, but x-revisions `{}` leaves {} out",
                        self.version,
                        mark.unwrap_or_default(),
                        self.version
                    );
                    self.push(&Place::at(&at), "revisions", &at.join(REVISIONS), &their_at, detail);
                }
                continue;
            }
            if theirs_has {
                self.schema(&at, &their_at, &Place::at(&at));
            } else {
                let detail = format!("{} has no schema `{name}`{}", self.version, Self::marked(mark, REVISIONS));
                let ours = if mark.is_some() { at.join(REVISIONS) } else { at.clone() };
                self.push(
                    &Place::at(&at),
                    "missing",
                    &ours,
                    &Pointer::root().join("components").join("schemas"),
                    detail,
                );
            }
        }
    }

    /// Compares two schemas. Two `$ref`s to the same component are equal here (the
    /// component is compared by name); a `$ref` against an inline schema is compared with
    /// its target.
    fn schema(&mut self, a_at: &Pointer, b_at: &Pointer, place: &Place) {
        if !self.seen.insert((a_at.clone(), b_at.clone())) {
            return;
        }
        let (Some(a), Some(b)) = (self.ours.pointer(a_at.as_str()), self.theirs.pointer(b_at.as_str())) else {
            return;
        };
        let (a_ref, b_ref) = (a.get("$ref").and_then(Value::as_str), b.get("$ref").and_then(Value::as_str));
        match (a_ref, b_ref) {
            (Some(x), Some(y)) => {
                let named = |r: &str| r.strip_prefix("#/components/schemas/").map(str::to_owned);
                let renamed = named(x).is_some_and(|ours| named(y) == Some(self.their_name(&ours)));
                if x != y && !renamed {
                    let detail = format!("ours `{x}`, {} `{y}`", self.version);
                    self.push(place, "$ref", a_at, b_at, detail);
                }
            }
            // Ours names a component where theirs writes the schema inline: the difference is
            // at this use of the component, so it is declared here.
            (Some(_), None) => {
                if let Some(target) = resolve(self.ours, a_at) {
                    self.schema(&target, b_at, place);
                }
            }
            (None, Some(_)) => {
                if let Some(target) = resolve(self.theirs, b_at) {
                    self.schema(a_at, &target, place);
                }
            }
            (None, None) => {
                let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else { return };
                let (a, b) = (a.clone(), b.clone());
                self.inline_schema(a_at, b_at, &a, &b, place);
            }
        }
    }

    fn inline_schema(
        &mut self,
        a_at: &Pointer,
        b_at: &Pointer,
        a: &Map<String, Value>,
        b: &Map<String, Value>,
        place: &Place,
    ) {
        let v = self.version;
        if a.get("type") != b.get("type") {
            let detail = format!("ours {}, {v} {}", shown(a.get("type")), shown(b.get("type")));
            self.push(place, "type", &a_at.join("type"), &b_at.join("type"), detail);
            // Everything else about two different types differs too; one difference says it.
            return;
        }
        let (a_secret, b_secret) = (is_secret(a), is_secret(b));
        if a_secret != b_secret {
            let detail = if a_secret {
                match b.get("format") {
                    Some(f) => format!("ours marks it secret, {v} does not (format {})", compact(f)),
                    None => format!("ours marks it secret, {v} does not"),
                }
            } else {
                format!("{v} marks it secret (format: password), ours does not")
            };
            self.push(place, "secret", &a_at.join("format"), &b_at.join("format"), detail);
        }
        let (a_format, b_format) = (plain_format(a), plain_format(b));
        if a_format != b_format {
            let detail = format!("ours {}, {v} {}", shown(a_format), shown(b_format));
            self.push(place, "format", &a_at.join("format"), &b_at.join("format"), detail);
        }
        let nullable = |s: &Map<String, Value>| s.get("nullable").and_then(Value::as_bool).unwrap_or(false);
        if nullable(a) != nullable(b) {
            let detail = format!("ours {}, {v} {}", nullable(a), nullable(b));
            self.push(place, "nullable", &a_at.join("nullable"), &b_at.join("nullable"), detail);
        }
        self.enum_values(a_at, b_at, a, b, place);
        // `required` may be written on a schema or on the inline members of its `allOf` (the
        // generator reads it from the member that holds the properties): one set either way.
        if !place.required_in_parent {
            self.required(a_at, b_at, a, b, place);
        }
        self.properties(a_at, b_at, a, b, place);
        for key in ["items", "additionalProperties"] {
            match (a.get(key), b.get(key)) {
                (Some(x @ Value::Object(_)), Some(Value::Object(_))) => {
                    let child = place.child(x, &a_at.join(key), key);
                    self.schema(&a_at.join(key), &b_at.join(key), &child);
                }
                (x, y) if x != y => {
                    let detail = format!("ours {}, {v} {}", shown(x), shown(y));
                    self.push(place, key, &a_at.join(key), &b_at.join(key), detail);
                }
                _ => {}
            }
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            self.composition(key, a_at, b_at, a, b, place);
        }
        let discriminator = |s: &Map<String, Value>| s.get("discriminator").cloned().unwrap_or(Value::Null);
        if discriminator(a) != discriminator(b) {
            let detail = format!("ours {}, {v} {}", compact(&discriminator(a)), compact(&discriminator(b)));
            self.push(place, "discriminator", &a_at.join("discriminator"), &b_at.join("discriminator"), detail);
        }
    }

    fn properties(
        &mut self,
        a_at: &Pointer,
        b_at: &Pointer,
        a: &Map<String, Value>,
        b: &Map<String, Value>,
        place: &Place,
    ) {
        let empty = Map::new();
        let a_props = a.get("properties").and_then(Value::as_object).unwrap_or(&empty);
        let b_props = b.get("properties").and_then(Value::as_object).unwrap_or(&empty);
        let parent = Value::Object(a.clone());
        // Each of our properties as their revision spells it.
        let names: Vec<(&String, &str)> =
            a_props.keys().map(|n| (n, spelt(a, PROPERTY_SPELLINGS, n, self.version))).collect();
        for (name, node) in a_props {
            let at = a_at.join("properties").join(name);
            let wire = spelt(a, PROPERTY_SPELLINGS, name, self.version);
            let mark = member_mark(&parent, PROPERTY_REVISIONS, name);
            let marked_at = a_at.join(PROPERTY_REVISIONS).join(name);
            if !self.includes(mark) {
                // Marked for other revisions only: a wrong mark if theirs has it.
                if b_props.contains_key(wire) {
                    let detail = format!(
                        "in {}, but x-property-revisions `{}` leaves {} out",
                        self.version,
                        mark.unwrap_or_default(),
                        self.version
                    );
                    self.push(
                        place,
                        &format!("property {name}"),
                        &marked_at,
                        &b_at.join("properties").join(wire),
                        detail,
                    );
                }
                continue;
            }
            if let Some(their) = b_props.get(wire) {
                let single = member_mark(&parent, SINGLE_VALUE_REVISIONS, name);
                let their_at = b_at.join("properties").join(wire);
                let marked_at = a_at.join(SINGLE_VALUE_REVISIONS).join(name);
                if self.single_value(
                    single,
                    one_value_of(node, their),
                    &format!("single-value {name}"),
                    place,
                    &marked_at,
                    &their_at,
                ) {
                    continue;
                }
                let child = place.child(node, &at, &format!("properties/{name}"));
                self.schema(&at, &their_at, &child);
            } else {
                let spelling = if wire == name { String::new() } else { format!(", spelt `{wire}`") };
                let detail = format!(
                    "only in ours (not in {}{spelling}){}",
                    self.version,
                    Self::marked(mark, PROPERTY_REVISIONS)
                );
                let at = if mark.is_some() { marked_at } else { at };
                self.push(place, &format!("property {name}"), &at, &b_at.join("properties"), detail);
            }
        }
        for name in b_props.keys().filter(|n| !names.iter().any(|(ours, wire)| *ours == *n || wire == n)) {
            let detail = format!("only in {}", self.version);
            self.push(
                place,
                &format!("property {name}"),
                &a_at.join("properties"),
                &b_at.join("properties").join(name),
                detail,
            );
        }
    }

    /// The `required` lists, ours with the properties its `x-required-revisions` marks as
    /// required in their revision (on the schema or its inline `allOf` members): every
    /// difference from the revision compared in full (`required`), and from every revision a
    /// wrong mark, or a property their revision requires that neither the list nor a mark does
    /// (`required NAME`), unless the schema declares its `required` list a deviation.
    fn required(
        &mut self,
        a_at: &Pointer,
        b_at: &Pointer,
        a: &Map<String, Value>,
        b: &Map<String, Value>,
        place: &Place,
    ) {
        let v = self.version;
        let names = |list: Value| -> Vec<String> {
            list.as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect()
        };
        let (ours, theirs) = (names(required(a)), names(required(b)));
        // The schema and its inline `allOf` members: where properties and marks are.
        let mut parts: Vec<(Pointer, &Map<String, Value>)> = vec![(a_at.clone(), a)];
        for (i, member) in a.get("allOf").and_then(Value::as_array).into_iter().flatten().enumerate() {
            if let Some(m) = member.as_object().filter(|m| !m.contains_key("$ref")) {
                parts.push((a_at.join("allOf").join(i), m));
            }
        }
        // Each property of ours: its name, its name in their revision, its mark and where.
        type Marked = Option<(String, Pointer)>;
        let mut properties: Vec<(String, String, Marked)> = Vec::new();
        for (at, part) in &parts {
            for name in part.get("properties").and_then(Value::as_object).into_iter().flat_map(|p| p.keys()) {
                let wire = spelt(part, PROPERTY_SPELLINGS, name, v).to_owned();
                let mark = member_mark(&Value::Object((*part).clone()), REQUIRED_REVISIONS, name)
                    .map(|m| (m.to_owned(), at.join(REQUIRED_REVISIONS).join(name)));
                properties.push((name.clone(), wire, mark));
            }
        }
        let marked_here = |mark: &str| crate::import::mark_includes(mark, v).unwrap_or(false);
        // A marked property is compared with its mark below, not here.
        let marked: Vec<&String> = properties.iter().filter(|(_, _, m)| m.is_some()).map(|(_, wire, _)| wire).collect();
        let as_list =
            |l: &[String]| Value::Array(l.iter().filter(|n| !marked.contains(n)).cloned().map(Value::String).collect());
        if let Some(detail) = set_difference(Some(&as_list(&ours)), Some(&as_list(&theirs)), v) {
            self.push(place, "required", &a_at.join("required"), &b_at.join("required"), detail);
        }
        let declared = a.get("x-deviation").and_then(|d| d.get("required")).is_some();
        for (name, wire, mark) in &properties {
            let theirs_requires = theirs.contains(wire);
            match mark {
                Some((mark, at)) if marked_here(mark) != theirs_requires => {
                    let detail = if theirs_requires {
                        format!("{v} requires it, but x-required-revisions `{mark}` leaves {v} out")
                    } else {
                        format!("{v} does not require it, but x-required-revisions `{mark}` says it does")
                    };
                    self.push(place, &format!("required {name}"), at, &b_at.join("required"), detail);
                }
                None if self.presence_only && theirs_requires && !ours.contains(name) && !declared => {
                    let detail = format!("{v} requires it, but neither `required` nor x-required-revisions says so");
                    self.push(
                        place,
                        &format!("required {name}"),
                        &a_at.join("required"),
                        &b_at.join("required"),
                        detail,
                    );
                }
                _ => {}
            }
        }
    }

    /// The enum values: ours as their revision has them (the values our marks give it, each
    /// spelt as it spells them) against theirs. Values both have but spell otherwise are a
    /// difference of their own (`enum spellings`); the rest are `enum`.
    fn enum_values(
        &mut self,
        a_at: &Pointer,
        b_at: &Pointer,
        a: &Map<String, Value>,
        b: &Map<String, Value>,
        place: &Place,
    ) {
        if a.get("enum").is_none() && b.get("enum").is_none() {
            return;
        }
        let parent = Value::Object(a.clone());
        let mut ours: Vec<Value> = Vec::new();
        let mut left_out: Vec<String> = Vec::new();
        for value in a.get("enum").and_then(Value::as_array).into_iter().flatten() {
            let Some(text) = value.as_str() else {
                ours.push(value.clone());
                continue;
            };
            if self.includes(member_mark(&parent, ENUM_REVISIONS, text)) {
                ours.push(Value::String(spelt(a, ENUM_SPELLINGS, text, self.version).to_owned()));
            } else {
                left_out.push(text.to_owned());
            }
        }
        let theirs = b.get("enum").cloned().unwrap_or(Value::Array(Vec::new()));
        let theirs_list = theirs.as_array().cloned().unwrap_or_default();
        let only_ours: Vec<Value> = ours.iter().filter(|x| !theirs_list.contains(x)).cloned().collect();
        let only_theirs: Vec<Value> = theirs_list.iter().filter(|x| !ours.contains(x)).cloned().collect();
        // A value both sides have, spelt otherwise: a pair of one of ours and one of theirs
        // equal ignoring ASCII case.
        let mut pairs: Vec<(String, String)> = Vec::new();
        let mut rest_ours: Vec<Value> = Vec::new();
        let mut rest_theirs = only_theirs.clone();
        for x in only_ours {
            let partner = rest_theirs.iter().position(|y| match (x.as_str(), y.as_str()) {
                (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
                _ => false,
            });
            match partner {
                Some(i) => {
                    let y = rest_theirs.remove(i);
                    pairs.push((compact(&x), compact(&y)));
                }
                None => rest_ours.push(x),
            }
        }
        let v = self.version;
        // Our values (as curated) that are only in ours.
        let ours_marked: Vec<String> = a
            .get("enum")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter(|t| rest_ours.iter().any(|x| x.as_str() == Some(spelt(a, ENUM_SPELLINGS, t, v))))
            .map(str::to_owned)
            .collect();
        if !rest_ours.is_empty() || !rest_theirs.is_empty() {
            let mut detail =
                set_difference(Some(&Value::Array(rest_ours)), Some(&Value::Array(rest_theirs.clone())), v)
                    .unwrap_or_default();
            let marked_out: Vec<&String> =
                left_out.iter().filter(|x| rest_theirs.iter().any(|y| y.as_str() == Some(x.as_str()))).collect();
            if !marked_out.is_empty() {
                detail.push_str(&format!(" (x-enum-revisions leaves {v} out of {})", join(&marked_out)));
            }
            // A wrong mark is found at the mark.
            let marked = |x: &String| member_mark(&parent, ENUM_REVISIONS, x).is_some();
            let first_marked =
                marked_out.first().map(|x| (*x).clone()).or_else(|| ours_marked.iter().find(|x| marked(x)).cloned());
            let at = match first_marked {
                Some(x) => a_at.join(ENUM_REVISIONS).join(&x),
                None => a_at.join("enum"),
            };
            self.push(place, "enum", &at, &b_at.join("enum"), detail);
        }
        if !pairs.is_empty() {
            let list: Vec<String> = pairs.iter().map(|(x, y)| format!("ours `{x}`, {v} `{y}`")).collect();
            let detail = format!("spelt otherwise: {}", list.join("; "));
            self.push(place, "enum spellings", &a_at.join("enum"), &b_at.join("enum"), detail);
        }
    }

    /// `allOf`/`oneOf`/`anyOf`: the set of `$ref`s, and inline members paired in order.
    fn composition(
        &mut self,
        key: &str,
        a_at: &Pointer,
        b_at: &Pointer,
        a: &Map<String, Value>,
        b: &Map<String, Value>,
        place: &Place,
    ) {
        let members = |s: &Map<String, Value>| s.get(key).and_then(Value::as_array).cloned().unwrap_or_default();
        let (a_list, b_list) = (members(a), members(b));
        let refs = |list: &[Value]| -> BTreeSet<String> {
            list.iter().filter_map(|m| m.get("$ref").and_then(Value::as_str)).map(str::to_owned).collect()
        };
        let inline = |list: &[Value]| -> Vec<usize> {
            list.iter().enumerate().filter(|(_, m)| m.get("$ref").is_none()).map(|(i, _)| i).collect()
        };
        let (a_refs, b_refs) = (refs(&a_list), refs(&b_list));
        let (a_inline, b_inline) = (inline(&a_list), inline(&b_list));
        if a_refs != b_refs || a_inline.len() != b_inline.len() {
            let mut parts = Vec::new();
            let only_a: Vec<&String> = a_refs.difference(&b_refs).collect();
            let only_b: Vec<&String> = b_refs.difference(&a_refs).collect();
            if !only_a.is_empty() {
                parts.push(format!("only in ours: {}", join(&only_a)));
            }
            if !only_b.is_empty() {
                parts.push(format!("only in {}: {}", self.version, join(&only_b)));
            }
            if a_inline.len() != b_inline.len() {
                parts.push(format!("inline members: ours {}, {} {}", a_inline.len(), self.version, b_inline.len()));
            }
            self.push(place, key, &a_at.join(key), &b_at.join(key), parts.join("; "));
            // Members cannot be paired when the lists differ; the difference above says it.
            return;
        }
        for (i, j) in a_inline.iter().zip(&b_inline) {
            let at = a_at.join(key).join(i);
            let member = Place { required_in_parent: key == "allOf", ..Place::at(&at) };
            self.schema(&at, &b_at.join(key).join(j), &member);
        }
    }
}

/// The parameters of an operation and its path item, keyed by name, each resolved through
/// `$ref` to where it is written.
fn parameters(doc: &Value, path: &str, op: &Pointer) -> Vec<(String, Pointer)> {
    let mut out: Vec<(String, Pointer)> = Vec::new();
    let item = Pointer::root().join("paths").join(path);
    for list in [item.join("parameters"), op.join("parameters")] {
        let count = doc.pointer(list.as_str()).and_then(Value::as_array).map_or(0, Vec::len);
        for i in 0..count {
            let written = list.join(i);
            let Some(at) = resolve(doc, &written) else { continue };
            let Some(name) = doc.pointer(at.as_str()).and_then(|p| p.get("name")).and_then(Value::as_str) else {
                continue;
            };
            // An operation's parameter overrides its path item's.
            match out.iter_mut().find(|(n, _)| n == name) {
                Some(slot) => slot.1 = at.clone(),
                None => out.push((name.to_owned(), at.clone())),
            }
        }
    }
    out
}

/// Follows local `$ref`s from `at` to the object they name (at most 32 hops, so a loop of
/// references ends). `None` when `at` does not exist or a reference does not resolve.
/// The keys of the object `key` under `at` (response codes, media types), in document order.
fn keys_at(doc: &Value, at: &Pointer, key: &str) -> Vec<String> {
    doc.pointer(at.join(key).as_str())
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

fn resolve(doc: &Value, at: &Pointer) -> Option<Pointer> {
    let mut at = at.clone();
    for _ in 0..32 {
        let node = doc.pointer(at.as_str())?;
        match node.get("$ref").and_then(Value::as_str) {
            Some(r) => at = Pointer::parse(r.strip_prefix('#')?)?,
            None => return Some(at),
        }
    }
    None
}

/// The `required` names of a schema and of the inline members of its `allOf`.
fn required(s: &Map<String, Value>) -> Value {
    let own = s.get("required").and_then(Value::as_array).into_iter().flatten();
    let members = s.get("allOf").and_then(Value::as_array).into_iter().flatten().filter(|m| m.get("$ref").is_none());
    let inherited = members.flat_map(|m| m.get("required").and_then(Value::as_array).into_iter().flatten());
    Value::Array(own.chain(inherited).cloned().collect())
}

fn is_secret(s: &Map<String, Value>) -> bool {
    s.get("format").and_then(Value::as_str) == Some("password") || s.get("x-secret") == Some(&Value::Bool(true))
}

/// The format, except `password` (a secret marker, compared as such).
fn plain_format(s: &Map<String, Value>) -> Option<&Value> {
    s.get("format").filter(|f| f.as_str() != Some("password"))
}

/// What two lists (enum values, required names) have that the other has not, or `None` if
/// they hold the same members (in any order).
fn set_difference(a: Option<&Value>, b: Option<&Value>, version: &str) -> Option<String> {
    let members = |v: Option<&Value>| -> Vec<String> {
        v.and_then(Value::as_array).map(|l| l.iter().map(compact).collect()).unwrap_or_default()
    };
    let (a, b) = (members(a), members(b));
    let only_a: Vec<&String> = a.iter().filter(|x| !b.contains(x)).collect();
    let only_b: Vec<&String> = b.iter().filter(|x| !a.contains(x)).collect();
    if only_a.is_empty() && only_b.is_empty() {
        return None;
    }
    let mut parts = Vec::new();
    if !only_a.is_empty() {
        parts.push(format!("only in ours: {}", join(&only_a)));
    }
    if !only_b.is_empty() {
        parts.push(format!("only in {version}: {}", join(&only_b)));
    }
    Some(parts.join("; "))
}

fn describe_operation(at: &Pointer) -> String {
    let method = at.last().unwrap_or_default().to_uppercase();
    let path = at.parent().and_then(|p| p.last()).unwrap_or_default();
    format!("{method} {path}")
}

fn join(items: &[&String]) -> String {
    items.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
}

fn none_if_empty(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}

fn shown(v: Option<&Value>) -> String {
    v.map_or_else(|| "(none)".to_owned(), compact)
}

/// A value on one line: strings bare, everything else as JSON.
fn compact(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
