//! The command line of `cargo xtask spec-diff`: which documents to compare, read from where.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};

use super::{compare, Format, Report};

/// Parsed arguments.
#[derive(Clone, Debug, PartialEq)]
pub struct Args {
    /// The git revision the curated specs are compared against.
    pub base: String,
    /// Fail (non-zero exit) when anything breaks.
    pub fail_on_breaking: bool,
    /// Output format.
    pub format: Format,
    /// Two documents to compare instead of the curated specs.
    pub files: Option<(String, String)>,
}

/// The usage line.
pub const USAGE: &str =
    "cargo xtask spec-diff [--base REV] [--fail-on breaking] [--format markdown|text] [--old PATH --new PATH]";

impl Args {
    /// Parses the arguments after `spec-diff`.
    pub fn parse(args: &[String]) -> Result<Self> {
        let mut out = Args { base: "HEAD".into(), fail_on_breaking: false, format: Format::Markdown, files: None };
        let (mut old, mut new) = (None, None);
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let mut value = || it.next().with_context(|| format!("{a} needs a value\nusage: {USAGE}"));
            match a.as_str() {
                "--base" => out.base = value()?.clone(),
                "--fail-on" => match value()?.as_str() {
                    "breaking" => out.fail_on_breaking = true,
                    other => bail!("--fail-on `{other}`: only `breaking` is known"),
                },
                "--format" => {
                    out.format = match value()?.as_str() {
                        "markdown" => Format::Markdown,
                        "text" => Format::Text,
                        other => bail!("--format `{other}`: `markdown` or `text`"),
                    }
                }
                "--old" => old = Some(value()?.clone()),
                "--new" => new = Some(value()?.clone()),
                other => bail!("unexpected argument `{other}`\nusage: {USAGE}"),
            }
        }
        out.files = match (old, new) {
            (Some(o), Some(n)) => Some((o, n)),
            (None, None) => None,
            _ => bail!("--old and --new go together\nusage: {USAGE}"),
        };
        Ok(out)
    }
}

/// The crate the curated specs generate, and its version from its manifest.
fn client_crate(root: &Path) -> (String, String) {
    let manifest = std::fs::read_to_string(root.join("generated-client/Cargo.toml")).unwrap_or_default();
    let field = |key: &str| {
        manifest.lines().find_map(|l| {
            l.strip_prefix(key).and_then(|r| r.trim().strip_prefix('=')).map(|v| v.trim().trim_matches('"').to_owned())
        })
    };
    (field("name").unwrap_or_else(|| "veeam-client".into()), field("version").unwrap_or_else(|| "0.0.0".into()))
}

/// Runs the comparison the arguments ask for, from the workspace at `root`.
pub fn run(root: &Path, args: &Args) -> Result<Report> {
    let krate = client_crate(root);
    let mut sections = Vec::new();
    let label = match &args.files {
        Some((old, new)) => {
            let load = |path: &str| -> Result<generator::Document> {
                let p = Path::new(path);
                let dir = p.parent().unwrap_or(Path::new(""));
                let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                let mut read = |rel: &str| std::fs::read_to_string(dir.join(rel)).map_err(|e| e.to_string());
                generator::Document::load(&name, &mut read)
                    .map_err(|d| anyhow::anyhow!("{path}: the spec has problems:\n{d}"))
            };
            let (o, n) = (load(old)?, load(new)?);
            let module = Path::new(new).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            let module = generator::naming::snake_ident(&module);
            let opts = generator::Options { source: new.clone(), ..generator::Options::default() };
            sections.push(compare(new, &o, &n, &opts, &module)?);
            format!("{old} → {new}")
        }
        None => {
            for target in crate::TARGETS {
                let old = load_at_revision(root, &args.base, target.spec)?;
                let new = crate::load_spec(root, target.spec)?;
                let module =
                    Path::new(target.module).file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                sections.push(compare(target.spec, &old, &new, &crate::curated_options(target.spec), &module)?);
            }
            format!("{} → working tree", args.base)
        }
    };
    Ok(Report { label, krate, sections })
}

/// Loads `spec` (relative to the workspace root) and the files it refers to as they are at
/// the git revision `rev`.
fn load_at_revision(root: &Path, rev: &str, spec: &str) -> Result<generator::Document> {
    let mut read = |path: &str| {
        let out = Command::new("git")
            .current_dir(root)
            .args(["show", &format!("{rev}:{path}")])
            .output()
            .map_err(|e| format!("running git: {e}"))?;
        if !out.status.success() {
            return Err(format!("git show {rev}:{path}: {}", String::from_utf8_lossy(&out.stderr).trim()));
        }
        String::from_utf8(out.stdout).map_err(|e| format!("{path} at {rev}: {e}"))
    };
    generator::Document::load(spec, &mut read)
        .map_err(|d| anyhow::anyhow!("{spec} at {rev}: the spec has problems:\n{d}"))
}
