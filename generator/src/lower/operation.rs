//! Paths and operations → methods.

use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

use super::Lowerer;
use crate::docs::doc_lines;
use crate::ir::{
    Accept, Api, Content, Field, FormPart, Locals, Media, Method, Operation, Pagination, Param, ParamEncoding, ParamIn,
    PathSegment, RequestBody, Response, Security, Status, Style, Ty, TypeDef, TypeKind, ValueShape, XmlRoot,
};
use crate::naming::{camel_ident, snake_ident, Scope};
use crate::pointer::Pointer;

pub(crate) const METHODS: &[(&str, Method)] = &[
    ("get", Method::Get),
    ("put", Method::Put),
    ("post", Method::Post),
    ("delete", Method::Delete),
    ("options", Method::Options),
    ("head", Method::Head),
    ("patch", Method::Patch),
    ("trace", Method::Trace),
    ("query", Method::Query),
];

/// Method names the generated client always defines itself (`with_format` only for APIs
/// with XML, but it is kept free everywhere so that adding XML renames nothing).
const RESERVED_METHODS: &[&str] =
    &["new", "builder", "from_core", "core", "with_format", "with_deadline", "with_retry", "raw", "clone", "fmt"];

impl<'a> Lowerer<'a> {
    pub(crate) fn lower_operations(&mut self, api: &mut Api) {
        let doc = self.doc;
        let Some(paths) = doc.raw.get("paths").and_then(Value::as_object) else { return };
        let mut method_names = Scope::with_reserved(RESERVED_METHODS);
        self.claim_auth_methods(api, &mut method_names);
        let mut ids: HashMap<String, Pointer> = HashMap::new();
        let mut error_tys: Vec<Ty> = Vec::new();
        let mut default_headers: Vec<(String, String)> = Vec::new();
        let mut long_running = Vec::new();
        let mut mock_names = super::mock::MockNames::default();
        for (path, item) in paths {
            let (item_ptr, item) = match doc.deref(&Pointer::root().join("paths").join(path), item) {
                Ok(found) => found,
                Err((at, msg)) => {
                    self.sink.error(&at, msg);
                    continue;
                }
            };
            let template = match parse_template(path) {
                Ok(parts) => parts,
                Err(msg) => {
                    self.sink.error(&item_ptr, msg);
                    continue;
                }
            };
            for (key, method) in METHODS {
                // Before 3.2 a path item has no `query` operation.
                if *method == Method::Query && doc.version < crate::load::Version::V3_2 {
                    continue;
                }
                let Some(op) = item.get(*key) else { continue };
                let op_ptr = item_ptr.join(key);
                let ctx =
                    OpCtx { path, template: &template, method: *method, item, op, item_ptr: &item_ptr, ptr: &op_ptr };
                if let Some(mut lowered) = self.operation(&ctx, &mut error_tys, &mut default_headers) {
                    if let Some(first) = ids.insert(lowered.id.clone(), op_ptr.clone()) {
                        self.sink.error(
                            &op_ptr.join("operationId"),
                            format!("duplicate operationId `{}`; first used at {first}", lowered.id),
                        );
                        continue;
                    }
                    let (name, holder) = method_names.claim_for(&snake_ident(&lowered.id), &op_ptr.to_string());
                    if holder.is_some() {
                        self.renamed(&op_ptr.join("operationId"), "operationId", &lowered.id, &name, holder);
                    }
                    if lowered.pagination.is_some() {
                        let want = format!("{}_stream", crate::naming::unraw(&name));
                        let at = op_ptr.join("x-pagination");
                        let (stream, holder) = method_names.claim_for(&want, &at.to_string());
                        if holder.is_some() {
                            self.renamed(&at, "stream method", &want, &stream, holder);
                        }
                        lowered.stream_name = Some(stream);
                    }
                    lowered.method_name = name;
                    mock_names.name(&mut lowered);
                    // A captured session header is stored as the API key of the scheme that
                    // sends that header, so that a later `set_…` or logon replaces it.
                    lowered.session_scheme = lowered.session_header.as_ref().and_then(|h| {
                        api.security.iter().find_map(|(name, s)| match s {
                            Security::ApiKeyHeader(header) if header.eq_ignore_ascii_case(h) => Some(name.clone()),
                            _ => None,
                        })
                    });
                    if let Some(marker) = op.get("x-long-running") {
                        long_running.push((api.operations.len(), op_ptr.join("x-long-running"), marker));
                    }
                    api.operations.push(lowered);
                }
            }
        }
        // After every operation is lowered: a marker names other operations.
        for (i, at, marker) in long_running {
            self.long_running(api, i, &at, marker);
        }
        api.default_headers = default_headers;
        api.error_ty = most_common(error_tys);
        self.error_bodies(api);
    }

    /// An operation whose declared error responses carry bodies other than the API's common
    /// error type gets its own error type, decoded by status: an exact code before its range
    /// (a 404's `NotFound`, not `4XX`'s `Problem`). Where the operation's error type is shared
    /// with other methods (a stream, a wait, a logon), those bodies cannot be typed: each is
    /// reported at its pointer, and arrives as `UnexpectedStatus` with its text.
    fn error_bodies(&mut self, api: &mut Api) {
        let common = api.error_ty.clone();
        let shared: std::collections::BTreeSet<usize> =
            api.long_running.iter().flat_map(|l| std::iter::once(l.status_op).chain(l.stop_op)).collect();
        for i in 0..api.operations.len() {
            let op = &api.operations[i];
            let bodies: Vec<(Status, Ty)> = op
                .errors
                .iter()
                .filter_map(|r| {
                    r.contents
                        .iter()
                        .find(|c| matches!(c.media, Media::Json | Media::Xml))
                        .map(|c| (r.status, c.ty.clone()))
                })
                .collect();
            if bodies.iter().all(|(_, t)| Some(t) == common.as_ref()) {
                continue;
            }
            let at = Pointer::root().join("paths").join(&op.path).join(op.method.as_str().to_ascii_lowercase());
            // An operation's own error type is decoded from JSON; one whose errors come as XML
            // keeps the API's type, which reads XML.
            let xml = op.errors.iter().any(|r| r.contents.iter().any(|c| c.media == Media::Xml));
            if xml
                || op.pagination.is_some()
                || op.download
                || shared.contains(&i)
                || op.session_header.is_some()
                || op.logout
            {
                for (status, _) in bodies.iter().filter(|(_, t)| Some(t) != common.as_ref()) {
                    self.sink.warn(
                        &at.join("responses").join(status.key()),
                        "this error body is not the API's common error type, and this operation's errors are shared with its stream, wait, download or session methods, or come as XML: it arrives as `UnexpectedStatus` with its text",
                    );
                }
                continue;
            }
            let mut names = Scope::default();
            let variants = bodies
                .into_iter()
                .map(|(status, ty)| {
                    let want = match status {
                        Status::Code(c) => super::mock::status_name(c),
                        Status::Range(4) => "ClientError".to_owned(),
                        Status::Range(5) => "ServerError".to_owned(),
                        Status::Range(d) => format!("Status{d}XX"),
                        Status::Default => "Default".to_owned(),
                    };
                    (names.claim(&want).0, status, ty)
                })
                .collect();
            let stem = camel_ident(&op.id);
            let (name, changed) = self.type_names.claim(&format!("{stem}Error"));
            if changed {
                self.sink.warn(&at, format!("error type name `{stem}Error` is taken; generated as `{name}`"));
            }
            let id = crate::ir::TypeId(self.types.len());
            self.types.push(TypeDef {
                name,
                doc: vec![format!("The error bodies of `{}`, one variant per declared error response.", op.id)],
                pointer: at.join("responses"),
                spec_name: None,
                kind: TypeKind::ErrorBodies(variants),
                xml: None,
                features: Vec::new(),
                serde: true,
                builder: None,
            });
            api.operations[i].error_body = Some(id);
        }
    }

