//! The runtime's dependencies, read from `generator/runtime/Cargo.toml`.
//!
//! That manifest's `[dependencies]` is the one list: a standalone crate (`cargo xtask
//! generate`) copies the runtime and so needs exactly what it needs, and the
//! compiled fixtures (`tests/it/compile_fixtures.rs`) depend on the same crates. Entries that
//! say `workspace = true` are resolved against `[workspace.dependencies]` of the workspace
//! manifest, as cargo does, so the lists carry versions and features and build outside the
//! workspace.
//!
//! Both manifests are compiled in, so xtask is rebuilt when either changes. The reader handles
//! the TOML these manifests use (one-line entries: a version string, an inline table of
//! `version`, `default-features`, `features`, `workspace`) and refuses anything else by name
//! and line, rather than guessing; a full TOML parser would be one more dependency for xtask.

use anyhow::{bail, Context, Result};

const RUNTIME_MANIFEST: (&str, &str) =
    ("generator/runtime/Cargo.toml", include_str!("../../generator/runtime/Cargo.toml"));
const WORKSPACE_MANIFEST: (&str, &str) = ("Cargo.toml", include_str!("../../Cargo.toml"));

/// One dependency of the runtime, with the workspace's settings filled in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dependency {
    /// The crate name.
    pub name: String,
    /// The version requirement, as written (`"0.12"`).
    pub version: String,
    /// Whether the crate's default features are on.
    pub default_features: bool,
    /// Features turned on, the workspace's first and then the client's own additions.
    pub features: Vec<String>,
    /// Only built when a feature of the client asks for it (`mock` turns on `axum`).
    pub optional: bool,
}

impl Dependency {
    /// The dependency as one manifest line, e.g. `bytes = "1"` or
    /// `uuid = { version = "1", features = ["serde"] }`.
    pub fn to_toml(&self) -> String {
        if self.default_features && self.features.is_empty() && !self.optional {
            return format!("{} = {}", self.name, quote(&self.version));
        }
        let mut parts = vec![format!("version = {}", quote(&self.version))];
        if !self.default_features {
            parts.push("default-features = false".to_owned());
        }
        if !self.features.is_empty() {
            let features: Vec<String> = self.features.iter().map(|f| quote(f)).collect();
            parts.push(format!("features = [{}]", features.join(", ")));
        }
        if self.optional {
            parts.push("optional = true".to_owned());
        }
        format!("{} = {{ {} }}", self.name, parts.join(", "))
    }
}

/// The runtime's dependencies: `[dependencies]` of `generator/runtime/Cargo.toml`, in its order,
/// workspace entries resolved.
pub fn runtime_dependencies() -> Result<Vec<Dependency>> {
    resolve(RUNTIME_MANIFEST, WORKSPACE_MANIFEST)
}

/// [`runtime_dependencies`] as the lines of a `[dependencies]` section, each ending in a newline.
pub fn runtime_dependencies_toml() -> Result<String> {
    Ok(runtime_dependencies()?.iter().map(|d| d.to_toml() + "\n").collect())
}

/// The runtime's cargo features (`[features]` of `generator/runtime/Cargo.toml`, e.g.
/// `mock = ["dep:axum"]`) as manifest lines, each ending in a newline: a standalone crate
/// carries the runtime, so it offers the same features.
pub fn runtime_features_toml() -> Result<String> {
    Ok(section(RUNTIME_MANIFEST, "features")?.into_iter().map(|e| format!("{} = {}\n", e.name, e.value)).collect())
}

