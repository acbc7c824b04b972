//! No secret in any output: `veeam -vv` runs every command of a few groups, and a login with
//! a wrong password, against a proxy in front of the mock that echoes what it receives (the
//! `Authorization` header, the request body with its passwords) into every `description`,
//! `message` and `error_description` it answers. No password, access token, refresh token or
//! body secret may appear in standard output, standard error, or the profile file.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use veeam_cli::Exit;
use veeam_client::runtime::cli::{ArgIn, ArgKind, CliArg, CliClient};
use veeam_client::vbr::{self, mock::MockServer};

use super::{Operator, Run};

const PASSWORD: &str = "Pw-7f3c-zq!x";
const WRONG: &str = "Wrong-41b2-pq";
const BODY_SECRET: &str = "Body-9d1e-kx";

/// What the echoing proxy has seen: every secret that crossed it.
struct Proxy {
    upstream: String,
    http: reqwest::Client,
    secrets: Mutex<BTreeSet<String>>,
}

impl Proxy {
    fn learn(&self, secret: &str) {
        if secret.len() >= 4 {
            self.secrets.lock().unwrap().insert(secret.to_owned());
        }
    }
}

async fn forward(
    State(proxy): State<Arc<Proxy>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    if let Some((_, token)) = auth.split_once(' ') {
        proxy.learn(token);
    }
    let body_text = String::from_utf8_lossy(&body).into_owned();
    for (name, value) in serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body).unwrap_or_default() {
        if ["password", "refresh_token"].contains(&name.as_str()) {
            proxy.learn(&value);
        }
    }
    let mut request = proxy.http.request(method, format!("{}{path}", proxy.upstream)).body(body.to_vec());
    for (name, value) in &headers {
        if name != "host" && name != "content-length" {
            request = request.header(name, value);
        }
    }
    let Ok(answer) = request.send().await else { return StatusCode::BAD_GATEWAY.into_response() };
    let status = answer.status();
    let content_type = answer.headers().get("content-type").cloned();
    let session = answer.headers().get("x-restsvcsessionid").cloned();
    let bytes = answer.bytes().await.unwrap_or_default();
    let echo = format!("echo: {auth} {body_text}");
    let out = match serde_json::from_slice::<Value>(&bytes) {
        Ok(mut json) => {
            for key in ["access_token", "refresh_token"] {
                if let Some(token) = json.get(key).and_then(Value::as_str) {
                    proxy.learn(token);
                }
            }
            plant(&mut json, &echo);
            serde_json::to_vec(&json).unwrap()
        }
        Err(_) => bytes.to_vec(),
    };
    let mut response = (status, out).into_response();
    if let Some(ct) = content_type {
        response.headers_mut().insert("content-type", ct);
    }
    if let Some(s) = session {
        response.headers_mut().insert("x-restsvcsessionid", s);
    }
    response
}

/// Puts `echo` in every free-text property of the answer.
fn plant(value: &mut Value, echo: &str) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if ["description", "message", "error_description"].contains(&key.as_str()) && v.is_string() {
                    *v = Value::String(echo.to_owned());
                } else {
                    plant(v, echo);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| plant(v, echo)),
        _ => {}
    }
}

async fn start_proxy(upstream: String) -> (String, Arc<Proxy>) {
    let proxy = Arc::new(Proxy { upstream, http: reqwest::Client::new(), secrets: Mutex::default() });
    for s in [PASSWORD, WRONG, BODY_SECRET] {
        proxy.learn(s);
    }
    let app = axum::Router::new().fallback(forward).with_state(proxy.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, proxy)
}

/// A value of `kind` for a required argument.
fn sample(kind: ArgKind) -> String {
    match kind {
        ArgKind::Integer | ArgKind::Number => "1".into(),
        ArgKind::Boolean => "true".into(),
        ArgKind::Uuid => "3fa85f64-5717-4562-b3fc-2c963f66afa6".into(),
        ArgKind::DateTime => "2026-01-01T00:00:00Z".into(),
        ArgKind::Date => "2026-01-01".into(),
        ArgKind::Enum(values) => values[0].into(),
        ArgKind::Array(item) => sample(*item),
        ArgKind::Json => "{}".into(),
        ArgKind::Secret => "SECRET_VALUE".into(),
        ArgKind::String => "x".into(),
    }
}

