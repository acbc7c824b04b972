//! Parameter Object: `style`, `explode`, `allowReserved` and `content`, for path, query,
//! header and cookie parameters (`cases/parameter_styles.yaml`).
//!
//! The values are the ones of the specification's "Style Examples": a string `blue`, an array
//! `["blue","black","brown"]` and an object `{"R":100,"G":200,"B":150}`. Citations name
//! sections of OpenAPI 3.1.1 (`versions/3.1.1.md`) unless they say 3.0.3.

use std::future::Future;

use tokio::sync::mpsc;

use super::parameter_styles_api::{self as api, mock::*, types::*};
use super::peer::{Peer, Reply, Request};
use super::{client, raw_status, Problems};

fn colors() -> Colors {
    vec!["blue".into(), "black".into(), "brown".into()]
}

fn rgb() -> Rgb {
    Rgb { r: 100, g: 200, b: 150 }
}

/// What the client sends for `call`, answered `204` (every operation here declares only that).
async fn sent<F, Fut>(call: F) -> Request
where
    F: FnOnce(api::Client) -> Fut,
    Fut: Future<Output = Result<(), api::Error>>,
{
    let peer = Peer::answer(Reply::status(204)).await;
    let result = call(client(api::Client::builder(peer.url()))).await;
    let request = peer.request_for(&result);
    // Responses Object: the declared `204` is the success, with no body.
    assert!(result.is_ok(), "a 204 answer is the declared success: {result:?}");
    request
}

// ---- path ----

#[tokio::test]
async fn path_simple() {
    let r = sent(|c| async move { c.path_simple("blue", &colors(), &rgb()).await }).await;
    // Style Examples, row `simple | false`: blue / blue,black,brown / R,100,G,200,B,150.
    assert_eq!(r.target(), "/simple/blue/blue,black,brown/R,100,G,200,B,150");
}

#[tokio::test]
async fn path_simple_explode() {
    let r = sent(|c| async move { c.path_simple_explode(&colors(), &rgb()).await }).await;
    // Style Examples, row `simple | true`: blue,black,brown / R=100,G=200,B=150.
    assert_eq!(r.target(), "/simple-explode/blue,black,brown/R=100,G=200,B=150");
}

#[tokio::test]
async fn path_label() {
    let r = sent(|c| async move { c.path_label("blue", &colors(), &rgb()).await }).await;
    // Style Examples (3.1.1), row `label | false`: .blue / .blue,black,brown / .R,100,G,200,B,150.
    // 3.0.3's table printed `.blue.black.brown` and `.R.100.G.200.B.150` here, an erratum
    // (RFC 6570 §3.2.5 joins the items of an unexploded list with `,`) that 3.1.1 corrects.
    assert_eq!(r.target(), "/label/.blue/.blue,black,brown/.R,100,G,200,B,150");
}

#[tokio::test]
async fn path_label_explode() {
    let r = sent(|c| async move { c.path_label_explode(&colors(), &rgb()).await }).await;
    // Style Examples, row `label | true`: .blue.black.brown / .R=100.G=200.B=150.
    assert_eq!(r.target(), "/label-explode/.blue.black.brown/.R=100.G=200.B=150");
}

#[tokio::test]
async fn path_matrix() {
    let r = sent(|c| async move { c.path_matrix("blue", &colors(), &rgb()).await }).await;
    // Style Examples, row `matrix | false`: ;color=blue / ;color=blue,black,brown /
    // ;color=R,100,G,200,B,150, with each parameter's own name in place of `color`.
    assert_eq!(r.target(), "/matrix/;prim=blue/;arr=blue,black,brown/;obj=R,100,G,200,B,150");
}

#[tokio::test]
async fn path_matrix_explode() {
    let r = sent(|c| async move { c.path_matrix_explode(&colors(), &rgb()).await }).await;
    // Style Examples, row `matrix | true`: ;color=blue;color=black;color=brown / ;R=100;G=200;B=150.
    assert_eq!(r.target(), "/matrix-explode/;arr=blue;arr=black;arr=brown/;R=100;G=200;B=150");
}

// ---- query ----

