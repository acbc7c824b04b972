//! API revisions: the root `x-api-revisions` declaration and the `x-revisions` marks on
//! operations and parameters, read into [`Revisions`] and [`Available`]. A mark that names a
//! revision the declaration lacks, or that the declaration does not come with, is reported at
//! its pointer.
//!
//! ```yaml
//! x-api-revisions:
//!   header: x-api-version      # the header the revision travels in
//!   default: 1.3-rev2          # what a client speaks unless told otherwise
//!   revisions: [1.2-rev1, 1.3-rev0, 1.3-rev1, 1.3-rev2]   # oldest first
//!   probe: GetServerTime       # optional: an operation without arguments whose answer tells
//!                              # whether the server speaks a revision (`discover_api_version`)
//! ```
//!
//! A mark is a comma-separated list of ranges: `1.3-rev1..` (from 1.3-rev1 on),
//! `1.2-rev1..1.3-rev0` (both ends included), `1.3-rev0` (that one alone).

use serde_json::Value;

use crate::diag::Sink;
use crate::ir::{Available, Revisions};
use crate::pointer::Pointer;

/// The root extension that declares the revisions.
pub(crate) const DECLARATION: &str = "x-api-revisions";
/// The mark on an element.
pub(crate) const MARK: &str = "x-revisions";
/// A schema's marks of its properties, where they differ from the schema's.
pub(crate) const PROPERTY_MARK: &str = "x-property-revisions";
/// A schema's marks of the revisions that require a property its `required` leaves out.
pub(crate) const REQUIRED_MARK: &str = "x-required-revisions";
/// The revisions in which a list is one value, not a list (Veeam made filters and statuses
/// lists in later revisions): a schema's `{property: revisions}` map, or a parameter's own mark.
pub(crate) const SINGLE_MARK: &str = "x-single-value-revisions";
/// A schema's marks of its enum values, where they differ from the schema's.
pub(crate) const ENUM_MARK: &str = "x-enum-revisions";
/// A schema's other spellings of its enum values: `{value: {spelling: revisions}}`.
pub(crate) const SPELLINGS: &str = "x-enum-spellings";

/// Reads the root declaration, if the document has one.
pub(crate) fn declared(root: &Value, sink: &mut Sink) -> Option<Revisions> {
    let decl = root.get(DECLARATION)?;
    let at = Pointer::root().join(DECLARATION);
    let Some(map) = decl.as_object() else {
        sink.error(&at, "`x-api-revisions` must be an object with `header`, `revisions` and `default`");
        return None;
    };
    let header = match map.get("header").and_then(Value::as_str) {
        Some(h) if !h.trim().is_empty() => h.to_owned(),
        _ => {
            sink.error(&at.join("header"), "`header` must name the header the revision is sent in");
            return None;
        }
    };
    let names: Vec<String> = match map.get("revisions").and_then(Value::as_array) {
        Some(list) if !list.is_empty() => {
            let mut names = Vec::new();
            for (i, v) in list.iter().enumerate() {
                match v.as_str().map(str::trim).filter(|n| !n.is_empty() && !n.contains(',') && !n.contains("..")) {
                    Some(n) if !names.iter().any(|x: &String| x == n) => names.push(n.to_owned()),
                    Some(n) => {
                        sink.error(&at.join("revisions").join(i), format!("revision `{n}` is listed twice"));
                        return None;
                    }
                    None => {
                        sink.error(&at.join("revisions").join(i), "a revision is a name without `,` or `..`");
                        return None;
                    }
                }
            }
            names
        }
        _ => {
            sink.error(&at.join("revisions"), "`revisions` must list the revisions, oldest first");
            return None;
        }
    };
    let default = match map.get("default").and_then(Value::as_str) {
        None => names.len() - 1,
        Some(d) => match names.iter().position(|n| n == d) {
            Some(i) => i,
            None => {
                sink.error(&at.join("default"), format!("the default `{d}` is not one of `revisions`"));
                return None;
            }
        },
    };
    let mut variants = Vec::new();
    for name in &names {
        let variant = variant_name(name);
        if variants.contains(&variant) {
            sink.error(&at.join("revisions"), format!("two revisions are both named `{variant}` in Rust"));
            return None;
        }
        variants.push(variant);
    }
    Some(Revisions { header, names, variants, default, probe: None })
}

