//! Running a command: the global flags, the client they configure, the login, and one
//! operation called and printed.

use std::ffi::OsString;
use std::future::Future;
use std::time::Duration;

use clap::builder::PossibleValuesParser;
use clap::{Arg, ArgAction, ArgMatches, Command};
use futures::StreamExt;
use serde_json::{json, Value};

use super::super::config::ClientBuilder;
use super::super::dispatch::Input;
use super::super::retry::RetryPolicy;
use super::super::secret::{collected, collecting};
use super::super::Secret;
use super::command::{self, api_subcommands, find_operation};
use super::exit::{exit_codes_help, CliError, Exit};
use super::io::LogWriter;
use super::output::{self, at, Format};
use super::table::{CliApi, CliOperation, Login, Lookup, SchemeKind};
use super::wait::{progress_display, WaitOptions};
use super::{CliClient, Io};

/// Output settings from the global flags.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Settings {
    /// How answers are printed.
    pub output: Format,
    /// `-v` given this many times.
    pub verbose: u8,
    /// The width of tables (the terminal's, or none when not printing to one).
    pub width: Option<usize>,
}

impl Settings {
    /// The settings the global flags of `matches` give (see [`output_args`]): a table on a
    /// terminal and JSON otherwise, unless `--output` says.
    pub fn from_matches(matches: &ArgMatches, io: &Io) -> Settings {
        let output = matches
            .try_get_one::<String>("output")
            .ok()
            .flatten()
            .and_then(|o| Format::parse(o))
            .unwrap_or(if io.stdout_is_terminal() { Format::Table } else { Format::Json });
        let verbose = matches.try_get_one::<u8>("verbose").ok().flatten().copied().unwrap_or(0);
        let width = io.width().or_else(|| {
            io.stdout_is_terminal().then(|| terminal_size::terminal_size().map(|(w, _)| usize::from(w.0))).flatten()
        });
        Settings { output, verbose, width }
    }
}

/// `-o/--output` and `-v/--verbose`, global.
pub fn output_args() -> Vec<Arg> {
    global(vec![
        Arg::new("output")
            .short('o')
            .long("output")
            .global(true)
            .value_name("FORMAT")
            .value_parser(PossibleValuesParser::new(Format::NAMES.iter().copied()))
            .help("How answers are printed [default: table on a terminal, json otherwise]"),
        Arg::new("verbose")
            .short('v')
            .long("verbose")
            .global(true)
            .action(ArgAction::Count)
            .help("Log requests to standard error (-vv: everything); secrets are blanked out"),
    ])
}

/// The flags that say how to reach the server, global: `--url`, `--ca`, `--insecure`,
/// `--api-version` (APIs with revisions), `--timeout`, `--retries`.
pub fn connection_args(api: &'static CliApi) -> Vec<Arg> {
    let mut args =
        vec![
            Arg::new("url").long("url").global(true).value_name("URL").help(match api.server {
                Some(_) => "The server's base URL [default: the spec's first server]",
                None => "The server's base URL",
            }),
            Arg::new("ca")
                .long("ca")
                .global(true)
                .value_name("FILE")
                .help("Also trust the CA certificate(s) in this PEM file"),
            Arg::new("insecure").long("insecure").global(true).action(ArgAction::SetTrue).help(
                "Do not verify the server's certificate (lab servers only: anyone on the path can read the login)",
            ),
            Arg::new("timeout")
                .long("timeout")
                .global(true)
                .value_name("SECONDS")
                .value_parser(clap::value_parser!(u64).range(1..))
                .help("The deadline of each call, retries included [default: 120]"),
            Arg::new("retries")
                .long("retries")
                .global(true)
                .value_name("N")
                .value_parser(clap::value_parser!(u32).range(1..))
                .help("Attempts per call, the first included [default: 3]"),
        ];
    if !api.revisions.is_empty() {
        let mut arg = Arg::new("api-version")
            .long("api-version")
            .global(true)
            .value_name("REVISION")
            .value_parser(PossibleValuesParser::new(api.revisions.iter().copied()))
            .help("The API revision to speak");
        if let Some(default) = api.default_revision {
            arg = arg.help(format!("The API revision to speak [default: {default}]"));
        }
        args.push(arg);
    }
    global(args)
}

