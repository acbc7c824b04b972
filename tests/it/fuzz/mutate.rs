//! Mutations of a document's value tree: one [`Mutation`] per kind of damage, one function
//! each. A mutation picks where to act with the case's [`Rng`], changes the tree and says what
//! it did (for the case's log), or returns `None` when the document has nothing it applies
//! to (no operations, no schema with properties), and another one is drawn.

use serde_json::{json, Map, Value};

use super::odd::{
    huge_number, odd_name, odd_path, random_param, random_ref, random_scalar, random_value, simple_schema, OTHER_KEYS,
    SCHEMA_KEYS,
};
use super::rng::Rng;
use super::tree::{
    any_node, child_count, count_nodes, ensure_object, escape, insert, max_depth, node, node_mut, operations,
    pick_node, pointer, remove_node, rename_key, rewrite_refs, schema_node, set, Seg,
};

/// What happened to a case, one line per step, for its report.
pub(super) type Log = Vec<String>;

/// The kinds of damage done to a document's tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Mutation {
    DeleteNode,
    ChangeType,
    AddRef,
    DuplicateOperationId,
    OddName,
    DeepNesting,
    Splice,
    Enum,
    Discriminator,
    Wrap,
    Nullable,
    Xml,
    HugeNumber,
    VendorExtension,
    Docs,
    MediaType,
    AddParameter,
    AddPath,
    AddSecurity,
    ReplaceServers,
    InsertKey,
    TypeAndFormat,
    RequiredList,
    AddResponse,
    CopyNode,
}

impl Mutation {
    /// Every mutation with its weight: the ones most likely to reach new code come up most.
    /// The order is part of what a (seed, iteration) pair means: reordering changes every case.
    const WEIGHTED: [(usize, Mutation); 25] = [
        (6, Mutation::DeleteNode),
        (6, Mutation::ChangeType),
        (8, Mutation::AddRef),
        (3, Mutation::DuplicateOperationId),
        (8, Mutation::OddName),
        (3, Mutation::DeepNesting),
        (6, Mutation::Splice),
        (4, Mutation::Enum),
        (4, Mutation::Discriminator),
        (5, Mutation::Wrap),
        (3, Mutation::Nullable),
        (4, Mutation::Xml),
        (3, Mutation::HugeNumber),
        (4, Mutation::VendorExtension),
        (2, Mutation::Docs),
        (3, Mutation::MediaType),
        (5, Mutation::AddParameter),
        (4, Mutation::AddPath),
        (2, Mutation::AddSecurity),
        (2, Mutation::ReplaceServers),
        (5, Mutation::InsertKey),
        (3, Mutation::TypeAndFormat),
        (3, Mutation::RequiredList),
        (4, Mutation::AddResponse),
        (2, Mutation::CopyNode),
    ];

    /// One mutation, drawn by weight.
    fn pick(rng: &mut Rng) -> Mutation {
        let total: usize = Self::WEIGHTED.iter().map(|(w, _)| w).sum();
        let mut r = rng.below(total);
        for (w, m) in Self::WEIGHTED {
            if r < w {
                return m;
            }
            r -= w;
        }
        unreachable!("r < total")
    }

    /// The mutation's name in a case's log.
    pub(super) fn name(self) -> &'static str {
        match self {
            Mutation::DeleteNode => "delete",
            Mutation::ChangeType => "retype",
            Mutation::AddRef => "ref",
            Mutation::DuplicateOperationId => "dup-operation-id",
            Mutation::OddName => "odd-name",
            Mutation::DeepNesting => "deep",
            Mutation::Splice => "splice",
            Mutation::Enum => "enum",
            Mutation::Discriminator => "discriminator",
            Mutation::Wrap => "wrap",
            Mutation::Nullable => "nullable",
            Mutation::Xml => "xml",
            Mutation::HugeNumber => "huge-number",
            Mutation::VendorExtension => "vendor",
            Mutation::Docs => "docs",
            Mutation::MediaType => "media",
            Mutation::AddParameter => "parameter",
            Mutation::AddPath => "path",
            Mutation::AddSecurity => "security",
            Mutation::ReplaceServers => "servers",
            Mutation::InsertKey => "insert-key",
            Mutation::TypeAndFormat => "format",
            Mutation::RequiredList => "required",
            Mutation::AddResponse => "response",
            Mutation::CopyNode => "copy",
        }
    }

    /// Applies the mutation to `doc`; says what it did, or `None` if it found nothing to act on.
    /// `donors` are subtrees of every seed document, for [`Mutation::Splice`].
    pub(super) fn apply(self, doc: &mut Value, rng: &mut Rng, donors: &[Value]) -> Option<String> {
        match self {
            Mutation::DeleteNode => delete_node(doc, rng),
            Mutation::ChangeType => change_type(doc, rng),
            Mutation::AddRef => add_ref(doc, rng),
            Mutation::DuplicateOperationId => duplicate_operation_id(doc, rng),
            Mutation::OddName => rename_to_odd_name(doc, rng),
            Mutation::DeepNesting => deep_nesting(doc, rng),
            Mutation::Splice => splice(doc, rng, donors),
            Mutation::Enum => enum_values(doc, rng),
            Mutation::Discriminator => discriminator(doc, rng),
            Mutation::Wrap => wrap(doc, rng),
            Mutation::Nullable => nullable(doc, rng),
            Mutation::Xml => xml(doc, rng),
            Mutation::HugeNumber => set_huge_number(doc, rng),
            Mutation::VendorExtension => vendor_extension(doc, rng),
            Mutation::Docs => docs(doc, rng),
            Mutation::MediaType => media_type(doc, rng),
            Mutation::AddParameter => add_parameter(doc, rng),
            Mutation::AddPath => add_path(doc, rng),
            Mutation::AddSecurity => add_security(doc, rng),
            Mutation::ReplaceServers => replace_servers(doc, rng),
            Mutation::InsertKey => insert_key(doc, rng),
            Mutation::TypeAndFormat => type_and_format(doc, rng),
            Mutation::RequiredList => required_list(doc, rng),
            Mutation::AddResponse => add_response(doc, rng),
            Mutation::CopyNode => copy_node(doc, rng),
        }
    }
}

