//! The nightly run's requests (issue 16, part 2): a changed customer whose record the ledger
//! holds as OnTime last answered it is posted in one request, unless OnTime's change queries
//! show that someone else edited it — between runs, after the tool's post in the previous run,
//! or during this run before the tool reaches it — and then it is read first and the edit kept.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod edits;
mod requests;

use crate::upload::customers_csv;

/// `customers_csv(n)` with new e-mail addresses for `changed` (account numbers).
fn with_new_emails(n: usize, changed: &[usize]) -> String {
    customers_csv(n)
        .lines()
        .map(|line| {
            let acct: usize = line.split(',').next().unwrap().parse().unwrap_or(0);
            if changed.contains(&acct) {
                format!("{}\n", line.replace("@x.com", "@new.example"))
            } else {
                format!("{line}\n")
            }
        })
        .collect()
}
