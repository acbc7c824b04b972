//! An in-process fake Veeam Backup Enterprise Manager REST API (axum, `127.0.0.1:0`), as
//! strict as the documentation pages say EM is:
//!
//! - logon (`POST /api/sessionMngr/?v=…`) needs HTTP Basic credentials and answers 201 with
//!   the session in the `X-RestSvcSessionId` header and a `LogonSession` body;
//! - every other call needs a live `X-RestSvcSessionId`, else 401;
//! - request bodies need a `Content-Type` (`application/xml` or `application/json`);
//! - XML bodies must have the right root element in the EM namespace, only known elements,
//!   every element in the EM namespace, and the elements in the schema's order: anything
//!   else is a 400, as EM rejects a body "in the wrong order";
//! - JSON bodies may only use EM's PascalCase member names;
//! - answers are XML unless the `Accept` header asks for JSON, with the matching
//!   `Content-Type`; errors are EM `Error` bodies in that format.
//!
//! The element names and orders below are written out by hand from the documentation
//! pages, independently of the generated client, so the tests compare the two.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, post, put};
use axum::Router;
use base64::Engine;
use uuid::Uuid;

/// The namespace of every EM element.
pub const EM_NS: &str = "http://www.veeam.com/ent/v1.0";
/// The EM user the fake accepts.
pub const USER: &str = "VEEAM\\Administrator";
/// That user's password; it needs escaping in XML and percent-free Basic encoding.
pub const PASSWORD: &str = "Pa<ss&w\"o'rd>";
/// The backup server of the documentation examples.
pub const BACKUP_SERVER: &str = "f62624c1-8462-4747-8bd4-d686f99b0540";
/// A credentials record that exists on that server from the start.
pub const CREDENTIALS: &str = "c473b8df-4499-41b8-ba6b-7f76def6fea1";
/// An encryption password that exists on that server from the start.
pub const PASSWORD_KEY: &str = "c473b8df-4499-41b8-ba6b-7f76def6fea1";

/// The XML shape of a request body, from the documentation page: the root element, its
/// child elements in the required order, and the attributes of the root.
pub struct BodySchema {
    /// Root element name.
    pub root: &'static str,
    /// Child element names in the order EM requires.
    pub elements: &'static [&'static str],
    /// Attributes allowed on the root (ordinary members in JSON).
    pub attributes: &'static [&'static str],
}

/// `POST /backupServers/{ID}/credentials?action=create`.
pub const CREDENTIALS_INFO_SPEC: BodySchema =
    BodySchema { root: "CredentialsInfoSpec", elements: &["Username", "Description", "Password"], attributes: &[] };
/// `PUT /backupServers/{ID}/credentials/{ID}` (the page's examples send a `CredentialsInfo`).
pub const CREDENTIALS_INFO: BodySchema = BodySchema {
    root: "CredentialsInfo",
    elements: &["Id", "Username", "Description", "Password"],
    attributes: &["Href", "Type"],
};
/// `PUT /backupServers/{ID}/passwords/{ID}`.
pub const PASSWORD_KEY_INFO_SPEC: BodySchema =
    BodySchema { root: "PasswordKeyInfoSpec", elements: &["Hint"], attributes: &[] };

/// One request the fake received, for assertions.
#[derive(Clone, Debug)]
pub struct Exchange {
    /// The EM operation (`operationId` of the spec) the route belongs to.
    pub operation: &'static str,
    /// The request's `Content-Type`, if any.
    pub content_type: Option<String>,
    /// The request's `Accept`, if any.
    pub accept: Option<String>,
    /// Whether an `X-RestSvcSessionId` header came with it.
    pub had_session: bool,
    /// The request body as text.
    pub body: String,
    /// The status the fake answered.
    pub status: u16,
    /// The `Content-Type` of the answer, if it had a body.
    pub answer_type: Option<&'static str>,
}

/// A credentials record as the fake stores it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Record {
    /// User name.
    pub username: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Password, as received.
    pub password: Option<String>,
}

/// A canned logon answer, to test how the client copes with bad bodies.
#[derive(Clone, Debug)]
pub struct CannedAnswer {
    /// `Content-Type` of the answer.
    pub content_type: &'static str,
    /// The body.
    pub body: String,
}

