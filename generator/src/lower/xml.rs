//! Which parts of an API travel as XML, decided once so that emit only prints.

use std::collections::BTreeSet;

use crate::ir::{Api, Media, Ty, TypeKind, XmlFacts};

/// The XML facts of a lowered API.
pub(crate) fn facts(api: &Api) -> XmlFacts {
    let contents = || {
        api.operations.iter().flat_map(|o| {
            o.body.iter().flat_map(|b| b.contents.iter()).chain(o.successes.iter().flat_map(|r| r.contents.iter()))
        })
    };
    // The first structured body decides the client's default format.
    let prefers_xml =
        contents().find(|c| matches!(c.media, Media::Json | Media::Xml)).is_some_and(|c| c.media == Media::Xml);
    let speaks_xml = contents().any(|c| c.media == Media::Xml);
    let types = reachable(api);
    let error_is_xml = match api.error_ty.as_ref().map(|t| crate::ir::resolve_alias(&api.types, t)) {
        Some(Ty::Named(id)) => types.contains(&id.0) && matches!(api.types[id.0].kind, TypeKind::Struct(_)),
        _ => false,
    };
    XmlFacts { types, prefers_xml, speaks_xml, error_is_xml }
}

/// Ids of the types reachable from an XML request or response body.
pub(crate) fn reachable(api: &Api) -> BTreeSet<usize> {
    let mut out = BTreeSet::new();
    let mut work = Vec::new();
    let mut any_xml = false;
    for op in &api.operations {
        let bodies =
            op.body.iter().flat_map(|b| b.contents.iter()).chain(op.successes.iter().flat_map(|r| r.contents.iter()));
        for c in bodies.filter(|c| c.media == Media::Xml) {
            any_xml = true;
            let mut ids = Vec::new();
            c.ty.named(&mut ids);
            work.extend(ids.into_iter().map(|i| i.0));
        }
    }
    // An API that speaks XML also reports its errors in XML.
    if let (true, Some(t)) = (any_xml, &api.error_ty) {
        let mut ids = Vec::new();
        t.named(&mut ids);
        work.extend(ids.into_iter().map(|i| i.0));
    }
    while let Some(i) = work.pop() {
        if !out.insert(i) {
            continue;
        }
        work.extend(api.types[i].kind.references().into_iter().map(|id| id.0));
    }
    out
}
