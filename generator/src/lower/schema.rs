//! Schemas → types. Each arm of the shape match says which spec shape it handles.

use indexmap::IndexMap;
use serde_json::Value;
use std::collections::HashSet;

use super::Lowerer;
use crate::diag::push_pointer;
use crate::docs::doc_lines;
use crate::ir::{EnumVariant, Field, Ty, TypeDef, TypeId, TypeKind, Union, UnionVariant, Xml};
use crate::naming::{camel_ident, snake_ident, unraw, Scope};

/// String formats that are plain strings on the Rust side without losing anything.
const PLAIN_STRING_FORMATS: &[&str] = &[
    "",
    "byte",
    "binary",
    "email",
    "idn-email",
    "uri",
    "url",
    "uri-reference",
    "iri",
    "iri-reference",
    "uri-template",
    "hostname",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "ip",
    "time",
    "duration",
    "regex",
    "json-pointer",
    "relative-json-pointer",
    "int64",
    "int32",
    "decimal",
    "double",
    "float",
    "base64",
    "char",
    "string",
    "text",
    "html",
    "markdown",
    "phone",
    "ip-address",
    "mac-address",
    "cidr",
    "hex",
    "jwt",
    "sha256",
    "semver",
    "tag",
    "mime-type",
];

/// What a schema lowers to before it is attached to a name.
pub(crate) enum Shape {
    /// Needs a named type of this kind.
    Kind(TypeKind),
    /// Expressible as a type use.
    Ty(Ty),
}

impl<'a> Lowerer<'a> {
    /// Fills in a registered named type from the schema at `pointer`.
    pub(crate) fn define(&mut self, id: TypeId, pointer: &str) {
        let doc = self.doc;
        let Some(value) = doc.at(pointer) else { return };
        let name = self.types[id.0].name.clone();
        self.types[id.0].doc = description(value);
        self.types[id.0].xml = xml_object(value);
        let shape = self.shape(pointer, value, &name, Some(id));
        self.types[id.0].kind = match shape {
            Shape::Kind(kind) => kind,
            Shape::Ty(ty) => TypeKind::Alias(ty),
        };
    }

    /// The type use for the schema at `pointer` (a `$ref` or an inline schema). Inline schemas
    /// that need a name get one derived from `hint`, which callers build from where the
    /// schema sits (`{Parent}{Property}`, `{Operation}Body`).
    pub(crate) fn ty_of(&mut self, pointer: &str, value: &'a Value, hint: &str) -> Ty {
        let at = format!("#{pointer}");
        let Some(obj) = value.as_object() else {
            if value != &Value::Bool(true) {
                self.sink.error(&at, "a schema must be an object");
            }
            return Ty::Json;
        };
        if let Some(reference) = obj.get("$ref") {
            return self.ty_of_ref(&at, reference, hint);
        }
        let nullable = obj.get("nullable").and_then(Value::as_bool).unwrap_or(false);
        // The same inline schema reached again (a property merged back in through `allOf`
        // of its own parent) is the same type, not a new one each time round.
        if let Some(&id) = self.by_pointer.get(pointer) {
            return if nullable { Ty::Nullable(Box::new(Ty::Named(id))) } else { Ty::Named(id) };
        }
        let ty = if needs_name(value) {
            let id = self.new_type(hint, pointer, value);
            match self.shape(pointer, value, &self.types[id.0].name.clone(), Some(id)) {
                Shape::Kind(kind) => {
                    self.types[id.0].kind = kind;
                    Ty::Named(id)
                }
                Shape::Ty(ty) => {
                    self.types[id.0].kind = TypeKind::Alias(ty.clone());
                    Ty::Named(id)
                }
            }
        } else {
            match self.shape(pointer, value, hint, None) {
                Shape::Ty(ty) => ty,
                Shape::Kind(kind) => {
                    let id = self.new_type(hint, pointer, value);
                    self.types[id.0].kind = kind;
                    Ty::Named(id)
                }
            }
        };
        if nullable && !matches!(ty, Ty::Nullable(_) | Ty::Json) {
            Ty::Nullable(Box::new(ty))
        } else {
            ty
        }
    }

