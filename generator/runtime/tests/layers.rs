//! The runtime's modules in layers, and a check that every reference between them points
//! down (or stays in its layer).
//!
//! The check reads the sources rather than compiling anything: every `super::…`,
//! `crate::…` and `self::…` path in `src/*.rs`, `src/mock/*.rs` and `src/cli/*.rs` (in `use`
//! lines, brace groups and inline paths alike) is resolved to the top-level module it names, through the
//! re-exports of `lib.rs` where it names an item (`super::Secret` is `secret`'s). Comments
//! and string literals are skipped, so a doc link to a higher module is no dependency.
//!
//! A module missing from [`LAYERS`] fails the test: a new module must be given its place.

use std::collections::BTreeMap;
use std::path::Path;

/// The layers, lowest first. A module may refer to modules of its own layer and of the
/// layers below it, never above.
const LAYERS: &[(&str, &[&str])] = &[
    // What generated code tells the runtime about an operation, and the codecs: plain data
    // and pure functions, no I/O.
    (
        "descriptors and codecs",
        &["operation", "secret", "redact", "error", "de", "ser", "style", "params", "unknown", "xml", "revision"],
    ),
    // One HTTP exchange, what an attempt came to, and one grant sent to a token endpoint.
    ("transport", &["transport", "retry", "oauth2"]),
    // The credentials held and the token lifecycle, over a token source: never the client.
    ("identity", &["identity"]),
    // A request built and sent, its answer decoded; and beside them the mock server, which
    // knows operations and codecs but no client, and dispatch, which turns JSON into the
    // typed arguments of generated methods and their answers back.
    ("messages", &["request", "response", "body", "paging", "wait", "webhook", "mock", "dispatch"]),
    // The client every generated type wraps, its builder, and the raw escape hatch on it.
    ("client", &["core", "config", "raw"]),
    // A command line over a generated client: it reads a generated table, builds the client
    // and calls it through dispatch.
    ("command line", &["cli"]),
];

/// Where a module sits: its layer's index and name.
fn layer_of(module: &str) -> Option<(usize, &'static str)> {
    LAYERS.iter().enumerate().find(|(_, (_, modules))| modules.contains(&module)).map(|(i, (name, _))| (i, *name))
}

/// One reference from a file to a top-level module of the crate.
#[derive(Debug, PartialEq)]
struct Reference {
    line: usize,
    /// The path as written, up to the name that placed it (`super::core::Inner`).
    path: String,
    /// The top-level module it lands in.
    target: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    PathSep,
    Open,
    Close,
    Comma,
    Star,
    Other,
}

