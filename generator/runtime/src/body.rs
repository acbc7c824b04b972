//! Bodies too large to hold in memory: uploads from a stream, downloads as a stream.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures::stream::{BoxStream, Stream, StreamExt};

use super::error::Error;

/// A binary request body: bytes in memory, which a retry can send again, or a stream, sent
/// once (a request with a streamed body is never repeated: not after a connection error,
/// a `503`, nor a refused token).
pub enum Upload {
    /// Bytes in memory.
    Bytes(Bytes),
    /// A stream of chunks, read as the request goes out.
    Stream(reqwest::Body),
}

impl Upload {
    /// A body read from a stream of chunks (a file, say, through `tokio_util::io::ReaderStream`).
    pub fn stream<S, B, E>(stream: S) -> Self
    where
        S: Stream<Item = Result<B, E>> + Send + 'static,
        B: Into<Bytes> + 'static,
        E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
    {
        Upload::Stream(reqwest::Body::wrap_stream(stream.map(|chunk| chunk.map(Into::into))))
    }
}

impl std::fmt::Debug for Upload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Upload::Bytes(b) => f.debug_tuple("Upload::Bytes").field(&b.len()).finish(),
            Upload::Stream(_) => f.write_str("Upload::Stream(..)"),
        }
    }
}

impl From<Bytes> for Upload {
    fn from(b: Bytes) -> Self {
        Upload::Bytes(b)
    }
}

impl From<Vec<u8>> for Upload {
    fn from(b: Vec<u8>) -> Self {
        Upload::Bytes(Bytes::from(b))
    }
}

impl From<&'static [u8]> for Upload {
    fn from(b: &'static [u8]) -> Self {
        Upload::Bytes(Bytes::from_static(b))
    }
}

impl From<String> for Upload {
    fn from(s: String) -> Self {
        Upload::Bytes(Bytes::from(s))
    }
}

/// A response body delivered as it arrives, so a 2 GB backup file never sits in memory.
/// The response-size cap does not apply (the caller decides what to keep); a connection that
/// breaks midway is an error item naming the operation.
pub struct ByteStream<E> {
    operation: &'static str,
    content_length: Option<u64>,
    inner: BoxStream<'static, reqwest::Result<Bytes>>,
    /// How long the next bytes may take, and when that time is up; `None` for a body already
    /// in memory.
    idle: Option<(Duration, Pin<Box<tokio::time::Sleep>>)>,
    /// The stream ended (its end, or an error it will not recover from).
    done: bool,
    _error: PhantomData<fn() -> E>,
}

impl<E> ByteStream<E> {
    pub(crate) fn live(operation: &'static str, response: reqwest::Response, idle: Duration) -> Self {
        ByteStream {
            operation,
            content_length: response.content_length(),
            inner: response.bytes_stream().boxed(),
            idle: Some((idle, Box::pin(tokio::time::sleep(idle)))),
            done: false,
            _error: PhantomData,
        }
    }

    pub(crate) fn whole(operation: &'static str, body: Bytes) -> Self {
        let len = body.len() as u64;
        ByteStream {
            operation,
            content_length: Some(len),
            inner: futures::stream::iter([Ok(body)]).boxed(),
            idle: None,
            done: false,
            _error: PhantomData,
        }
    }

    /// The length the server announced, if it did.
    pub fn content_length(&self) -> Option<u64> {
        self.content_length
    }
}

impl<E> Stream for ByteStream<E> {
    type Item = Result<Bytes, Error<E>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        let operation = self.operation;
        match self.inner.as_mut().poll_next(cx) {
            Poll::Ready(item) => {
                // Bytes arrived (or the end): the idle clock starts again.
                if let Some((idle, sleep)) = &mut self.idle {
                    let next = tokio::time::Instant::now() + *idle;
                    sleep.as_mut().reset(next);
                }
                if item.is_none() {
                    self.done = true;
                }
                Poll::Ready(item.map(|chunk| chunk.map_err(|e| Error::transport(operation, e))))
            }
            Poll::Pending => {
                // A download that stalls past its idle timeout ends, instead of hanging.
                let stalled = match &mut self.idle {
                    Some((_, sleep)) => sleep.as_mut().poll(cx).is_ready(),
                    None => false,
                };
                if stalled {
                    self.done = true;
                    return Poll::Ready(Some(Err(Error::Timeout { operation })));
                }
                Poll::Pending
            }
        }
    }
}

