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

    /// Logs in with a refresh token kept from an earlier login (the OAuth2 refresh grant).
    /// No password is remembered: when the next refresh token is refused, the login is over.
    pub(crate) async fn login_with_refresh_token(
        &self,
        token_url: &str,
        refresh_token: Secret,
    ) -> Result<(), AuthFailure> {
        let grant = TokenGrant::Refresh { refresh_token };
        let token = self.fetch(token_url, &grant).await.map_err(|e| AuthFailure::new(e.message))?;
        let mut a = self.state();
        a.token_url = Some(token_url.to_owned());
        a.login = None;
        a.refused = None;
        apply_token(&mut a, token, self.refresh_margin);
        Ok(())
    }

    /// The refresh token held, if the token endpoint issued one.
    pub(crate) fn refresh_token(&self) -> Option<Secret> {
        self.state().refresh_token.clone()
    }

    /// The API key held for the security scheme `scheme`, if any.
    pub(crate) fn api_key(&self, scheme: &str) -> Option<Secret> {
        self.state().api_keys.get(scheme).cloned()
    }

    /// The session header held under `header` (any case), if a logon answer gave one.
    pub(crate) fn session_header(&self, header: &str) -> Option<Secret> {
        self.state().session_headers.get(&header.to_ascii_lowercase()).cloned()
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

/// The token lifecycle in-process: a fake token source and tokio's paused clock, so that
/// expiry, cool-downs and slow token endpoints take no real time.
#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use super::*;

    /// What the fake answers one grant with.
    enum Answer {
        /// A token `t{n}` (`n` counting grants) living this long, with a refresh token
        /// `r{n}` when `refresh`.
        Token { lifetime: Option<Duration>, refresh: bool },
        /// The endpoint did not answer (a transient failure).
        Fail,
        /// The endpoint refused the grant.
        Refuse,
    }

    /// A token source that records the grants it is sent and answers from a script (a
    /// token living ten minutes, with a refresh token, once the script is spent).
    #[derive(Default)]
    struct Fake {
        /// Each grant's kind and secret, in the order asked.
        asked: Mutex<Vec<(&'static str, String)>>,
        /// How long each answer takes.
        delay: Mutex<Duration>,
        script: Mutex<VecDeque<Answer>>,
    }

    impl Fake {
        fn asked(&self) -> Vec<&'static str> {
            self.asked.lock().unwrap().iter().map(|(kind, _)| *kind).collect()
        }

        fn script(&self, answers: impl IntoIterator<Item = Answer>) {
            self.script.lock().unwrap().extend(answers);
        }
    }

    impl TokenSource for Fake {
        fn fetch(
            &self,
            _token_url: &str,
            grant: &TokenGrant,
            _redactor: Redactor,
        ) -> impl Future<Output = Result<Token, GrantError>> + Send {
            let n = {
                let mut asked = self.asked.lock().unwrap();
                asked.push((grant.kind(), grant.secret().expose().to_owned()));
                asked.len()
            };
            let delay = *self.delay.lock().unwrap();
            let answer = self.script.lock().unwrap().pop_front().unwrap_or(TEN_MINUTES);
            async move {
                tokio::time::sleep(delay).await;
                match answer {
                    Answer::Token { lifetime, refresh } => Ok(Token {
                        access_token: Secret::from(format!("t{n}")),
                        refresh_token: refresh.then(|| Secret::from(format!("r{n}"))),
                        lifetime,
                    }),
                    Answer::Fail => Err(GrantError { message: "the endpoint did not answer".into(), refused: false }),
                    Answer::Refuse => Err(GrantError { message: "invalid_grant".into(), refused: true }),
                }
            }
        }
    }

    const TEN_MINUTES: Answer = Answer::Token { lifetime: Some(Duration::from_secs(600)), refresh: true };
    const MARGIN: Duration = Duration::from_secs(30);
    const BEARER: &[&[AuthScheme]] = &[&[AuthScheme::Bearer]];

    /// A cache logged in with the password grant, answered by `first`.
    async fn logged_in(first: Answer) -> Arc<Identity<Fake>> {
        let identity = Arc::new(Identity::new(Fake::default(), MARGIN, RetryPolicy::default()));
        identity.source.script([first]);
        let grant = TokenGrant::Password { username: "admin".into(), password: Secret::from("hunter2") };
        identity.login("/token", grant).await.expect("the login works");
        identity
    }

    /// The `Authorization` header a request would send now.
    fn bearer(identity: &Identity<Fake>) -> String {
        let c = identity.credential(BEARER);
        c.headers.iter().map(|(_, v)| v.to_str().unwrap().to_owned()).collect()
    }

    /// What a request reads before it is refused: the generation and when.
    fn read(identity: &Identity<Fake>) -> (u64, Instant) {
        let c = identity.credential(BEARER);
        (c.renewable.expect("a renewable token"), c.read_at)
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_with_an_expired_token_share_one_renewal() {
        let identity = logged_in(TEN_MINUTES).await;
        *identity.source.delay.lock().unwrap() = Duration::from_secs(2);
        tokio::time::advance(Duration::from_secs(601)).await;
        let due = identity.refresh_due().expect("an expired token is due");
        assert!(!due.still_valid);
        let callers: Vec<_> = (0..16)
            .map(|_| {
                let identity = Arc::clone(&identity);
                tokio::spawn(async move {
                    let (generation, read_at) = read(&identity);
                    let renewed = identity.renew(generation, read_at).await;
                    (renewed.map_err(|f| f.message), bearer(&identity))
                })
            })
            .collect();
        for caller in callers {
            assert_eq!(caller.await.unwrap(), (Ok(Renewed::Yes), "Bearer t2".to_owned()));
        }
        // The login, then one refresh with the login's refresh token.
        assert_eq!(
            *identity.source.asked.lock().unwrap(),
            [("password", "hunter2".into()), ("refresh_token", "r1".into())]
        );
        assert!(identity.refresh_due().is_none(), "the new token is not due");
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_renewal_is_shared_for_a_cool_down_that_doubles() {
        // No refresh token: a renewal is one password grant.
        let identity = logged_in(Answer::Token { lifetime: None, refresh: false }).await;
        identity.source.script([Answer::Fail, Answer::Fail]);
        let (generation, read_at) = read(&identity);
        assert!(identity.renew(generation, read_at).await.is_err());
        assert_eq!(identity.source.asked(), ["password", "password"]);
        // The first cool-down is the retry policy's base delay, 200 ms: callers that read the
        // token after the failure share it instead of asking again.
        tokio::time::advance(Duration::from_millis(150)).await;
        let failed = identity.renew(generation, Instant::now()).await.unwrap_err();
        assert_eq!(failed.message, "the endpoint did not answer");
        assert_eq!(identity.source.asked().len(), 2, "no token request within the cool-down");
        tokio::time::advance(Duration::from_millis(100)).await;
        assert!(identity.renew(generation, Instant::now()).await.is_err());
        assert_eq!(identity.source.asked().len(), 3, "a token request once the cool-down is over");
        // Two failures in a row: 400 ms.
        tokio::time::advance(Duration::from_millis(300)).await;
        assert!(identity.renew(generation, Instant::now()).await.is_err());
        assert_eq!(identity.source.asked().len(), 3, "the second cool-down is longer");
        tokio::time::advance(Duration::from_millis(150)).await;
        assert_eq!(identity.renew(generation, Instant::now()).await.unwrap(), Renewed::Yes);
        assert_eq!(identity.source.asked().len(), 4);
        assert_eq!(bearer(&identity), "Bearer t4");
        // A success resets the count: the next failure cools down for the base delay again.
        assert_eq!(identity.state().failed_renewals, 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_cancelled_caller_does_not_cancel_the_renewal() {
        let identity = logged_in(TEN_MINUTES).await;
        *identity.source.delay.lock().unwrap() = Duration::from_secs(10);
        let (generation, read_at) = read(&identity);
        // The caller gives up after a second, its future dropped mid-renewal.
        let gave_up = tokio::time::timeout(Duration::from_secs(1), identity.renew(generation, read_at)).await;
        assert!(gave_up.is_err());
        assert_eq!(bearer(&identity), "Bearer t1");
        // The renewal goes on in its own task and its token is kept.
        tokio::time::sleep(Duration::from_secs(10)).await;
        assert_eq!(bearer(&identity), "Bearer t2");
        // A caller refused with the old token finds the new one without a token request.
        assert!(matches!(identity.join(generation, read_at), Joined::Now(Ok(Renewed::Yes))));
        assert_eq!(identity.source.asked(), ["password", "refresh_token"]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_caller_after_a_cancelled_one_joins_its_renewal() {
        let identity = logged_in(TEN_MINUTES).await;
        *identity.source.delay.lock().unwrap() = Duration::from_secs(10);
        let (generation, read_at) = read(&identity);
        let gave_up = tokio::time::timeout(Duration::from_secs(1), identity.renew(generation, read_at)).await;
        assert!(gave_up.is_err());
        // Mid-renewal, the next caller waits for the same token request.
        let started = Instant::now();
        assert_eq!(identity.renew(generation, read_at).await.unwrap(), Renewed::Yes);
        assert_eq!(started.elapsed(), Duration::from_secs(9), "it waited for the renewal under way");
        assert_eq!(bearer(&identity), "Bearer t2");
        assert_eq!(identity.source.asked(), ["password", "refresh_token"]);
    }

    #[tokio::test(start_paused = true)]
    async fn forgetting_the_credentials_stops_the_renewal() {
        let identity = logged_in(TEN_MINUTES).await;
        *identity.source.delay.lock().unwrap() = Duration::from_secs(10);
        let (generation, read_at) = read(&identity);
        let waiter = tokio::spawn({
            let identity = Arc::clone(&identity);
            async move { identity.renew(generation, read_at).await }
        });
        tokio::time::sleep(Duration::from_secs(1)).await;
        identity.clear();
        let failed = waiter.await.unwrap().unwrap_err();
        assert!(failed.message.contains("forgotten"), "{}", failed.message);
        tokio::time::sleep(Duration::from_secs(20)).await;
        assert_eq!(bearer(&identity), "", "the renewal's token is not kept after a logout");
    }

    #[tokio::test(start_paused = true)]
    async fn a_token_is_renewed_ahead_of_its_expiry() {
        let identity = logged_in(TEN_MINUTES).await;
        // Due `refresh_margin` (30 s) before it expires, while it still works.
        tokio::time::advance(Duration::from_secs(569)).await;
        assert!(identity.refresh_due().is_none());
        tokio::time::advance(Duration::from_secs(1)).await;
        let due = identity.refresh_due().expect("due 30 s before expiry");
        assert!(due.still_valid);
        let Joined::Wait(renewal) = identity.join(due.generation, Instant::now()) else { panic!("a renewal starts") };
        renewal.await.unwrap();
        assert_eq!(bearer(&identity), "Bearer t2");
        assert!(identity.refresh_due().is_none());
        // A token shorter-lived than twice the margin is due at half its lifetime instead.
        identity.source.script([Answer::Token { lifetime: Some(Duration::from_secs(40)), refresh: true }]);
        let (generation, read_at) = read(&identity);
        identity.renew(generation, read_at).await.unwrap();
        assert_eq!(bearer(&identity), "Bearer t3");
        tokio::time::advance(Duration::from_secs(19)).await;
        assert!(identity.refresh_due().is_none());
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(identity.refresh_due().is_some_and(|due| due.still_valid));
    }

    #[tokio::test(start_paused = true)]
    async fn a_refused_refresh_token_falls_back_to_the_password_once() {
        let identity = logged_in(TEN_MINUTES).await;
        identity.source.script([Answer::Refuse]);
        let (generation, read_at) = read(&identity);
        assert_eq!(identity.renew(generation, read_at).await.unwrap(), Renewed::Yes);
        assert_eq!(
            *identity.source.asked.lock().unwrap(),
            [("password", "hunter2".into()), ("refresh_token", "r1".into()), ("password", "hunter2".into())]
        );
        assert_eq!(bearer(&identity), "Bearer t3");
        // The new token's refresh token is the one used next.
        let (generation, read_at) = read(&identity);
        identity.renew(generation, read_at).await.unwrap();
        assert_eq!(identity.source.asked.lock().unwrap()[3], ("refresh_token", "r3".into()));
    }

    #[tokio::test(start_paused = true)]
    async fn a_refused_password_is_dropped_and_never_sent_again() {
        let identity = logged_in(TEN_MINUTES).await;
        identity.source.script([Answer::Refuse, Answer::Refuse]);
        let (generation, read_at) = read(&identity);
        let failed = identity.renew(generation, read_at).await.unwrap_err();
        assert!(failed.message.contains("the remembered password was dropped"), "{}", failed.message);
        assert_eq!(identity.source.asked(), ["password", "refresh_token", "password"]);
        // Later callers fail at once, however long they wait, until the next login.
        tokio::time::advance(Duration::from_secs(3600)).await;
        assert!(matches!(identity.join(generation, Instant::now()), Joined::Now(Err(_))));
        assert_eq!(identity.source.asked().len(), 3);
        let grant = TokenGrant::Password { username: "admin".into(), password: Secret::from("new") };
        identity.login("/token", grant).await.unwrap();
        let (generation, read_at) = read(&identity);
        assert_eq!(identity.renew(generation, read_at).await.unwrap(), Renewed::Yes);
        assert_eq!(identity.source.asked(), ["password", "refresh_token", "password", "password", "refresh_token"]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_token_set_by_hand_is_never_renewed() {
        let identity = Arc::new(Identity::new(Fake::default(), MARGIN, RetryPolicy::default()));
        identity.set_bearer_token(Secret::from("by hand"));
        let c = identity.credential(BEARER);
        assert_eq!(c.renewable, None, "a refused hand-set token is the caller's to replace");
        assert!(identity.refresh_due().is_none());
        let generation = identity.state().generation;
        assert!(matches!(identity.join(generation, c.read_at), Joined::Now(Ok(Renewed::Impossible))));
        assert!(identity.source.asked().is_empty());
    }
}
