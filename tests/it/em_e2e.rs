//! The generated Enterprise Manager client against an in-process fake EM
//! (`support/fake_em.rs`): logon with Basic auth, the session header on every later call,
//! the three EM operations and logoff, in XML (EM's default) and in JSON, with the format
//! chosen per client or per call; a fake that rejects XML elements out of order, so a
//! passing call proves the order; and typed errors for bad answers.

use crate::support::fake_em::{
    self, CannedAnswer, FakeEm, BACKUP_SERVER, CREDENTIALS, EM_NS, PASSWORD, PASSWORD_KEY, USER,
};
use uuid::Uuid;
use veeam_client::em::{self, types};
use veeam_client::runtime::{self, Format, Secret};

fn server() -> Uuid {
    Uuid::parse_str(BACKUP_SERVER).unwrap()
}

/// A client for the fake, in `format`, with the user's Basic credentials set.
fn client(fake: &FakeEm, format: Format) -> em::Client {
    let builder = em::Client::builder(&fake.base_url);
    // XML is the default, as it is EM's; JSON has to be asked for.
    let builder = if format == Format::Xml { builder } else { builder.format(format) };
    let client = builder.build().unwrap();
    assert_eq!(client.core().format(), format);
    client.set_basic_auth(USER, Secret::from(PASSWORD));
    client
}

/// A password that needs escaping in XML and in JSON.
const AWKWARD: &str = "p<a&s>s\"w'o\\rd ]]> &amp;";

fn new_credentials() -> types::CredentialsInfoSpec {
    types::CredentialsInfoSpec::new()
        .with_username("VEEAM\\svc_backup")
        .with_description("Created with REST API & <tests>")
        .with_password(Secret::from(AWKWARD))
}

fn edited_credentials() -> types::CredentialsInfo {
    types::CredentialsInfo::new()
        .with_id(Uuid::parse_str(CREDENTIALS).unwrap())
        .with_username("VEEAM\\Administrator")
        .with_description("Edited with REST API")
        .with_password(Secret::from("P@ssw0rd<&>"))
        .with_href(format!("https://localhost:9398/api/backupServers/{BACKUP_SERVER}/credentials/{CREDENTIALS}"))
        .with_type("Credentials")
}

