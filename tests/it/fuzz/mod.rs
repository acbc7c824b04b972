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
//!   README; default `tests/corpus`, vendored in the workspace);
//! - `FUZZ_SELF_TEST=abort@N` / `hang@N`: iteration N kills or stalls the child, to check the
//!   parent's handling of crashes it cannot catch.
//!
//! Long runs: `FUZZ_SECONDS=600 cargo test --release -p tests --test it -- --exact fuzz::generate --nocapture`.
//!
//! The parts: [`seeds`] and [`case`] build a case from `(seed, iteration)` with [`mutate`]
//! (the value tree), [`odd`] (the values it puts in) and [`text`] (damage to the text);
//! [`check`] runs a document and judges it; [`minimize`] and [`report`] turn a finding into a
//! small reproducer; [`child`] and [`supervise`] run cases in child processes and watch them.

mod case;
mod check;
mod child;
mod minimize;
mod mutate;
mod odd;
mod report;
mod rng;
mod seeds;
mod supervise;
mod text;
mod tree;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::support::{self, this_test};

use case::{make_case, Opts};
use check::{install_panic_hook, run_document, RunResult};
use child::{child_main, child_one, classify_death, memory_limit_mb, spawn_child, Msg, CHILD_ENV, ONE_ENV};
use report::ext;
use seeds::{files_in, load_seeds};
use supervise::supervise;

/// Iterations of a plain `cargo test` run: about half a minute in a debug build on two cores.
const DEFAULT_ITERATIONS: u64 = 1500;
/// The seed of a plain run.
const DEFAULT_SEED: u64 = 0x0A11_5EED;
/// Time one minimization may take.
const MINIMIZE_BUDGET: Duration = Duration::from_secs(if cfg!(debug_assertions) { 120 } else { 60 });

/// What a run does, from the environment (see the top of this file).
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
            out_dir: crate::support::project::workspace_root().join("target/fuzz-crashes"),
        }
    }
}

/// The fuzz run: supervises the children that run the cases. The same test is each child
/// (`FUZZ_CHILD_*` set by the parent) and the single-case modes (`FUZZ_CASE`, `FUZZ_FILE`).
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
    let root = crate::support::project::workspace_root().join("tests/fixtures");
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
        .args(support::rerun_args(&child_test_name()))
        .env("FUZZ_LIMITED", "1")
        .status()
        .expect("starting the test again");
    assert!(status.success(), "the run under a {} MiB memory limit failed ({status})", memory_limit_mb());
    true
}

/// The name of [`generate`], which the fuzzer's child processes run.
fn child_test_name() -> String {
    this_test!(generate)
}

/// The guard of a mutex that a panicking case may have poisoned; the data is still good.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

// Single-case modes: `FUZZ_CASE` and `FUZZ_FILE`.

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
