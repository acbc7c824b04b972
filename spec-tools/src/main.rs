//! `openapi-spec`: the command line over the library (see `lib.rs`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use openapi_client_gen::config::Config;
use openapi_spec_tools::{audit, diff, fmt, lint};

/// Review tools for OpenAPI documents (3.0, 3.1, 3.2; JSON or YAML; one file or many).
///
/// Each command works on any document from any directory: paths are read as given, and
/// reports name the files they read.
#[derive(Parser)]
#[command(name = "openapi-spec", version, propagate_version = true, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Rewrite documents in canonical form: one key order, descriptions wrapped, so a change
    /// of one field is a change of one line. Each document's other files are formatted too.
    Fmt(FmtArgs),
    /// Check documents against review rules; fails if any finding is an error.
    #[command(after_help = lint_rules_help())]
    Lint(LintArgs),
    /// What a change of a document means on the wire and for the generated Rust client, and
    /// the semver bump it needs.
    #[command(
        after_help = "Examples:\n  openapi-spec diff --old v1.yaml --new v2.yaml\n  openapi-spec diff --config spec/codegen.toml --base origin/main --fail-on breaking"
    )]
    Diff(diff::cli::Args),
    /// List every difference between a curated document and the published one it derives
    /// from; fails on any not declared in an `x-deviation` map, and on stale declarations.
    Audit(AuditArgs),
    /// Split a one-file document into the many-file layout vendors publish (one file per
    /// schema and per path item, joined by relative $refs).
    Split(SplitArgs),
}

#[derive(Args)]
struct FmtArgs {
    /// Change nothing; fail and name the files that are not in canonical form.
    #[arg(long)]
    check: bool,
    /// Format the specs of the modules a codegen.toml lists.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The documents' root files.
    #[arg(value_name = "PATH", required_unless_present = "config")]
    paths: Vec<PathBuf>,
}

#[derive(Args)]
struct LintArgs {
    /// The documents (each file is linted on its own; a split document's root reads its parts).
    #[arg(value_name = "PATH", required = true)]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    rules: lint::cli::RuleArgs,
}

#[derive(Args)]
struct AuditArgs {
    /// The curated document.
    #[arg(long, value_name = "PATH")]
    spec: PathBuf,
    /// The published document it derives from; repeated, the documents of several revisions
    /// of the API (every difference from the spec's default revision, and the revision marks
    /// against each).
    #[arg(long, value_name = "PATH", required = true)]
    against: Vec<PathBuf>,
    /// A help center's navigation list (text), for a coverage report.
    #[arg(long, value_name = "PATH")]
    nav: Option<PathBuf>,
}

#[derive(Args)]
struct SplitArgs {
    /// The one-file document.
    #[arg(value_name = "PATH")]
    document: PathBuf,
    /// The folder the files are written to (`openapi.yaml` is the root).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// One file per section (tag) instead: each holds its path items and the components only
    /// it uses, `common.yaml` those several sections share; the root keeps the rest. The
    /// document may already be split by section (it is then laid out again).
    #[arg(long)]
    by_section: bool,
}

fn lint_rules_help() -> String {
    let mut help = String::from("Rules (default level for a document):\n");
    for (id, level, what) in lint::RULES {
        help.push_str(&format!("  {id:<22} {:<8} {what}\n", format!("{level:?}").to_lowercase()));
    }
    help
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Fmt(args) => run_fmt(args),
        Command::Lint(args) => run_lint(args),
        Command::Diff(args) => {
            let report = diff::cli::run(&args)?;
            print!("{}", report.render(args.format));
            if args.fail_on_breaking() && report.breaking() {
                bail!("breaking changes (--fail-on breaking)");
            }
            Ok(())
        }
        Command::Audit(args) => {
            let spec = args.spec.display().to_string();
            let outcome = audit::run(std::path::Path::new(""), &spec, &args.against, args.nav.as_deref())?;
            print!("{}", outcome.text);
            if !outcome.passed {
                bail!("the spec has undeclared differences or stale declarations (see above)");
            }
            Ok(())
        }
        Command::Split(args) if args.by_section => {
            let mut joined = openapi_spec_tools::sections::join(&args.document)?;
            joined.root_name = "openapi.yaml".to_owned();
            openapi_spec_tools::sections::place(&mut joined);
            let files = openapi_spec_tools::sections::write(&joined)?;
            let changed = openapi_spec_tools::sections::save(&args.out, &files)?;
            println!("wrote {} files to {} ({} changed)", files.len(), args.out.display(), changed.len());
            Ok(())
        }
        Command::Split(args) => {
            let text = std::fs::read_to_string(&args.document)
                .with_context(|| format!("reading {}", args.document.display()))?;
            let label = args.document.display().to_string();
            let raw = generator::load::parse_text(&label, &text).map_err(|d| anyhow::anyhow!("{d}"))?;
            let Some(files) = openapi_spec_tools::split::split(&raw) else {
                bail!(
                    "{label}: not split: a schema name is not a portable file name, or a $ref points into a path item"
                );
            };
            for (rel, value) in &files {
                let path = args.out.join(rel);
                std::fs::create_dir_all(path.parent().unwrap_or(&args.out))?;
                std::fs::write(&path, serde_yaml::to_string(value)?)?;
            }
            println!("wrote {} files to {}", files.len(), args.out.display());
            Ok(())
        }
    }
}

fn run_fmt(args: FmtArgs) -> Result<()> {
    let mut roots = args.paths;
    if let Some(config) = &args.config {
        let config = Config::read(config)?;
        roots.extend(config.modules.iter().map(|m| config.root.join(&m.spec)));
    }
    let files = fmt::files_of(&roots)?;
    let changed = fmt::format_files(&files, args.check)?;
    if args.check && !changed.is_empty() {
        let names: Vec<String> = changed.iter().map(|p| p.display().to_string()).collect();
        bail!("not in canonical form: {}; run `openapi-spec fmt` on them", names.join(", "));
    }
    for path in &changed {
        println!("formatted {}", path.display());
    }
    println!(
        "openapi-spec fmt: {} file(s), {} {}",
        files.len(),
        changed.len(),
        if args.check { "to format" } else { "formatted" }
    );
    Ok(())
}

fn run_lint(args: LintArgs) -> Result<()> {
    let config = args.rules.config(lint::Config::default())?;
    let files: Vec<(PathBuf, String)> = args.paths.iter().map(|p| (p.clone(), p.display().to_string())).collect();
    lint::cli::run("openapi-spec lint", &files, &config, None)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
