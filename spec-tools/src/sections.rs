//! A document split by section, the layout of the curated VBR spec: a root file (`info`,
//! `servers`, `tags`, shared parameters and responses, and `paths` whose items are `$ref`s)
//! and, beside it, one file per section that holds the section's path items and the
//! components only it uses (`jobs.yaml`: `paths:` and `components:`), plus one file for the
//! components several sections share.
//!
//! Every component name is defined in exactly one file, so the files join into one document
//! without renaming: [`join`] reads them into a single tree whose references are all local
//! (`#/components/schemas/JobModel`), which the audit and the import work on, and remembers
//! each element's file ([`Origins`]). [`write`] lays a joined tree back out, each element in
//! its file, with references between files made relative (`common.yaml#/components/...`).
//! Joining and writing back a formatted tree gives the same files byte for byte.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde_json::{Map, Value};

/// The kinds of component a section file may hold.
const KINDS: &[&str] = &["schemas", "parameters", "responses", "examples", "requestBodies", "headers"];

/// Which file each path item and component is written in, by its pointer in the joined tree
/// (`/paths/~1api~1v1~1jobs`, `/components/schemas/JobModel`), as a file name relative to
/// the root file's folder. Elements of the root file are not listed.
pub type Origins = BTreeMap<String, String>;

/// A joined document and where its elements are written.
pub struct Joined {
    /// The whole document, as one file would hold it.
    pub doc: Value,
    /// The file of each element that is not in the root file.
    pub origins: Origins,
    /// The root file's name (`openapi.yaml`).
    pub root_name: String,
}

impl Joined {
    /// The file an element is written in, for a pointer anywhere inside it
    /// (`/components/schemas/JobModel/properties/id` → `common.yaml`).
    pub fn file_of(&self, pointer: &str) -> &str {
        let tokens: Vec<&str> = pointer.split('/').collect();
        let key = match tokens.as_slice() {
            ["", "paths", path, ..] => format!("/paths/{path}"),
            ["", "components", kind, name, ..] => format!("/components/{kind}/{name}"),
            _ => return &self.root_name,
        };
        self.origins.get(&key).map_or(&self.root_name, String::as_str)
    }

    /// `pointer` as a reader finds it: the file it is written in, then the pointer there
    /// (`common.yaml#/components/schemas/JobModel/properties/id`).
    pub fn locate(&self, pointer: &str) -> String {
        format!("{}#{pointer}", self.file_of(pointer))
    }
}

/// The pointer of a path item.
pub fn path_key(path: &str) -> String {
    format!("/paths/{}", escape(path))
}

/// The pointer of a component.
pub fn component_key(kind: &str, name: &str) -> String {
    format!("/components/{kind}/{}", escape(name))
}

fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

fn parse(path: &Path) -> Result<Value> {
    let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    generator::load::parse_text(&path.display().to_string(), &text).map_err(|d| anyhow::anyhow!("{d}"))
}

