//! The guarantee of the one-request update: an edit made in OnTime more than a minute before or
//! after the tool's own post of a customer is never overwritten by the ledger's stale copy. Each
//! moment is staged with the sandbox's clock and events (no waiting): between runs, during the
//! previous run more than a minute after the tool posted the customer, and during this run more
//! than a minute before the tool reaches it. The edit survives; the field the input changed is
//! updated.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use serde_json::json;

use crate::upload::{Env, customers_csv, env_default, with_new_emails};
use crate::util::clock::{add_event, advance_clock, edit_as_person, events};

const N: usize = 6;

/// The first import of `N` customers, the clock then two minutes on.
async fn imported() -> Env {
    let e = env_default().await;
    e.input(&customers_csv(N));
    assert_eq!(e.run(&[]).await.code, 0);
    advance_clock(&e.sb.base_url(), 120).await;
    e
}

/// Every customer's new e-mail arrived, and 1001 kept the phone a person typed.
fn edit_survived(e: &Env) {
    for acct in 1001..=1000 + N {
        let record = e.customer(&acct.to_string());
        assert_eq!(record["Email"], format!("c{acct}@new.example"), "{record}");
    }
    assert_eq!(
        e.customer("1001")["Phone"],
        "555-0100",
        "the person's edit survives"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_between_runs_survives() {
    let e = imported().await;
    let id = e.customer("1001")["ID"].as_str().unwrap().to_string();
    edit_as_person(&e.sb.base_url(), &id, json!({"Phone": "555-0100"})).await;
    advance_clock(&e.sb.base_url(), 120).await;
    let all: Vec<usize> = (1001..=1000 + N).collect();
    e.input(&with_new_emails(N, &all));
    e.sb.reset_stats();
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    edit_survived(&e);
    // The listing, one change query, one read (1001's), one post each.
    assert_eq!(
        e.sb.stats().total,
        1 + 1 + 1 + N as u64,
        "{}",
        e.log().join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_a_minute_after_the_previous_runs_post_survives() {
    let e = imported().await;
    let base = e.sb.base_url();
    // The previous run posts every customer in input order; just after its posts of 1001 and
    // 1002 a minute passes and a person edits 1001.
    let some: Vec<usize> = (1001..=1000 + N).collect();
    e.input(&with_new_emails(N, &some).replace("@new.example", "@mid.example"));
    add_event(
        &base,
        json!({"after_posts_of_account": "1002", "advance": "61s",
        "edit": {"account_number": "1001", "fields": {"Phone": "555-0100"}}}),
    )
    .await;
    let run = e.run(&["--concurrency", "1"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        events(&base).await["pending"].as_array().map(Vec::len),
        Some(0)
    );
    assert_eq!(e.customer("1001")["Phone"], "555-0100");
    advance_clock(&base, 120).await;
    e.input(&with_new_emails(N, &some));
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    edit_survived(&e);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_a_minute_before_the_run_reaches_the_customer_survives() {
    let e = imported().await;
    let base = e.sb.base_url();
    let last = format!("{}", 1000 + N);
    let id = e.customer(&last)["ID"].as_str().unwrap().to_string();
    // This run posts in input order; after its third request (the listing, the change query,
    // the first post) a person edits the last customer, and a minute passes.
    add_event(
        &base,
        json!({"after_requests": 3, "edit": {"id": id, "fields": {"Phone": "555-0100"}}}),
    )
    .await;
    add_event(&base, json!({"after_requests": 3, "advance": "61s"})).await;
    let all: Vec<usize> = (1001..=1000 + N).collect();
    e.input(&with_new_emails(N, &all));
    e.sb.reset_stats();
    let run = e.run(&["--concurrency", "1"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        e.customer(&last)["Phone"],
        "555-0100",
        "the person's edit survives"
    );
    for acct in &all {
        assert_eq!(
            e.customer(&acct.to_string())["Email"],
            format!("c{acct}@new.example")
        );
    }
    let log = e.log();
    assert!(
        log.iter()
            .any(|l| l.starts_with(&format!("GET api/customers/{id} "))),
        "the edited customer is read before its post: {log:#?}"
    );
}
