//! Safe updates. OnTime replaces a record whole on update, blanking whatever the post leaves
//! out, so an update starts from the full record as OnTime holds it and overlays only what the
//! spreadsheet gives: every field the mapping does not name, every existing Department and
//! Contact (with its ID) survives. A value a mapping default gave ([`Defaulted`]) fills only a
//! property OnTime holds blank: it never overwrites what someone chose there. Pure functions
//! over JSON.

use serde_json::{Map, Value as Json};

use super::answer::{canonical_id, is_id_key};
use crate::group::Defaulted;
use ontime_api::{CustomerDraft, Entity, Fields};

/// `record` with its ID as `ID` in [`canonical_id`] form, if it is an object whose ID (spelt in
/// any case, in any of a Guid's forms) is `id`; `None` if it is not, since posting it back would
/// then create a customer or overwrite another.
pub(crate) fn with_id(record: Json, id: &str) -> Option<Json> {
    let Json::Object(mut record) = record else {
        return None;
    };
    let want = canonical_id(id)?;
    let keys: Vec<String> = record.keys().filter(|k| is_id_key(k)).cloned().collect();
    let held = keys
        .iter()
        .find_map(|k| record.get(k)?.as_str().and_then(canonical_id));
    if held.as_deref() != Some(want.as_str()) {
        return None;
    }
    for key in keys {
        record.remove(&key);
    }
    record.insert("ID".into(), Json::String(want));
    Some(Json::Object(record))
}

/// Why an update's answer is alarming: it names another customer than the one posted, so
/// OnTime may have made a second one instead of updating. `None` for the record itself, and for
/// an answer without an ID (whose body the update does not need).
pub(crate) fn answered_for_another(answer: &Json, id: &str) -> Option<String> {
    let object = answer.as_object()?;
    let held = object.get("ID").or_else(|| {
        let key = object.keys().find(|k| is_id_key(k))?;
        object.get(key)
    })?;
    let held = canonical_id(held.as_str()?)?;
    (Some(held.as_str()) != canonical_id(id).as_deref()).then(|| {
        format!(
            "the update of customer {id} was answered with customer {held}: OnTime may have created a second customer instead; check both in OnTime before re-running"
        )
    })
}

/// The record to post: `existing` with the draft's fields and children laid over it, each
/// value `defaulted` marks only where `existing` holds that property blank.
pub(crate) fn overlay(existing: &Json, draft: &CustomerDraft, defaulted: &Defaulted) -> Json {
    let mut merged = existing.as_object().cloned().unwrap_or_default();
    lay_over(
        &mut merged,
        Entity::Customer,
        &draft.fields,
        defaulted.customer,
    );
    overlay_children(&mut merged, "Departments", &draft.departments, defaulted);
    overlay_children(&mut merged, "Contacts", &draft.contacts, defaulted);
    Json::Object(merged)
}

/// Lays `fields` over `record`: a property in `defaulted` (a mask of `entity`) only where the
/// record holds it blank.
pub(crate) fn lay_over(
    record: &mut Map<String, Json>,
    entity: Entity,
    fields: &Fields,
    defaulted: u32,
) {
    for (name, value) in &fields.0 {
        if Defaulted::has(entity, defaulted, name) && !blank(record.get(*name)) {
            continue;
        }
        record.insert((*name).to_string(), value.to_json());
    }
}

/// Whether OnTime holds a property blank: absent, null, a string of nothing but white space, or
/// an empty list. A yes/no or a number is never blank.
pub(crate) fn blank(value: Option<&Json>) -> bool {
    match value {
        None | Some(Json::Null) => true,
        Some(Json::String(text)) => text.trim().is_empty(),
        Some(Json::Array(items)) => items.is_empty(),
        Some(_) => false,
    }
}

/// The customer properties a default gave that `existing` keeps, because it holds another
/// value there: `PricingMethod (OnTime has "Distance")`, in catalog order.
pub(crate) fn defaults_kept_out(
    existing: &Json,
    draft: &CustomerDraft,
    defaulted: &Defaulted,
) -> Vec<String> {
    draft
        .fields
        .0
        .iter()
        .filter(|(name, _)| defaulted.customer(name))
        .filter_map(|(name, value)| {
            let held = existing.get(*name).filter(|held| !blank(Some(held)))?;
            (!same(held, &value.to_json())).then(|| format!("{name} (OnTime has {})", shown(held)))
        })
        .collect()
}

