//! The client against hostile and faulty servers, one test per promise: servers that
//! redirect credentials elsewhere, downgrade to plain http, send endless or deeply nested
//! bodies, refuse a changed password to a hundred callers at once, stall, echo secrets back in
//! every encoding, lie about paging totals, and hand out session ids with a refusal.
//!
//! Every peer is a real loopback server speaking HTTP/1.1 on raw TCP (or TLS), so each test
//! controls the bytes. A case that could abort the process runs in a child process and is
//! judged by its exit status.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::json;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use veeam_client::runtime::{self, Error, Redirects, RetryPolicy, Secret};
use veeam_client::{em, vbr};

use crate::support::{self, this_test};

// ---------------------------------------------------------------------------------------
// A raw HTTP/1.1 peer.
// ---------------------------------------------------------------------------------------

/// A request as the peer read it.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
}

/// What the peer does with a request.
enum Reply {
    /// A complete answer.
    Full { status: u16, headers: Vec<(String, String)>, body: Vec<u8> },
    /// Waits, then answers.
    Later(Duration, Box<Reply>),
    /// A chunked body that never ends (bounded at 256 MiB so a broken client cannot fill
    /// the machine); `sent` counts the bytes written.
    Endless { sent: Arc<AtomicU64> },
    /// Headers that promise `declared` bytes, then a few.
    Declares { declared: u64 },
    /// A body written from a generator, in pieces.
    Deep { depth: usize },
    /// A chunked body: `chunks` pieces of 1 KiB, one every `every`, and then, if `stall`,
    /// nothing more for 30 s (the connection held open, as a hung server holds it).
    Trickle { chunks: usize, every: Duration, stall: bool },
}

fn reply(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
    Reply::Full { status, headers: vec![("content-type".into(), content_type.into())], body: body.into() }
}

fn json_reply(status: u16, value: serde_json::Value) -> Reply {
    reply(status, "application/json", value.to_string())
}

fn redirect(status: u16, location: &str) -> Reply {
    Reply::Full { status, headers: vec![("location".into(), location.into())], body: Vec::new() }
}

type Handler = Arc<dyn Fn(&Seen) -> Reply + Send + Sync>;

/// A loopback HTTP server on its own thread and runtime, answering with `handler` and
/// recording every request.
struct Peer {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl Peer {
    fn start(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Peer {
        Peer::start_with(None, Arc::new(handler))
    }

    fn start_tls(
        acceptor: tokio_rustls::TlsAcceptor,
        handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static,
    ) -> Peer {
        Peer::start_with(Some(acceptor), Arc::new(handler))
    }

    fn start_with(tls: Option<tokio_rustls::TlsAcceptor>, handler: Handler) -> Peer {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        std_listener.set_nonblocking(true).unwrap();
        let addr = std_listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let record = seen.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(std_listener).unwrap();
                let serve = async {
                    while let Ok((stream, _)) = listener.accept().await {
                        let (handler, record, tls) = (handler.clone(), record.clone(), tls.clone());
                        tokio::spawn(async move {
                            match tls {
                                Some(acceptor) => {
                                    if let Ok(stream) = acceptor.accept(stream).await {
                                        serve_connection(stream, handler, record).await;
                                    }
                                }
                                None => serve_connection(stream, handler, record).await,
                            }
                        });
                    }
                };
                tokio::select! {
                    _ = serve => {}
                    _ = rx => {}
                }
            });
        });
        Peer { addr, seen, _shutdown: tx }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

async fn serve_connection<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    handler: Handler,
    record: Arc<Mutex<Vec<Seen>>>,
) {
    let mut buf = Vec::new();
    loop {
        let Some(request) = read_request(&mut stream, &mut buf).await else { return };
        record.lock().unwrap().push(request.clone());
        let answer = handler(&request);
        if !write_reply(&mut stream, answer).await {
            return;
        }
    }
}

async fn read_request<S: AsyncRead + Unpin>(stream: &mut S, buf: &mut Vec<u8>) -> Option<Seen> {
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, target) = (first.next()?.to_owned(), first.next()?.to_owned());
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned())).collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let body_start = head_end + 4;
    if headers.iter().any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")) {
        let body = read_chunked(stream, buf, body_start).await?;
        return Some(Seen { method, target, headers, body });
    }
    while buf.len() < body_start + length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = buf[body_start..body_start + length].to_vec();
    buf.drain(..body_start + length);
    Some(Seen { method, target, headers, body })
}

/// A chunked body starting at `start` of `buf` (reading more as needed); `buf` is left
/// holding what follows it.
async fn read_chunked<S: AsyncRead + Unpin>(stream: &mut S, buf: &mut Vec<u8>, start: usize) -> Option<Vec<u8>> {
    let mut chunk = [0u8; 8192];
    let mut body = Vec::new();
    let mut at = start;
    loop {
        // A size line.
        let line_end = loop {
            if let Some(i) = buf[at..].windows(2).position(|w| w == b"\r\n") {
                break at + i;
            }
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let size = usize::from_str_radix(std::str::from_utf8(&buf[at..line_end]).ok()?.trim(), 16).ok()?;
        at = line_end + 2;
        while buf.len() < at + size + 2 {
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        body.extend_from_slice(&buf[at..at + size]);
        at += size + 2;
        if size == 0 {
            buf.drain(..at);
            return Some(body);
        }
    }
}

/// Writes an answer; `false` when the connection should close.
async fn write_reply<S: AsyncWrite + Unpin>(stream: &mut S, answer: Reply) -> bool {
    match answer {
        Reply::Full { status, headers, body } => {
            let mut head = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\n", body.len());
            for (n, v) in headers {
                head.push_str(&format!("{n}: {v}\r\n"));
            }
            head.push_str("\r\n");
            stream.write_all(head.as_bytes()).await.is_ok() && stream.write_all(&body).await.is_ok()
        }
        Reply::Later(delay, then) => {
            tokio::time::sleep(delay).await;
            Box::pin(write_reply(stream, *then)).await
        }
        Reply::Endless { sent } => {
            let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
            if stream.write_all(head.as_bytes()).await.is_err() {
                return false;
            }
            let piece = vec![b' '; 64 * 1024];
            let framed = [format!("{:x}\r\n", piece.len()).into_bytes(), piece, b"\r\n".to_vec()].concat();
            while sent.load(Ordering::SeqCst) < 256 * 1024 * 1024 {
                if stream.write_all(&framed).await.is_err() {
                    return false;
                }
                sent.fetch_add(framed.len() as u64, Ordering::SeqCst);
            }
            false
        }
        Reply::Trickle { chunks, every, stall } => {
            let head =
                "HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ntransfer-encoding: chunked\r\n\r\n";
            if stream.write_all(head.as_bytes()).await.is_err() {
                return false;
            }
            let framed = [b"400\r\n".to_vec(), vec![b'x'; 1024], b"\r\n".to_vec()].concat();
            for _ in 0..chunks {
                if stream.write_all(&framed).await.is_err() {
                    return false;
                }
                tokio::time::sleep(every).await;
            }
            if stall {
                tokio::time::sleep(Duration::from_secs(30)).await;
                return false;
            }
            stream.write_all(b"0\r\n\r\n").await.is_ok()
        }
        Reply::Declares { declared } => {
            let head =
                format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {declared}\r\n\r\n[");
            let _ = stream.write_all(head.as_bytes()).await;
            tokio::time::sleep(Duration::from_millis(200)).await;
            false
        }
        Reply::Deep { depth } => {
            let open = "<LogonSession xmlns=\"http://www.veeam.com/ent/v1.0\">";
            let mut body = String::with_capacity(depth * 8 + open.len() * 2);
            body.push_str(open);
            for _ in 0..depth {
                body.push_str("<a>");
            }
            for _ in 0..depth {
                body.push_str("</a>");
            }
            body.push_str("</LogonSession>");
            let head = format!("HTTP/1.1 201 Created\r\ncontent-type: application/xml\r\nx-restsvcsessionid: sid\r\ncontent-length: {}\r\n\r\n", body.len());
            stream.write_all(head.as_bytes()).await.is_ok() && stream.write_all(body.as_bytes()).await.is_ok()
        }
    }
}

// ---------------------------------------------------------------------------------------
// Shared pieces.
// ---------------------------------------------------------------------------------------

const PASSWORD: &str = "S3cr3t p@ss/wörd&\"<x>";

fn quick() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        retry_non_idempotent: false,
    }
}

fn vbr_client(url: &str) -> vbr::Client {
    vbr::Client::builder(url).retry(quick()).build().unwrap()
}

fn token(access: &str, expires_in: serde_json::Value) -> Reply {
    json_reply(
        200,
        json!({"access_token": access, "token_type": "bearer", "refresh_token": format!("RT-{access}"), "expires_in": expires_in}),
    )
}

fn record(id: &str) -> serde_json::Value {
    json!({"id": id, "username": "u", "description": "d", "type": "Standard", "creationTime": "2024-01-01T00:00:00Z"})
}

/// A token endpoint and a credentials endpoint that accept any bearer token.
fn simple_vbr(expires_in: serde_json::Value) -> Peer {
    Peer::start(move |req| match req.path() {
        "/api/oauth2/token" => token("AT-1", expires_in.clone()),
        p if p.starts_with("/api/v1/credentials/") => json_reply(200, record(&p["/api/v1/credentials/".len()..])),
        _ => json_reply(404, json!({"errorCode": "NotFound", "message": "no"})),
    })
}

fn password_grants(peer: &Peer) -> usize {
    peer.seen()
        .iter()
        .filter(|s| s.path() == "/api/oauth2/token" && String::from_utf8_lossy(&s.body).contains("grant_type=password"))
        .count()
}

/// Every encoding a server could echo a secret in.
fn encodings(secret: &str) -> Vec<String> {
    use base64::Engine;
    let json = serde_json::to_string(secret).unwrap();
    vec![
        secret.to_owned(),
        serde_urlencoded::to_string([("p", secret)]).unwrap()[2..].to_owned(),
        json[1..json.len() - 1].to_owned(),
        base64::engine::general_purpose::STANDARD.encode(secret),
        secret.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;"),
        // .NET's JSON writer: every character as an upper-case `\uXXXX`.
        secret.encode_utf16().map(|u| format!("\\u{u:04X}")).collect(),
        // RFC 3986 percent-encoding (`~-._` kept), lower-case hex.
        secret
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02x}")
                }
            })
            .collect(),
        // XML character references.
        secret.chars().map(|c| format!("&#{};", c as u32)).collect(),
    ]
}

