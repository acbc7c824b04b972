//! A fault-injection soak of the generated VBR client: at least `SOAK_REQUESTS` (default
//! 10,000) requests reach a fake server that, at random, resets connections (before or after
//! applying a PUT), answers 503 and 429 with `Retry-After`, truncates bodies, stalls past the
//! client's per-attempt timeout, and expires the access token.
//!
//! It proves the promises the runtime makes under such faults:
//! - every call ends, `Ok` or with one of the expected typed errors, within its deadline, and
//!   no task panics;
//! - idempotent edits converge: a record whose last edit succeeded (and none of whose edits
//!   was left unanswered) holds that value at once (read-your-writes, even when the PUT was
//!   applied and the connection then reset), and once the failed edits are repeated with
//!   faults off the server holds exactly the intended values, no record lost or added;
//! - an expired token is renewed, once for all the calls that find it expired, and the
//!   request repeated;
//! - memory stays flat over the run.
//!
//! The fake server is raw HTTP/1.1 on tokio TCP (not the axum fake in `support/`) because
//! resets, truncated bodies and stalls need control of the socket itself. It only listens on
//! 127.0.0.1, and the run is bounded in requests and in time.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Map, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use uuid::Uuid;
use veeam_client::runtime::{Error, RetryPolicy, Secret};
use veeam_client::vbr::{
    self,
    types::{CredentialsModel, ErrorModelErrorCode, GetAllCredsParams, StandardCredentialsModel},
};

use crate::support::{self, this_test};

/// Requests the server must receive (retries and token requests included), unless
/// `SOAK_REQUESTS` says otherwise.
const DEFAULT_REQUESTS: u64 = 10_000;
/// Credentials records seeded into the fake before the run.
const RECORDS: usize = 200;
/// Concurrent workers; each owns the records whose index is its number modulo `WORKERS`,
/// so every record has one writer and its intended final value is well defined.
const WORKERS: usize = 24;
/// The client's per-attempt timeout.
const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(200);
/// The client's deadline for a whole call.
const DEADLINE: Duration = Duration::from_secs(3);
/// Scheduling slack allowed past the deadline when measuring a call.
const DEADLINE_SLACK: Duration = Duration::from_millis(500);
/// How long a stalled answer waits: well past `ATTEMPT_TIMEOUT`.
const STALL: Duration = Duration::from_millis(400);
/// The whole workload stops here even if the request count is not reached (then the test
/// fails on the count).
const TIME_BUDGET: Duration = Duration::from_secs(80);
/// Allowed RSS growth between the end of the warm-up and the end of the run.
const MAX_RSS_GROWTH_KIB: u64 = 64 * 1024;

const USERNAME: &str = "administrator";
const PASSWORD: &str = "Soak-P@ss";
const API_VERSION: &str = "1.3-rev2";
const TOKEN_PATH: &str = "/api/oauth2/token";

// ---------------------------------------------------------------------------------------
// Faults
// ---------------------------------------------------------------------------------------

/// What the server does to one request instead of (or on top of) answering it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Fault {
    /// Reset the connection (RST) without applying the request.
    ResetBeforeApply,
    /// Apply the request, then reset the connection before answering.
    ResetAfterApply,
    /// 503 with a Veeam error body and `Retry-After`.
    Busy503,
    /// 429 without a body, with `Retry-After`.
    Throttle429,
    /// Apply the request, then send a body shorter than its `Content-Length` and close.
    Truncated,
    /// Check the token, wait past the client's per-attempt timeout, then apply and answer
    /// (to nobody): a slow server that does the work late.
    Stall,
    /// Mark the request's (valid) access token expired and answer 401 `ExpiredToken`.
    ExpireToken,
}

impl Fault {
    const ALL: [Fault; 7] = [
        Fault::ResetBeforeApply,
        Fault::ResetAfterApply,
        Fault::Busy503,
        Fault::Throttle429,
        Fault::Truncated,
        Fault::Stall,
        Fault::ExpireToken,
    ];

    /// Probability per request. Modest, so most calls succeed within their retries; stalls
    /// are rarer because each one costs a worker the whole attempt timeout.
    fn rate(self) -> f64 {
        match self {
            Fault::ResetBeforeApply | Fault::ResetAfterApply => 0.02,
            Fault::Busy503 | Fault::Throttle429 | Fault::Truncated => 0.03,
            Fault::Stall => 0.015,
            Fault::ExpireToken => 0.01,
        }
    }
}

/// Draws at most one fault for a request. The token endpoint gets every fault but
/// `ExpireToken`, which needs a token to expire.
fn draw_fault(rng: &mut StdRng, has_valid_token: bool) -> Option<Fault> {
    let roll: f64 = rng.gen();
    let mut acc = 0.0;
    for fault in Fault::ALL {
        if fault == Fault::ExpireToken && !has_valid_token {
            continue;
        }
        acc += fault.rate();
        if roll < acc {
            return Some(fault);
        }
    }
    None
}

