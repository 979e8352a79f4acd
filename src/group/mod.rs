//! Stage 3: rows → Customer drafts with their Departments and Contacts, validated.
//!
//! Rows with equal group keys form one customer, adjacent or not. A customer field takes the one
//! non-blank value its rows give (blanks never conflict; two different values make the group
//! invalid); defaults and constants apply once, to the whole group. If any row of a group is
//! invalid, no part of the group is sent: the offending row says why and the others name it.

use std::collections::HashMap;

use foldhash::fast::RandomState;

pub mod load;

use crate::mapping::convert::{cell_text, convert};
use crate::mapping::{Binding, FieldBinding, RuleSource};
use crate::model::{CustomerDraft, Entity, Fields, Value};
use crate::read::{Cell, Row};
use crate::report::{Outcome, Report, RowId, Status};

/// A customer ready to send: its draft and every input row that contributed to it.
#[derive(Debug, Clone)]
pub struct CustomerGroup {
    /// The group key as shown in the report (`1001`, or `1001 / East` for several columns).
    pub key: String,
    pub draft: CustomerDraft,
    /// Every row of the group, in input order; the first is the customer's first row.
    pub rows: Vec<RowId>,
}

/// Something wrong with one row.
#[derive(Debug, Clone)]
struct Problem {
    row: RowId,
    field: Option<String>,
    column: Option<String>,
    message: String,
}

impl Problem {
    fn outcome(&self) -> Outcome {
        Outcome {
            status: Status::Invalid,
            customer_id: None,
            field: self.field.clone(),
            column: self.column.clone(),
            message: self.message.clone(),
        }
    }
}

struct Builder {
    key: String,
    rows: Vec<RowId>,
    /// The customer's fields as the draft will hold them, allocated once at their final size
    /// (one slot per customer binding: defaults and constants fill the rest in `complete`).
    fields: Fields,
    /// For each entry of `fields`, at the same position: its index into [`Grouper::customer`]
    /// and the row that gave it first.
    given: Vec<(u8, RowId)>,
    departments: Vec<Fields>,
    contacts: Vec<Fields>,
    problems: Vec<Problem>,
}

/// Collects rows into groups; [`Grouper::finish`] validates them.
pub struct Grouper {
    index: HashMap<String, usize, RandomState>,
    groups: Vec<Builder>,
    /// The group of the previous row: a customer's rows usually follow each other.
    last: usize,
    /// Rows that belong to no group (blank or unknown key), already decided invalid.
    orphans: Vec<Problem>,
    customer: Vec<FieldBinding>,
    /// How the previous customer row went, when it joined a group without damage: a customer's
    /// rows usually repeat its cells, and a cell equal to the one above gives the same result.
    prev: Option<Previous>,
}

/// What the previous customer row left behind, for [`Grouper::add_customer_row`]'s fast path.
struct Previous {
    group: usize,
    /// Its row number, to check that the caller's `above` is that row.
    number: u64,
    /// Bit `i` set: customer field `i` of that row converted and merged without a problem.
    clean: u64,
    /// Its department, then its contact, built (or found blank) without a problem.
    children_clean: [bool; 2],
}

/// Whether `row` holds exactly the cell `above` holds in `column`.
fn same_cell(above: &Row, row: &Row, column: usize) -> bool {
    row.cells.get(column) == above.cells.get(column)
}

/// The group key of a row: each key column's text, `None` (with the blank column) if one is blank.
fn key_of(row: &Row, binding: &Binding) -> Result<String, String> {
    let mut key = String::new();
    for (i, column) in binding.key.iter().enumerate() {
        let cell = row.cells.get(column.index).unwrap_or(&Cell::Empty);
        if let Cell::Error(code) = cell {
            return Err(format!(
                "column \"{}\" holds the spreadsheet error {code}",
                column.header
            ));
        }
        let Some(text) = cell_text(cell) else {
            return Err(column.header.clone());
        };
        if i == 0 {
            key = text;
        } else {
            key.push_str(" / ");
            key.push_str(&text);
        }
    }
    Ok(key)
}

