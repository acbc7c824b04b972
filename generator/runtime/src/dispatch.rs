//! Calling an operation by its `operationId` with JSON arguments (cargo feature `dispatch`):
//! what a generated `dispatch` module is made of.
//!
//! A generated `dispatch::call` has one match arm per operation. Each arm reads the
//! operation's arguments out of an [`Input`] into the typed parameter and body types (with
//! serde, so a value that does not fit is [`DispatchError::BadInput`] naming the argument),
//! calls the typed client method, and writes the typed answer back as JSON
//! ([`Input::answer`]). A test, a command line or a scripting bridge can so reach every
//! operation of an API from its list ([`OperationInfo`]) while every call still goes through
//! the generated signature and serialization.

use std::fmt::Debug;

use futures::stream::{BoxStream, Stream, StreamExt};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use super::body::{ByteStream, Upload};
use super::error::Error;
use super::operation::Method;
use super::redact::scrub;
use super::ser::as_request;

/// One operation as a generated `dispatch` module lists it (`dispatch::OPERATIONS`, in spec
/// order). Built with [`OperationInfo::new`] and its `const` setters, so a field added later
/// breaks no generated module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OperationInfo {
    /// `operationId`.
    pub id: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// The path template as the spec writes it.
    pub path: &'static str,
    /// The operation's first tag.
    pub tag: Option<&'static str>,
    /// The cargo feature that compiles the operation in (per-tag features), if any.
    pub feature: Option<&'static str>,
    /// Whether the operation is compiled in (its feature is on, or it has none).
    pub enabled: bool,
    /// Whether the operation pages (`x-pagination`), so `dispatch::stream` lists its items.
    pub paged: bool,
    /// Why `dispatch::call` cannot call the operation, if it cannot.
    pub unsupported: Option<&'static str>,
}

impl OperationInfo {
    /// An enabled operation without tag, feature or paging.
    pub const fn new(id: &'static str, method: Method, path: &'static str) -> Self {
        OperationInfo { id, method, path, tag: None, feature: None, enabled: true, paged: false, unsupported: None }
    }

    /// With its first tag.
    pub const fn tag(mut self, tag: &'static str) -> Self {
        self.tag = Some(tag);
        self
    }

    /// Compiled in by `feature`, which is on when `enabled`.
    pub const fn feature(mut self, feature: &'static str, enabled: bool) -> Self {
        self.feature = Some(feature);
        self.enabled = enabled;
        self
    }

    /// An operation that pages.
    pub const fn paged(mut self) -> Self {
        self.paged = true;
        self
    }

    /// An operation `dispatch::call` cannot call, and why.
    pub const fn unsupported(mut self, why: &'static str) -> Self {
        self.unsupported = Some(why);
        self
    }
}

/// Why a dispatched call did not answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DispatchError {
    /// The API has no operation of that `operationId`.
    #[error("no operation `{operation}` in this API")]
    UnknownOperation {
        /// The `operationId` asked for.
        operation: String,
    },
    /// The operation exists but its cargo feature is off.
    #[error("{operation}: compiled out; enable the cargo feature `{feature}`")]
    Disabled {
        /// `operationId`.
        operation: &'static str,
        /// The feature that compiles it in.
        feature: &'static str,
    },
    /// The operation (or its stream) cannot be called with JSON arguments.
    #[error("{operation}: cannot be called through dispatch: {why}")]
    Unsupported {
        /// `operationId`.
        operation: &'static str,
        /// Why (a multipart body, say).
        why: &'static str,
    },
    /// An argument is missing, unknown, or does not fit its type. Quoted values are left out
    /// of the message, as an argument may be a secret.
    #[error("{operation}: {argument}: {message}")]
    BadInput {
        /// `operationId`.
        operation: String,
        /// The argument: ``path `id` ``, ``params `limit` ``, `params`, `body` or `input`.
        argument: String,
        /// What is wrong (for a value, the serde error and where in the value).
        message: String,
    },
    /// The typed answer has no JSON form (a map with keys that are not strings).
    #[error("{operation}: the answer has no JSON form: {message}")]
    Unrepresentable {
        /// `operationId`.
        operation: String,
        /// The serializer's message.
        message: String,
    },
    /// The client's own error, its `Api` body as JSON (operations with error types of their
    /// own have other body types than the API's).
    #[error(transparent)]
    Client(Error<Value>),
}

