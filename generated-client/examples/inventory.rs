//! Prints the backup infrastructure as three tables: the managed servers, the backup
//! repositories with their capacity and free space, and the backup proxies. Every list is a
//! stream: its pages are fetched as the table reaches them.
//!
//! ```text
//! VEEAM_URL=https://vbr.example.com:9419 VEEAM_USER='DOMAIN\administrator' VEEAM_PASSWORD='...' \
//!     cargo run -p veeam-client --example inventory
//! ```
//!
//! - `VEEAM_PAGE_SIZE` sets how many records each page request asks for (default 200).

use std::collections::HashMap;
use std::io::Write;
use std::process::ExitCode;

use futures::TryStreamExt;
use veeam_client::runtime::{Secret, UnknownValue};
use veeam_client::vbr::{
    self,
    types::{
        GetAllManagedServersParams, GetAllProxiesParams, GetAllRepositoriesParams, GetAllRepositoriesStatesParams,
        ManagedServerModel, ProxyModel, RepositoryModel, RepositoryStateModel,
    },
};

/// How a column's cells line up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    /// Text.
    Left,
    /// Numbers.
    Right,
}

/// Writes a text table: a header line, a rule, then the rows, each column as wide as its
/// widest cell (counted in characters, so a name with accents does not shift the columns).
pub fn write_table(out: &mut impl Write, columns: &[(&str, Align)], rows: &[Vec<String>]) -> std::io::Result<()> {
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, (title, _))| {
            rows.iter().map(|r| r.get(i).map_or(0, |c| c.chars().count())).max().unwrap_or(0).max(title.chars().count())
        })
        .collect();
    let line = |out: &mut dyn Write, cells: &[&str]| -> std::io::Result<()> {
        let mut text = String::new();
        for (i, ((_, align), width)) in columns.iter().zip(&widths).enumerate() {
            let cell = cells.get(i).copied().unwrap_or("");
            if i > 0 {
                text.push_str("  ");
            }
            match align {
                Align::Left => text.push_str(&format!("{cell:<width$}")),
                Align::Right => text.push_str(&format!("{cell:>width$}")),
            }
        }
        writeln!(out, "{}", text.trim_end())
    };
    let titles: Vec<&str> = columns.iter().map(|(t, _)| *t).collect();
    line(out, &titles)?;
    let rules: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    line(out, &rules.iter().map(String::as_str).collect::<Vec<_>>())?;
    for row in rows {
        line(out, &row.iter().map(String::as_str).collect::<Vec<_>>())?;
    }
    Ok(())
}

/// A field of a record of a kind this client does not know, as the server sent it.
fn unknown_field(record: &UnknownValue, field: &str) -> String {
    record.0.get(field).and_then(|v| v.as_str()).unwrap_or("?").to_owned()
}

/// One managed server.
#[derive(Clone, Debug, PartialEq)]
pub struct Server {
    /// Its name (usually the DNS name or address).
    pub name: String,
    /// `WindowsHost`, `LinuxHost`, `ViHost`, ...
    pub kind: String,
    /// `Available`, `Unavailable`.
    pub status: String,
    /// Its description.
    pub description: String,
}

/// Every managed server.
pub async fn managed_servers(client: &vbr::Client, page_size: i32) -> Result<Vec<Server>, vbr::Error> {
    let params = GetAllManagedServersParams::new().with_limit(page_size);
    client
        .get_all_managed_servers_stream(params)
        .map_ok(|server| {
            macro_rules! each_kind {
                ($($kind:ident),* $(,)?) => {
                    match server {
                        $(ManagedServerModel::$kind(s) => Server {
                            name: s.name,
                            kind: stringify!($kind).to_owned(),
                            status: s.status.to_string(),
                            description: s.description,
                        },)*
                        ManagedServerModel::UnknownVariant(record) => Server {
                            name: unknown_field(&record, "name"),
                            kind: unknown_field(&record, "type"),
                            status: unknown_field(&record, "status"),
                            description: unknown_field(&record, "description"),
                        },
                    }
                };
            }
            each_kind!(
                WindowsHost,
                LinuxHost,
                ViHost,
                CloudDirectorHost,
                HvServer,
                HvCluster,
                SCVMM,
                SmbV3Cluster,
                SmbV3StandaloneHost
            )
        })
        .try_collect()
        .await
}

