//! A worksheet part's cells, one by one in document order, with the values calamine's
//! `XlsxCellReader::next_cell` gives for them: the same positions (from `r`, or counted within
//! rows without it), types (`t`), date formats (by style) and errors for what it refuses.
//!
//! It owns the sheet XML only. Shared strings stay indexes here: they are looked up by the
//! thread that copies the cells into batches, so that this one never waits for the table.
//! Invariant: empty cells are not yielded; a sheet that ends before `</sheetData>` is an error.

use std::io::Read;

use calamine::{CellErrorType, Data};

use super::formats::{self, CellFormat};
use super::strings::read_string;
use super::text::{push_normalized, push_reference, push_unescaped};
use super::xml::{Event, Tag, XmlError, XmlReader, local_name, text};

/// A cell's value as the sheet stores it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Raw {
    /// An index into the shared strings.
    Shared(usize),
    /// Text stored in the cell (an inline or formula string, or a number that is not one).
    Text(String),
    /// Any other value (never `Data::Empty` or `Data::String`).
    Data(Data),
}

/// A non-empty cell at its 0-based (row, column).
pub(crate) type RawCell = ((u32, u32), Raw);

/// The `t` attribute of a cell.
#[derive(Clone, PartialEq)]
enum Kind {
    /// No `t`: a number, or text when it does not parse as one.
    Untyped,
    Number,
    Shared,
    Bool,
    Error,
    Formula,
    Date,
    Inline,
    Unknown(String),
}

impl Kind {
    fn of(t: Option<&[u8]>) -> Kind {
        match t {
            None => Kind::Untyped,
            Some(b"n") => Kind::Number,
            Some(b"s") => Kind::Shared,
            Some(b"b") => Kind::Bool,
            Some(b"e") => Kind::Error,
            Some(b"str") => Kind::Formula,
            Some(b"d") => Kind::Date,
            Some(b"inlineStr" | b"is") => Kind::Inline,
            Some(other) => Kind::Unknown(String::from_utf8_lossy(other).into_owned()),
        }
    }
}

/// The cells of one worksheet part.
pub(crate) struct CellReader<R> {
    xml: XmlReader<R>,
    /// Each cell style's number format (`cellXfs`), by style index.
    formats: Vec<CellFormat>,
    is_1904: bool,
    /// Where a cell without `r` goes.
    row: u32,
    column: u32,
    /// The name of the element being read, for its end tag.
    name: Vec<u8>,
    text: String,
    scratch: String,
    /// Past `</sheetData>` (or an empty `<sheetData/>`).
    finished: bool,
}

impl<R: Read> CellReader<R> {
    /// Reads up to `<sheetData>`.
    pub(crate) fn new(
        mut xml: XmlReader<R>,
        formats: Vec<CellFormat>,
        is_1904: bool,
    ) -> Result<CellReader<R>, XmlError> {
        let mut first = None;
        let finished;
        loop {
            match xml.next()? {
                Event::Start(tag) if tag.local_name() == b"sheetData" => {
                    finished = tag.empty;
                    break;
                }
                Event::Start(tag) => {
                    first.get_or_insert_with(|| String::from_utf8_lossy(tag.name).into_owned());
                }
                Event::Eof => {
                    return Err(match first {
                        Some(root) => format!("the sheet is a <{root}>, not a worksheet"),
                        None => "the sheet part is empty".into(),
                    });
                }
                _ => {}
            }
        }
        Ok(CellReader {
            xml,
            formats,
            is_1904,
            row: 0,
            column: 0,
            name: Vec::new(),
            text: String::new(),
            scratch: String::new(),
            finished,
        })
    }

