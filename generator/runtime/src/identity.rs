//! The identity cache: the credentials a client holds, which one authorizes a request, and
//! the token lifecycle (login, refresh, renewal after a refused token).
//!
//! Renewal is single-flight in both outcomes: whatever the number of callers that find the
//! token expired (or refused), one token request goes out, in a task of its own so that a
//! caller that gives up does not cancel it, and its result, success or failure, is shared
//! with every caller waiting on it. A password the token endpoint refuses is dropped at once,
//! and later calls fail fast until the user logs in again: an Active Directory account is
//! not locked out by a client retrying a changed password.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use base64::Engine;
use futures::future::{BoxFuture, FutureExt, Shared};
use reqwest::header::{HeaderName, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};

use super::core::Inner;
use super::operation::AuthScheme;
use super::redact::Redactor;
use super::retry::{classify, Attempts, Decision, Outcome};
use super::transport::{exchange, Failure, Wiped};
use super::Secret;

/// Why a login or a renewal failed; shared by every caller that waited on it.
#[derive(Clone, Debug)]
pub(crate) struct AuthFailure {
    pub(crate) message: String,
}

impl AuthFailure {
    fn new(message: impl Into<String>) -> Self {
        AuthFailure { message: message.into() }
    }
}

/// Credentials a client holds. Every secret is a [`Secret`], so printing the state (or a
/// panic message that includes it) shows no credential.
#[derive(Debug, Default)]
pub(crate) struct AuthState {
    access_token: Option<Secret>,
    /// `Bearer {access_token}`, built once per token rather than once per request, marked
    /// sensitive and kept in wiped memory.
    bearer_header: Option<HeaderValue>,
    refresh_token: Option<Secret>,
    expires_at: Option<Instant>,
    /// When the next request should refresh the token first (before `expires_at`).
    refresh_at: Option<Instant>,
    /// Bumped whenever the access token changes or the credentials are forgotten, so a
    /// request can tell whether the token it was refused with is still the current one.
    generation: u64,
    token_url: Option<String>,
    /// The grant that logged in (password or client credentials), repeated when a refresh
    /// token is refused or there is none.
    login: Option<TokenGrant>,
    /// Set when the token endpoint refused the remembered password: no token request is
    /// sent again until the next login.
    refused: Option<String>,
    basic: Option<(String, Secret)>,
    api_keys: BTreeMap<String, Secret>,
    /// Session headers captured from login answers, by lower-case header name.
    session_headers: BTreeMap<String, Secret>,
    token_requests: u64,
    /// Renewals that failed in a row (without a refusal).
    failed_renewals: u32,
}

impl AuthState {
    fn set_access_token(&mut self, token: Secret) {
        self.bearer_header = sensitive_header(format!("Bearer {}", token.expose()).into_bytes());
        self.access_token = Some(token);
        self.generation += 1;
    }

    fn renewable(&self) -> bool {
        self.token_url.is_some() && (self.login.is_some() || self.refresh_token.is_some() || self.refused.is_some())
    }
}

/// A header value marked sensitive (its `Debug` shows nothing) whose bytes are wiped when
/// the last copy is dropped.
fn sensitive_header(bytes: Vec<u8>) -> Option<HeaderValue> {
    let mut v = HeaderValue::from_maybe_shared(Wiped(bytes).into_bytes()).ok()?;
    v.set_sensitive(true);
    Some(v)
}

/// A renewal under way (or just ended), keyed by the token generation it replaces.
struct Flight {
    generation: u64,
    /// When it ended; callers that read the generation before then share its result, and
    /// so do all callers for a cool-down after a failure (see [`cooldown`]).
    done_at: Arc<OnceLock<Instant>>,
    future: Shared<BoxFuture<'static, Result<(), AuthFailure>>>,
    /// Forgetting the credentials stops the renewal.
    abort: tokio::task::AbortHandle,
}

/// Sets the flight's end time however its task ends: finished, failed, or dropped with its
/// runtime.
struct Landing(Arc<OnceLock<Instant>>);

impl Drop for Landing {
    fn drop(&mut self) {
        let _ = self.0.set(Instant::now());
    }
}

/// The identity cache of one client (shared by its clones).
#[derive(Default)]
pub(crate) struct Identity {
    state: Mutex<AuthState>,
    flight: Mutex<Option<Flight>>,
}

