//! One row's cells as OnTime values, and how they join a customer: conversion through the value
//! map ([`field_value`]), children built from a row and de-duplicated by name (and email), a
//! field's value merged with the one the customer holds (two different ones are a problem naming
//! both rows).
//!
//! Invariant: every problem names the OnTime field, the column and the value.

use super::defaulted::{bit, catalog_index};
use super::{Builder, Problem, rules};
use crate::mapping::convert::{self, cell_text, convert};
use crate::mapping::{FieldBinding, RuleSource};
use crate::read::{Cell, Row};
use crate::report::{Report, RowId};
use ontime_api::{Entity, Fields, Kind, Value};

/// One field of one row: `Ok(None)` when blank (after the value map), else the value.
pub(super) fn field_value(binding: &FieldBinding, row: &Row) -> Result<Option<Value>, String> {
    let (Some(column), RuleSource::Column { map, .. }) = (&binding.column, &binding.rule.source)
    else {
        return Ok(None);
    };
    let cell = row.cells.get(column.index).unwrap_or(&Cell::Empty);
    if !map.is_empty()
        && !matches!(cell, Cell::Error(_))
        && let Some(text) = convert::borrowed_text(cell)
    {
        // The keys are lowercase (`str::to_lowercase`); for ASCII text that is ASCII case.
        let found = if text.is_ascii() {
            map.iter().find(|(k, _)| k.eq_ignore_ascii_case(&text))
        } else {
            let wanted = text.to_lowercase();
            map.iter().find(|(k, _)| *k == wanted)
        };
        if let Some((_, mapped)) = found {
            return Ok(mapped.clone());
        }
    }
    match (cell, binding.rule.field.kind) {
        // The common case, without the allocation `convert` would make.
        (Cell::Text(text), Kind::Text) => {
            let text = convert::trim(text);
            if convert::shortened_number(text) {
                return Err(convert::SHORTENED.into());
            }
            Ok((!text.is_empty()).then(|| Value::Text(text.to_string())))
        }
        (Cell::Text(text), Kind::Email) if ontime_api::is_email(convert::trim(text)) => {
            Ok(Some(Value::Text(convert::trim(text).to_string())))
        }
        (cell, kind) => convert(cell, kind),
    }
}

pub(super) fn bad_value(row_id: RowId, binding: &FieldBinding, row: &Row, reason: &str) -> Problem {
    let column = binding.column.as_ref();
    let header = column.map_or("", |c| c.header.as_str());
    let cell = column
        .and_then(|c| row.cells.get(c.index))
        .unwrap_or(&Cell::Empty);
    let shown = cell_text(cell).unwrap_or_default();
    Problem {
        row: row_id,
        field: Some(binding.rule.field.name.to_string()),
        column: column.map(|c| c.header.clone()),
        message: format!(
            "{}: column \"{header}\" value \"{shown}\" {reason}",
            binding.rule.field.name
        ),
        value: Some(shown),
        reason: Some(reason.to_string()),
    }
}

/// A child record from a row's columns, with the mask (by catalog index) of the properties its
/// mapping defaults gave; `None` when all its columns are blank.
pub(super) fn child(
    entity: Entity,
    bindings: &[FieldBinding],
    row_id: RowId,
    row: &Row,
    problems: &mut Vec<Problem>,
) -> Option<(Fields, u32)> {
    let mut fields = Fields(Vec::with_capacity(bindings.len()));
    let mut any_column = false;
    for binding in bindings {
        match field_value(binding, row) {
            Ok(Some(value)) => {
                any_column |= binding.column.is_some();
                fields.set(entity, binding.rule.field.name, value);
            }
            Ok(None) => {}
            Err(reason) => {
                any_column = true;
                problems.push(bad_value(row_id, binding, row, &reason));
            }
        }
    }
    if !any_column {
        return None;
    }
    let mut defaulted = 0;
    for binding in bindings {
        let Some((value, is_default)) = binding.rule.source.fallback() else {
            continue;
        };
        let name = binding.rule.field.name;
        if fields.get(name).is_none() {
            fields.set(entity, name, value.clone());
            if is_default {
                defaulted |= bit(catalog_index(entity, name));
            }
        }
    }
    rules::check_child(entity, &fields, bindings, row_id, row, problems);
    Some((fields, defaulted))
}

fn same_department(a: &Fields, b: &Fields) -> bool {
    same_text(a.text("Name"), b.text("Name"))
}

fn same_contact(a: &Fields, b: &Fields) -> bool {
    same_text(a.text("Name"), b.text("Name")) && same_text(a.text("Email"), b.text("Email"))
}

