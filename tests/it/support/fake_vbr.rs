//! An in-process fake Veeam Backup & Replication REST server.
//!
//! It keeps state the way the real server does for the operations the client tests need:
//! OAuth2 tokens (password and refresh grants, short configurable lifetimes, single-use
//! refresh tokens, logout), credentials records (CRUD, password change, `skip`/`limit`
//! pagination with filters), and answers in Veeam's shapes, including the error body
//! `{"errorCode": ..., "message": ..., "resourceId": ...}`. Tests can also queue canned
//! answers for a path (a 503 with `Retry-After`, an HTML page, truncated JSON) and read
//! counters (token requests by grant, 401s sent, requests per path).
//!
//! The server runs on its own thread and Tokio runtime, so tests on a current-thread
//! runtime cannot starve it, and tracing captured by a test sees only the client.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Map, Value};
use uuid::Uuid;

/// The API version the fake server insists on, as the real one does.
/// The revision the default client speaks.
pub const API_VERSION: &str = "1.3-rev2";

/// How the fake server behaves.
#[derive(Clone, Debug)]
pub struct Config {
    /// The one user that can log in.
    pub username: String,
    /// That user's password.
    pub password: String,
    /// Lifetime of access tokens: reported as `expires_in` and enforced.
    pub token_lifetime: Duration,
    /// Credentials records created before the first request.
    pub seed_records: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            username: "administrator".into(),
            password: "Adm1n-P@ss".into(),
            token_lifetime: Duration::from_secs(900),
            seed_records: 0,
        }
    }
}

/// A canned answer the server gives instead of the real one.
#[derive(Clone, Debug)]
pub struct Canned {
    /// HTTP status.
    pub status: u16,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// `Content-Type`, if any.
    pub content_type: Option<String>,
    /// Body bytes.
    pub body: Vec<u8>,
    /// Wait this long before answering.
    pub delay: Duration,
}

impl Canned {
    /// An answer with this status and no body.
    pub fn status(status: u16) -> Self {
        Canned { status, headers: Vec::new(), content_type: None, body: Vec::new(), delay: Duration::ZERO }
    }

