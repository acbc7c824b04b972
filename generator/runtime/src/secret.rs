//! A string that never shows itself in `Debug`, `Display`, logs or error messages, and is
//! wiped from memory when dropped.

use std::cell::RefCell;
use std::fmt;

use secrecy::{ExposeSecret, SecretBox};

/// A secret string: a password, key, passphrase or token.
///
/// It is sent over the wire as the plain string (serde and XML see the value), but `Debug`
/// and `Display` print `***`. Read it with [`Secret::expose`], deliberately. The value lives
/// in a [`secrecy::SecretBox`], which zeroes it when the last copy is dropped.
pub struct Secret(SecretBox<String>);

/// A copy in its own box, zeroed in its turn when dropped.
impl Clone for Secret {
    fn clone(&self) -> Self {
        Secret::new(self.expose().to_owned())
    }
}

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(SecretBox::new(Box::new(value.into())))
    }

    /// The secret itself. Every call site is a place where the secret leaves this type.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.expose().is_empty()
    }
}

impl Default for Secret {
    fn default() -> Self {
        Secret::new(String::new())
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl Eq for Secret {}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret::from(s))
    }
}

impl serde::Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        noticed(self);
        serializer.serialize_str(self.expose())
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        super::de::string(deserializer).map(Secret::from)
    }
}

thread_local! {
    /// The secrets written while [`collecting`] runs on this thread.
    static WRITTEN: RefCell<Option<Vec<Secret>>> = const { RefCell::new(None) };
}

/// Runs `f` and returns, with its result, every [`Secret`] that was serialized or written
/// as a parameter or XML text meanwhile. A request learns this way which strings of its body
/// are secret, so that they can be blanked out of whatever the server answers.
pub(crate) fn collecting<R>(f: impl FnOnce() -> R) -> (R, Vec<Secret>) {
    let outer = WRITTEN.with(|w| w.borrow_mut().replace(Vec::new()));
    let result = f();
    let mine = WRITTEN.with(|w| std::mem::replace(&mut *w.borrow_mut(), outer)).unwrap_or_default();
    // A nested collection also counts for the one around it.
    WRITTEN.with(|w| {
        if let Some(outer) = w.borrow_mut().as_mut() {
            outer.extend(mine.iter().cloned());
        }
    });
    (result, mine)
}

/// The secrets written so far in the innermost [`collecting`] running on this thread: what a
/// command line blanks out of its output while it is still writing it.
#[cfg(feature = "cli")]
pub(crate) fn collected() -> Vec<Secret> {
    WRITTEN.with(|w| w.borrow().as_ref().cloned().unwrap_or_default())
}

/// Records that a secret is being written out (see [`collecting`]).
pub(crate) fn noticed(secret: &Secret) {
    WRITTEN.with(|w| {
        if let Some(list) = w.borrow_mut().as_mut() {
            list.push(secret.clone());
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacted_but_serialized() {
        let s = Secret::from("hunter2");
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert_eq!(format!("{s}"), "***");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"hunter2\"");
        let back: Secret = serde_json::from_str("\"x\"").unwrap();
        assert_eq!(back.expose(), "x");
    }

    #[test]
    fn serialized_secrets_are_collected() {
        #[derive(serde::Serialize)]
        struct Body {
            name: &'static str,
            password: Secret,
        }
        let (json, secrets) =
            collecting(|| serde_json::to_string(&Body { name: "n", password: Secret::from("pw") }).unwrap());
        assert!(json.contains("pw"));
        assert_eq!(secrets, vec![Secret::from("pw")]);
        // Outside `collecting`, nothing is kept.
        serde_json::to_string(&Secret::from("other")).unwrap();
        let ((), none) = collecting(|| ());
        assert!(none.is_empty());
    }
}
