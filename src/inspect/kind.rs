//! What one cell looks like: the kind a person would call it (e-mail, phone, postal code, …),
//! decided from the cell's type and its text alone. Pure functions; the column-level verdict
//! (boolean-like, mixed kinds, lost leading zeros) is [`super::profile`]'s.

use serde::Serialize;

use crate::mapping::convert::{shortened_number, trim};
use crate::read::Cell;

/// The kind of one value, or of a column (its most common non-blank kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum ValueKind {
    Text,
    /// Digits only, starting with 0 (`02134`): text that must stay text.
    LeadingZeros,
    Integer,
    Decimal,
    Percent,
    Date,
    /// Decided per column: few distinct values, all yes/no words.
    BooleanLike,
    Email,
    Phone,
    PostalCode,
    Guid,
    /// Excel's scientific notation (`6.17555E+09`): digits already lost.
    Scientific,
    /// A spreadsheet error cell (`#N/A`) or a damaged date.
    Error,
}

impl ValueKind {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            ValueKind::Text => "text",
            ValueKind::LeadingZeros => "integer with leading zeros",
            ValueKind::Integer => "integer",
            ValueKind::Decimal => "decimal",
            ValueKind::Percent => "percent",
            ValueKind::Date => "date",
            ValueKind::BooleanLike => "boolean-like",
            ValueKind::Email => "e-mail",
            ValueKind::Phone => "phone",
            ValueKind::PostalCode => "postal code",
            ValueKind::Guid => "Guid",
            ValueKind::Scientific => "scientific notation",
            ValueKind::Error => "error cell",
        }
    }

    /// Kinds that are all numbers: mixing them is no problem.
    pub(crate) fn numeric(self) -> bool {
        matches!(
            self,
            ValueKind::Integer | ValueKind::Decimal | ValueKind::Percent
        )
    }
}

/// Lowercase words read as yes or no.
pub(crate) const BOOLEAN_WORDS: [(&str, bool); 12] = [
    ("yes", true),
    ("no", false),
    ("y", true),
    ("n", false),
    ("true", true),
    ("false", false),
    ("x", true),
    ("1", true),
    ("0", false),
    ("t", true),
    ("f", false),
    ("-", false),
];

/// The yes/no a word stands for, ignoring case and surrounding space.
pub(crate) fn boolean_word(text: &str) -> Option<bool> {
    let lower = text.trim().to_lowercase();
    BOOLEAN_WORDS
        .iter()
        .find(|(word, _)| *word == lower)
        .map(|(_, yes)| *yes)
}

/// The kind of a non-blank cell.
pub(crate) fn of_cell(cell: &Cell) -> ValueKind {
    match cell {
        Cell::Number(n) if n.fract() == 0.0 => ValueKind::Integer,
        Cell::Number(_) => ValueKind::Decimal,
        Cell::Bool(_) => ValueKind::BooleanLike,
        Cell::DateTime(_) => ValueKind::Date,
        Cell::Error(_) | Cell::Damaged(_) => ValueKind::Error,
        Cell::Text(text) => of_text(trim(text)),
        Cell::Empty => ValueKind::Text,
    }
}

/// The kind of trimmed, non-blank text.
pub(crate) fn of_text(text: &str) -> ValueKind {
    let digits = text.bytes().filter(u8::is_ascii_digit).count();
    if shortened_number(text) {
        ValueKind::Scientific
    } else if ontime_api::is_email(text) {
        ValueKind::Email
    } else if uuid::Uuid::parse_str(text.trim_start_matches('{').trim_end_matches('}')).is_ok() {
        ValueKind::Guid
    } else if digits == text.len() {
        if text.starts_with('0') && text.len() > 1 {
            ValueKind::LeadingZeros
        } else {
            ValueKind::Integer
        }
    } else if postal_code(text) {
        ValueKind::PostalCode
    } else if date(text) {
        ValueKind::Date
    } else if phone(text, digits) {
        ValueKind::Phone
    } else if let Some(number) = text.strip_suffix('%') {
        match crate::mapping::number::parse(number.trim()) {
            Ok(_) => ValueKind::Percent,
            Err(_) => ValueKind::Text,
        }
    } else if text.starts_with(['-', '+']) && text[1..].bytes().all(|b| b.is_ascii_digit()) {
        ValueKind::Integer
    } else if digits > 0 && crate::mapping::number::parse(text).is_ok() {
        ValueKind::Decimal
    } else {
        ValueKind::Text
    }
}

