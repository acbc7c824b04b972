//! The code generated for every fixture in `tests/fixtures/` compiles.
//!
//! All fixtures go into one scratch crate, one module each, that depends on `veeam-client` for
//! the runtime (`::veeam_client::runtime`), and one `cargo check` checks them all. The crate
//! lives in `target/compile-fixtures/` with its own target directory there, so after the first
//! run only the fixture modules that changed are checked again; files whose contents did not
//! change are not rewritten, which keeps their timestamps and so the check incremental.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use openapi_client_gen::manifest::RuntimeSource;
use serde_json::Value;

#[test]
fn every_fixture_compiles() {
    // `cargo check` keeps both cores busy.
    let _turn = crate::support::exclusive();
    let started = Instant::now();
    let root = crate::support::project::workspace_root();
    let krate = root.join("target/compile-fixtures");
    let src = krate.join("src");
    fs::create_dir_all(&src).unwrap();

    let mut modules = Vec::new();
    let mut generation_failures = Vec::new();
    for path in fixtures(&root.join("tests/fixtures")) {
        let named = if path.ends_with("openapi.yaml") { path.parent().unwrap() } else { path.as_path() };
        let stem = named.file_stem().unwrap().to_str().unwrap().to_owned();
        let module = generator::naming::snake_ident(&stem);
        assert_eq!(module, stem, "fixture names must be snake_case identifiers so they can be module names");
        match generate(&root, &path) {
            Ok(files) => {
                let dir = src.join(&module);
                fs::create_dir_all(&dir).unwrap();
                for (name, contents) in files {
                    write_if_changed(&dir.join(name), &contents);
                }
                modules.push(module);
            }
            Err(e) => generation_failures.push(format!("{}: {e}", path.display())),
        }
    }
    // Modules of fixtures that were removed (or no longer generate) must not linger.
    for entry in fs::read_dir(&src).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() && !modules.iter().any(|m| entry.file_name() == m.as_str()) {
            fs::remove_dir_all(entry.path()).unwrap();
        }
    }

    let mut lib = String::from(
        "//! One module per fixture in `tests/fixtures/`, written by `tests/it/compile_fixtures.rs`.\n\n\
         #![warn(missing_docs, rust_2018_idioms)]\n\n",
    );
    for m in &modules {
        lib.push_str(&format!("/// Generated from `tests/fixtures/{m}.yaml`.\npub mod {m};\n"));
    }
    write_if_changed(&src.join("lib.rs"), &lib);
    // Generated code names the runtime's dependencies by absolute path (`::serde`, `::uuid`,
    // …): the crate depends on them as the client does, from the client's own manifest.
    let source = RuntimeSource::Path(root.join("generator/runtime"));
    let dependencies = openapi_client_gen::manifest::dependencies_toml(&source).unwrap();
    // Each fixture's mock server (`{module}::mock`) is compiled too: the crate's `mock`
    // feature, on by default, turns on the runtime's.
    let manifest = format!(
        "[package]\nname = \"compile-fixtures\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         # Not a member of the surrounding workspace.\n[workspace]\n\n[features]\ndefault = [\"mock\"]\n\
         mock = [\"veeam-client/mock\"]\n\n[dependencies]\n\
         veeam-client = {{ path = {:?} }}\n{dependencies}",
        root.join("generated-client").display().to_string()
    );
    write_if_changed(&krate.join("Cargo.toml"), &manifest);
    // The workspace's lock file pins the same versions, which are already downloaded, so the
    // check works offline.
    write_if_changed(&krate.join("Cargo.lock"), &fs::read_to_string(root.join("Cargo.lock")).unwrap());

    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .current_dir(&krate)
        .args(["check", "--offline", "--quiet", "--message-format=json", "--lib"])
        .env("CARGO_TARGET_DIR", krate.join("target"))
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .output()
        .expect("running cargo check");

    let mut errors = Vec::new();
    let mut warnings: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(msg) = serde_json::from_str::<Value>(line) else { continue };
        if msg["reason"] != "compiler-message" || !msg["package_id"].as_str().unwrap_or("").contains("compile-fixtures")
        {
            continue;
        }
        let m = &msg["message"];
        let rendered = m["rendered"].as_str().unwrap_or("").to_owned();
        // Which fixture module the primary span is in.
        let file = m["spans"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["is_primary"] == true))
            .and_then(|s| s["file_name"].as_str())
            .unwrap_or("")
            .to_owned();
        match m["level"].as_str() {
            Some("error") if !file.is_empty() => errors.push(rendered),
            Some("warning") if !file.is_empty() => {
                let module = file.strip_prefix("src/").and_then(|f| f.split('/').next()).unwrap_or(&file).to_owned();
                warnings.entry(module).or_default().push(rendered);
            }
            _ => {}
        }
    }
    let warning_count: usize = warnings.values().map(Vec::len).sum();
    println!(
        "checked {} fixture modules in {:.1?}: {} errors, {} warnings",
        modules.len(),
        started.elapsed(),
        errors.len(),
        warning_count
    );
    for (module, ws) in &warnings {
        println!("{module}: {} warnings", ws.len());
        for w in ws {
            println!("{w}");
        }
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let mut failures = Vec::new();
    if !generation_failures.is_empty() {
        failures.push(format!("fixtures that do not generate:\n{}", generation_failures.join("\n")));
    }
    if !errors.is_empty() || !output.status.success() {
        failures.push(format!(
            "generated code does not compile ({} errors; scratch crate: {}):\n{}\n{stderr}",
            errors.len(),
            krate.display(),
            errors.join("\n")
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// `tests/fixtures/*.yaml`, sorted.
/// Each fixture's root file: `{name}.yaml`, or `{name}/openapi.yaml` for one split over many
/// files.
fn fixtures(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter_map(|p| match p.join("openapi.yaml") {
            split if split.exists() => Some(split),
            _ => p.extension().is_some_and(|e| e == "yaml").then_some(p),
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no fixtures in {}", dir.display());
    out
}

/// The module's files, generated the way a crate that uses the shared runtime would.
fn generate(root: &Path, path: &Path) -> Result<BTreeMap<String, String>, String> {
    let label = path.strip_prefix(root).unwrap_or(path).display().to_string();
    let doc = crate::support::project::load_spec(root, &label).map_err(|e| format!("{e:#}"))?;
    let opts = generator::Options { runtime_path: "::veeam_client::runtime".into(), ..generator::Options::default() };
    let generated = generator::generate(&doc, &opts).map_err(|e| e.to_string())?;
    Ok(generated.files)
}

fn write_if_changed(path: &Path, contents: &str) {
    if fs::read_to_string(path).ok().as_deref() != Some(contents) {
        fs::write(path, contents).unwrap();
    }
}
