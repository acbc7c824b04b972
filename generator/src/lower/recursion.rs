//! Types that contain themselves. A struct that holds itself by value has infinite size, and
//! an alias that mentions itself is not valid Rust. Both are found as strongly connected
//! components of the type graph (computed iteratively: Veeam-sized graphs must not overflow
//! the stack) and fixed by boxing or by turning the alias into a newtype.

use crate::ir::{Ty, TypeDef, TypeKind};

pub(crate) fn break_cycles(types: &mut [TypeDef]) {
    // Aliases first: which aliases reach themselves through other aliases only?
    let is_alias = |i: usize| matches!(types[i].kind, TypeKind::Alias(_));
    let alias_edges: Vec<Vec<usize>> = (0..types.len())
        .map(|i| match is_alias(i) {
            true => types[i].kind.references().into_iter().map(|id| id.0).filter(|&j| is_alias(j)).collect(),
            false => Vec::new(),
        })
        .collect();
    let scc = components(&alias_edges);
    for i in 0..types.len() {
        let cyclic = alias_edges[i].iter().any(|&j| scc[j] == scc[i]);
        if cyclic {
            if let TypeKind::Alias(ty) = &types[i].kind {
                types[i].kind = TypeKind::Newtype(ty.clone());
            }
        }
    }

    // Then by-value containment: box every edge inside a cycle.
    let value_edges: Vec<Vec<usize>> = types
        .iter()
        .map(|t| {
            let mut out = Vec::new();
            t.kind.uses().into_iter().for_each(|ty| by_value(ty, &mut out));
            out
        })
        .collect();
    let scc = components(&value_edges);
    for i in 0..types.len() {
        let my = scc[i];
        let in_cycle = |ty: &Ty| {
            let mut out = Vec::new();
            by_value(ty, &mut out);
            out.iter().any(|&j| scc[j] == my)
        };
        match &mut types[i].kind {
            TypeKind::Struct(fields) => {
                for f in fields.iter_mut() {
                    if in_cycle(&f.ty) {
                        f.ty = boxed(std::mem::replace(&mut f.ty, Ty::Json));
                    }
                }
            }
            TypeKind::Union(u) => {
                for v in u.variants.iter_mut() {
                    if in_cycle(&v.ty) {
                        v.ty = boxed(std::mem::replace(&mut v.ty, Ty::Json));
                    }
                }
            }
            TypeKind::Newtype(ty) if in_cycle(ty) => {
                *ty = boxed(std::mem::replace(ty, Ty::Json));
            }
            _ => {}
        }
    }
}

/// Named types held by value (not behind a `Vec`, map or box).
fn by_value(ty: &Ty, out: &mut Vec<usize>) {
    match ty {
        Ty::Named(id) => out.push(id.0),
        Ty::Nullable(inner) => by_value(inner, out),
        _ => {}
    }
}

/// Boxes the named part, keeping `Option` outside: `Option<Box<T>>`.
fn boxed(ty: Ty) -> Ty {
    match ty {
        Ty::Nullable(inner) => Ty::Nullable(Box::new(boxed(*inner))),
        other => Ty::Boxed(Box::new(other)),
    }
}

/// Tarjan's strongly connected components without recursion. Returns the component index
/// of each node.
fn components(edges: &[Vec<usize>]) -> Vec<usize> {
    let n = edges.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut comp = vec![usize::MAX; n];
    let mut stack = Vec::new();
    let mut next_index = 0;
    let mut next_comp = 0;
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        // (node, position in its edge list)
        let mut work = vec![(root, 0usize)];
        index[root] = next_index;
        low[root] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut pos)) = work.last_mut() {
            if *pos < edges[v].len() {
                let w = edges[v][*pos];
                *pos += 1;
                if index[w] == usize::MAX {
                    index[w] = next_index;
                    low[w] = next_index;
                    next_index += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
            } else {
                work.pop();
                if let Some(&(parent, _)) = work.last() {
                    low[parent] = low[parent].min(low[v]);
                }
                if low[v] == index[v] {
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        comp[w] = next_comp;
                        if w == v {
                            break;
                        }
                    }
                    next_comp += 1;
                }
            }
        }
    }
    comp
}

#[cfg(test)]
mod tests {
    use super::components;

    #[test]
    fn finds_cycles_and_singletons() {
        // 0 → 1 → 2 → 0, 3 → 3, 4 alone
        let c = components(&[vec![1], vec![2], vec![0], vec![3], vec![]]);
        assert_eq!(c[0], c[1]);
        assert_eq!(c[1], c[2]);
        assert_ne!(c[0], c[3]);
        assert_ne!(c[3], c[4]);
    }

    #[test]
    fn deep_chain_does_not_overflow() {
        let n = 200_000;
        let edges: Vec<Vec<usize>> = (0..n).map(|i| if i + 1 < n { vec![i + 1] } else { vec![0] }).collect();
        let c = components(&edges);
        assert!(c.iter().all(|&x| x == c[0]));
    }
}
