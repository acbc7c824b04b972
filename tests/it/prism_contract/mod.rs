//! Contract test: the generated VBR client against Prism, the OpenAPI mock server.
//!
//! Prism (`@stoplight/prism-cli`, pinned in `tests/prism/package.json`) is started on the VBR
//! spec with `--errors`. It answers a request that breaks the spec with a 4xx, and it validates
//! the answer it sends (the spec's example) against the response schema, answering 500 when
//! that fails. Every operation is called through the generated client (union request bodies
//! once per variant, list operations also through their streams), so when every call returns
//! `Ok`, every request the client sent was valid and every response the spec promises decoded.
//! Two checks Prism cannot make are added: request bodies carry no property the spec does not
//! declare (a misspelt optional field), and decoding keeps every declared property.
//!
//! A mock that accepts everything would pass all that too, so the test also shows that Prism
//! really checks:
//! - requests without a token, without `x-api-version`, or with a wrong body are refused, the
//!   last for every operation that takes a body;
//! - on a copy of the spec whose success examples are broken, every operation that answers
//!   with a body fails with Prism's 500.
//!
//! Prism limitation (found by this test): Prism cannot validate a schema that reaches itself,
//! and Veeam's unions all do: the parent (`CredentialsSpec`) lists its variants in `oneOf`,
//! and each variant (`StandardCredentialsSpec`) is `allOf` the parent. Prism's validator
//! recurses until the stack overflows, catches that, and treats the body as valid, so against
//! `spec/vbr.yaml` as it is, no request or response body that contains a union is checked at
//! all (`prism_cannot_check_the_curated_spec_as_is` pins this down). The test therefore runs
//! Prism on a copy in which each variant is `allOf` a copy of the parent without `oneOf`,
//! plus the discriminator value that selects it. That is what the spec means (the
//! discriminator picks one variant; the variant is the parent's properties plus its own), and
//! it is a plain, finite JSON Schema that Prism checks completely. Nothing else is changed.
//!
//! Prism is installed by `cargo xtask test`. Outside CI this test installs it itself (`npm ci`
//! in `tests/prism`) when it is missing; in CI (`CI=true`) a missing Prism fails the test.
//! It never skips.
//!
//! One module per tag of the spec ([`login`], [`credentials`], [`encryption`], [`sessions`])
//! calls that tag's operations; [`Setup`] is what every test against Prism starts from;
//! [`server`] runs Prism, [`spec`] reads the spec and writes the copies Prism runs on, and
//! [`run`] records the calls and judges them.

mod credentials;
mod encryption;
mod login;
mod run;
mod server;
mod sessions;
mod spec;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use futures::{Stream, StreamExt};
use serde_json::{json, Value};
use veeam_client::runtime::{self, RetryPolicy, Secret};
use veeam_client::vbr::{self, types::*};

use run::{client_for, dropped_properties, status_of, undeclared_properties, Mode, Run};
use server::Prism;
use spec::{break_success_examples, load_spec, prism_spec, spec_operations, write_spec, SpecOp};

/// A body no operation accepts: a JSON string where every schema asks for an object. A
/// request carrying it must be refused, and a response carrying it must fail validation.
const NOT_AN_OBJECT: &str = "contract-canary: not an object";

/// The tags of `spec/vbr.yaml`, each with the module that calls its operations.
const TAGS: [&str; 4] = [login::TAG, credentials::TAG, encryption::TAG, sessions::TAG];

fn root() -> PathBuf {
    crate::support::project::workspace_root()
}

fn scratch_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("prism_contract");
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// What every test against Prism starts from: the spec Prism runs on, its operations, Prism
/// itself (stopped when this is dropped) and a client for it.
struct Setup {
    mode: Mode,
    /// The spec as Prism has it (union cycles broken), for the property checks.
    spec: Value,
    /// The operations of the spec, with their success examples as written.
    ops: BTreeMap<String, SpecOp>,
    prism: Prism,
    client: vbr::Client,
}

impl Setup {
    /// Prism on the acyclic copy of the VBR spec (see the top of this file); for
    /// [`Mode::BrokenExamples`], with every success example broken as well.
    fn start(mode: Mode) -> Setup {
        let mut spec = prism_spec();
        let ops = spec_operations(&spec);
        let name = match mode {
            Mode::Contract => "contract",
            Mode::BrokenExamples => {
                break_success_examples(&mut spec);
                "broken-examples"
            }
        };
        let prism = Prism::start(&write_spec(&spec, &format!("vbr.{name}")), name);
        let client = client_for(&prism);
        Setup { mode, spec, ops, prism, client }
    }

    /// Prism on `spec/vbr.yaml` itself.
    fn start_on_the_curated_spec() -> Setup {
        let spec = load_spec();
        let ops = spec_operations(&spec);
        let prism = Prism::start(&root().join("spec/vbr.yaml"), "curated-as-is");
        let client = client_for(&prism);
        Setup { mode: Mode::Contract, spec, ops, prism, client }
    }

