//! The connection: configuration, request building, sending with auth and retries, and
//! decoding answers. Generated methods are thin: they describe the request and pick the
//! decoder; everything else happens here.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tracing::Instrument;

use super::auth::{AuthState, TokenAnswer, TokenGrant};
use super::error::{excerpt, ApiErrorBody, Error};
use super::params::ParamValue;
use super::xml::{XmlElement, XmlRoot};
use super::Secret;

/// HTTP methods of operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Method {
    Get,
    Put,
    Post,
    Delete,
    Options,
    Head,
    Patch,
    Trace,
}

impl Method {
    fn to_reqwest(self) -> reqwest::Method {
        match self {
            Method::Get => reqwest::Method::GET,
            Method::Put => reqwest::Method::PUT,
            Method::Post => reqwest::Method::POST,
            Method::Delete => reqwest::Method::DELETE,
            Method::Options => reqwest::Method::OPTIONS,
            Method::Head => reqwest::Method::HEAD,
            Method::Patch => reqwest::Method::PATCH,
            Method::Trace => reqwest::Method::TRACE,
        }
    }

    /// The method name as it goes on the wire (`GET`, `POST`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Trace => "TRACE",
        }
    }

    /// Whether repeating the request is harmless (RFC 9110 §9.2.2).
    pub fn is_idempotent(self) -> bool {
        !matches!(self, Method::Post | Method::Patch)
    }
}

/// How an operation may be authorized, from the spec's security requirements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthScheme {
    /// `Authorization: Bearer`, from [`Core::set_bearer_token`] or an OAuth2 login.
    Bearer,
    /// `Authorization: Basic`.
    Basic,
    /// An API key in a header.
    ApiKeyHeader {
        /// Security scheme name.
        scheme: &'static str,
        /// Header name.
        header: &'static str,
    },
    /// An API key in the query string.
    ApiKeyQuery {
        /// Security scheme name.
        scheme: &'static str,
        /// Query parameter name.
        name: &'static str,
    },
}

/// What generated code knows about an operation.
#[derive(Debug)]
pub struct Operation {
    /// `operationId`.
    pub id: &'static str,
    /// HTTP method.
    pub method: Method,
    /// Path template, for logs and spans.
    pub path: &'static str,
    /// Schemes that may authorize it; empty for none.
    pub auth: &'static [AuthScheme],
}

/// Body formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `application/json`
    Json,
    /// `application/xml`
    Xml,
    /// `application/x-www-form-urlencoded`
    Form,
}

impl Format {
    fn mime(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Xml => "application/xml",
            Format::Form => "application/x-www-form-urlencoded",
        }
    }
}

/// Retry settings: idempotent requests are retried on connection errors, 429 and 503.
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
        RetryPolicy { max_attempts: 3, base_delay: Duration::from_millis(200), max_delay: Duration::from_secs(30), retry_non_idempotent: false }
    }
}

/// Builds a [`Core`] and wraps it in the generated client type `C`.
#[derive(Debug)]
pub struct ClientBuilder<C> {
    base_url: String,
    headers: Vec<(String, String)>,
    format: Format,
    user_agent: String,
    connect_timeout: Duration,
    timeout: Duration,
    accept_invalid_certs: bool,
    root_certs: Vec<Vec<u8>>,
    retry: RetryPolicy,
    http: Option<reqwest::Client>,
    refresh_margin: Duration,
    reauthenticate_on: Option<(String, Vec<String>)>,
    _client: std::marker::PhantomData<fn() -> C>,
}

/// Generated clients are made from a [`Core`].
pub trait FromCore {
    /// Wraps the core.
    fn from_core(core: Core) -> Self;
}

impl<C: FromCore> ClientBuilder<C> {
    /// A builder for the server at `base_url` (`https://host:port`).
    pub fn new(base_url: impl Into<String>) -> Self {
        ClientBuilder {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            headers: Vec::new(),
            format: Format::Json,
            user_agent: concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION")).to_owned(),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            accept_invalid_certs: false,
            root_certs: Vec::new(),
            retry: RetryPolicy::default(),
            http: None,
            refresh_margin: Duration::from_secs(30),
            reauthenticate_on: None,
            _client: std::marker::PhantomData,
        }
    }

    /// Adds the headers the spec gives defaults for (generated code calls this).
    pub fn default_headers(mut self, headers: &[(&str, &str)]) -> Self {
        for (name, value) in headers {
            self = self.header(*name, *value);
        }
        self
    }

