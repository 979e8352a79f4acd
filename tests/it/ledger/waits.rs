//! Never silent: a run that waits says what for and how long (in the log, at info level), and
//! the empty-account shortcut is checked afterwards for customers created meanwhile by others.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::sync::Arc;
use std::time::Duration;

use ontime_sandbox::{self as sandbox, Faults, SandboxConfig};
use serde_json::json;

use crate::odd_servers::{Act, Answer, Odd, Proxy};
use crate::upload::{assert_every_row_once, customers_csv, env_default};
use crate::util::{SIMPLE_MAPPING, Work, signal};

/// A double Ctrl-C leaves creates journaled and never answered; the rerun waits for them to
/// land before looking them up, and says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_after_a_double_ctrl_c_says_what_it_waits_for() {
    use tokio::io::AsyncBufReadExt;
    let n = 12;
    let e = env_default().await;
    e.input(&customers_csv(n));
    e.sb.set_faults(Faults {
        latency: Duration::from_millis(1000),
        ..Faults::default()
    });
    // A timeout longer than the answers take: the first request (the listing) is answered.
    let mut child = e.spawn_with(
        &["--concurrency", "2", "--timeout", "5"],
        std::process::Stdio::piped(),
    );
    let mut stderr = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
    e.sb.wait_for_requests(3).await;
    signal(&child, "-INT");
    while let Some(line) = stderr.next_line().await.unwrap() {
        if line.starts_with("interrupted: no new customers") {
            break;
        }
    }
    signal(&child, "-INT");
    assert_eq!(child.wait().await.unwrap().code(), Some(130));
    assert!(!e.pending().is_empty(), "creates left pending");
    e.sb.set_faults(Faults::default());
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains(" INFO waiting ")
            && run.stderr.contains(
                " for creates that an earlier run sent without hearing back (it was stopped, or the answers were lost) to show in OnTime; then they are looked up before anything is sent again"
            ),
        "{}",
        run.stderr
    );
    // Said for each round of waits (a first lookup, then a later one for those not found),
    // not for each customer.
    let said = run
        .stderr
        .matches("for creates that an earlier run sent")
        .count();
    assert!((1..=4).contains(&said), "said {said} times: {}", run.stderr);
    assert_every_row_once(&e.report(), n);
    assert_eq!(
        e.accounts().values().copied().collect::<Vec<_>>(),
        vec![1; n]
    );
}

/// A `Retry-After` is waited out, and the wait is said with its length and cause.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_after_is_said_before_it_is_waited_out() {
    let odd = Odd::new(|seen| {
        if seen.is_create() && seen.nth == 0 {
            Act::answer(Answer::new(429, "slow down").header("Retry-After", "1"))
        } else {
            Act::Pass
        }
    })
    .await;
    let run = odd.import(1, &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            " INFO waiting 1.0 s before trying again: 429 Too Many Requests, Retry-After 1 s"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(odd.report(), ["2,created,1001,created"]);
}

/// Another import creates a customer while this one fills what it found an empty account
/// without lookups: the listing after the run shows it, and the run says so loudly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_created_meanwhile_by_others_are_reported() {
    let sb = Arc::new(sandbox::start(SandboxConfig::default()).await.unwrap());
    let proxy = Proxy::start(&sb.base_url(), {
        let sb = Arc::clone(&sb);
        move |seen| {
            // The other import's customer lands as this run's first create arrives.
            if seen.is_create() && seen.nth == 0 {
                sb.insert_customer(json!({"Name": "Other import", "AccountNumber": "1002"}));
            }
            Act::Pass
        }
    })
    .await;
    let work = Work::new();
    work.write("in.csv", customers_csv(3));
    work.write("m.toml", SIMPLE_MAPPING);
    let args = [
        "in.csv",
        "-m",
        "m.toml",
        "--base-url",
        proxy.base(),
        "--company-id",
        sb.company_id(),
        "--rate",
        "500",
        "--concurrency",
        "1",
        "--summary-json",
        "summary.json",
    ];
    let run = work
        .run_async(&args, &[("ONTIME_API_KEY", sb.api_key())])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let warning = "1 customers that this run did not create appeared in OnTime while it created customers into an account it found empty, without looking each up first: if another import ran into the same account at the same time, some customers may now be in OnTime twice. Run again with --plan to see what OnTime holds, and merge duplicates in OnTime";
    assert!(
        run.stderr.contains(&format!("WARN {warning}"))
            && run.stderr.contains(&format!("\nwarning: {warning}\n")),
        "in the log and after the summary: {}",
        run.stderr
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(work.path("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["warnings"], json!([warning]), "and for schedulers");
    assert_eq!(
        proxy.seen(),
        [
            "GET api/customers",
            "POST api/customer/post",
            "POST api/customer/post",
            "POST api/customer/post",
            "GET api/customers"
        ]
    );

    // Alone, the same import says nothing of the kind, for the same one request more.
    let alone = sandbox::start(SandboxConfig::default()).await.unwrap();
    let work = Work::new();
    work.write("in.csv", customers_csv(3));
    work.write("m.toml", SIMPLE_MAPPING);
    let run = super::sites::import(&work, &alone, alone.api_key(), &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    assert_eq!(alone.stats().total, 5);
}
