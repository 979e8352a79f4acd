//! One column's figures, gathered row by row in bounded memory: fill, distinct values (an exact
//! set up to [`DISTINCT_CAP`], then only "more"), the first samples, the kinds of its values,
//! and at the end its verdict: one kind and the problems a person should fix or know.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::kind::{self, ValueKind};
use crate::mapping::convert::borrowed_text;
use crate::read::Cell;

/// Distinct values are counted exactly up to this many per column.
pub(crate) const DISTINCT_CAP: usize = 10_000;
const SAMPLES: usize = 3;

/// A column while rows are read.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    filled: u64,
    /// Each distinct value with its kind: a value seen again is not classified again.
    distinct: HashMap<String, ValueKind>,
    /// More distinct values than [`DISTINCT_CAP`] were seen.
    capped: bool,
    samples: Vec<String>,
    kinds: BTreeMap<ValueKind, u64>,
    /// An example of each kind, for "mixed kinds" messages.
    examples: BTreeMap<ValueKind, String>,
    /// Integers stored as numbers, by digit count; and the longest run of digits of any integer.
    number_digits: BTreeMap<usize, u64>,
    longest_digits: usize,
    /// Integers written as text, by digit count (leading zeros included).
    text_digits: BTreeMap<usize, u64>,
}

impl Tally {
    pub(crate) fn add(&mut self, cell: &Cell) {
        let Some(text) = borrowed_text(cell) else {
            return;
        };
        self.filled += 1;
        let known = match cell {
            Cell::Text(_) => self.distinct.get(text.as_ref()).copied(),
            _ => None,
        };
        let kind = known.unwrap_or_else(|| kind::of_cell(cell));
        *self.kinds.entry(kind).or_default() += 1;
        self.examples
            .entry(kind)
            .or_insert_with(|| text.to_string());
        match (cell, kind) {
            (Cell::Number(n), ValueKind::Integer) if *n >= 0.0 => {
                *self.number_digits.entry(text.len()).or_default() += 1;
                self.longest_digits = self.longest_digits.max(text.len());
            }
            (Cell::Text(_), ValueKind::Integer | ValueKind::LeadingZeros) => {
                *self.text_digits.entry(text.len()).or_default() += 1;
                self.longest_digits = self.longest_digits.max(text.len());
            }
            _ => {}
        }
        if known.is_none() && !self.distinct.contains_key(text.as_ref()) {
            if self.distinct.len() < DISTINCT_CAP {
                if self.samples.len() < SAMPLES {
                    self.samples.push(text.to_string());
                }
                self.distinct.insert(text.into_owned(), kind);
            } else {
                self.capped = true;
            }
        }
    }

    /// The column's report, for a table of `rows` data rows.
    pub(crate) fn finish(self, header: &str, rows: u64) -> Column {
        let boolean_like = self.boolean_like();
        let kind = if boolean_like {
            ValueKind::BooleanLike
        } else {
            self.dominant()
        };
        let mut problems = self.mixed(kind);
        if let Some(problem) = self.lost_zeros() {
            problems.push(problem);
        }
        if let Some(&count) = self.kinds.get(&ValueKind::Scientific) {
            let example = self.examples.get(&ValueKind::Scientific).cloned();
            problems.push(format!(
                "{count} in scientific notation (e.g. \"{}\"): Excel dropped the digits after the sixth; format the column as Text in Excel and enter the numbers again",
                example.unwrap_or_default()
            ));
        }
        if let Some(&count) = self.kinds.get(&ValueKind::Error) {
            let example = self.examples.get(&ValueKind::Error).cloned();
            problems.push(format!(
                "{count} error cells (e.g. {})",
                example.unwrap_or_default()
            ));
        }
        let pad = self.pad();
        let mut values: Vec<String> = Vec::new();
        if !self.capped && self.distinct.len() <= ENUM_MAX {
            values = self.distinct.keys().cloned().collect();
            values.sort();
        }
        Column {
            letter: String::new(),
            header: header.to_string(),
            filled: self.filled,
            fill_rate: if rows == 0 {
                0.0
            } else {
                self.filled as f64 / rows as f64
            },
            distinct: self.distinct.len(),
            distinct_capped: self.capped,
            samples: self.samples,
            kind,
            enum_like: !boolean_like
                && !values.is_empty()
                && self.filled >= 2 * values.len() as u64
                && matches!(kind, ValueKind::Text),
            values,
            pad,
            problems,
        }
    }

    /// At most three distinct values, every one a yes/no word or a TRUE/FALSE cell.
    fn boolean_like(&self) -> bool {
        let bools = self
            .kinds
            .get(&ValueKind::BooleanLike)
            .copied()
            .unwrap_or(0);
        let words = !self.capped
            && !self.distinct.is_empty()
            && self.distinct.len() <= 3
            && self.distinct.keys().all(|v| kind::boolean_word(v).is_some())
            // A column of 0s and 1s alone is a count as often as a flag; words settle it.
            && self.distinct.keys().any(|v| v.parse::<u8>().is_err());
        words || (bools > 0 && bools == self.filled)
    }

    fn dominant(&self) -> ValueKind {
        let best = self
            .kinds
            .iter()
            .filter(|(kind, _)| **kind != ValueKind::Error)
            .max_by_key(|(_, count)| **count)
            .map_or(ValueKind::Text, |(kind, _)| *kind);
        let count = |k: ValueKind| self.kinds.get(&k).copied().unwrap_or(0);
        match best {
            // Codes of one length where some keep a leading zero: the zeros matter.
            ValueKind::Integer if count(ValueKind::LeadingZeros) > 0 => ValueKind::LeadingZeros,
            ValueKind::Integer if count(ValueKind::Decimal) > 0 => ValueKind::Decimal,
            kind => kind,
        }
    }

