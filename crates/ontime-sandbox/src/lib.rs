//! The sandbox: a local simulator of the OnTime REST API as `docs/ontime-api.md` describes it
//! (`docs/sandbox.md` lists its options and the `/__sandbox/` control API). It depends on the
//! contract crate (`ontime-api`) for the field catalogue and rules, never on the importer.
//!
//! It owns the server's life: [`start`] binds 127.0.0.1, spawns the server on the current tokio
//! runtime and hands back a [`Sandbox`] to inspect and stop it; [`serve_cli`] is the
//! `sandbox` command of `ontime-import`. Invariant: no global state — every started server owns its
//! records, counters and faults, so any number run side by side (parallel tests).
//!
//! # Layout
//! - `config`: options (clap) and the validated [`SandboxConfig`].
//! - `server`: accept loop, connection cap and body timeout; lets a handler drop its own
//!   connection. `guard`: the Host and control-request checks before any body is read.
//! - `api` → `route`, `validate`, `records` (+ `index`), `filter`: the OnTime endpoints.
//! - `state`, `quota`, `stats`, `faults`: what one server holds and counts.
//! - `control`: `/__sandbox/`; `stage` its clock, edit and event endpoints, over `clock` (the
//!   server's time), `edit` (a change as a person in OnTime makes it) and `events` (scripted
//!   moments during a run). `store`: the `--data` file.

#![warn(unreachable_pub)]

mod api;
mod clock;
mod config;
mod control;
mod edit;
mod error;
mod events;
mod faults;
mod filter;
mod guard;
mod index;
mod quota;
mod records;
mod route;
mod server;
mod stage;
mod state;
mod stats;
mod store;
mod validate;

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;

use axum::Router;
use axum::routing::any;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use config::{
    DEFAULT_MAX_CONNECTIONS, Limit, PAID_DAILY_LIMIT, PAID_MONTHLY_LIMIT, SandboxArgs,
    SandboxConfig, parse_duration, parse_limit,
};
pub use faults::{FaultKind, Faults, ScriptedFault, parse_scripted};
pub use stats::{DROPPED, LOG_CAPACITY, RequestRecord, Stats};

use state::Shared;

/// A running sandbox server. Dropping it stops the server (without writing the data file);
/// [`Sandbox::shutdown`] stops it cleanly.
#[derive(Debug)]
pub struct Sandbox {
    addr: SocketAddr,
    shared: Arc<Shared>,
    /// Stops accepting, and asks open connections to finish.
    stop: CancellationToken,
    /// Drops the connections still open after the grace period.
    abort: CancellationToken,
    /// Every connection task, to wait for them on shutdown.
    tracker: TaskTracker,
    accept: Option<JoinHandle<()>>,
    saver: Option<JoinHandle<()>>,
}

/// Binds `127.0.0.1:config.port` and serves the API on the current tokio runtime. Fails on an
/// invalid config (`InvalidInput`), an unusable data file, or a port in use.
pub async fn start(config: SandboxConfig) -> io::Result<Sandbox> {
    config
        .validate()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let loaded = match &config.data_file {
        Some(path) => store::load(path)?,
        None => store::Loaded::default(),
    };
    let clock = loaded.clock.clone();
    let shared = Arc::new(Shared::new(
        &config,
        loaded.records,
        loaded.quota,
        loaded.clock,
    ));
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, config.port)).await?;
    let addr = listener.local_addr()?;
    let router = Router::new()
        .merge(control::routes())
        .merge(stage::routes())
        .route("/sites/{*rest}", any(api::handle))
        .fallback(not_found)
        .with_state(Arc::clone(&shared));
    let (stop, abort, tracker) = (
        CancellationToken::new(),
        CancellationToken::new(),
        TaskTracker::new(),
    );
    let limits = server::Limits {
        connections: config.max_connections,
        body_timeout: config.body_timeout,
        clock,
    };
    let accept = tokio::spawn(server::serve(
        listener,
        router,
        limits,
        stop.clone(),
        abort.clone(),
        tracker.clone(),
    ));
    let saver = config
        .data_file
        .is_some()
        .then(|| tokio::spawn(store::saver(Arc::clone(&shared), stop.clone())));
    Ok(Sandbox {
        addr,
        shared,
        stop,
        abort,
        tracker,
        accept: Some(accept),
        saver,
    })
}

async fn not_found() -> error::ApiError {
    error::ApiError::NotFound("Not an OnTime API or /__sandbox/ address.".into())
}

