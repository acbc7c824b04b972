//! Adds a Linux helper appliance to a Microsoft Azure compute account, waits for the session
//! that does the work with a progress bar, and prints how it ended.
//!
//! ```text
//! VEEAM_URL=https://vbr.example.com:9419 VEEAM_USER='DOMAIN\administrator' VEEAM_PASSWORD='...' \
//! VEEAM_CLOUD_CREDS_ID=<id of the Azure compute account> AZURE_SUBSCRIPTION_ID=<uuid> \
//!     cargo run -p veeam-client --example add_helper_appliance
//! ```
//!
//! - `AZURE_LOCATION`, `AZURE_STORAGE_ACCOUNT`, `AZURE_RESOURCE_GROUP`, `AZURE_NETWORK` and
//!   `AZURE_SUBNET` fill in the appliance's optional settings.
//! - `VEEAM_WAIT_MINUTES` (default 30) is how long to wait; after that the example stops
//!   the session on the server and says so.
//!
//! The exit code is 0 on success, 2 when the session ended with warnings, 1 otherwise.

use std::process::ExitCode;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use veeam_client::runtime::{Done, Secret, WaitError};
use veeam_client::vbr::{
    self,
    types::{AzureLinuxHelperApplianceSpec, CloudHelperApplianceSpec},
};

/// How the work ended, as one line for a person, and whether it had warnings.
#[derive(Debug)]
pub struct Outcome {
    /// What to print.
    pub line: String,
    /// The session ended with warnings.
    pub warning: bool,
}

/// Adds the appliance and waits for the session, drawing `bar` as it goes.
pub async fn add_and_wait(
    client: &vbr::Client,
    creds_id: uuid::Uuid,
    spec: &AzureLinuxHelperApplianceSpec,
    timeout: Duration,
    bar: &ProgressBar,
) -> Result<Outcome, String> {
    let spec = CloudHelperApplianceSpec::AzureCompute(spec.clone());
    let session = client
        .create_cloud_creds_helper_appliance(creds_id, &spec)
        .await
        .map_err(|e| format!("cannot start adding the appliance: {e}"))?;
    bar.set_message(session.name.clone());
    let waited = session
        .wait(client)
        .timeout(timeout)
        .stop_on_timeout()
        .on_progress(|p| {
            bar.set_position(p.percent.map_or(0, u64::from));
            bar.set_prefix(p.state.to_owned());
        })
        .await;
    bar.finish_and_clear();
    match waited {
        Ok(Done::Success(s)) => Ok(Outcome { line: format!("{}: succeeded", s.name), warning: false }),
        Ok(Done::Warning(s)) => {
            let message = s.result.and_then(|r| r.message).unwrap_or_default();
            Ok(Outcome { line: format!("{}: finished with warnings: {message}", s.name), warning: true })
        }
        Err(WaitError::Failed { message, canceled, status, .. }) => Err(format!(
            "{}: failed{}: {}",
            status.name,
            if canceled { " (cancelled)" } else { "" },
            message.unwrap_or_default()
        )),
        Err(e) => Err(e.to_string()),
    }
}

/// The bar: state, a 0..100 gauge and the session's name.
pub fn progress_bar() -> ProgressBar {
    let bar = ProgressBar::new(100);
    if let Ok(style) = ProgressStyle::with_template("{prefix:>10} [{bar:40}] {pos:>3}% {msg}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(outcome) => {
            println!("{}", outcome.line);
            if outcome.warning {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<Outcome, String> {
    let var = |name: &str| {
        std::env::var(name).map_err(|_| format!("set {name} (see the top of examples/add_helper_appliance.rs)"))
    };
    let uuid =
        |name: &str| -> Result<uuid::Uuid, String> { var(name)?.parse().map_err(|_| format!("{name} must be a UUID")) };
    let client = vbr::Client::builder(var("VEEAM_URL")?).build().map_err(|e| e.to_string())?;
    client
        .login(&var("VEEAM_USER")?, Secret::from(var("VEEAM_PASSWORD")?))
        .await
        .map_err(|e| format!("cannot log in: {e}"))?;
    let optional = |name: &str| std::env::var(name).ok();
    // Fields stay public: an `Option` the environment may or may not give is assigned as it is.
    let mut spec = AzureLinuxHelperApplianceSpec::new(uuid("AZURE_SUBSCRIPTION_ID")?);
    spec.location = optional("AZURE_LOCATION");
    spec.storage_account = optional("AZURE_STORAGE_ACCOUNT");
    spec.resource_group = optional("AZURE_RESOURCE_GROUP");
    spec.virtual_network = optional("AZURE_NETWORK");
    spec.subnet = optional("AZURE_SUBNET");
    let minutes: u64 = match std::env::var("VEEAM_WAIT_MINUTES") {
        Ok(v) => v
            .parse()
            .ok()
            .filter(|m| (1..=7 * 24 * 60).contains(m))
            .ok_or_else(|| format!("VEEAM_WAIT_MINUTES must be a number of minutes up to a week, not `{v}`"))?,
        Err(_) => 30,
    };
    let bar = progress_bar();
    let outcome =
        add_and_wait(&client, uuid("VEEAM_CLOUD_CREDS_ID")?, &spec, Duration::from_secs(60 * minutes), &bar).await;
    client.logout().await.ok();
    outcome
}
