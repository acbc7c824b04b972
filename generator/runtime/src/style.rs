//! Parameter serialization by OpenAPI `style`: one function per parameter location (path,
//! query, header, cookie, `application/x-www-form-urlencoded` body), and the parsers the mock
//! server uses to read the same text back by the same rules.
//!
//! The rules are OpenAPI 3.1.1's: its "Style Examples" table, Appendix C (the styles as
//! RFC 6570 operators), Appendix D (headers and cookies) and Appendix E (percent-encoding and
//! form media types). Where 3.0.3's table differs (its label rows, the `?` prefix, the
//! unencoded `|` and `[ ]`), 3.1.1 agrees with RFC 6570 and is what this module writes; the
//! parsers also read 3.0.3's unencoded `|` and `[ ]`, since decoding does not care what was
//! encoded.
//!
//! Values arrive as [`Shape`]s of text, so how a number or a date becomes text (left to the
//! implementation by the spec's Appendix B) is decided before this module. Empty arrays and
//! objects are RFC 6570 §2.3 _undefined_ values: they expand to nothing.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde_json::Value;

/// OpenAPI's `style` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// `;name=value` path parameters, RFC 6570's `;` operator.
    Matrix,
    /// `.value` path parameters, RFC 6570's `.` operator.
    Label,
    /// `name=value` query and cookie parameters, RFC 6570's `?` operator.
    Form,
    /// Plain comma lists in paths and headers, RFC 6570's expansion without an operator.
    Simple,
    /// An array or object in one query parameter, its parts separated by `%20`.
    SpaceDelimited,
    /// An array or object in one query parameter, its parts separated by `%7C` (`|`).
    PipeDelimited,
    /// An object as `name[key]=value` query parameters.
    DeepObject,
}

impl Style {
    /// The name the spec gives the style, for error messages.
    fn name(self) -> &'static str {
        match self {
            Style::Matrix => "matrix",
            Style::Label => "label",
            Style::Form => "form",
            Style::Simple => "simple",
            Style::SpaceDelimited => "spaceDelimited",
            Style::PipeDelimited => "pipeDelimited",
            Style::DeepObject => "deepObject",
        }
    }
}

/// A parameter value by shape, as the spec's tables distinguish them, each part as text
/// before any percent-encoding.
#[derive(Clone, Debug, PartialEq)]
pub enum Shape<'a> {
    /// A string, number or boolean as its text.
    Primitive(Cow<'a, str>),
    /// An array's items, in order.
    Array(Vec<Cow<'a, str>>),
    /// An object's members as (key, value) pairs, in order.
    Object(Vec<(Cow<'a, str>, Cow<'a, str>)>),
}

impl Shape<'static> {
    /// A structured value by its JSON form: a string is its text, a number or boolean its
    /// JSON text, an array its items, an object its members; a nested array/object member
    /// (which no style defines) is compact JSON text. `None` for JSON null (not sent).
    ///
    /// Null items and null members are left out, as RFC 6570 §2.3 skips undefined values
    /// inside lists and associative arrays.
    pub fn from_json(value: &Value) -> Option<Shape<'static>> {
        match value {
            Value::Array(items) => Some(Shape::Array(items.iter().filter_map(item_text).collect())),
            Value::Object(members) => Some(Shape::Object(
                members
                    .iter()
                    .filter_map(|(key, member)| Some((Cow::Owned(key.clone()), item_text(member)?)))
                    .collect(),
            )),
            scalar => item_text(scalar).map(Shape::Primitive),
        }
    }
}

impl Shape<'_> {
    /// Which of the three shapes this is.
    pub fn kind(&self) -> ShapeKind {
        match self {
            Shape::Primitive(_) => ShapeKind::Primitive,
            Shape::Array(_) => ShapeKind::Array,
            Shape::Object(_) => ShapeKind::Object,
        }
    }

    /// Every piece of text the value holds: the primitive, the items, or the keys and values.
    fn texts(&self) -> Vec<&str> {
        match self {
            Shape::Primitive(text) => vec![text.as_ref()],
            Shape::Array(items) => items.iter().map(AsRef::as_ref).collect(),
            Shape::Object(members) => members.iter().flat_map(|(key, value)| [key.as_ref(), value.as_ref()]).collect(),
        }
    }
}

/// One item or member value as text; `None` for null, which RFC 6570 treats as undefined.
fn item_text(value: &Value) -> Option<Cow<'static, str>> {
    match value {
        Value::Null => None,
        Value::String(text) => Some(Cow::Owned(text.clone())),
        // Numbers and booleans are their JSON text; nested arrays and objects, which no style
        // defines, are compact JSON so that nothing is lost.
        other => Some(Cow::Owned(other.to_string())),
    }
}

/// The shape a parser is asked to read a parameter as (the parameter's schema type).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShapeKind {
    /// A string, number or boolean.
    Primitive,
    /// An array.
    Array,
    /// An object.
    Object,
}

impl ShapeKind {
    /// The kind's name, for error messages.
    fn name(self) -> &'static str {
        match self {
            ShapeKind::Primitive => "primitive",
            ShapeKind::Array => "array",
            ShapeKind::Object => "object",
        }
    }

    /// The undefined (empty) value of the kind, which a `simple`, `label` or `matrix`
    /// expansion writes as nothing at all.
    fn empty(self) -> Shape<'static> {
        match self {
            ShapeKind::Primitive => Shape::Primitive(Cow::Borrowed("")),
            ShapeKind::Array => Shape::Array(Vec::new()),
            ShapeKind::Object => Shape::Object(Vec::new()),
        }
    }
}

/// Why a value cannot be written in a style (the spec leaves the combination undefined,
/// e.g. `deepObject` with an array, `spaceDelimited` with a primitive), or why text cannot be
/// read back in one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct StyleError(pub String);

/// The error for a combination the spec's table marks _n/a_.
fn undefined(style: Style, explode: bool, kind: ShapeKind) -> StyleError {
    StyleError(format!("style {} with explode={explode} is not defined for {} values", style.name(), kind.name()))
}

/// The error for a style used where it has no meaning (`form` in a path, `simple` in a query).
fn not_in(style: Style, location: &str) -> StyleError {
    StyleError(format!("style {} is not a {location} parameter style", style.name()))
}

// ---------------------------------------------------------------------------------------------
// Percent-encoding.
// ---------------------------------------------------------------------------------------------

/// How the text of names and values is percent-encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    /// RFC 6570 simple expansion: only RFC 3986 unreserved characters stay, so a value can
    /// never be mistaken for a delimiter; space is `%20`.
    Unreserved,
    /// RFC 6570 reserved expansion (`allowReserved`): the reserved characters a query may hold
    /// stay and percent-encoded triples pass unchanged. 3.1.1 (Appendices C and E) still has
    /// `[ ] #` encoded, which RFC 3986 does not allow in a query, and `& = +`, which
    /// `application/x-www-form-urlencoded` gives a meaning.
    Reserved,
    /// A content-based member of a form body (an Encoding Object with only `contentType`),
    /// which 3.1.1 has "encoded per RFC1866": space becomes `+`, and otherwise the same set as
    /// `Reserved` stays, which reproduces the spec's own example exactly.
    FormContent,
    /// Headers: 3.1.1 Appendix D, no percent-encoding at all.
    Verbatim,
}

/// RFC 3986 §2.3 unreserved characters.
fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~')
}

