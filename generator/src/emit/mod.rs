//! Emitting: IR → token streams → formatted source, once, at the end.

mod cli;
mod client;
mod dispatch;
mod mock;
mod types;
mod wait;
mod webhooks;
mod xml;

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use crate::ir::{Api, Ty, TypeKind};

/// Which module a type use is written from.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum From {
    /// Inside `types.rs`: named types are siblings.
    Types,
    /// Inside `client.rs`: named types live in `super::types`.
    Client,
}

pub(crate) struct Emitter<'a> {
    pub(crate) api: &'a Api,
    pub(crate) rt: TokenStream,
    /// Types that need XML impls (decided in lowering).
    pub(crate) xml_types: &'a std::collections::BTreeSet<usize>,
}

impl<'a> Emitter<'a> {
    pub(crate) fn new(api: &'a Api, runtime_path: &str) -> Self {
        let rt: TokenStream = runtime_path.parse().unwrap_or_else(|_| quote!(crate::runtime));
        Emitter { api, rt, xml_types: &api.xml.types }
    }

    pub(crate) fn ty(&self, ty: &Ty, from: From) -> TokenStream {
        let rt = &self.rt;
        match ty {
            Ty::Named(id) => {
                let name = ident(&self.api.types[id.0].name);
                match from {
                    From::Types => quote!(#name),
                    From::Client => quote!(super::types::#name),
                }
            }
            Ty::String => quote!(::std::string::String),
            Ty::Secret => quote!(#rt::Secret),
            Ty::Bool => quote!(bool),
            Ty::I32 => quote!(i32),
            Ty::I64 => quote!(i64),
            Ty::F32 => quote!(f32),
            Ty::F64 => quote!(f64),
            Ty::Uuid => quote!(::uuid::Uuid),
            Ty::DateTime => quote!(::chrono::DateTime<::chrono::Utc>),
            Ty::Date => quote!(::chrono::NaiveDate),
            Ty::Bytes => quote!(::bytes::Bytes),
            Ty::Json => quote!(::serde_json::Value),
            Ty::Vec(t) => {
                let t = self.ty(t, from);
                quote!(::std::vec::Vec<#t>)
            }
            Ty::Map(t) => {
                let t = self.ty(t, from);
                quote!(::std::collections::BTreeMap<::std::string::String, #t>)
            }
            Ty::Nullable(t) => {
                let t = self.ty(t, from);
                quote!(::std::option::Option<#t>)
            }
            Ty::Boxed(t) => {
                let t = self.ty(t, from);
                quote!(::std::boxed::Box<#t>)
            }
            Ty::Tuple(items) => {
                let items = items.iter().map(|t| self.ty(t, from));
                quote!((#(#items,)*))
            }
        }
    }

    /// Follows aliases to the shape a value really has.
    pub(crate) fn resolve<'t>(&'t self, ty: &'t Ty) -> &'t Ty {
        let mut current = ty;
        for _ in 0..64 {
            match current {
                Ty::Named(id) => match &self.api.types[id.0].kind {
                    TypeKind::Alias(inner) => current = inner,
                    _ => return current,
                },
                _ => return current,
            }
        }
        current
    }

    /// Whether a value of this type is sent as one query or header value.
    pub(crate) fn is_scalar(&self, ty: &Ty) -> bool {
        match self.resolve(ty) {
            Ty::Named(id) => matches!(self.api.types[id.0].kind, TypeKind::Enum { .. }),
            Ty::Nullable(inner) => self.is_scalar(inner),
            t => t.is_scalar_param(),
        }
    }

    pub(crate) fn feature_attr(&self, feature: &Option<String>) -> TokenStream {
        self.features_attr(feature.as_slice())
    }

    /// `#[cfg(any(feature = …))]` for an item any of whose features enables it.
    pub(crate) fn features_attr(&self, features: &[String]) -> TokenStream {
        match features {
            [] => quote!(),
            [f] => quote!(#[cfg(feature = #f)]),
            fs => quote!(#[cfg(any(#(feature = #fs),*))]),
        }
    }
}

/// An identifier token, raw where the name says so.
pub(crate) fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => format_ident!("{}", name),
    }
}

/// `#[doc = "…"]` attributes, one per line.
/// The match pattern of a response's statuses: `404`, `400..=499`, or `_` for `default`.
pub(crate) fn status_pattern(status: crate::ir::Status) -> TokenStream {
    use proc_macro2::Literal;
    match status {
        crate::ir::Status::Code(c) => {
            let c = Literal::u16_unsuffixed(c);
            quote!(#c)
        }
        crate::ir::Status::Range(d) => {
            let (lo, hi) = (Literal::u16_unsuffixed(d * 100), Literal::u16_unsuffixed(d * 100 + 99));
            quote!(#lo..=#hi)
        }
        crate::ir::Status::Default => quote!(_),
    }
}

impl Emitter<'_> {
    /// The runtime's `FormEncoding` of one form-body property.
    pub(crate) fn form_encoding_tokens(&self, e: &crate::ir::PartEncoding) -> TokenStream {
        let rt = &self.rt;
        let (name, explode, reserved) = (&e.name, e.explode, e.allow_reserved);
        let style = quote::format_ident!("{}", e.style.variant());
        let ct = match &e.content_type {
            Some(ct) => quote!(::std::option::Option::Some(#ct)),
            None => quote!(::std::option::Option::None),
        };
        quote!(#rt::style::FormEncoding { name: #name, style: #rt::Style::#style, explode: #explode, allow_reserved: #reserved, content_type: #ct })
    }

    /// The runtime's `ShapeKind` that reads a value of this shape back (a value whose shape
    /// shows only at run time is read as one primitive: its JSON text).
    pub(crate) fn shape_kind_tokens(&self, shape: crate::ir::ValueShape) -> TokenStream {
        let rt = &self.rt;
        match shape {
            crate::ir::ValueShape::Array => quote!(#rt::style::ShapeKind::Array),
            crate::ir::ValueShape::Object => quote!(#rt::style::ShapeKind::Object),
            crate::ir::ValueShape::Primitive | crate::ir::ValueShape::Dynamic => {
                quote!(#rt::style::ShapeKind::Primitive)
            }
        }
    }
}

pub(crate) fn doc_attrs(lines: &[String]) -> TokenStream {
    let attrs = lines.iter().map(|l| {
        let l = if l.is_empty() { String::new() } else { format!(" {l}") };
        quote!(#[doc = #l])
    });
    quote!(#(#attrs)*)
}

pub(crate) use cli::{cli_client_item, cli_table_item};
pub(crate) use client::{client_item, operation_item};
pub(crate) use dispatch::{dispatch_call_item, dispatch_operations_item, dispatch_stream_item};
pub(crate) use mock::{mock_operation_item, mock_server_item};
pub(crate) use types::type_item;
pub(crate) use wait::wait_item;
pub(crate) use webhooks::webhooks_item;
