//! Which rows the `--errors` file holds: every invalid or failed row, and every row of the same
//! customer in any table (a failing contact row's customer row, a failing customer's contact
//! rows), since a customer is re-imported only with all of its rows.

use std::collections::{HashMap, HashSet};

use super::Report;
use crate::read::SourceName;

/// The rows to write, per source of the report.
pub(crate) struct ErrorRows {
    /// Per source, in the report's order (the customer table first): its name, and the `Error`
    /// cell of each row to write by row number (blank for a row kept for its customer's sake).
    pub sources: Vec<(SourceName, HashMap<u64, String>)>,
}

impl Report {
    /// The rows the `--errors` file holds.
    pub(crate) fn error_rows(&self) -> ErrorRows {
        let problem_keys: HashSet<&str> = self
            .problems
            .messages
            .keys()
            .filter_map(|row| self.rows.get(*row as usize))
            .filter_map(|meta| self.keys.get(meta.key))
            .filter(|key| !key.is_empty())
            .collect();
        let mut sources: Vec<(SourceName, HashMap<u64, String>)> = self
            .names
            .iter()
            .map(|name| (name.clone(), HashMap::new()))
            .collect();
        for (index, meta) in self.rows.iter().enumerate() {
            let message = u32::try_from(index)
                .ok()
                .and_then(|row| self.problems.messages.get(&row));
            let related = self
                .keys
                .get(meta.key)
                .is_some_and(|key| problem_keys.contains(key));
            if message.is_none() && !related {
                continue;
            }
            if let Some((_, rows)) = sources.get_mut(usize::from(meta.source)) {
                rows.insert(meta.number, message.cloned().unwrap_or_default());
            }
        }
        ErrorRows { sources }
    }
}
