//! Stage 1: reading. Opens a CSV or Excel file and yields its rows as typed cells, each with the
//! row number a person sees in a spreadsheet program.
//!
//! It owns decoding (encodings, BOMs, delimiters, workbook formats) and nothing about meaning:
//! which column is which field is the mapping's business. Invariants: entirely blank rows are
//! never yielded; a damaged row (a ragged CSV line) is yielded with its damage, not dropped; no
//! input makes it panic.
//!
//! Files: `csv.rs` (with `csv/head.rs`: delimiter detection and preview, `csv/records.rs`: line
//! numbers over csv-core), `excel.rs` (sheets and rows, with `excel/cells.rs`: the reading
//! thread and its channel, `excel/batch.rs`: cells into batches of whole rows, `excel/guard.rs`:
//! a zip workbook's parts checked before calamine inflates them), `workbook.rs` (format by
//! content and its errors), `cell.rs` (calamine values into [`Cell`]).

mod cell;
mod csv;
mod excel;
#[cfg(test)]
mod tests;
mod workbook;

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;

/// One cell, typed as the file stores it. CSV yields only `Empty` and `Text`.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    /// Text exactly as stored (not trimmed: conversion trims).
    Text(String),
    /// An Excel number (calamine gives every number as a float, even `1001`).
    Number(f64),
    Bool(bool),
    /// An Excel date or date-time cell.
    DateTime(NaiveDateTime),
    /// An Excel error cell, as Excel shows it: `#N/A`, `#REF!`, …
    Error(String),
    /// A date cell whose stored value is no date (`2024-13-45T99:99`, a serial out of range):
    /// the stored text, shown in messages but never taken as a value.
    Damaged(String),
}

impl Cell {
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            // A printable ASCII first byte is not space: no Unicode test needed.
            Cell::Text(s) => {
                !s.as_bytes().first().is_some_and(u8::is_ascii_graphic) && s.trim().is_empty()
            }
            _ => false,
        }
    }
}

/// Where rows come from, for messages and the report's `source` column: the file name as given,
/// plus the sheet for workbooks.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SourceName {
    pub file: PathBuf,
    pub sheet: Option<String>,
}

impl fmt::Display for SourceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.sheet {
            Some(sheet) => write!(f, "{}, sheet \"{sheet}\"", self.file.display()),
            None => write!(f, "{}", self.file.display()),
        }
    }
}

/// What a table's row stream yields.
pub type RowResult = Result<Row, ReadError>;

/// One non-blank data row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Row {
    /// 1-based row number as a spreadsheet program shows it (for CSV: the line number of the
    /// record's first line, counting the header's line and any lines above it).
    pub number: u64,
    /// One cell per header column: short rows are padded with `Empty`. After
    /// [`RowStream::narrow`], only as many as asked for.
    pub cells: Vec<Cell>,
    /// Set when a CSV record has a different number of fields than the header.
    pub ragged: Option<Ragged>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ragged {
    pub expected: usize,
    pub found: usize,
    /// The physical lines the record spans: more than one when a quoted cell holds line breaks,
    /// or when a quote that is never closed swallowed the lines after it.
    pub lines: u64,
}

impl Ragged {
    /// What is wrong with the record that starts on `line`, and where to look, for the report.
    pub fn message(&self, line: u64) -> String {
        let (found, expected) = (self.found, self.expected);
        // A quote never closed takes the lines after it into one cell: a short record.
        if self.lines > 1 && found < expected {
            let last = line + self.lines - 1;
            format!(
                "the record has {found} fields but the header has {expected}; it runs from line {line} to line {last}: a quote (\") in it is probably never closed, so the lines after it were read into one cell; fix the quotes"
            )
        } else {
            format!(
                "the line has {found} fields but the header has {expected}: a cell probably holds an unquoted delimiter or line break"
            )
        }
    }
}

/// How to read a file: the `[source]` part of a mapping (or of a `[department]`/`[contact]`
/// table that reads its own file or sheet).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadOptions {
    /// Workbook sheet; `None` = the first visible worksheet. Ignored for CSV.
    pub sheet: Option<String>,
    /// The mapping file's line that names `sheet`, for the message when it does not exist.
    pub sheet_line: Option<usize>,
    /// 1-based row holding the column names. `0` and `1` (the default) mean "the first
    /// non-blank row": blank rows at the top are skipped, as when a sheet's table starts at C5.
    /// From `2` on it is exactly that row, and a blank row there is [`ReadError::BlankHeader`].
    pub header_row: u64,
    /// CSV delimiter; `None` = detect among `,` `;` TAB `|`.
    pub delimiter: Option<u8>,
    /// CSV encoding label (WHATWG names such as `windows-1252`); `None` = UTF-8, BOM honoured.
    pub encoding: Option<&'static encoding_rs::Encoding>,
}