/// Asserts that no encoding of `secret`, nor its first 4 characters, shows in `text`.
fn assert_hidden(text: &str, secret: &str) {
    for form in encodings(secret) {
        assert!(!text.contains(&form), "the secret shows as `{form}` in: {text}");
    }
    let start: String = secret.chars().take(4).collect();
    assert!(!text.contains(&start), "the start of the secret shows in: {text}");
}

fn vbr_id() -> uuid::Uuid {
    "497f6eca-6276-4993-bfeb-53cbbbba6f08".parse().unwrap()
}

// ---------------------------------------------------------------------------------------
// No credential leaves its origin.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn an_em_session_id_is_not_carried_to_another_host_by_a_307() {
    let elsewhere = Peer::start(|_| reply(200, "application/xml", ""));
    let target = format!("{}/steal", elsewhere.url());
    let em_server = Peer::start(move |_| redirect(307, &target));
    let client = em::Client::builder(em_server.url()).retry(quick()).build().unwrap();
    client.set_session_id(Secret::from("SESSION-ID-42"));
    let err = client.delete_logon_session(vbr_id()).await.unwrap_err();
    assert!(elsewhere.seen().is_empty(), "the other host was sent: {:?}", elsewhere.seen());
    assert!(err.to_string().contains("DeleteLogonSession") && err.to_string().contains("307"), "{err}");
}

#[tokio::test]
async fn a_307_or_308_from_the_token_endpoint_does_not_resend_the_password_elsewhere() {
    for status in [307, 308] {
        let elsewhere = Peer::start(|_| token("AT-x", json!(900)));
        let target = format!("{}/api/oauth2/token", elsewhere.url());
        let server = Peer::start(move |_| redirect(status, &target));
        let client = vbr_client(&server.url());
        let err = client.login("admin", Secret::from(PASSWORD)).await.unwrap_err();
        assert!(elsewhere.seen().is_empty(), "{status}: the password went to another host");
        assert!(err.to_string().contains(&status.to_string()), "{err}");
        assert_hidden(&format!("{err} {err:?}"), PASSWORD);
    }
}

/// A TLS acceptor with a fresh self-signed certificate for `localhost`, and its PEM.
fn tls_identity() -> (tokio_rustls::TlsAcceptor, String) {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let pem = certified.cert.pem();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(certified.key_pair.serialize_der().into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![certified.cert.der().clone()], key)
        .unwrap();
    (tokio_rustls::TlsAcceptor::from(Arc::new(config)), pem)
}

#[tokio::test]
async fn an_https_server_cannot_downgrade_the_bearer_token_to_http() {
    let plain = Peer::start(|_| json_reply(200, record("497f6eca-6276-4993-bfeb-53cbbbba6f08")));
    let (acceptor, pem) = tls_identity();
    let downgrade = format!("http://localhost:{}/api/v1/credentials/{}", plain.addr.port(), vbr_id());
    let secure = Peer::start_tls(acceptor, move |req| match req.path() {
        "/api/oauth2/token" => token("AT-TLS", json!(900)),
        _ => redirect(301, &downgrade),
    });
    for redirects in [Redirects::None, Redirects::SameOrigin { max: 5 }] {
        let client = vbr::Client::builder(format!("https://localhost:{}", secure.addr.port()))
            .add_root_certificate_pem(pem.clone())
            .redirects(redirects)
            .retry(quick())
            .build()
            .unwrap();
        client.login("admin", Secret::from(PASSWORD)).await.unwrap();
        let err = client.get_creds(vbr_id()).await.unwrap_err();
        assert!(matches!(err, Error::Redirect { status: 301, .. }), "{err}");
    }
    assert!(plain.seen().is_empty(), "sent in clear text: {:?}", plain.seen());
}

#[tokio::test]
async fn same_origin_redirects_are_followed_only_when_allowed_and_never_across_origins() {
    let elsewhere = Peer::start(|_| json_reply(200, record("497f6eca-6276-4993-bfeb-53cbbbba6f08")));
    let away = format!("{}/x", elsewhere.url());
    let server = Peer::start(move |req| match req.path() {
        "/api/oauth2/token" => token("AT-1", json!(900)),
        "/moved" => json_reply(200, record("497f6eca-6276-4993-bfeb-53cbbbba6f08")),
        "/api/v1/credentials/497f6eca-6276-4993-bfeb-53cbbbba6f08" => redirect(308, "/moved"),
        _ => redirect(302, &away),
    });
    let follow =
        vbr::Client::builder(server.url()).redirects(Redirects::SameOrigin { max: 2 }).retry(quick()).build().unwrap();
    follow.login("admin", Secret::from(PASSWORD)).await.unwrap();
    follow.get_creds(vbr_id()).await.expect("a same-origin redirect is followed when allowed");
    let moved = server.seen().into_iter().find(|s| s.path() == "/moved").unwrap();
    assert_eq!(moved.header("authorization"), Some("Bearer AT-1"));
    let err = follow.get_creds(uuid::Uuid::new_v4()).await.unwrap_err();
    // The location names only the origin: its path and query may carry a token.
    let origin = format!("http://127.0.0.1:{}", elsewhere.addr.port());
    assert!(matches!(err, Error::Redirect { status: 302, ref location, .. } if *location == origin), "{err}");
    assert!(elsewhere.seen().is_empty());

    let strict = vbr_client(&server.url());
    strict.login("admin", Secret::from(PASSWORD)).await.unwrap();
    let err = strict.get_creds(vbr_id()).await.unwrap_err();
    assert!(matches!(err, Error::Redirect { operation: "GetCreds", status: 308, .. }), "{err}");
}

// ---------------------------------------------------------------------------------------
// Every resource is bounded; nothing the server sends panics or aborts.
// ---------------------------------------------------------------------------------------

#[test]
fn xml_nested_200000_levels_deep_is_an_error_not_an_abort() {
    // A stack overflow here would abort every test of the binary: it runs in a child.
    if !support::in_child(&this_test!(xml_nested_200000_levels_deep_is_an_error_not_an_abort)) {
        return;
    }
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let server = Peer::start(|_| Reply::Deep { depth: 200_000 });
        let client = em::Client::builder(server.url()).retry(quick()).build().unwrap();
        client.set_basic_auth("admin", Secret::from(PASSWORD));
        let err = client.create_logon_session("latest").await.unwrap_err();
        assert!(matches!(err, Error::Decode { .. }) && err.to_string().contains("nested deeper"), "{err}");
    });
}

