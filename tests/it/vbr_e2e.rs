//! The generated VBR client against peers that behave like a real server: the stateful fake
//! VBR server (`support/fake_vbr.rs`), a TLS server with a self-signed certificate, and a
//! listener that drops every connection. Everything goes through the generated methods.

#[path = "../../generated-client/examples/list_credentials.rs"]
#[allow(dead_code)]
mod example;

use std::time::{Duration, Instant};

use crate::support::fake_vbr::{Canned, Config, FakeVbr, API_VERSION};
use crate::support::{self, Capture, DroppingListener, TlsServer};
use futures::StreamExt;
use serde_json::json;
use veeam_client::runtime::{Error, RetryPolicy, Secret};
use veeam_client::vbr::{
    self,
    types::{
        CredentialsModel, CredentialsPasswordChangeSpec, CredentialsSpec, EAuthenticationType, ECredentialsType,
        ErrorModelErrorCode, GetAllCredsParams, LinuxCredentialsSpec, StandardCredentialsSpec,
    },
};

/// Retries quick enough for tests.
fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(2),
        max_delay: Duration::from_millis(20),
        retry_non_idempotent: false,
    }
}

fn client(server: &FakeVbr) -> vbr::Client {
    vbr::Client::builder(server.url()).retry(fast_retry()).build().unwrap()
}

async fn logged_in(server: &FakeVbr) -> vbr::Client {
    let c = client(server);
    c.login(&server.config().username, Secret::from(server.config().password.as_str())).await.unwrap();
    c
}

fn standard(i: usize) -> CredentialsSpec {
    CredentialsSpec::Standard(
        StandardCredentialsSpec::new(
            format!("corp\\svc{i:03}"),
            ECredentialsType::Standard,
            Secret::from(format!("pw-{i}")),
        )
        .with_description(format!("service account {i}")),
    )
}

fn linux(i: usize) -> CredentialsSpec {
    CredentialsSpec::Linux(
        LinuxCredentialsSpec::new(format!("root{i:03}"), ECredentialsType::Linux)
            .with_authentication_type(EAuthenticationType::Password)
            .with_description(format!("linux host {i}"))
            .with_ssh_port(22)
            .with_elevate_to_root(true)
            .with_add_to_sudoers(false)
            .with_password(Secret::from(format!("linux-pw-{i}"))),
    )
}

fn id_of(record: &CredentialsModel) -> uuid::Uuid {
    match record {
        CredentialsModel::Standard(c) => c.id,
        CredentialsModel::Linux(c) => c.id,
        CredentialsModel::ManagedService(c) => c.id,
        CredentialsModel::UnknownVariant(v) => panic!("unexpected unknown record {v:?}"),
    }
}

fn header<'a>(seen: &'a support::fake_vbr::Seen, name: &str) -> Vec<&'a str> {
    seen.headers.get_all(name).iter().map(|v| v.to_str().unwrap()).collect()
}

fn page() -> GetAllCredsParams {
    GetAllCredsParams::new().with_limit(100)
}

// ---------------------------------------------------------------------------------------
// The whole story, as a downstream crate would write it.
// ---------------------------------------------------------------------------------------

/// Login, create 250 records, stream them all back, edit one, change a password, delete them
/// all; the server's state is checked at each step.
#[tokio::test]
async fn credentials_lifecycle_end_to_end() {
    let server = FakeVbr::start();
    let client = logged_in(&server).await;

    let mut created = Vec::new();
    for i in 0..250 {
        let spec = if i % 5 == 0 { linux(i) } else { standard(i) };
        created.push(id_of(&client.create_creds(&spec).await.unwrap()));
    }
    assert_eq!(server.record_count(), 250);
    assert_eq!(server.record_secret(created[1], "password").as_deref(), Some("pw-1"));

    let streamed: Vec<CredentialsModel> = client.get_all_creds_stream(page()).map(|r| r.unwrap()).collect().await;
    assert_eq!(streamed.len(), 250);
    assert_eq!(streamed.iter().map(id_of).collect::<Vec<_>>(), created, "every record once, in order");
    assert_eq!(server.hits("GET", "/api/v1/credentials"), 3, "pages of 100, 100, 50");
    assert_eq!(streamed.iter().filter(|r| matches!(r, CredentialsModel::Linux(_))).count(), 50);

    // Edit: the model comes back, changed, and the server keeps the change.
    let CredentialsModel::Standard(mut first) = client.get_creds(created[1]).await.unwrap() else {
        panic!("expected a Standard record")
    };
    first.description = "rotated by the nightly job".into();
    let updated = client.update_creds(first.id, &CredentialsModel::Standard(first.clone())).await.unwrap();
    let CredentialsModel::Standard(updated) = updated else { panic!("expected a Standard record") };
    assert_eq!(updated.description, "rotated by the nightly job");
    let CredentialsModel::Standard(again) = client.get_creds(first.id).await.unwrap() else { panic!() };
    assert_eq!(again.description, "rotated by the nightly job");

    // Change password: the real server answers 200 with an empty body.
    let answer = client
        .change_password_for_creds(first.id, &CredentialsPasswordChangeSpec::new(Secret::from("N3w-pw!")))
        .await
        .unwrap();
    assert!(answer.is_null());
    assert_eq!(server.record_secret(first.id, "password").as_deref(), Some("N3w-pw!"));

    for id in &created {
        client.delete_creds(*id).await.unwrap();
    }
    let empty = client.get_all_creds(&page()).await.unwrap();
    assert!(empty.data.is_empty());
    assert_eq!(empty.pagination.total, 0);
    assert_eq!(server.tokens_issued(), 1, "one login served every request");
}

