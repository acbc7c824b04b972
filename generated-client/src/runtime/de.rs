//! Deserialization helpers used by generated code.

use serde::de::{self, Deserializer, Visitor};
use std::fmt;

/// Deserializes a string from any format, borrowed or owned.
pub fn string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    struct StringVisitor;
    impl<'de> Visitor<'de> for StringVisitor {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
            Ok(v)
        }
    }
    deserializer.deserialize_string(StringVisitor)
}

/// Deserializes a union variant from the JSON value its tag selected, keeping the path of the
/// field that failed in the message.
pub fn from_value<T: de::DeserializeOwned, E: de::Error>(value: serde_json::Value) -> Result<T, E> {
    // Tracking the path costs time on every value; only a failure needs it, so the value is
    // decoded again, tracked, to explain one.
    if let Ok(v) = T::deserialize(&value) {
        return Ok(v);
    }
    serde_path_to_error::deserialize(&value).map_err(|e| {
        let path = e.path().to_string();
        if path == "." {
            E::custom(e.into_inner())
        } else {
            E::custom(format_args!("at `{path}`: {}", e.into_inner()))
        }
    })
}
