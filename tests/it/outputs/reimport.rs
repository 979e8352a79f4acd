//! The errors file in the input's own format, fixed by the test and imported with the same
//! mapping: a workbook with a linked contacts sheet, and a semicolon-separated Windows-1252 CSV.
//! (A plain CSV: `ledger::errors`.)

use calamine::{Data, Reader};
use serde_json::Value;

use crate::upload::{Env, env_default};
use crate::util::X;

/// Every sheet of a workbook as rows of cells, in sheet order.
fn sheets(path: &std::path::Path) -> Vec<(String, Vec<Vec<Data>>)> {
    let mut book = calamine::open_workbook_auto(path).unwrap();
    book.sheet_names()
        .into_iter()
        .map(|name| {
            let range = book.worksheet_range(&name).unwrap();
            let rows = range.rows().map(<[Data]>::to_vec).collect();
            (name, rows)
        })
        .collect()
}

/// Writes `sheets` as a workbook (text and numbers, as calamine read them).
fn save(path: &std::path::Path, sheets: &[(String, Vec<Vec<Data>>)]) {
    let mut book = rust_xlsxwriter::Workbook::new();
    for (name, rows) in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match cell {
                    Data::String(text) => drop(sheet.write_string(r, c, text).unwrap()),
                    Data::Float(number) => drop(sheet.write_number(r, c, *number).unwrap()),
                    Data::Empty => {}
                    other => panic!("unexpected cell {other:?}"),
                }
            }
        }
    }
    book.save(path).unwrap();
}

fn text(cell: &Data) -> String {
    cell.to_string()
}

/// Runs the import of `input` (with `m.toml`) and `extra`.
async fn import(e: &Env, input: &str, extra: &[&str]) -> crate::util::Run {
    let mut args = e.args(extra);
    args[0] = input.into();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    e.work.run_async(&args, &[("ONTIME_API_KEY", &e.key)]).await
}