/// The runnable example, driven with settings instead of environment variables.
#[tokio::test]
async fn example_lists_credentials_and_logs_out() {
    let server = FakeVbr::with_config(Config { seed_records: 30, ..Config::default() });
    let settings = example::Settings {
        url: server.url(),
        user: server.config().username.clone(),
        password: Secret::from(server.config().password.as_str()),
        ca_pem: None,
        insecure: false,
        page_size: 7,
    };
    let client = example::build_client(&settings).unwrap();
    let mut lines = Vec::new();
    let count = example::list_credentials(&client, &settings, |l| lines.push(l)).await.unwrap();
    assert_eq!(count, 30);
    assert!(lines[0].contains("seed\\user0000"), "{}", lines[0]);
    assert_eq!(server.hits("GET", "/api/v1/credentials"), 5, "pages of 7");
    assert_eq!(server.hits("POST", "/api/oauth2/logout"), 1);

    let bad = example::Settings { password: Secret::from("wrong"), ..settings };
    let err = example::list_credentials(&example::build_client(&bad).unwrap(), &bad, |_| {}).await.unwrap_err();
    assert!(
        example::explain(&err).starts_with("cannot log in: the token endpoint answered 401"),
        "{}",
        example::explain(&err)
    );
}

// ---------------------------------------------------------------------------------------
// Connection settings.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn every_request_carries_api_version_user_agent_accept_and_bearer() {
    let server = FakeVbr::start();
    let client = logged_in(&server).await;
    client.get_all_creds(&page()).await.unwrap();

    let token = server.last("POST", "/api/oauth2/token").unwrap();
    assert_eq!(header(&token, "x-api-version"), [API_VERSION]);
    assert_eq!(header(&token, "content-type"), ["application/x-www-form-urlencoded"]);
    let form: std::collections::HashMap<String, String> = serde_urlencoded::from_bytes(&token.body).unwrap();
    assert_eq!(form["grant_type"], "password");
    assert_eq!(form["username"], server.config().username);

    let list = server.last("GET", "/api/v1/credentials").unwrap();
    assert_eq!(header(&list, "x-api-version"), [API_VERSION]);
    assert_eq!(header(&list, "user-agent"), [concat!("veeam-client/", env!("CARGO_PKG_VERSION"))]);
    assert_eq!(header(&list, "accept"), ["application/json"]);
    let auth = header(&list, "authorization");
    assert_eq!(auth.len(), 1);
    let bearer = auth[0].strip_prefix("Bearer ").unwrap();
    assert!(server.access_token_valid(bearer));
    assert_eq!(list.query, "limit=100");
}

#[tokio::test]
async fn api_version_and_user_agent_can_be_overridden() {
    let server = FakeVbr::start();
    let client = vbr::Client::builder(server.url())
        .header("X-Api-Version", "1.2-rev1")
        .user_agent("nightly-rotation/2.0")
        .build()
        .unwrap();
    let err = client.login("administrator", Secret::from("x")).await.unwrap_err();
    // The fake server, like the real one, refuses an API version it does not serve.
    assert!(matches!(err, Error::Auth { .. }), "{err}");
    let seen = server.last("POST", "/api/oauth2/token").unwrap();
    assert_eq!(header(&seen, "x-api-version"), ["1.2-rev1"], "replaced, not added");
    assert_eq!(header(&seen, "user-agent"), ["nightly-rotation/2.0"]);
}

#[tokio::test]
async fn an_adjusted_http_client_keeps_the_default_headers_and_the_builder_settings() {
    let server = FakeVbr::start();
    let client = vbr::Client::builder(server.url())
        .configure_http(|b| b.user_agent("custom-stack/1"))
        .retry(fast_retry())
        .build()
        .unwrap();
    client.login(&server.config().username, Secret::from(server.config().password.as_str())).await.unwrap();
    client.get_all_creds(&page()).await.unwrap();
    let list = server.last("GET", "/api/v1/credentials").unwrap();
    assert_eq!(header(&list, "x-api-version"), [API_VERSION]);
    assert_eq!(header(&list, "user-agent"), ["custom-stack/1"]);
}