/// Reads the document rooted at `root` (a one-file document joins to itself) into one tree.
pub fn join(root: &Path) -> Result<Joined> {
    let dir = root.parent().unwrap_or(Path::new(""));
    let root_name = root.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut doc = parse(root)?;
    let mut origins = Origins::new();
    let mut files: BTreeMap<String, Value> = BTreeMap::new();
    // The path items the root refers to, in its order; each names its file.
    let mut paths = Map::new();
    let root_paths = doc.get("paths").and_then(Value::as_object).cloned().unwrap_or_default();
    for (path, item) in root_paths {
        let Some(reference) = item.get("$ref").and_then(Value::as_str) else {
            paths.insert(path, item);
            continue;
        };
        let (file, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        let want = format!("/paths/{}", escape(&path));
        if file.is_empty() || fragment != want {
            bail!(
                "{}#/paths/{}: a section's path item is `<file>#{want}`, not `{reference}`",
                root.display(),
                escape(&path)
            );
        }
        if !files.contains_key(file) {
            let parsed = parse(&dir.join(file))?;
            check_section(&dir.join(file), &parsed)?;
            files.insert(file.to_owned(), parsed);
        }
        let Some(found) = files[file].pointer(&want).cloned() else {
            bail!("{}: {reference} names no path item", root.display());
        };
        origins.insert(want, file.to_owned());
        paths.insert(path, found);
    }
    // Section files that only hold components are reached through references.
    let mut pending: Vec<String> = files.keys().cloned().collect();
    let mut seen_refs = Vec::new();
    collect_files(&doc, &mut seen_refs);
    for value in files.values() {
        collect_files(value, &mut seen_refs);
    }
    pending.extend(seen_refs);
    while let Some(file) = pending.pop() {
        if file == root_name {
            continue;
        }
        if !files.contains_key(&file) {
            let parsed = parse(&dir.join(&file))?;
            check_section(&dir.join(&file), &parsed)?;
            let mut more = Vec::new();
            collect_files(&parsed, &mut more);
            pending.extend(more);
            files.insert(file.clone(), parsed);
        }
    }
    // Every file's path items must be listed in the root, and every component is defined once.
    for (file, value) in &files {
        for path in value.get("paths").and_then(Value::as_object).into_iter().flat_map(|m| m.keys()) {
            if origins.get(&path_key(path)) != Some(file) {
                bail!("{file}#{}: not listed in {root_name}'s paths", path_key(path));
            }
        }
    }
    let mut components = doc.get("components").and_then(Value::as_object).cloned().unwrap_or_default();
    for (file, value) in &files {
        let Some(theirs) = value.get("components").and_then(Value::as_object) else { continue };
        for (kind, members) in theirs {
            let Some(members) = members.as_object() else { continue };
            let ours = components.entry(kind.clone()).or_insert_with(|| Value::Object(Map::new()));
            let Some(ours) = ours.as_object_mut() else { bail!("{root_name}#/components/{kind} is not a map") };
            for (name, member) in members {
                let key = component_key(kind, name);
                if ours.contains_key(name) {
                    let first = origins.get(&key).map_or(root_name.as_str(), String::as_str);
                    bail!("{file}#{key}: also defined in {first}; a component is defined in one file");
                }
                ours.insert(name.clone(), member.clone());
                origins.insert(key, file.clone());
            }
        }
    }
    if let Some(map) = doc.as_object_mut() {
        if !paths.is_empty() {
            map.insert("paths".to_owned(), Value::Object(paths));
        }
        if !components.is_empty() {
            map.insert("components".to_owned(), Value::Object(components));
        }
    }
    localize(&mut doc);
    Ok(Joined { doc, origins, root_name })
}

/// A section file holds `paths` and `components` and nothing else.
fn check_section(path: &Path, value: &Value) -> Result<()> {
    let Some(map) = value.as_object() else { bail!("{}: a section file is a map", path.display()) };
    if let Some(key) = map.keys().find(|k| !matches!(k.as_str(), "paths" | "components")) {
        bail!("{}: a section file holds `paths` and `components`, not `{key}`", path.display());
    }
    Ok(())
}

/// The files other than the current one that `value`'s references name.
fn collect_files(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(r) = map.get("$ref").and_then(Value::as_str) {
                if let Some((file, _)) = r.split_once('#') {
                    if !file.is_empty() && !out.iter().any(|f| f == file) {
                        out.push(file.to_owned());
                    }
                }
            }
            map.values().for_each(|v| collect_files(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_files(v, out)),
        _ => {}
    }
}

/// Makes every reference local: `common.yaml#/components/schemas/X` → `#/components/schemas/X`.
fn localize(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                match (key.as_str(), v) {
                    ("$ref", Value::String(r)) => {
                        if let Some((_, fragment)) = r.split_once('#') {
                            *r = format!("#{fragment}");
                        }
                    }
                    // Discriminator mappings name components as references too.
                    ("mapping", Value::Object(m)) => {
                        for target in m.values_mut() {
                            match target {
                                Value::String(r) => {
                                    if let Some((_, fragment)) = r.split_once('#') {
                                        *r = format!("#{fragment}");
                                    }
                                }
                                other => localize(other),
                            }
                        }
                    }
                    (_, v) => localize(v),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(localize),
        _ => {}
    }
}

/// Lays `joined` out as files (name relative to the root's folder → canonical YAML text).
/// Path items and components without an origin stay in the root file.
pub fn write(joined: &Joined) -> Result<BTreeMap<String, String>> {
    let root_name = joined.root_name.as_str();
    let mut root = joined.doc.clone();
    let mut sections: BTreeMap<&str, Value> = BTreeMap::new();
    if let Some(paths) = root.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let key = path_key(path);
            let Some(file) = joined.origins.get(&key) else { continue };
            let mut moved = std::mem::replace(item, serde_json::json!({ "$ref": format!("{file}#{key}") }));
            relink(&mut moved, file, joined);
            let target = sections.entry(file.as_str()).or_insert_with(|| Value::Object(Map::new()));
            insert_at(target, &["paths", path], moved);
        }
    }
    if let Some(components) = root.get_mut("components").and_then(Value::as_object_mut) {
        for kind in KINDS {
            let Some(members) = components.get_mut(*kind).and_then(Value::as_object_mut) else { continue };
            let names: Vec<String> = members.keys().cloned().collect();
            for name in names {
                let Some(file) = joined.origins.get(&component_key(kind, &name)) else { continue };
                let mut moved = members.shift_remove(&name).unwrap_or_default();
                relink(&mut moved, file, joined);
                let target = sections.entry(file.as_str()).or_insert_with(|| Value::Object(Map::new()));
                insert_at(target, &["components", kind, &name], moved);
            }
        }
        components.retain(|_, v| !v.as_object().is_some_and(Map::is_empty));
    }
    // The root's own references: path items were replaced above; components stay relative.
    relink_root(&mut root, root_name, joined);
    let mut out = BTreeMap::new();
    out.insert(root_name.to_owned(), canonical(root_name, &root)?);
    for (file, value) in sections {
        out.insert(file.to_owned(), canonical(file, &value)?);
    }
    Ok(out)
}

