//! The BIFF records of a legacy `.xls` workbook stream, scanned the way calamine 0.38's
//! `xls.rs` reads them, to bound what calamine will hold before it reads a cell.
//!
//! calamine builds every sheet of the workbook at once, and takes sizes from the file on
//! trust: a sheet's DIMENSIONS record reserves room for rows × columns cells, the sheet's
//! range is as large as its first to its last cell (one cell at A1 and one at IV65536 are 16
//! million), a label reserves the length it declares, a shared string is copied into every
//! cell that uses it, a formula's text grows with the names it cites, and two sheets may point
//! at the same records. [`estimate`] adds all of these up, counting more than calamine can
//! take (every growth doubling, every string at three bytes a character), and refuses sheets
//! that overlap, so the scan itself reads each byte once. Invariant: calamine holds no more
//! than the estimate.

use std::mem::size_of;

use calamine::{Cell, Data};

/// A BIFF record with the CONTINUE records that follow it, as calamine's `RecordIter` yields.
struct Record<'a> {
    typ: u16,
    data: &'a [u8],
    cont: std::collections::VecDeque<&'a [u8]>,
}

impl Record<'_> {
    fn continue_record(&mut self) -> bool {
        match self.cont.pop_front() {
            Some(next) => {
                self.data = next;
                true
            }
            None => false,
        }
    }

    /// All its bytes, continues included.
    fn len(&self) -> u64 {
        (self.data.len() + self.cont.iter().map(|c| c.len()).sum::<usize>()) as u64
    }
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    let b = bytes.get(at..at + 2)?;
    Some(u16::from_le_bytes([b[0], b[1]]))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at + 4)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// calamine's `RecordIter`: `None` at the stream's end, `Some(None)` where it fails.
fn next_record<'a>(stream: &mut &'a [u8]) -> Option<Option<Record<'a>>> {
    if stream.is_empty() {
        return None;
    }
    let split = |s: &mut &'a [u8]| -> Option<&'a [u8]> {
        let len = u16_at(s, 2)? as usize;
        let data = s.get(4..4 + len)?;
        *s = &s[4 + len..];
        Some(data)
    };
    let typ = u16_at(stream, 0)?;
    let Some(data) = split(stream) else {
        return Some(None);
    };
    let mut cont = std::collections::VecDeque::new();
    while stream.len() > 4 && u16_at(stream, 0) == Some(0x003C) {
        match split(stream) {
            Some(next) => cont.push_back(next),
            None => return Some(None),
        }
    }
    Some(Some(Record { typ, data, cont }))
}

/// What the workbook's global records tell the sheets.
#[derive(Default)]
struct Globals {
    /// The length in characters of each shared string, in order.
    strings: Vec<u16>,
    /// Where each sheet's records start, in the order calamine reads them.
    sheets: Vec<usize>,
    /// The longest sheet or defined name, in characters: a formula may cite one per 5 bytes.
    longest_name: u64,
    /// What calamine holds for these records.
    cost: u64,
}

/// The bytes calamine holds at most once it has read `stream`, or why the stream is refused.
/// Where calamine would stop with an error, the estimate covers what it held until then.
pub(super) fn estimate(stream: &[u8]) -> Result<u64, String> {
    let globals = globals(stream);
    let mut cost = globals.cost + stream.len() as u64;
    let mut scanned = 0u64;
    let mut largest = 0u64;
    for &pos in &globals.sheets {
        let Some(records) = stream.get(pos..) else {
            break;
        };
        let sheet = sheet(records, &globals);
        scanned += sheet.scanned;
        if scanned > stream.len() as u64 {
            return Err("two of its sheets share their records".into());
        }
        cost = cost.saturating_add(sheet.cost());
        largest = largest.max(sheet.loaded());
        if sheet.failed {
            break;
        }
    }
    Ok(cost.saturating_add(largest))
}

/// The global records, up to their EOF.
fn globals(stream: &[u8]) -> Globals {
    let mut globals = Globals::default();
    let mut rest = stream;
    while let Some(Some(mut record)) = next_record(&mut rest) {
        // Every record's content once more, three bytes a character, and a node to hold it.
        globals.cost += 64 + 6 * record.len();
        match record.typ {
            0x000A => break,
            0x00FC => match shared_strings(&mut record) {
                Some(strings) => {
                    globals.cost += strings.iter().map(|&n| 48 + 6 * u64::from(n)).sum::<u64>();
                    globals.strings = strings;
                }
                None => break,
            },
            0x0085 => match u32_at(record.data, 0) {
                Some(pos) => {
                    globals.sheets.push(pos as usize);
                    let name = record.data.get(6).copied().unwrap_or(0);
                    globals.longest_name = globals.longest_name.max(u64::from(name));
                }
                None => break,
            },
            0x0018 => {
                let name = record.data.get(3).copied().unwrap_or(0);
                globals.longest_name = globals.longest_name.max(u64::from(name));
            }
            _ => {}
        }
    }
    globals
}

