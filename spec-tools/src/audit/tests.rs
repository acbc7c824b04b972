use serde_json::{json, Value};

use super::*;

/// A small published document: one operation and three schemas, with Veeam's cyclic
/// parent/child `allOf` (the parent lists its children in `oneOf`, each child `allOf`s it).
fn theirs() -> Value {
    json!({
        "openapi": "3.0.1",
        "info": {"title": "t", "version": "1.3-rev2"},
        "paths": {"/api/v1/things/{id}": {"get": {
            "operationId": "GetThing",
            "parameters": [
                {"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}},
                {"name": "kind", "in": "query", "schema": {"$ref": "#/components/schemas/EKind"}}
            ],
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
                "404": {"description": "Not found"}
            }
        }}},
        "components": {"schemas": {
            "EKind": {"type": "string", "enum": ["Pfx", "Pem"]},
            "Thing": {
                "type": "object", "required": ["id", "kind"],
                "properties": {
                    "id": {"type": "string", "format": "uuid"},
                    "kind": {"$ref": "#/components/schemas/EKind"},
                    "password": {"type": "string", "format": "password"},
                    "size": {"type": "integer", "format": "int64"}
                },
                "oneOf": [{"$ref": "#/components/schemas/BigThing"}]
            },
            "BigThing": {"allOf": [{"$ref": "#/components/schemas/Thing"}, {"type": "object", "properties": {"big": {"type": "boolean"}}}]}
        }}
    })
}

/// Our copy: equal to theirs, so every test changes one thing.
fn ours() -> Value {
    let mut doc = theirs();
    doc["openapi"] = json!("3.0.3");
    doc["info"]["version"] = json!("1.3-rev0");
    doc
}

fn keys(audit: &Audit) -> Vec<String> {
    audit.differences.iter().map(|f| &f.difference).map(|d| format!("{} {}", d.owner.as_str(), d.key)).collect()
}

fn undeclared(audit: &Audit) -> Vec<String> {
    audit
        .differences
        .iter()
        .filter(|f| f.reason.is_none())
        .map(|f| format!("{} {}", f.difference.owner.as_str(), f.difference.key))
        .collect()
}

#[test]
fn identical_documents_pass_with_nothing_to_report() {
    let audit = audit(&ours(), &theirs());
    assert!(audit.passed());
    assert!(audit.differences.is_empty(), "{:?}", keys(&audit));
}

#[test]
fn an_undeclared_type_change_fails_and_declaring_it_passes() {
    let mut doc = ours();
    doc["components"]["schemas"]["Thing"]["properties"]["size"] = json!({"type": "string"});
    let failed = audit(&doc, &theirs());
    assert!(!failed.passed());
    assert_eq!(undeclared(&failed), ["/components/schemas/Thing/properties/size type"]);
    // The report names the pointer in both documents and where to declare it.
    let text = report(&failed, &|p| format!("ours.yaml{p}"), &|_| "theirs.json".into());
    for part in [
        "schema Thing",
        "UNDECLARED  [properties/size] type: ours string, 1.3-rev2 integer",
        "ours:    ours.yaml#/components/schemas/Thing/properties/size/type",
        "theirs:  theirs.json#/components/schemas/Thing/properties/size/type",
        "in ours.yaml#/components/schemas/Thing/properties/size/x-deviation",
        "1 differences from theirs.json: 0 declared, 1 undeclared",
    ] {
        assert!(text.contains(part), "`{part}` not in:\n{text}");
    }

    doc["components"]["schemas"]["Thing"]["properties"]["size"]["x-deviation"] =
        json!({"type": "the page shows the size as text"});
    let passed = audit(&doc, &theirs());
    assert!(passed.passed(), "{}", report(&passed, &|p| format!("ours{p}"), &|_| "theirs".into()));
    assert!(report(&passed, &|p| format!("o{p}"), &|_| "t".into()).contains("because the page shows the size as text"));
}

#[test]
fn a_stale_declaration_fails() {
    let mut doc = ours();
    doc["components"]["schemas"]["EKind"]["x-deviation"] = json!({"enum": "spelt differently once"});
    let audit = audit(&doc, &theirs());
    assert!(!audit.passed());
    assert!(audit.differences.is_empty());
    assert_eq!(audit.stale.len(), 1);
    let text = report(&audit, &|p| format!("ours.yaml{p}"), &|_| "theirs.json".into());
    assert!(text.contains("ours.yaml#/components/schemas/EKind/x-deviation/enum: stale"), "{text}");
}

