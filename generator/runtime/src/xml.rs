//! XML bodies, driven by what the generator read from the spec's `xml` objects: element and
//! attribute names, the namespace, wrapped arrays, and element order (the property order).
//! Reading is lenient where it is safe (unknown elements are ignored, element order is not
//! enforced) and exact where it matters (a wrong root element or namespace, a missing
//! required element or a value that does not parse is an error naming its path).
//!
//! Writing follows what .NET-based servers such as Veeam Enterprise Manager produce and
//! expect: attributes before the namespace declaration, empty elements self-closed
//! (`<Link Href="…" />`), and only the characters XML requires escaped.

use std::borrow::Cow;

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;

use super::Secret;

/// The XML Schema instance namespace (`xsi:nil`, `xsi:type`).
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// The deepest element nesting read. EM's documents are a handful of levels deep; a deeper
/// one is refused before it can cost memory or stack (reading generated types recurses
/// once per level).
pub const MAX_DEPTH: usize = 128;

/// A value written as the text of an element or an attribute.
pub trait XmlText: Sized {
    /// The text.
    fn to_xml_text(&self) -> Cow<'_, str>;
    /// Parses the text.
    fn from_xml_text(text: &str) -> Result<Self, String>;
}

/// A value written as a whole element.
pub trait XmlElement: Sized {
    /// Writes `<name …>…</name>` in `namespace` (declared only where it differs from the
    /// namespace in scope; `None` keeps the namespace in scope).
    fn write_element(&self, writer: &mut Writer, name: &str, namespace: Option<&str>);
    /// Reads the value from its element.
    fn read_element(element: &Element) -> Result<Self, XmlError>;
}

/// A type that can be a document's root element.
pub trait XmlRoot {
    /// The root element's name.
    const NAME: &'static str;
    /// The root element's namespace, declared as the default namespace.
    const NAMESPACE: Option<&'static str>;
}

impl<T: XmlText> XmlElement for T {
    fn write_element(&self, writer: &mut Writer, name: &str, namespace: Option<&str>) {
        writer.start(name, namespace);
        writer.close_start();
        writer.text(&self.to_xml_text());
        writer.end(name);
    }
    fn read_element(element: &Element) -> Result<Self, XmlError> {
        T::from_xml_text(&element.text).map_err(XmlError::new)
    }
}

impl XmlText for String {
    fn to_xml_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
    fn from_xml_text(text: &str) -> Result<Self, String> {
        Ok(text.to_owned())
    }
}

/// A free-form value (a schema of any type) in XML: a string is its text, anything else its
/// JSON text; read back, it is the element's text as a string (XML has no types to tell).
impl XmlText for serde_json::Value {
    fn to_xml_text(&self) -> Cow<'_, str> {
        match self {
            serde_json::Value::String(s) => Cow::Borrowed(s),
            other => Cow::Owned(other.to_string()),
        }
    }

    fn from_xml_text(text: &str) -> Result<Self, String> {
        Ok(serde_json::Value::String(text.to_owned()))
    }
}

impl XmlText for Secret {
    fn to_xml_text(&self) -> Cow<'_, str> {
        super::secret::noticed(self);
        Cow::Borrowed(self.expose())
    }
    fn from_xml_text(text: &str) -> Result<Self, String> {
        Ok(Secret::from(text))
    }
}

macro_rules! parsed_text {
    ($($t:ty => $what:literal),*) => {$(
        impl XmlText for $t {
            fn to_xml_text(&self) -> Cow<'_, str> {
                Cow::Owned(self.to_string())
            }
            fn from_xml_text(text: &str) -> Result<Self, String> {
                text.trim().parse().map_err(|_| format!("`{}` is not {}", text, $what))
            }
        }
    )*};
}

parsed_text!(
    bool => "a boolean", i32 => "a 32-bit integer", i64 => "an integer", f32 => "a number", f64 => "a number",
    uuid::Uuid => "a UUID", chrono::NaiveDate => "a date"
);

impl XmlText for chrono::DateTime<chrono::Utc> {
    fn to_xml_text(&self) -> Cow<'_, str> {
        Cow::Owned(self.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
    }
    fn from_xml_text(text: &str) -> Result<Self, String> {
        chrono::DateTime::parse_from_rfc3339(text.trim())
            .map(|t| t.with_timezone(&chrono::Utc))
            .map_err(|_| format!("`{text}` is not an RFC 3339 date-time"))
    }
}

