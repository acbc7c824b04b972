//! Calling the client, recording each call, and judging the answers: by the mode, by Prism's
//! log of the request, and by two property checks Prism cannot make.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use futures::StreamExt;

use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;
use veeam_client::runtime::dispatch::{DispatchError, Input};
use veeam_client::runtime::{self, AuthScheme, Method, Operation, RetryPolicy};
use veeam_client::vbr;

use super::server::Prism;
use super::spec::{resolve, SpecOp};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Mode {
    /// Prism runs on the spec: every call must succeed.
    Contract,
    /// Prism runs on a copy whose success examples are broken: every call whose answer has a
    /// body must fail with Prism's 500, the others must succeed.
    BrokenExamples,
    /// Prism runs on Veeam's own document of the revision the client speaks, and makes every
    /// answer up from that document's schemas (`--dynamic`, seeded, every optional property
    /// filled): every call must succeed, so every request is valid by Veeam's document and
    /// whatever it lets a server answer decodes.
    VeeamsDocument,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// A generated method called with valid arguments.
    Call,
    /// A request built to break the spec; `expected` lists the statuses that refuse it.
    Refused(&'static [u16]),
}

/// Which answer Prism is asked for, and so what the decoded answer is compared with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Expect {
    /// The lowest success status, with its `example` (or first named example).
    Default,
    /// Another success status (`Prefer: code=…`), with its example.
    Status(String),
    /// A named example of the lowest success status (`Prefer: example=…`).
    Example(String),
    /// Nothing: the body is a union variant the revision spoken lacks, which the client must
    /// refuse before sending (`Error::Unsupported` naming it).
    Refusal,
}

pub(super) struct Record {
    op: String,
    case: String,
    kind: Kind,
    /// `None` if the outcome is the expected one.
    pub(super) problem: Option<String>,
    /// How many requests the call sent (a stream may fetch more than one page).
    requests: usize,
}

/// Every request a test sends, in order, with what came of it.
pub(super) struct Run<'a> {
    prism: &'a Prism,
    /// The spec Prism runs on (the union cycles broken), for the property checks.
    spec: &'a Value,
    ops: &'a BTreeMap<String, SpecOp>,
    pub(super) mode: Mode,
    pub(super) records: Vec<Record>,
    /// Prism's request count when the last record was made: each record's requests are the
    /// ones counted since.
    counted: usize,
}

pub(super) fn status_of<E>(error: &runtime::Error<E>) -> Option<u16> {
    match error {
        runtime::Error::Api { status, .. }
        | runtime::Error::UnexpectedStatus { status, .. }
        | runtime::Error::Decode { status, .. } => Some(*status),
        _ => None,
    }
}

impl<'a> Run<'a> {
    pub(super) fn new(prism: &'a Prism, spec: &'a Value, ops: &'a BTreeMap<String, SpecOp>, mode: Mode) -> Self {
        let counted = prism.requests();
        Run { prism, spec, ops, mode, records: Vec::new(), counted }
    }

