//! A raw HTTP/1.1 peer on loopback: it accepts one connection, reads one request exactly as
//! the client wrote it (request line, header lines in order, body by `Content-Length` or
//! chunked), keeps it, answers the canned [`Reply`] a test gives it, and hands the request
//! back after the client's call has returned.
//!
//! No HTTP library sits between the client and the assertions, so a header the client sends
//! twice is seen twice, and a query string is seen byte for byte.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// How long the peer waits for the parts of a request once a connection is open, and how
/// long a client waits for an answer.
pub const WAIT: Duration = Duration::from_secs(10);

/// The longest head (request line and headers) the peer reads.
const MAX_HEAD: usize = 64 << 10;

/// The answer the peer gives.
#[derive(Clone, Debug)]
pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    /// An answer with this status and no body.
    pub fn status(status: u16) -> Self {
        Reply { status, headers: Vec::new(), body: Vec::new() }
    }

    /// An answer with this status and a body of this media type.
    pub fn body(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Reply::status(status).header("Content-Type", content_type).with_body(body)
    }

    /// Adds a header line.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    fn with_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!("HTTP/1.1 {} Canned\r\n", self.status).into_bytes();
        for (name, value) in &self.headers {
            out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
        }
        // 1xx, 204 and 304 answers carry no body and no Content-Length (RFC 9110 §8.6).
        if !(self.status < 200 || self.status == 204 || self.status == 304) {
            out.extend_from_slice(format!("Content-Length: {}\r\n", self.body.len()).as_bytes());
        }
        out.extend_from_slice(b"Connection: close\r\n\r\n");
        out.extend_from_slice(&self.body);
        out
    }
}

/// One request as the client wrote it.
#[derive(Clone, Debug)]
pub struct Request {
    /// The request line, without its CRLF: `GET /path?query HTTP/1.1`.
    pub line: String,
    /// Every header line in the order sent, name as written.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked if it was sent chunked.
    pub body: Vec<u8>,
}

impl Request {
    /// The request target: the path and query string, byte for byte.
    pub fn target(&self) -> &str {
        self.line.split(' ').nth(1).unwrap_or_default()
    }

    /// The query string (without `?`), empty if there is none.
    pub fn query(&self) -> &str {
        self.target().split_once('?').map_or("", |(_, q)| q)
    }

    /// The values of every line of header `name` (case-insensitive, RFC 9110 §5.1).
    pub fn header_lines(&self, name: &str) -> Vec<&str> {
        self.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect()
    }

    /// The value of header `name`, which must have been sent on exactly one line.
    pub fn one_header(&self, name: &str) -> Option<&str> {
        match self.header_lines(name)[..] {
            [] => None,
            [one] => Some(one),
            ref several => panic!("header {name} sent on {} lines: {several:?}", several.len()),
        }
    }

    /// The body as text (lossy).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A peer waiting for one request.
pub struct Peer {
    url: String,
    /// The request, stored before the answer is written: once the client has its answer,
    /// this is filled, so no test waits on a request that was never sent.
    received: Arc<Mutex<Option<Result<Request, String>>>>,
    task: JoinHandle<()>,
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Peer {
    /// Listens on a free loopback port and answers the first request with `reply`.
    pub async fn answer(reply: Reply) -> Peer {
        let listener = TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(None));
        let slot = Arc::clone(&received);
        let task = tokio::spawn(async move {
            let Ok((stream, _)) = listener.accept().await else { return };
            let mut stream = BufReader::new(stream);
            let request = read_request(&mut stream).await;
            let ok = request.is_ok();
            *slot.lock().unwrap() = Some(request.map_err(|e| e.to_string()));
            if ok {
                // The client may already have gone (a timeout); the test looks at its result.
                let _ = stream.get_mut().write_all(&reply.to_bytes()).await;
                let _ = stream.get_mut().shutdown().await;
            }
        });
        Peer { url, received, task }
    }

    /// The base URL to build the client with.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// The request the peer received, once the client's call has returned with `result`
    /// (shown if the client sent nothing: it failed before sending).
    pub fn request_for<T: std::fmt::Debug>(self, result: &T) -> Request {
        match self.received.lock().unwrap().take() {
            Some(Ok(request)) => request,
            Some(Err(e)) => panic!("the peer could not read the request ({e}); the call returned {result:?}"),
            None => panic!("the client sent no request; the call returned {result:?}"),
        }
    }
}

async fn read_request<R: AsyncBufReadExt + Unpin>(stream: &mut R) -> std::io::Result<Request> {
    let invalid = |what: String| std::io::Error::new(std::io::ErrorKind::InvalidData, what);
    let head = tokio::time::timeout(WAIT, async {
        let mut lines = Vec::new();
        let mut read = 0;
        loop {
            let mut line = String::new();
            let n = stream.read_line(&mut line).await?;
            read += n;
            if n == 0 || read > MAX_HEAD {
                return Err(invalid(format!("the head ended after {read} bytes without a blank line")));
            }
            let line = line.strip_suffix("\r\n").ok_or_else(|| invalid(format!("a line without CRLF: {line:?}")))?;
            if line.is_empty() {
                return Ok(lines);
            }
            lines.push(line.to_owned());
        }
    })
    .await
    .map_err(|_| invalid("the head did not arrive in time".into()))??;
    let (line, rest) = head.split_first().ok_or_else(|| invalid("no request line".into()))?;
    let mut headers = Vec::new();
    for h in rest {
        let (name, value) = h.split_once(':').ok_or_else(|| invalid(format!("a header without colon: {h:?}")))?;
        headers.push((name.to_owned(), value.trim().to_owned()));
    }
    let mut request = Request { line: line.clone(), headers, body: Vec::new() };
    let chunked = request.header_lines("transfer-encoding").iter().any(|v| v.eq_ignore_ascii_case("chunked"));
    let length = request.header_lines("content-length").first().map(|v| v.parse::<usize>());
    request.body = tokio::time::timeout(WAIT, async {
        if chunked {
            read_chunked(stream).await
        } else if let Some(length) = length {
            let length = length.map_err(|e| invalid(format!("Content-Length: {e}")))?;
            let mut body = vec![0; length];
            stream.read_exact(&mut body).await?;
            Ok(body)
        } else {
            Ok(Vec::new())
        }
    })
    .await
    .map_err(|_| invalid("the body did not arrive in time".into()))??;
    Ok(request)
}

/// A chunked body (RFC 9112 §7.1), without extensions or trailers kept.
async fn read_chunked<R: AsyncBufReadExt + Unpin>(stream: &mut R) -> std::io::Result<Vec<u8>> {
    let invalid = |what: String| std::io::Error::new(std::io::ErrorKind::InvalidData, what);
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        stream.read_line(&mut size).await?;
        let hex = size.trim_end().split(';').next().unwrap_or_default();
        let size = usize::from_str_radix(hex, 16).map_err(|e| invalid(format!("chunk size {hex:?}: {e}")))?;
        if size == 0 {
            // Trailer lines, then the blank line.
            loop {
                let mut line = String::new();
                if stream.read_line(&mut line).await? == 0 || line == "\r\n" {
                    return Ok(body);
                }
            }
        }
        let start = body.len();
        body.resize(start + size, 0);
        stream.read_exact(&mut body[start..]).await?;
        let mut crlf = [0; 2];
        stream.read_exact(&mut crlf).await?;
    }
}
