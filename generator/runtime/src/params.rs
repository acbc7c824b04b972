//! Turning parameter values into the strings that go into paths, queries and headers.

use std::borrow::Cow;

use super::style::{Shape, Style};
use super::Secret;

/// A value that can be sent as one path, query or header parameter.
pub trait ParamValue {
    /// The value as it goes on the wire (before percent-encoding).
    fn param_value(&self) -> Cow<'_, str>;
}

macro_rules! display_param {
    ($($t:ty),*) => {$(
        impl ParamValue for $t {
            fn param_value(&self) -> Cow<'_, str> {
                Cow::Owned(self.to_string())
            }
        }
    )*};
}

display_param!(bool, i8, i16, i32, i64, u8, u16, u32, u64, f32, f64, uuid::Uuid, chrono::NaiveDate);

impl ParamValue for str {
    fn param_value(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl ParamValue for String {
    fn param_value(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl ParamValue for Secret {
    fn param_value(&self) -> Cow<'_, str> {
        super::secret::noticed(self);
        Cow::Borrowed(self.expose())
    }
}

impl ParamValue for chrono::DateTime<chrono::Utc> {
    fn param_value(&self) -> Cow<'_, str> {
        Cow::Owned(self.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
    }
}

impl<T: ParamValue + ?Sized> ParamValue for &T {
    fn param_value(&self) -> Cow<'_, str> {
        (**self).param_value()
    }
}

impl<T: ParamValue + ?Sized> ParamValue for Box<T> {
    fn param_value(&self) -> Cow<'_, str> {
        (**self).param_value()
    }
}

/// Where a parameter other than a path parameter goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum In {
    /// The query string.
    Query,
    /// A request header.
    Header,
    /// The `Cookie` header (one for all cookie parameters).
    Cookie,
}

/// How a parameter is written: the spec's `style`, `explode` and `allowReserved`, as the
/// generator decided them (defaults applied).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamStyle {
    /// The style.
    pub style: Style,
    /// Whether arrays and objects are spread into several values.
    pub explode: bool,
    /// Whether reserved characters are sent unencoded (query only).
    pub allow_reserved: bool,
}

impl ParamStyle {
    /// `form` with explode: a query or cookie parameter's default.
    pub const FORM: ParamStyle = ParamStyle { style: Style::Form, explode: true, allow_reserved: false };
    /// `simple` without explode: a path or header parameter's default.
    pub const SIMPLE: ParamStyle = ParamStyle { style: Style::Simple, explode: false, allow_reserved: false };
}

/// A parameter value by shape, or `None` for a null that is not sent; an error names what
/// could not be serialized.
pub type Shaped<'a> = Result<Option<Shape<'a>>, String>;

/// A scalar (or enum) parameter value.
pub fn primitive<T: ParamValue + ?Sized>(value: &T) -> Shaped<'_> {
    Ok(Some(Shape::Primitive(value.param_value())))
}

/// An array of scalars (or enums).
pub fn array<'a, T: ParamValue + 'a>(items: impl IntoIterator<Item = &'a T>) -> Shaped<'a> {
    Ok(Some(Shape::Array(items.into_iter().map(ParamValue::param_value).collect())))
}

/// An object, or any value whose shape shows only at run time, by its JSON form.
pub fn structured(value: &impl serde::Serialize) -> Shaped<'static> {
    let json = serde_json::to_value(value).map_err(|e| e.to_string())?;
    Ok(Shape::from_json(&json))
}

/// A parameter with `content: application/json`: its JSON text, as one primitive value.
pub fn content_json(value: &impl serde::Serialize) -> Shaped<'static> {
    let text = serde_json::to_string(value).map_err(|e| e.to_string())?;
    Ok(Some(Shape::Primitive(Cow::Owned(text))))
}

/// A path parameter as the text that replaces its placeholder, percent-encoded. A value
/// that is `.` or `..` alone is encoded too, so it cannot be read as a relative segment.
pub fn path_param<E>(
    operation: &'static str,
    name: &str,
    style: ParamStyle,
    value: Shaped<'_>,
) -> Result<String, super::Error<E>> {
    path_text(name, style, value).map_err(|message| super::Error::InvalidRequest { operation, message })
}

fn path_text(name: &str, style: ParamStyle, value: Shaped<'_>) -> Result<String, String> {
    let shape = value?.ok_or_else(|| format!("path parameter `{name}` is null"))?;
    let text = super::style::path(name, &shape, style.style, style.explode).map_err(|e| e.0)?;
    Ok(match text.as_str() {
        "." => "%2E".to_owned(),
        ".." => "%2E%2E".to_owned(),
        _ => text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_cannot_escape() {
        let simple = ParamStyle { style: Style::Simple, explode: false, allow_reserved: false };
        let segment = |v: &str| path_text("id", simple, primitive(v)).unwrap();
        assert_eq!(segment("a/b?c#d"), "a%2Fb%3Fc%23d");
        assert_eq!(segment(".."), "%2E%2E");
        assert_eq!(segment("ok-1.2_~"), "ok-1.2_~");
        assert_eq!(segment("."), "%2E");
        assert_eq!(segment("ü x"), "%C3%BC%20x");
        assert_eq!(segment(""), "");
        let null = path_text("id", simple, Ok(None)).unwrap_err();
        assert!(null.contains("`id` is null"), "{null}");
    }

    #[test]
    fn date_times_are_rfc3339() {
        let t = chrono::DateTime::parse_from_rfc3339("2019-08-24T14:15:22Z").unwrap().with_timezone(&chrono::Utc);
        assert_eq!(t.param_value(), "2019-08-24T14:15:22Z");
    }
}
