//! Snapshot tests: one named snapshot per generated type and per operation of every fixture in
//! `tests/fixtures/` (generated leniently, as an uncurated spec would be), plus one snapshot of
//! each fixture's warnings. Snapshots live in `tests/it/snapshots/`; review changes with
//! `cargo insta test --review`.
//!
//! The curated specs have no snapshots: their generated code is checked in
//! (`generated-client/src/{vbr,em}`), `codegen_fresh` fails when it is stale, and a change to
//! it is reviewed in the diff of those files; snapshots of the same code would be a second copy
//! of every change to review.
//!
//! Each fixture's test also asserts the property the fixture exists for, so a snapshot that
//! is accepted carelessly cannot hide a regression there.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use generator::ir::{Status, Ty, TypeDef, TypeKind};
use generator::{Document, Generated, Options};

/// Generation has to finish; a reference cycle that is followed forever must fail the test
/// rather than hang it.
const TIME_LIMIT: Duration = Duration::from_secs(60);

/// Generates `tests/fixtures/{name}.yaml` (or, for a fixture split over many files,
/// `tests/fixtures/{name}/openapi.yaml`) leniently and checks one snapshot per item and one of
/// the warnings.
fn fixture(name: &str) -> Generated {
    let split = format!("tests/fixtures/{name}/openapi.yaml");
    let file = match crate::support::project::workspace_root().join(&split).exists() {
        true => split,
        false => format!("tests/fixtures/{name}.yaml"),
    };
    let g = generate_in_time(&file, Options::default());
    let warnings: Vec<String> = g.warnings.iter().map(ToString::to_string).collect();
    let warnings = if warnings.is_empty() { "(none)".to_owned() } else { warnings.join("\n") };
    snapshot_items(name, &file, &g, &warnings);
    g
}

/// `code` without whitespace: what a check of generated code compares, whatever the line
/// breaks the formatter chose.
fn squash(code: &str) -> String {
    code.split_whitespace().collect()
}

fn generate_in_time(file: &str, opts: Options) -> Generated {
    let root = crate::support::project::workspace_root();
    let doc: Document = crate::support::project::load_spec(&root, file).unwrap_or_else(|e| panic!("{e:#}"));
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(generator::generate(&doc, &opts).map_err(|e| e.to_string()));
    });
    match rx.recv_timeout(TIME_LIMIT) {
        Ok(Ok(g)) => g,
        Ok(Err(e)) => panic!("{file} does not generate:\n{e}"),
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("generating {file} did not finish within {TIME_LIMIT:?}"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("generating {file} panicked"),
    }
}

/// One snapshot per item, named `{prefix}__{item}`, and `{prefix}__warnings`. Snapshot files
/// with the prefix that no item produced any more are reported, so stale snapshots do not
/// pile up unnoticed.
fn snapshot_items(prefix: &str, file: &str, g: &Generated, warnings: &str) {
    assert!(g.items.contains_key("client"), "{file} generated no item sources to snapshot");
    let mut expected = BTreeSet::new();
    insta::with_settings!({
        snapshot_path => "snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
        description => file,
    }, {
        for (item, source) in &g.items {
            let name = format!("{prefix}__{item}");
            insta::assert_snapshot!(name.clone(), source);
            expected.insert(name);
        }
        let name = format!("{prefix}__warnings");
        insta::assert_snapshot!(name.clone(), warnings);
        expected.insert(name);
    });
    let dir = snapshot_dir();
    let stale: Vec<String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter_map(|f| f.strip_suffix(".snap").map(str::to_owned))
                .filter(|f| f.strip_prefix(prefix).is_some_and(|rest| rest.starts_with("__")) && !expected.contains(f))
                .collect()
        })
        .unwrap_or_default();
    assert!(stale.is_empty(), "snapshots no item of {file} produces any more (delete them): {stale:?}");
}

/// Where `insta` keeps the snapshots of this binary (`snapshot_path` is relative to the file
/// that asserts, and both files that do are in `tests/it/`).
fn snapshot_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("it/snapshots")
}

/// The formatted source of one item, e.g. `type_Pet` or `operation_get_pet`.
fn item<'g>(g: &'g Generated, key: &str) -> &'g str {
    g.items.get(key).unwrap_or_else(|| panic!("no item `{key}`; items: {:?}", g.items.keys().collect::<Vec<_>>()))
}

/// A generated type by its Rust name.
fn ty<'g>(g: &'g Generated, name: &str) -> &'g TypeDef {
    g.api.types.iter().find(|t| t.name == name).unwrap_or_else(|| {
        panic!("no type `{name}`; types: {:?}", g.api.types.iter().map(|t| &t.name).collect::<Vec<_>>())
    })
}

fn ty_id(g: &Generated, name: &str) -> generator::ir::TypeId {
    generator::ir::TypeId(g.api.types.iter().position(|t| t.name == name).unwrap_or_else(|| panic!("no type `{name}`")))
}

/// (Rust name, wire name, required) of a struct's fields.
fn fields(g: &Generated, name: &str) -> Vec<(String, String, bool)> {
    match &ty(g, name).kind {
        TypeKind::Struct(fields) => fields.iter().map(|f| (f.name.clone(), f.wire.clone(), f.required)).collect(),
        other => panic!("`{name}` is not a struct: {other:?}"),
    }
}

fn field_ty(g: &Generated, name: &str, wire: &str) -> Ty {
    match &ty(g, name).kind {
        TypeKind::Struct(fields) => fields
            .iter()
            .find(|f| f.wire == wire)
            .unwrap_or_else(|| panic!("`{name}` has no field `{wire}`"))
            .ty
            .clone(),
        other => panic!("`{name}` is not a struct: {other:?}"),
    }
}

fn owned(v: &[(&str, &str, bool)]) -> Vec<(String, String, bool)> {
    v.iter().map(|(a, b, c)| (a.to_string(), b.to_string(), *c)).collect()
}

