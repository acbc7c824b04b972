//! Running one document and checking the properties the fuzzer promises: nothing panics, no
//! internal error, every diagnostic located, failures have an error, output deterministic.

use std::collections::{BTreeSet, HashSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Mutex;

use generator::{Diagnostic, Document, Severity};
use serde_json::Value;

use super::case::Opts;
use super::lock;

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

/// Forgets the panics recorded so far (parsing a document outside [`run_document`] may leave
/// some behind).
pub(super) fn forget_panics() {
    lock(&PANICS).clear();
}

/// Records every panic while a document is processed, on any thread, instead of printing it;
/// the first panic at each location keeps a backtrace. Other panics print as usual.
pub(super) fn install_panic_hook() {
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
pub(super) struct Finding {
    /// `panic`, `internal-error`, `location`, `no-error`, `nondeterministic`.
    pub(super) kind: &'static str,
    /// What makes two findings the same bug.
    pub(super) key: String,
    /// Everything known: message, location, backtrace.
    pub(super) detail: String,
}

pub(super) struct RunResult {
    pub(super) outcome: &'static str,
    pub(super) findings: Vec<Finding>,
    /// Diagnostics shown for a single case.
    pub(super) summary: String,
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

pub(super) fn run_document(file: &str, text: &str, opts: Opts, twice: bool) -> RunResult {
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
