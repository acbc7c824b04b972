//! A request as the mock received it, read into typed values, and an answer written in the
//! media type the request asks for.

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::super::redact::scrub;
use super::super::style::{Shape, ShapeKind};
use super::super::xml::{self, XmlElement, XmlRoot, XmlText};

/// Where a parameter is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum In {
    /// In the path.
    Path,
    /// In the query string.
    Query,
    /// A header.
    Header,
    /// A cookie.
    Cookie,
}

impl std::fmt::Display for In {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            In::Path => "path",
            In::Query => "query",
            In::Header => "header",
            In::Cookie => "cookie",
        })
    }
}

/// A request the mock received: what the typed request structs are read from. Its `Debug`
/// shows the method and path only: headers and body may carry credentials.
#[derive(Clone)]
pub struct RawRequest {
    pub(crate) method: String,
    pub(crate) path: String,
    /// Path parameters as sent (percent-encoded).
    pub(crate) captures: Vec<(String, String)>,
    /// Query parameters, decoded.
    pub(crate) query: Vec<(String, String)>,
    /// The query string as sent, which styled parameters are read from.
    pub(crate) raw_query: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Bytes,
}

impl std::fmt::Debug for RawRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawRequest").field("method", &self.method).field("path", &self.path).finish_non_exhaustive()
    }
}

impl RawRequest {
    /// The method.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The path, as sent.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The first value of a header (names are case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The first value of a query parameter.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The body as received.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// A parameter read by its style, as the client writes it (`style`, `explode`; `kind` is
    /// the shape of its type; `known` the operation's other parameters in the same place, for
    /// an exploded object whose keys are top-level names). `json`: the parameter has
    /// `content: application/json`, one value holding JSON text. `None` when absent; an error
    /// when present but not written in that style.
    pub fn styled<T: DeserializeOwned>(
        &self,
        location: In,
        wire: &str,
        style: super::super::ParamStyle,
        kind: ShapeKind,
        json: bool,
        known: &[&str],
    ) -> Result<Option<T>, String> {
        let err = |e: super::super::style::StyleError| format!("{location} parameter `{wire}`: {}", e.0);
        let (explode, style_) = (style.explode, style.style);
        let shape = match location {
            In::Path => match self.captures.iter().find(|(n, _)| n == wire) {
                Some((_, text)) => {
                    Some(super::super::style::parse_path(text, wire, kind, style_, explode).map_err(err)?)
                }
                None => None,
            },
            In::Query => {
                super::super::style::parse_query(&self.raw_query, wire, kind, style_, explode, known).map_err(err)?
            }
            In::Header => match self.header(wire) {
                Some(v) => Some(super::super::style::parse_header(v, kind, explode).map_err(err)?),
                None => None,
            },
            In::Cookie => {
                let cookies: Vec<&str> = self
                    .headers
                    .iter()
                    .filter(|(n, _)| n.eq_ignore_ascii_case("cookie"))
                    .map(|(_, v)| v.as_str())
                    .collect();
                super::super::style::parse_cookie(&cookies.join("; "), wire, kind, explode, known).map_err(err)?
            }
        };
        let Some(shape) = shape else { return Ok(None) };
        let cannot = |e: String| format!("{location} parameter `{wire}`: cannot read it as its type: {e}");
        match shape {
            Shape::Primitive(text) if json => serde_json::from_str(&text).map(Some).map_err(|e| cannot(e.to_string())),
            Shape::Primitive(text) => {
                value(&text).map(Some).map_err(|e| format!("{location} parameter `{wire}`: cannot read `{text}`: {e}"))
            }
            shape => {
                let (strings, guessed) = shape_json(&shape);
                lenient(strings, guessed).map(Some).map_err(cannot)
            }
        }
    }

