//! The sandbox's options: [`SandboxArgs`] as clap parses them, and the validated
//! [`SandboxConfig`] a server is started with (also built directly by tests and `--sandbox`).
//!
//! Invariant: a `SandboxConfig` that came out of [`SandboxArgs::into_config`] has fault rates in
//! range and non-empty keys; [`super::start`] checks the same for hand-built configs.

use std::path::PathBuf;
use std::time::Duration;

use super::faults::{Faults, ScriptedFault, parse_scripted};

/// Paid plans: requests per 24 hours (vendor knowledge base).
pub const PAID_DAILY_LIMIT: u64 = 86_400;
/// Grow and Enterprise plans: requests per calendar month.
pub const PAID_MONTHLY_LIMIT: u64 = 100_000;

/// Connections served at once by default: well under the usual limit of 1,024 open files.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;

/// Options of `ontime-import sandbox`.
#[derive(Debug, Clone, clap::Args)]
pub struct SandboxArgs {
    /// Port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value = "0")]
    pub port: u16,

    /// The company id: the API is served under /sites/{ID}/.
    #[arg(long, default_value = "sandbox", value_name = "ID")]
    pub company_id: String,

    /// The API key clients must send in the Authorization header.
    #[arg(long, default_value = "sandbox-key", value_name = "KEY")]
    pub api_key: String,

    /// A second key that may read but not post (posts answer 403).
    #[arg(long, value_name = "KEY")]
    pub readonly_key: Option<String>,

    /// A key with no permission at all, as a fresh key is (every request answers 403).
    #[arg(long, value_name = "KEY")]
    pub denied_key: Option<String>,

    /// Keep the records (and the quota counters) in this JSON file between runs. Written
    /// atomically, shortly after changes and on exit.
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,

    /// Requests per day (UTC) before 429.
    #[arg(long, default_value_t = PAID_DAILY_LIMIT, value_name = "N")]
    pub daily_limit: u64,

    /// Requests per calendar month (UTC) before 429, or `none` for no monthly limit.
    #[arg(long, default_value = "100000", value_name = "N|none", value_parser = parse_limit)]
    pub monthly_limit: Limit,

    /// Answer 429 with `Retry-After: 1` to requests beyond N within any one second (a proxy's
    /// throttle; the real service documents none).
    #[arg(long, value_name = "N")]
    pub max_per_second: Option<u32>,

    /// Seed of the fault generator: the same seed and request order give the same faults.
    #[arg(long, default_value = "0", value_name = "N")]
    pub seed: u64,

    /// Fraction of API requests answered 500 before anything is stored (0 to 1).
    #[arg(long, default_value = "0", value_name = "RATE")]
    pub error_rate: f64,

    /// Fraction of API requests processed (record stored), then the connection closed unanswered.
    #[arg(long, default_value = "0", value_name = "RATE")]
    pub drop_rate: f64,

    /// Fraction of API requests processed (record stored), then answered after --slow-delay.
    #[arg(long, default_value = "0", value_name = "RATE")]
    pub slow_rate: f64,

    /// How long a slow answer is held back: `60`, `1.5`, `300ms`.
    #[arg(long, default_value = "60", value_name = "DURATION", value_parser = parse_duration)]
    pub slow_delay: Duration,

    /// Fixed delay added before every API request is handled: `0`, `0.05`, `50ms`.
    #[arg(long, default_value = "0", value_name = "DURATION", value_parser = parse_duration)]
    pub latency: Duration,

    /// Connections served at once; more wait until one ends.
    #[arg(long, default_value_t = DEFAULT_MAX_CONNECTIONS, value_name = "N")]
    pub max_connections: usize,

    /// The time a request's headers, and then its body, may take to arrive before the answer is
    /// 408 and the connection is closed: `10`, `1.5`, `300ms`.
    #[arg(long, default_value = "10", value_name = "DURATION", value_parser = parse_duration)]
    pub body_timeout: Duration,

