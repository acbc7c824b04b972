//! Modules checked into a crate and kept current from their specs (`codegen.toml`): write the
//! ones that changed, or, in check mode, write nothing and name the stale files.

use std::fs;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};

use crate::config::{Config, Module};

/// Generates one module in memory: file path (relative to the config's root) → contents.
pub fn generate(config: &Config, module: &Module) -> Result<Vec<(PathBuf, String)>> {
    let spec = module.spec.display().to_string();
    let doc = crate::load_in(&config.root, &spec)?;
    let generated = generator::generate(&doc, &module.options(&config.command, &spec))
        .map_err(|d| anyhow::anyhow!("{spec}: the spec has problems:\n{d}"))?;
    Ok(generated.files.into_iter().map(|(name, body)| (module.out.join(name), body)).collect())
}

/// Regenerates every module of `config`. With `check`, writes nothing and returns the stale
/// files instead; otherwise writes the files that differ and returns them. Paths are relative
/// to the config's root. A `.rs` file in a module's folder that generation no longer produces
/// is stale too (and removed when not checking).
pub fn run(config: &Config, check: bool) -> Result<Vec<PathBuf>> {
    let root = &config.root;
    let mut changed = Vec::new();
    for module in &config.modules {
        let files = generate(config, module)?;
        let dir = root.join(&module.out);
        if dir.is_dir() {
            for entry in fs::read_dir(&dir)? {
                let path = entry?.path();
                let rel = module.out.join(path.file_name().expect("a directory entry has a name"));
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
pub fn stale_message(stale: &[PathBuf], command: &str) -> String {
    let mut msg = String::from("generated files are out of date:\n");
    for f in stale {
        msg.push_str(&format!("  {}\n", f.display()));
    }
    msg.push_str(&format!("run `{command}` and commit the result"));
    msg
}

/// Fails with [`stale_message`] when any file of `config` is stale.
pub fn ensure_fresh(config: &Config) -> Result<()> {
    let stale = run(config, true)?;
    if !stale.is_empty() {
        bail!("{}", stale_message(&stale, &config.command));
    }
    Ok(())
}

/// Every spec file the modules read, each root followed by the files it refers to, relative
/// to the config's root.
pub fn spec_files(config: &Config) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for module in &config.modules {
        out.extend(crate::document_files(&config.root, &module.spec)?);
    }
    Ok(out)
}
