//! Tag `Sessions`: sessions and task sessions, listed (and streamed) with every filter, read,
//! their logs, and a stop; a task session once per variant.

use chrono::Utc;
use uuid::Uuid;
use veeam_client::runtime::{RetryPolicy, Secret};
use veeam_client::vbr::{self, types::*};

use super::run::{Mode, Run};
use super::static_page;

/// The tag in `spec/vbr.yaml`.
pub(super) const TAG: &str = "Sessions";

/// The named examples of `GetTaskSession`, one per task session variant: Prism serves each
/// when asked for it by name, so each variant is decoded once.
const TASK_SESSION_EXAMPLES: [&str; 4] = [
    "TaskSessionModelExample",
    "RestoreTaskSessionModelExample",
    "AntivirusTaskSessionModelExample",
    "ReplicaTaskSessionModelExample",
];

/// Calls every operation of the tag.
pub(super) async fn call_all(client: &vbr::Client, run: &mut Run<'_>) {
    run.tag(TAG);
    sessions(client, run).await;
    task_sessions(client, run).await;
}

/// Sessions: list (and stream) with every filter, read, logs, stop.
async fn sessions(client: &vbr::Client, run: &mut Run<'_>) {
    let id = Uuid::new_v4;
    let now = Utc::now();
    let all_sessions = GetAllSessionsParams::new()
        .with_skip(0)
        .with_limit(100)
        .with_order_column(ESessionsFiltersOrderColumn::CreationTime)
        .with_order_asc(false)
        .with_name_filter("Backup Job*")
        .with_created_after_filter(now - chrono::Duration::days(7))
        .with_created_before_filter(now)
        .with_ended_after_filter(now - chrono::Duration::days(7))
        .with_ended_before_filter(now)
        .with_type_filter(vec![ESessionType::BackupJob, ESessionType::AzureApplianceDeploy])
        .with_state_filter(ESessionState::Stopped)
        .with_result_filter(vec![ESessionResult::Warning, ESessionResult::Failed])
        .with_job_id_filter(id());
    run.call("GetAllSessions", "every filter", client.get_all_sessions(&all_sessions)).await;
    // The example page has one record of `total: 307`, so the stream asks for a second page.
    let pages = stream_requests(run);
    let stream = static_page(client.get_all_sessions_stream(all_sessions.clone()));
    run.call_pages("GetAllSessions", "[stream]", pages, stream).await;
    run.call("GetSession", "", client.get_session(id())).await;
    let logs = GetSessionLogsParams::new().with_status_filter(ETaskLogRecordStatus::Warning);
    run.call("GetSessionLogs", "status filter", client.get_session_logs(id(), &logs)).await;
    run.call("StopSession", "", client.stop_session(id())).await;
}

/// Task sessions: of one session and of all, each listed (and streamed) with every filter;
/// one read per variant; logs.
async fn task_sessions(client: &vbr::Client, run: &mut Run<'_>) {
    let id = Uuid::new_v4;
    let now = Utc::now();
    let of_session = GetSessionTaskSessionsWithFilteringParams::new()
        .with_skip(0)
        .with_limit(200)
        .with_order_column(ETaskSessionsFiltersOrderColumn::ScanResult)
        .with_order_asc(true)
        .with_name_filter("winsrv*")
        .with_type_filter(ETaskSessionType::Antivirus)
        .with_session_type_filter(ESessionType::SureBackup)
        .with_created_after_filter(now - chrono::Duration::days(1))
        .with_created_before_filter(now)
        .with_ended_after_filter(now - chrono::Duration::days(1))
        .with_ended_before_filter(now)
        .with_state_filter(ESessionState::Stopped)
        .with_result_filter(ESessionResult::Success)
        .with_scan_type_filter(EAntivirusScanType::Yara)
        .with_scan_result_filter(EAntivirusScanResult::Inconclusive)
        .with_scan_state_filter(EAntivirusScanState::Finished)
        .with_session_id_filter(id());
    let session_id = id();
    run.call(
        "GetSessionTaskSessionsWithFiltering",
        "every filter",
        client.get_session_task_sessions_with_filtering(session_id, &of_session),
    )
    .await;
    run.call(
        "GetSessionTaskSessionsWithFiltering",
        "[stream]",
        static_page(client.get_session_task_sessions_with_filtering_stream(session_id, of_session.clone())),
    )
    .await;
    let all = GetAllTaskSessionsParams::new()
        .with_skip(0)
        .with_limit(6)
        .with_order_column(ETaskSessionsFiltersOrderColumn::CreationTime)
        .with_order_asc(false)
        .with_name_filter("linbase*")
        .with_type_filter(ETaskSessionType::Backup)
        .with_session_type_filter(ESessionType::BackupJob)
        .with_created_after_filter(now - chrono::Duration::days(30))
        .with_created_before_filter(now)
        .with_ended_after_filter(now - chrono::Duration::days(30))
        .with_ended_before_filter(now)
        .with_state_filter(ESessionState::Working)
        .with_result_filter(ESessionResult::Warning)
        .with_scan_type_filter(EAntivirusScanType::Antivirus)
        .with_scan_result_filter(EAntivirusScanResult::Clean)
        .with_scan_state_filter(EAntivirusScanState::NotStarted)
        .with_session_id_filter(id());
    run.call("GetAllTaskSessions", "every filter", client.get_all_task_sessions(&all)).await;
    // The example page has six records of `total: 52`, so the stream asks for a second page.
    let pages = stream_requests(run);
    run.call_pages(
        "GetAllTaskSessions",
        "[stream]",
        pages,
        static_page(client.get_all_task_sessions_stream(all.clone())),
    )
    .await;
    run.call("GetTaskSession", "", client.get_task_session(id())).await;
    // The other variants: in `BrokenExamples` the named examples are gone (every answer is
    // the broken one), so only the call above is made there.
    if run.mode == Mode::Contract {
        for example in TASK_SESSION_EXAMPLES {
            let asking = example_client(client, example);
            run.call_example("GetTaskSession", example, asking.get_task_session(id())).await;
        }
    }
    let logs = GetTaskSessionLogsParams::new().with_status_filter(ETaskLogRecordStatus::Succeeded);
    run.call("GetTaskSessionLogs", "status filter", client.get_task_session_logs(id(), &logs)).await;
}

/// The requests a `*_stream` sends against Prism when its example page is not the whole
/// listing: the second page is the example again, which ends the stream with `Error::Paging`
/// (see [`Run::call_pages`]); with the broken examples, the first page already fails.
fn stream_requests(run: &Run<'_>) -> usize {
    match run.mode {
        Mode::Contract => 2,
        Mode::BrokenExamples => 1,
    }
}

/// A client for the same Prism that asks for the named example of every answer.
fn example_client(client: &vbr::Client, example: &str) -> vbr::Client {
    let asking = vbr::Client::builder(client.core().base_url())
        .retry(RetryPolicy { max_attempts: 1, ..RetryPolicy::default() })
        .header("Prefer", format!("example={example}"))
        .build()
        .unwrap();
    asking.core().set_bearer_token(Secret::from("contract-test-token"));
    asking
}
