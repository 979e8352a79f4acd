//! Stage 4: upload — valid customers to OnTime, each outcome to the report and the ledger.
//!
//! The flow: connect (or start the in-process sandbox), open the ledger, then run up to
//! `--concurrency` customers at once through one shared client whose limiter paces every
//! request and which never has more than `--concurrency` requests in flight. A stop (quota,
//! budget, reserve, refused key, Ctrl-C) ends the intake of new customers; those in flight
//! finish; the rest are reported `not_sent` by the caller. The rows of one customer are never
//! split across requests. The first request of a run that has customers to send proves the
//! site (address, company id, key) before any customer is judged, unchanged ones included;
//! then the run's estimated cost is said ([`estimate`]), and on a terminal a large run asks.

mod answer;
mod children;
mod client;
mod customer;
mod error;
mod estimate;
mod fresh;
mod history;
mod http;
mod intake;
mod interrupts;
mod leaving;
mod matching;
pub(crate) mod merge;
mod progress;
pub(crate) mod quota;
mod stop;
pub(crate) mod undo;

use std::collections::HashMap;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

pub(crate) use answer::canonical_id;
pub(crate) use client::Client;
pub(crate) use customer::{NoListing, list_ids};
pub(crate) use error::{Error, Failed};
pub(crate) use estimate::say_cost;
pub(crate) use http::escape;

use crate::group::CustomerGroup;
use crate::ledger::{Entry, Ledger, Lock, Site};
use crate::mapping::MatchBy;
use crate::report::Report;
use crate::report::task::Decisions;
use crate::settings::{Endpoint, Settings, Target};
pub(crate) use interrupts::listen_for_interrupts;
use ontime_api::CustomerDraft;
pub(crate) use stop::Stop;

/// The quota as the last answers' `X-RateLimit-*` headers told it.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Quota {
    pub daily_remaining: Option<u64>,
    pub monthly_remaining: Option<u64>,
    /// RFC 3339, UTC.
    pub daily_reset: Option<String>,
    pub monthly_reset: Option<String>,
}

/// What sending did, for the summary.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub requests: u64,
    /// The same, by what they were for ([`RequestKind`]).
    pub requests_by_kind: std::collections::BTreeMap<&'static str, u64>,
    pub quota: Quota,
    pub stop: Option<Stop>,
    /// The ledger being closed (its last checkpoint) on a thread of its own, so that the
    /// report can be finished meanwhile: awaited before the run sums up. It answers the
    /// ledger's lock, under which the run's end goes into the history.
    pub closing: Option<tokio::task::JoinHandle<Option<crate::ledger::Closed>>>,
    /// What the user must hear of after the summary (customers that appeared from elsewhere
    /// while this run created into an empty account).
    pub warnings: Vec<String>,
    /// `--plan`: what each customer judged would become, in input order.
    pub plan: Vec<crate::report::plan::Planned>,
}

/// Whether the run writes or only looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Intent {
    Write,
    /// `--plan`: lookups and reads only; nothing posted, the ledger untouched.
    Preview,
}

/// What a run sets up before its first customer, while the input is still being read: the
/// service's client (and, for `--sandbox`, the sandbox), and the ledger with what it knows.
pub(crate) struct Prepared {
    stopping: CancellationToken,
    client: Arc<Client>,
    ledger: Ledger,
    known: HashMap<String, Entry>,
    sandbox: Option<ontime_sandbox::Sandbox>,
}

/// Sets up what [`run`] sends with: the client, the ledger (whose run lock the caller took
/// before it touched any output: `lock`, `None` for `--sandbox`) and its entries for this site.
pub(crate) async fn prepare(target: &Target, lock: Option<Lock>) -> Result<Prepared, Error> {
    let stopping = CancellationToken::new();
    let (endpoint, sandbox) = connect(target).await?;
    let (base, company, key) = endpoint;
    let client =
        Client::new(&base, &company, key, target, stopping.clone()).map_err(Error::Client)?;
    let client = Arc::new(client);
    let site = Site::new(&base, &company);
    let ledger = match (&sandbox, lock) {
        (Some(_), _) => Ledger::in_memory(&site)?,
        (None, Some(lock)) => Ledger::open_locked(lock, &site)?,
        (None, None) => Ledger::open(&target.state, &site)?,
    };
    let known = ledger.all()?;
    if known.is_empty() {
        for (elsewhere, entries) in ledger.elsewhere()? {
            tracing::info!(
                "the ledger holds {entries} customers of company {company} sent to {elsewhere}; they do not count for {site}, where every customer is looked up or created"
            );
        }
    }
    Ok(Prepared {
        stopping,
        client,
        ledger,
        known,
        sandbox,
    })
}

