//! The command line: `veeam` run in-process (`veeam_cli::run`, with captured streams and its
//! own environment) against the typed mock server, its help, its names, secrets under an
//! echoing server, and the command line generated for documents of the corpus.
//!
//! Each test has its own config folder and forces the file credential store
//! (`VEEAM_CREDENTIAL_STORE=file`), so tests run side by side and touch no OS keyring.

mod e2e;
mod generated;
mod help;
mod naming;
mod secrets;
mod tofu;

use std::path::{Path, PathBuf};

use veeam_cli::{Exit, Io};
use veeam_client::runtime::Secret;
use veeam_client::vbr::{self, mock::MockServer};

/// A user of `veeam`: a config folder, and environment variables.
pub(crate) struct Operator {
    dir: PathBuf,
    env: Vec<(String, String)>,
}

/// What one command did.
#[derive(Debug)]
pub(crate) struct Run {
    pub exit: Exit,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Panics with the streams unless the command ended with `exit`.
    #[track_caller]
    pub fn expect(self, exit: Exit) -> Run {
        assert_eq!(self.exit, exit, "stdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }
}

impl Operator {
    /// A fresh config folder named after the test.
    pub fn new(test: &str) -> Operator {
        let dir = crate::support::project::workspace_root()
            .join("target/cli-tests")
            .join(format!("{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let env = vec![
            ("VEEAM_CONFIG_DIR".to_owned(), dir.display().to_string()),
            ("VEEAM_CREDENTIAL_STORE".to_owned(), "file".to_owned()),
        ];
        Operator { dir, env }
    }

    /// Sets an environment variable.
    pub fn env(mut self, name: &str, value: &str) -> Operator {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn profiles(&self) -> String {
        std::fs::read_to_string(self.dir.join("profiles.toml")).unwrap_or_default()
    }

    pub fn credentials(&self) -> String {
        std::fs::read_to_string(self.dir.join("credentials.toml")).unwrap_or_default()
    }

    /// Runs `veeam ARGS` with `stdin`, on a thread of its own (the command runs its own
    /// runtime), while the test's runtime serves the mock.
    pub async fn run(&self, args: &[&str], stdin: &str) -> Run {
        let args: Vec<String> = std::iter::once("veeam").chain(args.iter().copied()).map(str::to_owned).collect();
        let env = self.env.clone();
        let stdin = stdin.to_owned();
        tokio::task::spawn_blocking(move || {
            let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let (io, captured) = Io::captured(&stdin, &env);
            let exit = veeam_cli::run(args, &io);
            Run { exit, stdout: captured.stdout(), stderr: captured.stderr() }
        })
        .await
        .expect("the command does not panic")
    }

    /// Logs in to `server` as the profile `t` (user `admin`, password `pw`).
    pub async fn login(&self, server: &MockServer) -> Run {
        server.accept_login("admin", "pw");
        self.run(&["login", "--profile", "t", &server.url(), "--user", "admin", "--password-stdin"], "pw\n").await
    }
}

/// A typed client logged in to the mock, to ask it for its examples.
pub(crate) async fn client(server: &MockServer) -> vbr::Client {
    let client = vbr::Client::builder(server.url()).build().unwrap();
    client.login("admin", Secret::from("pw")).await.unwrap();
    client
}
