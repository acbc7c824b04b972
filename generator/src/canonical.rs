//! The canonical YAML form of a spec: one key order everywhere, so a one-field change is a
//! one-line diff and reviewers never see reordering noise.
//!
//! Objects whose keys are names chosen by the author (paths, properties, schemas, responses…)
//! keep the author's order: property order is element order in XML, and path order is the
//! order of the docs. Example values and defaults are data and are left untouched.

use serde_json::{Map, Value};

use crate::pointer::Pointer;

/// Keys whose object values are maps from author-chosen names to OpenAPI objects.
const MAP_KEYS: &[&str] = &[
    "paths",
    "properties",
    "schemas",
    "responses",
    "parameters",
    "requestBodies",
    "securitySchemes",
    "examples",
    "headers",
    "content",
    "variables",
    "links",
    "callbacks",
    "encoding",
    "mapping",
    "scopes",
];

/// Keys whose values are data, not OpenAPI structure.
const DATA_KEYS: &[&str] = &["example", "default", "enum", "value", "const"];

/// The order of OpenAPI's own keys. Keys not listed keep their relative order after these;
/// `x-` extensions come last.
const ORDER: &[&str] = &[
    "openapi",
    "info",
    "servers",
    "security",
    "tags",
    "paths",
    "components",
    "title",
    "name",
    "in",
    "summary",
    "description",
    "operationId",
    "x-doc-page",
    "version",
    "contact",
    "license",
    "url",
    "email",
    "variables",
    "type",
    "format",
    "nullable",
    "required",
    "deprecated",
    "readOnly",
    "writeOnly",
    "enum",
    "default",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "multipleOf",
    "discriminator",
    "propertyName",
    "mapping",
    "properties",
    "additionalProperties",
    "items",
    "allOf",
    "oneOf",
    "anyOf",
    "not",
    "xml",
    "attribute",
    "wrapped",
    "namespace",
    "prefix",
    "scheme",
    "bearerFormat",
    "flows",
    "password",
    "clientCredentials",
    "authorizationCode",
    "implicit",
    "authorizationUrl",
    "tokenUrl",
    "refreshUrl",
    "scopes",
    "schema",
    "style",
    "explode",
    "allowReserved",
    "allowEmptyValue",
    "parameters",
    "requestBody",
    "get",
    "put",
    "post",
    "delete",
    "options",
    "head",
    "patch",
    "trace",
    "responses",
    "headers",
    "content",
    "example",
    "examples",
    "value",
    "encoding",
    "externalDocs",
    "callbacks",
    "links",
    "securitySchemes",
    "requestBodies",
];

/// The column limit for `description` and `summary` lines in canonical YAML; `spec-lint`'s
/// `description-wrapped` rule checks the same limit by default.
pub const WRAP_WIDTH: usize = 100;

/// Keys whose long string values are wrapped, so a one-word edit is a one-line diff.
pub const WRAPPED_KEYS: &[&str] = &["description", "summary"];

/// Re-serializes a document in canonical form: one key order, long `description` and
/// `summary` strings wrapped at [`WRAP_WIDTH`], and timestamp-like strings quoted. Parsing
/// the output gives back exactly `doc`.
pub fn canonical_yaml(doc: &Value) -> Result<String, String> {
    let ordered = order(doc, false);
    let mut out = String::new();
    write_node(&ordered, 0, WRAP_WIDTH, &mut out)?;
    Ok(out)
}

// The writer. It lays out blocks as `serde_yaml` (libyaml) does, so a document without long
// descriptions or timestamps is written byte for byte as before, and asks `serde_yaml` how to
// write each key and scalar, so quoting stays libyaml's. Only two things differ: a long
// `description`/`summary` is wrapped, and a timestamp-like string is quoted.

