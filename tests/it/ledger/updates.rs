//! Safe updates: what OnTime holds is kept, children are reused, ambiguity fails, --children separate.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use ontime_sandbox::FaultKind;
use serde_json::json;

use crate::upload::{customers_csv, env_default, scripted};

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
    // One customer in the account for one to match: the list, its record read in (which
    // serves the match and the merge: no lookup), the post.
    assert_eq!(
        e.log(),
        [
            "GET api/customers 200".to_string(),
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
    // And the ledger now knows: the next run spends only its first request.
    e.sb.reset_stats();
    assert_eq!(e.run(&[]).await.code, 0);
    assert_eq!(e.sb.stats().total, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ambiguous_matches_fail_naming_the_ids() {
    let e = env_default().await;
    let a =
        e.sb.insert_customer(json!({"Name": "One", "AccountNumber": "1002"}));
    let b =
        e.sb.insert_customer(json!({"Name": "Two", "AccountNumber": "1002"}));
    // Three customers in OnTime for the three of the input: looked up one by one.
    e.sb.insert_customer(json!({"Name": "Three", "AccountNumber": "9"}));
    e.sb.insert_customer(json!({"Name": "Four", "AccountNumber": "8"}));
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
    // Journaled with its window, then failed by its lookup: no create was sent, so it is not
    // left pending (the next run would wait for it to land), and its failure is kept.
    assert_eq!(e.pending(), []);
    assert!(
        e.log().iter().all(|l| !l.contains(&a) && !l.contains(&b)),
        "{:?}",
        e.log()
    );
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
    // A rerun spends only its first request, and after a new department only that one is
    // posted.
    e.sb.reset_stats();
    assert_eq!(e.run(&["--children", "separate"]).await.code, 0);
    assert_eq!(e.sb.stats().total, 1);
    e.input("Acct,Company,Email,Dept,Contact\n1001,Acme,a@x.com,Ship,Ann\n1001,Acme,a@x.com,Recv,Bob\n1001,Acme,a@x.com,Desk,\n1002,Beta,b@x.com,Lab,\n");
    let run = e.run(&["--children", "separate"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let id = acme["ID"].as_str().unwrap();
    assert_eq!(
        e.log(),
        [
            // The first request of the rerun before, then of this run.
            "GET api/customers 200".to_string(),
            "GET api/customers 200".to_string(),
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
async fn match_values_with_reserved_characters_are_found() {
    let e = env_default().await;
    let accounts = ["A&B #1/x+y", "50% off?", "Ünïcødé = ok"];
    let mut csv = String::from("Acct,Company,Email,Dept,Contact\n");
    for acct in accounts {
        e.sb.insert_customer(json!({"Name": "Old", "AccountNumber": acct}));
        csv.push_str(&format!("\"{acct}\",New,,,\n"));
    }
    e.input(&csv);
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        e.report()
            .iter()
            .all(|l| l.contains(",updated,") && l.ends_with("updated: Name")),
        "{:?}",
        e.report()
    );
    assert_eq!(e.sb.customers().len(), 3);
    assert!(e.sb.customers().iter().all(|c| c["Name"] == "New"));
}
