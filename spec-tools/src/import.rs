//! `spec-import`: brings whole sections (tags) of a vendor's published documents into a
//! curated spec, with the closure of the components they use, and marks every element with
//! the revisions of the vendor's documents it exists in.
//!
//! The import is the mechanical half of curation; the other half (extensions such as
//! `x-pagination`, fixes, declared deviations) is a separate, reviewed step. So the import:
//!
//! - **adds what is missing and never rewrites what is there.** An operation or component
//!   the curated spec already has keeps its text; only properties and enum values the
//!   vendor added are merged in, unless the curated spec declares their absence
//!   (`x-deviation` keys `property NAME` or `enum`). What else the vendor changed in an
//!   element the spec has is for `spec-audit` to report, and for a person to take or declare;
//! - **takes each new element from the newest document that has it**, and drops the vendor's
//!   own `x-veeam-*` extensions (authorization claims and internal model references that no
//!   client reads);
//! - **marks revisions** as ranges over the documents given, oldest first: `x-revisions:
//!   1.3-rev1..` (from 1.3-rev1 on), `1.2-rev1..1.3-rev0` (removed after 1.3-rev0),
//!   `1.3-rev0..1.3-rev0, 1.3-rev2..` (gone in between). Every operation and component
//!   schema carries its mark. A parameter, property or enum value is marked only where it
//!   differs from its operation's or schema's (properties in the schema's
//!   `x-property-revisions`, enum values in its `x-enum-revisions`), so one added field is
//!   one added line.
//!
//! Re-running the import after the vendor publishes a new revision therefore shows, through
//! `spec-diff`, what the new revision adds, and through the marks what it removed.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde_json::{Map, Value};

use crate::sections::{path_key, Joined};

/// The HTTP methods of a path item.
const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// The extension that marks an element's revisions.
pub const REVISIONS: &str = "x-revisions";
/// A schema's map from property name to its revisions, where they differ from the schema's.
pub const PROPERTY_REVISIONS: &str = "x-property-revisions";
/// A schema's map from enum value to its revisions, where they differ from the schema's.
pub const ENUM_REVISIONS: &str = "x-enum-revisions";

/// One published document: its revision's name and its tree.
pub struct Source {
    /// `1.3-rev2`.
    pub revision: String,
    /// The document.
    pub doc: Value,
}

/// What an import changed.
#[derive(Default, Debug)]
pub struct Report {
    /// `GET /api/v1/jobs (GetAllJobs)` for each operation added.
    pub operations: Vec<String>,
    /// `schemas/JobModel` for each component added.
    pub components: Vec<String>,
    /// `schemas/JobModel: property description` for each member merged into an existing one.
    pub members: Vec<String>,
    /// Operations of the sections that were already curated (their marks were refreshed).
    pub kept: usize,
}

/// The sections one can import: each operation's tag in the newest document that has it (a
/// section Veeam renamed is known by its new name), in the newest documents' order.
pub fn sections(sources: &[Source]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (_, _, tag) in union(sources) {
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    out
}

/// Every operation of any source as (path, method, its tag in the newest source that has it):
/// the newest source's operations in its order, then those only older ones have.
fn union(sources: &[Source]) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = Vec::new();
    for source in sources.iter().rev() {
        for (path, method, op) in operations(&source.doc) {
            if !out.iter().any(|(p, m, _)| *p == path && *m == method) {
                let tag = op.pointer("/tags/0").and_then(Value::as_str).unwrap_or("untagged").to_owned();
                out.push((path, method, tag));
            }
        }
    }
    out
}

/// (path, method, operation) of a document, in its order.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc.get("paths").and_then(Value::as_object).into_iter().flatten() {
        for method in METHODS {
            if let Some(op) = item.get(*method) {
                out.push((path.clone(), (*method).to_owned(), op.clone()));
            }
        }
    }
    out
}

