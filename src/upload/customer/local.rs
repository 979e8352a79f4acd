//! The run's way of matching against the account, chosen after its first request from the
//! account's size ([`Strategy`]): a lookup per customer, or every record read once and matched
//! here ([`Index`]); and `[match] also_by`. The `possible_duplicate` flag is `duplicates.rs`'s.
//!
//! Invariants: a record read in serves both the match and the merge (it is not read again
//! before the update, unless the update comes [`FRESH`] or more after the read); a customer is
//! only matched locally once every record was read — else it is looked up as before, or, with
//! `also_by` (which needs every name), fails with nothing sent.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::Value as Json;
use tokio_util::sync::CancellationToken;

use super::{Done, Job, Sending, ambiguous};
use crate::group::CustomerGroup;
use crate::ledger::Entry;
use crate::mapping::MatchBy;
use crate::upload::client::{CallError, escape};
use crate::upload::match_value;
use crate::upload::matching::{
    Index, InputNames, LocalMatch, Strategy, Wanted, compared, held, key_of,
};
use ontime_api::CustomerDraft;

/// How old a record read in may be when an update is merged from it: the minute within which
/// the tool is no worse than reading right before posting (the vendor's advice); older, it is
/// read again.
const FRESH: Duration = Duration::from_secs(60);

/// The job's matching state.
#[derive(Debug, Default)]
pub(super) struct Matching {
    also_by: Option<&'static str>,
    /// The IDs the first request listed, until the records are read (or not needed).
    listing: Mutex<Vec<String>>,
    pub(super) listed: AtomicU64,
    strategy: OnceLock<Strategy>,
    /// Every record, once all were read.
    pub(super) index: OnceLock<Index>,
    /// Why not every record could be read.
    pub(super) unread: OnceLock<String>,
    pub(super) inputs: OnceLock<InputNames>,
    /// Customers flagged `possible_duplicate`, and customers created (or to be) in an account
    /// not empty: for the summary's word.
    pub(super) duplicates: AtomicU64,
    pub(super) creates: AtomicU64,
}

impl Matching {
    pub(super) fn new(also_by: Option<&'static str>) -> Matching {
        Matching {
            also_by,
            ..Matching::default()
        }
    }

    /// The first request's listing.
    pub(super) fn listed(&self, ids: Vec<String>) {
        self.listed.store(ids.len() as u64, Ordering::SeqCst);
        if let Ok(mut listing) = self.listing.lock() {
            *listing = ids;
        }
    }
}

/// Where a customer stands before it is matched.
enum Standing {
    /// The ledger knows its ID.
    Known,
    /// An earlier run's create is unresolved: looked up one by one, after its wait.
    Pending,
    /// To be matched by its values (it has some).
    Unknown,
    /// Nothing to match by.
    Unmatchable,
}

impl Job {
    fn standing(&self, group: &CustomerGroup) -> Standing {
        let entry: Option<&Entry> = self.known.get(&group.key);
        if entry.is_some_and(|e| e.customer_id.is_some() && !e.pending_create) {
            return Standing::Known;
        }
        let matchable = match_value(self.match_by, &group.draft).is_some()
            || self.also_value(&group.draft).is_some();
        match (entry.is_some_and(|e| e.pending_create), matchable) {
            (true, _) => Standing::Pending,
            (false, true) => Standing::Unknown,
            (false, false) => Standing::Unmatchable,
        }
    }

    fn also_value(&self, draft: &CustomerDraft) -> Option<String> {
        let field = self.matching.also_by?;
        let value = draft.fields.shown(field)?;
        compared(field, &value).map(|_| value.into_owned())
    }

    /// After the first request: how this run matches `groups`, from the account's size.
    pub(in crate::upload) fn choose(&self, groups: &[CustomerGroup]) -> Strategy {
        let names = groups
            .iter()
            .map(|g| (g.key.as_str(), g.draft.fields.text("Name")));
        let _ = self.matching.inputs.set(InputNames::new(names));
        let (mut unknown, mut pending) = (0, 0);
        for group in groups {
            match self.standing(group) {
                Standing::Unknown => unknown += 1,
                Standing::Pending => pending += 1,
                Standing::Known | Standing::Unmatchable => {}
            }
        }
        let listed = self.matching.listed.load(Ordering::SeqCst);
        let also_by = self.matching.also_by.is_some();
        let strategy = match Strategy::choose(listed, unknown, pending, also_by) {
            Strategy::ReadAll { reads, pending, .. } => Strategy::ReadAll {
                reads,
                pending,
                known: self.known_listed(groups).len() as u64,
            },
            other => other,
        };
        let _ = self.matching.strategy.set(strategy);
        if !matches!(strategy, Strategy::ReadAll { .. })
            && let Ok(mut listing) = self.matching.listing.lock()
        {
            *listing = Vec::new();
        }
        strategy
    }