impl DispatchError {
    /// The client's error, if the call was made and failed.
    pub fn client(&self) -> Option<&Error<Value>> {
        match self {
            DispatchError::Client(e) => Some(e),
            _ => None,
        }
    }
}

/// The arguments of one dispatched call, `{"path": {…}, "params": {…}, "body": …}`:
///
/// - `path`: the path parameters, by their names in the spec;
/// - `params`: the query, header and cookie parameters, required and optional alike, by their
///   names in the spec (what the client's `Params` struct holds, and the required ones it
///   takes as arguments);
/// - `body`: the request body as JSON (a binary body: a string, sent as its UTF-8 bytes).
///
/// Every key may be left out when it has nothing to say; a name the operation does not have
/// is refused. After the call, [`Input::sent_body`] and [`Input::answer_debug`] show what the
/// typed values were.
#[derive(Debug)]
pub struct Input {
    operation: String,
    path: Map<String, Value>,
    params: Map<String, Value>,
    body: Option<Value>,
    sent: Option<Value>,
    answer: Option<String>,
}

impl Input {
    /// Splits `input` into its parts for the operation `operation`.
    pub fn new(operation: &str, input: Value) -> Result<Input, DispatchError> {
        let bad = |argument: &str, message: &str| DispatchError::BadInput {
            operation: operation.to_owned(),
            argument: argument.to_owned(),
            message: message.to_owned(),
        };
        let mut map = match input {
            Value::Object(map) => map,
            Value::Null => Map::new(),
            _ => return Err(bad("input", "not an object with `path`, `params` and `body`")),
        };
        let mut object = |key: &str| match map.remove(key) {
            None | Some(Value::Null) => Ok(Map::new()),
            Some(Value::Object(m)) => Ok(m),
            Some(_) => Err(bad(key, "not an object of names and values")),
        };
        let (path, params) = (object("path")?, object("params")?);
        let body = map.remove("body").filter(|b| !b.is_null());
        if let Some(key) = map.keys().next() {
            return Err(bad(&format!("`{key}`"), "not a part of the input: `path`, `params` or `body`"));
        }
        Ok(Input { operation: operation.to_owned(), path, params, body, sent: None, answer: None })
    }

    /// The `operationId` called.
    pub fn operation(&self) -> &str {
        &self.operation
    }

    /// The request body as the typed value writes it (what a JSON request carries), once the
    /// call has read it.
    pub fn sent_body(&self) -> Option<&Value> {
        self.sent.as_ref()
    }

    /// The typed answer's `Debug` form, once the call has answered: it shows what JSON cannot,
    /// such as a value decoded into an enum's or a union's catch-all variant.
    pub fn answer_debug(&self) -> Option<&str> {
        self.answer.as_deref()
    }

    fn bad(&self, argument: String, message: String) -> DispatchError {
        DispatchError::BadInput { operation: self.operation.clone(), argument, message }
    }

    fn decode<T: DeserializeOwned>(&self, argument: String, value: Value) -> Result<T, DispatchError> {
        serde_path_to_error::deserialize(value).map_err(|e| {
            let at = e.path().to_string();
            let message = match at.as_str() {
                "." => e.into_inner().to_string(),
                _ => format!("at `{at}`: {}", e.into_inner()),
            };
            self.bad(argument, scrub(&message))
        })
    }

    /// A value that is required: absent, it is read from `null` (an `Option` is `None`, any
    /// other type says it is missing).
    fn required<T: DeserializeOwned>(&self, argument: String, value: Option<Value>) -> Result<T, DispatchError> {
        match value {
            Some(value) => self.decode(argument, value),
            None => T::deserialize(Value::Null).map_err(|_| self.bad(argument, "missing".into())),
        }
    }

    /// A path parameter.
    #[doc(hidden)]
    pub fn path<T: DeserializeOwned>(&mut self, name: &str) -> Result<T, DispatchError> {
        let value = self.path.remove(name);
        self.required(format!("path `{name}`"), value)
    }

