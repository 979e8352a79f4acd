//! One customer's way to OnTime: skip it if the ledger shows it unchanged, find it (ledger ID,
//! else a lookup by the match key, unless the account is known to be empty), then create it or
//! update it safely — and decide all of its rows with the one outcome.
//!
//! Invariants: a create is journaled before it is sent; a create whose outcome is unknown is
//! resolved by a lookup before it is ever sent again, and without a match key it is reported
//! `failed`, never re-sent; more than one match is a failure, never a guess.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value as Json;
use tokio::sync::OnceCell;

use super::client::{CallError, Client, Idempotent, escape};
use super::{Intent, match_value, merge};
use crate::cli::Children;
use crate::group::CustomerGroup;
use crate::ledger::{Entry, Ledger, LedgerError};
use crate::mapping::MatchBy;
use crate::model::CustomerDraft;
use crate::report::{Outcome, Report, Status};
use crate::settings::Target;
use crate::summary::Stop;

/// The hash of what a draft would make OnTime hold, for change detection between runs.
pub fn content_hash(draft: &CustomerDraft) -> String {
    let text = draft.to_json().to_string();
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(text.as_bytes()))
}

/// How one customer ended.
enum Done {
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
    },
    /// `--plan` only.
    Would(String, Option<String>),
    Failed {
        id: Option<String>,
        message: String,
    },
    NotSent(String),
}

/// Shared by every customer of a run.
pub struct Job<'a> {
    client: &'a Client,
    ledger: &'a Ledger,
    known: HashMap<String, Entry>,
    report: &'a Arc<Mutex<Report>>,
    match_by: MatchBy,
    children: Children,
    full: bool,
    intent: Intent,
    /// Whether the account held no customers when the run began (one unfiltered GET, made
    /// only if some customer needs a lookup). In an empty account nothing can match.
    empty: OnceCell<bool>,
}

