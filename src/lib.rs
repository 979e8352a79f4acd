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
//! mapping), [`export`] (every OnTime customer to a file), [`manual`] (completions, man page),
//! [`logging`]. The OnTime contract (field
//! catalogue, rules, JSON writer) is the `ontime-api` crate; the local OnTime API is the
//! `ontime-sandbox` crate.

#![warn(unreachable_pub)]

pub mod cli;
mod error;
mod errors_file;
mod export;
mod group;
mod init;
mod inspect;
pub mod ledger;
mod logging;
mod manual;
pub mod mapping;
mod pipeline;
pub mod read;
mod report;
mod runs;
mod settings;
mod summary;
mod undo;
mod upload;

use std::process::ExitCode;

use error::RunError;
use settings::Settings;

/// Runs the command line and returns the process exit code.
pub fn run(cli: cli::Cli) -> ExitCode {
    let result = match cli.command {
        Some(cli::Command::Sandbox(args)) => return ontime_sandbox::serve_cli(args),
        Some(cli::Command::Completions(args)) => return manual::completions(args.shell),
        Some(cli::Command::Manpage) => return manual::manpage(),
        Some(cli::Command::Inspect(args)) => inspect::run(&args).map(|()| 0),
        Some(cli::Command::Init(args)) => init::run(&args).map(|()| 0),
        Some(cli::Command::Runs(args)) => runs::run(&args),
        Some(cli::Command::Undo(args)) => undo::run(args),
        Some(cli::Command::Export(args)) => export::run(args),
        None => import(cli.import),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            error.print();
            ExitCode::from(error.exit_code())
        }
    }
}

/// The import: settings validated, then the pipeline on a runtime; the summary's exit code.
fn import(args: cli::ImportArgs) -> Result<u8, RunError> {
    logging::init(args.log.verbose, args.log.quiet, args.log.log_format);
    let settings = Settings::from_args(args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(RunError::Runtime)?;
    // The import runs on this thread (in `block_on`), not as a task on the workers: tried as a
    // task, a run of 10,000 customers took twice as long for no less CPU.
    let summary = runtime.block_on(pipeline::import(settings))?;
    Ok(summary.exit_code())
}
