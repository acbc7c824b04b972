//! This workspace's layout as the tests see it: the root, the codegen configs, the curated
//! specs and the corpus. (xtask is a binary; its `project.rs` holds the same facts for the
//! commands, and `every_codegen_config_reads` there and here keep both honest.)

use std::path::{Path, PathBuf};

use openapi_client_gen::config::Config;

/// The workspace root (the parent of `tests/`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests lives inside the workspace").to_path_buf()
}

/// The curated specs' modules (`spec/codegen.toml`).
pub fn curated() -> Config {
    Config::read(&workspace_root().join("spec/codegen.toml")).expect("spec/codegen.toml reads")
}

/// The curated modules, then the modules the tests compile (`tests/codegen.toml`).
pub fn configs() -> Vec<Config> {
    let tests = Config::read(&workspace_root().join("tests/codegen.toml")).expect("tests/codegen.toml reads");
    vec![curated(), tests]
}

/// The curated specs' root files, relative to the workspace root.
pub fn spec_files() -> Vec<String> {
    curated().modules.iter().map(|m| m.spec.display().to_string()).collect()
}

/// The curated specs' generation options, as `spec/codegen.toml` sets them.
pub fn curated_options(spec: &str) -> generator::Options {
    let config = curated();
    let module = config.modules.iter().find(|m| m.spec == Path::new(spec)).unwrap_or(&config.modules[0]);
    module.options(&config.command, spec)
}

/// A curated spec (relative to the workspace root) as one tree: a spec split by section is
/// joined (`openapi_spec_tools::sections::join`), so every element is at its plain pointer.
pub fn joined_spec(spec: &str) -> serde_json::Value {
    openapi_spec_tools::sections::join(&workspace_root().join(spec)).unwrap_or_else(|e| panic!("{spec}: {e:#}")).doc
}

/// Every file of a curated spec (its root first), relative to the workspace root.
pub fn spec_document_files(spec: &str) -> Vec<String> {
    openapi_client_gen::document_files(&workspace_root(), Path::new(spec))
        .unwrap_or_else(|e| panic!("{spec}: {e:#}"))
        .iter()
        .map(|p| p.display().to_string())
        .collect()
}

/// Loads `label` (relative to `dir`) and the files it refers to.
pub fn load_spec(dir: &Path, label: &str) -> anyhow::Result<generator::Document> {
    openapi_client_gen::load_in(dir, label)
}

/// The corpus: `$OPENAPI_CORPUS` (relative to the workspace root) or the vendored
/// `tests/corpus`, if it holds a document.
pub fn require_corpus() -> Result<PathBuf, String> {
    let var = std::env::var_os("OPENAPI_CORPUS").filter(|v| !v.is_empty());
    let dir = workspace_root().join(var.as_deref().map_or(Path::new("tests/corpus"), Path::new));
    let has_document = std::fs::read_dir(&dir).is_ok_and(|entries| entries.count() > 0);
    if has_document {
        Ok(dir)
    } else {
        Err(format!(
            "the corpus is missing: nothing in {} (set OPENAPI_CORPUS, or restore tests/corpus)",
            dir.display()
        ))
    }
}
