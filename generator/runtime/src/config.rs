//! Configuration: the builder, and the transport it builds (TLS, redirects, timeouts, caps).

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use super::core::Core;
use super::identity::Identity;
use super::oauth2::TokenEndpoint;
use super::operation::Format;
use super::request::Connection;
use super::retry::RetryPolicy;
use super::revision::{ApiRevision, Spoken};
use super::transport::Transport;

/// Which redirects the client follows. Whatever the choice, credentials (the
/// `Authorization` header, session headers, API keys, cookies, and request bodies) never go
/// to another scheme, host or port, and a redirect that is not followed is an
/// [`Error::Redirect`](super::Error::Redirect) naming the operation and the status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Redirects {
    /// Follow none (the default): the REST APIs this client is for never redirect, so a
    /// redirect is a misconfigured proxy or an attack.
    #[default]
    None,
    /// Follow at most `max` redirects that stay on the request's own scheme, host and port.
    SameOrigin {
        /// The most redirects one request follows.
        max: usize,
    },
}

/// The default cap on a response body: 32 MiB.
pub const DEFAULT_MAX_RESPONSE_BODY: u64 = 32 * 1024 * 1024;

type HttpHook = Box<dyn FnOnce(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send>;

/// Builds a [`Core`] and wraps it in the generated client type `C`.
pub struct ClientBuilder<C> {
    base_url: String,
    headers: Vec<(String, String)>,
    format: Format,
    user_agent: String,
    connect_timeout: Duration,
    timeout: Duration,
    deadline: Duration,
    max_body: u64,
    idle: Duration,
    accept_invalid_certs: bool,
    root_certs: Vec<Vec<u8>>,
    only_given_roots: bool,
    /// A client certificate and its private key (PEM), wiped from memory on drop.
    client_identity: Option<zeroize::Zeroizing<Vec<u8>>>,
    retry: RetryPolicy,
    redirects: Redirects,
    refresh_margin: Duration,
    reauthenticate_on: Option<(String, Vec<String>)>,
    http_hook: Option<HttpHook>,
    revision: Option<Spoken>,
    _client: std::marker::PhantomData<fn() -> C>,
}

/// Shows every setting but header values (a custom header may carry a credential) and the
/// certificates themselves.
impl<C> std::fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &redacted_url(&self.base_url))
            .field("headers", &self.headers.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>())
            .field("format", &self.format)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("deadline", &self.deadline)
            .field("max_response_body", &self.max_body)
            .field("download_idle_timeout", &self.idle)
            .field("accept_invalid_certs", &self.accept_invalid_certs)
            .field("root_certs", &self.root_certs.len())
            .field("only_given_roots", &self.only_given_roots)
            .field("client_identity", &self.client_identity.is_some())
            .field("retry", &self.retry)
            .field("redirects", &self.redirects)
            .field("refresh_margin", &self.refresh_margin)
            .field("http_hook", &self.http_hook.is_some())
            .finish_non_exhaustive()
    }
}

