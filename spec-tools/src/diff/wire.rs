//! The spec-level half of `spec-diff`: what changed in the document, element by element,
//! and whether an existing caller/server pairing still works (the wire contract).
//!
//! A document that declares the API's revisions (`x-api-revisions`, see [`crate::import`])
//! marks each element with the revisions that have it. Each change then says which revisions
//! it affects (those of its element, in either version), and a change of the marks is judged
//! per revision: a range widened (an element, or an enum value's spelling, now in more
//! revisions) breaks no one; a range narrowed, or a value spelt otherwise in a revision,
//! breaks the users pinned to those revisions.

use std::collections::{BTreeMap, BTreeSet};

use generator::surface::operation_anchor;
use generator::{Document, Pointer};
use serde_json::Value;

use crate::import;

/// What a change does to the wire contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Wire {
    /// Nothing on the wire changes (an `operationId`, a description, an unused schema).
    None,
    /// Old callers and old servers keep working with the new side.
    Compatible,
    /// Some existing caller/server pairing stops working.
    Breaking,
}

impl Wire {
    /// The word a report uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Wire::None => "none",
            Wire::Compatible => "compatible",
            Wire::Breaking => "breaking",
        }
    }
}

/// One semantic change of the document.
#[derive(Clone, Debug)]
pub struct SpecChange {
    /// Where, for a reader: `` `GET /jobs` query `limit` ``, `` `Job.name` ``.
    pub site: String,
    /// What changed.
    pub what: String,
    /// Its wire classification.
    pub wire: Wire,
    /// Only prose changed (descriptions, summaries, titles, examples).
    pub docs: bool,
    /// Which Rust items it can explain.
    pub reach: Reach,
    /// The elements it concerns, in the anchor scheme of [`generator::surface`]; Rust items
    /// are attached to the change whose anchor is nearest theirs.
    pub anchors: Vec<Pointer>,
    /// The API revisions it affects, when the documents declare them (`x-api-revisions`):
    /// `all`, `1.3-rev2`, `1.2-rev1..1.3-rev0`, `1.3-rev0, 1.3-rev2`.
    pub revisions: Option<String>,
}

/// Which Rust items a spec change can explain, given the element the item comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// The element itself changed: items at it, inside it, or around it.
    Element,
    /// An attribute of the element (an extension, a deprecation, the security, a
    /// parameter's style, prose): only items at that exact element.
    Attribute,
    /// The name the generator derives other names from (an `operationId`): items at the
    /// element, and renamed items inside it (the operation's `Params` struct, its response
    /// enum).
    Names,
}

/// Which way values of a schema travel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Dir {
    /// Sent by callers (a parameter or request body reaches it).
    request: bool,
    /// Sent by servers (a response reaches it).
    response: bool,
}

impl Dir {
    const REQUEST: Dir = Dir { request: true, response: false };
    const RESPONSE: Dir = Dir { request: false, response: true };

    /// The worse of what the change does to requests and to responses, for the directions
    /// this schema travels in; nothing when it travels in none.
    fn pick(self, request: Wire, response: Wire) -> Wire {
        let mut wire = Wire::None;
        if self.request {
            wire = wire.max(request);
        }
        if self.response {
            wire = wire.max(response);
        }
        wire
    }
}

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace", "query"];
const PROSE: &[&str] = &["description", "summary", "title", "example", "examples", "externalDocs"];
/// Keywords that narrow the values a schema accepts, each judged by the way it moved
/// ([`narrowing`]).
const CONSTRAINTS: &[&str] = &[
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
];
/// Keywords that say which way a property travels, or what an absent value means; compared
/// by their own rules in [`Differ::schema`].
const BEHAVIOUR: &[&str] = &["default", "readOnly", "writeOnly"];

/// Which way a constraint change moved the set of values a schema accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Narrowing {
    /// Every value valid before is still valid (a `maxLength` raised, a `pattern` removed).
    Looser,
    /// Every value valid now was valid before (a `minimum` raised, a `pattern` added).
    Tighter,
    /// Some values gain validity and others lose it (a `pattern` replaced).
    Both,
}

impl Narrowing {
    /// The wire verdict for a schema travelling `dir`. A sender (the client, for requests)
    /// may send whatever the old schema allowed: tightening can refuse it, loosening cannot.
    /// A reader (the client, for responses) was written for the old range: loosening lets the
    /// server send what it never expected (a longer string, a bigger number), tightening only
    /// sends less. A schema that travels both ways gets the worse of the two.
    fn wire(self, dir: Dir) -> Wire {
        match self {
            Narrowing::Looser => dir.pick(Wire::Compatible, Wire::Breaking),
            Narrowing::Tighter => dir.pick(Wire::Breaking, Wire::Compatible),
            Narrowing::Both => dir.pick(Wire::Breaking, Wire::Breaking),
        }
    }

    fn word(self) -> &'static str {
        match self {
            Narrowing::Looser => "looser",
            Narrowing::Tighter => "tighter",
            Narrowing::Both => "some values gained, others lost",
        }
    }
}

/// How the constraint `key` moved from `old` to `new` (at least one present, and different).
fn narrowing(key: &str, old: Option<&Value>, new: Option<&Value>) -> Narrowing {
    // A bound only an upper limit (`maxLength`, `maximum`, 3.1's numeric `exclusiveMaximum`)
    // loosens as it grows; a lower one as it shrinks.
    let upper = key.starts_with("max") || key == "exclusiveMaximum";
    match (old, new) {
        // A constraint that appears narrows; one that disappears widens. 3.0's boolean
        // `exclusiveMinimum: false` and `uniqueItems: false` constrain nothing.
        (None, Some(v)) if v == &Value::Bool(false) => Narrowing::Looser,
        (None, Some(_)) => Narrowing::Tighter,
        (Some(v), None) if v == &Value::Bool(false) => Narrowing::Tighter,
        (Some(_), None) => Narrowing::Looser,
        (Some(Value::Bool(a)), Some(Value::Bool(b))) => {
            if *a && !*b {
                Narrowing::Looser
            } else {
                Narrowing::Tighter
            }
        }
        (Some(Value::Number(a)), Some(Value::Number(b))) => {
            let (a, b) = (a.as_f64().unwrap_or(0.0), b.as_f64().unwrap_or(0.0));
            if key == "multipleOf" {
                // Every multiple of 10 is a multiple of 5: a divisor of the old step loosens,
                // a multiple of it tightens, anything else moves both ways.
                return if b != 0.0 && (a / b).fract() == 0.0 {
                    Narrowing::Looser
                } else if a != 0.0 && (b / a).fract() == 0.0 {
                    Narrowing::Tighter
                } else {
                    Narrowing::Both
                };
            }
            if (b > a) == upper {
                Narrowing::Looser
            } else {
                Narrowing::Tighter
            }
        }
        // A replaced `pattern`, or a bound that changed its kind (3.0's boolean exclusive bound
        // becoming 3.1's number): no order to compare.
        _ => Narrowing::Both,
    }
}
/// Schema keywords compared by their own rules below, not as generic keywords.
const STRUCTURAL: &[&str] = &[
    "$ref",
    "type",
    "format",
    "nullable",
    "enum",
    "properties",
    "required",
    "items",
    "additionalProperties",
    "oneOf",
    "anyOf",
    "allOf",
    "discriminator",
    "deprecated",
    "xml",
];

