//! Every spec name becomes a Rust identifier here, and nowhere else.
//!
//! Wire names are never changed: callers keep them for serde renames. These functions only
//! decide what the Rust side is called.

use heck::{ToSnakeCase, ToUpperCamelCase};
use std::collections::BTreeSet;

/// Keywords that can be used as raw identifiers (`r#type`).
const RAW_OK: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn", "else", "enum",
    "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro", "match", "mod", "move",
    "mut", "override", "priv", "pub", "ref", "return", "static", "struct", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keywords that cannot even be raw identifiers; they get a trailing underscore.
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// A snake_case identifier for a field, parameter or method. Keywords come back as raw
/// identifiers (`type` → `r#type`).
pub fn snake_ident(raw: &str) -> String {
    let base = ascii_only(&digit_sep(split_words(raw).to_snake_case()), "value");
    finish_snake(base)
}

/// An UpperCamelCase identifier for a type or enum variant.
pub fn camel_ident(raw: &str) -> String {
    // A name that already is a valid type name stays as the spec spells it
    // (`EKMSFiltersOrderColumn`, not `EkmsFiltersOrderColumn`).
    if raw.starts_with(|c: char| c.is_ascii_uppercase())
        && raw.chars().all(|c| c.is_ascii_alphanumeric())
        && raw != "Self"
    {
        return raw.to_owned();
    }
    let base = ascii_only(&digit_sep(split_words(raw).to_upper_camel_case()), "Value");
    let base = if base.starts_with(|c: char| c.is_ascii_digit()) { format!("V{base}") } else { base };
    if NOT_RAW.contains(&base.as_str()) {
        format!("{base}_")
    } else {
        base
    }
}

fn finish_snake(base: String) -> String {
    let base = if base.starts_with(|c: char| c.is_ascii_digit()) { format!("_{base}") } else { base };
    if NOT_RAW.contains(&base.as_str()) {
        format!("{base}_")
    } else if RAW_OK.contains(&base.as_str()) {
        format!("r#{base}")
    } else {
        base
    }
}

/// Dots and other punctuation separate words (`1.3-rev0` → `1 3 rev0`), but digits that
/// follow digits across a separator stay apart with an underscore so `1.3` and `13` differ.
fn split_words(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut prev: Option<char> = None;
    let mut pending_sep = false;
    for c in raw.chars() {
        if c.is_alphanumeric() {
            if pending_sep {
                let digit_run = prev.is_some_and(|p| p.is_ascii_digit()) && c.is_ascii_digit();
                out.push(if digit_run { DIGIT_SEP } else { ' ' });
            }
            out.push(c);
            prev = Some(c);
            pending_sep = false;
        } else {
            pending_sep = !out.is_empty();
        }
    }
    out
}

/// Marks a separator between digit groups; heck keeps it inside the word (it is a letter)
/// and [`digit_sep`] turns it into `_` afterwards.
const DIGIT_SEP: char = 'ǝ';

fn digit_sep(s: String) -> String {
    s.replace(['ǝ', 'Ǝ'], "_")
}

fn ascii_only(s: &str, fallback: &str) -> String {
    let cleaned: String = s.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    let trimmed = cleaned.trim_matches('_');
    if trimmed.is_empty() || trimmed.chars().all(|c| c == '_') {
        fallback.to_owned()
    } else if cleaned.starts_with('_') && !cleaned.trim_start_matches('_').starts_with(|c: char| c.is_ascii_digit()) {
        trimmed.to_owned()
    } else {
        cleaned
    }
}

/// The identifier without a raw prefix, e.g. for building derived names.
pub fn unraw(ident: &str) -> &str {
    ident.strip_prefix("r#").unwrap_or(ident)
}

/// Hands out names unique within one scope (a module's types, a struct's fields, an enum's
/// variants). The first claimant keeps a name; later ones get a numeric suffix, so the result
/// depends only on the order of claims, which callers keep deterministic.
#[derive(Debug, Default, Clone)]
pub struct Scope {
    taken: BTreeSet<String>,
    /// Who holds each name claimed with [`Scope::claim_for`], for collision messages.
    holders: std::collections::BTreeMap<String, String>,
}

