//! Text that holds a number, read by one rule (mappings/README.md, "Numbers"): a Number field
//! takes one reading or none (`1.500` and `1,500` are both refused as unclear), a phone, postal
//! code or account number in Excel's scientific notation is refused with the fix, whether a CSV
//! cell, a workbook text cell or a workbook number shown so; NaN and infinities are neither
//! keys nor numbers; a date cell that holds no date is damage.
#![allow(clippy::unwrap_used)]

use std::io::Write;

use crate::util::{Work, X, dry};

const MAP: &str = "[customer]\nAccountNumber = \"Acct\"\nName = \"Company\"\n";

const SHORTENED: &str = "is in scientific notation: Excel turned a long number into it (as 6.17555E+09 for 6175550100) and the digits after the sixth are lost; in Excel, format the column as Text before the numbers are typed, pasted or imported (Data > From Text/CSV, column data format Text), save the file again and re-run";

fn adjust(value: &str) -> String {
    format!(
        "BillingAdjustmentPercentage: column \"Adj\" value \"{value}\" is not clear: a {} before three digits may separate thousands (1500) or decimals (1.5); write 1500 or 1.5",
        if value.contains(',') {
            "comma"
        } else {
            "point"
        }
    )
}

#[test]
fn a_number_that_reads_two_ways_is_refused_whichever_mark_it_uses() {
    let work = Work::new();
    work.write(
        "in.csv",
        "Acct;Company;Adj\n1;A;1.500\n2;B;1,500\n3;C;12,5\n3;C;12.5\n4;D;1.234,5\n4;D;1,234.5\n",
    );
    let mapping = format!("{MAP}BillingAdjustmentPercentage = \"Adj\"\n");
    let (run, report) = dry(&work, "in.csv", &mapping);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        report,
        [
            format!("2,invalid,1,{}", adjust("1.500")),
            format!("3,invalid,2,{}", adjust("1,500")),
            // Both marks give one value each: the customer's rows agree.
            "4,valid,3,".to_string(),
            "5,valid,3,".to_string(),
            "6,valid,4,".to_string(),
            "7,valid,4,".to_string(),
        ]
    );
}

#[test]
fn a_phone_in_scientific_notation_is_refused_in_a_csv_with_either_decimal_mark() {
    let work = Work::new();
    work.write(
        "in.csv",
        "Acct;Company;Phone;ZIP\n1;A;6,17555E+09;02134\n2;B;6.17555E+09;02134\n3;C;617-555-0100;2,1345E+04\n4;D;6175550100;02134\n",
    );
    let mapping = format!("{MAP}Phone = \"Phone\"\nPostalCode = \"ZIP\"\n");
    let (run, report) = dry(&work, "in.csv", &mapping);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        report,
        [
            format!("2,invalid,1,Phone: column \"Phone\" value \"6,17555E+09\" {SHORTENED}"),
            format!("3,invalid,2,Phone: column \"Phone\" value \"6.17555E+09\" {SHORTENED}"),
            format!("4,invalid,3,PostalCode: column \"ZIP\" value \"2,1345E+04\" {SHORTENED}"),
            "5,valid,4,".to_string(),
        ]
    );
    // As the account number, the customer key: refused before it could join two customers.
    work.write("in.csv", "Acct;Company\n6,17555E+09;A\n");
    let (run, report) = dry(&work, "in.csv", MAP);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(report[0].contains(SHORTENED), "{report:?}");
}

#[test]
fn a_phone_in_scientific_notation_is_refused_in_a_workbook_text_cell() {
    let work = Work::new();
    work.xlsx(
        "in.xlsx",
        &[(
            "S",
            vec![
                vec![X::S("Acct"), X::S("Company"), X::S("Phone")],
                vec![X::N(1.0), X::S("A"), X::S("6,17555E+09")],
                vec![X::N(2.0), X::S("B"), X::N(6175550100.0)],
            ],
        )],
    );
    let (run, report) = dry(&work, "in.xlsx", &format!("{MAP}Phone = \"Phone\"\n"));
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        report,
        [
            format!("2,invalid,1,Phone: column \"Phone\" value \"6,17555E+09\" {SHORTENED}"),
            "3,valid,2,".to_string(),
        ]
    );
}

