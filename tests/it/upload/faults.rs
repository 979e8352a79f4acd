//! Scripted faults: 500s, dropped and slow answers, 429 with Retry-After — each customer created once.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use ontime_sandbox::{FaultKind, SandboxConfig};
use serde_json::Value;

use super::*;
use crate::util::SIMPLE_MAPPING;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_500_then_success_creates_once() {
    let e = env_default().await;
    e.input(&customers_csv(3));
    e.sb.set_faults(scripted("1002", FaultKind::Error500, 1));
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = e.report();
    assert_eq!(report[0], "2,created,1001,created");
    assert!(
        report[1].starts_with("3,created,1002,created after a retry (500 Internal Server Error: "),
        "{report:?}"
    );
    assert_eq!(report[2], "4,created,1003,created");
    assert_eq!(
        e.accounts().values().copied().collect::<Vec<_>>(),
        [1, 1, 1]
    );
    let stats = e.sb.stats();
    assert_eq!(stats.count("POST api/customer/post", "500"), 1);
    assert_eq!(stats.count("POST api/customer/post", "201"), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_create_is_resolved_by_lookup() {
    let e = env_default().await;
    e.input(&customers_csv(3));
    e.sb.set_faults(scripted("1002", FaultKind::DropAfterStore, 1));
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = e.report();
    assert!(
        report[1].starts_with("3,created,1002,created (confirmed by lookup after:"),
        "{report:?}"
    );
    assert_eq!(e.accounts().get("1002"), Some(&1));
    assert_eq!(e.sb.customers().len(), 3);
    let log = e.log();
    assert_eq!(
        log.iter()
            .filter(|l| l.contains("accountNumber=1002"))
            .count(),
        1,
        "{log:#?}"
    );
    assert_eq!(e.sb.stats().count("POST api/customer/post", "dropped"), 1);
    assert_eq!(e.sb.stats().endpoint_total("POST api/customer/post"), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_create_beyond_the_timeout_is_resolved_by_lookup() {
    let e = env_default().await;
    e.input(&customers_csv(3));
    e.sb.set_faults(scripted("1002", FaultKind::SlowAfterStore, 1));
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = e.report();
    assert!(
        report[1].starts_with("3,created,1002,created (confirmed by lookup after: timed out"),
        "{report:?}"
    );
    assert_eq!(e.accounts().get("1002"), Some(&1));
    assert_eq!(e.sb.customers().len(), 3);
    assert_eq!(e.sb.stats().endpoint_total("POST api/customer/post"), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_match_key_an_unknown_outcome_is_failed_not_resent() {
    let e = env_default().await;
    e.input(&customers_csv(3));
    e.work.write(
        "m.toml",
        format!("{SIMPLE_MAPPING}\n[match]\nby = \"none\"\n"),
    );
    e.sb.set_faults(scripted("1002", FaultKind::DropAfterStore, 1));
    let run = e.run(&[]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = e.report();
    assert_eq!(report[0], "2,created,1001,created");
    assert!(
        report[1].starts_with("3,failed,1002,outcome unknown — check OnTime before re-running ("),
        "{report:?}"
    );
    assert_eq!(report[2], "4,created,1003,created");
    // One create sent for it, and no lookup at all (nothing to look up by): the one GET is
    // the run's first request, which proves the site.
    assert_eq!(e.log().iter().filter(|l| l.starts_with("GET")).count(), 1);
    assert_eq!(e.sb.stats().endpoint_total("POST api/customer/post"), 3);
    assert_eq!(e.accounts().get("1002"), Some(&1));
    // A rerun does not send it blindly either.
    e.sb.reset_stats();
    let run = e.run(&[]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = e.report();
    assert!(
        report[1].starts_with("3,failed,1002,an earlier run sent this customer's create"),
        "{report:?}"
    );
    assert_eq!(e.log(), ["GET api/customers 200"]);
    assert_eq!(e.accounts().get("1002"), Some(&1));
}

/// A 5xx is the server's answer that the create failed (the contract: before anything is
/// stored), so even with nothing to look up by it is sent again, after a back-off.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_match_key_a_500_is_retried() {
    let e = env_default().await;
    e.input(&customers_csv(3));
    e.work.write(
        "m.toml",
        format!("{SIMPLE_MAPPING}\n[match]\nby = \"none\"\n"),
    );
    e.sb.set_faults(scripted("1002", FaultKind::Error500, 1));
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = e.report();
    assert!(
        report[1].starts_with("3,created,1002,created after a retry (500 Internal Server Error: "),
        "{report:?}"
    );
    assert_eq!(e.log().iter().filter(|l| l.starts_with("GET")).count(), 1);
    let stats = e.sb.stats();
    assert_eq!(stats.count("POST api/customer/post", "500"), 1);
    assert_eq!(stats.count("POST api/customer/post", "201"), 3);
    assert_eq!(
        e.accounts().values().copied().collect::<Vec<_>>(),
        [1, 1, 1]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_with_retry_after_is_honoured() {
    let e = env_default().await;
    e.input(&customers_csv(3));
    e.sb.set_faults(scripted("1002", FaultKind::RetryAfter429, 1));
    e.work.write("m.toml", SIMPLE_MAPPING);
    let summary = e.work.path("summary.json");
    let summary_arg = summary.display().to_string();
    let run = e.run(&["--summary-json", &summary_arg]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = e.report();
    assert_eq!(report, lines(0, 3, "created", "created"));
    let stats = e.sb.stats();
    assert_eq!(stats.count("POST api/customer/post", "429"), 1);
    assert_eq!(stats.count("POST api/customer/post", "201"), 3);
    assert_eq!(e.sb.customers().len(), 3);
    // Retry-After: 1 was waited out.
    let json: Value = serde_json::from_slice(&std::fs::read(&summary).unwrap()).unwrap();
    assert!(json["elapsed_seconds"].as_f64().unwrap() >= 1.0, "{json}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_per_second_throttle_is_honoured() {
    let e = env(SandboxConfig {
        max_per_second: Some(4),
        ..SandboxConfig::default()
    })
    .await;
    e.input(&customers_csv(6));
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(e.report(), lines(0, 6, "created", "created"));
    assert!(
        e.sb.stats().throttled > 0,
        "the test must make the throttle answer 429"
    );
    assert_eq!(e.accounts().values().copied().collect::<Vec<_>>(), [1; 6]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_that_keeps_failing_gives_up_and_the_rerun_creates_it_once() {
    let e = env_default().await;
    e.input(&customers_csv(2));
    e.sb.set_faults(scripted("1002", FaultKind::Error500, 3));
    // --retries 2: three attempts, each 500, each checked by a lookup before the next.
    let run = e.run(&["--retries", "2"]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = e.report();
    assert_eq!(report[0], "2,created,1001,created");
    assert!(
        report[1].starts_with("3,failed,1002,gave up after retries: 500 Internal Server Error"),
        "{report:?}"
    );
    let stats = e.sb.stats();
    assert_eq!(stats.count("POST api/customer/post", "500"), 3);
    let lookups = e
        .log()
        .iter()
        .filter(|l| l.contains("accountNumber=1002"))
        .count();
    assert_eq!(lookups, 3, "{:?}", e.log());
    assert_eq!(e.accounts().get("1002"), None);
    // The rerun knows nothing was stored and creates it, once.
    e.sb.reset_stats();
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        e.report()[1].starts_with("3,created,1002,created (retry of a failure on 20"),
        "{:?}",
        e.report()
    );
    assert!(e.report()[1].ends_with(": gave up after retries: 500 Internal Server Error: {\"Message\":\"An error has occurred.\"})"));
    assert_eq!(e.accounts().get("1002"), Some(&1));
}