/// A JSON value as a person reads it in a message: text quoted, anything else as JSON writes it.
pub(crate) fn shown(value: &Json) -> String {
    match value {
        Json::String(text) => format!("\"{text}\""),
        other => other.to_string(),
    }
}

/// Whether posting `merged` would create a department or contact: it lists one without an ID.
/// Such a post is not idempotent.
pub(crate) fn adds_children(merged: &Json) -> bool {
    let has_id = |item: &Json| {
        item.as_object().is_some_and(|item| {
            item.iter()
                .any(|(k, v)| is_id_key(k) && v.as_str().is_some_and(|id| !id.trim().is_empty()))
        })
    };
    ["Departments", "Contacts"].iter().any(|list| {
        merged
            .get(list)
            .and_then(Json::as_array)
            .is_some_and(|items| !items.iter().all(has_id))
    })
}

fn overlay_children(
    record: &mut Map<String, Json>,
    list: &str,
    drafts: &[Fields],
    defaulted: &Defaulted,
) {
    if drafts.is_empty() {
        return;
    }
    let entity = if list == "Departments" {
        Entity::Department
    } else {
        Entity::Contact
    };
    let mut items = match record.remove(list) {
        Some(Json::Array(items)) => items,
        _ => Vec::new(),
    };
    for (index, draft) in drafts.iter().enumerate() {
        match child_position(&items, list, draft).and_then(|at| items.get_mut(at)) {
            Some(Json::Object(item)) => {
                lay_over(item, entity, draft, defaulted.child(list, index));
            }
            _ => items.push(Json::Object(draft.to_json())),
        }
    }
    record.insert(list.to_string(), Json::Array(items));
}

/// The item of `existing`'s `list` ("Departments" or "Contacts") that is the same child as `draft`.
pub(crate) fn find_child<'j>(existing: &'j Json, list: &str, draft: &Fields) -> Option<&'j Json> {
    let items = existing.get(list)?.as_array()?;
    items.get(child_position(items, list, draft)?)
}

/// Where the same child as `draft` is in `items`: a department by name; a contact by email when
/// the sheet gives one, else (or when no contact has that email, for a contact OnTime holds
/// without an email) by name — all ignoring case.
fn child_position(items: &[Json], list: &str, draft: &Fields) -> Option<usize> {
    let by_name = |item: &Json| text_eq(item, "Name", draft.text("Name"));
    if list == "Departments" {
        return items.iter().position(by_name);
    }
    match draft.text("Email") {
        Some(email) => items
            .iter()
            .position(|item| text_eq(item, "Email", Some(email)))
            .or_else(|| {
                items.iter().position(|item| {
                    by_name(item)
                        && item
                            .get("Email")
                            .and_then(Json::as_str)
                            .is_none_or(|e| e.trim().is_empty())
                })
            }),
        None => items.iter().position(by_name),
    }
}

fn text_eq(item: &Json, field: &str, want: Option<&str>) -> bool {
    match (item.get(field).and_then(Json::as_str), want) {
        (Some(have), Some(want)) => have.trim().to_lowercase() == want.trim().to_lowercase(),
        _ => false,
    }
}

/// Whether two records hold the same data: numbers compare by value (45 equals 45.0), and a
/// missing property equals null.
pub(crate) fn same(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => x.as_f64() == y.as_f64(),
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Json::Object(x), Json::Object(y)) => {
            let keys = x.keys().chain(y.keys());
            keys.into_iter().all(|k| {
                same(
                    x.get(k).unwrap_or(&Json::Null),
                    y.get(k).unwrap_or(&Json::Null),
                )
            })
        }
        _ => a == b,
    }
}