    /// Claims the client's login and credential methods before any operation: each
    /// security scheme gets its own setter, conventionally named when it is the only one of
    /// its kind, named after the scheme otherwise.
    fn claim_auth_methods(&mut self, api: &mut Api, scope: &mut Scope) {
        let count = |f: fn(&Security) -> bool| api.security.values().filter(|s| f(s)).count();
        let bearers = count(|s| matches!(s, Security::Bearer));
        let basics = count(|s| matches!(s, Security::Basic));
        let mut setters = BTreeMap::new();
        for (name, scheme) in &api.security {
            let snake = crate::naming::unraw(&snake_ident(name)).to_owned();
            let at = Pointer::root().join("components").join("securitySchemes").join(name);
            // An OAuth2 flow gives a login method (one per flow kind: a second scheme of the
            // same flow shares it) and `forget_tokens` (one for all).
            let login = match scheme {
                Security::OAuth2Password { .. } => Some("login"),
                Security::OAuth2ClientCredentials { .. } => Some("login_client_credentials"),
                _ => None,
            };
            if let Some(login) = login {
                for method in [login, "forget_tokens"] {
                    if !scope.contains(method) {
                        scope.claim_for(method, &at.to_string());
                    }
                }
                continue;
            }
            let want = match scheme {
                Security::OAuth2Password { .. } | Security::OAuth2ClientCredentials { .. } | Security::MutualTls => {
                    continue
                }
                Security::Bearer if bearers == 1 => "set_bearer_token".to_owned(),
                Security::Bearer => format!("set_{snake}_token"),
                Security::Basic if basics == 1 => "set_basic_auth".to_owned(),
                Security::Basic => format!("set_{snake}_basic_auth"),
                Security::ApiKeyHeader(_) | Security::ApiKeyQuery(_) => format!("set_{snake}"),
            };
            let (method, holder) = scope.claim_for(&want, &at.to_string());
            if holder.is_some() {
                self.renamed(&at, "credential setter", &want, &method, holder);
            }
            setters.insert(name.clone(), method);
        }
        api.auth_setters = setters;
    }

    fn operation(
        &mut self,
        ctx: &OpCtx<'a, '_>,
        error_tys: &mut Vec<Ty>,
        default_headers: &mut Vec<(String, String)>,
    ) -> Option<Operation> {
        let at = ctx.ptr;
        let op = ctx.op.as_object()?;
        let id = match op.get("operationId") {
            Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
            Some(Value::String(_)) | None => derived_id(ctx.method, ctx.path),
            Some(_) => {
                self.sink.error(&at.join("operationId"), "`operationId` must be a string");
                return None;
            }
        };
        let type_stem = camel_ident(&id);
        let doc = op_doc(ctx, op);

        let mut param_scope = Scope::with_reserved(&["body", "params"]);
        let Parameters { path_params, params, required_headers, segments } =
            self.parameters(ctx, op, &type_stem, &mut param_scope, default_headers);
        let body = self.request_body(ctx, &type_stem);
        let Responses { successes, errors, declared } = self.responses(ctx, op, &type_stem, error_tys);

        // Locals come after the arguments in the same scope: a parameter keeps its name, a
        // local steps aside.
        let mut local = |want: &str| param_scope.claim(want).0;
        let locals = Locals {
            request: local("request"),
            response: local("response"),
            result: local("result"),
            value: local("value"),
            item: local("item"),
            session: local("session"),
            page: local("page"),
            page_params: local("page_params"),
            offset: local("offset"),
            narrowed: local("narrowed"),
            form: local("form"),
            segments: path_params
                .iter()
                .map(|p| local(&format!("{}_segment", crate::naming::unraw(&p.name))))
                .collect(),
        };
        let accept = accept_of(&successes);
        let security = self.op_security(op, ctx.ptr);
        let tag = op.get("tags").and_then(|t| t.get(0)).and_then(Value::as_str).map(str::to_owned);
        if let Some(tag) = &tag {
            self.declared_tag(tag, &at.join("tags").join(0));
        }
        let available = op.get(super::revisions::MARK).and_then(|m| {
            super::revisions::mark(m, self.revisions.as_ref(), &at.join(super::revisions::MARK), &mut self.sink)
        });
        let mut doc = doc;
        if let (Some(a), Some(r)) = (&available, &self.revisions) {
            if !doc.is_empty() {
                doc.push(String::new());
            }
            doc.push(format!(
                "API revisions: {}. A client that speaks another fails with `Error::Unsupported` before sending.",
                a.describe(&r.names)
            ));
        }
        let mut operation = Operation {
            id,
            method_name: String::new(),
            method: ctx.method,
            path: ctx.path.to_owned(),
            segments,
            doc,
            path_params,
            params,
            params_struct: None,
            body,
            successes,
            errors,
            required_headers,
            accept,
            response_enum: None,
            pagination: None,
            security,
            tag,
            feature: None,
            available,
            deprecated: op.get("deprecated").and_then(Value::as_bool).unwrap_or(false),
            session_header: op.get("x-session-header").and_then(Value::as_str).map(str::to_owned),
            session_scheme: None,
            stream_name: None,
            locals,
            download: false,
            output: None,
            error_body: None,
            logout: op.get("x-logout").and_then(Value::as_bool).unwrap_or(false),
            mock: crate::ir::MockOp::default(),
            dispatch: crate::ir::DispatchOp::default(),
        };
        // A lone binary success is streamed (a backup file need not fit in memory).
        operation.download = matches!(operation.successes.as_slice(), [r] if matches!(r.contents.as_slice(), [c] if c.media == Media::Binary && c.ty == Ty::Bytes));
        self.params_struct(&mut operation, &type_stem, ctx.ptr);
        self.response_enum(&mut operation, &type_stem, ctx.ptr);
        self.output(&mut operation, op, &type_stem, ctx.ptr);
        if let Some(pg) = op.get("x-pagination") {
            operation.pagination = self.pagination(&operation, pg, &at.join("x-pagination"));
        }
        operation.mock = self.mock_op(&operation, declared, op);
        Some(operation)
    }

