//! Checks a mapping against a table's real header row and resolves each named column to its
//! index. Every missing or ambiguous column is reported at once, before any row is read, with
//! the headers that are there and the closest one.

use super::convert::invisible;
use super::shape::{Derived, Shape};
use super::{HeaderRef, MappingErrors, Problem, Rule, RuleSource, suggest};
use crate::read::{Row, Table};
use ontime_api::Entity;

/// A column of the input, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub index: usize,
    /// The header as it stands in the file (trimmed), for messages and the report.
    pub header: String,
}

/// A rule with its column resolved (none for a constant; a derived column past the table's
/// own for a rule with a `shape`).
#[derive(Debug, Clone)]
pub struct FieldBinding {
    pub rule: Rule,
    pub column: Option<Column>,
}

/// A mapping bound to one table: the key columns and, per entity the table feeds, its fields.
#[derive(Debug, Clone)]
pub struct Binding {
    pub key: Vec<Column>,
    pub entities: Vec<(Entity, Vec<FieldBinding>)>,
    /// The table's own columns: derived cells come after them.
    pub width: usize,
    /// Cells built from others (`join`, clean-ups), at indexes from `width` on.
    pub derived: Vec<Derived>,
}

impl Binding {
    /// Adds the derived cells to a row read from the bound table; the readers call it on each
    /// row before anything looks at its cells. Nothing to do when the mapping shapes no cell.
    pub fn derive(&self, row: &mut Row) {
        super::shape::derive(&self.derived, self.width, row);
    }

    pub fn fields(&self, entity: Entity) -> Option<&[FieldBinding]> {
        self.entities
            .iter()
            .find(|(e, _)| *e == entity)
            .map(|(_, fields)| fields.as_slice())
    }
}

/// Resolves the `key` columns and every rule of `entities` against `table`'s header.
pub fn bind(
    mapping_path: &std::path::Path,
    table: &Table,
    header_row: u64,
    key: &[HeaderRef],
    entities: &[(Entity, &[Rule])],
) -> Result<Binding, MappingErrors> {
    let mut problems = Vec::new();
    // The group key defaults to the AccountNumber column: the same name on the same line. A
    // missing column is reported once, for the field.
    let also_a_field = |wanted: &HeaderRef| {
        entities.iter().any(|(_, rules)| {
            rules.iter().any(|rule| {
                matches!(&rule.source, RuleSource::Column { column, .. } if column == wanted)
            })
        })
    };
    let key: Vec<Column> = key
        .iter()
        .filter_map(|k| match find(table, header_row, k, "the group key") {
            Ok(column) => Some(column),
            Err(problem) => {
                if !also_a_field(k) {
                    problems.push(problem);
                }
                None
            }
        })
        .collect();
    let mut columns = Columns {
        table,
        header_row,
        derived: Vec::new(),
        problems,
    };
    let entities = entities
        .iter()
        .map(|(entity, rules)| {
            let fields = rules
                .iter()
                .filter_map(|rule| {
                    let purpose = format!("{}.{}", entity.table(), rule.field.name);
                    let column = match &rule.source {
                        RuleSource::Column { column, shape, .. } => {
                            Some(columns.resolve(column, shape.as_ref(), &purpose)?)
                        }
                        RuleSource::Constant(_) | RuleSource::Default(_) => None,
                    };
                    Some(FieldBinding {
                        rule: rule.clone(),
                        column,
                    })
                })
                .collect();
            (*entity, fields)
        })
        .collect();
    let Columns {
        derived,
        mut problems,
        ..
    } = columns;
    let width = table.headers.len();
    if problems.is_empty() {
        Ok(Binding {
            key,
            entities,
            width,
            derived,
        })
    } else {
        problems.dedup();
        Err(MappingErrors {
            path: mapping_path.to_path_buf(),
            problems,
        })
    }
}

/// Resolves rules' columns against one table, collecting problems and derived columns.
struct Columns<'t> {
    table: &'t Table,
    header_row: u64,
    derived: Vec<Derived>,
    problems: Vec<Problem>,
}