    /// Sets a header on every request, replacing a default of the same name
    /// (e.g. `x-api-version`).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into();
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(&name));
        self.headers.push((name, value.into()));
        self
    }

    /// The body format used where an operation offers several (JSON or XML).
    pub fn format(mut self, format: Format) -> Self {
        self.format = format;
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, value: impl Into<String>) -> Self {
        self.user_agent = value.into();
        self
    }

    /// Time allowed to establish a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time allowed for a whole request (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Trusts an extra root certificate (PEM), e.g. the server's own self-signed one.
    /// Prefer this to [`Self::danger_accept_invalid_certificates`].
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certs.push(pem.into());
        self
    }

    /// Turns certificate verification OFF. Anyone on the network path can then read and
    /// change the traffic, credentials included. Only for lab servers.
    pub fn danger_accept_invalid_certificates(mut self, accept: bool) -> Self {
        self.accept_invalid_certs = accept;
        self
    }

    /// Retry settings.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// How long before expiry an access token is refreshed (default 30 s).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// Renews the token on a 401 only when the JSON error body's `property` is one of
    /// `values` (the spec's `x-reauthenticate-on`, e.g. Veeam's `errorCode` `ExpiredToken`).
    /// Without it, any 401 to a token-authorized request renews the token once.
    pub fn reauthenticate_on(mut self, property: &str, values: &[&str]) -> Self {
        self.reauthenticate_on = Some((property.to_owned(), values.iter().map(|v| (*v).to_owned()).collect()));
        self
    }

    /// Uses a preconfigured reqwest client; timeouts and TLS settings above are then ignored.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<C, BuildError> {
        let mut headers = HeaderMap::new();
        for (name, value) in &self.headers {
            let n = HeaderName::from_bytes(name.as_bytes()).map_err(|_| BuildError(format!("invalid header name `{name}`")))?;
            let v = HeaderValue::from_str(value).map_err(|_| BuildError(format!("invalid value for header `{name}`")))?;
            headers.insert(n, v);
        }
        // A client built here sends the default headers itself (no per-request copy); a
        // caller's preconfigured client gets them added to each request.
        let (http, headers) = match self.http {
            Some(http) => (http, headers),
            None => {
                let mut b = reqwest::Client::builder()
                    .default_headers(headers)
                    .user_agent(self.user_agent.clone())
                    .connect_timeout(self.connect_timeout)
                    .timeout(self.timeout)
                    .danger_accept_invalid_certs(self.accept_invalid_certs);
                for pem in &self.root_certs {
                    // `Certificate::from_pem` accepts anything and a PEM without a certificate
                    // would then add nothing, silently: parse it here so a wrong file is an error.
                    let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| BuildError(format!("invalid root certificate: {e}")))?;
                    if certs.is_empty() {
                        return Err(BuildError("invalid root certificate: no `BEGIN CERTIFICATE` block in the PEM".into()));
                    }
                    for cert in certs {
                        b = b.add_root_certificate(cert);
                    }
                }
                (b.build().map_err(|e| BuildError(format!("cannot create the HTTP client: {e}")))?, HeaderMap::new())
            }
        };
        if self.base_url.is_empty() {
            return Err(BuildError("the base URL is empty".into()));
        }
        reqwest::Url::parse(&self.base_url).map_err(|e| BuildError(format!("invalid base URL `{}`: {e}", self.base_url)))?;
        Ok(C::from_core(Core {
            format: self.format,
            inner: Arc::new(Inner {
                http,
                base_url: self.base_url,
                headers,
                retry: self.retry,
                refresh_margin: self.refresh_margin,
                reauthenticate_on: self.reauthenticate_on,
                auth: Mutex::new(AuthState::default()),
                refresh_lock: tokio::sync::Mutex::new(()),
            }),
        }))
    }
}

/// A client could not be configured.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BuildError(pub String);

/// The state every clone of a generated client shares.
#[derive(Clone)]
pub struct Core {
    inner: Arc<Inner>,
    /// Per handle, not shared: [`Core::with_format`] makes a handle with another format.
    format: Format,
}

struct Inner {
    http: reqwest::Client,
    base_url: String,
    /// Headers to add to every request: empty when `http` was built here and already sends
    /// them as its default headers.
    headers: HeaderMap,
    retry: RetryPolicy,
    refresh_margin: Duration,
    reauthenticate_on: Option<(String, Vec<String>)>,
    pub(crate) auth: Mutex<AuthState>,
    /// Held while a token request is in flight, so concurrent requests that all find the
    /// token expired wait for one refresh instead of sending one each.
    refresh_lock: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core").field("base_url", &self.inner.base_url).field("format", &self.format).finish_non_exhaustive()
    }
}

