//! The table a generated `cli` module holds: the API's commands as data, built with `const`
//! constructors and setters (as [`OperationInfo`](super::super::dispatch::OperationInfo) is),
//! so a field added later breaks no generated module.

use super::super::operation::Method;

/// The command line of one API: what a generated `cli::API` is.
#[derive(Clone, Copy, Debug)]
pub struct CliApi {
    /// The document's title.
    pub title: &'static str,
    /// The document's version.
    pub version: &'static str,
    /// The document's description, as plain text.
    pub about: &'static str,
    /// The first server URL of the document, if any.
    pub server: Option<&'static str>,
    /// The groups of commands, one per tag.
    pub groups: &'static [CliGroup],
    /// A command per operation, in the spec's order.
    pub operations: &'static [CliOperation],
    /// The security schemes, by name.
    pub schemes: &'static [Scheme],
    /// How a session logs in, if the API says.
    pub login: Option<Login>,
    /// The operation that ends a session (`x-logout`).
    pub logout: Option<&'static str>,
    /// The API revisions the server may speak, oldest first (empty: one).
    pub revisions: &'static [&'static str],
    /// The revision spoken unless told otherwise.
    pub default_revision: Option<&'static str>,
}

impl CliApi {
    /// An API without commands.
    pub const fn new(title: &'static str, version: &'static str) -> Self {
        CliApi {
            title,
            version,
            about: "",
            server: None,
            groups: &[],
            operations: &[],
            schemes: &[],
            login: None,
            logout: None,
            revisions: &[],
            default_revision: None,
        }
    }

    /// With a description.
    pub const fn about(mut self, about: &'static str) -> Self {
        self.about = about;
        self
    }

    /// With a default server URL.
    pub const fn server(mut self, url: &'static str) -> Self {
        self.server = Some(url);
        self
    }

    /// With its groups.
    pub const fn groups(mut self, groups: &'static [CliGroup]) -> Self {
        self.groups = groups;
        self
    }

    /// With its commands.
    pub const fn operations(mut self, operations: &'static [CliOperation]) -> Self {
        self.operations = operations;
        self
    }

    /// With its security schemes.
    pub const fn schemes(mut self, schemes: &'static [Scheme]) -> Self {
        self.schemes = schemes;
        self
    }

    /// With a way to log in.
    pub const fn login(mut self, login: Login) -> Self {
        self.login = Some(login);
        self
    }

    /// With a logout operation.
    pub const fn logout(mut self, operation: &'static str) -> Self {
        self.logout = Some(operation);
        self
    }

    /// With API revisions and the default one.
    pub const fn revisions(mut self, names: &'static [&'static str], default: &'static str) -> Self {
        self.revisions = names;
        self.default_revision = Some(default);
        self
    }

    /// The command of the operation `id`.
    pub fn operation(&self, id: &str) -> Option<&'static CliOperation> {
        self.operations.iter().find(|o| o.id == id)
    }
}

/// A group of commands: the operations of one tag.
#[derive(Clone, Copy, Debug)]
pub struct CliGroup {
    /// The command name (`jobs`).
    pub name: &'static str,
    /// The tag as the spec spells it.
    pub tag: &'static str,
    /// The tag's description.
    pub about: &'static str,
}

impl CliGroup {
    /// A group named `name` for `tag`.
    pub const fn new(name: &'static str, tag: &'static str) -> Self {
        CliGroup { name, tag, about: "" }
    }

    /// With a description.
    pub const fn about(mut self, about: &'static str) -> Self {
        self.about = about;
        self
    }
}

/// One operation as a command.
#[derive(Clone, Copy, Debug)]
pub struct CliOperation {
    /// `operationId`: what `dispatch::call` is given.
    pub id: &'static str,
    /// The command name in its group (`list`).
    pub name: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// The path template.
    pub path: &'static str,
    /// Index of its group in [`CliApi::groups`]; `None`: a command at the top.
    pub group: Option<usize>,
    /// One line for the command list.
    pub about: &'static str,
    /// The whole description, for `--help`.
    pub long_about: &'static str,
    /// Path parameters (positional), then the other parameters (flags).
    pub args: &'static [CliArg],
    /// The request body, if it takes one.
    pub body: Option<CliBody>,
    /// Where a paged answer keeps its items: `--all` lists every page.
    pub paged: Option<Paged>,
    /// How `--wait` follows a long-running answer.
    pub wait: Option<WaitInfo>,
    /// `--name` in place of the first path parameter.
    pub lookup: Option<Lookup>,
    /// Where dispatch's answer keeps the body (dotted path; empty: the answer is the body).
    pub answer: &'static str,
    /// Why the command line cannot call it, if it cannot.
    pub unsupported: Option<&'static str>,
    /// The cargo feature that compiles it in, if any.
    pub feature: Option<&'static str>,
    /// Whether it is compiled in.
    pub enabled: bool,
    /// Marked deprecated in the spec.
    pub deprecated: bool,
}

