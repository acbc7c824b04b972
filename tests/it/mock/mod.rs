//! The generated mock servers (`vbr::mock`, `em::mock`, cargo feature `mock`) driven by the
//! real client: every operation of each curated spec is called (the list comes from the spec,
//! as in `prism_contract`), and the mock's promises are checked: typed handlers, answers from
//! the spec's examples, `501` naming an operation without handler or example, `400` for
//! requests that break the spec, recording with credentials blanked out, and each API's auth
//! (OAuth2 with renewal and re-login for VBR, Basic logon and session ids for EM).

mod em;
mod readme;
mod vbr;

use std::collections::BTreeSet;

use serde_json::Value;
use veeam_client::runtime::dispatch::DispatchError;
use veeam_client::runtime::{self, Error};

/// The revision the VBR client speaks by default.
fn vbr_default() -> &'static str {
    veeam_client::vbr::ApiVersion::DEFAULT.as_str()
}

/// A curated module's spec (`vbr`, `em`) as JSON, its files bundled into one document.
fn spec(module: &str) -> Value {
    crate::support::spec_ops::load(module).1
}

/// Whether the operation `id` of `spec` exists in API revision `revision` (by its
/// `x-revisions` mark; an operation without one exists in every revision).
fn in_revision(spec: &Value, id: &str, revision: &str) -> bool {
    for item in spec["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            if op.get("operationId").and_then(Value::as_str) == Some(id) {
                return op["x-revisions"]
                    .as_str()
                    .is_none_or(|mark| openapi_spec_tools::import::mark_includes(mark, revision).unwrap_or(true));
            }
        }
    }
    panic!("no operation {id}")
}

/// Every operation of a spec: (operation id, whether the mock answers it without a handler:
/// a success answer has an example body or no body at all, or it is a logon or logout).
fn operations(spec: &Value) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for item in spec["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values().filter(|op| op.get("operationId").is_some()) {
            let responses = op["responses"].as_object().unwrap();
            let example = responses.iter().filter(|(code, _)| code.starts_with('2')).any(|(_, r)| {
                r.get("content")
                    .and_then(Value::as_object)
                    .is_some_and(|c| c.values().any(|m| m.get("example").is_some() || m.get("examples").is_some()))
            });
            // A logon or logout does its part without a handler, with its declared status; so
            // does a success without a body, whose status is the whole answer.
            let session = op.get("x-session-header").is_some() || op.get("x-logout").is_some();
            let bodiless = responses.iter().any(|(code, r)| code.starts_with('2') && r.get("content").is_none());
            out.push((op["operationId"].as_str().unwrap().to_owned(), example || session || bodiless));
        }
    }
    out
}

/// The JSON request example of an operation, as the body type.
fn request_example<T: serde::de::DeserializeOwned>(spec: &Value, id: &str) -> T {
    for item in spec["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            if op.get("operationId").and_then(Value::as_str) == Some(id) {
                let example = op["requestBody"]["content"]["application/json"]["example"].clone();
                return serde_json::from_value(example).unwrap_or_else(|e| panic!("{id}: request example: {e}"));
            }
        }
    }
    panic!("no operation {id}")
}

/// Writes what the mock received to `$REQUEST_LOG/{name}.log` when `REQUEST_LOG` names a
/// folder: one block per request (method, path, query, headers but `host`, body), for
/// comparing the client's wire format before and after a generator change
/// (`REQUEST_LOG=/tmp/before cargo test -p tests --test it -- every_operation`, then `diff -r`).
fn request_log(name: &str, requests: &[runtime::mock::Recorded]) {
    let Some(dir) = std::env::var_os("REQUEST_LOG") else { return };
    let mut out = String::new();
    for r in requests {
        out.push_str(&format!("{} {}\n", r.method, r.path));
        for (n, v) in &r.query {
            out.push_str(&format!("  ?{n}={v}\n"));
        }
        for (n, v) in r.headers.iter().filter(|(n, _)| n != "host") {
            out.push_str(&format!("  {n}: {v}\n"));
        }
        out.push_str(&format!("  body: {}\n  -> {}\n\n", r.body, r.status));
    }
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(std::path::Path::new(&dir).join(format!("{name}.log")), out).unwrap();
}

