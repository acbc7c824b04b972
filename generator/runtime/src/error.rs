//! The one error type every operation returns.

use std::fmt;

pub use super::redact::{excerpt, BODY_EXCERPT};

/// An operation failed. Every variant names the operation (its `operationId`); none carries
/// a secret: request bodies are never included, response excerpts are only kept for error
/// statuses the spec does not document, and every credential the client knows of and every
/// secret of the request is blanked out of them in each encoding it may take.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error<E> {
    /// The request could not be built (a value that cannot be encoded, an invalid header,
    /// a character XML cannot carry, a page size that is not positive).
    #[error("{operation}: cannot build the request: {message}")]
    InvalidRequest {
        /// `operationId`.
        operation: &'static str,
        /// What is wrong.
        message: String,
    },
    /// Connecting, TLS, or reading the answer failed.
    #[error("{operation}: transport error: {source}")]
    Transport {
        /// `operationId`.
        operation: &'static str,
        /// The underlying error, with the URL removed.
        #[source]
        source: reqwest::Error,
    },
    /// The call did not complete within its deadline (retries and backoff included) or a
    /// single attempt hit the per-request timeout.
    #[error("{operation}: timed out")]
    Timeout {
        /// `operationId`.
        operation: &'static str,
    },
    /// The server answered with an error status and the error body the spec declares.
    #[error("{operation}: server answered {status}: {body}")]
    Api {
        /// `operationId`.
        operation: &'static str,
        /// HTTP status.
        status: u16,
        /// The parsed error body.
        body: ApiErrorBody<E>,
    },
    /// The server answered with a status the spec does not document for this operation,
    /// or with an error body that does not parse.
    #[error("{operation}: unexpected status {status}: {body}")]
    UnexpectedStatus {
        /// `operationId`.
        operation: &'static str,
        /// HTTP status.
        status: u16,
        /// For an error status, the start of the body (at most [`BODY_EXCERPT`] bytes,
        /// lossily decoded, secrets blanked out). A success body is never shown, since it
        /// may carry credentials (a token answer, say): only its length is.
        body: String,
    },
    /// The answer had a success status but its body is not what the spec promises.
    #[error("{operation}: cannot decode the {status} response at `{path}`: {message}")]
    Decode {
        /// `operationId`.
        operation: &'static str,
        /// HTTP status.
        status: u16,
        /// Path of the field that failed (`.` for the whole body).
        path: String,
        /// What was wrong.
        message: String,
    },
    /// Logging in or renewing the login failed, or the login was refused earlier and the
    /// client holds no usable credential until the generated client's `login` (or a credential setter) is
    /// called again.
    #[error("{operation}: authentication failed: {message}")]
    Auth {
        /// `operationId` (or `token` for the token endpoint).
        operation: &'static str,
        /// What went wrong, without any credential.
        message: String,
    },
    /// The server answered with a redirect the client did not follow: by default none are,
    /// and with [`Redirects::SameOrigin`](super::Redirects) none to another scheme, host or
    /// port (credentials never leave their origin).
    #[error("{operation}: the server redirected ({status}) to {location}; not followed")]
    Redirect {
        /// `operationId`.
        operation: &'static str,
        /// HTTP status (301, 302, 303, 307 or 308).
        status: u16,
        /// Where to: scheme, host and port of the `Location` header (its path and query may
        /// carry a token), `this server` for a relative one, or `(none)`.
        location: String,
    },
    /// The answer's body is larger than the configured cap
    /// ([`ClientBuilder::max_response_body`](super::ClientBuilder::max_response_body)).
    #[error("{operation}: the response body exceeds the limit of {limit} bytes")]
    BodyTooLarge {
        /// `operationId`.
        operation: &'static str,
        /// The cap, in bytes.
        limit: u64,
    },
    /// A paged listing cannot be trusted to be complete: a page came back empty before the
    /// reported total, did not advance, or carried numbers that contradict the request.
    #[error("{operation}: paging stopped at offset {offset}: {message}")]
    Paging {
        /// `operationId`.
        operation: &'static str,
        /// The offset of the page that was wrong.
        offset: i64,
        /// What was wrong.
        message: String,
    },
    // Last, so that the variants before it keep their discriminants (semver).
    /// The operation, or a field the caller set on its request, does not exist in the API
    /// revision the client speaks ([`ClientBuilder::api_version`](super::ClientBuilder::api_version)):
    /// refused before anything is sent.
    #[error("{operation}: {}not in API revision {revision}, which this client speaks; available in {available}", field.map(|f| format!("`{f}` is ")).unwrap_or_default())]
    Unsupported {
        /// `operationId`.
        operation: &'static str,
        /// The request field (body property or parameter, by its wire name), when the
        /// operation exists but the field does not.
        field: Option<&'static str>,
        /// The revision the client speaks.
        revision: &'static str,
        /// The first revision after it that has the element, else the first that had it.
        since: Option<&'static str>,
        /// Every revision that has it (`1.3-rev1 and later`).
        available: String,
    },
    /// The request body leaves out a property that the API revision the client speaks
    /// requires, though others do not (a later revision made it optional or dropped it), so
    /// Rust cannot require it: refused before anything is sent, as that server would refuse
    /// it.
    #[error("{operation}: `{field}` is required in API revision {revision}, which this client speaks, but the request does not set it (required in {required})")]
    MissingField {
        /// `operationId`.
        operation: &'static str,
        /// The body property, by its wire name.
        field: &'static str,
        /// The revision the client speaks.
        revision: &'static str,
        /// Every revision that requires it (`1.2-rev1 to 1.3-rev0`).
        required: String,
    },
    /// A list in the request holds other than one value, where the API revision the client
    /// speaks takes one value, not a list (a later revision made it a list): refused before
    /// anything is sent.
    #[error("{operation}: `{field}` holds {count} values, but API revision {revision}, which this client speaks, takes exactly one there (one value in {single})")]
    NotOneValue {
        /// `operationId`.
        operation: &'static str,
        /// The body property or parameter, by its wire name.
        field: &'static str,
        /// How many values it holds.
        count: usize,
        /// The revision the client speaks.
        revision: &'static str,
        /// Every revision that takes one value there (`1.2-rev1 to 1.3-rev1`).
        single: String,
    },
}

