//! `--mode create-only` and `update-only`: a matched customer never updated, a missing one
//! never created, `--plan` following the mode, and skips not counted as trouble (exit 0).
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use super::with_status;
use crate::upload::{customers_csv, env_default};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_only_posts_only_the_new_customers() {
    let e = env_default().await;
    e.input(&customers_csv(3));
    assert_eq!(e.run(&[]).await.code, 0);
    // The account holds 1001–1003, which this ledger does not know: found by lookup.
    std::fs::remove_file(e.work.path("ledger.db")).unwrap();
    let csv = customers_csv(5).replace("Company 1001", "Renamed 1001");
    e.input(&csv);
    let before = e.posts();
    let run = e.run(&["--mode", "create-only"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(e.posts() - before, 2, "{}", e.log().join("\n"));
    let report = e.report();
    let skipped = with_status(&report, "skipped_exists");
    assert_eq!(skipped.len(), 3, "{report:#?}");
    assert!(
        skipped[0].contains("--mode create-only leaves it as it is"),
        "{report:#?}"
    );
    assert_eq!(with_status(&report, "created").len(), 2, "{report:#?}");
    assert_eq!(e.customer("1001")["Name"], "Company 1001", "never updated");
    assert!(run.stderr.contains("3 skipped_exists"), "{}", run.stderr);
    // Known to the ledger now: skipped without a request of their own.
    let before = (e.posts(), e.sb.requests().len());
    let run = e.run(&["--mode", "create-only"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(e.posts(), before.0);
    assert_eq!(
        with_status(&e.report(), "skipped_exists").len(),
        5,
        "{:#?}",
        e.report()
    );
    assert_eq!(
        e.sb.requests().len() - before.1,
        1,
        "the first listing only"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_only_creates_nothing() {
    let e = env_default().await;
    e.input(&customers_csv(3));
    assert_eq!(e.run(&[]).await.code, 0);
    let csv = customers_csv(5).replace("Company 1001", "Renamed 1001");
    e.input(&csv);
    let plan = e.run(&["--plan", "--mode", "update-only"]).await;
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    assert_eq!(with_status(&e.report(), "skipped_missing").len(), 2);
    let before = e.posts();
    let run = e.run(&["--mode", "update-only"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        e.posts() - before,
        1,
        "the one update: {}",
        e.log().join("\n")
    );
    let report = e.report();
    assert_eq!(
        with_status(&report, "skipped_missing"),
        [
            "5,skipped_missing,1004,no customer in OnTime matches \"1004\"; --mode update-only creates none",
            "6,skipped_missing,1005,no customer in OnTime matches \"1005\"; --mode update-only creates none",
        ]
    );
    assert_eq!(with_status(&report, "updated").len(), 1, "{report:#?}");
    assert_eq!(e.customer("1001")["Name"], "Renamed 1001");
    assert_eq!(e.accounts().len(), 3, "none created");
    // An empty account: nothing can match, and nothing is created or listed again.
    let e = env_default().await;
    e.input(&customers_csv(2));
    let run = e.run(&["--mode", "update-only"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!((e.posts(), e.accounts().len()), (0, 0));
    assert_eq!(with_status(&e.report(), "skipped_missing").len(), 2);
    assert_eq!(e.sb.requests().len(), 1, "{}", e.log().join("\n"));
}
