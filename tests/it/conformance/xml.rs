//! XML Object and its examples (`cases/xml.yaml`). Citations name sections of OpenAPI 3.1.1
//! (the XML Object's text and examples are the same in 3.0.3).

use tokio::sync::mpsc;

use super::peer::{Peer, Reply, Request};
use super::xml_api::{self as api, mock::*, types::*};
use super::{client, essence, raw_status, Problems};

async fn start(reply: Reply) -> (Peer, api::Client) {
    let peer = Peer::answer(reply).await;
    let client = client(api::Client::builder(peer.url()));
    (peer, client)
}

/// The XML body without its declaration and without whitespace between tags, so that
/// indentation (which the spec's examples use freely) does not matter.
fn xml(r: &Request) -> String {
    assert_eq!(essence(r.one_header("Content-Type")), "application/xml");
    let text = r.body_text();
    let mut text = text.trim();
    if let Some(rest) = text.strip_prefix("<?xml") {
        text = rest.split_once("?>").map_or("", |(_, body)| body).trim();
    }
    let mut out = String::new();
    for piece in text.split('<').filter(|p| !p.is_empty()) {
        let (tag, after) = piece.split_once('>').unwrap_or((piece, ""));
        out.push('<');
        out.push_str(tag);
        out.push('>');
        // Text between tags is kept unless it is only whitespace.
        if !after.trim().is_empty() {
            out.push_str(after);
        }
    }
    out
}

fn zoo() -> Zoo {
    Zoo {
        animals: vec!["cat".into(), "dog".into()],
        pets: vec!["rex".into(), "tom".into()],
        birds: vec!["tweety".into(), "polly".into()],
    }
}

#[tokio::test]
async fn root_element_is_the_component_name_error() {
    let (peer, client) = start(Reply::status(204)).await;
    let result = client.send_error(&ErrorModel { code: 1, message: "m".into() }).await;
    let r = peer.request_for(&result);
    assert!(result.is_ok(), "{result:?}");
    // XML Object examples, "XML Attribute, Prefix and Namespace": the component `Person`, with
    // no `xml.name`, is the element `<Person>`: the element is named after the component in
    // the spec (`Error`), whatever the Rust type is called.
    assert_eq!(xml(&r), "<Error><code>1</code><message>m</message></Error>");
}

#[tokio::test]
async fn root_element_is_the_component_name_pet_tag() {
    let (peer, client) = start(Reply::status(204)).await;
    let result = client.send_tag(&PetTag { name: "t".into() }).await;
    let r = peer.request_for(&result);
    assert!(result.is_ok(), "{result:?}");
    // As above: `pet_tag` stays `pet_tag` on the wire (the Rust type is `PetTag`).
    assert_eq!(xml(&r), "<pet_tag><name>t</name></pet_tag>");
}

#[tokio::test]
async fn decodes_the_error_element() {
    let body = "<?xml version=\"1.0\"?>\n<Error><code>1</code><message>m</message></Error>";
    let (peer, client) = start(Reply::body(200, "application/xml", body)).await;
    let result = client.get_error().await;
    peer.request_for(&result);
    // The element the spec names `Error` is the one the client reads.
    assert_eq!(result.unwrap(), ErrorModel { code: 1, message: "m".into() });
}

#[tokio::test]
async fn xml_name_replaces_the_element_name() {
    let (peer, client) = start(Reply::status(204)).await;
    let result = client.send_critter(&Critter { legs: 4, nick: Some("rover".into()) }).await;
    let r = peer.request_for(&result);
    assert!(result.is_ok(), "{result:?}");
    // XML Object `name`: "Replaces the name of the element/attribute used for the described
    // schema property" ("XML Name Replacement": `<animal>` for `animals`); on the component
    // itself it names the root element (`critter-doc`).
    assert_eq!(xml(&r), "<critter-doc><legs>4</legs><nickname>rover</nickname></critter-doc>");
}

#[tokio::test]
async fn attribute_prefix_and_namespace() {
    let (peer, client) = start(Reply::status(204)).await;
    let result = client.send_person(&Person { id: Some(123), name: Some("example".into()) }).await;
    let r = peer.request_for(&result);
    assert!(result.is_ok(), "{result:?}");
    // XML Object examples, "XML Attribute, Prefix and Namespace", verbatim:
    // <Person id="123"><sample:name xmlns:sample="https://example.com/schema/sample">example</sample:name></Person>
    // (the namespace may be declared on the root instead: XML Namespaces §6.1 scoping).
    let body = xml(&r);
    assert!(body.starts_with("<Person id=\"123\""), "`id` is an attribute (`attribute: true`): {body}");
    assert!(!body.contains("<id>"), "`id` is not an element: {body}");
    assert!(body.contains("<sample:name"), "`name` carries its `prefix`: {body}");
    assert!(body.contains("xmlns:sample=\"https://example.com/schema/sample\""), "the prefix is bound: {body}");
    assert!(body.contains(">example</sample:name>"), "{body}");
}

