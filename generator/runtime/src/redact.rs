//! Blanking secrets out of text a user or a log can see: error excerpts, error bodies and
//! messages.
//!
//! A server may echo a secret in any encoding, and mix them: raw, URL- or form-encoded (hex
//! in either case), JSON-escaped (`\u00E4` or `\u00e4`, `\/`), XML-escaped (`&amp;`,
//! `&#101;`, `&#x65;`), or Base64 in an echoed `Authorization` header. Rather than list every
//! spelling, the text is read as a sequence of logical characters, each decoded from
//! whatever escape spells it, and the secrets are matched against that. An excerpt cut at a
//! fixed length may end in the middle of a secret; that start is removed too.

use base64::Engine;
use zeroize::Zeroizing;

use super::Secret;

/// What replaces a secret.
const MASK: &[u8] = b"***";

/// The shortest tail of a cut text that is taken for the start of a secret and removed.
const MIN_PARTIAL: usize = 4;

/// How much of an unexpected body an error keeps.
pub const BODY_EXCERPT: usize = 1024;

/// The longest escape of one character (`\uD83D\uDE00`).
const LONGEST_ESCAPE: usize = 12;

/// The secrets to blank out, as code points, wiped when the redactor is dropped.
#[derive(Default)]
pub(crate) struct Redactor {
    needles: Vec<Zeroizing<Vec<u32>>>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactor").field("needles", &self.needles.len()).finish()
    }
}

/// One logical character of a text and the bytes that spell it.
#[derive(Clone, Copy)]
struct Unit {
    ch: u32,
    start: usize,
    end: usize,
    /// A `+`, which form encoding uses for a space.
    plus: bool,
}

impl Redactor {
    /// Adds a secret, in the forms decoding cannot recover (a JSON-escaped copy inside
    /// another JSON string, Base64).
    pub(crate) fn add(&mut self, secret: &Secret) {
        self.add_str(secret.expose());
    }

    pub(crate) fn add_str(&mut self, raw: &str) {
        if raw.is_empty() {
            return;
        }
        self.push(raw);
        if let Ok(json) = serde_json::to_string(raw).map(Zeroizing::new) {
            self.push(&json[1..json.len() - 1]);
        }
        for engine in [&base64::engine::general_purpose::STANDARD, &base64::engine::general_purpose::URL_SAFE] {
            let encoded = Zeroizing::new(engine.encode(raw));
            self.push(&encoded);
            self.push(encoded.trim_end_matches('='));
        }
    }

    /// Adds every secret `other` blanks out (the command line gathers them all).
    #[cfg(feature = "cli")]
    pub(crate) fn extend(&mut self, other: &Redactor) {
        for needle in &other.needles {
            if !self.needles.iter().any(|n| **n == **needle) {
                self.needles.push(needle.clone());
            }
        }
        self.needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
    }

    fn push(&mut self, form: &str) {
        let points: Zeroizing<Vec<u32>> = Zeroizing::new(form.chars().map(u32::from).collect());
        if !points.is_empty() && !self.needles.iter().any(|n| **n == *points) {
            self.needles.push(points);
            // Longest first, so a longer form is not half-replaced by a shorter one.
            self.needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
        }
    }

    /// `bytes` with every occurrence of a secret, in any encoding, replaced by `***`.
    pub(crate) fn redact(&self, bytes: &[u8]) -> Vec<u8> {
        if self.needles.is_empty() {
            return bytes.to_vec();
        }
        let units = decode_units(bytes);
        let mut out = Vec::with_capacity(bytes.len());
        let mut copied = 0;
        let mut k = 0;
        while k < units.len() {
            match self.needles.iter().find(|n| matches_at(&units[k..], n)) {
                Some(n) => {
                    out.extend_from_slice(&bytes[copied..units[k].start]);
                    out.extend_from_slice(MASK);
                    copied = units[k + n.len() - 1].end;
                    k += n.len();
                }
                None => k += 1,
            }
        }
        out.extend_from_slice(&bytes[copied..]);
        out
    }

    /// A message with every secret blanked out.
    pub(crate) fn text(&self, message: &str) -> String {
        if self.needles.is_empty() {
            return message.to_owned();
        }
        String::from_utf8_lossy(&self.redact(message.as_bytes())).into_owned()
    }