/// The flags that give credentials, global. No flag takes a secret itself: a password comes
/// from a prompt, from standard input or from an environment variable.
pub fn auth_args() -> Vec<Arg> {
    global(vec![
        Arg::new("user").long("user").global(true).value_name("USER").help("Log in as this user"),
        Arg::new("password-env")
            .long("password-env")
            .global(true)
            .value_name("VAR")
            .conflicts_with("password-stdin")
            .help("Read the password from this environment variable"),
        Arg::new("password-stdin")
            .long("password-stdin")
            .global(true)
            .action(ArgAction::SetTrue)
            .help("Read the password from the first line of standard input"),
        Arg::new("token-env")
            .long("token-env")
            .global(true)
            .value_name("VAR")
            .help("Send the bearer token held in this environment variable"),
        Arg::new("api-key-env")
            .long("api-key-env")
            .global(true)
            .value_name("VAR")
            .help("Send the API key held in this environment variable"),
    ])
}

/// The heading global flags are listed under in every command's help.
pub const GLOBAL_OPTIONS: &str = "Global options";

fn global(args: Vec<Arg>) -> Vec<Arg> {
    args.into_iter().map(|a| a.help_heading(GLOBAL_OPTIONS)).collect()
}

/// `completions SHELL`: a completion script for bash, zsh, fish, PowerShell or elvish.
pub fn completions_command() -> Command {
    Command::new("completions").about("Print a completion script for a shell").arg(
        Arg::new("shell")
            .required(true)
            .value_parser(clap::value_parser!(clap_complete::Shell))
            .help("bash, zsh, fish, powershell or elvish"),
    )
}

/// Prints the completion script of `cmd` for the shell named in `matches` (of the
/// `completions` command).
pub fn completions(cmd: &mut Command, name: &str, matches: &ArgMatches, io: &Io) {
    if let Some(shell) = matches.get_one::<clap_complete::Shell>("shell") {
        let mut out = Vec::new();
        clap_complete::generate(*shell, cmd, name, &mut out);
        io.out(&String::from_utf8_lossy(&out));
    }
}

/// The whole command of an API: its groups and commands, the global flags, `completions`.
fn root_command(name: &'static str, api: &'static CliApi) -> Command {
    let about = match api.about {
        "" => api.title.to_owned(),
        about => format!("{}: {}", api.title, about.split("\n\n").next().unwrap_or("")),
    };
    Command::new(name)
        .about(about)
        .version(api.version)
        .subcommand_required(true)
        .arg_required_else_help(true)
        .args(output_args())
        .args(connection_args(api))
        .args(auth_args())
        .subcommands(api_subcommands(api))
        .subcommand(completions_command())
        .after_help(exit_codes_help())
}

/// Prints a clap error: help and version go to standard output and succeed, the rest is a
/// usage error on standard error.
pub fn clap_error(e: clap::Error, io: &Io) -> Exit {
    let text = e.render().to_string();
    match e.kind() {
        clap::error::ErrorKind::DisplayHelp
        | clap::error::ErrorKind::DisplayVersion
        | clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            if e.exit_code() == 0 =>
        {
            io.out(&text);
            Exit::Success
        }
        _ => {
            io.err(&text);
            Exit::Usage
        }
    }
}

/// [`run`] over the process's arguments and streams: the `main` of a generated command line.
pub fn run_main<C: CliClient>(name: &'static str) -> std::process::ExitCode {
    run::<C, _, _>(name, std::env::args_os(), &Io::process()).into()
}

/// Runs one command line (`args[0]` is the program) against the API of `C`: parses it,
/// builds the client from the global flags, logs in with the credentials they give, calls
/// the operation and prints its answer. Never panics on input; returns the exit code.
pub fn run<C, I, T>(name: &'static str, args: I, io: &Io) -> Exit
where
    C: CliClient,
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let api = C::api();
    let mut cmd = root_command(name, api);
    if let Some(width) = io.width() {
        cmd = cmd.term_width(width);
    }
    let matches = match cmd.try_get_matches_from_mut(args) {
        Ok(m) => m,
        Err(e) => return clap_error(e, io),
    };
    let settings = Settings::from_matches(&matches, io);
    if let Some(("completions", m)) = matches.subcommand() {
        completions(&mut cmd, name, m, io);
        return Exit::Success;
    }
    let Some((op, op_matches)) = find_operation(api, &matches) else {
        io.err("error: no such command\n");
        return Exit::Usage;
    };
    block_on(io, settings.verbose, async {
        let client = match connect::<C>(api, &matches, io).await {
            Ok(c) => c,
            Err(e) => return report(io, &e),
        };
        execute(&client, op, op_matches, io, &settings).await
    })
}

