//! Real-world messy input through the binary: title rows, blank rows, Excel numbers and dates,
//! encodings and BOMs, ragged lines, error cells, broken files, value conversion, grouping and
//! children read from other sheets and files.
//!
//! The dry-run report shows statuses, not the records built; where a test must see a converted
//! value it makes two rows of one customer disagree, and reads the value in the conflict message
//! (or makes them agree, and sees that there is no conflict).
#![allow(clippy::unwrap_used)]

use crate::util::{Work, X, dry};

/// Like [`dry`], for a run that must stop with exit 2; returns stderr.
fn refused(work: &Work, input: &str, mapping: &str) -> String {
    let (run, report) = dry(work, input, mapping);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(report.is_empty(), "{report:?}");
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    run.stderr
}

const MAP: &str = "[customer]\nAccountNumber = \"Acct\"\nName = \"Company\"\n";

fn conflict(field: &str, column: &str, first: &str, row: u64, second: &str) -> String {
    format!(
        "{field}: column \"{column}\" has \"{first}\" on row {row} but \"{second}\" here; a customer's rows must agree (or leave the cell blank)"
    )
}

// ---- layout -------------------------------------------------------------------------------

#[test]
fn title_rows_above_the_header() {
    let work = Work::new();
    work.write(
        "in.csv",
        "Customer export\nPrinted 2024-01-31,,\nAcct,Company\n1,A\n\n2,B\n",
    );
    let (run, report) = dry(&work, "in.csv", &format!("[source]\nheader_row = 3\n{MAP}"));
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(report, ["4,valid,1,", "6,valid,2,"]);

    work.xlsx(
        "in.xlsx",
        &[(
            "Export",
            vec![
                vec![X::S("Customer export")],
                vec![],
                vec![X::S("Acct"), X::S("Company")],
                vec![X::N(1.0), X::S("A")],
            ],
        )],
    );
    let (run, report) = dry(
        &work,
        "in.xlsx",
        &format!("[source]\nheader_row = 3\n{MAP}"),
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(report, ["4,valid,1,"]);
}

#[test]
fn blank_rows_are_skipped_and_row_numbers_stay_right() {
    let work = Work::new();
    work.write(
        "in.csv",
        "Acct,Company\r\n\r\n1,A\r\n,\r\n  ,  \r\n2,\"B\r\nline two\"\r\n3,C\r\n\r\n",
    );
    let (run, report) = dry(&work, "in.csv", MAP);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(report, ["3,valid,1,", "6,valid,2,", "8,valid,3,"]);

    work.xlsx(
        "in.xlsx",
        &[(
            "S",
            vec![
                vec![X::S("Acct"), X::S("Company")],
                vec![],
                vec![X::S("  "), X::Blank],
                vec![X::N(1.0), X::S("A")],
                vec![],
                vec![X::N(2.0), X::S("B")],
            ],
        )],
    );
    let (run, report) = dry(&work, "in.xlsx", MAP);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(report, ["4,valid,1,", "6,valid,2,"]);
}

// ---- values from Excel ----------------------------------------------------------------------

#[test]
fn excel_numbers_keep_their_meaning_and_text_keeps_leading_zeros() {
    let work = Work::new();
    let header = vec![X::S("Acct"), X::S("Company"), X::S("Phone"), X::S("ZIP")];
    work.xlsx(
        "in.xlsx",
        &[(
            "S",
            vec![
                header,
                vec![X::N(1001.0), X::S("A"), X::N(6175550100.0), X::S("02134")],
                // The same values typed as text: they agree with the numbers above.
                vec![X::S("1001"), X::S("A"), X::S("6175550100"), X::S("02134")],
                vec![X::N(1002.0), X::S("B"), X::N(6175550100.0), X::S("02134")],
                vec![X::N(1002.0), X::S("B"), X::S("617-555-0100"), X::N(2134.0)],
            ],
        )],
    );
    let mapping = format!("{MAP}Phone = \"Phone\"\nPostalCode = \"ZIP\"\n");
    let (run, report) = dry(&work, "in.xlsx", &mapping);
    assert_eq!(run.code, 1, "{run:?}");
    let phone = conflict("Phone", "Phone", "6175550100", 4, "617-555-0100");
    let zip = conflict("PostalCode", "ZIP", "02134", 4, "2134");
    assert_eq!(
        report,
        [
            "2,valid,1001,".to_string(),
            "3,valid,1001,".to_string(),
            "4,invalid,1002,not sent: customer \"1002\" has a problem on row 5".to_string(),
            format!("5,invalid,1002,{phone}; {zip}"),
        ]
    );
}

#[test]
fn excel_dates_mapped_to_text_become_iso_dates() {
    let work = Work::new();
    work.xlsx(
        "in.xlsx",
        &[(
            "S",
            vec![
                vec![X::S("Acct"), X::S("Company"), X::S("Since")],
                vec![X::N(1.0), X::S("A"), X::D(2019, 4, 1)],
                vec![X::N(1.0), X::S("A"), X::S("2019-04-01")],
                vec![X::N(2.0), X::S("B"), X::D(2021, 12, 31)],
                vec![X::N(2.0), X::S("B"), X::S("31/12/2021")],
            ],
        )],
    );
    let (run, report) = dry(&work, "in.xlsx", &format!("{MAP}Comments = \"Since\"\n"));
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(report[..2], ["2,valid,1,", "3,valid,1,"]);
    assert_eq!(
        report[3],
        format!(
            "5,invalid,2,{}",
            conflict("Comments", "Since", "2021-12-31", 4, "31/12/2021")
        )
    );
}

#[test]
fn excel_error_cell_in_a_mapped_column_makes_the_row_invalid() {
    let work = Work::new();
    work.xlsx(
        "in.xlsx",
        &[(
            "S",
            vec![
                vec![X::S("Acct"), X::S("Company"), X::S("Email"), X::S("Lookup")],
                vec![X::N(1.0), X::S("A"), X::S("a@a.com"), X::Err("#N/A")],
                vec![X::N(2.0), X::S("B"), X::Err("#N/A"), X::S("x")],
                vec![X::N(2.0), X::S("B"), X::Blank, X::Blank],
                vec![X::Err("#REF!"), X::S("C"), X::Blank, X::Blank],
            ],
        )],
    );
    let (run, report) = dry(&work, "in.xlsx", &format!("{MAP}Email = \"Email\"\n"));
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        report,
        [
            "2,valid,1,",
            "3,invalid,2,Email: column \"Email\" value \"#N/A\" the cell holds the spreadsheet error #N/A; fix the formula or type the value",
            "4,invalid,2,not sent: customer \"2\" has a problem on row 3",
            "5,invalid,,column \"Acct\" holds the spreadsheet error #REF!",
        ]
    );
}

