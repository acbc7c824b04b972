//! Every operation of the checked-in VBR and EM clients is called here, with argument and
//! result types written out, inside `async fn`s that are never run: compiling this file
//! type-checks each method's signature (the approach of progenitor's `tests/build_nexus.rs`).
//! A signature that changes by accident breaks the build here.
//!
//! The tests check that the lists are complete: every operation of `spec/em.yaml`, and of
//! the hand-curated sections of the VBR spec (Login, Credentials, Encryption, Sessions), has
//! exactly one call, under the method name the generator gives it, so an operation added to
//! them without a call here fails. The other 475 VBR operations, imported with
//! `cargo xtask spec-import`, are called by the spec-driven every-operation tests instead,
//! and `cargo xtask spec-diff` reports any change of their signatures.

use std::collections::BTreeMap;

use futures::StreamExt;
use uuid::Uuid;
use veeam_client::runtime::Secret;
use veeam_client::{em, vbr};

/// A value of any type, for arguments that are tedious to build: the calls are
/// type-checked, never run.
fn any<T>() -> T {
    unreachable!("the calls in this file are type-checked, never run")
}

/// Writes the never-run `async fn` with one call per operation, and a list of (operationId,
/// method name) for the completeness tests.
macro_rules! calls {
    (
        $(#[$meta:meta])*
        async fn $f:ident($client:ident: &$cty:ty) -> Result<(), $err:ty>;
        const $list:ident;
        $( $id:literal => $method:ident( $($arg:expr),* $(,)? ) -> $ret:ty; )*
    ) => {
        const $list: &[(&str, &str)] = &[ $( ($id, stringify!($method)) ),* ];

        $(#[$meta])*
        #[allow(dead_code)]
        async fn $f($client: &$cty) -> ::std::result::Result<(), $err> {
            $( let _: $ret = $client.$method($($arg),*).await?; )*
            Ok(())
        }
    };
}

calls! {
    /// Every operation of the hand-curated VBR sections (CreateAuthorizationCode is one
    /// Veeam removed in 1.3-rev2, so deprecated).
    #[allow(deprecated)]
    async fn vbr_calls(c: &vbr::Client) -> Result<(), vbr::Error>;
    const VBR_CALLS;
    "CreateToken" => create_token(&any::<vbr::types::TokenLoginSpec>()) -> vbr::types::TokenModel;
    "Logout" => logout() -> vbr::types::EmptySuccessResponse;
    "CreateAuthorizationCode" => create_authorization_code() -> vbr::types::AuthorizationCodeModel;
    "GetAllCreds" => get_all_creds(&vbr::types::GetAllCredsParams::new().with_limit(50)) -> vbr::types::CredentialsResult;
    "CreateCreds" => create_creds(&any::<vbr::types::CredentialsSpec>()) -> vbr::types::CredentialsModel;
    "GetCreds" => get_creds(Uuid::nil()) -> vbr::types::CredentialsModel;
    "UpdateCreds" => update_creds(Uuid::nil(), &any::<vbr::types::CredentialsModel>()) -> vbr::types::CredentialsModel;
    "DeleteCreds" => delete_creds(Uuid::nil()) -> ();
    "ChangePasswordForCreds" => change_password_for_creds(Uuid::nil(), &any::<vbr::types::CredentialsPasswordChangeSpec>()) -> vbr::types::EmptySuccessResponse;
    "ChangePrivateKeyForCreds" => change_private_key_for_creds(Uuid::nil(), &any::<vbr::types::PrivateKeyChangeSpec>()) -> vbr::types::EmptySuccessResponse;
    "ChangeRootPasswordForCreds" => change_root_password_for_creds(Uuid::nil(), &any::<vbr::types::CredentialsPasswordChangeSpec>()) -> vbr::types::EmptySuccessResponse;
    "GetAllCloudCreds" => get_all_cloud_creds(&vbr::types::GetAllCloudCredsParams::new().with_limit(50)) -> vbr::types::CloudCredentialsResult;
    "CreateCloudCreds" => create_cloud_creds(&any::<vbr::types::CloudCredentialsSpec>()) -> vbr::types::CloudCredentialsModel;
    "RequestAppRegistrationByDeviceCode" => request_app_registration_by_device_code(&any::<vbr::types::CloudDeviceCodeSpec>()) -> vbr::types::CloudDeviceCodeModel;
    "FinishAppRegistrationByDeviceCode" => finish_app_registration_by_device_code("verification-code") -> vbr::types::CloudNativeApplicationModel;
    "RequestAuthentication" => request_authentication() -> vbr::types::GoogleCloudComputeVerificationCodeModel;
    "GetCloudCreds" => get_cloud_creds(Uuid::nil()) -> vbr::types::CloudCredentialsModel;
    "UpdateCloudCreds" => update_cloud_creds(Uuid::nil(), &any::<vbr::types::CloudCredentialsModel>()) -> vbr::types::CloudCredentialsModel;
    "DeleteCloudCreds" => delete_cloud_creds(Uuid::nil()) -> ();
    "ChangeCloudCredsSecretKey" => change_cloud_creds_secret_key(Uuid::nil(), &any::<vbr::types::CloudCredentialsPasswordSpec>()) -> vbr::types::CloudCredentialsModel;
    "ChangeAccount" => change_account(Uuid::nil(), &any::<vbr::types::GoogleCloudServiceCredentialsExistingAccountSpec>()) -> vbr::types::EmptySuccessResponse;
    "ChangeCloudCertificate" => change_cloud_certificate(Uuid::nil(), &any::<vbr::types::CertificateUploadSpec>()) -> vbr::types::ChangeCloudCertificateResponse;
    "GetAllCredsHelperAppliances" => get_all_creds_helper_appliances(
        Uuid::nil(),
        &vbr::types::GetAllCredsHelperAppliancesParams::new().with_limit(50),
    ) -> vbr::types::CloudHelperApplianceResult;
    "CreateCloudCredsHelperAppliance" => create_cloud_creds_helper_appliance(Uuid::nil(), &any::<vbr::types::CloudHelperApplianceSpec>()) -> vbr::types::SessionModel;
    "GetCloudCredsHelperAppliance" => get_cloud_creds_helper_appliance(Uuid::nil(), Uuid::nil()) -> vbr::types::CloudHelperApplianceModel;
    "DeleteCloudCredsHelperApplianceAsync" => delete_cloud_creds_helper_appliance_async(Uuid::nil(), Uuid::nil()) -> vbr::types::SessionModel;
    "GetAllEncryptionPasswords" => get_all_encryption_passwords(&vbr::types::GetAllEncryptionPasswordsParams::new().with_limit(50)) -> vbr::types::EncryptionPasswordsResult;
    "CreateEncryptionPassword" => create_encryption_password(&any::<vbr::types::EncryptionPasswordSpec>()) -> vbr::types::EncryptionPasswordModel;
    "GetEncryptionPassword" => get_encryption_password(Uuid::nil()) -> vbr::types::EncryptionPasswordModel;
    "UpdateEncryptionPassword" => update_encryption_password(Uuid::nil(), &any::<vbr::types::EncryptionPasswordModel>()) -> vbr::types::EncryptionPasswordModel;
    "DeleteEncryptionPassword" => delete_encryption_password(Uuid::nil()) -> ();
    "ChangeEncryptionPassword" => change_encryption_password(Uuid::nil(), &any::<vbr::types::EncryptionPasswordChangeSpec>()) -> vbr::types::EmptySuccessResponse;
    "VerifyEncryptionPassword" => verify_encryption_password(Uuid::nil(), &any::<vbr::types::EncryptionPasswordVerifySpec>()) -> vbr::types::EncryptionPasswordVerifyResult;
    "GetAllKMSServers" => get_all_kms_servers(&vbr::types::GetAllKMSServersParams::new().with_limit(50)) -> vbr::types::KeyManagementServersResult;
    "CreateKMSServer" => create_kms_server(&any::<vbr::types::KeyManagementServerBaseSpec>()) -> vbr::types::KeyManagementServerBaseModel;
    "GetKMSServer" => get_kms_server(Uuid::nil()) -> vbr::types::KeyManagementServerBaseModel;
    "UpdateKMSServer" => update_kms_server(Uuid::nil(), &any::<vbr::types::KeyManagementServerBaseModel>()) -> vbr::types::KeyManagementServerBaseModel;
    "DeleteKMSServer" => delete_kms_server(Uuid::nil()) -> ();
    "ChangeKMServerCertificate" => change_km_server_certificate(Uuid::nil(), &any::<vbr::types::KMSServerChangeCertificateSpec>()) -> ();
    "GetAllSessions" => get_all_sessions(&vbr::types::GetAllSessionsParams::new().with_limit(50)) -> vbr::types::SessionsResult;
    "GetSession" => get_session(Uuid::nil()) -> vbr::types::SessionModel;
    "GetSessionLogs" => get_session_logs(Uuid::nil(), &vbr::types::GetSessionLogsParams::default()) -> vbr::types::SessionLogResult;
    "StopSession" => stop_session(Uuid::nil()) -> vbr::types::EmptySuccessResponse;
    "GetSessionTaskSessionsWithFiltering" => get_session_task_sessions_with_filtering(
        Uuid::nil(),
        &vbr::types::GetSessionTaskSessionsWithFilteringParams::new().with_limit(50),
    ) -> vbr::types::TaskSessionsResult;
    "GetAllTaskSessions" => get_all_task_sessions(&vbr::types::GetAllTaskSessionsParams::new().with_limit(50)) -> vbr::types::TaskSessionsResult;
    "GetTaskSession" => get_task_session(Uuid::nil()) -> vbr::types::TaskSessionModel;
    "GetTaskSessionLogs" => get_task_session_logs(Uuid::nil(), &vbr::types::GetTaskSessionLogsParams::default()) -> vbr::types::SessionLogResult;
}

calls! {
    /// Every Enterprise Manager operation.
    async fn em_calls(c: &em::Client) -> Result<(), em::Error>;
    const EM_CALLS;
    "CreateLogonSession" => create_logon_session("latest") -> em::types::CreateLogonSessionOutput;
    "DeleteLogonSession" => delete_logon_session(Uuid::nil()) -> ();
    "CreateCredentials" => create_credentials(Uuid::nil(), &em::types::CreateCredentialsAction::Create, &any::<em::types::CredentialsInfoSpec>()) -> ();
    "EditCredentials" => edit_credentials(Uuid::nil(), Uuid::nil(), &any::<em::types::CredentialsInfo>()) -> ();
    "EditPasswordHint" => edit_password_hint(Uuid::nil(), Uuid::nil(), &any::<em::types::PasswordKeyInfoSpec>()) -> ();
}

/// The paging streams `x-pagination` adds, and the helpers that are not operations: their
/// signatures are public API too.
#[allow(dead_code)]
async fn helper_calls(v: &vbr::Client, e: &em::Client) -> Result<(), Box<dyn std::error::Error>> {
    let _: vbr::Client = vbr::Client::builder("https://vbr.example.com:9419").build()?;
    let _: em::Client = em::Client::builder("https://em.example.com:9398/api").build()?;
    v.login("administrator", Secret::from("password")).await?;
    v.forget_tokens();
    e.set_basic_auth("DOMAIN\\user", Secret::from("password"));
    e.set_session_id(Secret::from("session"));
    let _: em::Client = e.with_format(veeam_client::runtime::Format::Json);

    let mut creds = Box::pin(v.get_all_creds_stream(vbr::types::GetAllCredsParams::default()));
    let _: Option<Result<vbr::types::CredentialsModel, vbr::Error>> = creds.next().await;
    let mut cloud = Box::pin(v.get_all_cloud_creds_stream(Default::default()));
    let _: Option<Result<vbr::types::CloudCredentialsModel, vbr::Error>> = cloud.next().await;
    let mut appliances = Box::pin(v.get_all_creds_helper_appliances_stream(Uuid::nil(), Default::default()));
    let _: Option<Result<vbr::types::CloudHelperApplianceModel, vbr::Error>> = appliances.next().await;
    let mut passwords = Box::pin(v.get_all_encryption_passwords_stream(Default::default()));
    let _: Option<Result<vbr::types::EncryptionPasswordModel, vbr::Error>> = passwords.next().await;
    let mut kms = Box::pin(v.get_all_kms_servers_stream(Default::default()));
    let _: Option<Result<vbr::types::KeyManagementServerBaseModel, vbr::Error>> = kms.next().await;
    let mut sessions = Box::pin(v.get_all_sessions_stream(Default::default()));
    let _: Option<Result<vbr::types::SessionModel, vbr::Error>> = sessions.next().await;
    let mut tasks_of_session =
        Box::pin(v.get_session_task_sessions_with_filtering_stream(Uuid::nil(), Default::default()));
    let _: Option<Result<vbr::types::TaskSessionModel, vbr::Error>> = tasks_of_session.next().await;
    let mut tasks = Box::pin(v.get_all_task_sessions_stream(Default::default()));
    let _: Option<Result<vbr::types::TaskSessionModel, vbr::Error>> = tasks.next().await;
    Ok(())
}

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// operationId → method name (snake_case of the operationId; curated specs deny renames) of
/// every operation in a spec, read with serde_yaml independently of the generator.
fn spec_operations(spec: &str, tags: Option<&[&str]>) -> BTreeMap<String, String> {
    let doc = crate::support::project::joined_spec(spec);
    let mut out = BTreeMap::new();
    let mut count = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            let Some(op) = item.get(*method) else { continue };
            let tag = op["tags"][0].as_str().unwrap_or_default();
            if tags.is_some_and(|tags| !tags.contains(&tag)) {
                continue;
            }
            count += 1;
            let id =
                op["operationId"].as_str().unwrap_or_else(|| panic!("{spec}: {method} {path:?} has no operationId"));
            out.insert(id.to_owned(), generator::naming::snake_ident(id));
        }
    }
    assert_eq!(out.len(), count, "{spec} repeats an operationId");
    out
}

fn check(spec: &str, tags: Option<&[&str]>, calls: &[(&str, &str)]) {
    let in_spec = spec_operations(spec, tags);
    let mut listed = BTreeMap::new();
    for (id, method) in calls {
        assert!(listed.insert(id.to_string(), method.to_string()).is_none(), "{id} is called twice in this file");
    }
    assert_eq!(
        calls.len(),
        in_spec.len(),
        "{spec} has {} operations but this file calls {}; missing: {:?}; not in the spec: {:?}",
        in_spec.len(),
        calls.len(),
        in_spec.keys().filter(|k| !listed.contains_key(*k)).collect::<Vec<_>>(),
        listed.keys().filter(|k| !in_spec.contains_key(*k)).collect::<Vec<_>>()
    );
    // Each call uses the method the operation generates.
    assert_eq!(listed, in_spec);
}

#[test]
fn every_operation_of_the_hand_curated_vbr_sections_is_called() {
    check("spec/vbr/openapi.yaml", Some(&["Login", "Credentials", "Encryption", "Sessions"]), VBR_CALLS);
}

#[test]
fn every_em_operation_is_called() {
    check("spec/em.yaml", None, EM_CALLS);
}
