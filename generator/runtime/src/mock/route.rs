//! Matching a request path against the spec's path templates.

/// A piece of a template.
enum Piece<'t> {
    Literal(&'t str),
    Param(&'t str),
}

fn pieces(template: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else { break };
        if open > 0 {
            out.push(Piece::Literal(&rest[..open]));
        }
        out.push(Piece::Param(&rest[open + 1..close]));
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        out.push(Piece::Literal(rest));
    }
    out
}

/// The path parameters (as sent, still percent-encoded: a style such as `label` or `matrix`
/// is read before decoding) when `path` fits `template`, and how many literal bytes the
/// template has (the more, the more specific the match).
pub(crate) fn matches(template: &str, path: &str) -> Option<(Vec<(String, String)>, usize)> {
    let pieces = pieces(template);
    let literal = pieces.iter().map(|p| if let Piece::Literal(l) = p { l.len() } else { 0 }).sum();
    let mut captures = Vec::new();
    fit(&pieces, 0, path, &mut captures).then(|| {
        let decoded = captures
            .into_iter()
            .filter_map(|(i, value)| match pieces[i] {
                Piece::Param(name) => Some((name.to_owned(), value.to_owned())),
                Piece::Literal(_) => None,
            })
            .collect();
        (decoded, literal)
    })
}

/// Whether `path` fits the pieces from `at` on; a parameter takes the shortest non-empty text
/// without a `/` that lets the rest fit. Captures are (piece index, text).
fn fit<'p>(pieces: &[Piece<'_>], at: usize, path: &'p str, captures: &mut Vec<(usize, &'p str)>) -> bool {
    match pieces.get(at) {
        None => path.is_empty(),
        Some(Piece::Literal(l)) => path.strip_prefix(l).is_some_and(|tail| fit(pieces, at + 1, tail, captures)),
        Some(Piece::Param(_)) => {
            let limit = path.find('/').unwrap_or(path.len());
            for end in (1..=limit).filter(|e| path.is_char_boundary(*e)) {
                captures.push((at, &path[..end]));
                if fit(pieces, at + 1, &path[end..], captures) {
                    return true;
                }
                captures.pop();
            }
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn templates_match_and_capture() {
        let (caps, literal) = matches("/api/v1/credentials/{id}", "/api/v1/credentials/a%20b").unwrap();
        // As sent: a style (`label`, `matrix`) is read before percent-decoding.
        assert_eq!(caps, vec![("id".to_owned(), "a%20b".to_owned())]);
        assert_eq!(literal, "/api/v1/credentials/".len());
        assert!(matches("/api/v1/credentials/{id}", "/api/v1/credentials/").is_none());
        assert!(matches("/api/v1/credentials/{id}", "/api/v1/credentials/a/b").is_none());
        let (caps, _) = matches("/files/{name}.{ext}", "/files/report.v2.json").unwrap();
        assert_eq!(caps[0].1, "report");
        assert_eq!(caps[1].1, "v2.json");
    }
}
