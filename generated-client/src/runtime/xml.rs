//! XML bodies, driven by what the generator read from the spec's `xml` objects: element and
//! attribute names, the namespace, wrapped arrays, and element order (the property order).
//! Reading is lenient where it is safe (unknown elements are ignored) and exact where it
//! matters (a wrong root or a missing required element is an error naming its path).

use std::borrow::Cow;

use quick_xml::events::Event;

use super::Secret;

/// A value written as the text of an element or an attribute.
pub trait XmlText: Sized {
    /// The text.
    fn to_xml_text(&self) -> Cow<'_, str>;
    /// Parses the text.
    fn from_xml_text(text: &str) -> Result<Self, String>;
}

/// A value written as a whole element.
pub trait XmlElement: Sized {
    /// Writes `<name …>…</name>`, declaring `namespace` as the default namespace if given.
    fn write_element(&self, writer: &mut Writer, name: &str, namespace: Option<&str>);
    /// Reads the value from its element.
    fn read_element(element: &Element) -> Result<Self, XmlError>;
}

/// A type that can be a document's root element.
pub trait XmlRoot {
    /// The root element's name.
    const NAME: &'static str;
    /// The default namespace declared on the root.
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
        T::from_xml_text(&element.text).map_err(|m| XmlError::new(m))
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

impl XmlText for Secret {
    fn to_xml_text(&self) -> Cow<'_, str> {
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
        chrono::DateTime::parse_from_rfc3339(text.trim()).map(|t| t.with_timezone(&chrono::Utc)).map_err(|_| format!("`{text}` is not an RFC 3339 date-time"))
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

    fn inside(mut self, name: &str) -> Self {
        self.path.insert(0, name.to_owned());
        self
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

/// A parsed element: local name, attributes, child elements and text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Element {
    /// Local name (any prefix removed).
    pub name: String,
    /// The default namespace declared on this element, if any.
    pub namespace: Option<String>,
    /// Attributes by local name, in document order (namespace declarations excluded).
    pub attributes: Vec<(String, String)>,
    /// Child elements in document order.
    pub children: Vec<Element>,
    /// Concatenated text content.
    pub text: String,
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

fn local(name: &[u8]) -> String {
    let s = String::from_utf8_lossy(name);
    match s.rsplit_once(':') {
        Some((_, l)) => l.to_owned(),
        None => s.into_owned(),
    }
}

/// Parses a document into its root element.
pub fn parse(bytes: &[u8]) -> Result<Element, XmlError> {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    reader.config_mut().trim_text(false);
    let mut stack: Vec<Element> = Vec::new();
    let mut buf = Vec::new();
    let err = |e: String| XmlError::new(format!("the body is not well-formed XML: {e}"));
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|e| err(e.to_string()))?;
        let is_empty = matches!(event, Event::Empty(_));
        match event {
            Event::Start(start) | Event::Empty(start) => {
                let mut el = Element { name: local(start.name().as_ref()), ..Element::default() };
                for attr in start.attributes() {
                    let attr = attr.map_err(|e| err(e.to_string()))?;
                    let key = String::from_utf8_lossy(attr.key.as_ref()).into_owned();
                    let value = attr.decode_and_unescape_value(reader.decoder()).map_err(|e| err(e.to_string()))?.into_owned();
                    if key == "xmlns" {
                        el.namespace = Some(value);
                    } else if !key.starts_with("xmlns:") {
                        el.attributes.push((local(key.as_bytes()), value));
                    }
                }
                if is_empty {
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(el),
                        None => return Ok(el),
                    }
                } else {
                    stack.push(el);
                }
            }
            Event::End(_) => {
                let Some(mut el) = stack.pop() else { return Err(err("unexpected closing tag".into())) };
                if el.children.is_empty() {
                    // Text of a leaf element is significant as written; surrounding
                    // whitespace of containers is layout.
                } else {
                    el.text = el.text.trim().to_owned();
                }
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => return Ok(el),
                }
            }
            Event::Text(t) => {
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&t.unescape().map_err(|e| err(e.to_string()))?);
                }
            }
            Event::CData(c) => {
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&String::from_utf8_lossy(&c.into_inner()));
                }
            }
            Event::Eof => return Err(err("the document ends before its root element is closed".into())),
            _ => {}
        }
        buf.clear();
    }
}

