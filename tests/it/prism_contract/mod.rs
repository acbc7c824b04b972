//! Contract test: the generated VBR client against Prism, the OpenAPI mock server.
//!
//! Prism (`@stoplight/prism-cli`, pinned in `tests/prism/package.json`) is started on the VBR
//! spec with `--errors`. It answers a request that breaks the spec with a 4xx, and it validates
//! the answer it sends (the spec's example) against the response schema, answering 500 when
//! that fails. Every operation is called through the generated client (union request bodies
//! once per variant, list operations also through their streams), so when every call returns
//! `Ok`, every request the client sent was valid and every response the spec promises decoded.
//! Two checks Prism cannot make are added: request bodies carry no property the spec does not
//! declare (a misspelt optional field), and decoding keeps every declared property.
//!
//! A mock that accepts everything would pass all that too, so the test also shows that Prism
//! really checks:
//! - requests without a token, without `x-api-version`, or with a wrong body are refused, the
//!   last for every operation that takes a body;
//! - on a copy of the spec whose success examples are broken, every operation that answers
//!   with a body fails with Prism's 500.
//!
//! Prism limitation (found by this test): Prism cannot validate a schema that reaches itself,
//! and Veeam's unions all do: the parent (`CredentialsSpec`) lists its variants in `oneOf`,
//! and each variant (`StandardCredentialsSpec`) is `allOf` the parent. Prism's validator
//! recurses until the stack overflows, catches that, and treats the body as valid, so against
//! `spec/vbr.yaml` as it is, no request or response body that contains a union is checked at
//! all (`prism_cannot_check_the_curated_spec_as_is` pins this down). The test therefore runs
//! Prism on a copy in which each variant is `allOf` a copy of the parent without `oneOf`,
//! plus the discriminator value that selects it. That is what the spec means (the
//! discriminator picks one variant; the variant is the parent's properties plus its own), and
//! it is a plain, finite JSON Schema that Prism checks completely. Nothing else is changed.
//!
//! Prism is installed by `cargo xtask test`. Outside CI this test installs it itself (`npm ci`
//! in `tests/prism`) when it is missing; in CI (`CI=true`) a missing Prism fails the test.
//! It never skips.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::fs::{self, File};
use std::future::Future;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use chrono::Utc;
use futures::{Stream, StreamExt, TryFutureExt};
use serde::Serialize;
use serde_json::{json, Value};
use uuid::Uuid;
use veeam_client::runtime::{self, AuthScheme, Method, Operation, RetryPolicy, Secret};
use veeam_client::vbr::{self, types::*};

/// How long Prism may take to start listening.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A body no operation accepts: a JSON string where every schema asks for an object. A
/// request carrying it must be refused, and a response carrying it must fail validation.
const NOT_AN_OBJECT: &str = "contract-canary: not an object";

fn root() -> PathBuf {
    xtask::workspace_root()
}

fn scratch_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("prism_contract");
    fs::create_dir_all(&dir).unwrap();
    dir
}

// ---------------------------------------------------------------------------------------------
// Installing and running Prism
// ---------------------------------------------------------------------------------------------

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
struct Prism {
    child: Child,
    port: u16,
    log: PathBuf,
    /// The spec copy it runs on, if the test wrote one.
    written_spec: Option<PathBuf>,
}

impl Prism {
    /// Starts Prism on `spec` and waits until it listens. `name` names its log file.
    fn start(spec: &Path, name: &str) -> Prism {
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
                .args(["--errors", "--dynamic", "false", "--host", "127.0.0.1", "--port", &port.to_string()])
                .stdin(Stdio::null())
                .stdout(out.try_clone().unwrap())
                .stderr(out)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
            // From here on the guard owns the process, so every exit path below kills it.
            let written_spec = spec.starts_with(scratch_dir()).then(|| spec.to_owned());
            let mut prism = Prism { child, port, log, written_spec };
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

    fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn log_text(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Prism's log split into one block per request received, in order: the request line
    /// (`post /api/v1/credentials`) and every line logged until the next request. Waits until
    /// `expected` requests are logged (Prism logs asynchronously).
    fn request_blocks(&self, expected: usize) -> Vec<(String, Vec<String>)> {
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

// ---------------------------------------------------------------------------------------------
// The spec, and the copies Prism runs on
// ---------------------------------------------------------------------------------------------

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// What the test needs to know about one operation of the spec.
#[derive(Clone, Debug)]
struct SpecOp {
    method: String,
    path: String,
    /// Media types of the request body, if it has one.
    body_media: Vec<String>,
    /// Path parameters that are UUIDs (the others are strings).
    uuid_params: BTreeSet<String>,
    /// Whether the answer Prism picks (the lowest 2xx) has a body.
    success_has_body: bool,
    /// Schema of the request body (its first media type).
    body_schema: Option<Value>,
    /// Schema and example of the answer Prism picks.
    success_schema: Option<Value>,
    success_example: Option<Value>,
}

fn load_spec() -> Value {
    let text = fs::read_to_string(root().join("spec/vbr.yaml")).unwrap();
    serde_yaml::from_str(&text).unwrap()
}

fn resolve<'a>(spec: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(pointer) => resolve(
            spec,
            spec.pointer(pointer.trim_start_matches('#')).unwrap_or_else(|| panic!("dangling $ref {pointer}")),
        ),
        None => value,
    }
}

fn spec_operations(spec: &Value) -> BTreeMap<String, SpecOp> {
    let mut ops = BTreeMap::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let id =
                op["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no operationId")).to_owned();
            let body_media = op
                .get("requestBody")
                .map(|b| resolve(spec, b)["content"].as_object().unwrap().keys().cloned().collect())
                .unwrap_or_default();
            let params = op.get("parameters").and_then(Value::as_array).cloned().unwrap_or_default();
            let uuid_params = params
                .iter()
                .map(|p| resolve(spec, p))
                .filter(|p| p["in"] == "path" && p["schema"]["format"] == "uuid")
                .map(|p| p["name"].as_str().unwrap().to_owned())
                .collect();
            let responses = op["responses"].as_object().unwrap();
            let success = responses
                .keys()
                .filter(|code| code.starts_with('2'))
                .min()
                .unwrap_or_else(|| panic!("{id} has no 2xx response"));
            let success_content = resolve(spec, &responses[success])
                .get("content")
                .and_then(Value::as_object)
                .and_then(|c| c.values().next());
            let body_schema = op
                .get("requestBody")
                .and_then(|b| resolve(spec, b)["content"].as_object()?.values().next()?.get("schema").cloned());
            let op = SpecOp {
                method: method.to_uppercase(),
                path: path.clone(),
                body_media,
                uuid_params,
                success_has_body: success_content.is_some(),
                body_schema,
                success_schema: success_content.and_then(|c| c.get("schema").cloned()),
                success_example: success_content.and_then(|c| c.get("example").cloned()),
            };
            assert!(ops.insert(id.clone(), op).is_none(), "operationId {id} is used twice");
        }
    }
    ops
}

