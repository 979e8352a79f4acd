//! CSV reading: decoding (BOMs, a named encoding), delimiter detection, the header search, and
//! a streaming row iterator over one reusable record buffer.
//!
//! It does not interpret cells: every field is `Cell::Text` or `Cell::Empty`. Invariants: row
//! numbers are the physical line where a record starts; blank records are never yielded; a
//! ragged record is yielded, padded or cut to the header's width, with its [`Ragged`] damage;
//! a quote that is never closed (or text after a closing quote) stops the stream with
//! [`ReadError::Quote`] naming its line and column: past it, where records start is a guess, so
//! the whole file is refused rather than any record misread.

mod head;
mod quotes;
mod records;

use std::io::{BufReader, Cursor, Read};

use encoding_rs_io::{DecodeReaderBytes, DecodeReaderBytesBuilder};

use super::*;
use records::{Failure, QuoteAt, Records, count_newlines};

type Source = std::io::Chain<Cursor<Vec<u8>>, DecodeReaderBytes<std::fs::File, Vec<u8>>>;

pub(super) fn open(path: &Path, options: &ReadOptions) -> Result<Table, ReadError> {
    let open_error = |cause| ReadError::Open {
        file: path.to_path_buf(),
        cause,
    };
    let file = std::fs::File::open(path).map_err(open_error)?;
    let mut decoder = match options.encoding {
        // No encoding named: UTF-8 bytes pass through unchanged (a UTF-8 BOM is dropped) so
        // that invalid UTF-8 is reported with its line instead of silently replaced; a UTF-16
        // BOM still switches to transcoding.
        None => DecodeReaderBytesBuilder::new()
            .utf8_passthru(true)
            .strip_bom(true)
            .build(file),
        // A BOM beats the named encoding: a file that carries one knows better.
        Some(encoding) => DecodeReaderBytesBuilder::new()
            .encoding(Some(encoding))
            .bom_override(true)
            .strip_bom(true)
            .build(file),
    };
    let header_row = options.header_row.max(1);
    let head = head::read_head(&mut decoder, header_row).map_err(open_error)?;
    if options.encoding.is_none()
        && let Some(encoding) = head::utf16_without_bom(&head.bytes)
    {
        return Err(ReadError::Utf16NoBom {
            file: path.to_path_buf(),
            encoding,
        });
    }
    // Excel's own first line `sep=;` names the delimiter and is no part of the table.
    let sep = head::sep_line(&head.bytes);
    let delimiter = options
        .delimiter
        .or(sep)
        .unwrap_or_else(|| head::detect_delimiter(&head, header_row));
    let preview = head::preview(&head, delimiter);
    let source: Source = Cursor::new(head.bytes).chain(decoder);
    let mut rows = CsvRows {
        records: Records::new(BufReader::with_capacity(64 << 10, source), delimiter).strict(),
        names: Vec::new(),
        width: 0,
        named: 0,
        file: path.to_path_buf(),
        done: false,
        spare: Vec::new(),
    };
    if sep.is_some() && header_row == 1 {
        // The header is then the first non-blank row after that line.
        rows.read()?;
    }
    let headers = rows.find_header(header_row)?;
    rows.names.clone_from(&headers);
    rows.width = headers.len();
    rows.named = headers
        .iter()
        .rposition(|h| !h.is_empty())
        .map_or(0, |i| i + 1);
    Ok(Table {
        source: SourceName {
            file: path.to_path_buf(),
            sheet: None,
        },
        headers,
        preview,
        delimiter: Some(delimiter),
        rows: Box::new(rows),
    })
}

/// The data rows after the header. After an error it yields nothing more: a stream that failed
/// once (bad bytes, an I/O error) cannot be trusted to resume at a record boundary.
struct CsvRows {
    /// Reuses one field buffer for every record: the only per-row allocations are the cells.
    records: Records<BufReader<Source>>,
    /// The header's names once it is read, for messages.
    names: Vec<String>,
    width: usize,
    /// The header's width without the blank names at its end (`Acct,Company,` has two): a
    /// line that stops before those columns lacks nothing.
    named: usize,
    file: PathBuf,
    done: bool,
    /// The strings of text cells that a later record left empty, for the next cell that gets
    /// text: a column blank on some rows only would otherwise free and allocate one each time.
    spare: Vec<String>,
}

/// At most this many strings wait in [`CsvRows::spare`] (a few rows' worth).
const SPARE: usize = 1024;