    /// A required query, header or cookie parameter.
    #[doc(hidden)]
    pub fn param<T: DeserializeOwned>(&mut self, name: &str) -> Result<T, DispatchError> {
        let value = self.params.remove(name);
        self.required(format!("params `{name}`"), value)
    }

    /// The operation's `Params` struct, from every parameter not read yet.
    #[doc(hidden)]
    pub fn params<T: DeserializeOwned>(&mut self) -> Result<T, DispatchError> {
        let rest = std::mem::take(&mut self.params);
        self.decode("params".into(), Value::Object(rest))
    }

    /// A required body.
    #[doc(hidden)]
    pub fn body<T: DeserializeOwned + Serialize>(&mut self) -> Result<T, DispatchError> {
        self.optional_body()?.ok_or_else(|| self.bad("body".into(), "missing".into()))
    }

    /// An optional body.
    #[doc(hidden)]
    pub fn optional_body<T: DeserializeOwned + Serialize>(&mut self) -> Result<Option<T>, DispatchError> {
        let Some(value) = self.body.take() else { return Ok(None) };
        let body: T = self.decode("body".into(), value)?;
        self.sent = as_request(|| serde_json::to_value(&body)).ok();
        Ok(Some(body))
    }

    /// A required binary body, given as a string.
    #[doc(hidden)]
    pub fn upload(&mut self) -> Result<Upload, DispatchError> {
        self.optional_upload()?.ok_or_else(|| self.bad("body".into(), "missing".into()))
    }

    /// An optional binary body, given as a string.
    #[doc(hidden)]
    pub fn optional_upload(&mut self) -> Result<Option<Upload>, DispatchError> {
        let text: Option<String> = self.optional_body()?;
        Ok(text.map(Upload::from))
    }

    /// Refuses what the operation does not read: checked before the call, so a misspelt
    /// name never sends a request without the value it meant.
    #[doc(hidden)]
    pub fn done(&mut self) -> Result<(), DispatchError> {
        if let Some(name) = self.path.keys().next() {
            return Err(self.bad(format!("path `{name}`"), "not a path parameter of the operation".into()));
        }
        if let Some(name) = self.params.keys().next() {
            return Err(self.bad(format!("params `{name}`"), "not a parameter of the operation".into()));
        }
        if self.body.is_some() {
            return Err(self.bad("body".into(), "the operation takes no body".into()));
        }
        Ok(())
    }

    /// The typed answer as JSON (a bodiless success is `null`), or the client's error.
    #[doc(hidden)]
    pub fn answer<T: Serialize + Debug, E: Serialize>(
        &mut self,
        result: Result<T, Error<E>>,
    ) -> Result<Value, DispatchError> {
        let value = result.map_err(client_error)?;
        self.answer = Some(format!("{value:?}"));
        serde_json::to_value(&value)
            .map_err(|e| DispatchError::Unrepresentable { operation: self.operation.clone(), message: e.to_string() })
    }

    /// A binary answer read whole: `{"bytes": length}`.
    #[doc(hidden)]
    pub fn bytes<B: AsRef<[u8]>, E: Serialize>(&mut self, result: Result<B, Error<E>>) -> Result<Value, DispatchError> {
        let length = result.map_err(client_error)?.as_ref().len();
        self.answer = Some(format!("{length} bytes"));
        Ok(serde_json::json!({ "bytes": length }))
    }

    /// A binary answer, read to its end: `{"bytes": length}`.
    #[doc(hidden)]
    pub async fn download<E: Serialize>(
        &mut self,
        result: Result<ByteStream<E>, Error<E>>,
    ) -> Result<Value, DispatchError> {
        let mut stream = result.map_err(client_error)?;
        let mut length = 0usize;
        while let Some(chunk) = stream.next().await {
            length += chunk.map_err(client_error)?.len();
        }
        self.answer = Some(format!("{length} bytes"));
        Ok(serde_json::json!({ "bytes": length }))
    }
}

/// The client's error with its body as JSON.
fn client_error<E: Serialize>(error: Error<E>) -> DispatchError {
    DispatchError::Client(error.map_body(|body| serde_json::to_value(body).unwrap_or(Value::Null)))
}

