//! Golden cases: scripted edits of a copy of the curated `spec/vbr/openapi.yaml`, each with its
//! expected classification (wire, Rust, bump) and a snapshot of the Markdown report.

use serde_json::{json, Value};

use super::*;

const CREDS: &str = "/paths/~1api~1v1~1credentials/get";

/// The curated VBR spec joined into one tree (it is split by section), so that edits address
/// its elements by their plain pointers.
fn vbr() -> Document {
    base().0.clone()
}

/// The curated VBR spec and its public surface, read once for every test that edits it.
fn base() -> &'static (Document, generator::Surface) {
    static BASE: std::sync::OnceLock<(Document, generator::Surface)> = std::sync::OnceLock::new();
    BASE.get_or_init(|| {
        let joined = crate::sections::join(&crate::workspace_root().join(VBR)).expect("the curated spec joins");
        let text = serde_json::to_string(&joined.doc).unwrap();
        let doc = Document::parse(VBR, &text).expect("the curated spec loads");
        let surface = generator::api_surface(&doc, &curated_options()).expect("the curated spec generates");
        (doc, surface)
    })
}

const VBR: &str = "spec/vbr/openapi.yaml";

/// The report of `edit` applied to a copy of `spec/vbr/openapi.yaml`.
fn edited(edit: impl FnOnce(&mut Value)) -> Report {
    let (old, old_surface) = base();
    let mut new = old.clone();
    edit(&mut new.raw);
    let opts = curated_options();
    let section = compare_from(VBR, old, old_surface, &new, &opts, "vbr").expect("both versions generate");
    Report { label: "golden".into(), krate: Some(("veeam-client".into(), "0.1.0".into())), sections: vec![section] }
}

fn at<'a>(v: &'a mut Value, pointer: &str) -> &'a mut Value {
    v.pointer_mut(pointer).unwrap_or_else(|| panic!("no {pointer} in spec/vbr/openapi.yaml"))
}

/// The parameter `name` written in the operation at `op`.
fn param<'a>(v: &'a mut Value, op: &str, name: &str) -> &'a mut Value {
    let list = at(v, &format!("{op}/parameters")).as_array_mut().expect("a parameter list");
    list.iter_mut().find(|p| p["name"] == name).unwrap_or_else(|| panic!("no parameter {name}"))
}

/// Each entry as (what, wire, rust), for exact assertions.
fn classes(r: &Report) -> Vec<(String, Wire, RustImpact)> {
    r.sections.iter().flat_map(|s| &s.entries).map(|e| (format!("{} {}", e.site, e.what), e.wire, e.rust)).collect()
}

fn entry(what: &str, wire: Wire, rust: RustImpact) -> (String, Wire, RustImpact) {
    (what.to_owned(), wire, rust)
}

fn items(r: &Report) -> Vec<String> {
    r.sections.iter().flat_map(|s| &s.entries).flat_map(|e| e.items.clone()).collect()
}

/// The curated specs' generation options, as `spec/codegen.toml` sets them.
fn curated_options() -> generator::Options {
    let root = crate::workspace_root();
    let config = openapi_client_gen::config::Config::read(&root.join("spec/codegen.toml")).unwrap();
    config.modules[0].options(&config.command, VBR)
}

#[test]
fn an_operation_renamed_is_a_rust_break_but_nothing_on_the_wire() {
    let r = edited(|v| at(v, CREDS)["operationId"] = json!("ListCreds"));
    assert_eq!(
        classes(&r),
        [entry("`GET /api/v1/credentials` operationId `GetAllCreds` → `ListCreds`", Wire::None, RustImpact::Breaking)]
    );
    assert!(items(&r).contains(&"`vbr::Client::get_all_creds` renamed to `vbr::Client::list_creds`".to_owned()));
    assert_eq!(r.bump(), Bump::Major);
    insta::assert_snapshot!("operation_renamed", r.render(Format::Markdown));
}

#[test]
fn an_operation_moved_under_the_same_id_breaks_the_wire_only() {
    let r = edited(|v| {
        let paths = at(v, "/paths").as_object_mut().expect("paths");
        let item = paths.remove("/api/v1/credentials").expect("the path");
        paths.insert("/api/v2/credentials".into(), item);
    });
    assert_eq!(
        classes(&r),
        [
            entry(
                "`GET /api/v2/credentials` moved from `GET /api/v1/credentials` (same operationId)",
                Wire::Breaking,
                RustImpact::None,
            ),
            entry(
                "`POST /api/v2/credentials` moved from `POST /api/v1/credentials` (same operationId)",
                Wire::Breaking,
                RustImpact::None,
            )
        ]
    );
    insta::assert_snapshot!("operation_moved", r.render(Format::Markdown));
}

#[test]
fn a_parameter_made_required_breaks_both() {
    let r = edited(|v| param(v, CREDS, "nameFilter")["required"] = json!(true));
    assert_eq!(
        classes(&r),
        [entry("`GET /api/v1/credentials` query `nameFilter` made required", Wire::Breaking, RustImpact::Breaking)]
    );
    let items = items(&r);
    assert!(items
        .contains(&"`vbr::Client::get_all_creds(name_filter)` added (argument; every call must pass it)".to_owned()));
    assert!(items.contains(&"`vbr::types::GetAllCredsParams::name_filter` removed (field)".to_owned()));
    insta::assert_snapshot!("parameter_made_required", r.render(Format::Markdown));
}