#[test]
fn builder_rejects_bad_settings_with_a_message() {
    let err = |b: veeam_client::runtime::ClientBuilder<vbr::Client>| b.build().unwrap_err().to_string();
    assert_eq!(err(vbr::Client::builder("")), "the base URL is empty");
    assert!(err(vbr::Client::builder("not a url")).starts_with("invalid base URL `not a url`"));
    assert_eq!(
        err(vbr::Client::builder("https://h:9419").header("bad header", "v")),
        "invalid header name `bad header`"
    );
    assert_eq!(
        err(vbr::Client::builder("https://h:9419").header("x-api-version", "a\nb")),
        "invalid value for header `x-api-version`"
    );
    assert!(err(vbr::Client::builder("https://h:9419").add_root_certificate_pem("not a certificate"))
        .starts_with("invalid root certificate"));
    // A trailing slash is harmless.
    assert_eq!(vbr::Client::builder("https://h:9419/").build().unwrap().core().base_url(), "https://h:9419");
}

#[tokio::test]
async fn tls_is_verified_by_default() {
    let tls = TlsServer::start().await;
    let client = vbr::Client::builder(&tls.url).retry(fast_retry()).build().unwrap();
    let err = client.logout().await.unwrap_err();
    let Error::Transport { operation, source } = &err else { panic!("expected a transport error, got {err}") };
    assert_eq!(*operation, "Logout");
    let chain = format!("{source:?}");
    assert!(chain.contains("certificate") || chain.contains("Certificate"), "{chain}");
}

#[tokio::test]
async fn tls_trusts_an_extra_root_certificate() {
    let tls = TlsServer::start().await;
    let client = vbr::Client::builder(&tls.url).add_root_certificate_pem(tls.cert_pem.as_bytes()).build().unwrap();
    assert_eq!(client.logout().await.unwrap(), json!({"ok": true}));
}

#[tokio::test]
async fn tls_verification_can_be_turned_off_for_labs() {
    let tls = TlsServer::start().await;
    let client = vbr::Client::builder(&tls.url).danger_accept_invalid_certificates(true).build().unwrap();
    assert_eq!(client.logout().await.unwrap(), json!({"ok": true}));
}

#[tokio::test]
async fn a_slow_answer_is_a_timeout_error_and_not_retried() {
    let server = FakeVbr::start();
    let client =
        vbr::Client::builder(server.url()).timeout(Duration::from_millis(200)).retry(fast_retry()).build().unwrap();
    client.login(&server.config().username, Secret::from(server.config().password.as_str())).await.unwrap();
    let id = uuid::Uuid::new_v4();
    let path = format!("/api/v1/credentials/{id}");
    server.inject("GET", &path, 1, Canned::status(200).delay(Duration::from_secs(2)));
    let started = Instant::now();
    let err = client.get_creds(id).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { operation: "GetCreds" }), "{err}");
    assert_eq!(err.to_string(), "GetCreds: timed out");
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(server.hits("GET", &path), 1);
}

// ---------------------------------------------------------------------------------------
// Authentication.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_refused_login_is_an_auth_error_and_remembers_nothing() {
    let server = FakeVbr::start();
    let client = client(&server);
    let err = client.login("administrator", Secret::from("guess")).await.unwrap_err();
    let Error::Auth { operation, message } = &err else { panic!("{err}") };
    assert_eq!(*operation, "token");
    assert!(message.starts_with("the token endpoint answered 401:") && message.contains("AccessDenied"), "{message}");
    assert!(!err.to_string().contains("guess"));
    // Nothing to log in again with: a 401 is returned as is, without a token request.
    let before = server.token_requests();
    let err = client.get_all_creds(&page()).await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert_eq!(server.token_requests(), before);
}

#[tokio::test]
async fn the_token_is_refreshed_before_it_expires() {
    // A 2 s token is refreshed after half its life (the 30 s default margin is longer than it).
    let server = FakeVbr::with_config(Config { token_lifetime: Duration::from_secs(2), ..Config::default() });
    let client = logged_in(&server).await;
    client.get_all_creds(&page()).await.unwrap();
    assert_eq!(server.refresh_grants(), 0);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    client.get_all_creds(&page()).await.unwrap();
    // The refresh runs beside the call (the token is still valid); wait for it to land.
    let started = std::time::Instant::now();
    while client.core().token_requests() < 2 && started.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(server.refresh_grants(), 1, "refreshed with the refresh token");
    assert_eq!(server.password_grants(), 1, "no second login");
    assert_eq!(server.unauthorized_responses(), 0, "before expiry: no request was refused");
    client.get_all_creds(&page()).await.unwrap();
    assert_eq!(server.token_requests(), 2, "the new token is used until its own refresh time");
    assert_eq!(client.core().token_requests(), 2);
}

#[tokio::test]
async fn a_spent_refresh_token_falls_back_to_the_password_grant() {
    let server = FakeVbr::with_config(Config { token_lifetime: Duration::from_secs(2), ..Config::default() });
    let client = logged_in(&server).await;
    server.spend_refresh_tokens();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    client.get_all_creds(&page()).await.unwrap();
    // The token is still valid, so the call did not wait for the renewal running beside it.
    let started = std::time::Instant::now();
    while server.password_grants() < 2 && started.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(server.refused_grants(), 1, "the refresh grant was tried and refused");
    assert_eq!(server.password_grants(), 2, "then the password grant");
    assert_eq!(server.unauthorized_responses(), 0);
}