/// Generated clients are made from a [`Core`].
#[doc(hidden)]
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
            deadline: Duration::from_secs(120),
            max_body: DEFAULT_MAX_RESPONSE_BODY,
            idle: Duration::from_secs(60),
            accept_invalid_certs: false,
            root_certs: Vec::new(),
            only_given_roots: false,
            client_identity: None,
            retry: RetryPolicy::default(),
            redirects: Redirects::None,
            refresh_margin: Duration::from_secs(30),
            reauthenticate_on: None,
            http_hook: None,
            revision: None,
            _client: std::marker::PhantomData,
        }
    }

    /// Adds the headers the spec gives defaults for (generated code calls this).
    #[doc(hidden)]
    pub fn default_headers(mut self, headers: &[(&str, &str)]) -> Self {
        for (name, value) in headers {
            self = self.header(*name, *value);
        }
        self
    }

    /// Speaks API revision `revision` (a generated `ApiVersion`): it is sent in its header
    /// (`x-api-version`) on every request, the token request included, and an operation, or
    /// a request field set by the caller, that this revision does not have fails with
    /// [`Error::Unsupported`](super::Error::Unsupported) before anything is sent. Without it,
    /// the header (if the spec has one) carries the spec's default and nothing is checked.
    pub fn api_version<R: ApiRevision>(mut self, revision: R) -> Self {
        let spoken = Spoken::of(revision);
        self = self.header(R::HEADER, spoken.name());
        self.revision = Some(spoken);
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

    /// The `User-Agent` header (default: the generated crate's name and version, which its
    /// `Client::builder` sets; `openapi-client-runtime/VERSION` for a builder made directly).
    pub fn user_agent(mut self, value: impl Into<String>) -> Self {
        self.user_agent = value.into();
        self
    }

    /// Time allowed to establish a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time allowed for one attempt, from sending to the end of the body (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Time allowed for a whole call: every attempt, the backoff between them and any
    /// re-login included (default 120 s). A call past it ends with
    /// [`Error::Timeout`](super::Error::Timeout).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// How long a streamed download may wait for its next bytes (default 60 s). A download
    /// has no deadline as a whole (a backup file may take hours), but one that stalls for this
    /// long ends with [`Error::Timeout`](super::Error::Timeout) instead of hanging.
    pub fn download_idle_timeout(mut self, idle: Duration) -> Self {
        self.idle = idle;
        self
    }

    /// The largest response body read, in bytes (default [`DEFAULT_MAX_RESPONSE_BODY`],
    /// 32 MiB). A larger one is [`Error::BodyTooLarge`](super::Error::BodyTooLarge), and
    /// reading stops there.
    pub fn max_response_body(mut self, bytes: u64) -> Self {
        self.max_body = bytes;
        self
    }

    /// Trusts an extra root certificate (PEM), besides the built-in roots.
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certs.push(pem.into());
        self
    }

    /// Trusts only this certificate (PEM): the built-in roots (and the OS trust store, with
    /// the `os-trust-store` feature) are turned off. For a VBR server with its own
    /// certificate authority or self-signed certificate. Verification stays on.
    pub fn trust_only_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certs = vec![pem.into()];
        self.only_given_roots = true;
        self
    }

    /// Presents a client certificate (mutual TLS, a spec's `mutualTLS` scheme). `pem` holds
    /// the certificate chain and its private key (PKCS#8, RSA or SEC1), which is wiped from
    /// memory when the builder is dropped; `build` fails when it does not parse.
    pub fn client_identity_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.client_identity = Some(zeroize::Zeroizing::new(pem.into()));
        self
    }

    /// Turns certificate verification OFF. Anyone on the network path can then read and
    /// change the traffic, credentials included. Only for lab servers; building such a
    /// client logs a `tracing` warning.
    pub fn danger_accept_invalid_certificates(mut self, accept: bool) -> Self {
        self.accept_invalid_certs = accept;
        self
    }

    /// Retry settings.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Which redirects to follow (default: none).
    pub fn redirects(mut self, redirects: Redirects) -> Self {
        self.redirects = redirects;
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

    /// Adjusts the underlying `reqwest::ClientBuilder` (a proxy, local address, HTTP/2
    /// settings) after the settings above are applied. The redirect policy and, for an
    /// `https` base URL, HTTPS-only are applied again after it: they cannot be turned off.
    pub fn configure_http(
        mut self,
        hook: impl FnOnce(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + 'static,
    ) -> Self {
        self.http_hook = Some(Box::new(hook));
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<C, BuildError> {
        let base = check_base_url(&self.base_url)?;
        let https = base.scheme() == "https";
        let mut headers = HeaderMap::new();
        for (name, value) in &self.headers {
            let n = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| BuildError(format!("invalid header name `{name}`")))?;
            let mut v =
                HeaderValue::from_str(value).map_err(|_| BuildError(format!("invalid value for header `{name}`")))?;
            v.set_sensitive(true);
            headers.insert(n, v);
        }
        let mut b = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(self.user_agent.clone())
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            .danger_accept_invalid_certs(self.accept_invalid_certs);
        if self.accept_invalid_certs {
            tracing::warn!(base_url = %redacted_url(&self.base_url), "TLS certificate verification is OFF: credentials can be read and changed by anyone on the network path");
        }
        if self.only_given_roots {
            b = b.tls_built_in_root_certs(false);
        }
        for pem in &self.root_certs {
            // `Certificate::from_pem` accepts anything and a PEM without a certificate
            // would then add nothing, silently: parse it here so a wrong file is an error.
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| BuildError(format!("invalid root certificate: {e}")))?;
            if certs.is_empty() {
                return Err(BuildError("invalid root certificate: no `BEGIN CERTIFICATE` block in the PEM".into()));
            }
            for cert in certs {
                b = b.add_root_certificate(cert);
            }
        }
        if let Some(pem) = &self.client_identity {
            // The key's bytes are not echoed: the error says only what is wrong.
            let identity = reqwest::Identity::from_pem(pem).map_err(|_| {
                BuildError("invalid client identity: expected a PEM certificate and its private key".into())
            })?;
            b = b.identity(identity);
        }
        if let Some(hook) = self.http_hook {
            b = hook(b);
        }
        b = b.redirect(redirect_policy(self.redirects)).https_only(https);
        let http = b.build().map_err(|e| BuildError(format!("cannot create the HTTP client: {e}")))?;
        let transport = Transport::new(http, self.base_url, https, self.max_body, self.idle);
        let tokens = TokenEndpoint::new(transport.clone(), self.retry.clone());
        let identity = Identity::new(tokens, self.refresh_margin, self.retry.clone());
        let conn = Connection::new(transport, Arc::new(identity), self.reauthenticate_on);
        Ok(C::from_core(Core::new(self.format, conn, self.retry, self.deadline, self.revision)))
    }
}