/// The client the global flags describe, logged in with the credentials they give.
async fn connect<C: CliClient>(api: &'static CliApi, matches: &ArgMatches, io: &Io) -> Result<C, CliError> {
    let url = match matches.get_one::<String>("url").map(String::as_str).or(api.server) {
        Some(url) => url.to_owned(),
        None => return Err(CliError::Usage("the spec names no server: give --url".into())),
    };
    let builder = configure(C::builder(&url), matches)?;
    let client = builder.build().map_err(|e| CliError::Usage(e.to_string()))?;
    authenticate(&client, matches, io).await?;
    Ok(client)
}

/// Applies `--ca`, `--insecure`, `--api-version`, `--timeout` and `--retries` to a builder.
pub fn configure<C: CliClient>(
    mut builder: ClientBuilder<C>,
    matches: &ArgMatches,
) -> Result<ClientBuilder<C>, CliError> {
    if let Some(ca) = matches.get_one::<String>("ca") {
        let pem = std::fs::read(ca).map_err(|e| CliError::Usage(format!("--ca {ca}: {e}")))?;
        builder = builder.add_root_certificate_pem(pem);
    }
    if matches.get_flag("insecure") {
        builder = builder.danger_accept_invalid_certificates(true);
    }
    if let Some(revision) = matches.try_get_one::<String>("api-version").ok().flatten() {
        builder = C::api_version(builder, revision).map_err(CliError::Usage)?;
    }
    if let Some(secs) = matches.get_one::<u64>("timeout") {
        builder = builder.deadline(Duration::from_secs(*secs));
    }
    if let Some(attempts) = matches.get_one::<u32>("retries") {
        builder = builder.retry(RetryPolicy { max_attempts: *attempts, ..RetryPolicy::default() });
    }
    Ok(builder)
}

/// Gives the client the credentials of `--token-env`, `--api-key-env` and `--user` (with its
/// password), logging in where the API has a login.
async fn authenticate<C: CliClient>(client: &C, matches: &ArgMatches, io: &Io) -> Result<(), CliError> {
    let api = C::api();
    let core = client.core();
    let secret_env = |flag: &str| -> Result<Option<Secret>, CliError> {
        let Some(var) = matches.get_one::<String>(flag) else { return Ok(None) };
        let value = io.env(var).ok_or_else(|| CliError::Usage(format!("--{flag}: `{var}` is not set")))?;
        let secret = Secret::from(value);
        io.add_secret(&secret);
        Ok(Some(secret))
    };
    if let Some(token) = secret_env("token-env")? {
        core.set_bearer_token(token);
    }
    if let Some(key) = secret_env("api-key-env")? {
        for s in
            api.schemes.iter().filter(|s| matches!(s.kind, SchemeKind::ApiKeyHeader(_) | SchemeKind::ApiKeyQuery(_)))
        {
            core.set_api_key(s.name, key.clone());
        }
    }
    let Some(user) = matches.get_one::<String>("user") else { return Ok(()) };
    let password = read_password(matches, io, &format!("Password for {user}: "))?;
    match api.login {
        Some(Login::OAuth2Password { token_url, .. }) => core
            .oauth2_password_login::<Value>(token_url, user, password)
            .await
            .map_err(|e| CliError::Auth(e.to_string())),
        Some(Login::SessionLogon { operation, .. }) => {
            core.set_basic_auth(user, password);
            let takes_nothing = api.operation(operation).is_some_and(|o| o.args.iter().all(|a| !a.required));
            if takes_nothing {
                let mut input = Input::new(operation, Value::Null)?;
                client.call(&mut input).await.map_err(|e| CliError::Auth(e.to_string()))?;
            }
            Ok(())
        }
        None => {
            core.set_basic_auth(user, password);
            Ok(())
        }
    }
}

