//! The VBR mock: OAuth2 password flow against the spec's own `CreateToken` operation.

use std::collections::BTreeSet;

use serde_json::json;
use uuid::Uuid;
use veeam_client::runtime::{RetryPolicy, Secret};
use veeam_client::vbr::mock::*;
use veeam_client::vbr::{self, types::*};

use super::{call_every_operation, operations, recorded_operations, request_example, spec, status_of};

fn client(server: &MockServer) -> vbr::Client {
    vbr::Client::builder(server.url()).retry(RetryPolicy { max_attempts: 1, ..RetryPolicy::default() }).build().unwrap()
}

/// A client speaking `version`, logged in to `server` (a mock started as that revision).
async fn logged_in_as(server: &MockServer, version: vbr::ApiVersion) -> vbr::Client {
    let client = vbr::Client::builder(server.url())
        .retry(RetryPolicy { max_attempts: 1, ..RetryPolicy::default() })
        .api_version(version)
        .build()
        .unwrap();
    client.login("admin", Secret::from("pw")).await.unwrap();
    client
}

/// Every operation of the VBR spec, called once through `vbr::dispatch` (the typed client
/// method of each, in the spec's list) with no handler registered, against a mock started as
/// a server of each API revision by a client that speaks it: every operation the revision has
/// decodes the spec's example, or the mock answers 501 naming the operation; every one it
/// lacks fails with `Error::Unsupported` before anything is sent.
#[tokio::test]
async fn every_operation_answers_from_its_example_or_501() {
    let spec = spec("vbr");
    let ops = operations(&spec);
    for &version in vbr::ApiVersion::ALL {
        let server = MockServer::start_as(version).await.unwrap();
        let client = logged_in_as(&server, version).await;
        // A fixed id, so that the request log (`REQUEST_LOG`) is the same on every run.
        let id = Uuid::from_u128(0x1e5b_0c0f_55d1_4f0e_9c3a_7d2b_4e6f_8a10);
        let c = &client;
        let p = call_every_operation(
            &spec,
            vbr::Client::DEFAULT_HEADERS,
            id,
            Some(version.as_str()),
            |op, input| async move { vbr::dispatch::call(c, &op, input).await },
        )
        .await;
        assert!(p.is_empty(), "{version}: {} problem(s):\n  {}", p.len(), p.join("\n  "));

        let requests = server.requests();
        if version == vbr::ApiVersion::DEFAULT {
            super::request_log("vbr", &requests);
        }
        let in_revision: BTreeSet<String> =
            ops.iter().map(|(id, _)| id.clone()).filter(|id| super::in_revision(&spec, id, version.as_str())).collect();
        assert_eq!(
            recorded_operations(&requests),
            in_revision,
            "{version}: every operation of the revision is called and recorded, and no other"
        );
        // Every request, the token request included, named the revision spoken.
        for r in &requests {
            assert_eq!(r.header("x-api-version"), Some(version.as_str()), "{version}: {} {}", r.method, r.path);
        }
        // Nothing the mock recorded shows a credential: neither the login's nor the passwords
        // the bodies made up from the spec carry (`P@ss-dispatch`).
        for r in &requests {
            let shown = format!("{r:?}");
            assert!(!shown.contains("mock-token-") && !shown.contains("mock-refresh-"), "a token in {shown}");
            assert!(!r.body.contains("pw\"") && !r.body.contains("password=pw"), "a password in {shown}");
            assert!(!shown.contains("P@ss-dispatch") && !shown.contains("P%40ss-dispatch"), "a password in {shown}");
        }
        // A success without a body needs no handler: its status is the answer.
        let delete = &server.calls("DeleteCreds")[0];
        assert_eq!((delete.status, delete.failure.as_deref()), (204, None), "{delete:?}");
    }
}

/// A server of an older revision refuses what it does not speak, as VBR does: a later or
/// unknown `x-api-version` with 400, an operation it lacks with 404. (A client pinned to the
/// revision never sends either; a client that speaks a later one, or sends a raw request, can.)
#[tokio::test]
async fn a_server_of_an_older_revision_refuses_later_revisions_and_operations() {
    let server = MockServer::start_as(vbr::ApiVersion::V1_2Rev1).await.unwrap();
    // The default client speaks the newest revision: the VBR 12 server refuses its login.
    let newest = client(&server);
    let err = newest.login("admin", Secret::from("pw")).await.unwrap_err();
    assert!(err.to_string().contains("is not a revision this server speaks (1.2-rev1)"), "{err}");
    let old = vbr::Client::builder(server.url()).api_version(vbr::ApiVersion::V1_2Rev1).build().unwrap();
    old.login("admin", Secret::from("pw")).await.unwrap();
    // An operation of a later revision, sent raw with the old client's header: 404.
    let path = "/api/v1/malwareDetection/settings/general";
    let raw = old.raw(veeam_client::runtime::Method::Get, path).send().await.unwrap();
    assert_eq!(raw.status(), 404);
    // Through the typed method, the client refuses before sending.
    let before = server.requests().len();
    let err = old.get_malware_general_settings().await.unwrap_err();
    let veeam_client::runtime::Error::Unsupported { operation, revision, since, .. } = &err else { panic!("{err}") };
    assert_eq!((*operation, *revision, *since), ("GetMalwareGeneralSettings", "1.2-rev1", Some("1.3-rev2")));
    assert_eq!(server.requests().len(), before, "nothing was sent");
}