/// `[dependencies]` of `member`, with `workspace = true` entries taken from
/// `[workspace.dependencies]` of `workspace`. Each manifest is `(name for messages, text)`.
fn resolve(member: (&str, &str), workspace: (&str, &str)) -> Result<Vec<Dependency>> {
    let inherited = section(workspace, "workspace.dependencies")?;
    let mut out = Vec::new();
    for entry in section(member, "dependencies")? {
        let Entry { name, value, line } = entry;
        let at = || format!("{}:{line}: dependency `{name}`", member.0);
        let table = match value {
            Value::Str(version) => vec![("version".to_owned(), Value::Str(version))],
            Value::Table(table) => table,
            other => bail!("{}: expected a version string or an inline table, found `{other}`", at()),
        };
        let mut dep = Dependency {
            name: name.clone(),
            version: String::new(),
            default_features: true,
            features: vec![],
            optional: false,
        };
        let mut own_features = Vec::new();
        let mut from_workspace = false;
        for (key, value) in table {
            match (key.as_str(), value) {
                ("workspace", Value::Bool(true)) => from_workspace = true,
                ("version", Value::Str(v)) => dep.version = v,
                ("default-features" | "default_features", Value::Bool(b)) => dep.default_features = b,
                ("features", Value::Array(features)) => own_features = features,
                ("optional", Value::Bool(b)) => dep.optional = b,
                (key, value) => bail!(
                    "{}: `{key} = {value}` is not supported here (a standalone crate needs a registry \
                     version; see xtask/src/manifest.rs)",
                    at()
                ),
            }
        }
        if from_workspace {
            if !dep.version.is_empty() {
                bail!("{}: `workspace = true` together with `version`", at());
            }
            let Some(base) = inherited.iter().find(|e| e.name == name) else {
                bail!(
                    "{}: `workspace = true`, but {} has no such entry in [workspace.dependencies]",
                    at(),
                    workspace.0
                );
            };
            let base = resolve_entry(workspace.0, base)?;
            dep.version = base.version;
            dep.default_features = base.default_features;
            dep.features = base.features;
        }
        if dep.version.is_empty() {
            bail!("{}: no version", at());
        }
        for f in own_features {
            if !dep.features.contains(&f) {
                dep.features.push(f);
            }
        }
        out.push(dep);
    }
    Ok(out)
}

/// A `[workspace.dependencies]` entry as a [`Dependency`].
fn resolve_entry(file: &str, entry: &Entry) -> Result<Dependency> {
    let at = || format!("{file}:{}: workspace dependency `{}`", entry.line, entry.name);
    let mut dep = Dependency {
        name: entry.name.clone(),
        version: String::new(),
        default_features: true,
        features: vec![],
        optional: false,
    };
    match &entry.value {
        Value::Str(version) => dep.version = version.clone(),
        Value::Table(table) => {
            for (key, value) in table {
                match (key.as_str(), value) {
                    ("version", Value::Str(v)) => dep.version = v.clone(),
                    ("default-features" | "default_features", Value::Bool(b)) => dep.default_features = *b,
                    ("features", Value::Array(features)) => dep.features = features.clone(),
                    (key, value) => bail!("{}: `{key} = {value}` is not supported here", at()),
                }
            }
        }
        other => bail!("{}: expected a version string or an inline table, found `{other}`", at()),
    }
    if dep.version.is_empty() {
        bail!("{}: no version", at());
    }
    Ok(dep)
}

/// One `name = value` line of a section. `name.workspace = true` is read as
/// `name = { workspace = true }`.
#[derive(Debug)]
struct Entry {
    name: String,
    value: Value,
    line: usize,
}

#[derive(Clone, Debug, PartialEq)]
enum Value {
    Str(String),
    Bool(bool),
    Array(Vec<String>),
    Table(Vec<(String, Value)>),
}

/// The entries of `[wanted]` in a manifest. Other sections are skipped, except forms of a
/// dependency list this reader cannot follow (`[dependencies.name]` tables, target-specific
/// dependencies), which are refused so that no dependency is silently left out.
fn section((file, text): (&str, &str), wanted: &str) -> Result<Vec<Entry>> {
    let mut current = String::new();
    let mut seen = false;
    let mut entries = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = strip_comment(raw).trim();
        if line.is_empty() {
            continue;
        }
        if let Some(header) = line.strip_prefix('[') {
            let header = header.strip_suffix(']').with_context(|| format!("{file}:{line_no}: unreadable header"))?;
            current = header.trim().to_owned();
            if current.starts_with(&format!("{wanted}."))
                || (wanted == "dependencies" && current.starts_with("target.") && current.ends_with(".dependencies"))
            {
                bail!("{file}:{line_no}: `[{current}]` is not supported; write the dependency on one line under [{wanted}]");
            }
            seen |= current == wanted;
            continue;
        }
        if current != wanted {
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .with_context(|| format!("{file}:{line_no}: expected `name = value`, found `{line}`"))?;
        let key = key.trim();
        let value = parse_value(value.trim()).with_context(|| format!("{file}:{line_no}: `{line}`"))?;
        let (name, value) = match key.split_once('.') {
            Some((name, "workspace")) => (name.trim(), Value::Table(vec![("workspace".to_owned(), value)])),
            Some(_) => bail!("{file}:{line_no}: dotted key `{key}` is not supported"),
            None => (key, value),
        };
        if entries.iter().any(|e: &Entry| e.name == name) {
            bail!("{file}:{line_no}: `{name}` is listed twice");
        }
        entries.push(Entry { name: name.to_owned(), value, line: line_no });
    }
    if !seen {
        bail!("{file}: no [{wanted}] section");
    }
    Ok(entries)
}

