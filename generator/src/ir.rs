//! The owned intermediate representation: what the client will contain, with every name
//! already decided and every reference resolved to an id. Emitting reads only this.

use std::collections::BTreeMap;

use crate::pointer::Pointer;

/// Index of a named type in [`Api::types`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TypeId(pub usize);

/// A use of a type: a field's type, a parameter's, a body's.
#[derive(Clone, Debug, PartialEq)]
pub enum Ty {
    /// A generated type.
    Named(TypeId),
    /// `String`.
    String,
    /// A string that holds a secret; generated as the runtime's redacting type.
    Secret,
    /// `bool`.
    Bool,
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `f32`.
    F32,
    /// `f64`.
    F64,
    /// `uuid::Uuid`.
    Uuid,
    /// `chrono::DateTime<Utc>`.
    DateTime,
    /// `chrono::NaiveDate`.
    Date,
    /// Raw bytes (an octet-stream body).
    Bytes,
    /// Anything: `serde_json::Value`.
    Json,
    /// `Vec<T>`.
    Vec(Box<Ty>),
    /// `BTreeMap<String, T>`.
    Map(Box<Ty>),
    /// `Option<T>` for nullable values.
    Nullable(Box<Ty>),
    /// `Box<T>`: inserted where a type contains itself by value.
    Boxed(Box<Ty>),
    /// `(A, B, …)`: JSON Schema's `prefixItems`, an array whose items have a type each.
    Tuple(Vec<Ty>),
}

impl Ty {
    /// The named types this use mentions, however deeply.
    pub fn named(&self, out: &mut Vec<TypeId>) {
        match self {
            Ty::Named(id) => out.push(*id),
            Ty::Vec(t) | Ty::Map(t) | Ty::Nullable(t) | Ty::Boxed(t) => t.named(out),
            Ty::Tuple(items) => items.iter().for_each(|t| t.named(out)),
            _ => {}
        }
    }

    /// Whether raw bytes are written directly in this use (`Bytes`, `Vec<Bytes>`, …), which
    /// have no serde form: a type holding them derives no serde traits.
    pub fn holds_bytes(&self) -> bool {
        match self {
            Ty::Bytes => true,
            Ty::Vec(t) | Ty::Map(t) | Ty::Nullable(t) | Ty::Boxed(t) => t.holds_bytes(),
            Ty::Tuple(items) => items.iter().any(Ty::holds_bytes),
            _ => false,
        }
    }

    /// Whether a value of this type can hold a secret somewhere inside.
    pub fn is_scalar_param(&self) -> bool {
        matches!(
            self,
            Ty::String
                | Ty::Secret
                | Ty::Bool
                | Ty::I32
                | Ty::I64
                | Ty::F32
                | Ty::F64
                | Ty::Uuid
                | Ty::DateTime
                | Ty::Date
        )
    }
}

/// Whether a generated method takes a parameter of this type by value (small `Copy` scalars)
/// rather than by reference.
pub fn passed_by_value(types: &[TypeDef], ty: &Ty) -> bool {
    matches!(
        resolve_alias(types, ty),
        Ty::Bool | Ty::I32 | Ty::I64 | Ty::F32 | Ty::F64 | Ty::Uuid | Ty::DateTime | Ty::Date
    )
}

/// `ty` with aliases followed (a bounded walk: alias cycles are broken before emit).
pub fn resolve_alias<'a>(types: &'a [TypeDef], ty: &'a Ty) -> &'a Ty {
    let mut ty = ty;
    for _ in 0..64 {
        match ty {
            Ty::Named(id) => match &types[id.0].kind {
                TypeKind::Alias(inner) => ty = inner,
                _ => return ty,
            },
            _ => return ty,
        }
    }
    ty
}

/// Whether values of `ty` have an XML form: structs, enums, scalars, free-form values (as
/// their text) and arrays of them; not maps, unions, binary data or tuples.
pub fn xml_writable(types: &[TypeDef], ty: &Ty) -> bool {
    match resolve_alias(types, ty) {
        Ty::Named(id) => matches!(types[id.0].kind, TypeKind::Struct(_) | TypeKind::Enum { .. } | TypeKind::Newtype(_)),
        Ty::Vec(t) | Ty::Nullable(t) | Ty::Boxed(t) => xml_writable(types, t),
        Ty::Map(_) | Ty::Bytes | Ty::Tuple(_) => false,
        _ => true,
    }
}

/// How a type or field appears in XML, from the OpenAPI `xml` object.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Xml {
    /// Element or attribute name; the wire name when absent.
    pub name: Option<String>,
    /// Namespace URI.
    pub namespace: Option<String>,
    /// Namespace prefix.
    pub prefix: Option<String>,
    /// Written as an attribute rather than an element.
    pub attribute: bool,
    /// An array wrapped in an outer element.
    pub wrapped: bool,
    /// For an array property: the `xml.name` of its items schema, naming each item element.
    pub item_name: Option<String>,
}

/// A named type.
#[derive(Clone, Debug)]
pub struct TypeDef {
    /// Rust name.
    pub name: String,
    /// Doc lines, already cleaned.
    pub doc: Vec<String>,
    /// Where it was defined.
    pub pointer: Pointer,
    /// The name the spec gives it: a component's key, or the stem of a file that is one
    /// schema (`job` for `schemas/job.yaml`); `None` for an inline schema.
    pub spec_name: Option<String>,
    /// Its shape.
    pub kind: TypeKind,
    /// The `xml` object of the schema.
    pub xml: Option<Xml>,
    /// Cargo features any of which enables the type (empty: always compiled).
    pub features: Vec<String>,
    /// Whether values travel as serde bodies. False for an operation's `Params` struct, which
    /// the caller builds and the client reads field by field: it derives no serde traits.
    pub serde: bool,
    /// How other crates build a struct with named fields (a model, a `Params` struct, a
    /// multipart form), decided after every field is final; `None` for every other kind.
    /// Such a struct is `#[non_exhaustive]`, so a field the API adds later is no breaking
    /// change for code that builds it with these methods.
    pub builder: Option<Builder>,
}

