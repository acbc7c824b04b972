//! The public Rust surface a document generates: every public type, field, variant, client
//! method, argument and return type, by path, with the spec element each comes from.
//!
//! It is read from the generated code itself (parsed with `syn`), so the names and types are
//! exactly what downstream crates compile against, and each item is tied to the element of
//! the document it comes from through the lowered IR. Tools that compare two versions of a
//! document (`cargo xtask spec-diff`) diff two surfaces.

use std::collections::BTreeMap;

use quote::ToTokens;

use crate::ir::{Api, Operation, ParamIn, TypeKind};
use crate::{Diagnostics, Document, Options, Pointer};

/// What kind of public item a [`SurfaceItem`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ItemKind {
    /// A struct (named fields, or a newtype).
    Struct,
    /// A public field of a struct.
    Field,
    /// An enum.
    Enum,
    /// A variant of an enum.
    Variant,
    /// A `type` alias.
    Alias,
    /// A method of `Client`.
    Method,
    /// One argument of a client method.
    Argument,
    /// The return type of a client method.
    Returns,
}

impl ItemKind {
    /// The word a report uses for it.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Struct => "struct",
            ItemKind::Field => "field",
            ItemKind::Enum => "enum",
            ItemKind::Variant => "variant",
            ItemKind::Alias => "type alias",
            ItemKind::Method => "method",
            ItemKind::Argument => "argument",
            ItemKind::Returns => "return type",
        }
    }
}

/// One public item.
#[derive(Clone, Debug, PartialEq)]
pub struct SurfaceItem {
    /// Its kind.
    pub kind: ItemKind,
    /// What a change to the item shows, with absolute paths shortened (`Option<i64>`): a
    /// field's, argument's or alias's type, a variant's payload, a return type, or for a
    /// struct how callers build it (`#[non_exhaustive]`, `Default`, both or nothing).
    pub signature: String,
    /// The element of the document the item comes from. For a parameter, an argument or a
    /// `Params` field this is `/paths/{path}/{method}/parameters/{in}/{name}`; for a request
    /// body `…/requestBody`; for a return type `…/responses`; for an enum's variants the
    /// enum schema's pointer joined with `enum`: the same places a spec-level diff names.
    pub anchor: Pointer,
}

/// The public surface of one generated module, keyed by path inside the module:
/// `types::Name`, `types::Name::field`, `Client::method`, `Client::method(arg)`,
/// `Client::method ->`. A `BTreeMap`, so walking it is deterministic.
#[derive(Clone, Debug, Default)]
pub struct Surface {
    /// Every item.
    pub items: BTreeMap<String, SurfaceItem>,
}

/// Generates the document (as [`crate::generate`] does, same options) and reads the public
/// surface of the result.
pub fn api_surface(doc: &Document, opts: &Options) -> Result<Surface, Diagnostics> {
    let opts = Options { item_sources: false, ..opts.clone() };
    let generated = crate::generate(doc, &opts)?;
    let mut surface = Surface::default();
    let parse = |name: &str| {
        let text = generated.files.get(name).map(String::as_str).unwrap_or_default();
        syn::parse_file(text).map_err(|e| crate::format::internal_message(&doc.file, &format!("{name}: {e}")))
    };
    let anchors = Anchors::new(&generated.api);
    for item in parse("types.rs")?.items {
        surface.add_type(&item, &anchors);
        // A struct's constructor: its arguments are the fields a value cannot do without, so
        // a new one breaks every call. The setters follow the fields.
        if let syn::Item::Impl(block) = &item {
            if block.trait_.is_none() {
                surface.add_constructor(block, &anchors);
            }
        }
    }
    for item in parse("client.rs")?.items {
        // Trait impls add no item of their own; inherent impls are the client's, or a status
        // type's `wait` (`x-long-running`).
        if let syn::Item::Impl(block) = item {
            if block.trait_.is_none() {
                surface.add_methods(&block, &anchors);
            }
        }
    }
    Ok(surface)
}

/// Where the items of the lowered API come from in the document.
struct Anchors<'a> {
    api: &'a Api,
    /// Type name → index.
    types: BTreeMap<&'a str, usize>,
    /// Method name (an operation's or its stream's) → operation.
    methods: BTreeMap<&'a str, &'a Operation>,
    /// `Params` struct name → its operation.
    params_structs: BTreeMap<&'a str, &'a Operation>,
}