    /// The operation's parameters: path-level ones first, then operation-level ones, which
    /// override by (name, in); path parameters in template order, one for every placeholder;
    /// the path template as segments; and the client-wide default headers it declares.
    fn parameters(
        &mut self,
        ctx: &OpCtx<'a, '_>,
        op: &'a serde_json::Map<String, Value>,
        type_stem: &str,
        param_scope: &mut Scope,
        default_headers: &mut Vec<(String, String)>,
    ) -> Parameters {
        let at = ctx.ptr;
        // Parameters: path-level first, then operation-level ones override by (name, in).
        let document = self.doc;
        let mut raw_params: Vec<(Pointer, &'a Value)> = Vec::new();
        for (base, list) in [(ctx.item_ptr, ctx.item.get("parameters")), (ctx.ptr, op.get("parameters"))] {
            let Some(list) = list else { continue };
            let Some(list) = list.as_array() else {
                self.sink.error(&base.join("parameters"), "`parameters` must be an array");
                continue;
            };
            for (i, p) in list.iter().enumerate() {
                let (ptr, p) = match document.deref(&base.join("parameters").join(i), p) {
                    Ok(found) => found,
                    Err((at, msg)) => {
                        self.sink.error(&at, msg);
                        continue;
                    }
                };
                let key = (p.get("name").cloned(), p.get("in").cloned());
                raw_params.retain(|(_, q)| (q.get("name").cloned(), q.get("in").cloned()) != key);
                raw_params.push((ptr, p));
            }
        }
        let mut required_headers = Vec::new();
        let mut path_params = Vec::new();
        let mut params = Vec::new();
        for (ptr, p) in raw_params {
            let pat = ptr.clone();
            let (Some(wire), Some(location)) =
                (p.get("name").and_then(Value::as_str), p.get("in").and_then(Value::as_str))
            else {
                self.sink.error(&pat, "a parameter needs a string `name` and `in`");
                continue;
            };
            let location = match location {
                "path" => ParamIn::Path,
                "query" => ParamIn::Query,
                "header" => ParamIn::Header,
                "cookie" => ParamIn::Cookie,
                other => {
                    self.sink.error(
                        &pat.join("in"),
                        format!("unknown parameter location `{}`", crate::diag::excerpt(other)),
                    );
                    continue;
                }
            };
            if location == ParamIn::Header
                && ["accept", "content-type", "authorization"].contains(&wire.to_ascii_lowercase().as_str())
            {
                self.sink
                    .warn(&pat, format!("header parameter `{wire}` is ignored, as OpenAPI says; the client sets it"));
                continue;
            }
            let hint = format!("{type_stem}{}", camel_ident(wire));
            let (ty, content) = match (p.get("schema"), p.get("content").and_then(Value::as_object)) {
                (Some(schema), _) => (self.ty_of(&ptr.join("schema"), schema, &hint), None),
                // `content` holds exactly one media type: the value is serialized in it.
                (None, Some(content)) => match content.iter().next() {
                    Some((mime, media)) => {
                        if content.len() > 1 {
                            self.sink.warn(
                                &pat.join("content"),
                                format!("a parameter's `content` must hold one media type; `{mime}` is used"),
                            );
                        }
                        let at = pat.join("content").join(mime);
                        let ty = match media.get("schema") {
                            Some(schema) => self.ty_of(&at.join("schema"), schema, &hint),
                            None => Ty::String,
                        };
                        (ty, Some(mime.clone()))
                    }
                    None => {
                        self.sink.warn(&pat.join("content"), "a parameter's `content` is empty; sent as a string");
                        (Ty::String, None)
                    }
                },
                (None, None) => {
                    self.sink.warn(&pat, "parameter has no schema; sent as a string");
                    (Ty::String, None)
                }
            };
            let (encoding, shape) = self.param_encoding(&pat, p, location, &ty, content);
            let required = location == ParamIn::Path || p.get("required").and_then(Value::as_bool).unwrap_or(false);
            // A header with a default is a client-wide setting (Veeam's `x-api-version`).
            if location == ParamIn::Header {
                if let Some(default) = p.pointer("/schema/default") {
                    let value = match default {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    if required {
                        required_headers.push(wire.to_owned());
                    }
                    match default_headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(wire)) {
                        Some((_, v)) if v != &value => self.sink.warn(&pat, format!("header `{wire}` has default `{value}` here but `{v}` elsewhere; the client sends `{v}`")),
                        Some(_) => {}
                        None => default_headers.push((wire.to_owned(), value)),
                    }
                    continue;
                }
            }
            let (name, holder) = param_scope.claim_for(&snake_ident(wire), &pat.to_string());
            if holder.is_some() {
                self.renamed(&pat, "parameter", wire, &name, holder);
            }
            let mut doc = p.get("description").and_then(Value::as_str).map(doc_lines).unwrap_or_default();
            if let Some(default) = p.pointer("/schema/default") {
                if !doc.is_empty() {
                    doc.push(String::new());
                }
                doc.push(format!("Default: `{default}`"));
            }
            if p.get("deprecated").and_then(Value::as_bool) == Some(true) {
                if !doc.is_empty() {
                    doc.push(String::new());
                }
                doc.push("Deprecated: the API still takes it, but may drop it.".to_owned());
            }
            let available = p.get(super::revisions::MARK).and_then(|m| {
                super::revisions::mark(m, self.revisions.as_ref(), &pat.join(super::revisions::MARK), &mut self.sink)
            });
            if let (Some(a), Some(r)) = (&available, &self.revisions) {
                if !doc.is_empty() {
                    doc.push(String::new());
                }
                doc.push(format!("API revisions: {}; the client refuses to send it to another.", a.describe(&r.names)));
            }
            // A parameter only some revisions have cannot be an argument every call must
            // give: a client of another revision could not call the operation at all.
            let required = required && (location == ParamIn::Path || available.is_none());
            let single = p.get(super::revisions::SINGLE_MARK).and_then(|m| {
                let at = pat.join(super::revisions::SINGLE_MARK);
                let single = super::revisions::mark(m, self.revisions.as_ref(), &at, &mut self.sink)?;
                self.single_value(&at, &ty, single, true, &mut doc)
            });
            let param =
                Param { name, wire: wire.to_owned(), location, ty, required, doc, encoding, shape, available, single };
            if location == ParamIn::Path {
                path_params.push(param);
            } else {
                params.push(param);
            }
        }
        // Path parameters follow the template's order, and every placeholder needs one.
        let mut placeholders: Vec<String> = Vec::new();
        for part in ctx.template {
            if let Part::Placeholder(name) = part {
                if !placeholders.contains(name) {
                    placeholders.push(name.clone());
                }
            }
        }
        for ph in &placeholders {
            if !path_params.iter().any(|p| &p.wire == ph) {
                // The placeholder is filled all the same: the method takes it as a string.
                let (name, _) = param_scope.claim(&snake_ident(ph));
                self.sink.warn(at, format!("path placeholder `{{{ph}}}` has no path parameter; generated as a required string argument `{name}`"));
                path_params.push(Param {
                    name,
                    wire: ph.clone(),
                    location: ParamIn::Path,
                    ty: Ty::String,
                    required: true,
                    doc: Vec::new(),
                    encoding: ParamEncoding::Style { style: Style::Simple, explode: false, allow_reserved: false },
                    shape: ValueShape::Primitive,
                    available: None,
                    single: None,
                });
            }
        }
        path_params.retain(|p| {
            let used = placeholders.contains(&p.wire);
            if !used {
                self.sink.warn(at, format!("path parameter `{}` does not appear in the path", p.wire));
            }
            used
        });
        path_params.sort_by_key(|p| placeholders.iter().position(|ph| ph == &p.wire));
        // The template as the method builds it: literal text and path parameters by index.
        let segments: Vec<PathSegment> = ctx
            .template
            .iter()
            .map(|part| match part {
                Part::Literal(text) => PathSegment::Literal(text.clone()),
                Part::Placeholder(name) => {
                    PathSegment::Param(path_params.iter().position(|p| &p.wire == name).unwrap_or_default())
                }
            })
            .collect();
        Parameters { path_params, params, required_headers, segments }
    }

    /// The operation's responses in match order (exact codes, then ranges, then `default`):
    /// the successes, the errors (whose bodies also vote for the API's error type), and every
    /// declared answer for the mock. A spec that documents only `default` describes its
    /// success that way.
    fn responses(
        &mut self,
        ctx: &OpCtx<'a, '_>,
        op: &'a serde_json::Map<String, Value>,
        type_stem: &str,
        error_tys: &mut Vec<Ty>,
    ) -> Responses {
        let at = ctx.ptr;
        let mut successes = Vec::new();
        let mut default_resp = None;
        let mut errors = Vec::new();
        // Every documented answer, errors included, for the mock server's reply enum.
        let mut declared: Vec<(String, Response)> = Vec::new();
        if let Some(responses) = op.get("responses").and_then(Value::as_object) {
            let mut sorted: Vec<(&String, Status, &Value)> = Vec::new();
            for (code, resp) in responses {
                match Status::parse(code) {
                    Some(status) => sorted.push((code, status, resp)),
                    // `x-…` keys are extensions; anything else is not a status.
                    None if code.starts_with("x-") => {}
                    // Not a status: reported, and left out (the other responses still hold).
                    None => self.sink.warn(
                        &ctx.ptr.join("responses").join(code),
                        format!(
                            "`{}` is not a status code, a range such as `2XX`, or `default`; left out",
                            crate::diag::excerpt(code)
                        ),
                    ),
                }
            }
            // Exact codes first, then ranges, then `default`: the order in which an answer's
            // status is matched, most specific first.
            sorted.sort_by_key(|(_, status, _)| *status);
            let any_success = sorted.iter().any(|(_, s, _)| s.is_success());
            for (code, status, resp) in sorted {
                let rptr = ctx.ptr.join("responses").join(code);
                if !status.is_success() && !status.is_error() && status != Status::Default {
                    continue;
                }
                let variant = status_variant(status);
                // Without any 2xx, `default` describes the success (see below).
                let default_is_success = status == Status::Default && !any_success;
                let hint = if status.is_success() || default_is_success {
                    format!("{type_stem}Response")
                } else {
                    format!("{type_stem}Error")
                };
                let lowered = self.response(&rptr, resp, &hint, status, variant);
                declared.push((code.clone(), lowered.clone()));
                if status.is_success() {
                    successes.push(lowered);
                } else {
                    if !default_is_success {
                        errors.push(lowered.clone());
                    }
                    for c in lowered.contents.iter().filter(|_| !default_is_success) {
                        if matches!(c.media, Media::Json | Media::Xml) {
                            error_tys.push(c.ty.clone());
                            break;
                        }
                    }
                    if status == Status::Default {
                        default_resp = Some(lowered);
                    }
                }
            }
        } else {
            self.sink.error(&at.join("responses"), "an operation needs `responses`");
        }
        // A spec that documents only `default` describes its success that way.
        if successes.is_empty() {
            if let Some(d) = default_resp {
                successes.push(d);
            }
        }
        Responses { successes, errors, declared }
    }

    /// How a parameter is written: its `style` (the location's default when absent), `explode`
    /// (true for `form` when absent), `allowReserved`, or its `content` media type; and the
    /// shape of its values. A style the location does not allow, or one the spec leaves
    /// undefined for the value's shape (an n/a cell of the Style Examples), is a warning at the
    /// parameter's `style`, and the location's default style is used.
    fn param_encoding(
        &mut self,
        at: &Pointer,
        p: &Value,
        location: ParamIn,
        ty: &Ty,
        content: Option<String>,
    ) -> (ParamEncoding, ValueShape) {
        if let Some(mime) = content {
            // The serialization in the media type is one value, whatever its shape.
            let json = media_class(&mime) == Media::Json;
            if !json && self.value_shape(ty) != ValueShape::Primitive {
                self.sink.warn(
                    &at.join("content").join(&mime),
                    format!("a structured parameter in `{mime}` is not generated; it is sent as JSON text"),
                );
            }
            return (ParamEncoding::Content { mime }, ValueShape::Primitive);
        }
        let shape = self.value_shape(ty);
        let default = match location {
            ParamIn::Path | ParamIn::Header => Style::Simple,
            ParamIn::Query | ParamIn::Cookie => Style::Form,
        };
        let style = match p.get("style") {
            None => default,
            Some(Value::String(s)) => match s.as_str() {
                "matrix" => Style::Matrix,
                "label" => Style::Label,
                "form" => Style::Form,
                "simple" => Style::Simple,
                "spaceDelimited" => Style::SpaceDelimited,
                "pipeDelimited" => Style::PipeDelimited,
                "deepObject" => Style::DeepObject,
                other => {
                    self.sink.error(&at.join("style"), format!("unknown style `{}`", crate::diag::excerpt(other)));
                    default
                }
            },
            Some(_) => {
                self.sink.error(&at.join("style"), "`style` must be a string");
                default
            }
        };
        let allowed: &[Style] = match location {
            ParamIn::Path => &[Style::Simple, Style::Label, Style::Matrix],
            ParamIn::Query => &[Style::Form, Style::SpaceDelimited, Style::PipeDelimited, Style::DeepObject],
            ParamIn::Header => &[Style::Simple],
            ParamIn::Cookie => &[Style::Form],
        };
        let style = if allowed.contains(&style) {
            style
        } else {
            self.sink.warn(
                &at.join("style"),
                format!("style `{style:?}` is not defined for a parameter in {location:?} (OpenAPI allows {allowed:?}); sent in the default style `{default:?}`"),
            );
            default
        };
        let explode = match p.get("explode") {
            None => style == Style::Form,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                self.sink.error(&at.join("explode"), "`explode` must be a boolean");
                style == Style::Form
            }
        };
        let allow_reserved = p.get("allowReserved").and_then(Value::as_bool).unwrap_or(false);
        if allow_reserved && location != ParamIn::Query {
            self.sink.warn(&at.join("allowReserved"), "`allowReserved` applies only to query parameters; ignored");
        }
        // The combinations the spec's Style Examples mark n/a.
        let undefined = match (style, shape) {
            (Style::SpaceDelimited | Style::PipeDelimited, ValueShape::Primitive) => true,
            (Style::SpaceDelimited | Style::PipeDelimited, _) => explode,
            (Style::DeepObject, ValueShape::Primitive | ValueShape::Array) => true,
            (Style::DeepObject, _) => !explode,
            _ => false,
        };
        let allow_reserved = allow_reserved && location == ParamIn::Query;
        if undefined {
            self.sink.warn(
                &at.join("style"),
                format!("style `{style:?}` with explode {explode} is not defined for a {shape:?} value (the spec's Style Examples mark it n/a); sent in the default style `{default:?}` with explode {}", default == Style::Form),
            );
            return (ParamEncoding::Style { style: default, explode: default == Style::Form, allow_reserved }, shape);
        }
        (ParamEncoding::Style { style, explode, allow_reserved }, shape)
    }