/// An XML decoding error with the element path where it happened.
#[derive(Debug, Clone, PartialEq)]
pub struct XmlError {
    /// Element names from the root down.
    pub path: Vec<String>,
    /// What was wrong.
    pub message: String,
}

impl XmlError {
    fn new(message: impl Into<String>) -> Self {
        XmlError { path: Vec::new(), message: message.into() }
    }

    /// The path as `/Root/Child`.
    pub fn path(&self) -> String {
        if self.path.is_empty() {
            ".".to_owned()
        } else {
            format!("/{}", self.path.join("/"))
        }
    }

    /// The same error under a root element.
    pub(crate) fn inside_root(self, name: &str) -> Self {
        self.inside(name)
    }

    fn inside(mut self, name: &str) -> Self {
        self.path.insert(0, name.to_owned());
        self
    }

    /// A required element is absent.
    pub fn missing(name: &str) -> Self {
        XmlError::new(format!("missing required element `{name}`"))
    }

    /// A property that has no XML form was required.
    pub fn unsupported(name: &str) -> Self {
        XmlError::new(format!("element `{name}` has no XML form in this client"))
    }
}

impl std::fmt::Display for XmlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "at `{}`: {}", self.path(), self.message)
    }
}

impl std::error::Error for XmlError {}

/// A parsed element: local name, namespace, attributes, child elements and text. Dropping
/// one takes no recursion, however deep the tree.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Element {
    /// Local name (any prefix removed).
    pub name: String,
    /// The namespace URI the element is in, resolved from its prefix or from the default
    /// namespace in scope; `None` for an element in no namespace.
    pub namespace: Option<String>,
    /// Attributes by local name, in document order (namespace declarations and `xsi:`
    /// attributes excluded).
    pub attributes: Vec<(String, String)>,
    /// Child elements in document order.
    pub children: Vec<Element>,
    /// Text content. Kept exactly for elements without children; trimmed for containers,
    /// whose surrounding whitespace is layout.
    pub text: String,
    /// Whether the element carries `xsi:nil="true"` (an explicit null).
    pub nil: bool,
}

impl Drop for Element {
    fn drop(&mut self) {
        // Children are moved onto a list and dropped one level at a time.
        let mut pending = std::mem::take(&mut self.children);
        while let Some(mut child) = pending.pop() {
            pending.append(&mut child.children);
        }
    }
}

