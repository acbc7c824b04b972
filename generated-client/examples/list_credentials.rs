//! Logs in to a Veeam Backup & Replication server, lists every credentials record as a stream
//! (pages are fetched as the stream reaches them), and logs out.
//!
//! ```text
//! VEEAM_URL=https://vbr.example.com:9419 VEEAM_USER='DOMAIN\administrator' VEEAM_PASSWORD='...' \
//!     cargo run -p veeam-client --example list_credentials
//! ```
//!
//! - `VEEAM_CA_PEM=/path/to/cert.pem` trusts that certificate (e.g. the server's own
//!   self-signed one, exported from the server) in addition to the public roots.
//! - `VEEAM_INSECURE=1` turns certificate verification off. Only for lab servers: anyone on
//!   the network path can then read the password.
//! - `VEEAM_PAGE_SIZE` sets how many records each page request asks for (default 200).

use std::process::ExitCode;

use futures::StreamExt;
use veeam_client::runtime::{BuildError, Secret};
use veeam_client::vbr::{self, types::CredentialsModel};

/// Where to connect and as whom.
pub struct Settings {
    /// `https://host:9419`
    pub url: String,
    /// User name, e.g. `DOMAIN\administrator`.
    pub user: String,
    /// Password.
    pub password: Secret,
    /// Extra root certificate to trust, PEM.
    pub ca_pem: Option<Vec<u8>>,
    /// Turn certificate verification off.
    pub insecure: bool,
    /// Records per page request.
    pub page_size: i32,
}

impl Settings {
    /// Reads the settings from the environment.
    pub fn from_env() -> Result<Settings, String> {
        let var = |name: &str| {
            std::env::var(name).map_err(|_| format!("set {name} (see the top of examples/list_credentials.rs)"))
        };
        let ca_pem = match std::env::var_os("VEEAM_CA_PEM") {
            Some(path) => Some(
                std::fs::read(&path)
                    .map_err(|e| format!("cannot read VEEAM_CA_PEM {}: {e}", path.to_string_lossy()))?,
            ),
            None => None,
        };
        let page_size = match std::env::var("VEEAM_PAGE_SIZE") {
            Ok(v) => v.parse().map_err(|_| format!("VEEAM_PAGE_SIZE must be a number, not `{v}`"))?,
            Err(_) => 200,
        };
        Ok(Settings {
            url: var("VEEAM_URL")?,
            user: var("VEEAM_USER")?,
            password: Secret::from(var("VEEAM_PASSWORD")?),
            ca_pem,
            insecure: std::env::var("VEEAM_INSECURE").is_ok_and(|v| v == "1"),
            page_size,
        })
    }
}

/// A client configured from the settings.
pub fn build_client(settings: &Settings) -> Result<vbr::Client, BuildError> {
    let mut builder = vbr::Client::builder(&settings.url);
    if let Some(pem) = &settings.ca_pem {
        builder = builder.add_root_certificate_pem(pem.clone());
    }
    if settings.insecure {
        eprintln!("warning: VEEAM_INSECURE=1: the server's certificate is NOT verified");
        builder = builder.danger_accept_invalid_certificates(true);
    }
    builder.build()
}

/// Logs in, hands each record to `show` as one line of text, logs out, and returns how many
/// records there were.
pub async fn list_credentials(
    client: &vbr::Client,
    settings: &Settings,
    mut show: impl FnMut(String),
) -> Result<usize, vbr::Error> {
    client.login(&settings.user, settings.password.clone()).await?;
    let params = vbr::types::GetAllCredsParams::new().with_limit(settings.page_size);
    let mut records = std::pin::pin!(client.get_all_creds_stream(params));
    let mut count = 0;
    while let Some(record) = records.next().await {
        let line = match record? {
            CredentialsModel::Standard(c) => format!("{}  Standard        {}  {}", c.id, c.username, c.description),
            CredentialsModel::Linux(c) => format!("{}  Linux           {}  {}", c.id, c.username, c.description),
            CredentialsModel::ManagedService(c) => {
                format!("{}  ManagedService  {}  {}", c.id, c.username, c.description)
            }
            // A newer server may know types this client does not; the record is kept as is.
            other => format!("(a record of a type this client does not know: {other:?})"),
        };
        show(line);
        count += 1;
    }
    // Revoke the tokens on the server; the spec marks Logout `x-logout`, so the client also
    // forgets them (and the password) here.
    client.logout().await?;
    Ok(count)
}

/// Explains a failure the way a person running the example needs it.
pub fn explain(error: &vbr::Error) -> String {
    match error {
        vbr::Error::Api { status, body, .. } => {
            format!("the server refused ({status} {}): {}", body.error_code, body.message)
        }
        vbr::Error::Auth { message, .. } => format!("cannot log in: {message}"),
        vbr::Error::Transport { source, .. } => {
            format!("cannot reach the server: {source} (for a self-signed certificate set VEEAM_CA_PEM, or VEEAM_INSECURE=1 in a lab)")
        }
        other => other.to_string(),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let client = match build_client(&settings) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match list_credentials(&client, &settings, |line| println!("{line}")).await {
        Ok(count) => {
            println!("{count} credentials records");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {}", explain(&e));
            ExitCode::FAILURE
        }
    }
}
