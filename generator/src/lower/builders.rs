//! How code outside the generated crate builds a struct with named fields. Such a struct is
//! `#[non_exhaustive]` (google-cloud-rust's generated types, smithy-rs's inputs), so a field
//! the API adds later, optional as most are, is an additive release rather than a breaking
//! one: callers build values with `new(required…)` and one chainable `with_{field}` setter
//! per field `new` does not take, and read, match (`..`) and assign the public fields as
//! before.
//!
//! The names are claimed in each type's method scope, after every field is final (tag fields
//! dropped from union members, recursive fields boxed), next to the other inherent methods
//! the type gets (a long-running status type's `wait`).

use crate::diag::Sink;
use crate::ir::{resolve_alias, Api, Builder, Field, Ty, TypeDef, TypeKind};
use crate::naming::{unraw, Scope};

/// The constructor's name.
const NEW: &str = "new";
/// The prefix of every setter (google-cloud-rust writes `set_`; `with_` says that the value is
/// taken and a changed one handed back, and cannot be mistaken for the client's `set_*`
/// credential setters, which change the client in place).
const SETTER_PREFIX: &str = "with_";
/// The inherent method a long-running status type has besides its builder.
const WAIT: &str = "wait";

/// Gives every struct and multipart form a [`Builder`].
pub(crate) fn plan(api: &mut Api, sink: &mut Sink) {
    let waits: Vec<usize> = api.long_running.iter().map(|l| l.ty.0).collect();
    let mut builders = Vec::new();
    for (i, t) in api.types.iter().enumerate() {
        // A struct's fields and a form's parts (`new` takes the parts that are one required
        // value: a repeated part starts empty).
        let fields: Vec<(&Field, bool)> = match &t.kind {
            TypeKind::Struct(fields) => {
                fields.iter().map(|f| (f, f.required && !matches!(f.ty, Ty::Nullable(_)))).collect()
            }
            TypeKind::Form(parts) => parts.iter().map(|p| (&p.field, p.field.required && !p.repeated)).collect(),
            _ => continue,
        };
        let mut scope = Scope::with_reserved(if waits.contains(&i) { &[WAIT] } else { &[] });
        let (new, _) = scope.claim(NEW);
        let mut setters = Vec::with_capacity(fields.len());
        for (f, needed) in &fields {
            if *needed {
                setters.push(None);
                continue;
            }
            // A field named `_16` (its wire name `16` cannot start an identifier) is set by
            // `with_16`: after the prefix its underscore is not needed, and `with__16` is not
            // snake case.
            let want = format!("{SETTER_PREFIX}{}", unraw(&f.name).trim_start_matches('_'));
            let (name, changed) = scope.claim(&want);
            if changed {
                let message = format!(
                    "the setter of `{}` would be `{want}`, a method `{}` has already; generated as `{name}`",
                    f.name, t.name
                );
                sink.warn(&f.pointer, message);
            }
            setters.push(Some(name));
        }
        let args = fields.iter().enumerate().filter(|(_, (_, needed))| *needed).map(|(i, _)| i).collect();
        let into = fields.iter().map(|(f, _)| converts(&api.types, &f.ty)).collect();
        builders.push((i, Builder { new, args, setters, into }));
    }
    for (i, builder) in builders {
        api.types[i].builder = Some(builder);
    }
}

/// Whether a field of type `ty` is set from `impl Into<T>`: not for the types nothing converts
/// into usefully (numbers, booleans, UUIDs, dates, and generated types other than string
/// enums, which have no `From` impls), where `T` itself lets a literal infer its type and
/// spares a generic parameter. A boxed (recursive) field converts: `Box<T>` is `From<T>`.
fn converts(types: &[TypeDef], ty: &Ty) -> bool {
    let ty = match resolve_alias(types, ty) {
        Ty::Nullable(t) => resolve_alias(types, t),
        t => t,
    };
    match ty {
        // A string enum converts from `&str` (`"Linux"`).
        Ty::Named(id) => matches!(types[id.0].kind, TypeKind::Enum { .. }),
        _ => !matches!(ty, Ty::Bool | Ty::I32 | Ty::I64 | Ty::F32 | Ty::F64 | Ty::Uuid | Ty::DateTime | Ty::Date),
    }
}
