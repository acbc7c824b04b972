//! The operator examples (`generated-client/examples/backup_job.rs`, `inventory.rs`,
//! `license.rs`) run against the typed mock server: typed handlers script what a VBR server
//! would answer, the examples' pub functions do their work through the generated client, and
//! the tests read what they printed and returned. Each example also meets a server that
//! answers badly (no such job, two of them, a failed session, a repository without space, a
//! listing that lies about its total, an expired and overused license).

#[path = "../../generated-client/examples/backup_job.rs"]
#[allow(dead_code)]
mod backup_job;
#[path = "../../generated-client/examples/inventory.rs"]
#[allow(dead_code)]
mod inventory;
#[path = "../../generated-client/examples/license.rs"]
#[allow(dead_code)]
mod license;

use std::time::Duration;

use chrono::{DateTime, Utc};
use uuid::Uuid;
use veeam_client::runtime::{mock::sequence, RetryPolicy, Secret};
use veeam_client::vbr::mock::*;
use veeam_client::vbr::{self, types::*};

async fn logged_in(server: &MockServer) -> vbr::Client {
    let client = vbr::Client::builder(server.url())
        .retry(RetryPolicy { max_attempts: 1, ..RetryPolicy::default() })
        .build()
        .unwrap();
    client.login("admin", Secret::from("pw")).await.unwrap();
    client
}

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

/// One page of `all`, as a VBR listing answers `skip` and `limit`, with an honest total.
fn page<T: Clone>(all: &[T], skip: Option<i32>, limit: Option<i32>) -> (Vec<T>, PaginationResult) {
    let skip = usize::try_from(skip.unwrap_or(0)).unwrap();
    let limit = usize::try_from(limit.unwrap_or(200)).unwrap();
    let data: Vec<T> = all.iter().skip(skip).take(limit).cloned().collect();
    let pagination =
        PaginationResult::new(all.len() as i32, data.len() as i32).with_skip(skip as i32).with_limit(limit as i32);
    (data, pagination)
}

fn text(out: Vec<u8>) -> String {
    String::from_utf8(out).unwrap()
}

// ---------------------------------------------------------------------------------------------
// backup_job

const START: &str = "2026-11-30T03:00:00Z";
const END: &str = "2026-11-30T03:30:00Z";

fn fast() -> backup_job::Waiting {
    backup_job::Waiting {
        timeout: Duration::from_secs(10),
        first_poll: Duration::from_millis(5),
        max_poll: Duration::from_millis(5),
    }
}

/// The session of a run of `job`, in `state`, with a result once it has stopped.
fn session(job: Uuid, state: ESessionState, progress: i64, result: Option<(ESessionResult, &str)>) -> SessionModel {
    let mut s =
        SessionModel::new(Uuid::from_u128(0x5e55), "Nightly", job, ESessionType::BackupJob, at(START), state, 7)
            .with_progress_percent(progress);
    if let Some((result, message)) = result {
        let mut r = SessionResultModel::new(result).with_is_canceled(false);
        if !message.is_empty() {
            r = r.with_message(message);
        }
        s.result = Some(r);
        s.end_time = Some(at(END));
    }
    s
}

/// A vSphere backup job as the spec's example describes one, under another id and name: the
/// mock answers `GetAllJobs` with that example until a handler is registered.
async fn vsphere_job(client: &vbr::Client, id: Uuid, name: &str) -> JobModel {
    let example = client.get_all_jobs(&GetAllJobsParams::new()).await.unwrap();
    let Some(JobModel::VSphereBackup(mut job)) = example.data.into_iter().next() else {
        panic!("the spec's example of GetAllJobs starts with a vSphere backup job")
    };
    job.id = id;
    job.name = name.to_owned();
    JobModel::VSphereBackup(job)
}

/// Answers `GetAllJobs` from `jobs` as a server does with `nameFilter`: a looser match than
/// equality (here: the name contains the filter), one page at a time.
fn serve_jobs(server: &MockServer, jobs: Vec<JobModel>) {
    server.on_get_all_jobs(move |req: GetAllJobsRequest| {
        let filter = req.name_filter.clone().expect("the example narrows the listing with nameFilter");
        let matching: Vec<JobModel> = jobs
            .iter()
            .filter(|j| match j {
                JobModel::VSphereBackup(j) => j.name.contains(&filter),
                JobModel::ObjectStorageBackup(j) => j.name.contains(&filter),
                JobModel::FileBackupCopy(j) => j.name.contains(&filter),
                other => panic!("no such job in this test: {other:?}"),
            })
            .cloned()
            .collect();
        let (data, pagination) = page(&matching, req.skip, req.limit);
        async move { GetAllJobsReply::Ok(JobsResult::new(data, pagination)) }
    });
}

