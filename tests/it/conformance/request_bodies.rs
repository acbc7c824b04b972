//! Request Body Object, Media Type Object and Encoding Object, and the Schema Object's
//! `readOnly`/`writeOnly` (`cases/request_bodies.yaml`). Citations name sections of OpenAPI
//! 3.1.1 unless they say 3.0.3.

use serde_json::json;
use tokio::sync::mpsc;
use veeam_client::runtime::FilePart;

use super::peer::{Peer, Reply, Request};
use super::request_bodies_api::{self as api, mock::*, types::*};
use super::{client, essence, raw_status, Problems};

/// Eight bytes that are the PNG signature: a binary part must arrive unchanged.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";

async fn start(reply: Reply) -> (Peer, api::Client) {
    let peer = Peer::answer(reply).await;
    let client = client(api::Client::builder(peer.url()));
    (peer, client)
}

fn form_pairs(r: &Request) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(&r.body).unwrap_or_else(|e| panic!("{e}: {}", r.body_text()))
}

fn values<'a>(pairs: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    pairs.iter().filter(|(n, _)| n == name).map(|(_, v)| v.as_str()).collect()
}

/// One part of a `multipart/form-data` body: its header lines and its content.
struct Part {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Part {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The `name` parameter of `Content-Disposition: form-data` (RFC 7578 §4.2).
    fn name(&self) -> Option<&str> {
        let disposition = self.header("Content-Disposition")?;
        disposition.split(';').find_map(|p| p.trim().strip_prefix("name=")).map(|n| n.trim_matches('"'))
    }
}

/// Splits a multipart body at its boundary (RFC 2046 §5.1.1).
fn parts(r: &Request) -> Vec<Part> {
    let content_type = r.one_header("Content-Type").expect("a Content-Type");
    let boundary = content_type
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))
        .unwrap_or_else(|| panic!("no boundary in {content_type}"))
        .trim_matches('"');
    let delimiter = format!("--{boundary}").into_bytes();
    let body = &r.body;
    let mut starts = Vec::new();
    let mut i = 0;
    while i + delimiter.len() <= body.len() {
        if body[i..].starts_with(&delimiter) {
            starts.push(i);
            i += delimiter.len();
        } else {
            i += 1;
        }
    }
    let mut out = Vec::new();
    for pair in starts.windows(2) {
        // After the delimiter: CRLF, header lines, a blank line, the content, then the CRLF
        // that belongs to the next delimiter.
        let chunk = &body[pair[0] + delimiter.len()..pair[1]];
        let chunk = chunk.strip_prefix(b"\r\n").expect("CRLF after the boundary");
        let chunk = chunk.strip_suffix(b"\r\n").expect("CRLF before the next boundary");
        let split = chunk.windows(4).position(|w| w == b"\r\n\r\n").expect("a blank line after the part headers");
        let head = String::from_utf8_lossy(&chunk[..split]).into_owned();
        let headers = head
            .split("\r\n")
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
            .collect();
        out.push(Part { headers, body: chunk[split + 4..].to_vec() });
    }
    out
}

#[tokio::test]
async fn json_body() {
    let (peer, client) = start(Reply::status(204)).await;
    let result = client.post_json(&Pet { name: "rex".into(), tag: Some("dog".into()) }).await;
    let r = peer.request_for(&result);
    assert!(result.is_ok(), "{result:?}");
    // Request Body Object, `content`: the key is the media type the body is sent as.
    assert_eq!(essence(r.one_header("Content-Type")), "application/json");
    let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(body, json!({"name": "rex", "tag": "dog"}));
}

#[tokio::test]
async fn form_urlencoded_with_encoding() {
    let (peer, client) = start(Reply::status(204)).await;
    let body = PostFormBody {
        name: "Rex Dog".into(),
        tags: vec!["a".into(), "b".into()],
        ids: vec!["1".into(), "2".into()],
        meta: Meta { a: "x y".into() },
    };
    let result = client.post_form(&body).await;
    let r = peer.request_for(&result);
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(essence(r.one_header("Content-Type")), "application/x-www-form-urlencoded");
    let pairs = form_pairs(&r);
    // Encoding Object: the pairs' order is implementation-defined, so each name is checked.
    assert_eq!(values(&pairs, "name"), ["Rex Dog"], "{}", r.body_text());
    // Media Type Object, "Support for x-www-form-urlencoded Request Bodies": without an
    // Encoding Object a property follows the Encoding Object's defaults, `style: form` and
    // `explode: true`: an array is one pair per item (Style Examples, `form | true`).
    assert_eq!(values(&pairs, "tags"), ["a", "b"], "{}", r.body_text());
    // Encoding Object `style: form, explode: false`: one pair `ids=1,2` (Style Examples,
    // `form | false`), the comma a literal delimiter.
    assert_eq!(values(&pairs, "ids"), ["1,2"], "{}", r.body_text());
    assert!(r.body_text().contains("ids=1,2"), "{}", r.body_text());
    // Encoding Object `contentType: application/json` (no style fields): the object is
    // serialized as JSON, then percent-encoded as one value (the `address` example of
    // "Support for x-www-form-urlencoded Request Bodies"; Appendix E, content-based).
    let meta = values(&pairs, "meta");
    assert_eq!(meta.len(), 1, "one meta pair: {}", r.body_text());
    let meta: serde_json::Value =
        serde_json::from_str(meta[0]).unwrap_or_else(|e| panic!("meta is not JSON ({e}): {}", r.body_text()));
    assert_eq!(meta, json!({"a": "x y"}));
}

