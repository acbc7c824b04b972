//! Building a request from generated code, and sending it: the orchestrator loop of
//! credential, exchange, classification, with one deadline over all of it.
//!
//! A request goes out on a [`Connection`] (the transport, the identity cache, and when a 401
//! means the token was refused) with the [`CallSettings`] of the handle it was made on;
//! `core` holds both and names this module, never the other way round.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, ACCEPT, CONTENT_TYPE};
use serde::Serialize;
use tokio::time::Instant;
use tracing::Instrument;

use super::error::Error;
use super::identity::{Credential, Identity, Joined, Renewed};
use super::operation::{AuthScheme, Format, Operation};
use super::params::{In, ParamStyle, Shaped};
use super::response::Response;
use super::retry::{classify, Attempts, Decision, Outcome, RetryPolicy};
use super::secret::collecting;
use super::transport::{Answer, Failure, Read, Transport, Wiped};
use super::xml::{XmlElement, XmlRoot};
use super::Secret;

/// How long a streamed download may take once its headers have arrived.
const STREAMING_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);

/// What every request of a client goes out with, shared by the client's clones.
pub(crate) struct Connection {
    transport: Transport,
    identity: Arc<Identity>,
    /// The JSON property of a 401 body, and its values, that mean the token was refused
    /// (see [`ClientBuilder::reauthenticate_on`](super::ClientBuilder::reauthenticate_on)).
    reauthenticate_on: Option<(String, Vec<String>)>,
}

impl Connection {
    pub(crate) fn new(
        transport: Transport,
        identity: Arc<Identity>,
        reauthenticate_on: Option<(String, Vec<String>)>,
    ) -> Self {
        Connection { transport, identity, reauthenticate_on }
    }

    pub(crate) fn transport(&self) -> &Transport {
        &self.transport
    }

    pub(crate) fn identity(&self) -> &Arc<Identity> {
        &self.identity
    }
}

/// The settings of the client handle a request is made on.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CallSettings<'c> {
    /// The preferred body format.
    pub(crate) format: Format,
    /// Time for the whole call, retries, backoff and a re-login included.
    pub(crate) deadline: Duration,
    pub(crate) retry: &'c RetryPolicy,
    /// The API revision the client speaks, by position: bodies are written for it.
    pub(crate) revision: Option<u16>,
    /// Every revision's name, for errors.
    pub(crate) revision_names: &'static [&'static str],
}

/// A parameter written in its style, before it joins the request.
enum Written {
    Query(String),
    Header(String),
    Cookie(Vec<String>),
}

/// A request being built by generated code.
pub struct Request<'c> {
    conn: &'c Connection,
    call: CallSettings<'c>,
    op: &'static Operation,
    /// The security requirements the request is authorized by (the operation's, or those a
    /// raw request is given).
    auth: &'static [&'static [AuthScheme]],
    path: String,
    /// Each query parameter's name and its fragment of the query string, already written in
    /// its style and percent-encoded (`a=1&a=2`).
    query: Vec<(String, String)>,
    /// Name, value, and whether the value carries a secret.
    headers: Vec<(String, String, bool)>,
    /// `name=value` pairs of the one `Cookie` header, and whether each carries a secret.
    cookies: Vec<(String, bool)>,
    /// How a form-urlencoded body's properties are written.
    form_encoding: &'static [super::style::FormEncoding<'static>],
    body: Option<(&'static str, Bytes)>,
    accept: Option<&'static str>,
    /// A streamed body, sent once by the first attempt.
    upload: std::sync::Mutex<Option<reqwest::Body>>,
    /// A multipart form, sent once by the first attempt (its files may be streams).
    multipart: std::sync::Mutex<Option<reqwest::multipart::Form>>,
    /// Whether a success's body is left on the connection for the caller to stream.
    read: Read,
    /// The revision enum parameters are spelled for, until the request is sent.
    params_for: super::ser::ParamsFor,
    /// Every secret the request carries (parameters and body), to blank out of answers.
    secrets: Vec<Secret>,
}