/// The constructor and setters of a `#[non_exhaustive]` struct, named in the type's method
/// scope (so no name collides with another method the type has, such as a status type's
/// `wait`).
#[derive(Clone, Debug, PartialEq)]
pub struct Builder {
    /// The constructor, taking the fields a value cannot do without (required and not
    /// nullable), in field order; every other field starts as `None` (or empty).
    pub new: String,
    /// Indices of the fields `new` takes, in field order.
    pub args: Vec<usize>,
    /// The chainable setter of each field (or form part), in field order: `with_{field}`;
    /// `None` for a field `new` takes (it is set there, and stays assignable: a setter each
    /// would cost every downstream `cargo check` a function per required field).
    pub setters: Vec<Option<String>>,
    /// For each field, whether `new` and the setter take `impl Into<T>` rather than `T`.
    /// Numbers, booleans, UUIDs and dates take the type itself: nothing converts into them
    /// usefully, a literal infers its type from it (`with_limit(50)` for an `i64` or a `u64`),
    /// and a generic parameter each would cost every downstream `cargo check`.
    pub into: Vec<bool>,
}

/// The shape of a named type.
#[derive(Clone, Debug)]
pub enum TypeKind {
    /// A struct with named fields, in spec order.
    Struct(Vec<Field>),
    /// A string enum with a catch-all variant.
    Enum {
        /// The known values.
        variants: Vec<EnumVariant>,
        /// Name of the variant that keeps unknown values.
        catch_all: String,
    },
    /// A union of types.
    Union(Union),
    /// A type alias for a non-struct schema (`type: array`, a plain string, …).
    Alias(Ty),
    /// One variant per success status of an operation: (variant name, statuses, payload or
    /// none for an empty body).
    Responses(Vec<(String, Status, Option<Ty>)>),
    /// The error bodies of one operation, by the statuses that carry them (exact codes, then
    /// ranges, then `default`): (variant name, statuses, body).
    ErrorBodies(Vec<(String, Status, Ty)>),
    /// A transparent newtype: an alias that would refer to itself (`type A = Vec<A>` is not
    /// valid Rust) becomes `struct A(Vec<A>)` with the same wire form.
    Newtype(Ty),
    /// The parts of a `multipart/form-data` body, in property order.
    Form(Vec<FormPart>),
    /// A success answer with the response headers the spec declares: the status, the body
    /// (if any) and one field per header.
    Output {
        /// The body type, if the answer has one.
        body: Option<Ty>,
        /// The declared headers.
        headers: Vec<OutputHeader>,
    },
    /// Placeholder while lowering; never emitted.
    Pending,
}

impl TypeKind {
    /// Every type use written directly in this kind: its fields, form parts, union variants,
    /// aliased type, response payloads or output body. The one list of edges of the type
    /// graph, for every walk over it (features, XML, recursion).
    pub fn uses(&self) -> Vec<&Ty> {
        match self {
            TypeKind::Struct(fields) => fields.iter().map(|f| &f.ty).collect(),
            TypeKind::Form(parts) => parts.iter().map(|p| &p.field.ty).collect(),
            TypeKind::Union(u) => u.variants.iter().map(|v| &v.ty).collect(),
            TypeKind::Alias(t) | TypeKind::Newtype(t) => vec![t],
            TypeKind::Responses(payloads) => payloads.iter().filter_map(|(_, _, t)| t.as_ref()).collect(),
            TypeKind::ErrorBodies(bodies) => bodies.iter().map(|(_, _, t)| t).collect(),
            TypeKind::Output { body, .. } => body.iter().collect(),
            TypeKind::Enum { .. } | TypeKind::Pending => Vec::new(),
        }
    }

    /// The named types this kind mentions, however deeply inside a use.
    pub fn references(&self) -> Vec<TypeId> {
        let mut out = Vec::new();
        self.uses().into_iter().for_each(|t| t.named(&mut out));
        out
    }
}

/// A declared response header, as a field of an operation's output.
#[derive(Clone, Debug)]
pub struct OutputHeader {
    /// Rust field name.
    pub name: String,
    /// Header name on the wire.
    pub wire: String,
    /// Its value type (a scalar; `String` for anything else).
    pub ty: Ty,
    /// Whether the spec says every such answer carries it.
    pub required: bool,
    /// A credential (a session id, `format: password`): held as a `Secret`.
    pub secret: bool,
    /// Doc lines.
    pub doc: Vec<String>,
}

/// One property of a multipart body.
#[derive(Clone, Debug)]
pub struct FormPart {
    /// The property (a file's `ty` is `Ty::Bytes`).
    pub field: Field,
    /// Sent as a file part (`format: binary`): the caller gives a `FilePart`.
    pub file: bool,
    /// An array: one part per item, under the same name.
    pub repeated: bool,
    /// The part's `Content-Type` from the Encoding Object (for a file, the default when the
    /// caller names none).
    pub content_type: Option<String>,
}

