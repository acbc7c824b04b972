//! The README's example "Testing your code without a Veeam server", compiled and run here;
//! [`the_readme_shows_this_example`] keeps the README's copy identical to it.

// README-BEGIN
use serde_json::json;
use veeam_client::runtime::Secret;
use veeam_client::vbr::{self, mock::*, types::*};

/// The code under test: how many Linux credentials records the server has.
async fn count_linux_records(client: &vbr::Client) -> Result<usize, vbr::Error> {
    let params = GetAllCredsParams::new().with_type_filter([ECredentialsType::Linux]);
    Ok(client.get_all_creds(&params).await?.data.len())
}

#[tokio::test]
async fn counts_linux_records() {
    let server = MockServer::start().await.unwrap();
    server.accept_login("admin", "password");
    server.on_get_all_creds(|request: GetAllCredsRequest| async move {
        assert_eq!(request.type_filter.as_deref(), Some(&[ECredentialsType::Linux][..]));
        let record = json!({"id": "3fa85f64-5717-4562-b3fc-2c963f66afa6", "username": "root", "description": "",
            "creationTime": "2025-01-01T00:00:00Z", "type": "Linux", "SSHPort": 22, "elevateToRoot": false,
            "addToSudoers": false, "useSu": false, "authenticationType": "PasswordBased"});
        let page = json!({"data": [record], "pagination": {"total": 1, "count": 1}});
        GetAllCredsReply::Ok(serde_json::from_value(page).unwrap())
    });

    let client = vbr::Client::builder(server.url()).build().unwrap();
    client.login("admin", Secret::from("password")).await.unwrap(); // the spec's token endpoint
    assert_eq!(count_linux_records(&client).await.unwrap(), 1);

    server.expire_tokens(); // the client renews its token and repeats the call
    assert_eq!(count_linux_records(&client).await.unwrap(), 1);
    let calls = server.calls("GetAllCreds");
    assert_eq!(calls.iter().map(|c| c.status).collect::<Vec<_>>(), [200, 401, 200]);
    assert_eq!(calls[0].header("authorization"), Some("***"));
}
// README-END

#[test]
fn the_readme_shows_this_example() {
    let this = include_str!("readme.rs");
    let example = this.split("// README-BEGIN\n").nth(1).and_then(|s| s.split("// README-END").next()).unwrap();
    let readme = std::fs::read_to_string(crate::support::project::workspace_root().join("README.md")).unwrap();
    let block = readme
        .split("## Testing your code without a Veeam server")
        .nth(1)
        .and_then(|s| s.split("```rust,ignore\n").nth(1))
        .and_then(|s| s.split("```").next())
        .expect("the README has the section with a rust,ignore block");
    assert_eq!(block, example, "README.md's example differs from tests/it/mock/readme.rs; copy it over");
}
