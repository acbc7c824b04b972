//! The command line of `openapi-spec diff`: which documents to compare, read from where.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};
use openapi_client_gen::config::Config;

use super::{compare, Format, Report};

/// What `openapi-spec diff` compares: two files, or the modules of a `codegen.toml` at a git
/// revision against the working tree.
#[derive(Clone, Debug, PartialEq, clap::Args)]
pub struct Args {
    /// The git revision the specs are compared against (with --config).
    #[arg(long, value_name = "REV", default_value = "HEAD")]
    pub base: String,
    /// Exit with an error when anything breaks (`breaking` is the one value).
    #[arg(long, value_name = "WHAT", value_parser = ["breaking"])]
    pub fail_on: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Markdown)]
    pub format: Format,
    /// The old document (with --new): compare two files instead of a project's specs.
    #[arg(long, value_name = "PATH", requires = "new")]
    pub old: Option<PathBuf>,
    /// The new document (with --old).
    #[arg(long, value_name = "PATH", requires = "old")]
    pub new: Option<PathBuf>,
    /// A codegen.toml: compare each module's spec at --base with the working tree, judged
    /// with the module's generation options, and name the crate the modules are in.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["old", "new"])]
    pub config: Option<PathBuf>,
}

impl Args {
    /// Parses the arguments after `diff` (for tests and callers that hold a list).
    pub fn parse(args: &[String]) -> Result<Self> {
        #[derive(clap::Parser)]
        struct Wrapper {
            #[command(flatten)]
            args: Args,
        }
        let argv = std::iter::once("diff".to_owned()).chain(args.iter().cloned());
        Ok(<Wrapper as clap::Parser>::try_parse_from(argv)?.args)
    }

    /// Whether a breaking change fails the run.
    pub fn fail_on_breaking(&self) -> bool {
        self.fail_on.is_some()
    }
}

/// The crate a module folder is in: the package name and version of the nearest Cargo.toml
/// above it.
fn crate_of(dir: &Path) -> Option<(String, String)> {
    let mut at = Some(dir);
    while let Some(d) = at {
        if let Ok(text) = std::fs::read_to_string(d.join("Cargo.toml")) {
            let manifest: toml::Table = text.parse().ok()?;
            if let Some(package) = manifest.get("package").and_then(toml::Value::as_table) {
                let field = |k: &str| package.get(k).and_then(toml::Value::as_str).map(str::to_owned);
                return Some((field("name")?, field("version").unwrap_or_else(|| "0.0.0".into())));
            }
        }
        at = d.parent();
    }
    None
}

/// Runs the comparison the arguments ask for.
pub fn run(args: &Args) -> Result<Report> {
    let mut sections = Vec::new();
    match (&args.old, &args.new, &args.config) {
        (Some(old), Some(new), _) => {
            let (o, n) = (crate::load(old)?, crate::load(new)?);
            let module = new.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            let module = generator::naming::snake_ident(&module);
            let label = new.display().to_string();
            let opts = generator::Options { source: label.clone(), ..generator::Options::default() };
            sections.push(compare(&label, &o, &n, &opts, &module)?);
            Ok(Report { label: format!("{} → {}", old.display(), new.display()), krate: None, sections })
        }
        (_, _, Some(config)) => {
            let config = Config::read(config)?;
            let mut krate = None;
            for module in &config.modules {
                let spec = module.spec.display().to_string();
                let old = load_at_revision(&config.root, &args.base, &spec)?;
                let new = crate::load_in(&config.root, &spec)?;
                let name = module.out.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                let opts = module.options(&config.command, &spec);
                sections.push(compare(&spec, &old, &new, &opts, &name)?);
                krate = krate.or_else(|| crate_of(&config.root.join(&module.out)));
            }
            Ok(Report { label: format!("{} → working tree", args.base), krate, sections })
        }
        _ => anyhow::bail!("nothing to compare: give --old and --new, or --config"),
    }
}

/// Loads `spec` (relative to `root`) and the files it refers to as they are at the git
/// revision `rev` of the repository `root` is in.
fn load_at_revision(root: &Path, rev: &str, spec: &str) -> Result<generator::Document> {
    let mut read = |path: &str| {
        // `REV:./path` is relative to the directory git runs in.
        let out = Command::new("git")
            .current_dir(root)
            .args(["show", &format!("{rev}:./{path}")])
            .output()
            .map_err(|e| format!("running git: {e}"))?;
        if !out.status.success() {
            return Err(format!("git show {rev}:{path}: {}", String::from_utf8_lossy(&out.stderr).trim()));
        }
        String::from_utf8(out.stdout).map_err(|e| format!("{path} at {rev}: {e}"))
    };
    generator::Document::load(spec, &mut read)
        .with_context(|| format!("{spec} at {rev}"))
        .map_err(|e| anyhow::anyhow!("{spec} at {rev}: the spec has problems:\n{}", e.root_cause()))
}