/// The line without a `#` comment (a `#` inside a string stays).
fn strip_comment(line: &str) -> &str {
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '#' if !in_string => return &line[..i],
            _ => {}
        }
    }
    line
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Str(s) => f.write_str(&quote(s)),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Array(items) => write!(f, "[{}]", items.iter().map(|i| quote(i)).collect::<Vec<_>>().join(", ")),
            Value::Table(table) => {
                let parts: Vec<String> = table.iter().map(|(k, v)| format!("{k} = {v}")).collect();
                write!(f, "{{ {} }}", parts.join(", "))
            }
        }
    }
}

fn parse_value(text: &str) -> Result<Value> {
    let mut p = Parser { rest: text };
    let value = p.value()?;
    p.skip_space();
    if !p.rest.is_empty() {
        bail!("unexpected `{}` after the value (values must fit on one line)", p.rest);
    }
    Ok(value)
}

struct Parser<'a> {
    rest: &'a str,
}

impl Parser<'_> {
    fn skip_space(&mut self) {
        self.rest = self.rest.trim_start();
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_space();
        match self.rest.strip_prefix(c) {
            Some(rest) => {
                self.rest = rest;
                true
            }
            None => false,
        }
    }

    fn value(&mut self) -> Result<Value> {
        self.skip_space();
        if self.rest.starts_with('"') {
            return Ok(Value::Str(self.string()?));
        }
        for (word, b) in [("true", true), ("false", false)] {
            if let Some(rest) = self.rest.strip_prefix(word) {
                self.rest = rest;
                return Ok(Value::Bool(b));
            }
        }
        if self.eat('[') {
            let mut items = Vec::new();
            while !self.eat(']') {
                self.skip_space();
                if !self.rest.starts_with('"') {
                    bail!("arrays must hold strings and end on the same line");
                }
                items.push(self.string()?);
                if !self.eat(',') && !self.rest.trim_start().starts_with(']') {
                    bail!("expected `,` or `]` in an array");
                }
            }
            return Ok(Value::Array(items));
        }
        if self.eat('{') {
            let mut table = Vec::new();
            while !self.eat('}') {
                self.skip_space();
                let end = self.rest.find(['=', '}']).context("expected `key = value` in an inline table")?;
                let key = self.rest[..end].trim().to_owned();
                if key.is_empty() || !self.rest[end..].starts_with('=') {
                    bail!("expected `key = value` in an inline table");
                }
                self.rest = &self.rest[end + 1..];
                table.push((key, self.value()?));
                if !self.eat(',') && !self.rest.trim_start().starts_with('}') {
                    bail!("expected `,` or `}}` in an inline table");
                }
            }
            return Ok(Value::Table(table));
        }
        bail!("expected a string, a boolean, an array or an inline table, found `{}`", self.rest)
    }

    /// A basic string (`"…"`) with the escapes a manifest may use.
    fn string(&mut self) -> Result<String> {
        let mut chars = self.rest.char_indices().skip(1);
        let mut out = String::new();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.rest = &self.rest[i + 1..];
                    return Ok(out);
                }
                '\\' => match chars.next().map(|(_, c)| c) {
                    Some('"') => out.push('"'),
                    Some('\\') => out.push('\\'),
                    other => bail!("unsupported escape `\\{}` in a string", other.unwrap_or(' ')),
                },
                c => out.push(c),
            }
        }
        bail!("unterminated string")
    }
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::collections::BTreeSet;
    use std::process::Command;

    fn dep(name: &str, version: &str, default_features: bool, features: &[&str]) -> Dependency {
        Dependency {
            name: name.to_owned(),
            version: version.to_owned(),
            default_features,
            features: features.iter().map(|f| (*f).to_owned()).collect(),
            optional: false,
        }
    }

    /// The list equals the client's dependencies as cargo itself resolves them
    /// (`cargo metadata`, which applies workspace inheritance), so the reader cannot drift
    /// from cargo unnoticed.
    #[test]
    fn the_runtime_dependencies_are_the_clients_as_cargo_resolves_them() {
        let root = crate::workspace_root();
        let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .current_dir(&root)
            .args(["metadata", "--no-deps", "--offline", "--format-version", "1"])
            .output()
            .expect("running cargo metadata");
        assert!(output.status.success(), "cargo metadata failed: {}", String::from_utf8_lossy(&output.stderr));
        let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let client = metadata["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "openapi-client-runtime")
            .expect("the workspace has openapi-client-runtime");
        type Resolved = (String, String, bool, BTreeSet<String>, bool);
        let from_cargo: Vec<Resolved> = client["dependencies"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["kind"].is_null())
            .map(|d| {
                assert!(d["target"].is_null() && d["rename"].is_null(), "{d}");
                (
                    d["name"].as_str().unwrap().to_owned(),
                    d["req"].as_str().unwrap().to_owned(),
                    d["uses_default_features"].as_bool().unwrap(),
                    d["features"].as_array().unwrap().iter().map(|f| f.as_str().unwrap().to_owned()).collect(),
                    d["optional"].as_bool().unwrap(),
                )
            })
            .collect();
        let ours: Vec<Resolved> = runtime_dependencies()
            .unwrap()
            .into_iter()
            .map(|d| {
                // Cargo reports a bare version `0.12` as the requirement `^0.12`.
                let req = if d.version.starts_with(|c: char| c.is_ascii_digit()) {
                    format!("^{}", d.version)
                } else {
                    d.version
                };
                (d.name, req, d.default_features, d.features.into_iter().collect(), d.optional)
            })
            .collect();
        let sorted = |mut v: Vec<Resolved>| {
            v.sort();
            v
        };
        assert_eq!(sorted(ours), sorted(from_cargo));
    }

    #[test]
    fn the_lines_read_back_as_the_same_dependencies() {
        let deps = runtime_dependencies().unwrap();
        assert!(deps.iter().any(|d| d.name == "reqwest" && !d.default_features), "{deps:?}");
        let manifest = format!("[dependencies]\n{}", runtime_dependencies_toml().unwrap());
        assert_eq!(resolve(("generated", &manifest), ("none", "[workspace.dependencies]\n")).unwrap(), deps);
    }

    #[test]
    fn workspace_entries_are_resolved_and_features_added() {
        let workspace = r#"
[workspace.dependencies]
serde = { version = "1", features = ["derive"] } # a comment
tokio = { version = "1", default-features = false, features = ["rt"] }
"#;
        let member = r##"
[package]
name = "x # not a comment"

[dependencies]
serde.workspace = true
tokio = { workspace = true, features = ["time", "rt"] }
bytes = "1"
quick-xml = { version = "0.37", default-features = false }

[dev-dependencies]
axum = { path = "../elsewhere" }
"##;
        assert_eq!(
            resolve(("member", member), ("workspace", workspace)).unwrap(),
            [
                dep("serde", "1", true, &["derive"]),
                dep("tokio", "1", false, &["rt", "time"]),
                dep("bytes", "1", true, &[]),
                dep("quick-xml", "0.37", false, &[]),
            ]
        );
    }

    #[test]
    fn what_a_standalone_crate_cannot_use_is_refused_by_line() {
        let workspace = "[workspace.dependencies]\n";
        for (member, want) in [
            ("[dependencies]\nfoo = { path = \"../foo\" }\n", "member:2: dependency `foo`: `path"),
            ("[dependencies]\nfoo.workspace = true\n", "member:2: dependency `foo`: `workspace = true`, but"),
            ("[dependencies]\nfoo = [\n  \"a\",\n]\n", "member:2: `foo = [`"),
            ("[dependencies.foo]\nversion = \"1\"\n", "member:1: `[dependencies.foo]` is not supported"),
            ("[target.'cfg(unix)'.dependencies]\nfoo = \"1\"\n", "is not supported"),
            ("[dependencies]\nfoo = \"1\"\nfoo = \"2\"\n", "member:3: `foo` is listed twice"),
            ("[package]\n", "member: no [dependencies] section"),
        ] {
            let err = format!("{:#}", resolve(("member", member), ("workspace", workspace)).unwrap_err());
            assert!(err.contains(want), "{member:?}: `{want}` not in `{err}`");
        }
    }
}
