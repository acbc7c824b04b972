//! The command line the generator gives any document: the runtime's generic program
//! (`runtime::cli::run`) over the VBR client against the mock, logging in from its flags; and
//! the command lines generated for a few documents of the corpus, which compile and answer
//! `--help`.

use std::fs;
use std::path::Path;
use std::process::Command;

use openapi_client_gen::manifest::{self, RuntimeSource};
use veeam_client::runtime::cli::{run, Exit, Io};
use veeam_client::vbr::{self, mock::MockServer};

/// The generic program needs nothing kept between runs: the credentials come with each
/// command (`--user` with `--password-env`), and the answer is printed as asked.
#[tokio::test]
async fn the_generic_program_logs_in_from_its_flags() {
    let server = MockServer::start().await.unwrap();
    server.accept_login("admin", "pw");
    let url = server.url();
    let outcome = tokio::task::spawn_blocking(move || {
        let (io, captured) = Io::captured("", &[("VBR_PASSWORD", "pw")]);
        let args = [
            "vbr",
            "--url",
            &url,
            "--user",
            "admin",
            "--password-env",
            "VBR_PASSWORD",
            "-o",
            "yaml",
            "services",
            "list",
        ];
        let exit = run::<vbr::Client, _, _>("vbr", args, &io);
        let without = run::<vbr::Client, _, _>("vbr", ["vbr", "--url", &url, "services", "list"], &io);
        (exit, without, captured.stdout(), captured.stderr())
    })
    .await
    .unwrap();
    let (exit, without, stdout, stderr) = outcome;
    assert_eq!(exit, Exit::Success, "{stderr}");
    assert!(stdout.starts_with("data:\n"), "{stdout}");
    assert_eq!(without, Exit::Auth, "no credentials: 401 is an authentication failure");
    assert!(stderr.contains("401"), "{stderr}");
}

/// Documents of the corpus, by the module each becomes: tags or none, API keys, JSON and YAML.
const DOCUMENTS: &[(&str, &str)] = &[
    ("petstore", "oai/petstore.yaml"),
    ("giphy", "real/giphy.com.json"),
    ("worldtimeapi", "real/worldtimeapi.org.json"),
    ("xkcd", "real/xkcd.com.json"),
];

/// Generates each document's module with its command line into one scratch crate with one
/// binary that runs the one its first argument names, builds it (in the target folder
/// `compile_fixtures` uses, so their dependencies are built once), and asks each for `--help`.
#[test]
fn command_lines_generated_from_the_corpus_compile_and_answer_help() {
    let _turn = crate::support::exclusive();
    let corpus = crate::support::project::require_corpus().unwrap();
    let root = crate::support::project::workspace_root();
    let krate = root.join("target/compile-cli");
    let src = krate.join("src");
    fs::create_dir_all(src.join("bin")).unwrap();
    let mut lib = String::from("//! Command lines generated from the corpus by `tests/it/cli/generated.rs`.\n\n");
    let mut arms = String::new();
    for (module, doc) in DOCUMENTS {
        let spec = crate::support::project::load_spec(&corpus, doc).unwrap();
        let opts = generator::Options {
            runtime_path: "::openapi_client_runtime".into(),
            cli: true,
            item_sources: false,
            ..generator::Options::default()
        };
        let generated = generator::generate(&spec, &opts).unwrap_or_else(|e| panic!("{doc}: {e}"));
        assert!(generated.files.contains_key("cli.rs"), "{doc}");
        let dir = src.join(module);
        fs::create_dir_all(&dir).unwrap();
        for (name, contents) in &generated.files {
            write_if_changed(&dir.join(name), contents);
        }
        lib.push_str(&format!("#[allow(missing_docs, clippy::all)]\npub mod {module};\n"));
        arms.push_str(&format!(
            "        \"{module}\" => cli::run::<compile_cli::{module}::Client, _, _>(\"{module}\", args, &io),\n"
        ));
    }
    write_if_changed(&src.join("lib.rs"), &lib);
    let main = format!(
        "use openapi_client_runtime::cli;\n\n\
         fn main() -> std::process::ExitCode {{\n    \
         let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();\n    \
         let which = args.remove(1);\n    \
         let io = cli::Io::process();\n    \
         let exit = match which.to_str().unwrap_or(\"\") {{\n{arms}        _ => return std::process::ExitCode::from(99),\n    }};\n    \
         exit.into()\n}}\n"
    );
    write_if_changed(&src.join("bin/compile-cli.rs"), &main);
    let source = RuntimeSource::Path(root.join("generator/runtime"));
    let manifest = format!(
        "[package]\nname = \"compile-cli\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         # Not a member of the surrounding workspace.\n[workspace]\n\n[dependencies]\n{}\n[features]\n\
         default = [\"cli\"]\n{}",
        manifest::dependencies_toml(&source).unwrap(),
        manifest::features_toml(&source).unwrap()
    );
    write_if_changed(&krate.join("Cargo.toml"), &manifest);
    write_if_changed(&krate.join("Cargo.lock"), &fs::read_to_string(root.join("Cargo.lock")).unwrap());

    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let target = root.join("target/compile-fixtures/target");
    let output = Command::new(cargo)
        .current_dir(&krate)
        .args(["build", "--offline", "--quiet", "--bin", "compile-cli"])
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .output()
        .expect("running cargo build");
    assert!(
        output.status.success(),
        "the generated command lines do not build:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let binary = target.join("debug").join(format!("compile-cli{}", std::env::consts::EXE_SUFFIX));
    for (module, _) in DOCUMENTS {
        let help = run_binary(&binary, &[module, "--help"]);
        assert!(help.contains("Usage:") && help.contains("completions"), "{module}:\n{help}");
    }
    // A tagged API has a group per tag, each with its commands.
    let giphy = run_binary(&binary, &["giphy", "gifs", "--help"]);
    assert!(giphy.contains("search"), "{giphy}");
    let petstore = run_binary(&binary, &["petstore", "pets", "list", "--help"]);
    assert!(petstore.contains("--limit <INT>"), "{petstore}");
}

fn run_binary(binary: &Path, args: &[&str]) -> String {
    let out = Command::new(binary).args(args).output().expect("running the generated command line");
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn write_if_changed(path: &Path, contents: &str) {
    if fs::read_to_string(path).ok().as_deref() != Some(contents) {
        fs::write(path, contents).unwrap();
    }
}
