//! `ontime-import`: customers from CSV and Excel spreadsheets into OnTime 360.
//!
//! # Layout
//! The modules are the pipeline, in the order data flows:
//! - [`read`]: CSV and workbook files → rows of typed cells with their spreadsheet row numbers.
//! - [`mapping`]: the mapping file → which column feeds which OnTime field; cell conversion.
//! - [`group`]: rows → Customer drafts with their Departments and Contacts, validated.
//! - `upload`: drafts → OnTime, rate-limited, retried, never duplicated.
//! - [`report`]: every row's outcome → the report CSV, in input order.
//!
//! Beside them: [`cli`] (raw arguments), [`model`] (the OnTime record catalog), `ledger`
//! (what was sent, for reruns) and [`sandbox`] (a local OnTime API).

pub mod cli;
pub mod model;
pub mod read;
pub mod sandbox;

use std::process::ExitCode;

/// Runs the command line and returns the process exit code.
pub fn run(cli: cli::Cli) -> ExitCode {
    match cli.command {
        Some(cli::Command::Sandbox(args)) => sandbox::serve_cli(args),
        None => ExitCode::SUCCESS,
    }
}
