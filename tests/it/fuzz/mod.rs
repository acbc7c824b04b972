//! A deterministic mutation fuzzer for loading and generation: the stable-toolchain stand-in
//! for a cargo-fuzz target (issue 4, "Nothing panics").
//!
//! Every case is derived from `(FUZZ_SEED, iteration)` alone, so any case can be rebuilt
//! without the ones before it. A case takes a seed document (the corpus, the curated specs,
//! the fixtures and the malformed fixtures), cuts the big ones down to a few paths and the
//! components they reference, applies a stack of mutations to the JSON value tree (deleted
//! keys, changed types, every kind of `$ref`, duplicate operationIds, odd names, deep
//! nesting, subtrees from other documents, enums, discriminators, unions, `nullable`, `xml`,
//! huge numbers, vendor extensions), serializes it as JSON or YAML and sometimes damages the
//! text itself (truncated, flipped bytes, stray `{`). Then it parses and generates, and checks:
//!
//! - nothing panics, on the calling thread or on the generator's own threads (a panic hook
//!   sees both; the generator turns a thread's panic into an "internal error" diagnostic);
//! - no diagnostic is an internal error, and a failed run has at least one error;
//! - every diagnostic names the file, and every diagnostic past parsing has a JSON pointer
//!   that starts with `#` (a syntax error may be about the whole document);
//! - a few cases are generated twice and must give identical output.
//!
//! A stack overflow or an abort kills the process, and a hang never returns, so the cases run
//! in a child process (this test binary again) that reports each case on stdout before and
//! after running it; the parent notices a death or a silence, records the case, and starts a
//! new child after it. Findings are minimized (on the value tree when the document still
//! parses, else on the text) and written to `target/fuzz-crashes/`, one report each.
//!
//! Environment:
//! - `FUZZ_ITERATIONS` (default [`DEFAULT_ITERATIONS`]), `FUZZ_SECONDS` (time-bounded run;
//!   with both, whichever ends first), `FUZZ_SEED` (decimal or `0x` hex; printed);
//! - `FUZZ_CASE=N`: build and run iteration N only, in process, and print what happened;
//! - `FUZZ_FILE=path` (with optional `FUZZ_OPTIONS=features,deny,strict`): run one document;
//! - `FUZZ_CASE_TIMEOUT` seconds a single case may take before it counts as a hang;
//! - `FUZZ_MEMORY_MB` (default 2048): the address space of a child process;
//! - `FUZZ_MAX_DEPTH`: cap nesting depth, to look past a known deep-nesting problem;
//! - `OPENAPI_CORPUS`: the corpus of real-world documents, which the fuzzer needs (see the
//!   README; default `../shared/corpus` next to the workspace);
//! - `FUZZ_SELF_TEST=abort@N` / `hang@N`: iteration N kills or stalls the child, to check the
//!   parent's handling of crashes it cannot catch.
//!
//! Long runs: `FUZZ_SECONDS=600 cargo test --release -p tests --test it -- --exact fuzz::generate --nocapture`.

use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};
use std::io::{BufRead, BufReader, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use generator::{Diagnostic, Document, Options, Severity};
use serde_json::{json, Map, Value};

use crate::support::{self, this_test};

/// Iterations of a plain `cargo test` run: about half a minute in a debug build on two cores.
const DEFAULT_ITERATIONS: u64 = 1500;
/// The seed of a plain run.
const DEFAULT_SEED: u64 = 0x0A11_5EED;
/// Time one minimization may take.
const MINIMIZE_BUDGET: Duration = Duration::from_secs(if cfg!(debug_assertions) { 120 } else { 60 });

// ---------------------------------------------------------------------------------------------
// Configuration and entry point
// ---------------------------------------------------------------------------------------------

struct Config {
    seed: u64,
    iterations: u64,
    seconds: Option<u64>,
    case_timeout: Duration,
    out_dir: PathBuf,
}

impl Config {
    fn from_env() -> Config {
        let num = |name: &str| -> Option<u64> {
            let raw = std::env::var(name).ok()?;
            let raw = raw.trim().replace('_', "");
            let parsed = match raw.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => raw.parse(),
            };
            Some(parsed.unwrap_or_else(|e| panic!("{name}={raw:?} is not a number: {e}")))
        };
        let seconds = num("FUZZ_SECONDS");
        Config {
            seed: num("FUZZ_SEED").unwrap_or(DEFAULT_SEED),
            // A time-bounded run is bounded by time alone unless iterations are given too.
            iterations: num("FUZZ_ITERATIONS").unwrap_or(if seconds.is_some() { u64::MAX } else { DEFAULT_ITERATIONS }),
            seconds,
            case_timeout: Duration::from_secs(num("FUZZ_CASE_TIMEOUT").unwrap_or(if cfg!(debug_assertions) {
                120
            } else {
                15
            })),
            out_dir: xtask::workspace_root().join("target/fuzz-crashes"),
        }
    }
}

#[test]
fn generate() {
    let cfg = Config::from_env();
    if let Ok(path) = std::env::var(ONE_ENV) {
        return child_one(&path);
    }
    if std::env::var(CHILD_ENV).is_ok() {
        return child_main(&cfg);
    }
    if let Ok(path) = std::env::var("FUZZ_FILE") {
        if !rerun_with_memory_limit() {
            run_file(&path);
        }
        return;
    }
    if let Ok(i) = std::env::var("FUZZ_CASE") {
        if !rerun_with_memory_limit() {
            run_one_case(&cfg, i.trim().parse().expect("FUZZ_CASE is an iteration number"));
        }
        return;
    }
    supervise(&cfg);
}

/// Documents the fuzzer found problems with, minimized: those in `tests/fixtures/fuzz/` must
/// generate, and every document there and in `tests/fixtures/bad/` must be handled (generated
/// or rejected; `bad_specs` checks which errors) without a finding, within
/// `FUZZ_REGRESSION_TIMEOUT` seconds (default 10; they take milliseconds) and the fuzzer's memory limit. Each runs in
/// a child process, since the bug may have been an overflow, an endless allocation or a hang.
#[test]
fn regressions() {
    let timeout =
        Duration::from_secs(std::env::var("FUZZ_REGRESSION_TIMEOUT").ok().and_then(|v| v.parse().ok()).unwrap_or(10));
    let root = xtask::workspace_root().join("tests/fixtures");
    let mut failures = Vec::new();
    for (folder, must_generate) in [("fuzz", true), ("bad", false)] {
        for path in files_in(&root.join(folder), &[]) {
            let name = format!("{folder}/{}", path.file_name().unwrap().to_string_lossy());
            let started = Instant::now();
            let mut run = spawn_child(&[(ONE_ENV, path.display().to_string()), ("FUZZ_CHILD_ONE_NAME", name.clone())]);
            let mut said = Vec::new();
            let timed_out = loop {
                match run.rx.recv_timeout(timeout.saturating_sub(started.elapsed())) {
                    Ok(Msg::Line(l)) => said.push(l),
                    Ok(Msg::Eof) => break false,
                    Err(_) => {
                        let _ = run.child.kill();
                        break true;
                    }
                }
            };
            let status = run.child.wait().expect("waiting for the child");
            let tail = lock(&run.stderr).iter().cloned().collect::<Vec<_>>().join("\n");
            let done = said.iter().find_map(|l| l.strip_prefix("one-ok ")).map(str::to_owned);
            let problem = match done {
                _ if timed_out => Some(format!("took longer than {timeout:?}")),
                None => Some(format!("{}{}", said.join("; "), classify_death(&status, &tail).1)),
                Some(d) if d.ends_with(" 0") && (!must_generate || d.starts_with("generated")) => None,
                Some(d) => Some(format!(
                    "{d} ({})",
                    said.iter().filter(|l| l.starts_with("one-finding")).cloned().collect::<Vec<_>>().join("; ")
                )),
            };
            if let Some(p) = problem {
                failures.push(format!("{name}: {p}"));
            }
        }
    }
    assert!(failures.is_empty(), "fuzz regressions:\n{}", failures.join("\n"));
}

/// Runs this test again in a child under the memory limit, with the same environment and
/// output, unless this already is that child. Returns whether it did.
fn rerun_with_memory_limit() -> bool {
    if std::env::var("FUZZ_LIMITED").is_ok() {
        return false;
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {} 2>/dev/null; exec \"$0\" \"$@\"", memory_limit_mb() * 1024))
        .arg(exe)
        .args(support::rerun_args(&this_test!(generate)))
        .env("FUZZ_LIMITED", "1")
        .status()
        .expect("starting the test again");
    assert!(status.success(), "the run under a {} MiB memory limit failed ({status})", memory_limit_mb());
    true
}

// ---------------------------------------------------------------------------------------------
// Random numbers: xoshiro256** seeded through splitmix64, so cases never depend on a crate's
// choice of algorithm.
// ---------------------------------------------------------------------------------------------

fn splitmix(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

struct Rng([u64; 4]);

impl Rng {
    fn new(seed: u64) -> Rng {
        let mut x = seed;
        Rng([splitmix(&mut x), splitmix(&mut x), splitmix(&mut x), splitmix(&mut x)])
    }

    /// The generator of one case: depends on the run's seed and the iteration only.
    fn for_case(seed: u64, iteration: u64) -> Rng {
        let mut x = seed ^ iteration.wrapping_mul(0xD1B5_4A32_D192_ED03);
        Rng::new(splitmix(&mut x))
    }

    fn next(&mut self) -> u64 {
        let s = &mut self.0;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    fn chance(&mut self, num: usize, den: usize) -> bool {
        self.below(den) < num
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

// ---------------------------------------------------------------------------------------------
// Paths into a value tree
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq)]
enum Seg {
    K(String),
    I(usize),
}

type NodePath = Vec<Seg>;

fn node<'a>(v: &'a Value, p: &[Seg]) -> Option<&'a Value> {
    p.iter().try_fold(v, |v, s| match (s, v) {
        (Seg::K(k), Value::Object(m)) => m.get(k),
        (Seg::I(i), Value::Array(a)) => a.get(*i),
        _ => None,
    })
}