#[test]
fn a_malformed_declaration_is_reported_at_its_pointer() {
    let mut doc = ours();
    doc["components"]["schemas"]["EKind"]["x-deviation"] = json!({"enum": ""});
    doc["components"]["schemas"]["Thing"]["x-deviation"] = json!("not a map");
    let audit = audit(&doc, &theirs());
    let at: Vec<String> = audit.malformed.iter().map(|(p, _)| p.to_string()).collect();
    assert_eq!(at, ["#/components/schemas/EKind/x-deviation/enum", "#/components/schemas/Thing/x-deviation"]);
    assert!(!audit.passed());
}

#[test]
fn enum_values_are_compared_as_sets() {
    let mut doc = ours();
    doc["components"]["schemas"]["EKind"]["enum"] = json!(["Pem", "Pfx"]);
    assert!(audit(&doc, &theirs()).differences.is_empty(), "order does not matter");
    doc["components"]["schemas"]["EKind"]["enum"] = json!(["pfx", "pem", "Pem"]);
    let audit = audit(&doc, &theirs());
    let details: Vec<(&str, &str)> =
        audit.differences.iter().map(|f| (f.difference.key.as_str(), f.difference.detail.as_str())).collect();
    // A value both have but spell otherwise is a difference of its own.
    assert_eq!(
        details,
        [("enum", "only in ours: pem"), ("enum spellings", "spelt otherwise: ours `pfx`, 1.3-rev2 `Pfx`")]
    );
}

#[test]
fn required_lists_include_the_inline_members_of_all_of() {
    let mut doc = ours();
    doc["components"]["schemas"]["Thing"]["required"] = json!(["id"]);
    let audit_one = audit(&doc, &theirs());
    assert_eq!(keys(&audit_one), ["/components/schemas/Thing required"]);
    assert_eq!(audit_one.differences[0].difference.detail, "only in 1.3-rev2: kind");
    // The same names written on an inline `allOf` member are the same list.
    let mut moved = theirs();
    moved["components"]["schemas"]["BigThing"]["required"] = json!(["big"]);
    let mut ours_moved = ours();
    ours_moved["components"]["schemas"]["BigThing"]["allOf"][1]["required"] = json!(["big"]);
    assert!(audit(&ours_moved, &moved).differences.is_empty());
}

#[test]
fn response_codes_and_media_types_are_compared_per_member() {
    let mut doc = ours();
    let op = &mut doc["paths"]["/api/v1/things/{id}"]["get"];
    op["responses"]["201"] = op["responses"]["200"].clone();
    op["responses"].as_object_mut().unwrap().shift_remove("404");
    op["responses"]["200"]["content"]["application/xml"] = json!({"schema": {"type": "string"}});
    let audit = audit(&doc, &theirs());
    let op_at = "/paths/~1api~1v1~1things~1{id}/get";
    assert_eq!(
        keys(&audit),
        [
            format!("{op_at}/responses/200 media application/xml"),
            format!("{op_at} response 201"),
            format!("{op_at} response 404"),
        ]
    );
    assert!(audit.differences[2].difference.detail.starts_with("only in 1.3-rev2"));
    assert_eq!(audit.differences[2].difference.theirs.to_string(), format!("#{op_at}/responses/404"));
}

#[test]
fn formats_and_secrets_are_separate_differences() {
    let mut doc = ours();
    let props = &mut doc["components"]["schemas"]["Thing"]["properties"];
    props["size"]["format"] = json!("int32");
    props["password"] = json!({"type": "string"});
    props["id"]["x-secret"] = json!(true);
    let audit = audit(&doc, &theirs());
    let details: Vec<(String, String)> = audit
        .differences
        .iter()
        .map(|f| &f.difference)
        .map(|d| (d.owner.last().unwrap(), format!("{}: {}", d.key, d.detail)))
        .collect();
    assert_eq!(
        details,
        [
            ("id".to_owned(), "secret: ours marks it secret, 1.3-rev2 does not (format uuid)".to_owned()),
            ("password".to_owned(), "secret: 1.3-rev2 marks it secret (format: password), ours does not".to_owned()),
            ("size".to_owned(), "format: ours int32, 1.3-rev2 int64".to_owned()),
        ]
    );
}