impl CliOperation {
    /// The command `name` of the operation `id`.
    pub const fn new(id: &'static str, name: &'static str, method: Method, path: &'static str) -> Self {
        CliOperation {
            id,
            name,
            method,
            path,
            group: None,
            about: "",
            long_about: "",
            args: &[],
            body: None,
            paged: None,
            wait: None,
            lookup: None,
            answer: "",
            unsupported: None,
            feature: None,
            enabled: true,
            deprecated: false,
        }
    }

    /// In the group at `index`.
    pub const fn group(mut self, index: usize) -> Self {
        self.group = Some(index);
        self
    }

    /// With a one-line description.
    pub const fn about(mut self, about: &'static str) -> Self {
        self.about = about;
        self
    }

    /// With a whole description.
    pub const fn long_about(mut self, long_about: &'static str) -> Self {
        self.long_about = long_about;
        self
    }

    /// With arguments.
    pub const fn args(mut self, args: &'static [CliArg]) -> Self {
        self.args = args;
        self
    }

    /// With a request body.
    pub const fn body(mut self, body: CliBody) -> Self {
        self.body = Some(body);
        self
    }

    /// Paged.
    pub const fn paged(mut self, paged: Paged) -> Self {
        self.paged = Some(paged);
        self
    }

    /// Long-running.
    pub const fn wait(mut self, wait: WaitInfo) -> Self {
        self.wait = Some(wait);
        self
    }

    /// With a name lookup.
    pub const fn lookup(mut self, lookup: Lookup) -> Self {
        self.lookup = Some(lookup);
        self
    }

    /// With the body at `path` of dispatch's answer (`body` for `{"status", "body"}`).
    pub const fn answer(mut self, path: &'static str) -> Self {
        self.answer = path;
        self
    }

    /// Not callable from the command line, and why.
    pub const fn unsupported(mut self, why: &'static str) -> Self {
        self.unsupported = Some(why);
        self
    }

    /// Compiled in by `feature`, which is on when `enabled`.
    pub const fn feature(mut self, feature: &'static str, enabled: bool) -> Self {
        self.feature = Some(feature);
        self.enabled = enabled;
        self
    }

    /// Deprecated.
    pub const fn deprecated(mut self) -> Self {
        self.deprecated = true;
        self
    }
}

/// Where an argument goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgIn {
    /// A path parameter, given positionally.
    Path,
    /// A query, header or cookie parameter, given as a flag.
    Param,
    /// A property of a simple body, given as a flag.
    Body,
}

/// The kind of value an argument takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgKind {
    /// Any text.
    String,
    /// A secret: the flag names an environment variable that holds it.
    Secret,
    /// A whole number.
    Integer,
    /// A number.
    Number,
    /// `true` or `false` (the flag alone is `true`).
    Boolean,
    /// A UUID.
    Uuid,
    /// An RFC 3339 date-time.
    DateTime,
    /// A date (`2025-01-31`).
    Date,
    /// One of these values.
    Enum(&'static [&'static str]),
    /// A list: the flag repeated, or its values comma-separated.
    Array(&'static ArgKind),
    /// Any JSON value, as JSON text.
    Json,
}

/// One argument of a command.
#[derive(Clone, Copy, Debug)]
pub struct CliArg {
    /// The name on the wire.
    pub wire: &'static str,
    /// The flag without dashes, or a positional's value name.
    pub flag: &'static str,
    /// Where it goes.
    pub location: ArgIn,
    /// Whether it must be given.
    pub required: bool,
    /// The kind of value it takes.
    pub kind: ArgKind,
    /// Its description.
    pub help: &'static str,
}

impl CliArg {
    /// An optional argument.
    pub const fn new(wire: &'static str, flag: &'static str, location: ArgIn, kind: ArgKind) -> Self {
        CliArg { wire, flag, location, required: false, kind, help: "" }
    }

    /// Required.
    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// With a description.
    pub const fn help(mut self, help: &'static str) -> Self {
        self.help = help;
        self
    }
}

/// A request body: `--body FILE|-`, and flags for a simple one.
#[derive(Clone, Copy, Debug)]
pub struct CliBody {
    /// Whether the operation requires one.
    pub required: bool,
    /// A flag per property, when every property is simple.
    pub flags: &'static [CliArg],
    /// Its description.
    pub help: &'static str,
}