    fn ty_of_ref(&mut self, at: &str, reference: &Value, hint: &str) -> Ty {
        let Some(reference) = reference.as_str() else {
            self.sink.error(at, "`$ref` must be a string");
            return Ty::Json;
        };
        let doc = self.doc;
        let (target, value) = match doc.resolve(reference) {
            Ok(found) => found,
            Err(msg) => {
                self.sink.error(at, msg);
                return Ty::Json;
            }
        };
        if let Some(&id) = self.by_pointer.get(&target) {
            // Pending types are fine to name: cycles through structure are data; a cycle of
            // pure aliases is reported once all types are defined.
            return Ty::Named(id);
        }
        if !self.resolving.insert(target.clone()) {
            self.sink.error(at, format!("`$ref` cycle: `{reference}` refers back to itself"));
            return Ty::Json;
        }
        let last = target.rsplit('/').next().unwrap_or(hint).replace("~1", "/").replace("~0", "~");
        let hint = if target.starts_with("/components/") { camel_ident(&last) } else { hint.to_owned() };
        let ty = self.ty_of(&target, value, &hint);
        self.resolving.remove(&target);
        ty
    }

    fn new_type(&mut self, hint: &str, pointer: &str, value: &Value) -> TypeId {
        let want = camel_ident(hint);
        let (name, changed) = self.type_names.claim(&want);
        if changed && self.opts.strict_inline_names {
            self.sink.warn(
                &format!("#{pointer}"),
                format!("inline schema would be named `{want}`, which is taken; generated as `{name}` (move it to components/schemas to name it)"),
            );
        }
        let id = TypeId(self.types.len());
        self.types.push(TypeDef {
            name,
            doc: description(value),
            pointer: format!("#{pointer}"),
            kind: TypeKind::Pending,
            xml: xml_object(value),
            features: Vec::new(),
        });
        self.by_pointer.insert(pointer.to_owned(), id);
        id
    }

