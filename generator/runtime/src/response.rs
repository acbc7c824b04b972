//! An answer, fully read, and decoding it: the body the spec promises on success, or an
//! error that names the operation and shows no secret.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderMap, CONTENT_TYPE};
use serde::de::DeserializeOwned;

use super::error::{ApiErrorBody, Error};
use super::identity::Identity;
use super::operation::{Format, Operation};
use super::redact::Redactor;
use super::transport::Answer;
use super::xml::{XmlElement, XmlRoot};
use super::Secret;

/// Error bodies larger than this are not parsed, only excerpted: redacting and parsing a
/// hostile 32 MiB body would hold up an executor thread.
const MAX_PARSED_ERROR_BODY: usize = 64 * 1024;

/// The longest decode message kept (a value quoted from the body may be huge).
const MAX_MESSAGE: usize = 1024;

/// Blanks secrets out of every string (and key) of a JSON value, without recursion.
fn redact_strings(value: &mut serde_json::Value, redactor: &Redactor) {
    let mut pending = vec![value];
    while let Some(v) = pending.pop() {
        match v {
            serde_json::Value::String(s) => *s = redactor.text(s),
            serde_json::Value::Array(items) => pending.extend(items.iter_mut()),
            serde_json::Value::Object(map) => {
                let keys: Vec<String> = map.keys().filter(|k| redactor.text(k) != **k).cloned().collect();
                for k in keys {
                    if let Some(moved) = map.remove(&k) {
                        map.insert(redactor.text(&k), moved);
                    }
                }
                pending.extend(map.values_mut());
            }
            _ => {}
        }
    }
}

/// An answer, fully read. Its `Debug` shows header names but not their values (a session
/// id or a cookie may be among them) and only the length of the body.
pub struct Response {
    op: &'static Operation,
    status: u16,
    headers: HeaderMap,
    body: Bytes,
    /// A success's body still on the connection (a streamed download).
    live: Option<reqwest::Response>,
    /// For error text: the client's credentials are looked up there.
    identity: Arc<Identity>,
    /// How long a streamed download may wait for its next bytes.
    idle: Duration,
    /// The secrets the request carried.
    secrets: Vec<Secret>,
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("operation", &self.op.id)
            .field("status", &self.status)
            .field("headers", &self.headers.keys().map(|k| k.as_str()).collect::<Vec<_>>())
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl Response {
    pub(crate) fn new(
        op: &'static Operation,
        answer: Answer,
        identity: Arc<Identity>,
        idle: Duration,
        secrets: Vec<Secret>,
    ) -> Self {
        Response {
            op,
            status: answer.status,
            headers: answer.headers,
            body: answer.body,
            live: answer.live,
            identity,
            idle,
            secrets,
        }
    }

    /// Every secret this answer could echo: the request's and the client's credentials.
    fn redactor(&self) -> Redactor {
        let mut r = self.identity.redactor();
        for s in &self.secrets {
            r.add(s);
        }
        r
    }

    /// An excerpt for an error, never of a success body (it may carry credentials).
    fn error_excerpt(&self, redactor: &Redactor) -> String {
        if self.is_success() {
            format!("({} bytes of a success body, not shown)", self.body.len())
        } else {
            redactor.excerpt(&self.body)
        }
    }

    /// HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// A response header the spec says every success carries, parsed; its absence or a
    /// value that does not parse is a `Decode` error naming the header.
    pub fn header_value<T: std::str::FromStr, E>(&self, name: &str) -> Result<T, Error<E>> {
        self.optional_header_value(name)?
            .ok_or_else(|| self.decode_error(format!("header `{name}`"), "the header is missing".into()))
    }

    /// An optional response header, parsed.
    pub fn optional_header_value<T: std::str::FromStr, E>(&self, name: &str) -> Result<Option<T>, Error<E>> {
        let Some(raw) = self.headers.get(name) else { return Ok(None) };
        let text =
            raw.to_str().map_err(|_| self.decode_error(format!("header `{name}`"), "the value is not text".into()))?;
        text.trim().parse().map(Some).map_err(|_| {
            self.decode_error(format!("header `{name}`"), "the value does not parse as the declared type".into())
        })
    }

    /// A header's value as a secret (a session id), if present and text.
    pub fn header_secret(&self, name: &str) -> Option<Secret> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(Secret::from)
    }

