//! Damage to a document's text after it is serialized (truncation, flipped bits, stray tokens),
//! for the parsers.

use super::mutate::Log;
use super::rng::Rng;

/// Tokens that mean something to a JSON or YAML parser.
const TEXT_TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "\"",
    ":",
    ",",
    "\n",
    "\t",
    "- ",
    "&a ",
    "*a",
    "!!binary ",
    "<<: *a\n",
    "---\n",
    "\0",
    "\u{feff}",
    "%YAML 1.2\n",
    "? ",
    "|",
    ">",
    "#",
    "\\u0000",
    "\\ud800",
    "!!str ",
    "&",
    "'",
    "\r",
    "...\n",
    "{{",
    "\"$ref\": \"#\",",
    "1e99999",
    "-",
    "~",
    "null",
    ".inf",
    ".nan",
    "0x1F",
    "0o17",
    "!!float ",
    "!!map ",
    "!<tag:x> ",
];

/// One to three edits of the text: truncation, flipped bits, an inserted token, a deleted or
/// duplicated range, a replaced byte.
pub(super) fn mutate_text(text: &str, rng: &mut Rng, log: &mut Log) -> String {
    let mut b = text.as_bytes().to_vec();
    for _ in 0..rng.range(1, 3) {
        let len = b.len();
        let pos = rng.below(len + 1);
        match rng.below(7) {
            0 => {
                b.truncate(pos);
                log.push(format!("text: truncated at {pos}"));
            }
            1 => {
                for _ in 0..rng.range(1, 4) {
                    if !b.is_empty() {
                        let at = rng.below(b.len());
                        b[at] ^= 1 << rng.below(8);
                    }
                }
                log.push("text: flipped bits".into());
            }
            2 | 3 => {
                let tok = *rng.pick(TEXT_TOKENS);
                b.splice(pos..pos, tok.bytes());
                log.push(format!("text: inserted {tok:?} at {pos}"));
            }
            4 => {
                let end = (pos + rng.range(1, 64)).min(len);
                b.drain(pos..end);
                log.push(format!("text: deleted {pos}..{end}"));
            }
            5 => {
                let end = (pos + rng.range(1, 256)).min(len);
                let chunk: Vec<u8> = b[pos..end].to_vec();
                let at = rng.below(b.len() + 1);
                b.splice(at..at, chunk);
                log.push(format!("text: duplicated {pos}..{end} at {at}"));
            }
            _ => {
                let tok = *rng.pick(b"{}[]:\"\n -#'");
                if pos < len {
                    b[pos] = tok;
                }
                log.push(format!("text: byte {pos} := {:?}", tok as char));
            }
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}