/// The job's two backups, and restore points of each: some made during the run, one made the
/// day before and one made after the run ended (by the next run).
fn serve_backups_and_points(server: &MockServer, job: Uuid) {
    let vms = BackupModel::new(Uuid::from_u128(0xb1), "Nightly", "VMware", Uuid::nil(), at(START), Uuid::nil())
        .with_job_type("VSphereBackup")
        .with_job_id(job);
    let sql = BackupModel::new(Uuid::from_u128(0xb2), "Nightly SQL", "VMware", Uuid::nil(), at(START), Uuid::nil())
        .with_job_type("VSphereBackup")
        .with_job_id(job);
    let backups = vec![vms, sql];
    server.on_get_all_backups(move |req: GetAllBackupsRequest| {
        assert_eq!(req.job_id_filter, Some(job), "the backups of the job that ran");
        let (data, pagination) = page(&backups, req.skip, req.limit);
        async move { GetAllBackupsReply::Ok(BackupsResult::new(data, pagination)) }
    });
    let point = |n: u128, name: &str, backup: u128, created: &str, kind: ERestorePointType| {
        ObjectRestorePointModel::new(
            Uuid::from_u128(n),
            name,
            "VMware",
            Uuid::nil(),
            at(created),
            Uuid::from_u128(backup),
            Vec::new(),
        )
        .with_type(kind)
    };
    let points = [
        point(1, "fileserver01", 0xb1, "2026-11-29T03:12:00Z", ERestorePointType::Increment),
        point(2, "fileserver01", 0xb1, "2026-11-30T03:10:00Z", ERestorePointType::Increment),
        point(3, "webserver02", 0xb1, "2026-11-30T03:00:00Z", ERestorePointType::Increment),
        point(4, "sql01", 0xb2, "2026-11-30T03:20:00Z", ERestorePointType::Full),
        point(5, "sql01", 0xb2, "2026-12-01T03:20:00Z", ERestorePointType::Increment),
    ];
    server.on_get_all_object_restore_points(move |req: GetAllObjectRestorePointsRequest| {
        assert_eq!(req.created_after_filter, Some(at("2026-11-30T02:59:59Z")), "a second before the session began");
        // The backup filter is honoured; the time filter is left to the example, to prove it
        // checks the times itself.
        let backup = req.backup_id_filter.expect("restore points are listed per backup");
        let of_backup: Vec<_> = points.iter().filter(|p| p.backup_id == backup).cloned().collect();
        let (data, pagination) = page(&of_backup, req.skip, req.limit);
        async move { GetAllObjectRestorePointsReply::Ok(ObjectRestorePointsResult::new(data, pagination)) }
    });
}

