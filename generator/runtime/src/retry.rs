//! Retry classification as a value: what happened to one attempt ([`Outcome`]) and what the
//! call does next ([`Decision`]), decided by [`classify`] alone, so the send loop holds no
//! policy of its own.

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};

/// Retry settings: idempotent requests are retried on connection errors, 429 and 503, and on
/// 502 and 504, which a reverse proxy answers when the server behind it did not.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Attempts in all, the first included. `1` disables retries.
    pub max_attempts: u32,
    /// Delay before the first retry; doubled each time, with jitter.
    pub base_delay: Duration,
    /// Longest delay between attempts, `Retry-After` included.
    pub max_delay: Duration,
    /// Also retry POST and PATCH. Only safe when the server deduplicates.
    pub retry_non_idempotent: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(30),
            retry_non_idempotent: false,
        }
    }
}

/// What one attempt came to.
#[derive(Debug)]
pub(crate) enum Outcome<'a> {
    /// No answer: the connection was refused or reset, or the body could not be read.
    /// `timed_out` when the per-request timeout struck (not retried: the server may still
    /// be working, and the caller chose the limit).
    NoAnswer { timed_out: bool },
    /// An answer that no repeat can change (a redirect, a body over the cap).
    Unusable,
    /// An answer with this status and these headers.
    Answer {
        status: u16,
        headers: &'a HeaderMap,
        /// A 401 whose body says the token itself was refused, on a request that sent a
        /// renewable token.
        token_refused: bool,
    },
}

/// What the call does after an attempt.
#[derive(Debug, PartialEq)]
pub(crate) enum Decision {
    /// Return this outcome to the caller.
    Done,
    /// Send again after this delay.
    Retry(Duration),
    /// Renew the login, then send again (once per call).
    Reauthenticate,
}

/// What the call has done so far.
#[derive(Debug, Default)]
pub(crate) struct Attempts {
    /// Retries the policy allowed so far (a repeat after a re-login is not one).
    pub(crate) retries: u32,
    /// Whether the login was renewed once already.
    pub(crate) reauthenticated: bool,
}

/// Decides what follows an attempt. `idempotent`: the request may be repeated.
pub(crate) fn classify(policy: &RetryPolicy, idempotent: bool, attempts: &Attempts, outcome: &Outcome<'_>) -> Decision {
    let may_retry = (idempotent || policy.retry_non_idempotent) && attempts.retries + 1 < policy.max_attempts;
    match outcome {
        Outcome::NoAnswer { timed_out: true, .. } => Decision::Done,
        Outcome::NoAnswer { .. } if may_retry => Decision::Retry(backoff(policy, attempts.retries + 1, None)),
        Outcome::NoAnswer { .. } | Outcome::Unusable => Decision::Done,
        Outcome::Answer { status: 401, token_refused: true, .. } if !attempts.reauthenticated => {
            Decision::Reauthenticate
        }
        // 502 and 504 come from a proxy or gateway in front of the server: for a request that
        // may be repeated, the next attempt may reach a server that answers.
        Outcome::Answer { status: 429 | 502 | 503 | 504, headers, .. } if may_retry => {
            let after = headers.get(RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(retry_after);
            Decision::Retry(backoff(policy, attempts.retries + 1, after))
        }
        Outcome::Answer { .. } => Decision::Done,
    }
}

/// The longest `Retry-After` taken at its word; a larger one (or a date far ahead) is
/// capped by the policy's `max_delay` anyway, and this keeps the arithmetic in range.
const RETRY_AFTER_CEILING: Duration = Duration::from_secs(24 * 3600);

/// A `Retry-After` value: delay-seconds or an HTTP-date (RFC 9110 §10.2.3). Any number the
/// server sends is accepted without overflow.
pub(crate) fn retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Too many digits for a u64 is still "a long time".
        let seconds = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(seconds).min(RETRY_AFTER_CEILING));
    }
    // IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) is a valid RFC 2822 date.
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.with_timezone(&chrono::Utc).signed_duration_since(chrono::Utc::now());
    Some(wait.to_std().unwrap_or(Duration::ZERO).min(RETRY_AFTER_CEILING))
}

