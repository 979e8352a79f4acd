//! The invalid and failed rows of a run, kept beside the report for what follows it: the
//! first few, whole, for the list on screen; every one's message, for the `--errors` file.
//!
//! Rows are decided in any order; "first" is input order, so the list keeps the lowest rows
//! seen so far and drops the others.

use std::collections::BTreeMap;

use super::{Outcome, Status};

/// How many problem rows the screen lists.
pub(super) const SHOWN: usize = 10;

#[derive(Default)]
pub(super) struct Problems {
    /// Every problem row's message, by report row.
    pub(super) messages: BTreeMap<u32, String>,
    /// The first [`SHOWN`] problem rows in input order, whole.
    pub(super) first: BTreeMap<u32, Outcome>,
}

impl Problems {
    /// Keeps `outcome` if it is a problem.
    pub(super) fn note(&mut self, row: u32, outcome: &Outcome) {
        if !is_problem(outcome.status) {
            return;
        }
        self.messages.insert(row, outcome.message.clone());
        let lower = self.first.len() < SHOWN
            || self
                .first
                .last_key_value()
                .is_some_and(|(last, _)| row < *last);
        if lower {
            self.first.insert(row, outcome.clone());
            if self.first.len() > SHOWN {
                self.first.pop_last();
            }
        }
    }
}

pub(super) fn is_problem(status: Status) -> bool {
    matches!(status, Status::Invalid | Status::Failed)
}