/// The RFC 3986 reserved characters that a query may hold literally and that mean nothing
/// to `application/x-www-form-urlencoded` (all of them except `[ ] #` and `& = +`).
fn is_query_safe_reserved(byte: u8) -> bool {
    matches!(byte, b'!' | b'$' | b'\'' | b'(' | b')' | b'*' | b',' | b';' | b':' | b'@' | b'/' | b'?')
}

/// Percent-encodes `text` (its UTF-8 bytes, uppercase hex) as `how` says.
fn encode(text: &str, how: Encoding) -> Cow<'_, str> {
    if how == Encoding::Verbatim || text.bytes().all(is_unreserved) {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len() + text.len() / 2);
    for (at, &byte) in bytes.iter().enumerate() {
        let reserved_stays = matches!(how, Encoding::Reserved | Encoding::FormContent) && is_query_safe_reserved(byte);
        // A percent-encoded triple passes reserved expansion unchanged (RFC 6570 §3.2.3); its
        // two hex digits are unreserved and follow on their own.
        let triple = how == Encoding::Reserved
            && byte == b'%'
            && bytes.get(at + 1).is_some_and(u8::is_ascii_hexdigit)
            && bytes.get(at + 2).is_some_and(u8::is_ascii_hexdigit);
        if is_unreserved(byte) || reserved_stays || triple {
            out.push(char::from(byte));
        } else if how == Encoding::FormContent && byte == b' ' {
            out.push('+');
        } else {
            // Writing to a `String` cannot fail.
            let _ = write!(out, "%{byte:02X}");
        }
    }
    Cow::Owned(out)
}

/// How raw text is read back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Decoding {
    /// Percent-decoding (paths, cookies): `+` is itself.
    Percent,
    /// `application/x-www-form-urlencoded` decoding (queries): `+` is a space as well. This
    /// module writes `+` as `%2B` everywhere, so reading `+` as a space loses nothing of ours
    /// and reads what browsers send (3.1.1 Appendix E, "Decoding URIs").
    Form,
    /// Headers, which were never encoded.
    Verbatim,
}

/// Decodes raw text as `how` says; percent-decoded bytes must be UTF-8.
fn decode(raw: &str, how: Decoding) -> Result<String, StyleError> {
    let raw_text: Cow<'_, str> = match how {
        Decoding::Verbatim => return Ok(raw.to_owned()),
        Decoding::Form if raw.contains('+') => Cow::Owned(raw.replace('+', " ")),
        Decoding::Form | Decoding::Percent => Cow::Borrowed(raw),
    };
    percent_encoding::percent_decode_str(&raw_text)
        .decode_utf8()
        .map(Cow::into_owned)
        .map_err(|_| StyleError(format!("`{raw}` is not UTF-8 once percent-decoded")))
}

// ---------------------------------------------------------------------------------------------
// Writing: RFC 6570 expansion.
// ---------------------------------------------------------------------------------------------

/// An RFC 6570 operator (§3.2, Appendix A), as 3.1.1 Appendix C maps the styles onto them.
#[derive(Clone, Copy, Debug)]
struct Operator {
    /// Written before the first piece.
    first: &'static str,
    /// Written between the pieces of an exploded value.
    separator: &'static str,
    /// Whether each piece carries a name (`;` and `?`).
    named: bool,
    /// Written after a name whose value is empty: `;color` but `color=`.
    if_empty: &'static str,
}

/// `simple`: no operator.
const SIMPLE: Operator = Operator { first: "", separator: ",", named: false, if_empty: "" };
/// `label`: the `.` operator.
const LABEL: Operator = Operator { first: ".", separator: ".", named: false, if_empty: "" };
/// `matrix`: the `;` operator.
const MATRIX: Operator = Operator { first: ";", separator: ";", named: true, if_empty: "" };
/// `form`: the `?` operator without its `?`, since this module writes query-string fragments
/// (and form bodies, where 3.1.1 says the `?` MUST NOT be added).
const FORM: Operator = Operator { first: "", separator: "&", named: true, if_empty: "=" };

/// The pieces of one RFC 6570 expansion, which the operator joins with its separator; none
/// for an undefined (empty) array or object. `how` encodes values and object keys; names are
/// always encoded as unreserved text, as 3.1.1 Appendix C says for names outside RFC 6570's
/// variable syntax.
fn pieces(op: Operator, name: &str, value: &Shape<'_>, explode: bool, how: Encoding) -> Vec<String> {
    let name = encode(name, Encoding::Unreserved);
    let named = |text: &str| {
        if text.is_empty() {
            format!("{name}{}", op.if_empty)
        } else {
            format!("{name}={}", encode(text, how))
        }
    };
    let list_prefix = if op.named { format!("{name}=") } else { String::new() };
    match value {
        Shape::Primitive(text) if op.named => vec![named(text)],
        Shape::Primitive(text) => vec![encode(text, how).into_owned()],
        Shape::Array(items) if items.is_empty() => Vec::new(),
        Shape::Object(members) if members.is_empty() => Vec::new(),
        // An exploded array: one piece per item, each named under `;` and `?`.
        Shape::Array(items) if explode => {
            items.iter().map(|item| if op.named { named(item) } else { encode(item, how).into_owned() }).collect()
        }
        // An array as one comma list (the `,` is RFC 6570's, whatever the operator).
        Shape::Array(items) => {
            let items: Vec<_> = items.iter().map(|item| encode(item, how)).collect();
            vec![format!("{list_prefix}{}", items.join(","))]
        }
        // An exploded object: one `key=value` piece per member; the key takes the name's place.
        Shape::Object(members) if explode => members
            .iter()
            .map(|(key, member)| {
                let key = encode(key, how);
                if op.named && member.is_empty() {
                    format!("{key}{}", op.if_empty)
                } else {
                    format!("{key}={}", encode(member, how))
                }
            })
            .collect(),
        // An object as one `key,value,key,value` list.
        Shape::Object(members) => {
            let parts: Vec<_> =
                members.iter().flat_map(|(key, member)| [encode(key, how), encode(member, how)]).collect();
            vec![format!("{list_prefix}{}", parts.join(","))]
        }
    }
}

/// The pieces joined into the expansion: nothing at all for an undefined value, otherwise the
/// operator's first character and the pieces.
fn join(op: Operator, pieces: &[String]) -> String {
    if pieces.is_empty() {
        String::new()
    } else {
        format!("{}{}", op.first, pieces.join(op.separator))
    }
}

/// Rejects a value whose items (or keys or values) contain `delimiter`, which the style
/// writes literally or encodes the same way as the item's own text, so that no reader could
/// tell the parts apart.
fn reject_delimiter(value: &Shape<'_>, delimiter: char, why: &str) -> Result<(), StyleError> {
    if matches!(value, Shape::Primitive(_)) {
        return Ok(());
    }
    match value.texts().into_iter().find(|text| text.contains(delimiter)) {
        Some(text) => Err(StyleError(format!("`{text}` contains `{delimiter}`, which {why}"))),
        None => Ok(()),
    }
}

