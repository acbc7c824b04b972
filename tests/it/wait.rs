//! Waiting on long-running operations end to end: adding or removing a helper appliance answers
//! with a session, and `SessionModel::wait` polls the fake VBR's `GET /api/v1/sessions/{id}`
//! (the status operation the spec's `x-long-running` names) until the session has stopped.
//! Every way a wait can end is driven by a scripted session: success with progress, warning,
//! failure, an outcome the spec does not list, a deadline (with and without stopping the
//! work), a failed poll, and cancellation by dropping the wait.

use std::future::IntoFuture;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::fake_vbr::{Canned, FakeVbr, Step};
use veeam_client::runtime::{Done, Error, Secret, Stopping, WaitError};
use veeam_client::vbr::{
    self,
    types::{AzureLinuxHelperApplianceSpec, CloudHelperApplianceSpec, ESessionResult, SessionModel},
};

async fn logged_in(server: &FakeVbr) -> vbr::Client {
    let c = vbr::Client::builder(server.url()).build().unwrap();
    c.login(&server.config().username, Secret::from(server.config().password.as_str())).await.unwrap();
    c
}

fn spec_fields() -> AzureLinuxHelperApplianceSpec {
    AzureLinuxHelperApplianceSpec::new(uuid::Uuid::new_v4()).with_location("westeurope")
}

fn appliance() -> CloudHelperApplianceSpec {
    CloudHelperApplianceSpec::AzureCompute(spec_fields())
}

/// Starts adding a helper appliance: the answer is the session doing it.
async fn start(client: &vbr::Client) -> SessionModel {
    client.create_cloud_creds_helper_appliance(uuid::Uuid::new_v4(), &appliance()).await.unwrap()
}

const FAST: Duration = Duration::from_millis(5);

#[tokio::test]
async fn a_session_that_succeeds_ends_in_success_and_reports_each_read() {
    let server = FakeVbr::start();
    server.script_sessions(vec![Step::working(0), Step::working(40), Step::working(80), Step::stopped("Success", "")]);
    let client = logged_in(&server).await;
    let session = start(&client).await;
    let id = session.id.to_string();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let done = session
        .wait(&client)
        .poll_interval(FAST, FAST)
        .timeout(Duration::from_secs(10))
        .on_progress(move |p| log.lock().unwrap().push((p.state.to_owned(), p.percent, p.reads)))
        .await
        .unwrap();
    let Done::Success(last) = done else { panic!("{done:?}") };
    assert_eq!(last.result.unwrap().result, ESessionResult::Success);
    let seen = seen.lock().unwrap().clone();
    let expected: Vec<(String, Option<u8>, u32)> =
        [("Working", 0, 1), ("Working", 40, 2), ("Working", 80, 3), ("Stopped", 100, 4)]
            .into_iter()
            .map(|(s, p, r)| (s.to_owned(), Some(p), r))
            .collect();
    assert_eq!(seen, expected);
    assert_eq!(server.session_reads(&id), Some((4, false)), "three polls after the first answer, and no stop");
}

#[tokio::test]
async fn removing_an_appliance_waits_the_same_way() {
    let server = FakeVbr::start();
    let client = logged_in(&server).await;
    let session =
        client.delete_cloud_creds_helper_appliance_async(uuid::Uuid::new_v4(), uuid::Uuid::new_v4()).await.unwrap();
    let done = session.wait(&client).poll_interval(FAST, FAST).await.unwrap();
    assert!(matches!(done, Done::Success(_)), "{done:?}");
}

#[tokio::test]
async fn a_warning_is_done_but_told_apart() {
    let server = FakeVbr::start();
    server.script_sessions(vec![Step::working(50), Step::stopped("Warning", "Helper appliance is slow to respond")]);
    let client = logged_in(&server).await;
    let done = start(&client).await.wait(&client).poll_interval(FAST, FAST).await.unwrap();
    assert!(done.is_warning(), "{done:?}");
    let status = done.into_status();
    assert_eq!(status.result.unwrap().message.as_deref(), Some("Helper appliance is slow to respond"));
}

