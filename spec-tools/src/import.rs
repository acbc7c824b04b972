//! `spec-import`: brings whole sections (tags) of a vendor's published documents into a
//! curated spec, with the closure of the components they use, and marks every element with
//! the revisions of the vendor's documents it exists in.
//!
//! The import is the mechanical half of curation; the other half (extensions such as
//! `x-pagination`, fixes, declared deviations) is a separate, reviewed step. So the import:
//!
//! - **adds what is missing and never rewrites what is there.** An operation or component
//!   the curated spec already has keeps its text; only the members some revision of the
//!   vendor's has and the spec lacks are merged in (parameters and responses of an operation,
//!   properties and enum values of a schema, from the newest document that has each), unless
//!   the curated spec declares their absence (`x-deviation` keys `parameter NAME`,
//!   `response CODE`, `property NAME` or `enum`). A member only older revisions have is
//!   merged too, so a client can speak to an older server. What else the vendor changed in
//!   an element the spec has is for `spec-audit` to report, and for a person to take or
//!   declare;
//! - **takes each new element from the newest document that has it**, and drops the vendor's
//!   own `x-veeam-*` extensions (authorization claims and internal model references that no
//!   client reads);
//! - **marks revisions** as ranges over the documents given, oldest first: `x-revisions:
//!   1.3-rev1..` (from 1.3-rev1 on), `1.2-rev1..1.3-rev0` (removed after 1.3-rev0),
//!   `1.3-rev0..1.3-rev0, 1.3-rev2..` (gone in between), `none` (in no published revision,
//!   which only a curated addition can be). Every operation and component carries its mark.
//!   A member is marked only where it differs from its operation's or schema's, so one
//!   added field is one added line:
//!   - a parameter in the Parameter Object (`x-revisions`; a `$ref`'d parameter has its
//!     component's mark);
//!   - a request body in the Request Body Object (`x-revisions`), where only some of the
//!     operation's revisions take one;
//!   - a response in its operation's `x-response-revisions: {status: range}`, one scheme
//!     for inline responses and `$ref`s alike (a Response Object's siblings of `$ref` are
//!     ignored in OpenAPI 3.0, so the mark cannot sit inside it), as properties are marked
//!     in their schema;
//!   - a property in its schema's `x-property-revisions: {name: range}` (the schema that
//!     holds it: a component, or an inline schema inside one, such as an `allOf` member);
//!   - an enum value in its schema's `x-enum-revisions: {value: range}`;
//! - **records enum spellings.** Veeam renamed values by case only between revisions
//!   (`monday` became `Monday`). Within one schema's enum, the values equal ignoring ASCII
//!   case are one value, unless one document lists two of them (then they are distinct
//!   values). The curated spelling stays in `enum`; its range is the union of every
//!   spelling's, and `x-enum-spellings: {Curated: {other: range}}` says in which revisions
//!   the value is written otherwise (the curated spelling's own revisions are the rest).
//!   Property names are treated the same way (`x-property-spellings`). A schema that
//!   declares `enum spellings` in its `x-deviation` keeps its one spelling for every
//!   revision: its values' ranges cover every spelling, but no other spelling is recorded
//!   (the audit reports Veeam's as the declared difference);
//! - **declares the revisions** in the root: `x-api-revisions: {header, default,
//!   revisions}`, the header every operation sends the revision in (the required header
//!   parameter all operations of every document share), the revision a client speaks unless
//!   told otherwise (the newest, unless the spec already declares one), and every revision
//!   imported, oldest first.
//!
//! Re-running the import after the vendor publishes a new revision therefore shows, through
//! `spec-diff`, what the new revision adds, and through the marks what it removed.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde_json::{Map, Value};

use crate::sections::{path_key, Joined};

/// The HTTP methods of a path item.
pub(crate) const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// The extension that marks an element's revisions.
pub const REVISIONS: &str = "x-revisions";
/// A schema's map from property name to its revisions, where they differ from the schema's.
pub const PROPERTY_REVISIONS: &str = "x-property-revisions";
/// A schema's map from enum value to its revisions, where they differ from the schema's.
pub const ENUM_REVISIONS: &str = "x-enum-revisions";
/// A schema's map from enum value (as `enum` spells it) to its other spellings, each with
/// the revisions that write it so: `{Monday: {monday: 1.2-rev1..1.3-rev0}}`.
pub const ENUM_SPELLINGS: &str = "x-enum-spellings";
/// A schema's map from property name (as `properties` spells it) to its other spellings,
/// each with the revisions that write it so: `{removeData: {RemoveData: 1.2-rev1..1.3-rev1}}`.
pub const PROPERTY_SPELLINGS: &str = "x-property-spellings";
/// An operation's map from response status to its revisions, where they differ from the
/// operation's.
pub const RESPONSE_REVISIONS: &str = "x-response-revisions";
/// A schema's map from property name to the revisions that require it, for a property its
/// `required` leaves out that some revisions require (`{mountServerId: 1.2-rev1}`): Rust
/// cannot require it, and the client refuses a request body for those revisions without it.
pub const REQUIRED_REVISIONS: &str = "x-required-revisions";
/// A schema's map from list property name to the revisions that write it as one value of
/// its items' type, not a list (`{typeFilter: 1.2-rev1..1.3-rev1}`); on a parameter, its own
/// mark of the same. The client reads either shape, and writes one value for those revisions.
pub const SINGLE_VALUE_REVISIONS: &str = "x-single-value-revisions";
/// A component schema's map from the name a revision's document gives it, where that is not
/// its own, to those revisions: `{WindowsHostComponentPortModel: 1.2-rev1..1.2-rev1}` (see
/// [`crate::renames`]). Its marks in those revisions come from that component.
pub const SCHEMA_NAMES: &str = "x-schema-names";
/// The root's declaration of the revisions: `{header, default, revisions}`.
pub const API_REVISIONS: &str = "x-api-revisions";
/// The `x-deviation` key with which a schema keeps one spelling of its enum values for every
/// revision (the import records no other spellings).
pub const ONE_SPELLING: &str = "enum spellings";

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