/// Rewrites every union whose variants include the union itself through `allOf` (the
/// Prism limitation described at the top): each such variant gets `allOf` a copy of the
/// parent without `oneOf`/`discriminator` (`{Parent}PrismBase`) instead of the parent, and the
/// discriminator value that selects it (otherwise a variant that adds no required property,
/// like `ManagedServiceCredentialsSpec`, would match every record and `oneOf` would fail).
/// Returns the unions rewritten.
fn break_union_cycles(spec: &mut Value) -> Vec<String> {
    let schemas = spec["components"]["schemas"].as_object_mut().unwrap();
    let names: Vec<String> = schemas.keys().cloned().collect();
    let mut rewritten = Vec::new();
    for parent in names {
        let Some(members) = schemas[&parent].get("oneOf").and_then(Value::as_array).cloned() else { continue };
        let parent_ref = format!("#/components/schemas/{parent}");
        let base = format!("{parent}PrismBase");
        let base_ref = format!("#/components/schemas/{base}");
        let discriminator = schemas[&parent].get("discriminator").cloned();
        let property = discriminator.as_ref().and_then(|d| d["propertyName"].as_str()).map(str::to_owned);
        let mut any = false;
        for member in &members {
            let Some(child_ref) = member["$ref"].as_str() else { continue };
            let child = child_ref.trim_start_matches("#/components/schemas/").to_owned();
            let Some(all_of) = schemas.get_mut(&child).and_then(|c| c.get_mut("allOf")).and_then(Value::as_array_mut)
            else {
                continue;
            };
            let Some(link) = all_of.iter_mut().find(|s| s["$ref"] == parent_ref.as_str()) else { continue };
            *link = json!({ "$ref": base_ref });
            if let Some(property) = &property {
                // The mapping names the value that selects this variant; without a mapping
                // the value is the variant's schema name (OpenAPI 3.0.3, Discriminator Object).
                let value = discriminator.as_ref().and_then(|d| d["mapping"].as_object()).and_then(|m| {
                    m.iter().find(|(_, target)| target.as_str() == Some(child_ref)).map(|(value, _)| value.clone())
                });
                all_of.push(json!({ "properties": { property: { "enum": [value.unwrap_or(child)] } } }));
            }
            any = true;
        }
        if any {
            let mut copy = schemas[&parent].clone();
            let copy_map = copy.as_object_mut().unwrap();
            copy_map.remove("oneOf");
            copy_map.remove("discriminator");
            assert!(!schemas.contains_key(&base), "the spec already has a schema named {base}");
            schemas.insert(base, copy);
            rewritten.push(parent);
        }
    }
    rewritten
}

/// Replaces the example of the answer Prism picks for every operation (the lowest 2xx) by a
/// value no response schema allows.
fn break_success_examples(spec: &mut Value) {
    let paths = spec["paths"].as_object_mut().unwrap();
    for item in paths.values_mut() {
        for (method, op) in item.as_object_mut().unwrap() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let responses = op["responses"].as_object_mut().unwrap();
            let success = responses.keys().filter(|code| code.starts_with('2')).min().cloned().unwrap();
            if let Some(content) = responses[&success].get_mut("content").and_then(Value::as_object_mut) {
                for media in content.values_mut() {
                    let media = media.as_object_mut().unwrap();
                    media.remove("examples");
                    media.insert("example".into(), json!(NOT_AN_OBJECT));
                }
            }
        }
    }
}

/// Writes a spec copy for one Prism. Each test, and each test process, gets its own file:
/// Prism watches its spec and restarts when the file changes, so a shared file rewritten by a
/// test running in parallel would restart another test's Prism under it.
fn write_spec(spec: &Value, name: &str) -> PathBuf {
    let path = scratch_dir().join(format!("{name}.{}.json", std::process::id()));
    let partial = path.with_extension("partial");
    fs::write(&partial, serde_json::to_string_pretty(spec).unwrap()).unwrap();
    fs::rename(&partial, &path).unwrap();
    path
}

/// The VBR spec as Prism can check it completely (see the top of this file).
fn prism_spec() -> Value {
    let mut spec = load_spec();
    let rewritten = break_union_cycles(&mut spec);
    assert!(
        !rewritten.is_empty(),
        "no union cycles found: if the spec no longer has them, run Prism on spec/vbr.yaml directly"
    );
    spec
}

// ---------------------------------------------------------------------------------------------
// Calling the client and judging the answers
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    /// Prism runs on the spec: every call must succeed.
    Contract,
    /// Prism runs on a copy whose success examples are broken: every call whose answer has a
    /// body must fail with Prism's 500, the others must succeed.
    BrokenExamples,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// A generated method called with valid arguments.
    Call,
    /// A request built to break the spec; `expected` lists the statuses that refuse it.
    Refused(&'static [u16]),
}

struct Record {
    op: &'static str,
    case: String,
    kind: Kind,
    /// `None` if the outcome is the expected one.
    problem: Option<String>,
}

/// Every request a test sends, in order, with what came of it.
struct Run<'a> {
    prism: &'a Prism,
    /// The spec Prism runs on (the union cycles broken), for the property checks.
    spec: &'a Value,
    ops: &'a BTreeMap<String, SpecOp>,
    mode: Mode,
    records: Vec<Record>,
}

fn status_of(error: &vbr::Error) -> Option<u16> {
    match error {
        runtime::Error::Api { status, .. }
        | runtime::Error::UnexpectedStatus { status, .. }
        | runtime::Error::Decode { status, .. } => Some(*status),
        _ => None,
    }
}

impl<'a> Run<'a> {
    fn new(prism: &'a Prism, spec: &'a Value, ops: &'a BTreeMap<String, SpecOp>, mode: Mode) -> Self {
        Run { prism, spec, ops, mode, records: Vec::new() }
    }