impl Core {
    /// Starts a request for an operation; `path` is the template with values filled in.
    pub fn request(&self, op: &'static Operation, path: String) -> Request<'_> {
        Request { core: self, op, path, query: Vec::new(), headers: Vec::new(), body: None, accept: None, error: None }
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
        Core { inner: Arc::clone(&self.inner), format }
    }

    pub(crate) fn auth(&self) -> std::sync::MutexGuard<'_, AuthState> {
        // A panic while holding the lock cannot leave the state half-written in a way that
        // matters (every write replaces whole fields), so a poisoned lock is still usable.
        self.inner.auth.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sends `Authorization: Bearer` with this token.
    pub fn set_bearer_token(&self, token: Secret) {
        let mut a = self.auth();
        a.set_access_token(token);
        a.expires_at = None;
        a.refresh_at = None;
    }

    /// Sends HTTP Basic credentials on operations that accept Basic.
    pub fn set_basic_auth(&self, username: &str, password: Secret) {
        self.auth().basic = Some((username.to_owned(), password));
    }

    /// Sets the API key of a security scheme.
    pub fn set_api_key(&self, scheme: &str, value: Secret) {
        self.auth().api_keys.insert(scheme.to_owned(), value);
    }

    /// Forgets every credential.
    pub fn clear_credentials(&self) {
        let mut a = self.auth();
        *a = AuthState { generation: a.generation + 1, ..AuthState::default() };
    }

    /// Remembers a session header from a login answer (session-login APIs): later requests
    /// send it for the API key scheme that uses that header.
    pub fn capture_session_header(&self, response: &Response, header: &str) {
        if let Some(v) = response.headers.get(header).and_then(|v| v.to_str().ok()) {
            self.auth().session_headers.insert(header.to_ascii_lowercase(), Secret::from(v));
        }
    }

    /// Logs in with the OAuth2 password grant and keeps the tokens. The user name and
    /// password are remembered only once the login has worked, to log in again when a
    /// refresh token is refused.
    pub async fn oauth2_password_login<E>(&self, token_url: &str, username: &str, password: Secret) -> Result<(), Error<E>> {
        let _guard = self.inner.refresh_lock.lock().await;
        let grant = TokenGrant::Password { username: username.to_owned(), password: password.clone() };
        let token = self.token_request::<E>(token_url, grant).await?;
        {
            let mut a = self.auth();
            a.token_url = Some(token_url.to_owned());
            a.password_login = Some((username.to_owned(), password));
        }
        self.store_token(token, None);
        Ok(())
    }

    /// The number of token requests sent so far (for tests and metrics).
    pub fn token_requests(&self) -> u64 {
        self.auth().token_requests
    }

    /// Sends a token request and returns the answer. Callers hold `refresh_lock`.
    async fn token_request<E>(&self, token_url: &str, grant: TokenGrant) -> Result<TokenAnswer, Error<E>> {
        let url = if token_url.starts_with("http://") || token_url.starts_with("https://") {
            token_url.to_owned()
        } else {
            format!("{}{token_url}", self.inner.base_url)
        };
        self.auth().token_requests += 1;
        let span = tracing::debug_span!("token", grant = grant.kind(), status = tracing::field::Empty, duration_ms = tracing::field::Empty);
        let started = Instant::now();
        let body = serde_urlencoded::to_string(grant.form()).map_err(|e| Error::Auth { operation: "token", message: e.to_string() })?;
        let secret = grant.secret().clone();
        let sent = async {
            let resp = self
                .inner
                .http
                .post(&url)
                .headers(self.inner.headers.clone())
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(ACCEPT, "application/json")
                .body(body)
                .send()
                .await?;
            let status = resp.status().as_u16();
            Ok::<_, reqwest::Error>((status, resp.bytes().await?))
        }
        .instrument(span.clone())
        .await;
        span.record("duration_ms", started.elapsed().as_millis() as u64);
        let (status, bytes) = sent.map_err(|e| Error::transport("token", e))?;
        span.record("status", status);
        if !(200..300).contains(&status) {
            // The body of a refused login names the reason. Should a server echo the password
            // or refresh token back, it is blanked out of the message.
            let mut answer = excerpt(&bytes);
            if !secret.is_empty() {
                answer = answer.replace(secret.expose(), "***");
            }
            return Err(Error::Auth { operation: "token", message: format!("the token endpoint answered {status}: {answer}") });
        }
        // serde_json's message names a line, a column and the expected type, never the value,
        // so a token that fails to parse does not end up in the error.
        serde_json::from_slice(&bytes).map_err(|e| Error::Auth { operation: "token", message: format!("the token answer is not valid: {e}") })
    }

    /// Keeps the tokens of a token answer and schedules the next refresh. A renewal
    /// (`renewing` is the generation it replaces) is dropped if the credentials were forgotten
    /// while it was in flight, so that a logout is not undone by a refresh that was under way.
    fn store_token(&self, token: TokenAnswer, renewing: Option<u64>) {
        let now = Instant::now();
        let mut a = self.auth();
        if renewing.is_some_and(|g| g != a.generation) {
            return;
        }
        a.set_access_token(token.access_token);
        a.refresh_token = token.refresh_token;
        match token.expires_in.filter(|s| *s > 0) {
            Some(seconds) => {
                let lifetime = Duration::from_secs(seconds as u64);
                // Refresh `refresh_margin` before expiry, but not before half the lifetime has
                // passed: with a token shorter-lived than the margin every request would refresh.
                let margin = self.inner.refresh_margin.min(lifetime / 2);
                a.expires_at = Some(now + lifetime);
                a.refresh_at = Some(now + lifetime - margin);
            }
            None => {
                a.expires_at = None;
                a.refresh_at = None;
            }
        }
    }

    /// Gets a fresh access token: the refresh grant first (a refresh token works once), the
    /// password grant when that fails. Only one caller does this at a time; the others find
    /// the generation changed and use the new token. `Ok(false)` means there was no way to
    /// get a new token.
    /// Whether a 401 body says the token itself was refused (see
    /// [`ClientBuilder::reauthenticate_on`]).
    fn token_refused(&self, body: &[u8]) -> bool {
        let Some((property, values)) = &self.inner.reauthenticate_on else { return true };
        serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v.get(property).and_then(|c| c.as_str()).map(|c| values.iter().any(|x| x == c)))
            .unwrap_or(false)
    }

