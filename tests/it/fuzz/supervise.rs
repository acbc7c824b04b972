//! The parent: starts children, watches them, records what killed or stalled them, and
//! reports.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::support;

use super::case::make_case;
use super::check::Finding;
use super::child::{classify_death, now_ms, spawn_child, Msg, CHILD_ENV, ONE_ENV};
use super::minimize::minimize;
use super::report::write_report;
use super::seeds::{load_seeds, Seeds};
use super::{lock, Config, MINIMIZE_BUDGET};

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

pub(super) fn supervise(cfg: &Config) {
    // The children keep a core busy: the other heavy tests wait their turn.
    let _turn = support::exclusive();
    // Said here, before any child starts, rather than as a child's death while loading seeds.
    if let Err(e) = crate::support::project::require_corpus() {
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
