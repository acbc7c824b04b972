//! What generated code tells the runtime about an operation: its method, path, security
//! requirements, and the body formats it offers. Plain data at the bottom of the runtime's
//! layers: every other module may name these, and they name nothing of the runtime.

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
    /// QUERY (OpenAPI 3.2): a safe, idempotent request with a body.
    Query,
}

impl Method {
    pub(crate) fn to_reqwest(self) -> reqwest::Method {
        match self {
            Method::Get => reqwest::Method::GET,
            Method::Put => reqwest::Method::PUT,
            Method::Post => reqwest::Method::POST,
            Method::Delete => reqwest::Method::DELETE,
            Method::Options => reqwest::Method::OPTIONS,
            Method::Head => reqwest::Method::HEAD,
            Method::Patch => reqwest::Method::PATCH,
            Method::Trace => reqwest::Method::TRACE,
            Method::Query => reqwest::Method::from_bytes(b"QUERY").expect("QUERY is a valid method token"),
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
            Method::Query => "QUERY",
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
    /// `Authorization: Bearer`, from [`Core::set_bearer_token`](super::Core::set_bearer_token) or an OAuth2 login.
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
    /// Its security requirements: alternatives in the document's order, each the schemes
    /// sent together; empty for none, and an empty alternative allows anonymous access.
    pub auth: &'static [&'static [AuthScheme]],
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
    pub(crate) fn mime(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Xml => "application/xml",
            Format::Form => "application/x-www-form-urlencoded",
        }
    }
}
