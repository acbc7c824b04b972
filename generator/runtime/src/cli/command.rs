//! The table as clap commands, built at run time, and a command's matches read back into
//! dispatch's JSON input (`{"path": {…}, "params": {…}, "body": …}`).

use clap::builder::PossibleValuesParser;
use clap::{Arg, ArgAction, ArgMatches, Command};
use serde_json::{Map, Value};

use super::exit::CliError;
use super::table::{ArgIn, ArgKind, CliApi, CliArg, CliOperation};
use super::Io;

/// Flags every operation command may have besides its parameters.
pub(crate) const BODY: &str = "body";
pub(crate) const ALL: &str = "all";
pub(crate) const WAIT: &str = "wait";
pub(crate) const WAIT_TIMEOUT: &str = "wait-timeout";
pub(crate) const COLUMNS: &str = "columns";
pub(crate) const POLL_INTERVAL: &str = "poll-interval";
pub(crate) const LOOKUP: &str = "lookup";

/// The clap id of the `i`th argument of an operation (ids never clash with flags).
fn arg_id(i: usize) -> String {
    format!("arg{i}")
}

fn body_id(i: usize) -> String {
    format!("body{i}")
}

/// The commands of an API: a group per tag holding its commands, and the untagged
/// operations' commands beside the groups.
pub fn api_subcommands(api: &'static CliApi) -> Vec<Command> {
    let mut out: Vec<Command> = api
        .groups
        .iter()
        .enumerate()
        .map(|(g, group)| {
            let long_about = match group.about {
                "" => group.tag.to_owned(),
                about => format!("{}: {about}", group.tag),
            };
            Command::new(group.name)
                .about(group.tag)
                .long_about(long_about)
                .subcommand_required(true)
                .arg_required_else_help(true)
                .subcommands(api.operations.iter().filter(|o| o.group == Some(g)).map(operation_command))
        })
        .collect();
    out.extend(api.operations.iter().filter(|o| o.group.is_none()).map(operation_command));
    out
}

/// The operation a command line names (`jobs start`), and the matches of its command.
pub fn find_operation<'m>(
    api: &'static CliApi,
    matches: &'m ArgMatches,
) -> Option<(&'static CliOperation, &'m ArgMatches)> {
    let (name, sub) = matches.subcommand()?;
    if let Some(g) = api.groups.iter().position(|g| g.name == name) {
        let (verb, op_matches) = sub.subcommand()?;
        let op = api.operations.iter().find(|o| o.group == Some(g) && o.name == verb)?;
        return Some((op, op_matches));
    }
    let op = api.operations.iter().find(|o| o.group.is_none() && o.name == name)?;
    Some((op, sub))
}

fn first_paragraph(text: &str) -> String {
    text.split("\n\n").next().unwrap_or("").replace('\n', " ")
}