/// One field of one row: `Ok(None)` when blank (after the value map), else the value.
fn field_value(binding: &FieldBinding, row: &Row) -> Result<Option<Value>, String> {
    let (Some(column), RuleSource::Column { map, .. }) = (&binding.column, &binding.rule.source)
    else {
        return Ok(None);
    };
    let cell = row.cells.get(column.index).unwrap_or(&Cell::Empty);
    if let Some(text) =
        cell_text(cell).filter(|_| !map.is_empty() && !matches!(cell, Cell::Error(_)))
    {
        let wanted = text.to_lowercase();
        if let Some((_, mapped)) = map.iter().find(|(k, _)| *k == wanted) {
            return Ok(mapped.clone());
        }
    }
    convert(cell, binding.rule.field.kind)
}

fn bad_value(row_id: RowId, binding: &FieldBinding, row: &Row, reason: &str) -> Problem {
    let column = binding.column.as_ref();
    let header = column.map_or("", |c| c.header.as_str());
    let cell = column
        .and_then(|c| row.cells.get(c.index))
        .unwrap_or(&Cell::Empty);
    let shown = cell_text(cell).unwrap_or_default();
    Problem {
        row: row_id,
        field: Some(binding.rule.field.name.to_string()),
        column: column.map(|c| c.header.clone()),
        message: format!(
            "{}: column \"{header}\" value \"{shown}\" {reason}",
            binding.rule.field.name
        ),
    }
}

/// A child record from a row's columns; `None` when all its columns are blank.
fn child(
    entity: Entity,
    bindings: &[FieldBinding],
    row_id: RowId,
    row: &Row,
    problems: &mut Vec<Problem>,
) -> Option<Fields> {
    let mut fields = Fields(Vec::with_capacity(bindings.len()));
    let mut any_column = false;
    for binding in bindings {
        match field_value(binding, row) {
            Ok(Some(value)) => {
                any_column |= binding.column.is_some();
                fields.set(entity, binding.rule.field.name, value);
            }
            Ok(None) => {}
            Err(reason) => {
                any_column = true;
                problems.push(bad_value(row_id, binding, row, &reason));
            }
        }
    }
    if !any_column {
        return None;
    }
    for binding in bindings {
        let (RuleSource::Column {
            default: Some(value),
            ..
        }
        | RuleSource::Constant(value)) = &binding.rule.source
        else {
            continue;
        };
        if fields.get(binding.rule.field.name).is_none() {
            fields.set(entity, binding.rule.field.name, value.clone());
        }
    }
    Some(fields)
}

fn same_department(a: &Fields, b: &Fields) -> bool {
    same_text(a.text("Name"), b.text("Name"))
}

fn same_contact(a: &Fields, b: &Fields) -> bool {
    same_text(a.text("Name"), b.text("Name")) && same_text(a.text("Email"), b.text("Email"))
}

/// Equal ignoring case (`str::to_lowercase` on both), without allocating when both are ASCII.
/// Only then: a non-ASCII letter may lowercase to an ASCII one (the Kelvin sign to `k`).
fn same_text(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) if a.is_ascii() && b.is_ascii() => a.eq_ignore_ascii_case(b),
        (Some(a), Some(b)) => a.to_lowercase() == b.to_lowercase(),
        (a, b) => a.is_none() && b.is_none(),
    }
}

impl Grouper {
    pub fn new(customer: &Binding) -> Grouper {
        Grouper {
            index: HashMap::default(),
            groups: Vec::new(),
            last: 0,
            orphans: Vec::new(),
            customer: customer
                .fields(Entity::Customer)
                .unwrap_or_default()
                .to_vec(),
            prev: None,
        }
    }

    /// The key of a customer row, or the problem that keeps it out of every group.
    pub fn customer_key(row: &Row, binding: &Binding) -> Result<String, String> {
        key_of(row, binding)
    }

    /// Whether `row` holds exactly the key cells `above` holds: then its key is the same.
    pub fn same_key(above: &Row, row: &Row, binding: &Binding) -> bool {
        binding
            .key
            .iter()
            .all(|column| same_cell(above, row, column.index))
    }

