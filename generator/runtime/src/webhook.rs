//! Incoming webhooks: the requests an API sends to its users, decoded into the typed event
//! the generated `webhooks` module declares.

use serde::de::DeserializeOwned;

/// Why a webhook request body could not be decoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The spec declares no webhook of this name.
    #[error("the spec declares no webhook named `{name}`")]
    Unknown {
        /// The name given.
        name: String,
    },
    /// The body is not what the spec says this webhook sends.
    #[error("webhook `{webhook}`: the body does not match the spec at `{path}`: {message}")]
    Decode {
        /// The webhook's name in the spec.
        webhook: &'static str,
        /// Where in the body decoding failed (`data.amount.value`), `.` for the whole body.
        path: String,
        /// What was wrong, cut to 300 characters.
        message: String,
    },
}

/// Decodes a JSON webhook body into its payload type, naming the path of the field that failed.
#[doc(hidden)]
pub fn decode<T: DeserializeOwned>(webhook: &'static str, body: &[u8]) -> Result<T, WebhookError> {
    let (path, message) = match super::de::json_body(body) {
        Ok(value) => return Ok(value),
        Err(failure) => failure,
    };
    let message: String = message.chars().take(300).collect();
    Err(WebhookError::Decode { webhook, path, message })
}

#[cfg(test)]
mod tests {
    use super::{decode, WebhookError};

    #[derive(Debug, serde::Deserialize)]
    struct Payload {
        #[allow(dead_code)]
        amount: i64,
    }

    #[test]
    fn names_the_field_that_failed() {
        let err = decode::<Payload>("paid", br#"{"amount": "ten"}"#).unwrap_err();
        let WebhookError::Decode { webhook, path, .. } = &err else { panic!("{err}") };
        assert_eq!((*webhook, path.as_str()), ("paid", "amount"));
        assert!(decode::<Payload>("paid", br#"{"amount": 10} trailing"#).is_err());
        assert_eq!(decode::<Payload>("paid", br#"{"amount": 10}"#).unwrap().amount, 10);
    }
}
