//! `cargo xtask <command>`: the project's own tasks, over the tools it ships
//! (`openapi-client-gen`, `openapi-spec`) with this workspace's defaults (`project.rs`).

// Generation allocates and frees millions of small token trees; mimalloc does that in
// about two thirds of the time glibc's allocator takes (see `cargo xtask codegen`'s budget).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod bench_compile;
mod corpus;
mod project;
mod unification;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use openapi_client_gen::config::Config;
use openapi_client_gen::manifest::RuntimeSource;
use openapi_client_gen::{modules, standalone};
use openapi_spec_tools::{audit, diff, fmt, lint};

/// The project's own tasks. The generator and the spec tools are also installable on their
/// own: `cargo install --path generator/cli` and `cargo install --path spec-tools`.
#[derive(Parser)]
#[command(name = "cargo xtask", max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Regenerate generated-client/ (and the tests' generated modules) from spec/
    /// (spec/codegen.toml, tests/codegen.toml).
    Codegen {
        /// Change nothing; fail and name the stale files.
        #[arg(long)]
        check: bool,
    },
    /// Install the test tools (Prism, via npm) and run every test; extra arguments go to
    /// `cargo test`.
    Test {
        /// Passed to `cargo test`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Rewrite the curated specs (every file of them) in canonical form.
    SpecFmt {
        /// Change nothing; fail and name the files that are not canonical.
        #[arg(long)]
        check: bool,
    },
    /// Lint documents: by default the curated specs with spec/lint.yaml (see `openapi-spec
    /// lint --help` for the rules).
    SpecLint {
        /// Documents to lint instead of the curated specs (with the default rules).
        paths: Vec<PathBuf>,
        #[command(flatten)]
        rules: lint::cli::RuleArgs,
    },
    /// What a change of spec/*.yaml (at --base, default HEAD, vs the working tree) means on the
    /// wire and for veeam-client, and the semver bump it needs; or compare --old with --new.
    SpecDiff(diff::cli::Args),
    /// Every difference between spec/vbr/ and Veeam's published documents; fails on any not
    /// declared in an `x-deviation` map, and on stale declarations. By default against every
    /// revision in the corpus's vbr/: every difference from the spec's default revision, and
    /// from each revision what the revision marks say it has.
    SpecAudit {
        /// One Veeam document to compare with instead, every difference.
        #[arg(long, value_name = "PATH")]
        against: Option<PathBuf>,
        /// The help center's navigation list (default: tests/seeds/004_*.txt).
        #[arg(long, value_name = "PATH")]
        nav: Option<PathBuf>,
    },
    /// Bring sections of Veeam's published documents (default: all four revisions in the
    /// corpus's vbr/) into spec/vbr/: their operations and the components they use, marked
    /// with the revisions they exist in. Adds what is missing; never rewrites curated text.
    SpecImport {
        /// A published document (repeatable; default: every document in the corpus's vbr/).
        #[arg(long = "from", value_name = "DOC")]
        from: Vec<PathBuf>,
        /// A section (tag) to import (repeatable; default: every section).
        #[arg(long = "section", value_name = "NAME")]
        sections: Vec<String>,
        /// The curated document's root (default: spec/vbr/openapi.yaml).
        #[arg(long, value_name = "PATH")]
        spec: Option<PathBuf>,
        /// Lay the document out in this folder, root `openapi.yaml` (default: the spec's own).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Apply the mechanical curation rules to spec/vbr/ after an import (x-doc-page,
    /// x-pagination, x-long-running, secrets as format: password with the deviation
    /// declared); each rule only adds what is missing.
    SpecCurate,
    /// Any OpenAPI document -> a standalone crate that depends on this checkout's runtime
    /// crate (`openapi-client-gen generate` has every option).
    Generate {
        /// The document's root file.
        #[arg(long, value_name = "PATH")]
        spec: PathBuf,
        /// The folder the crate is written to.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// The crate's name.
        #[arg(long, value_name = "CRATE")]
        name: String,
        /// Copy the runtime's sources into the crate instead of depending on it.
        #[arg(long)]
        vendor_runtime: bool,
    },
    /// Check the runtime crate's public API against its last release (the newest
    /// `openapi-client-runtime-v*` tag) with cargo-semver-checks; installs it if missing.
    Semver,
    /// Generate (and cargo check) every document in the corpus ($OPENAPI_CORPUS, default
    /// tests/corpus, vendored).
    Corpus {
        /// Generate only; do not run cargo check.
        #[arg(long)]
        no_check: bool,
        /// Also check one tag alone for every document (by default every third).
        #[arg(long)]
        full: bool,
        /// CI's sample (what `cargo xtask test` runs): every document generated and split,
        /// every fourth one checked (no Veeam document: veeam-client is their union), one tag
        /// alone on every eighth.
        #[arg(long, conflicts_with = "full")]
        sample: bool,
    },
    /// Time `cargo xtask codegen --check` (every module of spec/codegen.toml and
    /// tests/codegen.toml generated and compared, in this process) and print the median.
    BenchCodegen {
        /// How many timed runs.
        #[arg(long, default_value_t = 11)]
        runs: usize,
    },
    /// Time `cargo check` of a generated crate (default: the corpus's progenitor/nexus.json)
    /// and print the median.
    BenchCompile {
        /// The document.
        #[arg(long, value_name = "PATH")]
        spec: Option<PathBuf>,
        /// How many timed runs.
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Measure the crate with the runtime copied in, as before the runtime was a crate.
        #[arg(long)]
        vendor_runtime: bool,
    },
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Task::Codegen { check } => codegen(check),
        Task::Test { args } => test(&args),
        Task::SpecFmt { check } => spec_fmt(check),
        Task::SpecLint { paths, rules } => spec_lint(paths, &rules),
        Task::SpecDiff(args) => spec_diff(args),
        Task::SpecAudit { against, nav } => spec_audit(against, nav),
        Task::SpecCurate => spec_curate(),
        Task::SpecImport { from, sections, spec, out } => spec_import(from, &sections, spec, out),
        Task::Generate { spec, out, name, vendor_runtime } => generate(&spec, &out, &name, vendor_runtime),
        Task::Corpus { no_check, full, sample } => corpus(
            !no_check,
            match (full, sample) {
                (true, _) => corpus::Checks::Full,
                (_, true) => corpus::Checks::Sample,
                _ => corpus::Checks::Whole,
            },
        ),
        Task::Semver => semver(&project::root(), &mut Output::Inherit),
        Task::BenchCodegen { runs } => bench_codegen(runs),
        Task::BenchCompile { spec, runs, vendor_runtime } => bench_compile(spec, runs, vendor_runtime),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn codegen(check: bool) -> anyhow::Result<()> {
    let root = project::root();
    let changed = regenerate(&root, check)?;
    if changed.is_empty() {
        println!("generated files are up to date ({})", root.display());
    }
    for f in changed {
        println!("wrote {}", f.display());
    }
    Ok(())
}

/// Regenerates (or with `check`, compares) every module; the files written.
fn regenerate(root: &Path, check: bool) -> anyhow::Result<Vec<PathBuf>> {
    let mut changed = Vec::new();
    for config in project::configs(root)? {
        if check {
            modules::ensure_fresh(&config)?;
        } else {
            changed.extend(modules::run(&config, false)?);
        }
    }
    Ok(changed)
}

/// The curated specs' files, roots first, as absolute paths.
fn curated_files(root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let config = Config::read(&root.join(project::CURATED))?;
    Ok(modules::spec_files(&config)?.into_iter().map(|f| root.join(f)).collect())
}

fn spec_fmt(check: bool) -> anyhow::Result<()> {
    let root = project::root();
    let files = curated_files(&root)?;
    let changed = fmt::format_files(&files, check)?;
    let names: Vec<String> = changed.iter().map(|p| p.strip_prefix(&root).unwrap_or(p).display().to_string()).collect();
    if check && !changed.is_empty() {
        bail!("not in canonical form: {}; run `cargo xtask spec-fmt`", names.join(", "));
    }
    for name in &names {
        println!("formatted {name}");
    }
    println!("spec-fmt: {} file(s) in {}, {} formatted", files.len(), root.display(), names.len());
    Ok(())
}

fn spec_import(
    from: Vec<PathBuf>,
    sections: &[String],
    spec: Option<PathBuf>,
    out: Option<PathBuf>,
) -> anyhow::Result<()> {
    let root = project::root();
    let sources = if from.is_empty() {
        openapi_spec_tools::import::sources_in(&project::require_corpus()?.join("vbr"))?
    } else {
        openapi_spec_tools::import::read_sources(&from)?
    };
    let spec = spec.unwrap_or_else(|| root.join(project::AUDITED_SPEC));
    let outcome = openapi_spec_tools::import::run(&spec, out.as_deref(), &sources, sections)?;
    let report = &outcome.report;
    for line in report.operations.iter().map(|o| format!("added operation {o}")) {
        println!("{line}");
    }
    for line in report.components.iter().map(|c| format!("added component {c}")) {
        println!("{line}");
    }
    for line in report.members.iter().map(|m| format!("added {m}")) {
        println!("{line}");
    }
    let revisions: Vec<&str> = sources.iter().map(|s| s.revision.as_str()).collect();
    println!(
        "spec-import: {} from {}: {} operations and {} components added, {} members merged, {} curated operations kept; {} file(s) changed",
        spec.strip_prefix(&root).unwrap_or(&spec).display(),
        revisions.join(", "),
        report.operations.len(),
        report.components.len(),
        report.members.len(),
        report.kept,
        outcome.changed.len()
    );
    Ok(())
}

fn spec_curate() -> anyhow::Result<()> {
    let root = project::root();
    let outcome = openapi_spec_tools::curate::run(&root.join(project::AUDITED_SPEC))?;
    for change in &outcome.changes {
        println!("{change}");
    }
    println!(
        "spec-curate: {}: {} change(s), {} file(s) written",
        project::AUDITED_SPEC,
        outcome.changes.len(),
        outcome.changed.len()
    );
    Ok(())
}

fn spec_lint(paths: Vec<PathBuf>, rules: &lint::cli::RuleArgs) -> anyhow::Result<()> {
    let root = project::root();
    if !paths.is_empty() {
        let files: Vec<(PathBuf, String)> = paths.iter().map(|p| (p.clone(), p.display().to_string())).collect();
        return lint::cli::run("spec-lint", &files, &rules.config(lint::Config::default())?, None);
    }
    // The curated specs, with spec/lint.yaml unless --ruleset names another file.
    let config = rules.config(lint::config_or_default(&root.join(project::LINT_RULES))?)?;
    let curated = Config::read(&root.join(project::CURATED))?;
    let files: Vec<(PathBuf, String)> =
        curated.modules.iter().map(|m| (root.join(&m.spec), m.spec.display().to_string())).collect();
    lint::cli::run("spec-lint", &files, &config, Some(&root))
}

fn spec_diff(mut args: diff::cli::Args) -> anyhow::Result<()> {
    if args.old.is_none() && args.config.is_none() {
        args.config = Some(project::root().join(project::CURATED));
    }
    let report = diff::cli::run(&args)?;
    print!("{}", report.render(args.format));
    if args.fail_on_breaking() && report.breaking() {
        bail!("breaking changes (--fail-on breaking)");
    }
    Ok(())
}

fn spec_audit(against: Option<PathBuf>, nav: Option<PathBuf>) -> anyhow::Result<()> {
    let root = project::root();
    let against = match against {
        Some(path) => vec![path],
        None => audit::documents_in(&project::require_corpus()?.join(project::AUDIT_DOCUMENTS))?,
    };
    let nav = nav.or_else(|| audit::navigation_in(&root.join("tests/seeds")));
    let outcome = audit::run(&root, project::AUDITED_SPEC, &against, nav.as_deref())?;
    println!("workspace: {}", root.display());
    print!("{}", outcome.text);
    if !outcome.passed {
        bail!("the spec has undeclared differences or stale declarations (see above)");
    }
    Ok(())
}

fn generate(spec: &Path, out: &Path, name: &str, vendor_runtime: bool) -> anyhow::Result<()> {
    let runtime = match vendor_runtime {
        true => RuntimeSource::Vendored,
        false => RuntimeSource::Path(project::root().join("generator/runtime")),
    };
    let settings =
        standalone::Settings { runtime, command: "cargo xtask generate".into(), ..standalone::Settings::new(name) };
    let report = standalone::generate_crate(spec, out, &settings)?;
    for w in &report.warnings {
        eprintln!("{w}");
    }
    println!(
        "generated {name} in {}: {} operations, {} types, {} warnings, {} features ({:.0} ms)",
        out.display(),
        report.operations,
        report.types,
        report.warnings.len(),
        report.features.len(),
        report.generate_time.as_secs_f64() * 1000.0
    );
    Ok(())
}

fn corpus(check: bool, checks: corpus::Checks) -> anyhow::Result<()> {
    corpus_report(check, checks, &mut Output::Inherit)
}

/// [`corpus`], its table written to `out`.
fn corpus_report(check: bool, checks: corpus::Checks, out: &mut Output) -> anyhow::Result<()> {
    let root = project::root();
    let dir = project::require_corpus()?;
    let rows = corpus::corpus(&root, &dir, check, checks)?;
    out.say("| document | OpenAPI | operations | schemas | generate ms | warnings | `Value` fields: untyped in the document / loosened (warned) | cargo check | split into files |");
    out.say("|---|---|---:|---:|---:|---:|---:|---|---|");
    let mut failed = Vec::new();
    for r in &rows {
        let (ops, types, ms, warns, loose) = match &r.report {
            Ok(rep) => (
                rep.operations.to_string(),
                rep.types.to_string(),
                format!("{:.0}", rep.generate_time.as_secs_f64() * 1000.0),
                rep.warnings.len().to_string(),
                format!("{} / {}", rep.loose.untyped, rep.loose.degraded),
            ),
            Err(e) => {
                failed.push(format!("{}: {e}", r.document));
                ("-".into(), "-".into(), "-".into(), "-".into(), "-".into())
            }
        };
        let check = match &r.check {
            Ok((0, w, s)) => format!("ok, {w} warnings, {s:.1} s"),
            Ok((e, w, s)) => {
                failed.push(format!("{}: {e} compile errors", r.document));
                format!("FAILED: {e} errors, {w} warnings, {s:.1} s")
            }
            Err(e) if e == "not checked" => "not checked".into(),
            Err(e) => {
                failed.push(format!("{}: {e}", r.document));
                format!("FAILED: {e}")
            }
        };
        let version = r.version.as_deref().unwrap_or("-");
        let split = match &r.split {
            None => "-".to_owned(),
            Some(Ok(n)) => format!("{n} files, same code"),
            Some(Err(e)) => {
                failed.push(format!("{} (split): {e}", r.document));
                format!("FAILED: {e}")
            }
        };
        out.say(&format!(
            "| {} | {version} | {ops} | {types} | {ms} | {warns} | {loose} | {check} | {split} |",
            r.document
        ));
    }
    if !failed.is_empty() {
        bail!("{} document(s) failed:\n{}", failed.len(), failed.join("\n"));
    }
    Ok(())
}

fn bench_codegen(runs: usize) -> anyhow::Result<()> {
    let runs = runs.max(1);
    let root = project::root();
    // One untimed run warms the page cache.
    regenerate(&root, true)?;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = std::time::Instant::now();
        regenerate(&root, true)?;
        times.push(started.elapsed());
    }
    let mut sorted = times.clone();
    sorted.sort();
    let shown: Vec<String> = times.iter().map(|d| format!("{:.0}", d.as_secs_f64() * 1e3)).collect();
    println!(
        "codegen --check, median of {runs}: {:.0} ms (min {:.0}, max {:.0}; runs in ms: {})",
        sorted[runs / 2].as_secs_f64() * 1e3,
        sorted[0].as_secs_f64() * 1e3,
        sorted[runs - 1].as_secs_f64() * 1e3,
        shown.join(", ")
    );
    Ok(())
}

fn bench_compile(spec: Option<PathBuf>, runs: usize, vendor_runtime: bool) -> anyhow::Result<()> {
    let root = project::root();
    let spec = match spec {
        Some(spec) => spec,
        None => project::require_corpus()?.join("progenitor/nexus.json"),
    };
    let dir = root.join(if vendor_runtime { "target/bench-compile-vendored" } else { "target/bench-compile" });
    let bench = bench_compile::run(&root, &spec, &dir, runs, vendor_runtime)?;
    let secs: Vec<String> = bench.runs.iter().map(|d| format!("{:.2}", d.as_secs_f64())).collect();
    println!(
        "{}: {} lines of Rust{}; cargo check of the crate alone, median of {runs}: {:.2} s (runs: {})",
        spec.display(),
        bench.lines,
        if vendor_runtime { " (runtime vendored)" } else { "" },
        bench.median().as_secs_f64(),
        secs.join(", ")
    );
    Ok(())
}

/// Installs what the tests need and runs them all. Extra arguments go to `cargo test`. The
/// time of each step is printed at the end, whether or not the run passed.
fn test(args: &[String]) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let mut steps = Steps::default();
    let result = test_steps(args, &mut steps);
    steps.report(started.elapsed());
    result
}

