//! `ontime-import`: customers from CSV and Excel spreadsheets into OnTime 360.
//!
//! # Layout
//! The modules are the pipeline, in the order data flows:
//! - [`read`]: CSV and workbook files → rows of typed cells with their spreadsheet row numbers.
//! - [`mapping`]: the mapping file → which column feeds which OnTime field; cell conversion.
//! - [`group`]: rows → Customer drafts with their Departments and Contacts, validated.
//! - [`upload`]: drafts → OnTime, rate-limited, retried, never duplicated.
//! - [`report`]: every row's outcome → the report CSV, in input order.
//!
//! Beside them: [`errors_file`] (the invalid rows, to fix and re-import), [`cli`] (raw arguments), [`settings`] (validated), [`summary`] (the end-of-run figures), [`logging`], [`ledger`] (what was sent,
//! for reruns). The OnTime contract (field catalogue, rules, JSON writer) is the `ontime-api`
//! crate; the local OnTime API is the `ontime-sandbox` crate.

pub mod cli;
pub mod errors_file;
pub mod group;
pub mod ledger;
pub mod logging;
pub mod mapping;
pub mod read;
pub mod report;
pub mod settings;
pub mod summary;
pub mod upload;

use std::process::ExitCode;
use std::time::Instant;

use report::{Outcome, Report, Status};
use settings::{Mode, Settings};
use summary::{Stop, Summary};

/// Exit code: the run could not start.
pub const EXIT_START: u8 = 2;

/// Runs the command line and returns the process exit code.
pub fn run(cli: cli::Cli) -> ExitCode {
    if let Some(cli::Command::Sandbox(args)) = cli.command {
        return ontime_sandbox::serve_cli(args);
    }
    logging::init(cli.import.verbose, cli.import.quiet, cli.import.log_format);
    let settings = match Settings::from_args(cli.import) {
        Ok(settings) => settings,
        Err(error) => return fail(&error),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return fail(&error),
    };
    // The import runs on this thread (in `block_on`), not as a task on the two workers: tried
    // as a task, a run of 10,000 customers took longer (median 2.4 s against 1.2 s, alternated
    // runs on the loaded machine) for no less CPU.
    match runtime.block_on(import(settings)) {
        Ok(summary) => ExitCode::from(summary.exit_code()),
        Err(error) => fail(error.as_ref()),
    }
}

fn fail(error: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("error: {error}");
    ExitCode::from(EXIT_START)
}