    /// A body that may come form-urlencoded: each property read by its encoding (style,
    /// explode, or a `content_type` such as JSON), as the client writes it; other media
    /// types as [`Self::body_serde`].
    pub fn body_form<T: DeserializeOwned>(
        &self,
        offered: &[&str],
        fields: &[(super::super::style::FormEncoding<'_>, ShapeKind)],
    ) -> Result<T, String> {
        let mime = self.media(offered)?;
        if !is_form(&mime) {
            return self.body_serde(offered);
        }
        let text = std::str::from_utf8(&self.body).map_err(|_| "the form body is not UTF-8".to_owned())?;
        let names: Vec<&str> = fields.iter().map(|(e, _)| e.name).collect();
        let (mut strings, mut guessed) = (serde_json::Map::new(), serde_json::Map::new());
        for (e, kind) in fields {
            let known: Vec<&str> = names.iter().copied().filter(|n| *n != e.name).collect();
            let err = |x: super::super::style::StyleError| scrub(&format!("form property `{}`: {}", e.name, x.0));
            if let Some(content_type) = e.content_type {
                let read = super::super::style::parse_query(
                    text,
                    e.name,
                    ShapeKind::Primitive,
                    super::super::style::Style::Form,
                    true,
                    &known,
                );
                if let Some(Shape::Primitive(t)) = read.map_err(err)? {
                    let value = if content_type.contains("json") {
                        serde_json::from_str(&t)
                            .map_err(|x| scrub(&format!("form property `{}` is not JSON: {x}", e.name)))?
                    } else {
                        serde_json::Value::String(t.into_owned())
                    };
                    strings.insert(e.name.to_owned(), value.clone());
                    guessed.insert(e.name.to_owned(), value);
                }
                continue;
            }
            let read =
                super::super::style::parse_query(text, e.name, *kind, e.style, e.explode, &known).map_err(err)?;
            if let Some(shape) = read {
                let (s, g) = match &shape {
                    Shape::Primitive(t) => (serde_json::Value::String(t.to_string()), guess(t)),
                    other => shape_json(other),
                };
                strings.insert(e.name.to_owned(), s);
                guessed.insert(e.name.to_owned(), g);
            }
        }
        lenient(serde_json::Value::Object(strings), serde_json::Value::Object(guessed))
            .map_err(|e| scrub(&format!("the form body does not fit: {e}")))
    }

    /// A required parameter read by its style (see [`Self::styled`]).
    pub fn styled_required<T: DeserializeOwned>(
        &self,
        location: In,
        wire: &str,
        style: super::super::ParamStyle,
        kind: ShapeKind,
        json: bool,
        known: &[&str],
    ) -> Result<T, String> {
        self.styled(location, wire, style, kind, json, known)?
            .ok_or_else(|| format!("the required {location} parameter `{wire}` is missing"))
    }

    /// The media type of the body (without parameters, lower case).
    fn content_type(&self) -> Option<String> {
        self.header("content-type").map(|v| v.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
    }

    /// The body's media type, checked against the ones the operation accepts.
    fn media(&self, offered: &[&str]) -> Result<String, String> {
        let Some(mime) = self.content_type() else {
            return Err(if self.body.is_empty() {
                "the required body is missing".to_owned()
            } else {
                format!("the body has no Content-Type; expected one of {}", list(offered))
            });
        };
        if offered.iter().any(|o| o.eq_ignore_ascii_case(&mime)) {
            Ok(mime)
        } else {
            Err(format!("the body's media type `{mime}` is not one of {}", list(offered)))
        }
    }

    /// An optional body: none when nothing was sent.
    pub fn optional_body<T>(&self, read: impl FnOnce(&Self) -> Result<T, String>) -> Result<Option<T>, String> {
        if self.body.is_empty() && self.content_type().is_none() {
            return Ok(None);
        }
        read(self).map(Some)
    }

    /// A JSON or form-encoded body.
    pub fn body_serde<T: DeserializeOwned>(&self, offered: &[&str]) -> Result<T, String> {
        let mime = self.media(offered)?;
        if is_form(&mime) {
            return serde_urlencoded::from_bytes(&self.body)
                .map_err(|e| scrub(&format!("the form body does not fit: {e}")));
        }
        if is_xml(&mime) {
            return Err(format!("the body's media type `{mime}` cannot be read for this schema"));
        }
        let mut de = serde_json::Deserializer::from_slice(&self.body);
        serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let at = e.path().to_string();
            scrub(&format!("the JSON body does not fit the schema at `{at}`: {}", e.into_inner()))
        })
    }

    /// An XML or JSON body whose root element is `T`'s.
    pub fn body_xml_or_serde<T: DeserializeOwned + XmlElement + XmlRoot>(&self, offered: &[&str]) -> Result<T, String> {
        let mime = self.media(offered)?;
        if is_xml(&mime) {
            xml::from_bytes(&self.body)
                .map_err(|e| scrub(&format!("the XML body does not fit at `{}`: {}", e.path(), e.message)))
        } else {
            self.body_serde(offered)
        }
    }

    /// An XML list (one `item` element per value) or a JSON array.
    pub fn body_xml_list_or_serde<T: DeserializeOwned + XmlElement>(
        &self,
        offered: &[&str],
        item: &str,
    ) -> Result<Vec<T>, String> {
        let mime = self.media(offered)?;
        if is_xml(&mime) {
            let root = xml::parse(&self.body)
                .map_err(|e| scrub(&format!("the XML body is not well-formed: {}", e.message)))?;
            xml::list(&root, item)
                .map_err(|e| scrub(&format!("the XML body does not fit at `{}`: {}", e.path(), e.message)))
        } else {
            self.body_serde(offered)
        }
    }

    /// An XML value held as the text of the root element, or a JSON value.
    pub fn body_xml_text_or_serde<T: DeserializeOwned + XmlText>(&self, offered: &[&str]) -> Result<T, String> {
        let mime = self.media(offered)?;
        if is_xml(&mime) {
            let root = xml::parse(&self.body)
                .map_err(|e| scrub(&format!("the XML body is not well-formed: {}", e.message)))?;
            T::from_xml_text(&root.text).map_err(|m| format!("the XML body does not fit: {m}"))
        } else {
            self.body_serde(offered)
        }
    }

    /// A text body.
    pub fn body_text(&self, offered: &[&str]) -> Result<String, String> {
        self.media(offered)?;
        String::from_utf8(self.body.to_vec()).map_err(|_| "the text body is not UTF-8".to_owned())
    }

    /// A body kept as bytes (binary, multipart).
    pub fn body_bytes(&self, offered: &[&str]) -> Result<Bytes, String> {
        self.media(offered)?;
        Ok(self.body.clone())
    }

    /// Whether the request's `Accept` takes any of `offered`.
    pub(crate) fn accepts_any(&self, offered: &[&str]) -> bool {
        let Some(accept) = self.header("accept") else { return true };
        accept.split(',').any(|r| {
            let mut parts = r.split(';');
            let range = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
            let refused =
                parts.filter_map(|p| p.trim().strip_prefix("q=")).any(|q| q.parse::<f32>().is_ok_and(|q| q <= 0.0));
            !refused
                && offered.iter().any(|o| {
                    let o = o.to_ascii_lowercase();
                    range == "*/*"
                        || range == o
                        || range.strip_suffix("/*").is_some_and(|t| o.starts_with(&format!("{t}/")))
                })
        })
    }

    /// The offered media type the request's `Accept` prefers (the first offered when it
    /// names none of them).
    pub(crate) fn negotiate<'a>(&self, offered: &[&'a str]) -> Option<&'a str> {
        let Some(accept) = self.header("accept") else { return offered.first().copied() };
        let mut ranges: Vec<(String, f32)> = accept
            .split(',')
            .map(|r| {
                let mut parts = r.split(';');
                let range = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
                let q = parts
                    .filter_map(|p| p.trim().strip_prefix("q="))
                    .find_map(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                (range, q)
            })
            .filter(|(_, q)| *q > 0.0)
            .collect();
        ranges.sort_by(|a, b| b.1.total_cmp(&a.1));
        for (range, _) in &ranges {
            let fits = |o: &&&'a str| {
                let o = o.to_ascii_lowercase();
                range == "*/*"
                    || *range == o
                    || range.strip_suffix("/*").is_some_and(|t| o.starts_with(&format!("{t}/")))
            };
            if let Some(o) = offered.iter().find(fits) {
                return Some(*o);
            }
        }
        offered.first().copied()
    }

    /// A JSON or form answer.
    pub fn reply_serde<T: Serialize>(&self, status: u16, body: &T, offered: &[&str]) -> RawReply {
        let usable: Vec<&str> = offered.iter().copied().filter(|m| !is_xml(m)).collect();
        let mime = self.negotiate(&usable).unwrap_or("application/json");
        let bytes = if is_form(mime) {
            serde_urlencoded::to_string(body).map(String::into_bytes).map_err(|e| e.to_string())
        } else {
            serde_json::to_vec(body).map_err(|e| e.to_string())
        };
        match bytes {
            Ok(bytes) => RawReply::new(status, mime, bytes),
            Err(e) => RawReply::problem(500, format!("the mock cannot write the answer: {e}")),
        }
    }

    /// An XML or JSON answer whose root element is `T`'s.
    pub fn reply_xml_or_serde<T: Serialize + XmlElement + XmlRoot>(
        &self,
        status: u16,
        body: &T,
        offered: &[&str],
    ) -> RawReply {
        match self.negotiate(offered) {
            Some(mime) if is_xml(mime) => xml_reply(status, mime, xml::to_string(body)),
            _ => self.reply_serde(status, body, offered),
        }
    }

    /// An XML list or a JSON array.
    pub fn reply_xml_list_or_serde<T: Serialize + XmlElement>(
        &self,
        status: u16,
        body: &[T],
        offered: &[&str],
        wrapper: &str,
        item: &str,
    ) -> RawReply {
        match self.negotiate(offered) {
            Some(mime) if is_xml(mime) => xml_reply(status, mime, xml::list_to_string(body, wrapper, item, None)),
            _ => self.reply_serde(status, &body, offered),
        }
    }

    /// An XML value as the text of a root element `name`, or a JSON value.
    pub fn reply_xml_text_or_serde<T: Serialize + XmlText>(
        &self,
        status: u16,
        body: &T,
        offered: &[&str],
        name: &str,
    ) -> RawReply {
        match self.negotiate(offered) {
            Some(mime) if is_xml(mime) => xml_reply(status, mime, xml::text_to_string(body, name)),
            _ => self.reply_serde(status, body, offered),
        }
    }

    /// A text answer.
    pub fn reply_text(&self, status: u16, body: String, offered: &[&str]) -> RawReply {
        RawReply::new(status, self.negotiate(offered).unwrap_or("text/plain"), body.into_bytes())
    }

    /// A binary answer.
    pub fn reply_bytes(&self, status: u16, body: Bytes, offered: &[&str]) -> RawReply {
        RawReply::new(status, self.negotiate(offered).unwrap_or("application/octet-stream"), body)
    }
}