#[tokio::test]
async fn an_endless_body_stops_at_the_cap_with_a_typed_error() {
    let sent = Arc::new(AtomicU64::new(0));
    let counter = sent.clone();
    let server = Peer::start(move |req| match req.path() {
        "/api/oauth2/token" => token("AT-1", json!(900)),
        _ => Reply::Endless { sent: counter.clone() },
    });
    let client = vbr::Client::builder(server.url()).max_response_body(1024 * 1024).retry(quick()).build().unwrap();
    client.login("admin", Secret::from(PASSWORD)).await.unwrap();
    let err = client.get_creds(vbr_id()).await.unwrap_err();
    assert!(matches!(err, Error::BodyTooLarge { operation: "GetCreds", limit: 1048576 }), "{err}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let sent = sent.load(Ordering::SeqCst);
    assert!(sent < 32 * 1024 * 1024, "the client kept reading: {sent} bytes");
}

#[tokio::test]
async fn a_10_gb_content_length_is_refused_before_reading() {
    let server = Peer::start(|req| match req.path() {
        "/api/oauth2/token" => token("AT-1", json!(900)),
        _ => Reply::Declares { declared: 10 * 1024 * 1024 * 1024 },
    });
    let client = vbr_client(&server.url());
    client.login("admin", Secret::from(PASSWORD)).await.unwrap();
    let err = client.get_creds(vbr_id()).await.unwrap_err();
    assert!(
        matches!(err, Error::BodyTooLarge { limit, .. } if limit == veeam_client::runtime::DEFAULT_MAX_RESPONSE_BODY),
        "{err}"
    );
}

#[tokio::test]
async fn server_numbers_out_of_range_do_not_panic() {
    for expires_in in
        [json!(9223372036854775807_i64), json!(18446744073709551615_u64), json!(1e300), json!(-5), json!("soon")]
    {
        let server = simple_vbr(expires_in.clone());
        let client = vbr_client(&server.url());
        client.login("admin", Secret::from(PASSWORD)).await.unwrap_or_else(|e| panic!("{expires_in}: {e}"));
        client.get_creds(vbr_id()).await.unwrap_or_else(|e| panic!("{expires_in}: {e}"));
    }
    for retry_after in ["99999999999999999999999", "18446744073709551615", "-1", "Fri, 31 Dec 9999 23:59:59 GMT"] {
        let server = Peer::start(move |req| match req.path() {
            "/api/oauth2/token" => token("AT-1", json!(900)),
            _ => {
                Reply::Full { status: 503, headers: vec![("retry-after".into(), retry_after.into())], body: Vec::new() }
            }
        });
        let client =
            vbr::Client::builder(server.url()).retry(quick()).deadline(Duration::from_secs(2)).build().unwrap();
        client.login("admin", Secret::from(PASSWORD)).await.unwrap();
        let started = Instant::now();
        let err = client.get_creds(vbr_id()).await.unwrap_err();
        assert_eq!(err.status(), Some(503), "{retry_after}: {err}");
        assert!(started.elapsed() < Duration::from_secs(3), "{retry_after}");
    }
}

#[tokio::test]
async fn the_deadline_covers_every_attempt_and_the_backoff_between() {
    let server = Peer::start(|req| match req.path() {
        "/api/oauth2/token" => token("AT-1", json!(900)),
        _ => Reply::Later(
            Duration::from_millis(300),
            Box::new(Reply::Full { status: 503, headers: vec![("retry-after".into(), "1".into())], body: Vec::new() }),
        ),
    });
    // Enough attempts, and a `max_delay` long enough that `Retry-After: 1` is honoured.
    let policy = RetryPolicy {
        max_attempts: 20,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_secs(5),
        retry_non_idempotent: false,
    };
    let client =
        vbr::Client::builder(server.url()).retry(policy).deadline(Duration::from_millis(1500)).build().unwrap();
    client.login("admin", Secret::from(PASSWORD)).await.unwrap();
    let started = Instant::now();
    let err = client.get_creds(vbr_id()).await.unwrap_err();
    let took = started.elapsed();
    assert!(took < Duration::from_millis(2000), "took {took:?}: {err}");
    assert!(
        matches!(
            err,
            Error::Timeout { .. } | Error::Api { status: 503, .. } | Error::UnexpectedStatus { status: 503, .. }
        ),
        "{err}"
    );

    // A server that stalls: the deadline, not the 60 s per-attempt timeout, ends the call.
    let stall = Peer::start(|req| match req.path() {
        "/api/oauth2/token" => token("AT-1", json!(900)),
        _ => Reply::Later(Duration::from_secs(30), Box::new(json_reply(200, json!({})))),
    });
    let client = vbr::Client::builder(stall.url()).retry(quick()).deadline(Duration::from_millis(500)).build().unwrap();
    client.login("admin", Secret::from(PASSWORD)).await.unwrap();
    let started = Instant::now();
    let err = client.get_creds(vbr_id()).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { operation: "GetCreds" }), "{err}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

// ---------------------------------------------------------------------------------------
// Authentication is single-flight in both outcomes.
// ---------------------------------------------------------------------------------------

/// A VBR whose password changed after the first login: every later password grant is
/// refused with `invalid_grant`; tokens live `lifetime` seconds (none when `None`), and
/// every API call is answered 401 `ExpiredToken` (the token is dead).
fn changed_password_vbr(lifetime: Option<u64>) -> Peer {
    let grants = AtomicU64::new(0);
    Peer::start(move |req| match req.path() {
        "/api/oauth2/token" => {
            if grants.fetch_add(1, Ordering::SeqCst) == 0 {
                let mut answer = json!({"access_token": "AT-1", "token_type": "bearer"});
                if let Some(l) = lifetime {
                    answer["expires_in"] = json!(l);
                }
                json_reply(200, answer)
            } else {
                Reply::Later(
                    Duration::from_millis(100),
                    Box::new(json_reply(400, json!({"error": "invalid_grant", "error_description": "bad password"}))),
                )
            }
        }
        _ => json_reply(401, json!({"errorCode": "ExpiredToken", "message": "expired"})),
    })
}

async fn hundred_calls(client: &vbr::Client) -> Vec<vbr::Error> {
    let calls = (0..100).map(|_| client.get_creds(vbr_id()));
    futures::future::join_all(calls).await.into_iter().map(|r| r.unwrap_err()).collect()
}

#[tokio::test]
async fn a_changed_password_costs_one_password_grant_for_100_callers_after_expiry() {
    let server = changed_password_vbr(Some(1));
    let client =
        vbr::Client::builder(server.url()).retry(quick()).refresh_margin(Duration::from_millis(600)).build().unwrap();
    client.login("admin", Secret::from(PASSWORD)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let errors = hundred_calls(&client).await;
    assert!(
        errors.iter().all(|e| matches!(e, Error::Auth { .. })),
        "{:?}",
        errors.iter().map(|e| e.to_string()).collect::<Vec<_>>()
    );
    assert_eq!(password_grants(&server), 2, "the login and one refused grant");
    // Later calls fail fast, without a token request, until the user logs in again.
    let before = server.seen().len();
    let err = client.get_creds(vbr_id()).await.unwrap_err();
    assert!(matches!(err, Error::Auth { .. }) && err.to_string().contains("log in again"), "{err}");
    assert_eq!(server.seen().len(), before, "nothing was sent");
    assert_hidden(&format!("{err} {err:?}"), PASSWORD);
}

#[tokio::test]
async fn a_changed_password_costs_one_password_grant_for_100_concurrent_401s() {
    let server = changed_password_vbr(None);
    let client = vbr_client(&server.url());
    client.login("admin", Secret::from(PASSWORD)).await.unwrap();
    let errors = hundred_calls(&client).await;
    assert!(errors.iter().all(|e| matches!(e, Error::Auth { .. })), "{}", errors[0]);
    assert_eq!(password_grants(&server), 2, "the login and one refused grant");
    for _ in 0..5 {
        let _ = client.get_creds(vbr_id()).await.unwrap_err();
    }
    assert_eq!(password_grants(&server), 2, "the refused password is never sent again");
    // An explicit login is the user's decision, and is sent.
    client.login("admin", Secret::from("new")).await.unwrap_err();
    assert_eq!(password_grants(&server), 3);
}

#[tokio::test]
async fn a_cancelled_caller_does_not_cancel_the_token_refresh() {
    let issued = AtomicU64::new(0);
    let server = Peer::start(move |req| match req.path() {
        "/api/oauth2/token" => {
            let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
            let answer = token(&format!("AT-{n}"), json!(if n == 1 { 1 } else { 900 }));
            if n == 1 {
                answer
            } else {
                Reply::Later(Duration::from_millis(300), Box::new(answer))
            }
        }
        p => json_reply(200, record(&p["/api/v1/credentials/".len()..])),
    });
    let client =
        vbr::Client::builder(server.url()).retry(quick()).refresh_margin(Duration::from_millis(600)).build().unwrap();
    client.login("admin", Secret::from(PASSWORD)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // The caller that starts the refresh gives up long before the token endpoint answers.
    let impatient = tokio::time::timeout(Duration::from_millis(50), client.get_creds(vbr_id())).await;
    assert!(impatient.is_err(), "the call was expected to time out");
    tokio::time::sleep(Duration::from_millis(600)).await;
    client.get_creds(vbr_id()).await.unwrap();
    let tokens: Vec<Seen> = server.seen().into_iter().filter(|s| s.path() == "/api/oauth2/token").collect();
    assert_eq!(tokens.len(), 2, "the login and the one refresh, completed without its caller");
    let last = server.seen().into_iter().rfind(|s| s.path() != "/api/oauth2/token").unwrap();
    assert_eq!(last.header("authorization"), Some("Bearer AT-2"));
}

#[tokio::test]
async fn a_failed_proactive_refresh_keeps_using_the_valid_token() {
    let issued = AtomicU64::new(0);
    let server = Peer::start(move |req| match req.path() {
        "/api/oauth2/token" if issued.fetch_add(1, Ordering::SeqCst) == 0 => token("AT-1", json!(2)),
        "/api/oauth2/token" => json_reply(503, json!({"error": "temporarily_unavailable"})),
        p => json_reply(200, record(&p["/api/v1/credentials/".len()..])),
    });
    // The token lives 2 s; its refresh is due after 1 s (the margin is capped at half the
    // lifetime).
    let client =
        vbr::Client::builder(server.url()).retry(quick()).refresh_margin(Duration::from_millis(1500)).build().unwrap();
    client.login("admin", Secret::from(PASSWORD)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    client.get_creds(vbr_id()).await.expect("the still-valid token is used when the refresh fails");
    // The refresh runs beside the call; give it time to reach the server.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let seen = server.seen();
    assert!(seen.iter().filter(|s| s.path() == "/api/oauth2/token").count() >= 2, "a refresh was tried");
    let call = seen.iter().rfind(|s| s.path() != "/api/oauth2/token").unwrap();
    assert_eq!(call.header("authorization"), Some("Bearer AT-1"));
}

// ---------------------------------------------------------------------------------------
// No secret in any text a user or a log can see.
// ---------------------------------------------------------------------------------------

/// An answer echoing `secret` raw, URL-encoded, JSON-escaped and Base64, as a server that
/// reflects the request would.
fn echo_body(secret: &str) -> String {
    encodings(secret).join(" | ")
}

#[tokio::test]
async fn a_token_endpoint_echoing_the_password_in_every_encoding_shows_none() {
    let server = Peer::start(|req| {
        reply(400, "text/plain", format!("bad request: {}", String::from_utf8_lossy(&req.body)) + &echo_body(PASSWORD))
    });
    let client = vbr_client(&server.url());
    let (capture, _guard) = support::Capture::install();
    let err = client.login("admin", Secret::from(PASSWORD)).await.unwrap_err();
    assert_hidden(&format!("{err} {err:?}"), PASSWORD);
    assert_hidden(&capture.text(), PASSWORD);
}

#[tokio::test]
async fn a_password_change_answered_with_an_echo_shows_no_password() {
    let new_password = "N3w-Pa$$w0rd \"quoted\" & <tagged>";
    let body = json!({"errorCode": "BadRequest", "message": format!("password {} rejected ({})", new_password, echo_body(new_password))});
    let for_400 = body.clone();
    let for_418 = format!("teapot, not JSON: {}", echo_body(new_password));
    let server = Peer::start(move |req| match req.path() {
        "/api/oauth2/token" => token("AT-1", json!(900)),
        p if p.ends_with("/changepassword") && req.header("x-case") == Some("418") => {
            reply(418, "text/plain", for_418.clone())
        }
        p if p.ends_with("/changepassword") => json_reply(400, for_400.clone()),
        _ => json_reply(404, json!({})),
    });
    let client = vbr_client(&server.url());
    client.login("admin", Secret::from(PASSWORD)).await.unwrap();
    let change = vbr::types::CredentialsPasswordChangeSpec::new(Secret::from(new_password));
    let err = client.change_password_for_creds(vbr_id(), &change).await.unwrap_err();
    assert!(matches!(err, Error::Api { status: 400, .. }), "{err}");
    assert_hidden(&format!("{err} {err:?}"), new_password);
    let undocumented = vbr::Client::builder(server.url()).retry(quick()).header("x-case", "418").build().unwrap();
    undocumented.login("admin", Secret::from(PASSWORD)).await.unwrap();
    let err = undocumented.change_password_for_creds(vbr_id(), &change).await.unwrap_err();
    assert!(matches!(err, Error::UnexpectedStatus { status: 418, .. }), "{err}");
    assert_hidden(&format!("{err} {err:?}"), new_password);
    assert_hidden(&format!("{err} {err:?}"), PASSWORD);
}

#[tokio::test]
async fn a_token_answer_with_an_undocumented_success_status_is_not_shown() {
    let server = Peer::start(|_| {
        json_reply(
            201,
            json!({"access_token": "AT-SECRET-TOKEN-VALUE", "refresh_token": "RT-SECRET-VALUE", "token_type": "bearer"}),
        )
    });
    let client = vbr_client(&server.url());
    let spec = vbr::types::TokenLoginSpec::new(vbr::types::ELoginGrantType::Password)
        .with_username("admin")
        .with_password(Secret::from(PASSWORD));
    let err = client.create_token(&spec).await.unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(matches!(err, Error::UnexpectedStatus { status: 201, .. }), "{err}");
    assert!(!text.contains("AT-SECRET") && !text.contains("RT-SECRET"), "{text}");
}

#[tokio::test]
async fn a_secret_cut_short_by_the_excerpt_does_not_show() {
    let bearer = "AT-averyveryverylongbearertokenvalue-0123456789";
    for shift in [1usize, 5, 13, 30] {
        let cut = 1024 - bearer.len() + shift;
        let server = Peer::start(move |req| match req.path() {
            "/api/oauth2/token" => token(bearer, json!(900)),
            // An error page that reflects the Authorization header near the excerpt's end.
            _ => reply(
                502,
                "text/html",
                format!(
                    "{}{}{}",
                    "x".repeat(cut),
                    req.header("authorization").unwrap_or("").trim_start_matches("Bearer "),
                    "y".repeat(2000)
                ),
            ),
        });
        let client = vbr_client(&server.url());
        client.login("admin", Secret::from(PASSWORD)).await.unwrap();
        let err = client.get_creds(vbr_id()).await.unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(matches!(err, Error::UnexpectedStatus { status: 502, .. }), "{err}");
        assert!(!text.contains(&bearer[..6]), "shift {shift}: {text}");
    }
}

#[tokio::test]
async fn debug_output_shows_no_header_value_and_urls_with_credentials_are_refused() {
    let builder = vbr::Client::builder("https://vbr.example:9419").header("X-Custom-Auth", "HEADER-SECRET-VALUE");
    assert!(!format!("{builder:?}").contains("HEADER-SECRET-VALUE"), "{builder:?}");
    let client = builder.build().unwrap();
    assert!(!format!("{client:?}").contains("HEADER-SECRET-VALUE"));
    for url in [
        "https://admin:URL-SECRET@vbr.example:9419",
        "https://admin:URL-SECRET@[::1",
        "https://admin:pa/URL-SECRET@vbr:9419",
        "https://admin:URL-SECRET?#@vbr",
    ] {
        let builder = vbr::Client::builder(url);
        assert!(!format!("{builder:?}").contains("URL-SECRET"), "{builder:?}");
        let err = builder.build().unwrap_err();
        assert!(!format!("{err} {err:?}").contains("URL-SECRET"), "{err:?}");
    }
}

// ---------------------------------------------------------------------------------------
// Paging never lies.
// ---------------------------------------------------------------------------------------

fn page_answer(ids: &[usize], total: i64, skip: Option<i64>) -> Reply {
    let data: Vec<_> = ids.iter().map(|i| record(&format!("00000000-0000-0000-0000-{i:012}"))).collect();
    let mut pagination = json!({"total": total, "count": data.len()});
    if let Some(s) = skip {
        pagination["skip"] = json!(s);
    }
    json_reply(200, json!({"data": data, "pagination": pagination}))
}

fn query_number(seen: &Seen, name: &str) -> Option<i64> {
    let query = seen.target.split_once('?')?.1;
    serde_urlencoded::from_str::<HashMap<String, String>>(query).ok()?.get(name)?.parse().ok()
}

async fn stream_all(client: &vbr::Client, limit: i32) -> Vec<Result<vbr::types::CredentialsModel, vbr::Error>> {
    let params = vbr::types::GetAllCredsParams::new().with_limit(limit);
    client.get_all_creds_stream(params).take(1000).collect().await
}

#[tokio::test]
async fn a_server_that_ignores_skip_ends_the_stream_with_an_error() {
    // Echoes skip=0 whatever was asked.
    let server = Peer::start(|req| match req.path() {
        "/api/oauth2/token" => token("AT-1", json!(900)),
        _ => page_answer(&[1, 2, 3], 300, Some(0)),
    });
    let client = vbr_client(&server.url());
    client.login("admin", Secret::from(PASSWORD)).await.unwrap();
    let items = stream_all(&client, 3).await;
    assert_eq!(items.len(), 4, "the first page, then an error");
    assert!(matches!(&items[3], Err(Error::Paging { offset: 3, .. })), "{:?}", items[3]);

    // Echoes nothing, and repeats the same records.
    let server = Peer::start(|req| match req.path() {
        "/api/oauth2/token" => token("AT-1", json!(900)),
        _ => page_answer(&[1, 2, 3], 300, None),
    });
    let client = vbr_client(&server.url());
    client.login("admin", Secret::from(PASSWORD)).await.unwrap();
    let items = stream_all(&client, 3).await;
    assert_eq!(items.len(), 4, "the first page, then an error");
    assert!(items[3].as_ref().unwrap_err().to_string().contains("repeats"), "{:?}", items[3]);
}

#[tokio::test]
async fn an_early_empty_page_and_a_non_positive_limit_are_errors() {
    let server = Peer::start(|req| match req.path() {
        "/api/oauth2/token" => token("AT-1", json!(900)),
        _ => match query_number(req, "skip") {
            Some(0) | None => page_answer(&[1, 2], 50, Some(0)),
            Some(s) => page_answer(&[], 50, Some(s)),
        },
    });
    let client = vbr_client(&server.url());
    client.login("admin", Secret::from(PASSWORD)).await.unwrap();
    let items = stream_all(&client, 2).await;
    assert_eq!(items.len(), 3);
    assert!(matches!(&items[2], Err(Error::Paging { operation: "GetAllCreds", offset: 2, .. })), "{:?}", items[2]);
    for limit in [0, -1] {
        let before = server.seen().len();
        let items = stream_all(&client, limit).await;
        assert!(matches!(items.as_slice(), [Err(Error::InvalidRequest { .. })]), "{limit}: {items:?}");
        assert_eq!(server.seen().len(), before, "nothing sent for limit {limit}");
    }
}

// ---------------------------------------------------------------------------------------
// Enterprise Manager sessions and XML.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_refused_logon_stores_no_session_id() {
    let server = Peer::start(|req| match req.path() {
        "/sessionMngr/" => Reply::Full {
            status: 401,
            headers: vec![
                ("x-restsvcsessionid".into(), "LEAKED-SESSION".into()),
                ("content-type".into(), "application/xml".into()),
            ],
            body: b"<Error xmlns=\"http://www.veeam.com/ent/v1.0\"/>".to_vec(),
        },
        _ => Reply::Full { status: 204, headers: vec![], body: vec![] },
    });
    let client = em::Client::builder(server.url()).retry(quick()).build().unwrap();
    client.set_basic_auth("admin", Secret::from(PASSWORD));
    client.create_logon_session("latest").await.unwrap_err();
    let _ = client.delete_logon_session(vbr_id()).await;
    let later = server.seen().into_iter().find(|s| s.path().starts_with("/logonSessions")).unwrap();
    assert_eq!(later.header("x-restsvcsessionid"), None, "{later:?}");
}

#[tokio::test]
async fn logoff_forgets_the_session_and_the_basic_credentials() {
    let server = Peer::start(|req| {
        match req.path() {
        "/sessionMngr/" => Reply::Full {
            status: 201,
            headers: vec![("x-restsvcsessionid".into(), "SESSION-1".into()), ("content-type".into(), "application/xml".into())],
            body: br#"<LogonSession xmlns="http://www.veeam.com/ent/v1.0" Href="h" Type="LogonSession"><SessionId>44cfbdbe-5a95-4156-8867-91f069b7c2cc</SessionId></LogonSession>"#.to_vec(),
        },
        _ => Reply::Full { status: 204, headers: vec![], body: vec![] },
    }
    });
    let client = em::Client::builder(server.url()).retry(quick()).build().unwrap();
    client.set_basic_auth("admin", Secret::from(PASSWORD));
    client.create_logon_session("latest").await.unwrap();
    client.delete_logon_session(vbr_id()).await.unwrap();
    let _ = client.delete_logon_session(vbr_id()).await;
    let _ = client.create_logon_session("latest").await;
    let seen = server.seen();
    let after: Vec<&Seen> = seen.iter().skip(2).collect();
    assert_eq!(after.len(), 2);
    for s in after {
        assert_eq!(s.header("x-restsvcsessionid"), None, "{s:?}");
        assert_eq!(s.header("authorization"), None, "{s:?}");
    }
}

#[tokio::test]
async fn an_xml_body_with_a_character_xml_forbids_is_refused_before_sending() {
    let server = Peer::start(|_| Reply::Full { status: 201, headers: vec![], body: vec![] });
    let client = em::Client::builder(server.url()).retry(quick()).build().unwrap();
    client.set_session_id(Secret::from("SESSION-1"));
    let spec = em::types::CredentialsInfoSpec::new().with_username("u").with_password(Secret::from("pass\u{1}word"));
    let err =
        client.create_credentials(vbr_id(), &em::types::CreateCredentialsAction::Create, &spec).await.unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { operation: "CreateCredentials", .. }), "{err}");
    assert!(err.to_string().contains("/CredentialsInfoSpec/Password") && err.to_string().contains("U+0001"), "{err}");
    assert!(!err.to_string().contains("pass"), "{err}");
    assert!(server.seen().is_empty(), "nothing is sent");
}

// ---------------------------------------------------------------------------------------
// TLS.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn trusting_only_one_certificate_accepts_that_server_and_no_other() {
    let (acceptor, pem) = tls_identity();
    let (other_acceptor, _) = tls_identity();
    let answer = |req: &Seen| match req.path() {
        "/api/oauth2/token" => token("AT-1", json!(900)),
        p => json_reply(200, record(&p["/api/v1/credentials/".len()..])),
    };
    let ours = Peer::start_tls(acceptor, answer);
    let theirs = Peer::start_tls(other_acceptor, answer);
    let build = |peer: &Peer| {
        vbr::Client::builder(format!("https://localhost:{}", peer.addr.port()))
            .trust_only_certificate_pem(pem.clone())
            .retry(quick())
            .build()
            .unwrap()
    };
    build(&ours).login("admin", Secret::from(PASSWORD)).await.unwrap();
    build(&theirs).login("admin", Secret::from(PASSWORD)).await.unwrap_err();
    assert!(theirs.seen().is_empty(), "no request went to the server with another certificate");
}