/// US ZIP+4 (`02134-1234`), Canadian (`K1A 0B1`) and UK (`SW1A 1AA`) postal codes. Five digits
/// alone are an integer here: a column of them is told apart by its header.
fn postal_code(text: &str) -> bool {
    let b = text.as_bytes();
    let zip4 = b.len() == 10
        && b[5] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 5 || c.is_ascii_digit());
    let letter = |i: usize| b.get(i).is_some_and(u8::is_ascii_alphabetic);
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let canada = matches!(b.len(), 6 | 7) && {
        let o = usize::from(b.len() == 7);
        letter(0)
            && digit(1)
            && letter(2)
            && (o == 0 || b[3] == b' ')
            && digit(3 + o)
            && letter(4 + o)
            && digit(5 + o)
    };
    let uk = text.split_once(' ').is_some_and(|(out, inward)| {
        let (o, i) = (out.as_bytes(), inward.as_bytes());
        (2..=4).contains(&o.len())
            && o[0].is_ascii_alphabetic()
            && o.iter().all(u8::is_ascii_alphanumeric)
            && o.iter().any(u8::is_ascii_digit)
            && i.len() == 3
            && i[0].is_ascii_digit()
            && i[1..].iter().all(u8::is_ascii_alphabetic)
    });
    zip4 || canada || uk
}

/// Seven to fifteen digits with the marks phone numbers are written with: `(617) 555-0142`,
/// `+44 20 7946 0958`, `617.555.0142 x12`.
fn phone(text: &str, digits: usize) -> bool {
    let lower = text.to_ascii_lowercase();
    let main = lower
        .split_once(" x")
        .or_else(|| lower.split_once(" ext"))
        .map_or(lower.as_str(), |(main, _)| main);
    let main_digits = main.bytes().filter(u8::is_ascii_digit).count();
    (7..=15).contains(&main_digits)
        && digits <= 20
        && main
            .bytes()
            .all(|b| b.is_ascii_digit() || b" ()-.+/".contains(&b))
        && main.bytes().any(|b| !b.is_ascii_digit())
}

/// Dates as exports write them: `2024-03-09`, `3/9/2024`, `09.03.2024`, with a time or not.
fn date(text: &str) -> bool {
    let day = text.split([' ', 'T']).next().unwrap_or(text);
    [
        "%Y-%m-%d", "%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y", "%m/%d/%y", "%Y/%m/%d",
    ]
    .iter()
    .any(|format| chrono::NaiveDate::parse_from_str(day, format).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_have_the_kinds_a_person_sees() {
        for (text, want) in [
            ("Harbor & Pike", ValueKind::Text),
            ("02134", ValueKind::LeadingZeros),
            ("1001", ValueKind::Integer),
            ("-5", ValueKind::Integer),
            ("12.5", ValueKind::Decimal),
            ("45%", ValueKind::Percent),
            ("2024-03-09", ValueKind::Date),
            ("3/9/2024", ValueKind::Date),
            ("a@b.example", ValueKind::Email),
            ("(617) 555-0142", ValueKind::Phone),
            ("+44 20 7946 0958", ValueKind::Phone),
            ("02134-1234", ValueKind::PostalCode),
            ("K1A 0B1", ValueKind::PostalCode),
            ("SW1A 1AA", ValueKind::PostalCode),
            ("3f2504e0-4f89-11d3-9a0c-0305e82c3301", ValueKind::Guid),
            ("6.17555E+09", ValueKind::Scientific),
            ("Suite 1200", ValueKind::Text),
        ] {
            assert_eq!(of_text(text), want, "{text}");
        }
        assert_eq!(boolean_word(" YES "), Some(true));
        assert_eq!(boolean_word("maybe"), None);
    }
}
