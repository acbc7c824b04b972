//! One OAuth2 grant sent to a token endpoint (RFC 6749 §4.3, §4.4, §6) and its answer read:
//! the HTTP side of a login, below the identity cache that decides when to send one.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use base64::Engine;
use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};

use super::redact::Redactor;
use super::retry::{classify, Attempts, Decision, Outcome, RetryPolicy};
use super::transport::{sensitive_header, Failure, Read, Transport, Wiped};
use super::Secret;

/// An OAuth2 grant (RFC 6749 §4.3, §4.4, §6).
/// Its `Debug` shows names, never secrets (they are [`Secret`]s).
#[derive(Clone, Debug)]
pub(crate) enum TokenGrant {
    Password {
        username: String,
        password: Secret,
    },
    /// The client authenticates with HTTP Basic (`client_secret_basic`, which every server
    /// that issues client secrets must accept, RFC 6749 §2.3.1).
    ClientCredentials {
        client_id: String,
        client_secret: Secret,
        scope: Option<String>,
    },
    Refresh {
        refresh_token: Secret,
    },
}

impl TokenGrant {
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            TokenGrant::Password { .. } => "password",
            TokenGrant::ClientCredentials { .. } => "client_credentials",
            TokenGrant::Refresh { .. } => "refresh_token",
        }
    }

    pub(crate) fn secret(&self) -> &Secret {
        match self {
            TokenGrant::Password { password, .. } => password,
            TokenGrant::ClientCredentials { client_secret, .. } => client_secret,
            TokenGrant::Refresh { refresh_token } => refresh_token,
        }
    }

    pub(crate) fn secret_kind(&self) -> &'static str {
        match self {
            TokenGrant::ClientCredentials { .. } => "client secret",
            _ => "password",
        }
    }

    /// The name and secret a login grant authenticates with.
    pub(crate) fn identity(&self) -> Option<(&str, &Secret)> {
        match self {
            TokenGrant::Password { username, password } => Some((username, password)),
            TokenGrant::ClientCredentials { client_id, client_secret, .. } => Some((client_id, client_secret)),
            TokenGrant::Refresh { .. } => None,
        }
    }

    /// Whether a lost answer could have counted as a failed sign-in (see
    /// [`TokenEndpoint::request`]).
    fn signs_in(&self) -> bool {
        !matches!(self, TokenGrant::Refresh { .. })
    }

    fn form(&self) -> Result<Wiped, serde_urlencoded::ser::Error> {
        let pairs: Vec<(&str, &str)> = match self {
            TokenGrant::Password { username, password } => {
                vec![("grant_type", "password"), ("username", username), ("password", password.expose())]
            }
            TokenGrant::ClientCredentials { scope, .. } => {
                let mut pairs = vec![("grant_type", "client_credentials")];
                pairs.extend(scope.as_deref().map(|s| ("scope", s)));
                pairs
            }
            TokenGrant::Refresh { refresh_token } => {
                vec![("grant_type", "refresh_token"), ("refresh_token", refresh_token.expose())]
            }
        };
        serde_urlencoded::to_string(pairs).map(|s| Wiped(s.into_bytes()))
    }

    /// `Authorization: Basic` for client authentication (RFC 6749 §2.3.1: the id and secret
    /// form-encoded, then Base64), in wiped memory.
    fn client_authorization(&self) -> Option<HeaderValue> {
        let TokenGrant::ClientCredentials { client_id, client_secret, .. } = self else { return None };
        let encode = |v: &str| zeroize::Zeroizing::new(form_urlencoded_component(v));
        let pair = zeroize::Zeroizing::new(format!(
            "{}:{}",
            encode(client_id).as_str(),
            encode(client_secret.expose()).as_str()
        ));
        let token = zeroize::Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(pair.as_bytes()));
        sensitive_header(format!("Basic {}", token.as_str()).into_bytes())
    }
}

/// `application/x-www-form-urlencoded` encoding of one value.
fn form_urlencoded_component(value: &str) -> String {
    serde_urlencoded::to_string([("", value)]).map(|s| s[1..].to_owned()).unwrap_or_default()
}

/// A token a grant was answered with.
#[derive(Debug)]
pub(crate) struct Token {
    pub(crate) access_token: Secret,
    pub(crate) refresh_token: Option<Secret>,
    /// How long the access token lives, when the answer says (see [`lifetime`]).
    pub(crate) lifetime: Option<Duration>,
}

/// The standard OAuth2 token answer; other fields are ignored.
#[derive(serde::Deserialize)]
struct TokenAnswer {
    access_token: Secret,
    #[serde(default)]
    refresh_token: Option<Secret>,
    /// Any JSON number (or none); see [`lifetime`].
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
}

