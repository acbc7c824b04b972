//! The curated specs stay canonical and fully understood.

use std::collections::BTreeMap;

use serde_json::Value;

#[test]
fn specs_are_in_canonical_form() {
    let config = crate::support::project::curated();
    let root = &config.root;
    let files: Vec<_> =
        openapi_client_gen::modules::spec_files(&config).unwrap().iter().map(|f| root.join(f)).collect();
    let stale = openapi_spec_tools::fmt::format_files(&files, true).unwrap();
    assert!(stale.is_empty(), "not in canonical form: {stale:?}; run `cargo xtask spec-fmt`");
}

/// A misspelt keyword (`operationID`, `requried`) would be ignored by any generator; here
/// it fails the build.
#[test]
fn specs_have_no_unknown_keys() {
    for spec in crate::support::project::spec_files() {
        let doc = crate::support::project::joined_spec(&spec);
        let unknown = generator::canonical::unknown_keys(&doc);
        assert!(unknown.is_empty(), "{spec}: keys OpenAPI 3.0 does not define: {unknown:#?}");
    }
}

#[test]
fn every_operation_names_its_doc_page() {
    for spec in crate::support::project::spec_files() {
        let doc = crate::support::project::joined_spec(&spec);
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

/// `x-long-running` (the generator waits on these operations) must be on every VBR operation
/// that answers with a session, and each marker must agree with the spec it points into: the
/// status and stop operations exist and take the parameters it fills, every dotted path names
/// a property of the status answer, and every state or result value is one its enum lists.
#[test]
fn long_running_operations_are_marked_and_their_markers_resolve() {
    let doc = crate::support::project::joined_spec(&crate::support::project::spec_files()[0]);
    let ops = operations(&doc);
    let session = "#/components/schemas/SessionModel";
    let mut marked = Vec::new();
    for (id, op) in &ops {
        let marker = op.get("x-long-running");
        let answers_a_session = success_schema(&doc, op).and_then(|s| s["$ref"].as_str()) == Some(session);
        let status_or_stop = ["GetSession", "StopSession"].contains(&id.as_str());
        assert_eq!(
            marker.is_some(),
            answers_a_session && !status_or_stop,
            "{id}: x-long-running must be on exactly the operations that answer a SessionModel (except GetSession)"
        );
        let Some(marker) = marker else { continue };
        marked.push(id.as_str());
        let status = &ops[marker["status-operation"].as_str().unwrap()];
        let answer = success_schema(&doc, op).unwrap();
        let status_answer = success_schema(&doc, status).unwrap();
        let fills: Vec<&str> = marker["parameters"].as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(path_params(&doc, status), fills, "{id}: status-operation path parameters");
        for from in marker["parameters"].as_object().unwrap().values() {
            assert!(property(&doc, answer, from.as_str().unwrap()).is_some(), "{id}: the answer has no {from}");
        }
        for key in ["state", "result", "progress", "message", "canceled"] {
            let path = marker[key].as_str().unwrap_or_else(|| panic!("{id}: {key} missing"));
            assert!(property(&doc, status_answer, path).is_some(), "{id}: the status answer has no {path}");
        }
        let values = |key: &str| -> Vec<String> {
            let schema = property(&doc, status_answer, marker[key].as_str().unwrap()).unwrap();
            serde_json::from_value(schema["enum"].clone()).unwrap()
        };
        for (list, of) in [("terminal", "state"), ("success", "result"), ("warning", "result"), ("failure", "result")] {
            for value in marker[list].as_array().unwrap() {
                assert!(values(of).contains(&value.as_str().unwrap().to_owned()), "{id}: {list} {value} is no {of}");
            }
        }
        let stop = &ops[marker["stop-operation"].as_str().unwrap()];
        assert_eq!(path_params(&doc, stop), fills, "{id}: stop-operation path parameters");
    }
    // The ones an operator waits on most, among the 106 spec-curate marked.
    for id in ["StartJob", "StopJob", "RetryJob", "CreateCloudCredsHelperAppliance", "InstantViVMRecoveryMount"] {
        assert!(marked.contains(&id), "{id} is not waitable");
    }
    assert_eq!(marked.len(), 106, "the README's coverage table counts 106 waitable operations");
}

/// operationId → operation.
fn operations(doc: &Value) -> BTreeMap<String, Value> {
    let mut ops = BTreeMap::new();
    for item in doc["paths"].as_object().unwrap().values() {
        for (method, op) in item.as_object().unwrap() {
            if ["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                ops.insert(op["operationId"].as_str().unwrap().to_owned(), op.clone());
            }
        }
    }
    ops
}

fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value["$ref"].as_str() {
        Some(pointer) => resolve(doc, doc.pointer(pointer.trim_start_matches('#')).unwrap()),
        None => value,
    }
}

/// The JSON schema of the lowest 2xx answer, as written (a `$ref` stays a `$ref`).
fn success_schema<'a>(doc: &'a Value, op: &'a Value) -> Option<&'a Value> {
    let responses = op["responses"].as_object()?;
    let code = responses.keys().filter(|code| code.starts_with('2')).min()?;
    resolve(doc, &responses[code]).get("content")?.get("application/json")?.get("schema")
}

fn path_params(doc: &Value, op: &Value) -> Vec<String> {
    let params = op["parameters"].as_array().unwrap().iter().map(|p| resolve(doc, p));
    params.filter(|p| p["in"] == "path").map(|p| p["name"].as_str().unwrap().to_owned()).collect()
}

/// The schema of the property at a dotted path (`result.message`) of an object schema.
fn property<'a>(doc: &'a Value, schema: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .try_fold(schema, |schema, name| resolve(doc, schema)["properties"].get(name))
        .map(|s| resolve(doc, s))
}