#[test]
fn excel_booleans_and_numbers_convert() {
    let work = Work::new();
    work.xlsx(
        "in.xlsx",
        &[(
            "S",
            vec![
                vec![X::S("Acct"), X::S("Company"), X::S("Invoice"), X::S("Adj")],
                vec![X::N(1.0), X::S("A"), X::B(true), X::N(12.5)],
                vec![X::N(1.0), X::S("A"), X::S("yes"), X::S("12.5%")],
                vec![X::N(2.0), X::S("B"), X::B(false), X::N(0.0)],
                vec![X::N(2.0), X::S("B"), X::N(1.0), X::Blank],
            ],
        )],
    );
    let mapping =
        format!("{MAP}SendInvoiceByEmail = \"Invoice\"\nBillingAdjustmentPercentage = \"Adj\"\n");
    let (run, report) = dry(&work, "in.xlsx", &mapping);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(report[..2], ["2,valid,1,", "3,valid,1,"]);
    assert_eq!(
        report[3],
        format!(
            "5,invalid,2,{}",
            conflict("SendInvoiceByEmail", "Invoice", "false", 4, "true")
        )
    );
}

// ---- encodings ------------------------------------------------------------------------------

/// `Acct;Company` in Windows-1252 with é, ü and € (0xE9, 0xFC, 0x80).
const CP1252: &[u8] = b"Acct;Company\r\nCaf\xe9-1;Caf\xe9 M\xfcller\r\n\x80-2;Euro \x80\r\n";

#[test]
fn windows_1252_with_semicolons() {
    let work = Work::new();
    work.write("in.csv", CP1252);
    let mapping = format!("[source]\nencoding = \"windows-1252\"\n{MAP}");
    let (run, report) = dry(&work, "in.csv", &mapping);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(report, ["2,valid,Café-1,", "3,valid,€-2,"]);
    // The names come out right too: rows that disagree show them.
    work.write(
        "in.csv",
        b"Acct;Company\r\n1;M\xfcller\r\n1;Muller\r\n".as_slice(),
    );
    let (_, report) = dry(&work, "in.csv", &mapping);
    assert_eq!(
        report[1],
        format!(
            "3,invalid,1,{}",
            conflict("Name", "Company", "Müller", 2, "Muller")
        )
    );
}

