//! The one way requests reach OnTime: the shared rate limiter, the request budget and the quota
//! are checked before every attempt; answers are classified; safe requests are retried.
//!
//! Invariant: a request whose outcome is unknown (sent, then no answer) is never retried here
//! when it is not idempotent — it comes back as [`CallError::Unknown`] for the caller to resolve
//! by a lookup. GETs and updates (a post with `ID` replaces the record whole, so sending it twice
//! is harmless) are retried freely.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use backon::BackoffBuilder;
use governor::{DefaultDirectRateLimiter, RateLimiter};
use reqwest::header::HeaderValue;
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;
use serde_json::Value as Json;
use tokio_util::sync::CancellationToken;

mod attempt;
mod classify;
pub(crate) mod clock;
mod error;
mod kinds;
mod redact;

use attempt::Body;
use classify::Attempt;
pub(super) use error::{CallError, Idempotent};
pub(crate) use kinds::RequestKind;
use kinds::Tally;
use redact::Redactor;

use super::Quota;
use super::answer::Created;
use super::http::answer_cap;
pub(super) use super::http::{escape, pace};
use super::progress::{Wait, Waits};
use super::quota::{InFlight, QuotaBook};
use crate::settings::{ApiKey, Target};
use crate::upload::Stop;

/// Where customers are created and updated.
pub(super) const CUSTOMER_POST: &str = "api/customer/post";

/// Limits on what the run may spend.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Spending {
    pub max_requests: Option<u64>,
    pub reserve: Option<u64>,
}

/// The OnTime client for one run.
pub(crate) struct Client {
    http: reqwest::Client,
    /// `…/sites/{company-id}/`, ending in a slash so endpoints join under it.
    base: Url,
    /// `base` joined with [`CUSTOMER_POST`], the most used address, parsed once.
    customer_post: Url,
    /// The API key as the `Authorization` header's value, made once and marked sensitive (so
    /// that no debug output of a request shows it).
    authorization: HeaderValue,
    /// Takes the key out of every answer's body and `Location` before anything reads them.
    redact: Redactor,
    /// Paces every request of the run, lookups included; awaited before each attempt.
    limiter: DefaultDirectRateLimiter,
    /// `--concurrency` permits: one is held by each request from before the limiter until its
    /// answer is read, so that no more requests than that are ever in flight, however many
    /// customers are between requests (journaling, settling, writing the report).
    slots: tokio::sync::Semaphore,
    retries: u32,
    spending: Spending,
    /// Requests actually sent (each attempt counts).
    sent: Arc<AtomicU64>,
    /// The same, per kind.
    kinds: Tally,
    /// The quota as the answers tell it, and the requests sent but not yet answered.
    quota: Mutex<QuotaBook>,
    /// Set once, by the first reason to stop; cancelling `stopping` then refuses new requests.
    stop: Mutex<Option<Stop>>,
    stopping: CancellationToken,
    /// Delays between retries start here and double, with jitter.
    backoff_start: Duration,
    /// Attempts in a row, across the run, that got no answer or a 5xx; any other answer resets
    /// it. At `give_up_after` the service is down, not flaky, and the run stops instead of
    /// spending every customer's retries on it (at 30 s a timeout, days for a large input).
    failing: AtomicU32,
    give_up_after: u32,
    /// `--timeout`, for [`Client::landing`].
    timeout: Duration,
    /// The run's waits, said in the log and shown on the progress line (never silent).
    waits: Waits,
    /// The server's time, from its answers' `Date` headers.
    clock: clock::ServerClock,
}

/// The least time a request whose answer never came is given to show its effect (a create in
/// lookups, a child in its customer's record) before it is checked for: a server may store a
/// slow request after the client gave up on it, and its lookups may lag its writes.
pub(super) const LANDING: Duration = Duration::from_secs(2);

