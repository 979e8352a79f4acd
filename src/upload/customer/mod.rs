//! One customer's way to OnTime: skip it if the ledger shows it unchanged, find it (ledger ID,
//! else a lookup by the match key, unless the account is known to be empty), then create it or
//! update it safely — and decide all of its rows with the one outcome.
//!
//! Invariants: a create is journaled before it is sent (a window of customers that may be
//! created at once, by [`Job::journal`], or the one customer just before); a create whose
//! outcome is unknown is
//! resolved by a lookup before it is ever sent again, and without a match key it is reported
//! `failed`, never re-sent (a 5xx, the server's word that it failed, is retried); more than one
//! match is a failure, never a guess.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, OnceLock};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;

mod copies;
mod create;
mod deactivate;
mod done;
mod duplicates;
mod find;
mod hash;
mod local;
mod mode;
mod update;
mod would;

use super::Intent;
use super::client::{CallError, Client};
use super::fresh::Fresh;
use crate::cli::{Children, WriteMode};
use crate::group::{CustomerGroup, Defaulted};
use crate::ledger::{Entry, Ledger, LedgerError};
use crate::mapping::MatchBy;
use crate::report::RowId;
use crate::report::plan::Planned;
use ontime_api::CustomerDraft;

use crate::report::task::Decisions;

use crate::settings::Target;
use crate::upload::Stop;
pub(super) use copies::judge;
pub(super) use deactivate::{Leaving, missing, refused};
use done::Done;
use find::ambiguous;
pub(crate) use find::{NoListing, list_ids};
pub(super) use find::{Unproven, ids_of};

/// A customer on its way.
struct Sending {
    key: String,
    draft: CustomerDraft,
    /// The draft as JSON text, serialised once: hashed for change detection, and the body of
    /// a create that carries its children.
    body: Vec<u8>,
    /// Which of its values mapping defaults gave: an update keeps them out where OnTime holds
    /// a value.
    defaulted: Defaulted,
    rows: Vec<RowId>,
    /// Journaled as pending with its window ([`Job::journal`]): its create needs no journal
    /// entry of its own.
    journaled: bool,
    /// Its place among the customers under way ([`Job::places`]), given up while it waits for
    /// a lost create to land.
    place: Mutex<Option<OwnedSemaphorePermit>>,
}

/// Where an update's customer came from.
enum Record {
    /// The ledger's ID: its record is fetched, and may be unknown to OnTime.
    Ledger,
    /// The ledger's ID and its copy of OnTime's record, which nobody changed since
    /// ([`crate::upload::fresh`]): merged and posted without a read.
    Copy(serde_json::Value),
    /// A lookup, which fetched its record, or the records read in with the account (checked
    /// to hold the match value).
    Found(serde_json::Value),
}

/// Shared by every customer of a run; each customer runs as its own task.
pub(super) struct Job {
    client: Arc<Client>,
    ledger: Arc<Ledger>,
    known: HashMap<String, Entry>,
    report: Decisions,
    match_by: MatchBy,
    children: Children,
    full: bool,
    /// `--mode`: whether matched customers are updated and new ones created.
    mode: WriteMode,
    intent: Intent,
    /// Whether the account held no customers when the run began: set by [`Job::prove`], the
    /// run's first request. In an empty account nothing can match.
    empty: OnceLock<bool>,
    /// Some customer was taken as new without a lookup because the account was empty: the run
    /// checks afterwards that nobody else created customers meanwhile.
    shortcut: AtomicBool,
    /// The IDs of the customers this run created.
    created: Mutex<HashSet<String>>,
    /// Cancelled by Ctrl-C or any stop of the run: ends that wait early (the create stays
    /// pending in the ledger, for the next run to check).
    intake: CancellationToken,
    /// Customers journaled with their window whose create has not been sent: when the run
    /// ends, their journal entries are taken back ([`Job::unjournal_untaken`]), whether the
    /// run stopped before it reached them or they ended without a create (a stop during their
    /// lookup, a lookup that found them or found several).
    untaken: Mutex<std::collections::HashSet<String>>,
    /// Which customer key each OnTime ID belongs to: the ledger's, and those created in this
    /// run. A create answered with an ID held here for another key is not believed
    /// (`Job::claim`): a lying or confused server would otherwise have the next run update
    /// that other customer with this one's data.
    owners: Mutex<HashMap<String, String>>,
    /// `--concurrency` places for the customers under way: the intake takes one before it
    /// starts a customer, which holds it until it ends, except while it waits for a lost
    /// create to land.
    pub places: Arc<Semaphore>,
    /// `--plan`: what each customer would become, for the screen and the plan file.
    plan: Mutex<Vec<Planned>>,
    /// The customers that may be posted over the ledger's copy of their record; none until
    /// set, before the first customer.
    fresh: OnceLock<Fresh>,
    /// How customers are matched against the account ([`local`]).
    matching: local::Matching,
}

