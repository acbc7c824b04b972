//! The file-system side of code generation: which specs become which modules, writing them,
//! and checking that the checked-in files are current. `main.rs` is the command line; tests
//! call [`codegen`] directly so `cargo test` fails on drift.

pub mod audit;
pub mod bench_compile;
pub mod diff;
pub mod lint;
pub mod manifest;
pub mod split;
pub mod standalone;

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

/// One curated spec and the module generated from it.
pub struct Target {
    /// Spec file, relative to the workspace root.
    pub spec: &'static str,
    /// Module folder, relative to the workspace root.
    pub module: &'static str,
}

/// The curated specs. VBR and Enterprise Manager are separate servers, so separate modules.
pub const TARGETS: &[Target] = &[
    Target { spec: "spec/vbr.yaml", module: "generated-client/src/vbr" },
    Target { spec: "spec/em.yaml", module: "generated-client/src/em" },
];

/// Modules the integration tests compile, generated from small documents with the runtime at
/// `::veeam_client::runtime` (any warning allowed: they show edge cases). `cargo xtask codegen`
/// writes them with the curated modules, so a generator change that breaks what they call
/// can still be regenerated (a test binary cannot regenerate the modules it fails to compile).
pub const TEST_MODULES: &[Target] = &[
    Target { spec: "tests/fixtures/v31_webhooks.yaml", module: "tests/it/webhooks/generated" },
    Target {
        spec: "tests/it/conformance/cases/parameter_styles.yaml",
        module: "tests/it/conformance/generated/parameter_styles",
    },
    Target {
        spec: "tests/it/conformance/cases/request_bodies.yaml",
        module: "tests/it/conformance/generated/request_bodies",
    },
    Target { spec: "tests/it/conformance/cases/responses.yaml", module: "tests/it/conformance/generated/responses" },
    Target { spec: "tests/it/conformance/cases/xml.yaml", module: "tests/it/conformance/generated/xml" },
    Target {
        spec: "tests/it/conformance/cases/media_types.yaml",
        module: "tests/it/conformance/generated/media_types",
    },
];

/// Generation options for a test module (see [`TEST_MODULES`]).
pub fn test_module_options(spec: &str) -> generator::Options {
    generator::Options {
        runtime_path: "::veeam_client::runtime".into(),
        command: COMMAND.into(),
        source: spec.to_owned(),
        ..generator::Options::default()
    }
}

/// The command that regenerates, as headers and messages name it.
pub const COMMAND: &str = "cargo xtask codegen";

/// The workspace root (the parent of `xtask/`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives inside the workspace").to_path_buf()
}

/// The environment variable that names the folder of real-world OpenAPI documents (the
/// corpus) that `cargo xtask corpus`, the fuzzer and the generator's benchmark read.
///
/// `generator/benches/generate.rs` cannot depend on xtask (xtask depends on the generator),
/// so it repeats this name and [`CORPUS_DEFAULT`]; nothing else does.
pub const CORPUS_ENV: &str = "OPENAPI_CORPUS";

/// Where the corpus is when [`CORPUS_ENV`] is not set, relative to the workspace root: the
/// copy vendored in the repository (its README lists each document's source and licence),
/// so a bare clone runs every test.
pub const CORPUS_DEFAULT: &str = "tests/corpus";

/// The corpus folder: [`CORPUS_ENV`] if set, else [`CORPUS_DEFAULT`]. A relative value is
/// taken relative to the workspace root, so it means the same folder to `cargo xtask` (run
/// from anywhere), to the tests (run in `tests/`) and to the benchmark (run in `generator/`).
pub fn corpus_dir() -> PathBuf {
    corpus_dir_from(&workspace_root(), std::env::var_os(CORPUS_ENV).filter(|v| !v.is_empty()).as_deref())
}

fn corpus_dir_from(root: &Path, var: Option<&std::ffi::OsStr>) -> PathBuf {
    root.join(var.map_or(Path::new(CORPUS_DEFAULT), Path::new))
}