/// Every fixture file has a test below, so a new fixture is not silently left out.
#[test]
fn every_fixture_has_a_snapshot_test() {
    let tested: BTreeSet<&str> = FIXTURES.iter().copied().collect();
    let dir = crate::support::project::workspace_root().join("tests/fixtures");
    let on_disk: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let p = e.unwrap().path();
            let split = p.join("openapi.yaml").exists();
            (split || p.extension()? == "yaml").then(|| p.file_stem().unwrap().to_str().unwrap().to_owned())
        })
        .collect();
    let on_disk: BTreeSet<&str> = on_disk.iter().map(String::as_str).collect();
    assert_eq!(on_disk, tested, "tests/fixtures/*.yaml (and */openapi.yaml) and the FIXTURES list differ");
}

/// Every snapshot in the snapshot folder belongs to a test that takes it: a fixture's (which
/// also reports its own stale files) or `em_xml_roundtrip`'s. What `cargo insta test
/// --unreferenced=reject` checks, inside `cargo test`. (`.snap.new` and `.pending-snap` files
/// are changes waiting for review, and ignored by git.)
#[test]
fn every_snapshot_file_has_a_test() {
    let orphans: Vec<String> = std::fs::read_dir(snapshot_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|file| {
            let Some(stem) = file.strip_suffix(".snap") else { return false };
            let owned = match stem.split_once("__") {
                Some(("em_xml", name)) => crate::em_xml_roundtrip::SNAPSHOTS.contains(&name),
                Some((fixture, _)) => FIXTURES.contains(&fixture),
                None => false,
            };
            !owned
        })
        .collect();
    assert!(orphans.is_empty(), "files in tests/it/snapshots/ that no test takes (delete them): {orphans:?}");
}

const FIXTURES: &[&str] = &[
    "alias_cycle",
    "all_of",
    "bare_carriage_return",
    "builders",
    "collisions",
    "discriminator_mapping",
    "discriminator_no_mapping",
    "empty_bodies",
    "formats",
    "hostile_names",
    "keywords",
    "long_running",
    "loose",
    "maps",
    "media_types",
    "multi_file",
    "multipart",
    "multiple_success",
    "no_operation_id",
    "nullable",
    "odd_enums",
    "optional_params",
    "parent_child_cycle",
    "query_arrays",
    "recursive",
    "renames",
    "response_headers",
    "untagged_one_of",
    "v31_const",
    "v31_constraints",
    "v31_content",
    "v31_defs_anchor",
    "v31_degraded",
    "v31_prefix_items",
    "v31_ref_siblings",
    "v31_type_arrays",
    "v31_webhooks",
    "v32_query",
    "xml_shapes",
];

#[test]
fn builders() {
    let g = fixture("builders");
    // A struct other crates build is `#[non_exhaustive]`: `new` takes the fields it cannot do
    // without, in order (a number as itself, the rest as `impl Into`), and each other field
    // has a setter taking the value inside its `Option`.
    let spec = squash(item(&g, "type_JobSpec"));
    assert!(spec.contains(&squash("#[non_exhaustive] pub struct JobSpec")), "{spec}");
    let new = squash(
        "pub fn new(name: impl ::std::convert::Into<::std::string::String>, r#type: impl ::std::convert::Into<JobSpecType>, retries: i32,) -> Self",
    );
    assert!(spec.contains(&new), "{spec}");
    assert!(spec.contains(&squash("pub fn with_schedule(mut self, value: impl ::std::convert::Into<::std::string::String>,) -> Self { self.schedule = ::std::option::Option::Some(::std::convert::Into::into(value)); self }")), "{spec}");
    assert!(spec.contains(&squash("pub fn with_tags(")), "{spec}");
    assert!(!spec.contains(&squash("pub fn with_name(")), "a field `new` takes has no setter: {spec}");
    let b = ty(&g, "JobSpec").builder.clone().expect("a struct has a builder");
    assert_eq!(b.args, [0, 1, 2]);
    assert_eq!(b.setters.iter().flatten().collect::<Vec<_>>(), ["with_schedule", "with_description", "with_tags"]);
    // A `Params` struct is all optional: `new()` is its `Default`.
    let params = squash(item(&g, "type_CreateJobParams"));
    assert!(params.contains(&squash("pub fn new() -> Self { ::std::default::Default::default() }")), "{params}");
    assert!(params.contains(&squash("pub fn with_dry_run(mut self, value: bool) -> Self")), "{params}");
    // An enum is not a struct: no builder.
    assert!(ty(&g, "JobSpecType").builder.is_none());
}

#[test]
fn long_running() {
    let g = fixture("long_running");
    // Two operations mark the same status type alike: one wait, for both.
    let [lr] = g.api.long_running.as_slice() else { panic!("{:?}", g.api.long_running) };
    assert_eq!(lr.operations, ["StartJob", "RemoveJob"]);
    let wait = &g.items["wait_Job"];
    // The status operation's path parameter comes from the status; its optional query
    // parameters are left out; the stop operation is called the same way.
    assert!(wait.contains("client.get_job(&self.id, &::std::default::Default::default())"), "{wait}");
    assert!(wait.contains("client.cancel_job(&self.id)"), "{wait}");
    assert!(g.items["operation_start_job"].contains("Long-running"), "the operation's docs point to the wait");
}