    /// The heart of lowering: one schema object → a kind or a type use.
    fn shape(&mut self, pointer: &str, value: &'a Value, name: &str, _id: Option<TypeId>) -> Shape {
        let at = format!("#{pointer}");
        let Some(obj) = value.as_object() else {
            return Shape::Ty(Ty::Json);
        };
        if let Some(reference) = obj.get("$ref") {
            // A component that is only a reference is an alias of its target.
            return Shape::Ty(self.ty_of_ref(&at, reference, name));
        }
        if obj.contains_key("not") {
            self.sink.warn(&format!("{at}/not"), "`not` cannot be expressed in Rust types; using serde_json::Value");
            return Shape::Ty(Ty::Json);
        }
        let one_of = obj.get("oneOf").or_else(|| obj.get("anyOf"));
        if let Some(alternatives) = one_of {
            let key = if obj.contains_key("oneOf") { "oneOf" } else { "anyOf" };
            return self.union(pointer, obj, key, alternatives, name);
        }
        if let Some(parts) = obj.get("allOf") {
            let Some(parts) = parts.as_array() else {
                self.sink.error(&format!("{at}/allOf"), "`allOf` must be an array");
                return Shape::Ty(Ty::Json);
            };
            // `allOf: [$ref]` with nothing else is only a way to attach a description.
            if parts.len() == 1 && !obj.contains_key("properties") {
                return Shape::Ty(self.ty_of(&format!("{pointer}/allOf/0"), &parts[0], name));
            }
            return Shape::Kind(TypeKind::Struct(self.object_fields(pointer, value, name)));
        }
        if let Some(values) = obj.get("enum") {
            if let Some(shape) = self.enumeration(pointer, obj, values) {
                return shape;
            }
        }
        let ty = match obj.get("type") {
            None => None,
            Some(Value::String(t)) => Some(t.as_str()),
            Some(other) => {
                self.sink.warn(
                    &format!("{at}/type"),
                    format!(
                        "`type` {} is not an OpenAPI 3.0 type; using serde_json::Value",
                        crate::diag::excerpt(&other.to_string())
                    ),
                );
                return Shape::Ty(Ty::Json);
            }
        };
        let format = obj.get("format").and_then(Value::as_str).unwrap_or("");
        let secret = format == "password" || obj.get("x-secret").and_then(Value::as_bool) == Some(true);
        match ty {
            Some("string") if secret => Shape::Ty(Ty::Secret),
            Some("string") => Shape::Ty(match format {
                "uuid" => Ty::Uuid,
                "date-time" => Ty::DateTime,
                "date" => Ty::Date,
                f if PLAIN_STRING_FORMATS.contains(&f) => Ty::String,
                f => {
                    self.sink.warn(&format!("{at}/format"), format!("unknown string format `{f}`; using String"));
                    Ty::String
                }
            }),
            Some("integer") => Shape::Ty(match format {
                "int32" | "int16" | "int8" | "uint8" | "uint16" => Ty::I32,
                "" | "int64" | "uint" | "uint32" | "uint64" | "int" | "integer" | "long" => Ty::I64,
                f => {
                    self.sink.warn(&format!("{at}/format"), format!("unknown integer format `{f}`; using i64"));
                    Ty::I64
                }
            }),
            Some("number") => Shape::Ty(match format {
                "float" => Ty::F32,
                "" | "double" | "decimal" => Ty::F64,
                f => {
                    self.sink.warn(&format!("{at}/format"), format!("unknown number format `{f}`; using f64"));
                    Ty::F64
                }
            }),
            Some("boolean") => Shape::Ty(Ty::Bool),
            Some("array") => {
                let item_hint = format!("{name}Item");
                let item = match obj.get("items") {
                    Some(items) => self.ty_of(&format!("{pointer}/items"), items, &item_hint),
                    None => {
                        self.sink.warn(&at, "array without `items`; items are serde_json::Value");
                        Ty::Json
                    }
                };
                Shape::Ty(Ty::Vec(Box::new(item)))
            }
            Some("object") | None => {
                if obj.get("properties").is_some_and(|p| !p.is_object()) {
                    self.sink.error(&format!("{at}/properties"), "`properties` must be an object");
                    return Shape::Ty(Ty::Json);
                }
                let has_props = obj.get("properties").and_then(Value::as_object).is_some_and(|p| !p.is_empty());
                if has_props {
                    return Shape::Kind(TypeKind::Struct(self.object_fields(pointer, value, name)));
                }
                match obj.get("additionalProperties") {
                    Some(Value::Bool(false)) | None => {
                        if ty.is_none() && obj.get("items").is_some() {
                            self.sink.warn(&at, "schema has `items` but no `type: array`; using serde_json::Value");
                        }
                        Shape::Ty(Ty::Json)
                    }
                    Some(Value::Bool(true)) => Shape::Ty(Ty::Map(Box::new(Ty::Json))),
                    Some(inner) => {
                        let v = self.ty_of(&format!("{pointer}/additionalProperties"), inner, &format!("{name}Value"));
                        Shape::Ty(Ty::Map(Box::new(v)))
                    }
                }
            }
            Some("null") => Shape::Ty(Ty::Nullable(Box::new(Ty::Json))),
            Some(other) => {
                self.sink.warn(
                    &format!("{at}/type"),
                    format!("unknown type `{}`; using serde_json::Value", crate::diag::excerpt(other)),
                );
                Shape::Ty(Ty::Json)
            }
        }
    }

