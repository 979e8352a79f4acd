//! A strict reference reading of CSV bytes and a generator of random CSV files, for the property
//! tests of the reader (`csv_props.rs`) and of the binary (`tests/it/csv_quotes.rs` includes this
//! file by path). Plain std and proptest only.
//!
//! The reference is RFC 4180 read one byte at a time, with the importer's documented readings
//! beside it: a line ends at `\n`, `\r\n` or a lone `\r` (also inside a quoted cell, for
//! counting lines); empty lines are skipped; a quote inside a cell that does not start with one
//! is a character. A quoted cell that never closes, or text after its closing quote, is an error
//! at the line where the quote opens.
#![allow(dead_code)]

use proptest::prelude::*;

/// A record: the line where it starts and its cells.
pub(super) type Record = (u64, Vec<Vec<u8>>);

fn line_end(bytes: &[u8], at: usize) -> Option<usize> {
    match bytes.get(at) {
        Some(b'\r') if bytes.get(at + 1) == Some(&b'\n') => Some(2),
        Some(b'\r' | b'\n') => Some(1),
        _ => None,
    }
}

/// Every record of `bytes`, or the line of the first quote that breaks the rule.
pub(super) fn reference(bytes: &[u8], delimiter: u8) -> Result<Vec<Record>, u64> {
    let (mut records, mut line, mut at) = (Vec::new(), 1u64, 0usize);
    loop {
        while let Some(len) = line_end(bytes, at) {
            at += len;
            line += 1;
        }
        if at >= bytes.len() {
            return Ok(records);
        }
        let start = line;
        let mut cells = Vec::new();
        loop {
            let mut cell = Vec::new();
            if bytes.get(at) == Some(&b'"') {
                let open = line;
                at += 1;
                loop {
                    match bytes.get(at) {
                        None => return Err(open),
                        Some(b'"') if bytes.get(at + 1) == Some(&b'"') => {
                            cell.push(b'"');
                            at += 2;
                        }
                        Some(b'"') => {
                            at += 1;
                            let next = bytes.get(at);
                            if next.is_some()
                                && next != Some(&delimiter)
                                && line_end(bytes, at).is_none()
                            {
                                return Err(open);
                            }
                            break;
                        }
                        Some(_) => match line_end(bytes, at) {
                            Some(len) => {
                                cell.extend_from_slice(&bytes[at..at + len]);
                                at += len;
                                line += 1;
                            }
                            None => {
                                cell.push(bytes[at]);
                                at += 1;
                            }
                        },
                    }
                }
            } else {
                while at < bytes.len() && bytes[at] != delimiter && line_end(bytes, at).is_none() {
                    cell.push(bytes[at]);
                    at += 1;
                }
            }
            cells.push(cell);
            if bytes.get(at) == Some(&delimiter) {
                at += 1;
            } else {
                break;
            }
        }
        if let Some(len) = line_end(bytes, at) {
            at += len;
            line += 1;
        }
        records.push((start, cells));
    }
}

/// A record every cell of which is empty or ASCII whitespace: the reader skips it.
pub(super) fn blank(record: &Record) -> bool {
    record.1.iter().flatten().all(u8::is_ascii_whitespace)
}

/// What reading `bytes` must give: the lines of the data rows under the first non-blank record
/// (`Ok(None)` when there is no such record), or the line of the first bad quote.
pub(super) fn expected_rows(bytes: &[u8], delimiter: u8) -> Result<Option<Vec<u64>>, u64> {
    let records = reference(bytes, delimiter)?;
    let mut rows = records.iter().filter(|r| !blank(r));
    if rows.next().is_none() {
        return Ok(None);
    }
    Ok(Some(rows.map(|r| r.0).collect()))
}

/// One cell as written in the file.
fn cell() -> impl Strategy<Value = String> {
    let plain = "[ab ]{0,3}";
    let quoted_part = prop_oneof![
        4 => "[ab ]{1,2}",
        1 => Just(",".to_string()),
        1 => Just("\"\"".to_string()),
        1 => Just("\n".to_string()),
        1 => Just("\r\n".to_string()),
        1 => Just("\r".to_string()),
    ];
    let quoted = prop::collection::vec(quoted_part, 0..4).prop_map(|parts| parts.concat());
    prop_oneof![
        6 => plain.prop_map(String::from),
        // A stray quote inside an unquoted cell.
        1 => "[ab]{1,2}\"[ab]{0,2}".prop_map(String::from),
        4 => quoted.clone().prop_map(|q| format!("\"{q}\"")),
        // Never closed, or text after the closing quote.
        1 => quoted.clone().prop_map(|q| format!("\"{q}")),
        1 => quoted.prop_map(|q| format!("\"{q}\"x")),
    ]
}

/// A line end as written after a record; the empty string only at the end of a file.
fn line_end_text() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just("\n"), Just("\r\n"), Just("\r")]
}

/// A random CSV file (`,` between cells): a header of `header` (or random cells), then up to
/// eight records and blank lines, each line with its own line end, the last one optional.
pub(super) fn csv_file(header: Option<&'static str>) -> impl Strategy<Value = Vec<u8>> {
    let record = prop::collection::vec(cell(), 1..4).prop_map(|cells| cells.join(","));
    let line = prop_oneof![6 => record, 1 => Just(String::new()), 1 => Just("  ".to_string())];
    let header = match header {
        Some(text) => Just(text.to_string()).boxed(),
        None => prop::collection::vec(cell(), 1..4)
            .prop_map(|cells| cells.join(","))
            .boxed(),
    };
    (
        header,
        prop::collection::vec((line, line_end_text()), 0..8),
        any::<bool>(),
    )
        .prop_map(|(header, lines, last_end)| {
            let mut text = header;
            for (line, end) in lines {
                text.push_str(end);
                text.push_str(&line);
            }
            if last_end {
                text.push('\n');
            }
            text.into_bytes()
        })
}

#[test]
fn the_reference_reads_the_rfc_examples() {
    let read = |text: &str| reference(text.as_bytes(), b',');
    let cells = |text: &str| -> Vec<Vec<String>> {
        read(text)
            .unwrap()
            .into_iter()
            .map(|(_, cells)| {
                cells
                    .into_iter()
                    .map(|c| String::from_utf8(c).unwrap())
                    .collect()
            })
            .collect()
    };
    assert_eq!(cells("a,b\r\nc,d"), [["a", "b"], ["c", "d"]]);
    assert_eq!(cells("\"a\"\"b\",\"c\nd\"\n"), [["a\"b", "c\nd"]]);
    assert_eq!(cells("a\"b,\n\n"), [["a\"b", ""]]);
    let lines = |text: &str| -> Vec<u64> { read(text).unwrap().iter().map(|r| r.0).collect() };
    assert_eq!(lines("a\n\r\nb\r\"c\rd\"\ne"), [1, 3, 4, 6]);
    assert_eq!(read("a\nb,\"c\nd\n"), Err(2));
    assert_eq!(read("a\n\n\"b\"c,d\n"), Err(3));
}
