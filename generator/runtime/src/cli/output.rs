//! Answers as JSON, YAML or a table.

use comfy_table::{presets, ContentArrangement, Table};
use serde_json::Value;

/// How answers are printed (`--output`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// JSON, pretty-printed; one item per line (NDJSON) for `--all`.
    Json,
    /// YAML; a sequence of items for `--all`.
    Yaml,
    /// A table: a row per item of a list, a row per property of an object.
    Table,
}

impl Format {
    /// The names `--output` takes.
    pub const NAMES: &'static [&'static str] = &["json", "yaml", "table"];

    /// The format `name` names.
    pub fn parse(name: &str) -> Option<Format> {
        match name {
            "json" => Some(Format::Json),
            "yaml" => Some(Format::Yaml),
            "table" => Some(Format::Table),
            _ => None,
        }
    }
}

/// The most columns a table picks by itself (`--columns` names any).
const MAX_COLUMNS: usize = 8;
/// How deep nested objects are flattened into dotted columns.
const DEPTH: usize = 2;
/// The longest cell of a table.
const MAX_CELL: usize = 60;

/// The value at a dotted path (empty: the value itself).
pub(crate) fn at<'v>(value: &'v Value, dotted: &str) -> Option<&'v Value> {
    if dotted.is_empty() {
        return Some(value);
    }
    dotted.split('.').try_fold(value, |v, key| v.get(key))
}

/// One answer in `format`. `items` is where a list answer keeps its items, for a table.
pub(crate) fn render(
    value: &Value,
    format: Format,
    items: Option<&str>,
    columns: &[String],
    width: Option<usize>,
) -> String {
    match format {
        Format::Json => format!("{}\n", serde_json::to_string_pretty(value).unwrap_or_default()),
        Format::Yaml => serde_yaml::to_string(value).unwrap_or_default(),
        Format::Table => match (value, items.and_then(|p| at(value, p))) {
            (Value::Null, _) => String::new(),
            (_, Some(Value::Array(list))) | (Value::Array(list), _) => items_table(list, columns, width),
            (Value::Object(_), _) => object_table(value, width),
            (other, _) => format!("{}\n", cell(other)),
        },
    }
}

/// A list of items as a table, a row each.
pub(crate) fn items_table(items: &[Value], columns: &[String], width: Option<usize>) -> String {
    if items.is_empty() {
        return String::new();
    }
    let columns: Vec<String> = if columns.is_empty() { pick_columns(items) } else { columns.to_vec() };
    if columns.is_empty() {
        // Items that are not objects: one column of their values.
        let mut table = new_table(width);
        table.set_header(["value"]);
        for item in items {
            table.add_row([cell(item)]);
        }
        return format!("{table}\n");
    }
    let mut table = new_table(width);
    table.set_header(columns.iter().map(String::as_str));
    for item in items {
        table.add_row(columns.iter().map(|c| at(item, c).map(cell).unwrap_or_default()));
    }
    format!("{table}\n")
}

/// An object as a table of its (flattened) properties and values.
fn object_table(value: &Value, width: Option<usize>) -> String {
    let mut rows = Vec::new();
    flatten(value, "", 0, &mut rows);
    let mut table = new_table(width);
    table.set_header(["property", "value"]);
    for (key, v) in rows {
        table.add_row([key, cell(v)]);
    }
    format!("{table}\n")
}

fn new_table(width: Option<usize>) -> Table {
    let mut table = Table::new();
    table.load_preset(presets::ASCII_MARKDOWN);
    match width.and_then(|w| u16::try_from(w).ok()) {
        Some(w) => {
            table.set_width(w).set_content_arrangement(ContentArrangement::Dynamic);
        }
        None => {
            table.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
    table
}

/// The scalar leaves of an object, nested objects as dotted keys up to [`DEPTH`].
fn flatten<'v>(value: &'v Value, prefix: &str, depth: usize, out: &mut Vec<(String, &'v Value)>) {
    let Value::Object(map) = value else { return };
    for (k, v) in map {
        let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        match v {
            Value::Object(_) if depth + 1 < DEPTH => flatten(v, &key, depth + 1, out),
            _ => out.push((key, v)),
        }
    }
}

/// Columns for a list of objects: their scalar properties (nested ones dotted), in the order
/// they first appear, at most [`MAX_COLUMNS`].
fn pick_columns(items: &[Value]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in items.iter().take(50) {
        let mut rows = Vec::new();
        flatten(item, "", 0, &mut rows);
        for (key, v) in rows {
            let scalar = !matches!(v, Value::Object(_) | Value::Array(_));
            if scalar && !out.contains(&key) {
                out.push(key);
            }
        }
    }
    out.truncate(MAX_COLUMNS);
    out
}

/// A value as a table cell: strings as they are, others as compact JSON, long ones cut.
fn cell(value: &Value) -> String {
    let text = match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.chars().count() > MAX_CELL {
        let cut: String = text.chars().take(MAX_CELL - 1).collect();
        format!("{cut}…")
    } else {
        text
    }
}

/// One item of a listing with `--all`, as NDJSON or a YAML sequence entry.
pub(crate) fn stream_item(value: &Value, format: Format) -> String {
    match format {
        Format::Yaml => serde_yaml::to_string(&[value]).unwrap_or_default(),
        _ => format!("{}\n", serde_json::to_string(value).unwrap_or_default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_become_rows_of_their_scalar_properties() {
        let page = json!({"data": [
            {"id": "1", "name": "Nightly", "result": {"result": "Success", "message": ""}, "tags": ["a"]},
            {"id": "2", "name": "Weekly", "result": {"result": "Failed", "message": "disk full"}},
        ], "pagination": {"total": 2}});
        let table = render(&page, Format::Table, Some("data"), &[], None);
        assert_eq!(
            table,
            "| id | name    | result.result | result.message |\n\
             |----|---------|---------------|----------------|\n\
             | 1  | Nightly | Success       |                |\n\
             | 2  | Weekly  | Failed        | disk full      |\n"
        );
        let chosen = render(&page, Format::Table, Some("data"), &["name".into(), "missing".into()], None);
        assert!(chosen.starts_with("| name    | missing |"), "{chosen}");
    }

    #[test]
    fn objects_become_property_rows_and_other_formats_are_plain() {
        let job = json!({"id": "1", "schedule": {"daily": true}});
        assert_eq!(
            render(&job, Format::Table, None, &[], None),
            "| property       | value |\n|----------------|-------|\n| id             | 1     |\n| schedule.daily | true  |\n"
        );
        assert_eq!(render(&job, Format::Yaml, None, &[], None), "id: '1'\nschedule:\n  daily: true\n");
        assert_eq!(stream_item(&job, Format::Json), "{\"id\":\"1\",\"schedule\":{\"daily\":true}}\n");
        assert_eq!(render(&Value::Null, Format::Table, None, &[], None), "");
    }
}