/// The URL must be `http` or `https` with a host, and carry no user name or password: those
/// would be printed wherever the URL is, and sent in the clear on every request.
fn check_base_url(base_url: &str) -> Result<reqwest::Url, BuildError> {
    if base_url.is_empty() {
        return Err(BuildError("the base URL is empty".into()));
    }
    let url = reqwest::Url::parse(base_url)
        .map_err(|e| BuildError(format!("invalid base URL `{}`: {e}", redacted_url(base_url))))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(BuildError(format!(
            "the base URL `{}` carries credentials (`user:password@`); pass them to the login method instead",
            redacted_url(base_url)
        )));
    }
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(BuildError(format!("the base URL `{}` is not an http(s) URL with a host", redacted_url(base_url))));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(BuildError(format!(
            "the base URL `{}` must not have a query or a fragment",
            redacted_url(base_url)
        )));
    }
    Ok(url)
}

/// A URL as text with everything up to its last `@` after the scheme replaced by `***@`,
/// parsed or not: a password may itself hold `/`, `?` or `#`, so the authority cannot be
/// told apart reliably, and hiding a path is the safe error.
pub(crate) fn redacted_url(url: &str) -> String {
    let (scheme, rest) = match url.find("://") {
        Some(i) => (&url[..i + 3], &url[i + 3..]),
        None => ("", url),
    };
    match rest.rfind('@') {
        Some(at) => format!("{scheme}***@{}", &rest[at + 1..]),
        None => url.to_owned(),
    }
}

fn same_origin(a: &reqwest::Url, b: &reqwest::Url) -> bool {
    a.scheme() == b.scheme() && a.host_str() == b.host_str() && a.port_or_known_default() == b.port_or_known_default()
}

fn redirect_policy(redirects: Redirects) -> reqwest::redirect::Policy {
    match redirects {
        Redirects::None => reqwest::redirect::Policy::none(),
        Redirects::SameOrigin { max } => reqwest::redirect::Policy::custom(move |attempt| {
            let origin_ok = attempt.previous().first().is_none_or(|first| same_origin(first, attempt.url()));
            if attempt.previous().len() > max || !origin_ok {
                attempt.stop()
            } else {
                attempt.follow()
            }
        }),
    }
}

/// A client could not be configured. The message never shows a credential.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BuildError(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_is_redacted_anywhere() {
        assert_eq!(redacted_url("https://u:p@host:1/x"), "https://***@host:1/x");
        assert_eq!(redacted_url("https://admin:pa/ss@vbr:9419"), "https://***@vbr:9419");
        assert_eq!(redacted_url("https://a:p?#@vbr"), "https://***@vbr");
        assert_eq!(redacted_url("u:p@host"), "***@host");
        assert_eq!(redacted_url("https://host"), "https://host");
    }

    #[test]
    fn base_urls_with_credentials_are_refused() {
        let e = check_base_url("https://admin:hunter2@vbr:9419").unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
        assert!(check_base_url("https://vbr:9419").is_ok());
        assert!(check_base_url("ftp://vbr").is_err());
        let e = check_base_url("https://admin:hunter2@[::1").unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
    }
}