/// The top-level properties whose values differ, for "updated: Phone, City" messages.
pub(crate) fn changed(before: &Json, after: &Json) -> Vec<String> {
    let (Some(before), Some(after)) = (before.as_object(), after.as_object()) else {
        return Vec::new();
    };
    let mut names: Vec<String> = after
        .iter()
        .filter(|(k, v)| !same(before.get(*k).unwrap_or(&Json::Null), v))
        .map(|(k, _)| k.clone())
        .collect();
    names.sort_by_key(|name| {
        ontime_api::CUSTOMER_FIELDS
            .iter()
            .position(|f| f.name == name)
            .unwrap_or(usize::MAX)
    });
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use ontime_api::{Entity, Value};
    use serde_json::json;

    fn fields(entity: Entity, pairs: &[(&'static str, &str)]) -> Fields {
        let mut fields = Fields::default();
        for (name, value) in pairs {
            fields.set(entity, name, Value::Text((*value).to_string()));
        }
        fields
    }

    #[test]
    fn an_update_keeps_what_the_sheet_does_not_name() {
        let existing = json!({
            "ID": "c1", "Name": "Acme", "Phone": "1", "Comments": "typed in OnTime", "BillingAdjustmentPercentage": 45,
            "Departments": [{"ID": "d1", "CustomerID": "c1", "Name": "Radiology"}],
            "Contacts": [{"ID": "k1", "CustomerID": "c1", "Name": "Ann", "Email": "ann@x.com", "Phone": "5"}]
        });
        let draft = CustomerDraft {
            fields: fields(Entity::Customer, &[("Name", "Acme"), ("Phone", "2")]),
            departments: vec![
                fields(Entity::Department, &[("Name", "radiology")]),
                fields(Entity::Department, &[("Name", "Lab")]),
            ],
            contacts: vec![fields(
                Entity::Contact,
                &[("Name", "Ann B."), ("Email", "ANN@x.com")],
            )],
        };
        let merged = overlay(&existing, &draft, &Defaulted::default());
        assert_eq!(merged["ID"], "c1");
        assert_eq!(merged["Phone"], "2");
        assert_eq!(merged["Comments"], "typed in OnTime");
        assert_eq!(merged["Departments"].as_array().map(Vec::len), Some(2));
        assert_eq!(merged["Departments"][0]["ID"], "d1");
        assert_eq!(merged["Departments"][1].get("ID"), None);
        assert_eq!(merged["Contacts"][0]["ID"], "k1");
        assert_eq!(merged["Contacts"][0]["Name"], "Ann B.");
        assert_eq!(merged["Contacts"][0]["Phone"], "5");
        assert_eq!(
            changed(&existing, &merged),
            ["Phone", "Contacts", "Departments"]
        );
    }

    #[test]
    fn a_default_fills_only_what_ontime_holds_blank() {
        let existing = json!({
            "ID": "c1", "Name": "Acme", "PricingMethod": "Distance", "Country": "CA",
            "TimeZone": null, "State": "  ", "Phone": "1",
            "Contacts": [{"ID": "k1", "Name": "Ann", "Phone": "555"}, {"ID": "k2", "Name": "Bo"}]
        });
        let mut draft = CustomerDraft {
            fields: fields(
                Entity::Customer,
                &[
                    ("Phone", "2"),
                    ("PricingMethod", "None"),
                    ("Country", "US"),
                    ("TimeZone", "Eastern Standard Time"),
                    ("State", "MA"),
                    ("City", "Boston"),
                ],
            ),
            departments: vec![],
            contacts: vec![
                fields(Entity::Contact, &[("Name", "Ann"), ("Phone", "000")]),
                fields(Entity::Contact, &[("Name", "Bo"), ("Phone", "000")]),
                fields(Entity::Contact, &[("Name", "Cy"), ("Phone", "000")]),
            ],
        };
        draft
            .fields
            .set(Entity::Customer, "Inactive", Value::Bool(false));
        let mask = |entity, names: &[&str]| {
            names.iter().fold(0, |mask, name| {
                let index = Entity::fields(entity).iter().position(|d| d.name == *name);
                mask | 1u32 << index.unwrap_or(31)
            })
        };
        let all = [
            "PricingMethod",
            "Country",
            "TimeZone",
            "State",
            "City",
            "Inactive",
        ];
        let defaulted = Defaulted {
            customer: mask(Entity::Customer, &all),
            departments: vec![],
            contacts: vec![mask(Entity::Contact, &["Phone"]); 3],
        };
        let merged = overlay(&existing, &draft, &defaulted);
        assert_eq!(merged["Phone"], "2", "a cell overwrites");
        assert_eq!(merged["PricingMethod"], "Distance");
        assert_eq!(merged["Country"], "CA");
        assert_eq!(merged["TimeZone"], "Eastern Standard Time", "null is blank");
        assert_eq!(merged["State"], "MA", "spaces are blank");
        assert_eq!(merged["City"], "Boston", "absent is blank");
        assert_eq!(merged["Inactive"], false);
        let phones: Vec<&Json> = merged["Contacts"]
            .as_array()
            .map(|items| items.iter().map(|c| &c["Phone"]).collect())
            .unwrap_or_default();
        assert_eq!(phones, [&json!("555"), &json!("000"), &json!("000")]);
        assert_eq!(
            defaults_kept_out(&existing, &draft, &defaulted),
            [
                "PricingMethod (OnTime has \"Distance\")",
                "Country (OnTime has \"CA\")"
            ]
        );
        // Without defaults, every value overwrites.
        let merged = overlay(&existing, &draft, &Defaulted::default());
        assert_eq!(merged["Country"], "US");
        assert_eq!(merged["Contacts"][0]["Phone"], "000");
    }

    #[test]
    fn a_contact_without_an_email_in_ontime_matches_by_name() {
        let existing = json!({
            "ID": "c1", "Name": "Acme",
            "Contacts": [
                {"ID": "k1", "Name": "Ann", "Email": "ann@old.com"},
                {"ID": "k2", "Name": "Bob", "Email": null},
            ]
        });
        let contact = |name, email| fields(Entity::Contact, &[("Name", name), ("Email", email)]);
        let draft = CustomerDraft {
            fields: fields(Entity::Customer, &[("Name", "Acme")]),
            departments: vec![],
            contacts: vec![contact("BOB", "bob@x.com"), contact("Ann", "ann@new.com")],
        };
        let merged = overlay(&existing, &draft, &Defaulted::default());
        let contacts = merged["Contacts"].as_array().map(Vec::len);
        assert_eq!(contacts, Some(3), "{merged}");
        assert_eq!(merged["Contacts"][1]["ID"], "k2");
        assert_eq!(merged["Contacts"][1]["Email"], "bob@x.com");
        // Another email under the same name is another person: added, the old one kept.
        assert_eq!(merged["Contacts"][0]["Email"], "ann@old.com");
        assert_eq!(merged["Contacts"][2].get("ID"), None);
    }

    #[test]
    fn a_record_is_posted_back_only_with_its_own_id() {
        let id = "c56a4180-65aa-42ec-a945-5fd21dec0538";
        let record = |body: Json| with_id(body, id);
        assert_eq!(
            record(json!({"Id": "{C56A4180-65AA-42EC-A945-5FD21DEC0538}", "Name": "A"})),
            Some(json!({"ID": id, "Name": "A"}))
        );
        assert_eq!(record(json!({"ID": id})), Some(json!({"ID": id})));
        assert_eq!(record(json!({"Name": "A"})), None);
        assert_eq!(record(json!({"ID": null})), None);
        assert_eq!(
            record(json!({"ID": "00000000-0000-0000-0000-000000000001"})),
            None
        );
        assert_eq!(record(json!([{"ID": id}])), None);
    }

    #[test]
    fn an_update_answered_for_another_customer_is_told() {
        let id = "c56a4180-65aa-42ec-a945-5fd21dec0538";
        assert_eq!(answered_for_another(&json!({"ID": id}), id), None);
        assert_eq!(
            answered_for_another(&json!({"id": id.to_uppercase()}), id),
            None
        );
        assert_eq!(answered_for_another(&json!({"Name": "A"}), id), None);
        assert_eq!(answered_for_another(&Json::Null, id), None);
        let other =
            answered_for_another(&json!({"ID": "00000000-0000-0000-0000-000000000002"}), id);
        assert!(other.is_some_and(|m| {
            m.contains("was answered with customer 00000000-0000-0000-0000-000000000002")
        }));
    }

    #[test]
    fn a_post_adds_children_when_one_lacks_an_id() {
        assert!(!adds_children(&json!({"Name": "A"})));
        assert!(!adds_children(
            &json!({"Contacts": [{"ID": "c1", "Name": "Ann"}], "Departments": [{"id": "d1"}]})
        ));
        assert!(adds_children(
            &json!({"Contacts": [{"ID": "c1"}, {"Name": "New"}]})
        ));
        assert!(
            adds_children(&json!({"Departments": [{"ID": " "}]})),
            "a blank ID is none"
        );
        assert!(adds_children(&json!({"Departments": [{"ID": null}]})));
    }

    #[test]
    fn equal_records_are_the_same() {
        let existing =
            json!({"ID": "c1", "Name": "Acme", "BillingAdjustmentPercentage": 45, "Fax": null});
        let mut draft = CustomerDraft::default();
        draft
            .fields
            .set(Entity::Customer, "Name", Value::Text("Acme".into()));
        draft.fields.set(
            Entity::Customer,
            "BillingAdjustmentPercentage",
            Value::Number(45.0),
        );
        let merged = overlay(&existing, &draft, &Defaulted::default());
        assert!(same(&existing, &merged));
        assert!(same(&json!({"A": null}), &json!({})));
        assert!(!same(&json!({"A": "x"}), &json!({})));
    }
}
