//! The column layout shared by `make_samples` and `gen_bench_data`: the header of
//! `samples/customers.{csv,xlsx}` (the one `mappings/default.toml` reads) and how a row of it is
//! written to a worksheet.
//!
//! Invariant: a row is `[&str; COLUMNS.len()]` in `COLUMNS` order, the same text in CSV and
//! xlsx. In the xlsx every cell is text except `Billing Adj %`, which is stored as a number
//! (its optional trailing `%` dropped), so identifiers such as ZIP `02134` and `Acct No` `1001`
//! keep their leading zeros and group keys compare equal across both formats. Blank cells are
//! simply not written.

use rust_xlsxwriter::{Format, FormatAlign, IgnoreError, Worksheet, XlsxError};

/// The header row, in file order.
pub const COLUMNS: [&str; 25] = [
    "Acct No",
    "Company",
    "Primary Contact",
    "Address 1",
    "Address 2",
    "City",
    "State",
    "ZIP",
    "Country",
    "Phone",
    "Fax",
    "Email",
    "Billing Email",
    "Website",
    "Status",
    "Pricing",
    "Billing Adj %",
    "Invoice By Email",
    "Web Portal",
    "Ref",
    "Notes",
    "Department",
    "Contact",
    "Contact Email",
    "Contact Phone",
];

/// One data row, in `COLUMNS` order; `""` is a blank cell.
pub type Row<'a> = [&'a str; COLUMNS.len()];

/// The one column stored as a number in the xlsx.
pub const BILLING_ADJ: usize = 16;

/// Columns holding digits that Excel would flag as "number stored as text": Acct No, ZIP,
/// Phone, Fax, Contact Phone. They get the text format `@`, so that a person editing them in
/// Excel keeps them as text, and the warning is switched off.
const DIGIT_TEXT_COLUMNS: [usize; 5] = [0, 7, 9, 10, 24];

/// Column widths in characters, in `COLUMNS` order.
const WIDTHS: [f64; 25] = [
    9.0, 34.0, 20.0, 30.0, 16.0, 16.0, 6.0, 8.0, 8.0, 16.0, 16.0, 30.0, 30.0, 28.0, 9.0, 12.0,
    12.0, 10.0, 10.0, 12.0, 44.0, 22.0, 22.0, 34.0, 22.0,
];

/// The formats a sheet in this layout uses.
pub struct Formats {
    header: Format,
    text: Format,
}

impl Formats {
    pub fn new() -> Self {
        Formats {
            header: Format::new().set_bold().set_align(FormatAlign::Center),
            text: Format::new().set_num_format("@"),
        }
    }
}

/// Names the sheet, sets widths, text-formats the digit columns and writes the bold header.
/// Call before any data row (constant-memory sheets are written top to bottom).
pub fn start_sheet(sheet: &mut Worksheet, formats: &Formats) -> Result<(), XlsxError> {
    sheet.set_name("Customers")?;
    for (col, width) in (0u16..).zip(WIDTHS) {
        sheet.set_column_width(col, width)?;
    }
    for col in DIGIT_TEXT_COLUMNS {
        sheet.set_column_format(col as u16, &formats.text)?;
    }
    for (col, name) in (0u16..).zip(COLUMNS) {
        sheet.write_string_with_format(0, col, name, &formats.header)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

/// Writes data row `row` (1-based, under the header). A `Billing Adj %` that is not a number
/// is an error: this layout promises every row is valid.
pub fn write_row(
    sheet: &mut Worksheet,
    formats: &Formats,
    row: u32,
    cells: &Row<'_>,
) -> Result<(), Box<dyn std::error::Error>> {
    for (col, value) in (0u16..).zip(cells.iter()) {
        if value.is_empty() {
            continue;
        }
        if usize::from(col) == BILLING_ADJ {
            let number: f64 = value
                .trim_end_matches('%')
                .parse()
                .map_err(|e| format!("row {row}: Billing Adj % {value:?} is not a number ({e})"))?;
            sheet.write_number(row, col, number)?;
        } else if DIGIT_TEXT_COLUMNS.contains(&usize::from(col)) {
            sheet.write_string_with_format(row, col, *value, &formats.text)?;
        } else {
            sheet.write_string(row, col, *value)?;
        }
    }
    Ok(())
}

/// Adds the autofilter and silences "number stored as text" once the last row is known.
pub fn finish_sheet(sheet: &mut Worksheet, last_row: u32) -> Result<(), XlsxError> {
    let last_col = (COLUMNS.len() - 1) as u16;
    sheet.autofilter(0, 0, last_row, last_col)?;
    if last_row >= 1 {
        for col in DIGIT_TEXT_COLUMNS {
            let col = col as u16;
            sheet.ignore_error_range(1, col, last_row, col, IgnoreError::NumberStoredAsText)?;
        }
    }
    Ok(())
}