/// A path parameter: `simple`, `label` or `matrix`, percent-encoded as a path segment (RFC 3986
/// unreserved characters stay, everything else in a value is encoded, `/` included; the
/// style's own delimiters `, ; = .` are written literally).
///
/// `label` with explode=true separates items with `.`, which RFC 6570 leaves unencoded in
/// values; an item containing `.` is an error, since no server could split the items again.
/// A value that would make the whole expansion a `.` or `..` segment, which URL normalisation
/// removes (RFC 3986 §5.2.4), has those dots written `%2E`; a `label` value's own leading `.`
/// stays, as the table shows it.
pub fn path(name: &str, value: &Shape<'_>, style: Style, explode: bool) -> Result<String, StyleError> {
    let op = match style {
        Style::Simple => SIMPLE,
        Style::Label => LABEL,
        Style::Matrix => MATRIX,
        other => return Err(not_in(other, "path")),
    };
    if style == Style::Label && explode {
        reject_delimiter(value, '.', "label style with explode=true uses to separate items")?;
    }
    let text = join(op, &pieces(op, name, value, explode, Encoding::Unreserved));
    Ok(match (style, text.as_str()) {
        (Style::Simple, "." | "..") => text.replace('.', "%2E"),
        (Style::Label, "..") => ".%2E".to_owned(),
        _ => text,
    })
}

/// A query parameter as a query-string fragment (`a=1&a=2`, no leading `?`), names and values
/// percent-encoded as RFC 3986 / RFC 6570 say (space is %20); reserved characters of values
/// stay unencoded only when `allow_reserved`. Styles: form, spaceDelimited, pipeDelimited,
/// deepObject. An empty array under `form` explode=true gives an empty string (nothing sent).
///
/// Any empty array or object gives the empty string, in every style: RFC 6570 §2.3 makes them
/// undefined. With `allow_reserved`, `[ ] #` and `& = +` are still encoded, as 3.1.1's
/// `allowReserved` text requires, and percent-encoded triples pass unchanged. An item of a
/// `spaceDelimited` (`pipeDelimited`) value that contains a space (`|`) is an error: the
/// delimiter and the character are both written `%20` (`%7C`), and 3.1.1 Appendix E leaves
/// any escape convention to the API.
pub fn query(
    name: &str,
    value: &Shape<'_>,
    style: Style,
    explode: bool,
    allow_reserved: bool,
) -> Result<String, StyleError> {
    let how = if allow_reserved { Encoding::Reserved } else { Encoding::Unreserved };
    Ok(query_pieces(name, value, style, explode, how)?.join("&"))
}

/// The `&`-separated pairs of a query parameter (or of a style-based form body member).
fn query_pieces(
    name: &str,
    value: &Shape<'_>,
    style: Style,
    explode: bool,
    how: Encoding,
) -> Result<Vec<String>, StyleError> {
    match style {
        Style::Form => Ok(pieces(FORM, name, value, explode, how)),
        Style::SpaceDelimited | Style::PipeDelimited => delimited(name, value, style, explode, how),
        Style::DeepObject => match value {
            Shape::Object(members) if explode => {
                let name = encode(name, Encoding::Unreserved);
                Ok(members
                    .iter()
                    .map(|(key, member)| format!("{name}%5B{}%5D={}", encode(key, how), encode(member, how)))
                    .collect())
            }
            other => Err(undefined(style, explode, other.kind())),
        },
        other => Err(not_in(other, "query")),
    }
}

/// `spaceDelimited` and `pipeDelimited`: an array's items, or an object's keys and values, in
/// one `name=` pair, the delimiter written percent-encoded as the 3.1.1 table shows it.
fn delimited(
    name: &str,
    value: &Shape<'_>,
    style: Style,
    explode: bool,
    how: Encoding,
) -> Result<Vec<String>, StyleError> {
    let (delimiter, written) = if style == Style::SpaceDelimited { (' ', "%20") } else { ('|', "%7C") };
    if explode || matches!(value, Shape::Primitive(_)) {
        return Err(undefined(style, explode, value.kind()));
    }
    reject_delimiter(value, delimiter, &format!("{} uses to separate parts", style.name()))?;
    let parts: Vec<_> = value.texts().into_iter().map(|text| encode(text, how)).collect();
    if parts.is_empty() {
        return Ok(Vec::new());
    }
    Ok(vec![format!("{}={}", encode(name, Encoding::Unreserved), parts.join(written))])
}

/// A header parameter's value: `simple`, no percent-encoding.
///
/// Since nothing is encoded, control characters (CR and LF above all, which would end the
/// header) are an error, and so is an array item or object part containing `,`, or an
/// exploded object key containing `=`, which would read back as different parts.
pub fn header(value: &Shape<'_>, explode: bool) -> Result<String, StyleError> {
    if let Some(text) =
        value.texts().into_iter().find(|text| text.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f))
    {
        return Err(StyleError(format!("{text:?} contains a control character, which a header value cannot hold")));
    }
    reject_delimiter(value, ',', "simple style uses to separate parts")?;
    if let Shape::Object(members) = value {
        if let Some((key, _)) = members.iter().find(|(key, _)| explode && key.contains('=')) {
            return Err(StyleError(format!("`{key}` contains `=`, which separates an exploded key from its value")));
        }
    }
    Ok(join(SIMPLE, &pieces(SIMPLE, "", value, explode, Encoding::Verbatim)))
}

/// A cookie parameter (`form` style) as `name=value` pairs, which the request joins with `; `
/// into one `Cookie` header (RFC 6265 §5.4 allows one). Values are percent-encoded the way
/// form style says; explode=true with an array gives one pair per item.
///
/// 3.1.1 Appendix D calls `form` for cookies ambiguous and leaves the `?` question to the
/// implementation: these pairs have no `?`, like the spec's examples, and are separated by
/// `; ` rather than `&`. The `,` of an unexploded list is written literally as the table does,
/// although RFC 6265's cookie-octet excludes it; every value's own characters outside the
/// unreserved set are percent-encoded, so `;`, space and `"` never appear.
pub fn cookie(name: &str, value: &Shape<'_>, explode: bool) -> Result<Vec<String>, StyleError> {
    Ok(pieces(FORM, name, value, explode, Encoding::Unreserved))
}

/// How one property of an `application/x-www-form-urlencoded` body is written (the Encoding
/// Object): `style`/`explode` (default form, explode true) or a `content_type` (e.g.
/// `application/json`, which writes the property as that JSON text).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FormEncoding<'a> {
    /// The property's name.
    pub name: &'a str,
    /// The style (`form`, `spaceDelimited`, `pipeDelimited` or `deepObject`).
    pub style: Style,
    /// Whether arrays and objects are exploded.
    pub explode: bool,
    /// Whether reserved characters stay unencoded.
    pub allow_reserved: bool,
    /// Content-based serialization: when set, the style fields are ignored and the property is
    /// written as this media type (JSON text for a JSON type, otherwise plain text).
    pub content_type: Option<&'a str>,
}

