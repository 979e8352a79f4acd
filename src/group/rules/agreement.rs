//! The dry run and the sandbox agree on every field rule. The catalogue is walked: for every
//! property of every entity and every case its kind allows (a good value, blank, the wrong kind,
//! a name outside the enum, a bad Guid, a bad email), the importer's verdict (the cell converted
//! as the dry run converts it, then the record checked by [`super`]) is compared with a real
//! sandbox's answer to the record posted over HTTP. Both refuse, or both accept. The catalogue
//! documents no length limits, so there is no over-limit case.

use ontime_api::{CustomerDraft, Entity, FieldDef, Fields, Kind, Value};
use serde_json::json;

use super::{check_child, refusal, required};
use crate::mapping::convert::convert;
use crate::read::{Cell, Row};
use crate::report::RowId;

const GUID: &str = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";

/// Cell texts to try for a property of `kind`, the blank cell included.
fn cases(kind: Kind) -> Vec<String> {
    let texts: &[&str] = match kind {
        Kind::Text => &["Acme", "1001", "   "],
        Kind::Email => &["ann@acme.com", "n/a", "ann@acme", "Ann <ann@acme.com>"],
        Kind::Guid => &[
            GUID,
            "{3f2504e0-4f89-11d3-9a0c-0305e82c3301}",
            "xyz",
            "12345",
        ],
        Kind::GuidList => &["GUID;GUID", "GUID, xyz", "xyz"],
        Kind::Bool => &["yes", "false", "maybe", "2"],
        Kind::Number => &["12.5", "-3", "abc", "12%"],
        Kind::PricingMethod => &["Distance", "zone to zone", "Weekly", "flat"],
    };
    let mut all: Vec<String> = texts.iter().map(|t| t.replace("GUID", GUID)).collect();
    all.push(String::new());
    all
}

/// What the dry run makes of `text` as `def` of `entity`: the customer it would send, or `None`
/// when it refuses the row.
fn dry_run(entity: Entity, def: &FieldDef, text: &str) -> Option<CustomerDraft> {
    let value = convert(&Cell::Text(text.into()), def.kind).ok()?;
    let mut draft = CustomerDraft::default();
    let named = |entity: Entity, name: &str| {
        let mut fields = Fields::default();
        fields.set(entity, "Name", Value::Text(name.into()));
        fields
    };
    let mut record = Fields::default();
    if def.name != "Name" {
        record = named(entity, "Ann");
    }
    if let Some(value) = value {
        record.set(entity, def.name, value);
    }
    match entity {
        Entity::Customer => {
            draft.fields = record;
            for def in required(Entity::Customer) {
                draft.fields.get(def.name)?;
            }
            let refused = draft.fields.0.iter().any(|(name, value)| {
                let def = Entity::Customer.field(name).expect("a catalogue field");
                refusal(&def, value).is_some()
            });
            (!refused).then_some(draft)
        }
        child => {
            let mut problems = Vec::new();
            let row = Row {
                number: 2,
                cells: Vec::new(),
                ragged: None,
            };
            check_child(child, &record, &[], RowId(0), &row, &mut problems);
            draft.fields = named(Entity::Customer, "Acme");
            match child {
                Entity::Department => draft.departments.push(record),
                _ => draft.contacts.push(record),
            }
            problems.is_empty().then_some(draft)
        }
    }
}

/// The body a client would post for the case: the importer's own body when it accepts the row,
/// else the cell's text sent as it stands (what the importer saves OnTime from).
fn body(entity: Entity, def: &FieldDef, text: &str, accepted: Option<&CustomerDraft>) -> Vec<u8> {
    if let Some(draft) = accepted {
        return draft.to_json_bytes();
    }
    let mut record = serde_json::Map::new();
    if def.name != "Name" {
        record.insert("Name".into(), json!("Ann"));
    }
    record.insert(def.name.into(), json!(text));
    let body = match entity {
        Entity::Customer => json!(record),
        Entity::Department => json!({"Name": "Acme", "Departments": [record]}),
        Entity::Contact => json!({"Name": "Acme", "Contacts": [record]}),
    };
    body.to_string().into_bytes()
}

#[tokio::test]
async fn the_dry_run_refuses_exactly_what_the_sandbox_refuses() {
    let sandbox = ontime_sandbox::start(ontime_sandbox::SandboxConfig::default())
        .await
        .expect("the sandbox starts");
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("a client");
    let url = format!("{}customer/post", sandbox.api_url());
    let mut checked = 0;
    let mut disagreements = Vec::new();
    for entity in [Entity::Customer, Entity::Department, Entity::Contact] {
        for def in entity.fields() {
            for text in cases(def.kind) {
                let accepted = dry_run(entity, def, &text);
                let answer = http
                    .post(&url)
                    .header("Authorization", sandbox.api_key())
                    .header("Content-Type", "application/json")
                    .body(body(entity, def, &text, accepted.as_ref()))
                    .send()
                    .await
                    .expect("an answer");
                let status = answer.status().as_u16();
                assert!(status == 201 || status == 400, "{status}");
                if accepted.is_some() != (status == 201) {
                    let said = answer.text().await.unwrap_or_default();
                    disagreements.push(format!("{entity:?}.{} {text:?}: {said}", def.name));
                }
                checked += 1;
            }
        }
    }
    assert_eq!(disagreements, Vec::<String>::new());
    // 33 properties, 3 to 5 cases each.
    assert_eq!(checked, 143);
}

#[test]
fn every_entity_requires_its_name() {
    for entity in [Entity::Customer, Entity::Department, Entity::Contact] {
        let names: Vec<&str> = required(entity).map(|def| def.name).collect();
        assert_eq!(names, ["Name"], "{entity:?}");
    }
}
