//! One `Field = …` entry: a column, a table with `column`/`join`, `default`, `map`, the
//! clean-ups of [`super::shape`], or a constant `value`; every literal converted as a cell of
//! the field's kind, so a bad default is reported when the mapping is read.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::shape::ShapeDraft;
use super::{Entry, Parser};
use crate::mapping::convert::convert;
use crate::mapping::{HeaderRef, Rule, RuleSource, suggest};
use crate::read::Cell;
use ontime_api::{Entity, FieldDef, Value};

impl Parser<'_> {
    /// `Field = "Column"`, `Field = { column = …, default = …, map = {…} }` or `{ value = … }`.
    pub(super) fn rule(
        &mut self,
        entity: Entity,
        (key, value): Entry<'_, '_>,
        extra: &[&str],
    ) -> Option<Rule> {
        let name = key.get_ref().as_ref();
        let Some(field) = entity.field(name) else {
            let names: Vec<&str> = entity
                .fields()
                .iter()
                .map(|d| d.name)
                .chain(extra.iter().copied())
                .collect();
            let hint = match suggest(name, names.iter().copied()) {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!("the {} fields are: {}", entity.table(), names.join(", ")),
            };
            let message = format!("unknown {} field `{name}`", entity.table());
            self.problem(key.span().start, message, Some(hint));
            return None;
        };
        let line = self.line(key.span().start);
        let source = match value.get_ref() {
            DeValue::String(column) => RuleSource::Column {
                column: HeaderRef {
                    name: column.to_string(),
                    line,
                },
                default: None,
                map: Vec::new(),
                shape: None,
            },
            DeValue::Table(table) => self.rule_table(field, table, value.span().start)?,
            other => {
                let message = format!(
                    "`{name}` must be a column name in quotes or a table such as {{ column = \"…\", default = … }}, not {}",
                    other.type_str()
                );
                self.problem(value.span().start, message, None);
                return None;
            }
        };
        Some(Rule {
            field,
            line,
            source,
        })
    }

    pub(super) fn rule_table(
        &mut self,
        field: FieldDef,
        table: &DeTable<'_>,
        at: usize,
    ) -> Option<RuleSource> {
        let (mut column, mut default, mut constant, mut map) = (None, None, None, Vec::new());
        // Whether `default` was written (its value may have failed to convert, and was then
        // reported).
        let mut default_given = false;
        let mut ok = true;
        let mut draft = ShapeDraft::default();
        for (key, value) in table.iter() {
            if self.shape_key(field, key.get_ref(), value, &mut draft) {
                continue;
            }
            match key.get_ref().as_ref() {
                "column" => {
                    column = self.string(value, "column").map(|name| HeaderRef {
                        name,
                        line: self.line(value.span().start),
                    })
                }
                "default" => {
                    default_given = true;
                    default = self.constant(field, value, "default");
                }
                "value" => constant = Some(self.constant(field, value, "value").unwrap_or(None)),
                "map" => map = self.value_map(field, value),
                _ => {
                    self.unknown_key(
                        &format!("{} = {{…}}", field.name),
                        key,
                        &[
                            "column", "default", "map", "value", "join", "sep", "pad", "trim",
                            "replace",
                        ],
                    );
                    ok = false;
                }
            }
        }
        let shaped = draft.any;
        let (column, shape) = self.finish_shape(field, column, draft, at)?;
        match (column, constant) {
            (Some(column), None) => ok.then_some(RuleSource::Column {
                column,
                default: default.flatten(),
                map,
                shape,
            }),
            (None, Some(Some(value))) if !default_given && map.is_empty() && !shaped => {
                ok.then_some(RuleSource::Constant(value))
            }
            // A constant that failed to convert was reported already.
            (None, Some(None)) => None,
            (Some(_), Some(_)) | (None, Some(_)) => {
                let message = format!(
                    "`{}`: `value` is a constant and cannot go with `column`, `join`, `default`, `map` or a clean-up",
                    field.name
                );
                self.problem(at, message, None);
                None
            }
            (None, None) if !default_given => {
                let message = format!(
                    "`{}` needs `column = \"…\"`, `join = [\"…\", \"…\"]`, `value = …` or `default = …`",
                    field.name
                );
                self.problem(at, message, None);
                None
            }
            (None, None) => self.default_alone(field, default?, &map, at, ok),
        }
    }

    /// `{ default = … }` without `column` or `value` (`None` for a blank default): the property
    /// is filled where it is blank (every create; an update only where OnTime's is blank too).
    pub(super) fn default_alone(
        &mut self,
        field: FieldDef,
        default: Option<Value>,
        map: &[(String, Option<Value>)],
        at: usize,
        ok: bool,
    ) -> Option<RuleSource> {
        let name = field.name;
        let message = match default {
            Some(value) if map.is_empty() => return ok.then_some(RuleSource::Default(value)),
            Some(_) => format!("`{name}`: `map` needs `column = \"…\"`"),
            None => format!(
                "`{name}`: a blank `default` without `column` sets nothing; give it a value, or remove `{name}`"
            ),
        };
        self.problem(at, message, None);
        None
    }

    /// A TOML literal converted as a cell of the field's kind: `Some(None)` for a blank string.
    pub(super) fn constant(
        &mut self,
        field: FieldDef,
        value: &Spanned<DeValue<'_>>,
        what: &str,
    ) -> Option<Option<Value>> {
        let cell = match value.get_ref() {
            DeValue::String(s) => Cell::Text(s.to_string()),
            DeValue::Boolean(b) => Cell::Bool(*b),
            DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
                // Mapping constants are small; the cast to f64 is the cell model's number type.
                Ok(n) => Cell::Number(n as f64),
                Err(_) => Cell::Text(i.as_str().to_string()),
            },
            DeValue::Float(x) => match x.as_str().parse() {
                Ok(n) => Cell::Number(n),
                Err(_) => Cell::Text(x.as_str().to_string()),
            },
            other => {
                let message = format!(
                    "`{}`: `{what}` must be a string, number or true/false, not {}",
                    field.name,
                    other.type_str()
                );
                self.problem(value.span().start, message, None);
                return None;
            }
        };
        match convert(&cell, field.kind) {
            Ok(converted) => Some(converted),
            Err(reason) => {
                let shown = crate::mapping::convert::cell_text(&cell).unwrap_or_default();
                let message = format!("`{}`: {what} \"{shown}\" {reason}", field.name);
                self.problem(value.span().start, message, None);
                None
            }
        }
    }

    pub(super) fn value_map(
        &mut self,
        field: FieldDef,
        value: &Spanned<DeValue<'_>>,
    ) -> Vec<(String, Option<Value>)> {
        let DeValue::Table(table) = value.get_ref() else {
            let message = format!(
                "`{}`: `map` must be a table such as {{ \"Active\" = false }}",
                field.name
            );
            self.problem(value.span().start, message, None);
            return Vec::new();
        };
        table
            .iter()
            .filter_map(|(key, value)| {
                let converted = self.constant(
                    field,
                    value,
                    &format!("map value for \"{}\"", key.get_ref()),
                )?;
                Some((key.get_ref().trim().to_lowercase(), converted))
            })
            .collect()
    }
}