    /// The shape of a parameter value of type `ty`.
    fn value_shape(&self, ty: &Ty) -> ValueShape {
        let primitive = |t: &Ty| {
            t.is_scalar_param() || matches!(t, Ty::Named(id) if matches!(self.types[id.0].kind, TypeKind::Enum { .. }))
        };
        match self.resolved(ty) {
            Ty::Nullable(inner) | Ty::Boxed(inner) => self.value_shape(inner),
            t if primitive(t) => ValueShape::Primitive,
            Ty::Vec(item) if primitive(self.resolved(item)) => ValueShape::Array,
            Ty::Map(_) => ValueShape::Object,
            Ty::Named(id) if matches!(self.types[id.0].kind, TypeKind::Struct(_)) => ValueShape::Object,
            _ => ValueShape::Dynamic,
        }
    }

    fn request_body(&mut self, ctx: &OpCtx<'a, '_>, type_stem: &str) -> Option<RequestBody> {
        let raw = ctx.op.get("requestBody")?;
        let doc = self.doc;
        let (ptr, raw) = match doc.deref(&ctx.ptr.join("requestBody"), raw) {
            Ok(found) => found,
            Err((at, msg)) => {
                self.sink.error(&at, msg);
                return None;
            }
        };
        let contents = self.contents(&ptr, raw, &format!("{type_stem}Body"));
        if contents.is_empty() {
            self.sink.warn(&ptr, "request body has no media types; none is sent");
            return None;
        }
        let mut doc = raw.get("description").and_then(Value::as_str).map(doc_lines).unwrap_or_default();
        let available = raw.get(super::revisions::MARK).and_then(|m| {
            super::revisions::mark(m, self.revisions.as_ref(), &ptr.join(super::revisions::MARK), &mut self.sink)
        });
        let required = raw.get("required").and_then(Value::as_bool).unwrap_or(false);
        if let (Some(a), Some(r)) = (&available, &self.revisions) {
            if !doc.is_empty() {
                doc.push(String::new());
            }
            let taken = a.describe(&r.names);
            doc.push(if required {
                format!("API revisions: {taken} take a body, and require it; the client refuses to send one to another, and to leave it out for them.")
            } else {
                format!("API revisions: {taken} take a body; the client refuses to send one to another.")
            });
        }
        // A body only some revisions take cannot be an argument every call must give: a client
        // of another revision could not call the operation at all. It is optional, and required
        // in Rust's stead by a check for the revisions that require it.
        Some(RequestBody {
            required: required && available.is_none(),
            required_in: available.clone().filter(|_| required),
            available,
            contents,
            doc,
        })
    }

    fn response(&mut self, ptr: &Pointer, resp: &'a Value, hint: &str, status: Status, variant: String) -> Response {
        static NO_RESPONSE: Value = Value::Null;
        let doc = self.doc;
        let (ptr, resp) = doc.deref(ptr, resp).unwrap_or_else(|(at, msg)| {
            self.sink.error(&at, msg);
            (ptr.clone(), &NO_RESPONSE)
        });
        let headers = resp
            .get("headers")
            .and_then(Value::as_object)
            .map(|h| h.keys().map(|k| (k.clone(), snake_ident(k))).collect())
            .unwrap_or_default();
        Response {
            status,
            variant,
            contents: self.contents(&ptr, resp, hint),
            headers,
            doc: resp.get("description").and_then(Value::as_str).map(doc_lines).unwrap_or_default(),
        }
    }