impl Sandbox {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`; the API is under `{base_url}/sites/{company_id}/`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `{base_url}/sites/{company_id}/api/`, for building request URLs.
    pub fn api_url(&self) -> String {
        format!("{}/sites/{}/api/", self.base_url(), self.shared.company_id)
    }

    pub fn company_id(&self) -> &str {
        &self.shared.company_id
    }

    pub fn api_key(&self) -> &str {
        &self.shared.api_key
    }

    /// Every stored customer, as `GET api/customers/{id}` answers it, in creation order.
    pub fn customers(&self) -> Vec<serde_json::Value> {
        self.shared.customers()
    }

    /// Stores a customer directly (no request counted) and returns its ID. Known properties are
    /// taken as given, without checks; a valid `ID` is kept (replacing that customer), otherwise
    /// one is assigned; children without a valid `ID` get one.
    pub fn insert_customer(&self, customer: serde_json::Value) -> String {
        self.shared.insert_customer(&customer)
    }

    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }

    /// The last [`LOG_CAPACITY`] API requests, oldest first: method, path and query, outcome.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.requests()
    }

    /// Zeroes the statistics and the request log.
    pub fn reset_stats(&self) {
        self.shared.reset_stats();
    }

    pub fn faults(&self) -> Faults {
        self.shared.faults()
    }

    /// Replaces the fault settings (the generator's position is kept; see [`Sandbox::reseed`]).
    pub fn set_faults(&self, faults: Faults) {
        self.shared.set_faults(faults);
    }

    /// Restarts the fault generator from `seed`.
    pub fn reseed(&self, seed: u64) {
        self.shared.reseed(seed);
    }

    /// Sets the daily and monthly request counters back to zero.
    pub fn reset_quota(&self) {
        self.shared.reset_quota();
    }

    /// The server's clock: real UTC plus what [`Sandbox::advance_clock`] added. Record stamps,
    /// date filters, quota resets and every `Date` header follow it.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.shared.clock.now()
    }

    /// Moves the server's clock forward by `by`; returns the new time.
    pub fn advance_clock(&self, by: std::time::Duration) -> chrono::DateTime<chrono::Utc> {
        let now = self.shared.clock.advance(by);
        self.shared.touch();
        now
    }

    /// Resolves once the server has received at least `n` API requests (under `/sites/`).
    pub async fn wait_for_requests(&self, n: u64) {
        self.shared.wait_for_requests(n).await;
    }

    /// Stops the server (in-flight requests get up to 5 s) and writes the data file; a failed
    /// write is logged. See [`Sandbox::stop`] to get the error.
    pub async fn shutdown(self) {
        if let Err(e) = self.stop().await {
            tracing::error!("sandbox: {e}");
        }
    }

    /// Like [`Sandbox::shutdown`], but returns a failed write of the data file.
    pub async fn stop(mut self) -> io::Result<()> {
        self.stop.cancel();
        if let Some(accept) = self.accept.take() {
            let _ = accept.await;
        }
        self.tracker.close();
        if tokio::time::timeout(server::GRACE, self.tracker.wait())
            .await
            .is_err()
        {
            self.abort.cancel();
            self.tracker.wait().await;
        }
        if let Some(saver) = self.saver.take() {
            let _ = saver.await;
        }
        store::save(&self.shared).await
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.stop.cancel();
        self.abort.cancel();
    }
}

/// `ontime-import sandbox`: starts the server, prints how to use it, serves until Ctrl-C (or
/// SIGTERM), then writes the data file. Exit code 0, or 2 when it cannot start or save.
pub fn serve_cli(args: SandboxArgs) -> ExitCode {
    let config = match args.into_config() {
        Ok(config) => config,
        Err(e) => {
            say(&format!("error: {e}"));
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            say(&format!("error: cannot start the async runtime: {e}"));
            return ExitCode::from(2);
        }
    };
    runtime.block_on(run_cli(config))
}

async fn run_cli(config: SandboxConfig) -> ExitCode {
    let summary = config::describe(&config);
    let sandbox = match start(config).await {
        Ok(sandbox) => sandbox,
        Err(e) => {
            say(&format!("error: cannot start the sandbox: {e}"));
            return ExitCode::from(2);
        }
    };
    let signals = Signals::listen();
    print_banner(&sandbox, &summary);
    signals.wait().await;
    say("sandbox: stopping");
    match sandbox.stop().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            say(&format!("error: {e}"));
            ExitCode::from(2)
        }
    }
}

/// A line on stderr; a closed stderr is not a reason to fail.
pub(crate) fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Prints the address, company, key and how to use them. Write errors are ignored: a sandbox
/// whose stdout was closed (a test that read only the first line) must keep serving.
fn print_banner(sandbox: &Sandbox, summary: &[String]) {
    use std::io::Write;
    let (base, company, key) = (sandbox.base_url(), sandbox.company_id(), sandbox.api_key());
    let stored = sandbox.shared.lock().records.iter().count();
    let mut text = format!("OnTime sandbox listening on {base}\n");
    text += &format!("  company id: {company}\n");
    text += &format!("  API key:    {key}   (send it raw: `Authorization: {key}`)\n");
    text += &format!("  API:        {}\n", sandbox.api_url());
    text += &format!("  control:    {base}/__sandbox/\n");
    text += &format!("  customers:  {stored} stored\n");
    for line in summary {
        text += &format!("  {line}\n");
    }
    text += "Import into it:\n";
    text += &format!(
        "  ontime-import INPUT -m MAPPING --base-url {base} --company-id {company} --api-key {key}\n"
    );
    text += "Try:\n";
    text += &format!(
        "  curl -H 'Authorization: {key}' {}customers\n",
        sandbox.api_url()
    );
    text += "Press Ctrl-C to stop.\n";
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// Ctrl-C, or SIGTERM on Unix. Created before the banner is printed, so that a signal sent as
/// soon as the address is known is already caught (not the default "terminate at once").
struct Signals {
    #[cfg(unix)]
    unix: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Signals {
    fn listen() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let unix = signal(SignalKind::interrupt())
                .and_then(|int| Ok((int, signal(SignalKind::terminate())?)))
                .ok();
            Signals { unix }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    async fn wait(self) {
        #[cfg(unix)]
        if let Some((mut int, mut term)) = self.unix {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}
