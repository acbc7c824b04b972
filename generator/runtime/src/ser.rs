//! Serialization helpers used by generated code.

use std::cell::Cell;

use serde::ser::{Error as _, Serialize, Serializer};

thread_local! {
    /// Set while a request body is serialized: `readOnly` properties are left out then.
    static WRITING_REQUEST: Cell<bool> = const { Cell::new(false) };
    /// The API revision a request body is written for, while it is written.
    static REVISION: Cell<Option<u16>> = const { Cell::new(None) };
    /// The first field that revision lacks, found while writing.
    static LACKING: Cell<Option<(&'static str, super::revision::Available)>> = const { Cell::new(None) };
    /// The first field that revision requires and the body leaves out, found while writing.
    static MISSING: Cell<Option<(&'static str, super::revision::Available)>> = const { Cell::new(None) };
    /// The first list that revision takes as one value and the body holds another number
    /// of, found while writing: its field, the revisions, and how many it holds.
    static NOT_ONE: Cell<Option<(&'static str, super::revision::Available, usize)>> = const { Cell::new(None) };
    /// The API revision the parameters being written are for: set while a request's
    /// parameters are written (synchronously, between `Core::request` and `send`).
    static PARAMS_REVISION: Cell<Option<u16>> = const { Cell::new(None) };
}

/// Holds [`PARAMS_REVISION`] for one request from its start until it is sent (or dropped
/// unsent); a request's parameters are written on the thread that started it, before its
/// first `.await`, so a value set here is never seen by another request.
pub(crate) struct ParamsFor(bool);

impl ParamsFor {
    pub(crate) fn start(revision: Option<u16>) -> Self {
        PARAMS_REVISION.with(|r| r.set(revision));
        ParamsFor(true)
    }

    /// Ends it (at `send`, still on the thread that started it).
    pub(crate) fn end(&mut self) {
        if std::mem::take(&mut self.0) {
            PARAMS_REVISION.with(|r| r.set(None));
        }
    }
}

impl Drop for ParamsFor {
    fn drop(&mut self) {
        self.end();
    }
}

/// An enum value as a parameter written for the API revision spoken spells it (see
/// [`spelled`]).
pub fn spelled_param(
    value: &'static str,
    spellings: &'static [(super::revision::Available, &'static str)],
) -> &'static str {
    let Some(at) = PARAMS_REVISION.with(Cell::get) else { return value };
    spellings.iter().find(|(available, _)| super::revision::covers(available, at)).map_or(value, |(_, other)| other)
}