    /// The media types of a body. All of them must carry the same schema (Enterprise Manager
    /// offers one schema as XML and JSON); a media type with a different schema is reported
    /// and left out rather than guessed at.
    pub(crate) fn contents(&mut self, ptr: &Pointer, holder: &'a Value, hint: &str) -> Vec<Content> {
        let Some(content) = holder.get("content").and_then(Value::as_object) else { return Vec::new() };
        let mut out: Vec<Content> = Vec::new();
        let mut first_schema: Option<&'a Value> = None;
        for (mime, media) in content {
            let mptr = ptr.join("content").join(mime);
            let class = media_class(mime);
            static NO_SCHEMA: Value = Value::Null;
            let schema: &'a Value = media.get("schema").unwrap_or(&NO_SCHEMA);
            let ty = match class {
                Media::Multipart => self.form_type(&mptr, media, hint),
                Media::Binary => Ty::Bytes,
                Media::Text => Ty::String,
                _ if schema.is_null() => Ty::Json,
                _ => {
                    if let Some(first) = &first_schema {
                        if *first != schema {
                            if let Some(existing) =
                                out.iter().find(|c| matches!(c.media, Media::Json | Media::Xml | Media::Form))
                            {
                                self.sink.warn(
                                    &mptr,
                                    format!(
                                        "media type `{mime}` has a different schema than `{}`; only `{}` is generated",
                                        existing.mime, existing.mime
                                    ),
                                );
                                continue;
                            }
                        }
                    }
                    first_schema.get_or_insert(schema);
                    match out.iter().find(|c| matches!(c.media, Media::Json | Media::Xml | Media::Form)) {
                        Some(c) => c.ty.clone(),
                        None => self.ty_of(&mptr.join("schema"), schema, hint),
                    }
                }
            };
            let xml = if class == Media::Xml { self.xml_root(schema, &ty) } else { None };
            let encoding = if class == Media::Form { self.form_encoding(&mptr, media, &ty) } else { Vec::new() };
            out.push(Content { media: class, mime: mime.clone(), ty, xml, encoding });
        }
        self.xml_shapes(ptr, &mut out);
        // Structured media types first, so the default choice is a typed one.
        let structured: Vec<Content> =
            out.iter().filter(|c| matches!(c.media, Media::Json | Media::Xml | Media::Form)).cloned().collect();
        if !structured.is_empty() && structured.len() != out.len() {
            let dropped: Vec<String> = out
                .iter()
                .filter(|c| !matches!(c.media, Media::Json | Media::Xml | Media::Form))
                .map(|c| format!("`{}`", c.mime))
                .collect();
            self.sink.warn(
                &ptr.join("content"),
                format!("only the structured media types are generated; {} left out", dropped.join(", ")),
            );
            return structured;
        }
        out
    }

