//! `--mode`: what a customer becomes when the mode forbids its create or its update
//! (`skipped_exists`, `skipped_missing`), and the note a customer gets when it is the retry of
//! an earlier run's failure. No request is made here: a skip is decided from what the ledger
//! or the lookup already showed.

use super::{Done, Job, Sending};
use crate::cli::WriteMode;
use crate::ledger::{Entry, LedgerError};
use crate::report::Status;
use crate::upload::{Intent, match_value};

impl Job {
    /// Whether this run may create customers.
    pub(super) fn creates(&self) -> bool {
        self.mode != WriteMode::UpdateOnly
    }

    /// `--mode create-only` and the ledger knows the customer's ID: left as it is, unasked.
    pub(super) fn known_exists(&self, entry: Option<&Entry>) -> Option<Done> {
        let entry = entry.filter(|e| !e.pending_create)?;
        let id = entry.customer_id.clone()?;
        (self.mode == WriteMode::CreateOnly).then(|| exists(id, "the ledger's ID"))
    }

    /// `--mode create-only` and a lookup found the customer: left as it is. Its ID is recorded
    /// (with no hash: nothing of this run's input was written), so that the next run needs no
    /// lookup for it, and an earlier run's journaled create is settled.
    pub(super) fn found_exists(&self, group: &Sending, id: &str) -> Option<Done> {
        if self.mode != WriteMode::CreateOnly {
            return None;
        }
        if self.intent == Intent::Write {
            self.ledger.settle(&group.key, id, None, "skipped_exists");
        }
        Some(exists(id.to_string(), "a lookup"))
    }

    /// `--mode update-only` and nothing matches: no create. An earlier run's create, journaled
    /// and not found by the lookups, is no longer pending.
    pub(super) async fn missing(
        &self,
        group: &Sending,
        pending: bool,
    ) -> Result<Done, LedgerError> {
        if pending && self.intent == Intent::Write {
            self.ledger.clear_pending(&group.key).await?;
        }
        let why = match match_value(self.match_by, &group.draft) {
            Some((_, value)) => format!("no customer in OnTime matches \"{value}\""),
            None => "the ledger has no ID for it and there is no match key to look it up by".into(),
        };
        Ok(Done::Skipped {
            status: Status::SkippedMissing,
            id: None,
            message: format!("{why}; --mode update-only creates none"),
        })
    }
}

fn exists(id: String, by: &str) -> Done {
    Done::Skipped {
        status: Status::SkippedExists,
        message: format!(
            "OnTime holds it (customer {id}, found by {by}); --mode create-only leaves it as it is"
        ),
        id: Some(id),
    }
}

/// ` (retry of a failure on 2026-12-06: <reason>)` for a customer whose last outcome in the
/// ledger is a failure; `None` otherwise.
pub(super) fn retry_note(entry: Option<&Entry>) -> Option<String> {
    let entry = entry.filter(|e| e.last_status == "failed")?;
    let day = entry.updated_at.get(..10).unwrap_or(&entry.updated_at);
    Some(format!(
        " (retry of a failure on {day}: {})",
        entry.last_message
    ))
}
