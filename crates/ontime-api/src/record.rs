//! A record as the importer builds it: [`Value`]s of catalogue properties ([`Fields`]) and a
//! [`CustomerDraft`] with its Departments and Contacts.
//!
//! Invariant: a `Fields` holds each property once, under its catalogue name; what it holds is
//! written to JSON only by [`crate::json`], so every body and every hash comes from one writer.

use serde_json::Value as Json;

use crate::catalogue::Entity;

/// A converted, valid value for one property.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Bool(bool),
    Number(f64),
    List(Vec<String>),
}

impl Value {
    pub fn to_json(&self) -> Json {
        match self {
            Value::Text(s) => Json::String(s.clone()),
            Value::Bool(b) => Json::Bool(*b),
            Value::Number(n) => serde_json::Number::from_f64(*n).map_or(Json::Null, Json::Number),
            Value::List(items) => Json::Array(items.iter().cloned().map(Json::String).collect()),
        }
    }

    /// The value as a person would write it in a cell, for messages.
    pub fn display(&self) -> String {
        match self {
            Value::Text(s) => s.clone(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => format_number(*n),
            Value::List(items) => items.join(";"),
        }
    }
}

/// Formats a number without a trailing `.0` or an exponent: `1001.0` → `1001`,
/// `6175550100.0` → `6175550100`, `12.5` → `12.5`.
pub fn format_number(n: f64) -> String {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e17 {
        // In range and integral, so the cast is exact.
        format!("{}", n as i64)
    } else {
        // Rust's `Display` for f64 never uses an exponent and prints the shortest exact form.
        format!("{n}")
    }
}

/// A set of properties with their values, in catalog order; absent means "not given".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fields(pub Vec<(&'static str, Value)>);

impl Fields {
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    pub fn text(&self, name: &str) -> Option<&str> {
        match self.get(name) {
            Some(Value::Text(s)) => Some(s),
            _ => None,
        }
    }

    /// A property as a person would write it ([`Value::display`]), borrowed when it is text.
    pub fn shown(&self, name: &str) -> Option<std::borrow::Cow<'_, str>> {
        match self.get(name)? {
            Value::Text(s) => Some(std::borrow::Cow::Borrowed(s)),
            other => Some(std::borrow::Cow::Owned(other.display())),
        }
    }

    /// Sets a property of `entity`. The order of properties carries no meaning: JSON objects
    /// are written with their keys sorted.
    pub fn set(&mut self, entity: Entity, name: &'static str, value: Value) {
        debug_assert!(
            entity.field(name).is_some(),
            "{name} is not a {entity:?} property"
        );
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.0.push((name, value)),
        }
    }

    pub fn to_json(&self) -> serde_json::Map<String, Json> {
        self.0
            .iter()
            .map(|(n, v)| ((*n).to_string(), v.to_json()))
            .collect()
    }
}

/// A Customer as the spreadsheet describes it: the mapped, non-blank fields and its children.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomerDraft {
    pub fields: Fields,
    pub departments: Vec<Fields>,
    pub contacts: Vec<Fields>,
}

impl CustomerDraft {
    /// The body of a create: the fields, with `Departments` and `Contacts` when there are any.
    pub fn to_json(&self) -> Json {
        let mut body = self.fields.to_json();
        if !self.departments.is_empty() {
            let items = self.departments.iter().map(|d| Json::Object(d.to_json()));
            body.insert("Departments".into(), Json::Array(items.collect()));
        }
        if !self.contacts.is_empty() {
            let items = self.contacts.iter().map(|c| Json::Object(c.to_json()));
            body.insert("Contacts".into(), Json::Array(items.collect()));
        }
        Json::Object(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_as_people_write_them() {
        assert_eq!(format_number(1001.0), "1001");
        assert_eq!(format_number(6175550100.0), "6175550100");
        assert_eq!(format_number(12.5), "12.5");
        assert_eq!(format_number(-3.0), "-3");
        assert_eq!(format_number(0.1), "0.1");
    }

    #[test]
    fn a_property_is_set_once() {
        let mut fields = Fields::default();
        fields.set(Entity::Customer, "City", Value::Text("Boston".into()));
        fields.set(Entity::Customer, "Name", Value::Text("Acme".into()));
        fields.set(Entity::Customer, "City", Value::Text("Salem".into()));
        assert_eq!(fields.0.len(), 2);
        assert_eq!(fields.text("City"), Some("Salem"));
        let json = serde_json::Value::Object(fields.to_json()).to_string();
        assert_eq!(json, r#"{"City":"Salem","Name":"Acme"}"#);
    }
}
