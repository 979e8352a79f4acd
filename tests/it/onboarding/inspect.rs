//! `inspect`: what a person sees of a file before writing a mapping.
#![allow(clippy::unwrap_used)]

use crate::util::{Work, X};

/// One row per contact, a title above the header, ZIP codes some of which Excel stored as
/// numbers, a duplicate header, and a hidden sheet.
pub fn contacts_workbook(work: &Work, name: &str) -> std::path::PathBuf {
    use X::{Blank, N, S};
    let rows = vec![
        vec![S("Customer export, March 2026")],
        vec![],
        vec![
            S("Acct #"),
            S("Company"),
            S("Zip"),
            S("First Name"),
            S("Last Name"),
            S("Contact Email"),
            S("Web Portal"),
            S("Note"),
            S("Note"),
        ],
        vec![
            N(1001.0),
            S("Harbor & Pike"),
            S("02110"),
            S("Ann"),
            S("Lee"),
            S("ann@hp.example"),
            S("Yes"),
            S("x"),
            Blank,
        ],
        vec![
            N(1001.0),
            S("Harbor & Pike"),
            S("02110"),
            S("Bob"),
            S("Marsh"),
            S("bob@hp.example"),
            S("Yes"),
            Blank,
            Blank,
        ],
        vec![
            N(1002.0),
            S("Brendan Medical"),
            N(2215.0),
            S("Cy"),
            Blank,
            S("cy@bm.example"),
            S("No"),
            Blank,
            Blank,
        ],
        vec![
            N(1003.0),
            S("Longwood Labs"),
            N(10001.0),
            S("Di"),
            S("Ng"),
            S("di@ll.example"),
            S("no"),
            Blank,
            Blank,
        ],
        vec![
            N(1003.0),
            S("Longwood Labs"),
            N(10001.0),
            S("Ed"),
            S("Fox"),
            S("ed@ll.example"),
            S("no"),
            Blank,
            Blank,
        ],
    ];
    let lists = vec![vec![S("Status")], vec![S("Active")]];
    work.xlsx(name, &[("Export", rows), ("Lists", lists)])
}

#[test]
fn hidden_sheets_are_marked() {
    let work = Work::new();
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet().set_name("Customers").unwrap();
    sheet.write_string(0, 0, "Acct").unwrap();
    sheet.write_string(0, 1, "Company").unwrap();
    sheet.write_string(1, 0, "1").unwrap();
    sheet.write_string(1, 1, "Acme").unwrap();
    let lists = book.add_worksheet().set_name("Lists").unwrap();
    lists.write_string(0, 0, "Status").unwrap();
    lists.set_hidden(true);
    book.save(work.path("h.xlsx")).unwrap();
    let run = work.run(&["inspect", "h.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("sheet \"Lists\": 1 rows, 1 columns, hidden"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("sheet \"Customers\": 2 rows, 2 columns  <- inspected"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_workbook_with_a_title_and_lost_zeros_is_described() {
    let work = Work::new();
    contacts_workbook(&work, "contacts.xlsx");
    let run = work.run(&["inspect", "contacts.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("inspect_contacts_workbook", run.stdout);
    let json = work.run(&["inspect", "contacts.xlsx", "--json"]);
    let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(value["header"]["row"], 3);
    assert_eq!(value["group_key"]["column"], "Acct #");
    assert_eq!(value["columns"][2]["pad"], 5);
}

#[test]
fn a_csv_shows_its_encoding_delimiter_and_problems() {
    let work = Work::new();
    // Windows-1252 (é as 0xE9), semicolons, a phone number in scientific notation.
    let mut bytes =
        b"Code;Name;Phone\n1;Caf\xe9 Rouge;6.17555E+09\n2;Bistro;(617) 555-0100\n".to_vec();
    bytes.extend_from_slice(b"3;Deli;(617) 555-0101\n");
    work.write("w.csv", &bytes);
    let run = work.run(&["inspect", "w.csv"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("inspect_windows_csv", run.stdout);
}

#[test]
fn a_file_that_cannot_be_read_is_an_error_not_a_panic() {
    let work = Work::new();
    let run = work.run(&["inspect", "missing.csv"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.starts_with("error: missing.csv: cannot open"),
        "{}",
        run.stderr
    );
    work.write("empty.csv", "");
    let run = work.run(&["inspect", "empty.csv"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

#[test]
fn blank_and_repeated_headers_are_problems() {
    let work = Work::new();
    work.write("h.csv", "Acct,,acct,Company\n1,x,2,Acme\n3,y,4,Bolt\n");
    let run = work.run(&["inspect", "h.csv", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let problems = |i: usize| {
        value["columns"][i]["problems"][0]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(problems(1).starts_with("blank header"), "{}", problems(1));
    assert!(
        problems(0).starts_with("duplicate header: column C"),
        "{}",
        problems(0)
    );
    assert_eq!(value["encoding"], "UTF-8");
    assert_eq!(value["delimiter"], ",");
}