#[derive(Default)]
struct Data {
    /// Live sessions: header value → session GUID and user.
    sessions: HashMap<String, Uuid>,
    /// Credentials records by (backup server, record id).
    credentials: BTreeMap<(Uuid, Uuid), Record>,
    /// Password hints by (backup server, password id).
    hints: BTreeMap<(Uuid, Uuid), String>,
    log: Vec<Exchange>,
    logon_answer: Option<CannedAnswer>,
}

/// The fake's state, shared with the test.
#[derive(Clone, Default)]
pub struct Shared(Arc<Mutex<Data>>);

impl Shared {
    fn data(&self) -> MutexGuard<'_, Data> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every request so far, oldest first.
    pub fn log(&self) -> Vec<Exchange> {
        self.data().log.clone()
    }

    /// The last request for `operation`.
    pub fn last(&self, operation: &str) -> Exchange {
        self.log()
            .into_iter()
            .rev()
            .find(|e| e.operation == operation)
            .unwrap_or_else(|| panic!("no {operation} request"))
    }

    /// Credentials records on the example backup server, by id.
    pub fn credentials(&self) -> Vec<(Uuid, Record)> {
        let server = Uuid::parse_str(BACKUP_SERVER).unwrap();
        self.data().credentials.iter().filter(|((s, _), _)| *s == server).map(|((_, id), r)| (*id, r.clone())).collect()
    }

    /// The hint of a password on the example backup server.
    pub fn hint(&self, id: &str) -> Option<String> {
        let key = (Uuid::parse_str(BACKUP_SERVER).unwrap(), Uuid::parse_str(id).unwrap());
        self.data().hints.get(&key).cloned()
    }

    /// The number of live sessions.
    pub fn session_count(&self) -> usize {
        self.data().sessions.len()
    }

    /// Makes logon answer 201 with a session header and this body instead of the real one.
    pub fn set_logon_answer(&self, answer: Option<CannedAnswer>) {
        self.data().logon_answer = answer;
    }
}

/// A running fake.
pub struct FakeEm {
    /// `http://127.0.0.1:{port}/api`, the base URL to give the client.
    pub base_url: String,
    /// State for assertions.
    pub shared: Shared,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeEm {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeEm {
    /// Starts a fake on a free local port, with one credentials record and one password on
    /// the example backup server.
    pub async fn start() -> FakeEm {
        let shared = Shared::default();
        {
            let mut d = shared.data();
            let server = Uuid::parse_str(BACKUP_SERVER).unwrap();
            let record = Record {
                username: Some("VEEAM\\backup".into()),
                description: Some("Seeded".into()),
                password: Some("old".into()),
            };
            d.credentials.insert((server, Uuid::parse_str(CREDENTIALS).unwrap()), record);
            d.hints.insert((server, Uuid::parse_str(PASSWORD_KEY).unwrap()), "Old hint".into());
        }
        let app = Router::new()
            .route("/api/sessionMngr/", post(logon))
            .route("/api/logonSessions/{session}", delete(logoff))
            .route("/api/backupServers/{server}/credentials", post(create_credentials))
            .route("/api/backupServers/{server}/credentials/{id}", put(edit_credentials))
            .route("/api/backupServers/{server}/passwords/{id}", put(edit_password_hint))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("fake EM server failed");
        });
        FakeEm { base_url: format!("http://{addr}/api"), shared, task }
    }
}

/// The format the client asked for: JSON only when `Accept` says so, as EM does.
#[derive(Clone, Copy, PartialEq)]
enum Wire {
    Xml,
    Json,
}

impl Wire {
    fn of_accept(headers: &HeaderMap) -> Wire {
        match headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) {
            Some(a) if a.contains("application/json") => Wire::Json,
            _ => Wire::Xml,
        }
    }

    fn mime(self) -> &'static str {
        match self {
            Wire::Xml => "application/xml; charset=utf-8",
            Wire::Json => "application/json; charset=utf-8",
        }
    }
}

/// What a handler decided: status, optional body (already in the asked format).
struct Answer {
    status: StatusCode,
    body: Option<(Wire, String)>,
    session_header: Option<String>,
}