    /// The next non-empty cell; `None` after `</sheetData>`.
    pub(crate) fn next_cell(&mut self) -> Result<Option<RawCell>, XmlError> {
        while !self.finished {
            let (position, kind, format, empty, plain) = match self.xml.next()? {
                Event::Start(tag) if tag.local_name() == b"row" => {
                    if let Some(r) = tag.attribute(b"r")? {
                        self.row = reference(r.as_bytes())?.0;
                    }
                    if tag.empty {
                        self.next_row();
                    }
                    continue;
                }
                Event::End(end) if local_name(end) == b"row" => {
                    self.next_row();
                    continue;
                }
                Event::Start(tag) if tag.local_name() == b"c" => {
                    // As calamine's `get_attrs!`: the last of each, until three are found.
                    let (mut r, mut s, mut t, mut found) = (None, None, None, 0);
                    // Values as bytes: they are parsed as ASCII below, and `t` compared.
                    for attribute in tag.attributes() {
                        match attribute? {
                            (b"r", value) => r = Some(value),
                            (b"s", value) => s = Some(value),
                            (b"t", value) => t = Some(value),
                            _ => continue,
                        }
                        found += 1;
                        if found == 3 {
                            break;
                        }
                    }
                    let position = match r {
                        Some(r) => match reference(r)? {
                            (row, Some(column)) => {
                                self.column = column;
                                (row, column)
                            }
                            (_, None) => {
                                let r = String::from_utf8_lossy(r);
                                return Err(format!("cell reference `{r}` has no column"));
                            }
                        },
                        None => (self.row, self.column),
                    };
                    let format = match s {
                        Some(s) => self.formats.get(digits(s).unwrap_or(0)).copied(),
                        None => Some(CellFormat::Other),
                    };
                    let plain = tag.name == b"c";
                    (position, Kind::of(t), format, tag.empty, plain)
                }
                Event::End(end) if local_name(end) == b"sheetData" => {
                    self.finished = true;
                    continue;
                }
                Event::Eof => return Err("the sheet ends before </sheetData>".into()),
                _ => continue,
            };
            let value = if empty {
                None
            } else if let Some(v) = plain
                .then(|| self.xml.simple_element(b"<v>", b"</v></c>"))
                .flatten()
            {
                // What the event by event reading below makes of `<v>v</v></c>`.
                match kind {
                    Kind::Inline => None,
                    Kind::Formula | Kind::Date | Kind::Unknown(_) => {
                        self.text.clear();
                        push_normalized(text(v)?, &mut self.text);
                        typed(self.text.as_bytes(), &kind, format, self.is_1904)?
                    }
                    _ => typed(v, &kind, format, self.is_1904)?,
                }
            } else {
                self.cell_body(&kind, format)?
            };
            self.column = self.column.wrapping_add(1);
            if let Some(value) = value {
                return Ok(Some((position, value)));
            }
        }
        Ok(None)
    }

    fn next_row(&mut self) {
        self.row = self.row.wrapping_add(1);
        self.column = 0;
    }

    /// A cell's children up to `</c>`: each `<v>`, `<is>` or `<f>` sets the value, as in
    /// calamine (so a formula after the value leaves the cell empty).
    fn cell_body(
        &mut self,
        kind: &Kind,
        format: Option<CellFormat>,
    ) -> Result<Option<Raw>, XmlError> {
        let mut value = None;
        loop {
            let (child, empty) = match self.xml.next()? {
                Event::Start(tag) => (child_of(&tag)?, tag_name(&tag, &mut self.name)),
                Event::End(end) if local_name(end) == b"c" => return Ok(value),
                Event::Eof => return Err("the sheet ends inside a cell".into()),
                _ => continue,
            };
            value = match child {
                Child::Inline => {
                    self.text.clear();
                    if !empty {
                        read_string(&mut self.xml, &self.name, &mut self.text, &mut self.scratch)?;
                    }
                    Some(Raw::Text(self.text.clone()))
                }
                Child::Formula => {
                    if !empty {
                        self.xml.skip_to_end(&self.name)?;
                    }
                    None
                }
                Child::Value => self.value(kind, format, empty)?,
            };
        }
    }

    /// A `<v>` (whose start tag was just read) under the cell's type.
    fn value(
        &mut self,
        kind: &Kind,
        format: Option<CellFormat>,
        empty: bool,
    ) -> Result<Option<Raw>, XmlError> {
        if *kind == Kind::Inline {
            // The value of an inline string is its <is>; a <v> beside it is redundant.
            if !empty {
                self.xml.skip_to_end(&self.name)?;
            }
            return Ok(None);
        }
        if matches!(
            kind,
            Kind::Untyped | Kind::Number | Kind::Shared | Kind::Bool | Kind::Error
        ) {
            // As calamine: these are plain ASCII, read from the first text only.
            if empty {
                return Ok(None);
            }
            let value = match self.xml.next()? {
                Event::Text(bytes) => typed(bytes, kind, format, self.is_1904)?,
                Event::End(end) if end == self.name.as_slice() => return Ok(None),
                Event::Eof => return Err("the sheet ends inside a <v>".into()),
                _ => None,
            };
            self.xml.skip_to_end(&self.name)?;
            return Ok(value);
        }
        self.text.clear();
        if !empty {
            loop {
                match self.xml.next()? {
                    Event::Text(bytes) => push_normalized(text(bytes)?, &mut self.text),
                    Event::Ref(name) => push_reference(name, &mut self.text)?,
                    Event::End(end) if end == self.name.as_slice() => break,
                    Event::Eof => return Err("the sheet ends inside a <v>".into()),
                    _ => {}
                }
            }
        }
        typed(self.text.as_bytes(), kind, format, self.is_1904)
    }
}

