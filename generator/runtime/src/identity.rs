//! The identity cache: the credentials a client holds, which one authorizes a request, and
//! the token lifecycle (login, refresh, renewal after a refused token).
//!
//! Tokens come from a [`TokenSource`]: the server's token endpoint ([`TokenEndpoint`]) in a
//! client, a fake in the tests below. The cache holds no reference to the client: what it
//! needs (the source, the refresh margin, the backoff that spaces failed renewals) it is
//! given when built, and it owns the credentials.
//!
//! Renewal is single-flight in both outcomes: whatever the number of callers that find the
//! token expired (or refused), one token request goes out, in a task of its own so that a
//! caller that gives up does not cancel it, and its result, success or failure, is shared
//! with every caller waiting on it. A password the token endpoint refuses is dropped at once,
//! and later calls fail fast until the user logs in again: an Active Directory account is
//! not locked out by a client retrying a changed password.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use base64::Engine;
use futures::future::{BoxFuture, FutureExt, Shared};
use reqwest::header::{HeaderName, HeaderValue, AUTHORIZATION};
// The tokio clock: the same as the system's, except in tests that pause time.
use tokio::time::Instant;

use super::oauth2::{GrantError, Token, TokenEndpoint, TokenGrant};
use super::operation::AuthScheme;
use super::redact::Redactor;
use super::retry::RetryPolicy;
use super::transport::sensitive_header;
use super::Secret;

/// Where new tokens come from: one grant in, a token or the reason for none out. The
/// identity cache decides when to ask, and asks one at a time.
pub(crate) trait TokenSource: Send + Sync + 'static {
    /// Sends `grant` to `token_url`; `redactor` knows every credential held, to blank out of
    /// the error text.
    fn fetch(
        &self,
        token_url: &str,
        grant: &TokenGrant,
        redactor: Redactor,
    ) -> impl Future<Output = Result<Token, GrantError>> + Send;
}

impl TokenSource for TokenEndpoint {
    fn fetch(
        &self,
        token_url: &str,
        grant: &TokenGrant,
        redactor: Redactor,
    ) -> impl Future<Output = Result<Token, GrantError>> + Send {
        self.request(token_url, grant, redactor)
    }
}

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
pub(crate) struct Identity<S = TokenEndpoint> {
    source: S,
    /// How long before expiry an access token is refreshed (see [`apply_token`]).
    refresh_margin: Duration,
    /// The client's retry policy, whose backoff spaces renewals after failures (see
    /// [`cooldown`]).
    retry: RetryPolicy,
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

impl<S: TokenSource> Identity<S> {
    pub(crate) fn new(source: S, refresh_margin: Duration, retry: RetryPolicy) -> Self {
        Identity { source, refresh_margin, retry, state: Mutex::default(), flight: Mutex::default() }
    }

    /// Where the tokens come from.
    pub(crate) fn source(&self) -> &S {
        &self.source
    }

    fn state(&self) -> MutexGuard<'_, AuthState> {
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
        *a = AuthState { generation: a.generation + 1, ..AuthState::default() };
        // Under the state lock, so no new flight starts in between.
        if let Some(flight) = self.flight().take() {
            flight.abort.abort();
        }
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

/// How a caller takes part in a renewal.
pub(crate) enum Joined {
    /// Nothing to wait for: the token changed already, or cannot be renewed.
    Now(Result<Renewed, AuthFailure>),
    /// The renewal under way, shared with every other caller.
    Wait(Shared<BoxFuture<'static, Result<(), AuthFailure>>>),
}

/// The token lifecycle.
impl<S: TokenSource> Identity<S> {
    /// Logs in with an OAuth2 grant (password or client credentials) and keeps the tokens.
    /// The grant is remembered only once the login has worked, to log in again when a
    /// refresh token is refused or none was issued.
    pub(crate) async fn login(&self, token_url: &str, grant: TokenGrant) -> Result<(), AuthFailure> {
        let token = self.fetch(token_url, &grant).await.map_err(|e| AuthFailure::new(e.message))?;
        // One lock: a renewal of the previous login that ends now finds the generation
        // changed and cannot undo this one.
        let mut a = self.state();
        a.token_url = Some(token_url.to_owned());
        a.login = Some(grant);
        a.refused = None;
        apply_token(&mut a, token, self.refresh_margin);
        Ok(())
    }

    /// Asks the source, with every credential held (and the grant's own secret) to blank
    /// out of its error text.
    async fn fetch(&self, token_url: &str, grant: &TokenGrant) -> Result<Token, GrantError> {
        let redactor = self.redactor();
        self.source.fetch(token_url, grant, redactor).await
    }