    /// Adds a row of the customer table (which may also carry a department and a contact).
    /// `key` is what [`Grouper::customer_key`] gave for it.
    ///
    /// `above` is the row of the previous call, if any: when both rows belong to the same
    /// customer, a cell equal to the one above (which went in without a problem) is skipped,
    /// as converting it again would give the value the group already holds.
    pub fn add_customer_row(
        &mut self,
        row_id: RowId,
        row: &Row,
        above: Option<&Row>,
        key: Result<&str, String>,
        binding: &Binding,
        report: &Report,
    ) {
        let prev = self.prev.take();
        let key = match key {
            Ok(key) => key,
            Err(reason) => return self.orphan(row_id, binding, reason, "customer"),
        };
        let group = self.group(key);
        let prev = prev
            .zip(above)
            .filter(|(p, above)| p.group == group && p.number == above.number);
        let builder = &mut self.groups[group];
        builder.rows.push(row_id);
        if let Some(ragged) = row.ragged {
            builder.problems.push(Problem {
                row: row_id,
                field: None,
                column: None,
                message: format!(
                    "the line has {} fields but the header has {}: a cell probably holds an unquoted delimiter or line break",
                    ragged.found, ragged.expected
                ),
            });
            return;
        }
        let mut clean = 0u64;
        for (index, field) in self.customer.iter().enumerate() {
            // The catalog has 29 customer properties, so the index fits (in `clean` too).
            let index = index as u8;
            let bit = 1u64 << index;
            let unchanged = |(p, above): &(Previous, &Row)| {
                p.clean & bit != 0
                    && field
                        .column
                        .as_ref()
                        .is_none_or(|c| same_cell(above, row, c.index))
            };
            if prev.as_ref().is_some_and(unchanged) || repeats(builder, index, field, row) {
                clean |= bit;
                continue;
            }
            let problems = builder.problems.len();
            match field_value(field, row) {
                Ok(Some(value)) => merge(builder, index, field, row_id, value, report),
                Ok(None) => {}
                Err(reason) => builder
                    .problems
                    .push(bad_value(row_id, field, row, &reason)),
            }
            if builder.problems.len() == problems {
                clean |= bit;
            }
        }
        let mut children_clean = [true; 2];
        for (slot, entity) in [Entity::Department, Entity::Contact]
            .into_iter()
            .enumerate()
        {
            let Some(bindings) = binding.fields(entity) else {
                continue;
            };
            let unchanged = |(p, above): &(Previous, &Row)| {
                p.children_clean[slot]
                    && bindings.iter().all(|b| {
                        b.column
                            .as_ref()
                            .is_none_or(|c| same_cell(above, row, c.index))
                    })
            };
            if prev.as_ref().is_some_and(unchanged) {
                // The same cells give an equal child (or none), which the group already holds.
                continue;
            }
            let problems = builder.problems.len();
            let found = child(entity, bindings, row_id, row, &mut builder.problems);
            children_clean[slot] = builder.problems.len() == problems;
            add_child(builder, entity, found);
        }
        self.prev = Some(Previous {
            group,
            number: row.number,
            clean,
            children_clean,
        });
    }

    /// Adds a row of a department or contact table read from its own sheet or file.
    pub fn add_child_row(
        &mut self,
        entity: Entity,
        row_id: RowId,
        row: &Row,
        binding: &Binding,
        primary: &str,
    ) {
        let key = match key_of(row, binding) {
            Ok(key) => key,
            Err(reason) => return self.orphan(row_id, binding, reason, entity.table()),
        };
        let Some(&group) = self.index.get(&key) else {
            let columns: Vec<&str> = binding.key.iter().map(|c| c.header.as_str()).collect();
            self.orphans.push(Problem {
                row: row_id,
                field: None,
                column: Some(columns.join(" / ")),
                message: format!(
                    "no customer in {primary} has the key \"{key}\" given in {} \"{}\"",
                    if columns.len() == 1 {
                        "column"
                    } else {
                        "columns"
                    },
                    columns.join(" / ")
                ),
            });
            return;
        };
        let builder = &mut self.groups[group];
        builder.rows.push(row_id);
        if let Some(ragged) = row.ragged {
            let message = format!(
                "the line has {} fields but the header has {}",
                ragged.found, ragged.expected
            );
            builder.problems.push(Problem {
                row: row_id,
                field: None,
                column: None,
                message,
            });
            return;
        }
        let bindings = binding.fields(entity).unwrap_or_default();
        let found = child(entity, bindings, row_id, row, &mut builder.problems);
        add_child(builder, entity, found);
    }

