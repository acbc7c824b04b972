//! `veeam` end to end against the typed mock: log in once, list every page, start a job by
//! name and wait for its session, and the exit code of each way a command can end.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use uuid::Uuid;
use veeam_cli::Exit;
use veeam_client::runtime::mock::sequence;
use veeam_client::vbr::mock::*;
use veeam_client::vbr::types::*;

use super::{client, Operator};

fn page<T: Clone>(all: &[T], skip: Option<i32>, limit: Option<i32>) -> (Vec<T>, PaginationResult) {
    let skip = usize::try_from(skip.unwrap_or(0)).unwrap();
    let limit = usize::try_from(limit.unwrap_or(200)).unwrap();
    let data: Vec<T> = all.iter().skip(skip).take(limit).cloned().collect();
    let total = i32::try_from(all.len()).unwrap();
    let count = i32::try_from(data.len()).unwrap();
    (data, PaginationResult::new(total, count).with_skip(i32::try_from(skip).unwrap()))
}

/// `n` vSphere backup jobs named `Job 1` … (the first `Nightly`), made from the spec's example.
async fn jobs(server: &MockServer, n: u128) -> Vec<JobModel> {
    let example = client(server).await.get_all_jobs(&GetAllJobsParams::new()).await.unwrap();
    let Some(JobModel::VSphereBackup(job)) = example.data.into_iter().next() else {
        panic!("the spec's example of GetAllJobs starts with a vSphere backup job")
    };
    (1..=n)
        .map(|i| {
            let mut job = job.clone();
            job.id = Uuid::from_u128(i);
            job.name = if i == 1 { "Nightly".to_owned() } else { format!("Job {i}") };
            JobModel::VSphereBackup(job)
        })
        .collect()
}

fn name_of(job: &JobModel) -> &str {
    match job {
        JobModel::VSphereBackup(j) => &j.name,
        other => panic!("no such job in this test: {other:?}"),
    }
}

/// Serves `jobs` by page, filtered by name as VBR does (a substring).
fn serve_jobs(server: &MockServer, jobs: Vec<JobModel>) {
    server.on_get_all_jobs(move |req: GetAllJobsRequest| {
        let matching: Vec<JobModel> = jobs
            .iter()
            .filter(|j| req.name_filter.as_deref().is_none_or(|f| name_of(j).contains(f)))
            .cloned()
            .collect();
        let (data, pagination) = page(&matching, req.skip, req.limit);
        async move { GetAllJobsReply::Ok(JobsResult::new(data, pagination)) }
    });
}

fn session(state: ESessionState, progress: i64, result: Option<ESessionResult>) -> SessionModel {
    let mut s = SessionModel::new(
        Uuid::from_u128(0x5e55),
        "Nightly",
        Uuid::from_u128(1),
        ESessionType::BackupJob,
        "2026-11-30T03:00:00Z".parse().unwrap(),
        state,
        7,
    )
    .with_progress_percent(progress);
    s.result = result.map(|r| SessionResultModel::new(r).with_is_canceled(false).with_message("disk almost full"));
    s
}

/// Starting a job answers a working session; the session is read three times, then has
/// ended with `result`.
fn serve_session(server: &MockServer, result: ESessionResult) {
    server.on_start_job(|_| async { StartJobReply::Created(session(ESessionState::Working, 0, None)) });
    server.on_get_session(sequence([
        GetSessionReply::Ok(session(ESessionState::Working, 40, None)),
        GetSessionReply::Ok(session(ESessionState::Working, 80, None)),
        GetSessionReply::Ok(session(ESessionState::Stopped, 100, Some(result))),
    ]));
}