impl Answer {
    fn empty(status: StatusCode) -> Answer {
        Answer { status, body: None, session_header: None }
    }

    /// An EM `Error` body in the asked format, shaped as EM sends it: `Message` and
    /// `StatusCode` as attributes in XML; every member, absent ones as null, in JSON.
    fn error(wire: Wire, status: StatusCode, message: &str) -> Answer {
        let code = status.as_u16();
        let body = match wire {
            Wire::Xml => format!(
                "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Error Message=\"{m}\" StatusCode=\"{code}\" xmlns=\"{EM_NS}\" \
                 xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n  \
                 <FirstChanceExceptionMessage>{m}</FirstChanceExceptionMessage>\n</Error>",
                m = escape(message)
            ),
            Wire::Json => serde_json::json!({
                "FirstChanceExceptionMessage": null,
                "Message": message,
                "StackTrace": null,
                "Status": null,
                "StatusCode": code,
            })
            .to_string(),
        };
        Answer { status, body: Some((wire, body)), session_header: None }
    }
}

/// Records the exchange and turns the answer into an HTTP response.
fn finish(shared: &Shared, operation: &'static str, headers: &HeaderMap, body: &[u8], answer: Answer) -> Response {
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    shared.data().log.push(Exchange {
        operation,
        content_type: text(header::CONTENT_TYPE),
        accept: text(header::ACCEPT),
        had_session: headers.contains_key("X-RestSvcSessionId"),
        body: String::from_utf8_lossy(body).into_owned(),
        status: answer.status.as_u16(),
        answer_type: answer.body.as_ref().map(|(w, _)| w.mime()),
    });
    let mut response = match answer.body {
        Some((wire, body)) => (answer.status, [(header::CONTENT_TYPE, wire.mime())], body).into_response(),
        None => answer.status.into_response(),
    };
    if let Some(session) = answer.session_header {
        response.headers_mut().insert("X-RestSvcSessionId", HeaderValue::from_str(&session).unwrap());
    }
    response
}

/// The session of a request, or the 401 EM gives without one.
fn session(shared: &Shared, headers: &HeaderMap, wire: Wire) -> Result<Uuid, Answer> {
    let Some(value) = headers.get("X-RestSvcSessionId").and_then(|v| v.to_str().ok()) else {
        return Err(Answer::error(
            wire,
            StatusCode::UNAUTHORIZED,
            "Authentication required: the X-RestSvcSessionId header is missing",
        ));
    };
    shared
        .data()
        .sessions
        .get(value)
        .copied()
        .ok_or_else(|| Answer::error(wire, StatusCode::UNAUTHORIZED, "The logon session is not valid or has expired"))
}

async fn logon(
    State(shared): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let wire = Wire::of_accept(&headers);
    let answer = (|| {
        let basic = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Basic "))
            .and_then(|t| base64::engine::general_purpose::STANDARD.decode(t).ok())
            .and_then(|b| String::from_utf8(b).ok());
        let Some((user, password)) = basic.as_deref().and_then(|b| b.split_once(':')) else {
            return Answer::error(wire, StatusCode::UNAUTHORIZED, "Basic authentication is required to log on");
        };
        if user != USER || password != PASSWORD {
            return Answer::error(wire, StatusCode::UNAUTHORIZED, "Invalid user name or password");
        }
        if query.get("v").map(String::as_str) != Some("latest") {
            return Answer::error(wire, StatusCode::BAD_REQUEST, "The v query parameter is required");
        }
        let id = Uuid::new_v4();
        let token = base64::engine::general_purpose::STANDARD.encode(id.to_string());
        shared.data().sessions.insert(token.clone(), id);
        let canned = shared.data().logon_answer.clone();
        let body = match canned {
            Some(c) => {
                let wire = if c.content_type.contains("json") { Wire::Json } else { Wire::Xml };
                return Answer { status: StatusCode::CREATED, body: Some((wire, c.body)), session_header: Some(token) };
            }
            None => logon_session_body(wire, id),
        };
        Answer { status: StatusCode::CREATED, body: Some((wire, body)), session_header: Some(token) }
    })();
    finish(&shared, "CreateLogonSession", &headers, b"", answer)
}

