//! Generates a typed async Rust client from an OpenAPI 3.0 document.
//!
//! The pipeline is pure: [`load::Document::parse`] turns text into a value tree, lowering
//! turns that into an owned IR ([`ir::Api`]) with every name decided and every reference
//! resolved, emitting turns the IR into tokens, and formatting happens once at the end.
//! Nothing here reads or writes files; `xtask` does.

#![deny(missing_docs)]

pub mod bundle;
pub mod canonical;
pub mod diag;
mod dialect;
pub mod docs;
mod emit;
mod format;
pub mod ir;
pub mod load;
mod lower;
pub mod naming;
pub mod pointer;
pub mod surface;

use std::collections::BTreeMap;

pub use diag::{Diagnostic, Diagnostics, Kind, Severity};
pub use features::slug as features_slug;
pub use load::Document;
/// The flags the runtime's command line defines for itself, which no generated parameter takes
/// (the runtime keeps the same list as `cli::RESERVED_FLAGS`; a test holds them equal).
pub use lower::cli::RESERVED_FLAGS as CLI_RESERVED_FLAGS;
pub use pointer::Pointer;
pub use surface::{api_surface, Surface};

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
    /// Also format each item on its own into [`Generated::items`] (for snapshot tests).
    pub item_sources: bool,
    /// Derives added to every generated data type (structs, string enums, unions, newtypes),
    /// e.g. `Hash` or `schemars::JsonSchema`; each must be a Rust path.
    pub derives: Vec<String>,
    /// Rust names chosen for component schemas: spec name (`CredentialsModel`) → Rust name
    /// (`Credential`). The name still goes through the naming scope, so a collision is
    /// reported, not silently shadowed.
    pub type_names: BTreeMap<String, String>,
    /// Also emit `cli.rs` (cargo feature `cli`): the API as a command line, a data table the
    /// runtime's `cli` module turns into commands.
    pub cli: bool,
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
            item_sources: true,
            derives: Vec::new(),
            type_names: BTreeMap::new(),
            cli: false,
        }
    }
}

/// The generated module: file name (relative to the module's folder) → contents.
#[derive(Debug)]
pub struct Generated {
    /// `mod.rs`, `types.rs`, `client.rs`, `mock.rs`, `dispatch.rs` (and `webhooks.rs`).
    pub files: BTreeMap<String, String>,
    /// Each generated item's formatted source, keyed `type_{Name}` or `operation_{name}`
    /// (for snapshot tests).
    pub items: BTreeMap<String, String>,
    /// Warnings that did not stop generation.
    pub warnings: Vec<Diagnostic>,
    /// The lowered API, for callers that report on it (operation and type counts, features).
    pub api: ir::Api,
    /// Time spent in each stage.
    pub timings: Timings,
}

/// Where generated code is looser than a typed value (`serde_json::Value`), and why.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Loose {
    /// The document itself leaves the value untyped (no `type`, `{}`, free-form
    /// `additionalProperties`).
    pub untyped: usize,
    /// The generator loosened a schema it could not type (`not`, a mixed enum, …), with a
    /// warning at that place.
    pub degraded: usize,
}

impl Generated {
    /// The module as one file, for a build script to `include!` into a module of its own:
    /// `mod.rs` with each submodule's file inlined as `mod name { … }`. A file that is
    /// `include!`d cannot carry inner attributes or `//!` docs, so the module file's are
    /// left out (the including module has its own); the submodules keep theirs, which are
    /// allowed at the start of a `mod` block.
    pub fn single_file(&self) -> String {
        let mut out = String::new();
        let Some(root) = self.files.get("mod.rs") else { return out };
        for line in root.lines() {
            let trimmed = line.trim();
            if trimmed.starts_with("//!") || trimmed.starts_with("#![") {
                continue;
            }
            let (vis, rest) = match trimmed.strip_prefix("pub ") {
                Some(rest) => ("pub ", rest),
                None => ("", trimmed),
            };
            let inlined = rest
                .strip_prefix("mod ")
                .and_then(|r| r.strip_suffix(';'))
                .and_then(|name| self.files.get(&format!("{name}.rs")).map(|body| (name, body)));
            match inlined {
                Some((name, body)) => out.push_str(&format!("{vis}mod {name} {{\n{body}}}\n")),
                None => {
                    out.push_str(line);
                    out.push('\n');
                }
            }
        }
        out
    }