/// Resolves the declaration's `probe` to an operation once operations are lowered: it must
/// exist and take no argument, so the client can call it in every revision.
pub(crate) fn resolve_probe(api: &mut crate::ir::Api, root: &Value, sink: &mut Sink) {
    let Some(id) = root.get(DECLARATION).and_then(|d| d.get("probe")) else { return };
    let at = Pointer::root().join(DECLARATION).join("probe");
    let Some(id) = id.as_str() else {
        sink.error(&at, "`probe` names an operation by its operationId");
        return;
    };
    let found = api.operations.iter().position(|op| op.id == id);
    let usable = found.filter(|&i| {
        let op = &api.operations[i];
        op.path_params.is_empty() && !op.params.iter().any(|p| p.required) && op.body.is_none()
    });
    match (found, usable, api.revisions.as_mut()) {
        (None, _, _) => sink.error(&at, format!("`probe` names `{id}`, which is not an operation")),
        (Some(_), None, _) => sink.error(&at, format!("`probe` operation `{id}` must take no arguments")),
        (_, Some(i), Some(revisions)) => revisions.probe = Some(i),
        (_, Some(_), None) => {}
    }
}

/// `1.2-rev1` → `V1_2Rev1`: digits groups joined by `_`, words capitalised.
fn variant_name(name: &str) -> String {
    let mut out = String::from("V");
    let mut upper = true;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            let digit_after_digit = c.is_ascii_digit() && out.ends_with(|p: char| p.is_ascii_digit()) && upper;
            if digit_after_digit {
                out.push('_');
            }
            out.push(if upper { c.to_ascii_uppercase() } else { c });
            upper = false;
        } else {
            upper = true;
        }
    }
    out
}

/// Reads a mark (`x-revisions` and the like) at `at`. `None` when the element exists in
/// every revision (so nothing is checked); a problem is reported and read as "every
/// revision", so a bad mark never hides an operation.
pub(crate) fn mark(value: &Value, revisions: Option<&Revisions>, at: &Pointer, sink: &mut Sink) -> Option<Available> {
    let Some(revisions) = revisions else {
        sink.warn(at, "a revision mark without a root `x-api-revisions` declaration is ignored");
        return None;
    };
    let Some(text) = value.as_str() else {
        sink.error(at, "a revision mark is a string such as `1.3-rev1..` or `1.2-rev1..1.3-rev0`");
        return None;
    };
    let position = |name: &str, sink: &mut Sink| {
        let found = revisions.names.iter().position(|n| n == name.trim());
        if found.is_none() {
            sink.error(at, format!("`{}` is not a revision `x-api-revisions` lists", name.trim()));
        }
        found
    };
    let mut ranges = Vec::new();
    for piece in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (from, to) = match piece.split_once("..") {
            Some((from, "")) => (position(from, sink)?, None),
            Some((from, to)) => (position(from, sink)?, Some(position(to, sink)?)),
            None => {
                let one = position(piece, sink)?;
                (one, Some(one))
            }
        };
        if to.is_some_and(|to| to < from) {
            sink.error(at, format!("the range `{piece}` ends before it starts"));
            return None;
        }
        ranges.push((from, to));
    }
    let everywhere = ranges.iter().any(|&(from, to)| from == 0 && to.is_none_or(|t| t + 1 >= revisions.names.len()));
    (!everywhere).then_some(Available(ranges))
}

impl Available {
    /// The same revisions as sorted, merged ranges; `None` when they are every one of
    /// `count` revisions.
    pub(crate) fn normalized(mut self, count: usize) -> Option<Available> {
        self.0.sort();
        let mut merged: Vec<(usize, Option<usize>)> = Vec::new();
        for (from, to) in self.0 {
            match merged.last_mut() {
                Some((_, last)) if last.is_none_or(|l| from <= l + 1) => {
                    *last = match (*last, to) {
                        (None, _) | (_, None) => None,
                        (Some(a), Some(b)) => Some(a.max(b)),
                    };
                }
                _ => merged.push((from, to)),
            }
        }
        let everywhere = matches!(merged.as_slice(), [(0, to)] if to.is_none_or(|t| t + 1 >= count));
        (!everywhere).then_some(Available(merged))
    }

