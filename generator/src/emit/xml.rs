//! XML impls, generated only for types that travel as XML. Names, namespace, attributes and
//! wrapping come from the OpenAPI `xml` objects; element order is the property order.

use proc_macro2::TokenStream;
use quote::quote;

use super::{ident, Emitter};
use crate::ir::{Ty, TypeDef, TypeKind};

impl Emitter<'_> {
    pub(crate) fn xml_impls(&self, _id: usize, t: &TypeDef) -> TokenStream {
        let rt = &self.rt;
        let name = ident(&t.name);
        let cfg = self.features_attr(&t.features);
        match &t.kind {
            TypeKind::Enum { .. } => quote! {
                #cfg
                impl #rt::xml::XmlText for #name {
                    fn to_xml_text(&self) -> ::std::borrow::Cow<'_, str> {
                        ::std::borrow::Cow::Borrowed(self.as_str())
                    }
                    fn from_xml_text(text: &str) -> ::std::result::Result<Self, ::std::string::String> {
                        ::std::result::Result::Ok(::std::convert::From::from(text))
                    }
                }
            },
            TypeKind::Struct(fields) => {
                let xml = t.xml.clone().unwrap_or_default();
                let root = xml.name.clone().unwrap_or_else(|| t.name.clone());
                let ns = option_tokens(xml.namespace.clone());
                let mut attrs = Vec::new();
                let mut elems = Vec::new();
                let mut reads = Vec::new();
                for f in fields {
                    let fname = ident(&f.name);
                    let fx = f.xml.clone().unwrap_or_default();
                    let xname = fx.name.clone().unwrap_or_else(|| f.wire.clone());
                    let optional = !f.required || matches!(f.ty, Ty::Nullable(_));
                    let inner = match &f.ty {
                        Ty::Nullable(t) => t.as_ref(),
                        t => t,
                    };
                    // A read-only property is never written into a request body.
                    let access = match (optional, f.read_only) {
                        (true, true) => quote!(self.#fname.as_ref().filter(|_| !#rt::ser::writing_request())),
                        (true, false) => quote!(self.#fname.as_ref()),
                        (false, _) => quote!(::std::option::Option::Some(&self.#fname)),
                    };
                    if fx.attribute {
                        attrs.push(quote!(if let ::std::option::Option::Some(value) = #access { writer.attribute(#xname, &#rt::xml::XmlText::to_xml_text(value)); }));
                        reads.push(if optional {
                            quote!(#fname: #rt::xml::optional_attribute(element, #xname)?)
                        } else {
                            quote!(#fname: #rt::xml::required_attribute(element, #xname)?)
                        });
                        continue;
                    }
                    if !self.xml_capable(inner) {
                        // Reported as a warning when the spec was lowered.
                        reads.push(if optional {
                            quote!(#fname: ::std::option::Option::None)
                        } else {
                            quote!(#fname: return ::std::result::Result::Err(#rt::xml::XmlError::unsupported(#xname)))
                        });
                        continue;
                    }
                    match self.resolve(inner) {
                        Ty::Vec(item) => {
                            // Lowering decided the item element's name (see `decide_names`).
                            let item_name = fx.item_name.clone().unwrap_or_else(|| f.wire.clone());
                            let item_ns = option_tokens(self.type_namespace(item));
                            let (write, read) = if fx.wrapped {
                                // `wrapped: true`: the property names the wrapper, the item
                                // schema names each item.
                                let wrapper_ns = option_tokens(fx.namespace.clone());
                                (
                                    quote!(if let ::std::option::Option::Some(items) = #access { writer.wrapped_list(#xname, #wrapper_ns, #item_name, #item_ns, items); }),
                                    quote!(#rt::xml::wrapped_list(element, #xname, #item_name)?),
                                )
                            } else {
                                // An unwrapped array repeats the item element in place.
                                (
                                    quote!(if let ::std::option::Option::Some(items) = #access { for item in items.iter() { #rt::xml::XmlElement::write_element(item, writer, #item_name, #item_ns); } }),
                                    quote!(::std::option::Option::Some(#rt::xml::list(element, #item_name)?)),
                                )
                            };
                            elems.push(write);
                            // A required wrapped array needs its wrapper (`<animals/>` is the
                            // empty one); an unwrapped one has no element to miss.
                            reads.push(match (optional, fx.wrapped) {
                                (true, _) => quote!(#fname: #read),
                                (false, true) => {
                                    quote!(#fname: #read.ok_or_else(|| #rt::xml::XmlError::missing(#xname))?)
                                }
                                (false, false) => quote!(#fname: #read.unwrap_or_default()),
                            });
                        }
                        _ => {
                            // The property's own namespace, else that of the type it refers to;
                            // the writer declares it only where it differs from the parent's.
                            let write = match (&fx.prefix, &fx.namespace) {
                                // `xml.prefix`: `prefix:name`, the prefix bound on the element.
                                (Some(prefix), Some(namespace)) => {
                                    let qualified = format!("{prefix}:{xname}");
                                    quote!(writer.declare_prefix(#prefix, #namespace); #rt::xml::XmlElement::write_element(value, writer, #qualified, ::std::option::Option::None);)
                                }
                                _ => {
                                    let ns = option_tokens(fx.namespace.clone().or_else(|| self.type_namespace(inner)));
                                    quote!(#rt::xml::XmlElement::write_element(value, writer, #xname, #ns);)
                                }
                            };
                            elems.push(quote!(if let ::std::option::Option::Some(value) = #access { #write }));
                            reads.push(if optional {
                                quote!(#fname: #rt::xml::optional_child(element, #xname)?)
                            } else {
                                quote!(#fname: #rt::xml::required_child(element, #xname)?)
                            });
                        }
                    }
                }
                quote! {
                    #cfg
                    impl #rt::xml::XmlRoot for #name {
                        const NAME: &'static str = #root;
                        const NAMESPACE: ::std::option::Option<&'static str> = #ns;
                    }
                    #cfg
                    impl #rt::xml::XmlElement for #name {
                        fn write_element(&self, writer: &mut #rt::xml::Writer, name: &str, namespace: ::std::option::Option<&str>) {
                            writer.start(name, namespace);
                            #(#attrs)*
                            writer.close_start();
                            #(#elems)*
                            writer.end(name);
                        }
                        fn read_element(element: &#rt::xml::Element) -> ::std::result::Result<Self, #rt::xml::XmlError> {
                            ::std::result::Result::Ok(Self { #(#reads,)* })
                        }
                    }
                }
            }
            TypeKind::Newtype(_) => quote! {
                #cfg
                impl #rt::xml::XmlElement for #name {
                    fn write_element(&self, writer: &mut #rt::xml::Writer, name: &str, namespace: ::std::option::Option<&str>) {
                        #rt::xml::XmlElement::write_element(&self.0, writer, name, namespace)
                    }
                    fn read_element(element: &#rt::xml::Element) -> ::std::result::Result<Self, #rt::xml::XmlError> {
                        #rt::xml::XmlElement::read_element(element).map(Self)
                    }
                }
            },
            _ => quote!(),
        }
    }

    /// Whether values of this type can be written as XML elements.
    pub(crate) fn xml_capable(&self, ty: &Ty) -> bool {
        crate::ir::xml_writable(&self.api.types, ty)
    }

    /// The namespace of a struct type's `xml` object, which its elements are written in
    /// wherever it appears.
    fn type_namespace(&self, ty: &Ty) -> Option<String> {
        match self.resolve(ty) {
            Ty::Named(id) if matches!(self.api.types[id.0].kind, TypeKind::Struct(_)) => {
                self.api.types[id.0].xml.as_ref().and_then(|x| x.namespace.clone())
            }
            _ => None,
        }
    }
}

/// `Some(value)` or `None` as tokens of a `::std::option::Option<&str>`.
fn option_tokens(value: Option<String>) -> TokenStream {
    match value {
        Some(v) => quote!(::std::option::Option::Some(#v)),
        None => quote!(::std::option::Option::None),
    }
}
