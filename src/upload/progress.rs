//! What the user sees while a run goes on: an indicatif bar on a terminal (customers done,
//! requests sent, rate, ETA), or a plain log line every few seconds when stderr is not a
//! terminal (cron). One task draws it, reading the report's and the client's counters.
//!
//! Never silent: every wait of the run (a lost create given time to land, an earlier run's
//! creates, a `Retry-After`, a back-off) is registered in [`Waits`] while it lasts. Its start
//! is said in the log (info level) with what it waits for and how long — once for many
//! customers that wait for the same thing until about the same moment — and the progress line
//! shows the waits under way.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use super::Client;
use crate::report::task::Decisions;

/// What a run waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Wait {
    /// A create that an earlier run sent and never heard back from (it was stopped, or the
    /// answer was lost), given the time to show in lookups before it is looked up.
    EarlierCreate,
    /// A request of this run whose answer was lost ("create", "update", "department or
    /// contact"), given the time to show before it is checked.
    Lost(&'static str),
    /// Before a request is sent again; why (a `Retry-After`, a 5xx, no connection).
    Retry(String),
}

impl Wait {
    /// Waits of one kind started together are said once.
    fn kind(&self) -> u8 {
        match self {
            Wait::EarlierCreate => 0,
            Wait::Lost(_) => 1,
            Wait::Retry(_) => 2,
        }
    }

    fn announce(&self, length: Duration) -> String {
        let length = seconds(length);
        match self {
            Wait::EarlierCreate => format!(
                "waiting {length} for creates that an earlier run sent without hearing back (it was stopped, or the answers were lost) to show in OnTime; then they are looked up before anything is sent again"
            ),
            Wait::Lost(what) => format!(
                "waiting {length} for a {what} whose answer was lost to show in OnTime; then it is checked before anything is sent again"
            ),
            Wait::Retry(cause) => format!("waiting {length} before trying again: {cause}"),
        }
    }

    fn show(&self, count: usize) -> String {
        match self {
            Wait::EarlierCreate => format!("{count} creates of an earlier run to show in OnTime"),
            Wait::Lost(_) => format!("{count} lost answers to show in OnTime"),
            Wait::Retry(cause) if count == 1 => format!("a retry ({cause})"),
            Wait::Retry(_) => format!("{count} retries"),
        }
    }
}

/// A length as people read it: `0.5 s`, `12 s`, `4 min 5 s`.
fn seconds(length: Duration) -> String {
    let secs = length.as_secs_f64();
    match length.as_secs() {
        0..10 => format!("{secs:.1} s"),
        10..120 => format!("{secs:.0} s"),
        whole => format!("{} min {} s", whole / 60, whole % 60),
    }
}

/// The waits under way in a run; cheap to clone (one shared book).
#[derive(Clone, Default)]
pub(crate) struct Waits(Arc<Mutex<Book>>);

#[derive(Default)]
struct Book {
    next: u64,
    /// Each wait under way: its number, what it waits for, until when.
    active: Vec<(u64, Wait, Instant)>,
}

/// One wait under way; it ends when dropped.
pub(crate) struct Waiting {
    waits: Waits,
    id: u64,
}

impl Drop for Waiting {
    fn drop(&mut self) {
        if let Ok(mut book) = self.waits.0.lock() {
            book.active.retain(|(id, ..)| *id != self.id);
        }
    }
}

impl Waits {
    /// Registers a wait of `length` for `wait` and says so in the log, unless a wait of the
    /// same kind under way already covers it (ends no more than a second sooner). A retry's
    /// back-off under a second is no news and is not said.
    pub(crate) fn begin(&self, wait: Wait, length: Duration) -> Waiting {
        let until = Instant::now() + length;
        let Ok(mut book) = self.0.lock() else {
            return Waiting {
                waits: self.clone(),
                id: u64::MAX,
            };
        };
        let covered = book.active.iter().any(|(_, other, end)| {
            other.kind() == wait.kind() && *end + Duration::from_secs(1) >= until
        });
        let short = matches!(wait, Wait::Retry(_)) && length < Duration::from_secs(1);
        if !covered && !short {
            tracing::info!("{}", wait.announce(length));
        }
        book.next += 1;
        let id = book.next;
        book.active.push((id, wait, until));
        Waiting {
            waits: self.clone(),
            id,
        }
    }

