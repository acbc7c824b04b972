//! Diagnostics: every problem the generator reports names the spec file and the JSON pointer
//! of the element it is about.

use std::fmt;

use crate::pointer::Pointer;

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The element was generated with a looser type or a changed name; output is still usable.
    Warning,
    /// The element could not be generated.
    Error,
}

/// Which stage found a problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// The text is not JSON or YAML, or not an OpenAPI document of a supported version.
    Syntax,
    /// The structural check rejected a key of an element: a missing or misspelled field, a
    /// value of the wrong type.
    Structure,
    /// The structural check matched an element to none of the forms it may take (a schema
    /// or a `$ref`, say), so it cannot tell what inside is wrong. Dropped when lowering
    /// reports something more precise inside the same element.
    Unrecognized,
    /// Lowering read the element and could not generate it, or generated it differently
    /// (a new name, a looser type).
    Lowering,
    /// A fault of the generator itself, never of the document.
    Internal,
}

/// One problem found in a spec, located by file and JSON pointer.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub struct Diagnostic {
    /// Whether generation can go on despite this problem.
    pub severity: Severity,
    /// Which stage found it.
    pub kind: Kind,
    /// The spec file the element lives in, as the caller named it.
    pub file: String,
    /// RFC 6901 JSON pointer of the element, with a leading `#`; empty when the problem is
    /// about the whole text (a syntax error).
    pub pointer: String,
    /// What is wrong, lowercase, without a trailing period.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(f, "{level}: {}{}: {}", self.file, self.pointer, self.message)
    }
}

/// The diagnostics of a failed run, at least one of them an error (or a warning when warnings
/// are denied).
#[derive(Debug, thiserror::Error)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

/// Collects diagnostics while a document is processed.
#[derive(Debug, Default)]
pub(crate) struct Sink {
    file: String,
    /// The other files of a split document: a diagnostic names the file an element is in.
    files: crate::bundle::Files,
    items: Vec<Diagnostic>,
}

impl Sink {
    /// A sink for a loaded document, which maps pointers into its other files back to them.
    pub(crate) fn for_document(doc: &crate::load::Document) -> Self {
        Sink { file: doc.file.clone(), files: doc.files.clone(), items: Vec::new() }
    }

    /// An element that cannot be generated.
    pub(crate) fn error(&mut self, at: &Pointer, message: impl Into<String>) {
        self.push_at(Severity::Error, Kind::Lowering, at, message.into());
    }

    /// An element generated with a looser type or another name.
    pub(crate) fn warn(&mut self, at: &Pointer, message: impl Into<String>) {
        self.push_at(Severity::Warning, Kind::Lowering, at, message.into());
    }

    /// An element the structural check rejected, with [`Kind::Structure`] or
    /// [`Kind::Unrecognized`].
    pub(crate) fn structure(&mut self, at: &Pointer, kind: Kind, message: impl Into<String>) {
        self.push_at(Severity::Error, kind, at, message.into());
    }

    /// A fault of the generator, reported at the document root.
    pub(crate) fn internal(&mut self, message: impl Into<String>) {
        let file = self.file.clone();
        self.push(Severity::Error, Kind::Internal, file, String::new(), message.into());
    }

    fn push_at(&mut self, severity: Severity, kind: Kind, at: &Pointer, message: String) {
        let (file, at) = self.files.locate(&self.file, at);
        let (file, pointer) = (file.to_owned(), at.to_string());
        self.push(severity, kind, file, pointer, message);
    }

    fn push(&mut self, severity: Severity, kind: Kind, file: String, pointer: String, message: String) {
        let d = Diagnostic { severity, kind, file, pointer, message };
        // The same element can be reached along several paths; report it once.
        if !self.items.contains(&d) {
            self.items.push(d);
        }
    }

    /// Appends another sink's diagnostics (skipping ones already present).
    pub(crate) fn extend(&mut self, other: Sink) {
        for d in other.items {
            if !self.items.contains(&d) {
                self.items.push(d);
            }
        }
    }

    pub(crate) fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }
}

/// A value quoted in a message, cut to 80 characters so a hostile document cannot flood
/// the output.
pub(crate) fn excerpt(text: &str) -> String {
    const MAX: usize = 80;
    match text.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}
