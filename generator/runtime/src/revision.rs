//! API revisions: an API whose server speaks several revisions of it (Veeam's `x-api-version`)
//! gets a generated `ApiVersion` enum; a client speaks one of them, sends it on every request,
//! and refuses, before anything is sent, an operation or a request field that revision does
//! not have. Plain data and checks: it names nothing of the runtime but the error type.

use super::error::Error;

/// The revisions of one API, as its generated `ApiVersion` enum describes them.
pub trait ApiRevision: Copy + Send + Sync + 'static {
    /// The header every request carries the revision in (`x-api-version`).
    const HEADER: &'static str;
    /// Every revision's name, oldest first.
    const NAMES: &'static [&'static str];
    /// This revision's position in [`ApiRevision::NAMES`].
    fn index(self) -> u16;
}

/// Where an operation or a field exists: inclusive ranges of positions in the revision list,
/// an end of `u16::MAX` meaning "and every later one".
pub type Available = &'static [(u16, u16)];

/// The revision a client speaks: its position, and every revision's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spoken {
    index: u16,
    names: &'static [&'static str],
}

impl Spoken {
    /// The revision `revision` of its API.
    pub fn of<R: ApiRevision>(revision: R) -> Self {
        Spoken { index: revision.index(), names: R::NAMES }
    }

    pub(crate) fn at(index: u16, names: &'static [&'static str]) -> Self {
        Spoken { index, names }
    }

    /// Its position among its API's revisions, oldest first.
    pub fn index(&self) -> u16 {
        self.index
    }

    /// Every revision's name, oldest first.
    pub fn names(&self) -> &'static [&'static str] {
        self.names
    }

    /// Its name (`1.2-rev1`).
    pub fn name(&self) -> &'static str {
        self.names.get(usize::from(self.index)).copied().unwrap_or("?")
    }

    /// Whether an element available in `available` exists in this revision.
    pub fn has(&self, available: Available) -> bool {
        covers(available, self.index)
    }

    /// `Ok` when the operation exists in this revision; else the error that says so.
    #[doc(hidden)]
    pub fn require<E>(&self, operation: &'static str, available: Available) -> Result<(), Error<E>> {
        self.require_field(operation, None, available)
    }

    /// `Ok` unless this revision is one of `single`, which take one value where later ones take
    /// a list, and the caller's list `field` holds `count` values, not one.
    #[doc(hidden)]
    pub fn require_one<E>(
        &self,
        operation: &'static str,
        field: &'static str,
        count: usize,
        single: Available,
    ) -> Result<(), Error<E>> {
        if count == 1 || !self.has(single) {
            return Ok(());
        }
        Err(Error::NotOneValue { operation, field, count, revision: self.name(), single: describe(self.names, single) })
    }

    /// `Ok` unless this revision is one of `required`, which require the request field `field`
    /// that the caller left out (a request body only some revisions take, and require).
    #[doc(hidden)]
    pub fn require_given<E>(
        &self,
        operation: &'static str,
        field: &'static str,
        required: Available,
    ) -> Result<(), Error<E>> {
        if !self.has(required) {
            return Ok(());
        }
        Err(Error::MissingField { operation, field, revision: self.name(), required: describe(self.names, required) })
    }

    /// `Ok` when the request field `field` (set by the caller) exists in this revision.
    #[doc(hidden)]
    pub fn require_field<E>(
        &self,
        operation: &'static str,
        field: Option<&'static str>,
        available: Available,
    ) -> Result<(), Error<E>> {
        if self.has(available) {
            return Ok(());
        }
        let later = available.iter().map(|&(from, _)| from).filter(|&from| from > self.index).min();
        let first = later.or_else(|| available.iter().map(|&(from, _)| from).min());
        Err(Error::Unsupported {
            operation,
            field,
            revision: self.name(),
            since: first.and_then(|i| self.names.get(usize::from(i)).copied()),
            available: describe(self.names, available),
        })
    }
}

/// Whether the revision at position `at` is one of `available`'s.
pub(crate) fn covers(available: Available, at: u16) -> bool {
    available.iter().any(|&(from, to)| from <= at && at <= to)
}

/// `1.3-rev1 and later` (an open range: later revisions too), `1.2-rev1 to 1.3-rev0`,
/// `1.3-rev0, 1.3-rev2 and later`; `none` for an empty set.
pub fn describe(names: &[&str], available: Available) -> String {
    let name = |i: u16| names.get(usize::from(i)).copied().unwrap_or("?");
    let parts: Vec<String> = available
        .iter()
        .map(|&(from, to)| match (from, to) {
            (f, u16::MAX) => format!("{} and later", name(f)),
            (f, t) if f == t => name(f).to_owned(),
            (f, t) => format!("{} to {}", name(f), name(t)),
        })
        .collect();
    if parts.is_empty() {
        "none".to_owned()
    } else {
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: &[&str] = &["1.2-rev1", "1.3-rev0", "1.3-rev1", "1.3-rev2"];

    #[derive(Clone, Copy)]
    struct Rev(u16);
    impl ApiRevision for Rev {
        const HEADER: &'static str = "x-api-version";
        const NAMES: &'static [&'static str] = NAMES;
        fn index(self) -> u16 {
            self.0
        }
    }

    #[test]
    fn ranges_read_as_people_write_them() {
        assert_eq!(describe(NAMES, &[(2, u16::MAX)]), "1.3-rev1 and later");
        assert_eq!(describe(NAMES, &[(0, 1)]), "1.2-rev1 to 1.3-rev0");
        assert_eq!(describe(NAMES, &[(1, 1), (3, u16::MAX)]), "1.3-rev0, 1.3-rev2 and later");
        assert_eq!(describe(NAMES, &[]), "none");
    }

    #[test]
    fn a_missing_operation_names_the_revision_spoken_and_the_first_that_has_it() {
        let old = Spoken::of(Rev(0));
        assert!(old.require::<()>("GetAllJobs", &[(0, u16::MAX)]).is_ok());
        let err = old.require::<()>("GetAllMalwareEvents", &[(2, u16::MAX)]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "GetAllMalwareEvents: not in API revision 1.2-rev1, which this client speaks; available in 1.3-rev1 and later"
        );
        let Error::Unsupported { since, field, .. } = err else { panic!() };
        assert_eq!((since, field), (Some("1.3-rev1"), None));
        // Removed before the revision spoken: the first revision that had it.
        let new = Spoken::of(Rev(3));
        let err = new.require_field::<()>("CopyBackups", Some("mode"), &[(0, 2)]).unwrap_err();
        let Error::Unsupported { since, field, available, .. } = err else { panic!() };
        assert_eq!((since, field, available.as_str()), (Some("1.2-rev1"), Some("mode"), "1.2-rev1 to 1.3-rev1"));
    }
}
