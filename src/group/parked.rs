//! Customers while they are parked: packed in one buffer each between the rows that add to
//! them ([`park`], [`unpark`]), and completed once the last row is read ([`Completion`]: defaults,
//! constants, the `Name` check and the final [`PackedDraft`](super::PackedDraft)).
//!
//! Invariant: a customer packed and unpacked again is the builder it was (rows, fields with the
//! row that gave each, children, problems), so a customer whose rows are far apart groups as if
//! they were adjacent.

use super::packed::{self, DEFAULTED, Reader, Writer};
use super::{Builder, Problem, rules};
use crate::mapping::FieldBinding;
use crate::report::RowId;
use ontime_api::Entity;

/// A customer rows are not being added to, packed in one buffer: its rows, then its fields
/// (each with its binding and the row that gave it), departments and contacts. Its problems
/// stay as they are: they are rare.
#[derive(Default)]
pub(super) struct Parked {
    pub(super) data: Box<[u8]>,
    pub(super) problems: Box<[Problem]>,
}

/// Maps `items` in two halves at once, the calling thread taking the first half and a scoped
/// thread the second, keeping their order: for the passes over every customer after the last
/// row, which nothing else overlaps. Each half is consumed as it goes, so what an item holds is
/// freed as soon as it is mapped.
pub fn in_two<T: Send, R: Send>(
    mut items: Vec<T>,
    f: impl Fn(T) -> R + Sync,
) -> std::io::Result<Vec<R>> {
    let second = items.split_off(items.len() / 2);
    let f = &f;
    std::thread::scope(|scope| {
        let other = scope.spawn(move || second.into_iter().map(f).collect::<Vec<R>>());
        let mut done: Vec<R> = items.into_iter().map(f).collect();
        let rest = other
            .join()
            .map_err(|_| std::io::Error::other("a thread completing the customers panicked"))?;
        done.extend(rest);
        Ok(done)
    })
}

/// Packs a customer: see [`Parked`].
pub(super) fn park(builder: &mut Builder, catalog: &[u8], out: &mut Writer) -> Parked {
    out.0.clear();
    out.varint(builder.rows.len() as u64);
    let mut last = 0;
    for row in &builder.rows {
        out.signed(i64::from(row.0) - last);
        last = i64::from(row.0);
    }
    let first = builder.rows.first().map_or(0, |r| i64::from(r.0));
    // At most one field per binding, and the catalog has 29 customer properties.
    out.byte(builder.fields.0.len() as u8);
    for ((_, value), (binding, row)) in builder.fields.0.iter().zip(&builder.given) {
        out.byte(catalog[usize::from(*binding)]);
        out.byte(*binding);
        out.signed(i64::from(row.0) - first);
        out.value(value);
    }
    out.flagged_children(Entity::Department, &builder.departments);
    out.flagged_children(Entity::Contact, &builder.contacts);
    Parked {
        data: out.0.as_slice().into(),
        problems: std::mem::take(&mut builder.problems).into_boxed_slice(),
    }
}

/// The rows of a parked customer (read first from its buffer).
fn parked_rows(input: &mut Reader) -> Vec<RowId> {
    let count = input.varint();
    let mut rows = Vec::with_capacity(usize::try_from(count).unwrap_or(0).min(1 << 16));
    let mut last = 0i64;
    for _ in 0..count {
        if !input.more() {
            break;
        }
        last += input.signed();
        // Row ids were u32 when packed.
        rows.push(RowId(u32::try_from(last).unwrap_or(u32::MAX)));
    }
    rows
}

/// Unpacks a parked customer into the (empty) open builder, whose key is set.
pub(super) fn unpark(parked: Parked, builder: &mut Builder, customer: &[FieldBinding]) {
    let mut input = Reader::new(&parked.data);
    builder.rows = parked_rows(&mut input);
    let first = builder.rows.first().map_or(0, |r| i64::from(r.0));
    for _ in 0..input.byte() {
        let _catalog = input.byte();
        let binding = input.byte();
        let row = first + input.signed();
        let value = input.value();
        if let Some(field) = customer.get(usize::from(binding)) {
            builder.fields.0.push((field.rule.field.name, value));
            builder
                .given
                .push((binding, RowId(u32::try_from(row).unwrap_or(u32::MAX))));
        }
    }
    builder.departments = input.flagged_children(Entity::Department);
    builder.contacts = input.flagged_children(Entity::Contact);
    builder.problems = parked.problems.into_vec();
}