impl std::fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("operation", &self.op.id)
            .field("query", &self.query.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>())
            .field("headers", &self.headers.iter().map(|(n, _, _)| n.as_str()).collect::<Vec<_>>())
            .field("body_len", &self.body.as_ref().map(|(_, b)| b.len()))
            .finish_non_exhaustive()
    }
}

impl<'c> Request<'c> {
    pub(crate) fn new(conn: &'c Connection, call: CallSettings<'c>, op: &'static Operation, path: String) -> Self {
        let params_for = super::ser::ParamsFor::start(call.revision);
        Request {
            conn,
            call,
            op,
            auth: op.auth,
            path,
            query: Vec::new(),
            headers: Vec::new(),
            cookies: Vec::new(),
            form_encoding: &[],
            body: None,
            upload: std::sync::Mutex::new(None),
            multipart: std::sync::Mutex::new(None),
            read: Read::Whole,
            accept: None,
            params_for,
            secrets: Vec::new(),
        }
    }

    /// Adds a query, header or cookie parameter, written in its style; a null value sends
    /// nothing.
    pub fn param<E>(&mut self, location: In, name: &str, style: ParamStyle, value: Shaped<'_>) -> Result<(), Error<E>> {
        self.write_param(location, name, style, value, Vec::new())
    }

    /// A query parameter in the default style (`form`, exploded).
    pub fn query<E>(&mut self, name: &str, value: Shaped<'_>) -> Result<(), Error<E>> {
        self.param(In::Query, name, ParamStyle::FORM, value)
    }

    /// A header parameter in the default style (`simple`).
    pub fn header<E>(&mut self, name: &str, value: Shaped<'_>) -> Result<(), Error<E>> {
        self.param(In::Header, name, ParamStyle::SIMPLE, value)
    }

    /// A cookie parameter in the default style (`form`, exploded).
    pub fn cookie<E>(&mut self, name: &str, value: Shaped<'_>) -> Result<(), Error<E>> {
        self.param(In::Cookie, name, ParamStyle::FORM, value)
    }