    /// At most [`BODY_EXCERPT`] bytes of a body, lossily decoded, secrets blanked out (also a
    /// secret cut short at the end), marked when cut. Only the start of a long body is read.
    pub(crate) fn excerpt(&self, body: &[u8]) -> String {
        let longest = self.needles.iter().map(|n| n.len()).max().unwrap_or(0);
        let window = &body[..body.len().min(BODY_EXCERPT + longest * LONGEST_ESCAPE + LONGEST_ESCAPE)];
        let clean = self.redact(window);
        let cut = body.len() > window.len() || clean.len() > BODY_EXCERPT;
        let kept = self.without_partial_tail(&clean[..clean.len().min(BODY_EXCERPT)]);
        let mut s = String::from_utf8_lossy(kept).into_owned();
        if cut {
            s.push_str("… (truncated)");
        }
        s
    }

    /// `text` less a tail that spells the start of a secret (at least [`MIN_PARTIAL`]
    /// characters of it, or all but its last).
    fn without_partial_tail<'a>(&self, text: &'a [u8]) -> &'a [u8] {
        let units = decode_units(text);
        let mut end_unit = units.len();
        for n in &self.needles {
            let shortest = MIN_PARTIAL.min(n.len().saturating_sub(1)).max(1);
            let longest = n.len().saturating_sub(1).min(end_unit);
            for len in (shortest..=longest).rev() {
                if matches_at(&units[end_unit - len..end_unit], &n[..len]) {
                    end_unit -= len;
                    break;
                }
            }
        }
        match units.get(end_unit) {
            Some(u) => &text[..u.start],
            None => text,
        }
    }
}

/// Whether `units` starts with `needle` (a space in the needle also matches a form `+`).
fn matches_at(units: &[Unit], needle: &[u32]) -> bool {
    units.len() >= needle.len() && units.iter().zip(needle).all(|(u, &c)| u.ch == c || (u.plus && c == u32::from(' ')))
}

/// The logical characters of `bytes`, each decoded from the escape that spells it.
fn decode_units(bytes: &[u8]) -> Vec<Unit> {
    let mut units = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let (ch, len) = decode_one(&bytes[i..]);
        units.push(Unit { ch, start: i, end: i + len, plus: bytes[i] == b'+' });
        i += len;
    }
    units
}