#[test]
fn windows_1252_without_the_encoding_is_a_clear_error() {
    let work = Work::new();
    let mut bytes = b"Acct;Company\r\n1;Plain\r\n2;Also plain\r\n".to_vec();
    bytes.extend_from_slice(b"3;Caf\xe9\r\n");
    work.write("in.csv", bytes);
    let stderr = refused(&work, "in.csv", MAP);
    assert!(
        stderr.contains("in.csv, line 4: not valid UTF-8"),
        "{stderr}"
    );
    assert!(stderr.contains("encoding = \"windows-1252\""), "{stderr}");
}

#[test]
fn utf8_bom() {
    let work = Work::new();
    work.write("in.csv", "\u{feff}Acct,Company\n1,Zoë\n");
    let (run, report) = dry(&work, "in.csv", MAP);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(report, ["2,valid,1,"]);
}

#[test]
fn utf16le_bom() {
    let work = Work::new();
    let text = "Acct\tCompany\r\nZürich-1\tZürich AG\r\n東京-2\t🚚 Express\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    work.write("in.csv", bytes);
    let (run, report) = dry(&work, "in.csv", MAP);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(report, ["2,valid,Zürich-1,", "3,valid,東京-2,"]);
}

#[test]
fn unicode_keys_and_values() {
    let work = Work::new();
    work.write(
        "in.csv",
        "Acct,Company\n東京-1,株式会社 東京\n🚚,🚚 Express\n🚚,🚚 Express\n",
    );
    let (run, report) = dry(&work, "in.csv", MAP);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(report, ["2,valid,東京-1,", "3,valid,🚚,", "4,valid,🚚,"]);
    work.xlsx(
        "in.xlsx",
        &[(
            "顧客",
            vec![
                vec![X::S("Acct"), X::S("Company")],
                vec![X::S("東京-1"), X::S("🚚")],
            ],
        )],
    );
    let (run, report) = dry(&work, "in.xlsx", MAP);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(report, ["2,valid,東京-1,"]);
    assert_eq!(work.report("r.csv")[1][0], "in.xlsx, sheet \"顧客\"");
}

// ---- damaged rows and files -----------------------------------------------------------------

#[test]
fn ragged_row_is_invalid_and_blocks_its_group() {
    let work = Work::new();
    work.write(
        "in.csv",
        "Acct,Company,City\n1,A,Boston\n1,A,Boston,MA\n2,B\n3,C,Salem\n",
    );
    let (run, report) = dry(&work, "in.csv", &format!("{MAP}City = \"City\"\n"));
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        report,
        [
            "2,invalid,1,not sent: customer \"1\" has a problem on row 3",
            "3,invalid,1,the line has 4 fields but the header has 3: a cell probably holds an unquoted delimiter or line break",
            "4,invalid,2,the line has 2 fields but the header has 3: a cell probably holds an unquoted delimiter or line break",
            "5,valid,3,",
        ]
    );
}

/// A broken input: exit 2, one clear `error:` line naming the file, no panic, no report rows.
fn broken(work: &Work, input: &str, expected: &str) {
    let stderr = refused(work, input, MAP);
    assert!(
        stderr.contains(expected),
        "{expected:?} missing from:\n{stderr}"
    );
}

fn real_xlsx(work: &Work) -> Vec<u8> {
    let path = work.xlsx(
        "real.xlsx",
        &[(
            "S",
            vec![
                vec![X::S("Acct"), X::S("Company")],
                vec![X::N(1.0), X::S("A")],
            ],
        )],
    );
    std::fs::read(path).unwrap()
}

#[test]
fn truncated_xlsx() {
    let work = Work::new();
    let bytes = real_xlsx(&work);
    work.write("cut.xlsx", &bytes[..bytes.len() / 2]);
    broken(
        &work,
        "cut.xlsx",
        "cut.xlsx: not a readable spreadsheet: the file is damaged or incomplete",
    );
}

#[test]
fn random_bytes_named_xlsx() {
    let work = Work::new();
    let bytes: Vec<u8> = (0u32..4000)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    work.write("noise.xlsx", bytes);
    broken(
        &work,
        "noise.xlsx",
        "noise.xlsx: not a readable spreadsheet: its content is neither a workbook nor text",
    );
}

#[test]
fn html_named_xls() {
    let work = Work::new();
    work.write(
        "export.xls",
        "<html><body><table><tr><td>Acct</td><td>Company</td></tr></table></body></html>",
    );
    broken(
        &work,
        "export.xls",
        "export.xls: not a readable spreadsheet: it is a web page (HTML)",
    );
}