    /// A Veeam error body.
    pub fn veeam_error(status: u16, code: &str, message: &str) -> Self {
        Canned::status(status).json(&json!({"errorCode": code, "message": message, "resourceId": null}))
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// A JSON body.
    pub fn json(self, value: &Value) -> Self {
        self.body_with("application/json", serde_json::to_vec(value).unwrap())
    }

    /// A body with a content type.
    pub fn body_with(mut self, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        self.content_type = Some(content_type.into());
        self.body = body.into();
        self
    }

    /// Answers late.
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

struct Injection {
    method: Method,
    path: String,
    /// Matching requests to let through before this one applies.
    pass: usize,
    /// Matching requests still to answer with `answer`.
    remaining: usize,
    answer: Canned,
}

/// What the server saw of one request.
#[derive(Clone, Debug)]
pub struct Seen {
    /// HTTP method.
    pub method: Method,
    /// Path, without the query.
    pub path: String,
    /// Raw query string.
    pub query: String,
    /// Request headers.
    pub headers: HeaderMap,
    /// Request body.
    pub body: Bytes,
}

struct Record {
    model: Map<String, Value>,
    /// Secret fields of the record, kept apart from the model the API shows.
    secrets: HashMap<String, String>,
}

#[derive(Default)]
struct Data {
    records: Vec<Record>,
    /// Access token → expiry, and the refresh token issued with it.
    access: HashMap<String, (Instant, String)>,
    refresh: HashSet<String>,
    injections: Vec<Injection>,
    seen: VecDeque<Seen>,
    hits: HashMap<String, u64>,
    /// Every token ever issued and every password ever received, for leak checks.
    secrets: Vec<String>,
    /// Sessions by id: the steps each goes through, one per read, and how far it got.
    sessions: HashMap<String, Session>,
    /// The steps of the next session started (default: one read running, then success).
    script: Option<Vec<Step>>,
}

/// One state a session shows: what a read of `GET /api/v1/sessions/{id}` returns.
#[derive(Clone, Debug)]
pub struct Step {
    /// `state`.
    pub state: &'static str,
    /// `progressPercent`.
    pub progress: i64,
    /// `result.result`, `result.message`; `None` while running.
    pub result: Option<(&'static str, &'static str)>,
}

impl Step {
    /// A running step at `progress` percent.
    pub fn working(progress: i64) -> Self {
        Step { state: "Working", progress, result: None }
    }

    /// The end: `Stopped` with this outcome and message.
    pub fn stopped(result: &'static str, message: &'static str) -> Self {
        Step { state: "Stopped", progress: 100, result: Some((result, message)) }
    }
}

struct Session {
    steps: Vec<Step>,
    /// Reads so far (the answer that started the session counts as the first).
    reads: usize,
    /// `POST /api/v1/sessions/{id}/stop` was called: the session ends as cancelled.
    stopped: bool,
    created: String,
}

impl Session {
    fn model(&self, id: &str) -> Value {
        let step = &self.steps[self.reads.min(self.steps.len()) - 1];
        let (state, progress, result) = match self.stopped {
            true => ("Stopped", step.progress, Some(("Failed", "Stopped by user"))),
            false => (step.state, step.progress, step.result),
        };
        let mut model = json!({
            "id": id,
            "name": "Add helper appliance",
            "jobId": "00000000-0000-0000-0000-000000000000",
            "sessionType": "Infrastructure",
            "creationTime": self.created,
            "state": state,
            "progressPercent": progress,
            "usn": self.reads,
        });
        if let Some((outcome, message)) = result {
            model["result"] = json!({"result": outcome, "message": message, "isCanceled": self.stopped});
        }
        model
    }
}

#[derive(Default)]
struct Counters {
    password_grants: AtomicU64,
    refresh_grants: AtomicU64,
    refused_grants: AtomicU64,
    unauthorized: AtomicU64,
    requests: AtomicU64,
}

struct Shared {
    config: Config,
    data: Mutex<Data>,
    counters: Counters,
}

impl Shared {
    fn data(&self) -> MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// How many requests the server remembers in full for [`FakeVbr::seen`].
const SEEN_LIMIT: usize = 2_000;

/// A running fake server; stops when dropped.
pub struct FakeVbr {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeVbr {
    /// Starts a server with default settings.
    pub fn start() -> Self {
        Self::with_config(Config::default())
    }

    /// Starts a server on 127.0.0.1 at a free port.
    pub fn with_config(config: Config) -> Self {
        let seed = config.seed_records;
        let shared = Arc::new(Shared { config, data: Mutex::new(Data::default()), counters: Counters::default() });
        for i in 0..seed {
            let spec = json!({"type": "Standard", "username": format!("seed\\user{i:04}"), "description": format!("seeded {i}"), "password": format!("seed-pw-{i}")});
            create_record(&shared, spec.as_object().unwrap().clone()).unwrap();
        }
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let app = router(shared.clone());
        let thread = std::thread::Builder::new()
            .name(format!("fake-vbr-{}", addr.port()))
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
                rt.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
                    stopped.await.ok();
                });
                // Open keep-alive connections would hold a graceful shutdown forever.
                rt.shutdown_background();
            })
            .unwrap();
        FakeVbr { addr, shared, stop: Some(stop), thread: Some(thread) }
    }

    /// The steps the sessions started from now on go through, one per read; the first is
    /// the answer that starts the session, and the last repeats.
    pub fn script_sessions(&self, steps: Vec<Step>) {
        assert!(!steps.is_empty(), "a session needs at least one step");
        self.shared.data().script = Some(steps);
    }