/// One value of a string enum.
#[derive(Clone, Debug)]
pub struct EnumVariant {
    /// Rust variant name.
    pub name: String,
    /// The exact wire value.
    pub wire: String,
    /// Doc lines (from `x-enumDescriptions` and similar).
    pub doc: Vec<String>,
    /// Other spellings of the value and the API revisions that use them
    /// (`x-enum-spellings`): written in them for those revisions, read in any.
    pub spellings: Vec<(String, Available)>,
    /// The API revisions that have the value (`x-enum-revisions`), where not every revision
    /// of its schema does: refused in a request body written for another.
    pub available: Option<Available>,
}

/// A `oneOf`/`anyOf`.
#[derive(Clone, Debug)]
pub struct Union {
    /// The discriminator property, when there is one.
    pub tag: Option<String>,
    /// The alternatives.
    pub variants: Vec<UnionVariant>,
    /// Name of the variant that keeps unknown discriminator values (tagged unions only).
    pub catch_all: String,
}

/// One alternative of a union.
#[derive(Clone, Debug)]
pub struct UnionVariant {
    /// Rust variant name.
    pub name: String,
    /// Discriminator values that select this variant.
    pub tags: Vec<String>,
    /// The variant's payload.
    pub ty: Ty,
    /// The API revisions that have the variant (its schema's `x-revisions`), where not every
    /// revision does: a request body holding it, written for another, is refused.
    pub available: Option<Available>,
}

/// A struct field.
#[derive(Clone, Debug)]
pub struct Field {
    /// Where the property (or the parameter, or the header) is defined.
    pub pointer: Pointer,
    /// Rust name (possibly raw, `r#type`).
    pub name: String,
    /// Exact wire name.
    pub wire: String,
    /// Type, without the `Option` an optional field adds.
    pub ty: Ty,
    /// Whether the property is in `required`.
    pub required: bool,
    /// Doc lines.
    pub doc: Vec<String>,
    /// The XML placement of the field.
    pub xml: Option<Xml>,
    /// `readOnly`: the server assigns it. Never required (a request cannot carry it), and
    /// never written into a request body.
    pub read_only: bool,
    /// `writeOnly`: the server never returns it. Never required, so an answer without it
    /// decodes; sent when set.
    pub write_only: bool,
    /// The API revisions that have it (the schema's `x-property-revisions`), where not every
    /// revision of its schema does: never required, and refused in a request body written
    /// for another revision.
    pub available: Option<Available>,
    /// The API revisions that require it, where Rust cannot (others lack it or let it out):
    /// the schema's `x-required-revisions`, and the revisions of a `required` property that
    /// only some revisions have. A request body written for one of them without it is refused.
    pub required_in: Option<Available>,
    /// The API revisions in which this list is one value (`x-single-value-revisions`): a
    /// request body for them writes its one item, and is refused if it holds another number;
    /// an answer's single value is read as a list of one, whatever the revision.
    pub single: Option<Available>,
}

/// HTTP methods.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Method {
    /// GET
    Get,
    /// PUT
    Put,
    /// POST
    Post,
    /// DELETE
    Delete,
    /// OPTIONS
    Options,
    /// HEAD
    Head,
    /// PATCH
    Patch,
    /// TRACE
    Trace,
    /// QUERY (OpenAPI 3.2)
    Query,
}

impl Method {
    /// Upper-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Trace => "TRACE",
            Method::Query => "QUERY",
        }
    }

    /// Variant name of the runtime's method enum.
    pub fn variant(self) -> &'static str {
        match self {
            Method::Get => "Get",
            Method::Put => "Put",
            Method::Post => "Post",
            Method::Delete => "Delete",
            Method::Options => "Options",
            Method::Head => "Head",
            Method::Patch => "Patch",
            Method::Trace => "Trace",
            Method::Query => "Query",
        }
    }
}

/// Where a parameter goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamIn {
    /// Substituted into the path.
    Path,
    /// In the query string.
    Query,
    /// A request header.
    Header,
    /// A cookie.
    Cookie,
}

/// An operation parameter.
#[derive(Clone, Debug)]
pub struct Param {
    /// Rust name.
    pub name: String,
    /// Exact wire name.
    pub wire: String,
    /// Location.
    pub location: ParamIn,
    /// Type without the `Option` of an optional parameter.
    pub ty: Ty,
    /// Whether it must be sent.
    pub required: bool,
    /// Doc lines.
    pub doc: Vec<String>,
    /// How its value is written on the wire.
    pub encoding: ParamEncoding,
    /// The shape of its value, as the style rules tell values apart.
    pub shape: ValueShape,
    /// The API revisions that have it, where not every revision of its operation does.
    pub available: Option<Available>,
    /// The API revisions in which this list parameter is one value
    /// (`x-single-value-revisions`): a request for them that gives another number is refused.
    pub single: Option<Available>,
}

/// OpenAPI's `style` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// `;name=value` (path).
    Matrix,
    /// `.value` (path).
    Label,
    /// `name=value` (query, cookie).
    Form,
    /// `value` (path, header).
    Simple,
    /// `name=a%20b` (query arrays and objects).
    SpaceDelimited,
    /// `name=a|b` (query arrays and objects).
    PipeDelimited,
    /// `name[key]=value` (query objects).
    DeepObject,
}

impl Style {
    /// The runtime's variant name.
    pub fn variant(self) -> &'static str {
        match self {
            Style::Matrix => "Matrix",
            Style::Label => "Label",
            Style::Form => "Form",
            Style::Simple => "Simple",
            Style::SpaceDelimited => "SpaceDelimited",
            Style::PipeDelimited => "PipeDelimited",
            Style::DeepObject => "DeepObject",
        }
    }
}

