//! Where logins are kept: the OS's credential store (the `keyring` crate: macOS Keychain,
//! Windows Credential Manager, the Secret Service on Linux), or, where none answers, the file
//! `credentials.toml` in the config folder, readable by its owner only (mode 0600, in a
//! folder of mode 0700).
//!
//! `VEEAM_CREDENTIAL_STORE=file` (or `keyring`) chooses one; the default tries the keyring
//! and falls back to the file, saying so. A profile records where its login went.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use veeam_client::runtime::Secret;

use crate::profile::Server;

/// The service name of the `veeam` command's entries in the OS credential store.
const SERVICE: &str = "veeam-cli";

/// A store of logins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The OS credential store.
    Keyring,
    /// `credentials.toml`, mode 0600.
    File,
}

impl Kind {
    /// As a profile records it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Keyring => "keyring",
            Kind::File => "file",
        }
    }

    fn parse(name: &str) -> Option<Kind> {
        match name {
            "keyring" => Some(Kind::Keyring),
            "file" => Some(Kind::File),
            _ => None,
        }
    }
}

/// The logins of one config folder.
#[derive(Clone, Debug)]
pub struct Store {
    dir: PathBuf,
    forced: Option<Kind>,
}

/// What a save did.
#[derive(Debug)]
pub struct Saved {
    /// Where the login went.
    pub kind: Kind,
    /// Why not the keyring, when it went to the file although the keyring was tried.
    pub fallback: Option<String>,
}

impl Store {
    /// The store of `dir`; `choice` is `VEEAM_CREDENTIAL_STORE`'s value, if set.
    pub fn new(dir: &Path, choice: Option<&str>) -> Result<Store, String> {
        let forced = match choice {
            None | Some("") => None,
            Some(name) => Some(
                Kind::parse(name)
                    .ok_or_else(|| format!("VEEAM_CREDENTIAL_STORE is `{name}`; expected `keyring` or `file`"))?,
            ),
        };
        Ok(Store { dir: dir.to_owned(), forced })
    }

    /// The credentials file.
    pub fn file(&self) -> PathBuf {
        self.dir.join("credentials.toml")
    }

    fn account(server: Server, profile: &str) -> String {
        format!("{}/{profile}", server.key())
    }

    /// Keeps `secret` as the login of `profile` on `server`: in the keyring unless the file
    /// is chosen or the keyring fails, else in the file. `previous` is where it was kept.
    pub fn save(
        &self,
        server: Server,
        profile: &str,
        secret: &Secret,
        previous: Option<&str>,
    ) -> Result<Saved, String> {
        let wanted = self.forced.or(previous.and_then(Kind::parse));
        let mut fallback = None;
        if wanted != Some(Kind::File) {
            match keyring::Entry::new(SERVICE, &Self::account(server, profile))
                .and_then(|entry| entry.set_password(secret.expose()))
            {
                Ok(()) => {
                    // A login kept in the file before is no longer needed there.
                    let _ = self.remove_from_file(server, profile);
                    return Ok(Saved { kind: Kind::Keyring, fallback: None });
                }
                Err(e) if self.forced == Some(Kind::Keyring) => return Err(format!("the OS credential store: {e}")),
                Err(e) => fallback = Some(e.to_string()),
            }
        }
        let mut all = self.read_file()?;
        all.entry(server.key().to_owned()).or_default().insert(profile.to_owned(), secret.expose().to_owned());
        self.write_credentials(&all)?;
        Ok(Saved { kind: Kind::File, fallback })
    }

    /// The login of `profile` on `server`, from where the profile says it is (`kind`), else
    /// from wherever it is found.
    pub fn load(&self, server: Server, profile: &str, kind: Option<&str>) -> Result<Option<Secret>, String> {
        let kind = self.forced.or(kind.and_then(Kind::parse));
        if kind != Some(Kind::File) {
            match keyring::Entry::new(SERVICE, &Self::account(server, profile)).and_then(|e| e.get_password()) {
                Ok(value) => return Ok(Some(Secret::from(value))),
                Err(keyring::Error::NoEntry) if kind == Some(Kind::Keyring) => return Ok(None),
                Err(e) if kind == Some(Kind::Keyring) => return Err(format!("the OS credential store: {e}")),
                Err(_) => {}
            }
        }
        let all = self.read_file()?;
        Ok(all.get(server.key()).and_then(|m| m.get(profile)).map(|v| Secret::from(v.as_str())))
    }

    /// Forgets the login of `profile` on `server`, wherever it is.
    pub fn delete(&self, server: Server, profile: &str) -> Result<(), String> {
        if self.forced != Some(Kind::File) {
            if let Ok(entry) = keyring::Entry::new(SERVICE, &Self::account(server, profile)) {
                let _ = entry.delete_credential();
            }
        }
        self.remove_from_file(server, profile)
    }

    fn remove_from_file(&self, server: Server, profile: &str) -> Result<(), String> {
        let mut all = self.read_file()?;
        let removed = all.get_mut(server.key()).and_then(|m| m.remove(profile)).is_some();
        if removed {
            all.retain(|_, m| !m.is_empty());
            self.write_credentials(&all)?;
        }
        Ok(())
    }

    fn read_file(&self) -> Result<BTreeMap<String, BTreeMap<String, String>>, String> {
        let path = self.file();
        match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    fn write_credentials(&self, all: &BTreeMap<String, BTreeMap<String, String>>) -> Result<(), String> {
        let path = self.file();
        if all.is_empty() {
            return match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(format!("{}: {e}", path.display())),
                _ => Ok(()),
            };
        }
        let text = toml::to_string(all).map_err(|e| format!("{}: {e}", path.display()))?;
        create_private_dir(&self.dir)?;
        let header = "# Logins of the `veeam` command (refresh tokens, sessions). Keep this file private.\n\n";
        write_file(&path, &format!("{header}{text}"), 0o600)
    }
}

/// Creates `dir` (mode 0700 where modes exist) if it is missing.
pub fn create_private_dir(dir: &Path) -> Result<(), String> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|e| format!("{}: {e}", dir.display()))
}

/// Writes `text` to `path` through a file beside it created with `mode`, then renamed over
/// it: the contents are never readable with wider permissions, not even for a moment.
pub fn write_file(path: &Path, text: &str, mode: u32) -> Result<(), String> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let result = options.open(&tmp).and_then(|mut f| f.write_all(text.as_bytes()).and_then(|()| f.sync_all()));
    if let Err(e) = result.and_then(|()| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(format!("{}: {e}", path.display()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_store_keeps_logins_private() {
        let dir = std::env::temp_dir().join(format!("veeam-store-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let store = Store::new(&dir, Some("file")).unwrap();
        let saved = store.save(Server::Vbr, "prod", &Secret::from("r1"), None).unwrap();
        assert_eq!(saved.kind, Kind::File);
        assert_eq!(store.load(Server::Vbr, "prod", Some("file")).unwrap(), Some(Secret::from("r1")));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(store.file()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
        }
        store.save(Server::Em, "prod", &Secret::from("s1"), None).unwrap();
        store.delete(Server::Vbr, "prod").unwrap();
        assert_eq!(store.load(Server::Vbr, "prod", None).unwrap(), None);
        store.delete(Server::Em, "prod").unwrap();
        assert!(!store.file().exists(), "an empty store leaves no file");
        assert!(Store::new(&dir, Some("vault")).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
