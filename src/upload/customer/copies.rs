//! The ledger's copies of OnTime's records in a run: which changed customers may be posted over
//! their copy without a read ([`judge`], before the first request; then
//! [`crate::upload::fresh`]), and the copy itself when it may ([`Job::copy_of`]).
//!
//! Invariant: a copy is posted over only when the change queries say nobody else changed it and
//! it holds every property (posted back, a missing one would be blanked).

use std::collections::HashMap;

use super::{Intent, Job, hash};
use crate::group::CustomerGroup;
use crate::ledger::Entry;
use crate::settings::Target;
use crate::upload::fresh::Candidate;

impl Job {
    /// The ledger's copy of the customer's record, when it may be posted over.
    pub(super) async fn copy_of(&self, key: &str) -> Option<serde_json::Value> {
        let fresh = self.fresh.get()?;
        if self.intent != Intent::Write || !fresh.usable(&self.client, key).await {
            return None;
        }
        let copy: serde_json::Value = serde_json::from_str(&self.ledger.copy(key).ok()??).ok()?;
        // Posted back, a copy lacking a property would blank it: such a copy is not used.
        let whole = ontime_api::CUSTOMER_FIELDS
            .iter()
            .map(|field| field.name)
            .chain(["ID", "Departments", "Contacts"])
            .all(|name| copy.get(name).is_some());
        whole.then_some(copy)
    }
}

/// What the ledger tells of the customers before the first request: how many it judges
/// unchanged (nothing is sent for them), and those changed whose record it holds as OnTime
/// answered it (the candidates for an update without a read; none with `--read-first`).
pub(in crate::upload) fn judge(
    groups: &[CustomerGroup],
    known: &HashMap<String, Entry>,
    target: &Target,
) -> (u64, Vec<Candidate>) {
    let (mut unchanged, mut copies) = (0, Vec::new());
    if target.full {
        return (unchanged, copies);
    }
    for group in groups {
        let Some(entry) = known.get(&group.key) else {
            continue;
        };
        let Some(sent) = super::sent_cleanly(entry) else {
            continue;
        };
        let body = group.draft.to_json_bytes();
        let hash = hash::change_hash(&body, &group.defaulted);
        if hash::unchanged_since(sent, &hash, &body, &group.defaulted) {
            unchanged += 1;
            continue;
        }
        let at = entry
            .copy_at
            .as_deref()
            .map(chrono::DateTime::parse_from_rfc3339);
        if let (false, Some(Ok(at)), Some(id)) = (target.read_first, at, &entry.customer_id) {
            copies.push(Candidate {
                key: group.key.clone(),
                id: id.clone(),
                at: at.with_timezone(&chrono::Utc),
            });
        }
    }
    (unchanged, copies)
}
