//! `veeam`: the Veeam Backup & Replication REST API (and Enterprise Manager's, under
//! `veeam em`) as a command line, built from the tables `cargo xtask codegen` generates
//! (`veeam_client::vbr::cli`, `veeam_client::em::cli`) over `runtime::cli`, plus what an
//! operator needs between runs:
//!
//! - **Profiles.** `veeam login --profile prod https://vbr:9419` asks for the password (a
//!   prompt, `--password-stdin` or `--password-env VAR`; never an argument), logs in and keeps
//!   the refresh token in the OS credential store, or in a 0600 file where there is none
//!   ([`store`]). The server, user, API revision and trust settings go to `profiles.toml`
//!   ([`profile`]). Every later command renews the login silently from the refresh token and
//!   keeps the new one. `veeam logout` revokes the tokens and forgets them.
//! - **Certificates.** `--ca FILE` at login, or trust on first use: a certificate no root
//!   vouches for is shown by its SHA-256 fingerprint, accepted at a prompt or with
//!   `--accept-fingerprint`, and pinned in the profile ([`tls`]).
//! - **Enterprise Manager.** `veeam em login`, `veeam em logout` and `veeam em ...`, with
//!   the same profiles; the EM session is what is kept.
//!
//! The config folder is `VEEAM_CONFIG_DIR`, else the platform's (`~/.config/veeam` on Linux);
//! `VEEAM_CREDENTIAL_STORE=file|keyring` chooses where logins go; `VEEAM_PROFILE` names the
//! profile when `--profile` does not. [`run`] is the whole program, with its streams and
//! environment given ([`Io`]), so tests run it in-process.

pub mod profile;
pub mod store;
pub mod tls;

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Arg, ArgMatches, Command};
use serde_json::{json, Value};
use veeam_client::runtime::cli::{self, CliApi, CliClient, CliError, Login, SchemeKind, Settings};
use veeam_client::runtime::dispatch::Input;
use veeam_client::runtime::{Error, Method, RawCall, RetryPolicy, Secret};
use veeam_client::{em, vbr};

pub use veeam_client::runtime::cli::{Captured, Exit, Io};

use crate::profile::{Profile, Profiles, Server};
use crate::store::Store;

/// The program's name.
pub const NAME: &str = "veeam";

/// The profile used when neither `--profile` nor `VEEAM_PROFILE` names one.
pub const DEFAULT_PROFILE: &str = "default";

/// The EM API revision a logon asks for (`?v=latest`: every resource of the installed EM).
const EM_VERSION: &str = "latest";

fn vbr_api() -> &'static CliApi {
    <vbr::Client as CliClient>::api()
}

fn em_api() -> &'static CliApi {
    <em::Client as CliClient>::api()
}

/// The whole command tree.
pub fn command() -> Command {
    let login_args = || {
        cli::auth_args()
            .into_iter()
            .filter(|a| matches!(a.get_id().as_str(), "user" | "password-env" | "password-stdin"))
            .map(|a| a.global(false).help_heading(None::<&str>))
            .chain([Arg::new("accept-fingerprint").long("accept-fingerprint").value_name("SHA256").help(
                "Trust the server's certificate if its SHA-256 fingerprint is this (shown when it is not trusted)",
            )])
            .collect::<Vec<_>>()
    };
    let login = |server: Server, example: &str| {
        Command::new("login")
            .about(match server {
                Server::Vbr => "Log in to a VBR server and keep the login for later commands",
                Server::Em => "Log on to Enterprise Manager and keep the session for later commands",
            })
            .arg(
                Arg::new("server-url")
                    .value_name("URL")
                    .help(format!("The server's base URL, e.g. {example} [default: the profile's]")),
            )
            .args(login_args())
            .after_help(
                "The password is read from a prompt, the first line of standard input (--password-stdin) or \
                 an environment variable (--password-env VAR), never from the command line.",
            )
    };
    let logout = |server: Server| {
        Command::new("logout").about(match server {
            Server::Vbr => "Revoke the profile's tokens on the server and forget them",
            Server::Em => "End the profile's EM session and forget it",
        })
    };
    let em = Command::new("em")
        .about("Veeam Backup Enterprise Manager (port 9398): log on, log off, and its commands")
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommand(login(Server::Em, "https://em.example.com:9398/api"))
        .subcommand(logout(Server::Em))
        .subcommands(cli::api_subcommands(em_api()));
    Command::new(NAME)
        .about("Veeam Backup & Replication from the command line: every operation of the REST API, with logins kept between runs")
        .version(env!("CARGO_PKG_VERSION"))
        .subcommand_required(true)
        .arg_required_else_help(true)
        .args(cli::output_args())
        .arg(
            Arg::new("profile")
                .long("profile")
                .global(true)
                .value_name("NAME")
                .help_heading(cli::GLOBAL_OPTIONS)
                .help("The login profile [default: $VEEAM_PROFILE, else `default`]"),
        )
        .args(cli::connection_args(vbr_api()))
        .subcommand(login(Server::Vbr, "https://vbr.example.com:9419"))
        .subcommand(logout(Server::Vbr))
        .subcommand(Command::new("profiles").about("List the login profiles"))
        .subcommand(em)
        .subcommand(cli::completions_command())
        .subcommands(cli::api_subcommands(vbr_api()))
        .after_help(format!(
            "{}\nFiles: profiles.toml (servers, no secrets) and, where no OS keyring answers, credentials.toml \
             (mode 0600) in $VEEAM_CONFIG_DIR or the platform's config folder.",
            cli::exit_codes_help()
        ))
}