fn contacts(customer: &Value) -> Vec<(String, String)> {
    customer["Contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let field = |name: &str| c[name].as_str().unwrap_or("").to_string();
            (field("Name"), field("Email"))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workbook_with_a_linked_sheet_gives_a_workbook_that_reimports() {
    let e = env_default().await;
    let customers = vec![
        vec![X::S("Customer export")],
        vec![],
        ["Acct", "Company", "Email"].map(X::S).to_vec(),
        vec![X::N(1001.0), X::S("Acme"), X::S("a@x.com")],
        vec![X::N(1002.0), X::S("Beta"), X::S("b@x.com")],
        vec![X::N(1003.0), X::Blank, X::S("c@x.com")],
        vec![X::N(1004.0), X::S("Delta"), X::S("d@x.com")],
    ];
    let contacts_sheet = vec![
        ["Acct", "Contact", "Contact Email"].map(X::S).to_vec(),
        vec![X::N(1001.0), X::S("Ann"), X::S("ann@x.com")],
        vec![X::N(1002.0), X::S("Bob"), X::S("bob-at-x.com")],
        vec![X::N(1003.0), X::S("Cy"), X::S("cy@x.com")],
        vec![X::N(1004.0), X::S("Di"), X::S("di@x.com")],
    ];
    e.work.xlsx(
        "in.xlsx",
        &[
            ("Notes", vec![vec![X::S("not read")]]),
            ("Customers", customers),
            ("Contacts", contacts_sheet),
        ],
    );
    e.work.write(
        "m.toml",
        "[source]\nsheet = \"Customers\"\nheader_row = 3\n\n\
         [customer]\nAccountNumber = \"Acct\"\nName = \"Company\"\nEmail = \"Email\"\n\n\
         [contact]\nsheet = \"Contacts\"\nlink = \"Acct\"\nName = \"Contact\"\nEmail = \"Contact Email\"\n",
    );
    let run = import(&e, "in.xlsx", &["--errors", "fix.xlsx"]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("4 rows to fix written to fix.xlsx"),
        "{}",
        run.stderr
    );
    let mut fix = sheets(&e.work.path("fix.xlsx"));
    let names: Vec<&str> = fix.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["Customers", "Contacts"]);
    let shown = |rows: &[Vec<Data>]| -> Vec<Vec<String>> {
        rows.iter()
            .map(|row| row.iter().map(text).collect())
            .collect()
    };
    let customers = shown(&fix[0].1);
    assert_eq!(customers[0][0], "Customer export");
    assert_eq!(customers[2], ["Acct", "Company", "Email", "Error"]);
    assert_eq!(customers.len(), 5, "{customers:#?}");
    assert_eq!(customers[3][..3], ["1002", "Beta", "b@x.com"]);
    assert!(customers[3][3].contains("not sent"), "{customers:#?}");
    assert_eq!(customers[4][..3], ["1003", "", "c@x.com"]);
    assert!(customers[4][3].contains("has no name"), "{customers:#?}");
    let contacts_rows = shown(&fix[1].1);
    assert_eq!(
        contacts_rows[0],
        ["Acct", "Contact", "Contact Email", "Error"]
    );
    assert_eq!(contacts_rows.len(), 3, "{contacts_rows:#?}");
    assert_eq!(contacts_rows[1][..3], ["1002", "Bob", "bob-at-x.com"]);
    assert!(contacts_rows[1][3].contains("is not an email address"));
    assert_eq!(contacts_rows[2][..3], ["1003", "Cy", "cy@x.com"]);
    // The account numbers stay numbers, as in the input.
    assert_eq!(fix[0].1[3][0], Data::Float(1002.0));

    // Fix the two cells, drop the Error columns' text (kept or not, it is not mapped), import.
    fix[0].1[4][1] = Data::String("Gamma".into());
    fix[1].1[1][2] = Data::String("bob@x.com".into());
    save(&e.work.path("fix.xlsx"), &fix);
    let run = import(&e, "fix.xlsx", &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let beta = e.customer("1002");
    assert_eq!(contacts(&beta), [("Bob".into(), "bob@x.com".into())]);
    let gamma = e.customer("1003");
    assert_eq!(gamma["Name"], "Gamma");
    assert_eq!(contacts(&gamma), [("Cy".into(), "cy@x.com".into())]);
    assert_eq!(e.accounts().values().copied().collect::<Vec<_>>(), [1; 4]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_semicolon_windows_1252_csv_gives_the_same_kind_of_csv_that_reimports() {
    let e = env_default().await;
    let csv = "Acct;Company;Email;Dept;Contact\r\n\
               1001;Café Müller;a@x.com;Küche;\r\n\
               1002;Zoë & Søn;bad address;Lager;Jürgen\r\n";
    let (bytes, _, lossy) = encoding_rs::WINDOWS_1252.encode(csv);
    assert!(!lossy);
    e.work.write("in.csv", &bytes);
    e.work.write(
        "m.toml",
        format!(
            "[source]\nencoding = \"windows-1252\"\n{}",
            crate::util::SIMPLE_MAPPING
        ),
    );
    let run = import(&e, "in.csv", &["--errors", "fix.csv"]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let written = std::fs::read(e.work.path("fix.csv")).unwrap();
    let (text, had_errors) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&written);
    assert!(!had_errors);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "Acct;Company;Email;Dept;Contact;Error");
    assert!(
        lines[1].starts_with("1002;Zoë & Søn;bad address;Lager;Jürgen;"),
        "{text}"
    );
    assert_eq!(lines.len(), 2, "{text}");
    let fixed = text.replace("bad address", "z@x.com");
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&fixed);
    e.work.write("fix.csv", &bytes);
    let run = import(&e, "fix.csv", &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let zoe = e.customer("1002");
    assert_eq!(zoe["Name"], "Zoë & Søn");
    assert_eq!(zoe["Email"], "z@x.com");
    assert_eq!(zoe["Departments"][0]["Name"], "Lager");
    assert_eq!(e.customer("1001")["Name"], "Café Müller");
}