/// Applies one mutation drawn by weight, drawing again (up to eight times) while the drawn one
/// finds nothing to act on, and logs it.
pub(super) fn mutate(doc: &mut Value, rng: &mut Rng, donors: &[Value], log: &mut Log) {
    for _attempt in 0..8 {
        let mutation = Mutation::pick(rng);
        if let Some(what) = mutation.apply(doc, rng, donors) {
            log.push(format!("{}: {what}", mutation.name()));
            return;
        }
    }
}

/// A value as JSON, cut to 80 characters, for the log.
fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 80 {
        format!("{}…", s.chars().take(80).collect::<String>())
    } else {
        s
    }
}

/// Removes any node.
fn delete_node(doc: &mut Value, rng: &mut Rng) -> Option<String> {
    let p = pick_node(doc, rng, &any_node)?;
    remove_node(doc, &p)?;
    Some(pointer(&p))
}

/// Replaces any node by a value of another type: a number for a string, a list of an object's
/// values, an object of a list's items, a huge number, a boolean, `null`, an odd string.
fn change_type(doc: &mut Value, rng: &mut Rng) -> Option<String> {
    let p = pick_node(doc, rng, &any_node)?;
    let old = node(doc, &p)?.clone();
    let new = match (rng.below(7), &old) {
        (0, Value::String(s)) => {
            s.parse::<f64>().ok().and_then(serde_json::Number::from_f64).map(Value::Number).unwrap_or(json!(s.len()))
        }
        (0, v) => Value::String(match v {
            Value::Null => "null".into(),
            v => v.to_string(),
        }),
        (1, _) => huge_number(rng),
        (2, _) => Value::Bool(rng.chance(1, 2)),
        (3, _) => Value::Null,
        (4, Value::Object(m)) => Value::Array(m.values().cloned().collect()),
        (4, v) => json!([v]),
        (5, Value::Array(a)) => Value::Object(a.iter().enumerate().map(|(i, x)| (i.to_string(), x.clone())).collect()),
        (5, v) => json!({ "value": v }),
        _ => Value::String(odd_name(rng)),
    };
    let what = format!("{} := {}", pointer(&p), short(&new));
    set(doc, &p, new);
    Some(what)
}

/// Turns a node (a schema, mostly) into a `$ref` of any kind (see [`random_ref`]), or puts
/// one beside its keys.
fn add_ref(doc: &mut Value, rng: &mut Rng) -> Option<String> {
    let p = if rng.chance(7, 10) { pick_node(doc, rng, &schema_node) } else { None }
        .or_else(|| pick_node(doc, rng, &any_node))?;
    let r = random_ref(doc, rng, &p);
    let what = format!("{} := $ref {}", pointer(&p), short(&r));
    match node_mut(doc, &p)? {
        // `$ref` next to other keys: OpenAPI 3.0 says the siblings are ignored.
        Value::Object(m) if rng.chance(1, 3) => {
            m.insert("$ref".into(), r);
        }
        n => *n = json!({ "$ref": r }),
    }
    Some(what)
}