/// Imports `sections` (tag names) from `sources` (oldest first) into `curated`, and declares
/// the sources' revisions in its root.
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
            let snapshot = curated.doc.clone();
            let op = curated.doc.pointer_mut(&at).expect("just inserted");
            let id = op.get("operationId").and_then(Value::as_str).unwrap_or_default().to_owned();
            for member in merge_operation(op, &snapshot, sources, &at, &present) {
                report.members.push(format!("{} {path} ({id}): {member}", method.to_uppercase()));
            }
            mark(op, &range(&present, &names));
            mark_parameters(op, sources, &at, &present, &names);
            mark_request_body(op, sources, &at, &present, &names);
            mark_responses(op, sources, &at, &present, &names);
            roots.push(at);
        }
    }
    // The closure of the components the sections' operations use. A schema a revision names
    // otherwise is read from that revision under its name there.
    // A name a reviewer recorded (`x-schema-names`) holds where the walk finds none: a shape
    // Veeam split into several components, each of which the older revision writes as the one
    // it had.
    let mut renames: Vec<_> = sources.iter().map(|s| crate::renames::renamed_schemas(&curated.doc, &s.doc)).collect();
    let schemas = curated.doc.pointer("/components/schemas").and_then(Value::as_object).into_iter().flatten();
    for (name, schema) in schemas {
        for (theirs, range_of) in schema.get(SCHEMA_NAMES).and_then(Value::as_object).into_iter().flatten() {
            for (i, found) in renames.iter_mut().enumerate() {
                let recorded = range_of.as_str().and_then(|r| mark_includes(r, names[i])) == Some(true);
                if recorded && sources[i].doc.pointer(&format!("/components/schemas/{}", escape(theirs))).is_some() {
                    found.entry(name.clone()).or_insert_with(|| theirs.clone());
                }
            }
        }
    }
    let their_key = |i: usize, key: &str| -> String {
        match crate::sections::component_name(key) {
            Some((kind, name)) if kind == "schemas" => match renames[i].get(&name) {
                Some(theirs) => format!("/components/schemas/{}", escape(theirs)),
                None => key.to_owned(),
            },
            _ => key.to_owned(),
        }
    };
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
        let present: Vec<usize> =
            (0..sources.len()).filter(|&i| sources[i].doc.pointer(&their_key(i, &key)).is_some()).collect();
        let Some(&newest) = present.last() else { continue };
        let (kind, name) = crate::sections::component_name(&key).expect("a component key");
        if curated.doc.pointer(&key).is_none() {
            let mut value = sources[newest].doc.pointer(&their_key(newest, &key)).cloned().unwrap_or_default();
            clean(&mut value);
            insert_component(&mut curated.doc, &kind, &name, value);
            report.components.push(format!("{kind}/{name}"));
        }
        if kind == "schemas" {
            // Members from every revision that has the schema, newest first, so each comes
            // from the newest document that has it.
            let ours = curated.doc.pointer_mut(&key).expect("present");
            for &i in present.iter().rev() {
                let theirs = sources[i].doc.pointer(&their_key(i, &key)).cloned().unwrap_or_default();
                for member in merge_schema(ours, &theirs, &sources[i].doc) {
                    report.members.push(format!("{kind}/{name}: {member}"));
                }
            }
        }
        if matches!(kind.as_str(), "schemas" | "parameters" | "responses" | "requestBodies") {
            let value = curated.doc.pointer_mut(&key).expect("present");
            mark(value, &range(&present, &names));
            if kind == "schemas" {
                let theirs: Vec<(usize, &Value)> = present
                    .iter()
                    .filter_map(|&i| sources[i].doc.pointer(&their_key(i, &key)).map(|s| (i, s)))
                    .collect();
                mark_schema(value, &theirs, sources, &names);
                let mut other_names: Vec<(&str, Vec<usize>)> = Vec::new();
                for &i in &present {
                    let Some(theirs) = renames[i].get(&name) else { continue };
                    match other_names.iter_mut().find(|(n, _)| n == theirs) {
                        Some((_, list)) => list.push(i),
                        None => other_names.push((theirs, vec![i])),
                    }
                }
                let map = other_names.into_iter().map(|(n, revs)| (n.to_owned(), Value::String(range(&revs, &names))));
                set_map(value, SCHEMA_NAMES, map.collect());
            }
        }
        let mut refs = Vec::new();
        crate::sections::references(curated.doc.pointer(&key).unwrap_or(&Value::Null), &mut refs);
        work.extend(refs);
    }
    declare_revisions(&mut curated.doc, sources);
    Ok(report)
}

/// Writes (or refreshes) the root's [`API_REVISIONS`]: the revisions it declares and those
/// of `sources`, oldest first; the header every operation of every source requires (kept
/// when the sources have none); the default the spec declares, else the newest revision; and
/// the probe the spec declares.
fn declare_revisions(doc: &mut Value, sources: &[Source]) {
    let declared = doc.get(API_REVISIONS).cloned().unwrap_or(Value::Null);
    let mut revisions: Vec<String> = declared
        .get("revisions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    for source in sources {
        if !revisions.contains(&source.revision) {
            revisions.push(source.revision.clone());
        }
    }
    revisions.sort_by_key(|r| version_key(r));
    let header = version_header(sources).or_else(|| declared.get("header").and_then(Value::as_str).map(str::to_owned));
    let default = declared
        .get("default")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| revisions.last().cloned())
        .unwrap_or_default();
    let mut out = Map::new();
    if let Some(header) = header {
        out.insert("header".to_owned(), Value::String(header));
    }
    out.insert("default".to_owned(), Value::String(default));
    out.insert("revisions".to_owned(), Value::Array(revisions.into_iter().map(Value::String).collect()));
    // The probe is curated (no source names one): kept as declared.
    if let Some(probe) = declared.get("probe") {
        out.insert("probe".to_owned(), probe.clone());
    }
    if let Some(map) = doc.as_object_mut() {
        map.insert(API_REVISIONS.to_owned(), Value::Object(out));
    }
}

/// The header a client names the revision in: the required header parameter every operation
/// of every source has. When several are, the one whose default is its document's revision.
fn version_header(sources: &[Source]) -> Option<String> {
    let mut common: Option<Vec<(String, bool)>> = None;
    for source in sources {
        let doc = &source.doc;
        for (path, _, op) in operations(doc) {
            let item = doc.pointer(&path_key(&path)).cloned().unwrap_or_default();
            let lists = [item.get("parameters"), op.get("parameters")];
            let mut headers: Vec<(String, bool)> = Vec::new();
            for param in lists.into_iter().flatten().filter_map(Value::as_array).flatten() {
                let param = resolve(doc, param);
                let required = param.get("required").and_then(Value::as_bool) == Some(true);
                if param.get("in").and_then(Value::as_str) != Some("header") || !required {
                    continue;
                }
                let Some(name) = param.get("name").and_then(Value::as_str) else { continue };
                let names_revision = param.pointer("/schema/default").and_then(Value::as_str) == Some(&source.revision);
                headers.push((name.to_ascii_lowercase(), names_revision));
            }
            common = Some(match common {
                None => headers,
                Some(so_far) => so_far
                    .into_iter()
                    .filter_map(|(name, by_default)| {
                        let here = headers.iter().find(|(n, _)| *n == name)?;
                        Some((name, by_default && here.1))
                    })
                    .collect(),
            });
        }
    }
    let common = common?;
    match common.as_slice() {
        [(name, _)] => Some(name.clone()),
        _ => common.iter().find(|(_, by_default)| *by_default).map(|(name, _)| name.clone()),
    }
}

/// A local `$ref` followed within `doc` (at most 32 hops); the value itself otherwise.
pub(crate) fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    let mut value = value;
    for _ in 0..32 {
        let Some(target) = value.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix('#')) else {
            break;
        };
        match doc.pointer(target) {
            Some(next) => value = next,
            None => break,
        }
    }
    value
}

