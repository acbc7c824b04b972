//! What the mock received, for assertions: every request, with credentials blanked out.

use super::super::redact::Redactor;
use super::super::Secret;
use super::wire::RawRequest;
use super::{Api, Scheme};

/// What replaces a credential in a record.
const MASK: &str = "***";

/// One request the mock received and how it answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    /// The operation id it was routed to; `None` when no operation matched (or it was a
    /// token request to an endpoint the spec does not list as an operation).
    pub operation: Option<String>,
    /// The method.
    pub method: String,
    /// The path, as sent.
    pub path: String,
    /// The query parameters, in order (API keys blanked out).
    pub query: Vec<(String, String)>,
    /// The headers, names in lower case (credentials blanked out).
    pub headers: Vec<(String, String)>,
    /// The body, lossily decoded, secrets blanked out; only its length when it does not fit
    /// the spec (its secrets cannot be told apart then).
    pub body: String,
    /// The status the mock answered.
    pub status: u16,
    /// Why the mock refused the request (`400`, `401`, `404`, `405`) or could not answer it
    /// (`501`); `None` when it was answered.
    pub failure: Option<String>,
}

impl Recorded {
    /// Keeps only the body's length: for a body the typed parse could not read, whose
    /// secrets cannot be told apart.
    pub(crate) fn withhold_body(&mut self, len: usize) {
        self.body = format!("<{len} bytes withheld: the body does not fit the spec, so its secrets are unknown>");
    }

    /// A header's value (names are case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body as JSON, when it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.body).ok()
    }
}

/// The record of `raw`: headers that carry credentials (per the spec's schemes, plus
/// `Authorization` and cookies) and API-key query parameters masked, and every secret the
/// body carries (typed fields, known credentials) blanked out of the body in any encoding.
pub(crate) fn record(
    api: &Api,
    raw: &RawRequest,
    operation: Option<&str>,
    secrets: &[Secret],
    known: &[String],
    status: u16,
    failure: Option<String>,
) -> Recorded {
    let secret_header = |name: &str| {
        ["authorization", "proxy-authorization", "cookie"].contains(&name)
            || api.schemes.iter().any(|(_, s)| matches!(s, Scheme::ApiKeyHeader(h) if h.eq_ignore_ascii_case(name)))
    };
    let secret_query = |name: &str| api.schemes.iter().any(|(_, s)| matches!(s, Scheme::ApiKeyQuery(q) if *q == name));
    let mut redactor = Redactor::default();
    secrets.iter().for_each(|s| redactor.add(s));
    known.iter().for_each(|k| redactor.add_str(k));
    Recorded {
        operation: operation.map(str::to_owned),
        method: raw.method.clone(),
        path: raw.path.clone(),
        query: raw
            .query
            .iter()
            .map(|(n, v)| (n.clone(), if secret_query(n) { MASK.to_owned() } else { redactor.text(v) }))
            .collect(),
        headers: raw
            .headers
            .iter()
            .map(|(n, v)| {
                let n = n.to_ascii_lowercase();
                let v = if secret_header(&n) { MASK.to_owned() } else { redactor.text(v) };
                (n, v)
            })
            .collect(),
        body: String::from_utf8_lossy(&redactor.redact(&raw.body)).into_owned(),
        status,
        failure: failure.map(|f| redactor.text(&f)),
    }
}
