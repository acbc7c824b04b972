//! Starts a backup job by its name, waits for the session with a progress bar, prints how it
//! ended and lists the restore points that run made.
//!
//! ```text
//! VEEAM_URL=https://vbr.example.com:9419 VEEAM_USER='DOMAIN\administrator' VEEAM_PASSWORD='...' \
//!     cargo run -p veeam-client --example backup_job -- 'Nightly'
//! ```
//!
//! - The job is named by the first argument or `VEEAM_JOB`; its name must match exactly one
//!   job (the server's `nameFilter` is a pattern, so the example compares names itself).
//! - `VEEAM_WAIT_MINUTES` (default 240) is how long to wait; after that the example gives up
//!   and the job goes on on the server.
//! - The progress bar is drawn on standard error only when it is a terminal.
//!
//! The exit code is 0 on success, 2 when the session ended with warnings or the job had
//! nothing to process, 1 when it failed or the example could not do its work.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use veeam_client::runtime::{Done, Secret, WaitError};
use veeam_client::vbr::{
    self,
    types::{
        GetAllBackupsParams, GetAllJobsParams, GetAllObjectRestorePointsParams, JobModel, SessionModel,
        StartJobResponse,
    },
};

/// A job, as far as this example needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    /// The job's id.
    pub id: uuid::Uuid,
    /// The job's name.
    pub name: String,
}

/// How a run ended, and the exit code that says so.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The session ended `Success`.
    Success,
    /// The session ended `Warning`, or the job had nothing to process and made no session.
    Warning,
    /// The session ended `Failed` (or was cancelled).
    Failed,
}

impl Verdict {
    /// 0 on success, 2 on warning, 1 on failure.
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Success => 0,
            Verdict::Warning => 2,
            Verdict::Failed => 1,
        }
    }
}

/// What came of starting the job and waiting for it.
#[derive(Debug)]
pub enum Run {
    /// The server answered 204: the job has no objects to process and no session was made.
    NothingToProcess,
    /// The session ended; `session` is its last status.
    Ended {
        /// Success, warning or failure.
        verdict: Verdict,
        /// The session's message (the server's reason for a warning or a failure).
        message: Option<String>,
        /// The session as last read.
        session: Box<SessionModel>,
    },
}

/// One restore point the run made.
#[derive(Clone, Debug, PartialEq)]
pub struct RestorePoint {
    /// The backed-up object's name.
    pub name: String,
    /// When the restore point was created.
    pub created: DateTime<Utc>,
    /// `Full`, `Increment`, ... (empty when the server does not say).
    pub kind: String,
    /// The name of the backup it belongs to.
    pub backup: String,
}

/// How long to wait for the session, and how often to look.
#[derive(Clone, Copy, Debug)]
pub struct Waiting {
    /// Give up after this long (the job goes on on the server).
    pub timeout: Duration,
    /// The first delay between two reads of the session.
    pub first_poll: Duration,
    /// The longest delay between two reads; delays grow from the first up to this.
    pub max_poll: Duration,
}

impl Default for Waiting {
    fn default() -> Self {
        Waiting {
            timeout: Duration::from_secs(4 * 60 * 60),
            first_poll: Duration::from_secs(2),
            max_poll: Duration::from_secs(30),
        }
    }
}

/// The id and name of a job of any kind; for a kind this client does not know, read from the
/// record as the server sent it.
fn id_and_name(job: &JobModel) -> Option<(uuid::Uuid, String)> {
    macro_rules! each_kind {
        ($($kind:ident),* $(,)?) => {
            match job {
                $(JobModel::$kind(j) => Some((j.id, j.name.clone())),)*
                JobModel::UnknownVariant(record) => {
                    let id = record.0.get("id")?.as_str()?.parse().ok()?;
                    Some((id, record.0.get("name")?.as_str()?.to_owned()))
                }
            }
        };
    }
    each_kind!(
        VSphereBackup,
        BackupCopy,
        HyperVBackup,
        CloudDirectorBackup,
        VSphereReplica,
        EntraIDTenantBackup,
        EntraIDAuditLogBackup,
        FileBackupCopy,
        WindowsAgentBackup,
        LinuxAgentBackup,
        WindowsAgentBackupWorkstationPolicy,
        LinuxAgentBackupWorkstationPolicy,
        WindowsAgentBackupServerPolicy,
        LinuxAgentBackupServerPolicy,
        FileBackup,
        ObjectStorageBackup,
        EntraIDTenantBackupCopy,
        SureBackupContentScan,
        IrisBackup,
    )
}

