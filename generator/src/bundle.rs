//! Documents split over many files: every file a `$ref` reaches is read, parsed and placed in
//! the root document's tree under [`BUNDLED`], keyed by its path relative to the root file,
//! and references are rewritten to point there. From then on one tree is one document:
//! lowering, cycles and names work as for a single file. Diagnostics are mapped back to the
//! file and pointer where an element is written ([`Files::locate`]).
//!
//! Reading is the caller's: the generator never touches the file system itself.

use std::collections::{BTreeMap, VecDeque};

use serde_json::Value;

use crate::pointer::Pointer;

/// The root key under which other files are placed. An extension key, so validation and
/// lowering, which read OpenAPI's own keys, never see it as part of the document.
pub(crate) const BUNDLED: &str = "x-bundled-files";

/// Files bundled into a document, to map pointers back to where they are written.
#[derive(Clone, Debug, Default)]
pub struct Files {
    /// Path relative to the root file (`schemas/job.yaml`) → the label diagnostics use.
    labels: BTreeMap<String, String>,
}

impl Files {
    /// The file and pointer an element of the bundled tree is written at.
    pub fn locate<'a>(&'a self, root_label: &'a str, at: &Pointer) -> (&'a str, Pointer) {
        let bundled = Pointer::root().join(BUNDLED);
        if at.starts_with(&bundled) && at != &bundled {
            let rest = &at.as_str()[bundled.as_str().len() + 1..];
            let (key, inner) = rest.split_once('/').map(|(k, i)| (k, format!("/{i}"))).unwrap_or((rest, String::new()));
            let key = key.replace("~1", "/").replace("~0", "~");
            if let (Some(label), Some(inner)) = (self.labels.get(&key), Pointer::parse(&inner)) {
                return (label, inner);
            }
        }
        (root_label, at.clone())
    }

    /// A reference as a reader wrote it: one into the bundle is shown as the file (relative to
    /// the root file) and the fragment, `schemas/job.yaml#/properties/id`.
    pub fn describe(&self, reference: &str) -> String {
        let prefix = format!("#/{BUNDLED}/");
        let Some(rest) = reference.strip_prefix(&prefix) else { return reference.to_owned() };
        let (key, fragment) = rest.split_once('/').map(|(k, f)| (k, format!("#/{f}"))).unwrap_or((rest, String::new()));
        format!("{}{fragment}", key.replace("~1", "/").replace("~0", "~"))
    }

    /// Whether the document is more than one file.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The files besides the root, as (path relative to the root file, label).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.labels.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// What bundling could not do: (file label, pointer of the `$ref`, or `None` for a file that
/// cannot be parsed at all, message).
pub(crate) type Problem = (String, Option<Pointer>, String);

/// Upper bound on the files one document may pull in; a generated or hostile tree of
/// references cannot make loading run away.
const MAX_FILES: usize = 10_000;