/// One operation's command.
pub fn operation_command(op: &'static CliOperation) -> Command {
    let mut about = op.about.to_owned();
    if op.deprecated {
        about = format!("(deprecated) {about}");
    }
    if let Some(why) = op.unsupported {
        about = format!("{about} (not available here: {why})");
    }
    if let (false, Some(feature)) = (op.enabled, op.feature) {
        about = format!("{about} (compiled out: cargo feature `{feature}`)");
    }
    let mut after = format!("Operation: {} ({} {})", op.id, op.method.as_str(), op.path);
    let mut cmd = Command::new(op.name).about(about).long_about(op.long_about.to_owned());
    for (i, a) in op.args.iter().enumerate() {
        let mut arg = argument(a, arg_id(i));
        if a.location == ArgIn::Path && op.lookup.is_some_and(|l| l.path_param == a.wire) {
            arg = arg.required(false).required_unless_present(LOOKUP).conflicts_with(LOOKUP);
        }
        cmd = cmd.arg(arg);
    }
    if let Some(lookup) = op.lookup {
        cmd = cmd.arg(
            Arg::new(LOOKUP)
                .long(lookup.flag)
                .value_name("NAME")
                .help(format!("Find the {} by its {} with `{}`", lookup.path_param, lookup.name_property, lookup.list))
                .long_help(format!(
                    "Instead of the {param}: the {name} of the item. `{list}` is asked for items whose {name} is NAME \
                     ({filter}); exactly one must match (exit 5 for none, 2 for several).",
                    param = lookup.path_param,
                    name = lookup.name_property,
                    list = lookup.list,
                    filter = lookup.filter,
                )),
        );
    }
    if let Some(body) = op.body {
        let mut arg = Arg::new(BODY)
            .long(BODY)
            .value_name("FILE")
            .help("The request body: a JSON or YAML file, or - for standard input");
        if !body.help.is_empty() {
            arg = arg
                .long_help(format!("The request body: a JSON or YAML file, or - for standard input.\n\n{}", body.help));
        }
        if body.required && body.flags.is_empty() {
            arg = arg.required(true);
        }
        cmd = cmd.arg(arg);
        for (i, a) in body.flags.iter().enumerate() {
            let mut arg = argument(a, body_id(i)).help_heading("Body");
            if a.required {
                arg = arg.required(false).required_unless_present(BODY);
            }
            cmd = cmd.arg(arg);
        }
    }
    if let Some(paged) = op.paged {
        cmd = cmd.arg(
            Arg::new(ALL)
                .long(ALL)
                .action(ArgAction::SetTrue)
                .help(format!("List every page: each item of `{}`, as NDJSON with --output json", paged.items)),
        );
        after.push_str(&format!("\nPaged: one page unless --all (items in `{}`)", paged.items));
    }
    if let Some(wait) = op.wait {
        cmd = cmd
            .arg(Arg::new(WAIT).long(WAIT).action(ArgAction::SetTrue).help(format!(
                "Wait until the work ends, polling `{}` until `{}` is {}",
                wait.status_operation,
                wait.state,
                wait.terminal.join(" or ")
            )))
            .arg(
                Arg::new(WAIT_TIMEOUT)
                    .long(WAIT_TIMEOUT)
                    .value_name("SECONDS")
                    .requires(WAIT)
                    .value_parser(clap::value_parser!(u64))
                    .help("With --wait: give up after this long (exit 6); the work goes on on the server"),
            )
            .arg(
                Arg::new(POLL_INTERVAL)
                    .long(POLL_INTERVAL)
                    .value_name("SECONDS")
                    .requires(WAIT)
                    .value_parser(|s: &str| match s.parse::<f64>() {
                        Ok(v) if v > 0.0 && v.is_finite() => Ok(v),
                        _ => Err(format!("`{s}` is not a positive number of seconds")),
                    })
                    .help("With --wait: the first delay between polls, growing to 30 s [default: 1]"),
            );
        after.push_str(&format!("\nLong-running: --wait follows it through `{}`", wait.status_operation));
    }
    cmd = cmd.arg(
        Arg::new(COLUMNS)
            .long(COLUMNS)
            .value_name("PATHS")
            .value_delimiter(',')
            .action(ArgAction::Append)
            .help("With --output table: the columns to show (dotted property paths)"),
    );
    cmd.after_long_help(after)
}

/// The clap argument of one parameter or body property.
fn argument(a: &'static CliArg, id: String) -> Arg {
    let (short, long) = help_texts(a.help);
    let mut arg = Arg::new(id).required(a.required);
    arg = match a.location {
        ArgIn::Path => arg.value_name(a.flag),
        ArgIn::Param | ArgIn::Body => arg.long(a.flag),
    };
    if let Some(short) = short {
        arg = arg.help(short);
    }
    if let Some(long) = long {
        arg = arg.long_help(long);
    }
    match a.kind {
        ArgKind::Boolean if a.location != ArgIn::Path => arg
            .value_name("BOOL")
            .num_args(0..=1)
            .require_equals(true)
            .default_missing_value("true")
            .value_parser(PossibleValuesParser::new(["true", "false"])),
        ArgKind::Enum(values) => {
            let arg = if a.location == ArgIn::Path { arg } else { arg.value_name("VALUE") };
            arg.value_parser(PossibleValuesParser::new(values.iter().copied()))
        }
        ArgKind::Array(ArgKind::Enum(values)) => arg
            .value_name("VALUE")
            .action(ArgAction::Append)
            .value_delimiter(',')
            .value_parser(PossibleValuesParser::new(values.iter().copied())),
        ArgKind::Array(item) => {
            let item = *item;
            arg.action(ArgAction::Append)
                .value_delimiter(',')
                .value_name(value_name(item))
                .value_parser(move |s: &str| parse_value(item, s).map(|_| s.to_owned()))
        }
        ArgKind::Secret => arg.value_name("VAR"),
        kind => {
            let arg = if a.location == ArgIn::Path { arg } else { arg.value_name(value_name(kind)) };
            arg.value_parser(move |s: &str| parse_value(kind, s).map(|_| s.to_owned()))
        }
    }
}

/// The first paragraph of a description as `-h`'s line, and the whole as `--help`'s.
fn help_texts(help: &str) -> (Option<String>, Option<String>) {
    if help.is_empty() {
        return (None, None);
    }
    let short = first_paragraph(help);
    let long = (short != help).then(|| help.to_owned());
    (Some(short), long)
}