/// Handlers receive typed parameters and bodies and answer with any declared status.
#[tokio::test]
async fn typed_handlers_receive_typed_requests_and_answer_declared_statuses() {
    let server = MockServer::start().await.unwrap();
    let client = client(&server);
    client.login("admin", Secret::from("pw")).await.unwrap();
    let id = Uuid::new_v4();
    let model: CredentialsModel = serde_json::from_value(json!({
        "id": id, "username": "root", "description": "from the handler", "creationTime": "2025-01-01T00:00:00Z",
        "type": "Linux", "SSHPort": 22, "elevateToRoot": false, "addToSudoers": false, "useSu": false,
        "authenticationType": "PasswordBased"
    }))
    .unwrap();
    let answer = model.clone();
    server.on_get_creds(move |request: GetCredsRequest| {
        let answer = answer.clone();
        async move {
            if request.id == id {
                GetCredsReply::Ok(answer)
            } else {
                let error = json!({"errorCode": "NotFound", "message": format!("no record {}", request.id)});
                GetCredsReply::NotFound(serde_json::from_value(error).unwrap())
            }
        }
    });
    assert_eq!(client.get_creds(id).await.unwrap(), model);
    let missing = client.get_creds(Uuid::nil()).await.unwrap_err();
    assert_eq!(status_of(&missing), Some(404));
    let body = missing.api_body().unwrap_or_else(|| panic!("expected the typed error body, got {missing:?}"));
    assert_eq!(body.message, format!("no record {}", Uuid::nil()));

    server.on_get_all_creds(|request: GetAllCredsRequest| async move {
        let result =
            json!({"data": [], "pagination": {"total": 0, "count": 0, "skip": request.skip, "limit": request.limit}});
        assert_eq!(request.type_filter.as_deref(), Some(&[ECredentialsType::Linux][..]));
        GetAllCredsReply::Ok(serde_json::from_value(result).unwrap())
    });
    let params = GetAllCredsParams::new().with_skip(5).with_limit(7).with_type_filter([ECredentialsType::Linux]);
    let page = client.get_all_creds(&params).await.unwrap();
    assert_eq!((page.pagination.skip, page.pagination.limit), (Some(5), Some(7)));

    let created: CredentialsSpec = serde_json::from_value(
        json!({"type": "Standard", "username": "TECH\\admin", "description": "mock test", "password": "P@ss-created"}),
    )
    .unwrap();
    server.on_create_creds(|request: CreateCredsRequest| async move {
        let CredentialsSpec::Standard(standard) = &request.body else { panic!("{:?}", request.body) };
        let model = json!({"id": Uuid::nil(), "username": standard.username, "description": "", "creationTime": "2025-01-01T00:00:00Z", "type": "Standard"});
        CreateCredsReply::Created(serde_json::from_value(model).unwrap())
    });
    let CredentialsModel::Standard(made) = client.create_creds(&created).await.unwrap() else { panic!() };
    let CredentialsSpec::Standard(sent) = &created else { panic!() };
    assert_eq!(made.username, sent.username);
    // The recorded body keeps the request but not its password (a `Secret` field).
    let recorded = &server.calls("CreateCreds")[0];
    assert!(!recorded.body.contains(sent.password.expose()), "{}", recorded.body);
    assert!(recorded.body.contains(&sent.username.replace('\\', "\\\\")), "{}", recorded.body);
}

/// Requests that break the spec are answered 400 with the operation and the reason, and the
/// record shows it; unknown paths and methods are 404 and 405.
#[tokio::test]
async fn requests_that_break_the_spec_are_refused_with_the_reason() {
    let server = MockServer::start().await.unwrap();
    let token = server.issue_token();
    let http = reqwest::Client::new();
    let url = server.url();
    let send = |method: reqwest::Method, path: &str| http.request(method, format!("{url}{path}")).bearer_auth(&token);
    let cases = [
        (
            send(reqwest::Method::GET, "/api/v1/credentials/not-a-uuid"),
            400,
            "GetCreds: path parameter `id`: cannot read `not-a-uuid`",
        ),
        (
            send(reqwest::Method::GET, "/api/v1/credentials?limit=many"),
            400,
            "GetAllCreds: query parameter `limit`: cannot read `many`",
        ),
        (send(reqwest::Method::POST, "/api/v1/credentials"), 400, "CreateCreds: the required body is missing"),
        (
            send(reqwest::Method::POST, "/api/v1/credentials").header("content-type", "text/plain").body("hello"),
            400,
            "CreateCreds: the body's media type `text/plain` is not one of `application/json`",
        ),
        (
            send(reqwest::Method::POST, "/api/v1/credentials")
                .header("content-type", "application/json")
                .body(json!({"type": "Standard", "password": "x"}).to_string()),
            400,
            "CreateCreds: the JSON body does not fit the schema",
        ),
        (send(reqwest::Method::GET, "/api/v1/nothing"), 404, "no operation of the"),
        (send(reqwest::Method::PATCH, "/api/v1/credentials"), 405, "the path allows GET, POST"),
        // The client sends `x-api-version` on every request; the spec requires it, so the
        // mock does too.
        (
            send(reqwest::Method::GET, "/api/v1/credentials"),
            400,
            "GetAllCreds: the required header `x-api-version` is missing",
        ),
        // An answer the request does not accept: VBR answers JSON only.
        (
            send(reqwest::Method::GET, "/api/v1/credentials")
                .header("x-api-version", "1.3-rev2")
                .header("accept", "application/xml"),
            406,
            "GetAllCreds: the request accepts none of application/json",
        ),
    ];
    for (i, (request, status, message)) in cases.into_iter().enumerate() {
        let answer = request.send().await.unwrap();
        assert_eq!(answer.status().as_u16(), status, "case {i}");
        let body: serde_json::Value = serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap();
        let said = body["message"].as_str().unwrap();
        assert!(said.contains(message), "case {i}: {said}");
        let recorded = &server.requests()[i];
        assert_eq!(recorded.status, status);
        assert!(recorded.failure.as_deref().unwrap().contains(message), "case {i}: {recorded:?}");
        assert_eq!(recorded.header("authorization"), Some("***"));
    }
}