#[tokio::test]
async fn a_401_expired_token_logs_in_again_once_and_repeats_the_request() {
    let server = FakeVbr::start();
    let client = logged_in(&server).await;
    server.expire_access_tokens();
    let page = client.get_all_creds(&page()).await.unwrap();
    assert_eq!(page.pagination.total, 0);
    assert_eq!(server.unauthorized_responses(), 1);
    assert_eq!(server.refresh_grants(), 1);
    assert_eq!(server.hits("GET", "/api/v1/credentials"), 2);
}

#[tokio::test]
async fn a_401_that_persists_is_returned_after_one_new_login() {
    let server = FakeVbr::start();
    let client = logged_in(&server).await;
    server.inject(
        "GET",
        "/api/v1/credentials",
        5,
        Canned::veeam_error(401, "InvalidToken", "token revoked by an administrator"),
    );
    let err = client.get_all_creds(&page()).await.unwrap_err();
    let Error::Api { operation, status, body } = &err else { panic!("{err}") };
    assert_eq!((*operation, *status), ("GetAllCreds", 401));
    assert_eq!(body.error_code, ErrorModelErrorCode::InvalidToken);
    assert_eq!(server.hits("GET", "/api/v1/credentials"), 2, "one repeat, not a loop");
    assert_eq!(server.token_requests(), 2, "login, then one refresh");
}

/// The token expires while the client knows it (its `expires_in` has passed): 100 requests
/// at once wait for one refresh.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundred_concurrent_requests_after_expiry_send_one_token_request() {
    // Refresh 50 ms before expiry, so the new token is good for the whole burst.
    let server = FakeVbr::with_config(Config { token_lifetime: Duration::from_secs(1), ..Config::default() });
    let client = vbr::Client::builder(server.url()).refresh_margin(Duration::from_millis(50)).build().unwrap();
    client.login(&server.config().username, Secret::from(server.config().password.as_str())).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1050)).await;
    let calls = (0..100).map(|_| {
        let c = client.clone();
        tokio::spawn(async move { c.get_all_creds(&GetAllCredsParams::new().with_limit(1)).await })
    });
    for r in futures::future::join_all(calls).await {
        r.unwrap().unwrap();
    }
    assert_eq!(server.token_requests(), 2, "the login and exactly one refresh");
    assert_eq!(server.refresh_grants(), 1);
    assert_eq!(server.hits("GET", "/api/v1/credentials"), 100);
}

/// The server expires the token without the client knowing: 100 requests at once are
/// refused with 401 `ExpiredToken`, and one token request serves them all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundred_concurrent_401s_send_one_token_request() {
    let server = FakeVbr::start();
    let client = logged_in(&server).await;
    server.expire_access_tokens();
    let calls = (0..100).map(|_| {
        let c = client.clone();
        tokio::spawn(async move { c.get_all_creds(&GetAllCredsParams::new().with_limit(1)).await })
    });
    for r in futures::future::join_all(calls).await {
        r.unwrap().unwrap();
    }
    assert_eq!(server.token_requests(), 2, "the login and exactly one refresh");
    assert!(server.unauthorized_responses() >= 1 && server.unauthorized_responses() <= 100);
    assert_eq!(server.hits("GET", "/api/v1/credentials"), 100 + server.unauthorized_responses());
}

#[tokio::test]
async fn logout_revokes_the_token_and_forget_tokens_drops_it() {
    let server = FakeVbr::start();
    let client = logged_in(&server).await;
    client.get_all_creds(&page()).await.unwrap();
    let token = header(&server.last("GET", "/api/v1/credentials").unwrap(), "authorization")[0]
        .strip_prefix("Bearer ")
        .unwrap()
        .to_owned();
    client.logout().await.unwrap();
    client.forget_tokens();
    assert!(!server.access_token_valid(&token), "revoked on the server");
    let before = server.token_requests();
    let err = client.get_all_creds(&page()).await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert!(header(&server.last("GET", "/api/v1/credentials").unwrap(), "authorization").is_empty(), "no token sent");
    assert_eq!(server.token_requests(), before, "no silent login after logout");
}

/// `forget_tokens` while a refresh is under way: the late answer is not kept, so nothing
/// logs the client back in behind the caller's back.
#[tokio::test]
async fn a_refresh_that_lands_after_forget_tokens_is_dropped() {
    let server = FakeVbr::start();
    let client = logged_in(&server).await;
    server.expire_access_tokens();
    let late =
        json!({"access_token": "AT-late", "token_type": "bearer", "refresh_token": "RT-late", "expires_in": 900});
    server.inject("POST", "/api/oauth2/token", 1, Canned::status(200).json(&late).delay(Duration::from_millis(200)));
    let request = tokio::spawn({
        let client = client.clone();
        async move { client.get_all_creds(&page()).await }
    });
    // Forget once the refresh has reached the server, which holds its answer back.
    while server.hits("POST", "/api/oauth2/token") < 2 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    client.forget_tokens();
    // The renewal is stopped with the logout; the call waiting on it says so.
    let err = request.await.unwrap().unwrap_err();
    assert!(matches!(&err, Error::Auth { .. }) && err.to_string().contains("forgotten"), "{err}");
    assert_eq!(server.hits("POST", "/api/oauth2/token"), 2, "the login and the refresh");
    client.get_all_creds(&page()).await.unwrap_err();
    let last = server.last("GET", "/api/v1/credentials").unwrap();
    assert!(header(&last, "authorization").is_empty(), "the late token was not kept");
}

