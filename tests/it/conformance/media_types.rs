//! The media type a client asks for, and the Security Requirement Object
//! (`cases/media_types.yaml`). Citations name sections of OpenAPI 3.1.1 (the same text is in
//! 3.0.3) and of RFC 9110.

use base64::Engine as _;
use veeam_client::runtime::Secret;

use super::media_types_api::{self as api, mock::*, types::*};
use super::peer::{Peer, Reply};
use super::{client, raw_status, Problems};

async fn start(reply: Reply) -> (Peer, api::Client) {
    let peer = Peer::answer(reply).await;
    let client = client(api::Client::builder(peer.url()));
    (peer, client)
}

fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")))
}

#[tokio::test]
async fn accept_xml_for_an_xml_only_answer() {
    let (peer, client) = start(Reply::body(200, "application/xml", "<Doc><title>t</title></Doc>")).await;
    let result = client.get_xml().await;
    let r = peer.request_for(&result);
    // Response Object `content`: the media types of the answer; the only one is
    // application/xml, so that is what the client accepts (RFC 9110 §12.5.1): asking for
    // JSON would invite a 406 or an answer the operation does not describe.
    assert_eq!(r.header_lines("Accept"), ["application/xml"], "{:?}", r.headers);
    assert_eq!(result.unwrap(), Doc { title: "t".into() });
}

#[tokio::test]
async fn accept_text_for_a_text_only_answer() {
    let (peer, client) = start(Reply::body(200, "text/plain", "hello")).await;
    let result = client.get_text().await;
    let r = peer.request_for(&result);
    // As above, for `content: text/plain` (Response Object Examples, "Response with a string type").
    assert_eq!(r.header_lines("Accept"), ["text/plain"], "{:?}", r.headers);
    assert_eq!(result.unwrap(), "hello");
}

#[tokio::test]
async fn accept_json_for_a_json_answer() {
    let (peer, client) = start(Reply::body(200, "application/json", r#"{"title": "t"}"#)).await;
    let result = client.get_json().await;
    let r = peer.request_for(&result);
    assert_eq!(r.header_lines("Accept"), ["application/json"], "{:?}", r.headers);
    assert_eq!(result.unwrap(), Doc { title: "t".into() });
}

#[tokio::test]
async fn one_requirement_with_two_schemes_sends_both() {
    let (peer, client) = start(Reply::status(204)).await;
    client.set_api_key(Secret::from("k"));
    client.set_basic_auth("u", Secret::from("p"));
    let result = client.both_schemes().await;
    let r = peer.request_for(&result);
    assert!(result.is_ok(), "{result:?}");
    // Security Requirement Object: "Security Requirement Objects that contain multiple schemes
    // require that all schemes MUST be satisfied for a request to be authorized": the API key
    // AND the Basic credentials, on the same request.
    assert_eq!(r.header_lines("X-API-Key"), ["k"], "{:?}", r.headers);
    assert_eq!(r.header_lines("Authorization"), [basic("u", "p")], "{:?}", r.headers);
}

#[tokio::test]
async fn alternative_requirements_each_suffice() {
    // Security Requirement Object: "When a list of Security Requirement Objects is defined on
    // the OpenAPI Object or Operation Object, only one of the Security Requirement Objects in
    // the list needs to be satisfied": a client holding either credential sends it.
    let (peer, client) = start(Reply::status(204)).await;
    client.set_api_key(Secret::from("k"));
    let result = client.either_scheme().await;
    let r = peer.request_for(&result);
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(r.header_lines("X-API-Key"), ["k"], "with only the API key: {:?}", r.headers);

    let (peer, client) = start(Reply::status(204)).await;
    client.set_basic_auth("u", Secret::from("p"));
    let result = client.either_scheme().await;
    let r = peer.request_for(&result);
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(r.header_lines("Authorization"), [basic("u", "p")], "with only Basic: {:?}", r.headers);
}

// ---- through the mock ----

#[tokio::test]
async fn mock_answers_xml_and_refuses_json() {
    let server = MockServer::start().await.unwrap();
    server.on_get_xml(|_| async { GetXmlReply::Ok(Doc { title: "t".into() }) });
    let mut p = Problems::default();
    let result = client(api::Client::builder(server.url())).get_xml().await;
    p.check(matches!(&result, Ok(doc) if doc.title == "t"), || format!("the client's call: {result:?}"));
    // The operation answers application/xml only; a request that accepts only JSON cannot be
    // answered as the spec describes (RFC 9110 §15.5.7, 406 Not Acceptable).
    let bad = reqwest::Client::new().get(format!("{}/xml", server.url())).header("Accept", "application/json");
    p.refused("Accept: application/json for an XML-only answer", raw_status(bad).await);
    p.finish();
}

#[tokio::test]
async fn mock_requires_both_schemes_of_one_requirement() {
    let server = MockServer::start().await.unwrap();
    server.accept_api_key("k");
    server.accept_login("u", "p");
    server.on_both_schemes(|_| async { BothSchemesReply::NoContent });
    server.on_either_scheme(|_| async { EitherSchemeReply::NoContent });
    let mut p = Problems::default();
    let client = client(api::Client::builder(server.url()));
    client.set_api_key(Secret::from("k"));
    client.set_basic_auth("u", Secret::from("p"));
    let result = client.both_schemes().await;
    p.check(result.is_ok(), || format!("the client's call: {result:?}"));

    let http = reqwest::Client::new();
    let both = format!("{}/both", server.url());
    let either = format!("{}/either", server.url());
    // Security Requirement Object: both schemes of `{apiKey, basic}` MUST be satisfied...
    let both_credentials = http.get(&both).header("X-API-Key", "k").header("Authorization", basic("u", "p"));
    p.eq("both credentials for {apiKey, basic}", raw_status(both_credentials).await, 204);
    // ...so the API key alone does not authorize the request.
    p.eq("the API key alone for {apiKey, basic}", raw_status(http.get(&both).header("X-API-Key", "k")).await, 401);
    // One of the alternatives `[{apiKey}, {basic}]` suffices...
    let basic_only = http.get(&either).header("Authorization", basic("u", "p"));
    p.eq("Basic alone for [{apiKey}, {basic}]", raw_status(basic_only).await, 204);
    // ...and none does not.
    p.eq("no credentials for [{apiKey}, {basic}]", raw_status(http.get(&either)).await, 401);
    p.finish();
}
