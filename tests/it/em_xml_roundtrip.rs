//! The request bodies printed on the three Enterprise Manager seed pages, in XML and JSON,
//! parse into the generated types and serialize back to the same body, modulo
//! insignificant whitespace and namespace-prefix declarations (`xmlns:xsd`, `xmlns:xsi`).
//! The serialized XML is snapshotted (`snapshots/em_xml__*.snap`). Also: element order is
//! the spec's property order, text and attributes escape correctly, and secrets stay out of
//! `Debug` whichever format a value came from.

use veeam_client::em::types::{
    CredentialsInfo, CredentialsInfoSpec, ErrorModel as EmError, LogonSession, PasswordKeyInfoSpec,
};
use veeam_client::runtime::xml::{self, XmlElement, XmlRoot};
use veeam_client::runtime::Secret;

/// `put_backupservers_id_passwords_id.html`, request body of the example (the page's XML
/// Representation box is truncated to the declaration; the example section has the body).
const PASSWORD_HINT_XML: &str = r#"<?xml version="1.0" encoding="utf-8"?> <PasswordKeyInfoSpec xmlns="http://www.veeam.com/ent/v1.0" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">   <Hint>My password</Hint> </PasswordKeyInfoSpec>"#;
/// The same page's JSON Representation.
const PASSWORD_HINT_JSON: &str = r#"{   "Hint": "My password"  }"#;

/// `put_backupservers_id_creds_id.html`, request body of the example.
const EDIT_CREDENTIALS_XML: &str = r#"<?xml version="1.0" encoding="utf-8"?> <CredentialsInfo Href="https://localhost:9398/api/backupServers/f62624c1-8462-4747-8bd4-d686f99b0540/credentials/c473b8df-4499-41b8-ba6b-7f76def6fea1" Type="Credentials" xmlns="http://www.veeam.com/ent/v1.0" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">   <Id>9a8fb433-cacd-4089-a97e-437e99f128bc</Id>   <Username>VEEAM\Administrator</Username>   <Description>Edited with REST API</Description>   <Password>P@ssw0rd</Password> </CredentialsInfo>"#;
/// The same page's JSON Representation.
const EDIT_CREDENTIALS_JSON: &str = r#"{   "Id": "bc4a63b6-05d1-44f6-b165-1128a33d02c2",   "Username": "VEEAM\\Administrator",   "Description": "Edited with REST API",   "Password": "P@ssw0rd",   "Href": "https://localhost:9398/api/backupServers/fd8fab6c-fca1-4e5c-b485-6d92eb7717bd/credentials/bc4a63b6-05d1-44f6-b165-1128a33d02c2",   "Type": "Credentials"  }"#;

/// `post_backupservers_id_creds.html`, request body of the example.
const CREATE_CREDENTIALS_XML: &str = r#"<?xml version="1.0" encoding="utf-8"?> <CredentialsInfoSpec xmlns="http://www.veeam.com/ent/v1.0" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">   <Username>VEEAM\Administrator</Username>   <Description>Credentials created with REST API</Description>   <Password>1234</Password> </CredentialsInfoSpec>"#;
/// The same page's JSON Representation.
const CREATE_CREDENTIALS_JSON: &str =
    r#"{   "Username": "VEEAM\\Administrator",   "Description": "Created with REST API",   "Password": "1234"  }"#;

const EM_NS: &str = "http://www.veeam.com/ent/v1.0";

/// Removes namespace-prefix declarations (`xmlns:p="…"`) and whitespace-only text between
/// tags; everything else, attribute order included, stays significant.
fn normalize(xml: &str) -> String {
    let mut rest = xml;
    let mut without_decls = String::new();
    while let Some(at) = rest.find(" xmlns:") {
        without_decls.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let open = after.find('"').expect("declaration value");
        let close = after[open + 1..].find('"').expect("declaration end");
        rest = &after[open + 1 + close + 1..];
    }
    without_decls.push_str(rest);
    let mut out = String::new();
    let mut text = String::new();
    let mut in_tag = false;
    for c in without_decls.chars() {
        match c {
            '<' => {
                if !text.trim().is_empty() {
                    out.push_str(&text);
                }
                text.clear();
                in_tag = true;
                out.push(c);
            }
            '>' if in_tag => {
                in_tag = false;
                out.push(c);
            }
            c if in_tag => out.push(c),
            c => text.push(c),
        }
    }
    if !text.trim().is_empty() {
        out.push_str(&text);
    }
    out
}

