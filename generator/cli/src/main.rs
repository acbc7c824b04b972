//! `openapi-client-gen`: the command line over the library (see `lib.rs`).

// Generation allocates and frees millions of small token trees; mimalloc does that in
// about two thirds of the time the system allocator takes.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};
use openapi_client_gen::config::Config;
use openapi_client_gen::manifest::RuntimeSource;
use openapi_client_gen::{modules, standalone};

/// Generate a typed async Rust client from an OpenAPI 3.0, 3.1 or 3.2 document (JSON or YAML,
/// one file or many).
///
/// Problems in the document are reported with the file and JSON pointer; what cannot be
/// typed well degrades to a looser type with a warning, and nothing panics.
#[derive(Parser)]
#[command(name = "openapi-client-gen", version, propagate_version = true, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate a standalone crate (Cargo.toml, src/) from a document.
    ///
    /// The crate depends on the runtime crate `openapi-client-runtime`: by default the copy in
    /// the checkout this tool was installed from; --runtime-git, --runtime-version or
    /// --runtime-path name another, and --vendor-runtime copies the runtime's sources into
    /// the crate instead.
    #[command(
        after_help = "Example:\n  openapi-client-gen generate --spec petstore.yaml --out petstore-client --name petstore-client"
    )]
    Generate(Generate),
    /// Regenerate the modules a codegen.toml lists, in place (or check they are current).
    ///
    /// For generated code checked into a crate: each module is a folder (mod.rs, types.rs,
    /// client.rs, mock.rs) written from its spec. Only files whose contents change are written.
    #[command(
        after_help = "codegen.toml:\n  root = \"..\"                  # module paths are relative to this (itself relative to the file)\n  command = \"cargo xtask codegen\"\n  [[module]]\n  spec = \"spec/vbr.yaml\"\n  out = \"generated-client/src/vbr\"\n  runtime = \"crate::runtime\"     # default ::openapi_client_runtime\n  deny-warnings = true\n  strict-inline-names = true\n  features-per-tag = false\n  cli = true                     # also cli.rs: the API as a command line (feature `cli`)"
    )]
    Modules(ModulesArgs),
    /// Check a document without writing anything: print its warnings and what it would give.
    Check(CheckArgs),
}

#[derive(Args)]
struct Generate {
    /// The document's root file (JSON or YAML); the files its $refs name are read relative to it.
    #[arg(long, value_name = "PATH")]
    spec: PathBuf,
    /// The folder the crate is written to (created if missing; generated files are overwritten).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The crate's name (letters, digits, - and _).
    #[arg(long, value_name = "CRATE")]
    name: String,
    #[command(flatten)]
    runtime: RuntimeArgs,
    /// With --runtime-git: the commit, tag or branch to pin.
    #[arg(long, value_name = "REV", requires = "runtime_git")]
    runtime_rev: Option<String>,
    /// Put every operation in the crate unconditionally, without a cargo feature per tag.
    #[arg(long)]
    no_tag_features: bool,
    /// Add a derive to every generated data type (repeatable): `--derive Hash --derive
    /// schemars::JsonSchema` (the crate must then depend on what the derive names).
    #[arg(long = "derive", value_name = "PATH")]
    derives: Vec<String>,
    /// Give a component schema a Rust name of your choosing (repeatable):
    /// `--type-name CredentialsModel=Credential`. Collisions are still reported.
    #[arg(long = "type-name", value_name = "SCHEMA=NAME", value_parser = parse_type_name)]
    type_names: Vec<(String, String)>,
    /// Also generate the API as a command line: the module `api::cli` (cargo feature `cli`)
    /// and a binary named after the crate, `src/bin/CRATE.rs` (`cargo run --features cli --
    /// --help`).
    #[arg(long)]
    cli: bool,
    #[command(flatten)]
    strictness: Strictness,
}

fn parse_type_name(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((schema, rust)) if !schema.is_empty() && !rust.is_empty() => Ok((schema.to_owned(), rust.to_owned())),
        _ => Err(format!("`{s}`: expected SCHEMA=NAME")),
    }
}