#[tokio::test]
async fn wrapped_and_unwrapped_arrays() {
    let (peer, client) = start(Reply::status(204)).await;
    let result = client.send_zoo(&zoo()).await;
    let r = peer.request_for(&result);
    assert!(result.is_ok(), "{result:?}");
    let body = xml(&r);
    // XML Object examples, "XML Arrays": `wrapped: true` with items named `animal` is
    // <animals><animal>value</animal><animal>value</animal></animals>.
    assert!(body.contains("<animals><animal>cat</animal><animal>dog</animal></animals>"), "{body}");
    // "The external name property has no effect on the XML": unwrapped, `xml.name: aliens` is
    // ignored and the items are named by the items' `xml.name`: <pet>..</pet><pet>..</pet>.
    // XML Object `name`: "If wrapped is false, it will be ignored."
    assert!(body.contains("<pet>rex</pet><pet>tom</pet>"), "{body}");
    assert!(!body.contains("aliens") && !body.contains("<pets>"), "no wrapper for an unwrapped array: {body}");
    // "Basic string array property (wrapped is false by default)": the items take the
    // property's name: <birds>..</birds><birds>..</birds>.
    assert!(body.contains("<birds>tweety</birds><birds>polly</birds>"), "{body}");
}

#[tokio::test]
async fn decodes_wrapped_and_unwrapped_arrays() {
    let body = "<Zoo><animals><animal>cat</animal><animal>dog</animal></animals>\
                <pet>rex</pet><pet>tom</pet><birds>tweety</birds><birds>polly</birds></Zoo>";
    let (peer, client) = start(Reply::body(200, "application/xml", body)).await;
    let result = client.get_zoo().await;
    peer.request_for(&result);
    // The same shapes as above, read back.
    assert_eq!(result.unwrap(), zoo());
}

#[tokio::test]
async fn free_form_property_in_an_xml_body() {
    let (peer, client) = start(Reply::status(204)).await;
    // Schema `{}` (any value) as a property of an XML body: this must compile, and the
    // rest of the element is written as usual.
    let bag = Bag { label: "l".into(), extra: Some(serde_json::json!("v")) };
    let result = client.send_bag(&bag).await;
    let r = peer.request_for(&result);
    assert!(result.is_ok(), "{result:?}");
    let body = xml(&r);
    assert!(body.starts_with("<Bag><label>l</label>"), "{body}");
}

// ---- through the mock ----

#[tokio::test]
async fn mock_reads_error_and_refuses_the_rust_name() {
    let server = MockServer::start().await.unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    server.on_send_error(move |request| {
        let _ = tx.send(request);
        async { SendErrorReply::NoContent }
    });
    let mut p = Problems::default();
    let error = ErrorModel { code: 1, message: "m".into() };
    let result = client(api::Client::builder(server.url())).send_error(&error).await;
    p.check(result.is_ok(), || format!("the client's call: {result:?}"));
    match rx.try_recv() {
        Ok(got) => p.eq("the handler's body", got.body, error),
        Err(_) => p.check(false, || "the handler did not run".into()),
    }

    let http = reqwest::Client::new();
    let post = |body: &'static str| {
        http.post(format!("{}/error", server.url())).header("Content-Type", "application/xml").body(body)
    };
    // The element the spec names: accepted.
    let good = "<Error><code>1</code><message>m</message></Error>";
    p.eq(good, raw_status(post(good)).await, 204);
    // The Rust type's name is no element of the spec.
    let bad = "<ErrorModel><code>1</code><message>m</message></ErrorModel>";
    p.refused(bad, raw_status(post(bad)).await);
    p.finish();
}

#[tokio::test]
async fn mock_reads_arrays_and_refuses_a_missing_wrapper() {
    let server = MockServer::start().await.unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    server.on_send_zoo(move |request| {
        let _ = tx.send(request);
        async { SendZooReply::NoContent }
    });
    let mut p = Problems::default();
    let result = client(api::Client::builder(server.url())).send_zoo(&zoo()).await;
    p.check(result.is_ok(), || format!("the client's call: {result:?}"));
    match rx.try_recv() {
        Ok(got) => p.eq("the handler's body", got.body, zoo()),
        Err(_) => p.check(false, || "the handler did not run".into()),
    }

    let http = reqwest::Client::new();
    let post = |body: &'static str| {
        http.post(format!("{}/zoo", server.url())).header("Content-Type", "application/xml").body(body)
    };
    // The required, wrapped `animals` without its wrapper `<animals>` is not there at all.
    let bad = "<Zoo><animal>cat</animal><pet>rex</pet><birds>tweety</birds></Zoo>";
    p.refused(bad, raw_status(post(bad)).await);
    p.finish();
}
