//! Modules checked into a crate and kept current from their specs (`codegen.toml`): write the
//! ones that changed, or, in check mode, write nothing and name the stale files.

use std::fs;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};

use crate::config::{Config, Module};

/// Generates one module in memory: file path (relative to the config's root) → contents.
pub fn generate(config: &Config, module: &Module) -> Result<Vec<(PathBuf, String)>> {
    Ok(generate_module(config, module)?.0)
}

/// The files of one module (path relative to the config's root → contents).
type Files = Vec<(PathBuf, String)>;

/// [`generate`], and the cargo features the module's code names (one per tag, with
/// `features-per-tag`).
fn generate_module(config: &Config, module: &Module) -> Result<(Files, Vec<String>)> {
    let spec = module.spec.display().to_string();
    let doc = crate::load_in(&config.root, &spec)?;
    let generated = generator::generate(&doc, &module.options(&config.command, &spec))
        .map_err(|d| anyhow::anyhow!("{spec}: the spec has problems:\n{d}"))?;
    let files = generated.files.into_iter().map(|(name, body)| (module.out.join(name), body)).collect();
    Ok((files, generated.api.features.clone()))
}

/// The crate manifest a module's code is compiled in: the nearest `Cargo.toml` above its
/// folder, relative to the config's root.
fn manifest_of(config: &Config, module: &Module) -> Option<PathBuf> {
    module.out.ancestors().skip(1).map(|dir| dir.join("Cargo.toml")).find(|m| config.root.join(m).is_file())
}

/// The crate manifest with the module's features declared: a generated block in
/// `[features]`, between marker comments, that declares each feature and one feature named
/// for the module that turns them all on (`vbr = ["tag-jobs", …]`); the rest of the manifest
/// is left as written.
pub fn manifest_with_features(manifest: &str, module: &Module, command: &str, features: &[String]) -> Result<String> {
    let name = module.out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let begin = format!("# BEGIN {name}: one feature per tag of {}, written by `{command}`", module.spec.display());
    let end = format!("# END {name}");
    let all: Vec<String> = features.iter().map(|f| format!("\"{f}\"")).collect();
    let mut block = format!("{begin}\n{name} = [{}]\n", all.join(", "));
    for f in features {
        block.push_str(&format!("{f} = []\n"));
    }
    block.push_str(&end);
    if let (Some(start), Some(stop)) = (manifest.find(&begin), manifest.find(&end)) {
        if stop > start {
            return Ok(format!("{}{block}{}", &manifest[..start], &manifest[stop + end.len()..]));
        }
    }
    let Some(at) = manifest.find("[features]\n") else {
        bail!("the manifest has no [features] table for the features of {}", module.spec.display());
    };
    let at = at + "[features]\n".len();
    Ok(format!("{}{block}\n{}", &manifest[..at], &manifest[at..]))
}

/// Regenerates every module of `config`. With `check`, writes nothing and returns the stale
/// files instead; otherwise writes the files that differ and returns them. Paths are relative
/// to the config's root. A `.rs` file in a module's folder that generation no longer produces
/// is stale too (and removed when not checking).
pub fn run(config: &Config, check: bool) -> Result<Vec<PathBuf>> {
    let root = &config.root;
    let mut changed = Vec::new();
    for module in &config.modules {
        let (mut files, features) = generate_module(config, module)?;
        if module.features_per_tag {
            let Some(manifest) = manifest_of(config, module) else {
                bail!("{}: features-per-tag needs a Cargo.toml above {}", module.spec.display(), module.out.display());
            };
            let text = fs::read_to_string(root.join(&manifest))?;
            files.push((manifest, manifest_with_features(&text, module, &config.command, &features)?));
        }
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