/// Two jobs whose names contain "Nightly" and one other; the run of "Nightly" goes Working
/// 0 → 40 → 80 → Stopped/Success, and its restore points are listed, those of other runs not.
#[tokio::test]
async fn backup_job_runs_the_job_named_exactly_waits_and_lists_the_runs_restore_points() {
    let server = MockServer::start().await.unwrap();
    let client = logged_in(&server).await;
    let nightly = Uuid::from_u128(0x10b);
    let jobs = vec![
        JobModel::ObjectStorageBackup(ObjectStorageBackupJobModel::new(
            Uuid::from_u128(0x20b),
            "Nightly (object storage)",
        )),
        vsphere_job(&client, nightly, "Nightly").await,
        JobModel::FileBackupCopy(FileBackupCopyJobModel::new(Uuid::from_u128(0x30b), "Weekly", Uuid::nil())),
    ];
    serve_jobs(&server, jobs);
    let first = session(nightly, ESessionState::Starting, 0, None);
    server.on_start_job(move |req: StartJobRequest| {
        assert_eq!(req.id, nightly, "the job named exactly `Nightly` is started");
        let first = first.clone();
        async move { StartJobReply::Created(first) }
    });
    server.on_get_session(sequence([
        GetSessionReply::Ok(session(nightly, ESessionState::Working, 40, None)),
        GetSessionReply::Ok(session(nightly, ESessionState::Working, 80, None)),
        GetSessionReply::Ok(session(nightly, ESessionState::Stopped, 100, Some((ESessionResult::Success, "")))),
    ]));
    serve_backups_and_points(&server, nightly);

    let bar = indicatif::ProgressBar::hidden();
    let mut out = Vec::new();
    let verdict = backup_job::run_job(&client, "Nightly", fast(), 1, &bar, &mut out).await.unwrap();
    assert_eq!((verdict, verdict.exit_code()), (backup_job::Verdict::Success, 0));
    assert_eq!(
        text(out),
        "Nightly: success\n\
         3 restore point(s) made by this run:\n  \
         2026-11-30 03:00:00  webserver02   Increment  Nightly\n  \
         2026-11-30 03:10:00  fileserver01  Increment  Nightly\n  \
         2026-11-30 03:20:00  sql01         Full       Nightly SQL\n"
    );
    assert_eq!(bar.position(), 100, "the bar followed the session's progress");
    assert_eq!(server.calls("StartJob").len(), 1);
    assert_eq!(server.calls("GetSession").len(), 3, "polled until the session stopped");
    // With one item a page, every listing took several pages: the two matching jobs, the two
    // backups, and the restore points (three of the first backup, two of the second).
    assert_eq!(server.calls("GetAllJobs").len(), 1 + 2, "the template read, then two pages");
    assert_eq!(server.calls("GetAllBackups").len(), 2);
    assert_eq!(server.calls("GetAllObjectRestorePoints").len(), 3 + 2);
}

/// Warning and failure end the run with their own outcome line and exit code; a failed run
/// still lists what it did back up.
#[tokio::test]
async fn backup_job_reports_a_warning_and_a_failure_with_their_exit_codes() {
    for (result, message, line, verdict, code) in [
        (
            ESessionResult::Warning,
            "1 of 3 VMs skipped",
            "Nightly: warning: 1 of 3 VMs skipped",
            backup_job::Verdict::Warning,
            2,
        ),
        (
            ESessionResult::Failed,
            "Repository is out of space",
            "Nightly: failed: Repository is out of space",
            backup_job::Verdict::Failed,
            1,
        ),
    ] {
        let server = MockServer::start().await.unwrap();
        let client = logged_in(&server).await;
        let nightly = Uuid::from_u128(0x10b);
        serve_jobs(&server, vec![vsphere_job(&client, nightly, "Nightly").await]);
        let first = session(nightly, ESessionState::Working, 10, None);
        server.on_start_job(move |_| {
            let first = first.clone();
            async move { StartJobReply::Created(first) }
        });
        server.on_get_session(sequence([GetSessionReply::Ok(session(
            nightly,
            ESessionState::Stopped,
            100,
            Some((result, message)),
        ))]));
        serve_backups_and_points(&server, nightly);
        let mut out = Vec::new();
        let got = backup_job::run_job(&client, "Nightly", fast(), 200, &indicatif::ProgressBar::hidden(), &mut out)
            .await
            .unwrap();
        assert_eq!((got, got.exit_code()), (verdict, code));
        let out = text(out);
        assert_eq!(out.lines().next(), Some(line), "{out}");
        assert!(out.contains("3 restore point(s) made by this run:"), "{out}");
    }
}

/// A job that does not exist, or a name two jobs share: an error that says so, and no job is
/// started.
#[tokio::test]
async fn backup_job_refuses_a_missing_or_ambiguous_name_and_starts_nothing() {
    let server = MockServer::start().await.unwrap();
    let client = logged_in(&server).await;
    let (a, b) = (Uuid::from_u128(0xa), Uuid::from_u128(0xb));
    serve_jobs(
        &server,
        vec![
            vsphere_job(&client, a, "Nightly").await,
            JobModel::ObjectStorageBackup(ObjectStorageBackupJobModel::new(b, "Nightly")),
            JobModel::FileBackupCopy(FileBackupCopyJobModel::new(Uuid::from_u128(0xc), "Nightly copy", Uuid::nil())),
        ],
    );
    let bar = indicatif::ProgressBar::hidden();
    let mut out = Vec::new();
    let err = backup_job::run_job(&client, "Nightly", fast(), 2, &bar, &mut out).await.unwrap_err();
    assert_eq!(err, format!("2 jobs are named `Nightly` ({a}, {b}); rename one of them"));
    let err = backup_job::run_job(&client, "Night", fast(), 2, &bar, &mut out).await.unwrap_err();
    assert_eq!(err, "no job is named `Night`", "a job whose name only contains the filter is not taken");
    assert!(server.calls("StartJob").is_empty(), "nothing was started");
    assert!(out.is_empty(), "nothing was printed: {}", text(out));
}