    /// Scripted fault, repeatable: `ACCOUNT:KIND[:TIMES]`, KIND one of 500, drop, slow, 429.
    /// `--fault 1007:500:2` fails the first 2 posts for account 1007 with 500.
    #[arg(long = "fault", value_name = "ACCOUNT:KIND[:TIMES]", value_parser = parse_scripted)]
    pub faults: Vec<ScriptedFault>,
}

/// A monthly limit, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit(pub Option<u64>);

/// Parses a request limit: a whole number, or `none`.
pub fn parse_limit(text: &str) -> Result<Limit, String> {
    if text.eq_ignore_ascii_case("none") {
        return Ok(Limit(None));
    }
    text.parse::<u64>()
        .map(|n| Limit(Some(n)))
        .map_err(|_| format!("\"{text}\" is not a whole number or `none`"))
}

/// Parses a duration: seconds as a number (`1.5`), or with a unit (`300ms`, `2s`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let (number, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else {
        (t, 1.0)
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("\"{text}\" is not a duration (e.g. 1.5, 300ms, 2s)"))?;
    let secs = value * scale;
    if !secs.is_finite() || !(0.0..=86_400.0).contains(&secs) {
        return Err(format!("\"{text}\" is out of range (0 to 86400 s)"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Everything a sandbox server starts with.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Served under `/sites/{company_id}/`; any other company id answers 404.
    pub company_id: String,
    /// The key that may do everything.
    pub api_key: String,
    /// A key that may read but gets 403 on posts.
    pub readonly_key: Option<String>,
    /// A key that gets 403 on everything (a fresh key without permissions).
    pub denied_key: Option<String>,
    pub daily_limit: u64,
    pub monthly_limit: Option<u64>,
    /// A proxy's throttle: at most this many requests admitted within any one second.
    pub max_per_second: Option<u32>,
    pub faults: Faults,
    pub seed: u64,
    /// Where records are kept between runs; `None` keeps them in memory only.
    pub data_file: Option<PathBuf>,
    /// 0 = any free port.
    pub port: u16,
    /// Connections served at once; more wait in the listen queue until one ends.
    pub max_connections: usize,
    /// The time a request's headers, and then its body, may take to arrive (408 after it).
    pub body_timeout: Duration,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            company_id: "sandbox".into(),
            api_key: "sandbox-key".into(),
            readonly_key: None,
            denied_key: None,
            daily_limit: PAID_DAILY_LIMIT,
            monthly_limit: Some(PAID_MONTHLY_LIMIT),
            max_per_second: None,
            faults: Faults::default(),
            seed: 0,
            data_file: None,
            port: 0,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            body_timeout: Duration::from_secs(10),
        }
    }
}

impl SandboxConfig {
    /// Checks what clap cannot: fault rates, keys, the company id and the connection limits.
    pub fn validate(&self) -> Result<(), String> {
        self.faults.validate()?;
        if self.max_connections == 0 || self.body_timeout.is_zero() {
            return Err("--max-connections and --body-timeout must be above zero".into());
        }
        if self.company_id.is_empty() || self.company_id.contains('/') {
            return Err(format!("invalid company id \"{}\"", self.company_id));
        }
        let keys = [Some(&self.api_key), self.readonly_key.as_ref()];
        let keys = keys.into_iter().chain([self.denied_key.as_ref()]).flatten();
        for key in keys {
            if key.is_empty() || axum::http::HeaderValue::from_str(key).is_err() {
                return Err(format!("the key \"{key}\" cannot be sent in a header"));
            }
        }
        if self.readonly_key.as_ref() == Some(&self.api_key)
            || self.denied_key.as_ref() == Some(&self.api_key)
        {
            return Err("the read-only and denied keys must differ from --api-key".into());
        }
        Ok(())
    }
}

