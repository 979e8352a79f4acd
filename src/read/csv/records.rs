//! A record reader over csv-core that knows the physical line where each record starts.
//!
//! The csv crate's `Position::line()` is taken before the blank lines (and the `\n` of a CRLF)
//! that precede a record are skipped, so it is one or more lines short after a CRLF or a blank
//! line. Here the reader skips those itself, counting them, before handing the rest to
//! csv-core. One field buffer is reused for every record. A line ends with `\n`, `\r\n` or a
//! lone `\r` (old Mac exports), as csv-core reads them.

use std::io::{self, BufRead};

use csv_core::{ReadRecordResult, Reader, ReaderBuilder};

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
}

impl<R: BufRead> Records<R> {
    pub fn new(input: R, delimiter: u8) -> Self {
        Records {
            input,
            core: ReaderBuilder::new().delimiter(delimiter).build(),
            fields: vec![0; 4096],
            ends: vec![0; 64],
            len: 0,
            reader_line: 1,
            record_line: 0,
            pending_cr: false,
        }
    }

    /// The line where the current record starts.
    pub fn line(&self) -> u64 {
        self.record_line
    }

    /// The line the reader is on: after the last record read, the line it ended on.
    pub fn current_line(&self) -> u64 {
        self.reader_line
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
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
    pub fn texts(&self, count: usize) -> Option<impl Iterator<Item = &str>> {
        let ends = &self.ends[..count.min(self.len)];
        let text = std::str::from_utf8(&self.fields[..ends.last().copied().unwrap_or(0)]).ok()?;
        let mut start = 0;
        Some(ends.iter().map(move |&end| {
            let field = text.get(start..end).unwrap_or_default();
            start = end;
            field
        }))
    }

    pub fn at_end(&mut self) -> bool {
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
    pub fn read(&mut self) -> io::Result<bool> {
        self.skip_line_ends()?;
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
