//! What the generated mock server (cargo feature `mock`) needs per operation: the names of
//! its request struct, reply enum and registration method, how bodies are read and written,
//! every declared answer, and the success example answered when no handler is registered.

use serde_json::Value;

use super::Lowerer;
use crate::ir::{Content, Media, MockBody, MockBodyKind, MockExample, MockOp, MockReply, Operation, Ty, TypeKind};
use crate::naming::{camel_ident, unraw, Scope};

/// The mock module's own naming scopes: its types and the server's methods.
pub(crate) struct MockNames {
    types: Scope,
    methods: Scope,
}

impl Default for MockNames {
    fn default() -> Self {
        // The mock module defines `MockServer` and `API`; the server's own methods are
        // `start`, `url`, `requests`, `calls` (and those of the runtime server it derefs to).
        MockNames {
            types: Scope::with_reserved(&["MockServer", "API"]),
            methods: Scope::with_reserved(&["start", "url", "requests", "calls", "server", "deref"]),
        }
    }
}

impl MockNames {
    /// Claims the mock items of an operation whose method name is decided.
    pub(crate) fn name(&mut self, op: &mut Operation) {
        let stem = camel_ident(unraw(&op.method_name));
        op.mock.request = self.types.claim(&format!("{stem}Request")).0;
        op.mock.reply = self.types.claim(&format!("{stem}Reply")).0;
        op.mock.on = self.methods.claim(&format!("on_{}", unraw(&op.method_name))).0;
    }
}

impl Lowerer<'_> {
    /// The mock's view of an operation: its body, one reply variant per declared response
    /// (`declared` holds each response code with its lowered form) and its success example.
    pub(crate) fn mock_op(
        &self,
        op: &Operation,
        declared: Vec<(String, crate::ir::Response)>,
        raw: &serde_json::Map<String, Value>,
    ) -> MockOp {
        let body = op.body.as_ref().and_then(|b| self.mock_body(b.required, &b.contents));
        // `Raw` is every reply enum's own variant: any status, declared or not.
        let mut variants = Scope::with_reserved(&["Raw"]);
        let mut replies = Vec::new();
        // Successes first, then errors, then `default`; within each, exact codes before
        // ranges: the order lowering decided for the client.
        let rank = |s: crate::ir::Status| (!s.is_success(), s == crate::ir::Status::Default, s);
        let mut declared = declared;
        declared.sort_by_key(|(_, r)| rank(r.status));
        for (code, r) in &declared {
            let want = match r.status {
                crate::ir::Status::Code(s) => status_name(s),
                crate::ir::Status::Range(2) => "Success".to_owned(),
                crate::ir::Status::Range(4) => "ClientError".to_owned(),
                crate::ir::Status::Range(5) => "ServerError".to_owned(),
                crate::ir::Status::Range(d) => format!("Status{d}XX"),
                crate::ir::Status::Default => "Default".to_owned(),
            };
            let variant = variants.claim(&want).0;
            let body = self.mock_body(true, &r.contents);
            let headers = self.required_headers(raw, code, op.session_header.as_deref());
            replies.push(MockReply { variant, status: r.status.code(), body, headers });
        }
        let mut example = example(self.doc, raw, &declared);
        if let Some(x) = &mut example {
            x.headers =
                replies.iter().find(|r| r.status == Some(x.status)).map(|r| r.headers.clone()).unwrap_or_default();
        }
        MockOp { body, replies, example, echo: Vec::new(), ..op.mock.clone() }
    }

    /// The headers response `code` declares `required`, each with a value of its type: the
    /// header's example, else a placeholder that parses (`0`, `false`, a nil UUID, the epoch).
    /// A logon's session header is left out: the server issues it.
    fn required_headers(
        &self,
        raw: &serde_json::Map<String, Value>,
        code: &str,
        session: Option<&str>,
    ) -> Vec<(String, String)> {
        let doc = self.doc;
        let Some(resp) = raw.get("responses").and_then(|r| r.get(code)) else { return Vec::new() };
        let (at, resp) = doc.deref_lenient(&crate::pointer::Pointer::root(), resp);
        let Some(headers) = resp.get("headers").and_then(Value::as_object) else { return Vec::new() };
        let mut out = Vec::new();
        for (name, header) in headers {
            let (_, header) = doc.deref_lenient(&at.join("headers").join(name), header);
            let required = header.get("required").and_then(Value::as_bool).unwrap_or(false);
            if !required || session.is_some_and(|s| s.eq_ignore_ascii_case(name)) {
                continue;
            }
            let (_, schema) = doc.deref_lenient(&at, header.get("schema").unwrap_or(&Value::Null));
            let example = header.get("example").or_else(|| schema.get("example"));
            let value = match (
                example,
                schema.get("type").and_then(Value::as_str),
                schema.get("format").and_then(Value::as_str),
            ) {
                (Some(Value::String(s)), _, _) => s.clone(),
                (Some(v @ (Value::Number(_) | Value::Bool(_))), _, _) => v.to_string(),
                // An enum's first value reads as the client's enum.
                _ if schema.get("enum").and_then(|e| e.get(0)).is_some_and(|v| !v.is_null()) => {
                    match &schema["enum"][0] {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    }
                }
                (_, Some("integer" | "number"), _) => "0".to_owned(),
                (_, Some("boolean"), _) => "false".to_owned(),
                (_, _, Some("uuid")) => "00000000-0000-0000-0000-000000000000".to_owned(),
                (_, _, Some("date-time")) => "1970-01-01T00:00:00Z".to_owned(),
                (_, _, Some("date")) => "1970-01-01".to_owned(),
                _ => "mock".to_owned(),
            };
            // A value a header cannot carry (a line break) is replaced by the placeholder.
            let value =
                if value.chars().all(|c| c == '\t' || (' '..='~').contains(&c)) { value } else { "mock".to_owned() };
            out.push((name.clone(), value));
        }
        out
    }

    /// How the mock reads or writes a body in these media types, as the client does; none
    /// without a media type.
    fn mock_body(&self, required: bool, contents: &[Content]) -> Option<MockBody> {
        let mimes = contents.iter().map(|c| c.mime.clone()).collect();
        let first = contents.first()?;
        let resolved = crate::ir::resolve_alias(&self.types, &first.ty);
        let (kind, ty) = match resolved {
            Ty::Bytes => (MockBodyKind::Bytes, Ty::Bytes),
            // A multipart form holds streams: the mock keeps the body as it came.
            Ty::Named(id) if matches!(self.types[id.0].kind, TypeKind::Form(_)) => (MockBodyKind::Bytes, Ty::Bytes),
            Ty::String if first.media == Media::Text => (MockBodyKind::Text, Ty::String),
            _ => (MockBodyKind::Serde(contents.iter().find_map(|c| c.xml.clone())), first.ty.clone()),
        };
        let form = contents.iter().find(|c| c.media == Media::Form).map(|c| c.encoding.clone()).unwrap_or_default();
        Some(MockBody { required, mimes, kind, ty, form })
    }
}

