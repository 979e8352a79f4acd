//! The `--errors` file: every invalid or failed row of the input, with the rows of the same
//! customers in other tables (see [`crate::report::ErrorRows`]), in the input's own layout (the
//! rows above the header, the header, the same columns) plus an `Error` column, so a user can
//! fix the cells and import that file with the same mapping.
//!
//! A workbook input gives a workbook holding every sheet of it that the mapping reads (the
//! customer sheet first, then the linked ones), with typed cells (numbers stay numbers, dates
//! dates). A CSV input gives a CSV with the input's delimiter, in the mapping's encoding when it
//! names one, else UTF-8 with a BOM so Excel opens it right; tables the mapping reads from
//! other files are not in it (the report lists their rows with their own source). The file is
//! written through a temporary file renamed into place.

use std::collections::HashMap;
use std::path::Path;

use crate::mapping::convert::cell_text;
use crate::mapping::{Mapping, Origin};
use crate::read::{self, Cell, ReadOptions, SourceName, Table};
use crate::report::{ErrorRows, Report, replace_with, write_atomically};

/// What the errors file of an input is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Csv,
    Xlsx,
}

impl Format {
    /// The format for `input`: a workbook gives a workbook, anything else CSV. `None` when the
    /// input cannot be opened (the run then stops on that, with its own message).
    pub(crate) fn of_input(input: &Path) -> Option<Format> {
        match read::sheet_names(input) {
            Ok(Some(_)) => Some(Format::Xlsx),
            Ok(None) => Some(Format::Csv),
            Err(_) => None,
        }
    }

    /// Whether `path`'s extension says this format.
    pub(crate) fn fits(self, path: &Path) -> bool {
        let extension = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match self {
            Format::Xlsx => extension.as_deref() == Some("xlsx"),
            Format::Csv => matches!(extension.as_deref(), Some("csv" | "txt" | "tsv")),
        }
    }

    pub(crate) fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }
}

/// Writes the errors file; returns how many rows to fix it holds.
pub(crate) fn write(
    path: &Path,
    input: &Path,
    mapping: &Mapping,
    report: &Report,
) -> Result<usize, String> {
    let rows = report.error_rows();
    let format = Format::of_input(input).unwrap_or(Format::Csv);
    let error = |e: String| format!("cannot write the errors file {}: {e}", path.display());
    match format {
        Format::Csv => write_csv(path, input, mapping, &rows).map_err(error),
        Format::Xlsx => write_xlsx(path, input, mapping, &rows).map_err(error),
    }
}

/// The rows to write of the table named `source`, from every report source with that name
/// (two children may read one sheet).
fn rows_of(rows: &ErrorRows, source: &SourceName) -> HashMap<u64, String> {
    let mut merged: HashMap<u64, String> = HashMap::new();
    for (name, messages) in &rows.sources {
        if name != source {
            continue;
        }
        for (number, message) in messages {
            let cell = merged.entry(*number).or_default();
            if cell.is_empty() {
                cell.clone_from(message);
            } else if !message.is_empty() && cell != message {
                cell.push_str("; ");
                cell.push_str(message);
            }
        }
    }
    merged
}

/// The rows above the header that are kept: as many as the mapping's `header_row` skips.
fn rows_above(table: &Table, options: &ReadOptions) -> usize {
    let above = usize::try_from(options.header_row.saturating_sub(1)).unwrap_or(usize::MAX);
    above.min(table.preview.len())
}

fn write_csv(
    path: &Path,
    input: &Path,
    mapping: &Mapping,
    rows: &ErrorRows,
) -> Result<usize, String> {
    let table = read::open(input, &mapping.source).map_err(|e| e.to_string())?;
    let wanted = rows_of(rows, &table.source);
    let delimiter = table.delimiter.unwrap_or(b',');
    let mut out = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_writer(Vec::new());
    let csv_error = |e: csv::Error| e.to_string();
    for line in table
        .preview
        .iter()
        .take(rows_above(&table, &mapping.source))
    {
        out.write_record(line).map_err(csv_error)?;
    }
    let mut header = table.headers.clone();
    header.push("Error".into());
    out.write_record(&header).map_err(csv_error)?;
    let mut written = 0;
    for row in table.rows {
        let row = row.map_err(|e| e.to_string())?;
        let Some(message) = wanted.get(&row.number) else {
            continue;
        };
        let mut cells: Vec<String> = row.cells.iter().map(as_text).collect();
        cells.push(message.clone());
        out.write_record(&cells).map_err(csv_error)?;
        written += 1;
    }
    let text = out.into_inner().map_err(|e| e.error().to_string())?;
    let bytes = match mapping.source.encoding {
        Some(encoding) if encoding != encoding_rs::UTF_8 => {
            let text = String::from_utf8_lossy(&text);
            encoding.encode(&text).0.into_owned()
        }
        _ => [b"\xEF\xBB\xBF".as_slice(), &text].concat(),
    };
    write_atomically(path, &bytes).map_err(|e| e.to_string())?;
    Ok(written)
}

