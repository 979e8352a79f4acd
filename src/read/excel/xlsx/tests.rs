//! The lean reader against calamine's own: on workbooks written by rust_xlsxwriter (every cell
//! type, shared, inline and rich strings, dates, sparse rows) and on packages zipped by hand
//! with what no writer produces but a file may hold (prefixes, entities, CDATA, comments, cells
//! without positions, odd types), both must give the same cells, or both refuse the sheet.

#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::Path;

use calamine::{Data, DataRef, Reader, Xlsx, open_workbook};
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};

use super::xml::XmlReader;
use super::*;

type Cells = Vec<((u32, u32), Data)>;

/// Every non-empty cell of `sheet` as calamine reads it, or its error.
fn calamine_cells(path: &Path, sheet: &str) -> Result<Cells, String> {
    let mut book: Xlsx<_> = open_workbook(path).map_err(|e: calamine::XlsxError| e.to_string())?;
    let mut reader = book
        .worksheet_cells_reader(sheet)
        .map_err(|e| e.to_string())?;
    let mut cells = Vec::new();
    while let Some(cell) = reader.next_cell().map_err(|e| e.to_string())? {
        if !matches!(cell.get_value(), DataRef::Empty) {
            cells.push((cell.get_position(), Data::from(cell.get_value().clone())));
        }
    }
    Ok(cells)
}

/// The same through the lean reader.
fn lean_cells(path: &Path, sheet: &str) -> Result<Cells, String> {
    let package = Package::open(path)?;
    let strings = package.shared_strings()?;
    package.with_cells(sheet, |reader| {
        let mut cells = Vec::new();
        while let Some((position, raw)) = reader.next_cell()? {
            let data = match raw {
                Raw::Shared(index) => Data::String(
                    strings
                        .get(index)
                        .ok_or("no such shared string")?
                        .to_string(),
                ),
                Raw::Text(text) => Data::String(text),
                Raw::Data(data) => data,
            };
            cells.push((position, data));
        }
        Ok::<_, String>(cells)
    })?
}

/// Both readers agree on every sheet of the workbook at `path`, and on its sheets.
fn agree(path: &Path) -> usize {
    let book: Xlsx<_> = open_workbook(path).unwrap();
    let package = Package::open(path).unwrap();
    assert_eq!(package.sheets_metadata(), book.sheets_metadata());
    let mut cells = 0;
    for sheet in book.sheet_names() {
        let expected = calamine_cells(path, &sheet).unwrap();
        assert_eq!(lean_cells(path, &sheet).unwrap(), expected, "sheet {sheet}");
        cells += expected.len();
    }
    cells
}

fn save(book: &mut Workbook) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("book.xlsx");
    book.save(&path).unwrap();
    (dir, path)
}

/// Values of every kind, in a sheet with shared strings and one with inline strings.
fn varied(book: &mut Workbook, inline: bool) {
    let sheet = if inline {
        book.add_worksheet_with_constant_memory().unwrap()
    } else {
        book.add_worksheet()
    };
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let time = Format::new().set_num_format("hh:mm:ss");
    let duration = Format::new().set_num_format("[h]:mm");
    let builtin = Format::new().set_num_format_index(14);
    let bold = Format::new().set_bold();
    let texts = [
        "plain",
        " leading and trailing ",
        "02134",
        "tab\tand\nnew line\r\nand CR",
        "<&>\"'",
        "_x000D_ written literally",
        "Zoë 日本 😀",
        "",
        "1e5",
    ];
    for (row, text) in texts.iter().enumerate() {
        let row = row as u32;
        sheet.write_string(row, 0, *text).unwrap();
        sheet
            .write_number(row, 1, f64::from(row) * 1.25 - 3.0)
            .unwrap();
        sheet.write_boolean(row, 3, row.is_multiple_of(2)).unwrap();
    }
    let when = ExcelDateTime::from_ymd(2024, 2, 29).unwrap();
    sheet
        .write_datetime_with_format(0, 4, &when, &date)
        .unwrap();
    sheet.write_number_with_format(1, 4, 0.75, &time).unwrap();
    sheet
        .write_number_with_format(2, 4, 30.5, &duration)
        .unwrap();
    sheet
        .write_number_with_format(3, 4, 45000.0, &builtin)
        .unwrap();
    sheet.write_number_with_format(4, 4, 7.0, &bold).unwrap();
    sheet.write_blank(5, 4, &bold).unwrap();
    sheet
        .write_formula(0, 5, Formula::new("=NA()").set_result("#N/A"))
        .unwrap();
    sheet
        .write_formula(1, 5, Formula::new("=\"a\"&\"b\"").set_result("ab"))
        .unwrap();
    sheet.write_formula(2, 5, "=1+1").unwrap();
    sheet
        .write_rich_string(3, 5, &[(&bold, "Bold"), (&Format::default(), " plain")])
        .unwrap();
    // A sparse corner far from the rest.
    sheet.write_string(5000, 300, "far away").unwrap();
    sheet.write_number(5000, 2, 1e300).unwrap();
}

