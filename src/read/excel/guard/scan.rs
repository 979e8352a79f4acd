//! A byte scan of one XML part, fed chunk by chunk, holding nothing but the few tags whose
//! attributes it checks. It is not an XML parser: it finds where each markup event (text, tag,
//! comment, CDATA, processing instruction, DOCTYPE) ends, exactly enough to measure the longest
//! one, which is what quick-xml would hold at once; and it checks what calamine reads from a
//! workbook's XML without checking:
//!
//! - `<c r>`, `<row r>`, `<dimension ref>`: within Excel's grid (calamine's reference parser
//!   overflows, and a reference past the grid makes rows billions of cells wide);
//! - the `<v>` of a `t="s"` cell: digits only (calamine reads any other index as string 0);
//! - `<sst uniqueCount>`: no more than the strings the table holds (calamine reserves room for
//!   that many before reading one);
//! - an ods table's `table:number-rows-repeated`: at most 1,048,576 rows in all (calamine cuts
//!   the repeats there, dropping the rows after them without a word);
//! - what an ods's tables expand to in calamine (repeated cells and rows, runs of spaces),
//!   counted by [`ods::Tables`]: at most [`super::MAX_SHEETS_MEMORY`].

mod ods;
mod tags;

use memchr::memchr;

/// Excel's grid: 1,048,576 rows, 16,384 columns (A to XFD).
const ROWS: u64 = 1_048_576;
const COLUMNS: u64 = 16_384;

/// The longest tag whose attributes are checked: Excel's `<c>` and `<row>` tags are under 200
/// bytes.
const MAX_TAG: usize = 4096;

/// Where the scan is within the markup.
#[derive(Clone, Copy, PartialEq)]
enum State {
    Text,
    /// Just after `<`.
    Open,
    /// An element's name (after `<` or `</`).
    Name,
    /// A tag's attributes, up to `>`.
    Tag,
    /// A quoted attribute value, up to this quote.
    Quote(u8),
    /// Just after `<!`.
    Bang,
    Comment,
    CData,
    /// `<?...?>`.
    Pi,
    /// `<!DOCTYPE ...>`, at this depth of `[`.
    Doctype(u32),
}

/// The tags whose attributes are checked.
#[derive(Clone, Copy, PartialEq)]
enum Watched {
    Cell,
    Row,
    Dimension,
    Table,
    TableRow,
    /// An ods `<table:table-cell>` or `<table:covered-table-cell>`.
    TableCell,
    /// An ods `<text:s>`: a run of spaces.
    Spaces,
    Sst,
}

pub(super) struct Scanner {
    max_event: usize,
    /// Whether the part is a worksheet, whose cells, rows and dimension are checked.
    sheet: bool,
    state: State,
    /// Bytes of the event being read; `ended` once the step that read its last byte is counted.
    event: usize,
    ended: bool,
    name: Vec<u8>,
    closing: bool,
    /// The current tag, when it is watched (from its name's end, at most [`MAX_TAG`] bytes).
    watched: Option<Watched>,
    tag: Vec<u8>,
    /// The last two bytes, for the end of a comment, CDATA section or processing instruction.
    last: [u8; 2],
    /// Inside a `<c t="s">` cell; inside its `<v>`, and the digits read there.
    shared_cell: bool,
    shared_value: Option<usize>,
    /// The last cell's reference, for messages.
    cell: Vec<u8>,
    /// `<si>` elements met, and the `uniqueCount` of `<sst>`.
    strings: u64,
    unique_count: Option<u64>,
    /// Rows of the current ods table, repeats counted.
    table_rows: u64,
    ods: ods::Tables,
}

impl Scanner {
    pub(super) fn new(max_event: usize, sheet: bool) -> Scanner {
        Scanner {
            max_event,
            sheet,
            state: State::Text,
            event: 0,
            ended: false,
            name: Vec::with_capacity(32),
            closing: false,
            watched: None,
            tag: Vec::with_capacity(256),
            last: [0; 2],
            shared_cell: false,
            shared_value: None,
            cell: Vec::new(),
            strings: 0,
            unique_count: None,
            table_rows: 0,
            ods: ods::Tables::default(),
        }
    }