#[derive(Args)]
#[group(multiple = false)]
struct RuntimeArgs {
    /// Depend on the runtime crate at this path.
    #[arg(long, value_name = "DIR")]
    runtime_path: Option<PathBuf>,
    /// Depend on the runtime crate from this git repository.
    #[arg(long, value_name = "URL")]
    runtime_git: Option<String>,
    /// Depend on the runtime crate from the registry with this version requirement.
    #[arg(long, value_name = "REQ")]
    runtime_version: Option<String>,
    /// Copy the runtime's sources into the crate (src/runtime/) instead of depending on it.
    #[arg(long)]
    vendor_runtime: bool,
}

impl RuntimeArgs {
    fn source(&self, rev: Option<&String>) -> RuntimeSource {
        if let Some(path) = &self.runtime_path {
            RuntimeSource::Path(path.canonicalize().unwrap_or_else(|_| path.clone()))
        } else if let Some(url) = &self.runtime_git {
            RuntimeSource::Git { url: url.clone(), rev: rev.cloned() }
        } else if let Some(version) = &self.runtime_version {
            RuntimeSource::Version(version.clone())
        } else if self.vendor_runtime {
            RuntimeSource::Vendored
        } else {
            RuntimeSource::Path(openapi_client_gen::manifest::runtime_dir())
        }
    }
}

#[derive(Args)]
struct Strictness {
    /// Treat every warning as an error (a curated spec must be fully typed).
    #[arg(long)]
    deny_warnings: bool,
}

#[derive(Args)]
struct ModulesArgs {
    /// The config that lists the modules.
    #[arg(long, value_name = "FILE", default_value = "codegen.toml")]
    config: PathBuf,
    /// Write nothing; fail and name the stale files if any module is out of date.
    #[arg(long)]
    check: bool,
}

#[derive(Args)]
struct CheckArgs {
    /// The document's root file.
    #[arg(long, value_name = "PATH")]
    spec: PathBuf,
    #[command(flatten)]
    strictness: Strictness,
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Generate(args) => {
            let settings = standalone::Settings {
                runtime: args.runtime.source(args.runtime_rev.as_ref()),
                features_per_tag: !args.no_tag_features,
                deny_warnings: args.strictness.deny_warnings,
                derives: args.derives,
                type_names: args.type_names.into_iter().collect(),
                cli: args.cli,
                ..standalone::Settings::new(&args.name)
            };
            let report = standalone::generate_crate(&args.spec, &args.out, &settings)?;
            for w in &report.warnings {
                eprintln!("{w}");
            }
            println!(
                "generated {} in {}: {} operations, {} types, {} warnings, {} features ({:.0} ms)",
                args.name,
                args.out.display(),
                report.operations,
                report.types,
                report.warnings.len(),
                report.features.len(),
                report.generate_time.as_secs_f64() * 1000.0
            );
        }
        Command::Modules(args) => {
            let config = Config::read(&args.config)?;
            if args.check {
                modules::ensure_fresh(&config)?;
                println!("generated files are up to date");
            } else {
                let changed = modules::run(&config, false)?;
                if changed.is_empty() {
                    println!("generated files are up to date");
                }
                for f in changed {
                    println!("wrote {}", config.root.join(f).display());
                }
            }
        }
        Command::Check(args) => {
            let doc = openapi_client_gen::load(&args.spec)?;
            let opts = generator::Options {
                deny_warnings: args.strictness.deny_warnings,
                item_sources: false,
                ..generator::Options::default()
            };
            let generated =
                generator::generate(&doc, &opts).map_err(|d| anyhow::anyhow!("the spec has problems:\n{d}"))?;
            for w in &generated.warnings {
                eprintln!("{w}");
            }
            println!(
                "{}: {} operations, {} types, {} warnings",
                args.spec.display(),
                generated.api.operations.len(),
                generated.api.types.len(),
                generated.warnings.len()
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