/// An `application/x-www-form-urlencoded` body from a value's JSON form (an object; anything
/// else is an error): each member by its encoding in `encodings` (by property name; members
/// without one use form/explode=true), in member order; null members are left out; arrays of
/// primitives repeat the key under form explode=true, objects follow the style rules.
///
/// Spaces: 3.1.1 Appendix E assigns RFC 6570 percent-encoding to style-based serialization
/// ("does not use `+`") and RFC 1866 to content-based serialization, whose example body writes
/// `123+Example+Dr.`. So a member written by style has spaces as `%20`, exactly as the same
/// value in a query would be, and a member with a `content_type` has them as `+`, matching the
/// spec's example byte for byte. Both are `application/x-www-form-urlencoded` and decode the
/// same; a literal `+` is `%2B` in either.
///
/// Under a `content_type`, a JSON media type (`application/json`, `*+json`) writes the whole
/// member as compact JSON; any other writes a primitive as its text, an array as one pair per
/// item, and an object as compact JSON (no other text form is defined for it).
///
/// The spec's default `contentType` for an object-valued property without an Encoding Object
/// is `application/json`; this function does not look at schemas, so the caller passes that
/// default in `encodings` where the spec implies it.
pub fn form_body(value: &Value, encodings: &[FormEncoding<'_>]) -> Result<String, StyleError> {
    let Value::Object(members) = value else {
        // The value itself is not quoted: it may carry a secret.
        let kind = match value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        };
        return Err(StyleError(format!("a form body is written from an object, not {kind}")));
    };
    let mut pairs = Vec::new();
    for (name, member) in members {
        let Some(shape) = Shape::from_json(member) else { continue };
        let encoding = encodings.iter().find(|encoding| encoding.name == name);
        if let Some(content_type) = encoding.and_then(|encoding| encoding.content_type) {
            pairs.extend(content_pairs(name, member, content_type));
            continue;
        }
        let (style, explode, allow_reserved) =
            encoding.map_or((Style::Form, true, false), |e| (e.style, e.explode, e.allow_reserved));
        let how = if allow_reserved { Encoding::Reserved } else { Encoding::Unreserved };
        let written = query_pieces(name, &shape, style, explode, how)
            .map_err(|error| StyleError(format!("form body member `{name}`: {error}")))?;
        pairs.extend(written);
    }
    Ok(pairs.join("&"))
}

/// A content-based member's pairs (see [`form_body`]).
fn content_pairs(name: &str, member: &Value, content_type: &str) -> Vec<String> {
    let key = encode(name, Encoding::FormContent);
    let pair = |text: &str| format!("{key}={}", encode(text, Encoding::FormContent));
    // A comma-separated list of media types names the first as the one written.
    let essence = content_type.split([',', ';']).next().unwrap_or_default().trim().to_ascii_lowercase();
    if essence == "application/json" || essence.ends_with("+json") {
        return vec![pair(&member.to_string())];
    }
    match member {
        Value::Array(items) => items.iter().filter_map(item_text).map(|text| pair(&text)).collect(),
        other => item_text(other).map(|text| pair(&text)).into_iter().collect(),
    }
}

// ---------------------------------------------------------------------------------------------
// Reading back.
// ---------------------------------------------------------------------------------------------

/// The `name=value` pairs of a query string or `Cookie` header, still encoded; a pair without
/// `=` has an empty value.
fn split_pairs(raw: &str, separator: char) -> Vec<(&str, &str)> {
    raw.split(separator)
        .map(|pair| pair.trim_matches([' ', '\t']))
        .filter(|pair| !pair.is_empty())
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
        .collect()
}

/// The raw values of the pairs whose decoded name is `name`.
fn values_named<'r>(pairs: &[(&str, &'r str)], name: &str, how: Decoding) -> Vec<&'r str> {
    pairs
        .iter()
        .filter(|(raw_name, _)| decode(raw_name, how).is_ok_and(|decoded| decoded == name))
        .map(|&(_, raw_value)| raw_value)
        .collect()
}

/// The single raw value of `name`; `None` when absent, an error when repeated.
fn single<'r>(values: &[&'r str], name: &str, why: &str) -> Result<Option<&'r str>, StyleError> {
    match values {
        [] => Ok(None),
        [one] => Ok(Some(one)),
        more => Err(StyleError(format!("`{name}` appears {} times, but {why} is written once", more.len()))),
    }
}

/// Splits raw text at a delimiter, then decodes each part, so that an encoded delimiter
/// inside a part stays in it.
fn split_decode(raw: &str, delimiter: char, how: Decoding) -> Result<Vec<Cow<'static, str>>, StyleError> {
    raw.split(delimiter).map(|part| decode(part, how).map(Cow::Owned)).collect()
}

/// Pairs up a flat `key,value,key,value` list.
fn pairs_of(parts: Vec<Cow<'static, str>>) -> Result<Shape<'static>, StyleError> {
    let count = parts.len();
    let mut parts = parts.into_iter();
    let mut members = Vec::with_capacity(count / 2);
    while let Some(key) = parts.next() {
        let Some(value) = parts.next() else {
            return Err(StyleError(format!(
                "an object is written as keys and values, but {count} parts are an odd number"
            )));
        };
        members.push((key, value));
    }
    Ok(Shape::Object(members))
}

/// `form` style read from pairs (a query string's or a `Cookie` header's). For an exploded
/// object, every pair whose name is not in `known` is a member.
fn parse_form(
    pairs: &[(&str, &str)],
    name: &str,
    kind: ShapeKind,
    explode: bool,
    known: &[&str],
    how: Decoding,
) -> Result<Option<Shape<'static>>, StyleError> {
    match (kind, explode) {
        (ShapeKind::Object, true) => {
            let mut members = Vec::new();
            for (raw_key, raw_value) in pairs {
                let key = decode(raw_key, how)?;
                if !known.contains(&key.as_str()) {
                    members.push((Cow::Owned(key), Cow::Owned(decode(raw_value, how)?)));
                }
            }
            Ok((!members.is_empty()).then_some(Shape::Object(members)))
        }
        (ShapeKind::Array, true) => {
            let items = values_named(pairs, name, how)
                .into_iter()
                .map(|raw| decode(raw, how).map(Cow::Owned))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((!items.is_empty()).then_some(Shape::Array(items)))
        }
        (kind, _) => {
            let why = match kind {
                ShapeKind::Primitive => "a primitive",
                _ => "an unexploded value",
            };
            let Some(raw) = single(&values_named(pairs, name, how), name, why)? else { return Ok(None) };
            Ok(Some(match kind {
                ShapeKind::Primitive => Shape::Primitive(Cow::Owned(decode(raw, how)?)),
                ShapeKind::Array => Shape::Array(split_decode(raw, ',', how)?),
                ShapeKind::Object => pairs_of(split_decode(raw, ',', how)?)?,
            }))
        }
    }
}

/// The parameter `name` read back from a raw query string (`a=1&b=2`, no `?`), as the shape
/// `expected` says (primitive/array/object: pass `ShapeKind`) under style/explode; `Ok(None)`
/// when absent; an error when present but not in that style (e.g. `id=1&id=2` for
/// explode=false).
///
/// `known` names the operation's other query parameters. It matters only for an object under
/// `form` with explode=true, whose keys are top-level query names: every pair not named in
/// `known` is taken as a member (so an empty `known` takes them all).
///
/// `+` reads as a space (the query is `application/x-www-form-urlencoded`), and the
/// delimiters of `spaceDelimited`, `pipeDelimited` and `deepObject` are found after decoding,
/// so 3.0.3's unencoded `|` and `[ ]` read the same as 3.1.1's `%7C` and `%5B %5D`.
pub fn parse_query(
    raw_query: &str,
    name: &str,
    kind: ShapeKind,
    style: Style,
    explode: bool,
    known: &[&str],
) -> Result<Option<Shape<'static>>, StyleError> {
    let how = Decoding::Form;
    let pairs = split_pairs(raw_query, '&');
    match style {
        Style::Form => parse_form(&pairs, name, kind, explode, known, how),
        Style::SpaceDelimited | Style::PipeDelimited => {
            if explode || kind == ShapeKind::Primitive {
                return Err(undefined(style, explode, kind));
            }
            let delimiter = if style == Style::SpaceDelimited { ' ' } else { '|' };
            let Some(raw) = single(&values_named(&pairs, name, how), name, style.name())? else { return Ok(None) };
            // The writer refuses items holding the delimiter, so decoding first is lossless.
            let parts: Vec<Cow<'static, str>> =
                decode(raw, how)?.split(delimiter).map(|part| Cow::Owned(part.to_owned())).collect();
            Ok(Some(if kind == ShapeKind::Array { Shape::Array(parts) } else { pairs_of(parts)? }))
        }
        Style::DeepObject => {
            if !explode || kind != ShapeKind::Object {
                return Err(undefined(style, explode, kind));
            }
            let mut members = Vec::new();
            for (raw_name, raw_value) in &pairs {
                let Ok(decoded) = decode(raw_name, how) else { continue };
                // Only the outer brackets are the style's, so a key may itself hold `[` or `]`.
                let key = decoded.strip_prefix(name).and_then(|rest| rest.strip_prefix('[')?.strip_suffix(']'));
                if let Some(key) = key {
                    members.push((Cow::Owned(key.to_owned()), Cow::Owned(decode(raw_value, how)?)));
                }
            }
            Ok((!members.is_empty()).then_some(Shape::Object(members)))
        }
        other => Err(not_in(other, "query")),
    }
}

