//! Writes the finished export: an `.xlsx` workbook (sheet "Customers") or a `.csv` file (UTF-8
//! with a byte-order mark, so Excel shows accents right; the import skips it), through a
//! temporary file renamed into place, so that FILE is either the previous one or this complete
//! export, never part of one.
//!
//! Cells are written as [`super::layout`] made them: in a workbook, text as text cells (never
//! a formula, a number or a date, whatever it looks like), numbers as numbers, yes/no as
//! booleans; in a CSV, the text of each cell, quoted where needed.

use std::io::Write;
use std::path::Path;

use super::layout::{Format, csv_text};
use crate::read::Cell;

/// Writes `headers` and `rows` to `path` in `format`.
pub(super) fn write(
    path: &Path,
    format: Format,
    headers: &[&str],
    rows: &[Vec<Cell>],
) -> std::io::Result<()> {
    crate::report::replace_with(path, |temp| match format {
        Format::Csv => csv(temp, headers, rows),
        Format::Xlsx => xlsx(temp, headers, rows),
    })
}

fn csv(path: &Path, headers: &[&str], rows: &[Vec<Cell>]) -> std::io::Result<()> {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    file.write_all("\u{feff}".as_bytes())?;
    let mut writer = csv::Writer::from_writer(file);
    writer.write_record(headers)?;
    for row in rows {
        writer.write_record(row.iter().map(csv_text))?;
    }
    let file = writer.into_inner().map_err(|e| e.into_error())?;
    file.into_inner().map_err(|e| e.into_error())?.sync_data()
}

fn xlsx(path: &Path, headers: &[&str], rows: &[Vec<Cell>]) -> std::io::Result<()> {
    let error = std::io::Error::other;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet_with_constant_memory().map_err(error)?;
    sheet.set_name("Customers").map_err(error)?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (column, header) in (0u16..).zip(headers) {
        sheet
            .write_string_with_format(0, column, *header, &bold)
            .map_err(error)?;
    }
    for (row, cells) in (1u32..).zip(rows) {
        for (column, cell) in (0u16..).zip(cells) {
            let written = match cell {
                Cell::Text(text) => sheet.write_string(row, column, text),
                Cell::Number(n) => sheet.write_number(row, column, *n),
                Cell::Bool(b) => sheet.write_boolean(row, column, *b),
                _ => continue,
            };
            written.map_err(|e| match e {
                rust_xlsxwriter::XlsxError::MaxStringLengthExceeded => std::io::Error::other(format!(
                    "row {}, column \"{}\" holds more than 32,767 characters, more than an Excel cell takes; export to a .csv file instead",
                    row + 1,
                    headers.get(usize::from(column)).unwrap_or(&"?")
                )),
                rust_xlsxwriter::XlsxError::RowColumnLimitError => std::io::Error::other(
                    "more rows than an Excel sheet holds (1,048,576); export to a .csv file instead",
                ),
                other => error(other),
            })?;
        }
    }
    book.save(path).map_err(error)
}
