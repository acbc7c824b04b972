//! `openapi-spec` as a reviewer runs it, from a folder that is not this workspace: help for
//! every command, reports that name the files they read, and a diff of another API's
//! documents that names no crate of ours.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_openapi-spec")).current_dir(dir).args(args).output().expect("the binary runs")
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn petstore() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus/oai/petstore.yaml").canonicalize().unwrap()
}

#[test]
fn every_command_has_help_that_exits_zero() {
    let dir = scratch("help");
    for (args, expect) in [
        (&["--help"][..], "lint"),
        (&["fmt", "--help"], "--check"),
        (&["lint", "--help"], "operation-security-defined"),
        (&["lint", "--help"], "--ruleset"),
        (&["diff", "--help"], "--fail-on"),
        (&["audit", "--help"], "--against"),
        (&["split", "--help"], "--out"),
        (&["help", "diff"], "--old"),
    ] {
        let out = run_in(&dir, args);
        assert!(out.status.success(), "{args:?} failed: {}", text(&out));
        assert!(text(&out).contains(expect), "{args:?} lacks `{expect}`:\n{}", text(&out));
    }
    let out = run_in(&dir, &["lint"]);
    assert_eq!(out.status.code(), Some(2), "lint without a path is a usage error: {}", text(&out));
}

#[test]
fn a_diff_of_another_apis_documents_names_no_crate_of_ours() {
    let dir = scratch("diff");
    let old = dir.join("old.yaml");
    fs::copy(petstore(), &old).unwrap();
    let text_of = fs::read_to_string(&old).unwrap();
    // A looser request constraint and an extra operation: compatible, a minor release.
    let new_text = text_of.replace("operationId: listPets", "operationId: listPets\n      deprecated: true");
    fs::write(dir.join("new.yaml"), &new_text).unwrap();
    let out = run_in(&dir, &["diff", "--old", "old.yaml", "--new", "new.yaml", "--format", "text"]);
    assert!(out.status.success(), "{}", text(&out));
    let report = text(&out);
    assert!(report.contains("old.yaml → new.yaml"), "{report}");
    assert!(!report.contains("veeam-client"), "{report}");
}

#[test]
fn lint_and_fmt_read_the_paths_given_from_any_folder() {
    let dir = scratch("lint");
    fs::copy(petstore(), dir.join("api.yaml")).unwrap();
    let out = run_in(&dir, &["lint", "api.yaml"]);
    assert!(text(&out).contains("api.yaml"), "{}", text(&out));
    assert!(text(&out).contains("openapi-spec lint: 1 file(s)"), "{}", text(&out));
    // fmt --check reports, fmt rewrites, then --check passes.
    let out = run_in(&dir, &["fmt", "--check", "api.yaml"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("api.yaml"), "{}", text(&out));
    assert!(run_in(&dir, &["fmt", "api.yaml"]).status.success());
    let out = run_in(&dir, &["fmt", "--check", "api.yaml"]);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn split_writes_a_many_file_document() {
    let dir = scratch("split");
    let out = run_in(&dir, &["split", petstore().to_str().unwrap(), "--out", "parts"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(dir.join("parts/openapi.yaml").exists());
    assert!(dir.join("parts/components/schemas/Pet.yaml").exists());
}
