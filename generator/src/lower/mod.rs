//! Lowering: a loaded [`Document`] → the owned [`Api`] IR. Names are decided here (through
//! [`crate::naming`]), references become ids, and every problem becomes a located diagnostic.

mod builders;
pub(crate) mod cli;
mod dispatch;
mod long_running;
mod mock;
mod node;
mod operation;
mod recursion;
mod revisions;
mod schema;
mod tags;
mod webhooks;
mod xml;

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::Value;

use crate::diag::{Kind, Sink};
use crate::docs::doc_lines;
use crate::ir::{Api, Security, Ty, TypeDef, TypeId, TypeKind};
use crate::load::Document;
use crate::naming::{camel_ident, Scope};
use crate::pointer::Pointer;
use crate::Options;

/// The names the API module exports next to `types` (`vbr::Client`, `vbr::Error`). A schema
/// with one of these names is generated with [`RESERVED_SUFFIX`] (Veeam's `Error` body becomes
/// `types::ErrorModel`), so that one name never means two things.
pub(crate) const MODULE_NAMES: &[&str] = &["ByteStream", "Client", "Error"];
const RESERVED_SUFFIX: &str = "Model";

/// The Rust name a schema called `spec_name` wants, and the doc line that says why, when it
/// is not the spec's name: a name the API module exports gets [`RESERVED_SUFFIX`].
pub(crate) fn wanted_type_name(spec_name: &str) -> (String, Option<String>) {
    let want = camel_ident(spec_name);
    if !MODULE_NAMES.contains(&want.as_str()) {
        return (want, None);
    }
    let note = format!("Named `{spec_name}` in the spec; renamed because the API module exports its own `{want}`.");
    (format!("{want}{RESERVED_SUFFIX}"), Some(note))
}

pub(crate) struct Lowerer<'a> {
    pub(crate) doc: &'a Document,
    pub(crate) opts: &'a Options,
    pub(crate) sink: Sink,
    pub(crate) types: Vec<TypeDef>,
    pub(crate) type_names: Scope,
    /// Schemas that became named types, by the JSON pointer they were defined at.
    pub(crate) by_pointer: HashMap<Pointer, TypeId>,
    /// `$ref` targets being lowered right now, to stop reference loops.
    pub(crate) resolving: HashSet<Pointer>,
    /// Operation tags the document's `tags` list lacks, reported once each.
    pub(crate) undeclared_tags: std::collections::BTreeSet<String>,
    /// The revisions the document declares (`x-api-revisions`), for reading marks.
    pub(crate) revisions: Option<crate::ir::Revisions>,
}

