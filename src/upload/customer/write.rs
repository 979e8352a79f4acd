//! Writing a customer: a create journaled before it is sent and, when its answer is lost,
//! resolved by a lookup before it is ever sent again; an update that fetches the record,
//! overlays the draft and posts it only if something changed; children posted one by one for
//! `--children separate`.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value as Json;

use super::find::Found;
use super::{Done, Job, ambiguous};
use super::{Record, Sending};
use crate::cli::Children;
use crate::ledger::LedgerError;
use crate::model::CustomerDraft;
use crate::upload::client::{CallError, Idempotent, LANDING, escape};
use crate::upload::{Intent, match_value, merge};

/// How an update's post went.
enum Posted {
    Yes,
    Ended(Done),
    /// An update adding children got no answer, or a 5xx: it may or may not have been made.
    Lost {
        cause: String,
        answered: bool,
    },
}

/// How a create's answer was lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lost {
    /// No answer (a timeout, a dropped connection, a gateway's 502/504): it may still land.
    Silent,
    /// A 2xx without a usable customer ID: made, or not, but done with.
    Unread,
    /// A 5xx: the server says it failed.
    Refused,
}

/// Whether a create whose answer was lost is in OnTime.
enum Landing {
    Found(String),
    Missing,
    /// Cannot tell, or the run is stopping: the customer ends here.
    Ended(Done),
}

impl Job {
    pub(super) async fn create(&self, group: &Sending, hash: &str) -> Result<Done, LedgerError> {
        let separate;
        let body = if self.children == Children::Separate {
            let mut draft = group.draft.clone();
            draft.departments.clear();
            draft.contacts.clear();
            separate = draft.to_json_bytes();
            &separate
        } else {
            &group.body
        };
        let mut delays = self.client.delays();
        let mut note = String::new();
        if !group.journaled {
            self.ledger.begin_create(&group.key).await?;
        }
        loop {
            let error = match self.client.create_customer(body).await {
                Ok(answer) => match answer.id() {
                    Some(id) => return self.created(group, id, hash, note).await,
                    None => CallError::Unreadable {
                        cause: match answer.id {
                            Some(other) => {
                                format!("the answer's customer ID is not usable: {other}")
                            }
                            None => "the answer carried no customer ID".to_string(),
                        },
                    },
                },
                Err(error) => error,
            };
            let (cause, lost) = match error {
                CallError::Unknown { cause } => (cause, Lost::Silent),
                CallError::Unreadable { cause } => (cause, Lost::Unread),
                CallError::Server { cause } => (cause, Lost::Refused),
                CallError::Stopped => {
                    self.ledger.clear_pending(&group.key).await?;
                    return Ok(Done::NotSent(self.stop_message()));
                }
                other => {
                    self.ledger.clear_pending(&group.key).await?;
                    self.ledger.failed(&group.key, &other.to_string()).await?;
                    return Ok(self.call_failed(other, None));
                }
            };
            // The create may have been stored: check before sending it again.
            let Some((filter, value)) = match_value(self.match_by, &group.draft) else {
                if lost == Lost::Refused {
                    // No key to check by, but the server answered that it failed (a 5xx): as
                    // the contract has it, a 5xx comes before anything is stored. Retried.
                    match self
                        .retry_after_server_error(group, &mut delays, &cause)
                        .await?
                    {
                        Some(done) => return Ok(done),
                        None => {
                            note = format!("created after a retry ({cause})");
                            continue;
                        }
                    }
                }
                let message = format!("outcome unknown — check OnTime before re-running ({cause})");
                self.ledger.failed(&group.key, &message).await?;
                return Ok(Done::Failed { id: None, message });
            };
            let delay = delays.next();
            match self
                .landed(group, (filter, &value), delay, lost, &cause)
                .await?
            {
                Landing::Found(id) => {
                    let note = format!("created (confirmed by lookup after: {cause})");
                    return self.created(group, id, hash, note).await;
                }
                Landing::Ended(done) => return Ok(done),
                Landing::Missing if lost == Lost::Unread => {
                    // A 2xx: the server made something, which its lookups do not show (yet).
                    // Sent again, it could be made twice.
                    let message = format!(
                        "outcome unknown — OnTime answered the create with success but {cause}, and lookups do not find it; check OnTime before re-running (the next run looks it up first)"
                    );
                    self.ledger.failed(&group.key, &message).await?;
                    return Ok(Done::Failed { id: None, message });
                }
                Landing::Missing => {}
            }
            if delay.is_none() {
                self.ledger.clear_pending(&group.key).await?;
                let message = format!("gave up after retries: {cause}");
                self.ledger.failed(&group.key, &message).await?;
                return Ok(Done::Failed { id: None, message });
            }
            // Journaled again, so that a crash from here is checked for as of this send.
            self.ledger.begin_create(&group.key).await?;
            note = format!("created after a retry ({cause})");
        }
    }

