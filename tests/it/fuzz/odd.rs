//! Odd values: names, numbers, schemas, references, path templates and parameters of the kinds
//! that break generators.

use serde_json::{json, Map, Value};

use super::rng::Rng;
use super::tree::{any_node, escape, operations, pick_node, pointer, Seg};

/// Names that have broken, or could break, naming: keywords, prelude and client names,
/// digits, separators, escapes, markup, Unicode that changes under case conversion, empties.
const ODD_NAMES: &[&str] = &[
    "type",
    "self",
    "Self",
    "super",
    "crate",
    "_",
    "__",
    "r#type",
    "async",
    "await",
    "try",
    "dyn",
    "gen",
    "union",
    "static",
    "macro_rules",
    "",
    " ",
    "  leading",
    "trailing ",
    "Option",
    "Result",
    "String",
    "Vec",
    "Box",
    "Some",
    "None",
    "Ok",
    "Err",
    "std",
    "core",
    "serde",
    "Client",
    "Error",
    "UnknownValue",
    "UnknownVariant",
    "Other",
    "Default",
    "Value",
    "new",
    "builder",
    "login",
    "fmt",
    "clone",
    "core",
    "from_core",
    "body",
    "params",
    "0",
    "123",
    "1abc",
    "-1",
    "1.5",
    "1_000",
    "-",
    "--",
    "a-b",
    "a.b",
    "a/b",
    "a~b",
    "~0",
    "~1",
    "%",
    "%zz",
    "%e9",
    "a%aé",
    "$",
    "$ref",
    "@type",
    "#",
    "#/",
    "{",
    "}",
    "{id}",
    "{}",
    "a{b}c",
    "`",
    "``",
    "\"",
    "'",
    "\\",
    "\n",
    "a\nb",
    "\t",
    "\r\n",
    "*/",
    "/*",
    "///",
    "//!",
    "#[doc]",
    "#![deny(warnings)]",
    "<p>",
    "&#58;",
    "[a](b)",
    "ñandú",
    "日本語",
    "Ünïcödé",
    "😀",
    "🦀🦀",
    "\u{200b}",
    "e\u{301}",
    "\u{202e}abc",
    "\u{0}",
    "\u{feff}x",
    "ǝ",
    "Ǝ",
    "ß",
    "İ",
    "ﬁ",
    "fooBar",
    "foo_bar",
    "FooBar",
    "foo-bar",
    "FOO_BAR",
    "foo__bar",
    "Foo1",
    "foo1",
    "foo_1",
    "1.3",
    "13",
    "1_3",
    "ID",
    "Id",
    "id",
    "iD",
    "x-y",
    "X-API-Version",
    "Content-Type",
    "Accept",
    "Authorization",
    "null",
    "true",
    "false",
    "NaN",
    "inf",
    "Params",
    "Response",
    "Body",
    "Item",
    "Variant1",
    "types",
    "client",
    "mod",
    "runtime",
];

/// Characters for names made up on the spot.
const ODD_CHARS: &[char] = &[
    'a', 'b', 'Z', '0', '9', '_', '-', '.', ' ', '/', '{', '}', '~', '%', '`', '"', '\\', '\n', 'é', '日', '😀',
    '\u{200b}', 'ǝ', 'ß', '$', '#', '[', ']', '<', '>', '&', '*', ':',
];

/// An odd name: from [`ODD_NAMES`], made up of [`ODD_CHARS`], or thousands of characters long.
pub(super) fn odd_name(rng: &mut Rng) -> String {
    match rng.below(10) {
        0 => {
            let c = *rng.pick(&['x', 'a', 'é', '9', '_', '{', '😀', 'Z']);
            let n = if rng.chance(1, 4) { 10_000 } else { 1000 };
            std::iter::repeat_n(c, n).collect()
        }
        1..=3 => (0..rng.range(1, 24)).map(|_| *rng.pick(ODD_CHARS)).collect(),
        _ => (*rng.pick(ODD_NAMES)).to_owned(),
    }
}

/// A number at or past a limit: `u64::MAX`, `i64::MIN`, `1e308`, subnormal, `-0.0`, 2^53 + 1, …
pub(super) fn huge_number(rng: &mut Rng) -> Value {
    match rng.below(14) {
        0 => json!(u64::MAX),
        1 => json!(i64::MIN),
        2 => json!(i64::MAX),
        3 => json!(1e308),
        4 => json!(-1.7976931348623157e308),
        5 => json!(5e-324),
        6 => json!(0.1),
        7 => json!(-0.0),
        8 => json!((1u64 << 53) + 1),
        9 => json!(4_294_967_296u64),
        10 => json!(-1),
        11 => json!(0),
        12 => json!(1.5),
        _ => json!(65536),
    }
}