    /// Scans the next bytes of the part.
    pub(super) fn feed(&mut self, mut bytes: &[u8]) -> Result<(), String> {
        while !bytes.is_empty() {
            let was = self.state;
            let used = self.step(bytes)?;
            self.grow(used, was)?;
            if std::mem::take(&mut self.ended) {
                self.event = 0;
            }
            if used >= 2 {
                self.last = [bytes[used - 2], bytes[used - 1]];
            } else if used == 1 {
                self.last = [self.last[1], bytes[0]];
            }
            bytes = &bytes[used..];
        }
        Ok(())
    }

    /// After the last bytes: checks what needs the whole part.
    pub(super) fn finish(mut self) -> Result<(), String> {
        self.ods.table_end();
        self.tables_fit()?;
        match self.unique_count {
            Some(count) if count > self.strings => Err(format!(
                "the shared-string table says it holds {count} strings, but holds {}",
                self.strings
            )),
            _ => Ok(()),
        }
    }

    /// Counts `bytes` of the event being read, which were read in state `was`.
    fn grow(&mut self, bytes: usize, was: State) -> Result<(), String> {
        self.event += bytes;
        if self.event > self.max_event {
            let what = match was {
                State::Text => "text (a cell, or space between elements)",
                State::Comment => "a comment",
                State::CData => "a CDATA section",
                _ => "a tag",
            };
            return Err(format!(
                "{what} of more than {} bytes, past the {} KiB limit",
                self.max_event,
                self.max_event >> 10
            ));
        }
        Ok(())
    }

    /// Within a tag's name: up to its end, which checks the name.
    fn name_step(&mut self, bytes: &[u8]) -> Result<usize, String> {
        let end = bytes
            .iter()
            .position(|&b| b.is_ascii_whitespace() || b == b'/' || b == b'>');
        let name = &bytes[..end.unwrap_or(bytes.len())];
        if self.name.len() < 64 {
            self.name.extend_from_slice(&name[..name.len().min(64)]);
        }
        if end.is_some() {
            self.named()?;
        }
        Ok(name.len())
    }

    /// Scans from the start of `bytes` within the current state; returns how many it used.
    fn step(&mut self, bytes: &[u8]) -> Result<usize, String> {
        Ok(match self.state {
            State::Text => match memchr(b'<', bytes) {
                Some(at) => {
                    self.text(&bytes[..at])?;
                    self.shared_value = None;
                    self.ended = true;
                    self.state = State::Open;
                    at + 1
                }
                None => {
                    self.text(bytes)?;
                    bytes.len()
                }
            },
            State::Open => {
                self.name.clear();
                self.closing = false;
                match bytes[0] {
                    b'!' => self.state = State::Bang,
                    b'?' => self.state = State::Pi,
                    b'/' => {
                        self.closing = true;
                        self.state = State::Name;
                    }
                    _ => {
                        self.state = State::Name;
                        return Ok(0);
                    }
                }
                1
            }
            State::Name => self.name_step(bytes)?,
            State::Tag => self.tag_step(bytes)?,
            State::Quote(quote) => {
                let end = memchr(quote, bytes).map_or(bytes.len(), |at| at + 1);
                self.keep(&bytes[..end])?;
                if bytes[..end].last() == Some(&quote) {
                    self.state = State::Tag;
                }
                end
            }
            State::Bang => {
                self.state = match bytes[0] {
                    b'-' => State::Comment,
                    b'[' => State::CData,
                    _ => State::Doctype(0),
                };
                1
            }
            State::Comment => self.until_end(bytes, b"--"),
            State::CData => self.until_end(bytes, b"]]"),
            State::Pi => self.until_end(bytes, b"?"),
            State::Doctype(depth) => {
                self.state = match (bytes[0], depth) {
                    (b'[', _) => State::Doctype(depth + 1),
                    (b']', _) => State::Doctype(depth.saturating_sub(1)),
                    (b'>', 0) => {
                        self.ended = true;
                        State::Text
                    }
                    _ => State::Doctype(depth),
                };
                1
            }
        })
    }

