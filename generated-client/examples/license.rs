//! Prints the installed license and what consumes it: the instances, sockets and capacity
//! sections the license has, each with its workloads.
//!
//! ```text
//! VEEAM_URL=https://vbr.example.com:9419 VEEAM_USER='DOMAIN\administrator' VEEAM_PASSWORD='...' \
//!     cargo run -p veeam-client --example license
//! ```
//!
//! - `VEEAM_PAGE_SIZE` sets how many records each page request asks for (default 200).
//! - `VEEAM_LICENSE_WARN_DAYS` (default 30): a section expiring within this many days is a
//!   warning.
//!
//! The exit code is 0 when the license is valid and nothing is amiss, 2 when there are
//! warnings (the license is not valid, a section is used beyond what is licensed or expires
//! soon), 1 when the example could not do its work.

use std::io::Write;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use veeam_client::runtime::Secret;
use veeam_client::vbr::{
    self,
    types::{
        CapacityLicenseWorkloadModel, EInstalledLicenseStatus, GetLicensedInstancesParams, GetLicensedSocketsParams,
        InstalledLicenseModel, InstanceLicenseWorkloadModel, SocketLicenseWorkloadModel,
    },
};

/// The license and its consumption, one list per section the license has.
#[derive(Clone, Debug, PartialEq)]
pub struct LicenseReport {
    /// The installed license.
    pub license: InstalledLicenseModel,
    /// Workloads that consume instances; `None` when the license has no instance section.
    pub instances: Option<Vec<InstanceLicenseWorkloadModel>>,
    /// Hosts that consume sockets; `None` when the license has no socket section.
    pub sockets: Option<Vec<SocketLicenseWorkloadModel>>,
    /// Workloads that consume capacity; `None` when the license has no capacity section.
    pub capacity: Option<Vec<CapacityLicenseWorkloadModel>>,
}

/// Reads the license, then the consumption of each section it has; a section it does not
/// have is not asked for (the server has nothing to say about it).
pub async fn fetch(client: &vbr::Client, page_size: i32) -> Result<LicenseReport, vbr::Error> {
    let license = client.get_installed_license().await?;
    let instances = match license.instance_license_summary {
        Some(_) => Some(
            client
                .get_licensed_instances_stream(GetLicensedInstancesParams::new().with_limit(page_size))
                .try_collect()
                .await?,
        ),
        None => None,
    };
    let sockets = match license.socket_license_summary {
        Some(_) => Some(
            client
                .get_licensed_sockets_stream(GetLicensedSocketsParams::new().with_limit(page_size))
                .try_collect()
                .await?,
        ),
        None => None,
    };
    let capacity = match license.capacity_license_summary {
        Some(_) => Some(client.get_licensed_capacity().await?.workloads),
        None => None,
    };
    Ok(LicenseReport { license, instances, sockets, capacity })
}

/// What an operator should look at, one sentence each: the license is not valid, a section
/// is used beyond what it licenses, or a section expires within `warn_days` of `now` (or has
/// expired).
pub fn warnings(report: &LicenseReport, now: DateTime<Utc>, warn_days: i64) -> Vec<String> {
    let license = &report.license;
    let mut warnings = Vec::new();
    if license.status != EInstalledLicenseStatus::Valid {
        warnings.push(format!("the license is {}", license.status));
    }
    let mut expiry = |section: &str, date: Option<DateTime<Utc>>| {
        if let Some(date) = date {
            let days = (date - now).num_days();
            if date <= now {
                warnings.push(format!("the {section} section expired on {}", date.format("%Y-%m-%d")));
            } else if days < warn_days {
                warnings
                    .push(format!("the {section} section expires in {days} day(s), on {}", date.format("%Y-%m-%d")));
            }
        }
    };
    if let Some(s) = &license.instance_license_summary {
        expiry("instance", s.expiration_date);
    }
    if let Some(s) = &license.socket_license_summary {
        expiry("socket", s.expiration_date);
    }
    if let Some(s) = &license.instance_license_summary {
        if s.used_instances_number > s.licensed_instances_number {
            warnings.push(format!(
                "{} instances are used, {} are licensed",
                s.used_instances_number, s.licensed_instances_number
            ));
        }
    }
    if let Some(s) = &license.socket_license_summary {
        if s.used_sockets_number > s.licensed_sockets_number {
            warnings.push(format!(
                "{} sockets are used, {} are licensed",
                s.used_sockets_number, s.licensed_sockets_number
            ));
        }
    }
    if let Some(s) = &license.capacity_license_summary {
        if s.used_capacity_tb > s.licensed_capacity_tb {
            warnings.push(format!("{} TB are used, {} TB are licensed", s.used_capacity_tb, s.licensed_capacity_tb));
        }
    }
    warnings
}

fn yes_no(value: bool) -> &'static str {
    if value {
        "yes"
    } else {
        "no"
    }
}

fn date(value: Option<DateTime<Utc>>) -> String {
    value.map_or_else(|| "never".to_owned(), |d| d.format("%Y-%m-%d").to_string())
}

