//! Waiting for work that runs on the server.
//!
//! A long-running operation (`x-long-running` in the spec) answers at once with a status
//! object; the work goes on on the server. [`Wait`] polls the status operation the spec names
//! until the state is terminal, then reads the outcome. It knows nothing of any API: the
//! generated code implements [`LongRunning`] for each status type, and [`WaitSpec`] carries
//! the spec's field paths and values.
//!
//! - Backoff between polls grows from [`Wait::poll_interval`]'s first delay to its cap.
//! - [`Wait::timeout`] sets a deadline; the wait ends with [`WaitError::Deadline`] and, only
//!   when [`Wait::stop_on_timeout`] asked for it, stops the work on the server.
//! - Dropping the future cancels the wait; nothing is sent to the server.
//! - [`Wait::on_progress`] sees every status read, for a progress bar.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::{Duration, Instant};

use backon::BackoffBuilder;
use serde_json::Value;

/// What the spec's `x-long-running` says about a status type: wire field paths (dotted) and
/// the values that end the work.
#[doc(hidden)]
#[derive(Debug)]
pub struct WaitSpec {
    /// The status operation's `operationId`, named in errors.
    pub status_operation: &'static str,
    /// Path to the state.
    pub state: &'static str,
    /// States that mean the work has ended.
    pub terminal: &'static [&'static str],
    /// Path to the outcome, read once the state is terminal.
    pub result: &'static str,
    /// Outcomes that mean success.
    pub success: &'static [&'static str],
    /// Outcomes that mean success with warnings.
    pub warning: &'static [&'static str],
    /// Outcomes that mean failure.
    pub failure: &'static [&'static str],
    /// Path to the progress in percent.
    pub progress: Option<&'static str>,
    /// Path to the server's message about the outcome.
    pub message: Option<&'static str>,
    /// Path to the flag that says the work was cancelled.
    pub canceled: Option<&'static str>,
}

/// A boxed future, as the generated [`LongRunning`] implementations return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A status type of a long-running operation. Implemented by generated code.
pub trait LongRunning: serde::Serialize + Sized + Send + Sync + 'static {
    /// The client that polls.
    type Client: Sync;
    /// The client's error.
    type Error: std::error::Error + Send + Sync + 'static;
    /// Field paths and values from the spec.
    #[doc(hidden)]
    const SPEC: &'static WaitSpec;
    /// Reads the status again.
    #[doc(hidden)]
    fn poll<'a>(&'a self, client: &'a Self::Client) -> BoxFuture<'a, Result<Self, Self::Error>>;
    /// Asks the server to stop the work, when the spec names a stop operation.
    #[doc(hidden)]
    fn stop<'a>(&'a self, client: &'a Self::Client) -> Option<BoxFuture<'a, Result<(), Self::Error>>>;
}

/// How a finished wait ended, short of failure.
#[derive(Clone, Debug, PartialEq)]
#[must_use]
pub enum Done<T> {
    /// The outcome is one of the spec's success values.
    Success(T),
    /// The outcome is one of the spec's warning values: the work is done, with warnings
    /// the status (and the server's log) describes.
    Warning(T),
}

impl<T> Done<T> {
    /// The final status, whichever way it ended.
    pub fn into_status(self) -> T {
        match self {
            Done::Success(status) | Done::Warning(status) => status,
        }
    }

    /// Whether the work ended with warnings.
    pub fn is_warning(&self) -> bool {
        matches!(self, Done::Warning(_))
    }
}

/// What came of asking the server to stop the work when a wait timed out.
#[derive(Debug)]
#[non_exhaustive]
pub enum Stopping<E> {
    /// The stop operation succeeded.
    Asked,
    /// The stop operation failed.
    Failed(E),
    /// The stop operation did not answer within the grace ([`Wait::stop_grace`]).
    NoAnswer,
}

/// How long a wait that timed out gives the stop operation, unless [`Wait::stop_grace`]
/// says otherwise.
pub const STOP_GRACE: Duration = Duration::from_secs(10);