fn node_mut<'a>(v: &'a mut Value, p: &[Seg]) -> Option<&'a mut Value> {
    let mut cur = v;
    for s in p {
        cur = match (s, cur) {
            (Seg::K(k), Value::Object(m)) => m.get_mut(k)?,
            (Seg::I(i), Value::Array(a)) => a.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn remove_node(v: &mut Value, p: &[Seg]) -> Option<Value> {
    let (last, parent) = p.split_last()?;
    match (last, node_mut(v, parent)?) {
        (Seg::K(k), Value::Object(m)) => m.shift_remove(k),
        (Seg::I(i), Value::Array(a)) if *i < a.len() => Some(a.remove(*i)),
        _ => None,
    }
}

fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// `#/a/b` for a path.
fn pointer(p: &[Seg]) -> String {
    let mut out = String::from("#");
    for s in p {
        out.push('/');
        match s {
            Seg::K(k) => out.push_str(&escape(k)),
            Seg::I(i) => out.push_str(&i.to_string()),
        }
    }
    out
}

fn children(v: &Value) -> Vec<Seg> {
    match v {
        Value::Object(m) => m.keys().map(|k| Seg::K(k.clone())).collect(),
        Value::Array(a) => (0..a.len()).map(Seg::I).collect(),
        _ => Vec::new(),
    }
}

fn child_count(v: &Value) -> usize {
    match v {
        Value::Object(m) => m.len(),
        Value::Array(a) => a.len(),
        _ => 0,
    }
}

/// Every node below the root, parents before children, up to `limit` of them.
fn all_paths(v: &Value, limit: usize) -> Vec<NodePath> {
    let mut out: Vec<NodePath> = Vec::new();
    let mut queue: VecDeque<NodePath> = VecDeque::from([Vec::new()]);
    while let Some(p) = queue.pop_front() {
        let Some(here) = node(v, &p) else { continue };
        for c in children(here) {
            let mut q = p.clone();
            q.push(c);
            if out.len() >= limit {
                return out;
            }
            out.push(q.clone());
            queue.push_back(q);
        }
    }
    out
}

fn depth(v: &Value) -> usize {
    1 + match v {
        Value::Object(m) => m.values().map(depth).max().unwrap_or(0),
        Value::Array(a) => a.iter().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// `FUZZ_MAX_DEPTH` caps how deep documents get (seeds deeper are left out): for long runs
/// that should look past a known problem with deep nesting.
fn max_depth() -> usize {
    std::env::var("FUZZ_MAX_DEPTH").ok().and_then(|v| v.parse().ok()).unwrap_or(usize::MAX)
}

fn count_nodes(v: &Value) -> usize {
    1 + match v {
        Value::Object(m) => m.values().map(count_nodes).sum(),
        Value::Array(a) => a.iter().map(count_nodes).sum(),
        _ => 0,
    }
}

/// Whether the node at `p` sits where OpenAPI expects a schema.
fn is_schema_path(p: &[Seg]) -> bool {
    match p {
        [.., Seg::K(c), Seg::K(s), Seg::K(_)] if c == "components" && s == "schemas" => true,
        [.., Seg::K(k), Seg::K(_)] if k == "properties" => true,
        [.., Seg::K(k)] if ["items", "additionalProperties", "not", "schema"].contains(&k.as_str()) => true,
        [.., Seg::K(k), Seg::I(_)] if ["allOf", "oneOf", "anyOf"].contains(&k.as_str()) => true,
        _ => false,
    }
}

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

fn is_operation_path(p: &[Seg]) -> bool {
    matches!(p, [Seg::K(a), Seg::K(_), Seg::K(m)] if a == "paths" && METHODS.contains(&m.as_str()))
}

fn operations(doc: &Value) -> Vec<NodePath> {
    let mut out = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for m in METHODS {
                if item.get(*m).is_some_and(Value::is_object) {
                    out.push(vec![Seg::K("paths".into()), Seg::K(path.clone()), Seg::K((*m).into())]);
                }
            }
        }
    }
    out
}

/// A random node satisfying `pred`: uniformly among all nodes of a small tree, by a random
/// walk from the root in a big one.
fn pick_node(doc: &Value, rng: &mut Rng, pred: &dyn Fn(&[Seg], &Value) -> bool) -> Option<NodePath> {
    if count_nodes(doc) <= 30_000 {
        let all: Vec<NodePath> =
            all_paths(doc, usize::MAX).into_iter().filter(|p| node(doc, p).is_some_and(|v| pred(p, v))).collect();
        if all.is_empty() {
            return None;
        }
        return Some(all[rng.below(all.len())].clone());
    }
    pick_by_walk(doc, rng, pred)
}

fn pick_by_walk(doc: &Value, rng: &mut Rng, pred: &dyn Fn(&[Seg], &Value) -> bool) -> Option<NodePath> {
    for _ in 0..200 {
        let mut p = Vec::new();
        let mut cur = doc;
        loop {
            let kids = children(cur);
            if kids.is_empty() || (!p.is_empty() && rng.chance(1, 6) && pred(&p, cur)) {
                break;
            }
            let c = kids[rng.below(kids.len())].clone();
            cur = match &c {
                Seg::K(k) => &cur[k.as_str()],
                Seg::I(i) => &cur[*i],
            };
            p.push(c);
        }
        if !p.is_empty() && pred(&p, cur) {
            return Some(p);
        }
    }
    None
}

fn any_node(_: &[Seg], _: &Value) -> bool {
    true
}

fn schema_node(p: &[Seg], v: &Value) -> bool {
    is_schema_path(p) && v.is_object()
}

// ---------------------------------------------------------------------------------------------
// Seeds
// ---------------------------------------------------------------------------------------------

struct Seed {
    /// Where it came from, e.g. `corpus/oai/petstore.yaml`.
    label: String,
    text: String,
    /// The value tree, when the text parses at all.
    tree: Option<Value>,
    /// Cut down to a few paths before mutating.
    big: bool,
    weight: usize,
}

struct Seeds {
    seeds: Vec<Seed>,
    total_weight: usize,
    /// Subtrees of all documents (schemas, operations, parameters, responses) to splice in.
    donors: Vec<Value>,
}

fn files_in(dir: &Path, exts: &[&str]) -> Vec<PathBuf> {
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

fn load_seeds(run_seed: u64) -> Seeds {
    let root = xtask::workspace_root();
    // The corpus holds the hardest seeds (Veeam's own documents); fuzzing without them would
    // pass while testing much less, so a missing corpus fails the run.
    let corpus = xtask::require_corpus().unwrap_or_else(|e| panic!("fuzz: {e:#}"));
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
    fn pick(&self, rng: &mut Rng) -> &Seed {
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
fn subset(full: &Value, rng: &mut Rng, log: &mut Vec<String>) -> Value {
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

// ---------------------------------------------------------------------------------------------
// Odd values
// ---------------------------------------------------------------------------------------------

const ODD_NAMES: &[&str] = &[
    "type",
    "self",
    "Self",
    "super",
    "crate",
    "_",
    "__",
    "r#type",
    "async",
    "await",
    "try",
    "dyn",
    "gen",
    "union",
    "static",
    "macro_rules",
    "",
    " ",
    "  leading",
    "trailing ",
    "Option",
    "Result",
    "String",
    "Vec",
    "Box",
    "Some",
    "None",
    "Ok",
    "Err",
    "std",
    "core",
    "serde",
    "Client",
    "Error",
    "UnknownValue",
    "UnknownVariant",
    "Other",
    "Default",
    "Value",
    "new",
    "builder",
    "login",
    "fmt",
    "clone",
    "core",
    "from_core",
    "body",
    "params",
    "0",
    "123",
    "1abc",
    "-1",
    "1.5",
    "1_000",
    "-",
    "--",
    "a-b",
    "a.b",
    "a/b",
    "a~b",
    "~0",
    "~1",
    "%",
    "%zz",
    "%e9",
    "a%aé",
    "$",
    "$ref",
    "@type",
    "#",
    "#/",
    "{",
    "}",
    "{id}",
    "{}",
    "a{b}c",
    "`",
    "``",
    "\"",
    "'",
    "\\",
    "\n",
    "a\nb",
    "\t",
    "\r\n",
    "*/",
    "/*",
    "///",
    "//!",
    "#[doc]",
    "#![deny(warnings)]",
    "<p>",
    "&#58;",
    "[a](b)",
    "ñandú",
    "日本語",
    "Ünïcödé",
    "😀",
    "🦀🦀",
    "\u{200b}",
    "e\u{301}",
    "\u{202e}abc",
    "\u{0}",
    "\u{feff}x",
    "ǝ",
    "Ǝ",
    "ß",
    "İ",
    "ﬁ",
    "fooBar",
    "foo_bar",
    "FooBar",
    "foo-bar",
    "FOO_BAR",
    "foo__bar",
    "Foo1",
    "foo1",
    "foo_1",
    "1.3",
    "13",
    "1_3",
    "ID",
    "Id",
    "id",
    "iD",
    "x-y",
    "X-API-Version",
    "Content-Type",
    "Accept",
    "Authorization",
    "null",
    "true",
    "false",
    "NaN",
    "inf",
    "Params",
    "Response",
    "Body",
    "Item",
    "Variant1",
    "types",
    "client",
    "mod",
    "runtime",
];

const ODD_CHARS: &[char] = &[
    'a', 'b', 'Z', '0', '9', '_', '-', '.', ' ', '/', '{', '}', '~', '%', '`', '"', '\\', '\n', 'é', '日', '😀',
    '\u{200b}', 'ǝ', 'ß', '$', '#', '[', ']', '<', '>', '&', '*', ':',
];

fn odd_name(rng: &mut Rng) -> String {
    match rng.below(10) {
        0 => {
            let c = *rng.pick(&['x', 'a', 'é', '9', '_', '{', '😀', 'Z']);
            let n = if rng.chance(1, 4) { 10_000 } else { 1000 };
            std::iter::repeat_n(c, n).collect()
        }
        1..=3 => (0..rng.range(1, 24)).map(|_| *rng.pick(ODD_CHARS)).collect(),
        _ => (*rng.pick(ODD_NAMES)).to_owned(),
    }
}

fn huge_number(rng: &mut Rng) -> Value {
    match rng.below(14) {
        0 => json!(u64::MAX),
        1 => json!(i64::MIN),
        2 => json!(i64::MAX),
        3 => json!(1e308),
        4 => json!(-1.7976931348623157e308),
        5 => json!(5e-324),
        6 => json!(0.1),
        7 => json!(-0.0),
        8 => json!((1u64 << 53) + 1),
        9 => json!(4_294_967_296u64),
        10 => json!(-1),
        11 => json!(0),
        12 => json!(1.5),
        _ => json!(65536),
    }
}

fn random_scalar(rng: &mut Rng) -> Value {
    match rng.below(6) {
        0 => Value::Null,
        1 => Value::Bool(rng.chance(1, 2)),
        2 => huge_number(rng),
        3 => json!(rng.below(1000)),
        _ => Value::String(odd_name(rng)),
    }
}

fn random_value(rng: &mut Rng, depth: usize) -> Value {
    if depth == 0 || rng.chance(1, 2) {
        return random_scalar(rng);
    }
    if rng.chance(1, 2) {
        Value::Array((0..rng.below(4)).map(|_| random_value(rng, depth - 1)).collect())
    } else {
        let mut m = Map::new();
        for _ in 0..rng.below(4) {
            let k = if rng.chance(1, 2) { (*rng.pick(SCHEMA_KEYS)).to_owned() } else { odd_name(rng) };
            m.insert(k, random_value(rng, depth - 1));
        }
        Value::Object(m)
    }
}

const SCHEMA_KEYS: &[&str] = &[
    "type",
    "format",
    "items",
    "properties",
    "required",
    "allOf",
    "oneOf",
    "anyOf",
    "not",
    "enum",
    "nullable",
    "discriminator",
    "xml",
    "$ref",
    "additionalProperties",
    "default",
    "description",
    "title",
    "readOnly",
    "writeOnly",
    "example",
    "deprecated",
    "x-secret",
    "minimum",
    "maximum",
    "maxLength",
    "pattern",
    "x-enumDescriptions",
];

const OTHER_KEYS: &[&str] = &[
    "parameters",
    "requestBody",
    "responses",
    "content",
    "schema",
    "headers",
    "operationId",
    "tags",
    "security",
    "name",
    "in",
    "required",
    "x-pagination",
    "x-session-header",
    "x-doc-page",
    "servers",
    "summary",
    "callbacks",
    "links",
    "components",
    "paths",
    "openapi",
    "info",
    "schemas",
    "mapping",
    "propertyName",
];

fn simple_schema(rng: &mut Rng) -> Value {
    match rng.below(16) {
        0 => json!({"type": "string"}),
        1 => json!({"type": "integer", "format": "int32"}),
        2 => json!({"type": "string", "format": odd_name(rng)}),
        3 => json!({"type": "array", "items": {"type": "string"}}),
        4 => json!({"type": "object", "additionalProperties": true}),
        5 => json!({"type": "boolean"}),
        6 => json!({"enum": [odd_name(rng), odd_name(rng)]}),
        7 => json!({}),
        8 => json!(true),
        9 => json!({"type": "null"}),
        10 => json!({"type": ["string", "null"]}),
        11 => json!({"type": "string", "default": random_scalar(rng)}),
        12 => json!({"type": "object", "properties": {odd_name(rng): {"type": "string"}}, "required": [odd_name(rng)]}),
        13 => {
            json!({"type": "string", "format": *rng.pick(&["uuid", "date-time", "date", "password", "binary", "byte"])})
        }
        14 => json!({"type": "number", "format": *rng.pick(&["float", "double", "decimal", "int64", "weird"])}),
        _ => {
            json!({"type": "integer", "format": *rng.pick(&["int64", "uint64", "int8", "huge"]), "minimum": huge_number(rng)})
        }
    }
}

/// Every kind of `$ref`: to a component, to any node, to itself or an ancestor (cycles), into
/// `paths`, dangling, external, malformed (bad escapes, bad percent-encoding) and not a string.
fn random_ref(doc: &Value, rng: &mut Rng, here: &[Seg]) -> Value {
    let schema_names: Vec<String> = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let s = match rng.below(12) {
        0 | 1 if !schema_names.is_empty() => {
            format!("#/components/schemas/{}", escape(rng.pick::<String>(&schema_names)))
        }
        2 => match pick_node(doc, rng, &any_node) {
            Some(p) => pointer(&p),
            None => "#/".into(),
        },
        3 => pointer(here),
        4 => pointer(&here[..rng.below(here.len().max(1))]),
        5 => format!("#/components/schemas/{}", escape(&odd_name(rng))),
        6 => (*rng.pick(&[
            "other.yaml#/components/schemas/X",
            "https://example.com/api.json#/components/schemas/Pet",
            "./common.json",
            "common.yaml#",
            "file:///etc/passwd",
            "//host/x#/y",
        ]))
        .to_owned(),
        7 => {
            let ops = operations(doc);
            if ops.is_empty() {
                "#/paths".into()
            } else {
                let op = rng.pick(&ops);
                let tail = *rng.pick(&["", "/parameters/0", "/responses/200", "/requestBody", "/responses"]);
                format!("{}{tail}", pointer(op))
            }
        }
        8 => (*rng.pick(&[
            "",
            "#",
            "#/",
            "#x",
            "components/schemas/Pet",
            "#/components/schemas/",
            "#//",
            "#/components//schemas",
            "#/%",
            "#/a%zz",
            "#/%e9",
            "#/%C3%A9",
            "#/%é",
            "#/a%aé",
            "#/%%",
            "#/~2",
            "#/~",
            "#/components/schemas/A~1B",
            "#/日本",
            "#/components/schemas/😀",
            "#/info",
            "#/openapi",
            "#/paths",
            "#/components",
            "#/components/schemas",
            "#/servers/0",
            "#/components/schemas/%41",
            "#/components/schemas/a%2",
            "#/components/schemas/%",
            "#/%ff%fe",
            "#/components/schemas/x%é",
        ]))
        .to_owned(),
        9 => {
            let kind =
                *rng.pick(&["parameters", "responses", "requestBodies", "securitySchemes", "headers", "examples"]);
            let names: Vec<String> = doc
                .get("components")
                .and_then(|c| c.get(kind))
                .and_then(Value::as_object)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            let name = if names.is_empty() { odd_name(rng) } else { rng.pick(&names).clone() };
            format!("#/components/{kind}/{}", escape(&name))
        }
        10 => return random_scalar(rng),
        _ => format!("#{}", odd_name(rng)),
    };
    Value::String(s)
}

// ---------------------------------------------------------------------------------------------
// Mutations of the value tree
// ---------------------------------------------------------------------------------------------

type Log = Vec<String>;

fn mutate(doc: &mut Value, rng: &mut Rng, donors: &[Value], log: &mut Log) {
    // Weighted: the operators most likely to reach new code come up most.
    const OPS: &[(usize, &str)] = &[
        (6, "delete"),
        (6, "retype"),
        (8, "ref"),
        (3, "dup-operation-id"),
        (8, "odd-name"),
        (3, "deep"),
        (6, "splice"),
        (4, "enum"),
        (4, "discriminator"),
        (5, "wrap"),
        (3, "nullable"),
        (4, "xml"),
        (3, "huge-number"),
        (4, "vendor"),
        (2, "docs"),
        (3, "media"),
        (5, "parameter"),
        (4, "path"),
        (2, "security"),
        (2, "servers"),
        (5, "insert-key"),
        (3, "format"),
        (3, "required"),
        (4, "response"),
        (2, "copy"),
    ];
    let total: usize = OPS.iter().map(|(w, _)| w).sum();
    for _attempt in 0..8 {
        let mut r = rng.below(total);
        let mut op = OPS[0].1;
        for (w, name) in OPS {
            if r < *w {
                op = name;
                break;
            }
            r -= w;
        }
        if let Some(what) = apply(op, doc, rng, donors) {
            log.push(format!("{op}: {what}"));
            return;
        }
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 80 {
        format!("{}…", s.chars().take(80).collect::<String>())
    } else {
        s
    }
}

fn set(doc: &mut Value, p: &[Seg], v: Value) {
    if let Some(n) = node_mut(doc, p) {
        *n = v;
    }
}

fn insert(doc: &mut Value, p: &[Seg], key: &str, v: Value) {
    if let Some(Value::Object(m)) = node_mut(doc, p) {
        m.insert(key.to_owned(), v);
    }
}

fn ensure_object<'a>(doc: &'a mut Value, key: &str) -> &'a mut Map<String, Value> {
    if !doc.is_object() {
        *doc = Value::Object(Map::new());
    }
    let m = doc.as_object_mut().unwrap();
    if !m.get(key).is_some_and(Value::is_object) {
        m.insert(key.to_owned(), Value::Object(Map::new()));
    }
    m.get_mut(key).unwrap().as_object_mut().unwrap()
}

/// Renames `old` to `new` in an object, keeping its position.
fn rename_key(m: &mut Map<String, Value>, old: &str, new: &str) {
    let entries: Vec<(String, Value)> = std::mem::take(m).into_iter().collect();
    for (k, v) in entries {
        if k == old {
            m.insert(new.to_owned(), v);
        } else if k != new {
            m.insert(k, v);
        }
    }
}

/// Rewrites every `$ref` equal to `old` into `new`.
fn rewrite_refs(v: &mut Value, old: &str, new: &str) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if k == "$ref" && x.as_str() == Some(old) {
                    *x = Value::String(new.to_owned());
                } else {
                    rewrite_refs(x, old, new);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| rewrite_refs(x, old, new)),
        _ => {}
    }
}

fn odd_path(doc: &Value, rng: &mut Rng) -> String {
    let existing: Vec<String> =
        doc.get("paths").and_then(Value::as_object).map(|m| m.keys().cloned().collect()).unwrap_or_default();
    match rng.below(4) {
        0 if !existing.is_empty() => {
            let base = rng.pick(&existing).clone();
            match rng.below(4) {
                0 => format!("{base}/{{{}}}", odd_name(rng)),
                1 => base.replace(['{', '}'], ""),
                2 => base.replacen('}', "", 1),
                _ => format!("{base}/{}", odd_name(rng)),
            }
        }
        1 => format!("/{}", odd_name(rng)),
        _ => (*rng.pick(&[
            "/a/{id}",
            "/{a}{b}",
            "/{}",
            "/{ }",
            "",
            "a",
            "no-slash/{x}",
            "/a/{id}/{id}",
            "/{a/b}",
            "/ü/{ü}",
            "/{1}",
            "/{type}",
            "/{self}",
            "/{",
            "/}",
            "/{{x}}",
            "/a}{b",
            "/a/{id",
            "/%7Bid%7D",
            "/x/{x-y}",
            "/x/{X}",
            "//",
            "/.",
            "/`",
            "/\"q\"",
            "/<b>",
            "/{日本}",
            "/{a}/{A}",
            "/{_}",
            "/{Self}",
            "/ {x} ",
            "/{x}.json",
            "/{x}{x}",
        ]))
        .to_owned(),
    }
}

fn random_param(doc: &Value, rng: &mut Rng, op: &[Seg]) -> Value {
    let path = match op.get(1) {
        Some(Seg::K(p)) => p.clone(),
        _ => String::new(),
    };
    let placeholders: Vec<String> =
        path.split('{').skip(1).filter_map(|s| s.split('}').next()).map(str::to_owned).collect();
    let name = match rng.below(5) {
        0 if !placeholders.is_empty() => Value::String(rng.pick(&placeholders).clone()),
        1 => Value::String(
            (*rng.pick(&["Accept", "x-api-version", "limit", "skip", "offset", "body", "params", "Content-Type"]))
                .to_owned(),
        ),
        2 if rng.chance(1, 4) => random_scalar(rng),
        _ => Value::String(odd_name(rng)),
    };
    let location: Value = match rng.below(10) {
        0..=2 => "path".into(),
        3..=4 => "query".into(),
        5..=6 => "header".into(),
        7 => "cookie".into(),
        8 => (*rng.pick(&["body", "formData", "", "Query"])).into(),
        _ => random_scalar(rng),
    };
    let mut p = json!({ "name": name, "in": location });
    if rng.chance(1, 2) {
        p["required"] = if rng.chance(4, 5) { Value::Bool(rng.chance(1, 2)) } else { random_scalar(rng) };
    }
    match rng.below(6) {
        0 => {}
        1 => p["content"] = json!({"application/json": {"schema": simple_schema(rng)}}),
        2 => p["schema"] = random_ref(doc, rng, op),
        3 => p["schema"] = json!({"type": "string", "default": random_scalar(rng)}),
        _ => p["schema"] = simple_schema(rng),
    }
    if rng.chance(1, 4) {
        p["description"] = Value::String(odd_name(rng));
    }
    p
}

fn apply(op: &str, doc: &mut Value, rng: &mut Rng, donors: &[Value]) -> Option<String> {
    match op {
        "delete" => {
            let p = pick_node(doc, rng, &any_node)?;
            remove_node(doc, &p)?;
            Some(pointer(&p))
        }
        "retype" => {
            let p = pick_node(doc, rng, &any_node)?;
            let old = node(doc, &p)?.clone();
            let new = match (rng.below(7), &old) {
                (0, Value::String(s)) => s
                    .parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map(Value::Number)
                    .unwrap_or(json!(s.len())),
                (0, v) => Value::String(match v {
                    Value::Null => "null".into(),
                    v => v.to_string(),
                }),
                (1, _) => huge_number(rng),
                (2, _) => Value::Bool(rng.chance(1, 2)),
                (3, _) => Value::Null,
                (4, Value::Object(m)) => Value::Array(m.values().cloned().collect()),
                (4, v) => json!([v]),
                (5, Value::Array(a)) => {
                    Value::Object(a.iter().enumerate().map(|(i, x)| (i.to_string(), x.clone())).collect())
                }
                (5, v) => json!({ "value": v }),
                _ => Value::String(odd_name(rng)),
            };
            let what = format!("{} := {}", pointer(&p), short(&new));
            set(doc, &p, new);
            Some(what)
        }
        "ref" => {
            let p = if rng.chance(7, 10) { pick_node(doc, rng, &schema_node) } else { None }
                .or_else(|| pick_node(doc, rng, &any_node))?;
            let r = random_ref(doc, rng, &p);
            let what = format!("{} := $ref {}", pointer(&p), short(&r));
            match node_mut(doc, &p)? {
                // `$ref` next to other keys: OpenAPI 3.0 says the siblings are ignored.
                Value::Object(m) if rng.chance(1, 3) => {
                    m.insert("$ref".into(), r);
                }
                n => *n = json!({ "$ref": r }),
            }
            Some(what)
        }
        "dup-operation-id" => {
            let ops = operations(doc);
            if ops.is_empty() {
                return None;
            }
            let a = rng.pick(&ops).clone();
            let other_id = ops
                .iter()
                .filter_map(|o| node(doc, o)?.get("operationId")?.as_str().map(str::to_owned))
                .collect::<Vec<_>>();
            let id: Value = match rng.below(6) {
                0 | 1 if !other_id.is_empty() => {
                    let base = rng.pick(&other_id).clone();
                    // The same id, or one that collides after case conversion.
                    Value::String(match rng.below(4) {
                        0 => base,
                        1 => heck_like_snake(&base),
                        2 => base.to_uppercase(),
                        _ => format!("{base} "),
                    })
                }
                2 => Value::String(
                    (*rng.pick(&[
                        "new",
                        "builder",
                        "login",
                        "clone",
                        "fmt",
                        "core",
                        "from_core",
                        "forget_tokens",
                        "set_bearer_token",
                        "set_basic_auth",
                        "with_format",
                    ]))
                    .into(),
                ),
                3 => random_scalar(rng),
                _ => Value::String(odd_name(rng)),
            };
            let what = format!("{}/operationId := {}", pointer(&a), short(&id));
            insert(doc, &a, "operationId", id);
            Some(what)
        }
        "odd-name" => {
            // Rename a key of a map whose keys become names, or set a string that does.
            let maps = |p: &[Seg], v: &Value| {
                v.is_object()
                    && matches!(p.last(), Some(Seg::K(k)) if ["schemas", "properties", "paths", "responses", "content", "securitySchemes", "parameters", "mapping", "variables", "x-enumDescriptions", "headers"].contains(&k.as_str()))
                    && child_count(v) > 0
            };
            if rng.chance(2, 3) {
                let p = pick_node(doc, rng, &maps)?;
                let m = node(doc, &p)?.as_object()?;
                let keys: Vec<String> = m.keys().cloned().collect();
                let old = rng.pick(&keys).clone();
                let new = if matches!(p.last(), Some(Seg::K(k)) if k == "paths") {
                    odd_path(doc, rng)
                } else {
                    odd_name(rng)
                };
                let is_schema = p.len() == 2 && p[0] == Seg::K("components".into()) && p[1] == Seg::K("schemas".into());
                if let Some(Value::Object(m)) = node_mut(doc, &p) {
                    rename_key(m, &old, &new);
                }
                if is_schema && rng.chance(1, 2) {
                    rewrite_refs(
                        doc,
                        &format!("#/components/schemas/{}", escape(&old)),
                        &format!("#/components/schemas/{}", escape(&new)),
                    );
                }
                Some(format!("{}: key {old:?} -> {}", pointer(&p), short(&Value::String(new))))
            } else {
                let names = |p: &[Seg], v: &Value| {
                    v.is_string()
                        && matches!(p, [.., Seg::K(k)] if ["operationId", "name", "title", "propertyName", "tags"].contains(&k.as_str()))
                        || matches!(p, [.., Seg::K(k), Seg::I(_)] if k == "enum" || k == "required" || k == "tags")
                };
                let p = pick_node(doc, rng, &names)?;
                let new = Value::String(odd_name(rng));
                let what = format!("{} := {}", pointer(&p), short(&new));
                set(doc, &p, new);
                Some(what)
            }
        }
        "deep" => {
            let p = pick_node(doc, rng, &schema_node)?;
            let depth = match rng.below(10) {
                0..=5 => rng.range(1, 8),
                6..=8 => rng.range(20, 60),
                _ => rng.range(100, 200),
            }
            .min(max_depth().saturating_sub(p.len()).max(1));
            let kind = rng.below(7);
            let mut v = node(doc, &p)?.clone();
            for level in 0..depth {
                let k = if kind == 6 { (level * 7 + depth) % 6 } else { kind };
                v = match k {
                    0 => json!({"type": "array", "items": v}),
                    1 => json!({"type": "object", "properties": {"p": v}}),
                    2 => json!({"allOf": [v]}),
                    3 => json!({"oneOf": [v, {"type": "null"}]}),
                    4 => json!({"type": "object", "additionalProperties": v}),
                    _ => json!({"anyOf": [v, {"type": "string"}]}),
                };
            }
            set(doc, &p, v);
            Some(format!("{} nested {depth} levels (kind {kind})", pointer(&p)))
        }
        "splice" => {
            let p = pick_node(doc, rng, &any_node)?;
            if donors.is_empty() {
                return None;
            }
            let donor = rng.pick(donors).clone();
            if rng.chance(1, 4) {
                // As a new component schema, references and all.
                let name = if rng.chance(1, 2) { odd_name(rng) } else { format!("Spliced{}", rng.below(100)) };
                let comps = ensure_object(doc, "components");
                if !comps.get("schemas").is_some_and(Value::is_object) {
                    comps.insert("schemas".into(), Value::Object(Map::new()));
                }
                comps["schemas"].as_object_mut().unwrap().insert(name.clone(), donor.clone());
                return Some(format!("components/schemas/{name:?} := {}", short(&donor)));
            }
            let what = format!("{} := {}", pointer(&p), short(&donor));
            set(doc, &p, donor);
            Some(what)
        }
        "copy" => {
            let a = pick_node(doc, rng, &any_node)?;
            let b = pick_node(doc, rng, &any_node)?;
            let v = node(doc, &b)?.clone();
            if count_nodes(&v) > 20_000 {
                return None;
            }
            set(doc, &a, v);
            Some(format!("{} := copy of {}", pointer(&a), pointer(&b)))
        }
        "enum" => {
            let p = pick_node(doc, rng, &schema_node)?;
            let values: Vec<Value> = match rng.below(8) {
                0 => vec![],
                1 => vec![json!("a"), json!("A"), json!("a_"), json!("-"), json!(""), json!("_a"), json!("a-")],
                2 => vec![json!("x"), json!("x"), json!(null)],
                3 => vec![json!(1), json!("1"), json!(true), json!(null), json!({"a": 1}), json!([1])],
                4 => (0..rng.range(1, 300)).map(|i| json!(format!("v{i}"))).collect(),
                5 => vec![json!(null)],
                6 => vec![huge_number(rng), huge_number(rng)],
                _ => (0..rng.range(1, 8))
                    .map(|_| if rng.chance(4, 5) { Value::String(odd_name(rng)) } else { random_scalar(rng) })
                    .collect(),
            };
            let enum_value = if rng.chance(1, 12) { random_scalar(rng) } else { Value::Array(values) };
            let ty = rng.below(6);
            let what = format!("{} enum := {}", pointer(&p), short(&enum_value));
            let n = node_mut(doc, &p)?.as_object_mut()?;
            n.insert("enum".into(), enum_value.clone());
            match ty {
                0 => {
                    n.insert("type".into(), json!("string"));
                }
                1 => {
                    n.insert("type".into(), json!("integer"));
                }
                2 => {
                    n.shift_remove("type");
                }
                3 => {
                    let mut d = Map::new();
                    if let Some(a) = enum_value.as_array() {
                        for v in a.iter().filter_map(Value::as_str) {
                            d.insert(
                                v.to_owned(),
                                if rng.chance(3, 4) { Value::String(odd_name(rng)) } else { random_scalar(rng) },
                            );
                        }
                    }
                    n.insert("x-enumDescriptions".into(), Value::Object(d));
                }
                _ => {}
            }
            Some(what)
        }
        "discriminator" => {
            let p = pick_node(doc, rng, &schema_node)?;
            let schema_names: Vec<String> = doc
                .pointer("/components/schemas")
                .and_then(Value::as_object)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            let mut mapping = Map::new();
            for _ in 0..rng.below(5) {
                let target = match rng.below(7) {
                    0 => json!("#/components/schemas/Nowhere"),
                    1 if !schema_names.is_empty() => Value::String(rng.pick(&schema_names).clone()),
                    2 if !schema_names.is_empty() => {
                        Value::String(format!("#/components/schemas/{}", escape(rng.pick::<String>(&schema_names))))
                    }
                    3 => random_ref(doc, rng, &p),
                    4 => random_scalar(rng),
                    _ => Value::String(odd_name(rng)),
                };
                mapping.insert(odd_name(rng), target);
            }
            let prop = match rng.below(4) {
                0 => node(doc, &p)
                    .and_then(|v| v.get("properties"))
                    .and_then(Value::as_object)
                    .and_then(|m| m.keys().next().cloned())
                    .map(Value::String)
                    .unwrap_or(json!("type")),
                1 => random_scalar(rng),
                _ => Value::String(odd_name(rng)),
            };
            let mut d = json!({ "propertyName": prop });
            if rng.chance(3, 4) {
                d["mapping"] = if rng.chance(1, 10) { random_scalar(rng) } else { Value::Object(mapping) };
            }
            let with_one_of = rng.chance(1, 2);
            let alts: Vec<Value> = (0..rng.below(4))
                .map(|_| {
                    if !schema_names.is_empty() && rng.chance(2, 3) {
                        json!({"$ref": format!("#/components/schemas/{}", escape(rng.pick::<String>(&schema_names)))})
                    } else {
                        simple_schema(rng)
                    }
                })
                .collect();
            let what = format!("{} discriminator := {}", pointer(&p), short(&d));
            let n = node_mut(doc, &p)?.as_object_mut()?;
            n.insert("discriminator".into(), d);
            if with_one_of {
                n.insert((*rng.pick(&["oneOf", "anyOf"])).into(), Value::Array(alts));
            }
            Some(what)
        }
        "wrap" => {
            let p = pick_node(doc, rng, &schema_node)?;
            let s = node(doc, &p)?.clone();
            let key = *rng.pick(&["oneOf", "anyOf", "allOf", "not"]);
            let new = if key == "not" {
                json!({ "not": s })
            } else {
                let list = match rng.below(8) {
                    0 => json!([]),
                    1 => json!([s]),
                    2 => json!([s, {"type": "null"}]),
                    3 => json!([s, s]),
                    4 => json!([{"nullable": true}]),
                    5 => random_scalar(rng),
                    6 => json!([s, simple_schema(rng), random_ref(doc, rng, &p)]),
                    _ => json!([s, {"type": "object", "properties": {"extra": {"type": "string"}}}]),
                };
                if rng.chance(1, 3) {
                    // Next to the schema's own keys (Veeam's parents: properties + oneOf).
                    let mut m = s.as_object().cloned().unwrap_or_default();
                    m.insert(key.into(), list);
                    Value::Object(m)
                } else {
                    json!({ key: list })
                }
            };
            let what = format!("{} wrapped in {key}", pointer(&p));
            set(doc, &p, new);
            Some(what)
        }
        "nullable" => {
            let p = pick_node(doc, rng, &schema_node)?;
            let v = match rng.below(6) {
                0..=2 => json!(true),
                3 => json!(false),
                _ => random_scalar(rng),
            };
            let what = format!("{} nullable := {v}", pointer(&p));
            insert(doc, &p, "nullable", v);
            Some(what)
        }
        "xml" => {
            if rng.chance(1, 3) {
                // Offer a JSON body as XML too, so XML code is emitted for it.
                let p = pick_node(doc, rng, &|p, v| {
                    matches!(p.last(), Some(Seg::K(k)) if k == "content") && v.is_object() && child_count(v) > 0
                })?;
                let m = node_mut(doc, &p)?.as_object_mut()?;
                let first = m.values().next()?.clone();
                let mime = *rng.pick(&["application/xml", "text/xml", "application/atom+xml"]);
                if rng.chance(1, 2) {
                    let k = m.keys().next()?.clone();
                    rename_key(m, &k, mime);
                } else {
                    m.insert(mime.into(), first);
                }
                return Some(format!("{}: + {mime}", pointer(&p)));
            }
            let p = pick_node(doc, rng, &schema_node)?;
            let mut x = Map::new();
            for key in ["name", "namespace", "prefix", "attribute", "wrapped"] {
                if rng.chance(1, 2) {
                    let v = match key {
                        "attribute" | "wrapped" if rng.chance(3, 4) => Value::Bool(rng.chance(1, 2)),
                        "namespace" if rng.chance(1, 2) => json!("http://www.veeam.com/ent/v1.0"),
                        _ => {
                            if rng.chance(3, 4) {
                                Value::String(odd_name(rng))
                            } else {
                                random_scalar(rng)
                            }
                        }
                    };
                    x.insert(key.into(), v);
                }
            }
            let x = if rng.chance(1, 10) { random_scalar(rng) } else { Value::Object(x) };
            let what = format!("{} xml := {}", pointer(&p), short(&x));
            insert(doc, &p, "xml", x);
            Some(what)
        }
        "huge-number" => {
            if rng.chance(1, 2) {
                if let Some(p) = pick_node(doc, rng, &|_, v| v.is_number()) {
                    let n = huge_number(rng);
                    let what = format!("{} := {n}", pointer(&p));
                    set(doc, &p, n);
                    return Some(what);
                }
            }
            let p = pick_node(doc, rng, &schema_node)?;
            let key = *rng.pick(&[
                "minimum",
                "maximum",
                "default",
                "maxLength",
                "minItems",
                "example",
                "multipleOf",
                "exclusiveMinimum",
            ]);
            let n = huge_number(rng);
            let what = format!("{} {key} := {n}", pointer(&p));
            insert(doc, &p, key, n);
            Some(what)
        }
        "vendor" => {
            let ops = operations(doc);
            if ops.is_empty() {
                return None;
            }
            let key = *rng.pick(&[
                "x-pagination",
                "x-pagination",
                "x-secret",
                "x-session-header",
                "x-doc-page",
                "x-enumDescriptions",
                "x-enum-descriptions",
            ]);
            let (p, v) = match key {
                "x-pagination" => {
                    let op = rng.pick(&ops).clone();
                    let params: Vec<String> = node(doc, &op)
                        .and_then(|o| o.get("parameters"))
                        .and_then(Value::as_array)
                        .map(|a| a.iter().filter_map(|p| p.get("name")?.as_str().map(str::to_owned)).collect())
                        .unwrap_or_default();
                    let field = |rng: &mut Rng| -> Value {
                        match rng.below(6) {
                            0 | 1 if !params.is_empty() => Value::String(rng.pick(&params).clone()),
                            2 => Value::String(
                                (*rng.pick(&["data", "pagination.total", "a.b.c", "", ".", "data.", "skip", "limit"]))
                                    .into(),
                            ),
                            3 => random_scalar(rng),
                            _ => Value::String(odd_name(rng)),
                        }
                    };
                    let v = json!({
                        "offsetParam": field(rng), "limitParam": field(rng), "itemsProperty": field(rng), "totalProperty": field(rng),
                    });
                    (op, if rng.chance(1, 10) { random_scalar(rng) } else { v })
                }
                "x-session-header" | "x-doc-page" => {
                    let op = rng.pick(&ops).clone();
                    (op, if rng.chance(3, 4) { Value::String(odd_name(rng)) } else { random_scalar(rng) })
                }
                _ => {
                    let p = pick_node(doc, rng, &schema_node)?;
                    (p, if key == "x-secret" && rng.chance(1, 2) { json!(true) } else { random_value(rng, 2) })
                }
            };
            let what = format!("{} {key} := {}", pointer(&p), short(&v));
            insert(doc, &p, key, v);
            Some(what)
        }
        "docs" => {
            let p = pick_node(doc, rng, &|_, v| v.is_object())?;
            let key = *rng.pick(&["description", "summary", "title"]);
            let text = match rng.below(6) {
                0 => "```\nfn main() { panic!() }\n```".to_owned(),
                1 => "<p>a</p>&#58; [x](y) <http://x> `` ` ``".to_owned(),
                2 => "*/ /* //! #![deny(warnings)] \\ \r\n\t\u{0} \u{feff}".to_owned(),
                3 => "    indented code\n\n```rust\nlet x = 1;".to_owned(),
                _ => odd_name(rng),
            };
            let what = format!("{} {key} := {text:?}", pointer(&p));
            insert(doc, &p, key, Value::String(text));
            Some(what)
        }
        "media" => {
            let p = pick_node(doc, rng, &|p, v| {
                matches!(p.last(), Some(Seg::K(k)) if k == "content") && v.is_object() && child_count(v) > 0
            })?;
            let mime = (*rng.pick(&[
                "application/json; charset=utf-8",
                "*/*",
                "text/plain",
                "application/octet-stream",
                "multipart/form-data",
                "application/x-www-form-urlencoded",
                "application/xml",
                "application/vnd.api+json",
                "",
                "ÿ",
                "text/json",
                "application/problem+xml",
                "APPLICATION/JSON",
                "image/png",
                ";",
                "application/json;",
                "text/html",
            ]))
            .to_owned();
            let m = node_mut(doc, &p)?.as_object_mut()?;
            let keys: Vec<String> = m.keys().cloned().collect();
            let k = keys[rng.below(keys.len())].clone();
            if rng.chance(1, 2) {
                rename_key(m, &k, &mime);
            } else {
                let v = m[&k].clone();
                m.insert(mime.clone(), v);
            }
            Some(format!("{}: {k:?} -> {mime:?}", pointer(&p)))
        }
        "parameter" => {
            let ops = operations(doc);
            if ops.is_empty() {
                return None;
            }
            let op = rng.pick(&ops).clone();
            let param = if rng.chance(1, 6) {
                random_ref(doc, rng, &op).as_str().map(|r| json!({"$ref": r})).unwrap_or(json!(null))
            } else {
                random_param(doc, rng, &op)
            };
            let what = format!("{} + parameter {}", pointer(&op), short(&param));
            let o = node_mut(doc, &op)?.as_object_mut()?;
            match o.get_mut("parameters") {
                Some(Value::Array(a)) => a.insert(rng.below(a.len() + 1), param),
                _ => {
                    o.insert("parameters".into(), json!([param]));
                }
            }
            Some(what)
        }
        "path" => {
            let path = odd_path(doc, rng);
            let paths = ensure_object(doc, "paths");
            let item = if !paths.is_empty() && rng.chance(3, 4) {
                paths.values().nth(rng.below(paths.len())).unwrap().clone()
            } else {
                json!({ "get": { "responses": { "200": { "description": "ok" } } } })
            };
            let what = format!("paths + {path:?}");
            paths.insert(path, item);
            Some(what)
        }
        "security" => {
            let scheme = match rng.below(9) {
                0 => json!({"type": "http", "scheme": *rng.pick(&["bearer", "basic", "Digest", "BEARER", ""])}),
                1 => json!({"type": "http", "scheme": random_scalar(rng)}),
                2 => {
                    json!({"type": "apiKey", "name": odd_name(rng), "in": *rng.pick(&["header", "query", "cookie", "body"])})
                }
                3 => json!({"type": "oauth2", "flows": {"password": {"tokenUrl": random_scalar(rng)}}}),
                4 => json!({"type": "oauth2", "flows": random_value(rng, 2)}),
                5 => json!({"type": "openIdConnect", "openIdConnectUrl": odd_name(rng)}),
                6 => json!({"type": odd_name(rng)}),
                7 => json!({"$ref": random_ref(doc, rng, &[])}),
                _ => random_value(rng, 2),
            };
            let name = odd_name(rng);
            let req = match rng.below(5) {
                0 => json!([{ name.clone(): [] }]),
                1 => json!([{}]),
                2 => random_value(rng, 2),
                3 => json!([[1]]),
                _ => json!([{ odd_name(rng): ["scope"] }]),
            };
            let what = format!("securitySchemes/{name:?} := {}; security := {}", short(&scheme), short(&req));
            let comps = ensure_object(doc, "components");
            if !comps.get("securitySchemes").is_some_and(Value::is_object) {
                comps.insert("securitySchemes".into(), Value::Object(Map::new()));
            }
            comps["securitySchemes"].as_object_mut().unwrap().insert(name, scheme);
            let ops = operations(doc);
            if !ops.is_empty() && rng.chance(1, 2) {
                let op = rng.pick(&ops).clone();
                insert(doc, &op, "security", req);
            } else if let Some(m) = doc.as_object_mut() {
                m.insert("security".into(), req);
            }
            Some(what)
        }
        "servers" => {
            let v = match rng.below(6) {
                0 => json!([{"url": odd_name(rng), "variables": {"v": {"default": random_scalar(rng)}}}]),
                1 => json!([]),
                2 => random_scalar(rng),
                3 => {
                    json!([{"url": "https://{a}{b}/{a}", "variables": {"a": {"default": "{b}"}, "b": {"default": "{a}"}}}])
                }
                4 => json!([{"url": random_scalar(rng)}]),
                _ => json!([{"url": format!("https://{}/api", odd_name(rng))}]),
            };
            let what = format!("servers := {}", short(&v));
            if let Some(m) = doc.as_object_mut() {
                if rng.chance(1, 3) {
                    let info = json!({"title": odd_name(rng), "version": odd_name(rng), "description": odd_name(rng)});
                    m.insert("info".into(), info);
                }
                m.insert("servers".into(), v);
            }
            Some(what)
        }
        "insert-key" => {
            let p = pick_node(doc, rng, &|_, v| v.is_object())?;
            let key = if rng.chance(2, 3) { *rng.pick(SCHEMA_KEYS) } else { *rng.pick(OTHER_KEYS) };
            let v = match key {
                "$ref" => random_ref(doc, rng, &p),
                "items" | "not" | "additionalProperties" | "schema" => simple_schema(rng),
                "properties" => json!({ odd_name(rng): simple_schema(rng), "b": simple_schema(rng) }),
                "allOf" | "oneOf" | "anyOf" => json!([simple_schema(rng), random_ref(doc, rng, &p)]),
                _ => random_value(rng, 3),
            };
            let what = format!("{} + {key} := {}", pointer(&p), short(&v));
            insert(doc, &p, key, v);
            Some(what)
        }
        "format" => {
            let p = pick_node(doc, rng, &schema_node)?;
            let ty: Value = match rng.below(10) {
                0 => json!(["string", "null"]),
                1 => random_scalar(rng),
                _ => Value::String(
                    (*rng.pick(&[
                        "string", "integer", "number", "boolean", "array", "object", "null", "file", "String", "",
                    ]))
                    .into(),
                ),
            };
            let format: Value = if rng.chance(1, 5) {
                random_scalar(rng)
            } else {
                Value::String(
                    (*rng.pick(&[
                        "uuid",
                        "date-time",
                        "date",
                        "password",
                        "binary",
                        "byte",
                        "int32",
                        "int64",
                        "float",
                        "double",
                        "Zip",
                        "Tar",
                        "integer",
                        "uint64",
                        "int8",
                        "decimal",
                        "email",
                        "weird",
                        "",
                        "date-time-offset",
                        "time",
                    ]))
                    .into(),
                )
            };
            let what = format!("{} type := {ty}, format := {format}", pointer(&p));
            let n = node_mut(doc, &p)?.as_object_mut()?;
            n.insert("type".into(), ty);
            if rng.chance(3, 4) {
                n.insert("format".into(), format);
            }
            Some(what)
        }
        "required" => {
            let p = pick_node(doc, rng, &|p, v| schema_node(p, v) && v.get("properties").is_some())?;
            let props: Vec<String> = node(doc, &p)?
                .get("properties")
                .and_then(Value::as_object)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            let mut req: Vec<Value> =
                props.iter().filter(|_| rng.chance(1, 2)).map(|k| Value::String(k.clone())).collect();
            for _ in 0..rng.below(3) {
                req.push(if rng.chance(2, 3) { Value::String(odd_name(rng)) } else { random_scalar(rng) });
            }
            let v = if rng.chance(1, 10) { random_scalar(rng) } else { Value::Array(req) };
            let what = format!("{} required := {}", pointer(&p), short(&v));
            insert(doc, &p, "required", v);
            Some(what)
        }
        "response" => {
            let ops = operations(doc);
            if ops.is_empty() {
                return None;
            }
            let op = rng.pick(&ops).clone();
            let code = (*rng.pick(&[
                "200", "201", "204", "2XX", "2xx", "default", "400", "4XX", "5XX", "99999", "0", "-1", "20O", "1e3",
                "299", "300", "200 ", "+200",
            ]))
            .to_owned();
            let resp = match rng.below(7) {
                0 => json!({"description": "ok"}),
                1 => json!({"description": "ok", "content": {"application/json": {"schema": simple_schema(rng)}}}),
                2 => json!({"$ref": random_ref(doc, rng, &op)}),
                3 => json!({"description": "ok", "content": {"application/json": {}}}),
                4 => {
                    json!({"description": "ok", "headers": {odd_name(rng): {"schema": {"type": "string"}}}, "content": {"text/plain": {"schema": {"type": "string"}}}})
                }
                5 => random_value(rng, 2),
                _ => {
                    json!({"description": odd_name(rng), "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}, "application/json": {"schema": simple_schema(rng)}}})
                }
            };
            let what = format!("{} responses/{code:?} := {}", pointer(&op), short(&resp));
            let o = node_mut(doc, &op)?.as_object_mut()?;
            if rng.chance(1, 8) {
                o.insert("responses".into(), random_value(rng, 2));
            } else {
                match o.get_mut("responses") {
                    Some(Value::Object(r)) => {
                        r.insert(code, resp);
                    }
                    _ => {
                        o.insert("responses".into(), json!({ code: resp }));
                    }
                }
            }
            Some(what)
        }
        _ => None,
    }
}

/// `getPetById` → `get_pet_by_id`, to make an operationId that collides after case conversion.
fn heck_like_snake(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Mutations of the text
// ---------------------------------------------------------------------------------------------

const TEXT_TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "\"",
    ":",
    ",",
    "\n",
    "\t",
    "- ",
    "&a ",
    "*a",
    "!!binary ",
    "<<: *a\n",
    "---\n",
    "\0",
    "\u{feff}",
    "%YAML 1.2\n",
    "? ",
    "|",
    ">",
    "#",
    "\\u0000",
    "\\ud800",
    "!!str ",
    "&",
    "'",
    "\r",
    "...\n",
    "{{",
    "\"$ref\": \"#\",",
    "1e99999",
    "-",
    "~",
    "null",
    ".inf",
    ".nan",
    "0x1F",
    "0o17",
    "!!float ",
    "!!map ",
    "!<tag:x> ",
];

fn mutate_text(text: &str, rng: &mut Rng, log: &mut Log) -> String {
    let mut b = text.as_bytes().to_vec();
    for _ in 0..rng.range(1, 3) {
        let len = b.len();
        let pos = rng.below(len + 1);
        match rng.below(7) {
            0 => {
                b.truncate(pos);
                log.push(format!("text: truncated at {pos}"));
            }
            1 => {
                for _ in 0..rng.range(1, 4) {
                    if !b.is_empty() {
                        let at = rng.below(b.len());
                        b[at] ^= 1 << rng.below(8);
                    }
                }
                log.push("text: flipped bits".into());
            }
            2 | 3 => {
                let tok = *rng.pick(TEXT_TOKENS);
                b.splice(pos..pos, tok.bytes());
                log.push(format!("text: inserted {tok:?} at {pos}"));
            }
            4 => {
                let end = (pos + rng.range(1, 64)).min(len);
                b.drain(pos..end);
                log.push(format!("text: deleted {pos}..{end}"));
            }
            5 => {
                let end = (pos + rng.range(1, 256)).min(len);
                let chunk: Vec<u8> = b[pos..end].to_vec();
                let at = rng.below(b.len() + 1);
                b.splice(at..at, chunk);
                log.push(format!("text: duplicated {pos}..{end} at {at}"));
            }
            _ => {
                let tok = *rng.pick(b"{}[]:\"\n -#'");
                if pos < len {
                    b[pos] = tok;
                }
                log.push(format!("text: byte {pos} := {:?}", tok as char));
            }
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

// ---------------------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Opts {
    features: bool,
    deny: bool,
    strict: bool,
}

impl Opts {
    fn options(self) -> Options {
        Options {
            item_sources: false,
            features_per_tag: self.features,
            deny_warnings: self.deny,
            strict_inline_names: self.strict,
            ..Default::default()
        }
    }

    fn encode(self) -> String {
        let mut parts = Vec::new();
        if self.features {
            parts.push("features");
        }
        if self.deny {
            parts.push("deny");
        }
        if self.strict {
            parts.push("strict");
        }
        parts.join(",")
    }

    fn decode(s: &str) -> Opts {
        Opts { features: s.contains("features"), deny: s.contains("deny"), strict: s.contains("strict") }
    }
}

struct Case {
    iteration: u64,
    /// The name given to `Document::parse`: its extension picks the parser.
    file: String,
    text: String,
    opts: Opts,
    /// Generate twice and compare.
    twice: bool,
    log: Log,
}

fn make_case(seeds: &Seeds, run_seed: u64, iteration: u64) -> Case {
    let mut rng = Rng::for_case(run_seed, iteration);
    let seed = seeds.pick(&mut rng);
    let mut log = vec![format!("seed document: {}", seed.label)];
    let stem = seed
        .label
        .rsplit('/')
        .next()
        .unwrap_or("doc")
        .rsplit_once('.')
        .map_or(seed.label.as_str(), |(s, _)| s)
        .to_owned();
    let seed_is_json = seed.label.ends_with(".json");
    let (json_text, text) = match &seed.tree {
        None => (seed_is_json, mutate_text(&seed.text, &mut rng, &mut log)),
        Some(tree) => {
            // The whole of a big document now and then; it is the case that takes longest.
            let whole_big = !cfg!(debug_assertions) && rng.chance(1, 150);
            let mut doc = if seed.big && !whole_big { subset(tree, &mut rng, &mut log) } else { tree.clone() };
            let n = if rng.chance(1, 4) { rng.range(1, 12) } else { rng.range(1, 4) };
            for _ in 0..n {
                mutate(&mut doc, &mut rng, &seeds.donors, &mut log);
            }
            let as_json = if rng.chance(3, 4) { seed_is_json } else { !seed_is_json };
            let text = if as_json {
                if rng.chance(1, 2) { serde_json::to_string_pretty(&doc) } else { serde_json::to_string(&doc) }
                    .expect("a value serializes")
            } else {
                serde_yaml::to_string(&doc).expect("a value serializes as YAML")
            };
            let text = if rng.chance(1, 8) { mutate_text(&text, &mut rng, &mut log) } else { text };
            (as_json, text)
        }
    };
    let file = format!("fuzz/{stem}.{}", if json_text { "json" } else { "yaml" });
    let opts = Opts { features: rng.chance(1, 4), deny: rng.chance(1, 8), strict: rng.chance(1, 8) };
    Case { iteration, file, text, opts, twice: rng.chance(1, 30), log }
}

// ---------------------------------------------------------------------------------------------
// Running one document and checking the properties
// ---------------------------------------------------------------------------------------------

struct PanicRecord {
    message: String,
    location: String,
    thread: String,
    backtrace: Option<String>,
}

static PANICS: Mutex<Vec<PanicRecord>> = Mutex::new(Vec::new());
/// Set while a document is parsed and generated: panics then are findings, not fuzzer bugs.
static RECORDING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
static BACKTRACED: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Records every panic while a document is processed, on any thread, instead of printing it;
/// the first panic at each location keeps a backtrace. Other panics print as usual.
fn install_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !RECORDING.load(std::sync::atomic::Ordering::SeqCst) {
            return default(info);
        }
        let location = info
            .location()
            .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
            .unwrap_or_else(|| "unknown".into());
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "(no message)".into());
        let backtrace =
            lock(&BACKTRACED).insert(location.clone()).then(|| std::backtrace::Backtrace::force_capture().to_string());
        let thread = std::thread::current().name().unwrap_or("unnamed").to_owned();
        lock(&PANICS).push(PanicRecord { message, location, thread, backtrace });
    }));
}

#[derive(Clone, Debug)]
struct Finding {
    /// `panic`, `internal-error`, `location`, `no-error`, `nondeterministic`.
    kind: &'static str,
    /// What makes two findings the same bug.
    key: String,
    /// Everything known: message, location, backtrace.
    detail: String,
}

struct RunResult {
    outcome: &'static str,
    findings: Vec<Finding>,
    /// Diagnostics shown for a single case.
    summary: String,
}

/// Digits, quoted names and long tails vary between instances of the same problem.
fn normalize(msg: &str) -> String {
    let mut out = String::new();
    let mut in_tick = false;
    for c in msg.chars() {
        if c == '`' {
            in_tick = !in_tick;
            if in_tick {
                out.push_str("`…");
            } else {
                out.push('`');
            }
            continue;
        }
        if in_tick {
            continue;
        }
        out.push(if c.is_ascii_digit() { '#' } else { c });
    }
    out.chars().take(100).collect()
}

/// The document's value at a diagnostic's pointer, or at its parent: a diagnostic about a
/// missing key points one level below something that exists.
fn pointer_resolves(raw: &Value, ptr: &str) -> bool {
    let Some(p) = ptr.strip_prefix('#') else { return false };
    if raw.pointer(p).is_some() {
        return true;
    }
    p.rsplit_once('/').is_some_and(|(parent, _)| raw.pointer(parent).is_some())
}

fn check_diagnostics(stage: &str, diags: &[Diagnostic], file: &str, raw: Option<&Value>, findings: &mut Vec<Finding>) {
    for d in diags {
        let mut bad = |kind: &'static str, what: &str| {
            findings.push(Finding {
                kind,
                key: format!("{kind}: {what}: {}", normalize(&d.message)),
                detail: format!("{stage} diagnostic: {d}\n{what}"),
            });
        };
        if d.message.starts_with("internal error") {
            bad("internal-error", "internal error");
            continue;
        }
        if d.file.is_empty() || d.file != file {
            bad("location", &format!("diagnostic names file {:?}, not {file:?}", d.file));
        }
        if d.message.trim().is_empty() {
            bad("location", "empty message");
        }
        let well_formed = d.pointer.is_empty() || d.pointer == "#" || d.pointer.starts_with("#/");
        let escapes_ok = !d.pointer.split('~').skip(1).any(|rest| !rest.starts_with(['0', '1']));
        if !well_formed || !escapes_ok {
            bad("location", &format!("malformed JSON pointer {:?}", d.pointer));
        } else if stage != "parse" && d.pointer.is_empty() {
            bad("location", "diagnostic after parsing has no JSON pointer");
        } else if let (Some(raw), false) = (raw, d.pointer.is_empty()) {
            if !pointer_resolves(raw, &d.pointer) {
                bad("location", "JSON pointer names nothing in the document");
            }
        }
    }
}

fn run_document(file: &str, text: &str, opts: Opts, twice: bool) -> RunResult {
    lock(&PANICS).clear();
    let mut findings = Vec::new();
    let mut summary = String::new();
    let options = opts.options();
    RECORDING.store(true, std::sync::atomic::Ordering::SeqCst);
    let result = catch_unwind(AssertUnwindSafe(|| {
        let doc = match Document::parse(file, text) {
            Err(d) => return ("parse-error", Some(d.0), None, None),
            Ok(doc) => doc,
        };
        let first = generator::generate(&doc, &options);
        let second = if twice { Some(generator::generate(&doc, &options)) } else { None };
        let differs = match (&first, &second) {
            (Ok(a), Some(Ok(b))) => a.files != b.files || a.warnings != b.warnings,
            (Err(a), Some(Err(b))) => a.0 != b.0,
            (_, None) => false,
            _ => true,
        };
        match first {
            Err(d) => ("generate-error", Some(d.0), Some(doc.raw), Some(differs)),
            Ok(g) => ("generated", Some(g.warnings), Some(doc.raw), Some(differs)),
        }
    }));
    let outcome = match result {
        Err(_) => "panicked",
        Ok((outcome, diags, raw, differs)) => {
            let diags = diags.unwrap_or_default();
            let stage = if outcome == "parse-error" { "parse" } else { "generate" };
            check_diagnostics(stage, &diags, file, raw.as_ref(), &mut findings);
            if outcome != "generated"
                && !diags.iter().any(|d| d.severity == Severity::Error)
                && (!opts.deny || diags.is_empty())
            {
                findings.push(Finding {
                    kind: "no-error",
                    key: format!("no-error: {outcome} without an error diagnostic"),
                    detail: format!("{diags:#?}"),
                });
            }
            if differs == Some(true) {
                findings.push(Finding {
                    kind: "nondeterministic",
                    key: "nondeterministic: two runs differ".into(),
                    detail: String::new(),
                });
            }
            for d in diags.iter().take(20) {
                summary.push_str(&format!("  {d}\n"));
            }
            if diags.len() > 20 {
                summary.push_str(&format!("  … and {} more\n", diags.len() - 20));
            }
            outcome
        }
    };
    RECORDING.store(false, std::sync::atomic::Ordering::SeqCst);
    // Panics on the generator's threads come back as an internal error; the hook saw them.
    let panics = std::mem::take(&mut *lock(&PANICS));
    if !panics.is_empty() {
        findings.retain(|f| f.kind != "internal-error");
    }
    for p in panics {
        let mut detail = format!("thread '{}' panicked at {}:\n{}", p.thread, p.location, p.message);
        if let Some(bt) = &p.backtrace {
            detail.push_str("\n\nbacktrace:\n");
            detail.push_str(&trim_backtrace(bt));
        }
        findings.push(Finding { kind: "panic", key: format!("panic at {}", p.location), detail });
    }
    // One report per distinct problem in this document.
    let mut seen = HashSet::new();
    findings.retain(|f| seen.insert(f.key.clone()));
    RunResult { outcome, findings, summary }
}

/// The frames that matter: from the generator and serde up to this file.
fn trim_backtrace(bt: &str) -> String {
    let lines: Vec<&str> = bt.lines().collect();
    let start = lines.iter().position(|l| l.contains("rust_begin_unwind") || l.contains("begin_panic")).unwrap_or(0);
    let end = lines
        .iter()
        .position(|l| l.contains("__rust_begin_short_backtrace") || l.contains("fuzz::run_document"))
        .unwrap_or(lines.len());
    lines[start.min(end)..end].iter().take(80).copied().collect::<Vec<_>>().join("\n")
}

// ---------------------------------------------------------------------------------------------
// Minimization
// ---------------------------------------------------------------------------------------------

/// Shrinks a failing document while `fails(file, text)` holds: on the value tree if the
/// document parses (remove keys and elements, big objects in halves first, hoist children,
/// shorten strings), else on lines and then characters of the text.
fn minimize(file: &str, text: &str, fails: &mut dyn FnMut(&str, &str) -> bool, budget: Duration) -> (String, String) {
    let deadline = Instant::now() + budget;
    let mut runs = 0usize;
    let mut test = |f: &str, t: &str| -> bool {
        if Instant::now() > deadline {
            return false;
        }
        runs += 1;
        fails(f, t)
    };
    let stem = file.rsplit_once('.').map_or(file, |(s, _)| s).to_owned();
    let tree = catch_unwind(AssertUnwindSafe(|| Document::parse(file, text))).ok().and_then(Result::ok).map(|d| d.raw);
    lock(&PANICS).clear();
    if let Some(mut tree) = tree {
        let json_file = format!("{stem}.json");
        let yaml_file = format!("{stem}.yaml");
        let as_json = |v: &Value| serde_json::to_string_pretty(v).unwrap();
        let as_yaml = |v: &Value| serde_yaml::to_string(v).unwrap();
        let json_ok = test(&json_file, &as_json(&tree));
        let yaml_ok = !json_ok && test(&yaml_file, &as_yaml(&tree));
        if json_ok || yaml_ok {
            let render = |v: &Value| if json_ok { as_json(v) } else { as_yaml(v) };
            let name = if json_ok { &json_file } else { &yaml_file };
            minimize_tree(&mut tree, &mut |v| test(name, &render(v)));
            // Prefer YAML, which reads better as a fixture, when the problem stays.
            if json_ok && test(&yaml_file, &as_yaml(&tree)) {
                return (yaml_file, as_yaml(&tree));
            }
            return (name.clone(), render(&tree));
        }
    }
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_owned).collect();
    ddmin(&mut lines, &mut |ls| test(file, &ls.concat()));
    let mut chars: Vec<String> = lines.concat().chars().map(String::from).collect();
    if chars.len() <= 4000 {
        ddmin(&mut chars, &mut |cs| test(file, &cs.concat()));
    }
    (file.to_owned(), chars.concat())
}