fn xml_reply(status: u16, mime: &str, text: Result<String, xml::XmlError>) -> RawReply {
    match text {
        Ok(text) => RawReply::new(status, mime, text.into_bytes()),
        Err(e) => RawReply::problem(500, format!("the mock cannot write the answer as XML: {e}")),
    }
}

/// An answer: status, media type, body and extra headers.
#[derive(Clone, Debug)]
pub struct RawReply {
    pub(crate) status: u16,
    pub(crate) content_type: Option<String>,
    pub(crate) body: Bytes,
    pub(crate) headers: Vec<(String, String)>,
    /// Why the mock could not answer as asked (a handler panicked), for the record.
    pub(crate) failure: Option<String>,
}

impl RawReply {
    /// An answer with a body.
    pub fn new(status: u16, content_type: &str, body: impl Into<Bytes>) -> Self {
        RawReply {
            status,
            content_type: Some(content_type.to_owned()),
            body: body.into(),
            headers: Vec::new(),
            failure: None,
        }
    }

    /// An answer without a body.
    pub fn empty(status: u16) -> Self {
        RawReply { status, content_type: None, body: Bytes::new(), headers: Vec::new(), failure: None }
    }

    /// The mock's own answer (a refusal, a missing handler): JSON `{"message": …}`.
    pub(crate) fn problem(status: u16, message: String) -> Self {
        Self::problem_with(status, message, None)
    }