impl CliBody {
    /// A body without flags.
    pub const fn new(required: bool) -> Self {
        CliBody { required, flags: &[], help: "" }
    }

    /// With a flag per property.
    pub const fn flags(mut self, flags: &'static [CliArg]) -> Self {
        self.flags = flags;
        self
    }

    /// With a description.
    pub const fn help(mut self, help: &'static str) -> Self {
        self.help = help;
        self
    }
}

/// Where a paged answer keeps its items and total (dotted wire paths).
#[derive(Clone, Copy, Debug)]
pub struct Paged {
    /// The items array.
    pub items: &'static str,
    /// The total count.
    pub total: &'static str,
}

impl Paged {
    /// Items and total at these paths.
    pub const fn new(items: &'static str, total: &'static str) -> Self {
        Paged { items, total }
    }
}

/// How `--wait` follows a long-running answer.
#[derive(Clone, Copy, Debug)]
pub struct WaitInfo {
    /// Which typed wait of the client runs it ([`CliClient::wait`](super::CliClient::wait)).
    pub waiter: usize,
    /// The status operation polled.
    pub status_operation: &'static str,
    /// Each path parameter of the status operation and the answer property that fills it.
    pub parameters: &'static [(&'static str, &'static str)],
    /// The state property.
    pub state: &'static str,
    /// The states that end the work.
    pub terminal: &'static [&'static str],
}

impl WaitInfo {
    /// A wait through the client's typed wait `waiter`.
    pub const fn new(waiter: usize, status_operation: &'static str, state: &'static str) -> Self {
        WaitInfo { waiter, status_operation, parameters: &[], state, terminal: &[] }
    }

    /// With the status operation's parameters.
    pub const fn parameters(mut self, parameters: &'static [(&'static str, &'static str)]) -> Self {
        self.parameters = parameters;
        self
    }

    /// With the states that end the work.
    pub const fn terminal(mut self, terminal: &'static [&'static str]) -> Self {
        self.terminal = terminal;
        self
    }
}

/// `--name NAME` in place of the first path parameter: the list operation, filtered by
/// name, must answer exactly one item of that name.
#[derive(Clone, Copy, Debug)]
pub struct Lookup {
    /// The flag without dashes.
    pub flag: &'static str,
    /// The path parameter it fills.
    pub path_param: &'static str,
    /// The list operation.
    pub list: &'static str,
    /// Its name filter parameter.
    pub filter: &'static str,
    /// Where its answer keeps the items (empty: the answer is the array).
    pub items: &'static str,
    /// The item property compared with the name.
    pub name_property: &'static str,
    /// The item property that holds the id.
    pub id_property: &'static str,
}

impl Lookup {
    /// A lookup through `list`, filtered with `filter`.
    pub const fn new(flag: &'static str, path_param: &'static str, list: &'static str, filter: &'static str) -> Self {
        Lookup { flag, path_param, list, filter, items: "", name_property: "name", id_property: "id" }
    }

    /// Items at this path of the list's answer.
    pub const fn items(mut self, items: &'static str) -> Self {
        self.items = items;
        self
    }

    /// The item properties holding the name and the id.
    pub const fn properties(mut self, name: &'static str, id: &'static str) -> Self {
        self.name_property = name;
        self.id_property = id;
        self
    }
}

/// How a session logs in.
#[derive(Clone, Copy, Debug)]
pub enum Login {
    /// The OAuth2 password grant.
    OAuth2Password {
        /// The security scheme.
        scheme: &'static str,
        /// The token URL.
        token_url: &'static str,
    },
    /// A logon operation called with HTTP Basic credentials, answering a session header.
    SessionLogon {
        /// The logon operation.
        operation: &'static str,
        /// The session header.
        header: &'static str,
    },
}

/// A security scheme.
#[derive(Clone, Copy, Debug)]
pub struct Scheme {
    /// Its name in the spec.
    pub name: &'static str,
    /// What it sends.
    pub kind: SchemeKind,
}

impl Scheme {
    /// The scheme `name`.
    pub const fn new(name: &'static str, kind: SchemeKind) -> Self {
        Scheme { name, kind }
    }
}

/// What a security scheme sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SchemeKind {
    /// `Authorization: Bearer`.
    Bearer,
    /// `Authorization: Basic`.
    Basic,
    /// An API key in this header.
    ApiKeyHeader(&'static str),
    /// An API key in this query parameter.
    ApiKeyQuery(&'static str),
    /// OAuth2 password grant at this token URL.
    OAuth2Password(&'static str),
    /// OAuth2 client-credentials grant at this token URL.
    OAuth2ClientCredentials(&'static str),
    /// A client certificate.
    MutualTls,
}