// ---------------------------------------------------------------------------------------
// Paging.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn the_stream_reads_a_thousand_records_lazily() {
    let server = FakeVbr::with_config(Config { seed_records: 1000, ..Config::default() });
    let client = logged_in(&server).await;

    let first: Vec<_> = client.get_all_creds_stream(page()).take(150).map(|r| r.unwrap()).collect().await;
    assert_eq!(first.len(), 150);
    assert_eq!(server.hits("GET", "/api/v1/credentials"), 2, "only the pages reached were fetched");

    let all: Vec<_> =
        client.get_all_creds_stream(GetAllCredsParams::new().with_limit(200)).map(|r| r.unwrap()).collect().await;
    assert_eq!(all.len(), 1000);
    assert_eq!(server.hits("GET", "/api/v1/credentials"), 2 + 5, "stops at the total without asking for an empty page");
    let queries: Vec<String> =
        server.seen().iter().filter(|s| s.path == "/api/v1/credentials").skip(2).map(|s| s.query.clone()).collect();
    assert_eq!(
        queries,
        ["skip=0&limit=200", "skip=200&limit=200", "skip=400&limit=200", "skip=600&limit=200", "skip=800&limit=200"]
    );
}

#[tokio::test]
async fn the_stream_keeps_filters_and_starts_at_skip() {
    let server = FakeVbr::start();
    let client = logged_in(&server).await;
    for i in 0..40 {
        client.create_creds(&if i % 4 == 0 { linux(i) } else { standard(i) }).await.unwrap();
    }
    let params = GetAllCredsParams::new().with_limit(3).with_skip(2).with_type_filter([ECredentialsType::Linux]);
    let linux: Vec<_> = client.get_all_creds_stream(params).map(|r| r.unwrap()).collect().await;
    assert_eq!(linux.len(), 8, "10 Linux records, the first 2 skipped");
    assert!(linux.iter().all(|r| matches!(r, CredentialsModel::Linux(_))));
    let pages: Vec<_> =
        server.seen().into_iter().filter(|s| s.method == "GET" && s.path == "/api/v1/credentials").collect();
    assert_eq!(pages.len(), 3, "pages of 3, 3, 2");
    assert!(pages.iter().all(|s| s.query.contains("typeFilter=Linux")));
}

#[tokio::test]
async fn an_empty_page_before_the_total_ends_the_stream_with_a_paging_error() {
    let server = FakeVbr::start();
    let client = logged_in(&server).await;
    server.inject(
        "GET",
        "/api/v1/credentials",
        100,
        Canned::status(200).json(&json!({"data": [], "pagination": {"total": 5000, "count": 0}})),
    );
    let items: Vec<_> = client.get_all_creds_stream(page()).collect().await;
    assert!(matches!(items.as_slice(), [Err(Error::Paging { operation: "GetAllCreds", offset: 0, .. })]), "{items:?}");
    assert_eq!(server.hits("GET", "/api/v1/credentials"), 1);
}

#[tokio::test]
async fn the_stream_yields_an_error_as_an_item_and_ends() {
    let server = FakeVbr::with_config(Config { seed_records: 500, ..Config::default() });
    let client = logged_in(&server).await;
    server.inject_after(
        "GET",
        "/api/v1/credentials",
        2,
        1,
        Canned::veeam_error(500, "UnknownError", "database is gone"),
    );
    let items: Vec<_> = client.get_all_creds_stream(page()).collect().await;
    assert_eq!(items.len(), 201);
    assert!(items[..200].iter().all(Result::is_ok));
    let err = items[200].as_ref().unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(err.api_body().unwrap().message, "database is gone");
    assert_eq!(server.hits("GET", "/api/v1/credentials"), 3);
}

// ---------------------------------------------------------------------------------------
// Errors: one type, never a panic.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn an_api_error_carries_the_parsed_veeam_body() {
    let server = FakeVbr::start();
    let client = logged_in(&server).await;
    let id = uuid::Uuid::new_v4();
    let err = client.get_creds(id).await.unwrap_err();
    let Error::Api { operation, status, body } = &err else { panic!("{err}") };
    assert_eq!((*operation, *status), ("GetCreds", 404));
    assert_eq!(body.error_code, ErrorModelErrorCode::NotFound);
    assert_eq!(body.resource_id, Some(id.to_string()));
    assert_eq!(
        err.to_string(),
        format!(
            r#"GetCreds: server answered 404: {{"errorCode":"NotFound","message":"the credentials record does not exist","resourceId":"{id}"}}"#
        )
    );
}

