//! Spec prose → rustdoc. Descriptions in vendor documents carry HTML (`<p>`, `&#58;`), bare
//! URLs and indented text; left alone they become broken links, warnings or failing doctests.

/// Cleans a description into doc lines: HTML tags dropped (paragraphs and list items kept as
/// line structure), entities decoded, brackets escaped, bare URLs wrapped, code fences marked
/// `text`, and indentation removed so nothing turns into a doctest.
pub fn doc_lines(text: &str) -> Vec<String> {
    // A bare carriage return ends a line too (Rust rejects one inside a doc comment).
    let text = strip_html(&text.replace("\r\n", "\n").replace('\r', "\n"));
    let mut lines = Vec::new();
    let mut in_fence = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            in_fence = !in_fence;
            lines.push(if in_fence { "```text".to_owned() } else { "```".to_owned() });
            continue;
        }
        if in_fence {
            lines.push(line.trim_end().to_owned());
        } else {
            // Text right after a list item, not itself an item, starts a paragraph: without
            // a blank line Markdown would run it into the item (clippy's
            // `doc_lazy_continuation`).
            let after_item = lines.last().is_some_and(|l: &String| is_list_item(l));
            if after_item && !trimmed.is_empty() && !is_list_item(trimmed) {
                lines.push(String::new());
            }
            lines.push(escape_markdown(trimmed));
        }
    }
    if in_fence {
        lines.push("```".to_owned());
    }
    // Collapse runs of blank lines and trim blank edges.
    let mut out: Vec<String> = Vec::new();
    for l in lines {
        if l.is_empty() && out.last().is_none_or(|p: &String| p.is_empty()) {
            continue;
        }
        out.push(l);
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out
}