/// Equal ignoring case (`str::to_lowercase` on both), without allocating when both are ASCII.
/// Only then: a non-ASCII letter may lowercase to an ASCII one (the Kelvin sign to `k`).
fn same_text(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) if a.is_ascii() && b.is_ascii() => a.eq_ignore_ascii_case(b),
        (Some(a), Some(b)) if a == b => true,
        // `str::to_lowercase` lowercases each character alone, but for a capital sigma, which
        // depends on its neighbours: without one, comparing character by character is the same.
        (Some(a), Some(b)) if !has_sigma(a) && !has_sigma(b) => a
            .chars()
            .flat_map(char::to_lowercase)
            .eq(b.chars().flat_map(char::to_lowercase)),
        (Some(a), Some(b)) => a.to_lowercase() == b.to_lowercase(),
        (a, b) => a.is_none() && b.is_none(),
    }
}

/// Whether `text` holds a capital sigma (U+03A3, bytes CE A3).
fn has_sigma(text: &str) -> bool {
    text.as_bytes().windows(2).any(|pair| pair == [0xCE, 0xA3])
}

/// Whether the row's cell for a text field repeats, to the letter, the value the group already
/// has: then there is nothing to convert or compare (a cheap path for the common case of
/// customer columns repeated on every row).
pub(super) fn repeats(builder: &Builder, index: u8, field: &FieldBinding, row: &Row) -> bool {
    let (Some(column), RuleSource::Column { map, .. }) = (&field.column, &field.rule.source) else {
        return false;
    };
    let Some(Cell::Text(text)) = row.cells.get(column.index) else {
        return false;
    };
    let kind_is_text = field.rule.field.kind == ontime_api::Kind::Text;
    kind_is_text
        && map.is_empty()
        && held(builder, index)
            .is_some_and(|(value, _)| matches!(value, Value::Text(have) if have == crate::mapping::convert::trim(text)))
}

/// The value customer field `index` holds in the group, with the row that gave it.
pub(super) fn held(builder: &Builder, index: u8) -> Option<(&Value, RowId)> {
    let at = builder.given.iter().position(|(i, _)| *i == index)?;
    Some((&builder.fields.0[at].1, builder.given[at].1))
}

pub(super) fn merge(
    builder: &mut Builder,
    index: u8,
    field: &FieldBinding,
    row_id: RowId,
    value: Value,
    report: &Report,
) {
    let name = field.rule.field.name;
    match held(builder, index) {
        // A value is checked once, when it first joins the customer.
        None => match rules::refusal(&field.rule.field, &value) {
            None => {
                builder.fields.0.push((name, value));
                builder.given.push((index, row_id));
            }
            Some(violation) => {
                let header = field.column.as_ref().map_or("", |c| c.header.as_str());
                builder.problems.push(Problem {
                    row: row_id,
                    field: Some(name.to_string()),
                    column: field.column.as_ref().map(|c| c.header.clone()),
                    message: format!(
                        "{name}: column \"{header}\" value \"{}\" {violation}",
                        value.display()
                    ),
                    value: Some(value.display().to_string()),
                    reason: Some(violation.to_string()),
                });
            }
        },
        Some((first, _)) if *first == value => {}
        Some((first, first_row)) => {
            let header = field.column.as_ref().map_or("", |c| c.header.as_str());
            let message = format!(
                "{name}: column \"{header}\" has \"{}\" on {} but \"{}\" here; a customer's rows must agree (or leave the cell blank)",
                first.display(),
                report.label(first_row),
                value.display()
            );
            builder.problems.push(Problem {
                row: row_id,
                field: Some(name.to_string()),
                column: field.column.as_ref().map(|c| c.header.clone()),
                value: None,
                reason: None,
                message,
            });
        }
    }
}

pub(super) fn add_child(builder: &mut Builder, entity: Entity, found: Option<(Fields, u32)>) {
    let Some(found) = found else { return };
    let (list, same) = match entity {
        Entity::Department => (
            &mut builder.departments,
            same_department as fn(&Fields, &Fields) -> bool,
        ),
        _ => (
            &mut builder.contacts,
            same_contact as fn(&Fields, &Fields) -> bool,
        ),
    };
    if !list.iter().any(|(existing, _)| same(existing, &found.0)) {
        list.push(found);
    }
}

#[cfg(test)]
mod tests {
    use super::same_text;

    #[test]
    fn same_text_is_equality_of_the_lowercased_texts() {
        let texts = [
            "Ann",
            "ANN",
            "ann",
            "Étienne",
            "étienne",
            "ÉTIENNE",
            "Etienne",
            "ΟΔΟΣ",
            "οδος",
            "οδοσ",
            "Σ",
            "σ",
            "ς",
            "\u{212a}elvin",
            "kelvin",
            "İstanbul",
            "i\u{307}stanbul",
            "straße",
            "STRASSE",
            "",
            "a",
        ];
        for a in texts {
            for b in texts {
                let wanted = a.to_lowercase() == b.to_lowercase();
                assert_eq!(same_text(Some(a), Some(b)), wanted, "{a:?} {b:?}");
            }
            assert!(!same_text(Some(a), None));
        }
        assert!(same_text(None, None));
    }
}