    /// Whether a create whose answer was lost (or was a 5xx) is in OnTime, by lookups whose
    /// record is checked to hold the value. A server may store a slow create only after the
    /// client (or a gateway) gave up on it, and its lookups may lag its writes: with no answer,
    /// the first lookup waits for [`Client::landing`](crate::upload::Client::landing), and a
    /// second one twice that again; only then is the create taken as not made. A 2xx without a
    /// usable ID means the server is done with it: two lookups, [`LANDING`] apart, for the lag
    /// alone. After a 5xx, the server's word that it failed (which a server that fails after
    /// storing breaks), one lookup, after the back-off or [`LANDING`], whichever is longer.
    async fn landed(
        &self,
        group: &Sending,
        (filter, value): (&str, &str),
        delay: Option<Duration>,
        lost: Lost,
        cause: &str,
    ) -> Result<Landing, LedgerError> {
        let delay = delay.unwrap_or_default();
        let waits = match lost {
            Lost::Refused => vec![delay.max(LANDING)],
            Lost::Unread => vec![delay, LANDING],
            Lost::Silent => {
                let first = self.client.landing(delay);
                vec![first, first * 2]
            }
        };
        for wait in waits {
            if !wait.is_zero() && !self.wait_for_landing(group, wait).await {
                let message = format!(
                    "outcome unknown ({cause}) and the run is stopping; the next run checks by lookup before anything is sent"
                );
                self.ledger.failed(&group.key, &message).await?;
                return Ok(Landing::Ended(Done::Failed { id: None, message }));
            }
            let message = match self.checked_lookup(group, filter, value).await {
                Ok(Found::Nothing) => continue,
                Ok(Found::One(id, _)) => return Ok(Landing::Found(id)),
                Ok(Found::Several(ids)) => {
                    return Ok(Landing::Ended(Done::Failed {
                        id: None,
                        message: ambiguous(filter, value, &ids),
                    }));
                }
                Ok(Found::NotTheMatch(why)) => format!(
                    "outcome unknown ({cause}): {why}, so the check cannot tell; check OnTime before re-running"
                ),
                Err(error) => format!(
                    "outcome unknown ({cause}) and the check failed ({error}); the next run checks again"
                ),
            };
            self.ledger.failed(&group.key, &message).await?;
            return Ok(Landing::Ended(Done::Failed { id: None, message }));
        }
        Ok(Landing::Missing)
    }

    /// Waits for `wait` unless the run stops or Ctrl-C comes first: whether it waited it out.
    /// The customer gives up its place among those under way meanwhile (a wait may be minutes,
    /// at the default `--timeout`), and queues for one again after it.
    pub(super) async fn wait_for_landing(&self, group: &Sending, wait: Duration) -> bool {
        drop(group.place.lock().ok().and_then(|mut place| place.take()));
        let waited = tokio::select! {
            paused = self.client.pause(wait) => paused.is_ok(),
            () = self.intake.cancelled() => false,
        };
        if let Ok(permit) = Arc::clone(&self.places).acquire_owned().await
            && let Ok(mut place) = group.place.lock()
        {
            *place = Some(permit);
        }
        waited
    }

