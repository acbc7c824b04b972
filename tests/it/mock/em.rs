//! The EM mock: HTTP Basic logon issuing a session id in `X-RestSvcSessionId`, the API-key
//! scheme that sends it, and XML by default.

use std::collections::BTreeSet;

use uuid::Uuid;
use veeam_client::em::mock::*;
use veeam_client::em::{self, types::*};
use veeam_client::runtime::{Format, RetryPolicy, Secret};

use super::{call_every_operation, operations, recorded_operations, request_example, spec, status_of};

fn client(server: &MockServer) -> em::Client {
    em::Client::builder(server.url()).retry(RetryPolicy { max_attempts: 1, ..RetryPolicy::default() }).build().unwrap()
}

/// Every operation of the EM spec, through `em::dispatch`: the logon answers its XML example
/// and issues a session the other calls are authorized with; operations without example
/// answer 501; the logoff (last) ends the session.
#[tokio::test]
async fn every_operation_answers_from_its_example_or_501() {
    let spec = spec("em");
    let ops = operations(&spec);
    let server = MockServer::start().await.unwrap();
    let client = client(&server);
    client.set_basic_auth("VEEAM\\Administrator", Secret::from("em-pw"));
    // A fixed id, so that the request log (`REQUEST_LOG`) is the same on every run.
    let id = Uuid::from_u128(0xc7ed);
    let session = std::sync::Mutex::new(String::new());
    let (c, s) = (&client, &session);
    let p = call_every_operation(&spec, em::Client::DEFAULT_HEADERS, id, None, |op, input| async move {
        let answer = em::dispatch::call(c, &op, input).await;
        if let (Ok(logon), "CreateLogonSession") = (&answer, op.as_str()) {
            *s.lock().unwrap() = logon["x_rest_svc_session_id"].as_str().unwrap_or_default().to_owned();
        }
        answer
    })
    .await;
    assert!(p.is_empty(), "{} problem(s):\n  {}", p.len(), p.join("\n  "));
    let session = session.into_inner().unwrap();
    let (server_id, hint): (Uuid, PasswordKeyInfoSpec) = (id, request_example(&spec, "EditPasswordHint"));

    let requests = server.requests();
    super::request_log("em", &requests);
    let in_spec: BTreeSet<String> = ops.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(recorded_operations(&requests), in_spec, "every operation of the EM spec is called and recorded");
    // XML by default, both ways; answered (by its bodiless 201) with the session, not refused.
    let create = &server.calls("CreateCredentials")[0];
    assert_eq!(create.header("content-type"), Some("application/xml"));
    assert_eq!(create.status, 201);
    assert!(create.body.starts_with("<?xml"), "{}", create.body);
    assert!(
        !create.body.contains("em-pw") && !create.body.contains(">1234<"),
        "the password is blanked: {}",
        create.body
    );
    assert_eq!(create.header("x-restsvcsessionid"), Some("***"));
    assert!(session.starts_with("mock-session-"), "{session}");
    for r in &requests {
        assert!(!format!("{r:?}").contains(&session), "the session id in {r:?}");
    }
    // The logoff ended the session.
    let after = client.edit_password_hint(server_id, id, &hint).await.unwrap_err();
    assert_eq!(status_of(&after), Some(401));
}

