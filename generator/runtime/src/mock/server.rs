//! The server: started on loopback, each request routed to its operation, checked (auth, then
//! the spec), answered (by a handler, the token endpoint, the spec's example, or `501`), and
//! recorded.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use futures::FutureExt;

use super::auth::{grant_secrets, token_path, Auth, Refusal};
use super::record::{record, Recorded};
use super::wire::{RawReply, RawRequest};
use super::{route, Api, MockReply, MockRequest, OpSpec, Revisions, Scheme};

/// The largest request body the mock reads.
const MAX_BODY: usize = 64 << 20;

type Handler = Arc<dyn Fn(RawRequest) -> Pin<Box<dyn Future<Output = RawReply> + Send>> + Send + Sync>;

/// The mock server of one API: cheap to clone, stopped when the last clone is dropped.
#[derive(Clone)]
pub struct Server {
    shared: Arc<Shared>,
    _task: Arc<Task>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("api", &self.shared.api.title).field("addr", &self.shared.addr).finish()
    }
}

struct Shared {
    api: &'static Api,
    addr: SocketAddr,
    state: Mutex<State>,
    /// Started as a server of one revision: the revisions, and its position among them.
    revision: Option<(&'static Revisions, usize)>,
}

#[derive(Default)]
struct State {
    handlers: HashMap<&'static str, Handler>,
    recorded: Vec<Recorded>,
    auth: Auth,
}

/// Aborts the serving task when the last handle goes.
struct Task(tokio::task::JoinHandle<()>);

impl Drop for Task {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Server {
    /// Starts serving `api` on a free loopback port (on the current tokio runtime).
    #[doc(hidden)]
    pub async fn start(api: &'static Api) -> std::io::Result<Self> {
        Self::serve(api, None).await
    }

    /// Starts serving `api` as a server of the revision at `revision` in `revisions`: a
    /// request must name a revision up to that one in the revision header (else `400`, as
    /// VBR refuses a version it does not know), and an operation that revision lacks is
    /// answered `404`, as a server without it would.
    #[doc(hidden)]
    pub async fn start_revision(
        api: &'static Api,
        revisions: &'static Revisions,
        revision: usize,
    ) -> std::io::Result<Self> {
        Self::serve(api, Some((revisions, revision.min(revisions.names.len().saturating_sub(1))))).await
    }