/// Compact JSON with members in their written order.
fn compact_json(json: &str) -> String {
    serde_json::from_str::<serde_json::Value>(json).unwrap().to_string()
}

/// The snapshots this file takes, `snapshots/em_xml__{name}.snap`; the snapshot tests reject
/// any other `em_xml__` file, so one whose test is gone does not linger.
pub(crate) const SNAPSHOTS: &[&str] =
    &["credentials_info", "credentials_info_spec", "escaping", "logon_session", "password_key_info_spec"];

/// A snapshot named `em_xml__{name}` (no module prefix, so the files sort together).
fn snapshot(name: &str, value: &str) {
    assert!(SNAPSHOTS.contains(&name), "add `{name}` to SNAPSHOTS");
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(format!("em_xml__{name}"), value));
}

/// Parses a page body and serializes it back, checking the round trip in both directions.
fn round_trip_xml<T: XmlElement + XmlRoot + PartialEq + std::fmt::Debug>(page: &str) -> (T, String) {
    let value: T = xml::from_bytes(page.as_bytes()).unwrap_or_else(|e| panic!("{}: {e}", T::NAME));
    let written = xml::to_string(&value).unwrap();
    assert_eq!(normalize(page), normalize(&written), "{} does not round-trip", T::NAME);
    assert_eq!(xml::from_bytes::<T>(written.as_bytes()).unwrap(), value);
    (value, written)
}

fn round_trip_json<T: serde::Serialize + serde::de::DeserializeOwned>(page: &str) -> T {
    let value: T = serde_json::from_str(page).unwrap();
    assert_eq!(serde_json::to_string(&value).unwrap(), compact_json(page));
    value
}

#[test]
fn normalize_ignores_only_layout_and_prefix_declarations() {
    assert_eq!(
        normalize("<?xml?> <A xmlns=\"u\" xmlns:x=\"v\">\n  <B> b </B>\n</A>"),
        "<?xml?><A xmlns=\"u\"><B> b </B></A>"
    );
    assert_ne!(normalize("<A><B/><C/></A>"), normalize("<A><C/><B/></A>"));
    assert_ne!(normalize("<A x=\"1\" y=\"2\"/>"), normalize("<A y=\"2\" x=\"1\"/>"));
}

#[test]
fn password_hint_page_round_trips() {
    let (value, written) = round_trip_xml::<PasswordKeyInfoSpec>(PASSWORD_HINT_XML);
    assert_eq!(value.hint.as_deref(), Some("My password"));
    snapshot("password_key_info_spec", &written);
    let json: PasswordKeyInfoSpec = round_trip_json(PASSWORD_HINT_JSON);
    assert_eq!(json, value);
}

