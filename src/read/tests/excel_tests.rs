//! Workbook reading tests: cell types, sheet choice, ranges off A1, damaged and disguised files.

use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};

use super::super::*;
use super::csv_tests::fixture;

fn save(book: &mut Workbook, name: &str) -> (tempfile::TempDir, PathBuf) {
    let bytes = book.save_to_buffer().unwrap();
    fixture(name, &bytes)
}

fn opts() -> ReadOptions {
    ReadOptions::default()
}

fn rows(table: Table) -> Vec<Row> {
    table.rows.map(Result::unwrap).collect()
}

fn text(s: &str) -> Cell {
    Cell::Text(s.to_string())
}

/// A customer sheet with every cell type, a blank row and a second sheet.
fn typed_workbook() -> Workbook {
    let mut book = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let sheet = book.add_worksheet().set_name("Customers").unwrap();
    for (col, name) in ["ID", "Name", "Zip", "Active", "Since", "Check", " Notes "]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, col as u16, *name).unwrap();
    }
    sheet.write_number(1, 0, 1001).unwrap();
    sheet.write_string(1, 1, "Zoë 日本 😀").unwrap();
    sheet.write_string(1, 2, "02134").unwrap();
    sheet.write_boolean(1, 3, true).unwrap();
    let since = ExcelDateTime::from_ymd(2024, 1, 31).unwrap();
    sheet
        .write_datetime_with_format(1, 4, &since, &date)
        .unwrap();
    sheet
        .write_formula(1, 5, Formula::new("=NA()").set_result("#N/A"))
        .unwrap();
    // Row 3 is blank (a space only); row 4 has data.
    sheet.write_string(2, 1, " ").unwrap();
    sheet.write_number(3, 0, 2.5).unwrap();
    book.add_worksheet()
        .set_name("Other")
        .unwrap()
        .write_string(0, 0, "x")
        .unwrap();
    book
}

#[test]
fn cell_types() {
    let (_dir, path) = save(&mut typed_workbook(), "book.xlsx");
    let table = open(&path, &opts()).unwrap();
    assert_eq!(table.source.sheet.as_deref(), Some("Customers"));
    assert_eq!(
        table.headers,
        ["ID", "Name", "Zip", "Active", "Since", "Check", "Notes"]
    );
    let rows = rows(table);
    let since = chrono::NaiveDate::from_ymd_opt(2024, 1, 31)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    assert_eq!(
        rows[0].cells,
        [
            Cell::Number(1001.0),
            text("Zoë 日本 😀"),
            text("02134"),
            Cell::Bool(true),
            Cell::DateTime(since),
            Cell::Error("#N/A".into()),
            Cell::Empty,
        ]
    );
    assert_eq!(rows[0].number, 2);
    assert_eq!(rows[1].number, 4, "the blank row 3 is skipped");
    assert_eq!(rows[1].cells[0], Cell::Number(2.5));
    assert_eq!(rows[1].ragged, None);
    assert_eq!(rows.len(), 2);
}

#[test]
fn sheet_names_and_choice() {
    let (_dir, path) = save(&mut typed_workbook(), "book.xlsx");
    assert_eq!(
        sheet_names(&path).unwrap(),
        Some(vec!["Customers".to_string(), "Other".to_string()])
    );
    let options = ReadOptions {
        sheet: Some(" other ".into()),
        ..opts()
    };
    let table = open(&path, &options).unwrap();
    assert_eq!(table.source.sheet.as_deref(), Some("Other"));
    assert_eq!(table.headers, ["x"]);
    let options = ReadOptions {
        sheet: Some("Kunden".into()),
        ..opts()
    };
    let error = open(&path, &options).err().unwrap();
    assert!(matches!(error, ReadError::NoSuchSheet { .. }));
    assert!(error.to_string().contains("Customers, Other"), "{error}");
}