impl<'a> Anchors<'a> {
    fn new(api: &'a Api) -> Self {
        let types = api.types.iter().enumerate().map(|(i, t)| (t.name.as_str(), i)).collect();
        let mut methods = BTreeMap::new();
        let mut params_structs = BTreeMap::new();
        for op in &api.operations {
            methods.insert(op.method_name.as_str(), op);
            if let Some(stream) = &op.stream_name {
                methods.insert(stream.as_str(), op);
            }
            if let Some(id) = op.params_struct {
                params_structs.insert(api.types[id.0].name.as_str(), op);
            }
        }
        Anchors { api, types, methods, params_structs }
    }

    /// The `x-long-running` marker of the first operation that answers with the status type
    /// `name`, if it is one.
    fn long_running_anchor(&self, name: &str) -> Option<Pointer> {
        let &i = self.types.get(name)?;
        let lr = self.api.long_running.iter().find(|l| l.ty.0 == i)?;
        let op = self.api.operations.iter().find(|o| lr.operations.first() == Some(&o.id))?;
        Some(operation_anchor(&op.path, op.method.as_str()).join("x-long-running"))
    }

    fn type_anchor(&self, name: &str) -> Pointer {
        self.types.get(name).map_or_else(Pointer::root, |&i| self.api.types[i].pointer.clone())
    }

    /// A field's anchor: a `Params` field is its parameter, a struct field its property.
    fn field_anchor(&self, type_name: &str, field: &str) -> Pointer {
        if let Some(op) = self.params_structs.get(type_name) {
            if let Some(p) = op.params.iter().chain(&op.path_params).find(|p| p.name == field) {
                return param_anchor(op, p.location, &p.wire);
            }
        }
        let Some(&i) = self.types.get(type_name) else { return Pointer::root() };
        let def = &self.api.types[i];
        let fields = match &def.kind {
            TypeKind::Struct(fields) => fields.iter().collect::<Vec<_>>(),
            TypeKind::Form(parts) => parts.iter().map(|p| &p.field).collect(),
            _ => Vec::new(),
        };
        fields.into_iter().find(|f| f.name == field).map_or_else(|| def.pointer.clone(), |f| f.pointer.clone())
    }

    /// A variant's anchor: a string enum's values sit under its `enum` keyword; a union's
    /// and a response enum's variants under the type itself.
    fn variant_anchor(&self, type_name: &str) -> Pointer {
        let Some(&i) = self.types.get(type_name) else { return Pointer::root() };
        let def = &self.api.types[i];
        match def.kind {
            TypeKind::Enum { .. } => def.pointer.join("enum"),
            _ => def.pointer.clone(),
        }
    }
}

/// The pointer of an operation: `/paths/{path}/{method}`.
pub fn operation_anchor(path: &str, method: &str) -> Pointer {
    Pointer::root().join("paths").join(path).join(method.to_ascii_lowercase())
}

fn param_anchor(op: &Operation, location: ParamIn, wire: &str) -> Pointer {
    let place = match location {
        ParamIn::Path => "path",
        ParamIn::Query => "query",
        ParamIn::Header => "header",
        ParamIn::Cookie => "cookie",
    };
    operation_anchor(&op.path, op.method.as_str()).join("parameters").join(place).join(wire)
}

impl Surface {
    fn insert(&mut self, key: String, kind: ItemKind, signature: String, anchor: Pointer) {
        self.items.insert(key, SurfaceItem { kind, signature, anchor });
    }

