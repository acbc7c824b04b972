//! The `veeam` binary itself, as a shell runs it: help on standard output with exit 0, no
//! flag that takes a password (usage, exit 2), and a command without a login (exit 4). The
//! commands' behaviour is tested in-process (`tests/it/cli`), against the mock server.

use std::process::{Command, Output};

fn veeam(args: &[&str]) -> Output {
    let config = std::env::temp_dir().join(format!("veeam-binary-{}", std::process::id()));
    Command::new(env!("CARGO_BIN_EXE_veeam"))
        .args(args)
        .env("VEEAM_CONFIG_DIR", &config)
        .env("VEEAM_CREDENTIAL_STORE", "file")
        .env_remove("VEEAM_PROFILE")
        .output()
        .expect("running veeam")
}

#[test]
fn the_binary_answers_with_its_exit_codes() {
    let help = veeam(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(text.contains("jobs") && text.contains("login") && text.contains("Exit codes:"), "{text}");

    let bash = veeam(&["completions", "bash"]);
    assert_eq!(bash.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&bash.stdout).contains("_veeam"));

    let password = veeam(&["login", "https://vbr.example.com:9419", "--user", "admin", "--password", "hunter2"]);
    assert_eq!(password.status.code(), Some(2), "no flag takes a password");

    let no_login = veeam(&["jobs", "list"]);
    assert_eq!(no_login.status.code(), Some(4));
    let stderr = String::from_utf8_lossy(&no_login.stderr);
    assert!(stderr.contains("run `veeam login --profile default URL` first"), "{stderr}");
}
