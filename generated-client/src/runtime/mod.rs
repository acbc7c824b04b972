//! The runtime the generated clients use. Hand-written, not generated: HTTP, auth, retries,
//! paging, errors, secrets and XML live here, so generated methods stay declarative.
//!
//! `cargo xtask generate` copies this folder into standalone crates, so it depends only on
//! crates from crates.io and refers to itself through `super::`.

mod auth;
mod core;
pub mod de;
pub mod error;
mod paging;
mod params;
mod secret;
pub mod ser;
mod unknown;
pub mod xml;

pub use self::core::{AuthScheme, BuildError, ClientBuilder, Core, Format, FromCore, Method, Operation, Request, Response, RetryPolicy};
pub use self::error::{ApiErrorBody, Error, ErrorBody};
pub use self::paging::paginate;
pub use self::params::{encode_path, json_param, ParamValue};
pub use self::secret::Secret;
pub use self::unknown::UnknownValue;

/// Re-exported for the stream types in generated signatures.
pub use futures;