/// An unnamed (`simple` or `label`) expansion's body read back: `exploded_separator` is what
/// separates exploded items (`,` for simple, `.` for label).
fn parse_unnamed(
    body: &str,
    kind: ShapeKind,
    explode: bool,
    exploded_separator: char,
    how: Decoding,
) -> Result<Shape<'static>, StyleError> {
    let separator = if explode { exploded_separator } else { ',' };
    match kind {
        ShapeKind::Primitive => Ok(Shape::Primitive(Cow::Owned(decode(body, how)?))),
        ShapeKind::Array => Ok(Shape::Array(split_decode(body, separator, how)?)),
        ShapeKind::Object if !explode => pairs_of(split_decode(body, ',', how)?),
        ShapeKind::Object => body
            .split(separator)
            .map(|part| {
                let (key, value) = part
                    .split_once('=')
                    .ok_or_else(|| StyleError(format!("`{part}` is not the `key=value` of an exploded object")))?;
                Ok((Cow::Owned(decode(key, how)?), Cow::Owned(decode(value, how)?)))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Shape::Object),
    }
}

/// A `matrix` expansion's body (after its first `;`) read back.
fn parse_matrix(body: &str, name: &str, kind: ShapeKind, explode: bool) -> Result<Shape<'static>, StyleError> {
    let how = Decoding::Percent;
    let parts: Vec<&str> = body.split(';').collect();
    // A `name=value` (or bare `name`, for an empty value) part's raw value.
    let value_of = |part: &str| -> Result<String, StyleError> {
        let (raw_name, raw_value) = part.split_once('=').unwrap_or((part, ""));
        let found = decode(raw_name, how)?;
        if found != name {
            return Err(StyleError(format!("matrix parameter `{name}` expected, found `{found}`")));
        }
        Ok(raw_value.to_owned())
    };
    match (kind, explode) {
        (ShapeKind::Object, true) => parts
            .iter()
            .map(|part| {
                let (key, value) = part.split_once('=').unwrap_or((part, ""));
                Ok((Cow::Owned(decode(key, how)?), Cow::Owned(decode(value, how)?)))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Shape::Object),
        (ShapeKind::Array, true) => parts
            .iter()
            .map(|part| decode(&value_of(part)?, how).map(Cow::Owned))
            .collect::<Result<Vec<_>, _>>()
            .map(Shape::Array),
        (kind, _) => {
            let [part] = parts.as_slice() else {
                return Err(StyleError(format!(
                    "matrix parameter `{name}` unexploded is one `;{name}=...`, not {} parts",
                    parts.len()
                )));
            };
            let raw = value_of(part)?;
            match kind {
                ShapeKind::Primitive => Ok(Shape::Primitive(Cow::Owned(decode(&raw, how)?))),
                ShapeKind::Array => Ok(Shape::Array(split_decode(&raw, ',', how)?)),
                ShapeKind::Object => pairs_of(split_decode(&raw, ',', how)?),
            }
        }
    }
}

/// A path parameter read back: `segment_text` is the raw (still percent-encoded) text that
/// filled the template placeholder. Empty text is an undefined (empty) array or object.
pub fn parse_path(
    segment_text: &str,
    name: &str,
    kind: ShapeKind,
    style: Style,
    explode: bool,
) -> Result<Shape<'static>, StyleError> {
    let how = Decoding::Percent;
    if segment_text.is_empty() && kind != ShapeKind::Primitive {
        return Ok(kind.empty());
    }
    let body_after = |prefix: char| {
        segment_text
            .strip_prefix(prefix)
            .ok_or_else(|| StyleError(format!("a {} value starts with `{prefix}`: `{segment_text}`", style.name())))
    };
    match style {
        Style::Simple => parse_unnamed(segment_text, kind, explode, ',', how),
        Style::Label => parse_unnamed(body_after('.')?, kind, explode, '.', how),
        Style::Matrix => parse_matrix(body_after(';')?, name, kind, explode),
        other => Err(not_in(other, "path")),
    }
}

/// A header parameter read back (`simple`, never percent-encoded). An empty value is an
/// undefined (empty) array or object.
pub fn parse_header(value: &str, kind: ShapeKind, explode: bool) -> Result<Shape<'static>, StyleError> {
    if value.is_empty() {
        return Ok(kind.empty());
    }
    parse_unnamed(value, kind, explode, ',', Decoding::Verbatim)
}

