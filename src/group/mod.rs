//! Stage 3: rows → Customer drafts with their Departments and Contacts, validated.
//!
//! Rows with equal group keys form one customer, adjacent or not. A customer field takes the one
//! non-blank value its rows give (blanks never conflict; two different values make the group
//! invalid); defaults and constants apply once, to the whole group. If any row of a group is
//! invalid, no part of the group is sent: the offending row says why and the others name it.
//!
//! Every customer is held until the last row (a later row may still join it), so memory is the
//! constraint: only the customer rows are going to is unpacked, the others are packed in one
//! buffer each (`parked.rs`, in the encoding of `packed.rs`), about the size of their text.

use std::collections::HashMap;

use foldhash::fast::RandomState;

mod defaulted;
mod fields;
pub mod load;
mod packed;
mod parked;
mod rules;

pub use defaulted::Defaulted;
use fields::{Spare, add_child, bad_value, child, field_value, merge, repeats};
pub use packed::PackedDraft;
use packed::Writer;
pub use parked::in_two;
use parked::{Completion, Parked, park, unpark};

use crate::mapping::convert::{self, cell_text};
use crate::mapping::{Binding, FieldBinding};
use crate::read::{Cell, Row};
use crate::report::{Outcome, Report, RowId, Status};
use ontime_api::{CustomerDraft, Entity, Fields};

/// A customer ready to send: its draft and every input row that contributed to it.
#[derive(Debug, Clone)]
pub struct CustomerGroup {
    /// The group key as shown in the report (`1001`, or `1001 / East` for several columns).
    pub key: String,
    /// Packed: a whole file's customers are held at once (see [`packed`]).
    pub packed: PackedDraft,
    /// Every row of the group, in input order; the first is the customer's first row.
    pub rows: Vec<RowId>,
}

impl CustomerGroup {
    /// The customer's draft, unpacked.
    pub fn draft(&self) -> CustomerDraft {
        self.packed.unpack()
    }
}

/// Something wrong with one row.
#[derive(Debug, Clone)]
struct Problem {
    row: RowId,
    field: Option<String>,
    column: Option<String>,
    /// The cell's text and what is wrong with it, when the problem is one cell's value.
    value: Option<String>,
    reason: Option<String>,
    message: String,
}

impl Problem {
    fn outcome(&self) -> Outcome {
        Outcome {
            status: Status::Invalid,
            customer_id: None,
            field: self.field.clone(),
            column: self.column.clone(),
            value: self.value.clone(),
            reason: self.reason.clone(),
            message: self.message.clone(),
        }
    }
}

/// The customer rows are being added to, unpacked.
#[derive(Default)]
struct Builder {
    key: String,
    rows: Vec<RowId>,
    /// The customer's fields as the draft will hold them, allocated once at their final size
    /// (one slot per customer binding: defaults and constants fill the rest in `complete`).
    fields: Fields,
    /// For each entry of `fields`, at the same position: its index into [`Grouper::customer`]
    /// and the row that gave it first.
    given: Vec<(u8, RowId)>,
    /// Each with the mask of the properties mapping defaults gave ([`Defaulted`]).
    departments: Vec<(Fields, u32)>,
    contacts: Vec<(Fields, u32)>,
    problems: Vec<Problem>,
    /// Text values of customers already packed, kept for the next customer's values.
    spare: Spare,
}

impl Builder {
    /// A child record from a row's columns ([`child`]), its problems the customer's.
    fn child(
        &mut self,
        entity: Entity,
        bindings: &[FieldBinding],
        row_id: RowId,
        row: &Row,
    ) -> Option<(Fields, u32)> {
        child(
            entity,
            bindings,
            row_id,
            row,
            &mut self.problems,
            &mut self.spare,
        )
    }

    /// Empties it for the next customer, keeping its allocations.
    fn clear(&mut self) {
        self.key.clear();
        self.rows.clear();
        self.spare.keep(self.fields.0.drain(..));
        let children = self.departments.drain(..).chain(self.contacts.drain(..));
        self.spare.keep(children.flat_map(|(child, _)| child.0));
        self.given.clear();
        self.problems.clear();
    }
}

