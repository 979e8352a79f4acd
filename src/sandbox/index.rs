//! An index of the customers by the text fields `GET api/customers` filters on, so that a lookup
//! by account number (what an importer sends for every customer) stays fast with 100,000 records.
//!
//! Invariant: for every indexed field and every customer whose value of it is a string, the
//! customer's position is in the set under that string, and nowhere else. [`super::records`]
//! keeps it so by calling `remove` with the old fields and `add` with the new ones on every change.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value as Json;

use super::filter::TEXT_FILTERS;
use crate::model::CUSTOMER_FIELDS;

/// Field value → positions of the customers holding it (sorted, so in creation order).
#[derive(Debug, Clone)]
pub struct TextIndex {
    /// For each field of [`TEXT_FILTERS`]: its position in `CUSTOMER_FIELDS`, and its map.
    maps: Vec<(usize, HashMap<String, BTreeSet<usize>>)>,
}

impl Default for TextIndex {
    fn default() -> Self {
        let position = |name: &str| CUSTOMER_FIELDS.iter().position(|d| d.name == name);
        let maps = TEXT_FILTERS
            .iter()
            .filter_map(|(_, name)| position(name))
            .map(|at| (at, HashMap::new()))
            .collect();
        TextIndex { maps }
    }
}

impl TextIndex {
    /// Indexes the customer at position `at` with its `fields`.
    pub fn add(&mut self, at: usize, fields: &[Json]) {
        for (field, map) in &mut self.maps {
            if let Some(Json::String(value)) = fields.get(*field) {
                map.entry(value.clone()).or_default().insert(at);
            }
        }
    }

    /// Removes the customer at position `at`, whose fields were `fields`.
    pub fn remove(&mut self, at: usize, fields: &[Json]) {
        for (field, map) in &mut self.maps {
            if let Some(Json::String(value)) = fields.get(*field)
                && let Some(set) = map.get_mut(value)
            {
                set.remove(&at);
                if set.is_empty() {
                    map.remove(value);
                }
            }
        }
    }

    /// The positions of customers whose `field` is exactly `value`; `None` if `field` is not
    /// indexed.
    pub fn lookup(&self, field: &str, value: &str) -> Option<Vec<usize>> {
        let at = CUSTOMER_FIELDS.iter().position(|d| d.name == field)?;
        let (_, map) = self.maps.iter().find(|(f, _)| *f == at)?;
        Some(
            map.get(value)
                .map_or_else(Vec::new, |set| set.iter().copied().collect()),
        )
    }
}
