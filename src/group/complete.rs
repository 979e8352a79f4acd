//! A customer once the last row is read: defaults and constants fill the properties no row
//! gave, and a customer without a required property is refused.
//!
//! Invariant: a default or constant never replaces a value a row gave; which values defaults
//! gave is recorded in [`Defaulted`], as an update treats them differently.

use super::defaulted::{bit, catalog_index};
use super::problem::{Problem, missing};
use super::{Builder, CustomerGroup, Defaulted, rules};
use crate::mapping::FieldBinding;
use crate::report::RowId;
use ontime_api::{CustomerDraft, Entity, Value};

/// What completing a customer needs from the mapping and the catalogue.
pub(super) struct Completion {
    /// Each customer property with a default or a constant: its name, value and whether it is
    /// a default (else a constant).
    fallbacks: Vec<(&'static str, Value, bool)>,
    /// The required properties: name, and the column mapped to it, for the message when a
    /// customer has none.
    required: Vec<(&'static str, Option<String>)>,
}

/// A customer that cannot be sent: its key, rows and problems.
pub(super) type Rejected = (String, Vec<RowId>, Vec<Problem>);

impl Completion {
    pub(super) fn new(customer: &[FieldBinding]) -> Completion {
        let fallbacks = customer
            .iter()
            .filter_map(|binding| {
                let (value, is_default) = binding.rule.source.fallback()?;
                Some((binding.rule.field.name, value.clone(), is_default))
            })
            .collect();
        let column = |name: &str| {
            let binding = customer.iter().find(|b| b.rule.field.name == name);
            binding
                .and_then(|b| b.column.as_ref())
                .map(|c| c.header.clone())
        };
        let required = rules::required(Entity::Customer)
            .map(|def| (def.name, column(def.name)))
            .collect();
        Completion {
            fallbacks,
            required,
        }
    }

    /// The customer `builder` holds, completed; or, if it has problems, why not.
    pub(super) fn customer(
        &self,
        builder: Builder,
        key: String,
    ) -> Result<CustomerGroup, Rejected> {
        let Builder {
            mut rows,
            mut fields,
            departments,
            contacts,
            mut problems,
            ..
        } = builder;
        // Rows of child tables join after every customer row: the report lists them in order.
        rows.sort_unstable();
        let mut defaulted = Defaulted::default();
        for (name, value, is_default) in &self.fallbacks {
            if fields.get(name).is_none() {
                fields.0.push((name, value.clone()));
                if *is_default {
                    defaulted.customer |= bit(catalog_index(Entity::Customer, name));
                }
            }
        }
        if problems.is_empty()
            && let Some((name, column)) =
                self.required.iter().find(|(n, _)| fields.get(n).is_none())
        {
            problems.push(missing(name, column.as_deref(), &key, &rows));
        }
        if !problems.is_empty() {
            return Err((key, rows, problems));
        }
        let (departments, masks) = departments.into_iter().unzip();
        defaulted.departments = masks;
        let (contacts, masks) = contacts.into_iter().unzip();
        defaulted.contacts = masks;
        let draft = CustomerDraft {
            fields,
            departments,
            contacts,
        };
        Ok(CustomerGroup {
            key,
            draft,
            defaulted,
            rows,
        })
    }
}