fn minimize_tree(tree: &mut Value, fails: &mut dyn FnMut(&Value) -> bool) {
    loop {
        let mut changed = false;
        let mut i = 0;
        let mut paths = all_paths(tree, usize::MAX);
        paths.insert(0, Vec::new());
        while i < paths.len() {
            let p = paths[i].clone();
            let Some(here) = node(tree, &p) else {
                i += 1;
                continue;
            };
            let mut candidates: Vec<Value> = Vec::new();
            // Whole chunks of a big object or array first.
            let n = child_count(here);
            let mut chunk = n / 2;
            while chunk >= 2 {
                let kids = children(here);
                for part in kids.chunks(chunk) {
                    let mut v = here.clone();
                    match &mut v {
                        Value::Object(m) => part.iter().for_each(|s| {
                            if let Seg::K(k) = s {
                                m.shift_remove(k);
                            }
                        }),
                        Value::Array(a) => {
                            let idx: Vec<usize> =
                                part.iter().filter_map(|s| if let Seg::I(i) = s { Some(*i) } else { None }).collect();
                            let mut j = 0;
                            a.retain(|_| {
                                j += 1;
                                !idx.contains(&(j - 1))
                            });
                        }
                        _ => {}
                    }
                    candidates.push(v);
                }
                chunk /= 2;
            }
            // Hoist a child into its parent's place (unwraps nesting).
            if !p.is_empty() {
                for c in children(here).into_iter().take(4) {
                    if let Some(v) = node(here, &[c]) {
                        if v.is_object() || v.is_array() {
                            candidates.push(v.clone());
                        }
                    }
                }
            }
            if let Value::String(s) = here {
                let len = s.chars().count();
                if len > 8 {
                    candidates.push(Value::String(s.chars().take(len / 2).collect()));
                    candidates.push(Value::String(s.chars().take(8).collect()));
                }
            }
            let mut accepted = false;
            // Removing the node outright comes first: it is the biggest step.
            if !p.is_empty() {
                let mut t = tree.clone();
                remove_node(&mut t, &p);
                if fails(&t) {
                    *tree = t;
                    accepted = true;
                }
            }
            if !accepted {
                for c in candidates {
                    let mut t = tree.clone();
                    if p.is_empty() {
                        t = c;
                    } else {
                        set(&mut t, &p, c);
                    }
                    if fails(&t) {
                        *tree = t;
                        accepted = true;
                        break;
                    }
                }
            }
            if accepted {
                changed = true;
                paths = all_paths(tree, usize::MAX);
                paths.insert(0, Vec::new());
            } else {
                i += 1;
            }
        }
        if !changed {
            return;
        }
    }
}