/// [`corpus_dir`], if it holds at least one document; otherwise an error that says what is
/// missing, where it was looked for, which variable to set and where the corpus comes from.
pub fn require_corpus() -> Result<PathBuf> {
    check_corpus(&corpus_dir())
}

fn check_corpus(dir: &Path) -> Result<PathBuf> {
    let problem = if !dir.exists() {
        "no folder at"
    } else if !dir.is_dir() {
        "not a folder:"
    } else if !standalone::has_documents(dir) {
        "no .json or .yaml document in"
    } else {
        return Ok(dir.to_path_buf());
    };
    let source = std::env::var_os(CORPUS_ENV).filter(|v| !v.is_empty()).map_or_else(
        || format!("{CORPUS_ENV} is not set; the default is {CORPUS_DEFAULT} in the workspace"),
        |v| format!("{CORPUS_ENV}={}", v.to_string_lossy()),
    );
    bail!(
        "the corpus of real-world OpenAPI documents is missing: {problem} {} ({source})\n\
         \x20 `cargo xtask corpus`, the fuzzer and the generator benchmark read it\n\
         \x20 set {CORPUS_ENV} to the folder that holds it (a relative path is relative to the workspace root)\n\
         \x20 the corpus is kept outside this repository, a folder of unmodified public documents whose \
         README.md lists each source and licence: Veeam's VBR REST API 1.2-rev1 and 1.3-rev2 documents \
         (vbr/, published in Cenvora/veeam-br), the OpenAPI Initiative's 3.0 examples (oai/, from \
         OAI/OpenAPI-Specification), progenitor's sample documents (progenitor/, from \
         oxidecomputer/progenitor) and public API documents from the APIs.guru openapi-directory (real/)",
        dir.display()
    )
}

/// Generation options for a curated spec: every warning is an error, so the checked-in
/// client is fully typed.
pub fn curated_options(spec: &str) -> generator::Options {
    generator::Options {
        deny_warnings: true,
        strict_inline_names: true,
        source: spec.to_owned(),
        item_sources: false,
        ..generator::Options::default()
    }
}

/// Loads a spec and every file its `$ref`s reach; `label` is the path diagnostics show, and
/// the files a spec refers to are read relative to `dir` joined with it.
pub fn load_spec(dir: &Path, label: &str) -> Result<generator::Document> {
    let mut read = |path: &str| fs::read_to_string(dir.join(path)).map_err(|e| e.to_string());
    generator::Document::load(label, &mut read).map_err(|d| anyhow::anyhow!("the spec has problems:\n{d}"))
}

/// Generates one curated spec in memory: file path (relative to root) → contents.
pub fn generate_target(root: &Path, target: &Target) -> Result<Vec<(PathBuf, String)>> {
    let doc = load_spec(root, target.spec)?;
    let opts = if TEST_MODULES.iter().any(|t| t.spec == target.spec) {
        test_module_options(target.spec)
    } else {
        curated_options(target.spec)
    };
    let generated = generator::generate(&doc, &opts)
        .map_err(|d| anyhow::anyhow!("{}: the spec has problems:\n{d}", target.spec))?;
    Ok(generated.files.into_iter().map(|(name, body)| (PathBuf::from(target.module).join(name), body)).collect())
}

/// Regenerates every target. With `check`, writes nothing and returns the stale files
/// (relative paths) instead; otherwise writes the files that differ and returns them.
pub fn codegen(root: &Path, check: bool) -> Result<Vec<PathBuf>> {
    let mut changed = Vec::new();
    for target in TARGETS.iter().chain(TEST_MODULES) {
        let files = generate_target(root, target)?;
        let dir = root.join(target.module);
        // Files in the module folder that generation no longer produces are stale too.
        if dir.is_dir() {
            for entry in fs::read_dir(&dir)? {
                let path = entry?.path();
                let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
                if path.extension().is_some_and(|e| e == "rs") && !files.iter().any(|(p, _)| p == &rel) {
                    if !check {
                        fs::remove_file(&path)?;
                    }
                    changed.push(rel);
                }
            }
        }
        for (rel, contents) in files {
            let path = root.join(&rel);
            let current = fs::read_to_string(&path).ok().map(|s| s.replace("\r\n", "\n"));
            if current.as_deref() != Some(contents.as_str()) {
                if !check {
                    fs::create_dir_all(path.parent().expect("module files have a parent"))?;
                    fs::write(&path, &contents).with_context(|| format!("writing {}", rel.display()))?;
                }
                changed.push(rel);
            }
        }
    }
    Ok(changed)
}