/// How a parameter's value is written: a `style` (with `explode`, `allowReserved`), or a
/// `content` media type whose serialization is sent as one value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParamEncoding {
    /// `style`, `explode` and `allowReserved`, defaults applied.
    Style {
        /// The style.
        style: Style,
        /// Whether arrays and objects are spread into several values.
        explode: bool,
        /// Whether RFC 3986 reserved characters are sent unencoded (query only).
        allow_reserved: bool,
    },
    /// `content`: the value serialized in this media type (JSON, or the text of a primitive),
    /// then written as one primitive value.
    Content {
        /// The media type.
        mime: String,
    },
}

/// The shape of a parameter's value, which picks the row of the style tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueShape {
    /// A scalar or an enum: its text.
    Primitive,
    /// An array of scalars or enums: each item's text.
    Array,
    /// An object (a struct or a map): its members, by their JSON form.
    Object,
    /// Anything else (a union, a free-form value, an array of objects): decided at run time
    /// from the value's JSON form.
    Dynamic,
}

/// A body's media type class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Media {
    /// `application/json` and `+json` types.
    Json,
    /// `application/xml`, `text/xml`, `+xml`.
    Xml,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `multipart/form-data`, sent as raw bytes.
    Multipart,
    /// `text/plain` and other text.
    Text,
    /// Anything else: raw bytes.
    Binary,
}

/// A body in one media type.
#[derive(Clone, Debug)]
pub struct Content {
    /// Class of media type.
    pub media: Media,
    /// The exact media type string.
    pub mime: String,
    /// Payload type.
    pub ty: Ty,
    /// For an XML body, the shape of its root element.
    pub xml: Option<XmlRoot>,
    /// For a form-urlencoded body, how each property is written (the Encoding Object, with
    /// the spec's defaults: `form` with explode, and JSON for an object property), in the
    /// body type's property order.
    pub encoding: Vec<PartEncoding>,
}

/// How one property of a form-urlencoded body is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartEncoding {
    /// The property's wire name.
    pub name: String,
    /// Its style (`form`, `spaceDelimited`, `pipeDelimited`, `deepObject`).
    pub style: Style,
    /// Whether arrays and objects are spread into several pairs.
    pub explode: bool,
    /// Whether reserved characters are written unencoded.
    pub allow_reserved: bool,
    /// A media type the value is serialized in instead (`application/json`).
    pub content_type: Option<String>,
    /// The shape of the property's values.
    pub shape: ValueShape,
}

/// How an XML body's root element carries its value.
#[derive(Clone, Debug, PartialEq)]
pub enum XmlRoot {
    /// An object type, which is its own root element (named by its `xml` object).
    Element,
    /// An array: a `wrapper` root element holding one `item` element per value.
    List {
        /// The root element (the array schema's `xml.name`, else `ArrayOf{item}`).
        wrapper: String,
        /// Each item's element (the items schema's `xml.name`, else its component name).
        item: String,
    },
    /// A primitive: the text of one root element `name` (the schema's `xml.name`, else its
    /// component name, else `value`).
    Text {
        /// The root element.
        name: String,
    },
}

/// The `Accept` header of an operation, from the media types of its success responses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Accept {
    /// Structured bodies: the client's format picks one of these (media class, exact media
    /// type), in spec order, as it does for request bodies.
    ByFormat(Vec<(Media, String)>),
    /// Anything else (text, binary): these media types, comma-separated.
    Fixed(String),
}

/// A request body.
#[derive(Clone, Debug)]
pub struct RequestBody {
    /// Whether a body must be sent.
    pub required: bool,
    /// The API revisions that take a body (its `x-revisions`), when not every one: the body
    /// is optional in Rust, and refused when given to a client speaking another.
    pub available: Option<Available>,
    /// Where the spec requires the body, but only some revisions take it: those revisions,
    /// where leaving it out is refused with `Error::MissingField`.
    pub required_in: Option<Available>,
    /// Supported media types in spec order; all with the same payload type.
    pub contents: Vec<Content>,
    /// Doc lines.
    pub doc: Vec<String>,
}

/// Which statuses a documented response covers: its key in `responses`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// One status code (`201`).
    Code(u16),
    /// A range of codes by their first digit (`2XX` is `Range(2)`: 200 to 299).
    Range(u16),
    /// `default`: every status no other response names.
    Default,
}

impl Status {
    /// Reads a response key: a code, a range (`2XX`, any case) or `default`.
    pub fn parse(key: &str) -> Option<Status> {
        if key == "default" {
            return Some(Status::Default);
        }
        if let Ok(code) = key.parse::<u16>() {
            return (100..600).contains(&code).then_some(Status::Code(code));
        }
        match key.as_bytes() {
            [d @ b'1'..=b'5', x, y] if x.eq_ignore_ascii_case(&b'x') && y.eq_ignore_ascii_case(&b'x') => {
                Some(Status::Range(u16::from(d - b'0')))
            }
            _ => None,
        }
    }

    /// Whether this response is a success (2xx) one.
    pub fn is_success(self) -> bool {
        match self {
            Status::Code(c) => (200..300).contains(&c),
            Status::Range(d) => d == 2,
            Status::Default => false,
        }
    }

    /// Whether this response is an error (4xx, 5xx) one.
    pub fn is_error(self) -> bool {
        match self {
            Status::Code(c) => c >= 400,
            Status::Range(d) => d >= 4,
            Status::Default => false,
        }
    }

    /// The one code, for an exact status.
    pub fn code(self) -> Option<u16> {
        match self {
            Status::Code(c) => Some(c),
            _ => None,
        }
    }

    /// Whether `code` is covered (`default` covers everything).
    pub fn covers(self, code: u16) -> bool {
        match self {
            Status::Code(c) => c == code,
            Status::Range(d) => code / 100 == d,
            Status::Default => true,
        }
    }