// ---------------------------------------------------------------------------------------
// The fake server
// ---------------------------------------------------------------------------------------

/// One parsed HTTP/1.1 request.
struct HttpRequest {
    method: String,
    path: String,
    query: String,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

impl HttpRequest {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    fn bearer(&self) -> Option<&str> {
        self.header("authorization").and_then(|v| v.strip_prefix("Bearer "))
    }
}

/// One answer.
struct HttpResponse {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl HttpResponse {
    fn json(status: u16, value: &Value) -> Self {
        HttpResponse {
            status,
            headers: vec![("Content-Type", "application/json".into())],
            body: serde_json::to_vec(value).unwrap(),
        }
    }

    fn veeam_error(status: u16, code: &str, message: &str, resource: Option<&str>) -> Self {
        HttpResponse::json(status, &json!({"errorCode": code, "message": message, "resourceId": resource}))
    }

    fn head(&self, content_length: usize) -> Vec<u8> {
        let reason = match self.status {
            200 => "OK",
            400 => "Bad Request",
            401 => "Unauthorized",
            404 => "Not Found",
            429 => "Too Many Requests",
            503 => "Service Unavailable",
            _ => "Other",
        };
        let mut head = format!("HTTP/1.1 {} {reason}\r\nContent-Length: {content_length}\r\n", self.status);
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        head.into_bytes()
    }
}

/// A credentials record as the server keeps it: the model the API shows, and the sequence
/// number of the edit that last set its description (to spot late, stale writes).
struct Record {
    model: Map<String, Value>,
    seq: u64,
}

/// Everything the server knows.
struct State {
    records: BTreeMap<Uuid, Record>,
    /// Access token → expired.
    tokens: HashMap<String, bool>,
    /// Refresh tokens not used yet (each works once).
    refresh: HashSet<String>,
    /// Records that received an edit older than the one they hold.
    stale: HashSet<Uuid>,
    rng: StdRng,
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    password_grants: AtomicU64,
    refresh_grants: AtomicU64,
    refused_grants: AtomicU64,
    /// 401 `ExpiredToken` answers to tokens expired earlier (not the injected ones).
    expired_rejections: AtomicU64,
    /// Tokens the server never issued: must stay 0.
    unknown_tokens: AtomicU64,
    /// Requests without the API version header or with a body that does not parse.
    malformed: AtomicU64,
    stale_writes: AtomicU64,
    /// Resets after a PUT was applied: the case idempotent retries exist for.
    reset_after_put: AtomicU64,
    /// Faults injected into token requests (a failed renewal fails every call waiting on it).
    token_endpoint_faults: AtomicU64,
    faults: [AtomicU64; Fault::ALL.len()],
}

struct Shared {
    state: Mutex<State>,
    counters: Counters,
    faults_on: AtomicBool,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn count(&self, fault: Fault) {
        let i = Fault::ALL.iter().position(|f| *f == fault).unwrap();
        self.counters.faults[i].fetch_add(1, Ordering::Relaxed);
    }
}

/// The running fault-injecting server; stops when dropped.
struct FaultyVbr {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FaultyVbr {
    /// Starts on 127.0.0.1 at a free port, on its own thread and runtime (so the client's
    /// runtime cannot starve it), with `records` Standard records and faults off.
    fn start(seed: u64, records: usize) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut map = BTreeMap::new();
        for i in 0..records {
            let id = Uuid::from_u128(rng.gen());
            let model = json!({
                "id": id,
                "username": format!("corp\\svc{i:04}"),
                "description": seeded_description(i),
                "type": "Standard",
                "creationTime": "2024-05-01T10:00:00Z",
            });
            map.insert(id, Record { model: model.as_object().unwrap().clone(), seq: 0 });
        }
        let state = State { records: map, tokens: HashMap::new(), refresh: HashSet::new(), stale: HashSet::new(), rng };
        let shared = Arc::new(Shared {
            state: Mutex::new(state),
            counters: Counters::default(),
            faults_on: AtomicBool::new(false),
        });
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("soak-fake-vbr".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
                rt.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                    tokio::select! {
                        _ = accept_loop(listener, server) => {}
                        _ = stopped => {}
                    }
                });
                // Idle keep-alive connections and stalled answers must not hold the test.
                rt.shutdown_background();
            })
            .unwrap();
        FaultyVbr { addr, shared, stop: Some(stop), thread: Some(thread) }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn set_faults(&self, on: bool) {
        self.shared.faults_on.store(on, Ordering::SeqCst);
    }

    fn counter(&self, pick: impl Fn(&Counters) -> &AtomicU64) -> u64 {
        pick(&self.shared.counters).load(Ordering::SeqCst)
    }

