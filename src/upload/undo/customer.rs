//! One customer of an undo: put back the record a run's post replaced, or set a customer the
//! run created `Inactive`; each read first, posted whole (a post replaces the whole record).

use serde_json::Value as Json;

use super::restorable;
use crate::ledger::{CustomerRecord, Ledger};
use crate::upload::client::{CallError, Idempotent, escape};
use crate::upload::{Client, merge};

/// What to undo for one customer.
pub(super) struct Work {
    key: String,
    id: String,
    kind: Kind,
}

enum Kind {
    /// Back to `before`, if OnTime still holds `after` (what the run wrote; `None` when its
    /// answer never came).
    Restore { before: Json, after: Option<Json> },
    /// Created by the run: set Inactive.
    Deactivate,
}

/// How one customer's undo ended.
pub(super) struct Undone {
    pub key: String,
    pub id: String,
    /// `restored`, `partly_restored`, `deactivated`, `unchanged`, `conflict`, `failed`,
    /// `not_sent`, or with `--plan` `would_restore`, `would_deactivate`.
    pub outcome: &'static str,
    pub message: String,
}

impl Work {
    /// The undo a run's customer needs, if any: a record its post replaced, or its create.
    pub(super) fn of(customer: CustomerRecord) -> Option<Work> {
        let parse = |text: Option<String>| text.and_then(|t| serde_json::from_str::<Json>(&t).ok());
        let kind = if restorable(&customer) {
            let before = parse(customer.before)?;
            let after =
                parse(customer.after).map(|changes| crate::ledger::written(&before, &changes));
            Kind::Restore { before, after }
        } else if customer.action == "create" && customer.outcome == "created" {
            Kind::Deactivate
        } else {
            return None;
        };
        Some(Work {
            key: customer.key,
            id: customer.customer_id?,
            kind,
        })
    }

    pub(super) fn created(&self) -> bool {
        matches!(self.kind, Kind::Deactivate)
    }

    pub(super) async fn undo(
        self,
        client: &Client,
        ledger: &Ledger,
        run: i64,
        (plan, force): (bool, bool),
    ) -> Undone {
        let step = Step {
            client,
            ledger,
            run,
            plan,
            key: &self.key,
            id: &self.id,
        };
        let (outcome, message) = match step.read().await {
            Err(ended) => ended,
            Ok(current) => match &self.kind {
                Kind::Restore { before, after } => {
                    step.restore(current, before, after.as_ref(), force).await
                }
                Kind::Deactivate => step.deactivate(current).await,
            },
        };
        if !plan {
            let action = if self.created() {
                "deactivate"
            } else {
                "restore"
            };
            ledger.record_outcome(&self.key, Some(&self.id), action, outcome, &message);
        }
        Undone {
            key: self.key,
            id: self.id,
            outcome,
            message,
        }
    }
}

type Ended = (&'static str, String);

/// One customer's requests and records.
struct Step<'a> {
    client: &'a Client,
    ledger: &'a Ledger,
    run: i64,
    plan: bool,
    key: &'a str,
    id: &'a str,
}