    /// How often each session was read (its start included), and whether it was stopped.
    pub fn session_reads(&self, id: &str) -> Option<(usize, bool)> {
        self.shared.data().sessions.get(id).map(|s| (s.reads, s.stopped))
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The configuration it runs with.
    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    /// Token requests answered with a token, by either grant.
    pub fn tokens_issued(&self) -> u64 {
        self.password_grants() + self.refresh_grants()
    }

    /// All token requests, refused ones included.
    pub fn token_requests(&self) -> u64 {
        self.tokens_issued() + self.refused_grants()
    }

    /// Successful password grants.
    pub fn password_grants(&self) -> u64 {
        self.shared.counters.password_grants.load(Ordering::SeqCst)
    }

    /// Successful refresh grants.
    pub fn refresh_grants(&self) -> u64 {
        self.shared.counters.refresh_grants.load(Ordering::SeqCst)
    }

    /// Refused token requests (bad password, spent or unknown refresh token).
    pub fn refused_grants(&self) -> u64 {
        self.shared.counters.refused_grants.load(Ordering::SeqCst)
    }

    /// 401 answers sent for missing, unknown or expired access tokens.
    pub fn unauthorized_responses(&self) -> u64 {
        self.shared.counters.unauthorized.load(Ordering::SeqCst)
    }

    /// Requests received for `METHOD /path` (the concrete path, without query).
    pub fn hits(&self, method: &str, path: &str) -> u64 {
        self.shared.data().hits.get(&format!("{method} {path}")).copied().unwrap_or(0)
    }

    /// The last requests received (up to 2,000), oldest first.
    pub fn seen(&self) -> Vec<Seen> {
        self.shared.data().seen.iter().cloned().collect()
    }

    /// The last request received for `METHOD /path`.
    pub fn last(&self, method: &str, path: &str) -> Option<Seen> {
        self.shared.data().seen.iter().rev().find(|s| s.method.as_str() == method && s.path == path).cloned()
    }

    /// Every token issued and password received so far.
    pub fn secrets(&self) -> Vec<String> {
        self.shared.data().secrets.clone()
    }

    /// Makes every access token issued so far expired, without the client knowing.
    pub fn expire_access_tokens(&self) {
        let past = Instant::now() - Duration::from_secs(1);
        for (expiry, _) in self.shared.data().access.values_mut() {
            *expiry = past;
        }
    }

    /// Spends every refresh token issued so far, as if each had been used once already.
    pub fn spend_refresh_tokens(&self) {
        self.shared.data().refresh.clear();
    }

    /// Whether an access token is known and not expired.
    pub fn access_token_valid(&self, token: &str) -> bool {
        self.shared.data().access.get(token).is_some_and(|(at, _)| *at > Instant::now())
    }

    /// Number of credentials records.
    pub fn record_count(&self) -> usize {
        self.shared.data().records.len()
    }

    /// A secret field (`password`, `privateKey`, ...) of a record.
    pub fn record_secret(&self, id: Uuid, field: &str) -> Option<String> {
        let data = self.shared.data();
        data.records.iter().find(|r| r.model["id"] == id.to_string()).and_then(|r| r.secrets.get(field).cloned())
    }

    /// Answers the next `times` requests to `METHOD /path` with `answer`.
    pub fn inject(&self, method: &str, path: &str, times: usize, answer: Canned) {
        self.inject_after(method, path, 0, times, answer);
    }

    /// Like [`Self::inject`], after letting `pass` matching requests through.
    pub fn inject_after(&self, method: &str, path: &str, pass: usize, times: usize, answer: Canned) {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        self.shared.data().injections.push(Injection { method, path: path.into(), pass, remaining: times, answer });
    }
}

impl Drop for FakeVbr {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            stop.send(()).ok();
        }
        if let Some(thread) = self.thread.take() {
            thread.join().ok();
        }
    }
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/api/oauth2/token", post(token))
        .route("/api/oauth2/logout", post(logout))
        .route("/api/v1/credentials", get(list_creds).post(create_creds))
        .route("/api/v1/credentials/{id}", get(get_creds).put(update_creds).delete(delete_creds))
        .route("/api/v1/credentials/{id}/changepassword", post(change_password))
        .route("/api/v1/cloudCredentials/{id}/helperAppliances", post(start_session))
        .route("/api/v1/cloudCredentials/{id}/helperAppliances/{appliance}", axum::routing::delete(start_session))
        .route("/api/v1/sessions/{id}", get(read_session))
        .route("/api/v1/sessions/{id}/stop", post(stop_session))
        .fallback(|| async { veeam_error(StatusCode::NOT_FOUND, "InvalidURI", "no such resource", None) })
        .layer(axum::middleware::from_fn_with_state(shared.clone(), gate))
        .with_state(shared)
}

fn veeam_error(status: StatusCode, code: &str, message: &str, resource: Option<String>) -> Response {
    (status, axum::Json(json!({"errorCode": code, "message": message, "resourceId": resource}))).into_response()
}

fn unauthorized(shared: &Shared, code: &str, message: &str) -> Response {
    shared.counters.unauthorized.fetch_add(1, Ordering::SeqCst);
    veeam_error(StatusCode::UNAUTHORIZED, code, message, None)
}