#[test]
fn an_optional_query_parameter_added_is_compatible_on_the_wire_and_a_new_params_field() {
    let r = edited(|v| {
        let list = at(v, &format!("{CREDS}/parameters")).as_array_mut().expect("a list");
        list.push(json!({"name": "tagFilter", "in": "query", "required": false, "schema": {"type": "string"}}));
    });
    assert_eq!(
        classes(&r),
        [entry(
            "`GET /api/v1/credentials` query `tagFilter` optional parameter added",
            Wire::Compatible,
            RustImpact::Additive
        )]
    );
    // `GetAllCredsParams` is `#[non_exhaustive]`: a new optional field (and its setter) breaks
    // no caller.
    assert_eq!(
        items(&r),
        [
            "`vbr::types::GetAllCredsParams::tag_filter` added (field; optional: `vbr::types::GetAllCredsParams` is `#[non_exhaustive]` and `new` does not take it)"
        ]
    );
    insta::assert_snapshot!("optional_query_parameter_added", r.render(Format::Markdown));
}

#[test]
fn an_enum_value_removed_from_a_request_breaks_both() {
    let r = edited(|v| {
        let values = at(v, "/components/schemas/ECredentialsFiltersOrderColumn/enum").as_array_mut().expect("an enum");
        values.retain(|x| x != "CreationTime");
    });
    assert_eq!(
        classes(&r),
        [entry(
            "`ECredentialsFiltersOrderColumn` enum value `CreationTime` removed",
            Wire::Breaking,
            RustImpact::Breaking
        )]
    );
    assert_eq!(items(&r), ["`vbr::types::ECredentialsFiltersOrderColumn::CreationTime` removed (variant)"]);
    insta::assert_snapshot!("enum_value_removed", r.render(Format::Markdown));
}

#[test]
fn an_enum_value_added_to_a_response_is_compatible_on_the_wire_but_a_new_variant() {
    let r = edited(|v| {
        at(v, "/components/schemas/ESessionState/enum").as_array_mut().expect("an enum").push(json!("Suspended"));
    });
    assert_eq!(
        classes(&r),
        [entry("`ESessionState` enum value `Suspended` added", Wire::Compatible, RustImpact::Breaking)]
    );
    insta::assert_snapshot!("enum_value_added", r.render(Format::Markdown));
}

#[test]
fn a_property_type_changed_breaks_both() {
    let r = edited(|v| at(v, "/components/schemas/PaginationResult/properties/total")["format"] = json!("int64"));
    assert_eq!(
        classes(&r),
        [entry(
            "`PaginationResult.total` type `integer/int32` → `integer/int64`",
            Wire::Breaking,
            RustImpact::Breaking
        )]
    );
    assert_eq!(items(&r), ["`vbr::types::PaginationResult::total`: `i32` → `i64`"]);
    insta::assert_snapshot!("property_type_changed", r.render(Format::Markdown));
}

#[test]
fn an_error_response_added_is_compatible_and_changes_no_rust_item() {
    let r = edited(|v| {
        at(v, &format!("{CREDS}/responses"))["404"] = json!({"$ref": "#/components/responses/NotFound"});
    });
    assert_eq!(
        classes(&r),
        [entry("`GET /api/v1/credentials` response `404` response added", Wire::Compatible, RustImpact::None)]
    );
    assert_eq!(r.bump(), Bump::Minor);
    insta::assert_snapshot!("error_response_added", r.render(Format::Markdown));
}

#[test]
fn a_success_response_added_changes_the_return_type() {
    let r = edited(|v| {
        at(v, &format!("{CREDS}/responses"))["202"] = json!({"description": "Accepted"});
    });
    assert_eq!(
        classes(&r),
        [entry("`GET /api/v1/credentials` response `202` response added", Wire::Compatible, RustImpact::Breaking)]
    );
    insta::assert_snapshot!("success_response_added", r.render(Format::Markdown));
}

#[test]
fn a_discriminator_variant_added() {
    let r = edited(|v| {
        let model = at(v, "/components/schemas/CredentialsModel");
        model["discriminator"]["mapping"]["Windows"] = json!("#/components/schemas/WindowsCredentialsModel");
        model["oneOf"]
            .as_array_mut()
            .expect("oneOf")
            .push(json!({"$ref": "#/components/schemas/WindowsCredentialsModel"}));
        at(v, "/components/schemas/ECredentialsType/enum").as_array_mut().expect("an enum").push(json!("Windows"));
        at(v, "/components/schemas")["WindowsCredentialsModel"] = json!({
            "description": "Windows credentials.",
            "allOf": [{"$ref": "#/components/schemas/CredentialsModel"}, {"type": "object", "properties": {
                "domain": {"description": "Domain.", "type": "string"}}}]
        });
    });
    assert_eq!(
        classes(&r),
        [
            entry(
                "`CredentialsModel` `oneOf` member `WindowsCredentialsModel` added",
                Wire::Compatible,
                RustImpact::Breaking
            ),
            entry(
                "`CredentialsModel` discriminator value `Windows` → `WindowsCredentialsModel` added",
                Wire::Compatible,
                RustImpact::None
            ),
            entry("`ECredentialsType` enum value `Windows` added", Wire::Compatible, RustImpact::Breaking),
            entry("`WindowsCredentialsModel` schema added", Wire::Compatible, RustImpact::Additive),
        ]
    );
    insta::assert_snapshot!("discriminator_variant_added", r.render(Format::Markdown));
}

#[test]
fn an_optional_property_added_to_a_request_body_is_additive() {
    let r = edited(|v| {
        at(v, "/components/schemas/CredentialsSpec/properties")["tag"] =
            json!({"description": "A tag.", "type": "string"});
    });
    assert_eq!(
        classes(&r),
        [entry("`CredentialsSpec.tag` optional property added", Wire::Compatible, RustImpact::Additive)]
    );
    // The struct is `#[non_exhaustive]`: callers build it with `new` and setters, never with a
    // struct literal that would have to name the new field.
    insta::assert_snapshot!("request_property_added", r.render(Format::Markdown));
}