impl Element {
    /// The first child with this local name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// An attribute's value.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Parses a document into its root element, resolving namespace prefixes. Nesting deeper
/// than [`MAX_DEPTH`] is an error.
pub fn parse(bytes: &[u8]) -> Result<Element, XmlError> {
    let mut reader = quick_xml::NsReader::from_reader(bytes);
    reader.config_mut().trim_text(false);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut buf = Vec::new();
    let err = |e: String| XmlError::new(format!("the body is not well-formed XML: {e}"));
    loop {
        let (resolved, event) = reader.read_resolved_event_into(&mut buf).map_err(|e| err(e.to_string()))?;
        let is_empty = matches!(event, Event::Empty(_));
        match event {
            Event::Start(start) | Event::Empty(start) => {
                if root.is_some() {
                    return Err(err("a second element follows the root element".into()));
                }
                let mut el = Element::default();
                el.name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                el.namespace = namespace_of(&resolved).map_err(err)?;
                for attr in start.attributes() {
                    let attr = attr.map_err(|e| err(e.to_string()))?;
                    if attr.key.as_namespace_binding().is_some() {
                        continue;
                    }
                    let (attr_ns, local) = reader.resolve_attribute(attr.key);
                    let attr_ns = namespace_of(&attr_ns).map_err(err)?;
                    let value =
                        attr.decode_and_unescape_value(reader.decoder()).map_err(|e| err(e.to_string()))?.into_owned();
                    if attr_ns.as_deref() == Some(XSI) {
                        // `xsi:nil` is an explicit null; `xsi:type` and schema locations
                        // carry nothing the generated types read.
                        if local.as_ref() == b"nil" {
                            el.nil = matches!(value.trim(), "true" | "1");
                        }
                        continue;
                    }
                    el.attributes.push((String::from_utf8_lossy(local.as_ref()).into_owned(), value));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(err(format!("elements are nested deeper than {MAX_DEPTH} levels")));
                }
                if is_empty {
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(el),
                        None => root = Some(el),
                    }
                } else {
                    stack.push(el);
                }
            }
            Event::End(_) => {
                let Some(mut el) = stack.pop() else { return Err(err("unexpected closing tag".into())) };
                if !el.children.is_empty() {
                    el.text = el.text.trim().to_owned();
                }
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::Text(t) => {
                let text = t.unescape().map_err(|e| err(e.to_string()))?;
                match stack.last_mut() {
                    Some(el) => el.text.push_str(&text),
                    None if text.trim().is_empty() => {}
                    None => return Err(err("text outside the root element".into())),
                }
            }
            Event::CData(c) => match stack.last_mut() {
                Some(el) => el.text.push_str(&String::from_utf8_lossy(&c.into_inner())),
                None => return Err(err("text outside the root element".into())),
            },
            Event::Eof => {
                return match root {
                    Some(root) => Ok(root),
                    None if stack.is_empty() => Err(err("the body has no root element".into())),
                    None => Err(err("the document ends before its root element is closed".into())),
                };
            }
            // Declarations, comments, processing instructions and doctypes carry no data.
            _ => {}
        }
        buf.clear();
    }
}

fn namespace_of(resolved: &ResolveResult<'_>) -> Result<Option<String>, String> {
    match resolved {
        ResolveResult::Bound(ns) => Ok(Some(String::from_utf8_lossy(ns.as_ref()).into_owned())),
        ResolveResult::Unbound => Ok(None),
        ResolveResult::Unknown(prefix) => {
            Err(format!("namespace prefix `{}` is not declared", String::from_utf8_lossy(prefix)))
        }
    }
}

/// Reads a document whose root must be `T`'s element, in `T`'s namespace when the spec
/// names one.
pub fn from_bytes<T: XmlElement + XmlRoot>(bytes: &[u8]) -> Result<T, XmlError> {
    from_root(parse(bytes)?)
}

/// Every text and attribute value of a tree, changed by `f` (without recursion).
pub(crate) fn map_text(root: &mut Element, f: &dyn Fn(&str) -> String) {
    let mut pending = vec![root];
    while let Some(el) = pending.pop() {
        el.text = f(&el.text);
        for (_, v) in &mut el.attributes {
            *v = f(v);
        }
        pending.extend(el.children.iter_mut());
    }
}

/// Reads `T` from a parsed root element (see [`from_bytes`]).
pub(crate) fn from_root<T: XmlElement + XmlRoot>(root: Element) -> Result<T, XmlError> {
    let namespace_ok = T::NAMESPACE.is_none() || root.namespace.as_deref() == T::NAMESPACE;
    if root.name != T::NAME || !namespace_ok {
        let describe = |name: &str, ns: Option<&str>| match ns {
            Some(ns) => format!("`{name}` in namespace `{ns}`"),
            None => format!("`{name}` in no namespace"),
        };
        return Err(XmlError::new(format!(
            "expected root element {}, found {}",
            describe(T::NAME, T::NAMESPACE),
            describe(&root.name, root.namespace.as_deref())
        )));
    }
    T::read_element(&root).map_err(|e| e.inside(T::NAME))
}

/// Writes a document with `T` as its root. A character XML 1.0 cannot carry (a control
/// character, U+FFFE, U+FFFF) is an error naming the element path where it is, never
/// written: the document would not be well-formed.
pub fn to_string<T: XmlElement + XmlRoot>(value: &T) -> Result<String, XmlError> {
    let mut w = Writer::new();
    w.out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
    value.write_element(&mut w, T::NAME, T::NAMESPACE);
    w.finish()
}

/// Writes an array as a root element `wrapper` holding one `item` element per value.
pub fn list_to_string<T: XmlElement>(
    items: &[T],
    wrapper: &str,
    item: &str,
    namespace: Option<&str>,
) -> Result<String, XmlError> {
    let mut w = Writer::new();
    w.out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
    w.wrapped_list(wrapper, namespace, item, None, items);
    w.finish()
}

/// Writes a value as the text of a root element `name`.
pub fn text_to_string<T: XmlText>(value: &T, name: &str) -> Result<String, XmlError> {
    let mut w = Writer::new();
    w.out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
    w.start(name, None);
    w.close_start();
    w.text(&value.to_xml_text());
    w.end(name);
    w.finish()
}

/// Builds XML text with correct escaping, declaring namespaces only where they change.
///
/// Generated code calls [`Writer::start`], then [`Writer::attribute`] for each attribute,
/// then [`Writer::close_start`], the children or text, and [`Writer::end`].
#[derive(Default)]
pub struct Writer {
    out: String,
    /// The default namespace in scope at each open element.
    scopes: Vec<Option<String>>,
    /// A namespace to declare when the open start tag closes.
    pending_namespace: Option<String>,
    /// Prefixes to declare when the open start tag closes: (prefix, namespace).
    pending_prefixes: Vec<(String, String)>,
    /// The last thing written is a start tag's `>`, so `end` can self-close it.
    just_opened: bool,
    /// Names of the open elements, for error paths.
    open: Vec<String>,
    /// The first character that XML cannot carry, and where.
    invalid: Option<XmlError>,
}

/// Shows only the size: the text may hold secrets (passwords in request bodies).
impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").field("len", &self.out.len()).finish_non_exhaustive()
    }
}