/// Collects rows into groups; [`Grouper::finish`] validates them.
///
/// Only one customer is held unpacked, the one rows are going to; the others are [`Parked`]. A
/// customer's rows usually follow each other, so most are packed once, when the next customer's
/// first row comes; a row that returns to an earlier customer unpacks it.
pub struct Grouper {
    /// Group number by key.
    index: HashMap<String, usize, RandomState>,
    /// Every customer by group number; the open one's slot is empty while it is open.
    parked: Vec<Parked>,
    open: Builder,
    /// The open customer's group number; [`CLOSED`] when none is open.
    open_group: usize,
    /// Where packing writes before the exact-size copy is taken (keeps its capacity).
    scratch: Writer,
    /// Rows that belong to no group (blank or unknown key), already decided invalid.
    orphans: Vec<Problem>,
    customer: Vec<FieldBinding>,
    /// Each customer binding's property, as its index in the catalog.
    catalog: Vec<u8>,
    /// How the previous customer row went, when it joined a group without damage: a customer's
    /// rows usually repeat its cells, and a cell equal to the one above gives the same result.
    prev: Option<Previous>,
    /// Bit `c` set for each column (of the first 64) that a customer binding reads; `None` when
    /// one reads a column past them. A row repeating all of them skips the per-field pass.
    customer_columns: Option<u64>,
}

/// [`Grouper::open_group`] when no customer is open.
const CLOSED: usize = usize::MAX;

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

/// The row above a customer row, and which of its cells the row repeats: worked out by
/// [`same_cells`] on the reading thread, so the grouping thread only tests bits.
#[derive(Debug, Clone, Copy)]
pub struct Above<'a> {
    pub row: &'a Row,
    /// From [`same_cells`].
    pub same: u64,
}

impl Above<'_> {
    /// Whether `row` holds exactly the cell the row above holds in `column`.
    fn same(&self, row: &Row, column: usize) -> bool {
        match column {
            0..64 => self.same & (1 << column) != 0,
            _ => same_cell(self.row, row, column),
        }
    }
}

/// Bit `c` set: column `c` (of the first 64) holds the same cell in both rows. Columns past
/// the 64th are compared when asked.
pub fn same_cells(above: &Row, row: &Row) -> u64 {
    let mut same = 0;
    for (column, (a, b)) in above.cells.iter().zip(&row.cells).take(64).enumerate() {
        if a == b {
            same |= 1 << column;
        }
    }
    same
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
        if let Cell::Damaged(text) = cell {
            return Err(format!(
                "column \"{}\" value \"{text}\" is in a date cell but is no date: the file is damaged; type the key again",
                column.header
            ));
        }
        let Some(text) = cell_text(cell) else {
            return Err(column.header.clone());
        };
        if convert::shortened_number(&text) {
            // Two customers whose numbers Excel shortened alike would become one.
            return Err(format!(
                "column \"{}\" value \"{text}\" {}",
                column.header,
                convert::SHORTENED
            ));
        }
        if convert::not_finite(&text) {
            // `inf` and `1e400` would be one customer; neither is anyone's key.
            return Err(format!(
                "column \"{}\" value \"{text}\" is not a customer key: NaN and infinity are what a failed computation or export leaves behind; type the key again",
                column.header
            ));
        }
        if i == 0 {
            key = text;
        } else {
            key.push_str(" / ");
            key.push_str(&text);
        }
    }
    Ok(key)
}

