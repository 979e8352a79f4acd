//! Creating a customer: journaled before it is sent and, when its answer is lost, given time
//! to land and resolved by lookups before it is ever sent again.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value as Json;
use serde_json::value::RawValue;

use super::find::Found;
use super::{Done, Job, Sending, ambiguous};
use crate::cli::Children;
use crate::ledger::LedgerError;
use crate::upload::client::{CallError, LANDING};
use crate::upload::match_value;
use crate::upload::progress::Wait;

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

/// The waits before the lookups that tell whether a create whose answer never came was made:
/// `first`, then twice that again. After the last, it is taken as not made.
pub(super) fn landing_waits(first: Duration) -> [Duration; 2] {
    [first, first * 2]
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
            separate = group.draft.fields_json_bytes();
            &separate
        } else {
            &group.body
        };
        let mut delays = self.client.delays();
        let mut note = String::new();
        if group.journaled {
            self.sending_create(&group.key);
        } else {
            self.ledger.begin_create(&group.key).await?;
        }
        loop {
            let error = match self.post_create(body, &group.key).await {
                Ok((id, answer)) => return Ok(self.created(group, id, hash, note, answer).await),
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
                match self.unkeyed(group, lost, &mut delays, &cause).await? {
                    Some(done) => return Ok(done),
                    None => {
                        note = format!("created after a retry ({cause})");
                        continue;
                    }
                }
            };
            let delay = delays.next();
            match self
                .landed(group, (filter, &value), delay, lost, &cause)
                .await?
            {
                Landing::Found(id) => {
                    // Checked by its record: this key's, whatever an earlier answer claimed.
                    if let Ok(mut owners) = self.owners.lock() {
                        owners.insert(id.clone(), group.key.clone());
                    }
                    let note = format!("created (confirmed by lookup after: {cause})");
                    return Ok(self.created(group, id, hash, note, None).await);
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

    /// Posts a create; the new customer's ID with OnTime's answer, or why there is none to
    /// record.
    async fn post_create(
        &self,
        body: &[u8],
        key: &str,
    ) -> Result<(String, Option<Box<RawValue>>), CallError> {
        let answer = self.client.create_customer(body).await?;
        match answer.id() {
            Some(id) => match self.claim(&id, key) {
                Ok(()) => Ok((id, answer.raw)),
                // Taken like an answer without a usable ID: the server is done with the
                // create, and lookups tell what it made.
                Err(owner) => Err(CallError::Unreadable {
                    cause: format!(
                        "the answer's customer ID {id} is already customer \"{owner}\"'s (not recorded for this one)"
                    ),
                }),
            },
            None => Err(CallError::Unreadable {
                cause: match answer.id {
                    Some(other) => format!("the answer's customer ID is not usable: {other}"),
                    None => "the answer carried no customer ID".to_string(),
                },
            }),
        }
    }

    /// A create that failed or got lost, for a customer without a match value to look it up by:
    /// after a 5xx (the server's word that nothing was stored) it is retried (`None`: send
    /// again); otherwise its outcome is unknown, and it is never sent blindly again.
    async fn unkeyed(
        &self,
        group: &Sending,
        lost: Lost,
        delays: &mut (impl Iterator<Item = std::time::Duration> + Send),
        cause: &str,
    ) -> Result<Option<Done>, LedgerError> {
        if lost == Lost::Refused {
            // As the contract has it, a 5xx comes before anything is stored.
            return self.retry_after_server_error(group, delays, cause).await;
        }
        let message = format!("outcome unknown — check OnTime before re-running ({cause})");
        self.ledger.failed(&group.key, &message).await?;
        Ok(Some(Done::Failed { id: None, message }))
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
            Lost::Silent => landing_waits(self.client.landing(delay)).to_vec(),
        };
        for wait in waits {
            if !wait.is_zero()
                && !self
                    .wait_for_landing(group, wait, Wait::Lost("create"))
                    .await
            {
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
    /// at the default `--timeout`), and queues for one again after it. The wait is said in the
    /// log and shown on the progress line while it lasts (`what`: what it waits for).
    pub(super) async fn wait_for_landing(
        &self,
        group: &Sending,
        wait: Duration,
        what: Wait,
    ) -> bool {
        let _waiting = self.client.waits().begin(what, wait);
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

    /// Takes `id` for customer `key`, unless it is another key's (in the ledger, or created in
    /// this run): then that key, and nothing is taken.
    fn claim(&self, id: &str, key: &str) -> Result<(), String> {
        let Ok(mut owners) = self.owners.lock() else {
            return Err("unknown (the run's ID table is unusable)".into());
        };
        match owners.get(id) {
            Some(owner) if owner != key => Err(owner.clone()),
            Some(_) => Ok(()),
            None => {
                owners.insert(id.to_string(), key.to_string());
                Ok(())
            }
        }
    }

    /// A create made: `answer`, OnTime's, is kept as the customer's server copy.
    async fn created(
        &self,
        group: &Sending,
        id: String,
        hash: &str,
        note: String,
        answer: Option<Box<RawValue>>,
    ) -> Done {
        if self.children == Children::Separate
            && let Err(message) = self.post_children(&id, group, &Json::Null).await
        {
            self.ledger.settle(&group.key, &id, None, "created");
            return Done::Failed {
                id: Some(id),
                message: format!("created, but {message}; the next run adds what is missing"),
            };
        }
        self.ledger.settle(&group.key, &id, Some(hash), "created");
        if let Some(answer) = answer {
            self.keep_created(&group.key, &answer);
        }
        let note = if note.is_empty() {
            "created".to_string()
        } else {
            note
        };
        Done::Created { id, note }
    }
}

/// `--plan`'s line for a customer it would create, naming the values defaults would give:
/// `would create; defaults: Country "US", PricingMethod "None"`.
pub(super) fn would_create(group: &Sending) -> String {
    if group.defaulted.customer == 0 {
        return "would create".into();
    }
    let defaults: Vec<String> = group
        .draft
        .fields
        .0
        .iter()
        .filter(|(name, _)| group.defaulted.customer(name))
        .map(|(name, value)| format!("{name} {}", crate::upload::merge::shown(&value.to_json())))
        .collect();
    format!("would create; defaults: {}", defaults.join(", "))
}

impl Job {
    /// Keeps a create's answer as the customer's server copy. (What a create wrote is not
    /// kept with the run: an undo sets the customer Inactive whatever it holds.)
    fn keep_created(&self, key: &str, answer: &RawValue) {
        let separate = self.children == Children::Separate;
        let copy = (!separate).then(|| answer.get());
        self.ledger
            .keep_copy(key, copy, self.client.clock().now_text(), None);
    }
}
