//! A sheet's non-empty cells in row order, batch by batch. xlsx, xlsm and xlsb are read with
//! calamine's cell readers on a thread of their own that owns the workbook, so reading overlaps
//! with whatever consumes the rows: it parses, while a helper thread copies the cells out of
//! the workbook into batches. xls and ods have no cell reader in calamine and are loaded
//! whole, as one batch.
//!
//! Invariants: memory follows the batches and chunks in flight, not the sheet. Cells out of
//! document order are sorted as long as they stay within a batch (see [`super::batch`]); a cell
//! whose row lies at or above a batch already handed out ends the stream with
//! [`ReadError::OutOfOrder`] (Excel never writes such files), and a cell the batch refuses
//! (twice at one place, off the grid, too long) with a "damaged or oversized" error. A parse
//! error, a panic in calamine, or a reader that stops early ends it with an error too: never
//! with silently missing rows. No thread outlives its [`CellBatches`].

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use calamine::{Data, DataRef, Reader, Sheets};

use super::super::workbook::{self, Workbook};
use super::super::{ReadError, SourceName};
use super::batch::{BATCH_CELLS, Batch, Batcher};
use super::shown::Formats;

/// Batches the reading thread may run ahead of the consumer: the bound on memory.
const BATCHES_AHEAD: usize = 4;

/// Cells the parsing side hands the copying side at once (320 KB), and how many such chunks may
/// wait.
const CHUNK_CELLS: usize = 8192;
const CHUNKS_AHEAD: usize = 4;

/// What each side of the reading thread sends on: batches (or chunks of parsed cells), then
/// the end of the sheet (`Ok(None)`), or why it stopped.
type Message<T = Batch> = Result<Option<T>, ReadError>;

/// A sheet's cells, batch by batch, until the end or the first error.
pub(super) struct CellBatches {
    /// The whole sheet, for a sheet that was loaded whole.
    loaded: Option<Batch>,
    /// The reading thread's batches; dropped at the end, after an error, and with `self`, which
    /// makes the thread's next send fail and the thread stop.
    stream: Option<Receiver<Message>>,
    /// The reading thread, joined on drop: no thread (or open file) outlives its table.
    thread: Option<std::thread::JoinHandle<()>>,
    /// For the message if the thread ends without saying so.
    file: std::path::PathBuf,
}

impl Drop for CellBatches {
    fn drop(&mut self) {
        // Hanging up first makes the thread's next send fail: it stops within a chunk of cells.
        self.stream = None;
        if let Some(thread) = self.thread.take() {
            // A panic there has been reported already: by the panic message, and to the
            // consumer as a reader that stopped before the end of the sheet.
            let _ = thread.join();
        }
    }
}

