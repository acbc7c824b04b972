//! Tag `Login`: the token endpoint (password and refresh grants, and `login`) first, and
//! logout last, as a real session has them.

use veeam_client::runtime::Secret;
use veeam_client::vbr::{self, types::*};

use super::run::{Mode, Run};

/// The tag in `spec/vbr.yaml`.
pub(super) const TAG: &str = "Login";

/// Logs in, then calls the token endpoint with each grant.
pub(super) async fn log_in(client: &vbr::Client, run: &mut Run<'_>) {
    run.tag(TAG);
    // In `BrokenExamples` the token answer is broken on purpose, so the client gets a
    // token directly instead.
    if run.mode == Mode::Contract {
        run.call(
            "CreateToken",
            "client.login (password grant)",
            client.login("administrator", Secret::from("P@ssw0rd")),
        )
        .await;
    } else {
        client.core().set_bearer_token(Secret::from("contract-test-token"));
    }
    let password_grant = TokenLoginSpec::new(ELoginGrantType::Password)
        .with_username("administrator")
        .with_password(Secret::from("P@ssw0rd"))
        .with_use_short_term_refresh(true);
    run.call_body("CreateToken", "password grant", &password_grant, client.create_token(&password_grant)).await;
    let refresh_grant = TokenLoginSpec::new(ELoginGrantType::RefreshToken)
        .with_refresh_token(Secret::from("eyJhbGciOiJSUzUxMiIsInR5cCI6IkpXVCJ9.refresh.signature"));
    run.call_body("CreateToken", "refresh grant", &refresh_grant, client.create_token(&refresh_grant)).await;
}

/// Logs out. The spec marks Logout `x-logout`, so the client forgets its tokens: a later call
/// has no Authorization header until it logs in again.
pub(super) async fn log_out(client: &vbr::Client, run: &mut Run<'_>) {
    run.tag(TAG);
    run.call("Logout", "", client.logout()).await;
}
