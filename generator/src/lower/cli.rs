//! The command line of an API (`Options::cli`): every name a user types and every argument
//! of every command, decided once, here, from the lowered operations.
//!
//! - **Groups.** One per tag, named by the tag's slug (`Users and Roles` → `users-and-roles`),
//!   in the order of each tag's first operation. A slug the runtime's own commands use
//!   (`login`, `help`, …) gets `-api` (`login-api`). Untagged operations are commands at the
//!   top, beside the groups.
//! - **Commands.** The operationId in kebab case, less the words of its tag
//!   (`GetAllCreds` in `Credentials` → `get-all`), with a leading `get-all` read as `list`
//!   (`list`); a tag word matches its singular, and an abbreviation of at least four letters
//!   (`creds` is `credentials`). When nothing is left, the method says it (`get`, `create`,
//!   `update`, `delete`). Operations of a group whose short names collide all keep their whole
//!   operationId instead (`get-all-jobs-states`), and what still collides gets a number, in
//!   spec order: the result depends on the group's operations only.
//! - **Arguments.** Path parameters are positional, in template order; query, header and
//!   cookie parameters are flags named by their wire names in kebab case (`nameFilter` →
//!   `--name-filter`). A flag the runtime defines for itself ([`RESERVED_FLAGS`]) or one taken
//!   already gets a prefix (`--param-output`, `--body-name`), then a number.
//! - **Bodies.** Always `--body FILE|-`; a flag per property as well when the body is an
//!   object whose properties are all scalars, enums or lists of them.
//! - **Secrets** are never typed on a command line: a secret parameter or property is a flag
//!   `--{name}-env VAR` naming the environment variable that holds it.

use heck::ToKebabCase;
use serde_json::Value;

use crate::ir::{
    resolve_alias, Api, Cli, CliArg, CliArgIn, CliBody, CliCommand, CliGroup, CliKind, CliLogin, CliLookup, CliPaged,
    CliWait, Method, Operation, Security, Ty, TypeDef, TypeKind,
};
use crate::naming::Scope;

/// Flags the runtime's command line defines on every command (or on the commands of every
/// paged, long-running or bodied operation): no parameter may take them. The runtime's
/// `cli` module lists the same names (the generator does not depend on the runtime);
/// `cli::naming::the_generator_reserves_the_runtimes_flags` holds the two lists equal.
pub const RESERVED_FLAGS: &[&str] = &[
    "help",
    "version",
    "output",
    "verbose",
    "quiet",
    "url",
    "ca",
    "insecure",
    "api-version",
    "user",
    "password-env",
    "password-stdin",
    "token-env",
    "api-key-env",
    "timeout",
    "retries",
    "body",
    "all",
    "wait",
    "wait-timeout",
    "poll-interval",
    "columns",
    "profile",
    "accept-fingerprint",
];

/// Top-level command names the runtime and the tools built on it keep for themselves.
pub(crate) const RESERVED_COMMANDS: &[&str] =
    &["help", "login", "logout", "completions", "profile", "profiles", "version", "config"];

/// Item properties the name lookup reads.
const NAME_FILTERS: &[&str] = &["nameFilter", "name"];

