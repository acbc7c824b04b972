//! A value the client does not recognise, kept but never printed in full.

use std::fmt;

/// A union member or value this client does not know. It round-trips unchanged, but its
/// `Debug` shows only its shape (keys, not values), since it may hold secrets the client
/// cannot recognise as such.
#[derive(Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct UnknownValue(pub serde_json::Value);

impl fmt::Debug for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            serde_json::Value::Object(map) => {
                let keys: Vec<&String> = map.keys().collect();
                write!(f, "UnknownValue {{ keys: {keys:?} }}")
            }
            serde_json::Value::Array(items) => write!(f, "UnknownValue([{} items])", items.len()),
            _ => f.write_str("UnknownValue(..)"),
        }
    }
}