impl Writer {
    /// An empty writer (no XML declaration).
    pub fn new() -> Self {
        Writer::default()
    }

    /// The text written so far (characters XML cannot carry included; see [`Self::finish`]).
    pub fn into_string(self) -> String {
        self.out
    }

    /// The text written, or where a character XML 1.0 cannot carry was written.
    pub fn finish(self) -> Result<String, XmlError> {
        match self.invalid {
            Some(e) => Err(e),
            None => Ok(self.out),
        }
    }

    /// Notes the first character that XML 1.0 does not allow (`where_` adds an attribute).
    fn check(&mut self, text: &str, attribute: Option<&str>) {
        if self.invalid.is_some() {
            return;
        }
        if let Some(c) = text.chars().find(|c| !is_xml_char(*c)) {
            let mut path = self.open.clone();
            if let Some(a) = attribute {
                path.push(format!("@{a}"));
            }
            self.invalid =
                Some(XmlError { path, message: format!("the character U+{:04X} is not allowed in XML 1.0", c as u32) });
        }
    }

    /// Opens a start tag. The namespace is declared (as the default namespace) when it
    /// differs from the one in scope; `None` keeps the one in scope.
    pub fn start(&mut self, name: &str, namespace: Option<&str>) {
        self.just_opened = false;
        self.open.push(name.to_owned());
        self.out.push('<');
        self.out.push_str(name);
        let current = self.scopes.last().cloned().flatten();
        let scope = match namespace {
            Some(ns) if current.as_deref() != Some(ns) => {
                self.pending_namespace = Some(ns.to_owned());
                Some(ns.to_owned())
            }
            _ => current,
        };
        self.scopes.push(scope);
    }

    /// Adds an attribute to the open start tag.
    pub fn attribute(&mut self, name: &str, value: &str) {
        self.check(value, Some(name));
        self.out.push(' ');
        self.out.push_str(name);
        self.out.push_str("=\"");
        escape_into(&mut self.out, value, true);
        self.out.push('"');
    }

    /// Declares `prefix` for `namespace` on the next start tag: an element the spec gives an
    /// `xml.prefix` is then written `prefix:name` (the XML Object's prefix example).
    pub fn declare_prefix(&mut self, prefix: &str, namespace: &str) {
        self.pending_prefixes.push((prefix.to_owned(), namespace.to_owned()));
    }

    /// Closes the start tag, after its attributes and namespace declaration.
    pub fn close_start(&mut self) {
        if let Some(ns) = self.pending_namespace.take() {
            self.attribute("xmlns", &ns);
        }
        for (prefix, ns) in std::mem::take(&mut self.pending_prefixes) {
            self.attribute(&format!("xmlns:{prefix}"), &ns);
        }
        self.out.push('>');
        self.just_opened = true;
    }

    /// Writes escaped text.
    pub fn text(&mut self, text: &str) {
        if !text.is_empty() {
            self.check(text, None);
            escape_into(&mut self.out, text, false);
            self.just_opened = false;
        }
    }

    /// Writes an end tag, or self-closes the element when nothing was written inside it.
    pub fn end(&mut self, name: &str) {
        self.scopes.pop();
        self.open.pop();
        if std::mem::take(&mut self.just_opened) {
            self.out.pop();
            self.out.push_str(" />");
        } else {
            self.out.push_str("</");
            self.out.push_str(name);
            self.out.push('>');
        }
    }

