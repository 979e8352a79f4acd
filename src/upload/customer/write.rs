//! Writing a customer: a create journaled before it is sent and, when its answer is lost,
//! resolved by a lookup before it is ever sent again; an update that fetches the record,
//! overlays the draft and posts it only if something changed; children posted one by one for
//! `--children separate`.

use serde_json::Value as Json;

use super::Sending;
use super::{Done, Job, ambiguous};
use crate::cli::Children;
use crate::ledger::LedgerError;
use crate::model::CustomerDraft;
use crate::upload::client::{CallError, Idempotent, escape};
use crate::upload::{Intent, match_value, merge};

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
        self.ledger.begin_create(&group.key).await?;
        loop {
            let error = match self.client.create_customer(body).await {
                Ok(answer) => match answer.id() {
                    Some(id) => return self.created(group, id, hash, note).await,
                    None => CallError::Unknown {
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
            let (cause, answered) = match error {
                CallError::Unknown { cause } => (cause, false),
                CallError::Server { cause } => (cause, true),
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
                if answered {
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
            // A server may store a slow create only after the client gave up waiting (or a
            // gateway did), and its lookups may lag its writes: the create is given the back-off,
            // and at least `--timeout` more when no answer came, before the lookup that decides
            // whether to send it again. (A 5xx says it failed: the back-off alone.)
            let delay = delays.next();
            let wait = if answered {
                delay
            } else {
                Some(delay.unwrap_or_default().max(self.answer_timeout))
            };
            if let Some(wait) = wait
                && !self.wait_for_landing(wait).await
            {
                let message = format!(
                    "outcome unknown ({cause}) and the run is stopping; the next run checks by lookup before anything is sent"
                );
                self.ledger.failed(&group.key, &message).await?;
                return Ok(Done::Failed { id: None, message });
            }
            match self.lookup(filter, &value).await {
                Ok(ids) if ids.len() == 1 => {
                    let note = format!("created (confirmed by lookup after: {cause})");
                    return self.created(group, ids[0].clone(), hash, note).await;
                }
                Ok(ids) if ids.is_empty() => {}
                Ok(ids) => {
                    return Ok(Done::Failed {
                        id: None,
                        message: ambiguous(filter, &value, &ids),
                    });
                }
                Err(error) => {
                    let message = format!(
                        "outcome unknown ({cause}) and the check failed ({error}); the next run checks again"
                    );
                    self.ledger.failed(&group.key, &message).await?;
                    return Ok(Done::Failed { id: None, message });
                }
            }
            if delay.is_none() {
                self.ledger.clear_pending(&group.key).await?;
                let message = format!("gave up after retries: {cause}");
                self.ledger.failed(&group.key, &message).await?;
                return Ok(Done::Failed { id: None, message });
            }
            note = format!("created after a retry ({cause})");
        }
    }

    /// Waits for `wait` unless the run stops or Ctrl-C comes first: whether it waited it out.
    async fn wait_for_landing(&self, wait: std::time::Duration) -> bool {
        tokio::select! {
            paused = self.client.pause(wait) => paused.is_ok(),
            () = self.intake.cancelled() => false,
        }
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
            self.ledger.settle(&group.key, &id, None, "created").await?;
            return Ok(Done::Failed {
                id: Some(id),
                message: format!("created, but {message}; the next run adds what is missing"),
            });
        }
        self.ledger
            .settle(&group.key, &id, Some(hash), "created")
            .await?;
        let note = if note.is_empty() {
            "created".to_string()
        } else {
            note
        };
        Ok(Done::Created { id, note })
    }

    /// Fetches the full record, overlays the draft, and posts it back if anything changed.
    pub(super) async fn update(
        &self,
        group: &Sending,
        id: &str,
        hash: &str,
        from_ledger: bool,
    ) -> Result<Done, LedgerError> {
        let existing = match self.fetch(group, id, hash, from_ledger).await? {
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
        if merge::same(&existing, &merged) && !children_missing {
            if self.intent == Intent::Write {
                self.ledger
                    .settle(&group.key, id, Some(hash), "unchanged")
                    .await?;
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
        if !merge::same(&existing, &merged)
            && let Some(failed) = self.post_merged(group, id, &merged).await?
        {
            return Ok(failed);
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
        self.ledger
            .settle(&group.key, id, Some(hash), "updated")
            .await?;
        Ok(Done::Updated {
            id: id.to_string(),
            fields,
        })
    }

    /// The record to update, as OnTime holds it and carrying its own ID; `Err` ends the update
    /// (a ledger ID OnTime does not know sends the customer again as if the ledger had none).
    async fn fetch(
        &self,
        group: &Sending,
        id: &str,
        hash: &str,
        from_ledger: bool,
    ) -> Result<Result<Json, Done>, LedgerError> {
        let existing = match self
            .client
            .get(&format!("api/customers/{}", escape(id)))
            .await
        {
            Ok(existing) => existing,
            Err(CallError::Rejected {
                status: 400 | 404, ..
            }) if from_ledger => {
                // The ledger's ID is unknown to OnTime (another account, or a reset sandbox).
                if self.intent == Intent::Write {
                    self.ledger.forget_id(&group.key).await?;
                }
                return Box::pin(self.send(group, None, hash)).await.map(Err);
            }
            Err(error) => return Ok(Err(self.call_failed(error, Some(id)))),
        };
        // Posted back without its own ID, the record would be created a second time.
        let Some(existing) = merge::with_id(existing, id) else {
            let message = format!(
                "OnTime's record for customer {id} does not carry that ID; not updating it (posting it back would create a second customer); nothing was sent"
            );
            return Ok(Err(failed(id, message)));
        };
        if !from_ledger && let Some(message) = self.not_the_match(group, id, &existing) {
            return Ok(Err(failed(id, message)));
        }
        Ok(Ok(existing))
    }

    /// Posts the merged record; `Some` ends the update as failed: refused, or answered with
    /// another customer's ID.
    async fn post_merged(
        &self,
        group: &Sending,
        id: &str,
        merged: &Json,
    ) -> Result<Option<Done>, LedgerError> {
        let post = self
            .client
            .post("api/customer/post", merged, Idempotent::Yes);
        let message = match post.await {
            Ok(answer) => match merge::answered_for_another(&answer, id) {
                Some(message) => message,
                None => return Ok(None),
            },
            Err(error) => {
                self.ledger.failed(&group.key, &error.to_string()).await?;
                return Ok(Some(self.call_failed(error, Some(id))));
            }
        };
        self.ledger.failed(&group.key, &message).await?;
        Ok(Some(failed(id, message)))
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
