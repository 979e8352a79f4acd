//! `ontime-import undo RUN`: puts back what a recorded run changed. Every customer the run
//! updated (or deactivated, or restored) goes back to the record that run's post replaced —
//! but only where OnTime still holds what the run wrote, checked by reading it; one changed
//! since is a `conflict`, left alone unless `--force`. Customers the run created cannot be
//! deleted through the API: they are set `Inactive` with a safe update (the whole record read
//! and posted back), and listed with their IDs for a person to remove in OnTime's desktop suite.
//!
//! An undo is a run like any other: it proves its target first, says its cost, is paced, counted
//! and stopped by the same client as an import, and goes into the history with the records its
//! own posts replaced, so that it can be undone too. With `--plan` it reads and says, and
//! changes nothing (the ledger included).

mod customer;

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::StreamExt;

use super::{Client, Error, Prepared, Stop, estimate};
use crate::error::RunError;
use crate::ledger::{CustomerRecord, Ledger, RunEnd, RunRecord, RunStart};
use crate::settings::Target;
use customer::{Undone, Work};

/// Undoes run `run` of the ledger `target.state` names; the exit code.
pub(crate) async fn undo(
    target: &Target,
    run: i64,
    plan: bool,
    force: bool,
) -> Result<u8, RunError> {
    let prepared = super::prepare(target, None).await?;
    let Prepared { client, ledger, .. } = prepared;
    let (record, work) = what_to_undo(&ledger, run)?;
    if work.is_empty() {
        eprintln!("run {run} changed no customer in OnTime: there is nothing to undo");
        return Ok(0);
    }
    prove(&client, &ledger).await?;
    if !cost(&client, target, &work, plan).await {
        return Ok(client.stop_reason().map_or(3, |s| s.exit_code()));
    }
    if !plan {
        let start = RunStart {
            command: "undo".into(),
            undoes: Some(run),
            mode: "undo".into(),
            flags: format!(
                "{}{}",
                super::history::flags(target),
                if force { " --force" } else { "" }
            ),
            ..RunStart::default()
        };
        ledger.begin_run(&start).await?;
    }
    // Ctrl-C (or SIGTERM, SIGHUP) stops the client: customers under way end, the rest are
    // `not_sent`, and the run's end is written (exit 130); a rerun finds the done ones
    // `unchanged`.
    let interrupted = super::listen_for_interrupts()?;
    let stopper = Arc::clone(&client);
    let watch = tokio::spawn(async move {
        interrupted.cancelled().await;
        stopper.stop(Stop::Interrupted);
    });
    let ledger = Arc::new(ledger);
    let undone = each(&client, &ledger, work, &record, (plan, force), target).await;
    watch.abort();
    let code = conclude(&client, &undone, plan);
    if let Some(ledger) = Arc::into_inner(ledger)
        && let Some(closed) = tokio::task::spawn_blocking(move || ledger.close()).await?
    {
        let end = RunEnd {
            customers: undone.len() as u64,
            counts: counts(&undone),
            requests: client.requests(),
            exit_code: code,
        };
        closed.end_run(&end)?;
    }
    Ok(code)
}

/// The run to undo, which must be this target's, and its customers with something to undo.
fn what_to_undo(ledger: &Ledger, run: i64) -> Result<(RunRecord, Vec<Work>), RunError> {
    let Some(record) = ledger.past_run(run)? else {
        return Err(RunError::Refused {
            message: format!("the ledger {} has no run {run}", ledger.path().display()),
            hint: Some("`ontime-import runs --state FILE` lists the runs it has".into()),
        });
    };
    let site = ledger.site();
    if record.base_url != site.base_url() || record.company != site.company() {
        return Err(RunError::Refused {
            message: format!(
                "run {run} was sent to {} company {}, not to {site}; nothing was sent",
                record.base_url, record.company
            ),
            hint: Some(format!(
                "name its target: --base-url {} --company-id {} (with that account's API key)",
                record.base_url, record.company
            )),
        });
    }
    let work = ledger
        .past_customers(run)?
        .into_iter()
        .filter_map(Work::of)
        .collect();
    Ok((record, work))
}