    /// `1.3-rev1 and later`, `1.2-rev1 to 1.3-rev0`, joined by `, `.
    pub(crate) fn describe(&self, names: &[String]) -> String {
        let name = |i: usize| names.get(i).map(String::as_str).unwrap_or("?");
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|&(from, to)| match to {
                None => format!("{} and later", name(from)),
                Some(t) if t == from => name(from).to_owned(),
                Some(t) => format!("{} to {}", name(from), name(t)),
            })
            .collect();
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn revisions() -> Revisions {
        let mut sink = Sink::default();
        let root = json!({"x-api-revisions": {"header": "x-api-version", "revisions": ["1.2-rev1", "1.3-rev0", "1.3-rev1", "1.3-rev2"], "default": "1.3-rev0"}});
        let r = declared(&root, &mut sink).unwrap();
        assert!(sink.into_vec().is_empty());
        r
    }

    #[test]
    fn the_declaration_names_variants_and_the_default() {
        let r = revisions();
        assert_eq!(r.variants, ["V1_2Rev1", "V1_3Rev0", "V1_3Rev1", "V1_3Rev2"]);
        assert_eq!(r.default, 1);
        assert_eq!(variant_name("2024-01-01"), "V2024_01_01");
        assert_eq!(variant_name("v2"), "VV2");
    }

    #[test]
    fn marks_read_as_ranges_and_every_revision_is_none() {
        let r = revisions();
        let mut sink = Sink::default();
        let at = Pointer::root();
        assert_eq!(mark(&json!("1.2-rev1.."), Some(&r), &at, &mut sink), None);
        assert_eq!(mark(&json!("1.2-rev1..1.3-rev2"), Some(&r), &at, &mut sink), None);
        let later = mark(&json!("1.3-rev1.."), Some(&r), &at, &mut sink).unwrap();
        assert_eq!(later, Available(vec![(2, None)]));
        assert_eq!(later.describe(&r.names), "1.3-rev1 and later");
        let gap = mark(&json!("1.2-rev1..1.3-rev0, 1.3-rev2"), Some(&r), &at, &mut sink).unwrap();
        assert_eq!(gap.describe(&r.names), "1.2-rev1 to 1.3-rev0, 1.3-rev2");
        assert!(sink.into_vec().is_empty());
    }

    #[test]
    fn ranges_merge_and_every_revision_is_none() {
        assert_eq!(Available(vec![(1, None), (0, Some(0))]).normalized(4), None);
        assert_eq!(
            Available(vec![(0, Some(0)), (2, None)]).normalized(4),
            Some(Available(vec![(0, Some(0)), (2, None)]))
        );
        assert_eq!(Available(vec![(0, Some(1)), (1, Some(2))]).normalized(4), Some(Available(vec![(0, Some(2))])));
        assert_eq!(Available(vec![(0, Some(3))]).normalized(4), None);
    }

    #[test]
    fn a_bad_mark_is_reported_and_hides_nothing() {
        let r = revisions();
        let mut sink = Sink::default();
        let at = Pointer::root().join("x-revisions");
        assert_eq!(mark(&json!("1.4-rev0.."), Some(&r), &at, &mut sink), None);
        assert_eq!(mark(&json!("1.3-rev1..1.2-rev1"), Some(&r), &at, &mut sink), None);
        assert_eq!(mark(&json!(12), Some(&r), &at, &mut sink), None);
        assert_eq!(mark(&json!("1.3-rev1.."), None, &at, &mut sink), None);
        let messages: Vec<String> = sink.into_vec().into_iter().map(|d| d.message).collect();
        assert_eq!(messages.len(), 4, "{messages:?}");
        assert!(messages[0].contains("`1.4-rev0` is not a revision"), "{messages:?}");
        assert!(messages[1].contains("ends before it starts"), "{messages:?}");
    }
}
