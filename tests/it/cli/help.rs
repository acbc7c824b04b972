//! `--help` of a few commands, as an operator reads them (100 columns): the names, the flags
//! typed from the spec (enums as value lists), the spec's descriptions, and the paging and
//! waiting notes.

use veeam_cli::Exit;

use super::Operator;

async fn help(args: &[&str]) -> String {
    let run = Operator::new("help").run(args, "").await.expect(Exit::Success);
    assert_eq!(run.stderr, "");
    run.stdout
}

#[tokio::test]
async fn help_of_a_group_lists_its_commands() {
    insta::assert_snapshot!("cli_help_jobs", help(&["jobs", "--help"]).await);
}

#[tokio::test]
async fn help_of_a_paged_command() {
    insta::assert_snapshot!("cli_help_jobs_list", help(&["jobs", "list", "--help"]).await);
}

#[tokio::test]
async fn help_of_a_long_running_command_with_a_name_lookup_and_body_flags() {
    insta::assert_snapshot!("cli_help_jobs_start", help(&["jobs", "start", "--help"]).await);
}

#[tokio::test]
async fn help_of_login_and_of_enterprise_manager() {
    insta::assert_snapshot!("cli_help_login", help(&["login", "--help"]).await);
    insta::assert_snapshot!("cli_help_em", help(&["em", "--help"]).await);
}

#[tokio::test]
async fn completions_for_every_shell() {
    let op = Operator::new("completions");
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let run = op.run(&["completions", shell], "").await.expect(Exit::Success);
        assert!(run.stdout.contains("jobs") && run.stdout.contains("start"), "{shell}");
    }
    op.run(&["completions", "tcsh"], "").await.expect(Exit::Usage);
}