fn value_name(kind: ArgKind) -> &'static str {
    match kind {
        ArgKind::Integer => "INT",
        ArgKind::Number => "NUMBER",
        ArgKind::Boolean => "BOOL",
        ArgKind::Uuid => "UUID",
        ArgKind::DateTime => "DATE-TIME",
        ArgKind::Date => "DATE",
        ArgKind::Json => "JSON",
        ArgKind::Secret => "VAR",
        _ => "TEXT",
    }
}

/// A value of `kind` read from its text, as JSON.
fn parse_value(kind: ArgKind, text: &str) -> Result<Value, String> {
    match kind {
        ArgKind::String | ArgKind::Enum(_) | ArgKind::Secret => Ok(Value::String(text.to_owned())),
        ArgKind::Integer => text.parse::<i64>().map(Value::from).map_err(|_| format!("`{text}` is not a whole number")),
        ArgKind::Number => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| format!("`{text}` is not a number")),
        ArgKind::Boolean => match text {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("`{text}` is neither true nor false")),
        },
        ArgKind::Uuid => uuid::Uuid::parse_str(text)
            .map(|u| Value::String(u.to_string()))
            .map_err(|_| format!("`{text}` is not a UUID")),
        ArgKind::DateTime => chrono::DateTime::parse_from_rfc3339(text)
            .map(|_| Value::String(text.to_owned()))
            .map_err(|_| format!("`{text}` is not an RFC 3339 date-time (2025-01-31T12:00:00Z)")),
        ArgKind::Date => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(|_| Value::String(text.to_owned()))
            .map_err(|_| format!("`{text}` is not a date (2025-01-31)")),
        ArgKind::Array(item) => parse_value(*item, text).map(|v| Value::Array(vec![v])),
        ArgKind::Json => serde_json::from_str(text).map_err(|e| format!("not JSON: {e}")),
    }
}

/// The JSON of one argument's values, `None` when it was not given.
fn value_of(a: &CliArg, matches: &ArgMatches, id: &str, io: &Io) -> Result<Option<Value>, CliError> {
    let Some(texts) = matches.get_many::<String>(id) else { return Ok(None) };
    let texts: Vec<&String> = texts.collect();
    let one = |kind: ArgKind, text: &str| -> Result<Value, CliError> {
        if kind == ArgKind::Secret {
            let value = io.env(text).ok_or_else(|| {
                CliError::Usage(format!("--{}: the environment variable `{text}` is not set", a.flag))
            })?;
            let secret = super::super::Secret::from(value);
            io.add_secret(&secret);
            return Ok(Value::String(secret.expose().to_owned()));
        }
        parse_value(kind, text).map_err(|e| CliError::Usage(format!("--{}: {e}", a.flag)))
    };
    Ok(Some(match a.kind {
        ArgKind::Array(item) => Value::Array(texts.iter().map(|t| one(*item, t)).collect::<Result<_, _>>()?),
        kind => one(kind, texts[0])?,
    }))
}

/// Dispatch's input for `op` from its command's matches: path parameters, the other
/// parameters, and the body (`--body`, then its flags on top). A `--name` lookup's path
/// parameter is left out for the caller to fill.
pub(crate) fn input(op: &CliOperation, matches: &ArgMatches, io: &Io) -> Result<Value, CliError> {
    let (mut path, mut params) = (Map::new(), Map::new());
    for (i, a) in op.args.iter().enumerate() {
        if let Some(v) = value_of(a, matches, &arg_id(i), io)? {
            match a.location {
                ArgIn::Path => path.insert(a.wire.to_owned(), v),
                _ => params.insert(a.wire.to_owned(), v),
            };
        }
    }
    let mut input = Map::new();
    input.insert("path".into(), Value::Object(path));
    input.insert("params".into(), Value::Object(params));
    if let Some(body) = op.body {
        let mut value = match matches.get_one::<String>(BODY) {
            Some(source) => Some(read_body(source, io)?),
            None => None,
        };
        for (i, a) in body.flags.iter().enumerate() {
            if let Some(v) = value_of(a, matches, &body_id(i), io)? {
                let object = value.get_or_insert_with(|| Value::Object(Map::new()));
                let Value::Object(map) = object else {
                    return Err(CliError::Usage(format!("--{}: the body given with --body is not an object", a.flag)));
                };
                map.insert(a.wire.to_owned(), v);
            }
        }
        if let Some(value) = value {
            input.insert("body".into(), value);
        }
    }
    Ok(Value::Object(input))
}