#[test]
fn turning_verification_off_logs_a_warning() {
    let (capture, _guard) = support::Capture::install();
    let _client =
        vbr::Client::builder("https://vbr.example:9419").danger_accept_invalid_certificates(true).build().unwrap();
    assert!(capture.text().contains("WARN") && capture.text().contains("verification is OFF"), "{}", capture.text());
    let (capture, _guard) = support::Capture::install();
    let _client = vbr::Client::builder("https://vbr.example:9419").build().unwrap();
    assert!(!capture.text().contains("WARN"), "{}", capture.text());
}

// ---------------------------------------------------------------------------------------
// Found by review: each of these failed before its fix.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn waves_of_callers_after_a_lost_token_answer_do_not_repeat_the_password_grant() {
    // The first login works; afterwards every token answer is lost (the connection is
    // reset after the server counted the attempt).
    let grants = AtomicU64::new(0);
    let server = Peer::start(move |req| match req.path() {
        "/api/oauth2/token" if grants.fetch_add(1, Ordering::SeqCst) == 0 => {
            json_reply(200, json!({"access_token": "AT-1", "expires_in": 1}))
        }
        "/api/oauth2/token" => Reply::Declares { declared: 100 },
        _ => json_reply(200, record("497f6eca-6276-4993-bfeb-53cbbbba6f08")),
    });
    let policy = RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(500),
        max_delay: Duration::from_secs(5),
        retry_non_idempotent: false,
    };
    let client =
        vbr::Client::builder(server.url()).retry(policy).refresh_margin(Duration::from_millis(600)).build().unwrap();
    client.login("admin", Secret::from(PASSWORD)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    for _ in 0..3 {
        let errors = hundred_calls(&client).await;
        assert!(errors.iter().all(|e| matches!(e, Error::Auth { .. })), "{}", errors[0]);
    }
    assert_eq!(password_grants(&server), 2, "the login, then one grant for three waves of 100 callers");
}