/// `StartJob` answers 204 when the job has nothing to process: no session to wait for, a
/// warning.
#[tokio::test]
async fn backup_job_with_nothing_to_process_is_a_warning_without_a_session() {
    let server = MockServer::start().await.unwrap();
    let client = logged_in(&server).await;
    let nightly = Uuid::from_u128(0x10b);
    serve_jobs(&server, vec![vsphere_job(&client, nightly, "Nightly").await]);
    server.on_start_job(|_| async { StartJobReply::NoContent });
    let mut out = Vec::new();
    let verdict = backup_job::run_job(&client, "Nightly", fast(), 200, &indicatif::ProgressBar::hidden(), &mut out)
        .await
        .unwrap();
    assert_eq!((verdict, verdict.exit_code()), (backup_job::Verdict::Warning, 2));
    assert_eq!(text(out), "Nightly: warning: nothing to process, no session was started\n");
    assert!(server.calls("GetSession").is_empty());
    assert!(server.calls("GetAllBackups").is_empty());
}

// ---------------------------------------------------------------------------------------------
// inventory

fn serve_servers(server: &MockServer) {
    let servers = vec![
        ManagedServerModel::WindowsHost(
            WindowsHostModel::new(Uuid::from_u128(1), "vbr01.tech.local", "Backup server", "Available")
                .with_credentials_storage_type("Permanent"),
        ),
        ManagedServerModel::LinuxHost(LinuxHostModel::new(
            Uuid::from_u128(2),
            "repo01.tech.local",
            "Hardened repository",
            "Available",
            "SingleUse",
        )),
        ManagedServerModel::WindowsHost(
            WindowsHostModel::new(Uuid::from_u128(3), "proxy02.tech.local", "", "Unavailable")
                .with_credentials_storage_type("Permanent"),
        ),
    ];
    server.on_get_all_managed_servers(move |req: GetAllManagedServersRequest| {
        let (data, pagination) = page(&servers, req.skip, req.limit);
        async move { GetAllManagedServersReply::Ok(ManagedServersResult::new(data, pagination)) }
    });
}

const DEFAULT_REPO: u128 = 0xd1;
const HARDENED: u128 = 0xd2;
const NAS: u128 = 0xd3;

fn serve_repositories(server: &MockServer, states: Vec<RepositoryStateModel>) {
    let repositories = vec![
        RepositoryModel::WinLocal(WindowsLocalStorageModel::new(
            Uuid::from_u128(DEFAULT_REPO),
            "Default Backup Repository",
            "Created by Veeam Backup",
            Uuid::from_u128(1),
            WindowsLocalRepositorySettingsModel::new("C:\\Backup"),
        )),
        RepositoryModel::LinuxHardened(LinuxHardenedStorageModel::new(
            Uuid::from_u128(HARDENED),
            "Hardened Linux",
            "",
            Uuid::from_u128(2),
            LinuxHardenedRepositorySettingsModel::new(),
        )),
        RepositoryModel::WinLocal(WindowsLocalStorageModel::new(
            Uuid::from_u128(NAS),
            "Old NAS",
            "",
            Uuid::from_u128(3),
            WindowsLocalRepositorySettingsModel::new("E:\\Backup"),
        )),
    ];
    server.on_get_all_repositories(move |req: GetAllRepositoriesRequest| {
        let (data, pagination) = page(&repositories, req.skip, req.limit);
        async move { GetAllRepositoriesReply::Ok(RepositoriesResult::new(data, pagination)) }
    });
    server.on_get_all_repositories_states(move |req: GetAllRepositoriesStatesRequest| {
        let (data, pagination) = page(&states, req.skip, req.limit);
        async move { GetAllRepositoriesStatesReply::Ok(RepositoryStatesResult::new(data, pagination)) }
    });
}

