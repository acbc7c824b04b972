//! `webhooks` (OpenAPI 3.1): the requests an API sends to its users. Each one's request body
//! becomes a payload type, and the webhook a variant of one event enum.

use serde_json::Value;

use super::Lowerer;
use crate::docs::doc_lines;
use crate::ir::{Api, Media, Webhook};
use crate::naming::{camel_ident, Scope};
use crate::pointer::Pointer;

impl<'a> Lowerer<'a> {
    pub(crate) fn lower_webhooks(&mut self, api: &mut Api) {
        let doc = self.doc;
        let Some(hooks) = doc.raw.get("webhooks") else { return };
        let root = Pointer::root().join("webhooks");
        let Some(hooks) = hooks.as_object() else {
            self.sink.error(&root, "`webhooks` must be an object");
            return;
        };
        let mut variants = Scope::with_reserved(&["UnknownWebhook"]);
        for (name, item) in hooks {
            let (item_ptr, item) = match doc.deref(&root.join(name), item) {
                Ok(found) => found,
                Err((at, msg)) => {
                    self.sink.error(&at, msg);
                    continue;
                }
            };
            let methods: Vec<(&str, &Value)> =
                super::operation::METHODS.iter().filter_map(|(key, _)| item.get(*key).map(|op| (*key, op))).collect();
            if methods.is_empty() {
                self.sink.warn(&item_ptr, format!("webhook `{name}` has no operation; it is left out"));
            }
            for (method, op) in &methods {
                let op_ptr = item_ptr.join(method);
                let want = if methods.len() == 1 {
                    camel_ident(name)
                } else {
                    format!("{}{}", camel_ident(name), camel_ident(method))
                };
                let (variant, holder) = variants.claim_for(&want, &op_ptr.to_string());
                if holder.is_some() {
                    self.renamed(&op_ptr, "webhook", name, &variant, holder);
                }
                let payload = match op.get("requestBody") {
                    None => None,
                    Some(body) => match doc.deref(&op_ptr.join("requestBody"), body) {
                        Ok((body_ptr, body)) => {
                            let contents = self.contents(&body_ptr, body, &format!("{variant}Webhook"));
                            let json = contents.iter().find(|c| c.media == Media::Json).or(contents.first());
                            if json.is_some_and(|c| c.media != Media::Json) {
                                self.sink.warn(
                                    &body_ptr,
                                    "a webhook body that is not JSON is decoded from JSON all the same",
                                );
                            }
                            json.map(|c| c.ty.clone())
                        }
                        Err((at, msg)) => {
                            self.sink.error(&at, msg);
                            continue;
                        }
                    },
                };
                let mut lines = Vec::new();
                for key in ["summary", "description"] {
                    if let Some(text) = op.get(key).and_then(Value::as_str) {
                        if !lines.is_empty() {
                            lines.push(String::new());
                        }
                        lines.extend(doc_lines(text));
                    }
                }
                api.webhooks.push(Webhook { name: name.clone(), variant, payload, doc: lines });
            }
        }
    }
}