#[tokio::test]
async fn an_unknown_error_code_is_kept() {
    let server = FakeVbr::start();
    let client = logged_in(&server).await;
    server.inject(
        "DELETE",
        &format!("/api/v1/credentials/{}", uuid::Uuid::nil()),
        1,
        Canned::veeam_error(409, "CredentialsInUse", "used by 3 jobs"),
    );
    let err = client.delete_creds(uuid::Uuid::nil()).await.unwrap_err();
    assert_eq!(err.api_body().unwrap().error_code, ErrorModelErrorCode::UnknownValue("CredentialsInUse".into()));
    assert_eq!(err.api_body().unwrap().error_code.as_str(), "CredentialsInUse");
}

#[tokio::test]
async fn an_html_page_instead_of_json_is_a_decode_error() {
    let server = FakeVbr::start();
    let client = logged_in(&server).await;
    let id = uuid::Uuid::new_v4();
    server.inject(
        "GET",
        &format!("/api/v1/credentials/{id}"),
        1,
        Canned::status(200).body_with("text/html", "<!DOCTYPE html><html><body>Login</body></html>"),
    );
    let err = client.get_creds(id).await.unwrap_err();
    let Error::Decode { operation, status, path, message } = &err else { panic!("{err}") };
    assert_eq!((*operation, *status, path.as_str()), ("GetCreds", 200, "."));
    assert!(message.starts_with("the body is not JSON (it looks like HTML or XML)"), "{message}");
}

#[tokio::test]
async fn an_html_error_page_is_an_unexpected_status_with_a_truncated_body() {
    let server = FakeVbr::start();
    let client = logged_in(&server).await;
    // A 500 (a proxy's 502 or 504 would be retried, and the next attempt answer).
    let page_html = format!("<html><body>{}</body></html>", "Internal Server Error ".repeat(300));
    server.inject("GET", "/api/v1/credentials", 1, Canned::status(500).body_with("text/html", page_html));
    let err = client.get_all_creds(&page()).await.unwrap_err();
    let Error::UnexpectedStatus { operation, status, body } = &err else { panic!("{err}") };
    assert_eq!((*operation, *status), ("GetAllCreds", 500));
    assert!(body.starts_with("<html><body>Internal Server Error"));
    assert!(body.ends_with("… (truncated)"));
    assert!(body.len() < 1100, "{}", body.len());
}

#[tokio::test]
async fn truncated_json_is_a_decode_error() {
    let server = FakeVbr::with_config(Config { seed_records: 3, ..Config::default() });
    let client = logged_in(&server).await;
    let full = serde_json::to_string(&client.get_all_creds(&page()).await.unwrap()).unwrap();
    server.inject(
        "GET",
        "/api/v1/credentials",
        1,
        Canned::status(200).body_with("application/json", &full[..full.len() / 2]),
    );
    let err = client.get_all_creds(&page()).await.unwrap_err();
    let Error::Decode { operation, message, .. } = &err else { panic!("{err}") };
    assert_eq!(*operation, "GetAllCreds");
    assert!(message.starts_with("the body is not valid JSON: EOF"), "{message}");
}

#[tokio::test]
async fn a_wrong_field_is_named_by_its_full_path() {
    let server = FakeVbr::start();
    let client = logged_in(&server).await;
    let good = json!({"id": uuid::Uuid::new_v4(), "username": "a", "description": "", "type": "Standard", "creationTime": "2024-01-01T00:00:00Z"});
    let bad =
        json!({"id": uuid::Uuid::new_v4(), "username": "b", "description": "", "type": "Standard", "creationTime": 42});
    server.inject(
        "GET",
        "/api/v1/credentials",
        1,
        Canned::status(200).json(&json!({"data": [good, bad], "pagination": {"total": 2, "count": 2}})),
    );
    let err = client.get_all_creds(&page()).await.unwrap_err();
    let Error::Decode { operation, path, message, .. } = &err else { panic!("{err}") };
    assert_eq!((*operation, path.as_str()), ("GetAllCreds", "data[1].creationTime"));
    assert!(message.starts_with("invalid type: integer `42`"), "{message}");
    assert!(
        err.to_string().starts_with("GetAllCreds: cannot decode the 200 response at `data[1].creationTime`:"),
        "{err}"
    );
}

#[tokio::test]
async fn unknown_enum_values_are_kept_and_unknown_fields_ignored() {
    let server = FakeVbr::start();
    let client = logged_in(&server).await;
    let id = uuid::Uuid::new_v4();
    let path = format!("/api/v1/credentials/{id}");
    let linux = json!({
        "id": id, "username": "root", "description": "", "type": "Linux", "creationTime": "2024-01-01T00:00:00Z",
        "authenticationType": "Kerberos", "fieldFromTheFuture": {"nested": [1, 2]},
    });
    server.inject("GET", &path, 1, Canned::status(200).json(&linux));
    let CredentialsModel::Linux(record) = client.get_creds(id).await.unwrap() else { panic!("expected Linux") };
    assert_eq!(record.authentication_type, Some(EAuthenticationType::UnknownValue("Kerberos".into())));

    let future = json!({"id": id, "type": "Passkey", "username": "u", "secretMaterial": "should not print"});
    server.inject("GET", &path, 1, Canned::status(200).json(&future));
    let record = client.get_creds(id).await.unwrap();
    let CredentialsModel::UnknownVariant(value) = &record else { panic!("expected an unknown variant") };
    assert_eq!(value.0["type"], "Passkey");
    assert!(!format!("{record:?}").contains("should not print"), "an unknown record may hold secrets");
    // It round-trips unchanged.
    assert_eq!(serde_json::to_value(&record).unwrap(), future);
}

