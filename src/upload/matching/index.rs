//! Every record of the account, read in once and indexed by the values customers are matched
//! by: the match key ([`key_of`]), the `also_by` field, and the normalised name (possible
//! duplicates). Only the records an input customer may match are kept whole (as JSON text),
//! each handed out at most once: it serves both the match and the safe merge.
//!
//! Invariant: the same rules as a checked lookup. More than one record with a value is an
//! ambiguity, never a guess; a record is only taken by the value it holds.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Instant;

use serde_json::Value as Json;

use super::{compared, key_of, normalised_name};

/// What the index holds for one customer of the input.
pub(in crate::upload) enum LocalMatch {
    Nothing,
    /// The one record holding the value, taken out of the index, and when it was read.
    One {
        id: String,
        record: Json,
        read_at: Instant,
    },
    /// More than one record holds the value of `by`.
    Several {
        ids: Vec<String>,
        by: &'static str,
    },
    /// One record matched by `also_by`, not taken: why.
    Refused(String),
}

/// A record kept whole: when it was read, and its JSON text.
type Kept = (Instant, Box<[u8]>);

/// The account's records, indexed.
#[derive(Debug)]
pub(in crate::upload) struct Index {
    field: Option<&'static str>,
    also_by: Option<&'static str>,
    ids: Vec<String>,
    /// Each record's Name as OnTime holds it (for what a possible duplicate is told).
    names: Vec<Box<str>>,
    by_key: HashMap<String, Vec<u32>>,
    /// By the `also_by` value (empty when `also_by` is Name: `by_name` serves).
    by_also: HashMap<String, Vec<u32>>,
    by_name: HashMap<String, Vec<u32>>,
    /// The records an input customer may match, as JSON text, until one takes it.
    kept: Mutex<HashMap<u32, Kept>>,
    /// Which records to keep whole.
    wanted: Wanted,
    /// The records kept for the customers the ledger knows, by ID.
    by_id: HashMap<String, u32>,
    /// `also_by` values of input customers that no record matches by key, with their keys:
    /// one record wanted by two customers is taken by neither.
    demand: HashMap<String, Vec<String>>,
}

/// What the input's customers may take from the index: the records to keep whole.
#[derive(Debug, Default)]
pub(in crate::upload) struct Wanted {
    /// The match values ([`key_of`]) of the customers to match.
    pub keys: HashSet<String>,
    /// Their `also_by` values ([`compared`]).
    pub also: HashSet<String>,
    /// The IDs the ledger knows for the input's other customers: their records serve their
    /// updates, which then read nothing.
    pub ids: HashSet<String>,
}