/// Reads a document whose root must be `T`'s element.
pub fn from_bytes<T: XmlElement + XmlRoot>(bytes: &[u8]) -> Result<T, XmlError> {
    let root = parse(bytes)?;
    if root.name != T::NAME {
        return Err(XmlError::new(format!("expected root element `{}`, found `{}`", T::NAME, root.name)));
    }
    T::read_element(&root).map_err(|e| e.inside(T::NAME))
}

/// Writes a document with `T` as its root.
pub fn to_string<T: XmlElement + XmlRoot>(value: &T) -> String {
    let mut w = Writer { out: String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>") };
    value.write_element(&mut w, T::NAME, T::NAMESPACE);
    w.out
}

/// Builds XML text with correct escaping.
#[derive(Debug, Default)]
pub struct Writer {
    out: String,
}

impl Writer {
    /// Opens a start tag.
    pub fn start(&mut self, name: &str, namespace: Option<&str>) {
        self.out.push('<');
        self.out.push_str(name);
        if let Some(ns) = namespace {
            self.attribute("xmlns", ns);
        }
    }

    /// Adds an attribute to the open start tag.
    pub fn attribute(&mut self, name: &str, value: &str) {
        self.out.push(' ');
        self.out.push_str(name);
        self.out.push_str("=\"");
        self.out.push_str(&quick_xml::escape::escape(value));
        self.out.push('"');
    }

    /// Closes the start tag.
    pub fn close_start(&mut self) {
        self.out.push('>');
    }

    /// Writes escaped text.
    pub fn text(&mut self, text: &str) {
        self.out.push_str(&quick_xml::escape::escape(text));
    }

    /// Writes an end tag.
    pub fn end(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    /// Writes an array inside a wrapper element.
    pub fn wrapped_list<T: XmlElement>(&mut self, wrapper: &str, item: &str, items: &[T]) {
        self.start(wrapper, None);
        self.close_start();
        for i in items {
            i.write_element(self, item, None);
        }
        self.end(wrapper);
    }
}

/// An optional child element.
pub fn optional_child<T: XmlElement>(element: &Element, name: &str) -> Result<Option<T>, XmlError> {
    element.child(name).map(|c| T::read_element(c).map_err(|e| e.inside(name))).transpose()
}

/// A required child element.
pub fn required_child<T: XmlElement>(element: &Element, name: &str) -> Result<T, XmlError> {
    match element.child(name) {
        Some(c) => T::read_element(c).map_err(|e| e.inside(name)),
        None => Err(XmlError::new(format!("missing required element `{name}`"))),
    }
}

/// An optional attribute.
pub fn optional_attribute<T: XmlText>(element: &Element, name: &str) -> Result<Option<T>, XmlError> {
    element.attribute(name).map(|v| T::from_xml_text(v).map_err(|m| XmlError::new(format!("attribute `{name}`: {m}")))).transpose()
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

    #[test]
    fn escapes_and_reads_back() {
        let mut w = Writer::default();
        "a<b&\"c'".to_owned().write_element(&mut w, "P", None);
        assert_eq!(w.out, "<P>a&lt;b&amp;&quot;c&apos;</P>");
        let el = parse(w.out.as_bytes()).unwrap();
        assert_eq!(String::read_element(&el).unwrap(), "a<b&\"c'");
    }

    #[test]
    fn truncated_is_an_error() {
        let e = parse(b"<A><B>x</B>").unwrap_err();
        assert!(e.message.contains("ends before"), "{e}");
    }

    #[test]
    fn prefixes_are_dropped_and_namespaces_kept() {
        let el = parse(br#"<x:Root xmlns="urn:a" xmlns:x="urn:a" Href="h"><x:Name>n</x:Name></x:Root>"#).unwrap();
        assert_eq!(el.name, "Root");
        assert_eq!(el.namespace.as_deref(), Some("urn:a"));
        assert_eq!(el.attribute("Href"), Some("h"));
        assert_eq!(el.child("Name").unwrap().text, "n");
    }
}