/// A variant that several tag values select (`AzureBlob` and `AzureDataLake` are both
/// `AzureBlobServerModel`) keeps the value it was read with: writing it back as `AzureBlob`
/// would turn a Data Lake server into a Blob server on the next update.
#[test]
fn a_union_variant_selected_by_several_values_keeps_the_one_it_was_read_with() {
    use veeam_client::vbr::types::UnstructuredDataServerModel;
    let lake = json!({
        "id": uuid::Uuid::nil(), "type": "AzureDataLake", "friendlyName": "lake",
        "credentialsId": uuid::Uuid::nil(), "regionType": "Global",
    });
    let server: UnstructuredDataServerModel = serde_json::from_value(lake).unwrap();
    assert!(matches!(server, UnstructuredDataServerModel::AzureBlob(_)), "{server:?}");
    assert_eq!(serde_json::to_value(&server).unwrap()["type"], "AzureDataLake");
    // A payload whose own value does not select its variant is written with the variant's.
    let UnstructuredDataServerModel::AzureBlob(mut payload) = server else { unreachable!() };
    payload.r#type = veeam_client::vbr::types::EUnstructuredDataServerType::FileServer;
    let written = serde_json::to_value(UnstructuredDataServerModel::AzureBlob(payload)).unwrap();
    assert_eq!(written["type"], "AzureBlob");
}

#[tokio::test]
async fn an_empty_body_where_one_is_promised_is_a_decode_error() {
    let server = FakeVbr::start();
    let client = logged_in(&server).await;
    server.inject("GET", "/api/v1/credentials", 1, Canned::status(200).body_with("application/json", ""));
    let err = client.get_all_creds(&page()).await.unwrap_err();
    let Error::Decode { operation, path, message, .. } = &err else { panic!("{err}") };
    assert_eq!(
        (*operation, path.as_str(), message.as_str()),
        ("GetAllCreds", ".", "the body is empty, but the spec promises one")
    );
    // An operation whose spec allows any JSON (`EmptySuccessResponse`) takes an empty body.
    let created = client.create_creds(&standard(1)).await.unwrap();
    let answer = client
        .change_password_for_creds(id_of(&created), &CredentialsPasswordChangeSpec::new(Secret::from("x")))
        .await
        .unwrap();
    assert_eq!(answer, serde_json::Value::Null);
}

#[tokio::test]
async fn an_undocumented_success_status_is_unexpected() {
    let server = FakeVbr::start();
    let client = logged_in(&server).await;
    let id = uuid::Uuid::new_v4();
    server.inject(
        "DELETE",
        &format!("/api/v1/credentials/{id}"),
        1,
        Canned::status(200).json(&json!({"queued": true})),
    );
    let err = client.delete_creds(id).await.unwrap_err();
    // A success body is never shown: it may carry credentials.
    assert!(
        matches!(&err, Error::UnexpectedStatus { status: 200, body, .. } if body == "(15 bytes of a success body, not shown)"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------
// Retries.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_503_is_retried_after_the_retry_after_delay() {
    let server = FakeVbr::start();
    let client = vbr::Client::builder(server.url())
        .retry(RetryPolicy { max_delay: Duration::from_secs(5), ..fast_retry() })
        .build()
        .unwrap();
    client.login(&server.config().username, Secret::from(server.config().password.as_str())).await.unwrap();
    server.inject(
        "GET",
        "/api/v1/credentials",
        1,
        Canned::veeam_error(503, "ServiceUnavailable", "busy").header("Retry-After", "1"),
    );
    let started = Instant::now();
    client.get_all_creds(&page()).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1), "waited {:?}", started.elapsed());
    assert_eq!(server.hits("GET", "/api/v1/credentials"), 2);
}

#[tokio::test]
async fn retries_are_bounded_and_the_last_answer_is_the_error() {
    let server = FakeVbr::start();
    let client = logged_in(&server).await;
    server.inject(
        "GET",
        "/api/v1/credentials",
        10,
        Canned::veeam_error(503, "ServiceUnavailable", "still busy").header("Retry-After", "0"),
    );
    let err = client.get_all_creds(&page()).await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.api_body().unwrap().error_code, ErrorModelErrorCode::ServiceUnavailable);
    assert_eq!(server.hits("GET", "/api/v1/credentials"), 3, "3 attempts in all");

    let once =
        vbr::Client::builder(server.url()).retry(RetryPolicy { max_attempts: 1, ..fast_retry() }).build().unwrap();
    once.login(&server.config().username, Secret::from(server.config().password.as_str())).await.unwrap();
    assert_eq!(once.get_all_creds(&page()).await.unwrap_err().status(), Some(503));
    assert_eq!(server.hits("GET", "/api/v1/credentials"), 4, "max_attempts 1 disables retries");
}

