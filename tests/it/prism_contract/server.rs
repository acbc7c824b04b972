//! Installing and running Prism: the pinned version from `tests/prism`, one process per test
//! on a port of its own, its log read back request by request. Clients reach it through a
//! counting proxy, so the test knows exactly how many requests each call sent and can line
//! Prism's log up with the calls without predicting what the client does.

use std::fs::{self, File};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{root, scratch_dir};

/// How long Prism may take to start listening.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The version `tests/prism/package.json` pins, and the one installed (if any).
fn prism_versions(dir: &Path) -> (String, Option<String>) {
    let read = |path: PathBuf| -> Option<Value> { serde_json::from_str(&fs::read_to_string(path).ok()?).ok() };
    let manifest = read(dir.join("package.json")).expect("tests/prism/package.json is readable JSON");
    let pinned = manifest["dependencies"]["@stoplight/prism-cli"]
        .as_str()
        .expect("package.json pins @stoplight/prism-cli")
        .to_owned();
    let installed = read(dir.join("node_modules/@stoplight/prism-cli/package.json"))
        .and_then(|m| m["version"].as_str().map(str::to_owned));
    (pinned, installed)
}

/// The Prism executable, installed with `npm ci` first if needed (never in CI, where
/// `cargo xtask test` is responsible for it, so a missing install shows up as a failure).
fn prism_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let dir = root().join("tests/prism");
        let bin = dir.join("node_modules/.bin/prism");
        let (pinned, installed) = prism_versions(&dir);
        if bin.exists() && installed.as_deref() == Some(pinned.as_str()) {
            return bin;
        }
        let what = match &installed {
            Some(v) => format!("Prism {v} is installed in tests/prism/node_modules, but package.json pins {pinned}"),
            None => format!("Prism {pinned} is not installed in tests/prism/node_modules"),
        };
        if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
            panic!("{what}. The contract test must run in CI: run `cargo xtask test`, which installs Prism (npm ci in tests/prism) before running the tests");
        }
        eprintln!("{what}; installing it: npm ci in tests/prism");
        let status = Command::new("npm")
            .current_dir(&dir)
            .args(["ci", "--no-audit", "--no-fund"])
            .status()
            .unwrap_or_else(|e| panic!("{what}, and npm cannot be started ({e}). Install Node.js and npm, then run `cargo xtask test`"));
        assert!(status.success(), "npm ci in tests/prism failed ({status}); run `cargo xtask test` to install Prism");
        let (_, installed) = prism_versions(&dir);
        assert!(bin.exists() && installed.as_deref() == Some(pinned.as_str()), "npm ci in tests/prism did not install Prism {pinned} (found {installed:?})");
        bin
    })
}

/// A running `prism mock`; dropping it (also while a failing test unwinds) kills it.
pub(super) struct Prism {
    child: Child,
    port: u16,
    /// The counting proxy in front of Prism: its port, and the requests it has forwarded.
    proxy: Option<Proxy>,
    pub(super) log: PathBuf,
    /// The spec copy it runs on, if the test wrote one.
    written_spec: Option<PathBuf>,
}

impl Prism {
    /// Starts Prism on `spec` and waits until it listens. `name` names its log file. Prism
    /// answers with the spec's examples.
    pub(super) fn start(spec: &Path, name: &str) -> Prism {
        Prism::start_with(spec, name, &["--dynamic", "false"])
    }

    /// Starts Prism on `spec`, making every answer up from the spec's schemas (the same
    /// answers on every run: `seed` seeds its generator).
    pub(super) fn start_dynamic(spec: &Path, name: &str, seed: &str) -> Prism {
        Prism::start_with(spec, name, &["--dynamic", "true", "--seed", seed])
    }