/// A handler gets the typed XML body and the typed parameters; answers follow `Accept`
/// (XML by default, JSON when the client asks for it).
#[tokio::test]
async fn handlers_read_xml_and_answers_follow_accept() {
    let spec = spec("em");
    let server = MockServer::start().await.unwrap();
    let client = client(&server);
    client.set_basic_auth("VEEAM\\Administrator", Secret::from("em-pw"));
    client.create_logon_session("latest").await.unwrap();
    let server_id = Uuid::new_v4();
    server.on_create_credentials(move |request: CreateCredentialsRequest| async move {
        assert_eq!(request.backup_server_id, server_id);
        assert_eq!(request.action, CreateCredentialsAction::Create);
        match request.body.username.as_deref() {
            Some("VEEAM\\Administrator") => CreateCredentialsReply::Created,
            _ => CreateCredentialsReply::BadRequest(Default::default()),
        }
    });
    let body: CredentialsInfoSpec = request_example(&spec, "CreateCredentials");
    client.create_credentials(server_id, &CreateCredentialsAction::Create, &body).await.unwrap();
    let json = client.with_format(Format::Json);
    json.create_credentials(server_id, &CreateCredentialsAction::Create, &body).await.unwrap();
    let sent: Vec<Option<String>> =
        server.calls("CreateCredentials").iter().map(|r| r.header("content-type").map(str::to_owned)).collect();
    assert_eq!(sent, [Some("application/xml".to_owned()), Some("application/json".to_owned())]);

    // The logon's example answer in the format asked for.
    let logon = json.create_logon_session("latest").await.unwrap();
    assert_eq!(logon.body.user_name.as_deref(), Some("VEEAM\\Administrator"));
    let accepts: Vec<Option<String>> =
        server.calls("CreateLogonSession").iter().map(|r| r.header("accept").map(str::to_owned)).collect();
    assert_eq!(accepts, [Some("application/xml".to_owned()), Some("application/json".to_owned())]);
}

/// Expired sessions are refused; logging on again (the client's way back) works. A request
/// without its required `action` is refused with the reason.
#[tokio::test]
async fn expired_sessions_are_refused_until_the_next_logon() {
    let spec = spec("em");
    let server = MockServer::start().await.unwrap();
    server.accept_login("VEEAM\\Administrator", "em-pw");
    let client = client(&server);
    let hint: PasswordKeyInfoSpec = request_example(&spec, "EditPasswordHint");
    server.on_edit_password_hint(|_| async { EditPasswordHintReply::NoContent });
    let (server_id, id) = (Uuid::new_v4(), Uuid::new_v4());
    assert_eq!(status_of(&client.edit_password_hint(server_id, id, &hint).await.unwrap_err()), Some(401));
    client.set_basic_auth("VEEAM\\Administrator", Secret::from("wrong"));
    assert_eq!(status_of(&client.create_logon_session("latest").await.unwrap_err()), Some(401));
    client.set_basic_auth("VEEAM\\Administrator", Secret::from("em-pw"));
    client.create_logon_session("latest").await.unwrap();
    client.edit_password_hint(server_id, id, &hint).await.unwrap();
    server.expire_tokens();
    assert_eq!(status_of(&client.edit_password_hint(server_id, id, &hint).await.unwrap_err()), Some(401));
    client.create_logon_session("latest").await.unwrap();
    client.edit_password_hint(server_id, id, &hint).await.unwrap();

    let key = "accepted-key";
    server.accept_api_key(key);
    let answer = reqwest::Client::new()
        .post(format!("{}/backupServers/{server_id}/credentials", server.url()))
        .header("X-RestSvcSessionId", key)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 400);
    let text = answer.text().await.unwrap();
    assert!(text.contains("CreateCredentials: the required query parameter `action` is missing"), "{text}");
    // The mock's own refusal is in EM's error shape: an `Error` element whose `Message`,
    // `StatusCode` and `Status` are attributes, in XML unless JSON is asked for.
    let refused = reqwest::Client::new()
        .post(format!("{}/backupServers/{server_id}/credentials", server.url()))
        .header("X-RestSvcSessionId", key)
        .header("content-type", "application/xml")
        .header("accept", "application/xml")
        .body("<CredentialsInfoSpec/>")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 400);
    let xml = refused.text().await.unwrap();
    assert!(
        xml.contains("<Error ")
            && xml.contains("Message=\"CreateCredentials: the required query parameter `action` is missing\""),
        "{xml}"
    );
    assert!(xml.contains("StatusCode=\"400\"") && xml.contains("Status=\"BadRequest\""), "{xml}");
}