/// Decides the command line of `api` (its types and operations final). `raw` is the document,
/// for the tags' descriptions.
pub(crate) fn decide(api: &Api, raw: &Value) -> Cli {
    let mut groups: Vec<CliGroup> = Vec::new();
    let mut top = Scope::with_reserved(RESERVED_COMMANDS);
    let group_of: Vec<Option<usize>> = api
        .operations
        .iter()
        .map(|op| {
            let tag = op.tag.as_ref()?;
            if let Some(i) = groups.iter().position(|g| &g.tag == tag) {
                return Some(i);
            }
            let slug = crate::features::slug(tag);
            let want = if RESERVED_COMMANDS.contains(&slug.as_str()) { format!("{slug}-api") } else { slug };
            let (name, _) = top.claim(&want);
            groups.push(CliGroup { name, tag: tag.clone(), about: tag_about(raw, tag) });
            Some(groups.len() - 1)
        })
        .collect();

    // Names within each group (and at the top, for untagged operations).
    let mut names = vec![String::new(); api.operations.len()];
    let mut scopes: Vec<Scope> = (0..groups.len()).map(|_| Scope::with_reserved(&["help"])).collect();
    for g in (0..groups.len()).map(Some).chain([None]) {
        let members: Vec<usize> = (0..api.operations.len()).filter(|&i| group_of[i] == g).collect();
        let tag_words = g.map(|g| words(&groups[g].tag)).unwrap_or_default();
        let short: Vec<String> = members.iter().map(|&i| short_name(&api.operations[i], &tag_words)).collect();
        for (k, &i) in members.iter().enumerate() {
            let unique = short.iter().filter(|s| **s == short[k]).count() == 1;
            let want = if unique { short[k].clone() } else { words(&api.operations[i].id).join("-") };
            let scope = match g {
                Some(g) => &mut scopes[g],
                None => &mut top,
            };
            names[i] = scope.claim(&want).0;
        }
    }

    let commands = api
        .operations
        .iter()
        .enumerate()
        .map(|(i, op)| command(api, i, op, group_of[i], std::mem::take(&mut names[i])))
        .collect();
    Cli { groups, commands, login: login(api), logout: api.operations.iter().position(|o| o.logout) }
}

fn command(api: &Api, i: usize, op: &Operation, group: Option<usize>, name: String) -> CliCommand {
    let types = &api.types;
    let long_about = plain(&help_doc(&op.doc));
    let about = long_about.iter().take_while(|l| !l.is_empty()).cloned().collect::<Vec<_>>().join(" ");
    let mut flags = Scope::with_reserved(RESERVED_FLAGS);
    let mut positional = Scope::default();
    let mut args = Vec::new();
    for p in &op.path_params {
        let (flag, _) = positional.claim(&value_name(&p.wire));
        let kind = kind(types, &p.ty);
        args.push(CliArg {
            wire: p.wire.clone(),
            flag,
            location: CliArgIn::Path,
            required: true,
            kind,
            help: plain(&p.doc),
        });
    }
    for p in &op.params {
        let kind = kind(types, &p.ty);
        let flag = claim_flag(&mut flags, &p.wire, &kind, "param");
        args.push(CliArg {
            wire: p.wire.clone(),
            flag,
            location: CliArgIn::Param,
            required: p.required,
            kind,
            help: plain(&p.doc),
        });
    }
    let body = op.body.as_ref().map(|b| {
        let fields = simple_fields(types, &b.contents[0].ty);
        let flags = fields
            .into_iter()
            .map(|(f, kind)| CliArg {
                wire: f.wire.clone(),
                flag: claim_flag(&mut flags, &f.wire, &kind, "body"),
                location: CliArgIn::Body,
                required: b.required && f.required && !f.read_only,
                kind,
                help: plain(&f.doc),
            })
            .collect();
        CliBody { required: b.required, flags, help: plain(&b.doc) }
    });
    let paged = op.pagination.as_ref().and_then(|pg| {
        let ty = &op.successes.first()?.contents.first()?.ty;
        Some(CliPaged { items: wire_path(types, ty, &pg.items)?, total: wire_path(types, ty, &pg.total)? })
    });
    let wait = api.long_running.iter().position(|l| l.operations.contains(&op.id)).and_then(|n| {
        let l = &api.long_running[n];
        let status = &api.operations[l.status_op];
        let parameters = status
            .path_params
            .iter()
            .zip(&l.args)
            .map(|(p, path)| Some((p.wire.clone(), wire_path(types, &Ty::Named(l.ty), path)?)))
            .collect::<Option<Vec<_>>>()?;
        Some(CliWait {
            long_running: n,
            status_operation: status.id.clone(),
            parameters,
            state: l.fields.state.clone(),
            terminal: l.fields.terminal.clone(),
        })
    });
    let lookup = lookup(api, i, op).filter(|_| !flags.contains("name")).map(|mut l| {
        l.flag = flags.claim("name").0;
        l
    });
    // Several success answers, or one with headers: dispatch answers `{"status", "body", …}`.
    let answer_body = (op.response_enum.is_some() || op.output.is_some()).then(|| "body".to_owned());
    CliCommand { operation: i, group, name, about, long_about, args, body, paged, wait, lookup, answer_body }
}

