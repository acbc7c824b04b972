//! Shrinking a document that shows a problem, while the problem stays.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use generator::Document;
use serde_json::Value;

use super::check::forget_panics;
use super::tree::{all_paths, child_count, children, node, remove_node, set, Seg};

/// Shrinks a failing document while `fails(file, text)` holds: on the value tree if the
/// document parses (remove keys and elements, big objects in halves first, hoist children,
/// shorten strings), else on lines and then characters of the text.
pub(super) fn minimize(
    file: &str,
    text: &str,
    fails: &mut dyn FnMut(&str, &str) -> bool,
    budget: Duration,
) -> (String, String) {
    let deadline = Instant::now() + budget;
    let mut runs = 0usize;
    let mut test = |f: &str, t: &str| -> bool {
        if Instant::now() > deadline {
            return false;
        }
        runs += 1;
        fails(f, t)
    };
    let stem = file.rsplit_once('.').map_or(file, |(s, _)| s).to_owned();
    let tree = catch_unwind(AssertUnwindSafe(|| Document::parse(file, text))).ok().and_then(Result::ok).map(|d| d.raw);
    forget_panics();
    if let Some(mut tree) = tree {
        let json_file = format!("{stem}.json");
        let yaml_file = format!("{stem}.yaml");
        let as_json = |v: &Value| serde_json::to_string_pretty(v).unwrap();
        let as_yaml = |v: &Value| serde_yaml::to_string(v).unwrap();
        let json_ok = test(&json_file, &as_json(&tree));
        let yaml_ok = !json_ok && test(&yaml_file, &as_yaml(&tree));
        if json_ok || yaml_ok {
            let render = |v: &Value| if json_ok { as_json(v) } else { as_yaml(v) };
            let name = if json_ok { &json_file } else { &yaml_file };
            minimize_tree(&mut tree, &mut |v| test(name, &render(v)));
            // Prefer YAML, which reads better as a fixture, when the problem stays.
            if json_ok && test(&yaml_file, &as_yaml(&tree)) {
                return (yaml_file, as_yaml(&tree));
            }
            return (name.clone(), render(&tree));
        }
    }
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_owned).collect();
    ddmin(&mut lines, &mut |ls| test(file, &ls.concat()));
    let mut chars: Vec<String> = lines.concat().chars().map(String::from).collect();
    if chars.len() <= 4000 {
        ddmin(&mut chars, &mut |cs| test(file, &cs.concat()));
    }
    (file.to_owned(), chars.concat())
}

fn minimize_tree(tree: &mut Value, fails: &mut dyn FnMut(&Value) -> bool) {
    loop {
        let mut changed = false;
        let mut i = 0;
        let mut paths = all_paths(tree, usize::MAX);
        paths.insert(0, Vec::new());
        while i < paths.len() {
            let p = paths[i].clone();
            let Some(here) = node(tree, &p) else {
                i += 1;
                continue;
            };
            let mut candidates: Vec<Value> = Vec::new();
            // Whole chunks of a big object or array first.
            let n = child_count(here);
            let mut chunk = n / 2;
            while chunk >= 2 {
                let kids = children(here);
                for part in kids.chunks(chunk) {
                    let mut v = here.clone();
                    match &mut v {
                        Value::Object(m) => part.iter().for_each(|s| {
                            if let Seg::K(k) = s {
                                m.shift_remove(k);
                            }
                        }),
                        Value::Array(a) => {
                            let idx: Vec<usize> =
                                part.iter().filter_map(|s| if let Seg::I(i) = s { Some(*i) } else { None }).collect();
                            let mut j = 0;
                            a.retain(|_| {
                                j += 1;
                                !idx.contains(&(j - 1))
                            });
                        }
                        _ => {}
                    }
                    candidates.push(v);
                }
                chunk /= 2;
            }
            // Hoist a child into its parent's place (unwraps nesting).
            if !p.is_empty() {
                for c in children(here).into_iter().take(4) {
                    if let Some(v) = node(here, &[c]) {
                        if v.is_object() || v.is_array() {
                            candidates.push(v.clone());
                        }
                    }
                }
            }
            if let Value::String(s) = here {
                let len = s.chars().count();
                if len > 8 {
                    candidates.push(Value::String(s.chars().take(len / 2).collect()));
                    candidates.push(Value::String(s.chars().take(8).collect()));
                }
            }
            let mut accepted = false;
            // Removing the node outright comes first: it is the biggest step.
            if !p.is_empty() {
                let mut t = tree.clone();
                remove_node(&mut t, &p);
                if fails(&t) {
                    *tree = t;
                    accepted = true;
                }
            }
            if !accepted {
                for c in candidates {
                    let mut t = tree.clone();
                    if p.is_empty() {
                        t = c;
                    } else {
                        set(&mut t, &p, c);
                    }
                    if fails(&t) {
                        *tree = t;
                        accepted = true;
                        break;
                    }
                }
            }
            if accepted {
                changed = true;
                paths = all_paths(tree, usize::MAX);
                paths.insert(0, Vec::new());
            } else {
                i += 1;
            }
        }
        if !changed {
            return;
        }
    }
}

/// Delta debugging: drop chunks of `items`, halving the chunk size, while `fails` holds.
fn ddmin(items: &mut Vec<String>, fails: &mut dyn FnMut(&[String]) -> bool) {
    let mut n = 2usize;
    while items.len() >= 2 {
        let chunk = items.len().div_ceil(n);
        let mut reduced = false;
        let mut start = 0;
        while start < items.len() {
            let end = (start + chunk).min(items.len());
            let rest: Vec<String> = items[..start].iter().chain(&items[end..]).cloned().collect();
            if !rest.is_empty() && fails(&rest) {
                *items = rest;
                reduced = true;
                n = (n - 1).max(2);
                break;
            }
            start = end;
        }
        if !reduced {
            if n >= items.len() {
                break;
            }
            n = (n * 2).min(items.len());
        }
    }
}