/// Delta debugging: drop chunks of `items`, halving the chunk size, while `fails` holds.
fn ddmin(items: &mut Vec<String>, fails: &mut dyn FnMut(&[String]) -> bool) {
    let mut n = 2usize;
    while items.len() >= 2 {
        let chunk = items.len().div_ceil(n);
        let mut reduced = false;
        let mut start = 0;
        while start < items.len() {
            let end = (start + chunk).min(items.len());
            let rest: Vec<String> = items[..start].iter().chain(&items[end..]).cloned().collect();
            if !rest.is_empty() && fails(&rest) {
                *items = rest;
                reduced = true;
                n = (n - 1).max(2);
                break;
            }
            start = end;
        }
        if !reduced {
            if n >= items.len() {
                break;
            }
            n = (n * 2).min(items.len());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Reports
// ---------------------------------------------------------------------------------------------

fn fnv(s: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    format!("{:08x}", h as u32)
}

fn ext(file: &str) -> &str {
    file.rsplit_once('.').map_or("yaml", |(_, e)| e)
}

/// Writes the reproducer and its report; returns the report's path.
#[allow(clippy::too_many_arguments)]
fn write_report(
    out: &Path,
    f: &Finding,
    cfg_seed: u64,
    case: Option<&Case>,
    orig: (&str, &str),
    min: Option<(&str, &str)>,
    opts: Opts,
    note: &str,
) -> PathBuf {
    std::fs::create_dir_all(out).expect("creating target/fuzz-crashes");
    let id = format!("{}-{}", f.kind, fnv(&f.key));
    let orig_path = out.join(format!("{id}.orig.{}", ext(orig.0)));
    std::fs::write(&orig_path, orig.1).expect("writing a reproducer");
    let min_path = min.map(|(file, text)| {
        let p = out.join(format!("{id}.{}", ext(file)));
        std::fs::write(&p, text).expect("writing a reproducer");
        p
    });
    let mut r = String::new();
    r.push_str(&format!("finding: {}\n", f.key));
    if let Some(c) = case {
        r.push_str(&format!("case: FUZZ_SEED={cfg_seed:#x} FUZZ_CASE={} (file name {:?})\n", c.iteration, c.file));
    }
    r.push_str(&format!("options: {:?} (FUZZ_OPTIONS={:?})\n", opts.options(), opts.encode()));
    r.push_str(&format!("original: {} ({} bytes)\n", orig_path.display(), orig.1.len()));
    if let Some(p) = &min_path {
        r.push_str(&format!("minimized: {} ({} bytes)\n", p.display(), min.unwrap().1.len()));
        r.push_str(&format!(
            "rerun: FUZZ_FILE={} FUZZ_OPTIONS={:?} cargo test -p tests --test it -- --exact fuzz::generate --nocapture\n",
            p.display(),
            opts.encode()
        ));
    }
    if !note.is_empty() {
        r.push_str(note);
        r.push('\n');
    }
    if let Some(c) = case {
        r.push_str("\nmutations:\n");
        for l in &c.log {
            r.push_str(&format!("  {l}\n"));
        }
    }
    r.push_str(&format!("\n{}\n", f.detail));
    if let Some((_, text)) = min {
        r.push_str(&format!("\nminimized document:\n{}\n", text.chars().take(6000).collect::<String>()));
    }
    let report = out.join(format!("{id}.txt"));
    std::fs::write(&report, r).expect("writing a report");
    report
}

// ---------------------------------------------------------------------------------------------
// The child: runs cases and says what it is doing
// ---------------------------------------------------------------------------------------------

const CHILD_ENV: &str = "FUZZ_CHILD_START";
const ONE_ENV: &str = "FUZZ_CHILD_ONE";

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "@@fuzz {line}");
    let _ = out.flush();
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

fn child_main(cfg: &Config) {
    install_panic_hook();
    let var = |n: &str| std::env::var(n).ok().and_then(|v| v.parse::<u64>().ok());
    let start = var(CHILD_ENV).unwrap_or(0);
    let end = var("FUZZ_CHILD_END").unwrap_or(cfg.iterations);
    let deadline = var("FUZZ_CHILD_DEADLINE_MS").unwrap_or(u64::MAX);
    let loaded = Instant::now();
    let seeds = load_seeds(cfg.seed);
    say(&format!("ready {} {} {}", seeds.seeds.len(), seeds.donors.len(), loaded.elapsed().as_millis()));
    let mut known: HashSet<String> =
        std::env::var("FUZZ_CHILD_KNOWN").unwrap_or_default().split('\u{1}').map(str::to_owned).collect();
    let mut i = start;
    while i < end && now_ms() < deadline {
        let case = make_case(&seeds, cfg.seed, i);
        say(&format!("start {i}"));
        self_test(i);
        let t = Instant::now();
        let r = run_document(&case.file, &case.text, case.opts, case.twice);
        say(&format!("done {i} {} {} {}", t.elapsed().as_micros(), r.outcome, case.text.len()));
        for f in r.findings {
            if !known.insert(f.key.clone()) {
                say(&format!("seen {i} {}", f.key.replace('\n', " ")));
                continue;
            }
            // The unminimized case is on disk before minimizing, which may itself go wrong.
            let report = write_report(
                &cfg.out_dir,
                &f,
                cfg.seed,
                Some(&case),
                (&case.file, &case.text),
                None,
                case.opts,
                "minimizing…",
            );
            say(&format!("finding {i} {}\t{}", report.display(), f.key.replace('\n', " ")));
            let key = f.key.clone();
            let opts = case.opts;
            let (mfile, mtext) = minimize(
                &case.file,
                &case.text,
                &mut |file, text| {
                    say("tick");
                    run_document(file, text, opts, false).findings.iter().any(|g| g.key == key)
                },
                MINIMIZE_BUDGET,
            );
            // Detail from the minimized document: its backtrace is the short one.
            let again = run_document(&mfile, &mtext, opts, false);
            let f = again
                .findings
                .into_iter()
                .find(|g| g.key == key)
                .map(|g| Finding { detail: format!("{}\n\nas first seen:\n{}", g.detail, f.detail), ..g })
                .unwrap_or(f);
            write_report(
                &cfg.out_dir,
                &f,
                cfg.seed,
                Some(&case),
                (&case.file, &case.text),
                Some((&mfile, &mtext)),
                opts,
                "",
            );
            say(&format!("minimized {i} {}", mtext.len()));
        }
        i += 1;
    }
    say(&format!("end {i}"));
}

/// `FUZZ_SELF_TEST=abort@N` or `hang@N` makes iteration N die or stall, to check that the
/// parent notices, records the case and carries on after it.
fn self_test(i: u64) {
    let Ok(spec) = std::env::var("FUZZ_SELF_TEST") else { return };
    let Some((what, at)) = spec.split_once('@') else { return };
    if at.parse() != Ok(i) {
        return;
    }
    match what {
        "abort" => std::process::abort(),
        "hang" => std::thread::sleep(Duration::from_secs(u64::MAX / 4)),
        _ => {}
    }
}

/// Runs one document for the parent's minimization of a crash that kills the process.
fn child_one(path: &str) {
    install_panic_hook();
    let file = std::env::var("FUZZ_CHILD_ONE_NAME").unwrap_or_else(|_| path.to_owned());
    let opts = Opts::decode(&std::env::var("FUZZ_OPTIONS").unwrap_or_default());
    let text = std::fs::read_to_string(path).expect("reading the document");
    let r = run_document(&file, &text, opts, false);
    for f in &r.findings {
        say(&format!("one-finding {}", f.key.replace('\n', " ")));
    }
    say(&format!("one-ok {} {}", r.outcome, r.findings.len()));
}

// ---------------------------------------------------------------------------------------------
// The parent: starts children, watches them, and reports
// ---------------------------------------------------------------------------------------------

enum Msg {
    Line(String),
    Eof,
}

struct ChildRun {
    child: Child,
    rx: mpsc::Receiver<Msg>,
    stderr: Arc<Mutex<VecDeque<String>>>,
}

/// Starts this test binary as a child, under a memory limit (`ulimit -v`): a document that
/// makes the generator allocate without end must fail that child, not the machine.
fn spawn_child(envs: &[(&str, String)]) -> ChildRun {
    let exe = std::env::current_exe().expect("the test binary's path");
    let limit_kb = memory_limit_mb() * 1024;
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("ulimit -v {limit_kb} 2>/dev/null; exec \"$0\" \"$@\""))
        .arg(exe)
        .args(support::rerun_args(&this_test!(generate)))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("starting the fuzzing child process");
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            // libtest may have started the line (`test fuzz::generate ... `).
            if let Some(rest) = line.find("@@fuzz ").map(|i| &line[i + "@@fuzz ".len()..]) {
                if tx.send(Msg::Line(rest.to_owned())).is_err() {
                    return;
                }
            }
        }
        let _ = tx.send(Msg::Eof);
    });
    let stderr = Arc::new(Mutex::new(VecDeque::new()));
    let tail = stderr.clone();
    let err = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines() {
            let Ok(line) = line else { break };
            let mut t = lock(&tail);
            t.push_back(line);
            if t.len() > 40 {
                t.pop_front();
            }
        }
    });
    ChildRun { child, rx, stderr }
}

