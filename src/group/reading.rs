//! Reading the customer table: rows are parsed on one thread and grouped on the calling one,
//! in batches through a bounded channel, so memory does not grow with the file and both cores
//! work.

use super::load::{LoadError, width};
use super::{Above, Grouper};
use crate::mapping::Binding;
use crate::mapping::convert::trim;
use crate::read::{self, ReadError, Table};
use crate::report::Report;

pub(super) fn read_customers(
    table: Table,
    binding: &Binding,
    grouper: &mut Grouper,
    report: &mut Report,
) -> Result<(), LoadError> {
    let source = report.add_source(&table.source);
    let headers = table.headers;
    let mut rows = table.rows;
    rows.narrow(width(binding));
    std::thread::scope(|scope| {
        // Parsing on one core, grouping on the other; the bounded channel holds the reader
        // back when grouping is slower, so memory does not grow with the file.
        let (sender, batches) = std::sync::mpsc::sync_channel::<Batch>(8);
        // Batches the grouping thread is done with go back to the thread that allocated their
        // cells, which reads the next rows over them: no string per cell is allocated or freed
        // in the steady state (and frees from another thread reach the allocator late). At most
        // the batches in flight wait here.
        let (give_back, returned) = std::sync::mpsc::channel::<Vec<read::Row>>();
        let reader = Reader {
            headers: &headers,
            binding,
            above: None,
            last_key_ok: false,
        };
        scope.spawn(move || reader.run(rows, &sender, &returned));
        // The previous batch is kept while the next one is grouped, for the row above its first.
        let mut above: Vec<read::Row> = Vec::new();
        let mut last_key: Result<String, String> = Err(String::new());
        for Batch { rows, info, error } in batches {
            for (i, (row, info)) in rows.iter().zip(info).enumerate() {
                let prev = match i {
                    0 => above.last(),
                    _ => rows.get(i - 1),
                };
                if let Some(key) = info.key {
                    last_key = key;
                }
                let key = last_key.as_deref().map_err(String::clone);
                let id = report.register(source, row.number, key.as_ref().ok().copied());
                let prev = prev.map(|row| Above {
                    row,
                    same: info.same,
                });
                grouper.add_customer_row(id, row, prev, key, binding, report);
            }
            if let Some(error) = error {
                return Err(error.into());
            }
            let done = std::mem::replace(&mut above, rows);
            // Fails only once the reader has ended: the batch is then freed here.
            let _ = give_back.send(done);
        }
        Ok(())
    })
}

/// Rows per message from the reading thread to the grouping one.
const BATCH: usize = 256;

/// Rows read one after the other, with what the reading thread worked out about each; a read
/// error ends the stream, after the rows before it.
struct Batch {
    rows: Vec<read::Row>,
    info: Vec<RowInfo>,
    error: Option<ReadError>,
}

/// What the reading thread works out about a customer row, to spare the grouping thread (the
/// busier of the two).
struct RowInfo {
    /// Which cells repeat the row above ([`super::same_cells`]).
    same: u64,
    /// The row's group key, or why it has none; `None` when it is the previous row's (the
    /// same key cells give the same key without building it again).
    key: Option<Result<String, String>>,
}

/// The reading thread of [`read_customers`].
struct Reader<'a> {
    headers: &'a [String],
    binding: &'a Binding,
    /// The last row of the previous batch (a copy: the batch has gone to the grouping thread).
    above: Option<read::Row>,
    /// Whether the last key given was a key, not a problem.
    last_key_ok: bool,
}

impl Reader<'_> {
    /// Fills batches (reusing those given back) until the rows end, a read fails or the
    /// grouping side hangs up.
    fn run(
        mut self,
        mut rows: Box<dyn read::RowStream>,
        sender: &std::sync::mpsc::SyncSender<Batch>,
        returned: &std::sync::mpsc::Receiver<Vec<read::Row>>,
    ) {
        // Batches given back, to be read over: their rows keep their cells' allocations. At
        // most the batches in flight (the channel's, and one the grouping thread holds).
        let mut pool: Vec<Vec<read::Row>> = Vec::new();
        loop {
            pool.extend(returned.try_iter());
            let mut batch = pool.pop().unwrap_or_else(|| Vec::with_capacity(BATCH));
            let mut filled = 0;
            let mut error = None;
            while filled < BATCH {
                if filled == batch.len() {
                    batch.push(read::Row::default());
                }
                match rows.next_into(&mut batch[filled]) {
                    Some(Ok(())) => {
                        self.binding.derive(&mut batch[filled]);
                        filled += 1;
                    }
                    Some(Err(e)) => {
                        error = Some(e);
                        break;
                    }
                    None => break,
                }
            }
            batch.truncate(filled);
            let info = self.describe(&batch);
            let last = error.is_some() || batch.len() < BATCH;
            let batch = Batch {
                rows: batch,
                info,
                error,
            };
            if sender.send(batch).is_err() || last {
                return;
            }
        }
    }

    fn describe(&mut self, rows: &[read::Row]) -> Vec<RowInfo> {
        let mut info = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            let above = match i {
                0 => self.above.as_ref(),
                _ => rows.get(i - 1),
            };
            let same = above.map_or(0, |above| super::same_cells(above, row));
            let header = repeats_header(row, self.headers);
            let same_key = !header
                && self.last_key_ok
                && above.is_some_and(|above| {
                    Grouper::same_key(Above { row: above, same }, row, self.binding)
                });
            let key = (!same_key).then(|| {
                let key = if header {
                    Err(
                        "the row repeats the header row (a page header in the export?): delete it"
                            .to_string(),
                    )
                } else {
                    Grouper::customer_key(row, self.binding)
                };
                self.last_key_ok = key.is_ok();
                key
            });
            info.push(RowInfo { same, key });
        }
        if let Some(last) = rows.last() {
            self.above = Some(last.clone());
        }
        info
    }
}

/// Whether a data row holds the column names again (exports that repeat the header on every
/// printed page, or two exports joined into one file, the second with its byte-order mark
/// still in front of its header, which `trim` drops): at least two cells, each equal to its
/// column's name. Sent as data, it would create a customer named like the column.
fn repeats_header(row: &read::Row, headers: &[String]) -> bool {
    let mut named = 0;
    for (cell, header) in row.cells.iter().zip(headers) {
        let text = match cell {
            read::Cell::Text(text) if trim(text).is_empty() => continue,
            read::Cell::Text(text) => std::borrow::Cow::Borrowed(trim(text)),
            other => match crate::mapping::convert::cell_text(other) {
                Some(text) => std::borrow::Cow::Owned(text),
                None => continue,
            },
        };
        if !text.eq_ignore_ascii_case(header.trim()) {
            return false;
        }
        named += 1;
    }
    named >= 2
}
