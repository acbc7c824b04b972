//! Secrets never show: every secret field of every generated model is filled with a known
//! value and the model is formatted with `{:?}` and `{:#?}`; the list of secret fields is
//! checked against a scan of the generated `types.rs`, so a new secret field cannot be
//! missed; and a whole session against the fake server (logins, refreshes, refusals, errors)
//! is traced at every level and its errors formatted, none showing a token or password.

use std::collections::BTreeSet;
use std::fmt::Debug;
use std::time::Duration;

use crate::support::fake_vbr::{Canned, Config, FakeVbr};
use crate::support::Capture;
use futures::StreamExt;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use veeam_client::runtime::{RetryPolicy, Secret};
use veeam_client::{em, vbr};

/// Every field of a generated model whose type is `Secret`: (module, type, Rust field, wire
/// name). `secret_fields_match_the_generated_code` keeps this list complete.
const SECRET_FIELDS: &[(&str, &str, &str, &str)] = &[
    // In 1.2-rev1 answers, and in requests to a 1.2-rev1 server.
    ("vbr", "LinuxCredentialsModel", "passphrase", "passphrase"),
    ("vbr", "LinuxCredentialsModel", "private_key", "privateKey"),
    ("vbr", "ManagedServiceCredentialsSpec", "password", "password"),
    ("vbr", "TokenLoginSpec", "password", "password"),
    ("vbr", "TokenLoginSpec", "refresh_token", "refresh_token"),
    ("vbr", "TokenLoginSpec", "code", "code"),
    ("vbr", "TokenLoginSpec", "vbr_token", "vbr_token"),
    ("vbr", "TokenModel", "access_token", "access_token"),
    ("vbr", "TokenModel", "refresh_token", "refresh_token"),
    ("vbr", "StandardCredentialsSpec", "password", "password"),
    ("vbr", "LinuxCredentialsSpec", "private_key", "privateKey"),
    ("vbr", "LinuxCredentialsSpec", "passphrase", "passphrase"),
    ("vbr", "LinuxCredentialsSpec", "password", "password"),
    ("vbr", "LinuxCredentialsSpec", "root_password", "rootPassword"),
    ("vbr", "CredentialsPasswordChangeSpec", "password", "password"),
    ("vbr", "PrivateKeyChangeSpec", "private_key", "privateKey"),
    ("vbr", "PrivateKeyChangeSpec", "passphrase", "passphrase"),
    ("vbr", "AmazonCloudCredentialsSpec", "access_key", "accessKey"),
    ("vbr", "AmazonCloudCredentialsSpec", "secret_key", "secretKey"),
    ("vbr", "AmazonCloudCredentialsModel", "access_key", "accessKey"),
    ("vbr", "GoogleCloudCredentialsSpec", "access_key", "accessKey"),
    ("vbr", "GoogleCloudCredentialsModel", "access_key", "accessKey"),
    ("vbr", "AzureStorageCloudCredentialsSpec", "shared_key", "sharedKey"),
    ("vbr", "GoogleCloudCredentialsSpec", "secret_key", "secretKey"),
    ("vbr", "AzureComputeCloudCredentialsSubscriptionModel", "secret", "secret"),
    ("vbr", "AzureComputeCloudCredentialsSubscriptionSpec", "secret", "secret"),
    ("vbr", "GoogleCloudServiceCredentialsExistingAccountSpec", "key_file", "keyFile"),
    ("vbr", "CertificateUploadSpec", "certificate", "certificate"),
    ("vbr", "CertificateUploadSpec", "password", "password"),
    ("vbr", "CloudCredentialsPasswordSpec", "new_secret_key", "newSecretKey"),
    ("vbr", "AzureComputeCloudNativeApplicationModel", "secret", "secret"),
    ("vbr", "EncryptionPasswordSpec", "password", "password"),
    ("vbr", "EncryptionPasswordChangeSpec", "password", "password"),
    ("vbr", "EncryptionPasswordVerifySpec", "password", "password"),
    // Secrets of the sections imported with spec-import (format: password by spec-curate).
    ("vbr", "AmazonCloudCredentialsImportSpec", "access_key", "accessKey"),
    ("vbr", "AmazonCloudCredentialsImportSpec", "secret_key", "secretKey"),
    ("vbr", "AzureStorageCloudCredentialsImportSpec", "shared_key", "sharedKey"),
    ("vbr", "ComputerRecoveryTokenModel", "recovery_token", "recoveryToken"),
    ("vbr", "CredentialsImportSpec", "password", "password"),
    ("vbr", "CredentialsLinuxSettingsImportModel", "passphrase", "passphrase"),
    ("vbr", "CredentialsLinuxSettingsImportModel", "private_key", "privateKey"),
    ("vbr", "CredentialsLinuxSettingsImportModel", "root_password", "rootPassword"),
    ("vbr", "DiskManagementVolumeUnlockRequest", "key_or_password", "keyOrPassword"),
    ("vbr", "EncryptionPasswordImportSpec", "password", "password"),
    ("vbr", "EntraIDTenantAuthenticationModel", "secret", "secret"),
    ("vbr", "EntraIDTenantAuthenticationSpec", "secret", "secret"),
    ("vbr", "EntraIdTenantItemRestoreSpec", "default_user_password", "defaultUserPassword"),
    ("vbr", "EntraIdTenantRestoreItemAttributesSpec", "default_user_password", "defaultUserPassword"),
    ("vbr", "EntraIdTenantRestoreUserPasswordSpec", "password", "password"),
    ("vbr", "GeneralOptionsGmailServerSettingsModel", "client_secret", "clientSecret"),
    ("vbr", "GoogleCloudCredentialsImportSpec", "access_key", "accessKey"),
    ("vbr", "GoogleCloudCredentialsImportSpec", "secret_key", "secretKey"),
    ("vbr", "NodeExporterBasicAuthModel", "password", "password"),
    ("em", "CredentialsInfoSpec", "password", "Password"),
    ("em", "CredentialsInfo", "password", "Password"),
    ("em", "CreateLogonSessionOutput", "x_rest_svc_session_id", "x_rest_svc_session_id"),
];

