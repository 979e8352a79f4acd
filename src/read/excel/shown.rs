//! Number formats that change what a number means to a person, for xlsx: a percentage (the
//! cell holds 0.05, Excel shows `5%`) and a code padded with zeros (the cell holds 2134, Excel's
//! ZIP code format `00000` shows `02134`). A number cell in one of these formats is read as the
//! text Excel shows; every other cell, and every other format, is left as it is.
//!
//! Only xlsx gives calamine's cell reader the style of each cell; xlsb, xls and ods cells arrive
//! as stored.

use calamine::{Cell, DataRef, Style};

/// How a number format shows a number, as far as its meaning goes.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Shown {
    Stored,
    /// Times 100, with `%`.
    Percent,
    /// Digit placeholders `0` and literal characters between them, such as `00000` or
    /// `00000-0000`: a whole number, padded with zeros to the placeholders.
    Padded(String),
}

/// The meaning-changing formats of a workbook, by style id (the `s` of a cell).
pub(super) struct Formats(Vec<Shown>);

impl Formats {
    pub(super) fn new(styles: &[Style]) -> Formats {
        let shown = |style: &Style| {
            style
                .number_format
                .as_ref()
                .map_or(Shown::Stored, |format| classify(&format.format_code))
        };
        Formats(styles.iter().map(shown).collect())
    }

    /// The cell as Excel shows it, when its format is one of these; else unchanged.
    pub(super) fn apply<'a>(&self, cell: Cell<DataRef<'a>>, style: usize) -> Cell<DataRef<'a>> {
        let shown = match self.0.get(style) {
            None | Some(Shown::Stored) => return cell,
            Some(shown) => shown,
        };
        let number = match cell.get_value() {
            DataRef::Float(number) => *number,
            // Precision loss only beyond 2^53, which no spreadsheet integer reaches.
            #[allow(clippy::cast_precision_loss)]
            DataRef::Int(number) => *number as f64,
            _ => return cell,
        };
        let text = match shown {
            Shown::Stored => None,
            Shown::Percent => Some(percent(number)),
            Shown::Padded(template) => padded(number, template),
        };
        match text {
            Some(text) => Cell::new(cell.get_position(), DataRef::String(text)),
            None => cell,
        }
    }
}

/// What the first section of a format code (the one for positive numbers) does.
pub(super) fn classify(code: &str) -> Shown {
    let first = code.split(';').next().unwrap_or_default();
    if first.contains('%') && first.contains(['0', '#']) && !first.contains('"') {
        return Shown::Percent;
    }
    // `00000`, `00000-0000`, `00000\-0000`; a lone `0` pads nothing.
    let template: String = first.chars().filter(|&c| c != '\\').collect();
    let zeros = template.chars().filter(|&c| c == '0').count();
    let literal = |c: char| matches!(c, '-' | ' ' | '(' | ')');
    if zeros >= 2 && template.starts_with('0') && template.chars().all(|c| c == '0' || literal(c)) {
        Shown::Padded(template)
    } else {
        Shown::Stored
    }
}

/// `0.05` as `5%`, at Excel's 15 significant digits (so not `5.000000000000001%`).
pub(super) fn percent(number: f64) -> String {
    let hundredfold = number * 100.0;
    let shown: f64 = format!("{hundredfold:.14e}").parse().unwrap_or(hundredfold);
    if shown.fract() == 0.0 && shown.abs() < 1e15 {
        format!("{shown:.0}%")
    } else {
        format!("{shown}%")
    }
}

/// A whole number into the template's placeholders, left to right, padded with zeros; digits
/// beyond the placeholders go to the first, as Excel does. `None` for what is not a whole
/// number from 0 up (the format would show it otherwise: the number is kept as it is).
pub(super) fn padded(number: f64, template: &str) -> Option<String> {
    if number < 0.0 || number.fract() != 0.0 || number >= 1e15 {
        return None;
    }
    let zeros = template.chars().filter(|&c| c == '0').count();
    let digits = format!("{number:0>zeros$.0}");
    let extra = digits.len() - zeros;
    let mut digits = digits.chars();
    let mut text = String::with_capacity(template.len() + extra);
    let mut first = true;
    for c in template.chars() {
        if c != '0' {
            text.push(c);
            continue;
        }
        let take = if first { extra + 1 } else { 1 };
        first = false;
        text.extend(digits.by_ref().take(take));
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(code: &str, value: DataRef<'static>) -> DataRef<'static> {
        let formats = Formats(vec![Shown::Stored, classify(code)]);
        formats
            .apply(Cell::new((0, 0), value), 1)
            .get_value()
            .clone()
    }

    fn text(s: &str) -> DataRef<'static> {
        DataRef::String(s.into())
    }

    #[test]
    fn percentages_read_as_excel_shows_them() {
        assert_eq!(shown("0%", DataRef::Float(0.05)), text("5%"));
        assert_eq!(shown("0.00%", DataRef::Float(-0.125)), text("-12.5%"));
        assert_eq!(shown("0%", DataRef::Int(1)), text("100%"));
        assert_eq!(
            shown("0.0%;[Red]-0.0%", DataRef::Float(0.1 + 0.2)),
            text("30%")
        );
    }

    #[test]
    fn zero_padded_codes_keep_their_zeros() {
        assert_eq!(shown("00000", DataRef::Float(2134.0)), text("02134"));
        assert_eq!(shown("00000", DataRef::Float(123456.0)), text("123456"));
        assert_eq!(
            shown("00000\\-0000", DataRef::Float(21341234.0)),
            text("02134-1234")
        );
        assert_eq!(
            shown("000-00-0000", DataRef::Int(12345678)),
            text("012-34-5678")
        );
        // Not whole numbers from 0 up: as stored.
        assert_eq!(shown("00000", DataRef::Float(21.5)), DataRef::Float(21.5));
        assert_eq!(shown("00000", DataRef::Float(-2.0)), DataRef::Float(-2.0));
    }

    #[test]
    fn other_formats_and_other_cells_are_left_as_stored() {
        for code in [
            "General",
            "0",
            "0.00",
            "#,##0",
            "@",
            "yyyy-mm-dd",
            "\"%\"0",
            "0.00E+00",
        ] {
            assert_eq!(
                shown(code, DataRef::Float(2134.0)),
                DataRef::Float(2134.0),
                "{code}"
            );
        }
        assert_eq!(shown("0%", text("n/a")), text("n/a"));
        assert_eq!(shown("00000", DataRef::Bool(true)), DataRef::Bool(true));
        let formats = Formats(vec![Shown::Percent]);
        let cell = formats.apply(Cell::new((0, 0), DataRef::Float(0.5)), 7);
        assert_eq!(
            cell.get_value(),
            &DataRef::Float(0.5),
            "a style id past the palette"
        );
    }
}