    /// A record of calls against this Prism.
    fn run(&self) -> Run<'_> {
        Run::new(&self.prism, &self.spec, &self.ops, self.mode)
    }
}

/// Calls every operation of the spec once with valid arguments, and union request bodies once
/// per variant, tag by tag; logging in first and out last, as a real session does.
async fn call_every_operation(client: &vbr::Client, run: &mut Run<'_>) {
    login::log_in(client, run).await;
    credentials::call_all(client, run).await;
    encryption::call_all(client, run).await;
    sessions::call_all(client, run).await;
    login::log_out(client, run).await;
}

/// A certificate upload, as cloud credentials and KMS servers take it.
fn certificate() -> CertificateUploadSpec {
    CertificateUploadSpec::new(
        Secret::from("MIIKcQIBAzCCCjcGCSqGSIb3DQEHAaCCCigEggokMIIKIDCCBNcGCSqGSIb3DQEHBqCCBMgwggTEAgEA"),
        ECertificateFileFormatType::Pfx,
    )
    .with_password(Secret::from("certificate-password"))
}

fn assert_every_operation_called(ops: &BTreeMap<String, SpecOp>, called: &BTreeSet<&'static str>) {
    let in_spec: BTreeSet<&str> = ops.keys().map(String::as_str).collect();
    let missing: Vec<&&str> = in_spec.difference(called).collect();
    let unknown: Vec<&&str> = called.difference(&in_spec).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "the operations called must be exactly those of spec/vbr.yaml; not called: {missing:?}, not in the spec: {unknown:?}"
    );
}

fn assert_no_failures(failures: &[String], what: &str) {
    assert!(failures.is_empty(), "{what}: {} failure(s):\n  {}", failures.len(), failures.join("\n  "));
}