    /// The same, with one more property (the spec's `x-reauthenticate-on` for a refused token).
    pub(crate) fn problem_with(status: u16, message: String, extra: Option<(&str, &str)>) -> Self {
        let mut body = serde_json::Map::new();
        if let Some((property, value)) = extra {
            body.insert(property.to_owned(), value.into());
        }
        body.insert("message".to_owned(), message.into());
        let bytes = serde_json::to_vec(&serde_json::Value::Object(body)).unwrap_or_default();
        RawReply::new(status, "application/json", bytes)
    }

    /// The same answer with these headers as well.
    pub fn with_headers(mut self, headers: &[(&str, &str)]) -> Self {
        self.set_headers(headers);
        self
    }

    /// Sets each header, replacing one of the same name.
    pub(crate) fn set_headers(&mut self, headers: &[(&str, &str)]) {
        for (name, value) in headers {
            self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
            self.headers.push(((*name).to_owned(), (*value).to_owned()));
        }
    }

    /// The status.
    pub fn status(&self) -> u16 {
        self.status
    }
}

/// A parameter value: as a string first (strings, ids, dates, enums), then as JSON (numbers,
/// booleans, structured values).
fn value<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    match serde_json::from_value(serde_json::Value::String(text.to_owned())) {
        Ok(v) => Ok(v),
        Err(as_string) => serde_json::from_str(text).map_err(|_| as_string.to_string()),
    }
}