/// An opened table: its header and a stream of its data rows.
pub struct Table {
    pub source: SourceName,
    /// Header cells as text, trimmed, one per column (blank headers stay as "").
    pub headers: Vec<String>,
    /// The first rows of the file, as text, for "the header is on row N" hints when a mapped
    /// header is missing: at most [`PREVIEW_ROWS`] rows, from row 1.
    pub preview: Vec<Vec<String>>,
    /// The CSV delimiter in use, named or detected (for the errors file); `None` for workbooks.
    pub delimiter: Option<u8>,
    pub rows: Box<dyn RowStream>,
}

/// A table's data rows, in order, as an iterator or read into a row already allocated.
pub trait RowStream: Iterator<Item = RowResult> + Send {
    /// Reads the next row into `row`, reusing the allocations of its cells where the format
    /// allows (a million-row file would otherwise allocate and free a string per cell);
    /// `None` at the end.
    fn next_into(&mut self, row: &mut Row) -> Option<Result<(), ReadError>> {
        Some(self.next()?.map(|next| *row = next))
    }

    /// Only the first `width` columns are used: rows may end there, so that a stray cell far
    /// to the right of the data (at `XFD1`, say) does not make every row that wide. Formats
    /// whose rows cost nothing for their width ignore it.
    fn narrow(&mut self, _width: usize) {}
}

/// How many rows from the top of a file [`Table::preview`] keeps.
pub const PREVIEW_ROWS: usize = 30;

/// A file that cannot be read (at all, or from some point on). Always says what, where and how
/// to fix it.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{file}: cannot open: {cause}")]
    Open {
        file: PathBuf,
        cause: std::io::Error,
    },
    #[error("{file}, line {line}: not valid UTF-8")]
    NotUtf8 { file: PathBuf, line: u64 },
    #[error("{file}: looks like UTF-16 text without a byte-order mark (every other byte is zero)")]
    Utf16NoBom {
        file: PathBuf,
        encoding: &'static str,
    },
    #[error("{file}: unknown encoding \"{label}\"")]
    UnknownEncoding { file: PathBuf, label: String },
    #[error("{table}: the header row {row} is past the end of the data ({rows} rows)")]
    NoHeader {
        table: SourceName,
        row: u64,
        rows: u64,
    },
    #[error("{file}: sheet \"{sheet}\" does not exist; the sheets are: {}", sheets.join(", "))]
    NoSuchSheet {
        file: PathBuf,
        sheet: String,
        sheets: Vec<String>,
    },
    #[error("{table}: there is nothing in it: no rows, not even a header")]
    Empty { table: SourceName },
    #[error("{table}: the sheet is empty")]
    EmptySheet {
        table: SourceName,
        /// The workbook's other sheets.
        others: Vec<String>,
    },
    #[error("{table}, row {row}: the header row is blank")]
    BlankHeader { table: SourceName, row: u64 },
    #[error("{file}: the workbook is protected by a password")]
    Encrypted { file: PathBuf },
    #[error("{file}: not a readable spreadsheet: {cause}")]
    Format {
        file: PathBuf,
        cause: String,
        hint: &'static str,
    },
    #[error(
        "{table}, cell {}{row}: the file stores this cell after row {after}, which was already read; rows are read in the order the file stores them",
        column_letters(*column)
    )]
    OutOfOrder {
        table: SourceName,
        /// The cell's 1-based row.
        row: u64,
        /// The cell's 0-based column (0 is A).
        column: u32,
        /// The last row read when the cell came.
        after: u64,
    },
    #[error(
        "{file}, line {line}, {column}: the quote (\") that opens this cell {problem}; the file is refused, so that no record is misread and nothing is sent"
    )]
    Quote {
        file: PathBuf,
        /// The line where the quote opens.
        line: u64,
        /// `column "Notes"`, or `column 3` in the header row.
        column: String,
        /// What is wrong, with the lines it reaches.
        problem: String,
    },
    #[error("{file}, line {line}: {cause}")]
    Csv {
        file: PathBuf,
        line: u64,
        cause: String,
    },
}

impl ReadError {
    /// The message and, on a line of its own, its hint: as a run prints it.
    pub fn with_hint(&self) -> String {
        match self.hint() {
            Some(hint) => format!("{self}\nhint: {hint}"),
            None => self.to_string(),
        }
    }