/// Exponential backoff with jitter (between half and all of the exponential delay), or the
/// server's `Retry-After`, capped at `max_delay`. `retry` counts from 1.
///
/// The schedule is backon's: it adds a jitter within `(0, delay)` to each delay, so starting
/// it at half of `base_delay` and capping it at half of `max_delay` gives delays between half
/// and all of `base_delay × 2^(retry-1)`, never above `max_delay`.
pub(crate) fn backoff(policy: &RetryPolicy, retry: u32, retry_after: Option<Duration>) -> Duration {
    if let Some(after) = retry_after {
        return after.min(policy.max_delay);
    }
    use backon::BackoffBuilder as _;
    let nth = usize::try_from(retry.saturating_sub(1)).unwrap_or(usize::MAX);
    backon::ExponentialBuilder::default()
        .with_min_delay(policy.base_delay / 2)
        .with_max_delay(policy.max_delay / 2)
        .with_factor(2.0)
        .with_jitter()
        .without_max_times()
        .build()
        .nth(nth)
        .unwrap_or(policy.max_delay)
        .min(policy.max_delay)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        let policy = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
            ..RetryPolicy::default()
        };
        for _ in 0..100 {
            let first = backoff(&policy, 1, None);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100), "{first:?}");
            let second = backoff(&policy, 2, None);
            assert!(second >= Duration::from_millis(100) && second <= Duration::from_millis(200), "{second:?}");
            assert!(backoff(&policy, 30, None) <= policy.max_delay);
        }
        assert_eq!(backoff(&policy, 1, Some(Duration::from_millis(300))), Duration::from_millis(300));
        assert_eq!(backoff(&policy, 1, Some(Duration::from_secs(60))), policy.max_delay);
    }

    #[test]
    fn retry_after_takes_seconds_and_dates_and_any_number() {
        assert_eq!(retry_after(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(retry_after("Sun, 06 Nov 1994 08:49:37 GMT"), Some(Duration::ZERO));
        let later =
            (chrono::Utc::now() + chrono::Duration::seconds(120)).format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        let d = retry_after(&later).unwrap();
        assert!(d > Duration::from_secs(100) && d <= Duration::from_secs(120), "{d:?}");
        assert_eq!(retry_after("soon"), None);
        assert_eq!(retry_after("-5"), None);
        assert_eq!(retry_after("99999999999999999999999999"), Some(RETRY_AFTER_CEILING));
        assert_eq!(retry_after("18446744073709551615"), Some(RETRY_AFTER_CEILING));
    }

    #[test]
    fn classification() {
        let policy = RetryPolicy::default();
        let headers = HeaderMap::new();
        let fresh = Attempts::default();
        let busy = Outcome::Answer { status: 503, headers: &headers, token_refused: false };
        assert!(matches!(classify(&policy, true, &fresh, &busy), Decision::Retry(_)));
        assert_eq!(classify(&policy, false, &fresh, &busy), Decision::Done);
        let spent = Attempts { retries: 2, reauthenticated: false };
        assert_eq!(classify(&policy, true, &spent, &busy), Decision::Done);
        let refused = Outcome::Answer { status: 401, headers: &headers, token_refused: true };
        assert_eq!(classify(&policy, false, &fresh, &refused), Decision::Reauthenticate);
        let again = Attempts { retries: 0, reauthenticated: true };
        assert_eq!(classify(&policy, false, &again, &refused), Decision::Done);
        let timeout = Outcome::NoAnswer { timed_out: true };
        assert_eq!(classify(&policy, true, &fresh, &timeout), Decision::Done);
        let reset = Outcome::NoAnswer { timed_out: false };
        assert!(matches!(classify(&policy, true, &fresh, &reset), Decision::Retry(_)));
        assert_eq!(classify(&policy, false, &fresh, &reset), Decision::Done);
        // A reverse proxy's 502 and 504: repeated when the request may be, never otherwise.
        for status in [502, 504] {
            let gateway = Outcome::Answer { status, headers: &headers, token_refused: false };
            assert!(matches!(classify(&policy, true, &fresh, &gateway), Decision::Retry(_)), "{status}");
            assert_eq!(classify(&policy, false, &fresh, &gateway), Decision::Done, "{status}");
        }
        let other = Outcome::Answer { status: 500, headers: &headers, token_refused: false };
        assert_eq!(classify(&policy, true, &fresh, &other), Decision::Done);
    }
}