    fn requests(&self) -> u64 {
        self.counter(|c| &c.requests)
    }

    fn faults(&self) -> BTreeMap<Fault, u64> {
        Fault::ALL.iter().zip(&self.shared.counters.faults).map(|(f, n)| (*f, n.load(Ordering::SeqCst))).collect()
    }

    /// Record id → description, as the server holds them now.
    fn descriptions(&self) -> BTreeMap<Uuid, String> {
        self.shared
            .state()
            .records
            .iter()
            .map(|(id, r)| (*id, r.model["description"].as_str().unwrap_or_default().to_owned()))
            .collect()
    }

    fn stale_records(&self) -> HashSet<Uuid> {
        self.shared.state().stale.clone()
    }
}

impl Drop for FaultyVbr {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            stop.send(()).ok();
        }
        if let Some(thread) = self.thread.take() {
            thread.join().ok();
        }
    }
}

async fn accept_loop(listener: tokio::net::TcpListener, shared: Arc<Shared>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        stream.set_nodelay(true).ok();
        tokio::spawn(serve_connection(Arc::clone(&shared), stream));
    }
}

/// Serves one keep-alive connection, request by request, injecting faults.
async fn serve_connection(shared: Arc<Shared>, stream: TcpStream) {
    let mut conn = BufReader::new(stream);
    loop {
        let req = match read_request(&mut conn).await {
            Ok(req) => req,
            Err(ReadEnd::Closed) => return,
            Err(ReadEnd::Unreadable) => {
                shared.counters.malformed.fetch_add(1, Ordering::Relaxed);
                return;
            }
        };
        shared.counters.requests.fetch_add(1, Ordering::SeqCst);
        let fault = pick_fault(&shared, &req);
        if let Some(f) = fault {
            shared.count(f);
            if req.path == TOKEN_PATH {
                shared.counters.token_endpoint_faults.fetch_add(1, Ordering::Relaxed);
            }
        }
        match fault {
            None => {
                let resp = handle(&shared, &req);
                if write_response(&mut conn, &resp).await.is_err() || req.header("connection") == Some("close") {
                    return;
                }
            }
            Some(Fault::ResetBeforeApply) => return reset(conn),
            Some(Fault::ResetAfterApply) => {
                handle(&shared, &req);
                if req.method == "PUT" {
                    shared.counters.reset_after_put.fetch_add(1, Ordering::Relaxed);
                }
                return reset(conn);
            }
            Some(Fault::Busy503) => {
                let mut resp = HttpResponse::veeam_error(503, "ServiceUnavailable", "the server is busy", None);
                resp.headers.push(("Retry-After", retry_after(&shared)));
                if write_response(&mut conn, &resp).await.is_err() {
                    return;
                }
            }
            Some(Fault::Throttle429) => {
                let resp = HttpResponse {
                    status: 429,
                    headers: vec![("Retry-After", retry_after(&shared))],
                    body: Vec::new(),
                };
                if write_response(&mut conn, &resp).await.is_err() {
                    return;
                }
            }
            Some(Fault::Truncated) => {
                let resp = handle(&shared, &req);
                return write_truncated(conn, &resp).await;
            }
            Some(Fault::Stall) => {
                // The token is checked on arrival, as a real server's front door would; the
                // work is done late, even though the token may have expired meanwhile.
                let admitted = authorize(&shared, &req);
                tokio::time::sleep(STALL).await;
                let resp = admitted.map_or_else(|refused| refused, |()| route(&shared, &req));
                let _ = write_response(&mut conn, &resp).await;
                return;
            }
            Some(Fault::ExpireToken) => {
                if let Some(token) = req.bearer() {
                    shared.state().tokens.insert(token.to_owned(), true);
                }
                let resp = HttpResponse::veeam_error(401, "ExpiredToken", "the access token has expired", None);
                if write_response(&mut conn, &resp).await.is_err() {
                    return;
                }
            }
        }
    }
}

fn pick_fault(shared: &Shared, req: &HttpRequest) -> Option<Fault> {
    if !shared.faults_on.load(Ordering::SeqCst) {
        return None;
    }
    let mut state = shared.state();
    let valid = req.bearer().is_some_and(|t| state.tokens.get(t) == Some(&false));
    draw_fault(&mut state.rng, valid)
}

/// `0` or `1`: the client caps the wait at its `max_delay` anyway.
fn retry_after(shared: &Shared) -> String {
    if shared.state().rng.gen_bool(0.5) { "0" } else { "1" }.to_owned()
}

/// Why no request was read.
enum ReadEnd {
    /// The client closed or reset the connection.
    Closed,
    /// The client sent something this server does not speak (chunked bodies, say).
    Unreadable,
}