/// A flag for the wire name `wire`: its kebab case, else `{prefix}-{kebab}`, else numbered.
/// A secret's flag names the environment variable that holds it.
fn claim_flag(scope: &mut Scope, wire: &str, kind: &CliKind, prefix: &str) -> String {
    let base = flag_name(wire);
    let base = if *kind == CliKind::Secret { format!("{base}-env") } else { base };
    if !scope.contains(&base) {
        return scope.claim(&base).0;
    }
    scope.claim(&format!("{prefix}-{base}")).0
}

/// The short name of an operation in a group whose tag has the words `tag_words`.
fn short_name(op: &Operation, tag_words: &[String]) -> String {
    let all = words(&op.id);
    let mut kept: Vec<String> = all.iter().filter(|w| !tag_words.iter().any(|t| same_word(w, t))).cloned().collect();
    if kept.len() >= 2 && kept[0] == "get" && kept[1] == "all" {
        kept.splice(0..2, ["list".to_owned()]);
    }
    if kept.is_empty() {
        let takes_id = op.path.trim_end_matches('/').ends_with('}');
        kept.push(
            match op.method {
                Method::Get if op.pagination.is_some() || !takes_id => "list",
                Method::Get => "get",
                Method::Post => "create",
                Method::Put | Method::Patch => "update",
                Method::Delete => "delete",
                other => return other.as_str().to_ascii_lowercase(),
            }
            .to_owned(),
        );
    }
    kept.join("-")
}

/// The lower-case words of a name (`GetAllCreds` → `get`, `all`, `creds`).
fn words(name: &str) -> Vec<String> {
    let spaced: String = name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' }).collect();
    let kebab = spaced.to_kebab_case();
    let out: Vec<String> = kebab.split('-').filter(|w| !w.is_empty()).map(str::to_owned).collect();
    if out.is_empty() {
        vec!["operation".to_owned()]
    } else {
        out
    }
}

/// Whether an operationId's word stands for a tag's word: the same in the singular, or an
/// abbreviation of it of at least four letters (`creds` for `credentials`).
fn same_word(word: &str, tag_word: &str) -> bool {
    let (w, t) = (singular(word), singular(tag_word));
    w == t || (w.len() >= 4 && t.starts_with(w))
}

fn singular(word: &str) -> &str {
    if word.len() > 4 && word.ends_with("ies") {
        // `repositories` and `repository` share `repositor`.
        &word[..word.len() - 3]
    } else if word.ends_with("sses") {
        &word[..word.len() - 2]
    } else if (word.len() > 3 && word.ends_with('s') && !word.ends_with("ss"))
        || (word.len() > 4 && word.ends_with('y'))
    {
        // `jobs` → `job`; `repository` → `repositor`, as its plural gives.
        &word[..word.len() - 1]
    } else {
        word
    }
}

/// A flag name for a wire name: its words in kebab case (`nameFilter` → `name-filter`).
fn flag_name(wire: &str) -> String {
    let name = words(wire).join("-");
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("n{name}")
    } else {
        name
    }
}

/// A positional argument's value name (`backupServerId` → `BACKUP_SERVER_ID`).
fn value_name(wire: &str) -> String {
    words(wire).join("_").to_ascii_uppercase()
}

