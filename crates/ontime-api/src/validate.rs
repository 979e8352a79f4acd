//! The field rules, applied: [`check`] decides whether one value is acceptable for one catalogue
//! property. The importer's dry run and the sandbox's 400s both call it, so they cannot disagree.
//!
//! A value is looked at in its wire form, borrowed ([`Wire`]): a JSON value as posted, or an
//! importer [`Value`] as it would be written. `null` (or absent) is blank: accepted for every
//! property but a required one. A required text property must also be non-blank after trimming.

use serde_json::Value as Json;

use crate::catalogue::{FieldDef, Kind, PRICING_METHODS};
use crate::email::is_email;
use crate::record::{Value, format_number};

/// A value as the wire carries it, borrowed.
#[derive(Debug, Clone, PartialEq)]
pub enum Wire<'a> {
    Null,
    Bool(bool),
    Number(f64),
    Text(&'a str),
    List(Vec<Wire<'a>>),
    Object,
}

impl<'a> From<&'a Json> for Wire<'a> {
    fn from(json: &'a Json) -> Self {
        match json {
            Json::Null => Wire::Null,
            Json::Bool(b) => Wire::Bool(*b),
            // Every JSON number has an f64 reading (a huge integer rounds).
            Json::Number(n) => Wire::Number(n.as_f64().unwrap_or(f64::NAN)),
            Json::String(s) => Wire::Text(s),
            Json::Array(items) => Wire::List(items.iter().map(Wire::from).collect()),
            Json::Object(_) => Wire::Object,
        }
    }
}

impl<'a> From<&'a Value> for Wire<'a> {
    /// What the value is once written: a number JSON cannot hold is written as `null`.
    fn from(value: &'a Value) -> Self {
        match value {
            Value::Text(s) => Wire::Text(s),
            Value::Bool(b) => Wire::Bool(*b),
            Value::Number(n) if n.is_finite() => Wire::Number(*n),
            Value::Number(_) => Wire::Null,
            Value::List(items) => Wire::List(items.iter().map(|s| Wire::Text(s)).collect()),
        }
    }
}

/// Why a value is refused for a property.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Violation {
    /// A required property is blank or absent.
    #[error("is required")]
    Required,
    /// The value is not of the property's kind (or not one of its names, or not a Guid).
    #[error("must be {expected}, not {found}")]
    Kind { expected: String, found: String },
    /// Item `index` of a list is not a Guid string.
    #[error("must be a Guid string, not {found}")]
    Item { index: usize, found: String },
}

/// Checks one value against its catalogue property.
pub fn check(def: &FieldDef, value: &Wire<'_>) -> Result<(), Violation> {
    if let Wire::List(items) = value
        && def.kind == Kind::GuidList
    {
        let bad = items.iter().position(|item| !is_guid(item));
        return match bad {
            Some(index) => Err(Violation::Item {
                index,
                found: describe(&items[index]),
            }),
            None => Ok(()),
        };
    }
    let fits = match (def.kind, value) {
        (_, Wire::Null) => true,
        (Kind::Text, Wire::Text(_)) => true,
        (Kind::Email, Wire::Text(s)) => is_email(s),
        (Kind::Bool, Wire::Bool(_)) => true,
        (Kind::Number, Wire::Number(_)) => true,
        (Kind::Guid, item) => is_guid(item),
        (Kind::PricingMethod, Wire::Text(s)) => PRICING_METHODS.contains(s),
        _ => false,
    };
    if !fits {
        return Err(Violation::Kind {
            expected: expected(def.kind),
            found: describe(value),
        });
    }
    let blank = match value {
        Wire::Null => true,
        Wire::Text(s) => s.trim().is_empty(),
        _ => false,
    };
    if def.required && blank {
        return Err(Violation::Required);
    }
    Ok(())
}

fn is_guid(value: &Wire<'_>) -> bool {
    matches!(value, Wire::Text(s) if uuid::Uuid::parse_str(s).is_ok())
}

/// What a property of `kind` must be, as the refusal says it.
fn expected(kind: Kind) -> String {
    match kind {
        Kind::Text => "a string".into(),
        Kind::Email => "an email address string (name@example.com)".into(),
        Kind::Bool => "true or false".into(),
        Kind::Number => "a number".into(),
        Kind::Guid => "a Guid string".into(),
        Kind::GuidList => "an array of Guid strings".into(),
        Kind::PricingMethod => format!("one of {}", PRICING_METHODS.join(", ")),
    }
}

/// A value as a refusal shows it: its type, and short values themselves.
pub fn describe(value: &Wire<'_>) -> String {
    match value {
        Wire::Null => "null".into(),
        Wire::Bool(b) => format!("the boolean {b}"),
        Wire::Number(n) => format!("the number {}", format_number(*n)),
        Wire::Text(s) if s.chars().count() <= 40 => format!("the string \"{s}\""),
        Wire::Text(_) => "a string".into(),
        Wire::List(_) => "an array".into(),
        Wire::Object => "an object".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CONTACT_FIELDS, CUSTOMER_FIELDS, Entity};

    fn def(name: &str) -> FieldDef {
        Entity::Customer.field(name).expect("a customer field")
    }

    #[test]
    fn blank_passes_unless_required() {
        for def in CUSTOMER_FIELDS.iter().chain(CONTACT_FIELDS) {
            let verdict = check(def, &Wire::Null);
            assert_eq!(verdict.is_err(), def.required, "{}", def.name);
        }
        assert_eq!(
            check(&def("Name"), &Wire::Text(" ")),
            Err(Violation::Required)
        );
    }

    #[test]
    fn kinds_enums_and_guids() {
        let guid = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";
        assert!(check(&def("Inactive"), &Wire::Text("false")).is_err());
        assert!(check(&def("BillingAdjustmentPercentage"), &Wire::Number(45.0)).is_ok());
        assert!(check(&def("PricingMethod"), &Wire::Text("flatrate")).is_err());
        assert!(check(&def("DefaultPriceSet"), &Wire::Text(guid)).is_ok());
        assert!(check(&def("DefaultPriceSet"), &Wire::Text("xyz")).is_err());
        assert!(check(&def("Email"), &Wire::Text("n/a")).is_err());
        let list = Wire::List(vec![Wire::Text(guid), Wire::Number(1.0)]);
        let refused = check(&def("PriceSets"), &list);
        assert!(matches!(refused, Err(Violation::Item { index: 1, .. })));
        assert!(check(&def("PriceSets"), &Wire::Text(guid)).is_err());
    }
}