    async fn reauthenticate<E>(&self, seen_generation: u64) -> Result<bool, Error<E>> {
        let _guard = self.inner.refresh_lock.lock().await;
        let (generation, token_url, refresh, password) = {
            let a = self.auth();
            (a.generation, a.token_url.clone(), a.refresh_token.clone(), a.password_login.clone())
        };
        if generation != seen_generation {
            return Ok(true);
        }
        let Some(token_url) = token_url else { return Ok(false) };
        if let Some(refresh_token) = refresh {
            // Spent whatever the answer: the server may have consumed it even if we saw no answer.
            self.auth().refresh_token = None;
            match self.token_request::<()>(&token_url, TokenGrant::Refresh { refresh_token }).await {
                Ok(token) => {
                    self.store_token(token, Some(generation));
                    return Ok(true);
                }
                Err(e) => tracing::debug!(error = %e, "the refresh token was refused; logging in again"),
            }
        }
        match password {
            Some((username, password)) => {
                let token = self.token_request(&token_url, TokenGrant::Password { username, password }).await?;
                self.store_token(token, Some(generation));
                Ok(true)
            }
            None => Ok(false),
        }
    }

    fn needs_refresh(&self) -> Option<u64> {
        let a = self.auth();
        match a.refresh_at {
            Some(at) if a.password_login.is_some() || a.refresh_token.is_some() => (Instant::now() >= at).then_some(a.generation),
            _ => None,
        }
    }
}

/// A request being built by generated code.
pub struct Request<'c> {
    core: &'c Core,
    op: &'static Operation,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Option<(&'static str, Bytes)>,
    accept: Option<&'static str>,
    error: Option<String>,
}

