//! The sandbox's one clock: real UTC plus an offset the server owns, so tests can move the
//! server's time forward instead of waiting. It stamps records' creation and modification times,
//! rolls the quota and gives the `Date` header of every answer.
//!
//! Invariant: the offset only grows ([`Clock::advance`] takes no negative amount), so the clock
//! never runs backwards by its own doing; it is bounded by [`MAX_OFFSET`], so every time it
//! shows fits a `DateTime` and a four-digit year.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use axum::http::HeaderValue;
use chrono::{DateTime, TimeDelta, Utc};

/// The largest offset: about 100 years, in microseconds.
pub(crate) const MAX_OFFSET: i64 = 100 * 366 * 86_400 * 1_000_000;

/// The server's time. Cloning shares the clock.
#[derive(Debug, Clone, Default)]
pub(crate) struct Clock {
    /// Microseconds added to real UTC; shared by every clone (the server task and the state).
    offset_us: Arc<AtomicI64>,
}

impl Clock {
    /// A clock `offset_us` microseconds ahead of real UTC (clamped to `0..=MAX_OFFSET`).
    pub(crate) fn with_offset(offset_us: i64) -> Clock {
        Clock {
            offset_us: Arc::new(AtomicI64::new(offset_us.clamp(0, MAX_OFFSET))),
        }
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        let offset = TimeDelta::microseconds(self.offset_us());
        Utc::now()
            .checked_add_signed(offset)
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// Microseconds ahead of real UTC.
    pub(crate) fn offset_us(&self) -> i64 {
        self.offset_us.load(Ordering::SeqCst)
    }

    /// Moves the clock forward by `by` (capped so the offset stays within [`MAX_OFFSET`]) and
    /// returns the new time.
    pub(crate) fn advance(&self, by: Duration) -> DateTime<Utc> {
        let by = i64::try_from(by.as_micros()).unwrap_or(MAX_OFFSET);
        let _ = self
            .offset_us
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |offset| {
                Some(offset.saturating_add(by).min(MAX_OFFSET))
            });
        self.now()
    }
}

/// `t` as an HTTP `Date` value: IMF-fixdate (RFC 7231 §7.1.1.1), whole seconds (truncated),
/// e.g. `Sun, 06 Dec 2026 07:30:44 GMT`.
pub(crate) fn http_date(t: DateTime<Utc>) -> String {
    // chrono's %a and %b are always the English abbreviations the format requires.
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// [`http_date`] as a header value.
pub(crate) fn date_header(t: DateTime<Utc>) -> HeaderValue {
    // Letters, digits, commas, colons and spaces only: always a valid header value.
    HeaderValue::from_str(&http_date(t)).unwrap_or(HeaderValue::from_static(""))
}

/// `t` as the control API and the data file show it: RFC 3339, microseconds, `Z`.
pub(crate) fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Parses how far to move the clock: a JSON number of seconds (`90`, `1.5`), or a string with a
/// unit: `500ms`, `90s`, `2m`, `1h`, `1d` (a bare number in a string is seconds). Not negative,
/// at most about 100 years.
pub(crate) fn parse_advance(value: &serde_json::Value) -> Result<Duration, String> {
    let usage = "\"advance\" must be a number of seconds or a string such as \"90s\", \"2m\", \"1h\", \"1d\", \"500ms\"";
    let (number, scale) = match value {
        serde_json::Value::Number(n) => (n.as_f64().ok_or(usage)?, 1.0),
        serde_json::Value::String(text) => {
            let t = text.trim();
            let units = [
                ("ms", 0.001),
                ("s", 1.0),
                ("m", 60.0),
                ("h", 3600.0),
                ("d", 86_400.0),
            ];
            let (digits, scale) = units
                .iter()
                .find_map(|(unit, scale)| t.strip_suffix(unit).map(|d| (d, *scale)))
                .unwrap_or((t, 1.0));
            let number = digits
                .trim()
                .parse::<f64>()
                .map_err(|_| usage.to_string())?;
            (number, scale)
        }
        _ => return Err(usage.into()),
    };
    let secs = number * scale;
    if !secs.is_finite() || secs < 0.0 {
        return Err(format!(
            "{usage}; the clock only moves forward (got {value})"
        ));
    }
    if secs > (MAX_OFFSET / 1_000_000) as f64 {
        return Err(format!("{usage}; at most about 100 years (got {value})"));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_date_header_is_imf_fixdate_in_whole_seconds() {
        let t = DateTime::parse_from_rfc3339("2026-12-06T07:30:44.987Z")
            .expect("valid")
            .with_timezone(&Utc);
        assert_eq!(http_date(t), "Sun, 06 Dec 2026 07:30:44 GMT");
        let t = DateTime::parse_from_rfc3339("2027-01-01T00:00:05Z")
            .expect("valid")
            .with_timezone(&Utc);
        assert_eq!(http_date(t), "Fri, 01 Jan 2027 00:00:05 GMT");
    }

    #[test]
    fn advances_parse() {
        let p = |v: serde_json::Value| parse_advance(&v);
        assert_eq!(p(json!(90)), Ok(Duration::from_secs(90)));
        assert_eq!(p(json!(1.5)), Ok(Duration::from_millis(1500)));
        assert_eq!(p(json!("90s")), Ok(Duration::from_secs(90)));
        assert_eq!(p(json!("2m")), Ok(Duration::from_secs(120)));
        assert_eq!(p(json!("1h")), Ok(Duration::from_secs(3600)));
        assert_eq!(p(json!("1d")), Ok(Duration::from_secs(86_400)));
        assert_eq!(p(json!("500ms")), Ok(Duration::from_millis(500)));
        assert_eq!(p(json!(" 61 ")), Ok(Duration::from_secs(61)));
        assert!(p(json!(-1)).is_err());
        assert!(p(json!("-2m")).is_err());
        assert!(p(json!("soon")).is_err());
        assert!(p(json!(null)).is_err());
        assert!(p(json!(1e12)).is_err());
    }

    #[test]
    fn the_clock_moves_forward_only_and_is_shared_by_clones() {
        let clock = Clock::default();
        let copy = clock.clone();
        let before = Utc::now();
        let after = clock.advance(Duration::from_secs(120));
        assert!(after >= before + TimeDelta::seconds(120));
        assert_eq!(copy.offset_us(), 120_000_000);
        assert!(copy.now() >= after);
        clock.advance(Duration::from_secs(u64::MAX));
        assert_eq!(clock.offset_us(), MAX_OFFSET);
        assert_eq!(Clock::with_offset(-5).offset_us(), 0);
    }
}