/// Records the request, answers canned responses, insists on `x-api-version`, and checks the
/// access token of everything outside `/api/oauth2/token`.
async fn gate(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    shared.counters.requests.fetch_add(1, Ordering::SeqCst);
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 16 << 20).await.unwrap_or_default();
    let path = parts.uri.path().to_owned();
    let canned = {
        let mut data = shared.data();
        *data.hits.entry(format!("{} {path}", parts.method)).or_default() += 1;
        if data.seen.len() == SEEN_LIMIT {
            data.seen.pop_front();
        }
        data.seen.push_back(Seen {
            method: parts.method.clone(),
            path: path.clone(),
            query: parts.uri.query().unwrap_or("").to_owned(),
            headers: parts.headers.clone(),
            body: body.clone(),
        });
        let found = data.injections.iter_mut().find(|i| i.method == parts.method && i.path == path && i.remaining > 0);
        match found {
            Some(i) if i.pass > 0 => {
                i.pass -= 1;
                None
            }
            Some(i) => {
                i.remaining -= 1;
                Some(i.answer.clone())
            }
            None => None,
        }
    };
    if let Some(c) = canned {
        tokio::time::sleep(c.delay).await;
        let mut resp = Response::new(Body::from(c.body));
        *resp.status_mut() = StatusCode::from_u16(c.status).unwrap();
        if let Some(ct) = c.content_type {
            resp.headers_mut().insert("content-type", HeaderValue::from_str(&ct).unwrap());
        }
        for (n, v) in c.headers {
            resp.headers_mut()
                .append(axum::http::HeaderName::from_bytes(n.as_bytes()).unwrap(), HeaderValue::from_str(&v).unwrap());
        }
        return resp;
    }
    if parts.headers.get("x-api-version").and_then(|v| v.to_str().ok()) != Some(API_VERSION) {
        return veeam_error(
            StatusCode::BAD_REQUEST,
            "UnexpectedContent",
            "the x-api-version header must be 1.3-rev2",
            None,
        );
    }
    if path != "/api/oauth2/token" {
        let token =
            parts.headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
        let Some(token) = token else { return unauthorized(&shared, "InvalidToken", "the request is not authorized") };
        let expiry = shared.data().access.get(token).map(|(at, _)| *at);
        match expiry {
            None => return unauthorized(&shared, "InvalidToken", "the access token is not valid"),
            Some(at) if at <= Instant::now() => {
                return unauthorized(&shared, "ExpiredToken", "the access token has expired")
            }
            Some(_) => {}
        }
    }
    next.run(Request::from_parts(parts, Body::from(body))).await
}

fn issue_tokens(shared: &Shared) -> Response {
    let access = format!("AT-{}", Uuid::new_v4().simple());
    let refresh = format!("RT-{}", Uuid::new_v4().simple());
    let lifetime = shared.config.token_lifetime;
    {
        let mut data = shared.data();
        data.access.insert(access.clone(), (Instant::now() + lifetime, refresh.clone()));
        data.refresh.insert(refresh.clone());
        data.secrets.push(access.clone());
        data.secrets.push(refresh.clone());
    }
    let now = chrono::Utc::now();
    let expires_in = lifetime.as_secs().max(1);
    axum::Json(json!({
        "access_token": access,
        "token_type": "bearer",
        "refresh_token": refresh,
        "expires_in": expires_in,
        ".issued": now.to_rfc3339(),
        ".expires": (now + chrono::Duration::seconds(expires_in as i64)).to_rfc3339(),
        // Real servers add fields the spec does not know; the client must ignore them.
        "username": shared.config.username,
    }))
    .into_response()
}