/// Lowers a document. Diagnostics come back in the sink even when lowering succeeds.
pub(crate) fn lower(doc: &Document, opts: &Options) -> (Api, Sink) {
    let mut l = Lowerer {
        doc,
        opts,
        sink: Sink::for_document(doc),
        types: Vec::new(),
        type_names: Scope::with_reserved(MODULE_NAMES),
        by_pointer: HashMap::new(),
        resolving: HashSet::new(),
        undeclared_tags: std::collections::BTreeSet::new(),
        revisions: None,
    };
    for (at, note) in &doc.notes {
        l.sink.warn(at, note);
    }
    // Before any schema is lowered: properties and enum values carry revision marks.
    l.revisions = revisions::declared(&doc.raw, &mut l.sink);
    if let Some(dialect) = str_at(&doc.raw, "/jsonSchemaDialect") {
        if !KNOWN_DIALECTS.contains(&dialect.trim_end_matches('#')) {
            l.sink.warn(
                &Pointer::root().join("jsonSchemaDialect"),
                format!(
                    "schemas are read as JSON Schema 2020-12 with OpenAPI's vocabulary, not as `{}`",
                    crate::diag::excerpt(dialect)
                ),
            );
        }
    }
    let (validation, ()) = std::thread::scope(|scope| {
        let validating = std::thread::Builder::new().stack_size(crate::STACK).spawn_scoped(scope, || {
            let mut v = Validator { doc, sink: Sink::for_document(doc) };
            v.validate_shape();
            v.sink
        });
        l.register_components();
        l.define_components();
        l.report_alias_cycles();
        let validation = match validating.map(|h| h.join()) {
            Ok(Ok(sink)) => sink,
            _ => {
                let mut sink = Sink::for_document(doc);
                sink.internal("internal error: structural validation failed to run");
                sink
            }
        };
        (validation, ())
    });
    // Validation findings first, so the order of diagnostics does not depend on timing.
    let mut sink = validation;
    sink.extend(std::mem::take(&mut l.sink));
    l.sink = sink;
    let security = l.security_schemes();
    let mut api = Api {
        // One line each: they are written into doc comments, where a bare `\r` does not compile.
        title: one_line(str_at(&doc.raw, "/info/title").unwrap_or("API")),
        version: one_line(str_at(&doc.raw, "/info/version").unwrap_or("")),
        doc: info_doc(&doc.raw),
        server: str_at(&doc.raw, "/servers/0/url").map(|url| server_url(&doc.raw, url)),
        types: Vec::new(),
        operations: Vec::new(),
        security,
        auth_setters: Default::default(),
        xml: Default::default(),
        default_headers: Vec::new(),
        error_ty: None,
        features: Vec::new(),
        webhooks: Vec::new(),
        long_running: Vec::new(),
        derives: Vec::new(),
        revisions: None,
        cli: None,
    };
    api.derives = l.derives();
    api.revisions = l.revisions.clone();
    l.unused_type_names();
    l.lower_operations(&mut api);
    revisions::resolve_probe(&mut api, &doc.raw, &mut l.sink);
    l.lower_webhooks(&mut api);
    api.types = std::mem::take(&mut l.types);
    tags::drop_variant_tags(&mut api);
    recursion::break_cycles(&mut api.types);
    builders::plan(&mut api, &mut l.sink);
    xml::decide_names(&mut api);
    api.xml = xml::facts(&api);
    for (at, message) in xml::untyped_fields(&api) {
        l.sink.warn(&at, message);
    }
    mock::without_unwritable_xml(&mut api);
    mock::echo_ids(&mut api);
    dispatch::decide(&mut api);
    if opts.cli {
        api.cli = Some(cli::decide(&api, &doc.raw));
    }
    (api, l.sink)
}

/// `text` with every control character (a line end included) turned into a space.
fn one_line(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// A copy of `v` with every `schema` value (parameters, media types, headers) replaced by
/// `{}`; the replaced schemas are collected with their pointers. Does not descend into the
/// schemas themselves.
fn strip_schemas<'v>(v: &'v Value, ptr: &Pointer, out: &mut Vec<(Pointer, &'v Value)>) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, child)| {
                    let child_ptr = ptr.join(k);
                    let value = if k == "schema" {
                        out.push((child_ptr, child));
                        Value::Object(Default::default())
                    } else if k == "example" || k == "examples" || k.starts_with("x-") {
                        child.clone()
                    } else {
                        strip_schemas(child, &child_ptr, out)
                    };
                    (k.clone(), value)
                })
                .collect(),
        ),
        Value::Array(items) => {
            Value::Array(items.iter().enumerate().map(|(i, c)| strip_schemas(c, &ptr.join(i), out)).collect())
        }
        other => other.clone(),
    }
}

/// Structural validation with openapiv3: each component and path item is checked on its own,
/// so one malformed element is reported at its own pointer and the rest still loads. It only
/// reads the document, so it runs on its own thread while lowering runs on the caller's.
struct Validator<'a> {
    doc: &'a Document,
    sink: Sink,
}

