//! Small pieces of HTTP the client uses: the limiter's pace, `Retry-After`, error texts with
//! their causes, percent-encoding, and answer bodies read within a bound. Tested here.
//!
//! Invariant: no answer body is held beyond its cap ([`ANSWER_CAP`], [`LIST_CAP`],
//! [`ERROR_CAP`]), counted after decompression, however large or endless it is.

use std::num::NonZeroU32;
use std::time::{Duration, SystemTime};

use governor::Quota as Rate;
use reqwest::header::{DATE, HeaderMap, RETRY_AFTER};

/// The limiter's pace: one request every 1/rate seconds plus 3 %, so that jitter on the way
/// (30 ms a second) cannot make the server see more than `rate` in one second; at `--rate 20`
/// that still sends 19.4 a second. A burst of a hundredth of a second's requests may go at once
/// (none below `--rate 200`): any one second then admits at most rate / 1.03 + rate / 100, 98 %
/// of the rate. Without it, at `--rate 100000` two requests 10 µs apart would wait for the
/// second, each wait a timer thread's round trip.
pub(super) fn pace(rate: NonZeroU32) -> Rate {
    let period = Duration::from_secs_f64(1.03 / f64::from(rate.get()));
    let burst = NonZeroU32::new(rate.get() / 100).unwrap_or(NonZeroU32::MIN);
    Rate::with_period(period)
        .unwrap_or_else(|| Rate::per_second(rate))
        .allow_burst(burst)
}

/// The longest `Retry-After` waited out. A throttle in front of OnTime asks for seconds; a
/// longer wait is an outage or a spent quota, and a run that sat in it would hold its customers
/// unreported for hours: the run stops instead (exit 3), and a rerun continues.
pub(super) const LONGEST_WAIT: Duration = Duration::from_secs(300);

/// `Retry-After` as seconds or an HTTP date in any of HTTP's three forms (IMF-fixdate such as
/// `Wed, 21 Oct 2026 07:28:00 GMT`, RFC 850, asctime). A date is measured from the answer's
/// `Date` header, the server's clock, when it has a readable one (a machine whose clock is off
/// would otherwise wait too long or not at all), else from this machine's clock; one in the
/// past is 0. Negative or unreadable is `None`, as if absent. Capped at a year, so that any
/// value gives a time that can be shown.
pub(super) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    const YEAR: Duration = Duration::from_secs(366 * 86_400);
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = text.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0)
            .then(|| Duration::from_secs_f64(secs.min(YEAR.as_secs_f64())));
    }
    let when = httpdate::parse_http_date(text).ok()?;
    let now = headers
        .get(DATE)
        .and_then(|date| httpdate::parse_http_date(date.to_str().ok()?).ok())
        .unwrap_or_else(SystemTime::now);
    let wait = when.duration_since(now).unwrap_or_default();
    Some(wait.min(YEAR))
}

/// The moment a wait of `wait` from now ends, RFC 3339 in UTC.
pub(super) fn after(wait: Duration) -> String {
    let wait = chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::zero());
    (chrono::Utc::now() + wait).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The most a customer answer (a record, a create's or an update's answer: a few KB) may hold.
pub(super) const ANSWER_CAP: usize = 1 << 20;
/// The most a list of customer IDs may hold: room for 100,000 IDs of 40 bytes, twice over.
pub(super) const LIST_CAP: usize = 8 << 20;
/// The most of an error's body kept (it is only shown, clipped); the rest is not read.
pub(super) const ERROR_CAP: usize = 64 << 10;

/// The cap on a successful answer to a request for `path`: a list for the customer listing
/// and lookups, a customer for anything else.
pub(super) fn answer_cap(path: &str) -> usize {
    if path == "api/customers" || path.starts_with("api/customers?") {
        LIST_CAP
    } else {
        ANSWER_CAP
    }
}

/// An answer's body, as far as it was read.
pub(super) struct Body {
    pub bytes: Vec<u8>,
    /// The body went on past the cap; `bytes` holds its first `cap` bytes.
    pub over: bool,
}