impl<'a> Job<'a> {
    pub fn new(
        client: &'a Client,
        ledger: &'a Ledger,
        known: HashMap<String, Entry>,
        report: &'a Arc<Mutex<Report>>,
        match_by: MatchBy,
        target: &Target,
        intent: Intent,
    ) -> Job<'a> {
        Job {
            client,
            ledger,
            known,
            report,
            match_by,
            children: target.children,
            full: target.full,
            intent,
            empty: OnceCell::new(),
        }
    }

    pub async fn customer(&self, group: CustomerGroup) {
        let hash = content_hash(&group.draft);
        let entry = self.known.get(&group.key);
        let done = match entry {
            Some(e) if !self.full && !e.pending_create && e.sent_hash.as_deref() == Some(&hash) => {
                Done::Unchanged {
                    id: e.customer_id.clone().unwrap_or_default(),
                    note: format!(
                        "unchanged since the last run ({} {})",
                        e.last_status, e.updated_at
                    ),
                }
            }
            _ => match self.send(&group, entry, &hash).await {
                Ok(done) => done,
                Err(error) => self.ledger_failed(&error),
            },
        };
        self.decide(&group, done);
    }

    async fn send(
        &self,
        group: &CustomerGroup,
        entry: Option<&Entry>,
        hash: &str,
    ) -> Result<Done, LedgerError> {
        let pending = entry.is_some_and(|e| e.pending_create);
        let mut id = entry
            .filter(|e| !e.pending_create)
            .and_then(|e| e.customer_id.clone());
        if id.is_none() {
            id = match self.find(group, pending).await {
                Ok(found) => found,
                Err(done) => return Ok(done),
            };
        }
        match id {
            Some(id) => {
                let from_ledger = entry.and_then(|e| e.customer_id.as_deref()) == Some(id.as_str());
                self.update(group, &id, hash, from_ledger).await
            }
            None if self.intent == Intent::Preview => Ok(Done::Would("would create".into(), None)),
            None => self.create(group, hash).await,
        }
    }

    /// The existing customer's ID by lookup: `Ok(None)` when there is none.
    async fn find(&self, group: &CustomerGroup, pending: bool) -> Result<Option<String>, Done> {
        let Some((filter, value)) = match_value(self.match_by, group) else {
            if pending {
                let message = "an earlier run sent this customer's create and never heard back, and there is no match key to check it: check OnTime for it, then remove its line from the ledger (or set [match] by)";
                return Err(Done::Failed {
                    id: None,
                    message: message.into(),
                });
            }
            return Ok(None);
        };
        if !pending && self.account_empty().await {
            return Ok(None);
        }
        match self.lookup(filter, &value).await {
            Ok(ids) => match ids.as_slice() {
                [] => Ok(None),
                [id] => Ok(Some(id.clone())),
                several => Err(Done::Failed {
                    id: None,
                    message: ambiguous(filter, &value, several),
                }),
            },
            Err(error) => Err(self.call_failed(error, None)),
        }
    }

    async fn account_empty(&self) -> bool {
        *self
            .empty
            .get_or_init(|| async {
                match self.client.get("api/customers").await {
                    Ok(Json::Array(ids)) => ids.is_empty(),
                    _ => false,
                }
            })
            .await
    }

    async fn lookup(&self, filter: &str, value: &str) -> Result<Vec<String>, CallError> {
        let mut path = String::from("api/customers?");
        path.push_str(filter);
        path.push('=');
        path.push_str(&escape(value));
        let found = self.client.get(&path).await?;
        ids_of(&found).ok_or_else(|| CallError::Rejected {
            status: 200,
            body: format!("the customer lookup did not answer a list of IDs: {found}"),
        })
    }

    async fn create(&self, group: &CustomerGroup, hash: &str) -> Result<Done, LedgerError> {
        let mut body = group.draft.clone();
        if self.children == Children::Separate {
            body.departments.clear();
            body.contacts.clear();
        }
        let body = body.to_json();
        let mut delays = self.client.delays();
        let mut note = String::new();
        self.ledger.begin_create(&group.key)?;
        loop {
            let error = match self
                .client
                .post("api/customer/post", &body, Idempotent::No)
                .await
            {
                Ok(answer) => match answer.get("ID").and_then(Json::as_str) {
                    Some(id) => return self.created(group, id.to_string(), hash, note).await,
                    None => CallError::Unknown {
                        cause: format!("the answer carried no customer ID: {answer}"),
                    },
                },
                Err(error) => error,
            };
            let cause = match error {
                CallError::Unknown { cause } | CallError::Server { cause } => cause,
                CallError::Stopped => {
                    self.ledger.clear_pending(&group.key)?;
                    return Ok(Done::NotSent(self.stop_message()));
                }
                other => {
                    self.ledger.clear_pending(&group.key)?;
                    self.ledger.failed(&group.key, &other.to_string())?;
                    return Ok(self.call_failed(other, None));
                }
            };
            // The create may have been stored: check before sending it again.
            let Some((filter, value)) = match_value(self.match_by, group) else {
                let message = format!("outcome unknown — check OnTime before re-running ({cause})");
                self.ledger.failed(&group.key, &message)?;
                return Ok(Done::Failed { id: None, message });
            };
            // A server may store a slow create only after the client gave up waiting: the back-off
            // comes before the lookup, so that the lookup has the best chance to see it.
            let delay = delays.next();
            if let Some(delay) = delay
                && self.client.pause(delay).await.is_err()
            {
                let message = format!(
                    "outcome unknown ({cause}) and the run is stopping; the next run checks by lookup before anything is sent"
                );
                self.ledger.failed(&group.key, &message)?;
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
                    self.ledger.failed(&group.key, &message)?;
                    return Ok(Done::Failed { id: None, message });
                }
            }
            if delay.is_none() {
                self.ledger.clear_pending(&group.key)?;
                let message = format!("gave up after retries: {cause}");
                self.ledger.failed(&group.key, &message)?;
                return Ok(Done::Failed { id: None, message });
            }
            note = format!("created after a retry ({cause})");
        }
    }

    async fn created(
        &self,
        group: &CustomerGroup,
        id: String,
        hash: &str,
        note: String,
    ) -> Result<Done, LedgerError> {
        if self.children == Children::Separate
            && let Err(message) = self.post_children(&id, &group.draft, &Json::Null).await
        {
            self.ledger.settle(&group.key, &id, None, "created")?;
            return Ok(Done::Failed {
                id: Some(id),
                message: format!("created, but {message}; the next run adds what is missing"),
            });
        }
        self.ledger.settle(&group.key, &id, Some(hash), "created")?;
        let note = if note.is_empty() {
            "created".to_string()
        } else {
            note
        };
        Ok(Done::Created { id, note })
    }

    /// Fetches the full record, overlays the draft, and posts it back if anything changed.
    async fn update(
        &self,
        group: &CustomerGroup,
        id: &str,
        hash: &str,
        from_ledger: bool,
    ) -> Result<Done, LedgerError> {
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
                    self.ledger.forget_id(&group.key)?;
                }
                return Box::pin(self.send(group, None, hash)).await;
            }
            Err(error) => return Ok(self.call_failed(error, Some(id))),
        };
        if !from_ledger && let Some(message) = self.not_the_match(group, id, &existing) {
            return Ok(Done::Failed {
                id: Some(id.to_string()),
                message,
            });
        }
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
                    .settle(&group.key, id, Some(hash), "unchanged")?;
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
            && let Err(error) = self
                .client
                .post("api/customer/post", &merged, Idempotent::Yes)
                .await
        {
            self.ledger.failed(&group.key, &error.to_string())?;
            return Ok(self.call_failed(error, Some(id)));
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
        self.ledger.settle(&group.key, id, Some(hash), "updated")?;
        Ok(Done::Updated {
            id: id.to_string(),
            fields,
        })
    }

    /// A customer found by a lookup must hold the value looked up (ignoring case, as a server
    /// may): a server that ignored the filter would otherwise have every row overwrite one
    /// customer. The reason not to update it, if it does not.
    fn not_the_match(&self, group: &CustomerGroup, id: &str, existing: &Json) -> Option<String> {
        let (filter, value) = match_value(self.match_by, group)?;
        let MatchBy::Field(field) = self.match_by else {
            return None;
        };
        let held = match existing.get(field) {
            Some(Json::String(text)) => text.trim().to_string(),
            Some(Json::Null) | None => String::new(),
            Some(other) => other.to_string(),
        };
        (held.to_lowercase() != value.trim().to_lowercase()).then(|| {
            format!(
                "the lookup by {filter} \"{value}\" answered customer {id}, whose {field} is \"{held}\": not updating it; nothing was sent"
            )
        })
    }

    /// `--children separate`: posts each department and contact `existing` lacks, by itself.
    async fn post_children(
        &self,
        id: &str,
        draft: &CustomerDraft,
        existing: &Json,
    ) -> Result<(), String> {
        super::children::post_missing(self.client, id, draft, existing).await
    }

    fn decide(&self, group: &CustomerGroup, done: Done) {
        let (status, id, message) = match done {
            Done::Created { id, note } => (Status::Created, Some(id), note),
            Done::Updated { id, fields } => (
                Status::Updated,
                Some(id),
                format!("updated: {}", fields.join(", ")),
            ),
            Done::Unchanged { id, note } => {
                (Status::Unchanged, Some(id).filter(|i| !i.is_empty()), note)
            }
            Done::Would(message, id) => (Status::Valid, id, message),
            Done::Failed { id, message } => (Status::Failed, id, message),
            Done::NotSent(message) => (Status::NotSent, None, message),
        };
        let Ok(mut report) = self.report.lock() else {
            return;
        };
        for row in &group.rows {
            let outcome = Outcome {
                status,
                customer_id: id.clone(),
                field: None,
                column: None,
                message: message.clone(),
            };
            if let Err(error) = report.decide(*row, outcome) {
                tracing::error!("cannot write the report: {error}");
            }
        }
        if let Err(error) = report.flush_lines() {
            tracing::error!("cannot write the report: {error}");
        }
    }

    fn stop_message(&self) -> String {
        self.client.stop_reason().map_or_else(
            || "not sent: the run is stopping".into(),
            |stop| stop.message(),
        )
    }

    fn call_failed(&self, error: CallError, id: Option<&str>) -> Done {
        match error {
            CallError::Stopped => Done::NotSent(self.stop_message()),
            other => Done::Failed {
                id: id.map(str::to_string),
                message: other.to_string(),
            },
        }
    }

    fn ledger_failed(&self, error: &LedgerError) -> Done {
        self.client.stop(Stop::Ledger {
            message: error.to_string(),
        });
        Done::Failed {
            id: None,
            message: format!("{error}; stopping the run"),
        }
    }
}

