//! The `possible_duplicate` flag of a customer about to be created whose normalised name
//! another customer holds, in OnTime (when the run read its records) or in the input; and what
//! the summary says of it, including when OnTime's names were not compared.
//!
//! Invariant: a flag is a warning, never a stop: the customer is still created. No request is
//! made here.

use std::sync::atomic::Ordering;

use super::{Done, Job, Sending};
use crate::ledger::LedgerError;

/// How many others a `possible_duplicate` note names.
const NAMED: usize = 3;

impl Job {
    /// `possible_duplicate of …`: the customers of OnTime (when their records were read) and
    /// of the input whose normalised name is this customer's, which is about to be created.
    fn possible_duplicate(&self, group: &Sending) -> Option<String> {
        if !self.account_empty() {
            self.matching.creates.fetch_add(1, Ordering::Relaxed);
        }
        let name = group.draft.fields.text("Name")?;
        let mut with = Vec::new();
        if let Some(index) = self.matching.index.get() {
            let (shown, count) = index.same_name(name, NAMED);
            with.extend(shown.iter().map(|(id, held)| {
                format!(
                    "OnTime customer {id} \"{}\"",
                    crate::logging::shown_inline(held)
                )
            }));
            if count > NAMED {
                with.push(format!("{} more in OnTime", count - NAMED));
            }
        }
        if let Some(inputs) = self.matching.inputs.get() {
            let others = inputs.others(&group.key, name);
            with.extend(
                others
                    .iter()
                    .take(NAMED)
                    .map(|key| format!("input customer \"{key}\"")),
            );
            if others.len() > NAMED {
                with.push(format!("{} more in the input", others.len() - NAMED));
            }
        }
        if with.is_empty() {
            return None;
        }
        self.matching.duplicates.fetch_add(1, Ordering::Relaxed);
        Some(format!("possible_duplicate of {}", with.join(", ")))
    }

    /// `--plan`'s create, flagged when it may duplicate another customer.
    pub(super) fn would_create(&self, group: &Sending) -> Done {
        let mut would = super::would::create(group);
        if let Some(flag) = self.possible_duplicate(group) {
            would.message = format!("{}; {flag}", would.message);
            would.changes.insert(
                0,
                crate::report::plan::Change {
                    field: "possible_duplicate".into(),
                    old: String::new(),
                    new: flag
                        .trim_start_matches("possible_duplicate of ")
                        .to_string(),
                },
            );
        }
        Done::Would(would)
    }

    /// Creates the customer, its outcome flagged when it may duplicate another customer.
    pub(super) async fn create_flagged(
        &self,
        group: &Sending,
        hash: &str,
    ) -> Result<Done, LedgerError> {
        let flag = self.possible_duplicate(group);
        let done = self.create(group, hash).await?;
        Ok(match (done, flag) {
            (Done::Created { id, note }, Some(flag)) => Done::Created {
                id,
                note: format!("{note}; {flag}"),
            },
            (done, _) => done,
        })
    }

    /// What the summary says of matching: customers flagged as possible duplicates, and that
    /// OnTime's names were not compared when its records were not read.
    pub(in crate::upload) fn matching_warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        let duplicates = self.matching.duplicates.load(Ordering::Relaxed);
        let verb = match self.intent {
            super::Intent::Write => "were created",
            super::Intent::Preview => "would be created",
        };
        if duplicates > 0 {
            warnings.push(format!(
                "{duplicates} customers that {verb} have the name of another customer in OnTime or in the input, ignoring case, punctuation and spaces (possible_duplicate in the report): check them; [match] also_by = \"Name\" matches such a customer to the one in OnTime instead"
            ));
        }
        let creates = self.matching.creates.load(Ordering::Relaxed);
        if creates > 0 && self.matching.index.get().is_none() {
            let listed = self.matching.listed.load(Ordering::SeqCst);
            let why = match self.matching.unread.get() {
                Some(error) => format!("not all could be read: {error}"),
                None => "a lookup per customer took fewer requests than reading them all".into(),
            };
            warnings.push(format!(
                "possible duplicates were looked for among the input's customers only: the names of the {listed} customers OnTime holds were not read ({why}); [match] also_by = \"Name\" reads them ({listed} requests) and matches by name"
            ));
        }
        warnings
    }
}
