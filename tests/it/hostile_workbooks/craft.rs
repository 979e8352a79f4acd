//! Workbooks no spreadsheet program writes, built byte by byte: a zip container around raw XML
//! parts, each stored or deflated, with its checksum right or wrong; and deflate streams of a
//! long run of one byte written directly (one back-reference per 258 bytes), so that a
//! gigabyte inflates from a few megabytes that the test never has to compress.

use flate2::Crc;

/// One zip entry, its data already as stored in the archive.
pub struct Part {
    name: String,
    data: Vec<u8>,
    /// 0 stored, 8 deflated.
    method: u16,
    crc: u32,
    size: u32,
}

impl Part {
    /// `content` stored as it is.
    pub fn stored(name: &str, content: impl AsRef<[u8]>) -> Part {
        let content = content.as_ref();
        let mut crc = Crc::new();
        crc.update(content);
        Part {
            name: name.into(),
            data: content.to_vec(),
            method: 0,
            crc: crc.sum(),
            size: content.len() as u32,
        }
    }

    /// `prefix`, then `1 + 258 * runs` copies of `byte`, then `suffix`, deflated.
    pub fn run(name: &str, prefix: &str, byte: u8, runs: u64, suffix: &str) -> Part {
        let mut bits = Bits::default();
        let mut head = prefix.as_bytes().to_vec();
        head.push(byte);
        bits.stored_block(&head, false);
        // A fixed-Huffman block: length 258 (code 285, 8 bits) at distance 1 (code 0, 5 bits),
        // bit-reversed as deflate packs Huffman codes; then the end of the block (7 zero bits).
        bits.put(0b010, 3);
        for _ in 0..runs {
            bits.put(0xA3, 13);
        }
        bits.put(0, 7);
        bits.stored_block(suffix.as_bytes(), true);
        let count = 1 + 258 * runs;
        let mut crc = Crc::new();
        crc.update(prefix.as_bytes());
        crc.combine(&repeated(byte, count));
        let mut tail = Crc::new();
        tail.update(suffix.as_bytes());
        crc.combine(&tail);
        Part {
            name: name.into(),
            data: bits.out,
            method: 8,
            crc: crc.sum(),
            size: u32::try_from(prefix.len() as u64 + count + suffix.len() as u64).unwrap(),
        }
    }

    /// The same part with a checksum that does not match its content.
    pub fn with_wrong_crc(mut self) -> Part {
        self.crc ^= 0xDEAD_BEEF;
        self
    }
}

/// The checksum of `count` copies of `byte`, from checksums of powers of two.
fn repeated(byte: u8, count: u64) -> Crc {
    let mut power = Crc::new();
    power.update(&[byte]);
    let mut total = Crc::new();
    for bit in 0..40 {
        if count >> bit & 1 == 1 {
            total.combine(&power);
        }
        let mut double = Crc::new();
        double.combine(&power);
        double.combine(&power);
        power = double;
    }
    total
}

/// Deflate's bit order: values least significant bit first.
#[derive(Default)]
struct Bits {
    out: Vec<u8>,
    acc: u64,
    count: u32,
}

impl Bits {
    fn put(&mut self, value: u64, bits: u32) {
        self.acc |= value << self.count;
        self.count += bits;
        while self.count >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.count -= 8;
        }
    }

    fn stored_block(&mut self, bytes: &[u8], last: bool) {
        self.put(u64::from(last), 3);
        if self.count > 0 {
            self.put(0, 8 - self.count);
        }
        let len = bytes.len() as u16;
        self.out.extend(len.to_le_bytes());
        self.out.extend((!len).to_le_bytes());
        self.out.extend(bytes);
    }
}

/// A zip archive of `parts`.
pub fn zip(parts: &[Part]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut directory = Vec::new();
    for part in parts {
        let offset = out.len() as u32;
        // Version 2.0, no flags, the method, 1980-01-01 00:00, checksum, sizes, name length.
        let common = |header: &mut Vec<u8>| {
            for field in [20u16, 0, part.method, 0, 0x21] {
                header.extend(field.to_le_bytes());
            }
            for field in [part.crc, part.data.len() as u32, part.size] {
                header.extend(field.to_le_bytes());
            }
            header.extend((part.name.len() as u16).to_le_bytes());
            header.extend(0u16.to_le_bytes());
        };
        out.extend(0x0403_4b50u32.to_le_bytes());
        common(&mut out);
        out.extend(part.name.as_bytes());
        out.extend(&part.data);
        directory.extend(0x0201_4b50u32.to_le_bytes());
        directory.extend(20u16.to_le_bytes());
        common(&mut directory);
        // Comment length, disk, internal and external attributes, then the local offset.
        directory.extend([0u8; 10]);
        directory.extend(offset.to_le_bytes());
        directory.extend(part.name.as_bytes());
    }
    let (start, count) = (out.len() as u32, parts.len() as u16);
    out.extend(&directory);
    out.extend(0x0605_4b50u32.to_le_bytes());
    for field in [0u16, 0, count, count] {
        out.extend(field.to_le_bytes());
    }
    out.extend((directory.len() as u32).to_le_bytes());
    out.extend(start.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

/// A one-sheet xlsx ("Export") around `sheet` (its part, named `xl/worksheets/sheet1.xml`), with
/// a shared-string table when `strings` is given.
pub fn xlsx(sheet: Part, strings: Option<&str>) -> Vec<u8> {
    let mut parts = vec![
        Part::stored(
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        Part::stored(
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Export" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        Part::stored(
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
        sheet,
    ];
    if let Some(strings) = strings {
        parts.push(Part::stored("xl/sharedStrings.xml", strings));
    }
    zip(&parts)
}

/// The start of a sheet part, up to and in `<sheetData>`.
pub const SHEET_START: &str = r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#;
pub const SHEET_END: &str = "</sheetData></worksheet>";

/// A sheet of `rows` (the XML of its `<row>` elements).
pub fn sheet(rows: &str) -> Part {
    Part::stored(
        "xl/worksheets/sheet1.xml",
        format!("{SHEET_START}{rows}{SHEET_END}"),
    )
}

/// `<row r="N">` with one inline-text cell per `(column letter, text)`.
pub fn row(number: u32, cells: &[(&str, &str)]) -> String {
    let cells: String = cells
        .iter()
        .map(|(column, text)| {
            format!(r#"<c r="{column}{number}" t="inlineStr"><is><t>{text}</t></is></c>"#)
        })
        .collect();
    format!(r#"<row r="{number}">{cells}</row>"#)
}

/// The header row (`Acct`, `Company`) the tests' mapping reads.
pub fn header() -> String {
    row(1, &[("A", "Acct"), ("B", "Company")])
}
