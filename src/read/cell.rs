//! Workbook cells: calamine's [`Data`] into our [`Cell`], and any cell into the text a person
//! sees (for header names and the preview).
//!
//! Conversion goes by the cell's stored type, never by coercion: text that looks like a number
//! (`"02134"`) stays text with its leading zeros, and a date cell that holds no date is
//! [`Cell::Damaged`], never text.

use calamine::{Data, DataType};
use chrono::{NaiveDateTime, Timelike};

use super::Cell;

/// Moves a calamine value into a [`Cell`] (the text is moved, not copied).
pub(super) fn from_data(data: Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(text) if text.is_empty() => Cell::Empty,
        Data::String(text) => Cell::Text(text),
        Data::Float(number) => Cell::Number(number),
        // Precision loss only beyond 2^53, which no spreadsheet integer reaches.
        #[allow(clippy::cast_precision_loss)]
        Data::Int(number) => Cell::Number(number as f64),
        Data::Bool(value) => Cell::Bool(value),
        Data::Error(error) => Cell::Error(error.to_string()),
        Data::DateTime(value) if value.is_duration() => Cell::Text(
            value
                .as_duration()
                .map_or_else(|| value.to_string(), duration_text),
        ),
        // A time of day alone (a serial below 1, before Excel's first day) has no date to
        // show: as a date-time it would read 1899-12-31T14:30:00.
        Data::DateTime(value) if (0.0..1.0).contains(&value.as_f64()) => {
            match value.as_datetime() {
                Some(datetime) => Cell::Text(datetime.format("%H:%M:%S").to_string()),
                None => Cell::Text(value.to_string()),
            }
        }
        Data::DateTime(value) => match value.as_datetime() {
            Some(datetime) => Cell::DateTime(datetime),
            None => Cell::Damaged(value.to_string()),
        },
        // A date cell whose text is no date (`2024-13-45T99:99`) is damage, not text.
        iso @ Data::DateTimeIso(_) => match iso.as_datetime() {
            Some(datetime) => Cell::DateTime(datetime),
            None => Cell::Damaged(iso.to_string()),
        },
        Data::DurationIso(text) => Cell::Text(text),
    }
}

/// Text into a [`Cell`], as [`from_data`] takes a text value (copied).
pub(super) fn from_text(text: &str) -> Cell {
    if text.is_empty() {
        Cell::Empty
    } else {
        Cell::Text(text.to_string())
    }
}

/// The cell as text, the way a spreadsheet shows it with a general format: `1001` not
/// `1001.0`, `TRUE`, `#N/A`, dates as `2024-01-31` (with the time only when there is one).
pub(super) fn text(cell: &Cell) -> String {
    match cell {
        Cell::Empty => String::new(),
        Cell::Text(text) => text.clone(),
        Cell::Number(number) => number_text(*number),
        Cell::Bool(true) => "TRUE".to_string(),
        Cell::Bool(false) => "FALSE".to_string(),
        Cell::DateTime(datetime) => datetime_text(datetime),
        Cell::Error(error) | Cell::Damaged(error) => error.clone(),
    }
}

fn number_text(number: f64) -> String {
    if number.fract() == 0.0 && number.abs() < 1e15 {
        format!("{number:.0}")
    } else {
        number.to_string()
    }
}

fn datetime_text(datetime: &NaiveDateTime) -> String {
    if datetime.time().num_seconds_from_midnight() == 0 && datetime.time().nanosecond() == 0 {
        datetime.format("%Y-%m-%d").to_string()
    } else {
        datetime.format("%Y-%m-%d %H:%M:%S").to_string()
    }
}

/// A duration as Excel's `[h]:mm:ss`.
fn duration_text(duration: chrono::Duration) -> String {
    let seconds = duration.num_seconds();
    let sign = if seconds < 0 { "-" } else { "" };
    let seconds = seconds.unsigned_abs();
    format!(
        "{sign}{}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}
