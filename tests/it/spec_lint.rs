//! `cargo xtask spec-lint`: one failing fixture per rule with its exact finding, a fixture
//! every rule passes, severities; and the canonical writer, whose output must read back as
//! the same value and pass the text rules, over the curated specs and the real-world corpus.

use std::path::{Path, PathBuf};

use openapi_spec_tools::lint::{self, Config, Level, RULES};

fn fixture(name: &str) -> PathBuf {
    crate::support::project::workspace_root().join("tests/fixtures/lint").join(name)
}

/// Every rule on, as errors.
fn strict() -> Config {
    let mut config = Config::default();
    for (rule, _, _) in RULES {
        config.set(rule, Level::Error).unwrap();
    }
    config
}

/// (rule, pointer, line) of each finding.
fn findings(name: &str, config: &Config) -> Vec<(String, String, Option<usize>)> {
    lint::lint_file(&fixture(name), name, config)
        .into_iter()
        .map(|f| (f.rule.to_owned(), f.pointer.to_string(), f.line))
        .collect()
}

fn one(rule: &str, pointer: &str, line: usize) -> Vec<(String, String, Option<usize>)> {
    vec![(rule.to_owned(), pointer.to_owned(), Some(line))]
}

#[test]
fn each_rule_reports_its_fixture_exactly() {
    let config = strict();
    let cases = [
        ("example_valid.yaml", "example-valid", "#/paths/~1a/get/responses/200/content/application~1json/example", 14),
        ("operation_id_unique.yaml", "operation-id-unique", "#/paths/~1a/post/operationId", 11),
        ("doc_page.yaml", "doc-page", "#/paths/~1a/get/x-doc-page", 7),
        (
            "secret_format.yaml",
            "secret-format",
            "#/paths/~1a/post/requestBody/content/application~1json/schema/properties/clientSecret",
            16,
        ),
        ("unused_component.yaml", "unused-component", "#/components/schemas/Unused", 18),
        (
            "ref_resolves.yaml",
            "ref-resolves",
            "#/paths/~1a/get/responses/200/content/application~1json/schema/$ref",
            13,
        ),
        ("description_wrapped.yaml", "description-wrapped", "#/info/description", 5),
        ("timestamp_quoted.yaml", "timestamp-quoted", "#/paths/~1a/get/parameters/0/example", 12),
        ("operation_security_defined.yaml", "operation-security-defined", "#/paths/~1a/get/security/1/basic", 12),
        ("path_params.yaml", "path-params", "#/paths/~1a~1{id}/get/parameters/1", 12),
        ("operation_success_response.yaml", "operation-success-response", "#/paths/~1a/get/responses", 11),
        ("operation_tag_defined.yaml", "operation-tag-defined", "#/paths/~1a/get/tags/1", 14),
        ("operation_description.yaml", "operation-description", "#/paths/~1a/get", 7),
        ("info_description.yaml", "info-description", "#/info", 2),
        ("api_servers.yaml", "api-servers", "#/servers", 3),
        (
            "no_ref_siblings.yaml",
            "no-ref-siblings",
            "#/paths/~1a/get/responses/200/content/application~1json/schema/nullable",
            17,
        ),
        ("duplicated_entry_in_enum.yaml", "duplicated-entry-in-enum", "#/paths/~1a/get/parameters/0/schema/enum/2", 18),
        ("path_keys_no_trailing_slash.yaml", "path-keys-no-trailing-slash", "#/paths/~1a~1", 6),
    ];
    // Every rule has its fixture.
    for (rule, _, _) in RULES {
        assert!(cases.iter().any(|(_, r, _, _)| r == rule), "no fixture for {rule}");
    }
    for (file, rule, pointer, line) in cases {
        assert_eq!(findings(file, &config), one(rule, pointer, line), "{file}");
    }
}

