//! The Rust half of `spec-diff`: what changes in the generated client's public API, and
//! whether downstream code keeps compiling with the same meaning.
//!
//! What breaks follows from what the generator emits, read from the surface itself
//! ([`generator::surface`] records `Default` and `#[non_exhaustive]`):
//!
//! - A struct that is not `#[non_exhaustive]` is built with a literal: any new field breaks
//!   it, even in a struct that derives `Default` (unless the caller wrote
//!   `..Default::default()`).
//! - A `#[non_exhaustive]` struct is built with `new(required..)` and `with_<field>`
//!   setters: a new optional field is additive; a new required field is a new argument of
//!   `new`, which breaks every call of it. That holds for response types too: users do not
//!   build responses, but their tests do (a mock handler answers with `Type::new(..)`, as
//!   README's "Testing your code without a Veeam server" shows), so it is breaking.
//! - An enum that is not `#[non_exhaustive]` breaks exhaustive `match`es with every new
//!   variant. Its catch-all variant (`UnknownValue`) keeps the wire compatible, but a `match`
//!   that lists every variant, the catch-all included, stops compiling. A
//!   `#[non_exhaustive]` enum's `match`es already have a wildcard arm: a new variant is
//!   additive.

use std::collections::{BTreeMap, BTreeSet};

use generator::surface::{ItemKind, Surface, SurfaceItem, NON_EXHAUSTIVE};
use generator::{Document, Pointer};
use serde_json::Value;

/// What a change does to code that uses the generated crate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RustImpact {
    /// The public API is unchanged.
    None,
    /// Only doc comments change.
    Docs,
    /// New items; existing code compiles and means the same.
    Additive,
    /// Existing code stops compiling or changes meaning.
    Breaking,
}

impl RustImpact {
    /// The word a report uses.
    pub fn as_str(self) -> &'static str {
        match self {
            RustImpact::None => "none",
            RustImpact::Docs => "docs",
            RustImpact::Additive => "additive",
            RustImpact::Breaking => "breaking",
        }
    }
}

/// One change of a public item.
#[derive(Clone, Debug)]
pub struct RustChange {
    /// The sentence a report shows, with full paths: `` `vbr::types::Job::id`: `i32` → `i64` ``.
    pub text: String,
    /// Its classification.
    pub impact: RustImpact,
    /// The spec element the item comes from.
    pub anchor: Pointer,
    /// The item was renamed (and is otherwise the same).
    pub renamed: bool,
}

/// The top-level item a key belongs to: `types::Job` for `types::Job::id`, `Client::m` for
/// `Client::m(arg)` and `Client::m ->`.
fn parent(key: &str) -> &str {
    // An argument or a return type belongs to its method (`Client::m`, `types::T::wait`).
    if let Some(end) = key.find('(').or_else(|| key.find(" ->")) {
        return &key[..end];
    }
    match key.match_indices("::").nth(1) {
        Some((i, _)) => &key[..i],
        None => key,
    }
}

/// Whether a struct's or enum's signature carries `word` (`Default`, `non_exhaustive`).
fn has(item: &SurfaceItem, word: &str) -> bool {
    item.signature.split(", ").any(|w| w == word)
}

/// Whether a new field is one a `#[non_exhaustive]` struct's `new` takes: a property the
/// spec lists as `required` that is not nullable (read from `doc`, the new document, at the
/// field's element; the generator's `new` leaves a nullable field out, as `None`, and gives it
/// a setter), or, for a field whose element is no property (a `Params` field), one that is not
/// an `Option`.
fn required_field(doc: &Document, field: &SurfaceItem) -> bool {
    let anchor = &field.anchor;
    let object = anchor.parent().filter(|p| p.last().as_deref() == Some("properties")).and_then(|p| p.parent());
    match (object.and_then(|o| doc.raw.pointer(o.as_str())), anchor.last()) {
        (Some(schema), Some(name)) => {
            let required = schema
                .get("required")
                .and_then(Value::as_array)
                .is_some_and(|r| r.iter().any(|n| n.as_str() == Some(name.as_str())));
            let property = schema.get("properties").and_then(|p| p.get(name.as_str()));
            let nullable = property.is_some_and(|p| {
                p.get("nullable").and_then(Value::as_bool) == Some(true)
                    || p.get("type").and_then(Value::as_array).is_some_and(|t| t.iter().any(|t| t == "null"))
            });
            required && !nullable
        }
        _ => !field.signature.starts_with("Option<"),
    }
}

