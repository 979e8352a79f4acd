//! The nightly run's requests (issue 16, part 2): a changed customer whose record the ledger
//! holds as OnTime last answered it is posted in one request, unless OnTime's change queries
//! show that someone else edited it — between runs, after the tool's post in the previous run,
//! or during this run before the tool reaches it — and then it is read first and the edit kept.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod edits;
mod requests;