/// Address space a child may use: the generator reserves 256 MiB of stack per thread.
fn memory_limit_mb() -> u64 {
    std::env::var("FUZZ_MEMORY_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(2048)
}

/// What killed a child, from its exit status and the end of its stderr.
fn classify_death(status: &std::process::ExitStatus, tail: &str) -> (&'static str, String) {
    if tail.contains("has overflowed its stack") {
        ("stack-overflow", "stack-overflow: the process overflowed its stack".to_owned())
    } else if tail.contains("memory allocation of") || tail.contains("capacity overflow") {
        ("out-of-memory", format!("out-of-memory: the process ran out of its {} MiB of memory", memory_limit_mb()))
    } else {
        ("abort", format!("abort: the process died ({status})"))
    }
}

#[derive(Default)]
struct Stats {
    executions: u64,
    case_micros: u128,
    outcomes: BTreeMap<String, u64>,
    bytes: u64,
    slowest: Vec<(u128, u64)>,
}

struct ParentFinding {
    first_iteration: u64,
    count: u64,
    report: String,
}

fn supervise(cfg: &Config) {
    // The children keep a core busy: the other heavy tests wait their turn.
    let _turn = support::exclusive();
    // Said here, before any child starts, rather than as a child's death while loading seeds.
    if let Err(e) = xtask::require_corpus() {
        panic!("fuzz: {e:#}");
    }
    let started = Instant::now();
    let deadline_ms = cfg.seconds.map(|s| now_ms() + s * 1000);
    println!(
        "fuzz: seed {:#x} (FUZZ_SEED), {} (FUZZ_ITERATIONS/FUZZ_SECONDS), case timeout {:?}, {} build",
        cfg.seed,
        match cfg.seconds {
            Some(s) if cfg.iterations == u64::MAX => format!("{s} s"),
            Some(s) => format!("{} iterations or {s} s", cfg.iterations),
            None => format!("{} iterations", cfg.iterations),
        },
        cfg.case_timeout,
        if cfg!(debug_assertions) { "debug" } else { "release" }
    );
    let mut stats = Stats::default();
    let mut findings: BTreeMap<String, ParentFinding> = BTreeMap::new();
    let mut next = 0u64;
    let mut restarts = 0;
    let mut last_progress = Instant::now();
    let mut seeds: Option<Seeds> = None;
    'children: loop {
        if next >= cfg.iterations || deadline_ms.is_some_and(|d| now_ms() >= d) {
            break;
        }
        let mut envs = vec![
            (CHILD_ENV, next.to_string()),
            ("FUZZ_CHILD_END", cfg.iterations.to_string()),
            ("FUZZ_SEED", cfg.seed.to_string()),
        ];
        // A restarted child need not minimize again what an earlier one did.
        envs.push(("FUZZ_CHILD_KNOWN", findings.keys().cloned().collect::<Vec<_>>().join("\u{1}")));
        if let Some(d) = deadline_ms {
            envs.push(("FUZZ_CHILD_DEADLINE_MS", d.to_string()));
        }
        let mut run = spawn_child(&envs);
        let mut current: Option<u64> = None;
        let mut in_case = false;
        let mut ready = false;
        loop {
            // Loading the seeds takes a while in a debug build; only a case can hang.
            let wait = if in_case || !ready { cfg.case_timeout } else { cfg.case_timeout.max(MINIMIZE_BUDGET) };
            match run.rx.recv_timeout(wait) {
                Ok(Msg::Line(line)) => {
                    let mut parts = line.splitn(2, ' ');
                    let (tag, rest) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                    match tag {
                        "ready" => {
                            ready = true;
                            if restarts == 0 {
                                let v: Vec<&str> = rest.split(' ').collect();
                                println!(
                                    "fuzz: {} seed documents, {} donor subtrees, loaded in {} ms",
                                    v[0],
                                    v.get(1).unwrap_or(&"?"),
                                    v.get(2).unwrap_or(&"?")
                                );
                            }
                        }
                        "start" => {
                            current = rest.parse().ok();
                            in_case = true;
                        }
                        "done" => {
                            in_case = false;
                            let v: Vec<&str> = rest.split(' ').collect();
                            let i: u64 = v[0].parse().unwrap_or(0);
                            let us: u128 = v.get(1).and_then(|x| x.parse().ok()).unwrap_or(0);
                            stats.executions += 1;
                            stats.case_micros += us;
                            *stats.outcomes.entry(v.get(2).unwrap_or(&"?").to_string()).or_default() += 1;
                            stats.bytes += v.get(3).and_then(|x| x.parse::<u64>().ok()).unwrap_or(0);
                            stats.slowest.push((us, i));
                            stats.slowest.sort_by(|a, b| b.cmp(a));
                            stats.slowest.truncate(5);
                            next = i + 1;
                        }
                        "finding" | "seen" => {
                            let (i, rest) = rest.split_once(' ').unwrap_or(("0", rest));
                            let i: u64 = i.parse().unwrap_or(0);
                            let (report, key) =
                                if tag == "finding" { rest.split_once('\t').unwrap_or(("", rest)) } else { ("", rest) };
                            let e = findings.entry(key.to_owned()).or_insert_with(|| {
                                println!("fuzz: NEW FINDING at iteration {i}: {key}\n      report: {report}");
                                ParentFinding { first_iteration: i, count: 0, report: report.to_owned() }
                            });
                            e.count += 1;
                        }
                        "minimized" => {
                            let (i, len) = rest.split_once(' ').unwrap_or((rest, "?"));
                            println!("fuzz: minimized the finding of iteration {i} to {len} bytes");
                        }
                        "end" => {}
                        _ => {}
                    }
                    if last_progress.elapsed() > Duration::from_secs(30) {
                        last_progress = Instant::now();
                        let secs = started.elapsed().as_secs_f64();
                        println!(
                            "fuzz: {} executions in {secs:.0} s ({:.1}/s), {} distinct findings",
                            stats.executions,
                            stats.executions as f64 / secs,
                            findings.len()
                        );
                    }
                }
                Ok(Msg::Eof) => {
                    let status = run.child.wait().expect("waiting for the child");
                    if status.success() && !ready {
                        panic!(
                            "the fuzzing child exited without running the fuzzer ({status}):\n{}",
                            lock(&run.stderr).iter().cloned().collect::<Vec<_>>().join("\n")
                        );
                    }
                    if status.success() && !in_case {
                        if next >= cfg.iterations || deadline_ms.is_some_and(|d| now_ms() >= d) {
                            break 'children;
                        }
                        // Stopped early without saying why (should not happen): carry on.
                        restarts += 1;
                        continue 'children;
                    }
                    let tail: Vec<String> = lock(&run.stderr).iter().cloned().collect();
                    let tail = tail.join("\n");
                    let Some(i) = current.filter(|_| in_case) else {
                        if !ready {
                            panic!("the fuzzing child process died while loading seeds ({status}):\n{tail}");
                        }
                        // A minimization attempt crashed; the finding is already on disk.
                        println!(
                            "fuzz: the child died while minimizing ({}); continuing after iteration {next}",
                            classify_death(&status, &tail).1
                        );
                        restarts += 1;
                        continue 'children;
                    };
                    let (kind, key) = classify_death(&status, &tail);
                    let seeds = seeds.get_or_insert_with(|| load_seeds(cfg.seed));
                    record_fatal(cfg, seeds, i, kind, &key, &tail, &mut findings);
                    next = i + 1;
                    restarts += 1;
                    continue 'children;
                }
                Err(_) => {
                    let _ = run.child.kill();
                    let _ = run.child.wait();
                    let Some(i) = current.filter(|_| in_case) else {
                        if !ready {
                            panic!("the fuzzing child did not finish loading seeds within {:?}", cfg.case_timeout);
                        }
                        // A minimization candidate hung; the finding is already on disk.
                        println!("fuzz: a minimization run hung; continuing after iteration {next}");
                        restarts += 1;
                        continue 'children;
                    };
                    let seeds = seeds.get_or_insert_with(|| load_seeds(cfg.seed));
                    let key = format!("hang: a case took longer than {:?}", cfg.case_timeout);
                    record_fatal(cfg, seeds, i, "hang", &key, "", &mut findings);
                    next = i + 1;
                    restarts += 1;
                    continue 'children;
                }
            }
        }
    }

    let secs = started.elapsed().as_secs_f64();
    println!(
        "\nfuzz: done: seed {:#x}, {} executions in {secs:.1} s wall = {:.1} executions/s ({} child restarts)",
        cfg.seed,
        stats.executions,
        stats.executions as f64 / secs,
        restarts
    );
    println!(
        "fuzz: mean case {:.2} ms, mean document {} bytes; outcomes: {:?}",
        stats.case_micros as f64 / 1000.0 / stats.executions.max(1) as f64,
        stats.bytes / stats.executions.max(1),
        stats.outcomes
    );
    println!(
        "fuzz: slowest cases (ms, iteration): {:?}",
        stats.slowest.iter().map(|(us, i)| (us / 1000, *i)).collect::<Vec<_>>()
    );
    println!("fuzz: {} distinct findings", findings.len());
    for (key, f) in &findings {
        println!(
            "  - {key}\n    first at iteration {} (FUZZ_SEED={:#x} FUZZ_CASE={}), seen {} times\n    report: {}",
            f.first_iteration, cfg.seed, f.first_iteration, f.count, f.report
        );
    }
    assert!(
        findings.is_empty(),
        "the fuzzer found {} problem(s) with seed {:#x}; reproducers and reports are in {}:\n{}",
        findings.len(),
        cfg.seed,
        cfg.out_dir.display(),
        findings.iter().map(|(k, f)| format!("{k}\n  {}", f.report)).collect::<Vec<_>>().join("\n")
    );
}

