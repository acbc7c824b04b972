//! The installed command line, run as a user runs it: help for every command, a crate that
//! depends on the runtime crate (or carries a copy), modules kept current, and a bad
//! document reported with its file and pointer.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_openapi-client-gen"))
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("the binary runs")
}

/// `generate` of the corpus's petstore.yaml into `out`, with `extra` flags.
fn generate(out: &Path, extra: &[&str]) -> Output {
    let spec = workspace().join("tests/corpus/oai/petstore.yaml");
    let mut args =
        vec!["generate", "--spec", spec.to_str().unwrap(), "--out", out.to_str().unwrap(), "--name", "petstore"];
    args.extend_from_slice(extra);
    run(&args)
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// A fresh scratch folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn every_command_has_help_that_exits_zero() {
    for (args, expect) in [
        (&["--help"][..], "generate"),
        (&["generate", "--help"], "--runtime-git"),
        (&["generate", "--help"], "--vendor-runtime"),
        (&["generate", "--help"], "--no-tag-features"),
        (&["modules", "--help"], "codegen.toml"),
        (&["check", "--help"], "--deny-warnings"),
        (&["help", "generate"], "--spec"),
        (&["--version"], env!("CARGO_PKG_VERSION")),
    ] {
        let out = run(args);
        assert!(out.status.success(), "{args:?} failed: {}", text(&out));
        assert!(text(&out).contains(expect), "{args:?} lacks `{expect}`:\n{}", text(&out));
    }
    // A wrong flag is a usage error (exit 2) that names it, not a panic.
    let out = run(&["generate", "--spek", "x"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("--spek"), "{}", text(&out));
}

#[test]
fn a_generated_crate_depends_on_the_runtime_crate() {
    let out_dir = scratch("depends");
    let out = generate(&out_dir, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let manifest = fs::read_to_string(out_dir.join("Cargo.toml")).unwrap();
    let runtime = workspace().join("generator/runtime").display().to_string();
    assert!(manifest.contains(&format!("openapi-client-runtime = {{ path = {runtime:?} }}")), "{manifest}");
    assert!(!manifest.contains("reqwest"), "the runtime crate brings reqwest: {manifest}");
    assert!(manifest.contains("mock = [\"openapi-client-runtime/mock\"]"), "{manifest}");
    let lib = fs::read_to_string(out_dir.join("src/lib.rs")).unwrap();
    assert!(lib.contains("pub use openapi_client_runtime as runtime;"), "{lib}");
    assert!(!out_dir.join("src/runtime").exists());
    let client = fs::read_to_string(out_dir.join("src/api/client.rs")).unwrap();
    assert!(client.contains("::openapi_client_runtime::"), "generated code names the runtime crate");

    // Pinned to a git revision instead.
    let git_dir = scratch("git");
    let out =
        generate(&git_dir, &["--runtime-git", "https://example.com/veeam-openapi-rs.git", "--runtime-rev", "v0.1.0"]);
    assert!(out.status.success(), "{}", text(&out));
    let manifest = fs::read_to_string(git_dir.join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains(
            "openapi-client-runtime = { git = \"https://example.com/veeam-openapi-rs.git\", rev = \"v0.1.0\" }"
        ),
        "{manifest}"
    );
    // Two runtime sources at once are refused.
    let out = generate(&git_dir, &["--vendor-runtime", "--runtime-version", "0.1"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

#[test]
fn a_crate_generated_with_a_command_line_has_its_binary() {
    let out_dir = scratch("cli");
    let out = generate(&out_dir, &["--cli"]);
    assert!(out.status.success(), "{}", text(&out));
    let manifest = fs::read_to_string(out_dir.join("Cargo.toml")).unwrap();
    // The `cli` feature turns on the crate's `dispatch`, whose module the table calls.
    assert!(manifest.contains("cli = [\"openapi-client-runtime/cli\", \"dispatch\"]"), "{manifest}");
    assert!(manifest.contains("required-features = [\"cli\"]"), "{manifest}");
    let bin = fs::read_to_string(out_dir.join("src/bin/petstore.rs")).unwrap();
    assert!(bin.contains("runtime::cli::run_main::<"), "{bin}");
    let module = fs::read_to_string(out_dir.join("src/api/mod.rs")).unwrap();
    assert!(module.contains("#[cfg(feature = \"cli\")]\npub mod cli;"), "{module}");
    assert!(out_dir.join("src/api/cli.rs").exists());
}

#[test]
fn a_vendored_crate_carries_the_runtime_and_its_dependencies() {
    let out_dir = scratch("vendored");
    let out = generate(&out_dir, &["--vendor-runtime"]);
    assert!(out.status.success(), "{}", text(&out));
    let manifest = fs::read_to_string(out_dir.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("reqwest = "), "{manifest}");
    assert!(!manifest.contains("openapi-client-runtime"), "{manifest}");
    assert!(manifest.contains("mock = [\"dep:axum\"]"), "{manifest}");
    assert!(out_dir.join("src/runtime/mod.rs").exists());
    assert!(out_dir.join("src/runtime/mock/mod.rs").exists());
    let lib = fs::read_to_string(out_dir.join("src/lib.rs")).unwrap();
    assert!(lib.contains("pub mod runtime;"), "{lib}");
}

#[test]
fn modules_are_written_then_reported_current_and_stale_files_are_named() {
    let dir = scratch("modules");
    fs::copy(workspace().join("tests/corpus/oai/petstore.yaml"), dir.join("petstore.yaml")).unwrap();
    let config = dir.join("codegen.toml");
    fs::write(&config, "command = \"make api\"\n[[module]]\nspec = \"petstore.yaml\"\nout = \"src/petstore\"\n")
        .unwrap();
    let config = config.to_str().unwrap();

    let out = run(&["modules", "--config", config, "--check"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("src/petstore/client.rs"), "{}", text(&out));
    assert!(text(&out).contains("run `make api`"), "{}", text(&out));

    let out = run(&["modules", "--config", config]);
    assert!(out.status.success(), "{}", text(&out));
    let client = fs::read_to_string(dir.join("src/petstore/client.rs")).unwrap();
    assert!(client.starts_with("// @generated by `make api`"), "{}", &client[..100]);
    assert!(run(&["modules", "--config", config, "--check"]).status.success());

    // A hand edit is drift; a file generation no longer makes is stale too.
    fs::write(dir.join("src/petstore/extra.rs"), "// left over\n").unwrap();
    let out = run(&["modules", "--config", config, "--check"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("extra.rs"), "{}", text(&out));
    // An unknown key in the config is refused by name.
    fs::write(dir.join("bad.toml"), "[[module]]\nspec = \"a.yaml\"\nout = \"b\"\nderive = 1\n").unwrap();
    let out = run(&["modules", "--config", dir.join("bad.toml").to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(text(&out).contains("derive"), "{}", text(&out));
}

#[test]
fn a_bad_document_is_reported_with_its_file_and_pointer() {
    let dir = scratch("bad");
    let spec = dir.join("broken.yaml");
    fs::write(&spec, "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses: 7\n")
        .unwrap();
    let out = run(&["check", "--spec", spec.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("broken.yaml#/paths/~1a/get/responses"), "{}", text(&out));
    assert!(!text(&out).contains("panicked"), "{}", text(&out));
    let out = run(&["check", "--spec", dir.join("missing.yaml").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("missing.yaml"), "{}", text(&out));
}

#[test]
fn derives_and_type_names_are_settings_and_bad_ones_are_reported() {
    let out_dir = scratch("settings");
    let out = generate(
        &out_dir,
        &["--derive", "Hash", "--derive", "Eq", "--type-name", "Pet=Animal", "--type-name", "Nope=Never"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let types = fs::read_to_string(out_dir.join("src/api/types.rs")).unwrap();
    assert!(types.contains("pub struct Animal"), "{types}");
    assert!(!types.contains("pub struct Pet "), "{types}");
    assert!(types.contains("#[derive(Hash, Eq)]"), "{types}");
    // A name for a schema the document lacks is a warning that names it.
    assert!(text(&out).contains("`Nope`"), "{}", text(&out));
    // A derive that is not a Rust path is an error, not broken code.
    let out = generate(&out_dir, &["--derive", "not a path"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("derive `not a path` is not a Rust path"), "{}", text(&out));
    let out = generate(&out_dir, &["--type-name", "Pet"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}