/// The IDs a lookup answered: ID strings, as documented; objects with an `ID` are taken too.
/// Anything else is `None` (an error), never "not found": a match skipped here would become a
/// duplicate.
fn ids_of(found: &Json) -> Option<Vec<String>> {
    found
        .as_array()?
        .iter()
        .map(|id| {
            id.as_str()
                .or_else(|| id.get("ID").and_then(Json::as_str))
                .map(str::to_string)
        })
        .collect()
}

fn ambiguous(filter: &str, value: &str, ids: &[String]) -> String {
    format!(
        "{} OnTime customers have {filter} \"{value}\" ({}): merge them in OnTime, or match by another field; nothing was sent",
        ids.len(),
        ids.join(", ")
    )
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_lookup_answer_is_read_whole_or_not_at_all() {
        let ids = |v: Json| ids_of(&v);
        assert_eq!(ids(json!(["a", "b"])), Some(vec!["a".into(), "b".into()]));
        assert_eq!(ids(json!([{"ID": "a"}])), Some(vec!["a".into()]));
        assert_eq!(ids(json!([])), Some(vec![]));
        assert_eq!(
            ids(json!([{"Id": "a"}])),
            None,
            "an unreadable item is not 'no match'"
        );
        assert_eq!(ids(json!({"IDs": []})), None);
    }
}
