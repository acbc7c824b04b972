//! The client every generated type wraps: the connection its clones share, and the
//! settings of one handle (format, deadline, retry policy). The top of the runtime's
//! layers: it puts the parts together and owns none of their state.

use std::sync::Arc;
use std::time::Duration;

use super::oauth2::TokenGrant;
use super::operation::{Format, Operation};
use super::request::{CallSettings, Connection, Request};
use super::retry::RetryPolicy;
use super::revision::{Available, Spoken};
use super::{Error, Secret};

/// The state every clone of a generated client shares.
#[derive(Clone)]
pub struct Core {
    inner: Arc<Inner>,
    /// Per handle, not shared: [`Core::with_format`] makes a handle with another format.
    format: Format,
    /// Per handle: a deadline other than the client's ([`Core::with_deadline`]).
    deadline: Option<Duration>,
    /// Per handle: a retry policy other than the client's ([`Core::with_retry`]).
    retry: Option<RetryPolicy>,
}

/// What the clones of a client share: the connection requests go out on, and the client's
/// defaults for a handle's settings.
struct Inner {
    conn: Connection,
    retry: RetryPolicy,
    /// Time for a whole call, retries and backoff included.
    deadline: Duration,
    /// The API revision spoken, if the client was given one.
    revision: Option<Spoken>,
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core")
            .field("base_url", &self.base_url())
            .field("format", &self.format)
            .field("deadline", &self.deadline)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl Core {
    /// A client of `conn` whose calls prefer `format`, retry by `retry` and end by
    /// `deadline`, unless a handle says otherwise.
    pub(crate) fn new(
        format: Format,
        conn: Connection,
        retry: RetryPolicy,
        deadline: Duration,
        revision: Option<Spoken>,
    ) -> Self {
        Core { inner: Arc::new(Inner { conn, retry, deadline, revision }), format, deadline: None, retry: None }
    }

    /// The API revision this client speaks, if it was given one
    /// ([`ClientBuilder::api_version`](super::ClientBuilder::api_version)).
    pub fn api_revision(&self) -> Option<Spoken> {
        self.inner.revision
    }

    /// `Ok` unless the client speaks a revision that does not have the operation.
    #[doc(hidden)]
    pub fn require<E>(&self, operation: &'static str, available: Available) -> Result<(), Error<E>> {
        self.inner.revision.map_or(Ok(()), |r| r.require(operation, available))
    }

    /// `Ok` unless the client speaks a revision that does not have the request field `field`
    /// (set by the caller) of `operation`.
    #[doc(hidden)]
    pub fn require_field<E>(
        &self,
        operation: &'static str,
        field: &'static str,
        available: Available,
    ) -> Result<(), Error<E>> {
        self.inner.revision.map_or(Ok(()), |r| r.require_field(operation, Some(field), available))
    }

    /// `Ok` unless the client speaks a revision that requires the request field `field` of
    /// `operation`, which the caller left out (see [`Spoken::require_given`]).
    #[doc(hidden)]
    pub fn require_given<E>(
        &self,
        operation: &'static str,
        field: &'static str,
        required: Available,
    ) -> Result<(), Error<E>> {
        self.inner.revision.map_or(Ok(()), |r| r.require_given(operation, field, required))
    }

    /// `Ok` unless the client speaks a revision that takes one value for the list `field` of
    /// `operation`, which holds `count` (see [`Spoken::require_one`]).
    #[doc(hidden)]
    pub fn require_one<E>(
        &self,
        operation: &'static str,
        field: &'static str,
        count: usize,
        single: Available,
    ) -> Result<(), Error<E>> {
        self.inner.revision.map_or(Ok(()), |r| r.require_one(operation, field, count, single))
    }

    /// Starts a request for an operation; `path` is the template with values filled in.
    #[doc(hidden)]
    pub fn request(&self, op: &'static Operation, path: String) -> Request<'_> {
        let spoken = self.inner.revision;
        let call = CallSettings {
            format: self.format,
            deadline: self.deadline(),
            retry: self.retry_policy(),
            revision: spoken.map(|s| s.index()),
            revision_names: spoken.map_or(&[], |s| s.names()),
        };
        Request::new(&self.inner.conn, call, op, path)
    }

    /// The base URL.
    pub fn base_url(&self) -> &str {
        self.inner.conn.transport().base_url()
    }

    /// The preferred body format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// A handle sharing this one's connection pool and login state that prefers `format`
    /// where an operation offers several (per-call choice of XML or JSON).
    pub fn with_format(&self, format: Format) -> Core {
        Core { format, ..self.clone() }
    }

    /// A handle sharing this one's connection pool and login state whose calls each end by
    /// `deadline` (retries, backoff and a re-login included), instead of the client's.
    pub fn with_deadline(&self, deadline: Duration) -> Core {
        Core { deadline: Some(deadline), ..self.clone() }
    }

    /// A handle sharing this one's connection pool and login state whose calls retry by
    /// `policy`, instead of the client's (the login's own token requests keep the client's).
    pub fn with_retry(&self, policy: RetryPolicy) -> Core {
        Core { retry: Some(policy), ..self.clone() }
    }

    /// The deadline of one call through this handle.
    fn deadline(&self) -> Duration {
        self.deadline.unwrap_or(self.inner.deadline)
    }

    /// The retry policy of calls through this handle.
    fn retry_policy(&self) -> &RetryPolicy {
        self.retry.as_ref().unwrap_or(&self.inner.retry)
    }

    /// Sends `Authorization: Bearer` with this token.
    pub fn set_bearer_token(&self, token: Secret) {
        self.inner.conn.identity().set_bearer_token(token);
    }

    /// Sends HTTP Basic credentials on operations that accept Basic.
    pub fn set_basic_auth(&self, username: &str, password: Secret) {
        self.inner.conn.identity().set_basic_auth(username, password);
    }

    /// Sets the API key of a security scheme.
    pub fn set_api_key(&self, scheme: &str, value: Secret) {
        self.inner.conn.identity().set_api_key(scheme, value);
    }

    /// Forgets every credential: tokens, the remembered password, Basic credentials, API
    /// keys and session ids.
    pub fn clear_credentials(&self) {
        self.inner.conn.identity().clear();
    }

    /// Remembers a session header taken from a successful logon answer (session-login APIs
    /// whose header no API-key scheme declares): later requests send it for the API key
    /// scheme that uses that header.
    #[doc(hidden)]
    pub fn set_session_header(&self, header: &str, value: Secret) {
        self.inner.conn.identity().set_session_header(header, value);
    }

    /// Logs in with the OAuth2 password grant and keeps the tokens (generated `login`
    /// methods call this).
    #[doc(hidden)]
    pub async fn oauth2_password_login<E>(
        &self,
        token_url: &str,
        username: &str,
        password: Secret,
    ) -> Result<(), super::Error<E>> {
        self.oauth2_login(token_url, TokenGrant::Password { username: username.to_owned(), password }).await
    }

    /// Logs in with the OAuth2 client-credentials grant and keeps the token (generated
    /// `login_client_credentials` methods call this). `scope` is space-separated.
    #[doc(hidden)]
    pub async fn oauth2_client_credentials_login<E>(
        &self,
        token_url: &str,
        client_id: &str,
        client_secret: Secret,
        scope: Option<&str>,
    ) -> Result<(), super::Error<E>> {
        let grant = TokenGrant::ClientCredentials {
            client_id: client_id.to_owned(),
            client_secret,
            scope: scope.map(str::to_owned),
        };
        self.oauth2_login(token_url, grant).await
    }

    async fn oauth2_login<E>(&self, token_url: &str, grant: TokenGrant) -> Result<(), super::Error<E>> {
        let login = self.inner.conn.identity().login(token_url, grant);
        match tokio::time::timeout(self.deadline(), login).await {
            Ok(result) => result.map_err(|f| super::Error::Auth { operation: "token", message: f.message }),
            Err(_) => Err(super::Error::Timeout { operation: "token" }),
        }
    }

    /// Logs in with a refresh token kept from an earlier login (the OAuth2 refresh grant at
    /// `token_url`), as a tool that keeps a login between runs does; the tokens are then
    /// renewed as after any login, but no password is remembered to fall back on.
    pub async fn oauth2_refresh_login<E>(&self, token_url: &str, refresh_token: Secret) -> Result<(), super::Error<E>> {
        let login = self.inner.conn.identity().login_with_refresh_token(token_url, refresh_token);
        match tokio::time::timeout(self.deadline(), login).await {
            Ok(result) => result.map_err(|f| super::Error::Auth { operation: "token", message: f.message }),
            Err(_) => Err(super::Error::Timeout { operation: "token" }),
        }
    }

    /// The refresh token of the current login, if the token endpoint issued one: what a tool
    /// that keeps a login between runs stores (it changes with every renewal).
    pub fn refresh_token(&self) -> Option<Secret> {
        self.inner.conn.identity().refresh_token()
    }

    /// The API key held for the security scheme `scheme` (set, or taken from a logon answer
    /// whose session header that scheme sends), if any.
    pub fn api_key(&self, scheme: &str) -> Option<Secret> {
        self.inner.conn.identity().api_key(scheme)
    }

    /// The session header a logon answer gave (`x-session-header`), if any.
    pub fn session_header(&self, header: &str) -> Option<Secret> {
        self.inner.conn.identity().session_header(header)
    }

    /// Every credential held, to blank out of what a tool prints.
    #[cfg(feature = "cli")]
    pub(crate) fn redactor(&self) -> super::redact::Redactor {
        self.inner.conn.identity().redactor()
    }

    /// The number of token requests sent so far (for tests and metrics).
    pub fn token_requests(&self) -> u64 {
        self.inner.conn.identity().source().requests()
    }
}