/// The password of `--password-env VAR`, of the first line of standard input
/// (`--password-stdin`), or typed at a prompt on a terminal; never from the command line.
pub fn read_password(matches: &ArgMatches, io: &Io, prompt: &str) -> Result<Secret, CliError> {
    let secret = if let Some(var) = matches.get_one::<String>("password-env") {
        Secret::from(io.env(var).ok_or_else(|| CliError::Usage(format!("--password-env: `{var}` is not set")))?)
    } else if matches.get_flag("password-stdin") {
        Secret::from(io.read_line().ok_or_else(|| CliError::Usage("--password-stdin: standard input is empty".into()))?)
    } else if io.stdin_is_terminal() {
        Secret::from(
            rpassword::prompt_password(prompt).map_err(|e| CliError::Usage(format!("reading the password: {e}")))?,
        )
    } else {
        return Err(CliError::Usage(
            "no password: give --password-stdin or --password-env VAR (standard input is not a terminal)".into(),
        ));
    };
    io.add_secret(&secret);
    Ok(secret)
}

/// Runs `future` to its end on a runtime of its own, on this thread, with log lines at the
/// level `-v` asks for written to the command's standard error (secrets blanked out), and
/// every secret serialized meanwhile known to the redactor before anything is printed.
pub fn block_on<T>(io: &Io, verbose: u8, future: impl Future<Output = T>) -> T {
    let level = match verbose {
        0 => tracing::Level::WARN,
        1 => tracing::Level::DEBUG,
        _ => tracing::Level::TRACE,
    };
    let subscriber =
        tracing_subscriber::fmt().with_writer(LogWriter(io.clone())).with_max_level(level).with_ansi(false).finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => panic!("cannot start the async runtime: {e}"),
    };
    collecting(|| runtime.block_on(future)).0
}

/// Tells the redactor every secret the client holds and every secret serialized so far.
fn learn_secrets<C: CliClient>(client: &C, io: &Io) {
    io.add_redactor(&client.core().redactor());
    for secret in collected() {
        io.add_secret(&secret);
    }
}

/// Prints an error (and the final status of failed work), and gives its exit code.
pub fn report(io: &Io, e: &CliError) -> Exit {
    if let CliError::WorkFailed { status, .. } = e {
        io.out(&output::render(status, Format::Json, None, &[], None));
    }
    // The causes too: "error sending request" alone does not say that the connection was
    // refused or the certificate not trusted.
    let mut message = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        let text = c.to_string();
        if !message.contains(&text) {
            message.push_str(&format!(": {text}"));
        }
        cause = c.source();
    }
    io.err(&format!("error: {message}\n"));
    e.exit()
}

/// Prints `value` as the settings say.
pub fn print(io: &Io, value: &Value, settings: &Settings) {
    io.out(&output::render(value, settings.output, None, &[], settings.width));
}

/// Calls `op` as its command's matches say and prints the answer in the settings' format;
/// errors are printed too. Returns the exit code.
pub async fn execute<C: CliClient>(
    client: &C,
    op: &'static CliOperation,
    matches: &ArgMatches,
    io: &Io,
    settings: &Settings,
) -> Exit {
    let result = execute_inner(client, op, matches, io, settings).await;
    learn_secrets(client, io);
    match result {
        Ok(exit) => exit,
        Err(e) => report(io, &e),
    }
}