/// The (name, location) of a parameter, through its `$ref` within `doc`.
fn parameter_key(doc: &Value, param: &Value) -> Option<(String, String)> {
    let param = resolve(doc, param);
    Some((param.get("name")?.as_str()?.to_owned(), param.get("in")?.as_str()?.to_owned()))
}

/// Whether `ours` declares the deviation `key` in its `x-deviation` map.
fn declares(ours: &Value, key: &str) -> bool {
    ours.get("x-deviation").and_then(|d| d.get(key)).is_some()
}

/// Merges into a curated operation the parameters and responses some revision that has it
/// (`present`) has and it lacks, from the newest revision that has each, unless it declares
/// their absence. `curated` is the whole curated document (to resolve its `$ref`s). Returns
/// what was added.
fn merge_operation(op: &mut Value, curated: &Value, sources: &[Source], at: &str, present: &[usize]) -> Vec<String> {
    let mut added = Vec::new();
    let path_item = at.rsplit_once('/').map_or("", |(item, _)| item);
    for &i in present.iter().rev() {
        let doc = &sources[i].doc;
        let Some(theirs) = doc.pointer(at) else { continue };
        for param in theirs.get("parameters").and_then(Value::as_array).into_iter().flatten() {
            let Some((name, place)) = parameter_key(doc, param) else { continue };
            let item_params = curated.pointer(&format!("{path_item}/parameters")).and_then(Value::as_array);
            let ours_has = op
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .chain(item_params.into_iter().flatten())
                // A component the import has not brought in yet is read from their document
                // (components keep their names).
                .any(|p| {
                    let key = parameter_key(curated, p).or_else(|| parameter_key(doc, p));
                    key.is_some_and(|(n, l)| n == name && l == place)
                });
            if ours_has || declares(op, &format!("parameter {name}")) {
                continue;
            }
            let mut param = param.clone();
            clean(&mut param);
            let Some(map) = op.as_object_mut() else { continue };
            let list = map.entry("parameters").or_insert_with(|| Value::Array(Vec::new()));
            if let Some(list) = list.as_array_mut() {
                list.push(param);
                added.push(format!("parameter {name} (from {})", sources[i].revision));
            }
        }
        for (code, response) in theirs.get("responses").and_then(Value::as_object).into_iter().flatten() {
            let ours_has = op.get("responses").and_then(|r| r.get(code)).is_some();
            if ours_has || declares(op, &format!("response {code}")) {
                continue;
            }
            let mut response = response.clone();
            clean(&mut response);
            let Some(map) = op.as_object_mut() else { continue };
            let responses = map.entry("responses").or_insert_with(|| Value::Object(Map::new()));
            let Some(responses) = responses.as_object_mut() else { continue };
            // In status order among the curated ones, which keeps `default` last.
            let index = responses.keys().position(|c| status_order(c) > status_order(code)).unwrap_or(responses.len());
            responses.shift_insert(index, code.clone(), response);
            added.push(format!("response {code} (from {})", sources[i].revision));
        }
    }
    added
}

/// Marks an operation's inline request body with the revisions that take one, where fewer
/// than the operation's (`RescanAllManagedServers` takes its list of servers since 1.3-rev1).
fn mark_request_body(op: &mut Value, sources: &[Source], at: &str, present: &[usize], names: &[&str]) {
    let Some(body) = op.get_mut("requestBody").filter(|b| b.get("$ref").is_none()) else { return };
    let has: Vec<usize> =
        present.iter().copied().filter(|&i| sources[i].doc.pointer(&format!("{at}/requestBody")).is_some()).collect();
    set_or_clear(body, REVISIONS, (!has.is_empty() && has != present).then(|| range(&has, names)));
}

/// Response statuses in numeric order; ranges (`2XX`) after their statuses, `default` last.
fn status_order(code: &str) -> (u32, String) {
    match code.parse::<u32>() {
        Ok(n) => (n, String::new()),
        Err(_) if code == "default" => (u32::MAX, String::new()),
        Err(_) => {
            (code.chars().next().and_then(|c| c.to_digit(10)).map_or(u32::MAX - 1, |d| d * 100 + 99), code.to_owned())
        }
    }
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

/// Merges what `theirs` (a revision's copy of the schema, in `doc`) has and `ours` lacks into
/// a curated schema: properties and enum values, unless `x-deviation` declares their absence;
/// then the same in the inline schemas both have at the same place. Returns what was added.
fn merge_schema(ours: &mut Value, theirs: &Value, doc: &Value) -> Vec<String> {
    let mut added = Vec::new();
    let theirs = resolve(doc, theirs);
    if ours.get("$ref").is_some() {
        return added;
    }
    if let (Some(their_props), true) =
        (theirs.get("properties").and_then(Value::as_object), ours.get("properties").is_some())
    {
        let ours_names: Vec<String> =
            ours.get("properties").and_then(Value::as_object).map(|m| m.keys().cloned().collect()).unwrap_or_default();
        let missing: Vec<(String, Value)> = their_props
            .iter()
            .filter(|(name, _)| !ours_names.contains(name))
            // A property ours spells otherwise is the same property, unless this document
            // lists both spellings (two properties).
            .filter(|(name, _)| {
                !ours_names.iter().any(|o| o.eq_ignore_ascii_case(name) && !their_props.contains_key(o.as_str()))
            })
            .filter(|(name, _)| !declares(ours, &format!("property {name}")))
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
    if let (Some(their_values), false) = (theirs.get("enum").and_then(Value::as_array), declares(ours, "enum")) {
        let recorded = ours.get(ENUM_SPELLINGS).and_then(Value::as_object).cloned().unwrap_or_default();
        if let Some(values) = ours.get_mut("enum").and_then(Value::as_array_mut) {
            for value in their_values {
                // A value ours spells otherwise is the same value, unless this document lists
                // both spellings (two values); so is a spelling ours records.
                let spelt_otherwise =
                    values.iter().any(|v| same_ignoring_case(v, value) && v != value && !their_values.contains(v))
                        || value.as_str().is_some_and(|v| recorded.values().any(|r| r.get(v).is_some()));
                if !values.contains(value) && !spelt_otherwise {
                    values.push(value.clone());
                    added.push(format!("enum value {value}"));
                }
            }
        }
    }
    for slot in inline_slots(ours) {
        let Some(theirs) = follow(doc, theirs, &slot) else { continue };
        let Some(sub) = slot_mut(ours, &slot) else { continue };
        for member in merge_schema(sub, theirs, doc) {
            added.push(format!("{}: {member}", slot.join("/")));
        }
    }
    added
}

/// Two enum values that are the same ignoring ASCII case (`pfx` and `Pfx`).
fn same_ignoring_case(a: &Value, b: &Value) -> bool {
    match (a.as_str(), b.as_str()) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => a == b,
    }
}

/// The places of the inline schemas directly inside `schema` (`properties/NAME`, `items`,
/// `additionalProperties`, `allOf/0`, ...), as path tokens; `$ref`s are components, marked
/// on their own.
fn inline_slots(schema: &Value) -> Vec<Vec<String>> {
    let inline = |v: &Value| v.is_object() && v.get("$ref").is_none();
    let mut out = Vec::new();
    for (name, prop) in schema.get("properties").and_then(Value::as_object).into_iter().flatten() {
        if inline(prop) {
            out.push(vec!["properties".to_owned(), name.clone()]);
        }
    }
    for key in ["items", "additionalProperties"] {
        if schema.get(key).is_some_and(inline) {
            out.push(vec![key.to_owned()]);
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for (i, member) in schema.get(key).and_then(Value::as_array).into_iter().flatten().enumerate() {
            if inline(member) {
                out.push(vec![key.to_owned(), i.to_string()]);
            }
        }
    }
    out
}

/// The schema at `slot` inside `schema` in a published document, `$ref`s followed.
fn follow<'a>(doc: &'a Value, schema: &'a Value, slot: &[String]) -> Option<&'a Value> {
    let mut at = resolve(doc, schema);
    for token in slot {
        at = match at {
            Value::Array(items) => items.get(token.parse::<usize>().ok()?)?,
            other => other.get(token.as_str())?,
        };
        at = resolve(doc, at);
    }
    at.is_object().then_some(at)
}

fn slot_mut<'a>(schema: &'a mut Value, slot: &[String]) -> Option<&'a mut Value> {
    let mut at = schema;
    for token in slot {
        at = match at {
            Value::Array(items) => items.get_mut(token.parse::<usize>().ok()?)?,
            other => other.get_mut(token.as_str())?,
        };
    }
    Some(at)
}