/// Reads every file `root` refers to, transitively, and bundles them into `root`.
/// `parse` turns a file's text into a tree (by its name: JSON or YAML). Files are read in
/// waves (the files the previous wave refers to), and a wave's files are parsed on all cores;
/// the result does not depend on the order in which they finish.
pub(crate) fn bundle(
    root_label: &str,
    root: &mut Value,
    read: &mut dyn FnMut(&str) -> Result<String, String>,
    parse: &(dyn Fn(&str, &str) -> Result<Value, String> + Sync),
) -> (Files, Vec<Problem>) {
    let mut files = Files::default();
    let mut problems = Vec::new();
    let mut bundled: BTreeMap<String, Value> = BTreeMap::new();
    // Files to read: (key, the label and pointer of the first `$ref` to it).
    let mut queue: VecDeque<(String, String, Pointer)> = VecDeque::new();
    let root_key = root_label.rsplit('/').next().unwrap_or(root_label).to_owned();
    rewrite(root, "", &root_key, &Pointer::root(), root_label, &mut queue);
    while !queue.is_empty() {
        // This wave: each file not yet read, once, in the order first referred to.
        let mut wave: Vec<(String, String)> = Vec::new();
        for (key, from_label, from_at) in std::mem::take(&mut queue) {
            if bundled.contains_key(&key) || files.labels.contains_key(&key) || wave.iter().any(|(k, _)| *k == key) {
                continue;
            }
            let label = join(&dir(root_label), &key);
            if bundled.len() + wave.len() >= MAX_FILES {
                problems.push((
                    from_label,
                    Some(from_at),
                    format!("more than {MAX_FILES} files are referenced; `{key}` is not read"),
                ));
                continue;
            }
            match read(&label) {
                Ok(text) => wave.push((key, text)),
                Err(e) => problems.push((from_label, Some(from_at), format!("cannot read `{key}`: {e}"))),
            }
        }
        let labels: Vec<String> = wave.iter().map(|(key, _)| join(&dir(root_label), key)).collect();
        let parsed = parse_all(&labels, &wave, parse);
        for (((key, _), label), value) in wave.into_iter().zip(labels).zip(parsed) {
            let mut value = match value {
                Ok(v) => v,
                Err(e) => {
                    problems.push((label.clone(), None, e));
                    continue;
                }
            };
            rewrite(&mut value, &key, &root_key, &Pointer::root(), &label, &mut queue);
            files.labels.insert(key.clone(), label);
            bundled.insert(key, value);
        }
    }
    if let (Some(map), false) = (root.as_object_mut(), bundled.is_empty()) {
        map.insert(BUNDLED.to_owned(), Value::Object(bundled.into_iter().collect()));
    }
    (files, problems)
}

/// Parses the files of one wave on all cores; results in the wave's order.
fn parse_all(
    labels: &[String],
    wave: &[(String, String)],
    parse: &(dyn Fn(&str, &str) -> Result<Value, String> + Sync),
) -> Vec<Result<Value, String>> {
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).clamp(1, 8);
    if wave.len() < 2 || threads == 1 {
        return labels.iter().zip(wave).map(|(label, (_, text))| parse(label, text)).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut slots: Vec<Option<Result<Value, String>>> = (0..wave.len()).map(|_| None).collect();
    let finished: Vec<Vec<(usize, Result<Value, String>)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads.min(wave.len()))
            .map(|_| {
                // Parsers recurse once per nesting level; the generation threads' stack.
                std::thread::Builder::new().stack_size(crate::STACK).spawn_scoped(scope, || {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let (Some(label), Some((_, text))) = (labels.get(i), wave.get(i)) else { break done };
                        done.push((i, parse(label, text)));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| match h {
                Ok(h) => h.join().unwrap_or_default(),
                Err(_) => Vec::new(),
            })
            .collect()
    });
    for (i, r) in finished.into_iter().flatten() {
        slots[i] = Some(r);
    }
    // A file no thread parsed (a thread could not start or panicked) is parsed here.
    slots.into_iter().enumerate().map(|(i, r)| r.unwrap_or_else(|| parse(&labels[i], &wave[i].1))).collect()
}