/// The HTTP status of a failed call, if the server answered.
fn status_of<E>(error: &Error<E>) -> Option<u16> {
    match error {
        Error::Api { status, .. } | Error::UnexpectedStatus { status, .. } | Error::Decode { status, .. } => {
            Some(*status)
        }
        _ => None,
    }
}

/// The operations the mock recorded.
fn recorded_operations(requests: &[runtime::mock::Recorded]) -> BTreeSet<String> {
    requests.iter().filter_map(|r| r.operation.clone()).collect()
}

/// Each call's outcome, judged against what the spec promises: an example answers `Ok`, no
/// example (and no handler) answers `501` naming the operation.
fn judge(ops: &[(String, bool)], id: &str, result: Result<Value, DispatchError>, problems: &mut Vec<String>) {
    let example = ops.iter().find(|(o, _)| o == id).unwrap_or_else(|| panic!("{id} is not in the spec")).1;
    match (example, result) {
        (true, Ok(_)) => {}
        (false, Err(DispatchError::Client(e))) if status_of(&e) == Some(501) && e.to_string().contains(id) => {}
        (true, Err(e)) => problems.push(format!("{id}: expected the example, got {e}")),
        (false, Err(e)) => problems.push(format!("{id}: expected 501 naming the operation, got {e}")),
        (false, Ok(_)) => problems.push(format!("{id}: expected 501, got Ok")),
    }
}

/// Calls every operation of `spec` once through `call` (the module's `dispatch::call`),
/// logging out last, with a fixed id for UUID path parameters (so the request log is the
/// same on every run), the required parameters, and the spec's request example as the body
/// (or a value with every property where it has none); judges each answer.
///
/// With `revision` (the one the client speaks), an operation that revision lacks must fail
/// with `Error::Unsupported` naming it and the revision, before anything is sent.
async fn call_every_operation<F: std::future::Future<Output = Result<Value, DispatchError>>>(
    spec: &Value,
    client_headers: &[(&str, &str)],
    id: uuid::Uuid,
    revision: Option<&str>,
    mut call: impl FnMut(String, Value) -> F,
) -> Vec<String> {
    use crate::support::spec_ops::{
        arguments, body_schema, in_session_order, operations as spec_operations, request_example, sample, Fill,
    };
    let ops = operations(spec);
    let fill = Fill { uuid: id, string: "ABC-123", every_param: false, client_headers, revision };
    // The arguments of an operation the revision has come from the spec as a server of that
    // revision has it: without what the revision lacks, in its spellings.
    let projected = revision.map(|r| crate::support::spec_ops::project(spec, r));
    let projected_ops: Vec<crate::support::spec_ops::SpecOp> =
        projected.as_ref().map(spec_operations).unwrap_or_default();
    let mut problems = Vec::new();
    for op in in_session_order(spec_operations(spec)) {
        let (source, op) = match (&projected, projected_ops.iter().find(|p| p.id == op.id)) {
            (Some(p), Some(own)) => (p, own.clone()),
            _ => (spec, op),
        };
        let mut input = arguments(source, &op, &fill);
        if let Some((schema, _)) = body_schema(source, &op) {
            // The spec's examples are written for the newest revision: an older one's body is
            // made up from its own schemas.
            let example = if projected.is_some() && revision != Some(vbr_default()) {
                None
            } else {
                request_example(source, &op)
            };
            input["body"] = example.unwrap_or_else(|| sample(source, schema, &fill, 0));
        }
        let result = call(op.id.clone(), input).await;
        match revision.filter(|r| !in_revision(spec, &op.id, r)) {
            Some(r) => match result {
                Err(DispatchError::Client(Error::Unsupported { operation, revision, field: None, .. }))
                    if operation == op.id && revision == r => {}
                other => problems.push(format!(
                    "{}: revision {r} lacks it, so the client must refuse it before sending; got {other:?}",
                    op.id
                )),
            },
            None => judge(&ops, &op.id, result, &mut problems),
        }
    }
    problems
}
