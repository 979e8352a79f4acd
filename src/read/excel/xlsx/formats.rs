//! Which cell formats make a number a date, a time or a duration: calamine's rules, which it
//! keeps private (`calamine/src/formats.rs`, MIT, © Johann Tuffe), so that the cells read here
//! are the values calamine gives for the same file.
//!
//! It owns the classification only; styles.xml is read in [`super::package`].

use calamine::{Data, ExcelDateTime, ExcelDateTimeType};

/// What a cell's number format makes of a number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum CellFormat {
    Other,
    DateTime,
    TimeDelta,
    /// Shown times 100 with `%` (see [`super::super::shown`]): read as that text.
    Percent,
    /// A code padded with zeros (`00000`): read as the text Excel shows.
    Padded(Template),
}

/// A zero-padding format code, held inline so that a format stays `Copy` (the codes that pad,
/// `00000-0000` and the like, are short; a longer one is left as stored).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Template {
    bytes: [u8; 24],
    len: u8,
}

impl Template {
    fn new(code: &str) -> Option<Template> {
        let mut bytes = [0u8; 24];
        bytes
            .get_mut(..code.len())?
            .copy_from_slice(code.as_bytes());
        Some(Template {
            bytes,
            len: u8::try_from(code.len()).ok()?,
        })
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }
}

/// A custom format code, as [`custom`] for dates and times, else as [`super::super::shown`]
/// reads what the number means to a person (a percentage, a zero-padded code).
pub(crate) fn custom_shown(format: &str) -> CellFormat {
    use super::super::shown::{Shown, classify};
    match custom(format) {
        CellFormat::Other => match classify(format) {
            Shown::Percent => CellFormat::Percent,
            Shown::Padded(template) => {
                Template::new(&template).map_or(CellFormat::Other, CellFormat::Padded)
            }
            Shown::Stored => CellFormat::Other,
        },
        date_or_time => date_or_time,
    }
}

/// A custom format code (`numFmt formatCode`): a date or time if its first section uses
/// date or time letters outside quotes, escapes and brackets; a duration if it has `[h]`,
/// `[m]` or `[s]`.
pub(crate) fn custom(format: &str) -> CellFormat {
    let mut escaped = false;
    let mut is_quote = false;
    let mut brackets = 0u8;
    let mut prev = ' ';
    let mut hms = false;
    let mut ap = false;
    for s in format.chars() {
        match (s, escaped, is_quote, ap, brackets) {
            (_, true, ..) => escaped = false,
            ('_' | '\\' | '*', ..) => escaped = true,
            ('"', _, true, _, _) => is_quote = false,
            (_, _, true, _, _) => (),
            ('"', _, _, _, _) => is_quote = true,
            (';', ..) => return CellFormat::Other,
            ('[', ..) => brackets += 1,
            (']', .., 1) if hms => return CellFormat::TimeDelta,
            (']', ..) => brackets = brackets.saturating_sub(1),
            ('a' | 'A', _, _, false, 0) => ap = true,
            ('p' | 'm' | '/' | 'P' | 'M', _, _, true, 0) => return CellFormat::DateTime,
            ('d' | 'm' | 'h' | 'y' | 's' | 'D' | 'M' | 'H' | 'Y' | 'S', _, _, false, 0) => {
                return CellFormat::DateTime;
            }
            _ => {
                if !(hms && s.eq_ignore_ascii_case(&prev)) {
                    hms = prev == '[' && matches!(s, 'm' | 'h' | 's' | 'M' | 'H' | 'S');
                }
            }
        }
        prev = s;
    }
    CellFormat::Other
}

/// A built-in format, by its `numFmtId` as written.
pub(crate) fn builtin(id: &str) -> CellFormat {
    match id {
        "14" | "15" | "16" | "17" | "18" | "19" | "20" | "21" | "22" | "45" | "47" => {
            CellFormat::DateTime
        }
        // East Asian built-in formats: dates and clock times.
        "27" | "28" | "29" | "30" | "31" | "32" | "33" | "34" | "35" | "36" | "50" | "51"
        | "52" | "53" | "54" | "55" | "56" | "57" | "58" => CellFormat::DateTime,
        "46" => CellFormat::TimeDelta,
        // `0%` and `0.00%`.
        "9" | "10" => CellFormat::Percent,
        _ => CellFormat::Other,
    }
}

/// A number under `format` (`None`: a style index past the styles), as calamine's
/// `format_excel_f64`.
pub(crate) fn number(value: f64, format: Option<CellFormat>, is_1904: bool) -> Data {
    use super::super::shown::{padded, percent};
    let kind = match format {
        Some(CellFormat::DateTime) => ExcelDateTimeType::DateTime,
        Some(CellFormat::TimeDelta) => ExcelDateTimeType::TimeDelta,
        Some(CellFormat::Percent) => return Data::String(percent(value)),
        Some(CellFormat::Padded(template)) => {
            return padded(value, template.as_str()).map_or(Data::Float(value), Data::String);
        }
        _ => return Data::Float(value),
    };
    Data::DateTime(ExcelDateTime::new(value, kind, is_1904))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A few of calamine's own cases (ported from openpyxl).
    #[test]
    fn date_formats() {
        for (code, expected) in [
            ("DD/MM/YY", CellFormat::DateTime),
            ("H:MM:SS;@", CellFormat::DateTime),
            ("#,##0\\ [$\\u20bd-46D]", CellFormat::Other),
            ("m\"M\"d\"D\";@", CellFormat::DateTime),
            ("[h]:mm:ss", CellFormat::TimeDelta),
            ("[ss]", CellFormat::TimeDelta),
            ("\\Y000000", CellFormat::Other),
            ("0.00%", CellFormat::Other),
            ("General", CellFormat::Other),
            ("@", CellFormat::Other),
            ("[Red]0.00", CellFormat::Other),
            ("yyyy-mm-dd", CellFormat::DateTime),
        ] {
            assert_eq!(custom(code), expected, "{code}");
        }
        assert_eq!(builtin("14"), CellFormat::DateTime);
        assert_eq!(builtin("46"), CellFormat::TimeDelta);
        assert_eq!(builtin("49"), CellFormat::Other);
        assert_eq!(number(2.5, None, false), Data::Float(2.5));
    }

    /// Percentages and zero-padded codes read as the text Excel shows, as for calamine's cells
    /// (`super::super::super::shown`).
    #[test]
    fn shown_formats() {
        let shown = |code: &str, value: f64| number(value, Some(custom_shown(code)), false);
        assert_eq!(shown("0.0%", 0.125), Data::String("12.5%".into()));
        assert_eq!(
            number(0.05, Some(builtin("9")), false),
            Data::String("5%".into())
        );
        assert_eq!(shown("00000", 2134.0), Data::String("02134".into()));
        assert_eq!(shown("00000", 21.5), Data::Float(21.5));
        assert_eq!(shown("0".repeat(30).as_str(), 7.0), Data::Float(7.0));
        assert_eq!(custom_shown("yyyy-mm-dd"), CellFormat::DateTime);
        assert_eq!(custom_shown("0.00"), CellFormat::Other);
    }
}
