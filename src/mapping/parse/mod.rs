//! The mapping file's TOML → a [`Mapping`], collecting every problem with its line.
//!
//! The file is walked from toml's spanned document rather than deserialized with serde, so that
//! one run reports all the problems (serde stops at the first) and each one knows its line.

use std::path::Path;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

mod matching;
mod rule;
mod shape;
mod tables;
#[cfg(test)]
mod tests;

use super::{Mapping, MappingErrors, MatchBy, Problem, RuleSource, suggest};
use crate::read::ReadOptions;
use ontime_api::Entity;

const TABLES: [&str; 5] = ["source", "customer", "department", "contact", "match"];
const SOURCE_KEYS: [&str; 4] = ["sheet", "header_row", "delimiter", "encoding"];
const CHILD_KEYS: [&str; 6] = [
    "sheet",
    "file",
    "link",
    "header_row",
    "delimiter",
    "encoding",
];

/// Parses the mapping file `text` (read from `path`).
pub fn parse(path: &Path, text: &str) -> Result<Mapping, MappingErrors> {
    let mut p = Parser {
        text,
        problems: Vec::new(),
    };
    let (doc, syntax) = DeTable::parse_recoverable(text);
    for error in syntax {
        let line = error.span().map(|s| p.line(s.start));
        let problem = Problem {
            line,
            message: format!("TOML syntax: {}", error.message()),
            hint: backslash_hint(text, line),
        };
        // A Windows path gives one error per backslash: one line of them is enough.
        if !p
            .problems
            .iter()
            .any(|seen| seen.line == line && seen.hint.is_some())
        {
            p.problems.push(problem);
        }
    }
    let mapping = if p.problems.is_empty() {
        Some(p.document(path, doc.get_ref()))
    } else {
        None
    };
    match mapping {
        Some(mapping) if p.problems.is_empty() => Ok(mapping),
        _ => {
            let mut problems = p.problems;
            problems.sort_by_key(|problem| problem.line);
            Err(MappingErrors {
                path: path.to_path_buf(),
                problems,
            })
        }
    }
}

/// For a syntax error on a line holding a backslash inside double quotes (a Windows path such as
/// `file = "C:\Exports\depts.csv"`): how to write it.
fn backslash_hint(text: &str, line: Option<usize>) -> Option<String> {
    let source = text.lines().nth(line?.checked_sub(1)?)?;
    (source.contains('"') && source.contains('\\')).then(|| {
        "in \"…\" a backslash starts an escape such as \\n; write a Windows path in single quotes ('C:\\Exports\\depts.csv') or with forward slashes".to_string()
    })
}

/// The encoding a label names: a WHATWG label (`windows-1252`, `utf-16le`, …), or a name from
/// the Save As dialogs of Notepad and Excel (`ANSI`, `UTF-8 with BOM`, `UTF-16 LE`,
/// `Unicode big endian`), which is what a person reads off the file.
fn encoding(label: &str) -> Option<&'static encoding_rs::Encoding> {
    let label = label.trim();
    let squashed: String = label
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase();
    match squashed.as_str() {
        "ansi" => Some(encoding_rs::WINDOWS_1252),
        "utf-8withbom" | "utf8withbom" | "utf-8bom" | "utf8bom" => Some(encoding_rs::UTF_8),
        "utf-16le" | "utf16le" => Some(encoding_rs::UTF_16LE),
        "utf-16be" | "utf16be" | "unicodebigendian" => Some(encoding_rs::UTF_16BE),
        _ => encoding_rs::Encoding::for_label(label.as_bytes()),
    }
}

type Entry<'a, 'i> = (
    &'a Spanned<std::borrow::Cow<'i, str>>,
    &'a Spanned<DeValue<'i>>,
);

struct Parser<'t> {
    text: &'t str,
    problems: Vec<Problem>,
}

