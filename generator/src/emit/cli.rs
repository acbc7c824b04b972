//! `cli.rs` (cargo feature `cli`): the API as a command line. A static table, data only, that
//! the runtime's `cli` module turns into commands at run time (one entry per operation, not
//! code per operation, so hundreds of operations cost little to compile), and the client's
//! `CliClient` implementation: dispatch's call and stream, and one typed wait per status type.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::{Emitter, From};
use crate::ir::{Cli, CliArg, CliArgIn, CliCommand, CliKind, CliLogin, Security, Ty};

/// The table, keyed `cli_table`.
pub(crate) fn cli_table_item(e: &Emitter<'_>) -> (String, TokenStream) {
    ("cli_table".to_owned(), e.cli_table())
}

/// The client's `CliClient` implementation, keyed `cli_client`.
pub(crate) fn cli_client_item(e: &Emitter<'_>) -> (String, TokenStream) {
    ("cli_client".to_owned(), e.cli_client())
}

/// Lines joined into one text.
fn text(lines: &[String]) -> String {
    lines.join("\n")
}

impl Emitter<'_> {
    fn cli(&self) -> &Cli {
        static EMPTY: std::sync::OnceLock<Cli> = std::sync::OnceLock::new();
        self.api.cli.as_ref().unwrap_or_else(|| EMPTY.get_or_init(Cli::default))
    }

    fn cli_table(&self) -> TokenStream {
        let rt = &self.rt;
        let api = self.api;
        let cli = self.cli();
        let (title, version) = (&api.title, &api.version);
        let about = text(&api.doc);
        let server = api.server.as_deref().map(|s| quote!(.server(#s)));
        let groups = cli.groups.iter().map(|g| {
            let (name, tag, about) = (&g.name, &g.tag, text(&g.about));
            quote!(CliGroup::new(#name, #tag).about(#about))
        });
        let operations = cli.commands.iter().map(|c| self.cli_operation(c));
        let login = cli.login.as_ref().map(|l| match l {
            CliLogin::OAuth2Password { scheme, token_url } => {
                quote!(.login(Login::OAuth2Password { scheme: #scheme, token_url: #token_url }))
            }
            CliLogin::SessionLogon { operation, header } => {
                let id = &api.operations[*operation].id;
                quote!(.login(Login::SessionLogon { operation: #id, header: #header }))
            }
        });
        let logout = cli.logout.map(|i| {
            let id = &api.operations[i].id;
            quote!(.logout(#id))
        });
        let schemes = api.security.iter().map(|(name, s)| {
            let kind = match s {
                Security::Bearer => quote!(SchemeKind::Bearer),
                Security::MutualTls => quote!(SchemeKind::MutualTls),
                Security::Basic => quote!(SchemeKind::Basic),
                Security::ApiKeyHeader(h) => quote!(SchemeKind::ApiKeyHeader(#h)),
                Security::ApiKeyQuery(q) => quote!(SchemeKind::ApiKeyQuery(#q)),
                Security::OAuth2Password { token_url, .. } => quote!(SchemeKind::OAuth2Password(#token_url)),
                Security::OAuth2ClientCredentials { token_url, .. } => {
                    quote!(SchemeKind::OAuth2ClientCredentials(#token_url))
                }
            };
            quote!(Scheme::new(#name, #kind))
        });
        let revisions = api.revisions.as_ref().map(|r| {
            let names = &r.names;
            let default = &r.names[r.default];
            quote!(.revisions(&[#(#names),*], #default))
        });
        // Only the names the table uses: an API without waits names no `WaitInfo`.
        let cmds = &cli.commands;
        let all_args = || cmds.iter().flat_map(|c| c.args.iter().chain(c.body.iter().flat_map(|b| &b.flags)));
        let uses = [
            ("ArgIn", all_args().next().is_some()),
            ("ArgKind", all_args().next().is_some()),
            ("CliApi", true),
            ("CliArg", all_args().next().is_some()),
            ("CliBody", cmds.iter().any(|c| c.body.is_some())),
            ("CliGroup", !cli.groups.is_empty()),
            ("CliOperation", !cmds.is_empty()),
            ("Login", cli.login.is_some()),
            ("Lookup", cmds.iter().any(|c| c.lookup.is_some())),
            ("Paged", cmds.iter().any(|c| c.paged.is_some())),
            ("Scheme", !api.security.is_empty()),
            ("SchemeKind", !api.security.is_empty()),
            ("WaitInfo", cmds.iter().any(|c| c.wait.is_some())),
        ];
        let names = uses.iter().filter(|(_, used)| *used).map(|(name, _)| quote::format_ident!("{}", name));
        let method = (!cmds.is_empty()).then(|| quote!(use #rt::Method;));
        quote! {
            use #rt::cli::{#(#names),*};
            #method

            /// The command line of this API: its groups (one per tag), a command per operation with
            /// its arguments, and how a session logs in. `runtime::cli` builds the commands from it.
            pub static API: CliApi = CliApi::new(#title, #version)
                .about(#about)
                #server
                .groups(&[#(#groups),*])
                .operations(&[#(#operations),*])
                .schemes(&[#(#schemes),*])
                #login
                #logout
                #revisions;
        }
    }

    fn cli_operation(&self, c: &CliCommand) -> TokenStream {
        let op = &self.api.operations[c.operation];
        let (id, name, path) = (&op.id, &c.name, &op.path);
        let method = quote::format_ident!("{}", op.method.variant());
        let group = c.group.map(|g| {
            let g = Literal::usize_unsuffixed(g);
            quote!(.group(#g))
        });
        let (about, long_about) = (&c.about, text(&c.long_about));
        let args = c.args.iter().map(|a| self.cli_arg(a));
        let body = c.body.as_ref().map(|b| {
            let required = b.required;
            let help = (!b.help.is_empty()).then(|| {
                let help = text(&b.help);
                quote!(.help(#help))
            });
            let flags = b.flags.iter().map(|a| self.cli_arg(a));
            let flags = (!b.flags.is_empty()).then(|| quote!(.flags(&[#(#flags),*])));
            quote!(.body(CliBody::new(#required) #help #flags))
        });
        let paged = c.paged.as_ref().map(|p| {
            let (items, total) = (&p.items, &p.total);
            quote!(.paged(Paged::new(#items, #total)))
        });
        let wait = c.wait.as_ref().map(|w| {
            let (n, status, state) = (Literal::usize_unsuffixed(w.long_running), &w.status_operation, &w.state);
            let params = w.parameters.iter().map(|(p, from)| quote!((#p, #from)));
            let terminal = &w.terminal;
            quote!(.wait(WaitInfo::new(#n, #status, #state).parameters(&[#(#params),*]).terminal(&[#(#terminal),*])))
        });
        let lookup = c.lookup.as_ref().map(|l| {
            let list = &self.api.operations[l.list].id;
            let (flag, param, filter, items) = (&l.flag, &l.path_param, &l.filter, &l.items);
            let (name_prop, id_prop) = (&l.name_property, &l.id_property);
            quote!(.lookup(Lookup::new(#flag, #param, #list, #filter).items(#items).properties(#name_prop, #id_prop)))
        });
        let answer = c.answer_body.as_deref().map(|path| quote!(.answer(#path)));
        let unsupported = op.dispatch.unsupported.as_ref().map(|why| quote!(.unsupported(#why)));
        let feature = op.feature.as_ref().map(|f| quote!(.feature(#f, cfg!(feature = #f))));
        let deprecated = op.deprecated.then(|| quote!(.deprecated()));
        let args = if c.args.is_empty() { quote!() } else { quote!(.args(&[#(#args),*])) };
        quote! {
            CliOperation::new(#id, #name, Method::#method, #path)
                #group
                .about(#about)
                .long_about(#long_about)
                #args #body #paged #wait #lookup #answer #unsupported #feature #deprecated
        }
    }

    fn cli_arg(&self, a: &CliArg) -> TokenStream {
        let (wire, flag, required) = (&a.wire, &a.flag, a.required);
        let location = match a.location {
            CliArgIn::Path => quote!(ArgIn::Path),
            CliArgIn::Param => quote!(ArgIn::Param),
            CliArgIn::Body => quote!(ArgIn::Body),
        };
        let kind = cli_kind(&a.kind);
        let help = (!a.help.is_empty()).then(|| {
            let help = text(&a.help);
            quote!(.help(#help))
        });
        let required = required.then(|| quote!(.required()));
        quote!(CliArg::new(#wire, #flag, #location, #kind) #required #help)
    }

    fn cli_client(&self) -> TokenStream {
        let rt = &self.rt;
        let api = self.api;
        // One arm per status type, compiled when its wait is (status and stop operations on).
        let waits = api.long_running.iter().enumerate().map(|(n, lr)| {
            let ty = self.ty(&Ty::Named(lr.ty), From::Client);
            let mut features: Vec<&String> = api.operations[lr.status_op].feature.iter().collect();
            if let Some(stop) = lr.stop_op {
                features.extend(api.operations[stop].feature.iter());
            }
            features.sort();
            features.dedup();
            let cfg = match features.as_slice() {
                [] => quote!(),
                [f] => quote!(#[cfg(feature = #f)]),
                fs => quote!(#[cfg(all(#(feature = #fs),*))]),
            };
            let n = Literal::usize_unsuffixed(n);
            quote!(#cfg #n => #rt::cli::wait_typed::<#ty, _>(self, status, options),)
        });
        let waits: Vec<TokenStream> = waits.collect();
        // Without status types every waiter is unavailable (a one-arm match is lint).
        let body = if waits.is_empty() {
            quote!(#rt::cli::wait_unavailable(waiter))
        } else {
            quote!(match waiter { #(#waits)* _ => #rt::cli::wait_unavailable(waiter), })
        };
        let api_version = api.revisions.as_ref().map(|_| {
            quote! {
                fn api_version(
                    builder: #rt::ClientBuilder<Self>,
                    revision: &str,
                ) -> ::std::result::Result<#rt::ClientBuilder<Self>, ::std::string::String> {
                    ::std::result::Result::Ok(builder.api_version(revision.parse::<super::ApiVersion>()?))
                }
            }
        });
        quote! {
            impl #rt::cli::CliClient for super::Client {
                fn api() -> &'static #rt::cli::CliApi {
                    &API
                }

                fn builder(base_url: &str) -> #rt::ClientBuilder<Self> {
                    super::Client::builder(base_url)
                }

                #api_version

                fn core(&self) -> &#rt::Core {
                    super::Client::core(self)
                }

                fn call<'a>(
                    &'a self,
                    input: &'a mut #rt::dispatch::Input,
                ) -> #rt::cli::BoxFuture<'a, ::std::result::Result<::serde_json::Value, #rt::dispatch::DispatchError>> {
                    ::std::boxed::Box::pin(super::dispatch::call_input(self, input))
                }

                fn stream<'a>(
                    &'a self,
                    input: &mut #rt::dispatch::Input,
                ) -> #rt::cli::Items<'a> {
                    super::dispatch::stream(self, input)
                }

                #[allow(unreachable_code, unused_variables)]
                fn wait<'a>(
                    &'a self,
                    waiter: usize,
                    status: ::serde_json::Value,
                    options: #rt::cli::WaitOptions,
                ) -> #rt::cli::BoxFuture<'a, ::std::result::Result<#rt::cli::Waited, #rt::cli::CliError>> {
                    #body
                }
            }
        }
    }
}

fn cli_kind(kind: &CliKind) -> TokenStream {
    match kind {
        CliKind::String => quote!(ArgKind::String),
        CliKind::Secret => quote!(ArgKind::Secret),
        CliKind::Integer => quote!(ArgKind::Integer),
        CliKind::Number => quote!(ArgKind::Number),
        CliKind::Boolean => quote!(ArgKind::Boolean),
        CliKind::Uuid => quote!(ArgKind::Uuid),
        CliKind::DateTime => quote!(ArgKind::DateTime),
        CliKind::Date => quote!(ArgKind::Date),
        CliKind::Enum(values) => quote!(ArgKind::Enum(&[#(#values),*])),
        CliKind::Array(item) => {
            let item = cli_kind(item);
            quote!(ArgKind::Array(&#item))
        }
        CliKind::Json => quote!(ArgKind::Json),
    }
}
