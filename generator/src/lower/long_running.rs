//! `x-long-running`: an operation whose answer describes work that goes on on the server.
//!
//! The marker names the status operation to poll, how its path parameters come from the
//! answer, and the state and outcome fields with their values:
//!
//! ```yaml
//! x-long-running:
//!   status-operation: GetSession
//!   parameters: {id: id}          # status operation's path parameter <- answer field
//!   state: state
//!   terminal: [Stopped]
//!   result: result.result
//!   success: [Success]
//!   warning: [Warning]
//!   failure: [Failed]
//!   progress: progressPercent     # optional
//!   message: result.message       # optional
//!   canceled: result.isCanceled   # optional
//!   stop-operation: StopSession   # optional
//! ```
//!
//! Everything is checked here, against the lowered types and operations, so that a marker
//! that cannot work is an error at its pointer and never generated code that does not compile.

use serde_json::Value;

use super::Lowerer;
use crate::ir::{Api, LongRunning, Operation, Ty, TypeId, TypeKind, WaitFields};
use crate::pointer::Pointer;

const KEYS: &[&str] = &[
    "status-operation",
    "parameters",
    "state",
    "terminal",
    "result",
    "success",
    "warning",
    "failure",
    "progress",
    "message",
    "canceled",
    "stop-operation",
];

