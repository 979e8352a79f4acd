//! The catalogue's field rules applied to what the rows built: every value and every required
//! property goes through [`ontime_api::check`], the function the sandbox answers its 400s with,
//! so whatever OnTime is expected to refuse the dry run refuses first.
//!
//! Invariant: each refusal is a [`Problem`] naming the row, the OnTime field, the column and the
//! value, so the report carries them in its columns.

use ontime_api::{Entity, FieldDef, Fields, Value, Violation, Wire};

use super::Problem;
use super::fields::bad_value;
use crate::mapping::FieldBinding;
use crate::read::Row;
use crate::report::RowId;

/// Why `value` is refused for `def`, as a message's tail (`is required`, `must be …`).
pub(super) fn refusal(def: &FieldDef, value: &Value) -> Option<Violation> {
    ontime_api::check(def, &Wire::from(value)).err()
}

/// The properties of `entity` that cannot be blank: those the rule refuses as `null`.
pub(super) fn required(entity: Entity) -> impl Iterator<Item = &'static FieldDef> {
    let fields = entity.fields().iter();
    fields.filter(|def| ontime_api::check(def, &Wire::Null).is_err())
}

/// Checks a Department or Contact built from one row: each property, given or not.
pub(super) fn check_child(
    entity: Entity,
    fields: &Fields,
    bindings: &[FieldBinding],
    row_id: RowId,
    row: &Row,
    problems: &mut Vec<Problem>,
) {
    for def in entity.fields() {
        let value = fields.get(def.name).map_or(Wire::Null, Wire::from);
        let Err(violation) = ontime_api::check(def, &value) else {
            continue;
        };
        let binding = bindings.iter().find(|b| b.rule.field.name == def.name);
        let problem = match (binding, violation) {
            (Some(binding), Violation::Required) => {
                let table = entity.table();
                let reason = format!(
                    "is blank, but OnTime refuses a {table} without a {name}: fill it in, or leave all of the row's {table} columns blank",
                    name = def.name
                );
                bad_value(row_id, binding, row, &reason)
            }
            (Some(binding), violation) => bad_value(row_id, binding, row, &violation.to_string()),
            (None, violation) => Problem {
                row: row_id,
                field: Some(def.name.to_string()),
                column: None,
                value: None,
                reason: None,
                message: format!(
                    "{name}: {violation}, and the mapping gives none: map a column to {name} under [{table}]",
                    name = def.name,
                    table = entity.table()
                ),
            },
        };
        problems.push(problem);
    }
}

#[cfg(test)]
mod agreement;