/// The tables of the input workbook the mapping reads: the customer sheet, then each child
/// table read from another sheet of the same workbook.
fn workbook_tables(mapping: &Mapping) -> Vec<&ReadOptions> {
    let mut tables = vec![&mapping.source];
    for child in [&mapping.department, &mapping.contact]
        .into_iter()
        .flatten()
    {
        if let Origin::Elsewhere {
            file: None, read, ..
        } = &child.origin
        {
            tables.push(read);
        }
    }
    tables
}

fn write_xlsx(
    path: &Path,
    input: &Path,
    mapping: &Mapping,
    rows: &ErrorRows,
) -> Result<usize, String> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let mut done: Vec<SourceName> = Vec::new();
    let mut written = 0;
    for options in workbook_tables(mapping) {
        let table = read::open(input, options).map_err(|e| e.to_string())?;
        if done.contains(&table.source) {
            continue;
        }
        done.push(table.source.clone());
        let wanted = rows_of(rows, &table.source);
        let above = rows_above(&table, options);
        let sheet = book.add_worksheet();
        written += fill_sheet(sheet, table, above, &wanted).map_err(|e| e.to_string())?;
    }
    replace_with(path, |temp| book.save(temp).map_err(std::io::Error::other))
        .map_err(|e| e.to_string())?;
    Ok(written)
}

/// One sheet of the errors workbook: its name, the rows above the header, the header with an
/// `Error` column, and the wanted rows with their cells typed as in the input.
fn fill_sheet(
    sheet: &mut rust_xlsxwriter::Worksheet,
    table: Table,
    above: usize,
    wanted: &HashMap<u64, String>,
) -> Result<usize, Box<dyn std::error::Error>> {
    if let Some(name) = &table.source.sheet {
        sheet.set_name(name)?;
    }
    let mut at: u32 = 0;
    for line in table.preview.iter().take(above) {
        for (column, text) in line.iter().enumerate() {
            if !text.is_empty() {
                sheet.write_string(at, u16::try_from(column)?, text)?;
            }
        }
        at += 1;
    }
    let error_column = u16::try_from(table.headers.len())?;
    for (column, text) in table.headers.iter().enumerate() {
        sheet.write_string(at, u16::try_from(column)?, text)?;
    }
    sheet.write_string(at, error_column, "Error")?;
    let mut written = 0;
    for row in table.rows {
        let row = row?;
        let Some(message) = wanted.get(&row.number) else {
            continue;
        };
        at += 1;
        for (column, cell) in row.cells.iter().enumerate() {
            write_cell(sheet, at, u16::try_from(column)?, cell)?;
        }
        sheet.write_string(at, error_column, message)?;
        written += 1;
    }
    Ok(written)
}

/// A cell as the input had it: text stays text (a formula-like text is written as text, never
/// as a formula), numbers, booleans and dates keep their type; an error cell becomes its text.
fn write_cell(
    sheet: &mut rust_xlsxwriter::Worksheet,
    row: u32,
    column: u16,
    cell: &Cell,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    use chrono::{Datelike, Timelike};
    match cell {
        Cell::Empty => {}
        Cell::Text(text) | Cell::Error(text) | Cell::Damaged(text) => {
            sheet.write_string(row, column, text)?;
        }
        Cell::Number(number) => {
            sheet.write_number(row, column, *number)?;
        }
        Cell::Bool(value) => {
            sheet.write_boolean(row, column, *value)?;
        }
        Cell::DateTime(at) => {
            let date = u16::try_from(at.year())
                .ok()
                .and_then(|year| {
                    let month = u8::try_from(at.month()).ok()?;
                    let day = u8::try_from(at.day()).ok()?;
                    rust_xlsxwriter::ExcelDateTime::from_ymd(year, month, day).ok()
                })
                .and_then(|date| {
                    let hour = u16::try_from(at.hour()).ok()?;
                    let minute = u8::try_from(at.minute()).ok()?;
                    date.and_hms(hour, minute, f64::from(at.second())).ok()
                });
            match date {
                Some(date) => {
                    let shape = if at.time() == chrono::NaiveTime::MIN {
                        "yyyy-mm-dd"
                    } else {
                        "yyyy-mm-dd hh:mm:ss"
                    };
                    let format = rust_xlsxwriter::Format::new().set_num_format(shape);
                    sheet.write_datetime_with_format(row, column, &date, &format)?;
                }
                // A date Excel cannot hold (before 1900) stays readable as text.
                None => {
                    sheet.write_string(row, column, cell_text(cell).unwrap_or_default())?;
                }
            }
        }
    }
    Ok(())
}

fn as_text(cell: &Cell) -> String {
    match cell {
        Cell::Text(text) => text.clone(),
        other => cell_text(other).unwrap_or_default(),
    }
}