impl CsvRows {
    fn table(&self) -> SourceName {
        SourceName {
            file: self.file.clone(),
            sheet: None,
        }
    }

    /// Reads up to and including the header row and returns its trimmed names.
    fn find_header(&mut self, header_row: u64) -> Result<Vec<String>, ReadError> {
        let mut last_line = 0;
        while self.read()? {
            let line = self.line();
            last_line = line;
            match header_step(header_row, line, ascii_blank(&self.records)) {
                HeaderStep::Skip => continue,
                HeaderStep::Blank => {
                    return Err(ReadError::BlankHeader {
                        table: self.table(),
                        row: header_row,
                    });
                }
                HeaderStep::Header => {}
            }
            let names = self
                .text_fields(self.records.len())?
                .into_iter()
                .map(|name| match name {
                    Cell::Text(text) => text.trim().to_string(),
                    _ => String::new(),
                })
                .collect::<Vec<_>>();
            if names.iter().all(String::is_empty) {
                // Only non-ASCII whitespace (a no-break space…): blank all the same.
                match header_step(header_row, line, true) {
                    HeaderStep::Skip => continue,
                    _ => {
                        return Err(ReadError::BlankHeader {
                            table: self.table(),
                            row: header_row,
                        });
                    }
                }
            }
            return Ok(names);
        }
        if last_line == 0 || header_row <= 1 {
            Err(ReadError::Empty {
                table: self.table(),
            })
        } else {
            Err(ReadError::NoHeader {
                table: self.table(),
                row: header_row,
                rows: last_line,
            })
        }
    }

    /// Reads the next record into the buffer; `false` at the end.
    fn read(&mut self) -> Result<bool, ReadError> {
        self.records.read().map_err(|failure| match failure {
            Failure::Io(e) => ReadError::Csv {
                file: self.file.clone(),
                line: self.records.current_line(),
                cause: e.to_string(),
            },
            Failure::Quote(at) => self.quote_error(at),
        })
    }

    /// A quote that breaks the rule, named by its line and column.
    fn quote_error(&self, at: QuoteAt) -> ReadError {
        let column = match self.names.get(at.field) {
            Some(name) if !name.is_empty() => format!("column \"{name}\""),
            _ => format!("column {}", at.field + 1),
        };
        let line = at.open_line;
        let problem = match at.close_line {
            None if at.last_line > line => format!(
                "is never closed: lines {line} to {}, the end of the file, would all be read into this one cell",
                at.last_line
            ),
            None => "is never closed before the end of the file".to_string(),
            Some(close) if close == line => {
                "closes before the cell ends: text follows the closing quote".to_string()
            }
            Some(close) => format!(
                "is not closed where the cell should end: the next quote, on line {close}, is followed by text, so lines {line} to {close} would be read as one cell"
            ),
        };
        ReadError::Quote {
            file: self.file.clone(),
            line,
            column,
            problem,
        }
    }

    /// The line where the buffered record starts.
    fn line(&self) -> u64 {
        self.records.line()
    }

    /// The first `count` fields of the buffered record as strings, or the line of the first
    /// byte that is not UTF-8 (counting the newlines inside quoted fields before it).
    fn text_fields(&mut self, count: usize) -> Result<Vec<Cell>, ReadError> {
        let mut cells = Vec::with_capacity(self.width.max(count));
        self.text_fields_into(count, &mut cells)?;
        Ok(cells)
    }

    /// [`CsvRows::text_fields`] written over `cells`: a text cell there keeps its allocation
    /// for the new text. Empty fields become [`Cell::Empty`] without allocating.
    fn text_fields_into(&mut self, count: usize, cells: &mut Vec<Cell>) -> Result<(), ReadError> {
        let Some(texts) = self.records.texts(count) else {
            return Err(self.not_utf8());
        };
        let spare = &mut self.spare;
        for dropped in cells.drain(count.min(cells.len())..) {
            keep(spare, dropped);
        }
        let new_text = |spare: &mut Vec<String>, text: &str| {
            let mut string = spare.pop().unwrap_or_default();
            string.push_str(text);
            Cell::Text(string)
        };
        for (index, text) in texts.enumerate() {
            match (formula_text(text), cells.get_mut(index)) {
                ("", Some(cell)) => keep(spare, std::mem::replace(cell, Cell::Empty)),
                (text, Some(Cell::Text(old))) => {
                    old.clear();
                    old.push_str(text);
                }
                (text, Some(cell)) => *cell = new_text(spare, text),
                ("", None) => cells.push(Cell::Empty),
                (text, None) => cells.push(new_text(spare, text)),
            }
        }
        Ok(())
    }

