//! `types.rs`: one item per named type.

use proc_macro2::TokenStream;
use quote::quote;

use super::{doc_attrs, ident, Emitter, From};
use crate::ir::{Builder, Field, Ty, TypeDef, TypeKind, Union};

/// The item for one named type (its XML impls included), keyed by the type name.
pub(crate) fn type_item(e: &Emitter<'_>, i: usize) -> (String, TokenStream) {
    let t = &e.api.types[i];
    let mut item = e.type_def(t);
    if e.xml_types.contains(&i) {
        let xml = e.xml_impls(i, t);
        item = quote!(#item #xml);
    }
    (t.name.clone(), item)
}

impl Emitter<'_> {
    fn type_def(&self, t: &TypeDef) -> TokenStream {
        // What the spec documents, and no placeholder where it says nothing: there the item
        // allows `missing_docs`, and says so.
        let undocumented = t.doc.is_empty()
            || match &t.kind {
                TypeKind::Struct(fields) => fields.iter().any(|f| f.doc.is_empty()),
                TypeKind::Form(parts) => parts.iter().any(|p| p.field.doc.is_empty()),
                TypeKind::Enum { variants, .. } => variants.iter().any(|v| v.doc.is_empty()),
                _ => false,
            };
        let allow = if undocumented { quote!(#[allow(missing_docs)]) } else { quote!() };
        let doc = doc_attrs(&t.doc);
        // The user's own derives (`Options::derives`), on the types that hold data, except
        // those the type derives already (a second `Hash` would conflict).
        let own: &[&str] = match t.kind {
            TypeKind::Enum { .. } => &["Clone", "Debug", "PartialEq", "Eq", "Hash", "PartialOrd", "Ord"],
            TypeKind::Struct(_) | TypeKind::Union(_) | TypeKind::Newtype(_) => {
                &["Clone", "Debug", "PartialEq", "Default", "Serialize", "Deserialize"]
            }
            _ => &[],
        };
        let extra: Vec<TokenStream> = self
            .api
            .derives
            .iter()
            .filter(|d| !own.is_empty() && !own.contains(&d.rsplit("::").next().unwrap_or(d).trim()))
            .map(|d| d.parse::<TokenStream>().unwrap_or_default())
            .collect();
        let extra = if extra.is_empty() { quote!() } else { quote!(#[derive(#(#extra),*)]) };
        let doc = quote!(#doc #allow #extra);
        let name = ident(&t.name);
        let cfg = self.features_attr(&t.features);
        let rt = &self.rt;
        match &t.kind {
            TypeKind::Struct(fields) => self.struct_def(&name, &doc, &cfg, fields, t.serde, t.builder.as_ref()),
            TypeKind::Enum { variants, catch_all } => {
                let vnames: Vec<_> = variants.iter().map(|v| ident(&v.name)).collect();
                let vdocs = variants.iter().map(|v| doc_attrs(&v.doc));
                let wires: Vec<_> = variants.iter().map(|v| &v.wire).collect();
                let catch = ident(catch_all);
                // Another spelling of a value (`monday` for `Monday` before 1.3-rev1) is read
                // as the value, and written for the revisions that use it.
                let alias_arms = variants.iter().flat_map(|v| {
                    let vn = ident(&v.name);
                    v.spellings
                        .iter()
                        .filter(|(sp, _)| !variants.iter().any(|o| &o.wire == sp))
                        .map(move |(sp, _)| quote!(#sp => Self::#vn,))
                });
                let spelled = variants.iter().any(|v| !v.spellings.is_empty() || v.available.is_some());
                let ser_arms = variants.iter().map(|v| {
                    let (vn, wire) = (ident(&v.name), &v.wire);
                    let text = if v.spellings.is_empty() {
                        quote!(#wire)
                    } else {
                        let spellings = v.spellings.iter().map(|(sp, a)| {
                            let a = self.available_tokens(a);
                            quote!((#a, #sp))
                        });
                        quote!(#rt::ser::spelled(#wire, &[#(#spellings),*]))
                    };
                    match &v.available {
                        // A value only some revisions have is refused in a body for another.
                        Some(a) => {
                            let a = self.available_tokens(a);
                            quote!(Self::#vn => #rt::ser::value_in_revision(#wire, #text, #a, serializer),)
                        }
                        None => quote!(Self::#vn => serializer.serialize_str(#text),),
                    }
                });
                let param_arms = variants.iter().filter(|v| !v.spellings.is_empty()).map(|v| {
                    let (vn, wire) = (ident(&v.name), &v.wire);
                    let spellings = v.spellings.iter().map(|(sp, a)| {
                        let a = self.available_tokens(a);
                        quote!((#a, #sp))
                    });
                    quote!(Self::#vn => ::std::borrow::Cow::Borrowed(#rt::ser::spelled_param(#wire, &[#(#spellings),*])),)
                });
                let param_body = if variants.iter().any(|v| !v.spellings.is_empty()) {
                    quote!(match self { #(#param_arms)* other => ::std::borrow::Cow::Borrowed(other.as_str()), })
                } else {
                    quote!(::std::borrow::Cow::Borrowed(self.as_str()))
                };
                let ser_body = if spelled {
                    quote!(match self { #(#ser_arms)* Self::#catch(value) => serializer.serialize_str(value), })
                } else {
                    quote!(serializer.serialize_str(self.as_str()))
                };
                quote! {
                    #doc
                    #cfg
                    #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
                    pub enum #name {
                        #( #vdocs #vnames, )*
                        /// A value this client does not know yet; kept as the server sent it.
                        #catch(::std::string::String),
                    }
                    #cfg
                    impl #name {
                        /// The value as it goes over the wire.
                        pub fn as_str(&self) -> &str {
                            match self {
                                #( Self::#vnames => #wires, )*
                                Self::#catch(value) => value.as_str(),
                            }
                        }
                    }
                    #cfg
                    impl ::std::convert::From<&str> for #name {
                        fn from(value: &str) -> Self {
                            match value {
                                #( #wires => Self::#vnames, )*
                                #(#alias_arms)*
                                other => Self::#catch(::std::string::ToString::to_string(other)),
                            }
                        }
                    }
                    #cfg
                    impl ::std::str::FromStr for #name {
                        type Err = ::std::convert::Infallible;
                        fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                            ::std::result::Result::Ok(::std::convert::From::from(value))
                        }
                    }
                    #cfg
                    impl ::std::fmt::Display for #name {
                        fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                            f.write_str(self.as_str())
                        }
                    }
                    #cfg
                    impl ::serde::Serialize for #name {
                        fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                            #ser_body
                        }
                    }
                    #cfg
                    impl<'de> ::serde::Deserialize<'de> for #name {
                        fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                            #rt::de::string(deserializer).map(|value| ::std::convert::From::from(value.as_str()))
                        }
                    }
                    #cfg
                    impl #rt::ParamValue for #name {
                        fn param_value(&self) -> ::std::borrow::Cow<'_, str> {
                            #param_body
                        }
                    }
                }
            }
            TypeKind::Union(u) => self.union_def(&name, &doc, &cfg, u),
            TypeKind::Responses(variants) => {
                let vs = variants.iter().map(|(v, status, ty)| {
                    let v = ident(v);
                    let key = status.key();
                    let rename = quote!(#[cfg_attr(feature = "dispatch", serde(rename = #key))]);
                    let vdoc = match status {
                        crate::ir::Status::Code(s) => format!(" Status {s}."),
                        crate::ir::Status::Range(d) => format!(" Any status from {d}00 to {d}99 (`{d}XX`)."),
                        crate::ir::Status::Default => " Any other status the spec documents as `default`.".to_owned(),
                    };
                    match ty {
                        Some(ty) => {
                            let ty = self.ty(ty, From::Types);
                            quote!(#[doc = #vdoc] #rename #v(#ty))
                        }
                        None => quote!(#[doc = #vdoc] #rename #v),
                    }
                });
                // For `dispatch`: `{"status": "201", "body": …}`, the status as the spec's
                // response key (a range or `default` is all a variant knows of its status).
                let dispatch = if t.kind.uses().iter().any(|t| t.holds_bytes()) {
                    quote!()
                } else {
                    quote!(#[cfg_attr(feature = "dispatch", derive(::serde::Serialize), serde(tag = "status", content = "body"))])
                };
                quote! {
                    #doc
                    #cfg
                    #[derive(Clone, Debug, PartialEq)]
                    #dispatch
                    pub enum #name { #(#vs,)* }
                }
            }
            TypeKind::ErrorBodies(variants) => {
                let vs = variants.iter().map(|(v, status, ty)| {
                    let v = ident(v);
                    let vdoc = match status {
                        crate::ir::Status::Code(s) => format!(" The body of a {s} answer."),
                        crate::ir::Status::Range(d) => format!(" The body of any other {d}xx answer (`{d}XX`)."),
                        crate::ir::Status::Default => " The body of any other answer (`default`).".to_owned(),
                    };
                    let ty = self.ty(ty, From::Types);
                    quote!(#[doc = #vdoc] #v(#ty))
                });
                // Serialized as the body itself: the status picked the variant when decoding.
                quote! {
                    #doc
                    #cfg
                    #[derive(Clone, Debug, PartialEq, ::serde::Serialize)]
                    #[serde(untagged)]
                    pub enum #name { #(#vs,)* }
                }
            }
            TypeKind::Alias(ty) => {
                let ty = self.ty(ty, From::Types);
                quote! { #doc #cfg pub type #name = #ty; }
            }
            TypeKind::Newtype(ty) => {
                let ty = self.ty(ty, From::Types);
                quote! {
                    #doc
                    #cfg
                    #[derive(Clone, Debug, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
                    #[serde(transparent)]
                    pub struct #name(pub #ty);
                }
            }
            TypeKind::Form(parts) => self.form_def(&name, &doc, &cfg, parts, t.builder.as_ref()),
            TypeKind::Output { body, headers } => {
                let rt = &self.rt;
                let body = body.as_ref().map(|t| {
                    let t = self.ty(t, From::Types);
                    quote! {
                        /// The body.
                        pub body: #t,
                    }
                });
                let fields = headers.iter().map(|h| {
                    let n = ident(&h.name);
                    let d = if h.doc.is_empty() {
                        doc_attrs(&[format!("The `{}` header.", h.wire)])
                    } else {
                        doc_attrs(&h.doc)
                    };
                    let t = if h.secret { quote!(#rt::Secret) } else { self.ty(&h.ty, From::Types) };
                    let t = if h.required { t } else { quote!(::std::option::Option<#t>) };
                    quote!(#d pub #n: #t,)
                });
                let dispatch = if t.kind.uses().iter().any(|t| t.holds_bytes()) {
                    quote!()
                } else {
                    quote!(#[cfg_attr(feature = "dispatch", derive(::serde::Serialize))])
                };
                quote! {
                    #doc
                    #cfg
                    #[derive(Clone, Debug, PartialEq)]
                    #dispatch
                    pub struct #name {
                        /// The HTTP status.
                        pub status: u16,
                        #body
                        #(#fields)*
                    }
                }
            }
            TypeKind::Pending => quote!(),
        }
    }

    fn struct_def(
        &self,
        name: &proc_macro2::Ident,
        doc: &TokenStream,
        cfg: &TokenStream,
        fields: &[Field],
        serde: bool,
        builder: Option<&Builder>,
    ) -> TokenStream {
        let slots: Vec<Slot> = fields
            .iter()
            .map(|f| {
                let (ty, optional) = match (&f.ty, f.required) {
                    (Ty::Nullable(t), _) => (t.as_ref(), true),
                    (t, required) => (t, !required),
                };
                Slot {
                    field: ident(&f.name),
                    value: self.ty(ty, From::Types),
                    empty: optional.then(|| quote!(::std::option::Option::None)),
                    some: optional,
                }
            })
            .collect();
        let builder = builder.map(|b| builder_impl(name, cfg, b, &slots));
        let non_exhaustive = if builder.is_some() { quote!(#[non_exhaustive]) } else { quote!() };
        let all_optional = fields.iter().all(|f| !f.required || matches!(f.ty, Ty::Nullable(_)));
        let default = if all_optional { quote!(Default,) } else { quote!() };
        let fs = fields.iter().map(|f| {
            let fname = ident(&f.name);
            let fdoc = doc_attrs(&f.doc);
            let wire = &f.wire;
            let rename = if crate::naming::unraw(&f.name) != wire { quote!(rename = #wire,) } else { quote!() };
            // A list some revisions write as one value: read either way, written per revision.
            let one = f.single.as_ref().map(|_| {
                let rt = self.rt.to_string().replace(' ', "");
                let read =
                    if f.required && !matches!(f.ty, Ty::Nullable(_)) { "one_or_many" } else { "one_or_many_opt" };
                let (write, read) = (one_value(name, &f.name).to_string(), format!("{rt}::de::{read}"));
                quote!(serialize_with = #write, deserialize_with = #read)
            });
            let one = one.unwrap_or_default();
            if f.required {
                let ty = self.ty(&f.ty, From::Types);
                let attr = if rename.is_empty() && one.is_empty() { quote!() } else { quote!(#[serde(#rename #one)]) };
                quote! { #fdoc #attr pub #fname: #ty }
            } else {
                let inner = match &f.ty {
                    Ty::Nullable(t) => t.as_ref(),
                    t => t,
                };
                let ty = self.ty(inner, From::Types);
                // A read-only property is left out of request bodies (see `ser::as_request`),
                // whatever the revision. A property only some revisions have is left out of a
                // request body written for another, and refused if set (see `revision_skips`).
                let more = if one.is_empty() { quote!() } else { quote!(, #one) };
                let skip = if f.read_only {
                    let rt = &self.rt;
                    let path = format!("{}::ser::skip_read_only", rt.to_string().replace(' ', ""));
                    quote!(#path)
                } else if f.available.is_some() || f.required_in.is_some() {
                    let skip = revision_skip(name, &f.name).to_string();
                    quote!(#skip)
                } else {
                    quote!("::std::option::Option::is_none")
                };
                quote! {
                    #fdoc
                    #[serde(#rename default, skip_serializing_if = #skip #more)]
                    pub #fname: ::std::option::Option<#ty>
                }
            }
        });
        if !serde {
            // Read field by field by the client: no serde attributes either, but for
            // `dispatch`, which reads it from JSON by the parameters' wire names.
            let fs = fields.iter().map(|f| {
                let (fname, fdoc) = (ident(&f.name), doc_attrs(&f.doc));
                let wire = &f.wire;
                let rename = if crate::naming::unraw(&f.name) != wire {
                    quote!(#[cfg_attr(feature = "dispatch", serde(rename = #wire))])
                } else {
                    quote!()
                };
                let ty = match (&f.ty, f.required) {
                    (ty, true) => self.ty(ty, From::Types),
                    (ty, false) => {
                        let t = self.ty(if let Ty::Nullable(t) = ty { t } else { ty }, From::Types);
                        quote!(::std::option::Option<#t>)
                    }
                };
                quote! { #fdoc #rename pub #fname: #ty }
            });
            let dispatch = if all_optional {
                quote!(#[cfg_attr(feature = "dispatch", derive(::serde::Deserialize), serde(default, deny_unknown_fields))])
            } else {
                quote!(#[cfg_attr(feature = "dispatch", derive(::serde::Deserialize), serde(deny_unknown_fields))])
            };
            return quote! {
                #doc
                #cfg
                #[derive(Clone, Debug, #default PartialEq)]
                #dispatch
                #non_exhaustive
                pub struct #name { #(#fs,)* }
                #builder
            };
        }
        let skips = self.revision_skips(name, cfg, fields);
        let ones = self.one_values(name, cfg, fields);
        quote! {
            #doc
            #cfg
            #[derive(Clone, Debug, #default PartialEq, ::serde::Serialize, ::serde::Deserialize)]
            #non_exhaustive
            pub struct #name { #(#fs,)* }
            #builder
            #skips
            #ones
        }
    }

    /// One `serialize_with` function per list property some API revisions write as one
    /// value (`x-single-value-revisions`): see `ser::one_in_revision`.
    fn one_values(&self, name: &proc_macro2::Ident, cfg: &TokenStream, fields: &[Field]) -> TokenStream {
        let rt = &self.rt;
        let ones = fields.iter().filter_map(|f| {
            let single = self.available_tokens(f.single.as_ref()?);
            let wire = &f.wire;
            let function = one_value(name, &f.name);
            let (ty, items) = match &f.ty {
                Ty::Nullable(t) => (self.ty(t, From::Types), quote!(value.as_deref())),
                t if f.required => (self.ty(t, From::Types), quote!(::std::option::Option::Some(value.as_slice()))),
                t => (self.ty(t, From::Types), quote!(value.as_deref())),
            };
            let ty = if f.required && !matches!(f.ty, Ty::Nullable(_)) {
                ty
            } else {
                quote!(::std::option::Option<#ty>)
            };
            Some(quote! {
                #cfg
                #[allow(non_snake_case)]
                fn #function<S: ::serde::Serializer>(value: &#ty, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                    #rt::ser::one_in_revision(#items, #wire, #single, serializer)
                }
            })
        });
        quote!(#(#ones)*)
    }

    /// One `skip_serializing_if` function per property only some API revisions have (read-only
    /// ones aside, never in a request body anyway): it leaves the property out of a request body
    /// written for another revision, and has the request refused if the property was set; and
    /// per property some revisions require though Rust cannot: a request body written for one
    /// of them without it is refused. A
    /// skip function, not a `serialize_with` one: serde derives a wrapper type and a generic
    /// `Serialize` impl for each of those, which was most of what revisions cost a build.
    fn revision_skips(&self, name: &proc_macro2::Ident, cfg: &TokenStream, fields: &[Field]) -> TokenStream {
        let rt = &self.rt;
        let skips = fields.iter().filter(|f| !f.required && !f.read_only).filter_map(|f| {
            let wire_of = &f.wire;
            let check = match (&f.available, &f.required_in) {
                (Some(available), None) => {
                    let available = self.available_tokens(available);
                    quote!(skip_in_revision(value.is_some(), #wire_of, #available))
                }
                (available, Some(required)) => {
                    let every = crate::ir::Available(vec![(0, None)]);
                    let available = self.available_tokens(available.as_ref().unwrap_or(&every));
                    let required = self.available_tokens(required);
                    quote!(skip_or_require(value.is_some(), #wire_of, #available, #required))
                }
                (None, None) => return None,
            };
            let skip = revision_skip(name, &f.name);
            let inner = match &f.ty {
                Ty::Nullable(t) => t.as_ref(),
                t => t,
            };
            let ty = self.ty(inner, From::Types);
            Some(quote! {
                #cfg
                #[allow(non_snake_case)]
                fn #skip(value: &::std::option::Option<#ty>) -> bool {
                    #rt::ser::#check
                }
            })
        });
        quote!(#(#skips)*)
    }

    /// A multipart body: owned, since file parts may be streams (no serde, no `Clone`).
    fn form_def(
        &self,
        name: &proc_macro2::Ident,
        doc: &TokenStream,
        cfg: &TokenStream,
        parts: &[crate::ir::FormPart],
        builder: Option<&Builder>,
    ) -> TokenStream {
        let rt = &self.rt;
        let mut slots = Vec::with_capacity(parts.len());
        let fs = parts.iter().map(|p| {
            let f = &p.field;
            let fname = ident(&f.name);
            let fdoc = doc_attrs(&f.doc);
            let one = if p.file {
                quote!(#rt::FilePart)
            } else {
                let inner = match (&f.ty, p.repeated) {
                    (Ty::Vec(item), true) => item.as_ref(),
                    (Ty::Nullable(t), _) => t.as_ref(),
                    (t, _) => t,
                };
                self.ty(inner, From::Types)
            };
            let (ty, slot) = match (p.repeated, f.required) {
                (true, _) => {
                    let ty = quote!(::std::vec::Vec<#one>);
                    (
                        ty.clone(),
                        Slot {
                            field: fname.clone(),
                            value: ty,
                            empty: Some(quote!(::std::vec::Vec::new())),
                            some: false,
                        },
                    )
                }
                (false, true) => (one.clone(), Slot { field: fname.clone(), value: one, empty: None, some: false }),
                (false, false) => (
                    quote!(::std::option::Option<#one>),
                    Slot {
                        field: fname.clone(),
                        value: one,
                        empty: Some(quote!(::std::option::Option::None)),
                        some: true,
                    },
                ),
            };
            slots.push(slot);
            quote! { #fdoc pub #fname: #ty }
        });
        let fs: Vec<TokenStream> = fs.collect();
        let all_optional = parts.iter().all(|p| p.repeated || !p.field.required);
        let default = if all_optional { quote!(#[derive(Default)]) } else { quote!() };
        let builder = builder.map(|b| builder_impl(name, cfg, b, &slots));
        let non_exhaustive = if builder.is_some() { quote!(#[non_exhaustive]) } else { quote!() };
        quote! {
            #doc
            #cfg
            #[derive(Debug)]
            #default
            #non_exhaustive
            pub struct #name { #(#fs,)* }
            #builder
        }
    }

    fn union_def(&self, name: &proc_macro2::Ident, doc: &TokenStream, cfg: &TokenStream, u: &Union) -> TokenStream {
        let rt = &self.rt;
        let catch = ident(&u.catch_all);
        let vnames: Vec<_> = u.variants.iter().map(|v| ident(&v.name)).collect();
        let vtys: Vec<_> = u.variants.iter().map(|v| self.ty(&v.ty, From::Types)).collect();
        let vdocs = u.variants.iter().map(|v| {
            let mut d = if v.tags.is_empty() {
                format!(" `{}`.", self.ty(&v.ty, From::Types).to_string().replace(' ', ""))
            } else {
                format!(" Selected by `{}`.", v.tags.join("`, `"))
            };
            if let (Some(available), Some(revisions), None) = (&v.available, &self.api.revisions, &u.tag) {
                d.push_str(&format!(
                    " API revisions: {}; a request that holds it for another is refused before it is sent.",
                    available.describe(&revisions.names)
                ));
            }
            quote!(#[doc = #d])
        });
        let Some(tag) = &u.tag else {
            // No discriminator: try each alternative in order; anything else is kept as JSON.
            // An alternative only some API revisions have (a property's shape in those) is
            // refused in a request body written for another, naming it.
            let (attrs, checks): (Vec<TokenStream>, Vec<TokenStream>) = u
                .variants
                .iter()
                .zip(&vnames)
                .zip(&vtys)
                .map(|((v, vn), vty)| {
                    let Some(available) = &v.available else { return (quote!(), quote!()) };
                    let available = self.available_tokens(available);
                    let function = quote::format_ident!("__{}_{}_in_revision", name, vn);
                    let path = function.to_string();
                    let named = format!("{name}::{vn}");
                    let check = quote! {
                        #cfg
                        #[allow(non_snake_case)]
                        fn #function<S: ::serde::Serializer>(value: &#vty, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                            #rt::ser::in_revision(value, #named, #available, serializer)
                        }
                    };
                    (quote!(#[serde(serialize_with = #path)]), check)
                })
                .unzip();
            // Read: the first alternative that decodes and keeps every property the value has;
            // else the first that decodes (an alternative whose properties are all optional
            // decodes from any object, and would swallow a later one's).
            return quote! {
                #doc
                #cfg
                #[derive(Clone, Debug, PartialEq, ::serde::Serialize)]
                #[serde(untagged)]
                pub enum #name {
                    #( #vdocs #attrs #vnames(#vtys), )*
                    /// A value that matches none of the alternatives; kept as the server sent it.
                    #catch(#rt::UnknownValue),
                }
                #cfg
                impl<'de> ::serde::Deserialize<'de> for #name {
                    fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                        let value = <::serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)?;
                        let mut first: ::std::option::Option<Self> = ::std::option::Option::None;
                        #(
                            if let ::std::result::Result::Ok(v) = <#vtys as ::serde::Deserialize>::deserialize(&value) {
                                let candidate = Self::#vnames(v);
                                if #rt::de::keeps_every_property(&value, &candidate) {
                                    return ::std::result::Result::Ok(candidate);
                                }
                                if first.is_none() {
                                    first = ::std::option::Option::Some(candidate);
                                }
                            }
                        )*
                        ::std::result::Result::Ok(first.unwrap_or(Self::#catch(#rt::UnknownValue(value))))
                    }
                }
                #(#checks)*
            };
        };
        // Serializing writes a tag value of the variant over whatever the payload's tag field
        // says, so `Standard(StandardCredentialsSpec { type: Linux, .. })` cannot send a body
        // whose tag contradicts its variant; a payload's own value that selects the variant
        // too (one of several) is kept.
        // A variant only some API revisions have is refused in a request body written for
        // another, naming its tag value.
        let ser_arms = u.variants.iter().zip(&vnames).map(|(v, vn)| {
            let tags = &v.tags;
            match &v.available {
                _ if tags.is_empty() => quote!( Self::#vn(value) => ::serde::Serialize::serialize(value, serializer), ),
                Some(available) => {
                    let available = self.available_tokens(available);
                    quote!( Self::#vn(value) => #rt::ser::tagged_in_revision(value, #tag, &[#(#tags),*], #available, serializer), )
                }
                None => quote!( Self::#vn(value) => #rt::ser::tagged_by(value, #tag, &[#(#tags),*], serializer), ),
            }
        });
        let arms = u.variants.iter().zip(&vnames).map(|(v, vn)| {
            let tags = &v.tags;
            quote!( ::std::option::Option::Some(#(#tags)|*) => #rt::de::from_value(value).map(Self::#vn), )
        });
        let expect_object = format!("expected an object with a `{tag}` field");
        let catch_doc = format!(" A `{tag}` value this client does not know yet; kept as the server sent it.");
        quote! {
            #doc
            #cfg
            #[derive(Clone, Debug, PartialEq)]
            pub enum #name {
                #( #vdocs #vnames(#vtys), )*
                #[doc = #catch_doc]
                #catch(#rt::UnknownValue),
            }
            #cfg
            impl ::serde::Serialize for #name {
                fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                    match self {
                        #(#ser_arms)*
                        Self::#catch(value) => ::serde::Serialize::serialize(value, serializer),
                    }
                }
            }
            #cfg
            impl<'de> ::serde::Deserialize<'de> for #name {
                fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                    let value = <::serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)?;
                    if !value.is_object() {
                        return ::std::result::Result::Err(<D::Error as ::serde::de::Error>::custom(#expect_object));
                    }
                    match value.get(#tag).and_then(::serde_json::Value::as_str) {
                        #(#arms)*
                        _ => ::std::result::Result::Ok(Self::#catch(#rt::UnknownValue(value))),
                    }
                }
            }
        }
    }
}

/// How one field is built: the value its setter takes, and what it holds before any is set.
struct Slot {
    field: proc_macro2::Ident,
    /// The setter's value type (for an optional field, the type inside the `Option`).
    value: TokenStream,
    /// The field's value when `new` does not take it: `None` or empty; `None` here for a field
    /// `new` takes.
    empty: Option<TokenStream>,
    /// The setter stores `Some(value)`.
    some: bool,
}

/// `new` and the setters of a `#[non_exhaustive]` struct. They take `impl Into<T>` (but for
/// the scalars [`Builder::into`] names): generic, so a downstream build generates code only
/// for the ones it calls. `Into::into(value)`, not `value.into()`: a path is resolved directly,
/// where a method call is probed, and a downstream `cargo check` pays for every body.
fn builder_impl(name: &proc_macro2::Ident, cfg: &TokenStream, b: &Builder, slots: &[Slot]) -> TokenStream {
    let new = ident(&b.new);
    // A parameter's type, and the value it gives, for field `i` (see `Builder::into`).
    let param = |i: usize, name: TokenStream| {
        let ty = &slots[i].value;
        match b.into[i] {
            true => (quote!(impl ::std::convert::Into<#ty>), quote!(::std::convert::Into::into(#name))),
            false => (quote!(#ty), name),
        }
    };
    let args = b.args.iter().map(|&i| {
        let field = &slots[i].field;
        let (ty, _) = param(i, quote!());
        quote!(#field: #ty)
    });
    let inits = slots.iter().enumerate().map(|(i, s)| {
        let field = &s.field;
        match (&s.empty, b.args.contains(&i)) {
            (Some(empty), false) => quote!(#field: #empty),
            // A field given as it is: the shorthand, as clippy wants it.
            _ if !b.into[i] => quote!(#field),
            _ => {
                let (_, value) = param(i, quote!(#field));
                quote!(#field: #value)
            }
        }
    });
    let setters =
        slots.iter().zip(&b.setters).enumerate().filter_map(|(i, (s, setter))| Some((i, s, setter.as_ref()?))).map(
            |(i, s, setter)| {
                let (field, setter) = (&s.field, ident(setter));
                let doc = format!(" Sets `{}`.", crate::naming::unraw(&field.to_string()));
                let (ty, value) = param(i, quote!(value));
                let value = if s.some { quote!(::std::option::Option::Some(#value)) } else { value };
                quote! {
                    #[doc = #doc]
                    pub fn #setter(mut self, value: #ty) -> Self {
                        self.#field = #value;
                        self
                    }
                }
            },
        );
    // With nothing to take, every field is optional and the struct derives `Default`.
    let body =
        if b.args.is_empty() { quote!(::std::default::Default::default()) } else { quote!(Self { #(#inits,)* }) };
    let new_doc = if b.args.is_empty() {
        " A value with every field unset."
    } else {
        " A value with the fields it cannot do without; every other field is unset."
    };
    // One argument per required field: a wide schema has many, as its spec says.
    let allow = if b.args.len() > 7 { quote!(#[allow(clippy::too_many_arguments)]) } else { quote!() };
    quote! {
        #cfg
        impl #name {
            #[doc = #new_doc]
            #allow
            pub fn #new(#(#args),*) -> Self {
                #body
            }
            #(#setters)*
        }
    }
}

/// The `skip_serializing_if` function of a property only some revisions have.
fn one_value(ty: &proc_macro2::Ident, field: &str) -> proc_macro2::Ident {
    quote::format_ident!("__{}_{}_one_in_revision", ty, crate::naming::unraw(field))
}

fn revision_skip(ty: &proc_macro2::Ident, field: &str) -> proc_macro2::Ident {
    quote::format_ident!("__{}_{}_in_revision", ty, crate::naming::unraw(field))
}