fn state(id: u128, name: &str, capacity: f64, free: f64, online: bool) -> RepositoryStateModel {
    RepositoryStateModel::new(Uuid::from_u128(id), name, "WinLocal", "", capacity, free, capacity - free, online)
        .with_is_out_of_date(false)
}

fn proxies() -> Vec<ProxyModel> {
    vec![
        ProxyModel::ViProxy(ViProxyModel::new(
            Uuid::from_u128(0xe1),
            "VMware Backup Proxy",
            "Created by Veeam Backup",
            ProxyServerSettingsModel::new(Uuid::from_u128(1)).with_host_name("vbr01.tech.local").with_max_task_count(4),
        )),
        ProxyModel::GeneralPurposeProxy(GeneralPurposeProxyModel::new(
            Uuid::from_u128(0xe2),
            "linux-proxy",
            "",
            GeneralPurposeProxyServerSettingsModel::new(Uuid::from_u128(2)),
        )),
    ]
}

/// Three servers, three repositories (one of which the states listing does not report),
/// two proxies, one item a page: every table is complete and aligned, capacities are read
/// from the states and shown in GB or TB.
#[tokio::test]
async fn inventory_prints_servers_repositories_with_capacity_and_proxies() {
    let server = MockServer::start().await.unwrap();
    serve_servers(&server);
    serve_repositories(
        &server,
        vec![
            state(HARDENED, "Hardened Linux", 10240.0, 8192.0, true),
            state(DEFAULT_REPO, "Default Backup Repository", 500.0, 125.0, true),
            // A state of something the repository listing does not have (an extent, say).
            state(0xee, "Extent 1", 100.0, 50.0, true),
        ],
    );
    let all = proxies();
    server.on_get_all_proxies(move |req: GetAllProxiesRequest| {
        let (data, pagination) = page(&all, req.skip, req.limit);
        async move { GetAllProxiesReply::Ok(ProxiesResult::new(data, pagination)) }
    });
    let client = logged_in(&server).await;

    let repositories = inventory::repositories(&client, 1).await.unwrap();
    let nas = &repositories[2];
    assert_eq!((nas.name.as_str(), nas.capacity_gb, nas.free_gb, nas.online), ("Old NAS", None, None, None));
    assert_eq!(repositories[0].free_percent(), Some(25.0));

    let mut out = Vec::new();
    inventory::inventory(&client, 1, &mut out).await.unwrap();
    assert_eq!(
        text(out),
        "Managed servers (3)
NAME                TYPE         STATUS       DESCRIPTION
------------------  -----------  -----------  -------------------
vbr01.tech.local    WindowsHost  Available    Backup server
repo01.tech.local   LinuxHost    Available    Hardened repository
proxy02.tech.local  WindowsHost  Unavailable

Repositories (3)
NAME                       TYPE           CAPACITY      FREE  FREE %  ONLINE
-------------------------  -------------  --------  --------  ------  ------
Default Backup Repository  WinLocal       500.0 GB  125.0 GB     25%  yes
Hardened Linux             LinuxHardened   10.0 TB    8.0 TB     80%  yes
Old NAS                    WinLocal              -         -       -  -

Proxies (2)
NAME                 TYPE                 HOST              MAX TASKS
-------------------  -------------------  ----------------  ---------
VMware Backup Proxy  ViProxy              vbr01.tech.local          4
linux-proxy          GeneralPurposeProxy  -                         -
"
    );
    // One item a page: every listing went over several pages and none was cut short.
    assert_eq!(server.calls("GetAllManagedServers").len(), 3);
    assert_eq!(server.calls("GetAllRepositories").len(), 2 * 3);
    assert_eq!(server.calls("GetAllRepositoriesStates").len(), 2 * 3);
    assert_eq!(server.calls("GetAllProxies").len(), 2);
}