/// Compares two surfaces of the module `module` (`vbr`); `new_doc` is the document `new` was
/// generated from (it says which new fields are required).
pub fn diff(old: &Surface, new: &Surface, module: &str, new_doc: &Document) -> Vec<RustChange> {
    let full = |key: &str| format!("`{module}::{}`", key.trim_end_matches(" ->"));
    let mut out = Vec::new();
    let renames = renames(old, new);
    let mut rename_of: BTreeMap<&str, &str> = BTreeMap::new();
    for (from, to) in &renames {
        rename_of.insert(from.as_str(), to.as_str());
        let item = &new.items[to.as_str()];
        let text = format!("{} renamed to {}", full(from), full(to));
        out.push(RustChange { text, impact: RustImpact::Breaking, anchor: item.anchor.clone(), renamed: true });
    }
    // An old key as it would be spelled after its parent's rename.
    let mapped = |key: &str| -> String {
        let p = parent(key);
        match rename_of.get(p) {
            Some(to) if p != key => format!("{to}{}", &key[p.len()..]),
            Some(to) => (*to).to_owned(),
            None => key.to_owned(),
        }
    };
    // Old signatures spelled with the renamed types' new names, so a renamed type shows once,
    // not again in every signature that mentions it.
    let type_renames: Vec<(&str, &str)> = renames
        .iter()
        .filter_map(|(from, to)| Some((from.strip_prefix("types::")?, to.strip_prefix("types::")?)))
        .collect();
    let old_items: BTreeMap<String, SurfaceItem> = old
        .items
        .iter()
        .map(|(k, v)| {
            let signature = type_renames.iter().fold(v.signature.clone(), |s, (from, to)| replace_word(&s, from, to));
            (mapped(k), SurfaceItem { signature, ..v.clone() })
        })
        .collect();
    let old_parents: BTreeSet<&str> = old_items.keys().map(|k| parent(k)).collect();
    let new_parents: BTreeSet<&str> = new.items.keys().map(|k| parent(k)).collect();
    for (key, before) in &old_items {
        match new.items.get(key) {
            None if parent(key) != key && !new_parents.contains(parent(key)) => {}
            None => {
                let text = format!("{} removed ({})", full(key), before.kind.as_str());
                out.push(RustChange {
                    text,
                    impact: RustImpact::Breaking,
                    anchor: before.anchor.clone(),
                    renamed: false,
                });
            }
            Some(after) if after.signature != before.signature || after.kind != before.kind => {
                out.push(changed(&full(key), before, after));
            }
            Some(_) => {}
        }
    }
    for (key, after) in &new.items {
        if old_items.contains_key(key) || rename_of.values().any(|to| to == key) {
            continue;
        }
        let is_child = parent(key) != key;
        if is_child && !old_parents.contains(parent(key)) {
            // A part of a new item; the item's addition says it.
            continue;
        }
        let owner = new.items.get(parent(key));
        let sealed = owner.is_some_and(|o| has(o, NON_EXHAUSTIVE));
        let (impact, why) = match after.kind {
            ItemKind::Field if !sealed => (
                RustImpact::Breaking,
                format!(
                    "; struct literals of `{module}::{}` must name it: the struct is not `#[non_exhaustive]`",
                    parent(key)
                ),
            ),
            ItemKind::Field if required_field(new_doc, after) => (
                RustImpact::Breaking,
                format!(
                    "; required, so `{module}::{}::new` takes it and every call must pass it (requests callers \
                     build, responses their mocks build)",
                    parent(key)
                ),
            ),
            ItemKind::Field => (
                RustImpact::Additive,
                format!("; optional: `{module}::{}` is `#[non_exhaustive]` and `new` does not take it", parent(key)),
            ),
            ItemKind::Variant if !sealed => (
                RustImpact::Breaking,
                "; exhaustive `match`es must handle it: the enum is not `#[non_exhaustive]` (its catch-all \
                 variant keeps only the wire compatible); a value that arrived in the catch-all variant now \
                 arrives here"
                    .to_owned(),
            ),
            ItemKind::Variant => (
                RustImpact::Additive,
                "; the enum is `#[non_exhaustive]`, so `match`es have a wildcard arm; a value that arrived in the \
                 catch-all variant now arrives here"
                    .to_owned(),
            ),
            ItemKind::Argument => (RustImpact::Breaking, "; every call must pass it".to_owned()),
            _ => (RustImpact::Additive, String::new()),
        };
        let text = format!("{} added ({}{why})", full(key), after.kind.as_str());
        out.push(RustChange { text, impact, anchor: after.anchor.clone(), renamed: false });
    }
    out
}

