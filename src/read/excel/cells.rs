//! A sheet's non-empty cells in row order, batch by batch. xlsx and xlsb are parsed on a thread
//! of their own that owns the workbook, so parsing overlaps with whatever consumes the rows; xls
//! and ods have no cell reader in calamine and are loaded whole, as one batch.
//!
//! Invariants: a batch holds whole rows, sorted by position; memory follows the batches in
//! flight, not the sheet. Cells out of document order are sorted as long as they stay within a
//! batch; a cell whose row lies at or above a batch already handed out ends the stream with
//! [`ReadError::OutOfOrder`] (Excel never writes such files). A parse error or a reader that
//! stops early ends it with an error too: never with silently missing rows.

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use calamine::{Data, DataRef, Reader, Sheets};

use super::super::workbook::{self, Workbook};
use super::super::{ReadError, SourceName};

/// A non-empty cell at its 0-based (row, column).
pub(super) type SheetCell = ((u32, u32), Data);

/// Cells a batch holds before it is handed out at the next row's start (so about 330 rows of
/// the 25-column benchmark sheet, 330 KB).
const BATCH_CELLS: usize = 8192;
/// Batches the reading thread may run ahead of the consumer: the bound on memory.
const BATCHES_AHEAD: usize = 4;

/// What the reading thread sends: a batch, the end of the sheet (`Ok(None)`), or why it stopped.
type Message = Result<Option<Vec<SheetCell>>, ReadError>;

/// A sheet's cells, batch by batch, until the end or the first error.
pub(super) struct CellBatches {
    /// The whole sheet, for a sheet that was loaded whole.
    loaded: Option<Vec<SheetCell>>,
    /// The reading thread's batches; dropped at the end, after an error, and with `self`, which
    /// makes the thread's next send fail and the thread stop.
    stream: Option<Receiver<Message>>,
    /// For the message if the thread ends without saying so.
    file: std::path::PathBuf,
}

impl CellBatches {
    /// The next batch; `Ok(None)` once the sheet has ended, and after an error.
    pub(super) fn next(&mut self) -> Result<Option<Vec<SheetCell>>, ReadError> {
        if let Some(cells) = self.loaded.take() {
            return Ok(Some(cells));
        }
        let Some(stream) = &self.stream else {
            return Ok(None);
        };
        // A closed channel without the end of the sheet means the thread died (a panic in the
        // parser): that must not pass for the end of the data.
        let message = stream.recv().unwrap_or_else(|_| {
            Err(workbook::damaged(
                &self.file,
                "the reader stopped before the end of the sheet",
            ))
        });
        if !matches!(message, Ok(Some(_))) {
            self.stream = None;
        }
        message
    }

    /// A sheet that is already in memory, in row order.
    pub(super) fn loaded(cells: Vec<SheetCell>, file: &std::path::Path) -> CellBatches {
        CellBatches {
            loaded: Some(cells),
            stream: None,
            file: file.to_path_buf(),
        }
    }
}

/// Starts reading the sheet `table` names: on a thread for xlsx and xlsb, at once for the others.
pub(super) fn read(book: Workbook, table: &SourceName) -> Result<CellBatches, ReadError> {
    let sheet = table.sheet.clone().unwrap_or_default();
    let file = &table.file;
    match book {
        Sheets::Xlsx(mut xlsx) => stream(table, move |send| {
            match xlsx.worksheet_cells_reader(&sheet) {
                Ok(mut reader) => send.cells(|| reader.next_cell().map(|c| c.map(owned))),
                Err(e) => send.failure(e),
            }
        }),
        Sheets::Xlsb(mut xlsb) => stream(table, move |send| {
            match xlsb.worksheet_cells_reader(&sheet) {
                Ok(mut reader) => send.cells(|| reader.next_cell().map(|c| c.map(owned))),
                Err(e) => send.failure(e),
            }
        }),
        mut other => {
            let range = other
                .worksheet_range(&sheet)
                .map_err(|e| workbook::damaged(file, e))?;
            let (row0, column0) = range.start().unwrap_or((0, 0));
            let mut cells = Vec::new();
            for (r, row) in range.rows().enumerate() {
                for (c, data) in row.iter().enumerate() {
                    if !matches!(data, Data::Empty) {
                        // Indexes within a calamine range fit its u32 coordinates.
                        let (r, c) = (r as u32, c as u32);
                        cells.push(((row0 + r, column0 + c), data.clone()));
                    }
                }
            }
            Ok(CellBatches::loaded(cells, file))
        }
    }
}

/// A streamed cell, owned: shared strings are copied out of the workbook the thread owns.
fn owned(cell: calamine::Cell<DataRef<'_>>) -> SheetCell {
    (cell.get_position(), Data::from(cell.get_value().clone()))
}