    /// `enum`: string values become a Rust enum with a catch-all; other values keep the
    /// underlying type (an integer enum stays an integer) with the values in the docs.
    fn enumeration(&mut self, pointer: &str, obj: &serde_json::Map<String, Value>, values: &Value) -> Option<Shape> {
        let at = format!("#{pointer}/enum");
        let Some(values) = values.as_array() else {
            self.sink.error(&at, "`enum` must be an array");
            return Some(Shape::Ty(Ty::Json));
        };
        let ty = obj.get("type").and_then(Value::as_str);
        let strings: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
        let non_null = values.iter().filter(|v| !v.is_null()).count();
        if ty.is_some_and(|t| t != "string") || strings.len() != non_null || strings.is_empty() {
            if ty.is_none() && strings.len() != non_null {
                self.sink.warn(&at, "enum mixes value types; using serde_json::Value");
                return Some(Shape::Ty(Ty::Json));
            }
            return None;
        }
        let descriptions = obj.get("x-enumDescriptions").or_else(|| obj.get("x-enum-descriptions"));
        let mut scope = Scope::default();
        let mut variants = Vec::new();
        let mut seen = HashSet::new();
        for (index, wire) in values.iter().enumerate().filter_map(|(i, v)| v.as_str().map(|s| (i, s))) {
            let at = format!("{at}/{index}");
            if !seen.insert(wire) {
                self.sink.warn(&at, format!("enum value `{wire}` is listed twice"));
                continue;
            }
            let (name, holder) = scope.claim_for(&camel_ident(wire), &at);
            if holder.is_some() {
                self.renamed(&at, "enum value", wire, &name, holder);
            }
            let doc = descriptions.and_then(|d| d.get(wire)).and_then(Value::as_str).map(doc_lines).unwrap_or_default();
            variants.push(EnumVariant { name, wire: wire.to_owned(), doc });
        }
        let (catch_all, _) = scope.claim("UnknownValue");
        Some(Shape::Kind(TypeKind::Enum { variants, catch_all }))
    }