    fn spec_op(&self, op: &str) -> &'a SpecOp {
        self.ops.get(op).unwrap_or_else(|| panic!("the test calls {op}, which the VBR spec does not define"))
    }

    /// Records a call made through a typed method directly (the client's `login`).
    pub(super) fn typed<T: Serialize>(&mut self, op: &str, case: &str, result: Result<T, vbr::Error>) {
        let result = result
            .map(|v| serde_json::to_value(v).unwrap())
            .map_err(|e| DispatchError::Client(e.map_body(|b| serde_json::to_value(b).unwrap_or_default())));
        self.judge(op, case, None, None, &Expect::Default, result);
    }

    /// Calls `op` through `vbr::dispatch` (its typed method) with `input`, and records whether
    /// it did what the mode expects. In `Contract` mode the body the typed value wrote must
    /// also keep every property the input gave and carry none the spec does not declare
    /// ([`undeclared_properties`]), and the decoded answer must keep every property of the
    /// example `expect` names ([`dropped_properties`]).
    pub(super) async fn dispatch(&mut self, client: &vbr::Client, op: &str, case: &str, input: Value, expect: Expect) {
        let given = input.get("body").cloned();
        let mut input = Input::new(op, input).unwrap();
        let result = vbr::dispatch::call_input(client, &mut input).await;
        let body = given.zip(input.sent_body().cloned());
        let case = match &expect {
            Expect::Default => case.to_owned(),
            Expect::Status(s) => format!("{case}[Prefer code={s}]"),
            Expect::Example(e) => format!("{case}[Prefer example={e}]"),
            Expect::Refusal => format!("{case}[not in the revision]"),
        };
        self.judge(op, &case, body, input.answer_debug().map(str::to_owned), &expect, result);
    }

    /// Lists `op` through `vbr::dispatch::stream` (its typed `*_stream` method), which sends
    /// `requests` requests. Prism serves the same example page whatever `skip` asks, with the
    /// example's numbers, so the stream's guard against a server that does not page,
    /// `Error::Paging`, is the expected end of a listing there (after a second request when
    /// the example's total is larger than its items). Any other error is a failure.
    pub(super) async fn stream(&mut self, client: &vbr::Client, op: &str, input: Value, requests: usize) {
        let result = async {
            let mut input = Input::new(op, input)?;
            let mut stream = vbr::dispatch::stream(client, &mut input)?;
            let mut items = Vec::new();
            while let Some(item) = stream.next().await {
                match item {
                    Ok(item) => items.push(item),
                    Err(DispatchError::Client(runtime::Error::Paging { .. })) => break,
                    Err(e) => return Err(e),
                }
            }
            Ok(Value::Array(items))
        }
        .await;
        self.judge(op, "[stream]", None, None, &Expect::Default, result);
        let in_revision = self.spec_op(op).in_revision;
        let record = self.records.last_mut().unwrap();
        if self.mode == Mode::Contract && in_revision && record.problem.is_none() && record.requests != requests {
            record.problem =
                Some(format!("the stream sent {} request(s); the example page asks for {requests}", record.requests));
        }
    }

    /// The requests Prism received since the last record.
    fn sent_since_last(&mut self) -> usize {
        let now = self.prism.requests();
        let sent = now - self.counted;
        self.counted = now;
        sent
    }

    fn judge(
        &mut self,
        op: &str,
        case: &str,
        body: Option<(Value, Value)>,
        debug: Option<String>,
        expect: &Expect,
        result: Result<Value, DispatchError>,
    ) {
        let spec_op = self.spec_op(op);
        let lowest = spec_op.successes.first().map(|(status, _, _)| status.clone()).unwrap_or_default();
        let status = match expect {
            Expect::Status(s) => s.clone(),
            _ => lowest.clone(),
        };
        let (_, schema, example) = spec_op.successes.iter().find(|(s, _, _)| *s == status).cloned().unwrap_or_default();
        let example = match expect {
            // Prism made the answer up: there is no example to compare it with.
            _ if self.mode == Mode::VeeamsDocument => None,
            Expect::Example(name) => Some(
                spec_op
                    .success_examples
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, value)| value.clone())
                    .unwrap_or_else(|| panic!("{op} has no example named {name}")),
            ),
            _ => example,
        };
        let requests = self.sent_since_last();
        let problem = match (self.mode, result) {
            // The revision the client speaks lacks the operation: refused before sending.
            (_, Err(DispatchError::Client(runtime::Error::Unsupported { field: None, .. })))
                if !spec_op.in_revision && requests == 0 =>
            {
                None
            }
            (_, result) if !spec_op.in_revision => Some(format!(
                "the client's revision lacks {op}: it must be refused before sending, not {}",
                match result {
                    Ok(v) => format!("Ok({v})"),
                    Err(e) => e.to_string(),
                }
            )),
            // The revision the client speaks lacks the union variant: refused before sending.
            (_, Err(DispatchError::Client(runtime::Error::Unsupported { field: Some(_), .. })))
                if *expect == Expect::Refusal && requests == 0 =>
            {
                None
            }
            (_, result) if *expect == Expect::Refusal => Some(format!(
                "the client's revision lacks this union variant: it must be refused before sending, not {}",
                match result {
                    Ok(v) => format!("Ok({v})"),
                    Err(e) => e.to_string(),
                }
            )),
            (Mode::Contract | Mode::VeeamsDocument, Ok(value)) => {
                let mut problems = Vec::new();
                // A union or enum value the client does not know means the generated types
                // and the spec's examples disagree, even though decoding "succeeded" (but for a
                // union whose tag the revision lacks: its catch-all is what it decodes into).
                let unknown = |d: &String| d.contains("UnknownVariant") || d.contains("UnknownValue");
                if let Some(shown) = debug.filter(unknown).filter(|_| !spec_op.untagged_in_revision) {
                    problems.push(format!("decoded, but into an unknown variant or value: {shown}"));
                }
                if let (Some((given, sent)), Some(schema)) = (&body, &spec_op.body_schema) {
                    let mut found = Vec::new();
                    undeclared_properties(self.spec, schema, sent, "body", &mut found);
                    if !found.is_empty() {
                        problems.push(format!("the request body has properties the spec does not declare: {found:?}"));
                    }
                    let mut lost = Vec::new();
                    dropped_properties(self.spec, schema, given, sent, "body", &mut lost);
                    if !lost.is_empty() {
                        problems.push(format!("the typed request body lost properties the input gave: {lost:?}"));
                    }
                }
                // Several success answers of different types come back as `{"status", "body"}`
                // (the generated response enum): the status must be the one Prism was asked
                // for.
                let several = value.as_object().is_some_and(|m| {
                    m.get("status").is_some_and(Value::is_string) && m.keys().all(|k| k == "status" || k == "body")
                });
                let decoded = if several {
                    if value["status"] != status.as_str() {
                        problems.push(format!("expected the {status} answer, got {}", value["status"]));
                    }
                    value.get("body").cloned().unwrap_or(Value::Null)
                } else {
                    value
                };
                if let (Some(example), Some(schema), false) = (&example, &schema, decoded.is_null()) {
                    let mut found = Vec::new();
                    dropped_properties(self.spec, schema, example, &decoded, "response", &mut found);
                    if !found.is_empty() {
                        problems.push(format!("the decoded response lost properties the spec declares: {found:?}"));
                    }
                }
                // A named example of a union must come back as its own variant, or Prism
                // served another example and the variant asked for was never decoded.
                if let (Expect::Example(name), Some(example), Some(schema)) = (expect, &example, &schema) {
                    let tag = resolve(self.spec, schema)["discriminator"]["propertyName"].as_str();
                    if let Some(tag) = tag.filter(|tag| decoded[*tag] != example[*tag]) {
                        problems.push(format!("asked for {name} ({tag} {}), got {tag} {}", example[tag], decoded[tag]));
                    }
                }
                (!problems.is_empty()).then(|| problems.join("; "))
            }
            (Mode::Contract | Mode::VeeamsDocument, Err(e)) => Some(e.to_string()),
            (Mode::BrokenExamples, result) => {
                let broken = spec_op.success_has_body && !spec_op.success_binary;
                match result {
                    // Prism's problem body names where the violation is: it must be the
                    // response (the broken example), not the request.
                    Err(DispatchError::Client(e))
                        if broken
                            && status_of(&e) == Some(500)
                            && e.to_string().contains(r#""location":["response""#) =>
                    {
                        None
                    }
                    Ok(_) if !broken => None,
                    Ok(value) => Some(format!("Prism served the broken example and the client accepted it: {value}")),
                    Err(e) => Some(e.to_string()),
                }
            }
        };
        self.records.push(Record { op: op.to_owned(), case: case.to_owned(), kind: Kind::Call, problem, requests });
    }

    /// Records a request that breaks the spec on purpose and must be refused with one of
    /// `expected`.
    pub(super) fn refused(
        &mut self,
        op: &str,
        case: &str,
        expected: &'static [u16],
        status: Option<u16>,
        detail: String,
    ) {
        let problem = match status {
            Some(s) if expected.contains(&s) => None,
            _ => Some(format!("expected Prism to refuse it with {expected:?}, got {detail}")),
        };
        let requests = self.sent_since_last();
        self.records.push(Record {
            op: op.to_owned(),
            case: case.to_owned(),
            kind: Kind::Refused(expected),
            problem,
            requests,
        });
    }

    /// Sends `body` as the request body of `op` through the client's own plumbing (auth,
    /// default headers), with valid path parameters.
    pub(super) async fn send_raw_body(&mut self, client: &vbr::Client, op: &str, media: &str, body: &str, case: &str) {
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
            id: Box::leak(op.to_owned().into_boxed_str()),
            method,
            path: Box::leak(spec_op.path.clone().into_boxed_str()),
            auth: &[&[AuthScheme::Bearer]],
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
    pub(super) fn finish(mut self) -> (Vec<String>, BTreeSet<String>) {
        let expected: usize = self.records.iter().map(|r| r.requests).sum();
        let blocks = self.prism.request_blocks(expected);
        let mut failures = Vec::new();
        if blocks.len() != expected {
            failures.push(format!(
                "Prism logged {} requests for {} calls that send {expected}; requests: {:#?}",
                blocks.len(),
                self.records.len(),
                blocks.iter().map(|(r, _)| r).collect::<Vec<_>>()
            ));
        }
        let mut next = 0;
        for record in &mut self.records {
            let spec_op = &self.ops[&record.op];
            let Some(own) = blocks.get(next..next + record.requests) else { continue };
            next += record.requests;
            for (request, _) in own {
                let (method, path) = request.split_once(' ').unwrap_or_default();
                if method != spec_op.method || !path_matches(&spec_op.path, path) {
                    record
                        .problem
                        .get_or_insert_with(String::new)
                        .push_str(&format!(" [Prism received `{request}`, not {} {}]", spec_op.method, spec_op.path));
                }
            }
            let lines: Vec<&String> = own.iter().flat_map(|(_, lines)| lines).collect();
            // Validator findings only: the negotiator also warns, e.g. that a 204 has no
            // content for `Accept: application/json`, which is not a contract matter. Nor is a
            // deprecated parameter that was sent (`GetInventoryObjects`' `resetCache` before
            // 1.3-rev2): the document still takes it, and the method's docs say it is deprecated.
            let violations: Vec<&String> = lines
                .into_iter()
                .filter(|l| {
                    (l.contains("[VALIDATOR]") && (l.contains("✖") || l.contains("⚠")))
                        || l.contains("Violation:")
                        || l.contains("Request terminated")
                })
                .filter(|l| !(l.contains("⚠") && l.trim_end().ends_with(" is deprecated")))
                .collect();
            let expect_clean = record.kind == Kind::Call
                && (self.mode != Mode::BrokenExamples || !spec_op.success_has_body || spec_op.success_binary);
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
        let called = self.records.iter().filter(|r| r.kind == Kind::Call).map(|r| r.op.clone()).collect();
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
pub(super) fn undeclared_properties(spec: &Value, schema: &Value, value: &Value, at: &str, out: &mut Vec<String>) {
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
pub(super) fn dropped_properties(
    spec: &Value,
    schema: &Value,
    example: &Value,
    decoded: &Value,
    at: &str,
    out: &mut Vec<String>,
) {
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
                    // A null and an absent optional property decode alike (`None`).
                    None if item.is_null() => {}
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

pub(super) fn client_for(prism: &Prism) -> vbr::Client {
    vbr::Client::builder(prism.base_url())
        .timeout(Duration::from_secs(20))
        // One request per call, so Prism's log lines up with the calls.
        .retry(RetryPolicy { max_attempts: 1, ..RetryPolicy::default() })
        .build()
        .unwrap()
}