#[tokio::test]
async fn query_form_arrays() {
    let r = sent(|c| async move { c.query_form_arrays(&colors(), &colors()).await }).await;
    // Style Examples, rows `form | true` (`color=blue&color=black&color=brown`; form is the
    // default style of `in: query` and explode defaults to true for form: Parameter Object,
    // `style` and `explode`) and `form | false` (`color=blue,black,brown`). Appendix C: several
    // form parameters are one RFC 6570 variable list `{?color*,shade}`, in order.
    assert_eq!(r.target(), "/query/form-arrays?color=blue&color=black&color=brown&shade=blue,black,brown");
}

#[tokio::test]
async fn query_form_objects() {
    let r = sent(|c| async move { c.query_form_objects(&rgb(), &rgb()).await }).await;
    // Style Examples, rows `form | true` (`R=100&G=200&B=150`: an exploded object's name is not
    // sent) and `form | false` (`color=R,100,G,200,B,150`).
    assert_eq!(r.target(), "/query/form-objects?R=100&G=200&B=150&box=R,100,G,200,B,150");
}

#[tokio::test]
async fn query_space_and_pipe_delimited() {
    let r = sent(|c| async move { c.query_delimited(&colors(), &colors(), &rgb()).await }).await;
    // Style Examples, rows `spaceDelimited | false` (`color=blue%20black%20brown`) and
    // `pipeDelimited | false` (`color=blue%7Cblack%7Cbrown`, `color=R%7C100%7CG%7C200%7CB%7C150`);
    // Appendix E: the space and `|` delimiters MUST be percent-encoded to comply with RFC 3986.
    assert_eq!(
        r.target(),
        "/query/delimited?sp=blue%20black%20brown&pp=blue%7Cblack%7Cbrown&ppo=R%7C100%7CG%7C200%7CB%7C150"
    );
}

#[tokio::test]
async fn query_deep_object() {
    let r = sent(|c| async move { c.query_deep_object(&rgb()).await }).await;
    // Style Examples, row `deepObject | true`: color%5BR%5D=100&color%5BG%5D=200&color%5BB%5D=150
    // (3.0.3 printed the brackets unencoded; Appendix E: `[` and `]` MUST be percent-encoded).
    assert_eq!(r.target(), "/query/deep?filter%5BR%5D=100&filter%5BG%5D=200&filter%5BB%5D=150");
}

#[tokio::test]
async fn query_allow_reserved() {
    let value = "a/b,c&d=e f";
    let r = sent(|c| async move { c.query_reserved(value, value).await }).await;
    // Parameter Object, `allowReserved: true`: RFC 6570 reserved expansion lets RFC 3986's
    // reserved characters (`/`, `,`) through unchanged, but "applications are still responsible
    // for percent-encoding reserved characters that ... have a special meaning in
    // application/x-www-form-urlencoded" (`&`, `=`, `+`; Appendix C pre-encodes `[]#&=+`), and
    // the space is never allowed (`%20`, RFC 6570 encoding, Appendix E).
    // `allowReserved: false` (the default): form expansion encodes every character outside
    // RFC 3986's unreserved set (RFC 6570 §3.2.8).
    assert_eq!(r.query(), "raw=a/b,c%26d%3De%20f&enc=a%2Fb%2Cc%26d%3De%20f");
}

#[tokio::test]
async fn query_content_json() {
    let coords = Coordinates { lat: 1.5, long: 2.25 };
    let r = sent(|c| async move { c.query_content(&coords).await }).await;
    // Parameter Object, `content`: the value is serialized as the media type says
    // (JSON), then percent-encoded as one query value (Appendix E, content-based
    // serialization). `{`, `}` and `"` are not allowed in a query (RFC 3986 §3.4).
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(r.query()).unwrap();
    assert_eq!(pairs.len(), 1, "{}", r.query());
    assert_eq!(pairs[0].0, "coords");
    let value: serde_json::Value = serde_json::from_str(&pairs[0].1).unwrap();
    assert_eq!(value, serde_json::json!({"lat": 1.5, "long": 2.25}));
    assert!(!r.query().contains(['{', '}', '"']), "{}", r.query());
}

// ---- header and cookie ----