/// The undo's first request, an unfiltered listing: proves the address, company id and key
/// before anything is read or posted.
async fn prove(client: &Client, ledger: &Ledger) -> Result<(), RunError> {
    let site = ledger.site().to_string();
    let unproven = |cause: String| {
        RunError::Upload(Error::Unproven {
            site: site.clone(),
            cause,
        })
    };
    match super::list_ids(client).await {
        Ok(_) => Ok(()),
        Err(super::NoListing::NotAList(why)) => Err(unproven(why)),
        Err(super::NoListing::Call(error)) => Err(unproven(
            client
                .stop_reason()
                .map_or_else(|| error.to_string(), |s| s.message()),
        )),
    }
}

/// Says what the undo costs and, on a terminal above the usual bound or the quota left, asks
/// to go on unless `--yes`. `false` when it is not to go on.
async fn cost(client: &Client, target: &Target, work: &[Work], plan: bool) -> bool {
    let restores = work.iter().filter(|w| !w.created()).count() as u64;
    let creates = work.len() as u64 - restores;
    // One read each, then at most one post each.
    let total = if plan {
        work.len() as u64
    } else {
        2 * work.len() as u64
    };
    let seconds = total.div_ceil(u64::from(target.rate.get()));
    eprintln!(
        "undo: {restores} updated customers to restore, {creates} created ones to set Inactive: up to {total} requests (one read each{}), about {} at --rate {}",
        if plan {
            "; --plan posts nothing"
        } else {
            ", then one post"
        },
        estimate::duration(seconds),
        target.rate
    );
    let allowed = estimate::Estimate::allowed(&client.quota(), target.reserve);
    let large = total > estimate::ASK_ABOVE || allowed.is_some_and(|a| total > a);
    plan || target.yes || !large || !estimate::can_ask() || estimate::go_on(client).await
}

/// Undoes each customer, up to `--concurrency` at once, in key order on screen.
async fn each(
    client: &Arc<Client>,
    ledger: &Arc<Ledger>,
    work: Vec<Work>,
    record: &RunRecord,
    (plan, force): (bool, bool),
    target: &Target,
) -> Vec<Undone> {
    let concurrency = target.concurrency.get() as usize;
    let mut undone: Vec<Undone> = futures::stream::iter(work)
        .map(|work| {
            let (client, ledger) = (Arc::clone(client), Arc::clone(ledger));
            async move { work.undo(&client, &ledger, record.id, (plan, force)).await }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    undone.sort_by(|a, b| a.key.cmp(&b.key));
    undone
}

/// Prints each customer's outcome and the sum; the exit code: 0 when everything was undone
/// (or, for `--plan`, can be), 1 with a conflict or failure, the stop's code when stopped.
fn conclude(client: &Client, undone: &[Undone], plan: bool) -> u8 {
    for customer in undone {
        eprintln!(
            "  {:<16} {:<12} {:<36} {}",
            customer.outcome, customer.key, customer.id, customer.message
        );
    }
    let counts = counts(undone);
    let said: Vec<String> = counts.iter().map(|(o, n)| format!("{n} {o}")).collect();
    let plural = if undone.len() == 1 { "" } else { "s" };
    eprintln!(
        "{} customer{plural}: {}; {} requests{}",
        undone.len(),
        said.join(", "),
        client.requests(),
        if plan {
            " (--plan: nothing was changed)"
        } else {
            ""
        }
    );
    if let Some(stop) = client.stop_reason() {
        eprintln!("stopped: {}", stop.message());
        return stop.exit_code();
    }
    let trouble = undone.iter().any(|c| {
        matches!(
            c.outcome,
            "conflict" | "failed" | "not_sent" | "partly_restored"
        )
    });
    u8::from(trouble)
}

fn counts(undone: &[Undone]) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for customer in undone {
        *counts.entry(customer.outcome.to_string()).or_insert(0) += 1;
    }
    counts
}

/// What undo looks at of a run's customer: used by [`Work::of`].
pub(super) fn restorable(customer: &CustomerRecord) -> bool {
    customer.before.is_some() && customer.customer_id.is_some()
}