/// Gives an operation the operationId of another (or one that collides after case
/// conversion), a name the generated client uses itself, or an odd one.
fn duplicate_operation_id(doc: &mut Value, rng: &mut Rng) -> Option<String> {
    let ops = operations(doc);
    if ops.is_empty() {
        return None;
    }
    let a = rng.pick(&ops).clone();
    let other_id =
        ops.iter().filter_map(|o| node(doc, o)?.get("operationId")?.as_str().map(str::to_owned)).collect::<Vec<_>>();
    let id: Value = match rng.below(6) {
        0 | 1 if !other_id.is_empty() => {
            let base = rng.pick(&other_id).clone();
            // The same id, or one that collides after case conversion.
            Value::String(match rng.below(4) {
                0 => base,
                1 => heck_like_snake(&base),
                2 => base.to_uppercase(),
                _ => format!("{base} "),
            })
        }
        2 => Value::String(
            (*rng.pick(&[
                "new",
                "builder",
                "login",
                "clone",
                "fmt",
                "core",
                "from_core",
                "forget_tokens",
                "set_bearer_token",
                "set_basic_auth",
                "with_format",
            ]))
            .into(),
        ),
        3 => random_scalar(rng),
        _ => Value::String(odd_name(rng)),
    };
    let what = format!("{}/operationId := {}", pointer(&a), short(&id));
    insert(doc, &a, "operationId", id);
    Some(what)
}

