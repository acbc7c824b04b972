//! Login profiles: where a server is and how to trust it, in `profiles.toml` in the config
//! folder. Nothing secret is written here; the login itself is in the credential store
//! ([`crate::store`]).
//!
//! ```toml
//! [vbr.prod]
//! url = "https://vbr.example.com:9419"
//! user = 'EXAMPLE\backup'
//! api-version = "1.3-rev2"
//! ca = "/etc/ssl/example-ca.pem"                  # or, trusted on first use:
//! fingerprint = "3F:1A:…"                         # SHA-256 of the pinned certificate
//! certificate = "-----BEGIN CERTIFICATE-----\n…"
//! store = "keyring"                               # or "file": where the login is kept
//!
//! [em.prod]
//! url = "https://em.example.com:9398/api"
//! user = 'EXAMPLE\backup'
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The two servers a profile may name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Server {
    /// Veeam Backup & Replication.
    Vbr,
    /// Enterprise Manager.
    Em,
}

impl Server {
    /// Its table in `profiles.toml`, and its part of a credential's name.
    pub fn key(self) -> &'static str {
        match self {
            Server::Vbr => "vbr",
            Server::Em => "em",
        }
    }

    /// The login command for it.
    pub fn login_command(self) -> &'static str {
        match self {
            Server::Vbr => "veeam login",
            Server::Em => "veeam em login",
        }
    }
}

/// One server of one profile.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Profile {
    /// The base URL.
    pub url: String,
    /// The user logged in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The API revision spoken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// A CA certificate file trusted besides the built-in roots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca: Option<PathBuf>,
    /// The SHA-256 fingerprint of the pinned certificate (trusted on first use).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// The pinned certificate, PEM: the only one trusted for this server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<String>,
    /// Where the login is kept: `keyring` or `file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<String>,
}

/// `profiles.toml`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profiles {
    /// VBR servers, by profile name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub vbr: BTreeMap<String, Profile>,
    /// EM servers, by profile name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub em: BTreeMap<String, Profile>,
}

impl Profiles {
    /// The file in `dir`.
    pub fn path(dir: &Path) -> PathBuf {
        dir.join("profiles.toml")
    }

    /// Reads the file in `dir`; none there is no profiles.
    pub fn read(dir: &Path) -> Result<Profiles, String> {
        let path = Self::path(dir);
        match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Profiles::default()),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    /// Writes the file in `dir`, creating the folder.
    pub fn write(&self, dir: &Path) -> Result<(), String> {
        let path = Self::path(dir);
        let text = toml::to_string(self).map_err(|e| format!("{}: {e}", path.display()))?;
        crate::store::create_private_dir(dir)?;
        let header =
            "# Login profiles of the `veeam` command: servers and how to trust them. No secret is kept here.\n\n";
        crate::store::write_file(&path, &format!("{header}{text}"), 0o644)
    }

    /// The profiles of `server`.
    pub fn of(&self, server: Server) -> &BTreeMap<String, Profile> {
        match server {
            Server::Vbr => &self.vbr,
            Server::Em => &self.em,
        }
    }

    /// The profiles of `server`, to change.
    pub fn of_mut(&mut self, server: Server) -> &mut BTreeMap<String, Profile> {
        match server {
            Server::Vbr => &mut self.vbr,
            Server::Em => &mut self.em,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_round_trip_through_toml() {
        let mut profiles = Profiles::default();
        profiles.vbr.insert(
            "prod".into(),
            Profile {
                url: "https://vbr:9419".into(),
                user: Some(r"EXAMPLE\backup".into()),
                api_version: Some("1.3-rev2".into()),
                fingerprint: Some("AB:CD".into()),
                store: Some("file".into()),
                ..Profile::default()
            },
        );
        let text = toml::to_string(&profiles).unwrap();
        assert!(text.starts_with("[vbr.prod]\nurl = \"https://vbr:9419\"\n"), "{text}");
        assert_eq!(toml::from_str::<Profiles>(&text).unwrap(), profiles);
    }
}