    /// Writes an array inside a wrapper element: `<wrapper><item/>…</wrapper>`.
    pub fn wrapped_list<T: XmlElement>(
        &mut self,
        wrapper: &str,
        wrapper_namespace: Option<&str>,
        item: &str,
        item_namespace: Option<&str>,
        items: &[T],
    ) {
        self.start(wrapper, wrapper_namespace);
        self.close_start();
        for i in items {
            i.write_element(self, item, item_namespace);
        }
        self.end(wrapper);
    }
}

/// `Char` of XML 1.0 (§2.2): tab, line feed, carriage return, and U+0020 up, less the
/// surrogates (which Rust strings cannot hold) and U+FFFE, U+FFFF.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Escapes what XML requires: `&` and `<` everywhere, `>` (for `]]>`), `"` in attribute
/// values, and the whitespace characters a parser would otherwise normalise (`\r` in text;
/// tab, line feed and carriage return in attribute values).
fn escape_into(out: &mut String, text: &str, attribute: bool) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\r' => out.push_str("&#xD;"),
            '\n' if attribute => out.push_str("&#xA;"),
            '\t' if attribute => out.push_str("&#x9;"),
            c => out.push(c),
        }
    }
}

/// An optional child element; absent or `xsi:nil` is `None`.
pub fn optional_child<T: XmlElement>(element: &Element, name: &str) -> Result<Option<T>, XmlError> {
    match element.child(name) {
        Some(c) if !c.nil => T::read_element(c).map(Some).map_err(|e| e.inside(name)),
        _ => Ok(None),
    }
}

/// A required child element.
pub fn required_child<T: XmlElement>(element: &Element, name: &str) -> Result<T, XmlError> {
    match element.child(name) {
        Some(c) => T::read_element(c).map_err(|e| e.inside(name)),
        None => Err(XmlError::missing(name)),
    }
}

/// An optional attribute.
pub fn optional_attribute<T: XmlText>(element: &Element, name: &str) -> Result<Option<T>, XmlError> {
    element
        .attribute(name)
        .map(|v| T::from_xml_text(v).map_err(|m| XmlError::new(format!("attribute `{name}`: {m}"))))
        .transpose()
}

/// A required attribute.
pub fn required_attribute<T: XmlText>(element: &Element, name: &str) -> Result<T, XmlError> {
    match element.attribute(name) {
        Some(v) => T::from_xml_text(v).map_err(|m| XmlError::new(format!("attribute `{name}`: {m}"))),
        None => Err(XmlError::new(format!("missing required attribute `{name}`"))),
    }
}

/// Repeated child elements (an unwrapped array).
pub fn list<T: XmlElement>(element: &Element, item: &str) -> Result<Vec<T>, XmlError> {
    element.children.iter().filter(|c| c.name == item).map(|c| T::read_element(c).map_err(|e| e.inside(item))).collect()
}