/// One backup repository and, when the server reported its state, its space.
#[derive(Clone, Debug, PartialEq)]
pub struct Repository {
    /// Its name.
    pub name: String,
    /// `WinLocal`, `LinuxHardened`, `AmazonS3`, ...
    pub kind: String,
    /// Capacity in GB; `None` when the states listing has no entry for this repository, or
    /// reports a capacity of 0 (which VBR does for a repository it cannot reach).
    pub capacity_gb: Option<f64>,
    /// Free space in GB, under the same conditions.
    pub free_gb: Option<f64>,
    /// Whether the repository is online; `None` without a state.
    pub online: Option<bool>,
}

impl Repository {
    /// Free space as a percentage of capacity, when both are known.
    pub fn free_percent(&self) -> Option<f64> {
        Some(self.free_gb? / self.capacity_gb? * 100.0)
    }
}

/// Every repository, with the capacity and free space of its state.
///
/// Repositories and their states are two listings (`GetAllRepositories` has the
/// configuration, `GetAllRepositoriesStates` the space); they are joined by id here. A
/// repository without a state is listed with its space unknown rather than left out.
pub async fn repositories(client: &vbr::Client, page_size: i32) -> Result<Vec<Repository>, vbr::Error> {
    let states: HashMap<uuid::Uuid, RepositoryStateModel> = client
        .get_all_repositories_states_stream(GetAllRepositoriesStatesParams::new().with_limit(page_size))
        .map_ok(|s| (s.id, s))
        .try_collect()
        .await?;
    let params = GetAllRepositoriesParams::new().with_limit(page_size);
    client
        .get_all_repositories_stream(params)
        .map_ok(|repository| {
            macro_rules! each_kind {
                ($($kind:ident),* $(,)?) => {
                    match repository {
                        $(RepositoryModel::$kind(r) => (Some(r.id), r.name, stringify!($kind).to_owned()),)*
                        RepositoryModel::UnknownVariant(record) => (
                            record.0.get("id").and_then(|v| v.as_str()).and_then(|v| v.parse().ok()),
                            unknown_field(&record, "name"),
                            unknown_field(&record, "type"),
                        ),
                    }
                };
            }
            let (id, name, kind) = each_kind!(
                WinLocal,
                LinuxLocal,
                Nfs,
                Smb,
                AzureBlob,
                AzureDataBox,
                AmazonS3,
                AmazonSnowballEdge,
                S3Compatible,
                GoogleCloud,
                IBMCloud,
                AmazonS3Glacier,
                AzureArchive,
                WasabiCloud,
                LinuxHardened,
                VeeamDataCloudVault,
                VeeamDataCloudVaultArchive,
                DellDataDomain,
                ExaGrid,
                HPEStoreOnce,
                QuantumDXi,
                Infinidat,
                Fujitsu,
            );
            let state = id.and_then(|id| states.get(&id));
            let space = state.filter(|s| s.capacity_gb > 0.0);
            Repository {
                name,
                kind,
                capacity_gb: space.map(|s| s.capacity_gb),
                free_gb: space.map(|s| s.free_gb),
                online: state.map(|s| s.is_online),
            }
        })
        .try_collect()
        .await
}

/// One backup proxy.
#[derive(Clone, Debug, PartialEq)]
pub struct Proxy {
    /// Its name.
    pub name: String,
    /// `ViProxy`, `HvProxy`, `GeneralPurposeProxy`.
    pub kind: String,
    /// The managed server it runs on, when the server names it.
    pub host: Option<String>,
    /// How many tasks it may run at once, when limited.
    pub max_tasks: Option<i64>,
}

/// Every backup proxy.
pub async fn proxies(client: &vbr::Client, page_size: i32) -> Result<Vec<Proxy>, vbr::Error> {
    client
        .get_all_proxies_stream(GetAllProxiesParams::new().with_limit(page_size))
        .map_ok(|proxy| {
            macro_rules! each_kind {
                ($($kind:ident),* $(,)?) => {
                    match proxy {
                        $(ProxyModel::$kind(p) => Proxy {
                            name: p.name,
                            kind: stringify!($kind).to_owned(),
                            host: p.server.host_name,
                            max_tasks: p.server.max_task_count,
                        },)*
                        ProxyModel::UnknownVariant(record) => Proxy {
                            name: unknown_field(&record, "name"),
                            kind: unknown_field(&record, "type"),
                            host: None,
                            max_tasks: None,
                        },
                    }
                };
            }
            each_kind!(ViProxy, HvProxy, GeneralPurposeProxy)
        })
        .try_collect()
        .await
}