/// Logon → create → edit → edit hint → logoff, checking what the fake received.
async fn full_flow(format: Format) {
    let fake = FakeEm::start().await;
    let client = client(&fake, format);
    let (mime, other) = match format {
        Format::Xml => ("application/xml", "application/json"),
        _ => ("application/json", "application/xml"),
    };

    // Logon: Basic auth in, session header and a LogonSession out, with the status and the
    // session id the answer carries in its header.
    let output = client.create_logon_session("latest").await.unwrap();
    assert_eq!(output.status, 201);
    assert!(!output.x_rest_svc_session_id.is_empty());
    assert_eq!(format!("{:?}", output.x_rest_svc_session_id), "Secret(***)");
    let session = output.body;
    assert_eq!(session.user_name.as_deref(), Some(USER));
    let session_id = session.session_id.expect("the LogonSession carries its id");
    assert_eq!(session.r#type.as_deref(), Some("LogonSession"));
    assert_eq!(session.href, Some(format!("https://localhost:9398/api/logonSessions/{session_id}")));
    let links = session.links.as_deref().unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].rel.as_deref(), Some("Delete"));
    let logon = fake.shared.last("CreateLogonSession");
    assert_eq!(logon.accept.as_deref(), Some(mime));
    assert_eq!(logon.answer_type.map(|t| t.starts_with(mime)), Some(true), "the fake answered in the asked format");
    assert!(!logon.had_session);

    // Create: 201, the body in `format`, the awkward password intact on the server.
    let before = fake.shared.credentials().len();
    client.create_credentials(server(), &types::CreateCredentialsAction::Create, &new_credentials()).await.unwrap();
    let create = fake.shared.last("CreateCredentials");
    assert_eq!(
        (create.status, create.content_type.as_deref(), create.accept.as_deref()),
        (201, Some(mime), Some(mime))
    );
    assert!(create.had_session);
    let records = fake.shared.credentials();
    assert_eq!(records.len(), before + 1);
    let created = records.iter().map(|(_, r)| r).find(|r| r.username.as_deref() == Some("VEEAM\\svc_backup")).unwrap();
    assert_eq!(created.password.as_deref(), Some(AWKWARD));
    assert_eq!(created.description.as_deref(), Some("Created with REST API & <tests>"));
    if format == Format::Xml {
        // Elements in the page's order, in the EM namespace (the fake also enforced this).
        let body = &create.body;
        let (u, d, p) =
            (body.find("<Username>").unwrap(), body.find("<Description>").unwrap(), body.find("<Password>").unwrap());
        assert!(u < d && d < p, "{body}");
        assert!(body.contains(&format!("<CredentialsInfoSpec xmlns=\"{EM_NS}\">")), "{body}");
    } else {
        let body: serde_json::Value = serde_json::from_str(&create.body).unwrap();
        let names: Vec<&str> = body.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(names, ["Username", "Description", "Password"]);
    }

    // Edit: 204, the record changed.
    client.edit_credentials(server(), Uuid::parse_str(CREDENTIALS).unwrap(), &edited_credentials()).await.unwrap();
    let edit = fake.shared.last("EditCredentials");
    assert_eq!((edit.status, edit.content_type.as_deref()), (204, Some(mime)));
    let record = fake.shared.credentials().into_iter().find(|(id, _)| id.to_string() == CREDENTIALS).unwrap().1;
    assert_eq!(record.password.as_deref(), Some("P@ssw0rd<&>"));
    assert_eq!(record.description.as_deref(), Some("Edited with REST API"));
    if format == Format::Xml {
        assert!(
            edit.body.contains("Type=\"Credentials\" xmlns=\"http://www.veeam.com/ent/v1.0\"><Id>"),
            "{}",
            edit.body
        );
    }

    // Edit a password hint: 204.
    let hint = types::PasswordKeyInfoSpec::new().with_hint("Ask \"ops\" <on-call>");
    client.edit_password_hint(server(), Uuid::parse_str(PASSWORD_KEY).unwrap(), &hint).await.unwrap();
    let edit_hint = fake.shared.last("EditPasswordHint");
    assert_eq!((edit_hint.status, edit_hint.content_type.as_deref()), (204, Some(mime)));
    assert_eq!(fake.shared.hint(PASSWORD_KEY).as_deref(), Some("Ask \"ops\" <on-call>"));

    // Nothing was sent in the other format.
    assert!(fake
        .shared
        .log()
        .iter()
        .all(|e| e.content_type.as_deref() != Some(other) && e.accept.as_deref() != Some(other)));

    // Logoff with the session's GUID; the session header then no longer works.
    assert_eq!(fake.shared.session_count(), 1);
    client.delete_logon_session(session_id).await.unwrap();
    assert_eq!(fake.shared.session_count(), 0);
    let err = client.edit_password_hint(server(), Uuid::parse_str(PASSWORD_KEY).unwrap(), &hint).await.unwrap_err();
    assert_eq!(err.status(), Some(401), "{err}");
}

#[tokio::test]
async fn full_flow_in_xml_by_default() {
    full_flow(Format::Xml).await;
}

#[tokio::test]
async fn full_flow_in_json_when_asked() {
    full_flow(Format::Json).await;
}

