//! Updating a customer: fetch the record, overlay the draft, and post it only if something
//! changed; one that adds children is never posted twice; children posted one by one for
//! `--children separate`.

use serde_json::Value as Json;

use super::{Done, Job, Record, Sending};
use crate::cli::Children;
use crate::ledger::LedgerError;
use crate::mapping::MatchBy;
use crate::upload::client::{CallError, Idempotent, escape};
use crate::upload::progress::Wait;
use crate::upload::{Intent, match_value, merge};
use ontime_api::CustomerDraft;

/// How an update's post went.
enum Posted {
    /// Made: OnTime's answer (`Null` when it could not be read).
    Yes(Json),
    Ended(Done),
    /// An update adding children got no answer, or a 5xx: it may or may not have been made.
    Lost {
        cause: String,
        answered: bool,
    },
}

impl Job {
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
        // The record to start from, and whether a lookup checked it holds the match value.
        let mut found = match record {
            Record::Found(record) => Some((record, true)),
            Record::Copy(record) => Some((record, false)),
            Record::Ledger => None,
        };
        let mut delays = self.client.delays();
        // The fields of a post whose answer was lost, while the record is fetched again.
        let mut lost: Option<Vec<String>> = None;
        // OnTime's answer to the post.
        let mut posted: Option<Json> = None;
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
            let merged = merge::overlay(&existing, &draft, &group.defaulted);
            let kept_out = kept_out_note(&existing, group);
            let children_missing = self.children == Children::Separate
                && !missing_children(&existing, group).is_empty();
            let same = merge::same(&existing, &merged);
            if same && !children_missing {
                let held = (lost.take(), kept_out);
                return Ok(self.already_held(group, (id, &existing), hash, held));
            }
            let fields = merge::changed(&existing, &merged);
            if self.intent == Intent::Preview {
                let records = (&existing, &merged);
                let would = super::would::update(id, &fields, records, group, kept_out);
                return Ok(Done::Would(would));
            }
            if !same {
                // What the post replaces is kept before it is sent: an undo needs it.
                self.ledger.keep_before(&group.key, id, &existing).await?;
                match self.post_merged(group, id, &merged).await? {
                    Posted::Yes(answer) => posted = Some(answer),
                    Posted::Ended(done) => return Ok(done),
                    Posted::Lost { cause, answered } => {
                        if self
                            .lost_update(group, id, &mut delays, &cause, answered)
                            .await
                        {
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
            let sent = (&existing, posted.as_ref());
            return Ok(self.updated(group, (id, hash), sent, fields).await);
        }
    }

    /// The end of an update that was posted (`answer`, when it was read) over `existing`: for
    /// `--children separate` the children it lacks posted, then the ledger's entry and copy.
    async fn updated(
        &self,
        group: &Sending,
        (id, hash): (&str, &str),
        (existing, answer): (&Json, Option<&Json>),
        mut fields: Vec<String>,
    ) -> Done {
        if self.children == Children::Separate {
            if let Err(message) = self.post_children(id, group, existing).await {
                return Done::Failed {
                    id: Some(id.to_string()),
                    message: format!("updated, but {message}"),
                };
            }
            fields.extend(
                missing_children(existing, group)
                    .into_iter()
                    .map(str::to_string),
            );
            fields.dedup();
        }
        self.ledger.settle(&group.key, id, Some(hash), "updated");
        if let Some(answer) = answer {
            self.keep_answer(&group.key, answer, Some(existing));
        }
        Done::Updated {
            id: id.to_string(),
            fields,
        }
    }

    /// The end of an update whose merge changes nothing: OnTime holds it already, or a post
    /// whose answer was lost (`lost`, its fields) was made.
    fn already_held(
        &self,
        group: &Sending,
        (id, existing): (&str, &Json),
        hash: &str,
        (lost, kept_out): (Option<Vec<String>>, Option<String>),
    ) -> Done {
        let id = id.to_string();
        if let Some(fields) = lost {
            self.ledger.settle(&group.key, &id, Some(hash), "updated");
            // What it replaced went with the lost answer's fetch: OnTime's record is the copy.
            self.keep_answer(&group.key, existing, None);
            return Done::Updated { id, fields };
        }
        if self.intent == Intent::Write {
            self.ledger.settle(&group.key, &id, Some(hash), "unchanged");
            self.keep_answer(&group.key, existing, None);
        }
        let note = match kept_out {
            None => "OnTime already holds exactly this".into(),
            Some(kept_out) => format!("OnTime already holds this; {kept_out}"),
        };
        Done::Unchanged {
            id,
            note,
            asked: true,
        }
    }

    /// After an update that adds children got no usable answer: waits for it to land, then
    /// `true` to fetch the record again and lay the draft over it; `false` when the retries are
    /// spent or the run stops.
    async fn lost_update(
        &self,
        group: &Sending,
        id: &str,
        delays: &mut (impl Iterator<Item = std::time::Duration> + Send),
        cause: &str,
        answered: bool,
    ) -> bool {
        let Some(delay) = delays.next() else {
            return false;
        };
        let wait = if answered {
            delay
        } else {
            self.client.landing(delay)
        };
        if !self
            .wait_for_landing(group, wait, Wait::Lost("update"))
            .await
        {
            return false;
        }
        tracing::debug!(
            id,
            "update adding children lost ({cause}): fetching it again"
        );
        true
    }

    /// The record to update, as OnTime holds it and carrying its own ID: `found` (a lookup's,
    /// already checked, or the ledger's copy) or else fetched by the ledger's ID. `Err` ends the update (a ledger ID
    /// OnTime does not know sends the customer again as if the ledger had none).
    async fn fetch(
        &self,
        group: &Sending,
        id: &str,
        hash: &str,
        found: Option<(Json, bool)>,
    ) -> Result<Result<Json, Done>, LedgerError> {
        let by_id = !found.as_ref().is_some_and(|(_, checked)| *checked);
        let existing = match found {
            Some((record, _)) => record,
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
        // A record reached by ID (the ledger's, from a create's answer) must be this customer's,
        // as one found by a lookup is: a server that answered a create with another customer's
        // ID would otherwise have that customer overwritten with this one's data.
        if by_id && let Some(message) = self.someone_else(group, id, &existing) {
            if self.intent == Intent::Write {
                self.ledger.failed(&group.key, &message).await?;
            }
            return Ok(Err(failed(id, message)));
        }
        Ok(Ok(existing))
    }

    /// Why the record OnTime holds under `id` is not `group`'s: its match field holds another
    /// value (the rule of `not_the_match`); `None` if it is, or if there is no match key.
    fn someone_else(&self, group: &Sending, id: &str, existing: &Json) -> Option<String> {
        self.not_the_match(group, id, existing)?;
        let MatchBy::Field(field) = self.match_by else {
            return None;
        };
        let (_, value) = match_value(self.match_by, &group.draft)?;
        let held = match existing.get(field) {
            Some(Json::String(text)) => text.trim().to_string(),
            Some(Json::Null) | None => String::new(),
            Some(other) => other.to_string(),
        };
        Some(format!(
            "the ledger names customer {id} for {field} \"{value}\", but that record's {field} is \"{held}\": not updating it (it may be another customer); nothing was sent. Check customer {id} in OnTime: if it is this customer, set its {field} to \"{value}\" there; if not, run once with a new --state ledger, which finds customers by lookup"
        ))
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
                None => return Ok(Posted::Yes(answer)),
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
    pub(super) async fn post_children(
        &self,
        id: &str,
        group: &Sending,
        existing: &Json,
    ) -> Result<(), String> {
        let (draft, defaulted) = (&group.draft, &group.defaulted);
        crate::upload::children::post_missing(&self.client, id, draft, defaulted, existing).await
    }
}

fn failed(id: &str, message: String) -> Done {
    Done::Failed {
        id: Some(id.to_string()),
        message,
    }
}

/// `default not applied: PricingMethod (OnTime has "Distance")`, if a default is kept out.
fn kept_out_note(existing: &Json, group: &Sending) -> Option<String> {
    if group.defaulted.customer == 0 {
        return None;
    }
    let kept = merge::defaults_kept_out(existing, &group.draft, &group.defaulted);
    (!kept.is_empty()).then(|| format!("default not applied: {}", kept.join(", ")))
}

/// The names of the children the draft has and `existing` lacks ("Departments", "Contacts").
fn missing_children(existing: &Json, group: &Sending) -> Vec<&'static str> {
    let draft = &group.draft;
    let merged = merge::overlay(
        existing,
        &CustomerDraft {
            fields: Default::default(),
            departments: draft.departments.clone(),
            contacts: draft.contacts.clone(),
        },
        &group.defaulted,
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
