//! The report while customers are sent: one task owns it, and the customers' tasks send it
//! their rows' outcomes through a channel ([`Decisions`]) instead of sharing it behind a lock.
//! The task decides the rows, puts the lines on disk within 50 ms, and gives the report back
//! once every sender is gone ([`Writer::finish`]).
//!
//! Invariant: a line that cannot be written is said once, through `on_failure` (the run then
//! stops taking customers); later decisions are still counted, so the report's tallies and the
//! rows left undecided stay right.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::mpsc;

use super::{Outcome, Report, RowId};

/// How long a decided line may wait in memory before it is written.
const FLUSH_EVERY: Duration = Duration::from_millis(50);

/// Where customers' tasks send their rows' outcomes; cheap to clone.
#[derive(Clone)]
pub(crate) struct Decisions {
    sender: mpsc::UnboundedSender<(Vec<RowId>, Outcome)>,
    decided: Arc<AtomicUsize>,
    rows: usize,
}

impl Decisions {
    /// Decides every row of `rows` with `outcome` (in the task, soon).
    pub(crate) fn decide(&self, rows: &[RowId], outcome: Outcome) {
        // Fails only once the task has ended, which it does after every sender is gone.
        let _ = self.sender.send((rows.to_vec(), outcome));
    }

    /// Rows decided so far, for the progress line.
    pub(crate) fn decided(&self) -> usize {
        self.decided.load(Ordering::Relaxed)
    }

    /// Rows in the report.
    pub(crate) fn rows(&self) -> usize {
        self.rows
    }
}

/// The task that owns the report.
pub(crate) struct Writer(tokio::task::JoinHandle<Report>);

impl Writer {
    /// Waits for the decisions sent before every [`Decisions`] was dropped, then gives the
    /// report back.
    pub(crate) async fn finish(self) -> Result<Report, tokio::task::JoinError> {
        self.0.await
    }
}

/// Moves `report` into its task. `on_failure` is told of the first line that cannot be written.
pub(crate) fn spawn(
    mut report: Report,
    on_failure: impl Fn(&std::io::Error) + Send + 'static,
) -> (Decisions, Writer) {
    let (sender, mut received) = mpsc::unbounded_channel::<(Vec<RowId>, Outcome)>();
    let decided = Arc::new(AtomicUsize::new(report.decided()));
    let decisions = Decisions {
        sender,
        decided: Arc::clone(&decided),
        rows: report.len(),
    };
    let task = tokio::spawn(async move {
        let mut failed = false;
        while let Some((rows, outcome)) = received.recv().await {
            let mut result = Ok(());
            for row in rows {
                result = result.and(report.decide(row, outcome.clone()));
            }
            result = result.and(report.flush_lines_every(FLUSH_EVERY));
            decided.store(report.decided(), Ordering::Relaxed);
            if let Err(error) = result
                && !failed
            {
                failed = true;
                on_failure(&error);
            }
        }
        report
    });
    (decisions, Writer(task))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::SourceName;
    use crate::report::Status;

    #[tokio::test]
    async fn decisions_from_many_senders_all_reach_the_report_in_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("r.csv");
        let mut report = Report::create(&path).expect("create");
        let source = report.add_source(&SourceName {
            file: "in.csv".into(),
            sheet: None,
        });
        let rows: Vec<RowId> = (2..202)
            .map(|n| report.register(source, n, Some("k")))
            .collect();
        let (decisions, writer) = spawn(report, |_| panic!("nothing fails here"));
        let tasks: Vec<_> = rows
            .chunks(10)
            .rev()
            .map(|chunk| {
                let (decisions, chunk) = (decisions.clone(), chunk.to_vec());
                tokio::spawn(async move {
                    decisions.decide(&chunk, Outcome::new(Status::Created, "created"));
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("sender");
        }
        drop(decisions);
        let mut report = writer.finish().await.expect("the report back");
        assert_eq!(report.decided(), 200);
        report
            .finish(&Outcome::new(Status::Valid, ""))
            .expect("finish");
        report.publish().expect("publish");
        let text = std::fs::read_to_string(&path).expect("read");
        let numbers: Vec<&str> = text
            .lines()
            .skip(1)
            .map(|l| l.split(',').nth(1).unwrap_or(""))
            .collect();
        let wanted: Vec<String> = (2..202).map(|n| n.to_string()).collect();
        assert_eq!(numbers, wanted);
    }
}
