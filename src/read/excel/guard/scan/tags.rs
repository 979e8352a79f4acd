//! What the tags the [`Scanner`] watches say: a cell's or row's reference and a dimension
//! within Excel's grid, a shared-string table's count, an ods table's rows, cells and runs of
//! spaces (handed to [`super::ods::Tables`]). Attribute values are read raw, as calamine reads
//! them: the name compared exactly, the value not unescaped.

use memchr::{memchr, memchr_iter, memchr3};

use super::super::MAX_SHEETS_MEMORY;
use super::{COLUMNS, ROWS, Scanner, State, Watched};

impl Scanner {
    /// Whether what an ods's tables expand to in calamine fits [`MAX_SHEETS_MEMORY`].
    pub(super) fn tables_fit(&self) -> Result<(), String> {
        if self.ods.bytes() > MAX_SHEETS_MEMORY {
            return Err(format!(
                "its tables, repeated cells and rows expanded, would take more than {} MiB of memory",
                MAX_SHEETS_MEMORY >> 20
            ));
        }
        Ok(())
    }

    /// A watched tag has ended (`empty`: at `/>`): checks its attributes `tag`.
    pub(super) fn check(
        &mut self,
        watched: Watched,
        tag: &[u8],
        empty: bool,
    ) -> Result<(), String> {
        match watched {
            Watched::Cell => {
                self.cell.clear();
                if let Some(r) = attribute(tag, b"r") {
                    reference(r, true)?;
                    self.cell.extend_from_slice(r);
                }
                self.shared_cell = !empty && attribute(tag, b"t") == Some(b"s".as_slice());
            }
            Watched::Row => {
                if let Some(r) = attribute(tag, b"r") {
                    reference(r, false)?;
                }
            }
            Watched::Dimension => {
                if let Some(range) = attribute(tag, b"ref") {
                    dimension(range)?;
                }
            }
            Watched::Sst => {
                let count = attribute(tag, b"uniqueCount").and_then(number);
                self.unique_count = count;
            }
            Watched::Table => {
                self.table_rows = 0;
                self.ods.table_start();
            }
            Watched::TableCell => {
                let repeats = attribute(tag, b"table:number-columns-repeated").and_then(number);
                let value = [
                    b"office:value".as_slice(),
                    b"office:string-value",
                    b"office:date-value",
                    b"office:time-value",
                    b"office:boolean-value",
                    b"table:formula",
                ]
                .iter()
                .any(|name| attribute(tag, name).is_some())
                    || attribute(tag, b"office:value-type") == Some(b"string".as_slice());
                self.ods
                    .cell_start(repeats.unwrap_or(1), value, tag.len() as u64);
                if empty {
                    self.ods.cell_end();
                }
            }
            Watched::Spaces => {
                let spaces = attribute(tag, b"text:c").map_or(Some(1), number);
                self.ods.cell_text(spaces.unwrap_or(1));
            }
            Watched::TableRow => {
                let repeats = attribute(tag, b"table:number-rows-repeated").map_or(Some(1), number);
                // A repeat that is not a number: calamine refuses it itself.
                self.table_rows = self.table_rows.saturating_add(repeats.unwrap_or(1));
                self.ods.row_start(repeats.unwrap_or(1));
                if self.table_rows > ROWS {
                    return Err(format!(
                        "a table's rows, repeats counted, run past row {ROWS}, the last one a sheet has"
                    ));
                }
            }
        }
        Ok(())
    }
}

/// The raw value of attribute `name` in a tag's bytes after its name (as calamine reads it:
/// the name compared exactly, the value not unescaped).
pub(super) fn attribute<'a>(tag: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let mut rest = tag;
    loop {
        let start = rest.iter().position(|b| !b.is_ascii_whitespace())?;
        rest = &rest[start..];
        let equals = memchr(b'=', rest)?;
        let key = rest[..equals].trim_ascii();
        let after = rest[equals + 1..].trim_ascii_start();
        let quote = *after.first()?;
        if quote != b'"' && quote != b'\'' {
            return None;
        }
        let end = memchr(quote, &after[1..])?;
        if key == name {
            return Some(&after[1..=end]);
        }
        rest = &after[end + 2..];
    }
}

fn number(text: &[u8]) -> Option<u64> {
    if text.is_empty() || text.len() > 19 || !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(text).ok()?.parse().ok()
}

/// A cell (`B7`) or row (`7`, with `column` false: letters allowed, as calamine allows them)
/// reference within Excel's grid, as a 1-based (row, column).
fn reference(text: &[u8], column: bool) -> Result<(u64, u64), String> {
    let letters = text.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let (name, digits) = text.split_at(letters);
    let mut col = 0u64;
    for &b in name.iter().take(4) {
        col = col * 26 + u64::from(b.to_ascii_uppercase() - b'A') + 1;
    }
    let row = number(digits).unwrap_or(0);
    if (1..=ROWS).contains(&row) && letters <= 3 && col <= COLUMNS && (letters > 0 || !column) {
        Ok((row, col))
    } else {
        Err(format!(
            "the reference \"{}\" is not a cell of Excel's grid (A1 to XFD1048576)",
            String::from_utf8_lossy(&text[..text.len().min(40)])
        ))
    }
}

/// A `<dimension ref>`: one reference, or two with the second not above or left of the first.
fn dimension(range: &[u8]) -> Result<(), String> {
    let mut parts = range.split(|&b| b == b':');
    let first = reference(parts.next().unwrap_or_default(), true)?;
    if let Some(second) = parts.next() {
        let second = reference(second, true)?;
        if second.0 < first.0 || second.1 < first.1 || parts.next().is_some() {
            return Err(format!(
                "the sheet's dimension \"{}\" is not a range",
                String::from_utf8_lossy(&range[..range.len().min(40)])
            ));
        }
    }
    Ok(())
}

impl Scanner {
    /// Within a tag, past its name: up to its end or the next quoted value.
    pub(super) fn tag_step(&mut self, bytes: &[u8]) -> Result<usize, String> {
        // The usual tag ends in these bytes with every quote before its `>` closed (an even
        // number of `"`, no `'`): taken whole, as the steps below would take it piece by piece.
        if let Some(gt) = memchr(b'>', bytes) {
            let head = &bytes[..gt];
            if memchr(b'\'', head).is_none() && memchr_iter(b'"', head).count().is_multiple_of(2) {
                self.keep(head)?;
                let before = match gt {
                    0 => self.last[1],
                    _ => bytes[gt - 1],
                };
                self.tag_end(before == b'/')?;
                self.ended = true;
                self.state = State::Text;
                return Ok(gt + 1);
            }
        }
        let end = memchr3(b'>', b'"', b'\'', bytes).unwrap_or(bytes.len());
        self.keep(&bytes[..end])?;
        Ok(match bytes.get(end) {
            Some(&b'>') => {
                let before = match end {
                    0 => self.last[1],
                    _ => bytes[end - 1],
                };
                self.tag_end(before == b'/')?;
                self.ended = true;
                self.state = State::Text;
                end + 1
            }
            Some(&quote) => {
                self.keep(&[quote])?;
                self.state = State::Quote(quote);
                end + 1
            }
            None => end,
        })
    }
}