#[tokio::test]
async fn format_per_call_shares_the_session() {
    let fake = FakeEm::start().await;
    let client = client(&fake, Format::Xml);
    client.create_logon_session("latest").await.unwrap();
    let hint = types::PasswordKeyInfoSpec::new().with_hint("json hint");
    client
        .with_format(Format::Json)
        .edit_password_hint(server(), Uuid::parse_str(PASSWORD_KEY).unwrap(), &hint)
        .await
        .unwrap();
    let json = fake.shared.last("EditPasswordHint");
    assert_eq!(
        (json.content_type.as_deref(), json.accept.as_deref()),
        (Some("application/json"), Some("application/json"))
    );
    assert_eq!(json.body, r#"{"Hint":"json hint"}"#);
    // The original handle still speaks XML.
    let hint = types::PasswordKeyInfoSpec::new().with_hint("xml hint");
    client.edit_password_hint(server(), Uuid::parse_str(PASSWORD_KEY).unwrap(), &hint).await.unwrap();
    let xml = fake.shared.last("EditPasswordHint");
    assert_eq!(xml.content_type.as_deref(), Some("application/xml"));
    assert_eq!(
        xml.body,
        format!(
            r#"<?xml version="1.0" encoding="utf-8"?><PasswordKeyInfoSpec xmlns="{EM_NS}"><Hint>xml hint</Hint></PasswordKeyInfoSpec>"#
        )
    );
    assert_eq!(fake.shared.hint(PASSWORD_KEY).as_deref(), Some("xml hint"));
    assert_eq!(fake.shared.log().iter().filter(|e| e.operation == "CreateLogonSession").count(), 1);
}

#[tokio::test]
async fn without_the_session_header_the_answer_is_401_with_a_typed_error() {
    let fake = FakeEm::start().await;
    for format in [Format::Xml, Format::Json] {
        // Basic credentials alone do not authorize anything but logon.
        let client = client(&fake, format);
        let err = client
            .create_credentials(server(), &types::CreateCredentialsAction::Create, &new_credentials())
            .await
            .unwrap_err();
        let exchange = fake.shared.last("CreateCredentials");
        assert!(!exchange.had_session);
        assert_eq!(exchange.status, 401);
        match &err {
            runtime::Error::Api { operation, status, body } => {
                assert_eq!((*operation, *status), ("CreateCredentials", 401));
                assert_eq!(body.status_code, Some(401));
                assert!(body.message.as_deref().unwrap().contains("X-RestSvcSessionId"), "{err}");
            }
            other => panic!("expected an Api error in {format:?}, got {other:?}"),
        }
    }
    assert_eq!(fake.shared.credentials().len(), 1, "nothing was created");
}

#[tokio::test]
async fn wrong_basic_credentials_are_refused_and_leave_no_session() {
    let fake = FakeEm::start().await;
    let client = em::Client::builder(&fake.base_url).build().unwrap();
    client.set_basic_auth(USER, Secret::from("wrong"));
    let err = client.create_logon_session("latest").await.unwrap_err();
    assert_eq!((err.operation(), err.status()), ("CreateLogonSession", Some(401)));
    assert_eq!(err.api_body().and_then(|b| b.message.as_deref()), Some("Invalid user name or password"));
    let err = client
        .edit_password_hint(server(), Uuid::parse_str(PASSWORD_KEY).unwrap(), &Default::default())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert!(!fake.shared.last("EditPasswordHint").had_session);
}

#[tokio::test]
async fn unknown_records_are_typed_404s_in_both_formats() {
    let fake = FakeEm::start().await;
    for format in [Format::Xml, Format::Json] {
        let client = client(&fake, format);
        client.create_logon_session("latest").await.unwrap();
        let missing = Uuid::new_v4();
        let err = client.edit_credentials(server(), missing, &edited_credentials()).await.unwrap_err();
        assert_eq!((err.operation(), err.status()), ("EditCredentials", Some(404)));
        let message = err.api_body().and_then(|b| b.message.clone()).unwrap();
        assert!(message.contains(&missing.to_string()), "{message}");
        assert!(fake.shared.last("EditCredentials").answer_type.unwrap().starts_with(format_mime(format)));
    }
}

fn format_mime(format: Format) -> &'static str {
    match format {
        Format::Xml => "application/xml",
        _ => "application/json",
    }
}

