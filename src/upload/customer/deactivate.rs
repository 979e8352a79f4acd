//! `--deactivate-missing`: the customers this ledger sent to this site before and the input no
//! longer names, the guard against a truncated export, and the safe update that sets one
//! `Inactive`.
//!
//! Invariants: the guard is decided before the run's first request (more than `--max-deactivate`
//! and nothing is sent); a deactivation posts back the whole record OnTime holds with only
//! `Inactive` changed, never a partial one that would blank the rest; its ledger entry loses its
//! hash, so that a customer who comes back is updated by the next run, not taken as unchanged.

use std::collections::{HashMap, HashSet};

use super::Job;
use crate::cli::Limit;
use crate::ledger::Entry;
use crate::report::{Outcome, RowId, Status};
use crate::upload::client::{CallError, Idempotent, escape};
use crate::upload::{Intent, merge};

/// A customer to deactivate, with its line in the report.
#[derive(Debug)]
pub(crate) struct Leaving {
    pub key: String,
    pub id: String,
    pub row: RowId,
}

/// The (key, ID) of every customer `known` holds an ID for that `named` (every key of the
/// input, invalid customers too) lacks and that is not deactivated already, sorted by key.
pub(crate) fn missing(
    known: &HashMap<String, Entry>,
    named: &HashSet<&str>,
) -> Vec<(String, String)> {
    let mut missing: Vec<(String, String)> = known
        .iter()
        .filter(|(key, e)| {
            !e.pending_create && e.last_status != "deactivated" && !named.contains(key.as_str())
        })
        .filter_map(|(key, e)| Some((key.clone(), e.customer_id.clone()?)))
        .collect();
    missing.sort();
    missing
}

/// Why `count` deactivations are refused, if `limit` of the `known` customers (those with an
/// ID) does not allow them.
pub(crate) fn refused(
    count: usize,
    known: &HashMap<String, Entry>,
    limit: Limit,
) -> Option<String> {
    let known = known.values().filter(|e| e.customer_id.is_some()).count() as u64;
    let allowed = limit.of(known);
    (count as u64 > allowed).then(|| {
        format!(
            "--deactivate-missing would deactivate {count} of the {known} customers this ledger knows for the target, more than --max-deactivate {limit} allows ({allowed}); nothing was sent: a truncated or filtered export looks exactly like customers leaving\nhint: check that the input is complete; if they did leave, run again with --max-deactivate {count}"
        )
    })
}

impl Job {
    /// Deactivates one customer (or, for `--plan`, says it would) and decides its line.
    pub(crate) async fn deactivate(&self, leaving: Leaving) {
        let outcome = match self.intent {
            Intent::Preview => Outcome::new(
                Status::Valid,
                format!(
                    "would deactivate customer {}: absent from the input",
                    leaving.id
                ),
            ),
            Intent::Write => match self.set_inactive(&leaving).await {
                Ok(message) => Outcome::new(Status::Deactivated, message),
                Err(NotDone::Stopped) => Outcome::new(Status::NotSent, self.stop_message()),
                Err(NotDone::Failed(cause)) => {
                    let message = format!("not deactivated: {cause}");
                    self.ledger.note_failure(&leaving.key, &message);
                    Outcome::new(Status::Failed, message)
                }
            },
        };
        if self.intent == Intent::Write {
            let action = super::done::action(outcome.status, true);
            let (status, message) = (outcome.status.as_str(), outcome.message.as_str());
            self.ledger
                .record_outcome(&leaving.key, Some(&leaving.id), action, status, message);
        }
        let outcome = Outcome {
            customer_id: Some(leaving.id),
            ..outcome
        };
        self.report.decide(&[leaving.row], outcome);
    }

    /// Reads the record, sets `Inactive`, posts the whole record back; the report's message.
    async fn set_inactive(&self, leaving: &Leaving) -> Result<String, NotDone> {
        let id = &leaving.id;
        let record = self
            .client
            .get(&format!("api/customers/{}", escape(id)))
            .await?;
        let Some(mut record) = merge::with_id(record, id) else {
            return Err(NotDone::Failed(format!(
                "OnTime's record for customer {id} does not carry that ID; not posting it back (it would create a second customer)"
            )));
        };
        let mut answer = None;
        let replaced = record.clone();
        let message = if record.get("Inactive") == Some(&serde_json::Value::Bool(true)) {
            "absent from the input; OnTime holds it inactive already".to_string()
        } else {
            // What the post replaces is kept before it is sent: an undo needs it.
            if let Err(error) = self.ledger.keep_before(&leaving.key, id, &record).await {
                return Err(NotDone::Failed(error.to_string()));
            }
            record["Inactive"] = serde_json::Value::Bool(true);
            let idempotent = if merge::adds_children(&record) {
                Idempotent::Once
            } else {
                Idempotent::Yes
            };
            let answer_of = self
                .client
                .post("api/customer/post", &record, idempotent)
                .await?;
            if let Some(cause) = merge::answered_for_another(&answer_of, id) {
                return Err(NotDone::Failed(cause));
            }
            answer = Some(answer_of);
            "deactivated: absent from the input; Inactive set, every other value kept".to_string()
        };
        self.ledger.settle(&leaving.key, id, None, "deactivated");
        if let Some(answer) = answer {
            self.keep_answer(&leaving.key, &answer, Some(&replaced));
        }
        Ok(message)
    }
}

/// Why a deactivation did not happen.
enum NotDone {
    /// The run is stopping: not sent.
    Stopped,
    Failed(String),
}

impl From<CallError> for NotDone {
    fn from(error: CallError) -> NotDone {
        match error {
            CallError::Stopped => NotDone::Stopped,
            other => NotDone::Failed(other.to_string()),
        }
    }
}