#[doc(hidden)]
/// The items of a stream that borrows its arguments (`state`: the client and the arguments
/// read from the input), listed inside a generator that owns them, so the stream outlives
/// the call that read them.
pub fn owning<'a, A: Send + 'a>(
    state: A,
    list: for<'b> fn(&'b A) -> BoxStream<'b, Result<Value, DispatchError>>,
) -> BoxStream<'a, Result<Value, DispatchError>> {
    Box::pin(async_stream::stream! {
        let state = state;
        let mut items = list(&state);
        while let Some(item) = items.next().await {
            yield item;
        }
    })
}

/// The items of a paged listing, each as JSON.
#[doc(hidden)]
pub fn items<'a, T: Serialize + 'a, E: Serialize + 'a>(
    stream: impl Stream<Item = Result<T, Error<E>>> + Send + 'a,
) -> BoxStream<'a, Result<Value, DispatchError>> {
    stream
        .map(|item| {
            let item = item.map_err(client_error)?;
            serde_json::to_value(&item)
                .map_err(|e| DispatchError::Unrepresentable { operation: String::new(), message: e.to_string() })
        })
        .boxed()
}

/// What a call of an operation without a match arm is: unknown, or compiled out.
#[doc(hidden)]
pub fn not_found(operations: &'static [OperationInfo], operation: &str) -> DispatchError {
    match operations.iter().find(|o| o.id == operation) {
        Some(&OperationInfo { id, feature: Some(feature), enabled: false, .. }) => {
            DispatchError::Disabled { operation: id, feature }
        }
        _ => DispatchError::UnknownOperation { operation: operation.to_owned() },
    }
}

/// What a stream of an operation without a stream arm is: unknown, compiled out, or not paged.
#[doc(hidden)]
pub fn no_stream(operations: &'static [OperationInfo], operation: &str) -> DispatchError {
    match operations.iter().find(|o| o.id == operation) {
        Some(&OperationInfo { id, paged: false, enabled: true, .. }) => {
            DispatchError::Unsupported { operation: id, why: "the operation does not page (no `x-pagination`)" }
        }
        _ => not_found(operations, operation),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_parts_are_read_by_name_and_leftovers_refused() {
        let input = serde_json::json!({"path": {"id": 7}, "params": {"limit": 2, "name": "x"}, "body": {"a": 1}});
        let mut input = Input::new("Op", input).unwrap();
        assert_eq!(input.path::<i64>("id").unwrap(), 7);
        assert_eq!(input.param::<Option<String>>("missing").unwrap(), None);
        let e = input.param::<i64>("absent").unwrap_err();
        assert_eq!(e.to_string(), "Op: params `absent`: missing");
        assert_eq!(input.param::<i64>("limit").unwrap(), 2);
        let e = input.done().unwrap_err();
        assert_eq!(e.to_string(), "Op: params `name`: not a parameter of the operation");
        let body: Map<String, Value> = input.body().unwrap();
        assert_eq!(input.sent_body(), Some(&Value::Object(body)));
    }

    #[test]
    fn bad_values_name_the_argument_and_hide_the_value() {
        let mut input = Input::new("Op", serde_json::json!({"body": {"n": "hunter2"}})).unwrap();
        let e = input.body::<std::collections::BTreeMap<String, i64>>().unwrap_err();
        let shown = e.to_string();
        assert!(shown.starts_with("Op: body: at `n`: invalid type"), "{shown}");
        assert!(!shown.contains("hunter2"), "{shown}");
        let e = Input::new("Op", serde_json::json!({"query": {}})).unwrap_err();
        assert_eq!(e.to_string(), "Op: `query`: not a part of the input: `path`, `params` or `body`");
    }

    #[test]
    fn missing_operations_are_unknown_or_disabled() {
        static OPS: &[OperationInfo] = &[
            OperationInfo::new("On", Method::Get, "/on"),
            OperationInfo::new("Off", Method::Get, "/off").feature("tag-off", false),
        ];
        assert!(matches!(not_found(OPS, "Off"), DispatchError::Disabled { feature: "tag-off", .. }));
        assert!(matches!(not_found(OPS, "Nope"), DispatchError::UnknownOperation { .. }));
        assert!(matches!(no_stream(OPS, "On"), DispatchError::Unsupported { operation: "On", .. }));
    }
}