/// Every password in an example body replaced by the body secret.
fn with_secret(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if key.to_ascii_lowercase().contains("password") && v.is_string() {
                    *v = Value::String(BODY_SECRET.into());
                } else {
                    with_secret(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(with_secret),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_is_printed_whatever_the_server_echoes() {
    let server = MockServer::start().await.unwrap();
    server.accept_login("admin", PASSWORD);
    let (url, proxy) = start_proxy(server.url()).await;
    let op = Operator::new("secrets").env("SECRET_VALUE", BODY_SECRET);
    let mut runs: Vec<(String, Run)> = Vec::new();
    let login = ["-vv", "login", "--profile", "t", &url, "--user", "admin", "--password-stdin"];
    runs.push(("login (wrong)".into(), op.run(&login, &format!("{WRONG}\n")).await.expect(Exit::Auth)));
    runs.push(("login".into(), op.run(&login, &format!("{PASSWORD}\n")).await.expect(Exit::Success)));

    let spec = crate::support::spec_ops::load("vbr").1;
    let examples: Vec<(String, Option<Value>)> = crate::support::spec_ops::operations(&spec)
        .iter()
        .map(|o| (o.id.clone(), crate::support::spec_ops::request_example(&spec, o)))
        .collect();
    let api = <vbr::Client as CliClient>::api();
    let groups = ["credentials", "jobs", "sessions", "login-api"];
    let mut refresh_tokens = BTreeSet::new();
    for cmd in api.operations.iter().filter(|o| o.group.is_some_and(|g| groups.contains(&api.groups[g].name))) {
        let group = api.groups[cmd.group.unwrap()].name;
        let mut args: Vec<String> = ["-vv", "--profile", "t", "-o", "json", group, cmd.name].map(String::from).into();
        for a in cmd.args.iter().filter(|a: &&CliArg| a.required) {
            match a.location {
                ArgIn::Path => args.push(sample(a.kind)),
                _ => args.push(format!("--{}={}", a.flag, sample(a.kind))),
            }
        }
        let mut stdin = String::new();
        if cmd.body.is_some() {
            let mut example =
                examples.iter().find(|(id, _)| id == cmd.id).and_then(|(_, e)| e.clone()).unwrap_or(Value::Null);
            with_secret(&mut example);
            stdin = example.to_string();
            args.extend(["--body".into(), "-".into()]);
        }
        if cmd.wait.is_some() {
            args.extend(["--wait", "--poll-interval", "0.005", "--wait-timeout", "5"].map(String::from));
        }
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = op.run(&argv, &stdin).await;
        refresh_tokens.insert(op.credentials());
        runs.push((args.join(" "), run));
        if cmd.id == "Logout" {
            // Logged out: log in again for the rest.
            op.run(&login, &format!("{PASSWORD}\n")).await.expect(Exit::Success);
        }
    }
    runs.push(("logout".into(), op.run(&["-vv", "logout", "--profile", "t"], "").await.expect(Exit::Success)));
    assert!(runs.len() > 40, "every command of {groups:?}");

    let secrets = proxy.secrets.lock().unwrap().clone();
    assert!(secrets.len() > 10, "the proxy saw the tokens: {}", secrets.len());
    let profiles = op.profiles();
    let mut leaks = Vec::new();
    for secret in &secrets {
        for (command, run) in &runs {
            for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
                if text.contains(secret.as_str()) {
                    leaks.push(format!("`{command}` printed a secret on {stream}:\n{text}"));
                }
            }
        }
        if profiles.contains(secret.as_str()) {
            leaks.push(format!("profiles.toml holds a secret:\n{profiles}"));
        }
    }
    assert!(leaks.is_empty(), "{}", leaks.join("\n\n"));
    // The echo reached the output, blanked out: the test tests something.
    assert!(runs.iter().any(|(_, r)| r.stdout.contains("echo: Bearer ***")), "no echo was printed");
    assert!(runs.iter().any(|(_, r)| r.stderr.contains("DEBUG")), "-vv logs");
    assert!(refresh_tokens.len() > 10, "the refresh token changed with every command");
}
