//! The requests of a run, by kind, exactly as planned from the account's size: every record
//! read once when the account holds fewer customers than there are to look up, else a lookup
//! each; a matched customer's record read once, for the match and the merge.

use super::*;

/// New customers `from..from + n`.
fn new_rows(from: usize, n: usize) -> Vec<(String, String, String)> {
    (from..from + n).map(row).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_of_1000_and_2000_new_customers_take_3001_requests() {
    let e = fresh().await;
    seed(&e, 1..=1_000);
    input(&e, &new_rows(10_001, 2_000), "");
    let (run, by_kind) = counted(&e, &["--concurrency", "8"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        by_kind,
        kinds(&[("list", 1), ("read", 1_000), ("create", 2_000)])
    );
    assert_eq!(e.sb.stats().total, 3_001);
    assert_eq!(
        estimated(&run.stderr),
        3_000,
        "the estimate: all but the first"
    );
    assert_eq!(e.sb.customers().len(), 3_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_of_50_and_2000_new_customers_take_2051_requests() {
    let e = fresh().await;
    seed(&e, 1..=50);
    input(&e, &new_rows(10_001, 2_000), "");
    let (run, by_kind) = counted(&e, &["--concurrency", "8"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        by_kind,
        kinds(&[("list", 1), ("read", 50), ("create", 2_000)])
    );
    assert_eq!(e.sb.stats().total, 2_051);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_bigger_than_the_new_customers_is_looked_up_per_customer() {
    let e = fresh().await;
    seed(&e, 1..=300);
    input(&e, &new_rows(10_001, 100), "");
    let (run, by_kind) = counted(&e, &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        by_kind,
        kinds(&[("list", 1), ("lookup", 100), ("create", 100)])
    );
    assert_eq!(estimated(&run.stderr), 200);
    // The names of the 300 were not read: the summary says so.
    assert!(
        run.stderr
            .contains("the names of the 300 customers OnTime holds were not read"),
        "{}",
        run.stderr
    );
}

/// Customers 1..=10 in OnTime; the input changes 1–4, repeats 5 as it is, and brings `new`
/// new ones.
fn some_matching(e: &Env, new: usize) {
    seed(e, 1..=10);
    let mut rows: Vec<_> = (1..=5).map(row).collect();
    for changed in rows.iter_mut().take(4) {
        changed.1.push_str(" Ltd");
    }
    rows.extend(new_rows(10_001, new));
    input(e, &rows, "");
}

/// Each record read at most once: no target read twice.
fn read_once(e: &Env) {
    let reads: Vec<String> =
        e.sb.requests()
            .into_iter()
            .filter(|r| r.endpoint == "GET api/customers/{id}")
            .map(|r| r.target)
            .collect();
    let distinct: std::collections::BTreeSet<&String> = reads.iter().collect();
    assert_eq!(
        distinct.len(),
        reads.len(),
        "a record read twice: {reads:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn matched_customers_read_in_with_the_account_are_not_read_again() {
    let e = fresh().await;
    // 25 to match, 10 in OnTime: all read, none looked up.
    some_matching(&e, 20);
    let (run, by_kind) = counted(&e, &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        by_kind,
        kinds(&[("list", 1), ("read", 10), ("update", 4), ("create", 20)])
    );
    read_once(&e);
    let report = e.report();
    assert!(
        report.iter().any(|l| l.contains(",updated,1,")),
        "{report:#?}"
    );
    assert!(
        report.iter().any(|l| l.contains(",unchanged,5,")),
        "{report:#?}"
    );
    assert_eq!(e.sb.customers().len(), 30);
    assert_eq!(
        e.sb.customers()
            .iter()
            .filter(|c| c["Name"].as_str().unwrap().ends_with(" Ltd"))
            .count(),
        4
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn matched_customers_looked_up_are_read_once_for_the_match_and_the_merge() {
    let e = fresh().await;
    // 7 to match, 10 in OnTime: a lookup each, a read of each found.
    some_matching(&e, 2);
    let (run, by_kind) = counted(&e, &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        by_kind,
        kinds(&[
            ("list", 1),
            ("lookup", 7),
            ("read", 5),
            ("update", 4),
            ("create", 2)
        ])
    );
    read_once(&e);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_reads_the_account_when_that_is_cheaper_and_says_so() {
    let e = fresh().await;
    some_matching(&e, 20);
    let (run, by_kind) = counted(&e, &["--plan"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(by_kind, kinds(&[("list", 1), ("read", 10)]));
    assert_eq!(estimated(&run.stderr), 10);
    assert!(
        run.stderr
            .contains("0 lookups, 0 creates, up to 0 updates, 0 records fetched by the ledger's ID, 10 records of the account read once to match here;"),
        "{}",
        run.stderr
    );
    assert_eq!(e.posts(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_account_keeps_its_shortcut() {
    let e = fresh().await;
    input(&e, &new_rows(10_001, 20), "");
    let (run, by_kind) = counted(&e, &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(by_kind, kinds(&[("list", 2), ("create", 20)]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_match_value_two_records_read_in_hold_fails_naming_both() {
    let e = fresh().await;
    let a =
        e.sb.insert_customer(json!({"Name": "One", "AccountNumber": "2"}));
    let b =
        e.sb.insert_customer(json!({"Name": "Two", "AccountNumber": " 2 "}));
    input(&e, &[row(1), row(2), row(3)], "");
    // Named by ID: the records are read concurrently, in no set order.
    let (a, b) = if a < b { (a, b) } else { (b, a) };
    let (run, by_kind) = counted(&e, &[]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(by_kind, kinds(&[("list", 1), ("read", 2), ("create", 2)]));
    assert_eq!(
        e.report()[1],
        format!(
            "3,failed,2,2 OnTime customers have accountNumber \"2\" ({a}, {b}): merge them in OnTime, or match by another field; nothing was sent"
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_the_ledger_knows_update_from_the_records_read_in() {
    let e = fresh().await;
    let mut rows: Vec<_> = (1..=5).map(row).collect();
    input(&e, &rows, "");
    let (run, _) = counted(&e, &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The ledger knows 1–5; 1 and 2 change, and 20 new ones come: 20 to match against 5.
    rows[0].1.push_str(" Ltd");
    rows[1].1.push_str(" Ltd");
    rows.extend(new_rows(10_001, 20));
    input(&e, &rows, "");
    let (run, by_kind) = counted(&e, &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        by_kind,
        kinds(&[("list", 1), ("read", 5), ("update", 2), ("create", 20)])
    );
    assert_eq!(
        estimated(&run.stderr),
        5 + 20 + 2,
        "reads, creates, an update each changed"
    );
    read_once(&e);
    assert_eq!(e.report()[0], "2,updated,1,updated: Name");
}