    /// Joins (or starts) the renewal of generation `generation`, read at `read_at`: the
    /// refresh grant first (a refresh token works once), the password grant when that
    /// fails. One flight per generation; see the module documentation.
    pub(crate) fn join(self: &Arc<Self>, generation: u64, read_at: Instant) -> Joined {
        let a = self.state();
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
        let cool = cooldown(&self.retry, a.failed_renewals);
        let mut slot = self.flight();
        let joinable = slot.as_ref().filter(|f| {
            f.generation == generation && f.done_at.get().is_none_or(|done| read_at <= *done || done.elapsed() < cool)
        });
        if let Some(f) = joinable {
            return Joined::Wait(f.future.clone());
        }
        let done_at = Arc::new(OnceLock::new());
        // A task of its own: the caller that started it may be cancelled, the renewal is not.
        let task = tokio::spawn(Arc::clone(self).renewal(generation, Landing(Arc::clone(&done_at))));
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

    /// [`Self::join`], and wait for the outcome.
    pub(crate) async fn renew(self: &Arc<Self>, generation: u64, read_at: Instant) -> Result<Renewed, AuthFailure> {
        match self.join(generation, read_at) {
            Joined::Now(result) => result,
            Joined::Wait(future) => future.await.map(|()| Renewed::Yes),
        }
    }

    async fn renewal(self: Arc<Self>, generation: u64, landing: Landing) -> Result<(), AuthFailure> {
        let result = self.renew_now(generation).await;
        {
            let mut a = self.state();
            a.failed_renewals = if result.is_ok() { 0 } else { a.failed_renewals.saturating_add(1) };
        }
        drop(landing);
        result
    }

    async fn renew_now(&self, generation: u64) -> Result<(), AuthFailure> {
        let (token_url, refresh, password) = {
            let mut a = self.state();
            if a.generation != generation {
                return Ok(());
            }
            // Spent whatever the answer: the server may consume it even if we see no answer.
            (a.token_url.clone(), a.refresh_token.take(), a.login.clone())
        };
        let Some(token_url) = token_url else { return Err(AuthFailure::new("there is no login to renew")) };
        if let Some(refresh_token) = refresh {
            match self.fetch(&token_url, &TokenGrant::Refresh { refresh_token }).await {
                Ok(token) => {
                    self.store_token(token, generation);
                    return Ok(());
                }
                Err(e) => tracing::debug!(error = %e.message, "the refresh token was refused; logging in again"),
            }
        }
        let Some(grant) = password else {
            return Err(AuthFailure::new("the refresh token was refused and no login is remembered; log in again"));
        };
        match self.fetch(&token_url, &grant).await {
            Ok(token) => {
                self.store_token(token, generation);
                Ok(())
            }
            Err(e) if e.refused => {
                let reason = format!("{}; the remembered {} was dropped, log in again", e.message, grant.secret_kind());
                let mut a = self.state();
                if a.generation == generation {
                    // Never try this password (or client secret) again on our own: each try
                    // counts towards an account lockout.
                    a.login = None;
                    a.refresh_token = None;
                    a.refused = Some(reason.clone());
                }
                Err(AuthFailure::new(reason))
            }
            Err(e) => Err(AuthFailure::new(e.message)),
        }
    }

    /// Keeps the tokens of a renewal of generation `renewing`, unless the credentials were
    /// forgotten (or replaced by a login) while it was in flight: a logout is not undone by
    /// a refresh that was under way.
    fn store_token(&self, token: Token, renewing: u64) {
        let mut a = self.state();
        if a.generation == renewing {
            apply_token(&mut a, token, self.refresh_margin);
        }
    }
}

/// After `failures` renewals in a row failed without a refusal (the token endpoint down, an
/// answer lost), how long every caller shares the last failure instead of starting a new
/// token request: the retry policy's backoff, doubling up to its `max_delay`. A token
/// endpoint that keeps failing is not sent a password grant per wave of calls.
fn cooldown(policy: &RetryPolicy, failures: u32) -> Duration {
    match failures {
        0 => Duration::ZERO,
        n => policy.base_delay.saturating_mul(1 << (n - 1).min(16)).min(policy.max_delay),
    }
}

/// Puts a token in place and schedules the next refresh.
fn apply_token(a: &mut AuthState, token: Token, refresh_margin: Duration) {
    let now = Instant::now();
    a.set_access_token(token.access_token);
    a.refresh_token = token.refresh_token;
    a.expires_at = None;
    a.refresh_at = None;
    if let Some(lifetime) = token.lifetime {
        // Refresh `refresh_margin` before expiry, but not before half the lifetime has
        // passed: with a token shorter-lived than the margin every request would refresh.
        let margin = refresh_margin.min(lifetime / 2);
        a.expires_at = now.checked_add(lifetime);
        a.refresh_at = a.expires_at.and_then(|e| e.checked_sub(margin));
    }
}
