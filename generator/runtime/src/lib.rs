//! The runtime the generated clients use. Hand-written, not generated, and split by concern
//! in the manner of smithy-rs's orchestrator, in layers whose references point down only
//! (`tests/layers.rs` holds the table and checks every `super::` path against it):
//!
//! 1. descriptors and codecs: `operation` (what generated code says about an operation:
//!    [`Method`], [`AuthScheme`], [`Operation`], [`Format`]), `secret`, `redact` (blanking
//!    secrets out of error text), `error`, `de`, `ser`, `style`, `params`, `unknown`, `xml`;
//! 2. transport: `transport` (one capped exchange, and the pool, base URL and caps it owns),
//!    `retry` (what an attempt came to and what follows: [`RetryPolicy`], classification),
//!    `oauth2` (one grant sent to a token endpoint);
//! 3. identity: `identity`, the credentials held and the single-flight, cancellation-safe
//!    token lifecycle over a token source, with no reference back to the client;
//! 4. messages: `request` (request building and the send loop), `response` (decoding answers
//!    and errors), `body`, `paging`, `wait` (polling a long-running operation's status until
//!    its work ends), `webhook` (decoding requests an API sends); and beside them `mock` and
//!    `dispatch` (calling an operation by its `operationId` with JSON arguments);
//! 5. client: `core` (the client every generated type wraps), `config` (its builder), `raw`.
//!
//! Generated crates depend on this crate. `openapi-client-gen --vendor-runtime` copies its
//! sources into a generated crate instead (as the module `runtime`), so it depends only on
//! crates from crates.io and its modules refer to each other through `super::`. Items only
//! generated code uses are `#[doc(hidden)]`.

#![deny(missing_docs)]
// Numeric conversions are checked: a server's number never wraps or truncates silently.
#![warn(clippy::cast_possible_truncation, clippy::cast_possible_wrap, clippy::cast_sign_loss)]

mod body;
#[cfg(feature = "cli")]
pub mod cli;
mod config;
mod core;
#[doc(hidden)]
pub mod de;
#[cfg(feature = "dispatch")]
pub mod dispatch;
pub mod error;
mod identity;
#[cfg(feature = "mock")]
pub mod mock;
mod oauth2;
mod operation;
mod paging;
mod params;
mod raw;
mod redact;
mod request;
mod response;
mod retry;
pub mod revision;
mod secret;
#[doc(hidden)]
pub mod ser;
#[doc(hidden)]
pub mod style;
mod transport;
mod unknown;
mod wait;
mod webhook;
#[doc(hidden)]
pub mod xml;

pub use self::body::{ByteStream, FilePart, Multipart, Upload};
pub use self::config::{BuildError, ClientBuilder, Redirects, DEFAULT_MAX_RESPONSE_BODY};
pub use self::core::Core;
pub use self::error::{ApiErrorBody, Error, ErrorBody};
pub use self::operation::{Format, Method};
pub use self::raw::RawCall;
pub use self::response::Response;
pub use self::retry::RetryPolicy;
pub use self::revision::{ApiRevision, Spoken};
pub use self::secret::Secret;
pub use self::unknown::UnknownValue;
pub use self::wait::{Done, LongRunning, Progress, Stopping, Wait, WaitError, STOP_GRACE};
pub use self::webhook::WebhookError;

#[doc(hidden)]
pub use self::config::FromCore;
#[doc(hidden)]
pub use self::operation::{AuthScheme, Operation};
#[doc(hidden)]
pub use self::paging::{paginate, paginate_or_once, Page};
#[doc(hidden)]
pub use self::params::{array, content_json, path_param, primitive, structured, In, ParamStyle, ParamValue, Shaped};
#[doc(hidden)]
pub use self::request::Request;
#[doc(hidden)]
pub use self::style::Style;
#[doc(hidden)]
pub use self::wait::{BoxFuture, WaitSpec};
#[doc(hidden)]
pub use self::webhook::decode as decode_webhook;

/// Re-exported for the stream types in generated signatures.
pub use futures;