#[tokio::test]
async fn login_keeps_a_refresh_token_that_each_command_renews() {
    let server = MockServer::start().await.unwrap();
    let op = Operator::new("login");
    let run = op.login(&server).await.expect(Exit::Success);
    assert!(run.stderr.contains("Logged in to http://127.0.0.1:"), "{}", run.stderr);
    let profiles = op.profiles();
    assert!(
        profiles.contains("[vbr.t]") && profiles.contains("user = \"admin\"") && profiles.contains("store = \"file\"")
    );
    let first = op.credentials();
    assert!(first.contains("[vbr]"), "{first}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(op.dir().join("credentials.toml")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the login file is its owner's alone");
    }

    let run = op.run(&["--profile", "t", "credentials", "list", "-o", "json"], "").await.expect(Exit::Success);
    let page: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(page["data"].is_array(), "{}", run.stdout);
    // The refresh grant gave a new refresh token, which replaced the old one.
    let second = op.credentials();
    assert_ne!(first, second, "the renewed refresh token is kept");
    op.run(&["--profile", "t", "credentials", "list"], "").await.expect(Exit::Success);
    // One password grant at login, then one refresh grant per command: the password never again.
    let grants: Vec<String> = server.calls("CreateToken").iter().map(|c| c.body.clone()).collect();
    assert_eq!(grants.len(), 3, "{grants:?}");
    assert!(
        grants[0].contains("grant_type=password") && grants[1..].iter().all(|g| g.contains("grant_type=refresh_token"))
    );
}

#[tokio::test]
async fn list_all_streams_every_page() {
    let server = MockServer::start().await.unwrap();
    let op = Operator::new("list-all");
    op.login(&server).await.expect(Exit::Success);
    serve_jobs(&server, jobs(&server, 5).await);
    let before = server.calls("GetAllJobs").len();

    let run = op.run(&["--profile", "t", "jobs", "list", "--all", "--limit", "2", "-o", "json"], "").await;
    let run = run.expect(Exit::Success);
    let names: Vec<String> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["Nightly", "Job 2", "Job 3", "Job 4", "Job 5"], "one JSON line per item");
    assert_eq!(server.calls("GetAllJobs").len() - before, 3, "three pages of two");

    // One page without --all, and a note of what it left out.
    let run = op.run(&["--profile", "t", "jobs", "list", "--limit", "2", "-o", "json"], "").await.expect(Exit::Success);
    assert_eq!(run.stderr, "2 of 5 items; --all lists every page\n");

    let run = op
        .run(&["--profile", "t", "jobs", "list", "--all", "-o", "table", "--columns", "id,name,type,isDisabled"], "")
        .await
        .expect(Exit::Success);
    insta::assert_snapshot!("cli_jobs_table", run.stdout);
}

#[tokio::test]
async fn start_a_job_by_name_and_wait_for_its_session() {
    let server = MockServer::start().await.unwrap();
    let op = Operator::new("start-wait");
    op.login(&server).await.expect(Exit::Success);
    serve_jobs(&server, jobs(&server, 3).await);
    serve_session(&server, ESessionResult::Success);

    let args = ["--profile", "t", "jobs", "start", "--name", "Nightly", "--wait", "--poll-interval", "0.005"];
    let run = op.run(&[&args[..], &["-o", "json"]].concat(), "").await.expect(Exit::Success);
    let status: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(status["state"], "Stopped");
    assert_eq!(status["result"]["result"], "Success");
    // Progress as plain lines (standard error is no terminal), once per change.
    assert_eq!(
        run.stderr.lines().map(|l| l.split(" (").next().unwrap()).collect::<Vec<_>>(),
        ["GetSession: Working 0%", "GetSession: Working 40%", "GetSession: Working 80%", "GetSession: Stopped 100%"],
        "{}",
        run.stderr
    );
    let started = server.calls("StartJob");
    assert_eq!(started.len(), 1);
    assert_eq!(started[0].path, format!("/api/v1/jobs/{}/start", Uuid::from_u128(1)), "the job named Nightly");
    assert_eq!(server.calls("GetSession").len(), 3);

    // A name no job has is not found (5); the id works as well.
    let run = op.run(&["--profile", "t", "jobs", "start", "--name", "Weekly"], "").await.expect(Exit::NotFound);
    assert!(run.stderr.contains("GetAllJobs: no item is named `Weekly`"), "{}", run.stderr);
    let id = Uuid::from_u128(2).to_string();
    op.run(&["--profile", "t", "jobs", "start", &id, "-o", "json"], "").await.expect(Exit::Success);
}