/// `null`, a boolean, a number or an odd name.
pub(super) fn random_scalar(rng: &mut Rng) -> Value {
    match rng.below(6) {
        0 => Value::Null,
        1 => Value::Bool(rng.chance(1, 2)),
        2 => huge_number(rng),
        3 => json!(rng.below(1000)),
        _ => Value::String(odd_name(rng)),
    }
}

/// Any JSON value up to `depth` levels deep, with object keys OpenAPI gives meaning to.
pub(super) fn random_value(rng: &mut Rng, depth: usize) -> Value {
    if depth == 0 || rng.chance(1, 2) {
        return random_scalar(rng);
    }
    if rng.chance(1, 2) {
        Value::Array((0..rng.below(4)).map(|_| random_value(rng, depth - 1)).collect())
    } else {
        let mut m = Map::new();
        for _ in 0..rng.below(4) {
            let k = if rng.chance(1, 2) { (*rng.pick(SCHEMA_KEYS)).to_owned() } else { odd_name(rng) };
            m.insert(k, random_value(rng, depth - 1));
        }
        Value::Object(m)
    }
}

/// Keys of a Schema Object, and the extensions the generator reads there.
pub(super) const SCHEMA_KEYS: &[&str] = &[
    "type",
    "format",
    "items",
    "properties",
    "required",
    "allOf",
    "oneOf",
    "anyOf",
    "not",
    "enum",
    "nullable",
    "discriminator",
    "xml",
    "$ref",
    "additionalProperties",
    "default",
    "description",
    "title",
    "readOnly",
    "writeOnly",
    "example",
    "deprecated",
    "x-secret",
    "minimum",
    "maximum",
    "maxLength",
    "pattern",
    "x-enumDescriptions",
];

/// Keys of the other OpenAPI objects.
pub(super) const OTHER_KEYS: &[&str] = &[
    "parameters",
    "requestBody",
    "responses",
    "content",
    "schema",
    "headers",
    "operationId",
    "tags",
    "security",
    "name",
    "in",
    "required",
    "x-pagination",
    "x-session-header",
    "x-doc-page",
    "servers",
    "summary",
    "callbacks",
    "links",
    "components",
    "paths",
    "openapi",
    "info",
    "schemas",
    "mapping",
    "propertyName",
];

pub(super) fn simple_schema(rng: &mut Rng) -> Value {
    match rng.below(16) {
        0 => json!({"type": "string"}),
        1 => json!({"type": "integer", "format": "int32"}),
        2 => json!({"type": "string", "format": odd_name(rng)}),
        3 => json!({"type": "array", "items": {"type": "string"}}),
        4 => json!({"type": "object", "additionalProperties": true}),
        5 => json!({"type": "boolean"}),
        6 => json!({"enum": [odd_name(rng), odd_name(rng)]}),
        7 => json!({}),
        8 => json!(true),
        9 => json!({"type": "null"}),
        10 => json!({"type": ["string", "null"]}),
        11 => json!({"type": "string", "default": random_scalar(rng)}),
        12 => json!({"type": "object", "properties": {odd_name(rng): {"type": "string"}}, "required": [odd_name(rng)]}),
        13 => {
            json!({"type": "string", "format": *rng.pick(&["uuid", "date-time", "date", "password", "binary", "byte"])})
        }
        14 => json!({"type": "number", "format": *rng.pick(&["float", "double", "decimal", "int64", "weird"])}),
        _ => {
            json!({"type": "integer", "format": *rng.pick(&["int64", "uint64", "int8", "huge"]), "minimum": huge_number(rng)})
        }
    }
}

/// Every kind of `$ref`: to a component, to any node, to itself or an ancestor (cycles), into
/// `paths`, dangling, external, malformed (bad escapes, bad percent-encoding) and not a string.
pub(super) fn random_ref(doc: &Value, rng: &mut Rng, here: &[Seg]) -> Value {
    let schema_names: Vec<String> = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let s = match rng.below(12) {
        0 | 1 if !schema_names.is_empty() => {
            format!("#/components/schemas/{}", escape(rng.pick::<String>(&schema_names)))
        }
        2 => match pick_node(doc, rng, &any_node) {
            Some(p) => pointer(&p),
            None => "#/".into(),
        },
        3 => pointer(here),
        4 => pointer(&here[..rng.below(here.len().max(1))]),
        5 => format!("#/components/schemas/{}", escape(&odd_name(rng))),
        6 => (*rng.pick(&[
            "other.yaml#/components/schemas/X",
            "https://example.com/api.json#/components/schemas/Pet",
            "./common.json",
            "common.yaml#",
            "file:///etc/passwd",
            "//host/x#/y",
        ]))
        .to_owned(),
        7 => {
            let ops = operations(doc);
            if ops.is_empty() {
                "#/paths".into()
            } else {
                let op = rng.pick(&ops);
                let tail = *rng.pick(&["", "/parameters/0", "/responses/200", "/requestBody", "/responses"]);
                format!("{}{tail}", pointer(op))
            }
        }
        8 => (*rng.pick(&[
            "",
            "#",
            "#/",
            "#x",
            "components/schemas/Pet",
            "#/components/schemas/",
            "#//",
            "#/components//schemas",
            "#/%",
            "#/a%zz",
            "#/%e9",
            "#/%C3%A9",
            "#/%é",
            "#/a%aé",
            "#/%%",
            "#/~2",
            "#/~",
            "#/components/schemas/A~1B",
            "#/日本",
            "#/components/schemas/😀",
            "#/info",
            "#/openapi",
            "#/paths",
            "#/components",
            "#/components/schemas",
            "#/servers/0",
            "#/components/schemas/%41",
            "#/components/schemas/a%2",
            "#/components/schemas/%",
            "#/%ff%fe",
            "#/components/schemas/x%é",
        ]))
        .to_owned(),
        9 => {
            let kind =
                *rng.pick(&["parameters", "responses", "requestBodies", "securitySchemes", "headers", "examples"]);
            let names: Vec<String> = doc
                .get("components")
                .and_then(|c| c.get(kind))
                .and_then(Value::as_object)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            let name = if names.is_empty() { odd_name(rng) } else { rng.pick(&names).clone() };
            format!("#/components/{kind}/{}", escape(&name))
        }
        10 => return random_scalar(rng),
        _ => format!("#{}", odd_name(rng)),
    };
    Value::String(s)
}

