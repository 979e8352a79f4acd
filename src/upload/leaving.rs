//! `--deactivate-missing` in the run: which customers left the input, the guard decided before
//! the first request, their lines registered in the report (source `(ledger)`, row 0, after
//! the input's rows), and their deactivation once every customer of the input is done.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use futures::StreamExt;
use tokio_util::sync::CancellationToken;

use super::customer::{self, Job, Leaving};
use crate::ledger::Entry;
use crate::read::SourceName;
use crate::report::{Report, RowId};
use crate::settings::Target;

/// The customers to deactivate, each with its line registered in `report`; `Err` with why
/// when `--max-deactivate` refuses them (nothing registered, nothing sent). None without
/// `--deactivate-missing`.
pub(super) fn select(
    target: &Target,
    known: &HashMap<String, Entry>,
    report: &mut Report,
) -> Result<Vec<Leaving>, String> {
    let Some(limit) = target.deactivate else {
        return Ok(Vec::new());
    };
    // Every key the input names, invalid customers' too: a customer whose row is wrong today
    // has not left.
    let named: HashSet<&str> = (0..report.len())
        .filter_map(|row| report.key(RowId(u32::try_from(row).ok()?)))
        .collect();
    let missing = customer::missing(known, &named);
    if let Some(why) = customer::refused(missing.len(), known, limit) {
        return Err(why);
    }
    if missing.is_empty() {
        return Ok(Vec::new());
    }
    let source = report.add_source(&SourceName {
        file: PathBuf::from("(ledger)"),
        sheet: None,
    });
    Ok(missing
        .into_iter()
        .map(|(key, id)| Leaving {
            row: report.register(source, 0, Some(&key)),
            key,
            id,
        })
        .collect())
}

/// Deactivates `leaving`, `concurrency` at a time, until done or the run stops (`intake`, or a
/// Ctrl-C: `interrupted`); the lines not reached are then reported `not_sent` by the caller.
pub(super) async fn deactivate(
    job: &Job,
    leaving: Vec<Leaving>,
    concurrency: usize,
    (intake, interrupted): (&CancellationToken, &CancellationToken),
) {
    let stop = futures::future::select(
        Box::pin(intake.cancelled()),
        Box::pin(interrupted.cancelled()),
    );
    futures::stream::iter(leaving)
        .take_until(stop)
        .for_each_concurrent(concurrency, |leaving| job.deactivate(leaving))
        .await;
}
