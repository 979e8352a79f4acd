//! The server's clock, as its answers' `Date` headers tell it: the latest `Date` seen and the
//! local instant it arrived at. Times the ledger keeps of OnTime's records (when a copy was
//! answered, the windows of change queries) are the server's, never this machine's, whose
//! clock may be off by minutes.
//!
//! Invariant: [`ServerClock::now`] never goes backwards within a run, and is `None` until an
//! answer carried a readable `Date`.

use std::sync::Mutex;
use std::time::{Instant, SystemTime};

use reqwest::header::{DATE, HeaderMap};

#[derive(Debug, Default)]
pub(crate) struct ServerClock {
    latest: Mutex<Option<(SystemTime, Instant)>>,
}

impl ServerClock {
    /// Notes an answer's `Date` header, if it has a readable one.
    pub(crate) fn note(&self, headers: &HeaderMap) {
        let Some(date) = headers
            .get(DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|text| httpdate::parse_http_date(text).ok())
        else {
            return;
        };
        let arrived = Instant::now();
        if let Ok(mut latest) = self.latest.lock() {
            let later = latest.is_none_or(|(seen, at)| date >= seen + (arrived - at));
            if later {
                *latest = Some((date, arrived));
            }
        }
    }

    /// The server's time now: its latest `Date` plus what passed here since (whole seconds
    /// down, as the header has them); `None` before any answer had one.
    pub(crate) fn now(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        let (date, at) = (*self.latest.lock().ok()?)?;
        let now: chrono::DateTime<chrono::Utc> = (date + at.elapsed()).into();
        chrono::DateTime::from_timestamp(now.timestamp(), 0)
    }

    /// [`ServerClock::now`] as RFC 3339 text (UTC, seconds).
    pub(crate) fn now_text(&self) -> Option<String> {
        self.now()
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn dated(text: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(DATE, HeaderValue::from_static(text));
        headers
    }

    #[test]
    fn the_servers_date_is_followed_never_backwards() {
        let clock = ServerClock::default();
        assert_eq!(clock.now(), None);
        clock.note(&HeaderMap::new());
        clock.note(&dated("not a date"));
        assert_eq!(clock.now(), None);
        clock.note(&dated("Sun, 06 Dec 2026 10:00:00 GMT"));
        let first = clock.now_text().expect("a time");
        assert!(first.starts_with("2026-12-06T10:00:0"), "{first}");
        clock.note(&dated("Sun, 06 Dec 2026 09:00:00 GMT"));
        assert!(clock.now_text().expect("a time") >= first);
        clock.note(&dated("Sun, 06 Dec 2026 11:00:00 GMT"));
        assert!(
            clock
                .now_text()
                .expect("a time")
                .starts_with("2026-12-06T11:00:0")
        );
    }
}