/// A request the mock refuses still keeps its secrets out of the record: refused for its
/// credentials (the typed secrets are known all the same), refused for its shape (the body
/// is withheld, and the parser's message does not quote the value), and a password query or
/// header parameter is never shown.
#[tokio::test]
async fn refused_requests_keep_their_secrets_out_of_the_record() {
    let server = MockServer::start().await.unwrap();
    let http = reqwest::Client::new();
    let url = server.url();
    let body = json!({"type": "Standard", "username": "u", "password": "Hunter2-in-body"});

    // No token: 401, but the typed password is blanked out of the recorded body.
    let answer = http
        .post(format!("{url}/api/v1/credentials"))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 401);
    // A body that does not fit: a secret in a field of the wrong type, and one in a field
    // no type knows.
    let token = server.issue_token();
    let misfit =
        json!({"type": "Standard", "username": 7, "password": "Hunter2-misfit", "extra": {"apiKey": "Hunter2-extra"}});
    let answer = http
        .post(format!("{url}/api/v1/credentials"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(misfit.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 400);
    let wrong_type = json!({"type": "Standard", "username": "u", "password": {"v": "Hunter2-nested"}});
    let answer = http
        .post(format!("{url}/api/v1/credentials"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(wrong_type.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 400);
    let said = answer.text().await.unwrap();
    assert!(!said.contains("Hunter2"), "the 400 answer quotes a secret: {said}");

    let records = server.requests();
    assert_eq!(records.len(), 3);
    for r in &records {
        let shown = format!("{r:?}");
        assert!(!shown.contains("Hunter2"), "a secret in the record: {shown}");
    }
    assert!(records[0].body.contains("***"), "{:?}", records[0]);
    assert!(records[1].body.contains("withheld"), "{:?}", records[1]);
}

/// OAuth2 against the mock: no token is 401; an expired token is renewed with the refresh
/// token and the call repeated; with refresh tokens revoked too, the client logs in again
/// with the remembered password; a wrong password is refused; logout ends the token.
#[tokio::test]
async fn expired_tokens_are_renewed_and_logins_repeated() {
    let server = MockServer::start().await.unwrap();
    server.accept_login("admin", "s3cret-pw");
    let client = client(&server);
    let anonymous = client.get_all_creds(&GetAllCredsParams::default()).await.unwrap_err();
    assert_eq!(status_of(&anonymous), Some(401));
    assert!(client.login("admin", Secret::from("wrong")).await.is_err());
    client.login("admin", Secret::from("s3cret-pw")).await.unwrap();
    client.get_all_creds(&GetAllCredsParams::default()).await.unwrap();

    server.expire_tokens();
    client.get_all_creds(&GetAllCredsParams::default()).await.unwrap();
    let grants = |server: &MockServer| -> Vec<String> {
        server.calls("CreateToken").iter().map(|r| r.body.split('&').next().unwrap_or_default().to_owned()).collect()
    };
    assert_eq!(grants(&server), ["grant_type=password", "grant_type=password", "grant_type=refresh_token"]);

    server.expire_tokens();
    server.revoke_refresh_tokens();
    client.get_all_creds(&GetAllCredsParams::default()).await.unwrap();
    assert_eq!(grants(&server)[3..], ["grant_type=refresh_token", "grant_type=password"]);
    for r in server.calls("CreateToken") {
        assert!(!r.body.contains("s3cret-pw") && !r.body.contains("mock-refresh-"), "{}", r.body);
    }
    let refused: Vec<u16> = server.calls("GetAllCreds").iter().map(|r| r.status).collect();
    assert_eq!(refused, [401, 200, 401, 200, 401, 200]);

    client.logout().await.unwrap();
    let after = client.get_all_creds(&GetAllCredsParams::default()).await.unwrap_err();
    assert_eq!(status_of(&after), Some(401));
}

/// What a downstream crate does with the mock and a long-running operation: typed handlers
/// script the session, and the client's `wait` polls the mock until it has stopped.
#[tokio::test]
async fn a_session_scripted_with_typed_handlers_is_waited_for() {
    let server = MockServer::start().await.unwrap();
    let session = |state: ESessionState, progress: i64, result: Option<ESessionResult>| {
        let mut model = SessionModel::new(
            Uuid::nil(),
            "Add helper appliance",
            Uuid::nil(),
            ESessionType::Infrastructure,
            "2026-11-30T03:00:00Z".parse().unwrap(),
            state,
            0,
        )
        .with_progress_percent(progress);
        model.result = result.map(|result| SessionResultModel::new(result).with_is_canceled(false));
        model
    };
    let first = session(ESessionState::Working, 0, None);
    server.on_create_cloud_creds_helper_appliance(move |_| {
        let first = first.clone();
        async move { CreateCloudCredsHelperApplianceReply::Created(first) }
    });
    let reads = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(0));
    let counter = reads.clone();
    server.on_get_session(move |req| {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        let next = match n {
            1 | 2 => session(ESessionState::Working, 40 * n, None),
            _ => session(ESessionState::Stopped, 100, Some(ESessionResult::Success)),
        };
        assert_eq!(req.id, Uuid::nil(), "the wait polls the session it was given");
        async move { GetSessionReply::Ok(next) }
    });
    let client = client(&server);
    client.login("admin", Secret::from("pw")).await.unwrap();
    let spec: CloudHelperApplianceSpec = request_example(&spec("vbr"), "CreateCloudCredsHelperAppliance");
    let started = client.create_cloud_creds_helper_appliance(Uuid::new_v4(), &spec).await.unwrap();
    let fast = std::time::Duration::from_millis(5);
    let done = started.wait(&client).poll_interval(fast, fast).await.unwrap();
    assert!(matches!(done, veeam_client::runtime::Done::Success(_)), "{done:?}");
    assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), 3);
    assert_eq!(server.calls("GetSession").len(), 3);
}

/// The default answer of a paged list is coherent with the client's paging: its total and
/// count match its items (Veeam's `GetAllSessions` example says 307 of 1), so a stream over it
/// ends after the example's items instead of failing on a page that promised more.
#[tokio::test]
async fn streams_over_default_answers_end_cleanly() {
    use futures::TryStreamExt;
    let server = MockServer::start().await.unwrap();
    let client = client(&server);
    client.login("admin", Secret::from("pw")).await.unwrap();
    let sessions: Vec<_> = client.get_all_sessions_stream(GetAllSessionsParams::default()).try_collect().await.unwrap();
    assert_eq!(sessions.len(), 1);
    let tasks: Vec<_> =
        client.get_all_task_sessions_stream(GetAllTaskSessionsParams::default()).try_collect().await.unwrap();
    assert_eq!(tasks.len(), 6);
}

/// The default answer of a long-running operation's status operation is the session that
/// was asked about: its example carries the requested id, so a wait on the mock follows the
/// session the code under test started.
#[tokio::test]
async fn a_default_session_answer_carries_the_requested_id() {
    let server = MockServer::start().await.unwrap();
    let client = client(&server);
    client.login("admin", Secret::from("pw")).await.unwrap();
    let id = Uuid::from_u128(0x5e55_1011);
    assert_eq!(client.get_session(id).await.unwrap().id, id);
}