/// The error body of an `Api` error. Displays compactly through [`ErrorBody`].
#[derive(Debug, Clone, PartialEq)]
pub struct ApiErrorBody<E>(pub E);

impl<E> std::ops::Deref for ApiErrorBody<E> {
    type Target = E;
    fn deref(&self) -> &E {
        &self.0
    }
}

impl<E: ErrorBody> fmt::Display for ApiErrorBody<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.summary())
    }
}

/// How an error body describes itself in an error message.
pub trait ErrorBody {
    /// A one-line summary.
    fn summary(&self) -> String;
}

/// Any serializable error body summarizes as its JSON, cut to [`BODY_EXCERPT`].
impl<T: serde::Serialize> ErrorBody for T {
    fn summary(&self) -> String {
        let text = serde_json::to_string(self).unwrap_or_default();
        excerpt(text.as_bytes())
    }
}

impl<E> Error<E> {
    /// The `operationId` of the failed operation.
    pub fn operation(&self) -> &'static str {
        match self {
            Error::InvalidRequest { operation, .. }
            | Error::Transport { operation, .. }
            | Error::Timeout { operation }
            | Error::Api { operation, .. }
            | Error::UnexpectedStatus { operation, .. }
            | Error::Decode { operation, .. }
            | Error::Auth { operation, .. }
            | Error::Redirect { operation, .. }
            | Error::BodyTooLarge { operation, .. }
            | Error::Paging { operation, .. }
            | Error::Unsupported { operation, .. }
            | Error::MissingField { operation, .. }
            | Error::NotOneValue { operation, .. } => operation,
        }
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. }
            | Error::UnexpectedStatus { status, .. }
            | Error::Decode { status, .. }
            | Error::Redirect { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The parsed error body of an `Api` error.
    pub fn api_body(&self) -> Option<&E> {
        match self {
            Error::Api { body, .. } => Some(&body.0),
            _ => None,
        }
    }

    /// The same error with its `Api` body turned into another type: what a caller that
    /// handles every operation alike (the generated `dispatch` module) does to the bodies of
    /// operations with error types of their own.
    pub fn map_body<F>(self, f: impl FnOnce(E) -> F) -> Error<F> {
        match self {
            Error::Api { operation, status, body } => Error::Api { operation, status, body: ApiErrorBody(f(body.0)) },
            Error::InvalidRequest { operation, message } => Error::InvalidRequest { operation, message },
            Error::Transport { operation, source } => Error::Transport { operation, source },
            Error::Timeout { operation } => Error::Timeout { operation },
            Error::UnexpectedStatus { operation, status, body } => Error::UnexpectedStatus { operation, status, body },
            Error::Decode { operation, status, path, message } => Error::Decode { operation, status, path, message },
            Error::Auth { operation, message } => Error::Auth { operation, message },
            Error::Redirect { operation, status, location } => Error::Redirect { operation, status, location },
            Error::BodyTooLarge { operation, limit } => Error::BodyTooLarge { operation, limit },
            Error::Paging { operation, offset, message } => Error::Paging { operation, offset, message },
            Error::Unsupported { operation, field, revision, since, available } => {
                Error::Unsupported { operation, field, revision, since, available }
            }
            Error::MissingField { operation, field, revision, required } => {
                Error::MissingField { operation, field, revision, required }
            }
            Error::NotOneValue { operation, field, count, revision, single } => {
                Error::NotOneValue { operation, field, count, revision, single }
            }
        }
    }

    pub(crate) fn transport(operation: &'static str, source: reqwest::Error) -> Self {
        if source.is_timeout() {
            Error::Timeout { operation }
        } else {
            Error::Transport { operation, source: source.without_url() }
        }
    }
}
