//! `dispatch.rs` (cargo feature `dispatch`): every operation by its `operationId`, called
//! with JSON arguments through the typed client method. One compact arm per operation, over
//! the runtime's `dispatch` helpers, since an API may have hundreds.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::{ident, Emitter, From};
use crate::ir::{Operation, Ty};

/// The operation list, and the re-exports the module's users name.
pub(crate) fn dispatch_operations_item(e: &Emitter<'_>) -> (String, TokenStream) {
    ("dispatch_operations".to_owned(), e.dispatch_operations())
}

/// `call` and `call_input`: one arm per operation.
pub(crate) fn dispatch_call_item(e: &Emitter<'_>) -> (String, TokenStream) {
    ("dispatch_call".to_owned(), e.dispatch_call())
}

/// `stream`: one arm per operation that pages.
pub(crate) fn dispatch_stream_item(e: &Emitter<'_>) -> (String, TokenStream) {
    ("dispatch_stream".to_owned(), e.dispatch_stream())
}

/// How an argument is read from the input, and passed to the method.
struct Arg {
    read: TokenStream,
    pass: Pass,
}

enum Pass {
    Value,
    Ref,
    AsRef,
}

impl Emitter<'_> {
    fn dispatch_operations(&self) -> TokenStream {
        let rt = &self.rt;
        let entries = self.api.operations.iter().map(|op| {
            let (id, path) = (&op.id, &op.path);
            let method = format_ident!("{}", op.method.variant());
            let tag = op.tag.as_ref().map(|t| quote!(.tag(#t)));
            let feature = op.feature.as_ref().map(|f| quote!(.feature(#f, cfg!(feature = #f))));
            let paged = op.pagination.as_ref().map(|_| quote!(.paged()));
            let unsupported = op.dispatch.unsupported.as_ref().map(|why| quote!(.unsupported(#why)));
            quote!(OperationInfo::new(#id, Method::#method, #path) #tag #feature #paged #unsupported)
        });
        quote! {
            pub use #rt::dispatch::{DispatchError, Input, OperationInfo};
            use #rt::Method;

            /// Every operation of the API, in the spec's order; those whose cargo feature is
            /// off too (`enabled: false`).
            pub const OPERATIONS: &[OperationInfo] = &[#(#entries),*];
        }
    }

    /// The arguments of `op`'s client method, in order: path parameters, required
    /// parameters, the body, the `Params` struct; or of its `*_stream` method, which takes no
    /// body and the `Params` struct by value.
    fn dispatch_args(&self, op: &Operation, stream: bool) -> Vec<Arg> {
        let mut args = Vec::new();
        let pass = |ty: &Ty| if self.param_by_value(ty) { Pass::Value } else { Pass::Ref };
        for p in &op.path_params {
            let (t, wire) = (self.ty(&p.ty, From::Client), &p.wire);
            args.push(Arg { read: quote!(input.path::<#t>(#wire)?), pass: pass(&p.ty) });
        }
        for p in op.params.iter().filter(|p| p.required) {
            let (t, wire) = (self.ty(&p.ty, From::Client), &p.wire);
            args.push(Arg { read: quote!(input.param::<#t>(#wire)?), pass: pass(&p.ty) });
        }
        if let Some(b) = op.body.as_ref().filter(|_| !stream) {
            let ty = &b.contents[0].ty;
            let t = self.ty(ty, From::Client);
            args.push(match (self.resolve(ty), b.required) {
                (Ty::Bytes, true) => Arg { read: quote!(input.upload()?), pass: Pass::Value },
                (Ty::Bytes, false) => Arg { read: quote!(input.optional_upload()?), pass: Pass::Value },
                (_, true) => Arg { read: quote!(input.body::<#t>()?), pass: Pass::Ref },
                (_, false) => Arg { read: quote!(input.optional_body::<#t>()?), pass: Pass::AsRef },
            });
        }
        if let Some(ps) = op.params_struct {
            let t = ident(&self.api.types[ps.0].name);
            let pass = if stream { Pass::Value } else { Pass::Ref };
            args.push(Arg { read: quote!(input.params::<super::types::#t>()?), pass });
        }
        args
    }

    /// `{ let args = (…); input.done()?; <call> }`, `<call>` given the passed arguments.
    fn dispatch_arm_body(&self, args: &[Arg], call: impl FnOnce(Vec<TokenStream>) -> TokenStream) -> TokenStream {
        let reads = args.iter().map(|a| &a.read);
        let passes = args
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let i = Literal::usize_unsuffixed(i);
                match a.pass {
                    Pass::Value => quote!(args.#i),
                    Pass::Ref => quote!(&args.#i),
                    Pass::AsRef => quote!(args.#i.as_ref()),
                }
            })
            .collect();
        let call = call(passes);
        if args.is_empty() {
            quote!({ input.done()?; #call })
        } else {
            quote!({ let args = (#(#reads,)*); input.done()?; #call })
        }
    }

    fn dispatch_call(&self) -> TokenStream {
        let rt = &self.rt;
        // Each operation's call is its own function returning a boxed future, and
        // `call_input` only picks the function: one function holding every operation's
        // future would need stack for all of them at once in a debug build (2 MB for VBR's
        // 521 operations), which overflows a thread's stack.
        let mut fns = Vec::new();
        let arms: Vec<TokenStream> = self
            .api
            .operations
            .iter()
            .map(|op| {
                let (id, cfg) = (&op.id, self.feature_attr(&op.feature));
                if let Some(why) = &op.dispatch.unsupported {
                    return quote!(#cfg #id => return ::std::result::Result::Err(DispatchError::Unsupported { operation: #id, why: #why }),);
                }
                let method = ident(&op.method_name);
                let call_fn = ident(&format!("call_{}", op.method_name.trim_start_matches("r#")));
                let body = self.dispatch_arm_body(&self.dispatch_args(op, false), |passes| {
                    if op.download {
                        quote!(input.download(client.#method(#(#passes),*).await).await)
                    } else if op.dispatch.bytes_answer {
                        quote!(input.bytes(client.#method(#(#passes),*).await))
                    } else {
                        quote!(input.answer(client.#method(#(#passes),*).await))
                    }
                });
                fns.push(quote! {
                    #cfg
                    fn #call_fn<'a>(client: &'a super::Client, input: &'a mut Input) -> Call<'a> {
                        ::std::boxed::Box::pin(async move #body)
                    }
                });
                quote!(#cfg #id => #call_fn,)
            })
            .collect();
        let fallback = quote!(::std::result::Result::Err(#rt::dispatch::not_found(OPERATIONS, input.operation())));
        // Without operations a match would have its fallback only (and `client` no use).
        let dispatch = if arms.is_empty() {
            quote!(let _ = client; #fallback)
        } else {
            quote! {
                let call: for<'a> fn(&'a super::Client, &'a mut Input) -> Call<'a> =
                    match input.operation().to_owned().as_str() { #(#arms)* _ => return #fallback, };
                call(client, input).await
            }
        };
        quote! {
            /// One operation's call, as its own function gives it.
            type Call<'a> = ::std::pin::Pin<
                ::std::boxed::Box<
                    dyn ::std::future::Future<Output = ::std::result::Result<::serde_json::Value, DispatchError>>
                        + ::std::marker::Send
                        + 'a,
                >,
            >;

            /// Calls the operation `operation_id` with `input`, `{"path": {…}, "params": {…},
            /// "body": …}` (see [`Input`]): each argument is read into its typed parameter or
            /// body type, the client's method is called, and its typed answer is returned as
            /// JSON (`null` for an answer without body, `{"status", "body"}` for an operation
            /// with several success answers, `{"bytes": length}` for a download).
            pub async fn call(
                client: &super::Client,
                operation_id: &str,
                input: ::serde_json::Value,
            ) -> ::std::result::Result<::serde_json::Value, DispatchError> {
                call_input(client, &mut Input::new(operation_id, input)?).await
            }

            /// [`call`] with an [`Input`] the caller keeps, to see afterwards what the typed
            /// values were ([`Input::sent_body`], [`Input::answer_debug`]).
            pub async fn call_input(
                client: &super::Client,
                input: &mut Input,
            ) -> ::std::result::Result<::serde_json::Value, DispatchError> {
                #dispatch
            }

            #(#[allow(deprecated)] #fns)*
        }
    }

    fn dispatch_stream(&self) -> TokenStream {
        let rt = &self.rt;
        let paged: Vec<&Operation> = self.api.operations.iter().filter(|op| op.pagination.is_some()).collect();
        let mut fns = Vec::new();
        let arms: Vec<TokenStream> = paged.iter().map(|op| {
            let (id, cfg) = (&op.id, self.feature_attr(&op.feature));
            if let Some(why) = &op.dispatch.unsupported {
                return quote!(#cfg #id => ::std::result::Result::Err(DispatchError::Unsupported { operation: #id, why: #why }),);
            }
            let stream = op.stream_name.as_deref().map(ident);
            let args = self.dispatch_args(op, true);
            let body = self.dispatch_arm_body(&args, |passes| {
                if op.dispatch.stream_borrows {
                    // The stream borrows arguments read here: the runtime lists it inside a
                    // generator that owns them (a `Params` struct is cloned, as every page
                    // clones it anyway).
                    let owned = args.iter().enumerate().map(|(i, a)| {
                        let i = Literal::usize_unsuffixed(i);
                        match a.pass {
                            Pass::Value => quote!(::std::clone::Clone::clone(&state.1.#i)),
                            Pass::Ref => quote!(&state.1.#i),
                            Pass::AsRef => quote!(state.1.#i.as_ref()),
                        }
                    });
                    quote!(::std::result::Result::Ok(#rt::dispatch::owning((client, args), |state| {
                        #rt::dispatch::items(state.0.#stream(#(#owned),*))
                    })))
                } else {
                    quote!(::std::result::Result::Ok(#rt::dispatch::items(client.#stream(#(#passes),*))))
                }
            });
            // Its own function, as for `call`: one function holding every stream would
            // need stack for all of them at once in a debug build.
            let stream_fn = ident(&format!("stream_{}", op.method_name.trim_start_matches("r#")));
            fns.push(quote! {
                #cfg
                #[allow(deprecated)]
                fn #stream_fn<'a>(client: &'a super::Client, input: &mut Input) -> Items<'a> #body
            });
            quote!(#cfg #id => #stream_fn(client, input),)
        }).collect();
        let fallback = quote!(::std::result::Result::Err(#rt::dispatch::no_stream(OPERATIONS, input.operation())));
        // Without paged operations a match would have its fallback only (and `client` no use).
        let dispatch = if paged.is_empty() {
            quote!(let _ = client; #fallback)
        } else {
            quote!(match input.operation().to_owned().as_str() { #(#arms)* _ => #fallback, })
        };
        quote! {
            /// One paged operation's items, as its own function gives them.
            type Items<'a> = ::std::result::Result<
                #rt::futures::stream::BoxStream<'a, ::std::result::Result<::serde_json::Value, DispatchError>>,
                DispatchError,
            >;

            /// The items of every page of a paged operation (`OperationInfo::paged`), each as
            /// JSON, through the client's `*_stream` method; `input` as for [`call`].
            pub fn stream<'a>(client: &'a super::Client, input: &mut Input) -> Items<'a> {
                #dispatch
            }

            #(#fns)*
        }
    }
}