    /// Waits before a create is sent again after a 5xx; `Some` ends the create (retries spent,
    /// or the run stopping: the server said the create failed, so nothing is pending).
    async fn retry_after_server_error(
        &self,
        group: &Sending,
        delays: &mut impl Iterator<Item = std::time::Duration>,
        cause: &str,
    ) -> Result<Option<Done>, LedgerError> {
        let Some(delay) = delays.next() else {
            self.ledger.clear_pending(&group.key).await?;
            let message = format!("gave up after retries: {cause}");
            self.ledger.failed(&group.key, &message).await?;
            return Ok(Some(Done::Failed { id: None, message }));
        };
        if self.client.pause(delay).await.is_err() {
            self.ledger.clear_pending(&group.key).await?;
            return Ok(Some(Done::NotSent(self.stop_message())));
        }
        Ok(None)
    }

    async fn created(
        &self,
        group: &Sending,
        id: String,
        hash: &str,
        note: String,
    ) -> Result<Done, LedgerError> {
        if self.children == Children::Separate
            && let Err(message) = self.post_children(&id, &group.draft, &Json::Null).await
        {
            self.ledger.settle(&group.key, &id, None, "created");
            return Ok(Done::Failed {
                id: Some(id),
                message: format!("created, but {message}; the next run adds what is missing"),
            });
        }
        self.ledger.settle(&group.key, &id, Some(hash), "created");
        let note = if note.is_empty() {
            "created".to_string()
        } else {
            note
        };
        Ok(Done::Created { id, note })
    }

    /// Overlays the draft on the full record (fetched, unless the lookup did) and posts it back
    /// if anything changed. An update that adds a department or contact is not sent twice: after
    /// its answer is lost (or a 5xx), the record is fetched again and the draft laid over it
    /// again, so that children the first post made are matched, not added a second time.
    pub(super) async fn update(
        &self,
        group: &Sending,
        id: &str,
        hash: &str,
        record: Record,
    ) -> Result<Done, LedgerError> {
        let mut found = match record {
            Record::Found(record) => Some(record),
            Record::Ledger => None,
        };
        let mut delays = self.client.delays();
        // The fields of a post whose answer was lost, while the record is fetched again.
        let mut lost: Option<Vec<String>> = None;
        loop {
            let existing = match self.fetch(group, id, hash, found.take()).await? {
                Ok(existing) => existing,
                Err(done) => return Ok(done),
            };
            let mut draft = group.draft.clone();
            if self.children == Children::Separate {
                draft.departments.clear();
                draft.contacts.clear();
            }
            let merged = merge::overlay(&existing, &draft);
            let children_missing = self.children == Children::Separate
                && !missing_children(&existing, &group.draft).is_empty();
            if merge::same(&existing, &merged)
                && !children_missing
                && let Some(fields) = lost.take()
            {
                // The post whose answer was lost was made.
                self.ledger.settle(&group.key, id, Some(hash), "updated");
                return Ok(Done::Updated {
                    id: id.to_string(),
                    fields,
                });
            }
            if merge::same(&existing, &merged) && !children_missing {
                if self.intent == Intent::Write {
                    self.ledger.settle(&group.key, id, Some(hash), "unchanged");
                }
                return Ok(Done::Unchanged {
                    id: id.to_string(),
                    note: "OnTime already holds exactly this".into(),
                });
            }
            let mut fields = merge::changed(&existing, &merged);
            if self.intent == Intent::Preview {
                let what = if fields.is_empty() {
                    "children".to_string()
                } else {
                    fields.join(", ")
                };
                return Ok(Done::Would(
                    format!("would update: {what}"),
                    Some(id.to_string()),
                ));
            }
            if !merge::same(&existing, &merged) {
                match self.post_merged(group, id, &merged).await? {
                    Posted::Yes => {}
                    Posted::Ended(done) => return Ok(done),
                    Posted::Lost { cause, answered } => {
                        let delay = delays.next();
                        let wait = delay.map(|delay| {
                            if answered {
                                delay
                            } else {
                                self.client.landing(delay)
                            }
                        });
                        if let Some(wait) = wait
                            && self.wait_for_landing(group, wait).await
                        {
                            tracing::debug!(
                                id,
                                "update adding children lost ({cause}): fetching it again"
                            );
                            lost = Some(fields);
                            continue;
                        }
                        let message = format!(
                            "the update adds departments or contacts and its outcome is unknown ({cause}); the next run checks what OnTime holds"
                        );
                        self.ledger.failed(&group.key, &message).await?;
                        return Ok(failed(id, message));
                    }
                }
            }
            if self.children == Children::Separate {
                if let Err(message) = self.post_children(id, &group.draft, &existing).await {
                    return Ok(Done::Failed {
                        id: Some(id.to_string()),
                        message: format!("updated, but {message}"),
                    });
                }
                fields.extend(
                    missing_children(&existing, &group.draft)
                        .into_iter()
                        .map(str::to_string),
                );
                fields.dedup();
            }
            self.ledger.settle(&group.key, id, Some(hash), "updated");
            return Ok(Done::Updated {
                id: id.to_string(),
                fields,
            });
        }
    }