/// The one job named exactly `name`. The server's `nameFilter` narrows the listing (it is a
/// pattern that may match other fields too); the names are then compared here, and none or
/// more than one is an error that says which.
pub async fn find_job(client: &vbr::Client, name: &str, page_size: i32) -> Result<Job, String> {
    let params = GetAllJobsParams::new().with_name_filter(name).with_limit(page_size);
    let jobs: Vec<JobModel> =
        client.get_all_jobs_stream(params).try_collect().await.map_err(|e| format!("cannot list the jobs: {e}"))?;
    let mut found: Vec<Job> =
        jobs.iter().filter_map(id_and_name).filter(|(_, n)| n == name).map(|(id, name)| Job { id, name }).collect();
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(format!("no job is named `{name}`")),
        n => {
            let ids: Vec<String> = found.iter().map(|j| j.id.to_string()).collect();
            Err(format!("{n} jobs are named `{name}` ({}); rename one of them", ids.join(", ")))
        }
    }
}

/// Starts the job and waits for its session, drawing `bar` as it goes.
///
/// A session that ends `Failed` is a [`Run::Ended`] with [`Verdict::Failed`], not an error:
/// it is the answer the operator asked for. Errors are what kept the example from knowing
/// the answer (the start refused, a read of the session failed, the wait timed out).
pub async fn start_and_wait(
    client: &vbr::Client,
    job: &Job,
    waiting: Waiting,
    bar: &ProgressBar,
) -> Result<Run, String> {
    let session = match client.start_job(job.id, None).await {
        Ok(StartJobResponse::Created(session)) => session,
        Ok(StartJobResponse::NoContent) => return Ok(Run::NothingToProcess),
        Err(e) => return Err(format!("cannot start `{}`: {e}", job.name)),
    };
    bar.set_message(session.name.clone());
    let waited = session
        .wait(client)
        .timeout(waiting.timeout)
        .poll_interval(waiting.first_poll, waiting.max_poll)
        .on_progress(|p| {
            bar.set_position(p.percent.map_or(0, u64::from));
            bar.set_prefix(p.state.to_owned());
        })
        .await;
    bar.finish_and_clear();
    let ended = |verdict, session: SessionModel| {
        let message = session.result.as_ref().and_then(|r| r.message.clone()).filter(|m| !m.is_empty());
        Ok(Run::Ended { verdict, message, session: Box::new(session) })
    };
    match waited {
        Ok(Done::Success(session)) => ended(Verdict::Success, session),
        Ok(Done::Warning(session)) => ended(Verdict::Warning, session),
        Err(WaitError::Failed { status, .. }) => ended(Verdict::Failed, *status),
        Err(e) => Err(format!("`{}`: {e}", job.name)),
    }
}

/// The restore points of the job's backups created while `session` ran (from its start to
/// its end, when it has one), oldest first.
///
/// VBR lists restore points per backup, not per session: the job's backups are found with
/// `jobIdFilter`, and each one's restore points with `backupIdFilter` and `createdAfterFilter`
/// (a second early, as the server's filter is strict), then checked here against the
/// session's times.
pub async fn restore_points_of_run(
    client: &vbr::Client,
    job: &Job,
    session: &SessionModel,
    page_size: i32,
) -> Result<Vec<RestorePoint>, vbr::Error> {
    let start = session.creation_time;
    let end = session.end_time;
    let backups: Vec<_> = client
        .get_all_backups_stream(GetAllBackupsParams::new().with_job_id_filter(job.id).with_limit(page_size))
        .try_collect()
        .await?;
    let mut points = Vec::new();
    for backup in backups {
        let params = GetAllObjectRestorePointsParams::new()
            .with_backup_id_filter(backup.id)
            .with_created_after_filter(start - chrono::Duration::seconds(1))
            .with_limit(page_size);
        let mut stream = std::pin::pin!(client.get_all_object_restore_points_stream(params));
        while let Some(point) = stream.try_next().await? {
            let during = point.creation_time >= start && end.is_none_or(|end| point.creation_time <= end);
            if during {
                points.push(RestorePoint {
                    name: point.name,
                    created: point.creation_time,
                    kind: point.r#type.map(|t| t.to_string()).unwrap_or_default(),
                    backup: backup.name.clone(),
                });
            }
        }
    }
    points.sort_by(|a, b| (a.created, &a.name).cmp(&(b.created, &b.name)));
    Ok(points)
}