#[tokio::test]
async fn put_and_delete_are_retried_on_429() {
    let server = FakeVbr::start();
    let client = logged_in(&server).await;
    let created = client.create_creds(&standard(1)).await.unwrap();
    let id = id_of(&created);
    let path = format!("/api/v1/credentials/{id}");
    server.inject("PUT", &path, 2, Canned::veeam_error(429, "TooManyRequests", "slow down"));
    client.update_creds(id, &created).await.unwrap();
    assert_eq!(server.hits("PUT", &path), 3);
    server.inject("DELETE", &path, 1, Canned::status(429));
    client.delete_creds(id).await.unwrap();
    assert_eq!(server.hits("DELETE", &path), 2);
}

#[tokio::test]
async fn post_is_not_retried_unless_the_caller_opts_in() {
    let server = FakeVbr::start();
    let client = logged_in(&server).await;
    server.inject("POST", "/api/v1/credentials", 1, Canned::veeam_error(503, "ServiceUnavailable", "busy"));
    assert_eq!(client.create_creds(&standard(1)).await.unwrap_err().status(), Some(503));
    assert_eq!(server.hits("POST", "/api/v1/credentials"), 1);
    assert_eq!(server.record_count(), 0);

    let opted = vbr::Client::builder(server.url())
        .retry(RetryPolicy { retry_non_idempotent: true, ..fast_retry() })
        .build()
        .unwrap();
    opted.login(&server.config().username, Secret::from(server.config().password.as_str())).await.unwrap();
    server.inject("POST", "/api/v1/credentials", 1, Canned::veeam_error(503, "ServiceUnavailable", "busy"));
    opted.create_creds(&standard(2)).await.unwrap();
    assert_eq!(server.hits("POST", "/api/v1/credentials"), 3);
    assert_eq!(server.record_count(), 1);
}

#[tokio::test]
async fn connection_errors_are_retried_for_get_but_not_post() {
    let peer = DroppingListener::start().await;
    let client = vbr::Client::builder(format!("http://{}", peer.addr)).retry(fast_retry()).build().unwrap();
    let err = client.get_all_creds(&page()).await.unwrap_err();
    assert!(matches!(err, Error::Transport { operation: "GetAllCreds", .. }), "{err}");
    assert_eq!(peer.accepted(), 3);
    let err = client.create_creds(&standard(1)).await.unwrap_err();
    assert!(matches!(err, Error::Transport { operation: "CreateCreds", .. }), "{err}");
    assert_eq!(peer.accepted(), 4, "POST: one attempt");
}

#[tokio::test]
async fn a_refused_connection_is_retried_then_reported() {
    // Bind and drop a listener to get a port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let (capture, _guard) = Capture::install();
    let client = vbr::Client::builder(format!("http://127.0.0.1:{port}")).retry(fast_retry()).build().unwrap();
    let err = client.get_creds(uuid::Uuid::nil()).await.unwrap_err();
    let Error::Transport { source, .. } = &err else { panic!("{err}") };
    assert!(source.is_connect());
    assert!(source.url().is_none(), "errors do not carry the URL");
    let attempts: Vec<String> = capture.spans("request").iter().map(|s| s.fields["attempt"].clone()).collect();
    assert_eq!(attempts, ["1", "2", "3"]);
}

// ---------------------------------------------------------------------------------------
// Tracing.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn each_request_is_a_span_with_operation_method_path_status_duration_attempt() {
    let server = FakeVbr::start();
    let (capture, _guard) = Capture::install();
    let client = logged_in(&server).await;
    let id = uuid::Uuid::new_v4();
    server.inject("GET", &format!("/api/v1/credentials/{id}"), 1, Canned::status(503));
    let _ = client.get_creds(id).await.unwrap_err();

    let tokens = capture.spans("token");
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].fields["grant"], "password");
    assert_eq!(tokens[0].fields["status"], "200");

    let spans = capture.spans("request");
    assert_eq!(spans.len(), 2, "{spans:?}");
    for (span, (attempt, status)) in spans.iter().zip([("1", "503"), ("2", "404")]) {
        assert_eq!(span.target, "openapi_client_runtime::request");
        assert_eq!(span.fields["operation"], "GetCreds");
        assert_eq!(span.fields["method"], "GET");
        assert_eq!(span.fields["path"], "/api/v1/credentials/{id}", "the template, not the id");
        assert_eq!(span.fields["attempt"], attempt);
        assert_eq!(span.fields["status"], status);
        let ms: f64 = span.fields["duration_ms"].parse().unwrap();
        assert!(ms > 0.0 && ms < 5_000.0, "{ms}");
    }
    assert!(!capture.text().contains(&id.to_string()), "ids stay out of the spans");
}