fn hex(bytes: &[u8]) -> Option<u32> {
    let s = std::str::from_utf8(bytes).ok()?;
    u32::from_str_radix(s, 16).ok().filter(|_| s.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// One character at the start of `b` and how many bytes spell it.
fn decode_one(b: &[u8]) -> (u32, usize) {
    match b[0] {
        b'%' => {
            if let Some(r) = percent_char(b) {
                return r;
            }
        }
        b'\\' if b.len() >= 2 => {
            if let Some(r) = json_escape(b) {
                return r;
            }
        }
        b'&' => {
            if let Some(r) = xml_reference(b) {
                return r;
            }
        }
        _ => {}
    }
    // A raw UTF-8 character (or one invalid byte).
    let width = match b[0] {
        0xF0..=0xF7 => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    };
    match std::str::from_utf8(&b[..width.min(b.len())]).ok().and_then(|s| s.chars().next()) {
        Some(c) => (u32::from(c), c.len_utf8()),
        None => (u32::from(b[0]) | 0x8000_0000, 1),
    }
}

/// `%XX` sequences that together spell one UTF-8 character.
fn percent_char(b: &[u8]) -> Option<(u32, usize)> {
    let mut raw = Vec::with_capacity(4);
    let mut used = 0;
    while raw.len() < 4 && b.len() >= used + 3 && b[used] == b'%' {
        raw.push(u8::try_from(hex(&b[used + 1..used + 3])?).ok()?);
        used += 3;
        if let Ok(s) = std::str::from_utf8(&raw) {
            return s.chars().next().map(|c| (u32::from(c), used));
        }
    }
    None
}

/// A JSON escape: `\uXXXX` (a surrogate pair as one character) or `\"`, `\\`, `\/`, ….
fn json_escape(b: &[u8]) -> Option<(u32, usize)> {
    let simple = match b[1] {
        b'"' => Some('"'),
        b'\\' => Some('\\'),
        b'/' => Some('/'),
        b'b' => Some('\u{8}'),
        b'f' => Some('\u{c}'),
        b'n' => Some('\n'),
        b'r' => Some('\r'),
        b't' => Some('\t'),
        _ => None,
    };
    if let Some(c) = simple {
        return Some((u32::from(c), 2));
    }
    if b[1] != b'u' || b.len() < 6 {
        return None;
    }
    let first = hex(&b[2..6])?;
    if (0xD800..0xDC00).contains(&first) && b.len() >= 12 && b[6] == b'\\' && b[7] == b'u' {
        let second = hex(&b[8..12])?;
        if (0xDC00..0xE000).contains(&second) {
            return Some((0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00), 12));
        }
    }
    Some((first, 6))
}

/// An XML character or entity reference.
fn xml_reference(b: &[u8]) -> Option<(u32, usize)> {
    let end = b.iter().take(12).position(|&c| c == b';')?;
    let name = &b[1..end];
    let c = match name {
        b"amp" => u32::from('&'),
        b"lt" => u32::from('<'),
        b"gt" => u32::from('>'),
        b"quot" => u32::from('"'),
        b"apos" => u32::from('\''),
        [b'#', b'x' | b'X', digits @ ..] => hex(digits)?,
        [b'#', digits @ ..] => std::str::from_utf8(digits).ok()?.parse().ok()?,
        _ => return None,
    };
    Some((c, end + 1))
}

/// An excerpt with nothing to redact (for callers outside a request).
pub fn excerpt(body: &[u8]) -> String {
    Redactor::default().excerpt(body)
}

/// A parser's message without the values it quotes (`invalid type: string "…"`): a value in
/// the wrong place of a body may be a secret the typed parse never saw, and the message goes
/// into an answer, a record or an error.
#[cfg(any(feature = "mock", feature = "dispatch"))]
pub(crate) fn scrub(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut quoted = false;
    for c in message.chars() {
        match (c, quoted) {
            ('"', false) => {
                out.push_str("\"…");
                quoted = true;
            }
            ('"', true) => {
                out.push('"');
                quoted = false;
            }
            (_, true) => {}
            (c, false) => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

    fn redactor(secret: &str) -> Redactor {
        let mut r = Redactor::default();
        r.add(&Secret::from(secret));
        r
    }

    /// Every character as `\uXXXX`, in upper or lower case, the way .NET writes JSON.
    fn json_u(s: &str, upper: bool) -> String {
        s.encode_utf16().map(|u| if upper { format!("\\u{u:04X}") } else { format!("\\u{u:04x}") }).collect()
    }

    #[test]
    fn every_encoding_is_blanked() {
        const RFC3986: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
        let secret = "p@ss w~rd/ä+1&<\"é\u{1}😀";
        let r = redactor(secret);
        let json = serde_json::to_string(secret).unwrap();
        let bodies = [
            secret.to_owned(),
            serde_urlencoded::to_string([("p", secret)]).unwrap()[2..].to_owned(),
            utf8_percent_encode(secret, NON_ALPHANUMERIC).to_string(),
            utf8_percent_encode(secret, RFC3986).to_string().to_lowercase(),
            json[1..json.len() - 1].to_owned(),
            json_u(secret, true),
            json_u(secret, false),
            serde_json::to_string(&json).unwrap(),
            base64::engine::general_purpose::STANDARD.encode(secret),
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret),
            secret.replace('&', "&amp;").replace('<', "&lt;").replace('"', "&quot;"),
            secret.chars().map(|c| format!("&#{};", c as u32)).collect(),
            secret.chars().map(|c| format!("&#x{:X};", c as u32)).collect(),
        ];
        for b in bodies {
            let out = r.excerpt(format!("before {b} after").as_bytes());
            assert!(out.starts_with("before ") && out.ends_with(" after"), "{b}: {out}");
            assert!(!out.contains("ss") && !out.contains("rd"), "{b}: {out}");
        }
    }

    #[test]
    fn a_secret_cut_by_the_excerpt_is_removed() {
        let secret = "CorrectHorseBatteryStaple";
        let r = redactor(secret);
        for shift in 0..secret.len() {
            let mut body = "x".repeat(BODY_EXCERPT - shift);
            body.push_str(secret);
            body.push_str(&"y".repeat(100));
            let out = r.excerpt(body.as_bytes());
            assert!(!out.contains(&secret[..MIN_PARTIAL]), "shift {shift}: {out}");
        }
    }

    #[test]
    fn a_long_body_is_read_only_as_far_as_the_excerpt_needs() {
        let r = redactor("hunter2");
        let mut body = vec![b'a'; 8 * 1024 * 1024];
        body[10..17].copy_from_slice(b"hunter2");
        let out = r.excerpt(&body);
        assert!(out.contains("***") && !out.contains("hunter2") && out.ends_with("… (truncated)"));
    }

    #[test]
    fn text_without_secrets_is_unchanged() {
        let r = redactor("hunter2");
        assert_eq!(r.text("nothing here, 100% & \\u00 &#; %zz"), "nothing here, 100% & \\u00 &#; %zz");
        assert_eq!(excerpt(b"short"), "short");
        assert!(excerpt(&[b'a'; 2000]).ends_with("… (truncated)"));
    }
}
