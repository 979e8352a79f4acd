//! `ontime-import`: customers from CSV and Excel spreadsheets into OnTime 360.
//!
//! # Layout
//! [`pipeline`] wires the stages, in the order data flows:
//! - [`read`]: CSV and workbook files → rows of typed cells with their spreadsheet row numbers.
//! - [`mapping`]: the mapping file → which column feeds which OnTime field; cell conversion.
//! - [`group`]: rows → customers (`ontime_api::CustomerDraft`) with their Departments and
//!   Contacts, validated.
//! - [`upload`]: customers → OnTime, rate-limited, retried, never duplicated; [`ledger`] keeps
//!   what was sent, for reruns.
//! - [`report`]: every row's outcome → the report, in input order; [`errors_file`] the rows to
//!   fix; [`summary`] the end-of-run figures.
//!
//! Beside them: [`cli`] (raw arguments), [`settings`] (validated), [`error`] (why a run could
//! not start, and its exit code), [`inspect`] and [`init`] (a new file's contents, a starter
//! mapping), [`manual`] (completions, man page), [`logging`]. The OnTime contract (field
//! catalogue, rules, JSON writer) is the `ontime-api` crate; the local OnTime API is the
//! `ontime-sandbox` crate.

pub mod cli;
pub mod error;
pub mod errors_file;
pub mod group;
pub mod init;
pub mod inspect;
pub mod ledger;
pub mod logging;
pub mod manual;
pub mod mapping;
pub mod pipeline;
pub mod read;
pub mod report;
pub mod settings;
pub mod summary;
pub mod upload;

use std::process::ExitCode;

pub use error::{EXIT_START, RunError};
use settings::Settings;

/// Runs the command line and returns the process exit code.
pub fn run(cli: cli::Cli) -> ExitCode {
    match cli.command {
        Some(cli::Command::Sandbox(args)) => return ontime_sandbox::serve_cli(args),
        Some(cli::Command::Inspect(args)) => return inspect::run(&args),
        Some(cli::Command::Init(args)) => return init::run(&args),
        Some(cli::Command::Completions(args)) => return manual::completions(args.shell),
        Some(cli::Command::Manpage) => return manual::manpage(),
        None => {}
    }
    logging::init(cli.import.verbose, cli.import.quiet, cli.import.log_format);
    let result = Settings::from_args(cli.import)
        .map_err(RunError::from)
        .and_then(|settings| {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .map_err(RunError::Runtime)?;
            // The import runs on this thread (in `block_on`), not as a task on the workers:
            // tried as a task, a run of 10,000 customers took twice as long for no less CPU.
            runtime.block_on(pipeline::import(settings))
        });
    match result {
        Ok(summary) => ExitCode::from(summary.exit_code()),
        Err(error) => {
            eprintln!("error: {}", logging::shown(&error.to_string()));
            ExitCode::from(error.exit_code())
        }
    }
}