/// Writes how the run ended, as one line: `Nightly: success`, `Nightly: warning: <message>`,
/// `Nightly: failed: <message>`.
pub fn outcome_line(job: &Job, verdict: Verdict, message: Option<&str>) -> String {
    let word = match verdict {
        Verdict::Success => "success",
        Verdict::Warning => "warning",
        Verdict::Failed => "failed",
    };
    match message {
        Some(m) => format!("{}: {word}: {m}", job.name),
        None => format!("{}: {word}", job.name),
    }
}

/// Writes the restore points, one a line, the columns aligned.
pub fn write_restore_points(out: &mut impl Write, points: &[RestorePoint]) -> std::io::Result<()> {
    if points.is_empty() {
        return writeln!(out, "no restore points were made by this run");
    }
    writeln!(out, "{} restore point(s) made by this run:", points.len())?;
    let width = |f: fn(&RestorePoint) -> &str| points.iter().map(|p| f(p).chars().count()).max().unwrap_or(0);
    let (name_w, kind_w) = (width(|p| &p.name), width(|p| &p.kind));
    for p in points {
        writeln!(
            out,
            "  {}  {:<name_w$}  {:<kind_w$}  {}",
            p.created.format("%Y-%m-%d %H:%M:%S"),
            p.name,
            p.kind,
            p.backup
        )?;
    }
    Ok(())
}

/// The whole example: finds the job, runs it, waits, and writes the outcome and the restore
/// points to `out`. Returns the verdict (whose exit code `main` uses).
pub async fn run_job(
    client: &vbr::Client,
    name: &str,
    waiting: Waiting,
    page_size: i32,
    bar: &ProgressBar,
    out: &mut impl Write,
) -> Result<Verdict, String> {
    let io = |e: std::io::Error| format!("cannot write the report: {e}");
    let job = find_job(client, name, page_size).await?;
    let (verdict, message, session) = match start_and_wait(client, &job, waiting, bar).await? {
        Run::NothingToProcess => {
            let line = outcome_line(&job, Verdict::Warning, Some("nothing to process, no session was started"));
            writeln!(out, "{line}").map_err(io)?;
            return Ok(Verdict::Warning);
        }
        Run::Ended { verdict, message, session } => (verdict, message, session),
    };
    writeln!(out, "{}", outcome_line(&job, verdict, message.as_deref())).map_err(io)?;
    // A failed run can still have backed up some of its objects; their points are listed too.
    let points = restore_points_of_run(client, &job, &session, page_size)
        .await
        .map_err(|e| format!("the job ran, but its restore points cannot be listed: {e}"))?;
    write_restore_points(out, &points).map_err(io)?;
    Ok(verdict)
}

/// The bar: state, a 0..100 gauge and the session's name; drawn only on a terminal.
pub fn progress_bar() -> ProgressBar {
    let bar = ProgressBar::new(100);
    if !std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    if let Ok(style) = ProgressStyle::with_template("{prefix:>10} [{bar:40}] {pos:>3}% {msg}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(verdict) => ExitCode::from(verdict.exit_code()),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<Verdict, String> {
    let var =
        |name: &str| std::env::var(name).map_err(|_| format!("set {name} (see the top of examples/backup_job.rs)"));
    let name = match std::env::args().nth(1) {
        Some(name) => name,
        None => var("VEEAM_JOB")?,
    };
    let mut waiting = Waiting::default();
    if let Ok(v) = std::env::var("VEEAM_WAIT_MINUTES") {
        let minutes: u64 = v
            .parse()
            .ok()
            .filter(|m| (1..=7 * 24 * 60).contains(m))
            .ok_or_else(|| format!("VEEAM_WAIT_MINUTES must be a number of minutes up to a week, not `{v}`"))?;
        waiting.timeout = Duration::from_secs(60 * minutes);
    }
    let client = vbr::Client::builder(var("VEEAM_URL")?).build().map_err(|e| e.to_string())?;
    client
        .login(&var("VEEAM_USER")?, Secret::from(var("VEEAM_PASSWORD")?))
        .await
        .map_err(|e| format!("cannot log in: {e}"))?;
    let stdout = std::io::stdout();
    let verdict = run_job(&client, &name, waiting, 200, &progress_bar(), &mut stdout.lock()).await;
    client.logout().await.ok();
    verdict
}