/// `getPetById` → `get_pet_by_id`, to make an operationId that collides after case conversion.
fn heck_like_snake(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// Renames a key of a map whose keys become names (schemas, properties, paths, …), or sets a
/// string that becomes one (an operationId, a parameter name, an enum value) to an odd name.
fn rename_to_odd_name(doc: &mut Value, rng: &mut Rng) -> Option<String> {
    let maps = |p: &[Seg], v: &Value| {
        v.is_object()
            && matches!(p.last(), Some(Seg::K(k)) if ["schemas", "properties", "paths", "responses", "content", "securitySchemes", "parameters", "mapping", "variables", "x-enumDescriptions", "headers"].contains(&k.as_str()))
            && child_count(v) > 0
    };
    if rng.chance(2, 3) {
        let p = pick_node(doc, rng, &maps)?;
        let m = node(doc, &p)?.as_object()?;
        let keys: Vec<String> = m.keys().cloned().collect();
        let old = rng.pick(&keys).clone();
        let new = if matches!(p.last(), Some(Seg::K(k)) if k == "paths") { odd_path(doc, rng) } else { odd_name(rng) };
        let is_schema = p.len() == 2 && p[0] == Seg::K("components".into()) && p[1] == Seg::K("schemas".into());
        if let Some(Value::Object(m)) = node_mut(doc, &p) {
            rename_key(m, &old, &new);
        }
        if is_schema && rng.chance(1, 2) {
            rewrite_refs(
                doc,
                &format!("#/components/schemas/{}", escape(&old)),
                &format!("#/components/schemas/{}", escape(&new)),
            );
        }
        Some(format!("{}: key {old:?} -> {}", pointer(&p), short(&Value::String(new))))
    } else {
        let names = |p: &[Seg], v: &Value| {
            v.is_string()
                && matches!(p, [.., Seg::K(k)] if ["operationId", "name", "title", "propertyName", "tags"].contains(&k.as_str()))
                || matches!(p, [.., Seg::K(k), Seg::I(_)] if k == "enum" || k == "required" || k == "tags")
        };
        let p = pick_node(doc, rng, &names)?;
        let new = Value::String(odd_name(rng));
        let what = format!("{} := {}", pointer(&p), short(&new));
        set(doc, &p, new);
        Some(what)
    }
}

/// Nests a schema a few, dozens or a couple of hundred levels deep, in arrays, objects,
/// `allOf`, `oneOf`, maps, `anyOf`, or all of them in turn (capped by `FUZZ_MAX_DEPTH`).
fn deep_nesting(doc: &mut Value, rng: &mut Rng) -> Option<String> {
    let p = pick_node(doc, rng, &schema_node)?;
    let depth = match rng.below(10) {
        0..=5 => rng.range(1, 8),
        6..=8 => rng.range(20, 60),
        _ => rng.range(100, 200),
    }
    .min(max_depth().saturating_sub(p.len()).max(1));
    let kind = rng.below(7);
    let mut v = node(doc, &p)?.clone();
    for level in 0..depth {
        let k = if kind == 6 { (level * 7 + depth) % 6 } else { kind };
        v = match k {
            0 => json!({"type": "array", "items": v}),
            1 => json!({"type": "object", "properties": {"p": v}}),
            2 => json!({"allOf": [v]}),
            3 => json!({"oneOf": [v, {"type": "null"}]}),
            4 => json!({"type": "object", "additionalProperties": v}),
            _ => json!({"anyOf": [v, {"type": "string"}]}),
        };
    }
    set(doc, &p, v);
    Some(format!("{} nested {depth} levels (kind {kind})", pointer(&p)))
}

/// Puts a subtree of another document (a schema, an operation, a parameter, a response) in
/// place of any node, or adds it as a new component schema, references and all.
fn splice(doc: &mut Value, rng: &mut Rng, donors: &[Value]) -> Option<String> {
    let p = pick_node(doc, rng, &any_node)?;
    if donors.is_empty() {
        return None;
    }
    let donor = rng.pick(donors).clone();
    if rng.chance(1, 4) {
        // As a new component schema, references and all.
        let name = if rng.chance(1, 2) { odd_name(rng) } else { format!("Spliced{}", rng.below(100)) };
        let comps = ensure_object(doc, "components");
        if !comps.get("schemas").is_some_and(Value::is_object) {
            comps.insert("schemas".into(), Value::Object(Map::new()));
        }
        comps["schemas"].as_object_mut().unwrap().insert(name.clone(), donor.clone());
        return Some(format!("components/schemas/{name:?} := {}", short(&donor)));
    }
    let what = format!("{} := {}", pointer(&p), short(&donor));
    set(doc, &p, donor);
    Some(what)
}

/// Replaces any node by a copy of another node of the same document.
fn copy_node(doc: &mut Value, rng: &mut Rng) -> Option<String> {
    let a = pick_node(doc, rng, &any_node)?;
    let b = pick_node(doc, rng, &any_node)?;
    let v = node(doc, &b)?.clone();
    if count_nodes(&v) > 20_000 {
        return None;
    }
    set(doc, &a, v);
    Some(format!("{} := copy of {}", pointer(&a), pointer(&b)))
}

/// Gives a schema an `enum`: empty, values that collide as identifiers, duplicates, mixed
/// types, hundreds of values, huge numbers, odd names, or not a list at all; with a `type`
/// that may not fit, or `x-enumDescriptions`.
fn enum_values(doc: &mut Value, rng: &mut Rng) -> Option<String> {
    let p = pick_node(doc, rng, &schema_node)?;
    let values: Vec<Value> = match rng.below(8) {
        0 => vec![],
        1 => vec![json!("a"), json!("A"), json!("a_"), json!("-"), json!(""), json!("_a"), json!("a-")],
        2 => vec![json!("x"), json!("x"), json!(null)],
        3 => vec![json!(1), json!("1"), json!(true), json!(null), json!({"a": 1}), json!([1])],
        4 => (0..rng.range(1, 300)).map(|i| json!(format!("v{i}"))).collect(),
        5 => vec![json!(null)],
        6 => vec![huge_number(rng), huge_number(rng)],
        _ => (0..rng.range(1, 8))
            .map(|_| if rng.chance(4, 5) { Value::String(odd_name(rng)) } else { random_scalar(rng) })
            .collect(),
    };
    let enum_value = if rng.chance(1, 12) { random_scalar(rng) } else { Value::Array(values) };
    let ty = rng.below(6);
    let what = format!("{} enum := {}", pointer(&p), short(&enum_value));
    let n = node_mut(doc, &p)?.as_object_mut()?;
    n.insert("enum".into(), enum_value.clone());
    match ty {
        0 => {
            n.insert("type".into(), json!("string"));
        }
        1 => {
            n.insert("type".into(), json!("integer"));
        }
        2 => {
            n.shift_remove("type");
        }
        3 => {
            let mut d = Map::new();
            if let Some(a) = enum_value.as_array() {
                for v in a.iter().filter_map(Value::as_str) {
                    d.insert(
                        v.to_owned(),
                        if rng.chance(3, 4) { Value::String(odd_name(rng)) } else { random_scalar(rng) },
                    );
                }
            }
            n.insert("x-enumDescriptions".into(), Value::Object(d));
        }
        _ => {}
    }
    Some(what)
}

/// Gives a schema a `discriminator` whose property and mapping may name nothing, another
/// schema, a bare name or not a string, often with `oneOf`/`anyOf` alternatives.
fn discriminator(doc: &mut Value, rng: &mut Rng) -> Option<String> {
    let p = pick_node(doc, rng, &schema_node)?;
    let schema_names: Vec<String> = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let mut mapping = Map::new();
    for _ in 0..rng.below(5) {
        let target = match rng.below(7) {
            0 => json!("#/components/schemas/Nowhere"),
            1 if !schema_names.is_empty() => Value::String(rng.pick(&schema_names).clone()),
            2 if !schema_names.is_empty() => {
                Value::String(format!("#/components/schemas/{}", escape(rng.pick::<String>(&schema_names))))
            }
            3 => random_ref(doc, rng, &p),
            4 => random_scalar(rng),
            _ => Value::String(odd_name(rng)),
        };
        mapping.insert(odd_name(rng), target);
    }
    let prop = match rng.below(4) {
        0 => node(doc, &p)
            .and_then(|v| v.get("properties"))
            .and_then(Value::as_object)
            .and_then(|m| m.keys().next().cloned())
            .map(Value::String)
            .unwrap_or(json!("type")),
        1 => random_scalar(rng),
        _ => Value::String(odd_name(rng)),
    };
    let mut d = json!({ "propertyName": prop });
    if rng.chance(3, 4) {
        d["mapping"] = if rng.chance(1, 10) { random_scalar(rng) } else { Value::Object(mapping) };
    }
    let with_one_of = rng.chance(1, 2);
    let alts: Vec<Value> = (0..rng.below(4))
        .map(|_| {
            if !schema_names.is_empty() && rng.chance(2, 3) {
                json!({"$ref": format!("#/components/schemas/{}", escape(rng.pick::<String>(&schema_names)))})
            } else {
                simple_schema(rng)
            }
        })
        .collect();
    let what = format!("{} discriminator := {}", pointer(&p), short(&d));
    let n = node_mut(doc, &p)?.as_object_mut()?;
    n.insert("discriminator".into(), d);
    if with_one_of {
        n.insert((*rng.pick(&["oneOf", "anyOf"])).into(), Value::Array(alts));
    }
    Some(what)
}

/// Wraps a schema in `oneOf`, `anyOf`, `allOf` (empty, itself twice, with `null`, with a
/// `$ref`, not a list) or `not`, alone or beside the schema's own keys.
fn wrap(doc: &mut Value, rng: &mut Rng) -> Option<String> {
    let p = pick_node(doc, rng, &schema_node)?;
    let s = node(doc, &p)?.clone();
    let key = *rng.pick(&["oneOf", "anyOf", "allOf", "not"]);
    let new = if key == "not" {
        json!({ "not": s })
    } else {
        let list = match rng.below(8) {
            0 => json!([]),
            1 => json!([s]),
            2 => json!([s, {"type": "null"}]),
            3 => json!([s, s]),
            4 => json!([{"nullable": true}]),
            5 => random_scalar(rng),
            6 => json!([s, simple_schema(rng), random_ref(doc, rng, &p)]),
            _ => json!([s, {"type": "object", "properties": {"extra": {"type": "string"}}}]),
        };
        if rng.chance(1, 3) {
            // Next to the schema's own keys (Veeam's parents: properties + oneOf).
            let mut m = s.as_object().cloned().unwrap_or_default();
            m.insert(key.into(), list);
            Value::Object(m)
        } else {
            json!({ key: list })
        }
    };
    let what = format!("{} wrapped in {key}", pointer(&p));
    set(doc, &p, new);
    Some(what)
}

/// Sets a schema's `nullable` to a boolean, or to something that is not one.
fn nullable(doc: &mut Value, rng: &mut Rng) -> Option<String> {
    let p = pick_node(doc, rng, &schema_node)?;
    let v = match rng.below(6) {
        0..=2 => json!(true),
        3 => json!(false),
        _ => random_scalar(rng),
    };
    let what = format!("{} nullable := {v}", pointer(&p));
    insert(doc, &p, "nullable", v);
    Some(what)
}

/// Offers a body as XML too (so XML code is emitted for it), or gives a schema an `xml`
/// object with odd names, namespaces, prefixes and flags.
fn xml(doc: &mut Value, rng: &mut Rng) -> Option<String> {
    if rng.chance(1, 3) {
        // Offer a JSON body as XML too, so XML code is emitted for it.
        let p = pick_node(doc, rng, &|p, v| {
            matches!(p.last(), Some(Seg::K(k)) if k == "content") && v.is_object() && child_count(v) > 0
        })?;
        let m = node_mut(doc, &p)?.as_object_mut()?;
        let first = m.values().next()?.clone();
        let mime = *rng.pick(&["application/xml", "text/xml", "application/atom+xml"]);
        if rng.chance(1, 2) {
            let k = m.keys().next()?.clone();
            rename_key(m, &k, mime);
        } else {
            m.insert(mime.into(), first);
        }
        return Some(format!("{}: + {mime}", pointer(&p)));
    }
    let p = pick_node(doc, rng, &schema_node)?;
    let mut x = Map::new();
    for key in ["name", "namespace", "prefix", "attribute", "wrapped"] {
        if rng.chance(1, 2) {
            let v = match key {
                "attribute" | "wrapped" if rng.chance(3, 4) => Value::Bool(rng.chance(1, 2)),
                "namespace" if rng.chance(1, 2) => json!("http://www.veeam.com/ent/v1.0"),
                _ => {
                    if rng.chance(3, 4) {
                        Value::String(odd_name(rng))
                    } else {
                        random_scalar(rng)
                    }
                }
            };
            x.insert(key.into(), v);
        }
    }
    let x = if rng.chance(1, 10) { random_scalar(rng) } else { Value::Object(x) };
    let what = format!("{} xml := {}", pointer(&p), short(&x));
    insert(doc, &p, "xml", x);
    Some(what)
}

/// Replaces a number by a huge, tiny or fractional one, or gives a schema such a bound,
/// default or example.
fn set_huge_number(doc: &mut Value, rng: &mut Rng) -> Option<String> {
    if rng.chance(1, 2) {
        if let Some(p) = pick_node(doc, rng, &|_, v| v.is_number()) {
            let n = huge_number(rng);
            let what = format!("{} := {n}", pointer(&p));
            set(doc, &p, n);
            return Some(what);
        }
    }
    let p = pick_node(doc, rng, &schema_node)?;
    let key = *rng.pick(&[
        "minimum",
        "maximum",
        "default",
        "maxLength",
        "minItems",
        "example",
        "multipleOf",
        "exclusiveMinimum",
    ]);
    let n = huge_number(rng);
    let what = format!("{} {key} := {n}", pointer(&p));
    insert(doc, &p, key, n);
    Some(what)
}

/// Adds a vendor extension the generator reads (`x-pagination` with fields that may name
/// nothing, `x-session-header`, `x-doc-page`, `x-secret`, `x-enumDescriptions`), with odd
/// values.
fn vendor_extension(doc: &mut Value, rng: &mut Rng) -> Option<String> {
    let ops = operations(doc);
    if ops.is_empty() {
        return None;
    }
    let key = *rng.pick(&[
        "x-pagination",
        "x-pagination",
        "x-secret",
        "x-session-header",
        "x-doc-page",
        "x-enumDescriptions",
        "x-enum-descriptions",
    ]);
    let (p, v) = match key {
        "x-pagination" => {
            let op = rng.pick(&ops).clone();
            let params: Vec<String> = node(doc, &op)
                .and_then(|o| o.get("parameters"))
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(|p| p.get("name")?.as_str().map(str::to_owned)).collect())
                .unwrap_or_default();
            let field = |rng: &mut Rng| -> Value {
                match rng.below(6) {
                    0 | 1 if !params.is_empty() => Value::String(rng.pick(&params).clone()),
                    2 => Value::String(
                        (*rng.pick(&["data", "pagination.total", "a.b.c", "", ".", "data.", "skip", "limit"])).into(),
                    ),
                    3 => random_scalar(rng),
                    _ => Value::String(odd_name(rng)),
                }
            };
            let v = json!({
                "offsetParam": field(rng), "limitParam": field(rng), "itemsProperty": field(rng), "totalProperty": field(rng),
            });
            (op, if rng.chance(1, 10) { random_scalar(rng) } else { v })
        }
        "x-session-header" | "x-doc-page" => {
            let op = rng.pick(&ops).clone();
            (op, if rng.chance(3, 4) { Value::String(odd_name(rng)) } else { random_scalar(rng) })
        }
        _ => {
            let p = pick_node(doc, rng, &schema_node)?;
            (p, if key == "x-secret" && rng.chance(1, 2) { json!(true) } else { random_value(rng, 2) })
        }
    };
    let what = format!("{} {key} := {}", pointer(&p), short(&v));
    insert(doc, &p, key, v);
    Some(what)
}