#[test]
fn a_description_change_is_a_patch_with_nothing_on_the_wire() {
    let r = edited(|v| at(v, CREDS)["description"] = json!("Lists the credentials records."));
    assert_eq!(classes(&r), [entry("`GET /api/v1/credentials` description changed", Wire::None, RustImpact::Docs)]);
    assert_eq!(r.bump(), Bump::Patch);
    assert!(!r.breaking());
    insta::assert_snapshot!("description_changed", r.render(Format::Markdown));
}

#[test]
fn an_unchanged_spec_has_no_changes_and_needs_no_release() {
    let r = edited(|_| {});
    assert!(classes(&r).is_empty());
    assert_eq!(r.bump(), Bump::None);
    assert!(!r.breaking());
    insta::assert_snapshot!("unchanged", r.render(Format::Markdown));
    assert_eq!(
        r.render(Format::Text),
        "No changes in spec/vbr/openapi.yaml (golden): veeam-client needs no release.\n"
    );
}

#[test]
fn the_bump_maps_0_x_versions_the_cargo_way() {
    assert_eq!(Bump::Major.apply("0.1.0"), "0.2.0");
    assert_eq!(Bump::Minor.apply("0.1.0"), "0.1.1");
    assert_eq!(Bump::Patch.apply("0.1.3"), "0.1.4");
    assert_eq!(Bump::None.apply("0.1.3"), "0.1.3");
    assert_eq!(Bump::Major.apply("1.4.2"), "2.0.0");
    assert_eq!(Bump::Minor.apply("1.4.2"), "1.5.0");
}