/// Runs `read` on a thread of its own, which sends the sheet's batches to the returned source.
fn stream(
    table: &SourceName,
    read: impl FnOnce(Sender) + Send + 'static,
) -> Result<CellBatches, ReadError> {
    let (sender, receiver) = sync_channel(BATCHES_AHEAD);
    let send = Sender {
        channel: sender,
        table: table.clone(),
    };
    std::thread::Builder::new()
        .name("sheet reader".into())
        .spawn(move || read(send))
        .map_err(|cause| ReadError::Open {
            file: table.file.clone(),
            cause,
        })?;
    Ok(CellBatches {
        loaded: None,
        stream: Some(receiver),
        file: table.file.clone(),
    })
}

/// The reading thread's end of the channel.
struct Sender {
    channel: SyncSender<Message>,
    table: SourceName,
}

impl Sender {
    /// Sends the cells `next_cell` gives, in batches, then the end of the sheet or the error
    /// that stopped it. Returns early when the consumer has gone.
    fn cells<E: std::fmt::Display>(
        &self,
        mut next_cell: impl FnMut() -> Result<Option<SheetCell>, E>,
    ) {
        let mut batcher = Batcher::new(BATCH_CELLS);
        loop {
            let message = match next_cell() {
                Ok(Some((position, data))) => match batcher.push(position, data) {
                    Ok(None) => continue,
                    Ok(Some(batch)) => Ok(Some(batch)),
                    Err(late) => Err(late.error(&self.table)),
                },
                Ok(None) => break,
                Err(e) => Err(workbook::damaged(&self.table.file, e)),
            };
            let failed = message.is_err();
            if self.channel.send(message).is_err() || failed {
                return;
            }
        }
        let rest = batcher.finish();
        if rest.is_empty() || self.channel.send(Ok(Some(rest))).is_ok() {
            // Fails only when the consumer has gone, which then needs no end.
            let _ = self.channel.send(Ok(None));
        }
    }

    fn failure(&self, cause: impl std::fmt::Display) {
        // Fails only when the consumer has gone, which then needs no message.
        let _ = self
            .channel
            .send(Err(workbook::damaged(&self.table.file, cause)));
    }
}

/// Cells gathered into batches of whole rows as they come. They come in document order, which
/// is row by row, left to right; a batch that met a cell out of that order (or twice at one
/// place) goes through a stable sort by position before it is handed out.
struct Batcher {
    cells: Vec<SheetCell>,
    /// Cells after which a new row starts a new batch.
    limit: usize,
    last: Option<(u32, u32)>,
    /// The lowest and the highest row in `cells`.
    rows: Option<(u32, u32)>,
    unsorted: bool,
    /// The last row of the batches handed out: a cell at or above it comes too late.
    done: Option<u32>,
}

/// A cell that belongs above rows already handed out.
#[derive(Debug, PartialEq)]
struct LateCell {
    position: (u32, u32),
    after: u32,
}

impl LateCell {
    fn error(&self, table: &SourceName) -> ReadError {
        let (row, column) = self.position;
        ReadError::OutOfOrder {
            table: table.clone(),
            row: u64::from(row) + 1,
            column,
            after: u64::from(self.after) + 1,
        }
    }
}

impl Batcher {
    fn new(limit: usize) -> Batcher {
        Batcher {
            cells: Vec::with_capacity(limit + limit / 4),
            limit,
            last: None,
            rows: None,
            unsorted: false,
            done: None,
        }
    }

    /// Adds a cell; returns the full batch it closes, if it starts a row after a full batch.
    fn push(
        &mut self,
        position: (u32, u32),
        data: Data,
    ) -> Result<Option<Vec<SheetCell>>, LateCell> {
        if matches!(data, Data::Empty) {
            return Ok(None);
        }
        let row = position.0;
        if let Some(after) = self.done.filter(|&done| row <= done) {
            return Err(LateCell { position, after });
        }
        let full = match self.rows {
            Some((_, highest)) if row > highest && self.cells.len() >= self.limit => {
                Some(self.take())
            }
            _ => None,
        };
        self.unsorted |= self.last.is_some_and(|last| position <= last);
        self.last = Some(position);
        self.rows = Some(match self.rows {
            Some((lowest, highest)) => (lowest.min(row), highest.max(row)),
            None => (row, row),
        });
        self.cells.push((position, data));
        Ok(full)
    }

    /// The cells gathered since the last batch (possibly none), sorted.
    fn finish(mut self) -> Vec<SheetCell> {
        self.take()
    }

