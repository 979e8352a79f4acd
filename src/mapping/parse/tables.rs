//! The tables of a mapping file other than the rules themselves: `[customer]`'s entries,
//! `[department]`/`[contact]` with where their rows come from, the read options,
//! and column names (one or a list).

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::{CHILD_KEYS, Parser, encoding};
use std::path::PathBuf;

use crate::mapping::{ChildMap, HeaderRef, Origin, Problem, Rule};
use crate::read::ReadOptions;
use ontime_api::Entity;

impl Parser<'_> {
    pub(super) fn customer(&mut self, table: &DeTable<'_>) -> (Vec<Rule>, Vec<HeaderRef>) {
        let mut group_by = Vec::new();
        let mut rules = Vec::new();
        for entry in table.iter() {
            if entry.0.get_ref() == "group_by" {
                group_by = self.headers(entry.1, "group_by");
            } else if let Some(rule) = self.rule(Entity::Customer, entry, &["group_by"]) {
                rules.push(rule);
            }
        }
        (rules, group_by)
    }

    /// `[department]` or `[contact]`, whose header starts at byte `at`.
    pub(super) fn child(&mut self, entity: Entity, table: &DeTable<'_>, at: usize) -> ChildMap {
        let name = entity.table();
        let mut rules = Vec::new();
        let mut settings = DeTable::new();
        let mut field_keys = 0;
        for (key, value) in table.iter() {
            if CHILD_KEYS.contains(&key.get_ref().as_ref()) {
                settings.insert(key.clone(), value.clone());
            } else {
                field_keys += 1;
                if let Some(rule) = self.rule(entity, (key, value), &CHILD_KEYS) {
                    rules.push(rule);
                }
            }
        }
        // Fields that were given but rejected are reported already, each on its line.
        if field_keys == 0 {
            self.problems.push(Problem {
                line: Some(self.line(at)),
                message: format!("[{name}] maps no fields"),
                hint: Some(format!("map at least `Name`, or remove [{name}]")),
            });
        }
        let link = settings
            .get("link")
            .map(|value| self.headers(value, "link"))
            .unwrap_or_default();
        let elsewhere = settings.contains_key("sheet") || settings.contains_key("file");
        let file = settings
            .get("file")
            .and_then(|value| self.string(value, "file"))
            .map(PathBuf::from);
        let read = self.read_options(&settings, name, &CHILD_KEYS);
        let origin = match (elsewhere, link.is_empty()) {
            (true, false) => Origin::Elsewhere { file, read, link },
            (true, true) => {
                let at = settings
                    .get("sheet")
                    .or(settings.get("file"))
                    .map_or(0, |v| v.span().start);
                let message = format!("[{name}] reads its own sheet or file but has no `link`");
                let hint = format!(
                    "add `link = \"<column there holding the customer's {}>\"`",
                    "group key"
                );
                self.problem(at, message, Some(hint));
                Origin::SameRows
            }
            (false, _) => {
                if let Some(value) = settings.get("link") {
                    let message = format!("[{name}] has `link` but neither `sheet` nor `file`");
                    let hint = "`link` is for rows in another sheet or file; remove it to read the customer's own rows".to_string();
                    self.problem(value.span().start, message, Some(hint));
                }
                Origin::SameRows
            }
        };
        ChildMap {
            entity,
            origin,
            rules,
        }
    }

    pub(super) fn read_options(
        &mut self,
        table: &DeTable<'_>,
        name: &str,
        known: &[&str],
    ) -> ReadOptions {
        let mut options = ReadOptions {
            header_row: 1,
            ..ReadOptions::default()
        };
        for (key, value) in table.iter() {
            let at = value.span().start;
            match key.get_ref().as_ref() {
                "sheet" => {
                    options.sheet = self.string(value, "sheet");
                    options.sheet_line = Some(self.line(at));
                }
                "header_row" => match value.get_ref().as_integer().and_then(|i| i64::from_str_radix(i.as_str(), i.radix()).ok()) {
                    Some(row) if row >= 1 => options.header_row = row.unsigned_abs(),
                    _ => self.problem(at, "`header_row` must be a whole number from 1 up (the row that holds the column names)".into(), None),
                },
                "delimiter" => {
                    if let Some(text) = self.string(value, "delimiter") {
                        options.delimiter = match text.as_str() {
                            "\t" | "tab" | "TAB" | "\\t" => Some(b'\t'),
                            one if one.len() == 1 => one.bytes().next(),
                            _ => {
                                let message = format!("`delimiter` must be one character such as \",\", \";\", \"|\" or \"\\t\", not \"{text}\"");
                                self.problem(at, message, None);
                                None
                            }
                        }
                    }
                }
                "encoding" => {
                    if let Some(label) = self.string(value, "encoding") {
                        options.encoding = encoding(&label);
                        if options.encoding.is_none() {
                            let hint = "use a name such as \"utf-8\", \"windows-1252\", \"iso-8859-1\" or \"utf-16le\"".to_string();
                            self.problem(at, format!("unknown encoding \"{label}\""), Some(hint));
                        }
                    }
                }
                "file" | "link" if name != "source" => {}
                _ => self.unknown_key(name, key, known),
            }
        }
        options
    }

    pub(super) fn string(&mut self, value: &Spanned<DeValue<'_>>, what: &str) -> Option<String> {
        match value.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            other => {
                let message = format!(
                    "`{what}` must be a string in quotes, not {}",
                    other.type_str()
                );
                self.problem(value.span().start, message, None);
                None
            }
        }
    }

    /// One column name or a list of them.
    pub(super) fn headers(&mut self, value: &Spanned<DeValue<'_>>, what: &str) -> Vec<HeaderRef> {
        let line = self.line(value.span().start);
        let reported = self.problems.len();
        let names = match value.get_ref() {
            DeValue::Array(items) => items
                .iter()
                .filter_map(|item| self.string(item, what))
                .collect(),
            _ => self.string(value, what).into_iter().collect::<Vec<_>>(),
        };
        // A value of the wrong type was reported already: one problem per mistake.
        let wrong_type = self.problems.len() > reported;
        if !wrong_type && (names.is_empty() || names.iter().any(|n| n.trim().is_empty())) {
            self.problem(
                value.span().start,
                format!("`{what}` must name at least one column, and no blank ones"),
                None,
            );
        }
        names
            .into_iter()
            .map(|name| HeaderRef { name, line })
            .collect()
    }
}
