//! Cell → value conversion for one OnTime property kind.
//!
//! Pure functions, no I/O. Blank means "not given" (`Ok(None)`), never an error. Numbers keep
//! the meaning a person sees (`1001.0` → `1001`), text keeps its leading zeros, and every error
//! says what was expected, so the caller only has to add where.

use chrono::Timelike;

use super::number;
use crate::read::Cell;
use ontime_api::{Kind, PRICING_METHODS, Value, format_number, is_email};

/// Converts `cell` for a property of `kind`: `Ok(None)` when blank, `Err(reason)` when the value
/// cannot be one (the reason names the expected form).
pub fn convert(cell: &Cell, kind: Kind) -> Result<Option<Value>, String> {
    match cell {
        Cell::Error(code) => {
            return Err(format!(
                "the cell holds the spreadsheet error {code}; fix the formula or type the value"
            ));
        }
        Cell::Number(n) if !n.is_finite() => return Err(NOT_FINITE.into()),
        Cell::Damaged(_) => return Err(DAMAGED_DATE.into()),
        _ => {}
    }
    match kind {
        Kind::Bool => to_bool(cell),
        Kind::Number => to_number(cell),
        _ => {
            let Some(text) = cell_text(cell) else {
                return Ok(None);
            };
            text_kind(text, kind).map(Some)
        }
    }
}

/// The cell as trimmed text; `None` when blank. Numbers without a trailing `.0` or exponent,
/// dates as ISO 8601 (a date alone when there is no time of day).
pub fn cell_text(cell: &Cell) -> Option<String> {
    borrowed_text(cell).map(std::borrow::Cow::into_owned)
}

/// [`cell_text`], without a copy when the cell holds text.
pub fn borrowed_text(cell: &Cell) -> Option<std::borrow::Cow<'_, str>> {
    let text: std::borrow::Cow<'_, str> = match cell {
        Cell::Empty => return None,
        Cell::Text(s) => trim(s).into(),
        Cell::Number(n) => format_number(excel_digits(*n)).into(),
        Cell::Bool(b) => b.to_string().into(),
        Cell::DateTime(dt)
            if dt.time().num_seconds_from_midnight() == 0 && dt.nanosecond() == 0 =>
        {
            dt.date().format("%Y-%m-%d").to_string().into()
        }
        Cell::DateTime(dt) => dt.format("%Y-%m-%dT%H:%M:%S").to_string().into(),
        Cell::Error(code) | Cell::Damaged(code) => code.as_str().into(),
    };
    (!text.is_empty()).then_some(text)
}

/// `str::trim`, but quick for the usual cell, which has no space at either end: a printable
/// ASCII byte at both ends needs no Unicode whitespace test. Characters that show as nothing
/// ([`invisible`]) are trimmed too.
pub fn trim(text: &str) -> &str {
    match text.as_bytes() {
        [first, .., last] if first.is_ascii_graphic() && last.is_ascii_graphic() => text,
        [only] if only.is_ascii_graphic() => text,
        _ => text.trim_matches(|c: char| c.is_whitespace() || invisible(c)),
    }
}

/// Characters that show as nothing and that text copied from web pages and PDFs brings along:
/// zero-width space and joiners, left-to-right and right-to-left marks, word joiner, byte-order
/// mark. At the end of an account number they would make it another customer's, and OnTime's
/// lookup would not find the customer it already has.
pub fn invisible(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{2060}' | '\u{feff}')
}

/// The number as Excel shows and stores it for a person: at most 15 significant digits, so a
/// computed `0.1 + 0.2` is `0.3` (not `0.30000000000000004`) and `1234.56` stays `1234.56`.
pub fn excel_digits(n: f64) -> f64 {
    if !n.is_finite() || n == 0.0 {
        return n;
    }
    format!("{n:.14e}").parse().unwrap_or(n)
}

pub use super::number::{SHORTENED, not_finite, shortened_number};

fn text_kind(text: String, kind: Kind) -> Result<Value, String> {
    if shortened_number(&text) {
        return Err(SHORTENED.into());
    }
    match kind {
        Kind::Email => {
            if is_email(&text) {
                Ok(Value::Text(text))
            } else {
                Err("is not an email address (expected name@example.com)".into())
            }
        }
        Kind::Guid => guid(&text).map(Value::Text),
        Kind::GuidList => {
            let items: Result<Vec<String>, String> = text
                .split([',', ';'])
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(guid)
                .collect();
            Ok(Value::List(items?))
        }
        Kind::PricingMethod => pricing_method(&text).map(|m| Value::Text(m.to_string())),
        Kind::Text | Kind::Bool | Kind::Number => Ok(Value::Text(text)),
    }
}

fn guid(text: &str) -> Result<String, String> {
    uuid::Uuid::try_parse(text.trim_start_matches('{').trim_end_matches('}'))
        .map(|id| id.hyphenated().to_string())
        .map_err(|_| {
            format!("\"{text}\" is not a Guid (expected 32 hex digits such as 3f2504e0-4f89-11d3-9a0c-0305e82c3301)")
        })
}