impl CellBatches {
    /// The next batch; `Ok(None)` once the sheet has ended, and after an error.
    pub(super) fn next(&mut self) -> Result<Option<Batch>, ReadError> {
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
    pub(super) fn loaded(cells: Batch, file: &std::path::Path) -> CellBatches {
        CellBatches {
            loaded: Some(cells),
            stream: None,
            thread: None,
            file: file.to_path_buf(),
        }
    }
}

/// Starts reading the sheet `table` names: on a thread for xlsx and xlsb, at once for the others.
pub(super) fn read(book: Workbook, table: &SourceName) -> Result<CellBatches, ReadError> {
    let sheet = table.sheet.clone().unwrap_or_default();
    match book {
        Sheets::Xlsx(mut xlsx) => stream(table, move |send| {
            match xlsx.worksheet_cells_reader(&sheet) {
                Ok(mut reader) => {
                    // Percentages and zero-padded codes read as Excel shows them.
                    let formats = Formats::new(reader.styles());
                    send.cells(|| {
                        let next = reader.next_cell_with_style_id()?;
                        Ok::<_, calamine::XlsxError>(
                            next.map(|(cell, style)| formats.apply(cell, style)),
                        )
                    });
                }
                Err(e) => send.failure(e),
            }
        }),
        Sheets::Xlsb(mut xlsb) => stream(table, move |send| {
            match xlsb.worksheet_cells_reader(&sheet) {
                Ok(mut reader) => send.cells(|| reader.next_cell()),
                Err(e) => send.failure(e),
            }
        }),
        mut other => workbook::unpanicked(&table.file, || loaded(&mut other, table, &sheet)),
    }
}

/// A sheet calamine loads whole (xls, ods), as one batch, checked as streamed cells are.
fn loaded(book: &mut Workbook, table: &SourceName, sheet: &str) -> Result<CellBatches, ReadError> {
    let file = &table.file;
    let range = book
        .worksheet_range(sheet)
        .map_err(|e| workbook::damaged(file, e))?;
    let (row0, column0) = range.start().unwrap_or((0, 0));
    let mut batcher = Batcher::new(usize::MAX);
    for (r, row) in range.rows().enumerate() {
        for (c, data) in row.iter().enumerate() {
            if !matches!(data, Data::Empty) {
                // Indexes within a calamine range fit its u32 coordinates.
                let (r, c) = (r as u32, c as u32);
                let position = (row0 + r, column0 + c);
                batcher
                    .push_data(position, data.clone())
                    .map_err(|refused| refused.error(table))?;
            }
        }
    }
    let cells = batcher.finish().map_err(|refused| refused.error(table))?;
    Ok(CellBatches::loaded(cells, file))
}

/// Runs `read` on a thread of its own, which sends the sheet's batches to the returned source.
fn stream(
    table: &SourceName,
    read: impl FnOnce(&Sender) + Send + 'static,
) -> Result<CellBatches, ReadError> {
    let (sender, receiver) = sync_channel(BATCHES_AHEAD);
    let send = Sender {
        channel: sender,
        table: table.clone(),
    };
    let thread = std::thread::Builder::new()
        .name("sheet reader".into())
        .spawn(move || {
            // A panic in calamine (a debug build's overflow on a hostile reference, say)
            // becomes an error after the rows read so far, not a panic text.
            let file = send.table.file.clone();
            if let Err(error) = workbook::unpanicked(&file, || {
                read(&send);
                Ok(())
            }) {
                // Fails only when the consumer has gone, which then needs no message.
                let _ = send.channel.send(Err(error));
            }
        })
        .map_err(|cause| ReadError::Open {
            file: table.file.clone(),
            cause,
        })?;
    Ok(CellBatches {
        loaded: None,
        stream: Some(receiver),
        thread: Some(thread),
        file: table.file.clone(),
    })
}

/// The reading thread's end of the channel.
struct Sender {
    channel: SyncSender<Message>,
    table: SourceName,
}

impl Sender {
    /// Parses the cells `next_cell` gives on this thread, while a helper thread copies them out
    /// of the workbook into batches and sends those on: the copy alone, shared strings
    /// scattered over the workbook's memory, would take a tenth of the parsing thread's time.
    /// Returns when the sheet has ended or failed, or the consumer has gone.
    fn cells<'a, E: std::fmt::Display>(
        &self,
        mut next_cell: impl FnMut() -> Result<Option<calamine::Cell<DataRef<'a>>>, E>,
    ) {
        let next = || {
            loop {
                match next_cell()? {
                    Some(cell) if matches!(cell.get_value(), DataRef::Empty) => {}
                    other => return Ok::<_, E>(other),
                }
            }
        };
        self.cells_with(
            CHUNKS_AHEAD,
            next,
            |batcher, cell: calamine::Cell<DataRef<'_>>| {
                batcher
                    .push(cell.get_position(), cell.get_value())
                    .map_err(|refused| refused.error(&self.table))
            },
        );
    }

    /// As [`Sender::cells`], for cells of any kind: `next_cell` gives them (never an empty
    /// one) on this thread, up to `ahead` chunks ahead of the copying thread, where `place`
    /// puts each into its batch.
    fn cells_with<C: Send, E: std::fmt::Display>(
        &self,
        ahead: usize,
        mut next_cell: impl FnMut() -> Result<Option<C>, E>,
        place: impl FnMut(&mut Batcher, C) -> Result<Option<Batch>, ReadError> + Send,
    ) {
        std::thread::scope(|scope| {
            let (sender, chunks) = sync_channel(ahead);
            let copier = std::thread::Builder::new()
                .name("sheet copier".into())
                .spawn_scoped(scope, move || self.batches(&chunks, place));
            if let Err(cause) = copier {
                // Fails only when the consumer has gone, which then needs no message.
                let _ = self.channel.send(Err(ReadError::Open {
                    file: self.table.file.clone(),
                    cause,
                }));
                return;
            }
            let mut chunk = Vec::with_capacity(CHUNK_CELLS);
            loop {
                match next_cell() {
                    Ok(Some(cell)) => {
                        chunk.push(cell);
                        if chunk.len() == CHUNK_CELLS {
                            let full =
                                std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK_CELLS));
                            if sender.send(Ok(Some(full))).is_err() {
                                return;
                            }
                        }
                    }
                    // The sends fail only when the copying side has stopped (the consumer has
                    // gone, or a cell came late), which then needs nothing more.
                    Ok(None) => {
                        let _ = sender
                            .send(Ok(Some(chunk)))
                            .and_then(|()| sender.send(Ok(None)));
                        return;
                    }
                    Err(e) => {
                        let _ = sender.send(Err(workbook::damaged(&self.table.file, e)));
                        return;
                    }
                }
            }
        });
    }

    /// The copying thread: gathers the parsed cells into batches and sends them on, then the
    /// end of the sheet or the error that stopped it.
    fn batches<C>(
        &self,
        chunks: &Receiver<Message<Vec<C>>>,
        mut place: impl FnMut(&mut Batcher, C) -> Result<Option<Batch>, ReadError>,
    ) {
        let mut batcher = Batcher::new(BATCH_CELLS);
        loop {
            let cells = match chunks.recv() {
                Ok(Ok(Some(cells))) => cells,
                Ok(Ok(None)) => break,
                Ok(Err(e)) => {
                    // Fails only when the consumer has gone, which then needs no message.
                    let _ = self.channel.send(Err(e));
                    return;
                }
                // The parsing side ended without the end of the sheet (a panic): nothing more
                // is sent, so that the consumer learns that the reader stopped.
                Err(_) => return,
            };
            for cell in cells {
                let message = match place(&mut batcher, cell) {
                    Ok(None) => continue,
                    Ok(Some(batch)) => Ok(Some(batch)),
                    Err(e) => Err(e),
                };
                let failed = message.is_err();
                if self.channel.send(message).is_err() || failed {
                    return;
                }
            }
        }
        let rest = match batcher.finish() {
            Ok(rest) => rest,
            Err(refused) => {
                // Fails only when the consumer has gone, which then needs no message.
                let _ = self.channel.send(Err(refused.error(&self.table)));
                return;
            }
        };
        if rest.cells.is_empty() || self.channel.send(Ok(Some(rest))).is_ok() {
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// A thread that dies (a panic in the parser) closes the channel without the end of the
    /// sheet: that is an error, not the end of the data.
    #[test]
    fn a_channel_closed_without_the_end_is_an_error() {
        let (sender, receiver) = sync_channel(2);
        sender.send(Ok(Some(Batch::default()))).unwrap();
        drop(sender);
        let mut batches = CellBatches {
            loaded: None,
            stream: Some(receiver),
            thread: None,
            file: "book.xlsx".into(),
        };
        assert!(matches!(batches.next(), Ok(Some(_))));
        let error = batches.next().unwrap_err();
        assert!(
            error.to_string().contains("stopped before the end"),
            "{error}"
        );
        assert!(matches!(batches.next(), Ok(None)));
    }

    /// A parser that panics mid-sheet must not look like the end of the sheet.
    #[test]
    fn a_parser_that_panics_sends_no_end() {
        let (channel, receiver) = sync_channel(8);
        let send = Sender {
            channel,
            table: SourceName {
                file: "book.xlsx".into(),
                sheet: None,
            },
        };
        let mut row = 0;
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            send.cells(|| -> Result<_, &str> {
                row += 1;
                assert!(row <= 3 * CHUNK_CELLS as u32, "a bug in the parser");
                Ok(Some(calamine::Cell::new((row, 0), DataRef::Float(1.0))))
            });
        }));
        assert!(panicked.is_err());
        drop(send);
        let messages: Vec<Message> = receiver.iter().collect();
        assert!(!messages.is_empty());
        assert!(
            messages.iter().all(|m| matches!(m, Ok(Some(_)))),
            "{messages:?}"
        );
    }

    /// The thread's side: batches, then the end; a parse error after some cells; a consumer
    /// that hangs up.
    #[test]
    fn the_sender_ends_with_the_end_or_an_error() {
        let table = SourceName {
            file: "book.xlsx".into(),
            sheet: Some("Export".into()),
        };
        let number = |row| Ok(calamine::Cell::new((row, 0), DataRef::Float(1.0)));
        let run = |cells: Vec<Result<calamine::Cell<DataRef<'static>>, &'static str>>| {
            let (channel, receiver) = sync_channel(8);
            let send = Sender {
                channel,
                table: table.clone(),
            };
            let mut cells = cells.into_iter();
            send.cells(|| cells.next().transpose());
            receiver.try_iter().collect::<Vec<Message>>()
        };
        let many = || (0..BATCH_CELLS as u32 + 1).map(number);
        let messages = run(many().collect());
        assert_eq!(messages.len(), 3);
        assert!(matches!(&messages[0], Ok(Some(batch)) if batch.cells.len() == BATCH_CELLS));
        assert!(matches!(&messages[1], Ok(Some(batch)) if batch.cells.len() == 1));
        assert!(matches!(messages[2], Ok(None)));

        let broken = many().take(10).chain([Err("unexpected end of XML")]);
        let messages = run(broken.collect());
        assert_eq!(messages.len(), 1);
        let Err(error) = &messages[0] else {
            panic!("{messages:?}");
        };
        assert!(
            error.to_string().contains("unexpected end of XML"),
            "{error}"
        );

        // Nobody receives: the copying side stops at its first batch, and the parsing side at
        // its next chunk, although the cells never end.
        let (channel, receiver) = sync_channel(1);
        drop(receiver);
        let send = Sender { channel, table };
        let mut calls = 0;
        send.cells(|| -> Result<_, &str> {
            calls += 1;
            number(calls).map(Some)
        });
        assert!(calls as usize <= BATCH_CELLS + (CHUNKS_AHEAD + 3) * CHUNK_CELLS);
    }
}