/// Writes `v`, which starts at column `indent` on a fresh line, and ends with a newline.
fn write_node(v: &Value, indent: usize, width: usize, out: &mut String) -> Result<(), String> {
    match v {
        Value::Object(obj) if !obj.is_empty() => write_map(obj, indent, false, width, out),
        Value::Array(items) if !items.is_empty() => write_seq(items, indent, false, width, out),
        other => {
            out.push_str(&scalar(other, indent)?);
            out.push('\n');
            Ok(())
        }
    }
}

/// A mapping whose keys are at column `indent`; with `continued`, the first key goes on the
/// current line (after a sequence's `- `).
fn write_map(
    obj: &Map<String, Value>,
    indent: usize,
    continued: bool,
    width: usize,
    out: &mut String,
) -> Result<(), String> {
    for (i, (k, child)) in obj.iter().enumerate() {
        if i > 0 || !continued {
            push_indent(out, indent);
        }
        let key = key_text(k)?;
        out.push_str(&key);
        out.push(':');
        match child {
            Value::Object(o) if !o.is_empty() => {
                out.push('\n');
                write_map(o, indent + 2, false, width, out)?;
            }
            // libyaml writes a sequence under a key without indenting its dashes.
            Value::Array(items) if !items.is_empty() => {
                out.push('\n');
                write_seq(items, indent, false, width, out)?;
            }
            Value::String(s) if WRAPPED_KEYS.contains(&k.as_str()) => {
                out.push(' ');
                out.push_str(&wrapped_string(s, indent, indent + key.chars().count() + 2, width)?);
                out.push('\n');
            }
            other => {
                out.push(' ');
                out.push_str(&scalar(other, indent)?);
                out.push('\n');
            }
        }
    }
    Ok(())
}

/// A sequence whose dashes are at column `indent`; `continued` as in [`write_map`].
fn write_seq(items: &[Value], indent: usize, continued: bool, width: usize, out: &mut String) -> Result<(), String> {
    for (i, item) in items.iter().enumerate() {
        if i > 0 || !continued {
            push_indent(out, indent);
        }
        out.push_str("- ");
        match item {
            Value::Object(o) if !o.is_empty() => write_map(o, indent + 2, true, width, out)?,
            Value::Array(inner) if !inner.is_empty() => write_seq(inner, indent + 2, true, width, out)?,
            other => {
                out.push_str(&scalar(other, indent)?);
                out.push('\n');
            }
        }
    }
    Ok(())
}

fn push_indent(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// A mapping key on one line: as `serde_yaml` writes it, quoted if it looks like a timestamp,
/// and double-quoted if `serde_yaml` would need more than one line or it is too long for an
/// implicit key.
fn key_text(k: &str) -> Result<String, String> {
    if is_yaml11_timestamp(k) {
        return Ok(single_quoted(k));
    }
    let text = yaml_scalar(&Value::String(k.to_owned()))?;
    if text.contains('\n') || text.chars().count() > 1000 {
        return Ok(double_quoted(k));
    }
    Ok(text)
}

/// A scalar (or empty collection) for a node whose parent starts at column `indent`: the
/// lines after the first (of a block scalar) are indented under the parent.
fn scalar(v: &Value, indent: usize) -> Result<String, String> {
    if let Value::String(s) = v {
        if is_yaml11_timestamp(s) {
            return Ok(single_quoted(s));
        }
    }
    Ok(reindent(&yaml_scalar(v)?, indent))
}

/// `serde_yaml`'s text for one value at the top level, without the final newline.
fn yaml_scalar(v: &Value) -> Result<String, String> {
    let text = serde_yaml::to_string(v).map_err(|e| format!("cannot write YAML: {e}"))?;
    Ok(text.strip_suffix('\n').unwrap_or(&text).to_owned())
}

/// Indents every line but the first by `indent`; empty lines stay empty (in a block scalar a
/// line of spaces would be content).
fn reindent(text: &str, indent: usize) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
            if !line.is_empty() {
                push_indent(&mut out, indent);
            }
        }
        out.push_str(line);
    }
    out
}