/// `text` with each whole identifier `from` replaced by `to`.
fn replace_word(text: &str, from: &str, to: &str) -> String {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(from) {
        let before = rest[..i].chars().next_back();
        let after = rest[i + from.len()..].chars().next();
        out.push_str(&rest[..i]);
        if before.is_some_and(ident) || after.is_some_and(ident) {
            out.push_str(from);
        } else {
            out.push_str(to);
        }
        rest = &rest[i + from.len()..];
    }
    out.push_str(rest);
    out
}

fn changed(path: &str, before: &SurfaceItem, after: &SurfaceItem) -> RustChange {
    let anchor = after.anchor.clone();
    let (text, impact) = match after.kind {
        ItemKind::Struct if has(before, "Default") && !has(after, "Default") => {
            (format!("{path} no longer implements `Default`"), RustImpact::Breaking)
        }
        ItemKind::Struct if !has(before, "Default") && has(after, "Default") => {
            (format!("{path} now implements `Default`"), RustImpact::Additive)
        }
        ItemKind::Struct | ItemKind::Enum if !has(before, NON_EXHAUSTIVE) && has(after, NON_EXHAUSTIVE) => {
            (format!("{path} is now `#[non_exhaustive]`"), RustImpact::Breaking)
        }
        ItemKind::Struct | ItemKind::Enum if has(before, NON_EXHAUSTIVE) && !has(after, NON_EXHAUSTIVE) => {
            (format!("{path} is no longer `#[non_exhaustive]`"), RustImpact::Additive)
        }
        ItemKind::Method => (format!("{path}: `{}` → `{}`", before.signature, after.signature), RustImpact::Breaking),
        ItemKind::Returns => {
            (format!("{path} return type: `{}` → `{}`", before.signature, after.signature), RustImpact::Breaking)
        }
        kind if kind != before.kind => {
            (format!("{path}: {} → {}", before.kind.as_str(), kind.as_str()), RustImpact::Breaking)
        }
        _ => (format!("{path}: `{}` → `{}`", before.signature, after.signature), RustImpact::Breaking),
    };
    RustChange { text, impact, anchor, renamed: false }
}