/// Sends `groups` (or, with [`Intent::Preview`], only looks them up), deciding their rows in
/// `report`, which a task of its own owns meanwhile ([`crate::report::task`]) and which comes
/// back with the outcome. `interrupted` is cancelled by the first Ctrl-C, SIGTERM or SIGHUP.
/// The first request proves the site ([`customer::Job::prove`]): a run that cannot talk to it
/// ends there, before any customer is judged, even one the ledger shows unchanged.
pub(crate) async fn run(
    settings: &Settings,
    target: &Target,
    prepared: Prepared,
    groups: Vec<CustomerGroup>,
    report: Report,
    intent: Intent,
    interrupted: CancellationToken,
) -> Result<(Report, Outcome), Failed> {
    let Prepared {
        stopping,
        client,
        ledger,
        known,
        sandbox,
    } = prepared;
    // Said once the run is to send (the sandbox starts while the input is read, which may fail).
    if let Some(sandbox) = &sandbox {
        tracing::info!("sandbox running at {}", sandbox.base_url());
    }
    let sending = std::time::Instant::now();
    let mut report = report;
    let leaving = match leaving::select(target, &known, &mut report) {
        Ok(leaving) => leaving,
        Err(why) => return Err((Some(report), Error::TooManyLeaving(why))),
    };
    let ledger = Arc::new(ledger);
    // Ctrl-C ends the intake of customers only; a stop of the client (quota, key, budget) ends
    // both, since `intake` is its child.
    let intake = stopping.child_token();
    let (decisions, writer) = report_task(report, &client);
    let (unchanged, mut copies) = customer::judge(&groups, &known, target);
    if intent == Intent::Preview {
        copies.clear();
    }
    let counts = estimate::known(&groups, &known, target.children, unchanged, &copies);
    let job = Arc::new(
        customer::Job::new(
            Arc::clone(&client),
            Arc::clone(&ledger),
            known,
            decisions.clone(),
            settings.mapping.match_by,
            target,
            intent,
        )
        .with_also_by(settings.mapping.also_by)
        .with_intake(intake.clone()),
    );
    // The cost said (and, on a terminal, confirmed) before the first customer is sent.
    let work = !groups.is_empty() || !leaving.is_empty();
    let proven = match prove(&job, work, ledger.site()).await {
        Ok(true) => {
            let strategy = job.choose(&groups);
            Ok(estimate::before_sending(&client, target, intent, (counts, strategy)).await)
        }
        other => other,
    };
    let warnings = match proven {
        Ok(true) => {
            let run = (&*job, &*ledger, &*client, intent);
            before_the_first(settings, target, run, &groups, copies, &interrupted).await;
            let tokens = (intake, interrupted.clone());
            intake::take_all(&job, &client, groups, leaving, &decisions, target, tokens).await
        }
        _ => Vec::new(),
    };
    let plan = job.take_plan();
    drop((job, decisions));
    let report = match writer.finish().await {
        Ok(report) => report,
        Err(error) => return Err((None, Error::ReportTask(error.to_string()))),
    };
    if let Err(error) = proven {
        return Err((Some(report), error));
    }
    tracing::debug!("customers sent in {} ms", sending.elapsed().as_millis());
    let outcome = wind_up(&client, ledger, sandbox, &interrupted, warnings).await;
    Ok((report, Outcome { plan, ..outcome }))
}

/// Between the estimate and the first customer: the account's records read in when that is
/// cheaper than lookups; which changed customers may be posted over the ledger's copy (none to
/// ask about when every record was read in); the run's start in the history, for a run that
/// writes (a history that cannot be written stops the run).
async fn before_the_first(
    settings: &Settings,
    target: &Target,
    (job, ledger, client, intent): (&customer::Job, &Ledger, &Client, Intent),
    groups: &[CustomerGroup],
    copies: Vec<fresh::Candidate>,
    interrupted: &CancellationToken,
) {
    job.read_all(groups, target.concurrency.get() as usize, interrupted)
        .await;
    if !copies.is_empty() && !job.read_everything() {
        job.set_fresh(fresh::Fresh::plan(client, copies).await);
    }
    if intent == Intent::Write {
        let start = history::import_start(settings, target).await;
        if let Err(error) = ledger.begin_run(&start).await {
            client.stop(Stop::Ledger {
                message: error.to_string(),
            });
        }
    }
}