/// The elements a cell may hold.
enum Child {
    Value,
    Inline,
    Formula,
}

fn child_of(tag: &Tag<'_>) -> Result<Child, XmlError> {
    match tag.local_name() {
        b"v" => Ok(Child::Value),
        b"is" => Ok(Child::Inline),
        b"f" => Ok(Child::Formula),
        other => Err(format!(
            "a cell holds <{}> where <v>, <f> or <is> belongs",
            String::from_utf8_lossy(other)
        )),
    }
}

/// Copies the tag's name into `name`; returns whether the element is empty.
fn tag_name(tag: &Tag<'_>, name: &mut Vec<u8>) -> bool {
    name.clear();
    name.extend_from_slice(tag.name);
    tag.empty
}

/// A value's text under its cell's type, as calamine's `read_v`.
fn typed(
    v: &[u8],
    kind: &Kind,
    format: Option<CellFormat>,
    is_1904: bool,
) -> Result<Option<Raw>, XmlError> {
    Ok(Some(match kind {
        Kind::Shared if v.is_empty() => return Ok(None),
        Kind::Shared => Raw::Shared(digits(v).unwrap_or(0)),
        Kind::Untyped | Kind::Number if v.is_empty() => return Ok(None),
        Kind::Untyped | Kind::Number => match fast_float2::parse::<f64, _>(v) {
            Ok(number) => Raw::Data(formats::number(number, format, is_1904)),
            Err(_) if *kind == Kind::Untyped => Raw::Text(text(v)?.to_string()),
            Err(_) => return Err(format!("`{}` is not a number", String::from_utf8_lossy(v))),
        },
        Kind::Bool => {
            let value = text(v)?.trim();
            if value.is_empty() {
                return Ok(None);
            } else if value == "0" || value.eq_ignore_ascii_case("false") {
                Raw::Data(Data::Bool(false))
            } else if value == "1" || value.eq_ignore_ascii_case("true") {
                Raw::Data(Data::Bool(true))
            } else {
                return Err(format!("`{value}` is not a boolean cell value"));
            }
        }
        Kind::Date => Raw::Data(Data::DateTimeIso(text(v)?.to_string())),
        Kind::Error => match text(v)?.parse::<CellErrorType>() {
            Ok(error) => Raw::Data(Data::Error(error)),
            Err(e) => return Err(e.to_string()),
        },
        Kind::Formula => {
            let v = text(v)?;
            let mut unescaped = String::with_capacity(v.len());
            push_unescaped(v, &mut unescaped);
            Raw::Text(unescaped)
        }
        Kind::Inline => return Ok(None),
        Kind::Unknown(t) => return Err(format!("a cell of unknown type t=\"{t}\"")),
    }))
}

/// A decimal number of digits only (leading zeros allowed), as calamine's index parse.
fn digits(text: &[u8]) -> Option<usize> {
    if text.is_empty() {
        return None;
    }
    let mut n = 0usize;
    for &b in text {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(usize::from(b - b'0'))?;
    }
    Some(n)
}

/// A cell or row reference (`B7`, `7`) as a 0-based row and, when it has one, column.
fn reference(text: &[u8]) -> Result<(u32, Option<u32>), XmlError> {
    // Up to 7 letters and 10 digits cannot overflow a u64; Excel's largest is XFD1048576.
    let mut at = 0;
    let mut column = 0u64;
    while at < text.len() && at < 8 && text[at].is_ascii_alphabetic() {
        column = column * 26 + u64::from(text[at].to_ascii_uppercase() - b'A') + 1;
        at += 1;
    }
    let letters = at;
    let mut row = 0u64;
    while at < text.len() && at - letters < 11 && text[at].is_ascii_digit() {
        row = row * 10 + u64::from(text[at] - b'0');
        at += 1;
    }
    let column = u32::try_from(column).ok();
    let row = u32::try_from(row).ok().and_then(|row| row.checked_sub(1));
    match (column, row) {
        (Some(column), Some(row)) if at == text.len() && at > letters => {
            Ok((row, column.checked_sub(1)))
        }
        _ => Err(format!(
            "`{}` is not a cell reference",
            String::from_utf8_lossy(text)
        )),
    }
}