async fn token(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let form_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let refuse = |status, code, message| {
        shared.counters.refused_grants.fetch_add(1, Ordering::SeqCst);
        veeam_error(status, code, message, None)
    };
    if !form_type {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UnexpectedContent",
            "the token request must be form-urlencoded",
        );
    }
    let Ok(form) = serde_urlencoded::from_bytes::<HashMap<String, String>>(&body) else {
        return refuse(StatusCode::BAD_REQUEST, "UnexpectedContent", "the form does not parse");
    };
    match form.get("grant_type").map(String::as_str) {
        Some("password") => {
            if let Some(p) = form.get("password") {
                shared.data().secrets.push(p.clone());
            }
            if form.get("username") == Some(&shared.config.username)
                && form.get("password") == Some(&shared.config.password)
            {
                shared.counters.password_grants.fetch_add(1, Ordering::SeqCst);
                issue_tokens(&shared)
            } else {
                refuse(StatusCode::UNAUTHORIZED, "AccessDenied", "the user name or password is incorrect")
            }
        }
        Some("refresh_token") => {
            // A refresh token works once.
            let known = form.get("refresh_token").is_some_and(|t| shared.data().refresh.remove(t));
            if known {
                shared.counters.refresh_grants.fetch_add(1, Ordering::SeqCst);
                issue_tokens(&shared)
            } else {
                refuse(StatusCode::BAD_REQUEST, "InvalidToken", "the refresh token is not valid")
            }
        }
        _ => refuse(StatusCode::BAD_REQUEST, "UnexpectedContent", "unsupported grant_type"),
    }
}

async fn logout(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let mut data = shared.data();
    if let Some((_, refresh)) = data.access.remove(token) {
        data.refresh.remove(&refresh);
    }
    StatusCode::OK.into_response()
}

const SECRET_FIELDS: &[&str] = &["password", "privateKey", "passphrase", "rootPassword"];

/// Stores a record from a `CredentialsSpec`; the error is the message of a 400 answer.
fn create_record(shared: &Shared, mut spec: Map<String, Value>) -> Result<Value, &'static str> {
    let kind = spec.get("type").and_then(Value::as_str).ok_or("type is required")?.to_owned();
    if spec.get("username").and_then(Value::as_str).is_none() {
        return Err("username is required");
    }
    match kind.as_str() {
        "Standard" if spec.get("password").and_then(Value::as_str).is_none() => return Err("password is required"),
        "Linux" if spec.get("authenticationType").and_then(Value::as_str).is_none() => {
            return Err("authenticationType is required")
        }
        "Standard" | "Linux" | "ManagedService" => {}
        _ => return Err("unknown credentials type"),
    }
    let mut secrets = HashMap::new();
    for field in SECRET_FIELDS {
        if let Some(Value::String(s)) = spec.remove(*field) {
            secrets.insert((*field).to_owned(), s);
        }
    }
    let id = Uuid::new_v4();
    spec.insert("id".into(), json!(id));
    spec.entry("description").or_insert(json!(""));
    spec.insert("creationTime".into(), json!(chrono::Utc::now().to_rfc3339()));
    let mut data = shared.data();
    data.secrets.extend(secrets.values().cloned());
    data.records.push(Record { model: spec.clone(), secrets });
    Ok(Value::Object(spec))
}

fn not_found(id: &str) -> Response {
    veeam_error(StatusCode::NOT_FOUND, "NotFound", "the credentials record does not exist", Some(id.to_owned()))
}

async fn list_creds(State(shared): State<Arc<Shared>>, Query(q): Query<HashMap<String, String>>) -> Response {
    let int = |name: &str, default: usize| q.get(name).map(|v| v.parse::<usize>()).unwrap_or(Ok(default));
    let (Ok(skip), Ok(limit)) = (int("skip", 0), int("limit", 200)) else {
        return veeam_error(
            StatusCode::BAD_REQUEST,
            "UnexpectedContent",
            "skip and limit must be non-negative integers",
            None,
        );
    };
    let pattern = q.get("nameFilter").map(|p| p.to_lowercase());
    let matches_name = |m: &Map<String, Value>| {
        let Some(p) = &pattern else { return true };
        let (starts, ends) = (p.starts_with('*'), p.ends_with('*'));
        let needle = p.trim_matches('*');
        ["username", "description"].iter().any(|f| {
            let v = m.get(*f).and_then(Value::as_str).unwrap_or("").to_lowercase();
            match (starts, ends) {
                (true, true) => v.contains(needle),
                (true, false) => v.ends_with(needle),
                (false, true) => v.starts_with(needle),
                (false, false) => v == needle,
            }
        })
    };
    let data = shared.data();
    let mut all: Vec<&Map<String, Value>> = data
        .records
        .iter()
        .map(|r| &r.model)
        .filter(|m| q.get("typeFilter").is_none_or(|t| m.get("type").and_then(Value::as_str) == Some(t.as_str())))
        .filter(|m| matches_name(m))
        .collect();
    if q.get("orderColumn").map(String::as_str) == Some("Username") {
        all.sort_by_key(|m| m.get("username").and_then(Value::as_str).unwrap_or("").to_owned());
        if q.get("orderAsc").map(String::as_str) == Some("false") {
            all.reverse();
        }
    }
    let page: Vec<Value> = all.iter().skip(skip).take(limit).map(|m| Value::Object((*m).clone())).collect();
    axum::Json(
        json!({"data": page, "pagination": {"total": all.len(), "count": page.len(), "skip": skip, "limit": limit}}),
    )
    .into_response()
}