/// The end of sending: the ledger's last writes committed (a failure is the run's stop), a
/// Ctrl-C recorded as the stop, the sandbox shut down and the ledger closed on a thread of its
/// own; what sending did.
async fn wind_up(
    client: &Client,
    ledger: Arc<Ledger>,
    sandbox: Option<ontime_sandbox::Sandbox>,
    interrupted: &CancellationToken,
    warnings: Vec<String>,
) -> Outcome {
    // The outcomes recorded without waiting are committed before the run sums up.
    if let Some(error) = ledger.flush().err().or_else(|| ledger.failure())
        && client.stop_reason().is_none()
    {
        client.stop(Stop::Ledger {
            message: error.to_string(),
        });
    }
    if interrupted.is_cancelled() && client.stop_reason().is_none() {
        client.stop(Stop::Interrupted);
    }
    if let Some(sandbox) = sandbox {
        sandbox.shutdown().await;
    }
    // Every task holding the ledger has ended; a stray holder would only close it later.
    let closing =
        Arc::into_inner(ledger).map(|ledger| tokio::task::spawn_blocking(move || ledger.close()));
    Outcome {
        requests: client.requests(),
        requests_by_kind: client.requests_by_kind(),
        quota: client.quota(),
        stop: client.stop_reason(),
        closing,
        warnings,
        plan: Vec::new(),
    }
}

/// Moves the report into its own task ([`crate::report::task`]). A report that cannot be
/// written (a full disk) stops the run: no more customers are taken, since their outcome could
/// not be told.
fn report_task(report: Report, client: &Arc<Client>) -> (Decisions, crate::report::task::Writer) {
    let client = Arc::clone(client);
    crate::report::task::spawn(report, move |error| {
        client.stop(Stop::Output {
            message: format!("{error}; run again once it can be written"),
        });
    })
}

/// The run's first request, which proves the site: whether customers may be taken in. `false`
/// when the client stopped the run (its stop reason says why: a refused key, a wrong address,
/// a redirect); an error when the site could not be reached or read. A run without customers
/// to send or deactivate (`work`) talks to nobody.
async fn prove(job: &customer::Job, work: bool, site: &Site) -> Result<bool, Error> {
    if !work {
        return Ok(false);
    }
    match job.prove().await {
        Ok(()) => Ok(true),
        Err(customer::Unproven::Stopped) => Ok(false),
        Err(customer::Unproven::Failed(cause)) => Err(Error::Unproven {
            site: site.to_string(),
            cause,
        }),
    }
}

/// The base URL, company and key to use — for `--sandbox`, those of a sandbox started here.
async fn connect(
    target: &Target,
) -> Result<
    (
        (reqwest::Url, String, crate::settings::ApiKey),
        Option<ontime_sandbox::Sandbox>,
    ),
    Error,
> {
    match &target.endpoint {
        Endpoint::Remote {
            base,
            company_id,
            key,
        } => Ok(((base.clone(), company_id.clone(), key.clone()), None)),
        Endpoint::Sandbox => {
            let sandbox = ontime_sandbox::start(ontime_sandbox::SandboxConfig::default())
                .await
                .map_err(Error::Sandbox)?;
            let base = reqwest::Url::parse(&sandbox.base_url())
                .map_err(|e| Error::SandboxUrl(e.to_string()))?;
            let key = crate::settings::ApiKey::new(sandbox.api_key().to_string());
            Ok(((base, sandbox.company_id().to_string(), key), Some(sandbox)))
        }
    }
}

/// The match property's value for a draft, when it has one.
fn match_value(match_by: MatchBy, draft: &CustomerDraft) -> Option<(&'static str, String)> {
    let MatchBy::Field(field) = match_by else {
        return None;
    };
    let value = draft.fields.shown(field)?.into_owned();
    let filter = crate::mapping::MATCH_FIELDS
        .iter()
        .find(|(f, _)| *f == field)
        .map(|(_, q)| *q)?;
    (!value.is_empty()).then_some((filter, value))
}
