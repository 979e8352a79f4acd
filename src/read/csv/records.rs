//! A record reader over csv-core that knows the physical line where each record starts and, in
//! strict mode, refuses a quote that is never closed.
//!
//! Why csv-core and not the csv crate's `ByteRecord` with `Position::line()`: that line is
//! taken before the blank lines and the `\n` of a CRLF that precede a record are skipped, so it
//! is one or more lines short after a CRLF or a blank line (BurntSushi/rust-csv#395,
//! BurntSushi/rust-csv#208, both open); and the csv crate reads a quote that is never closed
//! without an error (BurntSushi/rust-csv#252, #289), while the raw bytes needed to check the
//! quotes ourselves are not exposed by its reader. Here the reader skips line ends itself,
//! counting them, hands the rest to csv-core, and keeps the record's raw bytes for
//! [`quotes::check`]. One field buffer is reused for every record. A line ends with `\n`,
//! `\r\n` or a lone `\r` (old Mac exports), as csv-core reads them.

use std::io::{self, BufRead};

use csv_core::{ReadRecordResult, Reader, ReaderBuilder};

use super::quotes::{self, BadQuote};

/// Why a record could not be read.
#[derive(Debug)]
pub(super) enum Failure {
    Io(io::Error),
    /// The record breaks the quoting rule (strict mode only).
    Quote(QuoteAt),
}

impl From<io::Error> for Failure {
    fn from(error: io::Error) -> Self {
        Failure::Io(error)
    }
}

/// A [`BadQuote`] in lines: where the quote opens, where the quote that should close it stands
/// (`None`: nowhere before the end of the file), and the last line the record reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct QuoteAt {
    pub field: usize,
    pub open_line: u64,
    pub close_line: Option<u64>,
    pub last_line: u64,
}

pub(super) struct Records<R> {
    input: R,
    core: Reader,
    /// The bytes of all fields of the current record, back to back; `ends` marks each end.
    fields: Vec<u8>,
    ends: Vec<usize>,
    len: usize,
    /// Lines seen so far (1-based: the line the reader is on).
    reader_line: u64,
    /// The line where the current record starts.
    record_line: u64,
    /// The last byte counted was a `\r`: a line break, unless a `\n` follows.
    pending_cr: bool,
    /// Check each record's quotes ([`quotes::check`]); off for the head, whose last record may
    /// be cut off anywhere.
    strict: bool,
    /// The raw bytes of the current record, kept in strict mode only.
    raw: Vec<u8>,
    delimiter: u8,
}

impl<R: BufRead> Records<R> {
    pub(super) fn new(input: R, delimiter: u8) -> Self {
        Records {
            input,
            core: ReaderBuilder::new().delimiter(delimiter).build(),
            fields: vec![0; 4096],
            ends: vec![0; 64],
            len: 0,
            reader_line: 1,
            record_line: 0,
            pending_cr: false,
            strict: false,
            raw: Vec::new(),
            delimiter,
        }
    }

    /// The same reader, refusing a record that breaks the quoting rule.
    pub(super) fn strict(mut self) -> Self {
        self.strict = true;
        self
    }

    /// The line where the current record starts.
    pub(super) fn line(&self) -> u64 {
        self.record_line
    }