    /// Kinds other than the column's own, beyond those that mix harmlessly.
    fn mixed(&self, kind: ValueKind) -> Vec<String> {
        let compatible = |other: ValueKind| {
            other == kind
                || (kind.numeric() && other.numeric())
                || matches!(
                    (kind, other),
                    (ValueKind::LeadingZeros, ValueKind::Integer)
                        | (
                            ValueKind::PostalCode | ValueKind::Phone,
                            ValueKind::Integer | ValueKind::LeadingZeros
                        )
                        | (ValueKind::BooleanLike, _)
                        | (ValueKind::Text, _)
                        | (_, ValueKind::Scientific | ValueKind::Error)
                )
        };
        let odd: Vec<String> = self
            .kinds
            .iter()
            .filter(|(other, _)| !compatible(**other))
            .map(|(other, count)| {
                let example = self.examples.get(other).cloned().unwrap_or_default();
                format!("{count} {} (e.g. \"{example}\")", other.describe())
            })
            .collect();
        if odd.is_empty() {
            return Vec::new();
        }
        let main = self.kinds.get(&kind).copied().unwrap_or(0);
        vec![format!(
            "mixed kinds: {main} {}, and {}",
            kind.describe(),
            odd.join(", ")
        )]
    }

    /// Numbers stored as numbers that are shorter than most of the column's codes: Excel
    /// dropped their leading zeros.
    fn lost_zeros(&self) -> Option<String> {
        let width = self.pad()?;
        let short: u64 = self
            .number_digits
            .iter()
            .filter(|(digits, _)| **digits < width)
            .map(|(_, count)| count)
            .sum();
        let (noun, their) = if short == 1 {
            ("number", "its")
        } else {
            ("numbers", "their")
        };
        Some(format!(
            "{short} {noun} stored as a number with fewer than {width} digits: Excel dropped {their} leading zeros; `pad = {width}` in the mapping puts them back"
        ))
    }

    /// The width to pad to when numbers lost their leading zeros: most integers have one
    /// length, and some stored as numbers are shorter.
    fn pad(&self) -> Option<usize> {
        let width = self.longest_digits;
        if !(3..=12).contains(&width) {
            return None;
        }
        let at = |map: &BTreeMap<usize, u64>, pick: &dyn Fn(usize) -> bool| -> u64 {
            map.iter().filter(|(d, _)| pick(**d)).map(|(_, c)| c).sum()
        };
        let short_numbers = at(&self.number_digits, &|d| d < width);
        let full =
            at(&self.number_digits, &|d| d == width) + at(&self.text_digits, &|d| d == width);
        let zeros = self
            .kinds
            .get(&ValueKind::LeadingZeros)
            .copied()
            .unwrap_or(0);
        (short_numbers > 0 && (zeros > 0 || full >= short_numbers)).then_some(width)
    }
}

/// A text column with at most this many distinct values may be an enumeration.
pub(crate) const ENUM_MAX: usize = 12;

/// What inspect says of one column.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Column {
    /// The spreadsheet's column letter: `A`, `B`, …
    pub letter: String,
    pub header: String,
    pub filled: u64,
    pub fill_rate: f64,
    /// Distinct non-blank values, exact up to the cap.
    pub distinct: usize,
    /// There were more distinct values than [`DISTINCT_CAP`].
    pub distinct_capped: bool,
    pub samples: Vec<String>,
    pub kind: ValueKind,
    /// Few values, each used several times: a status, a method, a category.
    pub enum_like: bool,
    /// Every distinct value, sorted, when there are at most [`ENUM_MAX`].
    pub values: Vec<String>,
    /// The width digits lost their leading zeros from, when some did.
    pub pad: Option<usize>,
    pub problems: Vec<String>,
}

impl Column {
    /// `"10,000+"` past the cap, else the count.
    pub(crate) fn distinct_shown(&self) -> String {
        if self.distinct_capped {
            format!("{}+", thousands(DISTINCT_CAP))
        } else {
            thousands(self.distinct)
        }
    }
}

/// `12345` as `12,345`.
pub(crate) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(cells: &[Cell]) -> Column {
        let mut tally = Tally::default();
        for cell in cells {
            tally.add(cell);
        }
        tally.finish("H", cells.len() as u64)
    }

    #[test]
    fn zip_codes_that_lost_their_zeros_are_found() {
        let c = column(&[
            Cell::Text("02134".into()),
            Cell::Number(2215.0),
            Cell::Number(10001.0),
        ]);
        assert_eq!(c.kind, ValueKind::LeadingZeros);
        assert_eq!(c.pad, Some(5));
        assert!(c.problems[0].contains("pad = 5"), "{:?}", c.problems);
    }

    #[test]
    fn yes_no_is_boolean_like_and_mixed_kinds_are_named() {
        let yes = Cell::Text("Yes".into());
        assert_eq!(
            column(&[yes.clone(), Cell::Text("no".into()), yes]).kind,
            ValueKind::BooleanLike
        );
        let mail = |s: &str| Cell::Text(s.into());
        let c = column(&[mail("a@b.example"), mail("c@d.example"), mail("n/a")]);
        assert_eq!(c.kind, ValueKind::Email);
        assert_eq!(
            c.problems,
            ["mixed kinds: 2 e-mail, and 1 text (e.g. \"n/a\")"]
        );
    }

    #[test]
    fn distinct_values_stop_at_the_cap() {
        let mut tally = Tally::default();
        for n in 0..DISTINCT_CAP + 5 {
            tally.add(&Cell::Text(format!("v{n}")));
        }
        let c = tally.finish("H", 1);
        assert_eq!(c.distinct_shown(), "10,000+");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