/// A body from a file or standard input (`-`), JSON or YAML.
fn read_body(source: &str, io: &Io) -> Result<Value, CliError> {
    let bytes = if source == "-" {
        io.read_all().map_err(|e| CliError::Usage(format!("--body -: cannot read standard input: {e}")))?
    } else {
        std::fs::read(source).map_err(|e| CliError::Usage(format!("--body {source}: {e}")))?
    };
    let text = String::from_utf8(bytes).map_err(|_| CliError::Usage(format!("--body {source}: not UTF-8 text")))?;
    if let Ok(json) = serde_json::from_str::<Value>(&text) {
        return Ok(json);
    }
    serde_yaml::from_str::<Value>(&text)
        .map_err(|e| CliError::Usage(format!("--body {source}: neither JSON nor YAML: {e}")))
}

#[cfg(test)]
mod tests {
    use super::super::super::Method;
    use super::super::table::{CliBody, Lookup};
    use super::*;

    static ARGS: &[CliArg] = &[
        CliArg::new("id", "ID", ArgIn::Path, ArgKind::Uuid).required(),
        CliArg::new("limit", "limit", ArgIn::Param, ArgKind::Integer),
        CliArg::new("orderAsc", "order-asc", ArgIn::Param, ArgKind::Boolean),
        CliArg::new("typeFilter", "type-filter", ArgIn::Param, ArgKind::Array(&ArgKind::Enum(&["A", "B"]))),
        CliArg::new("token", "token-env", ArgIn::Param, ArgKind::Secret),
    ];
    static FLAGS: &[CliArg] = &[
        CliArg::new("name", "name", ArgIn::Body, ArgKind::String).required(),
        CliArg::new("port", "port", ArgIn::Body, ArgKind::Integer),
    ];
    static OP: CliOperation = CliOperation::new("Op", "do", Method::Post, "/things/{id}")
        .args(ARGS)
        .body(CliBody::new(true).flags(FLAGS))
        .lookup(Lookup::new("name2", "id", "ListThings", "nameFilter"));

    fn parse(args: &[&str]) -> Result<ArgMatches, clap::Error> {
        operation_command(&OP).try_get_matches_from(std::iter::once("do").chain(args.iter().copied()))
    }

    #[test]
    fn matches_become_the_dispatch_input() {
        let (io, _) = Io::captured("", &[("TOKEN", "s3cret")]);
        let m = parse(&[
            "3fa85f64-5717-4562-b3fc-2c963f66afa6",
            "--limit",
            "5",
            "--order-asc",
            "--type-filter",
            "A,B",
            "--token-env",
            "TOKEN",
            "--name",
            "n",
            "--port=22",
        ])
        .unwrap();
        let input = input(&OP, &m, &io).unwrap();
        assert_eq!(
            input,
            serde_json::json!({
                "path": {"id": "3fa85f64-5717-4562-b3fc-2c963f66afa6"},
                "params": {"limit": 5, "orderAsc": true, "typeFilter": ["A", "B"], "token": "s3cret"},
                "body": {"name": "n", "port": 22},
            })
        );
        // The secret read from the environment is blanked out of anything printed.
        assert_eq!(io.redact("token s3cret"), "token ***");
    }

    #[test]
    fn bad_values_and_missing_arguments_are_usage_errors() {
        assert!(parse(&["not-a-uuid", "--name", "n"]).is_err());
        assert!(parse(&["3fa85f64-5717-4562-b3fc-2c963f66afa6", "--limit", "x", "--name", "n"]).is_err());
        assert!(parse(&["3fa85f64-5717-4562-b3fc-2c963f66afa6", "--type-filter", "C", "--name", "n"]).is_err());
        // The body's required flag is needed unless --body gives the body.
        assert!(parse(&["3fa85f64-5717-4562-b3fc-2c963f66afa6"]).is_err());
        assert!(parse(&["3fa85f64-5717-4562-b3fc-2c963f66afa6", "--body", "b.json"]).is_ok());
        // The id, or its lookup by name.
        assert!(parse(&["--name2", "Nightly", "--name", "n"]).is_ok());
        assert!(parse(&["--name", "n"]).is_err());
    }

    #[test]
    fn a_yaml_body_from_stdin_takes_flags_on_top() {
        let (io, _) = Io::captured("name: from-file\nport: 21\n", &[]);
        let m = parse(&["3fa85f64-5717-4562-b3fc-2c963f66afa6", "--body", "-", "--port", "2222"]).unwrap();
        let input = input(&OP, &m, &io).unwrap();
        assert_eq!(input["body"], serde_json::json!({"name": "from-file", "port": 2222}));
    }
}
