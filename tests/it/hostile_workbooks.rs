//! Hostile workbooks through the binary (issues 12 #7, 14 #1–#4): each is refused as damaged
//! or oversized (exit 2, no report, nothing sent) or read with every row accounted for, in
//! bounded memory, never with a panic. The files are built by the tests ([`craft`]); the huge
//! ones are a few megabytes on disk.
#![allow(clippy::unwrap_used)]

mod craft;
mod legacy;

use crate::util::{Run, Work, dry};
use craft::{Part, header, row, sheet, xlsx};

const MAP: &str = "[customer]\nAccountNumber = \"Acct\"\nName = \"Company\"\n";

/// A dry run of `bytes` as `in.xlsx` that must be refused as damaged or oversized; returns
/// stderr.
fn refused(bytes: &[u8]) -> String {
    let work = Work::new();
    work.write("in.xlsx", bytes);
    let (run, report) = dry(&work, "in.xlsx", MAP);
    assert_refused(&run);
    assert!(report.is_empty(), "{report:?}");
    run.stderr
}

fn assert_refused(run: &Run) {
    assert_eq!(run.code, 2, "{run:?}");
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(
        run.stderr.contains("damaged or oversized"),
        "{}",
        run.stderr
    );
}

/// A dry run of `input` with `mapping` under a 2 GiB address-space limit (`ulimit -v`, so that
/// a file that would take more ends the run rather than the machine) and under GNU time: the
/// run and its peak resident memory in MB (the largest of the binary and anything it waited
/// for), if `/usr/bin/time` is there to measure it.
pub(crate) fn measured(work: &Work, input: &str, mapping: &str) -> (Run, Option<u64>) {
    work.write("m.toml", mapping);
    let _ = std::fs::remove_file(work.path("peak.txt"));
    let args = [input, "-m", "m.toml", "--dry-run", "--report", "r.csv"];
    let mut command = work.command(&args);
    let time = std::path::Path::new("/usr/bin/time");
    let mut limited = std::process::Command::new("sh");
    limited
        .arg("-c")
        .arg("ulimit -v 2097152 && exec \"$@\"")
        .arg("sh");
    if time.exists() {
        limited
            .arg(time)
            .args(["-f", "%M", "-o"])
            .arg(work.path("peak.txt"));
    }
    limited
        .arg(command.get_program())
        .args(args)
        .current_dir(work.dir())
        .stdin(std::process::Stdio::null());
    for (name, value) in command.get_envs() {
        match value {
            Some(value) => limited.env(name, value),
            None => limited.env_remove(name),
        };
    }
    command = limited;
    let output = command.output().unwrap();
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    let peak = std::fs::read_to_string(work.path("peak.txt"))
        .ok()
        .map(|peak| {
            // GNU time prints a note before the figure when the command fails.
            let kb: u64 = peak.lines().last().unwrap().trim().parse().unwrap();
            kb / 1024
        });
    (run, peak)
}

/// Refused in less than 400 MB of memory.
fn refused_in_bounded_memory(bytes: &[u8]) -> String {
    let work = Work::new();
    work.write("in.xlsx", bytes);
    let (run, peak) = measured(&work, "in.xlsx", MAP);
    assert_refused(&run);
    if let Some(peak) = peak {
        assert!(peak < 400, "peak {peak} MB");
    }
    run.stderr
}

// ---- issue 12 #7, 14 #2: bombs ---------------------------------------------------------------

#[test]
fn a_cell_of_200_mb_is_refused_in_bounded_memory() {
    let prefix = format!(
        r#"{}{}<row r="2"><c r="A2" t="inlineStr"><is><t>1</t></is></c><c r="B2" t="inlineStr"><is><t>"#,
        craft::SHEET_START,
        header()
    );
    let suffix = format!("</t></is></c></row>{}", craft::SHEET_END);
    let part = Part::run("xl/worksheets/sheet1.xml", &prefix, b'x', 800_000, &suffix);
    let bytes = xlsx(part, None);
    assert!(bytes.len() < 30 << 20, "{} bytes on disk", bytes.len());
    let stderr = refused_in_bounded_memory(&bytes);
    assert!(
        stderr.contains("xl/worksheets/sheet1.xml: text"),
        "{stderr}"
    );
    assert!(stderr.contains("past the 1024 KiB limit"), "{stderr}");
}

#[test]
fn a_gigabyte_of_whitespace_between_rows_is_refused_in_bounded_memory() {
    let prefix = format!("{}{}", craft::SHEET_START, header());
    let suffix = format!("{}{}", row(3, &[("A", "2"), ("B", "B")]), craft::SHEET_END);
    let part = Part::run(
        "xl/worksheets/sheet1.xml",
        &prefix,
        b' ',
        4_161_790,
        &suffix,
    );
    let stderr = refused_in_bounded_memory(&xlsx(part, None));
    assert!(stderr.contains("space between elements"), "{stderr}");
}

// ---- issue 14 #1: references past the grid ---------------------------------------------------

