//! `openapi-spec lint`: rules for OpenAPI documents that the generator does not enforce
//! but reviewers care about. Each finding names the file, the JSON pointer and, for YAML, the
//! line; each rule's severity is configurable (a rules file such as `spec/lint.yaml`, `--deny`/`--warn`/`--allow`).

pub mod cli;
pub(crate) mod examples;
mod oas;
mod structure;
pub(crate) mod text;
mod visit;

pub use structure::unmarked_secret;

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use anyhow::{bail, Context, Result};
use generator::Pointer;
use serde_json::Value;

/// How much a finding matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Not reported.
    Off,
    /// Reported; the run still succeeds.
    Warning,
    /// Reported; the run fails.
    Error,
}

impl Level {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "off" | "allow" => Some(Level::Off),
            "warning" | "warn" => Some(Level::Warning),
            "error" | "deny" => Some(Level::Error),
            _ => None,
        }
    }
}

/// Every rule: its id, its level for a document that is not ours, and what it checks.
pub const RULES: &[(&str, Level, &str)] = &[
    ("example-valid", Level::Error, "every example validates against its schema, formats included"),
    ("operation-id-unique", Level::Error, "operationIds are present, identifier-like and unique (case-insensitively)"),
    ("doc-page", Level::Off, "every operation has `x-doc-page`, an https URL"),
    ("secret-format", Level::Warning, "secret-like properties and parameters are `format: password`"),
    ("unused-component", Level::Warning, "every component is reachable from paths, webhooks or security"),
    ("ref-resolves", Level::Error, "every `$ref` resolves"),
    ("description-wrapped", Level::Warning, "no line of a description or summary is longer than the width"),
    ("timestamp-quoted", Level::Warning, "timestamps and dates are quoted (YAML 1.1 loaders read them as dates)"),
    // From Spectral's `oas` ruleset: what a client cannot be generated from correctly is an
    // error, what it would be generated from poorly a warning.
    ("operation-security-defined", Level::Error, "every security requirement names a scheme in `components/securitySchemes`"),
    ("path-params", Level::Error, "path parameters match the path template: each declared once, `required: true`, and named in it; each name in it declared; no two templates alike"),
    ("operation-success-response", Level::Warning, "every operation has a 2xx or 3xx response"),
    ("operation-tag-defined", Level::Warning, "every operation tag is declared in the top-level `tags`"),
    ("operation-description", Level::Warning, "every operation has a `summary` or a `description`"),
    ("info-description", Level::Warning, "`info` has a `description`"),
    ("api-servers", Level::Warning, "`servers` is present and not empty, and each server has a `url`"),
    ("no-ref-siblings", Level::Warning, "in OpenAPI 3.0, nothing but extensions sits beside a `$ref` (it would be ignored)"),
    ("duplicated-entry-in-enum", Level::Warning, "no `enum` lists a value twice"),
    ("path-keys-no-trailing-slash", Level::Warning, "no path ends with `/`"),
];

/// Rule levels and the description width.
#[derive(Clone, Debug)]
pub struct Config {
    /// Rule id → level; rules not listed have their [`RULES`] default.
    pub levels: BTreeMap<String, Level>,
    /// The longest description line allowed (columns, indentation included).
    pub width: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            levels: RULES.iter().map(|(id, level, _)| ((*id).to_owned(), *level)).collect(),
            width: generator::canonical::WRAP_WIDTH,
        }
    }
}

impl Config {
    /// The defaults overridden by a config file: `rules: {RULE: error|warning|off}` and an
    /// optional `description-width: N`.
    pub fn from_yaml(file: &str, text: &str) -> Result<Self> {
        let raw: Value = serde_yaml::from_str(text).with_context(|| format!("{file}: invalid YAML"))?;
        let mut config = Config::default();
        let Some(obj) = raw.as_object() else { bail!("{file}: expected a mapping with `rules`") };
        for (key, value) in obj {
            match key.as_str() {
                "rules" => {
                    let Some(rules) = value.as_object() else { bail!("{file}#/rules: expected a mapping") };
                    for (rule, level) in rules {
                        let level = level
                            .as_str()
                            .and_then(Level::parse)
                            .with_context(|| format!("{file}#/rules/{rule}: expected `error`, `warning` or `off`"))?;
                        config.set(rule, level).with_context(|| format!("{file}#/rules/{rule}"))?;
                    }
                }
                "description-width" => {
                    config.width = value
                        .as_u64()
                        .and_then(|w| usize::try_from(w).ok())
                        .with_context(|| format!("{file}#/description-width: expected a number"))?;
                }
                other => bail!("{file}#/{other}: unknown key; expected `rules` or `description-width`"),
            }
        }
        Ok(config)
    }