/// Runs one command line (`args[0]` is the program) with `io`'s streams and environment.
pub fn run<I, T>(args: I, io: &Io) -> Exit
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let mut cmd = command();
    if let Some(width) = io.width() {
        cmd = cmd.term_width(width);
    }
    let matches = match cmd.try_get_matches_from_mut(args) {
        Ok(m) => m,
        Err(e) => return cli::clap_error(e, io),
    };
    let settings = Settings::from_matches(&matches, io);
    let result = match matches.subcommand() {
        Some(("completions", m)) => {
            cli::completions(&mut cmd, NAME, m, io);
            Ok(Exit::Success)
        }
        Some(("profiles", _)) => Context::new(&matches, io).and_then(|ctx| list_profiles(&ctx, &settings)),
        Some(("login", m)) => Context::new(&matches, io).and_then(|ctx| login(&ctx, m, Server::Vbr, &settings)),
        Some(("logout", _)) => Context::new(&matches, io).and_then(|ctx| logout(&ctx, Server::Vbr, &settings)),
        Some(("em", em_matches)) => match em_matches.subcommand() {
            Some(("login", m)) => Context::new(&matches, io).and_then(|ctx| login(&ctx, m, Server::Em, &settings)),
            Some(("logout", _)) => Context::new(&matches, io).and_then(|ctx| logout(&ctx, Server::Em, &settings)),
            _ => Context::new(&matches, io).and_then(|ctx| operation::<em::Client>(&ctx, em_matches, &settings)),
        },
        _ => Context::new(&matches, io).and_then(|ctx| operation::<vbr::Client>(&ctx, &matches, &settings)),
    };
    match result {
        Ok(exit) => exit,
        Err(e) => cli::report(io, &e),
    }
}

/// What every command that touches profiles needs.
struct Context<'a> {
    io: &'a Io,
    matches: &'a ArgMatches,
    dir: PathBuf,
    profile: String,
    store: Store,
}

impl<'a> Context<'a> {
    fn new(matches: &'a ArgMatches, io: &'a Io) -> Result<Context<'a>, CliError> {
        let dir = match io.env("VEEAM_CONFIG_DIR").filter(|d| !d.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => directories::ProjectDirs::from("", "", NAME)
                .map(|d| d.config_dir().to_owned())
                .ok_or_else(|| CliError::Failed("no home folder to keep profiles in: set VEEAM_CONFIG_DIR".into()))?,
        };
        let profile = matches
            .get_one::<String>("profile")
            .cloned()
            .or_else(|| io.env("VEEAM_PROFILE").filter(|p| !p.is_empty()))
            .unwrap_or_else(|| DEFAULT_PROFILE.to_owned());
        let store = Store::new(&dir, io.env("VEEAM_CREDENTIAL_STORE").as_deref()).map_err(CliError::Usage)?;
        Ok(Context { io, matches, dir, profile, store })
    }

    fn profiles(&self) -> Result<Profiles, CliError> {
        Profiles::read(&self.dir).map_err(CliError::Failed)
    }

    /// The profile of `server`, which must exist.
    fn existing(&self, server: Server) -> Result<Profile, CliError> {
        self.profiles()?.of(server).get(&self.profile).cloned().ok_or_else(|| {
            CliError::Auth(format!(
                "no {} login for the profile `{}`: run `{} --profile {} URL` first",
                server.key(),
                self.profile,
                server.login_command(),
                self.profile
            ))
        })
    }

    /// The stored login of `server`, which must exist.
    fn secret(&self, server: Server, profile: &Profile) -> Result<Secret, CliError> {
        let secret = self.store.load(server, &self.profile, profile.store.as_deref()).map_err(CliError::Failed)?;
        let secret = secret.ok_or_else(|| {
            CliError::Auth(format!(
                "the profile `{}` is logged out: run `{} --profile {}`",
                self.profile,
                server.login_command(),
                self.profile
            ))
        })?;
        self.io.add_secret(&secret);
        Ok(secret)
    }
}