/// Compares two documents.
pub fn diff(old: &Document, new: &Document) -> Vec<SpecChange> {
    let universe = universe(&old.raw, &new.raw);
    let all: Revs = (0..universe.len()).collect();
    let mut d = Differ {
        old,
        new,
        out: Vec::new(),
        dirs: Directions::of(old).merge(Directions::of(new)),
        universe,
        old_scope: all.clone(),
        new_scope: all,
    };
    d.info();
    d.revisions_declared();
    d.operations();
    d.components();
    d.out
}

/// A set of revisions, by their index in the declared list.
type Revs = BTreeSet<usize>;

/// The extensions that mark revisions: compared per revision, not as extensions.
const MARKS: &[&str] = &[
    import::REVISIONS,
    import::PROPERTY_REVISIONS,
    import::PROPERTY_SPELLINGS,
    import::ENUM_REVISIONS,
    import::ENUM_SPELLINGS,
    import::RESPONSE_REVISIONS,
];

/// The revisions either document declares in `x-api-revisions`, oldest first.
fn universe(old: &Value, new: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for doc in [old, new] {
        let list = doc.pointer(&format!("/{}/revisions", import::API_REVISIONS)).and_then(Value::as_array);
        for r in list.into_iter().flatten().filter_map(Value::as_str) {
            if !out.iter().any(|o| o == r) {
                out.push(r.to_owned());
            }
        }
    }
    out.sort_by_key(|r| import::version_key(r));
    out
}

/// `{1, 2}` of four → `1.3-rev0..1.3-rev1`, as marks write ranges, except that one revision is
/// named alone and every revision is `all`.
fn show_revs(revs: &Revs, universe: &[String]) -> String {
    if revs.len() == universe.len() {
        return "all".to_owned();
    }
    if revs.is_empty() {
        return "none".to_owned();
    }
    let list: Vec<usize> = revs.iter().copied().collect();
    let names: Vec<&str> = universe.iter().map(String::as_str).collect();
    let mut parts = Vec::new();
    let mut i = 0;
    while i < list.len() {
        let (start, mut end) = (list[i], list[i]);
        while i + 1 < list.len() && list[i + 1] == end + 1 {
            i += 1;
            end = list[i];
        }
        parts.push(match (start == end, end + 1 == names.len()) {
            (true, _) => names[start].to_owned(),
            (false, true) => format!("{}..", names[start]),
            (false, false) => format!("{}..{}", names[start], names[end]),
        });
        i += 1;
    }
    parts.join(", ")
}

/// Where an element is, in one version of the document, for its revisions: absent, or present
/// with its own mark (`None`: its parent's revisions).
#[derive(Clone, Copy)]
enum Marked<'v> {
    Absent,
    Present(Option<&'v Value>),
}

/// An element's [`Marked`] in one version: absent, or present with its `x-revisions`.
fn marked(element: Option<&Value>) -> Marked<'_> {
    element.map_or(Marked::Absent, |e| Marked::Present(e.get(import::REVISIONS)))
}

/// The component schemas each direction reaches, through `$ref`s, in either document.
#[derive(Default)]
struct Directions {
    request: BTreeSet<String>,
    response: BTreeSet<String>,
}

impl Directions {
    fn of(doc: &Document) -> Self {
        let mut dirs = Directions::default();
        for (_, (_, op)) in operations(doc) {
            let mut request = Vec::new();
            let mut response = Vec::new();
            request.extend(op.get("parameters"));
            request.extend(op.get("requestBody"));
            response.extend(op.get("responses"));
            for v in request {
                reach(doc, v, &mut dirs.request);
            }
            for v in response {
                reach(doc, v, &mut dirs.response);
            }
        }
        // Path-level parameters are requests too.
        if let Some(paths) = doc.raw.get("paths").and_then(Value::as_object) {
            for item in paths.values() {
                if let Some(p) = item.get("parameters") {
                    reach(doc, p, &mut dirs.request);
                }
            }
        }
        dirs
    }

    fn merge(mut self, other: Self) -> Self {
        self.request.extend(other.request);
        self.response.extend(other.response);
        self
    }

    fn of_pointer(&self, pointer: &Pointer) -> Dir {
        Dir { request: self.request.contains(pointer.as_str()), response: self.response.contains(pointer.as_str()) }
    }
}

/// Adds the pointer of every `$ref` target reachable from `value` to `seen`, discriminator
/// mappings included (a schema may be reachable only through one).
fn reach(doc: &Document, value: &Value, seen: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            let mapped = map.get("discriminator").and_then(|d| d.get("mapping")).and_then(Value::as_object);
            let targets = map.get("$ref").and_then(Value::as_str).map(str::to_owned).into_iter().chain(
                mapped.into_iter().flat_map(|m| m.values().filter_map(Value::as_str)).map(|r| match r.contains('/') {
                    true => r.to_owned(),
                    // A bare name is a schema's name.
                    false => format!("#/components/schemas/{r}"),
                }),
            );
            for r in targets {
                if let Ok((pointer, target)) = doc.resolve(&r) {
                    if seen.insert(pointer.as_str().to_owned()) {
                        reach(doc, target, seen);
                    }
                }
            }
            map.values().for_each(|v| reach(doc, v, seen));
        }
        Value::Array(items) => items.iter().for_each(|v| reach(doc, v, seen)),
        _ => {}
    }
}

/// Every operation: (path, method) → (pointer, operation object), sorted.
fn operations(doc: &Document) -> BTreeMap<(String, String), (Pointer, &Value)> {
    let mut out = BTreeMap::new();
    let Some(paths) = doc.raw.get("paths").and_then(Value::as_object) else { return out };
    for (path, item) in paths {
        let item = doc.resolve_chain(item);
        for &method in METHODS {
            if let Some(op) = item.get(method).filter(|v| v.is_object()) {
                out.insert((path.clone(), method.to_owned()), (operation_anchor(path, method), op));
            }
        }
    }
    out
}

/// The site of a part of a schema: `` `Job.name` `` inside `` `Job` ``, and
/// `` `GET /jobs` request body `name` `` inside a site that does not end in a schema path.
fn nested(site: &str, part: &str) -> String {
    match site.strip_suffix('`') {
        Some(base) => format!("{base}{part}`"),
        None => format!("{site} `{}`", part.trim_start_matches('.')),
    }
}

fn show(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `type`/`format` of a schema as one word: `integer/int64`, `string`, `$ref Job`.
fn type_word(schema: &Value) -> String {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        return r.rsplit('/').next().unwrap_or(r).to_owned();
    }
    let ty = schema.get("type").map(show).unwrap_or_else(|| "any".into());
    match schema.get("format") {
        Some(f) => format!("{ty}/{}", show(f)),
        None => ty,
    }
}

struct Differ<'a> {
    old: &'a Document,
    new: &'a Document,
    out: Vec<SpecChange>,
    dirs: Directions,
    /// The revisions the documents declare, oldest first (none: they mark no revisions).
    universe: Vec<String>,
    /// The revisions of the element being compared, in the old and in the new document.
    old_scope: Revs,
    new_scope: Revs,
}