#[test]
fn edit_credentials_page_round_trips() {
    let (value, written) = round_trip_xml::<CredentialsInfo>(EDIT_CREDENTIALS_XML);
    assert_eq!(value.id.unwrap().to_string(), "9a8fb433-cacd-4089-a97e-437e99f128bc");
    assert_eq!(value.username.as_deref(), Some("VEEAM\\Administrator"));
    assert_eq!(value.password.as_ref().map(Secret::expose), Some("P@ssw0rd"));
    assert_eq!(value.r#type.as_deref(), Some("Credentials"));
    assert!(value.href.as_deref().unwrap().ends_with("/credentials/c473b8df-4499-41b8-ba6b-7f76def6fea1"));
    // Href and Type are attributes, written before the namespace declaration as EM does.
    assert!(
        written.contains(
            r#"/c473b8df-4499-41b8-ba6b-7f76def6fea1" Type="Credentials" xmlns="http://www.veeam.com/ent/v1.0"><Id>"#
        ),
        "{written}"
    );
    snapshot("credentials_info", &written);
    let json: CredentialsInfo = round_trip_json(EDIT_CREDENTIALS_JSON);
    assert_eq!(json.id.unwrap().to_string(), "bc4a63b6-05d1-44f6-b165-1128a33d02c2");
    assert_eq!(json.password.as_ref().map(Secret::expose), Some("P@ssw0rd"));
}

#[test]
fn create_credentials_page_round_trips() {
    let (value, written) = round_trip_xml::<CredentialsInfoSpec>(CREATE_CREDENTIALS_XML);
    assert_eq!(value.description.as_deref(), Some("Credentials created with REST API"));
    assert_eq!(value.password.as_ref().map(Secret::expose), Some("1234"));
    snapshot("credentials_info_spec", &written);
    let json: CredentialsInfoSpec = round_trip_json(CREATE_CREDENTIALS_JSON);
    assert_eq!(json.description.as_deref(), Some("Created with REST API"));
    assert_eq!(json.password.as_ref().map(Secret::expose), Some("1234"));
}

fn spec() -> serde_json::Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/em.yaml");
    serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn request_example(spec: &serde_json::Value, path: &str, method: &str, media: &str) -> serde_json::Value {
    spec["paths"][path][method]["requestBody"]["content"][media]["example"].clone()
}

#[test]
fn the_spec_examples_are_the_page_bodies() {
    let spec = spec();
    let bodies = [
        ("/backupServers/{backupServerId}/passwords/{passwordId}", "put", PASSWORD_HINT_XML, PASSWORD_HINT_JSON),
        (
            "/backupServers/{backupServerId}/credentials/{credentialsId}",
            "put",
            EDIT_CREDENTIALS_XML,
            EDIT_CREDENTIALS_JSON,
        ),
        ("/backupServers/{backupServerId}/credentials", "post", CREATE_CREDENTIALS_XML, CREATE_CREDENTIALS_JSON),
    ];
    for (path, method, page_xml, page_json) in bodies {
        let xml = request_example(&spec, path, method, "application/xml");
        assert_eq!(normalize(xml.as_str().unwrap()), normalize(page_xml), "{method} {path}");
        let json = request_example(&spec, path, method, "application/json");
        assert_eq!(json.to_string(), compact_json(page_json), "{method} {path}");
    }
}

#[test]
fn the_logon_answer_example_round_trips_in_both_formats() {
    let spec = spec();
    let content = &spec["paths"]["/sessionMngr/"]["post"]["responses"]["201"]["content"];
    let (value, written) = round_trip_xml::<LogonSession>(content["application/xml"]["example"].as_str().unwrap());
    // The wrapped array: `<Links><Link … /></Links>`, each Link all attributes.
    assert!(written.contains(r#"<Links><Link Href="https://localhost:9398/api/logonSessions/44cfbdbe-5a95-4156-8867-91f069b7c2cc" Type="LogonSession" Rel="Delete" /></Links>"#), "{written}");
    snapshot("logon_session", &written);
    let json: LogonSession = round_trip_json(&content["application/json"]["example"].to_string());
    assert_eq!(json, value);
}

/// The spec's property names of a schema, split into attributes and elements.
fn spec_properties(spec: &serde_json::Value, schema: &str) -> (Vec<String>, Vec<String>) {
    let props = spec["components"]["schemas"][schema]["properties"].as_object().unwrap();
    let (attrs, elems): (Vec<_>, Vec<_>) =
        props.iter().partition(|(_, p)| p["xml"]["attribute"] == serde_json::Value::Bool(true));
    (attrs.into_iter().map(|(n, _)| n.clone()).collect(), elems.into_iter().map(|(n, _)| n.clone()).collect())
}

/// The child element names and root attribute names of a serialized document.
fn shape(written: &str) -> (Vec<String>, Vec<String>) {
    let root = xml::parse(written.as_bytes()).unwrap();
    assert_eq!(root.namespace.as_deref(), Some(EM_NS));
    assert!(root.children.iter().all(|c| c.namespace.as_deref() == Some(EM_NS)));
    (root.attributes.iter().map(|(n, _)| n.clone()).collect(), root.children.iter().map(|c| c.name.clone()).collect())
}

#[test]
fn elements_follow_the_spec_property_order_and_attributes_its_xml_objects() {
    let spec = spec();
    let info = CredentialsInfo::new()
        .with_type("Credentials")
        .with_href("https://h/")
        .with_password(Secret::from("p"))
        .with_description("d")
        .with_username("u")
        .with_id(uuid::Uuid::nil());
    assert_eq!(shape(&xml::to_string(&info).unwrap()), spec_properties(&spec, "CredentialsInfo"));
    let create = CredentialsInfoSpec::new().with_password(Secret::from("p")).with_description("d").with_username("u");
    assert_eq!(shape(&xml::to_string(&create).unwrap()), spec_properties(&spec, "CredentialsInfoSpec"));
    let hint = PasswordKeyInfoSpec::new().with_hint("h");
    assert_eq!(shape(&xml::to_string(&hint).unwrap()), spec_properties(&spec, "PasswordKeyInfoSpec"));
    for (name, value) in [
        ("CredentialsInfo", xml::to_string(&info).unwrap()),
        ("CredentialsInfoSpec", xml::to_string(&create).unwrap()),
        ("PasswordKeyInfoSpec", xml::to_string(&hint).unwrap()),
    ] {
        assert_eq!(spec["components"]["schemas"][name]["xml"]["name"], name);
        assert!(value.starts_with(&format!("<?xml version=\"1.0\" encoding=\"utf-8\"?><{name} ")), "{value}");
    }
    // Absent optional members are left out in both formats.
    let sparse = CredentialsInfoSpec::new().with_description("only this");
    assert_eq!(shape(&xml::to_string(&sparse).unwrap()).1, ["Description"]);
    assert_eq!(serde_json::to_string(&sparse).unwrap(), r#"{"Description":"only this"}"#);
}

#[test]
fn awkward_text_round_trips_in_both_formats() {
    let password = "<&\"'>]]> &amp; \\ \u{e9}\u{1F600}";
    let description = "line one\r\nline two\ttabbed  and  spaced ";
    let value = CredentialsInfo::new()
        .with_id(uuid::Uuid::nil())
        .with_username("DOMAIN\\user")
        .with_description(description)
        .with_password(Secret::from(password))
        .with_href("https://localhost/api?a=1&b=\"2\"")
        .with_type("Credentials\t<x>");
    let written = xml::to_string(&value).unwrap();
    snapshot("escaping", &written);
    let back: CredentialsInfo = xml::from_bytes(written.as_bytes()).unwrap();
    assert_eq!(back, value);
    assert_eq!(back.password.as_ref().map(Secret::expose), Some(password));
    let json = serde_json::to_string(&value).unwrap();
    assert_eq!(serde_json::from_str::<CredentialsInfo>(&json).unwrap(), value);
    // The raw password never appears unescaped in the XML.
    assert!(!written.contains("<&"), "{written}");
}

#[test]
fn secrets_are_redacted_in_debug_from_either_format() {
    let from_xml: CredentialsInfo = xml::from_bytes(EDIT_CREDENTIALS_XML.as_bytes()).unwrap();
    let from_json: CredentialsInfo = serde_json::from_str(EDIT_CREDENTIALS_JSON).unwrap();
    let from_xml_spec: CredentialsInfoSpec = xml::from_bytes(CREATE_CREDENTIALS_XML.as_bytes()).unwrap();
    let from_json_spec: CredentialsInfoSpec = serde_json::from_str(CREATE_CREDENTIALS_JSON).unwrap();
    for printed in [
        format!("{from_xml:?}"),
        format!("{from_json:?}"),
        format!("{from_xml:#?}"),
        format!("{from_xml_spec:?}"),
        format!("{from_json_spec:?}"),
    ] {
        assert!(!printed.contains("P@ssw0rd") && !printed.contains("1234"), "{printed}");
        assert!(printed.contains("Secret(***)"), "{printed}");
    }
    // The serialized forms carry the password, as they must.
    assert!(xml::to_string(&from_xml).unwrap().contains("<Password>P@ssw0rd</Password>"));
    assert!(serde_json::to_string(&from_json).unwrap().contains(r#""Password":"P@ssw0rd""#));
}

#[test]
fn reading_is_lenient_about_extras_and_strict_about_identity() {
    // Unknown elements and attributes, prefixes and an `xsi:nil` are fine.
    let extended = r#"<?xml version="1.0"?><v:CredentialsInfo xmlns:v="http://www.veeam.com/ent/v1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" Type="Credentials" Extra="1"><v:Id>9a8fb433-cacd-4089-a97e-437e99f128bc</v:Id><v:Links><v:Link Rel="Up"/></v:Links><v:Username>u</v:Username><v:Description xsi:nil="true"/></v:CredentialsInfo>"#;
    let value: CredentialsInfo = xml::from_bytes(extended.as_bytes()).unwrap();
    assert_eq!(
        (value.username.as_deref(), value.description.as_deref(), value.r#type.as_deref()),
        (Some("u"), None, Some("Credentials"))
    );

    let err = |doc: &str| xml::from_bytes::<CredentialsInfo>(doc.as_bytes()).unwrap_err();
    let e = err(r#"<CredentialsInfoSpec xmlns="http://www.veeam.com/ent/v1.0"/>"#);
    assert_eq!(e.message, "expected root element `CredentialsInfo` in namespace `http://www.veeam.com/ent/v1.0`, found `CredentialsInfoSpec` in namespace `http://www.veeam.com/ent/v1.0`");
    let e = err(r#"<CredentialsInfo><Username>u</Username></CredentialsInfo>"#);
    assert!(e.message.ends_with("found `CredentialsInfo` in no namespace"), "{e}");
    let e = err(&EDIT_CREDENTIALS_XML[..EDIT_CREDENTIALS_XML.len() - 30]);
    assert!(e.message.contains("ends before its root element is closed"), "{e}");
    let e = err(&EDIT_CREDENTIALS_XML.replace("<Id>9a8fb433-cacd-4089-a97e-437e99f128bc</Id>", "<Id>nine</Id>"));
    assert_eq!(e.to_string(), "at `/CredentialsInfo/Id`: `nine` is not a UUID");
}

/// EM's error body as EM sends it (captured answers, see the spec's `Error` description):
/// `Message` and `StatusCode` are attributes, the exception text a child element.
#[test]
fn error_bodies_round_trip() {
    let captured = r#"<?xml version="1.0" encoding="utf-8"?>
<Error Message="Object reference not set to an instance of an object." StatusCode="500" xmlns="http://www.veeam.com/ent/v1.0" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <FirstChanceExceptionMessage>Object reference not set to an instance of an object.</FirstChanceExceptionMessage>
</Error>"#;
    let (value, _) = round_trip_xml::<EmError>(captured);
    assert_eq!(value.message.as_deref(), Some("Object reference not set to an instance of an object."));
    assert_eq!(value.status_code, Some(500));
    assert_eq!(value.status, None);
    assert_eq!(value.stack_trace, None);
    assert_eq!(
        value.first_chance_exception_message.as_deref(),
        Some("Object reference not set to an instance of an object.")
    );

    let page = r#"<?xml version="1.0" encoding="utf-8"?>
<Error Message="Bad request" StatusCode="400" Status="BadRequest" xmlns="http://www.veeam.com/ent/v1.0" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <FirstChanceExceptionMessage>Element 'Password' is out of order &lt;here&gt;</FirstChanceExceptionMessage>
  <StackTrace />
</Error>"#;
    let (value, _) = round_trip_xml::<EmError>(page);
    assert_eq!((value.status_code, value.status.as_deref()), (Some(400), Some("BadRequest")));
    assert_eq!(value.stack_trace.as_deref(), Some(""));
    assert_eq!(value.first_chance_exception_message.as_deref(), Some("Element 'Password' is out of order <here>"));
}

/// The JSON form EM sends carries every member, the absent ones as null.
#[test]
fn captured_json_error_decodes() {
    let captured = r#"{"FirstChanceExceptionMessage":null,"Message":"Node [root] does not exist.","StackTrace":null,"Status":null,"StatusCode":400}"#;
    let value: EmError = serde_json::from_str(captured).unwrap();
    assert_eq!(value.message.as_deref(), Some("Node [root] does not exist."));
    assert_eq!((value.status_code, value.status, value.stack_trace), (Some(400), None, None));
}