/// The message for stale files: each file, and the command that fixes them.
pub fn stale_message(stale: &[PathBuf]) -> String {
    let mut msg = String::from("generated files are out of date:\n");
    for f in stale {
        msg.push_str(&format!("  {}\n", f.display()));
    }
    msg.push_str(&format!("run `{COMMAND}` and commit the result"));
    msg
}

/// Fails with [`stale_message`] when any file is stale.
pub fn ensure_fresh(root: &Path) -> Result<()> {
    let stale = codegen(root, true)?;
    if !stale.is_empty() {
        bail!("{}", stale_message(&stale));
    }
    Ok(())
}

/// The curated spec files.
pub fn spec_files() -> Vec<&'static str> {
    TARGETS.iter().map(|t| t.spec).collect()
}

/// Canonical form of one spec file's text, exactly as written (a file of a split spec too).
pub fn canonical_spec(spec: &str, text: &str) -> Result<String> {
    let raw = generator::load::parse_text(spec, text).map_err(|d| anyhow::anyhow!("the spec has problems:\n{d}"))?;
    generator::canonical::canonical_yaml(&raw).map_err(|e| anyhow::anyhow!("{spec}: {e}"))
}

/// Every file of the curated specs, roots first: a spec split over many files brings its
/// other files (paths relative to the workspace root).
pub fn all_spec_files(root: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for spec in spec_files() {
        out.push(spec.to_owned());
        let doc = load_spec(root, spec)?;
        let dir = Path::new(spec).parent().unwrap_or(Path::new(""));
        out.extend(doc.files.iter().map(|(rel, _)| dir.join(rel).display().to_string()));
    }
    Ok(out)
}

/// Rewrites the specs in canonical form (or, with `check`, lists the ones that are not).
pub fn spec_fmt(root: &Path, check: bool) -> Result<Vec<String>> {
    let mut changed = Vec::new();
    for spec in all_spec_files(root)? {
        let path = root.join(&spec);
        let text = fs::read_to_string(&path).with_context(|| format!("reading {spec}"))?;
        let canonical = canonical_spec(&spec, &text)?;
        if canonical != text {
            if !check {
                fs::write(&path, canonical)?;
            }
            changed.push(spec);
        }
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_corpus_is_next_to_the_workspace_unless_the_variable_says_otherwise() {
        let root = Path::new("/src/veeam-openapi-rs");
        assert_eq!(corpus_dir_from(root, None), root.join("tests/corpus"));
        assert_eq!(corpus_dir_from(root, Some("/data/corpus".as_ref())), Path::new("/data/corpus"));
        // Relative to the workspace root, whichever folder the process runs in.
        assert_eq!(corpus_dir_from(root, Some("corpus".as_ref())), root.join("corpus"));
    }

    #[test]
    fn a_missing_corpus_says_where_it_looked_and_what_to_set() {
        let missing = workspace_root().join("target/no-such-corpus");
        let message = format!("{:#}", check_corpus(&missing).unwrap_err());
        for part in [
            "corpus of real-world OpenAPI documents is missing",
            &missing.display().to_string(),
            "OPENAPI_CORPUS",
            "README.md",
            "APIs.guru",
        ] {
            assert!(message.contains(part), "`{part}` not in: {message}");
        }
        // A folder without documents is as good as none.
        let empty = workspace_root().join("xtask/src");
        assert!(format!("{:#}", check_corpus(&empty).unwrap_err()).contains("no .json or .yaml document in"));
        assert_eq!(check_corpus(&workspace_root().join("spec")).unwrap(), workspace_root().join("spec"));
    }
}