#[test]
fn a_renewal_cut_off_with_its_runtime_does_not_break_the_client() {
    let issued = Arc::new(AtomicU64::new(0));
    let count = issued.clone();
    let server = Peer::start(move |req| match req.path() {
        "/api/oauth2/token" => match count.fetch_add(1, Ordering::SeqCst) {
            0 => json_reply(200, json!({"access_token": "AT-1", "expires_in": 1})),
            1 => Reply::Later(Duration::from_secs(3), Box::new(token("AT-2", json!(900)))),
            _ => token("AT-3", json!(900)),
        },
        p => json_reply(200, record(&p["/api/v1/credentials/".len()..])),
    });
    let client =
        vbr::Client::builder(server.url()).retry(quick()).refresh_margin(Duration::from_millis(600)).build().unwrap();
    // A synchronous wrapper's habit: one runtime per call.
    let block_on = |f: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + '_>>| {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
    };
    block_on(Box::pin(async { client.login("admin", Secret::from(PASSWORD)).await.unwrap() }));
    std::thread::sleep(Duration::from_millis(1100));
    block_on(Box::pin(async {
        // The renewal stalls; the call gives up, and its runtime (with the renewal task) goes.
        let _ = tokio::time::timeout(Duration::from_millis(100), client.get_creds(vbr_id())).await;
    }));
    block_on(Box::pin(async {
        client.get_creds(vbr_id()).await.expect("a new runtime renews the login afresh");
    }));
}

#[tokio::test]
async fn the_token_a_request_carried_is_blanked_even_after_a_logout() {
    let server = Peer::start(|req| match req.path() {
        "/api/oauth2/token" => token("AT-OLD-TOKEN-still-valid", json!(900)),
        _ => Reply::Later(
            Duration::from_millis(300),
            Box::new(json_reply(
                400,
                json!({"errorCode": "BadRequest", "message": format!("you sent {}", req.header("authorization").unwrap_or(""))}),
            )),
        ),
    });
    let client = vbr_client(&server.url());
    client.login("admin", Secret::from(PASSWORD)).await.unwrap();
    let call = client.get_creds(vbr_id());
    let forget = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        client.forget_tokens();
    };
    let (result, ()) = tokio::join!(call, forget);
    let err = result.unwrap_err();
    assert!(!format!("{err} {err:?}").contains("OLD-TOKEN"), "{err:?}");
}

#[tokio::test]
async fn character_references_in_an_xml_error_do_not_reveal_the_password() {
    // `&#101;` is `e`: the password is spelled with references inside EM's error message.
    let spelled: String = PASSWORD.chars().map(|c| format!("&#{};", c as u32)).collect();
    let body = format!("<Error xmlns=\"http://www.veeam.com/ent/v1.0\"><Message>logon failed for {spelled}</Message><StatusCode>401</StatusCode></Error>");
    let server = Peer::start(move |_| reply(401, "application/xml", body.clone()));
    let client = em::Client::builder(server.url()).retry(quick()).build().unwrap();
    client.set_basic_auth("admin", Secret::from(PASSWORD));
    let err = client.create_logon_session("latest").await.unwrap_err();
    assert!(matches!(err, Error::Api { status: 401, .. }), "{err}");
    assert_hidden(&format!("{err} {err:?}"), PASSWORD);
}

#[tokio::test]
async fn a_redirect_whose_path_carries_a_secret_does_not_show_it() {
    let server = Peer::start(|req| match req.path() {
        "/api/oauth2/token" if req.header("x-case").is_none() => token("AT-PATH-TOKEN-123", json!(900)),
        "/api/oauth2/token" => {
            redirect(307, &format!("/login/{}", serde_urlencoded::to_string([("p", PASSWORD)]).unwrap()))
        }
        _ => redirect(
            302,
            &format!(
                "http://other.example/t/{}",
                req.header("authorization").unwrap_or("").trim_start_matches("Bearer ")
            ),
        ),
    });
    let client = vbr_client(&server.url());
    client.login("admin", Secret::from(PASSWORD)).await.unwrap();
    let err = client.get_creds(vbr_id()).await.unwrap_err();
    assert!(!format!("{err} {err:?}").contains("PATH-TOKEN"), "{err:?}");
    let echoing = vbr::Client::builder(server.url()).retry(quick()).header("x-case", "1").build().unwrap();
    let err = echoing.login("admin", Secret::from(PASSWORD)).await.unwrap_err();
    assert_hidden(&format!("{err} {err:?}"), PASSWORD);
}