/// What a downstream crate writes now that generated structs are `#[non_exhaustive]`: a
/// `Params` struct and a body with required fields are built with `new` and `with_*`, and
/// their fields are still read, matched with `..` and assigned. The server receives exactly
/// what was built.
#[tokio::test]
async fn params_and_bodies_are_built_with_new_and_setters() {
    let server = MockServer::start().await.unwrap();
    let client = client(&server);
    client.login("admin", Secret::from("pw")).await.unwrap();

    let params =
        GetAllCredsParams::new().with_limit(2).with_name_filter("svc*").with_type_filter([ECredentialsType::Linux]);
    server.on_get_all_creds(|request: GetAllCredsRequest| async move {
        assert_eq!((request.limit, request.name_filter.as_deref()), (Some(2), Some("svc*")));
        assert_eq!(request.type_filter.as_deref(), Some(&[ECredentialsType::Linux][..]));
        let page = json!({"data": [], "pagination": {"total": 0, "count": 0}});
        GetAllCredsReply::Ok(serde_json::from_value(page).unwrap())
    });
    assert!(client.get_all_creds(&params).await.unwrap().data.is_empty());

    // `new` takes the required fields (a `&str` for a `String`), setters the optional ones.
    let mut standard = StandardCredentialsSpec::new("TECH\\svc", ECredentialsType::Standard, Secret::from("P@ss"))
        .with_description("built");
    standard.unique_id = Some("svc-1".to_owned()); // fields stay public
    let StandardCredentialsSpec { username, description, .. } = &standard;
    assert_eq!((username.as_str(), description.as_deref()), ("TECH\\svc", Some("built")));
    let body = CredentialsSpec::Standard(standard);
    let sent = body.clone();
    server.on_create_creds(move |request: CreateCredsRequest| {
        let sent = sent.clone();
        async move {
            assert_eq!(request.body, sent);
            let model = json!({"id": Uuid::nil(), "username": "TECH\\svc", "description": "built",
                "creationTime": "2025-01-01T00:00:00Z", "type": "Standard"});
            CreateCredsReply::Created(serde_json::from_value(model).unwrap())
        }
    });
    let CredentialsModel::Standard(made) = client.create_creds(&body).await.unwrap() else { panic!() };
    assert_eq!(made.username, "TECH\\svc");
    assert_eq!(server.calls("CreateCreds")[0].status, 201);
}

/// `vbr::dispatch` names what is wrong with a call before sending anything (an unknown
/// operation, an argument that does not fit or is not the operation's, a missing body, a
/// stream of an operation that does not page); reads `params` by the parameters' wire names
/// into the typed `Params` struct; answers an operation with several success answers as
/// `{"status", "body"}`; and keeps the client's error for the caller to inspect.
#[tokio::test]
async fn dispatch_reads_typed_arguments_and_names_what_is_wrong() {
    use veeam_client::runtime::dispatch::{DispatchError, Input};
    let server = MockServer::start().await.unwrap();
    let client = client(&server);
    client.login("admin", Secret::from("pw")).await.unwrap();
    let call = |op: &'static str, input: serde_json::Value| vbr::dispatch::call(&client, op, input);

    let e = call("NoSuchOperation", json!({})).await.unwrap_err();
    assert!(matches!(e, DispatchError::UnknownOperation { .. }), "{e}");
    let e = call("GetCreds", json!({"path": {"id": "not-a-uuid"}})).await.unwrap_err();
    assert!(e.to_string().starts_with("GetCreds: path `id`: "), "{e}");
    let e = call("GetCreds", json!({"path": {"id": Uuid::nil(), "other": 1}})).await.unwrap_err();
    assert_eq!(e.to_string(), "GetCreds: path `other`: not a path parameter of the operation");
    let e = call("GetAllCreds", json!({"params": {"limitt": 5}})).await.unwrap_err();
    assert!(e.to_string().contains("unknown field `limitt`"), "{e}");
    let e = call("CreateCreds", json!({})).await.unwrap_err();
    assert_eq!(e.to_string(), "CreateCreds: body: missing");
    let e = call("CreateCreds", json!({"body": {"type": "Standard", "username": 7, "password": "Hunter2"}}))
        .await
        .unwrap_err();
    assert!(e.to_string().starts_with("CreateCreds: body: ") && !e.to_string().contains("Hunter2"), "{e}");
    let e = vbr::dispatch::stream(&client, &mut Input::new("GetCreds", json!({})).unwrap()).err().unwrap();
    assert!(matches!(e, DispatchError::Unsupported { operation: "GetCreds", .. }), "{e}");
    assert!(server.requests().iter().all(|r| r.operation.as_deref() == Some("CreateToken")), "a refused call was sent");

    server.on_get_all_creds(|request: GetAllCredsRequest| async move {
        assert_eq!((request.limit, request.type_filter.as_deref()), (Some(3), Some(&[ECredentialsType::Linux][..])));
        GetAllCredsReply::Ok(
            serde_json::from_value(json!({"data": [], "pagination": {"total": 0, "count": 0}})).unwrap(),
        )
    });
    let page = call("GetAllCreds", json!({"params": {"limit": 3, "typeFilter": ["Linux"]}})).await.unwrap();
    assert_eq!(page["data"], json!([]));

    server.on_change_cloud_certificate(|_| async { ChangeCloudCertificateReply::NoContent });
    let certificate: serde_json::Value = request_example(&spec("vbr"), "ChangeCloudCertificate");
    let answer =
        call("ChangeCloudCertificate", json!({"path": {"id": Uuid::nil()}, "body": certificate})).await.unwrap();
    assert_eq!(answer, json!({"status": "204"}));

    server.on_get_creds(|_| async {
        GetCredsReply::NotFound(serde_json::from_value(json!({"errorCode": "NotFound", "message": "gone"})).unwrap())
    });
    let e = call("GetCreds", json!({"path": {"id": Uuid::nil()}})).await.unwrap_err();
    let client_error = e.client().unwrap_or_else(|| panic!("expected the client's error, got {e}"));
    assert_eq!(
        (status_of(client_error), client_error.api_body().map(|b| b["message"].clone())),
        (Some(404), Some(json!("gone")))
    );
}

