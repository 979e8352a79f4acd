//! Exports as a new user brings them, from QuickBooks, Sage, Excel, Google Sheets and Notepad:
//! what broke on them, each fixed and pinned here. `messy_input` holds the earlier cases
//! (title rows, encodings, broken files, conversions); this module adds hidden sheets, mapping
//! files saved by Notepad, Windows paths, numbers Excel shortened to `6.17555E+09` and quotes
//! that are never closed.
#![allow(clippy::unwrap_used)]

use serde_json::json;

use crate::upload::Env;
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

// ---- mapping files --------------------------------------------------------------------------

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

// ---- values Excel damaged -------------------------------------------------------------------

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
    let shortened = "is a number that Excel shortened to scientific notation when the file was saved, so its digits are lost; in Excel, format the column as Number with 0 decimal places (or as Text), save the file again and re-run";
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
    let message = "column \"Acct\" value \"1.23457E+11\" is a number that Excel shortened to scientific notation when the file was saved, so its digits are lost; in Excel, format the column as Number with 0 decimal places (or as Text), save the file again and re-run";
    assert_eq!(
        report,
        [
            format!("2,invalid,,{message}"),
            format!("3,invalid,,{message}"),
            "4,valid,123456789013,".to_string(),
        ]
    );
}

// ---- CSV damage -----------------------------------------------------------------------------

/// `"12 inch pipes` with no closing quote: the reader takes the lines after it into one cell.
/// The report names the lines so the user can find the quote, and the rows after it that were
/// not swallowed are read as usual.
#[test]
fn a_quote_never_closed_names_the_lines_it_swallowed() {
    let work = Work::new();
    work.write(
        "in.csv",
        "Acct,Company,Notes\n1,A,x\n2,\"12 inch pipes,y\n3,C,z\n4,D,\"w\"\n5,E,v\n",
    );
    let (run, report) = dry(&work, "in.csv", MAP);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        report,
        [
            "2,valid,1,",
            "3,invalid,2,the record has 2 fields but the header has 3; it runs from line 3 to line 5: a quote (\") in it is probably never closed, so the lines after it were read into one cell; fix the quotes",
            "6,valid,5,",
        ]
    );

    // To the end of the file, the last line end is not counted as a line of its own.
    work.write("in.csv", "Acct,Company,Notes\n1,A,x\n2,\"B,y\n3,C,z\n");
    let (_, report) = dry(&work, "in.csv", MAP);
    assert_eq!(
        report[1],
        "3,invalid,2,the record has 2 fields but the header has 3; it runs from line 3 to line 4: a quote (\") in it is probably never closed, so the lines after it were read into one cell; fix the quotes"
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

// ---- what lands in OnTime -------------------------------------------------------------------

/// Imports `input` (already in the work folder) with `mapping` into the sandbox of `e`.
async fn import(e: &Env, input: &str, mapping: &str) -> Run {
    e.work.write("m.toml", mapping);
    let mut args = e.args(&[]);
    args[0] = input.into();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = e.work.run_async(&args, &[("ONTIME_API_KEY", &e.key)]).await;
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run
}

/// `="02134"` keeps Excel from dropping leading zeros when it opens the CSV; the value is the
/// text inside, as Excel shows it. Other text starting with `=` is left as it is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn excel_text_formulas_in_a_csv_land_as_their_text() {
    let e = crate::upload::env_default().await;
    e.work.write(
        "in.csv",
        "Acct,Company,ZIP,Phone,Notes\n=\"0042\",A,=\"02134\",\"=\"\"0617555010\"\"\",=\"\"\n1001,B,02134,=A1+B1,=\"x\" & \"y\"\n",
    );
    let mapping = format!("{MAP}PostalCode = \"ZIP\"\nPhone = \"Phone\"\nComments = \"Notes\"\n");
    let run = import(&e, "in.csv", &mapping).await;
    assert_eq!(run.code, 0, "{run:?}");
    let a = e.customer("0042");
    assert_eq!(
        (&a["PostalCode"], &a["Phone"]),
        (&"02134".into(), &"0617555010".into())
    );
    assert_eq!(a["Comments"], serde_json::Value::Null, "=\"\" is blank");
    let b = e.customer("1001");
    assert_eq!(
        (&b["Phone"], &b["Comments"]),
        (&"=A1+B1".into(), &"=\"x\" & \"y\"".into())
    );
}