fn canonical(file: &str, value: &Value) -> Result<String> {
    generator::canonical::canonical_yaml(value).map_err(|e| anyhow::anyhow!("{file}: {e}"))
}

fn insert_at(target: &mut Value, keys: &[&str], value: Value) {
    let mut at = target;
    for key in &keys[..keys.len() - 1] {
        let Some(map) = at.as_object_mut() else { return };
        at = map.entry((*key).to_owned()).or_insert_with(|| Value::Object(Map::new()));
    }
    if let Some(map) = at.as_object_mut() {
        map.insert(keys[keys.len() - 1].to_owned(), value);
    }
}

/// The reference to `fragment` (`/components/schemas/X`) as written in `file`.
fn reference(fragment: &str, file: &str, joined: &Joined) -> String {
    let target = joined.file_of(fragment);
    if target == file {
        format!("#{fragment}")
    } else {
        format!("{target}#{fragment}")
    }
}

fn relink(value: &mut Value, file: &str, joined: &Joined) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                match (key.as_str(), v) {
                    ("$ref", Value::String(r)) => {
                        if let Some(fragment) = r.strip_prefix('#') {
                            *r = reference(fragment, file, joined);
                        }
                    }
                    ("mapping", Value::Object(m)) => {
                        for target in m.values_mut() {
                            match target {
                                Value::String(r) => {
                                    if let Some(fragment) = r.strip_prefix('#') {
                                        *r = reference(fragment, file, joined);
                                    }
                                }
                                other => relink(other, file, joined),
                            }
                        }
                    }
                    (_, v) => relink(v, file, joined),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| relink(v, file, joined)),
        _ => {}
    }
}

/// The root's references, except the path items' (which already name their files).
fn relink_root(root: &mut Value, root_name: &str, joined: &Joined) {
    let Some(map) = root.as_object_mut() else { return };
    for (key, v) in map.iter_mut() {
        if key != "paths" {
            relink(v, root_name, joined);
        } else if let Some(paths) = v.as_object_mut() {
            for item in paths.values_mut() {
                if item.get("$ref").is_none() {
                    relink(item, root_name, joined);
                }
            }
        }
    }
}

/// Writes `files` into `dir` and removes the YAML files in `dir` that are no longer part of
/// the document; returns the names of the files whose text changed.
pub fn save(dir: &Path, files: &BTreeMap<String, String>) -> Result<Vec<String>> {
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut changed = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if name.ends_with(".yaml") && !files.contains_key(&name) {
            fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
            changed.push(name);
        }
    }
    for (name, text) in files {
        let path: PathBuf = dir.join(name);
        if fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
            changed.push(name.clone());
        }
    }
    Ok(changed)
}

/// The section file of a tag: `Managed Servers` → `managed-servers.yaml`.
pub fn file_of_tag(tag: &str) -> String {
    let mut out = String::new();
    for c in tag.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    format!("{}.yaml", out.trim_end_matches('-'))
}

/// The file where components several sections use are written.
pub const SHARED_FILE: &str = "common.yaml";

/// Gives each path item and component without an origin its file: a path item goes to the
/// section of its first operation's first tag; a component to the section whose operations
/// alone reach it, or to [`SHARED_FILE`] when several do. Components that no operation
/// reaches stay in the root file.
pub fn place(joined: &mut Joined) {
    let doc = &joined.doc;
    let mut users: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let empty = Map::new();
    let paths = doc.get("paths").and_then(Value::as_object).unwrap_or(&empty);
    for (path, item) in paths {
        let Some(item) = item.as_object() else { continue };
        let tag = item
            .values()
            .filter_map(|op| op.pointer("/tags/0").and_then(Value::as_str))
            .next()
            .unwrap_or("untagged")
            .to_owned();
        let file = file_of_tag(&tag);
        joined.origins.entry(path_key(path)).or_insert_with(|| file.clone());
        let mut reached = Vec::new();
        reach(doc, &Value::Object(item.clone()), &mut reached);
        for key in reached {
            let list = users.entry(key).or_default();
            if !list.contains(&file) {
                list.push(file.clone());
            }
        }
    }
    for (key, files) in users {
        if joined.origins.contains_key(&key) || doc.pointer(&key).is_none() {
            continue;
        }
        // Parameters and responses every section shares stay in the root, as Veeam has them.
        if key.starts_with("/components/parameters/") || key.starts_with("/components/responses/") {
            continue;
        }
        let file = if files.len() == 1 { files[0].clone() } else { SHARED_FILE.to_owned() };
        joined.origins.insert(key, file);
    }
}

