//! The dependencies a generated crate declares.
//!
//! Generated code calls the runtime crate (`openapi-client-runtime`) and names a few crates
//! itself ([`GENERATED_CODE_CRATES`]: serde's derives, field types). Their versions and
//! features are the runtime's own, read from its manifest, which is compiled in, with
//! `workspace = true` entries resolved against the workspace manifest as cargo does. A crate
//! that carries a copy of the runtime (`--vendor-runtime`) declares all of the runtime's
//! dependencies instead.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use toml::{Table, Value};

const RUNTIME_MANIFEST: &str = include_str!("../../runtime/Cargo.toml");
const WORKSPACE_MANIFEST: &str = include_str!("../../../Cargo.toml");

/// The runtime crate's package name.
pub const RUNTIME_CRATE: &str = "openapi-client-runtime";

/// The crates generated code names by absolute path (`::serde`, `::chrono`, …), so a crate
/// that holds generated code depends on them directly.
pub const GENERATED_CODE_CRATES: &[&str] = &["serde", "serde_json", "chrono", "uuid", "bytes", "futures"];

/// Where a generated crate gets the runtime from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuntimeSource {
    /// A path dependency on the runtime's source folder.
    Path(PathBuf),
    /// A git dependency: repository URL, and a revision (commit, tag or branch) if pinned.
    Git {
        /// The repository.
        url: String,
        /// A commit, tag or branch.
        rev: Option<String>,
    },
    /// A registry dependency with this version requirement.
    Version(String),
    /// A copy of the runtime's sources in the crate (`src/runtime/`).
    Vendored,
}

/// The runtime's source folder this tool was built with (a checkout of this repository).
pub fn runtime_dir() -> PathBuf {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../runtime"));
    dir.canonicalize().unwrap_or(dir)
}

