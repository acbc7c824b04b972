//! `--wait`: the library's own typed wait ([`Wait`](super::super::Wait)) over a status read
//! from JSON, so deadlines, backoff and the outcome rules are the client's, and progress
//! shown as a bar on a terminal or as plain lines otherwise.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::super::wait::{Done, LongRunning, WaitError};
use super::super::Error;
use super::exit::{client_exit, CliError, Exit};
use super::BoxFuture;

/// One status read, as the progress display sees it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ProgressEvent {
    /// The state, as the server spells it.
    pub state: String,
    /// Progress in percent, if the status carries it.
    pub percent: Option<u8>,
    /// Time since the wait started.
    pub elapsed: Duration,
}

/// How `--wait` waits.
#[non_exhaustive]
pub struct WaitOptions {
    /// Give up after this long (`--wait-timeout`).
    pub timeout: Option<Duration>,
    /// The first and the longest delay between polls.
    pub poll: Option<(Duration, Duration)>,
    /// Sees every status read.
    pub progress: Box<dyn FnMut(&ProgressEvent) + Send>,
}

impl std::fmt::Debug for WaitOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaitOptions").field("timeout", &self.timeout).field("poll", &self.poll).finish_non_exhaustive()
    }
}

impl WaitOptions {
    /// No deadline, the client's poll intervals, progress to `progress`.
    pub fn new(progress: impl FnMut(&ProgressEvent) + Send + 'static) -> Self {
        WaitOptions { timeout: None, poll: None, progress: Box::new(progress) }
    }
}

/// How a wait ended, short of failure.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Waited {
    /// The final status, as JSON.
    pub status: Value,
    /// Whether the work ended with warnings.
    pub warning: bool,
}

/// Waits on `status` (a long-running answer, as JSON) with the typed wait of `T`. Generated
/// `CliClient::wait` implementations call this, one status type per arm.
pub fn wait_typed<'a, T, E>(
    client: &'a T::Client,
    status: Value,
    mut options: WaitOptions,
) -> BoxFuture<'a, Result<Waited, CliError>>
where
    T: LongRunning<Error = Error<E>> + DeserializeOwned,
    Error<E>: std::error::Error,
{
    Box::pin(async move {
        let status: T = serde_json::from_value(status)
            .map_err(|e| CliError::Failed(format!("the answer is not a status to wait on: {e}")))?;
        let mut wait = super::super::wait::Wait::new(client, status);
        if let Some(timeout) = options.timeout {
            wait = wait.timeout(timeout);
        }
        if let Some((first, max)) = options.poll {
            wait = wait.poll_interval(first, max);
        }
        let mut progress = std::mem::replace(&mut options.progress, Box::new(|_| {}));
        let wait = wait.on_progress(move |p| {
            progress(&ProgressEvent { state: p.state.to_owned(), percent: p.percent, elapsed: p.elapsed })
        });
        let json = |status: &T| serde_json::to_value(status).unwrap_or(Value::Null);
        match wait.await {
            Ok(Done::Success(s)) => Ok(Waited { status: json(&s), warning: false }),
            Ok(Done::Warning(s)) => Ok(Waited { status: json(&s), warning: true }),
            Err(e) => Err(match e {
                WaitError::Failed { ref status, .. } | WaitError::UnknownOutcome { ref status, .. } => {
                    CliError::WorkFailed { message: e.to_string(), status: Box::new(json(status)) }
                }
                WaitError::Deadline { .. } => CliError::Timeout(e.to_string()),
                WaitError::Poll(client) => match client_exit(&client) {
                    Exit::Auth => CliError::Auth(client.to_string()),
                    Exit::NotFound => CliError::NotFound(client.to_string()),
                    Exit::Timeout => CliError::Timeout(client.to_string()),
                    _ => CliError::Failed(client.to_string()),
                },
                other => CliError::Failed(other.to_string()),
            }),
        }
    })
}

/// The arm of a `CliClient::wait` whose status type is compiled out (its cargo feature is off).
pub fn wait_unavailable<'a>(waiter: usize) -> BoxFuture<'a, Result<Waited, CliError>> {
    Box::pin(async move {
        Err(CliError::Usage(format!(
            "waiting is not compiled in (status type {waiter}): enable the cargo feature of its status operation"
        )))
    })
}

/// Shows progress: a bar on a terminal, else a line whenever the state or the percentage
/// changes.
pub(crate) fn progress_display(io: super::Io, operation: &'static str) -> impl FnMut(&ProgressEvent) + Send + 'static {
    let bar = io.stderr_is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(100);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{spinner} {prefix} [{bar:30}] {pos:>3}% {msg} ({elapsed})")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(operation);
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    });
    let mut last: Option<(String, Option<u8>)> = None;
    move |p: &ProgressEvent| {
        if let Some(bar) = &bar {
            bar.set_position(u64::from(p.percent.unwrap_or(0)));
            bar.set_message(p.state.clone());
            return;
        }
        let now = (p.state.clone(), p.percent);
        if last.as_ref() != Some(&now) {
            let percent = p.percent.map(|p| format!(" {p}%")).unwrap_or_default();
            io.err(&format!("{operation}: {}{percent} ({}s)\n", p.state, p.elapsed.as_secs()));
            last = Some(now);
        }
    }
}