    /// The key as the spec writes it.
    pub fn key(self) -> String {
        match self {
            Status::Code(c) => c.to_string(),
            Status::Range(d) => format!("{d}XX"),
            Status::Default => "default".to_owned(),
        }
    }
}

/// One documented response.
#[derive(Clone, Debug)]
pub struct Response {
    /// The statuses it covers.
    pub status: Status,
    /// Rust variant name for multi-success responses.
    pub variant: String,
    /// Body in its media types; empty when the response has no body.
    pub contents: Vec<Content>,
    /// Response headers the spec documents: (wire name, Rust name).
    pub headers: Vec<(String, String)>,
    /// Doc lines.
    pub doc: Vec<String>,
}

/// How a list operation pages, from `x-pagination`.
#[derive(Clone, Debug)]
pub struct Pagination {
    /// Rust name of the offset parameter field.
    pub offset_param: String,
    /// Rust name of the limit parameter field.
    pub limit_param: String,
    /// The API revisions that have the offset parameter, where not every revision of the
    /// operation does: a client speaking another lists in one request without paging
    /// parameters.
    pub offset_available: Option<Available>,
    /// Rust field path to the items array in the response.
    pub items: Vec<String>,
    /// Rust field path to the total count.
    pub total: Vec<String>,
    /// Rust field path to the offset the server says it applied (`offsetProperty`), and
    /// whether that field is optional.
    pub offset_echo: Option<(Vec<String>, bool)>,
    /// Rust field path to the page's item count (`countProperty`), and whether optional.
    pub count: Option<(Vec<String>, bool)>,
    /// Item type.
    pub item_ty: Ty,
}

/// The local names inside an operation's generated methods, claimed in the same scope as
/// its arguments so that a parameter called `request` or `value` cannot be shadowed.
#[derive(Clone, Debug, Default)]
pub struct Locals {
    /// The request being built.
    pub request: String,
    /// The answer.
    pub response: String,
    /// The decoded result, before a logon or logout acts on it.
    pub result: String,
    /// One parameter value being set.
    pub value: String,
    /// One item of an array parameter.
    pub item: String,
    /// A session header read from a logon answer.
    pub session: String,
    /// One page, in a stream method.
    pub page: String,
    /// The parameters of one page, in a stream method.
    pub page_params: String,
    /// The offset of one page, in a stream method.
    pub offset: String,
    /// That offset in the offset parameter's type.
    pub narrowed: String,
    /// A multipart form being built.
    pub form: String,
    /// The percent-encoded value of each path parameter, in `path_params` order.
    pub segments: Vec<String>,
}

/// A piece of an operation's path, parsed once from the template.
#[derive(Clone, Debug, PartialEq)]
pub enum PathSegment {
    /// Text sent as written.
    Literal(String),
    /// The percent-encoded value of `path_params[i]`.
    Param(usize),
}

/// One operation, ready to become a method.
#[derive(Clone, Debug)]
pub struct Operation {
    /// `operationId`, or the name derived from method and path.
    pub id: String,
    /// Rust method name.
    pub method_name: String,
    /// HTTP method.
    pub method: Method,
    /// Path template as in the spec (for docs and spans).
    pub path: String,
    /// The same template parsed: what the method builds the path from.
    pub segments: Vec<PathSegment>,
    /// Doc lines.
    pub doc: Vec<String>,
    /// Path parameters in template order.
    pub path_params: Vec<Param>,
    /// Query, header and cookie parameters the caller supplies.
    pub params: Vec<Param>,
    /// The parameters struct, when the operation has optional parameters.
    pub params_struct: Option<TypeId>,
    /// Request body.
    pub body: Option<RequestBody>,
    /// Success responses (2xx) in status order: exact codes, then the `2XX` range, then a
    /// `default` that stands for success when nothing else does.
    pub successes: Vec<Response>,
    /// The declared error responses (4xx, 5xx, their ranges, and a `default` beside a success)
    /// in match order: what a status the successes do not cover is decoded as.
    pub errors: Vec<Response>,
    /// Headers the client sends on every request (a default, such as `x-api-version`) that
    /// this operation declares required: the mock refuses a request without them.
    pub required_headers: Vec<String>,
    /// The `Accept` header: what the success responses can be; `None` when none has a body.
    pub accept: Option<Accept>,
    /// The enum for several success responses.
    pub response_enum: Option<TypeId>,
    /// Paging information.
    pub pagination: Option<Pagination>,
    /// Name of the stream method, for an operation that pages.
    pub stream_name: Option<String>,
    /// Local names inside the generated methods.
    pub locals: Locals,
    /// The one success answer is binary: the method returns it as a stream, not in memory.
    pub download: bool,
    /// The output type, when the success answer declares response headers.
    pub output: Option<TypeId>,
    /// The operation's own error type, when its declared error responses carry bodies other
    /// than the API's common error type: one variant per response, decoded by status.
    pub error_body: Option<TypeId>,
    /// The security requirements as the document writes them: alternatives, each a set of
    /// schemes sent together. Empty: no authentication; an empty alternative: anonymous
    /// access is one of the choices.
    pub security: Vec<Vec<String>>,
    /// First tag.
    pub tag: Option<String>,
    /// Cargo feature gating the operation.
    pub feature: Option<String>,
    /// The API revisions that have it (`x-revisions`), where the API declares several and
    /// not every one does.
    pub available: Option<Available>,
    /// Marked deprecated.
    pub deprecated: bool,
    /// Session-login extension: the response header whose value authenticates later calls.
    pub session_header: Option<String>,
    /// The API-key security scheme that sends that header, if the spec declares one.
    pub session_scheme: Option<String>,
    /// `x-logout: true`: success ends the session, so the client forgets its credentials.
    pub logout: bool,
    /// What the generated mock server (cargo feature `mock`) needs for this operation.
    pub mock: MockOp,
    /// What the generated `dispatch` module (cargo feature `dispatch`) cannot do with it.
    pub dispatch: DispatchOp,
}