    /// What to do about it, for the `hint:` line under the error.
    pub fn hint(&self) -> Option<String> {
        const ENCODING: &str = "under [source] in the mapping file (or under the [department] or [contact] table that reads this file)";
        let header_row = "set `header_row` under [source] to the row that holds the column names";
        Some(match self {
            ReadError::NotUtf8 { .. } => format!(
                "the file is in another encoding; if it came from Excel on Windows, add `encoding = \"windows-1252\"` (from Excel on a Mac: `encoding = \"macintosh\"`) {ENCODING}"
            ),
            ReadError::Utf16NoBom { encoding, .. } => {
                format!("add `encoding = \"{encoding}\"` {ENCODING}")
            }
            ReadError::UnknownEncoding { .. } => {
                "use a name such as \"utf-8\", \"windows-1252\", \"iso-8859-1\" or \"utf-16le\"".into()
            }
            ReadError::NoHeader { .. } | ReadError::BlankHeader { .. } => header_row.into(),
            ReadError::NoSuchSheet { .. } => "set `sheet` under [source] to one of them".into(),
            ReadError::Empty { .. } => "check that this is the right file (or sheet); if the file came from an export, export it again".into(),
            ReadError::EmptySheet { others, .. } => format!(
                "the data is probably on another sheet of the workbook ({}): name it with `sheet = \"…\"` under [source]",
                others.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(", ")
            ),
            ReadError::Encrypted { .. } => "open it in Excel, remove the password (File > Info > Protect Workbook), save, and try again".into(),
            ReadError::Format { hint, .. } => (*hint).into(),
            ReadError::OutOfOrder { .. } => "the program that wrote the file stored its rows out of order (Excel never does): open it in Excel, save it again, and run again".into(),
            ReadError::Quote { .. } => "a cell that starts with a quote must end with one, right before the delimiter or the line end, and a quote inside it is written twice (\"\"); close the quote, double it or remove it, and run again".into(),
            _ => return None,
        })
    }
}

/// A 0-based column as a spreadsheet names it: `A`, `Z`, `AA`, …, `XFD`.
fn column_letters(column: u32) -> String {
    let mut letters = Vec::new();
    let mut rest = u64::from(column) + 1;
    while rest > 0 {
        rest -= 1;
        // `rest % 26` is below 26.
        letters.push(b'A' + (rest % 26) as u8);
        rest /= 26;
    }
    letters.iter().rev().map(|&b| char::from(b)).collect()
}

/// Opens `path`, choosing CSV or a workbook format by the file's content (not only its
/// extension), positioned after the header row.
pub fn open(path: &Path, options: &ReadOptions) -> Result<Table, ReadError> {
    match sniff(path)? {
        Format::Workbook => excel::open(path, options),
        Format::Text => csv::open(path, options),
    }
}

/// The sheet names of a workbook, in order; `None` for a CSV file.
pub fn sheet_names(path: &Path) -> Result<Option<Vec<String>>, ReadError> {
    match sniff(path)? {
        Format::Workbook => excel::sheet_names(path).map(Some),
        Format::Text => Ok(None),
    }
}

enum Format {
    Workbook,
    Text,
}

/// Workbooks are zip archives (xlsx, xlsm, xlsb, ods) or OLE compound files (xls); anything
/// else is read as delimited text.
fn sniff(path: &Path) -> Result<Format, ReadError> {
    use std::io::Read;
    let open_error = |cause| ReadError::Open {
        file: path.to_path_buf(),
        cause,
    };
    let mut file = std::fs::File::open(path).map_err(open_error)?;
    let mut magic = [0u8; 8];
    let mut filled = 0;
    while filled < magic.len() {
        match file.read(&mut magic[filled..]).map_err(open_error)? {
            0 => break,
            n => filled += n,
        }
    }
    let magic = &magic[..filled];
    let zip = magic.starts_with(b"PK\x03\x04");
    let ole = magic.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    let workbook_extension = path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        ["xlsx", "xlsm", "xlsb", "xls", "ods", "xla", "xlam"]
            .iter()
            .any(|x| x.eq_ignore_ascii_case(e))
    });
    if zip || ole || workbook_extension {
        Ok(Format::Workbook)
    } else {
        Ok(Format::Text)
    }
}

/// What a row met while looking for the header is, under [`ReadOptions::header_row`].
#[derive(Debug, PartialEq, Eq)]
enum HeaderStep {
    /// Above the header (or a leading blank row when the header row is automatic): skip it.
    Skip,
    /// This row holds the column names.
    Header,
    /// The header row was asked for explicitly and is blank (or was skipped as a blank line).
    Blank,
}

fn header_step(header_row: u64, row: u64, blank: bool) -> HeaderStep {
    if header_row <= 1 {
        if blank {
            HeaderStep::Skip
        } else {
            HeaderStep::Header
        }
    } else if row < header_row {
        HeaderStep::Skip
    } else if row == header_row && !blank {
        HeaderStep::Header
    } else {
        HeaderStep::Blank
    }
}
