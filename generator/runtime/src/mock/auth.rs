//! The credentials the mock issues and accepts, driven by the spec's security schemes:
//! OAuth2 tokens from the token endpoint (password, refresh-token and client-credentials
//! grants), bearer tokens, HTTP Basic logins, API keys and session ids issued by a logon.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use base64::Engine;

use super::wire::{RawReply, RawRequest};
use super::{Api, Scheme};

/// Credentials issued and accepted.
#[derive(Debug)]
pub(crate) struct Auth {
    /// Accepted (user, password) logins; empty: any non-empty user name is accepted.
    logins: Vec<(String, String)>,
    /// Access tokens and when they expire (`None`: never).
    tokens: HashMap<String, Option<Instant>>,
    refresh_tokens: HashSet<String>,
    /// API keys and session ids, with their expiry.
    keys: HashMap<String, Option<Instant>>,
    /// The lifetime of tokens and sessions issued from now on.
    lifetime: Duration,
    issued: u64,
}

impl Default for Auth {
    fn default() -> Self {
        Auth {
            logins: Vec::new(),
            tokens: HashMap::new(),
            refresh_tokens: HashSet::new(),
            keys: HashMap::new(),
            lifetime: Duration::from_secs(3600),
            issued: 0,
        }
    }
}

/// Why a request is not authorized.
pub(crate) enum Refusal {
    /// No credentials a scheme of the operation accepts.
    Missing(String),
    /// A token or session the server issued, expired or revoked.
    Expired(String),
}

fn valid(expiry: Option<&Option<Instant>>) -> Option<bool> {
    expiry.map(|e| e.is_none_or(|at| Instant::now() < at))
}

impl Auth {
    pub(crate) fn accept_login(&mut self, user: &str, password: &str) {
        self.logins.push((user.to_owned(), password.to_owned()));
    }

    pub(crate) fn accept_token(&mut self, token: &str) {
        self.tokens.insert(token.to_owned(), None);
    }

    pub(crate) fn accept_api_key(&mut self, key: &str) {
        self.keys.insert(key.to_owned(), None);
    }

    pub(crate) fn set_lifetime(&mut self, lifetime: Duration) {
        self.lifetime = lifetime;
    }

    /// Every token and session issued or accepted so far expires now.
    pub(crate) fn expire(&mut self) {
        let now = Instant::now();
        self.tokens.values_mut().chain(self.keys.values_mut()).for_each(|e| *e = Some(now));
    }

    pub(crate) fn revoke_refresh_tokens(&mut self) {
        self.refresh_tokens.clear();
    }

    /// Everything secret the server knows: to blank out of records.
    pub(crate) fn known(&self) -> Vec<String> {
        let passwords = self.logins.iter().map(|(_, p)| p.clone());
        self.tokens.keys().chain(&self.refresh_tokens).chain(self.keys.keys()).cloned().chain(passwords).collect()
    }

    fn fresh(&mut self, kind: &str) -> String {
        self.issued += 1;
        format!("mock-{kind}-{}-{:016x}", self.issued, rand::random::<u64>())
    }

    fn expiry(&self) -> Option<Instant> {
        Instant::now().checked_add(self.lifetime)
    }

    pub(crate) fn issue_token(&mut self) -> String {
        let token = self.fresh("token");
        let expiry = self.expiry();
        self.tokens.insert(token.clone(), expiry);
        token
    }

    pub(crate) fn issue_session(&mut self) -> String {
        let key = self.fresh("session");
        let expiry = self.expiry();
        self.keys.insert(key.clone(), expiry);
        key
    }

    fn login_ok(&self, user: &str, password: &str) -> bool {
        if self.logins.is_empty() {
            !user.is_empty()
        } else {
            self.logins.iter().any(|(u, p)| u == user && p == password)
        }
    }