#[test]
fn messages_say_what_is_wrong() {
    let config = strict();
    let message = |file: &str| lint::lint_file(&fixture(file), file, &config)[0].to_string();
    let example = message("example_valid.yaml");
    assert!(example.contains("at /id: \"not-a-uuid\" is not a \"uuid\""), "{example}");
    assert!(example.starts_with("error[example-valid]: example_valid.yaml#/paths/"), "{example}");
    assert!(message("operation_id_unique.yaml").contains("`GetThing` differs only in case from `getThing`"));
    assert!(message("ref_resolves.yaml").contains("does not resolve"));
    assert!(message("description_wrapped.yaml").contains("line 5 is 164 columns, more than 100"));
}

#[test]
fn a_document_with_every_near_miss_passes_every_rule() {
    assert_eq!(findings("clean.yaml", &strict()), vec![]);
}

#[test]
fn formats_and_ranges_are_checked_and_open_enums_still_need_a_listed_example() {
    let doc = |schema: &str, example: &str| {
        format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: '1', description: d}}\nservers: [{{url: 'https://example.com'}}]\npaths: {{}}\ncomponents:\n  schemas:\n    A: {schema}\n  parameters:\n    p:\n      name: p\n      in: query\n      schema: {{$ref: '#/components/schemas/A'}}\n      example: {example}\n"
        )
    };
    let mut config = strict();
    config.set("unused-component", Level::Off).unwrap();
    let check = |schema: &str, example: &str| {
        let text = doc(schema, example);
        let mut read = |_: &str| Err("no other files".to_owned());
        lint::lint_text("t.yaml", "t.yaml", &text, &mut read, &config).into_iter().map(|f| f.rule).collect::<Vec<_>>()
    };
    for (schema, bad, good) in [
        ("{type: integer, format: int32}", "3000000000", "-2147483648"),
        ("{type: integer, format: int64}", "9223372036854775808", "9223372036854775807"),
        ("{type: string, format: date}", "'2024-02-30'", "'2024-02-29'"),
        ("{type: string, format: email}", "nobody", "a@example.com"),
        ("{type: string, format: byte}", "'not base64!'", "aGk="),
        ("{type: string, enum: [A, B]}", "C", "B"),
        ("{type: string, nullable: true, maxLength: 2}", "abc", "null"),
        ("{type: number, minimum: 1, exclusiveMinimum: true}", "1", "1.5"),
    ] {
        assert_eq!(check(schema, bad), vec!["example-valid"], "{schema} {bad}");
        assert_eq!(check(schema, good), Vec::<&str>::new(), "{schema} {good}");
    }
}

#[test]
fn severities_come_from_the_config_and_default_sensibly_for_any_spec() {
    // Not our document: no `x-doc-page` is expected.
    assert_eq!(findings("doc_page.yaml", &Config::default()), vec![]);
    let config = Config::from_yaml("lint.yaml", "rules:\n  doc-page: warning\ndescription-width: 200\n").unwrap();
    let found = lint::lint_file(&fixture("doc_page.yaml"), "doc_page.yaml", &config);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].level, Level::Warning);
    assert_eq!(findings("description_wrapped.yaml", &config), vec![]);
    let err = Config::from_yaml("lint.yaml", "rules:\n  no-such-rule: error\n").unwrap_err();
    assert!(format!("{err:#}").contains("unknown rule `no-such-rule`"), "{err:#}");
    let err = Config::from_yaml("lint.yaml", "rules:\n  doc-page: loud\n").unwrap_err();
    assert!(format!("{err:#}").contains("lint.yaml#/rules/doc-page"), "{err:#}");
    // The curated config turns every rule on, as an error but for the one rule `spec/lint.yaml`
    // explains (EM's logon route ends with a slash).
    let curated = lint::config_or_default(&crate::support::project::workspace_root().join("spec/lint.yaml")).unwrap();
    for (rule, _, _) in RULES {
        let expected = if *rule == "path-keys-no-trailing-slash" { Level::Warning } else { Level::Error };
        assert_eq!(curated.levels[*rule], expected, "{rule}");
    }
}