/// Sets a description, summary or title to text that would break generated docs: code
/// blocks, HTML, comment markers, control characters.
fn docs(doc: &mut Value, rng: &mut Rng) -> Option<String> {
    let p = pick_node(doc, rng, &|_, v| v.is_object())?;
    let key = *rng.pick(&["description", "summary", "title"]);
    let text = match rng.below(6) {
        0 => "```\nfn main() { panic!() }\n```".to_owned(),
        1 => "<p>a</p>&#58; [x](y) <http://x> `` ` ``".to_owned(),
        2 => "*/ /* //! #![deny(warnings)] \\ \r\n\t\u{0} \u{feff}".to_owned(),
        3 => "    indented code\n\n```rust\nlet x = 1;".to_owned(),
        _ => odd_name(rng),
    };
    let what = format!("{} {key} := {text:?}", pointer(&p));
    insert(doc, &p, key, Value::String(text));
    Some(what)
}

/// Renames or adds a media type of a body: parameters, wildcards, odd case, empty, unknown.
fn media_type(doc: &mut Value, rng: &mut Rng) -> Option<String> {
    let p = pick_node(doc, rng, &|p, v| {
        matches!(p.last(), Some(Seg::K(k)) if k == "content") && v.is_object() && child_count(v) > 0
    })?;
    let mime = (*rng.pick(&[
        "application/json; charset=utf-8",
        "*/*",
        "text/plain",
        "application/octet-stream",
        "multipart/form-data",
        "application/x-www-form-urlencoded",
        "application/xml",
        "application/vnd.api+json",
        "",
        "ÿ",
        "text/json",
        "application/problem+xml",
        "APPLICATION/JSON",
        "image/png",
        ";",
        "application/json;",
        "text/html",
    ]))
    .to_owned();
    let m = node_mut(doc, &p)?.as_object_mut()?;
    let keys: Vec<String> = m.keys().cloned().collect();
    let k = keys[rng.below(keys.len())].clone();
    if rng.chance(1, 2) {
        rename_key(m, &k, &mime);
    } else {
        let v = m[&k].clone();
        m.insert(mime.clone(), v);
    }
    Some(format!("{}: {k:?} -> {mime:?}", pointer(&p)))
}

