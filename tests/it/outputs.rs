//! What the tool writes for people (issues 12 and 14): the problem rows on screen, escaped; the
//! report with a BOM or as a workbook; the errors file in the input's own format, fixed and
//! re-imported; output paths that collide or cannot be written; a report that fills up mid-run.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod paths;
mod reimport;

use crate::util::{SIMPLE_MAPPING, Work, X};

/// stderr with the elapsed time made constant, for snapshots.
fn screen(stderr: &str) -> String {
    stderr
        .lines()
        .map(|line| match line.split_once("; report: ") {
            Some((elapsed, report)) if elapsed.starts_with("elapsed: ") => {
                format!("elapsed: [time]; report: {report}")
            }
            _ => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_first_ten_problem_rows_are_on_screen_then_how_many_more() {
    let work = Work::new();
    work.write("m.toml", SIMPLE_MAPPING);
    let mut csv = String::from("Acct,Company,Email,Dept,Contact\n1000,,ok@x.com,,\n");
    for i in 1..=11 {
        csv.push_str(&format!("{},C{i},bad{i}.example.com,,\n", 1000 + i));
    }
    csv.push_str("2000,Fine,fine@x.com,,\n");
    work.write("in.csv", csv);
    let run = work.run(&["in.csv", "-m", "m.toml", "--dry-run"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    insta::assert_snapshot!(screen(&run.stderr));
    let quiet = work.run(&["in.csv", "-m", "m.toml", "--dry-run", "-q"]);
    assert_eq!(quiet.code, 1, "{}", quiet.stderr);
    assert!(!quiet.stderr.contains("in.csv:"), "{}", quiet.stderr);
    assert!(!quiet.stderr.contains("hint:"), "{}", quiet.stderr);
}

#[test]
fn cell_text_on_screen_cannot_drive_the_terminal() {
    let work = Work::new();
    work.write("m.toml", SIMPLE_MAPPING);
    let header = ["Acct", "Company", "Email", "Dept", "Contact"].map(X::S);
    let row = vec![
        X::N(1001.0),
        X::S("Acme"),
        X::S("x\u{1b}[2J\u{1b}]0;pwned\u{7}@"),
        X::Blank,
        X::Blank,
    ];
    work.xlsx("in.xlsx", &[("Customers", vec![header.to_vec(), row])]);
    let run = work.run(&["in.xlsx", "-m", "m.toml", "--dry-run"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        !run.stderr.contains(['\u{1b}', '\u{7}']),
        "{:?}",
        run.stderr
    );
    insta::assert_snapshot!(screen(&run.stderr));
    // A header read from the input, echoed in an error that stops the run.
    work.write(
        "bad.csv",
        "Acct,Company,E\u{1b}[31mmail,Dept,Contact\n1,A,a@x.com,,\n",
    );
    let run = work.run(&["bad.csv", "-m", "m.toml", "--dry-run"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("E\\u{1b}[31mmail"), "{}", run.stderr);
    assert!(!run.stderr.contains('\u{1b}'), "{:?}", run.stderr);
}

#[test]
fn the_report_opens_right_in_excel_and_reads_in_scripts() {
    let work = Work::new();
    work.write("m.toml", SIMPLE_MAPPING);
    work.write(
        "in.csv",
        "Acct,Company,Email,Dept,Contact\nZoë-1,Café Müller,a@x.com,,\n",
    );
    let run = work.run(&["in.csv", "-m", "m.toml", "--dry-run"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let bytes = std::fs::read(work.path("in.csv.report.csv")).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBFsource,row,"), "{bytes:?}");
    let mut reader = csv::Reader::from_path(work.path("in.csv.report.csv")).unwrap();
    assert_eq!(&reader.headers().unwrap()[0], "source");
    let record = reader.records().next().unwrap().unwrap();
    assert_eq!(&record[3], "Zoë-1");
    assert!(!work.path("in.csv.report.csv.partial").exists());

    // `.xlsx`: a workbook with the same columns and rows.
    let run = work.run(&["in.csv", "-m", "m.toml", "--dry-run", "--report", "r.XLSX"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto(work.path("r.XLSX")).unwrap();
    let sheet = book.worksheet_range("Report").unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|row| row.iter().map(ToString::to_string).collect())
        .collect();
    assert_eq!(
        rows,
        [
            [
                "source",
                "row",
                "status",
                "customer_key",
                "customer_id",
                "field",
                "column",
                "message"
            ]
            .map(String::from)
            .to_vec(),
            ["in.csv", "2", "valid", "Zoë-1", "", "", "", ""]
                .map(String::from)
                .to_vec(),
        ]
    );
    assert!(!work.path("r.XLSX.partial").exists());
}