/// A case that killed or stalled the child: rebuild it here, write it down, and (for a crash)
/// minimize it with a fresh child process per attempt.
fn record_fatal(
    cfg: &Config,
    seeds: &Seeds,
    i: u64,
    kind: &'static str,
    key: &str,
    tail: &str,
    findings: &mut BTreeMap<String, ParentFinding>,
) {
    let case = make_case(seeds, cfg.seed, i);
    let f = Finding { kind, key: key.to_owned(), detail: format!("stderr of the child process (tail):\n{tail}") };
    if let Some(e) = findings.get_mut(key) {
        e.count += 1;
        println!("fuzz: iteration {i}: {key} (seen before)");
        return;
    }
    let report = write_report(&cfg.out_dir, &f, cfg.seed, Some(&case), (&case.file, &case.text), None, case.opts, "");
    println!("fuzz: NEW FINDING at iteration {i}: {key}\n      report: {}", report.display());
    findings
        .insert(key.to_owned(), ParentFinding { first_iteration: i, count: 1, report: report.display().to_string() });
    if kind == "hang" {
        return;
    }
    std::fs::create_dir_all(&cfg.out_dir).unwrap();
    let scratch = cfg.out_dir.join(format!("scratch-{}", std::process::id()));
    let opts = case.opts;
    let timeout = cfg.case_timeout;
    let mut fails = |file: &str, text: &str| {
        std::fs::write(&scratch, text).unwrap();
        let mut run = spawn_child(&[
            (ONE_ENV, scratch.display().to_string()),
            ("FUZZ_CHILD_ONE_NAME", file.to_owned()),
            ("FUZZ_OPTIONS", opts.encode()),
        ]);
        let mut ok = false;
        loop {
            match run.rx.recv_timeout(timeout) {
                Ok(Msg::Line(l)) if l.starts_with("one-ok") => ok = true,
                Ok(Msg::Line(_)) => {}
                Ok(Msg::Eof) => break,
                Err(_) => {
                    let _ = run.child.kill();
                    break;
                }
            }
        }
        let status = run.child.wait().expect("waiting for the child");
        let tail = lock(&run.stderr).iter().cloned().collect::<Vec<_>>().join("\n");
        !ok && !status.success() && classify_death(&status, &tail).0 == kind
    };
    if !fails(&case.file, &case.text) {
        let _ = std::fs::remove_file(&scratch);
        write_report(
            &cfg.out_dir,
            &f,
            cfg.seed,
            Some(&case),
            (&case.file, &case.text),
            None,
            opts,
            "the document alone does not crash a fresh process: not minimized",
        );
        println!("fuzz: iteration {i} does not crash a fresh process on its own; not minimized");
        return;
    }
    let (mfile, mtext) = minimize(&case.file, &case.text, &mut fails, MINIMIZE_BUDGET * 2);
    let _ = std::fs::remove_file(&scratch);
    write_report(&cfg.out_dir, &f, cfg.seed, Some(&case), (&case.file, &case.text), Some((&mfile, &mtext)), opts, "");
    println!("fuzz: minimized the finding of iteration {i} to {} bytes", mtext.len());
}