/// What authorizes one request.
pub(crate) struct Credential {
    /// The headers every scheme of the chosen requirement sends.
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    /// The query parameters (API keys) it sends.
    pub(crate) query: Vec<(&'static str, Secret)>,
    /// The token generation sent, when the token can be renewed.
    pub(crate) renewable: Option<u64>,
    /// When the credential was read.
    pub(crate) read_at: Instant,
    /// The secrets sent, to blank out of the answer even if the client holds others by then.
    pub(crate) secrets: Vec<Secret>,
}

/// A refresh the next request should wait for.
pub(crate) struct RefreshDue {
    pub(crate) generation: u64,
    /// The access token has not expired yet: a failed refresh can still go on with it.
    pub(crate) still_valid: bool,
}

/// How a renewal ended for its caller.
#[derive(Debug, PartialEq)]
pub(crate) enum Renewed {
    /// A new token is in place (from this renewal or another).
    Yes,
    /// There is no way to get one (no login to repeat).
    Impossible,
}

impl Identity {
    pub(crate) fn state(&self) -> MutexGuard<'_, AuthState> {
        // Every write replaces whole fields, so a lock poisoned by a panic elsewhere still
        // holds a consistent state.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn flight(&self) -> MutexGuard<'_, Option<Flight>> {
        self.flight.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn set_bearer_token(&self, token: Secret) {
        let mut a = self.state();
        a.set_access_token(token);
        a.expires_at = None;
        a.refresh_at = None;
    }

    pub(crate) fn set_basic_auth(&self, username: &str, password: Secret) {
        self.state().basic = Some((username.to_owned(), password));
    }

    pub(crate) fn set_api_key(&self, scheme: &str, value: Secret) {
        self.state().api_keys.insert(scheme.to_owned(), value);
    }

    pub(crate) fn set_session_header(&self, header: &str, value: Secret) {
        self.state().session_headers.insert(header.to_ascii_lowercase(), value);
    }

    /// Forgets every credential; a renewal in flight finds the generation changed and drops
    /// what it gets.
    pub(crate) fn clear(&self) {
        let mut a = self.state();
        *a = AuthState { generation: a.generation + 1, token_requests: a.token_requests, ..AuthState::default() };
        // Under the state lock, so no new flight starts in between.
        if let Some(flight) = self.flight().take() {
            flight.abort.abort();
        }
    }

    pub(crate) fn token_requests(&self) -> u64 {
        self.state().token_requests
    }

    /// Every credential held, to blank out of error text.
    pub(crate) fn redactor(&self) -> Redactor {
        let a = self.state();
        let mut r = Redactor::default();
        for s in
            a.access_token.iter().chain(&a.refresh_token).chain(a.api_keys.values()).chain(a.session_headers.values())
        {
            r.add(s);
        }
        let login = a.login.as_ref().and_then(TokenGrant::identity);
        for (user, pass) in login.into_iter().chain(a.basic.as_ref().map(|(u, p)| (u.as_str(), p))) {
            r.add(pass);
            r.add_str(&zeroize::Zeroizing::new(format!("{user}:{}", pass.expose())));
        }
        r
    }

    /// The refresh a request should wait for before it is sent, if any.
    pub(crate) fn refresh_due(&self) -> Option<RefreshDue> {
        let a = self.state();
        let at = a.refresh_at?;
        let now = Instant::now();
        if !a.renewable() || now < at {
            return None;
        }
        let still_valid = a.expires_at.is_some_and(|e| now < e);
        // With the password refused there is nothing to try while the token still works.
        if a.refused.is_some() && still_valid {
            return None;
        }
        Some(RefreshDue { generation: a.generation, still_valid })
    }