#[tokio::test]
async fn a_slow_refresh_does_not_fail_calls_while_the_token_is_valid() {
    let issued = AtomicU64::new(0);
    let server = Peer::start(move |req| match req.path() {
        "/api/oauth2/token" if issued.fetch_add(1, Ordering::SeqCst) == 0 => token("AT-1", json!(4)),
        "/api/oauth2/token" => Reply::Later(Duration::from_secs(5), Box::new(token("AT-2", json!(900)))),
        p => json_reply(200, record(&p["/api/v1/credentials/".len()..])),
    });
    // Refresh due after 2 s; the token is valid for 4.
    let client = vbr::Client::builder(server.url())
        .retry(quick())
        .refresh_margin(Duration::from_secs(2))
        .deadline(Duration::from_secs(1))
        .build()
        .unwrap();
    client.login("admin", Secret::from(PASSWORD)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2200)).await;
    client.get_creds(vbr_id()).await.expect("the valid token carries the call while the refresh is slow");
}

#[tokio::test]
async fn login_keeps_to_the_deadline() {
    let server = Peer::start(|_| Reply::Later(Duration::from_secs(3), Box::new(token("AT-1", json!(900)))));
    let client =
        vbr::Client::builder(server.url()).retry(quick()).deadline(Duration::from_millis(500)).build().unwrap();
    let started = Instant::now();
    let err = client.login("admin", Secret::from(PASSWORD)).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn forgetting_the_credentials_stops_a_renewal_under_way() {
    let issued = AtomicU64::new(0);
    let server = Peer::start(move |req| match req.path() {
        "/api/oauth2/token" if issued.fetch_add(1, Ordering::SeqCst) == 0 => token("AT-1", json!(1)),
        // The refresh grant is answered "busy, come back in a second", again and again.
        "/api/oauth2/token" => {
            Reply::Full { status: 503, headers: vec![("retry-after".into(), "1".into())], body: Vec::new() }
        }
        p => json_reply(200, record(&p["/api/v1/credentials/".len()..])),
    });
    let policy = RetryPolicy {
        max_attempts: 5,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_secs(2),
        retry_non_idempotent: false,
    };
    let client =
        vbr::Client::builder(server.url()).retry(policy).refresh_margin(Duration::from_millis(600)).build().unwrap();
    client.login("admin", Secret::from(PASSWORD)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let call = tokio::time::timeout(Duration::from_millis(200), client.get_creds(vbr_id()));
    let _ = call.await;
    client.forget_tokens();
    let at_logout = server.seen().iter().filter(|s| s.path() == "/api/oauth2/token").count();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let token_requests: Vec<Seen> = server.seen().into_iter().filter(|s| s.path() == "/api/oauth2/token").collect();
    assert_eq!(token_requests.len(), at_logout, "token requests went out after the logout: {token_requests:?}");
}

#[tokio::test]
async fn the_client_credentials_flow_is_cached_shared_and_never_repeats_a_refused_secret() {
    use base64::Engine;
    let issued = AtomicU64::new(0);
    let refuse = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let refusing = refuse.clone();
    let server = Peer::start(move |req| match req.path() {
        "/oauth/token" => {
            let expected =
                format!("Basic {}", base64::engine::general_purpose::STANDARD.encode("my-app:s%C3%A9cret%2B%2F"));
            let body = String::from_utf8_lossy(&req.body).into_owned();
            if refusing.load(Ordering::SeqCst)
                || req.header("authorization") != Some(expected.as_str())
                || body != "grant_type=client_credentials&scope=read+write"
            {
                return json_reply(401, json!({"error": "invalid_client"}));
            }
            let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
            json_reply(200, json!({"access_token": format!("CC-{n}"), "token_type": "bearer", "expires_in": 1}))
        }
        p => match req.header("authorization") {
            Some(a) if a.starts_with("Bearer CC-") => json_reply(200, record(&p["/api/v1/credentials/".len()..])),
            _ => json_reply(401, json!({"errorCode": "ExpiredToken", "message": "no"})),
        },
    });
    let client =
        vbr::Client::builder(server.url()).retry(quick()).refresh_margin(Duration::from_millis(600)).build().unwrap();
    let core = client.core();
    core.oauth2_client_credentials_login::<vbr::types::ErrorModel>(
        "/oauth/token",
        "my-app",
        Secret::from("sécret+/"),
        Some("read write"),
    )
    .await
    .unwrap();
    client.get_creds(vbr_id()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // 50 callers find the token expired: one token request fetches the next.
    let calls = (0..50).map(|_| client.get_creds(vbr_id()));
    for r in futures::future::join_all(calls).await {
        r.unwrap();
    }
    let token_requests = |s: &Peer| s.seen().iter().filter(|r| r.path() == "/oauth/token").count();
    assert_eq!(token_requests(&server), 2);
    // The secret is revoked: one refused request, then calls fail fast.
    refuse.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let errors: Vec<_> = futures::future::join_all((0..50).map(|_| client.get_creds(vbr_id()))).await;
    assert!(errors.iter().all(|r| matches!(r, Err(Error::Auth { .. }))));
    let _ = client.get_creds(vbr_id()).await.unwrap_err();
    assert_eq!(token_requests(&server), 3, "the refused secret is not sent again");
    let err = errors.into_iter().next().unwrap().unwrap_err();
    assert!(err.to_string().contains("client secret was dropped"), "{err}");
    assert_hidden(&format!("{err} {err:?}"), "sécret+/");
}

// ---------------------------------------------------------------------------------------
// Binary bodies stream both ways.
// ---------------------------------------------------------------------------------------

/// The resident set of this process, in KiB. Tests that read it run in a child process of
/// their own ([`support::in_child`]): in the shared test binary, other tests' memory would
/// count too.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

const HUNDRED_MB: u64 = 100 * 1024 * 1024;

/// A byte of the test pattern at `offset`: a download and an upload can be checked without
/// keeping either in memory.
fn pattern(offset: u64) -> u8 {
    (offset.wrapping_mul(2_654_435_761) >> 13) as u8
}

/// A server that sends `HUNDRED_MB` of pattern for any GET, and for a PUT reads a chunked
/// body, answering with its length and whether every byte matched the pattern.
fn bulk_server() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(bulk_connection(stream));
            }
        });
    });
    addr
}

async fn bulk_connection(stream: tokio::net::TcpStream) {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let mut stream = BufReader::new(stream);
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if stream.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        if line == "\r\n" {
            break;
        }
        head.push(line);
    }
    if head[0].starts_with("GET") {
        let header = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: {HUNDRED_MB}\r\n\r\n"
        );
        if stream.get_mut().write_all(header.as_bytes()).await.is_err() {
            return;
        }
        let mut offset = 0u64;
        let mut chunk = vec![0u8; 256 * 1024];
        while offset < HUNDRED_MB {
            for (i, b) in chunk.iter_mut().enumerate() {
                *b = pattern(offset + i as u64);
            }
            if stream.get_mut().write_all(&chunk).await.is_err() {
                return;
            }
            offset += chunk.len() as u64;
        }
        return;
    }
    // A chunked upload: size line, data, CRLF, until the empty chunk.
    let (mut received, mut intact) = (0u64, true);
    loop {
        let mut size = String::new();
        if stream.read_line(&mut size).await.unwrap_or(0) == 0 {
            return;
        }
        let n = u64::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        let mut data = vec![0u8; n as usize];
        if stream.read_exact(&mut data).await.is_err() {
            return;
        }
        intact &= data.iter().enumerate().all(|(i, b)| *b == pattern(received + i as u64));
        received += n;
        let mut crlf = [0u8; 2];
        let _ = stream.read_exact(&mut crlf).await;
    }
    let body = format!("{{\"received\":{received},\"intact\":{intact}}}");
    let answer =
        format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}", body.len());
    let _ = stream.get_mut().write_all(answer.as_bytes()).await;
}

const DOWNLOAD: runtime::Operation =
    runtime::Operation { id: "Download", method: runtime::Method::Get, path: "/blob", auth: &[] };
