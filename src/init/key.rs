//! The customer's identity in the proposal: the group key (and AccountNumber from it when no
//! header names one), a Name when no header names one, and how `[match]` finds existing
//! customers.

use super::propose::{Confidence, Proposal, push};
use crate::inspect::Inspection;
use crate::inspect::kind::ValueKind;
use ontime_api::Entity;

/// The group key, AccountNumber from it when free, and a Name in any case.
pub(super) fn key_and_name(p: &mut Proposal, found: &Inspection) {
    if let Some(key) = &found.group_key {
        p.group_by = Some((key.column.clone(), key.why.clone()));
        if !p.uses(&key.column) && !p.has(Entity::Customer, "AccountNumber") {
            let column = found.columns.iter().find(|c| c.header == key.column);
            if let Some(column) = column.filter(|c| {
                !matches!(
                    c.kind,
                    ValueKind::Email | ValueKind::Date | ValueKind::BooleanLike
                )
            }) {
                let evidence = "the group key: one value per customer".to_string();
                push(
                    p,
                    column,
                    Entity::Customer,
                    "AccountNumber",
                    evidence,
                    Confidence::Medium,
                    Vec::new(),
                );
            }
        }
    } else if let Some(column) = p.column_of(Entity::Customer, "AccountNumber") {
        p.group_by = Some((column.to_string(), "the AccountNumber column".into()));
    }
    if p.has(Entity::Customer, "Name") {
        return;
    }
    // The text column with the most different values that nothing else took.
    let candidate = found
        .columns
        .iter()
        .filter(|c| {
            c.kind == ValueKind::Text && c.filled > 0 && !c.header.is_empty() && !p.uses(&c.header)
        })
        .max_by_key(|c| (c.distinct, c.filled));
    let column = candidate.or_else(|| {
        let key = p.group_by.as_ref()?;
        found.columns.iter().find(|c| c.header == key.0)
    });
    if let Some(column) = column {
        let evidence = "OnTime needs a name and no header says one: the text column with the most different values".to_string();
        push(
            p,
            column,
            Entity::Customer,
            "Name",
            evidence,
            Confidence::Low,
            Vec::new(),
        );
    }
    if p.group_by.is_none()
        && let Some(name) = p.column_of(Entity::Customer, "Name")
    {
        p.group_by = Some((
            name.to_string(),
            "no account number: rows with the same name are one customer".into(),
        ));
    }
}

pub(super) fn match_by(p: &Proposal, found: &Inspection) -> (&'static str, String) {
    if p.has(Entity::Customer, "AccountNumber") {
        return (
            "AccountNumber",
            "AccountNumber is mapped: existing customers are found by it".into(),
        );
    }
    let key = found.group_key.as_ref().map(|k| k.column.as_str());
    if key.is_some() && key == p.column_of(Entity::Customer, "Name") {
        return ("Name", "no account number, and the name is the group key: existing customers are found by name".into());
    }
    ("none", "no account number: every customer is created; set `by = \"Name\"` to find existing ones by name".into())
}
