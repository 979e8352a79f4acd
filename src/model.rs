//! The OnTime record shapes, as data: which properties a Customer, Department and Contact have,
//! and what type each one takes on the wire (see `../shared/ontime-api.md`).
//!
//! Both sides use this one catalog: the mapping checks its keys against it and converts cells to
//! the kind it names; the sandbox validates request bodies against it. Property names are the
//! exact PascalCase wire names.

use serde_json::Value as Json;

/// What a property holds on the wire, and so how a spreadsheet cell is converted for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A JSON string.
    Text,
    /// A JSON string that must look like an email address (checked by the importer only).
    Email,
    /// A JSON string holding a Guid.
    Guid,
    /// A JSON array of Guid strings; in a cell, items separated by `,` or `;`.
    GuidList,
    /// A JSON boolean.
    Bool,
    /// A JSON number.
    Number,
    /// One of [`PRICING_METHODS`].
    PricingMethod,
}

impl Kind {
    /// How the kind is named in messages.
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Email => "an email address",
            Kind::Guid => "a Guid",
            Kind::GuidList => "a list of Guids",
            Kind::Bool => "a yes/no value",
            Kind::Number => "a number",
            Kind::PricingMethod => "a pricing method (None, ZoneToZone, Distance, FlatRate)",
        }
    }
}

/// The values `PricingMethod` accepts.
pub const PRICING_METHODS: [&str; 4] = ["None", "ZoneToZone", "Distance", "FlatRate"];

/// One property of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldDef {
    pub name: &'static str,
    pub kind: Kind,
}

const fn f(name: &'static str, kind: Kind) -> FieldDef {
    FieldDef { name, kind }
}

/// Every Customer property a mapping may set (all but `ID`, `Departments` and `Contacts`), in the
/// order of the API documentation. Requests are written in this order.
pub const CUSTOMER_FIELDS: &[FieldDef] = &[
    f("Name", Kind::Text),
    f("PrimaryContactName", Kind::Text),
    f("AddressLine1", Kind::Text),
    f("AddressLine2", Kind::Text),
    f("City", Kind::Text),
    f("State", Kind::Text),
    f("PostalCode", Kind::Text),
    f("Country", Kind::Text),
    f("Phone", Kind::Text),
    f("Fax", Kind::Text),
    f("Email", Kind::Email),
    f("Website", Kind::Text),
    f("AccountNumber", Kind::Text),
    f("DestinationCategories", Kind::Text),
    f("BillingEmail", Kind::Email),
    f("TimeZone", Kind::Text),
    f("ReferenceNumber", Kind::Text),
    f("PurchaseOrderNumber", Kind::Text),
    f("Comments", Kind::Text),
    f("OrderEntryRequiredFields", Kind::Text),
    f("BillingAdjustmentPercentage", Kind::Number),
    f("SendInvoiceByEmail", Kind::Bool),
    f("SendInvoiceByPostal", Kind::Bool),
    f("SendInvoiceByFax", Kind::Bool),
    f("HasWebPortalAccess", Kind::Bool),
    f("Inactive", Kind::Bool),
    f("PricingMethod", Kind::PricingMethod),
    f("DefaultPriceSet", Kind::Guid),
    f("PriceSets", Kind::GuidList),
];

/// Department properties a mapping may set.
pub const DEPARTMENT_FIELDS: &[FieldDef] = &[f("Name", Kind::Text)];

/// Contact properties a mapping may set.
pub const CONTACT_FIELDS: &[FieldDef] = &[
    f("Name", Kind::Text),
    f("Email", Kind::Email),
    f("Phone", Kind::Text),
];

/// The three record types an import writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Entity {
    Customer,
    Department,
    Contact,
}

impl Entity {
    pub fn fields(self) -> &'static [FieldDef] {
        match self {
            Entity::Customer => CUSTOMER_FIELDS,
            Entity::Department => DEPARTMENT_FIELDS,
            Entity::Contact => CONTACT_FIELDS,
        }
    }

    /// The mapping-file table that configures this entity.
    pub fn table(self) -> &'static str {
        match self {
            Entity::Customer => "customer",
            Entity::Department => "department",
            Entity::Contact => "contact",
        }
    }

    pub fn field(self, name: &str) -> Option<FieldDef> {
        self.fields().iter().copied().find(|d| d.name == name)
    }
}

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

    /// The same body as JSON text, byte for byte what `to_json().to_string()` writes (keys
    /// sorted, no spaces), written straight from the draft without building the tree. The
    /// uploader hashes these bytes for change detection and sends them as they are, so the
    /// hashes in existing ledgers stay valid.
    pub fn to_json_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1024);
        let children = [
            ("Contacts", self.contacts.as_slice()),
            ("Departments", self.departments.as_slice()),
        ];
        self.fields.write_json(&mut out, &children);
        out
    }
}

