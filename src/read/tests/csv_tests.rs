//! CSV reading tests: encodings, delimiters, row numbers, blank and ragged rows, damage.

use super::super::*;

/// Writes `bytes` to a file named `name` in a fresh temp dir (kept alive by the returned guard).
pub(super) fn fixture(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

fn opts() -> ReadOptions {
    ReadOptions::default()
}

fn read(bytes: &[u8], options: &ReadOptions) -> (Table, Vec<Row>) {
    let (_dir, path) = fixture("in.csv", bytes);
    let mut table = open(&path, options).unwrap();
    let rows = table.rows.by_ref().collect::<Result<Vec<_>, _>>().unwrap();
    (table, rows)
}

fn texts(row: &Row) -> Vec<String> {
    row.cells
        .iter()
        .map(|c| match c {
            Cell::Empty => String::new(),
            Cell::Text(t) => t.clone(),
            other => panic!("CSV gave {other:?}"),
        })
        .collect()
}

fn numbers(rows: &[Row]) -> Vec<u64> {
    rows.iter().map(|r| r.number).collect()
}

#[test]
fn semicolon_windows_1252_export() {
    // "Café;Müller;€" in windows-1252, CRLF line ends, as Excel on Windows writes it.
    let bytes = b"Name;Stadt;Preis\r\nCaf\xe9;M\xfcller;5 \x80\r\nA;B;C\r\n";
    let options = ReadOptions {
        encoding: Some(encoding_rs::WINDOWS_1252),
        ..opts()
    };
    let (table, rows) = read(bytes, &options);
    assert_eq!(table.headers, ["Name", "Stadt", "Preis"]);
    assert_eq!(texts(&rows[0]), ["Café", "Müller", "5 €"]);
    assert_eq!(numbers(&rows), [2, 3]);
}

#[test]
fn detects_tab_and_pipe() {
    let (table, rows) = read(b"a\tb\tc\n1\t2\t3\n", &opts());
    assert_eq!(table.headers, ["a", "b", "c"]);
    assert_eq!(texts(&rows[0]), ["1", "2", "3"]);
    let (table, _) = read(b"a|b\n1|2\n", &opts());
    assert_eq!(table.headers, ["a", "b"]);
}

#[test]
fn detection_is_quote_aware() {
    // Commas inside quotes must not make ',' look like the delimiter.
    let bytes =
        b"name;note\n\"Smith, John\";\"a, b, c\"\n\"Doe, Jane\";\"x;y\nsecond line\"\nlast;row\n";
    let (table, rows) = read(bytes, &opts());
    assert_eq!(table.headers, ["name", "note"]);
    assert_eq!(texts(&rows[1]), ["Doe, Jane", "x;y\nsecond line"]);
    // The quoted newline spans lines 3-4: the next record starts on line 5.
    assert_eq!(numbers(&rows), [2, 3, 5]);
}

#[test]
fn semicolon_with_decimal_commas() {
    let (table, rows) = read(b"id;amount;qty\n1;1,5;2\n2;3,25;1\n", &opts());
    assert_eq!(table.headers, ["id", "amount", "qty"]);
    assert_eq!(texts(&rows[0]), ["1", "1,5", "2"]);
}

#[test]
fn explicit_delimiter_wins() {
    let options = ReadOptions {
        delimiter: Some(b';'),
        ..opts()
    };
    let (table, _) = read(b"a,b;c\n1,2;3\n", &options);
    assert_eq!(table.headers, ["a,b", "c"]);
}

#[test]
fn one_column_file() {
    let (table, rows) = read(b"email\na@b.c\nd@e.f\n", &opts());
    assert_eq!(table.headers, ["email"]);
    assert_eq!(rows.len(), 2);
}

#[test]
fn utf8_bom_is_dropped() {
    let (table, rows) = read(b"\xEF\xBB\xBFName,City\nA,B\n", &opts());
    assert_eq!(table.headers, ["Name", "City"]);
    assert_eq!(numbers(&rows), [2]);
}

#[test]
fn utf16le_bom_is_transcoded() {
    let text = "Name;City\r\nZoë;Zürich\r\n日本;😀\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let (table, rows) = read(&bytes, &opts());
    assert_eq!(table.headers, ["Name", "City"]);
    assert_eq!(texts(&rows[0]), ["Zoë", "Zürich"]);
    assert_eq!(texts(&rows[1]), ["日本", "😀"]);
    assert_eq!(numbers(&rows), [2, 3]);
}

#[test]
fn utf16be_bom_is_transcoded() {
    let mut bytes = vec![0xFE, 0xFF];
    bytes.extend("a,b\n1,2\n".encode_utf16().flat_map(u16::to_be_bytes));
    let (table, rows) = read(&bytes, &opts());
    assert_eq!(table.headers, ["a", "b"]);
    assert_eq!(texts(&rows[0]), ["1", "2"]);
}

#[test]
fn invalid_utf8_names_its_line() {
    let (_dir, path) = fixture("in.csv", b"a,b\n1,2\n3,\"x\ny\xe9\"\n5,6\n");
    let mut table = open(&path, &opts()).unwrap();
    assert_eq!(table.rows.next().unwrap().unwrap().number, 2);
    let error = table.rows.next().unwrap().unwrap_err();
    assert!(
        matches!(error, ReadError::NotUtf8 { line: 4, .. }),
        "{error:?}"
    );
    assert!(error.with_hint().contains("windows-1252"));
    assert!(
        table.rows.next().is_none(),
        "the stream stops after an error"
    );
}

#[test]
fn invalid_utf8_in_header() {
    let (_dir, path) = fixture("in.csv", b"Stra\xdfe,Ort\n1,2\n");
    let error = open(&path, &opts()).err().unwrap();
    assert!(
        matches!(error, ReadError::NotUtf8 { line: 1, .. }),
        "{error:?}"
    );
}

#[test]
fn title_rows_above_the_header() {
    let bytes = b"Customer export\nMarch 2024\nName,City\nA,B\n";
    let options = ReadOptions {
        header_row: 3,
        ..opts()
    };
    let (table, rows) = read(bytes, &options);
    assert_eq!(table.headers, ["Name", "City"]);
    assert_eq!(numbers(&rows), [4]);
    assert_eq!(table.preview[0], ["Customer export"]);
    assert_eq!(table.preview[2], ["Name", "City"]);
    assert_eq!(table.preview.len(), 4);
}

#[test]
fn blank_rows_are_skipped_with_exact_numbers() {
    let bytes = b"a,b\n1,2\n\n,\n  ,\t\n3,4\n\xc2\xa0,\n5,6\n";
    let (table, rows) = read(bytes, &opts());
    assert_eq!(numbers(&rows), [2, 6, 8]);
    assert_eq!(table.preview[2], Vec::<String>::new());
}

#[test]
fn leading_blank_lines_before_the_header() {
    let (table, rows) = read(b"\n,,\nName,City\nA,B\n", &opts());
    assert_eq!(table.headers, ["Name", "City"]);
    assert_eq!(numbers(&rows), [4]);
}

#[test]
fn explicit_blank_header_row_is_an_error() {
    let (_dir, path) = fixture("in.csv", b"title\n\nName,City\n");
    let options = ReadOptions {
        header_row: 2,
        ..opts()
    };
    let error = open(&path, &options).err().unwrap();
    assert!(
        matches!(error, ReadError::BlankHeader { row: 2, .. }),
        "{error:?}"
    );
    assert!(error.with_hint().contains("hint:"));
}

#[test]
fn header_row_past_the_end() {
    let (_dir, path) = fixture("in.csv", b"a,b\n1,2\n");
    let options = ReadOptions {
        header_row: 9,
        ..opts()
    };
    let error = open(&path, &options).err().unwrap();
    assert!(
        matches!(
            error,
            ReadError::NoHeader {
                row: 9,
                rows: 2,
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn ragged_rows_are_padded_or_cut() {
    let (_dir, path) = fixture("in.csv", b"a,b,c\n1,2\n1,2,3,4\n1,2,3\n");
    let mut table = open(&path, &opts()).unwrap();
    let rows: Vec<Row> = table.rows.by_ref().map(Result::unwrap).collect();
    assert_eq!(
        rows[0].cells,
        [Cell::Text("1".into()), Cell::Text("2".into()), Cell::Empty]
    );
    assert_eq!(
        rows[0].ragged,
        Some(Ragged {
            expected: 3,
            found: 2,
            lines: 1,
        })
    );
    assert_eq!(texts(&rows[1]), ["1", "2", "3"]);
    assert_eq!(
        rows[1].ragged,
        Some(Ragged {
            expected: 3,
            found: 4,
            lines: 1,
        })
    );
    assert_eq!(rows[2].ragged, None);
}

#[test]
fn blank_fields_past_the_header_are_not_damage() {
    let (_dir, path) = fixture(
        "in.csv",
        b"a,b
1,2,
3,4, ,
5,6,x
",
    );
    let mut table = open(&path, &opts()).unwrap();
    let rows: Vec<Row> = table.rows.by_ref().map(Result::unwrap).collect();
    assert_eq!(texts(&rows[0]), ["1", "2"]);
    assert_eq!(rows[0].ragged, None);
    assert_eq!(rows[1].ragged, None);
    assert_eq!(
        rows[2].ragged,
        Some(Ragged {
            expected: 2,
            found: 3,
            lines: 1,
        })
    );
}

#[test]
fn crlf_and_missing_final_newline() {
    let (table, rows) = read(b"a,b\r\n1,2\r\n3,4", &opts());
    assert_eq!(table.headers, ["a", "b"]);
    assert_eq!(texts(&rows[1]), ["3", "4"]);
    assert_eq!(numbers(&rows), [2, 3]);
}

#[test]
fn old_mac_line_ends() {
    let (_, rows) = read(b"a,b\r1,2\r\r3,\"x\ry\"\r5,6", &opts());
    assert_eq!(numbers(&rows), [2, 4, 6]);
}

#[test]
fn empty_file() {
    let (_dir, path) = fixture("in.csv", b"");
    let error = open(&path, &opts()).err().unwrap();
    assert!(matches!(error, ReadError::Empty { .. }), "{error:?}");
    let (_dir, path) = fixture("in.csv", b"\n\n  \n");
    assert!(matches!(open(&path, &opts()), Err(ReadError::Empty { .. })));
}

#[test]
fn header_only_file() {
    let (table, rows) = read(b" Name , City ,Name\n", &opts());
    // Trimmed, duplicates kept.
    assert_eq!(table.headers, ["Name", "City", "Name"]);
    assert!(rows.is_empty());
}

#[test]
fn text_is_not_trimmed_and_empty_is_empty() {
    let (_, rows) = read(b"a,b,c\n 007 ,,x\n", &opts());
    assert_eq!(
        rows[0].cells,
        [
            Cell::Text(" 007 ".into()),
            Cell::Empty,
            Cell::Text("x".into())
        ]
    );
}

#[test]
fn preview_stops_at_preview_rows() {
    let mut bytes = b"h1,h2\n".to_vec();
    for i in 0..100 {
        bytes.extend(format!("{i},x\n").as_bytes());
    }
    let (table, rows) = read(&bytes, &opts());
    assert_eq!(table.preview.len(), PREVIEW_ROWS);
    assert_eq!(rows.len(), 100);
    assert_eq!(rows[99].number, 101);
}

#[test]
fn long_file_streams_past_the_head() {
    let mut bytes = b"a;b\n".to_vec();
    for i in 0..50_000 {
        bytes.extend(format!("{i};\"v\"\"{i}\"\n").as_bytes());
    }
    let (_, rows) = read(&bytes, &opts());
    assert_eq!(rows.len(), 50_000);
    assert_eq!(texts(&rows[49_999]), ["49999", "v\"49999"]);
    assert_eq!(rows[49_999].number, 50_001);
}

#[test]
fn unknown_extension_is_read_as_text() {
    let (_dir, path) = fixture("export.txt", b"a,b\n1,2\n");
    assert_eq!(sheet_names(&path).unwrap(), None);
    assert_eq!(open(&path, &opts()).unwrap().headers, ["a", "b"]);
}

/// `cargo test --release --lib read::tests::csv_tests::speed -- --ignored --nocapture`
#[test]
#[ignore]
fn speed() {
    let rows = 1_000_000;
    let mut bytes = b"id,name,street,city,zip,phone,email,country,notes,amount\n".to_vec();
    for i in 0..rows {
        bytes.extend(
            format!("{i},Customer {i},{i} Main Street,Springfield,0{i},555-{i},c{i}@example.com,US,\"note, with comma\",{i}.50\n")
                .as_bytes(),
        );
    }
    let (_dir, path) = fixture("big.csv", &bytes);
    let start = std::time::Instant::now();
    let table = open(&path, &opts()).unwrap();
    let count = table.rows.map(Result::unwrap).count();
    let elapsed = start.elapsed();
    assert_eq!(count, rows);
    println!(
        "CSV: {count} rows x 10 columns in {elapsed:?}: {:.0} rows/s",
        count as f64 / elapsed.as_secs_f64()
    );
}