fn test_steps(args: &[String], steps: &mut Steps) -> anyhow::Result<()> {
    let root = project::root();
    // The corpus is input to the fuzzer, the benchmark's smoke run and the corpus check at the
    // end; without it the run would fail minutes in, so it is checked before anything builds.
    // Every step gets its absolute path, so all of them read the same folder.
    let corpus_dir = project::require_corpus()?;
    let cargo_in_root = || {
        let mut cmd = Command::new(cargo());
        cmd.current_dir(&root).env(project::CORPUS_ENV, &corpus_dir);
        cmd
    };
    // Cheap gates first: formatting (generated modules are `#[rustfmt::skip]`, prettyplease
    // formats them) and lints on every target.
    steps.time("fmt", || run(cargo_in_root().args(["fmt", "--all", "--check"])))?;
    // Beside clippy, which spends minutes on one core checking the generated client: Prism's
    // install (npm), which the tests need, and the semver check, whose rustdoc builds go to a
    // target folder of their own (so they wait for no other build's lock). The semver check
    // is waited for only at the end: on a machine without cargo-semver-checks it is first
    // compiled, which takes longer than clippy. Their output is shown when they are done.
    let prism = beside("install prism", {
        let root = root.clone();
        move |log| install_prism(&root, log)
    });
    // The runtime is a crate others depend on: its public API may not break within a version.
    let semver_check = beside("semver", {
        let root = root.clone();
        move |log| semver(&root, log)
    });
    let clippy = steps.time("clippy", || {
        run(cargo_in_root().args(["clippy", "--quiet", "--workspace", "--all-targets", "--", "-D", "warnings"]))
    });
    let prism = steps.join_beside(prism);
    clippy?;
    prism?;
    steps.time("codegen --check", || {
        run(cargo_in_root().args(["run", "--quiet", "--package", "xtask", "--", "codegen", "--check"]))
    })?;
    // Every difference from Veeam's published document is declared, with its reason.
    steps.time("spec-audit", || {
        run(cargo_in_root().args(["run", "--quiet", "--package", "xtask", "--", "spec-audit"]))
    })?;
    // The curated specs against the reviewers' rules (spec/lint.yaml), before the long tests.
    steps
        .time("spec-lint", || run(cargo_in_root().args(["run", "--quiet", "--package", "xtask", "--", "spec-lint"])))?;
    // Every real-world document in the corpus must still generate (and split into files the
    // same); a sample of them is also `cargo check`ed, for CI's time budget (`cargo xtask
    // corpus` checks them all, `--full` each with one tag alone too). It runs in this process,
    // on the corpus folder found above, beside the tests: their build spends minutes on one
    // core compiling the generated client, and the corpus checks in a target folder of its
    // own (so neither waits for the other's lock).
    let corpus_run = beside("corpus --sample", |log| corpus_report(true, corpus::Checks::Sample, log));
    // Every target, as `--all-targets` would, except that `--all-targets` means `--lib` too,
    // which builds a library's unit tests even where its manifest says `test = false` (the
    // generated client's: it has none, and that build alone is minutes of CPU). Snapshots
    // never rewrite themselves during a test run; review with `cargo insta review`.
    let tests_cmd = |build_only: bool| {
        let mut cmd = cargo_in_root();
        cmd.args(["test", "--workspace", "--bins", "--tests", "--benches", "--examples"]);
        if build_only {
            cmd.arg("--no-run");
        }
        cmd.args(args).env("INSTA_UPDATE", "no");
        cmd
    };
    // The tests are built first, then run; the docs build while they run (cargo holds the
    // build folder's lock only while it builds, and rustdoc spends most of its minute on
    // veeam-client alone, on one core).
    steps.time("tests (build)", || run(&mut tests_cmd(true)))?;
    // The client's docs render without a warning (bare URLs, broken intra-doc links), the
    // mock's included; this also builds the optional OS trust store.
    let mut docs = None;
    let tests = steps.time("tests", || {
        run_then(&mut tests_cmd(false), "     Running ", || {
            let started = cargo_in_root()
                .env("RUSTDOCFLAGS", "-D warnings")
                .args([
                    "doc",
                    "--quiet",
                    "--no-deps",
                    "--all-features",
                    "--package",
                    "veeam-client",
                    "--package",
                    "openapi-client-runtime",
                ])
                .spawn()
                .context("starting cargo doc");
            docs = Some(started);
        })
    });
    let mut docs = match (tests, docs) {
        (Ok(()), Some(docs)) => docs?,
        (Err(e), _) => return Err(e),
        (Ok(()), None) => bail!("cargo test ran no test binary"),
    };
    steps.time("doc tests", || run(cargo_in_root().args(["test", "--workspace", "--doc"])))?;
    let corpus_run = steps.join_beside(corpus_run);
    let docs_run = steps.time("docs (the rest)", || {
        let status = docs.wait().context("waiting for cargo doc")?;
        if !status.success() {
            bail!("cargo doc (warnings denied) failed with {status}");
        }
        Ok(())
    });
    let semver_run = steps.join_beside(semver_check);
    corpus_run?;
    docs_run?;
    semver_run
}