/// Every tag of the spec has a module above, and every operation one of those tags: an
/// operation under a new tag needs a module to call it (no Prism needed to see that).
#[test]
fn every_tag_of_the_spec_has_a_module() {
    let spec = load_spec();
    let declared: BTreeSet<&str> =
        spec["tags"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    let ops = spec_operations(&spec);
    let used: BTreeSet<&str> = ops.values().map(|op| op.tag.as_str()).collect();
    let covered: BTreeSet<&str> = TAGS.into_iter().collect();
    assert_eq!(declared, covered, "tags of spec/vbr.yaml and modules of tests/it/prism_contract differ");
    assert!(used.is_subset(&covered), "operations under tags no module calls: {:?}", used.difference(&covered));
}

/// Every operation, called through the generated client with valid arguments, is accepted by
/// Prism and its answer decodes; and requests that break the spec are refused, which shows
/// Prism is checking.
#[tokio::test]
async fn every_operation_honours_the_contract() {
    let setup = Setup::start(Mode::Contract);
    let (client, prism, ops) = (&setup.client, &setup.prism, &setup.ops);
    let mut run = setup.run();

    call_every_operation(client, &mut run).await;

    // Logout is marked `x-logout`: the client forgot its tokens, so the next call goes out
    // without a bearer token and Prism refuses it.
    match client.get_all_creds(&GetAllCredsParams::default()).await {
        Err(e) => run.refused("GetAllCreds", "after logout", &[401], status_of(&e), e.to_string()),
        Ok(v) => run.refused("GetAllCreds", "after logout", &[401], None, format!("Ok({v:?})")),
    }
    client.core().set_bearer_token(Secret::from("contract-test-token"));

    // Requests that break the spec must be refused, or the calls above prove nothing.
    let anonymous = client_for(prism);
    match anonymous.get_all_creds(&GetAllCredsParams::default()).await {
        Err(e) => run.refused("GetAllCreds", "without a bearer token", &[401], status_of(&e), e.to_string()),
        Ok(v) => run.refused("GetAllCreds", "without a bearer token", &[401], None, format!("Ok({v:?})")),
    }
    // `ClientBuilder::new` skips the spec's default headers, so `x-api-version` is missing.
    let unversioned: vbr::Client = runtime::ClientBuilder::new(prism.base_url())
        .retry(RetryPolicy { max_attempts: 1, ..RetryPolicy::default() })
        .build()
        .unwrap();
    unversioned.core().set_bearer_token(Secret::from("contract-test-token"));
    match unversioned.get_all_creds(&GetAllCredsParams::default()).await {
        Err(e) => run.refused("GetAllCreds", "without x-api-version", &[400, 422], status_of(&e), e.to_string()),
        Ok(v) => run.refused("GetAllCreds", "without x-api-version", &[400, 422], None, format!("Ok({v:?})")),
    }
    // A Standard record without its password: only a check that descends into the union
    // variant can see this.
    let no_password = json!({ "type": "Standard", "username": "administrator" }).to_string();
    run.send_raw_body(client, "CreateCreds", "application/json", &no_password, "Standard record without password")
        .await;
    let with_body: Vec<(&'static str, String)> = ops
        .iter()
        .filter(|(_, op)| !op.body_media.is_empty())
        .map(|(id, op)| (leak(id), op.body_media[0].clone()))
        .collect();
    for (op, media) in with_body {
        let body = if media == "application/json" {
            serde_json::to_string(NOT_AN_OBJECT).unwrap()
        } else {
            NOT_AN_OBJECT.to_owned()
        };
        run.send_raw_body(client, op, &media, &body, &format!("{media} body that is not an object")).await;
    }

    let (failures, called) = run.finish();
    assert_no_failures(&failures, "the VBR client against Prism");
    assert_every_operation_called(ops, &called);
}

/// The same calls against a copy of the spec whose success examples are broken: Prism must
/// refuse to serve every one of them. This shows that Prism checks the response of every
/// operation, so `Ok` in the contract test means the spec's examples match the spec.
#[tokio::test]
async fn prism_refuses_every_broken_response() {
    let setup = Setup::start(Mode::BrokenExamples);
    let mut run = setup.run();

    call_every_operation(&setup.client, &mut run).await;

    let (failures, called) = run.finish();
    assert_no_failures(&failures, "broken response examples");
    assert_every_operation_called(&setup.ops, &called);
}

/// Pins down the Prism limitation the two tests above work around: on `spec/vbr.yaml` as it
/// is, Prism accepts a union body that breaks the spec, because its validator overflows the
/// stack on the union cycle and treats the failure as "valid". If this starts failing, the
/// pinned Prism has learnt to check such schemas: run the contract on `spec/vbr.yaml`
/// directly and delete `break_union_cycles`.
#[tokio::test]
async fn prism_cannot_check_the_curated_spec_as_is() {
    let setup = Setup::start_on_the_curated_spec();
    setup.client.core().set_bearer_token(Secret::from("contract-test-token"));
    let no_password = json!({ "type": "Standard", "username": "administrator" }).to_string();
    let mut run = setup.run();
    run.send_raw_body(
        &setup.client,
        "CreateCreds",
        "application/json",
        &no_password,
        "Standard record without password",
    )
    .await;
    let record = run.records.pop().unwrap();
    assert!(
        record.problem.as_deref().is_some_and(|p| p.contains("got 201")),
        "Prism on spec/vbr.yaml was expected to accept an invalid union body with 201 (the known limitation), \
         but the outcome was {:?}; if Prism now refuses it, the workaround (`spec::break_union_cycles`) can go",
        record.problem
    );
}

/// The property checks themselves (no Prism): they see a misspelt name inside a union
/// variant, a property lost in decoding inside an array of unions, and nothing else.
#[test]
fn property_checks_see_misnamed_and_lost_properties() {
    let spec = prism_spec();
    let ops = spec_operations(&spec);

    let create = &ops["CreateCreds"];
    let mut found = Vec::new();
    let body =
        json!({ "type": "Linux", "username": "root", "authenticationType": "SshKey", "SSHPort": 22, "sshPort": 22 });
    undeclared_properties(&spec, create.body_schema.as_ref().unwrap(), &body, "body", &mut found);
    assert_eq!(found, ["body.sshPort"]);

    let list = &ops["GetAllCredsHelperAppliances"];
    let (schema, example) = (list.success_schema.as_ref().unwrap(), list.success_example.as_ref().unwrap());
    let mut found = Vec::new();
    dropped_properties(&spec, schema, example, example, "response", &mut found);
    assert_eq!(found, Vec::<String>::new());
    let mut decoded = example.clone();
    decoded["data"][0].as_object_mut().unwrap().remove("SSHPort");
    dropped_properties(&spec, schema, example, &decoded, "response", &mut found);
    assert_eq!(found, ["response.data[0].SSHPort"]);
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

/// A `*_stream` against Prism. Prism serves the same example page whatever `skip` asks, with
/// the example's numbers (Veeam's examples report `total: 0, count: 0` beside one record),
/// so the stream's guard against a server that does not page, `Error::Paging`, is the
/// expected end of a listing there. Any other error is a failure.
async fn static_page<T>(stream: impl Stream<Item = Result<T, vbr::Error>>) -> Result<Vec<T>, vbr::Error> {
    let mut stream = std::pin::pin!(stream);
    let mut items = Vec::new();
    while let Some(item) = stream.next().await {
        match item {
            Ok(item) => items.push(item),
            Err(vbr::Error::Paging { .. }) => break,
            Err(e) => return Err(e),
        }
    }
    Ok(items)
}