    async fn serve(api: &'static Api, revision: Option<(&'static Revisions, usize)>) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared { api, addr, state: Mutex::new(State::default()), revision });
        let serving = Arc::clone(&shared);
        let app = axum::Router::new().fallback(move |request: axum::extract::Request| {
            let shared = Arc::clone(&serving);
            async move { shared.handle(request).await }
        });
        let task = tokio::spawn(async move {
            // Serving ends only when the task is aborted; an accept error ends the mock.
            let _ = axum::serve(listener, app).await;
        });
        Ok(Server { shared, _task: Arc::new(Task(task)) })
    }

    /// The base URL to build the client with (`http://127.0.0.1:port`).
    pub fn url(&self) -> String {
        format!("http://{}", self.shared.addr)
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.state().recorded.clone()
    }

    /// The requests routed to one operation (by operation id), in order.
    pub fn calls(&self, operation: &str) -> Vec<Recorded> {
        self.shared.state().recorded.iter().filter(|r| r.operation.as_deref() == Some(operation)).cloned().collect()
    }

    /// Forgets the requests received so far.
    pub fn clear_requests(&self) {
        self.shared.state().recorded.clear();
    }

    /// Accepts only this login (HTTP Basic, the OAuth2 password grant, client credentials)
    /// from now on; call again to accept several. Until the first call, any non-empty user
    /// name is accepted with any password.
    pub fn accept_login(&self, user: &str, password: &str) {
        self.shared.state().auth.accept_login(user, password);
    }

    /// Accepts this bearer token (it never expires unless [`expire_tokens`](Self::expire_tokens) is called).
    pub fn accept_token(&self, token: &str) {
        self.shared.state().auth.accept_token(token);
    }

    /// Accepts this API key (or session id), for every API-key scheme.
    pub fn accept_api_key(&self, key: &str) {
        self.shared.state().auth.accept_api_key(key);
    }

    /// Issues a bearer token the server accepts, as the token endpoint would.
    pub fn issue_token(&self) -> String {
        self.shared.state().auth.issue_token()
    }

    /// The lifetime of tokens and sessions issued from now on (default one hour); the token
    /// endpoint reports it as `expires_in`.
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        self.shared.state().auth.set_lifetime(lifetime);
    }

    /// Every access token and session id issued or accepted so far expires now: the next
    /// call with one is answered `401` (refresh tokens stay valid, so a client can renew).
    pub fn expire_tokens(&self) {
        self.shared.state().auth.expire();
    }

    /// Refresh tokens issued so far are refused: a client must log in again.
    pub fn revoke_refresh_tokens(&self) {
        self.shared.state().auth.revoke_refresh_tokens();
    }

    /// Answers operation `id` with `handler` (the typed `on_…` methods call this).
    #[doc(hidden)]
    pub fn on<Req, Rep, F, Fut>(&self, id: &'static str, handler: F)
    where
        Req: MockRequest,
        Rep: MockReply,
        F: Fn(Req) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Rep> + Send + 'static,
    {
        let handler = Arc::new(handler);
        let erased: Handler = Arc::new(move |raw: RawRequest| {
            let handler = Arc::clone(&handler);
            Box::pin(async move {
                match Req::parse(&raw) {
                    Ok(request) => {
                        // A handler that panics is the test's bug: answered 500, and the
                        // message recorded where the test can read it.
                        let called = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handler(request)));
                        let reply = match called {
                            Ok(future) => std::panic::AssertUnwindSafe(future).catch_unwind().await,
                            Err(payload) => Err(payload),
                        };
                        match reply {
                            Ok(reply) => reply.into_raw(&raw),
                            Err(payload) => {
                                let message = format!("{id}: the handler panicked: {}", panic_message(&*payload));
                                let mut reply = RawReply::problem(500, message.clone());
                                reply.failure = Some(message);
                                reply
                            }
                        }
                    }
                    Err(message) => RawReply::problem(400, format!("{id}: {message}")),
                }
            })
        });
        self.shared.state().handlers.insert(id, erased);
    }
}