#[tokio::test]
async fn a_failed_session_exits_1_and_one_with_warnings_3() {
    let server = MockServer::start().await.unwrap();
    let op = Operator::new("failed-session");
    op.login(&server).await.expect(Exit::Success);
    let id = Uuid::from_u128(1).to_string();
    let args = ["--profile", "t", "jobs", "start", &id, "--wait", "--poll-interval", "0.005", "-o", "json"];

    serve_session(&server, ESessionResult::Failed);
    let run = op.run(&args, "").await.expect(Exit::Failure);
    assert!(run.stderr.contains("error: GetSession: the work ended `Failed`: disk almost full"), "{}", run.stderr);
    let status: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(status["result"]["result"], "Failed", "the final status is printed");

    serve_session(&server, ESessionResult::Warning);
    let run = op.run(&args, "").await.expect(Exit::Warning);
    assert!(run.stderr.ends_with("StartJob: the work ended with warnings\n"), "{}", run.stderr);

    // A wait that outlives --wait-timeout: 6, the work left running.
    server.on_get_session(|_| async { GetSessionReply::Ok(session(ESessionState::Working, 10, None)) });
    let run = op.run(&[&args[..], &["--wait-timeout", "1"]].concat(), "").await.expect(Exit::Timeout);
    assert!(run.stderr.contains("the work had not ended after"), "{}", run.stderr);
}

#[tokio::test]
async fn failures_have_their_exit_codes() {
    let server = MockServer::start().await.unwrap();
    let op = Operator::new("exit-codes");
    op.login(&server).await.expect(Exit::Success);
    let missing = Uuid::from_u128(9).to_string();
    server.on_get_job(|_| async {
        GetJobReply::NotFound(ErrorModel::new(ErrorModelErrorCode::NotFound, "no job has this id"))
    });
    let run = op.run(&["--profile", "t", "jobs", "get", &missing], "").await.expect(Exit::NotFound);
    assert!(run.stderr.contains("no job has this id"), "{}", run.stderr);
    // Usage: a value of the wrong kind, an unknown flag, a body that does not fit.
    op.run(&["--profile", "t", "jobs", "get", "not-a-uuid"], "").await.expect(Exit::Usage);
    op.run(&["--profile", "t", "jobs", "list", "--limit", "many"], "").await.expect(Exit::Usage);
    let body = "{\"performActiveFull\": \"yes\"}";
    let run = op.run(&["--profile", "t", "jobs", "start", &missing, "--body", "-"], body).await.expect(Exit::Usage);
    assert!(run.stderr.contains("StartJob: body: at `performActiveFull`"), "{}", run.stderr);
    assert!(server.calls("StartJob").is_empty(), "nothing is sent");
    // No profile: log in first (4).
    let run = op.run(&["--profile", "other", "jobs", "list"], "").await.expect(Exit::Auth);
    assert!(run.stderr.contains("run `veeam login --profile other URL` first"), "{}", run.stderr);
}

#[tokio::test]
async fn an_expired_refresh_token_asks_for_a_new_login() {
    let server = MockServer::start().await.unwrap();
    let op = Operator::new("expired");
    op.login(&server).await.expect(Exit::Success);
    server.revoke_refresh_tokens();
    let run = op.run(&["--profile", "t", "jobs", "list"], "").await.expect(Exit::Auth);
    assert!(run.stderr.contains("has expired or was revoked: run `veeam login --profile t` again"), "{}", run.stderr);
    // Logging in again (the profile remembers the server and the user) mends it.
    op.run(&["login", "--profile", "t", "--password-stdin"], "pw\n").await.expect(Exit::Success);
    op.run(&["--profile", "t", "jobs", "list"], "").await.expect(Exit::Success);
}

