//! `--report FILE.xlsx`: the report as a workbook, made from the report's CSV lines when the run
//! ends. The same columns and cells as the CSV (the `row` column as numbers); one sheet,
//! "Report", streamed to disk row by row so a million-row report does not sit in memory. The
//! plan file (`--plan-file FILE.xlsx`) is made the same way from its CSV lines ([`write_sheet`]).

use std::path::Path;

/// Whether `path` asks for a workbook: its extension is `.xlsx` (any case).
pub(super) fn is_workbook(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("xlsx"))
}

/// Writes the CSV report at `lines` as a workbook at `path`, through a temporary file.
pub(super) fn write(lines: &Path, path: &Path) -> std::io::Result<()> {
    write_sheet(lines, path, "Report", Some(1))
}

/// Writes the CSV at `lines` as a workbook of one sheet named `name` at `path`, through a
/// temporary file: the first line bold, the cells of column `numbers` that are whole numbers as
/// numbers, every other cell as the text it is (already neutralised in the CSV).
pub(super) fn write_sheet(
    lines: &Path,
    path: &Path,
    name: &str,
    numbers: Option<u16>,
) -> std::io::Result<()> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(lines)?;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book
        .add_worksheet_with_constant_memory()
        .map_err(std::io::Error::other)?;
    sheet.set_name(name).map_err(std::io::Error::other)?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let mut record = csv::StringRecord::new();
    let mut row: u32 = 0;
    while reader.read_record(&mut record)? {
        for (column, cell) in record.iter().enumerate() {
            // The report has 8 columns, the plan file 6.
            let column = u16::try_from(column).unwrap_or(u16::MAX);
            let written = match (row, column, cell.parse::<u32>()) {
                (0, _, _) => sheet.write_string_with_format(row, column, cell, &bold),
                (_, c, Ok(number)) if Some(c) == numbers => {
                    sheet.write_number(row, column, f64::from(number))
                }
                _ => sheet.write_string(row, column, cell),
            };
            written.map_err(std::io::Error::other)?;
        }
        row = row.checked_add(1).ok_or_else(|| {
            std::io::Error::other("the report has more rows than a worksheet holds")
        })?;
    }
    super::replace_with(path, |temp| book.save(temp).map_err(std::io::Error::other))
}