/// Rewrites the `$ref`s of one file (`key`, empty for the root) to point into the bundle,
/// queueing the files they name. Recursive: the parsers bound nesting at 128 levels.
fn rewrite(
    v: &mut Value,
    key: &str,
    root_key: &str,
    at: &Pointer,
    label: &str,
    queue: &mut VecDeque<(String, String, Pointer)>,
) {
    // One reference, written at `at`: rewritten into the bundle, its file queued.
    let relink = |reference: &mut String, at: &Pointer, queue: &mut VecDeque<(String, String, Pointer)>| {
        let Some(mut target) = target(key, reference) else { return };
        // The root file named by its own name is the root.
        if target.file == root_key {
            target.file.clear();
        }
        if !target.file.is_empty() && target.file != key {
            queue.push_back((target.file.clone(), label.to_owned(), at.clone()));
        }
        *reference = target.bundled();
    };
    match v {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get_mut("$ref") {
                relink(reference, at, queue);
            }
            // A discriminator's mapping values are references too (a bare name is a component
            // of the root document, and stays as it is).
            let mapping =
                map.get_mut("discriminator").and_then(|d| d.get_mut("mapping")).and_then(Value::as_object_mut);
            for value in mapping.into_iter().flat_map(|m| m.values_mut()) {
                if let Value::String(reference) = value {
                    if reference.contains(['#', '/', '.']) {
                        relink(reference, &at.join("discriminator"), queue);
                    }
                }
            }
            // `responses/default` is a response; a schema's `default` is data.
            let responses = at.last().as_deref() == Some("responses");
            for (k, child) in map.iter_mut() {
                // A media type's or parameter's `examples` map holds Example Objects, which
                // may be references (to `components/examples`); their values are data.
                let names = matches!(at.last().as_deref(), Some("properties" | "schemas" | "patternProperties"));
                if let ("examples", Value::Object(examples), false) = (k.as_str(), &mut *child, names) {
                    for (name, example) in examples.iter_mut() {
                        if let Some(Value::String(reference)) = example.get_mut("$ref") {
                            relink(reference, &at.join("examples").join(name), queue);
                        }
                    }
                    continue;
                }
                // Examples and enums are data, whatever they look like.
                // (Under `properties` and the like, keys are names, not keywords.)
                let data = !names
                    && (matches!(k.as_str(), "example" | "examples" | "enum" | "const")
                        || (k == "default" && !responses));
                if !data && k != BUNDLED {
                    rewrite(child, key, root_key, &at.join(k), label, queue);
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                rewrite(item, key, root_key, &at.join(i), label, queue);
            }
        }
        _ => {}
    }
}

/// Where a reference written in file `key` points: a file (relative to the root; empty for
/// the root) and a fragment.
struct Target {
    file: String,
    fragment: String,
}

impl Target {
    fn bundled(&self) -> String {
        if self.file.is_empty() {
            format!("#{}", self.fragment)
        } else {
            let escaped = self.file.replace('~', "~0").replace('/', "~1");
            format!("#/{BUNDLED}/{escaped}{}", self.fragment)
        }
    }
}

/// `None` for references that are not to a file: URLs (refused where they are resolved)
/// and anything that is not a path.
fn target(key: &str, reference: &str) -> Option<Target> {
    let (path, fragment) = reference.split_once('#').unwrap_or((reference, ""));
    if path.contains("://") || path.starts_with("urn:") {
        return None;
    }
    let file = if path.is_empty() { key.to_owned() } else { join(&dir(key), path) };
    Some(Target { file, fragment: fragment.to_owned() })
}

/// The name a file that is one schema gives its type: the file name without extensions
/// (`schemas/job.v2.yaml` is `job`).
pub(crate) fn schema_name(key: &str) -> &str {
    let file = key.rsplit('/').next().unwrap_or(key);
    file.split('.').next().unwrap_or(file)
}

/// The folder part of a path, with its trailing `/` (empty for a bare name).
fn dir(path: &str) -> String {
    match path.rfind('/') {
        Some(i) => path[..=i].to_owned(),
        None => String::new(),
    }
}