const MARK: &str = "S3CR3T-";

fn types_rs(module: &str) -> String {
    let path = format!("{}/../generated-client/src/{module}/types.rs", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The top-level `pub struct` and `pub enum` items of a generated file: name and body.
fn items(source: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = source.lines();
    while let Some(line) = lines.next() {
        let Some(rest) = line.strip_prefix("pub struct ").or_else(|| line.strip_prefix("pub enum ")) else { continue };
        if !line.ends_with('{') {
            continue;
        }
        let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        let body: Vec<&str> = lines.by_ref().take_while(|l| *l != "}").collect();
        out.push((name, body.join("\n")));
    }
    out
}

/// The secret fields of a struct body: (Rust field, wire name), from `pub NAME: TYPE` lines
/// whose type (which may span lines) is `Secret`, and the `rename` of their serde attribute.
fn secret_fields(body: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = body.lines().filter(|l| !l.trim_start().starts_with("///")).collect();
    let mut out = Vec::new();
    let mut attrs = String::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let Some(decl) = line.strip_prefix("    pub ") else {
            attrs.push_str(line);
            i += 1;
            continue;
        };
        let (name, ty) = decl.split_once(':').unwrap();
        let mut ty = ty.to_owned();
        // A long type continues on deeper-indented lines and a closing `>,`.
        while i + 1 < lines.len() && (lines[i + 1].starts_with("        ") || lines[i + 1].starts_with("    >")) {
            i += 1;
            ty.push_str(lines[i].trim());
        }
        if ty.contains("runtime::Secret") {
            let name = name.trim_start_matches("r#").to_owned();
            let wire = attrs
                .split("rename = \"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .map(str::to_owned)
                .unwrap_or_else(|| name.clone());
            out.push((name, wire));
        }
        attrs.clear();
        i += 1;
    }
    out
}

/// `source` without its inherent impls (`impl Type { .. }`: a struct's `new` and setters, a
/// status type's `wait`), whose signatures name the type of each field they set.
fn declarations(source: &str) -> String {
    let mut out = String::new();
    let mut inherent = false;
    for line in source.lines() {
        // Inherent impls (builders) and the functions that write a property only some API
        // revisions have (`fn __Type_field_in_revision`) repeat the fields' types.
        let writer = line.starts_with("fn __") && line.contains("_in_revision");
        if (line.starts_with("impl ") && line.ends_with(" {") && !line.contains(" for ")) || writer {
            inherent = true;
        } else if inherent && line == "}" {
            inherent = false;
        } else if !inherent {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[test]
fn secret_fields_match_the_generated_code() {
    for module in ["vbr", "em"] {
        let source = types_rs(module);
        let mut scanned = BTreeSet::new();
        for (name, body) in items(&source) {
            for (field, wire) in secret_fields(&body) {
                scanned.insert((name.clone(), field, wire));
            }
        }
        let listed: BTreeSet<(String, String, String)> = SECRET_FIELDS
            .iter()
            .filter(|f| f.0 == module)
            .map(|(_, t, f, w)| (t.to_string(), f.to_string(), w.to_string()))
            .collect();
        assert_eq!(
            listed, scanned,
            "{module}: SECRET_FIELDS must list exactly the `Secret` fields of the generated types"
        );
        // Every mention of the type is one of those fields: a secret in an alias, a tuple
        // variant or a collection would show up here.
        assert_eq!(
            declarations(&source).matches("runtime::Secret").count(),
            listed.len(),
            "{module}: a `Secret` outside the fields scanned"
        );
    }
    assert_eq!(SECRET_FIELDS.len(), 56);
}

/// Types that hold a secret, directly or through a field or variant of another such type.
fn secret_holders(module: &str) -> BTreeSet<String> {
    let items = items(&types_rs(module));
    let names: BTreeSet<&str> = items.iter().map(|(n, _)| n.as_str()).collect();
    let refs = |body: &str| -> BTreeSet<String> {
        body.lines()
            .filter(|l| !l.trim_start().starts_with("///"))
            .flat_map(|l| l.split(|c: char| !c.is_alphanumeric() && c != '_'))
            .filter(|w| names.contains(w))
            .map(str::to_owned)
            .collect()
    };
    let mut holders: BTreeSet<String> =
        items.iter().filter(|(_, b)| b.contains("runtime::Secret")).map(|(n, _)| n.clone()).collect();
    loop {
        let more: Vec<String> = items
            .iter()
            .filter(|(n, b)| !holders.contains(n) && refs(b).iter().any(|r| holders.contains(r)))
            .map(|(n, _)| n.clone())
            .collect();
        if more.is_empty() {
            return holders;
        }
        holders.extend(more);
    }
}

fn secret(module: &str, ty: &str, field: &str) -> String {
    format!("{MARK}{module}.{ty}.{field}")
}

/// `base` with every secret field of `ty` set to its known secret.
fn filled(module: &str, ty: &str, mut base: Value) -> Value {
    let mut n = 0;
    for (m, t, f, wire) in SECRET_FIELDS {
        if *m == module && *t == ty {
            base[*wire] = json!(secret(m, t, f));
            n += 1;
        }
    }
    assert!(n > 0, "{module}::{ty} has no secret fields");
    base
}

fn marks_in(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) if s.starts_with(MARK) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| marks_in(v, out)),
        Value::Object(map) => map.values().for_each(|v| marks_in(v, out)),
        _ => {}
    }
}

fn assert_redacted(label: &str, value: &impl Debug) {
    for text in [format!("{value:?}"), format!("{value:#?}")] {
        assert!(!text.contains(MARK), "{label} shows a secret: {text}");
    }
}

/// Builds a `T` from JSON holding known secrets, checks each secret is in the model (it is
/// serialized back out, as it must be to reach the server) and absent from its `Debug`.
fn check<T: Debug + Serialize + DeserializeOwned>(covered: &mut BTreeSet<String>, label: &str, json: Value) -> T {
    let mut secrets = Vec::new();
    marks_in(&json, &mut secrets);
    assert!(!secrets.is_empty(), "{label}: the test value holds no secret");
    let value: T = serde_json::from_value(json).unwrap_or_else(|e| panic!("{label}: {e}"));
    let wire = serde_json::to_string(&value).unwrap();
    for s in &secrets {
        assert!(wire.contains(s.as_str()), "{label}: {s} did not make it into the model");
    }
    assert_redacted(label, &value);
    covered.insert(label.to_owned());
    value
}

#[test]
fn no_model_shows_a_secret_in_debug() {
    use vbr::types as t;
    let mut covered = BTreeSet::new();
    let c = &mut covered;
    let v = |ty: &str, base: Value| filled("vbr", ty, base);

    check::<t::TokenLoginSpec>(
        c,
        "TokenLoginSpec",
        v("TokenLoginSpec", json!({"grant_type": "password", "username": "admin"})),
    );
    let token = json!({"token_type": "bearer", "expires_in": 900, ".issued": "2024-01-01T00:00:00Z", ".expires": "2024-01-01T00:15:00Z"});
    check::<t::TokenModel>(c, "TokenModel", v("TokenModel", token));

    let standard = v("StandardCredentialsSpec", json!({"type": "Standard", "username": "u"}));
    check::<t::StandardCredentialsSpec>(c, "StandardCredentialsSpec", standard.clone());
    let linux = v("LinuxCredentialsSpec", json!({"type": "Linux", "username": "root", "authenticationType": "SshKey"}));
    check::<t::LinuxCredentialsSpec>(c, "LinuxCredentialsSpec", linux.clone());
    check::<t::CredentialsSpec>(c, "CredentialsSpec", standard);
    check::<t::CredentialsSpec>(c, "CredentialsSpec", linux);
    check::<t::CredentialsPasswordChangeSpec>(
        c,
        "CredentialsPasswordChangeSpec",
        v("CredentialsPasswordChangeSpec", json!({})),
    );
    check::<t::PrivateKeyChangeSpec>(c, "PrivateKeyChangeSpec", v("PrivateKeyChangeSpec", json!({})));

    let amazon = v("AmazonCloudCredentialsSpec", json!({"type": "Amazon"}));
    let azure_storage = v("AzureStorageCloudCredentialsSpec", json!({"type": "AzureStorage", "account": "acct"}));
    let google = v("GoogleCloudCredentialsSpec", json!({"type": "Google"}));
    let key_file = v("GoogleCloudServiceCredentialsExistingAccountSpec", json!({}));
    let google_service = json!({"type": "GoogleService", "existingAccount": key_file});
    let certificate = v("CertificateUploadSpec", json!({"formatType": "pfx"}));
    let subscription_spec = v(
        "AzureComputeCloudCredentialsSubscriptionSpec",
        json!({"tenantId": "t", "applicationId": "a", "certificate": certificate}),
    );
    let existing = json!({"deployment": {"deploymentType": "MicrosoftAzure"}, "subscription": subscription_spec});
    let azure_compute = json!({"type": "AzureCompute", "connectionName": "c", "creationMode": "ExistingAccount", "existingAccount": existing});
    check::<t::AmazonCloudCredentialsSpec>(c, "AmazonCloudCredentialsSpec", amazon.clone());
    check::<t::AzureStorageCloudCredentialsSpec>(c, "AzureStorageCloudCredentialsSpec", azure_storage.clone());
    check::<t::GoogleCloudCredentialsSpec>(c, "GoogleCloudCredentialsSpec", google.clone());
    check::<t::GoogleCloudServiceCredentialsExistingAccountSpec>(
        c,
        "GoogleCloudServiceCredentialsExistingAccountSpec",
        key_file,
    );
    check::<t::GoogleCloudServiceCredentialsSpec>(c, "GoogleCloudServiceCredentialsSpec", google_service.clone());
    check::<t::CertificateUploadSpec>(c, "CertificateUploadSpec", certificate.clone());
    check::<t::AzureComputeCloudCredentialsSubscriptionSpec>(
        c,
        "AzureComputeCloudCredentialsSubscriptionSpec",
        subscription_spec,
    );
    check::<t::AzureComputeCredentialsExistingAccountSpec>(c, "AzureComputeCredentialsExistingAccountSpec", existing);
    check::<t::AzureComputeCloudCredentialsSpec>(c, "AzureComputeCloudCredentialsSpec", azure_compute.clone());
    for spec in [amazon, azure_storage, google, google_service, azure_compute] {
        check::<t::CloudCredentialsSpec>(c, "CloudCredentialsSpec", spec);
    }
    check::<t::CloudCredentialsPasswordSpec>(
        c,
        "CloudCredentialsPasswordSpec",
        v("CloudCredentialsPasswordSpec", json!({})),
    );

    let subscription_model = v(
        "AzureComputeCloudCredentialsSubscriptionModel",
        json!({"tenantId": "t", "applicationId": "a", "subscriptions": []}),
    );
    check::<t::AzureComputeCloudCredentialsSubscriptionModel>(
        c,
        "AzureComputeCloudCredentialsSubscriptionModel",
        subscription_model.clone(),
    );
    let compute_model = json!({
        "type": "AzureCompute", "id": uuid::Uuid::nil(), "connectionName": "c",
        "deployment": {"deploymentType": "MicrosoftAzureStack", "region": "Global"}, "subscription": subscription_model,
    });
    check::<t::AzureComputeCloudCredentialsModel>(c, "AzureComputeCloudCredentialsModel", compute_model.clone());
    let model: t::CloudCredentialsModel = check(c, "CloudCredentialsModel", compute_model.clone());
    check::<t::CloudCredentialsResult>(
        c,
        "CloudCredentialsResult",
        json!({"data": [compute_model], "pagination": {"total": 1, "count": 1}}),
    );
    assert_redacted("ChangeCloudCertificateResponse", &t::ChangeCloudCertificateResponse::Ok(model));
    c.insert("ChangeCloudCertificateResponse".into());

    for (ty, kind) in [("AmazonCloudCredentialsModel", "Amazon"), ("GoogleCloudCredentialsModel", "Google")] {
        let record = v(ty, json!({"type": kind, "id": uuid::Uuid::nil()}));
        if kind == "Amazon" {
            check::<t::AmazonCloudCredentialsModel>(c, ty, record.clone());
        } else {
            check::<t::GoogleCloudCredentialsModel>(c, ty, record.clone());
        }
        check::<t::CloudCredentialsModel>(c, "CloudCredentialsModel", record);
    }

    let app = v(
        "AzureComputeCloudNativeApplicationModel",
        json!({"type": "AzureCompute", "applicationId": "a", "tenantId": "t"}),
    );
    check::<t::AzureComputeCloudNativeApplicationModel>(c, "AzureComputeCloudNativeApplicationModel", app.clone());
    check::<t::CloudNativeApplicationModel>(c, "CloudNativeApplicationModel", app);

    check::<t::EncryptionPasswordSpec>(c, "EncryptionPasswordSpec", v("EncryptionPasswordSpec", json!({"hint": "h"})));
    check::<t::EncryptionPasswordChangeSpec>(
        c,
        "EncryptionPasswordChangeSpec",
        v("EncryptionPasswordChangeSpec", json!({"hint": "h"})),
    );
    check::<t::EncryptionPasswordVerifySpec>(
        c,
        "EncryptionPasswordVerifySpec",
        v("EncryptionPasswordVerifySpec", json!({})),
    );

    let kms = json!({"type": "KMS", "name": "kms", "port": 5696, "serverCertificate": certificate, "clientCertificate": certificate});
    check::<t::CommonKeyManagementServerSpec>(c, "CommonKeyManagementServerSpec", kms.clone());
    check::<t::KeyManagementServerBaseSpec>(c, "KeyManagementServerBaseSpec", kms);
    check::<t::KMSServerChangeCertificateSpec>(
        c,
        "KMSServerChangeCertificateSpec",
        json!({"certificate": certificate, "type": "Server"}),
    );

    // A union member this client does not know may hold secrets it cannot recognise.
    let unknown = json!({"type": "Passkey", "username": "u", "blob": format!("{MARK}unknown-variant")});
    let unknown: t::CredentialsSpec = serde_json::from_value(unknown).unwrap();
    assert!(matches!(unknown, t::CredentialsSpec::UnknownVariant(_)));
    assert_redacted("UnknownVariant", &unknown);

    // The holders formatted above are those of the hand-curated sections. A holder of the
    // imported sections is covered by construction: it derives `Debug` (no generated type
    // writes its own), so each field formats as its type does, and a secret field is a
    // `Secret` (`secret_fields_match_the_generated_code`), which prints redacted.
    let holders = secret_holders("vbr");
    assert!(covered.iter().all(|c| holders.contains(c) || c == "UnknownVariant"), "{covered:?}");
    assert!(holders.len() > covered.len(), "{holders:?}");
    let source = types_rs("vbr");
    let own_debug: Vec<&String> = holders.iter().filter(|h| source.contains(&format!("Debug for {h} "))).collect();
    assert!(own_debug.is_empty(), "holders with a Debug of their own must be formatted here: {own_debug:?}");
    for h in &holders {
        let at = source.find(&format!("pub struct {h} ")).or_else(|| source.find(&format!("pub enum {h} ")));
        let head = &source[source[..at.unwrap_or_else(|| panic!("{h} is declared"))].rfind("#[derive(").unwrap()..];
        assert!(head[..head.find(")]").unwrap()].contains("Debug"), "{h} derives Debug");
    }

    let mut em_covered = BTreeSet::new();
    check::<em::types::CredentialsInfoSpec>(
        &mut em_covered,
        "CredentialsInfoSpec",
        filled("em", "CredentialsInfoSpec", json!({"Username": "u"})),
    );
    check::<em::types::CredentialsInfo>(
        &mut em_covered,
        "CredentialsInfo",
        filled("em", "CredentialsInfo", json!({"Username": "u"})),
    );
    // An operation's output (status, body, declared headers) is built, not deserialized.
    let output = em::types::CreateLogonSessionOutput {
        status: 201,
        body: em::types::LogonSession::default(),
        x_rest_svc_session_id: Secret::from(secret("em", "CreateLogonSessionOutput", "x_rest_svc_session_id")),
    };
    assert_eq!(
        output.x_rest_svc_session_id.expose(),
        secret("em", "CreateLogonSessionOutput", "x_rest_svc_session_id")
    );
    assert_redacted("CreateLogonSessionOutput", &output);
    em_covered.insert("CreateLogonSessionOutput".to_owned());
    assert_eq!(em_covered, secret_holders("em"));
}

#[test]
fn the_secret_type_redacts_itself() {
    let s = Secret::from("hunter2");
    assert_eq!(format!("{s:?} {s} {s:#?}"), "Secret(***) *** Secret(***)");
    assert_eq!(s.expose(), "hunter2");
}

fn collect(errors: &mut Vec<String>, result: Result<impl Debug, vbr::Error>) {
    if let Err(e) = result {
        errors.push(format!("{e}"));
        errors.push(format!("{e:?}"));
        errors.push(format!("{e:#?}"));
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            errors.push(s.to_string());
            source = s.source();
        }
    }
}

/// A session that goes through every path that handles a token or password — login,
/// proactive refresh, a refused refresh and the password fallback, a 401 and re-login, a
/// refused login, a token endpoint that echoes the password, secrets in request bodies,
/// errors, logout — traced at every level. No token or password appears in the trace, in
/// any error, or in the client's `Debug`.
#[tokio::test]
async fn tokens_and_passwords_never_reach_logs_or_errors() {
    let server = FakeVbr::with_config(Config { token_lifetime: Duration::from_secs(2), ..Config::default() });
    let (capture, _guard) = Capture::install();
    let user = server.config().username.clone();
    let password = server.config().password.clone();
    let retry = RetryPolicy {
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        ..RetryPolicy::default()
    };
    let client = vbr::Client::builder(server.url()).retry(retry).build().unwrap();
    let mut errors = Vec::new();

    collect(&mut errors, client.login(&user, Secret::from("Wr0ng-Guess!")).await);
    collect(&mut errors, client.login(&user, Secret::from(password.as_str())).await);
    let spec = vbr::types::CredentialsSpec::Standard(vbr::types::StandardCredentialsSpec::new(
        "svc",
        vbr::types::ECredentialsType::Standard,
        Secret::from("Cr3ds-P@ssw0rd"),
    ));
    let created = client.create_creds(&spec).await.unwrap();
    let id = match &created {
        vbr::types::CredentialsModel::Standard(c) => c.id,
        other => panic!("{other:?}"),
    };
    let change = vbr::types::CredentialsPasswordChangeSpec::new(Secret::from("Ch@nged-P@ss"));
    collect(&mut errors, client.change_password_for_creds(id, &change).await);

    // Proactive refresh after half the token's life. While the token is still valid the
    // refresh runs beside the call: wait for it to land before spending refresh tokens.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let refreshed = server.refresh_grants();
    collect(&mut errors, client.get_creds(id).await);
    let started = std::time::Instant::now();
    while server.refresh_grants() == refreshed && started.elapsed() < Duration::from_secs(3) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    // A spent refresh token, then the password grant (beside the call, as above).
    server.spend_refresh_tokens();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let logins = server.password_grants();
    collect(&mut errors, client.get_creds(id).await);
    let started = std::time::Instant::now();
    while server.password_grants() == logins && started.elapsed() < Duration::from_secs(3) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    // A 401 ExpiredToken, then a refresh.
    server.expire_access_tokens();
    collect(
        &mut errors,
        client
            .get_all_creds_stream(Default::default())
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .find(Result::is_err)
            .unwrap_or(Ok(created)),
    );
    // Errors of every kind.
    server.inject(
        "GET",
        &format!("/api/v1/credentials/{id}"),
        // Every attempt: a proxy's 502 is retried.
        5,
        Canned::status(502).body_with("text/html", "<h1>proxy</h1>"),
    );
    collect(&mut errors, client.get_creds(id).await);
    server.inject(
        "GET",
        &format!("/api/v1/credentials/{id}"),
        5,
        Canned::veeam_error(503, "ServiceUnavailable", "busy"),
    );
    collect(&mut errors, client.get_creds(id).await);
    collect(&mut errors, client.get_creds(uuid::Uuid::new_v4()).await);
    // A token endpoint that echoes what it was sent.
    server.inject(
        "POST",
        "/api/oauth2/token",
        1,
        Canned::status(400).body_with("text/plain", format!("bad grant: password={password}")),
    );
    collect(&mut errors, client.login(&user, Secret::from(password.as_str())).await);
    assert!(errors.iter().any(|e| e.contains("bad grant: password=***")), "{errors:#?}");
    collect(&mut errors, client.logout().await);
    let client_debug = format!("{client:?} {:?}", client.core());
    client.forget_tokens();
    collect(&mut errors, client.get_creds(id).await);

    assert!(server.refresh_grants() >= 2 && server.refused_grants() >= 2, "the session took every path");
    assert!(capture.spans("request").len() > 10 && capture.spans("token").len() >= 5);
    assert!(capture.event_count() > 0, "retries and re-logins were logged");
    let trace = capture.text();
    let secrets = server.secrets();
    assert!(secrets.len() >= 10, "{secrets:?}");
    for s in secrets.iter().chain([&"Wr0ng-Guess!".to_owned()]) {
        assert!(!trace.contains(s.as_str()), "the trace shows {s}:\n{trace}");
        assert!(!client_debug.contains(s.as_str()), "the client's Debug shows {s}");
        for e in &errors {
            assert!(!e.contains(s.as_str()), "an error shows {s}: {e}");
        }
    }
    // The trace still says what happened.
    assert!(trace.contains("grant: \"refresh_token\"") || trace.contains("\"grant\": \"refresh_token\""), "{trace}");
}
