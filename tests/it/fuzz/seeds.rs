//! Seed documents (the corpus, the curated specs, the fixtures) and the subtrees of them that
//! mutations splice into other documents.

use std::collections::{BTreeSet, HashSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use generator::Document;
use serde_json::{json, Map, Value};

use super::rng::Rng;
use super::tree::{
    all_paths, count_nodes, depth, escape, is_operation_path, is_schema_path, max_depth, node, pick_by_walk, NodePath,
    Seg,
};

/// One seed document.
pub(super) struct Seed {
    /// Where it came from, e.g. `corpus/oai/petstore.yaml`.
    pub(super) label: String,
    pub(super) text: String,
    /// The value tree, when the text parses at all.
    pub(super) tree: Option<Value>,
    /// Cut down to a few paths before mutating.
    pub(super) big: bool,
    pub(super) weight: usize,
}

/// Every seed document, weighted, and subtrees of them.
pub(super) struct Seeds {
    pub(super) seeds: Vec<Seed>,
    total_weight: usize,
    /// Subtrees of all documents (schemas, operations, parameters, responses) to splice in.
    pub(super) donors: Vec<Value>,
}

/// The files in `dir` (not below it) with one of `exts` (any, if empty), sorted.
pub(super) fn files_in(dir: &Path, exts: &[&str]) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> =
        std::fs::read_dir(dir).map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
    out.retain(|p| {
        p.is_file() && (exts.is_empty() || p.extension().and_then(|e| e.to_str()).is_some_and(|e| exts.contains(&e)))
    });
    out.sort();
    out
}

fn parse_tree(label: &str, text: &str) -> Option<Value> {
    let parsed = catch_unwind(AssertUnwindSafe(|| Document::parse(label, text))).ok()?;
    match parsed {
        Ok(doc) => Some(doc.raw),
        // A document that fails the version check still has a tree worth mutating.
        Err(_) => serde_json::from_str(text).ok().or_else(|| serde_yaml::from_str(text).ok()),
    }
}

/// Reads every seed document and takes donor subtrees from them; depends on the run's seed
/// only.
pub(super) fn load_seeds(run_seed: u64) -> Seeds {
    let root = crate::support::project::workspace_root();
    // The corpus holds the hardest seeds (Veeam's own documents); fuzzing without them would
    // pass while testing much less, so a missing corpus fails the run.
    let corpus = crate::support::project::require_corpus().unwrap_or_else(|e| panic!("fuzz: {e:#}"));
    let mut sources: Vec<(String, PathBuf, usize)> = Vec::new();
    let mut add = |prefix: &str, dir: &Path, exts: &[&str], weight: usize| {
        for p in files_in(dir, exts) {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            sources.push((format!("{prefix}/{name}"), p, weight));
        }
    };
    add("corpus/oai", &corpus.join("oai"), &["yaml", "json"], 3);
    add("corpus/progenitor", &corpus.join("progenitor"), &["yaml", "json"], 3);
    add("corpus/vbr", &corpus.join("vbr"), &["yaml", "json"], 6);
    add("spec", &root.join("spec"), &["yaml"], 4);
    add("fixtures", &root.join("tests/fixtures"), &["yaml", "json"], 2);
    add("fixtures/bad", &root.join("tests/fixtures/bad"), &[], 1);
    add("fixtures/fuzz", &root.join("tests/fixtures/fuzz"), &[], 1);
    let mut seeds = Vec::new();
    for (label, path, weight) in sources {
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        let tree = parse_tree(&label, &text);
        let big = text.len() > 150_000;
        if tree.as_ref().is_some_and(|t| depth(t) > max_depth()) {
            continue;
        }
        seeds.push(Seed { label, text, tree, big, weight });
    }
    let mut rng = Rng::new(run_seed ^ 0xD0_0000);
    let mut donors = Vec::new();
    for s in &seeds {
        let Some(tree) = &s.tree else { continue };
        let wanted = |p: &[Seg], v: &Value| {
            v.is_object()
                && (is_schema_path(p)
                    || is_operation_path(p)
                    || matches!(p, [.., Seg::K(k), Seg::I(_)] if k == "parameters")
                    || matches!(p, [.., Seg::K(k), Seg::K(_)] if k == "responses" || k == "paths"))
        };
        let mut candidates: Vec<NodePath> = Vec::new();
        if count_nodes(tree) <= 30_000 {
            candidates =
                all_paths(tree, usize::MAX).into_iter().filter(|p| wanted(p, node(tree, p).unwrap())).collect();
        } else {
            for _ in 0..600 {
                if let Some(p) = pick_by_walk(tree, &mut rng, &wanted) {
                    candidates.push(p);
                }
            }
        }
        let mut taken = 0;
        for _ in 0..candidates.len().min(400) {
            let p = &candidates[rng.below(candidates.len())];
            let v = node(tree, p).unwrap();
            if count_nodes(v) <= 3000 {
                donors.push(v.clone());
                taken += 1;
            }
            if taken >= 120 {
                break;
            }
        }
    }
    let total_weight = seeds.iter().map(|s| s.weight).sum();
    Seeds { seeds, total_weight, donors }
}