impl Parser<'_> {
    fn line(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    }

    fn problem(&mut self, offset: usize, message: String, hint: Option<String>) {
        let line = Some(self.line(offset));
        self.problems.push(Problem {
            line,
            message,
            hint,
        });
    }

    fn unknown_key(
        &mut self,
        table: &str,
        key: &Spanned<std::borrow::Cow<'_, str>>,
        known: &[&str],
    ) {
        let name = key.get_ref();
        let hint = match suggest(name, known.iter().copied()) {
            Some(close) => format!("did you mean `{close}`?"),
            None => format!("the keys allowed in [{table}] are: {}", known.join(", ")),
        };
        self.problem(
            key.span().start,
            format!("unknown key `{name}` in [{table}]"),
            Some(hint),
        );
    }

    fn document(&mut self, path: &Path, doc: &DeTable<'_>) -> Mapping {
        let mut mapping = Mapping {
            path: path.to_path_buf(),
            source: ReadOptions {
                header_row: 1,
                ..ReadOptions::default()
            },
            group_by: Vec::new(),
            customer: Vec::new(),
            department: None,
            contact: None,
            match_by: MatchBy::None,
            also_by: None,
        };
        // Where `[customer]` starts: the line for problems of the table as a whole.
        let mut customer_line = None;
        let mut match_by = matching::MatchTable::default();
        for (key, value) in doc.iter() {
            let Some(table) = self.table(key, value) else {
                continue;
            };
            match key.get_ref().as_ref() {
                "source" => mapping.source = self.read_options(table, "source", &SOURCE_KEYS),
                "customer" => {
                    customer_line = Some(self.line(key.span().start));
                    (mapping.customer, mapping.group_by) = self.customer(table);
                }
                "department" => {
                    let at = key.span().start;
                    mapping.department = Some(self.child(Entity::Department, table, at));
                }
                "contact" => {
                    let at = key.span().start;
                    mapping.contact = Some(self.child(Entity::Contact, table, at));
                }
                "match" => match_by = self.match_table(table),
                _ => self.unknown_key("the file", key, &TABLES),
            }
        }
        let Some(customer_line) = customer_line else {
            self.problems.push(Problem {
                line: None,
                message: "there is no [customer] table".into(),
                hint: Some("add [customer] with at least `Name = \"<column>\"`".into()),
            });
            return mapping;
        };
        self.finish(&mut mapping, match_by, customer_line);
        mapping
    }

    fn table<'a, 'i>(
        &mut self,
        key: &Spanned<std::borrow::Cow<'i, str>>,
        value: &'a Spanned<DeValue<'i>>,
    ) -> Option<&'a DeTable<'i>> {
        if !TABLES.contains(&key.get_ref().as_ref()) {
            self.unknown_key("the file", key, &TABLES);
            return None;
        }
        match value.get_ref() {
            DeValue::Table(table) => Some(table),
            other => {
                let message = format!(
                    "`{}` must be a table ([{}]), not {}",
                    key.get_ref(),
                    key.get_ref(),
                    other.type_str()
                );
                self.problem(key.span().start, message, None);
                None
            }
        }
    }

    /// Cross-table rules: group_by's default, [match]'s default and its field being mapped.
    fn finish(
        &mut self,
        mapping: &mut Mapping,
        match_by: matching::MatchTable,
        customer_line: usize,
    ) {
        let column_of = |name: &str| {
            mapping.customer.iter().find_map(|rule| match &rule.source {
                RuleSource::Column { column, .. } if rule.field.name == name => {
                    Some(column.clone())
                }
                _ => None,
            })
        };
        if mapping.group_by.is_empty() {
            match column_of("AccountNumber") {
                Some(column) => mapping.group_by = vec![column],
                None => self.problems.push(Problem {
                    line: Some(customer_line),
                    message: "[customer] has no `group_by` and AccountNumber is not mapped to a column".into(),
                    hint: Some("add `group_by = \"<column>\"` naming the column(s) that identify a customer's rows".into()),
                }),
            }
        }
        if !mapping
            .customer
            .iter()
            .any(|rule| rule.field.name == "Name")
        {
            self.problems.push(Problem {
                line: Some(customer_line),
                message: "[customer] does not map `Name`: OnTime needs a name for every customer"
                    .into(),
                hint: Some("add `Name = \"<column holding the company name>\"`".into()),
            });
        }
        let mapped = |name: &str| column_of(name).is_some();
        (mapping.match_by, mapping.also_by) = self.match_settings(match_by, mapped);
    }
}