/// A variant name for a status: its reason phrase where HTTP names one.
pub(crate) fn status_name(status: u16) -> String {
    let name = match status {
        200 => "Ok",
        201 => "Created",
        202 => "Accepted",
        203 => "NonAuthoritative",
        204 => "NoContent",
        206 => "PartialContent",
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        406 => "NotAcceptable",
        409 => "Conflict",
        410 => "Gone",
        412 => "PreconditionFailed",
        413 => "PayloadTooLarge",
        415 => "UnsupportedMediaType",
        422 => "UnprocessableEntity",
        429 => "TooManyRequests",
        500 => "InternalServerError",
        501 => "NotImplemented",
        502 => "BadGateway",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        s => return format!("Status{s}"),
    };
    name.to_owned()
}

/// The first success response with an example, in its media types: a media type's
/// `example`, else the first of its `examples` with a `value`. JSON examples are written as
/// JSON; a string example of a non-JSON media type (XML, text) is its text.
fn example(
    doc: &crate::Document,
    raw: &serde_json::Map<String, Value>,
    declared: &[(String, crate::ir::Response)],
) -> Option<MockExample> {
    let responses = raw.get("responses")?.as_object()?;
    let root = crate::pointer::Pointer::root();
    for (code, r) in declared {
        // A range or a lone `default` success is answered with its first status.
        let status = match r.status {
            crate::ir::Status::Code(s) if (200..300).contains(&s) => s,
            crate::ir::Status::Range(2) => 200,
            crate::ir::Status::Default if declared.iter().all(|(_, r)| !r.status.is_success()) => 200,
            _ => continue,
        };
        // A response, media type or example may be a `$ref` (to `components/responses`, …).
        let response = responses.get(code).map(|v| doc.deref_lenient(&root, v).1);
        let Some(content) = response.and_then(|v| v.get("content")).and_then(Value::as_object) else {
            // An answer without a body: its status alone (the server answers it only for a
            // logon or a logout, which need no handler to do their part).
            if r.contents.is_empty() && response.is_some() {
                return Some(MockExample { status, bodies: Vec::new(), headers: Vec::new() });
            }
            continue;
        };
        let mut bodies = Vec::new();
        for c in &r.contents {
            let Some(media) = content.get(&c.mime).map(|m| doc.deref_lenient(&root, m).1) else { continue };
            let value = media.get("example").or_else(|| {
                media.get("examples")?.as_object()?.values().find_map(|e| doc.deref_lenient(&root, e).1.get("value"))
            });
            let Some(value) = value else { continue };
            let text = match (c.media, value) {
                (Media::Json, v) => coherent_page(raw.get("x-pagination"), v).to_string(),
                (_, Value::String(s)) => s.clone(),
                (_, v) => v.to_string(),
            };
            bodies.push((c.mime.clone(), text));
        }
        if !bodies.is_empty() {
            return Some(MockExample { status, bodies, headers: Vec::new() });
        }
    }
    None
}