    fn start_with(spec: &Path, name: &str, mode: &[&str]) -> Prism {
        let bin = prism_bin();
        // The port is picked by binding port 0 and releasing it; if another process takes it
        // in between, Prism exits with EADDRINUSE and we try another one.
        for _ in 0..3 {
            let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
            let log = scratch_dir().join(format!("{name}.{}.log", std::process::id()));
            let out = File::create(&log).unwrap();
            let child = Command::new(bin)
                .arg("mock")
                .arg(spec)
                .arg("--errors")
                .args(mode)
                .args(["--host", "127.0.0.1", "--port", &port.to_string()])
                .stdin(Stdio::null())
                .stdout(out.try_clone().unwrap())
                .stderr(out)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
            // From here on the guard owns the process, so every exit path below kills it.
            let written_spec = spec.starts_with(scratch_dir()).then(|| spec.to_owned());
            let mut prism = Prism { child, port, proxy: None, log, written_spec };
            let deadline = Instant::now() + START_TIMEOUT;
            let listening = format!("Prism is listening on http://127.0.0.1:{port}");
            loop {
                if let Some(status) = prism.child.try_wait().unwrap() {
                    let log = prism.log_text();
                    if log.contains("EADDRINUSE") {
                        break;
                    }
                    panic!("Prism exited ({status}) before listening on port {port}:\n{log}");
                }
                let addr = SocketAddr::from(([127, 0, 0, 1], port));
                if prism.log_text().contains(&listening)
                    && TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
                {
                    prism.proxy = Some(counting_proxy(port));
                    return prism;
                }
                assert!(
                    Instant::now() < deadline,
                    "Prism did not listen on port {port} within {START_TIMEOUT:?}:\n{}",
                    prism.log_text()
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        panic!("Prism could not get a free port in three attempts");
    }

    /// Where clients reach Prism: the counting proxy.
    pub(super) fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.proxy.as_ref().map_or(self.port, |p| p.port))
    }

    /// How many requests have reached Prism so far. A call's requests are the difference
    /// before and after it: the proxy counts a request before it forwards it, so by the time
    /// the client has its answer, the request is counted.
    pub(super) fn requests(&self) -> usize {
        self.proxy.as_ref().map_or(0, |p| p.count.load(Ordering::SeqCst))
    }

    fn log_text(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Prism's log split into one block per request received, in order: the request line
    /// (`post /api/v1/credentials`) and every line logged until the next request. Waits until
    /// `expected` requests are logged (Prism logs asynchronously).
    pub(super) fn request_blocks(&self, expected: usize) -> Vec<(String, Vec<String>)> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let text = self.log_text();
            let received = text.lines().filter(|l| is_request_line(l)).count();
            if received >= expected || Instant::now() >= deadline {
                // The last request's own lines follow its request line; give them a moment.
                std::thread::sleep(Duration::from_millis(200));
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let mut blocks: Vec<(String, Vec<String>)> = Vec::new();
        for line in self.log_text().lines() {
            if is_request_line(line) {
                let after = line.split("[HTTP SERVER] ").nth(1).unwrap_or_default();
                let mut words = after.split_whitespace();
                let request =
                    format!("{} {}", words.next().unwrap_or_default().to_uppercase(), words.next().unwrap_or_default());
                blocks.push((request, Vec::new()));
            } else if let Some((_, lines)) = blocks.last_mut() {
                lines.push(line.trim().to_owned());
            }
        }
        blocks
    }
}

/// Starts a proxy in front of Prism (on a thread and runtime of its own, so it serves whatever
/// runtime the test uses) that forwards every request as it came and counts it.
fn counting_proxy(prism_port: u16) -> Proxy {
    use axum::body::{Body, Bytes};
    use axum::extract::{Request, State};
    use axum::http::{HeaderName, Response, StatusCode};

    let count = Arc::new(AtomicUsize::new(0));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    // No redirects followed, no decompression: the client sees Prism's answer as sent.
    let upstream = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let state = (upstream, format!("http://127.0.0.1:{prism_port}"), count.clone());
    async fn forward(
        State((upstream, target, count)): State<(reqwest::Client, String, Arc<AtomicUsize>)>,
        request: Request,
    ) -> Response<Body> {
        count.fetch_add(1, Ordering::SeqCst);
        let hop_by_hop =
            |name: &HeaderName| matches!(name.as_str(), "host" | "connection" | "content-length" | "transfer-encoding");
        let (parts, body) = request.into_parts();
        let body: Bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
        let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        let mut out = upstream.request(parts.method.clone(), format!("{target}{path}")).body(body);
        for (name, value) in parts.headers.iter().filter(|(n, _)| !hop_by_hop(n)) {
            out = out.header(name, value);
        }
        match out.send().await {
            Ok(answer) => {
                let mut response = Response::builder().status(answer.status());
                for (name, value) in answer.headers().iter().filter(|(n, _)| !hop_by_hop(n)) {
                    response = response.header(name, value);
                }
                response.body(Body::from(answer.bytes().await.unwrap_or_default())).unwrap()
            }
            Err(e) => Response::builder()
                .status(StatusCode::BAD_GATEWAY)
                .body(Body::from(format!("counting proxy: Prism did not answer: {e}")))
                .unwrap(),
        }
    }
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let app = axum::Router::new().fallback(forward).with_state(state);
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
    });
    Proxy { port, count, _stop: stop }
}

/// The counting proxy; dropping it stops it.
struct Proxy {
    port: u16,
    count: Arc<AtomicUsize>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

fn is_request_line(line: &str) -> bool {
    line.contains("[HTTP SERVER] ") && line.trim_end().ends_with("Request received")
}

impl Drop for Prism {
    fn drop(&mut self) {
        // Prism runs as a single node process (no `--multiprocess`), so this ends it all.
        let _ = self.child.kill();
        let _ = self.child.wait();
        // A failing test keeps the log and the spec copy for a look; a passing one tidies up.
        if !std::thread::panicking() {
            let _ = fs::remove_file(&self.log);
            if let Some(spec) = &self.written_spec {
                let _ = fs::remove_file(spec);
            }
        }
    }
}
