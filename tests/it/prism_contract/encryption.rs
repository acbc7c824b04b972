//! Tag `Encryption`: encryption passwords and KMS servers.

use chrono::Utc;
use uuid::Uuid;
use veeam_client::runtime::Secret;
use veeam_client::vbr::{self, types::*};

use super::run::Run;
use super::{certificate, static_page};

/// The tag in `spec/vbr.yaml`.
pub(super) const TAG: &str = "Encryption";

/// Calls every operation of the tag.
pub(super) async fn call_all(client: &vbr::Client, run: &mut Run<'_>) {
    run.tag(TAG);
    encryption_passwords(client, run).await;
    kms_servers(client, run).await;
}

/// Encryption passwords: list (and stream), create, read, update, delete, change, verify.
async fn encryption_passwords(client: &vbr::Client, run: &mut Run<'_>) {
    let id = Uuid::new_v4;
    let now = Utc::now();
    let all_passwords = GetAllEncryptionPasswordsParams::new()
        .with_skip(0)
        .with_limit(200)
        .with_order_column(EEncryptionPasswordsFiltersOrderColumn::ModificationTime)
        .with_order_asc(true)
        .with_hint_filter("*pet*");
    run.call("GetAllEncryptionPasswords", "every filter", client.get_all_encryption_passwords(&all_passwords)).await;
    run.call(
        "GetAllEncryptionPasswords",
        "[stream]",
        static_page(client.get_all_encryption_passwords_stream(all_passwords.clone())),
    )
    .await;
    let password = EncryptionPasswordSpec::new(Secret::from("passsw3wrsdf2d44"), "Pet name")
        .with_unique_id("vcenter01")
        .with_is_imported(false);
    run.call_body("CreateEncryptionPassword", "", &password, client.create_encryption_password(&password)).await;
    run.call("GetEncryptionPassword", "", client.get_encryption_password(id())).await;
    let password_id = id();
    let hint = EncryptionPasswordModel::new(password_id, "First pet's name")
        .with_modification_time(now)
        .with_unique_id("vcenter01")
        .with_is_imported(true);
    run.call_body("UpdateEncryptionPassword", "", &hint, client.update_encryption_password(password_id, &hint)).await;
    run.call("DeleteEncryptionPassword", "", client.delete_encryption_password(id())).await;
    let change = EncryptionPasswordChangeSpec::new("Pet name", Secret::from("n3w-passsw3wrd"));
    run.call_body("ChangeEncryptionPassword", "", &change, client.change_encryption_password(id(), &change)).await;
    let verify = EncryptionPasswordVerifySpec::new(Secret::from("passsw3wrsdf2d44"));
    run.call_body("VerifyEncryptionPassword", "", &verify, client.verify_encryption_password(id(), &verify)).await;
}

/// KMS servers: list (and stream), create, read, update, delete, change a certificate.
async fn kms_servers(client: &vbr::Client, run: &mut Run<'_>) {
    let id = Uuid::new_v4;
    let all_kms = GetAllKMSServersParams::new()
        .with_skip(0)
        .with_limit(50)
        .with_order_column(EKMSFiltersOrderColumn::Name)
        .with_order_asc(true)
        .with_name_filter("kms*")
        .with_type_filter(EKeyManagementServerType::KMS);
    run.call("GetAllKMSServers", "every filter", client.get_all_kms_servers(&all_kms)).await;
    run.call("GetAllKMSServers", "[stream]", static_page(client.get_all_kms_servers_stream(all_kms.clone()))).await;
    let kms = KeyManagementServerBaseSpec::KMS(
        CommonKeyManagementServerSpec::new("kms.tech.local", 5696, certificate(), certificate())
            .with_description("KMIP server"),
    );
    run.call_body("CreateKMSServer", "[KMS]", &kms, client.create_kms_server(&kms)).await;
    run.call("GetKMSServer", "", client.get_kms_server(id())).await;
    let kms_id = id();
    let kms_model = KeyManagementServerBaseModel::KMS(
        CommonKeyManagementServerModel::new(kms_id, "kms.tech.local", 5696)
            .with_server_certificate_thumbprint("2C5E2B4A6F1D0E9C8B7A6F5E4D3C2B1A09F8E7D6"),
    );
    run.call_body("UpdateKMSServer", "[KMS]", &kms_model, client.update_kms_server(kms_id, &kms_model)).await;
    run.call("DeleteKMSServer", "", client.delete_kms_server(id())).await;
    let kms_certificate = KMSServerChangeCertificateSpec::new(certificate(), EKMSCertificateType::Client);
    run.call_body(
        "ChangeKMServerCertificate",
        "",
        &kms_certificate,
        client.change_km_server_certificate(id(), &kms_certificate),
    )
    .await;
}