/// Sends a hand-written body to `CreateCredentials` through the runtime, as the generated
/// method would, and returns the status and the EM error message.
async fn send_raw(client: &em::Client, content_type: &'static str, body: &str) -> (u16, Option<String>) {
    static OPERATION: runtime::Operation = runtime::Operation {
        id: "CreateCredentials",
        method: runtime::Method::Post,
        path: "/backupServers/{backupServerId}/credentials",
        auth: &[&[runtime::AuthScheme::ApiKeyHeader { scheme: "SessionId", header: "X-RestSvcSessionId" }]],
    };
    let mut request = client.core().request(&OPERATION, format!("/backupServers/{BACKUP_SERVER}/credentials"));
    request
        .param::<types::ErrorModel>(
            runtime::In::Query,
            "action",
            runtime::ParamStyle::FORM,
            runtime::primitive("create"),
        )
        .unwrap();
    request.body_upload(content_type, runtime::Upload::from(body.to_owned()));
    let response = request.send::<types::ErrorModel>().await.unwrap();
    let status = response.status();
    let message = if response.is_success() {
        None
    } else {
        response.into_error_xml::<types::ErrorModel>().api_body().and_then(|b| b.message.clone())
    };
    (status, message)
}

#[tokio::test]
async fn the_fake_rejects_wrong_order_namespace_and_names_so_passing_calls_prove_them() {
    let fake = FakeEm::start().await;
    let client = client(&fake, Format::Xml);
    client.create_logon_session("latest").await.unwrap();
    let decl = r#"<?xml version="1.0" encoding="utf-8"?>"#;

    // The page's body is accepted…
    let good = format!("{decl}<CredentialsInfoSpec xmlns=\"{EM_NS}\"><Username>u</Username><Description>d</Description><Password>p</Password></CredentialsInfoSpec>");
    assert_eq!(send_raw(&client, "application/xml", &good).await, (201, None));
    // …and so is a namespace bound to a prefix.
    let prefixed = format!("{decl}<v:CredentialsInfoSpec xmlns:v=\"{EM_NS}\"><v:Username>u</v:Username><v:Password>p</v:Password></v:CredentialsInfoSpec>");
    assert_eq!(send_raw(&client, "application/xml", &prefixed).await.0, 201);

    let rejected = [
        // Password before Username.
        (format!("{decl}<CredentialsInfoSpec xmlns=\"{EM_NS}\"><Password>p</Password><Username>u</Username></CredentialsInfoSpec>"), "out of order"),
        // Description after Password.
        (format!("{decl}<CredentialsInfoSpec xmlns=\"{EM_NS}\"><Username>u</Username><Password>p</Password><Description>d</Description></CredentialsInfoSpec>"), "out of order"),
        // No namespace.
        (format!("{decl}<CredentialsInfoSpec><Username>u</Username></CredentialsInfoSpec>"), "namespace"),
        // A child in another namespace.
        (format!("{decl}<CredentialsInfoSpec xmlns=\"{EM_NS}\"><Username xmlns=\"urn:other\">u</Username></CredentialsInfoSpec>"), "namespace"),
        // The wrong root.
        (format!("{decl}<CredentialsInfo xmlns=\"{EM_NS}\"><Username>u</Username></CredentialsInfo>"), "root element"),
        // A misspelt element.
        (format!("{decl}<CredentialsInfoSpec xmlns=\"{EM_NS}\"><UserName>u</UserName></CredentialsInfoSpec>"), "Unexpected element"),
    ];
    for (body, why) in rejected {
        let (status, message) = send_raw(&client, "application/xml", &body).await;
        assert_eq!(status, 400, "{body}");
        assert!(message.as_deref().unwrap_or_default().contains(why), "{body}: {message:?}");
    }
    // JSON member names are PascalCase.
    let (status, message) = send_raw(&client, "application/json", r#"{"username":"u"}"#).await;
    assert_eq!((status, message.as_deref()), (400, Some("Unexpected member username in CredentialsInfoSpec")));
    // The content type is required.
    assert_eq!(send_raw(&client, "text/plain", &good).await.0, 400);
    assert_eq!(fake.shared.credentials().len(), 3, "only the two good bodies created records");
}

/// Logs on against a fake whose logon answer is `body` (as `content_type`).
async fn logon_answering(
    format: Format,
    content_type: &'static str,
    body: &str,
) -> Result<types::LogonSession, em::Error> {
    let fake = FakeEm::start().await;
    fake.shared.set_logon_answer(Some(CannedAnswer { content_type, body: body.to_owned() }));
    client(&fake, format).create_logon_session("latest").await.map(|output| output.body)
}

fn decode_error(result: Result<types::LogonSession, em::Error>) -> (String, String) {
    match result {
        Err(runtime::Error::Decode { operation, status, path, message }) => {
            assert_eq!((operation, status), ("CreateLogonSession", 201));
            (path, message)
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn bad_xml_answers_are_typed_decode_errors_naming_the_operation() {
    let id = Uuid::new_v4();
    let good = fake_em::logon_session_body_xml(id);

    // Truncated.
    let truncated = &good[..good.len() / 2];
    let result = logon_answering(Format::Xml, "application/xml", truncated).await;
    let err_text = result.as_ref().unwrap_err().to_string();
    assert!(err_text.starts_with("CreateLogonSession: cannot decode the 201 response"), "{err_text}");
    let (path, message) = decode_error(result);
    assert_eq!(path, ".");
    assert!(message.contains("not well-formed"), "{message}");

    // Wrong root.
    let wrong_root =
        good.replace("LogonSession Href", "LogoffSession Href").replace("</LogonSession>", "</LogoffSession>");
    let (_, message) = decode_error(logon_answering(Format::Xml, "application/xml", &wrong_root).await);
    assert!(
        message.contains("expected root element `LogonSession`") && message.contains("`LogoffSession`"),
        "{message}"
    );

    // Right name, wrong namespace.
    let wrong_ns = good.replace(EM_NS, "http://www.veeam.com/ent/v2.0");
    let (_, message) = decode_error(logon_answering(Format::Xml, "application/xml", &wrong_ns).await);
    assert!(message.contains("http://www.veeam.com/ent/v2.0"), "{message}");

    // A value that does not parse names its element.
    let bad_id = good.replace(&format!("<SessionId>{id}</SessionId>"), "<SessionId>not-a-guid</SessionId>");
    let (path, message) = decode_error(logon_answering(Format::Xml, "application/xml", &bad_id).await);
    assert_eq!(path, "/LogonSession/SessionId");
    assert!(message.contains("not a UUID"), "{message}");

    // Not XML at all, though labelled XML.
    let (_, message) = decode_error(logon_answering(Format::Xml, "application/xml", "Service Unavailable").await);
    assert!(message.contains("not well-formed") || message.contains("root"), "{message}");
}

#[tokio::test]
async fn unknown_elements_and_attributes_are_ignored_when_the_data_is_valid() {
    let id = Uuid::new_v4();
    let extended = fake_em::logon_session_body_xml(id)
        .replace("<UserName>", "<FutureThing a=\"1\"><Nested>x</Nested></FutureThing><UserName>")
        .replace("Type=\"LogonSession\" xmlns=", "Type=\"LogonSession\" Added=\"yes\" xmlns=")
        .replace("</LogonSession>", "<SessionTimeout>900</SessionTimeout></LogonSession>");
    let session = logon_answering(Format::Xml, "application/xml", &extended).await.unwrap();
    assert_eq!(session.session_id, Some(id));
    assert_eq!(session.user_name.as_deref(), Some(USER));
    assert_eq!(session.links.map(|l| l.len()), Some(1));
}

#[tokio::test]
async fn answers_are_decoded_by_their_content_type() {
    let id = Uuid::new_v4();
    // Asked for XML, answered JSON.
    let json = serde_json::json!({ "UserName": USER, "SessionId": id.to_string() }).to_string();
    let session = logon_answering(Format::Xml, "application/json", &json).await.unwrap();
    assert_eq!(session.session_id, Some(id));
    // Asked for JSON, answered XML.
    let session = logon_answering(Format::Json, "application/xml", &fake_em::logon_session_body_xml(id)).await.unwrap();
    assert_eq!((session.session_id, session.user_name.as_deref()), (Some(id), Some(USER)));
    // Bad JSON is a decode error naming the operation too.
    let (_, message) = decode_error(logon_answering(Format::Json, "application/json", "{\"UserName\": \"x\"").await);
    assert!(message.contains("JSON"), "{message}");
}

#[tokio::test]
async fn secrets_stay_out_of_debug_output_and_errors() {
    let fake = FakeEm::start().await;
    let client = client(&fake, Format::Xml);
    client.create_logon_session("latest").await.unwrap();
    let body = new_credentials();
    let printed = format!("{body:?} {:?} {client:?}", edited_credentials());
    assert!(!printed.contains(AWKWARD) && !printed.contains("P@ssw0rd") && !printed.contains(PASSWORD), "{printed}");
    assert!(printed.contains("Secret(***)"));
    // A refused body does not come back in the error.
    let err =
        client.create_credentials(Uuid::new_v4(), &types::CreateCredentialsAction::Create, &body).await.unwrap_err();
    assert_eq!(err.status(), Some(404));
    let printed = format!("{err} {err:?}");
    assert!(!printed.contains(AWKWARD) && !printed.contains("p&lt;a"), "{printed}");
}

/// The README's Enterprise Manager example, line for line but for the server address and
/// where the password comes from; `the_readme_example_is_this_code` keeps the two in step,
/// so the README's code compiles and runs.
async fn readme_example(base_url: &str, password: &str) -> Result<(), Box<dyn std::error::Error>> {
    let client = em::Client::builder(base_url).build()?;

    // Log on: Basic credentials in, session header kept for the calls below.
    client.set_basic_auth("VEEAM\\Administrator", Secret::from(password));
    let session = client.create_logon_session("latest").await?.body;

    let server = "f62624c1-8462-4747-8bd4-d686f99b0540".parse()?;
    let new = types::CredentialsInfoSpec::new()
        .with_username("VEEAM\\svc_backup")
        .with_description("Created with REST API")
        .with_password(Secret::from("s3cret<&>")); // escaped in XML, `***` in Debug
    client.create_credentials(server, &types::CreateCredentialsAction::Create, &new).await?;

    // One call in JSON instead of XML, with the same connection and session.
    let hint = types::PasswordKeyInfoSpec::new().with_hint("Ask the backup team");
    let password_id = "c473b8df-4499-41b8-ba6b-7f76def6fea1".parse()?;
    client.with_format(Format::Json).edit_password_hint(server, password_id, &hint).await?;

    // Log off with the session's GUID from the logon answer.
    if let Some(id) = session.session_id {
        client.delete_logon_session(id).await?;
    }
    Ok(())
}

#[tokio::test]
async fn the_readme_example_runs() {
    let fake = FakeEm::start().await;
    readme_example(&fake.base_url, PASSWORD).await.unwrap();
    let log = fake.shared.log();
    let flow: Vec<_> = log.iter().map(|e| (e.operation, e.status, e.content_type.as_deref())).collect();
    assert_eq!(
        flow,
        [
            ("CreateLogonSession", 201, None),
            ("CreateCredentials", 201, Some("application/xml")),
            ("EditPasswordHint", 204, Some("application/json")),
            ("DeleteLogonSession", 204, None),
        ]
    );
    assert_eq!(fake.shared.session_count(), 0);
}

#[test]
fn the_readme_example_is_this_code() {
    let readme = include_str!("../../README.md");
    let section = &readme[readme.find("## Enterprise Manager").expect("README has an Enterprise Manager section")..];
    let start = section.find("```rust").unwrap();
    let block = &section[start..];
    let block = &block[block.find('\n').unwrap() + 1..block[3..].find("```").unwrap() + 3];
    let this = include_str!("em_e2e.rs");
    let our_lines: Vec<&str> = this.lines().map(str::trim).collect();
    // Lines that only differ because the README talks to a real server.
    let setup = ["use ", "#[tokio::main]", "async fn main", "// The base URL", "em.example.com", "EM_PASSWORD"];
    let mut checked = 0;
    for line in block.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if setup.iter().any(|s| line.contains(s)) || line == "}" {
            continue;
        }
        assert!(our_lines.contains(&line), "README line not in readme_example(): {line}");
        checked += 1;
    }
    assert!(checked > 15, "only {checked} README lines checked");
}
