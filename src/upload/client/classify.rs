//! What an answer means for the run: each attempt's outcome ([`Attempt`]) from its status and
//! body, the stops an answer calls for (a refused key, a spent quota, a redirect, a wait too
//! long), and the quota its headers tell. Nothing here sends a request.

use std::sync::atomic::Ordering;
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{StatusCode, Url};
use serde::de::DeserializeOwned;

use super::{CallError, Client, Idempotent};
use crate::upload::Stop;
use crate::upload::http::{LONGEST_WAIT, after, clip};
use crate::upload::quota::{InFlight, QuotaHeaders, spent_until};

/// One attempt's outcome.
pub(super) enum Attempt<T> {
    Done(T),
    Fail(CallError),
    /// Sent, no answer.
    Unknown(String),
    /// Carried out (a 2xx, this one), but the answer could not be read.
    Unreadable(StatusCode, String),
    /// Safe to try again, after at least the given wait when the server named one.
    Retry(String, Option<Duration>),
    /// A gateway's 502 or 504: OnTime may have carried the request out. Retried like
    /// [`Attempt::Retry`], unless it is a create, whose outcome is then unknown.
    Gateway(String, Option<Duration>),
    /// A 3xx (never followed), and where it points.
    Moved {
        status: StatusCode,
        to: String,
    },
}

impl Client {
    pub(super) fn classify<T: DeserializeOwned>(
        &self,
        status: StatusCode,
        retry_after: Option<Duration>,
        text: String,
    ) -> Attempt<T> {
        match status.as_u16() {
            // Success with an answer that cannot be read: it was carried out, but what it made
            // is unknown — never a "failed" that invites a resend.
            200..=299 => match serde_json::from_str(&text) {
                Ok(json) => Attempt::Done(json),
                Err(e) => Attempt::Unreadable(
                    status,
                    format!("{status} with an unreadable answer ({e}): {}", clip(&text)),
                ),
            },
            401 | 403 => {
                let what = if status == StatusCode::UNAUTHORIZED {
                    "OnTime refused the API key (401): check ONTIME_API_KEY and that the key has not been revoked, and ONTIME_COMPANY_ID"
                } else {
                    "the API key lacks permission (403): an OnTime administrator must allow it to read and write customers"
                };
                self.stop(Stop::Auth {
                    message: format!("{what}. Server said: {}", clip(&text)),
                });
                Attempt::Fail(CallError::Stopped)
            }
            429 => match retry_after {
                Some(wait) if wait > LONGEST_WAIT => self.wait_too_long(status, wait),
                Some(wait) => Attempt::Retry(
                    format!(
                        "429 Too Many Requests, Retry-After {} s",
                        wait.as_secs_f64()
                    ),
                    Some(wait),
                ),
                None => {
                    let reset = spent_until(&self.quota());
                    self.stop(Stop::Quota { reset });
                    Attempt::Fail(CallError::Stopped)
                }
            },
            // A gateway's error: it lost OnTime's answer, not OnTime's word that it failed.
            502 | 504 => {
                if let Some(wait) = retry_after.filter(|w| *w > LONGEST_WAIT) {
                    self.stop_for(status, wait);
                }
                Attempt::Gateway(format!("{status}: {}", clip(&text)), retry_after)
            }
            500..=599 => match retry_after {
                Some(wait) if wait > LONGEST_WAIT => self.wait_too_long(status, wait),
                _ => Attempt::Retry(format!("{status}: {}", clip(&text)), retry_after),
            },
            code => Attempt::Fail(CallError::Rejected {
                status: code,
                body: text,
            }),
        }
    }

    /// Counts attempts that failed for want of a working service (no answer, 5xx; not a 429
    /// with `Retry-After`, which is a throttle speaking); too many in a row stop the run.
    pub(super) fn tally<T>(&self, attempt: &Attempt<T>) {
        let cause = match attempt {
            Attempt::Unknown(cause) | Attempt::Gateway(cause, _) => cause,
            Attempt::Retry(cause, _) if !cause.starts_with("429") => cause,
            _ => {
                self.failing.store(0, Ordering::SeqCst);
                return;
            }
        };
        let attempts = self.failing.fetch_add(1, Ordering::SeqCst) + 1;
        if attempts >= self.give_up_after {
            self.stop(Stop::Unreachable {
                attempts,
                cause: cause.clone(),
            });
        }
    }

    /// A `Retry-After` too long to wait out stops the run, as a spent quota does.
    fn wait_too_long<T>(&self, status: StatusCode, wait: Duration) -> Attempt<T> {
        self.stop_for(status, wait);
        Attempt::Fail(CallError::Stopped)
    }

    fn stop_for(&self, status: StatusCode, wait: Duration) {
        self.stop(Stop::Wait {
            status: status.as_u16(),
            until: after(wait),
        });
    }

    /// A redirect stops the run: the address is not the API's, and the tool does not follow it
    /// (the key would go along). A create redirected with 303 ("see the result there") may have
    /// been carried out, so its outcome is unknown; any other request was not.
    pub(super) fn moved(
        &self,
        status: StatusCode,
        url: &Url,
        to: &str,
        idempotent: Idempotent,
    ) -> CallError {
        let message = format!(
            "OnTime answered {status} for {url}, redirecting to {to}: redirects are not followed, so that the key and the data go only where --base-url says; check --base-url and ONTIME_COMPANY_ID"
        );
        self.stop(Stop::Address {
            message: message.clone(),
        });
        if idempotent != Idempotent::Yes && status == StatusCode::SEE_OTHER {
            CallError::Unknown { cause: message }
        } else {
            CallError::Stopped
        }
    }

    /// Folds an answer's quota headers in; in the same step the request stops being in flight,
    /// so that no moment counts it both in the server's remaining count and as on its way.
    pub(super) fn note_quota(&self, headers: &HeaderMap, in_flight: &mut InFlight<'_>) {
        let seen = QuotaHeaders::read(headers);
        let Ok(mut book) = self.quota.lock() else {
            return;
        };
        seen.apply(&mut book.quota);
        if std::mem::take(&mut in_flight.1) {
            book.in_flight = book.in_flight.saturating_sub(1);
        }
        let spent =
            book.quota.daily_remaining == Some(0) || book.quota.monthly_remaining == Some(0);
        let reset = spent_until(&book.quota);
        drop(book);
        if spent {
            self.stop(Stop::Quota { reset });
        }
    }
}

impl Client {
    /// A 404 for anything but a record by ID: the run talks to the wrong address, and every
    /// further request would fail the same way, so the run stops. A lookup's 404 is not taken
    /// for "no match": at a wrong address, every customer would then be created.
    pub(super) fn wrong_address(&self, path: &str, url: &Url, body: &str) -> CallError {
        let lookup = if path.starts_with("api/customers?") {
            " to a customer lookup, which answers a list (empty for no match); the service may answer 404 for no match, which is not taken as such"
        } else {
            ""
        };
        self.stop(Stop::Address {
            message: format!(
                "OnTime answered 404 Not Found for {url}{lookup}: check ONTIME_COMPANY_ID (--company-id) and --base-url. Server said: {}",
                clip(body)
            ),
        });
        CallError::Stopped
    }
}
