//! The command line the generator gives any document: the runtime's generic program
//! (`runtime::cli::run`) over the VBR client against the mock, logging in from its flags; and
//! the command lines generated for a few documents of the corpus, which compile and answer
//! `--help`.

use veeam_client::runtime::cli::{run, CliClient, Exit, Io};
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

// Command lines generated for documents of the corpus (tags or none, API keys, JSON and
// YAML) by `cargo xtask codegen` (tests/codegen.toml), as a user's crate gets them: checked
// in, compiled into this test binary, stale ones caught by `codegen_fresh`.
#[allow(dead_code, unused_imports, missing_docs, clippy::all)]
#[path = "corpus/petstore/mod.rs"]
#[rustfmt::skip] // formatted by prettyplease, as generated
mod petstore;
#[allow(dead_code, unused_imports, missing_docs, clippy::all)]
#[path = "corpus/giphy/mod.rs"]
#[rustfmt::skip] // formatted by prettyplease, as generated
mod giphy;
#[allow(dead_code, unused_imports, missing_docs, clippy::all)]
#[path = "corpus/worldtimeapi/mod.rs"]
#[rustfmt::skip] // formatted by prettyplease, as generated
mod worldtimeapi;
#[allow(dead_code, unused_imports, missing_docs, clippy::all)]
#[path = "corpus/xkcd/mod.rs"]
#[rustfmt::skip] // formatted by prettyplease, as generated
mod xkcd;

/// What the command line generated for a document prints for `args` (which must succeed).
fn output<C: CliClient>(name: &'static str, args: &[&str]) -> String {
    let (io, captured) = Io::captured("", &[]);
    let exit = run::<C, _, _>(name, std::iter::once(name).chain(args.iter().copied()), &io);
    assert_eq!(exit, Exit::Success, "{name} {args:?}: {}", captured.stderr());
    captured.stdout()
}

/// The command lines generated for documents of the corpus compile (into this binary) and
/// answer `--help`, with a group per tag and typed flags.
#[test]
fn command_lines_generated_from_the_corpus_compile_and_answer_help() {
    let helps = [
        output::<petstore::Client>("petstore", &["--help"]),
        output::<giphy::Client>("giphy", &["--help"]),
        output::<worldtimeapi::Client>("worldtimeapi", &["--help"]),
        output::<xkcd::Client>("xkcd", &["--help"]),
    ];
    for help in &helps {
        assert!(help.contains("Usage:") && help.contains("completions"), "{help}");
    }
    // A tagged API has a group per tag, each with its commands.
    let giphy = output::<giphy::Client>("giphy", &["gifs", "--help"]);
    assert!(giphy.contains("search"), "{giphy}");
    let petstore = output::<petstore::Client>("petstore", &["pets", "list", "--help"]);
    assert!(petstore.contains("--limit <INT>"), "{petstore}");
}