#[test]
fn references_past_the_grid_are_refused() {
    for (rows, shown) in [
        (
            r#"<row r="2"><c r="ZZZZZZ2" t="inlineStr"><is><t>x</t></is></c></row>"#,
            "ZZZZZZ2",
        ),
        (
            r#"<row r="1048577"><c t="inlineStr"><is><t>x</t></is></c></row>"#,
            "1048577",
        ),
    ] {
        let stderr = refused(&xlsx(sheet(&(header() + rows)), None));
        assert!(stderr.contains(shown), "{stderr}");
        assert!(stderr.contains("A1 to XFD1048576"), "{stderr}");
    }
    // Cells without references, counted past the last column.
    let cells = r#"<c t="inlineStr"><is><t>x</t></is></c>"#.repeat(16_385);
    let stderr = refused(&xlsx(
        sheet(&format!("{}<row r=\"2\">{cells}</row>", header())),
        None,
    ));
    assert!(
        stderr.contains("past Excel's last row 1048576 or last column XFD"),
        "{stderr}"
    );
}

#[test]
fn a_stray_cell_at_xfd1_does_not_widen_every_row() {
    let work = Work::new();
    let mut rows = header().replace(
        "</row>",
        r#"<c r="XFD1" t="inlineStr"><is><t>stray</t></is></c></row>"#,
    );
    for number in 2..=20_001 {
        rows.push_str(&format!(
            r#"<row r="{number}"><c r="A{number}"><v>{number}</v></c><c r="B{number}" t="inlineStr"><is><t>Customer {number}</t></is></c></row>"#
        ));
    }
    work.write("in.xlsx", xlsx(sheet(&rows), None));
    let (run, peak) = measured(&work, "in.xlsx", MAP);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(work.report("r.csv").len(), 20_001);
    // 20,000 rows of 16,384 cells would be 10 GB; of the two mapped columns, a few MB.
    if let Some(peak) = peak {
        assert!(peak < 200, "peak {peak} MB");
    }
}

// ---- issue 14 #3: shared-string indexes ------------------------------------------------------

#[test]
fn shared_string_indexes_that_are_not_indexes_are_refused() {
    let strings = r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="2"><si><t>Acct</t></si><si><t>Company</t></si></sst>"#;
    for index in ["-1", "abc", "18446744073709551616", "1.0"] {
        let rows = format!(
            r#"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row><row r="2"><c r="A2"><v>7</v></c><c r="B2" t="s"><v>{index}</v></c></row>"#
        );
        let stderr = refused(&xlsx(sheet(&rows), Some(strings)));
        assert!(
            stderr.contains("cell B2 refers to a shared string by something that is not an index"),
            "{index}: {stderr}"
        );
    }
    // A count the table does not hold (calamine reserves room for it before reading).
    let inflated = strings.replace("uniqueCount=\"2\"", "uniqueCount=\"4000000000\"");
    let rows = r#"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>"#;
    let stderr = refused(&xlsx(sheet(rows), Some(&inflated)));
    assert!(
        stderr.contains("says it holds 4000000000 strings, but holds 2"),
        "{stderr}"
    );
}

// ---- issue 14 #4: repeated rows, checksums, ods repeats --------------------------------------

#[test]
fn a_cell_stored_twice_is_refused_and_rows_out_of_order_are_all_read() {
    let twice =
        header() + &row(2, &[("A", "1"), ("B", "First")]) + &row(2, &[("A", "1"), ("B", "Second")]);
    let stderr = refused(&xlsx(sheet(&twice), None));
    assert!(stderr.contains("cell A2 is stored twice"), "{stderr}");

    // Rows out of order, and one row's cells split over two `<row r="3">`: every row read.
    let work = Work::new();
    let rows = header()
        + &row(3, &[("A", "2")])
        + &row(2, &[("A", "1"), ("B", "A")])
        + &row(3, &[("B", "B")]);
    work.write("in.xlsx", xlsx(sheet(&rows), None));
    let (run, report) = dry(&work, "in.xlsx", MAP);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(report, ["2,valid,1,", "3,valid,2,"]);
}

#[test]
fn a_zip_entry_with_a_bad_checksum_is_refused() {
    let rows = header() + &row(2, &[("A", "1"), ("B", "A")]);
    let part = Part::stored(
        "xl/worksheets/sheet1.xml",
        format!("{}{rows}{}", craft::SHEET_START, craft::SHEET_END),
    );
    let work = Work::new();
    work.write("in.xlsx", xlsx(part.with_wrong_crc(), None));
    let (run, report) = dry(&work, "in.xlsx", MAP);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(report.is_empty());
    assert!(run.stderr.contains("damaged"), "{}", run.stderr);
    assert!(
        run.stderr.contains("xl/worksheets/sheet1.xml"),
        "{}",
        run.stderr
    );
}

/// An ods cell holding `text`.
fn ods_cell(text: &str) -> String {
    format!(
        r#"<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>"#
    )
}

/// An ods workbook of one table, "Export", holding `rows` (`<table:table-row>` elements).
fn ods(rows: &str) -> Vec<u8> {
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Export">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    craft::zip(&[
        Part::stored("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
        Part::stored(
            "META-INF/manifest.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#,
        ),
        Part::stored("content.xml", &content),
    ])
}