/// A wait that did not end in success or warning. Each variant but `Poll` names the status
/// operation; the client error in `Poll` names the operation that failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WaitError<T, E> {
    /// The work ended with one of the spec's failure outcomes.
    #[error("{operation}: the work ended `{outcome}`{}{}", if *.canceled { " (cancelled)" } else { "" }, message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    Failed {
        /// The status operation's `operationId`.
        operation: &'static str,
        /// The outcome, as the server spells it.
        outcome: String,
        /// The server's message, if the status carries one.
        message: Option<String>,
        /// Whether the work was cancelled.
        canceled: bool,
        /// The final status.
        status: Box<T>,
    },
    /// The work ended, but its outcome is missing or is none the spec lists.
    #[error("{operation}: the work ended with an outcome the spec does not list: {}", outcome.as_deref().unwrap_or("none"))]
    UnknownOutcome {
        /// The status operation's `operationId`.
        operation: &'static str,
        /// The outcome, if any.
        outcome: Option<String>,
        /// The final status.
        status: Box<T>,
    },
    /// The deadline passed before the work ended.
    #[error("{operation}: the work had not ended after {elapsed:?}{}", match stop { Some(Stopping::Asked) => "; asked the server to stop it", Some(Stopping::Failed(_)) => "; stopping it failed", Some(Stopping::NoAnswer) => "; the stop request went unanswered", None => "" })]
    Deadline {
        /// The status operation's `operationId`.
        operation: &'static str,
        /// Time spent waiting.
        elapsed: Duration,
        /// The last status read.
        status: Box<T>,
        /// `Some` when the wait asked the server to stop the work: how that went.
        stop: Option<Stopping<E>>,
    },
    /// Polling failed; the work may still be running.
    #[error(transparent)]
    Poll(E),
    /// A status could not be read as the spec describes it (a state that is not a string).
    #[error("{operation}: the status does not have the shape the spec describes: {message}")]
    Shape {
        /// The status operation's `operationId`.
        operation: &'static str,
        /// What is wrong.
        message: String,
    },
}

/// One status read, as [`Wait::on_progress`] sees it.
#[derive(Debug)]
#[non_exhaustive]
pub struct Progress<'a, T> {
    /// The state, as the server spells it.
    pub state: &'a str,
    /// Progress in percent (clamped to 0..=100), if the status carries it.
    pub percent: Option<u8>,
    /// Status reads so far, the first answer included.
    pub reads: u32,
    /// Time since the wait started.
    pub elapsed: Duration,
    /// The status itself.
    pub status: &'a T,
}

type ProgressFn<'c, T> = Box<dyn for<'p> FnMut(&Progress<'p, T>) + Send + 'c>;

/// Waits for a long-running operation's work to end. Built by the generated `wait` method of
/// a status type; `.await` it.
#[must_use = "a wait does nothing until it is awaited"]
pub struct Wait<'c, T: LongRunning> {
    client: &'c T::Client,
    status: T,
    timeout: Option<Duration>,
    first_delay: Duration,
    max_delay: Duration,
    stop_on_timeout: bool,
    stop_grace: Duration,
    progress: Option<ProgressFn<'c, T>>,
}

impl<T: LongRunning> std::fmt::Debug for Wait<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wait")
            .field("operation", &T::SPEC.status_operation)
            .field("timeout", &self.timeout)
            .field("first_delay", &self.first_delay)
            .field("max_delay", &self.max_delay)
            .field("stop_on_timeout", &self.stop_on_timeout)
            .finish_non_exhaustive()
    }
}

impl<'c, T: LongRunning> Wait<'c, T> {
    /// A wait on `status`, polling through `client`. No deadline; polls after 1 s, backing
    /// off to one poll every 30 s.
    #[doc(hidden)]
    pub fn new(client: &'c T::Client, status: T) -> Self {
        Wait {
            client,
            status,
            timeout: None,
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
            stop_on_timeout: false,
            stop_grace: STOP_GRACE,
            progress: None,
        }
    }

    /// Gives up after `timeout` with [`WaitError::Deadline`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The delay before the first poll, and the longest delay between polls; delays grow by
    /// half each time, with jitter.
    pub fn poll_interval(mut self, first: Duration, max: Duration) -> Self {
        self.first_delay = first;
        self.max_delay = max.max(first);
        self
    }

    /// When the deadline passes, asks the server to stop the work (if the spec names a stop
    /// operation). Without this, the work goes on on the server.
    pub fn stop_on_timeout(mut self) -> Self {
        self.stop_on_timeout = true;
        self
    }

    /// How long the stop operation may take once the deadline has passed (default
    /// [`STOP_GRACE`]); a wait ends at most this long after its deadline.
    pub fn stop_grace(mut self, grace: Duration) -> Self {
        self.stop_grace = grace;
        self
    }