/// Adds a parameter to an operation (see [`random_param`]), or a `$ref` in its place.
fn add_parameter(doc: &mut Value, rng: &mut Rng) -> Option<String> {
    let ops = operations(doc);
    if ops.is_empty() {
        return None;
    }
    let op = rng.pick(&ops).clone();
    let param = if rng.chance(1, 6) {
        random_ref(doc, rng, &op).as_str().map(|r| json!({"$ref": r})).unwrap_or(json!(null))
    } else {
        random_param(doc, rng, &op)
    };
    let what = format!("{} + parameter {}", pointer(&op), short(&param));
    let o = node_mut(doc, &op)?.as_object_mut()?;
    match o.get_mut("parameters") {
        Some(Value::Array(a)) => a.insert(rng.below(a.len() + 1), param),
        _ => {
            o.insert("parameters".into(), json!([param]));
        }
    }
    Some(what)
}

/// Adds a path with an odd template (see [`odd_path`]), holding a copy of another path's
/// operations or a plain GET.
fn add_path(doc: &mut Value, rng: &mut Rng) -> Option<String> {
    let path = odd_path(doc, rng);
    let paths = ensure_object(doc, "paths");
    let item = if !paths.is_empty() && rng.chance(3, 4) {
        paths.values().nth(rng.below(paths.len())).unwrap().clone()
    } else {
        json!({ "get": { "responses": { "200": { "description": "ok" } } } })
    };
    let what = format!("paths + {path:?}");
    paths.insert(path, item);
    Some(what)
}