/// Imports `sections` (tag names) from `sources` (oldest first) into `curated`.
pub fn import(curated: &mut Joined, sources: &[Source], sections: &[String]) -> Result<Report> {
    if sources.is_empty() {
        bail!("no published document to import from");
    }
    let names: Vec<&str> = sources.iter().map(|s| s.revision.as_str()).collect();
    let mut report = Report::default();
    let mut roots: Vec<String> = Vec::new();
    for section in sections {
        let keys: Vec<(String, String)> =
            union(sources).into_iter().filter(|(_, _, tag)| tag == section).map(|(p, m, _)| (p, m)).collect();
        if keys.is_empty() {
            bail!("no document has a section `{section}`; the sections are: {}", self::sections(sources).join(", "));
        }
        add_tag(curated, sources, section);
        for (path, method) in keys {
            let present: Vec<usize> = (0..sources.len())
                .filter(|&i| sources[i].doc.pointer(&format!("{}/{method}", path_key(&path))).is_some())
                .collect();
            let newest = &sources[*present.last().expect("found in a source")].doc;
            let at = format!("{}/{method}", path_key(&path));
            let exists = curated.doc.pointer(&at).is_some();
            if exists {
                report.kept += 1;
            } else {
                let mut op = newest.pointer(&at).cloned().unwrap_or_default();
                clean(&mut op);
                let id = op.get("operationId").and_then(Value::as_str).unwrap_or_default().to_owned();
                insert_operation(&mut curated.doc, &path, &method, op, newest);
                report.operations.push(format!("{} {path} ({id})", method.to_uppercase()));
            }
            let op = curated.doc.pointer_mut(&at).expect("just inserted");
            mark(op, &range(&present, &names));
            mark_parameters(op, sources, &at, &present, &names);
            roots.push(at);
        }
    }
    // The closure of the components the sections' operations use.
    let mut work: Vec<String> = Vec::new();
    for at in &roots {
        let mut refs = Vec::new();
        crate::sections::references(curated.doc.pointer(at).unwrap_or(&Value::Null), &mut refs);
        work.extend(refs);
    }
    let mut done: Vec<String> = Vec::new();
    while let Some(reference) = work.pop() {
        let Some(fragment) = reference.strip_prefix('#') else { continue };
        let tokens: Vec<&str> = fragment.split('/').collect();
        let key = match tokens.as_slice() {
            ["", "components", kind, name, ..] => format!("/components/{kind}/{name}"),
            _ => continue,
        };
        if done.contains(&key) {
            continue;
        }
        done.push(key.clone());
        let present: Vec<usize> = (0..sources.len()).filter(|&i| sources[i].doc.pointer(&key).is_some()).collect();
        let Some(&newest) = present.last() else { continue };
        let (kind, name) = crate::sections::component_name(&key).expect("a component key");
        match curated.doc.pointer(&key) {
            None => {
                let mut value = sources[newest].doc.pointer(&key).cloned().unwrap_or_default();
                clean(&mut value);
                insert_component(&mut curated.doc, &kind, &name, value);
                report.components.push(format!("{kind}/{name}"));
            }
            Some(_) if kind == "schemas" => {
                let ours = curated.doc.pointer_mut(&key).expect("present");
                for member in merge_schema(ours, &sources[newest].doc.pointer(&key).cloned().unwrap_or_default()) {
                    report.members.push(format!("{kind}/{name}: {member}"));
                }
            }
            Some(_) => {}
        }
        if matches!(kind.as_str(), "schemas" | "parameters" | "responses" | "requestBodies") {
            let value = curated.doc.pointer_mut(&key).expect("present");
            mark(value, &range(&present, &names));
            if kind == "schemas" {
                mark_members(value, sources, &key, &present, &names);
            }
        }
        let mut refs = Vec::new();
        crate::sections::references(curated.doc.pointer(&key).unwrap_or(&Value::Null), &mut refs);
        work.extend(refs);
    }
    Ok(report)
}

/// Adds the section's tag object (from the newest source that has it) after the tags there.
fn add_tag(curated: &mut Joined, sources: &[Source], section: &str) {
    let has = |doc: &Value| {
        doc.get("tags")
            .and_then(Value::as_array)
            .and_then(|t| t.iter().find(|t| t.get("name").and_then(Value::as_str) == Some(section)).cloned())
    };
    if has(&curated.doc).is_some() {
        return;
    }
    let tag = sources.iter().rev().find_map(|s| has(&s.doc)).unwrap_or_else(|| serde_json::json!({ "name": section }));
    let Some(map) = curated.doc.as_object_mut() else { return };
    let tags = map.entry("tags").or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(list) = tags {
        let mut tag = tag;
        clean(&mut tag);
        list.push(tag);
    }
}