    fn take(&mut self) -> Vec<SheetCell> {
        if self.unsorted {
            self.cells.sort_by_key(|(position, _)| *position);
        }
        self.done = self.rows.map(|(_, highest)| highest).or(self.done);
        self.rows = None;
        self.last = None;
        self.unsorted = false;
        let capacity = self.cells.capacity();
        std::mem::replace(&mut self.cells, Vec::with_capacity(capacity))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn text(s: &str) -> Data {
        Data::String(s.into())
    }

    #[test]
    fn cells_out_of_document_order_are_sorted_into_their_rows() {
        let mut batcher = Batcher::new(BATCH_CELLS);
        for (position, data) in [
            ((0, 1), text("b1")),
            ((2, 0), text("a3")),
            ((0, 0), text("a1")),
            ((1, 0), Data::Empty),
            ((2, 2), text("c3")),
        ] {
            assert_eq!(batcher.push(position, data), Ok(None));
        }
        assert_eq!(
            batcher.finish(),
            [
                ((0, 0), text("a1")),
                ((0, 1), text("b1")),
                ((2, 0), text("a3")),
                ((2, 2), text("c3")),
            ]
        );
    }

    #[test]
    fn batches_end_at_a_row_start_after_the_limit() {
        let mut batcher = Batcher::new(3);
        let mut batches = Vec::new();
        for position in [(0, 0), (0, 1), (1, 0), (1, 1), (1, 2), (3, 0), (4, 0)] {
            batches.extend(batcher.push(position, text("x")).unwrap());
        }
        batches.push(batcher.finish());
        let rows: Vec<Vec<u32>> = batches
            .iter()
            .map(|batch| batch.iter().map(|((row, _), _)| *row).collect())
            .collect();
        assert_eq!(rows, [vec![0, 0, 1, 1, 1], vec![3, 4]]);
    }

    #[test]
    fn a_cell_above_a_batch_handed_out_is_late() {
        let mut batcher = Batcher::new(2);
        // Rows 1 and 3 out of order within the first batch: sorted.
        for position in [(2, 0), (0, 0)] {
            assert_eq!(batcher.push(position, text("x")), Ok(None));
        }
        let first = batcher.push((5, 0), text("x")).unwrap().unwrap();
        assert_eq!(first[0].0, (0, 0));
        assert_eq!(
            batcher.push((1, 3), text("late")),
            Err(LateCell {
                position: (1, 3),
                after: 2
            })
        );
        // An empty cell is never placed, so it is never late.
        assert_eq!(batcher.push((1, 3), Data::Empty), Ok(None));
        let error = LateCell {
            position: (1, 3),
            after: 2,
        }
        .error(&SourceName {
            file: "book.xlsx".into(),
            sheet: Some("Export".into()),
        });
        let message = error.to_string();
        assert!(message.contains("cell D2"), "{message}");
        assert!(message.contains("after row 3"), "{message}");
        assert!(message.contains("save it again"), "{message}");
    }

    /// The thread's side: batches, then the end; a parse error after some cells; a consumer
    /// that hangs up.
    #[test]
    fn the_sender_ends_with_the_end_or_an_error() {
        let table = SourceName {
            file: "book.xlsx".into(),
            sheet: Some("Export".into()),
        };
        let run = |cells: Vec<Result<SheetCell, &'static str>>, capacity| {
            let (channel, receiver) = sync_channel(capacity);
            let send = Sender {
                channel,
                table: table.clone(),
            };
            let mut cells = cells.into_iter();
            send.cells(|| cells.next().transpose());
            receiver.try_iter().collect::<Vec<Message>>()
        };
        let many: Vec<_> = (0..BATCH_CELLS as u32 + 1)
            .map(|row| Ok(((row, 0), Data::Float(1.0))))
            .collect();
        let messages = run(many.clone(), 8);
        assert_eq!(messages.len(), 3);
        assert!(matches!(&messages[0], Ok(Some(batch)) if batch.len() == BATCH_CELLS));
        assert!(matches!(&messages[1], Ok(Some(batch)) if batch.len() == 1));
        assert!(matches!(messages[2], Ok(None)));

        let mut broken = many[..10].to_vec();
        broken.push(Err("unexpected end of XML"));
        let messages = run(broken, 8);
        assert_eq!(messages.len(), 1);
        let Err(error) = &messages[0] else {
            panic!("{messages:?}");
        };
        assert!(
            error.to_string().contains("unexpected end of XML"),
            "{error}"
        );

        // Nobody receives: the first send fails and the sender returns.
        let (channel, receiver) = sync_channel(1);
        drop(receiver);
        let send = Sender { channel, table };
        let mut calls = 0;
        send.cells(|| -> Result<_, &str> {
            calls += 1;
            Ok(Some(((calls, 0), Data::Float(1.0))))
        });
        assert_eq!(calls as usize, BATCH_CELLS + 1);
    }
}
