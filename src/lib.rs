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
//! Beside them: [`errors_file`] (the invalid rows, to fix and re-import), [`cli`] (raw arguments), [`inspect`] and [`init`] (a new file's contents, a starter mapping), [`manual`] (completions, man page), [`settings`] (validated), [`summary`] (the end-of-run figures), [`logging`], [`ledger`] (what was sent,
//! for reruns). The OnTime contract (field catalogue, rules, JSON writer) is the `ontime-api`
//! crate; the local OnTime API is the `ontime-sandbox` crate.

pub mod cli;
pub mod errors_file;
pub mod group;
pub mod init;
pub mod inspect;
pub mod ledger;
pub mod logging;
pub mod manual;
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
    match cli.command {
        Some(cli::Command::Sandbox(args)) => return ontime_sandbox::serve_cli(args),
        Some(cli::Command::Inspect(args)) => return inspect::run(&args),
        Some(cli::Command::Init(args)) => return init::run(&args),
        Some(cli::Command::Completions(args)) => return manual::completions(args.shell),
        Some(cli::Command::Manpage) => return manual::manpage(),
        None => {}
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
    eprintln!("error: {}", logging::shown(&error.to_string()));
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
    let group::load::Loaded { groups, customers } = match groups {
        Ok(loaded) => loaded,
        Err(error) => {
            // The run could not start: an earlier report stays as it was.
            report.discard();
            return Err(error.into());
        }
    };
    tracing::debug!(
        "input read: {} customers in {} ms",
        groups.len(),
        started.elapsed().as_millis()
    );
    let customers = (customers as u64, groups.len() as u64);
    let report = std::sync::Arc::new(std::sync::Mutex::new(report));
    let outcome = match &settings.mode {
        Mode::DryRun => {
            let report = report.lock().map_err(|_| "the report lock was poisoned")?;
            // `load` decided every row it did not put in a valid customer: the rows still open
            // are exactly the customers' rows. Deciding them in one sweep skips a walk through
            // a million rows' worth of scattered group vectors.
            debug_assert_eq!(
                report.len() - report.decided(),
                groups.iter().map(|g| g.rows.len()).sum::<usize>()
            );
            // The open rows are decided `valid` with the others' ending, below.
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
            let finished =
                report.finish(&Outcome::new(Status::NotSent, format!("not sent: {error}")));
            let published = report.publish();
            finished?;
            published?;
            return Err(error);
        }
    };
    let rest = match settings.mode {
        Mode::DryRun => Outcome::new(Status::Valid, ""),
        _ => Outcome::new(
            Status::NotSent,
            outcome
                .stop
                .as_ref()
                .map_or("not sent".into(), Stop::message),
        ),
    };
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
    let mut report = report.lock().map_err(|_| "the report lock was poisoned")?;
    let summary = conclude(
        &settings,
        &mut report,
        finished,
        customers,
        outcome,
        started,
    );
    Ok(summary)
}

/// The end of every run that got as far as deciding its rows: the report put in place, the
/// errors file, the problem rows and the summary on screen, the summary JSON. An output that
/// cannot be written is said and makes the exit code 3; the requests are spent, so nothing
/// stops the others from being written.
fn conclude(
    settings: &Settings,
    report: &mut Report,
    finished: std::io::Result<()>,
    customers: (u64, u64),
    mut outcome: upload::Outcome,
    started: Instant,
) -> Summary {
    let warnings = std::mem::take(&mut outcome.warnings);
    let mut failures: Vec<String> = Vec::new();
    // A report whose writes failed is put in place too: it holds the rows decided before.
    for result in [finished, report.publish()] {
        if let Err(error) = result
            && !failures.contains(&error.to_string())
        {
            failures.push(error.to_string());
        }
    }
    if let Some(path) = &settings.errors {
        match errors_file::write(path, &settings.input, &settings.mapping, report) {
            Ok(written) => eprintln!(
                "{written} rows to fix written to {}",
                logging::shown(&path.display().to_string())
            ),
            Err(error) => failures.push(error),
        }
    }
    let mut summary = Summary::new(report, customers, outcome, started.elapsed());
    for failure in &failures {
        eprintln!("error: {}", logging::shown(failure));
        summary.output_failed(failure.clone());
    }
    if !settings.quiet {
        let list = report.problem_list();
        eprint!("{list}");
        if !list.is_empty() && settings.errors.is_none() {
            let format =
                errors_file::Format::of_input(&settings.input).unwrap_or(errors_file::Format::Csv);
            eprintln!(
                "hint: --errors FIX.{} writes these rows in the input's layout, to fix there and import again",
                format.extension()
            );
        }
    }
    summary.print();
    for warning in &warnings {
        eprintln!("warning: {}", logging::shown(warning));
    }
    if let Some(path) = &settings.summary_json
        && let Err(error) = summary.write_json(path)
    {
        let message = format!("cannot write the summary {}: {error}", path.display());
        eprintln!("error: {}", logging::shown(&message));
        summary.output_failed(message);
    }
    summary
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

/// Refuses, before anything is read or sent, output paths that would destroy a file the run
/// reads, the ledger or each other, that cannot be written, or an `--errors` name whose
/// extension is not the format it will be written in (see [`settings::outputs`]).
fn check_outputs(settings: &Settings) -> Result<(), String> {
    settings::outputs::check(settings)
}
