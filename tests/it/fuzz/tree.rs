//! Paths into a document's value tree: reading, picking and editing the node at a path.

use std::collections::VecDeque;

use serde_json::{Map, Value};

use super::rng::Rng;

/// One step of a path: an object key or an array index.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Seg {
    K(String),
    I(usize),
}

/// The path from the root to a node.
pub(super) type NodePath = Vec<Seg>;

pub(super) fn node<'a>(v: &'a Value, p: &[Seg]) -> Option<&'a Value> {
    p.iter().try_fold(v, |v, s| match (s, v) {
        (Seg::K(k), Value::Object(m)) => m.get(k),
        (Seg::I(i), Value::Array(a)) => a.get(*i),
        _ => None,
    })
}

pub(super) fn node_mut<'a>(v: &'a mut Value, p: &[Seg]) -> Option<&'a mut Value> {
    let mut cur = v;
    for s in p {
        cur = match (s, cur) {
            (Seg::K(k), Value::Object(m)) => m.get_mut(k)?,
            (Seg::I(i), Value::Array(a)) => a.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

pub(super) fn remove_node(v: &mut Value, p: &[Seg]) -> Option<Value> {
    let (last, parent) = p.split_last()?;
    match (last, node_mut(v, parent)?) {
        (Seg::K(k), Value::Object(m)) => m.shift_remove(k),
        (Seg::I(i), Value::Array(a)) if *i < a.len() => Some(a.remove(*i)),
        _ => None,
    }
}

pub(super) fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// `#/a/b` for a path.
pub(super) fn pointer(p: &[Seg]) -> String {
    let mut out = String::from("#");
    for s in p {
        out.push('/');
        match s {
            Seg::K(k) => out.push_str(&escape(k)),
            Seg::I(i) => out.push_str(&i.to_string()),
        }
    }
    out
}

pub(super) fn children(v: &Value) -> Vec<Seg> {
    match v {
        Value::Object(m) => m.keys().map(|k| Seg::K(k.clone())).collect(),
        Value::Array(a) => (0..a.len()).map(Seg::I).collect(),
        _ => Vec::new(),
    }
}

pub(super) fn child_count(v: &Value) -> usize {
    match v {
        Value::Object(m) => m.len(),
        Value::Array(a) => a.len(),
        _ => 0,
    }
}

/// Every node below the root, parents before children, up to `limit` of them.
pub(super) fn all_paths(v: &Value, limit: usize) -> Vec<NodePath> {
    let mut out: Vec<NodePath> = Vec::new();
    let mut queue: VecDeque<NodePath> = VecDeque::from([Vec::new()]);
    while let Some(p) = queue.pop_front() {
        let Some(here) = node(v, &p) else { continue };
        for c in children(here) {
            let mut q = p.clone();
            q.push(c);
            if out.len() >= limit {
                return out;
            }
            out.push(q.clone());
            queue.push_back(q);
        }
    }
    out
}

pub(super) fn depth(v: &Value) -> usize {
    1 + match v {
        Value::Object(m) => m.values().map(depth).max().unwrap_or(0),
        Value::Array(a) => a.iter().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// `FUZZ_MAX_DEPTH` caps how deep documents get (seeds deeper are left out): for long runs
/// that should look past a known problem with deep nesting.
pub(super) fn max_depth() -> usize {
    std::env::var("FUZZ_MAX_DEPTH").ok().and_then(|v| v.parse().ok()).unwrap_or(usize::MAX)
}

pub(super) fn count_nodes(v: &Value) -> usize {
    1 + match v {
        Value::Object(m) => m.values().map(count_nodes).sum(),
        Value::Array(a) => a.iter().map(count_nodes).sum(),
        _ => 0,
    }
}

/// Whether the node at `p` sits where OpenAPI expects a schema.
pub(super) fn is_schema_path(p: &[Seg]) -> bool {
    match p {
        [.., Seg::K(c), Seg::K(s), Seg::K(_)] if c == "components" && s == "schemas" => true,
        [.., Seg::K(k), Seg::K(_)] if k == "properties" => true,
        [.., Seg::K(k)] if ["items", "additionalProperties", "not", "schema"].contains(&k.as_str()) => true,
        [.., Seg::K(k), Seg::I(_)] if ["allOf", "oneOf", "anyOf"].contains(&k.as_str()) => true,
        _ => false,
    }
}

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

pub(super) fn is_operation_path(p: &[Seg]) -> bool {
    matches!(p, [Seg::K(a), Seg::K(_), Seg::K(m)] if a == "paths" && METHODS.contains(&m.as_str()))
}

pub(super) fn operations(doc: &Value) -> Vec<NodePath> {
    let mut out = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for m in METHODS {
                if item.get(*m).is_some_and(Value::is_object) {
                    out.push(vec![Seg::K("paths".into()), Seg::K(path.clone()), Seg::K((*m).into())]);
                }
            }
        }
    }
    out
}

/// A random node satisfying `pred`: uniformly among all nodes of a small tree, by a random
/// walk from the root in a big one.
pub(super) fn pick_node(doc: &Value, rng: &mut Rng, pred: &dyn Fn(&[Seg], &Value) -> bool) -> Option<NodePath> {
    if count_nodes(doc) <= 30_000 {
        let all: Vec<NodePath> =
            all_paths(doc, usize::MAX).into_iter().filter(|p| node(doc, p).is_some_and(|v| pred(p, v))).collect();
        if all.is_empty() {
            return None;
        }
        return Some(all[rng.below(all.len())].clone());
    }
    pick_by_walk(doc, rng, pred)
}

pub(super) fn pick_by_walk(doc: &Value, rng: &mut Rng, pred: &dyn Fn(&[Seg], &Value) -> bool) -> Option<NodePath> {
    for _ in 0..200 {
        let mut p = Vec::new();
        let mut cur = doc;
        loop {
            let kids = children(cur);
            if kids.is_empty() || (!p.is_empty() && rng.chance(1, 6) && pred(&p, cur)) {
                break;
            }
            let c = kids[rng.below(kids.len())].clone();
            cur = match &c {
                Seg::K(k) => &cur[k.as_str()],
                Seg::I(i) => &cur[*i],
            };
            p.push(c);
        }
        if !p.is_empty() && pred(&p, cur) {
            return Some(p);
        }
    }
    None
}

pub(super) fn any_node(_: &[Seg], _: &Value) -> bool {
    true
}

pub(super) fn schema_node(p: &[Seg], v: &Value) -> bool {
    is_schema_path(p) && v.is_object()
}

pub(super) fn set(doc: &mut Value, p: &[Seg], v: Value) {
    if let Some(n) = node_mut(doc, p) {
        *n = v;
    }
}

pub(super) fn insert(doc: &mut Value, p: &[Seg], key: &str, v: Value) {
    if let Some(Value::Object(m)) = node_mut(doc, p) {
        m.insert(key.to_owned(), v);
    }
}

pub(super) fn ensure_object<'a>(doc: &'a mut Value, key: &str) -> &'a mut Map<String, Value> {
    if !doc.is_object() {
        *doc = Value::Object(Map::new());
    }
    let m = doc.as_object_mut().unwrap();
    if !m.get(key).is_some_and(Value::is_object) {
        m.insert(key.to_owned(), Value::Object(Map::new()));
    }
    m.get_mut(key).unwrap().as_object_mut().unwrap()
}

/// Renames `old` to `new` in an object, keeping its position.
pub(super) fn rename_key(m: &mut Map<String, Value>, old: &str, new: &str) {
    let entries: Vec<(String, Value)> = std::mem::take(m).into_iter().collect();
    for (k, v) in entries {
        if k == old {
            m.insert(new.to_owned(), v);
        } else if k != new {
            m.insert(k, v);
        }
    }
}

/// Rewrites every `$ref` equal to `old` into `new`.
pub(super) fn rewrite_refs(v: &mut Value, old: &str, new: &str) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if k == "$ref" && x.as_str() == Some(old) {
                    *x = Value::String(new.to_owned());
                } else {
                    rewrite_refs(x, old, new);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| rewrite_refs(x, old, new)),
        _ => {}
    }
}
