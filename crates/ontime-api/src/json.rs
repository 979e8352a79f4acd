//! The one JSON writer of request bodies: a [`CustomerDraft`]'s body as bytes, written straight
//! from the draft, and [`write_object`] for callers holding members in another form.
//!
//! Invariant: the bytes are exactly what `serde_json` writes for the same tree (keys sorted by
//! their bytes, no spaces), so a body written here and one written from `to_json()` hash alike.

use crate::record::{CustomerDraft, Fields, Value};

impl CustomerDraft {
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

    /// The body without its departments and contacts (posted one by one after the create).
    pub fn fields_json_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(512);
        self.fields.write_json(&mut out, &[]);
        out
    }
}

/// One member of a JSON object being written: a property's value, or a list of children.
pub enum Member<'a> {
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
pub fn write_object(out: &mut Vec<u8>, members: &mut [(&str, Member<'_>)]) {
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
    use crate::{CustomerDraft, Entity, Fields, Value};

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