/// A record's `field` as a lookup's check reads it: text trimmed, blank for nothing.
pub(in crate::upload) fn held(record: &Json, field: &str) -> String {
    match record.get(field) {
        Some(Json::String(text)) => text.trim().to_string(),
        Some(Json::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

impl Index {
    /// An empty index matching by `field` (`None`: no match key) and `also_by`, which keeps the
    /// records `wanted`.
    pub(in crate::upload) fn new(
        field: Option<&'static str>,
        also_by: Option<&'static str>,
        wanted: Wanted,
    ) -> Index {
        Index {
            field,
            also_by,
            ids: Vec::new(),
            names: Vec::new(),
            by_key: HashMap::new(),
            by_also: HashMap::new(),
            by_name: HashMap::new(),
            kept: Mutex::default(),
            wanted,
            by_id: HashMap::new(),
            demand: HashMap::new(),
        }
    }

    /// Adds the record read for `id`.
    pub(in crate::upload) fn add(&mut self, id: String, record: &Json) {
        let at = self.ids.len() as u32;
        let mut keep = false;
        if self.wanted.ids.contains(&id) {
            keep = true;
            self.by_id.insert(id.clone(), at);
        }
        if let Some(key) = self.field.and_then(|f| key_of(&held(record, f))) {
            keep |= self.wanted.keys.contains(&key);
            self.by_key.entry(key).or_default().push(at);
        }
        let name = held(record, "Name");
        if let Some(normal) = normalised_name(&name) {
            keep |= self.also_by == Some("Name") && self.wanted.also.contains(&normal);
            self.by_name.entry(normal).or_default().push(at);
        }
        if let Some(also) = self.also_by.filter(|f| *f != "Name")
            && let Some(value) = compared(also, &held(record, also))
        {
            keep |= self.wanted.also.contains(&value);
            self.by_also.entry(value).or_default().push(at);
        }
        if keep
            && let Ok(text) = serde_json::to_vec(record)
            && let Ok(mut kept) = self.kept.lock()
        {
            kept.insert(at, (Instant::now(), text.into_boxed_slice()));
        }
        self.ids.push(id);
        self.names.push(name.into_boxed_str());
    }

    /// Done adding: `customers` are the input's customers to match, as `(key, match value,
    /// also_by value)`; which of them want a record by `also_by`.
    pub(in crate::upload) fn finish<'a>(
        &mut self,
        customers: impl Iterator<Item = (&'a str, Option<String>, Option<String>)>,
    ) {
        self.wanted = Default::default();
        let Some(also) = self.also_by else {
            return;
        };
        for (key, value, also_value) in customers {
            let by_key = value
                .and_then(|v| key_of(&v))
                .and_then(|k| self.by_key.get(&k));
            if by_key.is_none()
                && let Some(normal) = also_value.and_then(|v| compared(also, &v))
            {
                self.demand.entry(normal).or_default().push(key.to_string());
            }
        }
        self.demand.retain(|_, keys| keys.len() > 1);
    }

    /// The record of customer `key` whose match value is `value`, else (with `also_by`) whose
    /// `also_by` value is `also`.
    pub(in crate::upload) fn find(
        &self,
        key: &str,
        value: Option<&str>,
        also: Option<&str>,
    ) -> LocalMatch {
        if let Some(field) = self.field
            && let Some(found) = value.and_then(key_of).and_then(|k| self.by_key.get(&k))
        {
            return match found.as_slice() {
                [one] => self.take(*one),
                many => self.several(many, field),
            };
        }
        let (Some(also_by), Some(also)) = (self.also_by, also) else {
            return LocalMatch::Nothing;
        };
        let Some(normal) = compared(also_by, also) else {
            return LocalMatch::Nothing;
        };
        let map = if also_by == "Name" {
            &self.by_name
        } else {
            &self.by_also
        };
        match map.get(&normal).map(Vec::as_slice) {
            None | Some([]) => LocalMatch::Nothing,
            Some([one]) => self.also_one(key, *one, also_by, &normal),
            Some(many) => self.several(many, also_by),
        }
    }

    /// The one record `also_by` found: taken, unless it holds another match value (it may be
    /// another customer: matching it would overwrite that value) or other input customers want
    /// it too.
    fn also_one(&self, key: &str, at: u32, also_by: &'static str, normal: &str) -> LocalMatch {
        let id = &self.ids[at as usize];
        if let Some(keys) = self.demand.get(normal) {
            let others: Vec<&str> = keys
                .iter()
                .map(String::as_str)
                .filter(|k| *k != key)
                .collect();
            return LocalMatch::Refused(format!(
                "OnTime customer {id} matches by {also_by}, and so do customers \"{}\" of the input: not taken as any of them; give them names OnTime can tell apart, or match by another field; nothing was sent",
                others.join("\", \"")
            ));
        }
        let taken = self.take(at);
        match (&taken, self.field) {
            (LocalMatch::One { record, .. }, Some(field)) if !held(record, field).is_empty() => {
                LocalMatch::Refused(format!(
                    "OnTime customer {id} matches by {also_by}, but its {field} is \"{}\": not taken as this customer (it may be another one, and its {field} would be overwritten); set its {field} in OnTime if it is this customer, or give this one another {also_by}; nothing was sent",
                    held(record, field)
                ))
            }
            _ => taken,
        }
    }

    /// The record of `id`, which the ledger knows for an input customer, with when it was read:
    /// `None` if it was not read in (or was taken already).
    pub(in crate::upload) fn take_known(&self, id: &str) -> Option<(Json, Instant)> {
        let at = self.by_id.get(id)?;
        let (read_at, text) = self.kept.lock().ok()?.remove(at)?;
        Some((serde_json::from_slice(&text).ok()?, read_at))
    }

    fn take(&self, at: u32) -> LocalMatch {
        let id = self.ids[at as usize].clone();
        let text = self.kept.lock().ok().and_then(|mut kept| kept.remove(&at));
        match text.map(|(read_at, text)| (read_at, serde_json::from_slice::<Json>(&text))) {
            Some((read_at, Ok(record))) => LocalMatch::One {
                id,
                record,
                read_at,
            },
            // Kept records are taken once, by the one customer holding their value (the input
            // has one customer per match value), and were written by serde_json: not reached.
            _ => LocalMatch::Refused(format!(
                "OnTime customer {id}'s record, read in at the start of the run, was taken already (matched twice, or deleted since): nothing was sent; run again"
            )),
        }
    }

    /// The records at `at`, by ID: the records were read concurrently, so their order here is
    /// the order the answers came in, which says nothing.
    fn several(&self, at: &[u32], by: &'static str) -> LocalMatch {
        let mut ids: Vec<String> = at.iter().map(|a| self.ids[*a as usize].clone()).collect();
        ids.sort();
        LocalMatch::Several { ids, by }
    }

    /// The records whose normalised name is `name`'s: `(ID, Name)`, at most `limit`, and how
    /// many there are.
    pub(in crate::upload) fn same_name(
        &self,
        name: &str,
        limit: usize,
    ) -> (Vec<(&str, &str)>, usize) {
        let Some(found) = normalised_name(name).and_then(|n| self.by_name.get(&n)) else {
            return (Vec::new(), 0);
        };
        // By ID, whatever order the concurrent reads came back in.
        let mut shown: Vec<(&str, &str)> = found
            .iter()
            .map(|at| (self.ids[*at as usize].as_str(), &*self.names[*at as usize]))
            .collect();
        shown.sort_unstable();
        shown.truncate(limit);
        (shown, found.len())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a panic is the failure report
mod tests {
    use super::*;
    use serde_json::json;

    fn index(also_by: Option<&'static str>, records: &[Json], wanted: &[&str]) -> Index {
        let keys: HashSet<String> = wanted.iter().map(|w| w.to_string()).collect();
        let wanted = Wanted {
            also: keys.clone(),
            keys,
            ids: ["id1".to_string()].into(),
        };
        let mut index = Index::new(Some("AccountNumber"), also_by, wanted);
        for (at, record) in records.iter().enumerate() {
            index.add(format!("id{at}"), record);
        }
        index
    }

    #[test]
    fn a_record_matches_by_its_value_ignoring_case_once_and_two_are_ambiguous() {
        let records = [
            json!({"AccountNumber": " ab1 ", "Name": "A"}),
            json!({"AccountNumber": "X", "Name": "B"}),
            json!({"AccountNumber": "x", "Name": "C"}),
        ];
        let mut index = index(None, &records, &["ab1", "x"]);
        index.finish(std::iter::empty());
        assert!(
            matches!(index.find("k", Some("AB1"), None), LocalMatch::One { ref id, .. } if id == "id0")
        );
        assert!(
            matches!(index.find("k", Some("AB1"), None), LocalMatch::Refused(_)),
            "once"
        );
        assert!(
            matches!(index.find("k", Some("x"), None), LocalMatch::Several { ref ids, .. } if ids.len() == 2)
        );
        assert!(matches!(
            index.find("k", Some("ab"), None),
            LocalMatch::Nothing
        ));
        assert_eq!(index.take_known("id1").unwrap().0["Name"], "B");
        assert!(index.take_known("id1").is_none(), "once");
        assert!(index.take_known("id2").is_none(), "not wanted, not kept");
    }

    #[test]
    fn also_by_name_takes_one_record_without_a_match_value_and_refuses_the_rest() {
        let records = [
            json!({"Name": "ACME, Inc."}),
            json!({"Name": "Beta", "AccountNumber": "7"}),
            json!({"Name": "Gamma"}),
            json!({"Name": "gamma"}),
            json!({"Name": "Delta"}),
        ];
        let mut index = index(Some("Name"), &records, &["acmeinc", "beta", "delta"]);
        let customers = [
            ("1", "acme inc"),
            ("2", "Beta"),
            ("3", "DELTA"),
            ("4", "delta"),
        ];
        index.finish(
            customers
                .iter()
                .map(|(k, n)| (*k, Some(format!("new{k}")), Some(n.to_string()))),
        );
        assert!(
            matches!(index.find("1", Some("new1"), Some("acme inc")), LocalMatch::One { ref id, .. } if id == "id0")
        );
        assert!(
            matches!(index.find("2", Some("new2"), Some("Beta")), LocalMatch::Refused(ref why) if why.contains("its AccountNumber is \"7\""))
        );
        assert!(matches!(
            index.find("9", None, Some("GAMMA")),
            LocalMatch::Several { by: "Name", .. }
        ));
        assert!(
            matches!(index.find("3", Some("new3"), Some("DELTA")), LocalMatch::Refused(ref why) if why.contains("\"4\""))
        );
        assert_eq!(index.same_name("gamma!", 5).1, 2);
    }
}
