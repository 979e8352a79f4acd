//! Which customer a row belongs to: its group key ([`key_of`]), and which of its cells repeat
//! the row above ([`same_cells`], [`Above`]) so that grouping can skip what it already holds.

use crate::mapping::Binding;
use crate::mapping::convert::{self, cell_text};
use crate::read::{Cell, Row};

/// The row above a customer row, and which of its cells the row repeats: worked out by
/// [`same_cells`] on the reading thread, so the grouping thread only tests bits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Above<'a> {
    pub row: &'a Row,
    /// From [`same_cells`].
    pub same: u64,
}

impl Above<'_> {
    /// Whether `row` holds exactly the cell the row above holds in `column`.
    pub(super) fn same(&self, row: &Row, column: usize) -> bool {
        match column {
            0..64 => self.same & (1 << column) != 0,
            _ => row.cells.get(column) == self.row.cells.get(column),
        }
    }
}

/// Bit `c` set: column `c` (of the first 64) holds the same cell in both rows. Columns past
/// the 64th are compared when asked.
pub(crate) fn same_cells(above: &Row, row: &Row) -> u64 {
    let mut same = 0;
    for (column, (a, b)) in above.cells.iter().zip(&row.cells).take(64).enumerate() {
        if a == b {
            same |= 1 << column;
        }
    }
    same
}

/// The group key of a row: each key column's text, joined by ` / `. Else why it has none: the
/// header of a blank key column, or a message.
pub(super) fn key_of(row: &Row, binding: &Binding) -> Result<String, String> {
    let mut key = String::new();
    for (i, column) in binding.key.iter().enumerate() {
        let cell = row.cells.get(column.index).unwrap_or(&Cell::Empty);
        if let Cell::Error(code) = cell {
            return Err(format!(
                "column \"{}\" holds the spreadsheet error {code}",
                column.header
            ));
        }
        if let Cell::Damaged(text) = cell {
            return Err(format!(
                "column \"{}\" value \"{text}\" is in a date cell but is no date: the file is damaged; type the key again",
                column.header
            ));
        }
        let Some(text) = cell_text(cell) else {
            return Err(column.header.clone());
        };
        if convert::shortened_number(&text) {
            // Two customers whose numbers Excel shortened alike would become one.
            return Err(format!(
                "column \"{}\" value \"{text}\" {}",
                column.header,
                convert::SHORTENED
            ));
        }
        if convert::not_finite(&text) {
            // `inf` and `1e400` would be one customer; neither is anyone's key.
            return Err(format!(
                "column \"{}\" value \"{text}\" is not a customer key: NaN and infinity are what a failed computation or export leaves behind; type the key again",
                column.header
            ));
        }
        if i > 0 {
            key.push_str(" / ");
        }
        key.push_str(&text);
    }
    Ok(key)
}
