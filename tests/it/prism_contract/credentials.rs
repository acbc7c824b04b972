//! Tag `Credentials`: credentials records, cloud credentials and the helper appliances of
//! cloud credentials; union bodies once per variant.

use chrono::Utc;
use futures::TryFutureExt;
use uuid::Uuid;
use veeam_client::runtime::{self, RetryPolicy, Secret};
use veeam_client::vbr::{self, types::*};

use super::run::{Mode, Run};
use super::{certificate, static_page};

/// The tag in `spec/vbr.yaml`.
pub(super) const TAG: &str = "Credentials";

/// Calls every operation of the tag.
pub(super) async fn call_all(client: &vbr::Client, run: &mut Run<'_>) {
    run.tag(TAG);
    credentials(client, run).await;
    cloud_credentials(client, run).await;
    helper_appliances(client, run).await;
}

/// Credentials records: list (and stream), create and update each variant, read, delete, and
/// change the password, private key and root password.
async fn credentials(client: &vbr::Client, run: &mut Run<'_>) {
    let id = Uuid::new_v4;
    let now = Utc::now();
    let all_creds = GetAllCredsParams::new()
        .with_skip(0)
        .with_limit(100)
        .with_order_column(ECredentialsFiltersOrderColumn::CreationTime)
        .with_order_asc(false)
        .with_name_filter("*admin*")
        .with_type_filter(ECredentialsType::Linux)
        .with_created_after_filter(now - chrono::Duration::days(30))
        .with_created_before_filter(now)
        .with_include_default_appliance_creds(true);
    run.call("GetAllCreds", "every filter", client.get_all_creds(&all_creds)).await;
    run.call("GetAllCreds", "[stream]", static_page(client.get_all_creds_stream(all_creds.clone()))).await;
    let standard = CredentialsSpec::Standard(
        StandardCredentialsSpec::new("TECH\\administrator", Secret::from("P@ssw0rd"))
            .with_description("contract test")
            .with_unique_id("contract-standard"),
    );
    run.call_body("CreateCreds", "[Standard]", &standard, client.create_creds(&standard)).await;
    let linux = CredentialsSpec::Linux(
        LinuxCredentialsSpec::new("root", EAuthenticationType::SshKey)
            .with_description("contract test")
            .with_unique_id("contract-linux")
            .with_ssh_port(22)
            .with_elevate_to_root(true)
            .with_add_to_sudoers(false)
            .with_use_su(false)
            .with_private_key(Secret::from(
                "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
            ))
            .with_passphrase(Secret::from("key passphrase"))
            .with_password(Secret::from("P@ssw0rd"))
            .with_root_password(Secret::from("r00t")),
    );
    run.call_body("CreateCreds", "[Linux]", &linux, client.create_creds(&linux)).await;
    let gmsa = CredentialsSpec::ManagedService(ManagedServiceCredentialsSpec::new("TECH\\gmsa-backup$"));
    run.call_body("CreateCreds", "[ManagedService]", &gmsa, client.create_creds(&gmsa)).await;
    run.call("GetCreds", "", client.get_creds(id())).await;
    let record_id = id();
    let model_standard = CredentialsModel::Standard(
        StandardCredentialsModel::new(record_id, "TECH\\administrator", "contract test", now)
            .with_unique_id("contract-standard"),
    );
    run.call_body("UpdateCreds", "[Standard]", &model_standard, client.update_creds(record_id, &model_standard)).await;
    let model_linux = CredentialsModel::Linux(
        LinuxCredentialsModel::new(record_id, "root", "contract test", now, EAuthenticationType::Password)
            .with_ssh_port(2222)
            .with_elevate_to_root(false)
            .with_add_to_sudoers(true)
            .with_use_su(true),
    );
    run.call_body("UpdateCreds", "[Linux]", &model_linux, client.update_creds(record_id, &model_linux)).await;
    let model_gmsa = CredentialsModel::ManagedService(
        ManagedServiceCredentialsModel::new(record_id, "TECH\\gmsa-backup$", String::new(), now)
            .with_unique_id("contract-gmsa"),
    );
    run.call_body("UpdateCreds", "[ManagedService]", &model_gmsa, client.update_creds(record_id, &model_gmsa)).await;
    run.call("DeleteCreds", "", client.delete_creds(id())).await;
    let new_password = CredentialsPasswordChangeSpec::new(Secret::from("N3w-P@ssw0rd"));
    run.call_body("ChangePasswordForCreds", "", &new_password, client.change_password_for_creds(id(), &new_password))
        .await;
    let new_key = PrivateKeyChangeSpec::new(Secret::from(
        "-----BEGIN OPENSSH PRIVATE KEY-----\nbmV3IGtleQ==\n-----END OPENSSH PRIVATE KEY-----\n",
    ))
    .with_passphrase(Secret::from("new passphrase"));
    run.call_body("ChangePrivateKeyForCreds", "", &new_key, client.change_private_key_for_creds(id(), &new_key)).await;
    run.call_body(
        "ChangeRootPasswordForCreds",
        "",
        &new_password,
        client.change_root_password_for_creds(id(), &new_password),
    )
    .await;
}