/// How the generated `dispatch` module (cargo feature `dispatch`) reaches one operation by its
/// `operationId` with JSON arguments, decided in lowering. Its arm reads each argument of the
/// client method in order (path parameters, required parameters, the body, the `Params`
/// struct) and passes it as the method takes it.
#[derive(Clone, Debug, Default)]
pub struct DispatchOp {
    /// Why `dispatch::call` cannot call it: its arm answers `Unsupported` with this.
    pub unsupported: Option<String>,
    /// Its `*_stream` method borrows an argument for as long as it runs: the dispatch stream
    /// owns the arguments it read and lists inside a generator that holds them.
    pub stream_borrows: bool,
    /// Its answer is bytes read whole (not a download stream): given as `{"bytes": length}`.
    pub bytes_answer: bool,
}

/// A security scheme the client knows how to apply.
#[derive(Clone, Debug)]
pub enum Security {
    /// `Authorization: Bearer` (http bearer, or oauth2 without a password flow).
    Bearer,
    /// A client certificate (`mutualTLS`, OpenAPI 3.1): given to the builder, sent by TLS,
    /// nothing per request.
    MutualTls,
    /// `Authorization: Basic`.
    Basic,
    /// An API key in a header.
    ApiKeyHeader(String),
    /// An API key in the query string.
    ApiKeyQuery(String),
    /// OAuth2 password flow with a token URL.
    OAuth2Password {
        /// Token endpoint path or URL.
        token_url: String,
        /// `x-reauthenticate-on`: the error-body property and values that mean the token was
        /// refused (renew and repeat only then).
        reauthenticate_on: Option<(String, Vec<String>)>,
    },
    /// OAuth2 client-credentials flow: the client fetches, caches, refreshes and shares the
    /// token itself.
    OAuth2ClientCredentials {
        /// Token endpoint path or URL.
        token_url: String,
        /// The flow's scopes, in document order (requested together).
        scopes: Vec<String>,
    },
}

/// Which parts of an API travel as XML.
#[derive(Clone, Debug, Default)]
pub struct XmlFacts {
    /// Ids of the types that need XML impls: those reachable from an XML body (and the error
    /// type of an API that speaks XML).
    pub types: std::collections::BTreeSet<usize>,
    /// The first structured body is XML: the client's default format.
    pub prefers_xml: bool,
    /// Some body is XML: the client can switch formats per call.
    pub speaks_xml: bool,
    /// Error answers are decoded as XML or JSON by `Content-Type`.
    pub error_is_xml: bool,
}

/// Everything one document produces.
#[derive(Clone, Debug)]
pub struct Api {
    /// Document title.
    pub title: String,
    /// Document version.
    pub version: String,
    /// Doc lines for the module.
    pub doc: Vec<String>,
    /// The first server URL, if any.
    pub server: Option<String>,
    /// Named types, indexed by [`TypeId`].
    pub types: Vec<TypeDef>,
    /// Operations in path order, then method order.
    pub operations: Vec<Operation>,
    /// Security schemes by name.
    pub security: BTreeMap<String, Security>,
    /// The client method that sets each scheme's credential (by scheme name), claimed in
    /// the same naming scope as the operations: `set_bearer_token`, `set_basic_auth`, or a
    /// name after the scheme when two schemes of a kind would share one.
    pub auth_setters: BTreeMap<String, String>,
    /// Which parts travel as XML.
    pub xml: XmlFacts,
    /// Headers the client sends on every request: (wire name, default value).
    pub default_headers: Vec<(String, String)>,
    /// The error body type shared by the error responses.
    pub error_ty: Option<Ty>,
    /// Cargo features (one per tag) when per-tag gating is on.
    pub features: Vec<String>,
    /// The webhooks the API sends (OpenAPI 3.1 `webhooks`), in document order.
    pub webhooks: Vec<Webhook>,
    /// Status types of long-running operations (`x-long-running`), in the order of the
    /// first operation that answers with each.
    pub long_running: Vec<LongRunning>,
    /// Derives every data type gets besides the generator's own (`Options::derives`), as
    /// Rust paths checked in lowering.
    pub derives: Vec<String>,
    /// The revisions the server speaks (root `x-api-revisions`), if it declares several.
    pub revisions: Option<Revisions>,
    /// The command line over the API (`Options::cli`): every name and argument decided.
    pub cli: Option<Cli>,
}

/// The revisions of an API whose server speaks several (root `x-api-revisions`): the client
/// gets an `ApiVersion` enum, sends the one it speaks in `header`, and refuses what that
/// revision lacks.
#[derive(Clone, Debug, PartialEq)]
pub struct Revisions {
    /// The header the revision travels in (`x-api-version`).
    pub header: String,
    /// Every revision's name, oldest first.
    pub names: Vec<String>,
    /// Each revision's `ApiVersion` variant name (`V1_2Rev1`), decided in lowering.
    pub variants: Vec<String>,
    /// Position of the revision the client speaks unless told otherwise.
    pub default: usize,
    /// The operation that tells whether the server speaks a revision (`probe`: anonymous,
    /// without arguments), by index in [`Api::operations`].
    pub probe: Option<usize>,
}

