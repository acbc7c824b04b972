//! Diagnostics: every problem the generator reports names the spec file and the JSON pointer
//! of the element it is about.

use std::fmt;

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The element was generated with a looser type or a changed name; output is still usable.
    Warning,
    /// The element could not be generated.
    Error,
}

/// One problem found in a spec, located by file and JSON pointer.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    /// Whether generation can go on despite this problem.
    pub severity: Severity,
    /// The spec file the element lives in, as the caller named it.
    pub file: String,
    /// RFC 6901 JSON pointer of the element, with a leading `#`.
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
    items: Vec<Diagnostic>,
}

impl Sink {
    pub(crate) fn new(file: &str) -> Self {
        Sink { file: file.to_owned(), items: Vec::new() }
    }

    pub(crate) fn error(&mut self, pointer: &str, message: impl Into<String>) {
        self.push(Severity::Error, pointer, message.into());
    }

    pub(crate) fn warn(&mut self, pointer: &str, message: impl Into<String>) {
        self.push(Severity::Warning, pointer, message.into());
    }

    fn push(&mut self, severity: Severity, pointer: &str, message: String) {
        let d = Diagnostic { severity, file: self.file.clone(), pointer: pointer.to_owned(), message };
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

/// Appends one reference token to a JSON pointer, escaping `~` and `/` as RFC 6901 says.
pub(crate) fn push_pointer(base: &str, token: &str) -> String {
    let escaped = token.replace('~', "~0").replace('/', "~1");
    format!("{base}/{escaped}")
}
