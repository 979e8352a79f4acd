//! What the user sees while a run goes on: an indicatif bar on a terminal (customers done,
//! requests sent, rate, ETA), or a plain log line every few seconds when stderr is not a
//! terminal (cron). One task draws it, reading the report's and the client's counters.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use super::Client;
use crate::report::Report;

/// The drawing task; [`Progress::finish`] stops it.
pub struct Progress {
    task: tokio::task::JoinHandle<()>,
    bar: Option<ProgressBar>,
}

impl Progress {
    pub fn finish(self) {
        self.task.abort();
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Starts drawing progress for `customers` customers.
pub fn start(customers: u64, report: &Arc<Mutex<Report>>, client: &Client) -> Progress {
    let rows_at_start = report.lock().map(|r| r.decided()).unwrap_or(0);
    let report = Arc::clone(report);
    let requests = client.counter();
    let terminal = std::io::stderr().is_terminal();
    let bar = terminal.then(|| {
        let bar = ProgressBar::new(report.lock().map(|r| r.len() as u64).unwrap_or(0));
        let style = ProgressStyle::with_template(
            "{bar:30} {pos}/{len} rows  {msg}  [{elapsed_precise}, ETA {eta}]",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar
    });
    let shown = bar.clone();
    let started = Instant::now();
    let task = tokio::spawn(async move {
        let every = if terminal {
            Duration::from_millis(250)
        } else {
            Duration::from_secs(5)
        };
        let mut ticks = tokio::time::interval(every);
        ticks.tick().await;
        loop {
            ticks.tick().await;
            let rows = report.lock().map(|r| r.decided()).unwrap_or(0);
            let sent = requests.load(std::sync::atomic::Ordering::Relaxed);
            let rate = sent as f64 / started.elapsed().as_secs_f64().max(0.001);
            match &shown {
                Some(bar) => {
                    bar.set_position(rows as u64);
                    bar.set_message(format!("{sent} requests, {rate:.1}/s"));
                }
                None => tracing::info!(
                    "progress: {} of the rows decided, {sent} requests sent ({rate:.1}/s), {customers} customers in all",
                    rows.saturating_sub(rows_at_start)
                ),
            }
        }
    });
    Progress { task, bar }
}
