//! The end of a run in figures: counts by status, requests spent, quota left, why it stopped,
//! elapsed time, the report path; printed on stderr and, with `--summary-json`, written as JSON
//! for schedulers.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use crate::logging::shown;
use crate::report::{Report, Status};
use crate::upload::{Outcome, Stop};

/// What the run did, in figures.
#[derive(Debug, Serialize)]
pub(crate) struct Summary {
    pub rows: u64,
    pub customers: u64,
    /// Rows by status, zeros left out.
    pub statuses: std::collections::BTreeMap<&'static str, u64>,
    pub requests: u64,
    pub requests_per_customer: Option<f64>,
    /// Requests by what they were for (`list`, `lookup`, `read`, `create`, `update`,
    /// `children`); kinds not sent left out.
    pub requests_by_kind: std::collections::BTreeMap<&'static str, u64>,
    pub quota_remaining_daily: Option<u64>,
    pub quota_remaining_monthly: Option<u64>,
    pub quota_reset_daily: Option<String>,
    pub stopped: Option<Stop>,
    /// What the user must hear of besides the figures (customers that appeared from elsewhere
    /// while this run created into an empty account), also printed after the summary.
    pub warnings: Vec<String>,
    pub elapsed_seconds: f64,
    pub report: PathBuf,
    pub exit_code: u8,
}

impl Summary {
    /// `customers` is (all the customers the rows name, the valid ones).
    pub(crate) fn new(
        report: &Report,
        customers: (u64, u64),
        outcome: Outcome,
        elapsed: Duration,
    ) -> Summary {
        let (customers, valid) = customers;
        let statuses = report
            .counts()
            .into_iter()
            .map(|(s, n)| (s.as_str(), n))
            .collect();
        let trouble = report.count(Status::Invalid) + report.count(Status::Failed) > 0;
        // A quota that the run's last answer shows spent left nothing undone: that is no stop.
        let stop = outcome.stop.filter(|stop| {
            !matches!(stop, Stop::Quota { .. }) || report.count(Status::NotSent) > 0
        });
        let exit_code = match &stop {
            Some(stop) => stop.exit_code(),
            None if trouble => 1,
            None => 0,
        };
        Summary {
            rows: report.len() as u64,
            customers,
            statuses,
            requests: outcome.requests,
            requests_per_customer: (valid > 0 && outcome.requests > 0)
                .then(|| outcome.requests as f64 / valid as f64),
            requests_by_kind: outcome.requests_by_kind,
            quota_remaining_daily: outcome.quota.daily_remaining,
            quota_remaining_monthly: outcome.quota.monthly_remaining,
            quota_reset_daily: outcome.quota.daily_reset.clone(),
            stopped: stop,
            warnings: outcome.warnings,
            elapsed_seconds: elapsed.as_secs_f64(),
            report: report.path().to_path_buf(),
            exit_code,
        }
    }

    pub(crate) fn exit_code(&self) -> u8 {
        self.exit_code
    }

    /// The human summary, on stderr.
    pub(crate) fn print(&self) {
        let counts: Vec<String> = Status::ALL
            .iter()
            .filter_map(|s| {
                self.statuses
                    .get(s.as_str())
                    .map(|n| format!("{n} {}", s.as_str()))
            })
            .collect();
        let counts = if counts.is_empty() {
            "no rows".to_string()
        } else {
            counts.join(", ")
        };
        let plural = |n: u64, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        eprintln!(
            "{}, {}: {counts}",
            plural(self.rows, "row"),
            plural(self.customers, "customer")
        );
        if self.requests > 0 || self.quota_remaining_daily.is_some() {
            let mut line = format!("requests sent: {}", self.requests);
            if let Some(per) = self.requests_per_customer {
                line.push_str(&format!(" ({per:.2} per customer)"));
            }
            if !self.requests_by_kind.is_empty() {
                // In the order a customer meets them.
                let kinds: Vec<String> = ["list", "lookup", "read", "create", "update", "children"]
                    .iter()
                    .filter_map(|kind| {
                        let n = self.requests_by_kind.get(kind)?;
                        Some(format!("{kind} {n}"))
                    })
                    .collect();
                line.push_str(&format!(": {}", kinds.join(", ")));
            }
            if let Some(left) = self.quota_remaining_daily {
                line.push_str(&format!("; daily quota left: {left}"));
                if let Some(reset) = &self.quota_reset_daily {
                    line.push_str(&format!(" (resets {reset})"));
                }
            }
            if let Some(left) = self.quota_remaining_monthly {
                line.push_str(&format!("; monthly quota left: {left}"));
            }
            eprintln!("{line}");
        }
        if let Some(stop) = &self.stopped {
            let message = stop.message();
            eprintln!(
                "stopped early: {}",
                shown(message.trim_start_matches("not sent: "))
            );
        }
        eprintln!(
            "elapsed: {:.1} s; report: {}",
            self.elapsed_seconds,
            shown(&self.report.display().to_string())
        );
    }

    /// Writes the JSON through a temporary file renamed into place: a reader never sees half
    /// of it, and a failed write leaves the previous run's file as it was.
    pub(crate) fn write_json(&self, path: &Path) -> std::io::Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        crate::report::write_atomically(path, (text + "\n").as_bytes())
    }

    /// Marks the run as stopped by an output that could not be written (exit 3), unless it
    /// already stopped for another reason.
    pub(crate) fn output_failed(&mut self, message: String) {
        if self.stopped.is_none() {
            self.stopped = Some(Stop::Output { message });
        }
        // 2 and 130 say more (a stop before the start, an interruption): they stay.
        if matches!(self.exit_code, 0 | 1) {
            self.exit_code = 3;
        }
    }
}
