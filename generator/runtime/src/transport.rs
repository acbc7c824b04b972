//! One HTTP exchange: send, refuse a redirect, read the body up to a cap. [`Transport`]
//! owns the connection pool, the base URL and the caps every exchange of a client obeys.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::header::{HeaderMap, HeaderValue, LOCATION};
use zeroize::Zeroize;

/// The HTTP side of a client: its connection pool (TLS, redirects and timeouts configured),
/// the server's base URL, and the caps on what is read. Cloning shares the pool.
#[derive(Clone, Debug)]
pub(crate) struct Transport {
    http: reqwest::Client,
    /// Without a trailing `/`.
    base_url: String,
    /// The base URL is https: nothing may go out over plain http.
    https: bool,
    /// The largest response body read.
    max_body: u64,
    /// How long a streamed download may wait for its next bytes.
    idle: Duration,
}

impl Transport {
    pub(crate) fn new(http: reqwest::Client, base_url: String, https: bool, max_body: u64, idle: Duration) -> Self {
        Transport { http, base_url, https, max_body, idle }
    }

    pub(crate) fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Whether the base URL is https (so a plain-http URL must not be sent credentials).
    pub(crate) fn https(&self) -> bool {
        self.https
    }

    pub(crate) fn idle(&self) -> Duration {
        self.idle
    }

    /// A request to an absolute URL, on the client's pool.
    pub(crate) fn request(&self, method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
        self.http.request(method, url)
    }

    /// Sends `request` and reads its answer within the body cap ([`exchange_with`]).
    pub(crate) async fn send(&self, request: reqwest::RequestBuilder, read: Read) -> Result<Answer, Failure> {
        exchange_with(request, self.max_body, read).await
    }
}

/// An answer, its body read whole, or (for a streamed download that succeeded) still on the
/// connection.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) live: Option<reqwest::Response>,
}

/// Why an exchange produced no usable answer.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Connecting, sending or reading failed (or the per-request timeout struck).
    Transport(reqwest::Error),
    /// The body is larger than the cap.
    TooLarge(u64),
    /// A redirect that was not followed.
    Redirect { status: u16, location: String },
}

impl Failure {
    pub(crate) fn timed_out(&self) -> bool {
        matches!(self, Failure::Transport(e) if e.is_timeout())
    }

    /// Whether repeating the request could help (a reset connection, a truncated body).
    pub(crate) fn is_transient(&self) -> bool {
        matches!(self, Failure::Transport(e) if !e.is_builder() && !e.is_redirect() && !e.is_status())
    }
}

/// How an exchange reads the body of a success.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Read {
    /// Whole, up to the cap.
    Whole,
    /// Not at all: the caller streams it (an error answer is still read whole).
    Stream,
}

/// Sends `request` and reads its answer, at most `max_body` bytes of body, leaving a
/// success's body on the connection when `read` is `Stream`.
async fn exchange_with(request: reqwest::RequestBuilder, max_body: u64, read: Read) -> Result<Answer, Failure> {
    let mut response = request.send().await.map_err(Failure::Transport)?;
    let status = response.status().as_u16();
    if matches!(status, 301 | 302 | 303 | 307 | 308) {
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(describe_location)
            .unwrap_or_else(|| "(none)".into());
        return Err(Failure::Redirect { status, location });
    }
    if read == Read::Stream && response.status().is_success() {
        let headers = response.headers().clone();
        return Ok(Answer { status, headers, body: Bytes::new(), live: Some(response) });
    }
    if response.content_length().is_some_and(|len| len > max_body) {
        return Err(Failure::TooLarge(max_body));
    }
    let headers = std::mem::take(response.headers_mut());
    let mut body = BytesMut::new();
    while let Some(chunk) = response.chunk().await.map_err(Failure::Transport)? {
        if body.len() as u64 + chunk.len() as u64 > max_body {
            return Err(Failure::TooLarge(max_body));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Answer { status, headers, body: body.freeze(), live: None })
}

/// Scheme, host and port of a `Location`: its path and query may carry a token.
fn describe_location(location: &str) -> String {
    match reqwest::Url::parse(location) {
        Ok(url) => {
            let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
            format!("{}://{}{port}", url.scheme(), url.host_str().unwrap_or(""))
        }
        // A relative location stays on this server.
        Err(_) => "this server".to_owned(),
    }
}

/// Bytes wiped when the last reference is dropped: request bodies and form posts that may
/// carry a secret are handed to the HTTP client in this form.
pub(crate) struct Wiped(pub(crate) Vec<u8>);

impl AsRef<[u8]> for Wiped {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for Wiped {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl Wiped {
    /// A `Bytes` view that wipes the buffer when the last clone is dropped.
    pub(crate) fn into_bytes(self) -> Bytes {
        Bytes::from_owner(self)
    }
}

/// A header value marked sensitive (its `Debug` shows nothing) whose bytes are wiped when
/// the last copy is dropped.
pub(crate) fn sensitive_header(bytes: Vec<u8>) -> Option<HeaderValue> {
    let mut v = HeaderValue::from_maybe_shared(Wiped(bytes).into_bytes()).ok()?;
    v.set_sensitive(true);
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_show_only_their_origin() {
        assert_eq!(describe_location("https://evil.example:8443/t/secret?token=abc"), "https://evil.example:8443");
        assert_eq!(describe_location("/login/hunter2?sid=1"), "this server");
    }
}