#[test]
fn a_difference_at_a_ref_is_declared_on_its_parent_with_the_path() {
    let mut doc = ours();
    doc["components"]["schemas"]["EOther"] = json!({"type": "string", "enum": ["Pfx", "Pem"]});
    doc["components"]["schemas"]["Thing"]["properties"]["kind"] = json!({"$ref": "#/components/schemas/EOther"});
    let found = audit(&doc, &theirs());
    assert_eq!(
        undeclared(&found),
        ["/components/schemas/Thing properties/kind/$ref", "/components/schemas/EOther missing"]
    );
    doc["components"]["schemas"]["Thing"]["x-deviation"] = json!({"properties/kind/$ref": "renamed"});
    doc["components"]["schemas"]["EOther"]["x-deviation"] = json!({"missing": "our own name"});
    assert!(audit(&doc, &theirs()).passed());
}

#[test]
fn operations_match_by_method_and_path_and_report_operation_ids_and_parameters() {
    let mut doc = ours();
    let op = &mut doc["paths"]["/api/v1/things/{id}"]["get"];
    op["operationId"] = json!("GetThingById");
    op["parameters"][1] = json!({"name": "limit", "in": "query", "schema": {"type": "integer"}});
    op["parameters"][0]["required"] = json!(false);
    doc["paths"]["/api/v1/other"] = json!({"post": {"operationId": "Other", "responses": {}}});
    let audit = audit(&doc, &theirs());
    let op_at = "/paths/~1api~1v1~1things~1{id}/get";
    assert_eq!(
        keys(&audit),
        [
            format!("{op_at} operationId"),
            format!("{op_at} parameter limit"),
            format!("{op_at} parameter kind"),
            format!("{op_at}/parameters/0 required"),
            "/paths/~1api~1v1~1other/post missing".to_owned(),
        ]
    );
    assert_eq!(audit.differences[0].difference.detail, "ours `GetThingById`, 1.3-rev2 `GetThing`");
    // A parameter is named in the report, not numbered.
    let text = report(&audit, &|p| format!("o{p}"), &|_| "t".into());
    assert!(text.contains("UNDECLARED  [parameter id] required: ours false, 1.3-rev2 true"), "{text}");
}

#[test]
fn cyclic_parent_child_schemas_end() {
    // Theirs writes the parent inline in the child, whose `oneOf` lists the child again; ours
    // refers to the parent. Following ours' reference into the inline copy meets the cycle.
    let mut published = theirs();
    let parent = published["components"]["schemas"]["Thing"].clone();
    published["components"]["schemas"]["BigThing"]["allOf"] =
        json!([parent, {"type": "object", "properties": {"big": {"type": "boolean"}}}]);
    published["components"]["schemas"]["Thing"]["properties"]["size"]["format"] = json!("int32");
    let audit = audit(&ours(), &published);
    assert_eq!(
        keys(&audit),
        [
            "/components/schemas/Thing/properties/size format",
            "/components/schemas/BigThing required",
            "/components/schemas/BigThing allOf"
        ]
    );
    assert_eq!(
        audit.differences[2].difference.detail,
        "only in ours: #/components/schemas/Thing; inline members: ours 1, 1.3-rev2 2"
    );
}

#[test]
fn the_curated_spec_passes_against_every_revision_and_runs_against_1_2_rev1_alone() {
    let root = crate::workspace_root();
    let dir = root.join("tests/corpus").join(DEFAULT_DOCUMENTS);
    if !dir.exists() {
        eprintln!("skipped: no {} (the corpus is vendored in tests/corpus)", dir.display());
        return;
    }
    let documents = documents_in(&dir).unwrap();
    assert_eq!(documents.len(), 4, "Veeam's four revisions");
    let outcome = run(&root, "spec/vbr/openapi.yaml", &documents, None).unwrap();
    assert!(outcome.passed, "{}", outcome.text);
    assert!(outcome.text.contains("every difference from 1.3-rev2"), "{}", outcome.text);
    // One older revision alone is compared in full: its other differences are reported and
    // fail, without an error.
    let outcome = run(&root, "spec/vbr/openapi.yaml", &[dir.join("vbr_rest_1.2-rev1.json")], None).unwrap();
    assert!(!outcome.passed);
    assert!(outcome.text.contains("UNDECLARED"), "{}", outcome.text);
}

