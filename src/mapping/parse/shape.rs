//! The keys of a rule table that build its cell: `join`, `sep`, `pad`, `trim`, `replace`
//! (see [`crate::mapping::Shape`]), each checked where it stands.

use toml::Spanned;
use toml::de::DeValue;

use super::Parser;
use crate::mapping::{HeaderRef, Shape, Trim};
use ontime_api::{FieldDef, Kind};

/// The shape keys of one rule table, as written.
#[derive(Default)]
pub(super) struct ShapeDraft {
    pub(super) shape: Shape,
    pub(super) sep_given: bool,
    /// Any shape key was written (a constant `value` cannot have one).
    pub(super) any: bool,
}

impl Parser<'_> {
    /// Takes `key` when it is a shape key; `false` when it is not one.
    pub(super) fn shape_key(
        &mut self,
        field: FieldDef,
        key: &str,
        value: &Spanned<DeValue<'_>>,
        draft: &mut ShapeDraft,
    ) -> bool {
        let at = value.span().start;
        match key {
            "join" => {
                draft.shape.join = self.headers(value, "join");
                if draft.shape.join.len() == 1 {
                    let message = format!(
                        "`{}`: `join` needs two or more columns; for one, write `column = \"…\"`",
                        field.name
                    );
                    self.problem(at, message, None);
                }
            }
            "sep" => {
                draft.sep_given = true;
                draft.shape.sep = self.string(value, "sep").unwrap_or_default();
            }
            "pad" => draft.shape.pad = self.pad(field, value),
            "trim" => {
                draft.shape.trim = match value.get_ref() {
                    DeValue::Boolean(true) => Some(Trim::Spaces),
                    DeValue::Boolean(false) => None,
                    DeValue::String(chars) => Some(Trim::Chars(chars.to_string())),
                    other => {
                        let message = format!(
                            "`{}`: `trim` must be true or a string of characters to take off both ends, not {}",
                            field.name,
                            other.type_str()
                        );
                        self.problem(at, message, None);
                        None
                    }
                }
            }
            "replace" => draft.shape.replace = self.replacements(field, value),
            _ => return false,
        }
        draft.any = true;
        true
    }

    fn pad(&mut self, field: FieldDef, value: &Spanned<DeValue<'_>>) -> Option<usize> {
        let width = match value.get_ref() {
            DeValue::Integer(i) => i
                .as_str()
                .parse::<usize>()
                .ok()
                .filter(|w| (1..=30).contains(w)),
            _ => None,
        };
        let message = if width.is_none() {
            format!(
                "`{}`: `pad` must be a whole number of digits from 1 to 30, such as `pad = 5`",
                field.name
            )
        } else if field.kind != Kind::Text {
            format!(
                "`{}`: `pad` is for text fields (postal codes, account numbers), and {} is {}",
                field.name,
                field.name,
                field.kind.describe()
            )
        } else {
            return width;
        };
        self.problem(value.span().start, message, None);
        None
    }

    fn replacements(
        &mut self,
        field: FieldDef,
        value: &Spanned<DeValue<'_>>,
    ) -> Vec<(String, String)> {
        let DeValue::Table(table) = value.get_ref() else {
            let message = format!(
                "`{}`: `replace` must be a table such as {{ \".\" = \"-\" }}",
                field.name
            );
            self.problem(value.span().start, message, None);
            return Vec::new();
        };
        let mut pairs = Vec::new();
        for (from, to) in table.iter() {
            let Some(to) = self.string(to, "a replacement") else {
                continue;
            };
            if from.get_ref().is_empty() {
                let message = format!("`{}`: `replace` cannot replace an empty string", field.name);
                self.problem(from.span().start, message, None);
                continue;
            }
            pairs.push((from.get_ref().to_string(), to));
        }
        pairs
    }

    /// The rule's column and shape once every key is read: `join` stands for `column`, `sep`
    /// needs `join`. `None` when a problem was reported.
    pub(super) fn finish_shape(
        &mut self,
        field: FieldDef,
        column: Option<HeaderRef>,
        draft: ShapeDraft,
        at: usize,
    ) -> Option<(Option<HeaderRef>, Option<Shape>)> {
        let name = field.name;
        let mut shape = draft.shape;
        let message = match (&column, shape.join.first()) {
            (Some(_), Some(_)) => format!(
                "`{name}`: `join` and `column` cannot go together: `join` lists every column"
            ),
            (_, None) if draft.sep_given => {
                format!("`{name}`: `sep` goes with `join = [\"…\", \"…\"]`")
            }
            (None, Some(first)) => {
                let first = first.clone();
                if !draft.sep_given {
                    shape.sep = " ".into();
                }
                return Some((Some(first), Some(shape)));
            }
            _ => return Some((column, draft.any.then_some(shape))),
        };
        self.problem(at, message, None);
        None
    }
}