    fn orphan(&mut self, row_id: RowId, binding: &Binding, reason: String, table: &str) {
        let columns: Vec<&str> = binding.key.iter().map(|c| c.header.as_str()).collect();
        let message = if binding.key.iter().any(|c| c.header == reason) {
            format!(
                "column \"{reason}\" is blank: every {table} row needs the customer's {}",
                columns.join(" / ")
            )
        } else {
            reason
        };
        self.orphans.push(Problem {
            row: row_id,
            field: None,
            column: Some(columns.join(" / ")),
            message,
        });
    }

    fn group(&mut self, key: &str) -> usize {
        if self.groups.get(self.last).is_some_and(|g| g.key == key) {
            return self.last;
        }
        if let Some(&index) = self.index.get(key) {
            self.last = index;
            return index;
        }
        self.groups.push(Builder {
            key: key.to_string(),
            rows: Vec::new(),
            fields: Fields(Vec::with_capacity(self.customer.len())),
            given: Vec::with_capacity(self.customer.len()),
            departments: Vec::new(),
            contacts: Vec::new(),
            problems: Vec::new(),
        });
        self.last = self.groups.len() - 1;
        self.index.insert(key.to_string(), self.last);
        self.last
    }

    /// How many customers the rows name, valid or not.
    pub fn customers(&self) -> usize {
        self.groups.len()
    }

    /// Validates every group. Invalid rows (and the rows they block) are decided in `report`
    /// now; the valid groups come back in order of their first row.
    pub fn finish(self, report: &mut Report) -> std::io::Result<Vec<CustomerGroup>> {
        // The key index is done with: free it before the customers are built, not after.
        drop(self.index);
        for orphan in &self.orphans {
            report.decide(orphan.row, orphan.outcome())?;
        }
        let customer = self.customer;
        let mut failed = Ok(());
        // `filter_map` over the builders' own `into_iter`, collected into a `Vec`: the standard
        // library builds it in the builders' allocation (a group is smaller than its builder),
        // so the customers do not need a second array beside the first.
        let valid = self
            .groups
            .into_iter()
            .filter_map(|mut builder| {
                let draft = complete(&mut builder, &customer, report);
                if builder.problems.is_empty() {
                    builder.rows.sort_unstable();
                    return Some(CustomerGroup {
                        key: builder.key,
                        draft,
                        rows: builder.rows,
                    });
                }
                if failed.is_ok() {
                    failed = reject(builder, report);
                }
                None
            })
            .collect();
        failed.map(|()| valid)
    }
}

/// Whether the row's cell for a text field repeats, to the letter, the value the group already
/// has: then there is nothing to convert or compare (a cheap path for the common case of
/// customer columns repeated on every row).
fn repeats(builder: &Builder, index: u8, field: &FieldBinding, row: &Row) -> bool {
    let (Some(column), RuleSource::Column { map, .. }) = (&field.column, &field.rule.source) else {
        return false;
    };
    let Some(Cell::Text(text)) = row.cells.get(column.index) else {
        return false;
    };
    let kind_is_text = field.rule.field.kind == crate::model::Kind::Text;
    kind_is_text
        && map.is_empty()
        && held(builder, index)
            .is_some_and(|(value, _)| matches!(value, Value::Text(have) if have == text.trim()))
}

/// The value customer field `index` holds in the group, with the row that gave it.
fn held(builder: &Builder, index: u8) -> Option<(&Value, RowId)> {
    let at = builder.given.iter().position(|(i, _)| *i == index)?;
    Some((&builder.fields.0[at].1, builder.given[at].1))
}