/// Numbers whose format changes what they mean: a percentage (the cell holds 0.05, Excel shows
/// 5%) is 5 for BillingAdjustmentPercentage, and ZIP codes in Excel's ZIP code formats keep the
/// zeros Excel shows. The same numbers without those formats are as before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn percent_and_zip_code_formats_land_as_excel_shows_them() {
    let e = crate::upload::env_default().await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let format = |code: &str| rust_xlsxwriter::Format::new().set_num_format(code);
    let (percent, zip, zip4) = (format("0%"), format("00000"), format("00000-0000"));
    for (c, name) in ["Acct", "Company", "Adj", "ZIP", "Ref"].iter().enumerate() {
        sheet.write_string(0, c as u16, *name).unwrap();
    }
    let acct = format("000000");
    sheet.write_number_with_format(1, 0, 1001.0, &acct).unwrap();
    sheet.write_string(1, 1, "Harbor").unwrap();
    sheet
        .write_number_with_format(1, 2, -0.05, &percent)
        .unwrap();
    sheet.write_number_with_format(1, 3, 2134.0, &zip).unwrap();
    sheet
        .write_number_with_format(1, 4, 0.125, &percent)
        .unwrap();
    sheet.write_number(2, 0, 1002.0).unwrap();
    sheet.write_string(2, 1, "Pike").unwrap();
    sheet.write_number(2, 2, 12.5).unwrap();
    sheet
        .write_number_with_format(2, 3, 21341234.0, &zip4)
        .unwrap();
    sheet.write_number(2, 4, 2134.0).unwrap();
    book.save(e.work.path("in.xlsx")).unwrap();
    let mapping = format!(
        "{MAP}BillingAdjustmentPercentage = \"Adj\"\nPostalCode = \"ZIP\"\nReferenceNumber = \"Ref\"\n"
    );
    let run = import(&e, "in.xlsx", &mapping).await;
    assert_eq!(run.code, 0, "{run:?}");
    let landed = |acct: &str| {
        let c = e.customer(acct);
        let fields = [
            "BillingAdjustmentPercentage",
            "PostalCode",
            "ReferenceNumber",
        ];
        fields.map(|f| c[f].clone())
    };
    assert_eq!(
        landed("001001"),
        [json!(-5.0), json!("02134"), json!("12.5%")]
    );
    assert_eq!(
        landed("1002"),
        [json!(12.5), json!("02134-1234"), json!("2134")]
    );
}

/// Excel in most of Europe saves CSV in Windows-1252 with `;` between fields and a decimal
/// comma: `-12,5` is -12.5. A comma before exactly three digits could separate thousands, so
/// `1,500` is refused with both readings rather than guessed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decimal_commas_of_a_european_export_land_as_numbers() {
    let e = crate::upload::env_default().await;
    let mut csv = b"Acct;Company;Rabatt\r\n".to_vec();
    csv.extend_from_slice(b"1001;M\xfcller & S\xf6hne;-12,5\r\n1002;Caf\xe9 \x80;7,25 %\r\n");
    csv.extend_from_slice(b"1003;Gro\xdf;1,500\r\n");
    e.work.write("in.csv", csv);
    let mapping = format!(
        "[source]\nencoding = \"windows-1252\"\n{MAP}BillingAdjustmentPercentage = \"Rabatt\"\n"
    );
    let run = import(&e, "in.csv", &mapping).await;
    assert_eq!(run.code, 1, "{run:?}");
    let c = e.customer("1001");
    assert_eq!(
        (&c["Name"], &c["BillingAdjustmentPercentage"]),
        (&json!("Müller & Söhne"), &json!(-12.5))
    );
    let c = e.customer("1002");
    assert_eq!(
        (&c["Name"], &c["BillingAdjustmentPercentage"]),
        (&json!("Café €"), &json!(7.25))
    );
    assert_eq!(
        brief(&e.work.report("in.csv.report.csv"))[2],
        "4,invalid,1003,BillingAdjustmentPercentage: column \"Rabatt\" value \"1,500\" is not clear: a comma before three digits may separate thousands or decimals; write it as 1500 or 1.500"
    );
    assert_eq!(e.accounts().len(), 2);
}