/// A `description` or `summary` value under a key at column `indent`, whose first line starts
/// at column `start`. Short strings are written as any other; a string with a line past
/// `width` is folded (`>-`) where that reads back exactly, else double-quoted and wrapped at
/// single spaces. Each form is checked by parsing it back.
fn wrapped_string(s: &str, indent: usize, start: usize, width: usize) -> Result<String, String> {
    let plain = scalar(&Value::String(s.to_owned()), indent)?;
    let too_long = plain.split('\n').enumerate().any(|(i, line)| {
        let col = if i == 0 { start } else { 0 };
        col + line.chars().count() > width
    });
    if !too_long {
        return Ok(plain);
    }
    let candidates = [folded(s, indent + 2, width), Some(wrapped_double_quoted(s, indent, start, width))];
    if let Some(text) = candidates.into_iter().flatten().find(|text| reads_back(text, indent, s)) {
        return Ok(text);
    }
    Ok(plain)
}

/// Whether `text`, written as the value of a key at column `indent`, parses back to `s`.
fn reads_back(text: &str, indent: usize, s: &str) -> bool {
    let mut doc = String::new();
    push_indent(&mut doc, indent);
    doc.push_str("k: ");
    doc.push_str(text);
    doc.push('\n');
    match serde_yaml::from_str::<serde_yaml::Value>(&doc) {
        Ok(v) => v.get("k").and_then(serde_yaml::Value::as_str) == Some(s),
        Err(_) => false,
    }
}

/// A folded block scalar (`>-`) with content at column `content`: each run of n line breaks
/// becomes n empty lines, and each line is broken at single spaces so it ends by `width`.
/// `None` for shapes folding cannot hold (leading or trailing line breaks).
fn folded(s: &str, content: usize, width: usize) -> Option<String> {
    if s.is_empty() || s.starts_with('\n') || s.ends_with('\n') {
        return None;
    }
    let mut out = String::from(">-");
    let mut breaks = 0;
    for line in s.split('\n') {
        if line.is_empty() {
            breaks += 1;
            continue;
        }
        if out.len() > 2 {
            // One line break between two lines of text folds into a space, so n breaks in the
            // text need n empty lines.
            out.push('\n');
            for _ in 0..=breaks {
                out.push('\n');
            }
        } else {
            out.push('\n');
        }
        breaks = 0;
        for (i, piece) in break_at_spaces(line, width.saturating_sub(content), width.saturating_sub(content), true)
            .into_iter()
            .enumerate()
        {
            if i > 0 {
                out.push('\n');
            }
            push_indent(&mut out, content);
            out.push_str(piece);
        }
    }
    Some(out)
}

/// Splits `line` at single spaces (a space between two other characters) into pieces of at
/// most `first` characters for the first piece and `rest` after it; the spaces broken at are
/// dropped. With `after_spaces`, the last space of a run breaks too, and the run's other spaces
/// end the piece (a folded scalar keeps them; a double-quoted one would strip them). A word
/// longer than the limit is a piece of its own.
fn break_at_spaces(line: &str, first: usize, rest: usize, after_spaces: bool) -> Vec<&str> {
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let breakable = |i: usize| {
        chars[i].1 == ' '
            && i > 0
            && i + 1 < chars.len()
            && (after_spaces || !chars[i - 1].1.is_whitespace())
            && !chars[i + 1].1.is_whitespace()
    };
    let mut pieces = Vec::new();
    let mut start = 0;
    while start < chars.len() {
        let limit = if pieces.is_empty() { first } else { rest };
        if chars.len() - start <= limit {
            break;
        }
        // The last break that keeps the piece within the limit, else the first one after it.
        let within = (start + 1..=(start + limit).min(chars.len() - 1)).rev().find(|&i| breakable(i));
        let Some(at) = within.or_else(|| (start + limit + 1..chars.len()).find(|&i| breakable(i))) else { break };
        pieces.push(&line[chars[start].0..chars[at].0]);
        start = at + 1;
    }
    if start < chars.len() {
        pieces.push(&line[chars[start].0..]);
    }
    pieces
}