/// A client for `profile`: its URL, trust and API revision, then the global flags on top.
fn client<C: CliClient>(profile: &Profile, matches: &ArgMatches) -> Result<C, CliError> {
    let url = matches.get_one::<String>("url").unwrap_or(&profile.url);
    let mut builder = C::builder(url);
    if let Some(pem) = &profile.certificate {
        builder = builder.trust_only_certificate_pem(pem.as_bytes().to_vec());
    }
    if let Some(ca) = &profile.ca {
        let pem =
            std::fs::read(ca).map_err(|e| CliError::Usage(format!("the profile's CA file {}: {e}", ca.display())))?;
        builder = builder.add_root_certificate_pem(pem);
    }
    if let (Some(revision), false) = (&profile.api_version, C::api().revisions.is_empty()) {
        builder = C::api_version(builder, revision).map_err(CliError::Usage)?;
    }
    let builder = cli::configure(builder, matches)?;
    builder.build().map_err(|e| CliError::Usage(e.to_string()))
}

fn token_url(api: &CliApi) -> Result<&'static str, CliError> {
    match api.login {
        Some(Login::OAuth2Password { token_url, .. }) => Ok(token_url),
        _ => Err(CliError::Failed("the API has no OAuth2 password login".into())),
    }
}

/// The API-key scheme that carries an EM session.
fn session_scheme(api: &CliApi) -> Result<(&'static str, &'static str), CliError> {
    let Some(Login::SessionLogon { operation, header }) = api.login else {
        return Err(CliError::Failed("the API has no session logon".into()));
    };
    let scheme = api
        .schemes
        .iter()
        .find(|s| matches!(s.kind, SchemeKind::ApiKeyHeader(h) if h.eq_ignore_ascii_case(header)))
        .ok_or_else(|| CliError::Failed(format!("no security scheme sends `{header}`")))?;
    Ok((operation, scheme.name))
}

/// An EM session as it is kept: the header's value, and the session's id (for the logoff).
#[derive(serde::Serialize, serde::Deserialize)]
struct EmSession {
    session: String,
    id: String,
}

/// Runs an operation of the API of `C` with the profile's login, and keeps the renewed login.
fn operation<C: CliClient>(ctx: &Context<'_>, matches: &ArgMatches, settings: &Settings) -> Result<Exit, CliError> {
    let api = C::api();
    let Some((op, op_matches)) = cli::find_operation(api, matches) else {
        return Err(CliError::Usage("no such command".into()));
    };
    let server = if std::ptr::eq(api, em_api()) { Server::Em } else { Server::Vbr };
    let profile = ctx.existing(server)?;
    let secret = ctx.secret(server, &profile)?;
    let client: C = client(&profile, ctx.matches)?;
    let io = ctx.io;
    let (exit, renewed) = cli::block_on(io, settings.verbose, async {
        if let Err(e) = resume(&client, server, &secret, &ctx.profile).await {
            return (cli::report(io, &e), None);
        }
        let exit = cli::execute(&client, op, op_matches, io, settings).await;
        (exit, client.core().refresh_token())
    });
    // A refresh token works once: the one the renewal gave is the login from now on, whether
    // the command worked or not.
    if let Some(renewed) = renewed.filter(|r| *r != secret) {
        ctx.store.save(server, &ctx.profile, &renewed, profile.store.as_deref()).map_err(CliError::Failed)?;
    }
    Ok(exit)
}

