//! The nightly-sync safety net (issue 15): the run history, undo, `--mode`,
//! `--deactivate-missing` and its guard, and failed customers retried by the next run. The real binary against the sandbox, counting the
//! posts it saw.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod deactivate;
mod history;
mod modes;
mod retry;
mod undo;

use crate::upload::Env;
use crate::util::Run;

/// The report's lines whose status is `status`.
fn with_status(report: &[String], status: &str) -> Vec<String> {
    report
        .iter()
        .filter(|l| l.split(',').nth(1) == Some(status))
        .cloned()
        .collect()
}

/// Runs `ontime-import SUB…` (an undo) against the sandbox and ledger of `e`.
async fn command(e: &Env, sub: &[&str]) -> Run {
    let base = e.sb.base_url();
    let state = e.work.path("ledger.db").display().to_string();
    let mut args: Vec<&str> = sub.to_vec();
    args.extend(["--base-url", &base, "--company-id", e.sb.company_id()]);
    args.extend(["--state", &state, "--rate", "500", "--timeout", "0.3"]);
    e.work.run_async(&args, &[("ONTIME_API_KEY", &e.key)]).await
}

/// `ontime-import runs EXTRA… --state ledger.db`.
fn runs(e: &Env, extra: &[&str]) -> Run {
    let state = e.work.path("ledger.db").display().to_string();
    let mut args = vec!["runs"];
    args.extend(extra);
    args.extend(["--state", &state]);
    e.work.run(&args)
}