/// A double-quoted scalar broken at single spaces (a line break inside double quotes folds into
/// one space), continuation lines at `indent + 2`.
fn wrapped_double_quoted(s: &str, indent: usize, start: usize, width: usize) -> String {
    let quoted = double_quoted(s);
    // A space after a space is escaped (`\x20`), so every run of spaces starts with a single
    // raw space that can be broken at; escapes contain no spaces, so a break never splits one.
    let mut inner = String::with_capacity(quoted.len());
    let mut prev = '"';
    for c in quoted[1..quoted.len() - 1].chars() {
        if c == ' ' && prev == ' ' {
            inner.push_str("\\x20");
        } else {
            inner.push(c);
        }
        prev = c;
    }
    let inner = inner.as_str();
    let first = width.saturating_sub(start + 1);
    let rest = width.saturating_sub(indent + 2);
    let pieces = break_at_spaces(inner, first, rest.saturating_sub(1), false);
    let mut out = String::from("\"");
    for (i, piece) in pieces.iter().enumerate() {
        if i > 0 {
            out.push('\n');
            push_indent(&mut out, indent + 2);
        }
        out.push_str(piece);
    }
    out.push('"');
    out
}

/// `s` single-quoted: the only escape is a doubled quote.
fn single_quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// `s` double-quoted on one line, with every character YAML does not allow raw escaped.
fn double_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || (0x7f..=0x9f).contains(&(c as u32)) || c == '\u{feff}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            '\u{fffe}' | '\u{ffff}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether a YAML 1.1 loader would read `s`, written plain, as a timestamp: a date
/// (`2024-01-31`) or a date and time (`2024-01-31T10:00:00Z`, `2024-1-31 10:00:00.5 +01:00`).
/// serde_yaml (YAML 1.2) writes such strings unquoted, so they would not round-trip elsewhere.
pub fn is_yaml11_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize, min: usize, max: usize| {
        let start = *i;
        while *i < b.len() && *i - start < max && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start >= min
    };
    let byte = |i: &mut usize, c: u8| {
        let ok = b.get(*i) == Some(&c);
        if ok {
            *i += 1;
        }
        ok
    };
    if !(digits(&mut i, 4, 4) && byte(&mut i, b'-') && digits(&mut i, 1, 2) && byte(&mut i, b'-')) {
        return false;
    }
    let day_start = i;
    if !digits(&mut i, 1, 2) {
        return false;
    }
    // A date alone needs two-digit month and day.
    if i == b.len() {
        return i - day_start == 2 && s.len() == 10;
    }
    if !(byte(&mut i, b'T') || byte(&mut i, b't')) {
        let spaces = i;
        while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
            i += 1;
        }
        if i == spaces {
            return false;
        }
    }
    if !(digits(&mut i, 1, 2)
        && byte(&mut i, b':')
        && digits(&mut i, 2, 2)
        && byte(&mut i, b':')
        && digits(&mut i, 2, 2))
    {
        return false;
    }
    if byte(&mut i, b'.') {
        digits(&mut i, 0, usize::MAX);
    }
    while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
        i += 1;
    }
    if i == b.len() || (byte(&mut i, b'Z') && i == b.len()) {
        return true;
    }
    if !(byte(&mut i, b'+') || byte(&mut i, b'-')) || !digits(&mut i, 1, 2) {
        return false;
    }
    if byte(&mut i, b':') && !digits(&mut i, 2, 2) {
        return false;
    }
    i == b.len()
}

