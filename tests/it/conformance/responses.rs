//! Responses Object: status ranges, `default`, and exact codes before ranges
//! (`cases/responses.yaml`). Citations name sections of OpenAPI 3.1.1 (the text is the same in
//! 3.0.3).

use veeam_client::runtime::Error;

use super::peer::{Peer, Reply};
use super::responses_api::{self as api, mock::*, types::*};
use super::{client, raw_status, Problems};

async fn start(reply: Reply) -> (Peer, api::Client) {
    let peer = Peer::answer(reply).await;
    let client = client(api::Client::builder(peer.url()));
    (peer, client)
}

/// The status and body (as JSON) of an `Api` error, or a panic naming what came instead.
fn api_error<T: std::fmt::Debug, E: serde::Serialize + std::fmt::Debug>(
    result: Result<T, Error<E>>,
) -> (u16, serde_json::Value) {
    match result {
        Err(Error::Api { status, body, .. }) => (status, serde_json::to_value(&body.0).unwrap()),
        other => panic!("expected an API error with the declared body, got {other:?}"),
    }
}

#[tokio::test]
async fn range_2xx_covers_201_202_204() {
    for status in [201, 202, 204] {
        let (peer, client) = start(Reply::status(status)).await;
        let result = client.range_only().await;
        peer.request_for(&result);
        // Responses Object, Patterned Fields: "`2XX` represents all response codes between
        // [200-299]".
        assert!(result.is_ok(), "{status} is within 2XX: {result:?}");
    }
}