/// A path template: a changed existing one, an odd segment, or a broken template.
pub(super) fn odd_path(doc: &Value, rng: &mut Rng) -> String {
    let existing: Vec<String> =
        doc.get("paths").and_then(Value::as_object).map(|m| m.keys().cloned().collect()).unwrap_or_default();
    match rng.below(4) {
        0 if !existing.is_empty() => {
            let base = rng.pick(&existing).clone();
            match rng.below(4) {
                0 => format!("{base}/{{{}}}", odd_name(rng)),
                1 => base.replace(['{', '}'], ""),
                2 => base.replacen('}', "", 1),
                _ => format!("{base}/{}", odd_name(rng)),
            }
        }
        1 => format!("/{}", odd_name(rng)),
        _ => (*rng.pick(&[
            "/a/{id}",
            "/{a}{b}",
            "/{}",
            "/{ }",
            "",
            "a",
            "no-slash/{x}",
            "/a/{id}/{id}",
            "/{a/b}",
            "/ü/{ü}",
            "/{1}",
            "/{type}",
            "/{self}",
            "/{",
            "/}",
            "/{{x}}",
            "/a}{b",
            "/a/{id",
            "/%7Bid%7D",
            "/x/{x-y}",
            "/x/{X}",
            "//",
            "/.",
            "/`",
            "/\"q\"",
            "/<b>",
            "/{日本}",
            "/{a}/{A}",
            "/{_}",
            "/{Self}",
            "/ {x} ",
            "/{x}.json",
            "/{x}{x}",
        ]))
        .to_owned(),
    }
}

/// A parameter for the operation at `op`: its name a placeholder of the path, a header the
/// client sets, or odd; in any location, valid or not; with a schema, a `content` or neither.
pub(super) fn random_param(doc: &Value, rng: &mut Rng, op: &[Seg]) -> Value {
    let path = match op.get(1) {
        Some(Seg::K(p)) => p.clone(),
        _ => String::new(),
    };
    let placeholders: Vec<String> =
        path.split('{').skip(1).filter_map(|s| s.split('}').next()).map(str::to_owned).collect();
    let name = match rng.below(5) {
        0 if !placeholders.is_empty() => Value::String(rng.pick(&placeholders).clone()),
        1 => Value::String(
            (*rng.pick(&["Accept", "x-api-version", "limit", "skip", "offset", "body", "params", "Content-Type"]))
                .to_owned(),
        ),
        2 if rng.chance(1, 4) => random_scalar(rng),
        _ => Value::String(odd_name(rng)),
    };
    let location: Value = match rng.below(10) {
        0..=2 => "path".into(),
        3..=4 => "query".into(),
        5..=6 => "header".into(),
        7 => "cookie".into(),
        8 => (*rng.pick(&["body", "formData", "", "Query"])).into(),
        _ => random_scalar(rng),
    };
    let mut p = json!({ "name": name, "in": location });
    if rng.chance(1, 2) {
        p["required"] = if rng.chance(4, 5) { Value::Bool(rng.chance(1, 2)) } else { random_scalar(rng) };
    }
    match rng.below(6) {
        0 => {}
        1 => p["content"] = json!({"application/json": {"schema": simple_schema(rng)}}),
        2 => p["schema"] = random_ref(doc, rng, op),
        3 => p["schema"] = json!({"type": "string", "default": random_scalar(rng)}),
        _ => p["schema"] = simple_schema(rng),
    }
    if rng.chance(1, 4) {
        p["description"] = Value::String(odd_name(rng));
    }
    p
}