/// `- item`, `* item`, `+ item`, `1. item`.
fn is_list_item(line: &str) -> bool {
    let line = line.trim_start();
    if ["- ", "* ", "+ "].iter().any(|m| line.starts_with(m)) {
        return true;
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && (line[digits..].starts_with(". ") || line[digits..].starts_with(") "))
}

fn strip_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        // Only things that look like tags are tags; `a < b` and `<access token>` are text.
        let end = after.find('>');
        let tag = end.map(|e| &after[1..e]);
        match tag {
            Some(t) if is_html_tag(t) => {
                let name = t
                    .trim_start_matches('/')
                    .split(|c: char| c.is_whitespace() || c == '/')
                    .next()
                    .unwrap_or("")
                    .to_ascii_lowercase();
                match name.as_str() {
                    "p" | "br" | "div" | "ul" | "ol" | "table" | "tr" => out.push('\n'),
                    "li" if !t.starts_with('/') => out.push_str("\n- "),
                    "code" => out.push('`'),
                    "b" | "strong" => out.push_str("**"),
                    "i" | "em" => out.push('*'),
                    _ => {}
                }
                if name == "p" && !t.starts_with('/') {
                    out.push('\n');
                }
                rest = &after[end.unwrap_or(0) + 1..];
            }
            _ => {
                out.push('<');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    decode_entities(&out)
}

fn is_html_tag(t: &str) -> bool {
    let name = t.trim_start_matches('/').split(|c: char| c.is_whitespace() || c == '/').next().unwrap_or("");
    matches!(
        name.to_ascii_lowercase().as_str(),
        "p" | "br"
            | "div"
            | "span"
            | "ul"
            | "ol"
            | "li"
            | "b"
            | "strong"
            | "i"
            | "em"
            | "code"
            | "a"
            | "table"
            | "tr"
            | "td"
            | "th"
            | "tbody"
            | "thead"
            | "pre"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "sup"
            | "sub"
            | "u"
    )
}

fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        // Char-wise: a byte cut could land inside a multi-byte character (found by fuzzing).
        let semi = after.char_indices().take(12).find(|(_, c)| *c == ';').map(|(i, _)| i);
        let decoded = semi.and_then(|j| {
            let ent = &after[1..j];
            let c = match ent {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                _ if ent.starts_with("#x") || ent.starts_with("#X") => {
                    u32::from_str_radix(&ent[2..], 16).ok().and_then(char::from_u32)
                }
                _ if ent.starts_with('#') => ent[1..].parse::<u32>().ok().and_then(char::from_u32),
                _ => None,
            };
            c.map(|c| (c, j))
        });
        match decoded {
            Some((c, j)) => {
                out.push(c);
                rest = &after[j + 1..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The index of the `)` that ends a Markdown link to a URL at the start of `chars`
/// (`[text](https://…)`, the text without brackets, the URL without spaces or parentheses).
fn url_link_end(chars: &[char]) -> Option<usize> {
    let close = chars.iter().position(|c| *c == ']')?;
    if chars[1..close].iter().any(|c| matches!(c, '[' | '`')) || chars.get(close + 1) != Some(&'(') {
        return None;
    }
    let target: String = chars[close + 2..].iter().take(8).collect();
    if !(target.starts_with("http://") || target.starts_with("https://")) {
        return None;
    }
    let len = chars[close + 2..].iter().position(|c| *c == ')' || c.is_whitespace() || *c == '(')?;
    (chars[close + 2 + len] == ')').then_some(close + 2 + len)
}

/// Escapes what rustdoc would misread: `[x]` (intra-doc links), bare URLs, and `<tag>`-like
/// text (unclosed HTML warnings).
fn escape_markdown(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut in_code = false;
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '`' {
            in_code = !in_code;
            out.push(c);
            i += 1;
            continue;
        }
        if in_code {
            out.push(c);
            i += 1;
            continue;
        }
        // A Markdown link to a URL, `[text](https://…)`, is kept as written: rustdoc renders it.
        if c == '[' {
            if let Some(end) = url_link_end(&chars[i..]) {
                out.extend(&chars[i..=i + end]);
                i += end + 1;
                continue;
            }
        }
        let rest: String = chars[i..].iter().take(8).collect();
        if rest.starts_with("http://") || rest.starts_with("https://") {
            let prev = out.chars().last();
            let url: String = chars[i..]
                .iter()
                .take_while(|c| !c.is_whitespace() && !matches!(c, ')' | '>' | '"' | '\'' | ']'))
                .collect();
            let url = url.trim_end_matches(['.', ',', ';', ':']).to_owned();
            if prev == Some('<') {
                out.push_str(&url);
            } else {
                out.push('<');
                out.push_str(&url);
                out.push('>');
            }
            i += url.chars().count();
            continue;
        }
        match c {
            '[' | ']' | '<' | '>' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
        i += 1;
    }
    if in_code {
        // An unbalanced backtick would swallow the rest of the doc block.
        out.push('`');
    }
    out
}

#[cfg(test)]
mod tests {
    /// Veeam's "- If `true`, …\n- If `false`, …\nResetting the cache …": the closing text is
    /// its own paragraph, not a lazy continuation of the last item.
    #[test]
    fn text_after_a_list_is_a_paragraph() {
        let lines =
            super::doc_lines("Intro:\n- If `true`, one.\n- If `false`, two.\nAfter the list.\n1. first\n2. second");
        assert_eq!(
            lines,
            ["Intro:", "- If `true`, one.", "- If `false`, two.", "", "After the list.", "1. first", "2. second"]
        );
    }

    #[test]
    fn bare_carriage_returns_end_lines() {
        assert_eq!(doc_lines("one\rtwo\r\nthree\nfour"), ["one", "two", "three", "four"]);
    }

    use super::*;

    #[test]
    fn cleans_veeam_html() {
        let got = doc_lines("The HTTP GET request gets an array.<p>**Available to**&#58; Backup Administrator.</p>");
        assert_eq!(got, vec!["The HTTP GET request gets an array.", "", "**Available to**: Backup Administrator."]);
    }

    #[test]
    fn escapes_links_and_wraps_urls() {
        assert_eq!(doc_lines("see [RFC] at https://example.com/x."), vec!["see \\[RFC\\] at <https://example.com/x>."]);
        assert_eq!(doc_lines("Format: `Bearer <access token>`"), vec!["Format: `Bearer <access token>`"]);
        // A Markdown link to a URL stays a link; a URL in parentheses becomes one.
        assert_eq!(
            doc_lines("see [the docs](https://example.com/a#b)."),
            vec!["see [the docs](https://example.com/a#b)."]
        );
        assert_eq!(doc_lines("see [x] (https://example.com/a)"), vec!["see \\[x\\] (<https://example.com/a>)"]);
        assert_eq!(doc_lines("[a](b) and [c](https://e.com/x y)"), vec!["\\[a\\](b) and \\[c\\](<https://e.com/x> y)"]);
        assert_eq!(doc_lines("a <access token> b"), vec!["a \\<access token\\> b"]);
    }

    #[test]
    fn fences_become_text_and_indent_is_dropped() {
        assert_eq!(
            doc_lines("x\n```\nlet a = 1;\n```\n    indented"),
            vec!["x", "```text", "let a = 1;", "```", "indented"]
        );
    }

    #[test]
    fn list_items() {
        assert_eq!(doc_lines("<ul><li>one</li><li>two</li></ul>"), vec!["- one", "- two"]);
    }
}