#[test]
fn csv_named_xlsx() {
    let work = Work::new();
    work.write("in.xlsx", "Acct,Company\n1,A\n");
    broken(
        &work,
        "in.xlsx",
        "it is plain text (probably CSV) saved with a spreadsheet extension",
    );
}

#[test]
fn empty_files() {
    let work = Work::new();
    work.write("empty.csv", "");
    broken(&work, "empty.csv", "empty.csv: there is nothing in it");
    work.write("empty.xlsx", "");
    broken(&work, "empty.xlsx", "empty.xlsx: there is nothing in it");
    work.write("blank.csv", "\n\n ,\n");
    broken(&work, "blank.csv", "blank.csv: there is nothing in it");
}

#[test]
fn header_only_is_fine() {
    let work = Work::new();
    work.write("in.csv", "Acct,Company\n");
    let (run, report) = dry(&work, "in.csv", MAP);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(report.is_empty());
    assert!(
        run.stderr.contains("0 rows, 0 customers: no rows"),
        "{}",
        run.stderr
    );
}

#[test]
fn directory_and_missing_file() {
    let work = Work::new();
    std::fs::create_dir(work.path("folder.csv")).unwrap();
    broken(&work, "folder.csv", "the input folder.csv is not a file");
    broken(&work, "missing.csv", "the input missing.csv does not exist");
}

#[test]
fn arbitrary_bytes_never_panic() {
    let work = Work::new();
    let real = real_xlsx(&work);
    work.write("m.toml", MAP);
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for case in 0..24 {
        let (name, bytes) = if case % 2 == 0 {
            // Text-ish noise: delimiters, quotes, line ends, high bytes.
            let alphabet = b"Acct,Company;\"\r\n\t|1 \xe9\xff\x00";
            let len = (next() % 300) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            ("fuzz.csv", bytes)
        } else {
            // A real workbook with a few bytes changed.
            let mut bytes = real.clone();
            for _ in 0..4 {
                let at = (next() % bytes.len() as u64) as usize;
                bytes[at] = next() as u8;
            }
            ("fuzz.xlsx", bytes)
        };
        work.write(name, &bytes);
        let run = work.run(&[name, "-m", "m.toml", "--dry-run", "--report", "r.csv"]);
        assert!(
            [0, 1, 2].contains(&run.code) && !run.stderr.contains("panicked"),
            "case {case} ({name}, {bytes:?}): {run:?}"
        );
    }
}

// ---- conversion -----------------------------------------------------------------------------

#[test]
fn booleans_accept_the_usual_spellings() {
    let work = Work::new();
    let mut csv = String::from("Acct,Company,Invoice\n");
    for (i, word) in ["yes", "Y", "1", "x", "TRUE", " true "].iter().enumerate() {
        csv.push_str(&format!("t,T,{word}\nt{i},T,{word}\n"));
    }
    for (i, word) in ["no", "N", "0", "false", "FALSE"].iter().enumerate() {
        csv.push_str(&format!("f,F,{word}\nf{i},F,{word}\n"));
    }
    csv.push_str("m,M,maybe\n");
    work.write("in.csv", csv);
    let (run, report) = dry(
        &work,
        "in.csv",
        &format!("{MAP}SendInvoiceByEmail = \"Invoice\"\n"),
    );
    assert_eq!(run.code, 1, "{run:?}");
    // All the "t" rows agree with each other, all the "f" rows too: only "maybe" is invalid.
    let last = report.last().unwrap();
    assert_eq!(
        last,
        "24,invalid,m,SendInvoiceByEmail: column \"Invoice\" value \"maybe\" is not a yes/no value (expected true/false, yes/no, y/n, 1/0 or x)"
    );
    assert!(
        report[..report.len() - 1]
            .iter()
            .all(|l| l.contains(",valid,")),
        "{report:#?}"
    );
}