    /// The headers and query pairs that authorize a request: those of the first of the
    /// operation's security requirements whose every scheme the client has a credential for.
    pub(crate) fn credential(&self, requirements: &[&[AuthScheme]]) -> Credential {
        let a = self.state();
        let none = || Credential {
            headers: Vec::new(),
            query: Vec::new(),
            renewable: None,
            read_at: Instant::now(),
            secrets: Vec::new(),
        };
        // An empty alternative (anonymous access) is what is left when no other applies: it
        // sends nothing.
        for all in requirements.iter().filter(|all| !all.is_empty()) {
            let mut c = none();
            if all.iter().all(|scheme| a.apply(scheme, &mut c)) {
                return c;
            }
        }
        none()
    }
}

impl AuthState {
    /// Adds `scheme`'s credential to `c`; false when the client holds none for it.
    fn apply(&self, scheme: &AuthScheme, c: &mut Credential) -> bool {
        let a = self;
        match scheme {
            AuthScheme::Bearer => {
                let Some(v) = &a.bearer_header else { return false };
                c.headers.push((AUTHORIZATION, v.clone()));
                c.secrets.extend(a.access_token.clone());
                if a.renewable() {
                    c.renewable = Some(a.generation);
                }
                true
            }
            AuthScheme::Basic => {
                let Some((user, pass)) = &a.basic else { return false };
                let raw = zeroize::Zeroizing::new(format!("{user}:{}", pass.expose()));
                let token = zeroize::Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(raw.as_bytes()));
                let Some(v) = sensitive_header(format!("Basic {}", token.as_str()).into_bytes()) else { return false };
                c.headers.push((AUTHORIZATION, v));
                c.secrets.push(pass.clone());
                true
            }
            AuthScheme::ApiKeyHeader { scheme, header } => {
                let value = a.api_keys.get(*scheme).or_else(|| a.session_headers.get(&header.to_ascii_lowercase()));
                let (Some(value), Ok(name)) = (value, HeaderName::from_bytes(header.as_bytes())) else { return false };
                let Some(v) = sensitive_header(value.expose().as_bytes().to_vec()) else { return false };
                c.headers.push((name, v));
                c.secrets.push(value.clone());
                true
            }
            AuthScheme::ApiKeyQuery { scheme, name } => {
                let Some(value) = a.api_keys.get(*scheme) else { return false };
                c.query.push((name, value.clone()));
                c.secrets.push(value.clone());
                true
            }
        }
    }
}

/// Logs in with an OAuth2 grant (password or client credentials) and keeps the tokens. The
/// grant is remembered only once the login has worked, to log in again when a refresh token
/// is refused or none was issued.
pub(crate) async fn login(inner: &Arc<Inner>, token_url: &str, grant: TokenGrant) -> Result<(), AuthFailure> {
    let token = token_request(inner, token_url, &grant).await?;
    // One lock: a renewal of the previous login that ends now finds the generation changed
    // and cannot undo this one.
    let mut a = inner.identity.state();
    a.token_url = Some(token_url.to_owned());
    a.login = Some(grant);
    a.refused = None;
    apply_token(&mut a, token, inner.refresh_margin);
    Ok(())
}

