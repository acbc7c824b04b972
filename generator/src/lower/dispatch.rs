//! What the generated `dispatch` module (cargo feature `dispatch`) cannot do with an
//! operation, and why: every operation gets an arm, and an operation JSON cannot reach gets
//! one that says so (`DispatchError::Unsupported`), never none.

use std::collections::BTreeSet;

use crate::ir::{passed_by_value, Api, DispatchOp, Operation, Ty, TypeDef, TypeKind};

/// Decides the dispatch facts of every operation, once types are final.
pub(crate) fn decide(api: &mut Api) {
    let decided: Vec<DispatchOp> = api.operations.iter().map(|op| dispatch_op(&api.types, op)).collect();
    for (op, dispatch) in api.operations.iter_mut().zip(decided) {
        op.dispatch = dispatch;
    }
}

fn dispatch_op(types: &[TypeDef], op: &Operation) -> DispatchOp {
    // A binary answer read whole (`application/zip` without streaming) is bytes, which have
    // no JSON form but a length.
    let bytes_answer = !op.download
        && op.response_enum.is_none()
        && op.output.is_none()
        && op.successes.iter().flat_map(|r| r.contents.first()).any(|c| c.ty.holds_bytes());
    DispatchOp { unsupported: call_unsupported(types, op), stream_borrows: stream_borrows(types, op), bytes_answer }
}

fn call_unsupported(types: &[TypeDef], op: &Operation) -> Option<String> {
    // A multipart body is taken whole, and its files may be streams: it has no JSON form.
    if let Some(body) = &op.body {
        if let Ty::Named(id) = crate::ir::resolve_alias(types, &body.contents[0].ty) {
            if matches!(types[id.0].kind, TypeKind::Form(_)) {
                return Some("a multipart body (its files may be streams) has no JSON form".into());
            }
        }
    }
    // `params` names every query, header and cookie parameter by its wire name: two in
    // different places with one name cannot both be given.
    let mut seen = BTreeSet::new();
    if let Some(p) = op.params.iter().find(|p| !seen.insert(p.wire.as_str())) {
        return Some(format!("two parameters are named `{}` (in different places)", p.wire));
    }
    // Several answers, one of them binary, or an answer with headers and a binary body: no
    // JSON form for the bytes.
    for id in op.response_enum.iter().chain(&op.output) {
        if types[id.0].kind.uses().iter().any(|t| t.holds_bytes()) {
            return Some("a binary answer beside others or with headers has no JSON form".into());
        }
    }
    None
}

/// Whether a paged operation's stream borrows one of its arguments for as long as it runs
/// (a `&str` path parameter): dispatch reads arguments into values that end with the call,
/// so such a stream must own them.
fn stream_borrows(types: &[TypeDef], op: &Operation) -> bool {
    op.pagination.is_some()
        && op.path_params.iter().chain(op.params.iter().filter(|p| p.required)).any(|p| !passed_by_value(types, &p.ty))
}