    /// The record to update, as OnTime holds it and carrying its own ID: `found` (a lookup's,
    /// already checked) or else fetched by the ledger's ID. `Err` ends the update (a ledger ID
    /// OnTime does not know sends the customer again as if the ledger had none).
    async fn fetch(
        &self,
        group: &Sending,
        id: &str,
        hash: &str,
        found: Option<Json>,
    ) -> Result<Result<Json, Done>, LedgerError> {
        let existing = match found {
            Some(record) => record,
            None => match self
                .client
                .get(&format!("api/customers/{}", escape(id)))
                .await
            {
                Ok(existing) => existing,
                Err(CallError::Rejected {
                    status: 400 | 404, ..
                }) => {
                    // The ledger's ID is unknown to OnTime (another account, or a reset sandbox).
                    if self.intent == Intent::Write {
                        self.ledger.forget_id(&group.key).await?;
                    }
                    return Box::pin(self.send(group, None, hash)).await.map(Err);
                }
                Err(error) => return Ok(Err(self.call_failed(error, Some(id)))),
            },
        };
        // Posted back without its own ID, the record would be created a second time.
        let Some(existing) = merge::with_id(existing, id) else {
            let message = format!(
                "OnTime's record for customer {id} does not carry that ID; not updating it (posting it back would create a second customer); nothing was sent"
            );
            return Ok(Err(failed(id, message)));
        };
        Ok(Ok(existing))
    }

    /// Posts the merged record. One that adds children is not idempotent (sent twice, it adds
    /// them twice): its lost answer comes back as [`Posted::Lost`] instead of being retried.
    async fn post_merged(
        &self,
        group: &Sending,
        id: &str,
        merged: &Json,
    ) -> Result<Posted, LedgerError> {
        let idempotent = if merge::adds_children(merged) {
            Idempotent::Once
        } else {
            Idempotent::Yes
        };
        let post = self.client.post("api/customer/post", merged, idempotent);
        let message = match post.await {
            Ok(answer) => match merge::answered_for_another(&answer, id) {
                Some(message) => message,
                None => return Ok(Posted::Yes),
            },
            Err(CallError::Unknown { cause }) => {
                return Ok(Posted::Lost {
                    cause,
                    answered: false,
                });
            }
            Err(CallError::Server { cause }) => {
                return Ok(Posted::Lost {
                    cause,
                    answered: true,
                });
            }
            Err(error) => {
                self.ledger.failed(&group.key, &error.to_string()).await?;
                return Ok(Posted::Ended(self.call_failed(error, Some(id))));
            }
        };
        self.ledger.failed(&group.key, &message).await?;
        Ok(Posted::Ended(failed(id, message)))
    }

    /// `--children separate`: posts each department and contact `existing` lacks, by itself.
    async fn post_children(
        &self,
        id: &str,
        draft: &CustomerDraft,
        existing: &Json,
    ) -> Result<(), String> {
        crate::upload::children::post_missing(&self.client, id, draft, existing).await
    }
}

fn failed(id: &str, message: String) -> Done {
    Done::Failed {
        id: Some(id.to_string()),
        message,
    }
}

/// The names of the children the draft has and `existing` lacks ("Departments", "Contacts").
fn missing_children(existing: &Json, draft: &CustomerDraft) -> Vec<&'static str> {
    let merged = merge::overlay(
        existing,
        &CustomerDraft {
            fields: Default::default(),
            departments: draft.departments.clone(),
            contacts: draft.contacts.clone(),
        },
    );
    merge::changed(existing, &merged)
        .into_iter()
        .filter_map(|name| match name.as_str() {
            "Departments" => Some("Departments"),
            "Contacts" => Some("Contacts"),
            _ => None,
        })
        .collect()
}