/// Reads one line into `line`; end of stream or an error is the connection closing.
async fn read_line(conn: &mut BufReader<TcpStream>, line: &mut String) -> Result<(), ReadEnd> {
    match conn.read_line(line).await {
        Ok(0) | Err(_) => Err(ReadEnd::Closed),
        Ok(_) => Ok(()),
    }
}

/// Reads one request: request line, headers, `Content-Length` body.
async fn read_request(conn: &mut BufReader<TcpStream>) -> Result<HttpRequest, ReadEnd> {
    let mut line = String::new();
    read_line(conn, &mut line).await?;
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else { return Err(ReadEnd::Unreadable) };
    let method = method.to_owned();
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_owned(), q.to_owned()),
        None => (target.to_owned(), String::new()),
    };
    let mut headers = HashMap::new();
    loop {
        line.clear();
        read_line(conn, &mut line).await?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        let Some((name, value)) = l.split_once(':') else { return Err(ReadEnd::Unreadable) };
        headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
        if headers.len() > 64 {
            return Err(ReadEnd::Unreadable);
        }
    }
    if headers.contains_key("transfer-encoding") {
        return Err(ReadEnd::Unreadable);
    }
    let len = match headers.get("content-length").map(|v| v.parse::<usize>()) {
        None => 0,
        Some(Ok(len)) if len <= 1 << 20 => len,
        Some(_) => return Err(ReadEnd::Unreadable),
    };
    let mut body = vec![0; len];
    conn.read_exact(&mut body).await.map_err(|_| ReadEnd::Closed)?;
    Ok(HttpRequest { method, path, query, headers, body })
}

async fn write_response(conn: &mut BufReader<TcpStream>, resp: &HttpResponse) -> std::io::Result<()> {
    let mut bytes = resp.head(resp.body.len());
    bytes.extend_from_slice(&resp.body);
    let stream = conn.get_mut();
    stream.write_all(&bytes).await?;
    stream.flush().await
}

/// Declares the full length plus some, sends half the body, and closes.
async fn write_truncated(mut conn: BufReader<TcpStream>, resp: &HttpResponse) {
    let mut bytes = resp.head(resp.body.len() + 64);
    bytes.extend_from_slice(&resp.body[..resp.body.len() / 2]);
    let stream = conn.get_mut();
    let _ = stream.write_all(&bytes).await;
    let _ = stream.shutdown().await;
}

/// Drops the connection with an RST: a zero linger makes the close abortive.
fn reset(conn: BufReader<TcpStream>) {
    let stream = conn.into_inner();
    let _ = stream.set_zero_linger();
    drop(stream);
}

/// Answers a request as the real server would.
fn handle(shared: &Shared, req: &HttpRequest) -> HttpResponse {
    match authorize(shared, req) {
        Ok(()) => route(shared, req),
        Err(refused) => refused,
    }
}

/// Checks the API version header and, outside the token endpoint, the access token.
fn authorize(shared: &Shared, req: &HttpRequest) -> Result<(), HttpResponse> {
    if req.header("x-api-version") != Some(API_VERSION) {
        shared.counters.malformed.fetch_add(1, Ordering::Relaxed);
        return Err(HttpResponse::veeam_error(
            400,
            "UnexpectedContent",
            "the x-api-version header must be 1.3-rev2",
            None,
        ));
    }
    if req.path == TOKEN_PATH {
        return Ok(());
    }
    let expired = req.bearer().and_then(|t| shared.state().tokens.get(t).copied());
    match expired {
        None => {
            shared.counters.unknown_tokens.fetch_add(1, Ordering::Relaxed);
            Err(HttpResponse::veeam_error(401, "InvalidToken", "the access token is not valid", None))
        }
        Some(true) => {
            shared.counters.expired_rejections.fetch_add(1, Ordering::Relaxed);
            Err(HttpResponse::veeam_error(401, "ExpiredToken", "the access token has expired", None))
        }
        Some(false) => Ok(()),
    }
}

/// Token endpoint and credentials records, for an authorized request.
fn route(shared: &Shared, req: &HttpRequest) -> HttpResponse {
    if req.method == "POST" && req.path == TOKEN_PATH {
        return token(shared, req);
    }
    let id = req.path.strip_prefix("/api/v1/credentials/");
    match (req.method.as_str(), id) {
        ("GET", None) if req.path == "/api/v1/credentials" => list_records(shared, &req.query),
        ("GET", Some(id)) => match Uuid::parse_str(id)
            .ok()
            .and_then(|id| shared.state().records.get(&id).map(|r| Value::Object(r.model.clone())))
        {
            Some(model) => HttpResponse::json(200, &model),
            None => HttpResponse::veeam_error(404, "NotFound", "the credentials record does not exist", Some(id)),
        },
        ("PUT", Some(id)) => edit_record(shared, id, &req.body),
        _ => HttpResponse::veeam_error(404, "InvalidURI", "no such resource", None),
    }
}