/// Writes the rows with each column as wide as its widest cell, indented by two spaces.
fn write_rows(out: &mut impl Write, rows: &[[String; 4]]) -> std::io::Result<()> {
    let width = |i: usize| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0);
    let (a, b, c, d) = (width(0), width(1), width(2), width(3));
    for [w, x, y, z] in rows {
        writeln!(out, "{}", format!("  {w:<a$}  {x:<b$}  {y:<c$}  {z:>d$}").trim_end())?;
    }
    Ok(())
}

/// Writes the license, each section's totals and its workloads, then the warnings.
pub fn write_report(out: &mut impl Write, report: &LicenseReport, warnings: &[String]) -> std::io::Result<()> {
    let l = &report.license;
    let kind = l.r#type.as_ref().map(|t| format!(" ({t})")).unwrap_or_default();
    writeln!(out, "License:      {} edition{kind}, {}", l.edition, l.status)?;
    writeln!(out, "Licensed to:  {}", l.licensed_to)?;
    writeln!(out, "Support ID:   {}", l.support_id)?;
    writeln!(
        out,
        "Auto update:  {}; Cloud Connect: {}; unlicensed agents consume instances: {}",
        yes_no(l.auto_update_enabled),
        l.cloud_connect,
        yes_no(l.free_agent_instance_consumption_enabled)
    )?;

    if let Some(s) = &l.instance_license_summary {
        writeln!(
            out,
            "\nInstances: {} used of {} (new {}, rental {}), expires {}",
            s.used_instances_number,
            s.licensed_instances_number,
            s.new_instances_number,
            s.rental_instances_number,
            date(s.expiration_date)
        )?;
        let rows: Vec<[String; 4]> = report
            .instances
            .iter()
            .flatten()
            .map(|w| {
                let name = w.display_name.clone().unwrap_or_else(|| w.name.clone());
                [name, w.host_name.clone(), w.r#type.clone(), w.used_instances_number.to_string()]
            })
            .collect();
        write_rows(out, &rows)?;
    }
    if let Some(s) = &l.socket_license_summary {
        writeln!(
            out,
            "\nSockets: {} used of {} ({} remaining), expires {}",
            s.used_sockets_number,
            s.licensed_sockets_number,
            s.remaining_sockets_number,
            date(s.expiration_date)
        )?;
        let rows: Vec<[String; 4]> = report
            .sockets
            .iter()
            .flatten()
            .map(|w| {
                [
                    w.host_name.clone(),
                    w.r#type.to_string(),
                    format!("{} cores", w.cores_number),
                    w.sockets_number.to_string(),
                ]
            })
            .collect();
        write_rows(out, &rows)?;
    }
    if let Some(s) = &l.capacity_license_summary {
        writeln!(out, "\nCapacity: {} TB used of {} TB", s.used_capacity_tb, s.licensed_capacity_tb)?;
        let rows: Vec<[String; 4]> = report
            .capacity
            .iter()
            .flatten()
            .map(|w| [w.name.clone(), w.r#type.to_string(), String::new(), format!("{} TB", w.used_capacity_tb)])
            .collect();
        write_rows(out, &rows)?;
    }
    if l.instance_license_summary.is_none()
        && l.socket_license_summary.is_none()
        && l.capacity_license_summary.is_none()
    {
        writeln!(out, "\nThe license has no instance, socket or capacity section.")?;
    }
    for w in warnings {
        writeln!(out, "warning: {w}")?;
    }
    Ok(())
}

/// The whole example: reads the license and its consumption, writes them to `out`, and
/// returns the warnings.
pub async fn license(
    client: &vbr::Client,
    page_size: i32,
    now: DateTime<Utc>,
    warn_days: i64,
    out: &mut impl Write,
) -> Result<Vec<String>, String> {
    let report = fetch(client, page_size).await.map_err(|e| format!("cannot read the license: {e}"))?;
    let warnings = warnings(&report, now, warn_days);
    write_report(out, &report, &warnings).map_err(|e| format!("cannot write the report: {e}"))?;
    Ok(warnings)
}

/// 0 without warnings, 2 with.
pub fn exit_code(warnings: &[String]) -> u8 {
    if warnings.is_empty() {
        0
    } else {
        2
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(warnings) => ExitCode::from(exit_code(&warnings)),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<Vec<String>, String> {
    let var = |name: &str| std::env::var(name).map_err(|_| format!("set {name} (see the top of examples/license.rs)"));
    let number = |name: &str, default: i64| match std::env::var(name) {
        Ok(v) => v.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| format!("{name} must be a number, not `{v}`")),
        Err(_) => Ok(default),
    };
    let page_size =
        i32::try_from(number("VEEAM_PAGE_SIZE", 200)?).map_err(|_| "VEEAM_PAGE_SIZE is too large".to_owned())?;
    let warn_days = number("VEEAM_LICENSE_WARN_DAYS", 30)?;
    let client = vbr::Client::builder(var("VEEAM_URL")?).build().map_err(|e| e.to_string())?;
    client
        .login(&var("VEEAM_USER")?, Secret::from(var("VEEAM_PASSWORD")?))
        .await
        .map_err(|e| format!("cannot log in: {e}"))?;
    let stdout = std::io::stdout();
    let warnings = license(&client, page_size, Utc::now(), warn_days, &mut stdout.lock()).await;
    client.logout().await.ok();
    warnings
}