/// A time-of-day cell (an "Opens at" column) lands as the time, not as a date-time on the day
/// before Excel's first day (`1899-12-31T14:30:00`); dates and date-times are as before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_time_of_day_cell_lands_as_the_time() {
    let e = crate::upload::env_default().await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let time = rust_xlsxwriter::Format::new().set_num_format("hh:mm");
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd hh:mm");
    for (c, name) in ["Acct", "Company", "Opens", "Since"].iter().enumerate() {
        sheet.write_string(0, c as u16, *name).unwrap();
    }
    let rows = [
        (1001.0, (14, 30), (2020, 1, 5, 9)),
        (1002.0, (0, 0), (2021, 6, 30, 0)),
    ];
    for (r, (acct, (h, m), (y, mo, d, dh))) in rows.into_iter().enumerate() {
        let r = r as u32 + 1;
        sheet.write_number(r, 0, acct).unwrap();
        sheet.write_string(r, 1, "Harbor").unwrap();
        let opens = rust_xlsxwriter::ExcelDateTime::from_hms(h, m, 0).unwrap();
        sheet
            .write_datetime_with_format(r, 2, &opens, &time)
            .unwrap();
        let since = rust_xlsxwriter::ExcelDateTime::from_ymd(y, mo, d)
            .unwrap()
            .and_hms(dh, 0, 0)
            .unwrap();
        sheet
            .write_datetime_with_format(r, 3, &since, &date)
            .unwrap();
    }
    book.save(e.work.path("in.xlsx")).unwrap();
    let mapping = format!("{MAP}ReferenceNumber = \"Opens\"\nComments = \"Since\"\n");
    let run = import(&e, "in.xlsx", &mapping).await;
    assert_eq!(run.code, 0, "{run:?}");
    let landed = |acct: &str| {
        let c = e.customer(acct);
        (c["ReferenceNumber"].clone(), c["Comments"].clone())
    };
    assert_eq!(
        landed("1001"),
        ("14:30:00".into(), "2020-01-05T09:00:00".into())
    );
    assert_eq!(landed("1002"), ("00:00:00".into(), "2021-06-30".into()));
}

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

/// Text copied from a web page brings zero-width spaces and direction marks along. At the end
/// of an account number they made it another customer's, and OnTime's lookup missed the one it
/// already had: a duplicate. They are trimmed like spaces, in cells and in header names.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invisible_characters_around_a_key_do_not_make_a_duplicate() {
    let e = crate::upload::env_default().await;
    e.sb.insert_customer(json!({"AccountNumber": "1001", "Name": "Harbor"}));
    e.work.write(
        "in.csv",
        "Acct\u{200b},Company\n\u{200b}1001,Harbor\u{200e}\n1001\u{feff},Harbor\n1002\u{2060},Pike\n",
    );
    let run = import(&e, "in.csv", MAP).await;
    assert_eq!(run.code, 0, "{run:?}");
    let statuses: Vec<String> = brief(&e.work.report("in.csv.report.csv"))
        .into_iter()
        .map(|line| line.split(',').take(3).collect::<Vec<_>>().join(","))
        .collect();
    assert_eq!(
        statuses,
        ["2,unchanged,1001", "3,unchanged,1001", "4,created,1002"]
    );
    let accounts: Vec<usize> = e.accounts().into_values().collect();
    assert_eq!(e.accounts().keys().collect::<Vec<_>>(), ["1001", "1002"]);
    assert_eq!(accounts, [1, 1]);
    assert_eq!(e.customer("1002")["Name"], "Pike");
}

/// Excel for Mac saves "Comma Separated Values" in Mac Roman (é is 0x8E), old versions with CR
/// line ends: the hint names the encoding to set, and with it the accents land.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mac_roman_csv_is_named_in_the_hint_and_then_read() {
    let e = crate::upload::env_default().await;
    e.work.write(
        "in.csv",
        b"Acct,Company\r1001,Caf\x8e M\x9fller\r1002,Pike\r",
    );
    let run = import(&e, "in.csv", MAP).await;
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("in.csv, line 2: not valid UTF-8")
            && run
                .stderr
                .contains("(from Excel on a Mac: `encoding = \"macintosh\"`)"),
        "{}",
        run.stderr
    );
    let run = import(
        &e,
        "in.csv",
        &format!("[source]\nencoding = \"macintosh\"\n{MAP}"),
    )
    .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(e.customer("1001")["Name"], "Café Müller");
}
