//! Peers and probes shared by the client tests: the fake VBR server, a tracing capture, a
//! listener that drops every connection, and a TLS server with a self-signed certificate.

pub mod fake_vbr;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

/// One span as captured: its name and every field it was given, values `Debug`-formatted.
#[derive(Clone, Debug)]
pub struct CapturedSpan {
    /// Span name.
    pub name: String,
    /// Target (module path).
    pub target: String,
    /// Fields, recorded at creation or later.
    pub fields: BTreeMap<String, String>,
}

#[derive(Default)]
struct Captured {
    spans: Vec<CapturedSpan>,
    events: Vec<String>,
}

/// Captures every span and event (all levels, all targets) of the current thread while the
/// guard from [`Capture::install`] lives.
#[derive(Clone, Default)]
pub struct Capture(Arc<Mutex<Captured>>);

struct SpanIndex(usize);

struct FieldsVisitor<'a>(&'a mut BTreeMap<String, String>);

impl Visit for FieldsVisitor<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        attrs.record(&mut FieldsVisitor(&mut fields));
        let mut captured = self.0.lock().unwrap();
        captured.spans.push(CapturedSpan {
            name: attrs.metadata().name().to_owned(),
            target: attrs.metadata().target().to_owned(),
            fields,
        });
        let index = captured.spans.len() - 1;
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(SpanIndex(index));
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let extensions = span.extensions();
        let Some(SpanIndex(index)) = extensions.get::<SpanIndex>() else { return };
        let mut captured = self.0.lock().unwrap();
        values.record(&mut FieldsVisitor(&mut captured.spans[*index].fields));
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        event.record(&mut FieldsVisitor(&mut fields));
        let meta = event.metadata();
        self.0.lock().unwrap().events.push(format!("{} {} {fields:?}", meta.level(), meta.target()));
    }
}

impl Capture {
    /// Starts capturing on this thread; stops when the guard is dropped. Use a current-thread
    /// runtime, so that every task of the client runs on this thread.
    pub fn install() -> (Capture, tracing::subscriber::DefaultGuard) {
        let capture = Capture::default();
        let subscriber = tracing_subscriber::registry().with(capture.clone());
        let guard = tracing::subscriber::set_default(subscriber);
        (capture, guard)
    }

    /// Spans with this name, in creation order.
    pub fn spans(&self, name: &str) -> Vec<CapturedSpan> {
        self.0.lock().unwrap().spans.iter().filter(|s| s.name == name).cloned().collect()
    }

    /// Everything captured, spans and events, as one text.
    pub fn text(&self) -> String {
        let captured = self.0.lock().unwrap();
        let mut out = String::new();
        for s in &captured.spans {
            out.push_str(&format!("span {} {} {:?}\n", s.target, s.name, s.fields));
        }
        for e in &captured.events {
            out.push_str(e);
            out.push('\n');
        }
        out
    }

    /// Number of events captured.
    pub fn event_count(&self) -> usize {
        self.0.lock().unwrap().events.len()
    }
}

/// A TCP listener that accepts connections and closes them at once, counting them: a peer
/// whose every request fails with a connection error.
pub struct DroppingListener {
    /// Where it listens.
    pub addr: SocketAddr,
    accepted: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl DroppingListener {
    /// Starts listening on 127.0.0.1 at a free port (on the current runtime).
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicU64::new(0));
        let count = accepted.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                drop(stream);
            }
        });
        DroppingListener { addr, accepted, task }
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> u64 {
        self.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for DroppingListener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A minimal HTTPS server with a fresh self-signed certificate for `localhost` and
/// `127.0.0.1` (like a VBR server's own), answering every request with `{"ok":true}`.
pub struct TlsServer {
    /// `https://localhost:PORT`
    pub url: String,
    /// The server's certificate, PEM.
    pub cert_pem: String,
    task: tokio::task::JoinHandle<()>,
}

impl TlsServer {
    /// Starts the server on the current runtime.
    pub async fn start() -> Self {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let certified =
            rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
        let cert_pem = certified.cert.pem();
        let cert_der = certified.cert.der().clone();
        let key_der = rustls::pki_types::PrivateKeyDer::Pkcs8(certified.key_pair.serialize_der().into());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert_der], key_der)
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    // A client that refuses the certificate ends the handshake: nothing to do.
                    let Ok(mut tls) = acceptor.accept(stream).await else { return };
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        match tls.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let body = br#"{"ok":true}"#;
                    let head = format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n", body.len());
                    tls.write_all(head.as_bytes()).await.ok();
                    tls.write_all(body).await.ok();
                    tls.shutdown().await.ok();
                });
            }
        });
        TlsServer { url: format!("https://localhost:{port}"), cert_pem, task }
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
