//! Stage 3: rows → customers with their Departments and Contacts, validated.
//!
//! Rows with equal group keys form one customer, adjacent or not. A customer field takes the one
//! non-blank value its rows give (blanks never conflict; two different values make the group
//! invalid); defaults and constants apply once, to the whole group. If any row of a group is
//! invalid, no part of the group is sent: the offending row says why and the others name it.
//!
//! Every customer is held, as the [`CustomerDraft`] it becomes, until the last row is read (a
//! later row may still join it): a dry run of 100,000 customers holds them in well under the
//! 500 MB budget.

use std::collections::HashMap;

use foldhash::fast::RandomState;

mod complete;
mod defaulted;
mod fields;
mod key;
pub(crate) mod load;
mod problem;
mod reading;
mod rules;
mod unique;

use complete::Completion;
pub(crate) use defaulted::Defaulted;
use fields::{add_child, bad_value, child, field_value, merge, repeats};
use key::key_of;
pub(crate) use key::{Above, same_cells};
use problem::{Problem, reject};

use crate::mapping::{Binding, FieldBinding};
use crate::read::Row;
use crate::report::{Report, RowId};
use ontime_api::{CustomerDraft, Entity, Fields};

/// A customer ready to send: its draft, which of its values defaults gave, and every input row
/// that contributed to it.
#[derive(Debug, Clone)]
pub(crate) struct CustomerGroup {
    /// The group key as shown in the report (`1001`, or `1001 / East` for several columns).
    pub key: String,
    pub draft: CustomerDraft,
    pub defaulted: Defaulted,
    /// Every row of the group, in input order; the first is the customer's first row.
    pub rows: Vec<RowId>,
}

/// A customer while rows are added to it.
#[derive(Default)]
struct Builder {
    rows: Vec<RowId>,
    fields: Fields,
    /// For each entry of `fields`, at the same position: its index into [`Grouper::customer`]
    /// and the row that gave it first.
    given: Vec<(u8, RowId)>,
    /// Each with the mask of the properties mapping defaults gave ([`Defaulted`]).
    departments: Vec<(Fields, u32)>,
    contacts: Vec<(Fields, u32)>,
    problems: Vec<Problem>,
}

impl Builder {
    /// Adds a row's Department or Contact ([`child`]), its problems the customer's.
    fn add_child(&mut self, entity: Entity, bindings: &[FieldBinding], id: RowId, row: &Row) {
        let found = child(entity, bindings, id, row, &mut self.problems);
        add_child(self, entity, found);
    }
}

/// Collects rows into customers; [`Grouper::finish`] validates them.
pub(crate) struct Grouper {
    /// Customer number by key.
    index: HashMap<String, usize, RandomState>,
    /// Every customer by number, in order of its first row.
    customers: Vec<Builder>,
    /// Rows that belong to no customer (blank or unknown key), already decided invalid.
    orphans: Vec<Problem>,
    customer: Vec<FieldBinding>,
    /// How the previous customer row went, when it joined a customer without damage: a
    /// customer's rows usually repeat its cells, and a cell equal to the one above (which went
    /// in cleanly) gives the value the customer already holds.
    prev: Option<Previous>,
    /// Bit `c` set for each column (of the first 64) that a customer binding reads; `None` when
    /// one reads a column past them. A row repeating all of them skips the per-field pass.
    customer_columns: Option<u64>,
}

/// What the previous customer row left behind, for [`Grouper::add_customer_row`]'s fast path.
struct Previous {
    customer: usize,
    /// Its row number, to check that the caller's `above` is that row.
    number: u64,
    /// Bit `i` set: customer field `i` of that row converted and merged without a problem.
    clean: u64,
    /// Its department, then its contact, built (or found blank) without a problem.
    children_clean: [bool; 2],
}

impl Grouper {
    pub(crate) fn new(customer: &Binding) -> Grouper {
        let customer = customer
            .fields(Entity::Customer)
            .unwrap_or_default()
            .to_vec();
        let customer_columns = customer.iter().try_fold(0u64, |mask, b| match &b.column {
            Some(c) if c.index < 64 => Some(mask | 1 << c.index),
            Some(_) => None,
            None => Some(mask),
        });
        Grouper {
            index: HashMap::default(),
            customers: Vec::new(),
            orphans: Vec::new(),
            customer,
            prev: None,
            customer_columns,
        }
    }

    /// The key of a customer row, or the problem that keeps it out of every customer.
    pub(crate) fn customer_key(row: &Row, binding: &Binding) -> Result<String, String> {
        key_of(row, binding)
    }

    /// Whether `row` holds exactly the key cells `above` holds: then its key is the same.
    pub(crate) fn same_key(above: Above, row: &Row, binding: &Binding) -> bool {
        binding
            .key
            .iter()
            .all(|column| above.same(row, column.index))
    }

    /// Adds a row of the customer table (which may also carry a department and a contact).
    /// `key` is what [`Grouper::customer_key`] gave for it; `above` is the row of the previous
    /// call, if any.
    pub(crate) fn add_customer_row(
        &mut self,
        id: RowId,
        row: &Row,
        above: Option<Above>,
        key: Result<&str, String>,
        binding: &Binding,
        report: &Report,
    ) {
        let prev = self.prev.take();
        let key = match key {
            Ok(key) => key,
            Err(reason) => return self.orphan(id, binding, reason, "customer"),
        };
        let customer = self.customer_number(key);
        let prev = prev
            .zip(above)
            .filter(|(p, above)| p.customer == customer && p.number == above.row.number);
        self.customers[customer].rows.push(id);
        if let Some(ragged) = row.ragged {
            let problem = Problem::row(id, None, ragged.message(row.number));
            return self.customers[customer].problems.push(problem);
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
            None => self.customer_fields(customer, id, row, prev.as_ref(), report),
        };
        let children_clean = self.children(customer, id, row, prev.as_ref(), binding);
        self.prev = Some(Previous {
            customer,
            number: row.number,
            clean,
            children_clean,
        });
    }