/// Sets the revision mark of an operation or component.
fn mark(value: &mut Value, revisions: &str) {
    if let Some(map) = value.as_object_mut() {
        if map.get("$ref").is_none() {
            map.insert(REVISIONS.to_owned(), Value::String(revisions.to_owned()));
        }
    }
}

/// The mark of a member present in `has` of its parent's `present` revisions: `None` when
/// it is the parent's, `none` when it is in no revision.
fn member_mark(has: &[usize], present: &[usize], names: &[&str]) -> Option<String> {
    (has != present).then(|| if has.is_empty() { "none".to_owned() } else { range(has, names) })
}

/// Marks the inline parameters of an operation present in fewer revisions than it is, and
/// the members of their inline schemas (an enum inlined in a parameter, say).
fn mark_parameters(op: &mut Value, sources: &[Source], at: &str, present: &[usize], names: &[&str]) {
    // A parameter whose presence the operation declares a deviation (`parameter NAME`) keeps
    // the revisions a reviewer gave it: Veeam's document has it there, but not as the client
    // can send it (1.3-rev0 types `GetADDomainObject`'s `orderColumn` as a domain's sort column).
    let op_snapshot = op.clone();
    let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) else { return };
    for param in params {
        if param.get("$ref").is_some() {
            continue;
        }
        let Some(name) = param.get("name").and_then(Value::as_str).map(str::to_owned) else { continue };
        let keep_mark = declares(&op_snapshot, &format!("parameter {name}"));
        let place = param.get("in").and_then(Value::as_str).unwrap_or_default().to_owned();
        let theirs: Vec<(usize, &Value)> = present
            .iter()
            .filter_map(|&i| {
                let doc = &sources[i].doc;
                let list = doc.pointer(&format!("{at}/parameters")).and_then(Value::as_array)?;
                let found =
                    list.iter().find(|p| parameter_key(doc, p).is_some_and(|(n, l)| n == name && l == place))?;
                Some((i, resolve(doc, found)))
            })
            .collect();
        let has: Vec<usize> = theirs.iter().map(|(i, _)| *i).collect();
        if !keep_mark {
            set_or_clear(param, REVISIONS, (!has.is_empty() && has != present).then(|| range(&has, names)));
        }
        let single: Vec<usize> = theirs
            .iter()
            .filter(|(_, p)| match (param.get("schema"), p.get("schema")) {
                (Some(ours), Some(their)) => crate::audit::diff::one_value_of(ours, their),
                _ => false,
            })
            .map(|(i, _)| *i)
            .collect();
        set_or_clear(param, SINGLE_VALUE_REVISIONS, (!single.is_empty()).then(|| range(&single, names)));
        if let Some(schema) = param.get_mut("schema").filter(|s| s.get("$ref").is_none()) {
            let schemas: Vec<(usize, &Value)> = theirs
                .iter()
                .filter_map(|(i, p)| p.get("schema").map(|s| (*i, resolve(&sources[*i].doc, s))))
                .collect();
            mark_schema(schema, &schemas, sources, names);
        }
    }
}

/// Marks the responses of an operation present in fewer revisions than it is, in its
/// [`RESPONSE_REVISIONS`] map, and the members of their inline schemas (and the request
/// body's).
fn mark_responses(op: &mut Value, sources: &[Source], at: &str, present: &[usize], names: &[&str]) {
    let codes: Vec<String> =
        op.get("responses").and_then(Value::as_object).map(|m| m.keys().cloned().collect()).unwrap_or_default();
    let mut marks = Map::new();
    for code in &codes {
        let has: Vec<usize> = present
            .iter()
            .copied()
            .filter(|&i| sources[i].doc.pointer(&format!("{at}/responses/{}", escape(code))).is_some())
            .collect();
        if let Some(mark) = member_mark(&has, present, names) {
            marks.insert(code.clone(), Value::String(mark));
        }
    }
    let bodies: Vec<String> = codes
        .iter()
        .map(|c| format!("responses/{}", escape(c)))
        .chain(std::iter::once("requestBody".to_owned()))
        .collect();
    for body in bodies {
        let Some(content) = op.pointer_mut(&format!("/{body}/content")).and_then(Value::as_object_mut) else {
            continue;
        };
        for (media, entry) in content.iter_mut() {
            let Some(schema) = entry.get_mut("schema").filter(|s| s.get("$ref").is_none()) else { continue };
            let theirs: Vec<(usize, &Value)> = present
                .iter()
                .filter_map(|&i| {
                    let doc = &sources[i].doc;
                    // A response or body written as a `$ref` in their document is followed.
                    let container = resolve(doc, doc.pointer(&format!("{at}/{body}"))?);
                    let schema = container.pointer(&format!("/content/{}/schema", escape(media)))?;
                    Some((i, resolve(doc, schema)))
                })
                .collect();
            mark_schema(schema, &theirs, sources, names);
        }
    }
    set_map(op, RESPONSE_REVISIONS, marks);
}

