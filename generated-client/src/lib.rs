//! Typed async clients for the Veeam Backup & Replication REST API ([`vbr`]) and the Veeam
//! Backup Enterprise Manager REST API ([`em`]).
//!
//! [`vbr`] and [`em`] are generated from `spec/vbr.yaml` and `spec/em.yaml` by
//! `cargo xtask codegen`; [`runtime`] is the hand-written crate `openapi-client-runtime`, shared
//! by both and by every client the generator makes.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use veeam_client::{runtime::Secret, vbr};
//!
//! let client = vbr::Client::builder("https://vbr.example.com:9419").build()?;
//! client.login("admin", Secret::from("password")).await?;
//! let page = client.get_all_creds(&vbr::types::GetAllCredsParams::new().with_limit(50)).await?;
//! for record in page.data {
//!     println!("{record:?}");
//! }
//! # Ok(())
//! # }
//! ```

#![deny(missing_docs)]
// Numeric conversions are checked: a server's number never wraps or truncates silently.
#![warn(clippy::cast_possible_truncation, clippy::cast_possible_wrap, clippy::cast_sign_loss)]

/// The runtime both clients are built on, the crate `openapi-client-runtime`: the
/// transport, login and token renewal, retries, paging, waits, redaction and the mock server.
pub use openapi_client_runtime as runtime;

#[rustfmt::skip] // generated and formatted by prettyplease: `cargo xtask codegen`
pub mod em;
#[rustfmt::skip] // generated and formatted by prettyplease: `cargo xtask codegen`
pub mod vbr;

/// The README's Rust examples, compiled as doc tests so they cannot drift from the API.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