impl Request<'_> {
    /// Adds a query parameter.
    pub fn query(&mut self, name: &str, value: &(impl ParamValue + ?Sized)) {
        self.query.push((name.to_owned(), value.param_value().into_owned()));
    }

    /// Adds a query parameter whose value is structured, encoded as JSON.
    pub fn query_json<E>(&mut self, name: &str, value: &impl Serialize) -> Result<(), Error<E>> {
        let v = super::params::json_param(value).map_err(|e| self.invalid(format!("query parameter `{name}`: {e}")))?;
        self.query.push((name.to_owned(), v));
        Ok(())
    }

    /// Adds a header parameter.
    pub fn header(&mut self, name: &str, value: &(impl ParamValue + ?Sized)) {
        self.headers.push((name.to_owned(), value.param_value().into_owned()));
    }

    /// Adds a header parameter whose value is structured, encoded as JSON.
    pub fn header_json<E>(&mut self, name: &str, value: &impl Serialize) -> Result<(), Error<E>> {
        let v = super::params::json_param(value).map_err(|e| self.invalid(format!("header `{name}`: {e}")))?;
        self.headers.push((name.to_owned(), v));
        Ok(())
    }

    /// Adds a cookie parameter.
    pub fn cookie(&mut self, name: &str, value: &(impl ParamValue + ?Sized)) {
        self.headers.push(("cookie".to_owned(), format!("{name}={}", value.param_value())));
    }

    /// Adds a structured cookie parameter, encoded as JSON.
    pub fn cookie_json<E>(&mut self, name: &str, value: &impl Serialize) -> Result<(), Error<E>> {
        let v = super::params::json_param(value).map_err(|e| self.invalid(format!("cookie `{name}`: {e}")))?;
        self.headers.push(("cookie".to_owned(), format!("{name}={v}")));
        Ok(())
    }

    fn invalid<E>(&self, message: String) -> Error<E> {
        Error::InvalidRequest { operation: self.op.id, message }
    }

    fn pick(&self, offered: &[Format]) -> Format {
        let preferred = self.core.format;
        if offered.contains(&preferred) {
            preferred
        } else {
            offered.first().copied().unwrap_or(Format::Json)
        }
    }

    /// Serializes the body as JSON or form, whichever the operation offers (preferring the
    /// client's format).
    pub fn body_serde<E>(&mut self, body: &impl Serialize, offered: &[Format]) -> Result<(), Error<E>> {
        let format = self.pick(&offered.iter().copied().filter(|f| *f != Format::Xml).collect::<Vec<_>>());
        let bytes = match format {
            Format::Form => serde_urlencoded::to_string(body).map(Bytes::from).map_err(|e| self.invalid(format!("form body: {e}")))?,
            _ => serde_json::to_vec(body).map(Bytes::from).map_err(|e| self.invalid(format!("JSON body: {e}")))?,
        };
        self.body = Some((format.mime(), bytes));
        Ok(())
    }

    /// Serializes the body as XML or JSON/form, by the client's format and what the
    /// operation offers.
    pub fn body_xml_or_serde<E, T: Serialize + XmlElement + XmlRoot>(&mut self, body: &T, offered: &[Format]) -> Result<(), Error<E>> {
        if self.pick(offered) == Format::Xml {
            self.body = Some((Format::Xml.mime(), Bytes::from(super::xml::to_string(body))));
            self.accept = Some(Format::Xml.mime());
            Ok(())
        } else {
            self.body_serde(body, offered)
        }
    }

    /// Sends raw bytes with a content type.
    pub fn body_bytes(&mut self, content_type: &'static str, body: Bytes) {
        self.body = Some((content_type, body));
    }

    /// Sends text with a content type.
    pub fn body_text(&mut self, content_type: &'static str, body: &str) {
        self.body = Some((content_type, Bytes::from(body.to_owned())));
    }

    /// Sends the request: auth, retries, tracing. Answers with any status; the generated
    /// method decides what the status means.
    pub async fn send<E>(self) -> Result<Response, Error<E>> {
        let op = self.op;
        if let Some(message) = self.error {
            return Err(Error::InvalidRequest { operation: op.id, message });
        }
        let core = self.core;
        let url = format!("{}{}", core.inner.base_url, self.path);
        let accept = self.accept.unwrap_or(match core.format {
            Format::Xml => "application/xml",
            _ => "application/json",
        });
        let mut headers = HeaderMap::new();
        for (name, value) in &self.headers {
            let n = HeaderName::from_bytes(name.as_bytes()).map_err(|_| self.invalid(format!("invalid header name `{name}`")))?;
            let v = HeaderValue::from_str(value).map_err(|_| self.invalid(format!("invalid value for header `{name}`")))?;
            headers.append(n, v);
        }
        let policy = &core.inner.retry;
        let retryable = op.method.is_idempotent() || policy.retry_non_idempotent;
        // `attempt` counts every request sent (it is what spans show); `retries` counts only
        // those the retry policy allowed, since the one repeat after a re-login is not a retry.
        let mut attempt: u32 = 0;
        let mut retries: u32 = 0;
        let mut reauthenticated = false;
        loop {
            attempt += 1;
            if let Some(generation) = core.needs_refresh() {
                // Boxed: a rare path whose future (a whole token request) would otherwise make
                // every request's future larger.
                Box::pin(core.reauthenticate::<E>(generation)).await?;
            }
            let (auth_header, auth_query, generation) = self.auth_parts();
            let mut req = core.inner.http.request(op.method.to_reqwest(), &url);
            // Each `headers()` call costs a copy and a merge, so empty maps are not passed.
            if !core.inner.headers.is_empty() {
                req = req.headers(core.inner.headers.clone());
            }
            if !headers.is_empty() {
                req = req.headers(headers.clone());
            }
            if let Some((n, v)) = auth_header {
                req = req.header(n, v);
            }
            req = req.header(ACCEPT, accept);
            if !self.query.is_empty() {
                req = req.query(&self.query);
            }
            if let Some(pair) = &auth_query {
                req = req.query(&[pair]);
            }
            if let Some((content_type, body)) = &self.body {
                req = req.header(CONTENT_TYPE, *content_type).body(body.clone());
            }
            let span = tracing::debug_span!(
                "request",
                operation = op.id,
                method = op.method.as_str(),
                path = op.path,
                attempt,
                status = tracing::field::Empty,
                duration_ms = tracing::field::Empty,
            );
            let exchange = move || async move {
                let mut resp = req.send().await?;
                let status = resp.status().as_u16();
                let resp_headers = std::mem::take(resp.headers_mut());
                let body = resp.bytes().await?;
                Ok::<_, reqwest::Error>((status, resp_headers, body))
            };
            // When no subscriber wants the span, skip entering it on every poll and reading the
            // clock for its duration.
            let started = (!span.is_disabled()).then(Instant::now);
            let sent = if started.is_some() { exchange().instrument(span.clone()).await } else { exchange().await };
            if let Some(started) = started {
                span.record("duration_ms", started.elapsed().as_secs_f64() * 1000.0);
            }
            let may_retry = retryable && retries + 1 < policy.max_attempts;
            match sent {
                Err(e) => {
                    // A refused or reset connection; a timeout is not retried (the server may
                    // still be working on the request, and the caller chose the time limit).
                    let transient = e.is_connect() || (e.is_request() && !e.is_timeout() && !e.is_builder());
                    if may_retry && transient {
                        retries += 1;
                        tracing::debug!(parent: &span, error = %e.without_url(), "connection failed, retrying");
                        tokio::time::sleep(backoff(policy, retries, None)).await;
                        continue;
                    }
                    return Err(Error::transport(op.id, e));
                }
                Ok((status, resp_headers, body)) => {
                    span.record("status", status);
                    if let (401, Some(generation), false, true) = (status, generation, reauthenticated, core.token_refused(&body)) {
                        reauthenticated = true;
                        if Box::pin(core.reauthenticate::<E>(generation)).await? {
                            tracing::debug!(parent: &span, "token refused, repeating with a new one");
                            continue;
                        }
                    }
                    if (status == 429 || status == 503) && may_retry {
                        retries += 1;
                        let after = resp_headers.get(RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(retry_after);
                        tracing::debug!(parent: &span, status, "server busy, retrying");
                        tokio::time::sleep(backoff(policy, retries, after)).await;
                        continue;
                    }
                    return Ok(Response { op, status, headers: resp_headers, body });
                }
            }
        }
    }

    /// The header or query pair that authorizes this request, from the first of the
    /// operation's schemes the client has a credential for, and the token generation used
    /// (for requests authorized by a token that can be renewed).
    #[allow(clippy::type_complexity)]
    fn auth_parts(&self) -> (Option<(HeaderName, HeaderValue)>, Option<(String, String)>, Option<u64>) {
        let a = self.core.auth();
        let mut auth_header = None;
        let mut query = None;
        let mut generation = None;
        for scheme in self.op.auth {
            match scheme {
                AuthScheme::Bearer => {
                    if let Some(v) = &a.bearer_header {
                        auth_header = Some((AUTHORIZATION, v.clone()));
                        if a.password_login.is_some() || a.refresh_token.is_some() {
                            generation = Some(a.generation);
                        }
                        break;
                    }
                }
                AuthScheme::Basic => {
                    if let Some((user, pass)) = &a.basic {
                        use base64::Engine;
                        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{}", pass.expose()));
                        if let Ok(mut v) = HeaderValue::from_str(&format!("Basic {token}")) {
                            v.set_sensitive(true);
                            auth_header = Some((AUTHORIZATION, v));
                            break;
                        }
                    }
                }
                AuthScheme::ApiKeyHeader { scheme, header } => {
                    let value = a.api_keys.get(*scheme).or_else(|| a.session_headers.get(&header.to_ascii_lowercase()));
                    if let (Some(value), Ok(name)) = (value, HeaderName::from_bytes(header.as_bytes())) {
                        if let Ok(mut v) = HeaderValue::from_str(value.expose()) {
                            v.set_sensitive(true);
                            auth_header = Some((name, v));
                            break;
                        }
                    }
                }
                AuthScheme::ApiKeyQuery { scheme, name } => {
                    if let Some(value) = a.api_keys.get(*scheme) {
                        query = Some(((*name).to_owned(), value.expose().to_owned()));
                        break;
                    }
                }
            }
        }
        (auth_header, query, generation)
    }
}