pub(crate) fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Marks the members of a curated schema present in fewer revisions than it is: properties in
/// `x-property-revisions` (their other spellings in `x-property-spellings`), enum values in
/// `x-enum-revisions` (their other spellings in `x-enum-spellings`); then the same in each
/// inline schema inside it. `theirs` is the schema in each revision that has it: (revision,
/// schema), `$ref`s followed.
fn mark_schema(schema: &mut Value, theirs: &[(usize, &Value)], sources: &[Source], names: &[&str]) {
    if schema.get("$ref").is_some() {
        return;
    }
    let present: Vec<usize> = theirs.iter().map(|(i, _)| *i).collect();
    let keys = |v: &Value| -> Vec<String> {
        v.get("properties").and_then(Value::as_object).map(|m| m.keys().cloned().collect()).unwrap_or_default()
    };
    let curated = keys(schema);
    let lists: Vec<(usize, Vec<String>)> = theirs.iter().map(|(i, t)| (*i, keys(t))).collect();
    let known = schema.get(PROPERTY_SPELLINGS).and_then(Value::as_object).cloned().unwrap_or_default();
    let (properties, property_spellings) = member_marks(&curated, &lists, true, &known, &present, names);
    let texts = |v: &Value| -> Vec<String> {
        let values = v.get("enum").and_then(Value::as_array).into_iter().flatten();
        values.filter_map(Value::as_str).map(str::to_owned).collect()
    };
    let curated = texts(schema);
    let lists: Vec<(usize, Vec<String>)> = theirs.iter().map(|(i, t)| (*i, texts(t))).collect();
    let record = !declares(schema, ONE_SPELLING);
    let known = schema.get(ENUM_SPELLINGS).and_then(Value::as_object).cloned().unwrap_or_default();
    let (values, value_spellings) = member_marks(&curated, &lists, record, &known, &present, names);
    let required_marks = required_marks(schema, theirs, names);
    let single_marks = single_marks(schema, theirs, names);
    set_map(schema, PROPERTY_REVISIONS, properties);
    set_map(schema, PROPERTY_SPELLINGS, property_spellings);
    set_map(schema, REQUIRED_REVISIONS, required_marks);
    set_map(schema, SINGLE_VALUE_REVISIONS, single_marks);
    set_map(schema, ENUM_REVISIONS, values);
    set_map(schema, ENUM_SPELLINGS, value_spellings);
    for slot in inline_slots(schema) {
        let subs: Vec<(usize, &Value)> =
            theirs.iter().filter_map(|&(i, t)| follow(&sources[i].doc, t, &slot).map(|s| (i, s))).collect();
        if let Some(sub) = slot_mut(schema, &slot) {
            mark_schema(sub, &subs, sources, names);
        }
    }
}

/// The revisions that require each property of a curated schema its own `required` leaves
/// out (in the revision's spelling of the name), where any does: [`REQUIRED_REVISIONS`].
/// None when the schema declares its `required` list a deviation: the curated list is then
/// what the client sends, by choice.
fn required_marks(schema: &Value, theirs: &[(usize, &Value)], names: &[&str]) -> Map<String, Value> {
    let mut marks = Map::new();
    if declares(schema, "required") {
        return marks;
    }
    let list = |v: &Value| -> Vec<String> {
        v.get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    };
    let own = list(schema);
    let properties = schema.get("properties").and_then(Value::as_object);
    for name in properties.into_iter().flat_map(|p| p.keys()) {
        if own.contains(name) {
            continue;
        }
        let has: Vec<usize> = theirs
            .iter()
            .filter(|(i, t)| {
                let spelt = crate::audit::diff::spelt_in(schema, PROPERTY_SPELLINGS, name, names[*i]);
                list(t).iter().any(|r| r == spelt)
            })
            .map(|(i, _)| *i)
            .collect();
        if !has.is_empty() {
            marks.insert(name.clone(), Value::String(range(&has, names)));
        }
    }
    marks
}

/// The revisions that write each list property of a curated schema as one value of its
/// items' type, where any does: [`SINGLE_VALUE_REVISIONS`].
fn single_marks(schema: &Value, theirs: &[(usize, &Value)], names: &[&str]) -> Map<String, Value> {
    let mut marks = Map::new();
    let properties = schema.get("properties").and_then(Value::as_object);
    for (name, ours) in properties.into_iter().flatten() {
        let has: Vec<usize> = theirs
            .iter()
            .filter(|(i, t)| {
                let spelt = crate::audit::diff::spelt_in(schema, PROPERTY_SPELLINGS, name, names[*i]);
                t.get("properties")
                    .and_then(|p| p.get(spelt))
                    .is_some_and(|their| crate::audit::diff::one_value_of(ours, their))
            })
            .map(|(i, _)| *i)
            .collect();
        if !has.is_empty() {
            marks.insert(name.clone(), Value::String(range(&has, names)));
        }
    }
    marks
}

/// The marks of a schema's members (property names or enum values), given the curated ones
/// and each revision's (revision, members): (member → revisions where they differ from the
/// schema's `present`, member → {other spelling → revisions}, when `record`). Members equal
/// ignoring ASCII case are one member spelt differently, unless the curated list holds two of
/// them, or a revision's does (then each is matched exactly). A spelling the curated schema
/// already records (`known`: its spellings map) is the member too, however it differs: that is
/// how a reviewer says that Veeam renamed a value beyond case (`Backup` became
/// `VSphereBackup`).
fn member_marks(
    curated: &[String],
    lists: &[(usize, Vec<String>)],
    record: bool,
    known: &Map<String, Value>,
    present: &[usize],
    names: &[&str],
) -> (Map<String, Value>, Map<String, Value>) {
    let (mut marks, mut spellings) = (Map::new(), Map::new());
    for member in curated {
        let recorded = known.get(member).and_then(Value::as_object);
        let same = |m: &&String| m.eq_ignore_ascii_case(member) || recorded.is_some_and(|r| r.contains_key(m.as_str()));
        let exact = curated.iter().filter(same).count() > 1
            || lists.iter().any(|(_, list)| list.iter().filter(same).count() > 1);
        // Each revision's spelling of the member, where it has it.
        let spelt: Vec<(usize, &str)> = lists
            .iter()
            .filter_map(|(i, list)| {
                let found = if list.contains(member) {
                    Some(member.as_str())
                } else if exact {
                    None
                } else {
                    list.iter().find(same).map(String::as_str)
                };
                found.map(|s| (*i, s))
            })
            .collect();
        let has: Vec<usize> = spelt.iter().map(|(i, _)| *i).collect();
        if let Some(mark) = member_mark(&has, present, names) {
            marks.insert(member.clone(), Value::String(mark));
        }
        let mut others: Vec<(&str, Vec<usize>)> = Vec::new();
        for (i, s) in spelt.iter().filter(|(_, s)| *s != member) {
            match others.iter_mut().find(|(o, _)| o == s) {
                Some((_, list)) => list.push(*i),
                None => others.push((s, vec![*i])),
            }
        }
        // A recorded spelling of revisions the schema is not in (the property that holds the
        // value referred to another enum there) has no document to be found in: it stays.
        for (spelling, range_of) in recorded.into_iter().flatten() {
            let Some(range_of) = range_of.as_str() else { continue };
            let outside: Vec<usize> = (0..names.len())
                .filter(|i| !present.contains(i) && mark_includes(range_of, names[*i]) == Some(true))
                .collect();
            if outside.is_empty() {
                continue;
            }
            match others.iter_mut().find(|(o, _)| *o == spelling) {
                Some((_, list)) => {
                    list.extend(outside);
                    list.sort_unstable();
                }
                None => others.push((spelling.as_str(), outside)),
            }
        }
        if record && !others.is_empty() {
            let map = others.into_iter().map(|(s, revs)| (s.to_owned(), Value::String(range(&revs, names)))).collect();
            spellings.insert(member.clone(), Value::Object(map));
        }
    }
    (marks, spellings)
}

