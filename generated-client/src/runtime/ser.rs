//! Serialization helpers used by generated code.

use serde::ser::{Error as _, Serialize, Serializer};

/// Serializes a tagged union member with its tag field set to `tag_value`, whatever the
/// member's own field says.
pub fn tagged<T: Serialize, S: Serializer>(
    value: &T,
    tag: &str,
    tag_value: &str,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut v = serde_json::to_value(value).map_err(S::Error::custom)?;
    if let Some(map) = v.as_object_mut() {
        map.insert(tag.to_owned(), serde_json::Value::String(tag_value.to_owned()));
    }
    v.serialize(serializer)
}
