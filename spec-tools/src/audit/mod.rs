//! `openapi-spec audit`: every difference between the curated VBR spec and Veeam's
//! published OpenAPI document, each of which must be declared in the spec with its reason.
//!
//! A declaration is an `x-deviation` map on the object of our spec where the difference is
//! (operation, parameter, request body, response, media type, schema, property schema), from
//! the difference's key to the reason:
//!
//! ```yaml
//! x-deviation:
//!   enum: 1.3-rev2 spells the values Pfx and Pem; the 1.3-rev0 page uses pfx and pem
//!   property isDefaultAppliance: added in 1.3-rev2; the 1.3-rev0 page does not show it
//!   properties/type/$ref: ...   # a difference at a `$ref`, declared on its parent
//! ```
//!
//! An undeclared difference fails the audit, and so does a declaration that matches no
//! difference (a stale one), so declarations cannot rot.

pub mod coverage;
pub mod declare;
pub mod diff;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use generator::Pointer;
use serde_json::Value;

pub use declare::Declaration;
pub use diff::Difference;

/// One difference and the reason declared for it (`None`: undeclared).
pub struct Finding {
    /// What differs.
    pub difference: Difference,
    /// The declared reason, if the difference is declared.
    pub reason: Option<String>,
}

/// The outcome of one audit.
pub struct Audit {
    /// Every difference, in document order.
    pub differences: Vec<Finding>,
    /// Declarations that match no difference.
    pub stale: Vec<Declaration>,
    /// Malformed declarations: where, and what is wrong.
    pub malformed: Vec<(Pointer, String)>,
}

impl Audit {
    /// Whether every difference is declared and every declaration matches one.
    pub fn passed(&self) -> bool {
        self.undeclared() == 0 && self.stale.is_empty() && self.malformed.is_empty()
    }

    /// How many differences are not declared.
    pub fn undeclared(&self) -> usize {
        self.differences.iter().filter(|f| f.reason.is_none()).count()
    }
}

/// Audits `ours` (the curated spec) against `theirs` (Veeam's document, whose version names
/// it in the report).
pub fn audit(ours: &Value, theirs: &Value) -> Audit {
    let version = theirs.pointer("/info/version").and_then(Value::as_str).unwrap_or("theirs");
    let found = diff::differences(ours, theirs, version);
    let (declared, malformed) = declare::declarations(ours);
    let differences = found
        .into_iter()
        .map(|difference| {
            let declared = declared.iter().find(|x| x.owner == difference.owner && x.key == difference.key);
            Finding { reason: declared.map(|x| x.reason.clone()), difference }
        })
        .collect::<Vec<_>>();
    let stale = declared
        .into_iter()
        .filter(|x| !differences.iter().any(|f| f.difference.owner == x.owner && f.difference.key == x.key))
        .collect();
    Audit { differences, stale, malformed }
}

/// The text report: differences grouped by operation or component, in document order;
/// undeclared ones with both pointers and where to declare them; then stale and malformed
/// declarations and a summary line. `ours` shows a pointer of the curated document as a
/// reader finds it (file and pointer); `theirs` is the file name their pointers are shown with.
pub fn report(audit: &Audit, ours: &dyn Fn(&Pointer) -> String, theirs: &str) -> String {
    let mut groups: Vec<(String, Vec<&Finding>)> = Vec::new();
    for entry in &audit.differences {
        let label = group(&entry.difference.owner);
        match groups.iter_mut().find(|(l, _)| *l == label) {
            Some((_, list)) => list.push(entry),
            None => groups.push((label, vec![entry])),
        }
    }
    let mut out = String::new();
    for (label, list) in &groups {
        out.push_str(&format!("{label}\n"));
        for Finding { difference: d, reason } in list {
            let key = match d.within.as_str() {
                "" => d.key.clone(),
                within => format!("[{within}] {}", d.key),
            };
            match reason {
                Some(reason) => {
                    out.push_str(&format!("  declared    {key}: {}\n", d.detail));
                    out.push_str(&format!("              because {reason}\n"));
                }
                None => {
                    out.push_str(&format!("  UNDECLARED  {key}: {}\n", d.detail));
                    out.push_str(&format!("              ours:    {}\n", ours(&d.ours)));
                    out.push_str(&format!("              theirs:  {theirs}{}\n", d.theirs));
                    out.push_str(&format!(
                        "              declare: `{}: <reason>` in {}\n",
                        d.key,
                        ours(&d.owner.join(declare::EXTENSION))
                    ));
                }
            }
        }
    }
    let mut problems = BTreeMap::new();
    for x in &audit.stale {
        problems.insert(x.at(), "stale: matches no difference; remove it (or fix its key)".to_owned());
    }
    for (at, what) in &audit.malformed {
        problems.insert(at.clone(), what.clone());
    }
    if !problems.is_empty() {
        out.push_str("declarations that fail\n");
        for (at, what) in problems {
            out.push_str(&format!("  {}: {what}\n", ours(&at)));
        }
    }
    let declared = audit.differences.len() - audit.undeclared();
    out.push_str(&format!(
        "{} differences from {theirs}: {declared} declared, {} undeclared; {} stale and {} malformed declarations\n",
        audit.differences.len(),
        audit.undeclared(),
        audit.stale.len(),
        audit.malformed.len()
    ));
    out
}

