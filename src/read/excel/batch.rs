//! Batches of whole sheet rows, as the reading thread hands them out: cells gathered as they
//! come, sorted when they came out of document order, their text in one buffer per batch (so
//! the thread that gathers them makes no string per cell).
//!
//! Invariant: a batch holds whole rows, sorted by position, each position once, all within
//! Excel's grid, no text longer than Excel allows. A cell that breaks one of these is
//! [`Refused`]: one whose row lies at or above a batch already handed out can no longer be
//! placed; one at a position already filled would silently replace the other.

use calamine::{Data, DataRef};

use super::super::{Cell, ReadError, SourceName, cell};

/// Cells a batch holds before it is handed out at the next row's start (so about 280 rows of
/// the benchmark sheet, 160 KB plus their text): few enough wake-ups of the consuming thread.
pub(super) const BATCH_CELLS: usize = 4096;

/// Whole sheet rows: their non-empty cells, sorted by position, each at its 0-based (row,
/// column). The text of text cells is stored back to back in `text`.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Batch {
    pub(super) cells: Vec<((u32, u32), Value)>,
    pub(super) text: String,
}

/// A cell's value in a [`Batch`].
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value {
    /// Text: this range of the batch's `text`.
    Text(std::ops::Range<usize>),
    /// Any other value; never `Data::Empty`. (Text too, for a sheet that was loaded whole.)
    Other(Data),
}

impl Value {
    /// Whether the cell shows nothing: empty, or text of white space only.
    pub(super) fn is_blank(&self, text: &str) -> bool {
        match self {
            Value::Text(range) => text[range.clone()].trim().is_empty(),
            Value::Other(Data::String(other)) => other.trim().is_empty(),
            Value::Other(data) => matches!(data, Data::Empty),
        }
    }

    /// The cell, with `text` its batch's text.
    pub(super) fn into_cell(self, text: &str) -> Cell {
        match self {
            Value::Text(range) => cell::from_text(&text[range]),
            Value::Other(data) => cell::from_data(data),
        }
    }
}

impl Batch {
    /// Adds the cells of `more`, which come after these.
    pub(super) fn append(&mut self, more: Batch) {
        let shift = self.text.len();
        self.text.push_str(&more.text);
        self.cells
            .extend(more.cells.into_iter().map(|(position, value)| {
                let value = match value {
                    Value::Text(range) => Value::Text(range.start + shift..range.end + shift),
                    other => other,
                };
                (position, value)
            }));
    }
}

/// Cells gathered into batches of whole rows as they come. They come in document order, which
/// is row by row, left to right; a batch that met a cell out of that order (or twice at one
/// place) goes through a stable sort by position before it is handed out.
pub(super) struct Batcher {
    batch: Batch,
    /// Cells after which a new row starts a new batch.
    limit: usize,
    last: Option<(u32, u32)>,
    /// The highest row in `batch`.
    highest: Option<u32>,
    unsorted: bool,
    /// The last row of the batches handed out: a cell at or above it comes too late.
    done: Option<u32>,
}

/// Excel's grid: rows 1 to 1,048,576, columns A to XFD (0-based here).
pub(super) const MAX_ROW: u32 = 1_048_575;
pub(super) const MAX_COLUMN: u32 = 16_383;

/// Excel's limit on the characters of one cell.
pub(super) const MAX_CELL_CHARS: usize = 32_767;

/// A cell that cannot be placed in a batch.
#[derive(Debug, PartialEq)]
pub(super) enum Refused {
    /// It belongs above rows already handed out (the last of which is `after`).
    Late { position: (u32, u32), after: u32 },
    /// A second cell at one position.
    Twice { position: (u32, u32) },
    /// Past row 1,048,576 or column XFD.
    OffGrid { position: (u32, u32) },
    /// Text of more characters than Excel lets a cell hold.
    TooLong { position: (u32, u32) },
}

impl Refused {
    pub(super) fn error(&self, table: &SourceName) -> ReadError {
        let at = |(row, column): (u32, u32)| {
            format!(
                "cell {}{}",
                super::super::column_letters(column),
                u64::from(row) + 1
            )
        };
        let detail = match *self {
            Refused::Late { position, after } => {
                let (row, column) = position;
                return ReadError::OutOfOrder {
                    table: table.clone(),
                    row: u64::from(row) + 1,
                    column,
                    after: u64::from(after) + 1,
                };
            }
            Refused::Twice { position } => {
                format!(
                    "{} is stored twice, so one of its values would be lost",
                    at(position)
                )
            }
            Refused::OffGrid {
                position: (row, column),
            } => format!(
                "a cell at row {}, column {} lies past Excel's last row 1048576 or last column XFD",
                u64::from(row) + 1,
                u64::from(column) + 1
            ),
            Refused::TooLong { position } => format!(
                "{} holds more than the {MAX_CELL_CHARS} characters Excel allows in a cell",
                at(position)
            ),
        };
        super::guard::oversized(
            &table.file,
            format_args!(
                "sheet \"{}\": {detail}",
                table.sheet.as_deref().unwrap_or_default()
            ),
        )
    }
}