fn order(v: &Value, is_map: bool) -> Value {
    let Value::Object(obj) = v else {
        return match v {
            Value::Array(items) => Value::Array(items.iter().map(|i| order(i, false)).collect()),
            other => other.clone(),
        };
    };
    let mut out = Map::new();
    if is_map {
        for (k, child) in obj {
            out.insert(k.clone(), order(child, false));
        }
        return Value::Object(out);
    }
    let rank = |k: &str| -> (usize, usize) {
        match ORDER.iter().position(|o| *o == k) {
            Some(i) => (0, i),
            None if k.starts_with("x-") => (2, 0),
            None => (1, 0),
        }
    };
    let mut keys: Vec<(usize, &String)> = obj.keys().enumerate().collect();
    // Stable: equal ranks keep the author's order.
    keys.sort_by_key(|(i, k)| (rank(k), *i));
    for (_, k) in keys {
        let child = &obj[k];
        let value = if DATA_KEYS.contains(&k.as_str()) || k.starts_with("x-") {
            child.clone()
        } else {
            order(child, MAP_KEYS.contains(&k.as_str()))
        };
        out.insert(k.clone(), value);
    }
    Value::Object(out)
}

/// Keys the typed OpenAPI model does not know: typos and misplaced keywords that a
/// generator would otherwise ignore without a word. Returns their JSON pointers.
pub fn unknown_keys(doc: &Value) -> Vec<String> {
    let typed: Result<openapiv3::OpenAPI, _> = serde_json::from_value(doc.clone());
    let Ok(typed) = typed else { return vec!["#: the document does not match the OpenAPI 3.0 model".to_owned()] };
    let back = serde_json::to_value(&typed).unwrap_or(Value::Null);
    let mut out = Vec::new();
    diff(doc, &back, &Pointer::root(), &mut out);
    out
}