/// The kind of value a parameter or property of type `ty` takes on the command line.
fn kind(types: &[TypeDef], ty: &Ty) -> CliKind {
    match resolve_alias(types, ty) {
        Ty::String => CliKind::String,
        Ty::Secret => CliKind::Secret,
        Ty::Bool => CliKind::Boolean,
        Ty::I32 | Ty::I64 => CliKind::Integer,
        Ty::F32 | Ty::F64 => CliKind::Number,
        Ty::Uuid => CliKind::Uuid,
        Ty::DateTime => CliKind::DateTime,
        Ty::Date => CliKind::Date,
        Ty::Nullable(inner) | Ty::Boxed(inner) => kind(types, inner),
        Ty::Vec(item) => match kind(types, item) {
            CliKind::Json | CliKind::Array(_) | CliKind::Secret => CliKind::Json,
            k => CliKind::Array(Box::new(k)),
        },
        Ty::Named(id) => match &types[id.0].kind {
            // A string enum: its wire values (the catch-all lets the server's others through).
            TypeKind::Enum { variants, .. } => CliKind::Enum(variants.iter().map(|v| v.wire.clone()).collect()),
            TypeKind::Newtype(inner) => kind(types, inner),
            _ => CliKind::Json,
        },
        Ty::Json | Ty::Map(_) | Ty::Tuple(_) | Ty::Bytes => CliKind::Json,
    }
}

/// The properties of a body that can each be a flag, with their kinds: every writable
/// property of an object whose properties are all scalars, enums or lists of them; none
/// for any other body.
fn simple_fields<'t>(types: &'t [TypeDef], ty: &Ty) -> Vec<(&'t crate::ir::Field, CliKind)> {
    let Ty::Named(id) = resolve_alias(types, ty) else { return Vec::new() };
    let TypeKind::Struct(fields) = &types[id.0].kind else { return Vec::new() };
    let out: Vec<_> = fields.iter().filter(|f| !f.read_only).map(|f| (f, kind(types, &f.ty))).collect();
    if out.iter().any(|(_, k)| *k == CliKind::Json) {
        return Vec::new();
    }
    out
}

/// A path of Rust field names from `ty` as dotted wire names.
fn wire_path(types: &[TypeDef], ty: &Ty, rust: &[String]) -> Option<String> {
    let mut current = ty.clone();
    let mut out = Vec::new();
    for seg in rust {
        let Ty::Named(id) = unwrapped(types, &current) else { return None };
        let TypeKind::Struct(fields) = &types[id.0].kind else { return None };
        let f = fields.iter().find(|f| &f.name == seg)?;
        out.push(f.wire.clone());
        current = f.ty.clone();
    }
    Some(out.join("."))
}

/// `ty` without aliases, options and boxes.
fn unwrapped(types: &[TypeDef], ty: &Ty) -> Ty {
    let mut current = ty.clone();
    for _ in 0..64 {
        current = match resolve_alias(types, &current).clone() {
            Ty::Nullable(inner) | Ty::Boxed(inner) => *inner,
            other => return other,
        };
    }
    current
}

/// `--name` for an operation whose one path parameter is the id of a resource that a
/// list operation at the path before it can filter by name, answering items with `id` and
/// `name` (`/api/v1/jobs/{id}/start` and `GET /api/v1/jobs?nameFilter=`). The flag is
/// claimed by the caller.
fn lookup(api: &Api, i: usize, op: &Operation) -> Option<CliLookup> {
    let types = &api.types;
    // One path parameter only: a positional left optional before a required one is no
    // command line.
    let [p] = op.path_params.as_slice() else { return None };
    let id_kind = kind(types, &p.ty);
    if !matches!(id_kind, CliKind::Uuid | CliKind::String) {
        return None;
    }
    let prefix = op.path.split(&format!("{{{}}}", p.wire)).next()?.trim_end_matches('/');
    let (list, l) = api.operations.iter().enumerate().find(|(j, l)| {
        *j != i && l.method == Method::Get && l.path_params.is_empty() && l.path.trim_end_matches('/') == prefix
    })?;
    let filter = NAME_FILTERS.iter().find_map(|f| l.params.iter().find(|q| q.wire == *f && !q.required))?;
    let answer = &l.successes.first()?.contents.first()?.ty;
    let (items, item_ty) = match &l.pagination {
        Some(pg) => (wire_path(types, answer, &pg.items)?, pg.item_ty.clone()),
        None => match unwrapped(types, answer) {
            Ty::Vec(item) => (String::new(), *item),
            _ => return None,
        },
    };
    let has = |wire: &str, want: Option<&CliKind>| item_has(types, &item_ty, wire, want);
    (has("name", Some(&CliKind::String)) && has("id", Some(&id_kind))).then(|| CliLookup {
        flag: String::new(),
        path_param: p.wire.clone(),
        list,
        filter: filter.wire.clone(),
        items,
        name_property: "name".to_owned(),
        id_property: "id".to_owned(),
    })
}