/// A size given in GB, in GB below 1 TB and in TB above.
pub fn size(gb: f64) -> String {
    if gb >= 1024.0 {
        format!("{:.1} TB", gb / 1024.0)
    } else {
        format!("{gb:.1} GB")
    }
}

/// Writes the three tables.
pub fn write_inventory(
    out: &mut impl Write,
    servers: &[Server],
    repositories: &[Repository],
    proxies: &[Proxy],
) -> std::io::Result<()> {
    const UNKNOWN: &str = "-";
    writeln!(out, "Managed servers ({})", servers.len())?;
    let rows: Vec<Vec<String>> =
        servers.iter().map(|s| vec![s.name.clone(), s.kind.clone(), s.status.clone(), s.description.clone()]).collect();
    write_table(
        out,
        &[("NAME", Align::Left), ("TYPE", Align::Left), ("STATUS", Align::Left), ("DESCRIPTION", Align::Left)],
        &rows,
    )?;

    writeln!(out, "\nRepositories ({})", repositories.len())?;
    let rows: Vec<Vec<String>> = repositories
        .iter()
        .map(|r| {
            vec![
                r.name.clone(),
                r.kind.clone(),
                r.capacity_gb.map_or_else(|| UNKNOWN.to_owned(), size),
                r.free_gb.map_or_else(|| UNKNOWN.to_owned(), size),
                r.free_percent().map_or_else(|| UNKNOWN.to_owned(), |p| format!("{p:.0}%")),
                match r.online {
                    Some(true) => "yes".to_owned(),
                    Some(false) => "no".to_owned(),
                    None => UNKNOWN.to_owned(),
                },
            ]
        })
        .collect();
    write_table(
        out,
        &[
            ("NAME", Align::Left),
            ("TYPE", Align::Left),
            ("CAPACITY", Align::Right),
            ("FREE", Align::Right),
            ("FREE %", Align::Right),
            ("ONLINE", Align::Left),
        ],
        &rows,
    )?;

    writeln!(out, "\nProxies ({})", proxies.len())?;
    let rows: Vec<Vec<String>> = proxies
        .iter()
        .map(|p| {
            vec![
                p.name.clone(),
                p.kind.clone(),
                p.host.clone().unwrap_or_else(|| UNKNOWN.to_owned()),
                p.max_tasks.map_or_else(|| UNKNOWN.to_owned(), |n| n.to_string()),
            ]
        })
        .collect();
    write_table(
        out,
        &[("NAME", Align::Left), ("TYPE", Align::Left), ("HOST", Align::Left), ("MAX TASKS", Align::Right)],
        &rows,
    )
}

/// The whole example: lists the three and writes the tables to `out`.
pub async fn inventory(client: &vbr::Client, page_size: i32, out: &mut impl Write) -> Result<(), String> {
    let servers =
        managed_servers(client, page_size).await.map_err(|e| format!("cannot list the managed servers: {e}"))?;
    let repositories =
        repositories(client, page_size).await.map_err(|e| format!("cannot list the repositories: {e}"))?;
    let proxies = proxies(client, page_size).await.map_err(|e| format!("cannot list the proxies: {e}"))?;
    write_inventory(out, &servers, &repositories, &proxies).map_err(|e| format!("cannot write the tables: {e}"))
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let var =
        |name: &str| std::env::var(name).map_err(|_| format!("set {name} (see the top of examples/inventory.rs)"));
    let page_size = match std::env::var("VEEAM_PAGE_SIZE") {
        Ok(v) => {
            v.parse().ok().filter(|n| *n > 0).ok_or_else(|| format!("VEEAM_PAGE_SIZE must be a number, not `{v}`"))?
        }
        Err(_) => 200,
    };
    let client = vbr::Client::builder(var("VEEAM_URL")?).build().map_err(|e| e.to_string())?;
    client
        .login(&var("VEEAM_USER")?, Secret::from(var("VEEAM_PASSWORD")?))
        .await
        .map_err(|e| format!("cannot log in: {e}"))?;
    let stdout = std::io::stdout();
    let listed = inventory(&client, page_size, &mut stdout.lock()).await;
    client.logout().await.ok();
    listed
}
