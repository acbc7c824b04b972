//! Exit codes: what a command's end means, in one place.
//!
//! | code | meaning |
//! |---:|---|
//! | 0 | success |
//! | 1 | failure: the server refused the request, the work failed, a transport error |
//! | 2 | usage: a wrong argument, a body that does not fit, an operation the command line cannot call |
//! | 3 | warning: the work ended with warnings (`--wait`) |
//! | 4 | authentication: no login, a refused or expired login, 401 or 403 |
//! | 5 | not found: 404, or no item of the name `--name` gave |
//! | 6 | timeout: a call's deadline, or `--wait-timeout`, passed |

use std::process::ExitCode;

use serde_json::Value;

use super::super::dispatch::DispatchError;
use super::super::error::Error;

/// How a command ended, as its exit code says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Exit {
    /// 0: it worked.
    Success,
    /// 1: it failed.
    Failure,
    /// 2: the command line was wrong.
    Usage,
    /// 3: the work ended with warnings.
    Warning,
    /// 4: the login is missing, refused or expired.
    Auth,
    /// 5: what was asked for does not exist.
    NotFound,
    /// 6: a deadline passed.
    Timeout,
}

impl Exit {
    /// The process exit code.
    pub const fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Failure => 1,
            Exit::Usage => 2,
            Exit::Warning => 3,
            Exit::Auth => 4,
            Exit::NotFound => 5,
            Exit::Timeout => 6,
        }
    }

    /// Every exit, in code order (for documentation and tests).
    pub const ALL: &'static [Exit] =
        &[Exit::Success, Exit::Failure, Exit::Usage, Exit::Warning, Exit::Auth, Exit::NotFound, Exit::Timeout];

    /// What the code means, in a few words.
    pub const fn meaning(self) -> &'static str {
        match self {
            Exit::Success => "success",
            Exit::Failure => "failure (refused request, failed work, transport error)",
            Exit::Usage => "usage (wrong argument or body)",
            Exit::Warning => "the work ended with warnings",
            Exit::Auth => "authentication (no login, refused or expired login, 401, 403)",
            Exit::NotFound => "not found (404, or no item of that name)",
            Exit::Timeout => "timeout (a call's deadline or --wait-timeout)",
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit.code())
    }
}

/// The exit codes, as `--help` shows them after the commands.
pub fn exit_codes_help() -> String {
    let mut out = String::from("Exit codes:\n");
    for e in Exit::ALL {
        out.push_str(&format!("  {}  {}\n", e.code(), e.meaning()));
    }
    out
}

/// Why a command did not succeed. Every message is free of secrets: the client's own errors
/// are redacted, and the command line blanks out every secret it knows before printing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// The command line was wrong.
    #[error("{0}")]
    Usage(String),
    /// Logging in is needed, or failed.
    #[error("{0}")]
    Auth(String),
    /// What was asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    /// A deadline passed.
    #[error("{0}")]
    Timeout(String),
    /// Anything else that failed.
    #[error("{0}")]
    Failed(String),
    /// The work of a long-running operation ended in failure; its final status is printed.
    #[error("{message}")]
    WorkFailed {
        /// What happened.
        message: String,
        /// The final status.
        status: Box<Value>,
    },
    /// A dispatched call failed.
    #[error(transparent)]
    Dispatch(#[from] DispatchError),
}

impl CliError {
    /// The exit code of this error.
    pub fn exit(&self) -> Exit {
        match self {
            CliError::Usage(_) => Exit::Usage,
            CliError::Auth(_) => Exit::Auth,
            CliError::NotFound(_) => Exit::NotFound,
            CliError::Timeout(_) => Exit::Timeout,
            CliError::Failed(_) | CliError::WorkFailed { .. } => Exit::Failure,
            CliError::Dispatch(e) => dispatch_exit(e),
        }
    }
}

/// The exit code of a dispatched call's error.
pub fn dispatch_exit(e: &DispatchError) -> Exit {
    match e {
        DispatchError::UnknownOperation { .. }
        | DispatchError::Disabled { .. }
        | DispatchError::Unsupported { .. }
        | DispatchError::BadInput { .. } => Exit::Usage,
        DispatchError::Client(e) => client_exit(e),
        _ => Exit::Failure,
    }
}

/// The exit code of a client error.
pub fn client_exit<E>(e: &Error<E>) -> Exit {
    match e {
        Error::Auth { .. } => Exit::Auth,
        Error::Timeout { .. } => Exit::Timeout,
        Error::Api { status, .. } | Error::UnexpectedStatus { status, .. } => match status {
            401 | 403 => Exit::Auth,
            404 => Exit::NotFound,
            _ => Exit::Failure,
        },
        Error::InvalidRequest { .. }
        | Error::Unsupported { .. }
        | Error::MissingField { .. }
        | Error::NotOneValue { .. } => Exit::Usage,
        _ => Exit::Failure,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_documented_in_order() {
        let codes: Vec<u8> = Exit::ALL.iter().map(|e| e.code()).collect();
        assert_eq!(codes, [0, 1, 2, 3, 4, 5, 6]);
        let help = exit_codes_help();
        assert!(help.contains("  3  the work ended with warnings"), "{help}");
    }

    #[test]
    fn client_errors_map_by_status() {
        let api = |status| Error::<Value>::UnexpectedStatus { operation: "Op", status, body: String::new() };
        assert_eq!(client_exit(&api(401)), Exit::Auth);
        assert_eq!(client_exit(&api(403)), Exit::Auth);
        assert_eq!(client_exit(&api(404)), Exit::NotFound);
        assert_eq!(client_exit(&api(500)), Exit::Failure);
        assert_eq!(client_exit(&Error::<Value>::Timeout { operation: "Op" }), Exit::Timeout);
        let bad = DispatchError::BadInput { operation: "Op".into(), argument: "body".into(), message: "x".into() };
        assert_eq!(CliError::from(bad).exit(), Exit::Usage);
    }
}
