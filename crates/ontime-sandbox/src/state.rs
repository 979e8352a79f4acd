//! The state one sandbox server owns: its fixed settings, its clock, and behind one mutex the
//! records, quota, counters, faults, fault generator and scripted events.
//!
//! Invariant: there is no global; each server has its own `Arc<Shared>`, so servers in the same
//! process (parallel tests) never see each other. The mutex is held only for short, synchronous
//! steps, never across an `.await`.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use rand::SeedableRng;
use rand::rngs::StdRng;
use tokio::sync::{Notify, watch};

use super::clock::Clock;
use super::config::SandboxConfig;
use super::events::Events;
use super::faults::Faults;
use super::quota::{Quota, Window};
use super::records::Records;
use super::stats::Counters;

/// Everything behind the lock.
#[derive(Debug)]
pub(crate) struct Inner {
    pub records: Records,
    pub quota: Quota,
    pub counters: Counters,
    pub faults: Faults,
    /// Seeded from the config; one draw per request that passes the gate.
    pub rng: StdRng,
    /// Admitted requests within the last second, for `max_per_second`.
    pub throttle: Window,
    pub events: Events,
}

/// One server's state.
#[derive(Debug)]
pub(crate) struct Shared {
    pub company_id: String,
    pub api_key: String,
    pub readonly_key: Option<String>,
    pub denied_key: Option<String>,
    pub max_per_second: Option<u32>,
    pub data_file: Option<PathBuf>,
    /// The server's time: every record stamp, quota roll and `Date` header reads it.
    pub clock: Clock,
    inner: Mutex<Inner>,
    /// API requests received so far; `wait_for_requests` waits on it.
    arrivals: watch::Sender<u64>,
    /// Signalled after every change of records or quota, so the saver writes the data file.
    pub dirty: Notify,
}

impl Shared {
    pub(crate) fn new(
        config: &SandboxConfig,
        records: Records,
        quota: Option<Quota>,
        clock: Clock,
    ) -> Shared {
        let now = clock.now();
        let mut quota =
            quota.unwrap_or_else(|| Quota::new(config.daily_limit, config.monthly_limit, now));
        // The limits are the configuration's; only the counters come from the data file.
        quota.daily_limit = config.daily_limit;
        quota.monthly_limit = config.monthly_limit;
        quota.roll(now);
        Shared {
            company_id: config.company_id.clone(),
            api_key: config.api_key.clone(),
            readonly_key: config.readonly_key.clone(),
            denied_key: config.denied_key.clone(),
            max_per_second: config.max_per_second,
            data_file: config.data_file.clone(),
            clock,
            inner: Mutex::new(Inner {
                records,
                quota,
                counters: Counters::default(),
                faults: config.faults.clone(),
                rng: StdRng::seed_from_u64(config.seed),
                throttle: Window::default(),
                events: Events::default(),
            }),
            arrivals: watch::Sender::new(0),
            dirty: Notify::new(),
        }
    }

    /// Locks the state. A panic while it was held cannot leave it half-changed (every change is
    /// checked first, then applied without fallible steps), so a poisoned lock is still usable.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts an API request on arrival and wakes whoever waits for that many. Returns the fixed
    /// latency to add.
    pub(crate) fn arrive(&self) -> std::time::Duration {
        let (total, latency) = {
            let mut inner = self.lock();
            (inner.counters.arrive(Instant::now()), inner.faults.latency)
        };
        // Two arrivals may publish out of order; keeping the maximum never goes backwards.
        self.arrivals.send_if_modified(|seen| {
            let grew = total > *seen;
            *seen = (*seen).max(total);
            grew
        });
        latency
    }

    /// Resolves once at least `n` API requests have arrived.
    pub(crate) async fn wait_for_requests(&self, n: u64) {
        let mut rx = self.arrivals.subscribe();
        // The sender lives as long as `self`, so `wait_for` cannot see a closed channel here.
        let _ = rx.wait_for(|&total| total >= n).await;
    }

    /// Marks records or quota as changed, for the data file.
    pub(crate) fn touch(&self) {
        if self.data_file.is_some() {
            self.dirty.notify_one();
        }
    }
}

/// The operations both the control endpoints and [`super::Sandbox`] offer.
impl Shared {
    /// Every stored customer, as `GET api/customers/{id}` answers it.
    pub(crate) fn customers(&self) -> Vec<serde_json::Value> {
        self.lock().records.iter().map(|c| c.to_json()).collect()
    }

    /// Stores a customer without a request (see [`Records::insert_raw`]); returns its ID.
    pub(crate) fn insert_customer(&self, customer: &serde_json::Value) -> String {
        let now = self.clock.now();
        let id = self.lock().records.insert_raw(customer, now, now);
        self.touch();
        id.to_string()
    }

    pub(crate) fn clear_customers(&self) {
        self.lock().records.clear();
        self.touch();
    }

    pub(crate) fn stats(&self) -> super::stats::Stats {
        self.lock().counters.snapshot()
    }

    pub(crate) fn requests(&self) -> Vec<super::stats::RequestRecord> {
        self.lock().counters.log()
    }

    pub(crate) fn reset_stats(&self) {
        self.lock().counters.reset();
    }

    pub(crate) fn faults(&self) -> Faults {
        self.lock().faults.clone()
    }

    pub(crate) fn set_faults(&self, faults: Faults) {
        self.lock().faults = faults;
    }

    /// Restarts the fault generator from `seed`.
    pub(crate) fn reseed(&self, seed: u64) {
        self.lock().rng = StdRng::seed_from_u64(seed);
    }

    /// Sets the daily and monthly counters back to zero.
    pub(crate) fn reset_quota(&self) {
        self.lock().quota.reset(self.clock.now());
        self.touch();
    }
}