#[test]
fn percentages_and_decimals() {
    let work = Work::new();
    work.write(
        "in.csv",
        "Acct,Company,Adj\n1,A,12.5%\n1,A,12.5\n2,B,7 %\n2,B,8\n3,C,ten\n",
    );
    let (run, report) = dry(
        &work,
        "in.csv",
        &format!("{MAP}BillingAdjustmentPercentage = \"Adj\"\n"),
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(report[..2], ["2,valid,1,", "3,valid,1,"]);
    assert_eq!(
        report[3],
        format!(
            "5,invalid,2,{}",
            conflict("BillingAdjustmentPercentage", "Adj", "7", 4, "8")
        )
    );
    assert_eq!(
        report[4],
        "6,invalid,3,BillingAdjustmentPercentage: column \"Adj\" value \"ten\" is not a number (expected digits with an optional decimal point or comma, thousands in groups of three and %, such as 12.5, 12,5, 1,234.5 or 12.5%)"
    );
}

#[test]
fn pricing_method_names_are_normalised() {
    let work = Work::new();
    work.write(
        "in.csv",
        "Acct,Company,Pricing\n1,A,Zone to Zone\n1,A,zone-to-zone\n1,A,ZONETOZONE\n2,B,flat_rate\n2,B,Distance\n3,C,Per mile\n",
    );
    let (run, report) = dry(
        &work,
        "in.csv",
        &format!("{MAP}PricingMethod = \"Pricing\"\n"),
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(report[..3], ["2,valid,1,", "3,valid,1,", "4,valid,1,"]);
    assert_eq!(
        report[3..],
        [
            "5,invalid,2,not sent: customer \"2\" has a problem on row 6".to_string(),
            format!("6,invalid,2,{}", conflict("PricingMethod", "Pricing", "FlatRate", 5, "Distance")),
            "7,invalid,3,PricingMethod: column \"Pricing\" value \"Per mile\" is not a pricing method (expected one of None, ZoneToZone, Distance, FlatRate)".to_string(),
        ]
    );
}

#[test]
fn value_map_is_case_insensitive_and_falls_back_to_conversion() {
    let work = Work::new();
    work.write(
        "in.csv",
        "Acct,Company,Status\n\
         1,A,Closed\n1,A, CLOSED \n1,A,yes\n\
         2,B,active\n2,B,n\n\
         3,C,Active\n3,C,Closed\n\
         4,D,Pending\n",
    );
    let mapping = format!(
        "{MAP}Inactive = {{ column = \"Status\", map = {{ \"Active\" = false, \"Closed\" = true }} }}\n"
    );
    let (run, report) = dry(&work, "in.csv", &mapping);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        report,
        [
            "2,valid,1,".to_string(),
            "3,valid,1,".to_string(),
            "4,valid,1,".to_string(),
            "5,valid,2,".to_string(),
            "6,valid,2,".to_string(),
            "7,invalid,3,not sent: customer \"3\" has a problem on row 8".to_string(),
            format!("8,invalid,3,{}", conflict("Inactive", "Status", "false", 7, "true")),
            "9,invalid,4,Inactive: column \"Status\" value \"Pending\" is not a yes/no value (expected true/false, yes/no, y/n, 1/0 or x)".to_string(),
        ]
    );
}

#[test]
fn defaults_and_constants_are_accepted_and_do_not_conflict() {
    let work = Work::new();
    work.write("in.csv", "Acct,Company,Country\n1,A,\n1,A,CA\n2,B,\n");
    let mapping = format!(
        "{MAP}Country = {{ column = \"Country\", default = \"US\" }}\nTimeZone = {{ value = \"Eastern Standard Time\" }}\n"
    );
    let (run, report) = dry(&work, "in.csv", &mapping);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(report, ["2,valid,1,", "3,valid,1,", "4,valid,2,"]);
}

#[test]
fn emails_must_look_like_emails() {
    let work = Work::new();
    work.write(
        "in.csv",
        "Acct,Company,Email\n1,A,ops@acme.com\n2,B,n/a\n3,C, \n",
    );
    let (run, report) = dry(&work, "in.csv", &format!("{MAP}Email = \"Email\"\n"));
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        report,
        [
            "2,valid,1,",
            "3,invalid,2,Email: column \"Email\" value \"n/a\" is not an email address (expected name@example.com)",
            "4,valid,3,",
        ]
    );
}

// ---- grouping -------------------------------------------------------------------------------

#[test]
fn group_conflict_names_field_values_and_rows() {
    let work = Work::new();
    work.write(
        "in.csv",
        "Acct,Company\n7,Acme\n8,Beta\n7,\n7,ACME Inc\n7,Acme\n",
    );
    let (run, report) = dry(&work, "in.csv", MAP);
    assert_eq!(run.code, 1, "{run:?}");
    let blocked = "not sent: customer \"7\" has a problem on row 5";
    assert_eq!(
        report,
        [
            format!("2,invalid,7,{blocked}"),
            "3,valid,8,".to_string(),
            format!("4,invalid,7,{blocked}"),
            format!(
                "5,invalid,7,{}",
                conflict("Name", "Company", "Acme", 2, "ACME Inc")
            ),
            format!("6,invalid,7,{blocked}"),
        ]
    );
    assert!(
        run.stderr
            .contains("5 rows, 2 customers: 1 valid, 4 invalid"),
        "{}",
        run.stderr
    );
}