fn token(shared: &Shared, req: &HttpRequest) -> HttpResponse {
    let form: HashMap<String, String> = serde_urlencoded::from_bytes(&req.body).unwrap_or_default();
    let granted = match form.get("grant_type").map(String::as_str) {
        Some("password") => {
            let ok = form.get("username").map(String::as_str) == Some(USERNAME)
                && form.get("password").map(String::as_str) == Some(PASSWORD);
            if ok {
                shared.counters.password_grants.fetch_add(1, Ordering::Relaxed);
            }
            ok
        }
        Some("refresh_token") => {
            let ok = form.get("refresh_token").is_some_and(|t| shared.state().refresh.remove(t));
            if ok {
                shared.counters.refresh_grants.fetch_add(1, Ordering::Relaxed);
            }
            ok
        }
        _ => false,
    };
    if !granted {
        shared.counters.refused_grants.fetch_add(1, Ordering::Relaxed);
        return HttpResponse::json(400, &json!({"error": "invalid_grant"}));
    }
    let mut state = shared.state();
    let access = format!("AT-{:032x}", state.rng.gen::<u128>());
    let refresh = format!("RT-{:032x}", state.rng.gen::<u128>());
    state.tokens.insert(access.clone(), false);
    state.refresh.insert(refresh.clone());
    // Long-lived: expiry comes only from the injected fault, so renewals are all reactive.
    HttpResponse::json(
        200,
        &json!({"access_token": access, "token_type": "bearer", "refresh_token": refresh, "expires_in": 3600}),
    )
}

fn list_records(shared: &Shared, query: &str) -> HttpResponse {
    let q: HashMap<String, String> = serde_urlencoded::from_str(query).unwrap_or_default();
    let skip = q.get("skip").and_then(|v| v.parse().ok()).unwrap_or(0usize);
    let limit = q.get("limit").and_then(|v| v.parse().ok()).unwrap_or(200usize);
    let state = shared.state();
    let page: Vec<Value> =
        state.records.values().skip(skip).take(limit).map(|r| Value::Object(r.model.clone())).collect();
    let total = state.records.len();
    HttpResponse::json(
        200,
        &json!({"data": page, "pagination": {"total": total, "count": page.len(), "skip": skip, "limit": limit}}),
    )
}

/// Applies a PUT: every field but `id` and `creationTime`. An edit whose sequence number is
/// older than the record's is a late write (a stalled attempt the client gave up on); it is
/// applied anyway, as a real server would, and noted.
fn edit_record(shared: &Shared, id: &str, body: &[u8]) -> HttpResponse {
    let Ok(Value::Object(update)) = serde_json::from_slice::<Value>(body) else {
        shared.counters.malformed.fetch_add(1, Ordering::Relaxed);
        return HttpResponse::veeam_error(400, "UnexpectedContent", "the body must be a JSON object", None);
    };
    let mut state = shared.state();
    let Some(uuid) = Uuid::parse_str(id).ok().filter(|u| state.records.contains_key(u)) else {
        return HttpResponse::veeam_error(404, "NotFound", "the credentials record does not exist", Some(id));
    };
    let record = state.records.get_mut(&uuid).unwrap();
    if record.model.get("type") != update.get("type") {
        shared.counters.malformed.fetch_add(1, Ordering::Relaxed);
        return HttpResponse::veeam_error(400, "UnexpectedContent", "the type of a record cannot change", Some(id));
    }
    let seq = update.get("description").and_then(Value::as_str).and_then(edit_seq);
    for (k, v) in update {
        if !matches!(k.as_str(), "id" | "creationTime") {
            record.model.insert(k, v);
        }
    }
    let model = Value::Object(record.model.clone());
    if let Some(seq) = seq {
        let stale = seq < record.seq;
        record.seq = record.seq.max(seq);
        if stale {
            shared.counters.stale_writes.fetch_add(1, Ordering::Relaxed);
            state.stale.insert(uuid);
        }
    }
    HttpResponse::json(200, &model)
}

// ---------------------------------------------------------------------------------------
// The workload
// ---------------------------------------------------------------------------------------

fn seeded_description(i: usize) -> String {
    format!("seeded {i}")
}

/// The description a worker writes: its number, the record's index, and a sequence number
/// that grows with each of the worker's edits.
fn edit_description(worker: usize, index: usize, seq: u64) -> String {
    format!("w{worker:02}-r{index:03}-n{seq:08}")
}

/// The sequence number of a description written by [`edit_description`].
fn edit_seq(description: &str) -> Option<u64> {
    description.rsplit_once("-n").and_then(|(_, n)| n.parse().ok())
}