fn pricing_method(text: &str) -> Result<&'static str, String> {
    // Compared byte by byte: the characters left out are ASCII, so never part of another one.
    let squashed = || {
        text.bytes()
            .filter(|b| !matches!(b, b' ' | b'-' | b'_'))
            .map(|b| b.to_ascii_lowercase())
    };
    PRICING_METHODS
        .into_iter()
        .find(|m| m.bytes().map(|b| b.to_ascii_lowercase()).eq(squashed()))
        .ok_or_else(|| {
            format!(
                "is not a pricing method (expected one of {})",
                PRICING_METHODS.join(", ")
            )
        })
}

fn to_bool(cell: &Cell) -> Result<Option<Value>, String> {
    let text = match cell {
        Cell::Bool(b) => return Ok(Some(Value::Bool(*b))),
        Cell::Number(n) if *n == 1.0 => return Ok(Some(Value::Bool(true))),
        Cell::Number(n) if *n == 0.0 => return Ok(Some(Value::Bool(false))),
        other => match borrowed_text(other) {
            Some(text) => text,
            None => return Ok(None),
        },
    };
    let is = |words: &[&str]| words.iter().any(|w| w.eq_ignore_ascii_case(&text));
    if is(&["true", "yes", "y", "1", "x"]) {
        Ok(Some(Value::Bool(true)))
    } else if is(&["false", "no", "n", "0"]) {
        Ok(Some(Value::Bool(false)))
    } else {
        Err("is not a yes/no value (expected true/false, yes/no, y/n, 1/0 or x)".into())
    }
}

fn to_number(cell: &Cell) -> Result<Option<Value>, String> {
    let text = match cell {
        Cell::Number(n) if n.is_finite() => return Ok(Some(Value::Number(excel_digits(*n)))),
        Cell::Number(_) => return Err(NOT_FINITE.into()),
        other => match borrowed_text(other) {
            Some(text) => text,
            None => return Ok(None),
        },
    };
    number::parse(&text).map(|n| Some(Value::Number(n)))
}

/// What is wrong with a [`Cell::Damaged`] date cell.
const DAMAGED_DATE: &str = "is in a date cell but is no date: the program that wrote the file damaged it; type the date again (or format the cell as Text), save the file and re-run";

