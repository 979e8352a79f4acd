//! Request statistics a test or a user inspects: requests per endpoint and outcome, 429s, dropped
//! connections, the most requests that arrived within any one second, and a log of the last
//! [`LOG_CAPACITY`] requests.
//!
//! Invariant: every request under `/sites/` is counted once on arrival (`total`) and once with its
//! outcome in `by_endpoint` when the outcome is decided; `/__sandbox` requests are never counted.

use std::collections::{BTreeMap, VecDeque};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::quota::Window;

/// The outcome key of a request whose connection was closed without an answer.
pub const DROPPED: &str = "dropped";

/// A snapshot of the counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Requests received under `/sites/`, counted on arrival.
    pub total: u64,
    /// Endpoint (`"POST api/customer/post"`, `"GET api/customers"`, `"GET api/customers/{id}"`,
    /// `"POST api/department/post"`, `"POST api/contact/post"`, `"other"`) → outcome (the status
    /// code as text, or `"dropped"`) → count.
    pub by_endpoint: BTreeMap<String, BTreeMap<String, u64>>,
    /// 429 answers, quota and throttle together.
    pub rate_limited: u64,
    /// 429 answers because the daily or monthly quota was spent (no `Retry-After`).
    pub quota_exhausted: u64,
    /// 429 answers from the per-second throttle or a scripted 429 (with `Retry-After`).
    pub throttled: u64,
    /// Connections closed without an answer.
    pub dropped: u64,
    /// The most requests that arrived within any one second.
    pub max_per_second: u64,
}

impl Stats {
    /// How many requests to `endpoint` ended with `outcome` (`"201"`, `"dropped"`, ...).
    pub fn count(&self, endpoint: &str, outcome: &str) -> u64 {
        self.by_endpoint
            .get(endpoint)
            .and_then(|m| m.get(outcome))
            .copied()
            .unwrap_or(0)
    }

    /// How many requests to `endpoint` ended, whatever the outcome.
    pub fn endpoint_total(&self, endpoint: &str) -> u64 {
        self.by_endpoint
            .get(endpoint)
            .map_or(0, |m| m.values().sum())
    }
}

/// How many requests the log keeps (the most recent ones).
pub const LOG_CAPACITY: usize = 10_000;

/// One API request as the sandbox saw it, for tests that check what a client sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRecord {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    /// The statistics key, e.g. `"GET api/customers"`.
    pub endpoint: String,
    /// The status code as text, or `"dropped"`.
    pub outcome: String,
}

/// The live counters behind [`Stats`], and the request log.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    stats: Stats,
    window: Window,
    log: VecDeque<RequestRecord>,
}

impl Counters {
    /// Counts an arrival; returns the new total.
    pub(crate) fn arrive(&mut self, now: Instant) -> u64 {
        self.stats.total += 1;
        let in_window = self.window.push(now) as u64;
        self.stats.max_per_second = self.stats.max_per_second.max(in_window);
        self.stats.total
    }

    /// Counts the outcome of a request and logs it.
    pub(crate) fn outcome(&mut self, request: (&str, &str), endpoint: &str, outcome: Outcome) {
        let key: std::borrow::Cow<'static, str> = match outcome {
            Outcome::Status(429, quota) => {
                self.stats.rate_limited += 1;
                if quota {
                    self.stats.quota_exhausted += 1;
                } else {
                    self.stats.throttled += 1;
                }
                "429".into()
            }
            Outcome::Status(201, _) => "201".into(),
            Outcome::Status(200, _) => "200".into(),
            Outcome::Status(code, _) => code.to_string().into(),
            Outcome::Dropped => {
                self.stats.dropped += 1;
                DROPPED.into()
            }
        };
        // Look up before inserting: this runs for every request, and allocates only the first time.
        let map = &mut self.stats.by_endpoint;
        if !map.contains_key(endpoint) {
            map.insert(endpoint.to_string(), BTreeMap::new());
        }
        if let Some(by_outcome) = map.get_mut(endpoint) {
            match by_outcome.get_mut(key.as_ref()) {
                Some(n) => *n += 1,
                None => {
                    by_outcome.insert(key.to_string(), 1);
                }
            }
        }
        if self.log.len() == LOG_CAPACITY {
            self.log.pop_front();
        }
        self.log.push_back(RequestRecord {
            method: request.0.to_string(),
            target: request.1.to_string(),
            endpoint: endpoint.to_string(),
            outcome: key.into_owned(),
        });
    }

    /// The logged requests, oldest first.
    pub(crate) fn log(&self) -> Vec<RequestRecord> {
        self.log.iter().cloned().collect()
    }

    pub(crate) fn snapshot(&self) -> Stats {
        self.stats.clone()
    }

    /// Zeroes everything, the one-second window and the log included.
    pub(crate) fn reset(&mut self) {
        *self = Counters::default();
    }
}

/// How a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// An answer with this status; the flag marks a 429 for a spent quota.
    Status(u16, bool),
    Dropped,
}