    /// Sets one rule's level; the rule must exist.
    pub fn set(&mut self, rule: &str, level: Level) -> Result<()> {
        if !RULES.iter().any(|(id, _, _)| *id == rule) {
            let known: Vec<&str> = RULES.iter().map(|(id, _, _)| *id).collect();
            bail!("unknown rule `{rule}`; the rules are {}", known.join(", "));
        }
        self.levels.insert(rule.to_owned(), level);
        Ok(())
    }

    fn level(&self, rule: &str) -> Level {
        self.levels.get(rule).copied().unwrap_or(Level::Off)
    }
}

/// One problem in one document.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    /// The file as given.
    pub file: String,
    /// 1-based line of the element, when the file is YAML or JSON text we could map.
    pub line: Option<usize>,
    /// Where the element is.
    pub pointer: Pointer,
    /// The rule's id (`syntax` for a document that cannot be read at all).
    pub rule: &'static str,
    /// The rule's level for this run.
    pub level: Level,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = if self.level == Level::Error { "error" } else { "warning" };
        write!(f, "{level}[{}]: {}{}", self.rule, self.file, self.pointer)?;
        if let Some(line) = self.line {
            write!(f, " (line {line})")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// A finding before its file, line and level are known.
pub(crate) struct Raw {
    pub rule: &'static str,
    pub pointer: Pointer,
    pub message: String,
}

pub(crate) fn raw(rule: &'static str, pointer: &Pointer, message: impl Into<String>) -> Raw {
    Raw { rule, pointer: pointer.clone(), message: message.into() }
}

/// Lints one document. `label` is the name findings show; `path` is where it is read from
/// (files a split document refers to are read relative to it). A document split by section
/// (see [`crate::sections`]) is linted as a whole: every rule sees every file, and each
/// finding names the file and line where its element is written.
pub fn lint_file(path: &Path, label: &str, config: &Config) -> Vec<Finding> {
    if let Ok(joined) = crate::sections::join(path) {
        if !joined.origins.is_empty() {
            return lint_sections(path, label, &joined, config);
        }
    }
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => return vec![syntax(label, None, &Pointer::root(), format!("cannot read the file: {e}"))],
    };
    let dir = path.parent().unwrap_or(Path::new(""));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut read = |p: &str| std::fs::read_to_string(dir.join(p)).map_err(|e| e.to_string());
    lint_text(label, &name, &text, &mut read, config)
}