/// Where an element exists: inclusive ranges of positions in [`Revisions::names`], an end of
/// `None` meaning "and every later revision".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Available(pub Vec<(usize, Option<usize>)>);

/// A status type that long-running operations answer with (`x-long-running`): the work goes
/// on on the server, and the client waits by polling a status operation that answers with
/// the same type.
#[derive(Clone, Debug, PartialEq)]
pub struct LongRunning {
    /// The status type.
    pub ty: TypeId,
    /// `operationId`s of the operations marked long-running that answer with it.
    pub operations: Vec<String>,
    /// Index of the status operation in [`Api::operations`].
    pub status_op: usize,
    /// Index of the operation that stops the work, if the spec names one.
    pub stop_op: Option<usize>,
    /// For each path parameter of the status (and stop) operation, in template order: the
    /// Rust field path in the status type that supplies it.
    pub args: Vec<Vec<String>>,
    /// Dotted wire paths and values the runtime reads.
    pub fields: WaitFields,
}

/// The spec's field paths (dotted wire names) and values for a long-running status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaitFields {
    /// Path to the state.
    pub state: String,
    /// States that end the work.
    pub terminal: Vec<String>,
    /// Path to the outcome.
    pub result: String,
    /// Outcomes meaning success.
    pub success: Vec<String>,
    /// Outcomes meaning success with warnings.
    pub warning: Vec<String>,
    /// Outcomes meaning failure.
    pub failure: Vec<String>,
    /// Path to the progress percentage.
    pub progress: Option<String>,
    /// Path to the outcome message.
    pub message: Option<String>,
    /// Path to the cancelled flag.
    pub canceled: Option<String>,
}

/// One webhook: a request the API sends, decoded into one variant of the event enum.
#[derive(Clone, Debug)]
pub struct Webhook {
    /// Its name in the spec (the key under `webhooks`).
    pub name: String,
    /// The Rust variant name.
    pub variant: String,
    /// The body type; `None` when the request has no body.
    pub payload: Option<Ty>,
    /// Doc lines.
    pub doc: Vec<String>,
}

/// The mock server's view of one operation: the names of its generated items and every
/// answer the spec declares, decided in lowering.
#[derive(Clone, Debug, Default)]
pub struct MockOp {
    /// The struct a handler receives: typed parameters and body (`{Operation}Request`).
    pub request: String,
    /// The enum a handler returns: one variant per declared status (`{Operation}Reply`).
    pub reply: String,
    /// The registration method on the mock server (`on_{method}`).
    pub on: String,
    /// How the request body is read.
    pub body: Option<MockBody>,
    /// One variant per documented response, successes first, in status order.
    pub replies: Vec<MockReply>,
    /// The success response's example, answered when no handler is registered.
    pub example: Option<MockExample>,
    /// For the status operation of a long-running one: (path parameter, JSON pointer into
    /// the example) pairs, so a default answer carries the id that was asked for.
    pub echo: Vec<(String, String)>,
}

/// How the mock reads a request body.
#[derive(Clone, Debug)]
pub struct MockBody {
    /// Whether a body must be sent.
    pub required: bool,
    /// The media types it accepts, in spec order.
    pub mimes: Vec<String>,
    /// The decoding.
    pub kind: MockBodyKind,
    /// The payload type (`Ty::Bytes` for a multipart body, which the mock keeps raw).
    pub ty: Ty,
    /// For a body offered form-urlencoded: how each property is written (read back by the
    /// same rules).
    pub form: Vec<PartEncoding>,
}

/// How a body travels, for the mock's decoding and encoding.
#[derive(Clone, Debug, PartialEq)]
pub enum MockBodyKind {
    /// JSON or form-encoded through serde, and XML where the body offers it, by its root.
    Serde(Option<XmlRoot>),
    /// `text/plain`: a string.
    Text,
    /// Anything else, multipart included: raw bytes.
    Bytes,
}

/// One declared answer of an operation, as a variant of its reply enum.
#[derive(Clone, Debug)]
pub struct MockReply {
    /// Variant name (`Ok`, `Created`, `Unauthorized`, `Default`).
    pub variant: String,
    /// The status; `None` for `default` and ranges (`4XX`): the variant carries one.
    pub status: Option<u16>,
    /// The body, when the response has one: its media types and how it is written.
    pub body: Option<MockBody>,
    /// The headers the spec says this answer always carries, with a value that reads as
    /// their type (the header's example where it has one): (wire name, value).
    pub headers: Vec<(String, String)>,
}

/// A response example: its status and its text in each media type that has one.
#[derive(Clone, Debug)]
pub struct MockExample {
    /// The status answered.
    pub status: u16,
    /// (media type, body text) in spec order.
    pub bodies: Vec<(String, String)>,
    /// The headers the answer always carries (see [`MockReply::headers`]).
    pub headers: Vec<(String, String)>,
}

/// The command line of an API (`Options::cli`, emitted as `cli.rs`, cargo feature `cli`): a
/// data table the runtime's `cli` module reads to build its commands. Every name a user
/// types is decided here, in one naming scope per level.
#[derive(Clone, Debug, Default)]
pub struct Cli {
    /// The groups of commands, one per tag, in the order their first operation appears.
    pub groups: Vec<CliGroup>,
    /// One command per operation, in [`Api::operations`] order.
    pub commands: Vec<CliCommand>,
    /// How a session begins: the OAuth2 password flow's token URL, or a logon operation.
    pub login: Option<CliLogin>,
    /// The operation that ends a session (`x-logout`), by index in [`Api::operations`].
    pub logout: Option<usize>,
}