/// A VBR 12 server (revision 1.2-rev1), as its users meet it: the client finds the revision,
/// logs in, pages the credentials and waits on a job's session, every request in 1.2-rev1.
/// A body property 1.2-rev1 lacks is refused before sending, naming the revision that added it;
/// an enum value 1.2-rev1 spells in lower case is sent that way and read back either way.
#[tokio::test]
async fn a_vbr_12_user_logs_in_pages_credentials_and_waits_on_a_session() {
    use futures::TryStreamExt;
    use vbr::ApiVersion;

    let server = MockServer::start_as(ApiVersion::V1_2Rev1).await.unwrap();
    let no_retry = || RetryPolicy { max_attempts: 1, ..RetryPolicy::default() };
    let found = vbr::Client::discover_api_version(&server.url(), |b| b.retry(no_retry())).await.unwrap();
    assert_eq!(found, ApiVersion::V1_2Rev1, "the newest revision a VBR 12 server answers");
    server.clear_requests();

    let client = vbr::Client::builder(server.url()).retry(no_retry()).api_version(found).build().unwrap();
    client.login("admin", Secret::from("pw")).await.unwrap();
    let records: Vec<CredentialsModel> =
        client.get_all_creds_stream(GetAllCredsParams::default()).try_collect().await.unwrap();
    assert!(!records.is_empty(), "the spec's example page");

    // A job whose run is scripted: started, then polled until it stops.
    let session = |state: ESessionState, result: Option<ESessionResult>| {
        let mut model = SessionModel::new(
            Uuid::nil(),
            "Nightly",
            Uuid::nil(),
            ESessionType::BackupJob,
            "2026-11-30T03:00:00Z".parse().unwrap(),
            state,
            0,
        );
        model.result = result.map(|result| SessionResultModel::new(result).with_is_canceled(false));
        model
    };
    let working = session(ESessionState::Working, None);
    server.on_start_job(move |_| {
        let working = working.clone();
        async move { StartJobReply::Created(working) }
    });
    let polls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = polls.clone();
    server.on_get_session(move |_| {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let next = if n < 2 {
            session(ESessionState::Working, None)
        } else {
            session(ESessionState::Stopped, Some(ESessionResult::Success))
        };
        async move { GetSessionReply::Ok(next) }
    });
    let job = Uuid::new_v4();
    // `syncRestorePoints` came with 1.3-rev0: refused, and nothing is sent.
    let later = JobStartSpec::new(false).with_sync_restore_points(EBackupCopyRestorePoints::Latest);
    let err = client.start_job(job, Some(&later)).await.unwrap_err();
    let veeam_client::runtime::Error::Unsupported { operation, field, revision, since, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(
        (*operation, *field, *revision, *since),
        ("StartJob", Some("syncRestorePoints"), "1.2-rev1", Some("1.3-rev0"))
    );
    assert!(server.calls("StartJob").is_empty(), "refused before sending");
    let StartJobResponse::Created(started) = client.start_job(job, Some(&JobStartSpec::new(false))).await.unwrap()
    else {
        panic!("the scripted answer is a session")
    };
    let fast = std::time::Duration::from_millis(5);
    let done = started.wait(&client).poll_interval(fast, fast).await.unwrap();
    assert!(matches!(done, veeam_client::runtime::Done::Success(_)), "{done:?}");

    // An enum value 1.2-rev1 spells `vm` goes out as `vm`; the same client reads `Vm` too.
    let states =
        client.get_all_jobs_states(&GetAllJobsStatesParams::new().with_workload_filter(EJobWorkload::Vm)).await;
    assert!(states.is_ok(), "{states:?}");
    let sent = &server.calls("GetAllJobsStates")[0];
    assert_eq!(sent.query.iter().find(|(n, _)| n == "workloadFilter").map(|(_, v)| v.as_str()), Some("vm"), "{sent:?}");
    let read: EJobWorkload = serde_json::from_value(json!("vm")).unwrap();
    assert_eq!(read, EJobWorkload::Vm);
    let read: EJobWorkload = serde_json::from_value(json!("Vm")).unwrap();
    assert_eq!(read, EJobWorkload::Vm);

    // Every request, the token request included, named 1.2-rev1.
    let requests = server.requests();
    assert!(requests.len() >= 6, "{requests:?}");
    for r in &requests {
        assert_eq!(r.header("x-api-version"), Some("1.2-rev1"), "{} {}", r.method, r.path);
        assert!(r.status < 400, "{} {} was refused: {:?}", r.method, r.path, r.failure);
    }
}

/// Discovery takes a revision the server answers with 401 (it wants a login for the probe) as
/// spoken, and goes on past one it refuses with 400; it stops at the first server error.
#[tokio::test]
async fn discovery_reads_a_401_as_spoken_and_a_400_as_refused() {
    use axum::http::{HeaderMap, StatusCode};
    let app = axum::Router::new().fallback(|headers: HeaderMap| async move {
        match headers.get("x-api-version").and_then(|v| v.to_str().ok()) {
            Some("1.3-rev2") => (StatusCode::BAD_REQUEST, r#"{"errorCode":"InvalidApiVersion","message":"no"}"#),
            Some("1.3-rev1") => (StatusCode::UNAUTHORIZED, r#"{"errorCode":"Unauthorized","message":"log in"}"#),
            _ => (StatusCode::INTERNAL_SERVER_ERROR, r#"{"errorCode":"Oops","message":"asked too far"}"#),
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let no_retry = |b: veeam_client::runtime::ClientBuilder<vbr::Client>| {
        b.retry(RetryPolicy { max_attempts: 1, ..RetryPolicy::default() })
    };
    let found = vbr::Client::discover_api_version(&url, no_retry).await.unwrap();
    assert_eq!(found, vbr::ApiVersion::V1_3Rev1);
}

/// A list whose paging parameters the revision spoken lacks (`skip` and `limit` of
/// `GetAllCredsHelperAppliances` came in 1.3-rev1) is still listed by its stream, in one
/// request without them; a page short of the total it reports still ends the stream with
/// `Error::Paging`, after its items, and asking for a later first item is still refused
/// before anything is sent.
#[tokio::test]
async fn a_stream_lists_in_one_request_where_the_revision_has_no_paging_parameters() {
    use futures::{StreamExt, TryStreamExt};
    use veeam_client::runtime::Error;

    let server = MockServer::start_as(vbr::ApiVersion::V1_2Rev1).await.unwrap();
    let client = vbr::Client::builder(server.url())
        .retry(RetryPolicy { max_attempts: 1, ..RetryPolicy::default() })
        .api_version(vbr::ApiVersion::V1_2Rev1)
        .build()
        .unwrap();
    client.login("admin", Secret::from("pw")).await.unwrap();
    let id = Uuid::nil();
    // The spec's example page, as every page the handlers below answer with.
    let example = client.get_all_creds_helper_appliances(id, &Default::default()).await.unwrap();
    let n = example.data.len();
    assert!(n > 0, "the example page has items");
    let answer = move |total: usize| {
        let mut page = example.clone();
        page.pagination.total = i32::try_from(total).unwrap();
        page.pagination.count = i32::try_from(n).unwrap();
        page
    };

    let whole = answer(n);
    server.on_get_all_creds_helper_appliances(move |_| {
        let page = whole.clone();
        async move { GetAllCredsHelperAppliancesReply::Ok(page) }
    });
    server.clear_requests();
    // From the first item (`skip` 0 is where a listing starts anyway), pages of 1 asked for.
    let params = GetAllCredsHelperAppliancesParams::default().with_skip(0).with_limit(1);
    let items: Vec<_> = client.get_all_creds_helper_appliances_stream(id, params).try_collect().await.unwrap();
    assert_eq!(items.len(), n);
    let calls = server.calls("GetAllCredsHelperAppliances");
    assert_eq!(calls.len(), 1, "one request");
    assert_eq!(calls[0].query, Vec::<(String, String)>::new(), "no paging parameter the revision lacks");

    let short = answer(n + 1);
    server.on_get_all_creds_helper_appliances(move |_| {
        let page = short.clone();
        async move { GetAllCredsHelperAppliancesReply::Ok(page) }
    });
    let listed: Vec<_> = client.get_all_creds_helper_appliances_stream(id, Default::default()).collect().await;
    assert_eq!(listed.len(), n + 1, "the page's items, then the error");
    assert!(listed[..n].iter().all(Result::is_ok));
    assert!(matches!(&listed[n], Err(Error::Paging { .. })), "{:?}", listed[n].as_ref().err());

    server.clear_requests();
    let later = GetAllCredsHelperAppliancesParams::default().with_skip(5);
    let listed: Vec<_> = client.get_all_creds_helper_appliances_stream(id, later).collect().await;
    assert!(
        matches!(listed.as_slice(), [Err(Error::Unsupported { field: Some("skip"), .. })]),
        "{:?}",
        listed.iter().map(|r| r.as_ref().err().map(ToString::to_string)).collect::<Vec<_>>()
    );
    assert!(server.requests().is_empty(), "nothing was sent");
}

/// A body property that the revision spoken requires, though others do not, is checked before
/// sending: VBR 12 (1.2-rev1) requires a Windows server's `credentialsId`, which 1.3-rev0 made
/// optional (`x-required-revisions`), and 1.3-rev0 on require its `credentialsStorageType`,
/// which 1.2-rev1 lacks (so Rust cannot require either). A body without the one its revision
/// requires is refused with `Error::MissingField` naming the field and the revision, and
/// nothing is sent; with it, the server answers.
#[tokio::test]
async fn a_body_without_a_property_its_revision_requires_is_refused_before_sending() {
    use veeam_client::runtime::Error;

    for (version, field) in
        [(vbr::ApiVersion::V1_2Rev1, "credentialsId"), (vbr::ApiVersion::V1_3Rev2, "credentialsStorageType")]
    {
        let server = MockServer::start_as(version).await.unwrap();
        let client = logged_in_as(&server, version).await;
        server.clear_requests();
        let bare = WindowsHostSpec::new("win-01.example", "file server");
        let err = client.create_managed_server(&ManagedServerSpec::WindowsHost(bare.clone())).await.unwrap_err();
        let Error::MissingField { operation, field: missing, revision, required } = &err else {
            panic!("{version}: {err}")
        };
        assert_eq!((*operation, *missing, *revision), ("CreateManagedServer", field, version.as_str()), "{err}");
        assert!(err.to_string().contains(&format!("`{field}` is required in API revision {version}")), "{err}");
        assert!(!required.is_empty());
        assert!(server.requests().is_empty(), "{version}: nothing was sent");

        let whole = match version {
            vbr::ApiVersion::V1_2Rev1 => bare.with_credentials_id(Uuid::nil()),
            _ => bare.with_credentials_storage_type(ECredentialsStorageType::Permanent),
        };
        let sent = client.create_managed_server(&ManagedServerSpec::WindowsHost(whole)).await;
        assert!(!matches!(sent, Err(Error::MissingField { .. })), "{version}: {sent:?}");
        assert_eq!(server.calls("CreateManagedServer").len(), 1, "{version}: sent");
    }
}

/// A union variant the revision spoken lacks is refused before sending, naming its tag value:
/// VBR 12 (1.2-rev1) has no group managed service account records (`ManagedService`, since
/// 1.3-rev0), which a client speaking 1.3-rev0 or later sends.
#[tokio::test]
async fn a_union_variant_the_revision_lacks_is_refused_before_sending() {
    use veeam_client::runtime::Error;

    for version in [vbr::ApiVersion::V1_2Rev1, vbr::ApiVersion::V1_3Rev0] {
        let server = MockServer::start_as(version).await.unwrap();
        let client = logged_in_as(&server, version).await;
        server.clear_requests();
        let gmsa = CredentialsSpec::ManagedService(ManagedServiceCredentialsSpec::new("EXAMPLE\\gmsa$"));
        let sent = client.create_creds(&gmsa).await;
        if version == vbr::ApiVersion::V1_2Rev1 {
            let Err(Error::Unsupported { operation, field, revision, since, .. }) = &sent else {
                panic!("{version}: {sent:?}")
            };
            assert_eq!(
                (*operation, *field, *revision, *since),
                ("CreateCreds", Some("ManagedService"), "1.2-rev1", Some("1.3-rev0"))
            );
            assert!(server.requests().is_empty(), "nothing was sent");
        } else {
            assert!(!matches!(sent, Err(Error::Unsupported { .. })), "{version}: {sent:?}");
            assert_eq!(server.calls("CreateCreds").len(), 1, "{version}: sent");
        }
    }
}

/// A filter VBR 12 (1.2-rev1) takes as one value and later revisions as a list
/// (`x-single-value-revisions`): a client pinned to 1.2-rev1 sends a list of one as that one
/// value and refuses two before sending, with `Error::NotOneValue` naming the parameter and the
/// revision; a client speaking 1.3-rev2 sends both.
#[tokio::test]
async fn a_filter_vbr_12_takes_as_one_value_is_sent_as_one_and_a_longer_list_is_refused() {
    use veeam_client::runtime::Error;

    let two = [ESessionType::BackupJob, ESessionType::RestoreVm];
    let server = MockServer::start_as(vbr::ApiVersion::V1_2Rev1).await.unwrap();
    let client = logged_in_as(&server, vbr::ApiVersion::V1_2Rev1).await;
    server.clear_requests();
    client.get_all_sessions(&GetAllSessionsParams::new().with_type_filter([ESessionType::BackupJob])).await.unwrap();
    let query = &server.calls("GetAllSessions")[0].query;
    assert_eq!(query.iter().filter(|(n, _)| n == "typeFilter").count(), 1, "{query:?}");
    server.clear_requests();
    let err = client.get_all_sessions(&GetAllSessionsParams::new().with_type_filter(two.clone())).await.unwrap_err();
    let Error::NotOneValue { operation, field, count, revision, single } = &err else { panic!("{err}") };
    assert_eq!((*operation, *field, *count, *revision), ("GetAllSessions", "typeFilter", 2, "1.2-rev1"), "{err}");
    assert_eq!(single, "1.2-rev1");
    assert!(err.to_string().contains("`typeFilter` holds 2 values"), "{err}");
    assert!(server.requests().is_empty(), "nothing was sent");

    let server = MockServer::start_as(vbr::ApiVersion::V1_3Rev2).await.unwrap();
    let client = logged_in_as(&server, vbr::ApiVersion::V1_3Rev2).await;
    server.clear_requests();
    client.get_all_sessions(&GetAllSessionsParams::new().with_type_filter(two)).await.unwrap();
    let query = &server.calls("GetAllSessions")[0].query;
    assert_eq!(query.iter().filter(|(n, _)| n == "typeFilter").count(), 2, "{query:?}");
}

/// Values Veeam renamed beyond case, recorded as spellings (`x-enum-spellings`): a VMware
/// vSphere backup job is `Backup` in 1.2-rev1 and `VSphereBackup` since, and its inventory
/// objects' platform `VMware` in 1.2-rev1 and `VSphere` since. A client writes each in the
/// spelling of the revision it speaks, the union's tag included, and reads either spelling as
/// the same variant (an older server's answer is not an unknown variant).
#[tokio::test]
async fn a_value_renamed_beyond_case_is_written_as_the_revision_spells_it_and_read_in_either_spelling() {
    let job: JobSpec =
        serde_json::from_value(spec("vbr")["components"]["examples"]["BackupJobSpecExample"]["value"].clone())
            .expect("the vSphere backup job example");
    assert!(matches!(job, JobSpec::VSphereBackup(_)), "the first example is a vSphere backup job");
    for (version, kind, platform) in
        [(vbr::ApiVersion::V1_2Rev1, "Backup", "VMware"), (vbr::ApiVersion::V1_3Rev2, "VSphereBackup", "VSphere")]
    {
        let server = MockServer::start_as(version).await.unwrap();
        let client = logged_in_as(&server, version).await;
        server.clear_requests();
        // The example is written for 1.3-rev2: what 1.2-rev1 lacks is taken out, as the client
        // asks, field by field.
        let mut body = serde_json::to_value(&job).unwrap();
        // Guest processing's credentials changed shape in 1.3-rev0: not what this test is about.
        body.as_object_mut().unwrap().remove("guestProcessing");
        let (mut answer, mut removed) = (None, Vec::new());
        for _ in 0..8 {
            match client.create_job(&serde_json::from_value(body.clone()).unwrap()).await {
                Err(veeam_client::runtime::Error::Unsupported { field: Some(field), .. }) => {
                    removed.push(field);
                    remove_key(&mut body, field)
                }
                other => {
                    answer = Some(other);
                    break;
                }
            }
        }
        let calls = server.calls("CreateJob");
        let sent = calls
            .first()
            .and_then(|c| c.json())
            .unwrap_or_else(|| panic!("{version}: not sent: {answer:?}, {removed:?}"));
        assert_eq!(sent["type"], kind, "{version}");
        assert_eq!(sent["virtualMachines"]["includes"][0]["platform"], platform, "{version}: {sent:#}");
    }
    // What a VBR 12 server answers, read as the same variants as 1.3's spelling.
    let mut old = serde_json::to_value(&job).unwrap();
    old["type"] = json!("Backup");
    old["virtualMachines"]["includes"][0]["platform"] = json!("VMware");
    let read: JobSpec = serde_json::from_value(old).unwrap();
    let JobSpec::VSphereBackup(read) = read else { panic!("{read:?}") };
    let machines = read.virtual_machines.as_ref().expect("the example lists machines");
    let includes = machines.includes.as_deref().unwrap_or_default();
    assert!(matches!(includes[0], InventoryObjectModel::VSphere(_)), "{read:?}");
}

/// VBR 12 (1.2-rev1) writes a performance extent's `status` as one value, later revisions as a
/// list (`x-single-value-revisions`): either is read as a list, and a wrong item is an error.
#[test]
fn a_list_vbr_12_writes_as_one_value_is_read_as_a_list_of_it() {
    let extent = |status: serde_json::Value| {
        serde_json::from_value::<PerformanceExtentModel>(json!({"id": Uuid::nil(), "name": "x", "status": status}))
    };
    let one = extent(json!("Normal")).unwrap();
    assert_eq!(one.status.as_deref(), Some(&[ERepositoryExtentStatusType::Normal][..]));
    let two = extent(json!(["Normal", "Evacuate"])).unwrap();
    assert_eq!(two.status.map(|s| s.len()), Some(2));
    assert!(extent(json!(7)).is_err(), "not a status, in either shape");
}

/// A property whose shape Veeam changed between revisions holds each shape, marked with its
/// revisions: an answer of each revision decodes into its own shape (1.3-rev0's log record
/// `additionalInfo` is one string, 1.3-rev2's a list of pairs; a 1.2-rev1 repository has one
/// mount server, later ones a Windows and a Linux one), and a client writes only the shape of
/// the revision it speaks: another is refused before sending, naming it.
#[tokio::test]
async fn a_property_whose_shape_changed_is_read_in_each_shape_and_written_only_in_the_spoken_one() {
    use veeam_client::runtime::Error;

    let record = |info: serde_json::Value| {
        serde_json::from_value::<SessionLogRecordModel>(json!({"id": 1, "additionalInfo": info})).unwrap()
    };
    assert_eq!(
        record(json!("retry 2 of 3")).additional_info,
        Some(SessionLogRecordModelAdditionalInfo::String("retry 2 of 3".to_owned()))
    );
    let pairs = record(json!([{"field": "attempt", "data": "2"}])).additional_info;
    assert!(matches!(pairs, Some(SessionLogRecordModelAdditionalInfo::CommonMetaInfoList(ref l)) if l.len() == 1));
    // Until 1.3-rev1 a quick migration's datastore is one inventory object; since, per-disk
    // settings whose properties are all optional, so they decode from any object: the
    // alternative that keeps every property is the one read.
    let datastore =
        json!({"platform": "VSphere", "type": "Datastore", "hostName": "vc", "name": "ds1", "objectId": "ds-1"});
    let read: ViVMQuickMigrationSpecDatastore = serde_json::from_value(datastore).unwrap();
    assert!(
        matches!(read, ViVMQuickMigrationSpecDatastore::InventoryObjectModel(InventoryObjectModel::VSphere(_))),
        "{read:?}"
    );
    let read: ViVMQuickMigrationSpecDatastore = serde_json::from_value(json!({"diskMappings": []})).unwrap();
    assert!(matches!(read, ViVMQuickMigrationSpecDatastore::ViVMQuickMigrationDatastoresSpec(_)), "{read:?}");

    // The example repository, given VBR 12's one mount server.
    let mut spec_json = spec("vbr")["components"]["examples"]["WinLocalRepositorySpecExample"]["value"].clone();
    let flat = json!({"mountServerId": Uuid::nil(), "writeCacheFolder": "C:\\cache", "vPowerNFSEnabled": true});
    spec_json["mountServer"] = flat.clone();
    let repository: RepositorySpec = serde_json::from_value(spec_json).unwrap();
    let server = MockServer::start_as(vbr::ApiVersion::V1_2Rev1).await.unwrap();
    let client = logged_in_as(&server, vbr::ApiVersion::V1_2Rev1).await;
    server.clear_requests();
    let _ = client.create_repository(&repository, &Default::default()).await;
    assert_eq!(server.calls("CreateRepository")[0].json().unwrap()["mountServer"], flat, "1.2-rev1's shape, as set");

    let server = MockServer::start_as(vbr::ApiVersion::V1_3Rev2).await.unwrap();
    let client = logged_in_as(&server, vbr::ApiVersion::V1_3Rev2).await;
    server.clear_requests();
    let err = client.create_repository(&repository, &Default::default()).await.unwrap_err();
    let Error::Unsupported { operation, field, revision, .. } = &err else { panic!("{err}") };
    assert_eq!(*operation, "CreateRepository");
    assert_eq!(*field, Some("MountServerSettingsOfRevisionModel::MountServerSettingsModel"), "{err}");
    assert_eq!(*revision, "1.3-rev2");
    assert!(server.requests().is_empty(), "nothing was sent");
}

/// `value` without the property `key`, nor any property whose value is the string `key` (an
/// enum value), at any depth.
fn remove_key(value: &mut serde_json::Value, key: &str) {
    match value {
        serde_json::Value::Object(map) => {
            map.remove(key);
            map.retain(|_, v| v.as_str() != Some(key));
            map.values_mut().for_each(|v| remove_key(v, key));
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(|v| remove_key(v, key)),
        _ => {}
    }
}

/// A request body only some revisions take (`x-revisions` on the Request Body Object).
/// `RescanAllManagedServers` takes its list of servers since 1.3-rev1: a client speaking
/// 1.3-rev0 refuses one before sending, and sends none when none is given. `DownloadFlrItem`
/// takes, and requires, the items to download in 1.2-rev1 only: a VBR 12 client refuses to
/// leave them out (`Error::MissingField`), and a VBR 13 client refuses to send them.
#[tokio::test]
async fn a_request_body_only_some_revisions_take_is_sent_only_to_them() {
    use veeam_client::runtime::Error;

    let examples = &spec("vbr")["components"]["examples"];
    let servers: ManagedServersSpec = serde_json::from_value(examples["ManagedServersSpecExample"]["value"].clone())
        .expect("the managed servers example");
    let items: FlrStartDownloadSpec =
        serde_json::from_value(examples["FlrStartDownloadSpecExample"]["value"].clone()).expect("the download example");
    let (session, task) = (Uuid::nil(), Uuid::nil());

    let server = MockServer::start_as(vbr::ApiVersion::V1_3Rev0).await.unwrap();
    let client = logged_in_as(&server, vbr::ApiVersion::V1_3Rev0).await;
    server.clear_requests();
    let err = client.rescan_all_managed_servers(Some(&servers)).await.unwrap_err();
    let Error::Unsupported { operation, field, revision, since, .. } = &err else { panic!("{err}") };
    assert_eq!(
        (*operation, *field, *revision, *since),
        ("RescanAllManagedServers", Some("requestBody"), "1.3-rev0", Some("1.3-rev1"))
    );
    assert!(server.requests().is_empty(), "nothing was sent");
    client.rescan_all_managed_servers(None).await.unwrap();
    assert_eq!(server.calls("RescanAllManagedServers")[0].body, "", "no body for 1.3-rev0");
    let Err(err) = client.download_flr_item(session, task, Some(&items)).await else { panic!("sent") };
    assert!(matches!(&err, Error::Unsupported { field: Some("requestBody"), .. }), "{err}");

    let server = MockServer::start_as(vbr::ApiVersion::V1_2Rev1).await.unwrap();
    let client = logged_in_as(&server, vbr::ApiVersion::V1_2Rev1).await;
    server.clear_requests();
    let Err(err) = client.download_flr_item(session, task, None).await else { panic!("sent") };
    let Error::MissingField { operation, field, revision, required } = &err else { panic!("{err}") };
    assert_eq!(
        (*operation, *field, *revision, required.as_str()),
        ("DownloadFlrItem", "requestBody", "1.2-rev1", "1.2-rev1")
    );
    assert!(server.requests().is_empty(), "nothing was sent");
}