fn diff(raw: &Value, back: &Value, at: &Pointer, out: &mut Vec<String>) {
    let (Value::Object(r), Value::Object(b)) = (raw, back) else {
        if let (Value::Array(r), Value::Array(b)) = (raw, back) {
            for (i, (x, y)) in r.iter().zip(b).enumerate() {
                diff(x, y, &at.join(i), out);
            }
        }
        return;
    };
    for (k, v) in r {
        let ptr = at.join(k);
        match b.get(k) {
            Some(w) => {
                if !(DATA_KEYS.contains(&k.as_str()) || k.starts_with("x-")) {
                    diff(v, w, &ptr, out);
                }
            }
            // openapiv3 has no `xml` object; it is read directly by the generator.
            None if k == "xml" => {}
            // Keys with their default value (`required: false`) are dropped by the typed
            // model; a known keyword is not a typo.
            None if ORDER.contains(&k.as_str()) => {}
            None => out.push(ptr.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn orders_structure_but_not_names_or_data() {
        let doc = json!({
            "paths": {"/b": {}, "/a": {}},
            "info": {"version": "1", "title": "t"},
            "openapi": "3.0.3",
            "components": {"schemas": {"Z": {"properties": {"type": {"type": "string", "description": "d"}}, "type": "object", "example": {"z": 1, "a": 2}}}}
        });
        let y = canonical_yaml(&doc).unwrap();
        let expected = "openapi: 3.0.3\ninfo:\n  title: t\n  version: '1'\npaths:\n  /b: {}\n  /a: {}\ncomponents:\n  schemas:\n    Z:\n      type: object\n      properties:\n        type:\n          description: d\n          type: string\n      example:\n        z: 1\n        a: 2\n";
        assert_eq!(y, expected);
    }

    #[test]
    fn finds_typos() {
        let doc = json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/a": {"get": {"responses": {"200": {"description": "ok"}}, "operationID": "x"}}}});
        assert_eq!(unknown_keys(&doc), vec!["#/paths/~1a/get/operationID"]);
    }

    fn parse(text: &str) -> Value {
        crate::load::parse_text("t.yaml", text).unwrap()
    }

    #[test]
    fn layout_is_serde_yaml_s_when_nothing_needs_wrapping() {
        let doc = json!({
            "a": [1, "two", {"b": [], "c": {}}, [3, [4]], {"d": "x\ny\n", "e": [{"f": null}]}],
            "g": {"h": "line 1\nline 2", "i": " lead", "'200'": true, "k: v": 1.5, "j": ""},
            "l": [["m"]],
        });
        let mut mine = String::new();
        write_node(&doc, 0, WRAP_WIDTH, &mut mine).unwrap();
        assert_eq!(mine, serde_yaml::to_string(&doc).unwrap());
    }

    #[test]
    fn a_long_description_is_folded_at_the_width_and_reads_back() {
        let text = "word ".repeat(45).trim_end().to_owned();
        let doc = json!({"info": {"title": "t", "description": text, "summary": "short"}});
        let y = canonical_yaml(&doc).unwrap();
        let line = "word ".repeat(19).trim_end().to_owned();
        let expected = format!(
            "info:\n  title: t\n  summary: short\n  description: >-\n    {line}\n    {line}\n    {}\n",
            "word ".repeat(7).trim_end()
        );
        assert_eq!(y, expected);
        assert!(y.lines().all(|l| l.len() <= WRAP_WIDTH));
        assert_eq!(parse(&y), doc);
    }

    #[test]
    fn paragraphs_fold_with_empty_lines_and_odd_spacing_falls_back_to_double_quotes() {
        let long = "x ".repeat(60).trim_end().to_owned();
        for s in [
            format!("{long}\n{long}"),
            format!("{long}\n\n\n{long}"),
            format!("{long}  two  spaces"),
            format!("  {long} "),
            format!("{long}\n  indented code line\n{long}"),
            format!("{long}\ttab \"quoted\" \\ back\u{7}"),
            format!("{long}\n"),
            "y".repeat(150),
            // Not foldable (a line starts with a space), with runs of spaces to break at.
            format!("{long}\n\n * the  [x]({})  returned   {long} ", "u".repeat(90)),
        ] {
            let doc = json!({"description": s});
            let y = canonical_yaml(&doc).unwrap();
            assert_eq!(parse(&y), doc, "{y}");
            for line in y.lines() {
                assert!(line.len() <= WRAP_WIDTH || !line.trim().contains(' '), "{line:?} in\n{y}");
            }
        }
        // Leading spaces would make a folded line "more indented", which does not fold.
        let y = canonical_yaml(&json!({"description": format!("  {long}")})).unwrap();
        assert!(y.starts_with("description: \" \\x20x x"), "{y}");
        assert!(canonical_yaml(&json!({"description": format!("{long}  two")}))
            .unwrap()
            .starts_with("description: >-"));
    }

    #[test]
    fn timestamps_are_quoted_as_values_items_and_keys() {
        let doc = json!({"example": {"at": "2024-01-31T10:00:00Z", "on": "2024-01-31", "2024-02-01": ["2024-1-2 3:04:05.6 +01:00"]}});
        let y = canonical_yaml(&doc).unwrap();
        assert_eq!(
            y,
            "example:\n  at: '2024-01-31T10:00:00Z'\n  on: '2024-01-31'\n  '2024-02-01':\n  - '2024-1-2 3:04:05.6 +01:00'\n"
        );
        assert_eq!(parse(&y), doc);
    }

    #[test]
    fn yaml_1_1_timestamps() {
        for (s, expected) in [
            ("2024-01-31", true),
            ("2024-01-31T10:00:00Z", true),
            ("2024-01-31t10:00:00.123456+02:00", true),
            ("2024-1-31 10:00:00", true),
            ("2024-01-31 10:00:00 Z", true),
            ("2024-01-31T10:00:00-5", true),
            ("2024-1-31", false),
            ("2024-01-31T10:00", false),
            ("2024-01-31Z", false),
            ("2024-01-31T10:00:00Zulu", false),
            ("20240131", false),
            ("v2024-01-31", false),
            ("2024-01-31 ", false),
        ] {
            assert_eq!(is_yaml11_timestamp(s), expected, "{s}");
        }
    }
}
