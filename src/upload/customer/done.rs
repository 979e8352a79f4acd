//! How one customer ended ([`Done`]) and the decision of its rows in the report: one outcome
//! for all of a customer's rows, with the note of a retry after an earlier run's failure; the
//! same outcome in the run's history, and OnTime's answer kept as the customer's server copy.

use serde_json::Value as Json;

use super::{Intent, Job, Sending, would};
use crate::cli::Children;
use crate::report::{Outcome, Status};

/// How one customer ended.
pub(super) enum Done {
    Created {
        id: String,
        note: String,
    },
    Updated {
        id: String,
        fields: Vec<String>,
    },
    Unchanged {
        id: String,
        note: String,
        /// Whether OnTime was asked (read); `false` when the ledger alone judged it.
        asked: bool,
    },
    /// `--plan` only.
    Would(would::Would),
    Failed {
        id: Option<String>,
        message: String,
    },
    /// Left alone by `--mode` (`skipped_exists`, `skipped_missing`).
    Skipped {
        status: Status,
        id: Option<String>,
        message: String,
    },
    NotSent(String),
}

impl Job {
    /// Decides the customer's rows; `retry` is said after the outcome of a customer that
    /// failed last time and now went through.
    pub(super) fn decide(&self, group: &Sending, mut done: Done, retry: Option<String>) {
        let planned = (self.intent == Intent::Preview).then(|| would::action(&mut done));
        if let Done::Created { id, .. } = &done
            && let Ok(mut created) = self.created.lock()
        {
            created.insert(id.clone());
        }
        // A customer the ledger alone judged unchanged had nothing done to it: the run's
        // counts hold it, and the history stays small (a nightly run of 100,000 customers).
        let untouched = matches!(done, Done::Unchanged { asked: false, .. });
        let (status, id, message) = match done {
            Done::Created { id, note } => (Status::Created, Some(id), note),
            Done::Updated { id, fields } => (
                Status::Updated,
                Some(id),
                format!("updated: {}", fields.join(", ")),
            ),
            Done::Unchanged { id, note, .. } => {
                (Status::Unchanged, Some(id).filter(|i| !i.is_empty()), note)
            }
            Done::Would(would) => (Status::Valid, would.id, would.message),
            Done::Failed { id, message } => (Status::Failed, id, message),
            Done::Skipped {
                status,
                id,
                message,
            } => (status, id, message),
            Done::NotSent(message) => (Status::NotSent, None, message),
        };
        let message = match retry {
            Some(retry)
                if matches!(
                    status,
                    Status::Created | Status::Updated | Status::Unchanged
                ) =>
            {
                message + &retry
            }
            _ => message,
        };
        if let Some(planned) = planned {
            would::record(&self.plan, group, (&id, &message), planned);
        }
        if self.intent == Intent::Write && !untouched {
            let action = action(status, id.is_some());
            let outcome = (status.as_str(), message.as_str());
            self.ledger
                .record_outcome(&group.key, id.as_deref(), action, outcome.0, outcome.1);
        }
        let outcome = Outcome {
            customer_id: id,
            ..Outcome::new(status, message)
        };
        self.report.decide(&group.rows, outcome);
    }

    /// Keeps `record`, OnTime's answer for customer `key`, as its server copy, and — when it
    /// answered this run's post over `replaced` — what the run wrote. An answer that could not
    /// be read, or one that lacks the children `--children separate` posted after it, leaves
    /// no copy: a stale copy is worse than none.
    pub(super) fn keep_answer(&self, key: &str, record: &Json, replaced: Option<&Json>) {
        let posted = replaced.is_some();
        let usable = record.is_object() && !(posted && self.children == Children::Separate);
        let copy = usable.then(|| record.to_string());
        let wrote = replaced
            .filter(|_| record.is_object())
            .map(|before| crate::ledger::changes(before, record));
        self.ledger
            .keep_copy(key, copy.as_deref(), self.client.clock().now_text(), wrote);
    }
}

/// What a run sent for a customer that ended with `status` (`identified`: it had an ID).
pub(super) fn action(status: Status, identified: bool) -> &'static str {
    match status {
        Status::Created => "create",
        Status::Updated => "update",
        Status::Deactivated => "deactivate",
        Status::Failed if identified => "update",
        Status::Failed => "create",
        _ => "none",
    }
}