fn insert_operation(doc: &mut Value, path: &str, method: &str, op: Value, newest: &Value) {
    let Some(map) = doc.as_object_mut() else { return };
    let paths = map.entry("paths").or_insert_with(|| Value::Object(Map::new()));
    let Some(paths) = paths.as_object_mut() else { return };
    let item = paths.entry(path.to_owned()).or_insert_with(|| Value::Object(Map::new()));
    let Some(item) = item.as_object_mut() else { return };
    item.insert(method.to_owned(), op);
    // Methods in the order the vendor's path item has them.
    let order: Vec<&str> = newest
        .pointer(&path_key(path))
        .and_then(Value::as_object)
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let mut entries: Vec<(String, Value)> = std::mem::take(item).into_iter().collect();
    entries.sort_by_key(|(k, _)| order.iter().position(|o| o == k).unwrap_or(usize::MAX));
    item.extend(entries);
}

fn insert_component(doc: &mut Value, kind: &str, name: &str, value: Value) {
    let Some(map) = doc.as_object_mut() else { return };
    let components = map.entry("components").or_insert_with(|| Value::Object(Map::new()));
    let Some(components) = components.as_object_mut() else { return };
    let members = components.entry(kind.to_owned()).or_insert_with(|| Value::Object(Map::new()));
    if let Some(members) = members.as_object_mut() {
        members.insert(name.to_owned(), value);
    }
}

/// Merges what `theirs` has and `ours` lacks into a curated schema: properties and enum
/// values, unless `x-deviation` declares their absence. Returns what was added.
fn merge_schema(ours: &mut Value, theirs: &Value) -> Vec<String> {
    let mut added = Vec::new();
    let declared = |ours: &Value, key: &str| {
        ours.pointer(&format!("/x-deviation/{}", key.replace('~', "~0").replace('/', "~1"))).is_some()
    };
    if let (Some(their_props), true) =
        (theirs.get("properties").and_then(Value::as_object), ours.get("properties").is_some())
    {
        let missing: Vec<(String, Value)> = their_props
            .iter()
            .filter(|(name, _)| {
                ours.pointer(&format!("/properties/{}", name.replace('~', "~0").replace('/', "~1"))).is_none()
            })
            .filter(|(name, _)| !declared(ours, &format!("property {name}")))
            .map(|(n, v)| (n.clone(), v.clone()))
            .collect();
        if let Some(props) = ours.get_mut("properties").and_then(Value::as_object_mut) {
            for (name, mut value) in missing {
                clean(&mut value);
                props.insert(name.clone(), value);
                added.push(format!("property {name}"));
            }
        }
    }
    if let (Some(their_values), false) = (theirs.get("enum").and_then(Value::as_array), declared(ours, "enum")) {
        if let Some(values) = ours.get_mut("enum").and_then(Value::as_array_mut) {
            for value in their_values {
                if !values.iter().any(|v| same_spelling_aside(v, value)) {
                    values.push(value.clone());
                    added.push(format!("enum value {value}"));
                }
            }
        }
    }
    added
}

/// Two enum values that are the same or differ only in case (`pfx` and `Pfx`: a respelling,
/// which the curated spec resolves by hand).
fn same_spelling_aside(a: &Value, b: &Value) -> bool {
    match (a.as_str(), b.as_str()) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => a == b,
    }
}

/// Sets the revision mark of an operation or component.
fn mark(value: &mut Value, revisions: &str) {
    if let Some(map) = value.as_object_mut() {
        if map.get("$ref").is_none() {
            map.insert(REVISIONS.to_owned(), Value::String(revisions.to_owned()));
        }
    }
}