const UPLOAD: runtime::Operation =
    runtime::Operation { id: "Upload", method: runtime::Method::Put, path: "/blob", auth: &[] };

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_100_mb_download_streams_with_flat_memory() {
    if !support::in_child(&this_test!(a_100_mb_download_streams_with_flat_memory)) {
        return;
    }
    let addr = bulk_server();
    // A body cap far below the download: streaming is not subject to it.
    let client =
        vbr::Client::builder(format!("http://{addr}")).max_response_body(1024 * 1024).retry(quick()).build().unwrap();
    let before = rss_kib();
    let response =
        client.core().request(&DOWNLOAD, "/blob".into()).send_streaming::<vbr::types::ErrorModel>().await.unwrap();
    let mut stream = response.into_stream::<vbr::types::ErrorModel>();
    assert_eq!(stream.content_length(), Some(HUNDRED_MB));
    let (mut offset, mut peak) = (0u64, before);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.unwrap();
        assert!(chunk.iter().enumerate().all(|(i, b)| *b == pattern(offset + i as u64)), "corrupt at {offset}");
        offset += chunk.len() as u64;
        peak = peak.max(rss_kib());
    }
    assert_eq!(offset, HUNDRED_MB);
    assert!(peak - before < 32 * 1024, "memory grew by {} KiB while streaming 100 MiB", peak - before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_100_mb_upload_streams_from_a_stream_and_arrives_intact() {
    if !support::in_child(&this_test!(a_100_mb_upload_streams_from_a_stream_and_arrives_intact)) {
        return;
    }
    let addr = bulk_server();
    let client = vbr::Client::builder(format!("http://{addr}")).retry(quick()).build().unwrap();
    let chunks = futures::stream::iter((0..HUNDRED_MB / (1024 * 1024)).map(|i| {
        let start = i * 1024 * 1024;
        Ok::<_, std::io::Error>((0..1024 * 1024).map(|j| pattern(start + j)).collect::<Vec<u8>>())
    }));
    let before = rss_kib();
    let mut request = client.core().request(&UPLOAD, "/blob".into());
    request.body_upload("application/octet-stream", runtime::Upload::stream(chunks));
    let response = request.send::<vbr::types::ErrorModel>().await.unwrap();
    let answer: serde_json::Value =
        response.decode_serde::<serde_json::Value, vbr::types::ErrorModel>(&[runtime::Format::Json]).unwrap();
    assert_eq!(answer, json!({"received": HUNDRED_MB, "intact": true}));
    let grew = rss_kib().saturating_sub(before);
    assert!(grew < 32 * 1024, "memory grew by {grew} KiB while uploading 100 MiB");
}

// ---------------------------------------------------------------------------------------
// XML bodies of other shapes round-trip.
// ---------------------------------------------------------------------------------------

/// Answers every request with its own body, as XML.
fn xml_echo() -> Peer {
    Peer::start(|req| reply(200, "application/xml", req.body.clone()))
}

const ECHO: runtime::Operation =
    runtime::Operation { id: "Echo", method: runtime::Method::Post, path: "/echo", auth: &[] };

#[tokio::test]
async fn an_xml_array_comes_back_equal() {
    let server = xml_echo();
    let client = em::Client::builder(server.url()).retry(quick()).build().unwrap();
    let specs = vec![
        em::types::CredentialsInfoSpec::new()
            .with_username("DOMAIN\\one")
            .with_description("a <b> & \"c\"")
            .with_password(Secret::from("p1")),
        em::types::CredentialsInfoSpec::new().with_username("two"),
    ];
    let mut request = client.core().request(&ECHO, "/echo".into());
    request
        .body_xml_list_or_serde::<em::types::ErrorModel, _>(
            &specs,
            &[runtime::Format::Xml],
            "ArrayOfCredentialsInfoSpec",
            "CredentialsInfoSpec",
        )
        .unwrap();
    let response = request.send::<em::types::ErrorModel>().await.unwrap();
    let sent = String::from_utf8_lossy(&server.seen()[0].body).into_owned();
    assert!(sent.contains("<ArrayOfCredentialsInfoSpec><CredentialsInfoSpec"), "{sent}");
    let back: Vec<em::types::CredentialsInfoSpec> = response
        .decode_xml_list_or_serde::<_, em::types::ErrorModel>(&[runtime::Format::Xml], "CredentialsInfoSpec")
        .unwrap();
    assert_eq!(back, specs);
}

#[tokio::test]
async fn an_xml_primitive_comes_back_equal() {
    let server = xml_echo();
    let client = em::Client::builder(server.url()).retry(quick()).build().unwrap();
    let mut request = client.core().request(&ECHO, "/echo".into());
    request.body_xml_text_or_serde::<em::types::ErrorModel, _>(&-42i64, &[runtime::Format::Xml], "count").unwrap();
    let response = request.send::<em::types::ErrorModel>().await.unwrap();
    assert_eq!(
        String::from_utf8_lossy(&server.seen()[0].body),
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><count>-42</count>"
    );
    assert_eq!(response.decode_xml_text_or_serde::<i64, em::types::ErrorModel>(&[runtime::Format::Xml]).unwrap(), -42);
}

// ---------------------------------------------------------------------------------------
// Multipart bodies arrive well-formed.
// ---------------------------------------------------------------------------------------

/// The parts of a `multipart/form-data` body: (headers, content) each.
fn multipart_parts(content_type: &str, body: &[u8]) -> Vec<(String, Vec<u8>)> {
    let boundary = content_type.split("boundary=").nth(1).expect("a boundary").trim_matches('"');
    let delimiter = format!("--{boundary}");
    let text = body;
    let mut parts = Vec::new();
    let mut positions: Vec<usize> =
        text.windows(delimiter.len()).enumerate().filter(|(_, w)| *w == delimiter.as_bytes()).map(|(i, _)| i).collect();
    positions.push(text.len());
    for pair in positions.windows(2) {
        let part = &text[pair[0] + delimiter.len()..pair[1]];
        if part.starts_with(b"--") {
            break; // the closing delimiter
        }
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let split = part.windows(4).position(|w| w == b"\r\n\r\n").expect("part headers");
        let content = &part[split + 4..];
        let content = content.strip_suffix(b"\r\n").unwrap_or(content);
        parts.push((String::from_utf8_lossy(&part[..split]).into_owned(), content.to_vec()));
    }
    parts
}

#[tokio::test]
async fn a_multipart_form_with_text_json_and_file_parts_arrives_well_formed() {
    let server = Peer::start(|_| Reply::Full { status: 204, headers: vec![], body: vec![] });
    let client = vbr_client(&server.url());
    let mut form = runtime::Multipart::new();
    form.text("title", "Q3 report");
    form.text("pages", &12i64);
    form.json("meta", &json!({"author": "ops"}));
    form.file(
        "file",
        runtime::FilePart::new(b"%PDF-1.7 binary\x00\xff".to_vec())
            .file_name("report.pdf")
            .content_type("application/pdf"),
    );
    let chunks = futures::stream::iter(vec![Ok::<_, std::io::Error>(b"streamed ".to_vec()), Ok(b"part".to_vec())]);
    form.file("attachments", runtime::FilePart::new(runtime::Upload::stream(chunks)).file_name("notes.txt"));
    let mut request = client.core().request(&UPLOAD, "/blob".into());
    request.body_multipart::<vbr::types::ErrorModel>(form).unwrap();
    let response = request.send::<vbr::types::ErrorModel>().await.unwrap();
    assert_eq!(response.status(), 204);
    let seen = &server.seen()[0];
    let content_type = seen.header("content-type").unwrap();
    assert!(content_type.starts_with("multipart/form-data; boundary="), "{content_type}");
    let parts = multipart_parts(content_type, &seen.body);
    let expect: [(&str, &str, &[u8]); 5] = [
        ("name=\"title\"", "", b"Q3 report"),
        ("name=\"pages\"", "", b"12"),
        ("name=\"meta\"", "application/json", br#"{"author":"ops"}"#),
        ("name=\"file\"; filename=\"report.pdf\"", "application/pdf", b"%PDF-1.7 binary\x00\xff"),
        ("name=\"attachments\"; filename=\"notes.txt\"", "application/octet-stream", b"streamed part"),
    ];
    assert_eq!(parts.len(), expect.len(), "{parts:?}");
    for ((headers, content), (disposition, content_type, body)) in parts.iter().zip(expect) {
        assert!(headers.contains(&format!("Content-Disposition: form-data; {disposition}")), "{headers}");
        if !content_type.is_empty() {
            assert!(headers.contains(&format!("Content-Type: {content_type}")), "{headers}");
        }
        assert_eq!(content.as_slice(), body, "{headers}");
    }
}

#[tokio::test]
async fn a_declared_response_header_comes_with_the_answer_or_its_absence_is_named() {
    let logon = br#"<LogonSession xmlns="http://www.veeam.com/ent/v1.0" Href="h" Type="LogonSession"><SessionId>44cfbdbe-5a95-4156-8867-91f069b7c2cc</SessionId></LogonSession>"#;
    let with = Peer::start(|_| Reply::Full {
        status: 201,
        headers: vec![
            ("x-restsvcsessionid".into(), "SESSION-42".into()),
            ("content-type".into(), "application/xml".into()),
        ],
        body: logon.to_vec(),
    });
    let client = em::Client::builder(with.url()).retry(quick()).build().unwrap();
    let output = client.create_logon_session("latest").await.unwrap();
    assert_eq!((output.status, output.x_rest_svc_session_id.expose()), (201, "SESSION-42"));
    assert!(!format!("{output:?}").contains("SESSION-42"));

    let without = Peer::start(|_| Reply::Full {
        status: 201,
        headers: vec![("content-type".into(), "application/xml".into())],
        body: logon.to_vec(),
    });
    let client = em::Client::builder(without.url()).retry(quick()).build().unwrap();
    let err = client.create_logon_session("latest").await.unwrap_err();
    assert!(matches!(&err, Error::Decode { path, .. } if path == "header `X-RestSvcSessionId`"), "{err}");
}

#[tokio::test]
async fn a_secret_in_a_multipart_text_part_is_blanked_from_an_echo() {
    let server =
        Peer::start(|req| reply(400, "text/plain", format!("rejected: {}", String::from_utf8_lossy(&req.body))));
    let client = vbr_client(&server.url());
    let mut form = runtime::Multipart::new();
    form.text("user", "admin");
    form.text("password", &Secret::from(PASSWORD));
    #[derive(serde::Serialize)]
    struct Nested {
        secret: Secret,
    }
    form.json("nested", &Nested { secret: Secret::from("NESTED-S3CRET-VALUE") });
    let mut request = client.core().request(&UPLOAD, "/blob".into());
    request.body_multipart::<vbr::types::ErrorModel>(form).unwrap();
    let err = request.send::<vbr::types::ErrorModel>().await.unwrap().into_error::<vbr::types::ErrorModel>();
    let text = format!("{err} {err:?}");
    assert!(text.contains("rejected"), "{text}");
    assert_hidden(&text, PASSWORD);
    assert!(!text.contains("NESTED-S3CRET"), "{text}");
}

/// A TLS acceptor that demands a client certificate signed by (here: equal to) `client_ca`.
fn mutual_tls_acceptor(client_ca: &rcgen::CertifiedKey) -> (tokio_rustls::TlsAcceptor, String) {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let pem = certified.cert.pem();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(certified.key_pair.serialize_der().into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots.add(client_ca.cert.der().clone()).unwrap();
    let verifier =
        rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone()).build().unwrap();
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(vec![certified.cert.der().clone()], key)
        .unwrap();
    (tokio_rustls::TlsAcceptor::from(Arc::new(config)), pem)
}

/// `mutualTLS` (OpenAPI 3.1): the builder's client identity is presented, and a server that
/// demands one refuses a client without it. The key never shows in `Debug`, and a PEM that
/// holds no identity fails at `build`, without echoing it.
#[tokio::test]
async fn a_client_certificate_is_presented_when_given() {
    let client_cert = rcgen::generate_simple_self_signed(vec!["client.example".to_owned()]).unwrap();
    let (acceptor, server_pem) = mutual_tls_acceptor(&client_cert);
    let server = Peer::start_tls(acceptor, |req| match req.path() {
        "/api/oauth2/token" => token("AT-MTLS", json!(900)),
        _ => json_reply(200, record("497f6eca-6276-4993-bfeb-53cbbbba6f08")),
    });
    let url = format!("https://localhost:{}", server.addr.port());
    let key_pem = client_cert.key_pair.serialize_pem();
    let identity = format!("{}{}", client_cert.cert.pem(), key_pem);

    let builder = vbr::Client::builder(url.clone())
        .trust_only_certificate_pem(server_pem.clone())
        .client_identity_pem(identity.clone())
        .retry(quick());
    assert!(!format!("{builder:?}").contains("PRIVATE KEY"), "{builder:?}");
    let with = builder.build().unwrap();
    with.login("admin", Secret::from(PASSWORD)).await.expect("the client certificate is accepted");
    with.get_creds(vbr_id()).await.unwrap();

    let without = vbr::Client::builder(url).trust_only_certificate_pem(server_pem).retry(quick()).build().unwrap();
    let err = without.login("admin", Secret::from(PASSWORD)).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. } | Error::Auth { .. }), "refused without a certificate: {err}");

    let err = vbr::Client::builder("https://localhost:1").client_identity_pem(key_pem.clone()).build().unwrap_err();
    assert!(err.to_string().contains("invalid client identity"), "{err}");
    assert!(!err.to_string().contains("PRIVATE KEY") && !err.to_string().contains(&key_pem[40..80]), "{err}");
}