/// An array inside a wrapper element; `None` when the wrapper is absent.
pub fn wrapped_list<T: XmlElement>(element: &Element, wrapper: &str, item: &str) -> Result<Option<Vec<T>>, XmlError> {
    element.child(wrapper).map(|w| list(w, item).map_err(|e| e.inside(wrapper))).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(f: impl FnOnce(&mut Writer)) -> String {
        let mut w = Writer::new();
        f(&mut w);
        w.into_string()
    }

    #[test]
    fn escapes_and_reads_back() {
        let out = written(|w| "a<b&\"c'>\r\n".to_owned().write_element(w, "P", None));
        assert_eq!(out, "<P>a&lt;b&amp;\"c'&gt;&#xD;\n</P>");
        let el = parse(out.as_bytes()).unwrap();
        assert_eq!(String::read_element(&el).unwrap(), "a<b&\"c'>\r\n");
    }

    #[test]
    fn attribute_values_keep_quotes_and_whitespace() {
        let value = "x\"y'z<&>\t\n\r";
        let out = written(|w| {
            w.start("A", None);
            w.attribute("V", value);
            w.close_start();
            w.end("A");
        });
        assert_eq!(out, "<A V=\"x&quot;y'z&lt;&amp;&gt;&#x9;&#xA;&#xD;\" />");
        assert_eq!(parse(out.as_bytes()).unwrap().attribute("V"), Some(value));
    }

    #[test]
    fn namespace_is_declared_after_attributes_and_only_where_it_changes() {
        let out = written(|w| {
            w.start("Root", Some("urn:a"));
            w.attribute("Href", "h");
            w.close_start();
            "v".to_owned().write_element(w, "Same", Some("urn:a"));
            "v".to_owned().write_element(w, "Other", Some("urn:b"));
            "".to_owned().write_element(w, "Empty", None);
            w.end("Root");
        });
        assert_eq!(out, r#"<Root Href="h" xmlns="urn:a"><Same>v</Same><Other xmlns="urn:b">v</Other><Empty /></Root>"#);
        let root = parse(out.as_bytes()).unwrap();
        let namespaces: Vec<_> = root.children.iter().map(|c| c.namespace.as_deref()).collect();
        assert_eq!(namespaces, [Some("urn:a"), Some("urn:b"), Some("urn:a")]);
        assert_eq!(root.child("Empty").unwrap().text, "");
    }

    #[test]
    fn truncated_is_an_error() {
        let e = parse(b"<A><B>x</B>").unwrap_err();
        assert!(e.message.contains("ends before"), "{e}");
        let e = parse(b"").unwrap_err();
        assert!(e.message.contains("no root element"), "{e}");
        let e = parse(b"<A/><B/>").unwrap_err();
        assert!(e.message.contains("second element"), "{e}");
    }

    #[test]
    fn prefixes_are_resolved() {
        let el =
            parse(br#"<x:Root xmlns="urn:b" xmlns:x="urn:a" Href="h"><x:Name>n</x:Name><Other/></x:Root>"#).unwrap();
        assert_eq!(el.name, "Root");
        assert_eq!(el.namespace.as_deref(), Some("urn:a"));
        assert_eq!(el.attribute("Href"), Some("h"));
        assert_eq!(el.child("Name").unwrap().text, "n");
        assert_eq!(el.child("Name").unwrap().namespace.as_deref(), Some("urn:a"));
        assert_eq!(el.child("Other").unwrap().namespace.as_deref(), Some("urn:b"));
        let e = parse(b"<y:Root/>").unwrap_err();
        assert!(e.message.contains("prefix `y`"), "{e}");
    }

    #[test]
    fn byte_order_mark_and_declaration_are_skipped() {
        let el = parse("\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<A>x</A>\n".as_bytes()).unwrap();
        assert_eq!(el.text, "x");
    }

    #[test]
    fn xsi_nil_is_none() {
        let el =
            parse(br#"<R xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><Id xsi:nil="true" /></R>"#).unwrap();
        assert!(el.attributes.is_empty());
        assert_eq!(optional_child::<uuid::Uuid>(&el, "Id").unwrap(), None);
    }

    #[test]
    fn deep_nesting_is_refused_and_drops_without_recursion() {
        let deep = format!("{}{}", "<a>".repeat(MAX_DEPTH + 1), "</a>".repeat(MAX_DEPTH + 1));
        let e = parse(deep.as_bytes()).unwrap_err();
        assert!(e.message.contains("nested deeper"), "{e}");
        let ok = format!("{}{}", "<a>".repeat(MAX_DEPTH), "</a>".repeat(MAX_DEPTH));
        assert!(parse(ok.as_bytes()).is_ok());
        // A tree built by hand far deeper than the stack could drop recursively.
        let mut el = Element::default();
        for _ in 0..1_000_000 {
            let mut parent = Element::default();
            parent.children.push(el);
            el = parent;
        }
        drop(el);
    }

    #[test]
    fn characters_xml_cannot_carry_are_refused_with_their_path() {
        let mut w = Writer::new();
        w.start("Spec", None);
        w.close_start();
        Secret::from("hunter\u{1}2").write_element(&mut w, "Password", None);
        w.end("Spec");
        let e = w.finish().unwrap_err();
        assert_eq!(e.path(), "/Spec/Password");
        assert!(e.message.contains("U+0001") && !e.to_string().contains("hunter"), "{e}");
        let mut w = Writer::new();
        w.start("A", None);
        w.attribute("Name", "x\u{FFFE}");
        w.close_start();
        w.end("A");
        assert_eq!(w.finish().unwrap_err().path(), "/A/@Name");
        let mut w = Writer::new();
        "tab\tnl\ncr\r\u{10000}".to_owned().write_element(&mut w, "Ok", None);
        assert!(w.finish().is_ok());
    }

    #[test]
    fn secrets_do_not_show_in_debug() {
        let mut w = Writer::new();
        Secret::from("hunter2").write_element(&mut w, "Password", None);
        assert!(!format!("{w:?}").contains("hunter2"));
        assert!(w.into_string().contains("hunter2"));
    }
}