impl Lowerer<'_> {
    /// Resolves the marker of `api.operations[i]` and records its status type.
    pub(crate) fn long_running(&mut self, api: &mut Api, i: usize, at: &Pointer, marker: &Value) {
        let Some(obj) = marker.as_object() else {
            self.sink.error(at, "`x-long-running` must be an object");
            return;
        };
        let mut ok = true;
        for key in obj.keys().filter(|k| !KEYS.contains(&k.as_str())) {
            self.sink.error(
                &at.join(key),
                format!("unknown key `{key}` in `x-long-running`; expected one of {}", KEYS.join(", ")),
            );
            ok = false;
        }
        let text = |key: &str| obj.get(key).and_then(Value::as_str).map(str::to_owned);
        // An optional key with a value of the wrong kind is an error, never taken as absent.
        for key in ["progress", "message", "canceled", "stop-operation"] {
            if obj.get(key).is_some_and(|v| !v.is_string()) {
                self.sink.error(&at.join(key), format!("`{key}` must be a string"));
                ok = false;
            }
        }
        if obj.get("parameters").is_some_and(|v| !v.as_object().is_some_and(|m| m.values().all(Value::is_string))) {
            self.sink.error(&at.join("parameters"), "`parameters` must map path parameter names to property paths");
            ok = false;
        }
        let list = |key: &str| -> Option<Vec<String>> {
            match obj.get(key) {
                None => Some(Vec::new()),
                Some(Value::Array(items)) => items.iter().map(|v| v.as_str().map(str::to_owned)).collect(),
                Some(_) => None,
            }
        };
        let mut lists = Vec::new();
        for key in ["terminal", "success", "warning", "failure"] {
            match list(key) {
                Some(values) if values.is_empty() && matches!(key, "terminal" | "success") => {
                    self.sink.error(&at.join(key), format!("`{key}` needs at least one value"));
                    ok = false;
                }
                Some(values) => lists.push(values),
                None => {
                    self.sink.error(&at.join(key), format!("`{key}` must be a list of strings"));
                    ok = false;
                }
            }
        }
        let (Some(status_id), Some(state), Some(result)) = (text("status-operation"), text("state"), text("result"))
        else {
            self.sink.error(at, "`x-long-running` needs string `status-operation`, `state` and `result`");
            return;
        };
        let Ok([terminal, success, warning, failure]) = <[Vec<String>; 4]>::try_from(lists) else { return };
        if !ok {
            return;
        }

        let op = &api.operations[i];
        // The successes with a body carry the status, all as one type (VBR 12 answers
        // `DeleteBackup` with 200, VBR 13 with 201); others may only be bodiless (VBR's
        // `StartJob` answers 204 when the job has nothing to process and no session starts).
        let mut bodies = op.successes.iter().filter_map(|r| r.contents.first()).map(|c| &c.ty);
        let answer = bodies.next().filter(|first| bodies.all(|other| other == *first)).cloned();
        let Some(Ty::Named(ty)) = answer else {
            self.sink.error(
                at,
                "a long-running operation needs a success answer whose body is a named object type, the same in every success that has a body (others may have none)",
            );
            return;
        };
        let Some(status_op) = self.find_operation(api, &status_id, &at.join("status-operation")) else { return };
        if !matches!(api.operations[status_op].successes.as_slice(), [r] if r.contents.first().map(|c| &c.ty) == Some(&Ty::Named(ty)))
        {
            self.sink.error(
                &at.join("status-operation"),
                format!("`{status_id}` must answer with the same type as this operation (`{}`)", self.types[ty.0].name),
            );
            return;
        }
        let stop_op = match text("stop-operation") {
            Some(id) => match self.find_operation(api, &id, &at.join("stop-operation")) {
                Some(found) => Some(found),
                None => return,
            },
            None => None,
        };

        // The status operation's path parameters come from the answer; it may take nothing
        // else the caller must supply.
        let mapping = obj.get("parameters").and_then(Value::as_object);
        let Some(args) = self.wait_args(&api.operations[status_op], ty, mapping, &at.join("parameters")) else {
            return;
        };
        if let Some(stop) = stop_op {
            let Some(stop_args) = self.wait_args(&api.operations[stop], ty, mapping, &at.join("parameters")) else {
                return;
            };
            if stop_args != args {
                self.sink.error(
                    &at.join("stop-operation"),
                    "the stop operation must take the same path parameters as the status operation",
                );
                return;
            }
        }

        let fields = WaitFields {
            state,
            terminal,
            result,
            success,
            warning,
            failure,
            progress: text("progress"),
            message: text("message"),
            canceled: text("canceled"),
        };
        let mut paths = vec![("state", Some(&fields.state)), ("result", Some(&fields.result))];
        paths.extend([("progress", fields.progress.as_ref()), ("message", fields.message.as_ref())]);
        paths.push(("canceled", fields.canceled.as_ref()));
        for (key, path) in paths {
            let Some(path) = path else { continue };
            match self.wire_path(&Ty::Named(ty), path) {
                Some(found) if self.accepts(key, self.unwrapped(&found)) => {}
                Some(_) => {
                    self.sink.error(&at.join(key), format!("`{path}` has a type `{key}` cannot be read from"));
                    return;
                }
                None => {
                    self.sink.error(
                        &at.join(key),
                        format!("`{path}` is not a property path of `{}`", self.types[ty.0].name),
                    );
                    return;
                }
            }
        }

        // A value no enum has would never match: a wait that never ends, or never succeeds.
        let lists = [
            ("terminal", &fields.state, &fields.terminal),
            ("success", &fields.result, &fields.success),
            ("warning", &fields.result, &fields.warning),
            ("failure", &fields.result, &fields.failure),
        ];
        for (key, path, values) in lists {
            let Some(Ty::Named(id)) = self.wire_path(&Ty::Named(ty), path).map(|t| self.unwrapped(&t)) else {
                continue;
            };
            let TypeKind::Enum { variants, .. } = &self.types[id.0].kind else { continue };
            if let Some((n, v)) = values.iter().enumerate().find(|(_, v)| !variants.iter().any(|e| &e.wire == *v)) {
                let known: Vec<&str> = variants.iter().map(|e| e.wire.as_str()).collect();
                self.sink.error(
                    &at.join(key).join(n.to_string()),
                    format!("`{v}` is not a value of `{path}` ({})", known.join(", ")),
                );
                return;
            }
        }

        let op_id = api.operations[i].id.clone();
        let wait_doc = format!(
            "Long-running: the answer describes work that goes on on the server. Its `wait` (on `{}`) polls `{}` until the work has ended.",
            self.types[ty.0].name, api.operations[status_op].method_name
        );
        api.operations[i].doc.extend([String::new(), wait_doc]);
        let entry = LongRunning { ty, operations: vec![op_id], status_op, stop_op, args, fields };
        match api.long_running.iter_mut().find(|l| l.ty == ty) {
            Some(known) if known.status_op == entry.status_op && known.stop_op == entry.stop_op && known.args == entry.args && known.fields == entry.fields => {
                known.operations.extend(entry.operations);
            }
            Some(known) => self.sink.error(
                at,
                format!(
                    "`{}` already has a different `x-long-running` (on `{}`); operations that answer with one type must mark it alike",
                    self.types[ty.0].name, known.operations[0]
                ),
            ),
            None => api.long_running.push(entry),
        }
    }

    fn find_operation(&mut self, api: &Api, id: &str, at: &Pointer) -> Option<usize> {
        let found = api.operations.iter().position(|o| o.id == id);
        if found.is_none() {
            self.sink.error(at, format!("no operation has the operationId `{id}`"));
        }
        found
    }

    /// For each path parameter of `op`: the required field of the status type that supplies
    /// it (named in `mapping`, or the parameter's own name).
    fn wait_args(
        &mut self,
        op: &Operation,
        ty: TypeId,
        mapping: Option<&serde_json::Map<String, Value>>,
        at: &Pointer,
    ) -> Option<Vec<Vec<String>>> {
        // `at` is the marker's `parameters` map; without one, the marker itself is the place.
        let marker = if mapping.is_some() { at.clone() } else { at.parent().unwrap_or_else(|| at.clone()) };
        if let Some(p) = op.params.iter().find(|p| p.required) {
            self.sink.error(
                &marker,
                format!("`{}` has the required parameter `{}`, which no answer supplies", op.id, p.wire),
            );
            return None;
        }
        if op.body.as_ref().is_some_and(|b| b.required) {
            self.sink.error(&marker, format!("`{}` needs a request body, which no answer supplies", op.id));
            return None;
        }
        if let Some(unknown) = mapping.and_then(|m| m.keys().find(|k| !op.path_params.iter().any(|p| &p.wire == *k))) {
            self.sink.error(&at.join(unknown), format!("`{}` has no path parameter `{unknown}`", op.id));
            return None;
        }
        let mut args = Vec::new();
        for p in &op.path_params {
            let field = mapping.and_then(|m| m.get(&p.wire)).and_then(Value::as_str).unwrap_or(&p.wire);
            match self.field_path(&Ty::Named(ty), field) {
                // Aliases aside, the same type: a nullable field cannot fill a parameter.
                Some((path, found))
                    if crate::ir::resolve_alias(&self.types, &found)
                        == crate::ir::resolve_alias(&self.types, &p.ty) =>
                {
                    args.push(path)
                }
                _ => {
                    let place = if mapping.is_some_and(|m| m.contains_key(&p.wire)) {
                        at.join(&p.wire)
                    } else {
                        marker.clone()
                    };
                    self.sink.error(
                        &place,
                        format!(
                            "`{}`'s path parameter `{}` needs a required property `{field}` of `{}` with the same type",
                            op.id, p.wire, self.types[ty.0].name
                        ),
                    );
                    return None;
                }
            }
        }
        Some(args)
    }

    /// Follows a dotted wire path through any struct fields, required or not.
    fn wire_path(&self, ty: &Ty, dotted: &str) -> Option<Ty> {
        let mut current = ty.clone();
        for seg in dotted.split('.') {
            let Ty::Named(id) = self.unwrapped(&current) else { return None };
            let TypeKind::Struct(fields) = &self.types[id.0].kind else { return None };
            current = fields.iter().find(|f| f.wire == seg)?.ty.clone();
        }
        Some(current)
    }

    /// Whether a field of this type can serve as the marker's `key`.
    fn accepts(&self, key: &str, ty: Ty) -> bool {
        match (key, ty) {
            ("progress", ty) => matches!(ty, Ty::I32 | Ty::I64 | Ty::F32 | Ty::F64),
            ("canceled", ty) => ty == Ty::Bool,
            // States, outcomes and messages are strings or string enums.
            (_, Ty::Named(id)) => matches!(self.types[id.0].kind, TypeKind::Enum { .. }),
            (_, ty) => ty == Ty::String,
        }
    }

    /// `ty` without aliases, `Option`s and boxes.
    fn unwrapped(&self, ty: &Ty) -> Ty {
        let mut current = ty.clone();
        for _ in 0..64 {
            current = match current {
                Ty::Nullable(inner) | Ty::Boxed(inner) => *inner,
                Ty::Named(id) => match &self.types[id.0].kind {
                    TypeKind::Alias(inner) => inner.clone(),
                    _ => return Ty::Named(id),
                },
                other => return other,
            };
        }
        current
    }
}