impl Validator<'_> {
    fn validate_shape(&mut self) {
        let doc = self.doc;
        let raw = &doc.raw;
        // openapiv3 parses schemas through untagged enums, which retry every alternative at
        // every level: on an invalid schema nested N deep that is 2^N work. So structure is
        // checked with schemas replaced by `{}`, and each schema node is checked on its own.
        let mut schemas: Vec<(Pointer, &Value)> = Vec::new();
        let root = Pointer::root();
        if let Some(paths) = raw.get("paths").and_then(Value::as_object) {
            for (path, item) in paths {
                let ptr = root.join("paths").join(path);
                let stripped = strip_schemas(item, &ptr, &mut schemas);
                if let Err((at, kind, msg)) = doc.typed::<openapiv3::ReferenceOr<openapiv3::PathItem>>(&ptr, &stripped)
                {
                    self.sink.structure(&at, kind, msg);
                }
            }
        } else if raw.get("paths").is_some() {
            self.sink.structure(&root.join("paths"), Kind::Structure, "`paths` must be an object");
        }
        if let Some(comps) = raw.get("components") {
            let mut outside = comps.clone();
            if let Some(map) = comps.get("schemas").and_then(Value::as_object) {
                for (name, schema) in map {
                    schemas.push((root.join("components").join("schemas").join(name), schema));
                }
                outside["schemas"] =
                    Value::Object(map.keys().map(|k| (k.clone(), Value::Object(Default::default()))).collect());
            }
            // 3.1's `mutualTLS` scheme is not in the 3.0 model; lowering reads it.
            if doc.version >= crate::load::Version::V3_1 {
                if let Some(schemes) = outside.get_mut("securitySchemes").and_then(Value::as_object_mut) {
                    for scheme in schemes.values_mut() {
                        if scheme.get("type").and_then(Value::as_str) == Some("mutualTLS") {
                            *scheme = serde_json::json!({"type": "http", "scheme": "mutual-tls"});
                        }
                    }
                }
            }
            // Schemas inside components' parameters, responses, bodies and headers.
            let components = root.join("components");
            let stripped = strip_schemas(&outside, &components, &mut Vec::new());
            for key in ["parameters", "responses", "requestBodies", "headers"] {
                if let Some(v) = comps.get(key) {
                    strip_schemas(v, &components.join(key), &mut schemas);
                }
            }
            if let Err((at, kind, msg)) = doc.typed::<openapiv3::Components>(&components, &stripped) {
                self.sink.structure(&at, kind, msg);
            }
        }
        for (ptr, schema) in schemas {
            self.check_schema_tree(&ptr, schema);
        }
    }

    /// Checks each node of a schema tree on its own (children replaced by `{}`), reporting the
    /// key that makes a node invalid. Linear in the size of the tree.
    fn check_schema_tree(&mut self, ptr: &Pointer, v: &Value) {
        let Some(obj) = v.as_object() else {
            if !v.is_boolean() {
                self.sink.structure(ptr, Kind::Structure, "a schema must be an object");
            }
            return;
        };
        let empty = || Value::Object(Default::default());
        let mut shallow = serde_json::Map::new();
        let mut children: Vec<(Pointer, &Value)> = Vec::new();
        for (key, value) in obj {
            let replaced = match (key.as_str(), value) {
                ("items" | "not" | "additionalProperties", Value::Object(_)) => {
                    children.push((ptr.join(key), value));
                    empty()
                }
                // JSON Schema 2020-12 (OpenAPI 3.1) allows `true` and `false` as schemas.
                ("items" | "not", Value::Bool(_)) if self.doc.version >= crate::load::Version::V3_1 => empty(),
                ("allOf" | "oneOf" | "anyOf", Value::Array(list)) => {
                    for (i, c) in list.iter().enumerate() {
                        children.push((ptr.join(key).join(i), c));
                    }
                    Value::Array(list.iter().map(|_| empty()).collect())
                }
                ("properties", Value::Object(props)) => {
                    for (name, c) in props {
                        children.push((ptr.join("properties").join(name), c));
                    }
                    Value::Object(props.keys().map(|k| (k.clone(), empty())).collect())
                }
                _ => value.clone(),
            };
            shallow.insert(key.clone(), replaced);
        }
        let doc = self.doc;
        let shallow = Value::Object(shallow);
        if let Err((_, kind, msg)) = doc.typed::<openapiv3::ReferenceOr<openapiv3::Schema>>(ptr, &shallow) {
            let keys: Vec<&String> = shallow.as_object().map(|o| o.keys().collect()).unwrap_or_default();
            let culprit = keys.into_iter().find(|key| {
                let mut without = shallow.clone();
                if let Some(o) = without.as_object_mut() {
                    o.remove(*key);
                }
                doc.typed::<openapiv3::ReferenceOr<openapiv3::Schema>>(ptr, &without).is_ok()
            });
            let at = match culprit {
                Some(key) => ptr.join(key),
                None => ptr.clone(),
            };
            self.sink.structure(&at, kind, msg);
        }
        for (child_ptr, child) in children {
            self.check_schema_tree(&child_ptr, child);
        }
    }
}

