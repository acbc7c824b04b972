//! `mock.rs` (cargo feature `mock`): an in-process mock server of the API with one typed
//! request struct, one reply enum and one registration method per operation. The server
//! itself (routing, auth, validation, recording) is the runtime's `mock` module; this file
//! describes the API to it and types the handlers.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::{ident, Emitter, From};
use crate::ir::{MockBody, MockBodyKind, Operation, ParamIn, Security, Ty, XmlRoot};

/// The server struct and the API description, keyed `mock_server`.
pub(crate) fn mock_server_item(e: &Emitter<'_>) -> (String, TokenStream) {
    ("mock_server".to_owned(), e.mock_server())
}

/// One operation's request struct, reply enum and registration method, keyed `mock_{method}`.
pub(crate) fn mock_operation_item(e: &Emitter<'_>, i: usize) -> (String, TokenStream) {
    let op = &e.api.operations[i];
    (format!("mock_{}", crate::naming::unraw(&op.method_name)), e.mock_operation(op))
}

impl Emitter<'_> {
    /// `MockServer::start_as(version)` and the revision table it serves by, for an API that
    /// declares revisions.
    fn mock_revisions(&self) -> (TokenStream, TokenStream) {
        let rt = &self.rt;
        let Some(r) = &self.api.revisions else { return (quote!(), quote!()) };
        let header = &r.header;
        let names = &r.names;
        let ops = self.api.operations.iter().filter_map(|op| {
            let (id, cfg) = (&op.id, self.feature_attr(&op.feature));
            let available = self.available_tokens(op.available.as_ref()?);
            Some(quote!(#cfg (#id, #available)))
        });
        let start_as = quote! {
            /// Starts the server as a server of API revision `version` (a VBR 12 server speaks
            /// 1.2-rev1): a request whose revision header names a later or unknown revision is
            /// answered `400`, and an operation `version` lacks `404`.
            pub async fn start_as(version: super::ApiVersion) -> ::std::io::Result<Self> {
                let at = ::std::convert::From::from(#rt::ApiRevision::index(version));
                ::std::result::Result::Ok(MockServer { server: #rt::mock::Server::start_revision(&API, &REVISIONS, at).await? })
            }
        };
        let table = quote! {
            /// The revisions the mock serves by: the operations not every revision has.
            static REVISIONS: #rt::mock::Revisions = #rt::mock::Revisions {
                header: #header,
                names: &[#(#names),*],
                operations: &[#(#ops),*],
            };
        };
        (start_as, table)
    }

    fn mock_server(&self) -> TokenStream {
        let rt = &self.rt;
        let api = self.api;
        let title = &api.title;
        let doc = format!(" An in-process mock of the {title}: answers the client on loopback.");
        let schemes = api.security.iter().map(|(name, s)| {
            let scheme = match s {
                Security::Bearer => quote!(#rt::mock::Scheme::Bearer),
                Security::MutualTls => quote!(#rt::mock::Scheme::MutualTls),
                Security::Basic => quote!(#rt::mock::Scheme::Basic),
                Security::ApiKeyHeader(h) => quote!(#rt::mock::Scheme::ApiKeyHeader(#h)),
                Security::ApiKeyQuery(q) => quote!(#rt::mock::Scheme::ApiKeyQuery(#q)),
                Security::OAuth2Password { token_url, .. } => {
                    quote!(#rt::mock::Scheme::OAuth2 { token_url: #token_url })
                }
                Security::OAuth2ClientCredentials { token_url, .. } => {
                    quote!(#rt::mock::Scheme::OAuth2 { token_url: #token_url })
                }
            };
            quote!((#name, #scheme))
        });
        let reauth = api
            .security
            .values()
            .find_map(|s| match s {
                Security::OAuth2Password { reauthenticate_on: Some((property, values)), .. } => {
                    values.first().map(|v| quote!(::std::option::Option::Some((#property, #v))))
                }
                _ => None,
            })
            .unwrap_or_else(|| quote!(::std::option::Option::None));
        let (problem_fn, problem) = self.mock_problem();
        let (start_as, revisions_static) = self.mock_revisions();
        let ops = api.operations.iter().map(|op| {
            let cfg = self.feature_attr(&op.feature);
            let id = &op.id;
            let path = &op.path;
            let method = format_ident!("{}", op.method.variant());
            let auth = op.security.iter().map(|all| quote!(&[#(#all),*]));
            let request = ident(&op.mock.request);
            let example = match &op.mock.example {
                Some(x) => {
                    let status = Literal::u16_unsuffixed(x.status);
                    let bodies = x.bodies.iter().map(|(m, t)| quote!((#m, #t)));
                    let headers = x.headers.iter().map(|(n, v)| quote!((#n, #v)));
                    quote!(::std::option::Option::Some(#rt::mock::Example { status: #status, bodies: &[#(#bodies),*], headers: &[#(#headers),*] }))
                }
                None => quote!(::std::option::Option::None),
            };
            let session = match &op.session_header {
                Some(h) => quote!(::std::option::Option::Some(#h)),
                None => quote!(::std::option::Option::None),
            };
            let logout = op.logout;
            let produces: Vec<&str> = op.successes.iter().flat_map(|r| r.contents.iter()).map(|c| c.mime.as_str()).collect();
            let required_headers = &op.required_headers;
            let echo = op.mock.echo.iter().map(|(p, at)| quote!((#p, #at)));
            quote! {
                #cfg
                #rt::mock::OpSpec {
                    id: #id,
                    method: #rt::Method::#method,
                    path: #path,
                    auth: &[#(#auth),*],
                    check: #rt::mock::check::<#request>,
                    example: #example,
                    session_header: #session,
                    logout: #logout,
                    produces: &[#(#produces),*],
                    echo: &[#(#echo),*],
                    required_headers: &[#(#required_headers),*],
                },
            }
        });
        quote! {
            #[doc = #doc]
            ///
            /// Start it with [`MockServer::start`], build the client with its `url()`, and
            /// answer operations with the typed `on_…` methods. Operations without a handler
            /// answer with the spec's success example, or `501 Not Implemented` naming the
            /// operation. Every request is recorded (`requests()`, `calls(id)`); one that breaks
            /// the spec is answered `400` with the reason. Auth follows the spec's security
            /// schemes; the controls (`expire_tokens()`, `accept_login(..)`, …) are the runtime
            /// server's, reached through `Deref`.
            #[derive(Clone, Debug)]
            pub struct MockServer {
                server: #rt::mock::Server,
            }

            impl MockServer {
                /// Starts the server on a free loopback port.
                pub async fn start() -> ::std::io::Result<Self> {
                    ::std::result::Result::Ok(MockServer { server: #rt::mock::Server::start(&API).await? })
                }
                #start_as
            }
            #revisions_static

            impl ::std::ops::Deref for MockServer {
                type Target = #rt::mock::Server;
                fn deref(&self) -> &#rt::mock::Server {
                    &self.server
                }
            }

            #problem_fn

            /// The API as the mock serves it.
            static API: #rt::mock::Api = #rt::mock::Api {
                title: #title,
                schemes: &[#(#schemes),*],
                reauthenticate_on: #reauth,
                operations: &[#(#ops)*],
                problem: #problem,
            };
        }
    }

    /// The mock's own refusals in the API's error shape: a function that fills the error type
    /// with the message (a `message`/`detail`/`title` string), the status (a number named like
    /// `status` or `code`) and the reason (a string named like `code`, `status` or `error`),
    /// written as the operations write their error answers. `None` (JSON `{"message": …}`)
    /// where the API has no error type or no answer writes it.
    fn mock_problem(&self) -> (TokenStream, TokenStream) {
        let rt = &self.rt;
        let none = (quote!(), quote!(::std::option::Option::None));
        let Some(error_ty) = &self.api.error_ty else { return none };
        let Ty::Named(id) = self.resolve(error_ty) else { return none };
        let crate::ir::TypeKind::Struct(fields) = &self.api.types[id.0].kind else { return none };
        let Some(body) = self
            .api
            .operations
            .iter()
            .flat_map(|o| o.mock.replies.iter())
            .filter_map(|r| r.body.as_ref())
            .find(|b| &b.ty == error_ty)
        else {
            return none;
        };
        let mut sets = Vec::new();
        let mut says_message = false;
        for f in fields {
            let wire = &f.wire;
            let lower = f.wire.to_ascii_lowercase();
            let inner = match self.resolve(&f.ty) {
                Ty::Nullable(t) => self.resolve(t),
                t => t,
            };
            let stringy = matches!(inner, Ty::String)
                || matches!(inner, Ty::Named(id) if matches!(self.api.types[id.0].kind, crate::ir::TypeKind::Enum { .. }));
            if stringy
                && ["message", "detail", "title", "description", "errormessage", "error_description"]
                    .contains(&lower.as_str())
            {
                sets.push(quote!(fields.insert(#wire.to_owned(), message.into());));
                says_message = true;
            } else if matches!(inner, Ty::I32 | Ty::I64) && (lower.contains("status") || lower.contains("code")) {
                sets.push(quote!(fields.insert(#wire.to_owned(), status.into());));
            } else if stringy && (lower.contains("code") || lower.contains("status") || lower.contains("error")) {
                sets.push(quote!(fields.insert(#wire.to_owned(), #rt::mock::reason(status).into());));
            }
        }
        let ty = self.ty(error_ty, From::Client);
        let write = self.mock_write(body, &quote!(status));
        // An error type with no field for a message (`{"error": "Not Found"}`) leaves it unused.
        let message = if says_message { quote!(message) } else { quote!(_message) };
        (
            quote! {
                /// A refusal of the mock's own, as the API writes its errors.
                fn problem(raw: &#rt::mock::RawRequest, status: u16, #message: &str) -> ::std::option::Option<#rt::mock::RawReply> {
                    let mut fields = ::serde_json::Map::new();
                    #(#sets)*
                    let body: #ty = ::serde_json::from_value(::serde_json::Value::Object(fields)).ok()?;
                    ::std::option::Option::Some(#write)
                }
            },
            quote!(::std::option::Option::Some(problem)),
        )
    }

    /// Whether a parameter of this type carries a secret (`format: password`), alone, in an
    /// `Option` or in a list.
    fn holds_secret_param(&self, ty: &Ty) -> bool {
        match self.resolve(ty) {
            Ty::Secret => true,
            Ty::Nullable(inner) | Ty::Vec(inner) => self.holds_secret_param(inner),
            _ => false,
        }
    }

    fn mock_operation(&self, op: &Operation) -> TokenStream {
        let rt = &self.rt;
        let cfg = self.feature_attr(&op.feature);
        let m = &op.mock;
        let (request, reply, on) = (ident(&m.request), ident(&m.reply), ident(&m.on));
        let id = &op.id;
        let method_doc = format!(" [`Client::{}`](super::Client::{0}).", crate::naming::unraw(&op.method_name));

        // The request: every parameter the client sends, typed as the client types it.
        let mut fields = Vec::new();
        let mut parse = Vec::new();
        let mut secret_params = Vec::new();
        for p in op.path_params.iter().chain(&op.params) {
            let name = ident(&p.name);
            if self.holds_secret_param(&p.ty) {
                secret_params.push(name.clone());
            }
            let wire = &p.wire;
            let location = match p.location {
                ParamIn::Path => quote!(#rt::mock::In::Path),
                ParamIn::Query => quote!(#rt::mock::In::Query),
                ParamIn::Header => quote!(#rt::mock::In::Header),
                ParamIn::Cookie => quote!(#rt::mock::In::Cookie),
            };
            let (inner, nullable) = match &p.ty {
                Ty::Nullable(t) => (t.as_ref(), true),
                t => (t, false),
            };
            let required = p.required && !nullable;
            let t = self.ty(inner, From::Client);
            let doc = format!(" `{wire}` ({}).", format!("{:?}", p.location).to_lowercase());
            // Read by the same contract the client writes by: style, explode, shape.
            let style = self.encoding_tokens(&p.encoding);
            let json = matches!(&p.encoding, crate::ir::ParamEncoding::Content { mime } if mime.contains("json"));
            let kind = self.shape_kind_tokens(p.shape);
            let known: Vec<&str> = op
                .path_params
                .iter()
                .chain(&op.params)
                .filter(|q| q.location == p.location && q.wire != p.wire)
                .map(|q| q.wire.as_str())
                .collect();
            let (field_ty, value) = if required {
                (t.clone(), quote!(raw.styled_required::<#t>(#location, #wire, #style, #kind, #json, &[#(#known),*])?))
            } else {
                (
                    quote!(::std::option::Option<#t>),
                    quote!(raw.styled::<#t>(#location, #wire, #style, #kind, #json, &[#(#known),*])?),
                )
            };
            fields.push(quote!(#[doc = #doc] pub #name: #field_ty,));
            parse.push(quote!(#name: #value,));
        }
        // Parameters typed as secrets (`format: password`) and the body's secret fields are
        // blanked out of the record.
        let mut sources: Vec<TokenStream> =
            secret_params.iter().map(|name| quote!(#rt::mock::secrets_of(&self.#name))).collect();
        if let Some(b) = &m.body {
            let (t, read) = self.mock_read(b);
            if matches!(b.kind, MockBodyKind::Serde(_)) {
                sources.push(quote!(#rt::mock::secrets_of(&self.body)));
            }
            if b.required {
                fields.push(quote!(/// The body.
                    pub body: #t,));
                parse.push(quote!(body: #read?,));
            } else {
                fields.push(quote!(/// The body, when one was sent.
                    pub body: ::std::option::Option<#t>,));
                parse.push(quote!(body: raw.optional_body(|raw| #read)?,));
            }
        }

        let secrets = match sources.as_slice() {
            [] => quote!(::std::vec::Vec::new()),
            [one] => one.clone(),
            all => quote!([#(#all),*].concat()),
        };

        // The reply: one variant per declared answer.
        let mut variants = Vec::new();
        let mut arms = Vec::new();
        for r in &m.replies {
            let v = ident(&r.variant);
            let (doc, status_ty, status) = match r.status {
                Some(s) => {
                    let lit = Literal::u16_unsuffixed(s);
                    (format!(" `{s}`."), None, quote!(#lit))
                }
                None => {
                    (" Any status this declared range or default covers.".to_owned(), Some(quote!(u16)), quote!(status))
                }
            };
            let (payload, pattern, write) = match &r.body {
                Some(b) => {
                    let (t, _) = self.mock_read(b);
                    (Some(t), quote!(body), self.mock_write(b, &status))
                }
                None => (None, quote!(), quote!(#rt::mock::RawReply::empty(#status))),
            };
            let (decl, pat) = match (status_ty, payload) {
                (None, None) => (quote!(#v), quote!(Self::#v)),
                (None, Some(t)) => (quote!(#v(#t)), quote!(Self::#v(#pattern))),
                (Some(s), None) => (quote!(#v(#s)), quote!(Self::#v(status))),
                (Some(s), Some(t)) => (quote!(#v(#s, #t)), quote!(Self::#v(status, #pattern))),
            };
            // Headers the spec says the answer always carries go with it.
            let write = if r.headers.is_empty() {
                write
            } else {
                let headers = r.headers.iter().map(|(n, v)| quote!((#n, #v)));
                quote!(#write.with_headers(&[#(#headers),*]))
            };
            variants.push(quote!(#[doc = #doc] #decl,));
            arms.push(quote!(#pat => #write,));
        }
        // An operation that documents no answer at all still answers something.
        if m.replies.is_empty() {
            variants.push(quote!(/// Any status, without a body.
                Status(u16),));
            arms.push(quote!(Self::Status(status) => #rt::mock::RawReply::empty(status),));
        }
        // Any answer at all, declared or not (a 429 or a 503 to exercise retries).
        variants.push(quote!(/// Any answer, declared or not: `RawReply::new(503, "text/plain", "busy")`.
            Raw(#rt::mock::RawReply),));
        arms.push(quote!(Self::Raw(reply) => reply,));
        // A request without parameters or body, or a reply without bodies, reads nothing.
        let parse_raw = if parse.is_empty() { quote!(_raw) } else { quote!(raw) };
        let reply_raw = if m.replies.iter().all(|r| r.body.is_none()) { quote!(_raw) } else { quote!(raw) };
        let request_doc = format!(" What a handler of `{id}` receives: the parameters and body of{method_doc}");
        let reply_doc = format!(" What a handler of `{id}` answers: one variant per response the spec declares.");
        let on_doc = format!(" Answers `{id}` (`{} {}`) with `handler` from now on.", op.method.as_str(), op.path);
        quote! {
            #cfg
            #[doc = #request_doc]
            #[derive(Clone, Debug)]
            pub struct #request {
                #(#fields)*
            }

            #cfg
            impl #rt::mock::MockRequest for #request {
                fn parse(#parse_raw: &#rt::mock::RawRequest) -> ::std::result::Result<Self, ::std::string::String> {
                    ::std::result::Result::Ok(#request { #(#parse)* })
                }
                fn secrets(&self) -> ::std::vec::Vec<#rt::Secret> {
                    #secrets
                }
            }

            #cfg
            #[doc = #reply_doc]
            #[derive(Clone, Debug)]
            pub enum #reply {
                #(#variants)*
            }

            #cfg
            impl #rt::mock::MockReply for #reply {
                fn into_raw(self, #reply_raw: &#rt::mock::RawRequest) -> #rt::mock::RawReply {
                    match self {
                        #(#arms)*
                    }
                }
            }

            #cfg
            impl MockServer {
                #[doc = #on_doc]
                ///
                /// The handler receives the typed request (already checked against the spec)
                /// and returns one of the declared answers, written in the media type the client
                /// asks for.
                pub fn #on<F, Fut>(&self, handler: F)
                where
                    F: ::std::ops::Fn(#request) -> Fut + ::std::marker::Send + ::std::marker::Sync + 'static,
                    Fut: ::std::future::Future<Output = #reply> + ::std::marker::Send + 'static,
                {
                    self.server.on::<#request, #reply, F, Fut>(#id, handler);
                }
            }
        }
    }

    /// The Rust type of a body and the expression that reads it from `raw`.
    fn mock_read(&self, b: &MockBody) -> (TokenStream, TokenStream) {
        let mimes = &b.mimes;
        match &b.kind {
            MockBodyKind::Bytes => (quote!(::bytes::Bytes), quote!(raw.body_bytes(&[#(#mimes),*]))),
            MockBodyKind::Text => (quote!(::std::string::String), quote!(raw.body_text(&[#(#mimes),*]))),
            MockBodyKind::Serde(xml) => {
                let t = self.ty(&b.ty, From::Client);
                let read = match xml {
                    // A form body is read by the rules the client writes it by.
                    None if !b.form.is_empty() => {
                        let fields = b.form.iter().map(|e| {
                            let (encoding, kind) = (self.form_encoding_tokens(e), self.shape_kind_tokens(e.shape));
                            quote!((#encoding, #kind))
                        });
                        quote!(raw.body_form::<#t>(&[#(#mimes),*], &[#(#fields),*]))
                    }
                    None => quote!(raw.body_serde::<#t>(&[#(#mimes),*])),
                    Some(XmlRoot::Element) => quote!(raw.body_xml_or_serde::<#t>(&[#(#mimes),*])),
                    Some(XmlRoot::List { item, .. }) => {
                        let Ty::Vec(inner) = self.resolve(&b.ty) else {
                            return (t.clone(), quote!(raw.body_serde::<#t>(&[#(#mimes),*])));
                        };
                        let inner = self.ty(inner, From::Client);
                        quote!(raw.body_xml_list_or_serde::<#inner>(&[#(#mimes),*], #item))
                    }
                    Some(XmlRoot::Text { .. }) => quote!(raw.body_xml_text_or_serde::<#t>(&[#(#mimes),*])),
                };
                (t, read)
            }
        }
    }

    /// The expression that writes `body` with `status` in the media type the request asks for.
    fn mock_write(&self, b: &MockBody, status: &TokenStream) -> TokenStream {
        let mimes = &b.mimes;
        match &b.kind {
            MockBodyKind::Bytes => quote!(raw.reply_bytes(#status, body, &[#(#mimes),*])),
            MockBodyKind::Text => quote!(raw.reply_text(#status, body, &[#(#mimes),*])),
            MockBodyKind::Serde(None) => quote!(raw.reply_serde(#status, &body, &[#(#mimes),*])),
            MockBodyKind::Serde(Some(XmlRoot::Element)) => {
                quote!(raw.reply_xml_or_serde(#status, &body, &[#(#mimes),*]))
            }
            MockBodyKind::Serde(Some(XmlRoot::List { wrapper, item })) => {
                quote!(raw.reply_xml_list_or_serde(#status, &body, &[#(#mimes),*], #wrapper, #item))
            }
            MockBodyKind::Serde(Some(XmlRoot::Text { name })) => {
                quote!(raw.reply_xml_text_or_serde(#status, &body, &[#(#mimes),*], #name))
            }
        }
    }
}