#[tokio::test]
async fn multipart_part_content_types() {
    let (peer, client) = start(Reply::status(204)).await;
    let form = PostMultipartForm { meta: Meta { a: "x".into() }, image: FilePart::new(PNG.to_vec()) };
    let result = client.post_multipart(form).await;
    let r = peer.request_for(&result);
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(essence(r.one_header("Content-Type")), "multipart/form-data");
    let parts = parts(&r);
    let part = |name: &str| {
        parts.iter().find(|p| p.name() == Some(name)).unwrap_or_else(|| panic!("no part {name}: {}", r.body_text()))
    };
    // Encoding Object `contentType: application/json` on an object part ("Special
    // Considerations for multipart Content": the default for an object is also JSON).
    let meta = part("meta");
    assert_eq!(essence(meta.header("Content-Type")), "application/json", "meta part headers {:?}", meta.headers);
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&meta.body).unwrap(), json!({"a": "x"}));
    // Encoding Object `contentType: image/png`: "The Content-Type for encoding a specific
    // property", given the caller named none; the bytes go as they are (Appendix E, form-data).
    let image = part("image");
    assert_eq!(essence(image.header("Content-Type")), "image/png", "image part headers {:?}", image.headers);
    assert_eq!(image.body, PNG);
}

#[tokio::test]
async fn text_plain_body() {
    let (peer, client) = start(Reply::status(204)).await;
    let result = client.post_text(&"hello world".to_owned()).await;
    let r = peer.request_for(&result);
    assert!(result.is_ok(), "{result:?}");
    // Request Body Object `content: text/plain`: the string itself, not a JSON string.
    assert_eq!(essence(r.one_header("Content-Type")), "text/plain");
    assert_eq!(r.body_text(), "hello world");
}

#[tokio::test]
async fn octet_stream_body() {
    let (peer, client) = start(Reply::status(204)).await;
    let result = client.post_binary(PNG.to_vec()).await;
    let r = peer.request_for(&result);
    assert!(result.is_ok(), "{result:?}");
    // "Considerations for File Uploads": `application/octet-stream`, the bytes as they are.
    assert_eq!(essence(r.one_header("Content-Type")), "application/octet-stream");
    assert_eq!(r.body, PNG);
}

