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
        _ => CellFormat::Other,
    }
}

/// A number under `format` (`None`: a style index past the styles), as calamine's
/// `format_excel_f64`.
pub(crate) fn number(value: f64, format: Option<CellFormat>, is_1904: bool) -> Data {
    let kind = match format {
        Some(CellFormat::DateTime) => ExcelDateTimeType::DateTime,
        Some(CellFormat::TimeDelta) => ExcelDateTimeType::TimeDelta,
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
}