/// Whether every value of `ty` (a struct, or a union of structs) has a required property
/// `wire` of the kind `want`.
fn item_has(types: &[TypeDef], ty: &Ty, wire: &str, want: Option<&CliKind>) -> bool {
    let Ty::Named(id) = unwrapped(types, ty) else { return false };
    match &types[id.0].kind {
        TypeKind::Struct(fields) => fields
            .iter()
            .find(|f| f.wire == wire)
            .is_some_and(|f| f.required && want.is_none_or(|k| kind(types, &f.ty) == *k)),
        TypeKind::Union(u) => !u.variants.is_empty() && u.variants.iter().all(|v| item_has(types, &v.ty, wire, want)),
        _ => false,
    }
}

/// How a session logs in: the first OAuth2 password scheme, else the first logon operation.
fn login(api: &Api) -> Option<CliLogin> {
    let oauth = api.security.iter().find_map(|(scheme, s)| match s {
        Security::OAuth2Password { token_url, .. } => {
            Some(CliLogin::OAuth2Password { scheme: scheme.clone(), token_url: token_url.clone() })
        }
        _ => None,
    });
    oauth.or_else(|| {
        let (operation, op) = api.operations.iter().enumerate().find(|(_, o)| o.session_header.is_some())?;
        Some(CliLogin::SessionLogon { operation, header: op.session_header.clone()? })
    })
}

/// A tag's description from the document's `tags` list, as plain text.
fn tag_about(raw: &Value, tag: &str) -> Vec<String> {
    let description = raw
        .get("tags")
        .and_then(Value::as_array)
        .and_then(|tags| tags.iter().find(|t| t.get("name").and_then(Value::as_str) == Some(tag)))
        .and_then(|t| t.get("description"))
        .and_then(Value::as_str);
    description.map(|d| plain(&crate::docs::doc_lines(d))).unwrap_or_default()
}

/// An operation's doc lines less what speaks of the Rust API: the note on its status type's
/// `wait` (the command says how `--wait` follows it), and the Rust error a revision the
/// client does not speak gives.
fn help_doc(doc: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(doc.len());
    for line in doc {
        if line.starts_with("Long-running: the answer describes work") {
            while out.last().is_some_and(String::is_empty) {
                out.pop();
            }
            continue;
        }
        match line.strip_prefix("API revisions: ").and_then(|rest| rest.split_once(". A client that speaks another")) {
            Some((revisions, _)) => out.push(format!("API revisions: {revisions}.")),
            None => out.push(line.clone()),
        }
    }
    out
}

