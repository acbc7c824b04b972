//! The build-script entry point, used as a downstream crate uses it: a crate whose build.rs
//! calls `openapi_client_gen::build`, whose lib.rs `include!`s the module, and which depends
//! on the runtime crate. `cargo check` must pass, and the module must hold the API.

use std::fs;
use std::path::Path;
use std::process::Command;

use openapi_client_gen::manifest::{dependencies_toml, features_toml, RuntimeSource};

#[test]
fn a_crate_generates_its_client_in_its_build_script() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap();
    let krate = Path::new(env!("CARGO_TARGET_TMPDIR")).join("build-script-crate");
    let _ = fs::remove_dir_all(&krate);
    fs::create_dir_all(krate.join("src")).unwrap();
    fs::copy(workspace.join("tests/corpus/oai/petstore.yaml"), krate.join("petstore.yaml")).unwrap();
    let runtime = RuntimeSource::Path(workspace.join("generator/runtime"));
    let dependencies = dependencies_toml(&runtime).unwrap();
    // The module's mock server is gated on the crate's own `mock` feature.
    let features = features_toml(&runtime).unwrap();
    let manifest = format!(
        "[package]\nname = \"petstore-build\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [workspace]\n\n[dependencies]\n{dependencies}\n[features]\n{features}\n[build-dependencies]\n\
         openapi-client-gen = {{ path = {:?}, default-features = false }}\n",
        workspace.join("generator/cli").display().to_string()
    );
    fs::write(krate.join("Cargo.toml"), manifest).unwrap();
    fs::write(
        krate.join("build.rs"),
        "fn main() {\n    openapi_client_gen::build::Build::new(\"petstore.yaml\")\n        .derive(\"Hash\")\n        .derive(\"Eq\")\n        .type_name(\"Pet\", \"Animal\")\n        .write(\"petstore.rs\")\n        .unwrap();\n}\n",
    )
    .unwrap();
    fs::write(
        krate.join("src/lib.rs"),
        "//! A client generated at build time.\n\n\
         #[allow(clippy::all, missing_docs)]\n\
         pub mod petstore {\n    include!(concat!(env!(\"OUT_DIR\"), \"/petstore.rs\"));\n}\n\n\
         /// The generated API is there, typed.\n\
         pub fn client(url: &str) -> petstore::Client {\n    petstore::Client::builder(url).build().unwrap()\n}\n\n\
         /// A generated type, under the name the build script chose, with the derives it asked for.\n\
         pub fn pet(p: &petstore::types::Animal) -> i64 {\n    hashable(p);\n    p.id\n}\n\n\
         fn hashable<T: std::hash::Hash + Eq>(_: &T) {}\n",
    )
    .unwrap();
    // The workspace's lock file pins versions that are already downloaded: the check works
    // offline. The corpus run's target folder already holds the runtime's dependencies.
    fs::copy(workspace.join("Cargo.lock"), krate.join("Cargo.lock")).unwrap();
    let output = Command::new(env!("CARGO"))
        .current_dir(&krate)
        .args(["check", "--offline", "--quiet", "--message-format=short"])
        .env("CARGO_TARGET_DIR", workspace.join("target/corpus-target"))
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .output()
        .expect("cargo runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "cargo check of the build-script crate failed:\n{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
}
