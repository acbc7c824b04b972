//! `cargo xtask corpus`: every document in the corpus generates a crate that checks, whole
//! and one tag alone, and its split form generates the same code.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use openapi_client_gen::manifest::RuntimeSource;
use openapi_client_gen::standalone::{generate_crate, Report, Settings};

/// One row of the corpus table.
pub struct CorpusRow {
    /// Document file name.
    pub document: String,
    /// Generation result or error.
    pub report: Result<Report, String>,
    /// `cargo check` outcome, all features and then the first tag alone: (errors, warnings,
    /// seconds), or why it did not run.
    pub check: Result<(usize, usize, f64), String>,
    /// The document's `openapi` version.
    pub version: Option<String>,
    /// The document split into one file per schema and path item (`openapi-spec split`): how many
    /// files, once the split form generated the same items; `None` when it cannot be split.
    pub split: Option<Result<usize, String>>,
}

/// Generates `doc` as one file and split into many, and compares the generated items (type by
/// type, method by method: the order of items may differ, their code may not).
pub fn split_check(doc: &Path, out: &Path) -> Option<Result<usize, String>> {
    let text = fs::read_to_string(doc).ok()?;
    let label = doc.display().to_string();
    let raw = generator::load::parse_text(&label, &text).ok()?;
    let files = openapi_spec_tools::split::split(&raw)?;
    let opts = generator::Options { features_per_tag: true, item_sources: true, ..generator::Options::default() };
    let items = |doc: generator::Document| generator::generate(&doc, &opts).map(|g| g.items).map_err(|d| d.to_string());
    let run = || -> Result<usize, String> {
        let whole = items(openapi_client_gen::load(Path::new(&label)).map_err(|e| format!("{e:#}"))?)?;
        let _ = fs::remove_dir_all(out);
        for (rel, value) in &files {
            let path = out.join(rel);
            fs::create_dir_all(path.parent().unwrap_or(out)).map_err(|e| e.to_string())?;
            let yaml = serde_yaml::to_string(value).map_err(|e| e.to_string())?;
            fs::write(&path, yaml).map_err(|e| e.to_string())?;
        }
        let root = out.join("openapi.yaml").display().to_string();
        let parts = items(openapi_client_gen::load(Path::new(&root)).map_err(|e| format!("{e:#}"))?)?;
        let differ: Vec<&String> = whole
            .keys()
            .chain(parts.keys())
            .filter(|k| whole.get(*k) != parts.get(*k))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        match differ.as_slice() {
            [] => Ok(files.len()),
            some => Err(format!(
                "the split form generates other code for {} item(s): {}",
                some.len(),
                some.iter().take(5).map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
            )),
        }
    };
    Some(run())
}

/// The `openapi` field of a JSON or YAML document, if it has one.
fn openapi_version(path: &Path) -> Option<String> {
    let text = fs::read_to_string(path).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok().or_else(|| serde_yaml::from_str(&text).ok())?;
    value.get("openapi")?.as_str().map(str::to_owned)
}

/// Every document in `corpus_dir` (recursively), generated and checked.
/// How much of the corpus `cargo check` covers: every document is generated and its split
/// form compared either way.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Checks {
    /// Every document, whole and with one tag alone.
    Full,
    /// Every document whole; one tag alone on every third.
    Whole,
    /// CI's sample: every fourth document whole, one tag alone on every eighth; no Veeam
    /// document (veeam-client, which every CI run builds, is the union of all four, curated,
    /// and the contract test runs the client against each of them). CI's 20-minute budget
    /// pays for the rest of the tests; `cargo xtask corpus` checks every document.
    Sample,
}

impl Checks {
    fn whole(self, index: usize, doc: &Path) -> bool {
        let name = doc.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        match self {
            Checks::Full | Checks::Whole => true,
            Checks::Sample => index % 4 == 0 && !name.starts_with("vbr_rest_"),
        }
    }

    fn one_tag(self, index: usize) -> bool {
        match self {
            Checks::Full => true,
            Checks::Whole => index % 3 == 0,
            Checks::Sample => index % 8 == 0,
        }
    }
}

