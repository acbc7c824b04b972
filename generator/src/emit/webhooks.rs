//! `webhooks.rs`: one event enum over the webhooks the API sends, and its decoder.

use proc_macro2::TokenStream;
use quote::quote;

use super::{doc_attrs, ident, Emitter, From};

/// The `Event` enum and its `decode`.
pub(crate) fn webhooks_item(e: &Emitter<'_>) -> TokenStream {
    let rt = &e.rt;
    let hooks = &e.api.webhooks;
    let variants = hooks.iter().map(|w| {
        let v = ident(&w.variant);
        let mut lines = w.doc.clone();
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.push(format!("The webhook `{}`.", w.name.replace('`', "'")));
        let doc = doc_attrs(&lines);
        match &w.payload {
            Some(ty) => {
                let ty = e.ty(ty, From::Client);
                quote!(#doc #v(#ty))
            }
            None => quote!(#doc #v),
        }
    });
    let arms = hooks.iter().map(|w| {
        let (v, name) = (ident(&w.variant), &w.name);
        match &w.payload {
            Some(_) => quote!(#name => #rt::decode_webhook(#name, body).map(Self::#v)),
            None => quote!(#name => ::std::result::Result::Ok(Self::#v)),
        }
    });
    let name_arms = hooks.iter().map(|w| {
        let (v, name) = (ident(&w.variant), &w.name);
        match &w.payload {
            Some(_) => quote!(Self::#v(_) => #name),
            None => quote!(Self::#v => #name),
        }
    });
    let names = hooks.iter().map(|w| &w.name);
    quote! {
        /// A webhook request the API sent, decoded by the webhook's name.
        #[derive(Clone, Debug, PartialEq)]
        pub enum Event {
            #(#variants,)*
        }

        impl Event {
            /// The name of every webhook the spec declares.
            pub const NAMES: &'static [&'static str] = &[#(#names),*];

            /// Decodes the JSON body of the webhook `name` (its key under the spec's
            /// `webhooks`; the endpoint that receives it knows which one it serves).
            pub fn decode(name: &str, body: &[u8]) -> ::std::result::Result<Self, #rt::WebhookError> {
                match name {
                    #(#arms,)*
                    _ => ::std::result::Result::Err(#rt::WebhookError::Unknown { name: ::std::borrow::ToOwned::to_owned(name) }),
                }
            }

            /// The webhook's name in the spec.
            pub fn name(&self) -> &'static str {
                match self {
                    #(#name_arms,)*
                }
            }
        }
    }
}