/// The code of a Rust source with comments, string and character literals blanked out
/// (newlines kept, so lines still count).
fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let blank = |out: &mut String, text: &[u8]| {
        for &c in text {
            out.push(if c == b'\n' { '\n' } else { ' ' });
        }
    };
    let mut i = 0;
    while i < b.len() {
        let rest = &b[i..];
        if rest.starts_with(b"//") {
            let end = rest.iter().position(|&c| c == b'\n').unwrap_or(rest.len());
            blank(&mut out, &rest[..end]);
            i += end;
        } else if rest.starts_with(b"/*") {
            // Block comments nest in Rust.
            let (mut depth, mut j) = (0usize, 0);
            while j < rest.len() {
                if rest[j..].starts_with(b"/*") {
                    depth += 1;
                    j += 2;
                } else if rest[j..].starts_with(b"*/") {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            blank(&mut out, &rest[..j]);
            i += j;
        } else if let Some(len) = raw_string_len(rest, i > 0 && is_ident_byte(b[i - 1])) {
            blank(&mut out, &rest[..len]);
            i += len;
        } else if rest[0] == b'"' {
            let mut j = 1;
            while j < rest.len() && rest[j] != b'"' {
                j += if rest[j] == b'\\' { 2 } else { 1 };
            }
            let end = (j + 1).min(rest.len());
            blank(&mut out, &rest[..end]);
            i += end;
        } else if rest[0] == b'\'' {
            // A character literal (`'"'`, `'\''`, `'é'`), or a lifetime, which is left as is.
            let len = char_literal_len(rest);
            blank(&mut out, &rest[..len.unwrap_or(1)]);
            i += len.unwrap_or(1);
        } else {
            let ch = src[i..].chars().next().expect("in bounds");
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

fn is_ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// The length of a raw string literal (`r"…"`, `br#"…"#`) starting here.
fn raw_string_len(rest: &[u8], after_ident: bool) -> Option<usize> {
    if after_ident {
        return None;
    }
    let start = match rest {
        [b'r', ..] => 1,
        [b'b', b'r', ..] => 2,
        _ => return None,
    };
    let hashes = rest[start..].iter().take_while(|&&c| c == b'#').count();
    if rest.get(start + hashes) != Some(&b'"') {
        return None;
    }
    let close: Vec<u8> = std::iter::once(b'"').chain(std::iter::repeat_n(b'#', hashes)).collect();
    let body = start + hashes + 1;
    let end = rest[body..].windows(close.len()).position(|w| w == close.as_slice())?;
    Some(body + end + close.len())
}

fn char_literal_len(rest: &[u8]) -> Option<usize> {
    let text = std::str::from_utf8(rest).ok().or_else(|| std::str::from_utf8(&rest[..rest.len().min(8)]).ok())?;
    let mut chars = text.char_indices().skip(1);
    let (_, first) = chars.next()?;
    if first == '\\' {
        // An escape: up to the closing quote (`'\u{1F600}'` is the longest).
        let close = text[2..].find('\'')?;
        return (close <= 10).then_some(close + 3);
    }
    let (at, next) = chars.next()?;
    (next == '\'').then_some(at + 1)
}

/// Tokens of the code, each with its line.
fn tokens(code: &str) -> Vec<(Token, usize)> {
    let b = code.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < b.len() {
        let c = b[i];
        if c == b'\n' {
            line += 1;
            i += 1;
        } else if c.is_ascii_whitespace() {
            i += 1;
        } else if is_ident_byte(c) {
            let len = b[i..].iter().take_while(|&&c| is_ident_byte(c)).count();
            out.push((Token::Ident(code[i..i + len].to_owned()), line));
            i += len;
        } else if b[i..].starts_with(b"::") {
            out.push((Token::PathSep, line));
            i += 2;
        } else {
            let token = match c {
                b'{' => Token::Open,
                b'}' => Token::Close,
                b',' => Token::Comma,
                b'*' => Token::Star,
                _ => Token::Other,
            };
            out.push((token, line));
            i += code[i..].chars().next().map_or(1, char::len_utf8);
        }
    }
    out
}

/// Every reference to another top-level module in one file. `module` is the file's module
/// path (`["identity"]`, `["mock", "wire"]`); `exports` maps the names `lib.rs` re-exports
/// to their modules. A name that resolves nowhere is an error.
fn references(src: &str, module: &[&str], exports: &BTreeMap<String, String>) -> Result<Vec<Reference>, String> {
    let tokens = tokens(&code_only(src));
    let ident = |i: usize| match tokens.get(i) {
        Some((Token::Ident(s), _)) => Some(s.as_str()),
        _ => None,
    };
    let is = |i: usize, t: Token| tokens.get(i).is_some_and(|(x, _)| *x == t);
    let mut found = Vec::new();
    // Inline modules (`mod tests { … }`) change what `super` means: (name, depth inside it).
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i].0 {
            Token::Open => depth += 1,
            Token::Close => {
                depth = depth.saturating_sub(1);
                if inline.last().is_some_and(|(_, d)| *d > depth) {
                    inline.pop();
                }
            }
            Token::Ident(kw) if kw == "mod" && is(i + 2, Token::Open) => {
                if let Some(name) = ident(i + 1) {
                    inline.push((name.to_owned(), depth + 1));
                }
            }
            Token::Ident(kw)
                if matches!(kw.as_str(), "super" | "crate" | "self") && !is(i.wrapping_sub(1), Token::PathSep) =>
            {
                let line = tokens[i].1;
                let mut base: Vec<String> =
                    module.iter().map(|s| (*s).to_owned()).chain(inline.iter().map(|(n, _)| n.clone())).collect();
                let mut written = String::new();
                let mut j = i;
                // The leading `crate`, `self` and `super` keywords, each followed by `::`.
                while let Some(kw @ ("super" | "crate" | "self")) = ident(j) {
                    if !is(j + 1, Token::PathSep) {
                        break;
                    }
                    match kw {
                        "crate" => base.clear(),
                        "super" => {
                            base.pop().ok_or_else(|| format!("line {line}: `super` above the crate root"))?;
                        }
                        _ => {}
                    }
                    written.push_str(kw);
                    written.push_str("::");
                    j += 2;
                }
                if j == i {
                    // `self` alone (a method receiver) or `super` not followed by `::`.
                    i += 1;
                    continue;
                }
                if let Some(top) = base.first() {
                    // Within a top-level module: `super::*` in its tests, mock's own parts.
                    if top != module[0] {
                        found.push(Reference { line, path: written, target: top.clone() });
                    }
                    i = j;
                    continue;
                }
                // At the crate root: one name, or a brace group of them.
                let mut names = Vec::new();
                if is(j, Token::Open) {
                    let mut level = 0usize;
                    let mut expect_name = true;
                    j += 1;
                    while j < tokens.len() {
                        match &tokens[j].0 {
                            Token::Open => level += 1,
                            Token::Close if level == 0 => break,
                            Token::Close => level -= 1,
                            Token::Comma if level == 0 => expect_name = true,
                            Token::Ident(name) if expect_name && level == 0 => {
                                names.push((name.clone(), tokens[j].1));
                                expect_name = false;
                            }
                            _ => {}
                        }
                        j += 1;
                    }
                } else if let Some(name) = ident(j) {
                    names.push((name.to_owned(), line));
                } else if is(j, Token::Star) {
                    return Err(format!("line {line}: a glob import from the crate root hides what it names"));
                }
                for (name, line) in names {
                    if name == "self" {
                        continue;
                    }
                    let target = if layer_of(&name).is_some() {
                        name.clone()
                    } else {
                        exports.get(&name).cloned().ok_or_else(|| {
                            format!("line {line}: `{written}{name}` names neither a module nor a re-export of lib.rs")
                        })?
                    };
                    if target != module[0] {
                        found.push(Reference { line, path: format!("{written}{name}"), target });
                    }
                }
                i = j;
            }
            _ => {}
        }
        i += 1;
    }
    Ok(found)
}

/// The names `lib.rs` re-exports (`pub use self::core::{Core, Method};`) and their modules.
fn exports(lib: &str) -> BTreeMap<String, String> {
    let tokens = tokens(&code_only(lib));
    let mut map = BTreeMap::new();
    let ident = |i: usize| match tokens.get(i) {
        Some((Token::Ident(s), _)) => Some(s.as_str()),
        _ => None,
    };
    for i in 0..tokens.len() {
        if !(ident(i) == Some("use") && ident(i + 1) == Some("self") && ident(i + 3).is_some()) {
            continue;
        }
        let module = ident(i + 3).expect("checked").to_owned();
        // The last name of each item (after `as`, when there is one), to the `;`.
        let mut j = i + 4;
        let mut last = None;
        while j < tokens.len() && tokens[j].0 != Token::Other {
            match &tokens[j].0 {
                Token::Ident(name) => last = Some(name.clone()),
                Token::Comma | Token::Close => {
                    if let Some(name) = last.take() {
                        map.insert(name, module.clone());
                    }
                }
                _ => {}
            }
            j += 1;
        }
        if let Some(name) = last {
            map.insert(name, module);
        }
    }
    map
}

/// The upward references in one file, as messages naming the file, line and arrow.
fn upward(file: &str, src: &str, module: &[&str], exports: &BTreeMap<String, String>) -> Vec<String> {
    let (from_layer, from_name) = match layer_of(module[0]) {
        Some(l) => l,
        None => {
            return vec![format!("{file}: module `{}` has no layer; add it to LAYERS in tests/layers.rs", module[0])]
        }
    };
    match references(src, module, exports) {
        Err(e) => vec![format!("{file}: {e}")],
        Ok(refs) => refs
            .into_iter()
            .filter_map(|r| {
                let Some((to_layer, to_name)) = layer_of(&r.target) else {
                    return Some(format!("{file}:{}: `{}` names `{}`, which has no layer", r.line, r.path, r.target));
                };
                (to_layer > from_layer).then(|| {
                    format!(
                        "{file}:{}: `{}` points up: {} ({from_name}) -> {} ({to_name})",
                        r.line, r.path, module[0], r.target
                    )
                })
            })
            .collect(),
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

#[test]
fn every_reference_points_down() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = read(&src.join("lib.rs"));
    let exports = exports(&lib);
    let mut problems = Vec::new();
    let mut files = Vec::new();
    // Modules with parts in a folder of their own.
    let folders = ["mock", "cli"];
    for dir in std::iter::once(src.clone()).chain(folders.iter().map(|f| src.join(f))) {
        for entry in std::fs::read_dir(&dir).expect("src is a directory") {
            let path = entry.expect("a directory entry").path();
            if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(files.len() > 20, "expected the runtime's sources in {}", src.display());
    for path in files {
        let relative = path.strip_prefix(src.parent().expect("src has a parent")).expect("under the crate");
        let file = relative.display().to_string();
        let stem = path.file_stem().and_then(|s| s.to_str()).expect("a UTF-8 file name");
        let folder = folders.iter().copied().find(|f| path.parent().is_some_and(|p| p.ends_with(f)));
        let module: Vec<&str> = match (folder, stem) {
            (_, "lib") => continue,
            (Some(folder), "mod") => vec![folder],
            (Some(folder), part) => vec![folder, part],
            (None, name) => vec![name],
        };
        problems.extend(upward(&file, &read(&path), &module, &exports));
    }
    assert!(problems.is_empty(), "references that point up the layers:\n  {}", problems.join("\n  "));
}

/// Every module `lib.rs` declares has a layer, and every module of the table exists.
#[test]
fn every_module_has_a_layer() {
    let lib = read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs"));
    let tokens = tokens(&code_only(&lib));
    let declared: Vec<String> = tokens
        .windows(3)
        .filter_map(|w| match w {
            [(Token::Ident(m), _), (Token::Ident(name), _), (Token::Other, _)] if m == "mod" => Some(name.clone()),
            _ => None,
        })
        .collect();
    assert!(declared.len() > 20, "expected lib.rs to declare the runtime's modules, found {declared:?}");
    let missing: Vec<&String> = declared.iter().filter(|m| layer_of(m).is_none()).collect();
    assert!(missing.is_empty(), "modules without a layer (add them to LAYERS in tests/layers.rs): {missing:?}");
    let stale: Vec<&&str> =
        LAYERS.iter().flat_map(|(_, ms)| ms.iter()).filter(|m| !declared.iter().any(|d| d == *m)).collect();
    assert!(stale.is_empty(), "LAYERS names modules lib.rs does not declare: {stale:?}");
}

/// The scanner itself: each shape of reference is found, resolved and reported.
#[test]
fn an_upward_reference_is_reported_with_its_line() {
    let exports: BTreeMap<String, String> =
        [("Secret", "secret"), ("Core", "core")].map(|(a, b)| (a.to_owned(), b.to_owned())).into();
    let src = r#"//! `super::core::Core` in a doc comment is no dependency.
use super::{identity::Identity,
    secret::collecting, Core};
fn f() -> super::config::Format { let _ = "super::core"; let _ = '"'; todo!() }
#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::Request;
}
"#;
    let problems = upward("src/transport.rs", src, &["transport"], &exports);
    assert_eq!(
        problems,
        [
            "src/transport.rs:2: `super::identity` points up: transport (transport) -> identity (identity)",
            "src/transport.rs:3: `super::Core` points up: transport (transport) -> core (client)",
            "src/transport.rs:4: `super::config` points up: transport (transport) -> config (client)",
            "src/transport.rs:8: `crate::request` points up: transport (transport) -> request (messages)",
        ]
    );
    let mock = "use super::super::redact::Redactor;\nuse super::wire::RawRequest;\nfn g(_: super::super::Core) {}\n";
    assert_eq!(
        upward("src/mock/record.rs", mock, &["mock", "record"], &exports),
        ["src/mock/record.rs:3: `super::super::Core` points up: mock (messages) -> core (client)"]
    );
    assert!(upward("src/x.rs", "use super::Nowhere;", &["transport"], &exports)[0].contains("neither a module"));
}