/// Adds a security scheme of any type, well formed or not, and a requirement naming it (or
/// something else) on an operation or the whole document.
fn add_security(doc: &mut Value, rng: &mut Rng) -> Option<String> {
    let scheme = match rng.below(9) {
        0 => json!({"type": "http", "scheme": *rng.pick(&["bearer", "basic", "Digest", "BEARER", ""])}),
        1 => json!({"type": "http", "scheme": random_scalar(rng)}),
        2 => {
            json!({"type": "apiKey", "name": odd_name(rng), "in": *rng.pick(&["header", "query", "cookie", "body"])})
        }
        3 => json!({"type": "oauth2", "flows": {"password": {"tokenUrl": random_scalar(rng)}}}),
        4 => json!({"type": "oauth2", "flows": random_value(rng, 2)}),
        5 => json!({"type": "openIdConnect", "openIdConnectUrl": odd_name(rng)}),
        6 => json!({"type": odd_name(rng)}),
        7 => json!({"$ref": random_ref(doc, rng, &[])}),
        _ => random_value(rng, 2),
    };
    let name = odd_name(rng);
    let req = match rng.below(5) {
        0 => json!([{ name.clone(): [] }]),
        1 => json!([{}]),
        2 => random_value(rng, 2),
        3 => json!([[1]]),
        _ => json!([{ odd_name(rng): ["scope"] }]),
    };
    let what = format!("securitySchemes/{name:?} := {}; security := {}", short(&scheme), short(&req));
    let comps = ensure_object(doc, "components");
    if !comps.get("securitySchemes").is_some_and(Value::is_object) {
        comps.insert("securitySchemes".into(), Value::Object(Map::new()));
    }
    comps["securitySchemes"].as_object_mut().unwrap().insert(name, scheme);
    let ops = operations(doc);
    if !ops.is_empty() && rng.chance(1, 2) {
        let op = rng.pick(&ops).clone();
        insert(doc, &op, "security", req);
    } else if let Some(m) = doc.as_object_mut() {
        m.insert("security".into(), req);
    }
    Some(what)
}

/// Replaces `servers` with odd URLs and variables that refer to each other, sometimes with an
/// odd `info` too.
fn replace_servers(doc: &mut Value, rng: &mut Rng) -> Option<String> {
    let v = match rng.below(6) {
        0 => json!([{"url": odd_name(rng), "variables": {"v": {"default": random_scalar(rng)}}}]),
        1 => json!([]),
        2 => random_scalar(rng),
        3 => {
            json!([{"url": "https://{a}{b}/{a}", "variables": {"a": {"default": "{b}"}, "b": {"default": "{a}"}}}])
        }
        4 => json!([{"url": random_scalar(rng)}]),
        _ => json!([{"url": format!("https://{}/api", odd_name(rng))}]),
    };
    let what = format!("servers := {}", short(&v));
    if let Some(m) = doc.as_object_mut() {
        if rng.chance(1, 3) {
            let info = json!({"title": odd_name(rng), "version": odd_name(rng), "description": odd_name(rng)});
            m.insert("info".into(), info);
        }
        m.insert("servers".into(), v);
    }
    Some(what)
}

/// Adds an OpenAPI key to any object, with a value of a fitting shape or any value.
fn insert_key(doc: &mut Value, rng: &mut Rng) -> Option<String> {
    let p = pick_node(doc, rng, &|_, v| v.is_object())?;
    let key = if rng.chance(2, 3) { *rng.pick(SCHEMA_KEYS) } else { *rng.pick(OTHER_KEYS) };
    let v = match key {
        "$ref" => random_ref(doc, rng, &p),
        "items" | "not" | "additionalProperties" | "schema" => simple_schema(rng),
        "properties" => json!({ odd_name(rng): simple_schema(rng), "b": simple_schema(rng) }),
        "allOf" | "oneOf" | "anyOf" => json!([simple_schema(rng), random_ref(doc, rng, &p)]),
        _ => random_value(rng, 3),
    };
    let what = format!("{} + {key} := {}", pointer(&p), short(&v));
    insert(doc, &p, key, v);
    Some(what)
}

