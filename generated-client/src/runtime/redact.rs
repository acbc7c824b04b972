//! Blanking secrets out of text a user or a log can see: error excerpts, error bodies and
//! messages. A server may echo a secret in any encoding (raw, URL-encoded, JSON- or
//! XML-escaped, Base64 in an echoed `Authorization` header), and an excerpt cut at a fixed
//! length may end in the middle of one; each of these is covered.

use base64::Engine;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use zeroize::Zeroizing;

use super::Secret;

/// What replaces a secret.
const MASK: &[u8] = b"***";

/// The shortest tail of a cut text that is taken for the start of a secret and removed.
const MIN_PARTIAL: usize = 4;

/// How much of an unexpected body an error keeps.
pub const BODY_EXCERPT: usize = 1024;

/// The secrets to blank out, each in every encoding it may take on the wire. The encoded
/// copies are wiped when the redactor is dropped.
#[derive(Default)]
pub(crate) struct Redactor {
    needles: Vec<Zeroizing<Vec<u8>>>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactor").field("needles", &self.needles.len()).finish()
    }
}

impl Redactor {
    /// Adds a secret in all its encodings.
    pub(crate) fn add(&mut self, secret: &Secret) {
        self.add_str(secret.expose());
    }

    pub(crate) fn add_str(&mut self, raw: &str) {
        if raw.is_empty() {
            return;
        }
        let mut forms: Vec<Zeroizing<Vec<u8>>> = vec![Zeroizing::new(raw.as_bytes().to_vec())];
        // `application/x-www-form-urlencoded` (space as `+`) and plain percent-encoding,
        // upper- and lower-case hex.
        let form: String = form_urlencoded(raw);
        forms.push(Zeroizing::new(form.into_bytes()));
        let pct = utf8_percent_encode(raw, NON_ALPHANUMERIC).to_string();
        forms.push(Zeroizing::new(pct.to_ascii_lowercase().into_bytes()));
        forms.push(Zeroizing::new(pct.into_bytes()));
        // JSON string escaping, with and without `\/` and `\uXXXX` for non-ASCII.
        if let Ok(json) = serde_json::to_string(raw) {
            let inner = &json[1..json.len() - 1];
            forms.push(Zeroizing::new(inner.as_bytes().to_vec()));
            forms.push(Zeroizing::new(inner.replace('/', "\\/").into_bytes()));
            let ascii: String = inner.chars().map(|c| if c.is_ascii() { c.to_string() } else { json_u_escape(c) }).collect();
            forms.push(Zeroizing::new(ascii.into_bytes()));
        }
        // XML text and attribute escaping.
        let xml = raw.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;");
        forms.push(Zeroizing::new(xml.into_bytes()));
        let xml_min = raw.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
        forms.push(Zeroizing::new(xml_min.into_bytes()));
        // Base64, as an echoed credential header would carry it.
        forms.push(Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(raw).into_bytes()));
        for f in forms {
            if !f.is_empty() && !self.needles.iter().any(|n| **n == *f) {
                self.needles.push(f);
            }
        }
        // Longest first, so a longer encoding is not half-replaced by a shorter one.
        self.needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
    }

    /// `bytes` with every occurrence of a secret replaced by `***`.
    pub(crate) fn redact(&self, bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        'outer: while i < bytes.len() {
            for n in &self.needles {
                if bytes[i..].starts_with(n) {
                    out.extend_from_slice(MASK);
                    i += n.len();
                    continue 'outer;
                }
            }
            out.push(bytes[i]);
            i += 1;
        }
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
    /// secret cut short at the end), marked when cut.
    pub(crate) fn excerpt(&self, body: &[u8]) -> String {
        let clean = self.redact(body);
        let cut = clean.len() > BODY_EXCERPT;
        let mut kept = &clean[..clean.len().min(BODY_EXCERPT)];
        kept = self.without_partial_tail(kept);
        let mut s = String::from_utf8_lossy(kept).into_owned();
        if cut {
            s.push_str("… (truncated)");
        }
        s
    }

    /// `text` less a tail that is the start of a secret (of at least [`MIN_PARTIAL`] bytes,
    /// or the whole text if shorter).
    fn without_partial_tail<'a>(&self, text: &'a [u8]) -> &'a [u8] {
        let mut end = text.len();
        for n in &self.needles {
            let longest = (n.len() - 1).min(end);
            for len in (1..=longest).rev() {
                if len < MIN_PARTIAL.min(n.len() - 1) {
                    break;
                }
                if text[..end].ends_with(&n[..len]) {
                    end -= len;
                    break;
                }
            }
        }
        &text[..end]
    }
}

fn form_urlencoded(raw: &str) -> String {
    let mut out = String::new();
    for b in raw.bytes() {
        match b {
            b' ' => out.push('+'),
            b'*' | b'-' | b'.' | b'_' => out.push(b as char),
            b if b.is_ascii_alphanumeric() => out.push(b as char),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn json_u_escape(c: char) -> String {
    let mut units = [0u16; 2];
    c.encode_utf16(&mut units).iter().map(|u| format!("\\u{u:04x}")).collect()
}

/// An excerpt with nothing to redact (for callers outside a request).
pub fn excerpt(body: &[u8]) -> String {
    Redactor::default().excerpt(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redactor(secret: &str) -> Redactor {
        let mut r = Redactor::default();
        r.add(&Secret::from(secret));
        r
    }

    #[test]
    fn every_encoding_is_blanked() {
        let secret = "p@ss w/rd&<\"é\u{1}";
        let r = redactor(secret);
        let json = serde_json::to_string(secret).unwrap();
        let bodies = [
            secret.to_owned(),
            form_urlencoded(secret),
            utf8_percent_encode(secret, NON_ALPHANUMERIC).to_string(),
            json[1..json.len() - 1].to_owned(),
            base64::engine::general_purpose::STANDARD.encode(secret),
            secret.replace('&', "&amp;").replace('<', "&lt;").replace('"', "&quot;"),
        ];
        for b in bodies {
            let out = r.excerpt(format!("before {b} after").as_bytes());
            assert_eq!(out, "before *** after", "{b}");
        }
    }

    #[test]
    fn a_secret_cut_by_the_excerpt_is_removed() {
        let secret = "CorrectHorseBatteryStaple";
        let r = redactor(secret);
        for shift in 0..secret.len() {
            let mut body = "x".repeat(BODY_EXCERPT - shift);
            body.push_str(secret);
            let out = r.excerpt(body.as_bytes());
            assert!(!out.contains(&secret[..MIN_PARTIAL]), "shift {shift}: {out}");
        }
    }

    #[test]
    fn text_without_secrets_is_unchanged() {
        let r = redactor("hunter2");
        assert_eq!(r.text("nothing here"), "nothing here");
        assert_eq!(excerpt(b"short"), "short");
        assert!(excerpt(&[b'a'; 2000]).ends_with("… (truncated)"));
    }
}