/// Cloud credentials: list (and stream), create and update each variant, the Azure app
/// registration by device code, read, delete, and change the secret key, account and
/// certificate (each success status of the last two).
async fn cloud_credentials(client: &vbr::Client, run: &mut Run<'_>) {
    let id = Uuid::new_v4;
    let now = Utc::now();
    let all_cloud = GetAllCloudCredsParams::new()
        .with_skip(10)
        .with_limit(10)
        .with_order_column(ECloudCredentialsFiltersOrderColumn::LastModified)
        .with_order_asc(true)
        .with_name_filter("azure*")
        .with_type_filter(ECloudCredentialsType::AzureCompute);
    run.call("GetAllCloudCreds", "every filter", client.get_all_cloud_creds(&all_cloud)).await;
    run.call("GetAllCloudCreds", "[stream]", static_page(client.get_all_cloud_creds_stream(all_cloud.clone()))).await;
    let cloud_specs = [
        (
            "[Amazon]",
            CloudCredentialsSpec::Amazon(
                AmazonCloudCredentialsSpec::new(
                    "AKIAIOSFODNN7EXAMPLE",
                    Secret::from("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
                )
                .with_description("AWS")
                .with_unique_id("contract-aws"),
            ),
        ),
        (
            "[AzureStorage]",
            CloudCredentialsSpec::AzureStorage(
                AzureStorageCloudCredentialsSpec::new(
                    "williamfox",
                    Secret::from(
                        "0sF53pZ/c8cVk+sEMby1lGZzA4SJezapyrFysdjlfLlUwMESTW6dEnkC3x62USr4cwHgPxarsBCE+ASt1Zjmwg==",
                    ),
                )
                .with_description("Azure storage account"),
            ),
        ),
        (
            "[AzureCompute, existing account]",
            CloudCredentialsSpec::AzureCompute(
                AzureComputeCloudCredentialsSpec::new(
                    "Production subscription",
                    EAzureComputeCredentialsCreationMode::ExistingAccount,
                )
                .with_description("Azure compute")
                .with_unique_id("contract-azure")
                .with_existing_account(AzureComputeCredentialsExistingAccountSpec::new(
                    AzureComputeCloudCredentialsDeploymentModel::new(
                        EAzureComputeCredentialsDeploymentType::MicrosoftAzure,
                    )
                    .with_region(EAzureRegionType::Global),
                    AzureComputeCloudCredentialsSubscriptionSpec::new(
                        "72f988bf-86f1-41af-91ab-2d7cd011db47",
                        "00000000-0000-0000-0000-000000000001",
                    )
                    .with_secret(Secret::from("client secret"))
                    .with_certificate(certificate()),
                )),
            ),
        ),
        (
            "[AzureCompute, new account]",
            CloudCredentialsSpec::AzureCompute(
                AzureComputeCloudCredentialsSpec::new(
                    "New app registration",
                    EAzureComputeCredentialsCreationMode::NewAccount,
                )
                .with_new_account(AzureComputeCredentialsNewAccountSpec::new(EAzureRegionType::Government, "EH4K9QX2")),
            ),
        ),
        (
            "[Google]",
            CloudCredentialsSpec::Google(
                GoogleCloudCredentialsSpec::new(
                    "GOOG1EXAMPLE",
                    Secret::from("bGoa+V7g/yqDXvKRqq+JTFn4uQZbPiQJo4pf9RzJ"),
                )
                .with_description("Google HMAC key"),
            ),
        ),
        (
            "[GoogleService]",
            CloudCredentialsSpec::GoogleService(
                GoogleCloudServiceCredentialsSpec::new(GoogleCloudServiceCredentialsExistingAccountSpec::new(
                    Secret::from("eyJ0eXBlIjoic2VydmljZV9hY2NvdW50In0="),
                ))
                .with_description("Google service account"),
            ),
        ),
    ];
    for (case, body) in &cloud_specs {
        run.call_body("CreateCloudCreds", case, body, client.create_cloud_creds(body)).await;
    }
    let device_code = CloudDeviceCodeSpec::AzureCompute(AzureComputeCloudDeviceCodeSpec::new(EAzureRegionType::China));
    run.call_body(
        "RequestAppRegistrationByDeviceCode",
        "[AzureCompute]",
        &device_code,
        client.request_app_registration_by_device_code(&device_code),
    )
    .await;
    // A code with characters that must be percent-encoded in a path segment.
    run.call("FinishAppRegistrationByDeviceCode", "", client.finish_app_registration_by_device_code("EH4K 9QX2/+"))
        .await;
    run.call("RequestAuthentication", "", client.request_authentication()).await;
    run.call("GetCloudCreds", "", client.get_cloud_creds(id())).await;
    let cloud_id = id();
    let cloud_models = [
        (
            "[Amazon]",
            CloudCredentialsModel::Amazon(
                AmazonCloudCredentialsModel::new(cloud_id, "AKIAIOSFODNN7EXAMPLE")
                    .with_description("AWS")
                    .with_last_modified(now)
                    .with_unique_id("contract-aws"),
            ),
        ),
        (
            "[AzureStorage]",
            CloudCredentialsModel::AzureStorage(AzureStorageCloudCredentialsModel::new(cloud_id, "williamfox")),
        ),
        (
            "[AzureCompute]",
            CloudCredentialsModel::AzureCompute(
                AzureComputeCloudCredentialsModel::new(
                    cloud_id,
                    "Production subscription",
                    AzureComputeCloudCredentialsDeploymentModel::new(
                        EAzureComputeCredentialsDeploymentType::MicrosoftAzureStack,
                    ),
                    AzureComputeCloudCredentialsSubscriptionModel::new(
                        "72f988bf-86f1-41af-91ab-2d7cd011db47",
                        "00000000-0000-0000-0000-000000000001",
                    )
                    .with_secret(Secret::from("client secret"))
                    .with_subscriptions(vec![AzureComputeCloudCredentialsSubscriptionInfo::new(
                        id(),
                        "d079718b-ff63-45dd-947b-4950c023750f",
                    )
                    .with_azure_subscription_name("Pay-As-You-Go")]),
                )
                .with_description("Azure compute")
                .with_last_modified(now),
            ),
        ),
        (
            "[Google]",
            CloudCredentialsModel::Google(
                GoogleCloudCredentialsModel::new(cloud_id, "GOOG1EXAMPLE").with_last_modified(now),
            ),
        ),
        (
            "[GoogleService]",
            CloudCredentialsModel::GoogleService(
                GoogleCloudServiceCredentialsModel::new(cloud_id)
                    .with_name("backup@project.iam.gserviceaccount.com")
                    .with_project_id("project-123"),
            ),
        ),
    ];
    for (case, body) in &cloud_models {
        run.call_body("UpdateCloudCreds", case, body, client.update_cloud_creds(cloud_id, body)).await;
    }
    run.call("DeleteCloudCreds", "", client.delete_cloud_creds(id())).await;
    let secret_key = CloudCredentialsPasswordSpec::new(Secret::from("n3w-s3cret-key"));
    run.call_body(
        "ChangeCloudCredsSecretKey",
        "",
        &secret_key,
        client.change_cloud_creds_secret_key(id(), &secret_key),
    )
    .await;
    let account =
        GoogleCloudServiceCredentialsExistingAccountSpec::new(Secret::from("eyJ0eXBlIjoic2VydmljZV9hY2NvdW50In0="));
    run.call_body("ChangeAccount", "", &account, client.change_account(id(), &account)).await;
    // Prism answers the first success status, 200 with the record; the 204 variant has no body.
    let new_certificate = certificate();
    let certificate_change = client.change_cloud_certificate(id(), &new_certificate).map_ok(|answer| match answer {
        ChangeCloudCertificateResponse::Ok(record) => Some(record),
        ChangeCloudCertificateResponse::NoContent => None,
    });
    run.call_body("ChangeCloudCertificate", "", &new_certificate, certificate_change).await;
    // The other documented success statuses, which Prism answers when asked with `Prefer`.
    // Only against the unbroken spec: the broken copy breaks the first success example only.
    if run.mode == Mode::Contract {
        let prefer = |code: &str| {
            vbr::Client::builder(client.core().base_url())
                .header("Prefer", format!("code={code}"))
                .retry(RetryPolicy { max_attempts: 1, ..RetryPolicy::default() })
                .build()
                .unwrap()
        };
        let (prefer_201, prefer_204) = (prefer("201"), prefer("204"));
        prefer_201.core().set_bearer_token(Secret::from("contract-test-token"));
        prefer_204.core().set_bearer_token(Secret::from("contract-test-token"));
        run.call_body("ChangeAccount", "[201]", &account, prefer_201.change_account(id(), &account)).await;
        let no_content = prefer_204.change_cloud_certificate(id(), &new_certificate).and_then(|answer| async move {
            match answer {
                ChangeCloudCertificateResponse::NoContent => Ok(()),
                other => Err(runtime::Error::Decode {
                    operation: "ChangeCloudCertificate",
                    status: 204,
                    path: ".".into(),
                    message: format!("expected NoContent, got {other:?}"),
                }),
            }
        });
        run.call_body("ChangeCloudCertificate", "[204]", &new_certificate, no_content).await;
    }
}

/// Helper appliances of cloud credentials: list (and stream), create, read, delete.
async fn helper_appliances(client: &vbr::Client, run: &mut Run<'_>) {
    let id = Uuid::new_v4;
    let appliances = GetAllCredsHelperAppliancesParams::new().with_skip(0).with_limit(5);
    let azure_account = id();
    run.call(
        "GetAllCredsHelperAppliances",
        "skip and limit",
        client.get_all_creds_helper_appliances(azure_account, &appliances),
    )
    .await;
    let appliance_stream =
        static_page(client.get_all_creds_helper_appliances_stream(azure_account, appliances.clone()));
    run.call("GetAllCredsHelperAppliances", "[stream]", appliance_stream).await;
    let appliance = CloudHelperApplianceSpec::AzureCompute(
        AzureLinuxHelperApplianceSpec::new(id())
            .with_location("westeurope")
            .with_storage_account("backupstorage")
            .with_resource_group("backup-rg")
            .with_virtual_network("backup-vnet")
            .with_subnet("default")
            .with_ssh_port(22),
    );
    run.call_body(
        "CreateCloudCredsHelperAppliance",
        "[AzureCompute]",
        &appliance,
        client.create_cloud_creds_helper_appliance(id(), &appliance),
    )
    .await;
    run.call("GetCloudCredsHelperAppliance", "", client.get_cloud_creds_helper_appliance(id(), id())).await;
    run.call("DeleteCloudCredsHelperApplianceAsync", "", client.delete_cloud_creds_helper_appliance_async(id(), id()))
        .await;
}