    /// [`Self::param`] for a value that may carry a secret: it is computed inside, so that
    /// every secret it carries is kept (to blank out of answers), and a header that carries
    /// one is marked sensitive.
    pub fn secret_param<'v, E>(
        &mut self,
        location: In,
        name: &str,
        style: ParamStyle,
        value: impl FnOnce() -> Shaped<'v>,
    ) -> Result<(), Error<E>> {
        let (value, secrets) = collecting(value);
        self.write_param(location, name, style, value, secrets)
    }

    fn write_param<E>(
        &mut self,
        location: In,
        name: &str,
        style: ParamStyle,
        value: Shaped<'_>,
        secrets: Vec<Secret>,
    ) -> Result<(), Error<E>> {
        let written = || -> Result<Option<Written>, String> {
            let Some(shape) = value? else { return Ok(None) };
            let written = match location {
                In::Query => Written::Query(
                    super::style::query(name, &shape, style.style, style.explode, style.allow_reserved)
                        .map_err(|e| e.0)?,
                ),
                In::Header => Written::Header(super::style::header(&shape, style.explode).map_err(|e| e.0)?),
                In::Cookie => Written::Cookie(super::style::cookie(name, &shape, style.explode).map_err(|e| e.0)?),
            };
            Ok(Some(written))
        };
        let written = written();
        let sensitive = !secrets.is_empty();
        self.secrets.extend(secrets);
        let what = match location {
            In::Query => "query parameter",
            In::Header => "header",
            In::Cookie => "cookie",
        };
        match written.map_err(|e| self.invalid(format!("{what} `{name}`: {e}")))? {
            None => {}
            // An empty array or object writes nothing at all.
            Some(Written::Query(fragment)) if fragment.is_empty() => {}
            Some(Written::Query(fragment)) => self.query.push((name.to_owned(), fragment)),
            Some(Written::Header(value)) => self.headers.push((name.to_owned(), value, sensitive)),
            Some(Written::Cookie(pairs)) => self.cookies.extend(pairs.into_iter().map(|p| (p, sensitive))),
        }
        Ok(())
    }

    /// A body field the API revision spoken lacks (see [`super::ser::skip_in_revision`]).
    fn lacking<E>(&self, refusal: super::ser::Refusal) -> Error<E> {
        let spoken = super::revision::Spoken::at(self.call.revision.unwrap_or_default(), self.call.revision_names);
        match refusal {
            super::ser::Refusal::Lacking(field, available) => {
                match spoken.require_field(self.op.id, Some(field), available) {
                    Err(e) => e,
                    Ok(()) => self.invalid(format!("`{field}` could not be written")),
                }
            }
            super::ser::Refusal::Missing(field, required) => Error::MissingField {
                operation: self.op.id,
                field,
                revision: spoken.name(),
                required: super::revision::describe(spoken.names(), required),
            },
            super::ser::Refusal::NotOne(field, single, count) => {
                match spoken.require_one(self.op.id, field, count, single) {
                    Err(e) => e,
                    Ok(()) => self.invalid(format!("`{field}` could not be written")),
                }
            }
        }
    }

    fn invalid<E>(&self, message: String) -> Error<E> {
        Error::InvalidRequest { operation: self.op.id, message }
    }

    fn pick(&self, offered: &[Format]) -> Format {
        let preferred = self.call.format;
        if offered.contains(&preferred) {
            preferred
        } else {
            offered.first().copied().unwrap_or(Format::Json)
        }
    }

    /// Keeps a serialized body and the secrets written into it; one that carries a secret is
    /// wiped once sent.
    fn set_body(&mut self, mime: &'static str, bytes: Vec<u8>, secrets: Vec<Secret>) {
        let bytes = if secrets.is_empty() { Bytes::from(bytes) } else { Wiped(bytes).into_bytes() };
        self.secrets.extend(secrets);
        self.body = Some((mime, bytes));
    }

    /// Serializes the body as JSON or form, whichever the operation offers (preferring the
    /// client's format).
    pub fn body_serde<E>(&mut self, body: &impl Serialize, offered: &[Format]) -> Result<(), Error<E>> {
        let format = self.pick(&offered.iter().copied().filter(|f| *f != Format::Xml).collect::<Vec<_>>());
        let (bytes, secrets) = collecting(|| {
            super::ser::as_request_in(self.call.revision, || match format {
                Format::Form => {
                    let value = serde_json::to_value(body).map_err(|e| format!("form body: {e}"))?;
                    super::style::form_body(&value, self.form_encoding)
                        .map(String::into_bytes)
                        .map_err(|e| format!("form body: {e}"))
                }
                _ => serde_json::to_vec(body).map_err(|e| format!("JSON body: {e}")),
            })
        });
        let bytes = bytes.map_err(|lacking| self.lacking(lacking))?.map_err(|m| self.invalid(m))?;
        self.set_body(format.mime(), bytes, secrets);
        Ok(())
    }

    /// Serializes the body as XML or JSON/form, by the client's format and what the
    /// operation offers. A character XML 1.0 cannot carry is an `InvalidRequest` naming the
    /// element path.
    pub fn body_xml_or_serde<E, T: Serialize + XmlElement + XmlRoot>(
        &mut self,
        body: &T,
        offered: &[Format],
    ) -> Result<(), Error<E>> {
        if self.pick(offered) == Format::Xml {
            let (text, secrets) =
                collecting(|| super::ser::as_request_in(self.call.revision, || super::xml::to_string(body)));
            let text = text.map_err(|lacking| self.lacking(lacking))?;
            self.xml_body(text, secrets)
        } else {
            self.body_serde(body, offered)
        }
    }

    /// Serializes an array body as XML (a `wrapper` root holding one `item` element per
    /// value) or JSON, by the client's format and what the operation offers.
    pub fn body_xml_list_or_serde<E, T: Serialize + XmlElement>(
        &mut self,
        body: &[T],
        offered: &[Format],
        wrapper: &str,
        item: &str,
    ) -> Result<(), Error<E>> {
        if self.pick(offered) == Format::Xml {
            let (text, secrets) = collecting(|| {
                super::ser::as_request_in(self.call.revision, || super::xml::list_to_string(body, wrapper, item, None))
            });
            let text = text.map_err(|lacking| self.lacking(lacking))?;
            self.xml_body(text, secrets)
        } else {
            self.body_serde(&body, offered)
        }
    }

    /// Serializes a single value as the text of an XML root element `name`, or as JSON.
    pub fn body_xml_text_or_serde<E, T: Serialize + super::xml::XmlText>(
        &mut self,
        body: &T,
        offered: &[Format],
        name: &str,
    ) -> Result<(), Error<E>> {
        if self.pick(offered) == Format::Xml {
            let (text, secrets) = collecting(|| super::xml::text_to_string(body, name));
            self.xml_body(text, secrets)
        } else {
            self.body_serde(body, offered)
        }
    }

    fn xml_body<E>(
        &mut self,
        text: Result<String, super::xml::XmlError>,
        secrets: Vec<Secret>,
    ) -> Result<(), Error<E>> {
        let text = text.map_err(|e| self.invalid(format!("XML body: {e}")))?;
        self.set_body(Format::Xml.mime(), text.into_bytes(), secrets);
        self.accept = Some(Format::Xml.mime());
        Ok(())
    }

    /// How the properties of a form-urlencoded body are written (the spec's Encoding
    /// Object); without it every property is `form` with explode.
    pub fn form_encoding(&mut self, encoding: &'static [super::style::FormEncoding<'static>]) {
        self.form_encoding = encoding;
    }

    /// Authorizes the request by these requirements instead of its operation's.
    pub(crate) fn authorize_with(&mut self, auth: &'static [&'static [AuthScheme]]) {
        self.auth = auth;
    }

    /// Asks for these media types (the `Accept` header), whatever the client's format.
    pub fn accept(&mut self, media: &'static str) {
        self.accept = Some(media);
    }

    /// Asks for the answer in the client's format where the operation offers it, else in the
    /// first format it offers: (format, exact media type) in spec order.
    pub fn accept_by_format(&mut self, offered: &[(Format, &'static str)]) {
        let formats: Vec<Format> = offered.iter().map(|(f, _)| *f).collect();
        let format = self.pick(&formats);
        self.accept = offered.iter().find(|(f, _)| *f == format).map(|(_, mime)| *mime);
    }

    /// Sends a binary body, from memory or from a stream.
    pub fn body_upload(&mut self, content_type: &'static str, body: super::Upload) {
        match body {
            super::Upload::Bytes(bytes) => self.body = Some((content_type, bytes)),
            super::Upload::Stream(stream) => {
                self.body = Some((content_type, Bytes::new()));
                *self.upload.get_mut().unwrap_or_else(|e| e.into_inner()) = Some(stream);
            }
        }
    }

    /// Sends a `multipart/form-data` body. Its parts are read once, so the request is not
    /// repeated.
    pub fn body_multipart<E>(&mut self, form: super::Multipart) -> Result<(), Error<E>> {
        if let Some(message) = form.error {
            return Err(self.invalid(format!("multipart body: {message}")));
        }
        self.secrets.extend(form.secrets);
        *self.multipart.get_mut().unwrap_or_else(|e| e.into_inner()) = Some(form.form);
        Ok(())
    }

    /// Sends the request like [`Self::send`], but leaves the body of a success on the
    /// connection, to be read as a [`super::ByteStream`].
    pub async fn send_streaming<E>(mut self) -> Result<Response, Error<E>> {
        self.read = Read::Stream;
        self.send().await
    }

    /// Sends text with a content type.
    pub fn body_text(&mut self, content_type: &'static str, body: &str) {
        self.body = Some((content_type, Bytes::from(body.to_owned())));
    }

    /// Sends the request: auth, retries, tracing, all within the client's deadline.
    /// Answers with any status but a redirect; the generated method decides what the
    /// status means.
    pub async fn send<E>(mut self) -> Result<Response, Error<E>> {
        self.params_for.end();
        let operation = self.op.id;
        let deadline = self.call.deadline;
        let started = Instant::now();
        match tokio::time::timeout(deadline, self.run(started)).await {
            Ok(result) => result,
            Err(_) => Err(Error::Timeout { operation }),
        }
    }

    /// The orchestrator: refresh the login if due, send one attempt, classify its
    /// outcome, and act on the decision.
    async fn run<E>(self, started: Instant) -> Result<Response, Error<E>> {
        let identity = &self.conn.identity;
        let headers = self.fixed_headers()?;
        // A streamed body goes once: it cannot be repeated, whatever the answer.
        let once = self.upload.lock().unwrap_or_else(|e| e.into_inner()).is_some()
            || self.multipart.lock().unwrap_or_else(|e| e.into_inner()).is_some();
        let idempotent = self.op.method.is_idempotent() && !once;
        let mut attempts = Attempts { reauthenticated: once, ..Attempts::default() };
        let mut attempt: u32 = 0;
        loop {
            attempt = attempt.saturating_add(1);
            self.refresh_if_due().await?;
            let credential = identity.credential(self.auth);
            let (sent, span) = self.attempt(&headers, &credential, attempt).await;
            let outcome = match &sent {
                Ok(answer) => Outcome::Answer {
                    status: answer.status,
                    headers: &answer.headers,
                    token_refused: answer.status == 401
                        && credential.renewable.is_some()
                        && self.token_refused(&answer.body),
                },
                Err(f) if f.is_transient() => Outcome::NoAnswer { timed_out: f.timed_out() },
                Err(_) => Outcome::Unusable,
            };
            match classify(self.call.retry, idempotent, &attempts, &outcome) {
                Decision::Done => return self.finish(sent, &credential),
                // Its streamed body is spent: the request cannot go again.
                Decision::Retry(_) if once => return self.finish(sent, &credential),
                // A wait that would outlast the deadline ends the call now, with what the
                // server last said.
                Decision::Retry(delay) if started.elapsed().saturating_add(delay) >= self.call.deadline => {
                    return self.finish(sent, &credential)
                }
                Decision::Retry(delay) => {
                    attempts.retries += 1;
                    tracing::debug!(parent: &span, delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX), "retrying");
                    tokio::time::sleep(delay).await;
                }
                Decision::Reauthenticate => {
                    attempts.reauthenticated = true;
                    let generation = credential.renewable.unwrap_or_default();
                    match Box::pin(identity.renew(generation, credential.read_at)).await {
                        Ok(Renewed::Yes) => tracing::debug!(parent: &span, "token refused, repeating with a new one"),
                        Ok(Renewed::Impossible) => return self.finish(sent, &credential),
                        Err(f) => return Err(Error::Auth { operation: self.op.id, message: f.message }),
                    }
                }
            }
        }
    }

    /// The headers every attempt sends: parameters, `Accept`, `Content-Type`.
    fn fixed_headers<E>(&self) -> Result<HeaderMap, Error<E>> {
        let mut headers = HeaderMap::new();
        for (name, value, sensitive) in &self.headers {
            let n = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| self.invalid(format!("invalid header name `{name}`")))?;
            let mut v =
                HeaderValue::from_str(value).map_err(|_| self.invalid(format!("invalid value for header `{name}`")))?;
            v.set_sensitive(*sensitive);
            headers.append(n, v);
        }
        // RFC 6265 §5.4: a user agent sends one `Cookie` header.
        if !self.cookies.is_empty() {
            let joined = self.cookies.iter().map(|(pair, _)| pair.as_str()).collect::<Vec<_>>().join("; ");
            let mut v = HeaderValue::from_str(&joined).map_err(|_| self.invalid("invalid cookie value".to_owned()))?;
            v.set_sensitive(self.cookies.iter().any(|(_, secret)| *secret));
            headers.insert(reqwest::header::COOKIE, v);
        }
        let accept = self.accept.unwrap_or(match self.call.format {
            Format::Xml => "application/xml",
            _ => "application/json",
        });
        headers.insert(ACCEPT, HeaderValue::from_static(accept));
        if let Some((content_type, _)) = &self.body {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
        Ok(headers)
    }

    /// Renews the login when its refresh time has come. While the token is still valid the
    /// renewal runs on its own and the request goes out with the current token; once it has
    /// expired the request waits for the new one, and a failure is an error.
    async fn refresh_if_due<E>(&self) -> Result<(), Error<E>> {
        let identity = &self.conn.identity;
        let Some(due) = identity.refresh_due() else { return Ok(()) };
        if due.still_valid {
            if let Joined::Now(Err(f)) = identity.join(due.generation, Instant::now()) {
                tracing::warn!(operation = self.op.id, error = %f.message, "the token cannot be refreshed; going on with the current one until it expires");
            }
            return Ok(());
        }
        // Boxed: a rare path whose future would otherwise make every request's larger.
        match Box::pin(identity.renew(due.generation, Instant::now())).await {
            Ok(_) => Ok(()),
            Err(f) => Err(Error::Auth { operation: self.op.id, message: f.message }),
        }
    }

    /// Sends one attempt in its `tracing` span.
    async fn attempt(
        &self,
        headers: &HeaderMap,
        credential: &Credential,
        attempt: u32,
    ) -> (Result<Answer, Failure>, tracing::Span) {
        let transport = &self.conn.transport;
        let op = self.op;
        // The query string is written here, as the styles wrote each parameter: reqwest's
        // own query encoding (form-urlencoded, `+` for a space) is not OpenAPI's.
        let mut url = format!("{}{}", transport.base_url(), self.path);
        let mut separator = if url.contains('?') { '&' } else { '?' };
        for (_, fragment) in &self.query {
            url.push(separator);
            url.push_str(fragment);
            separator = '&';
        }
        for (name, value) in &credential.query {
            let key = super::style::Shape::Primitive(std::borrow::Cow::Borrowed(value.expose()));
            if let Ok(fragment) = super::style::query(name, &key, super::style::Style::Form, true, false) {
                url.push(separator);
                url.push_str(&fragment);
                separator = '&';
            }
        }
        let mut req = transport.request(op.method.to_reqwest(), &url).headers(headers.clone());
        for (n, v) in &credential.headers {
            req = req.header(n, v.clone());
        }
        if let Some(form) = self.multipart.lock().unwrap_or_else(|e| e.into_inner()).take() {
            req = req.multipart(form);
        }
        let streamed = self.upload.lock().unwrap_or_else(|e| e.into_inner()).take();
        match (streamed, &self.body) {
            (Some(stream), _) => req = req.body(stream),
            (None, Some((_, body))) => req = req.body(body.clone()),
            (None, None) => {}
        }
        if self.read == Read::Stream {
            // The per-attempt timeout covers reading the whole body, which for a download is
            // the caller's business; the connect timeout and the deadline (until the answer's
            // headers) still apply.
            req = req.timeout(STREAMING_TIMEOUT);
        }
        let span = tracing::debug_span!(
            "request",
            operation = op.id,
            method = op.method.as_str(),
            path = op.path,
            attempt,
            status = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        // When no subscriber wants the span, skip entering it on every poll and reading the
        // clock for its duration.
        if span.is_disabled() {
            return (transport.send(req, self.read).await, span);
        }
        let started = Instant::now();
        let sent = transport.send(req, self.read).instrument(span.clone()).await;
        span.record("duration_ms", started.elapsed().as_secs_f64() * 1000.0);
        if let Ok(answer) = &sent {
            span.record("status", answer.status);
        }
        (sent, span)
    }

    /// The answer as a [`Response`], or the failure as an error.
    fn finish<E>(&self, sent: Result<Answer, Failure>, credential: &Credential) -> Result<Response, Error<E>> {
        let op = self.op.id;
        match sent {
            Ok(answer) => {
                let mut secrets = self.secrets.clone();
                secrets.extend(credential.secrets.iter().cloned());
                Ok(Response::new(self.op, answer, Arc::clone(&self.conn.identity), self.conn.transport.idle(), secrets))
            }
            Err(Failure::Transport(e)) => Err(Error::transport(op, e)),
            Err(Failure::TooLarge(limit)) => Err(Error::BodyTooLarge { operation: op, limit }),
            Err(Failure::Redirect { status, location }) => Err(Error::Redirect { operation: op, status, location }),
        }
    }

    /// Whether a 401 body says the token itself was refused (see
    /// [`ClientBuilder::reauthenticate_on`](super::ClientBuilder::reauthenticate_on)).
    fn token_refused(&self, body: &[u8]) -> bool {
        let Some((property, values)) = &self.conn.reauthenticate_on else { return true };
        serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v.get(property).and_then(|c| c.as_str()).map(|c| values.iter().any(|x| x == c)))
            .unwrap_or(false)
    }
}