/// Marks the inline parameters of an operation present in fewer revisions than it is.
fn mark_parameters(op: &mut Value, sources: &[Source], at: &str, present: &[usize], names: &[&str]) {
    let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) else { return };
    for param in params {
        let Some(name) = param.get("name").and_then(Value::as_str).map(str::to_owned) else { continue };
        let has: Vec<usize> = present
            .iter()
            .copied()
            .filter(|&i| {
                sources[i].doc.pointer(&format!("{at}/parameters")).and_then(Value::as_array).is_some_and(|list| {
                    list.iter().any(|p| p.get("name").and_then(Value::as_str) == Some(name.as_str()))
                })
            })
            .collect();
        set_or_clear(param, REVISIONS, (!has.is_empty() && has != present).then(|| range(&has, names)));
    }
}

/// Marks the properties and enum values of a schema present in fewer revisions than it is
/// (`none`: in no published revision, which only a curated addition can be).
fn mark_members(schema: &mut Value, sources: &[Source], key: &str, present: &[usize], names: &[&str]) {
    let in_revisions = |pointer: &dyn Fn(&Value) -> bool| -> Option<String> {
        let has: Vec<usize> = present.iter().copied().filter(|&i| pointer(&sources[i].doc)).collect();
        (has != present).then(|| if has.is_empty() { "none".to_owned() } else { range(&has, names) })
    };
    let mut properties = Map::new();
    for name in schema.get("properties").and_then(Value::as_object).into_iter().flat_map(|m| m.keys()) {
        let at = format!("{key}/properties/{}", name.replace('~', "~0").replace('/', "~1"));
        if let Some(mark) = in_revisions(&|doc: &Value| doc.pointer(&at).is_some()) {
            properties.insert(name.clone(), Value::String(mark));
        }
    }
    let mut values = Map::new();
    for value in schema.get("enum").and_then(Value::as_array).into_iter().flatten() {
        let Some(text) = value.as_str() else { continue };
        let at = format!("{key}/enum");
        let has = |doc: &Value| doc.pointer(&at).and_then(Value::as_array).is_some_and(|l| l.contains(value));
        if let Some(mark) = in_revisions(&has) {
            values.insert(text.to_owned(), Value::String(mark));
        }
    }
    let Some(map) = schema.as_object_mut() else { return };
    for (key, marks) in [(PROPERTY_REVISIONS, properties), (ENUM_REVISIONS, values)] {
        if marks.is_empty() {
            map.remove(key);
        } else {
            map.insert(key.to_owned(), Value::Object(marks));
        }
    }
}

fn set_or_clear(value: &mut Value, key: &str, mark: Option<String>) {
    let Some(map) = value.as_object_mut() else { return };
    if map.get("$ref").is_some() {
        return;
    }
    match mark {
        Some(mark) => {
            map.insert(key.to_owned(), Value::String(mark));
        }
        None => {
            map.remove(key);
        }
    }
}

/// `[1, 2, 3]` of four revisions → `1.3-rev0..`; `[0, 1]` → `1.2-rev1..1.3-rev0`; gaps give
/// several ranges joined by `, `.
pub fn range(present: &[usize], names: &[&str]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < present.len() {
        let start = present[i];
        let mut end = start;
        while i + 1 < present.len() && present[i + 1] == end + 1 {
            i += 1;
            end = present[i];
        }
        if end + 1 == names.len() {
            parts.push(format!("{}..", names[start]));
        } else {
            parts.push(format!("{}..{}", names[start], names[end]));
        }
        i += 1;
    }
    parts.join(", ")
}

/// Whether the revision mark `mark` (`1.3-rev0..`, `1.2-rev1..1.3-rev1, 1.3-rev2..`, `none`)
/// includes `revision`; `None` when the mark cannot be read.
pub fn mark_includes(mark: &str, revision: &str) -> Option<bool> {
    if mark.trim() == "none" {
        return Some(false);
    }
    let at = version_key(revision);
    let mut any = false;
    for part in mark.split(',') {
        let (from, to) = part.trim().split_once("..")?;
        let from = version_key(from);
        if from.is_empty() {
            return None;
        }
        let after_start = at >= from;
        let before_end = to.trim().is_empty() || at <= version_key(to);
        any |= after_start && before_end;
    }
    Some(any)
}