/// VBR reports a capacity of 0 for a repository it cannot reach: its space is unknown, not a
/// division by zero.
#[tokio::test]
async fn inventory_shows_an_unreachable_repository_as_unknown_not_nan() {
    let server = MockServer::start().await.unwrap();
    serve_repositories(
        &server,
        vec![
            state(DEFAULT_REPO, "Default Backup Repository", 0.0, 0.0, false),
            state(HARDENED, "Hardened Linux", 1000.0, 0.0, true),
        ],
    );
    let client = logged_in(&server).await;
    let repositories = inventory::repositories(&client, 200).await.unwrap();
    let offline = &repositories[0];
    assert_eq!((offline.capacity_gb, offline.free_percent(), offline.online), (None, None, Some(false)));
    assert_eq!(repositories[1].free_percent(), Some(0.0), "a full repository is 0% free, not unknown");
    let mut out = Vec::new();
    inventory::write_inventory(&mut out, &[], &repositories, &[]).unwrap();
    let out = text(out);
    assert!(!out.contains("NaN") && !out.contains("inf"), "{out}");
    assert!(out.contains("Default Backup Repository  WinLocal               -       -       -  no"), "{out}");
    assert!(out.contains("Hardened Linux             LinuxHardened  1000.0 GB  0.0 GB      0%  yes"), "{out}");
}

/// A listing whose total promises more than its pages hold ends the stream with an error;
/// the example reports which listing failed instead of printing a table that is short.
#[tokio::test]
async fn inventory_fails_on_a_listing_that_ends_before_its_total() {
    let server = MockServer::start().await.unwrap();
    serve_servers(&server);
    serve_repositories(&server, vec![]);
    let all = proxies();
    server.on_get_all_proxies(move |req: GetAllProxiesRequest| {
        let (data, mut pagination) = page(&all, req.skip, req.limit);
        pagination.total = 5;
        async move { GetAllProxiesReply::Ok(ProxiesResult::new(data, pagination)) }
    });
    let client = logged_in(&server).await;
    let mut out = Vec::new();
    let err = inventory::inventory(&client, 1, &mut out).await.unwrap_err();
    assert!(err.starts_with("cannot list the proxies: "), "{err}");
    assert!(out.is_empty(), "no table of a listing that was cut short: {}", text(out));
}

// ---------------------------------------------------------------------------------------------
// license

fn installed(status: &str) -> InstalledLicenseModel {
    InstalledLicenseModel::new(status, "EnterprisePlus", "ACME Corp", "0123456789", true, false, "Disabled")
        .with_is_multi_section(false)
        .with_proactive_support_enabled(false)
        .with_type("Rental")
}

fn instance_workloads() -> Vec<InstanceLicenseWorkloadModel> {
    vec![
        InstanceLicenseWorkloadModel::new("vm-101", "esx01.tech.local", 1.0, "VM", Uuid::from_u128(1))
            .with_platform_type("VMware")
            .with_can_be_revoked(true),
        InstanceLicenseWorkloadModel::new("srv-db", "srv-db.tech.local", 0.5, "Server", Uuid::from_u128(2))
            .with_platform_type("WindowsServer")
            .with_can_be_revoked(true)
            .with_display_name("Database server"),
        InstanceLicenseWorkloadModel::new("laptop-7", "laptop-7", 0.3, "Workstation", Uuid::from_u128(3))
            .with_platform_type("WindowsWorkstation")
            .with_can_be_revoked(false),
    ]
}

fn serve_instances(server: &MockServer) {
    let all = instance_workloads();
    server.on_get_licensed_instances(move |req: GetLicensedInstancesRequest| {
        let (data, pagination) = page(&all, req.skip, req.limit);
        async move { GetLicensedInstancesReply::Ok(InstanceLicenseWorkloadResult::new(data, pagination)) }
    });
}

