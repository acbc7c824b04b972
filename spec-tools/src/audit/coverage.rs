//! Coverage of the curated spec against the navigation list of Veeam's help center (the
//! seed page that lists every section and operation of the VBR REST API).

use serde_json::Value;

/// One section of the navigation list and the operations it lists.
#[derive(Debug, PartialEq, Eq)]
pub struct Section {
    /// The section's name.
    pub name: String,
    /// (method, summary) as listed: `("get", "Get All Credentials")`.
    pub operations: Vec<(String, String)>,
}

/// The navigation list: the leading block of `- ` lines, where a section header is a bare
/// name and an operation is its method glued to its summary (`- getGet All Credentials`,
/// `- delRemove Credentials Record`). The page text that follows the list ends it.
pub fn navigation(text: &str) -> Vec<Section> {
    let mut sections: Vec<Section> = Vec::new();
    for line in text.lines() {
        let Some(entry) = line.strip_prefix("- ") else { break };
        let entry = entry.trim();
        match split_method(entry) {
            Some((method, summary)) => match sections.last_mut() {
                Some(section) => section.operations.push((method.to_owned(), summary.to_owned())),
                None => sections
                    .push(Section { name: String::new(), operations: vec![(method.to_owned(), summary.to_owned())] }),
            },
            None => sections.push(Section { name: entry.to_owned(), operations: Vec::new() }),
        }
    }
    sections
}

/// `getGet All Credentials` → (`get`, `Get All Credentials`); the method prefix is followed by
/// the summary's capital letter, which tells it from a section named `Deployment`.
fn split_method(entry: &str) -> Option<(&str, &str)> {
    [("get", "get"), ("post", "post"), ("put", "put"), ("delete", "del"), ("patch", "patch")].into_iter().find_map(
        |(method, prefix)| {
            let rest = entry.strip_prefix(prefix)?;
            rest.starts_with(|c: char| c.is_ascii_uppercase()).then_some((method, rest))
        },
    )
}

/// One curated operation: method, summary, first tag, operationId.
#[derive(Debug)]
pub struct Curated {
    /// The HTTP method.
    pub method: String,
    /// The operation's summary.
    pub summary: String,
    /// Its tag.
    pub tag: String,
    /// Its operationId.
    pub id: String,
}

/// The operations of our spec, in document order.
pub fn curated(doc: &Value) -> Vec<Curated> {
    let mut out = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else { return out };
    for item in paths.values() {
        for method in ["get", "put", "post", "delete", "patch"] {
            let Some(op) = item.get(method) else { continue };
            let text = |key: &str| op.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
            let tag = op.pointer("/tags/0").and_then(Value::as_str).unwrap_or_default().to_owned();
            out.push(Curated { method: method.to_owned(), summary: text("summary"), tag, id: text("operationId") });
        }
    }
    out
}

/// The coverage report: per section that lists operations, how many of them are curated and
/// which; then the curated operations the list does not show.
pub fn report(sections: &[Section], ops: &[Curated]) -> String {
    let listed = |s: &Section, (m, summary): &(String, String)| {
        // A summary can repeat in other sections (`Get All Servers`); the tag decides.
        ops.iter().find(|o| &o.method == m && &o.summary == summary && (o.tag == s.name || o.tag.is_empty()))
    };
    let mut out = String::from("coverage against the help center's navigation list:\n");
    let (mut total, mut curated_total) = (0, 0);
    let mut untouched = Vec::new();
    for section in sections.iter().filter(|s| !s.operations.is_empty()) {
        let curated: Vec<(&(String, String), &Curated)> =
            section.operations.iter().filter_map(|op| listed(section, op).map(|c| (op, c))).collect();
        total += section.operations.len();
        curated_total += curated.len();
        if curated.is_empty() {
            untouched.push(format!("{} 0/{}", section.name, section.operations.len()));
            continue;
        }
        out.push_str(&format!("  {}: {} of {} curated\n", section.name, curated.len(), section.operations.len()));
        for ((method, summary), c) in curated {
            out.push_str(&format!("    {} {summary} ({})\n", method.to_uppercase(), c.id));
        }
    }
    if !untouched.is_empty() {
        out.push_str(&format!("  not curated: {}\n", untouched.join(", ")));
    }
    let unlisted: Vec<String> = ops
        .iter()
        .filter(|o| !sections.iter().any(|s| s.operations.iter().any(|op| listed(s, op).is_some_and(|c| c.id == o.id))))
        .map(|o| format!("{} {} ({})", o.method.to_uppercase(), o.summary, o.id))
        .collect();
    if !unlisted.is_empty() {
        out.push_str(&format!(
            "  curated but not in the list (its section is collapsed there): {}\n",
            unlisted.join(", ")
        ));
    }
    out.push_str(&format!("  total: {curated_total} of {total} listed operations curated\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sections_and_methods_until_the_page_text() {
        let text = "- Login\n- Credentials\n- getGet All Credentials\n- delRemove Credentials Record\n- Deployment\n\
                    - postAdd Server\nThe Credentials section defines\n- curl\n";
        let sections = navigation(text);
        let names: Vec<&str> = sections.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["Login", "Credentials", "Deployment"]);
        assert_eq!(
            sections[1].operations,
            [
                ("get".to_owned(), "Get All Credentials".to_owned()),
                ("delete".to_owned(), "Remove Credentials Record".to_owned())
            ]
        );
        assert_eq!(sections[2].operations.len(), 1);
    }
}