/// Removes the vendor's `x-veeam-*` extensions.
fn clean(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|k, _| !k.starts_with("x-veeam"));
            map.values_mut().for_each(clean);
        }
        Value::Array(items) => items.iter_mut().for_each(clean),
        _ => {}
    }
}

/// Reads published documents and orders them oldest first by their `info.version`
/// (`1.2-rev1` < `1.3-rev0` < `1.3-rev2`; numbers compare as numbers).
pub fn read_sources(paths: &[PathBuf]) -> Result<Vec<Source>> {
    let mut out = Vec::new();
    for path in paths {
        let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let doc =
            generator::load::parse_text(&path.display().to_string(), &text).map_err(|d| anyhow::anyhow!("{d}"))?;
        let Some(revision) = doc.pointer("/info/version").and_then(Value::as_str).map(str::to_owned) else {
            bail!("{}: no info.version to name its revision", path.display());
        };
        out.push(Source { revision, doc });
    }
    out.sort_by_key(|s| version_key(&s.revision));
    if let Some(w) = out.windows(2).find(|w| w[0].revision == w[1].revision) {
        bail!("two documents of revision {}", w[0].revision);
    }
    Ok(out)
}

/// `1.3-rev10` → [1, 3, 10]: numbers in order, so rev10 comes after rev9.
fn version_key(version: &str) -> Vec<u64> {
    version.split(|c: char| !c.is_ascii_digit()).filter(|s| !s.is_empty()).filter_map(|s| s.parse().ok()).collect()
}

/// The published documents in a folder (`*.json`, `*.yaml`), oldest first.
pub fn sources_in(dir: &Path) -> Result<Vec<Source>> {
    let mut paths: Vec<PathBuf> = fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| crate::is_document(p))
        .collect();
    paths.sort();
    read_sources(&paths)
}

/// What [`run`] did, for the command line.
pub struct Outcome {
    /// What was imported.
    pub report: Report,
    /// Files written or removed.
    pub changed: Vec<String>,
}

/// Imports `sections` (all of the newest source's when empty) from `sources` into the
/// document rooted at `spec`, lays it out by section in `out` (default: `spec`'s folder, the
/// root written as `openapi.yaml`), and saves it.
pub fn run(spec: &Path, out: Option<&Path>, sources: &[Source], sections: &[String]) -> Result<Outcome> {
    let mut joined = crate::sections::join(spec)?;
    let sections = if sections.is_empty() { self::sections(sources) } else { sections.to_vec() };
    let report = import(&mut joined, sources, &sections)?;
    let dir = match out {
        Some(dir) => {
            joined.root_name = "openapi.yaml".to_owned();
            dir.to_path_buf()
        }
        None => spec.parent().unwrap_or(Path::new("")).to_path_buf(),
    };
    crate::sections::place(&mut joined);
    let files = crate::sections::write(&joined)?;
    let changed = crate::sections::save(&dir, &files)?;
    Ok(Outcome { report, changed })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_compact() {
        let names = ["1.2-rev1", "1.3-rev0", "1.3-rev1", "1.3-rev2"];
        assert_eq!(range(&[0, 1, 2, 3], &names), "1.2-rev1..");
        assert_eq!(range(&[2, 3], &names), "1.3-rev1..");
        assert_eq!(range(&[0, 1], &names), "1.2-rev1..1.3-rev0");
        assert_eq!(range(&[1, 3], &names), "1.3-rev0..1.3-rev0, 1.3-rev2..");
        assert_eq!(mark_includes("1.3-rev0..", "1.3-rev2"), Some(true));
        assert_eq!(mark_includes("1.3-rev0..", "1.2-rev1"), Some(false));
        assert_eq!(mark_includes("1.2-rev1..1.3-rev1", "1.3-rev2"), Some(false));
        assert_eq!(mark_includes("1.3-rev0..1.3-rev0, 1.3-rev2..", "1.3-rev1"), Some(false));
        assert_eq!(mark_includes("1.3-rev0..1.3-rev0, 1.3-rev2..", "1.3-rev2"), Some(true));
        assert_eq!(mark_includes("1.3-rev9..", "1.3-rev10"), Some(true), "numbers compare as numbers");
        assert_eq!(mark_includes("someday", "1.3-rev2"), None);
    }
}