#[test]
fn non_adjacent_rows_form_one_customer() {
    let work = Work::new();
    work.write("in.csv", "Acct,Company\n1,A\n2,B\n1,\n3,C\n2,B\n");
    let (run, report) = dry(&work, "in.csv", MAP);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        report,
        [
            "2,valid,1,",
            "3,valid,2,",
            "4,valid,1,",
            "5,valid,3,",
            "6,valid,2,"
        ]
    );
    assert!(
        run.stderr.contains("5 rows, 3 customers: 5 valid"),
        "{}",
        run.stderr
    );
}

#[test]
fn group_by_two_columns() {
    let work = Work::new();
    work.write(
        "in.csv",
        "Acct,Region,Company\n1,East,A East\n1,West,A West\n1,East,\n2,,B\n",
    );
    let mapping = "[customer]\ngroup_by = [\"Acct\", \"Region\"]\nName = \"Company\"\n";
    let (run, report) = dry(&work, "in.csv", mapping);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        report,
        [
            "2,valid,1 / East,",
            "3,valid,1 / West,",
            "4,valid,1 / East,",
            "5,invalid,,column \"Region\" is blank: every customer row needs the customer's Acct / Region",
        ]
    );
}

#[test]
fn contacts_from_another_sheet_with_link() {
    let work = Work::new();
    work.xlsx(
        "in.xlsx",
        &[
            (
                "Customers",
                vec![
                    vec![X::S("Acct"), X::S("Company")],
                    vec![X::N(1.0), X::S("A")],
                    vec![X::N(2.0), X::S("B")],
                    vec![X::N(3.0), X::S("C")],
                ],
            ),
            (
                "Contacts",
                vec![
                    vec![X::S("Customer"), X::S("Contact"), X::S("Email")],
                    vec![X::N(1.0), X::S("Ann"), X::S("ann@a.com")],
                    vec![],
                    vec![X::N(2.0), X::S("Bob"), X::S("not an email")],
                    vec![X::N(9.0), X::S("Zed"), X::Blank],
                    vec![X::Blank, X::S("Nobody"), X::Blank],
                    vec![X::N(1.0), X::S("Ann"), X::S("ANN@a.com")],
                ],
            ),
        ],
    );
    let mapping = format!(
        "{MAP}\n[contact]\nsheet = \"Contacts\"\nlink = \"Customer\"\nName = \"Contact\"\nEmail = \"Email\"\n"
    );
    let (run, report) = dry(&work, "in.xlsx", &mapping);
    assert_eq!(run.code, 1, "{run:?}");
    let full = work.report("r.csv");
    let sources: Vec<&str> = full[1..].iter().map(|r| r[0].as_str()).collect();
    let main = "in.xlsx, sheet \"Customers\"";
    let contacts = "in.xlsx, sheet \"Contacts\"";
    assert_eq!(
        sources,
        [
            main, main, main, contacts, contacts, contacts, contacts, contacts
        ]
    );
    assert_eq!(
        report,
        [
            "2,valid,1,".to_string(),
            format!("3,invalid,2,not sent: customer \"2\" has a problem on {contacts} row 4"),
            "4,valid,3,".to_string(),
            "2,valid,1,".to_string(),
            "4,invalid,2,Email: column \"Email\" value \"not an email\" is not an email address (expected name@example.com)".to_string(),
            format!("5,invalid,9,no customer in {main} has the key \"9\" given in column \"Customer\""),
            "6,invalid,,column \"Customer\" is blank: every contact row needs the customer's Customer".to_string(),
            "7,valid,1,".to_string(),
        ]
    );
}

#[test]
fn departments_from_another_csv_file_with_link() {
    let work = Work::new();
    work.write("in.csv", "Acct,Company\n1,A\n2,B\n");
    work.write(
        "depts.csv",
        "Acct;Dept\n1;Sales\n1;sales\n\n2;Ops\n3;Lost\n",
    );
    let mapping =
        format!("{MAP}\n[department]\nfile = \"depts.csv\"\nlink = \"Acct\"\nName = \"Dept\"\n");
    let (run, report) = dry(&work, "in.csv", &mapping);
    assert_eq!(run.code, 1, "{run:?}");
    let full = work.report("r.csv");
    let sources: Vec<&str> = full[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        sources,
        [
            "in.csv",
            "in.csv",
            "depts.csv",
            "depts.csv",
            "depts.csv",
            "depts.csv"
        ]
    );
    assert_eq!(
        report,
        [
            "2,valid,1,",
            "3,valid,2,",
            "2,valid,1,",
            "3,valid,1,",
            "5,valid,2,",
            "6,invalid,3,no customer in in.csv has the key \"3\" given in column \"Acct\"",
        ]
    );
}