/// The heading a difference is listed under: its operation or component.
fn group(owner: &Pointer) -> String {
    let tokens: Vec<String> = owner.as_str().split('/').skip(1).map(unescape).collect();
    match tokens.as_slice() {
        [paths, path, method, ..] if paths == "paths" => format!("{} {path}", method.to_uppercase()),
        [components, kind, name, ..] if components == "components" => {
            let kind = match kind.as_str() {
                "schemas" => "schema",
                "parameters" => "parameter",
                "responses" => "response",
                "requestBodies" => "request body",
                other => other,
            };
            format!("{kind} {name}")
        }
        _ => owner.to_string(),
    }
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// Veeam's document the audit compares with, relative to the corpus folder.
pub const DEFAULT_AGAINST: &str = "vbr/vbr_rest_1.3-rev2.json";

/// What [`run`] prints, and whether the audit passed.
pub struct Outcome {
    /// The report.
    pub text: String,
    /// Whether every difference is declared and no declaration is stale.
    pub passed: bool,
}

/// Audits `spec` (relative to `root`; one file, or the root of a document split by section,
/// which is joined first: see [`crate::sections`]) against the document at `against`, and
/// adds coverage against the navigation list at `nav` (skipped with a note when there is
/// none; see [`navigation_in`]).
pub fn run(root: &Path, spec: &str, against: &Path, nav: Option<&Path>) -> Result<Outcome> {
    let joined = crate::sections::join(&root.join(spec)).with_context(|| format!("reading {spec}"))?;
    let ours = &joined.doc;
    let their_text = fs::read_to_string(against).with_context(|| format!("reading {}", against.display()))?;
    let theirs: Value = serde_json::from_str(&their_text)
        .or_else(|_| serde_yaml::from_str(&their_text))
        .with_context(|| format!("{}: not a JSON or YAML document", against.display()))?;
    let audit = audit(ours, &theirs);
    let name = against.file_name().map_or_else(|| against.display().to_string(), |n| n.to_string_lossy().into_owned());
    let mut out = format!("spec-audit: {spec} against {}\n\n", against.display());
    let dir = Path::new(spec).parent().map(|d| d.display().to_string()).unwrap_or_default();
    let dir = if dir.is_empty() { dir } else { format!("{dir}/") };
    let place = |pointer: &Pointer| format!("{dir}{}", joined.locate(pointer.as_str()));
    out.push_str(&report(&audit, &place, &name));
    out.push('\n');
    match nav {
        Some(nav) => {
            let list = fs::read_to_string(nav).with_context(|| format!("reading {}", nav.display()))?;
            out.push_str(&coverage::report(&coverage::navigation(&list), &coverage::curated(ours)));
        }
        None => out.push_str("coverage: skipped (no navigation list; pass --nav)\n"),
    }
    Ok(Outcome { text: out, passed: audit.passed() })
}

/// The help center's navigation list among the seed pages in `seeds` (`004_*.txt`).
pub fn navigation_in(seeds: &Path) -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(seeds)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("004_") && n.ends_with(".txt"))
        })
        .collect();
    found.sort();
    found.into_iter().next()
}

#[cfg(test)]
mod tests;