    /// A `multipart/form-data` body: a form type with one part per property, files where
    /// the property is binary. A schema without properties is sent as raw bytes.
    fn form_type(&mut self, media_ptr: &Pointer, media: &'a Value, hint: &str) -> Ty {
        static NO_SCHEMA: Value = Value::Null;
        let schema: &'a Value = media.get("schema").unwrap_or(&NO_SCHEMA);
        let ptr = &media_ptr.join("schema");
        self.part_headers_unsupported(media_ptr, media);
        let doc = self.doc;
        // Properties are reported where they are written: at the `$ref` target.
        let (target, resolved): (Pointer, &'a Value) = doc.deref_lenient(ptr, schema);
        if resolved.get("properties").and_then(Value::as_object).is_none_or(|p| p.is_empty()) {
            self.sink.warn(ptr, "a multipart body without properties is sent as raw bytes");
            return Ty::Bytes;
        }
        let want = format!("{}Form", hint.trim_end_matches("Body"));
        let (name, holder) = self.type_names.claim_for(&want, &ptr.to_string());
        if holder.is_some() {
            self.renamed(ptr, "multipart form type", &want, &name, holder);
        }
        let fields = self.object_fields(&target, resolved, &name);
        let binary = |s: &Value| {
            let s = doc.resolve_chain(s);
            s.get("type").and_then(Value::as_str) == Some("string")
                && (s.get("format").and_then(Value::as_str) == Some("binary") || s.get("contentMediaType").is_some())
        };
        let parts = fields
            .into_iter()
            .map(|field| {
                let raw =
                    doc.at(&field.pointer).map(|v| doc.deref_lenient(&field.pointer, v).1).unwrap_or(&Value::Null);
                let repeated = raw.get("type").and_then(Value::as_str) == Some("array");
                let file = if repeated { raw.get("items").is_some_and(binary) } else { binary(raw) };
                let field = if file { crate::ir::Field { ty: Ty::Bytes, ..field } } else { field };
                let content_type = encoding_of(media, &field.wire)
                    .and_then(|e| e.get("contentType"))
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                FormPart { field, file, repeated, content_type }
            })
            .collect();
        let id = crate::ir::TypeId(self.types.len());
        self.types.push(TypeDef {
            name,
            doc: vec![
                "The parts of a `multipart/form-data` body: a `FilePart` for each file, text for the rest.".to_owned()
            ],
            pointer: ptr.clone(),
            spec_name: None,
            kind: TypeKind::Form(parts),
            xml: None,
            features: Vec::new(),
            serde: true,
            builder: None,
        });
        Ty::Named(id)
    }

    /// How each property of a form-urlencoded body of type `ty` is written: its Encoding
    /// Object's `style`/`explode`/`allowReserved`/`contentType`, else `form` with explode, and
    /// an object property as JSON text (the spec's default `contentType` for objects).
    fn form_encoding(&mut self, media_ptr: &Pointer, media: &'a Value, ty: &Ty) -> Vec<crate::ir::PartEncoding> {
        let fields = match self.resolved(ty) {
            Ty::Named(id) => match &self.types[id.0].kind {
                TypeKind::Struct(fields) => fields.clone(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        let mut out = Vec::new();
        for f in &fields {
            let e = encoding_of(media, &f.wire);
            let at = media_ptr.join("encoding").join(&f.wire);
            let style = match e.and_then(|e| e.get("style")).and_then(Value::as_str) {
                None | Some("form") => Style::Form,
                Some("spaceDelimited") => Style::SpaceDelimited,
                Some("pipeDelimited") => Style::PipeDelimited,
                Some("deepObject") => Style::DeepObject,
                Some(other) => {
                    self.sink.warn(
                        &at.join("style"),
                        format!(
                            "style `{}` is not defined for a form body; written as `form`",
                            crate::diag::excerpt(other)
                        ),
                    );
                    Style::Form
                }
            };
            let explode = e.and_then(|e| e.get("explode")).and_then(Value::as_bool).unwrap_or(style == Style::Form);
            let allow_reserved = e.and_then(|e| e.get("allowReserved")).and_then(Value::as_bool).unwrap_or(false);
            let styled = e.is_some_and(|e| e.get("style").is_some() || e.get("explode").is_some());
            let content_type = match e.and_then(|e| e.get("contentType")).and_then(Value::as_str) {
                Some(ct) => Some(ct.to_owned()),
                // An object property without an Encoding Object is JSON (Encoding Object,
                // `contentType` default for `object`).
                None if !styled && self.value_shape(&f.ty) == ValueShape::Object => Some("application/json".to_owned()),
                None => None,
            };
            let shape = self.value_shape(&f.ty);
            out.push(crate::ir::PartEncoding {
                name: f.wire.clone(),
                style,
                explode,
                allow_reserved,
                content_type,
                shape,
            });
        }
        self.part_headers_unsupported(media_ptr, media);
        out
    }

    /// Part `headers` in an Encoding Object would need values the caller gives: not generated,
    /// and said so at each. In a multipart body, `style`, `explode` and `allowReserved` other
    /// than the default (an array is one part per item) are not generated either.
    fn part_headers_unsupported(&mut self, media_ptr: &Pointer, media: &Value) {
        let Some(encoding) = media.get("encoding").and_then(Value::as_object) else { return };
        let multipart = media_ptr.last().is_some_and(|m| m.to_ascii_lowercase().starts_with("multipart/"));
        for (name, e) in encoding {
            let at = media_ptr.join("encoding").join(name);
            if e.get("headers").and_then(Value::as_object).is_some_and(|h| !h.is_empty()) {
                self.sink.warn(&at.join("headers"), "part headers of an Encoding Object are not sent");
            }
            let styled = e.get("style").is_some_and(|s| s != "form")
                || e.get("explode") == Some(&Value::Bool(false))
                || e.get("allowReserved") == Some(&Value::Bool(true));
            if multipart && styled {
                self.sink.warn(&at, "`style`, `explode` and `allowReserved` of a multipart part are not generated: an array is sent as one part per item");
            }
        }
    }

    /// The root element of an XML body of type `ty` (its schema is `schema`): an object is
    /// its own root; an array of objects, enums or primitives is a wrapper of item elements;
    /// a primitive is the text of one element. `None` where XML has no typed form here (a
    /// map, a free-form value, nested arrays).
    fn xml_root(&self, schema: &Value, ty: &Ty) -> Option<XmlRoot> {
        let schema = self.doc.resolve_chain(schema);
        let xml_name = |s: &Value| s.pointer("/xml/name").and_then(Value::as_str).map(str::to_owned);
        // The spec's name of the schema a `$ref` names (a component, or a file that is one).
        let component = |s: &Value| {
            let (target, _) = self.doc.resolve(s.get("$ref")?.as_str()?).ok()?;
            self.types[self.by_pointer.get(&target)?.0].spec_name.clone()
        };
        match self.resolved(ty) {
            Ty::Named(id) if matches!(self.types[id.0].kind, TypeKind::Struct(_)) => Some(XmlRoot::Element),
            Ty::Vec(item) => {
                let item_ok = match self.resolved(item) {
                    Ty::Named(id) => matches!(self.types[id.0].kind, TypeKind::Struct(_) | TypeKind::Enum { .. }),
                    t => is_xml_scalar(t),
                };
                if !item_ok {
                    return None;
                }
                let items = schema.get("items").unwrap_or(&Value::Null);
                let item_name = xml_name(self.doc.resolve_chain(items))
                    .or_else(|| component(items))
                    .or_else(|| match self.resolved(item) {
                        Ty::Named(id) => Some(self.types[id.0].name.clone()),
                        _ => None,
                    })
                    .unwrap_or_else(|| "item".to_owned());
                let wrapper = xml_name(schema).unwrap_or_else(|| format!("ArrayOf{item_name}"));
                Some(XmlRoot::List { wrapper, item: item_name })
            }
            t if is_xml_scalar(t)
                || matches!(t, Ty::Named(id) if matches!(self.types[id.0].kind, TypeKind::Enum { .. })) =>
            {
                Some(XmlRoot::Text {
                    name: xml_name(schema).or_else(|| component(schema)).unwrap_or_else(|| "value".to_owned()),
                })
            }
            _ => None,
        }
    }

    /// `ty` with aliases followed.
    fn resolved<'t>(&'t self, ty: &'t Ty) -> &'t Ty {
        crate::ir::resolve_alias(&self.types, ty)
    }

    /// XML bodies are typed where their root has a typed form (see [`Self::xml_root`]). Any
    /// other shape under an XML media type (a map or a free-form value at the root, or no
    /// schema) is left out where JSON offers the same body, and otherwise handled as raw XML
    /// text; either way with a warning at the media type.
    fn xml_shapes(&mut self, ptr: &Pointer, contents: &mut Vec<Content>) {
        let untyped: Vec<usize> = contents
            .iter()
            .enumerate()
            .filter(|(_, c)| c.media == Media::Xml && c.xml.is_none())
            .map(|(i, _)| i)
            .collect();
        if untyped.is_empty() {
            return;
        }
        let json_too = contents.iter().any(|c| matches!(c.media, Media::Json | Media::Form));
        for &i in untyped.iter().rev() {
            let mptr = ptr.join("content").join(&contents[i].mime);
            if json_too {
                self.sink.warn(&mptr, format!("`{}` has no typed XML form (a map, a free-form value or nested arrays at the root); the JSON form is generated", contents[i].mime));
                contents.remove(i);
            } else {
                self.sink.warn(&mptr, format!("`{}` has no typed XML form (a map, a free-form value or nested arrays at the root); sent and received as raw XML text", contents[i].mime));
                contents[i].media = Media::Text;
                contents[i].ty = Ty::String;
                contents[i].xml = None;
            }
        }
    }

    /// The operation's security requirements (its own, else the document's), each
    /// alternative a list of scheme names in document order. A scheme `components` does not
    /// define is an error at its pointer: the call would otherwise go out unauthenticated.
    fn op_security(&mut self, op: &serde_json::Map<String, Value>, at: &Pointer) -> Vec<Vec<String>> {
        let (reqs, base) = match op.get("security") {
            Some(r) => (Some(r), at.join("security")),
            None => (self.doc.raw.get("security"), Pointer::root().join("security")),
        };
        let mut out: Vec<Vec<String>> = Vec::new();
        let Some(reqs) = reqs else { return out };
        let Some(reqs) = reqs.as_array() else {
            self.sink.error(&base, "`security` must be an array of security requirements");
            return out;
        };
        for (i, req) in reqs.iter().enumerate() {
            let Some(obj) = req.as_object() else {
                self.sink.error(&base.join(i), "a security requirement must be an object");
                continue;
            };
            let mut all = Vec::new();
            for name in obj.keys() {
                if !self.known_scheme(name) {
                    self.sink.error(
                        &base.join(i).join(name),
                        format!(
                            "security scheme `{}` is not defined in `components/securitySchemes`",
                            crate::diag::excerpt(name)
                        ),
                    );
                    continue;
                }
                all.push(name.clone());
            }
            if !out.contains(&all) {
                out.push(all);
            }
        }
        out
    }

    /// Warns (once per tag) about an operation tag the document's `tags` list does not
    /// declare: it still names a cargo feature, which a typo would then name.
    fn declared_tag(&mut self, tag: &str, at: &Pointer) {
        let declared = self
            .doc
            .raw
            .get("tags")
            .and_then(Value::as_array)
            .is_some_and(|tags| tags.iter().any(|t| t.get("name").and_then(Value::as_str) == Some(tag)));
        if !declared && self.undeclared_tags.insert(tag.to_owned()) {
            self.sink.warn(at, format!("tag `{}` is not declared in the document's `tags`; its cargo feature is named after it all the same", crate::diag::excerpt(tag)));
        }
    }

    /// Whether `components/securitySchemes` defines `name` (whatever its kind: a scheme the
    /// client cannot apply is reported where it is defined).
    fn known_scheme(&self, name: &str) -> bool {
        self.doc
            .raw
            .pointer("/components/securitySchemes")
            .and_then(Value::as_object)
            .is_some_and(|s| s.contains_key(name))
    }

    /// Optional query and header parameters go into one `{Operation}Params` struct with
    /// `Default`, so a list call with a dozen filters reads `&Params { limit: Some(50), ..Default::default() }`.
    fn params_struct(&mut self, op: &mut Operation, stem: &str, ptr: &Pointer) {
        if !op.params.iter().any(|p| !p.required) {
            return;
        }
        let fields = op
            .params
            .iter()
            .filter(|p| !p.required)
            .map(|p| Field {
                pointer: ptr.join("parameters"),
                name: p.name.clone(),
                wire: p.wire.clone(),
                ty: p.ty.clone(),
                required: false,
                doc: p.doc.clone(),
                xml: None,
                read_only: false,
                write_only: false,
                // Checked by the client method, which writes parameters one by one.
                available: None,
                required_in: None,
                single: None,
            })
            .collect();
        let (name, changed) = self.type_names.claim(&format!("{stem}Params"));
        if changed {
            self.sink.warn(ptr, format!("parameters struct name `{stem}Params` is taken; generated as `{name}`"));
        }
        let id = crate::ir::TypeId(self.types.len());
        self.types.push(TypeDef {
            name,
            doc: vec![format!("Optional parameters of the `{}` operation.", op.id)],
            pointer: ptr.join("parameters"),
            spec_name: None,
            kind: TypeKind::Struct(fields),
            xml: None,
            features: Vec::new(),
            serde: false,
            builder: None,
        });
        op.params_struct = Some(id);
    }

    /// Several success statuses with different bodies become an enum, one variant each.
    fn response_enum(&mut self, op: &mut Operation, stem: &str, ptr: &Pointer) {
        let distinct: Vec<Option<&Ty>> = op.successes.iter().map(|r| r.contents.first().map(|c| &c.ty)).collect();
        if distinct.windows(2).all(|w| w[0] == w[1]) {
            return;
        }
        let variants = op
            .successes
            .iter()
            .map(|r| (r.variant.clone(), r.status, r.contents.first().map(|c| c.ty.clone())))
            .collect();
        let (name, _) = self.type_names.claim(&format!("{stem}Response"));
        let id = crate::ir::TypeId(self.types.len());
        self.types.push(TypeDef {
            name,
            doc: vec!["One variant per documented success status.".to_owned()],
            pointer: ptr.join("responses"),
            spec_name: None,
            kind: TypeKind::Responses(variants),
            xml: None,
            features: Vec::new(),
            serde: true,
            builder: None,
        });
        op.response_enum = Some(id);
    }

    /// An operation whose success answer declares response headers returns them with the
    /// status and the body, in an `{Operation}Output` (one success answer, not streamed).
    fn output(&mut self, op: &mut Operation, raw: &serde_json::Map<String, Value>, stem: &str, ptr: &Pointer) {
        let [success] = op.successes.as_slice() else { return };
        if success.headers.is_empty() || op.download || op.response_enum.is_some() {
            return;
        }
        let code = success.status.key();
        let doc = self.doc;
        // Headers are reported where they are written: at the end of a `$ref` chain.
        let (resp_ptr, resp) = match raw.get("responses").and_then(|r| r.get(&code)) {
            Some(r) => doc.deref_lenient(&ptr.join("responses").join(&code), r),
            None => return,
        };
        let mut scope = Scope::with_reserved(&["status", "body"]);
        let mut headers = Vec::new();
        for (wire, _) in &success.headers {
            let h = resp.get("headers").and_then(|h| h.get(wire)).map(|h| doc.resolve_chain(h)).unwrap_or(&Value::Null);
            let schema = h.get("schema").map(|s| doc.resolve_chain(s)).unwrap_or(&Value::Null);
            let ty = match (schema.get("type").and_then(Value::as_str), schema.get("format").and_then(Value::as_str)) {
                (Some("integer"), _) => Ty::I64,
                (Some("number"), _) => Ty::F64,
                (Some("boolean"), _) => Ty::Bool,
                _ => Ty::String,
            };
            let secret = schema.get("format").and_then(Value::as_str) == Some("password")
                || op.session_header.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(wire));
            let at = resp_ptr.join("headers").join(wire);
            let (name, holder) = scope.claim_for(&snake_ident(wire), &at.to_string());
            if holder.is_some() {
                self.renamed(&at, "response header", wire, &name, holder);
            }
            headers.push(crate::ir::OutputHeader {
                name,
                wire: wire.clone(),
                ty,
                required: h.get("required").and_then(Value::as_bool).unwrap_or(false),
                secret,
                doc: h.get("description").and_then(Value::as_str).map(doc_lines).unwrap_or_default(),
            });
        }
        let (name, _) = self.type_names.claim(&format!("{stem}Output"));
        let id = crate::ir::TypeId(self.types.len());
        self.types.push(TypeDef {
            name,
            doc: vec!["The answer: its status, body and the response headers the spec declares.".to_owned()],
            pointer: resp_ptr.clone(),
            spec_name: None,
            kind: TypeKind::Output { body: success.contents.first().map(|c| c.ty.clone()), headers },
            xml: None,
            features: Vec::new(),
            serde: true,
            builder: None,
        });
        op.output = Some(id);
    }

    /// `x-pagination: {offsetParam, limitParam, itemsProperty, totalProperty}` (and the
    /// optional `offsetProperty`, `countProperty`) on a list operation adds a stream method.
    /// Every name is checked against the operation.
    fn pagination(&mut self, op: &Operation, pg: &Value, at: &Pointer) -> Option<Pagination> {
        let get = |k: &str| pg.get(k).and_then(Value::as_str);
        let (Some(offset), Some(limit), Some(items), Some(total)) =
            (get("offsetParam"), get("limitParam"), get("itemsProperty"), get("totalProperty"))
        else {
            self.sink.error(
                at,
                "`x-pagination` needs string `offsetParam`, `limitParam`, `itemsProperty` and `totalProperty`",
            );
            return None;
        };
        let find =
            |wire: &str| op.params.iter().find(|p| p.wire == wire && !p.required && matches!(p.ty, Ty::I32 | Ty::I64));
        let (Some(off), Some(lim)) = (find(offset), find(limit)) else {
            self.sink.error(at, format!("`x-pagination` names `{offset}` and `{limit}`, which must be optional integer query parameters of the operation"));
            return None;
        };
        let Some(resp_ty) = op.successes.first().and_then(|r| r.contents.first()).map(|c| c.ty.clone()) else {
            self.sink.error(at, "`x-pagination` needs a success response with a body");
            return None;
        };
        let (items_path, item_ty) = match self.field_path(&resp_ty, items) {
            Some((path, Ty::Vec(inner))) => (path, *inner),
            _ => {
                self.sink
                    .error(at, format!("`itemsProperty` `{items}` is not a required array property of the response"));
                return None;
            }
        };
        let total_path = match self.field_path(&resp_ty, total) {
            Some((path, Ty::I32 | Ty::I64)) => path,
            _ => {
                self.sink
                    .error(at, format!("`totalProperty` `{total}` is not a required integer property of the response"));
                return None;
            }
        };
        // Optional echoes of the request, which let the stream tell a server that ignores
        // the offset or miscounts a page.
        let mut echo = |key: &str| -> Option<(Vec<String>, bool)> {
            let dotted = pg.get(key)?;
            let found = dotted.as_str().and_then(|d| self.field_path_opt(&resp_ty, d));
            match found {
                Some((path, Ty::I32 | Ty::I64, optional)) => Some((path, optional)),
                _ => {
                    self.sink.error(&at.join(key), format!("`{key}` is not an integer property of the response"));
                    None
                }
            }
        };
        let offset_echo = echo("offsetProperty");
        let count = echo("countProperty");
        let name = |p: &crate::ir::Param| p.name.clone();
        Some(Pagination {
            offset_param: name(off),
            limit_param: name(lim),
            offset_available: off.available.clone(),
            items: items_path,
            total: total_path,
            offset_echo,
            count,
            item_ty,
        })
    }

    /// Follows a dotted wire path through required struct fields to a last field that may
    /// be optional; says whether it is.
    pub(crate) fn field_path_opt(&self, ty: &Ty, dotted: &str) -> Option<(Vec<String>, Ty, bool)> {
        let (parent, last) = match dotted.rsplit_once('.') {
            Some((p, l)) => (Some(p), l),
            None => (None, dotted),
        };
        let (mut path, parent_ty) = match parent {
            Some(p) => self.field_path(ty, p)?,
            None => (Vec::new(), ty.clone()),
        };
        let Ty::Named(id) = parent_ty else { return None };
        let TypeKind::Struct(fields) = &self.types[id.0].kind else { return None };
        let f = fields.iter().find(|f| f.wire == last)?;
        path.push(f.name.clone());
        Some((path, f.ty.clone(), !f.required))
    }

    /// Follows a dotted wire path through required struct fields.
    pub(crate) fn field_path(&self, ty: &Ty, dotted: &str) -> Option<(Vec<String>, Ty)> {
        let mut current = ty.clone();
        let mut path = Vec::new();
        for seg in dotted.split('.') {
            let Ty::Named(id) = current else { return None };
            let fields = match &self.types[id.0].kind {
                TypeKind::Struct(f) => f,
                TypeKind::Alias(Ty::Named(_)) => return None,
                _ => return None,
            };
            let f = fields.iter().find(|f| f.wire == seg && f.required)?;
            path.push(f.name.clone());
            current = f.ty.clone();
        }
        Some((path, current))
    }
}

struct OpCtx<'a, 'p> {
    path: &'a str,
    template: &'p [Part],
    method: Method,
    item: &'a Value,
    op: &'a Value,
    /// The path item's pointer (after its `$ref`, if any), for path-level parameters.
    item_ptr: &'p Pointer,
    ptr: &'p Pointer,
}

/// An operation's parameters, as lowering decided them.
struct Parameters {
    path_params: Vec<Param>,
    params: Vec<Param>,
    required_headers: Vec<String>,
    segments: Vec<PathSegment>,
}

/// An operation's responses, as lowering decided them.
struct Responses {
    successes: Vec<Response>,
    errors: Vec<Response>,
    declared: Vec<(String, Response)>,
}

/// An operation's docs: summary, description, method and path, and its `x-doc-page`.
fn op_doc(ctx: &OpCtx<'_, '_>, op: &serde_json::Map<String, Value>) -> Vec<String> {
    let mut doc = Vec::new();
    if let Some(summary) = op.get("summary").and_then(Value::as_str) {
        doc.extend(doc_lines(summary));
    }
    if let Some(description) = op.get("description").and_then(Value::as_str) {
        if !doc.is_empty() {
            doc.push(String::new());
        }
        doc.extend(doc_lines(description));
    }
    if !doc.is_empty() {
        doc.push(String::new());
    }
    doc.push(format!("`{} {}`", ctx.method.as_str(), ctx.path.replace('`', "'")));
    if let Some(page) = op.get("x-doc-page").and_then(Value::as_str) {
        doc.push(String::new());
        doc.push(format!("Documentation: <{page}>"));
    }
    doc
}

/// Types written as the text of one XML element.
fn is_xml_scalar(ty: &Ty) -> bool {
    matches!(ty, Ty::String | Ty::Bool | Ty::I32 | Ty::I64 | Ty::F32 | Ty::F64 | Ty::Uuid | Ty::DateTime | Ty::Date)
}

fn media_class(mime: &str) -> Media {
    let m = mime.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if m == "application/json" || m.ends_with("+json") || m == "text/json" || m == "*/*" {
        Media::Json
    } else if m == "application/xml" || m == "text/xml" || m.ends_with("+xml") {
        Media::Xml
    } else if m == "application/x-www-form-urlencoded" {
        Media::Form
    } else if m.starts_with("multipart/") {
        Media::Multipart
    } else if m.starts_with("text/") {
        Media::Text
    } else {
        Media::Binary
    }
}

fn status_variant(status: Status) -> String {
    match status {
        Status::Code(200) => "Ok".into(),
        Status::Code(201) => "Created".into(),
        Status::Code(202) => "Accepted".into(),
        Status::Code(203) => "NonAuthoritative".into(),
        Status::Code(204) => "NoContent".into(),
        Status::Code(206) => "PartialContent".into(),
        Status::Code(s) => format!("Status{s}"),
        Status::Range(2) => "Success".into(),
        Status::Range(d) => format!("Status{d}XX"),
        Status::Default => "Default".into(),
    }
}

/// The Encoding Object of property `name` in a media type object.
fn encoding_of<'v>(media: &'v Value, name: &str) -> Option<&'v Value> {
    media.get("encoding")?.get(name)
}

/// The `Accept` header from the success responses' media types: the structured ones when
/// there are any (the client picks by its format), else every media type they name.
fn accept_of(successes: &[Response]) -> Option<Accept> {
    let mut structured: Vec<(Media, String)> = Vec::new();
    let mut other: Vec<&str> = Vec::new();
    for c in successes.iter().flat_map(|r| r.contents.iter()) {
        match c.media {
            Media::Json | Media::Xml => {
                if !structured.iter().any(|(_, m)| m == &c.mime) {
                    structured.push((c.media, c.mime.clone()));
                }
            }
            _ => {
                if !other.contains(&c.mime.as_str()) {
                    other.push(&c.mime);
                }
            }
        }
    }
    if !structured.is_empty() {
        Some(Accept::ByFormat(structured))
    } else if !other.is_empty() {
        Some(Accept::Fixed(other.join(", ")))
    } else {
        None
    }
}

/// `GET /pets/{petId}/toys` → `get_pets_by_pet_id_toys`: stable, readable, and unique per
/// method and path.
fn derived_id(method: Method, path: &str) -> String {
    let mut out = method.as_str().to_ascii_lowercase();
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        out.push('_');
        if let Some(inner) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            out.push_str("by_");
            out.push_str(inner);
        } else {
            out.push_str(seg);
        }
    }
    out
}