#[tokio::test]
async fn default_only_is_the_success() {
    let (peer, client) = start(Reply::body(200, "application/json", r#"{"text": "hi"}"#)).await;
    let result = client.default_only().await;
    peer.request_for(&result);
    // Responses Object: `default` covers "all HTTP codes that are not covered individually",
    // and "if only one response code is provided it SHOULD be the response for a successful
    // operation call".
    assert_eq!(result.unwrap(), Msg { text: "hi".into() });
}

#[tokio::test]
async fn exact_code_wins_over_its_range() {
    let (peer, client) = start(Reply::body(404, "application/json", r#"{"missing": "pet"}"#)).await;
    let result = client.exact_and_range().await;
    peer.request_for(&result);
    // Responses Object: "If a response is defined using an explicit code, the explicit code
    // definition takes precedence over the range definition for that code": a 404 carries
    // the `NotFound` body, not `4XX`'s `Problem`.
    assert_eq!(api_error(result), (404, serde_json::json!({"missing": "pet"})));
}

#[tokio::test]
async fn range_4xx_covers_the_other_client_errors() {
    let (peer, client) = start(Reply::body(409, "application/json", r#"{"title": "conflict"}"#)).await;
    let result = client.exact_and_range().await;
    peer.request_for(&result);
    // Responses Object: `4XX` covers 409, with its `Problem` body.
    assert_eq!(api_error(result), (409, serde_json::json!({"title": "conflict"})));
}

#[tokio::test]
async fn default_beside_200_covers_an_undeclared_2xx_as_an_error() {
    let (peer, client) = start(Reply::body(201, "application/json", r#"{"title": "odd"}"#)).await;
    let result = client.ok_or_default().await;
    peer.request_for(&result);
    // Responses Object Example: "A 200 response for a successful operation and a default
    // response for others (implying an error)": 201 is not declared, so `default` covers it,
    // body and all.
    assert_eq!(api_error(result), (201, serde_json::json!({"title": "odd"})));
}

#[tokio::test]
async fn default_beside_200_covers_a_5xx() {
    let (peer, client) = start(Reply::body(500, "application/json", r#"{"title": "boom"}"#)).await;
    let result = client.ok_or_default().await;
    peer.request_for(&result);
    // As above: `default` describes every code not declared, here a 500.
    assert_eq!(api_error(result), (500, serde_json::json!({"title": "boom"})));
}

// ---- through the mock ----

#[tokio::test]
async fn mock_answers_ranges_and_default() {
    let server = MockServer::start().await.unwrap();
    server.on_range_only(|_| async { RangeOnlyReply::Success(202) });
    server.on_exact_and_range(|_| async { ExactAndRangeReply::ClientError(409, Problem { title: "conflict".into() }) });
    server.on_ok_or_default(|_| async { OkOrDefaultReply::Default(503, Problem { title: "busy".into() }) });
    let mut p = Problems::default();
    let client = client(api::Client::builder(server.url()));
    // Responses Object: 202 is within `2XX`.
    let result = client.range_only().await;
    p.check(result.is_ok(), || format!("the mock's 202 for 2XX: {result:?}"));
    p.eq("the status the mock recorded", server.calls("rangeOnly").first().map(|c| c.status), Some(202));
    // `4XX` covers 409, with its body.
    let result = client.exact_and_range().await;
    p.check(
        matches!(&result, Err(Error::Api { status: 409, body, .. }) if serde_json::to_value(&body.0).ok() == Some(serde_json::json!({"title": "conflict"}))),
        || format!("the mock's 409 for 4XX: {result:?}"),
    );
    // `default` beside `200` is an error, with its body.
    let result = client.ok_or_default().await;
    p.check(
        matches!(&result, Err(Error::Api { status: 503, body, .. }) if serde_json::to_value(&body.0).ok() == Some(serde_json::json!({"title": "busy"}))),
        || format!("the mock's 503 for default: {result:?}"),
    );
    // A method the path does not declare is no operation of the spec.
    let status = raw_status(reqwest::Client::new().delete(format!("{}/range", server.url()))).await;
    p.refused("DELETE /range", status);
    p.finish();
}

/// What the mock answers without a handler, and what a handler can answer beyond the spec: a
/// success without a body is answered by its status; a success with a body and no example is
/// `501` naming the operation, in the API's error shape (`Problem` here); any status at all
/// through `Raw`; a panicking handler is a `500` whose message the record keeps; a scripted
/// sequence answers in turn and then repeats its last reply.
#[tokio::test]
async fn mock_answers_without_handlers_and_beyond_the_spec() {
    use veeam_client::runtime::mock::{sequence, RawReply};
    let server = MockServer::start().await.unwrap();
    let mut p = Problems::default();
    let client = client(api::Client::builder(server.url()));
    // `2XX` without a body: the status is the answer.
    let result = client.range_only().await;
    p.check(result.is_ok(), || format!("a bodiless 2XX without a handler: {result:?}"));
    // `200` with a body and no example: 501, named, and in the API's error shape (which
    // `default` declares here, so the client reads it).
    let result = client.ok_or_default().await;
    p.check(
        matches!(&result, Err(Error::Api { status: 501, body, .. }) if body.0.title.starts_with("okOrDefault: no handler")),
        || format!("501 in the API's `Problem` shape: {result:?}"),
    );
    // Any status, declared or not: a 503 the spec never mentions.
    server.on_range_only(|_| async { RangeOnlyReply::Raw(RawReply::new(503, "text/plain", "busy")) });
    let result = client.range_only().await;
    p.check(matches!(&result, Err(Error::UnexpectedStatus { status: 503, .. })), || {
        format!("an undeclared 503: {result:?}")
    });
    // A handler that panics: 500, and its message in the record.
    server.on_ok_or_default(|_| async { panic!("the test's handler broke") });
    let result = client.ok_or_default().await;
    p.check(matches!(&result, Err(e) if e.to_string().contains("500")), || format!("a panicking handler: {result:?}"));
    let failure = server.calls("okOrDefault").last().and_then(|c| c.failure.clone()).unwrap_or_default();
    p.check(failure.contains("the test's handler broke"), || format!("the panic in the record: {failure}"));
    // A scripted sequence: 201-like success twice as scripted, then the last reply repeats.
    server.on_exact_and_range(sequence([
        ExactAndRangeReply::Ok(Msg { text: "first".into() }),
        ExactAndRangeReply::Ok(Msg { text: "second".into() }),
    ]));
    let mut texts = Vec::new();
    for _ in 0..3 {
        texts.push(client.exact_and_range().await.map(|m| m.text).unwrap_or_else(|e| e.to_string()));
    }
    p.eq("the sequence's answers", texts, vec!["first".to_owned(), "second".into(), "second".into()]);
    p.finish();
}