    fn add_type(&mut self, item: &syn::Item, anchors: &Anchors<'_>) {
        match item {
            syn::Item::Struct(s) if is_pub(&s.vis) => {
                let name = s.ident.to_string();
                let key = format!("types::{name}");
                // How callers build it: `Default`, and `#[non_exhaustive]` (a constructor and
                // setters instead of struct literals, so a new field does not break them).
                let non_exhaustive = s.attrs.iter().any(|a| a.path().is_ident("non_exhaustive"));
                let buildable = match (non_exhaustive, derives(&s.attrs, "Default")) {
                    (true, true) => "#[non_exhaustive] Default",
                    (true, false) => "#[non_exhaustive]",
                    (false, true) => "Default",
                    (false, false) => "",
                };
                match &s.fields {
                    syn::Fields::Named(fields) => {
                        self.insert(key.clone(), ItemKind::Struct, buildable.into(), anchors.type_anchor(&name));
                        for f in fields.named.iter().filter(|f| is_pub(&f.vis)) {
                            let field = f.ident.as_ref().map(ToString::to_string).unwrap_or_default();
                            let anchor = anchors.field_anchor(&name, &field);
                            self.insert(format!("{key}::{field}"), ItemKind::Field, type_text(&f.ty), anchor);
                        }
                    }
                    fields => {
                        let inner: Vec<String> = fields.iter().map(|f| type_text(&f.ty)).collect();
                        let sig = format!("({})", inner.join(", "));
                        self.insert(key, ItemKind::Struct, sig, anchors.type_anchor(&name));
                    }
                }
            }
            syn::Item::Enum(e) if is_pub(&e.vis) => {
                let name = e.ident.to_string();
                let key = format!("types::{name}");
                self.insert(key.clone(), ItemKind::Enum, String::new(), anchors.type_anchor(&name));
                for v in &e.variants {
                    let payload: Vec<String> = v.fields.iter().map(|f| type_text(&f.ty)).collect();
                    let sig = if payload.is_empty() { String::new() } else { format!("({})", payload.join(", ")) };
                    let anchor = anchors.variant_anchor(&name);
                    self.insert(format!("{key}::{}", v.ident), ItemKind::Variant, sig, anchor);
                }
            }
            syn::Item::Type(t) if is_pub(&t.vis) => {
                let name = t.ident.to_string();
                self.insert(format!("types::{name}"), ItemKind::Alias, type_text(&t.ty), anchors.type_anchor(&name));
            }
            _ => {}
        }
    }

    fn add_constructor(&mut self, block: &syn::ItemImpl, anchors: &Anchors<'_>) {
        let syn::Type::Path(p) = &*block.self_ty else { return };
        let Some(owner) = p.path.segments.last().map(|s| s.ident.to_string()) else { return };
        for item in &block.items {
            let syn::ImplItem::Fn(f) = item else { continue };
            if !is_pub(&f.vis) || f.sig.ident != "new" {
                continue;
            }
            let key = format!("types::{owner}::new");
            self.insert(key.clone(), ItemKind::Method, "fn".into(), anchors.type_anchor(&owner));
            for input in &f.sig.inputs {
                let syn::FnArg::Typed(arg) = input else { continue };
                let field = arg.pat.to_token_stream().to_string();
                let anchor = anchors.field_anchor(&owner, &field);
                self.insert(format!("{key}({field})"), ItemKind::Argument, type_text(&arg.ty), anchor);
            }
        }
    }

    fn add_methods(&mut self, block: &syn::ItemImpl, anchors: &Anchors<'_>) {
        // `impl Client` or `impl super::types::Name`.
        let owner = match &*block.self_ty {
            syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default(),
            _ => String::new(),
        };
        // Besides the client's, only a status type's `wait` (`x-long-running`) is generated.
        let status_type = match owner.as_str() {
            "Client" => None,
            name => match anchors.long_running_anchor(name) {
                Some(marker) => Some(marker),
                None => return,
            },
        };
        for item in &block.items {
            let syn::ImplItem::Fn(f) = item else { continue };
            if !is_pub(&f.vis) {
                continue;
            }
            let name = f.sig.ident.to_string();
            let op = if status_type.is_some() { None } else { anchors.methods.get(name.as_str()).copied() };
            // Methods that belong to no operation (the builder, the credential setters) are
            // anchored at the security schemes, which is what changes them; a status type's
            // `wait` at the `x-long-running` marker that makes it.
            let anchor = match (&status_type, op) {
                (Some(marker), _) => marker.clone(),
                (None, Some(op)) => operation_anchor(&op.path, op.method.as_str()),
                (None, None) => Pointer::root().join("components").join("securitySchemes"),
            };
            let key = match &status_type {
                Some(_) => format!("types::{owner}::{name}"),
                None => format!("Client::{name}"),
            };
            let asyncness = if f.sig.asyncness.is_some() { "async fn" } else { "fn" };
            self.insert(key.clone(), ItemKind::Method, asyncness.into(), anchor.clone());
            for input in &f.sig.inputs {
                let syn::FnArg::Typed(arg) = input else { continue };
                let arg_name = arg.pat.to_token_stream().to_string();
                let arg_anchor = match (op, arg_name.as_str()) {
                    (Some(_), "body") => anchor.join("requestBody"),
                    (Some(_), "params") => anchor.join("parameters"),
                    (Some(op), n) => op
                        .path_params
                        .iter()
                        .chain(&op.params)
                        .find(|p| p.name == n)
                        .map_or_else(|| anchor.clone(), |p| param_anchor(op, p.location, &p.wire)),
                    (None, _) => anchor.clone(),
                };
                self.insert(format!("{key}({arg_name})"), ItemKind::Argument, type_text(&arg.ty), arg_anchor);
            }
            let returns = match &f.sig.output {
                syn::ReturnType::Default => "()".to_owned(),
                syn::ReturnType::Type(_, ty) => type_text(ty),
            };
            let returns_anchor = if op.is_some() { anchor.join("responses") } else { anchor };
            self.insert(format!("{key} ->"), ItemKind::Returns, returns, returns_anchor);
        }
    }
}