/// The whole import: load and check the input, then send (or not), then sum up.
async fn import(settings: Settings) -> Result<Summary, Box<dyn std::error::Error + Send + Sync>> {
    let started = Instant::now();
    check_outputs(&settings)?;
    // The ledger's run lock comes before any output is touched: a run refused because another
    // holds the ledger must leave that run's report, errors file and summary as they are.
    let lock = lock_ledger(&settings)?;
    // Listening from the start, so a Ctrl-C while the input is read still ends the run cleanly;
    // a dry run sends nothing, so the default (end at once) is right for it.
    let interrupted = match settings.mode {
        Mode::DryRun => tokio_util::sync::CancellationToken::new(),
        _ => upload::listen_for_interrupts()?,
    };
    let mut report = Report::create(&settings.report)
        .map_err(|e| format!("cannot write the report {}: {e}", settings.report.display()))?;
    let target = match &settings.mode {
        Mode::Plan(target) | Mode::Upload(target) => Some(target.clone()),
        Mode::DryRun => None,
    };
    let loading = tokio::task::spawn_blocking(move || {
        let groups = group::load::load(&settings.input, &settings.mapping, &mut report);
        (settings, report, groups)
    });
    // The client and the ledger are set up while the input is read; an input that cannot be
    // read is the error shown, even when the setup failed too.
    let prepared = match &target {
        Some(target) => Some(upload::prepare(target, lock).await),
        None => None,
    };
    let (settings, report, groups) = loading.await?;
    let group::load::Loaded { groups, customers } = groups?;
    tracing::debug!(
        "input read: {} customers in {} ms",
        groups.len(),
        started.elapsed().as_millis()
    );
    let customers = (customers as u64, groups.len() as u64);
    let report = std::sync::Arc::new(std::sync::Mutex::new(report));
    let outcome = match &settings.mode {
        Mode::DryRun => {
            let mut report = report.lock().map_err(|_| "the report lock was poisoned")?;
            // `load` decided every row it did not put in a valid customer: the rows still open
            // are exactly the customers' rows. Deciding them in one sweep skips a walk through
            // a million rows' worth of scattered group vectors.
            debug_assert_eq!(
                report.len() - report.decided(),
                groups.iter().map(|g| g.rows.len()).sum::<usize>()
            );
            report.finish(&Outcome::new(Status::Valid, ""))?;
            // Nothing reads the drafts after this, and the process ends with the run: freeing
            // a million-row file's drafts one by one took a tenth of the dry run's time.
            std::mem::forget(groups);
            Ok(upload::Outcome::default())
        }
        Mode::Plan(target) | Mode::Upload(target) => {
            let intent = match settings.mode {
                Mode::Plan(_) => upload::Intent::Preview,
                _ => upload::Intent::Write,
            };
            let report = report.clone();
            match prepared {
                Some(Ok(prepared)) => {
                    upload::run(
                        &settings,
                        target,
                        prepared,
                        groups,
                        report,
                        intent,
                        interrupted,
                    )
                    .await
                }
                Some(Err(error)) => Err(error),
                None => Err("the run was not set up".into()),
            }
        }
    };
    let mut outcome = match outcome {
        Ok(outcome) => outcome,
        Err(error) => {
            // Nothing was sent: the report still lists every row, then the run fails to start.
            let mut report = report.lock().map_err(|_| "the report lock was poisoned")?;
            report.finish(&Outcome::new(Status::NotSent, format!("not sent: {error}")))?;
            return Err(error);
        }
    };
    let rest = Outcome::new(
        Status::NotSent,
        outcome
            .stop
            .as_ref()
            .map_or("not sent".into(), Stop::message),
    );
    let finished = report
        .lock()
        .map_err(|_| "the report lock was poisoned")?
        .finish(&rest);
    // Both files are final before anything is said of the run.
    if let Some(closing) = outcome.closing.take()
        && let Err(error) = closing.await
    {
        tracing::error!("closing the ledger failed: {error}");
    }
    finished?;
    let report = report.lock().map_err(|_| "the report lock was poisoned")?;
    // The requests are spent: a failure to write the errors file must not hide the summary.
    if let Some(path) = &settings.errors {
        match errors_file::write(path, &settings.input, &settings.mapping, &report) {
            Ok(written) => eprintln!("{written} rows to fix written to {}", path.display()),
            Err(error) => eprintln!("error: {error}"),
        }
    }
    let warnings = std::mem::take(&mut outcome.warnings);
    let summary = Summary::new(&report, customers, outcome, started.elapsed());
    summary.print();
    for warning in &warnings {
        eprintln!("warning: {warning}");
    }
    if let Some(path) = &settings.summary_json {
        summary
            .write_json(path)
            .map_err(|e| format!("cannot write the summary {}: {e}", path.display()))?;
    }
    Ok(summary)
}

/// The run lock of the ledger on disk, for a run that talks to a server (`--sandbox` keeps its
/// ledger in memory; a dry run has none).
fn lock_ledger(settings: &Settings) -> Result<Option<ledger::Lock>, ledger::LedgerError> {
    match &settings.mode {
        Mode::Plan(target) | Mode::Upload(target)
            if matches!(target.endpoint, settings::Endpoint::Remote { .. }) =>
        {
            ledger::Lock::take(&target.state).map(Some)
        }
        _ => Ok(None),
    }
}

/// Refuses an output path that is one of the files the run reads: the report is created (empty)
/// before anything is read, so `--report customers.csv` would destroy the input.
fn check_outputs(settings: &Settings) -> Result<(), String> {
    let mapping = &settings.mapping;
    let mut inputs = vec![
        ("the input", settings.input.clone()),
        ("the mapping file", mapping.path.clone()),
    ];
    for child in [&mapping.department, &mapping.contact]
        .into_iter()
        .flatten()
    {
        inputs.push(("a file the mapping reads", child.file(&settings.input)));
    }
    let outputs = [
        ("--report", Some(&settings.report)),
        ("--errors", settings.errors.as_ref()),
        ("--summary-json", settings.summary_json.as_ref()),
    ];
    for (option, output) in outputs {
        let Some(output) = output else { continue };
        // A file that does not exist yet cannot be an input.
        let Ok(out) = output.canonicalize() else {
            continue;
        };
        for (what, input) in &inputs {
            if input.canonicalize().is_ok_and(|input| input == out) {
                return Err(format!(
                    "{option} {} is {what}: writing it would destroy it\nhint: choose another path (the report's default is INPUT.report.csv beside the input)",
                    output.display()
                ));
            }
        }
    }
    Ok(())
}