async fn execute_inner<C: CliClient>(
    client: &C,
    op: &'static CliOperation,
    matches: &ArgMatches,
    io: &Io,
    settings: &Settings,
) -> Result<Exit, CliError> {
    if let (false, Some(feature)) = (op.enabled, op.feature) {
        return Err(CliError::Usage(format!("{}: compiled out; build with the cargo feature `{feature}`", op.id)));
    }
    if let Some(why) = op.unsupported {
        return Err(CliError::Usage(format!("{}: not available from the command line: {why}", op.id)));
    }
    let mut input = command::input(op, matches, io)?;
    let named = op.lookup.and_then(|l| Some((l, matches.get_one::<String>(command::LOOKUP)?)));
    if let Some((lookup, name)) = named {
        let id = lookup_id(client, &lookup, name, io).await?;
        input["path"][lookup.path_param] = id;
    }
    let columns: Vec<String> =
        matches.get_many::<String>(command::COLUMNS).map(|c| c.cloned().collect()).unwrap_or_default();
    let (format, width) = (settings.output, settings.width);
    let mut input = Input::new(op.id, input)?;

    if op.paged.is_some() && matches.get_flag(command::ALL) {
        let mut items = client.stream(&mut input)?;
        let mut table = Vec::new();
        while let Some(item) = items.next().await {
            let item = item?;
            learn_secrets(client, io);
            match format {
                Format::Table => table.push(item),
                _ => io.out(&output::stream_item(&item, format)),
            }
        }
        if format == Format::Table {
            io.out(&output::items_table(&table, &columns, width));
        }
        return Ok(Exit::Success);
    }

    let answer = client.call(&mut input).await?;
    learn_secrets(client, io);
    // The body of `{"status", "body"}` (several success answers, or headers); none for a
    // bodiless one.
    let answer = at(&answer, op.answer).cloned().unwrap_or(Value::Null);
    if let (Some(wait), true) = (op.wait, matches.try_get_one::<bool>(command::WAIT).ok().flatten() == Some(&true)) {
        if answer.is_null() {
            io.err(&format!("{}: the server started no work (an answer without status)\n", op.id));
            return Ok(Exit::Success);
        }
        let mut options = WaitOptions::new(progress_display(io.clone(), wait.status_operation));
        options.timeout = matches.get_one::<u64>(command::WAIT_TIMEOUT).map(|s| Duration::from_secs(*s));
        if let Some(first) = matches.try_get_one::<f64>(command::POLL_INTERVAL).ok().flatten() {
            let first = Duration::from_secs_f64(*first);
            options.poll = Some((first, first.max(Duration::from_secs(30))));
        }
        let waited = client.wait(wait.waiter, answer, options).await;
        learn_secrets(client, io);
        let waited = waited?;
        io.out(&output::render(&waited.status, format, None, &columns, width));
        if waited.warning {
            io.err(&format!("{}: the work ended with warnings\n", op.id));
            return Ok(Exit::Warning);
        }
        return Ok(Exit::Success);
    }
    let items = op.paged.map(|p| p.items);
    io.out(&output::render(&answer, format, items, &columns, width));
    if let Some(paged) = op.paged {
        let shown = at(&answer, paged.items).and_then(Value::as_array).map_or(0, Vec::len);
        let total = at(&answer, paged.total).and_then(Value::as_u64);
        if let Some(total) = total.filter(|t| *t > shown as u64) {
            io.err(&format!("{shown} of {total} items; --all lists every page\n"));
        }
    }
    Ok(Exit::Success)
}

/// The id of the one item the lookup's list operation answers for `name`: an exact match,
/// else the one match ignoring case. Every page is read when the list pages.
async fn lookup_id<C: CliClient>(client: &C, lookup: &Lookup, name: &str, io: &Io) -> Result<Value, CliError> {
    let mut input = Input::new(lookup.list, json!({"params": {lookup.filter: name}}))?;
    let paged = C::api().operation(lookup.list).is_some_and(|o| o.paged.is_some());
    let items: Vec<Value> = if paged {
        let mut stream = client.stream(&mut input)?;
        let mut items = Vec::new();
        while let Some(item) = stream.next().await {
            items.push(item?);
        }
        items
    } else {
        let answer = client.call(&mut input).await?;
        at(&answer, lookup.items).and_then(Value::as_array).cloned().unwrap_or_default()
    };
    learn_secrets(client, io);
    let named = |exact: bool| -> Vec<&Value> {
        items
            .iter()
            .filter(|i| {
                i.get(lookup.name_property).and_then(Value::as_str).is_some_and(|n| {
                    if exact {
                        n == name
                    } else {
                        n.eq_ignore_ascii_case(name)
                    }
                })
            })
            .collect()
    };
    let mut found = named(true);
    if found.is_empty() {
        found = named(false);
    }
    match found.as_slice() {
        [] => Err(CliError::NotFound(format!("{}: no item is named `{name}`", lookup.list))),
        [one] => one.get(lookup.id_property).cloned().ok_or_else(|| {
            CliError::Failed(format!("{}: the item named `{name}` has no `{}`", lookup.list, lookup.id_property))
        }),
        many => Err(CliError::Usage(format!(
            "{}: {} items are named `{name}`; give the {} instead",
            lookup.list,
            many.len(),
            lookup.path_param
        ))),
    }
}