/// A property named like a keyword (`enum`, `example`) is a name, not a keyword: a
/// declaration inside it is found.
#[test]
fn a_declaration_in_a_property_named_like_a_keyword_is_found() {
    let (mut doc, mut published) = (ours(), theirs());
    for d in [&mut doc, &mut published] {
        d["components"]["schemas"]["Thing"]["properties"]["enum"] = json!({"type": "integer"});
    }
    doc["components"]["schemas"]["Thing"]["properties"]["enum"] =
        json!({"type": "string", "x-deviation": {"type": "the page shows it as text"}});
    let audit = audit(&doc, &published);
    assert!(audit.passed(), "{}", report(&audit, &|p| format!("ours{p}"), &|_| "theirs".into()));
}

/// [`theirs`] as the document of another revision.
fn revision(version: &str) -> Value {
    let mut doc = theirs();
    doc["info"]["version"] = json!(version);
    doc
}

const OP: &str = "/paths/~1api~1v1~1things~1{id}/get";

/// What an audit against several revisions found, as `revision owner key`.
fn found(audit: &Audit) -> Vec<String> {
    audit.differences.iter().map(|f| &f.difference).map(|d| format!("{} {} {}", d.revision, d.owner, d.key)).collect()
}

#[test]
fn an_operation_marked_for_a_revision_must_be_in_its_document_and_one_it_has_must_be_marked() {
    let mut doc = ours();
    doc["paths"]["/api/v1/things/{id}"]["get"]["x-revisions"] = json!("1.3-rev0..");
    let mut old = revision("1.3-rev0");
    old["paths"].as_object_mut().unwrap().clear();
    let audit = audit_revisions(&doc, &[&revision("1.2-rev1"), &old, &theirs()], "1.3-rev2");
    assert_eq!(found(&audit), [format!("1.2-rev1 #{OP} revisions"), format!("1.3-rev0 #{OP} missing")]);
    let missing = &audit.differences[1].difference;
    assert_eq!(missing.ours.to_string(), format!("#{OP}/x-revisions"), "found at the mark");
    assert!(missing.detail.contains("(x-revisions `1.3-rev0..`)"), "{}", missing.detail);
    assert!(audit.differences[0].difference.detail.contains("x-revisions `1.3-rev0..` leaves 1.2-rev1 out"));
}

#[test]
fn a_parameter_is_compared_with_its_mark_in_each_revision() {
    let mut doc = ours();
    doc["paths"]["/api/v1/things/{id}"]["get"]["parameters"][1]["x-revisions"] = json!("1.3-rev2..");
    let mut old = revision("1.3-rev0");
    old["paths"]["/api/v1/things/{id}"]["get"]["parameters"].as_array_mut().unwrap().truncate(1);
    // 1.3-rev0 lacks `kind`, as its mark says; 1.3-rev1 has it, which its mark leaves out.
    let audit = audit_revisions(&doc, &[&old, &revision("1.3-rev1"), &theirs()], "1.3-rev2");
    assert_eq!(found(&audit), [format!("1.3-rev1 #{OP} parameter kind")]);
    let d = &audit.differences[0].difference;
    assert_eq!(d.ours.to_string(), format!("#{OP}/parameters/1/x-revisions"));
    assert_eq!(d.detail, "in 1.3-rev1, but its x-revisions `1.3-rev2..` leaves 1.3-rev1 out");
}

#[test]
fn a_response_is_compared_with_its_operations_response_marks() {
    let mut doc = ours();
    let op = &mut doc["paths"]["/api/v1/things/{id}"]["get"];
    op["responses"]["201"] = json!({"description": "Created"});
    op["x-response-revisions"] = json!({"201": "1.2-rev1..1.2-rev1", "404": "1.3-rev2.."});
    let mut old = revision("1.2-rev1");
    let responses = &mut old["paths"]["/api/v1/things/{id}"]["get"]["responses"];
    responses["201"] = json!({"description": "Created"});
    responses.as_object_mut().unwrap().shift_remove("404");
    // Marked right: no difference in either revision.
    let audit = audit_revisions(&doc, &[&old, &theirs()], "1.3-rev2");
    assert!(audit.passed(), "{:?}", found(&audit));
    // 1.3-rev1 has 404 (marked out) and not 201 (not marked in): both marks are fine there;
    // 1.2-rev1 without 201 contradicts its mark.
    let audit = audit_revisions(&doc, &[&revision("1.2-rev1"), &revision("1.3-rev1"), &theirs()], "1.3-rev2");
    assert_eq!(
        found(&audit),
        [
            format!("1.2-rev1 #{OP} response 404"),
            format!("1.2-rev1 #{OP} response 201"),
            format!("1.3-rev1 #{OP} response 404")
        ]
    );
    assert_eq!(audit.differences[1].difference.ours.to_string(), format!("#{OP}/x-response-revisions/201"));
}

