//! What is wrong with one row, and how a customer with problems is decided in the report: each
//! row with a problem says it, the other rows of the customer name the rows that blocked them.

use crate::report::{Outcome, Report, RowId, Status};

/// Something wrong with one row.
#[derive(Debug, Clone)]
pub(super) struct Problem {
    pub(super) row: RowId,
    pub(super) field: Option<String>,
    pub(super) column: Option<String>,
    /// The cell's text and what is wrong with it, when the problem is one cell's value.
    pub(super) value: Option<String>,
    pub(super) reason: Option<String>,
    pub(super) message: String,
}

impl Problem {
    /// A problem of the whole row, not of one field.
    pub(super) fn row(row: RowId, column: Option<String>, message: String) -> Problem {
        Problem {
            row,
            field: None,
            column,
            value: None,
            reason: None,
            message,
        }
    }

    pub(super) fn outcome(&self) -> Outcome {
        Outcome {
            status: Status::Invalid,
            customer_id: None,
            field: self.field.clone(),
            column: self.column.clone(),
            value: self.value.clone(),
            reason: self.reason.clone(),
            message: self.message.clone(),
        }
    }
}

/// A customer without the required property `name` (mapped from `column`).
pub(super) fn missing(name: &str, column: Option<&str>, key: &str, rows: &[RowId]) -> Problem {
    let header = column.map_or(String::new(), |c| format!(" (column \"{c}\")"));
    let on = if rows.len() == 1 {
        "its row".to_string()
    } else {
        format!("all {} of its rows", rows.len())
    };
    Problem {
        row: rows.first().copied().unwrap_or(RowId(0)),
        field: Some(name.into()),
        column: column.map(str::to_string),
        value: None,
        reason: None,
        message: format!(
            "{name}: customer \"{key}\" has no {}{header}: it is blank on {on}",
            name.to_lowercase()
        ),
    }
}

/// Decides every row of a customer that has `problems`: none of it is sent.
pub(super) fn reject(
    key: &str,
    rows: &[RowId],
    problems: &[Problem],
    report: &mut Report,
) -> std::io::Result<()> {
    let mut blamed: Vec<RowId> = problems.iter().map(|p| p.row).collect();
    blamed.sort_unstable();
    blamed.dedup();
    for row in rows {
        let mine: Vec<&Problem> = problems.iter().filter(|p| p.row == *row).collect();
        let outcome = match mine.as_slice() {
            [] => {
                let labels: Vec<String> = blamed.iter().map(|r| report.label(*r)).collect();
                Outcome::new(
                    Status::Invalid,
                    format!(
                        "not sent: customer \"{}\" has a problem on {}",
                        key,
                        labels.join(", ")
                    ),
                )
            }
            [one] => one.outcome(),
            several => joined(several),
        };
        report.decide(*row, outcome)?;
    }
    Ok(())
}

/// One outcome for a row with several problems: their messages, fields and columns joined.
fn joined(several: &[&Problem]) -> Outcome {
    let mut outcome = several[0].outcome();
    outcome.message = several
        .iter()
        .map(|p| p.message.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    let fields: Vec<&str> = several.iter().filter_map(|p| p.field.as_deref()).collect();
    let columns: Vec<&str> = several.iter().filter_map(|p| p.column.as_deref()).collect();
    outcome.field = (!fields.is_empty()).then(|| fields.join("; "));
    outcome.column = (!columns.is_empty()).then(|| columns.join("; "));
    // Several problems: the list on screen shows the joined message.
    outcome.value = None;
    outcome.reason = None;
    outcome
}
