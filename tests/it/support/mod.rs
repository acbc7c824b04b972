//! Peers and probes shared by the tests: the fake VBR and EM servers, a tracing capture, a
//! listener that drops every connection, a TLS server with a self-signed certificate; and the
//! means for a test to run alone ([`in_child`], [`exclusive`]) in this shared test binary.

pub mod fake_em;
pub mod fake_vbr;
pub mod project;
pub mod spec_ops;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

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

/// Where a captured span's fields are: its capture and its index there, so that a field
/// recorded later (from any thread) lands in the right place.
struct SpanSlot(Capture, usize);

struct FieldsVisitor<'a>(&'a mut BTreeMap<String, String>);

impl Visit for FieldsVisitor<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

thread_local! {
    /// The capture installed on this thread, if any.
    static ACTIVE: std::cell::RefCell<Option<Capture>> = const { std::cell::RefCell::new(None) };
}

fn active() -> Option<Capture> {
    ACTIVE.with(|a| a.borrow().clone())
}

/// The process-wide subscriber's one layer: hands each span and event to the capture installed
/// on the thread that makes it. One global subscriber, whose callsites are always "sometimes"
/// interesting, rather than a scoped subscriber per test: tracing caches a callsite's interest
/// globally, and a callsite first reached by a test thread without a subscriber could stay
/// "never" for a capturing test running beside it (seen as a test that found no `request`
/// span when run with one other test).
struct Router;

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Router {
    fn register_callsite(&self, _: &'static tracing::Metadata<'static>) -> tracing::subscriber::Interest {
        tracing::subscriber::Interest::sometimes()
    }

    fn enabled(&self, _: &tracing::Metadata<'_>, _: Context<'_, S>) -> bool {
        ACTIVE.with(|a| a.borrow().is_some())
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(capture) = active() else { return };
        let mut fields = BTreeMap::new();
        attrs.record(&mut FieldsVisitor(&mut fields));
        let index = {
            let mut captured = capture.0.lock().unwrap();
            captured.spans.push(CapturedSpan {
                name: attrs.metadata().name().to_owned(),
                target: attrs.metadata().target().to_owned(),
                fields,
            });
            captured.spans.len() - 1
        };
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(SpanSlot(capture, index));
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let extensions = span.extensions();
        let Some(SpanSlot(capture, index)) = extensions.get::<SpanSlot>() else { return };
        let mut captured = capture.0.lock().unwrap();
        values.record(&mut FieldsVisitor(&mut captured.spans[*index].fields));
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let Some(capture) = active() else { return };
        let mut fields = BTreeMap::new();
        event.record(&mut FieldsVisitor(&mut fields));
        let meta = event.metadata();
        capture.0.lock().unwrap().events.push(format!("{} {} {fields:?}", meta.level(), meta.target()));
    }
}

/// Stops the capture it was returned with when dropped.
pub struct CaptureGuard(Option<Capture>);

impl Drop for CaptureGuard {
    fn drop(&mut self) {
        let previous = self.0.take();
        ACTIVE.with(|a| *a.borrow_mut() = previous);
    }
}

impl Capture {
    /// Starts capturing on this thread; stops when the guard is dropped. Use a current-thread
    /// runtime, so that every task of the client runs on this thread.
    pub fn install() -> (Capture, CaptureGuard) {
        static GLOBAL: std::sync::Once = std::sync::Once::new();
        GLOBAL.call_once(|| {
            tracing::subscriber::set_global_default(tracing_subscriber::registry().with(Router))
                .expect("no other global subscriber in the test binary");
        });
        let capture = Capture::default();
        let previous = ACTIVE.with(|a| a.borrow_mut().replace(capture.clone()));
        (capture, CaptureGuard(previous))
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

// ---------------------------------------------------------------------------------------
// Running alone in a shared test binary.
// ---------------------------------------------------------------------------------------

/// The name libtest gives the test function `$f` of the calling module, such as
/// `"hostile::a_test"`, for running it again in a child process. The function must exist:
/// a misspelt name does not compile, where a wrong filter would run no test and pass.
macro_rules! this_test {
    ($f:ident) => {{
        let _: fn() = $f;
        $crate::support::test_name(module_path!(), stringify!($f))
    }};
}
pub(crate) use this_test;

/// `module::function` without the crate's own name, as libtest lists it.
pub fn test_name(module_path: &str, function: &str) -> String {
    match module_path.split_once("::") {
        Some((_crate, module)) => format!("{module}::{function}"),
        None => function.to_owned(),
    }
}

/// This test binary, set to run exactly the test `name` (see [`this_test!`]) and nothing
/// else, on one thread, with its output shown.
pub fn rerun(name: &str) -> Command {
    let mut cmd = Command::new(std::env::current_exe().expect("the test binary's path"));
    cmd.args(rerun_args(name));
    cmd
}

/// The arguments of [`rerun`], for a caller that starts the binary in its own way.
pub fn rerun_args(name: &str) -> [&str; 4] {
    ["--exact", name, "--nocapture", "--test-threads=1"]
}

/// Set in the child that [`in_child`] starts, to the test it runs.
const CHILD_ENV: &str = "IT_CHILD_TEST";

/// Runs the calling test's body in a child process, alone, unless this process is that child:
/// returns `true` in the child, which goes on with the test, and `false` in the parent once the
/// child passed (it fails the test if the child fails or dies). For a test that measures the
/// whole process (its resident memory), or may abort it.
///
/// ```ignore
/// if !support::in_child(&this_test!(my_test)) {
///     return;
/// }
/// ```
pub fn in_child(test: &str) -> bool {
    if std::env::var(CHILD_ENV).as_deref() == Ok(test) {
        return true;
    }
    let output = rerun(test).env(CHILD_ENV, test).output().expect("starting the test binary again");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Shown as the test's own output (captured unless --nocapture, like any test's).
    print!("{stdout}");
    eprint!("{stderr}");
    assert!(output.status.success(), "the child process running `{test}` failed or aborted: {}", output.status);
    assert!(
        stdout.contains("running 1 test") && stdout.contains("1 passed"),
        "the child process ran no test `{test}`; check its name"
    );
    false
}

/// A turn alone among the tests that keep both cores busy (the fuzzer, the fixture compile,
/// the soak): held for the test's duration, so they run one after another while the light
/// tests go on beside them, as they did when each had its own binary. A test that failed
/// while holding it does not poison it for the others.
pub fn exclusive() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_names_are_what_libtest_lists() {
        let name = this_test!(test_names_are_what_libtest_lists);
        assert_eq!(name, "support::tests::test_names_are_what_libtest_lists");
        let listed =
            Command::new(std::env::current_exe().unwrap()).args(["--list", "--exact", &name]).output().unwrap();
        assert!(String::from_utf8_lossy(&listed.stdout).contains(&format!("{name}: test")), "{listed:?}");
    }
}