#[test]
fn properties_are_compared_with_their_marks_and_as_each_revision_spells_them() {
    let mut doc = ours();
    let thing = &mut doc["components"]["schemas"]["Thing"];
    thing["x-property-revisions"] = json!({"size": "1.3-rev1.."});
    thing["x-property-spellings"] = json!({"password": {"Password": "1.2-rev1..1.2-rev1"}});
    let mut old = revision("1.2-rev1");
    let props = old["components"]["schemas"]["Thing"]["properties"].as_object_mut().unwrap();
    props.shift_remove("size");
    let password = props.shift_remove("password").unwrap();
    props.insert("Password".into(), password);
    assert!(audit_revisions(&doc, &[&old, &theirs()], "1.3-rev2").passed());
    // Without the spelling, 1.2-rev1's `Password` is not ours' `password`.
    doc["components"]["schemas"]["Thing"].as_object_mut().unwrap().shift_remove("x-property-spellings");
    let audit = audit_revisions(&doc, &[&old, &theirs()], "1.3-rev2");
    let thing = "#/components/schemas/Thing";
    assert_eq!(
        found(&audit),
        [format!("1.2-rev1 {thing} property password"), format!("1.2-rev1 {thing} property Password")]
    );
}

#[test]
fn enum_values_are_compared_as_each_revision_spells_them() {
    let mut doc = ours();
    let kind = &mut doc["components"]["schemas"]["EKind"];
    kind["enum"] = json!(["pfx", "pem"]);
    kind["x-enum-revisions"] = json!({"pem": "1.3-rev0.."});
    kind["x-enum-spellings"] = json!({"pfx": {"Pfx": "1.3-rev1.."}, "pem": {"Pem": "1.3-rev1.."}});
    let mut first = revision("1.2-rev1");
    first["components"]["schemas"]["EKind"]["enum"] = json!(["pfx"]);
    let mut second = revision("1.3-rev0");
    second["components"]["schemas"]["EKind"]["enum"] = json!(["pfx", "pem"]);
    let documents = [&first, &second, &revision("1.3-rev1"), &theirs()];
    let audit = audit_revisions(&doc, &documents, "1.3-rev2");
    assert!(audit.passed(), "{:?}", found(&audit));
    // A value spelt otherwise than recorded is its own difference, `enum spellings`.
    doc["components"]["schemas"]["EKind"].as_object_mut().unwrap().shift_remove("x-enum-spellings");
    let audit = audit_revisions(&doc, &documents, "1.3-rev2");
    let kind = "#/components/schemas/EKind";
    assert_eq!(found(&audit), [format!("1.3-rev1 {kind} enum spellings"), format!("1.3-rev2 {kind} enum spellings")]);
    assert_eq!(
        audit.differences[0].difference.detail,
        "spelt otherwise: ours `pfx`, 1.3-rev1 `Pfx`; ours `pem`, 1.3-rev1 `Pem`"
    );
    // A value marked out of a revision that has it.
    doc["components"]["schemas"]["EKind"]["x-enum-revisions"] = json!({"pem": "1.3-rev1.."});
    doc["components"]["schemas"]["EKind"]["x-enum-spellings"] =
        json!({"pfx": {"Pfx": "1.3-rev1.."}, "pem": {"Pem": "1.3-rev1.."}});
    let audit = audit_revisions(&doc, &documents, "1.3-rev2");
    assert_eq!(found(&audit), [format!("1.3-rev0 {kind} enum")]);
    let d = &audit.differences[0].difference;
    assert_eq!(d.detail, "only in 1.3-rev0: pem (x-enum-revisions leaves 1.3-rev0 out of pem)");
    assert_eq!(d.ours.to_string(), format!("{kind}/x-enum-revisions/pem"));
}

