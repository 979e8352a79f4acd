//! The intake: customers handed out to their tasks, a window at a time journaled ahead, as
//! places free up; then the customers that left the input deactivated.

use std::sync::Arc;

use futures::StreamExt;
use tokio_util::sync::CancellationToken;

use super::{Client, customer, leaving, progress};
use crate::group::CustomerGroup;
use crate::report::task::Decisions;
use crate::settings::Target;

/// Hands every customer out to its task until all are done or the intake ends (a stop, or
/// `interrupted`), with the progress line, then deactivates the customers `leaving`; the
/// warnings to say at the end.
pub(super) async fn take_all(
    job: &Arc<customer::Job>,
    client: &Client,
    groups: Vec<CustomerGroup>,
    leaving: Vec<customer::Leaving>,
    decisions: &Decisions,
    target: &Target,
    (intake, interrupted): (CancellationToken, CancellationToken),
) -> Vec<String> {
    let concurrency = target.concurrency.get() as usize;
    let window = (concurrency * 2).max(16);
    let forward = tokio::spawn({
        let (interrupted, intake) = (interrupted.clone(), intake.clone());
        async move {
            interrupted.cancelled().await;
            intake.cancel();
        }
    });
    let progress = progress::start(groups.len() as u64, decisions, client);
    if let Err(error) = take_in(Arc::clone(job), groups, window, intake.clone()).await {
        tracing::error!("the intake of customers failed: {error}");
    }
    progress.finish();
    forward.abort();
    leaving::deactivate(job, leaving, concurrency, (&intake, &interrupted)).await;
    let mut warnings = Vec::new();
    if let Some(warning) = job.others_appeared().await {
        tracing::warn!("{warning}");
        warnings.push(warning);
    }
    warnings.extend(job.matching_warnings());
    warnings
}

/// Hands `groups` out to customer tasks, `window` at a time journaled ahead, until they are
/// all done or `intake` is cancelled; then takes back the journal entries of those not taken.
fn take_in(
    job: Arc<customer::Job>,
    groups: Vec<CustomerGroup>,
    window: usize,
    intake: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    // The intake runs as a task on the runtime's workers, not on this thread: a customer's task
    // that ends then wakes a worker that is likely awake already, not this parked thread (a
    // third of the run's context switches, 8–10 % of its CPU at 10,000 customers).
    tokio::spawn(async move {
        // The next window is journaled while this one is handed out (`buffered(2)`): the
        // intake then never waits for a commit with places free.
        let customers = futures::stream::iter(groups)
            .chunks(window)
            .map(|window| {
                let job = Arc::clone(&job);
                async move {
                    let journaled = job.journal(&window).await;
                    futures::stream::iter(window.into_iter().zip(journaled))
                }
            })
            .buffered(2)
            .flatten()
            .take_until(intake.clone().cancelled_owned());
        let mut customers = std::pin::pin!(customers);
        // A task per customer, so that their work spreads over the runtime's threads, started
        // once it has a place: as many under way as requests may be in flight (with
        // `--concurrency 1`, one after the other, in input order), not counting those waiting
        // for a lost create to land.
        let mut tasks = futures::stream::FuturesUnordered::new();
        loop {
            let place = tokio::select! {
                Some(joined) = tasks.next(), if !tasks.is_empty() => {
                    ended(joined);
                    continue;
                }
                place = Arc::clone(&job.places).acquire_owned() => place,
            };
            let Ok(place) = place else { break };
            let Some((group, journaled)) = customers.next().await else {
                break;
            };
            let job = Arc::clone(&job);
            tasks.push(tokio::spawn(async move {
                job.customer(group, journaled, place).await;
            }));
        }
        while let Some(joined) = tasks.next().await {
            ended(joined);
        }
        job.unjournal_untaken().await;
    })
}

/// A customer's task has ended; a panic cannot lose a row (the caller reports every undecided
/// row `not_sent`).
fn ended(joined: Result<(), tokio::task::JoinError>) {
    if let Err(error) = joined {
        tracing::error!("a customer's task failed: {error}");
    }
}
