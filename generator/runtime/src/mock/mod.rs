//! An in-process mock server for tests (cargo feature `mock`), driven by a description of the
//! API that the generator writes (`{api}::mock`): the operations with their paths, security
//! and success examples, and a typed parser per operation. Split by concern:
//!
//! - `server`: starting, routing a request to its operation, answering, registering handlers;
//! - `auth`: the credentials the server issues and accepts, from the spec's security schemes
//!   (OAuth2 token endpoint, HTTP Basic, bearer tokens, API keys, session logons);
//! - `wire`: a request's parameters and body read as typed values, answers written in the
//!   media type the request asks for;
//! - `route`: matching a path against the spec's templates;
//! - `record`: what the server received, secrets blanked out.

mod auth;
mod record;
mod route;
mod server;
mod wire;

use serde::Serialize;

use super::{Method, Secret};

pub use self::record::Recorded;
pub use self::server::Server;
pub use self::wire::{In, RawReply, RawRequest};

/// The API as the mock serves it; written by the generator.
#[doc(hidden)]
#[derive(Debug)]
pub struct Api {
    /// The spec's title, for messages.
    pub title: &'static str,
    /// The security schemes by name.
    pub schemes: &'static [(&'static str, Scheme)],
    /// `x-reauthenticate-on`: the property and value a `401` for a refused token carries.
    pub reauthenticate_on: Option<(&'static str, &'static str)>,
    /// Every operation.
    pub operations: &'static [OpSpec],
    /// The API's error body holding a message and status, in the media type the request
    /// asks for: the mock's own refusals (400, 401, 404, 406, 501, …) come in the API's
    /// error shape. `None` where the error type cannot be filled in, or the API has none:
    /// a JSON `{"message": …}` then.
    pub problem: Option<Problem>,
}

/// The revisions of an API whose server speaks several (root `x-api-revisions`), for a mock
/// started as a server of one of them; written by the generator.
#[doc(hidden)]
#[derive(Debug)]
pub struct Revisions {
    /// The header a request names its revision in.
    pub header: &'static str,
    /// Every revision, oldest first.
    pub names: &'static [&'static str],
    /// The operations not every revision has, with the revisions that do.
    pub operations: &'static [(&'static str, super::revision::Available)],
}

/// Writes the API's error body with a status and message (see [`Api::problem`]).
pub type Problem = fn(&RawRequest, u16, &str) -> Option<RawReply>;

/// A security scheme, as the mock checks it.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub enum Scheme {
    /// `Authorization: Bearer` with a token the server issued or accepts.
    Bearer,
    /// OAuth2: bearer tokens issued by the token endpoint at `token_url`.
    OAuth2 {
        /// The token endpoint (a path, or a URL whose path is served).
        token_url: &'static str,
    },
    /// `Authorization: Basic` with an accepted login.
    Basic,
    /// An API key in this header (a session id issued by a logon, or an accepted key).
    ApiKeyHeader(&'static str),
    /// An API key in this query parameter.
    ApiKeyQuery(&'static str),
    /// A client certificate: not checked over plain HTTP.
    MutualTls,
}

/// One operation.
#[doc(hidden)]
#[derive(Debug)]
pub struct OpSpec {
    /// The operation id.
    pub id: &'static str,
    /// The method.
    pub method: Method,
    /// The path template.
    pub path: &'static str,
    /// Security requirements: alternatives, each the schemes that must all be sent; empty
    /// for none, and an empty alternative allows anonymous access.
    pub auth: &'static [&'static [&'static str]],
    /// Parses the request as the typed request struct: `Err` says what breaks the spec;
    /// `Ok` holds the secrets the body carries (to blank out of the record).
    pub check: fn(&RawRequest) -> Result<Vec<Secret>, String>,
    /// The success example answered when no handler is registered.
    pub example: Option<Example>,
    /// `x-session-header`: a successful answer issues a session id in this header.
    pub session_header: Option<&'static str>,
    /// `x-logout`: a successful answer ends the credentials the request carried.
    pub logout: bool,
    /// The media types of its success answers: a request whose `Accept` takes none of them
    /// is answered `406`.
    pub produces: &'static [&'static str],
    /// Headers the client sends on every request that this operation requires (such as an
    /// API version): a request without one is answered `400`.
    pub required_headers: &'static [&'static str],
    /// (path parameter, JSON pointer): the default JSON answer carries the value asked for
    /// there (a session's status answers with the session's own id).
    pub echo: &'static [(&'static str, &'static str)],
}

/// A success example.
#[doc(hidden)]
#[derive(Debug)]
pub struct Example {
    /// Its status.
    pub status: u16,
    /// (media type, text) per media type.
    pub bodies: &'static [(&'static str, &'static str)],
    /// The headers the answer always carries: (name, value).
    pub headers: &'static [(&'static str, &'static str)],
}

/// A typed request struct of one operation.
#[doc(hidden)]
pub trait MockRequest: Sized + Send + 'static {
    /// Reads the request; `Err` says what breaks the spec.
    fn parse(raw: &RawRequest) -> Result<Self, String>;
    /// The secrets the request carries in its body.
    fn secrets(&self) -> Vec<Secret>;
}

/// A typed reply enum of one operation.
#[doc(hidden)]
pub trait MockReply: Send + 'static {
    /// The answer, in the media type `raw` asks for.
    fn into_raw(self, raw: &RawRequest) -> RawReply;
}

/// The reason phrase of a status without spaces (`NotFound`), as error codes are often
/// spelled.
#[doc(hidden)]
pub fn reason(status: u16) -> String {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error")
        .split_whitespace()
        .collect()
}

/// A handler that answers with `replies` in turn, then repeats the last one: a scripted
/// sequence, such as a session going from Working 10 % to Working 60 % to Success.
///
/// In a generated mock: `server.on_get_session(mock::sequence([working(10), success()]))`.
/// (The runtime has no doc tests: a crate that vendors it could not run them.)
pub fn sequence<Req, Rep: Clone + Send + 'static>(
    replies: impl IntoIterator<Item = Rep>,
) -> impl Fn(Req) -> std::future::Ready<Rep> + Send + Sync + 'static {
    let replies: Vec<Rep> = replies.into_iter().collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let replies = std::sync::Mutex::new(replies);
    move |_| {
        let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let replies = replies.lock().unwrap_or_else(|e| e.into_inner());
        let reply = replies.get(i).or_else(|| replies.last()).cloned();
        // An empty script has nothing to answer: a handler that panics is answered 500.
        std::future::ready(reply.unwrap_or_else(|| panic!("mock::sequence was given no replies")))
    }
}

/// [`OpSpec::check`] for the request struct `R`.
#[doc(hidden)]
pub fn check<R: MockRequest>(raw: &RawRequest) -> Result<Vec<Secret>, String> {
    R::parse(raw).map(|r| r.secrets())
}

/// The secrets inside a serde value (fields typed [`Secret`]).
#[doc(hidden)]
pub fn secrets_of<T: Serialize>(value: &T) -> Vec<Secret> {
    super::secret::collecting(|| serde_json::to_vec(value)).1
}

#[cfg(test)]
mod sequence_tests {
    #[test]
    fn a_sequence_answers_in_turn_then_repeats_the_last() {
        let handler = super::sequence::<(), u8>([10, 60, 100]);
        let answers: Vec<u8> = (0..4).map(|_| handler(()).into_inner()).collect();
        assert_eq!(answers, [10, 60, 100, 100]);
    }
}
