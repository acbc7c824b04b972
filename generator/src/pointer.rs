//! Where an element of a document is written: an RFC 6901 JSON pointer.

use std::fmt;

/// An RFC 6901 JSON pointer into a loaded document. It is kept in its escaped form (`~0`,
/// `~1`) without the URI fragment's `#`, which is how `serde_json::Value::pointer` and `$ref`
/// fragments spell it; [`fmt::Display`] adds the `#`, so every diagnostic shows it one way.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pointer(String);

impl Pointer {
    /// The whole document.
    pub fn root() -> Self {
        Pointer(String::new())
    }

    /// A pointer from its escaped text without `#` (`/components/schemas/A~1B`), as a `$ref`
    /// fragment carries it once percent-decoded. `None` unless it is empty or starts with `/`.
    pub fn parse(escaped: &str) -> Option<Self> {
        (escaped.is_empty() || escaped.starts_with('/')).then(|| Pointer(escaped.to_owned()))
    }

    /// Appends one reference token, escaping `~` and `/`.
    pub fn push(&mut self, token: impl fmt::Display) {
        let token = token.to_string();
        self.0.push('/');
        self.0.push_str(&token.replace('~', "~0").replace('/', "~1"));
    }

    /// This pointer with one more reference token.
    #[must_use]
    pub fn join(&self, token: impl fmt::Display) -> Self {
        let mut out = self.clone();
        out.push(token);
        out
    }

    /// The escaped text without `#`, for `serde_json::Value::pointer`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last reference token, unescaped (`None` at the root).
    pub fn last(&self) -> Option<String> {
        let (_, last) = self.0.rsplit_once('/')?;
        Some(last.replace("~1", "/").replace("~0", "~"))
    }

    /// The pointer one token up (`None` at the root).
    pub fn parent(&self) -> Option<Pointer> {
        let (parent, _) = self.0.rsplit_once('/')?;
        Some(Pointer(parent.to_owned()))
    }

    /// Whether `self` is `other` or inside it.
    pub fn starts_with(&self, other: &Pointer) -> bool {
        self.0 == other.0 || self.0.strip_prefix(&other.0).is_some_and(|rest| rest.starts_with('/'))
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Pointer;

    #[test]
    fn push_escapes_and_display_adds_the_fragment_mark() {
        let mut p = Pointer::root().join("paths").join("/pets/{id}");
        p.push("a~b");
        p.push(0);
        assert_eq!(p.as_str(), "/paths/~1pets~1{id}/a~0b/0");
        assert_eq!(p.to_string(), "#/paths/~1pets~1{id}/a~0b/0");
        assert_eq!(p.last().as_deref(), Some("0"));
        assert_eq!(Pointer::root().to_string(), "#");
    }

    #[test]
    fn parse_and_containment() {
        assert_eq!(Pointer::parse("components"), None);
        let a = Pointer::parse("/components/schemas/A").unwrap();
        assert!(a.starts_with(&Pointer::parse("/components").unwrap()));
        assert!(a.starts_with(&a));
        assert!(!Pointer::parse("/components/schemas/AB").unwrap().starts_with(&a));
        assert_eq!(Pointer::parse("/a/x~1y~0z").unwrap().last().as_deref(), Some("x/y~z"));
    }
}