impl Batcher {
    pub(super) fn new(limit: usize) -> Batcher {
        Batcher {
            batch: Batch::default(),
            limit,
            last: None,
            highest: None,
            unsorted: false,
            done: None,
        }
    }

    /// Adds a cell; returns the full batch it closes, if it starts a row after a full batch.
    pub(super) fn push(
        &mut self,
        position: (u32, u32),
        value: &DataRef<'_>,
    ) -> Result<Option<Batch>, Refused> {
        match value {
            DataRef::Empty => Ok(None),
            DataRef::String(text) => self.push_text(position, text),
            DataRef::SharedString(text) => self.push_text(position, text),
            other => self.push_data(position, Data::from(other.clone())),
        }
    }

    /// Adds a text cell, as [`Batcher::push`].
    pub(super) fn push_text(
        &mut self,
        position: (u32, u32),
        text: &str,
    ) -> Result<Option<Batch>, Refused> {
        check_text(position, text)?;
        let full = self.place(position)?;
        let value = self.text(text);
        self.batch.cells.push((position, value));
        Ok(full)
    }

    /// Adds a cell of any other value (not `Data::Empty`), as [`Batcher::push`].
    pub(super) fn push_data(
        &mut self,
        position: (u32, u32),
        data: Data,
    ) -> Result<Option<Batch>, Refused> {
        if let Data::String(text) = &data {
            check_text(position, text)?;
        }
        let full = self.place(position)?;
        self.batch.cells.push((position, Value::Other(data)));
        Ok(full)
    }

    /// Makes room for a cell at `position`: the full batch it closes, or why it cannot go in.
    fn place(&mut self, position: (u32, u32)) -> Result<Option<Batch>, Refused> {
        let row = position.0;
        if row > MAX_ROW || position.1 > MAX_COLUMN {
            return Err(Refused::OffGrid { position });
        }
        if let Some(after) = self.done.filter(|&done| row <= done) {
            return Err(Refused::Late { position, after });
        }
        let full = match self.highest {
            Some(highest) if row > highest && self.batch.cells.len() >= self.limit => {
                Some(self.take()?)
            }
            _ => None,
        };
        self.unsorted |= self.last.is_some_and(|last| position <= last);
        self.last = Some(position);
        self.highest = Some(self.highest.map_or(row, |highest| highest.max(row)));
        Ok(full)
    }

    fn text(&mut self, text: &str) -> Value {
        let start = self.batch.text.len();
        self.batch.text.push_str(text);
        Value::Text(start..self.batch.text.len())
    }

    /// The cells gathered since the last batch (possibly none), sorted.
    pub(super) fn finish(mut self) -> Result<Batch, Refused> {
        self.take()
    }

    fn take(&mut self) -> Result<Batch, Refused> {
        if self.unsorted {
            let cells = &mut self.batch.cells;
            cells.sort_by_key(|(position, _)| *position);
            if let Some(twice) = cells.windows(2).find(|pair| pair[0].0 == pair[1].0) {
                return Err(Refused::Twice {
                    position: twice[0].0,
                });
            }
        }
        self.done = self.highest.or(self.done);
        self.highest = None;
        self.last = None;
        self.unsorted = false;
        let next = Batch {
            cells: Vec::with_capacity(self.batch.cells.capacity()),
            text: String::with_capacity(self.batch.text.capacity()),
        };
        Ok(std::mem::replace(&mut self.batch, next))
    }
}