/// A `Retry-After` value: delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
fn retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    // IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) is a valid RFC 2822 date.
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    Some((at.with_timezone(&chrono::Utc) - chrono::Utc::now()).to_std().unwrap_or(Duration::ZERO))
}

/// Exponential backoff with jitter (between half and all of the exponential delay), or the
/// server's `Retry-After`, capped at `max_delay`.
fn backoff(policy: &RetryPolicy, attempt: u32, retry_after: Option<Duration>) -> Duration {
    if let Some(after) = retry_after {
        return after.min(policy.max_delay);
    }
    let exp = policy.base_delay.saturating_mul(1 << (attempt - 1).min(16));
    let capped = exp.min(policy.max_delay);
    let jitter = rand::random::<f64>();
    capped.mul_f64(0.5 + jitter / 2.0)
}

/// Union types decode their variant from a buffered value and report a failure inside it as
/// ``at `inner.path`: message`` (see [`super::de::from_value`]); this joins such inner paths
/// onto the outer one, so the error names the whole path of the field that failed.
fn join_nested_path(mut path: String, mut message: String) -> (String, String) {
    while let Some(rest) = message.strip_prefix("at `") {
        let Some((inner, tail)) = rest.split_once("`: ") else { break };
        if path == "." {
            path = inner.to_owned();
        } else if inner.starts_with('[') {
            path.push_str(inner);
        } else {
            path.push('.');
            path.push_str(inner);
        }
        message = tail.to_owned();
    }
    (path, message)
}