#[test]
fn other_revisions_are_audited_for_what_the_marks_say_and_the_full_one_for_everything() {
    let mut old = revision("1.3-rev1");
    old["components"]["schemas"]["Thing"]["properties"]["size"]["format"] = json!("int32");
    let audit = audit_revisions(&ours(), &[&old, &theirs()], "1.3-rev2");
    assert!(audit.differences.is_empty(), "a format is not a mark: {:?}", found(&audit));
    let audit = audit_revisions(&ours(), &[&old, &theirs()], "1.3-rev1");
    assert_eq!(found(&audit), ["1.3-rev1 #/components/schemas/Thing/properties/size format"]);
}

#[test]
fn a_declaration_holds_for_every_revision_and_is_stale_only_when_none_has_its_difference() {
    let mut doc = ours();
    doc["components"]["schemas"]["Thing"]["x-deviation"] = json!({"property size": "ours keeps it"});
    let mut old = revision("1.3-rev0");
    old["components"]["schemas"]["Thing"]["properties"].as_object_mut().unwrap().shift_remove("size");
    let audit = audit_revisions(&doc, &[&old, &theirs()], "1.3-rev2");
    assert!(audit.passed(), "declared for 1.3-rev0, and not stale though 1.3-rev2 has no difference");
    let text = report(&audit, &|p| format!("o{p}"), &|r| format!("{r}.json"));
    assert!(text.contains("declared    property size: only in ours (not in 1.3-rev0) (in 1.3-rev0)"), "{text}");
    assert!(text.contains("from 1.3-rev0.json, 1.3-rev2.json"), "{text}");
    let audit = audit_revisions(&doc, &[&revision("1.3-rev0"), &theirs()], "1.3-rev2");
    assert_eq!(audit.stale.len(), 1, "no revision lacks `size`");
}

