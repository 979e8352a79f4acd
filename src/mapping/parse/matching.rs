//! `[match]`: `by`, the field existing OnTime customers are found by, and `also_by`, the field
//! a customer that `by` does not find is then matched by. Both are checked here against the
//! field catalogue and against `[customer]` (a field to match by must come from a column),
//! every problem with its line and a hint.

use toml::de::DeTable;

use super::Parser;
use crate::mapping::{MATCH_FIELDS, MatchBy, Problem, suggest};
use ontime_api::{CUSTOMER_FIELDS, Kind};

/// `[match]` as written, each setting with its line.
#[derive(Debug, Default)]
pub(super) struct MatchTable {
    pub by: Option<(MatchBy, usize)>,
    pub also_by: Option<(&'static str, usize)>,
}

/// The customer fields `also_by` accepts: every text property of the catalogue (the values are
/// compared as text).
fn also_by_fields() -> impl Iterator<Item = &'static str> {
    CUSTOMER_FIELDS
        .iter()
        .filter(|field| matches!(field.kind, Kind::Text | Kind::Email))
        .map(|field| field.name)
}

impl Parser<'_> {
    pub(super) fn match_table(&mut self, table: &DeTable<'_>) -> MatchTable {
        let mut found = MatchTable::default();
        for (key, value) in table.iter() {
            let key_name = key.get_ref().as_ref();
            if key_name != "by" && key_name != "also_by" {
                self.unknown_key("match", key, &["by", "also_by"]);
                continue;
            }
            let Some(given) = self.string(value, key_name) else {
                continue;
            };
            let line = self.line(value.span().start);
            if key_name == "also_by" {
                match also_by_fields().find(|f| *f == given) {
                    Some(field) => found.also_by = Some((field, line)),
                    None => {
                        let names: Vec<&str> = also_by_fields().collect();
                        let hint = match suggest(&given, names.iter().copied()) {
                            Some(close) => format!("did you mean \"{close}\"?"),
                            None => format!(
                                "use a text field of [customer], such as Name, Email or ReferenceNumber (one of: {})",
                                names.join(", ")
                            ),
                        };
                        let message = format!(
                            "[match] also_by = \"{given}\" is not a customer text field to match by"
                        );
                        self.problem(value.span().start, message, Some(hint));
                    }
                }
            } else if given.eq_ignore_ascii_case("none") {
                found.by = Some((MatchBy::None, line));
            } else if let Some((field, _)) = MATCH_FIELDS.iter().find(|(f, _)| *f == given) {
                found.by = Some((MatchBy::Field(field), line));
            } else {
                let names: Vec<&str> = MATCH_FIELDS
                    .iter()
                    .map(|(f, _)| *f)
                    .chain(["none"])
                    .collect();
                let hint = match suggest(&given, names.iter().copied()) {
                    Some(close) => format!("did you mean \"{close}\"?"),
                    None => format!("use one of: {}", names.join(", ")),
                };
                self.problem(
                    value.span().start,
                    format!("[match] by = \"{given}\" is not a field customers can be matched by"),
                    Some(hint),
                );
            }
        }
        found
    }

    /// `[match]` against `[customer]`: the match fields must be mapped to columns, and
    /// `also_by` must differ from `by`. Without `by`, customers are matched by AccountNumber
    /// when it is mapped to a column. `mapped` tells whether a field comes from a column.
    pub(super) fn match_settings(
        &mut self,
        table: MatchTable,
        mapped: impl Fn(&str) -> bool,
    ) -> (MatchBy, Option<&'static str>) {
        let by = match table.by {
            Some((MatchBy::Field(field), line)) => {
                if !mapped(field) {
                    self.problems.push(Problem {
                        line: Some(line),
                        message: format!("[match] by = \"{field}\", but [customer] does not map {field} to a column"),
                        hint: Some(format!("map {field} in [customer], or choose another field to match by")),
                    });
                }
                MatchBy::Field(field)
            }
            Some((MatchBy::None, _)) => MatchBy::None,
            None if mapped("AccountNumber") => MatchBy::Field("AccountNumber"),
            None => MatchBy::None,
        };
        let also_by = table.also_by.map(|(field, line)| {
            if by == MatchBy::Field(field) {
                self.problems.push(Problem {
                    line: Some(line),
                    message: format!("[match] also_by = \"{field}\" is the field customers are matched `by` already"),
                    hint: Some("name another field (Name, say), or remove also_by".into()),
                });
            } else if !mapped(field) {
                self.problems.push(Problem {
                    line: Some(line),
                    message: format!("[match] also_by = \"{field}\", but [customer] does not map {field} to a column"),
                    hint: Some(format!("map {field} in [customer], or remove also_by")),
                });
            }
            field
        });
        (by, also_by)
    }
}
