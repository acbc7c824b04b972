//! The connection every clone of a generated client shares, and what generated code tells
//! it about an operation.

use std::sync::Arc;
use std::time::Duration;

use super::identity::{self, Identity};
use super::operation::{Format, Operation};
use super::request::Request;
use super::retry::RetryPolicy;
use super::Secret;

/// Limits on each call.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// Time for a whole call, retries and backoff included.
    pub(crate) deadline: Duration,
    /// The largest response body read.
    pub(crate) max_body: u64,
    /// How long a streamed download may wait for its next bytes.
    pub(crate) idle: Duration,
}

/// The state every clone of a generated client shares.
#[derive(Clone)]
pub struct Core {
    pub(crate) inner: Arc<Inner>,
    /// Per handle, not shared: [`Core::with_format`] makes a handle with another format.
    pub(crate) format: Format,
    /// Per handle: a deadline other than the client's ([`Core::with_deadline`]).
    deadline: Option<Duration>,
    /// Per handle: a retry policy other than the client's ([`Core::with_retry`]).
    retry: Option<RetryPolicy>,
}

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: String,
    /// The base URL is https: nothing may go out over plain http.
    pub(crate) https: bool,
    pub(crate) retry: RetryPolicy,
    pub(crate) limits: Limits,
    pub(crate) refresh_margin: Duration,
    pub(crate) reauthenticate_on: Option<(String, Vec<String>)>,
    pub(crate) identity: Identity,
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core")
            .field("base_url", &self.inner.base_url)
            .field("format", &self.format)
            .field("deadline", &self.deadline)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl Core {
    pub(crate) fn new(format: Format, inner: Arc<Inner>) -> Self {
        Core { inner, format, deadline: None, retry: None }
    }

    /// Starts a request for an operation; `path` is the template with values filled in.
    #[doc(hidden)]
    pub fn request(&self, op: &'static Operation, path: String) -> Request<'_> {
        Request::new(self, op, path)
    }

    /// The base URL.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
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
    pub(crate) fn deadline(&self) -> Duration {
        self.deadline.unwrap_or(self.inner.limits.deadline)
    }

    /// The retry policy of calls through this handle.
    pub(crate) fn retry_policy(&self) -> &RetryPolicy {
        self.retry.as_ref().unwrap_or(&self.inner.retry)
    }

    /// Sends `Authorization: Bearer` with this token.
    pub fn set_bearer_token(&self, token: Secret) {
        self.inner.identity.set_bearer_token(token);
    }

    /// Sends HTTP Basic credentials on operations that accept Basic.
    pub fn set_basic_auth(&self, username: &str, password: Secret) {
        self.inner.identity.set_basic_auth(username, password);
    }

    /// Sets the API key of a security scheme.
    pub fn set_api_key(&self, scheme: &str, value: Secret) {
        self.inner.identity.set_api_key(scheme, value);
    }

    /// Forgets every credential: tokens, the remembered password, Basic credentials, API
    /// keys and session ids.
    pub fn clear_credentials(&self) {
        self.inner.identity.clear();
    }

    /// Remembers a session header taken from a successful logon answer (session-login APIs
    /// whose header no API-key scheme declares): later requests send it for the API key
    /// scheme that uses that header.
    #[doc(hidden)]
    pub fn set_session_header(&self, header: &str, value: Secret) {
        self.inner.identity.set_session_header(header, value);
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
        self.oauth2_login(token_url, identity::TokenGrant::Password { username: username.to_owned(), password }).await
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
        let grant = identity::TokenGrant::ClientCredentials {
            client_id: client_id.to_owned(),
            client_secret,
            scope: scope.map(str::to_owned),
        };
        self.oauth2_login(token_url, grant).await
    }

    async fn oauth2_login<E>(&self, token_url: &str, grant: identity::TokenGrant) -> Result<(), super::Error<E>> {
        let login = identity::login(&self.inner, token_url, grant);
        match tokio::time::timeout(self.deadline(), login).await {
            Ok(result) => result.map_err(|f| super::Error::Auth { operation: "token", message: f.message }),
            Err(_) => Err(super::Error::Timeout { operation: "token" }),
        }
    }

    /// The number of token requests sent so far (for tests and metrics).
    pub fn token_requests(&self) -> u64 {
        self.inner.identity.token_requests()
    }
}
