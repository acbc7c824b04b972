//! Login state: tokens, their expiry, and what is needed to get new ones.

use std::collections::BTreeMap;
use std::time::Instant;

use reqwest::header::HeaderValue;

use super::Secret;

/// Credentials a client holds. Every secret is a [`Secret`], so printing the state (or a
/// panic message that includes it) shows no credential.
#[derive(Debug, Default)]
pub(crate) struct AuthState {
    pub(crate) access_token: Option<Secret>,
    /// `Bearer {access_token}`, built once per token rather than once per request, and
    /// marked sensitive so that `Debug` of the header shows no token.
    pub(crate) bearer_header: Option<HeaderValue>,
    pub(crate) refresh_token: Option<Secret>,
    pub(crate) expires_at: Option<Instant>,
    /// When the next request should refresh the token first (before `expires_at`).
    pub(crate) refresh_at: Option<Instant>,
    /// Bumped whenever the access token changes, so a request can tell whether the token it
    /// was refused with is still the current one.
    pub(crate) generation: u64,
    pub(crate) token_url: Option<String>,
    pub(crate) password_login: Option<(String, Secret)>,
    pub(crate) basic: Option<(String, Secret)>,
    pub(crate) api_keys: BTreeMap<String, Secret>,
    /// Session headers captured from login answers, by lower-case header name.
    pub(crate) session_headers: BTreeMap<String, Secret>,
    pub(crate) token_requests: u64,
}

impl AuthState {
    /// Replaces the access token and bumps the generation.
    pub(crate) fn set_access_token(&mut self, token: Secret) {
        self.bearer_header = HeaderValue::from_str(&format!("Bearer {}", token.expose())).ok().map(|mut v| {
            v.set_sensitive(true);
            v
        });
        self.access_token = Some(token);
        self.generation += 1;
    }
}

/// An OAuth2 grant (RFC 6749 §4.3, §6).
pub(crate) enum TokenGrant {
    Password { username: String, password: Secret },
    Refresh { refresh_token: Secret },
}

impl TokenGrant {
    /// The grant type, for logs.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            TokenGrant::Password { .. } => "password",
            TokenGrant::Refresh { .. } => "refresh_token",
        }
    }

    /// The password or refresh token the grant carries.
    pub(crate) fn secret(&self) -> &Secret {
        match self {
            TokenGrant::Password { password, .. } => password,
            TokenGrant::Refresh { refresh_token } => refresh_token,
        }
    }

    pub(crate) fn form(&self) -> Vec<(&'static str, &str)> {
        match self {
            TokenGrant::Password { username, password } => {
                vec![("grant_type", "password"), ("username", username), ("password", password.expose())]
            }
            TokenGrant::Refresh { refresh_token } => vec![("grant_type", "refresh_token"), ("refresh_token", refresh_token.expose())],
        }
    }
}

/// The standard OAuth2 token answer; other fields are ignored.
#[derive(serde::Deserialize)]
pub(crate) struct TokenAnswer {
    pub(crate) access_token: Secret,
    #[serde(default)]
    pub(crate) refresh_token: Option<Secret>,
    #[serde(default)]
    pub(crate) expires_in: Option<i64>,
}