/// A cookie parameter (`form` style) read back from a `Cookie` header (`a=1; b=2`); `Ok(None)`
/// when absent. `known` names the operation's other cookie parameters: as in
/// [`parse_query`], it matters only for an exploded object, whose keys are cookie names.
pub fn parse_cookie(
    cookie_header: &str,
    name: &str,
    kind: ShapeKind,
    explode: bool,
    known: &[&str],
) -> Result<Option<Shape<'static>>, StyleError> {
    parse_form(&split_pairs(cookie_header, ';'), name, kind, explode, known, Decoding::Percent)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::Style::{DeepObject, Form, Label, Matrix, PipeDelimited, Simple, SpaceDelimited};
    use super::*;

    /// A cell of the table: the text the spec prints, or `None` for _n/a_.
    type Cell = Option<&'static str>;

    /// An _n/a_ cell: the combination is undefined and must be refused.
    const NA: Cell = None;

    /// OpenAPI 3.1.1, Parameter Object, "Style Examples", row for row: style, explode, then the
    /// `empty`, `string`, `array` and `object` columns for a parameter named `color`. Query
    /// rows keep the `?` the spec prints (the tests add it to `query`'s fragment). Not
    /// formatted, so that each line stays one row of the spec's table.
    #[rustfmt::skip]
    const STYLE_EXAMPLES: &[(Style, bool, [Cell; 4])] = &[
        (Matrix, false, [Some(";color"), Some(";color=blue"), Some(";color=blue,black,brown"), Some(";color=R,100,G,200,B,150")]),
        (Matrix, true, [Some(";color"), Some(";color=blue"), Some(";color=blue;color=black;color=brown"), Some(";R=100;G=200;B=150")]),
        // 3.0.3 printed `.blue.black.brown` and `.R.100.G.200.B.150` in this row (errata);
        // 3.1.1 joins with `,` unless exploded, as RFC 6570 §3.2.5 does.
        (Label, false, [Some("."), Some(".blue"), Some(".blue,black,brown"), Some(".R,100,G,200,B,150")]),
        (Label, true, [Some("."), Some(".blue"), Some(".blue.black.brown"), Some(".R=100.G=200.B=150")]),
        // 3.0.3 had n/a for the empty value (and listed `simple` for arrays only); 3.1.1 writes
        // the empty string, as RFC 6570 does.
        (Simple, false, [Some(""), Some("blue"), Some("blue,black,brown"), Some("R,100,G,200,B,150")]),
        (Simple, true, [Some(""), Some("blue"), Some("blue,black,brown"), Some("R=100,G=200,B=150")]),
        // 3.0.3 printed the form rows without `?`; the pairs are the same.
        (Form, false, [Some("?color="), Some("?color=blue"), Some("?color=blue,black,brown"), Some("?color=R,100,G,200,B,150")]),
        (Form, true, [Some("?color="), Some("?color=blue"), Some("?color=blue&color=black&color=brown"), Some("?R=100&G=200&B=150")]),
        (SpaceDelimited, false, [NA, NA, Some("?color=blue%20black%20brown"), Some("?color=R%20100%20G%20200%20B%20150")]),
        // Not in 3.0.3's table at all; n/a in 3.1.1.
        (SpaceDelimited, true, [NA, NA, NA, NA]),
        // 3.0.3 wrote `|` unencoded and its object cell read `R|100|G|200|G|150` (errata).
        (PipeDelimited, false, [NA, NA, Some("?color=blue%7Cblack%7Cbrown"), Some("?color=R%7C100%7CG%7C200%7CB%7C150")]),
        (PipeDelimited, true, [NA, NA, NA, NA]),
        (DeepObject, false, [NA, NA, NA, NA]),
        // 3.0.3 wrote `color[R]=100&...`; RFC 3986 does not allow `[ ]` unencoded in a query.
        (DeepObject, true, [NA, NA, NA, Some("?color%5BR%5D=100&color%5BG%5D=200&color%5BB%5D=150")]),
    ];

    /// A value by its JSON form, which must not be null.
    fn shape(value: serde_json::Value) -> Shape<'static> {
        Shape::from_json(&value).expect("not null")
    }

    /// The table's columns: the empty string, then the spec's `string`, `array` and `object`.
    fn columns() -> [Shape<'static>; 4] {
        [
            shape(json!("")),
            shape(json!("blue")),
            shape(json!(["blue", "black", "brown"])),
            shape(json!({ "R": 100, "G": 200, "B": 150 })),
        ]
    }

    fn is_path_style(style: Style) -> bool {
        matches!(style, Matrix | Label | Simple)
    }

    /// Writes `color` as the table's row does: in a path, or as a whole query string.
    fn write_color(style: Style, explode: bool, value: &Shape<'_>) -> Result<String, StyleError> {
        if is_path_style(style) {
            path("color", value, style, explode)
        } else {
            query("color", value, style, explode, false).map(|fragment| format!("?{fragment}"))
        }
    }

    /// Reads `color` back from the text the table prints.
    fn read_color(style: Style, explode: bool, kind: ShapeKind, text: &str) -> Result<Shape<'static>, StyleError> {
        if is_path_style(style) {
            parse_path(text, "color", kind, style, explode)
        } else {
            let raw = text.strip_prefix('?').unwrap_or(text);
            parse_query(raw, "color", kind, style, explode, &[])?.ok_or_else(|| StyleError("absent".to_owned()))
        }
    }

    #[test]
    fn style_examples_table() {
        for &(style, explode, cells) in STYLE_EXAMPLES {
            for (value, cell) in columns().iter().zip(cells) {
                let written = write_color(style, explode, value);
                match cell {
                    Some(expected) => {
                        assert_eq!(written.as_deref(), Ok(expected), "{style:?} explode={explode} {value:?}")
                    }
                    None => assert!(written.is_err(), "{style:?} explode={explode} {value:?} is n/a, got {written:?}"),
                }
            }
        }
    }

    #[test]
    fn style_examples_table_reads_back() {
        for &(style, explode, cells) in STYLE_EXAMPLES {
            for (value, cell) in columns().iter().zip(cells) {
                let Some(text) = cell else {
                    // An n/a cell is refused by the reader too, whatever the text.
                    if !is_path_style(style) {
                        let read = parse_query("color=blue", "color", value.kind(), style, explode, &[]);
                        assert!(read.is_err(), "{style:?} explode={explode} {:?} is n/a, read {read:?}", value.kind());
                    }
                    continue;
                };
                assert_eq!(
                    read_color(style, explode, value.kind(), text).as_ref(),
                    Ok(value),
                    "{style:?} explode={explode} {text}"
                );
            }
        }
    }

    #[test]
    fn headers_are_the_simple_rows_unencoded() {
        for &(style, explode, cells) in STYLE_EXAMPLES.iter().filter(|(style, ..)| *style == Simple) {
            for (value, cell) in columns().iter().zip(cells) {
                let expected = cell.expect("every simple cell is defined");
                assert_eq!(header(value, explode).as_deref(), Ok(expected), "{style:?} explode={explode}");
                assert_eq!(parse_header(expected, value.kind(), explode).as_ref(), Ok(value));
            }
        }
        // No percent-encoding: the text goes as it is.
        assert_eq!(header(&shape(json!("a b/ü%")), false).as_deref(), Ok("a b/ü%"));
        // A line break would end the header; a `,` inside an item would split it.
        assert!(header(&shape(json!("a\r\nX-Injected: 1")), false).is_err());
        assert!(header(&shape(json!(["a,b", "c"])), false).is_err());
        assert!(header(&shape(json!({ "k=1": "v" })), true).is_err());
        assert_eq!(header(&shape(json!({ "k=1": "v" })), false).as_deref(), Ok("k=1,v"));
    }

    #[test]
    fn cookies_are_the_form_rows_as_pairs() {
        for &(style, explode, cells) in STYLE_EXAMPLES.iter().filter(|(style, ..)| *style == Form) {
            for (value, cell) in columns().iter().zip(cells) {
                let text = cell.expect("every form cell is defined");
                // The pairs the query joins with `&`, the request joins with `; ` (RFC 6265).
                let expected: Vec<&str> = text.trim_start_matches('?').split('&').collect();
                let pairs = cookie("color", value, explode).expect("form is defined for every shape");
                assert_eq!(pairs, expected, "{style:?} explode={explode}");
                let header = pairs.join("; ");
                let read = parse_cookie(
                    &format!("session=x; {header}; other=y"),
                    "color",
                    value.kind(),
                    explode,
                    &["session", "other"],
                );
                assert_eq!(read, Ok(Some(value.clone())), "{header}");
            }
        }
        // Values are percent-encoded as form style says, so `;`, space and `"` never appear.
        let pairs = cookie("token", &shape(json!("a b;c\"d")), true);
        assert_eq!(pairs, Ok(vec!["token=a%20b%3Bc%22d".to_owned()]));
        assert_eq!(
            parse_cookie("token=a%20b%3Bc%22d", "token", ShapeKind::Primitive, true, &[]),
            Ok(Some(shape(json!("a b;c\"d"))))
        );
        assert_eq!(parse_cookie("a=1", "token", ShapeKind::Primitive, true, &[]), Ok(None));
        assert_eq!(cookie("ids", &shape(json!([])), true), Ok(vec![]));
    }

    /// A value with a space, `/`, `,`, `&`, `=`, and non-ASCII text.
    const AWKWARD: &str = "a b/c,d&e=f ü";

    #[test]
    fn percent_encoding_of_values() {
        let value = shape(json!(AWKWARD));
        // Paths: only unreserved characters stay, `/` included in what is encoded.
        assert_eq!(path("p", &value, Simple, false).as_deref(), Ok("a%20b%2Fc%2Cd%26e%3Df%20%C3%BC"));
        assert_eq!(path("p", &value, Matrix, false).as_deref(), Ok(";p=a%20b%2Fc%2Cd%26e%3Df%20%C3%BC"));
        // Queries without allowReserved: the same, space as %20.
        assert_eq!(query("q", &value, Form, true, false).as_deref(), Ok("q=a%20b%2Fc%2Cd%26e%3Df%20%C3%BC"));
        // With allowReserved `/` and `,` stay; `&`, `=`, space and non-ASCII are still encoded.
        assert_eq!(query("q", &value, Form, true, true).as_deref(), Ok("q=a%20b/c,d%26e%3Df%20%C3%BC"));
        // allowReserved still encodes `[ ] #` and `+`, passes percent triples, and encodes a
        // `%` that starts none.
        assert_eq!(
            query("q", &shape(json!("[x]#1+1 %41 %zz")), Form, true, true).as_deref(),
            Ok("q=%5Bx%5D%231%2B1%20%41%20%25zz")
        );
        // Every one of them reads back.
        for allow_reserved in [false, true] {
            let written = query("q", &value, Form, true, allow_reserved).expect("form");
            assert_eq!(parse_query(&written, "q", ShapeKind::Primitive, Form, true, &[]), Ok(Some(value.clone())));
        }
        assert_eq!(
            parse_path("a%20b%2Fc%2Cd%26e%3Df%20%C3%BC", "p", ShapeKind::Primitive, Simple, false),
            Ok(value.clone())
        );
        // A delimiter inside an item is encoded, so the items come back apart.
        let items = shape(json!(["a,b", "c;d", "e=f"]));
        let written = query("q", &items, Form, false, false).expect("form");
        assert_eq!(written, "q=a%2Cb,c%3Bd,e%3Df");
        assert_eq!(parse_query(&written, "q", ShapeKind::Array, Form, false, &[]), Ok(Some(items.clone())));
        let written = path("p", &items, Matrix, true).expect("matrix");
        assert_eq!(written, ";p=a%2Cb;p=c%3Bd;p=e%3Df");
        assert_eq!(parse_path(&written, "p", ShapeKind::Array, Matrix, true), Ok(items));
        // Names are encoded too.
        assert_eq!(query("a b", &shape(json!("1")), Form, true, false).as_deref(), Ok("a%20b=1"));
        // A query's `+` is a space (form-urlencoded); ours never writes one.
        assert_eq!(parse_query("q=a+b%2B", "q", ShapeKind::Primitive, Form, true, &[]), Ok(Some(shape(json!("a b+")))));
    }

    /// OpenAPI 3.1.1 Appendix C, "Examples": `formulas` exploded, `words` not.
    #[test]
    fn appendix_c_examples() {
        let formulas = shape(json!({ "a": "x+y", "b": "x/y", "c": "x^y" }));
        let words = shape(json!(["math", "is", "fun"]));
        let whole = |parts: &[String]| {
            let parts: Vec<&str> = parts.iter().map(String::as_str).filter(|part| !part.is_empty()).collect();
            format!("?{}", parts.join("&"))
        };
        // RFC6570-Equivalent Expansion: `{?formulas*,words}`.
        let written = [
            query("formulas", &formulas, Form, true, false).unwrap(),
            query("words", &words, Form, false, false).unwrap(),
        ];
        assert_eq!(whole(&written), "?a=x%2By&b=x%2Fy&c=x%5Ey&words=math,is,fun");
        // Expansion With Non-RFC6570-Supported Options: allowReserved, spaceDelimited.
        let written = [
            query("formulas", &formulas, Form, true, true).unwrap(),
            query("words", &words, SpaceDelimited, false, false).unwrap(),
        ];
        assert_eq!(whole(&written), "?a=x%2By&b=x/y&c=x%5Ey&words=math%20is%20fun");
        // Undefined Values: an empty object leaves nothing, not even a separator.
        let empty = shape(json!({}));
        let hello = shape(json!(["hello", "world"]));
        let written = [
            query("formulas", &empty, Form, true, false).unwrap(),
            query("words", &hello, Form, false, false).unwrap(),
        ];
        assert_eq!(whole(&written), "?words=hello,world");
        let written = [
            query("formulas", &empty, Form, true, false).unwrap(),
            query("words", &hello, SpaceDelimited, false, false).unwrap(),
        ];
        assert_eq!(whole(&written), "?words=hello%20world");
        // Illegal Variable Names as Parameter Names.
        assert_eq!(query("❤️", &shape(json!("love!")), Form, true, false).as_deref(), Ok("%E2%9D%A4%EF%B8%8F=love%21"));
        // And back: the object's keys are the pairs not claimed by `words`.
        let raw = "a=x%2By&b=x/y&c=x%5Ey&words=math%20is%20fun";
        assert_eq!(parse_query(raw, "formulas", ShapeKind::Object, Form, true, &["words"]), Ok(Some(formulas)));
        assert_eq!(parse_query(raw, "words", ShapeKind::Array, SpaceDelimited, false, &[]), Ok(Some(words)));
    }

    #[test]
    fn undefined_values_send_nothing() {
        for style in [Form, SpaceDelimited, PipeDelimited] {
            assert_eq!(query("ids", &shape(json!([])), style, style == Form, false).as_deref(), Ok(""), "{style:?}");
        }
        assert_eq!(query("ids", &shape(json!([])), Form, false, false).as_deref(), Ok(""));
        assert_eq!(query("f", &shape(json!({})), DeepObject, true, false).as_deref(), Ok(""));
        assert_eq!(path("ids", &shape(json!([])), Label, false).as_deref(), Ok(""));
        assert_eq!(parse_path("", "ids", ShapeKind::Array, Label, false), Ok(shape(json!([]))));
        assert_eq!(parse_query("", "ids", ShapeKind::Array, Form, true, &[]), Ok(None));
        // Nulls inside a value are undefined members, left out (RFC 6570 §2.3).
        assert_eq!(Shape::from_json(&json!(null)), None);
        assert_eq!(shape(json!([1, null, true])), Shape::Array(vec!["1".into(), "true".into()]));
        assert_eq!(shape(json!({ "a": null, "b": [1, 2] })), Shape::Object(vec![("b".into(), "[1,2]".into())]));
    }

    #[test]
    fn what_cannot_be_written_is_an_error() {
        // Styles outside their location.
        assert!(path("p", &shape(json!("x")), Form, true).is_err());
        assert!(query("q", &shape(json!("x")), Simple, false, false).is_err());
        // An item holding the delimiter its style encodes the same way, or leaves bare.
        assert!(query("q", &shape(json!(["a b", "c"])), SpaceDelimited, false, false).is_err());
        assert!(query("q", &shape(json!(["a|b", "c"])), PipeDelimited, false, false).is_err());
        assert!(path("p", &shape(json!(["1.5", "2"])), Label, true).is_err());
        assert_eq!(path("p", &shape(json!(["1.5", "2"])), Label, false).as_deref(), Ok(".1.5,2"));
        // A form body is an object.
        assert!(form_body(&json!(["a"]), &[]).is_err());
    }

    #[test]
    fn what_is_not_in_the_style_is_an_error() {
        let read = |raw: &str, kind, style, explode| parse_query(raw, "id", kind, style, explode, &[]);
        assert!(read("id=1&id=2", ShapeKind::Primitive, Form, true).is_err());
        assert!(read("id=1,2&id=3", ShapeKind::Array, Form, false).is_err());
        assert!(read("id=R,100,G", ShapeKind::Object, Form, false).is_err());
        assert_eq!(read("id=1,2&id=3", ShapeKind::Array, Form, true), Ok(Some(shape(json!(["1,2", "3"])))));
        assert!(parse_path("blue", "color", ShapeKind::Primitive, Label, false).is_err());
        assert!(parse_path(";colour=blue", "color", ShapeKind::Primitive, Matrix, false).is_err());
        assert!(parse_path(";color=a;color=b", "color", ShapeKind::Array, Matrix, false).is_err());
        assert!(parse_path("R,100,G", "color", ShapeKind::Object, Simple, true).is_err());
        assert!(parse_path("%FF", "color", ShapeKind::Primitive, Simple, false).is_err());
        assert!(parse_cookie("id=1; id=2", "id", ShapeKind::Primitive, true, &[]).is_err());
    }

    /// 3.1.1 corrected these 3.0.3 rows; the reader still accepts 3.0.3's spellings where
    /// they are unambiguous, since decoding does not care what was encoded.
    #[test]
    fn the_3_0_3_spellings_read_the_same() {
        let array = shape(json!(["blue", "black", "brown"]));
        let object = shape(json!({ "R": 100, "G": 200, "B": 150 }));
        assert_eq!(
            parse_query("color=blue|black|brown", "color", ShapeKind::Array, PipeDelimited, false, &[]),
            Ok(Some(array))
        );
        let raw = "color[R]=100&color[G]=200&color[B]=150";
        assert_eq!(parse_query(raw, "color", ShapeKind::Object, DeepObject, true, &[]), Ok(Some(object.clone())));
        // But 3.0.3's unexploded label object (`.R.100.G.200.B.150`) is not 3.1.1's.
        assert_ne!(path("color", &object, Label, false).as_deref(), Ok(".R.100.G.200.B.150"));
    }

    #[test]
    fn dot_segments_cannot_be_produced() {
        assert_eq!(path("p", &shape(json!("..")), Simple, false).as_deref(), Ok("%2E%2E"));
        assert_eq!(path("p", &shape(json!(".")), Simple, false).as_deref(), Ok("%2E"));
        assert_eq!(path("p", &shape(json!(".")), Label, false).as_deref(), Ok(".%2E"));
        assert_eq!(parse_path(".%2E", "p", ShapeKind::Primitive, Label, false), Ok(shape(json!("."))));
    }

    fn encoding<'a>(name: &'a str, style: Style, explode: bool, content_type: Option<&'a str>) -> FormEncoding<'a> {
        FormEncoding { name, style, explode, allow_reserved: false, content_type }
    }

    /// OpenAPI 3.1.1, Encoding Object: "URL Encoded Form with JSON Values". The object-valued
    /// `address` takes the default `contentType` for objects, `application/json`.
    #[test]
    fn form_body_with_json_values() {
        let body = json!({
            "id": "f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
            "address": { "streetAddress": "123 Example Dr.", "city": "Somewhere", "state": "CA", "zip": "99999+1234" },
        });
        let encodings = [encoding("address", Form, true, Some("application/json"))];
        assert_eq!(
            form_body(&body, &encodings).as_deref(),
            Ok("id=f81d4fae-7dec-11d0-a765-00a0c91e6bf6&address=%7B%22streetAddress%22:%22123+Example+Dr.%22,%22city%22:%22Somewhere%22,%22state%22:%22CA%22,%22zip%22:%2299999%2B1234%22%7D")
        );
        // "Here is the `id` parameter (without `address`) serialized as `application/json`".
        let id = json!({ "id": "f81d4fae-7dec-11d0-a765-00a0c91e6bf6" });
        let encodings = [encoding("id", Form, true, Some("application/json"))];
        assert_eq!(form_body(&id, &encodings).as_deref(), Ok("id=%22f81d4fae-7dec-11d0-a765-00a0c91e6bf6%22"));
    }

    /// The Encoding Object's "URL Encoded Form with Binary Values" (its output as printed in
    /// the 3.2.0 text; the stored 3.1.1 draft gives the schema only): the `=` padding of
    /// base64url is percent-encoded.
    #[test]
    fn form_body_with_binary_values() {
        let icon = "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAABGdBTUEAALGPC_xhBQAAADhlWElmTU0AKgAAAAgAAYdpAAQAAAABAAAAGgAAAAAAAqACAAQAAAABAAAAAqADAAQAAAABAAAAAgAAAADO0J6QAAAAEElEQVQIHWP8zwACTGCSAQANHQEDqtPptQAAAABJRU5ErkJggg==";
        let body = json!({ "name": "example", "icon": icon });
        let encodings = [encoding("icon", Form, true, Some("image/png, image/jpeg"))];
        let expected = format!("name=example&icon={}%3D%3D", icon.trim_end_matches('='));
        assert_eq!(form_body(&body, &encodings), Ok(expected));
    }

    /// Style-based members are the table's query rows without the `?` (3.1.1: the `?` "MUST be
    /// stripped" for bodies), with spaces as `%20`; content-based members have them as `+`.
    #[test]
    fn form_body_by_style() {
        let [_, string, array, object] = columns();
        for &(style, explode, cells) in STYLE_EXAMPLES.iter().filter(|(style, ..)| !is_path_style(*style)) {
            for (value, cell) in [string.clone(), array.clone(), object.clone()].iter().zip(&cells[1..]) {
                let body = json!({ "color": value_json(value) });
                let written = form_body(&body, &[encoding("color", style, explode, None)]);
                match cell {
                    Some(text) => {
                        assert_eq!(written.as_deref(), Ok(text.trim_start_matches('?')), "{style:?} explode={explode}")
                    }
                    None => assert!(written.is_err(), "{style:?} explode={explode} {value:?}"),
                }
            }
        }
        // Spaces: RFC 6570 `%20` by style, RFC 1866 `+` by content type.
        let body = json!({ "a": "x y", "b": "x y", "c": null, "d": ["1", 2] });
        let encodings = [encoding("b", Form, true, Some("text/plain"))];
        assert_eq!(form_body(&body, &encodings).as_deref(), Ok("a=x%20y&b=x+y&d=1&d=2"));
    }

    /// The table's values as the JSON a form body is written from.
    fn value_json(value: &Shape<'_>) -> serde_json::Value {
        match value {
            Shape::Primitive(text) => json!(text),
            Shape::Array(items) => json!(items),
            Shape::Object(members) => serde_json::Value::Object(
                members.iter().map(|(key, member)| (key.to_string(), json!(member))).collect(),
            ),
        }
    }

    /// No input makes a reader panic.
    #[test]
    fn readers_take_any_text() {
        let texts = [
            "", "%", "%%", "%zz", "%C3", "=", "==", ";", ";;", ".", "..", ",", "&&", "[", "color[", "color[]", "+",
            "color=%",
        ];
        let kinds = [ShapeKind::Primitive, ShapeKind::Array, ShapeKind::Object];
        let styles = [Matrix, Label, Form, Simple, SpaceDelimited, PipeDelimited, DeepObject];
        for text in texts {
            for kind in kinds {
                for explode in [false, true] {
                    for style in styles {
                        let _ = parse_query(text, "color", kind, style, explode, &[]);
                        let _ = parse_path(text, "color", kind, style, explode);
                    }
                    let _ = parse_header(text, kind, explode);
                    let _ = parse_cookie(text, "color", kind, explode, &[]);
                }
            }
        }
    }
}
