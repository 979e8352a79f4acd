//! Workbook reading (xlsx, xlsm, xlsb, xls, ods through calamine): choosing the sheet, the
//! header search, the preview, and the row iterator over the loaded sheet.
//!
//! The format and its errors belong to [`super::workbook`]; cell conversion to
//! [`super::cell`]. Invariants: a row's number is the sheet's row number and a cell's index its
//! column from A, wherever the used range starts; blank rows are never yielded; memory follows
//! the cells a sheet holds, not its used range's area (for xlsx and xlsb).

use calamine::{Data, Reader, SheetType};

use super::workbook::{self, Workbook};
use super::*;

pub(super) fn sheet_names(path: &Path) -> Result<Vec<String>, ReadError> {
    Ok(workbook::open(path)?.sheet_names())
}

pub(super) fn open(path: &Path, options: &ReadOptions) -> Result<Table, ReadError> {
    let mut book = workbook::open(path)?;
    let sheet = choose_sheet(path, &book, options.sheet.as_deref())?;
    let rows = sparse_rows(&mut book, &sheet).map_err(|e| workbook::damaged(path, e))?;
    let source = SourceName {
        file: path.to_path_buf(),
        sheet: Some(sheet),
    };
    if rows.is_empty() {
        return Err(ReadError::Empty { table: source });
    }
    let preview = preview(&rows);
    let mut rows = SheetRows {
        rows: rows.into_iter(),
        width: 0,
    };
    let headers = rows.find_header(options.header_row.max(1), &source)?;
    rows.width = headers.len();
    Ok(Table {
        source,
        headers,
        preview,
        rows: Box::new(rows),
    })
}

/// A sheet row as stored: its 1-based number and its non-empty cells with their 0-based column.
type SparseRow = (u64, Vec<(u32, Data)>);

/// The sheet's non-empty cells grouped by row, in order. xlsx and xlsb are read cell by cell, so
/// memory follows the cells there are: one stray value at XFD1048576 must not make a dense
/// 16,384 × 1,048,576 grid. xls and ods have no cell reader in calamine and are loaded whole.
fn sparse_rows(book: &mut Workbook, sheet: &str) -> Result<Vec<SparseRow>, String> {
    let mut rows = Rows::default();
    match book {
        calamine::Sheets::Xlsx(xlsx) => {
            let mut reader = xlsx
                .worksheet_cells_reader(sheet)
                .map_err(|e| e.to_string())?;
            while let Some(cell) = reader.next_cell().map_err(|e| e.to_string())? {
                let position = cell.get_position();
                rows.push(position, Data::from(cell.get_value().clone()));
            }
        }
        calamine::Sheets::Xlsb(xlsb) => {
            let mut reader = xlsb
                .worksheet_cells_reader(sheet)
                .map_err(|e| e.to_string())?;
            while let Some(cell) = reader.next_cell().map_err(|e| e.to_string())? {
                let position = cell.get_position();
                rows.push(position, Data::from(cell.get_value().clone()));
            }
        }
        other => {
            let range = other.worksheet_range(sheet).map_err(|e| e.to_string())?;
            let (row0, column0) = range.start().unwrap_or((0, 0));
            for (r, row) in range.rows().enumerate() {
                for (c, data) in row.iter().enumerate() {
                    // Indexes within a calamine range fit its u32 coordinates.
                    let (r, c) = (r as u32, c as u32);
                    rows.push((row0 + r, column0 + c), data.clone());
                }
            }
        }
    }
    Ok(rows.finish())
}

/// Non-empty cells grouped into rows as they come. They come in document order, which is row
/// by row, left to right; a cell out of that order (or twice at one place) sends every cell
/// through a stable sort by position at the end.
#[derive(Default)]
struct Rows {
    rows: Vec<SparseRow>,
    last: Option<(u32, u32)>,
    out_of_order: bool,
}

