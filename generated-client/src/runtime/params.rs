//! Turning parameter values into the strings that go into paths, queries and headers.

use std::borrow::Cow;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

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

/// Unreserved characters (RFC 3986) stay; everything else in a path segment is encoded, `/`
/// included, so an id can never change which resource is addressed.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Percent-encodes one path segment.
pub fn encode_path(value: &str) -> String {
    // Ids (UUIDs, numbers) need no encoding: skip the encoder for them.
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
    let encoded =
        if value.bytes().all(unreserved) { value.to_owned() } else { utf8_percent_encode(value, SEGMENT).to_string() };
    // `.` and `..` alone would be resolved as relative segments.
    match encoded.as_str() {
        "." => "%2E".to_owned(),
        ".." => "%2E%2E".to_owned(),
        _ => encoded,
    }
}

/// A structured value (a union of strings and ids, say) as a parameter: a JSON string is sent
/// bare, anything else as compact JSON.
pub fn json_param(value: &impl serde::Serialize) -> Result<String, String> {
    match serde_json::to_value(value).map_err(|e| e.to_string())? {
        serde_json::Value::String(s) => Ok(s),
        other => Ok(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_cannot_escape() {
        assert_eq!(encode_path("a/b?c#d"), "a%2Fb%3Fc%23d");
        assert_eq!(encode_path(".."), "%2E%2E");
        assert_eq!(encode_path("ok-1.2_~"), "ok-1.2_~");
        assert_eq!(encode_path("."), "%2E");
        assert_eq!(encode_path("ü x"), "%C3%BC%20x");
        assert_eq!(encode_path(""), "");
    }

    #[test]
    fn date_times_are_rfc3339() {
        let t = chrono::DateTime::parse_from_rfc3339("2019-08-24T14:15:22Z").unwrap().with_timezone(&chrono::Utc);
        assert_eq!(t.param_value(), "2019-08-24T14:15:22Z");
    }
}
