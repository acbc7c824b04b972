//! `openapi-client-gen`: the file-system side of the generator.
//!
//! The `generator` crate is a pure pipeline (text in, formatted Rust out). This crate reads
//! documents from disk and writes what the pipeline produces, in the three shapes users ask
//! for:
//!
//! - [`standalone`]: a whole crate (`Cargo.toml`, `src/`) that depends on the runtime crate
//!   `openapi-client-runtime`, or carries a copy of it;
//! - [`modules`]: modules checked into an existing crate, listed in a `codegen.toml`
//!   ([`config`]), with a check mode for CI that reports stale files;
//! - [`build`]: one file in `OUT_DIR` for a build script, to `include!`.
//!
//! The binary (`src/main.rs`, feature `cli`) is a thin command line over these.

#![deny(missing_docs)]

pub mod build;
pub mod config;
pub mod manifest;
pub mod modules;
pub mod standalone;

use std::path::{Path, PathBuf};

use anyhow::Result;

/// Loads the OpenAPI document at `path` (JSON or YAML, relative to the current directory or
/// absolute) and every file its `$ref`s reach; diagnostics name the files as `path` does.
pub fn load(path: &Path) -> Result<generator::Document> {
    load_in(Path::new(""), &path.display().to_string())
}

/// Loads `spec`, a path relative to `root` that diagnostics and generated headers show as
/// written (`spec/vbr.yaml`), and the files it refers to.
pub fn load_in(root: &Path, spec: &str) -> Result<generator::Document> {
    let mut read = |path: &str| std::fs::read_to_string(root.join(path)).map_err(|e| e.to_string());
    generator::Document::load(spec, &mut read).map_err(|d| anyhow::anyhow!("the spec has problems:\n{d}"))
}

/// The files of the document at `spec` (relative to `root`): `spec` itself, then every file
/// its `$ref`s reach, as paths relative to `root` (`spec-fmt` and `spec-lint` walk these).
pub fn document_files(root: &Path, spec: &Path) -> Result<Vec<PathBuf>> {
    let doc = load_in(root, &spec.display().to_string())?;
    let dir = spec.parent().unwrap_or(Path::new(""));
    Ok(std::iter::once(spec.to_path_buf()).chain(doc.files.iter().map(|(rel, _)| dir.join(rel))).collect())
}