#[tokio::test]
async fn header_simple() {
    let r = sent(|c| async move { c.header_styles(&colors(), &rgb(), &rgb()).await }).await;
    // Parameter Object: `style` defaults to `simple` for `in: header`; Style Examples, rows
    // `simple | false` and `simple | true`. A header value is one field line: an array is
    // `blue,black,brown` on ONE line, not one line per item (Parameter Object Examples: "A
    // header parameter with an array of 64 bit integer numbers", `style: simple`).
    assert_eq!(r.header_lines("X-Colors"), ["blue,black,brown"], "{:?}", r.headers);
    assert_eq!(r.header_lines("X-Rgb"), ["R,100,G,200,B,150"], "{:?}", r.headers);
    assert_eq!(r.header_lines("X-Rgb-Explode"), ["R=100,G=200,B=150"], "{:?}", r.headers);
}

#[tokio::test]
async fn cookie_form_one_header() {
    let r = sent(|c| async move { c.cookie_form("abc", "dark").await }).await;
    // Parameter Object, `in: cookie`; Appendix D: "name=value pairs in cookies are delimited by
    // `; ` (a semicolon followed by a space character)"; RFC 6265 §5.4: the user agent sends
    // ONE Cookie header, its pairs separated by "; ". The order of the pairs is not ruled.
    let lines = r.header_lines("Cookie");
    assert_eq!(lines.len(), 1, "exactly one Cookie line: {:?}", r.headers);
    let mut pairs: Vec<&str> = lines[0].split("; ").collect();
    pairs.sort_unstable();
    assert_eq!(pairs, ["session=abc", "theme=dark"], "Cookie: {}", lines[0]);
}

// ---- through the mock ----

fn mock_client(server: &MockServer) -> api::Client {
    client(api::Client::builder(server.url()))
}

#[tokio::test]
async fn mock_reads_path_styles() {
    let server = MockServer::start().await.unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    server.on_path_label(move |request| {
        let _ = tx.send(request);
        async { PathLabelReply::NoContent }
    });
    let mut p = Problems::default();
    let result = mock_client(&server).path_label("blue", &colors(), &rgb()).await;
    p.check(result.is_ok(), || format!("the client's call: {result:?}"));
    match rx.try_recv() {
        Ok(got) => {
            p.eq("the handler's prim, arr, obj", (got.prim.as_str(), &got.arr, &got.obj), ("blue", &colors(), &rgb()))
        }
        Err(_) => p.check(false, || "the handler did not run".into()),
    }

    let url = server.url();
    let http = reqwest::Client::new();
    // Style Examples (3.1.1), `label | false`: the spec's own bytes are accepted...
    let good = format!("{url}/label/.blue/.blue,black,brown/.R,100,G,200,B,150");
    p.eq(&format!("GET {good}"), raw_status(http.get(&good)).await, 204);
    // ...and an unexploded simple object written exploded (`R=100,...`) is not one: the
    // `simple | false` object is `R,100,G,200,B,150`, name and value alternating.
    let bad = format!("{url}/simple/blue/blue,black,brown/R=100,G=200,B=150");
    p.refused(&format!("GET {bad}"), raw_status(http.get(&bad)).await);
    p.finish();
}

#[tokio::test]
async fn mock_reads_form_query() {
    let server = MockServer::start().await.unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    server.on_query_form_arrays(move |request| {
        let _ = tx.send(request);
        async { QueryFormArraysReply::NoContent }
    });
    let mut p = Problems::default();
    let result = mock_client(&server).query_form_arrays(&colors(), &colors()).await;
    p.check(result.is_ok(), || format!("the client's call: {result:?}"));
    match rx.try_recv() {
        Ok(got) => p.eq("the handler's color, shade", (&got.color, &got.shade), (&colors(), &colors())),
        Err(_) => p.check(false, || "the handler did not run".into()),
    }
    let http = reqwest::Client::new();
    // Style Examples, `form | true` and `form | false`: the spec's own bytes are accepted.
    let good = format!("{}/query/form-arrays?color=blue&color=black&color=brown&shade=blue,black,brown", server.url());
    p.eq(&format!("GET {good}"), raw_status(http.get(&good)).await, 204);
    // `shade` has explode: false, so it is ONE parameter `shade=blue,black,brown`; repeating
    // it is the exploded form, which it is not.
    let bad = format!("{}/query/form-arrays?color=blue&shade=blue&shade=black", server.url());
    p.refused(&format!("GET {bad}"), raw_status(http.get(&bad)).await);
    p.finish();
}

