//! Wire conformance: what the generated client sends and accepts, checked against the text of
//! the OpenAPI Specification rather than against the generator's own output.
//!
//! One YAML document per section of the specification lives in `cases/`; each is generated
//! (runtime `::veeam_client::runtime`) into a checked-in module under `generated/<section>/`
//! by `cargo xtask codegen` (`tests/codegen.toml`), whose freshness test (`codegen_fresh`)
//! fails when one is stale. Every case is tested twice: the client against a raw
//! loopback peer ([`peer`]) that records the request bytes exactly and answers a canned
//! response, and the client against the generated mock, with a raw `reqwest` request that
//! breaks the rule to show the mock refuses it.
//!
//! The expected bytes come from the specification (3.0.3, and 3.1.1 where it corrects 3.0.3's
//! errata); each assertion names the section it comes from. Many cases fail on purpose until
//! the generator is fixed: do not adapt an expectation to what the code does.
//!
//! ```text
//! cargo xtask codegen    # after a generator change
//! cargo test -p tests --test it -- conformance::
//! ```

mod peer;

mod media_types;
mod parameter_styles;
mod request_bodies;
mod responses;
mod xml;

// The generated modules, one per section (checked in, written by `cargo xtask codegen`).
#[allow(dead_code, unused_imports, clippy::all)]
#[path = "generated/media_types/mod.rs"]
#[rustfmt::skip]
mod media_types_api;
#[allow(dead_code, unused_imports, clippy::all)]
#[path = "generated/parameter_styles/mod.rs"]
#[rustfmt::skip]
mod parameter_styles_api;
#[allow(dead_code, unused_imports, clippy::all)]
#[path = "generated/request_bodies/mod.rs"]
#[rustfmt::skip]
mod request_bodies_api;
#[allow(dead_code, unused_imports, clippy::all)]
#[path = "generated/responses/mod.rs"]
#[rustfmt::skip]
mod responses_api;
#[allow(dead_code, unused_imports, clippy::all)]
#[path = "generated/xml/mod.rs"]
#[rustfmt::skip]
mod xml_api;

use veeam_client::runtime::{ClientBuilder, FromCore, RetryPolicy};

/// A client of the server at `url` that tries each call once (a canned `5xx` is an answer to
/// look at, not a reason to ask the one-shot peer again) and gives up after [`peer::WAIT`].
fn client<C: FromCore>(builder: ClientBuilder<C>) -> C {
    builder.retry(RetryPolicy { max_attempts: 1, ..RetryPolicy::default() }).timeout(peer::WAIT).build().unwrap()
}

/// The status a server answers a raw request with (one that a generated client would never
/// send: it breaks the rule a case is about).
async fn raw_status(request: reqwest::RequestBuilder) -> u16 {
    request.timeout(peer::WAIT).send().await.expect("the mock answers").status().as_u16()
}

/// The media type of a `Content-Type` value, without parameters, lowercase.
fn essence(content_type: Option<&str>) -> String {
    content_type.unwrap_or_default().split(';').next().unwrap_or_default().trim().to_ascii_lowercase()
}

/// What a mock test finds wrong, each as observed against expected, all reported at the end
/// (a mock test checks several things; the first failure should not hide the others).
#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    /// Notes `what` unless `ok`.
    fn check(&mut self, ok: bool, what: impl FnOnce() -> String) {
        if !ok {
            self.0.push(what());
        }
    }

    /// Notes `what` unless `observed == expected`.
    fn eq<T: PartialEq + std::fmt::Debug>(&mut self, what: &str, observed: T, expected: T) {
        self.check(observed == expected, || format!("{what}: observed {observed:?}, expected {expected:?}"));
    }

    /// Notes `what` unless the server refused the request as the client's fault (4xx).
    fn refused(&mut self, what: &str, status: u16) {
        self.check((400..500).contains(&status), || format!("{what}: observed {status}, expected a 4xx refusal"));
    }

    fn finish(self) {
        assert!(self.0.is_empty(), "{} problem(s):\n  {}", self.0.len(), self.0.join("\n  "));
    }
}
