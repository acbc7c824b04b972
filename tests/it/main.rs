//! The workspace's integration tests: one binary, one module per area.
//!
//! One binary rather than one per file because every test binary links the whole dependency
//! graph (reqwest, axum, rustls, the generator) again; cargo and rust-analyzer keep theirs the
//! same way. Tests of different modules run side by side in one process, so a test that
//! needs the process to itself (it measures memory, say, or may abort) runs its body in a
//! child process ([`support::in_child`]), and the ones that keep both cores busy take turns
//! ([`support::exclusive`]).
//!
//! Run one area, or one test, by its module path:
//!
//! ```text
//! cargo test -p tests --test it -- hostile::
//! cargo test -p tests --test it -- --exact fuzz::generate --nocapture
//! ```

// Shared peers and probes first; then the areas, alphabetically.
mod support;

mod bad_specs;
mod call_signatures;
mod cli;
mod codegen_fresh;
mod compile_fixtures;
mod conformance;
mod em_e2e;
mod em_xml_roundtrip;
mod examples;
mod fuzz;
mod hostile;
mod mock;
mod prism_contract;
mod revisions;
mod secrets_debug;
mod snapshots;
mod soak;
mod spec_checks;
mod spec_lint;
mod vbr_e2e;
mod wait;
mod webhooks;