    /// Whether `raw` carries credentials one of `names` accepts.
    pub(crate) fn check(&self, api: &Api, requirements: &[&[&str]], raw: &RawRequest) -> Result<(), Refusal> {
        if requirements.is_empty() || requirements.iter().any(|all| all.is_empty()) {
            return Ok(());
        }
        let mut expired = false;
        for all in requirements {
            // Every scheme of the alternative must be sent and valid.
            let mut verdicts = all.iter().map(|name| {
                let (_, scheme) = api.schemes.iter().find(|(n, _)| n == name)?;
                match scheme {
                    Scheme::MutualTls => Some(true),
                    Scheme::Bearer | Scheme::OAuth2 { .. } => {
                        bearer(raw).and_then(|token| valid(self.tokens.get(token)))
                    }
                    Scheme::Basic => basic(raw).map(|(u, p)| self.login_ok(&u, &p)),
                    Scheme::ApiKeyHeader(h) => raw.header(h).and_then(|key| valid(self.keys.get(key))),
                    Scheme::ApiKeyQuery(q) => raw.query(q).and_then(|key| valid(self.keys.get(key))),
                }
            });
            let (mut ok, mut any_expired) = (true, false);
            for verdict in verdicts.by_ref() {
                match verdict {
                    Some(true) => {}
                    Some(false) => (ok, any_expired) = (false, true),
                    None => ok = false,
                }
            }
            if ok {
                return Ok(());
            }
            expired |= any_expired;
        }
        let wanted = requirements.iter().map(|all| all.join(" and ")).collect::<Vec<_>>().join(" or ");
        if expired {
            Err(Refusal::Expired(format!("the credentials for {wanted} have expired or were revoked")))
        } else {
            Err(Refusal::Missing(format!("this operation needs valid credentials for {wanted}")))
        }
    }

    /// Ends the credentials `raw` carries (a logout).
    pub(crate) fn revoke(&mut self, api: &Api, raw: &RawRequest) {
        if let Some(token) = bearer(raw) {
            self.tokens.remove(token);
        }
        for (_, scheme) in api.schemes {
            let key = match scheme {
                Scheme::ApiKeyHeader(h) => raw.header(h),
                Scheme::ApiKeyQuery(q) => raw.query(q),
                _ => None,
            };
            if let Some(key) = key {
                self.keys.remove(key);
            }
        }
    }

    /// Answers an OAuth2 token request (RFC 6749): `template` is the spec's success example,
    /// whose other properties (an issue date, say) the answer keeps.
    pub(crate) fn token_grant(&mut self, raw: &RawRequest, template: Option<&str>) -> RawReply {
        let form: Vec<(String, String)> = serde_urlencoded::from_bytes(raw.body()).unwrap_or_default();
        let field = |name: &str| form.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
        let granted = match field("grant_type") {
            Some("password") => {
                self.login_ok(field("username").unwrap_or_default(), field("password").unwrap_or_default())
            }
            Some("refresh_token") => field("refresh_token").is_some_and(|t| self.refresh_tokens.remove(t)),
            Some("client_credentials") => match basic(raw) {
                Some((id, secret)) => self.login_ok(&id, &secret),
                None => {
                    self.login_ok(field("client_id").unwrap_or_default(), field("client_secret").unwrap_or_default())
                }
            },
            other => {
                let message = format!("the mock does not support the grant type {other:?}");
                return oauth_error(400, "unsupported_grant_type", &message);
            }
        };
        if !granted {
            return oauth_error(400, "invalid_grant", "the credentials or the refresh token were refused");
        }
        let access = self.issue_token();
        let refresh = self.fresh("refresh");
        self.refresh_tokens.insert(refresh.clone());
        let mut answer = template
            .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
            .and_then(|v| v.as_object().cloned())
            .unwrap_or_default();
        answer.insert("access_token".into(), access.into());
        answer.insert("token_type".into(), "bearer".into());
        answer.insert("refresh_token".into(), refresh.into());
        answer.insert("expires_in".into(), self.lifetime.as_secs().into());
        let body = serde_json::to_vec(&serde_json::Value::Object(answer)).unwrap_or_default();
        RawReply::new(200, "application/json", body)
    }
}

/// The secrets of a token request's form (passwords, client secrets, refresh tokens, codes),
/// for a token endpoint the spec does not type as an operation.
pub(crate) fn grant_secrets(raw: &RawRequest) -> Vec<super::super::Secret> {
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(raw.body()).unwrap_or_default();
    form.into_iter()
        .filter(|(n, _)| ["password", "client_secret", "refresh_token", "code", "assertion"].contains(&n.as_str()))
        .map(|(_, v)| super::super::Secret::from(v))
        .collect()
}

fn oauth_error(status: u16, error: &str, description: &str) -> RawReply {
    let body = serde_json::json!({ "error": error, "error_description": description });
    RawReply::new(status, "application/json", serde_json::to_vec(&body).unwrap_or_default())
}

fn bearer(raw: &RawRequest) -> Option<&str> {
    let value = raw.header("authorization")?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn basic(raw: &RawRequest) -> Option<(String, String)> {
    let value = raw.header("authorization")?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// The path a token URL is served at.
pub(crate) fn token_path(token_url: &str) -> &str {
    match token_url.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => token_url,
    }
}