/// The longest token lifetime taken at its word: ten years.
const MAX_LIFETIME: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// `expires_in` as a lifetime: a positive number of seconds, at most [`MAX_LIFETIME`];
/// anything else (zero, negative, not a number) means the token's expiry is unknown.
fn lifetime(expires_in: Option<&serde_json::Value>) -> Option<Duration> {
    let seconds = match expires_in? {
        serde_json::Value::Number(n) => n.as_f64()?,
        serde_json::Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    if !seconds.is_finite() || seconds <= 0.0 {
        return None;
    }
    Some(Duration::from_secs_f64(seconds.min(MAX_LIFETIME.as_secs_f64())))
}

/// Why a grant got no token. A refused grant is never repeated on its own; other failures
/// (the endpoint unreachable or busy) may be tried again by a later call.
#[derive(Debug)]
pub(crate) struct GrantError {
    /// Blanked of every secret the redactor knew.
    pub(crate) message: String,
    pub(crate) refused: bool,
}

/// The token endpoint of a client's server, reached over the client's transport.
#[derive(Debug)]
pub(crate) struct TokenEndpoint {
    transport: Transport,
    /// The client's retry policy: a busy or unreachable endpoint is tried again.
    retry: RetryPolicy,
    /// Token requests sent, every attempt counted.
    requests: AtomicU64,
}

impl TokenEndpoint {
    pub(crate) fn new(transport: Transport, retry: RetryPolicy) -> Self {
        TokenEndpoint { transport, retry, requests: AtomicU64::new(0) }
    }

    /// The number of token requests sent so far, retries included.
    pub(crate) fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Sends `grant` to `token_url` (absolute, or a path on the base URL) and reads the
    /// token. Whatever `redactor` knows, and the grant's own secret, is blanked out of the
    /// error text.
    pub(crate) async fn request(
        &self,
        token_url: &str,
        grant: &TokenGrant,
        mut redactor: Redactor,
    ) -> Result<Token, GrantError> {
        let fail = |message: String, refused: bool| GrantError { message, refused };
        let url = if token_url.starts_with("http://") || token_url.starts_with("https://") {
            if self.transport.https() && token_url.starts_with("http://") {
                return Err(fail(
                    "the token endpoint is plain http while the server is https; not sending credentials".into(),
                    false,
                ));
            }
            token_url.to_owned()
        } else {
            format!("{}{token_url}", self.transport.base_url())
        };
        redactor.add(grant.secret());
        let span = tracing::debug_span!(
            "token",
            grant = grant.kind(),
            status = tracing::field::Empty,
            duration_ms = tracing::field::Empty
        );
        let started = Instant::now();
        let body = grant.form().map_err(|e| fail(format!("cannot encode the token request: {e}"), false))?.into_bytes();
        // A busy or unreachable token endpoint is tried again, like any request; an answer,
        // a refusal above all, is final. A password grant is sent again only when the first
        // never reached the server (the connection was refused): an answer lost on the way
        // back may still have counted as a failed sign-in.
        let mut attempts = Attempts::default();
        let sent = loop {
            self.requests.fetch_add(1, Ordering::Relaxed);
            let mut request = self
                .transport
                .request(reqwest::Method::POST, &url)
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(ACCEPT, "application/json")
                .body(body.clone());
            if let Some(client) = grant.client_authorization() {
                request = request.header(AUTHORIZATION, client);
            }
            let sent = tracing::Instrument::instrument(self.transport.send(request, Read::Whole), span.clone()).await;
            let outcome = match &sent {
                Ok(answer) => Outcome::Answer { status: answer.status, headers: &answer.headers, token_refused: false },
                Err(f) if f.is_transient() => Outcome::NoAnswer { timed_out: f.timed_out() },
                Err(_) => Outcome::Unusable,
            };
            let may_repeat = match &sent {
                _ if !grant.signs_in() => true,
                Err(Failure::Transport(e)) => e.is_connect(),
                _ => false,
            };
            match classify(&self.retry, may_repeat, &attempts, &outcome) {
                Decision::Retry(delay) if may_repeat => {
                    attempts.retries += 1;
                    tracing::debug!(parent: &span, delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX), "token endpoint busy or unreachable, retrying");
                    tokio::time::sleep(delay).await;
                }
                _ => break sent,
            }
        };
        span.record("duration_ms", u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX));
        let answer = match sent {
            Ok(answer) => answer,
            Err(Failure::Transport(e)) => {
                return Err(fail(
                    redactor.text(&format!("cannot reach the token endpoint: {}", e.without_url())),
                    false,
                ))
            }
            Err(Failure::TooLarge(limit)) => {
                return Err(fail(format!("the token answer exceeds {limit} bytes"), false))
            }
            Err(Failure::Redirect { status, location }) => {
                return Err(fail(
                    format!("the token endpoint redirected ({status}) to {location}; credentials are not sent there"),
                    false,
                ))
            }
        };
        span.record("status", answer.status);
        if !(200..300).contains(&answer.status) {
            // The body of a refused login names the reason; should the server echo the
            // password or refresh token back, in whatever encoding, it is blanked out.
            let refused = matches!(answer.status, 400 | 401) || answer.body.windows(13).any(|w| w == b"invalid_grant");
            let message = format!("the token endpoint answered {}: {}", answer.status, redactor.excerpt(&answer.body));
            return Err(fail(message, refused));
        }
        let token: TokenAnswer = serde_json::from_slice(&answer.body)
            .map_err(|e| fail(redactor.text(&format!("the token answer is not valid: {e}")), false))?;
        Ok(Token {
            lifetime: lifetime(token.expires_in.as_ref()),
            access_token: token.access_token,
            refresh_token: token.refresh_token,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn any_expires_in_is_a_lifetime_or_none() {
        assert_eq!(lifetime(Some(&json!(900))), Some(Duration::from_secs(900)));
        assert_eq!(lifetime(Some(&json!(i64::MAX))), Some(MAX_LIFETIME));
        assert_eq!(lifetime(Some(&json!(u64::MAX))), Some(MAX_LIFETIME));
        assert_eq!(lifetime(Some(&json!(1e300))), Some(MAX_LIFETIME));
        assert_eq!(lifetime(Some(&json!(-1))), None);
        assert_eq!(lifetime(Some(&json!(0))), None);
        assert_eq!(lifetime(Some(&json!("60"))), Some(Duration::from_secs(60)));
        assert_eq!(lifetime(Some(&json!("NaN"))), None);
        assert_eq!(lifetime(Some(&json!(null))), None);
        assert_eq!(lifetime(None), None);
    }
}