/// The text of a panic's payload.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        // A handler cannot panic while the lock is held (none runs under it); a poisoned
        // lock still holds consistent data.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn handle(&self, request: axum::extract::Request) -> axum::response::Response {
        let (parts, body) = request.into_parts();
        let (body, too_large) = match axum::body::to_bytes(body, MAX_BODY).await {
            Ok(body) => (body, false),
            Err(_) => (Bytes::new(), true),
        };
        let raw_query = parts.uri.query().unwrap_or_default().to_owned();
        let query = serde_urlencoded::from_str(&raw_query).unwrap_or_default();
        let headers = parts
            .headers
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let mut raw = RawRequest {
            method: parts.method.as_str().to_owned(),
            path: parts.uri.path().to_owned(),
            captures: Vec::new(),
            query,
            raw_query,
            headers,
            body,
        };
        let (operation, reply, failure, secrets) = if too_large {
            let message = format!("the body is larger than the mock reads ({MAX_BODY} bytes) or was cut short");
            (None, RawReply::problem(413, message.clone()), Some(message), Vec::new())
        } else {
            self.answer(&mut raw).await
        };
        let mut state = self.state();
        let known = state.auth.known();
        // A body the typed parse could not read may hold secrets in places no type marks:
        // the record keeps its length, not its text.
        let unread = reply.status == 400 && operation.is_some() && !raw.body.is_empty() && self.unreadable(&raw);
        let mut recorded = record(self.api, &raw, operation, &secrets, &known, reply.status, failure);
        if unread {
            recorded.withhold_body(raw.body.len());
        }
        state.recorded.push(recorded);
        drop(state);
        into_response(reply)
    }

    /// The operation `raw` is for, the answer, why it failed, and the secrets its body holds.
    async fn answer(
        &self,
        raw: &mut RawRequest,
    ) -> (Option<&'static str>, RawReply, Option<String>, Vec<super::super::Secret>) {
        let Some((op, captures)) = self.route(&raw.method, &raw.path) else {
            if raw.method == "POST" && self.is_token_path(&raw.path) {
                let reply = self.state().auth.token_grant(raw, None);
                let failure = (reply.status >= 400).then(|| "the token request was refused".to_owned());
                return (None, reply, failure, grant_secrets(raw));
            }
            let allowed: Vec<&str> = self
                .api
                .operations
                .iter()
                .filter(|o| route::matches(o.path, &raw.path).is_some())
                .map(|o| o.method.as_str())
                .collect();
            let (reply, failure) = if allowed.is_empty() {
                self.refuse(
                    raw,
                    404,
                    format!("no operation of the {} matches {} {}", self.api.title, raw.method, raw.path),
                )
            } else {
                self.refuse(
                    raw,
                    405,
                    format!("{} {} is not an operation; the path allows {}", raw.method, raw.path, allowed.join(", ")),
                )
            };
            return (None, reply, failure, Vec::new());
        };
        raw.captures = captures;
        let id = op.id;
        // The typed check runs first, whatever the credentials, so that the secrets of a
        // request refused for its credentials are still known and blanked out of the record.
        let typed = (op.check)(raw);
        let mut secrets = typed.clone().unwrap_or_default();
        if self.is_token_path(op.path) {
            secrets.extend(grant_secrets(raw));
        }
        if let Err((status, message)) = self.speaks(op, raw) {
            let (reply, failure) = self.refuse(raw, status, format!("{id}: {message}"));
            return (Some(id), reply, failure, secrets);
        }
        let checked = self.state().auth.check(self.api, op.auth, raw);
        if let Err(refusal) = checked {
            // Unknown and expired credentials alike carry the spec's `x-reauthenticate-on`
            // marker: a client holding a token the server does not take should renew it.
            let (Refusal::Missing(message) | Refusal::Expired(message)) = refusal;
            let message = format!("{id}: {message}");
            let reply = RawReply::problem_with(401, message.clone(), self.api.reauthenticate_on);
            return (Some(id), reply, Some(message), secrets);
        }
        if let Err(message) = typed {
            let (reply, failure) = self.refuse(raw, 400, format!("{id}: {message}"));
            return (Some(id), reply, failure, secrets);
        }
        // A header the client sends on every request is required on the wire all the same.
        if let Some(missing) = op.required_headers.iter().find(|h| raw.header(h).is_none()) {
            let (reply, failure) = self.refuse(raw, 400, format!("{id}: the required header `{missing}` is missing"));
            return (Some(id), reply, failure, secrets);
        }
        // An answer the request does not accept cannot be given (RFC 9110 §15.5.7).
        if !op.produces.is_empty() && raw.header("accept").is_some() && !raw.accepts_any(op.produces) {
            let message = format!("{id}: the request accepts none of {}", op.produces.join(", "));
            let (reply, failure) = self.refuse(raw, 406, message);
            return (Some(id), reply, failure, secrets);
        }
        let handler = self.state().handlers.get(id).cloned();
        let mut reply = match handler {
            Some(handler) => handler(raw.clone()).await,
            None if raw.method == "POST" && self.is_token_path(op.path) => {
                let template = op.example.as_ref().and_then(|x| x.bodies.iter().find(|(m, _)| m.contains("json")));
                self.state().auth.token_grant(raw, template.map(|(_, t)| *t))
            }
            None => match &op.example {
                Some(example) if !example.bodies.is_empty() => example_reply(raw, example, op.echo),
                // A success without a body needs no example: its status is the answer (a
                // logon or logout does its part as well).
                Some(example) => RawReply::empty(example.status).with_headers(example.headers),
                None if op.session_header.is_some() || op.logout => RawReply::empty(200),
                _ => {
                    let message = format!(
                        "{id}: no handler is registered and the spec gives no success example to answer with; register one with the mock server's `on_…` method for this operation"
                    );
                    let (reply, failure) = self.refuse(raw, 501, message);
                    return (Some(id), reply, failure, secrets);
                }
            },
        };
        if (200..300).contains(&reply.status) {
            self.after_success(op, raw, &mut reply);
        }
        let failure = reply
            .failure
            .take()
            .or_else(|| (reply.status >= 400).then(|| format!("{id}: the handler answered {}", reply.status)));
        (Some(id), reply, failure, secrets)
    }

    /// The mock's own refusal: the API's error body (see [`Api::problem`]) with the status and
    /// message, and the message for the record.
    /// For a server of one revision: the request's revision header names one it speaks, and
    /// the operation exists in it.
    fn speaks(&self, op: &OpSpec, raw: &RawRequest) -> Result<(), (u16, String)> {
        let Some((revisions, served)) = self.revision else { return Ok(()) };
        let header = revisions.header;
        let spoken = revisions.names[..=served].join(", ");
        match raw.header(header) {
            None => return Err((400, format!("the `{header}` header is missing; this server speaks {spoken}"))),
            Some(asked) if !revisions.names[..=served].contains(&asked) => {
                return Err((400, format!("`{header}: {asked}` is not a revision this server speaks ({spoken})")));
            }
            Some(_) => {}
        }
        let lacks = revisions.operations.iter().find(|(id, _)| *id == op.id).is_some_and(|(_, available)| {
            let at = u16::try_from(served).unwrap_or(u16::MAX);
            !available.iter().any(|&(from, to)| from <= at && at <= to)
        });
        if lacks {
            return Err((404, format!("not an operation of revision {}", revisions.names[served])));
        }
        Ok(())
    }

    fn refuse(&self, raw: &RawRequest, status: u16, message: String) -> (RawReply, Option<String>) {
        let reply = self
            .api
            .problem
            .and_then(|problem| problem(raw, status, &message))
            .unwrap_or_else(|| RawReply::problem(status, message.clone()));
        (reply, Some(message))
    }

    /// Whether the typed parse of the operation `raw` was routed to refuses it.
    fn unreadable(&self, raw: &RawRequest) -> bool {
        self.route(&raw.method, &raw.path).is_some_and(|(op, _)| (op.check)(raw).is_err())
    }

    /// A logon issues a session; a logout ends the credentials it was sent with.
    fn after_success(&self, op: &OpSpec, raw: &RawRequest, reply: &mut RawReply) {
        let mut state = self.state();
        if let Some(header) = op.session_header {
            let session = state.auth.issue_session();
            reply.set_headers(&[(header, &session)]);
        }
        if op.logout {
            state.auth.revoke(self.api, raw);
        }
    }

    /// The operation a request is for: of the templates that fit, the one with the most
    /// literal text (`/items/recent` before `/items/{id}`).
    fn route(&self, method: &str, path: &str) -> Option<(&'static OpSpec, Vec<(String, String)>)> {
        self.api
            .operations
            .iter()
            .filter(|o| o.method.as_str() == method)
            .filter_map(|o| route::matches(o.path, path).map(|(captures, literal)| (o, captures, literal)))
            .max_by_key(|(_, _, literal)| *literal)
            .map(|(o, captures, _)| (o, captures))
    }

    fn is_token_path(&self, path: &str) -> bool {
        self.api.schemes.iter().any(|(_, s)| matches!(s, Scheme::OAuth2 { token_url } if token_path(token_url) == path))
    }
}

