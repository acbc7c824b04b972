//! `openapi-spec fmt`: documents in one canonical form (key order, wrapping), so a change of
//! one field is a change of one line.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// The canonical form of one file's text (a file of a split document too); `label` names it
/// in errors.
pub fn canonical(label: &str, text: &str) -> Result<String> {
    let raw = generator::load::parse_text(label, text).map_err(|d| anyhow::anyhow!("the spec has problems:\n{d}"))?;
    generator::canonical::canonical_yaml(&raw).map_err(|e| anyhow::anyhow!("{label}: {e}"))
}

/// Every file of the documents rooted at `roots`: each root, then the files its `$ref`s reach.
pub fn files_of(roots: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for root in roots {
        out.extend(openapi_client_gen::document_files(Path::new(""), root)?);
    }
    Ok(out)
}

/// Rewrites `files` in canonical form (or, with `check`, only lists the ones that are not);
/// returns the files that were (or would be) rewritten.
pub fn format_files(files: &[PathBuf], check: bool) -> Result<Vec<PathBuf>> {
    let mut changed = Vec::new();
    for path in files {
        let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let canonical = canonical(&path.display().to_string(), &text)?;
        if canonical != text {
            if !check {
                fs::write(path, canonical).with_context(|| format!("writing {}", path.display()))?;
            }
            changed.push(path.clone());
        }
    }
    Ok(changed)
}