fn merge(
    builder: &mut Builder,
    index: u8,
    field: &FieldBinding,
    row_id: RowId,
    value: Value,
    report: &Report,
) {
    let name = field.rule.field.name;
    match held(builder, index) {
        None => {
            builder.fields.0.push((name, value));
            builder.given.push((index, row_id));
        }
        Some((first, _)) if *first == value => {}
        Some((first, first_row)) => {
            let header = field.column.as_ref().map_or("", |c| c.header.as_str());
            let message = format!(
                "{name}: column \"{header}\" has \"{}\" on {} but \"{}\" here; a customer's rows must agree (or leave the cell blank)",
                first.display(),
                report.label(first_row),
                value.display()
            );
            builder.problems.push(Problem {
                row: row_id,
                field: Some(name.to_string()),
                column: field.column.as_ref().map(|c| c.header.clone()),
                message,
            });
        }
    }
}

fn add_child(builder: &mut Builder, entity: Entity, found: Option<Fields>) {
    let Some(found) = found else { return };
    let (list, same) = match entity {
        Entity::Department => (
            &mut builder.departments,
            same_department as fn(&Fields, &Fields) -> bool,
        ),
        _ => (
            &mut builder.contacts,
            same_contact as fn(&Fields, &Fields) -> bool,
        ),
    };
    if !list.iter().any(|existing| same(existing, &found)) {
        list.push(found);
    }
}

/// Applies defaults and constants, checks the customer has a Name, and builds the draft.
fn complete(builder: &mut Builder, customer: &[FieldBinding], report: &Report) -> CustomerDraft {
    // Sized for every binding in `Grouper::group`: what follows never reallocates.
    let mut fields = std::mem::take(&mut builder.fields);
    builder.given = Vec::new();
    for binding in customer {
        let name = binding.rule.field.name;
        let fallback = match &binding.rule.source {
            RuleSource::Column { default, .. } => default.as_ref(),
            RuleSource::Constant(value) => Some(value),
        };
        if let (None, Some(value)) = (fields.get(name), fallback) {
            fields.set(Entity::Customer, name, value.clone());
        }
    }
    if fields.get("Name").is_none() && builder.problems.is_empty() {
        let column = customer
            .iter()
            .find(|b| b.rule.field.name == "Name")
            .and_then(|b| b.column.clone());
        let header = column
            .as_ref()
            .map_or(String::new(), |c| format!(" (column \"{}\")", c.header));
        let rows = if builder.rows.len() == 1 {
            "its row".to_string()
        } else {
            format!("all {} of its rows", builder.rows.len())
        };
        builder.problems.push(Problem {
            row: builder.rows[0],
            field: Some("Name".into()),
            column: column.map(|c| c.header),
            message: format!(
                "Name: customer \"{}\" has no name{header}: it is blank on {rows}",
                builder.key
            ),
        });
    }
    let _ = report;
    CustomerDraft {
        fields,
        departments: std::mem::take(&mut builder.departments),
        contacts: std::mem::take(&mut builder.contacts),
    }
}

fn reject(builder: Builder, report: &mut Report) -> std::io::Result<()> {
    let mut blamed: Vec<RowId> = builder.problems.iter().map(|p| p.row).collect();
    blamed.sort_unstable();
    blamed.dedup();
    for row in &builder.rows {
        let mine: Vec<&Problem> = builder.problems.iter().filter(|p| p.row == *row).collect();
        let outcome = match mine.as_slice() {
            [] => {
                let labels: Vec<String> = blamed.iter().map(|r| report.label(*r)).collect();
                Outcome::new(
                    Status::Invalid,
                    format!(
                        "not sent: customer \"{}\" has a problem on {}",
                        builder.key,
                        labels.join(", ")
                    ),
                )
            }
            [one] => one.outcome(),
            several => {
                let mut outcome = several[0].outcome();
                outcome.message = several
                    .iter()
                    .map(|p| p.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; ");
                let fields: Vec<&str> = several.iter().filter_map(|p| p.field.as_deref()).collect();
                let columns: Vec<&str> =
                    several.iter().filter_map(|p| p.column.as_deref()).collect();
                outcome.field = (!fields.is_empty()).then(|| fields.join("; "));
                outcome.column = (!columns.is_empty()).then(|| columns.join("; "));
                outcome
            }
        };
        report.decide(*row, outcome)?;
    }
    Ok(())
}