/// The path template as literal text and placeholders, read once; an ill-formed template
/// is an error.
fn parse_template(path: &str) -> Result<Vec<Part>, String> {
    if !path.starts_with('/') {
        return Err(format!("path `{path}` must start with `/`"));
    }
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut placeholder: Option<String> = None;
    for c in path.chars() {
        match (c, &mut placeholder) {
            ('{', Some(_)) => return Err(format!("path `{path}` has nested braces")),
            ('{', None) => {
                if !literal.is_empty() {
                    parts.push(Part::Literal(std::mem::take(&mut literal)));
                }
                placeholder = Some(String::new());
            }
            ('}', None) => return Err(format!("path `{path}` has an unbalanced `}}`")),
            ('}', Some(name)) => {
                parts.push(Part::Placeholder(std::mem::take(name)));
                placeholder = None;
            }
            (c, Some(name)) => name.push(c),
            (c, None) => literal.push(c),
        }
    }
    if placeholder.is_some() {
        return Err(format!("path `{path}` has an unbalanced `{{`"));
    }
    if !literal.is_empty() {
        parts.push(Part::Literal(literal));
    }
    Ok(parts)
}

/// A piece of a path template, before its placeholders are matched to parameters.
#[derive(Clone, Debug, PartialEq)]
enum Part {
    Literal(String),
    Placeholder(String),
}