/// The runtime's version, from its manifest.
pub fn runtime_version() -> Result<String> {
    let runtime = parse("generator/runtime/Cargo.toml", RUNTIME_MANIFEST)?;
    runtime
        .get("package")
        .and_then(|p| p.get("version"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .context("generator/runtime/Cargo.toml has no package.version")
}

fn parse(name: &str, text: &str) -> Result<Table> {
    text.parse::<Table>().with_context(|| format!("{name}: not valid TOML"))
}

/// The runtime's `[dependencies]`, each with `workspace = true` replaced by the workspace's
/// entry (the member's `features` added, its `optional` kept), in the manifest's order.
pub fn runtime_dependencies() -> Result<Table> {
    let runtime = parse("generator/runtime/Cargo.toml", RUNTIME_MANIFEST)?;
    let workspace = parse("Cargo.toml", WORKSPACE_MANIFEST)?;
    let inherited = workspace
        .get("workspace")
        .and_then(|w| w.get("dependencies"))
        .and_then(Value::as_table)
        .cloned()
        .unwrap_or_default();
    let deps = runtime.get("dependencies").and_then(Value::as_table).cloned().unwrap_or_default();
    let mut out = Table::new();
    for (name, spec) in deps {
        out.insert(name.clone(), resolve(&name, &spec, &inherited)?);
    }
    Ok(out)
}

fn resolve(name: &str, spec: &Value, inherited: &Table) -> Result<Value> {
    let Some(table) = spec.as_table() else { return Ok(spec.clone()) };
    if table.get("workspace").and_then(Value::as_bool) != Some(true) {
        return Ok(spec.clone());
    }
    let base = inherited
        .get(name)
        .with_context(|| format!("`{name}` says workspace = true, but the workspace has no such dependency"))?;
    let mut out = match base {
        Value::String(version) => {
            let mut t = Table::new();
            t.insert("version".into(), Value::String(version.clone()));
            t
        }
        Value::Table(t) => t.clone(),
        other => bail!("workspace dependency `{name}` is neither a version nor a table: {other}"),
    };
    for (key, value) in table {
        match key.as_str() {
            "workspace" => {}
            "features" => {
                let mut features = out.get("features").and_then(Value::as_array).cloned().unwrap_or_default();
                for f in value.as_array().into_iter().flatten() {
                    if !features.contains(f) {
                        features.push(f.clone());
                    }
                }
                out.insert("features".into(), Value::Array(features));
            }
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    Ok(Value::Table(out))
}

/// The `[dependencies]` of a crate holding generated code that takes the runtime from
/// `source`, as TOML lines.
pub fn dependencies_toml(source: &RuntimeSource) -> Result<String> {
    let all = runtime_dependencies()?;
    let mut runtime = Table::new();
    match source {
        // The crate carries the runtime, so it declares everything the runtime needs.
        RuntimeSource::Vendored => return inline_lines(&all),
        RuntimeSource::Path(path) => {
            runtime.insert("path".into(), Value::String(path.display().to_string()));
        }
        RuntimeSource::Git { url, rev } => {
            runtime.insert("git".into(), Value::String(url.clone()));
            if let Some(rev) = rev {
                runtime.insert("rev".into(), Value::String(rev.clone()));
            }
        }
        RuntimeSource::Version(v) => {
            runtime.insert("version".into(), Value::String(v.clone()));
        }
    }
    let mut deps = Table::new();
    deps.insert(RUNTIME_CRATE.into(), Value::Table(runtime));
    for name in GENERATED_CODE_CRATES {
        let spec = all.get(*name).with_context(|| format!("the runtime does not depend on `{name}`"))?;
        deps.insert((*name).to_owned(), spec.clone());
    }
    inline_lines(&deps)
}

/// One `name = spec` line per entry, each spec an inline table or a string.
fn inline_lines(deps: &Table) -> Result<String> {
    let mut out = String::new();
    for (name, spec) in deps {
        let value = match spec {
            Value::Table(t) => {
                let parts: Vec<String> = t.iter().map(|(k, v)| format!("{k} = {v}")).collect();
                format!("{{ {} }}", parts.join(", "))
            }
            other => other.to_string(),
        };
        out.push_str(&format!("{name} = {value}\n"));
    }
    Ok(out)
}

/// The runtime's cargo features a generated crate passes on (`mock`, `os-trust-store`), as
/// `[features]` lines: forwarded to the runtime crate, or the runtime's own when vendored.
pub fn features_toml(source: &RuntimeSource) -> Result<String> {
    let runtime = parse("generator/runtime/Cargo.toml", RUNTIME_MANIFEST)?;
    let features = runtime.get("features").and_then(Value::as_table).cloned().unwrap_or_default();
    let mut out = String::new();
    for (name, value) in &features {
        let value = match source {
            RuntimeSource::Vendored => value.to_string(),
            _ => {
                // A runtime feature that turns on another (`cli` turns on `dispatch`) turns on
                // the crate's feature of that name too, which gates its generated module.
                let implied = value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .filter(|f| features.contains_key(*f))
                    .map(|f| Value::String(f.to_owned()));
                let forwarded = std::iter::once(Value::String(format!("{RUNTIME_CRATE}/{name}")));
                Value::Array(forwarded.chain(implied).collect()).to_string()
            }
        };
        out.push_str(&format!("{name} = {value}\n"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_entries_are_resolved_with_their_features() {
        let deps = runtime_dependencies().unwrap();
        // `uuid = { workspace = true }` in the runtime; the workspace adds `serde`.
        let uuid = deps["uuid"].as_table().unwrap();
        assert!(uuid["version"].as_str().is_some());
        assert!(uuid["features"].as_array().unwrap().iter().any(|f| f.as_str() == Some("serde")));
        assert!(!uuid.contains_key("workspace"));
        // The optional mock dependency stays optional.
        assert_eq!(deps["axum"].get("optional").and_then(Value::as_bool), Some(true));
    }

    #[test]
    fn a_crate_that_depends_on_the_runtime_lists_it_and_what_generated_code_names() {
        let text = dependencies_toml(&RuntimeSource::Version("0.1".into())).unwrap();
        let table: Table = format!("[dependencies]\n{text}").parse().unwrap();
        let deps = table["dependencies"].as_table().unwrap();
        assert_eq!(deps[RUNTIME_CRATE]["version"].as_str(), Some("0.1"));
        for name in GENERATED_CODE_CRATES {
            assert!(deps.contains_key(*name), "{name} missing from {text}");
        }
        assert!(!deps.contains_key("reqwest"), "the runtime brings reqwest: {text}");
        let vendored = dependencies_toml(&RuntimeSource::Vendored).unwrap();
        assert!(vendored.contains("reqwest = "), "{vendored}");
        assert!(!vendored.contains(RUNTIME_CRATE), "{vendored}");
    }

    #[test]
    fn features_forward_to_the_runtime_or_are_its_own_when_vendored() {
        let forwarded = features_toml(&RuntimeSource::Path("/r".into())).unwrap();
        assert!(forwarded.contains("mock = [\"openapi-client-runtime/mock\"]"), "{forwarded}");
        assert!(forwarded.contains("dispatch = [\"openapi-client-runtime/dispatch\"]"), "{forwarded}");
        // `cli` turns on the runtime's `dispatch`, so it turns on the crate's as well.
        assert!(forwarded.contains("cli = [\"openapi-client-runtime/cli\", \"dispatch\"]"), "{forwarded}");
        let own = features_toml(&RuntimeSource::Vendored).unwrap();
        assert!(own.contains("mock = [\"dep:axum\"]"), "{own}");
    }
}
