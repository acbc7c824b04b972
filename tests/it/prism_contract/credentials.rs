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
    let all_creds = GetAllCredsParams {
        skip: Some(0),
        limit: Some(100),
        order_column: Some(ECredentialsFiltersOrderColumn::CreationTime),
        order_asc: Some(false),
        name_filter: Some("*admin*".into()),
        type_filter: Some(ECredentialsType::Linux),
        created_after_filter: Some(now - chrono::Duration::days(30)),
        created_before_filter: Some(now),
        include_default_appliance_creds: Some(true),
    };
    run.call("GetAllCreds", "every filter", client.get_all_creds(&all_creds)).await;
    run.call("GetAllCreds", "[stream]", static_page(client.get_all_creds_stream(all_creds.clone()))).await;
    let standard = CredentialsSpec::Standard(StandardCredentialsSpec {
        username: "TECH\\administrator".into(),
        description: Some("contract test".into()),
        unique_id: Some("contract-standard".into()),
        password: Secret::from("P@ssw0rd"),
    });
    run.call_body("CreateCreds", "[Standard]", &standard, client.create_creds(&standard)).await;
    let linux = CredentialsSpec::Linux(LinuxCredentialsSpec {
        username: "root".into(),
        description: Some("contract test".into()),
        unique_id: Some("contract-linux".into()),
        ssh_port: Some(22),
        elevate_to_root: Some(true),
        add_to_sudoers: Some(false),
        use_su: Some(false),
        private_key: Some(Secret::from(
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
        )),
        passphrase: Some(Secret::from("key passphrase")),
        password: Some(Secret::from("P@ssw0rd")),
        root_password: Some(Secret::from("r00t")),
        authentication_type: EAuthenticationType::SshKey,
    });
    run.call_body("CreateCreds", "[Linux]", &linux, client.create_creds(&linux)).await;
    let gmsa = CredentialsSpec::ManagedService(ManagedServiceCredentialsSpec {
        username: "TECH\\gmsa-backup$".into(),
        description: None,
        unique_id: None,
    });
    run.call_body("CreateCreds", "[ManagedService]", &gmsa, client.create_creds(&gmsa)).await;
    run.call("GetCreds", "", client.get_creds(id())).await;
    let record_id = id();
    let model_standard = CredentialsModel::Standard(StandardCredentialsModel {
        id: record_id,
        username: "TECH\\administrator".into(),
        description: "contract test".into(),
        creation_time: now,
        unique_id: Some("contract-standard".into()),
    });
    run.call_body("UpdateCreds", "[Standard]", &model_standard, client.update_creds(record_id, &model_standard)).await;
    let model_linux = CredentialsModel::Linux(LinuxCredentialsModel {
        id: record_id,
        username: "root".into(),
        description: "contract test".into(),
        creation_time: now,
        unique_id: None,
        ssh_port: Some(2222),
        elevate_to_root: Some(false),
        add_to_sudoers: Some(true),
        use_su: Some(true),
        authentication_type: EAuthenticationType::Password,
    });
    run.call_body("UpdateCreds", "[Linux]", &model_linux, client.update_creds(record_id, &model_linux)).await;
    let model_gmsa = CredentialsModel::ManagedService(ManagedServiceCredentialsModel {
        id: record_id,
        username: "TECH\\gmsa-backup$".into(),
        description: String::new(),
        creation_time: now,
        unique_id: Some("contract-gmsa".into()),
    });
    run.call_body("UpdateCreds", "[ManagedService]", &model_gmsa, client.update_creds(record_id, &model_gmsa)).await;
    run.call("DeleteCreds", "", client.delete_creds(id())).await;
    let new_password = CredentialsPasswordChangeSpec { password: Secret::from("N3w-P@ssw0rd") };
    run.call_body("ChangePasswordForCreds", "", &new_password, client.change_password_for_creds(id(), &new_password))
        .await;
    let new_key = PrivateKeyChangeSpec {
        private_key: Secret::from(
            "-----BEGIN OPENSSH PRIVATE KEY-----\nbmV3IGtleQ==\n-----END OPENSSH PRIVATE KEY-----\n",
        ),
        passphrase: Some(Secret::from("new passphrase")),
    };
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
    let all_cloud = GetAllCloudCredsParams {
        skip: Some(10),
        limit: Some(10),
        order_column: Some(ECloudCredentialsFiltersOrderColumn::LastModified),
        order_asc: Some(true),
        name_filter: Some("azure*".into()),
        type_filter: Some(ECloudCredentialsType::AzureCompute),
    };
    run.call("GetAllCloudCreds", "every filter", client.get_all_cloud_creds(&all_cloud)).await;
    run.call("GetAllCloudCreds", "[stream]", static_page(client.get_all_cloud_creds_stream(all_cloud.clone()))).await;
    let cloud_specs = [
        (
            "[Amazon]",
            CloudCredentialsSpec::Amazon(AmazonCloudCredentialsSpec {
                description: Some("AWS".into()),
                unique_id: Some("contract-aws".into()),
                access_key: "AKIAIOSFODNN7EXAMPLE".into(),
                secret_key: Secret::from("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            }),
        ),
        (
            "[AzureStorage]",
            CloudCredentialsSpec::AzureStorage(AzureStorageCloudCredentialsSpec {
                description: Some("Azure storage account".into()),
                unique_id: None,
                account: "williamfox".into(),
                shared_key: Secret::from(
                    "0sF53pZ/c8cVk+sEMby1lGZzA4SJezapyrFysdjlfLlUwMESTW6dEnkC3x62USr4cwHgPxarsBCE+ASt1Zjmwg==",
                ),
            }),
        ),
        (
            "[AzureCompute, existing account]",
            CloudCredentialsSpec::AzureCompute(AzureComputeCloudCredentialsSpec {
                description: Some("Azure compute".into()),
                unique_id: Some("contract-azure".into()),
                connection_name: "Production subscription".into(),
                creation_mode: EAzureComputeCredentialsCreationMode::ExistingAccount,
                existing_account: Some(AzureComputeCredentialsExistingAccountSpec {
                    deployment: AzureComputeCloudCredentialsDeploymentModel {
                        deployment_type: EAzureComputeCredentialsDeploymentType::MicrosoftAzure,
                        region: Some(EAzureRegionType::Global),
                    },
                    subscription: AzureComputeCloudCredentialsSubscriptionSpec {
                        tenant_id: "72f988bf-86f1-41af-91ab-2d7cd011db47".into(),
                        application_id: "00000000-0000-0000-0000-000000000001".into(),
                        secret: Some(Secret::from("client secret")),
                        certificate: Some(certificate()),
                    },
                }),
                new_account: None,
            }),
        ),
        (
            "[AzureCompute, new account]",
            CloudCredentialsSpec::AzureCompute(AzureComputeCloudCredentialsSpec {
                description: None,
                unique_id: None,
                connection_name: "New app registration".into(),
                creation_mode: EAzureComputeCredentialsCreationMode::NewAccount,
                existing_account: None,
                new_account: Some(AzureComputeCredentialsNewAccountSpec {
                    region: EAzureRegionType::Government,
                    verification_code: "EH4K9QX2".into(),
                }),
            }),
        ),
        (
            "[Google]",
            CloudCredentialsSpec::Google(GoogleCloudCredentialsSpec {
                description: Some("Google HMAC key".into()),
                unique_id: None,
                access_key: "GOOG1EXAMPLE".into(),
                secret_key: Secret::from("bGoa+V7g/yqDXvKRqq+JTFn4uQZbPiQJo4pf9RzJ"),
            }),
        ),
        (
            "[GoogleService]",
            CloudCredentialsSpec::GoogleService(GoogleCloudServiceCredentialsSpec {
                description: Some("Google service account".into()),
                unique_id: None,
                existing_account: GoogleCloudServiceCredentialsExistingAccountSpec {
                    key_file: Secret::from("eyJ0eXBlIjoic2VydmljZV9hY2NvdW50In0="),
                },
            }),
        ),
    ];
    for (case, body) in &cloud_specs {
        run.call_body("CreateCloudCreds", case, body, client.create_cloud_creds(body)).await;
    }
    let device_code =
        CloudDeviceCodeSpec::AzureCompute(AzureComputeCloudDeviceCodeSpec { region: EAzureRegionType::China });
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
            CloudCredentialsModel::Amazon(AmazonCloudCredentialsModel {
                id: cloud_id,
                description: Some("AWS".into()),
                last_modified: Some(now),
                unique_id: Some("contract-aws".into()),
                access_key: "AKIAIOSFODNN7EXAMPLE".into(),
            }),
        ),
        (
            "[AzureStorage]",
            CloudCredentialsModel::AzureStorage(AzureStorageCloudCredentialsModel {
                id: cloud_id,
                description: None,
                last_modified: None,
                unique_id: None,
                account: "williamfox".into(),
            }),
        ),
        (
            "[AzureCompute]",
            CloudCredentialsModel::AzureCompute(AzureComputeCloudCredentialsModel {
                id: cloud_id,
                description: Some("Azure compute".into()),
                last_modified: Some(now),
                unique_id: None,
                connection_name: "Production subscription".into(),
                deployment: AzureComputeCloudCredentialsDeploymentModel {
                    deployment_type: EAzureComputeCredentialsDeploymentType::MicrosoftAzureStack,
                    region: None,
                },
                subscription: AzureComputeCloudCredentialsSubscriptionModel {
                    tenant_id: "72f988bf-86f1-41af-91ab-2d7cd011db47".into(),
                    application_id: "00000000-0000-0000-0000-000000000001".into(),
                    secret: Some(Secret::from("client secret")),
                    subscriptions: Some(vec![AzureComputeCloudCredentialsSubscriptionInfo {
                        id: id(),
                        azure_subscription_id: "d079718b-ff63-45dd-947b-4950c023750f".into(),
                        azure_subscription_name: Some("Pay-As-You-Go".into()),
                    }]),
                },
            }),
        ),
        (
            "[Google]",
            CloudCredentialsModel::Google(GoogleCloudCredentialsModel {
                id: cloud_id,
                description: None,
                last_modified: Some(now),
                unique_id: None,
                access_key: "GOOG1EXAMPLE".into(),
            }),
        ),
        (
            "[GoogleService]",
            CloudCredentialsModel::GoogleService(GoogleCloudServiceCredentialsModel {
                id: cloud_id,
                description: None,
                last_modified: None,
                unique_id: None,
                name: Some("backup@project.iam.gserviceaccount.com".into()),
                project_id: Some("project-123".into()),
            }),
        ),
    ];
    for (case, body) in &cloud_models {
        run.call_body("UpdateCloudCreds", case, body, client.update_cloud_creds(cloud_id, body)).await;
    }
    run.call("DeleteCloudCreds", "", client.delete_cloud_creds(id())).await;
    let secret_key = CloudCredentialsPasswordSpec { new_secret_key: Secret::from("n3w-s3cret-key") };
    run.call_body(
        "ChangeCloudCredsSecretKey",
        "",
        &secret_key,
        client.change_cloud_creds_secret_key(id(), &secret_key),
    )
    .await;
    let account = GoogleCloudServiceCredentialsExistingAccountSpec {
        key_file: Secret::from("eyJ0eXBlIjoic2VydmljZV9hY2NvdW50In0="),
    };
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
    let appliances = GetAllCredsHelperAppliancesParams { skip: Some(0), limit: Some(5) };
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
    let appliance = CloudHelperApplianceSpec::AzureCompute(AzureLinuxHelperApplianceSpec {
        subscription_id: id(),
        location: Some("westeurope".into()),
        storage_account: Some("backupstorage".into()),
        resource_group: Some("backup-rg".into()),
        virtual_network: Some("backup-vnet".into()),
        subnet: Some("default".into()),
        ssh_port: Some(22),
    });
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
