//! Workbook reading (xlsx, xlsm, xlsb, xls, ods through calamine): choosing the sheet, the
//! header search, the preview, and the row iterator over the loaded sheet.
//!
//! The format and its errors belong to [`super::workbook`]; cell conversion to
//! [`super::cell`]. Invariants: a row's number is the sheet's row number (the sheet's used range
//! may start below row 1 and right of column A); blank rows are never yielded.

use calamine::{Data, Range, Reader, SheetType};

use super::workbook::{self, Workbook};
use super::*;

pub(super) fn sheet_names(path: &Path) -> Result<Vec<String>, ReadError> {
    Ok(workbook::open(path)?.sheet_names())
}

pub(super) fn open(path: &Path, options: &ReadOptions) -> Result<Table, ReadError> {
    let mut book = workbook::open(path)?;
    let sheet = choose_sheet(path, &book, options.sheet.as_deref())?;
    let range = book
        .worksheet_range(&sheet)
        .map_err(|e| workbook::damaged(path, e))?;
    let source = SourceName {
        file: path.to_path_buf(),
        sheet: Some(sheet),
    };
    let Some((first_row, first_column)) = range.start() else {
        return Err(ReadError::Empty { table: source });
    };
    let preview = preview(&range, first_row, first_column);
    let mut rows = SheetRows {
        range,
        next: 0,
        first_row: u64::from(first_row) + 1,
    };
    let headers = rows.find_header(options.header_row.max(1), &source)?;
    Ok(Table {
        source,
        headers,
        preview,
        rows: Box::new(rows),
    })
}

/// The sheet asked for (exact name first, then ignoring case and surrounding spaces), or the
/// first worksheet (chart sheets hold no rows).
fn choose_sheet(path: &Path, book: &Workbook, wanted: Option<&str>) -> Result<String, ReadError> {
    let names = book.sheet_names();
    let Some(wanted) = wanted else {
        let sheets = book.sheets_metadata();
        return sheets
            .iter()
            .find(|s| s.typ == SheetType::WorkSheet)
            .or(sheets.first())
            .map(|s| s.name.clone())
            .ok_or_else(|| ReadError::Format {
                file: path.to_path_buf(),
                cause: "the workbook has no sheets".into(),
                hint: "open it in Excel and check that it holds the data; save it again",
            });
    };
    let loose = |name: &str| name.trim().to_lowercase();
    names
        .iter()
        .find(|name| name.as_str() == wanted)
        .or_else(|| names.iter().find(|name| loose(name) == loose(wanted)))
        .cloned()
        .ok_or_else(|| ReadError::NoSuchSheet {
            file: path.to_path_buf(),
            sheet: wanted.to_string(),
            sheets: names.clone(),
        })
}

/// The first [`PREVIEW_ROWS`] sheet rows as text, from row 1 and column A (rows and columns
/// before the used range are blank).
fn preview(range: &Range<Data>, first_row: u32, first_column: u32) -> Vec<Vec<String>> {
    let skipped_rows = (first_row as usize).min(PREVIEW_ROWS);
    let mut rows = vec![Vec::new(); skipped_rows];
    for row in range.rows().take(PREVIEW_ROWS - skipped_rows) {
        let mut texts = vec![String::new(); first_column as usize];
        texts.extend(
            row.iter()
                .map(|data| cell::text(&cell::from_data(data.clone()))),
        );
        rows.push(texts);
    }
    rows
}

/// The rows of a loaded sheet, handed out one by one; each row's cells are moved out of the
/// range, not copied.
struct SheetRows {
    range: Range<Data>,
    /// Index in the range of the next row to look at.
    next: usize,
    /// Sheet row number (1-based) of the range's first row.
    first_row: u64,
}

impl SheetRows {
    /// The next non-blank row with its sheet row number, or, with `keep_blank`, the next row.
    fn take_row(&mut self, keep_blank: bool) -> Option<(u64, Vec<Cell>)> {
        while self.next < self.range.height() {
            let index = self.next;
            self.next += 1;
            let number = self.first_row + index as u64;
            let data = &mut self.range[index];
            if !keep_blank && data.iter().all(blank_data) {
                continue;
            }
            let cells = data
                .iter_mut()
                .map(|d| cell::from_data(std::mem::take(d)))
                .collect();
            return Some((number, cells));
        }
        None
    }

    fn find_header(
        &mut self,
        header_row: u64,
        source: &SourceName,
    ) -> Result<Vec<String>, ReadError> {
        let last_row = self.first_row + self.range.height() as u64 - 1;
        while let Some((number, cells)) = self.take_row(true) {
            let blank = cells.iter().all(Cell::is_blank);
            match header_step(header_row, number, blank) {
                HeaderStep::Skip => continue,
                HeaderStep::Blank => {
                    return Err(ReadError::BlankHeader {
                        table: source.clone(),
                        row: header_row,
                    });
                }
                HeaderStep::Header => {
                    return Ok(cells
                        .iter()
                        .map(|c| cell::text(c).trim().to_string())
                        .collect());
                }
            }
        }
        Err(if header_row <= 1 {
            ReadError::Empty {
                table: source.clone(),
            }
        } else {
            ReadError::NoHeader {
                table: source.clone(),
                row: header_row,
                rows: last_row,
            }
        })
    }
}

fn blank_data(data: &Data) -> bool {
    match data {
        Data::Empty => true,
        Data::String(text) => text.trim().is_empty(),
        _ => false,
    }
}

impl Iterator for SheetRows {
    type Item = Result<Row, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        let (number, cells) = self.take_row(false)?;
        Some(Ok(Row {
            number,
            cells,
            ragged: None,
        }))
    }
}