impl Client {
    pub(crate) fn new(
        base: &Url,
        company_id: &str,
        key: ApiKey,
        target: &Target,
        stopping: CancellationToken,
    ) -> Result<Client, String> {
        let timeout = target.timeout;
        let spending = Spending {
            max_requests: target.max_requests,
            reserve: target.reserve,
        };
        let mut http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("ontime-import/", env!("CARGO_PKG_VERSION")))
            // A redirect is never followed: the key and the data go to --base-url only.
            .redirect(reqwest::redirect::Policy::none())
            // The client's own retries are for HTTP/2's refused streams, which HTTP/1 never
            // sees; with none allowed it no longer copies every request's headers in case.
            .retry(reqwest::retry::never().max_retries_per_request(0));
        if crate::settings::is_loopback(base) {
            // A proxy from the environment must not see requests meant for this machine.
            http = http.no_proxy();
        }
        if base.scheme() == "http" {
            // Plain HTTP (allowed for this machine only): TLS is never used, so the system's
            // certificate store is not read (a few ms of PEM parsing before the first request).
            // An answer that redirected to https would fail verification, never pass unchecked.
            http = http.tls_certs_only([]);
        }
        let http = http
            .build()
            .map_err(|e| format!("cannot set up HTTPS: {e}"))?;
        let base = base
            .join(&format!("sites/{}/", escape(company_id)))
            .map_err(|e| format!("bad company id {company_id:?}: {e}"))?;
        let customer_post = base
            .join(CUSTOMER_POST)
            .map_err(|e| format!("bad company id {company_id:?}: {e}"))?;
        let mut authorization = HeaderValue::from_str(key.expose()).map_err(|_| {
            "the API key holds characters an HTTP header cannot carry: check ONTIME_API_KEY"
                .to_string()
        })?;
        authorization.set_sensitive(true);
        Ok(Client {
            http,
            base,
            customer_post,
            authorization,
            redact: Redactor::new(key.expose()),
            limiter: RateLimiter::direct(pace(target.rate)),
            slots: tokio::sync::Semaphore::new(target.concurrency.get() as usize),
            retries: target.retries,
            spending,
            sent: Arc::new(AtomicU64::new(0)),
            kinds: Tally::default(),
            quota: Mutex::new(QuotaBook::default()),
            stop: Mutex::new(None),
            stopping,
            backoff_start: Duration::from_millis(200),
            failing: AtomicU32::new(0),
            // Two requests' worth of attempts, and never so few that a flaky service (10 % of
            // attempts failing) is taken for a dead one: 0.1^10 per ten attempts.
            give_up_after: target.retries.saturating_add(1).saturating_mul(2).max(10),
            timeout,
            waits: Waits::default(),
            clock: clock::ServerClock::default(),
        })
    }

    /// The run's waits: every pause of a customer or a request is registered there.
    pub(crate) fn waits(&self) -> Waits {
        self.waits.clone()
    }

    /// The live count of requests sent, for progress.
    pub(crate) fn counter(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.sent)
    }

    pub(crate) fn requests(&self) -> u64 {
        self.sent.load(Ordering::SeqCst)
    }

    /// Requests sent so far, per kind ([`RequestKind::as_str`]); kinds not sent left out.
    pub(crate) fn requests_by_kind(&self) -> std::collections::BTreeMap<&'static str, u64> {
        self.kinds.counts()
    }

    pub(crate) fn quota(&self) -> Quota {
        self.quota
            .lock()
            .map(|book| book.quota.clone())
            .unwrap_or_default()
    }

    pub(crate) fn stop_reason(&self) -> Option<Stop> {
        self.stop.lock().ok().and_then(|s| s.clone())
    }

    /// Records why the run stops (the first reason wins) and refuses further requests.
    pub(crate) fn stop(&self, reason: Stop) {
        if let Ok(mut stop) = self.stop.lock()
            && stop.is_none()
        {
            tracing::warn!(
                "stopping: {}",
                reason.message().trim_start_matches("not sent: ")
            );
            *stop = Some(reason);
        }
        self.stopping.cancel();
    }

    /// The server's clock, as its answers' `Date` headers tell it.
    pub(crate) fn clock(&self) -> &clock::ServerClock {
        &self.clock
    }

    pub(crate) fn is_stopping(&self) -> bool {
        self.stopping.is_cancelled()
    }

    pub(crate) async fn get(&self, path: &str) -> Result<Json, CallError> {
        self.call(Method::GET, path, Body::None, Idempotent::Yes)
            .await
    }

    pub(crate) async fn post(
        &self,
        path: &str,
        body: &Json,
        idempotent: Idempotent,
    ) -> Result<Json, CallError> {
        self.call(Method::POST, path, Body::Json(body), idempotent)
            .await
    }

    /// A customer create whose body is already JSON text (sent as it is); of the answer, only
    /// the new record's ID is read.
    pub(crate) async fn create_customer(&self, body: &[u8]) -> Result<Created, CallError> {
        self.call(
            Method::POST,
            CUSTOMER_POST,
            Body::Text(body),
            Idempotent::No,
        )
        .await
    }

    async fn call<T: DeserializeOwned + Default>(
        &self,
        method: Method,
        path: &str,
        body: Body<'_>,
        idempotent: Idempotent,
    ) -> Result<T, CallError> {
        let url = self.url(path)?;
        let kind = RequestKind::of(&method, path, &body);
        let mut delays = self.delays();
        loop {
            let slot = tokio::select! {
                slot = self.slots.acquire() => slot.map_err(|_| CallError::Stopped)?,
                () = self.stopping.cancelled() => return Err(CallError::Stopped),
            };
            let in_flight = self.admit().await?;
            self.kinds.add(kind);
            let result = self
                .attempt(
                    method.clone(),
                    url.clone(),
                    body,
                    in_flight,
                    answer_cap(path),
                )
                .await;
            drop(slot);
            self.tally(&result);
            let (cause, wait) = match result {
                Attempt::Done(json) => return Ok(json),
                // Only a record by ID may be missing; a 404 anywhere else means the run talks
                // to the wrong address, and every further request would fail the same way.
                Attempt::Fail(CallError::Rejected { status: 404, body })
                    if !path.starts_with("api/customers/") =>
                {
                    return Err(self.wrong_address(path, &url, &body));
                }
                Attempt::Fail(error) => return Err(error),
                Attempt::Moved { status, to } => {
                    return Err(self.moved(status, &url, &to, idempotent));
                }
                // A create: a lookup tells what it made. An update: done (its answer is not
                // used). A GET: its answer is needed, so it is asked again.
                Attempt::Unreadable(_, cause) if idempotent == Idempotent::No => {
                    return Err(CallError::Unreadable { cause });
                }
                Attempt::Unreadable(..) if method == Method::POST => return Ok(T::default()),
                // No content where an answer was needed: asking again would get no more.
                Attempt::Unreadable(StatusCode::NO_CONTENT, _) => {
                    return Err(CallError::Rejected {
                        status: 204,
                        body: "no content, where a JSON answer was expected".into(),
                    });
                }
                Attempt::Unreadable(_, cause) => (cause, None),
                Attempt::Unknown(cause) | Attempt::Gateway(cause, _)
                    if idempotent != Idempotent::Yes =>
                {
                    return Err(CallError::Unknown { cause });
                }
                Attempt::Retry(cause, _)
                    if idempotent != Idempotent::Yes && cause.starts_with('5') =>
                {
                    return Err(CallError::Server { cause });
                }
                Attempt::Unknown(cause) => (cause, None),
                Attempt::Retry(cause, wait) | Attempt::Gateway(cause, wait) => (cause, wait),
            };
            let Some(delay) = delays.next() else {
                return Err(CallError::Exhausted { cause });
            };
            let delay = wait.map_or(delay, |w| w.max(delay / 2));
            tracing::debug!(%method, path, ?delay, "retrying: {cause}");
            let _waiting = self.waits.begin(Wait::Retry(cause), delay);
            self.pause(delay).await?;
        }
    }

    /// The waits between attempts: exponential from 200 ms, with jitter, `--retries` of them.
    pub(crate) fn delays(&self) -> impl Iterator<Item = Duration> + use<> {
        backon::ExponentialBuilder::default()
            .with_min_delay(self.backoff_start)
            .with_max_delay(Duration::from_secs(60))
            .with_max_times(self.retries as usize)
            .with_jitter()
            .build()
    }

    /// How long to wait, after a request got no answer, before checking whether it was carried
    /// out: the back-off's `delay`, `--timeout` or [`LANDING`], whichever is longest.
    pub(crate) fn landing(&self, delay: Duration) -> Duration {
        delay.max(self.timeout).max(LANDING)
    }

    /// Sleeps for `delay`, or less if the run starts stopping.
    pub(crate) async fn pause(&self, delay: Duration) -> Result<(), CallError> {
        tokio::select! {
            () = tokio::time::sleep(delay) => Ok(()),
            () = self.stopping.cancelled() => Err(CallError::Stopped),
        }
    }

    /// Waits for the limiter, after checking the run may still spend a request.
    async fn admit(&self) -> Result<InFlight<'_>, CallError> {
        if self.is_stopping() {
            return Err(CallError::Stopped);
        }
        tokio::select! {
            () = self.limiter.until_ready() => {}
            () = self.stopping.cancelled() => return Err(CallError::Stopped),
        }
        if let Some(max) = self.spending.max_requests {
            // Reserve a slot atomically so concurrent requests cannot overshoot the budget.
            let taken = self
                .sent
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                    (n < max).then_some(n + 1)
                });
            if taken.is_err() {
                self.stop(Stop::Budget { requests: max });
                return Err(CallError::Stopped);
            }
        } else {
            self.sent.fetch_add(1, Ordering::SeqCst);
        }
        let Ok(mut book) = self.quota.lock() else {
            return Err(CallError::Stopped);
        };
        // What the server last said is left, less what is on its way and not yet counted there.
        let left = book
            .quota
            .daily_remaining
            .map(|r| r.saturating_sub(book.in_flight));
        if let (Some(reserve), Some(remaining)) = (self.spending.reserve, left)
            && remaining <= reserve
        {
            drop(book);
            self.sent.fetch_sub(1, Ordering::SeqCst);
            self.stop(Stop::Reserve { remaining, reserve });
            return Err(CallError::Stopped);
        }
        book.in_flight += 1;
        Ok(InFlight(&self.quota, true))
    }
}
