//! Reruns that spend nothing or only what changed; --full; requests per customer; --plan.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use serde_json::json;

use crate::upload::{assert_every_row_once, customers_csv, env_default};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_after_success_sends_only_its_first_request() {
    let e = env_default().await;
    e.input(&customers_csv(5));
    assert_eq!(e.run(&[]).await.code, 0);
    e.sb.reset_stats();
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(e.log(), ["GET api/customers 200"]);
    let report = e.report();
    assert_every_row_once(&report, 5);
    assert!(
        report
            .iter()
            .all(|l| l.contains(",unchanged,")
                && l.contains("unchanged since the last run (created ")),
        "{report:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_after_editing_two_rows_sends_those_two() {
    let e = env_default().await;
    e.input(&customers_csv(6));
    assert_eq!(e.run(&[]).await.code, 0);
    let edited = customers_csv(6)
        .replace("c1002@x.com", "new1002@x.com")
        .replace("Contact 1005", "Contact Five");
    e.input(&edited);
    e.sb.reset_stats();
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The listing, one change query (nobody else changed them since the ledger's copies of
    // OnTime's answers), and one post each: no read.
    let mut log: Vec<String> = e
        .log()
        .into_iter()
        .map(|l| match l.split_once("?lastModifiedDateMin=") {
            Some((start, rest)) => format!(
                "{start}?lastModifiedDateMin=T {}",
                rest.split(' ').nth(1).unwrap_or("")
            ),
            None => l,
        })
        .collect();
    log.sort();
    let want = [
        "GET api/customers 200",
        "GET api/customers?lastModifiedDateMin=T 200",
        "POST api/customer/post 201",
        "POST api/customer/post 201",
    ];
    assert_eq!(log, want);
    let report = e.report();
    assert_eq!(report[1], format!("3,updated,1002,updated: Email"));
    assert_eq!(report[4], format!("6,updated,1005,updated: Contacts"));
    assert_eq!(
        report.iter().filter(|l| l.contains(",unchanged,")).count(),
        4
    );
    assert_eq!(e.customer("1002")["Email"], "new1002@x.com");
    // The old contact stays (OnTime's data is never removed) and the new one is added.
    let c1005 = e.customer("1005");
    let contacts: Vec<&str> = c1005["Contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["Name"].as_str().unwrap())
        .collect();
    assert_eq!(contacts, ["Contact 1005", "Contact Five"]);
    assert_eq!(e.sb.customers().len(), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_rechecks_every_customer_and_recreates_what_ontime_lost() {
    let e = env_default().await;
    e.input(&customers_csv(3));
    assert_eq!(e.run(&[]).await.code, 0);
    // --full looks at each record again: one GET each (after the first request), nothing
    // posted when all is equal.
    e.sb.reset_stats();
    let run = e.run(&["--full"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(e.sb.stats().count("GET api/customers/{id}", "200"), 3);
    assert_eq!(e.sb.stats().total, 4, "{:?}", e.log());
    assert!(
        e.report().iter().all(|l| l.contains(",unchanged,")),
        "{:?}",
        e.report()
    );
    // The account was emptied (a reset sandbox, another account): the ledger's IDs are unknown.
    let answer = crate::sandbox::client()
        .delete(format!("{}/__sandbox/customers", e.sb.base_url()))
        .header("Content-Type", "application/json")
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success());
    e.sb.reset_stats();
    let run = e.run(&["--full"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        e.report(),
        [
            "2,created,1001,created",
            "3,created,1002,created",
            "4,created,1003,created"
        ]
    );
    assert_eq!(
        e.accounts().values().copied().collect::<Vec<_>>(),
        [1, 1, 1]
    );
    assert_eq!(e.sb.stats().count("GET api/customers/{id}", "404"), 3);
    assert_eq!(e.sb.stats().count("POST api/customer/post", "201"), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_import_into_an_empty_account_spends_one_request_per_customer_plus_two() {
    let e = env_default().await;
    e.input(&customers_csv(7));
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The listing that shows the account empty, and the one after that checks nobody else
    // created customers meanwhile.
    assert_eq!(e.sb.stats().total, 9);
    assert_eq!(e.sb.stats().count("GET api/customers", "200"), 2);
    assert!(
        run.stderr.contains("requests sent: 9 (1.29 per customer)"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_into_a_non_empty_account_looks_customers_up() {
    let e = env_default().await;
    // One customer more in OnTime than in the input: a lookup each costs less than reading
    // them all.
    for acct in ["6", "7", "8", "9"] {
        e.sb.insert_customer(json!({"Name": "Someone else", "AccountNumber": acct}));
    }
    e.input(&customers_csv(3));
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut log = e.log();
    log.sort();
    assert_eq!(
        log,
        [
            "GET api/customers 200",
            "GET api/customers?accountNumber=1001 200",
            "GET api/customers?accountNumber=1002 200",
            "GET api/customers?accountNumber=1003 200",
            "POST api/customer/post 201",
            "POST api/customer/post 201",
            "POST api/customer/post 201",
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_previews_and_posts_nothing() {
    let e = env_default().await;
    // 1001 as the sheet has it; 1002 with another email; 1003 absent.
    e.sb.insert_customer(json!({
        "Name": "Company 1001", "AccountNumber": "1001", "Email": "c1001@x.com",
        "Departments": [{"Name": "Dept 1001"}], "Contacts": [{"Name": "Contact 1001"}]
    }));
    let id2 = e.sb.insert_customer(json!({
        "Name": "Company 1002", "AccountNumber": "1002", "Email": "old@x.com",
        "Departments": [{"Name": "Dept 1002"}], "Contacts": [{"Name": "Contact 1002"}]
    }));
    let mut csv = customers_csv(3);
    csv.push_str("1004,,c1004@x.com,,\n");
    e.input(&csv);
    let before = e.sb.customers();
    let run = e.run(&["--plan"]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = e.report();
    assert!(
        report[0].starts_with("2,unchanged,1001,OnTime already holds exactly this"),
        "{report:#?}"
    );
    assert_eq!(
        report[1],
        "3,valid,1002,would update: Email \"old@x.com\" → \"c1002@x.com\""
    );
    assert_eq!(report[2], "4,valid,1003,would create");
    assert!(report[3].starts_with("5,invalid,1004,"), "{report:#?}");
    assert_eq!(e.work.report("in.csv.report.csv")[2][4], id2);
    assert_eq!(e.posts(), 0);
    assert_eq!(e.sb.customers(), before);
    // The listing and the two records (three customers to match against two: reading them
    // costs less than a lookup each).
    assert!(
        run.stderr.contains("requests sent: 3"),
        "reads only, counted: {}",
        run.stderr
    );
    // The plan left the ledger alone: the real run still does everything.
    let run = e.run(&[]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = e.report();
    assert_eq!(report[1], "3,updated,1002,updated: Email");
    assert_eq!(report[2], "4,created,1003,created");
}
