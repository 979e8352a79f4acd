//! Workbook reading through calamine: choosing the sheet, the header search, the preview, and
//! the row iterator over the sheet's cells, which [`cells`] streams from a thread of its own
//! (xlsx, xlsm, xlsb) or loads whole (xls, ods). [`guard`] checks a zip archive's parts before
//! calamine inflates any of them.
//!
//! The format and its errors belong to [`super::workbook`]; cell conversion to
//! [`super::cell`]. Invariants: a row's number is the sheet's row number and a cell's index its
//! column from A, wherever the used range starts; blank rows are never yielded; memory follows
//! the cells a sheet holds, not its used range's area, and for xlsx and xlsb only the batches
//! in flight, not the whole sheet.

mod batch;
mod cells;
pub(super) mod guard;
mod shown;

use calamine::{Reader, SheetType, SheetVisible};

use super::workbook::{self, Workbook};
use super::*;
use batch::{Batch, Value};
use cells::CellBatches;

pub(super) fn sheet_names(path: &Path) -> Result<Vec<String>, ReadError> {
    Ok(workbook::open(path)?.sheet_names())
}

pub(super) fn open(path: &Path, options: &ReadOptions) -> Result<Table, ReadError> {
    let book = workbook::open(path)?;
    let sheet = choose_sheet(path, &book, options.sheet.as_deref())?;
    let others: Vec<String> = book
        .sheet_names()
        .into_iter()
        .filter(|name| *name != sheet)
        .collect();
    let source = SourceName {
        file: path.to_path_buf(),
        sheet: Some(sheet),
    };
    let mut rows = SheetRows {
        batches: cells::read(book, &source)?,
        cells: Vec::new().into_iter(),
        text: String::new(),
        width: 0,
    };
    rows.read_ahead(PREVIEW_ROWS)?;
    // An empty sheet in a workbook with others: the data is probably on one of those.
    let empty = |table: SourceName| {
        if others.is_empty() {
            ReadError::Empty { table }
        } else {
            ReadError::EmptySheet {
                table,
                others: others.clone(),
            }
        }
    };
    if rows.cells.as_slice().is_empty() {
        return Err(empty(source));
    }
    let preview = preview(rows.cells.as_slice(), &rows.text);
    let headers = rows
        .find_header(options.header_row.max(1), &source)
        .map_err(|error| match error {
            ReadError::Empty { table } => empty(table),
            other => other,
        })?;
    rows.width = headers.len();
    Ok(Table {
        source,
        headers,
        preview,
        delimiter: None,
        rows: Box::new(rows),
    })
}

/// The sheet asked for (exact name first, then ignoring case and surrounding spaces), or the
/// first visible worksheet: chart sheets hold no rows, and a hidden sheet (a lookup list, an
/// old copy) is not the one a person sees on opening the workbook.
fn choose_sheet(path: &Path, book: &Workbook, wanted: Option<&str>) -> Result<String, ReadError> {
    let names = book.sheet_names();
    let Some(wanted) = wanted else {
        let sheets = book.sheets_metadata();
        let worksheet = |s: &&calamine::Sheet| s.typ == SheetType::WorkSheet;
        return sheets
            .iter()
            .filter(worksheet)
            .find(|s| s.visible == SheetVisible::Visible)
            .or_else(|| sheets.iter().find(worksheet))
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

/// The first [`PREVIEW_ROWS`] sheet rows as text, from row 1 and column A; `text` is the
/// cells' batch's text.
fn preview(cells: &[((u32, u32), Value)], text: &str) -> Vec<Vec<String>> {
    let mut preview: Vec<Vec<String>> = Vec::new();
    for ((row, column), value) in cells {
        let (row, column) = (*row as usize, *column as usize);
        if row >= PREVIEW_ROWS {
            break;
        }
        if row >= preview.len() {
            preview.resize(row + 1, Vec::new());
        }
        let texts = &mut preview[row];
        if column >= texts.len() {
            texts.resize(column + 1, String::new());
        }
        texts[column] = cell::text(&value.clone().into_cell(text));
    }
    preview
}

/// The rows of a sheet, handed out one by one as cells of the header's width, from column A.
/// After an error it yields nothing more.
struct SheetRows {
    batches: CellBatches,
    /// The cells of the batch being handed out: whole rows, in order.
    cells: std::vec::IntoIter<((u32, u32), Value)>,
    /// Their batch's text.
    text: String,
    /// The header's width: cells to the right of it belong to no column.
    width: usize,
}

impl SheetRows {
    /// Reads batches until the first `rows` sheet rows are all in `cells` (or the sheet ends),
    /// without handing any out. Batches hold whole rows, so a cell at or below the last of
    /// those rows is enough to know they are complete.
    fn read_ahead(&mut self, rows: usize) -> Result<(), ReadError> {
        let complete = |cells: &[((u32, u32), Value)]| {
            cells
                .last()
                .is_some_and(|((row, _), _)| *row as usize + 1 >= rows)
        };
        while !complete(self.cells.as_slice()) {
            let Some(more) = self.batches.next()? else {
                break;
            };
            let mut batch = Batch {
                cells: std::mem::take(&mut self.cells).collect(),
                text: std::mem::take(&mut self.text),
            };
            batch.append(more);
            self.cells = batch.cells.into_iter();
            self.text = batch.text;
        }
        Ok(())
    }

    /// The next row holding a non-blank cell, with its sheet row number, `width` cells wide (or,
    /// with `width` 0, as wide as its last cell).
    fn take_row(&mut self) -> Result<Option<(u64, Vec<Cell>)>, ReadError> {
        loop {
            if self.cells.as_slice().is_empty() {
                let Some(batch) = self.batches.next()? else {
                    return Ok(None);
                };
                self.cells = batch.cells.into_iter();
                self.text = batch.text;
            }
            let cells = self.cells.as_slice();
            // A batch holds whole rows: the row ends where the batch or the row number does.
            let row = cells.first().map_or(0, |((row, _), _)| *row);
            let count = cells
                .iter()
                .position(|((r, _), _)| *r != row)
                .unwrap_or(cells.len());
            let cells = &cells[..count];
            if cells.iter().all(|(_, value)| value.is_blank(&self.text)) {
                self.cells.nth(count - 1);
                continue;
            }
            let width = match self.width {
                0 => cells.last().map_or(0, |((_, c), _)| *c as usize + 1),
                width => width,
            };
            let mut row_cells = vec![Cell::Empty; width];
            for ((_, column), value) in self.cells.by_ref().take(count) {
                if let Some(slot) = row_cells.get_mut(column as usize) {
                    *slot = value.into_cell(&self.text);
                }
            }
            return Ok(Some((u64::from(row) + 1, row_cells)));
        }
    }

    fn find_header(
        &mut self,
        header_row: u64,
        source: &SourceName,
    ) -> Result<Vec<String>, ReadError> {
        let mut last_row = 0;
        while let Some((number, cells)) = self.take_row()? {
            last_row = number;
            match header_step(header_row, number, false) {
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

impl RowStream for SheetRows {
    fn narrow(&mut self, width: usize) {
        // 0 would mean "as wide as the row's last cell".
        self.width = self.width.min(width).max(1);
    }
}

impl Iterator for SheetRows {
    type Item = Result<Row, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.take_row() {
            Ok(Some((number, cells))) => Some(Ok(Row {
                number,
                cells,
                ragged: None,
            })),
            Ok(None) => None,
            Err(error) => Some(Err(error)),
        }
    }
}