#[tokio::test]
async fn a_failed_session_is_a_typed_error_that_carries_the_session() {
    let server = FakeVbr::start();
    server.script_sessions(vec![Step::working(10), Step::stopped("Failed", "Subnet not found")]);
    let client = logged_in(&server).await;
    let err = start(&client).await.wait(&client).poll_interval(FAST, FAST).await.unwrap_err();
    let WaitError::Failed { operation, outcome, message, canceled, status } = &err else { panic!("{err:?}") };
    assert_eq!(
        (*operation, outcome.as_str(), message.as_deref(), *canceled),
        ("GetSession", "Failed", Some("Subnet not found"), false)
    );
    assert_eq!(status.progress_percent, Some(100));
    assert_eq!(err.to_string(), "GetSession: the work ended `Failed`: Subnet not found");
}

#[tokio::test]
async fn an_outcome_the_spec_does_not_list_is_not_taken_for_success() {
    let server = FakeVbr::start();
    server.script_sessions(vec![Step::stopped("PartiallySucceeded", "")]);
    let client = logged_in(&server).await;
    let err = start(&client).await.wait(&client).poll_interval(FAST, FAST).await.unwrap_err();
    let WaitError::UnknownOutcome { outcome, .. } = &err else { panic!("{err:?}") };
    assert_eq!(outcome.as_deref(), Some("PartiallySucceeded"));
    assert_eq!(
        server.seen().iter().filter(|s| s.path.starts_with("/api/v1/sessions/")).count(),
        0,
        "the first answer was final"
    );
}

#[tokio::test]
async fn a_deadline_ends_the_wait_and_leaves_the_work_running() {
    let server = FakeVbr::start();
    server.script_sessions(vec![Step::working(30)]);
    let client = logged_in(&server).await;
    let session = start(&client).await;
    let id = session.id.to_string();
    let err = session
        .wait(&client)
        .poll_interval(FAST, Duration::from_millis(20))
        .timeout(Duration::from_millis(300))
        .await
        .unwrap_err();
    let WaitError::Deadline { elapsed, stop, status, .. } = &err else { panic!("{err:?}") };
    assert!(*elapsed >= Duration::from_millis(300), "{elapsed:?}");
    assert!(stop.is_none(), "nobody asked to stop the work");
    assert_eq!(status.progress_percent, Some(30));
    let (reads, stopped) = server.session_reads(&id).unwrap();
    assert!(reads > 3 && !stopped, "{reads} reads, stopped: {stopped}");
}

#[tokio::test]
async fn a_deadline_stops_the_work_only_when_asked() {
    let server = FakeVbr::start();
    server.script_sessions(vec![Step::working(30)]);
    let client = logged_in(&server).await;
    let session = start(&client).await;
    let id = session.id.to_string();
    let err = session
        .wait(&client)
        .poll_interval(FAST, FAST)
        .timeout(Duration::from_millis(100))
        .stop_on_timeout()
        .await
        .unwrap_err();
    assert!(matches!(&err, WaitError::Deadline { stop: Some(Stopping::Asked), .. }), "{err:?}");
    assert!(err.to_string().ends_with("; asked the server to stop it"), "{err}");
    assert_eq!(server.hits("POST", &format!("/api/v1/sessions/{id}/stop")), 1);
    assert!(server.session_reads(&id).unwrap().1, "the server was told to stop the session");
}

#[tokio::test]
async fn a_failed_poll_ends_the_wait_with_the_client_error() {
    let server = FakeVbr::start();
    server.script_sessions(vec![Step::working(0)]);
    let client = logged_in(&server).await;
    let mut session = start(&client).await;
    // A session the server does not know: the poll answers 404.
    session.id = uuid::Uuid::new_v4();
    let err = session.wait(&client).poll_interval(FAST, FAST).await.unwrap_err();
    let WaitError::Poll(Error::Api { operation, status, .. }) = &err else { panic!("{err:?}") };
    assert_eq!((*operation, *status), ("GetSession", 404));
}

#[tokio::test]
async fn dropping_the_wait_cancels_it_and_sends_nothing_more() {
    let server = FakeVbr::start();
    server.script_sessions(vec![Step::working(30)]);
    let client = logged_in(&server).await;
    let session = start(&client).await;
    let id = session.id.to_string();
    let wait = session.wait(&client).poll_interval(Duration::from_millis(10), Duration::from_millis(10));
    assert!(tokio::time::timeout(Duration::from_millis(100), wait.into_future()).await.is_err());
    let reads = server.session_reads(&id).unwrap().0;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(server.session_reads(&id), Some((reads, false)), "no poll and no stop after the drop");
}