/// Resumes a kept login: the refresh grant for VBR, the session header for EM.
async fn resume<C: CliClient>(client: &C, server: Server, secret: &Secret, profile: &str) -> Result<(), CliError> {
    let api = C::api();
    let core = client.core();
    match server {
        Server::Vbr => core.oauth2_refresh_login::<Value>(token_url(api)?, secret.clone()).await.map_err(|e| match e {
            Error::Auth { .. } => CliError::Auth(format!(
                "the login of the profile `{profile}` has expired or was revoked: run `veeam login --profile {profile}` again ({e})"
            )),
            other => CliError::Failed(other.to_string()),
        }),
        Server::Em => {
            let (_, scheme) = session_scheme(api)?;
            let session: EmSession = serde_json::from_str(secret.expose())
                .map_err(|_| CliError::Auth(format!("the EM login of `{profile}` is unreadable: run `veeam em login`")))?;
            core.set_api_key(scheme, Secret::from(session.session));
            Ok(())
        }
    }
}

/// `login`: asks for the password, logs in (trusting the certificate on first use if need
/// be), keeps the login, and writes the profile.
fn login(ctx: &Context<'_>, m: &ArgMatches, server: Server, settings: &Settings) -> Result<Exit, CliError> {
    let io = ctx.io;
    let mut profiles = ctx.profiles()?;
    let existing = profiles.of(server).get(&ctx.profile).cloned();
    let url = m
        .get_one::<String>("server-url")
        .or(ctx.matches.get_one::<String>("url"))
        .cloned()
        .or_else(|| existing.as_ref().map(|p| p.url.clone()))
        .ok_or_else(|| CliError::Usage(format!("the profile `{}` is new: give the server's URL", ctx.profile)))?;
    let same_server = existing.as_ref().is_some_and(|p| p.url == url);
    let user = match m.get_one::<String>("user").cloned().or_else(|| existing.as_ref().and_then(|p| p.user.clone())) {
        Some(user) => user,
        None if io.stdin_is_terminal() => {
            io.err("User: ");
            io.read_line().filter(|u| !u.is_empty()).ok_or_else(|| CliError::Usage("no user given".into()))?
        }
        None => return Err(CliError::Usage("give the user with --user".into())),
    };
    let password = cli::read_password(m, io, &format!("Password for {user}: "))?;
    let mut profile = Profile {
        url,
        user: Some(user.clone()),
        api_version: ctx
            .matches
            .try_get_one::<String>("api-version")
            .ok()
            .flatten()
            .cloned()
            .or_else(|| existing.as_ref().and_then(|p| p.api_version.clone())),
        ca: match ctx.matches.get_one::<String>("ca") {
            Some(ca) => Some(std::fs::canonicalize(ca).map_err(|e| CliError::Usage(format!("--ca {ca}: {e}")))?),
            None => existing.as_ref().and_then(|p| p.ca.clone()),
        },
        // A pin is for one server: a new URL is trusted afresh.
        fingerprint: existing.as_ref().filter(|_| same_server).and_then(|p| p.fingerprint.clone()),
        certificate: existing.as_ref().filter(|_| same_server).and_then(|p| p.certificate.clone()),
        store: existing.as_ref().and_then(|p| p.store.clone()),
    };
    let accept = m.get_one::<String>("accept-fingerprint").map(|f| tls::normalize_fingerprint(f));
    let secret = cli::block_on(io, settings.verbose, async {
        // A certificate no root vouches for is found before any password is sent.
        let untrusted_now = match server {
            Server::Vbr => untrusted_server::<vbr::Client>(&profile, ctx.matches).await?,
            Server::Em => untrusted_server::<em::Client>(&profile, ctx.matches).await?,
        };
        if untrusted_now {
            trust_on_first_use(&mut profile, accept.as_deref(), io).await?;
        }
        let attempt = match server {
            Server::Vbr => login_vbr(&profile, ctx.matches, &user, &password, io).await,
            Server::Em => login_em(&profile, ctx.matches, &user, &password, io).await,
        };
        attempt.unwrap_or_else(|Untrusted| {
            Err(CliError::Failed(format!("{}: the server's certificate is not trusted", profile.url)))
        })
    })?;
    let saved = ctx.store.save(server, &ctx.profile, &secret, profile.store.as_deref()).map_err(CliError::Failed)?;
    if let Some(why) = &saved.fallback {
        io.err(&format!(
            "note: no OS credential store answered ({why}); the login is kept in {} (mode 0600)\n",
            ctx.store.file().display()
        ));
    }
    profile.store = Some(saved.kind.name().to_owned());
    let url = profile.url.clone();
    profiles.of_mut(server).insert(ctx.profile.clone(), profile);
    profiles.write(&ctx.dir).map_err(CliError::Failed)?;
    let place = match saved.kind {
        store::Kind::Keyring => "the OS credential store".to_owned(),
        store::Kind::File => ctx.store.file().display().to_string(),
    };
    io.err(&format!("Logged in to {url} as {user} (profile `{}`); the login is kept in {place}\n", ctx.profile));
    Ok(Exit::Success)
}

