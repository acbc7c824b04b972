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
//!
//! The spec describes several revisions of the API, each element marked with those it exists
//! in (see [`crate::import`]). [`audit_revisions`] compares it with the document of every
//! revision: with the one it is curated against (the default revision the root's
//! `x-api-revisions` declares), every difference as above; with the others, what the marks
//! model: an operation, parameter, response, property or enum value marked as present in a
//! revision must be in its document (as its spelling there), and one its document has must
//! be marked present. A declaration holds for every revision; it is stale when no revision
//! has its difference.

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
    /// The revisions of the documents compared, in the order compared.
    pub revisions: Vec<String>,
    /// Every difference, by document, each in document order.
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

/// A document's revision: its `info.version`.
fn version_of(doc: &Value) -> &str {
    doc.pointer("/info/version").and_then(Value::as_str).unwrap_or("theirs")
}

/// Audits `ours` (the curated spec) against `theirs` (Veeam's document, whose version names
/// it in the report): every difference.
pub fn audit(ours: &Value, theirs: &Value) -> Audit {
    audit_revisions(ours, &[theirs], version_of(theirs))
}

/// Audits `ours` against the documents of several revisions: every difference from the one
/// whose revision is `full`, and from the others the differences of presence that revision
/// marks model ([`diff::is_presence`]).
pub fn audit_revisions(ours: &Value, documents: &[&Value], full: &str) -> Audit {
    let mut found = Vec::new();
    let mut revisions = Vec::new();
    for theirs in documents {
        let version = version_of(theirs);
        revisions.push(version.to_owned());
        found.extend(diff::differences(ours, theirs, version, version != full));
    }
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
    Audit { revisions, differences, stale, malformed }
}