#[path = "../../generated-client/examples/add_helper_appliance.rs"]
#[allow(dead_code)]
mod example;

/// The runnable example, with a hidden bar: it adds the appliance, waits, and says how it went.
#[tokio::test]
async fn example_adds_an_appliance_and_waits_with_a_progress_bar() {
    let server = FakeVbr::start();
    server.script_sessions(vec![Step::working(0), Step::working(60), Step::stopped("Warning", "Slow network")]);
    let client = logged_in(&server).await;
    let mut spec = spec_fields();
    spec.subscription_id = uuid::Uuid::nil();
    let bar = indicatif::ProgressBar::hidden();
    let outcome =
        example::add_and_wait(&client, uuid::Uuid::new_v4(), &spec, Duration::from_secs(10), &bar).await.unwrap();
    assert!(outcome.warning);
    assert_eq!(outcome.line, "Add helper appliance: finished with warnings: Slow network");
    assert_eq!(bar.position(), 100, "the bar followed the session's progress");

    server.script_sessions(vec![Step::working(0), Step::stopped("Failed", "Quota exceeded")]);
    let err =
        example::add_and_wait(&client, uuid::Uuid::new_v4(), &spec, Duration::from_secs(10), &bar).await.unwrap_err();
    assert_eq!(err, "Add helper appliance: failed: Quota exceeded");
}

/// A status read that hangs must not outlive the deadline: the wait ends at the deadline,
/// not at the client's 60 s per-call timeout.
#[tokio::test]
async fn a_poll_that_hangs_is_cut_off_at_the_deadline() {
    let server = FakeVbr::start();
    server.script_sessions(vec![Step::working(10)]);
    let client = logged_in(&server).await;
    let session = start(&client).await;
    let path = format!("/api/v1/sessions/{}", session.id);
    server.inject("GET", &path, 1, Canned::status(200).delay(Duration::from_secs(30)));
    let started = std::time::Instant::now();
    let err = session.wait(&client).poll_interval(FAST, FAST).timeout(Duration::from_millis(400)).await.unwrap_err();
    assert!(matches!(err, WaitError::Deadline { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
}

/// Progress the server reports out of range is clamped, not wrapped or trusted.
#[tokio::test]
async fn progress_out_of_range_is_clamped() {
    let server = FakeVbr::start();
    let over = Step { state: "Working", progress: 250, result: None };
    let under = Step { state: "Working", progress: -5, result: None };
    server.script_sessions(vec![over, under, Step::stopped("Success", "")]);
    let client = logged_in(&server).await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let done = start(&client)
        .await
        .wait(&client)
        .poll_interval(FAST, FAST)
        .on_progress(move |p| log.lock().unwrap().push(p.percent))
        .await
        .unwrap();
    assert!(matches!(done, Done::Success(_)), "{done:?}");
    assert_eq!(*seen.lock().unwrap(), [Some(100), Some(0), Some(100)]);
}

/// A stop request that hangs does not hold the wait: it ends within the stop grace.
#[tokio::test]
async fn a_stop_that_hangs_does_not_hold_the_wait_past_its_grace() {
    let server = FakeVbr::start();
    server.script_sessions(vec![Step::working(30)]);
    let client = logged_in(&server).await;
    let session = start(&client).await;
    let stop = format!("/api/v1/sessions/{}/stop", session.id);
    server.inject("POST", &stop, 1, Canned::status(200).delay(Duration::from_secs(3600)));
    let wait = session
        .wait(&client)
        .poll_interval(FAST, FAST)
        .timeout(Duration::from_millis(50))
        .stop_on_timeout()
        .stop_grace(Duration::from_millis(200));
    let started = std::time::Instant::now();
    let err = wait.await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    assert!(matches!(&err, WaitError::Deadline { stop: Some(Stopping::NoAnswer), .. }), "{err:?}");
    assert!(err.to_string().ends_with("; the stop request went unanswered"), "{err}");
}
