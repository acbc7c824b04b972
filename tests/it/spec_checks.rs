//! The curated specs stay canonical and fully understood.

use std::fs;

#[test]
fn specs_are_in_canonical_form() {
    let root = xtask::workspace_root();
    let stale = xtask::spec_fmt(&root, true).unwrap();
    assert!(stale.is_empty(), "not in canonical form: {stale:?}; run `cargo xtask spec-fmt`");
}

/// A misspelt keyword (`operationID`, `requried`) would be ignored by any generator; here
/// it fails the build.
#[test]
fn specs_have_no_unknown_keys() {
    let root = xtask::workspace_root();
    for spec in xtask::spec_files() {
        let text = fs::read_to_string(root.join(spec)).unwrap();
        let doc = generator::Document::parse(spec, &text).unwrap();
        let unknown = generator::canonical::unknown_keys(&doc.raw);
        assert!(unknown.is_empty(), "{spec}: keys OpenAPI 3.0 does not define: {unknown:#?}");
    }
}

#[test]
fn every_operation_names_its_doc_page() {
    let root = xtask::workspace_root();
    for spec in xtask::spec_files() {
        let text = fs::read_to_string(root.join(spec)).unwrap();
        let doc: serde_json::Value = serde_yaml::from_str(&text).unwrap();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                if ["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                    let page = op["x-doc-page"].as_str().unwrap_or_default();
                    assert!(
                        page.starts_with("https://helpcenter.veeam.com/"),
                        "{spec} {method} {path}: missing x-doc-page"
                    );
                }
            }
        }
    }
}