/// The module docs: `info.summary` (3.1), then `info.description`.
fn info_doc(raw: &Value) -> Vec<String> {
    let mut lines = Vec::new();
    for key in ["/info/summary", "/info/description"] {
        if let Some(text) = str_at(raw, key) {
            if !lines.is_empty() {
                lines.push(String::new());
            }
            lines.extend(doc_lines(text));
        }
    }
    lines
}

/// JSON Schema dialects whose schemas read as the generator reads them.
const KNOWN_DIALECTS: &[&str] = &[
    "https://spec.openapis.org/oas/3.1/dialect/base",
    "https://spec.openapis.org/oas/3.1/dialect/2024-11-10",
    "https://spec.openapis.org/oas/3.2/dialect/2025-09-17",
    "https://json-schema.org/draft/2020-12/schema",
];

fn str_at<'v>(v: &'v Value, pointer: &str) -> Option<&'v str> {
    v.pointer(pointer).and_then(Value::as_str)
}

/// Substitutes server variables with their defaults.
fn server_url(raw: &Value, url: &str) -> String {
    let mut out = url.to_owned();
    if let Some(vars) = raw.pointer("/servers/0/variables").and_then(Value::as_object) {
        for (name, var) in vars {
            if let Some(default) = var.get("default").and_then(Value::as_str) {
                out = out.replace(&format!("{{{name}}}"), default);
            }
        }
    }
    out
}