/// The example in the media type the request asks for.
fn example_reply(raw: &RawRequest, example: &super::Example, echo: &[(&str, &str)]) -> RawReply {
    let offered: Vec<&str> = example.bodies.iter().map(|(m, _)| *m).collect();
    let reply = match raw.negotiate(&offered).and_then(|m| example.bodies.iter().find(|(o, _)| *o == m)) {
        Some((mime, text)) if !echo.is_empty() && mime.contains("json") => {
            RawReply::new(example.status, mime, echoed(raw, text, echo))
        }
        Some((mime, text)) => RawReply::new(example.status, mime, Bytes::from_static(text.as_bytes())),
        None => RawReply::empty(example.status),
    };
    reply.with_headers(example.headers)
}

/// A JSON example with the path parameters written where `echo` says.
fn echoed(raw: &RawRequest, text: &'static str, echo: &[(&str, &str)]) -> Bytes {
    let Ok(mut value) = serde_json::from_str::<serde_json::Value>(text) else {
        return Bytes::from_static(text.as_bytes());
    };
    for (param, pointer) in echo {
        let asked = raw
            .captures
            .iter()
            .find(|(n, _)| n == param)
            .map(|(_, v)| percent_encoding::percent_decode_str(v).decode_utf8_lossy().into_owned());
        if let (Some(asked), Some(slot)) = (asked, value.pointer_mut(pointer)) {
            *slot = serde_json::Value::String(asked);
        }
    }
    Bytes::from(serde_json::to_vec(&value).unwrap_or_else(|_| text.as_bytes().to_vec()))
}