#[test]
fn bad_input_is_a_finding_not_a_panic() {
    let config = strict();
    let mut read = |_: &str| Err("no other files".to_owned());
    for text in ["openapi: [", "{}", "openapi: 3.0.3\npaths: 7\ncomponents: {schemas: []}\n", "? [a]\n: b\n"] {
        let _ = lint::lint_text("bad.yaml", "bad.yaml", text, &mut read, &config);
    }
    let found = lint::lint_text("bad.yaml", "bad.yaml", "openapi: [", &mut read, &config);
    assert_eq!(found[0].rule, "syntax");
}

/// parse(canonical(x)) == x, canonical is idempotent, and its output passes the text rules.
fn round_trip(label: &str, value: &serde_json::Value) {
    let yaml = generator::canonical::canonical_yaml(value).unwrap();
    let back = generator::load::parse_text(&format!("{label}.yaml"), &yaml).unwrap();
    assert!(&back == value, "{label}: the canonical YAML reads back as a different value");
    assert_eq!(generator::canonical::canonical_yaml(&back).unwrap(), yaml, "{label}: not idempotent");
    let found = lint::lint_yaml_text(label, &yaml, generator::canonical::WRAP_WIDTH).unwrap();
    assert!(found.is_empty(), "{label}: {}", found.iter().map(|f| f.to_string()).collect::<Vec<_>>().join("\n"));
}

#[test]
fn canonical_yaml_round_trips_the_curated_specs() {
    let root = crate::support::project::workspace_root();
    for spec in crate::support::project::spec_files() {
        for file in crate::support::project::spec_document_files(&spec) {
            let text = std::fs::read_to_string(root.join(&file)).unwrap();
            round_trip(&file, &generator::load::parse_text(&file, &text).unwrap());
        }
    }
}

#[test]
fn canonical_yaml_round_trips_every_real_world_document() {
    let dir = crate::support::project::require_corpus().unwrap().join("real");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    let mut count = 0;
    for path in paths.iter().filter(|p| p.extension().is_some_and(|e| e == "json")) {
        let label = path.file_name().unwrap().to_string_lossy().into_owned();
        let value = generator::load::parse_text(&label, &std::fs::read_to_string(path).unwrap()).unwrap();
        round_trip(&label, &value);
        count += 1;
    }
    assert!(count >= 50, "only {count} documents in {}", Path::new(&dir).display());
}

#[test]
fn a_3_1_json_document_is_json_schema_and_has_no_text_rules() {
    let doc = serde_json::json!({
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1", "description": "word ".repeat(40)},
        "servers": [{"url": "https://example.com"}],
        "paths": {"/a": {"get": {
            "operationId": "getA",
            "summary": "Gets an A.",
            "responses": {"200": {"description": "ok", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/A"}
            }}}}
        }}},
        "components": {"schemas": {"A": {
            "type": ["string", "null"],
            "format": "date-time",
            "examples": [null, "2024-01-01T00:00:00Z", "yesterday"]
        }}}
    });
    let text = serde_json::to_string_pretty(&doc).unwrap();
    let mut read = |_: &str| Err("no other files".to_owned());
    let found: Vec<(String, String)> = lint::lint_text("a.json", "a.json", &text, &mut read, &Config::default())
        .into_iter()
        .map(|f| (f.rule.to_owned(), f.pointer.to_string()))
        .collect();
    assert_eq!(found, vec![("example-valid".to_owned(), "#/components/schemas/A/examples/2".to_owned())]);
}

/// The rules of a document given as text, every rule on.
fn rules_of(text: &str) -> Vec<(String, String)> {
    let mut read = |_: &str| Err("no other files".to_owned());
    lint::lint_text("t.yaml", "t.yaml", text, &mut read, &strict())
        .into_iter()
        .map(|f| (f.rule.to_owned(), f.pointer.to_string()))
        .collect()
}

