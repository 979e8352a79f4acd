//! A customer that failed is sent again by the next run, even if its row did not change (the
//! ledger records a hash on success only), and the report says it is a retry and of what.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use ontime_sandbox::FaultKind;

use crate::upload::{customers_csv, env_default, scripted};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_creates_and_updates_are_retried_and_said_so() {
    let e = env_default().await;
    e.input(&customers_csv(3));
    e.sb.set_faults(scripted("1002", FaultKind::Error500, 3));
    let run = e.run(&["--retries", "2"]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(e.report()[1].starts_with("3,failed,1002,gave up after retries"));
    // The same file again: only the failed customer is sent.
    let posts = e.posts();
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(e.posts() - posts, 1);
    let report = e.report();
    assert!(
        report[0].starts_with("2,unchanged,1001,unchanged since the last run"),
        "{report:#?}"
    );
    assert!(!report[0].contains("retry"), "{report:#?}");
    assert!(
        report[1].starts_with("3,created,1002,created (retry of a failure on 20"),
        "{report:#?}"
    );
    assert!(
        report[1].contains(": gave up after retries: 500 Internal Server Error"),
        "{report:#?}"
    );
    assert_eq!(e.accounts().get("1002"), Some(&1));
    // An update that fails, then the same changed row again.
    let csv = customers_csv(3).replace("Company 1003", "Renamed 1003");
    e.input(&csv);
    e.sb.set_faults(scripted("1003", FaultKind::Error500, 3));
    let run = e.run(&["--retries", "2"]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        e.report()[2].starts_with("4,failed,1003,"),
        "{:#?}",
        e.report()
    );
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = e.report();
    assert!(
        report[2].starts_with("4,updated,1003,updated: Name (retry of a failure on 20"),
        "{report:#?}"
    );
    assert_eq!(e.customer("1003")["Name"], "Renamed 1003");
    // Succeeded once: no longer a retry.
    e.run(&["--full"]).await;
    assert!(
        !e.report().iter().any(|l| l.contains("retry")),
        "{:#?}",
        e.report()
    );
}
