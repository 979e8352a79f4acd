//! A quote that is never closed in a CSV file: the file is refused (exit 2, nothing sent) with
//! the line where the quote opens and its column, whichever column and record it is in and
//! whatever the line ends; never fewer rows with exit 0. Also random CSVs through the binary,
//! against a strict reading of the same bytes (the reference in `src/read/tests/csv_props.rs`
//! covers many more cases on the reader itself).
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;

use crate::util::{Work, dry};

#[path = "../../src/read/tests/csv_reference.rs"]
mod reference;

const MAP: &str =
    "[customer]\nAccountNumber = \"Acct\"\nName = \"Company\"\nComments = \"Notes\"\n";
const COLUMNS: [&str; 3] = ["Acct", "Company", "Notes"];

/// A customer CSV of `records` records under the header, with `end` after every line, and the
/// cell at (`record`, `column`) (both 0-based) opening a quote it never closes.
fn with_open_quote(records: usize, record: usize, column: usize, end: &str) -> String {
    let mut text = format!("{}{end}", COLUMNS.join(","));
    for r in 0..records {
        let mut cells = [
            format!("{}", 1001 + r),
            format!("Co {r}"),
            format!("note {r}"),
        ];
        if r == record {
            cells[column] = format!("\"{}", cells[column]);
        }
        text.push_str(&cells.join(","));
        text.push_str(end);
    }
    text
}

#[test]
fn an_unclosed_quote_in_any_column_and_record_with_any_line_end_refuses_the_file() {
    let work = Work::new();
    for (end_name, end) in [("CR", "\r"), ("LF", "\n"), ("CRLF", "\r\n")] {
        for (record_name, record) in [("first", 0), ("middle", 2), ("last", 4)] {
            for (column, name) in COLUMNS.iter().enumerate() {
                let case = format!("{end_name}, {record_name} record, column {name}");
                work.write("in.csv", with_open_quote(5, record, column, end));
                let (run, report) = dry(&work, "in.csv", MAP);
                assert_eq!(run.code, 2, "{case}: {run:?}");
                assert!(report.is_empty(), "{case}: {report:?}");
                let line = record + 2;
                let want = format!(
                    "error: in.csv, line {line}, column \"{name}\": the quote (\") that opens this cell is never closed"
                );
                assert!(run.stderr.starts_with(&want), "{case}: {}", run.stderr);
            }
        }
    }
}

/// The issue's case: ten customers, a quote opened in the last column of record 5 and the next
/// quote in record 8. Before, records 6 to 8 vanished into customer 5's Notes with exit 0.
#[test]
fn ten_customers_with_a_quote_opened_in_record_five() {
    let work = Work::new();
    for end in ["\n", "\r\n"] {
        let csv = |notes5: &str, company5: &str| {
            let mut text = format!("Acct,Company,Notes{end}");
            for n in 1..=10 {
                let (company, notes) = match n {
                    5 => (company5.to_string(), notes5.to_string()),
                    8 => (format!("Co {n}"), "\"Dock 4, rear\"".to_string()),
                    _ => (format!("Co {n}"), format!("note {n}")),
                };
                text.push_str(&format!("{n},{company},{notes}{end}"));
            }
            text
        };
        work.write("in.csv", csv("\"Call before delivery", "Co 5"));
        let (run, report) = dry(&work, "in.csv", MAP);
        assert_eq!((run.code, report.len()), (2, 0), "{run:?}");
        insta::assert_snapshot!("quote_in_last_column_of_record_5", run.stderr);

        // In a middle column.
        work.write("in.csv", csv("note 5", "\"Acme"));
        let (run, report) = dry(&work, "in.csv", MAP);
        assert_eq!((run.code, report.len()), (2, 0), "{run:?}");
        assert!(
            run.stderr.starts_with("error: in.csv, line 6, column \"Company\": the quote (\") that opens this cell is not closed where the cell should end: the next quote, on line 9, is followed by text, so lines 6 to 9 would be read as one cell"),
            "{}",
            run.stderr
        );

        // Closed, the same file is ten valid customers.
        work.write("in.csv", csv("\"Call before delivery\"", "Co 5"));
        let (run, report) = dry(&work, "in.csv", MAP);
        assert_eq!((run.code, report.len()), (0, 10), "{run:?}");
    }
}

#[test]
fn text_after_a_closing_quote_and_a_quote_in_the_header_are_refused_too() {
    let work = Work::new();
    work.write("in.csv", "Acct,Company,Notes\n1,\"Acme\" Freight,x\n");
    let (run, _) = dry(&work, "in.csv", MAP);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.starts_with("error: in.csv, line 2, column \"Company\": the quote (\") that opens this cell closes before the cell ends: text follows the closing quote"),
        "{}",
        run.stderr
    );

    work.write("in.csv", "Acct,\"Company,Notes\n1,A,x\n");
    let (run, _) = dry(&work, "in.csv", MAP);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .starts_with("error: in.csv, line 1, column 2: the quote (\") that opens this cell is never closed: lines 1 to 2"),
        "{}",
        run.stderr
    );

    // A quote inside a cell that does not start with one is text, as Excel reads it.
    work.write("in.csv", "Acct,Company,Notes\n1,12\" pipes,x\"y\"\n");
    let (run, report) = dry(&work, "in.csv", MAP);
    assert_eq!((run.code, report.len()), (0, 1), "{run:?}");
}

proptest! {
    // Each case runs the binary: a few only; the reader's own property test runs many more.
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn the_report_has_a_line_for_each_record_a_strict_reading_finds(
        bytes in reference::csv_file(Some("Acct,Company"))
    ) {
        let work = Work::new();
        work.write("in.csv", &bytes);
        let mapping = "[source]\ndelimiter = \",\"\n[customer]\nAccountNumber = \"Acct\"\nName = \"Company\"\n";
        let (run, report) = dry(&work, "in.csv", mapping);
        let shown = String::from_utf8_lossy(&bytes).into_owned();
        match reference::expected_rows(&bytes, b',') {
            Ok(rows) => {
                let rows = rows.unwrap_or_default();
                prop_assert!(run.code == 0 || run.code == 1, "{shown:?}: {run:?}");
                let lines: Vec<String> = rows.iter().map(u64::to_string).collect();
                let found: Vec<String> = report
                    .iter()
                    .map(|line| line.split(',').next().unwrap_or_default().to_string())
                    .collect();
                prop_assert_eq!(found, lines, "{:?}", shown);
            }
            Err(line) => {
                prop_assert_eq!(run.code, 2, "{:?}: {:?}", shown, run);
                let want = format!("error: in.csv, line {line}, ");
                prop_assert!(run.stderr.starts_with(&want), "{shown:?}: {}", run.stderr);
            }
        }
    }
}