    fn spec_op(&self, op: &str) -> &'a SpecOp {
        self.ops.get(op).unwrap_or_else(|| panic!("the test calls {op}, which spec/vbr.yaml does not define"))
    }

    /// Awaits one generated method call and records whether it did what the mode expects.
    async fn call<T: Debug + Serialize>(
        &mut self,
        op: &'static str,
        case: &str,
        call: impl Future<Output = Result<T, vbr::Error>>,
    ) {
        self.call_inner(op, case, None, call).await
    }

    /// [`Self::call`] for an operation with a request body: in `Contract` mode the body must
    /// also carry no property the spec does not declare (see [`undeclared_properties`]).
    async fn call_body<T: Debug + Serialize>(
        &mut self,
        op: &'static str,
        case: &str,
        body: &impl Serialize,
        call: impl Future<Output = Result<T, vbr::Error>>,
    ) {
        self.call_inner(op, case, Some(serde_json::to_value(body).unwrap()), call).await
    }

    async fn call_inner<T: Debug + Serialize>(
        &mut self,
        op: &'static str,
        case: &str,
        body: Option<Value>,
        call: impl Future<Output = Result<T, vbr::Error>>,
    ) {
        let spec_op = self.spec_op(op);
        let result = call.await;
        let problem = match (self.mode, result) {
            (Mode::Contract, Ok(value)) => {
                let mut problems = Vec::new();
                // A union or enum value the client does not know means the generated types
                // and the spec's examples disagree, even though decoding "succeeded".
                let shown = format!("{value:?}");
                if shown.contains("UnknownVariant") || shown.contains("UnknownValue") {
                    problems.push(format!("decoded, but into an unknown variant or value: {shown}"));
                }
                if let (Some(body), Some(schema)) = (&body, &spec_op.body_schema) {
                    let mut found = Vec::new();
                    undeclared_properties(self.spec, schema, body, "body", &mut found);
                    if !found.is_empty() {
                        problems.push(format!("the request body has properties the spec does not declare: {found:?}"));
                    }
                }
                let decoded = serde_json::to_value(&value).unwrap();
                if let (Some(example), Some(schema), false) =
                    (&spec_op.success_example, &spec_op.success_schema, decoded.is_null())
                {
                    let mut found = Vec::new();
                    dropped_properties(self.spec, schema, example, &decoded, "response", &mut found);
                    if !found.is_empty() {
                        problems.push(format!("the decoded response lost properties the spec declares: {found:?}"));
                    }
                }
                (!problems.is_empty()).then(|| problems.join("; "))
            }
            (Mode::Contract, Err(e)) => Some(e.to_string()),
            (Mode::BrokenExamples, result) => {
                let broken = spec_op.success_has_body;
                match result {
                    // Prism's problem body names where the violation is: it must be the
                    // response (the broken example), not the request.
                    Err(e)
                        if broken
                            && status_of(&e) == Some(500)
                            && e.to_string().contains(r#""location":["response""#) =>
                    {
                        None
                    }
                    Ok(_) if !broken => None,
                    Ok(value) => Some(format!("Prism served the broken example and the client accepted it: {value:?}")),
                    Err(e) => Some(e.to_string()),
                }
            }
        };
        self.records.push(Record { op, case: case.to_owned(), kind: Kind::Call, problem });
    }

    /// Records a request that breaks the spec on purpose and must be refused with one of
    /// `expected`.
    fn refused(&mut self, op: &'static str, case: &str, expected: &'static [u16], status: Option<u16>, detail: String) {
        let problem = match status {
            Some(s) if expected.contains(&s) => None,
            _ => Some(format!("expected Prism to refuse it with {expected:?}, got {detail}")),
        };
        self.records.push(Record { op, case: case.to_owned(), kind: Kind::Refused(expected), problem });
    }

    /// Sends `body` as the request body of `op` through the client's own plumbing (auth,
    /// default headers), with valid path parameters.
    async fn send_raw_body(&mut self, client: &vbr::Client, op: &'static str, media: &str, body: &str, case: &str) {
        let spec_op = self.spec_op(op);
        let path = concrete_path(spec_op);
        let method = match spec_op.method.as_str() {
            "GET" => Method::Get,
            "PUT" => Method::Put,
            "POST" => Method::Post,
            "DELETE" => Method::Delete,
            "PATCH" => Method::Patch,
            other => panic!("{op}: no body test for {other}"),
        };
        // The runtime wants operation descriptions with static lifetime, as generated code
        // has; a few leaked bytes per test run are the price.
        let operation: &'static Operation = Box::leak(Box::new(Operation {
            id: op,
            method,
            path: Box::leak(spec_op.path.clone().into_boxed_str()),
            auth: &[AuthScheme::Bearer],
        }));
        let media: &'static str = Box::leak(media.to_owned().into_boxed_str());
        let mut request = client.core().request(operation, path);
        request.body_text(media, body);
        match request.send::<vbr::types::ErrorModel>().await {
            Ok(response) => {
                let detail = format!("{} {}", response.status(), String::from_utf8_lossy(&response.bytes()));
                self.refused(op, case, &[400, 422], Some(response.status()), detail)
            }
            Err(e) => self.refused(op, case, &[400, 422], None, e.to_string()),
        }
    }

    /// Matches each record with the request Prism logged for it, checks that the request hit
    /// the operation it claims to call and that Prism logged no violation for a call that had
    /// to pass, prints one line per record and returns the failures.
    fn finish(mut self) -> (Vec<String>, BTreeSet<&'static str>) {
        let blocks = self.prism.request_blocks(self.records.len());
        let mut failures = Vec::new();
        if blocks.len() != self.records.len() {
            failures.push(format!(
                "Prism logged {} requests for {} calls; requests: {:#?}",
                blocks.len(),
                self.records.len(),
                blocks.iter().map(|(r, _)| r).collect::<Vec<_>>()
            ));
        }
        for (i, record) in self.records.iter_mut().enumerate() {
            let spec_op = &self.ops[record.op];
            let Some((request, lines)) = blocks.get(i) else { continue };
            let (method, path) = request.split_once(' ').unwrap_or_default();
            if method != spec_op.method || !path_matches(&spec_op.path, path) {
                record
                    .problem
                    .get_or_insert_with(String::new)
                    .push_str(&format!(" [Prism received `{request}`, not {} {}]", spec_op.method, spec_op.path));
            }
            // Validator findings only: the negotiator also warns, e.g. that a 204 has no
            // content for `Accept: application/json`, which is not a contract matter.
            let violations: Vec<&String> = lines
                .iter()
                .filter(|l| {
                    (l.contains("[VALIDATOR]") && (l.contains("✖") || l.contains("⚠")))
                        || l.contains("Violation:")
                        || l.contains("Request terminated")
                })
                .collect();
            let expect_clean = record.kind == Kind::Call && (self.mode == Mode::Contract || !spec_op.success_has_body);
            if expect_clean && !violations.is_empty() && record.problem.is_none() {
                record.problem = Some("succeeded, but Prism logged violations".into());
            }
            if let Some(problem) = &mut record.problem {
                for line in violations {
                    problem.push_str("\n        prism: ");
                    problem.push_str(line);
                }
            }
        }
        println!("\n{:?} against Prism ({}):", self.mode, self.prism.log.display());
        for record in &self.records {
            let kind = match record.kind {
                Kind::Call => String::new(),
                Kind::Refused(expected) => format!(" (must be refused: {expected:?})"),
            };
            match &record.problem {
                None => println!("  ok    {} {}{kind}", record.op, record.case),
                Some(problem) => {
                    println!("  FAIL  {} {}{kind}: {problem}", record.op, record.case);
                    failures.push(format!("{} {}{kind}: {problem}", record.op, record.case));
                }
            }
        }
        let called = self.records.iter().filter(|r| r.kind == Kind::Call).map(|r| r.op).collect();
        (failures, called)
    }
}

