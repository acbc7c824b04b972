//! Webhooks (OpenAPI 3.1): a received request body, fed to the generated `webhooks` module,
//! comes out as the typed event, and a body that does not match says which field.
//!
//! The module is generated from `tests/fixtures/v31_webhooks.yaml` into `generated/` (checked
//! in, so it compiles into this test binary) by `cargo xtask codegen`, whose freshness test
//! (`codegen_fresh`) fails when it is stale.

#[allow(dead_code, unused_imports, clippy::all)]
#[path = "generated/mod.rs"]
#[rustfmt::skip] // formatted by prettyplease, as generated
mod generated;

use generated::webhooks::Event;
use veeam_client::runtime::WebhookError;

#[test]
fn a_payload_becomes_the_typed_event() {
    let body = br#"{"payment": {"id": "pay_1", "amount": 1250}, "at": "2026-11-30T02:00:00Z"}"#;
    let event = Event::decode("payment.succeeded", body).unwrap();
    let Event::PaymentSucceeded(e) = &event else { panic!("{event:?}") };
    assert_eq!((e.payment.id.as_str(), e.payment.amount), ("pay_1", 1250));
    assert_eq!(e.at.to_rfc3339(), "2026-11-30T02:00:00+00:00");
    assert_eq!(event.name(), "payment.succeeded");

    // Through `components/pathItems`, with an inline body type.
    let refunded = Event::decode("payment.refunded", br#"{"payment": {"id": "p", "amount": 5}, "amount": 5}"#).unwrap();
    assert!(matches!(refunded, Event::PaymentRefunded(ref r) if r.amount == 5), "{refunded:?}");
    // A webhook without a body.
    assert_eq!(Event::decode("ping", b"").unwrap(), Event::Ping);
    assert_eq!(Event::NAMES, ["payment.succeeded", "payment.refunded", "ping"]);
}

#[test]
fn a_wrong_body_names_the_webhook_and_the_field() {
    let err =
        Event::decode("payment.succeeded", br#"{"payment": {"id": "p", "amount": "ten"}, "at": "x"}"#).unwrap_err();
    match &err {
        WebhookError::Decode { webhook, path, .. } => {
            assert_eq!(
                (webhook.to_string(), path.as_str()),
                ("payment.succeeded".to_owned(), "payment.amount"),
                "{err}"
            );
        }
        other => panic!("{other}"),
    }
    let err = Event::decode("payment.failed", b"{}").unwrap_err();
    assert!(matches!(err, WebhookError::Unknown { ref name } if name == "payment.failed"), "{err}");
}
