//! Exports as a new user brings them, from QuickBooks, Sage, Excel, Google Sheets and Notepad:
//! what broke on them, each fixed and pinned here. `messy_input` holds the earlier cases
//! (title rows, encodings, broken files, conversions); this module adds hidden sheets, mapping
//! files saved by Notepad, Windows paths, numbers Excel shortened to `6.17555E+09` and quotes
//! that are never closed.
#![allow(clippy::unwrap_used)]

use crate::util::{Run, Work, brief};

/// A dry run of `input` with `mapping`; returns the run and the report's brief lines.
fn dry(work: &Work, input: &str, mapping: &str) -> (Run, Vec<String>) {
    work.write("m.toml", mapping);
    let run = work.run(&[input, "-m", "m.toml", "--dry-run", "--report", "r.csv"]);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    let report = if work.path("r.csv").exists() {
        brief(&work.report("r.csv"))
    } else {
        Vec::new()
    };
    (run, report)
}

const MAP: &str = "[customer]\nAccountNumber = \"Acct\"\nName = \"Company\"\n";

// ---- workbooks --------------------------------------------------------------------------------

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