    /// Bytes up to the `>` that follows `before` (what ends a comment, CDATA section or
    /// processing instruction), ending the event there.
    fn until_end(&mut self, bytes: &[u8], before: &[u8]) -> usize {
        let mut last = self.last;
        for (at, &b) in bytes.iter().enumerate() {
            if b == b'>' && last.ends_with(before) {
                self.ended = true;
                self.state = State::Text;
                return at + 1;
            }
            last = [last[1], b];
        }
        bytes.len()
    }

    /// A text segment: in a shared-string cell's `<v>`, digits only.
    fn text(&mut self, text: &[u8]) -> Result<(), String> {
        self.ods.cell_text(text.len() as u64);
        let Some(digits) = &mut self.shared_value else {
            return Ok(());
        };
        *digits += text.len();
        if text.iter().all(u8::is_ascii_digit) && *digits <= 10 {
            Ok(())
        } else {
            let cell = String::from_utf8_lossy(&self.cell).into_owned();
            Err(format!(
                "cell {cell} refers to a shared string by something that is not an index (a whole number)"
            ))
        }
    }

    /// The element's name has ended: whether its tag is watched, and end tags' effects.
    fn named(&mut self) -> Result<(), String> {
        self.state = State::Tag;
        self.tag.clear();
        let local = match self.name.iter().rposition(|&b| b == b':') {
            Some(colon) => &self.name[colon + 1..],
            None => &self.name[..],
        };
        if self.closing {
            if local == b"c" {
                self.shared_cell = false;
            }
            self.watched = None;
            match &self.name[..] {
                b"table:table-cell" | b"table:covered-table-cell" => self.ods.cell_end(),
                b"table:table-row" => self.ods.row_end(),
                b"table:table" => {
                    self.ods.table_end();
                    self.tables_fit()?;
                }
                _ => {}
            }
            return Ok(());
        }
        // A paragraph, tab or line break in an ods cell adds a character.
        self.ods.cell_text(1);
        if local == b"si" {
            self.strings += 1;
        }
        if local == b"v" && self.shared_cell && self.sheet {
            // The value starts once the tag ends (unless it is `<v/>`).
            self.shared_value = Some(0);
        }
        self.watched = match (&self.name[..], local) {
            (b"table:table", _) => Some(Watched::Table),
            (b"table:table-row", _) => Some(Watched::TableRow),
            (b"table:table-cell" | b"table:covered-table-cell", _) => Some(Watched::TableCell),
            (b"text:s", _) => Some(Watched::Spaces),
            (_, b"sst") => Some(Watched::Sst),
            (_, b"c") if self.sheet => Some(Watched::Cell),
            (_, b"row") if self.sheet => Some(Watched::Row),
            (_, b"dimension") if self.sheet => Some(Watched::Dimension),
            _ => None,
        };
        Ok(())
    }

    /// Keeps the bytes of a watched tag.
    fn keep(&mut self, bytes: &[u8]) -> Result<(), String> {
        // A cell's attributes (a formula, a string value) are kept whole: calamine copies them.
        let max = match self.watched {
            None => return Ok(()),
            Some(Watched::TableCell) => self.max_event,
            Some(_) => MAX_TAG,
        };
        if self.tag.len() + bytes.len() > max {
            return Err(format!(
                "a <{}> tag of more than {MAX_TAG} bytes",
                self.name_text()
            ));
        }
        self.tag.extend_from_slice(bytes);
        Ok(())
    }

    fn name_text(&self) -> String {
        String::from_utf8_lossy(&self.name).into_owned()
    }

    /// A tag has ended (at its `>`; `empty`: at `/>`): checks a watched one's attributes.
    fn tag_end(&mut self, empty: bool) -> Result<(), String> {
        if self.shared_value.is_some() && empty {
            self.shared_value = None;
        }
        let Some(watched) = self.watched.take() else {
            return Ok(());
        };
        let tag = std::mem::take(&mut self.tag);
        let result = self.check(watched, &tag, empty);
        self.tag = tag;
        result
    }
}

#[cfg(test)]
mod tests;
