//! The head of a CSV file: its first lines, read once (decoded) before streaming starts, to
//! detect the delimiter and to keep the preview. The head is then replayed in front of the rest
//! of the stream, so nothing is read twice and nothing is lost.
//!
//! Detection is quote-aware because it parses the head with the csv crate itself, once per
//! candidate delimiter.

use std::io::{self, Read};

use super::super::{HeaderStep, PREVIEW_ROWS, header_step};
use super::records::Records;

/// Candidate delimiters, in the order that breaks ties.
const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];
/// How many records after the header the detection looks at.
const SAMPLE_RECORDS: usize = 20;
/// The head stops growing here even if it has not seen enough lines (a file of huge lines).
const HEAD_LIMIT: usize = 4 << 20;
const CHUNK: usize = 64 << 10;

pub(super) struct Head {
    pub bytes: Vec<u8>,
    /// The head is the whole file.
    pub complete: bool,
}

/// Reads from `source` until the head holds enough lines for the preview and for detection
/// below `header_row`, or the end of the file.
pub(super) fn read_head(source: &mut impl Read, header_row: u64) -> io::Result<Head> {
    let wanted = (PREVIEW_ROWS as u64)
        .max(header_row.saturating_add(SAMPLE_RECORDS as u64))
        .saturating_add(1);
    let mut bytes = Vec::with_capacity(CHUNK);
    let mut lines = 0u64;
    loop {
        let start = bytes.len();
        bytes.resize(start + CHUNK, 0);
        let n = loop {
            match source.read(&mut bytes[start..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        bytes.truncate(start + n);
        if n == 0 {
            return Ok(Head {
                bytes,
                complete: true,
            });
        }
        lines += bytes[start..].iter().filter(|&&b| b == b'\n').count() as u64;
        if lines >= wanted || bytes.len() >= HEAD_LIMIT {
            return Ok(Head {
                bytes,
                complete: false,
            });
        }
    }
}

/// Parses the head with `delimiter`, calling `each(line, record)` for every record that is
/// surely complete (the head's last record may be cut off unless the head is the whole file).
fn for_each_record(head: &Head, delimiter: u8, mut each: impl FnMut(u64, &Records<&[u8]>) -> bool) {
    let mut records = Records::new(head.bytes.as_slice(), delimiter);
    while let Ok(true) = records.read() {
        if !head.complete && records.at_end() {
            return;
        }
        if !each(records.line(), &records) {
            return;
        }
    }
}

fn blank(record: &Records<&[u8]>) -> bool {
    record
        .iter()
        .all(|f| String::from_utf8_lossy(f).trim().is_empty())
}

/// Picks the delimiter that splits the header row into the most consistent shape: the share of
/// the following records with as many fields as the header first, then the header's width,
/// then the order of [`CANDIDATES`]. A header that does not split under any candidate is a
/// one-column file, read with `,`.
pub(super) fn detect_delimiter(head: &Head, header_row: u64) -> u8 {
    let mut best = (b',', (0u64, 0usize));
    for delimiter in CANDIDATES {
        let mut width = None;
        let (mut same, mut seen) = (0u64, 0u64);
        for_each_record(head, delimiter, |line, record| {
            let is_blank = blank(record);
            match width {
                None => match header_step(header_row, line, is_blank) {
                    HeaderStep::Skip => return true,
                    HeaderStep::Blank => return false,
                    HeaderStep::Header => width = Some(record.len()),
                },
                Some(w) if !is_blank => {
                    seen += 1;
                    same += u64::from(record.len() == w);
                }
                Some(_) => {}
            }
            seen < SAMPLE_RECORDS as u64
        });
        let Some(width) = width.filter(|&w| w > 1) else {
            continue;
        };
        let share = (same * 1000).checked_div(seen).unwrap_or(1000);
        if (share, width) > best.1 {
            best = (delimiter, (share, width));
        }
    }
    best.0
}

/// The first [`PREVIEW_ROWS`] lines as text, one entry per line: a line with no record starting
/// on it (a blank line, or the continuation of a quoted field) is an empty row.
pub(super) fn preview(head: &Head, delimiter: u8) -> Vec<Vec<String>> {
    let mut rows: Vec<Vec<String>> = Vec::new();
    for_each_record(head, delimiter, |line, record| {
        let Some(index) = usize::try_from(line).ok().and_then(|l| l.checked_sub(1)) else {
            return true;
        };
        if index >= PREVIEW_ROWS {
            return false;
        }
        rows.resize(index, Vec::new());
        rows.push(
            record
                .iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect(),
        );
        true
    });
    rows
}

/// The delimiter a first line such as `sep=;` names: Excel writes and honours that line, and
/// some exports meant for Excel start with it.
pub(super) fn sep_line(head: &[u8]) -> Option<u8> {
    match head.strip_prefix(b"sep=")? {
        [delimiter, b'\r' | b'\n', ..] | [delimiter] if !matches!(delimiter, b'\r' | b'\n') => {
            Some(*delimiter)
        }
        _ => None,
    }
}

/// `utf-16le` or `utf-16be` when the head looks like UTF-16 that came without a BOM: a NUL in
/// most of the first 64 even (BE) or odd (LE) bytes. Text in any 8-bit encoding has no NULs.
pub(super) fn utf16_without_bom(head: &[u8]) -> Option<&'static str> {
    let sample = &head[..head.len().min(128)];
    let pairs = sample.len() / 2;
    if pairs < 2 {
        return None;
    }
    let zeros = |offset: usize| {
        sample
            .iter()
            .skip(offset)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let (even, odd) = (zeros(0), zeros(1));
    if odd * 4 >= pairs * 3 && even == 0 {
        Some("utf-16le")
    } else if even * 4 >= pairs * 3 && odd == 0 {
        Some("utf-16be")
    } else {
        None
    }
}
