//! Generates a typed async Rust client from an OpenAPI 3.0 document.
//!
//! The pipeline is pure: [`load::Document::parse`] turns text into a value tree, lowering
//! turns that into an owned IR ([`ir::Api`]) with every name decided and every reference
//! resolved, emitting turns the IR into tokens, and formatting happens once at the end.
//! Nothing here reads or writes files; `xtask` does.

#![deny(missing_docs)]

pub mod diag;
pub mod canonical;
pub mod docs;
pub mod ir;
pub mod load;
mod lower;
pub mod naming;
mod emit;
mod format;

use std::collections::BTreeMap;

pub use diag::{Diagnostic, Diagnostics, Severity};
pub use load::Document;

/// How to generate.
#[derive(Clone, Debug)]
pub struct Options {
    /// Path of the runtime module from inside the generated module, e.g. `crate::runtime`.
    pub runtime_path: String,
    /// Treat warnings as errors: a curated spec must be fully typed.
    pub deny_warnings: bool,
    /// Warn when an inline schema's derived name is taken and it gets a suffix.
    pub strict_inline_names: bool,
    /// Gate each operation and the types only it uses behind a cargo feature per tag.
    pub features_per_tag: bool,
    /// The command that regenerates the files, for the do-not-edit header.
    pub command: String,
    /// The spec file as the header names it.
    pub source: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            runtime_path: "crate::runtime".into(),
            deny_warnings: false,
            strict_inline_names: false,
            features_per_tag: false,
            command: "cargo xtask codegen".into(),
            source: String::new(),
        }
    }
}

/// The generated module: file name (relative to the module's folder) → contents.
#[derive(Debug)]
pub struct Generated {
    /// `mod.rs`, `types.rs`, `client.rs`.
    pub files: BTreeMap<String, String>,
    /// Each generated item's formatted source, keyed `type_{Name}` or `operation_{name}`
    /// (for snapshot tests).
    pub items: BTreeMap<String, String>,
    /// Warnings that did not stop generation.
    pub warnings: Vec<Diagnostic>,
    /// The lowered API, for callers that report on it (operation and type counts, features).
    pub api: ir::Api,
}

/// Generates the client module for a loaded document.
pub fn generate(doc: &Document, opts: &Options) -> Result<Generated, Diagnostics> {
    let (mut api, mut sink) = lower::lower(doc, opts);
    if opts.features_per_tag {
        features::assign(&mut api);
    }
    check_xml(&api, &mut sink);
    let deny = opts.deny_warnings;
    let diags = sink.into_vec();
    let failed = diags.iter().any(|d| d.severity == Severity::Error || deny);
    if failed {
        let mut diags = diags;
        if deny {
            for d in &mut diags {
                d.severity = Severity::Error;
            }
        }
        return Err(Diagnostics(diags));
    }
    let emitter = emit::Emitter::new(&api, &opts.runtime_path);
    let types = emit::types_file(&emitter);
    let client = emit::client_file(&emitter);
    let header = format::header(opts);
    let mut items = BTreeMap::new();
    for (name, tokens) in types.iter() {
        items.insert(format!("type_{name}"), format::format_item(tokens, &doc.file)?);
    }
    for (name, tokens) in client.iter() {
        items.insert(name.clone(), format::format_item(tokens, &doc.file)?);
    }
    let mut files = BTreeMap::new();
    let types_tokens = types.into_iter().map(|(_, t)| t);
    files.insert(
        "types.rs".to_owned(),
        format::format_file(&header, "//! Types from the spec's schemas, and the parameter and response types of its operations.", quote::quote!(#(#types_tokens)*), &doc.file)?,
    );
    let client_tokens = client.into_iter().map(|(_, t)| t);
    files.insert(
        "client.rs".to_owned(),
        format::format_file(&header, "//! The client: one async method per operation.", quote::quote!(#(#client_tokens)*), &doc.file)?,
    );
    files.insert("mod.rs".to_owned(), format::module_file(&header, &api, &doc.file)?);
    Ok(Generated { files, items, warnings: diags, api })
}

/// Reports struct fields that travel as XML but have no XML form (maps, free-form JSON).
fn check_xml(api: &ir::Api, sink: &mut diag::Sink) {
    let emitter = emit::Emitter::new(api, "crate::runtime");
    for &i in &emitter.xml_types {
        if let ir::TypeKind::Struct(fields) = &api.types[i].kind {
            for f in fields {
                let inner = match &f.ty {
                    ir::Ty::Nullable(t) => t.as_ref(),
                    t => t,
                };
                if !emitter.xml_capable(inner) {
                    sink.warn(&format!("{}/properties/{}", api.types[i].pointer, f.wire), "this property has no XML form (map, union or free-form value); it is left out of XML bodies");
                }
            }
        }
    }
}

mod features;