impl Differ<'_> {
    /// Records a change; it affects the revisions of the element being compared.
    fn emit(&mut self, mut change: SpecChange) {
        if change.revisions.is_none() && !self.universe.is_empty() {
            let revs: Revs = self.old_scope.union(&self.new_scope).copied().collect();
            change.revisions = Some(show_revs(&revs, &self.universe));
        }
        self.out.push(change);
    }

    fn push(&mut self, site: &str, what: String, wire: Wire, anchors: Vec<Pointer>) {
        self.emit(SpecChange {
            site: site.to_owned(),
            what,
            wire,
            docs: false,
            reach: Reach::Element,
            anchors,
            revisions: None,
        });
    }

    fn push_leaf(&mut self, site: &str, what: String, wire: Wire, anchor: &Pointer) {
        self.emit(SpecChange {
            site: site.to_owned(),
            what,
            wire,
            docs: false,
            reach: Reach::Attribute,
            anchors: vec![anchor.clone()],
            revisions: None,
        });
    }

    /// The revisions a mark names (`1.3-rev0..`), within the universe; `None` (no mark) or
    /// an unreadable one: `parent`.
    fn revs_of(&self, mark: Option<&Value>, parent: &Revs) -> Revs {
        let Some(mark) = mark.and_then(Value::as_str) else { return parent.clone() };
        let mut out = Revs::new();
        for (i, r) in self.universe.iter().enumerate() {
            match import::mark_includes(mark, r) {
                Some(true) => {
                    out.insert(i);
                }
                Some(false) => {}
                None => return parent.clone(),
            }
        }
        out
    }

    /// Runs `f` in the scope of an element: its revisions in the old and in the new document.
    fn within<R>(&mut self, old: Marked<'_>, new: Marked<'_>, f: impl FnOnce(&mut Self) -> R) -> R {
        let (o, n) = (self.old_scope.clone(), self.new_scope.clone());
        self.old_scope = match old {
            Marked::Absent => Revs::new(),
            Marked::Present(mark) => self.revs_of(mark, &o),
        };
        self.new_scope = match new {
            Marked::Absent => Revs::new(),
            Marked::Present(mark) => self.revs_of(mark, &n),
        };
        let out = f(self);
        (self.old_scope, self.new_scope) = (o, n);
        out
    }

    /// A change of the revisions an element is in (the current scope, both versions present):
    /// more revisions break no one, fewer break the users of those revisions. `marked` says
    /// whether either version writes its own mark (otherwise a change is its parent's, and
    /// reported there).
    fn revision_change(&mut self, site: &str, key: &str, marked: bool, anchor: &Pointer) {
        if self.universe.is_empty() || !marked {
            return;
        }
        let gained: Revs = self.new_scope.difference(&self.old_scope).copied().collect();
        let lost: Revs = self.old_scope.difference(&self.new_scope).copied().collect();
        let mut parts = Vec::new();
        if !gained.is_empty() {
            parts.push(format!("now also in {}", show_revs(&gained, &self.universe)));
        }
        if !lost.is_empty() {
            parts.push(format!("no longer in {}", show_revs(&lost, &self.universe)));
        }
        if parts.is_empty() {
            return;
        }
        let (old, new) = (show_revs(&self.old_scope, &self.universe), show_revs(&self.new_scope, &self.universe));
        let wire = if lost.is_empty() { Wire::Compatible } else { Wire::Breaking };
        let affected: Revs = gained.union(&lost).copied().collect();
        self.emit(SpecChange {
            site: site.to_owned(),
            what: format!("revisions {old} → {new} ({}; `{key}`)", parts.join(", ")),
            wire,
            docs: false,
            reach: Reach::Attribute,
            anchors: vec![anchor.clone(), anchor.join(key)],
            revisions: Some(show_revs(&affected, &self.universe)),
        });
    }

    /// A member's wire form in each revision of the current scope: present as a spelling,
    /// absent (`None`). `spellings` is its entry in the parent's spellings map.
    fn forms(&self, scope: &Revs, name: &str, spellings: Option<&Value>) -> Vec<Option<String>> {
        (0..self.universe.len())
            .map(|i| {
                scope.contains(&i).then(|| {
                    let other = spellings.and_then(Value::as_object).into_iter().flatten().find(|(_, range)| {
                        range.as_str().and_then(|r| import::mark_includes(r, &self.universe[i])) == Some(true)
                    });
                    other.map_or_else(|| name.to_owned(), |(s, _)| s.clone())
                })
            })
            .collect()
    }

    /// A change of the revisions a member (property, enum value) is in, or of how they spell
    /// it: compared per revision. Present in more revisions breaks no one; in fewer, or spelt
    /// otherwise in a revision, breaks the users of those revisions. `old`/`new` are its
    /// spellings entries; the scope is the member's.
    fn spelling_change(&mut self, site: &str, name: &str, old: Option<&Value>, new: Option<&Value>, anchor: &Pointer) {
        if self.universe.is_empty() {
            return;
        }
        let (a, b) = (self.forms(&self.old_scope, name, old), self.forms(&self.new_scope, name, new));
        let (mut gained, mut lost, mut respelt) = (Revs::new(), Revs::new(), Vec::new());
        for (i, (x, y)) in a.iter().zip(&b).enumerate() {
            match (x, y) {
                (None, Some(_)) => {
                    gained.insert(i);
                }
                (Some(_), None) => {
                    lost.insert(i);
                }
                (Some(x), Some(y)) if x != y => respelt.push((i, x.clone(), y.clone())),
                _ => {}
            }
        }
        let spelt_now = |revs: &Revs| -> String {
            let forms: BTreeSet<&String> = revs.iter().filter_map(|i| b[*i].as_ref()).filter(|f| *f != name).collect();
            match forms.is_empty() {
                true => String::new(),
                false => format!(" as {}", forms.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ")),
            }
        };
        let mut parts = Vec::new();
        if !gained.is_empty() {
            parts.push(format!("now also in {}{}", show_revs(&gained, &self.universe), spelt_now(&gained)));
        }
        if !lost.is_empty() {
            parts.push(format!("no longer in {}", show_revs(&lost, &self.universe)));
        }
        for (i, x, y) in &respelt {
            parts.push(format!("spelt `{y}` in {} (was `{x}`)", self.universe[*i]));
        }
        if parts.is_empty() {
            return;
        }
        let mut affected: Revs = gained.union(&lost).copied().collect();
        affected.extend(respelt.iter().map(|(i, _, _)| *i));
        let wire = if lost.is_empty() && respelt.is_empty() { Wire::Compatible } else { Wire::Breaking };
        self.emit(SpecChange {
            site: site.to_owned(),
            what: format!("`{name}`: {}", parts.join(", ")),
            wire,
            docs: false,
            reach: Reach::Attribute,
            anchors: vec![anchor.clone()],
            revisions: Some(show_revs(&affected, &self.universe)),
        });
    }

    /// The root's `x-api-revisions`: revisions declared or withdrawn, the default changed.
    fn revisions_declared(&mut self) {
        let at = format!("/{}", import::API_REVISIONS);
        let (old, new) = (self.old.raw.pointer(&at), self.new.raw.pointer(&at));
        if old == new {
            return;
        }
        let anchor = Pointer::root().join(import::API_REVISIONS);
        let site = format!("`{}`", import::API_REVISIONS);
        let list = |v: Option<&Value>| -> Vec<String> {
            let items = v.and_then(|v| v.get("revisions")).and_then(Value::as_array).into_iter().flatten();
            items.filter_map(Value::as_str).map(str::to_owned).collect()
        };
        let (ol, nl) = (list(old), list(new));
        let universe = self.universe.clone();
        let index = |r: &String| universe.iter().position(|u| u == r);
        for r in nl.iter().filter(|r| !ol.contains(r)) {
            let revs: Revs = index(r).into_iter().collect();
            let revisions = Some(show_revs(&revs, &universe));
            let what = format!("revision `{r}` declared");
            let change = SpecChange {
                site: site.clone(),
                what,
                wire: Wire::Compatible,
                docs: false,
                reach: Reach::Attribute,
                anchors: vec![anchor.clone()],
                revisions,
            };
            self.emit(change);
        }
        for r in ol.iter().filter(|r| !nl.contains(r)) {
            let revs: Revs = index(r).into_iter().collect();
            let revisions = Some(show_revs(&revs, &universe));
            let what = format!("revision `{r}` no longer declared");
            let change = SpecChange {
                site: site.clone(),
                what,
                wire: Wire::Breaking,
                docs: false,
                reach: Reach::Attribute,
                anchors: vec![anchor.clone()],
                revisions,
            };
            self.emit(change);
        }
        for key in ["header", "default"] {
            let (a, b) = (old.and_then(|v| v.get(key)), new.and_then(|v| v.get(key)));
            if a == b {
                continue;
            }
            let v = |x: Option<&Value>| x.map_or_else(|| "(none)".to_owned(), show);
            // The header names the revision on the wire; the default is what a client that
            // chooses none now speaks, a behaviour change for it.
            let wire = if key == "header" { Wire::Breaking } else { Wire::Compatible };
            let what = format!("{key} `{}` → `{}`", v(a), v(b));
            self.push_leaf(&site, what, wire, &anchor);
        }
    }

    fn prose(&mut self, site: &str, old: &Value, new: &Value, anchor: &Pointer) {
        let changed: Vec<&str> = PROSE.iter().copied().filter(|k| old.get(k) != new.get(k)).collect();
        if !changed.is_empty() {
            self.emit(SpecChange {
                site: site.to_owned(),
                what: format!("{} changed", changed.join(", ")),
                wire: Wire::None,
                docs: true,
                reach: Reach::Attribute,
                anchors: vec![anchor.clone()],
                revisions: None,
            });
        }
    }

    fn extensions(&mut self, site: &str, old: &Value, new: &Value, anchor: &Pointer) {
        let keys = |v: &Value| -> BTreeSet<String> {
            v.as_object().map(|m| m.keys().filter(|k| k.starts_with("x-")).cloned().collect()).unwrap_or_default()
        };
        for k in keys(old).union(&keys(new)) {
            // Revision marks are compared per revision where their element is.
            if !self.universe.is_empty() && MARKS.contains(&k.as_str()) {
                continue;
            }
            let what = match (old.get(k), new.get(k)) {
                (Some(_), None) => format!("extension `{k}` removed"),
                (None, Some(_)) => format!("extension `{k}` added"),
                (Some(a), Some(b)) if a != b => format!("extension `{k}` changed"),
                _ => continue,
            };
            // Extensions are read by generators and tools, not by servers. What they generate
            // sits at the element (`x-pagination`'s stream method) or at the extension itself
            // (`x-long-running`'s `wait` on the status type).
            self.push_leaf(site, what, Wire::None, anchor);
            if let Some(last) = self.out.last_mut() {
                last.anchors.push(anchor.join(k));
            }
        }
    }

    fn info(&mut self) {
        let (old, new) = (self.old.raw.get("info"), self.new.raw.get("info"));
        let (old, new) = (old.unwrap_or(&Value::Null), new.unwrap_or(&Value::Null));
        let anchor = Pointer::root().join("info");
        self.prose("info", old, new, &anchor);
        if old.get("version") != new.get("version") {
            let v = |x: &Value| x.get("version").map(show).unwrap_or_default();
            let what = format!("version `{}` → `{}`", v(old), v(new));
            self.emit(SpecChange {
                site: "info".into(),
                what,
                wire: Wire::None,
                docs: true,
                reach: Reach::Attribute,
                anchors: vec![anchor],
                revisions: None,
            });
        }
    }

    fn operations(&mut self) {
        let (old_ops, new_ops) = (operations(self.old), operations(self.new));
        let id = |op: &Value| op.get("operationId").and_then(Value::as_str).map(str::to_owned);
        let mut moved: BTreeMap<(String, String), (String, String)> = BTreeMap::new();
        for (key, (_, op)) in old_ops.iter().filter(|(k, _)| !new_ops.contains_key(*k)) {
            let Some(old_id) = id(op) else { continue };
            let target = new_ops
                .iter()
                .find(|(k, (_, n))| !old_ops.contains_key(*k) && id(n).as_deref() == Some(old_id.as_str()));
            if let Some((new_key, _)) = target {
                moved.insert(key.clone(), new_key.clone());
            }
        }
        let label = |(path, method): &(String, String)| format!("`{} {path}`", method.to_ascii_uppercase());
        for (key, (old_ptr, old_op)) in &old_ops {
            if let Some((new_ptr, new_op)) = new_ops.get(key) {
                self.within(marked(Some(old_op)), marked(Some(new_op)), |d| {
                    d.operation(&label(key), (old_ptr, old_op), (new_ptr, new_op), (&key.0, &key.1))
                });
            } else if let Some(new_key) = moved.get(key) {
                let (new_ptr, new_op) = &new_ops[new_key];
                let site = label(new_key);
                let what = format!("moved from {} (same operationId)", label(key));
                self.within(marked(Some(old_op)), marked(Some(new_op)), |d| {
                    d.push(&site, what, Wire::Breaking, vec![new_ptr.clone(), old_ptr.clone()]);
                    d.operation(&site, (old_ptr, old_op), (new_ptr, new_op), (&new_key.0, &new_key.1));
                });
            } else {
                self.within(marked(Some(old_op)), Marked::Absent, |d| {
                    d.push(&label(key), "operation removed".into(), Wire::Breaking, vec![old_ptr.clone()])
                });
            }
        }
        for (key, (new_ptr, new_op)) in &new_ops {
            if !old_ops.contains_key(key) && !moved.values().any(|k| k == key) {
                self.within(Marked::Absent, marked(Some(new_op)), |d| {
                    d.push(&label(key), "operation added".into(), Wire::Compatible, vec![new_ptr.clone()])
                });
            }
        }
    }

    /// One operation present in both documents. `at` is the operation's pointer in the new
    /// document (the anchor the Rust surface uses); `place` its (path, method) there.
    fn operation(&mut self, site: &str, old: (&Pointer, &Value), new: (&Pointer, &Value), place: (&str, &str)) {
        let ((_, o), (at, n)) = (old, new);
        let (o_id, n_id) = (o.get("operationId"), n.get("operationId"));
        if o_id != n_id {
            let v = |x: Option<&Value>| x.map(show).unwrap_or_else(|| "(none)".into());
            // The operationId is not on the wire; it names the client method.
            let what = format!("operationId `{}` → `{}`", v(o_id), v(n_id));
            self.emit(SpecChange {
                site: site.to_owned(),
                what,
                wire: Wire::None,
                docs: false,
                reach: Reach::Names,
                anchors: vec![at.clone()],
                revisions: None,
            });
        }
        self.prose(site, o, n, at);
        self.extensions(site, o, n, at);
        self.revision_change(site, import::REVISIONS, true, at);
        if o.get("deprecated") != n.get("deprecated") {
            let now = n.get("deprecated").and_then(Value::as_bool).unwrap_or(false);
            let what = if now { "deprecated" } else { "no longer deprecated" };
            self.push_leaf(site, what.into(), Wire::Compatible, at);
        }
        let security = |doc: &Document, op: &Value| op.get("security").or_else(|| doc.raw.get("security")).cloned();
        let (o_sec, n_sec) = (security(self.old, o), security(self.new, n));
        if o_sec != n_sec {
            let text = |v: &Option<Value>| v.as_ref().map_or_else(|| "none".to_owned(), Value::to_string);
            let open = n_sec.as_ref().is_none_or(|v| v.as_array().is_some_and(|a| a.is_empty()));
            let wire = if open { Wire::Compatible } else { Wire::Breaking };
            let what = format!("security {} → {}", text(&o_sec), text(&n_sec));
            self.push_leaf(site, what, wire, &at.join("security"));
        }
        self.parameters(site, o, n, place);
        self.request_body(site, o, n, at);
        self.responses(site, o, n, at);
    }

    /// An operation's parameters with the path item's merged in, by (location, name).
    fn params_of<'d>(doc: &'d Document, op: &'d Value, path: &str) -> BTreeMap<(String, String), &'d Value> {
        let mut out = BTreeMap::new();
        let item = doc.raw.get("paths").and_then(|p| p.get(path)).map(|i| doc.resolve_chain(i));
        let lists = [item.and_then(|i| i.get("parameters")), op.get("parameters")];
        for list in lists.into_iter().flatten().filter_map(Value::as_array) {
            for p in list {
                let p = doc.resolve_chain(p);
                let (Some(name), Some(place)) =
                    (p.get("name").and_then(Value::as_str), p.get("in").and_then(Value::as_str))
                else {
                    continue;
                };
                out.insert((place.to_owned(), name.to_owned()), p);
            }
        }
        out
    }

    fn parameters(&mut self, site: &str, o: &Value, n: &Value, (path, method): (&str, &str)) {
        let (olds, news) = (Self::params_of(self.old, o, path), Self::params_of(self.new, n, path));
        let at = operation_anchor(path, method).join("parameters");
        let keys: BTreeSet<&(String, String)> = olds.keys().chain(news.keys()).collect();
        for key in keys {
            let (place, name) = key;
            let psite = format!("{site} {place} `{name}`");
            let anchor = at.join(place).join(name);
            let (old, new) = (olds.get(key).copied(), news.get(key).copied());
            self.within(marked(old), marked(new), |d| d.parameter(&psite, old, new, anchor));
        }
    }

    /// One parameter, in either version or both.
    fn parameter(&mut self, psite: &str, old: Option<&Value>, new: Option<&Value>, anchor: Pointer) {
        let required = |p: &Value| p.get("required").and_then(Value::as_bool).unwrap_or(false);
        match (old, new) {
            (None, Some(p)) => {
                let (word, wire) =
                    if required(p) { ("required", Wire::Breaking) } else { ("optional", Wire::Compatible) };
                self.push(psite, format!("{word} parameter added"), wire, vec![anchor]);
            }
            (Some(_), None) => self.push(psite, "parameter removed".into(), Wire::Breaking, vec![anchor]),
            (Some(a), Some(b)) => {
                let marked = a.get(import::REVISIONS).is_some() || b.get(import::REVISIONS).is_some();
                self.revision_change(psite, import::REVISIONS, marked, &anchor);
                match (required(a), required(b)) {
                    (false, true) => self.push(psite, "made required".into(), Wire::Breaking, vec![anchor.clone()]),
                    (true, false) => {
                        self.push(psite, "made optional".into(), Wire::Compatible, vec![anchor.clone()]);
                    }
                    _ => {}
                }
                for k in ["style", "explode", "allowReserved"] {
                    if a.get(k) != b.get(k) {
                        self.push_leaf(psite, format!("`{k}` changed"), Wire::Breaking, &anchor);
                    }
                }
                if a.get("deprecated") != b.get("deprecated") {
                    self.push_leaf(psite, "deprecation changed".into(), Wire::Compatible, &anchor);
                }
                self.prose(psite, a, b, &anchor);
                self.extensions(psite, a, b, &anchor);
                let null = Value::Null;
                let (sa, sb) = (a.get("schema").unwrap_or(&null), b.get("schema").unwrap_or(&null));
                self.schema(psite, sa, sb, Dir::REQUEST, &anchor);
            }
            (None, None) => {}
        }
    }

    /// Media type → schema of a `content` object.
    fn contents(v: &Value) -> BTreeMap<String, Value> {
        v.get("content")
            .and_then(Value::as_object)
            .map(|m| m.iter().map(|(k, c)| (k.clone(), c.get("schema").cloned().unwrap_or(Value::Null))).collect())
            .unwrap_or_default()
    }

    /// Media types added and removed, and each shared one's schema compared.
    fn content(&mut self, site: &str, o: &Value, n: &Value, dir: Dir, anchor: &Pointer) {
        let (oc, nc) = (Self::contents(o), Self::contents(n));
        for (mime, schema) in &oc {
            match nc.get(mime) {
                None => {
                    let wire = dir.pick(Wire::Breaking, Wire::Breaking);
                    self.push(site, format!("media type `{mime}` removed"), wire, vec![anchor.clone()]);
                }
                Some(new_schema) => {
                    let at = anchor.join("content").join(mime).join("schema");
                    self.schema(site, schema, new_schema, dir, &at);
                }
            }
        }
        for mime in nc.keys().filter(|m| !oc.contains_key(*m)) {
            let wire = dir.pick(Wire::Compatible, Wire::Breaking);
            self.push(site, format!("media type `{mime}` added"), wire, vec![anchor.clone()]);
        }
    }

    fn request_body(&mut self, site: &str, o: &Value, n: &Value, at: &Pointer) {
        let site = format!("{site} request body");
        let anchor = at.join("requestBody");
        let required = |b: &Value| b.get("required").and_then(Value::as_bool).unwrap_or(false);
        let (ob, nb) = (
            o.get("requestBody").map(|b| self.old.resolve_chain(b)),
            n.get("requestBody").map(|b| self.new.resolve_chain(b)),
        );
        // A body only some revisions take (`x-revisions`) changes only for them.
        self.within(marked(ob), marked(nb), |d| match (ob, nb) {
            (None, Some(b)) => {
                let wire = if required(b) { Wire::Breaking } else { Wire::Compatible };
                d.push(&site, "added".into(), wire, vec![anchor]);
            }
            (Some(_), None) => d.push(&site, "removed".into(), Wire::Breaking, vec![anchor]),
            (Some(a), Some(b)) => {
                let marked = a.get(import::REVISIONS).is_some() || b.get(import::REVISIONS).is_some();
                d.revision_change(&site, import::REVISIONS, marked, &anchor);
                match (required(a), required(b)) {
                    (false, true) => d.push(&site, "made required".into(), Wire::Breaking, vec![anchor.clone()]),
                    (true, false) => d.push(&site, "made optional".into(), Wire::Compatible, vec![anchor.clone()]),
                    _ => {}
                }
                d.prose(&site, a, b, &anchor);
                d.content(&site, a, b, Dir::REQUEST, &anchor);
            }
            (None, None) => {}
        })
    }

    fn responses(&mut self, site: &str, o: &Value, n: &Value, at: &Pointer) {
        let codes = |doc: &'_ Document, op: &Value| -> BTreeMap<String, Value> {
            op.get("responses")
                .and_then(Value::as_object)
                .map(|m| m.iter().map(|(k, r)| (k.clone(), doc.resolve_chain(r).clone())).collect())
                .unwrap_or_default()
        };
        let (olds, news) = (codes(self.old, o), codes(self.new, n));
        let success = |code: &str| code.starts_with('2');
        let marks = |op: &Value, code: &str| op.get(import::RESPONSE_REVISIONS).and_then(|m| m.get(code)).cloned();
        for (code, a) in &olds {
            let rsite = format!("{site} response `{code}`");
            let anchor = at.join("responses").join(code);
            let (om, nm) = (marks(o, code), marks(n, code));
            let new = news.get(code);
            let old_scope = Marked::Present(om.as_ref());
            let new_scope = if new.is_some() { Marked::Present(nm.as_ref()) } else { Marked::Absent };
            self.within(old_scope, new_scope, |d| {
                d.response(&rsite, a, new, (om.is_some() || nm.is_some(), success(code)), &anchor)
            });
        }
        for code in news.keys().filter(|c| !olds.contains_key(*c)) {
            let rsite = format!("{site} response `{code}`");
            let anchor = at.join("responses").join(code);
            let nm = marks(n, code);
            self.within(Marked::Absent, Marked::Present(nm.as_ref()), |d| {
                d.push(&rsite, "response added".into(), Wire::Compatible, vec![anchor])
            });
        }
    }

    /// One response of the old version, and of the new if it has it. `(marked, success)`:
    /// whether either version marks its revisions, and whether it is a success.
    fn response(
        &mut self,
        rsite: &str,
        a: &Value,
        new: Option<&Value>,
        (marked, success): (bool, bool),
        anchor: &Pointer,
    ) {
        match new {
            None => {
                // A success callers were handling is gone; an error that no longer
                // happens breaks nobody.
                let wire = if success { Wire::Breaking } else { Wire::Compatible };
                self.push(rsite, "response removed".into(), wire, vec![anchor.clone()]);
            }
            Some(b) => {
                self.revision_change(rsite, import::RESPONSE_REVISIONS, marked, anchor);
                self.prose(rsite, a, b, anchor);
                self.content(rsite, a, b, Dir::RESPONSE, anchor);
                let headers = |r: &Value| -> BTreeSet<String> {
                    r.get("headers").and_then(Value::as_object).map(|m| m.keys().cloned().collect()).unwrap_or_default()
                };
                let (oh, nh) = (headers(a), headers(b));
                for h in oh.difference(&nh) {
                    // Only a header the old version promised (`required`) can be relied on.
                    let required = a["headers"][h.as_str()].get("required").and_then(Value::as_bool) == Some(true);
                    let wire = if required { Wire::Breaking } else { Wire::Compatible };
                    self.push(rsite, format!("header `{h}` removed"), wire, vec![anchor.clone()]);
                }
                for h in nh.difference(&oh) {
                    self.push(rsite, format!("header `{h}` added"), Wire::Compatible, vec![anchor.clone()]);
                }
            }
        }
    }

    fn components(&mut self) {
        // The root's component schemas, and those of every file a many-file document bundles
        // (`x-bundled-files`, where its `$ref`s point): each by name, at its pointer.
        let schemas = |doc: &Document| -> BTreeMap<String, (Pointer, Value)> {
            let mut out = BTreeMap::new();
            let mut roots = vec![(Pointer::root(), &doc.raw)];
            let files = doc.raw.get("x-bundled-files").and_then(Value::as_object).into_iter().flatten();
            roots.extend(files.map(|(file, tree)| (Pointer::root().join("x-bundled-files").join(file), tree)));
            for (base, tree) in roots {
                for (name, schema) in
                    tree.pointer("/components/schemas").and_then(Value::as_object).into_iter().flatten()
                {
                    // A component that is a `$ref` to a file's schema is that schema.
                    let (at, schema) = doc.deref_lenient(&base.join("components").join("schemas").join(name), schema);
                    out.entry(name.clone()).or_insert_with(|| (at, schema.clone()));
                }
            }
            out
        };
        let (olds, news) = (schemas(self.old), schemas(self.new));
        let names: BTreeSet<&String> = olds.keys().chain(news.keys()).collect();
        for name in names {
            let (a, b) = (olds.get(name).map(|(_, s)| s), news.get(name).map(|(_, s)| s));
            let at = news.get(name).or_else(|| olds.get(name)).map(|(at, _)| at.clone()).unwrap_or_else(Pointer::root);
            let site = format!("`{name}`");
            self.within(marked(a), marked(b), |d| match (a, b) {
                (None, Some(_)) => d.push(&site, "schema added".into(), Wire::Compatible, vec![at]),
                // What used it changed too, and is reported there.
                (Some(_), None) => d.push(&site, "schema removed".into(), Wire::None, vec![at]),
                (Some(a), Some(b)) => {
                    let marked = a.get(import::REVISIONS).is_some() || b.get(import::REVISIONS).is_some();
                    d.revision_change(&site, import::REVISIONS, marked, &at);
                    let dir = d.dirs.of_pointer(&at);
                    d.schema(&site, a, b, dir, &at);
                }
                (None, None) => {}
            });
        }
        let schemes = |doc: &Document| doc.raw.pointer("/components/securitySchemes").cloned().unwrap_or(Value::Null);
        let (os, ns) = (schemes(self.old), schemes(self.new));
        let keys =
            |v: &Value| -> BTreeSet<String> { v.as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default() };
        let anchor = Pointer::root().join("components").join("securitySchemes");
        for k in keys(&os).union(&keys(&ns)) {
            let site = format!("security scheme `{k}`");
            match (os.get(k), ns.get(k)) {
                (Some(_), None) => self.push(&site, "removed".into(), Wire::Breaking, vec![anchor.clone()]),
                (None, Some(_)) => self.push(&site, "added".into(), Wire::Compatible, vec![anchor.clone()]),
                (Some(a), Some(b)) if a != b => {
                    let mut a2 = a.clone();
                    let mut b2 = b.clone();
                    for v in [&mut a2, &mut b2] {
                        if let Some(m) = v.as_object_mut() {
                            m.remove("description");
                        }
                    }
                    if a2 == b2 {
                        self.prose(&site, a, b, &anchor);
                    } else {
                        self.push(&site, "changed".into(), Wire::Breaking, vec![anchor.clone()]);
                    }
                }
                _ => {}
            }
        }
    }

    /// Compares two schemas written at `at` (the new document's place). A `$ref` is compared
    /// as a name: the component it names is compared once, under `components`.
    fn schema(&mut self, site: &str, o: &Value, n: &Value, dir: Dir, at: &Pointer) {
        if o == n {
            return;
        }
        let anchors = || vec![at.clone()];
        let (o_ref, n_ref) = (o.get("$ref"), n.get("$ref"));
        if o_ref.is_some() || n_ref.is_some() {
            if o_ref != n_ref {
                let what = format!("type `{}` → `{}`", type_word(o), type_word(n));
                self.push(site, what, dir.pick(Wire::Breaking, Wire::Breaking), anchors());
            }
            return;
        }
        if o.get("type") != n.get("type") || o.get("format") != n.get("format") {
            let what = format!("type `{}` → `{}`", type_word(o), type_word(n));
            // `format: password` only marks a string as secret: the same text travels.
            let password = |v: &Value| v.get("format").and_then(Value::as_str) == Some("password");
            let plain = |v: &Value| v.get("format").is_none() || password(v);
            let marked_only = o.get("type") == n.get("type") && plain(o) && plain(n) && password(o) != password(n);
            let wire = if marked_only { Wire::None } else { dir.pick(Wire::Breaking, Wire::Breaking) };
            self.push(site, what, wire, anchors());
        }
        let nullable = |v: &Value| v.get("nullable").and_then(Value::as_bool).unwrap_or(false);
        match (nullable(o), nullable(n)) {
            (false, true) => {
                let wire = dir.pick(Wire::Compatible, Wire::Breaking);
                self.push(site, "now nullable".into(), wire, anchors());
            }
            (true, false) => {
                let wire = dir.pick(Wire::Breaking, Wire::Compatible);
                self.push(site, "no longer nullable".into(), wire, anchors());
            }
            _ => {}
        }
        self.enum_values(site, o, n, dir, at);
        self.properties(site, o, n, dir, at);
        for (key, suffix) in [("items", "[]"), ("additionalProperties", "{}")] {
            match (o.get(key), n.get(key)) {
                (Some(a), Some(b)) if a.is_object() && b.is_object() => {
                    self.schema(&nested(site, suffix), a, b, dir, &at.join(key));
                }
                (a, b) if a != b => {
                    self.push(site, format!("`{key}` changed"), dir.pick(Wire::Breaking, Wire::Breaking), anchors());
                }
                _ => {}
            }
        }
        for key in ["oneOf", "anyOf"] {
            self.alternatives(site, o, n, key, dir, at);
        }
        if o.get("allOf") != n.get("allOf") {
            let (a, b) = (o.get("allOf").and_then(Value::as_array), n.get("allOf").and_then(Value::as_array));
            match (a, b) {
                (Some(a), Some(b)) if a.len() == b.len() => {
                    for (i, (x, y)) in a.iter().zip(b).enumerate() {
                        self.schema(site, x, y, dir, &at.join("allOf").join(i));
                    }
                }
                _ => self.push(
                    site,
                    "`allOf` members changed".into(),
                    dir.pick(Wire::Breaking, Wire::Breaking),
                    anchors(),
                ),
            }
        }
        self.discriminator(site, o, n, dir, at);
        if o.get("deprecated") != n.get("deprecated") {
            self.push_leaf(site, "deprecation changed".into(), dir.pick(Wire::Compatible, Wire::Compatible), at);
        }
        if o.get("xml") != n.get("xml") {
            // Element and attribute names are the XML wire form, both ways.
            self.push(site, "`xml` changed".into(), dir.pick(Wire::Breaking, Wire::Breaking), anchors());
        }
        let v = |x: Option<&Value>| x.map_or_else(|| "(none)".to_owned(), show);
        for &k in CONSTRAINTS {
            if o.get(k) != n.get(k) {
                let moved = narrowing(k, o.get(k), n.get(k));
                let what = format!("`{k}` {} → {} ({})", v(o.get(k)), v(n.get(k)), moved.word());
                self.push(site, what, moved.wire(dir), anchors());
            }
        }
        if o.get("default") != n.get("default") {
            // A default is what the server assumes for an absent value. Nothing valid before
            // becomes invalid, so nothing breaks on the wire; but a caller that leaves the
            // value out now gets other behaviour, and a reader of an absent value should
            // assume the new one. That is a documented behaviour change, which deserves a
            // minor release (a changelog entry), not a silent patch.
            let what = format!(
                "`default` {} → {} (behaviour change for messages that leave it out)",
                v(o.get("default")),
                v(n.get("default"))
            );
            self.push(site, what, dir.pick(Wire::Compatible, Wire::Compatible), anchors());
        }
        let flag = |x: &Value, k: &str| x.get(k).and_then(Value::as_bool).unwrap_or(false);
        for (k, request, response) in [
            // `readOnly`: callers must stop sending it; servers still do.
            ("readOnly", Wire::Breaking, Wire::Compatible),
            // `writeOnly`: servers stop sending it to readers that may expect it.
            ("writeOnly", Wire::Compatible, Wire::Breaking),
        ] {
            match (flag(o, k), flag(n, k)) {
                (false, true) => self.push(site, format!("now `{k}`"), dir.pick(request, response), anchors()),
                // Dropping either only lets the property travel where it could not before.
                (true, false) => {
                    self.push(site, format!("no longer `{k}`"), dir.pick(Wire::Compatible, Wire::Compatible), anchors())
                }
                _ => {}
            }
        }
        self.prose(site, o, n, at);
        self.extensions(site, o, n, at);
        let known = |k: &str| {
            STRUCTURAL.contains(&k)
                || CONSTRAINTS.contains(&k)
                || BEHAVIOUR.contains(&k)
                || PROSE.contains(&k)
                || k.starts_with("x-")
        };
        let keys: BTreeSet<&String> =
            o.as_object().into_iter().chain(n.as_object()).flat_map(|m| m.keys()).filter(|k| !known(k)).collect();
        for k in keys {
            if o.get(k) != n.get(k) {
                self.push(site, format!("`{k}` changed"), dir.pick(Wire::Breaking, Wire::Compatible), anchors());
            }
        }
    }

    fn enum_values(&mut self, site: &str, o: &Value, n: &Value, dir: Dir, at: &Pointer) {
        let values = |v: &Value| -> Vec<String> {
            v.get("enum").and_then(Value::as_array).map(|a| a.iter().map(show).collect()).unwrap_or_default()
        };
        let (ov, nv) = (values(o), values(n));
        let anchor = at.join("enum");
        let mark = |s: &Value, v: &str| s.get(import::ENUM_REVISIONS).and_then(|m| m.get(v)).cloned();
        let spellings = |s: &Value, v: &str| s.get(import::ENUM_SPELLINGS).and_then(|m| m.get(v)).cloned();
        for v in ov.iter().filter(|v| !nv.contains(v)) {
            // Callers may no longer send it; a server that stops sending it breaks nobody.
            let wire = dir.pick(Wire::Breaking, Wire::Compatible);
            let om = mark(o, v);
            self.within(Marked::Present(om.as_ref()), Marked::Absent, |d| {
                d.push(site, format!("enum value `{v}` removed"), wire, vec![anchor.clone()])
            });
        }
        for v in nv.iter().filter(|v| !ov.contains(v)) {
            // Servers may now send it: compatible for clients that keep unknown values, as
            // ours do (a catch-all variant).
            let nm = mark(n, v);
            self.within(Marked::Absent, Marked::Present(nm.as_ref()), |d| {
                d.push(
                    site,
                    format!("enum value `{v}` added"),
                    dir.pick(Wire::Compatible, Wire::Compatible),
                    vec![anchor.clone()],
                )
            });
        }
        // A value both have: the revisions it is in, and how each spells it.
        for v in ov.iter().filter(|v| nv.contains(v)) {
            let (om, nm) = (mark(o, v), mark(n, v));
            let (os, ns) = (spellings(o, v), spellings(n, v));
            if om.is_none() && nm.is_none() && os.is_none() && ns.is_none() {
                continue;
            }
            self.within(Marked::Present(om.as_ref()), Marked::Present(nm.as_ref()), |d| {
                let vsite = format!("{site} enum value");
                d.spelling_change(&vsite, v, os.as_ref(), ns.as_ref(), &anchor)
            });
        }
    }

    fn properties(&mut self, site: &str, o: &Value, n: &Value, dir: Dir, at: &Pointer) {
        let props = |v: &Value| v.get("properties").and_then(Value::as_object).cloned().unwrap_or_default();
        let required = |v: &Value| -> BTreeSet<String> {
            v.get("required").and_then(Value::as_array).map(|a| a.iter().map(show).collect()).unwrap_or_default()
        };
        let (op, np, or, nr) = (props(o), props(n), required(o), required(n));
        let names: BTreeSet<&String> = op.keys().chain(np.keys()).collect();
        let mark = |s: &Value, p: &str| s.get(import::PROPERTY_REVISIONS).and_then(|m| m.get(p)).cloned();
        let spellings = |s: &Value, p: &str| s.get(import::PROPERTY_SPELLINGS).and_then(|m| m.get(p)).cloned();
        for name in names {
            let psite = nested(site, &format!(".{name}"));
            let anchor = at.join("properties").join(name);
            let (a, b) = (op.get(name), np.get(name));
            let (om, nm) = (mark(o, name), mark(n, name));
            let old = if a.is_some() { Marked::Present(om.as_ref()) } else { Marked::Absent };
            let new = if b.is_some() { Marked::Present(nm.as_ref()) } else { Marked::Absent };
            let (os, ns) = (spellings(o, name), spellings(n, name));
            self.within(old, new, |d| {
                let marked = om.is_some() || nm.is_some() || os.is_some() || ns.is_some();
                if a.is_some() && b.is_some() && marked {
                    d.spelling_change(&psite, name, os.as_ref(), ns.as_ref(), &anchor);
                }
                d.property(&psite, name, (a, b), (&or, &nr), dir, &anchor)
            });
        }
    }

    /// One property, in either version or both; `required` the old and new required names.
    fn property(
        &mut self,
        psite: &str,
        name: &String,
        (a, b): (Option<&Value>, Option<&Value>),
        (or, nr): (&BTreeSet<String>, &BTreeSet<String>),
        dir: Dir,
        anchor: &Pointer,
    ) {
        match (a, b) {
            (None, Some(_)) => {
                let (word, wire) = if nr.contains(name) {
                    ("required", dir.pick(Wire::Breaking, Wire::Compatible))
                } else {
                    ("optional", dir.pick(Wire::Compatible, Wire::Compatible))
                };
                self.push(psite, format!("{word} property added"), wire, vec![anchor.clone()]);
            }
            (Some(_), None) => {
                let wire = if or.contains(name) {
                    dir.pick(Wire::Compatible, Wire::Breaking)
                } else {
                    dir.pick(Wire::Compatible, Wire::Compatible)
                };
                self.push(psite, "property removed".into(), wire, vec![anchor.clone()]);
            }
            (Some(a), Some(b)) => {
                match (or.contains(name), nr.contains(name)) {
                    (false, true) => {
                        let wire = dir.pick(Wire::Breaking, Wire::Compatible);
                        self.push(psite, "made required".into(), wire, vec![anchor.clone()]);
                    }
                    (true, false) => {
                        let wire = dir.pick(Wire::Compatible, Wire::Breaking);
                        self.push(psite, "made optional".into(), wire, vec![anchor.clone()]);
                    }
                    _ => {}
                }
                self.schema(psite, a, b, dir, anchor);
            }
            (None, None) => {}
        }
    }

    /// `oneOf`/`anyOf` members, by their `$ref` (or their position when inline).
    fn alternatives(&mut self, site: &str, o: &Value, n: &Value, key: &str, dir: Dir, at: &Pointer) {
        let members = |v: &Value| -> Vec<(String, Value)> {
            v.get(key)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .enumerate()
                        .map(|(i, m)| (m.get("$ref").map_or_else(|| format!("#{i}"), show), m.clone()))
                        .collect()
                })
                .unwrap_or_default()
        };
        let (om, nm) = (members(o), members(n));
        let short = |r: &str| r.rsplit('/').next().unwrap_or(r).to_owned();
        for (i, (r, m)) in nm.iter().enumerate() {
            match om.iter().find(|(x, _)| x == r) {
                None => {
                    let wire = dir.pick(Wire::Compatible, Wire::Compatible);
                    self.push(site, format!("`{key}` member `{}` added", short(r)), wire, vec![at.clone()]);
                }
                Some((_, old)) if !r.starts_with('#') || old == m => {}
                Some((_, old)) => self.schema(site, old, m, dir, &at.join(key).join(i)),
            }
        }
        for (r, _) in om.iter().filter(|(r, _)| !nm.iter().any(|(x, _)| x == r)) {
            let wire = dir.pick(Wire::Breaking, Wire::Compatible);
            self.push(site, format!("`{key}` member `{}` removed", short(r)), wire, vec![at.clone()]);
        }
    }

    fn discriminator(&mut self, site: &str, o: &Value, n: &Value, dir: Dir, at: &Pointer) {
        let (od, nd) = (o.get("discriminator"), n.get("discriminator"));
        if od == nd {
            return;
        }
        let anchor = at.join("discriminator");
        let prop = |d: Option<&Value>| d.and_then(|d| d.get("propertyName")).map(show);
        if prop(od) != prop(nd) {
            let v = |p: Option<String>| p.unwrap_or_else(|| "(none)".into());
            let what = format!("discriminator `{}` → `{}`", v(prop(od)), v(prop(nd)));
            self.push(site, what, dir.pick(Wire::Breaking, Wire::Breaking), vec![anchor.clone()]);
        }
        let mapping = |d: Option<&Value>| -> BTreeMap<String, String> {
            d.and_then(|d| d.get("mapping"))
                .and_then(Value::as_object)
                .map(|m| m.iter().map(|(k, v)| (k.clone(), show(v))).collect())
                .unwrap_or_default()
        };
        let (om, nm) = (mapping(od), mapping(nd));
        let short = |r: &str| r.rsplit('/').next().unwrap_or(r).to_owned();
        for (tag, target) in &om {
            match nm.get(tag) {
                None => {
                    let wire = dir.pick(Wire::Breaking, Wire::Compatible);
                    self.push(site, format!("discriminator value `{tag}` removed"), wire, vec![anchor.clone()]);
                }
                Some(t) if t != target => {
                    let what = format!("discriminator value `{tag}`: `{}` → `{}`", short(target), short(t));
                    self.push(site, what, dir.pick(Wire::Breaking, Wire::Breaking), vec![anchor.clone()]);
                }
                Some(_) => {}
            }
        }
        for (tag, target) in nm.iter().filter(|(t, _)| !om.contains_key(*t)) {
            let what = format!("discriminator value `{tag}` → `{}` added", short(target));
            self.push(site, what, dir.pick(Wire::Compatible, Wire::Compatible), vec![anchor.clone()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{narrowing, nested, Narrowing};
    use serde_json::json;

    #[test]
    fn constraints_move_by_their_kind_of_bound() {
        let n =
            |k: &str, a: Option<serde_json::Value>, b: Option<serde_json::Value>| narrowing(k, a.as_ref(), b.as_ref());
        assert_eq!(n("maxProperties", Some(json!(3)), Some(json!(4))), Narrowing::Looser);
        assert_eq!(n("minProperties", Some(json!(3)), Some(json!(4))), Narrowing::Tighter);
        assert_eq!(n("exclusiveMaximum", Some(json!(3)), Some(json!(4))), Narrowing::Looser);
        assert_eq!(n("exclusiveMinimum", Some(json!(true)), Some(json!(false))), Narrowing::Looser);
        assert_eq!(n("exclusiveMinimum", None, Some(json!(false))), Narrowing::Looser);
        assert_eq!(n("exclusiveMinimum", Some(json!(true)), Some(json!(0))), Narrowing::Both);
        assert_eq!(n("uniqueItems", None, Some(json!(true))), Narrowing::Tighter);
        assert_eq!(n("uniqueItems", Some(json!(true)), Some(json!(false))), Narrowing::Looser);
        assert_eq!(n("multipleOf", Some(json!(10)), Some(json!(5))), Narrowing::Looser);
        assert_eq!(n("multipleOf", Some(json!(5)), Some(json!(10))), Narrowing::Tighter);
        assert_eq!(n("multipleOf", Some(json!(4)), Some(json!(6))), Narrowing::Both);
        assert_eq!(n("pattern", Some(json!("a")), Some(json!("b"))), Narrowing::Both);
    }

    #[test]
    fn nested_sites_keep_their_code_spans_balanced() {
        assert_eq!(nested("`Job`", ".name"), "`Job.name`");
        assert_eq!(nested("`Job.tags`", "[]"), "`Job.tags[]`");
        assert_eq!(nested("`GET /jobs` request body", ".name"), "`GET /jobs` request body `name`");
        assert_eq!(nested(&nested("`GET /jobs` request body", ".name"), "[]"), "`GET /jobs` request body `name[]`");
    }
}