#[test]
fn a_missing_child_file_stops_the_run() {
    let work = Work::new();
    work.write("in.csv", "Acct,Company\n1,A\n");
    let mapping =
        format!("{MAP}\n[department]\nfile = \"depts.csv\"\nlink = \"Acct\"\nName = \"Dept\"\n");
    let stderr = refused(&work, "in.csv", &mapping);
    assert!(stderr.contains("depts.csv: cannot open"), "{stderr}");
}

#[test]
fn utf16_without_a_bom_is_a_clear_error() {
    let work = Work::new();
    let text = "Acct,Company\r\n1,Zürich AG\r\n";
    work.write(
        "le.csv",
        text.encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect::<Vec<u8>>(),
    );
    let stderr = refused(&work, "le.csv", MAP);
    assert!(
        stderr.contains("le.csv: looks like UTF-16 text without a byte-order mark"),
        "{stderr}"
    );
    assert!(stderr.contains("encoding = \"utf-16le\""), "{stderr}");
    let (run, report) = dry(
        &work,
        "le.csv",
        &format!("[source]\nencoding = \"utf-16le\"\n{MAP}"),
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(report, ["2,valid,1,"]);
}

#[test]
fn excel_floats_show_what_excel_shows() {
    let work = Work::new();
    work.xlsx(
        "in.xlsx",
        &[(
            "S",
            vec![
                vec![X::S("Acct"), X::S("Company"), X::S("Ref")],
                vec![X::N(1.0), X::S("A"), X::N(0.1 + 0.2)],
                vec![X::N(1.0), X::S("A"), X::S("0.3")],
                vec![X::N(1.0), X::S("A"), X::S("0.4")],
            ],
        )],
    );
    let (run, report) = dry(
        &work,
        "in.xlsx",
        &format!("{MAP}ReferenceNumber = \"Ref\"\n"),
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        report[2],
        format!(
            "4,invalid,1,{}",
            conflict("ReferenceNumber", "Ref", "0.3", 2, "0.4")
        )
    );
}

#[test]
fn a_sheet_table_that_starts_below_and_right_of_a1() {
    let work = Work::new();
    work.xlsx(
        "in.xlsx",
        &[(
            "S",
            vec![
                vec![],
                vec![],
                vec![X::Blank, X::Blank, X::S("Acct"), X::S("Company")],
                vec![X::Blank, X::Blank, X::N(1.0), X::S("A")],
                vec![],
                vec![X::Blank, X::Blank, X::N(2.0), X::S("B")],
            ],
        )],
    );
    let (run, report) = dry(&work, "in.xlsx", MAP);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(report, ["4,valid,1,", "6,valid,2,"]);
    // Asked for explicitly, the header row is the sheet's row 3 too.
    let (run, report) = dry(
        &work,
        "in.xlsx",
        &format!("[source]\nheader_row = 3\n{MAP}"),
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(report, ["4,valid,1,", "6,valid,2,"]);
}

#[test]
fn workbook_chosen_by_content_and_sheet_by_name_ignoring_case() {
    let work = Work::new();
    let path = work.xlsx(
        "real.xlsx",
        &[
            ("Notes", vec![vec![X::S("nothing here")]]),
            (
                "Export",
                vec![
                    vec![X::S("Acct"), X::S("Company")],
                    vec![X::N(1.0), X::S("A")],
                ],
            ),
        ],
    );
    std::fs::rename(path, work.path("in.csv")).unwrap();
    let (run, report) = dry(
        &work,
        "in.csv",
        &format!("[source]\nsheet = \" export \"\n{MAP}"),
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(report, ["2,valid,1,"]);
    assert_eq!(work.report("r.csv")[1][0], "in.csv, sheet \"Export\"");
}

#[test]
fn children_linked_by_two_columns_from_another_workbook() {
    let work = Work::new();
    work.write(
        "in.csv",
        "Acct,Region,Company\n1,East,A East\n1,West,A West\n",
    );
    work.xlsx(
        "people.xlsx",
        &[(
            "People",
            vec![
                vec![X::S("Account"), X::S("Area"), X::S("Who")],
                vec![X::N(1.0), X::S("West"), X::S("Wes")],
                vec![X::N(1.0), X::S("North"), X::S("Nora")],
            ],
        )],
    );
    let mapping = "[customer]\ngroup_by = [\"Acct\", \"Region\"]\nName = \"Company\"\n\n\
                   [contact]\nfile = \"people.xlsx\"\nsheet = \"People\"\nlink = [\"Account\", \"Area\"]\nName = \"Who\"\n";
    let (run, report) = dry(&work, "in.csv", mapping);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        report,
        [
            "2,valid,1 / East,",
            "3,valid,1 / West,",
            "2,valid,1 / West,",
            "3,invalid,1 / North,no customer in in.csv has the key \"1 / North\" given in columns \"Account / Area\"",
        ]
    );
}

#[test]
fn a_child_file_in_windows_1252_names_its_own_table_in_the_hint() {
    let work = Work::new();
    work.write("in.csv", "Acct,Company\n1,A\n");
    work.write("depts.csv", b"Acct,Dept\n1,Caf\xe9\n".as_slice());
    let mapping =
        format!("{MAP}\n[department]\nfile = \"depts.csv\"\nlink = \"Acct\"\nName = \"Dept\"\n");
    let stderr = refused(&work, "in.csv", &mapping);
    assert!(
        stderr.contains("depts.csv, line 2: not valid UTF-8"),
        "{stderr}"
    );
    assert!(
        stderr.contains("or under the [department] or [contact] table that reads this file"),
        "{stderr}"
    );
    let mapping = mapping.replace("link =", "encoding = \"windows-1252\"\nlink =");
    let (run, report) = dry(&work, "in.csv", &mapping);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(report, ["2,valid,1,", "2,valid,1,"]);
}

#[test]
fn old_mac_line_ends_keep_row_numbers() {
    let work = Work::new();
    work.write("in.csv", "Acct,Company\r1,A\r2,\"B\rsecond line\"\r\r3,C\r");
    let (run, report) = dry(&work, "in.csv", MAP);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(report, ["2,valid,1,", "3,valid,2,", "6,valid,3,"]);
}

#[test]
fn blank_fields_past_the_header_are_fine() {
    let work = Work::new();
    work.write("in.csv", "Acct,Company\n1,A,\n2,B,,\n3,C,x\n");
    let (run, report) = dry(&work, "in.csv", MAP);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        report,
        [
            "2,valid,1,",
            "3,valid,2,",
            "4,invalid,3,the line has 3 fields but the header has 2: a cell probably holds an unquoted delimiter or line break",
        ]
    );
}

#[test]
fn a_stray_cell_far_away_does_not_blow_up_memory() {
    let work = Work::new();
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "Acct").unwrap();
    sheet.write_string(0, 1, "Company").unwrap();
    sheet.write_number(1, 0, 1.0).unwrap();
    sheet.write_string(1, 1, "A").unwrap();
    // XFD1048576, the last cell of a sheet: a dense grid up to it would be 17 billion cells.
    sheet.write_string(1_048_575, 16_383, "stray").unwrap();
    book.save(work.path("in.xlsx")).unwrap();
    let (run, report) = dry(&work, "in.xlsx", MAP);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        report,
        [
            "2,valid,1,",
            "1048576,invalid,,column \"Acct\" is blank: every customer row needs the customer's Acct",
        ]
    );
}

#[test]
fn wrapped_and_no_break_space_headers_match() {
    let work = Work::new();
    work.xlsx(
        "in.xlsx",
        &[(
            "S",
            vec![
                vec![X::S("Acct\nNo"), X::S("Company\u{a0} Name")],
                vec![X::N(1.0), X::S("A")],
            ],
        )],
    );
    let (run, report) = dry(
        &work,
        "in.xlsx",
        "[customer]\nAccountNumber = \"Acct No\"\nName = \"company name\"\n",
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(report, ["2,valid,1,"]);
}

#[test]
fn a_repeated_header_row_is_not_a_customer() {
    let work = Work::new();
    work.write(
        "in.csv",
        "Acct,Company,City\n1,A,Boston\nAcct,Company,City\n2,B,\n3,Company,\n",
    );
    let (run, report) = dry(&work, "in.csv", &format!("{MAP}City = \"City\"\n"));
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        report,
        [
            "2,valid,1,",
            "3,invalid,,the row repeats the header row (a page header in the export?): delete it",
            "4,valid,2,",
            "5,valid,3,",
        ]
    );
}