    /// Calls `f` with every status read, the first answer included.
    pub fn on_progress(mut self, f: impl for<'p> FnMut(&Progress<'p, T>) + Send + 'c) -> Self {
        self.progress = Some(Box::new(f));
        self
    }

    async fn run(mut self) -> Result<Done<T>, WaitError<T, T::Error>> {
        let spec = T::SPEC;
        let started = Instant::now();
        let deadline = self.timeout.map(|t| started + t);
        let mut delays = backon::ExponentialBuilder::default()
            .with_min_delay(self.first_delay)
            .with_max_delay(self.max_delay)
            .with_factor(1.5)
            .with_jitter()
            .without_max_times()
            .build();
        let mut reads = 0u32;
        loop {
            reads += 1;
            let read = Read::of(&self.status)?;
            if let Some(f) = self.progress.as_mut() {
                f(&Progress {
                    state: &read.state,
                    percent: read.percent,
                    reads,
                    elapsed: started.elapsed(),
                    status: &self.status,
                });
            }
            if spec.terminal.contains(&read.state.as_str()) {
                return finish(self.status, read);
            }
            let delay = delays.next().unwrap_or(self.max_delay);
            if let Some(deadline) = deadline {
                let now = Instant::now();
                if now + delay > deadline {
                    tokio::time::sleep_until(deadline.into()).await;
                    return Err(self.give_up(started).await);
                }
            }
            tokio::time::sleep(delay).await;
            // The deadline bounds the poll too: a status read that hangs must not outlive it.
            let poll = self.status.poll(self.client);
            let polled = match deadline {
                Some(deadline) => tokio::time::timeout_at(deadline.into(), poll).await.ok(),
                None => Some(poll.await),
            };
            match polled {
                Some(next) => self.status = next.map_err(WaitError::Poll)?,
                None => return Err(self.give_up(started).await),
            }
        }
    }

    async fn give_up(self, started: Instant) -> WaitError<T, T::Error> {
        // One last read would race the deadline the caller set; report the last one we have.
        // The stop call is bounded too: a wait must end soon after its deadline.
        let stop = match self.stop_on_timeout {
            true => match self.status.stop(self.client) {
                Some(stopping) => Some(match tokio::time::timeout(self.stop_grace, stopping).await {
                    Ok(Ok(())) => Stopping::Asked,
                    Ok(Err(e)) => Stopping::Failed(e),
                    Err(_) => Stopping::NoAnswer,
                }),
                None => None,
            },
            false => None,
        };
        WaitError::Deadline {
            operation: T::SPEC.status_operation,
            elapsed: started.elapsed(),
            status: Box::new(self.status),
            stop,
        }
    }
}

impl<'c, T: LongRunning> IntoFuture for Wait<'c, T> {
    type Output = Result<Done<T>, WaitError<T, T::Error>>;
    type IntoFuture = BoxFuture<'c, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

/// The fields of one status the wait looks at.
struct Read {
    state: String,
    percent: Option<u8>,
    outcome: Option<String>,
    message: Option<String>,
    canceled: bool,
}

impl Read {
    fn of<T: LongRunning, E>(status: &T) -> Result<Read, WaitError<T, E>> {
        let spec = T::SPEC;
        let shape = |message: String| WaitError::Shape { operation: spec.status_operation, message };
        let value = serde_json::to_value(status).map_err(|e| shape(e.to_string()))?;
        let state = match at(&value, spec.state) {
            Some(Value::String(s)) => s.clone(),
            Some(other) => return Err(shape(format!("`{}` is {other}, not a string", spec.state))),
            None => return Err(shape(format!("`{}` is missing", spec.state))),
        };
        let text = |path: Option<&str>| path.and_then(|p| at(&value, p)).and_then(Value::as_str).map(str::to_owned);
        let percent =
            spec.progress.and_then(|p| at(&value, p)).and_then(Value::as_f64).filter(|p| p.is_finite()).map(percent);
        Ok(Read {
            state,
            percent,
            outcome: text(Some(spec.result)),
            message: text(spec.message).filter(|m| !m.is_empty()),
            canceled: spec.canceled.and_then(|p| at(&value, p)).and_then(Value::as_bool).unwrap_or(false),
        })
    }
}

fn finish<T: LongRunning, E>(status: T, read: Read) -> Result<Done<T>, WaitError<T, E>> {
    let spec = T::SPEC;
    let is = |values: &[&str]| read.outcome.as_deref().is_some_and(|o| values.contains(&o));
    if is(spec.success) {
        Ok(Done::Success(status))
    } else if is(spec.warning) {
        Ok(Done::Warning(status))
    } else if is(spec.failure) {
        Err(WaitError::Failed {
            operation: spec.status_operation,
            outcome: read.outcome.unwrap_or_default(),
            message: read.message,
            canceled: read.canceled,
            status: Box::new(status),
        })
    } else {
        Err(WaitError::UnknownOutcome {
            operation: spec.status_operation,
            outcome: read.outcome,
            status: Box::new(status),
        })
    }
}

/// A finite progress figure as a whole percentage.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn percent(p: f64) -> u8 {
    // Clamped to 0..=100 first, so the cast can neither truncate nor lose a sign.
    p.clamp(0.0, 100.0).round() as u8
}

/// The value at a dotted path of wire names.
fn at<'v>(value: &'v Value, dotted: &str) -> Option<&'v Value> {
    dotted.split('.').try_fold(value, |v, key| v.get(key))
}