impl Job {
    pub(super) fn new(
        client: Arc<Client>,
        ledger: Arc<Ledger>,
        known: HashMap<String, Entry>,
        report: Decisions,
        match_by: MatchBy,
        target: &Target,
        intent: Intent,
    ) -> Job {
        let owners = known
            .iter()
            .filter_map(|(key, entry)| Some((entry.customer_id.clone()?, key.clone())))
            .collect();
        Job {
            client,
            ledger,
            known,
            owners: Mutex::new(owners),
            report,
            match_by,
            children: target.children,
            full: target.full,
            mode: target.write_mode,
            intent,
            empty: OnceLock::new(),
            shortcut: AtomicBool::new(false),
            created: Mutex::default(),
            intake: CancellationToken::new(),
            untaken: Mutex::default(),
            places: Arc::new(Semaphore::new(target.concurrency.get() as usize)),
            plan: Mutex::default(),
            fresh: OnceLock::new(),
            matching: local::Matching::default(),
        }
    }

    /// `[match] also_by`: the field a customer that the match key does not find is matched by.
    pub(super) fn with_also_by(self, also_by: Option<&'static str>) -> Job {
        Job {
            matching: local::Matching::new(also_by),
            ..self
        }
    }

    /// The customers that may be posted over their copy ([`Fresh::plan`]), before the first
    /// customer is taken.
    pub(super) fn set_fresh(&self, fresh: Fresh) {
        let _ = self.fresh.set(fresh);
    }

    /// `--plan`'s customers so far, in input order (taken: a second call gets none).
    pub(super) fn take_plan(&self) -> Vec<Planned> {
        let mut plan = self
            .plan
            .lock()
            .map(|mut plan| std::mem::take(&mut *plan))
            .unwrap_or_default();
        plan.sort_by_key(|planned| planned.row);
        plan
    }

    /// The token that ends the intake of customers (Ctrl-C, or any stop of the run).
    pub(super) fn with_intake(self, intake: CancellationToken) -> Job {
        Job { intake, ..self }
    }

    /// Journals as pending, in one commit, the customers of `window` that this run may create
    /// (those the ledger has no ID or pending create for, and that have a match value to check
    /// a lost create by); which were journaled, in order. One commit for a window instead of
    /// one before each create: a run killed mid-window leaves the rest of it pending too (and
    /// the next window, journaled ahead), which costs the next run a lookup for each, as the
    /// rest of a non-empty account costs anyway.
    pub(super) async fn journal(&self, window: &[CustomerGroup]) -> Vec<bool> {
        let MatchBy::Field(field) = self.match_by else {
            return vec![false; window.len()];
        };
        if self.intent != Intent::Write || !self.creates() {
            return vec![false; window.len()];
        }
        let marks: Vec<bool> = window
            .iter()
            .map(|group| {
                // One already pending (from an earlier run) keeps its journal time, by which
                // it is looked up; it is journaled again only if it is sent again.
                let creatable = self
                    .known
                    .get(&group.key)
                    .is_none_or(|e| e.customer_id.is_none() && !e.pending_create);
                creatable
                    && group
                        .draft
                        .fields
                        .shown(field)
                        .is_some_and(|v| !v.trim().is_empty())
            })
            .collect();
        let keys: Vec<&str> = window
            .iter()
            .zip(&marks)
            .filter(|(_, mark)| **mark)
            .map(|(group, _)| group.key.as_str())
            .collect();
        // Counted as untaken before the commit is awaited: a stop may drop this future after
        // the writes are queued, and their entries must still be taken back.
        if let Ok(mut untaken) = self.untaken.lock() {
            untaken.extend(keys.iter().map(|key| key.to_string()));
        }
        match self.ledger.begin_creates(keys.iter().copied()).await {
            Ok(()) => marks,
            // Each create then journals itself, and meets the error there.
            Err(_) => {
                if let Ok(mut untaken) = self.untaken.lock() {
                    for key in &keys {
                        untaken.remove(*key);
                    }
                }
                vec![false; window.len()]
            }
        }
    }