/// Sets a schema's `type` and `format` to any pair, including ones that do not fit together,
/// a 3.1 type list, and formats Veeam uses (`Zip`, `Tar`, `integer`).
fn type_and_format(doc: &mut Value, rng: &mut Rng) -> Option<String> {
    let p = pick_node(doc, rng, &schema_node)?;
    let ty: Value = match rng.below(10) {
        0 => json!(["string", "null"]),
        1 => random_scalar(rng),
        _ => Value::String(
            (*rng.pick(&["string", "integer", "number", "boolean", "array", "object", "null", "file", "String", ""]))
                .into(),
        ),
    };
    let format: Value = if rng.chance(1, 5) {
        random_scalar(rng)
    } else {
        Value::String(
            (*rng.pick(&[
                "uuid",
                "date-time",
                "date",
                "password",
                "binary",
                "byte",
                "int32",
                "int64",
                "float",
                "double",
                "Zip",
                "Tar",
                "integer",
                "uint64",
                "int8",
                "decimal",
                "email",
                "weird",
                "",
                "date-time-offset",
                "time",
            ]))
            .into(),
        )
    };
    let what = format!("{} type := {ty}, format := {format}", pointer(&p));
    let n = node_mut(doc, &p)?.as_object_mut()?;
    n.insert("type".into(), ty);
    if rng.chance(3, 4) {
        n.insert("format".into(), format);
    }
    Some(what)
}

/// Sets the `required` list of a schema with properties to some of them plus names it does
/// not have, or to something that is not a list.
fn required_list(doc: &mut Value, rng: &mut Rng) -> Option<String> {
    let p = pick_node(doc, rng, &|p, v| schema_node(p, v) && v.get("properties").is_some())?;
    let props: Vec<String> = node(doc, &p)?
        .get("properties")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let mut req: Vec<Value> = props.iter().filter(|_| rng.chance(1, 2)).map(|k| Value::String(k.clone())).collect();
    for _ in 0..rng.below(3) {
        req.push(if rng.chance(2, 3) { Value::String(odd_name(rng)) } else { random_scalar(rng) });
    }
    let v = if rng.chance(1, 10) { random_scalar(rng) } else { Value::Array(req) };
    let what = format!("{} required := {}", pointer(&p), short(&v));
    insert(doc, &p, "required", v);
    Some(what)
}

/// Adds a response under any status key, valid or not (`2XX`, `99999`, `20O`), of any shape:
/// no body, typed bodies, an empty media type, headers, binary beside JSON, or not a
/// response; or replaces `responses` altogether.
fn add_response(doc: &mut Value, rng: &mut Rng) -> Option<String> {
    let ops = operations(doc);
    if ops.is_empty() {
        return None;
    }
    let op = rng.pick(&ops).clone();
    let code = (*rng.pick(&[
        "200", "201", "204", "2XX", "2xx", "default", "400", "4XX", "5XX", "99999", "0", "-1", "20O", "1e3", "299",
        "300", "200 ", "+200",
    ]))
    .to_owned();
    let resp = match rng.below(7) {
        0 => json!({"description": "ok"}),
        1 => json!({"description": "ok", "content": {"application/json": {"schema": simple_schema(rng)}}}),
        2 => json!({"$ref": random_ref(doc, rng, &op)}),
        3 => json!({"description": "ok", "content": {"application/json": {}}}),
        4 => {
            json!({"description": "ok", "headers": {odd_name(rng): {"schema": {"type": "string"}}}, "content": {"text/plain": {"schema": {"type": "string"}}}})
        }
        5 => random_value(rng, 2),
        _ => {
            json!({"description": odd_name(rng), "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}, "application/json": {"schema": simple_schema(rng)}}})
        }
    };
    let what = format!("{} responses/{code:?} := {}", pointer(&op), short(&resp));
    let o = node_mut(doc, &op)?.as_object_mut()?;
    if rng.chance(1, 8) {
        o.insert("responses".into(), random_value(rng, 2));
    } else {
        match o.get_mut("responses") {
            Some(Value::Object(r)) => {
                r.insert(code, resp);
            }
            _ => {
                o.insert("responses".into(), json!({ code: resp }));
            }
        }
    }
    Some(what)
}

#[test]
fn every_mutation_is_drawn_by_its_weight_and_logs_its_name() {
    let mut seen = std::collections::BTreeSet::new();
    for (_, m) in Mutation::WEIGHTED {
        assert!(seen.insert(m.name()), "{m:?} has the name of another mutation");
    }
    let mut rng = Rng::new(1);
    let mut counts = std::collections::BTreeMap::new();
    for _ in 0..10_000 {
        *counts.entry(Mutation::pick(&mut rng).name()).or_insert(0) += 1;
    }
    assert_eq!(counts.len(), Mutation::WEIGHTED.len(), "some mutation is never drawn: {counts:?}");
}