// ---------------------------------------------------------------------------------------------
// Single-case modes
// ---------------------------------------------------------------------------------------------

fn print_result(file: &str, text: &str, opts: Opts) -> RunResult {
    let t = Instant::now();
    let r = run_document(file, text, opts, true);
    println!("fuzz: {file}: {} in {:?} with options {:?}", r.outcome, t.elapsed(), opts.encode());
    print!("{}", r.summary);
    for f in &r.findings {
        println!("FINDING {}\n{}\n", f.key, f.detail);
    }
    r
}

fn run_one_case(cfg: &Config, i: u64) {
    install_panic_hook();
    let seeds = load_seeds(cfg.seed);
    let case = make_case(&seeds, cfg.seed, i);
    std::fs::create_dir_all(&cfg.out_dir).unwrap();
    let path = cfg.out_dir.join(format!("case-{:x}-{i}.{}", cfg.seed, ext(&case.file)));
    std::fs::write(&path, &case.text).unwrap();
    println!(
        "fuzz: seed {:#x} iteration {i}: {} ({} bytes) written to {}",
        cfg.seed,
        case.file,
        case.text.len(),
        path.display()
    );
    for l in &case.log {
        println!("  {l}");
    }
    let r = print_result(&case.file, &case.text, case.opts);
    assert!(r.findings.is_empty(), "{} finding(s)", r.findings.len());
}

fn run_file(path: &str) {
    install_panic_hook();
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    let name = Path::new(path).file_name().unwrap().to_string_lossy().into_owned();
    let opts = Opts::decode(&std::env::var("FUZZ_OPTIONS").unwrap_or_default());
    let r = print_result(&name, &text, opts);
    assert!(r.findings.is_empty(), "{} finding(s)", r.findings.len());
}
