//! The first request of every run that talks to a server proves the site (address, company id,
//! key) before any customer is judged: with every row unchanged in the ledger, a refused key,
//! a dead address, a 404 or a redirect still ends the run with exit 2 and the reason. A nightly
//! run with nothing changed costs that one request.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use ontime_sandbox::{self as sandbox, SandboxConfig};

use super::sites::import;
use crate::odd_servers::{Act, Answer, Odd};
use crate::upload::{assert_every_row_once, customers_csv, env_default};
use crate::util::{SIMPLE_MAPPING, Work, brief};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nightly_run_with_nothing_changed_costs_one_request() {
    let e = env_default().await;
    e.input(&customers_csv(5));
    assert_eq!(e.run(&[]).await.code, 0);
    e.sb.reset_stats();
    for args in [&[][..], &["--plan"][..]] {
        let run = e.run(args).await;
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(e.log(), ["GET api/customers 200"], "{args:?}");
        assert!(run.stderr.contains("requests sent: 1 "), "{}", run.stderr);
        let report = e.report();
        assert_every_row_once(&report, 5);
        assert!(
            report.iter().all(|l| l.contains(",unchanged,")),
            "{report:#?}"
        );
        e.sb.reset_stats();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_key_stops_a_run_with_every_row_unchanged() {
    let e = env_default().await;
    e.input(&customers_csv(3));
    assert_eq!(e.run(&[]).await.code, 0);
    e.sb.reset_stats();
    let run = e.run_with_key("not-the-key", &[]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("stopped early: OnTime refused the API key (401)"),
        "{}",
        run.stderr
    );
    assert_eq!(e.log(), ["GET api/customers 401"]);
    let report = e.report();
    assert!(
        report
            .iter()
            .all(|l| l.contains(",not_sent,") && l.contains("OnTime refused the API key (401)")),
        "{report:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_address_stops_a_run_with_every_row_unchanged() {
    let sb = sandbox::start(SandboxConfig::default()).await.unwrap();
    let key = sb.api_key().to_string();
    let work = Work::new();
    work.write("in.csv", customers_csv(3));
    work.write("m.toml", SIMPLE_MAPPING);
    assert_eq!(import(&work, &sb, &key, &[]).await.code, 0);
    // The same address, nobody listening there any more.
    let base = sb.base_url();
    let company = sb.company_id().to_string();
    sb.shutdown().await;
    let args = [
        "in.csv",
        "-m",
        "m.toml",
        "--base-url",
        &base,
        "--company-id",
        &company,
        "--retries",
        "1",
        "--rate",
        "500",
    ];
    let run = work.run_async(&args, &[("ONTIME_API_KEY", &key)]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "error: the first request to {base}/sites/{company}/ (GET api/customers"
        )) && run.stderr.contains("Connection refused")
            && run.stderr.contains("nothing was sent"),
        "{}",
        run.stderr
    );
    let report = brief(&work.report("in.csv.report.csv"));
    assert!(
        report.iter().all(|l| l.contains(",not_sent,")),
        "{report:#?}"
    );
}

/// The same address answers 404 (a wrong company, or a path that is not the API), or redirects:
/// exit 2 naming it, though the ledger shows every row unchanged there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_404_or_a_redirect_stops_a_run_with_every_row_unchanged() {
    // 0: pass everything; 1: answer 404; 2: redirect.
    let mode = Arc::new(AtomicU8::new(0));
    let odd = Odd::new({
        let mode = Arc::clone(&mode);
        move |_| match mode.load(Ordering::SeqCst) {
            0 => Act::Pass,
            1 => Act::answer(Answer::new(404, "Not Found")),
            _ => Act::answer(
                Answer::new(301, "").header("Location", "https://elsewhere.example/api/customers"),
            ),
        }
    })
    .await;
    assert_eq!(odd.import(3, &[]).await.code, 0);
    for (which, says) in [
        (1, "OnTime answered 404 Not Found for"),
        (2, "redirecting to https://elsewhere.example/api/customers"),
    ] {
        mode.store(which, Ordering::SeqCst);
        let seen = odd.seen().len();
        let run = odd.rerun(&[]).await;
        assert_eq!(odd.seen()[seen..], ["GET api/customers"], "one request");
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(run.stderr.contains(says), "{}", run.stderr);
        let report = odd.report();
        assert!(
            report.iter().all(|l| l.contains(",not_sent,")),
            "{report:#?}"
        );
    }
}
