//! The one-request update: a customer whose record the ledger holds as OnTime last answered it
//! (its server copy) is merged with the input against that copy and posted, without reading it
//! first — only while the change queries say nobody else changed it since.
//!
//! A change query (`GET api/customers?lastModifiedDateMin=T`) lists the IDs modified at or after
//! T, by the server's clock (its `Date` headers; never this machine's). Every post moves a
//! record's modification time, the tool's own included, and the list holds IDs only; so the
//! copies answered within [`SPAN`] of each other share one query whose T lies just past the
//! last of them: the tool's own posts fall before T, and any later edit at or after it. During
//! the run the listing is refreshed whenever it is older than [`REFRESH`], before a copy is
//! posted over. The guarantee: an edit made in OnTime more than 60 seconds before or after the
//! tool's own post of a customer is never overwritten with a stale copy. A bucket of one
//! customer is read instead (a query would cost the same request); anything unsure (no server
//! time, a failed query, a copy from a failed or unknown outcome) is read first.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use chrono::{DateTime, TimeDelta, Utc};

use super::Client;
use super::client::{CallError, escape};

/// Copies answered within this many seconds share one change query.
const SPAN: i64 = 55;
/// A query's start lies this many seconds past the last copy it covers: a record's own
/// modification time falls in the second of its answer's `Date`, or the next.
const MARGIN: i64 = 2;
/// A listing older than this many seconds is refreshed before a copy is posted over, so that
/// an edit more than 60 seconds before the post is seen.
const REFRESH: i64 = 45;

/// A customer whose input changed and whose server copy the ledger holds.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub key: String,
    pub id: String,
    /// The server's time of the copy.
    pub at: DateTime<Utc>,
}

/// Which customers may be posted over their copy, and how far the listing reaches.
#[derive(Debug, Default)]
pub(crate) struct Fresh {
    usable: Mutex<HashSet<String>>,
    key_of: HashMap<String, String>,
    /// The server's time up to which the listings cover every edit; `None`: nothing usable.
    covered: tokio::sync::Mutex<Option<DateTime<Utc>>>,
}

impl Fresh {
    /// Queries the changes since each bucket of copies (one request per bucket of two or more)
    /// and keeps the customers nobody else changed.
    pub(crate) async fn plan(client: &Client, mut candidates: Vec<Candidate>) -> Fresh {
        let Some(start) = client.clock().now() else {
            return Fresh::default();
        };
        candidates.sort_by_key(|c| c.at);
        let mut usable = HashSet::new();
        for bucket in buckets(&candidates) {
            if bucket.len() < 2 {
                continue;
            }
            let last = bucket[bucket.len() - 1].at;
            let Ok(changed) = changed_since(client, last + TimeDelta::seconds(MARGIN)).await else {
                continue;
            };
            let kept = bucket.iter().filter(|c| !changed.contains(&c.id));
            usable.extend(kept.map(|c| c.key.clone()));
        }
        tracing::debug!(
            "{} of {} changed customers may be posted over the ledger's copy",
            usable.len(),
            candidates.len()
        );
        let key_of = candidates.into_iter().map(|c| (c.id, c.key)).collect();
        Fresh {
            usable: Mutex::new(usable),
            key_of,
            covered: tokio::sync::Mutex::new(Some(start)),
        }
    }

    /// Whether customer `key` may be posted over its copy now: the listing is brought up to
    /// date first when it is older than [`REFRESH`].
    pub(crate) async fn usable(&self, client: &Client, key: &str) -> bool {
        if !self.holds(key) {
            return false;
        }
        let mut covered = self.covered.lock().await;
        let (Some(until), Some(now)) = (*covered, client.clock().now()) else {
            return false;
        };
        if now - until > TimeDelta::seconds(REFRESH) {
            match changed_since(client, until - TimeDelta::seconds(MARGIN)).await {
                Ok(changed) => {
                    if let Ok(mut usable) = self.usable.lock() {
                        for id in &changed {
                            if let Some(key) = self.key_of.get(id) {
                                usable.remove(key);
                            }
                        }
                    }
                    *covered = Some(now);
                }
                Err(_) => return false,
            }
        }
        self.holds(key)
    }

    fn holds(&self, key: &str) -> bool {
        self.usable.lock().is_ok_and(|usable| usable.contains(key))
    }
}

/// The change queries [`Fresh::plan`] sends for `candidates`, and how many customers they
/// cover (those that then need no read, unless changed since).
pub(crate) fn queries(candidates: &[Candidate]) -> (u64, u64) {
    let mut sorted: Vec<Candidate> = candidates.to_vec();
    sorted.sort_by_key(|c| c.at);
    buckets(&sorted)
        .iter()
        .filter(|bucket| bucket.len() >= 2)
        .fold((0, 0), |(q, c), bucket| (q + 1, c + bucket.len() as u64))
}

/// `candidates` (sorted by time) in runs spanning at most [`SPAN`] seconds.
fn buckets(candidates: &[Candidate]) -> Vec<&[Candidate]> {
    let mut buckets = Vec::new();
    let mut start = 0;
    for i in 1..=candidates.len() {
        let ends = i == candidates.len()
            || candidates[i].at - candidates[start].at > TimeDelta::seconds(SPAN);
        if ends {
            buckets.push(&candidates[start..i]);
            start = i;
        }
    }
    buckets
}

/// The IDs OnTime lists as modified at or after `since` (its own clock).
async fn changed_since(
    client: &Client,
    since: DateTime<Utc>,
) -> Result<HashSet<String>, CallError> {
    let since = since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let listed = client
        .get(&format!(
            "api/customers?lastModifiedDateMin={}",
            escape(&since)
        ))
        .await?;
    super::customer::ids_of(&listed)
        .map(|ids| ids.into_iter().collect())
        .ok_or(CallError::Rejected {
            status: 200,
            body: "the change query did not answer a list of IDs".into(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Candidate {
        Candidate {
            key: seconds.to_string(),
            id: format!("id-{seconds}"),
            at: DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap_or_default(),
        }
    }

    #[test]
    fn copies_share_a_query_within_the_span() {
        let candidates: Vec<Candidate> = [0, 10, 55, 56, 200, 300, 301].map(at).to_vec();
        let sizes: Vec<usize> = buckets(&candidates).iter().map(|b| b.len()).collect();
        assert_eq!(sizes, [3, 1, 1, 2]);
        assert!(buckets(&[]).is_empty());
    }
}