#[tokio::test]
async fn read_only_id_is_not_required_in_a_request() {
    let (peer, client) = start(Reply::body(201, "application/json", r#"{"id": "7", "name": "x"}"#)).await;
    // Schema Object `readOnly` (3.0.3): "If the property is marked as readOnly being true and
    // is in the required list, the required will take effect on the response only": a request
    // body without `id` is complete. (The body is built from JSON so that this compiles
    // whatever type the generator gives the request body.)
    let body = serde_json::from_value(json!({"name": "x"}))
        .unwrap_or_else(|e| panic!("the request body cannot be built without the readOnly id: {e}"));
    let result = client.create_item(&body).await;
    let r = peer.request_for(&result);
    // ...and `id` "SHOULD NOT be sent as part of the request".
    let sent: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(sent, json!({"name": "x"}));
    // In the response `id` is required and there.
    let item = serde_json::to_value(result.unwrap()).unwrap();
    assert_eq!(item, json!({"id": "7", "name": "x"}));
}

#[tokio::test]
async fn write_only_password_is_not_required_in_a_response() {
    let (peer, client) = start(Reply::body(200, "application/json", r#"{"user": "u"}"#)).await;
    // Schema Object `writeOnly` (3.0.3): "the required will take effect on the request only",
    // and the property "SHOULD NOT be sent as part of the response": an answer without the
    // password is complete.
    let result = client.get_account().await;
    peer.request_for(&result);
    let account = result.unwrap_or_else(|e| panic!("an answer without the writeOnly password: {e}"));
    assert_eq!(account.user, "u");
}

// ---- through the mock ----

fn mock_client(server: &MockServer) -> api::Client {
    client(api::Client::builder(server.url()))
}

#[tokio::test]
async fn mock_reads_json_and_refuses_a_missing_required_property() {
    let server = MockServer::start().await.unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    server.on_post_json(move |request| {
        let _ = tx.send(request);
        async { PostJsonReply::NoContent }
    });
    let mut p = Problems::default();
    let pet = Pet { name: "rex".into(), tag: None };
    let result = mock_client(&server).post_json(&pet).await;
    p.check(result.is_ok(), || format!("the client's call: {result:?}"));
    match rx.try_recv() {
        Ok(got) => p.eq("the handler's body", got.body, pet),
        Err(_) => p.check(false, || "the handler did not run".into()),
    }
    // Schema Object `required`: a Pet without its name breaks the spec.
    let bad = reqwest::Client::new()
        .post(format!("{}/json", server.url()))
        .header("Content-Type", "application/json")
        .body(r#"{"tag": "dog"}"#);
    p.refused("a Pet without name", raw_status(bad).await);
    p.finish();
}

#[tokio::test]
async fn mock_reads_form_and_refuses_an_exploded_unexploded_array() {
    let server = MockServer::start().await.unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    server.on_post_form(move |request| {
        let _ = tx.send(request);
        async { PostFormReply::NoContent }
    });
    let mut p = Problems::default();
    let body = PostFormBody {
        name: "Rex Dog".into(),
        tags: vec!["a".into(), "b".into()],
        ids: vec!["1".into(), "2".into()],
        meta: Meta { a: "x y".into() },
    };
    let result = mock_client(&server).post_form(&body).await;
    p.check(result.is_ok(), || format!("the client's call: {result:?}"));
    match rx.try_recv() {
        Ok(got) => p.eq("the handler's body", got.body, body),
        Err(_) => p.check(false, || "the handler did not run".into()),
    }

    let http = reqwest::Client::new();
    let post = |body: &'static str| {
        http.post(format!("{}/form", server.url()))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
    };
    // The spec's own serialization is accepted.
    let good = "name=Rex+Dog&tags=a&tags=b&ids=1,2&meta=%7B%22a%22%3A%22x+y%22%7D";
    p.eq(good, raw_status(post(good)).await, 204);
    // Encoding Object `ids: {explode: false}`: `ids=1&ids=2` is the exploded form it is not.
    let bad = "name=Rex+Dog&tags=a&tags=b&ids=1&ids=2&meta=%7B%22a%22%3A%22x+y%22%7D";
    p.refused(bad, raw_status(post(bad)).await);
    p.finish();
}

#[tokio::test]
async fn mock_accepts_a_request_without_the_read_only_id() {
    let server = MockServer::start().await.unwrap();
    let mut p = Problems::default();
    let http = reqwest::Client::new();
    let post = |body: &'static str| {
        http.post(format!("{}/items", server.url())).header("Content-Type", "application/json").body(body)
    };
    // Schema Object `readOnly` (3.0.3): `required` takes effect on the response only. (No
    // handler: the mock answers from an example or 501, either way not 400.)
    let status = raw_status(post(r#"{"name": "x"}"#)).await;
    p.check(status != 400, || format!("a request body without the readOnly id: observed {status}, expected no 400"));
    // `name` is required in both directions.
    p.refused("an Item without name", raw_status(post(r#"{"id": "7"}"#)).await);
    p.finish();
}

#[tokio::test]
async fn mock_reads_text_and_refuses_another_media_type() {
    let server = MockServer::start().await.unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    server.on_post_text(move |request| {
        let _ = tx.send(request);
        async { PostTextReply::NoContent }
    });
    let mut p = Problems::default();
    let result = mock_client(&server).post_text(&"hello world".to_owned()).await;
    p.check(result.is_ok(), || format!("the client's call: {result:?}"));
    match rx.try_recv() {
        Ok(got) => p.eq("the handler's body", got.body.as_str(), "hello world"),
        Err(_) => p.check(false, || "the handler did not run".into()),
    }
    // Request Body Object `content`: the operation takes text/plain only.
    let bad = reqwest::Client::new()
        .post(format!("{}/text", server.url()))
        .header("Content-Type", "application/json")
        .body(r#""hello world""#);
    p.refused("a JSON body where only text/plain is declared", raw_status(bad).await);
    p.finish();
}

#[tokio::test]
async fn mock_reads_multipart() {
    let server = MockServer::start().await.unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    server.on_post_multipart(move |request| {
        let _ = tx.send(request);
        async { PostMultipartReply::NoContent }
    });
    let mut p = Problems::default();
    let form = PostMultipartForm { meta: Meta { a: "x".into() }, image: FilePart::new(PNG.to_vec()) };
    let result = mock_client(&server).post_multipart(form).await;
    p.check(result.is_ok(), || format!("the client's call: {result:?}"));
    match rx.try_recv() {
        // The handler gets the raw body today; the image bytes are in it unchanged.
        Ok(got) => {
            p.check(got.body.windows(PNG.len()).any(|w| w == PNG), || "the image bytes reach the handler".into())
        }
        Err(_) => p.check(false, || "the handler did not run".into()),
    }
    p.finish();
}
