//! `client.rs`: the client struct and one async method per operation.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::{doc_attrs, ident, Emitter, From};
use crate::ir::{
    Accept, Media, Operation, Param, ParamEncoding, ParamIn, PathSegment, Security, Status, Style, Ty, ValueShape,
    XmlRoot,
};

/// The client struct and its login helpers.
pub(crate) fn client_item(e: &Emitter<'_>) -> (String, TokenStream) {
    ("client".to_owned(), e.client_struct())
}

/// One operation's method (and its stream method), keyed `operation_{method}`.
pub(crate) fn operation_item(e: &Emitter<'_>, i: usize) -> (String, TokenStream) {
    let op = &e.api.operations[i];
    (format!("operation_{}", crate::naming::unraw(&op.method_name)), e.operation(op))
}

impl Emitter<'_> {
    fn client_struct(&self) -> TokenStream {
        let rt = &self.rt;
        let api = self.api;
        let title = format!(" Client for the {} (version {}).", api.title, api.version);
        let error_ty = match &api.error_ty {
            Some(t) => self.ty(t, From::Client),
            None => quote!(::serde_json::Value),
        };
        let headers = api.default_headers.iter().map(|(n, v)| quote!((#n, #v)));
        let server_doc = match &api.server {
            Some(s) => {
                let line = format!(" The spec's server is `{s}`.");
                quote!(#[doc = #line])
            }
            None => quote!(),
        };
        let mtls_doc = if api.security.values().any(|s| matches!(s, Security::MutualTls)) {
            quote! {
                ///
                /// The API authenticates clients by certificate (mutual TLS): give yours to
                /// the builder's `client_identity_pem`.
            }
        } else {
            quote!()
        };
        let auth = self.auth_methods();
        // A raw request takes any credential the client holds: each scheme an alternative.
        let raw_auth: Vec<TokenStream> =
            api.security.keys().filter_map(|name| self.scheme_token(name)).map(|scheme| quote!(&[#scheme])).collect();
        let byte_stream = if api.operations.iter().any(|o| o.download) {
            quote! {
                /// A binary answer as it arrives (downloads are streamed, not held in memory).
                pub type ByteStream = #rt::ByteStream<#error_ty>;
            }
        } else {
            quote!()
        };
        let reauth = api
            .security
            .values()
            .find_map(|s| match s {
                Security::OAuth2Password { reauthenticate_on: Some((property, values)), .. } => {
                    Some(quote!(.reauthenticate_on(#property, &[#(#values),*])))
                }
                _ => None,
            })
            .unwrap_or_default();
        let format = if api.xml.prefers_xml { quote!(#rt::Format::Xml) } else { quote!(#rt::Format::Json) };
        let with_format = if api.xml.speaks_xml {
            quote! {
                /// A client for the same server and login state (a cheap clone) that sends and asks
                /// for `format` bodies wherever an operation offers that format; pick the format of
                /// one call with `client.with_format(Format::Json).some_operation(…)`. Answers are
                /// decoded by their `Content-Type` either way.
                pub fn with_format(&self, format: #rt::Format) -> Self {
                    Client { core: self.core.with_format(format) }
                }
            }
        } else {
            quote!()
        };
        let (api_version, speak) = match &api.revisions {
            Some(r) => (self.api_version(r), quote!(.api_version(ApiVersion::DEFAULT))),
            None => (quote!(), quote!()),
        };
        quote! {
            /// The error every operation of this API returns; `Api` errors carry the body the
            /// spec declares for error responses.
            pub type Error = #rt::Error<#error_ty>;

            #api_version

            #byte_stream

            #[doc = #title]
            ///
            /// Cheap to clone: clones share one connection pool and one login state.
            #[derive(Clone, Debug)]
            pub struct Client {
                core: #rt::Core,
            }

            impl Client {
                /// Headers sent on every request, with the defaults the spec declares.
                pub const DEFAULT_HEADERS: &'static [(&'static str, &'static str)] = &[#(#headers),*];

                /// Starts configuring a client for the server at `base_url`
                /// (scheme, host, port; the paths in the spec are appended).
                #server_doc
                #mtls_doc
                pub fn builder(base_url: impl ::std::convert::Into<::std::string::String>) -> #rt::ClientBuilder<Self> {
                    #rt::ClientBuilder::new(base_url)
                        .user_agent(::std::concat!(::std::env!("CARGO_PKG_NAME"), "/", ::std::env!("CARGO_PKG_VERSION")))
                        .default_headers(Self::DEFAULT_HEADERS)
                        .format(#format) #reauth #speak
                }

                /// The connection and login state shared by all clones.
                pub fn core(&self) -> &#rt::Core {
                    &self.core
                }

                #with_format

                /// Sends a request the spec does not describe (`client.raw(Method::Get,
                /// "/api/v1/jobs").query("limit", "10").send()`), with the client's login, retries,
                /// deadline and redaction, authorized by whichever credential the client holds. It
                /// answers with the response, whatever its status. `path` is appended to the base
                /// URL and cannot name another host.
                pub fn raw(&self, method: #rt::Method, path: &str) -> #rt::RawCall<'_, #error_ty> {
                    #rt::RawCall::new(&self.core, method, path, &[#(#raw_auth),*])
                }

                /// A client for the same server and login state (a cheap clone) whose calls each
                /// end by `deadline`, retries, backoff and a re-login included:
                /// `client.with_deadline(Duration::from_secs(5)).some_operation(…)`.
                pub fn with_deadline(&self, deadline: ::std::time::Duration) -> Self {
                    Client { core: self.core.with_deadline(deadline) }
                }

                /// A client for the same server and login state (a cheap clone) whose calls retry
                /// by `policy`: `client.with_retry(RetryPolicy { max_attempts: 1, ..Default::default() })`
                /// for a call that must not be repeated.
                pub fn with_retry(&self, policy: #rt::RetryPolicy) -> Self {
                    Client { core: self.core.with_retry(policy) }
                }

                #auth
            }

            impl #rt::FromCore for Client {
                fn from_core(core: #rt::Core) -> Self {
                    Client { core }
                }
            }
        }
    }

    /// Login helpers derived from the security schemes the spec declares, under the names
    /// lowering claimed for them.
    fn auth_methods(&self) -> TokenStream {
        let rt = &self.rt;
        let mut out = TokenStream::new();
        let mut password_login = false;
        let mut client_login = false;
        // `forget_tokens` once, for whichever OAuth2 login the client has.
        let mut forget = false;
        for (name, scheme) in &self.api.security {
            let setter = self.api.auth_setters.get(name).map(|m| ident(m));
            match (scheme, setter) {
                (Security::OAuth2Password { token_url, .. }, _) => {
                    if std::mem::replace(&mut password_login, true) {
                        continue;
                    }
                    let doc = format!(" Logs in with the OAuth2 password grant at `{token_url}` (scheme `{name}`).");
                    out.extend(quote! {
                        #[doc = #doc]
                        ///
                        /// The client then sends the access token on every request, refreshes it
                        /// before it expires, and logs in again when a refresh is refused.
                        pub async fn login(&self, username: &str, password: #rt::Secret) -> ::std::result::Result<(), Error> {
                            self.core.oauth2_password_login(#token_url, username, password).await
                        }
                    });
                    forget = true;
                }
                (Security::OAuth2ClientCredentials { token_url, scopes }, _) => {
                    if std::mem::replace(&mut client_login, true) {
                        continue;
                    }
                    let doc = format!(
                        " Logs in with the OAuth2 client-credentials grant at `{token_url}` (scheme `{name}`)."
                    );
                    let scope = if scopes.is_empty() {
                        quote!(::std::option::Option::None)
                    } else {
                        let joined = scopes.join(" ");
                        quote!(::std::option::Option::Some(#joined))
                    };
                    out.extend(quote! {
                        #[doc = #doc]
                        ///
                        /// The client authenticates with HTTP Basic, then sends the access token on
                        /// every request and fetches a new one when it expires; concurrent calls
                        /// share one token request, and a refused secret is never sent again.
                        pub async fn login_client_credentials(&self, client_id: &str, client_secret: #rt::Secret) -> ::std::result::Result<(), Error> {
                            self.core.oauth2_client_credentials_login(#token_url, client_id, client_secret, #scope).await
                        }
                    });
                    forget = true;
                }
                (Security::Bearer, Some(method)) => {
                    let doc = format!(" Sends `Authorization: Bearer` with this token from now on (scheme `{name}`).");
                    out.extend(quote! {
                        #[doc = #doc]
                        pub fn #method(&self, token: #rt::Secret) {
                            self.core.set_bearer_token(token);
                        }
                    });
                }
                (Security::Basic, Some(method)) => {
                    let doc =
                        format!(" Sends HTTP Basic credentials on operations that accept them (scheme `{name}`).");
                    out.extend(quote! {
                        #[doc = #doc]
                        pub fn #method(&self, username: &str, password: #rt::Secret) {
                            self.core.set_basic_auth(username, password);
                        }
                    });
                }
                (Security::ApiKeyHeader(header) | Security::ApiKeyQuery(header), Some(method)) => {
                    let doc = format!(" Sets the `{header}` API key (scheme `{name}`).");
                    out.extend(quote! {
                        #[doc = #doc]
                        pub fn #method(&self, value: #rt::Secret) {
                            self.core.set_api_key(#name, value);
                        }
                    });
                }
                _ => {}
            }
        }
        if forget {
            out.extend(quote! {
                /// Forgets the tokens and the remembered login. An operation the spec marks `x-logout` does this itself after it succeeds.
                pub fn forget_tokens(&self) {
                    self.core.clear_credentials();
                }
            });
        }
        out
    }

    fn operation(&self, op: &Operation) -> TokenStream {
        let rt = &self.rt;
        let name = ident(&op.method_name);
        let doc = doc_attrs(&op.doc);
        let cfg = self.feature_attr(&op.feature);
        let deprecated = if op.deprecated { quote!(#[deprecated]) } else { quote!() };
        let id = &op.id;
        let path_tpl = &op.path;
        let method = format_ident!("{}", op.method.variant());
        let schemes = self.scheme_tokens(op);
        let l = &op.locals;
        let (request, response, result, session) =
            (ident(&l.request), ident(&l.response), ident(&l.result), ident(&l.session));

        // Arguments: path parameters, required query/header parameters, the body, then the
        // optional-parameters struct.
        let mut args = Vec::new();
        for p in &op.path_params {
            let n = ident(&p.name);
            let t = self.param_arg_ty(&p.ty);
            args.push(quote!(#n: #t));
        }
        for p in op.params.iter().filter(|p| p.required) {
            let n = ident(&p.name);
            let t = self.param_arg_ty(&p.ty);
            args.push(quote!(#n: #t));
        }
        let body_ty = op.body.as_ref().map(|b| b.contents[0].ty.clone());
        if let (Some(b), Some(ty)) = (&op.body, &body_ty) {
            let t = self.ty(ty, From::Client);
            match (self.resolve(ty), b.required) {
                // Binary bodies come from memory or from a stream.
                (Ty::Bytes, true) => args.push(quote!(body: impl ::std::convert::Into<#rt::Upload>)),
                (Ty::Bytes, false) => args.push(quote!(body: ::std::option::Option<#rt::Upload>)),
                // A multipart form is taken whole: its files may be streams.
                (Ty::Named(id), true) if self.is_form(*id) => args.push(quote!(body: #t)),
                (Ty::Named(id), false) if self.is_form(*id) => args.push(quote!(body: ::std::option::Option<#t>)),
                (_, true) => args.push(quote!(body: &#t)),
                (_, false) => args.push(quote!(body: ::std::option::Option<&#t>)),
            }
        }
        if let Some(ps) = op.params_struct {
            let t = ident(&self.api.types[ps.0].name);
            args.push(quote!(params: &super::types::#t));
        }

        // The path from its parsed segments, each parameter percent-encoded once.
        let mut fmt_args = Vec::new();
        for (p, seg) in op.path_params.iter().zip(&op.locals.segments) {
            let (n, seg) = (ident(&p.name), ident(seg));
            let wire = &p.wire;
            let encoding = self.encoding_tokens(&p.encoding);
            let shaped = self.shaped(p, quote!(&#n));
            // A value that cannot be written in its style fails the call, not the program.
            fmt_args.push(quote!(let #seg = #rt::path_param(#id, #wire, #encoding, #shaped)?;));
        }
        let mut fmt = String::new();
        let mut seg_names = Vec::new();
        for segment in &op.segments {
            match segment {
                PathSegment::Literal(text) => fmt.push_str(&text.replace('{', "{{").replace('}', "}}")),
                PathSegment::Param(i) => {
                    fmt.push_str("{}");
                    seg_names.push(ident(op.locals.segments.get(*i).map_or("segment", String::as_str)));
                }
            }
        }

        let mut sets = Vec::new();
        for p in &op.params {
            // A parameter the revision spoken lacks is refused when it is given.
            if let Some(available) = &p.available {
                let (wire, av) = (&p.wire, self.available_tokens(available));
                let refuse = quote!(if let ::std::result::Result::Err(e) = self.core.require_field(#id, #wire, #av) { return ::std::result::Result::Err(e); });
                let n = ident(&p.name);
                sets.push(if p.required {
                    refuse
                } else {
                    quote!(if ::std::option::Option::is_some(&params.#n) { #refuse })
                });
            }
            // A list the revision spoken takes as one value is refused if it holds another number.
            if let Some(single) = &p.single {
                let (wire, single) = (&p.wire, self.available_tokens(single));
                let n = ident(&p.name);
                let value = if p.required { quote!(#n) } else { quote!(params.#n) };
                let count = match (&p.ty, p.required) {
                    (Ty::Nullable(_), _) | (_, false) => {
                        quote!(::std::option::Option::as_ref(&#value).map(::std::vec::Vec::len))
                    }
                    (_, true) => quote!(::std::option::Option::Some(#value.len())),
                };
                sets.push(quote! {
                    if let ::std::option::Option::Some(count) = #count {
                        if let ::std::result::Result::Err(e) = self.core.require_one(#id, #wire, count, #single) { return ::std::result::Result::Err(e); }
                    }
                });
            }
            sets.push(self.param_set(p, &op.locals));
        }
        if let (Some(b), Some(ty)) = (&op.body, &body_ty) {
            let formats: Vec<TokenStream> = b.contents.iter().map(|c| self.format_token(c.media)).collect();
            let set = match self.resolve(ty) {
                Ty::Bytes => {
                    let mime = &b.contents[0].mime;
                    quote!(#request.body_upload(#mime, ::std::convert::Into::into(body));)
                }
                Ty::Named(id) if self.is_form(*id) => self.form_parts(op, *id),
                Ty::String if b.contents[0].media == Media::Text => {
                    let mime = &b.contents[0].mime;
                    quote!(#request.body_text(#mime, body);)
                }
                _ => match b.contents.iter().find_map(|c| c.xml.as_ref()) {
                    Some(XmlRoot::Element) => quote!(#request.body_xml_or_serde(body, &[#(#formats),*])?;),
                    Some(XmlRoot::List { wrapper, item }) => {
                        quote!(#request.body_xml_list_or_serde(body, &[#(#formats),*], #wrapper, #item)?;)
                    }
                    Some(XmlRoot::Text { name }) => {
                        quote!(#request.body_xml_text_or_serde(body, &[#(#formats),*], #name)?;)
                    }
                    None => quote!(#request.body_serde(body, &[#(#formats),*])?;),
                },
            };
            // A form body whose Encoding Object (or an object property) asks for more than
            // `form` with explode says so first.
            let set = match b.contents.iter().find(|c| c.media == Media::Form) {
                Some(c)
                    if c.encoding.iter().any(|e| {
                        e.content_type.is_some() || e.style != Style::Form || !e.explode || e.allow_reserved
                    }) =>
                {
                    let encodings = c.encoding.iter().map(|e| self.form_encoding_tokens(e));
                    quote!(#request.form_encoding(&[#(#encodings),*]); #set)
                }
                _ => set,
            };
            // A body only some revisions take is refused when given to another, and, where
            // those revisions require it, when left out for them.
            let set = match &b.available {
                Some(available) => {
                    let av = self.available_tokens(available);
                    quote!(if let ::std::result::Result::Err(e) = self.core.require_field(#id, "requestBody", #av) { return ::std::result::Result::Err(e); } #set)
                }
                None => set,
            };
            if b.required {
                sets.push(set);
            } else if let Some(required) = &b.required_in {
                let av = self.available_tokens(required);
                sets.push(quote!(match body {
                    ::std::option::Option::Some(body) => { #set }
                    ::std::option::Option::None => if let ::std::result::Result::Err(e) = self.core.require_given(#id, "requestBody", #av) { return ::std::result::Result::Err(e); },
                }));
            } else {
                sets.push(quote!(if let ::std::option::Option::Some(body) = body { #set }));
            }
        }

        match &op.accept {
            Some(Accept::ByFormat(offered)) => {
                let offered = offered.iter().map(|(media, mime)| {
                    let format = self.format_token(*media);
                    quote!((#format, #mime))
                });
                sets.push(quote!(#request.accept_by_format(&[#(#offered),*]);));
            }
            Some(Accept::Fixed(mimes)) => sets.push(quote!(#request.accept(#mimes);)),
            None => {}
        }
        let (ret, decode) = self.response_decoding(op);
        let error = match op.error_body {
            Some(id) => {
                let t = ident(&self.api.types[id.0].name);
                quote!(#rt::Error<super::types::#t>)
            }
            None => quote!(Error),
        };
        let send = if op.download { quote!(send_streaming) } else { quote!(send) };
        let stream = self.stream_method(op);
        let path_expr = if seg_names.is_empty() {
            let literal = fmt.replace("{{", "{").replace("}}", "}");
            quote!(::std::string::String::from(#literal))
        } else {
            quote!(::std::format!(#fmt #(, #seg_names)*))
        };
        let binding = if sets.is_empty() { quote!(let #request) } else { quote!(let mut #request) };
        // An operation the revision spoken lacks fails before anything is built or sent.
        let gate = match &op.available {
            Some(available) => {
                let av = self.available_tokens(available);
                quote!(if let ::std::result::Result::Err(e) = self.core.require(#id, #av) { return ::std::result::Result::Err(e); })
            }
            None => quote!(),
        };
        // A logon's session header is read before the answer is decoded, and kept only if
        // the call succeeds.
        let read_session = match &op.session_header {
            Some(h) => quote!(let #session = #response.header_secret(#h);),
            None => quote!(),
        };
        let keep_session = match (&op.session_header, &op.session_scheme) {
            (Some(_), Some(scheme)) => {
                quote!(if let (::std::result::Result::Ok(_), ::std::option::Option::Some(#session)) = (&#result, #session) { self.core.set_api_key(#scheme, #session); })
            }
            (Some(h), None) => {
                quote!(if let (::std::result::Result::Ok(_), ::std::option::Option::Some(#session)) = (&#result, #session) { self.core.set_session_header(#h, #session); })
            }
            _ => quote!(),
        };
        // A logout operation ends the session: forget the credentials so a later 401 cannot
        // log in again silently.
        let decode = if op.session_header.is_some() {
            quote! {
                let #result = { #decode };
                #keep_session
                #result
            }
        } else if op.logout {
            quote! {
                let #result = { #decode };
                if #result.is_ok() {
                    self.core.clear_credentials();
                }
                #result
            }
        } else {
            decode
        };

        quote! {
            #cfg
            impl Client {
                #doc
                #deprecated
                pub async fn #name(&self, #(#args),*) -> ::std::result::Result<#ret, #error> {
                    const OPERATION: #rt::Operation = #rt::Operation {
                        id: #id,
                        method: #rt::Method::#method,
                        path: #path_tpl,
                        auth: &[#(#schemes),*],
                    };
                    #gate
                    #(#fmt_args)*
                    #binding = self.core.request(&OPERATION, #path_expr);
                    #(#sets)*
                    let #response = #request.#send().await?;
                    #read_session
                    #decode
                }
                #stream
            }
        }
    }

    /// `ApiVersion`: the revisions the server speaks, for `ClientBuilder::api_version`.
    fn api_version(&self, r: &crate::ir::Revisions) -> TokenStream {
        let rt = &self.rt;
        let header = &r.header;
        let variants: Vec<proc_macro2::Ident> = r.variants.iter().map(|v| ident(v)).collect();
        let names = &r.names;
        let docs = r.names.iter().map(|n| format!(" `{n}`."));
        let positions = (0..r.names.len()).map(|i| Literal::u16_suffixed(u16::try_from(i).unwrap_or(u16::MAX)));
        let default = &variants[r.default.min(variants.len() - 1)];
        let default_doc = format!(
            " The revision a client speaks unless told otherwise (`{}`), the one the spec targets.",
            r.names[r.default.min(r.names.len() - 1)]
        );
        let list = r.names.join(", ");
        let doc = format!(
            " The API revisions the server may speak ({list}), oldest first. A client speaks one \
             (`Client::builder(url).api_version(ApiVersion::…)`; by default [`ApiVersion::DEFAULT`]), \
             sends it in `{header}` on every request, and refuses an operation or a request field \
             that revision lacks with `Error::Unsupported`, before sending anything."
        );
        let variants_b = variants.clone();
        let names_b = names.clone();
        let discover = match r.probe.map(|i| &self.api.operations[i]) {
            Some(probe) => {
                let method = ident(&probe.method_name);
                let cfg = self.feature_attr(&probe.feature);
                let pid = &probe.id;
                let args = probe.params_struct.map(|ps| {
                    let t = ident(&self.api.types[ps.0].name);
                    quote!(&super::types::#t::default())
                });
                let doc = format!(
                    " The newest API revision the server at `base_url` speaks: `{pid}` is asked in each \
                     revision, newest first, until the server takes one: it answers, or refuses the \
                     caller (401, 403); a revision it does not know it refuses with another 4xx. `configure` sets up each probing client as the real one \
                     will be (certificates, timeouts); build the real one with \
                     `.api_version(found)`."
                );
                quote! {
                    #cfg
                    impl Client {
                        #[doc = #doc]
                        pub async fn discover_api_version(
                            base_url: &str,
                            configure: impl Fn(#rt::ClientBuilder<Self>) -> #rt::ClientBuilder<Self>,
                        ) -> ::std::result::Result<ApiVersion, Error> {
                            let mut refused = ::std::option::Option::None;
                            for &version in ApiVersion::ALL.iter().rev() {
                                let client = configure(Self::builder(base_url)).api_version(version).build().map_err(|e| {
                                    #rt::Error::InvalidRequest { operation: #pid, message: ::std::string::ToString::to_string(&e) }
                                })?;
                                match client.#method(#args).await {
                                    // An answer, or a refusal of the caller (401, 403), comes from a
                                    // server that took the revision.
                                    ::std::result::Result::Ok(_) => return ::std::result::Result::Ok(version),
                                    ::std::result::Result::Err(e) if matches!(e.status(), ::std::option::Option::Some(401 | 403)) => {
                                        return ::std::result::Result::Ok(version);
                                    }
                                    ::std::result::Result::Err(e) if e.status().is_some_and(|s| (400..500).contains(&s)) => {
                                        refused = ::std::option::Option::Some(e);
                                    }
                                    ::std::result::Result::Err(e) => return ::std::result::Result::Err(e),
                                }
                            }
                            ::std::result::Result::Err(refused.unwrap_or(#rt::Error::InvalidRequest {
                                operation: #pid,
                                message: ::std::string::String::from("the API declares no revision"),
                            }))
                        }
                    }
                }
            }
            None => quote!(),
        };
        quote! {
            #discover

            #[doc = #doc]
            #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
            #[non_exhaustive]
            pub enum ApiVersion {
                #( #[doc = #docs] #variants, )*
            }

            impl ApiVersion {
                /// Every revision, oldest first.
                pub const ALL: &'static [ApiVersion] = &[#(ApiVersion::#variants_b),*];
                #[doc = #default_doc]
                pub const DEFAULT: ApiVersion = ApiVersion::#default;

                /// The revision's name, as it goes in the header.
                pub const fn as_str(self) -> &'static str {
                    match self { #(ApiVersion::#variants => #names,)* }
                }
            }

            impl ::std::default::Default for ApiVersion {
                fn default() -> Self {
                    ApiVersion::DEFAULT
                }
            }

            impl ::std::fmt::Display for ApiVersion {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.write_str(self.as_str())
                }
            }

            impl ::std::str::FromStr for ApiVersion {
                type Err = ::std::string::String;
                /// A revision by its name (`1.2-rev1`).
                fn from_str(name: &str) -> ::std::result::Result<Self, Self::Err> {
                    ApiVersion::ALL.iter().copied().find(|v| v.as_str() == name).ok_or_else(|| {
                        ::std::format!("`{name}` is not an API revision this client speaks ({})", #list)
                    })
                }
            }

            impl #rt::ApiRevision for ApiVersion {
                const HEADER: &'static str = #header;
                const NAMES: &'static [&'static str] = &[#(#names_b),*];
                fn index(self) -> u16 {
                    match self { #(ApiVersion::#variants => #positions,)* }
                }
            }
        }
    }

    /// `&[(from, to), …]` for the runtime: positions in the revision list, `u16::MAX` for an
    /// open end.
    pub(super) fn available_tokens(&self, available: &crate::ir::Available) -> TokenStream {
        let ranges = available.0.iter().map(|&(from, to)| {
            let from = Literal::u16_suffixed(u16::try_from(from).unwrap_or(u16::MAX));
            let to = match to {
                Some(t) => Literal::u16_suffixed(u16::try_from(t).unwrap_or(u16::MAX)),
                None => Literal::u16_suffixed(u16::MAX),
            };
            quote!((#from, #to))
        });
        quote!(&[#(#ranges),*])
    }

    fn is_form(&self, id: crate::ir::TypeId) -> bool {
        matches!(self.api.types[id.0].kind, crate::ir::TypeKind::Form(_))
    }

    /// Builds a multipart body from `body`, one part per property in spec order: files moved
    /// in, text parts by reference.
    fn form_parts(&self, op: &Operation, id: crate::ir::TypeId) -> TokenStream {
        let rt = &self.rt;
        let crate::ir::TypeKind::Form(parts) = &self.api.types[id.0].kind else { return quote!() };
        let l = &op.locals;
        let (form, request, value, item) = (ident(&l.form), ident(&l.request), ident(&l.value), ident(&l.item));
        let sets = parts.iter().map(|p| {
            let f = ident(&p.field.name);
            let wire = &p.field.wire;
            let inner = match (&p.field.ty, p.repeated) {
                (Ty::Vec(t), true) => t.as_ref(),
                (Ty::Nullable(t), _) => t.as_ref(),
                (t, _) => t,
            };
            let text = |v: TokenStream| {
                if self.is_scalar(inner) {
                    quote!(#form.text(#wire, #v);)
                } else {
                    quote!(#form.json(#wire, #v);)
                }
            };
            // A file part's content type from the Encoding Object, unless the caller named one.
            let file = |v: TokenStream| match &p.content_type {
                Some(ct) => quote!(#form.file(#wire, #v.or_content_type(#ct));),
                None => quote!(#form.file(#wire, #v);),
            };
            match (p.file, p.repeated, p.field.required) {
                (true, true, _) => {
                    let set = file(quote!(#item));
                    quote!(for #item in body.#f { #set })
                }
                (true, false, true) => file(quote!(body.#f)),
                (true, false, false) => {
                    let set = file(quote!(#value));
                    quote!(if let ::std::option::Option::Some(#value) = body.#f { #set })
                }
                (false, true, _) => {
                    let set = text(quote!(#item));
                    quote!(for #item in &body.#f { #set })
                }
                (false, false, true) => text(quote!(&body.#f)),
                (false, false, false) => {
                    let set = text(quote!(#value));
                    quote!(if let ::std::option::Option::Some(#value) = &body.#f { #set })
                }
            }
        });
        quote! {
            let mut #form = #rt::Multipart::new();
            #(#sets)*
            #request.body_multipart(#form)?;
        }
    }

    /// The security requirements: one slice per alternative, each the schemes sent together.
    fn scheme_tokens(&self, op: &Operation) -> Vec<TokenStream> {
        op.security
            .iter()
            .map(|all| {
                let schemes = all.iter().filter_map(|s| self.scheme_token(s));
                quote!(&[#(#schemes),*])
            })
            .collect()
    }

    /// How the runtime applies scheme `name`; `None` for one that sends nothing per request
    /// (mutual TLS) or that the API does not define.
    fn scheme_token(&self, name: &str) -> Option<TokenStream> {
        let rt = &self.rt;
        Some(match self.api.security.get(name)? {
            // TLS presents the certificate; the request carries nothing.
            Security::MutualTls => return None,
            Security::Bearer | Security::OAuth2Password { .. } | Security::OAuth2ClientCredentials { .. } => {
                quote!(#rt::AuthScheme::Bearer)
            }
            Security::Basic => quote!(#rt::AuthScheme::Basic),
            Security::ApiKeyHeader(h) => quote!(#rt::AuthScheme::ApiKeyHeader { scheme: #name, header: #h }),
            Security::ApiKeyQuery(q) => quote!(#rt::AuthScheme::ApiKeyQuery { scheme: #name, name: #q }),
        })
    }

    fn format_token(&self, media: Media) -> TokenStream {
        let rt = &self.rt;
        match media {
            Media::Json => quote!(#rt::Format::Json),
            Media::Xml => quote!(#rt::Format::Xml),
            Media::Form => quote!(#rt::Format::Form),
            _ => quote!(#rt::Format::Json),
        }
    }

    /// Path and required parameters are taken by value for scalars, by reference otherwise.
    fn param_arg_ty(&self, ty: &Ty) -> TokenStream {
        self.param_arg_ty_in(ty, quote!())
    }

    /// The same with an explicit lifetime on references, for methods returning streams.
    fn param_arg_ty_in(&self, ty: &Ty, lifetime: TokenStream) -> TokenStream {
        let t = self.ty(ty, From::Client);
        match self.resolve(ty) {
            Ty::String => quote!(&#lifetime str),
            _ if self.param_by_value(ty) => t,
            _ => quote!(&#lifetime #t),
        }
    }

    /// Whether a method takes a parameter of this type by value (small `Copy` scalars) rather
    /// than by reference.
    pub(crate) fn param_by_value(&self, ty: &Ty) -> bool {
        crate::ir::passed_by_value(&self.api.types, ty)
    }

    /// Writes one query, header or cookie parameter as its encoding in the IR says; an
    /// optional (or nullable) one only when it has a value.
    fn param_set(&self, p: &Param, l: &crate::ir::Locals) -> TokenStream {
        let rt = &self.rt;
        let (request, value_local) = (ident(&l.request), ident(&l.value));
        let wire = &p.wire;
        let n = ident(&p.name);
        let value = if p.required { quote!(#n) } else { quote!(params.#n) };
        let location = match p.location {
            ParamIn::Header => quote!(#rt::In::Header),
            ParamIn::Cookie => quote!(#rt::In::Cookie),
            ParamIn::Query | ParamIn::Path => quote!(#rt::In::Query),
        };
        let encoding = self.encoding_tokens(&p.encoding);
        let shaped = self.shaped(p, quote!(#value_local));
        // Only a value that may hold a secret is computed where the request can see which
        // secrets it writes (a generic closure per call would cost every caller's build).
        let primitive_secret = matches!(
            self.resolve(match &p.ty {
                Ty::Nullable(t) => t,
                t => t,
            }),
            Ty::Secret
        );
        // The location's default style has a short form (`query`, `header`, `cookie`).
        let default_style = match (&p.encoding, p.location) {
            (ParamEncoding::Style { style: Style::Form, explode: true, allow_reserved: false }, ParamIn::Query) => {
                Some(quote!(query))
            }
            (ParamEncoding::Style { style: Style::Simple, explode: false, allow_reserved: false }, ParamIn::Header) => {
                Some(quote!(header))
            }
            (ParamEncoding::Style { style: Style::Form, explode: true, allow_reserved: false }, ParamIn::Cookie) => {
                Some(quote!(cookie))
            }
            _ => None,
        };
        let set = if primitive_secret || !matches!(p.shape, ValueShape::Primitive | ValueShape::Array) {
            quote!(#request.secret_param(#location, #wire, #encoding, || #shaped)?;)
        } else if let Some(short) = default_style {
            quote!(#request.#short(#wire, #shaped)?;)
        } else {
            quote!(#request.param(#location, #wire, #encoding, #shaped)?;)
        };
        if p.required && !matches!(p.ty, Ty::Nullable(_)) {
            quote!({ let #value_local = &#value; #set })
        } else {
            quote!(if let ::std::option::Option::Some(#value_local) = &#value { #set })
        }
    }

    /// `(style, explode, allow_reserved)` for the runtime; a `content` parameter is one
    /// primitive value, which every style writes the same way.
    pub(crate) fn encoding_tokens(&self, encoding: &ParamEncoding) -> TokenStream {
        let rt = &self.rt;
        let (style, explode, reserved) = match encoding {
            ParamEncoding::Style { style, explode, allow_reserved } => (*style, *explode, *allow_reserved),
            ParamEncoding::Content { .. } => (Style::Form, false, false),
        };
        match (style, explode, reserved) {
            (Style::Form, true, false) => return quote!(#rt::ParamStyle::FORM),
            (Style::Simple, false, false) => return quote!(#rt::ParamStyle::SIMPLE),
            _ => {}
        }
        let style = format_ident!("{}", style.variant());
        quote!(#rt::ParamStyle { style: #rt::Style::#style, explode: #explode, allow_reserved: #reserved })
    }

    /// The expression giving a parameter's value as a runtime `Shape` (`value` is a reference
    /// to it), by the shape lowering decided.
    fn shaped(&self, p: &Param, value: TokenStream) -> TokenStream {
        let rt = &self.rt;
        let inner = match &p.ty {
            Ty::Nullable(t) => t.as_ref(),
            t => t,
        };
        if let ParamEncoding::Content { mime } = &p.encoding {
            // JSON (and any structured type) is its serialization; a primitive under a text
            // media type is its text.
            let text = !mime.contains("json") && self.is_scalar(inner);
            return if text { quote!(#rt::primitive(#value)) } else { quote!(#rt::content_json(#value)) };
        }
        match p.shape {
            ValueShape::Primitive if self.is_scalar(inner) => quote!(#rt::primitive(#value)),
            ValueShape::Array => match self.resolve(inner) {
                Ty::Vec(item) if self.is_scalar(item) => quote!(#rt::array((#value).iter())),
                _ => quote!(#rt::structured(#value)),
            },
            _ => quote!(#rt::structured(#value)),
        }
    }

    /// The return type and the status match.
    fn response_decoding(&self, op: &Operation) -> (TokenStream, TokenStream) {
        let response = ident(&op.locals.response);
        // Error answers come in the API's body formats: XML-capable error types are decoded
        // by the answer's `Content-Type`.
        // A `default` error response covers every status no other response names, a 2xx
        // among them: its body is decoded whatever the status.
        let into_error = match (self.api.xml.error_is_xml, op.errors.iter().any(|r| r.status == Status::Default)) {
            (true, false) => quote!(into_error_xml),
            (true, true) => quote!(into_declared_error_xml),
            (false, false) => quote!(into_error),
            (false, true) => quote!(into_declared_error),
        };
        // An operation with its own error type decodes the body the answer's status declares.
        let into_error = match op.error_body.map(|id| &self.api.types[id.0]) {
            Some(t) => {
                let crate::ir::TypeKind::ErrorBodies(variants) = &t.kind else { return (quote!(()), quote!()) };
                let name = ident(&t.name);
                let arms = variants.iter().map(|(v, status, ty)| {
                    let v = ident(v);
                    let ty = self.ty(ty, From::Client);
                    let pat = super::status_pattern(*status);
                    quote!(#pat => ::serde_json::from_value::<#ty>(value).ok().map(super::types::#name::#v),)
                });
                let fallback = if variants.iter().any(|(_, s, _)| *s == Status::Default) {
                    quote!()
                } else {
                    quote!(_ => ::std::option::Option::None,)
                };
                quote!(into_error_with(|status, value| match status { #(#arms)* #fallback }))
            }
            None => quote!(#into_error()),
        };
        let decode_body = |c: &[crate::ir::Content]| -> TokenStream {
            let Some(first) = c.first() else { return quote!(()) };
            match self.resolve(&first.ty) {
                Ty::Bytes => quote!(#response.bytes()),
                Ty::String if first.media == Media::Text => quote!(#response.text()?),
                _ => {
                    let formats: Vec<TokenStream> = c.iter().map(|c| self.format_token(c.media)).collect();
                    match c.iter().find_map(|c| c.xml.as_ref()) {
                        Some(XmlRoot::Element) => quote!(#response.decode_xml_or_serde(&[#(#formats),*])?),
                        Some(XmlRoot::List { item, .. }) => {
                            quote!(#response.decode_xml_list_or_serde(&[#(#formats),*], #item)?)
                        }
                        Some(XmlRoot::Text { .. }) => quote!(#response.decode_xml_text_or_serde(&[#(#formats),*])?),
                        None => quote!(#response.decode_serde(&[#(#formats),*])?),
                    }
                }
            }
        };
        // Exact codes come before ranges in `successes`, so a range never hides a code.
        let statuses = |r: &crate::ir::Response| super::status_pattern(r.status);
        if let Some(id) = op.response_enum {
            let enum_name = ident(&self.api.types[id.0].name);
            let arms = op.successes.iter().map(|r| {
                let v = ident(&r.variant);
                let status = statuses(r);
                if r.contents.is_empty() {
                    quote!(#status => ::std::result::Result::Ok(super::types::#enum_name::#v),)
                } else {
                    let d = decode_body(&r.contents);
                    quote!(#status => ::std::result::Result::Ok(super::types::#enum_name::#v(#d)),)
                }
            });
            let has_default = op.successes.iter().any(|r| r.status == Status::Default);
            let fallback =
                if has_default { quote!() } else { quote!(_ => ::std::result::Result::Err(#response.#into_error),) };
            return (quote!(super::types::#enum_name), quote!(match #response.status() { #(#arms)* #fallback }));
        }
        if op.download {
            if op.successes.iter().any(|r| r.status == Status::Default) {
                return (
                    quote!(ByteStream),
                    quote!(if #response.is_success() { ::std::result::Result::Ok(#response.into_stream()) } else { ::std::result::Result::Err(#response.#into_error) }),
                );
            }
            let pats: Vec<TokenStream> = op.successes.iter().map(statuses).collect();
            return (
                quote!(ByteStream),
                quote!(match #response.status() { #(#pats)|* => ::std::result::Result::Ok(#response.into_stream()), _ => ::std::result::Result::Err(#response.#into_error), }),
            );
        }
        if let Some(id) = op.output {
            let crate::ir::TypeKind::Output { body, headers } = &self.api.types[id.0].kind else {
                return (quote!(()), quote!());
            };
            let name = ident(&self.api.types[id.0].name);
            let body = body.as_ref().map(|_| {
                let d = decode_body(&op.successes[0].contents);
                quote!(body: #d,)
            });
            let fields = headers.iter().map(|h| {
                let (n, wire) = (ident(&h.name), &h.wire);
                if h.required {
                    quote!(#n: #response.header_value(#wire)?,)
                } else {
                    quote!(#n: #response.optional_header_value(#wire)?,)
                }
            });
            let value = quote!(super::types::#name { status: #response.status(), #body #(#fields)* });
            let ret = quote!(super::types::#name);
            if op.successes.iter().any(|r| r.status == Status::Default) {
                return (
                    ret,
                    quote!(if #response.is_success() { ::std::result::Result::Ok(#value) } else { ::std::result::Result::Err(#response.#into_error) }),
                );
            }
            let pats: Vec<TokenStream> = op.successes.iter().map(statuses).collect();
            return (
                ret,
                quote!(match #response.status() { #(#pats)|* => ::std::result::Result::Ok(#value), _ => ::std::result::Result::Err(#response.#into_error), }),
            );
        }
        let ret = match op.successes.first().and_then(|r| r.contents.first()) {
            Some(c) => self.ty(&c.ty, From::Client),
            None => quote!(()),
        };
        if op.successes.is_empty() {
            // Nothing documented as success: any 2xx is accepted without a body.
            return (
                ret,
                quote!(if #response.is_success() { ::std::result::Result::Ok(()) } else { ::std::result::Result::Err(#response.#into_error) }),
            );
        }
        let pats: Vec<TokenStream> = op.successes.iter().map(statuses).collect();
        let d = decode_body(&op.successes[0].contents);
        if op.successes.iter().any(|r| r.status == Status::Default) {
            // Only `default` is documented: any 2xx carries it.
            return (
                ret,
                quote!(if #response.is_success() { ::std::result::Result::Ok(#d) } else { ::std::result::Result::Err(#response.#into_error) }),
            );
        }
        (
            ret,
            quote!(match #response.status() { #(#pats)|* => ::std::result::Result::Ok(#d), _ => ::std::result::Result::Err(#response.#into_error), }),
        )
    }

    /// `{method}_stream`: the items of every page, fetched lazily.
    fn stream_method(&self, op: &Operation) -> TokenStream {
        let Some(pg) = &op.pagination else { return quote!() };
        let rt = &self.rt;
        let name = ident(&op.method_name);
        let Some(stream_name) = op.stream_name.as_deref().map(ident) else { return quote!() };
        let l = &op.locals;
        let (page, page_params, offset_local, narrowed) =
            (ident(&l.page), ident(&l.page_params), ident(&l.offset), ident(&l.narrowed));
        // Field init shorthand where the local has the field's name (clippy's preference).
        let offset_field = if l.offset == "offset" { quote!(offset) } else { quote!(offset: #offset_local) };
        let op_id = &op.id;
        let item = self.ty(&pg.item_ty, From::Client);
        let offset = ident(&pg.offset_param);
        let limit = ident(&pg.limit_param);
        let items: Vec<_> = pg.items.iter().map(|s| ident(s)).collect();
        let total: Vec<_> = pg.total.iter().map(|s| ident(s)).collect();
        let ps = op.params_struct.map(|id| ident(&self.api.types[id.0].name));
        let ps = ps.expect("pagination requires optional parameters, hence a params struct");
        // Every argument but `params` is captured by the stream.
        let pass: Vec<TokenStream> = op
            .path_params
            .iter()
            .chain(op.params.iter().filter(|p| p.required))
            .map(|p| {
                let n = ident(&p.name);
                quote!(#n)
            })
            .collect();
        let echo = |field: &Option<(Vec<String>, bool)>| match field {
            Some((path, optional)) => {
                let path: Vec<_> = path.iter().map(|s| ident(s)).collect();
                if *optional {
                    quote!(#page #(.#path)*.map(::std::primitive::i64::from))
                } else {
                    quote!(::std::option::Option::Some(::std::primitive::i64::from(#page #(.#path)*)))
                }
            }
            None => quote!(::std::option::Option::None),
        };
        let offset_echo = echo(&pg.offset_echo);
        let count = echo(&pg.count);
        let doc = format!(
            " Every item of [`Client::{}`], page by page: each page is fetched when the stream reaches it, with the same filters, until the reported total is reached. A listing that cannot be trusted to be complete (a page empty before the total, a page that does not advance) ends the stream with `Error::Paging`. `params.{}` sets the page size; `params.{}` the first item.",
            crate::naming::unraw(&op.method_name),
            crate::naming::unraw(&pg.limit_param),
            crate::naming::unraw(&pg.offset_param)
        );
        let stream_args: Vec<TokenStream> = op
            .path_params
            .iter()
            .chain(op.params.iter().filter(|p| p.required))
            .map(|p| {
                let n = ident(&p.name);
                let t = self.param_arg_ty_in(&p.ty, quote!('a));
                quote!(#n: #t)
            })
            .collect();
        // The stream of a deprecated operation is deprecated too, and calls it knowingly.
        let deprecated = if op.deprecated { quote!(#[deprecated] #[allow(deprecated)]) } else { quote!() };
        // Both streams below: narrow the offset to the parameter's type and set it; fetch the
        // page and say what it holds.
        let set_offset = quote! {
            let #narrowed = ::std::convert::TryFrom::try_from(#offset_local).map_err(|_| #rt::Error::Paging {
                operation: #op_id,
                #offset_field,
                message: ::std::string::String::from("the offset does not fit the offset parameter's type"),
            })?;
            #page_params.#offset = ::std::option::Option::Some(#narrowed);
        };
        let fetch_page = quote! {
            let #page = self.#name(#(#pass,)* &#page_params).await?;
            ::std::result::Result::Ok(#rt::Page {
                offset: #offset_echo,
                count: #count,
                total: ::std::primitive::i64::from(#page #(.#total)*),
                items: #page #(.#items)*,
            })
        };
        if let Some(available) = &pg.offset_available {
            let av = self.available_tokens(available);
            let doc = format!(
                "{doc} In an API revision without `{}`, one request without paging parameters lists every item the server answers with (a page short of its reported total ends the stream with `Error::Paging`), unless `params.{}` asks for a later first item, which such a revision refuses.",
                crate::naming::unraw(&pg.offset_param),
                crate::naming::unraw(&pg.offset_param)
            );
            return quote! {
                #[doc = #doc]
                #deprecated
                pub fn #stream_name<'a>(&'a self, #(#stream_args,)* params: super::types::#ps) -> impl #rt::futures::Stream<Item = ::std::result::Result<#item, Error>> + 'a {
                    // Paged unless the revision spoken lacks the offset parameter and none is asked for.
                    #rt::paginate_or_once(#op_id, params.#offset.map(::std::primitive::i64::from).unwrap_or(0), params.#limit.map(::std::primitive::i64::from), self.core.api_revision().is_none_or(|r| r.has(#av)) || params.#offset.is_some_and(|o| o != 0), move |#offset_local| {
                        let mut #page_params = ::std::clone::Clone::clone(&params);
                        async move {
                            match #offset_local {
                                ::std::option::Option::Some(#offset_local) => {
                                    #set_offset
                                }
                                ::std::option::Option::None => {
                                    #page_params.#offset = ::std::option::Option::None;
                                    #page_params.#limit = ::std::option::Option::None;
                                }
                            }
                            #fetch_page
                        }
                    })
                }
            };
        }
        quote! {
            #[doc = #doc]
            #deprecated
            pub fn #stream_name<'a>(&'a self, #(#stream_args,)* params: super::types::#ps) -> impl #rt::futures::Stream<Item = ::std::result::Result<#item, Error>> + 'a {
                #rt::paginate(#op_id, params.#offset.map(::std::primitive::i64::from).unwrap_or(0), params.#limit.map(::std::primitive::i64::from), move |#offset_local| {
                    let mut #page_params = ::std::clone::Clone::clone(&params);
                    async move {
                        #set_offset
                        #fetch_page
                    }
                })
            }
        }
    }
}
