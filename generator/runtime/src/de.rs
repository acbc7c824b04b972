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

/// `deserialize_with` of a list that some API revisions write as one value
/// (`x-single-value-revisions`): a list, or one value read as a list of it.
pub fn one_or_many<'de, T: de::Deserialize<'de>, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<T>, D::Error> {
    deserializer.deserialize_any(OneOrMany(std::marker::PhantomData))
}

/// [`one_or_many`] of an optional list: `null` is `None`.
pub fn one_or_many_opt<'de, T: de::Deserialize<'de>, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Vec<T>>, D::Error> {
    struct Opt<T>(std::marker::PhantomData<T>);
    impl<'de, T: de::Deserialize<'de>> Visitor<'de> for Opt<T> {
        type Value = Option<Vec<T>>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list, one value, or null")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
            one_or_many(deserializer).map(Some)
        }
    }
    deserializer.deserialize_option(Opt(std::marker::PhantomData))
}

/// The visitor of [`one_or_many`]: a sequence item by item (an item's error keeps its own
/// message), anything else as the one item.
struct OneOrMany<T>(std::marker::PhantomData<T>);

impl<'de, T: de::Deserialize<'de>> Visitor<'de> for OneOrMany<T> {
    type Value = Vec<T>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list, or one value")
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        // The hint is the sender's claim: it bounds nothing.
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(item) = seq.next_element()? {
            out.push(item);
        }
        Ok(out)
    }
    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Vec<T>, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map)).map(|one| vec![one])
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<T>, E> {
        T::deserialize(de::value::StrDeserializer::new(v)).map(|one| vec![one])
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Vec<T>, E> {
        T::deserialize(de::value::StringDeserializer::new(v)).map(|one| vec![one])
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Vec<T>, E> {
        T::deserialize(de::value::BoolDeserializer::new(v)).map(|one| vec![one])
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Vec<T>, E> {
        T::deserialize(de::value::I64Deserializer::new(v)).map(|one| vec![one])
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Vec<T>, E> {
        T::deserialize(de::value::U64Deserializer::new(v)).map(|one| vec![one])
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Vec<T>, E> {
        T::deserialize(de::value::F64Deserializer::new(v)).map(|one| vec![one])
    }
}

/// Whether `decoded`, written back, still has every property `value` holds (but those that
/// are `null`), and, for a list, every property of each item: how an untagged union tells the
/// alternative a value was written as from one that merely decodes from it, ignoring what it
/// does not know. Anything but an object or a list is kept whole by whatever decodes it.
pub fn keeps_every_property<T: serde::Serialize>(value: &serde_json::Value, decoded: &T) -> bool {
    use serde_json::Value;
    if !matches!(value, Value::Object(_) | Value::Array(_)) {
        return true;
    }
    let Ok(kept) = serde_json::to_value(decoded) else { return false };
    fn keeps(sent: &Value, kept: &Value) -> bool {
        match (sent, kept) {
            (Value::Object(sent), Value::Object(kept)) => {
                sent.iter().filter(|(_, v)| !v.is_null()).all(|(name, _)| kept.contains_key(name))
            }
            (Value::Array(sent), Value::Array(kept)) => {
                sent.len() == kept.len() && sent.iter().zip(kept).all(|(s, k)| keeps(s, k))
            }
            (Value::Object(_) | Value::Array(_), _) => false,
            _ => true,
        }
    }
    keeps(value, &kept)
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

/// Union types decode their variant from a buffered value and report a failure inside it as
/// ``at `inner.path`: message`` (see [`super::de::from_value`]); this joins such inner paths
/// onto the outer one, so the error names the whole path of the field that failed.
pub(crate) fn join_nested_path(mut path: String, mut message: String) -> (String, String) {
    while let Some(rest) = message.strip_prefix("at `") {
        let Some((inner, tail)) = rest.split_once("`: ") else { break };
        if path == "." {
            path = inner.to_owned();
        } else if inner.starts_with('[') {
            path.push_str(inner);
        } else {
            path.push('.');
            path.push_str(inner);
        }
        message = tail.to_owned();
    }
    (path, message)
}

/// Decodes a non-empty JSON body into `T`; on failure, the path of the field that failed (`.`
/// for the whole body) and what was wrong. Tracking the path of every field costs time on
/// every body and only a failure needs it, so a failed decode is repeated with tracking.
pub(crate) fn json_body<T: de::DeserializeOwned>(body: &[u8]) -> Result<T, (String, String)> {
    if let Ok(value) = serde_json::from_slice(body) {
        return Ok(value);
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let err = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        // Only trailing characters can be left to fail on here.
        Ok(value) => {
            return de.end().map(|()| value).map_err(|e| (".".into(), format!("the body is not valid JSON: {e}")))
        }
        Err(err) => err,
    };
    let path = err.path().to_string();
    let inner = err.into_inner();
    if inner.is_syntax() || inner.is_eof() {
        let what = match body.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'<') => "the body is not JSON (it looks like HTML or XML)",
            _ => "the body is not valid JSON",
        };
        return Err((path, format!("{what}: {inner}")));
    }
    Err(join_nested_path(path, inner.to_string()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{join_nested_path, json_body};

    #[test]
    fn nested_union_paths_are_joined() {
        let (p, m) = join_nested_path("data[3]".into(), "at `creationTime`: input contains invalid characters".into());
        assert_eq!((p.as_str(), m.as_str()), ("data[3].creationTime", "input contains invalid characters"));
        let (p, _) = join_nested_path(".".into(), "at `existingAccount`: at `keyFile`: invalid type".into());
        assert_eq!(p, "existingAccount.keyFile");
        let (p, _) = join_nested_path("data".into(), "at `[2]`: x".into());
        assert_eq!(p, "data[2]");
        assert_eq!(join_nested_path("a".into(), "plain".into()), ("a".to_owned(), "plain".to_owned()));
    }

    #[test]
    fn a_failed_body_names_the_path_and_says_when_it_is_not_json() {
        let (p, m) = json_body::<std::collections::BTreeMap<String, i64>>(br#"{"a": "x"}"#).unwrap_err();
        assert_eq!(p, "a", "{m}");
        let (_, m) = json_body::<i64>(b"<html>").unwrap_err();
        assert!(m.starts_with("the body is not JSON (it looks like HTML or XML)"), "{m}");
        let (p, m) = json_body::<i64>(b"1 2").unwrap_err();
        assert!(p == "." && m.starts_with("the body is not valid JSON"), "{m}");
    }

    #[derive(serde::Serialize)]
    struct Settings {
        #[serde(skip_serializing_if = "Option::is_none")]
        folder: Option<String>,
    }

    #[test]
    fn an_alternative_that_ignores_a_property_does_not_keep_every_one() {
        let settings = Settings { folder: Some("D:".to_owned()) };
        assert!(super::keeps_every_property(&json!({"folder": "D:"}), &settings));
        assert!(super::keeps_every_property(&json!({"folder": "D:", "gone": null}), &settings), "null is absent");
        assert!(!super::keeps_every_property(&json!({"folder": "D:", "platform": "VSphere"}), &settings));
        assert!(super::keeps_every_property(&json!("text"), &"text"), "not an object: kept whole");
    }

    #[test]
    fn a_list_alternative_whose_items_ignore_a_property_does_not_keep_every_one() {
        let list = vec![Settings { folder: Some("D:".to_owned()) }];
        assert!(super::keeps_every_property(&json!([{"folder": "D:"}]), &list));
        assert!(!super::keeps_every_property(&json!([{"folder": "D:", "objectId": "7"}]), &list));
        assert!(!super::keeps_every_property(&json!([{"folder": "D:"}, {"folder": "E:"}]), &list), "an item lost");
    }
}
