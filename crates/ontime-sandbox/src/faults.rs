//! Fault injection: the random fault rates, the faults scripted per account number, and the one
//! decision made for each request.
//!
//! Invariant: every API request that passes the gate draws exactly one number from the seeded
//! generator, whatever the rates are, so a given seed and request order always give the same
//! faults (changing the rates at run time does not shift the stream).

use std::time::Duration;

use rand::Rng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

/// Fault settings of a running sandbox. Rates are probabilities per API request, in `0..=1`, and
/// add up to at most 1. In JSON, durations are whole milliseconds (`slow_delay_ms`, `latency_ms`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Answer 500 without processing the request.
    pub error_rate: f64,
    /// Process the request (store the record), then close the connection without answering.
    pub drop_after_store_rate: f64,
    /// Process the request (store the record), then answer only after `slow_delay`.
    pub slow_after_store_rate: f64,
    /// How long a slow answer is held back; longer than a client's timeout by default.
    #[serde(rename = "slow_delay_ms", with = "millis")]
    pub slow_delay: Duration,
    /// Added before every API request is handled.
    #[serde(rename = "latency_ms", with = "millis")]
    pub latency: Duration,
    /// Faults for posts of given account numbers; checked before the random rates' outcome for
    /// posts that got through them.
    pub scripted: Vec<ScriptedFault>,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            error_rate: 0.0,
            drop_after_store_rate: 0.0,
            slow_after_store_rate: 0.0,
            slow_delay: Duration::from_secs(60),
            latency: Duration::ZERO,
            scripted: Vec::new(),
        }
    }
}

/// "The next `times` posts for customer `account_number` get `kind`." A post matches through the
/// customer's `AccountNumber`: the body's for `customer/post`, the parent customer's for
/// `department/post` and `contact/post`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptedFault {
    pub account_number: String,
    pub kind: FaultKind,
    pub times: u32,
}

/// What a fault does to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// 500 before anything is stored.
    Error500,
    /// Stored, then the connection is closed without an answer.
    DropAfterStore,
    /// Stored, then answered after `slow_delay`.
    SlowAfterStore,
    /// 429 with `Retry-After: 1` (as a proxy's throttle would), nothing stored.
    RetryAfter429,
}

/// The random outcome for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Draw {
    Pass,
    Fault(FaultKind),
}

impl Faults {
    /// Checks the rates: each in `0..=1`, together at most 1.
    pub fn validate(&self) -> Result<(), String> {
        let rates = [
            ("error_rate", self.error_rate),
            ("drop_after_store_rate", self.drop_after_store_rate),
            ("slow_after_store_rate", self.slow_after_store_rate),
        ];
        for (name, rate) in rates {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} must be between 0 and 1, got {rate}"));
            }
        }
        let sum: f64 = rates.iter().map(|(_, r)| r).sum();
        if sum > 1.0 + 1e-9 {
            return Err(format!("the fault rates add up to {sum}, more than 1"));
        }
        Ok(())
    }

    /// Draws the random fault for one request: always exactly one number from `rng`.
    pub fn draw(&self, rng: &mut StdRng) -> Draw {
        let x: f64 = rng.random();
        let mut edge = self.error_rate;
        if x < edge {
            return Draw::Fault(FaultKind::Error500);
        }
        edge += self.drop_after_store_rate;
        if x < edge {
            return Draw::Fault(FaultKind::DropAfterStore);
        }
        edge += self.slow_after_store_rate;
        if x < edge {
            return Draw::Fault(FaultKind::SlowAfterStore);
        }
        Draw::Pass
    }

    /// Takes one use of the first scripted fault for `account_number`, if any is left.
    pub fn take_scripted(&mut self, account_number: &str) -> Option<FaultKind> {
        let at = self
            .scripted
            .iter()
            .position(|f| f.account_number == account_number && f.times > 0)?;
        let fault = &mut self.scripted[at];
        fault.times -= 1;
        let kind = fault.kind;
        if fault.times == 0 {
            self.scripted.remove(at);
        }
        Some(kind)
    }
}

/// Parses `ACCOUNT:KIND[:TIMES]` (the `--fault` option). KIND is `500`, `drop`, `slow` or `429`;
/// TIMES defaults to 1. With TIMES given, the account number may itself contain colons.
pub fn parse_scripted(text: &str) -> Result<ScriptedFault, String> {
    let usage = "expected ACCOUNT:KIND[:TIMES], KIND one of 500, drop, slow, 429";
    let parts: Vec<&str> = text.rsplitn(3, ':').collect();
    let (account, kind, times) = match parts.as_slice() {
        [times, kind, account] => (*account, *kind, *times),
        [kind, account] => (*account, *kind, "1"),
        _ => return Err(format!("\"{text}\": {usage}")),
    };
    let kind = match kind.to_ascii_lowercase().as_str() {
        "500" | "error" | "error500" => FaultKind::Error500,
        "drop" | "drop_after_store" => FaultKind::DropAfterStore,
        "slow" | "slow_after_store" => FaultKind::SlowAfterStore,
        "429" | "retry_after_429" => FaultKind::RetryAfter429,
        other => {
            return Err(format!(
                "\"{text}\": unknown fault kind \"{other}\"; {usage}"
            ));
        }
    };
    let times = times
        .parse::<u32>()
        .map_err(|_| format!("\"{text}\": TIMES must be a whole number; {usage}"))?;
    if account.is_empty() {
        return Err(format!("\"{text}\": the account number is empty; {usage}"));
    }
    Ok(ScriptedFault {
        account_number: account.to_string(),
        kind,
        times,
    })
}

/// Durations as whole milliseconds in JSON.
mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}