impl Rows {
    fn push(&mut self, position: (u32, u32), data: Data) {
        if matches!(data, Data::Empty) {
            return;
        }
        self.out_of_order |= self.last.is_some_and(|last| position <= last);
        self.last = Some(position);
        let (row, column) = position;
        let number = u64::from(row) + 1;
        match self.rows.last_mut() {
            Some((last, cells)) if *last == number => cells.push((column, data)),
            _ => self.rows.push((number, vec![(column, data)])),
        }
    }

    fn finish(self) -> Vec<SparseRow> {
        if !self.out_of_order {
            return self.rows;
        }
        let mut cells: Vec<((u32, u32), Data)> = Vec::new();
        for (number, row) in self.rows {
            // Numbers were made from u32 rows above, so they fit back.
            let row_index = u32::try_from(number - 1).unwrap_or(u32::MAX);
            cells.extend(row.into_iter().map(|(c, data)| ((row_index, c), data)));
        }
        cells.sort_by_key(|(position, _)| *position);
        let mut sorted = Rows::default();
        for (position, data) in cells {
            sorted.push(position, data);
        }
        sorted.rows
    }
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

/// The first [`PREVIEW_ROWS`] sheet rows as text, from row 1 and column A.
fn preview(rows: &[SparseRow]) -> Vec<Vec<String>> {
    let mut preview = Vec::new();
    for (number, cells) in rows {
        let Some(index) = usize::try_from(*number - 1)
            .ok()
            .filter(|&i| i < PREVIEW_ROWS)
        else {
            break;
        };
        preview.resize(index, Vec::new());
        let mut texts = Vec::new();
        for (column, data) in cells {
            let column = *column as usize;
            if column >= texts.len() {
                texts.resize(column + 1, String::new());
            }
            texts[column] = cell::text(&cell::from_data(data.clone()));
        }
        preview.push(texts);
    }
    preview
}

/// The rows of a sheet, handed out one by one as cells of the header's width, from column A.
struct SheetRows {
    rows: std::vec::IntoIter<SparseRow>,
    /// The header's width: cells to the right of it belong to no column.
    width: usize,
}

impl SheetRows {
    /// The next row holding a non-blank cell, with its sheet row number, `width` cells wide (or,
    /// with `width` 0, as wide as its last cell).
    fn take_row(&mut self) -> Option<(u64, Vec<Cell>)> {
        for (number, cells) in self.rows.by_ref() {
            if cells.iter().all(|(_, data)| blank_data(data)) {
                continue;
            }
            let width = match self.width {
                0 => cells.last().map_or(0, |(c, _)| *c as usize + 1),
                width => width,
            };
            let mut row = vec![Cell::Empty; width];
            for (column, data) in cells {
                if let Some(slot) = row.get_mut(column as usize) {
                    *slot = cell::from_data(data);
                }
            }
            return Some((number, row));
        }
        None
    }

    fn find_header(
        &mut self,
        header_row: u64,
        source: &SourceName,
    ) -> Result<Vec<String>, ReadError> {
        let mut last_row = 0;
        while let Some((number, cells)) = self.take_row() {
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

fn blank_data(data: &Data) -> bool {
    match data {
        Data::Empty => true,
        Data::String(text) => text.trim().is_empty(),
        _ => false,
    }
}

impl RowStream for SheetRows {}

impl Iterator for SheetRows {
    type Item = Result<Row, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        let (number, cells) = self.take_row()?;
        Some(Ok(Row {
            number,
            cells,
            ragged: None,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Data {
        Data::String(s.into())
    }

    #[test]
    fn cells_out_of_document_order_are_sorted_into_their_rows() {
        let mut rows = Rows::default();
        for (position, data) in [
            ((0, 1), text("b1")),
            ((2, 0), text("a3")),
            ((0, 0), text("a1")),
            ((1, 0), Data::Empty),
            ((2, 2), text("c3")),
        ] {
            rows.push(position, data);
        }
        assert_eq!(
            rows.finish(),
            [
                (1, vec![(0, text("a1")), (1, text("b1"))]),
                (3, vec![(0, text("a3")), (2, text("c3"))]),
            ]
        );
    }
}
