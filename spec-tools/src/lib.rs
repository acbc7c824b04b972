//! Review tools for OpenAPI documents, for people who read diffs of a spec rather than of the
//! code generated from it. Each works on any document, one file or many:
//!
//! - [`fmt`]: one canonical key order and wrapping, so a one-field change is a one-line diff;
//! - [`lint`]: the rules reviewers expect (Spectral's `oas` rules that matter to a generated
//!   client, and the generator's own), each finding with file, line and JSON pointer;
//! - [`diff`]: what a change means on the wire and for the generated Rust API, and the semver
//!   bump it needs;
//! - [`audit`]: every difference between a curated document and a published one it derives
//!   from, each declared with its reason or reported;
//! - [`split`]: a one-file document as the many-file layout vendors publish;
//! - [`sections`]: a document split by section (one file per tag), joined and written back;
//! - [`renames`]: the component schemas a published revision names otherwise;
//! - [`import`] and [`curate`]: sections of a vendor's published revisions brought into a
//!   curated spec with their revision marks, then the mechanical curation rules.
//!
//! The binary `openapi-spec` (`src/main.rs`) is the command line over these.

#![deny(missing_docs)]

pub mod audit;
pub mod curate;
pub mod diff;
pub mod fmt;
pub mod import;
pub mod lint;
pub mod renames;
pub mod sections;
pub mod split;

use std::path::Path;

pub use openapi_client_gen::{load, load_in};

/// The workspace this crate is built in, for tests that read the curated specs.
#[cfg(test)]
pub(crate) fn workspace_root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("spec-tools lives in the workspace").to_path_buf()
}

/// Whether `path` names a JSON or YAML file.
pub fn is_document(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "json" || e == "yaml" || e == "yml")
}