impl Grouper {
    pub fn new(customer: &Binding) -> Grouper {
        let customer = customer
            .fields(Entity::Customer)
            .unwrap_or_default()
            .to_vec();
        let catalog = customer
            .iter()
            .map(|b| packed::catalog_index(Entity::Customer, b.rule.field.name))
            .collect();
        let customer_columns = customer.iter().try_fold(0u64, |mask, b| match &b.column {
            Some(c) if c.index < 64 => Some(mask | 1 << c.index),
            Some(_) => None,
            None => Some(mask),
        });
        Grouper {
            index: HashMap::default(),
            parked: Vec::new(),
            open: Builder::default(),
            open_group: CLOSED,
            scratch: Writer::default(),
            orphans: Vec::new(),
            customer,
            catalog,
            prev: None,
            customer_columns,
        }
    }

    /// The key of a customer row, or the problem that keeps it out of every group.
    pub fn customer_key(row: &Row, binding: &Binding) -> Result<String, String> {
        key_of(row, binding)
    }

    /// Whether `row` holds exactly the key cells `above` holds: then its key is the same.
    pub fn same_key(above: Above, row: &Row, binding: &Binding) -> bool {
        binding
            .key
            .iter()
            .all(|column| above.same(row, column.index))
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
        above: Option<Above>,
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
            .filter(|(p, above)| p.group == group && p.number == above.row.number);
        let builder = &mut self.open;
        builder.rows.push(row_id);
        if let Some(ragged) = row.ragged {
            builder.problems.push(Problem {
                row: row_id,
                field: None,
                column: None,
                value: None,
                reason: None,
                message: ragged.message(row.number),
            });
            return;
        }
        // Every customer field of the row above went in cleanly and the row repeats all their
        // cells: nothing to convert or compare (the usual second row of a customer).
        let all_clean = u64::MAX >> (64 - self.customer.len().max(1));
        let repeated = self.customer_columns.and_then(|columns| {
            prev.as_ref()
                .filter(|(p, above)| p.clean == all_clean && above.same & columns == columns)
                .map(|(p, _)| p.clean)
        });
        let clean = match repeated {
            Some(clean) => clean,
            None => self.customer_fields(row_id, row, prev.as_ref(), report),
        };
        let builder = &mut self.open;
        let mut children_clean = [true; 2];
        for (slot, entity) in [Entity::Department, Entity::Contact]
            .into_iter()
            .enumerate()
        {
            let Some(bindings) = binding.fields(entity) else {
                continue;
            };
            let unchanged = |(p, above): &(Previous, Above)| {
                p.children_clean[slot]
                    && bindings
                        .iter()
                        .all(|b| b.column.as_ref().is_none_or(|c| above.same(row, c.index)))
            };
            if prev.as_ref().is_some_and(unchanged) {
                // The same cells give an equal child (or none), which the group already holds.
                continue;
            }
            let problems = builder.problems.len();
            let found = builder.child(entity, bindings, row_id, row);
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

    /// Converts and merges the row's customer fields into the open customer, skipping each cell
    /// that repeats the one above; bit `i` of the result is set when field `i` went in cleanly.
    fn customer_fields(
        &mut self,
        row_id: RowId,
        row: &Row,
        prev: Option<&(Previous, Above)>,
        report: &Report,
    ) -> u64 {
        let builder = &mut self.open;
        let mut clean = 0u64;
        for (index, field) in self.customer.iter().enumerate() {
            // The catalog has 29 customer properties, so the index fits (in `clean` too).
            let index = index as u8;
            let bit = 1u64 << index;
            let unchanged = |(p, above): &(Previous, Above)| {
                p.clean & bit != 0
                    && field
                        .column
                        .as_ref()
                        .is_none_or(|c| above.same(row, c.index))
            };
            if prev.is_some_and(unchanged) || repeats(builder, index, field, row) {
                clean |= bit;
                continue;
            }
            let problems = builder.problems.len();
            match field_value(field, row, &mut builder.spare) {
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
        clean
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
                value: None,
                reason: None,
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
        if group != self.open_group {
            self.switch(group, &key, false);
        }
        let builder = &mut self.open;
        builder.rows.push(row_id);
        if let Some(ragged) = row.ragged {
            builder.problems.push(Problem {
                row: row_id,
                field: None,
                column: None,
                value: None,
                reason: None,
                message: ragged.message(row.number),
            });
            return;
        }
        let bindings = binding.fields(entity).unwrap_or_default();
        let found = builder.child(entity, bindings, row_id, row);
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
            value: None,
            reason: None,
            message,
        });
    }

    /// The group number of `key`, opening that customer (new, or unpacked).
    fn group(&mut self, key: &str) -> usize {
        if self.open_group != CLOSED && self.open.key == key {
            return self.open_group;
        }
        if let Some(&index) = self.index.get(key) {
            self.switch(index, key, false);
            return index;
        }
        let index = self.parked.len();
        self.parked.push(Parked::default());
        self.index.insert(key.to_string(), index);
        self.switch(index, key, true);
        index
    }

    /// Packs the open customer and opens group `index` in its place.
    fn switch(&mut self, index: usize, key: &str, new: bool) {
        self.park_open();
        self.open_group = index;
        self.open.key.push_str(key);
        if !new {
            let parked = std::mem::take(&mut self.parked[index]);
            unpark(parked, &mut self.open, &self.customer);
        }
    }

    fn park_open(&mut self) {
        if self.open_group == CLOSED {
            return;
        }
        self.parked[self.open_group] = park(&mut self.open, &self.catalog, &mut self.scratch);
        self.open.clear();
        self.open_group = CLOSED;
    }

    /// How many customers the rows name, valid or not.
    pub fn customers(&self) -> usize {
        self.parked.len()
    }

    /// Validates every group. Invalid rows (and the rows they block) are decided in `report`
    /// now; the valid groups come back in order of their first row.
    pub fn finish(mut self, report: &mut Report) -> std::io::Result<Vec<CustomerGroup>> {
        self.park_open();
        // The key index is done with: its keys go to the customers, its table is freed.
        let mut keys = vec![String::new(); self.parked.len()];
        for (key, index) in self.index.drain() {
            keys[index] = key;
        }
        drop(self.index);
        for orphan in &self.orphans {
            report.decide(orphan.row, orphan.outcome())?;
        }
        let complete = Completion::new(&self.customer);
        let customers = self.parked.into_iter().zip(keys).collect();
        let completed = in_two(customers, |(parked, key)| {
            let mut out = Writer(Vec::with_capacity(parked.data.len() + complete.size));
            let (rows, problems) = complete.draft(&parked, &key, &mut out);
            if problems.is_empty() {
                let packed = PackedDraft::from_bytes(out.0);
                Ok(CustomerGroup { key, packed, rows })
            } else {
                // Boxed: rare, and the results of all customers are held at once.
                Err(Box::new((key, rows, problems)))
            }
        })?;
        let mut failed = Ok(());
        // Collected in place, in the results' own allocation.
        let valid = completed
            .into_iter()
            .filter_map(|customer| match customer {
                Ok(group) => Some(group),
                Err(rejected) => {
                    let (key, rows, problems) = *rejected;
                    if failed.is_ok() {
                        failed = reject(&key, &rows, &problems, report);
                    }
                    None
                }
            })
            .collect();
        failed.map(|()| valid)
    }
}

fn reject(
    key: &str,
    rows: &[RowId],
    problems: &[Problem],
    report: &mut Report,
) -> std::io::Result<()> {
    let mut blamed: Vec<RowId> = problems.iter().map(|p| p.row).collect();
    blamed.sort_unstable();
    blamed.dedup();
    for row in rows {
        let mine: Vec<&Problem> = problems.iter().filter(|p| p.row == *row).collect();
        let outcome = match mine.as_slice() {
            [] => {
                let labels: Vec<String> = blamed.iter().map(|r| report.label(*r)).collect();
                Outcome::new(
                    Status::Invalid,
                    format!(
                        "not sent: customer \"{}\" has a problem on {}",
                        key,
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
                // Several problems: the list on screen shows the joined message.
                outcome.value = None;
                outcome.reason = None;
                outcome
            }
        };
        report.decide(*row, outcome)?;
    }
    Ok(())
}