/// What completing a customer needs from the mapping and the catalogue: defaults, constants and
/// the properties a customer cannot be without.
pub(super) struct Completion {
    /// For each customer property with a default or a constant: its field byte (the catalog
    /// index, with [`DEFAULTED`] for a default) and its value, packed.
    fallbacks: Vec<(u8, Vec<u8>)>,
    /// Their size in all, packed.
    pub(super) size: usize,
    /// The required properties ([`rules::required`]): catalogue index, name, and the column
    /// mapped to it, for the message when a customer has none.
    required: Vec<(usize, &'static str, Option<String>)>,
}

impl Completion {
    pub(super) fn new(customer: &[FieldBinding]) -> Completion {
        let fallbacks: Vec<(u8, Vec<u8>)> = customer
            .iter()
            .filter_map(|binding| {
                let (value, is_default) = binding.rule.source.fallback()?;
                let mut bytes = Writer::default();
                bytes.value(value);
                let index = packed::catalog_index(Entity::Customer, binding.rule.field.name);
                let flag = if is_default { DEFAULTED } else { 0 };
                Some((index | flag, bytes.0))
            })
            .collect();
        let size = fallbacks.iter().map(|(_, value)| 1 + value.len()).sum();
        let column = |name: &str| {
            let binding = customer.iter().find(|b| b.rule.field.name == name);
            binding
                .and_then(|b| b.column.as_ref())
                .map(|c| c.header.clone())
        };
        let required = rules::required(Entity::Customer)
            .map(|(index, def)| (index, def.name, column(def.name)))
            .collect();
        Completion {
            fallbacks,
            size,
            required,
        }
    }

    /// Writes a parked customer's draft to `out`, with defaults and constants applied, and
    /// checks it has every required property. Gives its rows (in order) and its problems.
    pub(super) fn draft(
        &self,
        parked: &Parked,
        key: &str,
        out: &mut Writer,
    ) -> (Vec<RowId>, Vec<Problem>) {
        let mut input = Reader::new(&parked.data);
        let mut rows = parked_rows(&mut input);
        rows.sort_unstable();
        out.0.clear();
        out.byte(0);
        let mut count = 0u8;
        // Catalog indexes are below 29, so each has its bit.
        let mut present = 0u64;
        for _ in 0..input.byte() {
            let catalog = input.byte();
            let _binding = input.byte();
            let _row = input.signed();
            let value = input.skip_value();
            out.byte(catalog);
            out.0.extend_from_slice(value);
            present |= 1 << (catalog & 63);
            count += 1;
        }
        for (field, value) in &self.fallbacks {
            let catalog = field & !DEFAULTED;
            if present & (1 << (catalog & 63)) == 0 {
                out.byte(*field);
                out.0.extend_from_slice(value);
                present |= 1 << (catalog & 63);
                count += 1;
            }
        }
        out.0[0] = count;
        // Departments and contacts are packed alike in both forms.
        out.0.extend_from_slice(input.rest());
        let mut problems = parked.problems.to_vec();
        for (index, name, column) in &self.required {
            if present & (1 << (index & 63)) == 0 && problems.is_empty() {
                problems.push(missing(name, column.as_deref(), key, &rows));
            }
        }
        (rows, problems)
    }
}

/// A customer without the required property `name` (mapped from `column`).
fn missing(name: &str, column: Option<&str>, key: &str, rows: &[RowId]) -> Problem {
    let header = column.map_or(String::new(), |c| format!(" (column \"{c}\")"));
    let on = if rows.len() == 1 {
        "its row".to_string()
    } else {
        format!("all {} of its rows", rows.len())
    };
    Problem {
        row: rows.first().copied().unwrap_or(RowId(0)),
        field: Some(name.into()),
        column: column.map(str::to_string),
        value: None,
        reason: None,
        message: format!(
            "{name}: customer \"{key}\" has no {}{header}: it is blank on {on}",
            name.to_lowercase()
        ),
    }
}