#[test]
fn rust_xlsxwriter_workbooks_read_as_calamine_reads_them() {
    let mut book = Workbook::new();
    varied(&mut book, false);
    varied(&mut book, true);
    book.add_worksheet()
        .set_name("Hidden & <odd>")
        .unwrap()
        .set_hidden(true)
        .write_string(0, 0, "x")
        .unwrap();
    let (_dir, path) = save(&mut book);
    assert!(agree(&path) > 40);
}

#[test]
fn the_shipped_sample_reads_as_calamine_reads_it() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/customers.xlsx");
    assert!(agree(&sample) > 100);
}

const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;

const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/Sheet2.xml"/></Relationships>"#;

const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8"?><x:styleSheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:numFmts count="2"><x:numFmt numFmtId="164" formatCode="yyyy\-mm\-dd hh:mm"/><x:numFmt numFmtId="165" formatCode="[h]:mm:ss"/></x:numFmts><x:fonts count="1"><x:font><x:sz val="11"/></x:font></x:fonts><x:fills count="1"><x:fill><x:patternFill patternType="none"/></x:fill></x:fills><x:borders count="1"><x:border/></x:borders><x:cellStyleXfs count="1"><x:xf numFmtId="14"/></x:cellStyleXfs><x:cellXfs count="5"><x:xf numFmtId="0" fontId="0"/><x:xf numFmtId="14" fontId="0" applyNumberFormat="1"/><x:xf numFmtId="164" fontId="0"><x:alignment horizontal="left"/></x:xf><x:xf numFmtId="165" fontId="0"/><x:xf fontId="0"/></x:cellXfs></x:styleSheet>"#;

const STRINGS: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?><x:sst xmlns:x=\"m\" count=\"4\" uniqueCount=\"4\"><x:si><x:t>first</x:t></x:si><x:si><x:r><x:t xml:space=\"preserve\">rich </x:t></x:r><x:r><x:rPr><x:b/></x:rPr><x:t>run</x:t></x:r><x:rPh><x:t>phonetic</x:t></x:rPh></x:si><x:si><x:t>  spaced\r\n</x:t></x:si><x:si><x:t><![CDATA[<cdata> & more]]></x:t></x:si></x:sst>";