/// Reads `response`'s body, decompressed, up to `cap` bytes; past that, stops reading (the
/// connection is dropped with the response) and says so. A gzip bomb or an endless body so
/// costs `cap` bytes, not all the memory the machine has.
pub(super) async fn read_capped(
    response: &mut reqwest::Response,
    cap: usize,
) -> Result<Body, reqwest::Error> {
    let hint = response.content_length().unwrap_or(0);
    let mut bytes = Vec::with_capacity(usize::try_from(hint).unwrap_or(cap).min(cap));
    while let Some(chunk) = response.chunk().await? {
        let room = cap - bytes.len();
        if chunk.len() > room {
            bytes.extend_from_slice(&chunk[..room]);
            return Ok(Body { bytes, over: true });
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Body { bytes, over: false })
}

/// A number of bytes as people read it: `1 MiB`, `64 KiB`.
pub(super) fn size(bytes: usize) -> String {
    if bytes >= 1 << 20 {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{} KiB", bytes >> 10)
    }
}

/// A reqwest error with its causes, which its own text leaves out.
pub(super) fn describe(error: &reqwest::Error) -> String {
    let mut text = if error.is_timeout() {
        "timed out waiting for the answer".to_string()
    } else {
        error.to_string()
    };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

pub(super) fn clip(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(500) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// Percent-encodes a path segment or query value.
pub(crate) fn escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::RateLimiter;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "2".parse().expect("header"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(2)));
        headers.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().expect("header"),
        );
        assert_eq!(retry_after(&headers), Some(Duration::ZERO));
        headers.insert(RETRY_AFTER, "soon".parse().expect("header"));
        assert_eq!(retry_after(&headers), None);
        headers.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2026 25:28:00 GMT".parse().expect("header"),
        );
        assert_eq!(retry_after(&headers), None);
        headers.insert(RETRY_AFTER, "-5".parse().expect("header"));
        assert_eq!(retry_after(&headers), None);
        headers.insert(RETRY_AFTER, "1e300".parse().expect("header"));
        assert_eq!(
            retry_after(&headers),
            Some(Duration::from_secs(366 * 86_400))
        );
    }

    /// Each of HTTP's three date forms, measured from the answer's `Date` (the server's clock,
    /// here six years behind this machine's).
    #[test]
    fn retry_after_dates_count_from_the_servers_clock() {
        for date in [
            "Wed, 21 Oct 2020 07:38:00 GMT",
            "Wednesday, 21-Oct-20 07:38:00 GMT",
            "Wed Oct 21 07:38:00 2020",
        ] {
            let mut headers = HeaderMap::new();
            headers.insert(RETRY_AFTER, date.parse().expect("header"));
            headers.insert(
                DATE,
                "Wed, 21 Oct 2020 07:28:00 GMT".parse().expect("header"),
            );
            assert_eq!(
                retry_after(&headers),
                Some(Duration::from_secs(600)),
                "{date}"
            );
        }
        let mut headers = HeaderMap::new();
        let soon = SystemTime::now() + Duration::from_secs(3600);
        headers.insert(
            RETRY_AFTER,
            httpdate::fmt_http_date(soon).parse().expect("header"),
        );
        headers.insert(DATE, "garbled".parse().expect("header"));
        let wait = retry_after(&headers).expect("a date");
        assert!((3590..=3600).contains(&wait.as_secs()), "{wait:?}");
    }

    #[test]
    fn pace_never_exceeds_the_rate() {
        let clock = governor::clock::FakeRelativeClock::default();
        let limiter = RateLimiter::direct_with_clock(
            pace(NonZeroU32::new(20).expect("20 > 0")),
            clock.clone(),
        );
        let mut sent = 0;
        // One simulated second in 1 ms steps: at most 20 requests get through.
        for _ in 0..1000 {
            if limiter.check().is_ok() {
                sent += 1;
            }
            clock.advance(Duration::from_millis(1));
        }
        assert!((19..=20).contains(&sent), "{sent}");
    }

    /// Admissions taken as fast as the limiter gives them, over three simulated seconds in
    /// 100 µs steps: no one-second window holds more than `rate`, and a burst is allowed only
    /// from `--rate 200`.
    #[test]
    fn no_second_admits_more_than_the_rate_bursts_included() {
        for rate in [1, 20, 199, 200, 1000, 100_000] {
            let clock = governor::clock::FakeRelativeClock::default();
            let limiter = RateLimiter::direct_with_clock(
                pace(NonZeroU32::new(rate).expect("rate > 0")),
                clock.clone(),
            );
            let mut admitted = Vec::new();
            let step = Duration::from_micros(100);
            for tick in 0..30_000u64 {
                while limiter.check().is_ok() {
                    admitted.push(tick);
                }
                clock.advance(step);
            }
            // Ticks are 100 µs: a one-second window spans 10,000 of them.
            let most = (0..admitted.len())
                .map(|i| admitted[i..].partition_point(|&t| t < admitted[i] + 10_000))
                .max()
                .unwrap_or(0);
            assert!(most as u32 <= rate, "rate {rate}: {most} in one second");
            let first_tick = admitted.partition_point(|&t| t == 0);
            assert_eq!(first_tick as u32, (rate / 100).max(1), "rate {rate}: burst");
        }
    }

    #[test]
    fn company_ids_are_escaped() {
        assert_eq!(escape("acme co/x"), "acme%20co%2Fx");
        assert_eq!(escape("acme-1"), "acme-1");
    }
}
