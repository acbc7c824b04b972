//! Where a command reads and writes: the process's streams, or buffers in a test. Every
//! text written passes through a redactor that knows every secret the command has seen (a
//! password read, the tokens held, the secrets of a request and of an answer), so none is
//! printed, whatever the server echoes and whatever the verbosity.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Read, Write};
use std::sync::{Arc, Mutex, MutexGuard};

use super::super::redact::Redactor;
use super::super::Secret;

type Env = dyn Fn(&str) -> Option<String> + Send + Sync;

/// A command's streams and environment. Cheap to clone: clones share everything.
#[derive(Clone)]
pub struct Io {
    inner: Arc<Inner>,
}

struct Inner {
    stdout: Mutex<Box<dyn Write + Send>>,
    stderr: Mutex<Box<dyn Write + Send>>,
    stdin: Mutex<Box<dyn BufRead + Send>>,
    stdout_terminal: bool,
    stderr_terminal: bool,
    stdin_terminal: bool,
    env: Box<Env>,
    redactor: Mutex<Redactor>,
    width: Option<usize>,
}

impl std::fmt::Debug for Io {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Io")
            .field("stdout_terminal", &self.inner.stdout_terminal)
            .field("stderr_terminal", &self.inner.stderr_terminal)
            .finish_non_exhaustive()
    }
}

fn lock<T: ?Sized>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Io {
    /// The process's standard streams and environment.
    pub fn process() -> Io {
        Io {
            inner: Arc::new(Inner {
                stdout_terminal: std::io::stdout().is_terminal(),
                stderr_terminal: std::io::stderr().is_terminal(),
                stdin_terminal: std::io::stdin().is_terminal(),
                stdout: Mutex::new(Box::new(std::io::stdout())),
                stderr: Mutex::new(Box::new(std::io::stderr())),
                stdin: Mutex::new(Box::new(std::io::BufReader::new(std::io::stdin()))),
                env: Box::new(|name| std::env::var(name).ok()),
                redactor: Mutex::new(Redactor::default()),
                width: None,
            }),
        }
    }

    /// Buffers for a test: stdin from `stdin`, no terminal, variables from `env` only; read
    /// what was written from the [`Captured`].
    pub fn captured(stdin: &str, env: &[(&str, &str)]) -> (Io, Captured) {
        let captured = Captured::default();
        let env: BTreeMap<String, String> = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        let io = Io {
            inner: Arc::new(Inner {
                stdout: Mutex::new(Box::new(Sink(captured.stdout.clone()))),
                stderr: Mutex::new(Box::new(Sink(captured.stderr.clone()))),
                stdin: Mutex::new(Box::new(std::io::Cursor::new(stdin.as_bytes().to_vec()))),
                stdout_terminal: false,
                stderr_terminal: false,
                stdin_terminal: false,
                env: Box::new(move |name| env.get(name).cloned()),
                redactor: Mutex::new(Redactor::default()),
                width: Some(100),
            }),
        };
        (io, captured)
    }

    /// Whether standard output is a terminal (tables by default, colours, progress bars).
    pub fn stdout_is_terminal(&self) -> bool {
        self.inner.stdout_terminal
    }

    /// Whether standard error is a terminal (a progress bar rather than progress lines).
    pub fn stderr_is_terminal(&self) -> bool {
        self.inner.stderr_terminal
    }

    /// Whether standard input is a terminal (prompts are possible).
    pub fn stdin_is_terminal(&self) -> bool {
        self.inner.stdin_terminal
    }

    /// A fixed terminal width for help and tables (tests), if any.
    pub fn width(&self) -> Option<usize> {
        self.inner.width
    }

    /// An environment variable.
    pub fn env(&self, name: &str) -> Option<String> {
        (self.inner.env)(name)
    }

    /// Remembers a secret: it is blanked out of everything written from now on.
    pub fn add_secret(&self, secret: &Secret) {
        lock(&self.inner.redactor).add(secret);
    }

    pub(crate) fn add_redactor(&self, other: &Redactor) {
        lock(&self.inner.redactor).extend(other);
    }

    /// `text` with every known secret blanked out.
    pub fn redact(&self, text: &str) -> String {
        lock(&self.inner.redactor).text(text)
    }

    /// Writes to standard output, secrets blanked out.
    pub fn out(&self, text: &str) {
        let text = self.redact(text);
        let mut out = lock(&self.inner.stdout);
        // A closed pipe (`| head`) ends the output, not the command.
        let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    }

    /// Writes to standard error, secrets blanked out.
    pub fn err(&self, text: &str) {
        let text = self.redact(text);
        let mut err = lock(&self.inner.stderr);
        let _ = err.write_all(text.as_bytes()).and_then(|()| err.flush());
    }

    /// One line of standard input, without its line end; `None` at its end.
    pub fn read_line(&self) -> Option<String> {
        let mut line = String::new();
        match lock(&self.inner.stdin).read_line(&mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(line.trim_end_matches(['\n', '\r']).to_owned()),
        }
    }

    /// All of standard input.
    pub fn read_all(&self) -> std::io::Result<Vec<u8>> {
        let mut out = Vec::new();
        lock(&self.inner.stdin).read_to_end(&mut out)?;
        Ok(out)
    }
}

/// What a test's [`Io`] was given to write.
#[derive(Clone, Default, Debug)]
pub struct Captured {
    stdout: Arc<Mutex<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
}

impl Captured {
    /// Everything written to standard output.
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&lock(&self.stdout)).into_owned()
    }

    /// Everything written to standard error.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&lock(&self.stderr)).into_owned()
    }
}

struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        lock(&self.0).extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Log lines to standard error through the redactor: one buffer per event, written whole.
#[derive(Clone)]
pub(crate) struct LogWriter(pub(crate) Io);

pub(crate) struct LogLine {
    io: Io,
    buf: Vec<u8>,
}

impl Write for LogLine {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for LogLine {
    fn drop(&mut self) {
        if !self.buf.is_empty() {
            self.io.err(&String::from_utf8_lossy(&self.buf));
        }
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogWriter {
    type Writer = LogLine;

    fn make_writer(&'a self) -> LogLine {
        LogLine { io: self.0.clone(), buf: Vec::new() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_secrets_are_blanked_out_of_both_streams() {
        let (io, captured) = Io::captured("line one\nrest", &[("NAME", "value")]);
        io.add_secret(&Secret::from("hunter2"));
        io.out("password=hunter2\n");
        io.err("aHVudGVyMg== and hunter2\n");
        assert_eq!(captured.stdout(), "password=***\n");
        assert_eq!(captured.stderr(), "*** and ***\n");
        assert_eq!(io.read_line().as_deref(), Some("line one"));
        assert_eq!(io.env("NAME").as_deref(), Some("value"));
        assert_eq!(io.env("OTHER"), None);
    }
}