/// A sheet of what a hand-rolled writer may put in one: namespace prefixes, rows and cells
/// without `r`, cells out of order, comments, entities, CDATA, empty elements, every type.
const ODD_SHEET: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<x:worksheet xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">\
<x:dimension ref=\"A1:H9\"/><x:sheetData>\
<x:row r=\"1\"><x:c r=\"A1\" t=\"s\"><x:v>0</x:v></x:c><x:c r=\"B1\" t=\"s\"><x:v>1</x:v></x:c>\
<x:c r=\"C1\" t=\"s\"><x:v>002</x:v></x:c><!-- a comment with <x:c> inside -->\
<x:c r=\"D1\" t=\"s\"><x:v>3</x:v></x:c><x:c r=\"E1\" t=\"s\"><x:v></x:v></x:c></x:row>\
<x:row><x:c><x:v>1.5</x:v></x:c><x:c t=\"n\"><x:v>-2e3</x:v></x:c><x:c/><x:c><x:v>abc</x:v></x:c>\
<x:c s=\"1\"><x:v>45000</x:v></x:c><x:c s=\"2\"><x:v>45000.5</x:v></x:c><x:c s=\"3\"><x:v>1.25</x:v></x:c>\
<x:c s=\"4\"><x:v>3</x:v></x:c></x:row>\
<x:row r=\"4\" spans=\"1:8\"><x:c r=\"B4\" s=\"99\"><x:v>12</x:v></x:c><x:c r=\"A4\" t=\"b\"><x:v> true </x:v></x:c>\
<x:c r = 'C4' t='b'><x:v>0</x:v></x:c><x:c r=\"D4\" t=\"e\"><x:v>#DIV/0!</x:v></x:c>\
<x:c r=\"E4\" t=\"d\"><x:v>2024-01-31T10:00:00</x:v></x:c><x:c r=\"F4\" t=\"str\"><x:f>A1&amp;\"x\"</x:f><x:v>a &amp; b &lt;&#x41;&#66;&gt; _x000D_\r\nend</x:v></x:c>\
<x:c r=\"G4\" t=\"str\"><x:v/></x:c><x:c r=\"H4\"><x:v>5</x:v><x:f>1+1</x:f></x:c></x:row>\
<x:row r=\"6\"/><x:row r=\"7\"><x:c r=\"A7\" t=\"inlineStr\"><x:is><x:t> trimmed </x:t></x:is></x:c>\
<x:c r=\"B7\" t=\"inlineStr\"><x:is><x:r><x:t xml:space=\"preserve\"> kept</x:t></x:r><x:r><x:t>&amp;run</x:t></x:r></x:is><x:v>ignored</x:v></x:c>\
<x:c r=\"C7\" t=\"inlineStr\"><x:is/></x:c><x:c r=\"D7\" t=\"inlineStr\"><x:is><x:t><![CDATA[a<b]]></x:t></x:is></x:c>\
<x:c r=\"E7\" t=\"inlineStr\" s=\"1\" x14:odd=\"a>b\"><x:is><x:t>_xD83D__xDE00_ and _x005F_x0041_</x:t></x:is></x:c></x:row>\
<x:row r=\"9\"><x:c r=\"A9\"><x:v>9</x:v></x:c></x:row><x:row r=\"8\"><x:c r=\"A8\"><x:v>8</x:v></x:c></x:row>\
</x:sheetData><x:extLst><x:c r=\"A20\"><x:v>1</x:v></x:c></x:extLst></x:worksheet>";

