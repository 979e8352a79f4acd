//! Requests of a nightly run, counted by the sandbox: nothing changed is the one listing that
//! proves the target; C changed customers are that listing, one change query for the copies the
//! last run answered within a minute, and C posts.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use crate::upload::{customers_csv, env_default, with_new_emails};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nightly_run_posts_each_changed_customer_in_one_request() {
    let e = env_default().await;
    e.input(&customers_csv(40));
    assert_eq!(e.run(&[]).await.code, 0);

    e.sb.reset_stats();
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        e.sb.stats().total,
        1,
        "nothing changed: the listing that proves the target"
    );

    let changed: Vec<usize> = (1001..=1040).step_by(4).collect();
    e.input(&with_new_emails(40, &changed));
    e.sb.reset_stats();
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let c = changed.len() as u64;
    assert_eq!(e.sb.stats().total, c + 2, "{}", e.log().join("\n"));
    let stats = e.sb.stats();
    assert_eq!(
        stats.endpoint_total("GET api/customers/{id}"),
        0,
        "no reads"
    );
    assert!(
        run.stderr.contains(&format!("{c} updated")),
        "{}",
        run.stderr
    );
    for acct in &changed {
        assert_eq!(
            e.customer(&acct.to_string())["Email"],
            format!("c{acct}@new.example")
        );
    }

    // --read-first reads each before posting it.
    e.input(&customers_csv(40));
    e.sb.reset_stats();
    let run = e.run(&["--read-first"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(e.sb.stats().total, 1 + 2 * c, "{}", e.log().join("\n"));
}