/// A list page's example made coherent with the client's paging (`x-pagination`): its
/// total and count say how many items it holds, so a stream over the default answer ends
/// cleanly instead of asking for pages the example promised and never had.
fn coherent_page(pagination: Option<&Value>, example: &Value) -> Value {
    let path = |key: &str| pagination.and_then(|p| p.get(key)).and_then(Value::as_str);
    let Some(items) = path("itemsProperty") else { return example.clone() };
    let at = |dotted: &str| {
        format!("/{}", dotted.split('.').map(|s| s.replace('~', "~0").replace('/', "~1")).collect::<Vec<_>>().join("/"))
    };
    let Some(count) = example.pointer(&at(items)).and_then(Value::as_array).map(Vec::len) else {
        return example.clone();
    };
    let mut page = example.clone();
    for key in ["totalProperty", "countProperty"] {
        if let Some(field) = path(key).and_then(|p| page.pointer_mut(&at(p))) {
            *field = Value::from(count);
        }
    }
    page
}

/// The status operation of each long-running marker answers its default example with the
/// ids it was asked about (a wait on the mock then sees the session it started): each path
/// parameter of the status operation, written where the marker reads it from.
pub(crate) fn echo_ids(api: &mut crate::ir::Api) {
    let mut echoes = Vec::new();
    for l in &api.long_running {
        let Some(op) = api.operations.get(l.status_op) else { continue };
        let mut pairs = Vec::new();
        for (param, path) in op.path_params.iter().zip(&l.args) {
            // The Rust field path, as wire names.
            let mut ty = Ty::Named(l.ty);
            let mut pointer = String::new();
            for name in path {
                let Ty::Named(id) = crate::ir::resolve_alias(&api.types, &ty).clone() else { break };
                let TypeKind::Struct(fields) = &api.types[id.0].kind else { break };
                let Some(f) = fields.iter().find(|f| &f.name == name) else { break };
                pointer.push('/');
                pointer.push_str(&f.wire.replace('~', "~0").replace('/', "~1"));
                ty = f.ty.clone();
            }
            if !pointer.is_empty() {
                pairs.push((param.wire.clone(), pointer));
            }
        }
        echoes.push((l.status_op, pairs));
    }
    for (i, pairs) in echoes {
        api.operations[i].mock.echo = pairs;
    }
}

