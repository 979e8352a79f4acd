//! An edit "as a person in OnTime would": some properties of a stored Customer changed, the rest
//! kept, and its modification time moved to the clock's now. Used by
//! `POST /__sandbox/customers/{id}/edit` and by scripted events; never counted as a request.
//!
//! Invariant: the merged record passes the same checks as a `customer/post` of it would
//! (`validate::customer`) and is stored through [`Records::post_customer`], so an edit cannot
//! leave a record the API itself could not have stored; on any error nothing changes.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value as Json};
use uuid::Uuid;

use super::error::ApiError;
use super::records::{Customer, Records};
use super::validate;
use ontime_api::CUSTOMER_FIELDS;

/// Merges `changes` (Customer properties, PascalCase) into customer `id` and stamps it with
/// `now`. Properties left out keep their value; `Departments`/`Contacts`, when given, follow the
/// post's rules (an item with `ID` replaces that child, one without is added, the others are
/// kept). An unknown property name is a 400 (a typo would otherwise change nothing); `ID`, when
/// given, must be `id`.
pub(crate) fn apply<'r>(
    records: &'r mut Records,
    id: Uuid,
    changes: &Map<String, Json>,
    now: DateTime<Utc>,
) -> Result<&'r Customer, ApiError> {
    let customer = records
        .get(id)
        .ok_or_else(|| ApiError::NotFound(format!("No customer has the ID '{id}'.")))?;
    let Json::Object(mut merged) = customer.to_json() else {
        return Err(ApiError::Internal);
    };
    for (name, value) in changes {
        check_name(name, value, id)?;
        merged.insert(name.clone(), value.clone());
    }
    let body = validate::customer(merged)?;
    records.post_customer(body, now)
}

fn check_name(name: &str, value: &Json, id: Uuid) -> Result<(), ApiError> {
    if name == "ID" {
        let same = value.as_str().and_then(|s| Uuid::parse_str(s).ok()) == Some(id);
        return match same {
            true => Ok(()),
            false => Err(ApiError::field(
                "ID",
                format!("cannot change in an edit of '{id}'"),
            )),
        };
    }
    let known = CUSTOMER_FIELDS.iter().any(|d| d.name == name)
        || name == "Departments"
        || name == "Contacts";
    if known {
        return Ok(());
    }
    let hint = CUSTOMER_FIELDS
        .iter()
        .find(|d| d.name.eq_ignore_ascii_case(name))
        .map_or(String::new(), |d| format!(" (did you mean '{}'?)", d.name));
    Err(ApiError::BadRequest(format!(
        "'{name}' is not a Customer property{hint}."
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("valid time")
            .with_timezone(&Utc)
    }

    fn changes(value: Json) -> Map<String, Json> {
        value.as_object().expect("an object").clone()
    }

    fn seeded() -> (Records, Uuid) {
        let mut records = Records::default();
        let t0 = at("2026-12-06T10:00:00Z");
        let stored = json!({
            "Name": "Acme", "AccountNumber": "1", "City": "Leeds",
            "Departments": [{"Name": "Sales"}],
        });
        let id = records.insert_raw(&stored, t0, t0);
        (records, id)
    }

    #[test]
    fn only_the_given_properties_change_and_the_time_moves() {
        let (mut records, id) = seeded();
        let t1 = at("2026-12-06T10:05:00Z");
        let edited =
            apply(&mut records, id, &changes(json!({"City": "York"})), t1).expect("a valid edit");
        assert_eq!(edited.field("City"), "York");
        assert_eq!(edited.field("Name"), "Acme");
        assert_eq!(edited.field("AccountNumber"), "1");
        assert_eq!(edited.departments.len(), 1);
        assert_eq!(
            (edited.created, edited.modified),
            (at("2026-12-06T10:00:00Z"), t1)
        );
        // `null` blanks a property, as in a post.
        let edited = apply(&mut records, id, &changes(json!({"City": null})), t1).expect("valid");
        assert_eq!(edited.field("City"), &Json::Null);
    }

    #[test]
    fn children_follow_the_post_rules() {
        let (mut records, id) = seeded();
        let t1 = at("2026-12-06T10:05:00Z");
        let sales = records.get(id).expect("stored").departments[0].id;
        let given = json!({"Departments": [
            {"ID": sales.to_string(), "Name": "Sales North"},
            {"Name": "Returns"},
        ]});
        let edited = apply(&mut records, id, &changes(given), t1).expect("valid");
        let name_at = ontime_api::Entity::Department
            .fields()
            .iter()
            .position(|d| d.name == "Name");
        let name_at = name_at.expect("departments have a Name");
        let names: Vec<&Json> = edited
            .departments
            .iter()
            .map(|d| &d.fields[name_at])
            .collect();
        assert_eq!(edited.departments[0].id, sales);
        assert_eq!(names, [&json!("Sales North"), &json!("Returns")]);
    }

    #[test]
    fn bad_edits_change_nothing() {
        let (mut records, id) = seeded();
        let before = records.get(id).expect("stored").clone();
        let t1 = at("2026-12-06T10:05:00Z");
        let bad = [
            json!({"Email": "not an address"}),
            json!({"Name": null}),
            json!({"Nmae": "x"}),
            json!({"city": "York"}),
            json!({"ID": Uuid::nil().to_string()}),
        ];
        for change in bad {
            let result = apply(&mut records, id, &changes(change.clone()), t1);
            assert!(matches!(result, Err(ApiError::BadRequest(_))), "{change}");
        }
        let hint = apply(&mut records, id, &changes(json!({"city": "York"})), t1);
        assert!(format!("{:?}", hint.err()).contains("did you mean 'City'"));
        assert_eq!(records.get(id), Some(&before));
        let unknown = apply(&mut records, Uuid::nil(), &changes(json!({})), t1);
        assert!(matches!(unknown, Err(ApiError::NotFound(_))));
    }
}
