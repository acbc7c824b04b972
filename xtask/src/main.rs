//! `cargo xtask <command>`: the project's own tooling.

use std::path::Path;
use std::process::{Command, ExitCode};

use anyhow::{bail, Context};

const USAGE: &str = "usage:
  cargo xtask codegen [--check]   regenerate generated-client/ from spec/ (--check: change nothing, report stale files)
  cargo xtask spec-fmt [--check]  rewrite spec/*.yaml in canonical key order (--check: report, change nothing)
  cargo xtask spec-lint [PATH...] [--config FILE] [--deny RULE] [--warn RULE] [--allow RULE] [--width N]
                                  lint OpenAPI documents (default: the curated specs with spec/lint.yaml);
                                  fails if any finding is an error
  cargo xtask generate --spec <PATH> --out <DIR> --name <CRATE>
                                  any OpenAPI 3.0.x document (JSON or YAML) -> a standalone crate
  cargo xtask corpus [--no-check] generate (and cargo check) every document in the corpus
                                  ($OPENAPI_CORPUS, default tests/corpus, vendored)
  cargo xtask bench-compile [--spec <PATH>] [--runs <N>]
                                  time `cargo check` of a generated crate (default: the corpus's
                                  progenitor/nexus.json, 5 runs) and print the median
  cargo xtask spec-diff [--base REV] [--fail-on breaking] [--format markdown|text] [--old PATH --new PATH]
                                  what a change of spec/*.yaml (at REV, default HEAD, vs the working tree)
                                  means on the wire and for the generated client, and the semver bump it needs
  cargo xtask spec-audit [--against <PATH>] [--spec vbr] [--nav <PATH>]
                                  list every difference between spec/vbr.yaml and Veeam's published
                                  OpenAPI document (default: the corpus's vbr/vbr_rest_1.3-rev2.json);
                                  fails on any not declared in the spec's `x-deviation` maps and on
                                  stale declarations; prints coverage against the help center's
                                  navigation list (default: the corpus's ../seeds/004_*.txt). VBR only:
                                  Veeam publishes no OpenAPI document for Enterprise Manager
  cargo xtask test                install test tools (Prism, via npm) and run every test (needs the corpus)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("codegen") => codegen(&args[1..]),
        Some("test") => test(&args[1..]),
        Some("spec-fmt") => spec_fmt(&args[1..]),
        Some("spec-lint") => spec_lint(&args[1..]),
        Some("generate") => generate(&args[1..]),
        Some("corpus") => corpus(&args[1..]),
        Some("bench-compile") => bench_compile(&args[1..]),
        Some("spec-diff") => spec_diff(&args[1..]),
        Some("spec-audit") => spec_audit(&args[1..]),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn codegen(args: &[String]) -> anyhow::Result<()> {
    let check = match args {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => bail!("unexpected arguments {args:?}\n{USAGE}"),
    };
    let root = xtask::workspace_root();
    if check {
        xtask::ensure_fresh(&root)?;
        println!("generated files are up to date");
    } else {
        let changed = xtask::codegen(&root, false)?;
        if changed.is_empty() {
            println!("generated files are up to date");
        }
        for f in changed {
            println!("wrote {}", f.display());
        }
    }
    Ok(())
}

fn generate(args: &[String]) -> anyhow::Result<()> {
    let (mut spec, mut out, mut name) = (None, None, None);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let slot = match a.as_str() {
            "--spec" => &mut spec,
            "--out" => &mut out,
            "--name" => &mut name,
            other => bail!("unexpected argument `{other}`\n{USAGE}"),
        };
        *slot = Some(it.next().with_context(|| format!("{a} needs a value"))?.clone());
    }
    let (Some(spec), Some(out), Some(name)) = (spec, out, name) else {
        bail!("--spec, --out and --name are required\n{USAGE}")
    };
    let report = xtask::standalone::generate_crate(&xtask::workspace_root(), Path::new(&spec), Path::new(&out), &name)?;
    for w in &report.warnings {
        eprintln!("{w}");
    }
    println!(
        "generated {name} in {out}: {} operations, {} types, {} warnings, {} features ({:.0} ms)",
        report.operations,
        report.types,
        report.warnings.len(),
        report.features.len(),
        report.generate_time.as_secs_f64() * 1000.0
    );
    Ok(())
}

fn corpus(args: &[String]) -> anyhow::Result<()> {
    let check = match args {
        [] => true,
        [flag] if flag == "--no-check" => false,
        _ => bail!("unexpected arguments {args:?}\n{USAGE}"),
    };
    let root = xtask::workspace_root();
    let dir = xtask::require_corpus()?;
    let rows = xtask::standalone::corpus(&root, &dir, check)?;
    println!("| document | OpenAPI | operations | schemas | generate ms | warnings | `Value` fields: untyped in the document / loosened (warned) | cargo check | split into files |");
    println!("|---|---|---:|---:|---:|---:|---:|---|---|");
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
        println!("| {} | {version} | {ops} | {types} | {ms} | {warns} | {loose} | {check} | {split} |", r.document);
    }
    if !failed.is_empty() {
        bail!("{} document(s) failed:\n{}", failed.len(), failed.join("\n"));
    }
    Ok(())
}

fn bench_compile(args: &[String]) -> anyhow::Result<()> {
    let root = xtask::workspace_root();
    let (mut spec, mut runs) = (None, 5usize);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let value = it.next().with_context(|| format!("{a} needs a value"))?;
        match a.as_str() {
            "--spec" => spec = Some(std::path::PathBuf::from(value)),
            "--runs" => runs = value.parse().with_context(|| format!("--runs {value}: not a number"))?,
            other => bail!("unexpected argument `{other}`\n{USAGE}"),
        }
    }
    let spec = match spec {
        Some(spec) => spec,
        None => xtask::require_corpus()?.join("progenitor/nexus.json"),
    };
    let dir = root.join("target/bench-compile");
    let bench = xtask::bench_compile::run(&root, &spec, &dir, runs)?;
    let secs: Vec<String> = bench.runs.iter().map(|d| format!("{:.2}", d.as_secs_f64())).collect();
    println!(
        "{}: {} lines of Rust; cargo check of the crate alone, median of {runs}: {:.2} s (runs: {})",
        spec.display(),
        bench.lines,
        bench.median().as_secs_f64(),
        secs.join(", ")
    );
    Ok(())
}

fn spec_diff(args: &[String]) -> anyhow::Result<()> {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return Ok(());
    }
    let args = xtask::diff::cli::Args::parse(args)?;
    let report = xtask::diff::cli::run(&xtask::workspace_root(), &args)?;
    print!("{}", report.render(args.format));
    if args.fail_on_breaking && report.breaking() {
        bail!("breaking changes (--fail-on breaking)");
    }
    Ok(())
}

fn spec_audit(args: &[String]) -> anyhow::Result<()> {
    let mut against = None;
    let mut nav = None;
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        if flag == "--help" || flag == "-h" {
            println!("{USAGE}");
            return Ok(());
        }
        let value = rest.next().with_context(|| format!("{flag} needs a value\n{USAGE}"))?;
        match flag.as_str() {
            "--against" => against = Some(std::path::PathBuf::from(value)),
            "--nav" => nav = Some(std::path::PathBuf::from(value)),
            "--spec" if value == "vbr" => {}
            "--spec" => bail!(
                "--spec {value}: only `vbr` can be audited; Veeam publishes no OpenAPI document for Enterprise Manager"
            ),
            other => bail!("unexpected argument `{other}`\n{USAGE}"),
        }
    }
    let root = xtask::workspace_root();
    let against = against.unwrap_or_else(|| xtask::corpus_dir().join(xtask::audit::DEFAULT_AGAINST));
    let outcome = xtask::audit::run(&root, "spec/vbr.yaml", &against, nav.as_deref())?;
    print!("{}", outcome.text);
    if !outcome.passed {
        bail!("the spec has undeclared differences or stale declarations (see above)");
    }
    Ok(())
}

fn spec_fmt(args: &[String]) -> anyhow::Result<()> {
    let check = match args {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => bail!("unexpected arguments {args:?}\n{USAGE}"),
    };
    let changed = xtask::spec_fmt(&xtask::workspace_root(), check)?;
    if check && !changed.is_empty() {
        bail!("not in canonical form: {}; run `cargo xtask spec-fmt`", changed.join(", "));
    }
    for spec in changed {
        println!("formatted {spec}");
    }
    Ok(())
}

fn spec_lint(args: &[String]) -> anyhow::Result<()> {
    use xtask::lint::{self, Level};
    let root = xtask::workspace_root();
    let (mut paths, mut config_file, mut overrides, mut width) = (Vec::new(), None, Vec::new(), None);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().with_context(|| format!("{a} needs a value"));
        match a.as_str() {
            "--config" => config_file = Some(value()?.clone()),
            "--deny" => overrides.push((value()?.clone(), Level::Error)),
            "--warn" => overrides.push((value()?.clone(), Level::Warning)),
            "--allow" => overrides.push((value()?.clone(), Level::Off)),
            "--width" => width = Some(value()?.parse::<usize>().with_context(|| format!("{a}: not a number"))?),
            flag if flag.starts_with("--") => bail!("unexpected argument `{flag}`\n{USAGE}"),
            path => paths.push(path.to_owned()),
        }
    }
    let mut config = match (&config_file, paths.is_empty()) {
        (Some(file), _) => {
            let text = std::fs::read_to_string(file).with_context(|| format!("reading {file}"))?;
            lint::Config::from_yaml(file, &text)?
        }
        (None, true) => lint::curated_config(&root)?,
        (None, false) => lint::Config::default(),
    };
    for (rule, level) in overrides {
        config.set(&rule, level)?;
    }
    if let Some(width) = width {
        config.width = width;
    }
    let files: Vec<(std::path::PathBuf, String)> = if paths.is_empty() {
        xtask::spec_files().into_iter().map(|s| (root.join(s), s.to_owned())).collect()
    } else {
        paths.iter().map(|p| (std::path::PathBuf::from(p), p.clone())).collect()
    };
    let mut findings = Vec::new();
    for (path, label) in &files {
        findings.extend(lint::lint_file(path, label, &config));
    }
    for f in &findings {
        println!("{f}");
    }
    let (errors, warnings) = lint::summary(&findings);
    println!("spec-lint: {} file(s), {errors} error(s), {warnings} warning(s)", files.len());
    if errors > 0 {
        bail!("spec-lint found {errors} error(s)");
    }
    Ok(())
}

/// Installs what the tests need and runs them all. Extra arguments go to `cargo test`.
fn test(args: &[String]) -> anyhow::Result<()> {
    let root = xtask::workspace_root();
    // The corpus is input to the fuzzer, the benchmark's smoke run and the corpus check at the
    // end; without it the run would fail minutes in, so it is checked before anything builds.
    // Every step gets its absolute path, so all of them read the same folder.
    let corpus = xtask::require_corpus()?;
    let cargo_in_root = || {
        let mut cmd = Command::new(cargo());
        cmd.current_dir(&root).env(xtask::CORPUS_ENV, &corpus);
        cmd
    };
    // Cheap gates first: formatting (generated modules are `#[rustfmt::skip]`, prettyplease
    // formats them) and lints on every target.
    run(cargo_in_root().args(["fmt", "--all", "--check"]))?;
    run(cargo_in_root().args(["clippy", "--quiet", "--workspace", "--all-targets", "--", "-D", "warnings"]))?;
    install_prism(&root)?;
    run(cargo_in_root().args(["run", "--quiet", "--package", "xtask", "--", "codegen", "--check"]))?;
    // Every difference from Veeam's published document is declared, with its reason.
    run(cargo_in_root().args(["run", "--quiet", "--package", "xtask", "--", "spec-audit"]))?;
    // The curated specs against the reviewers' rules (spec/lint.yaml), before the long tests.
    run(cargo_in_root().args(["run", "--quiet", "--package", "xtask", "--", "spec-lint"]))?;
    let mut cmd = cargo_in_root();
    cmd.args(["test", "--workspace", "--all-targets"]).args(args);
    // Snapshots never rewrite themselves during a test run; review with `cargo insta review`.
    cmd.env("INSTA_UPDATE", "no");
    run(&mut cmd)?;
    run(cargo_in_root().args(["test", "--workspace", "--doc"]))?;
    // The client's docs render without a warning (bare URLs, broken intra-doc links), the
    // mock's included; this also builds the optional OS trust store.
    run(cargo_in_root().env("RUSTDOCFLAGS", "-D warnings").args([
        "doc",
        "--quiet",
        "--no-deps",
        "--all-features",
        "--package",
        "veeam-client",
    ]))?;
    // Every real-world document in the corpus must still generate a crate that checks.
    run(cargo_in_root().args(["run", "--quiet", "--package", "xtask", "--", "corpus"]))?;
    Ok(())
}

/// `npm ci` in `tests/prism` (exact versions from its lock file), unless already installed
/// from the same lock file.
fn install_prism(root: &Path) -> anyhow::Result<()> {
    let dir = root.join("tests/prism");
    let lock = std::fs::read(dir.join("package-lock.json")).context("reading tests/prism/package-lock.json")?;
    let stamp = dir.join("node_modules/.installed-lock");
    if std::fs::read(&stamp).ok().as_deref() == Some(lock.as_slice()) && dir.join("node_modules/.bin/prism").exists() {
        return Ok(());
    }
    println!("installing Prism (npm ci in tests/prism)");
    run(Command::new("npm").current_dir(&dir).args(["ci", "--no-audit", "--no-fund"]))
        .context("npm is needed for the contract tests; install Node.js and npm")?;
    std::fs::write(&stamp, lock)?;
    Ok(())
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

fn run(cmd: &mut Command) -> anyhow::Result<()> {
    let status = cmd.status().with_context(|| format!("starting {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed with {status}");
    }
    Ok(())
}