/// Lints a document given as text; `name` is its file name relative to the folder `read`
/// reads from.
pub fn lint_text(
    label: &str,
    name: &str,
    text: &str,
    read: &mut generator::load::ReadFile<'_>,
    config: &Config,
) -> Vec<Finding> {
    let tree = match generator::load::parse_text(label, text) {
        Ok(tree) => tree,
        Err(d) => return vec![syntax(label, None, &Pointer::root(), d.to_string())],
    };
    let is_yaml = !label.ends_with(".json");
    let scan = if is_yaml { text::scan(text, config.width) } else { Ok(text::Scan::default()) };
    // The document parsed, so a second parser's complaint only means the text rules cannot
    // run; the other rules still do.
    let (scan, mut found) = match scan {
        Ok(mut scan) => {
            let found = std::mem::take(&mut scan.findings);
            (scan, found)
        }
        Err(message) => (
            text::Scan::default(),
            vec![raw(
                "description-wrapped",
                &Pointer::root(),
                format!("the text rules cannot read the file: {message}"),
            )],
        ),
    };
    // The loader bundles the files a split document refers to and checks the version; its
    // errors are unresolvable references.
    let mut own = |p: &str| if p == name { Ok(text.to_owned()) } else { read(p) };
    match generator::Document::load(name, &mut own) {
        Ok(doc) => {
            found.extend(structure::check(&doc, &tree));
            found.extend(oas::check(&doc, &tree));
            // A split document's examples need the bundled tree to resolve their schemas'
            // references; a single file is checked as written (a 3.1 document's schemas are
            // rewritten on load).
            found.extend(examples::check(if doc.files.iter().next().is_some() { &doc.raw } else { &tree }));
        }
        Err(diags) => {
            for d in diags.0 {
                let pointer = Pointer::parse(d.pointer.trim_start_matches('#')).unwrap_or_default();
                found.push(raw("ref-resolves", &pointer, format!("{}: {}", d.file, d.message)));
            }
        }
    }
    let mut out: Vec<Finding> = found
        .into_iter()
        .filter_map(|r| {
            let level = config.level(r.rule);
            (level != Level::Off).then(|| Finding {
                file: label.to_owned(),
                line: scan.lines.get(&r.pointer).copied(),
                pointer: r.pointer,
                rule: r.rule,
                level,
                message: r.message,
            })
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// [`lint_file`] for a document split by section: the text rules per file, the others on the
/// joined tree, whose pointers are those of the files (a section file holds its path items
/// and components at the pointers the joined document has them).
fn lint_sections(path: &Path, label: &str, joined: &crate::sections::Joined, config: &Config) -> Vec<Finding> {
    let dir = path.parent().unwrap_or(Path::new(""));
    let label_dir = Path::new(label).parent().map(|d| d.display().to_string()).unwrap_or_default();
    let file_label = |file: &str| if label_dir.is_empty() { file.to_owned() } else { format!("{label_dir}/{file}") };
    let mut files: Vec<String> = vec![joined.root_name.clone()];
    for file in joined.origins.values() {
        if !files.contains(file) {
            files.push(file.clone());
        }
    }
    let mut found: Vec<(String, Raw)> = Vec::new();
    let mut lines: BTreeMap<String, BTreeMap<Pointer, usize>> = BTreeMap::new();
    for file in &files {
        let name = file_label(file);
        let text = match std::fs::read_to_string(dir.join(file)) {
            Ok(text) => text,
            Err(e) => return vec![syntax(&name, None, &Pointer::root(), format!("cannot read the file: {e}"))],
        };
        match text::scan(&text, config.width) {
            Ok(mut scan) => {
                found.extend(std::mem::take(&mut scan.findings).into_iter().map(|r| (file.clone(), r)));
                lines.insert(file.clone(), scan.lines);
            }
            Err(message) => found.push((
                file.clone(),
                raw("description-wrapped", &Pointer::root(), format!("the text rules cannot read the file: {message}")),
            )),
        }
    }
    let joined_text = serde_json::to_string(&joined.doc).unwrap_or_default();
    match generator::Document::parse(label, &joined_text) {
        Ok(doc) => {
            let mut rules = structure::check(&doc, &joined.doc);
            rules.extend(oas::check(&doc, &joined.doc));
            rules.extend(examples::check(&joined.doc));
            found.extend(rules.into_iter().map(|r| (joined.file_of(r.pointer.as_str()).to_owned(), r)));
        }
        Err(diags) => {
            for d in diags.0 {
                let pointer = Pointer::parse(d.pointer.trim_start_matches('#')).unwrap_or_default();
                let file = joined.file_of(pointer.as_str()).to_owned();
                found.push((file, raw("ref-resolves", &pointer, d.message)));
            }
        }
    }
    let mut out: Vec<Finding> = found
        .into_iter()
        .filter_map(|(file, r)| {
            let level = config.level(r.rule);
            (level != Level::Off).then(|| Finding {
                file: file_label(&file),
                line: lines.get(&file).and_then(|l| l.get(&r.pointer)).copied(),
                pointer: r.pointer,
                rule: r.rule,
                level,
                message: r.message,
            })
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Only the rules about how YAML text is written (`description-wrapped`, `timestamp-quoted`),
/// which need no loading: for checking a writer's output.
pub fn lint_yaml_text(label: &str, text: &str, width: usize) -> Result<Vec<Finding>, String> {
    let scan = text::scan(text, width)?;
    Ok(scan
        .findings
        .into_iter()
        .map(|r| Finding {
            file: label.to_owned(),
            line: scan.lines.get(&r.pointer).copied(),
            pointer: r.pointer,
            rule: r.rule,
            level: Level::Error,
            message: r.message,
        })
        .collect())
}

fn syntax(label: &str, line: Option<usize>, pointer: &Pointer, message: String) -> Finding {
    Finding { file: label.to_owned(), line, pointer: pointer.clone(), rule: "syntax", level: Level::Error, message }
}

/// Counts of findings by level.
pub fn summary(findings: &[Finding]) -> (usize, usize) {
    let errors = findings.iter().filter(|f| f.level == Level::Error).count();
    (errors, findings.len() - errors)
}

/// The config in the file at `path`, or the defaults if there is no such file.
pub fn config_or_default(path: &Path) -> Result<Config> {
    match std::fs::read_to_string(path) {
        Ok(text) => Config::from_yaml(&path.display().to_string(), &text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}