    /// The line the reader is on: after the last record read, the line it ended on.
    pub(super) fn current_line(&self) -> u64 {
        self.reader_line
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = &[u8]> {
        let mut start = 0;
        self.ends[..self.len].iter().map(move |&end| {
            let field = &self.fields[start..end];
            start = end;
            field
        })
    }

    /// Whether the input is used up (an I/O error counts as not: the next read reports it).
    /// The first `count` fields as text, when they are UTF-8: the record is checked once, not
    /// field by field (`None` if it is not; field boundaries are ASCII delimiters, so every
    /// field of a valid record is valid).
    pub(super) fn texts(&self, count: usize) -> Option<impl Iterator<Item = &str>> {
        let ends = &self.ends[..count.min(self.len)];
        let text = std::str::from_utf8(&self.fields[..ends.last().copied().unwrap_or(0)]).ok()?;
        let mut start = 0;
        Some(ends.iter().map(move |&end| {
            let field = text.get(start..end).unwrap_or_default();
            start = end;
            field
        }))
    }

    pub(super) fn at_end(&mut self) -> bool {
        self.input.fill_buf().is_ok_and(<[u8]>::is_empty)
    }

    /// Skips line ends before the next record, counting them.
    fn skip_line_ends(&mut self) -> io::Result<()> {
        loop {
            let buffer = self.input.fill_buf()?;
            if buffer.is_empty() {
                return Ok(());
            }
            let skip = buffer
                .iter()
                .take_while(|&&b| b == b'\n' || b == b'\r')
                .count();
            let (lines, pending_cr) = count_lines(&buffer[..skip], self.pending_cr);
            self.reader_line += lines;
            self.pending_cr = pending_cr;
            let done = skip < buffer.len();
            self.input.consume(skip);
            if done {
                return Ok(());
            }
        }
    }

    /// Reads the next record; `false` at the end of the input.
    pub(super) fn read(&mut self) -> Result<bool, Failure> {
        let more = self.read_record()?;
        if self.strict && more {
            quotes::check(&self.raw, self.delimiter)
                .map_err(|bad| Failure::Quote(self.quote_at(bad)))?;
        }
        Ok(more)
    }

    /// A [`BadQuote`] of the current record in lines.
    fn quote_at(&self, bad: BadQuote) -> QuoteAt {
        let line = |offset: usize| self.record_line + count_newlines(&self.raw[..offset]);
        let raw = self.raw.as_slice();
        let body = [&b"\r\n"[..], b"\n", b"\r"]
            .iter()
            .find_map(|end| raw.strip_suffix(*end))
            .unwrap_or(raw);
        QuoteAt {
            field: bad.field,
            open_line: line(bad.open),
            close_line: bad.close.map(line),
            last_line: self.record_line + count_newlines(body),
        }
    }

    fn read_record(&mut self) -> io::Result<bool> {
        self.skip_line_ends()?;
        self.raw.clear();
        if self.pending_cr {
            // The skip stopped at a byte that is not a line end: that `\r` stood alone.
            self.reader_line += 1;
            self.pending_cr = false;
        }
        self.record_line = self.reader_line;
        let (mut out, mut nends) = (0, 0);
        loop {
            let input = self.input.fill_buf()?;
            let (result, nin, nout, nend) =
                self.core
                    .read_record(input, &mut self.fields[out..], &mut self.ends[nends..]);
            let (lines, pending_cr) = count_lines(&input[..nin], self.pending_cr);
            self.reader_line += lines;
            self.pending_cr = pending_cr;
            if self.strict {
                self.raw.extend_from_slice(&input[..nin]);
            }
            self.input.consume(nin);
            out += nout;
            nends += nend;
            match result {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    let grown = self.fields.len() * 2;
                    self.fields.resize(grown, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let grown = self.ends.len() * 2;
                    self.ends.resize(grown, 0);
                }
                ReadRecordResult::Record => {
                    self.len = nends;
                    return Ok(true);
                }
                ReadRecordResult::End => {
                    self.len = 0;
                    return Ok(false);
                }
            }
        }
    }
}

/// Line breaks in `bytes`, which follow a `\r` when `pending_cr`: each `\n` (so `\r\n` counts
/// once), and each `\r` followed by something else. Returns the count and whether `bytes` ends
/// in a `\r`, whose fate the next byte decides.
fn count_lines(bytes: &[u8], pending_cr: bool) -> (u64, bool) {
    let Some(&last) = bytes.last() else {
        return (0, pending_cr);
    };
    // A line ends at "\n", "\r\n" or a lone "\r": every "\n" counts, and every "\r" that the
    // next byte does not make a "\r\n" (the last byte's "\r" waits for the next chunk).
    // One pass for both: a record usually holds a single line end, at its end.
    let mut lines = u64::from(pending_cr && bytes[0] != b'\n');
    for at in memchr::memchr2_iter(b'\n', b'\r', bytes) {
        let counts = bytes[at] == b'\n' || bytes.get(at + 1).is_some_and(|&next| next != b'\n');
        lines += u64::from(counts);
    }
    (lines, last == b'\r')
}

pub(super) fn count_newlines(bytes: &[u8]) -> u64 {
    let (lines, pending_cr) = count_lines(bytes, false);
    lines + u64::from(pending_cr)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line of every record, read through a buffer of `capacity` bytes.
    fn lines(bytes: &[u8], capacity: usize) -> Vec<u64> {
        let mut records = Records::new(io::BufReader::with_capacity(capacity, bytes), b',');
        let mut found = Vec::new();
        while records.read().unwrap_or(false) {
            found.push(records.line());
        }
        found
    }

    /// The definition, a byte at a time: a `\n`, or any byte after a `\r`, ends a line.
    fn count_slowly(bytes: &[u8], mut pending_cr: bool) -> (u64, bool) {
        let mut lines = 0;
        for &b in bytes {
            if b == b'\n' || pending_cr {
                lines += 1;
            }
            pending_cr = b == b'\r';
        }
        (lines, pending_cr)
    }

    #[test]
    fn line_counting_matches_its_definition_on_every_short_input_and_split() {
        let alphabet = [b'\r', b'\n', b'a'];
        for len in 0..=7u32 {
            for mut code in 0..3usize.pow(len) {
                let bytes: Vec<u8> = (0..len)
                    .map(|_| {
                        let b = alphabet[code % 3];
                        code /= 3;
                        b
                    })
                    .collect();
                for pending in [false, true] {
                    assert_eq!(count_lines(&bytes, pending), count_slowly(&bytes, pending));
                    for split in 0..bytes.len() {
                        let (a, carry) = count_lines(&bytes[..split], pending);
                        let (b, end) = count_lines(&bytes[split..], carry);
                        assert_eq!((a + b, end), count_slowly(&bytes, pending), "{bytes:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn every_kind_of_line_end_counts_once_at_any_buffer_boundary() {
        let text = b"a\r\nb\rc\n\r\nd\r\re\n\"f\r\ng\"\rh";
        for capacity in [1, 2, 3, 5, 64] {
            assert_eq!(lines(text, capacity), [1, 2, 3, 5, 7, 8, 10], "{capacity}");
        }
    }
}
