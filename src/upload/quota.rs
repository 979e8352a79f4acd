//! OnTime's `X-RateLimit-*` headers, read leniently: any may be absent ("when applicable"), and
//! what is there updates what the run knows of its quota.

use std::sync::Mutex;

use reqwest::header::HeaderMap;

use super::Quota;

/// The quota headers of one answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct QuotaHeaders {
    pub daily_remaining: Option<u64>,
    pub daily_reset: Option<i64>,
    pub monthly_remaining: Option<u64>,
    pub monthly_reset: Option<i64>,
}

/// A header's whole number, read leniently: `86391.0` is 86391, and a header sent twice (or
/// its values joined with commas, as proxies do) counts its smallest value. Anything else is
/// no value.
fn number(headers: &HeaderMap, name: &str) -> Option<i64> {
    headers
        .get_all(name)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|text| {
            let text = text.trim();
            text.parse::<i64>().ok().or_else(|| {
                let float = text.parse::<f64>().ok()?;
                // Whole and well inside i64 (2^53: exact in an f64), or no value.
                (float.fract() == 0.0 && float.abs() < 9_007_199_254_740_992.0)
                    .then_some(float as i64)
            })
        })
        .min()
}

impl QuotaHeaders {
    pub(crate) fn read(headers: &HeaderMap) -> QuotaHeaders {
        let count = |name| number(headers, name).and_then(|n| u64::try_from(n).ok());
        QuotaHeaders {
            daily_remaining: count("x-ratelimit-remaining-daily"),
            daily_reset: number(headers, "x-ratelimit-reset-daily"),
            monthly_remaining: count("x-ratelimit-remaining-monthly"),
            monthly_reset: number(headers, "x-ratelimit-reset-monthly"),
        }
    }

    /// Folds these headers into `quota`. Answers arrive out of order under concurrency, so a
    /// remaining count only ever goes down within a reset period.
    pub(crate) fn apply(&self, quota: &mut Quota) {
        fold(
            (&mut quota.daily_remaining, &mut quota.daily_reset),
            self.daily_remaining,
            self.daily_reset,
        );
        fold(
            (&mut quota.monthly_remaining, &mut quota.monthly_reset),
            self.monthly_remaining,
            self.monthly_reset,
        );
    }
}

/// A reset header's moment. OnTime sends UTC epoch seconds; a number too small for that
/// (before 2001) is read as seconds from now, as many services send it, and one too large as
/// epoch milliseconds — so that "spent until" never names 1970 or the year 57000.
fn reset_time(value: i64) -> Option<chrono::DateTime<chrono::Utc>> {
    const EPOCH_2001: i64 = 1_000_000_000;
    const MILLIS: i64 = 100_000_000_000;
    match value {
        ..0 => None,
        0..EPOCH_2001 => Some(chrono::Utc::now() + chrono::Duration::seconds(value)),
        EPOCH_2001..MILLIS => chrono::DateTime::from_timestamp(value, 0),
        _ => chrono::DateTime::from_timestamp_millis(value),
    }
}

/// One period's count: a new reset time starts the count afresh; within a period the remaining
/// count only goes down.
fn fold(known: (&mut Option<u64>, &mut Option<String>), left: Option<u64>, reset: Option<i64>) {
    let (remaining, known_reset) = known;
    if let Some(reset) = reset.and_then(reset_time) {
        let reset = reset.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        if known_reset.as_deref() != Some(reset.as_str()) {
            *remaining = None;
            *known_reset = Some(reset);
        }
    }
    if let Some(left) = left {
        *remaining = Some(remaining.map_or(left, |known| known.min(left)));
    }
}

/// The quota as the answers tell it, and the requests sent but not yet counted there.
#[derive(Default)]
pub(super) struct QuotaBook {
    pub(super) quota: Quota,
    pub(super) in_flight: u64,
}

/// One admitted request; when it is answered or ends without an answer, it is no longer in
/// flight. The flag is cleared once it has been taken off the count.
pub(super) struct InFlight<'a>(pub(super) &'a Mutex<QuotaBook>, pub(super) bool);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if std::mem::take(&mut self.1)
            && let Ok(mut book) = self.0.lock()
        {
            book.in_flight = book.in_flight.saturating_sub(1);
        }
    }
}

/// When a spent quota comes back: the monthly reset if the month's is spent, else the daily.
pub(super) fn spent_until(quota: &Quota) -> Option<String> {
    if quota.monthly_remaining == Some(0) {
        quota.monthly_reset.clone()
    } else {
        quota.daily_reset.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().expect("header value"));
        }
        map
    }

    #[test]
    fn odd_but_readable_numbers_are_read() {
        let read = |values: &[&str]| {
            let mut headers = HeaderMap::new();
            for value in values {
                headers.append(
                    "x-ratelimit-remaining-daily",
                    value.parse().expect("header value"),
                );
            }
            QuotaHeaders::read(&headers).daily_remaining
        };
        assert_eq!(read(&["86391"]), Some(86391));
        assert_eq!(read(&[" 86391.0 "]), Some(86391));
        assert_eq!(read(&["86391, 86390"]), Some(86390));
        assert_eq!(read(&["86391", "86392"]), Some(86391));
        assert_eq!(read(&["86391.5"]), None);
        assert_eq!(read(&["-1"]), None);
        assert_eq!(read(&["12345678901234567890123"]), None);
        assert_eq!(read(&["lots"]), None);
    }

    #[test]
    fn remaining_only_goes_down_until_the_reset_moves() {
        let mut quota = Quota::default();
        let reset = "1764374400";
        QuotaHeaders::read(&headers(&[
            ("X-RateLimit-Remaining-Daily", "10"),
            ("X-RateLimit-Reset-Daily", reset),
        ]))
        .apply(&mut quota);
        QuotaHeaders::read(&headers(&[
            ("X-RateLimit-Remaining-Daily", "12"),
            ("X-RateLimit-Reset-Daily", reset),
        ]))
        .apply(&mut quota);
        assert_eq!(quota.daily_remaining, Some(10));
        assert_eq!(quota.daily_reset.as_deref(), Some("2025-11-29T00:00:00Z"));
        QuotaHeaders::read(&headers(&[
            ("X-RateLimit-Remaining-Daily", "86399"),
            ("X-RateLimit-Reset-Daily", "1764460800"),
        ]))
        .apply(&mut quota);
        assert_eq!(quota.daily_remaining, Some(86399));
    }

    #[test]
    fn a_reset_is_epoch_seconds_or_else_what_it_can_only_mean() {
        let epoch = reset_time(1_764_374_400).expect("a time");
        assert_eq!(epoch.timestamp(), 1_764_374_400);
        assert_eq!(reset_time(1_764_374_400_000), Some(epoch), "milliseconds");
        let delta = reset_time(3600).expect("a time") - chrono::Utc::now();
        assert!((3590..=3600).contains(&delta.num_seconds()), "{delta}");
        assert_eq!(reset_time(-1), None);
    }

    #[test]
    fn absent_or_garbled_headers_change_nothing() {
        let mut quota = Quota::default();
        QuotaHeaders::read(&headers(&[("X-RateLimit-Remaining-Daily", "lots")])).apply(&mut quota);
        assert_eq!(quota, Quota::default());
    }
}
