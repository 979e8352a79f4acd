//! Matching, safe updates and the ledger (issue 5) through the real binary against an
//! in-process sandbox: reruns that spend nothing, updates that keep what OnTime holds, ambiguous
//! matches, `--children separate`, `--plan`, the run lock, SIGKILL at any point, `--errors`.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::time::Duration;

use ontime_import::sandbox::{FaultKind, Faults, SandboxConfig};
use serde_json::json;

use crate::upload::{account, assert_every_row_once, customers_csv, env, env_default, scripted};
use crate::util::{SIMPLE_MAPPING, read_csv};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_after_success_sends_nothing() {
    let e = env_default().await;
    e.input(&customers_csv(5));
    assert_eq!(e.run(&[]).await.code, 0);
    e.sb.reset_stats();
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(e.sb.stats().total, 0, "{:?}", e.log());
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
    let ids: Vec<String> = ["1002", "1005"]
        .iter()
        .map(|a| e.customer(a)["ID"].as_str().unwrap().to_string())
        .collect();
    let mut log = e.log();
    log.sort();
    let mut want = vec![
        format!("GET api/customers/{} 200", ids[0]),
        format!("GET api/customers/{} 200", ids[1]),
        "POST api/customer/post 201".into(),
        "POST api/customer/post 201".into(),
    ];
    want.sort();
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
async fn an_update_keeps_what_the_sheet_does_not_name() {
    let e = env_default().await;
    let id = e.sb.insert_customer(json!({
        "Name": "Old name", "AccountNumber": "1001", "Email": "old@x.com",
        "Phone": "555-0100", "Comments": "typed in OnTime", "BillingAdjustmentPercentage": 45,
        "PricingMethod": "FlatRate",
        "Departments": [{"Name": "RADIOLOGY"}, {"Name": "Billing"}],
        "Contacts": [{"Name": "Contact 1001", "Email": "ann@x.com", "Phone": "5"}, {"Name": "Zed"}]
    }));
    let before = e.customer("1001");
    e.input("Acct,Company,Email,Dept,Contact\n1001,New name,new@x.com,Radiology,contact 1001\n1001,New name,new@x.com,Lab,\n");
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        e.report(),
        [
            "2,updated,1001,updated: Name, Email, Contacts, Departments",
            "3,updated,1001,updated: Name, Email, Contacts, Departments"
        ]
    );
    let after = e.customer("1001");
    assert_eq!(after["ID"], id.as_str());
    assert_eq!(after["Name"], "New name");
    assert_eq!(after["Email"], "new@x.com");
    for kept in [
        "Phone",
        "Comments",
        "BillingAdjustmentPercentage",
        "PricingMethod",
    ] {
        assert_eq!(after[kept], before[kept], "{kept}");
    }
    let departments = after["Departments"].as_array().unwrap();
    assert_eq!(departments.len(), 3, "{departments:#?}");
    assert_eq!(
        departments[0],
        json!({"ID": before["Departments"][0]["ID"], "CustomerID": id, "Name": "Radiology"})
    );
    assert_eq!(departments[1], before["Departments"][1]);
    assert_eq!(departments[2]["Name"], "Lab");
    let contacts = after["Contacts"].as_array().unwrap();
    assert_eq!(contacts.len(), 2, "{contacts:#?}");
    assert_eq!(contacts[0]["ID"], before["Contacts"][0]["ID"]);
    assert_eq!(contacts[0]["Name"], "contact 1001");
    assert_eq!(
        contacts[0]["Email"], "ann@x.com",
        "a field the sheet does not name is kept"
    );
    assert_eq!(contacts[1], before["Contacts"][1]);
    // Into a non-empty account: the list, the lookup, the record, the post.
    assert_eq!(
        e.log(),
        [
            "GET api/customers 200".to_string(),
            "GET api/customers?accountNumber=1001 200".into(),
            format!("GET api/customers/{id} 200"),
            "POST api/customer/post 201".into(),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_found_equal_is_unchanged_without_a_post() {
    let e = env_default().await;
    e.sb.insert_customer(json!({
        "Name": "Company 1001", "AccountNumber": "1001", "Email": "c1001@x.com", "Phone": "1",
        "Departments": [{"Name": "Dept 1001"}], "Contacts": [{"Name": "Contact 1001"}]
    }));
    e.input(&customers_csv(1));
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(e.report().len(), 1);
    assert!(e.report()[0].starts_with("2,unchanged,1001,OnTime already holds exactly this"));
    assert_eq!(e.posts(), 0);
    // And the ledger now knows: the next run spends nothing.
    e.sb.reset_stats();
    assert_eq!(e.run(&[]).await.code, 0);
    assert_eq!(e.sb.stats().total, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ambiguous_matches_fail_naming_the_ids() {
    let e = env_default().await;
    let a =
        e.sb.insert_customer(json!({"Name": "One", "AccountNumber": "1002"}));
    let b =
        e.sb.insert_customer(json!({"Name": "Two", "AccountNumber": "1002"}));
    e.input(&customers_csv(3));
    let run = e.run(&[]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = e.report();
    assert_eq!(report[0], "2,created,1001,created");
    assert_eq!(
        report[1],
        format!(
            "3,failed,1002,2 OnTime customers have accountNumber \"1002\" ({a}, {b}): merge them in OnTime, or match by another field; nothing was sent"
        )
    );
    assert_eq!(report[2], "4,created,1003,created");
    assert_eq!(e.accounts().get("1002"), Some(&2));
    assert_eq!(e.sb.stats().endpoint_total("POST api/customer/post"), 2);
    assert!(
        e.log().iter().all(|l| !l.contains(&a) && !l.contains(&b)),
        "{:?}",
        e.log()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_import_into_an_empty_account_spends_one_request_per_customer_plus_one() {
    let e = env_default().await;
    e.input(&customers_csv(7));
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(e.sb.stats().total, 8);
    assert_eq!(e.sb.stats().count("GET api/customers", "200"), 1);
    assert!(
        run.stderr.contains("requests sent: 8 (1.14 per customer)"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_into_a_non_empty_account_looks_customers_up() {
    let e = env_default().await;
    e.sb.insert_customer(json!({"Name": "Someone else", "AccountNumber": "9"}));
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
async fn separate_children_go_through_their_own_endpoints() {
    let e = env_default().await;
    e.input("Acct,Company,Email,Dept,Contact\n1001,Acme,a@x.com,Ship,Ann\n1001,Acme,a@x.com,Recv,Bob\n1002,Beta,b@x.com,Lab,\n");
    let run = e.run(&["--children", "separate"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        e.report(),
        [
            "2,created,1001,created",
            "3,created,1001,created",
            "4,created,1002,created"
        ]
    );
    let stats = e.sb.stats();
    assert_eq!(stats.count("POST api/customer/post", "201"), 2);
    assert_eq!(stats.count("POST api/department/post", "201"), 3);
    assert_eq!(stats.count("POST api/contact/post", "201"), 2);
    let acme = e.customer("1001");
    let names = |list: &str| -> Vec<String> {
        acme[list]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["Name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names("Departments"), ["Ship", "Recv"]);
    assert_eq!(names("Contacts"), ["Ann", "Bob"]);
    // A rerun spends nothing, and after a new department only that one is posted.
    e.sb.reset_stats();
    assert_eq!(e.run(&["--children", "separate"]).await.code, 0);
    assert_eq!(e.sb.stats().total, 0);
    e.input("Acct,Company,Email,Dept,Contact\n1001,Acme,a@x.com,Ship,Ann\n1001,Acme,a@x.com,Recv,Bob\n1001,Acme,a@x.com,Desk,\n1002,Beta,b@x.com,Lab,\n");
    let run = e.run(&["--children", "separate"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let id = acme["ID"].as_str().unwrap();
    assert_eq!(
        e.log(),
        [
            format!("GET api/customers/{id} 200"),
            "POST api/department/post 201".into()
        ]
    );
    assert!(
        e.report()[0].starts_with("2,updated,1001,updated: Departments"),
        "{:?}",
        e.report()
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
    assert_eq!(report[1], "3,valid,1002,would update: Email");
    assert_eq!(report[2], "4,valid,1003,would create");
    assert!(report[3].starts_with("5,invalid,1004,"), "{report:#?}");
    assert_eq!(e.work.report("in.csv.report.csv")[2][4], id2);
    assert_eq!(e.posts(), 0);
    assert_eq!(e.sb.customers(), before);
    assert!(
        run.stderr.contains("requests sent: 6"),
        "lookups only, counted: {}",
        run.stderr
    );
    // The plan left the ledger alone: the real run still does everything.
    let run = e.run(&[]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = e.report();
    assert_eq!(report[1], "3,updated,1002,updated: Email");
    assert_eq!(report[2], "4,created,1003,created");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_run_at_a_time() {
    let e = env_default().await;
    e.input(&customers_csv(2));
    let held = ontime_import::ledger::Ledger::open(&e.work.path("ledger.db"), "sandbox").unwrap();
    let run = e.run(&[]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("is in use by another run"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!("pid {}", std::process::id())),
        "{}",
        run.stderr
    );
    assert_eq!(e.sb.stats().total, 0);
    drop(held);
    assert_eq!(e.run(&[]).await.code, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_any_point_then_reruns_end_with_each_customer_once() {
    let n = 25;
    let e = env_default().await;
    e.input(&customers_csv(n));
    // Each round: faults, then how many more requests to let through before kill -9.
    let rounds: [(Faults, u64); 4] = [
        (
            Faults {
                latency: Duration::from_millis(15),
                ..Faults::default()
            },
            3,
        ),
        (
            Faults {
                latency: Duration::from_millis(15),
                drop_after_store_rate: 0.3,
                ..Faults::default()
            },
            4,
        ),
        (
            Faults {
                latency: Duration::from_millis(15),
                slow_after_store_rate: 0.3,
                slow_delay: Duration::from_millis(200),
                ..Faults::default()
            },
            5,
        ),
        (
            Faults {
                latency: Duration::from_millis(15),
                error_rate: 0.2,
                drop_after_store_rate: 0.2,
                ..Faults::default()
            },
            8,
        ),
    ];
    for (faults, more) in rounds {
        e.sb.set_faults(faults);
        let seen = e.sb.stats().total;
        let mut child = e.spawn(&["--concurrency", "3", "--timeout", "0.1"]);
        tokio::select! {
            () = e.sb.wait_for_requests(seen + more) => {}
            status = child.wait() => panic!("the run ended before it was killed: {status:?}"),
        }
        let pid = child.id().unwrap().to_string();
        std::process::Command::new("kill")
            .args(["-9", &pid])
            .status()
            .unwrap();
        let status = child.wait().await.unwrap();
        assert_eq!(status.code(), None, "killed by a signal");
    }
    e.sb.set_faults(Faults::default());
    let mut last = None;
    for _ in 0..3 {
        let run = e.run(&[]).await;
        last = Some(run.code);
        if run.code == 0 {
            break;
        }
    }
    assert_eq!(last, Some(0));
    let report = e.report();
    assert_every_row_once(&report, n);
    for (i, line) in report.iter().enumerate() {
        let ok = line.contains(",created,")
            || line.contains(",unchanged,")
            || line.contains(",updated,");
        assert!(ok && line.contains(&account(i)), "{line}");
    }
    assert_eq!(
        e.accounts().values().copied().collect::<Vec<_>>(),
        vec![1; n],
        "{:#?}",
        e.accounts()
    );
    // Every ID in the report is the stored customer's.
    let report = e.work.report("in.csv.report.csv");
    for row in &report[1..] {
        assert_eq!(e.customer(&row[3])["ID"], row[4].as_str());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_errors_file_reimports_after_fixing() {
    let e = env_default().await;
    e.sb.insert_customer(json!({"Name": "One", "AccountNumber": "1004"}));
    e.sb.insert_customer(json!({"Name": "Two", "AccountNumber": "1004"}));
    let csv = "Acct,Company,Email,Dept,Contact\n\
               1001,Acme,a@x.com,Ship,Ann\n\
               1002,,b@x.com,Lab,Bob\n\
               1003,Gamma,c@x.com,,\n\
               1003,Gamma,c@x.com,,Carl\n\
               1004,Delta,d@x.com,,\n";
    e.input(csv);
    let run = e.run(&["--errors", "fix.csv"]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("2 rows to fix written to fix.csv"),
        "{}",
        run.stderr
    );
    let rows = read_csv(&e.work.path("fix.csv"));
    assert_eq!(
        rows[0],
        ["Acct", "Company", "Email", "Dept", "Contact", "Error"]
    );
    assert_eq!(rows.len(), 3, "{rows:#?}");
    assert_eq!(rows[1][..5], ["1002", "", "b@x.com", "Lab", "Bob"]);
    assert!(rows[1][5].contains("has no name"), "{rows:#?}");
    assert_eq!(rows[2][..5], ["1004", "Delta", "d@x.com", "", ""]);
    assert!(
        rows[2][5].contains("2 OnTime customers have accountNumber \"1004\""),
        "{rows:#?}"
    );
    // Fix the name; leave 1004 as it is (it fails again).
    let text = std::fs::read_to_string(e.work.path("fix.csv")).unwrap();
    let fixed = text.replace("1002,,b@x.com", "1002,Beta,b@x.com");
    e.work.write("fix.csv", fixed);
    let mut args = e.args(&[]);
    args[0] = "fix.csv".into();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = e.work.run_async(&args, &[("ONTIME_API_KEY", &e.key)]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: Vec<String> = crate::util::brief(&e.work.report("fix.csv.report.csv"));
    assert_eq!(report[0], "2,created,1002,created");
    assert!(
        report[1].starts_with("3,failed,1004,2 OnTime customers"),
        "{report:?}"
    );
    let beta = e.customer("1002");
    assert_eq!(beta["Name"], "Beta");
    assert_eq!(beta["Departments"][0]["Name"], "Lab");
    assert_eq!(beta["Contacts"][0]["Name"], "Bob");
    let _ = SIMPLE_MAPPING;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_create_is_resolved_by_lookup_on_the_next_run() {
    // The answer to a create never arrives and the lookup to check it fails too: the next run
    // must look it up before creating, and find it.
    let e = env(SandboxConfig::default()).await;
    e.input(&customers_csv(2));
    e.sb.set_faults(scripted("1002", FaultKind::DropAfterStore, 1));
    // A budget that ends right after the dropped create, before the lookup that would check it.
    let run = e.run(&["--concurrency", "1", "--max-requests", "3"]).await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert_eq!(e.accounts().get("1002"), Some(&1));
    e.sb.reset_stats();
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(e.accounts().get("1002"), Some(&1));
    let report = e.report();
    assert_eq!(report[0].split(',').nth(1), Some("unchanged"));
    assert!(
        report[1].starts_with("3,unchanged,1002,OnTime already holds exactly this"),
        "{report:?}"
    );
    let id = e.customer("1002")["ID"].as_str().unwrap().to_string();
    assert_eq!(
        e.log(),
        [
            "GET api/customers?accountNumber=1002 200".to_string(),
            format!("GET api/customers/{id} 200")
        ]
    );
    assert_eq!(
        e.sb.stats().endpoint_total("POST api/customer/post"),
        0,
        "{:?}",
        e.log()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_errors_file_of_a_workbook_reimports_with_the_same_mapping() {
    use crate::util::X;
    let e = env_default().await;
    let header = ["Acct", "Company", "Email", "Dept", "Contact"]
        .map(X::S)
        .to_vec();
    let rows = vec![
        vec![X::S("Customer export")],
        vec![],
        header,
        vec![
            X::N(1001.0),
            X::S("Acme"),
            X::S("a@x.com"),
            X::S("Ship"),
            X::S("Ann"),
        ],
        vec![
            X::N(1002.0),
            X::Blank,
            X::S("b@x.com"),
            X::S("Lab"),
            X::S("Bob"),
        ],
    ];
    e.work.xlsx(
        "in.xlsx",
        &[("Notes", vec![vec![X::S("ignore me")]]), ("Export", rows)],
    );
    let mapping = format!("[source]\nsheet = \"Export\"\nheader_row = 3\n{SIMPLE_MAPPING}");
    e.work.write("m.toml", mapping);
    let mut args = e.args(&["--errors", "fix.csv"]);
    args[0] = "in.xlsx".into();
    let args_ref: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = e
        .work
        .run_async(&args_ref, &[("ONTIME_API_KEY", &e.key)])
        .await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let rows = read_csv(&e.work.path("fix.csv"));
    assert_eq!(rows[0][0], "Customer export");
    assert_eq!(
        rows[2],
        ["Acct", "Company", "Email", "Dept", "Contact", "Error"]
    );
    assert_eq!(rows.len(), 4, "{rows:#?}");
    assert_eq!(rows[3][..5], ["1002", "", "b@x.com", "Lab", "Bob"]);
    let text = std::fs::read_to_string(e.work.path("fix.csv")).unwrap();
    e.work.write(
        "fix.csv",
        text.replace("1002,,b@x.com", "1002,Beta,b@x.com"),
    );
    args[0] = "fix.csv".into();
    let args_ref: Vec<&str> = args.iter().map(String::as_str).collect();
    // `--errors` naming the input itself would overwrite it: refused before anything is sent.
    let run = e
        .work
        .run_async(&args_ref, &[("ONTIME_API_KEY", &e.key)])
        .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("--errors") && run.stderr.contains("is the input"),
        "{}",
        run.stderr
    );
    assert!(
        std::fs::read_to_string(e.work.path("fix.csv"))
            .unwrap()
            .contains("1002,Beta")
    );
    let at = args.iter().position(|a| a == "--errors").unwrap();
    args[at + 1] = "fix2.csv".into();
    let args_ref: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = e
        .work
        .run_async(&args_ref, &[("ONTIME_API_KEY", &e.key)])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        crate::util::brief(&e.work.report("fix.csv.report.csv")),
        ["4,created,1002,created"]
    );
    assert_eq!(e.customer("1002")["Name"], "Beta");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn separate_children_with_unknown_outcomes_are_not_duplicated() {
    let e = env_default().await;
    e.input("Acct,Company,Email,Dept,Contact\n1001,Acme,a@x.com,Ship,Ann\n");
    // The customer's create, then its department's, then its contact's: each stored, no answer.
    e.sb.set_faults(scripted("1001", FaultKind::DropAfterStore, 3));
    let run = e.run(&["--children", "separate"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        e.report()[0].starts_with("2,created,1001,created (confirmed by lookup after:"),
        "{:?}",
        e.report()
    );
    let stats = e.sb.stats();
    assert_eq!(stats.count("POST api/customer/post", "dropped"), 1);
    assert_eq!(stats.count("POST api/department/post", "dropped"), 1);
    assert_eq!(stats.count("POST api/contact/post", "dropped"), 1);
    assert_eq!(
        stats.endpoint_total("POST api/department/post")
            + stats.endpoint_total("POST api/contact/post"),
        2
    );
    let acme = e.customer("1001");
    assert_eq!(acme["Departments"].as_array().unwrap().len(), 1, "{acme:#}");
    assert_eq!(acme["Contacts"].as_array().unwrap().len(), 1, "{acme:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_rechecks_every_customer_and_recreates_what_ontime_lost() {
    let e = env_default().await;
    e.input(&customers_csv(3));
    assert_eq!(e.run(&[]).await.code, 0);
    // --full looks at each record again: one GET each, nothing posted when all is equal.
    e.sb.reset_stats();
    let run = e.run(&["--full"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(e.sb.stats().count("GET api/customers/{id}", "200"), 3);
    assert_eq!(e.sb.stats().total, 3, "{:?}", e.log());
    assert!(
        e.report().iter().all(|l| l.contains(",unchanged,")),
        "{:?}",
        e.report()
    );
    // The account was emptied (a reset sandbox, another account): the ledger's IDs are unknown.
    let answer = crate::sandbox::client()
        .delete(format!("{}/__sandbox/customers", e.sb.base_url()))
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
async fn a_blank_cell_never_blanks_what_ontime_holds() {
    let e = env_default().await;
    let id = e
        .sb
        .insert_customer(json!({"Name": "Acme", "AccountNumber": "1001", "Email": "kept@x.com"}));
    e.input("Acct,Company,Email,Dept,Contact\n1001,Acme Ltd,,,\n");
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(e.report(), ["2,updated,1001,updated: Name"]);
    let after = e.customer("1001");
    assert_eq!(
        (
            after["ID"].as_str(),
            after["Name"].as_str(),
            after["Email"].as_str()
        ),
        (Some(id.as_str()), Some("Acme Ltd"), Some("kept@x.com"))
    );
}

/// A server that ignores lookup filters: every lookup answers its one customer, "9999".
async fn filter_ignoring_server() -> (String, std::sync::Arc<std::sync::atomic::AtomicU64>) {
    use axum::routing::{get, post};
    use std::sync::atomic::{AtomicU64, Ordering};
    let posts = std::sync::Arc::new(AtomicU64::new(0));
    let counted = posts.clone();
    let one = json!({"ID": "00000000-0000-0000-0000-000000000001", "Name": "Other", "AccountNumber": "9999"});
    let record = one.clone();
    let router = axum::Router::new()
        .route(
            "/sites/acme/api/customers",
            get(|| async { axum::Json(json!(["00000000-0000-0000-0000-000000000001"])) }),
        )
        .route(
            "/sites/acme/api/customers/{id}",
            get(move || async move { axum::Json(record) }),
        )
        .route(
            "/sites/acme/api/customer/post",
            post(move || async move {
                counted.fetch_add(1, Ordering::SeqCst);
                (axum::http::StatusCode::CREATED, axum::Json(one))
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    (base, posts)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_found_with_another_key_is_never_overwritten() {
    let (base, posts) = filter_ignoring_server().await;
    let work = crate::util::Work::new();
    work.write("in.csv", customers_csv(2));
    work.write("m.toml", SIMPLE_MAPPING);
    let args = [
        "in.csv",
        "-m",
        "m.toml",
        "--base-url",
        &base,
        "--company-id",
        "acme",
        "--rate",
        "500",
    ];
    let run = work.run_async(&args, &[("ONTIME_API_KEY", "k")]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = crate::util::brief(&work.report("in.csv.report.csv"));
    assert_eq!(
        report[0],
        "2,failed,1001,the lookup by accountNumber \"1001\" answered customer 00000000-0000-0000-0000-000000000001, whose AccountNumber is \"9999\": not updating it; nothing was sent"
    );
    assert!(
        report[1].starts_with("3,failed,1002,the lookup by accountNumber \"1002\""),
        "{report:?}"
    );
    assert_eq!(posts.load(std::sync::atomic::Ordering::SeqCst), 0);
}

/// A server whose creates store the customer but answer 201 with an empty body.
async fn mute_create_server() -> (String, std::sync::Arc<std::sync::atomic::AtomicU64>) {
    use axum::extract::{Query, State};
    use axum::routing::{get, post};
    use std::collections::HashMap;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    let posts = Arc::new(AtomicU64::new(0));
    let lookup = |State(posts): State<Arc<AtomicU64>>, Query(q): Query<HashMap<String, String>>| async move {
        let stored = posts.load(Ordering::SeqCst) > 0
            && q.get("accountNumber").map(String::as_str) == Some("1001");
        axum::Json(if stored {
            json!(["00000000-0000-0000-0000-000000000001"])
        } else {
            json!([])
        })
    };
    let create = |State(posts): State<Arc<AtomicU64>>| async move {
        posts.fetch_add(1, Ordering::SeqCst);
        (axum::http::StatusCode::CREATED, "")
    };
    let router = axum::Router::new()
        .route("/sites/acme/api/customers", get(lookup))
        .route("/sites/acme/api/customer/post", post(create))
        .with_state(posts.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    (base, posts)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_answered_with_an_unreadable_body_is_resolved_by_lookup() {
    let (base, posts) = mute_create_server().await;
    let work = crate::util::Work::new();
    work.write("in.csv", customers_csv(1));
    work.write("m.toml", SIMPLE_MAPPING);
    let args = [
        "in.csv",
        "-m",
        "m.toml",
        "--base-url",
        &base,
        "--company-id",
        "acme",
        "--rate",
        "500",
    ];
    let run = work.run_async(&args, &[("ONTIME_API_KEY", "k")]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = crate::util::brief(&work.report("in.csv.report.csv"));
    assert!(report[0].starts_with("2,created,1001,created (confirmed by lookup after: 201 Created with an unreadable answer"), "{report:?}");
    assert_eq!(posts.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_answered_with_an_unreadable_body_is_done() {
    use axum::routing::{get, post};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    let id = "00000000-0000-0000-0000-000000000001";
    let record = json!({"ID": id, "Name": "Old", "AccountNumber": "1001"});
    let posts = Arc::new(AtomicU64::new(0));
    let counted = posts.clone();
    let router = axum::Router::new()
        .route(
            "/sites/acme/api/customers",
            get(move || async move { axum::Json(json!([id])) }),
        )
        .route(
            "/sites/acme/api/customers/{id}",
            get(move || async move { axum::Json(record) }),
        )
        .route(
            "/sites/acme/api/customer/post",
            post(move || async move {
                counted.fetch_add(1, Ordering::SeqCst);
                (axum::http::StatusCode::OK, "<html>OK</html>")
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let work = crate::util::Work::new();
    work.write("in.csv", customers_csv(1));
    work.write("m.toml", SIMPLE_MAPPING);
    let args = [
        "in.csv",
        "-m",
        "m.toml",
        "--base-url",
        &base,
        "--company-id",
        "acme",
        "--rate",
        "500",
    ];
    let run = work.run_async(&args, &[("ONTIME_API_KEY", "k")]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = crate::util::brief(&work.report("in.csv.report.csv"));
    assert_eq!(
        report,
        ["2,updated,1001,updated: Name, Email, Contacts, Departments"]
    );
    assert_eq!(posts.load(Ordering::SeqCst), 1, "sent once, not retried");
}