/// `base` (a folder with its trailing `/`, or empty) joined with a relative `path`, with `.`
/// and `..` resolved where they can be.
fn join(base: &str, path: &str) -> String {
    let absolute = path.starts_with('/') || (base.is_empty() && path.starts_with('/'));
    let full = if path.starts_with('/') { path.to_owned() } else { format!("{base}{path}") };
    let mut parts: Vec<&str> = Vec::new();
    for part in full.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    if absolute || full.starts_with('/') {
        format!("/{joined}")
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_join_and_normalize() {
        assert_eq!(join("", "a.yaml"), "a.yaml");
        assert_eq!(join("schemas/", "../common/x.yaml"), "common/x.yaml");
        assert_eq!(join("", "../up.yaml"), "../up.yaml");
        assert_eq!(join("/spec/", "./s/a.yaml"), "/spec/s/a.yaml");
        assert_eq!(dir("schemas/job.yaml"), "schemas/");
        assert_eq!(dir("job.yaml"), "");
    }

    #[test]
    fn bundles_follows_and_maps_back() {
        let files: BTreeMap<&str, Value> = BTreeMap::from([
            (
                "spec/schemas/job.yaml",
                json!({"type": "object", "properties": {
                "next": {"$ref": "#"}, "owner": {"$ref": "../common.yaml#/User"}}}),
            ),
            ("spec/common.yaml", json!({"User": {"type": "string"}})),
        ]);
        let mut root = json!({"components": {"schemas": {"Job": {"$ref": "schemas/job.yaml"}}},
            "x": {"example": {"$ref": "not/a/file.yaml"}}});
        let mut read = |p: &str| files.get(p).map(|v| v.to_string()).ok_or_else(|| "no such file".to_owned());
        let parse = |_: &str, t: &str| serde_json::from_str(t).map_err(|e| e.to_string());
        let (map, problems) = bundle("spec/root.yaml", &mut root, &mut read, &parse);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(root["components"]["schemas"]["Job"]["$ref"], "#/x-bundled-files/schemas~1job.yaml");
        let job = &root[BUNDLED]["schemas/job.yaml"];
        assert_eq!(job["properties"]["next"]["$ref"], "#/x-bundled-files/schemas~1job.yaml");
        assert_eq!(job["properties"]["owner"]["$ref"], "#/x-bundled-files/common.yaml/User");
        assert_eq!(root["x"]["example"]["$ref"], "not/a/file.yaml");
        let at = Pointer::parse("/x-bundled-files/schemas~1job.yaml/properties/next").unwrap();
        let (file, inner) = map.locate("spec/root.yaml", &at);
        assert_eq!((file, inner.to_string().as_str()), ("spec/schemas/job.yaml", "#/properties/next"));
    }

    /// A media type's `examples` holds Example Objects: a reference among them names another
    /// file's `components/examples` and is bundled; the example's value stays data.
    #[test]
    fn example_objects_that_are_references_are_followed() {
        let files: BTreeMap<&str, Value> = BTreeMap::from([(
            "common.yaml",
            json!({"components": {"examples": {"Job": {"value": {"$ref": "looks/like/a/ref.yaml"}}}}}),
        )]);
        let mut root = json!({"paths": {"/a": {"get": {"responses": {"200": {"content": {"application/json": {
            "examples": {"job": {"$ref": "common.yaml#/components/examples/Job"}, "inline": {"value": {"$ref": "x.yaml"}}},
            "schema": {"properties": {"examples": {"$ref": "common.yaml#/components/schemas/Examples"}}}}}}}}}}});
        let mut read = |p: &str| files.get(p).map(|v| v.to_string()).ok_or_else(|| "no such file".to_owned());
        let parse = |_: &str, t: &str| serde_json::from_str(t).map_err(|e| e.to_string());
        let (_, problems) = bundle("root.yaml", &mut root, &mut read, &parse);
        let media = &root["paths"]["/a"]["get"]["responses"]["200"]["content"]["application/json"];
        assert_eq!(media["examples"]["job"]["$ref"], "#/x-bundled-files/common.yaml/components/examples/Job");
        assert_eq!(media["examples"]["inline"]["value"]["$ref"], "x.yaml", "an example's value is data");
        assert_eq!(
            root[BUNDLED]["common.yaml"]["components"]["examples"]["Job"]["value"]["$ref"],
            "looks/like/a/ref.yaml"
        );
        // A property named `examples` is a schema, whose reference is followed.
        assert_eq!(
            media["schema"]["properties"]["examples"]["$ref"],
            "#/x-bundled-files/common.yaml/components/schemas/Examples"
        );
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn a_missing_file_is_reported_at_the_ref() {
        let mut root = json!({"paths": {"/a": {"$ref": "paths/a.yaml"}}});
        let mut read = |_: &str| Err("no such file".to_owned());
        let parse = |_: &str, t: &str| serde_json::from_str(t).map_err(|e| e.to_string());
        let (_, problems) = bundle("root.yaml", &mut root, &mut read, &parse);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].0, "root.yaml");
        assert_eq!(problems[0].1.as_ref().map(ToString::to_string).as_deref(), Some("#/paths/~1a"));
        assert!(problems[0].2.contains("cannot read `paths/a.yaml`"), "{problems:?}");
    }
}