#[tokio::test]
async fn mock_reads_deep_object_and_reserved() {
    let server = MockServer::start().await.unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    server.on_query_reserved(move |request| {
        let _ = tx.send(request);
        async { QueryReservedReply::NoContent }
    });
    let mut p = Problems::default();
    let value = "a/b,c&d=e f";
    let result = mock_client(&server).query_reserved(value, value).await;
    p.check(result.is_ok(), || format!("the client's call: {result:?}"));
    match rx.try_recv() {
        // Whatever the encoding, both decode to the value sent (Appendix E, decoding).
        Ok(got) => p.eq("the handler's raw, enc", (got.raw.as_str(), got.enc.as_str()), (value, value)),
        Err(_) => p.check(false, || "the handler did not run".into()),
    }
    let http = reqwest::Client::new();
    // Style Examples, `deepObject | true`: the spec's own bytes are accepted...
    let good = format!("{}/query/deep?filter%5BR%5D=100&filter%5BG%5D=200&filter%5BB%5D=150", server.url());
    p.eq(&format!("GET {good}"), raw_status(http.get(&good)).await, 204);
    // ...and the form `filter=R,100,...` is not a deepObject value.
    let bad = format!("{}/query/deep?filter=R,100,G,200,B,150", server.url());
    p.refused(&format!("GET {bad}"), raw_status(http.get(&bad)).await);
    p.finish();
}

#[tokio::test]
async fn mock_reads_headers_and_cookies() {
    let server = MockServer::start().await.unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    server.on_header_styles(move |request| {
        let _ = tx.send(request);
        async { HeaderStylesReply::NoContent }
    });
    let (ctx, mut crx) = mpsc::unbounded_channel();
    server.on_cookie_form(move |request| {
        let _ = ctx.send(request);
        async { CookieFormReply::NoContent }
    });
    let mut p = Problems::default();
    let client = mock_client(&server);
    let result = client.header_styles(&colors(), &rgb(), &rgb()).await;
    p.check(result.is_ok(), || format!("the client's header call: {result:?}"));
    match rx.try_recv() {
        Ok(got) => {
            p.eq("the handler's headers", (&got.x_colors, &got.x_rgb, &got.x_rgb_explode), (&colors(), &rgb(), &rgb()))
        }
        Err(_) => p.check(false, || "the header handler did not run".into()),
    }
    let result = client.cookie_form("abc", "dark").await;
    p.check(result.is_ok(), || format!("the client's cookie call: {result:?}"));
    match crx.try_recv() {
        Ok(got) => p.eq("the handler's cookies", (got.session.as_str(), got.theme.as_str()), ("abc", "dark")),
        Err(_) => p.check(false, || "the cookie handler did not run".into()),
    }

    let http = reqwest::Client::new();
    let headers = |request: reqwest::RequestBuilder| {
        request.header("X-Colors", "blue,black,brown").header("X-Rgb-Explode", "R=100,G=200,B=150")
    };
    // The spec's own serialization (Style Examples, `simple`) is accepted...
    let good = headers(http.get(format!("{}/headers", server.url()))).header("X-Rgb", "R,100,G,200,B,150");
    p.eq("the spec's simple headers", raw_status(good).await, 204);
    // ...and (Parameter Object, `required: true`) a request without the header breaks the spec.
    let missing_header = headers(http.get(format!("{}/headers", server.url())));
    p.refused("required header X-Rgb missing", raw_status(missing_header).await);
    // RFC 6265 §5.4: one Cookie line is accepted, and a required cookie is required.
    let good = http.get(format!("{}/cookies", server.url())).header("Cookie", "session=abc; theme=dark");
    p.eq("Cookie: session=abc; theme=dark", raw_status(good).await, 204);
    let missing_cookie = http.get(format!("{}/cookies", server.url())).header("Cookie", "session=abc");
    p.refused("required cookie theme missing", raw_status(missing_cookie).await);
    p.finish();
}