/// The error type shared by most error responses.
fn most_common(tys: Vec<Ty>) -> Option<Ty> {
    let mut counts: BTreeMap<String, (usize, Ty)> = BTreeMap::new();
    for t in tys {
        let key = format!("{t:?}");
        counts.entry(key).or_insert((0, t)).0 += 1;
    }
    counts.into_values().max_by_key(|(n, _)| *n).map(|(_, t)| t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_ids() {
        assert_eq!(derived_id(Method::Get, "/pets/{petId}/toys"), "get_pets_by_petId_toys");
        assert_eq!(derived_id(Method::Post, "/"), "post");
    }

    #[test]
    fn templates() {
        let lit = |s: &str| Part::Literal(s.to_owned());
        let ph = |s: &str| Part::Placeholder(s.to_owned());
        assert_eq!(parse_template("/a/{b}/c").unwrap(), [lit("/a/"), ph("b"), lit("/c")]);
        assert_eq!(parse_template("/x/{a}{b}?q={c}").unwrap(), [lit("/x/"), ph("a"), ph("b"), lit("?q="), ph("c")]);
        assert!(parse_template("/a/{b").unwrap_err().contains("unbalanced `{`"));
        assert!(parse_template("/a/b}").unwrap_err().contains("unbalanced `}`"));
        assert!(parse_template("/a/{b{c}}").unwrap_err().contains("nested"));
        assert!(parse_template("a").unwrap_err().contains("start with"));
    }
}