/// Why a request body cannot be sent in the API revision spoken: a field and revisions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// A field the revision lacks is set; the revisions that have it.
    Lacking(&'static str, super::revision::Available),
    /// A field the revision requires is not set; the revisions that require it.
    Missing(&'static str, super::revision::Available),
    /// A list the revision takes as one value holds another number; the revisions that take
    /// one value, and how many it holds.
    NotOne(&'static str, super::revision::Available, usize),
}

/// [`as_request`] for a client that speaks API revision `revision`: a field that revision
/// lacks stops the writing ([`in_revision`]) and is returned as `Err(Refusal::Lacking)`, a
/// field it requires and the body leaves out ([`skip_or_require`]) as `Err(Refusal::Missing)`;
/// a value spelled differently in it is written in its spelling ([`spelled`]).
pub(crate) fn as_request_in<R>(revision: Option<u16>, f: impl FnOnce() -> R) -> Result<R, Refusal> {
    let before = REVISION.with(|r| r.replace(revision));
    LACKING.with(|l| l.set(None));
    MISSING.with(|m| m.set(None));
    NOT_ONE.with(|n| n.set(None));
    let out = as_request(f);
    REVISION.with(|r| r.set(before));
    if let Some((field, available)) = LACKING.with(|l| l.take()) {
        return Err(Refusal::Lacking(field, available));
    }
    if let Some((field, single, count)) = NOT_ONE.with(|n| n.take()) {
        return Err(Refusal::NotOne(field, single, count));
    }
    match MISSING.with(|m| m.take()) {
        Some((field, required)) => Err(Refusal::Missing(field, required)),
        None => Ok(out),
    }
}

/// `serialize_with` of a value only some API revisions have: written as usual, unless a
/// request body is written for a revision outside `available`, where it is an error (the
/// request is refused, naming `field`, before it is sent). Generated code writes an untagged
/// union's alternative that only some revisions have (a property's shape in those) with it; a
/// property only some revisions have goes through [`skip_in_revision`], which costs a build
/// far less.
pub fn in_revision<T: Serialize, S: Serializer>(
    value: &T,
    field: &'static str,
    available: super::revision::Available,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    if let Some(at) = REVISION.with(Cell::get).filter(|_| writing_request()) {
        if !super::revision::covers(available, at) {
            LACKING.with(|l| {
                if l.get().is_none() {
                    l.set(Some((field, available)));
                }
            });
            return Err(S::Error::custom(format!("`{field}` is not in the API revision spoken")));
        }
    }
    value.serialize(serializer)
}

/// `skip_serializing_if` of a property only some API revisions have (`set`: whether it has a
/// value): left out when unset, and left out of a request body written for a revision outside
/// `available`, where setting it is an error: the first such field is kept, and the request
/// is refused, naming it, before it is sent (see `as_request_in`).
pub fn skip_in_revision(set: bool, field: &'static str, available: super::revision::Available) -> bool {
    if !set {
        return true;
    }
    let Some(at) = REVISION.with(Cell::get).filter(|_| writing_request()) else { return false };
    if super::revision::covers(available, at) {
        return false;
    }
    LACKING.with(|l| {
        if l.get().is_none() {
            l.set(Some((field, available)));
        }
    });
    true
}

/// `skip_serializing_if` of an optional property that some API revisions (`required`)
/// require: as [`skip_in_revision`] (`available`: the revisions that have it) when it is set;
/// when it is not, left out, and a request body written for a revision that requires it is
/// refused, naming it, before it is sent (see `as_request_in`).
pub fn skip_or_require(
    set: bool,
    field: &'static str,
    available: super::revision::Available,
    required: super::revision::Available,
) -> bool {
    if set {
        return skip_in_revision(set, field, available);
    }
    if let Some(at) = REVISION.with(Cell::get).filter(|_| writing_request()) {
        if super::revision::covers(required, at) {
            MISSING.with(|m| {
                if m.get().is_none() {
                    m.set(Some((field, required)));
                }
            });
        }
    }
    true
}

/// `serialize_with` of a list property that the API revisions `single` write as one value
/// (`x-single-value-revisions`): in a request body written for one of them, a list of one is
/// written as its item, and a list of another length stops the writing and is refused, naming
/// `field`, before it is sent (see `as_request_in`); written as a list everywhere else, and
/// `null` when absent.
pub fn one_in_revision<T: Serialize, S: Serializer>(
    items: Option<&[T]>,
    field: &'static str,
    single: super::revision::Available,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let Some(items) = items else { return serializer.serialize_none() };
    let at = REVISION.with(Cell::get).filter(|_| writing_request());
    if at.is_some_and(|at| super::revision::covers(single, at)) {
        if let [one] = items {
            return one.serialize(serializer);
        }
        NOT_ONE.with(|n| {
            if n.get().is_none() {
                n.set(Some((field, single, items.len())));
            }
        });
        return Err(S::Error::custom(format!("`{field}` takes one value in the API revision spoken")));
    }
    items.serialize(serializer)
}

/// `Serialize` of an enum value only some API revisions have: written as `text` (its
/// spelling in the revision spoken), unless a request body is written for a revision
/// outside `available`, where it is an error (the request is refused, naming `value`).
pub fn value_in_revision<S: Serializer>(
    value: &'static str,
    text: &str,
    available: super::revision::Available,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    if let Some(at) = REVISION.with(Cell::get).filter(|_| writing_request()) {
        if !super::revision::covers(available, at) {
            LACKING.with(|l| {
                if l.get().is_none() {
                    l.set(Some((value, available)));
                }
            });
            return Err(S::Error::custom(format!("`{value}` is not in the API revision spoken")));
        }
    }
    serializer.serialize_str(text)
}

/// An enum value as a request body written for the API revision spoken spells it: one of
/// `spellings` (another spelling and the revisions that use it), else `value`.
pub fn spelled(value: &'static str, spellings: &'static [(super::revision::Available, &'static str)]) -> &'static str {
    let Some(at) = REVISION.with(Cell::get).filter(|_| writing_request()) else { return value };
    spellings.iter().find(|(available, _)| super::revision::covers(available, at)).map_or(value, |(_, other)| other)
}

/// Runs `f` as the serialization of a request body: `readOnly` properties (which the server
/// assigns) are not written. One type serves both directions, and the same value serialized
/// anywhere else (a response the mock writes, `serde_json::to_string` by a user) keeps them.
pub(crate) fn as_request<R>(f: impl FnOnce() -> R) -> R {
    let before = WRITING_REQUEST.with(|w| w.replace(true));
    let out = f();
    WRITING_REQUEST.with(|w| w.set(before));
    out
}

/// Whether a request body is being serialized on this thread.
pub fn writing_request() -> bool {
    WRITING_REQUEST.with(Cell::get)
}

/// `skip_serializing_if` of a `readOnly` property: absent, or in a request body.
pub fn skip_read_only<T>(value: &Option<T>) -> bool {
    value.is_none() || writing_request()
}

/// Serializes a tagged union member with its tag field set to `tag_value`, whatever the
/// member's own field says.
pub fn tagged<T: Serialize, S: Serializer>(
    value: &T,
    tag: &str,
    tag_value: &str,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    tagged_by(value, tag, &[tag_value], serializer)
}

/// [`tagged_by`] for a union variant only some API revisions have (`available`): in a request
/// body written for another, an error, and the request is refused before it is sent, naming
/// the variant's first tag value.
pub fn tagged_in_revision<T: Serialize, S: Serializer>(
    value: &T,
    tag: &str,
    tag_values: &'static [&'static str],
    available: super::revision::Available,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    if let Some(at) = REVISION.with(Cell::get).filter(|_| writing_request()) {
        if !super::revision::covers(available, at) {
            let name = tag_values.first().copied().unwrap_or("variant");
            LACKING.with(|l| {
                if l.get().is_none() {
                    l.set(Some((name, available)));
                }
            });
            return Err(S::Error::custom(format!("`{name}` is not in the API revision spoken")));
        }
    }
    tagged_by(value, tag, tag_values, serializer)
}

/// Serializes a tagged union member with its tag field set to one of `tag_values`, the values
/// that select its variant: the member's own when it is one of them (a variant several values
/// select keeps the one it was read with, `AzureDataLake` as much as `AzureBlob`), else the
/// first, whatever the member's own field says.
pub fn tagged_by<T: Serialize, S: Serializer>(
    value: &T,
    tag: &str,
    tag_values: &[&str],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut v = serde_json::to_value(value).map_err(S::Error::custom)?;
    if let Some(map) = v.as_object_mut() {
        let own = map.get(tag).and_then(serde_json::Value::as_str).filter(|own| tag_values.contains(own));
        if own.is_none() {
            let first = tag_values.first().copied().unwrap_or_default();
            map.insert(tag.to_owned(), serde_json::Value::String(first.to_owned()));
        }
    }
    v.serialize(serializer)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A body with one property every revision has and one only revision 2 on has, as
    /// generated code declares them.
    #[derive(serde::Serialize)]
    struct Body {
        name: &'static str,
        #[serde(skip_serializing_if = "later_in_revision")]
        later: Option<u8>,
    }

    fn later_in_revision(value: &Option<u8>) -> bool {
        skip_in_revision(value.is_some(), "later", &[(2, u16::MAX)])
    }

    fn written(revision: Option<u16>, later: Option<u8>) -> Result<String, &'static str> {
        as_request_in(revision, || serde_json::to_string(&Body { name: "n", later }).unwrap()).map_err(|refusal| {
            match refusal {
                Refusal::Lacking(field, _) => field,
                Refusal::Missing(..) | Refusal::NotOne(..) => panic!("{refusal:?}"),
            }
        })
    }

    #[test]
    fn a_property_outside_the_revision_is_refused_when_set_and_left_out_when_not() {
        assert_eq!(written(Some(1), Some(7)), Err("later"));
        assert_eq!(written(Some(1), None).as_deref(), Ok(r#"{"name":"n"}"#));
        assert_eq!(written(Some(2), Some(7)).as_deref(), Ok(r#"{"name":"n","later":7}"#));
        // No revision pinned, or not a request body: written as it is.
        assert_eq!(written(None, Some(7)).as_deref(), Ok(r#"{"name":"n","later":7}"#));
        assert_eq!(serde_json::to_string(&Body { name: "n", later: Some(7) }).unwrap(), r#"{"name":"n","later":7}"#);
    }

    #[test]
    fn a_refusal_does_not_outlive_its_request() {
        assert_eq!(written(Some(1), Some(7)), Err("later"));
        assert_eq!(written(Some(1), None).as_deref(), Ok(r#"{"name":"n"}"#));
    }

    /// A body with a property revisions 0 and 1 require and revision 2 on makes optional,
    /// which revision 3 drops, as generated code declares it.
    #[derive(serde::Serialize)]
    struct Mount {
        #[serde(skip_serializing_if = "folder_in_revision")]
        folder: Option<&'static str>,
    }

    fn folder_in_revision(value: &Option<&'static str>) -> bool {
        skip_or_require(value.is_some(), "folder", &[(0, 2)], &[(0, 1)])
    }

    fn mount(revision: Option<u16>, folder: Option<&'static str>) -> Result<String, Refusal> {
        as_request_in(revision, || serde_json::to_string(&Mount { folder }).unwrap())
    }

    #[test]
    fn a_property_a_revision_requires_is_refused_when_left_out() {
        assert_eq!(mount(Some(0), None), Err(Refusal::Missing("folder", &[(0, 1)])));
        assert_eq!(mount(Some(1), Some("D:")).as_deref(), Ok(r#"{"folder":"D:"}"#));
        assert_eq!(mount(Some(2), None).as_deref(), Ok("{}"));
        assert_eq!(mount(Some(3), Some("D:")), Err(Refusal::Lacking("folder", &[(0, 2)])));
        // No revision pinned, or not a request body: written as it is.
        assert_eq!(mount(None, None).as_deref(), Ok("{}"));
        assert_eq!(serde_json::to_string(&Mount { folder: None }).unwrap(), "{}");
        // The refusal does not outlive its request.
        assert_eq!(mount(Some(2), None).as_deref(), Ok("{}"));
    }

    /// A union variant only revision 1 on has, as generated code writes it.
    struct Managed;
    impl serde::Serialize for Managed {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            tagged_in_revision(
                &serde_json::json!({"username": "u"}),
                "type",
                &["ManagedService"],
                &[(1, u16::MAX)],
                serializer,
            )
        }
    }

    #[test]
    fn a_union_variant_outside_the_revision_is_refused_by_its_tag() {
        let written = |revision| as_request_in(revision, || serde_json::to_string(&Managed).ok());
        assert_eq!(written(Some(0)), Err(Refusal::Lacking("ManagedService", &[(1, u16::MAX)])));
        assert_eq!(written(Some(1)), Ok(Some(r#"{"username":"u","type":"ManagedService"}"#.to_owned())));
        assert_eq!(written(None), Ok(Some(r#"{"username":"u","type":"ManagedService"}"#.to_owned())));
    }

    /// A filter revisions 0 and 1 take as one value and later ones as a list, as generated
    /// code declares it, and read back as generated code reads it.
    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Filter {
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            serialize_with = "types_one_in_revision",
            deserialize_with = "crate::de::one_or_many_opt"
        )]
        types: Option<Vec<String>>,
    }

    fn types_one_in_revision<S: Serializer>(value: &Option<Vec<String>>, serializer: S) -> Result<S::Ok, S::Error> {
        one_in_revision(value.as_deref(), "types", &[(0, 1)], serializer)
    }

    fn filter(revision: Option<u16>, types: &[&str]) -> Result<String, Refusal> {
        let types = Some(types.iter().map(|t| (*t).to_owned()).collect());
        as_request_in(revision, || serde_json::to_string(&Filter { types }).unwrap_or_default())
    }

    #[test]
    fn a_list_a_revision_takes_as_one_value_is_written_as_its_item_there_and_refused_if_not_one() {
        assert_eq!(filter(Some(0), &["Vm"]).as_deref(), Ok(r#"{"types":"Vm"}"#));
        assert_eq!(filter(Some(1), &["Vm", "Host"]), Err(Refusal::NotOne("types", &[(0, 1)], 2)));
        assert_eq!(filter(Some(1), &[]), Err(Refusal::NotOne("types", &[(0, 1)], 0)));
        assert_eq!(filter(Some(2), &["Vm", "Host"]).as_deref(), Ok(r#"{"types":["Vm","Host"]}"#));
        assert_eq!(filter(Some(2), &["Vm"]).as_deref(), Ok(r#"{"types":["Vm"]}"#));
        // No revision pinned, or not a request body: a list.
        assert_eq!(filter(None, &["Vm"]).as_deref(), Ok(r#"{"types":["Vm"]}"#));
        let types = Some(vec!["Vm".to_owned()]);
        assert_eq!(serde_json::to_string(&Filter { types }).unwrap(), r#"{"types":["Vm"]}"#);
        // The refusal does not outlive its request.
        assert_eq!(filter(Some(0), &["Vm"]).as_deref(), Ok(r#"{"types":"Vm"}"#));
    }

    #[test]
    fn a_list_a_revision_writes_as_one_value_is_read_in_either_shape() {
        let read = |text: &str| serde_json::from_str::<Filter>(text).map_err(|e| e.to_string());
        let one = Ok(Filter { types: Some(vec!["Vm".to_owned()]) });
        assert_eq!(read(r#"{"types":"Vm"}"#), one);
        assert_eq!(read(r#"{"types":["Vm"]}"#), one);
        assert_eq!(read(r#"{"types":null}"#), Ok(Filter { types: None }));
        assert_eq!(read("{}"), Ok(Filter { types: None }));
        assert_eq!(read(r#"{"types":[]}"#), Ok(Filter { types: Some(vec![]) }));
        // An item of the wrong type is an error either way, not a silent list of nothing.
        assert!(read(r#"{"types":7}"#).is_err());
        assert!(read(r#"{"types":["Vm",7]}"#).is_err());
    }
}