#[tokio::test]
async fn a_wrong_password_keeps_nothing() {
    let server = MockServer::start().await.unwrap();
    server.accept_login("admin", "pw");
    let op = Operator::new("wrong-password");
    let login = ["login", "--profile", "t", &server.url(), "--user", "admin", "--password-stdin"];
    let run = op.run(&login, "wrong\n").await.expect(Exit::Auth);
    assert!(run.stderr.starts_with("error: token: authentication failed"), "{}", run.stderr);
    assert_eq!(op.profiles(), "", "no profile for a login that failed");
    assert_eq!(op.credentials(), "");
    // Without a terminal and without --password-stdin or --password-env there is no password;
    // and no flag takes one.
    let run = op.run(&["login", "--profile", "t", &server.url(), "--user", "admin"], "").await.expect(Exit::Usage);
    assert!(run.stderr.contains("no password: give --password-stdin or --password-env VAR"), "{}", run.stderr);
    op.run(&["login", "--profile", "t", &server.url(), "--user", "admin", "--password", "pw"], "")
        .await
        .expect(Exit::Usage);
    let op = op.env("VBR_PASSWORD", "pw");
    let with_env = ["login", "--profile", "t", &server.url(), "--user", "admin", "--password-env", "VBR_PASSWORD"];
    op.run(&with_env, "").await.expect(Exit::Success);
}

#[tokio::test]
async fn logout_revokes_the_tokens_and_forgets_them() {
    let server = MockServer::start().await.unwrap();
    let op = Operator::new("logout");
    op.login(&server).await.expect(Exit::Success);
    let run = op.run(&["logout", "--profile", "t"], "").await.expect(Exit::Success);
    assert!(run.stderr.starts_with("Logged out of http://127.0.0.1:"), "{}", run.stderr);
    assert_eq!(server.calls("Logout").len(), 1);
    assert_eq!(op.credentials(), "", "nothing is kept");
    assert!(op.profiles().contains("[vbr.t]"), "the profile stays, to log in again");
    let run = op.run(&["--profile", "t", "jobs", "list"], "").await.expect(Exit::Auth);
    assert!(run.stderr.contains("the profile `t` is logged out"), "{}", run.stderr);
    let run = op.run(&["profiles", "-o", "json"], "").await.expect(Exit::Success);
    let listed: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(listed[0]["profile"], "t");
    assert_eq!(listed[0]["trust"], "system roots");
}

#[tokio::test]
async fn enterprise_manager_keeps_its_session() {
    use veeam_client::em::mock::MockServer as EmServer;
    let server = EmServer::start().await.unwrap();
    server.accept_login("EXAMPLE\\admin", "pw");
    let op = Operator::new("em");
    let url = server.url();
    let login = ["em", "login", "--profile", "t", &url, "--user", "EXAMPLE\\admin", "--password-stdin"];
    op.run(&login, "pw\n").await.expect(Exit::Success);
    assert!(op.profiles().contains("[em.t]"), "{}", op.profiles());
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    server.on_edit_password_hint(move |_| {
        seen.fetch_add(1, Ordering::SeqCst);
        async { veeam_client::em::mock::EditPasswordHintReply::NoContent }
    });
    let (backup, password) = (Uuid::from_u128(1).to_string(), Uuid::from_u128(2).to_string());
    let edit = ["em", "--profile", "t", "passwords", "edit-hint", &backup, &password, "--hint", "Ask the backup team"];
    op.run(&edit, "").await.expect(Exit::Success);
    assert_eq!(count.load(Ordering::SeqCst), 1);
    op.run(&["em", "logout", "--profile", "t"], "").await.expect(Exit::Success);
    assert_eq!(server.calls("DeleteLogonSession").len(), 1);
    op.run(&edit, "").await.expect(Exit::Auth);
}