/// A `LogonSession` as EM writes it (the spec's example, with this session's id).
pub fn logon_session_body_xml(id: Uuid) -> String {
    let href = format!("https://localhost:9398/api/logonSessions/{id}");
    let user = escape(USER);
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<LogonSession Href=\"{href}\" Type=\"LogonSession\" xmlns=\"{EM_NS}\" \
         xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n  <Links>\n    \
         <Link Href=\"{href}\" Type=\"LogonSession\" Rel=\"Delete\" />\n  </Links>\n  <UserName>{user}</UserName>\n  \
         <SessionId>{id}</SessionId>\n</LogonSession>"
    )
}

fn logon_session_body(wire: Wire, id: Uuid) -> String {
    let href = format!("https://localhost:9398/api/logonSessions/{id}");
    match wire {
        Wire::Xml => logon_session_body_xml(id),
        Wire::Json => serde_json::json!({
            "Links": [{ "Href": href, "Type": "LogonSession", "Rel": "Delete" }],
            "UserName": USER,
            "SessionId": id.to_string(),
            "Href": href,
            "Type": "LogonSession",
        })
        .to_string(),
    }
}

async fn logoff(State(shared): State<Shared>, Path(session_id): Path<String>, headers: HeaderMap) -> Response {
    let wire = Wire::of_accept(&headers);
    let answer = match session(&shared, &headers, wire) {
        Err(a) => a,
        Ok(current) if Uuid::parse_str(&session_id).ok() != Some(current) => {
            Answer::error(wire, StatusCode::NOT_FOUND, &format!("Logon session {session_id} was not found"))
        }
        Ok(current) => {
            shared.data().sessions.retain(|_, id| *id != current);
            Answer::empty(StatusCode::NO_CONTENT)
        }
    };
    finish(&shared, "DeleteLogonSession", &headers, b"", answer)
}

async fn create_credentials(
    State(shared): State<Shared>,
    Path(server): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let wire = Wire::of_accept(&headers);
    let answer = (|| {
        session(&shared, &headers, wire)?;
        let server = known_server(&server, wire)?;
        if query.get("action").map(String::as_str) != Some("create") {
            return Err(Answer::error(wire, StatusCode::BAD_REQUEST, "The action query parameter must be create"));
        }
        let fields = read_body(&headers, &body, &CREDENTIALS_INFO_SPEC, wire)?;
        let record = Record {
            username: fields.get("Username").cloned(),
            description: fields.get("Description").cloned(),
            password: fields.get("Password").cloned(),
        };
        shared.data().credentials.insert((server, Uuid::new_v4()), record);
        Ok(Answer::empty(StatusCode::CREATED))
    })()
    .unwrap_or_else(|a| a);
    finish(&shared, "CreateCredentials", &headers, &body, answer)
}

