//! A discriminated union writes its tag from the variant, so the variant's struct need not
//! carry it: `CredentialsSpec::Standard(StandardCredentialsSpec { username, .. })`, not
//! `StandardCredentialsSpec { r#type: ECredentialsType::Standard, .. }` next to a variant
//! that already says `Standard`.

use std::collections::{BTreeMap, BTreeSet};

use crate::ir::{Api, Ty, TypeId, TypeKind};

/// Drops the tag field from structs that are only ever used as members of discriminated
/// unions, each time with exactly one tag value: there the value is known from the variant,
/// and serialisation writes it. A struct used anywhere else (a field, a body, another
/// union without a tag) keeps the field, since nothing else would write it.
pub(crate) fn drop_variant_tags(api: &mut Api) {
    // Struct → the tag property every tagged union that holds it uses.
    let mut candidates: BTreeMap<usize, Option<String>> = BTreeMap::new();
    let mut elsewhere: BTreeSet<usize> = BTreeSet::new();
    let uses = |ty: &Ty, set: &mut BTreeSet<usize>| {
        let mut ids: Vec<TypeId> = Vec::new();
        ty.named(&mut ids);
        set.extend(ids.into_iter().map(|id| id.0));
    };
    for t in &api.types {
        match &t.kind {
            TypeKind::Union(u) => {
                for v in &u.variants {
                    match (&u.tag, &v.ty, v.tags.len()) {
                        (Some(tag), Ty::Named(id), 1) => {
                            let slot = candidates.entry(id.0).or_insert_with(|| Some(tag.clone()));
                            if slot.as_deref() != Some(tag) {
                                *slot = None;
                            }
                        }
                        _ => uses(&v.ty, &mut elsewhere),
                    }
                }
            }
            kind => elsewhere.extend(kind.references().into_iter().map(|id| id.0)),
        }
    }
    for op in &api.operations {
        let bodies = op.body.iter().flat_map(|b| &b.contents).chain(op.successes.iter().flat_map(|r| &r.contents));
        let tys = op.path_params.iter().chain(&op.params).map(|p| &p.ty).chain(bodies.map(|c| &c.ty));
        tys.for_each(|ty| uses(ty, &mut elsewhere));
    }
    for ty in api.webhooks.iter().filter_map(|w| w.payload.as_ref()) {
        uses(ty, &mut elsewhere);
    }
    if let Some(ty) = &api.error_ty {
        uses(ty, &mut elsewhere);
    }
    for (id, tag) in candidates {
        let Some(tag) = tag else { continue };
        if elsewhere.contains(&id) {
            continue;
        }
        if let TypeKind::Struct(fields) = &mut api.types[id].kind {
            fields.retain(|f| f.wire != tag);
        }
    }
}
