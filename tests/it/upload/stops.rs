//! Refused keys (401/403: exit 2) and Ctrl-C (exit 130, a valid report, a rerun finishes).
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::time::Duration;

use ontime_sandbox::{Faults, SandboxConfig};

use super::*;
use crate::util::signal;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_key_stops_after_one_request() {
    let e = env_default().await;
    e.input(&customers_csv(5));
    let run = e.run_with_key("not-the-key", &[]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(e.sb.stats().total, 1, "{:?}", e.log());
    assert!(
        run.stderr.contains("(401)") && run.stderr.contains("ONTIME_API_KEY"),
        "{}",
        run.stderr
    );
    for line in e.report() {
        assert!(
            line.contains(",not_sent,10")
                && line.contains(",not sent: OnTime refused the API key (401)"),
            "{line}"
        );
    }
    // The customers were journaled with their window, then stopped at the account's first
    // GET: nothing was sent, so nothing is left pending for the next run to wait for.
    assert_eq!(e.pending(), []);
    // A wait is said at info level ("waiting …"): none for creates never sent.
    let rerun = e.run(&[]).await;
    assert_eq!(rerun.code, 0, "{}", rerun.stderr);
    assert!(
        !rerun.stderr.contains(" INFO waiting "),
        "the rerun waited for creates never sent: {}",
        rerun.stderr
    );
    assert_eq!(e.sb.customers().len(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_without_permission_stops_after_one_request() {
    let e = env(SandboxConfig {
        denied_key: Some("fresh-key".into()),
        ..SandboxConfig::default()
    })
    .await;
    e.input(&customers_csv(5));
    let run = e.run_with_key("fresh-key", &[]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(e.sb.stats().total, 1, "{:?}", e.log());
    assert!(
        run.stderr.contains("(403)") && run.stderr.contains("administrator must allow"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_readonly_key_stops_at_the_first_post() {
    let e = env(SandboxConfig {
        readonly_key: Some("ro-key".into()),
        ..SandboxConfig::default()
    })
    .await;
    e.input(&customers_csv(5));
    let run = e.run_with_key("ro-key", &["--concurrency", "1"]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(
        e.log(),
        ["GET api/customers 200", "POST api/customer/post 403"]
    );
    assert!(
        run.stderr.contains("lacks permission (403)"),
        "{}",
        run.stderr
    );
    let report = e.report();
    let refused = |l: &String| {
        l.contains(",not_sent,10") && l.contains(",not sent: the API key lacks permission (403)")
    };
    assert!(report.iter().all(refused), "{report:#?}");
    // The refused create was journaled and then cleared: a rerun with a good key creates it once.
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(e.accounts().values().copied().collect::<Vec<_>>(), [1; 5]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_finishes_in_flight_and_reports_the_rest_not_sent() {
    let n = 30;
    let e = env_default().await;
    e.input(&customers_csv(n));
    e.sb.set_faults(Faults {
        latency: Duration::from_millis(40),
        ..Faults::default()
    });
    let mut child = e.spawn(&["--concurrency", "2"]);
    e.sb.wait_for_requests(5).await;
    let pid = child.id().unwrap().to_string();
    let kill = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = child.wait().await.unwrap();
    assert_eq!(status.code(), Some(130));
    let report = e.report();
    assert_every_row_once(&report, n);
    let created = report.iter().filter(|l| l.contains(",created,")).count();
    let not_sent: Vec<&String> = report.iter().filter(|l| l.contains(",not_sent,")).collect();
    assert_eq!(created + not_sent.len(), n, "{report:#?}");
    assert!(!not_sent.is_empty() && created >= 4, "{report:#?}");
    assert!(
        not_sent
            .iter()
            .all(|l| l.ends_with("not sent: interrupted; run again to continue"))
    );
    assert_eq!(
        e.sb.customers().len(),
        created,
        "every create in flight finished and is reported"
    );
    // Nothing is left pending: the creates in flight were answered, and the customers journaled
    // with their window but never sent were taken back (else the rerun would wait for them).
    assert_eq!(e.pending(), []);
    let ledger = e.ledger();
    let entries = ledger.all().unwrap();
    assert_eq!(
        entries.values().filter(|e| e.customer_id.is_some()).count(),
        created
    );
    drop(ledger);
    // A rerun finishes the job without duplicates.
    e.sb.set_faults(Faults::default());
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = e.report();
    assert_every_row_once(&report, n);
    assert_eq!(
        report.iter().filter(|l| l.contains(",unchanged,")).count(),
        created
    );
    assert_eq!(
        report.iter().filter(|l| l.contains(",created,")).count(),
        n - created
    );
    assert_eq!(
        e.accounts().values().copied().collect::<Vec<_>>(),
        vec![1; n]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_ctrl_c_quits_at_once_and_a_rerun_finishes() {
    use tokio::io::AsyncBufReadExt;
    let n = 12;
    let e = env_default().await;
    e.input(&customers_csv(n));
    // Answers take long enough that the second signal comes while requests are in flight.
    e.sb.set_faults(Faults {
        latency: Duration::from_millis(1000),
        ..Faults::default()
    });
    let mut child = e.spawn_with(&["--concurrency", "2", "-q"], std::process::Stdio::piped());
    let mut stderr = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
    e.sb.wait_for_requests(3).await;
    signal(&child, "-INT");
    while let Some(line) = stderr.next_line().await.unwrap() {
        if line.starts_with("interrupted: no new customers; finishing the requests in flight") {
            break;
        }
    }
    signal(&child, "-INT");
    let status = child.wait().await.unwrap();
    assert_eq!(status.code(), Some(130));
    // The report on disk is a valid prefix: each row at most once, in order. It quit without
    // waiting for the answers in flight: their rows (and the rows never sent) are not in it.
    let report = e.report();
    assert!(
        report.len() < n,
        "quit without waiting for answers: {report:#?}"
    );
    for (i, line) in report.iter().enumerate() {
        assert!(line.starts_with(&format!("{},", i + 2)), "{report:#?}");
    }
    e.sb.set_faults(Faults::default());
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_every_row_once(&e.report(), n);
    assert_eq!(
        e.accounts().values().copied().collect::<Vec<_>>(),
        vec![1; n]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_company_id_stops_after_one_request() {
    let e = env_default().await;
    e.input(&customers_csv(5));
    let mut args = e.args(&[]);
    let at = args.iter().position(|a| a == "--company-id").unwrap();
    args[at + 1] = "acme-typo".into();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = e.work.run_async(&args, &[("ONTIME_API_KEY", &e.key)]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(e.sb.stats().total, 1, "{:?}", e.log());
    assert!(
        run.stderr.contains("404 Not Found")
            && run
                .stderr
                .contains("check ONTIME_COMPANY_ID (--company-id) and --base-url"),
        "{}",
        run.stderr
    );
    let report = e.report();
    assert_every_row_once(&report, 5);
    assert!(
        report.iter().all(|l| l.contains(",not_sent,")
            && l.contains("not sent: OnTime answered 404 Not Found for http://127.0.0.1:")),
        "{report:#?}"
    );
}
