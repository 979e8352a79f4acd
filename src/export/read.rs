//! What an export asks OnTime, through the run's one client (rate, budget, quota, retries,
//! redaction): the list of every customer ID (one request), then each customer not yet in the
//! journal (`GET api/customers/{id}`), `--concurrency` at a time, each record journaled as its
//! answer comes.
//!
//! Invariant: a record is in the journal only if OnTime answered it for the ID asked; a
//! customer whose read failed or was not sent is left out, and the export is then incomplete.

use std::io::IsTerminal;

use futures::StreamExt;
use serde_json::Value as Json;
use tokio_util::sync::CancellationToken;

use super::journal::Journal;
use crate::upload::{Client, NoListing, Stop, canonical_id, escape, list_ids};

/// Why the listing did not give the IDs.
pub(super) enum Unlisted {
    /// The client stopped the run (a refused key, a wrong address, the quota): its reason.
    Stopped(Stop),
    /// The listing could not be had or read.
    Failed(String),
}

/// Every customer ID OnTime lists, each once, in its order.
pub(super) async fn list(client: &Client) -> Result<Vec<String>, Unlisted> {
    list_ids(client).await.map_err(|error| match error {
        NoListing::NotAList(why) => Unlisted::Failed(why),
        NoListing::Call(error) => match client.stop_reason() {
            Some(stop) => Unlisted::Stopped(stop),
            None => Unlisted::Failed(error.to_string()),
        },
    })
}

/// What the reads of this run came to.
#[derive(Debug, Default)]
pub(super) struct Reads {
    /// Records read and journaled by this run.
    pub read: u64,
    /// Customers whose read failed: (ID, why).
    pub failed: Vec<(String, String)>,
}

/// Reads `ids` into `journal`, `concurrency` at a time, until done or stopped: by the client
/// (quota, budget, reserve, a journal that cannot be written) or by `interrupted`, which stops
/// the client (no new reads; those in flight are answered and kept). `quiet` or a stderr that is no terminal: no progress bar.
pub(super) async fn read_all(
    client: &Client,
    journal: &mut Journal,
    ids: Vec<String>,
    concurrency: usize,
    interrupted: &CancellationToken,
    quiet: bool,
) -> Reads {
    let bar = (!quiet && std::io::stderr().is_terminal()).then(|| progress(ids.len() as u64));
    let mut reads = Reads::default();
    let mut answers = futures::stream::iter(ids)
        .map(|id| async move {
            let answer = client.get(&format!("api/customers/{}", escape(&id))).await;
            (id, answer)
        })
        .buffer_unordered(concurrency);
    loop {
        let next = tokio::select! {
            next = answers.next() => next,
            // Reads not sent yet are not sent; those on their way are answered and kept.
            () = interrupted.cancelled(), if !client.is_stopping() => {
                client.stop(Stop::Interrupted);
                continue;
            }
        };
        let Some((id, answer)) = next else { break };
        match answer
            .map_err(|e| e.to_string())
            .and_then(|r| the_one(&id, r))
        {
            Ok(record) => {
                if let Err(error) = journal.add(&id, record) {
                    client.stop(Stop::Output {
                        message: format!(
                            "cannot write {}: {error}; run again once it can be written",
                            journal.path().display()
                        ),
                    });
                    break;
                }
                reads.read += 1;
            }
            // A read the stop kept from being sent is left for the rerun, not a failure.
            Err(_) if client.is_stopping() => {}
            Err(why) => {
                tracing::warn!("customer {id} could not be read: {why}");
                reads.failed.push((id, why));
            }
        }
        if let Some(bar) = &bar {
            bar.inc(1);
            bar.set_message(format!("{} requests", client.requests()));
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    reads
}

/// `record` if it is the customer `id` (an answer for another customer is never taken for it).
fn the_one(id: &str, record: Json) -> Result<Json, String> {
    let held = record.as_object().and_then(|object| {
        let (_, held) = object.iter().find(|(k, _)| k.eq_ignore_ascii_case("ID"))?;
        canonical_id(held.as_str()?)
    });
    match held {
        Some(held) if held == id => Ok(record),
        Some(held) => Err(format!("OnTime answered customer {held} for {id}")),
        None => Err("OnTime answered something else than a customer record".into()),
    }
}

fn progress(len: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len);
    let style = indicatif::ProgressStyle::with_template(
        "{bar:30} {pos}/{len} customers read  {msg}  [{elapsed_precise}, ETA {eta}]",
    )
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}