fn is_pub(vis: &syn::Visibility) -> bool {
    matches!(vis, syn::Visibility::Public(_))
}

/// Whether `#[derive(…)]` lists `name`.
fn derives(attrs: &[syn::Attribute], name: &str) -> bool {
    attrs.iter().filter(|a| a.path().is_ident("derive")).any(|a| {
        let mut found = false;
        let _ = a.parse_nested_meta(|meta| {
            found |= meta.path.segments.last().is_some_and(|s| s.ident == name);
            Ok(())
        });
        found
    })
}

/// A type as a reader writes it: no spaces inside paths, the standard library's and the
/// runtime's absolute prefixes dropped (`Option<Vec<String>>`, `types::Job`).
pub fn type_text(ty: &syn::Type) -> String {
    let raw = ty.to_token_stream().to_string();
    let mut s = raw
        .replace(" :: ", "::")
        .replace(":: ", "::")
        .replace(" ::", "::")
        .replace(" <", "<")
        .replace("< ", "<")
        .replace(" >", ">")
        .replace(" ,", ",")
        .replace("& ", "&")
        .replace(" (", "(")
        .replace("( ", "(")
        .replace(" )", ")");
    for prefix in [
        "::std::string::",
        "::std::option::",
        "::std::vec::",
        "::std::collections::",
        "::std::boxed::",
        "::std::result::",
        "::std::convert::",
        "::chrono::",
        "::uuid::",
        "::bytes::",
        "::serde_json::",
        "super::types::",
        "crate::runtime::",
    ] {
        let keep = match prefix {
            "::serde_json::" => "serde_json::",
            "super::types::" => "types::",
            "crate::runtime::" => "runtime::",
            _ => "",
        };
        s = s.replace(prefix, keep);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_text_drops_absolute_prefixes() {
        let cases = [
            ("::std::option::Option<::std::vec::Vec<::std::string::String>>", "Option<Vec<String>>"),
            ("&super::types::Job", "&types::Job"),
            ("::std::result::Result<(), Error>", "Result<(), Error>"),
            ("::chrono::DateTime<::chrono::Utc>", "DateTime<Utc>"),
            ("&'a str", "&'a str"),
        ];
        for (input, expected) in cases {
            let ty: syn::Type = syn::parse_str(input).unwrap();
            assert_eq!(type_text(&ty), expected, "{input}");
        }
    }

    #[test]
    fn the_surface_names_fields_methods_and_their_spec_elements() {
        let spec = r#"
openapi: 3.0.3
info: { title: t, version: "1" }
paths:
  /jobs/{id}:
    get:
      operationId: GetJob
      parameters:
        - { name: id, in: path, required: true, schema: { type: string } }
        - { name: limit, in: query, schema: { type: integer } }
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: { $ref: '#/components/schemas/Job' }
components:
  schemas:
    Job:
      type: object
      required: [name]
      properties:
        name: { type: string }
        kind: { type: string, enum: [a, b] }
"#;
        let doc = Document::parse("t.yaml", spec).unwrap();
        let s = api_surface(&doc, &Options::default()).unwrap();
        let get = |k: &str| s.items.get(k).unwrap_or_else(|| panic!("no {k} in {:?}", s.items.keys()));
        assert_eq!(get("types::Job::name").signature, "String");
        assert_eq!(get("types::Job::name").anchor.to_string(), "#/components/schemas/Job/properties/name");
        assert_eq!(get("Client::get_job(id)").signature, "&str");
        assert_eq!(get("Client::get_job(id)").anchor.to_string(), "#/paths/~1jobs~1{id}/get/parameters/path/id");
        assert_eq!(get("Client::get_job ->").signature, "Result<types::Job, Error>");
        assert_eq!(
            get("types::GetJobParams::limit").anchor.to_string(),
            "#/paths/~1jobs~1{id}/get/parameters/query/limit"
        );
        let variant = s.items.keys().find(|k| k.starts_with("types::JobKind::")).expect("an enum for kind");
        assert_eq!(get(variant).anchor.to_string(), "#/components/schemas/Job/properties/kind/enum");
    }
}