impl Step<'_> {
    /// The record OnTime holds now, carrying its ID.
    async fn read(&self) -> Result<Json, Ended> {
        let path = format!("api/customers/{}", escape(self.id));
        let record = self
            .client
            .get(&path)
            .await
            .map_err(|e| self.call_failed(e))?;
        merge::with_id(record, self.id).ok_or_else(|| {
            (
                "failed",
                format!(
                    "OnTime's record for customer {} does not carry that ID; nothing was sent",
                    self.id
                ),
            )
        })
    }

    async fn restore(
        &self,
        current: Json,
        before: &Json,
        after: Option<&Json>,
        force: bool,
    ) -> Ended {
        let Some(before) = merge::with_id(before.clone(), self.id) else {
            return (
                "failed",
                "the kept record does not carry the customer's ID; nothing was sent".into(),
            );
        };
        if merge::same(&current, &before) {
            return (
                "unchanged",
                format!(
                    "OnTime holds the record as it was before run {} already",
                    self.run
                ),
            );
        }
        let holds_run = after.is_some_and(|after| merge::same(&current, after));
        if !holds_run && !force {
            let since = after.map_or_else(
                || {
                    "the run's answer was never read, and OnTime holds neither what it replaced"
                        .into()
                },
                |after| {
                    format!(
                        "changed in OnTime since run {}: {}",
                        self.run,
                        merge::changed(after, &current).join(", ")
                    )
                },
            );
            return (
                "conflict",
                format!("{since}; left alone (--force restores it anyway, losing those changes)"),
            );
        }
        let fields = merge::changed(&current, &before).join(", ");
        let stay = added_children(&before, &current);
        if self.plan {
            return (
                "would_restore",
                format!("would restore {fields}{}", stay_note(&stay)),
            );
        }
        if let Err(ended) = self.post(&current, &before).await {
            return ended;
        }
        let outcome = if stay.is_empty() {
            "restored"
        } else {
            "partly_restored"
        };
        (
            outcome,
            format!(
                "restored {fields} to the record before run {}{}",
                self.run,
                stay_note(&stay)
            ),
        )
    }

    async fn deactivate(&self, mut current: Json) -> Ended {
        if current.get("Inactive") == Some(&Json::Bool(true)) {
            return (
                "unchanged",
                format!(
                    "created by run {}; OnTime holds it inactive already",
                    self.run
                ),
            );
        }
        if self.plan {
            return (
                "would_deactivate",
                format!("created by run {}: would set Inactive", self.run),
            );
        }
        let before = current.clone();
        current["Inactive"] = Json::Bool(true);
        if let Err(ended) = self.post(&before, &current).await {
            return ended;
        }
        (
            "deactivated",
            format!(
                "created by run {}: set Inactive, every other value kept; the API cannot delete a customer: remove customer {} in OnTime's desktop suite if it should go",
                self.run, self.id
            ),
        )
    }

    /// Posts `record` over `current`, which is kept first as what this undo replaces.
    async fn post(&self, current: &Json, record: &Json) -> Result<(), Ended> {
        if let Err(error) = self.ledger.keep_before(self.key, self.id, current).await {
            return Err(("failed", format!("{error}; nothing was sent")));
        }
        let idempotent = if merge::adds_children(record) {
            Idempotent::Once
        } else {
            Idempotent::Yes
        };
        let answer = self
            .client
            .post("api/customer/post", record, idempotent)
            .await
            .map_err(|e| self.call_failed(e))?;
        if let Some(cause) = merge::answered_for_another(&answer, self.id) {
            return Err(("failed", cause));
        }
        self.ledger.undone(self.key);
        let copy = answer.is_object().then(|| answer.to_string());
        let wrote = answer
            .is_object()
            .then(|| crate::ledger::changes(current, &answer));
        let at = self.client.clock().now_text();
        self.ledger.keep_copy(self.key, copy.as_deref(), at, wrote);
        Ok(())
    }

    fn call_failed(&self, error: CallError) -> Ended {
        match error {
            CallError::Stopped => (
                "not_sent",
                self.client
                    .stop_reason()
                    .map_or("not sent: the run stopped".into(), |s| s.message()),
            ),
            CallError::Unknown { cause } | CallError::Server { cause } => (
                "failed",
                format!(
                    "its outcome is unknown ({cause}); run the undo again: it checks what OnTime holds"
                ),
            ),
            other => ("failed", other.to_string()),
        }
    }
}

/// The departments and contacts `current` has that `before` lacked (by ID): the API cannot
/// delete them, so a restore leaves them.
fn added_children(before: &Json, current: &Json) -> Vec<String> {
    let mut added = Vec::new();
    for list in ["Departments", "Contacts"] {
        let ids = |record: &Json| -> Vec<String> {
            record[list].as_array().map_or_else(Vec::new, |items| {
                items
                    .iter()
                    .filter_map(|i| i.get("ID")?.as_str().map(str::to_lowercase))
                    .collect()
            })
        };
        let kept = ids(before);
        for item in current[list].as_array().into_iter().flatten() {
            let id = item.get("ID").and_then(Json::as_str).unwrap_or_default();
            if !kept.contains(&id.to_lowercase()) {
                let name = item.get("Name").and_then(Json::as_str).unwrap_or_default();
                added.push(format!("{} \"{name}\" ({id})", &list[..list.len() - 1]));
            }
        }
    }
    added
}

fn stay_note(stay: &[String]) -> String {
    if stay.is_empty() {
        return String::new();
    }
    format!(
        "; not in that record, and kept (the API cannot delete them; remove them in OnTime's desktop suite): {}",
        stay.join(", ")
    )
}