/// The character counts of an SST record's strings, as calamine's `parse_sst` reads them;
/// `None` where it fails (and drops what it read).
fn shared_strings(record: &mut Record<'_>) -> Option<Vec<u16>> {
    record.data = record.data.get(8..)?;
    let mut strings = Vec::new();
    while !record.data.is_empty() || record.continue_record() {
        if record.data.is_empty() {
            strings.push(0);
            continue;
        }
        let cch = u16_at(record.data, 0)?;
        let flags = *record.data.get(2)?;
        record.data = &record.data[3..];
        let mut runs = 0usize;
        if flags & 0x8 != 0 {
            runs = u16_at(record.data, 0)? as usize;
            record.data = record.data.get(2..)?;
        }
        let mut ext = 0usize;
        if flags & 0x4 != 0 {
            ext = u32_at(record.data, 0)? as i32 as usize;
            record.data = record.data.get(4..)?;
        }
        characters(record, cch as usize, flags & 0x1 != 0)?;
        skip(record, runs.checked_mul(4)?)?;
        skip(record, ext)?;
        strings.push(cch);
    }
    Some(strings)
}

/// calamine's `read_dbcs`, consuming `len` characters across CONTINUE records.
fn characters(record: &mut Record<'_>, mut len: usize, mut wide: bool) -> Option<()> {
    while len > 0 {
        let (chars, bytes) = if wide {
            let n = (record.data.len() / 2).min(len);
            (n, 2 * n)
        } else {
            let n = record.data.len().min(len);
            (n, n)
        };
        record.data = &record.data[bytes..];
        len -= chars;
        if len > 0 {
            if !record.continue_record() {
                return None;
            }
            wide = *record.data.first()? & 0x1 != 0;
            record.data = &record.data[1..];
        }
    }
    Some(())
}

/// calamine's `Record::skip`.
fn skip(record: &mut Record<'_>, mut len: usize) -> Option<()> {
    while len > 0 {
        if record.data.is_empty() && !record.continue_record() {
            return None;
        }
        let n = len.min(record.data.len());
        record.data = &record.data[n..];
        len -= n;
    }
    Some(())
}

/// The smallest rectangle holding some cells.
#[derive(Default)]
struct Bounds(Option<((u32, u32), (u32, u32))>);

impl Bounds {
    fn add(&mut self, (row, column): (u32, u32)) {
        self.0 = Some(match self.0 {
            None => ((row, column), (row, column)),
            Some(((r0, c0), (r1, c1))) => {
                ((r0.min(row), c0.min(column)), (r1.max(row), c1.max(column)))
            }
        });
    }

    fn area(&self) -> u64 {
        self.0.map_or(0, |((r0, c0), (r1, c1))| {
            u64::from(r1 - r0 + 1) * u64::from(c1 - c0 + 1)
        })
    }
}

/// What calamine holds for one sheet.
#[derive(Default)]
struct Sheet {
    /// Its bytes read, up to its EOF.
    scanned: u64,
    /// Whether calamine stops reading the workbook in it.
    failed: bool,
    /// Cells pushed, and cells reserved by DIMENSIONS records.
    cells: u64,
    reserved: u64,
    /// The bytes of the cells' text.
    text: u64,
    values: Bounds,
    formulas: u64,
    formula_text: u64,
    formula_cells: Bounds,
}

impl Sheet {
    /// The whole sheet as calamine keeps it: its cell list (doubled, for growth) beside the
    /// range built from it, and its formulas likewise.
    fn cost(&self) -> u64 {
        let cell = size_of::<Cell<Data>>() as u64;
        let formula = size_of::<Cell<String>>() as u64;
        // The list holds what DIMENSIONS reserved, or grows by doubling past it.
        let list = (self.cells.saturating_add(self.reserved))
            .max(2 * self.cells)
            .saturating_mul(cell);
        let formulas = 2 * self.formulas * formula + self.formula_text;
        let ranges = self.values.area() * size_of::<Data>() as u64
            + self.formula_cells.area() * size_of::<String>() as u64;
        list.saturating_add(self.text)
            .saturating_add(formulas)
            .saturating_add(ranges)
    }

    /// The sheet's range once more, as the reader copies it out of calamine and into its
    /// batch of cells.
    fn loaded(&self) -> u64 {
        self.values.area() * size_of::<Data>() as u64 + 2 * self.text + self.cells * 64
    }
}