async fn edit_credentials(
    State(shared): State<Shared>,
    Path((server, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let wire = Wire::of_accept(&headers);
    let answer = (|| {
        session(&shared, &headers, wire)?;
        let server = known_server(&server, wire)?;
        let fields = read_body(&headers, &body, &CREDENTIALS_INFO, wire)?;
        let key = (server, Uuid::parse_str(&id).map_err(|_| not_found(wire, "credentials record", &id))?);
        let mut data = shared.data();
        let record = data.credentials.get_mut(&key).ok_or_else(|| not_found(wire, "credentials record", &id))?;
        // Only the modifiable elements change; Id, Href and Type identify the record.
        for (name, slot) in [
            ("Username", &mut record.username),
            ("Description", &mut record.description),
            ("Password", &mut record.password),
        ] {
            if let Some(v) = fields.get(name) {
                *slot = Some(v.clone());
            }
        }
        Ok(Answer::empty(StatusCode::NO_CONTENT))
    })()
    .unwrap_or_else(|a| a);
    finish(&shared, "EditCredentials", &headers, &body, answer)
}

async fn edit_password_hint(
    State(shared): State<Shared>,
    Path((server, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let wire = Wire::of_accept(&headers);
    let answer = (|| {
        session(&shared, &headers, wire)?;
        let server = known_server(&server, wire)?;
        let fields = read_body(&headers, &body, &PASSWORD_KEY_INFO_SPEC, wire)?;
        let key = (server, Uuid::parse_str(&id).map_err(|_| not_found(wire, "password", &id))?);
        let mut data = shared.data();
        let hint = data.hints.get_mut(&key).ok_or_else(|| not_found(wire, "password", &id))?;
        if let Some(h) = fields.get("Hint") {
            *hint = h.clone();
        }
        Ok(Answer::empty(StatusCode::NO_CONTENT))
    })()
    .unwrap_or_else(|a| a);
    finish(&shared, "EditPasswordHint", &headers, &body, answer)
}

fn not_found(wire: Wire, what: &str, id: &str) -> Answer {
    Answer::error(wire, StatusCode::NOT_FOUND, &format!("The {what} {id} was not found"))
}

fn known_server(server: &str, wire: Wire) -> Result<Uuid, Answer> {
    match Uuid::parse_str(server) {
        Ok(id) if server == BACKUP_SERVER => Ok(id),
        _ => Err(not_found(wire, "backup server", server)),
    }
}

/// Checks a request body against its schema and returns its values by element name.
fn read_body(
    headers: &HeaderMap,
    body: &[u8],
    schema: &BodySchema,
    wire: Wire,
) -> Result<BTreeMap<String, String>, Answer> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let mime = content_type.split(';').next().unwrap_or("").trim();
    let checked = match mime {
        "application/xml" => check_xml(body, schema),
        "application/json" => check_json(body, schema),
        "" => Err("The Content-Type header is required".to_owned()),
        other => Err(format!("Unsupported media type {other}")),
    };
    checked.map_err(|m| Answer::error(wire, StatusCode::BAD_REQUEST, &m))
}

/// The strict XML check: root name and namespace, known elements in the EM namespace, in
/// the schema's order, each at most once; known attributes on the root.
pub fn check_xml(body: &[u8], schema: &BodySchema) -> Result<BTreeMap<String, String>, String> {
    let root =
        veeam_client::runtime::xml::parse(body).map_err(|e| format!("The request body is not valid XML: {e}"))?;
    if root.name != schema.root {
        return Err(format!("Expected the root element {}, found {}", schema.root, root.name));
    }
    if root.namespace.as_deref() != Some(EM_NS) {
        return Err(format!(
            "The root element {} must be in the namespace {EM_NS}, found {:?}",
            root.name, root.namespace
        ));
    }
    let mut values = BTreeMap::new();
    for (name, value) in &root.attributes {
        if !schema.attributes.contains(&name.as_str()) {
            return Err(format!("Unexpected attribute {name} on {}", schema.root));
        }
        values.insert(name.clone(), value.clone());
    }
    let mut last: Option<usize> = None;
    for child in &root.children {
        if child.namespace.as_deref() != Some(EM_NS) {
            return Err(format!(
                "The element {} must be in the namespace {EM_NS}, found {:?}",
                child.name, child.namespace
            ));
        }
        let Some(position) = schema.elements.iter().position(|e| *e == child.name) else {
            return Err(format!("Unexpected element {} in {}", child.name, schema.root));
        };
        if last.is_some_and(|l| position <= l) {
            return Err(format!(
                "The element {} is out of order in {}: the order is {}",
                child.name,
                schema.root,
                schema.elements.join(", ")
            ));
        }
        last = Some(position);
        if !child.children.is_empty() {
            return Err(format!("The element {} must hold text only", child.name));
        }
        values.insert(child.name.clone(), child.text.clone());
    }
    Ok(values)
}

/// The JSON check: an object whose members are EM's PascalCase names, with string values.
pub fn check_json(body: &[u8], schema: &BodySchema) -> Result<BTreeMap<String, String>, String> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("The request body is not valid JSON: {e}"))?;
    let object = value.as_object().ok_or("The request body must be a JSON object")?;
    let mut values = BTreeMap::new();
    for (name, value) in object {
        if !schema.elements.contains(&name.as_str()) && !schema.attributes.contains(&name.as_str()) {
            return Err(format!("Unexpected member {name} in {}", schema.root));
        }
        let text = value.as_str().ok_or_else(|| format!("The member {name} must be a string"))?;
        values.insert(name.clone(), text.to_owned());
    }
    Ok(values)
}

/// Escapes text for an XML element or a double-quoted attribute.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