impl Lowerer<'_> {
    /// Gives every component schema its name first, so references in any order (and cycles)
    /// resolve to an id before any schema is looked at.
    fn register_components(&mut self) {
        let named = self.named_schemas();
        // A component that is only a `$ref` to a file whose root is a schema (the layout of a
        // split document) is that file's schema: one type, under the component's name.
        let mut same: Vec<(Pointer, Pointer)> = Vec::new();
        let bundled = Pointer::root().join(crate::bundle::BUNDLED);
        for (pointer, _) in named.iter().filter(|(p, _)| !p.starts_with(&bundled)) {
            let target = self.doc.at(pointer).and_then(|v| v.get("$ref")).and_then(Value::as_str);
            if let Some(Ok((target, _))) = target.map(|r| self.doc.resolve(r)) {
                if target.parent().as_ref() == Some(&Pointer::root().join(crate::bundle::BUNDLED))
                    && named.iter().any(|(p, _)| p == &target)
                    && !same.iter().any(|(_, t)| t == &target)
                {
                    same.push((pointer.clone(), target));
                }
            }
        }
        for (pointer, name) in named {
            // Registered with its component (root components come first).
            let component = same.iter().find(|(_, file)| file == &pointer).map(|(c, _)| c);
            if let Some(&id) = component.and_then(|c| self.by_pointer.get(c)) {
                self.by_pointer.insert(pointer, id);
                continue;
            }
            let define_at = same.iter().find(|(c, _)| c == &pointer).map(|(_, f)| f.clone());
            let chosen = self.opts.type_names.get(&name).unwrap_or(&name);
            let (want, _) = wanted_type_name(chosen);
            let (rust, holder) = self.type_names.claim_for(&want, &pointer.to_string());
            if holder.is_some() {
                self.renamed(&pointer, "schema name", &name, &rust, holder);
            }
            let id = TypeId(self.types.len());
            self.types.push(TypeDef {
                name: rust,
                doc: Vec::new(),
                pointer: define_at.clone().unwrap_or_else(|| pointer.clone()),
                spec_name: Some(name.clone()),
                kind: TypeKind::Pending,
                xml: None,
                features: Vec::new(),
                serde: true,
                builder: None,
            });
            self.by_pointer.insert(pointer, id);
        }
    }

    /// The schemas that are types by name, with the name: `components/schemas` of the root
    /// file and of the other files of a split document, and each other file whose root is a
    /// schema, named after the file (`schemas/job.yaml` is `job`).
    fn named_schemas(&self) -> Vec<(Pointer, String)> {
        let raw = &self.doc.raw;
        let components = |base: &Pointer, v: &Value| -> Vec<(Pointer, String)> {
            let schemas = v.pointer("/components/schemas").and_then(Value::as_object);
            let at = base.join("components").join("schemas");
            schemas.map(|s| s.keys().map(|n| (at.join(n), n.clone())).collect()).unwrap_or_default()
        };
        let mut out = components(&Pointer::root(), raw);
        let bundled = Pointer::root().join(crate::bundle::BUNDLED);
        // Files a root component refers to as a whole are schemas, even `{}`.
        let whole: Vec<Pointer> = out
            .iter()
            .filter_map(|(p, _)| self.doc.at(p)?.get("$ref")?.as_str())
            .filter_map(|r| self.doc.resolve(r).ok().map(|(p, _)| p))
            .filter(|p| p.parent().as_ref() == Some(&bundled))
            .collect();
        for (key, file) in raw.get(crate::bundle::BUNDLED).and_then(Value::as_object).into_iter().flatten() {
            let at = bundled.join(key);
            if crate::dialect::looks_like_schema(file) || whole.contains(&at) {
                out.push((at, crate::bundle::schema_name(key).to_owned()));
            } else {
                out.extend(components(&at, file));
            }
        }
        out
    }

    fn define_components(&mut self) {
        for (pointer, _) in self.named_schemas() {
            let Some(&id) = self.by_pointer.get(&pointer) else { continue };
            if matches!(self.types[id.0].kind, TypeKind::Pending) {
                let at = self.types[id.0].pointer.clone();
                self.define(id, &at);
            }
        }
    }

    /// `A: {$ref: B}`, `B: {$ref: A}` names no type at all. Reported, and cut so the
    /// rest of the document still generates.
    fn report_alias_cycles(&mut self) {
        for start in 0..self.types.len() {
            let mut seen = vec![start];
            let mut current = start;
            loop {
                let next = match &self.types[current].kind {
                    TypeKind::Alias(Ty::Named(j)) => j.0,
                    TypeKind::Alias(Ty::Nullable(inner)) => match inner.as_ref() {
                        Ty::Named(j) => j.0,
                        _ => break,
                    },
                    _ => break,
                };
                if next == start {
                    let ptr = self.types[start].pointer.clone();
                    let chain: Vec<String> = seen.iter().map(|&i| self.types[i].name.clone()).collect();
                    self.sink.error(
                        &ptr,
                        format!("`$ref` cycle: {} -> {} names no type", chain.join(" -> "), self.types[start].name),
                    );
                    self.types[start].kind = TypeKind::Alias(Ty::Json);
                    break;
                }
                if seen.contains(&next) {
                    break;
                }
                seen.push(next);
                current = next;
            }
        }
    }

    fn security_schemes(&mut self) -> BTreeMap<String, Security> {
        let mut out = BTreeMap::new();
        let Some(schemes) = self.doc.raw.pointer("/components/securitySchemes").and_then(Value::as_object) else {
            return out;
        };
        for (name, scheme) in schemes {
            let ptr = Pointer::root().join("components").join("securitySchemes").join(name);
            let scheme = match self.doc.deref(&ptr, scheme) {
                Ok((_, v)) => v,
                Err((at, msg)) => {
                    self.sink.error(&at, msg);
                    continue;
                }
            };
            let ty = scheme.get("type").and_then(Value::as_str).unwrap_or("");
            let parsed = match ty {
                "http" => {
                    match scheme.get("scheme").and_then(Value::as_str).map(str::to_ascii_lowercase).as_deref() {
                        Some("bearer") => Some(Security::Bearer),
                        Some("basic") => Some(Security::Basic),
                        other => {
                            self.sink.warn(&ptr, format!("http auth scheme {other:?} is not supported; set the Authorization header yourself"));
                            None
                        }
                    }
                }
                "apiKey" => {
                    let key = scheme.get("name").and_then(Value::as_str).unwrap_or_default().to_owned();
                    match scheme.get("in").and_then(Value::as_str) {
                        Some("header") => Some(Security::ApiKeyHeader(key)),
                        Some("query") => Some(Security::ApiKeyQuery(key)),
                        other => {
                            self.sink.warn(&ptr, format!("api keys in {other:?} are not supported"));
                            None
                        }
                    }
                }
                "oauth2" => match scheme.pointer("/flows/password/tokenUrl").and_then(Value::as_str) {
                    Some(url) => {
                        let reauth = scheme.get("x-reauthenticate-on").and_then(|r| {
                            let property = r.get("property")?.as_str()?.to_owned();
                            let values = r
                                .get("values")?
                                .as_array()?
                                .iter()
                                .filter_map(Value::as_str)
                                .map(str::to_owned)
                                .collect();
                            Some((property, values))
                        });
                        if scheme.get("x-reauthenticate-on").is_some() && reauth.is_none() {
                            self.sink.error(
                                &ptr.join("x-reauthenticate-on"),
                                "`x-reauthenticate-on` needs a string `property` and an array `values`",
                            );
                        }
                        Some(Security::OAuth2Password { token_url: url.to_owned(), reauthenticate_on: reauth })
                    }
                    None => match scheme.pointer("/flows/clientCredentials/tokenUrl").and_then(Value::as_str) {
                        Some(url) => {
                            let scopes = scheme.pointer("/flows/clientCredentials/scopes").and_then(Value::as_object);
                            Some(Security::OAuth2ClientCredentials {
                                token_url: url.to_owned(),
                                scopes: scopes.map(|s| s.keys().cloned().collect()).unwrap_or_default(),
                            })
                        }
                        // Other flows end in a bearer token obtained elsewhere.
                        None => Some(Security::Bearer),
                    },
                },
                "openIdConnect" => Some(Security::Bearer),
                "mutualTLS" => Some(Security::MutualTls),
                other => {
                    self.sink.warn(&ptr, format!("security scheme type {other:?} is not supported"));
                    None
                }
            };
            if let Some(p) = parsed {
                out.insert(name.clone(), p);
            }
        }
        out
    }

    /// Reports a naming problem: a warning, which strict runs turn into an error.
    /// `holder` is who has the name: a spec location, or `None` for a name the generated
    /// code defines itself (from [`Scope::claim_for`]).
    /// The extra derives of `Options::derives`, each checked to be a Rust path; one that is
    /// not is an error (at the document's root: it comes from the options, not the document).
    fn derives(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        for d in &self.opts.derives {
            match syn::parse_str::<syn::Path>(d) {
                Ok(_) if !out.contains(d) => out.push(d.clone()),
                Ok(_) => {}
                Err(e) => self.sink.error(&Pointer::root(), format!("derive `{d}` is not a Rust path: {e}")),
            }
        }
        out
    }

    /// Warns about `Options::type_names` entries that name no component schema.
    fn unused_type_names(&mut self) {
        let schemas = self.doc.raw.pointer("/components/schemas").and_then(Value::as_object);
        let unknown: Vec<String> = self
            .opts
            .type_names
            .keys()
            .filter(|name| !schemas.is_some_and(|s| s.contains_key(name.as_str())))
            .cloned()
            .collect();
        let at = Pointer::root().join("components").join("schemas");
        for name in unknown {
            self.sink.warn(&at, format!("a type name is set for `{name}`, but the document has no such schema"));
        }
    }

    pub(crate) fn renamed(
        &mut self,
        pointer: &Pointer,
        what: &str,
        wire: &str,
        rust: &str,
        holder: Option<Option<String>>,
    ) {
        let message = match holder.flatten() {
            Some(at) if !at.is_empty() => {
                format!("{what} `{wire}` collides with `{at}` after case conversion; generated as `{rust}`")
            }
            _ => format!("{what} `{wire}` is a name the generated client defines itself; generated as `{rust}`"),
        };
        self.sink.warn(pointer, message);
    }

    /// The type a `Ty` names, for diagnostics and derived names.
    pub(crate) fn ty_name(&self, ty: &Ty) -> String {
        match ty {
            Ty::Named(id) => self.types[id.0].name.clone(),
            Ty::String => "String".into(),
            Ty::Secret => "Secret".into(),
            Ty::Bool => "Bool".into(),
            Ty::I32 | Ty::I64 => "Integer".into(),
            Ty::F32 | Ty::F64 => "Number".into(),
            Ty::Uuid => "Uuid".into(),
            Ty::DateTime => "DateTime".into(),
            Ty::Date => "Date".into(),
            Ty::Bytes => "Bytes".into(),
            Ty::Json => "Json".into(),
            Ty::Vec(t) => format!("{}List", self.ty_name(t)),
            Ty::Tuple(_) => "Tuple".into(),
            Ty::Map(t) => format!("{}Map", self.ty_name(t)),
            Ty::Nullable(t) | Ty::Boxed(t) => self.ty_name(t),
        }
    }
}