/// Sets a map of member marks on `value`, or removes it when it is empty.
fn set_map(value: &mut Value, key: &str, marks: Map<String, Value>) {
    let Some(map) = value.as_object_mut() else { return };
    if marks.is_empty() {
        map.remove(key);
    } else {
        map.insert(key.to_owned(), Value::Object(marks));
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
pub fn version_key(version: &str) -> Vec<u64> {
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
    use serde_json::json;

    use super::*;

    const REVISIONS_OF_VEEAM: [&str; 4] = ["1.2-rev1", "1.3-rev0", "1.3-rev1", "1.3-rev2"];

    /// A published document of `revision`: one operation, `GET /days` (tag `Days`) with the
    /// version header, answering `EDay`; `edit` changes it.
    fn published(revision: &str, edit: impl FnOnce(&mut Value)) -> Source {
        let mut doc = json!({
            "openapi": "3.0.1",
            "info": {"title": "t", "version": revision},
            "tags": [{"name": "Days"}],
            "paths": {"/days": {"get": {
                "tags": ["Days"],
                "operationId": "GetDays",
                "x-veeam-authorize": {"claims": ["ViewDays"]},
                "parameters": [{"$ref": "#/components/parameters/apiVersionParam"}],
                "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EDay"}}}}}
            }}},
            "components": {
                "parameters": {"apiVersionParam": {
                    "name": "x-api-version", "in": "header", "required": true,
                    "schema": {"type": "string", "default": revision}
                }},
                "schemas": {"EDay": {"type": "string", "enum": ["Monday", "Tuesday"]}}
            }
        });
        edit(&mut doc);
        Source { revision: revision.to_owned(), doc }
    }

    /// Veeam's four revisions, each edited by `edit(index, doc)`.
    fn four(edit: impl Fn(usize, &mut Value)) -> Vec<Source> {
        REVISIONS_OF_VEEAM.iter().enumerate().map(|(i, r)| published(r, |d| edit(i, d))).collect()
    }

    /// An empty curated spec, or `doc`.
    fn curated(doc: Option<Value>) -> Joined {
        let doc =
            doc.unwrap_or_else(|| json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}));
        Joined { doc, origins: Default::default(), root_name: "openapi.yaml".to_owned() }
    }

    fn imported(spec: Option<Value>, sources: &[Source]) -> Value {
        let mut joined = curated(spec);
        import(&mut joined, sources, &["Days".to_owned()]).expect("imports");
        joined.doc
    }

    fn schema<'a>(doc: &'a Value, name: &str) -> &'a Value {
        &doc["components"]["schemas"][name]
    }

    #[test]
    fn a_value_renamed_by_case_is_one_value_with_its_older_spelling() {
        let sources = four(|i, d| {
            if i < 2 {
                d["components"]["schemas"]["EDay"]["enum"] = json!(["monday", "tuesday"]);
            }
        });
        let doc = imported(None, &sources);
        let day = schema(&doc, "EDay");
        assert_eq!(day["enum"], json!(["Monday", "Tuesday"]), "the newest spelling, once");
        assert_eq!(day[ENUM_REVISIONS], Value::Null, "in every revision the schema is in");
        assert_eq!(
            day[ENUM_SPELLINGS],
            json!({"Monday": {"monday": "1.2-rev1..1.3-rev0"}, "Tuesday": {"tuesday": "1.2-rev1..1.3-rev0"}})
        );
    }

    #[test]
    fn a_curated_spelling_stays_and_the_newer_one_is_recorded_with_the_union_of_their_ranges() {
        let sources = four(|i, d| {
            d["components"]["schemas"]["EDay"]["enum"] = match i {
                0 => json!(["pfx"]),
                1 => json!(["pfx", "pem"]),
                _ => json!(["Pfx", "Pem"]),
            };
        });
        let mut spec = curated(None).doc;
        spec["components"] = json!({"schemas": {"EDay": {"type": "string", "enum": ["pfx", "pem"]}}});
        let doc = imported(Some(spec), &sources);
        let day = schema(&doc, "EDay");
        assert_eq!(day["enum"], json!(["pfx", "pem"]), "no spelling merged as a value");
        // `pem` is in 1.3-rev0 as `pem` and from 1.3-rev1 as `Pem`: from 1.3-rev0 on, not
        // only in 1.3-rev0.
        assert_eq!(day[ENUM_REVISIONS], json!({"pem": "1.3-rev0.."}));
        assert_eq!(day[ENUM_SPELLINGS], json!({"pfx": {"Pfx": "1.3-rev1.."}, "pem": {"Pem": "1.3-rev1.."}}));
    }

    #[test]
    fn a_value_renamed_beyond_case_stays_one_value_once_a_reviewer_records_the_spelling() {
        let sources = four(|i, d| {
            if i == 0 {
                d["components"]["schemas"]["EDay"]["enum"] = json!(["Backup", "Tuesday"]);
            } else {
                d["components"]["schemas"]["EDay"]["enum"] = json!(["VSphereBackup", "Tuesday"]);
            }
        });
        // Unrecorded, the two are two values, each marked.
        let doc = imported(None, &sources);
        assert_eq!(schema(&doc, "EDay")["enum"], json!(["VSphereBackup", "Tuesday", "Backup"]));
        // Recorded, they are one, and the import keeps the spelling and its range.
        let mut spec = doc.clone();
        let day = &mut spec["components"]["schemas"]["EDay"];
        day["enum"] = json!(["VSphereBackup", "Tuesday"]);
        day.as_object_mut().unwrap().remove(ENUM_REVISIONS);
        day[ENUM_SPELLINGS] = json!({"VSphereBackup": {"Backup": "1.2-rev1"}});
        let doc = imported(Some(spec), &sources);
        let day = schema(&doc, "EDay");
        assert_eq!(day["enum"], json!(["VSphereBackup", "Tuesday"]));
        assert_eq!(day[ENUM_REVISIONS], Value::Null, "in every revision, spelt one way or the other");
        assert_eq!(day[ENUM_SPELLINGS], json!({"VSphereBackup": {"Backup": "1.2-rev1..1.2-rev1"}}));
    }

    #[test]
    fn a_schema_a_revision_names_otherwise_is_marked_from_that_revisions_component() {
        let sources = four(|i, d| {
            if i == 0 {
                let schemas = d["components"]["schemas"].as_object_mut().unwrap();
                schemas.shift_remove("EDay");
                schemas.insert("EWeekDay".to_owned(), json!({"type": "string", "enum": ["monday", "Tuesday"]}));
                let answer = "/paths/~1days/get/responses/200/content/application~1json/schema";
                *d.pointer_mut(answer).unwrap() = json!({"$ref": "#/components/schemas/EWeekDay"});
            }
        });
        let doc = imported(None, &sources);
        let day = schema(&doc, "EDay");
        assert_eq!(day[REVISIONS], "1.2-rev1..", "1.2-rev1 has it, under another name");
        assert_eq!(day[SCHEMA_NAMES], json!({"EWeekDay": "1.2-rev1..1.2-rev1"}));
        assert_eq!(day[ENUM_SPELLINGS], json!({"Monday": {"monday": "1.2-rev1..1.2-rev1"}}));
        assert_eq!(day[ENUM_REVISIONS], Value::Null);
        assert_eq!(schema(&doc, "EWeekDay"), &Value::Null, "the other name is not a component of ours");
    }

    #[test]
    fn a_parameter_whose_presence_is_a_declared_deviation_keeps_its_reviewed_mark() {
        let sources = four(|_, d| {
            let order = json!({"name": "order", "in": "query", "schema": {"type": "string"}});
            d["paths"]["/days"]["get"]["parameters"].as_array_mut().unwrap().push(order);
        });
        let reviewed = |declared: bool| {
            let mut spec = imported(None, &sources);
            let op = &mut spec["paths"]["/days"]["get"];
            op["parameters"][1][REVISIONS] = json!("1.3-rev2..");
            if declared {
                op["x-deviation"] = json!({"parameter order": "older revisions type it otherwise"});
            }
            imported(Some(spec), &sources)["paths"]["/days"]["get"]["parameters"][1][REVISIONS].clone()
        };
        assert_eq!(reviewed(false), Value::Null, "every revision has it: the import's mark is none");
        assert_eq!(reviewed(true), json!("1.3-rev2.."));
    }

    #[test]
    fn two_values_one_document_lists_are_two_values_not_spellings() {
        let sources = four(|i, d| {
            d["components"]["schemas"]["EDay"]["enum"] = match i {
                0 => json!(["Monday", "MONDAY"]),
                _ => json!(["Monday"]),
            };
        });
        let doc = imported(None, &sources);
        let day = schema(&doc, "EDay");
        assert_eq!(day["enum"], json!(["Monday", "MONDAY"]), "the older value is merged");
        assert_eq!(day[ENUM_REVISIONS], json!({"MONDAY": "1.2-rev1..1.2-rev1"}));
        assert_eq!(day[ENUM_SPELLINGS], Value::Null);
    }

    #[test]
    fn a_schema_that_declares_one_spelling_covers_every_revision_and_records_no_other() {
        let sources = four(|i, d| {
            if i >= 2 {
                d["components"]["schemas"]["EDay"]["enum"] = json!(["Password", "Refresh_token"]);
            } else {
                d["components"]["schemas"]["EDay"]["enum"] = json!(["password", "refresh_token"]);
            }
        });
        let mut spec = curated(None).doc;
        spec["components"] = json!({"schemas": {"EDay": {
            "type": "string", "enum": ["password", "refresh_token"],
            "x-deviation": {ONE_SPELLING: "the token endpoint takes OAuth 2.0's lower case"}
        }}});
        let day = schema(&imported(Some(spec), &sources), "EDay").clone();
        assert_eq!(day["enum"], json!(["password", "refresh_token"]));
        assert_eq!(day[ENUM_REVISIONS], Value::Null, "every revision has the value");
        assert_eq!(day[ENUM_SPELLINGS], Value::Null, "the other spelling is the declared deviation");
    }

    #[test]
    fn an_enum_inlined_in_a_parameter_is_marked_and_spelt_too() {
        let sources = four(|i, d| {
            let values = if i < 2 { json!(["asc", "desc"]) } else { json!(["Asc", "Desc"]) };
            let param = json!({"name": "order", "in": "query", "schema": {"type": "string", "enum": values}});
            d["paths"]["/days"]["get"]["parameters"].as_array_mut().unwrap().push(param);
        });
        let doc = imported(None, &sources);
        let order = &doc["paths"]["/days"]["get"]["parameters"][1];
        assert_eq!(order["schema"]["enum"], json!(["Asc", "Desc"]));
        assert_eq!(
            order["schema"][ENUM_SPELLINGS],
            json!({"Asc": {"asc": "1.2-rev1..1.3-rev0"}, "Desc": {"desc": "1.2-rev1..1.3-rev0"}})
        );
        assert_eq!(order[REVISIONS], Value::Null, "in every revision of its operation");
    }

    #[test]
    fn a_property_renamed_by_case_is_one_property_with_its_older_spelling() {
        let sources = four(|i, d| {
            let name = if i < 3 { "RemoveData" } else { "removeData" };
            d["components"]["schemas"]["EDay"] = json!({"type": "object", "properties": {name: {"type": "boolean"}}});
        });
        let day = schema(&imported(None, &sources), "EDay").clone();
        assert_eq!(day["properties"], json!({"removeData": {"type": "boolean"}}), "one property, not two");
        assert_eq!(day[PROPERTY_SPELLINGS], json!({"removeData": {"RemoveData": "1.2-rev1..1.3-rev1"}}));
        assert_eq!(day[PROPERTY_REVISIONS], Value::Null);
    }

    #[test]
    fn a_property_older_revisions_require_is_marked_with_them() {
        let sources = four(|i, d| {
            let mut mount =
                json!({"type": "object", "properties": {"folder": {"type": "string"}, "id": {"type": "string"}}});
            if i < 2 {
                mount["required"] = json!(["folder", "id"]);
            } else if i == 2 {
                mount["required"] = json!(["id"]);
            }
            d["components"]["schemas"]["EDay"] = mount;
        });
        let day = schema(&imported(None, &sources), "EDay").clone();
        assert_eq!(day["required"], Value::Null, "as the newest revision has it");
        assert_eq!(day[REQUIRED_REVISIONS], json!({"folder": "1.2-rev1..1.3-rev0", "id": "1.2-rev1..1.3-rev1"}));
    }

    #[test]
    fn members_only_older_revisions_have_are_merged_from_the_newest_that_has_each_and_marked() {
        let sources = four(|i, d| {
            let day = &mut d["components"]["schemas"]["EDay"];
            *day = json!({"type": "object", "properties": {"name": {"type": "string"}}});
            if i < 2 {
                day["properties"]["legacy"] = json!({"type": "integer", "description": format!("in {i}")});
            }
            if i == 0 {
                day["allOf"] = json!([{"type": "object", "properties": {"old": {"type": "string"}}}]);
            }
        });
        let day = schema(&imported(None, &sources), "EDay").clone();
        assert_eq!(day["properties"]["legacy"]["description"], "in 1", "from 1.3-rev0, the newest that has it");
        assert_eq!(day[PROPERTY_REVISIONS], json!({"legacy": "1.2-rev1..1.3-rev0"}));
        // A schema only the newest revision has comes from it; an older `allOf` is not merged.
        assert_eq!(day["allOf"], Value::Null);
    }

    #[test]
    fn an_inline_all_of_member_marks_its_own_properties() {
        let sources = four(|i, d| {
            let mut member = json!({"type": "object", "properties": {"name": {"type": "string"}}});
            if i >= 2 {
                member["properties"]["uniqueId"] = json!({"type": "string"});
            }
            d["components"]["schemas"]["EDay"] = json!({"allOf": [{"$ref": "#/components/schemas/Base"}, member]});
            d["components"]["schemas"]["Base"] = json!({"type": "object"});
        });
        let day = schema(&imported(None, &sources), "EDay").clone();
        assert_eq!(day["allOf"][1][PROPERTY_REVISIONS], json!({"uniqueId": "1.3-rev1.."}));
        assert_eq!(day[PROPERTY_REVISIONS], Value::Null);
    }

    #[test]
    fn an_older_success_response_is_brought_in_and_each_marked_in_the_operations_map() {
        let sources = four(|i, d| {
            let responses = &mut d["paths"]["/days"]["get"]["responses"];
            if i >= 2 {
                *responses =
                    json!({"204": {"description": "Disabled."}, "404": {"$ref": "#/components/responses/NotFound"}});
            }
            d["components"]["responses"] = json!({"NotFound": {"description": "Not found"}});
        });
        // The curated operation answers only what the newest revision does.
        let mut spec = curated(None).doc;
        let mut newest = sources[3].doc["paths"].clone();
        newest["/days"]["get"].as_object_mut().unwrap().shift_remove("x-veeam-authorize");
        spec["paths"] = newest;
        let doc = imported(Some(spec), &sources);
        let op = &doc["paths"]["/days"]["get"];
        let codes: Vec<&String> = op["responses"].as_object().unwrap().keys().collect();
        assert_eq!(codes, ["200", "204", "404"], "in status order");
        assert_eq!(
            op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/EDay"
        );
        assert_eq!(
            op[RESPONSE_REVISIONS],
            json!({"200": "1.2-rev1..1.3-rev0", "204": "1.3-rev1..", "404": "1.3-rev1.."}),
            "a `$ref`'d response is marked in the map too"
        );
        assert!(doc.pointer("/components/schemas/EDay").is_some(), "what the older response uses comes along");
    }

    #[test]
    fn a_parameter_only_older_revisions_have_is_merged_and_marked_unless_declared_absent() {
        let sources = four(|i, d| {
            if i == 2 {
                let param = json!({"name": "resetCache", "in": "query", "schema": {"type": "boolean"}});
                d["paths"]["/days"]["get"]["parameters"].as_array_mut().unwrap().push(param);
                d["paths"]["/days"]["get"]["responses"]["403"] = json!({"description": "Forbidden"});
            }
        });
        let doc = imported(None, &sources);
        let op = &doc["paths"]["/days"]["get"];
        assert_eq!(op["parameters"][1]["name"], "resetCache");
        assert_eq!(op["parameters"][1][REVISIONS], "1.3-rev1..1.3-rev1");
        assert_eq!(op[RESPONSE_REVISIONS], json!({"403": "1.3-rev1..1.3-rev1"}));
        let mut spec = curated(None).doc;
        spec["paths"] = sources[3].doc["paths"].clone();
        spec["paths"]["/days"]["get"]["x-deviation"] =
            json!({"parameter resetCache": "never sent", "response 403": "never answered"});
        let doc = imported(Some(spec), &sources);
        let op = &doc["paths"]["/days"]["get"];
        assert_eq!(op["parameters"].as_array().unwrap().len(), 1);
        assert_eq!(op.get("responses").and_then(|r| r.get("403")), None);
    }

    #[test]
    fn a_list_older_revisions_write_as_one_value_is_marked_with_them() {
        let sources = four(|i, d| {
            let item = json!({"$ref": "#/components/schemas/EKind"});
            let list = json!({"type": "array", "items": item});
            let (status, filter, names) = match i {
                0 => (item.clone(), item.clone(), json!({"type": "string"})),
                1 | 2 => (list.clone(), item.clone(), json!({"type": "integer"})),
                _ => (list.clone(), list.clone(), json!({"type": "array", "items": {"type": "string"}})),
            };
            d["components"]["schemas"]["EKind"] = json!({"type": "string", "enum": ["A", "B"]});
            d["components"]["schemas"]["EDay"] =
                json!({"type": "object", "properties": {"status": status, "names": names, "tags": list}});
            let param = json!({"name": "typeFilter", "in": "query", "schema": filter});
            d["paths"]["/days"]["get"]["parameters"].as_array_mut().unwrap().push(param);
        });
        let doc = imported(None, &sources);
        // Only one value of the items' own type counts: `names` was an integer in two revisions.
        assert_eq!(
            schema(&doc, "EDay")[SINGLE_VALUE_REVISIONS],
            json!({"status": "1.2-rev1..1.2-rev1", "names": "1.2-rev1..1.2-rev1"})
        );
        let filter = &doc["paths"]["/days"]["get"]["parameters"][1];
        assert_eq!(filter["schema"]["type"], "array", "as the newest revision has it");
        assert_eq!(filter[SINGLE_VALUE_REVISIONS], "1.2-rev1..1.3-rev1");
        // A list in every revision: no mark.
        let sources = four(|_, d| {
            let param =
                json!({"name": "typeFilter", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}});
            d["paths"]["/days"]["get"]["parameters"].as_array_mut().unwrap().push(param);
        });
        let doc = imported(None, &sources);
        assert_eq!(doc["paths"]["/days"]["get"]["parameters"][1].get(SINGLE_VALUE_REVISIONS), None);
    }

    #[test]
    fn the_root_declares_the_revisions_the_version_header_and_keeps_a_declared_default_and_probe() {
        let doc = imported(None, &four(|_, _| {}));
        assert_eq!(
            doc[API_REVISIONS],
            json!({"header": "x-api-version", "default": "1.3-rev2", "revisions": REVISIONS_OF_VEEAM})
        );
        let mut spec = curated(None).doc;
        spec[API_REVISIONS] = json!({"default": "1.3-rev0", "revisions": ["1.1-rev0"], "probe": "GetServerTime"});
        let doc = imported(Some(spec), &four(|_, _| {}));
        assert_eq!(doc[API_REVISIONS]["default"], "1.3-rev0", "a declared default stays");
        assert_eq!(doc[API_REVISIONS]["probe"], "GetServerTime", "a declared probe stays");
        assert_eq!(doc[API_REVISIONS]["revisions"][0], "1.1-rev0", "declared revisions stay, in order");
        assert_eq!(doc[API_REVISIONS]["header"], "x-api-version");
    }

    #[test]
    fn the_version_header_is_the_one_every_operation_requires_with_the_revision_as_default() {
        let sources = four(|_, d| {
            let op = &mut d["paths"]["/days"]["get"];
            let other = json!({"name": "x-request-id", "in": "header", "required": true, "schema": {"type": "string"}});
            op["parameters"].as_array_mut().unwrap().push(other);
        });
        assert_eq!(version_header(&sources).as_deref(), Some("x-api-version"));
    }

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
