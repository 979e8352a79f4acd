//! The run's way of matching against the account, chosen after its first request from the
//! account's size ([`Strategy`]): a lookup per customer, or every record read once and matched
//! here ([`Index`]); `[match] also_by`; and the `possible_duplicate` flag of a customer about to
//! be created whose name another customer of OnTime or of the input holds.
//!
//! Invariants: a record read in serves both the match and the merge (it is not read again
//! before the update); a customer is only matched locally once every record was read — else
//! it is looked up as before, or, with `also_by` (which needs every name), fails with nothing
//! sent; the summary says when names were not checked against OnTime.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

use futures::StreamExt;
use serde_json::Value as Json;
use tokio_util::sync::CancellationToken;

use super::{Done, Job, Sending, ambiguous};
use crate::group::CustomerGroup;
use crate::ledger::{Entry, LedgerError};
use crate::upload::client::{CallError, escape};
use crate::upload::match_value;
use crate::upload::matching::{Index, InputNames, LocalMatch, Strategy, compared, key_of};
use ontime_api::CustomerDraft;

/// How many others a `possible_duplicate` note names.
const NAMED: usize = 3;

/// The job's matching state.
#[derive(Debug, Default)]
pub(super) struct Matching {
    also_by: Option<&'static str>,
    /// The IDs the first request listed, until the records are read (or not needed).
    listing: Mutex<Vec<String>>,
    listed: AtomicU64,
    strategy: OnceLock<Strategy>,
    /// Every record, once all were read.
    index: OnceLock<Index>,
    /// Why not every record could be read.
    unread: OnceLock<String>,
    inputs: OnceLock<InputNames>,
    /// Customers flagged `possible_duplicate`, and customers created (or to be) in an account
    /// not empty: for the summary's word.
    duplicates: AtomicU64,
    creates: AtomicU64,
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
        let strategy = Strategy::choose(listed, unknown, pending, also_by);
        let _ = self.matching.strategy.set(strategy);
        if !matches!(strategy, Strategy::ReadAll { .. })
            && let Ok(mut listing) = self.matching.listing.lock()
        {
            *listing = Vec::new();
        }
        strategy
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
        let ids = self
            .matching
            .listing
            .lock()
            .map(|mut listing| std::mem::take(&mut *listing))
            .unwrap_or_default();
        let field = match self.match_by {
            crate::mapping::MatchBy::Field(field) => Some(field),
            crate::mapping::MatchBy::None => None,
        };
        let unknown: Vec<&CustomerGroup> = groups
            .iter()
            .filter(|g| matches!(self.standing(g), Standing::Unknown))
            .collect();
        let values = |g: &&'g CustomerGroup| -> (&'g str, Option<String>, Option<String>) {
            let value = match_value(self.match_by, &g.draft).map(|(_, v)| v);
            (g.key.as_str(), value, self.also_value(&g.draft))
        };
        let wanted: (HashSet<String>, HashSet<String>) = (
            unknown
                .iter()
                .filter_map(|g| key_of(&values(g).1?))
                .collect(),
            unknown
                .iter()
                .filter_map(|g| compared(self.matching.also_by?, &values(g).2?))
                .collect(),
        );
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
    pub(super) fn find_local(
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
            LocalMatch::One { id, record } => Ok(Some((id, record))),
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

    /// `possible_duplicate of …`: the customers of OnTime (when their records were read) and
    /// of the input whose normalised name is this customer's, which is about to be created.
    fn possible_duplicate(&self, group: &Sending) -> Option<String> {
        if !self.account_empty() {
            self.matching.creates.fetch_add(1, Ordering::Relaxed);
        }
        let name = group.draft.fields.text("Name")?;
        let mut with = Vec::new();
        if let Some(index) = self.matching.index.get() {
            let (shown, count) = index.same_name(name, NAMED);
            with.extend(shown.iter().map(|(id, held)| {
                format!(
                    "OnTime customer {id} \"{}\"",
                    crate::logging::shown_inline(held)
                )
            }));
            if count > NAMED {
                with.push(format!("{} more in OnTime", count - NAMED));
            }
        }
        if let Some(inputs) = self.matching.inputs.get() {
            let others = inputs.others(&group.key, name);
            with.extend(
                others
                    .iter()
                    .take(NAMED)
                    .map(|key| format!("input customer \"{key}\"")),
            );
            if others.len() > NAMED {
                with.push(format!("{} more in the input", others.len() - NAMED));
            }
        }
        if with.is_empty() {
            return None;
        }
        self.matching.duplicates.fetch_add(1, Ordering::Relaxed);
        Some(format!("possible_duplicate of {}", with.join(", ")))
    }

    /// `--plan`'s create, flagged when it may duplicate another customer.
    pub(super) fn would_create(&self, group: &Sending) -> Done {
        let mut would = super::would::create(group);
        if let Some(flag) = self.possible_duplicate(group) {
            would.message = format!("{}; {flag}", would.message);
            would.changes.insert(
                0,
                crate::report::plan::Change {
                    field: "possible_duplicate".into(),
                    old: String::new(),
                    new: flag
                        .trim_start_matches("possible_duplicate of ")
                        .to_string(),
                },
            );
        }
        Done::Would(would)
    }

    /// Creates the customer, its outcome flagged when it may duplicate another customer.
    pub(super) async fn create_flagged(
        &self,
        group: &Sending,
        hash: &str,
    ) -> Result<Done, LedgerError> {
        let flag = self.possible_duplicate(group);
        let done = self.create(group, hash).await?;
        Ok(match (done, flag) {
            (Done::Created { id, note }, Some(flag)) => Done::Created {
                id,
                note: format!("{note}; {flag}"),
            },
            (done, _) => done,
        })
    }

    /// What the summary says of matching: customers flagged as possible duplicates, and that
    /// OnTime's names were not compared when its records were not read.
    pub(in crate::upload) fn matching_warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        let duplicates = self.matching.duplicates.load(Ordering::Relaxed);
        let verb = match self.intent {
            super::Intent::Write => "were created",
            super::Intent::Preview => "would be created",
        };
        if duplicates > 0 {
            warnings.push(format!(
                "{duplicates} customers that {verb} have the name of another customer in OnTime or in the input, ignoring case, punctuation and spaces (possible_duplicate in the report): check them; [match] also_by = \"Name\" matches such a customer to the one in OnTime instead"
            ));
        }
        let creates = self.matching.creates.load(Ordering::Relaxed);
        if creates > 0 && self.matching.index.get().is_none() {
            let listed = self.matching.listed.load(Ordering::SeqCst);
            warnings.push(format!(
                "possible duplicates were looked for among the input's customers only: the names of the {listed} customers OnTime holds were not read (a lookup per customer took fewer requests than reading them all); [match] also_by = \"Name\" reads them ({listed} requests) and matches by name"
            ));
        }
        warnings
    }
}