    /// Where the buffered record stops being UTF-8: the line of its first bad byte, counting
    /// the newlines inside quoted fields before it.
    fn not_utf8(&self) -> ReadError {
        let mut newlines = 0;
        for field in self.records.iter() {
            match std::str::from_utf8(field) {
                Ok(_) => newlines += count_newlines(field),
                Err(e) => {
                    newlines += count_newlines(&field[..e.valid_up_to()]);
                    break;
                }
            }
        }
        ReadError::NotUtf8 {
            file: self.file.clone(),
            line: self.line() + newlines,
        }
    }

    /// Writes the buffered record over `row`; `false` (and `row` half written) when the record
    /// is blank.
    fn fill(&mut self, row: &mut Row) -> Result<bool, ReadError> {
        if ascii_blank(&self.records) {
            return Ok(false);
        }
        let found = self.records.len();
        self.text_fields_into(found.min(self.width), &mut row.cells)?;
        let beyond_blank = || {
            self.records
                .iter()
                .skip(self.width)
                .all(|f| String::from_utf8_lossy(f).trim().is_empty())
        };
        if row.cells.iter().all(Cell::is_blank) && beyond_blank() {
            return Ok(false);
        }
        row.cells.resize(self.width, Cell::Empty);
        // Blank fields past the header's end (`1,Acme,,` under `Acct,Company`, as exports that
        // pad every line write) lose nothing, nor does a line that ends where the header's names
        // do (`1,Acme` under `Acct,Company,`): only a short line or data past the end is damage.
        let damaged = found < self.named || (found > self.width && !beyond_blank());
        row.number = self.line();
        row.ragged = damaged.then(|| Ragged {
            expected: self.width,
            found,
            lines: record_lines(&self.records),
        });
        Ok(true)
    }
}

/// Keeps a text cell's string (emptied) in `spare`, up to [`SPARE`] of them.
fn keep(spare: &mut Vec<String>, cell: Cell) {
    if let Cell::Text(mut string) = cell
        && spare.len() < SPARE
    {
        string.clear();
        spare.push(string);
    }
}

impl RowStream for CsvRows {
    fn next_into(&mut self, row: &mut Row) -> Option<Result<(), ReadError>> {
        while !self.done {
            let step = self.read().and_then(|more| {
                if more {
                    self.fill(row).map(Some)
                } else {
                    Ok(None)
                }
            });
            match step {
                Ok(Some(true)) => return Some(Ok(())),
                Ok(Some(false)) => continue,
                Ok(None) => self.done = true,
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
        None
    }
}

impl Iterator for CsvRows {
    type Item = Result<Row, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut row = Row::default();
        Some(self.next_into(&mut row)?.map(|()| row))
    }
}

/// `="02134"` is how exports keep Excel from dropping a text's leading zeros (Excel takes it for
/// a formula whose value is the text): the text inside. Any other field is itself. One byte
/// compare for nearly every field.
#[inline]
fn formula_text(field: &str) -> &str {
    if field.as_bytes().first() != Some(&b'=') {
        return field;
    }
    match field
        .strip_prefix("=\"")
        .and_then(|rest| rest.strip_suffix('"'))
    {
        Some(inner) if !inner.contains('"') => inner,
        _ => field,
    }
}

/// The physical lines the buffered record spans: one, plus the line breaks inside its cells. A
/// break that ends the last cell (a quote never closed runs to the end of the file and takes
/// the file's last line end with it) ends the record's last line rather than starting another.
fn record_lines<R: std::io::BufRead>(record: &Records<R>) -> u64 {
    let breaks: u64 = record.iter().map(count_newlines).sum();
    let last_ends_a_line = record
        .iter()
        .last()
        .is_some_and(|field| field.ends_with(b"\n") || field.ends_with(b"\r"));
    1 + breaks - u64::from(last_ends_a_line)
}

/// Every field is empty or ASCII whitespace (the cheap test; [`Cell::is_blank`] also knows
/// Unicode whitespace). Ctrl-Z counts as blank: old DOS programs (dBase, Access 97) end a text
/// file with it, which would otherwise be a one-field last row.
fn ascii_blank<R: std::io::BufRead>(record: &Records<R>) -> bool {
    record
        .iter()
        .all(|f| f.iter().all(|&b| b.is_ascii_whitespace() || b == 0x1A))
}
