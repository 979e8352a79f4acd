//! The uploader against servers that are not our sandbox: a hand-made proxy in front of the real
//! sandbox forwards each request, or answers in its place, and can change what comes back —
//! status, headers, body, casing, encoding, a cut connection, no answer at all. The sandbox
//! keeps the truth (what was stored, and how often), so every test checks that nothing was
//! duplicated or lost and that every row is reported once with an honest status.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod answers;
mod bodies;
mod echoes;
mod limits;
mod lying_ids;
mod proxy;
mod signals;
mod transport;

use std::collections::BTreeMap;

use ontime_sandbox::{self as sandbox, Sandbox, SandboxConfig};

use crate::upload::customers_csv;
use crate::util::{Run, SIMPLE_MAPPING, Work, brief};
pub use proxy::{Act, Answer, Proxy, Reply, Seen};

/// A sandbox, the proxy in front of it, and a work folder.
pub struct Odd {
    pub sb: Sandbox,
    pub proxy: proxy::Proxy,
    pub work: Work,
}

impl Odd {
    /// A sandbox behind a proxy that applies `rule` to every request.
    pub async fn new(rule: impl Fn(&Seen) -> Act + Send + Sync + 'static) -> Odd {
        Odd::with(SandboxConfig::default(), rule).await
    }

    /// The same, with a sandbox started with `config`.
    pub async fn with(
        config: SandboxConfig,
        rule: impl Fn(&Seen) -> Act + Send + Sync + 'static,
    ) -> Odd {
        let sb = sandbox::start(config).await.unwrap();
        let proxy = proxy::Proxy::start(&sb.base_url(), rule).await;
        Odd {
            sb,
            proxy,
            work: Work::new(),
        }
    }

    /// Imports `n` customers (accounts 1001..) through the proxy, then `extra` arguments.
    pub async fn import(&self, n: usize, extra: &[&str]) -> Run {
        self.work.write("in.csv", customers_csv(n));
        self.work.write("m.toml", SIMPLE_MAPPING);
        self.rerun(extra).await
    }

    /// Runs the import of the input already written.
    pub async fn rerun(&self, extra: &[&str]) -> Run {
        let ledger = self.work.path("ledger.db").display().to_string();
        let mut args = vec!["in.csv", "-m", "m.toml"];
        if !extra.contains(&"--base-url") {
            args.extend(["--base-url", self.proxy.base()]);
        }
        args.extend(["--company-id", self.sb.company_id(), "--state", &ledger]);
        for pair in [["--rate", "500"], ["--timeout", "2"], ["--retries", "2"]] {
            if !extra.contains(&pair[0]) {
                args.extend(pair);
            }
        }
        args.extend(extra);
        let key = self.sb.api_key().to_string();
        self.work
            .run_async(&args, &[("ONTIME_API_KEY", key.as_str())])
            .await
    }

    /// `row,status,key,message` of every report line.
    pub fn report(&self) -> Vec<String> {
        brief(&self.work.report("in.csv.report.csv"))
    }

    /// The report's customer_id column.
    pub fn ids(&self) -> Vec<String> {
        self.work.report("in.csv.report.csv")[1..]
            .iter()
            .map(|r| r[4].clone())
            .collect()
    }

    /// How many stored customers hold each account number.
    pub fn stored(&self) -> BTreeMap<String, usize> {
        let mut seen = BTreeMap::new();
        for c in self.sb.customers() {
            let acct = c["AccountNumber"].as_str().unwrap_or("").to_string();
            *seen.entry(acct).or_insert(0) += 1;
        }
        seen
    }

    /// Asserts the sandbox holds accounts 1001..1001+n exactly once each.
    pub fn assert_stored_once(&self, n: usize) {
        let want: BTreeMap<String, usize> = (0..n).map(|i| ((1001 + i).to_string(), 1)).collect();
        assert_eq!(self.stored(), want);
    }

    /// `METHOD target` of every request the proxy saw, in order.
    pub fn seen(&self) -> Vec<String> {
        self.proxy.seen()
    }

    /// How many of the requests seen start with `prefix` (`POST`, `GET api/customers?`).
    pub fn seen_count(&self, prefix: &str) -> usize {
        self.seen().iter().filter(|s| s.starts_with(prefix)).count()
    }
}

/// The report's statuses in row order.
pub fn statuses(report: &[String]) -> Vec<String> {
    report
        .iter()
        .map(|l| l.split(',').nth(1).unwrap_or("").to_string())
        .collect()
}