/// A kind of error, for counting; `Err` for an error the soak does not expect.
fn error_kind(e: &vbr::Error) -> Result<String, String> {
    match e {
        Error::Timeout { .. } => Ok("Timeout".into()),
        Error::Transport { .. } => Ok("Transport".into()),
        // Only a truncated body can do this, and it is an error: acceptable.
        Error::Decode { .. } => Ok("Decode".into()),
        Error::Auth { .. } => Ok("Auth".into()),
        Error::Api { status: s @ (429 | 503), .. } | Error::UnexpectedStatus { status: s @ (429 | 503), .. } => {
            Ok(format!("Status {s}"))
        }
        // The token expired again after the call had already renewed it once.
        Error::Api { status: 401, body, .. } if body.error_code == ErrorModelErrorCode::ExpiredToken => {
            Ok("Api 401 ExpiredToken".into())
        }
        other => Err(format!("{other} ({other:?})")),
    }
}

/// What one worker saw.
#[derive(Default)]
struct WorkerReport {
    calls: u64,
    ok: u64,
    errors: BTreeMap<String, u64>,
    unexpected: Vec<String>,
    max_elapsed: Duration,
    over_deadline: Vec<(String, Duration)>,
    /// Record index → the description its last edit asked for.
    intended: HashMap<usize, String>,
    /// Records whose last edit call failed: the server holds that edit's value or the one
    /// before. The next successful edit settles them again.
    unsettled: HashSet<usize>,
    /// Records with an edit call that ended without an answer (a timeout, a transport
    /// error): the server may still apply that edit late, over a later one, so their value
    /// is only known after the final repair.
    may_land_late: HashSet<usize>,
    /// Successful edits whose answer did not carry the description sent.
    echo_mismatches: Vec<String>,
    /// Successful reads of a clean record that did not show its last edit.
    read_mismatches: Vec<String>,
}

impl WorkerReport {
    /// Counts a call's outcome and how long it took.
    fn note<T>(&mut self, what: &str, elapsed: Duration, result: &Result<T, vbr::Error>) {
        self.calls += 1;
        self.max_elapsed = self.max_elapsed.max(elapsed);
        if elapsed > DEADLINE + DEADLINE_SLACK {
            self.over_deadline.push((what.to_owned(), elapsed));
        }
        match result {
            Ok(_) => self.ok += 1,
            Err(e) => match error_kind(e) {
                Ok(kind) => *self.errors.entry(kind).or_default() += 1,
                Err(text) => self.unexpected.push(format!("{what}: {text}")),
            },
        }
    }

    fn merge(&mut self, other: WorkerReport) {
        self.calls += other.calls;
        self.ok += other.ok;
        for (k, n) in other.errors {
            *self.errors.entry(k).or_default() += n;
        }
        self.unexpected.extend(other.unexpected);
        self.max_elapsed = self.max_elapsed.max(other.max_elapsed);
        self.over_deadline.extend(other.over_deadline);
        self.intended.extend(other.intended);
        self.unsettled.extend(other.unsettled);
        self.may_land_late.extend(other.may_land_late);
        self.echo_mismatches.extend(other.echo_mismatches);
        self.read_mismatches.extend(other.read_mismatches);
    }
}

/// What every worker shares.
struct Workload {
    client: vbr::Client,
    server: Arc<FaultyVbr>,
    records: Vec<StandardCredentialsModel>,
    target: u64,
    started: Instant,
    seed: u64,
}

impl Workload {
    /// Bounded in requests and in time.
    fn done(&self) -> bool {
        self.server.requests() >= self.target || self.started.elapsed() >= TIME_BUDGET
    }
}

async fn timed<T>(call: impl std::future::Future<Output = T>) -> (T, Duration) {
    let started = Instant::now();
    let out = call.await;
    (out, started.elapsed())
}

