//! Messy exports imported into the sandbox, to see what lands in OnTime: values that a dry run's
//! report cannot show (percentages, ZIP codes, times, decimal commas, accents) and keys that
//! must find the customer OnTime already has.
#![allow(clippy::unwrap_used)]

use serde_json::json;

use super::MAP;
use crate::upload::Env;
use crate::util::{Run, brief};

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
        "4,invalid,1003,BillingAdjustmentPercentage: column \"Rabatt\" value \"1,500\" is not clear: a comma before three digits may separate thousands (1500) or decimals (1.5); write 1500 or 1.5"
    );
    assert_eq!(e.accounts().len(), 2);
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