#[test]
fn nan_and_infinity_are_neither_keys_nor_numbers() {
    let work = Work::new();
    work.write(
        "in.csv",
        "Acct,Company,Adj\ninf,A,1\n1e400,B,1\nNaN,C,1\n-Infinity,D,1\n5,E,inf\n6,F,1e400\n7,Infinity Freight,1\n",
    );
    let mapping = format!("{MAP}BillingAdjustmentPercentage = \"Adj\"\n");
    let (run, report) = dry(&work, "in.csv", &mapping);
    assert_eq!(run.code, 1, "{run:?}");
    let key = |row: u64, value: &str| {
        format!(
            "{row},invalid,,column \"Acct\" value \"{value}\" is not a customer key: NaN and infinity are what a failed computation or export leaves behind; type the key again"
        )
    };
    assert_eq!(
        report[..4],
        [
            key(2, "inf"),
            key(3, "1e400"),
            key(4, "NaN"),
            key(5, "-Infinity")
        ]
    );
    assert!(
        report[4].starts_with(
            "6,invalid,5,BillingAdjustmentPercentage: column \"Adj\" value \"inf\" is not a number"
        ),
        "{report:?}"
    );
    assert!(report[5].starts_with("7,invalid,6,BillingAdjustmentPercentage: column \"Adj\" value \"1e400\" is in scientific notation"), "{report:?}");
    assert_eq!(report[6], "8,valid,7,");
}

/// A minimal xlsx written by hand (stored, not deflated), for cells rust_xlsxwriter will not
/// write: `sheet` is the `<sheetData>` content.
fn raw_xlsx(work: &Work, name: &str, sheet: &str) {
    let parts: [(&str, String); 5] = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_string(),
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_string(),
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_string(),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_string(),
        ),
        (
            "xl/worksheets/sheet1.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{sheet}</sheetData></worksheet>"#
            ),
        ),
    ];
    let mut zip = Vec::new();
    let mut central = Vec::new();
    for (path, body) in &parts {
        let mut crc = flate2::Crc::new();
        crc.update(body.as_bytes());
        let (crc, size) = (crc.sum(), body.len() as u32);
        let offset = zip.len() as u32;
        let common = |out: &mut Vec<u8>| {
            out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0x21, 0]);
            out.extend_from_slice(&crc.to_le_bytes());
            out.extend_from_slice(&size.to_le_bytes());
            out.extend_from_slice(&size.to_le_bytes());
            out.extend_from_slice(&(path.len() as u16).to_le_bytes());
            out.extend_from_slice(&[0, 0]);
        };
        zip.extend_from_slice(b"PK\x03\x04");
        common(&mut zip);
        zip.extend_from_slice(path.as_bytes());
        zip.extend_from_slice(body.as_bytes());
        central.extend_from_slice(b"PK\x01\x02\x14\x00");
        common(&mut central);
        // Comment length, disk, internal and external attributes.
        central.extend_from_slice(&[0; 10]);
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(path.as_bytes());
    }
    let start = zip.len() as u32;
    zip.extend_from_slice(&central);
    zip.extend_from_slice(b"PK\x05\x06\0\0\0\0");
    zip.extend_from_slice(&(parts.len() as u16).to_le_bytes());
    zip.extend_from_slice(&(parts.len() as u16).to_le_bytes());
    zip.extend_from_slice(&(central.len() as u32).to_le_bytes());
    zip.extend_from_slice(&start.to_le_bytes());
    zip.extend_from_slice(&[0, 0]);
    std::fs::File::create(work.path(name))
        .unwrap()
        .write_all(&zip)
        .unwrap();
}

fn inline(cell: &str, text: &str) -> String {
    format!(r#"<c r="{cell}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}

#[test]
fn a_date_cell_that_holds_no_date_is_damage_not_text() {
    let work = Work::new();
    let rows = [
        format!(
            r#"<row r="1">{}{}{}</row>"#,
            inline("A1", "Acct"),
            inline("B1", "Company"),
            inline("C1", "Ref")
        ),
        format!(
            r#"<row r="2"><c r="A2"><v>1</v></c>{}<c r="C2" t="d"><v>2024-13-45T99:99</v></c></row>"#,
            inline("B2", "A")
        ),
        format!(
            r#"<row r="3"><c r="A3"><v>2</v></c>{}<c r="C3" t="d"><v>2024-03-09T14:05:00</v></c></row>"#,
            inline("B3", "B")
        ),
        format!(
            r#"<row r="4"><c r="A4" t="d"><v>2024-13-45T99:99</v></c>{}</row>"#,
            inline("B4", "C")
        ),
    ];
    raw_xlsx(&work, "in.xlsx", &rows.concat());
    let (run, report) = dry(
        &work,
        "in.xlsx",
        &format!("{MAP}ReferenceNumber = \"Ref\"\n"),
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        report,
        [
            "2,invalid,1,ReferenceNumber: column \"Ref\" value \"2024-13-45T99:99\" is in a date cell but is no date: the program that wrote the file damaged it; type the date again (or format the cell as Text), save the file and re-run",
            "3,valid,2,",
            "4,invalid,,column \"Acct\" value \"2024-13-45T99:99\" is in a date cell but is no date: the file is damaged; type the key again",
        ]
    );
}
