//! One schema object with its keywords sorted out once, so that lowering reads fields instead
//! of looking keys up, and a keyword the generator does not handle is visible in code.

use serde_json::{Map, Value};

/// The keywords of one schema object.
///
/// [`Node::read`] sorts every key into a field with one exhaustive `match`, which is the
/// list of keywords the generator knows and what becomes of each. Lowering destructures a
/// node without `..` ([`super::Lowerer::shape`]), so a field added here has to be handled, or
/// ignored by name, there.
#[derive(Default)]
pub(crate) struct Node<'a> {
    pub(crate) reference: Option<&'a Value>,
    pub(crate) ty: Option<&'a Value>,
    pub(crate) format: Option<&'a Value>,
    pub(crate) nullable: Option<&'a Value>,
    pub(crate) enumeration: Option<&'a Value>,
    pub(crate) all_of: Option<&'a Value>,
    pub(crate) one_of: Option<&'a Value>,
    pub(crate) any_of: Option<&'a Value>,
    pub(crate) not: Option<&'a Value>,
    pub(crate) properties: Option<&'a Value>,
    pub(crate) required: Option<&'a Value>,
    pub(crate) additional_properties: Option<&'a Value>,
    pub(crate) items: Option<&'a Value>,
    /// `prefixItems`: the item schemas of a tuple, by position.
    pub(crate) prefix_items: Option<&'a Value>,
    pub(crate) discriminator: Option<&'a Value>,
    pub(crate) xml: Option<&'a Value>,
    pub(crate) title: Option<&'a Value>,
    pub(crate) description: Option<&'a Value>,
    pub(crate) default: Option<&'a Value>,
    /// `x-secret: true`: a string that is a [`crate::ir::Ty::Secret`] without `format: password`.
    pub(crate) secret: Option<&'a Value>,
    /// `x-enumDescriptions` (or `x-enum-descriptions`): docs per enum value.
    pub(crate) enum_descriptions: Option<&'a Value>,
    /// Keywords that only narrow the values of the type the rest of the schema gives
    /// (`minLength`, `maximum`, `pattern`, ...). The client does not validate; the server does.
    pub(crate) constraints: Vec<&'a str>,
    /// Annotations that change no generated code (`example`, `readOnly`, `deprecated`, ...).
    pub(crate) annotations: Vec<&'a str>,
    /// Keywords that change which values are valid, or their shape, in a way the generated
    /// type does not follow. Each is reported as a warning at its pointer.
    pub(crate) unsupported: Vec<&'a str>,
    /// Vendor extensions the generator does not read, and keys that are no keyword at all.
    pub(crate) other: Vec<&'a str>,
}

impl<'a> Node<'a> {
    /// Sorts the keys of a schema object.
    pub(crate) fn read(obj: &'a Map<String, Value>) -> Self {
        let mut n = Node::default();
        for (key, value) in obj {
            let slot = match key.as_str() {
                "$ref" => &mut n.reference,
                "type" => &mut n.ty,
                "format" => &mut n.format,
                "nullable" => &mut n.nullable,
                "enum" => &mut n.enumeration,
                "allOf" => &mut n.all_of,
                "oneOf" => &mut n.one_of,
                "anyOf" => &mut n.any_of,
                "not" => &mut n.not,
                "properties" => &mut n.properties,
                "required" => &mut n.required,
                "additionalProperties" => &mut n.additional_properties,
                "items" => &mut n.items,
                "discriminator" => &mut n.discriminator,
                "xml" => &mut n.xml,
                "title" => &mut n.title,
                "description" => &mut n.description,
                "default" => &mut n.default,
                "x-secret" => &mut n.secret,
                // `x-enumDescriptions` wins when a document has both spellings.
                "x-enumDescriptions" => &mut n.enum_descriptions,
                "x-enum-descriptions" if n.enum_descriptions.is_none() => &mut n.enum_descriptions,
                "minLength" | "maxLength" | "pattern" | "minimum" | "maximum" | "exclusiveMinimum"
                | "exclusiveMaximum" | "multipleOf" | "minItems" | "maxItems" | "uniqueItems" | "minProperties"
                | "maxProperties" | "dependentRequired" | "minContains" | "maxContains" => {
                    n.constraints.push(key);
                    continue;
                }
                // Closed like `additionalProperties: false`: no other property is expected.
                "unevaluatedProperties" | "unevaluatedItems" if value == &Value::Bool(false) => {
                    n.constraints.push(key);
                    continue;
                }
                // `const` is read as a one-value `enum` (see `crate::dialect`).
                "example" | "examples" | "readOnly" | "writeOnly" | "deprecated" | "externalDocs" | "$comment"
                | "$schema" | "$id" | "$anchor" | "$dynamicAnchor" | "$defs" | "definitions" | "contentMediaType"
                | "contentEncoding" | "contentSchema" | "const" | "summary" => {
                    n.annotations.push(key);
                    continue;
                }
                "prefixItems" => &mut n.prefix_items,
                "patternProperties"
                | "propertyNames"
                | "dependencies"
                | "dependentSchemas"
                | "if"
                | "then"
                | "else"
                | "contains"
                | "additionalItems"
                | "unevaluatedProperties"
                | "unevaluatedItems"
                | "$dynamicRef" => {
                    n.unsupported.push(key);
                    continue;
                }
                _ => {
                    n.other.push(key);
                    continue;
                }
            };
            *slot = Some(value);
        }
        n
    }

    /// `type` when it is one string.
    pub(crate) fn type_name(&self) -> Option<&'a str> {
        self.ty.and_then(Value::as_str)
    }

    /// `format`, or `""`.
    pub(crate) fn format_name(&self) -> &'a str {
        self.format.and_then(Value::as_str).unwrap_or("")
    }

    /// `nullable: true`.
    pub(crate) fn is_nullable(&self) -> bool {
        self.nullable.and_then(Value::as_bool).unwrap_or(false)
    }

    /// Declared properties, when `properties` is a non-empty object.
    pub(crate) fn has_properties(&self) -> bool {
        self.properties.and_then(Value::as_object).is_some_and(|p| !p.is_empty())
    }

    /// The doc lines: `description`, else `title`.
    pub(crate) fn doc(&self) -> Vec<String> {
        self.description.or(self.title).and_then(Value::as_str).map(crate::docs::doc_lines).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::Node;
    use serde_json::json;

    #[test]
    fn every_key_lands_in_one_place() {
        let v = json!({
            "type": "object", "minLength": 1, "example": {}, "patternProperties": {}, "x-vendor": 1,
            "x-enum-descriptions": {"a": "kebab"}, "x-enumDescriptions": {}, "bogus": true
        });
        let n = Node::read(v.as_object().unwrap());
        assert_eq!(n.type_name(), Some("object"));
        assert_eq!(n.constraints, ["minLength"]);
        assert_eq!(n.annotations, ["example"]);
        assert_eq!(n.unsupported, ["patternProperties"]);
        assert_eq!(n.enum_descriptions, Some(&json!({})));
        assert_eq!(n.other, ["x-vendor", "bogus"]);
    }
}
