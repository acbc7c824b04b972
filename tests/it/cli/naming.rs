//! The names of commands: the Veeam tree is consistent (no flag or command twice, which clap
//! checks), the names the README promises exist, and the generator's naming rule resolves
//! collisions the same way every time.

use veeam_client::runtime::cli::{api_subcommands, CliApi, CliClient, RESERVED_FLAGS};
use veeam_client::{em, vbr};

/// The generator keeps its own copy of the runtime's reserved flags (it does not depend on the
/// runtime): the two must name the same flags, or a generated parameter could take a flag the
/// runtime defines, or be renamed away from one it does not.
#[test]
fn the_generator_reserves_the_runtimes_flags() {
    let sorted = |flags: &[&'static str]| {
        let mut flags = flags.to_vec();
        flags.sort_unstable();
        flags
    };
    assert_eq!(sorted(generator::CLI_RESERVED_FLAGS), sorted(RESERVED_FLAGS));
}

#[test]
fn the_veeam_command_tree_is_consistent() {
    // Every operation's command, every flag: clap's own check fails on a duplicate name, a
    // flag clashing with a global one, or a bad default.
    veeam_cli::command().debug_assert();
}

fn command_names(api: &'static CliApi) -> Vec<String> {
    api.operations
        .iter()
        .map(|o| match o.group {
            Some(g) => format!("{} {}", api.groups[g].name, o.name),
            None => o.name.to_owned(),
        })
        .collect()
}

#[test]
fn operations_have_the_names_operators_type() {
    let vbr = command_names(<vbr::Client as CliClient>::api());
    for name in [
        "jobs list",
        "jobs start",
        "jobs stop",
        "jobs get",
        "credentials list",
        "credentials create",
        "sessions get",
        "sessions list",
        "repositories list",
        "login-api logout",
        "jobs list-states",
    ] {
        assert!(vbr.iter().any(|n| n == name), "no `veeam {name}`");
    }
    assert_eq!(vbr.len(), 521, "a command per operation");
    let em = command_names(<em::Client as CliClient>::api());
    assert!(em.iter().any(|n| n == "passwords edit-hint"), "{em:?}");
    // `veeam em` and the commands of the tool itself are never a group of the API.
    let commands = api_subcommands(<vbr::Client as CliClient>::api());
    let groups: Vec<&str> = commands.iter().map(|c| c.get_name()).collect();
    for own in ["em", "login", "logout", "profiles", "completions"] {
        assert!(!groups.contains(&own), "`{own}` is a group of the VBR API");
    }
}

#[test]
fn no_parameter_takes_a_flag_of_the_command_line() {
    for api in [<vbr::Client as CliClient>::api(), <em::Client as CliClient>::api()] {
        for op in api.operations {
            for arg in op.args.iter().chain(op.body.iter().flat_map(|b| b.flags)) {
                assert!(!RESERVED_FLAGS.contains(&arg.flag), "{}: --{}", op.id, arg.flag);
            }
        }
    }
}

/// Operations whose short names collide keep their whole operationId; what still collides
/// is numbered, in spec order; a tag named like a command of the tool is renamed.
#[test]
fn colliding_names_are_resolved_in_one_scope() {
    let yaml = r#"
openapi: 3.0.3
info: {title: t, version: '1'}
tags: [{name: Jobs}, {name: Login}]
paths:
  /jobs:
    get: {operationId: GetAllJobs, tags: [Jobs], responses: {'204': {description: ok}}}
  /jobs/{id}/start:
    post:
      operationId: StartJob
      tags: [Jobs]
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {'204': {description: ok}}
  /jobs/start:
    post: {operationId: StartJobs, tags: [Jobs], responses: {'204': {description: ok}}}
  /login:
    post: {operationId: Login, tags: [Login], responses: {'204': {description: ok}}}
  /ping:
    get: {operationId: ping, responses: {'204': {description: ok}}}
"#;
    let doc = generator::Document::parse("t.yaml", yaml).unwrap();
    let opts = generator::Options { cli: true, ..generator::Options::default() };
    let generated = generator::generate(&doc, &opts).unwrap();
    let cli = generated.api.cli.as_ref().unwrap();
    let names: Vec<(Option<&str>, &str)> =
        cli.commands.iter().map(|c| (c.group.map(|g| cli.groups[g].name.as_str()), c.name.as_str())).collect();
    assert_eq!(
        names,
        [
            (Some("jobs"), "list"),
            // `StartJob` and `StartJobs` are both `start` without the tag's words.
            (Some("jobs"), "start-job"),
            (Some("jobs"), "start-jobs"),
            (Some("login-api"), "create"),
            (None, "ping"),
        ]
    );
    assert!(generated.files["cli.rs"].contains("pub static API: CliApi"));
}
