//! Which parts of an API travel as XML, decided once so that emit only prints.

use std::collections::BTreeSet;

use crate::ir::{Api, Media, Ty, TypeKind, Xml, XmlFacts};

/// Decides every XML name once, as the XML Object says:
/// - a schema is its own element under its `xml.name`, else the name the spec gives it (the
///   component's key, `Error` or `pet_tag`), never its Rust name (`ErrorModel`, `PetTag`);
/// - an array property's items are named by the items' `xml.name`, else by the type they
///   refer to, else by the property's name;
/// - the array's own `xml.name` names the wrapper element when `wrapped: true`, and is
///   ignored otherwise.
pub(crate) fn decide_names(api: &mut Api) {
    let names: Vec<Option<String>> =
        api.types.iter().map(|t| t.xml.as_ref().and_then(|x| x.name.clone()).or_else(|| t.spec_name.clone())).collect();
    let item_name = |ty: &Ty| match crate::ir::resolve_alias(&api.types, ty) {
        Ty::Named(id) => names.get(id.0).cloned().flatten(),
        _ => None,
    };
    let mut decided: Vec<(usize, usize, Xml)> = Vec::new();
    for (ti, t) in api.types.iter().enumerate() {
        let TypeKind::Struct(fields) = &t.kind else { continue };
        for (fi, f) in fields.iter().enumerate() {
            let inner = match &f.ty {
                Ty::Nullable(inner) => inner.as_ref(),
                ty => ty,
            };
            let Ty::Vec(item) = crate::ir::resolve_alias(&api.types, inner) else { continue };
            let mut x = f.xml.clone().unwrap_or_default();
            if x.attribute {
                continue;
            }
            x.item_name = x.item_name.or_else(|| item_name(item)).or_else(|| Some(f.wire.clone()));
            if !x.wrapped {
                x.name = None;
            }
            decided.push((ti, fi, x));
        }
    }
    for (ti, fi, x) in decided {
        if let TypeKind::Struct(fields) = &mut api.types[ti].kind {
            fields[fi].xml = Some(x);
        }
    }
    for (t, name) in api.types.iter_mut().zip(names) {
        if let (Some(name), TypeKind::Struct(_)) = (name, &t.kind) {
            t.xml.get_or_insert_with(Xml::default).name = Some(name);
        }
    }
}

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

/// The properties of types that travel as XML which XML cannot carry here (a map, a
/// union, binary data, a tuple): they are left out of the XML form, and each is reported at its pointer.
pub(crate) fn untyped_fields(api: &Api) -> Vec<(crate::pointer::Pointer, String)> {
    let mut out = Vec::new();
    for &i in &api.xml.types {
        let TypeKind::Struct(fields) = &api.types[i].kind else { continue };
        for f in fields {
            if !crate::ir::xml_writable(&api.types, &f.ty) {
                out.push((
                    f.pointer.clone(),
                    format!("property `{}` (a map, a union, binary data or a tuple) has no XML form; it is left out of XML bodies", f.wire),
                ));
            }
        }
    }
    out
}