    /// `oneOf`/`anyOf`. With a discriminator: a tagged union whose variants are the mapped
    /// schemas. Veeam's parents also carry `properties`; the children `allOf` the parent to
    /// get them, so the parent's own properties are not repeated here. Without one: an
    /// untagged union tried in order.
    fn union(
        &mut self,
        pointer: &str,
        obj: &'a serde_json::Map<String, Value>,
        key: &str,
        alts: &'a Value,
        name: &str,
    ) -> Shape {
        let at = format!("#{pointer}/{key}");
        let Some(alts) = alts.as_array() else {
            self.sink.error(&at, format!("`{key}` must be an array"));
            return Shape::Ty(Ty::Json);
        };
        let nullable_alt = |v: &Value| {
            v.get("type").and_then(Value::as_str) == Some("null")
                || v.get("nullable").and_then(Value::as_bool) == Some(true)
                    && v.as_object().is_some_and(|o| o.len() == 1)
        };
        let real: Vec<(usize, &Value)> = alts.iter().enumerate().filter(|(_, v)| !nullable_alt(v)).collect();
        if real.is_empty() {
            return Shape::Ty(Ty::Json);
        }
        let tag = obj.get("discriminator").and_then(|d| d.get("propertyName")).and_then(Value::as_str);
        if real.len() == 1 && tag.is_none() && !obj.contains_key("properties") {
            let (i, v) = real[0];
            let ty = self.ty_of(&format!("{pointer}/{key}/{i}"), v, name);
            // `oneOf: [X, {type: "null"}]` is an optional X.
            let nullable = real.len() != alts.len() && !matches!(ty, Ty::Nullable(_));
            return Shape::Ty(if nullable { Ty::Nullable(Box::new(ty)) } else { ty });
        }
        let mut scope = Scope::default();
        let mut variants: Vec<UnionVariant> = Vec::new();
        let mapping: Vec<(String, String)> = obj
            .get("discriminator")
            .and_then(|d| d.get("mapping"))
            .and_then(Value::as_object)
            .map(|m| m.iter().filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), normalize_mapping(v)))).collect())
            .unwrap_or_default();
        for (i, alt) in real {
            let alt_ptr = format!("{pointer}/{key}/{i}");
            let reference = alt.get("$ref").and_then(Value::as_str);
            let variant_hint = format!("{name}Variant{}", i + 1);
            let ty = self.ty_of(&alt_ptr, alt, &variant_hint);
            let mut tags: Vec<String> = Vec::new();
            if tag.is_some() {
                if let Some(r) = reference {
                    tags = mapping.iter().filter(|(_, target)| target == r).map(|(k, _)| k.clone()).collect();
                    if tags.is_empty() {
                        // Without a mapping the tag value is the schema's component name.
                        tags.push(r.rsplit('/').next().unwrap_or(r).to_owned());
                    }
                } else {
                    self.sink.warn(
                        &format!("#{alt_ptr}"),
                        "a discriminated union member should be a `$ref`; it can only be matched by its own tag value",
                    );
                }
            }
            let want = match (&tags.first(), &ty) {
                (Some(t), _) => camel_ident(t),
                (None, t) => camel_ident(&self.ty_name(t)),
            };
            let (vname, _) = scope.claim(&want);
            variants.push(UnionVariant { name: vname, tags, ty });
        }
        // Mapped schemas that are not listed in oneOf still belong to the union.
        if tag.is_some() {
            for (k, target) in &mapping {
                if variants.iter().any(|v| v.tags.contains(k)) {
                    continue;
                }
                let ty =
                    self.ty_of_ref(&format!("#{pointer}/discriminator/mapping"), &Value::from(target.clone()), name);
                if let Some(v) = variants.iter_mut().find(|v| v.ty == ty) {
                    v.tags.push(k.clone());
                } else {
                    let (vname, _) = scope.claim(&camel_ident(k));
                    variants.push(UnionVariant { name: vname, tags: vec![k.clone()], ty });
                }
            }
        }
        let (catch_all, _) = scope.claim(if tag.is_some() { "UnknownVariant" } else { "Other" });
        Shape::Kind(TypeKind::Union(Union { tag: tag.map(str::to_owned), variants, catch_all }))
    }

    /// The fields of an object schema, with `allOf` parts merged in order. A part that is a
    /// discriminated parent contributes only its properties, not its `oneOf`: that is how the
    /// parent ⇄ child cycle is cut.
    pub(crate) fn object_fields(&mut self, pointer: &str, value: &'a Value, name: &str) -> Vec<Field> {
        let mut props: IndexMap<String, (String, &'a Value)> = IndexMap::new();
        let mut required: Vec<String> = Vec::new();
        let mut visiting = HashSet::new();
        self.collect_properties(pointer, value, &mut props, &mut required, &mut visiting);
        let mut scope = Scope::default();
        let mut fields = Vec::new();
        for (wire, (prop_ptr, prop)) in props {
            let (field_name, holder) = scope.claim_for(&snake_ident(&wire), &format!("#{prop_ptr}"));
            if holder.is_some() {
                self.renamed(&format!("#{prop_ptr}"), "property", &wire, &field_name, holder);
            }
            let hint = format!("{name}{}", camel_ident(unraw(&wire)));
            let ty = self.ty_of(&prop_ptr, prop, &hint);
            let mut doc = description(prop);
            if let Some(default) = prop.get("default") {
                if !doc.is_empty() {
                    doc.push(String::new());
                }
                doc.push(format!("Default: `{default}`"));
            }
            fields.push(Field {
                pointer: format!("#{prop_ptr}"),
                required: required.contains(&wire),
                name: field_name,
                wire,
                ty,
                doc,
                xml: xml_object(prop),
            });
        }
        for r in required {
            if !fields.iter().any(|f| f.wire == r) {
                self.sink.warn(&format!("#{pointer}/required"), format!("required property `{r}` is not defined"));
            }
        }
        fields
    }

    fn collect_properties(
        &mut self,
        pointer: &str,
        value: &'a Value,
        props: &mut IndexMap<String, (String, &'a Value)>,
        required: &mut Vec<String>,
        visiting: &mut HashSet<String>,
    ) {
        if !visiting.insert(pointer.to_owned()) {
            return;
        }
        let at = format!("#{pointer}");
        if let Some(parts) = value.get("allOf").and_then(Value::as_array) {
            for (i, part) in parts.iter().enumerate() {
                let part_ptr = format!("{pointer}/allOf/{i}");
                let doc = self.doc;
                let (ptr, part) = match part.get("$ref").and_then(Value::as_str) {
                    Some(r) => match doc.resolve(r) {
                        Ok((p, v)) => (p, v),
                        Err(msg) => {
                            self.sink.error(&format!("#{part_ptr}"), msg);
                            continue;
                        }
                    },
                    None => (part_ptr.clone(), part),
                };
                if part.get("properties").is_none() && part.get("allOf").is_none() {
                    if part.get("oneOf").is_some() || part.get("anyOf").is_some() {
                        self.sink.warn(
                            &format!("#{part_ptr}"),
                            "a union inside `allOf` cannot be merged into a struct; its alternatives are not included",
                        );
                    } else if part.get("type").and_then(Value::as_str).is_some_and(|t| t != "object") {
                        self.sink.warn(
                            &format!("#{part_ptr}"),
                            "a non-object schema inside `allOf` cannot be merged into a struct",
                        );
                    }
                }
                self.collect_properties(&ptr, part, props, required, visiting);
            }
        }
        match value.get("properties") {
            Some(Value::Object(p)) => {
                for (k, v) in p {
                    let ptr = push_pointer(&format!("{pointer}/properties"), k);
                    // A later definition refines an earlier one but keeps its position.
                    props.insert(k.clone(), (ptr, v));
                }
            }
            Some(_) => self.sink.error(&format!("{at}/properties"), "`properties` must be an object"),
            None => {}
        }
        match value.get("required") {
            Some(Value::Array(r)) => {
                for name in r.iter().filter_map(Value::as_str) {
                    if !required.iter().any(|x| x == name) {
                        required.push(name.to_owned());
                    }
                }
            }
            Some(_) => self.sink.error(&format!("{at}/required"), "`required` must be an array of property names"),
            None => {}
        }
        if value.get("properties").is_some() {
            if let Some(ap) = value.get("additionalProperties") {
                if ap != &Value::Bool(false)
                    && ap != &Value::Bool(true)
                    && ap.as_object().is_some_and(|o| !o.is_empty())
                {
                    self.sink.warn(
                        &format!("{at}/additionalProperties"),
                        "additional properties next to declared ones are not kept in the struct",
                    );
                }
            }
        }
    }
}

/// Whether an inline schema becomes a named type (and so should claim its name before its
/// children do, keeping parents ahead of children in the output).
fn needs_name(v: &Value) -> bool {
    let Some(o) = v.as_object() else { return false };
    if o.contains_key("$ref") || o.contains_key("not") {
        return false;
    }
    let has_props = o.get("properties").and_then(Value::as_object).is_some_and(|p| !p.is_empty());
    let all_of = o.get("allOf").and_then(Value::as_array).is_some_and(|a| a.len() > 1 || has_props);
    let string_enum = o.get("enum").and_then(Value::as_array).is_some_and(|e| {
        !e.is_empty() && e.iter().all(|x| x.is_string() || x.is_null()) && e.iter().any(Value::is_string)
    }) && o.get("type").and_then(Value::as_str).is_none_or(|t| t == "string");
    has_props || all_of || string_enum
}

fn normalize_mapping(v: &str) -> String {
    if v.starts_with('#') || v.contains('/') {
        v.to_owned()
    } else {
        format!("#/components/schemas/{v}")
    }
}

fn description(v: &Value) -> Vec<String> {
    let title = v.get("title").and_then(Value::as_str);
    let desc = v.get("description").and_then(Value::as_str);
    match (title, desc) {
        (_, Some(d)) => doc_lines(d),
        (Some(t), None) => doc_lines(t),
        (None, None) => Vec::new(),
    }
}

pub(crate) fn xml_object(v: &Value) -> Option<Xml> {
    let item_name = v.pointer("/items/xml/name").and_then(Value::as_str).map(str::to_owned);
    let Some(x) = v.get("xml").and_then(Value::as_object) else {
        return item_name.map(|n| Xml { item_name: Some(n), ..Xml::default() });
    };
    Some(Xml {
        item_name,
        name: x.get("name").and_then(Value::as_str).map(str::to_owned),
        namespace: x.get("namespace").and_then(Value::as_str).map(str::to_owned),
        prefix: x.get("prefix").and_then(Value::as_str).map(str::to_owned),
        attribute: x.get("attribute").and_then(Value::as_bool).unwrap_or(false),
        wrapped: x.get("wrapped").and_then(Value::as_bool).unwrap_or(false),
    })
}
