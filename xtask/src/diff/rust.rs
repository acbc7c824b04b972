//! The Rust half of `spec-diff`: what changes in the generated client's public API, and
//! whether downstream code keeps compiling with the same meaning.
//!
//! What breaks follows from what the generator emits: structs with named fields are
//! `#[non_exhaustive]` and built with `new` and `with_*` setters, so a new field is additive,
//! unless `new` takes it (a required field: a new argument of `new` breaks every call); string
//! enums are not `#[non_exhaustive]` (a new variant breaks exhaustive `match`es, and a value
//! that used to arrive as the catch-all variant now arrives as the new one).

use std::collections::{BTreeMap, BTreeSet};

use generator::surface::{ItemKind, Surface, SurfaceItem};
use generator::Pointer;

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

/// Compares two surfaces of the module `module` (`vbr`).
pub fn diff(old: &Surface, new: &Surface, module: &str) -> Vec<RustChange> {
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
        let (impact, why) = match after.kind {
            ItemKind::Field
                if new.items.get(parent(key)).is_some_and(|s| s.signature.contains("#[non_exhaustive]")) =>
            {
                (RustImpact::Additive, String::new())
            }
            ItemKind::Field => (
                RustImpact::Breaking,
                format!(
                    "; struct literals of `{module}::{}` must name it: the struct is not `#[non_exhaustive]`",
                    parent(key)
                ),
            ),
            ItemKind::Variant => (
                RustImpact::Breaking,
                "; exhaustive `match`es must handle it, and a value that arrived in the catch-all variant now \
                 arrives here"
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
        ItemKind::Struct if before.signature.contains("Default") && !after.signature.contains("Default") => {
            (format!("{path} no longer implements `Default`"), RustImpact::Breaking)
        }
        ItemKind::Struct if !before.signature.contains("Default") && after.signature.contains("Default") => {
            (format!("{path} now implements `Default`"), RustImpact::Additive)
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
    use super::{parent, replace_word};

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