/// A sheet's records from `stream` up to its EOF, as calamine's `parse_workbook` reads them.
fn sheet(mut stream: &[u8], globals: &Globals) -> Sheet {
    let start = stream.len();
    let mut sheet = Sheet::default();
    // A formula's text: five bytes may cite a name, and no other token writes more than 32.
    let per_byte = 32.max((3 * globals.longest_name + 32) / 5 + 1);
    let (mut bof, mut depth, mut formula_at) = (false, 0usize, (0u32, 0u32));
    loop {
        let record = match next_record(&mut stream) {
            None => break,
            Some(None) => {
                sheet.failed = true;
                break;
            }
            Some(Some(record)) => record,
        };
        let data = record.data;
        let at = || Some((u32::from(u16_at(data, 0)?), u32::from(u16_at(data, 2)?)));
        match (depth, record.typ) {
            (1.., 0x0809) => depth += 1,
            (1.., 0x000A) => depth -= 1,
            (1.., _) => {}
            (0, 0x0809) if bof => depth += 1,
            (0, 0x0809) => bof = true,
            (0, 0x000A) => break,
            (0, 0x0200) => match dimensions(data) {
                Some(cells) => sheet.reserved = sheet.reserved.saturating_add(cells),
                None => {
                    sheet.failed = true;
                    break;
                }
            },
            (0, 0x0203 | 0x0205 | 0x027E) => sheet.cell(at(), 0),
            (0, 0x0204 | 0x00D6) => {
                let declared = u64::from(u16_at(data, 6).unwrap_or(0));
                sheet.cell(at(), declared + 3 * data.len() as u64);
            }
            (0, 0x0207) => {
                let declared = u64::from(u16_at(data, 0).unwrap_or(0));
                sheet.cell(Some(formula_at), declared + 3 * data.len() as u64);
            }
            (0, 0x00FD) => {
                let string = u32_at(data, 6).and_then(|i| globals.strings.get(i as usize));
                if let Some(&cch) = string {
                    sheet.cell(at(), 3 * u64::from(cch));
                }
            }
            (0, 0x00BD) => sheet.multiple(data),
            (0, 0x00E5) => sheet.text += 4 * data.len() as u64,
            (0, 0x0006) if data.len() >= 20 => {
                if let Some(position) = at() {
                    formula_at = position;
                    sheet.cell(Some(position), 0);
                    sheet.formulas += 1;
                    sheet.formula_cells.add(position);
                    sheet.formula_text += 2 * (64 + per_byte * (data.len() as u64 - 20));
                }
            }
            _ => {}
        }
    }
    sheet.scanned = (start - stream.len()) as u64;
    sheet
}

impl Sheet {
    fn cell(&mut self, position: Option<(u32, u32)>, text: u64) {
        if let Some(position) = position {
            self.cells += 1;
            self.text += text;
            self.values.add(position);
        }
    }

    /// A MULRK record: one row, six bytes a cell from its first column.
    fn multiple(&mut self, data: &[u8]) {
        let (Some(row), Some(first)) = (u16_at(data, 0), u16_at(data, 2)) else {
            return;
        };
        let count = data.len().saturating_sub(6).div_ceil(6) as u32;
        if count > 0 {
            let (row, first) = (u32::from(row), u32::from(first));
            self.cells += u64::from(count);
            self.values.add((row, first));
            self.values.add((row, first + count - 1));
        }
    }
}

/// The cells calamine reserves for a DIMENSIONS record (its `parse_dimensions`, with the
/// arithmetic of a release build, which wraps), or `None` where it refuses the record.
fn dimensions(data: &[u8]) -> Option<u64> {
    let (first_row, last_row, mut first_column, last_column) = match data.len() {
        10 => (
            u32::from(u16_at(data, 0)?),
            u32::from(u16_at(data, 2)?),
            u32::from(u16_at(data, 4)?),
            u32::from(u16_at(data, 6)?),
        ),
        14 | 16 => (
            u32_at(data, 0)?,
            u32_at(data, 4)?,
            u32::from(u16_at(data, 8)?),
            u32::from(u16_at(data, 10)?),
        ),
        _ => return None,
    };
    if first_column > 0xFF || last_column < first_column {
        first_column = 0;
    }
    if last_row == 0 || last_column == 0 {
        return Some(1);
    }
    let rows = (last_row - 1).wrapping_sub(first_row).wrapping_add(1);
    let columns = (last_column - 1).wrapping_sub(first_column).wrapping_add(1);
    Some(u64::from(rows) * u64::from(columns))
}
