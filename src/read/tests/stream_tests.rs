//! Workbook streaming tests on sheets no spreadsheet program writes: rows out of document order,
//! damage after thousands of rows. rust_xlsxwriter only writes well-formed sheets in order, so
//! these workbooks are zipped by hand (stored, uncompressed) around the sheet's XML.

use super::super::*;
use super::csv_tests::fixture;

/// A one-sheet xlsx whose `<sheetData>` holds `rows` (the XML of its `<row>` elements), followed
/// by `tail`, which closes the sheet unless a test wants it cut.
fn workbook(rows: &str, tail: &str) -> Vec<u8> {
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows}{tail}"#
    );
    zip_stored(&[
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Export" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
        ("xl/worksheets/sheet1.xml", &sheet),
    ])
}

const END: &str = "</sheetData></worksheet>";

/// `<row r="N">` with one inline-text cell per `(column letter, text)`.
fn row(number: u32, cells: &[(&str, &str)]) -> String {
    let cells: String = cells
        .iter()
        .map(|(column, text)| {
            format!(r#"<c r="{column}{number}" t="inlineStr"><is><t>{text}</t></is></c>"#)
        })
        .collect();
    format!(r#"<row r="{number}">{cells}</row>"#)
}

/// The header row and data rows `from..=to`, one number cell each: tens of thousands of rows
/// make several of the reader's batches and chunks.
fn numbered(from: u32, to: u32) -> String {
    let mut rows = row(1, &[("A", "ID")]);
    for number in from..=to {
        rows.push_str(&format!(
            r#"<row r="{number}"><c r="A{number}"><v>{number}</v></c></row>"#
        ));
    }
    rows
}

/// A zip archive of `files`, stored without compression.
fn zip_stored(files: &[(&str, &str)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut directory = Vec::new();
    for (name, content) in files {
        let offset = out.len() as u32;
        let (crc, size) = (crc32(content.as_bytes()), content.len() as u32);
        // Version 2.0, no flags, stored, 1980-01-01 00:00.
        let common = |header: &mut Vec<u8>| {
            for field in [20u16, 0, 0, 0, 0x21] {
                header.extend(field.to_le_bytes());
            }
            for field in [crc, size, size] {
                header.extend(field.to_le_bytes());
            }
            header.extend((name.len() as u16).to_le_bytes());
            header.extend(0u16.to_le_bytes());
        };
        out.extend(0x0403_4b50u32.to_le_bytes());
        common(&mut out);
        out.extend(name.as_bytes());
        out.extend(content.as_bytes());
        directory.extend(0x0201_4b50u32.to_le_bytes());
        directory.extend(20u16.to_le_bytes());
        common(&mut directory);
        // Comment length, disk, internal and external attributes, then the local offset.
        directory.extend([0u8; 10]);
        directory.extend(offset.to_le_bytes());
        directory.extend(name.as_bytes());
    }
    let (start, count) = (out.len() as u32, files.len() as u16);
    out.extend(&directory);
    out.extend(0x0605_4b50u32.to_le_bytes());
    for field in [0u16, 0, count, count] {
        out.extend(field.to_le_bytes());
    }
    out.extend((directory.len() as u32).to_le_bytes());
    out.extend(start.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn open_bytes(bytes: &[u8]) -> (tempfile::TempDir, Table) {
    let (dir, path) = fixture("hand.xlsx", bytes);
    let table = open(&path, &ReadOptions::default()).unwrap();
    (dir, table)
}

/// The rows before the first error, and that error; fails if the rows end without one.
fn rows_then_error(table: Table) -> (Vec<Row>, ReadError) {
    let mut rows = Vec::new();
    let mut stream = table.rows;
    for result in stream.by_ref() {
        match result {
            Ok(row) => rows.push(row),
            Err(error) => {
                assert!(stream.next().is_none(), "nothing after the error");
                return (rows, error);
            }
        }
    }
    panic!("{} rows and no error", rows.len());
}

#[test]
fn the_hand_made_workbook_reads() {
    let (_dir, table) = open_bytes(&workbook(&numbered(2, 3000), END));
    assert_eq!(table.headers, ["ID"]);
    let numbers: Vec<u64> = table.rows.map(|r| r.unwrap().number).collect();
    assert_eq!(numbers, (2..=3000).collect::<Vec<u64>>());
}

#[test]
fn rows_and_cells_out_of_order_close_together_are_sorted() {
    let rows = [
        row(1, &[("B", "Name"), ("A", "ID")]),
        row(3, &[("B", "Beta")]),
        row(2, &[("B", "Alpha"), ("A", "1")]),
        row(3, &[("A", "2")]),
    ]
    .concat();
    let (_dir, table) = open_bytes(&workbook(&rows, END));
    assert_eq!(table.headers, ["ID", "Name"]);
    let rows: Vec<(u64, Vec<Cell>)> = table
        .rows
        .map(|r| r.map(|r| (r.number, r.cells)).unwrap())
        .collect();
    let text = |s: &str| Cell::Text(s.into());
    assert_eq!(
        rows,
        [
            (2, vec![text("1"), text("Alpha")]),
            (3, vec![text("2"), text("Beta")])
        ]
    );
}

#[test]
fn a_cell_above_rows_already_read_stops_with_how_to_fix_it() {
    let late = row(5, &[("B", "late")]);
    let (_dir, table) = open_bytes(&workbook(&(numbered(2, 30_000) + &late), END));
    let (rows, error) = rows_then_error(table);
    assert!(!rows.is_empty());
    assert!(rows.windows(2).all(|w| w[0].number < w[1].number));
    assert!(
        matches!(
            error,
            ReadError::OutOfOrder {
                row: 5,
                column: 1,
                ..
            }
        ),
        "{error:?}"
    );
    let message = error.with_hint();
    assert!(
        message.contains("hand.xlsx, sheet \"Export\", cell B5: "),
        "{message}"
    );
    assert!(
        message.contains("open it in Excel, save it again"),
        "{message}"
    );
}

#[test]
fn damage_after_thousands_of_rows_is_an_error_after_them() {
    let bad = r#"<row r="30001"><c r="A30001" t="n"><v>oops</v></c></row>"#;
    for (rows, tail) in [
        (numbered(2, 30_000) + bad, END),
        // Cut off in the middle of the sheet: no end of <sheetData>.
        (numbered(2, 30_000), ""),
    ] {
        let (_dir, table) = open_bytes(&workbook(&rows, tail));
        let (rows, error) = rows_then_error(table);
        assert!(!rows.is_empty() && rows.len() < 29_999, "{}", rows.len());
        assert!(matches!(error, ReadError::Format { .. }), "{error:?}");
        assert!(error.to_string().contains("damaged"), "{error}");
    }
}

/// A consumer that stops early lets the reading thread go: dropping the table, with most of the
/// sheet unread, joins the thread, which would hang here if it did not stop.
#[test]
fn a_table_dropped_early_stops_its_reading_thread() {
    let (_dir, mut table) = open_bytes(&workbook(&numbered(2, 30_000), END));
    assert_eq!(table.rows.next().unwrap().unwrap().number, 2);
    drop(table);
}