// Prism checks every value against its schema, but the spec's objects allow properties they
// do not declare (JSON Schema's default), so Prism cannot see a client that sends an optional
// property under the wrong name, or one that silently drops a declared property it receives.
// These two walks over the schema close that gap; they need the acyclic copy of the spec.

/// The properties a schema declares for an object `value`, following `$ref`, `allOf` and, for
/// a union, the variant the value's discriminator selects; `None` for a free-form object (or
/// a union member the discriminator does not select, which Prism has already refused).
fn declared_properties<'s>(spec: &'s Value, schema: &'s Value, value: &Value) -> Option<BTreeMap<&'s str, &'s Value>> {
    fn collect<'s>(spec: &'s Value, schema: &'s Value, value: &Value, out: &mut BTreeMap<&'s str, &'s Value>) -> bool {
        let schema = resolve(spec, schema);
        let mut constrained = false;
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            out.extend(properties.iter().map(|(k, v)| (k.as_str(), v)));
            constrained = true;
        }
        for member in schema.get("allOf").and_then(Value::as_array).into_iter().flatten() {
            constrained |= collect(spec, member, value, out);
        }
        if let Some(members) = schema.get("oneOf").and_then(Value::as_array) {
            let discriminator = &schema["discriminator"];
            let selected =
                discriminator["propertyName"].as_str().and_then(|p| value.get(p)).and_then(Value::as_str).and_then(
                    |tag| {
                        let target = discriminator["mapping"][tag]
                            .as_str()
                            .map(str::to_owned)
                            .unwrap_or(format!("#/components/schemas/{tag}"));
                        members.iter().find(|m| m["$ref"] == target.as_str())
                    },
                );
            match selected {
                Some(variant) => constrained |= collect(spec, variant, value, out),
                None => return false,
            }
        }
        constrained
    }
    let mut out = BTreeMap::new();
    collect(spec, schema, value, &mut out).then_some(out)
}

fn items_schema<'s>(spec: &'s Value, schema: &'s Value) -> Option<&'s Value> {
    resolve(spec, schema).get("items")
}

/// Properties of a request body the spec does not declare (a misspelt or invented name).
fn undeclared_properties(spec: &Value, schema: &Value, value: &Value, at: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            let Some(declared) = declared_properties(spec, schema, value) else { return };
            for (key, item) in map {
                match declared.get(key.as_str()) {
                    Some(property) => undeclared_properties(spec, property, item, &format!("{at}.{key}"), out),
                    None => out.push(format!("{at}.{key}")),
                }
            }
        }
        Value::Array(items) => {
            if let Some(schema) = items_schema(spec, schema) {
                for (i, item) in items.iter().enumerate() {
                    undeclared_properties(spec, schema, item, &format!("{at}[{i}]"), out);
                }
            }
        }
        _ => {}
    }
}

/// Declared properties of the spec's example that the decoded value (serialized again) no
/// longer has: a field the generated type lacks or fails to rename.
fn dropped_properties(spec: &Value, schema: &Value, example: &Value, decoded: &Value, at: &str, out: &mut Vec<String>) {
    match (example, decoded) {
        (Value::Object(example_map), Value::Object(decoded_map)) => {
            let declared = declared_properties(spec, schema, example);
            for (key, item) in example_map {
                let property = declared.as_ref().map(|d| d.get(key.as_str()).copied());
                // A property the spec does not declare is the example's business, not the
                // client's; in a free-form object every property must survive.
                let Some(property) = property.unwrap_or(Some(&Value::Null)) else { continue };
                match decoded_map.get(key) {
                    Some(decoded_item) => {
                        dropped_properties(spec, property, item, decoded_item, &format!("{at}.{key}"), out)
                    }
                    None => out.push(format!("{at}.{key}")),
                }
            }
        }
        (Value::Array(example_items), Value::Array(decoded_items)) => {
            if example_items.len() != decoded_items.len() {
                out.push(format!("{at} ({} items, {} decoded)", example_items.len(), decoded_items.len()));
            } else if let Some(schema) = items_schema(spec, schema) {
                for (i, (e, d)) in example_items.iter().zip(decoded_items).enumerate() {
                    dropped_properties(spec, schema, e, d, &format!("{at}[{i}]"), out);
                }
            }
        }
        _ => {}
    }
}