/// A document every rule passes but for its `paths`.
fn with_paths(paths: &str) -> String {
    format!(
        "openapi: 3.0.3\ninfo: {{title: t, version: '1', description: d}}\nservers: [{{url: 'https://example.com'}}]\npaths:\n{paths}"
    )
}

#[test]
fn path_params_catch_every_mismatch_with_the_template() {
    let op = "      operationId: OP\n      summary: s\n      x-doc-page: https://example.com/a\n      responses: {'204': {description: ok}}\n";
    let path = |key: &str, item_params: &str, op_params: &str, id: &str| {
        format!("  {key}:\n{item_params}    get:\n{op_params}{}", op.replace("OP", id))
    };
    let p = |name: &str, required: bool| {
        format!("      - {{name: {name}, in: path, required: {required}, schema: {{type: string}}}}\n")
    };
    let list = |items: &[String]| format!("      parameters:\n{}", items.concat());
    // In the template but declared nowhere.
    let found = rules_of(&with_paths(&path("/a/{id}", "", "", "getA")));
    assert_eq!(found, [("path-params".to_owned(), "#/paths/~1a~1{id}/get".to_owned())]);
    // Declared twice in one list.
    let found = rules_of(&with_paths(&path("/a/{id}", "", &list(&[p("id", true), p("id", true)]), "getA")));
    assert_eq!(found, [("path-params".to_owned(), "#/paths/~1a~1{id}/get/parameters/1".to_owned())]);
    // Not required.
    let found = rules_of(&with_paths(&path("/a/{id}", "", &list(&[p("id", false)]), "getA")));
    assert_eq!(found, [("path-params".to_owned(), "#/paths/~1a~1{id}/get/parameters/0".to_owned())]);
    // Twice in the template.
    let found = rules_of(&with_paths(&path("/a/{id}/b/{id}", "", &list(&[p("id", true)]), "getA")));
    assert_eq!(found, [("path-params".to_owned(), "#/paths/~1a~1{id}~1b~1{id}".to_owned())]);
    // Two templates that differ only in their names.
    let two =
        path("/a/{id}", "", &list(&[p("id", true)]), "getA") + &path("/a/{key}", "", &list(&[p("key", true)]), "getB");
    assert_eq!(rules_of(&with_paths(&two)), [("path-params".to_owned(), "#/paths/~1a~1{key}".to_owned())]);
    // Declared on the path item and overridden by the operation: fine.
    let item = format!("    parameters:\n{}", p("id", true).replacen("      ", "    ", 1));
    let fine = path("/a/{id}", &item, &list(&[p("id", true)]), "getA");
    assert_eq!(rules_of(&with_paths(&fine)), []);
}

#[test]
fn a_document_without_servers_is_reported_at_its_root() {
    let text = "openapi: 3.0.3\ninfo: {title: t, version: '1', description: d}\npaths: {}\n";
    assert_eq!(rules_of(text), [("api-servers".to_owned(), "#".to_owned())]);
}

#[test]
fn ref_siblings_are_allowed_from_openapi_3_1() {
    let doc = |version: &str| {
        format!(
            "openapi: {version}\ninfo: {{title: t, version: '1', description: d}}\nservers: [{{url: 'https://example.com'}}]\npaths: {{}}\ncomponents:\n  schemas:\n    A: {{type: string}}\n    B: {{type: object, properties: {{a: {{$ref: '#/components/schemas/A', description: an A}}}}}}\n"
        )
    };
    let mut config = strict();
    config.set("unused-component", Level::Off).unwrap();
    let mut read = |_: &str| Err("no other files".to_owned());
    let mut rules = |text: &str| -> Vec<&str> {
        lint::lint_text("t.yaml", "t.yaml", text, &mut read, &config).into_iter().map(|f| f.rule).collect()
    };
    assert_eq!(rules(&doc("3.0.3")), ["no-ref-siblings"]);
    assert_eq!(rules(&doc("3.1.0")), Vec::<&str>::new());
}