#[test]
fn range_starting_at_c5() {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(4, 2, "Name").unwrap();
    sheet.write_number(4, 3, 1001).unwrap();
    sheet.write_string(5, 2, "A").unwrap();
    sheet.write_string(7, 3, "B").unwrap();
    let (_dir, path) = save(&mut book, "c5.xlsx");
    let table = open(&path, &opts()).unwrap();
    // Cells keep their sheet columns: C and D are the third and fourth.
    assert_eq!(table.headers, ["", "", "Name", "1001"]);
    assert_eq!(table.preview.len(), 8);
    assert!(table.preview[3].is_empty());
    assert_eq!(table.preview[4], ["", "", "Name", "1001"]);
    let numbers: Vec<u64> = rows(table).iter().map(|r| r.number).collect();
    assert_eq!(numbers, [6, 8]);
    // Asking for the header on row 5 explicitly gives the same; row 3 is blank.
    let explicit = ReadOptions {
        header_row: 5,
        ..opts()
    };
    assert_eq!(
        open(&path, &explicit).unwrap().headers,
        ["", "", "Name", "1001"]
    );
    let blank = ReadOptions {
        header_row: 3,
        ..opts()
    };
    let error = open(&path, &blank).err().unwrap();
    assert!(
        matches!(error, ReadError::BlankHeader { row: 3, .. }),
        "{error:?}"
    );
    let past = ReadOptions {
        header_row: 20,
        ..opts()
    };
    let error = open(&path, &past).err().unwrap();
    assert!(
        matches!(
            error,
            ReadError::NoHeader {
                row: 20,
                rows: 8,
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn title_rows_and_preview() {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "Customer list").unwrap();
    sheet.write_string(2, 0, "ID").unwrap();
    sheet.write_number(3, 0, 7).unwrap();
    let (_dir, path) = save(&mut book, "t.xlsx");
    let options = ReadOptions {
        header_row: 3,
        ..opts()
    };
    let table = open(&path, &options).unwrap();
    assert_eq!(
        table.preview,
        [vec!["Customer list"], vec![], vec!["ID"], vec!["7"]]
    );
    assert_eq!(table.headers, ["ID"]);
    assert_eq!(rows(table)[0].number, 4);
}

#[test]
fn empty_sheet_and_empty_file() {
    let mut book = Workbook::new();
    book.add_worksheet().set_name("Nothing").unwrap();
    let (_dir, path) = save(&mut book, "empty.xlsx");
    let error = open(&path, &opts()).err().unwrap();
    assert!(matches!(error, ReadError::Empty { .. }), "{error:?}");
    assert!(error.to_string().contains("sheet \"Nothing\""), "{error}");
    let (_dir, path) = fixture("zero.xlsx", b"");
    assert!(matches!(open(&path, &opts()), Err(ReadError::Empty { .. })));
}

fn format_error(name: &str, bytes: &[u8]) -> String {
    let (_dir, path) = fixture(name, bytes);
    let error = open(&path, &opts()).err().unwrap();
    assert!(matches!(error, ReadError::Format { .. }), "{error:?}");
    let message = error.with_hint();
    assert!(message.contains("\nhint: "), "{message}");
    message
}

#[test]
fn truncated_xlsx_is_damaged() {
    let bytes = typed_workbook().save_to_buffer().unwrap();
    let message = format_error("cut.xlsx", &bytes[..bytes.len() / 2]);
    assert!(message.contains("damaged or incomplete"), "{message}");
}

#[test]
fn disguised_files() {
    let html = b"<html><body><table><tr><td>Name</td></tr></table></body></html>";
    assert!(format_error("export.xls", html).contains("web page"));
    assert!(format_error("export.xlsx", b"Name,City\nA,B\n").contains("plain text"));
    let random: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    assert!(format_error("noise.xlsx", &random).contains("neither a workbook nor text"));
    // A zip archive that is not a workbook.
    let mut zip = b"PK\x03\x04".to_vec();
    zip.extend_from_slice(&[0; 64]);
    format_error("fake.xlsx", &zip);
    // An OLE file that is not a workbook.
    let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    ole.extend_from_slice(&[0; 600]);
    format_error("fake.xls", &ole);
}

#[test]
fn workbook_detected_by_content_not_extension() {
    let (_dir, path) = save(&mut typed_workbook(), "download.csv");
    assert_eq!(open(&path, &opts()).unwrap().headers[0], "ID");
}

/// An encrypted workbook (made by msoffcrypto-tool, see tests/fixtures/README.md).
#[test]
fn password_protected() {
    let dir = tempfile::tempdir().unwrap();
    let locked = dir.path().join("locked.xlsx");
    std::fs::write(
        &locked,
        include_bytes!("../../../tests/fixtures/locked.xlsx"),
    )
    .unwrap();
    // Office wraps an encrypted xlsx in an OLE file: whatever its extension says.
    for name in ["locked.xls", "locked.bin"] {
        std::fs::copy(&locked, dir.path().join(name)).unwrap();
    }
    for name in ["locked.xlsx", "locked.xls", "locked.bin"] {
        let locked = dir.path().join(name);
        let error = open(&locked, &opts()).err().unwrap();
        assert!(
            matches!(error, ReadError::Encrypted { .. }),
            "{name}: {error:?}"
        );
        assert!(error.with_hint().contains("hint:"));
    }
}

/// `cargo test --release --lib read::tests::excel_tests::speed -- --ignored --nocapture`
#[test]
#[ignore]
fn speed() {
    let count = 100_000u32;
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for col in 0..10u16 {
        sheet.write_string(0, col, format!("column {col}")).unwrap();
    }
    for row in 1..=count {
        for col in 0..10u16 {
            if col % 2 == 0 {
                sheet.write_number(row, col, f64::from(row)).unwrap();
            } else {
                sheet
                    .write_string(row, col, format!("text {row} {col}"))
                    .unwrap();
            }
        }
    }
    let (_dir, path) = save(&mut book, "big.xlsx");
    let start = std::time::Instant::now();
    let read = open(&path, &opts())
        .unwrap()
        .rows
        .map(Result::unwrap)
        .count();
    let elapsed = start.elapsed();
    assert_eq!(read, count as usize);
    println!(
        "xlsx: {read} rows x 10 columns in {elapsed:?}: {:.0} rows/s",
        read as f64 / elapsed.as_secs_f64()
    );
}

/// No input makes reading panic: random bytes behind every magic number and extension, and
/// every cut of a real workbook.
#[test]
fn never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let real = typed_workbook().save_to_buffer().unwrap();
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let prefixes: [&[u8]; 4] = [
        b"",
        b"PK\x03\x04",
        &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1],
        b"\xFF\xFE",
    ];
    for round in 0..40 {
        let mut bytes = prefixes[round % prefixes.len()].to_vec();
        let len = (next() % 3000) as usize;
        bytes.extend((0..len).map(|_| next() as u8));
        if round % 5 == 0 {
            bytes = real[..(next() as usize % real.len())].to_vec();
        }
        for name in ["f.csv", "f.xlsx", "f.xls", "f"] {
            let path = dir.path().join(name);
            std::fs::write(&path, &bytes).unwrap();
            let _ = sheet_names(&path);
            if let Ok(table) = open(&path, &opts()) {
                table.rows.for_each(drop);
            }
        }
    }
}
