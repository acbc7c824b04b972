//! Schemas → types. Each arm of the shape match says which spec shape it handles.

use indexmap::IndexMap;
use serde_json::Value;
use std::collections::HashSet;

use super::node::Node;
use super::Lowerer;
use crate::docs::doc_lines;
use crate::ir::{EnumVariant, Field, Ty, TypeDef, TypeId, TypeKind, Union, UnionVariant, Xml};
use crate::naming::{camel_ident, snake_ident, unraw, Scope};
use crate::pointer::Pointer;

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
    pub(crate) fn define(&mut self, id: TypeId, pointer: &Pointer) {
        let doc = self.doc;
        let Some(value) = doc.at(pointer) else { return };
        let name = self.types[id.0].name.clone();
        self.types[id.0].doc = description(value);
        let note = self.types[id.0].spec_name.as_deref().and_then(|n| super::wanted_type_name(n).1);
        add_note(&mut self.types[id.0].doc, note);
        self.types[id.0].xml = xml_object(value);
        let shape = self.shape(pointer, value, &name);
        self.types[id.0].kind = match shape {
            Shape::Kind(kind) => kind,
            Shape::Ty(ty) => TypeKind::Alias(ty),
        };
    }

    /// The type use for the schema at `pointer` (a `$ref` or an inline schema). Inline schemas
    /// that need a name get one derived from `hint`, which callers build from where the
    /// schema sits (`{Parent}{Property}`, `{Operation}Body`).
    pub(crate) fn ty_of(&mut self, pointer: &Pointer, value: &'a Value, hint: &str) -> Ty {
        let Some(obj) = value.as_object() else {
            match value {
                Value::Bool(true) => {}
                // JSON Schema's `false` admits no value: there is nothing to type.
                Value::Bool(false) => {
                    self.sink.warn(pointer, "the schema `false` admits no value; typed as serde_json::Value")
                }
                _ => self.sink.error(pointer, "a schema must be an object"),
            }
            return Ty::Json;
        };
        let node = Node::read(obj);
        if let Some(reference) = node.reference {
            return self.ty_of_ref(pointer, reference, hint);
        }
        let nullable = node.is_nullable();
        // The same inline schema reached again (a property merged back in through `allOf`
        // of its own parent) is the same type, not a new one each time round.
        if let Some(&id) = self.by_pointer.get(pointer) {
            return if nullable { Ty::Nullable(Box::new(Ty::Named(id))) } else { Ty::Named(id) };
        }
        let ty = if needs_name(&node) {
            let id = self.new_type(hint, pointer, value);
            let shape = self.shape(pointer, value, &self.types[id.0].name.clone());
            self.types[id.0].kind = match shape {
                Shape::Kind(kind) => kind,
                Shape::Ty(ty) => TypeKind::Alias(ty),
            };
            Ty::Named(id)
        } else {
            match self.shape(pointer, value, hint) {
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

    /// A `$ref` written at `at`. It is followed one step, not to the end of its chain: a
    /// component that is itself a `$ref` is a named alias, and must be named as one.
    fn ty_of_ref(&mut self, at: &Pointer, reference: &Value, hint: &str) -> Ty {
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
        let bundled = Pointer::root().join(crate::bundle::BUNDLED);
        let hint = match target.last() {
            // A file that is one schema is named after the file: `schemas/job.yaml` is `Job`.
            Some(file) if target.parent().as_ref() == Some(&bundled) => camel_ident(crate::bundle::schema_name(&file)),
            Some(last) if target.starts_with(&Pointer::root().join("components")) || target.starts_with(&bundled) => {
                camel_ident(&last)
            }
            _ => hint.to_owned(),
        };
        let ty = self.ty_of(&target, value, &hint);
        self.resolving.remove(&target);
        ty
    }

    fn new_type(&mut self, hint: &str, pointer: &Pointer, value: &Value) -> TypeId {
        // As for components: a schema in another file may be called `Error` too.
        let (want, note) = super::wanted_type_name(hint);
        let mut doc = description(value);
        add_note(&mut doc, note);
        let (name, changed) = self.type_names.claim(&want);
        if changed && self.opts.strict_inline_names {
            self.sink.warn(
                pointer,
                format!("inline schema would be named `{want}`, which is taken; generated as `{name}` (move it to components/schemas to name it)"),
            );
        }
        let id = TypeId(self.types.len());
        self.types.push(TypeDef {
            name,
            doc,
            pointer: pointer.clone(),
            spec_name: None,
            kind: TypeKind::Pending,
            xml: xml_object(value),
            features: Vec::new(),
            serde: true,
            builder: None,
        });
        self.by_pointer.insert(pointer.clone(), id);
        id
    }

    /// The heart of lowering: one schema object → a kind or a type use. The node is
    /// destructured without `..`: every keyword is used here or ignored by name.
    pub(crate) fn shape(&mut self, pointer: &Pointer, value: &'a Value, name: &str) -> Shape {
        let Some(obj) = value.as_object() else {
            return Shape::Ty(Ty::Json);
        };
        let node = Node::read(obj);
        let Node {
            reference,
            ty,
            format: _,
            nullable: _, // applied by the type use (`ty_of`), not by the named type
            enumeration,
            all_of,
            one_of,
            any_of,
            not,
            properties,
            required: _, // read with the properties (`object_fields`)
            additional_properties,
            items,
            prefix_items,
            discriminator: _, // read by `union`
            xml: _,           // read into the type's and fields' XML facts (`xml_object`)
            title: _,
            description: _,
            default: _, // documented on the field that uses the schema
            secret,
            enum_descriptions: _, // read by `enumeration`
            constraints: _,       // the server validates; the client sends what it is given
            annotations: _,
            ref unsupported,
            other: _,
        } = node;
        for keyword in unsupported {
            self.sink.warn(
                &pointer.join(keyword),
                format!("`{keyword}` is not supported; the generated type does not enforce it"),
            );
        }
        if let Some(reference) = reference {
            // A component that is only a reference is an alias of its target.
            return Shape::Ty(self.ty_of_ref(pointer, reference, name));
        }
        if not.is_some() {
            self.sink.warn(&pointer.join("not"), "`not` cannot be expressed in Rust types; using serde_json::Value");
            return Shape::Ty(Ty::Json);
        }
        if let Some((key, alternatives)) = one_of.map(|a| ("oneOf", a)).or(any_of.map(|a| ("anyOf", a))) {
            return self.union(pointer, &node, key, alternatives, name);
        }
        if let Some(parts) = all_of {
            let Some(parts) = parts.as_array() else {
                self.sink.error(&pointer.join("allOf"), "`allOf` must be an array");
                return Shape::Ty(Ty::Json);
            };
            // `allOf: [$ref]` with nothing else is only a way to attach a description, unless
            // the target is a discriminated parent: then this is a variant that adds nothing
            // to the parent's properties (Veeam's `EntraIDBackupObjectModel`), a struct of
            // them; an alias of the union would decode itself forever.
            let variant_of_parent = parts.len() == 1
                && parts[0].get("$ref").and_then(Value::as_str).and_then(|r| self.doc.resolve(r).ok()).is_some_and(
                    |(_, target)| {
                        target.get("discriminator").is_some()
                            && (target.get("oneOf").is_some() || target.get("anyOf").is_some())
                    },
                );
            if parts.len() == 1 && properties.is_none() && !variant_of_parent {
                return Shape::Ty(self.ty_of(&pointer.join("allOf").join(0), &parts[0], name));
            }
            return Shape::Kind(TypeKind::Struct(self.object_fields(pointer, value, name)));
        }
        if let Some(values) = enumeration {
            if let Some(shape) = self.enumeration(pointer, &node, values) {
                return shape;
            }
        }
        let ty = match ty {
            None => None,
            Some(Value::String(t)) => Some(t.as_str()),
            Some(other) => {
                self.sink.warn(
                    &pointer.join("type"),
                    format!(
                        "`type` {} is not an OpenAPI 3.0 type; using serde_json::Value",
                        crate::diag::excerpt(&other.to_string())
                    ),
                );
                return Shape::Ty(Ty::Json);
            }
        };
        let format = node.format_name();
        let secret = format == "password" || secret.and_then(Value::as_bool) == Some(true);
        let unknown_format = |this: &mut Self, what: &str, fallback: &str| {
            this.sink.warn(&pointer.join("format"), format!("unknown {what} format `{format}`; using {fallback}"));
        };
        match ty {
            Some("string") if secret => Shape::Ty(Ty::Secret),
            Some("string") => Shape::Ty(match format {
                "uuid" => Ty::Uuid,
                "date-time" => Ty::DateTime,
                "date" => Ty::Date,
                f if PLAIN_STRING_FORMATS.contains(&f) => Ty::String,
                _ => {
                    unknown_format(self, "string", "String");
                    Ty::String
                }
            }),
            Some("integer") => Shape::Ty(match format {
                "int32" | "int16" | "int8" | "uint8" | "uint16" => Ty::I32,
                "" | "int64" | "uint" | "uint32" | "uint64" | "int" | "integer" | "long" => Ty::I64,
                _ => {
                    unknown_format(self, "integer", "i64");
                    Ty::I64
                }
            }),
            Some("number") => Shape::Ty(match format {
                "float" => Ty::F32,
                "" | "double" | "decimal" => Ty::F64,
                _ => {
                    unknown_format(self, "number", "f64");
                    Ty::F64
                }
            }),
            Some("boolean") => Shape::Ty(Ty::Bool),
            Some("array") if prefix_items.is_some() => self.tuple(pointer, prefix_items, items, name),
            Some("array") => {
                let item = match items {
                    Some(items) => self.ty_of(&pointer.join("items"), items, &format!("{name}Item")),
                    None => {
                        self.sink.warn(pointer, "array without `items`; items are serde_json::Value");
                        Ty::Json
                    }
                };
                Shape::Ty(Ty::Vec(Box::new(item)))
            }
            Some("object") | None => {
                if properties.is_some_and(|p| !p.is_object()) {
                    self.sink.error(&pointer.join("properties"), "`properties` must be an object");
                    return Shape::Ty(Ty::Json);
                }
                if node.has_properties() {
                    return Shape::Kind(TypeKind::Struct(self.object_fields(pointer, value, name)));
                }
                match additional_properties {
                    Some(Value::Bool(false)) | None => {
                        if ty.is_none() && items.is_some() {
                            self.sink.warn(pointer, "schema has `items` but no `type: array`; using serde_json::Value");
                        }
                        Shape::Ty(Ty::Json)
                    }
                    Some(Value::Bool(true)) => Shape::Ty(Ty::Map(Box::new(Ty::Json))),
                    Some(inner) => {
                        let v = self.ty_of(&pointer.join("additionalProperties"), inner, &format!("{name}Value"));
                        Shape::Ty(Ty::Map(Box::new(v)))
                    }
                }
            }
            Some("null") => Shape::Ty(Ty::Nullable(Box::new(Ty::Json))),
            Some(other) => {
                self.sink.warn(
                    &pointer.join("type"),
                    format!("unknown type `{}`; using serde_json::Value", crate::diag::excerpt(other)),
                );
                Shape::Ty(Ty::Json)
            }
        }
    }

    /// `prefixItems`: a tuple when the array has exactly those items (`items: false`, or a
    /// `maxItems` of the same length); otherwise the positions are typed loosely.
    fn tuple(&mut self, pointer: &Pointer, prefix: Option<&'a Value>, items: Option<&'a Value>, name: &str) -> Shape {
        let at = pointer.join("prefixItems");
        let Some(prefix) = prefix.and_then(Value::as_array) else {
            self.sink.error(&at, "`prefixItems` must be an array of schemas");
            return Shape::Ty(Ty::Json);
        };
        let closed = items == Some(&Value::Bool(false))
            || self.doc.at(&pointer.join("maxItems")).and_then(Value::as_u64) == Some(prefix.len() as u64);
        if !closed || prefix.is_empty() {
            self.sink.warn(
                &at,
                "`prefixItems` without `items: false` allows more items than it names; the array is a Vec of serde_json::Value",
            );
            return Shape::Ty(Ty::Vec(Box::new(Ty::Json)));
        }
        let tys = prefix
            .iter()
            .enumerate()
            .map(|(i, s)| self.ty_of(&at.join(i), s, &format!("{name}Item{}", i + 1)))
            .collect();
        Shape::Ty(Ty::Tuple(tys))
    }

    /// `enum`: string values become a Rust enum with a catch-all; other values keep the
    /// underlying type (an integer enum stays an integer) with the values in the docs.
    fn enumeration(&mut self, pointer: &Pointer, node: &Node<'a>, values: &Value) -> Option<Shape> {
        let at = pointer.join("enum");
        let Some(values) = values.as_array() else {
            self.sink.error(&at, "`enum` must be an array");
            return Some(Shape::Ty(Ty::Json));
        };
        let ty = node.type_name();
        let strings: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
        let non_null = values.iter().filter(|v| !v.is_null()).count();
        if ty.is_some_and(|t| t != "string") || strings.len() != non_null || strings.is_empty() {
            if ty.is_none() && strings.len() != non_null {
                self.sink.warn(&at, "enum mixes value types; using serde_json::Value");
                return Some(Shape::Ty(Ty::Json));
            }
            return None;
        }
        let mut scope = Scope::default();
        let mut variants = Vec::new();
        let mut seen = HashSet::new();
        for (index, wire) in values.iter().enumerate().filter_map(|(i, v)| v.as_str().map(|s| (i, s))) {
            let at = at.join(index);
            if !seen.insert(wire) {
                self.sink.warn(&at, format!("enum value `{wire}` is listed twice"));
                continue;
            }
            let (name, holder) = scope.claim_for(&camel_ident(wire), &at.to_string());
            if holder.is_some() {
                self.renamed(&at, "enum value", wire, &name, holder);
            }
            let doc = node
                .enum_descriptions
                .and_then(|d| d.get(wire))
                .and_then(Value::as_str)
                .map(doc_lines)
                .unwrap_or_default();
            let spellings = self.spellings(pointer, wire);
            let available = self.value_revisions(pointer, wire);
            variants.push(EnumVariant { name, wire: wire.to_owned(), doc, spellings, available });
        }
        let (catch_all, _) = scope.claim("UnknownValue");
        Some(Shape::Kind(TypeKind::Enum { variants, catch_all }))
    }

    /// `oneOf`/`anyOf`. With a discriminator: a tagged union whose variants are the mapped
    /// schemas. Veeam's parents also carry `properties`; the children `allOf` the parent to
    /// get them, so the parent's own properties are not repeated here. Without one: an
    /// untagged union tried in order.
    fn union(&mut self, pointer: &Pointer, node: &Node<'a>, key: &str, alts: &'a Value, name: &str) -> Shape {
        let at = pointer.join(key);
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
        let tag = node.discriminator.and_then(|d| d.get("propertyName")).and_then(Value::as_str);
        if real.len() == 1 && tag.is_none() && node.properties.is_none() {
            let (i, v) = real[0];
            let ty = self.ty_of(&at.join(i), v, name);
            // `oneOf: [X, {type: "null"}]` is an optional X.
            let nullable = real.len() != alts.len() && !matches!(ty, Ty::Nullable(_));
            return Shape::Ty(if nullable { Ty::Nullable(Box::new(ty)) } else { ty });
        }
        let mut scope = Scope::default();
        let mut variants: Vec<UnionVariant> = Vec::new();
        let mapping: Vec<(String, String)> = node
            .discriminator
            .and_then(|d| d.get("mapping"))
            .and_then(Value::as_object)
            .map(|m| m.iter().filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), normalize_mapping(v)))).collect())
            .unwrap_or_default();
        for (i, alt) in real {
            let alt_ptr = at.join(i);
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
                        &alt_ptr,
                        "a discriminated union member should be a `$ref`; it can only be matched by its own tag value",
                    );
                }
            }
            let want = match (&tags.first(), &ty) {
                (Some(t), _) => camel_ident(t),
                (None, t) => camel_ident(&self.ty_name(t)),
            };
            let (vname, _) = scope.claim(&want);
            // The alternative's own mark (a shape a property had in some revisions only, written
            // `allOf: [$ref]` so the mark is not a `$ref`'s ignored sibling), else its component's.
            let own = alt.get(super::revisions::MARK).and_then(|m| {
                let at = alt_ptr.join(super::revisions::MARK);
                super::revisions::mark(m, self.revisions.as_ref(), &at, &mut self.sink)
            });
            let available = own.or_else(|| reference.and_then(|r| self.schema_revisions(r)));
            variants.push(UnionVariant { name: vname, tags, ty, available });
        }
        // Mapped schemas that are not listed in oneOf still belong to the union.
        if tag.is_some() {
            let mapping_ptr = pointer.join("discriminator").join("mapping");
            for (k, target) in &mapping {
                if variants.iter().any(|v| v.tags.contains(k)) {
                    continue;
                }
                let ty = self.ty_of_ref(&mapping_ptr, &Value::from(target.clone()), name);
                if let Some(v) = variants.iter_mut().find(|v| v.ty == ty) {
                    v.tags.push(k.clone());
                } else {
                    let (vname, _) = scope.claim(&camel_ident(k));
                    let available = self.schema_revisions(target);
                    variants.push(UnionVariant { name: vname, tags: vec![k.clone()], ty, available });
                }
            }
        }
        // A tag value that some revisions spell otherwise (`x-enum-spellings` of the tag
        // property's enum: Veeam's `Backup` job became `VSphereBackup`) selects its variant in
        // every spelling, so an older server's answer is read as the same variant.
        if let Some(spellings) = tag.and_then(|t| self.tag_spellings(node, t)) {
            for variant in &mut variants {
                let others: Vec<String> = variant
                    .tags
                    .iter()
                    .filter_map(|t| spellings.get(t).and_then(Value::as_object))
                    .flat_map(|m| m.keys().cloned())
                    .collect();
                for other in others {
                    if !variant.tags.contains(&other) {
                        variant.tags.push(other);
                    }
                }
            }
        }
        let (catch_all, _) = scope.claim(if tag.is_some() { "UnknownVariant" } else { "Other" });
        Shape::Kind(TypeKind::Union(Union { tag: tag.map(str::to_owned), variants, catch_all }))
    }

    /// The `x-enum-spellings` map of the enum a union's tag property `tag` refers to, if any.
    fn tag_spellings(&self, node: &Node<'a>, tag: &str) -> Option<&'a serde_json::Map<String, Value>> {
        let property = node.properties?.get(tag)?;
        self.doc.resolve_chain(property).get(super::revisions::SPELLINGS)?.as_object()
    }

    /// The revisions of the property `wire` defined at `prop_ptr`, from its schema's
    /// `x-property-revisions` map.
    fn property_revisions(&mut self, prop_ptr: &Pointer, wire: &str) -> Option<crate::ir::Available> {
        let schema_ptr = prop_ptr.parent()?.parent()?;
        let mark = self.doc.raw.pointer(schema_ptr.as_str())?.get(super::revisions::PROPERTY_MARK)?.get(wire)?;
        let at = schema_ptr.join(super::revisions::PROPERTY_MARK).join(wire);
        super::revisions::mark(mark, self.revisions.as_ref(), &at, &mut self.sink)
    }

    /// The revisions of the component a `$ref` names, from its
    /// `x-revisions` mark (read quietly: the mark is reported where the component is lowered).
    fn schema_revisions(&self, reference: &str) -> Option<crate::ir::Available> {
        let link = serde_json::json!({ "$ref": reference });
        let mark = self.doc.resolve_chain(&link).get(super::revisions::MARK)?;
        let mut quiet = crate::diag::Sink::default();
        super::revisions::mark(mark, self.revisions.as_ref(), &Pointer::root(), &mut quiet)
    }

    /// The revisions that require the property `wire` defined at `prop_ptr` though its
    /// schema's `required` leaves it out, from the schema's `x-required-revisions` map.
    fn required_revisions(&mut self, prop_ptr: &Pointer, wire: &str) -> Option<crate::ir::Available> {
        let schema_ptr = prop_ptr.parent()?.parent()?;
        let mark = self.doc.raw.pointer(schema_ptr.as_str())?.get(super::revisions::REQUIRED_MARK)?.get(wire)?;
        let at = schema_ptr.join(super::revisions::REQUIRED_MARK).join(wire);
        super::revisions::mark(mark, self.revisions.as_ref(), &at, &mut self.sink)
    }

    /// The revisions in which the property `wire` defined at `prop_ptr` is one value, not a
    /// list, from its schema's `x-single-value-revisions` map.
    fn single_revisions(&mut self, prop_ptr: &Pointer, wire: &str) -> Option<crate::ir::Available> {
        let schema_ptr = prop_ptr.parent()?.parent()?;
        let mark = self.doc.raw.pointer(schema_ptr.as_str())?.get(super::revisions::SINGLE_MARK)?.get(wire)?;
        let at = schema_ptr.join(super::revisions::SINGLE_MARK).join(wire);
        super::revisions::mark(mark, self.revisions.as_ref(), &at, &mut self.sink)
    }

    /// A single-value mark (`x-single-value-revisions`, at `at`) of a property or (`parameter`)
    /// a parameter of type `ty`: kept, and said in its docs, when `ty` is a list; a mark on
    /// anything else is reported and left out.
    pub(crate) fn single_value(
        &mut self,
        at: &Pointer,
        ty: &Ty,
        single: crate::ir::Available,
        parameter: bool,
        doc: &mut Vec<String>,
    ) -> Option<crate::ir::Available> {
        let list = matches!(ty, Ty::Vec(_)) || matches!(ty, Ty::Nullable(t) if matches!(**t, Ty::Vec(_)));
        if !list {
            self.sink.warn(at, "a single-value mark on a value that is not a list is ignored");
            return None;
        }
        let names = self.revisions.as_ref().map(|r| r.names.clone()).unwrap_or_default();
        if !doc.is_empty() {
            doc.push(String::new());
        }
        doc.push(if parameter {
            format!(
                "One value, not a list, in API revisions {}: a request for them that gives another number is refused before it is sent.",
                single.describe(&names)
            )
        } else {
            format!(
                "One value, not a list, in API revisions {}: a request for them sends its one item, and one that holds another number is refused before it is sent; an answer's one value is read as a list of it.",
                single.describe(&names)
            )
        });
        Some(single)
    }

    /// A property several `allOf` parts define (a parent's `password` that moved into a
    /// child in a later revision) exists wherever any of them has it: `own` (the definition
    /// the field was read from) widened by the others' marks; `None` when that is every
    /// revision, or one definition has no mark.
    fn widened(
        &mut self,
        pointer: &Pointer,
        value: &Value,
        wire: &str,
        own: crate::ir::Available,
    ) -> Option<crate::ir::Available> {
        let Some(count) = self.revisions.as_ref().map(|r| r.names.len()) else { return Some(own) };
        let mut marks: Vec<Option<Value>> = Vec::new();
        self.property_marks(value, wire, 0, &mut marks);
        if marks.len() < 2 {
            return Some(own);
        }
        let mut ranges = own.0;
        for mark in marks {
            let mark = mark?;
            // Each mark was reported where its own schema is lowered: read quietly here.
            let mut quiet = crate::diag::Sink::default();
            match super::revisions::mark(&mark, self.revisions.as_ref(), pointer, &mut quiet) {
                Some(a) => ranges.extend(a.0),
                None => return None,
            }
        }
        crate::ir::Available(ranges).normalized(count)
    }

    /// The marks of every definition of property `wire` in `value` and its `allOf` parts
    /// (`None` for a definition without one).
    fn property_marks(&self, value: &Value, wire: &str, depth: usize, out: &mut Vec<Option<Value>>) {
        let v = self.doc.resolve_chain(value);
        if depth > 32 {
            return;
        }
        if v.get("properties").and_then(|p| p.get(wire)).is_some() {
            out.push(v.get(super::revisions::PROPERTY_MARK).and_then(|m| m.get(wire)).cloned());
        }
        for part in v.get("allOf").and_then(Value::as_array).into_iter().flatten() {
            self.property_marks(part, wire, depth + 1, out);
        }
    }

    /// The revisions of the enum value `wire` of the schema at `pointer`, from its
    /// `x-enum-revisions` map.
    fn value_revisions(&mut self, pointer: &Pointer, wire: &str) -> Option<crate::ir::Available> {
        let mark = self.doc.raw.pointer(pointer.as_str())?.get(super::revisions::ENUM_MARK)?.get(wire)?;
        let at = pointer.join(super::revisions::ENUM_MARK).join(wire);
        super::revisions::mark(mark, self.revisions.as_ref(), &at, &mut self.sink)
    }

    /// The other spellings of the enum value `wire` of the schema at `pointer`, from its
    /// `x-enum-spellings` map (`{value: {spelling: revisions}}`).
    fn spellings(&mut self, pointer: &Pointer, wire: &str) -> Vec<(String, crate::ir::Available)> {
        let Some(map) = self
            .doc
            .raw
            .pointer(pointer.as_str())
            .and_then(|s| s.get(super::revisions::SPELLINGS))
            .and_then(|m| m.get(wire))
            .and_then(Value::as_object)
        else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (spelling, mark) in map {
            let at = pointer.join(super::revisions::SPELLINGS).join(wire).join(spelling);
            // A spelling used in every revision would replace the value itself: that is an
            // enum change, not a spelling.
            match super::revisions::mark(mark, self.revisions.as_ref(), &at, &mut self.sink) {
                Some(available) => out.push((spelling.clone(), available)),
                None if self.revisions.is_some() && mark.is_string() => {
                    self.sink.warn(&at, format!("spelling `{spelling}` is marked for every revision; ignored"))
                }
                None => {}
            }
        }
        out
    }

    /// The fields of an object schema, with `allOf` parts merged in order. A part that is a
    /// discriminated parent contributes only its properties, not its `oneOf`: that is how the
    /// parent ⇄ child cycle is cut.
    pub(crate) fn object_fields(&mut self, pointer: &Pointer, value: &'a Value, name: &str) -> Vec<Field> {
        let mut props: IndexMap<String, (Pointer, &'a Value)> = IndexMap::new();
        let mut required: Vec<String> = Vec::new();
        let mut visiting = HashSet::new();
        self.collect_properties(pointer, value, &mut props, &mut required, &mut visiting);
        let mut scope = Scope::default();
        let mut fields = Vec::new();
        for (wire, (prop_ptr, prop)) in props {
            let (field_name, holder) = scope.claim_for(&snake_ident(&wire), &prop_ptr.to_string());
            if holder.is_some() {
                self.renamed(&prop_ptr, "property", &wire, &field_name, holder);
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
            // `readOnly`/`writeOnly` on the property, or on the schema it refers to.
            let flag = |key: &str| {
                prop.get(key).and_then(Value::as_bool).unwrap_or(false)
                    || self.doc.resolve_chain(prop).get(key).and_then(Value::as_bool).unwrap_or(false)
            };
            let (read_only, write_only) = (flag("readOnly"), flag("writeOnly"));
            let mut required = required.contains(&wire);
            let available =
                self.property_revisions(&prop_ptr, &wire).and_then(|own| self.widened(pointer, value, &wire, own));
            // Required where it exists, or in the revisions its mark names: Rust cannot
            // require it, so a request body for those revisions is checked when it is sent.
            let single = self.single_revisions(&prop_ptr, &wire).and_then(|single| {
                let at = prop_ptr.parent().and_then(|p| p.parent()).unwrap_or_else(Pointer::root);
                self.single_value(&at.join(super::revisions::SINGLE_MARK).join(&wire), &ty, single, false, &mut doc)
            });
            let mut required_in = if required { available.clone() } else { None };
            if !required {
                required_in = self.required_revisions(&prop_ptr, &wire);
            }
            if let (Some(a), Some(r)) = (&required_in, &self.revisions) {
                if !required {
                    if !doc.is_empty() {
                        doc.push(String::new());
                    }
                    doc.push(format!(
                        "Required in API revisions {}; a request body for one of them without it is refused before it is sent.",
                        a.describe(&r.names)
                    ));
                }
            }
            if let (Some(a), Some(r)) = (&available, &self.revisions) {
                if !doc.is_empty() {
                    doc.push(String::new());
                }
                doc.push(format!(
                    "API revisions: {}{}; a request that sets it for another revision is refused before it is sent.",
                    a.describe(&r.names),
                    if required { " (required there)" } else { "" }
                ));
                // Answers of the other revisions lack it: it cannot be required in Rust.
                required = false;
            }
            if read_only || write_only {
                // One type serves requests and responses: a property only one direction
                // carries cannot be required in Rust.
                if required {
                    if !doc.is_empty() {
                        doc.push(String::new());
                    }
                    doc.push(if read_only {
                        "Read-only: required in answers, set by the server; never sent in a request.".to_owned()
                    } else {
                        "Write-only: required in requests; answers never carry it.".to_owned()
                    });
                }
                required = false;
            }
            fields.push(Field {
                pointer: prop_ptr,
                required,
                name: field_name,
                wire,
                ty,
                doc,
                xml: xml_object(prop),
                read_only,
                write_only,
                available,
                required_in: required_in.filter(|_| !read_only),
                single,
            });
        }
        for r in required {
            if !fields.iter().any(|f| f.wire == r) {
                self.sink.warn(&pointer.join("required"), format!("required property `{r}` is not defined"));
            }
        }
        fields
    }

    fn collect_properties(
        &mut self,
        pointer: &Pointer,
        value: &'a Value,
        props: &mut IndexMap<String, (Pointer, &'a Value)>,
        required: &mut Vec<String>,
        visiting: &mut HashSet<Pointer>,
    ) {
        if !visiting.insert(pointer.clone()) {
            return;
        }
        let Some(obj) = value.as_object() else { return };
        let node = Node::read(obj);
        if let Some(parts) = node.all_of.and_then(Value::as_array) {
            let doc = self.doc;
            for (i, part) in parts.iter().enumerate() {
                let part_ptr = pointer.join("allOf").join(i);
                let (ptr, part) = match doc.deref(&part_ptr, part) {
                    Ok(found) => found,
                    Err((at, msg)) => {
                        self.sink.error(&at, msg);
                        continue;
                    }
                };
                if part.get("properties").is_none() && part.get("allOf").is_none() {
                    if part.get("oneOf").is_some() || part.get("anyOf").is_some() {
                        self.sink.warn(
                            &part_ptr,
                            "a union inside `allOf` cannot be merged into a struct; its alternatives are not included",
                        );
                    } else if part.get("type").and_then(Value::as_str).is_some_and(|t| t != "object") {
                        self.sink.warn(&part_ptr, "a non-object schema inside `allOf` cannot be merged into a struct");
                    }
                }
                self.collect_properties(&ptr, part, props, required, visiting);
            }
        }
        match node.properties {
            Some(Value::Object(p)) => {
                for (k, v) in p {
                    // A later definition refines an earlier one but keeps its position.
                    props.insert(k.clone(), (pointer.join("properties").join(k), v));
                }
            }
            Some(_) => self.sink.error(&pointer.join("properties"), "`properties` must be an object"),
            None => {}
        }
        match node.required {
            Some(Value::Array(r)) => {
                for name in r.iter().filter_map(Value::as_str) {
                    if !required.iter().any(|x| x == name) {
                        required.push(name.to_owned());
                    }
                }
            }
            Some(_) => self.sink.error(&pointer.join("required"), "`required` must be an array of property names"),
            None => {}
        }
        if node.properties.is_some() {
            if let Some(ap) = node.additional_properties {
                if ap.as_object().is_some_and(|o| !o.is_empty()) {
                    self.sink.warn(
                        &pointer.join("additionalProperties"),
                        "additional properties next to declared ones are not kept in the struct",
                    );
                }
            }
        }
    }
}

/// Whether an inline schema becomes a named type (and so should claim its name before its
/// children do, keeping parents ahead of children in the output).
fn needs_name(n: &Node<'_>) -> bool {
    if n.reference.is_some() || n.not.is_some() {
        return false;
    }
    let has_props = n.has_properties();
    let all_of = n.all_of.and_then(Value::as_array).is_some_and(|a| a.len() > 1 || has_props);
    let string_enum = n.enumeration.and_then(Value::as_array).is_some_and(|e| {
        !e.is_empty() && e.iter().all(|x| x.is_string() || x.is_null()) && e.iter().any(Value::is_string)
    }) && n.type_name().is_none_or(|t| t == "string");
    has_props || all_of || string_enum
}

/// Appends a paragraph to doc lines.
fn add_note(doc: &mut Vec<String>, note: Option<String>) {
    let Some(note) = note else { return };
    if !doc.is_empty() {
        doc.push(String::new());
    }
    doc.push(note);
}

fn normalize_mapping(v: &str) -> String {
    if v.starts_with('#') || v.contains('/') {
        v.to_owned()
    } else {
        format!("#/components/schemas/{v}")
    }
}

fn description(v: &Value) -> Vec<String> {
    v.as_object().map(|o| Node::read(o).doc()).unwrap_or_default()
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