/// What a step run beside the others hands back: its time, its captured output, its result.
type Beside = std::thread::JoinHandle<(Steps, Output, anyhow::Result<()>)>;

/// Runs the step `name` on a thread of its own, its output captured (see [`Steps::join_beside`]).
fn beside(name: &'static str, step: impl FnOnce(&mut Output) -> anyhow::Result<()> + Send + 'static) -> Beside {
    std::thread::spawn(move || {
        let mut side = Steps::default();
        let mut log = Output::Captured(Vec::new());
        let result = side.time(name, || step(&mut log));
        (side, log, result)
    })
}

/// How long each step of `cargo xtask test` took, printed at the end (CI's time budget is
/// spent here; the table says where). A step that ran beside others is marked so: its time
/// is not part of the total's sequence.
#[derive(Default)]
struct Steps(Vec<(&'static str, std::time::Duration, bool)>);

impl Steps {
    fn time(&mut self, name: &'static str, step: impl FnOnce() -> anyhow::Result<()>) -> anyhow::Result<()> {
        let started = std::time::Instant::now();
        let result = step();
        self.0.push((name, started.elapsed(), false));
        result
    }

    /// Waits for a step run [`beside`] the others, shows its output, and records it as run
    /// beside the ones before; its result.
    fn join_beside(&mut self, step: Beside) -> anyhow::Result<()> {
        let (other, log, result) = step.join().map_err(|_| anyhow::anyhow!("a step run beside the others panicked"))?;
        log.show()?;
        self.0.extend(other.0.into_iter().map(|(name, took, _)| (name, took, true)));
        result
    }

    fn report(&self, total: std::time::Duration) {
        println!("\ncargo xtask test, time per step:");
        for (name, took, beside) in &self.0 {
            let note = if *beside { " (beside the steps above)" } else { "" };
            println!("  {name:<16} {:>7.1} s{note}", took.as_secs_f64());
        }
        println!("  {:<16} {:>7.1} s", "total", total.as_secs_f64());
    }
}

/// The runtime's public API against its last release, by cargo-semver-checks (installed at a
/// pinned version if missing). The release is the commit `generator/runtime/RELEASED.toml`
/// names, which every full clone has, tags or not; a breaking change needs a new version in
/// `generator/runtime/Cargo.toml`.
fn semver(root: &Path, out: &mut Output) -> anyhow::Result<()> {
    let installed =
        Command::new(cargo()).args(["semver-checks", "--version"]).output().is_ok_and(|o| o.status.success());
    if !installed {
        out.say("installing cargo-semver-checks (cargo install --locked)");
        out.run(Command::new(cargo()).args(["install", "--locked", "cargo-semver-checks", "--version", "0.51.0"]))?;
    }
    let released = project::runtime_release(root)?;
    out.say(&format!(
        "checking openapi-client-runtime's public API against {} ({})",
        released.version, released.commit
    ));
    out.run(Command::new(cargo()).current_dir(root).args([
        "semver-checks",
        "check-release",
        "--package",
        "openapi-client-runtime",
        "--all-features",
        "--baseline-rev",
        &released.commit,
    ]))
}

/// `npm ci` in `tests/prism` (exact versions from its lock file), unless already installed
/// from the same lock file.
fn install_prism(root: &Path, out: &mut Output) -> anyhow::Result<()> {
    let dir = root.join("tests/prism");
    let lock = std::fs::read(dir.join("package-lock.json")).context("reading tests/prism/package-lock.json")?;
    let stamp = dir.join("node_modules/.installed-lock");
    if std::fs::read(&stamp).ok().as_deref() == Some(lock.as_slice()) && dir.join("node_modules/.bin/prism").exists() {
        return Ok(());
    }
    out.say("installing Prism (npm ci in tests/prism)");
    out.run(Command::new("npm").current_dir(&dir).args(["ci", "--no-audit", "--no-fund"]))
        .context("npm is needed for the contract tests; install Node.js and npm")?;
    std::fs::write(&stamp, lock)?;
    Ok(())
}

/// Where a step's output goes: the terminal, or a buffer shown when the step is done (for a
/// step that runs beside another, so their lines do not interleave).
enum Output {
    Inherit,
    Captured(Vec<u8>),
}

impl Output {
    fn say(&mut self, line: &str) {
        match self {
            Output::Inherit => println!("{line}"),
            Output::Captured(log) => log.extend_from_slice(format!("{line}\n").as_bytes()),
        }
    }

    fn run(&mut self, cmd: &mut Command) -> anyhow::Result<()> {
        let Output::Captured(log) = self else { return run(cmd) };
        let output = cmd.output().with_context(|| format!("starting {cmd:?}"))?;
        log.extend_from_slice(&output.stdout);
        log.extend_from_slice(&output.stderr);
        if !output.status.success() {
            bail!("{cmd:?} failed with {}", output.status);
        }
        Ok(())
    }

    /// Prints what was captured.
    fn show(&self) -> std::io::Result<()> {
        match self {
            Output::Inherit => Ok(()),
            Output::Captured(log) => std::io::Write::write_all(&mut std::io::stdout(), log),
        }
    }
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// [`run`], calling `then` once, as soon as a line of the command's standard error starts
/// with `marker` (every line is still shown, in order).
fn run_then(cmd: &mut Command, marker: &str, then: impl FnOnce()) -> anyhow::Result<()> {
    use std::io::BufRead;
    let mut child = cmd.stderr(std::process::Stdio::piped()).spawn().with_context(|| format!("starting {cmd:?}"))?;
    let mut then = Some(then);
    if let Some(stderr) = child.stderr.take() {
        for line in std::io::BufReader::new(stderr).lines() {
            let line = line.context("reading the command's output")?;
            eprintln!("{line}");
            if line.starts_with(marker) {
                if let Some(then) = then.take() {
                    then();
                }
            }
        }
    }
    let status = child.wait().with_context(|| format!("waiting for {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed with {status}");
    }
    Ok(())
}

fn run(cmd: &mut Command) -> anyhow::Result<()> {
    let status = cmd.status().with_context(|| format!("starting {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed with {status}");
    }
    Ok(())
}