#[test]
fn a_wrong_mark_is_reported_with_its_file_and_line() {
    let dir = std::env::temp_dir().join(format!("audit-lines-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut doc = ours();
    doc["components"]["schemas"]["Thing"]["x-property-revisions"] = json!({"size": "1.3-rev2.."});
    let text = generator::canonical::canonical_yaml(&doc).unwrap();
    std::fs::write(dir.join("ours.yaml"), &text).unwrap();
    std::fs::write(dir.join("old.json"), revision("1.3-rev1").to_string()).unwrap();
    std::fs::write(dir.join("new.json"), theirs().to_string()).unwrap();
    let against = [dir.join("old.json"), dir.join("new.json")];
    let outcome = run(&dir, "ours.yaml", &against, None).unwrap();
    assert!(!outcome.passed);
    let line = text.lines().position(|l| l.trim() == "size: 1.3-rev2..").unwrap() + 1;
    let at = format!("ours.yaml:{line} #/components/schemas/Thing/x-property-revisions/size");
    assert!(outcome.text.contains(&at), "`{at}` not in:\n{}", outcome.text);
    assert!(outcome.text.contains("theirs:  old.json#/components/schemas/Thing/properties/size"), "{}", outcome.text);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A property an older revision requires and the newest does not must be marked with the
/// revisions that require it; a mark is checked against every revision.
#[test]
fn a_property_some_revisions_require_is_compared_with_its_required_mark() {
    let thing = "#/components/schemas/Thing";
    let mut old = revision("1.2-rev1");
    old["components"]["schemas"]["Thing"]["required"] = json!(["id", "kind", "size"]);
    let audit = audit_revisions(&ours(), &[&old, &theirs()], "1.3-rev2");
    assert_eq!(found(&audit), [format!("1.2-rev1 {thing} required size")]);
    assert!(audit.differences[0].difference.detail.contains("neither `required` nor x-required-revisions"));
    let mut doc = ours();
    doc["components"]["schemas"]["Thing"]["x-required-revisions"] = json!({"size": "1.2-rev1..1.2-rev1"});
    let audit = audit_revisions(&doc, &[&old, &theirs()], "1.3-rev2");
    assert!(audit.passed(), "{:?}", found(&audit));
    // A mark that says more than the revision does is wrong too, and found at the mark.
    doc["components"]["schemas"]["Thing"]["x-required-revisions"] = json!({"size": "1.2-rev1.."});
    let audit = audit_revisions(&doc, &[&old, &theirs()], "1.3-rev2");
    assert_eq!(found(&audit), [format!("1.3-rev2 {thing} required size")]);
    assert_eq!(audit.differences[0].difference.ours.to_string(), format!("{thing}/x-required-revisions/size"));
}

/// A list an older revision writes as one value of its items (a filter Veeam made a list
/// later) must be marked with the revisions that do, in a property's schema map or on the
/// parameter; a mark is checked against every revision.
#[test]
fn a_list_some_revisions_write_as_one_value_is_compared_with_its_single_value_mark() {
    let thing = "#/components/schemas/Thing";
    let kinds = json!({"type": "array", "items": {"$ref": "#/components/schemas/EKind"}});
    let (mut doc, mut newest) = (ours(), theirs());
    for d in [&mut doc, &mut newest] {
        d["components"]["schemas"]["Thing"]["properties"]["kind"] = kinds.clone();
        d["paths"]["/api/v1/things/{id}"]["get"]["parameters"][1]["schema"] = kinds.clone();
    }
    let old = revision("1.2-rev1");
    let audit = audit_revisions(&doc, &[&old, &newest], "1.3-rev2");
    assert_eq!(
        found(&audit),
        [format!("1.2-rev1 #{OP}/parameters/1 single-value"), format!("1.2-rev1 {thing} single-value kind")]
    );
    assert!(audit.differences[0].difference.detail.contains("one value in 1.2-rev1, a list in ours"));
    doc["components"]["schemas"]["Thing"]["x-single-value-revisions"] = json!({"kind": "1.2-rev1..1.2-rev1"});
    doc["paths"]["/api/v1/things/{id}"]["get"]["parameters"][1]["x-single-value-revisions"] =
        json!("1.2-rev1..1.2-rev1");
    let audit = audit_revisions(&doc, &[&old, &newest], "1.3-rev2");
    assert!(audit.passed(), "{:?}", found(&audit));
    // A mark that says more than the revision does is wrong too, and found at the mark.
    doc["components"]["schemas"]["Thing"]["x-single-value-revisions"] = json!({"kind": "1.2-rev1.."});
    let audit = audit_revisions(&doc, &[&old, &newest], "1.3-rev2");
    assert_eq!(found(&audit), [format!("1.3-rev2 {thing} single-value kind")]);
    assert_eq!(audit.differences[0].difference.ours.to_string(), format!("{thing}/x-single-value-revisions/kind"));
}

#[test]
fn a_schema_a_revision_names_otherwise_is_compared_with_that_revisions_component() {
    // 1.2-rev1 names `EKind` `ECertKind`, and spells its values in lower case there.
    let mut old = revision("1.2-rev1");
    let schemas = old["components"]["schemas"].as_object_mut().unwrap();
    schemas.shift_remove("EKind");
    schemas.insert("ECertKind".to_owned(), json!({"type": "string", "enum": ["pfx", "pem"]}));
    for at in ["/paths/~1api~1v1~1things~1{id}/get/parameters/1/schema", "/components/schemas/Thing/properties/kind"] {
        *old.pointer_mut(at).unwrap() = json!({"$ref": "#/components/schemas/ECertKind"});
    }
    let mut doc = ours();
    doc["components"]["schemas"]["EKind"]["x-enum-spellings"] =
        json!({"Pfx": {"pfx": "1.2-rev1..1.2-rev1"}, "Pem": {"pem": "1.2-rev1..1.2-rev1"}});
    // Unrecorded, the schema looks absent from 1.2-rev1 and its uses look retyped.
    let audit = audit_revisions(&doc, &[&old, &theirs()], "1.3-rev2");
    assert_eq!(found(&audit), ["1.2-rev1 #/components/schemas/EKind missing"]);
    // Recorded, 1.2-rev1's component is compared: its values, as 1.2-rev1 spells them.
    doc["components"]["schemas"]["EKind"]["x-schema-names"] = json!({"ECertKind": "1.2-rev1..1.2-rev1"});
    let audit = audit_revisions(&doc, &[&old, &theirs()], "1.3-rev2");
    assert_eq!(found(&audit), Vec::<String>::new());
    doc["components"]["schemas"]["EKind"]["x-enum-spellings"] = json!({});
    let audit = audit_revisions(&doc, &[&old, &theirs()], "1.3-rev2");
    assert_eq!(found(&audit), ["1.2-rev1 #/components/schemas/EKind enum spellings"]);
}
