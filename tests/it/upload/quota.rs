//! The quota, --max-requests and --reserve: stop sending, report the rest not_sent, exit 3.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use ontime_sandbox::SandboxConfig;
use serde_json::Value;

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spent_quota_stops_the_run_with_an_exact_report() {
    // 1 lookup of the account + 5 creates spend the 6 requests of the day.
    let e = env(SandboxConfig {
        daily_limit: 6,
        ..SandboxConfig::default()
    })
    .await;
    e.input(&customers_csv(9));
    let run = e.run(&["--concurrency", "1"]).await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    let reset = e.quota().await["daily_reset"].as_i64().unwrap();
    let reset = chrono::DateTime::from_timestamp(reset, 0)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut want = lines(0, 5, "created", "created");
    want.extend(lines(
        5,
        9,
        "not_sent",
        &format!("not sent: the OnTime request quota is spent until {reset}; run again after that"),
    ));
    assert_eq!(e.report(), want);
    assert_eq!(
        e.sb.stats().total,
        6,
        "no request after the quota was seen spent"
    );
    assert_eq!(e.sb.customers().len(), 5);
    assert!(
        run.stderr
            .contains("stopped early: the OnTime request quota is spent"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_without_retry_after_stops_at_once() {
    let e = env(SandboxConfig {
        daily_limit: 100,
        ..SandboxConfig::default()
    })
    .await;
    e.input(&customers_csv(4));
    e.set_quota(serde_json::json!({"daily_used": 100})).await;
    let run = e.run(&[]).await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert_eq!(e.sb.stats().total, 1, "{:?}", e.log());
    assert_eq!(e.sb.stats().quota_exhausted, 1);
    for line in e.report() {
        assert!(
            line.contains(",not_sent,") && line.contains("quota is spent until 20"),
            "{line}"
        );
    }
    assert!(e.sb.customers().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_runs_into_a_spent_quota_report_what_was_stored() {
    // With 4 in flight, answers after the quota ran out are 429s: created rows must match the
    // stored customers exactly, the others be not_sent.
    let e = env(SandboxConfig {
        daily_limit: 7,
        ..SandboxConfig::default()
    })
    .await;
    e.input(&customers_csv(12));
    let run = e.run(&["--concurrency", "4"]).await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    let report = e.report();
    assert_every_row_once(&report, 12);
    let created: Vec<String> = report
        .iter()
        .filter(|l| l.contains(",created,"))
        .map(|l| l.split(',').nth(2).unwrap().to_string())
        .collect();
    let stored: Vec<String> = e.accounts().into_keys().collect();
    let mut created_sorted = created.clone();
    created_sorted.sort();
    assert_eq!(created_sorted, stored);
    assert_eq!(
        report.iter().filter(|l| l.contains(",not_sent,")).count(),
        12 - created.len()
    );
    assert!(e.sb.stats().total <= 7 + 3, "{:?}", e.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quota_spent_by_the_last_request_is_not_a_stop() {
    // 1 lookup of the account + 3 creates spend exactly the 4 requests of the day.
    let e = env(SandboxConfig {
        daily_limit: 4,
        ..SandboxConfig::default()
    })
    .await;
    e.input(&customers_csv(3));
    let run = e
        .run(&["--concurrency", "1", "--summary-json", "summary.json"])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(e.report(), lines(0, 3, "created", "created"));
    assert!(!run.stderr.contains("stopped early"), "{}", run.stderr);
    assert!(run.stderr.contains("daily quota left: 0"), "{}", run.stderr);
    let json: Value =
        serde_json::from_slice(&std::fs::read(e.work.path("summary.json")).unwrap()).unwrap();
    assert_eq!(json["stopped"], Value::Null);
    assert_eq!(json["exit_code"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_requests_stops_after_exactly_n() {
    let e = env_default().await;
    e.input(&customers_csv(8));
    let run = e.run(&["--max-requests", "4"]).await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert_eq!(e.sb.stats().total, 4, "{:?}", e.log());
    let report = e.report();
    assert_every_row_once(&report, 8);
    assert_eq!(report.iter().filter(|l| l.contains(",created,")).count(), 3);
    let not_sent = report
        .iter()
        .filter(|l| l.ends_with(",not sent: --max-requests 4 reached; run again to continue"));
    assert_eq!(not_sent.count(), 5, "{report:#?}");
    assert_eq!(e.sb.customers().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reserve_keeps_the_rest_of_the_daily_quota() {
    let e = env(SandboxConfig {
        daily_limit: 20,
        ..SandboxConfig::default()
    })
    .await;
    e.input(&customers_csv(10));
    // One at a time, the count is exact.
    let run = e.run(&["--reserve", "15", "--concurrency", "1"]).await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    let quota = e.quota().await;
    assert_eq!(quota["daily_remaining"], 15, "{quota}");
    assert_eq!(e.sb.stats().total, 5, "{:?}", e.log());
    let report = e.report();
    assert_every_row_once(&report, 10);
    assert_eq!(report.iter().filter(|l| l.contains(",created,")).count(), 4);
    let message =
        "not sent: 15 requests left today and --reserve keeps 15; run again after the reset";
    assert_eq!(
        report.iter().filter(|l| l.ends_with(message)).count(),
        6,
        "{report:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reserve_holds_with_requests_in_flight() {
    // With 4 in flight, the server's remaining count may already include some of them: the
    // run may stop a little early, never late.
    let e = env(SandboxConfig {
        daily_limit: 20,
        ..SandboxConfig::default()
    })
    .await;
    e.input(&customers_csv(10));
    let run = e.run(&["--reserve", "15", "--concurrency", "4"]).await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    let remaining = e.quota().await["daily_remaining"].as_u64().unwrap();
    assert!((15..=17).contains(&remaining), "{remaining}");
    let report = e.report();
    assert_every_row_once(&report, 10);
    let created = report.iter().filter(|l| l.contains(",created,")).count();
    assert_eq!(created, e.sb.customers().len());
    assert_eq!(created as u64, 19 - remaining);
    let held_back = report
        .iter()
        .filter(|l| l.contains(",not_sent,") && l.contains("--reserve keeps 15"));
    assert_eq!(held_back.count(), 10 - created, "{report:#?}");
}