/// Refuses text longer than a cell may hold (counting characters only when the bytes could be
/// too many).
fn check_text(position: (u32, u32), text: &str) -> Result<(), Refused> {
    if text.len() > MAX_CELL_CHARS && text.chars().count() > MAX_CELL_CHARS {
        Err(Refused::TooLong { position })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn text(s: &str) -> DataRef<'_> {
        DataRef::SharedString(s)
    }

    /// A batch's cells with their text in place.
    fn contents(batch: &Batch) -> Vec<((u32, u32), Data)> {
        batch
            .cells
            .iter()
            .map(|(position, value)| {
                let data = match value {
                    Value::Text(range) => Data::String(batch.text[range.clone()].to_string()),
                    Value::Other(data) => data.clone(),
                };
                (*position, data)
            })
            .collect()
    }

    fn rows(batch: &Batch) -> Vec<u32> {
        batch.cells.iter().map(|((row, _), _)| *row).collect()
    }

    #[test]
    fn cells_out_of_document_order_are_sorted_into_their_rows() {
        let mut batcher = Batcher::new(BATCH_CELLS);
        for (position, data) in [
            ((0, 1), text("b1")),
            ((2, 0), DataRef::String("a3".into())),
            ((0, 0), text("a1")),
            ((1, 0), DataRef::Empty),
            ((2, 2), DataRef::Float(3.0)),
        ] {
            assert_eq!(batcher.push(position, &data), Ok(None));
        }
        let text = |s: &str| Data::String(s.into());
        assert_eq!(
            contents(&batcher.finish().unwrap()),
            [
                ((0, 0), text("a1")),
                ((0, 1), text("b1")),
                ((2, 0), text("a3")),
                ((2, 2), Data::Float(3.0)),
            ]
        );
    }

    #[test]
    fn batches_end_at_a_row_start_after_the_limit() {
        let mut batcher = Batcher::new(3);
        let mut batches = Vec::new();
        for position in [(0, 0), (0, 1), (1, 0), (1, 1), (1, 2), (3, 0), (4, 0)] {
            batches.extend(batcher.push(position, &text("x")).unwrap());
        }
        batches.push(batcher.finish().unwrap());
        let rows: Vec<Vec<u32>> = batches.iter().map(rows).collect();
        assert_eq!(rows, [vec![0, 0, 1, 1, 1], vec![3, 4]]);
        // Each batch has its own text.
        assert_eq!(batches[1].text, "xx");
    }

    #[test]
    fn appended_batches_keep_their_text() {
        let mut batcher = Batcher::new(1);
        let first = batcher.push((0, 0), &text("a1")).unwrap();
        assert_eq!(first, None);
        let mut first = batcher.push((1, 1), &text("b2")).unwrap().unwrap();
        first.append(batcher.finish().unwrap());
        assert_eq!(
            contents(&first),
            [
                ((0, 0), Data::String("a1".into())),
                ((1, 1), Data::String("b2".into()))
            ]
        );
    }

    #[test]
    fn a_cell_above_a_batch_handed_out_is_late() {
        let mut batcher = Batcher::new(2);
        // Rows 1 and 3 out of order within the first batch: sorted.
        for position in [(2, 0), (0, 0)] {
            assert_eq!(batcher.push(position, &text("x")), Ok(None));
        }
        let first = batcher.push((5, 0), &text("x")).unwrap().unwrap();
        assert_eq!(rows(&first), [0, 2]);
        assert_eq!(
            batcher.push((1, 3), &text("late")),
            Err(Refused::Late {
                position: (1, 3),
                after: 2
            })
        );
        // An empty cell is never placed, so it is never late.
        assert_eq!(batcher.push((1, 3), &DataRef::Empty), Ok(None));
        let error = Refused::Late {
            position: (1, 3),
            after: 2,
        }
        .error(&SourceName {
            file: "book.xlsx".into(),
            sheet: Some("Export".into()),
        });
        let message = error.with_hint();
        assert!(message.contains("cell D2"), "{message}");
        assert!(message.contains("after row 3"), "{message}");
        assert!(message.contains("save it again"), "{message}");
    }

    #[test]
    fn a_cell_twice_off_the_grid_or_too_long_is_refused() {
        let mut batcher = Batcher::new(BATCH_CELLS);
        batcher.push((0, 0), &text("a")).unwrap();
        batcher.push((1, 0), &text("b")).unwrap();
        batcher.push((0, 0), &text("again")).unwrap();
        assert_eq!(batcher.finish(), Err(Refused::Twice { position: (0, 0) }));
        let mut batcher = Batcher::new(BATCH_CELLS);
        for position in [(MAX_ROW + 1, 0), (0, MAX_COLUMN + 1)] {
            assert_eq!(
                batcher.push(position, &text("x")),
                Err(Refused::OffGrid { position })
            );
        }
        assert_eq!(batcher.push((MAX_ROW, MAX_COLUMN), &text("x")), Ok(None));
        let long = "é".repeat(MAX_CELL_CHARS + 1);
        assert_eq!(
            batcher.push((0, 1), &text(&long)),
            Err(Refused::TooLong { position: (0, 1) })
        );
        let longest = "é".repeat(MAX_CELL_CHARS);
        assert_eq!(batcher.push((0, 1), &text(&longest)), Ok(None));
        let error = Refused::TooLong { position: (0, 1) }.error(&SourceName {
            file: "book.xlsx".into(),
            sheet: Some("Export".into()),
        });
        let message = error.with_hint();
        assert!(
            message.contains("sheet \"Export\": cell B1 holds more than the 32767"),
            "{message}"
        );
    }
}