/// Edits one of the worker's own records, then reads it back, until the workload is done.
async fn run_worker(work: Arc<Workload>, worker: usize) -> WorkerReport {
    let mut rng = StdRng::seed_from_u64(work.seed ^ (worker as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let owned: Vec<usize> = (worker..work.records.len()).step_by(WORKERS).collect();
    let mut report = WorkerReport::default();
    let mut seq = 0u64;
    while !work.done() {
        let index = owned[rng.gen_range(0..owned.len())];
        seq += 1;
        let description = edit_description(worker, index, seq);
        let mut model = work.records[index].clone();
        model.description = description.clone();
        report.intended.insert(index, description.clone());

        let (result, elapsed) =
            timed(work.client.update_creds(model.id, &CredentialsModel::Standard(model.clone()))).await;
        report.note("UpdateCreds", elapsed, &result);
        match &result {
            Ok(back) => {
                report.unsettled.remove(&index);
                if !matches!(back, CredentialsModel::Standard(m) if m.description == description) {
                    report.echo_mismatches.push(format!("sent {description}, got {back:?}"));
                }
            }
            Err(e) => {
                report.unsettled.insert(index);
                if matches!(e, Error::Timeout { .. } | Error::Transport { .. }) {
                    report.may_land_late.insert(index);
                }
            }
        }

        let (result, elapsed) = timed(work.client.get_creds(model.id)).await;
        report.note("GetCreds", elapsed, &result);
        if let Ok(read) = &result {
            let shown = match read {
                CredentialsModel::Standard(m) => m.description.as_str(),
                _ => "(not a Standard record)",
            };
            let known = !report.unsettled.contains(&index) && !report.may_land_late.contains(&index);
            if known && shown != description {
                report.read_mismatches.push(format!("record {index}: wrote {description}, read {shown}"));
            }
        }
    }
    report
}

/// Resident and peak resident set size of this process, in KiB: the soak runs in a child
/// process of its own, so this is the soak's memory alone.
fn rss_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .unwrap_or_else(|| panic!("no {name} in /proc/self/status"))
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Waits until the warm-up (the first tenth of the requests) is over, then reads the RSS.
async fn rss_after_warmup(work: Arc<Workload>) -> u64 {
    while work.server.requests() < work.target / 10 && !work.done() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    rss_kib().0
}

fn client_for(server: &FaultyVbr) -> vbr::Client {
    vbr::Client::builder(server.url())
        .retry(RetryPolicy {
            max_attempts: 6,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
            retry_non_idempotent: false,
        })
        .connect_timeout(ATTEMPT_TIMEOUT)
        .timeout(ATTEMPT_TIMEOUT)
        .deadline(DEADLINE)
        .max_response_body(1 << 20)
        .build()
        .unwrap()
}

/// Every record, through the client (faults must be off).
async fn list_all(client: &vbr::Client) -> Vec<StandardCredentialsModel> {
    let page = client.get_all_creds(&GetAllCredsParams::new().with_limit(1000)).await.expect("list the records");
    assert_eq!(page.pagination.total as usize, page.data.len(), "one page holds every record");
    page.data
        .into_iter()
        .map(|r| match r {
            CredentialsModel::Standard(m) => m,
            other => panic!("unexpected record {other:?}"),
        })
        .collect()
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_injection_soak() {
    // The memory promise is about the whole process, and the deadlines assume the cores are
    // not taken by the fuzzer or a compile: the body runs in a child process, alone, during
    // the parent's turn among the heavy tests.
    {
        let _turn = support::exclusive();
        if !support::in_child(&this_test!(fault_injection_soak)) {
            return;
        }
    }
    let target = env_u64("SOAK_REQUESTS", DEFAULT_REQUESTS);
    let seed = env_u64("SOAK_SEED", 0x50A4_5EED);
    let server = Arc::new(FaultyVbr::start(seed, RECORDS));
    let client = client_for(&server);

    // Setup, faults off: log in and learn the seeded records.
    client.login(USERNAME, Secret::from(PASSWORD)).await.expect("login");
    let records = list_all(&client).await;
    assert_eq!(records.len(), RECORDS);
    let mut intended: BTreeMap<Uuid, String> = records.iter().map(|r| (r.id, r.description.clone())).collect();

    let started = Instant::now();
    server.set_faults(true);
    let work = Arc::new(Workload {
        client: client.clone(),
        server: Arc::clone(&server),
        records: records.clone(),
        target,
        started,
        seed,
    });
    let warmup = tokio::spawn(rss_after_warmup(Arc::clone(&work)));
    let workers: Vec<_> = (0..WORKERS).map(|w| tokio::spawn(run_worker(Arc::clone(&work), w))).collect();
    let mut report = WorkerReport::default();
    for (w, handle) in workers.into_iter().enumerate() {
        match handle.await {
            Ok(r) => report.merge(r),
            Err(e) => panic!("worker {w} did not finish cleanly: {e}"),
        }
    }
    let rss_warm = warmup.await.expect("the RSS monitor finished");
    server.set_faults(false);
    let workload_elapsed = started.elapsed();
    // Setup's login and listing count too: they are requests the server received.
    let requests = server.requests();

    // Let stalled answers finish: their late writes land now, before anything is checked.
    tokio::time::sleep(STALL + Duration::from_millis(300)).await;

    // Records whose last edit succeeded, and whose edits all got an answer, hold the last
    // value already.
    let before_repair = server.descriptions();
    let mut dirty: Vec<usize> = report.unsettled.union(&report.may_land_late).copied().collect();
    dirty.sort_unstable();
    for (index, description) in &report.intended {
        if !dirty.contains(index) {
            let id = records[*index].id;
            assert_eq!(
                &before_repair[&id], description,
                "record {index}: its last edit succeeded, yet the server holds another value"
            );
        }
    }
    // Only an edit the client gave up on may land late.
    let stale = server.stale_records();
    let late_ids: HashSet<Uuid> = report.may_land_late.iter().map(|i| records[*i].id).collect();
    assert!(
        stale.is_subset(&late_ids),
        "a late write hit a record whose edits were all answered: {:?}",
        stale.difference(&late_ids).collect::<Vec<_>>()
    );

    // Repeat the last edit of every record left unsettled or open to a late write, faults
    // off: an edit is idempotent, so repeating its value must settle the record.
    for index in &dirty {
        let mut model = records[*index].clone();
        model.description = report.intended[index].clone();
        client
            .update_creds(model.id, &CredentialsModel::Standard(model))
            .await
            .unwrap_or_else(|e| panic!("repeating the edit of record {index}: {e}"));
    }
    for (index, description) in &report.intended {
        intended.insert(records[*index].id, description.clone());
    }

    // The server holds exactly the intended values: no record lost, none added.
    assert_eq!(server.descriptions(), intended, "the server's records differ from the intended ones");
    let listed = list_all(&client).await;
    assert_eq!(listed.len(), RECORDS, "the record count changed");
    let listed: BTreeMap<Uuid, String> = listed.into_iter().map(|r| (r.id, r.description)).collect();
    assert_eq!(listed.len(), RECORDS, "a record id is listed twice");
    assert_eq!(listed, intended, "the listing differs from the intended records");

    let (rss_end, rss_peak) = rss_kib();
    let faults = server.faults();
    let tokens = client.core().token_requests();
    let fault_text: Vec<String> = faults.iter().map(|(f, n)| format!("{f:?}={n}")).collect();
    println!(
        "soak: {requests} requests received by the server in {:.1} s; {} client calls ({} ok); re-sends (requests - calls - token requests) {}; \
         token requests {tokens} (server: {} password, {} refresh grants, {} refused); faults: {} (reset after applying a PUT: {}; on the token endpoint: {}); \
         401s to already-expired tokens {}; late stale writes {}; records repaired {} ({} whose last edit failed); RSS after warm-up {:.1} MiB, at end {:.1} MiB, peak {:.1} MiB; \
         slowest call {:?}; seed {seed:#x}",
        workload_elapsed.as_secs_f64(),
        report.calls,
        report.ok,
        requests.saturating_sub(report.calls).saturating_sub(tokens),
        server.counter(|c| &c.password_grants),
        server.counter(|c| &c.refresh_grants),
        server.counter(|c| &c.refused_grants),
        fault_text.join(" "),
        server.counter(|c| &c.reset_after_put),
        server.counter(|c| &c.token_endpoint_faults),
        server.counter(|c| &c.expired_rejections),
        server.counter(|c| &c.stale_writes),
        dirty.len(),
        report.unsettled.len(),
        mib(rss_warm),
        mib(rss_end),
        mib(rss_peak),
        report.max_elapsed,
    );
    println!("soak: errors by kind: {:?}", report.errors);

    assert!(requests >= target, "only {requests} of {target} requests in the time budget of {TIME_BUDGET:?}");
    assert!(report.unexpected.is_empty(), "unexpected errors: {:#?}", report.unexpected);
    assert!(report.over_deadline.is_empty(), "calls outlasted the {DEADLINE:?} deadline: {:?}", report.over_deadline);
    assert!(report.echo_mismatches.is_empty(), "edits answered with another value: {:#?}", report.echo_mismatches);
    assert!(report.read_mismatches.is_empty(), "reads missed a successful edit: {:#?}", report.read_mismatches);
    assert_eq!(server.counter(|c| &c.unknown_tokens), 0, "the client sent a token the server never issued");
    assert_eq!(server.counter(|c| &c.malformed), 0, "the client sent a request the server could not read");
    // Faults are rare enough that retries and renewals carry most calls through; far more
    // failures would mean the client gives up too early (about 7% fail by design: timeouts,
    // renewals that hit a fault, a token expired twice within one call).
    assert!(report.ok * 5 >= report.calls * 4, "fewer than 80% of calls succeeded: {} of {}", report.ok, report.calls);
    if target >= DEFAULT_REQUESTS {
        for (fault, n) in &faults {
            assert!(*n > 0, "the soak never injected {fault:?}");
        }
        assert!(server.counter(|c| &c.reset_after_put) > 0, "no reset after an applied PUT");
        assert!(tokens > 1, "the token was never renewed");
        // Single flight: a renewal is one refresh grant, plus a password grant when that
        // fails, for however many workers find the token expired. Renewals come from
        // injected expiries and from repeating renewals a fault broke.
        let renewal_causes = faults[&Fault::ExpireToken] + server.counter(|c| &c.token_endpoint_faults);
        assert!(
            tokens <= 1 + 2 * renewal_causes,
            "{tokens} token requests for {renewal_causes} expiries and broken renewals"
        );
    }
    let growth = rss_end.saturating_sub(rss_warm);
    assert!(growth < MAX_RSS_GROWTH_KIB, "RSS grew by {:.1} MiB after the warm-up", mib(growth));
}