/// How a caller takes part in a renewal.
pub(crate) enum Joined {
    /// Nothing to wait for: the token changed already, or cannot be renewed.
    Now(Result<Renewed, AuthFailure>),
    /// The renewal under way, shared with every other caller.
    Wait(Shared<BoxFuture<'static, Result<(), AuthFailure>>>),
}

/// Joins (or starts) the renewal of generation `generation`, read at `read_at`: the refresh
/// grant first (a refresh token works once), the password grant when that fails. One flight
/// per generation; see the module documentation.
pub(crate) fn join(inner: &Arc<Inner>, generation: u64, read_at: Instant) -> Joined {
    let a = inner.identity.state();
    if a.generation != generation {
        return Joined::Now(Ok(Renewed::Yes));
    }
    if let Some(reason) = &a.refused {
        return Joined::Now(Err(AuthFailure::new(reason.clone())));
    }
    if !a.renewable() {
        return Joined::Now(Ok(Renewed::Impossible));
    }
    // Taken while the state lock is held, so that `clear` cannot slip in between.
    let cool = cooldown(&inner.retry, a.failed_renewals);
    let mut slot = inner.identity.flight();
    let joinable = slot.as_ref().filter(|f| {
        f.generation == generation && f.done_at.get().is_none_or(|done| read_at <= *done || done.elapsed() < cool)
    });
    if let Some(f) = joinable {
        return Joined::Wait(f.future.clone());
    }
    let done_at = Arc::new(OnceLock::new());
    // A task of its own: the caller that started it may be cancelled, the renewal is not.
    let task = tokio::spawn(renewal(Arc::clone(inner), generation, Landing(Arc::clone(&done_at))));
    let abort = task.abort_handle();
    let future = async move {
        task.await.unwrap_or_else(|e| {
            Err(AuthFailure::new(if e.is_cancelled() {
                "the credentials were forgotten while the login was being renewed"
            } else {
                "the login renewal ended unexpectedly"
            }))
        })
    }
    .boxed()
    .shared();
    *slot = Some(Flight { generation, done_at, future: future.clone(), abort });
    Joined::Wait(future)
}

/// [`join`], and wait for the outcome.
pub(crate) async fn renew(inner: &Arc<Inner>, generation: u64, read_at: Instant) -> Result<Renewed, AuthFailure> {
    match join(inner, generation, read_at) {
        Joined::Now(result) => result,
        Joined::Wait(future) => future.await.map(|()| Renewed::Yes),
    }
}

async fn renewal(inner: Arc<Inner>, generation: u64, landing: Landing) -> Result<(), AuthFailure> {
    let result = renew_now(&inner, generation).await;
    {
        let mut a = inner.identity.state();
        a.failed_renewals = if result.is_ok() { 0 } else { a.failed_renewals.saturating_add(1) };
    }
    drop(landing);
    result
}

/// After `failures` renewals in a row failed without a refusal (the token endpoint down, an
/// answer lost), how long every caller shares the last failure instead of starting a new
/// token request: the retry policy's backoff, doubling up to its `max_delay`. A token
/// endpoint that keeps failing is not sent a password grant per wave of calls.
fn cooldown(policy: &super::retry::RetryPolicy, failures: u32) -> Duration {
    match failures {
        0 => Duration::ZERO,
        n => policy.base_delay.saturating_mul(1 << (n - 1).min(16)).min(policy.max_delay),
    }
}

async fn renew_now(inner: &Arc<Inner>, generation: u64) -> Result<(), AuthFailure> {
    let (token_url, refresh, password) = {
        let mut a = inner.identity.state();
        if a.generation != generation {
            return Ok(());
        }
        // Spent whatever the answer: the server may consume it even if we see no answer.
        (a.token_url.clone(), a.refresh_token.take(), a.login.clone())
    };
    let Some(token_url) = token_url else { return Err(AuthFailure::new("there is no login to renew")) };
    if let Some(refresh_token) = refresh {
        match token_request(inner, &token_url, &TokenGrant::Refresh { refresh_token }).await {
            Ok(token) => {
                store_token(inner, token, generation);
                return Ok(());
            }
            Err(e) => tracing::debug!(error = %e.failure.message, "the refresh token was refused; logging in again"),
        }
    }
    let Some(grant) = password else {
        return Err(AuthFailure::new("the refresh token was refused and no login is remembered; log in again"));
    };
    match token_request(inner, &token_url, &grant).await {
        Ok(token) => {
            store_token(inner, token, generation);
            Ok(())
        }
        Err(e) if e.refused => {
            let reason =
                format!("{}; the remembered {} was dropped, log in again", e.failure.message, grant.secret_kind());
            let mut a = inner.identity.state();
            if a.generation == generation {
                // Never try this password (or client secret) again on our own: each try
                // counts towards an account lockout.
                a.login = None;
                a.refresh_token = None;
                a.refused = Some(reason.clone());
            }
            Err(AuthFailure::new(reason))
        }
        Err(e) => Err(e.failure),
    }
}

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
    fn kind(&self) -> &'static str {
        match self {
            TokenGrant::Password { .. } => "password",
            TokenGrant::ClientCredentials { .. } => "client_credentials",
            TokenGrant::Refresh { .. } => "refresh_token",
        }
    }

    fn secret(&self) -> &Secret {
        match self {
            TokenGrant::Password { password, .. } => password,
            TokenGrant::ClientCredentials { client_secret, .. } => client_secret,
            TokenGrant::Refresh { refresh_token } => refresh_token,
        }
    }

    fn secret_kind(&self) -> &'static str {
        match self {
            TokenGrant::ClientCredentials { .. } => "client secret",
            _ => "password",
        }
    }

    /// The name and secret a login grant authenticates with.
    fn identity(&self) -> Option<(&str, &Secret)> {
        match self {
            TokenGrant::Password { username, password } => Some((username, password)),
            TokenGrant::ClientCredentials { client_id, client_secret, .. } => Some((client_id, client_secret)),
            TokenGrant::Refresh { .. } => None,
        }
    }

    /// Whether a lost answer could have counted as a failed sign-in (see `token_request`).
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