/// Every component `value` reaches, transitively, by pointer (`/components/schemas/X`).
pub fn reach(doc: &Value, value: &Value, out: &mut Vec<String>) {
    let mut work = vec![value.clone()];
    while let Some(v) = work.pop() {
        let mut refs = Vec::new();
        references(&v, &mut refs);
        for r in refs {
            let Some(fragment) = r.strip_prefix('#') else { continue };
            let tokens: Vec<&str> = fragment.split('/').collect();
            let key = match tokens.as_slice() {
                ["", "components", kind, name, ..] => format!("/components/{kind}/{name}"),
                _ => continue,
            };
            if out.contains(&key) {
                continue;
            }
            if let Some(target) = doc.pointer(&key) {
                work.push(target.clone());
            }
            out.push(key);
        }
    }
}

/// The local references in `value`, discriminator mappings included.
pub fn references(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    ("mapping", Value::Object(m)) => {
                        for target in m.values() {
                            match target {
                                Value::String(r) => out.push(r.clone()),
                                other => references(other, out),
                            }
                        }
                    }
                    (_, v) => references(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, out)),
        _ => {}
    }
}

/// The component name a pointer names (`/components/schemas/A~1B` → `A/B`).
pub fn component_name(key: &str) -> Option<(String, String)> {
    let tokens: Vec<&str> = key.split('/').collect();
    match tokens.as_slice() {
        ["", "components", kind, name] => Some(((*kind).to_owned(), unescape(name))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The curated spec, joined and written back, is the same files byte for byte; so an
    /// import that adds nothing changes nothing.
    #[test]
    fn the_curated_spec_joins_and_writes_back_unchanged() {
        let dir = crate::workspace_root().join("spec/vbr");
        let joined = join(&dir.join("openapi.yaml")).unwrap();
        assert!(joined.origins.len() > 40, "the curated spec is split by section");
        for (name, text) in write(&joined).unwrap() {
            assert_eq!(fs::read_to_string(dir.join(&name)).unwrap(), text, "{name}");
        }
        // Every reference of the joined tree is local, and resolves.
        let mut refs = Vec::new();
        references(&joined.doc, &mut refs);
        for r in refs {
            assert!(r.starts_with("#/"), "{r}");
            assert!(joined.doc.pointer(&r[1..]).is_some(), "{r} resolves");
        }
        assert_eq!(
            joined.locate("/paths/~1api~1v1~1sessions/get/parameters/0"),
            "sessions.yaml#/paths/~1api~1v1~1sessions/get/parameters/0"
        );
        assert_eq!(joined.locate("/info/title"), "openapi.yaml#/info/title");
    }

    /// A layout that would make two files define one component, or a path item no root entry
    /// lists, is refused with the file and pointer.
    #[test]
    fn a_component_defined_twice_or_a_stray_path_is_refused() {
        let dir = std::env::temp_dir().join(format!("sections-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let root = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    $ref: a.yaml#/paths/~1a\n";
        fs::write(dir.join("openapi.yaml"), root).unwrap();
        let op = "get: {responses: {'200': {description: ok, content: {application/json: {schema: {$ref: 'b.yaml#/components/schemas/X'}}}}}}";
        fs::write(
            dir.join("a.yaml"),
            format!("paths:\n  /a:\n    {op}\ncomponents: {{schemas: {{X: {{type: string}}}}}}\n"),
        )
        .unwrap();
        fs::write(dir.join("b.yaml"), "components: {schemas: {X: {type: integer}}}\n").unwrap();
        let err = format!("{:#}", join(&dir.join("openapi.yaml")).err().expect("refused"));
        assert!(err.contains("/components/schemas/X: also defined in"), "{err}");
        fs::write(dir.join("b.yaml"), "paths:\n  /b:\n    get: {responses: {'200': {description: ok}}}\n").unwrap();
        fs::write(dir.join("a.yaml"), format!("paths:\n  /a:\n    {op}\n")).unwrap();
        let err = format!("{:#}", join(&dir.join("openapi.yaml")).err().expect("refused"));
        assert!(err.contains("b.yaml#/paths/~1b: not listed in openapi.yaml"), "{err}");
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn tags_name_files() {
        assert_eq!(file_of_tag("Managed Servers"), "managed-servers.yaml");
        assert_eq!(file_of_tag("High Availability (HA) Cluster"), "high-availability-ha-cluster.yaml");
        assert_eq!(file_of_tag("DiskManagement"), "diskmanagement.yaml");
    }
}
