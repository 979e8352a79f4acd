//! `ontime-import runs` and `runs show RUN`: the ledger's run history, as text or JSON. Reads
//! the ledger without changing it.

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::cli::{RunsArgs, RunsCommand};
use crate::error::RunError;
use crate::ledger::{CustomerRecord, History, RunRecord};
use crate::settings::STATE_FILE;

pub(crate) fn run(args: &RunsArgs) -> Result<u8, RunError> {
    let path = args
        .state
        .clone()
        .unwrap_or_else(|| PathBuf::from(STATE_FILE));
    let history = History::open(&path)?;
    let text = match &args.show {
        None => {
            let runs = history.runs()?;
            if args.json { json(&runs) } else { list(&runs) }
        }
        Some(RunsCommand::Show { run }) => {
            let Some(record) = history.run(*run)? else {
                return Err(RunError::Refused {
                    message: format!("the ledger {} has no run {run}", path.display()),
                    hint: Some("`ontime-import runs` lists the runs it has".into()),
                });
            };
            let customers = history.customers(*run)?;
            if args.json {
                json(&serde_json::json!({ "run": record, "customers": customers }))
            } else {
                show(&record, &customers)
            }
        }
    };
    print!("{text}");
    Ok(0)
}

fn json(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default() + "\n"
}

/// One line per run, newest first.
pub(crate) fn list(runs: &[RunRecord]) -> String {
    if runs.is_empty() {
        return "no runs recorded yet\n".into();
    }
    let mut out = format!(
        "{:>4}  {:<20}  {:<20}  {:<26}  {:>8}  {:>4}  {}\n",
        "RUN", "STARTED (UTC)", "COMMAND", "ROWS", "REQUESTS", "EXIT", "INPUT → TARGET"
    );
    for run in runs {
        let requests = run.requests.map_or("-".into(), |n| n.to_string());
        let exit = run.exit_code.map_or("-".into(), |n| n.to_string());
        let _ = writeln!(
            out,
            "{:>4}  {:<20}  {:<20}  {:<26}  {:>8}  {:>4}  {}",
            run.id,
            shown_time(&run.started_at),
            command(run),
            result(run),
            requests,
            exit,
            target(run),
        );
    }
    out
}

/// `import upsert`, `undo 12`.
fn command(run: &RunRecord) -> String {
    match run.undoes {
        Some(undone) => format!("{} {undone}", run.command),
        None => format!("{} {}", run.command, run.mode),
    }
}

/// The outcome counts, or that the run did not end.
fn result(run: &RunRecord) -> String {
    if run.ended_at.is_none() {
        return "did not end (killed?)".into();
    }
    if run.counts.is_empty() {
        return "nothing".into();
    }
    run.counts
        .iter()
        .map(|(status, n)| format!("{n} {status}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn target(run: &RunRecord) -> String {
    let input = run.input.as_deref().map(file_name).unwrap_or_default();
    let arrow = if input.is_empty() { "" } else { " → " };
    format!("{input}{arrow}{} {}", run.base_url, run.company)
}

fn file_name(path: &str) -> String {
    std::path::Path::new(path)
        .file_name()
        .map_or(path.to_string(), |n| n.to_string_lossy().into_owned())
}

/// `2026-12-06T10:00:00Z` as `2026-12-06 10:00:00`.
fn shown_time(rfc3339: &str) -> String {
    rfc3339.replace('T', " ").trim_end_matches('Z').to_string()
}

/// One run in full, then its customers.
pub(crate) fn show(run: &RunRecord, customers: &[CustomerRecord]) -> String {
    let mut out = format!("run {}: {}\n", run.id, command(run));
    let _ = writeln!(out, "  target:   {} company {}", run.base_url, run.company);
    if let Some(input) = &run.input {
        let size = run
            .input_size
            .map_or(String::new(), |n| format!(", {n} bytes"));
        let hash = run.input_hash.as_deref().unwrap_or("-");
        let _ = writeln!(out, "  input:    {input}{size}, content {hash}");
    }
    if let Some(mapping) = &run.mapping_hash {
        let _ = writeln!(out, "  mapping:  content {mapping}");
    }
    let _ = writeln!(out, "  options:  {}", run.flags);
    let ended = run
        .ended_at
        .as_deref()
        .map_or("did not end (killed?)".into(), shown_time);
    let _ = writeln!(out, "  started:  {}", shown_time(&run.started_at));
    let _ = writeln!(out, "  ended:    {ended}");
    if let (Some(requests), Some(exit)) = (run.requests, run.exit_code) {
        let _ = writeln!(out, "  requests: {requests}, exit code {exit}");
    }
    let _ = writeln!(out, "  rows:     {}", result(run));
    let note = "customers the ledger judged unchanged without a request are counted, not listed";
    if customers.is_empty() {
        let _ = writeln!(out, "\nno customer was sent anything ({note})");
        return out;
    }
    let _ = writeln!(out, "  ({note})");
    let width = customers
        .iter()
        .map(|c| c.key.len())
        .max()
        .unwrap_or(3)
        .max(3);
    let _ = writeln!(
        out,
        "\n{:<width$}  {:<36}  {:<10}  {:<12}  MESSAGE",
        "KEY", "CUSTOMER ID", "ACTION", "OUTCOME"
    );
    for customer in customers {
        let _ = writeln!(
            out,
            "{:<width$}  {:<36}  {:<10}  {:<12}  {}",
            customer.key,
            customer.customer_id.as_deref().unwrap_or("-"),
            customer.action,
            customer.outcome,
            customer.message,
        );
    }
    out
}