/// The README's coverage table (sections of the VBR API with their operation, paged and
/// waitable counts, and their cargo features) is the spec's, recomputed here.
#[test]
fn coverage_table_is_current() {
    let spec = &crate::support::project::spec_files()[0];
    let doc = crate::support::project::joined_spec(spec);
    let mut by_tag: Vec<(String, [usize; 3])> =
        doc["tags"].as_array().unwrap().iter().map(|t| (t["name"].as_str().unwrap().to_owned(), [0; 3])).collect();
    for item in doc["paths"].as_object().unwrap().values() {
        for (method, op) in item.as_object().unwrap() {
            if !["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                continue;
            }
            let tag = op["tags"][0].as_str().unwrap();
            let row = by_tag.iter_mut().find(|(t, _)| t == tag).unwrap_or_else(|| panic!("undeclared tag {tag}"));
            row.1[0] += 1;
            row.1[1] += usize::from(op.get("x-pagination").is_some());
            row.1[2] += usize::from(op.get("x-long-running").is_some());
        }
    }
    let mut table = String::from("| Section | Feature | Operations | Paged | Waitable |\n|---|---|---:|---:|---:|\n");
    let mut total = [0; 3];
    let mut sections = 0;
    for (tag, counts) in by_tag.iter().filter(|(_, c)| c[0] > 0) {
        let feature = generator::features_slug(tag);
        table.push_str(&format!("| {tag} | `tag-{feature}` | {} | {} | {} |\n", counts[0], counts[1], counts[2]));
        for i in 0..3 {
            total[i] += counts[i];
        }
        sections += 1;
    }
    table.push_str(&format!(
        "| **All {sections} sections** | `vbr` | **{}** | **{}** | **{}** |\n",
        total[0], total[1], total[2]
    ));
    let readme = std::fs::read_to_string(crate::support::project::workspace_root().join("README.md")).unwrap();
    let start = readme.find("<!-- coverage:").expect("the README has the coverage table");
    let start = start + readme[start..].find('\n').unwrap() + 1;
    let end = readme.find("<!-- end of coverage -->").expect("the coverage table ends");
    assert_eq!(&readme[start..end], table, "README.md's coverage table is stale; replace it with the table above");
}