/// An instance and capacity license: the totals, each workload (the instances over two
/// pages), and no call for the socket section the license does not have.
#[tokio::test]
async fn license_prints_the_license_and_its_consumption() {
    let server = MockServer::start().await.unwrap();
    let license = installed("Valid")
        .with_instance_license_summary(
            InstanceLicenseSummaryModel::new(100.0, 1.8, 0.0, 0.0).with_expiration_date(at("2027-06-30T00:00:00Z")),
        )
        .with_capacity_license_summary(CapacityLicenseSummaryModel::new(10.0, 1.5));
    server.on_get_installed_license(move |_| {
        let license = license.clone();
        async move { GetInstalledLicenseReply::Ok(license) }
    });
    serve_instances(&server);
    server.on_get_licensed_capacity(|_| async {
        let share = CapacityLicenseWorkloadModel::new("\\\\nas01\\projects", 1.5, "FileShare", Uuid::from_u128(9));
        GetLicensedCapacityReply::Ok(CapacityLicenseWorkloadResult::new(vec![share]))
    });
    let client = logged_in(&server).await;
    let mut out = Vec::new();
    let warnings = license::license(&client, 2, at("2026-12-01T00:00:00Z"), 30, &mut out).await.unwrap();
    assert_eq!(warnings, Vec::<String>::new());
    assert_eq!(license::exit_code(&warnings), 0);
    assert_eq!(
        text(out),
        "License:      EnterprisePlus edition (Rental), Valid
Licensed to:  ACME Corp
Support ID:   0123456789
Auto update:  yes; Cloud Connect: Disabled; unlicensed agents consume instances: no

Instances: 1.8 used of 100 (new 0, rental 0), expires 2027-06-30
  vm-101           esx01.tech.local   VM             1
  Database server  srv-db.tech.local  Server       0.5
  laptop-7         laptop-7           Workstation  0.3

Capacity: 1.5 TB used of 10 TB
  \\\\nas01\\projects  FileShare    1.5 TB
"
    );
    assert_eq!(server.calls("GetLicensedInstances").len(), 2, "three workloads, two a page");
    assert!(server.calls("GetLicensedSockets").is_empty(), "the license has no socket section");
}

/// An expired license, more instances used than licensed, a socket section about to expire:
/// each is a warning, and warnings make exit code 2.
#[tokio::test]
async fn license_warns_about_an_expired_overused_or_expiring_license() {
    let server = MockServer::start().await.unwrap();
    let license = installed("Expired")
        .with_instance_license_summary(InstanceLicenseSummaryModel::new(100.0, 105.5, 5.5, 0.0))
        .with_socket_license_summary(
            SocketLicenseSummaryModel::new(8, 6, 2).with_expiration_date(at("2026-12-11T00:00:00Z")),
        );
    server.on_get_installed_license(move |_| {
        let license = license.clone();
        async move { GetInstalledLicenseReply::Ok(license) }
    });
    serve_instances(&server);
    server.on_get_licensed_sockets(|req: GetLicensedSocketsRequest| async move {
        let hosts = vec![
            SocketLicenseWorkloadModel::new("esx01", "esx01.tech.local", Uuid::from_u128(1), 2, 32, "VSphere"),
            SocketLicenseWorkloadModel::new("hv01", "hv01.tech.local", Uuid::from_u128(2), 4, 64, "HyperV"),
        ];
        let (data, pagination) = page(&hosts, req.skip, req.limit);
        GetLicensedSocketsReply::Ok(SocketLicenseWorkloadResult::new(data, pagination))
    });
    let client = logged_in(&server).await;
    let mut out = Vec::new();
    let warnings = license::license(&client, 200, at("2026-12-01T00:00:00Z"), 30, &mut out).await.unwrap();
    assert_eq!(
        warnings,
        [
            "the license is Expired",
            "the socket section expires in 10 day(s), on 2026-12-11",
            "105.5 instances are used, 100 are licensed",
        ]
    );
    assert_eq!(license::exit_code(&warnings), 2);
    let out = text(out);
    assert!(out.contains("\nSockets: 6 used of 8 (2 remaining), expires 2026-12-11\n"), "{out}");
    assert!(out.contains("  hv01.tech.local   HyperV   64 cores  4\n"), "{out}");
    assert!(out.ends_with("warning: 105.5 instances are used, 100 are licensed\n"), "{out}");
    assert!(server.calls("GetLicensedCapacity").is_empty());
}

/// A license with no section at all (a free edition): said in so many words, and no
/// consumption is asked for.
#[tokio::test]
async fn license_without_sections_asks_for_no_consumption() {
    let server = MockServer::start().await.unwrap();
    server.on_get_installed_license(|_| async {
        let free = InstalledLicenseModel::new("Valid", "Community", "Lab", "", false, false, "Disabled")
            .with_is_multi_section(false)
            .with_proactive_support_enabled(false);
        GetInstalledLicenseReply::Ok(free)
    });
    let client = logged_in(&server).await;
    let mut out = Vec::new();
    let warnings = license::license(&client, 200, Utc::now(), 30, &mut out).await.unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert!(text(out).ends_with("\nThe license has no instance, socket or capacity section.\n"));
    for op in ["GetLicensedInstances", "GetLicensedSockets", "GetLicensedCapacity"] {
        assert!(server.calls(op).is_empty(), "{op} was called");
    }
}