/// The text report: differences grouped by operation or component, in document order;
/// undeclared ones with both pointers and where to declare them; then stale and malformed
/// declarations and a summary line. `ours` shows a pointer of the curated document as a
/// reader finds it (file, line and pointer); `theirs` gives the file name a revision's
/// pointers are shown with. A declared difference several revisions have is listed once,
/// with the revisions.
pub fn report(audit: &Audit, ours: &dyn Fn(&Pointer) -> String, theirs: &dyn Fn(&str) -> String) -> String {
    let mut groups: Vec<(String, Vec<&Finding>)> = Vec::new();
    for entry in &audit.differences {
        let label = group(&entry.difference.owner);
        match groups.iter_mut().find(|(l, _)| *l == label) {
            Some((_, list)) => list.push(entry),
            None => groups.push((label, vec![entry])),
        }
    }
    let several = audit.revisions.len() > 1;
    let mut out = String::new();
    for (label, list) in &groups {
        out.push_str(&format!("{label}\n"));
        let mut listed: Vec<(&Pointer, &str)> = Vec::new();
        for Finding { difference: d, reason } in list {
            let key = match d.within.as_str() {
                "" => d.key.clone(),
                within => format!("[{within}] {}", d.key),
            };
            match reason {
                Some(reason) => {
                    if listed.contains(&(&d.owner, d.key.as_str())) {
                        continue;
                    }
                    listed.push((&d.owner, d.key.as_str()));
                    let revisions: Vec<&str> = list
                        .iter()
                        .map(|f| &f.difference)
                        .filter(|x| x.owner == d.owner && x.key == d.key)
                        .map(|x| x.revision.as_str())
                        .collect();
                    let revisions = if several { format!(" (in {})", revisions.join(", ")) } else { String::new() };
                    out.push_str(&format!("  declared    {key}: {}{revisions}\n", d.detail));
                    out.push_str(&format!("              because {reason}\n"));
                }
                None => {
                    out.push_str(&format!("  UNDECLARED  {key}: {}\n", d.detail));
                    out.push_str(&format!("              ours:    {}\n", ours(&d.ours)));
                    out.push_str(&format!("              theirs:  {}{}\n", theirs(&d.revision), d.theirs));
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
    let documents: Vec<String> = audit.revisions.iter().map(|r| theirs(r)).collect();
    out.push_str(&format!(
        "{} differences from {}: {declared} declared, {} undeclared; {} stale and {} malformed declarations\n",
        audit.differences.len(),
        documents.join(", "),
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

/// The folder of Veeam's documents the audit compares with, relative to the corpus folder.
pub const DEFAULT_DOCUMENTS: &str = "vbr";

/// What [`run`] prints, and whether the audit passed.
pub struct Outcome {
    /// The report.
    pub text: String,
    /// Whether every difference is declared and no declaration is stale.
    pub passed: bool,
}

/// The documents (`*.json`, `*.yaml`) in a folder, by name.
pub fn documents_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut paths: Vec<PathBuf> = fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| crate::is_document(p))
        .collect();
    paths.sort();
    Ok(paths)
}

/// Audits `spec` (relative to `root`; one file, or the root of a document split by section,
/// which is joined first: see [`crate::sections`]) against the documents at `against`: one
/// document, every difference; several (the revisions of one API), every difference from the
/// one of the spec's default revision (`x-api-revisions`; else the newest) and the revision
/// marks against each ([`audit_revisions`]). Adds coverage against the navigation list at
/// `nav` (skipped with a note when there is none; see [`navigation_in`]).
pub fn run(root: &Path, spec: &str, against: &[PathBuf], nav: Option<&Path>) -> Result<Outcome> {
    let joined = crate::sections::join(&root.join(spec)).with_context(|| format!("reading {spec}"))?;
    let ours = &joined.doc;
    if against.is_empty() {
        anyhow::bail!("no published document to audit {spec} against");
    }
    let mut documents: Vec<(String, Value)> = Vec::new();
    for path in against {
        let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let theirs: Value = serde_json::from_str(&text)
            .or_else(|_| serde_yaml::from_str(&text))
            .with_context(|| format!("{}: not a JSON or YAML document", path.display()))?;
        let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
        documents.push((name, theirs));
    }
    documents.sort_by_key(|(_, doc)| crate::import::version_key(version_of(doc)));
    let declared = ours.pointer(&format!("/{}/default", crate::import::API_REVISIONS)).and_then(Value::as_str);
    let full = declared
        .filter(|d| documents.iter().any(|(_, doc)| version_of(doc) == *d))
        .map(str::to_owned)
        .unwrap_or_else(|| documents.last().map(|(_, doc)| version_of(doc).to_owned()).unwrap_or_default());
    let docs: Vec<&Value> = documents.iter().map(|(_, doc)| doc).collect();
    let audit = audit_revisions(ours, &docs, &full);
    let names: Vec<&str> = documents.iter().map(|(name, _)| name.as_str()).collect();
    let mut out = format!(
        "spec-audit: {spec} against {}\n",
        against.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    );
    if documents.len() > 1 {
        out.push_str(&format!(
            "every difference from {full}; from the other revisions, the revision marks (which elements each has)\n"
        ));
    }
    out.push('\n');
    let dir = Path::new(spec).parent().map(|d| d.display().to_string()).unwrap_or_default();
    let dir = if dir.is_empty() { dir } else { format!("{dir}/") };
    let lines = Lines::of(&root.join(spec), &joined);
    let place = |pointer: &Pointer| {
        let file = joined.file_of(pointer.as_str());
        match lines.line(file, pointer) {
            Some(line) => format!("{dir}{file}:{line} #{pointer}", pointer = pointer.as_str()),
            None => format!("{dir}{}", joined.locate(pointer.as_str())),
        }
    };
    let theirs = |revision: &str| {
        documents
            .iter()
            .zip(&names)
            .find(|((_, doc), _)| version_of(doc) == revision)
            .map_or_else(|| revision.to_owned(), |(_, name)| (*name).to_owned())
    };
    out.push_str(&report(&audit, &place, &theirs));
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

/// The line each element of a spec's files starts on, by file name and pointer.
struct Lines(BTreeMap<String, BTreeMap<Pointer, usize>>);

impl Lines {
    /// Reads the files of the document rooted at `root` (YAML; others have no lines).
    fn of(root: &Path, joined: &crate::sections::Joined) -> Self {
        let dir = root.parent().unwrap_or(Path::new(""));
        let mut files: Vec<&str> = vec![joined.root_name.as_str()];
        files.extend(joined.origins.values().map(String::as_str));
        let mut out = BTreeMap::new();
        for file in files {
            if out.contains_key(file) {
                continue;
            }
            let Ok(text) = fs::read_to_string(dir.join(file)) else { continue };
            if let Ok(scan) = crate::lint::text::scan(&text, usize::MAX) {
                out.insert(file.to_owned(), scan.lines);
            }
        }
        Lines(out)
    }

    /// The line of `pointer` in `file`, or of its nearest ancestor written there (a
    /// declaration not written yet is found where it goes).
    fn line(&self, file: &str, pointer: &Pointer) -> Option<usize> {
        let lines = self.0.get(file)?;
        let mut at = Some(pointer.clone());
        while let Some(p) = at {
            if let Some(line) = lines.get(&p) {
                return Some(*line);
            }
            at = p.parent();
        }
        None
    }
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