    /// A journaled customer's create is about to be sent: from now on its journal entry
    /// stands, to be settled by the answer or resolved by a lookup.
    fn sending_create(&self, key: &str) {
        if let Ok(mut untaken) = self.untaken.lock() {
            untaken.remove(key);
        }
    }

    /// Takes back the journal entries of the customers journaled whose create was never sent
    /// (all tasks have ended): without it, the next run would wait for creates never sent to
    /// land.
    pub(super) async fn unjournal_untaken(&self) {
        let keys: Vec<String> = match self.untaken.lock() {
            Ok(mut untaken) => untaken.drain().collect(),
            Err(_) => return,
        };
        if keys.is_empty() {
            return;
        }
        if let Err(error) = self.ledger.unjournal(keys.iter().map(String::as_str)).await {
            tracing::warn!("{error}; the next run looks these customers up first");
        }
    }

    /// Sends one customer, holding `place` (taken from [`Job::places`]) while it is under way.
    pub(super) async fn customer(
        &self,
        group: CustomerGroup,
        journaled: bool,
        place: OwnedSemaphorePermit,
    ) {
        let group = Sending {
            body: group.draft.to_json_bytes(),
            defaulted: group.defaulted,
            draft: group.draft,
            key: group.key,
            rows: group.rows,
            journaled,
            place: Mutex::new(Some(place)),
        };
        let hash = hash::change_hash(&group.body, &group.defaulted);
        let entry = self.known.get(&group.key);
        let unchanged = |e: &Entry| {
            !self.full
                && sent_cleanly(e).is_some_and(|sent| {
                    hash::unchanged_since(sent, &hash, &group.body, &group.defaulted)
                })
        };
        let retry = mode::retry_note(entry);
        let done = match entry {
            _ if let Some(done) = self.known_exists(entry) => done,
            Some(e) if unchanged(e) => Done::Unchanged {
                id: e.customer_id.clone().unwrap_or_default(),
                note: format!(
                    "unchanged since the last run ({} {})",
                    e.last_status, e.updated_at
                ),
                asked: false,
            },
            _ => match self.ledger.failure() {
                // A success already recorded could not be: nothing more is sent.
                Some(error) => {
                    self.client.stop(Stop::Ledger {
                        message: error.to_string(),
                    });
                    Done::NotSent(self.stop_message())
                }
                None => match self.send(&group, entry, &hash).await {
                    Ok(done) => done,
                    Err(error) => self.ledger_failed(&error),
                },
            },
        };
        if let Done::Failed { message, .. } = &done
            && self.intent == Intent::Write
        {
            // Recorded for every failure (a lookup's too), so that the next run says it retries.
            self.ledger.note_failure(&group.key, message);
        }
        self.decide(&group, done, retry);
    }

    async fn send(
        &self,
        group: &Sending,
        entry: Option<&Entry>,
        hash: &str,
    ) -> Result<Done, LedgerError> {
        let pending = entry.filter(|e| e.pending_create);
        let known = entry
            .filter(|e| !e.pending_create)
            .and_then(|e| e.customer_id.clone());
        if let Some(id) = known {
            // A record read in this run, else the ledger's copy when nobody changed it since,
            // else a read.
            let record = match self.read_in(group, &id) {
                Some(record) => Record::Found(record),
                None => self
                    .copy_of(&group.key)
                    .await
                    .map_or(Record::Ledger, Record::Copy),
            };
            return self.update(group, &id, hash, record).await;
        }
        match self.find(group, pending).await {
            Ok(Some((id, _))) if let Some(done) = self.found_exists(group, &id) => Ok(done),
            Ok(Some((id, record))) => self.update(group, &id, hash, Record::Found(record)).await,
            Ok(None) if !self.creates() => self.missing(group, pending.is_some()).await,
            Ok(None) if self.intent == Intent::Preview => Ok(self.would_create(group)),
            Ok(None) => self.create_flagged(group, hash).await,
            Err(done) => Ok(done),
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

/// The change hash of the customer's last success, when the ledger's entry can vouch for what
/// OnTime holds: no create pending, and no failure since (a failure is sent again even if its
/// row did not change: its hash is the last success's).
pub(super) fn sent_cleanly(entry: &Entry) -> Option<&str> {
    let clean = !entry.pending_create && entry.last_status != "failed";
    entry.sent_hash.as_deref().filter(|_| clean)
}
