//! Per-tag cargo features: a big API compiles only the sections a user enables.
//!
//! Each operation belongs to the feature of its first tag. Each type is compiled when any
//! feature whose operations reach it is on, so a type never refers to one that is compiled
//! out. Types that no operation reaches get the feature [`UNREFERENCED`].

use std::collections::{BTreeMap, BTreeSet};

use crate::ir::Api;

/// The feature of the `webhooks` module and the payload types only it uses.
pub const WEBHOOKS: &str = "webhooks";

/// The feature of schemas no operation uses.
pub const UNREFERENCED: &str = "unreferenced-schemas";

pub(crate) fn assign(api: &mut Api) {
    let mut users: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
    let mut features = BTreeSet::new();
    for op in &mut api.operations {
        op.feature = Some(format!("tag-{}", slug(op.tag.as_deref().unwrap_or("untagged"))));
    }
    for op in &api.operations {
        let feature = op.feature.clone().unwrap_or_default();
        features.insert(feature.clone());
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
        // The mock's reply enum names the error bodies too.
        for b in op.mock.replies.iter().filter_map(|r| r.body.as_ref()) {
            b.ty.named(&mut roots);
        }
        roots.extend(op.params_struct);
        roots.extend(op.response_enum);
        roots.extend(op.output);
        roots.extend(op.error_body);
        mark(api, roots.into_iter().map(|i| i.0).collect(), &feature, &mut users);
    }
    // Webhook payloads are compiled with the `webhooks` module.
    if !api.webhooks.is_empty() {
        features.insert(WEBHOOKS.to_owned());
        let mut roots = Vec::new();
        api.webhooks.iter().filter_map(|w| w.payload.as_ref()).for_each(|t| t.named(&mut roots));
        mark(api, roots.into_iter().map(|i| i.0).collect(), WEBHOOKS, &mut users);
    }
    // The error type is part of every operation's signature.
    let mut error_ids = Vec::new();
    if let Some(t) = &api.error_ty {
        t.named(&mut error_ids);
    }
    for f in features.clone() {
        mark(api, error_ids.iter().map(|i| i.0).collect(), &f, &mut users);
    }
    let unreferenced: Vec<usize> = (0..api.types.len()).filter(|i| !users.contains_key(i)).collect();
    if !unreferenced.is_empty() {
        features.insert(UNREFERENCED.to_owned());
        mark(api, unreferenced, UNREFERENCED, &mut users);
    }
    let all = features.len();
    for (i, set) in users {
        // A type every feature needs is simply always compiled.
        api.types[i].features = if set.len() == all { Vec::new() } else { set.into_iter().collect() };
    }
    api.features = features.into_iter().collect();
}

/// Adds `feature` to every type reachable from `roots`.
fn mark(api: &Api, roots: Vec<usize>, feature: &str, users: &mut BTreeMap<usize, BTreeSet<String>>) {
    let mut work = roots;
    while let Some(i) = work.pop() {
        if !users.entry(i).or_default().insert(feature.to_owned()) {
            continue;
        }
        work.extend(api.types[i].kind.references().into_iter().map(|id| id.0));
    }
}

/// The feature name of a tag, without the `tag-` prefix: `Managed Servers` → `managed-servers`.
pub fn slug(tag: &str) -> String {
    let mut out = String::new();
    for c in tag.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-').to_owned();
    if out.is_empty() {
        "untagged".to_owned()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::slug;

    #[test]
    fn slugs() {
        assert_eq!(slug("Credentials"), "credentials");
        assert_eq!(slug("High Availability (HA) Cluster"), "high-availability-ha-cluster");
        assert_eq!(slug("  "), "untagged");
    }
}