/// An answer, fully read. Its `Debug` shows header names but not their values (a session
/// id or a cookie may be among them) and only the length of the body.
pub struct Response {
    op: &'static Operation,
    status: u16,
    headers: HeaderMap,
    body: Bytes,
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("operation", &self.op.id)
            .field("status", &self.status)
            .field("headers", &self.headers.keys().map(|k| k.as_str()).collect::<Vec<_>>())
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl Response {
    /// HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    fn content_format(&self) -> Option<Format> {
        let ct = self.headers.get(CONTENT_TYPE)?.to_str().ok()?;
        let mime = ct.split(';').next().unwrap_or("").trim().as_bytes();
        let ends_with = |suffix: &[u8]| mime.len() >= suffix.len() && mime[mime.len() - suffix.len()..].eq_ignore_ascii_case(suffix);
        if ends_with(b"json") {
            Some(Format::Json)
        } else if ends_with(b"xml") {
            Some(Format::Xml)
        } else if mime.eq_ignore_ascii_case(b"application/x-www-form-urlencoded") {
            Some(Format::Form)
        } else {
            None
        }
    }

    fn decode_error<E>(&self, path: String, message: String) -> Error<E> {
        Error::Decode { operation: self.op.id, status: self.status, path, message }
    }

    fn json<T: DeserializeOwned, E>(&self) -> Result<T, Error<E>> {
        if self.body.is_empty() {
            // An empty body is fine for a type that can be empty (`Option`, unit-like `Value`).
            if let Ok(v) = serde_json::from_value::<T>(serde_json::Value::Null) {
                return Ok(v);
            }
            return Err(self.decode_error(".".into(), "the body is empty, but the spec promises one".into()));
        }
        // The fast path: tracking the path of every field costs time on every answer, and is
        // only needed to explain a failure, so a failed decode is repeated with tracking.
        if let Ok(value) = serde_json::from_slice(&self.body) {
            return Ok(value);
        }
        let mut de = serde_json::Deserializer::from_slice(&self.body);
        let err = match serde_path_to_error::deserialize::<_, T>(&mut de) {
            Ok(value) => {
                // Only trailing characters can be left to fail on here.
                return de.end().map(|()| value).map_err(|e| self.decode_error(".".into(), format!("the body is not valid JSON: {e}")));
            }
            Err(err) => err,
        };
        let path = err.path().to_string();
        let inner = err.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            let first = self.body.iter().find(|b| !b.is_ascii_whitespace());
            let what = if first == Some(&b'<') { "the body is not JSON (it looks like HTML or XML)" } else { "the body is not valid JSON" };
            return Err(self.decode_error(path, format!("{what}: {inner}")));
        }
        let (path, message) = join_nested_path(path, inner.to_string());
        Err(self.decode_error(path, message))
    }

    /// Decodes a JSON (or form) body into `T`.
    pub fn decode_serde<T: DeserializeOwned, E>(&self, offered: &[Format]) -> Result<T, Error<E>> {
        match self.content_format() {
            Some(Format::Form) if offered.contains(&Format::Form) => {
                serde_urlencoded::from_bytes(&self.body).map_err(|e| self.decode_error(".".into(), e.to_string()))
            }
            _ => self.json(),
        }
    }

    /// Decodes an XML or JSON body into `T`, by the answer's `Content-Type` (XML when the
    /// server does not say and the body looks like XML).
    pub fn decode_xml_or_serde<T: DeserializeOwned + XmlElement + XmlRoot, E>(&self, offered: &[Format]) -> Result<T, Error<E>> {
        let xml = match self.content_format() {
            Some(Format::Xml) => true,
            Some(_) => false,
            None => self.body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<'),
        };
        if xml {
            super::xml::from_bytes::<T>(&self.body).map_err(|e| self.decode_error(e.path(), e.message))
        } else {
            self.decode_serde(offered)
        }
    }

    /// The raw body.
    pub fn bytes(&self) -> Bytes {
        self.body.clone()
    }

    /// The body as text.
    pub fn text<E>(&self) -> Result<String, Error<E>> {
        String::from_utf8(self.body.to_vec()).map_err(|e| self.decode_error(".".into(), format!("the body is not UTF-8: {e}")))
    }

    /// Turns an answer the operation does not accept into an error: the spec's error body
    /// when it parses, otherwise the status with an excerpt of the body.
    pub fn into_error<E: DeserializeOwned>(self) -> Error<E> {
        match serde_json::from_slice::<E>(&self.body) {
            Ok(body) if !self.is_success() && !self.body.is_empty() => Error::Api { operation: self.op.id, status: self.status, body: ApiErrorBody(body) },
            _ => Error::UnexpectedStatus { operation: self.op.id, status: self.status, body: excerpt(&self.body) },
        }
    }

    /// [`Self::into_error`] for APIs whose errors may come as XML.
    pub fn into_error_xml<E: DeserializeOwned + XmlElement + XmlRoot>(self) -> Error<E> {
        if self.content_format() == Some(Format::Xml) || self.body.first() == Some(&b'<') {
            match super::xml::from_bytes::<E>(&self.body) {
                Ok(body) if !self.is_success() => Error::Api { operation: self.op.id, status: self.status, body: ApiErrorBody(body) },
                _ => Error::UnexpectedStatus { operation: self.op.id, status: self.status, body: excerpt(&self.body) },
            }
        } else {
            self.into_error()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        let policy = RetryPolicy { base_delay: Duration::from_millis(100), max_delay: Duration::from_millis(350), ..RetryPolicy::default() };
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
    fn retry_after_takes_seconds_and_dates() {
        assert_eq!(retry_after(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(retry_after("Sun, 06 Nov 1994 08:49:37 GMT"), Some(Duration::ZERO));
        let later = (chrono::Utc::now() + chrono::Duration::seconds(120)).format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        let d = retry_after(&later).unwrap();
        assert!(d > Duration::from_secs(100) && d <= Duration::from_secs(120), "{d:?}");
        assert_eq!(retry_after("soon"), None);
    }

    #[test]
    fn nested_union_paths_are_joined() {
        let (p, m) = join_nested_path("data[3]".into(), "at `creationTime`: input contains invalid characters".into());
        assert_eq!((p.as_str(), m.as_str()), ("data[3].creationTime", "input contains invalid characters"));
        let (p, _) = join_nested_path(".".into(), "at `existingAccount`: at `keyFile`: invalid type".into());
        assert_eq!(p, "existingAccount.keyFile");
        let (p, _) = join_nested_path("data".into(), "at `[2]`: x".into());
        assert_eq!(p, "data[2]");
        assert_eq!(join_nested_path("a".into(), "plain".into()), ("a".to_owned(), "plain".to_owned()));
    }

    #[test]
    fn methods_know_their_names_and_idempotence() {
        assert_eq!(Method::Get.as_str(), "GET");
        assert!(Method::Put.is_idempotent() && Method::Delete.is_idempotent());
        assert!(!Method::Post.is_idempotent() && !Method::Patch.is_idempotent());
    }
}
