//! What calamine 0.38's ods reader builds from an ods's tables, counted from the tags and text
//! the [`super::Scanner`] meets in `content.xml`. calamine reads every table at once, and
//! expands what the file only declares: a cell with `table:number-columns-repeated` is cloned
//! that many times (up to 16,384, its text with it), the empty cells before a value are
//! stored, a row with `table:number-rows-repeated` is copied that many times into the table's
//! range (which spans its first to its last non-empty row, as wide as its widest), and
//! `<text:s text:c="n"/>` writes n spaces. A few hundred bytes of XML can ask for gigabytes.
//! Invariant: the count is at least what calamine and the reader hold for the tables.

/// calamine's widest row.
const COLUMNS: u64 = 16_384;

/// A cell as calamine holds it in a table's list and range: its value and its formula.
const CELL: u64 = (size_of::<calamine::Data>() + size_of::<String>()) as u64;

/// The count of one part's tables.
#[derive(Default)]
pub(super) struct Tables {
    /// All tables read so far, and the range of the largest (which the reader copies).
    total: u64,
    largest: u64,
    table: Table,
    row: Row,
    /// The cell being read: its repeats, whether it holds a value, and its text and attributes.
    cell: Option<(u64, bool, u64)>,
}

/// The table being read.
#[derive(Default)]
struct Table {
    /// Cells stored (empty ones before a value included) and their text, every row once.
    cells: u64,
    text: u64,
    /// Rows since the first non-empty one, repeats counted; up to the last non-empty one.
    rows: u64,
    span: u64,
    width: u64,
    /// The text of the non-empty rows, times their repeats.
    copied: u64,
}

/// The row being read.
#[derive(Default)]
struct Row {
    repeats: u64,
    stored: u64,
    /// Empty cells not stored yet: they are, if a value follows them in the row.
    pending: u64,
    text: u64,
}

impl Tables {
    pub(super) fn table_start(&mut self) {
        self.table = Table::default();
    }

    pub(super) fn row_start(&mut self, repeats: u64) {
        self.row = Row {
            repeats,
            ..Row::default()
        };
    }

    /// A cell's start tag, `tag` bytes long: its repeats and whether it holds a value.
    pub(super) fn cell_start(&mut self, repeats: u64, value: bool, tag: u64) {
        // A cell not closed before the next: counted as ended.
        self.cell_end();
        self.cell = Some((repeats, value, tag));
    }

    /// Text inside the current cell, or `n` spaces of a `<text:s>`.
    pub(super) fn cell_text(&mut self, n: u64) {
        if let Some((_, _, text)) = &mut self.cell {
            *text = text.saturating_add(n);
        }
    }

    pub(super) fn cell_end(&mut self) {
        let Some((repeats, value, text)) = self.cell.take() else {
            return;
        };
        let row = &mut self.row;
        let room = COLUMNS.saturating_sub(row.stored);
        if value {
            let pending = std::mem::take(&mut row.pending).min(room);
            let repeats = repeats.min(room - pending);
            row.stored += pending + repeats;
            row.text = row.text.saturating_add(repeats.saturating_mul(text));
        } else {
            row.pending = row.pending.saturating_add(repeats);
        }
    }

    pub(super) fn row_end(&mut self) {
        self.cell_end();
        let (row, table) = (std::mem::take(&mut self.row), &mut self.table);
        table.cells += row.stored;
        table.text = table.text.saturating_add(row.text);
        if table.rows > 0 || row.stored > 0 {
            table.rows = table.rows.saturating_add(row.repeats);
        }
        if row.stored > 0 {
            table.span = table.rows;
            table.width = table.width.max(row.stored);
            table.copied = table
                .copied
                .saturating_add(row.repeats.saturating_mul(row.text));
        }
    }

    pub(super) fn table_end(&mut self) {
        let table = std::mem::take(&mut self.table);
        let range = table
            .span
            .saturating_mul(table.width)
            .saturating_mul(CELL)
            .saturating_add(table.copied);
        let list = table.cells.saturating_mul(CELL).saturating_add(table.text);
        self.total = self.total.saturating_add(range).saturating_add(list);
        self.largest = self.largest.max(range);
    }

    /// The bytes counted so far, the largest table's range once more for the reader's copy.
    pub(super) fn bytes(&self) -> u64 {
        self.total.saturating_add(self.largest)
    }
}