#[test]
fn ods_rows_repeated_past_the_last_row_are_refused_not_dropped() {
    let ods = ods(&format!(
        r#"<table:table-row>{}{}</table:table-row><table:table-row table:number-rows-repeated="1048576"><table:table-cell/></table:table-row><table:table-row>{}{}</table:table-row>"#,
        ods_cell("Acct"),
        ods_cell("Company"),
        ods_cell("1"),
        ods_cell("A")
    ));
    let work = Work::new();
    work.write("in.ods", ods);
    let (run, report) = dry(&work, "in.ods", MAP);
    assert_refused(&run);
    assert!(report.is_empty());
    assert!(
        run.stderr.contains("run past row 1048576"),
        "{}",
        run.stderr
    );
}

/// A dry run of `bytes` as `in.ods`, refused in less than 400 MB; returns stderr.
fn ods_refused_in_bounded_memory(bytes: &[u8]) -> String {
    let work = Work::new();
    work.write("in.ods", bytes);
    let (run, peak) = measured(&work, "in.ods", MAP);
    assert_refused(&run);
    if let Some(peak) = peak {
        assert!(peak < 400, "peak {peak} MB: {}", run.stderr);
    }
    run.stderr
}

/// 200 rows, each a cell of 1,000 characters repeated over 16,000 columns: 120 KB of XML
/// that calamine expands to 3.2 billion characters (it ran out of a 2 GiB limit).
#[test]
fn ods_cells_repeated_across_columns_are_refused_in_bounded_memory() {
    let wide = format!(
        r#"<table:table-row>{}<table:table-cell office:value-type="string" table:number-columns-repeated="16000"><text:p>{}</text:p></table:table-cell></table:table-row>"#,
        ods_cell("1"),
        "x".repeat(1000)
    );
    let rows = format!(
        "<table:table-row>{}{}</table:table-row>{}",
        ods_cell("Acct"),
        ods_cell("Company"),
        wide.repeat(200)
    );
    let stderr = ods_refused_in_bounded_memory(&ods(&rows));
    assert!(
        stderr.contains(
            "its tables, repeated cells and rows expanded, would take more than 1024 MiB"
        ),
        "{stderr}"
    );
}

/// One `<text:s text:c="2000000000"/>`: two billion spaces in one cell, from 30 bytes.
#[test]
fn an_ods_run_of_billions_of_spaces_is_refused_in_bounded_memory() {
    let rows = format!(
        r#"<table:table-row>{}{}</table:table-row><table:table-row>{}<table:table-cell office:value-type="string"><text:p>a<text:s text:c="2000000000"/>b</text:p></table:table-cell></table:table-row>"#,
        ods_cell("Acct"),
        ods_cell("Company"),
        ods_cell("1"),
    );
    let stderr = ods_refused_in_bounded_memory(&ods(&rows));
    assert!(stderr.contains("would take more than 1024 MiB"), "{stderr}");
}

/// What LibreOffice writes: each row padded with empty cells to column AMJ, and the empty rows
/// after the data repeated to row 1,048,576. Empty repeats expand to nothing: read whole.
#[test]
fn an_ods_padded_as_libreoffice_pads_it_reads_whole() {
    let pad = r#"<table:table-cell table:number-columns-repeated="1022"/>"#;
    let mut rows = format!(
        "<table:table-row>{}{}{pad}</table:table-row>",
        ods_cell("Acct"),
        ods_cell("Company")
    );
    for number in 1..=2000 {
        rows.push_str(&format!(
            "<table:table-row>{}{}{pad}</table:table-row>",
            ods_cell(&number.to_string()),
            ods_cell(&format!("Customer {number}"))
        ));
    }
    rows.push_str(
        r#"<table:table-row table:number-rows-repeated="1046575"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#,
    );
    let work = Work::new();
    work.write("in.ods", ods(&rows));
    let (run, peak) = measured(&work, "in.ods", MAP);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(work.report("r.csv").len(), 2001);
    if let Some(peak) = peak {
        assert!(peak < 200, "peak {peak} MB");
    }
}

/// An xlsb whose shared-string part opens with a record header declaring 256 MiB: calamine
/// zero-fills a buffer that long before it finds the record is not there (280 MB at peak).
#[test]
fn an_xlsb_record_declaring_256_mib_is_refused_in_bounded_memory() {
    let part: &[u8] = &[0x9F, 0x01, 0xFF, 0xFF, 0xFF, 0x7F, 0, 0, 0, 0];
    let xlsb = craft::zip(&[Part::stored("xl/sharedStrings.bin", part)]);
    let work = Work::new();
    work.write("in.xlsb", xlsb);
    let (run, peak) = measured(&work, "in.xlsb", MAP);
    assert_refused(&run);
    assert!(
        run.stderr
            .contains("xl/sharedStrings.bin: a record of 268435455 bytes, past the 1024 KiB limit"),
        "{}",
        run.stderr
    );
    if let Some(peak) = peak {
        assert!(peak < 100, "peak {peak} MB");
    }
}
