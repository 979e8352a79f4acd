//! Exports as a new user brings them, from QuickBooks, Sage, Excel, Google Sheets, Access and
//! Notepad: what broke on them, each fixed and pinned here. `messy_input` holds the earlier
//! cases (title rows, encodings, broken files, conversions); this module adds hidden and empty
//! sheets, mapping files saved by Notepad, Windows paths, numbers Excel shortened to
//! `6.17555E+09`, `sep=` lines, trailing delimiters, quotes never closed and joined exports.
//! `landing` imports into the sandbox to see the values that land.
#![allow(clippy::unwrap_used)]

mod landing;

use crate::util::{Work, brief, dry};

/// Like [`dry`], with the mapping file written as the given bytes; for a run that must stop
/// before reading (exit 2); returns stderr.
fn refused(work: &Work, input: &str, mapping: &[u8]) -> String {
    work.write("m.toml", mapping);
    let run = work.run(&[input, "-m", "m.toml", "--dry-run", "--report", "r.csv"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    run.stderr
}

const MAP: &str = "[customer]\nAccountNumber = \"Acct\"\nName = \"Company\"\n";

// ---- workbooks -----------------------------------------------------------------------------

/// A workbook whose first sheet is a hidden lookup list: the data is on the sheet a person sees.
#[test]
fn the_default_sheet_is_the_first_visible_one() {
    let work = Work::new();
    let mut book = rust_xlsxwriter::Workbook::new();
    let lookup = book.add_worksheet().set_name("Lookup").unwrap();
    lookup.write_string(0, 0, "Status").unwrap();
    lookup.write_string(1, 0, "Active").unwrap();
    lookup.set_hidden(true);
    let data = book.add_worksheet().set_name("Customers").unwrap();
    data.write_string(0, 0, "Acct").unwrap();
    data.write_string(0, 1, "Company").unwrap();
    data.write_number(1, 0, 1001.0).unwrap();
    data.write_string(1, 1, "Harbor & Pike").unwrap();
    data.set_active(true);
    book.save(work.path("in.xlsx")).unwrap();

    let (run, report) = dry(&work, "in.xlsx", MAP);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(report, ["2,valid,1001,"]);
    assert_eq!(work.report("r.csv")[1][0], "in.xlsx, sheet \"Customers\"");

    // Asked for by name, the hidden sheet is still read.
    let (run, _) = dry(
        &work,
        "in.xlsx",
        "[source]\nsheet = \"Lookup\"\n[customer]\nAccountNumber = \"Status\"\nName = \"Status\"\n",
    );
    assert_eq!(run.code, 0, "{run:?}");
}

/// The workbook's first sheet is the empty `Sheet1` a new workbook starts with; the data is on
/// another: the message lists the others.
#[test]
fn an_empty_default_sheet_names_the_other_sheets() {
    let work = Work::new();
    let mut book = rust_xlsxwriter::Workbook::new();
    book.add_worksheet().set_name("Sheet1").unwrap();
    let data = book.add_worksheet().set_name("Kunden 2024").unwrap();
    data.write_string(0, 0, "Acct").unwrap();
    book.add_worksheet().set_name("Notes").unwrap();
    book.save(work.path("in.xlsx")).unwrap();
    let stderr = refused(&work, "in.xlsx", MAP.as_bytes());
    assert_eq!(
        stderr,
        "error: in.xlsx, sheet \"Sheet1\": the sheet is empty\nhint: the data is probably on another sheet of the workbook (\"Kunden 2024\", \"Notes\"): name it with `sheet = \"…\"` under [source]\n"
    );
}

/// A sheet name mistyped in the mapping: the closest sheet is suggested.
#[test]
fn a_mistyped_sheet_suggests_the_closest() {
    let work = Work::new();
    let mut book = rust_xlsxwriter::Workbook::new();
    for name in ["Summary", "Customers 2024", "Notes"] {
        book.add_worksheet().set_name(name).unwrap();
    }
    book.save(work.path("in.xlsx")).unwrap();
    let mapping = format!("[source]\nsheet = \"Customer 2024\"\n{MAP}");
    let stderr = refused(&work, "in.xlsx", mapping.as_bytes());
    assert!(
        stderr.contains(
            "m.toml:2: sheet \"Customer 2024\" does not exist in in.xlsx; the sheets are: \"Summary\", \"Customers 2024\", \"Notes\"\n  hint: did you mean \"Customers 2024\"? (names match ignoring case)\n"
        ),
        "{stderr}"
    );
}

// ---- mapping files -------------------------------------------------------------------------

/// Notepad's "Unicode" is UTF-16LE with a byte-order mark, and its line ends are CRLF.
#[test]
fn a_mapping_file_saved_as_utf16_by_notepad_is_read() {
    let work = Work::new();
    work.write("in.csv", "Acct,Company\n1001,Café Zürich\n");
    let mut bytes = vec![0xFF, 0xFE];
    for unit in MAP.replace('\n', "\r\n").encode_utf16() {
        bytes.extend(unit.to_le_bytes());
    }
    work.write("m.toml", bytes);
    let run = work.run(&["in.csv", "-m", "m.toml", "--dry-run", "--report", "r.csv"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(brief(&work.report("r.csv")), ["2,valid,1001,"]);
}

/// A mapping file saved as "ANSI" (Windows-1252) with a non-ASCII header: the line and the fix.
#[test]
fn a_mapping_file_that_is_not_utf8_names_its_line() {
    let work = Work::new();
    work.write("in.csv", "Acct,Straße\n1001,A\n");
    let stderr = refused(
        &work,
        "in.csv",
        b"[customer]\nAccountNumber = \"Acct\"\nName = \"Stra\xdfe\"\n",
    );
    assert_eq!(
        stderr,
        "error: m.toml, line 3: the mapping file is not UTF-8 text\nhint: save it as UTF-8 (in Notepad: File > Save As, Encoding: UTF-8)\n"
    );
}

/// Notepad's Save As calls Windows-1252 "ANSI": the mapping may too.
#[test]
fn an_encoding_named_as_notepad_names_it() {
    let work = Work::new();
    work.write("in.csv", b"Acct;Company\r\n1001;Caf\xe9\r\n");
    let (run, report) = dry(
        &work,
        "in.csv",
        &format!("[source]\nencoding = \"ANSI\"\n{MAP}"),
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(report, ["2,valid,1001,"]);
}

/// `file = "C:\Exports\depts.csv"`: TOML reads `\E` and `\d` as escapes. One problem for the
/// line (not one per backslash), saying how to write the path.
#[test]
fn a_windows_path_in_double_quotes_says_how_to_write_it() {
    let work = Work::new();
    work.write("in.csv", "Acct,Company\n1001,A\n");
    let stderr = refused(
        &work,
        "in.csv",
        format!(
            "{MAP}\n[department]\nfile = \"C:\\Users\\ann\\depts.csv\"\nlink = \"Acct\"\nName = \"Dept\"\n"
        )
        .as_bytes(),
    );
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines[0], "error: 1 problem in the mapping file m.toml",
        "{stderr}"
    );
    assert!(lines[1].starts_with("m.toml:6: TOML syntax: "), "{stderr}");
    assert_eq!(
        lines[2],
        "  hint: in \"…\" a backslash starts an escape such as \\n; write a Windows path in single quotes ('C:\\Exports\\depts.csv') or with forward slashes"
    );
    assert_eq!(lines.len(), 3, "{stderr}");

    // Written as the hint says, the path is a path (here: one that does not exist).
    let (run, _) = dry(
        &work,
        "in.csv",
        &format!(
            "{MAP}\n[department]\nfile = 'C:\\Users\\ann\\depts.csv'\nlink = \"Acct\"\nName = \"Dept\"\n"
        ),
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("depts.csv: cannot open"),
        "{}",
        run.stderr
    );
}

// ---- values Excel damaged ------------------------------------------------------------------

/// A CSV saved from a sheet whose number columns were too narrow holds `6.17555E+09`: the digits
/// are gone, so the value is refused, not imported as a phone number.
#[test]
fn numbers_excel_shortened_to_scientific_notation_are_refused() {
    let work = Work::new();
    work.write(
        "in.csv",
        "Acct,Company,Phone,ZIP\n1001,A,6.17555E+09,02134\n1002,B,(617) 555-0100,1.5E+3\n1003,C,6175550100,02134\n",
    );
    let (run, report) = dry(
        &work,
        "in.csv",
        &format!("{MAP}Phone = \"Phone\"\nPostalCode = \"ZIP\"\n"),
    );
    assert_eq!(run.code, 1, "{run:?}");
    let shortened = "is in scientific notation: Excel turned a long number into it (as 6.17555E+09 for 6175550100) and the digits after the sixth are lost; in Excel, format the column as Text before the numbers are typed, pasted or imported (Data > From Text/CSV, column data format Text), save the file again and re-run";
    assert_eq!(
        report,
        [
            format!("2,invalid,1001,Phone: column \"Phone\" value \"6.17555E+09\" {shortened}"),
            "3,valid,1002,".to_string(),
            "4,valid,1003,".to_string(),
        ]
    );
    let lines = work.report("r.csv");
    assert_eq!(
        (lines[1][5].as_str(), lines[1][6].as_str()),
        ("Phone", "Phone")
    );
}

/// Account numbers shortened alike would have made two customers one: each row is refused.
#[test]
fn a_group_key_excel_shortened_is_refused_not_merged() {
    let work = Work::new();
    work.write(
        "in.csv",
        "Acct,Company\n1.23457E+11,Harbor\n1.23457E+11,Pike\n123456789013,Corp\n",
    );
    let (run, report) = dry(&work, "in.csv", MAP);
    assert_eq!(run.code, 1, "{run:?}");
    let message = "column \"Acct\" value \"1.23457E+11\" is in scientific notation: Excel turned a long number into it (as 6.17555E+09 for 6175550100) and the digits after the sixth are lost; in Excel, format the column as Text before the numbers are typed, pasted or imported (Data > From Text/CSV, column data format Text), save the file again and re-run";
    assert_eq!(
        report,
        [
            format!("2,invalid,,{message}"),
            format!("3,invalid,,{message}"),
            "4,valid,123456789013,".to_string(),
        ]
    );
}

// ---- CSV layout and damage -----------------------------------------------------------------

/// Exports meant for Excel may start with `sep=;`, a line Excel itself honours: it names the
/// delimiter and is not the header. Row numbers stay those of the file.
#[test]
fn an_excel_sep_line_names_the_delimiter_and_is_skipped() {
    let work = Work::new();
    work.write(
        "in.csv",
        "sep=;\r\nAcct;Company\r\n1;Harbor, Pike & Co\r\n2;B\r\n",
    );
    let (run, report) = dry(&work, "in.csv", MAP);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(report, ["3,valid,1,", "4,valid,2,"]);

    // The header is found after it as usual: blank lines skipped, or the row `header_row` names.
    work.write("in.csv", "sep=;\n\nAcct;Company\n1;A, B\n");
    let (run, report) = dry(&work, "in.csv", MAP);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(report, ["4,valid,1,"]);
    let (run, report) = dry(&work, "in.csv", &format!("[source]\nheader_row = 3\n{MAP}"));
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(report, ["4,valid,1,"]);

    // It names the delimiter even where detection would pick another.
    work.write("in.csv", "sep=|\nAcct|Company,Inc\n1|A,B\n");
    let mapping = "[customer]\nAccountNumber = \"Acct\"\nName = \"Company,Inc\"\n";
    let (run, report) = dry(&work, "in.csv", mapping);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(report, ["3,valid,1,"]);
}

/// Some exports end the header line with a delimiter (`Acct,Company,`) and the data lines
/// without: the lines lack only a column with no name. A line short of a named column is still
/// damage.
#[test]
fn a_header_with_a_trailing_delimiter_does_not_make_every_line_ragged() {
    let work = Work::new();
    work.write("in.csv", "Acct,Company,,\r\n1,A\r\n2,B,\r\n3\r\n");
    let (run, report) = dry(&work, "in.csv", MAP);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        report,
        [
            "2,valid,1,",
            "3,valid,2,",
            "4,invalid,3,the line has 1 fields but the header has 4: a cell probably holds an unquoted delimiter or line break",
        ]
    );
}

/// `"12 inch pipes` with no closing quote: past it, where records start is a guess, so the
/// file is refused with the line and column where the quote opens (tests/it/csv_quotes.rs has
/// the rest).
#[test]
fn a_quote_never_closed_names_the_lines_it_swallowed() {
    let work = Work::new();
    work.write(
        "in.csv",
        "Acct,Company,Notes\n1,A,x\n2,\"12 inch pipes,y\n3,C,z\n4,D,\"w\"\n5,E,v\n",
    );
    let (run, report) = dry(&work, "in.csv", MAP);
    assert_eq!((run.code, report.len()), (2, 0), "{run:?}");
    assert!(
        run.stderr.starts_with("error: in.csv, line 3, column \"Company\": the quote (\") that opens this cell is not closed where the cell should end: the next quote, on line 5, is followed by text, so lines 3 to 5 would be read as one cell"),
        "{}",
        run.stderr
    );

    // To the end of the file, the last line end is not counted as a line of its own.
    work.write("in.csv", "Acct,Company,Notes\n1,A,x\n2,\"B,y\n3,C,z\n");
    let (run, _) = dry(&work, "in.csv", MAP);
    assert!(
        run.stderr.starts_with("error: in.csv, line 3, column \"Company\": the quote (\") that opens this cell is never closed: lines 3 to 4, the end of the file,"),
        "{}",
        run.stderr
    );
}

/// Two exports joined with `copy /b a.csv+b.csv` (or `cat`): the second header, byte-order mark
/// and all, is a repeated header, not a customer "Acct" named "Company".
#[test]
fn a_second_header_behind_its_byte_order_mark_is_not_a_customer() {
    let work = Work::new();
    let export = |row: &str| format!("\u{feff}Acct,Company\r\n{row}\r\n");
    work.write("in.csv", export("1,A") + &export("2,B"));
    let (run, report) = dry(&work, "in.csv", MAP);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        report,
        [
            "2,valid,1,",
            "3,invalid,,the row repeats the header row (a page header in the export?): delete it",
            "4,valid,2,",
        ]
    );
}

/// Old DOS programs end a text file with Ctrl-Z: it is no row.
#[test]
fn a_dos_end_of_file_mark_is_not_a_row() {
    let work = Work::new();
    work.write("in.csv", "Acct,Company\r\n1,A\r\n2,B\r\n\x1a");
    let (run, report) = dry(&work, "in.csv", MAP);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(report, ["2,valid,1,", "3,valid,2,"]);
}
