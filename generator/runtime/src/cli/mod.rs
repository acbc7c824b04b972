//! A command line for any generated API (cargo feature `cli`).
//!
//! A generated `cli` module holds a table of the API's commands ([`CliApi`]: a group per
//! tag, a command per operation with its arguments, paging and waiting facts) and implements
//! [`CliClient`] for its client. This module turns the table into clap commands at run time,
//! reads a command line into dispatch's JSON input, calls the operation through the typed
//! client (`dispatch`), and prints the answer:
//!
//! - `--output json|yaml|table` (a table by default on a terminal, JSON otherwise);
//! - `--all` on a paged operation lists every page (NDJSON, a YAML sequence, or one table);
//! - `--wait` on a long-running operation follows it with the client's typed wait, with a
//!   progress bar on a terminal and plain lines otherwise;
//! - `--body FILE|-` (JSON or YAML), and a flag per property of a simple body;
//! - exit codes that say what happened ([`Exit`]);
//! - no secret in any output: everything printed passes through a redactor that knows every
//!   secret the command has seen, sent or received.
//!
//! [`run`] is a whole program over one API (what `openapi-client-gen generate --cli` puts in
//! `src/bin/`); tools that keep logins between runs (the `veeam` command) build on the parts:
//! [`api_subcommands`], [`find_operation`], [`execute`] and [`block_on`].

mod app;
mod command;
mod exit;
mod io;
mod output;
mod table;
mod wait;

use futures::stream::BoxStream;
use serde_json::Value;

use super::config::{ClientBuilder, FromCore};
use super::core::Core;
use super::dispatch::{DispatchError, Input};

pub use self::app::{
    auth_args, block_on, clap_error, completions, completions_command, configure, connection_args, execute,
    output_args, print, read_password, report, run, run_main, Settings, GLOBAL_OPTIONS,
};
pub use self::command::{api_subcommands, find_operation, operation_command};
pub use self::exit::{client_exit, dispatch_exit, exit_codes_help, CliError, Exit};
pub use self::io::{Captured, Io};
pub use self::output::Format;
pub use self::table::{
    ArgIn, ArgKind, CliApi, CliArg, CliBody, CliGroup, CliOperation, Login, Lookup, Paged, Scheme, SchemeKind, WaitInfo,
};
pub use self::wait::{wait_typed, wait_unavailable, ProgressEvent, WaitOptions, Waited};

/// A boxed future.
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// The items of a paged listing, as dispatch gives them.
pub type Items<'a> = Result<BoxStream<'a, Result<Value, DispatchError>>, DispatchError>;

/// Flags the command line defines for itself; no parameter of a generated table takes one
/// (the generator keeps the same list).
pub const RESERVED_FLAGS: &[&str] = &[
    "help",
    "version",
    "output",
    "verbose",
    "quiet",
    "url",
    "ca",
    "insecure",
    "api-version",
    "user",
    "password-env",
    "password-stdin",
    "token-env",
    "api-key-env",
    "timeout",
    "retries",
    "body",
    "all",
    "wait",
    "wait-timeout",
    "poll-interval",
    "columns",
    "profile",
    "accept-fingerprint",
];

/// A generated client as the command line uses it. Implemented by generated `cli` modules.
pub trait CliClient: FromCore + Clone + Send + Sync + 'static {
    /// The API's command table.
    fn api() -> &'static CliApi;

    /// A builder for a client of `base_url`, with the API's defaults.
    fn builder(base_url: &str) -> ClientBuilder<Self>;

    /// Pins the API revision `revision` (APIs that declare several).
    fn api_version(builder: ClientBuilder<Self>, revision: &str) -> Result<ClientBuilder<Self>, String> {
        let _ = builder;
        Err(format!("this API has no revisions to choose from (asked for `{revision}`)"))
    }

    /// The client's core: credentials, settings.
    fn core(&self) -> &Core;

    /// Calls an operation with dispatch's input.
    fn call<'a>(&'a self, input: &'a mut Input) -> BoxFuture<'a, Result<Value, DispatchError>>;

    /// Lists every item of a paged operation.
    fn stream<'a>(&'a self, input: &mut Input) -> Items<'a>;

    /// Waits on a long-running answer with the typed wait `waiter` ([`WaitInfo::waiter`]).
    fn wait<'a>(
        &'a self,
        waiter: usize,
        status: Value,
        options: WaitOptions,
    ) -> BoxFuture<'a, Result<Waited, CliError>>;
}