pub fn corpus(root: &Path, corpus_dir: &Path, check: bool, checks: Checks) -> Result<Vec<CorpusRow>> {
    let mut docs = Vec::new();
    collect(corpus_dir, &mut docs)?;
    docs.sort();
    let out_root = root.join("target/corpus");
    let target_dir = root.join("target/corpus-target");
    let mut rows = Vec::new();
    for (index, doc) in docs.into_iter().enumerate() {
        let stem = doc.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let crate_name = format!("corpus_{}", stem.replace(['.', '-'], "_"));
        let out = out_root.join(&crate_name);
        let _ = fs::remove_dir_all(&out);
        // Every crate depends on the workspace's runtime crate, which the shared target
        // folder builds once.
        let settings = Settings {
            runtime: RuntimeSource::Path(root.join("generator/runtime")),
            command: "cargo xtask corpus".into(),
            ..Settings::new(&crate_name)
        };
        let report = generate_crate(&doc, &out, &settings).map_err(|e| format!("{e:#}"));
        let check_result = match (&report, check && checks.whole(index, &doc)) {
            (Ok(rep), true) => cargo_check(&out, &target_dir, &[]).and_then(|full| {
                // One tag alone must build too: gating must never cut a type another needs.
                // Checked on a sample (all of them with `--full`): the gating is the same
                // code for each, and CI has a time budget.
                let sampled = checks.one_tag(index);
                match rep.features.iter().find(|f| f.starts_with("tag-")).filter(|_| sampled) {
                    Some(f) => cargo_check(&out, &target_dir, &["--no-default-features", "--features", f])
                        .map(|(e, w, s)| (full.0 + e, full.1 + w, full.2 + s)),
                    None => Ok(full),
                }
            }),
            (Ok(_), false) => Err("not checked".into()),
            (Err(_), _) => Err("not generated".into()),
        };
        rows.push(CorpusRow {
            document: doc.strip_prefix(corpus_dir).unwrap_or(&doc).display().to_string(),
            report,
            check: check_result,
            version: openapi_version(&doc),
            split: split_check(&doc, &root.join("target/corpus-split").join(&crate_name)),
        });
    }
    // A crate that carries the runtime (`--vendor-runtime`) builds too, mock server included.
    let petstore = corpus_dir.join("oai/petstore.yaml");
    if petstore.exists() {
        let out = out_root.join("corpus_vendored_petstore");
        let _ = fs::remove_dir_all(&out);
        let settings = Settings {
            runtime: RuntimeSource::Vendored,
            command: "cargo xtask corpus".into(),
            ..Settings::new("corpus_vendored_petstore")
        };
        let report = generate_crate(&petstore, &out, &settings).map_err(|e| format!("{e:#}"));
        let check = match (&report, check) {
            (Ok(_), true) => cargo_check(&out, &target_dir, &["--features", "mock"]),
            (Ok(_), false) => Err("not checked".into()),
            (Err(_), _) => Err("not generated".into()),
        };
        rows.push(CorpusRow {
            document: "oai/petstore.yaml (runtime vendored, mock on)".into(),
            report,
            check,
            version: openapi_version(&petstore),
            split: None,
        });
    }
    Ok(rows)
}

/// Whether `dir` holds, at any depth, a document that [`corpus`] reads.
pub fn has_documents(dir: &Path) -> bool {
    let mut docs = Vec::new();
    collect(dir, &mut docs).is_ok() && !docs.is_empty()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "json" || e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
    Ok(())
}

/// `cargo check` of a generated crate; counts errors and warnings from its own code.
pub fn cargo_check(dir: &Path, target_dir: &Path, extra: &[&str]) -> Result<(usize, usize, f64), String> {
    let started = Instant::now();
    let output = std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir)
        .args(["check", "--quiet", "--message-format", "short"])
        .args(extra)
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let secs = started.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let errors = stderr
        .lines()
        .filter(|l| l.contains(": error") || l.starts_with("error"))
        .filter(|l| !l.starts_with("error: could not compile"))
        .count();
    let warnings = stderr.lines().filter(|l| l.contains(": warning")).count();
    if !output.status.success() && errors == 0 {
        return Err(format!("cargo check failed: {}", stderr.lines().take(5).collect::<Vec<_>>().join(" | ")));
    }
    Ok((errors, warnings, secs))
}