/// A mock answer is written as XML only where its type has XML impls: error bodies are not
/// XML-reachable unless they are the API's error type, and are then answered in JSON.
pub(crate) fn without_unwritable_xml(api: &mut crate::ir::Api) {
    let xml_types = &api.xml.types;
    for op in &mut api.operations {
        for body in op.mock.replies.iter_mut().filter_map(|r| r.body.as_mut()) {
            if let MockBodyKind::Serde(Some(_)) = &body.kind {
                let mut ids = Vec::new();
                body.ty.named(&mut ids);
                if !ids.iter().all(|id| xml_types.contains(&id.0)) {
                    body.kind = MockBodyKind::Serde(None);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ir::MockBodyKind;
    use crate::{generate, Document, Options};

    const SPEC: &str = r##"
openapi: 3.0.3
info: { title: t, version: "1" }
paths:
  /jobs/{id}:
    put:
      operationId: upsertJob
      parameters:
        - { name: id, in: path, required: true, schema: { type: integer } }
      requestBody:
        required: true
        content:
          application/json: { schema: { $ref: "#/components/schemas/Job" } }
      responses:
        "201":
          description: created
          headers:
            X-Rate: { required: true, schema: { type: integer } }
            X-Trace: { schema: { type: string } }
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Job" }
              examples: { one: { value: { name: first } } }
        "204": { description: unchanged }
        "404":
          description: missing
          content: { text/plain: { schema: { type: string } } }
        4XX: { description: other client errors }
        default:
          description: problem
          content: { application/json: { schema: { $ref: "#/components/schemas/Job" } } }
  /jobs:
    delete:
      operationId: jobV2
      responses:
        "204": { description: gone }
  /jobs/all:
    delete:
      operationId: job_v_2
      responses:
        "204": { description: gone }
components:
  schemas:
    Job: { type: object, properties: { name: { type: string } } }
"##;

    #[test]
    fn replies_cover_every_declared_status_and_names_never_collide() {
        let doc = Document::parse("mock.yaml", SPEC).unwrap();
        let g = generate(&doc, &Options::default()).unwrap();
        let upsert = g.api.operations.iter().find(|o| o.id == "upsertJob").unwrap();
        let variants: Vec<(&str, Option<u16>)> =
            upsert.mock.replies.iter().map(|r| (r.variant.as_str(), r.status)).collect();
        assert_eq!(
            variants,
            [
                ("Created", Some(201)),
                ("NoContent", Some(204)),
                ("NotFound", Some(404)),
                ("ClientError", None),
                ("Default", None)
            ]
        );
        assert_eq!(upsert.mock.replies[2].body.as_ref().unwrap().kind, MockBodyKind::Text);
        let example = upsert.mock.example.as_ref().unwrap();
        assert_eq!(
            (example.status, example.bodies.clone()),
            (201, vec![("application/json".into(), r#"{"name":"first"}"#.into())])
        );
        // A required header goes with the answer, with a value its type reads; an optional one does not.
        let rate = vec![("X-Rate".to_owned(), "0".to_owned())];
        assert_eq!((&upsert.mock.replies[0].headers, &example.headers), (&rate, &rate));
        assert_eq!((upsert.mock.request.as_str(), upsert.mock.on.as_str()), ("UpsertJobRequest", "on_upsert_job"));
        // `job_v2` and `job_v_2` are both `JobV2…` in camel case: the second steps aside.
        let names: Vec<(&str, &str)> = ["jobV2", "job_v_2"]
            .iter()
            .map(|id| g.api.operations.iter().find(|o| o.id == *id).unwrap())
            .map(|o| (o.mock.request.as_str(), o.mock.reply.as_str()))
            .collect();
        assert_eq!(names, [("JobV2Request", "JobV2Reply"), ("JobV2Request2", "JobV2Reply2")]);
        // A body-less success is answered (for a logon or logout) by its status alone.
        let gone = g.api.operations.iter().find(|o| o.id == "jobV2").unwrap();
        assert!(gone.mock.example.as_ref().is_some_and(|x| x.status == 204 && x.bodies.is_empty()));
        assert!(g.files["mock.rs"].contains("pub fn on_job_v2<"));
        assert!(g.files["mod.rs"].contains("#[cfg(feature = \"mock\")]\npub mod mock;"));
    }

    /// A success response, media type or example behind a `$ref` still gives the example;
    /// a required enum header gets the enum's first value.
    #[test]
    fn examples_and_headers_behind_refs_are_found() {
        let spec = r##"
openapi: 3.0.3
info: { title: t, version: "1" }
paths:
  /jobs:
    get:
      operationId: listJobs
      responses:
        "200": { $ref: "#/components/responses/Jobs" }
components:
  examples:
    Two: { value: [{ name: a }, { name: b }] }
  responses:
    Jobs:
      description: the jobs
      headers:
        X-Mode: { required: true, schema: { type: string, enum: [fast, slow] } }
      content:
        application/json:
          schema: { type: array, items: { $ref: "#/components/schemas/Job" } }
          examples: { two: { $ref: "#/components/examples/Two" } }
  schemas:
    Job: { type: object, properties: { name: { type: string } } }
"##;
        let doc = Document::parse("mock_refs.yaml", spec).unwrap();
        let g = generate(&doc, &Options::default()).unwrap();
        let list = &g.api.operations[0].mock;
        let example = list.example.as_ref().expect("the example behind the refs");
        assert_eq!(example.bodies, vec![("application/json".into(), r#"[{"name":"a"},{"name":"b"}]"#.into())]);
        assert_eq!(list.replies[0].headers, vec![("X-Mode".to_owned(), "fast".to_owned())]);
    }
}
