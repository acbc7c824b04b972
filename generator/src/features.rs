//! Per-tag cargo features: a big API compiles only the sections a user enables.

use std::collections::{BTreeMap, BTreeSet};

use crate::ir::{Api, TypeKind};

/// Gives every operation the feature of its first tag, and every type the feature of the only
/// tag that uses it (types used by several tags, or by none, stay ungated).
pub(crate) fn assign(api: &mut Api) {
    let mut users: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
    let mut features = BTreeSet::new();
    for op in &mut api.operations {
        let feature = format!("tag-{}", slug(op.tag.as_deref().unwrap_or("untagged")));
        features.insert(feature.clone());
        op.feature = Some(feature.clone());
        let mut roots = Vec::new();
        for p in op.path_params.iter().chain(op.params.iter()) {
            p.ty.named(&mut roots);
        }
        if let Some(b) = &op.body {
            b.contents.iter().for_each(|c| c.ty.named(&mut roots));
        }
        for r in &op.successes {
            r.contents.iter().for_each(|c| c.ty.named(&mut roots));
        }
        if let Some(id) = op.params_struct {
            roots.push(id);
        }
        if let Some(id) = op.response_enum {
            roots.push(id);
        }
        // Everything reachable from the operation's types.
        let mut seen = BTreeSet::new();
        let mut work: Vec<usize> = roots.into_iter().map(|i| i.0).collect();
        while let Some(i) = work.pop() {
            if !seen.insert(i) {
                continue;
            }
            users.entry(i).or_default().insert(feature.clone());
            work.extend(references(&api.types[i].kind));
        }
    }
    // The error type is used by every operation.
    let mut error_ids = Vec::new();
    if let Some(t) = &api.error_ty {
        t.named(&mut error_ids);
    }
    for (i, tags) in users {
        if tags.len() == 1 && !error_ids.iter().any(|e| e.0 == i) {
            api.types[i].feature = tags.into_iter().next();
        }
    }
    // An ungated type (used by no operation, or by several tags) must not name a gated one,
    // or disabling that feature breaks the build: ungate everything it reaches.
    let mut work: Vec<usize> = (0..api.types.len()).filter(|&i| api.types[i].feature.is_none()).collect();
    while let Some(i) = work.pop() {
        for j in references(&api.types[i].kind) {
            if api.types[j].feature.is_some() {
                api.types[j].feature = None;
                work.push(j);
            }
        }
    }
    api.features = features.into_iter().collect();
}

fn references(kind: &TypeKind) -> Vec<usize> {
    let mut ids = Vec::new();
    match kind {
        TypeKind::Struct(fields) => fields.iter().for_each(|f| f.ty.named(&mut ids)),
        TypeKind::Union(u) => u.variants.iter().for_each(|v| v.ty.named(&mut ids)),
        TypeKind::Alias(t) | TypeKind::Newtype(t) => t.named(&mut ids),
        TypeKind::Responses(vs) => vs.iter().flat_map(|(_, _, t)| t).for_each(|t| t.named(&mut ids)),
        _ => {}
    }
    ids.into_iter().map(|i| i.0).collect()
}

fn slug(tag: &str) -> String {
    let mut out = String::new();
    for c in tag.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-').to_owned();
    if out.is_empty() { "untagged".to_owned() } else { out }
}