/// A group of commands: the operations of one tag (`veeam jobs ...`).
#[derive(Clone, Debug, PartialEq)]
pub struct CliGroup {
    /// The command name (`jobs`, `users-and-roles`).
    pub name: String,
    /// The tag as the spec spells it.
    pub tag: String,
    /// The tag's description, as plain text lines.
    pub about: Vec<String>,
}

/// How a command-line session logs in.
#[derive(Clone, Debug, PartialEq)]
pub enum CliLogin {
    /// The OAuth2 password grant at this token URL (renewed with its refresh token).
    OAuth2Password {
        /// The security scheme.
        scheme: String,
        /// Token endpoint path or URL.
        token_url: String,
    },
    /// A logon operation (`x-session-header`) called with HTTP Basic credentials; its answer's
    /// header authenticates later calls.
    SessionLogon {
        /// Index of the logon operation in [`Api::operations`].
        operation: usize,
        /// The header that carries the session.
        header: String,
    },
}

/// One operation as a command.
#[derive(Clone, Debug, PartialEq)]
pub struct CliCommand {
    /// Index in [`Api::operations`].
    pub operation: usize,
    /// Index in [`Cli::groups`]; `None` for an untagged operation, a command at the top.
    pub group: Option<usize>,
    /// The command name in its group (`list`, `start`).
    pub name: String,
    /// One line for the command list: the summary, as plain text.
    pub about: String,
    /// The whole description for `--help`, as plain text lines.
    pub long_about: Vec<String>,
    /// Path parameters (positional), then query, header and cookie parameters (flags).
    pub args: Vec<CliArg>,
    /// The request body, if the operation takes one.
    pub body: Option<CliBody>,
    /// How a paged answer holds its items (`x-pagination`): `--all` lists every page.
    pub paged: Option<CliPaged>,
    /// How `--wait` follows a long-running answer (`x-long-running`).
    pub wait: Option<CliWait>,
    /// `--name`: the first path parameter looked up by name through a list operation.
    pub lookup: Option<CliLookup>,
    /// Where dispatch's answer keeps the body: `body` for an operation with several
    /// success answers or with response headers (`{"status", "body", …}`), else the answer
    /// is the body.
    pub answer_body: Option<String>,
}

/// Where a command-line argument goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CliArgIn {
    /// A path parameter, given positionally.
    Path,
    /// A query, header or cookie parameter, given as a flag.
    Param,
    /// A property of a simple request body, given as a flag.
    Body,
}

/// One argument of a command.
#[derive(Clone, Debug, PartialEq)]
pub struct CliArg {
    /// The name on the wire (and in the dispatch input).
    pub wire: String,
    /// The flag without its dashes (`name-filter`), or the positional's value name (`ID`).
    pub flag: String,
    /// Where it goes.
    pub location: CliArgIn,
    /// Whether it must be given.
    pub required: bool,
    /// The kind of value it takes.
    pub kind: CliKind,
    /// Its description, as plain text lines.
    pub help: Vec<String>,
}

/// The kinds of value a command-line argument takes, which decide how its text is read.
#[derive(Clone, Debug, PartialEq)]
pub enum CliKind {
    /// Any text.
    String,
    /// A secret: the flag names an environment variable that holds it, never the value.
    Secret,
    /// A whole number.
    Integer,
    /// A number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// A UUID.
    Uuid,
    /// An RFC 3339 date-time.
    DateTime,
    /// A date (`2025-01-31`).
    Date,
    /// One of these wire values.
    Enum(Vec<String>),
    /// A list of values of one kind (the flag repeated, or comma-separated).
    Array(Box<CliKind>),
    /// Any JSON value, given as JSON text.
    Json,
}

/// A request body on the command line: `--body FILE|-` always, and a flag per property when
/// the body is a simple object.
#[derive(Clone, Debug, PartialEq)]
pub struct CliBody {
    /// Whether the operation requires a body.
    pub required: bool,
    /// A flag per property when every property is a scalar, an enum or a list of them;
    /// empty otherwise.
    pub flags: Vec<CliArg>,
    /// Its description, as plain text lines.
    pub help: Vec<String>,
}

/// Where a paged answer keeps its items and its total (dotted wire paths).
#[derive(Clone, Debug, PartialEq)]
pub struct CliPaged {
    /// The items array.
    pub items: String,
    /// The total count.
    pub total: String,
}

/// How `--wait` follows a long-running answer, from its `x-long-running` marker.
#[derive(Clone, Debug, PartialEq)]
pub struct CliWait {
    /// Index in [`Api::long_running`]: the typed wait the command runs.
    pub long_running: usize,
    /// The status operation's `operationId`.
    pub status_operation: String,
    /// Each path parameter of the status operation and the dotted wire path of the answer
    /// property that fills it.
    pub parameters: Vec<(String, String)>,
    /// The state property (dotted wire path).
    pub state: String,
    /// The states that end the work.
    pub terminal: Vec<String>,
}

/// `--name NAME` in place of an id: the list operation of the resource, filtered by name,
/// must answer exactly one item of that name.
#[derive(Clone, Debug, PartialEq)]
pub struct CliLookup {
    /// The flag without its dashes (`name`).
    pub flag: String,
    /// The path parameter it fills.
    pub path_param: String,
    /// Index of the list operation in [`Api::operations`].
    pub list: usize,
    /// The list operation's name filter parameter (`nameFilter`).
    pub filter: String,
    /// Where the list answer keeps its items (dotted wire path; empty: the answer is the array).
    pub items: String,
    /// The item property compared with the name.
    pub name_property: String,
    /// The item property that holds the id.
    pub id_property: String,
}
