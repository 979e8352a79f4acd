//! An index of the customers by the text fields `GET api/customers` filters on, so that a lookup
//! by account number (what an importer sends for every customer) stays fast with 100,000 records.
//!
//! A field's index is built on the first lookup by that field and kept up to date from then on:
//! a run that never filters by a field (a first import into an empty account filters by none)
//! never pays for indexing it, while every create would otherwise copy ten strings into ten maps.
//!
//! Invariant: for every *built* field index and every customer whose value of that field is a
//! string, the customer's position is in the set under that string, and nowhere else.
//! [`super::records`] keeps it so by calling `remove` with the old fields and `add` with the new
//! ones on every change; `lookup` builds a missing index from all the customers before using it.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value as Json;

use super::filter::TEXT_FILTERS;
use ontime_api::CUSTOMER_FIELDS;

/// Field value → positions of the customers holding it (sorted, so in creation order).
type FieldIndex = HashMap<String, BTreeSet<usize>, foldhash::fast::RandomState>;

#[derive(Debug, Clone)]
pub(crate) struct TextIndex {
    /// For each field of [`TEXT_FILTERS`]: its position in `CUSTOMER_FIELDS`, and its map once
    /// some lookup has needed it.
    maps: Vec<(usize, Option<FieldIndex>)>,
}

impl Default for TextIndex {
    fn default() -> Self {
        let position = |name: &str| CUSTOMER_FIELDS.iter().position(|d| d.name == name);
        let maps = TEXT_FILTERS
            .iter()
            .filter_map(|(_, name)| position(name))
            .map(|at| (at, None))
            .collect();
        TextIndex { maps }
    }
}

impl TextIndex {
    /// Indexes the customer at position `at` with its `fields`, in every built field index.
    pub(crate) fn add(&mut self, at: usize, fields: &[Json]) {
        for (field, map) in &mut self.maps {
            if let (Some(map), Some(Json::String(value))) = (map.as_mut(), fields.get(*field)) {
                insert(map, value, at);
            }
        }
    }

    /// Removes the customer at position `at`, whose fields were `fields`.
    pub(crate) fn remove(&mut self, at: usize, fields: &[Json]) {
        for (field, map) in &mut self.maps {
            if let (Some(map), Some(Json::String(value))) = (map.as_mut(), fields.get(*field))
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
    /// indexed. `all` gives every customer's fields by position, to build the field's index if
    /// this is the first lookup by it.
    pub(crate) fn lookup<'a>(
        &mut self,
        field: &str,
        value: &str,
        all: impl Iterator<Item = &'a [Json]>,
    ) -> Option<Vec<usize>> {
        let at = CUSTOMER_FIELDS.iter().position(|d| d.name == field)?;
        let (_, map) = self.maps.iter_mut().find(|(f, _)| *f == at)?;
        let map = map.get_or_insert_with(|| {
            let mut map = FieldIndex::default();
            for (position, fields) in all.enumerate() {
                if let Some(Json::String(value)) = fields.get(at) {
                    insert(&mut map, value, position);
                }
            }
            map
        });
        Some(
            map.get(value)
                .map_or_else(Vec::new, |set| set.iter().copied().collect()),
        )
    }
}

fn insert(map: &mut FieldIndex, value: &str, at: usize) {
    match map.get_mut(value) {
        Some(set) => {
            set.insert(at);
        }
        None => {
            map.insert(value.to_string(), BTreeSet::from([at]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer(account: &str, city: &str) -> Vec<Json> {
        let mut fields = vec![Json::Null; CUSTOMER_FIELDS.len()];
        let at = |name: &str| CUSTOMER_FIELDS.iter().position(|d| d.name == name);
        fields[at("AccountNumber").expect("catalog")] = Json::String(account.into());
        fields[at("City").expect("catalog")] = Json::String(city.into());
        fields
    }

    fn all(list: &[Vec<Json>]) -> Vec<&[Json]> {
        list.iter().map(Vec::as_slice).collect()
    }

    /// Every lookup agrees with a scan, whether the index was built before or after the changes.
    #[test]
    fn lookups_match_a_scan_however_the_index_was_built() {
        let mut list = vec![
            customer("1", "Boston"),
            customer("2", "Boston"),
            customer("3", "Austin"),
        ];
        let mut index = TextIndex::default();
        for (at, fields) in list.iter().enumerate() {
            index.add(at, fields);
        }
        let snapshot = all(&list);
        let found = index.lookup("City", "Boston", snapshot.into_iter());
        assert_eq!(found, Some(vec![0, 1]));
        // Built for City now; AccountNumber is still unbuilt. Change customer 1 in both.
        let new = customer("2b", "Austin");
        index.remove(1, &list[1]);
        index.add(1, &new);
        list[1] = new;
        list.push(customer("4", "Boston"));
        index.add(3, &list[3]);
        for (field, value) in [
            ("City", "Boston"),
            ("City", "Austin"),
            ("AccountNumber", "2"),
            ("AccountNumber", "2b"),
            ("AccountNumber", "4"),
        ] {
            let at = CUSTOMER_FIELDS.iter().position(|d| d.name == field);
            let at = at.expect("catalog");
            let scan: Vec<usize> = (0..list.len())
                .filter(|&i| list[i][at] == Json::String(value.into()))
                .collect();
            let snapshot = all(&list);
            assert_eq!(
                index.lookup(field, value, snapshot.into_iter()),
                Some(scan),
                "{field} = {value}"
            );
        }
        assert_eq!(index.lookup("Phone", "x", std::iter::empty()), None);
    }
}