impl Columns<'_> {
    /// The column a rule reads: the named one, or for a shaped rule a derived column past the
    /// table's own, built from every source (each missing source is reported).
    fn resolve(
        &mut self,
        column: &HeaderRef,
        shape: Option<&Shape>,
        purpose: &str,
    ) -> Option<Column> {
        let Some(shape) = shape else {
            return self.find(column, purpose);
        };
        let wanted = if shape.join.is_empty() {
            std::slice::from_ref(column)
        } else {
            shape.join.as_slice()
        };
        let sources: Vec<Option<Column>> = wanted.iter().map(|w| self.find(w, purpose)).collect();
        let sources: Vec<Column> = sources.into_iter().collect::<Option<_>>()?;
        let headers: Vec<String> = sources.iter().map(|c| c.header.clone()).collect();
        let index = self.table.headers.len() + self.derived.len();
        self.derived.push(Derived {
            index,
            sources: sources.iter().map(|c| c.index).collect(),
            shape: shape.clone(),
        });
        Some(Column {
            index,
            header: Shape::label(&headers),
        })
    }

    fn find(&mut self, wanted: &HeaderRef, purpose: &str) -> Option<Column> {
        find(self.table, self.header_row, wanted, purpose)
            .map_err(|p| self.problems.push(p))
            .ok()
    }
}

/// Header names match ignoring case and surrounding spaces, and with any run of inner white
/// space (a line break from a wrapped Excel header, a no-break space from a web export) as one
/// space; characters that show as nothing (a zero-width space) count as space.
fn same(a: &str, b: &str) -> bool {
    let loose = |s: &str| {
        s.split(|c: char| c.is_whitespace() || invisible(c))
            .filter(|word| !word.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    loose(a) == loose(b)
}

fn find(
    table: &Table,
    header_row: u64,
    wanted: &HeaderRef,
    purpose: &str,
) -> Result<Column, Problem> {
    let matches: Vec<usize> = (0..table.headers.len())
        .filter(|i| same(&table.headers[*i], &wanted.name))
        .collect();
    match matches.as_slice() {
        [index] => Ok(Column {
            index: *index,
            header: table.headers[*index].trim().to_string(),
        }),
        [] => Err(missing(table, header_row, wanted, purpose)),
        several => {
            let positions: Vec<String> = several.iter().map(|i| (i + 1).to_string()).collect();
            Err(Problem {
                line: Some(wanted.line),
                message: format!(
                    "column \"{}\" (for {purpose}) appears {} times in the header of {} (columns {})",
                    wanted.name,
                    several.len(),
                    table.source,
                    positions.join(", ")
                ),
                hint: Some("rename the columns in the file so that each name is used once".into()),
            })
        }
    }
}

fn missing(table: &Table, header_row: u64, wanted: &HeaderRef, purpose: &str) -> Problem {
    let message = format!(
        "column \"{}\" (for {purpose}) is not in the header row {header_row} of {}",
        wanted.name, table.source
    );
    let elsewhere = table
        .preview
        .iter()
        .enumerate()
        .find(|(_, cells)| cells.iter().any(|c| same(c, &wanted.name)))
        .map(|(i, _)| i + 1);
    let present: Vec<&str> = table
        .headers
        .iter()
        .map(String::as_str)
        .filter(|h| !h.trim().is_empty())
        .collect();
    let hint = if let Some(row) = elsewhere.filter(|row| *row as u64 != header_row) {
        format!(
            "that name is in row {row}: set `header_row = {row}` under [source] (or the table that reads this file)"
        )
    } else if let Some(close) = suggest(&wanted.name, present.iter().copied()) {
        format!(
            "did you mean \"{close}\"? The columns are: {}",
            quoted(&present)
        )
    } else if present.is_empty() {
        format!(
            "row {header_row} is empty; set `header_row` to the row that holds the column names"
        )
    } else {
        format!("the columns are: {}", quoted(&present))
    };
    Problem {
        line: Some(wanted.line),
        message,
        hint: Some(hint),
    }
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}