    /// The IDs the ledger knows for customers of `groups` that the first request listed: their
    /// records are read in with the account.
    fn known_listed(&self, groups: &[CustomerGroup]) -> HashSet<String> {
        let known: HashSet<&str> = groups
            .iter()
            .filter(|g| matches!(self.standing(g), Standing::Known))
            .filter_map(|g| self.known.get(&g.key)?.customer_id.as_deref())
            .collect();
        let Ok(listing) = self.matching.listing.lock() else {
            return HashSet::new();
        };
        listing
            .iter()
            .filter(|id| known.contains(id.as_str()))
            .cloned()
            .collect()
    }

    /// With [`Strategy::ReadAll`]: reads every record listed by the first request, `concurrency`
    /// at a time, and indexes them for `groups`. A record deleted meanwhile (404) is left out;
    /// any other failure, or `interrupted`, leaves the run without an index.
    pub(in crate::upload) async fn read_all<'g>(
        &self,
        groups: &'g [CustomerGroup],
        concurrency: usize,
        interrupted: &CancellationToken,
    ) {
        if !matches!(self.matching.strategy.get(), Some(Strategy::ReadAll { .. })) {
            return;
        }
        let known = self.known_listed(groups);
        let ids = self
            .matching
            .listing
            .lock()
            .map(|mut listing| std::mem::take(&mut *listing))
            .unwrap_or_default();
        let field = match self.match_by {
            MatchBy::Field(field) => Some(field),
            MatchBy::None => None,
        };
        let unknown: Vec<&CustomerGroup> = groups
            .iter()
            .filter(|g| matches!(self.standing(g), Standing::Unknown))
            .collect();
        let values = |g: &&'g CustomerGroup| -> (&'g str, Option<String>, Option<String>) {
            let value = match_value(self.match_by, &g.draft).map(|(_, v)| v);
            (g.key.as_str(), value, self.also_value(&g.draft))
        };
        let wanted = Wanted {
            keys: unknown
                .iter()
                .filter_map(|g| key_of(&values(g).1?))
                .collect(),
            also: unknown
                .iter()
                .filter_map(|g| compared(self.matching.also_by?, &values(g).2?))
                .collect(),
            ids: known,
        };
        tracing::info!(
            "reading the {} customers OnTime holds once, to match the {} customers here without a lookup each",
            ids.len(),
            unknown.len()
        );
        let mut index = Index::new(field, self.matching.also_by, wanted);
        match self
            .read_into(&mut index, ids, concurrency, interrupted)
            .await
        {
            Ok(()) => {
                index.finish(unknown.iter().map(values));
                let _ = self.matching.index.set(index);
            }
            Err(why) => {
                if !self.client.is_stopping() && !interrupted.is_cancelled() {
                    tracing::warn!(
                        "not every customer OnTime holds could be read ({why}): each customer is looked up instead"
                    );
                }
                let _ = self.matching.unread.set(why);
            }
        }
    }

    async fn read_into(
        &self,
        index: &mut Index,
        ids: Vec<String>,
        concurrency: usize,
        interrupted: &CancellationToken,
    ) -> Result<(), String> {
        let reads = futures::stream::iter(ids)
            .map(|id| async move {
                let record = self
                    .client
                    .get(&format!("api/customers/{}", escape(&id)))
                    .await;
                (id, record)
            })
            .buffer_unordered(concurrency.max(1));
        let mut reads = std::pin::pin!(reads);
        loop {
            let next = tokio::select! {
                next = reads.next() => next,
                () = interrupted.cancelled() => return Err("interrupted".into()),
            };
            match next {
                None => return Ok(()),
                Some((id, Ok(record))) if record.is_object() => index.add(id, &record),
                // Deleted since the listing: nothing to match.
                Some((_, Err(CallError::Rejected { status: 404, .. }))) => {}
                Some((id, Ok(other))) => {
                    let shown = crate::upload::http::clip(&other.to_string());
                    return Err(format!(
                        "customer {id}'s record is not a JSON object: {shown}"
                    ));
                }
                Some((id, Err(error))) => return Err(format!("customer {id}: {error}")),
            }
        }
    }

    /// The customer matched against the records read in, when they were: `None` to look it up
    /// (no index, or an earlier run's create to wait for).
    pub(super) async fn find_local(
        &self,
        group: &Sending,
        pending: Option<&Entry>,
    ) -> Option<Result<Option<(String, Json)>, Done>> {
        if pending.is_some() {
            return None;
        }
        let also = self.also_value(&group.draft);
        let Some(index) = self.matching.index.get() else {
            // `also_by` compares what no lookup can: without every record, no match is sure.
            let why = self.matching.unread.get()?;
            let also_by = self.matching.also_by.filter(|_| also.is_some())?;
            if self.client.is_stopping() {
                return Some(Err(Done::NotSent(self.stop_message())));
            }
            let message = format!(
                "[match] also_by = \"{also_by}\" needs every customer OnTime holds, and not all could be read ({why}); nothing was sent: run again"
            );
            return Some(Err(Done::Failed { id: None, message }));
        };
        let value = match_value(self.match_by, &group.draft);
        let found = index.find(
            &group.key,
            value.as_ref().map(|v| v.1.as_str()),
            also.as_deref(),
        );
        Some(match found {
            LocalMatch::Nothing => Ok(None),
            LocalMatch::One {
                id,
                record,
                read_at,
            } => self.fresh(id, record, read_at).await,
            LocalMatch::Several { ids, by } => {
                let message = match (&value, self.matching.also_by) {
                    (Some((filter, value)), Some(also_by)) if by == also_by => format!(
                        "no OnTime customer has {} \"{value}\", and {} have a {by} like \"{}\" ([match] also_by): {}; merge them in OnTime, or give this customer another {by}; nothing was sent",
                        filter,
                        ids.len(),
                        also.unwrap_or_default(),
                        ids.join(", ")
                    ),
                    (Some((filter, value)), _) => ambiguous(filter, value, &ids),
                    (None, _) => format!(
                        "{} OnTime customers have a {by} like \"{}\" ([match] also_by): {}; merge them in OnTime, or give this customer another {by}; nothing was sent",
                        ids.len(),
                        also.unwrap_or_default(),
                        ids.join(", ")
                    ),
                };
                Err(Done::Failed { id: None, message })
            }
            LocalMatch::Refused(message) => Err(Done::Failed { id: None, message }),
        })
    }

    /// Whether this run read every record of the account in ([`Job::read_all`]).
    pub(in crate::upload) fn read_everything(&self) -> bool {
        self.matching.index.get().is_some()
    }

    /// The record read in for `id`, which the ledger knows for `group`, to update it from
    /// without reading it again: `None` when there is none, when it is [`FRESH`] or older (a
    /// run that writes then reads it again), or when it does not hold the customer's match
    /// value (the read by the ledger's ID then says why).
    pub(super) fn read_in(&self, group: &Sending, id: &str) -> Option<Json> {
        let (record, read_at) = self.matching.index.get()?.take_known(id)?;
        if self.intent == super::Intent::Write && read_at.elapsed() >= FRESH {
            return None;
        }
        self.not_the_match(group, id, &record)
            .is_none()
            .then_some(record)
    }

    /// The record to merge an update from: the one read in, unless it was read [`FRESH`] ago
    /// or more — then it is read again (an edit made in OnTime meanwhile is not overwritten by
    /// the old copy), and taken only if its match fields still hold what matched. A plan
    /// posts nothing and takes the copy as it is.
    async fn fresh(
        &self,
        id: String,
        record: Json,
        read_at: Instant,
    ) -> Result<Option<(String, Json)>, Done> {
        if self.intent == super::Intent::Preview || read_at.elapsed() < FRESH {
            return Ok(Some((id, record)));
        }
        let again = match self
            .client
            .get(&format!("api/customers/{}", escape(&id)))
            .await
        {
            Ok(again) => again,
            // Gone since it was read: nothing matches, as a lookup would find now.
            Err(CallError::Rejected { status: 404, .. }) => return Ok(None),
            Err(error) => return Err(self.call_failed(error, Some(&id))),
        };
        let field = match self.match_by {
            MatchBy::Field(field) => Some(field),
            MatchBy::None => None,
        };
        let moved = moved(&record, &again, [field, self.matching.also_by]);
        if moved.is_empty() {
            return Ok(Some((id, again)));
        }
        let message = format!(
            "OnTime customer {id} matched by its {} when the run read it at its start, and that changed in OnTime since: not updating it; nothing was sent; run again",
            moved.join(" and ")
        );
        Err(Done::Failed {
            id: Some(id),
            message,
        })
    }
}

/// Which of the match `fields` hold another value in `again` than in `record`.
fn moved<'f>(record: &Json, again: &Json, fields: [Option<&'f str>; 2]) -> Vec<&'f str> {
    fields
        .into_iter()
        .flatten()
        .filter(|f| held(record, f) != held(again, f))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_record_read_again_is_taken_only_while_its_match_fields_hold_what_matched() {
        let read = json!({"AccountNumber": "1001", "Name": "Acme", "Phone": "1"});
        let fields = [Some("AccountNumber"), Some("Name")];
        let edited = json!({"AccountNumber": " 1001 ", "Name": "Acme", "Phone": "2"});
        assert!(
            moved(&read, &edited, fields).is_empty(),
            "other fields may change"
        );
        let renumbered = json!({"AccountNumber": "1002", "Name": "ACME"});
        assert_eq!(moved(&read, &renumbered, fields), ["AccountNumber", "Name"]);
        assert_eq!(moved(&read, &renumbered, [None, None]), Vec::<&str>::new());
    }
}