impl<E> std::fmt::Debug for ByteStream<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ByteStream")
            .field("operation", &self.operation)
            .field("content_length", &self.content_length)
            .finish_non_exhaustive()
    }
}

/// One file of a `multipart/form-data` body: its content (from memory or a stream), and the
/// file name and content type the part announces.
#[derive(Debug)]
pub struct FilePart {
    /// The part's `filename`.
    pub file_name: Option<String>,
    /// The part's `Content-Type` (`application/octet-stream` when `None`).
    pub content_type: Option<String>,
    /// The content.
    pub body: Upload,
}

impl FilePart {
    /// A file part with this content.
    pub fn new(body: impl Into<Upload>) -> Self {
        FilePart { file_name: None, content_type: None, body: body.into() }
    }

    /// Announces a file name.
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = Some(name.into());
        self
    }

    /// Announces a content type.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// Sets the content type unless the caller set one: the spec's default for this part.
    #[doc(hidden)]
    pub fn or_content_type(mut self, content_type: &str) -> Self {
        if self.content_type.is_none() {
            self.content_type = Some(content_type.to_owned());
        }
        self
    }
}

/// A `multipart/form-data` body being built by generated code: one part per property, in
/// the spec's order.
pub struct Multipart {
    pub(crate) form: reqwest::multipart::Form,
    pub(crate) error: Option<String>,
    /// The secrets written into text parts, to blank out of the answer.
    pub(crate) secrets: Vec<super::Secret>,
}

impl std::fmt::Debug for Multipart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Multipart").finish_non_exhaustive()
    }
}

impl Default for Multipart {
    fn default() -> Self {
        Multipart { form: reqwest::multipart::Form::new(), error: None, secrets: Vec::new() }
    }
}

impl Multipart {
    /// An empty form.
    pub fn new() -> Self {
        Multipart::default()
    }

    fn push(&mut self, name: &str, part: reqwest::multipart::Part) {
        let form = std::mem::replace(&mut self.form, reqwest::multipart::Form::new());
        self.form = form.part(name.to_owned(), part);
    }

    /// A text part.
    pub fn text(&mut self, name: &str, value: &(impl super::ParamValue + ?Sized)) {
        let (text, secrets) = super::secret::collecting(|| value.param_value().into_owned());
        self.secrets.extend(secrets);
        self.push(name, reqwest::multipart::Part::text(text));
    }

    /// A structured part, as JSON.
    pub fn json(&mut self, name: &str, value: &impl serde::Serialize) {
        let (json, secrets) = super::secret::collecting(|| serde_json::to_vec(value));
        self.secrets.extend(secrets);
        match json {
            Ok(json) => match reqwest::multipart::Part::bytes(json).mime_str("application/json") {
                Ok(part) => self.push(name, part),
                Err(e) => self.error = Some(format!("part `{name}`: {e}")),
            },
            Err(e) => self.error = Some(format!("part `{name}`: {e}")),
        }
    }

    /// A file part.
    pub fn file(&mut self, name: &str, file: FilePart) {
        let part = match file.body {
            Upload::Bytes(bytes) => {
                let len = bytes.len() as u64;
                reqwest::multipart::Part::stream_with_length(reqwest::Body::from(bytes), len)
            }
            Upload::Stream(body) => reqwest::multipart::Part::stream(body),
        };
        let part = match file.file_name {
            Some(n) => part.file_name(n),
            None => part,
        };
        match part.mime_str(file.content_type.as_deref().unwrap_or("application/octet-stream")) {
            Ok(part) => self.push(name, part),
            Err(e) => self.error = Some(format!("part `{name}`: invalid content type: {e}")),
        }
    }
}
