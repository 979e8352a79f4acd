//! `possible_duplicate`: a customer about to be created whose name, ignoring case, punctuation
//! and spaces, is an existing OnTime customer's or another input customer's, flagged on the
//! plan's screen, in the plan file and in the report; still created.

use super::*;

const ACME: &str = "c56a4180-65aa-42ec-a945-5fd21dec0538";

/// OnTime holds "ACME, Inc." (9001); the input brings "acme inc", and two customers named
/// "Beta Freight" and "BETA-FREIGHT": three to look up against one record, so it is read.
fn names_case(e: &Env) {
    e.sb.insert_customer(json!({"ID": ACME, "Name": "ACME, Inc.", "AccountNumber": "9001"}));
    let rows = [
        ("1001", "acme inc"),
        ("1002", "Beta Freight"),
        ("1003", "BETA-FREIGHT"),
        ("1004", "Gamma"),
    ];
    let rows: Vec<_> = rows
        .iter()
        .map(|(a, n)| (a.to_string(), n.to_string(), format!("c{a}@x.com")))
        .collect();
    input(e, &rows, "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plan_flags_possible_duplicates_of_ontime_and_input_customers() {
    let e = fresh().await;
    names_case(&e);
    let (run, by_kind) = counted(&e, &["--plan", "--plan-file", "plan.csv"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(by_kind, kinds(&[("list", 1), ("read", 1)]));
    insta::assert_snapshot!(
        "plan_with_possible_duplicates",
        crate::plan_view::plan_block(&run.stderr)
    );
    let plan = crate::util::read_csv(&e.work.path("plan.csv"));
    let flagged: Vec<String> = plan
        .iter()
        .filter(|r| r[3] == "possible_duplicate")
        .map(|r| format!("{} {} {}", r[0], r[2], r[5]))
        .collect();
    assert_eq!(
        flagged,
        [
            format!("1001 create OnTime customer {ACME} \"ACME, Inc.\""),
            "1002 create input customer \"1003\"".to_string(),
            "1003 create input customer \"1002\"".to_string(),
        ]
    );
    assert!(
        run.stderr
            .contains("3 customers that would be created have the name of another customer"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_says_with_whom_a_created_customer_may_be_a_duplicate() {
    let e = fresh().await;
    names_case(&e);
    let (run, by_kind) = counted(&e, &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(by_kind, kinds(&[("list", 1), ("read", 1), ("create", 4)]));
    let report = e.report();
    assert_eq!(
        report,
        [
            format!(
                "2,created,1001,created; possible_duplicate of OnTime customer {ACME} \"ACME, Inc.\""
            ),
            "3,created,1002,created; possible_duplicate of input customer \"1003\"".to_string(),
            "4,created,1003,created; possible_duplicate of input customer \"1002\"".to_string(),
            "5,created,1004,created".to_string(),
        ]
    );
    assert!(
        run.stderr.contains("warning: 3 customers that were created have the name of another customer in OnTime or in the input"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("were not read"),
        "names were compared: {}",
        run.stderr
    );
}
