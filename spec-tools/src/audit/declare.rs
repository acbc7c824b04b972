//! The declarations of deviations in our spec: an `x-deviation` map on the object where a
//! difference is, from its key (see [`super::diff::Difference::key`]) to the reason.

use generator::Pointer;
use serde_json::Value;

/// The extension that declares deviations.
pub const EXTENSION: &str = "x-deviation";

/// One declared deviation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Declaration {
    /// The object that carries the `x-deviation` map.
    pub owner: Pointer,
    /// The key of the `x-deviation` map.
    pub key: String,
    /// Why the spec differs.
    pub reason: String,
}

impl Declaration {
    /// Where it is written: `…/x-deviation/{key}`.
    pub fn at(&self) -> Pointer {
        self.owner.join(EXTENSION).join(&self.key)
    }
}

/// Every declaration in `doc`, and the pointers of malformed ones with what is wrong.
/// Example values and defaults are data and are not searched.
pub fn declarations(doc: &Value) -> (Vec<Declaration>, Vec<(Pointer, String)>) {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    walk(doc, &Pointer::root(), &mut found, &mut problems);
    (found, problems)
}

fn walk(node: &Value, at: &Pointer, found: &mut Vec<Declaration>, problems: &mut Vec<(Pointer, String)>) {
    // Under `properties` (and other maps of names) the keys are names, not keywords: a
    // property called `example` or `enum` is walked like any other.
    let names = matches!(at.last().as_deref(), Some("properties" | "schemas" | "parameters" | "responses"));
    match node {
        Value::Object(map) => {
            for (key, child) in map {
                if key == EXTENSION {
                    read(child, at, found, problems);
                } else if names || !matches!(key.as_str(), "example" | "examples" | "default" | "enum") {
                    walk(child, &at.join(key), found, problems);
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                walk(child, &at.join(i), found, problems);
            }
        }
        _ => {}
    }
}

fn read(map: &Value, owner: &Pointer, found: &mut Vec<Declaration>, problems: &mut Vec<(Pointer, String)>) {
    let at = owner.join(EXTENSION);
    let Some(map) = map.as_object() else {
        problems.push((at, "must be a map from a difference to its reason".to_owned()));
        return;
    };
    if owner.as_str().is_empty() || map.is_empty() {
        problems.push((at.clone(), "declares nothing here; put it on the object where the difference is".to_owned()));
    }
    for (key, reason) in map {
        match reason.as_str().map(str::trim) {
            Some(reason) if !reason.is_empty() => {
                found.push(Declaration { owner: owner.clone(), key: key.clone(), reason: reason.to_owned() })
            }
            _ => problems.push((at.join(key), "the reason must be a non-empty string".to_owned())),
        }
    }
}
