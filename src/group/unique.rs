//! One customer per match value: two customers of the input that OnTime's lookup would find as
//! one are both refused before anything is sent.

use std::borrow::Cow;
use std::collections::HashMap;

use super::CustomerGroup;
use crate::mapping::convert::trim;
use crate::mapping::{Mapping, MatchBy};
use crate::report::{Outcome, Report, Status};

/// Two customers of the input with one match value (two branches of account 1001 grouped apart,
/// say) are one customer to OnTime's lookup: a first run would create both, and every later run
/// would find them ambiguous. Both are invalid, before anything is sent.
pub(super) fn one_customer_per_match_value(
    groups: Vec<CustomerGroup>,
    mapping: &Mapping,
    report: &mut Report,
) -> std::io::Result<Vec<CustomerGroup>> {
    let MatchBy::Field(field) = mapping.match_by else {
        return Ok(groups);
    };
    let mut first: HashMap<Cow<'_, str>, usize, foldhash::fast::RandomState> =
        HashMap::with_capacity_and_hasher(groups.len(), Default::default());
    let mut clashes: Vec<(usize, usize)> = Vec::new();
    for (index, group) in groups.iter().enumerate() {
        let Some(value) = match_key(group, field) else {
            continue;
        };
        match first.get(&value) {
            Some(&other) => clashes.push((index, other)),
            None => {
                first.insert(value, index);
            }
        }
    }
    drop(first);
    if clashes.is_empty() {
        return Ok(groups);
    }
    let column = mapping.customer.iter().find_map(|rule| match &rule.source {
        crate::mapping::RuleSource::Column { column, .. } if rule.field.name == field => {
            Some(column.name.clone())
        }
        _ => None,
    });
    let mut partner: HashMap<usize, usize> = HashMap::new();
    for (a, b) in clashes {
        partner.insert(a, b);
        partner.entry(b).or_insert(a);
    }
    let mut kept = Vec::with_capacity(groups.len());
    let labels: HashMap<usize, (String, String)> = partner
        .keys()
        .map(|&i| (i, (groups[i].key.clone(), report.label(groups[i].rows[0]))))
        .collect();
    for (index, group) in groups.into_iter().enumerate() {
        let Some(other) = partner.get(&index) else {
            kept.push(group);
            continue;
        };
        let (other_key, other_row) = &labels[other];
        let shown = group
            .draft
            .fields
            .get(field)
            .map(|v| v.display())
            .unwrap_or_default();
        let message = format!(
            "{field}: customer \"{}\" and customer \"{other_key}\" ({other_row}) both have {field} \"{shown}\": OnTime finds customers by {field}, so it could not tell them apart; give each its own {field}, or group their rows as one customer",
            group.key
        );
        for row in &group.rows {
            let outcome = Outcome {
                status: Status::Invalid,
                customer_id: None,
                field: Some(field.to_string()),
                column: column.clone(),
                value: None,
                reason: None,
                message: message.clone(),
            };
            report.decide(*row, outcome)?;
        }
    }
    Ok(kept)
}

/// A customer's match value as servers may compare it: trimmed, ignoring case; `None` if blank.
/// Borrowed from the customer when lowercasing changes nothing (account numbers, say).
fn match_key<'a>(group: &'a CustomerGroup, field: &str) -> Option<Cow<'a, str>> {
    let lowered = match group.draft.fields.shown(field)? {
        Cow::Borrowed(text) => lowercase(trim(text)),
        Cow::Owned(text) => Cow::Owned(lowercase(trim(&text)).into_owned()),
    };
    (!lowered.is_empty()).then_some(lowered)
}

/// `str::to_lowercase`, without a copy when the text has no ASCII capital and is ASCII.
fn lowercase(text: &str) -> Cow<'_, str> {
    if text
        .bytes()
        .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
    {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.to_lowercase())
    }
}
