//! The command line of `openapi-spec lint` (and `cargo xtask spec-lint`, which adds the
//! curated defaults): which rules at which level, and the run over the files.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use super::{lint_file, summary, Config, Level};

/// The rule settings of a run.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct RuleArgs {
    /// A rules file: `rules: {RULE: error|warning|off}` and `description-width: N`.
    #[arg(long, alias = "config", value_name = "FILE")]
    pub ruleset: Option<PathBuf>,
    /// Make a rule an error (repeatable).
    #[arg(long, value_name = "RULE")]
    pub deny: Vec<String>,
    /// Make a rule a warning (repeatable).
    #[arg(long, value_name = "RULE")]
    pub warn: Vec<String>,
    /// Turn a rule off (repeatable).
    #[arg(long, value_name = "RULE")]
    pub allow: Vec<String>,
    /// The longest description line allowed, in columns.
    #[arg(long, value_name = "N")]
    pub width: Option<usize>,
}

impl RuleArgs {
    /// The config: the `--ruleset` file if given, else `default`, then the flags on top.
    pub fn config(&self, default: Config) -> Result<Config> {
        let mut config = match &self.ruleset {
            Some(file) => {
                let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
                Config::from_yaml(&file.display().to_string(), &text)?
            }
            None => default,
        };
        let levels = [(&self.deny, Level::Error), (&self.warn, Level::Warning), (&self.allow, Level::Off)];
        for (rules, level) in levels {
            for rule in rules {
                config.set(rule, level)?;
            }
        }
        if let Some(width) = self.width {
            config.width = width;
        }
        Ok(config)
    }
}

/// Lints each file (path, and the label findings show), prints the findings and a summary
/// line that starts with `tool` and names `place` if given; fails if any finding is an error.
pub fn run(tool: &str, files: &[(PathBuf, String)], config: &Config, place: Option<&Path>) -> Result<()> {
    let mut findings = Vec::new();
    for (path, label) in files {
        findings.extend(lint_file(path, label, config));
    }
    for f in &findings {
        println!("{f}");
    }
    let (errors, warnings) = summary(&findings);
    let place = place.map(|p| format!(" in {}", p.display())).unwrap_or_default();
    println!("{tool}: {} file(s){place}, {errors} error(s), {warnings} warning(s)", files.len());
    if errors > 0 {
        bail!("{tool} found {errors} error(s)");
    }
    Ok(())
}