/// One member of a JSON object being written: a property's value, or a list of children.
pub(crate) enum Member<'a> {
    Text(&'a str),
    Value(&'a Value),
    Children(&'a [Fields]),
    /// A list of children already written as JSON text.
    Json(&'a [u8]),
}

impl Fields {
    /// Writes the fields, and each non-empty list of `children` under its name, as one JSON
    /// object with its keys sorted as `serde_json::Map` sorts them (by their bytes).
    fn write_json(&self, out: &mut Vec<u8>, children: &[(&'static str, &[Fields])]) {
        let mut members: Vec<(&str, Member<'_>)> = self
            .0
            .iter()
            .map(|(name, value)| (*name, Member::Value(value)))
            .chain(
                children
                    .iter()
                    .filter(|(_, items)| !items.is_empty())
                    .map(|(name, items)| (*name, Member::Children(items))),
            )
            .collect();
        write_object(out, &mut members);
    }
}

/// Writes `members` as one JSON object, its keys sorted as `serde_json::Map` sorts them (by
/// their bytes), as `serde_json` writes it: the one writer of create bodies, whether from a
/// draft or straight from a packed one, so that both give the same bytes (and hashes).
pub(crate) fn write_object(out: &mut Vec<u8>, members: &mut [(&str, Member<'_>)]) {
    members.sort_unstable_by(|a, b| a.0.cmp(b.0));
    out.push(b'{');
    for (i, (name, member)) in members.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_json_value(out, *name);
        out.push(b':');
        match member {
            Member::Text(text) => write_json_value(out, *text),
            Member::Value(Value::Text(text)) => write_json_value(out, text.as_str()),
            Member::Value(Value::Bool(b)) => {
                out.extend_from_slice(if *b { b"true" } else { b"false" });
            }
            Member::Value(other) => write_json_value(out, &other.to_json()),
            Member::Children(items) => {
                out.push(b'[');
                for (j, item) in items.iter().enumerate() {
                    if j > 0 {
                        out.push(b',');
                    }
                    item.write_json(out, &[]);
                }
                out.push(b']');
            }
            Member::Json(json) => out.extend_from_slice(json),
        }
    }
    out.push(b'}');
}

/// Appends one JSON value (a string is quoted and escaped) as serde_json writes it.
fn write_json_value(out: &mut Vec<u8>, value: &(impl serde::Serialize + ?Sized)) {
    // Cannot fail: writing to a `Vec` has no I/O error, and a string or a `serde_json::Value`
    // has no map key that is not a string, serde_json's only other error when writing.
    let _ = serde_json::to_writer(out, value);
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

    #[test]
    fn a_body_written_directly_is_the_body_the_tree_writes() {
        let text = |s: &str| Value::Text(s.into());
        let mut fields = Fields::default();
        // Out of key order, with text that needs escaping and every kind of value.
        fields.set(Entity::Customer, "Name", text("Acme \"Q\" \\ Co\n\u{1}é😀"));
        fields.set(Entity::Customer, "AccountNumber", text("1001"));
        fields.set(Entity::Customer, "Inactive", Value::Bool(false));
        fields.set(Entity::Customer, "HasWebPortalAccess", Value::Bool(true));
        fields.set(
            Entity::Customer,
            "BillingAdjustmentPercentage",
            Value::Number(12.5),
        );
        fields.set(Entity::Customer, "Phone", Value::Number(6175550100.0));
        fields.set(Entity::Customer, "Fax", Value::Number(f64::NAN));
        fields.set(Entity::Customer, "Website", Value::Number(1e300));
        let guids = vec!["a".to_string(), "b\"".to_string()];
        fields.set(Entity::Customer, "PriceSets", Value::List(guids));
        fields.set(Entity::Customer, "DefaultPriceSet", Value::List(vec![]));
        let mut department = Fields::default();
        department.set(Entity::Department, "Name", text("Billing"));
        let mut contact = Fields::default();
        contact.set(Entity::Contact, "Phone", text("555"));
        contact.set(Entity::Contact, "Email", text("a@b.c"));
        contact.set(Entity::Contact, "Name", text("Ann"));
        let drafts = [
            CustomerDraft::default(),
            CustomerDraft {
                fields: fields.clone(),
                ..CustomerDraft::default()
            },
            CustomerDraft {
                fields: fields.clone(),
                departments: vec![department.clone(), Fields::default()],
                contacts: vec![],
            },
            CustomerDraft {
                fields,
                departments: vec![department],
                contacts: vec![contact.clone(), contact],
            },
        ];
        for draft in drafts {
            let tree = draft.to_json().to_string();
            let direct = String::from_utf8(draft.to_json_bytes()).expect("UTF-8");
            assert_eq!(direct, tree);
        }
    }
}
