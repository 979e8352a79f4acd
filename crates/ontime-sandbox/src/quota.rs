//! Request quotas: the daily and monthly counters with their UTC resets, the `X-RateLimit-*`
//! header values, and the sliding one-second window used by the per-second throttle and by the
//! "most requests in any one second" statistic.
//!
//! Invariant: counters always belong to the current UTC day and month: [`Quota::roll`] runs before
//! every read or change, so a sandbox left running overnight resets at 00:00 UTC like the service.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use serde::Serialize;

/// Daily and monthly request counters.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Quota {
    pub daily_limit: u64,
    pub monthly_limit: Option<u64>,
    /// The UTC day `daily_used` counts.
    pub day: NaiveDate,
    pub daily_used: u64,
    /// The first day of the UTC month `monthly_used` counts.
    pub month: NaiveDate,
    pub monthly_used: u64,
}

/// Which limit is spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Spent {
    Daily,
    Monthly,
}

/// The values of the `X-RateLimit-*` headers for one answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) struct RateHeaders {
    pub daily_limit: u64,
    pub daily_remaining: u64,
    /// UTC epoch seconds of the next 00:00 UTC.
    pub daily_reset: i64,
    /// Limit, remaining, reset; absent when there is no monthly limit.
    pub monthly: Option<(u64, u64, i64)>,
}

impl Quota {
    pub(crate) fn new(daily_limit: u64, monthly_limit: Option<u64>, now: DateTime<Utc>) -> Self {
        let day = now.date_naive();
        Quota {
            daily_limit,
            monthly_limit,
            day,
            daily_used: 0,
            month: first_of_month(day),
            monthly_used: 0,
        }
    }

    /// Starts new counters when the UTC day or month has changed.
    pub(crate) fn roll(&mut self, now: DateTime<Utc>) {
        let today = now.date_naive();
        if today != self.day {
            self.day = today;
            self.daily_used = 0;
        }
        let month = first_of_month(today);
        if month != self.month {
            self.month = month;
            self.monthly_used = 0;
        }
    }

    /// Counts one request, or says which limit is spent (and then counts nothing).
    pub(crate) fn try_consume(&mut self, now: DateTime<Utc>) -> Result<(), Spent> {
        self.roll(now);
        if self.daily_used >= self.daily_limit {
            return Err(Spent::Daily);
        }
        if self
            .monthly_limit
            .is_some_and(|limit| self.monthly_used >= limit)
        {
            return Err(Spent::Monthly);
        }
        self.daily_used += 1;
        self.monthly_used += 1;
        Ok(())
    }

    /// Sets both counters back to zero.
    pub(crate) fn reset(&mut self, now: DateTime<Utc>) {
        self.roll(now);
        self.daily_used = 0;
        self.monthly_used = 0;
    }

    pub(crate) fn headers(&mut self, now: DateTime<Utc>) -> RateHeaders {
        self.roll(now);
        RateHeaders {
            daily_limit: self.daily_limit,
            daily_remaining: self.daily_limit.saturating_sub(self.daily_used),
            daily_reset: next_midnight(now),
            monthly: self.monthly_limit.map(|limit| {
                let remaining = limit.saturating_sub(self.monthly_used);
                (limit, remaining, next_month_start(now))
            }),
        }
    }
}

fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day) // day 1 exists in every month
}

/// UTC epoch seconds of the next 00:00 UTC after `now`.
pub(crate) fn next_midnight(now: DateTime<Utc>) -> i64 {
    let tomorrow = now.date_naive().succ_opt().unwrap_or(NaiveDate::MAX);
    midnight(tomorrow)
}

/// UTC epoch seconds of 00:00 UTC on the 1st of the month after `now`'s.
pub(crate) fn next_month_start(now: DateTime<Utc>) -> i64 {
    let (y, m) = (now.year(), now.month());
    let (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    let first = NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(NaiveDate::MAX);
    midnight(first)
}

fn midnight(day: NaiveDate) -> i64 {
    Utc.from_utc_datetime(&day.and_time(chrono::NaiveTime::MIN))
        .timestamp()
}

/// Arrival times within the last second.
#[derive(Debug, Default)]
pub(crate) struct Window {
    times: VecDeque<Instant>,
}

impl Window {
    const SPAN: Duration = Duration::from_secs(1);

    /// How many arrivals are within the second before `now` (dropping older ones).
    pub(crate) fn count(&mut self, now: Instant) -> usize {
        while let Some(&first) = self.times.front() {
            if now.duration_since(first) < Self::SPAN {
                break;
            }
            self.times.pop_front();
        }
        self.times.len()
    }

    /// Adds an arrival and returns how many there are within the last second, it included.
    pub(crate) fn push(&mut self, now: Instant) -> usize {
        self.count(now);
        self.times.push_back(now);
        self.times.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("valid time")
            .with_timezone(&Utc)
    }

    #[test]
    fn resets_are_next_utc_midnight_and_first_of_month() {
        let now = at("2026-12-31T23:59:59Z");
        assert_eq!(next_midnight(now), at("2027-01-01T00:00:00Z").timestamp());
        assert_eq!(
            next_month_start(now),
            at("2027-01-01T00:00:00Z").timestamp()
        );
        let now = at("2026-02-10T00:00:00Z");
        assert_eq!(next_midnight(now), at("2026-02-11T00:00:00Z").timestamp());
        assert_eq!(
            next_month_start(now),
            at("2026-03-01T00:00:00Z").timestamp()
        );
    }

    #[test]
    fn counters_roll_over_at_midnight_and_month_start() {
        let mut q = Quota::new(2, Some(3), at("2026-11-30T10:00:00Z"));
        assert_eq!(q.try_consume(at("2026-11-30T10:00:00Z")), Ok(()));
        assert_eq!(q.try_consume(at("2026-11-30T11:00:00Z")), Ok(()));
        assert_eq!(q.try_consume(at("2026-11-30T12:00:00Z")), Err(Spent::Daily));
        // A new day and a new month.
        assert_eq!(q.try_consume(at("2026-12-01T00:00:00Z")), Ok(()));
        assert_eq!(q.monthly_used, 1);
        assert_eq!(q.try_consume(at("2026-12-02T00:00:00Z")), Ok(()));
        assert_eq!(q.try_consume(at("2026-12-03T00:00:00Z")), Ok(()));
        assert_eq!(
            q.try_consume(at("2026-12-04T00:00:00Z")),
            Err(Spent::Monthly)
        );
        let h = q.headers(at("2026-12-04T00:00:00Z"));
        assert_eq!((h.daily_limit, h.daily_remaining), (2, 2));
        assert_eq!(h.monthly.map(|m| (m.0, m.1)), Some((3, 0)));
    }

    #[test]
    fn window_counts_the_last_second() {
        let mut w = Window::default();
        let t0 = Instant::now();
        assert_eq!(w.push(t0), 1);
        assert_eq!(w.push(t0 + Duration::from_millis(500)), 2);
        assert_eq!(w.push(t0 + Duration::from_millis(999)), 3);
        assert_eq!(w.push(t0 + Duration::from_millis(1000)), 3);
        assert_eq!(w.count(t0 + Duration::from_millis(2000)), 0);
    }
}
