//! Child processes: this test binary started again, under a memory limit, to run cases where
//! a stack overflow, an abort or a hang costs only the child. The child says what it is doing on
//! stdout (`@@fuzz start 12`, `@@fuzz done 12 …`); the parent ([`super::supervise`]) listens.

use std::collections::{HashSet, VecDeque};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::support;

use super::case::{make_case, Opts};
use super::check::{install_panic_hook, run_document, Finding};
use super::minimize::minimize;
use super::report::write_report;
use super::seeds::load_seeds;
use super::{lock, Config, MINIMIZE_BUDGET};

/// Set in a child that runs cases: the first iteration it runs.
pub(super) const CHILD_ENV: &str = "FUZZ_CHILD_START";
/// Set in a child that runs one document: the file it reads.
pub(super) const ONE_ENV: &str = "FUZZ_CHILD_ONE";

/// One line of the protocol to the parent, on stdout.
fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "@@fuzz {line}");
    let _ = out.flush();
}

/// Milliseconds since the epoch: deadlines cross process boundaries.
pub(super) fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// The child that runs cases from `FUZZ_CHILD_START` on, saying before and after each; a
/// new finding is written down, minimized and reported before it goes on.
pub(super) fn child_main(cfg: &Config) {
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
pub(super) fn child_one(path: &str) {
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

/// What the parent hears from a child.
pub(super) enum Msg {
    Line(String),
    Eof,
}

/// A running child, its protocol lines and the tail of its stderr (which has a panic's or an
/// abort's last words).
pub(super) struct ChildRun {
    pub(super) child: Child,
    pub(super) rx: mpsc::Receiver<Msg>,
    pub(super) stderr: Arc<Mutex<VecDeque<String>>>,
}

/// Starts this test binary as a child, under a memory limit (`ulimit -v`): a document that
/// makes the generator allocate without end must fail that child, not the machine.
pub(super) fn spawn_child(envs: &[(&str, String)]) -> ChildRun {
    let exe = std::env::current_exe().expect("the test binary's path");
    let limit_kb = memory_limit_mb() * 1024;
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("ulimit -v {limit_kb} 2>/dev/null; exec \"$0\" \"$@\""))
        .arg(exe)
        .args(support::rerun_args(&super::child_test_name()))
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
pub(super) fn memory_limit_mb() -> u64 {
    std::env::var("FUZZ_MEMORY_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(2048)
}

/// What killed a child, from its exit status and the end of its stderr.
pub(super) fn classify_death(status: &std::process::ExitStatus, tail: &str) -> (&'static str, String) {
    if tail.contains("has overflowed its stack") {
        ("stack-overflow", "stack-overflow: the process overflowed its stack".to_owned())
    } else if tail.contains("memory allocation of") || tail.contains("capacity overflow") {
        ("out-of-memory", format!("out-of-memory: the process ran out of its {} MiB of memory", memory_limit_mb()))
    } else {
        ("abort", format!("abort: the process died ({status})"))
    }
}