async fn create_creds(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let Ok(Value::Object(spec)) = serde_json::from_slice::<Value>(&body) else {
        return veeam_error(StatusCode::BAD_REQUEST, "UnexpectedContent", "the body must be a JSON object", None);
    };
    match create_record(&shared, spec) {
        Ok(model) => (StatusCode::CREATED, axum::Json(model)).into_response(),
        Err(message) => veeam_error(StatusCode::BAD_REQUEST, "UnexpectedContent", message, None),
    }
}

async fn get_creds(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let data = shared.data();
    match data.records.iter().find(|r| r.model["id"] == id.as_str()) {
        Some(r) => axum::Json(Value::Object(r.model.clone())).into_response(),
        None => not_found(&id),
    }
}

async fn update_creds(State(shared): State<Arc<Shared>>, Path(id): Path<String>, body: Bytes) -> Response {
    let Ok(Value::Object(update)) = serde_json::from_slice::<Value>(&body) else {
        return veeam_error(StatusCode::BAD_REQUEST, "UnexpectedContent", "the body must be a JSON object", None);
    };
    let mut data = shared.data();
    let Some(r) = data.records.iter_mut().find(|r| r.model["id"] == id.as_str()) else { return not_found(&id) };
    if r.model.get("type") != update.get("type") {
        return veeam_error(
            StatusCode::BAD_REQUEST,
            "UnexpectedContent",
            "the type of a record cannot change",
            Some(id),
        );
    }
    for (k, v) in update {
        // The id and creation time are the server's; secrets change through their own operations.
        if !matches!(k.as_str(), "id" | "creationTime") && !SECRET_FIELDS.contains(&k.as_str()) {
            r.model.insert(k, v);
        }
    }
    axum::Json(Value::Object(r.model.clone())).into_response()
}

async fn delete_creds(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let mut data = shared.data();
    let before = data.records.len();
    data.records.retain(|r| r.model["id"] != id.as_str());
    if data.records.len() == before {
        return not_found(&id);
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn change_password(State(shared): State<Arc<Shared>>, Path(id): Path<String>, body: Bytes) -> Response {
    let password = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("password").and_then(Value::as_str).map(str::to_owned));
    let Some(password) = password else {
        return veeam_error(StatusCode::BAD_REQUEST, "UnexpectedContent", "password is required", Some(id));
    };
    let mut data = shared.data();
    data.secrets.push(password.clone());
    let Some(r) = data.records.iter_mut().find(|r| r.model["id"] == id.as_str()) else { return not_found(&id) };
    r.secrets.insert("password".into(), password);
    // The real server answers 200 with an empty body here.
    StatusCode::OK.into_response()
}

/// Adding or removing a helper appliance: the work goes on in a new session.
async fn start_session(State(shared): State<Arc<Shared>>) -> Response {
    let mut data = shared.data();
    let steps = data.script.clone().unwrap_or_else(|| vec![Step::working(0), Step::stopped("Success", "")]);
    let id = Uuid::new_v4().to_string();
    let session = Session { steps, reads: 1, stopped: false, created: "2026-11-30T03:00:00Z".to_owned() };
    let model = session.model(&id);
    data.sessions.insert(id, session);
    // Both operations answer 201 in the spec.
    (StatusCode::CREATED, axum::Json(model)).into_response()
}

async fn read_session(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let mut data = shared.data();
    match data.sessions.get_mut(&id) {
        Some(session) => {
            session.reads += 1;
            axum::Json(session.model(&id)).into_response()
        }
        None => not_found(&id),
    }
}

async fn stop_session(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let mut data = shared.data();
    match data.sessions.get_mut(&id) {
        Some(session) => {
            session.stopped = true;
            axum::Json(session.model(&id)).into_response()
        }
        None => not_found(&id),
    }
}
