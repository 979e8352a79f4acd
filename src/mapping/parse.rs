//! The mapping file's TOML → a [`Mapping`], collecting every problem with its line.
//!
//! The file is walked from toml's spanned document rather than deserialized with serde, so that
//! one run reports all the problems (serde stops at the first) and each one knows its line.

use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::convert::convert;
use super::{
    ChildMap, HeaderRef, MATCH_FIELDS, Mapping, MappingErrors, MatchBy, Origin, Problem, Rule,
    RuleSource, suggest,
};
use crate::read::{Cell, ReadOptions};
use ontime_api::{Entity, FieldDef, Value};

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
        };
        // Where `[customer]` starts: the line for problems of the table as a whole.
        let mut customer_line = None;
        let mut match_by = None;
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
        match_by: Option<(MatchBy, usize)>,
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
        mapping.match_by = match match_by {
            Some((MatchBy::Field(field), line)) => {
                if column_of(field).is_none() {
                    self.problems.push(Problem {
                        line: Some(line),
                        message: format!("[match] by = \"{field}\", but [customer] does not map {field} to a column"),
                        hint: Some(format!("map {field} in [customer], or choose another field to match by")),
                    });
                }
                MatchBy::Field(field)
            }
            Some((MatchBy::None, _)) => MatchBy::None,
            None if column_of("AccountNumber").is_some() => MatchBy::Field("AccountNumber"),
            None => MatchBy::None,
        };
    }

    fn customer(&mut self, table: &DeTable<'_>) -> (Vec<Rule>, Vec<HeaderRef>) {
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
    fn child(&mut self, entity: Entity, table: &DeTable<'_>, at: usize) -> ChildMap {
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

    fn match_table(&mut self, table: &DeTable<'_>) -> Option<(MatchBy, usize)> {
        let mut found = None;
        for (key, value) in table.iter() {
            if key.get_ref() != "by" {
                self.unknown_key("match", key, &["by"]);
                continue;
            }
            let Some(by) = self.string(value, "by") else {
                continue;
            };
            let line = self.line(value.span().start);
            if by.eq_ignore_ascii_case("none") {
                found = Some((MatchBy::None, line));
            } else if let Some((field, _)) = MATCH_FIELDS.iter().find(|(f, _)| *f == by) {
                found = Some((MatchBy::Field(field), line));
            } else {
                let names: Vec<&str> = MATCH_FIELDS
                    .iter()
                    .map(|(f, _)| *f)
                    .chain(["none"])
                    .collect();
                let hint = match suggest(&by, names.iter().copied()) {
                    Some(close) => format!("did you mean \"{close}\"?"),
                    None => format!("use one of: {}", names.join(", ")),
                };
                self.problem(
                    value.span().start,
                    format!("[match] by = \"{by}\" is not a field customers can be matched by"),
                    Some(hint),
                );
            }
        }
        found
    }

    fn read_options(&mut self, table: &DeTable<'_>, name: &str, known: &[&str]) -> ReadOptions {
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

    fn string(&mut self, value: &Spanned<DeValue<'_>>, what: &str) -> Option<String> {
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
    fn headers(&mut self, value: &Spanned<DeValue<'_>>, what: &str) -> Vec<HeaderRef> {
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

    /// `Field = "Column"`, `Field = { column = …, default = …, map = {…} }` or `{ value = … }`.
    fn rule(
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

    fn rule_table(
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
        for (key, value) in table.iter() {
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
                        &["column", "default", "map", "value"],
                    );
                    ok = false;
                }
            }
        }
        match (column, constant) {
            (Some(column), None) => ok.then_some(RuleSource::Column {
                column,
                default: default.flatten(),
                map,
            }),
            (None, Some(Some(value))) if !default_given && map.is_empty() => {
                ok.then_some(RuleSource::Constant(value))
            }
            // A constant that failed to convert was reported already.
            (None, Some(None)) => None,
            (Some(_), Some(_)) | (None, Some(_)) => {
                let message = format!(
                    "`{}`: `value` is a constant and cannot go with `column`, `default` or `map`",
                    field.name
                );
                self.problem(at, message, None);
                None
            }
            (None, None) if !default_given => {
                let message = format!(
                    "`{}` needs `column = \"…\"`, `value = …` or `default = …`",
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
    fn default_alone(
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
    fn constant(
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

    fn value_map(
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

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<(Option<usize>, String)> {
        match parse(Path::new("m.toml"), text) {
            Ok(_) => Vec::new(),
            Err(e) => e
                .problems
                .into_iter()
                .map(|p| {
                    (
                        p.line,
                        format!("{} | {}", p.message, p.hint.unwrap_or_default()),
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn the_default_mapping_parses() {
        let text = include_str!("../../mappings/default.toml");
        let mapping = parse(Path::new("default.toml"), text).expect("default.toml is valid");
        assert_eq!(mapping.group_by[0].name, "Acct No");
        assert_eq!(mapping.match_by, MatchBy::Field("AccountNumber"));
        assert_eq!(mapping.customer.len(), 22);
        let inactive = mapping
            .customer
            .iter()
            .find(|r| r.field.name == "Inactive")
            .expect("Inactive");
        let RuleSource::Column { map, .. } = &inactive.source else {
            panic!("column rule")
        };
        assert!(map.contains(&("closed".to_string(), Some(Value::Bool(true)))));
        assert!(mapping.department.is_some() && mapping.contact.is_some());
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        let text = r#"[source]
header_row = 0
delimeter = ";"

[customer]
Nmae = "Company"
AccountNumber = "Acct"
Inactive = { column = "Status", map = { "Active" = "maybe" } }
Country = { value = "US", column = "Country" }
PricingMethod = { value = "Per mile" }
Phone = 5

[match]
by = "AcountNumber"
"#;
        let found = problems(text);
        let lines: Vec<Option<usize>> = found.iter().map(|(l, _)| *l).collect();
        assert_eq!(
            lines,
            [
                Some(2),
                Some(3),
                Some(5),
                Some(6),
                Some(8),
                Some(9),
                Some(10),
                Some(11),
                Some(14)
            ],
            "{found:#?}"
        );
        let all = format!("{found:?}");
        assert!(all.contains("did you mean `Name`?"), "{all}");
        assert!(all.contains("did you mean `delimiter`?"), "{all}");
        assert!(all.contains("did you mean \\\"AccountNumber\\\"?"), "{all}");
        assert!(all.contains("does not map `Name`"), "{all}");
    }

    #[test]
    fn a_default_alone_is_a_default_for_every_customer() {
        let ok = parse(
            Path::new("m.toml"),
            "[customer]\nName = \"Company\"\nAccountNumber = \"Acct\"\nTimeZone = { default = \"Eastern Standard Time\" }\nComments = { value = \"x\" }\n",
        )
        .expect("valid");
        let source = |name: &str| {
            let rule = ok.customer.iter().find(|r| r.field.name == name);
            rule.map(|r| r.source.clone())
        };
        let zone = Value::Text("Eastern Standard Time".into());
        assert_eq!(source("TimeZone"), Some(RuleSource::Default(zone.clone())));
        assert_eq!(
            source("TimeZone").and_then(|s| s.fallback().map(|(v, d)| (v.clone(), d))),
            Some((zone, true))
        );
        let comments = source("Comments").expect("Comments");
        assert_eq!(comments.fallback().map(|(_, d)| d), Some(false));
        let found = problems(
            "[customer]\nName = \"Company\"\nAccountNumber = \"Acct\"\nTimeZone = { default = \"\" }\nCountry = { default = \"US\", map = { \"x\" = \"y\" } }\nPricingMethod = { default = \"Per mile\" }\nCity = {}\n",
        );
        let lines: Vec<Option<usize>> = found.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [Some(4), Some(5), Some(6), Some(7)], "{found:#?}");
        assert!(
            found[0]
                .1
                .contains("a blank `default` without `column` sets nothing")
        );
        assert!(found[1].1.contains("`map` needs `column"));
        assert!(found[2].1.contains("default \"Per mile\""));
        assert!(
            found[3]
                .1
                .contains("needs `column = \"…\"`, `value = …` or `default = …`")
        );
    }

    #[test]
    fn encodings_by_their_save_as_names_too() {
        for (label, want) in [
            ("windows-1252", encoding_rs::WINDOWS_1252),
            (" ANSI ", encoding_rs::WINDOWS_1252),
            ("latin1", encoding_rs::WINDOWS_1252),
            ("UTF-8 with BOM", encoding_rs::UTF_8),
            ("UTF-16 LE", encoding_rs::UTF_16LE),
            ("Unicode", encoding_rs::UTF_16LE),
            ("Unicode big endian", encoding_rs::UTF_16BE),
            ("macintosh", encoding_rs::MACINTOSH),
        ] {
            assert_eq!(encoding(label), Some(want), "{label}");
        }
        assert_eq!(encoding("Western European"), None);
    }

    #[test]
    fn syntax_errors_have_lines() {
        let found = problems("[customer]\nName = \"Company\nCity = \"City\"\n");
        assert_eq!(found[0].0, Some(2), "{found:?}");
        assert!(found[0].1.starts_with("TOML syntax"));
    }

    #[test]
    fn children_from_elsewhere_need_a_link() {
        let found = problems(
            "[customer]\nName = \"Company\"\nAccountNumber = \"Acct\"\n[contact]\nsheet = \"Contacts\"\nName = \"Contact\"\n",
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].1.contains("no `link`"));
        let ok = parse(
            Path::new("m.toml"),
            "[customer]\nName = \"Company\"\nAccountNumber = \"Acct\"\n[contact]\nfile = \"c.csv\"\nlink = [\"Acct\"]\nName = \"Contact\"\n",
        )
        .expect("valid");
        let Some(ChildMap {
            origin: Origin::Elsewhere { file, link, .. },
            ..
        }) = ok.contact
        else {
            panic!("elsewhere")
        };
        assert_eq!(file, Some(PathBuf::from("c.csv")));
        assert_eq!(link[0].name, "Acct");
    }
}