#[test]
fn keywords() {
    let g = fixture("keywords");
    // Keywords become raw identifiers; `self`, `crate` and `super` cannot, so they get a
    // suffix and a rename.
    assert_eq!(
        fields(&g, "Thing"),
        owned(&[
            ("r#type", "type", true),
            ("self_", "self", true),
            ("r#match", "match", false),
            ("r#async", "async", false),
            ("crate_", "crate", false),
            ("super_", "super", false),
            ("r#fn", "fn", false),
        ])
    );
    let thing = item(&g, "type_Thing");
    assert!(thing.contains("pub r#type: ::std::string::String,"), "{thing}");
    assert!(thing.contains("#[serde(rename = \"self\")]\n    pub self_: ::std::string::String,"), "{thing}");
    // A raw identifier's wire name is the identifier without `r#`: no rename needed.
    assert!(!thing.contains("rename = \"type\""), "{thing}");
    let op = item(&g, "operation_get_thing");
    assert!(op.contains("r#type: &str,"), "{op}");
    assert!(op.contains("self_: &str,"), "{op}");
    assert!(squash(op).contains(&squash(r#"request.query("self", crate::runtime::primitive(value))?;"#)), "{op}");
    assert!(op.contains("&params.r#match"), "{op}");
    assert!(squash(op).contains(&squash(r#"request.header("async", crate::runtime::primitive(value))?;"#)), "{op}");
    assert!(item(&g, "operation_loop").contains("pub async fn r#loop("));
    // Types that shadow prelude names: `Self` needs a suffix; `Option` and `Result` keep their
    // names because generated code spells std types with absolute paths.
    assert!(item(&g, "type_Self_").contains("pub struct Self_ {"));
    let result = item(&g, "type_Result");
    assert!(result.contains("pub struct Result {"), "{result}");
    assert!(result.contains("pub ok: ::std::option::Option<Option>,"), "{result}");
}

#[test]
fn renames() {
    let g = fixture("renames");
    assert_eq!(
        fields(&g, "Host"),
        owned(&[
            ("ssh_port", "SSHPort", true),
            ("expires", ".expires", false),
            ("access_token", "access_token", true),
            ("odata_type", "@odata.type", false),
            ("https_proxy_url", "HTTPSProxyURL", false),
            ("_2fa_enabled", "2faEnabled", false),
            ("links", "_links", false),
        ])
    );
    let host = item(&g, "type_Host");
    assert!(host.contains("#[serde(rename = \"SSHPort\")]\n    pub ssh_port: i32,"), "{host}");
    assert!(host.contains("rename = \".expires\","), "{host}");
    // `access_token` already is its Rust name: no rename attribute.
    assert!(host.contains("    pub access_token: ::std::string::String,"), "{host}");
    assert!(!host.contains("rename = \"access_token\""), "{host}");
    // A header with a default becomes a client-wide default header, not an argument.
    let client = item(&g, "client");
    assert!(client.contains("(\"x-api-version\", \"1.3-rev0\")"), "{client}");
    let op = item(&g, "operation_get_host");
    assert!(!op.contains("x_api_version"), "{op}");
    assert!(
        squash(op).contains(&squash(r#"request.header("X-Request-Id", crate::runtime::primitive(value))?;"#)),
        "{op}"
    );
    assert!(squash(op).contains(&squash(r#"request.query("$filter", crate::runtime::primitive(value))?;"#)), "{op}");
    // The client reads the params struct field by field: no serde derives but those of the
    // `dispatch` feature, which reads it from JSON by the parameters' wire names.
    let params = item(&g, "type_GetHostParams");
    assert!(params.contains("#[derive(Clone, Debug, Default, PartialEq)]"), "{params}");
    let dispatch =
        r#"#[cfg_attr(feature = "dispatch", derive(::serde::Deserialize), serde(default, deny_unknown_fields))]"#;
    assert!(squash(params).contains(&squash(dispatch)) && !params.contains("#[serde("), "{params}");
    assert!(
        squash(params).contains(&squash(r#"#[cfg_attr(feature = "dispatch", serde(rename = "$filter"))]"#)),
        "{params}"
    );
}

#[test]
fn collisions() {
    let g = fixture("collisions");
    // Three properties with one snake_case name: the first keeps it, the others get a
    // suffix, and all keep their wire names.
    assert_eq!(
        fields(&g, "Pet"),
        owned(&[("foo_bar", "fooBar", false), ("foo_bar2", "foo_bar", false), ("foo_bar3", "FooBar", false)])
    );
    assert_eq!(ty(&g, "Pet").pointer.to_string(), "#/components/schemas/Pet");
    assert_eq!(ty(&g, "Pet2").pointer.to_string(), "#/components/schemas/pet");
    let methods: Vec<&str> = g.api.operations.iter().map(|o| o.method_name.as_str()).collect();
    assert_eq!(methods, ["get_pet", "get_pet2"]);
    // Every rename is reported at the renamed element.
    let warnings: Vec<String> = g.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [
            "warning: tests/fixtures/collisions.yaml#/components/schemas/pet: schema name `pet` collides with `#/components/schemas/Pet` after case conversion; generated as `Pet2`",
            "warning: tests/fixtures/collisions.yaml#/components/schemas/Pet/properties/foo_bar: property `foo_bar` collides with `#/components/schemas/Pet/properties/fooBar` after case conversion; generated as `foo_bar2`",
            "warning: tests/fixtures/collisions.yaml#/components/schemas/Pet/properties/FooBar: property `FooBar` collides with `#/components/schemas/Pet/properties/fooBar` after case conversion; generated as `foo_bar3`",
            "warning: tests/fixtures/collisions.yaml#/paths/~1pets-lower/get/operationId: operationId `get_pet` collides with `#/paths/~1pets/get` after case conversion; generated as `get_pet2`",
        ]
    );
}

#[test]
fn discriminator_mapping() {
    let g = fixture("discriminator_mapping");
    let TypeKind::Union(u) = &ty(&g, "Shape").kind else { panic!("Shape is not a union") };
    assert_eq!(u.tag.as_deref(), Some("kind"));
    assert_eq!(u.catch_all, "UnknownVariant");
    let tags: Vec<(&str, Vec<&str>)> =
        u.variants.iter().map(|v| (v.name.as_str(), v.tags.iter().map(String::as_str).collect())).collect();
    // Two mapping keys for one schema select one variant; a bare schema name in the mapping
    // means the component.
    assert_eq!(tags, [("Circle", vec!["circle"]), ("Square", vec!["square", "box"])]);
    let shape = item(&g, "type_Shape");
    assert!(shape.contains("UnknownVariant(crate::runtime::UnknownValue),"), "{shape}");
    assert!(shape.contains("::std::option::Option::Some(\"square\" | \"box\")"), "{shape}");
    assert!(shape.contains("value.get(\"kind\")"), "{shape}");
}

#[test]
fn discriminator_no_mapping() {
    let g = fixture("discriminator_no_mapping");
    let TypeKind::Union(u) = &ty(&g, "Event").kind else { panic!("Event is not a union") };
    assert_eq!(u.tag.as_deref(), Some("eventType"));
    // Without a mapping the tag value is the component name.
    let tags: Vec<Vec<&str>> = u.variants.iter().map(|v| v.tags.iter().map(String::as_str).collect()).collect();
    assert_eq!(tags, [vec!["Started"], vec!["Stopped"]]);
    let event = item(&g, "type_Event");
    assert!(event.contains("UnknownVariant(crate::runtime::UnknownValue),"), "{event}");
    assert!(item(&g, "operation_list_events")
        .contains("::std::result::Result<::std::vec::Vec<super::types::Event>, Error>"));
}

#[test]
fn parent_child_cycle() {
    // Generation finishing at all is the first property: parent → child → parent.
    let g = fixture("parent_child_cycle");
    let TypeKind::Union(u) = &ty(&g, "KmsServerModel").kind else { panic!("the parent is not a union") };
    assert_eq!(u.tag.as_deref(), Some("type"));
    let variants: Vec<(&str, &Ty)> = u.variants.iter().map(|v| (v.name.as_str(), &v.ty)).collect();
    assert_eq!(
        variants,
        [
            ("KMIP", &Ty::Named(ty_id(&g, "KmipServerModel"))),
            ("AzureKeyVault", &Ty::Named(ty_id(&g, "AzureKeyVaultModel"))),
            ("BuiltIn", &Ty::Named(ty_id(&g, "BuiltInKmsModel")))
        ]
    );
    // A variant that adds nothing is a struct of the parent's properties: as an alias of
    // the union, decoding it would decode the union again, forever.
    assert_eq!(fields(&g, "BuiltInKmsModel"), owned(&[("id", "id", true), ("name", "name", false)]));
    // Each child has the parent's properties, then its own; not the tag, which the variant
    // already says and serialisation writes.
    assert_eq!(
        fields(&g, "KmipServerModel"),
        owned(&[("id", "id", true), ("name", "name", false), ("port", "port", true)])
    );
    assert_eq!(
        fields(&g, "AzureKeyVaultModel"),
        owned(&[("id", "id", true), ("name", "name", false), ("vault_url", "vaultUrl", false)])
    );
    // The tag's enum is still generated, for code that names a kind of server.
    assert!(matches!(ty(&g, "EKmsServerType").kind, TypeKind::Enum { .. }));
    // Children hold no parent, so nothing in the cycle needs a box.
    assert!(item(&g, "type_KmsServerModel").contains("UnknownVariant(crate::runtime::UnknownValue),"));
}

#[test]
fn odd_enums() {
    let g = fixture("odd_enums");
    let TypeKind::Enum { variants, catch_all } = &ty(&g, "ApiVersion").kind else {
        panic!("ApiVersion is not an enum")
    };
    let pairs: Vec<(&str, &str)> = variants.iter().map(|v| (v.name.as_str(), v.wire.as_str())).collect();
    // `1.3-rev0` and `13-rev0` stay apart; the duplicate is listed once; the catch-all does
    // not take the name of a spec value.
    assert_eq!(
        pairs,
        [
            ("V1_3Rev0", "1.3-rev0"),
            ("V13Rev0", "13-rev0"),
            ("Value", ""),
            ("AB", "a b"),
            ("UnknownValue", "UnknownValue"),
            ("Unknown", "Unknown"),
        ]
    );
    assert_eq!(catch_all, "UnknownValue2");
    let TypeKind::Enum { variants, .. } = &ty(&g, "CertificateFormat").kind else { panic!("not an enum") };
    let pairs: Vec<(&str, &str)> = variants.iter().map(|v| (v.name.as_str(), v.wire.as_str())).collect();
    assert_eq!(pairs, [("Pfx", "pfx"), ("Pfx2", "Pfx"), ("PFX", "PFX"), ("Cer", "cer")]);
    let cf = item(&g, "type_CertificateFormat");
    assert!(cf.contains("/// PKCS#12 archive.\n    Pfx,"), "x-enumDescriptions become variant docs:\n{cf}");
    let api = item(&g, "type_ApiVersion");
    assert!(api.contains("\"\" => Self::Value,"), "{api}");
    assert!(api.contains("\"a b\" => Self::AB,"), "{api}");
    // An integer enum stays an integer.
    assert!(matches!(ty(&g, "Priority").kind, TypeKind::Alias(Ty::I64)));
}

#[test]
fn media_types() {
    let g = fixture("media_types");
    let report = item(&g, "operation_create_report");
    assert!(report.contains("body_xml_or_serde("), "{report}");
    assert!(report.contains("&[crate::runtime::Format::Json, crate::runtime::Format::Xml]"), "{report}");
    assert!(report.contains("decode_xml_or_serde("), "{report}");
    let form = item(&g, "operation_form_login");
    assert!(form.contains("request.body_serde(body, &[crate::runtime::Format::Form])?;"), "{form}");
    // `format: password` in a form body is a secret.
    assert!(item(&g, "type_FormLoginBody").contains("pub password: crate::runtime::Secret,"));
    let upload = item(&g, "operation_upload_file");
    // Binary bodies stream both ways: uploads from memory or a stream, downloads as a stream.
    assert!(upload.contains("body: impl ::std::convert::Into<crate::runtime::Upload>,"), "{upload}");
    assert!(
        upload.contains(".body_upload(\"application/octet-stream\", ::std::convert::Into::into(body));"),
        "{upload}"
    );
    let download = item(&g, "operation_download_file");
    assert!(
        download.contains("::std::result::Result<ByteStream, Error>") && download.contains("request.send_streaming()"),
        "{download}"
    );
    // What could not be generated is said, where it is.
    let warnings: Vec<String> = g.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [
            "warning: tests/fixtures/media_types.yaml#/paths/~1export/get/responses/200/content: only the structured media types are generated; `application/octet-stream` left out",
            "warning: tests/fixtures/media_types.yaml#/paths/~1summary/get/responses/200/content/application~1xml: media type `application/xml` has a different schema than `application/json`; only `application/json` is generated",
        ]
    );
    let note = item(&g, "operation_create_note");
    assert!(note.contains("request.body_text(\"text/plain\", body);"), "{note}");
    assert!(note.contains("response.text()?"), "{note}");
    // XML shape: `id` is an attribute, `lines` is wrapped and each item is a `<line>`
    // element, as the items' `xml.name` says.
    let xml = item(&g, "type_Report");
    assert!(xml.contains("const NAME: &'static str = \"report\";"), "{xml}");
    assert!(xml.contains("writer.attribute(\"id\""), "{xml}");
    assert!(
        xml.contains("wrapped_list(element, \"lines\", \"line\")"),
        "wrapped items must use the items' xml name `line`:\n{xml}"
    );
}

#[test]
fn empty_bodies() {
    let g = fixture("empty_bodies");
    let delete = item(&g, "operation_delete_item");
    assert!(delete.contains("-> ::std::result::Result<(), Error>"), "{delete}");
    assert!(delete.contains("204 => ::std::result::Result::Ok(()),"), "{delete}");
    assert!(item(&g, "operation_touch_item").contains("200 => ::std::result::Result::Ok(()),"));
    // `content: {}` is no body.
    assert!(item(&g, "operation_ping").contains("202 => ::std::result::Result::Ok(()),"));
    // No success documented at all: any 2xx is accepted without a body.
    assert!(item(&g, "operation_only_errors").contains("if response.is_success()"));
}

#[test]
fn all_of() {
    let g = fixture("all_of");
    // Parts merge in order; a later definition of `age` refines the earlier one in place.
    assert_eq!(fields(&g, "Dog"), owned(&[("name", "name", true), ("age", "age", false), ("barks", "barks", true)]));
    assert_eq!(field_ty(&g, "Dog", "age"), Ty::I64);
    assert!(item(&g, "type_Dog").contains("/// A dog is named, aged, and barks."));
    assert!(matches!(ty(&g, "NamedAlias").kind, TypeKind::Alias(Ty::Named(id)) if id == ty_id(&g, "Named")));
}

#[test]
fn maps() {
    let g = fixture("maps");
    assert!(matches!(&ty(&g, "Labels").kind, TypeKind::Alias(Ty::Map(v)) if **v == Ty::String));
    assert!(matches!(&ty(&g, "Anything").kind, TypeKind::Alias(Ty::Map(v)) if **v == Ty::Json));
    assert_eq!(field_ty(&g, "Inventory", "counts"), Ty::Map(Box::new(Ty::I64)));
    assert_eq!(field_ty(&g, "Inventory", "owners"), Ty::Map(Box::new(Ty::Named(ty_id(&g, "Owner")))));
    assert_eq!(field_ty(&g, "Inventory", "nested"), Ty::Map(Box::new(Ty::Map(Box::new(Ty::Bool)))));
    assert_eq!(field_ty(&g, "Inventory", "extra"), Ty::Map(Box::new(Ty::Named(ty_id(&g, "InventoryExtraValue")))));
}

#[test]
fn nullable() {
    let g = fixture("nullable");
    let record = item(&g, "type_Record");
    // Required but nullable: always sent, may be null.
    assert!(
        record.contains("#[serde(rename = \"requiredNullable\")]\n    pub required_nullable: ::std::option::Option<::std::string::String>,"),
        "{record}"
    );
    assert!(record.contains("pub required_plain: ::std::string::String,"), "{record}");
    assert!(record.contains("pub nullable_ref: ::std::option::Option<Other>,"), "{record}");
    assert_eq!(
        field_ty(&g, "Record", "nullableArray"),
        Ty::Nullable(Box::new(Ty::Vec(Box::new(Ty::Nullable(Box::new(Ty::String))))))
    );
}

#[test]
fn formats() {
    let g = fixture("formats");
    let expect = [
        ("id", Ty::Uuid),
        ("created", Ty::DateTime),
        ("day", Ty::Date),
        ("small", Ty::I32),
        ("big", Ty::I64),
        ("plainInt", Ty::I64),
        ("ratio", Ty::F32),
        ("amount", Ty::F64),
        ("secret", Ty::Secret),
        ("email", Ty::String),
        ("wobbly", Ty::String),
    ];
    for (wire, want) in expect {
        assert_eq!(field_ty(&g, "Values", wire), want, "field {wire}");
    }
    let warnings: Vec<String> = g.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        ["warning: tests/fixtures/formats.yaml#/components/schemas/Values/properties/wobbly/format: unknown string format `wobbly`; using String"]
    );
    let op = item(&g, "operation_get_values");
    assert!(op.contains("id: ::uuid::Uuid,"), "{op}");
    assert!(op.contains("since: ::chrono::DateTime<::chrono::Utc>,"), "{op}");
}

#[test]
fn recursive() {
    let g = fixture("recursive");
    let list = ty_id(&g, "ListNode");
    // A struct that holds itself (or its partner) by value is boxed …
    assert_eq!(field_ty(&g, "ListNode", "next"), Ty::Nullable(Box::new(Ty::Boxed(Box::new(Ty::Named(list))))));
    assert_eq!(field_ty(&g, "A", "b"), Ty::Boxed(Box::new(Ty::Named(ty_id(&g, "B")))));
    assert_eq!(field_ty(&g, "B", "a"), Ty::Boxed(Box::new(Ty::Named(ty_id(&g, "A")))));
    assert!(item(&g, "type_ListNode").contains("pub next: ::std::option::Option<::std::boxed::Box<ListNode>>,"));
    // … but a Vec already is indirection.
    assert_eq!(field_ty(&g, "TreeNode", "children"), Ty::Vec(Box::new(Ty::Named(ty_id(&g, "TreeNode")))));
}

#[test]
fn alias_cycle() {
    let g = fixture("alias_cycle");
    // `type Nested = Vec<Nested>` is not valid Rust; a transparent newtype is.
    let nested = item(&g, "type_Nested");
    assert!(nested.contains("#[serde(transparent)]\npub struct Nested(pub ::std::vec::Vec<Nested>);"), "{nested}");
    assert!(matches!(ty(&g, "Ping").kind, TypeKind::Newtype(_)));
    assert!(matches!(ty(&g, "Pong").kind, TypeKind::Newtype(_)));
}

#[test]
fn untagged_one_of() {
    let g = fixture("untagged_one_of");
    let TypeKind::Union(u) = &ty(&g, "Target").kind else { panic!("Target is not a union") };
    assert_eq!(u.tag, None);
    let names: Vec<&str> = u.variants.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["HostTarget", "ShareTarget", "String", "Integer"]);
    let target = item(&g, "type_Target");
    assert!(target.contains("#[serde(untagged)]"), "{target}");
    assert!(target.contains("Other(crate::runtime::UnknownValue),"), "{target}");
    // Variant docs name the payload type as Rust source, not as spaced-out tokens.
    assert!(target.contains("/// `::std::string::String`.\n    String("), "{target}");
    // `oneOf: [X, null]` is a nullable X: `null` must deserialize.
    assert!(
        matches!(&ty(&g, "MaybeHost").kind, TypeKind::Alias(Ty::Nullable(inner)) if **inner == Ty::Named(ty_id(&g, "HostTarget"))),
        "MaybeHost lost its null alternative: {}",
        item(&g, "type_MaybeHost")
    );
}

#[test]
fn no_operation_id() {
    let g = fixture("no_operation_id");
    let ops: Vec<(&str, &str)> = g.api.operations.iter().map(|o| (o.id.as_str(), o.method_name.as_str())).collect();
    assert_eq!(
        ops,
        [
            ("get_pets_by_petId_toys", "get_pets_by_pet_id_toys"),
            ("post_pets_by_petId_toys", "post_pets_by_pet_id_toys"),
            // An empty operationId counts as none.
            ("get", "get"),
        ]
    );
    assert!(item(&g, "operation_post_pets_by_pet_id_toys").contains("body: &super::types::PostPetsByPetIdToysBody,"));
}

#[test]
fn multiple_success() {
    let g = fixture("multiple_success");
    let TypeKind::Responses(variants) = &ty(&g, "UpsertJobResponse").kind else { panic!("no response enum") };
    let got: Vec<(&str, Status, Option<&Ty>)> = variants.iter().map(|(n, s, t)| (n.as_str(), *s, t.as_ref())).collect();
    assert_eq!(
        got,
        [
            ("Ok", Status::Code(200), Some(&Ty::Named(ty_id(&g, "Job")))),
            ("Created", Status::Code(201), Some(&Ty::Named(ty_id(&g, "Session")))),
            ("NoContent", Status::Code(204), None),
        ]
    );
    let upsert = item(&g, "operation_upsert_job");
    assert!(upsert.contains("::std::result::Result<super::types::UpsertJobResponse, Error>"), "{upsert}");
    assert!(
        upsert.contains("204 => ::std::result::Result::Ok(super::types::UpsertJobResponse::NoContent),"),
        "{upsert}"
    );
    // The same body under two statuses needs no enum.
    let start = item(&g, "operation_start_job");
    assert!(start.contains("::std::result::Result<super::types::Session, Error>"), "{start}");
    assert!(start.contains("200 | 201 =>"), "{start}");
}

#[test]
fn query_arrays() {
    let g = fixture("query_arrays");
    let op = item(&g, "operation_search");
    assert!(op.contains("tags: &::std::vec::Vec<::std::string::String>,"), "{op}");
    // Arrays go out in their style (form, explode true by default: one pair per item).
    for name in ["tags", "ids", "states", "limits"] {
        let set = format!("request.query(\"{name}\", crate::runtime::array((value).iter()))?;");
        assert!(squash(op).contains(&squash(&set)), "{name}:\n{op}");
    }
    assert_eq!(field_ty(&g, "SearchParams", "ids"), Ty::Vec(Box::new(Ty::Uuid)));
    assert_eq!(field_ty(&g, "SearchParams", "states"), Ty::Vec(Box::new(Ty::Named(ty_id(&g, "State")))));
}

#[test]
fn optional_params() {
    let g = fixture("optional_params");
    let params = item(&g, "type_GetAllCredsParams");
    assert!(params.contains("#[derive(Clone, Debug, Default, PartialEq"), "{params}");
    // Optional parameters, the path-level header included, go into the struct; the required
    // one is an argument.
    let wires: Vec<String> = fields(&g, "GetAllCredsParams").into_iter().map(|(_, w, _)| w).collect();
    assert_eq!(wires, ["x-trace", "skip", "limit", "orderColumn", "orderAsc", "session"]);
    let op = item(&g, "operation_get_all_creds");
    assert!(op.contains("name_filter: &str,\n        params: &super::types::GetAllCredsParams,"), "{op}");
    assert!(squash(op).contains(&squash(r#"request.cookie("session", crate::runtime::primitive(value))?;"#)), "{op}");
    // `x-pagination` adds a stream over all pages.
    assert!(op.contains("pub fn get_all_creds_stream<'a>("), "{op}");
    // Widened without `as`: a narrowing would not compile.
    assert!(op.contains("total: ::std::primitive::i64::from(page.pagination.total)"), "{op}");
}

#[test]
fn hostile_names() {
    let g = fixture("hostile_names");
    // Operations never take a name the client defines itself; the client's own methods keep
    // theirs, and each security scheme gets its own setter.
    let methods: Vec<&str> = g.api.operations.iter().map(|o| o.method_name.as_str()).collect();
    assert_eq!(
        methods,
        ["request", "builder2", "builder_stream", "core2", "login2", "set_bearer_token2", "with_format2"]
    );
    let streams: Vec<&str> = g.api.operations.iter().filter_map(|o| o.stream_name.as_deref()).collect();
    assert_eq!(streams, ["builder2_stream"]);
    let setters: Vec<(&str, &str)> = g.api.auth_setters.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(
        setters,
        [
            ("basicOne", "set_basic_one_basic_auth"),
            ("basicTwo", "set_basic_two_basic_auth"),
            ("bearer", "set_bearer_token"),
            ("key", "set_key"),
            ("otherBearer", "set_other_bearer_token"),
            ("otherKey", "set_other_key"),
        ]
    );
    // Parameters keep their names; the generated method's locals step aside.
    let request = g.api.operations.iter().find(|o| o.id == "request").unwrap();
    assert_eq!(request.locals.request, "request2");
    assert_eq!(request.locals.response, "response2");
    assert_eq!(request.locals.value, "value2");
    assert_eq!(request.locals.item, "item2");
    assert_eq!(request.locals.segments, ["request_segment2", "response_segment"]);
    assert!(item(&g, "operation_request").contains("let mut request2 = self"));
}

#[test]
fn xml_shapes() {
    let g = fixture("xml_shapes");
    // An array root: a wrapper named by the array's `xml.name` (else `ArrayOf…`) holding
    // one element per item, named by the item's `xml.name`.
    assert!(item(&g, "operation_list_pets").contains("decode_xml_list_or_serde("));
    assert!(item(&g, "operation_list_pets").contains("\"pet\""));
    assert!(item(&g, "operation_add_pets").contains("body_xml_list_or_serde("));
    assert!(item(&g, "operation_add_pets").contains("\"ArrayOfpet\""));
    assert!(item(&g, "operation_list_tags").contains("\"tag\""));
    // A primitive root: the text of one element.
    assert!(item(&g, "operation_count_pets").contains("decode_xml_text_or_serde("));
    assert!(
        item(&g, "operation_rename").contains("body_xml_text_or_serde(body, &[crate::runtime::Format::Xml], \"name\")")
    );
    // No typed form: raw XML text, said where.
    assert!(item(&g, "operation_raw_document").contains("response.text()?"));
    let warnings: Vec<String> = g.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        ["warning: tests/fixtures/xml_shapes.yaml#/paths/~1raw/get/responses/200/content/application~1xml: `application/xml` has no typed XML form (a map, a free-form value or nested arrays at the root); sent and received as raw XML text"]
    );
}

#[test]
fn multipart() {
    let g = fixture("multipart");
    // A typed form: text parts typed, files as `FilePart`, arrays repeated.
    let form = item(&g, "type_UploadDocumentForm");
    for field in [
        "pub title: ::std::string::String,",
        "pub pages: ::std::option::Option<i64>,",
        "pub file: crate::runtime::FilePart,",
        "pub thumbnail: ::std::option::Option<crate::runtime::FilePart>,",
        "pub attachments: ::std::vec::Vec<crate::runtime::FilePart>,",
        "pub tags: ::std::vec::Vec<::std::string::String>,",
        "pub meta: ::std::option::Option<Meta>,",
    ] {
        assert!(form.contains(field), "{field} in {form}");
    }
    let upload = item(&g, "operation_upload_document");
    assert!(upload.contains("body: super::types::UploadDocumentForm,"), "{upload}");
    assert!(upload.contains("form.file(\"file\", body.file);"), "{upload}");
    assert!(upload.contains("form.json(\"meta\", value);"), "{upload}");
    assert!(upload.contains("request.body_multipart(form)?;"), "{upload}");
    // A form with only optional parts has `Default`, and an optional body is an `Option`.
    assert!(item(&g, "type_PutNoteForm").contains("#[derive(Default)]"));
    assert!(item(&g, "operation_put_note").contains("body: ::std::option::Option<super::types::PutNoteForm>,"));
}

#[test]
fn loose_fields_are_counted_by_cause() {
    // A free-form object property is untyped in the document; a mixed-type enum is
    // loosened by the generator, with a warning at the field.
    let g = fixture("loose");
    assert_eq!(g.loose(), generator::Loose { untyped: 2, degraded: 1 });
}

#[test]
fn response_headers() {
    let g = fixture("response_headers");
    // Declared headers come with the status and the body, typed; a secret stays a Secret,
    // and a header named like a field of the output steps aside, with a warning.
    let output = item(&g, "type_StartJobOutput");
    for field in [
        "pub status: u16,",
        "pub body: StartJobResponse,",
        "pub location: ::std::string::String,",
        "pub retry_after: ::std::option::Option<i64>,",
        "pub x_job_token: ::std::option::Option<crate::runtime::Secret>,",
        "pub status2: ::std::option::Option<bool>,",
    ] {
        assert!(output.contains(field), "{field} in {output}");
    }
    let start = item(&g, "operation_start_job");
    assert!(start.contains("location: response.header_value(\"Location\")?,"), "{start}");
    assert!(start.contains("retry_after: response.optional_header_value(\"Retry-After\")?,"), "{start}");
    // No body: only the status and the headers.
    assert!(!item(&g, "type_PingOutput").contains("pub body"));
    let warnings: Vec<String> = g.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        ["warning: tests/fixtures/response_headers.yaml#/paths/~1jobs/post/responses/202/headers/status: response header `status` is a name the generated client defines itself; generated as `status2`"]
    );
}

#[test]
fn v31_type_arrays() {
    let g = fixture("v31_type_arrays");
    // `[T, "null"]` is an optional T, required or not; several types are a `Value`, warned.
    assert_eq!(field_ty(&g, "Thing", "note"), Ty::Nullable(Box::new(Ty::String)));
    assert_eq!(field_ty(&g, "Thing", "count"), Ty::Nullable(Box::new(Ty::I32)));
    assert_eq!(field_ty(&g, "Thing", "tags"), Ty::Nullable(Box::new(Ty::Vec(Box::new(Ty::String)))));
    assert_eq!(field_ty(&g, "Thing", "either"), Ty::Json);
    assert!(g.warnings.iter().any(|w| w.pointer == "#/components/schemas/Thing/properties/either/type"));
}

#[test]
fn v31_const() {
    let g = fixture("v31_const");
    let TypeKind::Union(u) = &ty(&g, "Event").kind else { panic!("Event is not a union") };
    let tags: Vec<&str> = u.variants.iter().flat_map(|v| v.tags.iter().map(String::as_str)).collect();
    assert_eq!(tags, ["created", "deleted"]);
    // A numeric `const` keeps its type.
    assert_eq!(field_ty(&g, "Created", "version"), Ty::I64);
}

#[test]
fn v31_ref_siblings() {
    let g = fixture("v31_ref_siblings");
    let TypeKind::Struct(fields) = &ty(&g, "Order").kind else { panic!("Order is not a struct") };
    let doc = |wire: &str| fields.iter().find(|f| f.wire == wire).unwrap().doc.clone();
    assert_eq!(doc("billing"), ["Where the invoice goes."]);
    assert_eq!(doc("shipping"), ["Where the parcel goes."]);
    assert_eq!(ty(&g, "LegacyAddress").doc, ["The old name of an address, kept for compatibility."]);
}

#[test]
fn v31_defs_anchor() {
    let g = fixture("v31_defs_anchor");
    // `$defs` by pointer and by `$anchor` are one type; `$id` names `Size`.
    assert_eq!(field_ty(&g, "Shape", "origin"), Ty::Named(ty_id(&g, "Point")));
    assert_eq!(field_ty(&g, "Shape", "corner"), Ty::Named(ty_id(&g, "Point")));
    assert_eq!(field_ty(&g, "Shape", "size"), Ty::Named(ty_id(&g, "Size")));
}

#[test]
fn v31_prefix_items() {
    let g = fixture("v31_prefix_items");
    assert_eq!(field_ty(&g, "Point", "at"), Ty::Tuple(vec![Ty::F64, Ty::F64]));
    assert_eq!(field_ty(&g, "Point", "labelled"), Ty::Tuple(vec![Ty::String, Ty::I64]));
    assert_eq!(field_ty(&g, "Point", "open"), Ty::Vec(Box::new(Ty::Json)));
    assert!(item(&g, "type_Point").contains("pub at: (f64, f64),"));
}

#[test]
fn v31_content() {
    let g = fixture("v31_content");
    assert_eq!(field_ty(&g, "Document", "data"), Ty::String, "base64 text stays a string");
    assert_eq!(field_ty(&g, "Document", "text"), Ty::String);
    assert!(item(&g, "operation_put_avatar").contains("body: impl ::std::convert::Into<crate::runtime::Upload>"));
}

#[test]
fn v31_constraints() {
    let g = fixture("v31_constraints");
    assert!(g.warnings.is_empty(), "{:?}", g.warnings);
    assert_eq!(field_ty(&g, "Payment", "amount"), Ty::F64);
}

#[test]
fn v31_degraded() {
    let g = fixture("v31_degraded");
    let at: Vec<&str> = g.warnings.iter().map(|w| w.pointer.as_str()).collect();
    for keyword in ["if", "then", "else"] {
        assert!(at.contains(&format!("#/components/schemas/Rule/{keyword}").as_str()), "{at:?}");
    }
    assert_eq!(field_ty(&g, "Rule", "anything_but_a_string"), Ty::Json);
}

#[test]
fn v31_webhooks() {
    let g = fixture("v31_webhooks");
    let names: Vec<&str> = g.api.webhooks.iter().map(|w| w.name.as_str()).collect();
    assert_eq!(names, ["payment.succeeded", "payment.refunded", "ping"]);
    assert!(g.api.webhooks[2].payload.is_none());
    assert!(g.files["webhooks.rs"].contains("pub enum Event"));
    assert!(g.files["mod.rs"].contains("pub mod webhooks;"));
    // `mutualTLS` sends nothing per request, and the client says how to present a certificate.
    assert!(item(&g, "client").contains("client_identity_pem"));
    assert!(item(&g, "operation_get_payment").contains("auth: &[&[]],"));
    assert!(g.files["mod.rs"].contains("Payments, and the events they send."));
}

#[test]
fn bare_carriage_return() {
    let g = fixture("bare_carriage_return");
    // Every bare `\r` ended a doc line: none is left in the code (rustc rejects one in a doc
    // comment; `every_fixture_compiles` compiles it).
    for (name, code) in &g.files {
        assert!(!code.contains('\r'), "{name} has a carriage return");
    }
    let op = item(&g, "operation_list_items");
    assert!(op.contains("/// Lists\n") && op.contains("/// items\n") && op.contains("/// One\n"), "{op}");
}

#[test]
fn v32_query() {
    let g = fixture("v32_query");
    assert!(item(&g, "operation_search").contains("crate::runtime::Method::Query"));
}

#[test]
fn multi_file() {
    let g = fixture("multi_file");
    // Named after what they are: the file (`schemas/job.yaml`), or the fragment.
    for name in ["Job", "Owner", "Problem"] {
        ty(&g, name);
    }
    // The file refers to itself through `#`, and to `Owner`, which refers back: one cycle.
    assert_eq!(field_ty(&g, "Job", "parent"), Ty::Boxed(Box::new(Ty::Named(ty_id(&g, "Job")))));
    assert_eq!(field_ty(&g, "Owner", "jobs"), Ty::Vec(Box::new(Ty::Named(ty_id(&g, "Job")))));
    // A fragment of a JSON file that is no OpenAPI document.
    assert_eq!(field_ty(&g, "Job", "id"), Ty::Uuid);
    let op = item(&g, "operation_get_job");
    assert!(op.contains("job_id: ::uuid::Uuid"), "the path item and its parameter come from two files: {op}");
    assert!(item(&g, "type_ListJobsOutput").contains("x_rate_limit"), "a header from another file");
}

/// A bad reference in a nested file is reported in that file, at the pointer where it is
/// written, not in the file that refers to it.
#[test]
fn multi_file_errors_name_the_file_they_are_in() {
    let root = crate::support::project::workspace_root();
    let doc = crate::support::project::load_spec(&root, "tests/fixtures/multi_file_bad/root.yaml").unwrap();
    let err = generator::generate(&doc, &Options::default()).err().map(|d| d.to_string()).unwrap_or_default();
    assert!(
        err.contains("error: tests/fixtures/multi_file_bad/schemas/a.yaml#/properties/b: reference `schemas/b.yaml#/components/schemas/Nope` does not resolve to anything in this document"),
        "{err}"
    );
}