impl Scope {
    /// A scope whose names must also avoid `reserved`.
    pub fn with_reserved(reserved: &[&str]) -> Self {
        Scope { taken: reserved.iter().map(|s| s.to_string()).collect(), holders: Default::default() }
    }

    /// [`Scope::claim`], remembering `holder` (a spec location) as the name's owner. On a
    /// collision, also returns who holds `want`: a spec location, or `None` for a name the
    /// generated code reserves for itself.
    pub fn claim_for(&mut self, want: &str, holder: &str) -> (String, Option<Option<String>>) {
        let previous = self.taken.contains(want).then(|| self.holders.get(want).cloned());
        let (name, _) = self.claim(want);
        self.holders.insert(name.clone(), holder.to_owned());
        (name, previous)
    }

    /// Claims `want` if free; otherwise the first free `want2`, `want3`, …  Returns the name
    /// and whether it had to change.
    pub fn claim(&mut self, want: &str) -> (String, bool) {
        if self.taken.insert(want.to_owned()) {
            return (want.to_owned(), false);
        }
        let (stem, raw) = match want.strip_prefix("r#") {
            Some(s) => (s, true),
            None => (want, false),
        };
        for n in 2.. {
            let candidate = format!("{stem}{}{n}", if stem.ends_with(|c: char| c.is_ascii_digit()) { "_" } else { "" });
            let candidate = if raw { finish_snake(candidate) } else { candidate };
            if self.taken.insert(candidate.clone()) {
                return (candidate, true);
            }
        }
        unreachable!("an unbounded range always yields a free name")
    }

    /// Whether a name is already taken.
    pub fn contains(&self, name: &str) -> bool {
        self.taken.contains(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_table() {
        let table = [
            ("SSHPort", "ssh_port"),
            (".expires", "expires"),
            ("access_token", "access_token"),
            ("type", "r#type"),
            ("self", "self_"),
            ("Self", "self_"),
            ("crate", "crate_"),
            ("x-api-version", "x_api_version"),
            ("GetAllCreds", "get_all_creds"),
            ("createdAfterFilter", "created_after_filter"),
            ("2fa", "_2fa"),
            ("", "value"),
            ("名前", "value"),
            ("@odata.type", "odata_type"),
            ("match", "r#match"),
            ("async", "r#async"),
            ("_links", "links"),
        ];
        for (input, want) in table {
            assert_eq!(snake_ident(input), want, "input {input:?}");
        }
    }

    #[test]
    fn camel_table() {
        let table = [
            ("ECredentialsType", "ECredentialsType"),
            ("standard", "Standard"),
            ("ManagedService", "ManagedService"),
            ("1.3-rev0", "V1_3Rev0"),
            ("13-rev0", "V13Rev0"),
            ("Self", "Self_"),
            ("self", "Self_"),
            ("", "Value"),
            ("pfx", "Pfx"),
            ("AES-256", "Aes256"),
            ("EKMSFiltersOrderColumn", "EKMSFiltersOrderColumn"),
            ("SSHPort", "SSHPort"),
            ("a b c", "ABC"),
            ("*", "Value"),
            ("application/json", "ApplicationJson"),
        ];
        for (input, want) in table {
            assert_eq!(camel_ident(input), want, "input {input:?}");
        }
    }

    #[test]
    fn every_output_parses_as_an_identifier() {
        for input in ["type", "self", "1", "--", "fn", "Self", "r#x", "_", "__", "a-b", "🦀x"] {
            for ident in [snake_ident(input), camel_ident(input)] {
                let parsed: Result<syn::Ident, _> = syn::parse_str(&ident);
                assert!(parsed.is_ok(), "{input:?} gave {ident:?}");
            }
        }
    }

    #[test]
    fn scope_suffixes_deterministically() {
        let mut s = Scope::default();
        assert_eq!(s.claim("Foo"), ("Foo".into(), false));
        assert_eq!(s.claim("Foo"), ("Foo2".into(), true));
        assert_eq!(s.claim("Foo"), ("Foo3".into(), true));
        assert_eq!(s.claim("V1"), ("V1".into(), false));
        assert_eq!(s.claim("V1"), ("V1_2".into(), true));
        assert_eq!(s.claim("r#type"), ("r#type".into(), false));
        assert_eq!(s.claim("r#type"), ("type2".into(), true));
    }
}