#[test]
fn arguments_parse_and_bad_ones_are_refused() {
    let args = |a: &[&str]| cli::Args::parse(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    let parsed = args(&["--base", "main", "--fail-on", "breaking", "--format", "text"]).unwrap();
    assert_eq!((parsed.base.as_str(), parsed.fail_on_breaking(), parsed.format), ("main", true, Format::Text));
    let files = args(&["--old", "a.yaml", "--new", "b.yaml"]).unwrap();
    assert_eq!((files.old, files.new), (Some("a.yaml".into()), Some("b.yaml".into())));
    for bad in [
        &["--old", "a.yaml"][..],
        &["--format", "html"],
        &["--fail-on", "anything"],
        &["--base"],
        &["-x"],
        &["--config", "c.toml", "--old", "a.yaml", "--new", "b.yaml"],
    ] {
        assert!(args(bad).is_err(), "{bad:?}");
    }
}

/// A throwaway git repository holding a copy of the curated specs.
struct Repo(std::path::PathBuf);

impl Repo {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("spec-diff-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let root = crate::workspace_root();
        let mut files: Vec<String> =
            ["spec/em.yaml", "spec/codegen.toml", "generated-client/Cargo.toml"].map(String::from).to_vec();
        for entry in std::fs::read_dir(root.join("spec/vbr")).unwrap() {
            files.push(format!("spec/vbr/{}", entry.unwrap().file_name().to_string_lossy()));
        }
        for file in &files {
            let to = dir.join(file);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(root.join(file), to).unwrap();
        }
        let repo = Repo(dir);
        repo.git(&["init", "--quiet"]);
        repo.git(&["add", "."]);
        repo.git(&["-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "specs"]);
        repo
    }

    fn git(&self, args: &[&str]) {
        let status = std::process::Command::new("git").current_dir(&self.0).args(args).status().expect("git runs");
        assert!(status.success(), "git {args:?}");
    }
}

impl Drop for Repo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn git_mode_compares_head_with_the_working_tree() {
    let repo = Repo::new("git-mode");
    let config = repo.0.join("spec/codegen.toml").display().to_string();
    let args = cli::Args::parse(&["--config".into(), config.clone()]).unwrap();
    let clean = cli::run(&args).unwrap();
    assert!(!clean.breaking());
    assert_eq!(
        clean.render(Format::Text),
        "No changes in spec/vbr/openapi.yaml, spec/em.yaml (HEAD → working tree): veeam-client needs no release.\n"
    );
    let spec = repo.0.join("spec/vbr/credentials.yaml");
    let text = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(&spec, text.replacen("operationId: GetAllCreds\n", "operationId: ListCreds\n", 1)).unwrap();
    let dirty = cli::run(&args).unwrap();
    assert!(dirty.breaking());
    assert_eq!(dirty.bump(), Bump::Major);
    assert!(dirty.render(Format::Text).contains("vbr::Client::get_all_creds renamed to vbr::Client::list_creds"));
    // An unknown revision is an error that names it.
    let bad = cli::Args::parse(&["--config".into(), config, "--base".into(), "no-such-rev".into()]).unwrap();
    let message = format!("{:#}", cli::run(&bad).unwrap_err());
    assert!(message.contains("no-such-rev"), "{message}");
}

#[test]
fn bad_documents_are_errors_that_name_the_file_and_place() {
    let dir = std::env::temp_dir().join(format!("spec-diff-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = crate::workspace_root().join(VBR).display().to_string();
    let broken = dir.join("broken.yaml");
    std::fs::write(
        &broken,
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses: 7\n",
    )
    .unwrap();
    let missing = dir.join("missing.yaml").display().to_string();
    let run = |old: &str, new: &str| {
        let args = cli::Args::parse(&["--old".into(), old.into(), "--new".into(), new.into()]).unwrap();
        format!("{:#}", cli::run(&args).unwrap_err())
    };
    let message = run(&missing, &good);
    assert!(message.contains("missing.yaml"), "{message}");
    let message = run(&good, &broken.display().to_string());
    assert!(message.contains("broken.yaml#/paths/~1a/get/responses"), "{message}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_required_property_breaks_a_request_but_not_a_response() {
    let spec = r#"
openapi: 3.0.3
info: { title: t, version: "1" }
paths:
  /jobs:
    post:
      operationId: CreateJob
      requestBody:
        required: true
        content:
          application/json:
            schema: { type: object, properties: { name: { type: string } } }
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: { $ref: '#/components/schemas/Job' }
components:
  schemas:
    Job: { type: object, required: [id], properties: { id: { type: string } } }
"#;
    let old = Document::parse("jobs.yaml", spec).unwrap();
    let mut new = old.clone();
    let body = "/paths/~1jobs/post/requestBody/content/application~1json/schema";
    at(&mut new.raw, &format!("{body}/properties"))["owner"] = json!({"type": "string"});
    at(&mut new.raw, body)["required"] = json!(["owner"]);
    at(&mut new.raw, "/components/schemas/Job/properties")["state"] = json!({"type": "string"});
    at(&mut new.raw, "/components/schemas/Job")["required"] = json!(["id", "state"]);
    let section = compare("jobs.yaml", &old, &new, &Options::default(), "jobs").unwrap();
    let r = Report { label: "t".into(), krate: Some(("jobs".into(), "1.2.3".into())), sections: vec![section] };
    assert_eq!(
        classes(&r),
        [
            entry("`POST /jobs` request body `owner` required property added", Wire::Breaking, RustImpact::Breaking),
            entry("`Job.state` required property added", Wire::Compatible, RustImpact::Breaking),
        ]
    );
    assert_eq!(r.bump().apply("1.2.3"), "2.0.0");
    // The inline body's struct lost `Default` too: a required field has none.
    assert!(items(&r).iter().any(|i| i.contains("no longer implements `Default`")), "{:?}", items(&r));
}

#[test]
fn an_extension_removed_explains_the_method_it_made() {
    let r = edited(|v| {
        at(v, CREDS).as_object_mut().expect("an operation").remove("x-pagination");
    });
    assert_eq!(
        classes(&r),
        [entry("`GET /api/v1/credentials` extension `x-pagination` removed", Wire::None, RustImpact::Breaking)]
    );
    assert_eq!(items(&r), ["`vbr::Client::get_all_creds_stream` removed (method)"]);
}

#[test]
fn an_extension_change_does_not_claim_the_items_of_a_parameter_change_beside_it() {
    let op = "/paths/~1api~1v1~1credentials~1{id}/get";
    let r = edited(|v| {
        let get = at(v, op);
        get["x-doc-page"] = json!("https://example.com/creds");
        get["parameters"].as_array_mut().expect("parameters").push(json!({
            "name": "verbose", "in": "query", "required": false, "schema": {"type": "boolean"}
        }));
    });
    assert_eq!(
        classes(&r),
        [
            entry("`GET /api/v1/credentials/{id}` extension `x-doc-page` changed", Wire::None, RustImpact::None),
            entry(
                "`GET /api/v1/credentials/{id}` query `verbose` optional parameter added",
                Wire::Compatible,
                RustImpact::Breaking
            ),
        ]
    );
    assert_eq!(
        items(&r),
        [
            "`vbr::Client::get_creds(params)` added (argument; every call must pass it)",
            "`vbr::types::GetCredsParams` added (struct)"
        ]
    );
}

#[test]
fn changes_that_touch_nothing_need_no_release() {
    let r = edited(|v| at(v, CREDS)["x-internal-note"] = json!("reviewed"));
    assert_eq!(
        classes(&r),
        [entry("`GET /api/v1/credentials` extension `x-internal-note` added", Wire::None, RustImpact::None)]
    );
    assert_eq!(r.bump(), Bump::None);
    assert_eq!(
        r.render(Format::Text).lines().next(),
        Some("1 change in spec/vbr/openapi.yaml (golden), none on the wire or in the generated API: veeam-client needs no release.")
    );
}

/// The `wait` a marker generates sits on the status type; dropping the last marker removes it,
/// and the report ties that to the marker (and says nothing changes on the wire).
#[test]
fn dropping_the_long_running_markers_removes_the_wait() {
    // Every marker (the spec has 106): the wait goes with the last one.
    let r = edited(|v| {
        for item in v["paths"].as_object_mut().unwrap().values_mut() {
            for op in item.as_object_mut().unwrap().values_mut() {
                if let Some(op) = op.as_object_mut() {
                    op.remove("x-long-running");
                }
            }
        }
    });
    let entries: Vec<_> = r.sections.iter().flat_map(|s| &s.entries).collect();
    assert_eq!(entries.len(), 106, "one entry per marker");
    assert!(entries.iter().all(|e| e.what == "extension `x-long-running` removed" && e.wire == Wire::None));
    let breaking: Vec<_> = entries.iter().filter(|e| e.rust == RustImpact::Breaking).collect();
    let [wait] = breaking.as_slice() else { panic!("one marker carries the removed wait: {breaking:?}") };
    assert_eq!(wait.items, ["`vbr::types::SessionModel::wait` removed (method)"]);
    assert_eq!(r.bump(), Bump::Major);
}

/// Marking a string secret changes nothing on the wire but the Rust type (`String` →
/// `Secret`), so it is a Rust break only.
#[test]
fn a_string_marked_secret_is_a_rust_break_only() {
    let key = "/components/schemas/AzureComputeCloudCredentialsSubscriptionSpec/properties/tenantId";
    let r = edited(|v| at(v, key)["format"] = json!("password"));
    let [(what, wire, rust)] = <[_; 1]>::try_from(classes(&r)).expect("one change");
    assert!(what.ends_with("type `string` → `string/password`"), "{what}");
    assert_eq!((wire, rust), (Wire::None, RustImpact::Breaking));
    assert!(items(&r).iter().any(|i| i.contains("tenant_id`: `String` → `runtime::Secret`")), "{:?}", items(&r));
}

/// Removing a response header the spec never promised (not `required`) breaks no caller; a
/// required one does.
#[test]
fn removing_an_optional_response_header_is_compatible() {
    let get = "/paths/~1api~1v1~1credentials/get/responses/200";
    let base = {
        let mut doc = vbr();
        at(&mut doc.raw, get)["headers"] = json!({"X-Optional": {"schema": {"type": "string"}}, "X-Required": {"required": true, "schema": {"type": "string"}}});
        doc
    };
    let mut removed = base.clone();
    at(&mut removed.raw, get).as_object_mut().expect("a response").remove("headers");
    let opts = curated_options();
    let section = compare(VBR, &base, &removed, &opts, "vbr").expect("both versions generate");
    let wires: Vec<(String, Wire)> =
        section.entries.iter().filter(|e| e.what.starts_with("header")).map(|e| (e.what.clone(), e.wire)).collect();
    assert_eq!(
        wires,
        [
            ("header `X-Optional` removed".to_owned(), Wire::Compatible),
            ("header `X-Required` removed".to_owned(), Wire::Breaking)
        ]
    );
}

/// A schema a response reaches only through a discriminator mapping still travels in
/// responses: a required property added to it is compatible on the wire, not "none".
#[test]
fn a_schema_reached_only_through_a_mapping_has_a_direction() {
    let spec = r#"
openapi: 3.0.3
info: { title: t, version: "1" }
paths:
  /pets:
    get:
      operationId: GetPet
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [kind]
                properties: { kind: { type: string } }
                discriminator: { propertyName: kind, mapping: { cat: '#/components/schemas/Cat' } }
components:
  schemas:
    Cat: { type: object, properties: { kind: { type: string }, lives: { type: integer } } }
"#;
    let old = Document::parse("pets.yaml", spec).unwrap();
    let mut new = old.clone();
    at(&mut new.raw, "/components/schemas/Cat")["required"] = json!(["lives"]);
    let section = compare("pets.yaml", &old, &new, &Options::default(), "pets").unwrap();
    let wires: Vec<(String, Wire)> = section.entries.iter().map(|e| (e.what.clone(), e.wire)).collect();
    assert_eq!(wires, [("made required".to_owned(), Wire::Compatible)], "{wires:?}");
}

/// A request-only schema (`JobSpec`, `EModeIn`), a response-only one (`Job`, `EModeOut`) and
/// one that travels both ways (`Shared`), each with the same constrained properties.
const DIRECTIONS: &str = r#"
openapi: 3.0.3
info: { title: t, version: "1" }
paths:
  /jobs:
    post:
      operationId: CreateJob
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: '#/components/schemas/JobSpec' }
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: { $ref: '#/components/schemas/Job' }
    put:
      operationId: ReplaceJob
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: '#/components/schemas/Shared' }
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: { $ref: '#/components/schemas/Shared' }
components:
  schemas:
    JobSpec:
      type: object
      properties:
        name: { type: string, minLength: 2, maxLength: 10, pattern: '^[a-z]+$' }
        retries: { type: integer, minimum: 1, maximum: 5, default: 3 }
        tags: { type: array, minItems: 1, maxItems: 4, items: { type: string } }
        mode: { $ref: '#/components/schemas/EModeIn' }
    Job:
      type: object
      properties:
        name: { type: string, minLength: 2, maxLength: 10, pattern: '^[a-z]+$' }
        retries: { type: integer, minimum: 1, maximum: 5, default: 3 }
        tags: { type: array, minItems: 1, maxItems: 4, items: { type: string } }
        mode: { $ref: '#/components/schemas/EModeOut' }
    Shared:
      type: object
      properties:
        name: { type: string, maxLength: 10 }
    EModeIn: { type: string, enum: [Fast, Slow] }
    EModeOut: { type: string, enum: [Fast, Slow] }
"#;

/// The wire verdict of setting (or, with `None`, removing) `key` of the property `prop` of
/// the schema `schema` in [`DIRECTIONS`]; the edit must make exactly one change.
fn constraint(schema: &str, prop: &str, key: &str, value: Option<Value>) -> Wire {
    let old = Document::parse("directions.yaml", DIRECTIONS).unwrap();
    let mut new = old.clone();
    let target = at(&mut new.raw, &format!("/components/schemas/{schema}/properties/{prop}"));
    let map = target.as_object_mut().expect("a schema");
    match value {
        Some(v) => map.insert(key.to_owned(), v),
        None => map.remove(key),
    };
    only_wire(&old, &new)
}

fn only_wire(old: &Document, new: &Document) -> Wire {
    let section = compare("directions.yaml", old, new, &Options::default(), "directions").unwrap();
    let wires: Vec<(String, Wire)> = section.entries.iter().map(|e| (e.what.clone(), e.wire)).collect();
    let [(_, wire)] = <[_; 1]>::try_from(wires.clone()).unwrap_or_else(|_| panic!("one change expected: {wires:?}"));
    wire
}

/// The wire verdict of editing the `enum` of `schema` in [`DIRECTIONS`].
fn enum_edit(schema: &str, edit: impl FnOnce(&mut Vec<Value>)) -> Wire {
    let old = Document::parse("directions.yaml", DIRECTIONS).unwrap();
    let mut new = old.clone();
    edit(at(&mut new.raw, &format!("/components/schemas/{schema}/enum")).as_array_mut().expect("an enum"));
    only_wire(&old, &new)
}

#[test]
fn a_longer_max_length_is_compatible_in_a_request_and_breaking_in_a_response() {
    assert_eq!(constraint("JobSpec", "name", "maxLength", Some(json!(50))), Wire::Compatible);
    assert_eq!(constraint("Job", "name", "maxLength", Some(json!(50))), Wire::Breaking);
}

#[test]
fn a_shorter_max_length_is_breaking_in_a_request_and_compatible_in_a_response() {
    assert_eq!(constraint("JobSpec", "name", "maxLength", Some(json!(5))), Wire::Breaking);
    assert_eq!(constraint("Job", "name", "maxLength", Some(json!(5))), Wire::Compatible);
}

#[test]
fn a_max_length_removed_loosens() {
    assert_eq!(constraint("JobSpec", "name", "maxLength", None), Wire::Compatible);
    assert_eq!(constraint("Job", "name", "maxLength", None), Wire::Breaking);
}

#[test]
fn a_schema_sent_both_ways_takes_the_stricter_verdict() {
    assert_eq!(constraint("Shared", "name", "maxLength", Some(json!(50))), Wire::Breaking);
    assert_eq!(constraint("Shared", "name", "maxLength", Some(json!(5))), Wire::Breaking);
}

#[test]
fn a_raised_maximum_is_compatible_in_a_request_and_breaking_in_a_response() {
    assert_eq!(constraint("JobSpec", "retries", "maximum", Some(json!(50))), Wire::Compatible);
    assert_eq!(constraint("Job", "retries", "maximum", Some(json!(50))), Wire::Breaking);
    assert_eq!(constraint("JobSpec", "retries", "maximum", Some(json!(3))), Wire::Breaking);
    assert_eq!(constraint("Job", "retries", "maximum", Some(json!(3))), Wire::Compatible);
}

#[test]
fn a_lowered_minimum_is_compatible_in_a_request_and_breaking_in_a_response() {
    assert_eq!(constraint("JobSpec", "retries", "minimum", Some(json!(0))), Wire::Compatible);
    assert_eq!(constraint("Job", "retries", "minimum", Some(json!(0))), Wire::Breaking);
    assert_eq!(constraint("JobSpec", "retries", "minimum", Some(json!(2))), Wire::Breaking);
    assert_eq!(constraint("Job", "retries", "minimum", Some(json!(2))), Wire::Compatible);
}

#[test]
fn a_lowered_min_length_is_compatible_in_a_request_and_breaking_in_a_response() {
    assert_eq!(constraint("JobSpec", "name", "minLength", Some(json!(1))), Wire::Compatible);
    assert_eq!(constraint("Job", "name", "minLength", Some(json!(1))), Wire::Breaking);
    assert_eq!(constraint("JobSpec", "name", "minLength", Some(json!(3))), Wire::Breaking);
    assert_eq!(constraint("Job", "name", "minLength", Some(json!(3))), Wire::Compatible);
}

#[test]
fn a_pattern_removed_loosens_added_tightens_and_changed_goes_both_ways() {
    assert_eq!(constraint("JobSpec", "name", "pattern", None), Wire::Compatible);
    assert_eq!(constraint("Job", "name", "pattern", None), Wire::Breaking);
    assert_eq!(constraint("JobSpec", "retries", "pattern", Some(json!("^[0-9]$"))), Wire::Breaking);
    assert_eq!(constraint("Job", "retries", "pattern", Some(json!("^[0-9]$"))), Wire::Compatible);
    // A different pattern may accept some old values and refuse others.
    assert_eq!(constraint("JobSpec", "name", "pattern", Some(json!("^[A-Z]+$"))), Wire::Breaking);
    assert_eq!(constraint("Job", "name", "pattern", Some(json!("^[A-Z]+$"))), Wire::Breaking);
}

#[test]
fn item_counts_follow_the_direction_too() {
    assert_eq!(constraint("JobSpec", "tags", "maxItems", Some(json!(10))), Wire::Compatible);
    assert_eq!(constraint("Job", "tags", "maxItems", Some(json!(10))), Wire::Breaking);
    assert_eq!(constraint("JobSpec", "tags", "minItems", Some(json!(2))), Wire::Breaking);
    assert_eq!(constraint("Job", "tags", "minItems", Some(json!(2))), Wire::Compatible);
    assert_eq!(constraint("JobSpec", "tags", "minItems", None), Wire::Compatible);
    assert_eq!(constraint("Job", "tags", "minItems", None), Wire::Breaking);
}

#[test]
fn an_enum_value_added_is_compatible_both_ways_since_enums_keep_unknown_values() {
    assert_eq!(enum_edit("EModeIn", |v| v.push(json!("Paused"))), Wire::Compatible);
    assert_eq!(enum_edit("EModeOut", |v| v.push(json!("Paused"))), Wire::Compatible);
}

#[test]
fn an_enum_value_removed_breaks_requests_only() {
    assert_eq!(enum_edit("EModeIn", |v| v.retain(|x| x != "Slow")), Wire::Breaking);
    assert_eq!(enum_edit("EModeOut", |v| v.retain(|x| x != "Slow")), Wire::Compatible);
}

/// A changed `default` is what the server assumes when the value is absent: nothing that was
/// valid becomes invalid, but callers that leave it out now get other behaviour, a minor
/// release either way.
#[test]
fn a_changed_default_is_a_compatible_behaviour_change() {
    let old = Document::parse("directions.yaml", DIRECTIONS).unwrap();
    for schema in ["JobSpec", "Job"] {
        let mut new = old.clone();
        at(&mut new.raw, &format!("/components/schemas/{schema}/properties/retries"))["default"] = json!(1);
        let section = compare("directions.yaml", &old, &new, &Options::default(), "directions").unwrap();
        let [entry] = <[_; 1]>::try_from(section.entries).expect("one change");
        assert_eq!(entry.wire, Wire::Compatible, "{schema}: {}", entry.what);
        assert_eq!(entry.bump(), Bump::Minor, "{schema}");
        assert!(entry.what.contains("behaviour"), "{}", entry.what);
    }
}

/// A document that declares Veeam's four revisions: an operation since 1.3-rev1 answering a
/// job (in every revision) whose day enum gained `Tuesday` in 1.3-rev1 and spells `Monday`
/// in lower case until 1.3-rev0.
const REVISED: &str = r#"
openapi: 3.0.3
info: { title: t, version: "1" }
x-api-revisions:
  header: x-api-version
  default: 1.3-rev2
  revisions: [1.2-rev1, 1.3-rev0, 1.3-rev1, 1.3-rev2]
paths:
  /jobs:
    get:
      operationId: GetJobs
      x-revisions: 1.3-rev1..
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: { $ref: '#/components/schemas/Job' }
components:
  schemas:
    Job:
      type: object
      properties:
        day: { $ref: '#/components/schemas/EDay' }
        note: { type: string }
      x-revisions: 1.2-rev1..
      x-property-revisions: { note: 1.3-rev0.. }
    EDay:
      type: string
      enum: [Monday, Tuesday]
      x-revisions: 1.2-rev1..
      x-enum-revisions: { Tuesday: 1.3-rev1.. }
      x-enum-spellings: { Monday: { monday: 1.2-rev1..1.3-rev0 } }
"#;

/// The entries of an edit of [`REVISED`] as (what, wire, revisions).
fn revised(edit: impl FnOnce(&mut Value)) -> Vec<(String, Wire, Option<String>)> {
    let old = Document::parse("revised.yaml", REVISED).unwrap();
    let mut new = old.clone();
    edit(&mut new.raw);
    let section = compare("revised.yaml", &old, &new, &Options::default(), "revised").unwrap();
    section.entries.iter().map(|e| (format!("{} {}", e.site, e.what), e.wire, e.revisions.clone())).collect()
}

fn revs(what: &str, wire: Wire, revisions: &str) -> (String, Wire, Option<String>) {
    (what.to_owned(), wire, Some(revisions.to_owned()))
}

#[test]
fn widening_an_operations_range_to_earlier_revisions_breaks_no_one() {
    let entries = revised(|v| at(v, "/paths/~1jobs/get")["x-revisions"] = json!("1.2-rev1.."));
    assert_eq!(
        entries,
        [revs(
            "`GET /jobs` revisions 1.3-rev1.. → all (now also in 1.2-rev1..1.3-rev0; `x-revisions`)",
            Wire::Compatible,
            "1.2-rev1..1.3-rev0"
        )]
    );
}

#[test]
fn narrowing_a_range_breaks_the_users_pinned_to_the_revisions_removed() {
    let entries = revised(|v| at(v, "/paths/~1jobs/get")["x-revisions"] = json!("1.3-rev2.."));
    assert_eq!(
        entries,
        [revs(
            "`GET /jobs` revisions 1.3-rev1.. → 1.3-rev2 (no longer in 1.3-rev1; `x-revisions`)",
            Wire::Breaking,
            "1.3-rev1"
        )]
    );
    let entries = revised(|v| at(v, "/components/schemas/Job/x-property-revisions")["note"] = json!("1.3-rev1.."));
    assert_eq!(entries, [revs("`Job.note` `note`: no longer in 1.3-rev0", Wire::Breaking, "1.3-rev0")]);
}

#[test]
fn a_new_spelling_widens_an_enum_value_to_the_revisions_that_write_it() {
    let entries = revised(|v| {
        let day = at(v, "/components/schemas/EDay").as_object_mut().unwrap();
        day.shift_remove("x-enum-revisions");
        day.insert(
            "x-enum-spellings".into(),
            json!({"Monday": {"monday": "1.2-rev1..1.3-rev0"}, "Tuesday": {"tuesday": "1.2-rev1..1.3-rev0"}}),
        );
    });
    assert_eq!(
        entries,
        [revs(
            "`EDay` enum value `Tuesday`: now also in 1.2-rev1..1.3-rev0 as `tuesday`",
            Wire::Compatible,
            "1.2-rev1..1.3-rev0"
        )]
    );
}

#[test]
fn a_value_spelt_otherwise_in_a_revision_breaks_its_users() {
    let entries = revised(|v| {
        at(v, "/components/schemas/EDay/x-enum-spellings")["Monday"] = json!({"MONDAY": "1.2-rev1..1.2-rev1"})
    });
    assert_eq!(
        entries,
        [revs(
            "`EDay` enum value `Monday`: spelt `MONDAY` in 1.2-rev1 (was `monday`), spelt `Monday` in 1.3-rev0 (was `monday`)",
            Wire::Breaking,
            "1.2-rev1..1.3-rev0"
        )]
    );
}

#[test]
fn an_element_added_affects_only_its_revisions_and_an_unmarked_one_all() {
    let entries = revised(|v| {
        let op = json!({"operationId": "DeleteJobs", "x-revisions": "1.3-rev2..", "responses": {"204": {"description": "gone"}}});
        at(v, "/paths/~1jobs")["delete"] = op;
        at(v, "/components/schemas/Job/properties")["size"] = json!({"type": "integer"});
    });
    assert_eq!(
        entries,
        [
            revs("`DELETE /jobs` operation added", Wire::Compatible, "1.3-rev2"),
            revs("`Job.size` optional property added", Wire::Compatible, "all"),
        ]
    );
}

#[test]
fn a_request_body_only_some_revisions_take_changes_only_for_them() {
    let body =
        json!({"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}});
    let entries = revised(|v| {
        let mut marked = body.clone();
        marked["x-revisions"] = json!("1.3-rev1..1.3-rev1");
        at(v, "/paths/~1jobs/get")["requestBody"] = marked;
    });
    assert_eq!(entries, [revs("`GET /jobs` request body added", Wire::Breaking, "1.3-rev1")]);
    // Taken by one more revision: compatible, for that revision.
    let old = {
        let mut doc = Document::parse("revised.yaml", REVISED).unwrap();
        let mut marked = body.clone();
        marked["x-revisions"] = json!("1.3-rev2..");
        doc.raw["paths"]["/jobs"]["get"]["requestBody"] = marked;
        doc
    };
    let mut new = old.clone();
    at(&mut new.raw, "/paths/~1jobs/get/requestBody")["x-revisions"] = json!("1.3-rev1..");
    let section = compare("revised.yaml", &old, &new, &Options::default(), "revised").unwrap();
    let entries: Vec<_> =
        section.entries.iter().map(|e| (format!("{} {}", e.site, e.what), e.wire, e.revisions.clone())).collect();
    assert_eq!(
        entries,
        [revs(
            "`GET /jobs` request body revisions 1.3-rev2 → 1.3-rev1.. (now also in 1.3-rev1; `x-revisions`)",
            Wire::Compatible,
            "1.3-rev1"
        )]
    );
}

#[test]
fn a_response_marked_for_more_revisions_breaks_no_one_and_its_other_changes_say_their_revisions() {
    let entries = revised(|v| {
        let op = at(v, "/paths/~1jobs/get");
        op["x-response-revisions"] = json!({"200": "1.3-rev2.."});
        op["responses"]["200"]["description"] = json!("the jobs");
    });
    assert_eq!(
        entries,
        [
            revs("`GET /jobs` response `200` revisions 1.3-rev1.. → 1.3-rev2 (no longer in 1.3-rev1; `x-response-revisions`)", Wire::Breaking, "1.3-rev1"),
            revs("`GET /jobs` response `200` description changed", Wire::None, "1.3-rev1.."),
        ]
    );
}

#[test]
fn declaring_a_revision_is_compatible_and_the_report_has_a_revisions_column() {
    let old = Document::parse("revised.yaml", REVISED).unwrap();
    let mut new = old.clone();
    at(&mut new.raw, "/x-api-revisions/revisions").as_array_mut().unwrap().push(json!("1.3-rev3"));
    at(&mut new.raw, "/x-api-revisions")["default"] = json!("1.3-rev3");
    let section = compare("revised.yaml", &old, &new, &Options::default(), "revised").unwrap();
    let entries: Vec<(String, Wire, Option<String>)> =
        section.entries.iter().map(|e| (format!("{} {}", e.site, e.what), e.wire, e.revisions.clone())).collect();
    assert_eq!(
        entries,
        [
            revs("`x-api-revisions` revision `1.3-rev3` declared", Wire::Compatible, "1.3-rev3"),
            revs("`x-api-revisions` default `1.3-rev2` → `1.3-rev3`", Wire::Compatible, "all"),
        ]
    );
    let report = Report { label: "t".into(), krate: None, sections: vec![section] };
    let markdown = report.render(Format::Markdown);
    assert!(markdown.contains("| Where | Revisions | Change | Wire | Rust | Bump | Rust items |"), "{markdown}");
    assert!(markdown.contains("| `x-api-revisions` | 1.3-rev3 | revision `1.3-rev3` declared |"), "{markdown}");
    assert!(report.render(Format::Text).contains("[wire compatible, rust none, minor; revisions 1.3-rev3]"));
}

#[test]
fn without_declared_revisions_a_mark_is_an_extension_and_entries_name_no_revisions() {
    let spec = REVISED.replace("x-api-revisions:", "x-unused:");
    let old = Document::parse("plain.yaml", &spec).unwrap();
    let mut new = old.clone();
    at(&mut new.raw, "/paths/~1jobs/get")["x-revisions"] = json!("1.2-rev1..");
    let section = compare("plain.yaml", &old, &new, &Options::default(), "plain").unwrap();
    let entries: Vec<(String, Wire, Option<String>)> =
        section.entries.iter().map(|e| (format!("{} {}", e.site, e.what), e.wire, e.revisions.clone())).collect();
    assert_eq!(entries, [("`GET /jobs` extension `x-revisions` changed".to_owned(), Wire::None, None)]);
}

/// A many-file document as the loader bundles it: the section files under `x-bundled-files`,
/// their `$ref`s pointing there. A component defined in a file is compared as one in the root
/// is (the curated VBR spec keeps every schema in a section file).
#[test]
fn a_component_in_a_bundled_file_is_compared_like_one_in_the_root() {
    let text = r##"{
        "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
        "paths": {"/jobs": {"get": {"operationId": "GetJobs", "responses": {"200": {"description": "ok",
            "content": {"application/json": {"schema": {"$ref": "#/x-bundled-files/jobs.yaml/components/schemas/EState"}}}}}}}},
        "x-bundled-files": {"jobs.yaml": {"components": {"schemas": {"EState": {"type": "string", "enum": ["Running"]}}}}}
    }"##;
    let old = Document::parse("openapi.yaml", text).unwrap();
    let mut new = old.clone();
    new.raw["x-bundled-files"]["jobs.yaml"]["components"]["schemas"]["EState"]["enum"] = json!(["Running", "Stopped"]);
    let section = compare("openapi.yaml", &old, &new, &Options::default(), "t").unwrap();
    let found: Vec<(String, Wire)> =
        section.entries.iter().map(|e| (format!("{} {}", e.site, e.what), e.wire)).collect();
    assert_eq!(found, [("`EState` enum value `Stopped` added".to_owned(), Wire::Compatible)]);
}
