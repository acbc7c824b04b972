//! Rules about how a YAML file is written, not what it means: they need each scalar's style and
//! position, so the text is read again as a stream of events (yaml-rust2) while the JSON
//! pointer of each node is tracked. The same pass maps every pointer to its line.

use std::collections::BTreeMap;

use generator::canonical::{is_yaml11_timestamp, WRAPPED_KEYS};
use generator::Pointer;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::{raw, Raw};

/// What one pass over the text found.
#[derive(Default)]
pub(crate) struct Scan {
    /// The 1-based line each node starts on.
    pub lines: BTreeMap<Pointer, usize>,
    /// `description-wrapped` and `timestamp-quoted` findings.
    pub findings: Vec<Raw>,
}

/// Scans YAML text; the error is a syntax error with its position.
pub(crate) fn scan(text: &str, width: usize) -> Result<Scan, String> {
    let mut walker =
        Walker { lines: text.split('\n').collect(), width, stack: Vec::new(), open: None, scan: Scan::default() };
    let mut parser = Parser::new_from_str(text);
    parser.load(&mut walker, false).map_err(|e| format!("invalid YAML: {e}"))?;
    walker.close(usize::MAX);
    Ok(walker.scan)
}

enum Frame {
    /// A mapping at `at`; `key` is the key whose value comes next, `None` while a key is read.
    Map { at: Pointer, key: Option<String>, complex: bool },
    /// A sequence at `at` and the index of its next item.
    Seq { at: Pointer, next: usize },
}

struct Walker<'a> {
    lines: Vec<&'a str>,
    width: usize,
    stack: Vec<Frame>,
    /// A description whose lines are checked once the next event shows where it ends:
    /// pointer, first line (1-based) and column where its text starts.
    open: Option<(Pointer, usize, usize)>,
    scan: Scan,
}

impl Walker<'_> {
    /// The pointer of the node that starts now, or `None` for a mapping key.
    fn next_node(&mut self) -> Option<Pointer> {
        match self.stack.last_mut() {
            None => Some(Pointer::root()),
            Some(Frame::Map { key: None, .. }) => None,
            Some(Frame::Map { at, key: Some(k), .. }) => Some(at.join(&*k)),
            Some(Frame::Seq { at, next }) => Some(at.join(*next)),
        }
    }

    /// A node ended: its parent moves on to the next key or item.
    fn advance(&mut self) {
        match self.stack.last_mut() {
            Some(Frame::Map { key, .. }) => *key = None,
            Some(Frame::Seq { next, .. }) => *next += 1,
            None => {}
        }
    }

    /// Checks the open description, which ends before `line` (1-based).
    fn close(&mut self, line: usize) {
        let Some((pointer, first, col)) = self.open.take() else { return };
        let last = line.saturating_sub(1).max(first).min(self.lines.len());
        for n in first..=last {
            let Some(text) = self.lines.get(n - 1) else { break };
            let columns = text.chars().count();
            // Only a line that could be broken is too long: one long word (a URL) cannot.
            let words = if n == first { text.chars().skip(col).collect::<String>() } else { text.to_string() };
            if columns > self.width && words.trim().contains(' ') {
                self.scan.findings.push(raw(
                    "description-wrapped",
                    &pointer,
                    format!("line {n} is {columns} columns, more than {}; `openapi-spec fmt` wraps it", self.width),
                ));
                break;
            }
        }
    }
}

impl MarkedEventReceiver for Walker<'_> {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if !matches!(ev, Event::StreamStart | Event::DocumentStart | Event::Nothing) {
            self.close(mark.line());
        }
        // Inside a key that is itself a mapping or sequence nothing is tracked.
        if let Some(Frame::Map { complex: true, .. }) = self.stack.last() {
            match ev {
                Event::MappingStart(..) | Event::SequenceStart(..) => {
                    self.stack.push(Frame::Map { at: Pointer::root(), key: None, complex: true });
                }
                Event::MappingEnd | Event::SequenceEnd => {
                    self.stack.pop();
                }
                _ => {}
            }
            return;
        }
        match ev {
            Event::Scalar(value, style, ..) => {
                let plain_timestamp = style == TScalarStyle::Plain && is_yaml11_timestamp(&value);
                match self.next_node() {
                    None => {
                        let at = match self.stack.last() {
                            Some(Frame::Map { at, .. }) => at.join(&value),
                            _ => Pointer::root(),
                        };
                        if plain_timestamp {
                            self.scan.findings.push(timestamp(&at, &value, "key"));
                        }
                        if let Some(Frame::Map { key, .. }) = self.stack.last_mut() {
                            *key = Some(value);
                        }
                    }
                    Some(at) => {
                        self.scan.lines.insert(at.clone(), mark.line());
                        if plain_timestamp {
                            self.scan.findings.push(timestamp(&at, &value, "value"));
                        }
                        if at.last().is_some_and(|k| WRAPPED_KEYS.contains(&k.as_str())) {
                            self.open = Some((at, mark.line(), mark.col()));
                        }
                        self.advance();
                    }
                }
            }
            Event::Alias(_) => {
                if let Some(at) = self.next_node() {
                    self.scan.lines.insert(at, mark.line());
                }
                self.advance();
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let is_map = matches!(ev, Event::MappingStart(..));
                match self.next_node() {
                    Some(at) => {
                        self.scan.lines.insert(at.clone(), mark.line());
                        self.stack.push(if is_map {
                            Frame::Map { at, key: None, complex: false }
                        } else {
                            Frame::Seq { at, next: 0 }
                        });
                    }
                    // A mapping or sequence as a key: skipped, and its value gets the key `?`.
                    None => {
                        if let Some(Frame::Map { key, .. }) = self.stack.last_mut() {
                            *key = Some("?".to_owned());
                        }
                        self.stack.push(Frame::Map { at: Pointer::root(), key: None, complex: true });
                    }
                }
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
                self.advance();
            }
            _ => {}
        }
    }
}

fn timestamp(at: &Pointer, value: &str, what: &str) -> Raw {
    raw(
        "timestamp-quoted",
        at,
        format!("the {what} `{value}` is unquoted: a YAML 1.1 loader reads it as a date, not a string; quote it"),
    )
}