/// The operation's path with valid values for its parameters.
fn concrete_path(op: &SpecOp) -> String {
    op.path
        .split('/')
        .map(|segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) if op.uuid_params.contains(name) => Uuid::new_v4().to_string(),
            Some(_) => "contract-code".to_owned(),
            None => segment.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn path_matches(template: &str, path: &str) -> bool {
    let (t, p): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len() && t.iter().zip(&p).all(|(t, p)| t.starts_with('{') || t == p)
}

fn client_for(prism: &Prism) -> vbr::Client {
    vbr::Client::builder(prism.base_url())
        .timeout(Duration::from_secs(20))
        // One request per call, so Prism's log lines up with the calls.
        .retry(RetryPolicy { max_attempts: 1, ..RetryPolicy::default() })
        .build()
        .unwrap()
}

fn certificate() -> CertificateUploadSpec {
    CertificateUploadSpec {
        certificate: Secret::from("MIIKcQIBAzCCCjcGCSqGSIb3DQEHAaCCCigEggokMIIKIDCCBNcGCSqGSIb3DQEHBqCCBMgwggTEAgEA"),
        format_type: ECertificateFileFormatType::Pfx,
        password: Some(Secret::from("certificate-password")),
    }
}

/// Calls every operation of the spec once with valid arguments, and union request bodies once
/// per variant.
async fn call_every_operation(client: &vbr::Client, run: &mut Run<'_>) {
    let id = Uuid::new_v4;
    let now = Utc::now();

    // Login. In `BrokenExamples` the token answer is broken on purpose, so the client gets a
    // token directly instead.
    if run.mode == Mode::Contract {
        run.call(
            "CreateToken",
            "client.login (password grant)",
            client.login("administrator", Secret::from("P@ssw0rd")),
        )
        .await;
    } else {
        client.core().set_bearer_token(Secret::from("contract-test-token"));
    }
    let password_grant = TokenLoginSpec {
        grant_type: ELoginGrantType::Password,
        username: Some("administrator".into()),
        password: Some(Secret::from("P@ssw0rd")),
        refresh_token: None,
        code: None,
        use_short_term_refresh: Some(true),
        vbr_token: None,
    };
    run.call_body("CreateToken", "password grant", &password_grant, client.create_token(&password_grant)).await;
    let refresh_grant = TokenLoginSpec {
        grant_type: ELoginGrantType::RefreshToken,
        username: None,
        password: None,
        refresh_token: Some(Secret::from("eyJhbGciOiJSUzUxMiIsInR5cCI6IkpXVCJ9.refresh.signature")),
        code: None,
        use_short_term_refresh: None,
        vbr_token: None,
    };
    run.call_body("CreateToken", "refresh grant", &refresh_grant, client.create_token(&refresh_grant)).await;

    // Credentials.
    let all_creds = GetAllCredsParams {
        skip: Some(0),
        limit: Some(100),
        order_column: Some(ECredentialsFiltersOrderColumn::CreationTime),
        order_asc: Some(false),
        name_filter: Some("*admin*".into()),
        type_filter: Some(ECredentialsType::Linux),
        created_after_filter: Some(now - chrono::Duration::days(30)),
        created_before_filter: Some(now),
        include_default_appliance_creds: Some(true),
    };
    run.call("GetAllCreds", "every filter", client.get_all_creds(&all_creds)).await;
    run.call("GetAllCreds", "[stream]", static_page(client.get_all_creds_stream(all_creds.clone()))).await;
    let standard = CredentialsSpec::Standard(StandardCredentialsSpec {
        username: "TECH\\administrator".into(),
        description: Some("contract test".into()),
        unique_id: Some("contract-standard".into()),
        password: Secret::from("P@ssw0rd"),
    });
    run.call_body("CreateCreds", "[Standard]", &standard, client.create_creds(&standard)).await;
    let linux = CredentialsSpec::Linux(LinuxCredentialsSpec {
        username: "root".into(),
        description: Some("contract test".into()),
        unique_id: Some("contract-linux".into()),
        ssh_port: Some(22),
        elevate_to_root: Some(true),
        add_to_sudoers: Some(false),
        use_su: Some(false),
        private_key: Some(Secret::from(
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
        )),
        passphrase: Some(Secret::from("key passphrase")),
        password: Some(Secret::from("P@ssw0rd")),
        root_password: Some(Secret::from("r00t")),
        authentication_type: EAuthenticationType::SshKey,
    });
    run.call_body("CreateCreds", "[Linux]", &linux, client.create_creds(&linux)).await;
    let gmsa = CredentialsSpec::ManagedService(ManagedServiceCredentialsSpec {
        username: "TECH\\gmsa-backup$".into(),
        description: None,
        unique_id: None,
    });
    run.call_body("CreateCreds", "[ManagedService]", &gmsa, client.create_creds(&gmsa)).await;
    run.call("GetCreds", "", client.get_creds(id())).await;
    let record_id = id();
    let model_standard = CredentialsModel::Standard(StandardCredentialsModel {
        id: record_id,
        username: "TECH\\administrator".into(),
        description: "contract test".into(),
        creation_time: now,
        unique_id: Some("contract-standard".into()),
    });
    run.call_body("UpdateCreds", "[Standard]", &model_standard, client.update_creds(record_id, &model_standard)).await;
    let model_linux = CredentialsModel::Linux(LinuxCredentialsModel {
        id: record_id,
        username: "root".into(),
        description: "contract test".into(),
        creation_time: now,
        unique_id: None,
        ssh_port: Some(2222),
        elevate_to_root: Some(false),
        add_to_sudoers: Some(true),
        use_su: Some(true),
        authentication_type: EAuthenticationType::Password,
    });
    run.call_body("UpdateCreds", "[Linux]", &model_linux, client.update_creds(record_id, &model_linux)).await;
    let model_gmsa = CredentialsModel::ManagedService(ManagedServiceCredentialsModel {
        id: record_id,
        username: "TECH\\gmsa-backup$".into(),
        description: String::new(),
        creation_time: now,
        unique_id: Some("contract-gmsa".into()),
    });
    run.call_body("UpdateCreds", "[ManagedService]", &model_gmsa, client.update_creds(record_id, &model_gmsa)).await;
    run.call("DeleteCreds", "", client.delete_creds(id())).await;
    let new_password = CredentialsPasswordChangeSpec { password: Secret::from("N3w-P@ssw0rd") };
    run.call_body("ChangePasswordForCreds", "", &new_password, client.change_password_for_creds(id(), &new_password))
        .await;
    let new_key = PrivateKeyChangeSpec {
        private_key: Secret::from(
            "-----BEGIN OPENSSH PRIVATE KEY-----\nbmV3IGtleQ==\n-----END OPENSSH PRIVATE KEY-----\n",
        ),
        passphrase: Some(Secret::from("new passphrase")),
    };
    run.call_body("ChangePrivateKeyForCreds", "", &new_key, client.change_private_key_for_creds(id(), &new_key)).await;
    run.call_body(
        "ChangeRootPasswordForCreds",
        "",
        &new_password,
        client.change_root_password_for_creds(id(), &new_password),
    )
    .await;

    // Cloud credentials.
    let all_cloud = GetAllCloudCredsParams {
        skip: Some(10),
        limit: Some(10),
        order_column: Some(ECloudCredentialsFiltersOrderColumn::LastModified),
        order_asc: Some(true),
        name_filter: Some("azure*".into()),
        type_filter: Some(ECloudCredentialsType::AzureCompute),
    };
    run.call("GetAllCloudCreds", "every filter", client.get_all_cloud_creds(&all_cloud)).await;
    run.call("GetAllCloudCreds", "[stream]", static_page(client.get_all_cloud_creds_stream(all_cloud.clone()))).await;
    let cloud_specs = [
        (
            "[Amazon]",
            CloudCredentialsSpec::Amazon(AmazonCloudCredentialsSpec {
                description: Some("AWS".into()),
                unique_id: Some("contract-aws".into()),
                access_key: "AKIAIOSFODNN7EXAMPLE".into(),
                secret_key: Secret::from("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            }),
        ),
        (
            "[AzureStorage]",
            CloudCredentialsSpec::AzureStorage(AzureStorageCloudCredentialsSpec {
                description: Some("Azure storage account".into()),
                unique_id: None,
                account: "williamfox".into(),
                shared_key: Secret::from(
                    "0sF53pZ/c8cVk+sEMby1lGZzA4SJezapyrFysdjlfLlUwMESTW6dEnkC3x62USr4cwHgPxarsBCE+ASt1Zjmwg==",
                ),
            }),
        ),
        (
            "[AzureCompute, existing account]",
            CloudCredentialsSpec::AzureCompute(AzureComputeCloudCredentialsSpec {
                description: Some("Azure compute".into()),
                unique_id: Some("contract-azure".into()),
                connection_name: "Production subscription".into(),
                creation_mode: EAzureComputeCredentialsCreationMode::ExistingAccount,
                existing_account: Some(AzureComputeCredentialsExistingAccountSpec {
                    deployment: AzureComputeCloudCredentialsDeploymentModel {
                        deployment_type: EAzureComputeCredentialsDeploymentType::MicrosoftAzure,
                        region: Some(EAzureRegionType::Global),
                    },
                    subscription: AzureComputeCloudCredentialsSubscriptionSpec {
                        tenant_id: "72f988bf-86f1-41af-91ab-2d7cd011db47".into(),
                        application_id: "00000000-0000-0000-0000-000000000001".into(),
                        secret: Some(Secret::from("client secret")),
                        certificate: Some(certificate()),
                    },
                }),
                new_account: None,
            }),
        ),
        (
            "[AzureCompute, new account]",
            CloudCredentialsSpec::AzureCompute(AzureComputeCloudCredentialsSpec {
                description: None,
                unique_id: None,
                connection_name: "New app registration".into(),
                creation_mode: EAzureComputeCredentialsCreationMode::NewAccount,
                existing_account: None,
                new_account: Some(AzureComputeCredentialsNewAccountSpec {
                    region: EAzureRegionType::Government,
                    verification_code: "EH4K9QX2".into(),
                }),
            }),
        ),
        (
            "[Google]",
            CloudCredentialsSpec::Google(GoogleCloudCredentialsSpec {
                description: Some("Google HMAC key".into()),
                unique_id: None,
                access_key: "GOOG1EXAMPLE".into(),
                secret_key: Secret::from("bGoa+V7g/yqDXvKRqq+JTFn4uQZbPiQJo4pf9RzJ"),
            }),
        ),
        (
            "[GoogleService]",
            CloudCredentialsSpec::GoogleService(GoogleCloudServiceCredentialsSpec {
                description: Some("Google service account".into()),
                unique_id: None,
                existing_account: GoogleCloudServiceCredentialsExistingAccountSpec {
                    key_file: Secret::from("eyJ0eXBlIjoic2VydmljZV9hY2NvdW50In0="),
                },
            }),
        ),
    ];
    for (case, body) in &cloud_specs {
        run.call_body("CreateCloudCreds", case, body, client.create_cloud_creds(body)).await;
    }
    let device_code =
        CloudDeviceCodeSpec::AzureCompute(AzureComputeCloudDeviceCodeSpec { region: EAzureRegionType::China });
    run.call_body(
        "RequestAppRegistrationByDeviceCode",
        "[AzureCompute]",
        &device_code,
        client.request_app_registration_by_device_code(&device_code),
    )
    .await;
    // A code with characters that must be percent-encoded in a path segment.
    run.call("FinishAppRegistrationByDeviceCode", "", client.finish_app_registration_by_device_code("EH4K 9QX2/+"))
        .await;
    run.call("RequestAuthentication", "", client.request_authentication()).await;
    run.call("GetCloudCreds", "", client.get_cloud_creds(id())).await;
    let cloud_id = id();
    let cloud_models = [
        (
            "[Amazon]",
            CloudCredentialsModel::Amazon(AmazonCloudCredentialsModel {
                id: cloud_id,
                description: Some("AWS".into()),
                last_modified: Some(now),
                unique_id: Some("contract-aws".into()),
                access_key: "AKIAIOSFODNN7EXAMPLE".into(),
            }),
        ),
        (
            "[AzureStorage]",
            CloudCredentialsModel::AzureStorage(AzureStorageCloudCredentialsModel {
                id: cloud_id,
                description: None,
                last_modified: None,
                unique_id: None,
                account: "williamfox".into(),
            }),
        ),
        (
            "[AzureCompute]",
            CloudCredentialsModel::AzureCompute(AzureComputeCloudCredentialsModel {
                id: cloud_id,
                description: Some("Azure compute".into()),
                last_modified: Some(now),
                unique_id: None,
                connection_name: "Production subscription".into(),
                deployment: AzureComputeCloudCredentialsDeploymentModel {
                    deployment_type: EAzureComputeCredentialsDeploymentType::MicrosoftAzureStack,
                    region: None,
                },
                subscription: AzureComputeCloudCredentialsSubscriptionModel {
                    tenant_id: "72f988bf-86f1-41af-91ab-2d7cd011db47".into(),
                    application_id: "00000000-0000-0000-0000-000000000001".into(),
                    secret: Some(Secret::from("client secret")),
                    subscriptions: Some(vec![AzureComputeCloudCredentialsSubscriptionInfo {
                        id: id(),
                        azure_subscription_id: "d079718b-ff63-45dd-947b-4950c023750f".into(),
                        azure_subscription_name: Some("Pay-As-You-Go".into()),
                    }]),
                },
            }),
        ),
        (
            "[Google]",
            CloudCredentialsModel::Google(GoogleCloudCredentialsModel {
                id: cloud_id,
                description: None,
                last_modified: Some(now),
                unique_id: None,
                access_key: "GOOG1EXAMPLE".into(),
            }),
        ),
        (
            "[GoogleService]",
            CloudCredentialsModel::GoogleService(GoogleCloudServiceCredentialsModel {
                id: cloud_id,
                description: None,
                last_modified: None,
                unique_id: None,
                name: Some("backup@project.iam.gserviceaccount.com".into()),
                project_id: Some("project-123".into()),
            }),
        ),
    ];
    for (case, body) in &cloud_models {
        run.call_body("UpdateCloudCreds", case, body, client.update_cloud_creds(cloud_id, body)).await;
    }
    run.call("DeleteCloudCreds", "", client.delete_cloud_creds(id())).await;
    let secret_key = CloudCredentialsPasswordSpec { new_secret_key: Secret::from("n3w-s3cret-key") };
    run.call_body(
        "ChangeCloudCredsSecretKey",
        "",
        &secret_key,
        client.change_cloud_creds_secret_key(id(), &secret_key),
    )
    .await;
    let account = GoogleCloudServiceCredentialsExistingAccountSpec {
        key_file: Secret::from("eyJ0eXBlIjoic2VydmljZV9hY2NvdW50In0="),
    };
    run.call_body("ChangeAccount", "", &account, client.change_account(id(), &account)).await;
    // Prism answers the first success status, 200 with the record; the 204 variant has no body.
    let new_certificate = certificate();
    let certificate_change = client.change_cloud_certificate(id(), &new_certificate).map_ok(|answer| match answer {
        ChangeCloudCertificateResponse::Ok(record) => Some(record),
        ChangeCloudCertificateResponse::NoContent => None,
    });
    run.call_body("ChangeCloudCertificate", "", &new_certificate, certificate_change).await;
    // The other documented success statuses, which Prism answers when asked with `Prefer`.
    // Only against the unbroken spec: the broken copy breaks the first success example only.
    if run.mode == Mode::Contract {
        let prefer = |code: &str| {
            vbr::Client::builder(client.core().base_url())
                .header("Prefer", format!("code={code}"))
                .retry(RetryPolicy { max_attempts: 1, ..RetryPolicy::default() })
                .build()
                .unwrap()
        };
        let (prefer_201, prefer_204) = (prefer("201"), prefer("204"));
        prefer_201.core().set_bearer_token(Secret::from("contract-test-token"));
        prefer_204.core().set_bearer_token(Secret::from("contract-test-token"));
        run.call_body("ChangeAccount", "[201]", &account, prefer_201.change_account(id(), &account)).await;
        let no_content = prefer_204.change_cloud_certificate(id(), &new_certificate).and_then(|answer| async move {
            match answer {
                ChangeCloudCertificateResponse::NoContent => Ok(()),
                other => Err(runtime::Error::Decode {
                    operation: "ChangeCloudCertificate",
                    status: 204,
                    path: ".".into(),
                    message: format!("expected NoContent, got {other:?}"),
                }),
            }
        });
        run.call_body("ChangeCloudCertificate", "[204]", &new_certificate, no_content).await;
    }
    let appliances = GetAllCredsHelperAppliancesWithFilteringParams { skip: Some(0), limit: Some(5) };
    let azure_account = id();
    run.call(
        "GetAllCredsHelperAppliancesWithFiltering",
        "skip and limit",
        client.get_all_creds_helper_appliances_with_filtering(azure_account, &appliances),
    )
    .await;
    let appliance_stream =
        static_page(client.get_all_creds_helper_appliances_with_filtering_stream(azure_account, appliances.clone()));
    run.call("GetAllCredsHelperAppliancesWithFiltering", "[stream]", appliance_stream).await;
    let appliance = CloudHelperApplianceSpec::AzureCompute(AzureLinuxHelperApplianceSpec {
        subscription_id: id(),
        location: Some("westeurope".into()),
        storage_account: Some("backupstorage".into()),
        resource_group: Some("backup-rg".into()),
        virtual_network: Some("backup-vnet".into()),
        subnet: Some("default".into()),
        ssh_port: Some(22),
    });
    run.call_body(
        "CreateCloudCredsHelperAppliance",
        "[AzureCompute]",
        &appliance,
        client.create_cloud_creds_helper_appliance(id(), &appliance),
    )
    .await;
    run.call("GetCloudCredsHelperAppliance", "", client.get_cloud_creds_helper_appliance(id(), id())).await;
    run.call("DeleteCloudCredsHelperApplianceAsync", "", client.delete_cloud_creds_helper_appliance_async(id(), id()))
        .await;

    // Encryption passwords.
    let all_passwords = GetAllEncryptionPasswordsParams {
        skip: Some(0),
        limit: Some(200),
        order_column: Some(EEncryptionPasswordsFiltersOrderColumn::ModificationTime),
        order_asc: Some(true),
        hint_filter: Some("*pet*".into()),
    };
    run.call("GetAllEncryptionPasswords", "every filter", client.get_all_encryption_passwords(&all_passwords)).await;
    run.call(
        "GetAllEncryptionPasswords",
        "[stream]",
        static_page(client.get_all_encryption_passwords_stream(all_passwords.clone())),
    )
    .await;
    let password = EncryptionPasswordSpec {
        password: Secret::from("passsw3wrsdf2d44"),
        hint: "Pet name".into(),
        unique_id: Some("vcenter01".into()),
        is_imported: Some(false),
    };
    run.call_body("CreateEncryptionPassword", "", &password, client.create_encryption_password(&password)).await;
    run.call("GetEncryptionPassword", "", client.get_encryption_password(id())).await;
    let password_id = id();
    let hint = EncryptionPasswordModel {
        id: password_id,
        hint: "First pet's name".into(),
        modification_time: Some(now),
        unique_id: Some("vcenter01".into()),
        is_imported: Some(true),
    };
    run.call_body("UpdateEncryptionPassword", "", &hint, client.update_encryption_password(password_id, &hint)).await;
    run.call("DeleteEncryptionPassword", "", client.delete_encryption_password(id())).await;
    let change = EncryptionPasswordChangeSpec { hint: "Pet name".into(), password: Secret::from("n3w-passsw3wrd") };
    run.call_body("ChangeEncryptionPassword", "", &change, client.change_encryption_password(id(), &change)).await;
    let verify = EncryptionPasswordVerifySpec { password: Secret::from("passsw3wrsdf2d44") };
    run.call_body("VerifyEncryptionPassword", "", &verify, client.verify_encryption_password(id(), &verify)).await;

    // KMS servers.
    let all_kms = GetAllKMSServersParams {
        skip: Some(0),
        limit: Some(50),
        order_column: Some(EKMSFiltersOrderColumn::Name),
        order_asc: Some(true),
        name_filter: Some("kms*".into()),
        type_filter: Some(EKeyManagementServerType::KMS),
    };
    run.call("GetAllKMSServers", "every filter", client.get_all_kms_servers(&all_kms)).await;
    run.call("GetAllKMSServers", "[stream]", static_page(client.get_all_kms_servers_stream(all_kms.clone()))).await;
    let kms = KeyManagementServerBaseSpec::KMS(CommonKeyManagementServerSpec {
        name: "kms.tech.local".into(),
        description: Some("KMIP server".into()),
        port: 5696,
        server_certificate: certificate(),
        client_certificate: certificate(),
    });
    run.call_body("CreateKMSServer", "[KMS]", &kms, client.create_kms_server(&kms)).await;
    run.call("GetKMSServer", "", client.get_kms_server(id())).await;
    let kms_id = id();
    let kms_model = KeyManagementServerBaseModel::KMS(CommonKeyManagementServerModel {
        id: kms_id,
        name: "kms.tech.local".into(),
        description: None,
        port: 5696,
        server_certificate_thumbprint: Some("2C5E2B4A6F1D0E9C8B7A6F5E4D3C2B1A09F8E7D6".into()),
        client_certificate_thumbprint: None,
    });
    run.call_body("UpdateKMSServer", "[KMS]", &kms_model, client.update_kms_server(kms_id, &kms_model)).await;
    run.call("DeleteKMSServer", "", client.delete_kms_server(id())).await;
    let kms_certificate =
        KMSServerChangeCertificateSpec { certificate: certificate(), r#type: EKMSCertificateType::Client };
    run.call_body(
        "ChangeKMServerCertificate",
        "",
        &kms_certificate,
        client.change_km_server_certificate(id(), &kms_certificate),
    )
    .await;

    // Last, as a real session would end. The spec marks Logout `x-logout`, so the client
    // forgets its tokens: a later call has no Authorization header until it logs in again.
    run.call("Logout", "", client.logout()).await;
}

fn assert_every_operation_called(ops: &BTreeMap<String, SpecOp>, called: &BTreeSet<&'static str>) {
    let in_spec: BTreeSet<&str> = ops.keys().map(String::as_str).collect();
    let missing: Vec<&&str> = in_spec.difference(called).collect();
    let unknown: Vec<&&str> = called.difference(&in_spec).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "the operations called must be exactly those of spec/vbr.yaml; not called: {missing:?}, not in the spec: {unknown:?}"
    );
}

fn assert_no_failures(failures: &[String], what: &str) {
    assert!(failures.is_empty(), "{what}: {} failure(s):\n  {}", failures.len(), failures.join("\n  "));
}

// ---------------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------------

/// Every operation, called through the generated client with valid arguments, is accepted by
/// Prism and its answer decodes; and requests that break the spec are refused, which shows
/// Prism is checking.
#[tokio::test]
async fn every_operation_honours_the_contract() {
    let spec = prism_spec();
    let ops = spec_operations(&spec);
    let prism = Prism::start(&write_spec(&spec, "vbr.prism"), "contract");
    let client = client_for(&prism);
    let mut run = Run::new(&prism, &spec, &ops, Mode::Contract);

    call_every_operation(&client, &mut run).await;

    // Logout is marked `x-logout`: the client forgot its tokens, so the next call goes out
    // without a bearer token and Prism refuses it.
    match client.get_all_creds(&GetAllCredsParams::default()).await {
        Err(e) => run.refused("GetAllCreds", "after logout", &[401], status_of(&e), e.to_string()),
        Ok(v) => run.refused("GetAllCreds", "after logout", &[401], None, format!("Ok({v:?})")),
    }
    client.core().set_bearer_token(Secret::from("contract-test-token"));

    // Requests that break the spec must be refused, or the calls above prove nothing.
    let anonymous = client_for(&prism);
    match anonymous.get_all_creds(&GetAllCredsParams::default()).await {
        Err(e) => run.refused("GetAllCreds", "without a bearer token", &[401], status_of(&e), e.to_string()),
        Ok(v) => run.refused("GetAllCreds", "without a bearer token", &[401], None, format!("Ok({v:?})")),
    }
    // `ClientBuilder::new` skips the spec's default headers, so `x-api-version` is missing.
    let unversioned: vbr::Client = runtime::ClientBuilder::new(prism.base_url())
        .retry(RetryPolicy { max_attempts: 1, ..RetryPolicy::default() })
        .build()
        .unwrap();
    unversioned.core().set_bearer_token(Secret::from("contract-test-token"));
    match unversioned.get_all_creds(&GetAllCredsParams::default()).await {
        Err(e) => run.refused("GetAllCreds", "without x-api-version", &[400, 422], status_of(&e), e.to_string()),
        Ok(v) => run.refused("GetAllCreds", "without x-api-version", &[400, 422], None, format!("Ok({v:?})")),
    }
    // A Standard record without its password: only a check that descends into the union
    // variant can see this.
    let no_password = json!({ "type": "Standard", "username": "administrator" }).to_string();
    run.send_raw_body(&client, "CreateCreds", "application/json", &no_password, "Standard record without password")
        .await;
    let with_body: Vec<(&'static str, String)> = ops
        .iter()
        .filter(|(_, op)| !op.body_media.is_empty())
        .map(|(id, op)| (leak(id), op.body_media[0].clone()))
        .collect();
    for (op, media) in with_body {
        let body = if media == "application/json" {
            serde_json::to_string(NOT_AN_OBJECT).unwrap()
        } else {
            NOT_AN_OBJECT.to_owned()
        };
        run.send_raw_body(&client, op, &media, &body, &format!("{media} body that is not an object")).await;
    }

    let (failures, called) = run.finish();
    assert_no_failures(&failures, "the VBR client against Prism");
    assert_every_operation_called(&ops, &called);
}

/// The same calls against a copy of the spec whose success examples are broken: Prism must
/// refuse to serve every one of them. This shows that Prism checks the response of every
/// operation, so `Ok` in the contract test means the spec's examples match the spec.
#[tokio::test]
async fn prism_refuses_every_broken_response() {
    let mut spec = prism_spec();
    let ops = spec_operations(&spec);
    break_success_examples(&mut spec);
    let prism = Prism::start(&write_spec(&spec, "vbr.broken-examples"), "broken-examples");
    let client = client_for(&prism);
    let mut run = Run::new(&prism, &spec, &ops, Mode::BrokenExamples);

    call_every_operation(&client, &mut run).await;

    let (failures, called) = run.finish();
    assert_no_failures(&failures, "broken response examples");
    assert_every_operation_called(&ops, &called);
}

/// Pins down the Prism limitation the two tests above work around: on `spec/vbr.yaml` as it
/// is, Prism accepts a union body that breaks the spec, because its validator overflows the
/// stack on the union cycle and treats the failure as "valid". If this starts failing, the
/// pinned Prism has learnt to check such schemas: run the contract on `spec/vbr.yaml`
/// directly and delete `break_union_cycles`.
#[tokio::test]
async fn prism_cannot_check_the_curated_spec_as_is() {
    let spec = load_spec();
    let ops = spec_operations(&spec);
    let prism = Prism::start(&root().join("spec/vbr.yaml"), "curated-as-is");
    let client = client_for(&prism);
    client.core().set_bearer_token(Secret::from("contract-test-token"));
    let no_password = json!({ "type": "Standard", "username": "administrator" }).to_string();
    let mut run = Run::new(&prism, &spec, &ops, Mode::Contract);
    run.send_raw_body(&client, "CreateCreds", "application/json", &no_password, "Standard record without password")
        .await;
    let record = run.records.pop().unwrap();
    assert!(
        record.problem.as_deref().is_some_and(|p| p.contains("got 201")),
        "Prism on spec/vbr.yaml was expected to accept an invalid union body with 201 (the known limitation), \
         but the outcome was {:?}; if Prism now refuses it, the workaround in this file can go",
        record.problem
    );
}

/// The property checks themselves (no Prism): they see a misspelt name inside a union
/// variant, a property lost in decoding inside an array of unions, and nothing else.
#[test]
fn property_checks_see_misnamed_and_lost_properties() {
    let spec = prism_spec();
    let ops = spec_operations(&spec);

    let create = &ops["CreateCreds"];
    let mut found = Vec::new();
    let body =
        json!({ "type": "Linux", "username": "root", "authenticationType": "SshKey", "SSHPort": 22, "sshPort": 22 });
    undeclared_properties(&spec, create.body_schema.as_ref().unwrap(), &body, "body", &mut found);
    assert_eq!(found, ["body.sshPort"]);

    let list = &ops["GetAllCredsHelperAppliancesWithFiltering"];
    let (schema, example) = (list.success_schema.as_ref().unwrap(), list.success_example.as_ref().unwrap());
    let mut found = Vec::new();
    dropped_properties(&spec, schema, example, example, "response", &mut found);
    assert_eq!(found, Vec::<String>::new());
    let mut decoded = example.clone();
    decoded["data"][0].as_object_mut().unwrap().remove("SSHPort");
    dropped_properties(&spec, schema, example, &decoded, "response", &mut found);
    assert_eq!(found, ["response.data[0].SSHPort"]);
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

/// A `*_stream` against Prism. Prism serves the same example page whatever `skip` asks, with
/// the example's numbers (Veeam's examples report `total: 0, count: 0` beside one record),
/// so the stream's guard against a server that does not page, `Error::Paging`, is the
/// expected end of a listing there. Any other error is a failure.
async fn static_page<T>(stream: impl Stream<Item = Result<T, vbr::Error>>) -> Result<Vec<T>, vbr::Error> {
    let mut stream = std::pin::pin!(stream);
    let mut items = Vec::new();
    while let Some(item) = stream.next().await {
        match item {
            Ok(item) => items.push(item),
            Err(vbr::Error::Paging { .. }) => break,
            Err(e) => return Err(e),
        }
    }
    Ok(items)
}