/// What is wrong with a workbook number that is not finite.
const NOT_FINITE: &str = "is not a finite number (the file holds NaN or an infinity, which no spreadsheet program writes); type the number again";

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn text(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    fn ok(cell: Cell, kind: Kind) -> Option<Value> {
        convert(&cell, kind).expect("converts")
    }

    #[test]
    fn quick_trim_trims_as_str_trim_does() {
        for text in [
            "",
            " ",
            "a",
            " a",
            "a ",
            "ab",
            " a b\t",
            "\u{a0}x\u{a0}",
            "é",
            " é ",
            "x\u{2003}",
        ] {
            assert_eq!(trim(text), text.trim(), "{text:?}");
        }
        for (text, trimmed) in [
            ("\u{200b}1001", "1001"),
            ("1001\u{feff}", "1001"),
            ("\u{200e} Acme Inc \u{200f}\u{2060}", "Acme Inc"),
            ("Ac\u{200b}me", "Ac\u{200b}me"),
            ("\u{200b}", ""),
        ] {
            assert_eq!(trim(text), trimmed, "{text:?}");
        }
    }

    #[test]
    fn blank_is_not_given() {
        assert_eq!(ok(Cell::Empty, Kind::Text), None);
        assert_eq!(ok(text("   "), Kind::Email), None);
        assert_eq!(ok(text(""), Kind::Bool), None);
        assert_eq!(ok(text(" "), Kind::Number), None);
    }

    #[test]
    fn numbers_as_text_keep_their_meaning() {
        assert_eq!(
            ok(Cell::Number(1001.0), Kind::Text),
            Some(Value::Text("1001".into()))
        );
        assert_eq!(
            ok(Cell::Number(6175550100.0), Kind::Text),
            Some(Value::Text("6175550100".into()))
        );
        assert_eq!(
            ok(text(" 02134 "), Kind::Text),
            Some(Value::Text("02134".into()))
        );
    }

    #[test]
    fn excel_numbers_show_15_significant_digits() {
        assert_eq!(
            ok(Cell::Number(0.1 + 0.2), Kind::Text),
            Some(Value::Text("0.3".into()))
        );
        assert_eq!(
            ok(Cell::Number(1234.5600000000002), Kind::Text),
            Some(Value::Text("1234.56".into()))
        );
        assert_eq!(
            ok(Cell::Number(0.1 + 0.2), Kind::Number),
            Some(Value::Number(0.3))
        );
        assert_eq!(
            ok(Cell::Number(123456789012345.0), Kind::Text),
            Some(Value::Text("123456789012345".into()))
        );
        assert_eq!(
            ok(Cell::Number(-0.000123), Kind::Text),
            Some(Value::Text("-0.000123".into()))
        );
    }

    #[test]
    fn dates_become_iso() {
        let date = NaiveDate::from_ymd_opt(2024, 3, 9).expect("valid date");
        let midnight = date.and_hms_opt(0, 0, 0).expect("valid time");
        let later = date.and_hms_opt(14, 5, 0).expect("valid time");
        assert_eq!(
            ok(Cell::DateTime(midnight), Kind::Text),
            Some(Value::Text("2024-03-09".into()))
        );
        assert_eq!(
            ok(Cell::DateTime(later), Kind::Text),
            Some(Value::Text("2024-03-09T14:05:00".into()))
        );
    }

    #[test]
    fn booleans() {
        for yes in ["true", "YES", "y", "1", "x", "X", " Yes "] {
            assert_eq!(ok(text(yes), Kind::Bool), Some(Value::Bool(true)), "{yes}");
        }
        for no in ["false", "No", "n", "0"] {
            assert_eq!(ok(text(no), Kind::Bool), Some(Value::Bool(false)), "{no}");
        }
        assert_eq!(ok(Cell::Bool(true), Kind::Bool), Some(Value::Bool(true)));
        assert_eq!(ok(Cell::Number(0.0), Kind::Bool), Some(Value::Bool(false)));
        assert!(convert(&text("maybe"), Kind::Bool).is_err());
        assert!(convert(&Cell::Number(2.0), Kind::Bool).is_err());
    }

    #[test]
    fn numbers() {
        assert_eq!(ok(text("12.5"), Kind::Number), Some(Value::Number(12.5)));
        assert_eq!(ok(text("45%"), Kind::Number), Some(Value::Number(45.0)));
        assert_eq!(ok(text("-3 %"), Kind::Number), Some(Value::Number(-3.0)));
        assert_eq!(
            ok(Cell::Number(7.25), Kind::Number),
            Some(Value::Number(7.25))
        );
        for bad in [
            "ten", "NaN", "inf", "1e400", "12%%", "1,500", "1.500", "1,2,3", "5,",
        ] {
            assert!(convert(&text(bad), Kind::Number).is_err(), "{bad}");
        }
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            for kind in [Kind::Number, Kind::Text] {
                assert!(convert(&Cell::Number(bad), kind).is_err(), "{bad} {kind:?}");
            }
        }
        // A decimal comma, when it cannot be a thousands separator.
        assert_eq!(ok(text("1,5"), Kind::Number), Some(Value::Number(1.5)));
        assert_eq!(
            ok(text("-12,75 %"), Kind::Number),
            Some(Value::Number(-12.75))
        );
        assert_eq!(
            ok(text("+0,0625"), Kind::Number),
            Some(Value::Number(0.0625))
        );
        assert_eq!(
            ok(text("1.234,5"), Kind::Number),
            Some(Value::Number(1234.5))
        );
    }

    #[test]
    fn pricing_methods() {
        for (input, want) in [
            ("Zone to Zone", "ZoneToZone"),
            ("zone-to-zone", "ZoneToZone"),
            ("FLAT_RATE", "FlatRate"),
            ("distance", "Distance"),
            ("none", "None"),
        ] {
            assert_eq!(
                ok(text(input), Kind::PricingMethod),
                Some(Value::Text(want.into()))
            );
        }
        for wrong in ["Per mile", "Zone", "ZoneToZoneX", "Zöne to Zone"] {
            assert!(
                convert(&text(wrong), Kind::PricingMethod).is_err(),
                "{wrong}"
            );
        }
    }

    #[test]
    fn emails_and_guids() {
        assert!(ok(text("ops@acme.com"), Kind::Email).is_some());
        for bad in ["n/a", "acme.com", "a@b", "two@@x.com"] {
            assert!(convert(&text(bad), Kind::Email).is_err(), "{bad}");
        }
        let id = "3F2504E0-4F89-11D3-9A0C-0305E82C3301";
        assert_eq!(
            ok(text(&format!("{{{id}}}")), Kind::Guid),
            Some(Value::Text(id.to_lowercase()))
        );
        assert!(convert(&text("12345"), Kind::Guid).is_err());
        assert_eq!(
            ok(text(&format!("{id}; {id} ,")), Kind::GuidList),
            Some(Value::List(vec![id.to_lowercase(), id.to_lowercase()]))
        );
    }

    #[test]
    fn numbers_excel_shortened_are_errors() {
        for shortened in [
            "6.17555E+09",
            "6,17555E+09",
            "1.23457E+11",
            "-2E+15",
            "1E+05",
        ] {
            assert!(shortened_number(shortened), "{shortened}");
            let err = convert(&text(shortened), Kind::Text).expect_err(shortened);
            assert_eq!(err, SHORTENED);
        }
        for fine in [
            "6175550100",
            "617-555-0100",
            "1.5",
            "E+09",
            "6.E+09",
            "6.1E+9",
            "1.5E-07",
            "2E+10 units",
        ] {
            assert!(!shortened_number(fine), "{fine}");
        }
        assert_eq!(
            ok(Cell::Number(6175550100.0), Kind::Text),
            Some(Value::Text("6175550100".into()))
        );
    }

    #[test]
    fn error_cells_are_errors() {
        let err = convert(&Cell::Error("#N/A".into()), Kind::Text).expect_err("error cell");
        assert!(err.contains("#N/A"));
    }
}
