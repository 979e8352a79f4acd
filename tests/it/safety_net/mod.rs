//! The nightly-sync safety net (issue 15): `--mode`, `--deactivate-missing` and its guard, and
//! failed customers retried by the next run. The real binary against the sandbox, counting the
//! posts it saw.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod deactivate;
mod modes;
mod retry;

/// The report's lines whose status is `status`.
fn with_status(report: &[String], status: &str) -> Vec<String> {
    report
        .iter()
        .filter(|l| l.split(',').nth(1) == Some(status))
        .cloned()
        .collect()
}
