//! The escape hatch: a request the spec does not describe, sent with everything the client
//! does for its own operations (the login and its renewal, retries, the deadline, the body
//! cap, no redirect to another origin, secrets kept out of error text).

use std::marker::PhantomData;

use bytes::Bytes;
use serde::Serialize;

use super::core::Core;
use super::error::Error;
use super::operation::{AuthScheme, Method, Operation};
use super::params::{primitive, ParamStyle};
use super::request::Request;
use super::response::Response;

/// The operation a raw request is reported as (in errors and `tracing` spans), per method.
macro_rules! raw_operations {
    ($($method:ident),*) => {
        fn raw_operation(method: Method) -> &'static Operation {
            match method {
                $(Method::$method => {
                    static OP: Operation = Operation { id: "raw", method: Method::$method, path: "(raw)", auth: &[] };
                    &OP
                })*
            }
        }
    };
}

raw_operations!(Get, Put, Post, Delete, Options, Head, Patch, Trace, Query);

/// A request to a path the spec does not describe (`client.raw(Method::Get, "/api/v1/jobs")`).
/// It is authorized with whichever credential the client holds, and answers with the raw
/// [`Response`] whatever its status: read it with `status()`, `text()`, `bytes()` or
/// `decode_serde`, or turn a failure into the API's error with `into_error()`.
pub struct RawCall<'c, E> {
    request: Request<'c>,
    /// The first thing that went wrong while building, reported by [`RawCall::send`].
    problem: Option<Error<E>>,
    _error: PhantomData<fn() -> E>,
}

impl<E> std::fmt::Debug for RawCall<'_, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawCall").field("request", &self.request).finish_non_exhaustive()
    }
}

impl<'c, E> RawCall<'c, E> {
    /// A raw request on `core` (generated clients' `raw` method calls this with the API's
    /// security schemes). `path` is appended to the base URL: it must start with `/`, and
    /// may not name another host, so credentials never leave their origin.
    #[doc(hidden)]
    pub fn new(core: &'c Core, method: Method, path: &str, auth: &'static [&'static [AuthScheme]]) -> Self {
        let op = raw_operation(method);
        let mut request = core.request(op, path.to_owned());
        request.authorize_with(auth);
        let problem = (!path.starts_with('/') || path.starts_with("//")).then(|| Error::InvalidRequest {
            operation: op.id,
            message: "a raw request's path starts with a single `/` (it is appended to the base URL)".to_owned(),
        });
        RawCall { request, problem, _error: PhantomData }
    }

    fn noting(mut self, result: Result<(), Error<E>>) -> Self {
        if let (Err(e), None) = (result, &self.problem) {
            self.problem = Some(e);
        }
        self
    }

    /// Adds a query parameter (`name=value`, percent-encoded).
    pub fn query(mut self, name: &str, value: &str) -> Self {
        let result = self.request.query(name, primitive(value));
        self.noting(result)
    }

    /// Adds a request header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        let result = self.request.param(super::params::In::Header, name, ParamStyle::SIMPLE, primitive(value));
        self.noting(result)
    }

    /// Sends `body` as JSON.
    pub fn json(mut self, body: &impl Serialize) -> Self {
        let result = self.request.body_serde(body, &[super::Format::Json]);
        self.noting(result)
    }

    /// Sends these bytes with this content type.
    pub fn body(mut self, content_type: &'static str, body: impl Into<Bytes>) -> Self {
        self.request.body_upload(content_type, super::Upload::Bytes(body.into()));
        self
    }

    /// Asks for these media types (`Accept`; JSON, or XML for a client in XML, by default).
    pub fn accept(mut self, media: &'static str) -> Self {
        self.request.accept(media);
        self
    }

    /// Sends the request and answers with the response, whatever its status.
    pub async fn send(self) -> Result<Response, Error<E>> {
        match self.problem {
            Some(problem) => Err(problem),
            None => self.request.send().await,
        }
    }
}
