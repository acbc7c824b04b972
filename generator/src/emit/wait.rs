//! Waiting on long-running operations: for each status type, the runtime's `LongRunning`
//! (how to poll and stop) and an inherent `wait` that builds the runtime's `Wait`.

use proc_macro2::TokenStream;
use quote::quote;

use super::{ident, Emitter, From};
use crate::ir::{LongRunning, Operation, Ty};

/// One status type's wait, keyed `wait_{type}`.
pub(crate) fn wait_item(e: &Emitter<'_>, i: usize) -> (String, TokenStream) {
    let lr = &e.api.long_running[i];
    (format!("wait_{}", e.api.types[lr.ty.0].name), e.wait(lr))
}

impl Emitter<'_> {
    fn wait(&self, lr: &LongRunning) -> TokenStream {
        let rt = &self.rt;
        let api = self.api;
        let ty = self.ty(&Ty::Named(lr.ty), From::Client);
        let status = &api.operations[lr.status_op];
        // Both operations must be compiled in for the wait to exist.
        let mut features: Vec<String> = status.feature.iter().cloned().collect();
        if let Some(stop) = lr.stop_op {
            features.extend(api.operations[stop].feature.iter().cloned());
        }
        features.sort();
        features.dedup();
        let cfg = match features.as_slice() {
            [] => quote!(),
            [f] => quote!(#[cfg(feature = #f)]),
            fs => quote!(#[cfg(all(#(feature = #fs),*))]),
        };
        let f = &lr.fields;
        let opt = |v: &Option<String>| match v {
            Some(s) => quote!(::std::option::Option::Some(#s)),
            None => quote!(::std::option::Option::None),
        };
        let (state, result, terminal) = (&f.state, &f.result, &f.terminal);
        let (success, warning, failure) = (&f.success, &f.warning, &f.failure);
        let (progress, message, canceled) = (opt(&f.progress), opt(&f.message), opt(&f.canceled));
        let status_id = &status.id;
        let poll = self.wait_call(status, lr);
        let stop = match lr.stop_op {
            Some(stop) => {
                let call = self.wait_call(&api.operations[stop], lr);
                quote!(::std::option::Option::Some(::std::boxed::Box::pin(async move { #call.await.map(|_| ()) })))
            }
            None => quote!(::std::option::Option::None),
        };
        let type_name = &api.types[lr.ty.0].name;
        let ops = lr.operations.iter().map(|o| format!("`{o}`")).collect::<Vec<_>>().join(", ");
        let doc = format!(
            " Waits until the work this status describes has ended, polling [`Client::{}`] with backoff.",
            status.method_name
        );
        let doc_ops = format!(" The long-running operations {ops} answer with a `{type_name}`.");
        let doc_stop = match lr.stop_op {
            Some(stop) => format!(
                " With `.stop_on_timeout()`, a wait that times out calls [`Client::{}`].",
                api.operations[stop].method_name
            ),
            None => " The spec names no operation that stops the work.".to_owned(),
        };
        quote! {
            #cfg
            impl #rt::LongRunning for #ty {
                type Client = Client;
                type Error = Error;
                const SPEC: &'static #rt::WaitSpec = &#rt::WaitSpec {
                    status_operation: #status_id,
                    state: #state,
                    terminal: &[#(#terminal),*],
                    result: #result,
                    success: &[#(#success),*],
                    warning: &[#(#warning),*],
                    failure: &[#(#failure),*],
                    progress: #progress,
                    message: #message,
                    canceled: #canceled,
                };
                fn poll<'a>(&'a self, client: &'a Client) -> #rt::BoxFuture<'a, ::std::result::Result<Self, Error>> {
                    ::std::boxed::Box::pin(async move { #poll.await })
                }
                fn stop<'a>(&'a self, client: &'a Client) -> ::std::option::Option<#rt::BoxFuture<'a, ::std::result::Result<(), Error>>> {
                    #stop
                }
            }

            #cfg
            impl #ty {
                #[doc = #doc]
                #[doc = ""]
                #[doc = #doc_ops]
                #[doc = " Ends with the final status on success or warning, and with a typed error on failure,"]
                #[doc = " on an outcome the spec does not list, or when `.timeout(..)` passes first. Dropping"]
                #[doc = " the wait cancels it and sends nothing; the work goes on on the server."]
                #[doc = #doc_stop]
                pub fn wait(self, client: &Client) -> #rt::Wait<'_, Self> {
                    #rt::Wait::new(client, self)
                }
            }
        }
    }

    /// `client.<op>(self.<field>, ..)`: a call of the status or stop operation with its path
    /// parameters taken from the status.
    fn wait_call(&self, op: &Operation, lr: &LongRunning) -> TokenStream {
        let method = ident(&op.method_name);
        let mut args = Vec::new();
        for (p, path) in op.path_params.iter().zip(&lr.args) {
            let fields = path.iter().map(|f| ident(f));
            args.push(if self.param_by_value(&p.ty) { quote!(self.#(#fields).*) } else { quote!(&self.#(#fields).*) });
        }
        if op.body.is_some() {
            args.push(quote!(::std::option::Option::None));
        }
        if op.params_struct.is_some() {
            args.push(quote!(&::std::default::Default::default()));
        }
        quote!(client.#method(#(#args),*))
    }
}
