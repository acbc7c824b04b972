//! Property: whatever the caller sets, a client that speaks API revision R never sends a
//! parameter, a request body, a body property or an enum spelling that R lacks. Operations and revisions are
//! drawn at random (seeded, so a failure repeats); each call gives every parameter and every
//! body property the spec declares, in any revision, and the mock (which checks nothing of
//! revisions here) records what arrived. The call is either refused before sending
//! (`Error::Unsupported`) or what was sent is checked against the spec's marks.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use uuid::Uuid;
use veeam_client::runtime::dispatch::DispatchError;
use veeam_client::runtime::{Error, RetryPolicy, Secret};
use veeam_client::vbr::{self, mock::MockServer, ApiVersion};

use crate::support::spec_ops::{self, arguments, body_schema, resolve, sample, Fill};

/// How many (operation, revision) pairs one run draws.
const DRAWS: usize = 160;

fn includes(mark: Option<&Value>, revision: &str) -> bool {
    mark.and_then(Value::as_str).is_none_or(|m| openapi_spec_tools::import::mark_includes(m, revision).unwrap_or(true))
}

/// Every schema `schema` is made of: itself and its `allOf` parts, references followed.
fn parts<'a>(spec: &'a Value, schema: &'a Value, out: &mut Vec<&'a Value>, depth: usize) {
    let s = resolve(spec, schema);
    if depth > 24 || out.iter().any(|p| std::ptr::eq(*p, s)) {
        return;
    }
    out.push(s);
    for part in s["allOf"].as_array().into_iter().flatten() {
        parts(spec, part, out, depth + 1);
    }
}

/// What in `value` (sent as `schema`) revision `revision` lacks, as `path: what`.
fn outside(spec: &Value, schema: &Value, value: &Value, revision: &str, path: &str, found: &mut Vec<String>) {
    check(spec, schema, value, revision, path, found, false)
}