    /// Counts the struct fields typed `serde_json::Value` (directly, or inside an array,
    /// map or option), split by whether a warning at the field says the generator
    /// loosened it.
    pub fn loose(&self) -> Loose {
        fn json_inside(ty: &ir::Ty) -> bool {
            match ty {
                ir::Ty::Json => true,
                ir::Ty::Vec(t) | ir::Ty::Map(t) | ir::Ty::Nullable(t) | ir::Ty::Boxed(t) => json_inside(t),
                ir::Ty::Tuple(items) => items.iter().any(json_inside),
                _ => false,
            }
        }
        let mut loose = Loose::default();
        for t in &self.api.types {
            let ir::TypeKind::Struct(fields) = &t.kind else { continue };
            for f in fields.iter().filter(|f| json_inside(&f.ty)) {
                let at = f.pointer.to_string();
                let warned = self.warnings.iter().any(|w| w.pointer == at || w.pointer.starts_with(&format!("{at}/")));
                if warned {
                    loose.degraded += 1;
                } else {
                    loose.untyped += 1;
                }
            }
        }
        loose
    }
}

/// Wall-clock time of each stage of one [`generate`] call.
#[derive(Clone, Copy, Debug, Default)]
pub struct Timings {
    /// Structural validation and lowering to the IR.
    pub lower: std::time::Duration,
    /// Emitting tokens from the IR and formatting them (syn + prettyplease), in parallel.
    pub render: std::time::Duration,
}

/// Stack for the generation threads. Lowering and syn's parser recurse once per nesting
/// level of a schema; a legal document nested a hundred levels deep must not overflow the
/// caller's (possibly 2 MiB) stack. Reserved, not committed, memory.
pub(crate) const STACK: usize = 256 << 20;

/// Generates the client module for a loaded document.
pub fn generate(doc: &Document, opts: &Options) -> Result<Generated, Diagnostics> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("generate".into())
            .stack_size(STACK)
            .spawn_scoped(scope, || generate_on_this_thread(doc, opts))
            .map_err(|e| format::internal_message(&doc.file, &format!("cannot start the generation thread: {e}")))?
            .join()
            .unwrap_or_else(|_| Err(format::internal_panic(&doc.file)))
    })
}

fn generate_on_this_thread(doc: &Document, opts: &Options) -> Result<Generated, Diagnostics> {
    let started = std::time::Instant::now();
    let mut timings = Timings::default();
    let (mut api, mut sink) = lower::lower(doc, opts);
    if opts.features_per_tag {
        features::assign(&mut api);
    }
    check_xml(&api, &mut sink);
    let deny = opts.deny_warnings;
    let diags = precise_only(sink.into_vec());
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
    timings.lower = started.elapsed();
    let started = std::time::Instant::now();
    let header = format::header(opts);
    // Every item of every file in one batch, so the threads share the whole load.
    let mut jobs: Vec<Job> = (0..api.types.len()).map(Job::Type).collect();
    let types_end = jobs.len();
    jobs.push(Job::Client);
    jobs.extend((0..api.operations.len()).map(Job::Operation));
    jobs.extend((0..api.long_running.len()).map(Job::Wait));
    let client_end = jobs.len();
    if !api.webhooks.is_empty() {
        jobs.push(Job::Webhooks);
    }
    let webhooks_end = jobs.len();
    // The mock server (cargo feature `mock`): compiled only by crates that ask for it.
    jobs.push(Job::MockServer);
    jobs.extend((0..api.operations.len()).map(Job::MockOperation));
    let mock_end = jobs.len();
    // Every operation by its `operationId` with JSON arguments (cargo feature `dispatch`).
    jobs.extend([Job::DispatchOperations, Job::DispatchCall, Job::DispatchStream]);
    let dispatch_end = jobs.len();
    // The command line (cargo feature `cli`), when asked for.
    if api.cli.is_some() {
        jobs.extend([Job::CliTable, Job::CliClient]);
    }
    let mut rendered = render(&api, opts, &jobs, &doc.file)?;
    let cli_items = rendered.split_off(dispatch_end);
    let dispatch_items = rendered.split_off(mock_end);
    let mock_items = rendered.split_off(webhooks_end);
    let webhook_items = rendered.split_off(client_end);
    let client_items = rendered.split_off(types_end);
    let type_items = rendered;
    let mut files = BTreeMap::new();
    let mut extra_items = Vec::new();
    files.insert(
        "types.rs".to_owned(),
        format::assemble(
            &header,
            "//! Types from the spec's schemas, and the parameter and response types of its operations.",
            &type_items,
        ),
    );
    files.insert(
        "client.rs".to_owned(),
        format::assemble(&header, "//! The client: one async method per operation.", &client_items),
    );
    if !webhook_items.is_empty() {
        let inner = "//! Webhooks: the requests this API sends, decoded into one typed event.";
        files.insert("webhooks.rs".to_owned(), format::assemble(&header, inner, &webhook_items));
        if opts.item_sources {
            extra_items.extend(webhook_items);
        }
    }
    let inner = "//! An in-process mock server of this API for tests (cargo feature `mock`).";
    files.insert("mock.rs".to_owned(), format::assemble(&header, inner, &mock_items));
    let inner = "//! Every operation by its `operationId`, called with JSON arguments through the typed client (cargo feature `dispatch`).";
    files.insert("dispatch.rs".to_owned(), format::assemble(&header, inner, &dispatch_items));
    if !cli_items.is_empty() {
        let inner =
            "//! The API as a command line (cargo feature `cli`): a table of its commands that `runtime::cli` reads.";
        files.insert("cli.rs".to_owned(), format::assemble(&header, inner, &cli_items));
    }
    files.insert("mod.rs".to_owned(), format::module_file(&header, &api, &doc.file)?);
    let mut items = BTreeMap::new();
    if opts.item_sources {
        for (name, src) in type_items {
            items.insert(format!("type_{name}"), src);
        }
        items.extend(client_items);
        items.extend(extra_items);
    }
    timings.render = started.elapsed();
    Ok(Generated { files, items, warnings: diags, api, timings })
}

