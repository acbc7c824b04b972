//! The one error type every operation returns.

use std::fmt;

/// How much of an unexpected body an error keeps.
pub const BODY_EXCERPT: usize = 1024;

/// An operation failed. Every variant names the operation (its `operationId`); none carries
/// a secret: request bodies are never included and response excerpts are only kept for
/// statuses the spec does not document.
#[derive(Debug, thiserror::Error)]
pub enum Error<E> {
    /// The request could not be built (a value that cannot be encoded, an invalid header).
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
    /// The request did not complete within the configured timeout.
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
        /// The start of the body, at most [`BODY_EXCERPT`] bytes, lossily decoded.
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
    /// Logging in or refreshing the login failed.
    #[error("{operation}: authentication failed: {message}")]
    Auth {
        /// `operationId` (or the token endpoint).
        operation: &'static str,
        /// What went wrong, without any credential.
        message: String,
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
            | Error::Auth { operation, .. } => operation,
        }
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } | Error::UnexpectedStatus { status, .. } | Error::Decode { status, .. } => Some(*status),
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

    pub(crate) fn transport(operation: &'static str, source: reqwest::Error) -> Self {
        if source.is_timeout() {
            Error::Timeout { operation }
        } else {
            Error::Transport { operation, source: source.without_url() }
        }
    }
}

/// At most [`BODY_EXCERPT`] bytes of a body, lossily decoded, marked when cut.
pub fn excerpt(body: &[u8]) -> String {
    if body.len() <= BODY_EXCERPT {
        String::from_utf8_lossy(body).into_owned()
    } else {
        let mut s = String::from_utf8_lossy(&body[..BODY_EXCERPT]).into_owned();
        s.push_str("… (truncated)");
        s
    }
}
