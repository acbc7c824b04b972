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
    let all_sessions = GetAllSessionsParams {
        skip: Some(0),
        limit: Some(100),
        order_column: Some(ESessionsFiltersOrderColumn::CreationTime),
        order_asc: Some(false),
        name_filter: Some("Backup Job*".into()),
        created_after_filter: Some(now - chrono::Duration::days(7)),
        created_before_filter: Some(now),
        ended_after_filter: Some(now - chrono::Duration::days(7)),
        ended_before_filter: Some(now),
        // Two values, so the array is sent as repeated parameters.
        type_filter: Some(vec![ESessionType::BackupJob, ESessionType::AzureApplianceDeploy]),
        state_filter: Some(ESessionState::Stopped),
        result_filter: Some(vec![ESessionResult::Warning, ESessionResult::Failed]),
        job_id_filter: Some(id()),
    };
    run.call("GetAllSessions", "every filter", client.get_all_sessions(&all_sessions)).await;
    // The example page has one record of `total: 307`, so the stream asks for a second page.
    let pages = stream_requests(run);
    let stream = static_page(client.get_all_sessions_stream(all_sessions.clone()));
    run.call_pages("GetAllSessions", "[stream]", pages, stream).await;
    run.call("GetSession", "", client.get_session(id())).await;
    let logs = GetSessionLogsParams { status_filter: Some(ETaskLogRecordStatus::Warning) };
    run.call("GetSessionLogs", "status filter", client.get_session_logs(id(), &logs)).await;
    run.call("StopSession", "", client.stop_session(id())).await;
}

/// Task sessions: of one session and of all, each listed (and streamed) with every filter;
/// one read per variant; logs.
async fn task_sessions(client: &vbr::Client, run: &mut Run<'_>) {
    let id = Uuid::new_v4;
    let now = Utc::now();
    let of_session = GetSessionTaskSessionsWithFilteringParams {
        skip: Some(0),
        limit: Some(200),
        order_column: Some(ETaskSessionsFiltersOrderColumn::ScanResult),
        order_asc: Some(true),
        name_filter: Some("winsrv*".into()),
        type_filter: Some(ETaskSessionType::Antivirus),
        session_type_filter: Some(ESessionType::SureBackup),
        created_after_filter: Some(now - chrono::Duration::days(1)),
        created_before_filter: Some(now),
        ended_after_filter: Some(now - chrono::Duration::days(1)),
        ended_before_filter: Some(now),
        state_filter: Some(ESessionState::Stopped),
        result_filter: Some(ESessionResult::Success),
        scan_type_filter: Some(EAntivirusScanType::Yara),
        scan_result_filter: Some(EAntivirusScanResult::Inconclusive),
        scan_state_filter: Some(EAntivirusScanState::Finished),
        session_id_filter: Some(id()),
    };
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
    let all = GetAllTaskSessionsParams {
        skip: Some(0),
        limit: Some(6),
        order_column: Some(ETaskSessionsFiltersOrderColumn::CreationTime),
        order_asc: Some(false),
        name_filter: Some("linbase*".into()),
        type_filter: Some(ETaskSessionType::Backup),
        session_type_filter: Some(ESessionType::BackupJob),
        created_after_filter: Some(now - chrono::Duration::days(30)),
        created_before_filter: Some(now),
        ended_after_filter: Some(now - chrono::Duration::days(30)),
        ended_before_filter: Some(now),
        state_filter: Some(ESessionState::Working),
        result_filter: Some(ESessionResult::Warning),
        scan_type_filter: Some(EAntivirusScanType::Antivirus),
        scan_result_filter: Some(EAntivirusScanResult::Clean),
        scan_state_filter: Some(EAntivirusScanState::NotStarted),
        session_id_filter: Some(id()),
    };
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
    let logs = GetTaskSessionLogsParams { status_filter: Some(ETaskLogRecordStatus::Succeeded) };
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