/// Whether the server of `profile` presents a certificate the client would not trust (and
/// nothing pins one): one request without credentials, not repeated.
async fn untrusted_server<C: CliClient>(profile: &Profile, matches: &ArgMatches) -> Result<bool, CliError> {
    let url = matches.get_one::<String>("url").unwrap_or(&profile.url);
    if profile.certificate.is_some() || !url.starts_with("https://") {
        return Ok(false);
    }
    let client: C = client(profile, matches)?;
    let core = client.core().with_retry(RetryPolicy { max_attempts: 1, ..RetryPolicy::default() });
    let probe = RawCall::<Value>::new(&core, Method::Get, "/", &[]).send().await;
    Ok(matches!(probe, Err(e) if untrusted(&e)))
}

/// A login refused for the server's certificate, which trust on first use may fix.
struct Untrusted;

type Attempt = Result<Result<Secret, CliError>, Untrusted>;

/// Whether a client error is an untrusted certificate.
fn untrusted<E>(e: &Error<E>) -> bool {
    matches!(e, Error::Transport { source, .. } if tls::is_untrusted_certificate(source))
}

async fn login_vbr(profile: &Profile, matches: &ArgMatches, user: &str, password: &Secret, io: &Io) -> Attempt {
    let client: vbr::Client = match client(profile, matches) {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    let token_url = match token_url(vbr_api()) {
        Ok(t) => t,
        Err(e) => return Ok(Err(e)),
    };
    match client.core().oauth2_password_login::<Value>(token_url, user, password.clone()).await {
        Err(e) if untrusted(&e) => Err(Untrusted),
        Err(e) => Ok(Err(match cli::client_exit(&e) {
            Exit::Auth => CliError::Auth(e.to_string()),
            Exit::Timeout => CliError::Timeout(e.to_string()),
            _ => CliError::Failed(e.to_string()),
        })),
        Ok(()) => {
            let token = client.core().refresh_token();
            if let Some(t) = &token {
                io.add_secret(t);
            }
            Ok(token
                .ok_or_else(|| CliError::Failed("the server issued no refresh token: the login cannot be kept".into())))
        }
    }
}

async fn login_em(profile: &Profile, matches: &ArgMatches, user: &str, password: &Secret, io: &Io) -> Attempt {
    let client: em::Client = match client(profile, matches) {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    let (operation, _) = match session_scheme(em_api()) {
        Ok(s) => s,
        Err(e) => return Ok(Err(e)),
    };
    client.core().set_basic_auth(user, password.clone());
    let mut input = match Input::new(operation, json!({"params": {"v": EM_VERSION}})) {
        Ok(i) => i,
        Err(e) => return Ok(Err(e.into())),
    };
    let answer = match client.call(&mut input).await {
        Err(e) if e.client().is_some_and(untrusted) => return Err(Untrusted),
        Err(e) => return Ok(Err(e.into())),
        Ok(answer) => answer,
    };
    let Some(Login::SessionLogon { header, .. }) = em_api().login else {
        return Ok(Err(CliError::Failed("the API has no session logon".into())));
    };
    let (_, scheme) = match session_scheme(em_api()) {
        Ok(s) => s,
        Err(e) => return Ok(Err(e)),
    };
    let core = client.core();
    let Some(session) = core.session_header(header).or_else(|| core.api_key(scheme)) else {
        return Ok(Err(CliError::Failed(format!("the logon answered no `{header}`"))));
    };
    io.add_secret(&session);
    let id = answer.pointer("/body/SessionId").and_then(Value::as_str).unwrap_or_default().to_owned();
    let kept = EmSession { session: session.expose().to_owned(), id };
    Ok(serde_json::to_string(&kept).map(Secret::from).map_err(|e| CliError::Failed(e.to_string())))
}

/// Shows the certificate the server presents and pins it once accepted (`--accept-fingerprint`
/// or a prompt on a terminal).
async fn trust_on_first_use(profile: &mut Profile, accept: Option<&str>, io: &Io) -> Result<(), CliError> {
    let der = tls::server_certificate(&profile.url).await.map_err(CliError::Failed)?;
    let fingerprint = tls::fingerprint(&der);
    io.err(&format!(
        "The certificate of {} is not signed by a trusted authority.\nIts SHA-256 fingerprint is {fingerprint}\n",
        profile.url
    ));
    let accepted = match accept {
        Some(given) => given == fingerprint,
        None if io.stdin_is_terminal() => {
            io.err(
                "Compare it with the server's (Veeam console: the certificate in General Options).\nTrust it? [y/N] ",
            );
            io.read_line().is_some_and(|a| a.trim().eq_ignore_ascii_case("y") || a.trim().eq_ignore_ascii_case("yes"))
        }
        None => false,
    };
    if !accepted {
        return Err(CliError::Failed(format!(
            "{}: the certificate is not trusted; to trust it, log in again with --accept-fingerprint {fingerprint}, or give the CA with --ca FILE",
            profile.url
        )));
    }
    io.err("The certificate is pinned in the profile: only it is trusted for this server from now on.\n");
    profile.certificate = Some(tls::pem(&der));
    profile.fingerprint = Some(fingerprint);
    Ok(())
}

/// `logout`: ends the login on the server (best effort) and forgets it.
fn logout(ctx: &Context<'_>, server: Server, settings: &Settings) -> Result<Exit, CliError> {
    let io = ctx.io;
    let profile = ctx.existing(server)?;
    let secret = match ctx.secret(server, &profile) {
        Ok(s) => Some(s),
        Err(CliError::Auth(_)) => None,
        Err(e) => return Err(e),
    };
    let ended: Result<(), CliError> = match (&secret, server) {
        (None, _) => Ok(()),
        (Some(secret), Server::Vbr) => cli::block_on(io, settings.verbose, async {
            let client: vbr::Client = client(&profile, ctx.matches)?;
            resume(&client, server, secret, &ctx.profile).await?;
            let logout = vbr_api().logout.ok_or_else(|| CliError::Failed("the API has no logout".into()))?;
            client.call(&mut Input::new(logout, Value::Null)?).await?;
            Ok(())
        }),
        (Some(secret), Server::Em) => cli::block_on(io, settings.verbose, async {
            let client: em::Client = client(&profile, ctx.matches)?;
            resume(&client, server, secret, &ctx.profile).await?;
            let session: EmSession =
                serde_json::from_str(secret.expose()).map_err(|e| CliError::Failed(e.to_string()))?;
            let logout = em_api().logout.ok_or_else(|| CliError::Failed("the API has no logoff".into()))?;
            let mut input = Input::new(logout, json!({"path": {"sessionId": session.id}}))?;
            client.call(&mut input).await?;
            Ok(())
        }),
    };
    ctx.store.delete(server, &ctx.profile).map_err(CliError::Failed)?;
    match ended {
        Ok(()) => io.err(&format!("Logged out of {} (profile `{}`)\n", profile.url, ctx.profile)),
        Err(e) => io.err(&format!(
            "The server did not end the login ({e}); it is forgotten here all the same (profile `{}`)\n",
            ctx.profile
        )),
    }
    Ok(Exit::Success)
}

/// `profiles`: every profile, without secrets.
fn list_profiles(ctx: &Context<'_>, settings: &Settings) -> Result<Exit, CliError> {
    let profiles = ctx.profiles()?;
    let mut rows = Vec::new();
    for server in [Server::Vbr, Server::Em] {
        for (name, p) in profiles.of(server) {
            rows.push(json!({
                "profile": name,
                "server": server.key(),
                "url": p.url,
                "user": p.user,
                "api-version": p.api_version,
                "trust": match (&p.fingerprint, &p.ca) {
                    (Some(fp), _) => format!("pinned {fp}"),
                    (None, Some(ca)) => format!("CA {}", ca.display()),
                    (None, None) => "system roots".to_owned(),
                },
                "store": p.store,
            }));
        }
    }
    cli::print(ctx.io, &Value::Array(rows), settings);
    Ok(Exit::Success)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_tree_is_consistent() {
        super::command().debug_assert();
    }
}