/// Top-level items that disappeared and reappeared under another name at the same spec
/// element (an `operationId` or schema renamed): old key → new key, in key order.
fn renames(old: &Surface, new: &Surface) -> Vec<(String, String)> {
    let top = |s: &Surface| -> Vec<String> { s.items.keys().filter(|k| parent(k) == k.as_str()).cloned().collect() };
    let gone: Vec<String> = top(old).into_iter().filter(|k| !new.items.contains_key(k)).collect();
    let mut fresh: Vec<String> = top(new).into_iter().filter(|k| !old.items.contains_key(k)).collect();
    let mut out = Vec::new();
    for from in gone {
        let a = &old.items[&from];
        // Same kind and element; the same signature first (a method and its `_stream`
        // sibling share an element but not `async`).
        let same = |k: &String, sig: bool| {
            let b = &new.items[k];
            b.kind == a.kind && b.anchor == a.anchor && (!sig || b.signature == a.signature)
        };
        let pick = fresh.iter().position(|k| same(k, true)).or_else(|| fresh.iter().position(|k| same(k, false)));
        if let Some(i) = pick {
            out.push((from, fresh.remove(i)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{diff, parent, replace_word, RustImpact};
    use generator::surface::{ItemKind, Surface, SurfaceItem};
    use generator::{Document, Pointer};

    /// `Job` (a struct; `id` required, `name` optional, a response type) and `EState` (an enum)
    /// with the attributes given, and the fields and variants listed.
    fn surface(attrs: &str, fields: &[(&str, &str)], variants: &[&str]) -> Surface {
        let job = Pointer::root().join("components").join("schemas").join("Job");
        let state = Pointer::root().join("components").join("schemas").join("EState");
        let item = |kind, signature: &str, anchor: Pointer| SurfaceItem { kind, signature: signature.into(), anchor };
        let mut s = Surface::default();
        s.items.insert("types::Job".into(), item(ItemKind::Struct, attrs, job.clone()));
        s.items.insert("types::EState".into(), item(ItemKind::Enum, attrs, state.clone()));
        for (name, ty) in fields {
            let anchor = job.join("properties").join(name);
            s.items.insert(format!("types::Job::{name}"), item(ItemKind::Field, ty, anchor));
        }
        for v in variants {
            s.items.insert(format!("types::EState::{v}"), item(ItemKind::Variant, "", state.join("enum")));
        }
        s
    }

    fn doc() -> Document {
        let spec = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    Job:\n      type: object\n      required: [id, state]\n      properties:\n        id: {type: string}\n        state: {type: string, nullable: true}\n        name: {type: string}\n";
        Document::parse("t.yaml", spec).unwrap()
    }

    /// The impact of each change from `old` to `new`.
    fn impacts(old: &Surface, new: &Surface) -> Vec<(String, RustImpact)> {
        diff(old, new, "m", &doc()).into_iter().map(|c| (c.text, c.impact)).collect()
    }

    #[test]
    fn an_optional_field_added_to_a_non_exhaustive_struct_is_additive() {
        let old = surface("non_exhaustive", &[("id", "String")], &[]);
        let new = surface("non_exhaustive", &[("id", "String"), ("name", "Option<String>")], &[]);
        let [(text, impact)] = <[_; 1]>::try_from(impacts(&old, &new)).unwrap();
        assert_eq!(impact, RustImpact::Additive, "{text}");
    }

    /// `new` gains an argument: callers building a request and mocks building a response
    /// both stop compiling. The spec says which fields are required; a required field that is
    /// nullable is not taken by `new` (it starts as `None` and has a setter), so adding one is
    /// additive.
    #[test]
    fn a_required_field_added_to_a_non_exhaustive_struct_breaks_new() {
        let old = surface("Default, non_exhaustive", &[("name", "Option<String>")], &[]);
        let new = surface("Default, non_exhaustive", &[("name", "Option<String>"), ("id", "String")], &[]);
        let [(text, impact)] = <[_; 1]>::try_from(impacts(&old, &new)).unwrap();
        assert_eq!(impact, RustImpact::Breaking, "{text}");
        assert!(text.contains("`m::types::Job::new` takes it"), "{text}");
        let nullable =
            surface("Default, non_exhaustive", &[("name", "Option<String>"), ("state", "Option<String>")], &[]);
        let [(text, impact)] = <[_; 1]>::try_from(impacts(&old, &nullable)).unwrap();
        assert_eq!(impact, RustImpact::Additive, "a required nullable field has a setter: {text}");
    }

    #[test]
    fn any_field_added_to_an_exhaustive_struct_breaks_its_literals() {
        let old = surface("Default", &[("id", "String")], &[]);
        let new = surface("Default", &[("id", "String"), ("name", "Option<String>")], &[]);
        assert_eq!(impacts(&old, &new)[0].1, RustImpact::Breaking);
    }

    #[test]
    fn a_field_removed_breaks_even_a_non_exhaustive_struct() {
        let old = surface("non_exhaustive", &[("id", "String"), ("name", "Option<String>")], &[]);
        let new = surface("non_exhaustive", &[("id", "String")], &[]);
        assert_eq!(impacts(&old, &new)[0].1, RustImpact::Breaking);
    }

    /// The catch-all variant keeps unknown values on the wire; only `#[non_exhaustive]` keeps
    /// a `match` that names every variant compiling.
    #[test]
    fn a_variant_added_is_additive_only_in_a_non_exhaustive_enum() {
        let old = surface("", &[], &["Idle", "UnknownValue"]);
        let new = surface("", &[], &["Idle", "Suspended", "UnknownValue"]);
        assert_eq!(impacts(&old, &new)[0].1, RustImpact::Breaking);
        let old = surface("non_exhaustive", &[], &["Idle", "UnknownValue"]);
        let new = surface("non_exhaustive", &[], &["Idle", "Suspended", "UnknownValue"]);
        assert_eq!(impacts(&old, &new)[0].1, RustImpact::Additive);
    }

    #[test]
    fn renames_replace_whole_identifiers_only() {
        assert_eq!(replace_word("Option<&types::Job>", "Job", "Task"), "Option<&types::Task>");
        assert_eq!(replace_word("Vec<JobSpec>", "Job", "Task"), "Vec<JobSpec>");
        assert_eq!(replace_word("(Job, Job)", "Job", "Task"), "(Task, Task)");
    }

    #[test]
    fn the_parent_of_a_key_is_its_top_level_item() {
        for (key, expected) in [
            ("types::Job", "types::Job"),
            ("types::Job::id", "types::Job"),
            ("Client::get_job", "Client::get_job"),
            ("Client::get_job(id)", "Client::get_job"),
            ("Client::get_job ->", "Client::get_job"),
        ] {
            assert_eq!(parent(key), expected, "{key}");
        }
    }
}
