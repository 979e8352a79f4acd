//! Cells built before conversion: `join` (several columns into one text, blanks skipped),
//! `replace`, `trim` and `pad` (digits that lost their leading zeros). A shaped rule reads a
//! derived column: [`super::bind`] gives it an index past the table's own columns, and
//! [`super::Binding::derive`] fills it on each row, so the grouping reads it like any cell.
//!
//! Invariant: an error cell (`#N/A`) or a damaged date among the sources is passed on as it is,
//! so the row is refused with the spreadsheet's own error, naming every source column.

use crate::mapping::convert::borrowed_text;
use crate::read::{Cell, Row};

use super::HeaderRef;

/// How a rule's cell is built from its source columns.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Shape {
    /// With `join`: every source column, in order (the rule's `column` is the first). Empty
    /// when the rule reads one `column`.
    pub join: Vec<HeaderRef>,
    /// Put between joined parts; `" "` unless the mapping says otherwise.
    pub sep: String,
    /// Substrings replaced, in the mapping's order, in each source cell's text.
    pub replace: Vec<(String, String)>,
    pub trim: Option<Trim>,
    /// Digits shorter than this get leading zeros back.
    pub pad: Option<usize>,
}

/// `trim = true`: runs of spaces inside become one space; `trim = "…"`: those characters are
/// also taken off both ends.
#[derive(Debug, Clone, PartialEq)]
pub enum Trim {
    Spaces,
    Chars(String),
}

/// A derived column of a bound table: the cell at `index` is built from the cells at `sources`.
#[derive(Debug, Clone, PartialEq)]
pub struct Derived {
    pub index: usize,
    pub sources: Vec<usize>,
    pub shape: Shape,
}

impl Shape {
    /// The cell built from `sources` (a row's cells at the source columns).
    pub fn build(&self, sources: &[&Cell]) -> Cell {
        if let Some(bad) = sources
            .iter()
            .find(|c| matches!(c, Cell::Error(_) | Cell::Damaged(_)))
        {
            return (*bad).clone();
        }
        // One source that no clean-up changes keeps its type (a TRUE cell, a date).
        if let [only] = sources
            && self.join.is_empty()
            && !matches!(only, Cell::Text(_) | Cell::Number(_))
        {
            return (*only).clone();
        }
        let parts: Vec<String> = sources
            .iter()
            .filter_map(|cell| borrowed_text(cell))
            .map(|text| self.clean(&text))
            .filter(|text| !text.is_empty())
            .collect();
        match parts.len() {
            0 => Cell::Empty,
            _ => Cell::Text(parts.join(&self.sep)),
        }
    }

    /// One source's text through `replace`, `trim` and `pad`, in that order.
    pub fn clean(&self, text: &str) -> String {
        let mut text = text.to_string();
        for (from, to) in &self.replace {
            if !from.is_empty() {
                text = text.replace(from.as_str(), to);
            }
        }
        match &self.trim {
            Some(Trim::Spaces) => text = text.split_whitespace().collect::<Vec<_>>().join(" "),
            Some(Trim::Chars(chars)) => {
                let spaced = text.split_whitespace().collect::<Vec<_>>().join(" ");
                text = spaced
                    .trim_matches(|c: char| c.is_whitespace() || chars.contains(c))
                    .to_string();
            }
            None => text = text.trim().to_string(),
        }
        if let Some(width) = self.pad
            && !text.is_empty()
            && text.len() < width
            && text.bytes().all(|b| b.is_ascii_digit())
        {
            text = format!("{text:0>width$}");
        }
        text
    }

    /// How messages name the columns: `"First Name" + "Last Name"` reads as one header.
    pub fn label(headers: &[String]) -> String {
        headers.join(" + ")
    }
}

/// Fills the derived cells of `row`: the row is first made exactly `width` cells (its own
/// columns), then each derived cell is pushed in index order.
pub(super) fn derive(derived: &[Derived], width: usize, row: &mut Row) {
    if derived.is_empty() {
        return;
    }
    row.cells.resize(width, Cell::Empty);
    for d in derived {
        let built = {
            let sources: Vec<&Cell> = d
                .sources
                .iter()
                .map(|i| row.cells.get(*i).unwrap_or(&Cell::Empty))
                .collect();
            d.shape.build(&sources)
        };
        debug_assert_eq!(row.cells.len(), d.index);
        row.cells.push(built);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    #[test]
    fn joins_skip_blanks_and_clean_ups_apply_per_part() {
        let shape = Shape {
            join: vec![HeaderRef {
                name: "F".into(),
                line: 1,
            }],
            sep: " ".into(),
            ..Shape::default()
        };
        assert_eq!(
            shape.build(&[&text(" Ann "), &Cell::Empty, &text("Lee")]),
            text("Ann Lee")
        );
        assert_eq!(shape.build(&[&Cell::Empty, &text("  ")]), Cell::Empty);
        let na = Cell::Error("#N/A".into());
        assert_eq!(shape.build(&[&text("Ann"), &na]), na);
        let zip = Shape {
            pad: Some(5),
            ..Shape::default()
        };
        assert_eq!(zip.build(&[&Cell::Number(2134.0)]), text("02134"));
        assert_eq!(zip.build(&[&text("02134-1234")]), text("02134-1234"));
        let tidy = Shape {
            replace: vec![(".".into(), "-".into())],
            trim: Some(Trim::Chars("*".into())),
            ..Shape::default()
        };
        assert_eq!(
            tidy.build(&[&text("* 617.555   0100 *")]),
            text("617-555 0100")
        );
        assert_eq!(tidy.build(&[&Cell::Bool(true)]), Cell::Bool(true));
    }
}