    fn content_format(&self) -> Option<Format> {
        let ct = self.headers.get(CONTENT_TYPE)?.to_str().ok()?;
        let mime = ct.split(';').next().unwrap_or("").trim().as_bytes();
        let ends_with = |suffix: &[u8]| {
            mime.len() >= suffix.len() && mime[mime.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
        };
        if ends_with(b"json") {
            Some(Format::Json)
        } else if ends_with(b"xml") {
            Some(Format::Xml)
        } else if mime.eq_ignore_ascii_case(b"application/x-www-form-urlencoded") {
            Some(Format::Form)
        } else {
            None
        }
    }

    fn decode_error<E>(&self, path: String, message: String) -> Error<E> {
        // serde's messages may quote a value of the body: blanked, and cut to a readable size.
        let mut message = self.redactor().text(&message);
        if message.len() > MAX_MESSAGE {
            let cut = (0..=MAX_MESSAGE).rev().find(|i| message.is_char_boundary(*i)).unwrap_or(0);
            message.truncate(cut);
            message.push_str("… (truncated)");
        }
        Error::Decode { operation: self.op.id, status: self.status, path, message }
    }

    fn json<T: DeserializeOwned, E>(&self) -> Result<T, Error<E>> {
        if self.body.is_empty() {
            // An empty body is fine for a type that can be empty (`Option`, unit-like `Value`).
            if let Ok(v) = serde_json::from_value::<T>(serde_json::Value::Null) {
                return Ok(v);
            }
            return Err(self.decode_error(".".into(), "the body is empty, but the spec promises one".into()));
        }
        super::de::json_body(&self.body).map_err(|(path, message)| self.decode_error(path, message))
    }

    /// Decodes a JSON (or form) body into `T`.
    pub fn decode_serde<T: DeserializeOwned, E>(&self, offered: &[Format]) -> Result<T, Error<E>> {
        match self.content_format() {
            Some(Format::Form) if offered.contains(&Format::Form) => {
                serde_urlencoded::from_bytes(&self.body).map_err(|e| self.decode_error(".".into(), e.to_string()))
            }
            _ => self.json(),
        }
    }

    /// Whether the answer is XML: by its `Content-Type`, or when the server does not say,
    /// by a body that looks like XML.
    fn is_xml(&self) -> bool {
        match self.content_format() {
            Some(Format::Xml) => true,
            Some(_) => false,
            None => self.body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<'),
        }
    }

    /// Decodes an XML or JSON body into `T`, by the answer's `Content-Type` (XML when the
    /// server does not say and the body looks like XML).
    pub fn decode_xml_or_serde<T: DeserializeOwned + XmlElement + XmlRoot, E>(
        &self,
        offered: &[Format],
    ) -> Result<T, Error<E>> {
        if self.is_xml() {
            super::xml::from_bytes::<T>(&self.body).map_err(|e| self.decode_error(e.path(), e.message))
        } else {
            self.decode_serde(offered)
        }
    }

    /// Decodes an XML array (a root element holding one `item` element per value) or a JSON
    /// array.
    pub fn decode_xml_list_or_serde<T: DeserializeOwned + XmlElement, E>(
        &self,
        offered: &[Format],
        item: &str,
    ) -> Result<Vec<T>, Error<E>> {
        if self.is_xml() {
            let root = super::xml::parse(&self.body).map_err(|e| self.decode_error(e.path(), e.message))?;
            let wrapper = root.name.clone();
            super::xml::list(&root, item).map_err(|e| {
                let e = e.inside_root(&wrapper);
                self.decode_error(e.path(), e.message)
            })
        } else {
            self.decode_serde(offered)
        }
    }

    /// Decodes an XML value held as the text of its root element, or a JSON value.
    pub fn decode_xml_text_or_serde<T: DeserializeOwned + super::xml::XmlText, E>(
        &self,
        offered: &[Format],
    ) -> Result<T, Error<E>> {
        if self.is_xml() {
            let root = super::xml::parse(&self.body).map_err(|e| self.decode_error(e.path(), e.message))?;
            T::from_xml_text(&root.text).map_err(|m| self.decode_error(format!("/{}", root.name), m))
        } else {
            self.decode_serde(offered)
        }
    }

    /// The raw body.
    pub fn bytes(&self) -> Bytes {
        self.body.clone()
    }

    /// The body as a stream of chunks (as it arrives, when the request was sent with
    /// `send_streaming`).
    pub fn into_stream<E>(mut self) -> super::ByteStream<E> {
        match self.live.take() {
            Some(live) => super::ByteStream::live(self.op.id, live, self.idle),
            None => super::ByteStream::whole(self.op.id, std::mem::take(&mut self.body)),
        }
    }

    /// The body as text.
    pub fn text<E>(&self) -> Result<String, Error<E>> {
        String::from_utf8(self.body.to_vec())
            .map_err(|e| self.decode_error(".".into(), format!("the body is not UTF-8: {e}")))
    }

    /// Turns an answer the operation does not accept into an error: the spec's error body
    /// when it parses, otherwise the status with an excerpt of the body.
    ///
    /// The body is parsed after every secret the request carried and every credential of
    /// the client is blanked out of it, so that an echoing server cannot put one into the
    /// error's `Display` or `Debug`.
    pub fn into_error<E: DeserializeOwned>(self) -> Error<E> {
        let declared = !self.is_success();
        self.error_body(declared)
    }

    /// The error of an operation with its own error type: `decode` picks the body the
    /// status declares from the (redacted) JSON answer; `None` (a status nothing declares,
    /// or a body that does not fit) is `UnexpectedStatus`.
    pub fn into_error_with<E>(self, decode: impl FnOnce(u16, serde_json::Value) -> Option<E>) -> Error<E> {
        let redactor = self.redactor();
        if !self.body.is_empty() && self.body.len() <= MAX_PARSED_ERROR_BODY {
            let clean = redactor.redact(&self.body);
            if let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(&clean) {
                redact_strings(&mut value, &redactor);
                if let Some(body) = decode(self.status, value) {
                    return Error::Api { operation: self.op.id, status: self.status, body: ApiErrorBody(body) };
                }
            }
        }
        Error::UnexpectedStatus { operation: self.op.id, status: self.status, body: self.error_excerpt(&redactor) }
    }

    /// [`Self::into_error`] for an operation whose `default` response is an error: it covers
    /// every status no other response names, a 2xx included, so the body is decoded whatever
    /// the status.
    pub fn into_declared_error<E: DeserializeOwned>(self) -> Error<E> {
        self.error_body(true)
    }

    /// [`Self::into_error_xml`] for an operation whose `default` response is an error.
    pub fn into_declared_error_xml<E: DeserializeOwned + XmlElement + XmlRoot>(self) -> Error<E> {
        self.error_body_xml(true)
    }

    fn error_body<E: DeserializeOwned>(self, declared: bool) -> Error<E> {
        let redactor = self.redactor();
        if declared && !self.body.is_empty() && self.body.len() <= MAX_PARSED_ERROR_BODY {
            // Blanked twice: in the raw text, and in every string once parsed, where an
            // escape the server added (a JSON-escaped echo inside a JSON string) is undone.
            let clean = redactor.redact(&self.body);
            if let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(&clean) {
                redact_strings(&mut value, &redactor);
                if let Ok(body) = serde_json::from_value::<E>(value) {
                    return Error::Api { operation: self.op.id, status: self.status, body: ApiErrorBody(body) };
                }
            }
        }
        Error::UnexpectedStatus { operation: self.op.id, status: self.status, body: self.error_excerpt(&redactor) }
    }

    /// [`Self::into_error`] for APIs whose errors may come as XML.
    pub fn into_error_xml<E: DeserializeOwned + XmlElement + XmlRoot>(self) -> Error<E> {
        let declared = !self.is_success();
        self.error_body_xml(declared)
    }

    fn error_body_xml<E: DeserializeOwned + XmlElement + XmlRoot>(self, declared: bool) -> Error<E> {
        if self.content_format() == Some(Format::Xml) || self.body.first() == Some(&b'<') {
            let redactor = self.redactor();
            if declared && self.body.len() <= MAX_PARSED_ERROR_BODY {
                // Blanked in the raw text, and again in every text and attribute once parsed
                // (where character references are resolved).
                let clean = redactor.redact(&self.body);
                if let Ok(mut root) = super::xml::parse(&clean) {
                    super::xml::map_text(&mut root, &|t| redactor.text(t));
                    if let Ok(body) = super::xml::from_root::<E>(root) {
                        return Error::Api { operation: self.op.id, status: self.status, body: ApiErrorBody(body) };
                    }
                }
            }
            Error::UnexpectedStatus { operation: self.op.id, status: self.status, body: self.error_excerpt(&redactor) }
        } else {
            self.error_body(declared)
        }
    }
}