/// Doc lines (Markdown for rustdoc) as plain text for a terminal: brackets unescaped and
/// URLs unwrapped.
fn plain(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .map(|l| {
            let mut out = String::with_capacity(l.len());
            let mut chars = l.chars().peekable();
            while let Some(c) = chars.next() {
                match c {
                    '\\' if chars.peek().is_some_and(|n| matches!(n, '[' | ']' | '<' | '>')) => {
                        out.extend(chars.next());
                    }
                    '<' if chars.clone().take(8).collect::<String>().starts_with("http") => {
                        let url: String = chars.by_ref().take_while(|&c| c != '>').collect();
                        out.push_str(&url);
                    }
                    _ => out.push(c),
                }
            }
            out
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(id: &str, method: Method, path: &str) -> Operation {
        Operation { id: id.to_owned(), method, path: path.to_owned(), ..template() }
    }

    /// An operation with nothing but what naming reads.
    fn template() -> Operation {
        let yaml = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n      operationId: X\n      responses: {'204': {description: ok}}\n";
        let doc = crate::load::Document::parse("t.yaml", yaml).unwrap();
        let (api, _) = crate::lower::lower(&doc, &crate::Options::default());
        api.operations.into_iter().next().unwrap()
    }

    #[test]
    fn short_names_drop_the_tag_and_read_get_all_as_list() {
        let cases: &[(&str, &str, Method, &str, &str)] = &[
            // (tag, operationId, method, path, command)
            ("Credentials", "GetAllCreds", Method::Get, "/creds", "list"),
            ("Credentials", "GetCreds", Method::Get, "/creds/{id}", "get"),
            ("Credentials", "CreateCreds", Method::Post, "/creds", "create"),
            ("Credentials", "GetAllCloudCreds", Method::Get, "/cloud", "list-cloud"),
            ("Jobs", "StartJob", Method::Post, "/jobs/{id}/start", "start"),
            ("Jobs", "GetAllJobsStates", Method::Get, "/jobs/states", "list-states"),
            ("Jobs", "GetJob", Method::Get, "/jobs/{id}", "get"),
            ("Repositories", "GetAllRepositories", Method::Get, "/r", "list"),
            ("Repositories", "RescanRepository", Method::Post, "/r/rescan", "rescan"),
            ("Backup Objects", "GetBackupObjectRestorePoints", Method::Get, "/b/{id}/rp", "get-restore-points"),
            ("Login", "Logout", Method::Post, "/logout", "logout"),
            ("Login", "CreateToken", Method::Post, "/token", "create-token"),
            ("Sessions", "GetSession", Method::Get, "/s/{id}", "get"),
            ("Pets", "pets", Method::Get, "/pets", "list"),
            ("Pets", "pets", Method::Get, "/pets/{id}", "get"),
            ("Pets", "deletePet", Method::Delete, "/pets/{id}", "delete"),
            ("pets", "listPets", Method::Get, "/pets", "list"),
            ("Configuration Backup", "StartConfigBackup", Method::Post, "/c", "start"),
        ];
        for (tag, id, method, path, want) in cases {
            let got = short_name(&op(id, *method, path), &words(tag));
            assert_eq!(&got, want, "{tag} / {id}");
        }
    }

    #[test]
    fn words_and_flags_follow_the_wire_names() {
        assert_eq!(words("GetAllCreds"), ["get", "all", "creds"]);
        assert_eq!(words("applyAgentPolicyConfiguration"), ["apply", "agent", "policy", "configuration"]);
        assert_eq!(words("High Availability (HA) Cluster"), ["high", "availability", "ha", "cluster"]);
        assert_eq!(flag_name("nameFilter"), "name-filter");
        assert_eq!(flag_name("SSHPort"), "ssh-port");
        assert_eq!(flag_name("$top"), "top");
        assert_eq!(flag_name("x-api-version"), "x-api-version");
        assert_eq!(flag_name("2fa"), "n2fa");
        assert_eq!(value_name("backupServerId"), "BACKUP_SERVER_ID");
        assert!(same_word("creds", "credentials"));
        assert!(same_word("repository", "repositories"));
        assert!(!same_word("server", "services"));
    }

    #[test]
    fn a_reserved_or_taken_flag_gets_a_prefix_then_a_number() {
        let mut scope = Scope::with_reserved(RESERVED_FLAGS);
        assert_eq!(claim_flag(&mut scope, "limit", &CliKind::Integer, "param"), "limit");
        assert_eq!(claim_flag(&mut scope, "output", &CliKind::String, "param"), "param-output");
        assert_eq!(claim_flag(&mut scope, "Limit", &CliKind::Integer, "body"), "body-limit");
        assert_eq!(claim_flag(&mut scope, "limit", &CliKind::Integer, "body"), "body-limit2");
        assert_eq!(claim_flag(&mut scope, "apiSecret", &CliKind::Secret, "body"), "api-secret-env");
        // The runtime's own `--password-env` is taken.
        assert_eq!(claim_flag(&mut scope, "password", &CliKind::Secret, "body"), "body-password-env");
    }

    #[test]
    fn plain_text_unescapes_rustdoc() {
        let lines = vec![r"See \[docs\] at <https://example.com/a> and \<b\>.".to_owned()];
        assert_eq!(plain(&lines), ["See [docs] at https://example.com/a and <b>."]);
    }
}
