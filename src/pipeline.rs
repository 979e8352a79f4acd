//! The import, stage by stage, as data flows: the settings are checked (outputs too) and the
//! ledger locked; the input is read, mapped and grouped (`group::load`) while the client and
//! ledger are set up (`upload::prepare`); the customers are sent, looked up or only checked
//! (`upload::run`); every row left gets its outcome in the report; the summary sums up
//! (`summary`), with the errors file beside the report (`errors_file`).
//!
//! Invariant: once the report is created, every input row ends in it exactly once, whatever
//! stops the run: a start that fails after reading lists every row `not_sent`.

use std::time::Instant;

use crate::error::RunError;
use crate::group::CustomerGroup;
use crate::group::load::{self, Loaded};
use crate::report::{Outcome, Report, Status};
use crate::settings::{self, Mode, Settings};
use crate::summary::Summary;
use crate::upload::{self, Stop};
use crate::{errors_file, ledger, logging};

/// The whole import: load and check the input, then send (or not), then sum up.
pub(crate) async fn import(settings: Settings) -> Result<Summary, RunError> {
    let started = Instant::now();
    // The ledger's run lock comes before any output is touched: a run refused because another
    // holds the ledger must leave that run's report, errors file and summary as they are.
    let lock = lock_ledger(&settings)?;
    // Listening from the start, so a Ctrl-C while the input is read still ends the run cleanly;
    // a dry run sends nothing, so the default (end at once) is right for it.
    let interrupted = match settings.mode {
        Mode::DryRun => tokio_util::sync::CancellationToken::new(),
        _ => upload::listen_for_interrupts()?,
    };
    let report = Report::create(&settings.report).map_err(|cause| RunError::Report {
        path: settings.report.clone(),
        cause,
    })?;
    let (settings, report, loaded, prepared) = read_and_prepare(settings, report, lock).await?;
    tracing::debug!(
        "input read: {} customers in {} ms",
        loaded.groups.len(),
        started.elapsed().as_millis()
    );
    let customers = (loaded.customers as u64, loaded.groups.len() as u64);
    let sent = send(&settings, prepared, loaded.groups, report, interrupted).await;
    let (report, outcome) = match sent {
        Ok(sent) => sent,
        Err((Some(report), error)) => return Err(not_sent(report, error)),
        Err((None, error)) => return Err(error.into()),
    };
    finish(&settings, report, outcome, customers, started).await
}

/// What the run sets up before its first request: `None` for a dry run.
type Setup = Option<Result<upload::Prepared, upload::Error>>;

/// Reads the input on a blocking thread while the client and the ledger are set up. An input
/// that cannot be read is the error returned, even when the setup failed too; the report of an
/// earlier run then stays as it was.
async fn read_and_prepare(
    settings: Settings,
    mut report: Report,
    lock: Option<ledger::Lock>,
) -> Result<(Settings, Report, Loaded, Setup), RunError> {
    let target = settings.mode.target().cloned();
    let loading = tokio::task::spawn_blocking(move || {
        let loaded = load::load(&settings.input, &settings.mapping, &mut report);
        (settings, report, loaded)
    });
    let prepared = match &target {
        Some(target) => Some(upload::prepare(target, lock).await),
        None => None,
    };
    let (settings, report, loaded) = loading.await?;
    match loaded {
        Ok(loaded) => Ok((settings, report, loaded, prepared)),
        Err(error) => {
            report.discard();
            Err(error.into())
        }
    }
}

/// Sends the customers (or, for `--plan`, looks them up); a dry run sends nothing.
async fn send(
    settings: &Settings,
    prepared: Setup,
    groups: Vec<CustomerGroup>,
    report: Report,
    interrupted: tokio_util::sync::CancellationToken,
) -> Result<(Report, upload::Outcome), upload::Failed> {
    let (target, intent) = match &settings.mode {
        Mode::DryRun => {
            // `load` decided every row it did not put in a valid customer: the rows still open
            // are exactly the customers' rows, decided `valid` in one sweep by `finish`.
            // Nothing reads the drafts after this, and the process ends with the run: freeing
            // a million-row file's drafts one by one would only cost time.
            std::mem::forget(groups);
            return Ok((report, upload::Outcome::default()));
        }
        Mode::Plan(target) => (target, upload::Intent::Preview),
        Mode::Upload(target) => (target, upload::Intent::Write),
    };
    let prepared = match prepared {
        Some(Ok(prepared)) => prepared,
        Some(Err(error)) => return Err((Some(report), error)),
        None => {
            let error = upload::Error::Client("the run was not set up".into());
            return Err((Some(report), error));
        }
    };
    upload::run(
        settings,
        target,
        prepared,
        groups,
        report,
        intent,
        interrupted,
    )
    .await
}

/// A run that could not start sending: the report still lists every row, `not_sent`.
fn not_sent(mut report: Report, error: upload::Error) -> RunError {
    let path = report.path().to_path_buf();
    let finished = report.finish(&Outcome::new(Status::NotSent, format!("not sent: {error}")));
    match finished.and_then(|()| report.publish()) {
        Ok(()) => error.into(),
        Err(cause) => RunError::Report { path, cause },
    }
}

/// Decides the rows no customer decided (`valid` in a dry run, else `not_sent` with the stop's
/// reason), waits for the ledger to close, and sums up.
async fn finish(
    settings: &Settings,
    mut report: Report,
    mut outcome: upload::Outcome,
    customers: (u64, u64),
    started: Instant,
) -> Result<Summary, RunError> {
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
    let finished = report.finish(&rest);
    // Both files are final before anything is said of the run.
    let closed = match outcome.closing.take() {
        Some(closing) => closing.await.unwrap_or_else(|error| {
            tracing::error!("closing the ledger failed: {error}");
            None
        }),
        None => None,
    };
    let summary = conclude(settings, &mut report, finished, customers, outcome, started);
    if let Some(closed) = closed {
        end_run(closed, &summary);
    }
    Ok(summary)
}

/// The run's end in the ledger's history, written under the ledger's lock: its figures as the
/// summary shows them, and its exit code. A failure is said; the run's outcome stands.
fn end_run(closed: ledger::Closed, summary: &Summary) {
    let end = ledger::RunEnd {
        customers: summary.customers,
        counts: summary
            .statuses
            .iter()
            .map(|(status, rows)| (status.to_string(), *rows))
            .collect(),
        requests: summary.requests,
        exit_code: summary.exit_code(),
    };
    if let Err(error) = closed.end_run(&end) {
        eprintln!(
            "warning: {}",
            logging::shown(&format!(
                "the run's end could not be written to its history: {error}"
            ))
        );
    }
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
    let plan = std::mem::take(&mut outcome.plan);
    if let Some(path) = &settings.plan_file
        && let Err(error) = crate::report::plan::write(path, &plan)
    {
        failures.push(format!(
            "cannot write the plan file {}: {error}",
            path.display()
        ));
    }
    if !settings.quiet {
        let rest = settings.plan_file.as_deref().unwrap_or(report.path());
        eprint!("{}", crate::report::plan::screen(&plan, rest));
    }
    drop(plan);
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
    for warning in &summary.warnings {
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