/// One item to emit.
#[derive(Clone, Copy)]
enum Job {
    Type(usize),
    Client,
    Operation(usize),
    Wait(usize),
    Webhooks,
    MockServer,
    MockOperation(usize),
    DispatchOperations,
    DispatchCall,
    DispatchStream,
    CliTable,
    CliClient,
}

/// Emits and formats items on all cores. Token streams cannot cross threads, so each thread
/// emits its own items from the shared IR, taking the next job from a shared counter (items
/// differ in size a hundredfold, so fixed shares would leave a core idle); the output is in
/// job order whatever the number of threads, so it stays byte-identical.
fn render(api: &ir::Api, opts: &Options, jobs: &[Job], file: &str) -> Result<Vec<(String, String)>, Diagnostics> {
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).clamp(1, 8).min(jobs.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    type Done = Vec<(usize, Result<(String, String), Diagnostics>)>;
    let results: Vec<Result<Done, Diagnostics>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                std::thread::Builder::new().stack_size(STACK).spawn_scoped(scope, || {
                    let e = emit::Emitter::new(api, &opts.runtime_path);
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(job) = jobs.get(i) else { break done };
                        let (key, tokens) = match *job {
                            Job::Type(i) => emit::type_item(&e, i),
                            Job::Client => emit::client_item(&e),
                            Job::Operation(i) => emit::operation_item(&e, i),
                            Job::Wait(i) => emit::wait_item(&e, i),
                            Job::Webhooks => ("webhooks".to_owned(), emit::webhooks_item(&e)),
                            Job::MockServer => emit::mock_server_item(&e),
                            Job::MockOperation(i) => emit::mock_operation_item(&e, i),
                            Job::DispatchOperations => emit::dispatch_operations_item(&e),
                            Job::DispatchCall => emit::dispatch_call_item(&e),
                            Job::DispatchStream => emit::dispatch_stream_item(&e),
                            Job::CliTable => emit::cli_table_item(&e),
                            Job::CliClient => emit::cli_client_item(&e),
                        };
                        done.push((i, format::format_item(tokens, file).map(|src| (key, src))));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| match h {
                Ok(h) => h.join().map_err(|_| format::internal_panic(file)),
                Err(e) => Err(format::internal_message(file, &format!("cannot start a rendering thread: {e}"))),
            })
            .collect()
    });
    let mut slots: Vec<Option<(String, String)>> = vec![None; jobs.len()];
    for done in results {
        for (i, item) in done? {
            slots[i] = Some(item?);
        }
    }
    Ok(slots.into_iter().flatten().collect())
}
/// The structural check can only say "not a valid schema" for a whole schema; when lowering
/// found the exact element inside it, the vague report is dropped.
fn precise_only(diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let vague = |d: &Diagnostic| d.kind == Kind::Unrecognized;
    diags
        .iter()
        .filter(|d| !(vague(d) && diags.iter().any(|o| !vague(o) && o.pointer.starts_with(&format!("{}/", d.pointer)))))
        .cloned()
        .collect()
}

/// Reports struct fields that travel as XML but have no XML form (maps, free-form JSON).
fn check_xml(api: &ir::Api, sink: &mut diag::Sink) {
    let emitter = emit::Emitter::new(api, "crate::runtime");
    for &i in emitter.xml_types {
        if let ir::TypeKind::Struct(fields) = &api.types[i].kind {
            for f in fields {
                let inner = match &f.ty {
                    ir::Ty::Nullable(t) => t.as_ref(),
                    t => t,
                };
                if !emitter.xml_capable(inner) {
                    sink.warn(
                        &f.pointer,
                        "this property has no XML form (map, union or free-form value); it is left out of XML bodies",
                    );
                }
            }
        }
    }
}

mod features;