/// A refused grant is never repeated on its own; other failures (the endpoint unreachable or
/// busy) may be tried again by a later call.
struct GrantError {
    failure: AuthFailure,
    refused: bool,
}

impl From<GrantError> for AuthFailure {
    fn from(e: GrantError) -> Self {
        e.failure
    }
}

/// Sends a token request and returns the answer.
async fn token_request(inner: &Arc<Inner>, token_url: &str, grant: &TokenGrant) -> Result<TokenAnswer, GrantError> {
    let fail = |message: String, refused: bool| GrantError { failure: AuthFailure::new(message), refused };
    let url = if token_url.starts_with("http://") || token_url.starts_with("https://") {
        if inner.https && token_url.starts_with("http://") {
            return Err(fail(
                "the token endpoint is plain http while the server is https; not sending credentials".into(),
                false,
            ));
        }
        token_url.to_owned()
    } else {
        format!("{}{token_url}", inner.base_url)
    };
    let mut redactor = inner.identity.redactor();
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
    // never reached the server (the connection was refused): an answer lost on the way back
    // may still have counted as a failed sign-in.
    let mut attempts = Attempts::default();
    let sent = loop {
        inner.identity.state().token_requests += 1;
        let mut request = inner
            .http
            .post(&url)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(ACCEPT, "application/json")
            .body(body.clone());
        if let Some(client) = grant.client_authorization() {
            request = request.header(AUTHORIZATION, client);
        }
        let sent = tracing::Instrument::instrument(exchange(request, inner.limits.max_body), span.clone()).await;
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
        match classify(&inner.retry, may_repeat, &attempts, &outcome) {
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
            return Err(fail(redactor.text(&format!("cannot reach the token endpoint: {}", e.without_url())), false))
        }
        Err(Failure::TooLarge(limit)) => return Err(fail(format!("the token answer exceeds {limit} bytes"), false)),
        Err(Failure::Redirect { status, location }) => {
            return Err(fail(
                format!("the token endpoint redirected ({status}) to {location}; credentials are not sent there"),
                false,
            ))
        }
    };
    span.record("status", answer.status);
    if !(200..300).contains(&answer.status) {
        // The body of a refused login names the reason; should the server echo the password
        // or refresh token back, in whatever encoding, it is blanked out.
        let refused = matches!(answer.status, 400 | 401) || answer.body.windows(13).any(|w| w == b"invalid_grant");
        let message = format!("the token endpoint answered {}: {}", answer.status, redactor.excerpt(&answer.body));
        return Err(fail(message, refused));
    }
    serde_json::from_slice(&answer.body)
        .map_err(|e| fail(redactor.text(&format!("the token answer is not valid: {e}")), false))
}

/// Keeps the tokens of a renewal of generation `renewing`, unless the credentials were
/// forgotten (or replaced by a login) while it was in flight: a logout is not undone by a
/// refresh that was under way.
fn store_token(inner: &Inner, token: TokenAnswer, renewing: u64) {
    let mut a = inner.identity.state();
    if a.generation == renewing {
        apply_token(&mut a, token, inner.refresh_margin);
    }
}

/// Puts a token answer in place and schedules the next refresh.
fn apply_token(a: &mut AuthState, token: TokenAnswer, refresh_margin: Duration) {
    let now = Instant::now();
    a.set_access_token(token.access_token);
    a.refresh_token = token.refresh_token;
    a.expires_at = None;
    a.refresh_at = None;
    if let Some(lifetime) = lifetime(token.expires_in.as_ref()) {
        // Refresh `refresh_margin` before expiry, but not before half the lifetime has
        // passed: with a token shorter-lived than the margin every request would refresh.
        let margin = refresh_margin.min(lifetime / 2);
        a.expires_at = now.checked_add(lifetime);
        a.refresh_at = a.expires_at.and_then(|e| e.checked_sub(margin));
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