impl Seeds {
    pub(super) fn pick(&self, rng: &mut Rng) -> &Seed {
        let mut r = rng.below(self.total_weight);
        for s in &self.seeds {
            if r < s.weight {
                return s;
            }
            r -= s.weight;
        }
        self.seeds.last().unwrap()
    }
}

/// A few paths of a big document and the components they reference (transitively), plus a
/// few unreferenced schemas: big documents stay the hard cases without costing seconds each.
pub(super) fn subset(full: &Value, rng: &mut Rng, log: &mut Vec<String>) -> Value {
    let mut out = Map::new();
    if let Some(obj) = full.as_object() {
        for (k, v) in obj {
            if k != "paths" && k != "components" {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    let all_paths: Vec<&String> =
        full.get("paths").and_then(Value::as_object).map(|m| m.keys().collect()).unwrap_or_default();
    let k = if rng.chance(1, 2) { rng.range(1, 3) } else { rng.range(1, 20) };
    let mut chosen = BTreeSet::new();
    for _ in 0..k.min(all_paths.len()) {
        chosen.insert(rng.below(all_paths.len()));
    }
    let mut paths = Map::new();
    for &i in &chosen {
        paths.insert(all_paths[i].clone(), full["paths"][all_paths[i].as_str()].clone());
    }
    let mut comps: Map<String, Value> = Map::new();
    if let Some(s) = full.pointer("/components/securitySchemes") {
        comps.insert("securitySchemes".into(), s.clone());
    }
    let mut pending: Vec<Value> = paths.values().cloned().collect();
    let schema_names: Vec<&String> =
        full.pointer("/components/schemas").and_then(Value::as_object).map(|m| m.keys().collect()).unwrap_or_default();
    for _ in 0..rng.below(4) {
        if !schema_names.is_empty() {
            let name = schema_names[rng.below(schema_names.len())];
            pending.push(json!({ "$ref": format!("#/components/schemas/{}", escape(name)) }));
        }
    }
    let mut included: HashSet<(String, String)> = HashSet::new();
    while let Some(v) = pending.pop() {
        let mut refs = Vec::new();
        collect_component_refs(&v, false, &mut refs);
        for (kind, name) in refs {
            if !included.insert((kind.clone(), name.clone())) {
                continue;
            }
            let Some(target) = full.get("components").and_then(|c| c.get(&kind)).and_then(|c| c.get(&name)) else {
                continue;
            };
            comps
                .entry(kind.clone())
                .or_insert_with(|| Value::Object(Map::new()))
                .as_object_mut()
                .unwrap()
                .insert(name, target.clone());
            pending.push(target.clone());
        }
    }
    // Keep the component kinds in the document's order.
    let mut ordered = Map::new();
    if let Some(c) = full.get("components").and_then(Value::as_object) {
        for (kind, _) in c {
            if let Some(v) = comps.shift_remove(kind) {
                ordered.insert(kind.clone(), v);
            }
        }
    }
    out.insert("paths".into(), Value::Object(paths));
    out.insert("components".into(), Value::Object(ordered));
    log.push(format!("subset: {} of {} paths, {} components", chosen.len(), all_paths.len(), included.len()));
    Value::Object(out)
}

/// `(kind, name)` of every `#/components/{kind}/{name}` reference, including discriminator
/// mappings by bare name.
fn collect_component_refs(v: &Value, in_mapping: bool, out: &mut Vec<(String, String)>) {
    match v {
        Value::String(s) => {
            if let Some(rest) = s.strip_prefix("#/components/") {
                let mut parts = rest.splitn(3, '/');
                if let (Some(kind), Some(name)) = (parts.next(), parts.next()) {
                    let unescape = |t: &str| t.replace("~1", "/").replace("~0", "~");
                    out.push((unescape(kind), unescape(name)));
                }
            } else if in_mapping && !s.contains('/') {
                out.push(("schemas".into(), s.clone()));
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_component_refs(x, false, out)),
        Value::Object(m) => m.iter().for_each(|(k, x)| collect_component_refs(x, k == "mapping", out)),
        _ => {}
    }
}
