//! SIGTERM and SIGHUP (systemd, docker, `timeout`, a closed terminal) end a run as the first
//! Ctrl-C does: no new customers, the requests in flight finish, the report is completed with
//! `not_sent`, the summary is printed, exit 130. A second signal quits at once. The signal is
//! sent to the child once the sandbox has seen its first requests (answers are held 40 ms, so
//! some rows are decided and others not yet).
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::process::Stdio;
use std::time::Duration;

use ontime_sandbox::Faults;
use tokio::io::{AsyncBufReadExt, AsyncReadExt};

use crate::upload::{Env, assert_every_row_once, customers_csv, env_default};
use crate::util::signal;

async fn slow_sandbox(n: usize, latency: Duration) -> Env {
    let e = env_default().await;
    e.input(&customers_csv(n));
    e.sb.set_faults(Faults {
        latency,
        ..Faults::default()
    });
    e
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_and_sighup_finish_in_flight_and_report_the_rest_not_sent() {
    let n = 30;
    for (name, said) in [
        ("-TERM", "terminated (SIGTERM): no new customers"),
        ("-HUP", "hung up (SIGHUP): no new customers"),
    ] {
        let e = slow_sandbox(n, Duration::from_millis(40)).await;
        let mut child = e.spawn_with(&["--concurrency", "2"], Stdio::piped());
        let mut pipe = child.stderr.take().unwrap();
        let stderr = tokio::spawn(async move {
            let mut text = String::new();
            pipe.read_to_string(&mut text).await.unwrap();
            text
        });
        e.sb.wait_for_requests(5).await;
        signal(&child, name);
        let status = child.wait().await.unwrap();
        let stderr = stderr.await.unwrap();
        assert_eq!(status.code(), Some(130), "{name}: {stderr}");
        assert!(stderr.contains(said), "{name}: {stderr}");
        // The summary was printed.
        assert!(
            stderr.contains(&format!("{n} rows, {n} customers: ")),
            "{name}: {stderr}"
        );
        let report = e.report();
        assert_every_row_once(&report, n);
        let created = report.iter().filter(|l| l.contains(",created,")).count();
        let not_sent: Vec<&String> = report.iter().filter(|l| l.contains(",not_sent,")).collect();
        assert_eq!(created + not_sent.len(), n, "{name}: {report:#?}");
        assert!(!not_sent.is_empty() && created >= 1, "{name}: {report:#?}");
        assert!(
            not_sent
                .iter()
                .all(|l| l.ends_with("not sent: interrupted; run again to continue")),
            "{name}: {report:#?}"
        );
        assert_eq!(
            e.sb.customers().len(),
            created,
            "{name}: every create in flight finished and is reported"
        );
        assert_eq!(e.pending(), [], "{name}");
    }
}

/// A second signal, of any of the three kinds, while answers are held far longer than any test
/// runs: the process quits at once with 130.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_signal_quits_at_once() {
    let e = slow_sandbox(12, Duration::from_secs(600)).await;
    let mut child = e.spawn_with(
        &["--concurrency", "2", "--timeout", "900", "-q"],
        Stdio::piped(),
    );
    let mut stderr = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
    e.sb.wait_for_requests(1).await;
    signal(&child, "-TERM");
    while let Some(line) = stderr.next_line().await.unwrap() {
        if line.starts_with("terminated (SIGTERM): no new customers") {
            break;
        }
    }
    signal(&child, "-HUP");
    let status = child.wait().await.unwrap();
    assert_eq!(status.code(), Some(130));
    let mut rest = Vec::new();
    while let Some(line) = stderr.next_line().await.unwrap() {
        rest.push(line);
    }
    assert_eq!(
        rest,
        ["quitting at once; run again to finish the job"],
        "no summary: it quit without waiting for the answers"
    );
}