/// A package of the parts above with `sheet` as its first sheet and a plain second sheet.
fn package(sheet: &str, workbook_pr: &str) -> Vec<u8> {
    let workbook = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:rel="http://schemas.openxmlformats.org/officeDocument/2006/relationships">{workbook_pr}<sheets><sheet name="Odd &amp; Ends" sheetId="1" rel:id="rId1"/><sheet name="Second" sheetId="2" state="hidden" rel:id="rId2"/></sheets></workbook>"#
    );
    let second =
        r#"<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>"#;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, content) in [
        ("[Content_Types].xml", "<Types/>"),
        ("_rels/.rels", RELS),
        ("xl/workbook.xml", workbook.as_str()),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
        ("xl/styles.xml", STYLES),
        ("xl/sharedStrings.xml", STRINGS),
        ("xl/worksheets/sheet1.xml", sheet),
        ("xl/worksheets/sheet2.xml", second),
    ] {
        let options = zip::write::SimpleFileOptions::default();
        zip.start_file(name, options).unwrap();
        zip.write_all(content.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn write(bytes: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("odd.xlsx");
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

#[test]
fn hand_made_packages_read_as_calamine_reads_them() {
    // Without prefixes, the cells take the reader's shortcut for `<v>…</v></c>`.
    let plain = ODD_SHEET.replace("x:", "");
    for (sheet, workbook_pr) in [
        (ODD_SHEET, ""),
        (ODD_SHEET, r#"<workbookPr date1904="1"/>"#),
        (plain.as_str(), ""),
    ] {
        let (_dir, path) = write(&package(sheet, workbook_pr));
        let cells = agree(&path);
        assert!(cells > 20, "{workbook_pr}: {cells} cells");
    }
}

/// Sheets that calamine refuses are refused here too (with the reason, never a panic).
#[test]
fn what_calamine_refuses_is_refused() {
    let sheet = |cells: &str| {
        format!("<worksheet><sheetData><row r=\"1\">{cells}</row></sheetData></worksheet>")
    };
    for bad in [
        sheet(r#"<c r="A1" t="b"><v>maybe</v></c>"#),
        sheet(r#"<c r="A1" t="e"><v>#WHAT?</v></c>"#),
        sheet(r#"<c r="A1" t="zz"><v>1</v></c>"#),
        sheet(r#"<c r="A1" t="n"><v>one</v></c>"#),
        sheet(r#"<c r="A1"><extLst/></c>"#),
        sheet(r#"<c r="A1" t="s"><v>17</v></c>"#),
        sheet(r#"<c r="1A"><v>1</v></c>"#),
        sheet(r#"<c r="A0"><v>1</v></c>"#),
        sheet(r#"<c r="A1" t="str"><v>&nbsp;</v></c>"#),
        "<worksheet><sheetData><row r=\"1\"><c r=\"A1\"><v>1</v></c>".to_string(),
        "<chartsheet><drawing/></chartsheet>".to_string(),
    ] {
        let (_dir, path) = write(&package(&bad, ""));
        let calamine = calamine_cells(&path, "Odd & Ends");
        let lean = lean_cells(&path, "Odd & Ends");
        assert!(calamine.is_err(), "{bad}: calamine read {calamine:?}");
        assert!(lean.is_err(), "{bad}: read {lean:?}");
    }
}

/// What the lean reader does not read, calamine opens (or explains).
#[test]
fn other_packages_are_left_to_calamine() {
    let utf16 = package(
        "<?xml version=\"1.0\" encoding=\"UTF-16\"?><worksheet><sheetData/></worksheet>",
        "",
    );
    let (_dir, path) = write(&utf16);
    let refusal = Package::open(&path).err().unwrap();
    assert!(refusal.contains("UTF-16"), "{refusal}");
    let (_dir, path) = write(b"PK\x03\x04 not really a zip");
    assert!(Package::open(&path).is_err());
    let empty = package("<worksheet><sheetData/></worksheet>", "");
    let (_dir, path) = write(&empty);
    assert_eq!(lean_cells(&path, "Odd & Ends").unwrap(), []);
    assert_eq!(calamine_cells(&path, "Odd & Ends").unwrap(), []);
}

/// Every cut of the odd sheet, and every byte of it replaced by one that matters to the
/// reader, reads to cells or to an error, never a panic; a sheet cut before `</sheetData>`
/// is always an error.
#[test]
fn damaged_sheets_are_errors_never_panics() {
    let read = |xml: &[u8]| -> Result<usize, String> {
        let formats = vec![CellFormat::Other; 3];
        let mut cells = CellReader::new(XmlReader::new(xml), formats, false)?;
        let mut count = 0;
        while cells.next_cell()?.is_some() {
            count += 1;
        }
        let mut strings = XmlReader::new(xml);
        let _ = SharedStrings::read(&mut strings);
        Ok(count)
    };
    let sheet = ODD_SHEET.as_bytes();
    let end = ODD_SHEET.find("</x:sheetData>").unwrap();
    for cut in 0..sheet.len() {
        let result = read(&sheet[..cut]);
        assert!(cut > end || result.is_err(), "cut at {cut}: {result:?}");
    }
    for at in 0..sheet.len() {
        for byte in [b'<', b'>', b'"', b'&', b'/', b'=', 0xFF] {
            let mut damaged = sheet.to_vec();
            damaged[at] = byte;
            let _ = read(&damaged);
        }
    }
}