fn into_response(reply: RawReply) -> axum::response::Response {
    let mut response = axum::response::Response::new(axum::body::Body::from(reply.body));
    *response.status_mut() = axum::http::StatusCode::from_u16(reply.status).unwrap_or(axum::http::StatusCode::OK);
    let headers = response.headers_mut();
    let mut put = |name: &str, value: &str| {
        if let (Ok(n), Ok(v)) = (axum::http::HeaderName::try_from(name), axum::http::HeaderValue::try_from(value)) {
            headers.append(n, v);
        }
    };
    if let Some(ct) = &reply.content_type {
        put("content-type", ct);
    }
    for (n, v) in &reply.headers {
        put(n, v);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::super::{Api, Scheme};
    use super::Server;

    /// An API whose token endpoint is not one of its operations (an identity provider's URL).
    static API: Api = Api {
        title: "token only",
        schemes: &[("oauth", Scheme::OAuth2 { token_url: "https://login.example/oauth/token" })],
        reauthenticate_on: None,
        operations: &[],
        problem: None,
    };

    #[tokio::test]
    async fn a_token_url_outside_the_spec_is_served_and_its_secrets_kept_out_of_the_record() {
        let server = Server::start(&API).await.unwrap();
        let http = reqwest::Client::new();
        let grant = |body: &'static str| {
            http.post(format!("{}/oauth/token", server.url()))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
        };
        let answer = grant("grant_type=password&username=u&password=hunter2-secret").await.unwrap();
        assert_eq!(answer.status().as_u16(), 200);
        let token: serde_json::Value = serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap();
        assert!(token["access_token"].as_str().unwrap().starts_with("mock-token-"));
        assert_eq!(grant("grant_type=refresh_token&refresh_token=unknown").await.unwrap().status().as_u16(), 400);
        let recorded = server.requests();
        assert_eq!(recorded.len(), 2);
        assert_eq!(recorded[0].operation, None);
        assert!(!recorded[0].body.contains("hunter2-secret"), "{}", recorded[0].body);
        assert!(!recorded[1].body.contains("unknown"), "{}", recorded[1].body);
        assert_eq!(recorded[1].failure.as_deref(), Some("the token request was refused"));
        assert_eq!(grant("x").await.unwrap().status().as_u16(), 400);
        let missing = http.get(format!("{}/nothing", server.url())).send().await.unwrap();
        assert_eq!(missing.status().as_u16(), 404);
    }
}