/// A reverse proxy answers 502 or 504 when the server behind it did not: an idempotent call
/// (DELETE) is repeated and succeeds; a POST is not repeated, since the server may have
/// acted on it.
#[tokio::test]
async fn a_gateway_error_is_retried_only_where_a_repeat_is_safe() {
    for gateway in [502, 504] {
        let deletes = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let counter = Arc::clone(&deletes);
        let server = Peer::start(move |req| match (req.method.as_str(), req.path()) {
            (_, "/api/oauth2/token") => token("AT-1", json!(900)),
            ("DELETE", _) if counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 => {
                reply(gateway, "text/html", "<html>bad gateway</html>")
            }
            ("DELETE", _) => Reply::Full { status: 204, headers: Vec::new(), body: Vec::new() },
            _ => reply(gateway, "text/html", "<html>bad gateway</html>"),
        });
        let client = vbr::Client::builder(server.url()).retry(quick()).build().unwrap();
        client.login("admin", Secret::from(PASSWORD)).await.unwrap();
        client.delete_creds(vbr_id()).await.unwrap_or_else(|e| panic!("{gateway}: {e}"));
        assert_eq!(deletes.load(std::sync::atomic::Ordering::SeqCst), 2, "{gateway}: one repeat");
        let err = client.stop_session(vbr_id()).await.unwrap_err();
        assert_eq!(err.status(), Some(gateway));
        let posts = server.seen().iter().filter(|s| s.method == "POST" && s.path() != "/api/oauth2/token").count();
        assert_eq!(posts, 1, "{gateway}: a POST is sent once");
    }
}

/// Per-call control without a second client: `with_deadline` and `with_retry` give handles
/// that share the connection pool and the login (one token request for all of them), while
/// each call through them keeps its own deadline and retry policy.
#[tokio::test]
async fn per_call_deadline_and_retry_share_one_login() {
    let server = Peer::start(|req| match req.path() {
        "/api/oauth2/token" => token("AT-1", json!(900)),
        // A stall far beyond the client's default deadline.
        p if p.starts_with("/api/v1/sessions/") => {
            Reply::Later(Duration::from_secs(30), Box::new(json_reply(200, json!({}))))
        }
        _ => Reply::Full { status: 503, headers: Vec::new(), body: Vec::new() },
    });
    let client = vbr::Client::builder(server.url()).retry(quick()).build().unwrap();
    client.login("admin", Secret::from(PASSWORD)).await.unwrap();

    let started = Instant::now();
    let err = client.with_deadline(Duration::from_millis(300)).get_session(vbr_id()).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err}");
    assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());

    // The client's policy tries 3 times; the handle's, once.
    let attempts = |server: &Peer| server.seen().iter().filter(|s| s.method == "DELETE").count();
    client.delete_creds(vbr_id()).await.unwrap_err();
    assert_eq!(attempts(&server), 3);
    let once = RetryPolicy { max_attempts: 1, ..quick() };
    client.with_retry(once).delete_creds(vbr_id()).await.unwrap_err();
    assert_eq!(attempts(&server), 4);
    // Both handles used the one login.
    let tokens = server.seen().iter().filter(|s| s.path() == "/api/oauth2/token").count();
    assert_eq!(tokens, 1);
}

/// A streamed download has no deadline as a whole, but one that stalls ends after its idle
/// timeout with `Timeout`, instead of hanging; one that is slow but steady is not cut off.
#[tokio::test]
async fn a_stalled_download_ends_after_its_idle_timeout() {
    let server = Peer::start(|req| match req.path() {
        "/stalls" => Reply::Trickle { chunks: 2, every: Duration::from_millis(10), stall: true },
        _ => Reply::Trickle { chunks: 8, every: Duration::from_millis(100), stall: false },
    });
    let client = vbr::Client::builder(server.url())
        .download_idle_timeout(Duration::from_millis(400))
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let download = |path: &'static str| {
        let client = client.clone();
        async move {
            let response =
                client.core().request(&DOWNLOAD, path.into()).send_streaming::<vbr::types::ErrorModel>().await.unwrap();
            let mut stream = response.into_stream::<vbr::types::ErrorModel>();
            let (mut bytes, mut error) = (0, None);
            while let Some(chunk) = stream.next().await {
                match chunk {
                    Ok(chunk) => bytes += chunk.len(),
                    Err(e) => error = Some(e),
                }
            }
            (bytes, error)
        }
    };
    let started = Instant::now();
    let (bytes, error) = download("/stalls").await;
    assert_eq!(bytes, 2048, "the bytes that came before the stall are delivered");
    assert!(matches!(error, Some(Error::Timeout { operation: "Download" })), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
    // 800 ms in all, 100 ms between pieces: never idle for 400 ms.
    let (bytes, error) = download("/steady").await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(bytes, 8 * 1024);
}

/// The escape hatch: `raw` reaches a path the spec lacks with the client's login (and its
/// renewal on `ExpiredToken`), its default headers, retries and redaction; a path that names
/// another host is refused before anything is sent.
#[tokio::test]
async fn a_raw_request_keeps_auth_retries_and_redaction() {
    let jobs = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let counter = Arc::clone(&jobs);
    let server = Peer::start(move |req| match req.path() {
        "/api/oauth2/token" => {
            token(if req.body.windows(7).any(|w| w == b"refresh") { "AT-2" } else { "AT-1" }, json!(900))
        }
        "/api/v1/jobs" => match counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) {
            // A busy server, then a token it no longer takes, then the answer.
            0 => Reply::Full { status: 503, headers: Vec::new(), body: Vec::new() },
            1 => json_reply(401, json!({"errorCode": "ExpiredToken", "message": "expired"})),
            _ => json_reply(200, json!({"data": [{"name": "Nightly"}]})),
        },
        // An error that echoes the token the client sent.
        _ => json_reply(
            500,
            json!({"errorCode": "UnknownError", "message": format!("bad token {}", req.header("authorization").unwrap_or_default())}),
        ),
    });
    let client = vbr_client(&server.url());
    client.login("admin", Secret::from(PASSWORD)).await.unwrap();
    let answer =
        client.raw(runtime::Method::Get, "/api/v1/jobs").query("nameFilter", "Night ly*").send().await.unwrap();
    assert_eq!(answer.status(), 200);
    let body: serde_json::Value = answer.decode_serde::<_, vbr::types::ErrorModel>(&[runtime::Format::Json]).unwrap();
    assert_eq!(body["data"][0]["name"], "Nightly");
    let seen = server.seen();
    let calls: Vec<&Seen> = seen.iter().filter(|s| s.path() == "/api/v1/jobs").collect();
    assert_eq!(calls.len(), 3, "retried after 503, renewed after ExpiredToken");
    assert_eq!(calls[2].header("authorization"), Some("Bearer AT-2"));
    assert_eq!(calls[2].header("x-api-version"), Some("1.3-rev2"));
    assert!(calls[2].target.ends_with("?nameFilter=Night%20ly%2A"), "{}", calls[2].target);

    // The echoed token never reaches the error's text.
    let failed = client.raw(runtime::Method::Get, "/api/v1/echo").send().await.unwrap();
    let err = failed.into_error::<vbr::types::ErrorModel>();
    assert!(!format!("{err} {err:?}").contains("AT-2"), "{err}");

    // Another host is not a path: refused before sending.
    let before = server.seen().len();
    for path in ["//evil.example/x", "http://evil.example/x", "evil"] {
        let err = client.raw(runtime::Method::Get, path).send().await.unwrap_err();
        assert!(matches!(err, Error::InvalidRequest { .. }), "{path}: {err}");
    }
    assert_eq!(server.seen().len(), before);
}