impl SandboxArgs {
    /// The validated configuration.
    pub fn into_config(self) -> Result<SandboxConfig, String> {
        let config = SandboxConfig {
            company_id: self.company_id,
            api_key: self.api_key,
            readonly_key: self.readonly_key,
            denied_key: self.denied_key,
            daily_limit: self.daily_limit,
            monthly_limit: self.monthly_limit.0,
            max_per_second: self.max_per_second,
            faults: Faults {
                error_rate: self.error_rate,
                drop_after_store_rate: self.drop_rate,
                slow_after_store_rate: self.slow_rate,
                slow_delay: self.slow_delay,
                latency: self.latency,
                scripted: self.faults,
            },
            seed: self.seed,
            data_file: self.data,
            port: self.port,
            max_connections: self.max_connections,
            body_timeout: self.body_timeout,
        };
        config.validate()?;
        Ok(config)
    }
}

/// The settings worth showing at startup, one per line.
pub(crate) fn describe(config: &SandboxConfig) -> Vec<String> {
    let monthly = config
        .monthly_limit
        .map_or("no monthly limit".to_string(), |n| format!("{n}/month"));
    let mut lines = vec![format!(
        "limits:     {}/day, {monthly}{}",
        config.daily_limit,
        config
            .max_per_second
            .map_or(String::new(), |n| format!(", throttle {n}/s"))
    )];
    if let Some(key) = &config.readonly_key {
        lines.push(format!("read-only key: {key}"));
    }
    if let Some(key) = &config.denied_key {
        lines.push(format!("denied key: {key}"));
    }
    if let Some(path) = &config.data_file {
        lines.push(format!("data file:  {}", path.display()));
    }
    let f = &config.faults;
    let any_fault = f.error_rate > 0.0
        || f.drop_after_store_rate > 0.0
        || f.slow_after_store_rate > 0.0
        || !f.latency.is_zero()
        || !f.scripted.is_empty();
    if any_fault {
        lines.push(format!(
            "faults:     500 {:.1}%, drop {:.1}%, slow {:.1}% ({} ms), latency {} ms, {} scripted, seed {}",
            f.error_rate * 100.0,
            f.drop_after_store_rate * 100.0,
            f.slow_after_store_rate * 100.0,
            f.slow_delay.as_millis(),
            f.latency.as_millis(),
            f.scripted.len(),
            config.seed
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faults::FaultKind;

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("300ms"), Ok(Duration::from_millis(300)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert!(parse_duration("-1").is_err());
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn limits_parse() {
        assert_eq!(parse_limit("none"), Ok(Limit(None)));
        assert_eq!(parse_limit("5000"), Ok(Limit(Some(5000))));
        assert!(parse_limit("lots").is_err());
    }

    #[test]
    fn scripted_faults_parse() {
        let f = parse_scripted("1007:500:2").expect("valid");
        assert_eq!(
            (f.account_number.as_str(), f.kind, f.times),
            ("1007", FaultKind::Error500, 2)
        );
        let f = parse_scripted("A:1:drop:3").expect("valid");
        assert_eq!(
            (f.account_number.as_str(), f.kind, f.times),
            ("A:1", FaultKind::DropAfterStore, 3)
        );
        let f = parse_scripted("9:slow").expect("valid");
        assert_eq!((f.kind, f.times), (FaultKind::SlowAfterStore, 1));
        assert!(parse_scripted("9:boom").is_err());
        assert!(parse_scripted("9").is_err());
        assert!(parse_scripted(":500:1").is_err());
    }

    #[test]
    fn rates_are_checked() {
        let mut config = SandboxConfig::default();
        assert_eq!(config.validate(), Ok(()));
        config.faults.error_rate = 0.7;
        config.faults.slow_after_store_rate = 0.5;
        assert!(config.validate().is_err());
        config.faults.slow_after_store_rate = 0.0;
        config.faults.drop_after_store_rate = -0.1;
        assert!(config.validate().is_err());
    }
}