/// [`outside`]; `variant` when `schema` is the variant a union's tag selected (its `allOf`
/// parent is the union again, which must not select it once more).
fn check(
    spec: &Value,
    schema: &Value,
    value: &Value,
    revision: &str,
    path: &str,
    found: &mut Vec<String>,
    variant: bool,
) {
    let mut all = Vec::new();
    parts(spec, schema, &mut all, 0);
    // A discriminated union: the variant its tag selects.
    for s in all.iter().filter(|_| !variant) {
        if let (Some(tag), Some(members)) = (s["discriminator"]["propertyName"].as_str(), s["oneOf"].as_array()) {
            let chosen = value[tag].as_str().and_then(|t| {
                s["discriminator"]["mapping"][t].as_str().map(|r| serde_json::json!({ "$ref": r })).or_else(|| {
                    members.iter().find(|m| m["$ref"].as_str().is_some_and(|r| r.ends_with(&format!("/{t}")))).cloned()
                })
            });
            if let Some(member) = chosen {
                check(spec, &member, value, revision, path, found, true);
                return;
            }
        }
    }
    match value {
        Value::Object(map) => {
            for (name, v) in map {
                let defining: Vec<&&Value> = all.iter().filter(|s| s["properties"].get(name).is_some()).collect();
                if defining.is_empty() {
                    continue;
                }
                if !defining.iter().any(|s| includes(s["x-property-revisions"].get(name), revision)) {
                    found.push(format!("{path}.{name}: a property {revision} lacks"));
                    continue;
                }
                let property = &defining[0]["properties"][name];
                // A list the revision takes as one value (`x-single-value-revisions`) is sent
                // as its one item there, and as a list everywhere else.
                let single = defining
                    .iter()
                    .any(|s| s["x-single-value-revisions"].get(name).is_some_and(|m| includes(Some(m), revision)));
                let list = resolve(spec, property)["type"] == "array";
                match (single, v.is_array()) {
                    (true, true) => found.push(format!("{path}.{name}: a list where {revision} takes one value")),
                    (true, false) => {
                        let item = &resolve(spec, property)["items"];
                        outside(spec, item, v, revision, &format!("{path}.{name}"), found)
                    }
                    (false, false) if list && !v.is_null() => {
                        found.push(format!("{path}.{name}: one value where {revision} takes a list"))
                    }
                    _ => outside(spec, property, v, revision, &format!("{path}.{name}"), found),
                }
            }
        }
        Value::Array(items) => {
            let item = all.iter().find_map(|s| s.get("items"));
            for (i, v) in items.iter().enumerate() {
                if let Some(item) = item {
                    outside(spec, item, v, revision, &format!("{path}[{i}]"), found);
                }
            }
        }
        Value::String(text) => {
            for s in &all {
                let Some(values) = s["enum"].as_array() else { continue };
                let spelled_in = |value: &str| -> bool {
                    let own = values.iter().any(|v| v == value)
                        && includes(s["x-enum-revisions"].get(value), revision)
                        && !s["x-enum-spellings"][value]
                            .as_object()
                            .is_some_and(|m| m.values().any(|r| includes(Some(r), revision)));
                    let other = s["x-enum-spellings"].as_object().is_some_and(|all| {
                        all.values().any(|m| m.get(value).is_some_and(|r| includes(Some(r), revision)))
                    });
                    own || other
                };
                let known = values.iter().any(|v| v == text)
                    || s["x-enum-spellings"].as_object().is_some_and(|m| m.values().any(|sp| sp.get(text).is_some()));
                if known && !spelled_in(text) {
                    found.push(format!("{path}: `{text}` is not how {revision} writes it"));
                }
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn a_client_never_sends_what_its_revision_lacks() {
    let spec = crate::support::spec_ops::load("vbr").1;
    let ops: Vec<spec_ops::SpecOp> = spec_ops::operations(&spec)
        .into_iter()
        .filter(|op| !op.params.is_empty() || op.op.get("requestBody").is_some())
        .collect();
    let mut rng = StdRng::seed_from_u64(0x5eed_2021);
    let server = MockServer::start().await.unwrap();
    let mut clients = Vec::new();
    for &version in ApiVersion::ALL {
        let client = vbr::Client::builder(server.url())
            .retry(RetryPolicy { max_attempts: 1, ..RetryPolicy::default() })
            .api_version(version)
            .build()
            .unwrap();
        client.login("admin", Secret::from("pw")).await.unwrap();
        clients.push((version, client));
    }
    // Every parameter, whatever its revisions.
    let fill = Fill {
        uuid: Uuid::nil(),
        string: "ABC-123",
        every_param: true,
        client_headers: vbr::Client::DEFAULT_HEADERS,
        revision: None,
    };
    let (mut refused, mut sent, mut problems) = (0, 0, Vec::new());
    for _ in 0..DRAWS {
        let op = &ops[rng.gen_range(0..ops.len())];
        let (version, client) = &clients[rng.gen_range(0..clients.len())];
        let revision = version.as_str();
        let mut input = arguments(&spec, op, &fill);
        if let Some((schema, _)) = body_schema(&spec, op) {
            input["body"] = sample(&spec, schema, &fill, 0);
        }
        server.clear_requests();
        let result = vbr::dispatch::call(client, &op.id, input).await;
        let requests = server.calls(&op.id);
        match (&result, requests.as_slice()) {
            (Err(DispatchError::Client(Error::Unsupported { revision: r, .. })), []) if *r == revision => refused += 1,
            (Err(DispatchError::Client(Error::Unsupported { .. })), _) => {
                problems.push(format!("{} in {revision}: refused, but sent all the same", op.id))
            }
            (_, [request]) => {
                sent += 1;
                if !includes(op.op.get("x-revisions"), revision) {
                    problems
                        .push(format!("{} in {revision}: the revision lacks the operation, yet it was sent", op.id));
                }
                for (name, _) in &request.query {
                    let param = op.params.iter().find(|p| p["name"] == name.as_str() && p["in"] == "query");
                    if param.is_some_and(|p| !includes(p.get("x-revisions"), revision)) {
                        problems.push(format!("{} in {revision}: query parameter `{name}` sent", op.id));
                    }
                    let single = param
                        .and_then(|p| p.get("x-single-value-revisions"))
                        .is_some_and(|m| includes(Some(m), revision));
                    let count = request.query.iter().filter(|(n, _)| n == name).count();
                    if single && count != 1 {
                        problems.push(format!("{} in {revision}: `{name}` sent {count} times, one value there", op.id));
                    }
                }
                let body_mark = op.op.get("requestBody").and_then(|b| b.get("x-revisions"));
                if !request.body.is_empty() && !includes(body_mark, revision) {
                    problems.push(format!(
                        "{} in {revision}: a request body sent, which the revision does not take",
                        op.id
                    ));
                }
                if let (Some((schema, _)), Some(body)) = (body_schema(&spec, op), request.json()) {
                    let mut found = Vec::new();
                    outside(&spec, schema, &body, revision, "body", &mut found);
                    problems.extend(found.into_iter().map(|f| format!("{} in {revision}: {f}", op.id)));
                }
            }
            (_, other) => {
                problems.push(format!("{} in {revision}: {} request(s) for one call: {result:?}", op.id, other.len()))
            }
        }
    }
    assert!(problems.is_empty(), "{} problem(s):\n  {}", problems.len(), problems.join("\n  "));
    // The draw exercised both outcomes.
    assert!(refused > 10 && sent > 10, "refused {refused}, sent {sent}");
}