    /// The waits under way, for the progress line: `waiting up to 5.0 s: 12 creates of an
    /// earlier run to show in OnTime`.
    pub(crate) fn describe(&self) -> Option<String> {
        let book = self.0.lock().ok()?;
        let now = Instant::now();
        let mut parts = Vec::new();
        for kind in 0..3 {
            let of_kind: Vec<&(u64, Wait, Instant)> = book
                .active
                .iter()
                .filter(|(_, w, _)| w.kind() == kind)
                .collect();
            let (Some(first), Some(last)) = (
                of_kind.first(),
                of_kind.iter().map(|(_, _, end)| *end).max(),
            ) else {
                continue;
            };
            parts.push(format!(
                "up to {}: {}",
                seconds(last.saturating_duration_since(now)),
                first.1.show(of_kind.len())
            ));
        }
        (!parts.is_empty()).then(|| format!("waiting {}", parts.join("; ")))
    }
}

/// The drawing task; [`Progress::finish`] stops it.
pub(super) struct Progress {
    task: tokio::task::JoinHandle<()>,
    bar: Option<ProgressBar>,
}

impl Progress {
    pub(super) fn finish(self) {
        self.task.abort();
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Starts drawing progress for `customers` customers.
pub(super) fn start(customers: u64, decisions: &Decisions, client: &Client) -> Progress {
    let rows_at_start = decisions.decided();
    let decisions = decisions.clone();
    let requests = client.counter();
    let waits = client.waits();
    let terminal = std::io::stderr().is_terminal();
    let bar = terminal.then(|| {
        let bar = ProgressBar::new(decisions.rows() as u64);
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
            let rows = decisions.decided();
            let sent = requests.load(std::sync::atomic::Ordering::Relaxed);
            let rate = sent as f64 / started.elapsed().as_secs_f64().max(0.001);
            let waiting = waits
                .describe()
                .map(|w| format!("; {w}"))
                .unwrap_or_default();
            match &shown {
                Some(bar) => {
                    bar.set_position(rows as u64);
                    bar.set_message(format!("{sent} requests, {rate:.1}/s{waiting}"));
                }
                None => tracing::info!(
                    "progress: {} of the rows decided, {sent} requests sent ({rate:.1}/s), {customers} customers in all{waiting}",
                    rows.saturating_sub(rows_at_start)
                ),
            }
        }
    });
    Progress { task, bar }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_are_shown_while_they_last() {
        let waits = Waits::default();
        assert_eq!(waits.describe(), None);
        let a = waits.begin(Wait::EarlierCreate, Duration::from_secs(30));
        let b = waits.begin(Wait::EarlierCreate, Duration::from_secs(30));
        let c = waits.begin(
            Wait::Retry("429, Retry-After 3 s".into()),
            Duration::from_secs(3),
        );
        let shown = waits.describe().expect("waits");
        assert!(
            shown.starts_with("waiting up to ")
                && shown.contains("2 creates of an earlier run to show in OnTime; up to ")
                && shown.ends_with(": a retry (429, Retry-After 3 s)"),
            "{shown}"
        );
        drop((a, b, c));
        assert_eq!(waits.describe(), None);
    }

    #[test]
    fn lengths_read_as_people_say_them() {
        assert_eq!(seconds(Duration::from_millis(2500)), "2.5 s");
        assert_eq!(seconds(Duration::from_secs(85)), "85 s");
        assert_eq!(seconds(Duration::from_secs(245)), "4 min 5 s");
    }
}