    /// Converts and merges the row's customer fields into customer `customer`, skipping each
    /// cell that repeats the one above; bit `i` of the result is set when field `i` went in
    /// cleanly.
    fn customer_fields(
        &mut self,
        customer: usize,
        id: RowId,
        row: &Row,
        prev: Option<&(Previous, Above)>,
        report: &Report,
    ) -> u64 {
        let builder = &mut self.customers[customer];
        let mut clean = 0u64;
        for (index, field) in self.customer.iter().enumerate() {
            // The catalogue has 29 customer properties, so the index fits (in `clean` too).
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
            match field_value(field, row) {
                Ok(Some(value)) => merge(builder, index, field, id, value, report),
                Ok(None) => {}
                Err(reason) => builder.problems.push(bad_value(id, field, row, &reason)),
            }
            if builder.problems.len() == problems {
                clean |= bit;
            }
        }
        clean
    }

    /// Adds the department and the contact a customer row may carry; for each, whether it went
    /// in cleanly.
    fn children(
        &mut self,
        customer: usize,
        id: RowId,
        row: &Row,
        prev: Option<&(Previous, Above)>,
        binding: &Binding,
    ) -> [bool; 2] {
        let builder = &mut self.customers[customer];
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
            if prev.is_some_and(unchanged) {
                // The same cells give an equal child (or none), which the customer holds.
                continue;
            }
            let problems = builder.problems.len();
            builder.add_child(entity, bindings, id, row);
            children_clean[slot] = builder.problems.len() == problems;
        }
        children_clean
    }

    /// Adds a row of a department or contact table read from its own sheet or file.
    pub(crate) fn add_child_row(
        &mut self,
        entity: Entity,
        id: RowId,
        row: &Row,
        binding: &Binding,
        primary: &str,
    ) {
        let key = match key_of(row, binding) {
            Ok(key) => key,
            Err(reason) => return self.orphan(id, binding, reason, entity.table()),
        };
        let Some(&customer) = self.index.get(&key) else {
            let columns: Vec<&str> = binding.key.iter().map(|c| c.header.as_str()).collect();
            let message = format!(
                "no customer in {primary} has the key \"{key}\" given in {} \"{}\"",
                if columns.len() == 1 {
                    "column"
                } else {
                    "columns"
                },
                columns.join(" / ")
            );
            let problem = Problem::row(id, Some(columns.join(" / ")), message);
            return self.orphans.push(problem);
        };
        let builder = &mut self.customers[customer];
        builder.rows.push(id);
        if let Some(ragged) = row.ragged {
            let problem = Problem::row(id, None, ragged.message(row.number));
            return builder.problems.push(problem);
        }
        let bindings = binding.fields(entity).unwrap_or_default();
        builder.add_child(entity, bindings, id, row);
    }

    fn orphan(&mut self, id: RowId, binding: &Binding, reason: String, table: &str) {
        let columns: Vec<&str> = binding.key.iter().map(|c| c.header.as_str()).collect();
        let message = if binding.key.iter().any(|c| c.header == reason) {
            format!(
                "column \"{reason}\" is blank: every {table} row needs the customer's {}",
                columns.join(" / ")
            )
        } else {
            reason
        };
        let problem = Problem::row(id, Some(columns.join(" / ")), message);
        self.orphans.push(problem);
    }

    /// The number of the customer with `key`, a new one if there is none yet.
    fn customer_number(&mut self, key: &str) -> usize {
        if let Some(&number) = self.index.get(key) {
            return number;
        }
        let number = self.customers.len();
        // Room for every customer binding at once: a customer's fields are pushed one by one,
        // and growing by doubling would reallocate and leave up to half unused.
        let fields = self.customer.len();
        self.customers.push(Builder {
            fields: Fields(Vec::with_capacity(fields)),
            given: Vec::with_capacity(fields),
            ..Builder::default()
        });
        self.index.insert(key.to_string(), number);
        number
    }

    /// How many customers the rows name, valid or not.
    pub(crate) fn customers(&self) -> usize {
        self.customers.len()
    }

    /// Validates every customer. Invalid rows (and the rows they block) are decided in `report`
    /// now; the valid customers come back in order of their first row.
    pub(crate) fn finish(self, report: &mut Report) -> std::io::Result<Vec<CustomerGroup>> {
        let mut keys = vec![String::new(); self.customers.len()];
        for (key, number) in self.index {
            keys[number] = key;
        }
        for orphan in &self.orphans {
            report.decide(orphan.row, orphan.outcome())?;
        }
        let complete = Completion::new(&self.customer);
        let mut valid = Vec::with_capacity(self.customers.len());
        for (builder, key) in self.customers.into_iter().zip(keys) {
            match complete.customer(builder, key) {
                Ok(customer) => valid.push(customer),
                Err((key, rows, problems)) => reject(&key, &rows, &problems, report)?,
            }
        }
        Ok(valid)
    }
}