/// A styled value's text as JSON: a number, boolean or null where it reads as one, else the
/// string (styles carry no types; the parameter's type decides, see [`lenient`]).
fn guess(text: &str) -> serde_json::Value {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(v @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_))) => v,
        _ => serde_json::Value::String(text.to_owned()),
    }
}

/// An array or object shape as JSON twice: every text a string, and numbers and booleans
/// read as such (see [`lenient`]).
fn shape_json(shape: &Shape<'_>) -> (serde_json::Value, serde_json::Value) {
    match shape {
        Shape::Primitive(t) => (serde_json::Value::String(t.to_string()), guess(t)),
        Shape::Array(items) => (
            serde_json::Value::Array(items.iter().map(|i| serde_json::Value::String(i.to_string())).collect()),
            serde_json::Value::Array(items.iter().map(|i| guess(i)).collect()),
        ),
        Shape::Object(members) => (
            serde_json::Value::Object(
                members.iter().map(|(k, v)| (k.to_string(), serde_json::Value::String(v.to_string()))).collect(),
            ),
            serde_json::Value::Object(members.iter().map(|(k, v)| (k.to_string(), guess(v))).collect()),
        ),
    }
}

/// Reads `T` from the members as strings, else with numbers and booleans read as such.
fn lenient<T: DeserializeOwned>(strings: serde_json::Value, guessed: serde_json::Value) -> Result<T, String> {
    serde_json::from_value(strings).or_else(|first| serde_json::from_value(guessed).map_err(|_| first.to_string()))
}

fn is_xml(mime: &str) -> bool {
    let mime = mime.to_ascii_lowercase();
    mime.ends_with("/xml") || mime.ends_with("+xml")
}

fn is_form(mime: &str) -> bool {
    mime.eq_ignore_ascii_case("application/x-www-form-urlencoded")
}

fn list(offered: &[&str]) -> String {
    offered.iter().map(|o| format!("`{o}`")).collect::<Vec<_>>().join(", ")
}
