//! `codegen.toml`: the modules a project keeps generated, and how.
//!
//! ```toml
//! root = ".."                       # paths below are relative to this, itself relative to the file
//! command = "cargo xtask codegen"   # named in each file's do-not-edit header
//!
//! [[module]]
//! spec = "spec/vbr.yaml"            # headers and diagnostics name it so
//! out = "generated-client/src/vbr"
//! runtime = "crate::runtime"        # default: ::openapi_client_runtime
//! deny-warnings = true              # a curated spec must be fully typed
//! derives = ["Hash"]                # added to every generated data type
//! type-names = { CredentialsModel = "Credential" }   # a Rust name for a schema
//! cli = true                        # also `cli.rs`: the API as a command line (feature `cli`)
//! ```

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;

/// A parsed `codegen.toml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The folder module paths are relative to, itself relative to the config file's folder.
    #[serde(default = "default_root")]
    pub root: PathBuf,
    /// The command that regenerates the modules, for headers and stale-file messages.
    #[serde(default = "default_command")]
    pub command: String,
    /// The modules, in order.
    #[serde(rename = "module", default)]
    pub modules: Vec<Module>,
}

fn default_root() -> PathBuf {
    PathBuf::from(".")
}

fn default_command() -> String {
    "openapi-client-gen modules".to_owned()
}

/// One spec and the module generated from it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Module {
    /// The spec's root file, relative to the config's `root`.
    pub spec: PathBuf,
    /// The module's folder (it gets `mod.rs`, `types.rs`, `client.rs`, `mock.rs`), relative
    /// to the config's `root`.
    pub out: PathBuf,
    /// Where the generated module finds the runtime, e.g. `crate::runtime` or
    /// `::openapi_client_runtime` (the default).
    #[serde(default = "default_runtime")]
    pub runtime: String,
    /// Every warning is an error.
    #[serde(default)]
    pub deny_warnings: bool,
    /// Warn when an inline schema's derived name is taken and it gets a suffix.
    #[serde(default)]
    pub strict_inline_names: bool,
    /// Gate each operation behind a cargo feature per tag.
    #[serde(default)]
    pub features_per_tag: bool,
    /// Derives added to every generated data type, e.g. `["Hash", "schemars::JsonSchema"]`.
    #[serde(default)]
    pub derives: Vec<String>,
    /// Rust names for component schemas: `{ CredentialsModel = "Credential" }`.
    #[serde(default)]
    pub type_names: std::collections::BTreeMap<String, String>,
    /// Also generate `cli.rs` (cargo feature `cli`): the API as a command line.
    #[serde(default)]
    pub cli: bool,
}

fn default_runtime() -> String {
    "::openapi_client_runtime".to_owned()
}

impl Config {
    /// Parses `text`, the contents of `file` (named in errors).
    pub fn parse(file: &Path, text: &str) -> Result<Self> {
        toml::from_str(text).with_context(|| format!("{}: not a valid codegen config", file.display()))
    }

    /// Reads and parses the config file at `file`, and makes its `root` a path from the
    /// current directory (or absolute, as `file` is).
    pub fn read(file: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        let mut config = Self::parse(file, &text)?;
        config.root = file.parent().unwrap_or(Path::new("")).join(&config.root);
        Ok(config)
    }
}

impl Module {
    /// The generator's options for this module; `source` is the spec as headers name it.
    pub fn options(&self, command: &str, source: &str) -> generator::Options {
        generator::Options {
            runtime_path: self.runtime.clone(),
            deny_warnings: self.deny_warnings,
            strict_inline_names: self.strict_inline_names,
            features_per_tag: self.features_per_tag,
            command: command.to_owned(),
            source: source.to_owned(),
            item_sources: false,
            derives: self.derives.clone(),
            type_names: self.type_names.clone(),
            cli: self.cli,
        }
    }
}
