//! `undo RUN`: customers the run updated go back to the records it replaced, exactly, unless
//! someone changed them in OnTime since (`conflict`, unless `--force`); customers it created
//! are set Inactive and listed; `--plan` changes nothing; an undo is a run and can be undone.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use serde_json::Value;

use super::{command, runs};
use crate::upload::{Env, customers_csv, env_default, typed_in_ontime, with_new_emails};

/// Every stored record, sorted by account number.
fn records(e: &Env) -> Vec<Value> {
    let mut all = e.sb.customers();
    all.sort_by_key(|c| c["AccountNumber"].as_str().unwrap_or("").to_string());
    all
}

/// Changes `field` of customer `acct` in OnTime, as a person would: the whole record posted back.
async fn edit(e: &Env, acct: &str, field: &str, value: &str) {
    let mut record = e.customer(acct);
    record[field] = Value::String(value.into());
    typed_in_ontime(e, record).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_after_an_update_run_restores_every_field_and_child_exactly() {
    let e = env_default().await;
    e.input(&customers_csv(5));
    assert_eq!(e.run(&[]).await.code, 0);
    let before = records(&e);
    // Run 2 changes two customers' e-mail.
    e.input(&with_new_emails(5, &[1002, 1004]));
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let updated = records(&e);
    assert_ne!(updated, before);

    let posts = e.posts();
    let plan = command(&e, &["undo", "2", "--plan"]).await;
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    assert_eq!(e.posts(), posts, "--plan posts nothing");
    assert!(plan.stderr.contains("2 would_restore"), "{}", plan.stderr);
    assert_eq!(records(&e), updated);

    e.sb.reset_stats();
    let undo = command(&e, &["undo", "2"]).await;
    assert_eq!(undo.code, 0, "{}", undo.stderr);
    assert!(undo.stderr.contains("2 restored"), "{}", undo.stderr);
    assert_eq!(records(&e), before, "every field and child as before run 2");
    // One listing, then one read and one post per customer.
    assert_eq!(e.sb.stats().total, 1 + 2 * 2);

    let listed: Value = serde_json::from_str(&runs(&e, &["--json"]).stdout).unwrap();
    assert_eq!(listed[0]["command"], "undo");
    assert_eq!(listed[0]["undoes"], 2);
    assert_eq!(listed[0]["counts"], serde_json::json!({"restored": 2}));
    assert_eq!(listed[0]["exit_code"], 0);

    // The undo is a run like any other: undone, the records are run 2's again.
    let again = command(&e, &["undo", "3"]).await;
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(records(&e), updated);

    // The ledger no longer takes run 2's input as sent: after undoing the undo OnTime holds it,
    // so the next import finds them unchanged, by reading them.
    let rerun = e.run(&[]).await;
    assert_eq!(rerun.code, 0, "{}", rerun.stderr);
    assert!(rerun.stderr.contains("5 unchanged"), "{}", rerun.stderr);
}

/// A department the run added cannot be deleted through the API: the undo restores the rest,
/// says `partly_restored` and names the department, and exits 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_the_run_added_is_named_not_hidden() {
    let e = env_default().await;
    e.input(&customers_csv(2));
    assert_eq!(e.run(&[]).await.code, 0);
    let before = records(&e);
    e.input(&with_new_emails(2, &[1002]).replace("Dept 1002", "Dept 1002 new"));
    assert_eq!(e.run(&[]).await.code, 0);
    let undo = command(&e, &["undo", "2"]).await;
    assert_eq!(undo.code, 1, "{}", undo.stderr);
    assert!(undo.stderr.contains("1 partly_restored"), "{}", undo.stderr);
    assert!(
        undo.stderr.contains("Department \"Dept 1002 new\"")
            && undo.stderr.contains("desktop suite"),
        "{}",
        undo.stderr
    );
    let mut restored = e.customer("1002");
    assert_eq!(restored["Email"], before[1]["Email"]);
    restored["Departments"]
        .as_array_mut()
        .unwrap()
        .retain(|d| d["Name"] != "Dept 1002 new");
    assert_eq!(
        restored, before[1],
        "all but the added department as before"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_leaves_a_customer_edited_since_the_run_unless_forced() {
    let e = env_default().await;
    e.input(&customers_csv(3));
    assert_eq!(e.run(&[]).await.code, 0);
    let before = records(&e);
    e.input(&with_new_emails(3, &[1001, 1002]));
    assert_eq!(e.run(&[]).await.code, 0);
    edit(&e, "1001", "Phone", "555-0101").await;
    let edited = e.customer("1001");

    let undo = command(&e, &["undo", "2"]).await;
    assert_eq!(undo.code, 1, "{}", undo.stderr);
    assert!(
        undo.stderr.contains("conflict")
            && undo.stderr.contains("changed in OnTime since run 2: Phone"),
        "{}",
        undo.stderr
    );
    assert_eq!(e.customer("1001"), edited, "left alone");
    assert_eq!(e.customer("1002"), before[1], "restored");

    let forced = command(&e, &["undo", "2", "--force"]).await;
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    assert_eq!(
        e.customer("1001"),
        before[0],
        "--force restores it, the edit lost"
    );
    assert!(
        forced.stderr.contains("1 unchanged"),
        "1002 was restored already: {}",
        forced.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_after_a_create_run_deactivates_exactly_the_created_ones() {
    let e = env_default().await;
    // 1001 was typed in OnTime before the import, which updates it; 1002 and 1003 are created.
    let typed = serde_json::json!({
        "Name": "Company 1001", "AccountNumber": "1001", "Email": "old@x.com",
        "Departments": [{"Name": "Dept 1001"}], "Contacts": [{"Name": "Contact 1001"}]
    });
    typed_in_ontime(&e, typed).await;
    let typed = e.customer("1001");
    e.input(&customers_csv(3));
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let imported = records(&e);

    let undo = command(&e, &["undo", "1"]).await;
    assert_eq!(undo.code, 0, "{}", undo.stderr);
    assert!(
        undo.stderr.contains("2 deactivated") && undo.stderr.contains("1 restored"),
        "{}",
        undo.stderr
    );
    for id in [&imported[1]["ID"], &imported[2]["ID"]] {
        assert!(
            undo.stderr.contains(id.as_str().unwrap()),
            "the created ones are listed with their IDs: {}",
            undo.stderr
        );
    }
    assert!(undo.stderr.contains("desktop suite"), "{}", undo.stderr);
    let after = records(&e);
    assert_eq!(after[0], typed, "the updated one is as it was typed");
    for (now, then) in after[1..].iter().zip(&imported[1..]) {
        let mut expected = then.clone();
        expected["Inactive"] = Value::Bool(true);
        assert_eq!(now, &expected, "only Inactive changed");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_refuses_a_run_it_does_not_have_and_sends_nothing() {
    let e = env_default().await;
    e.input(&customers_csv(1));
    assert_eq!(e.run(&[]).await.code, 0);
    e.sb.reset_stats();
    let undo = command(&e, &["undo", "7"]).await;
    assert_eq!(undo.code, 2, "{}", undo.stderr);
    assert!(undo.stderr.contains("has no run 7"), "{}", undo.stderr);
    assert_eq!(e.sb.stats().total, 0);
}

/// What `runs`, `runs show` and `undo` print, with the run's times, address and IDs put as
/// placeholders.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screens_of_the_history_and_an_undo() {
    let e = env_default().await;
    e.input(&customers_csv(3));
    assert_eq!(e.run(&[]).await.code, 0);
    e.input(&with_new_emails(3, &[1002]));
    assert_eq!(e.run(&[]).await.code, 0);
    edit(&e, "1002", "Phone", "555-0101").await;
    let undo = command(&e, &["undo", "2"]).await;
    assert_eq!(undo.code, 1, "{}", undo.stderr);
    let listed: Value = serde_json::from_str(&runs(&e, &["--json"]).stdout).unwrap();
    let mut placeholders: Vec<(String, String)> = vec![(e.sb.base_url() + "/", "<URL>/".into())];
    for run in listed.as_array().unwrap() {
        for (field, name) in [
            ("started_at", "<START>"),
            ("ended_at", "<END>"),
            ("input_hash", "<HASH>"),
            ("mapping_hash", "<MAPPING>"),
        ] {
            if let Some(value) = run[field].as_str() {
                placeholders.push((
                    value.replace('T', " ").trim_end_matches('Z').to_string(),
                    name.into(),
                ));
                placeholders.push((value.to_string(), name.into()));
            }
        }
        if let Some(input) = run["input"].as_str() {
            placeholders.push((input.to_string(), "<DIR>/in.csv".into()));
            placeholders.dedup();
        }
    }
    for record in e.sb.customers() {
        let acct = record["AccountNumber"].as_str().unwrap().to_string();
        placeholders.push((
            record["ID"].as_str().unwrap().to_string(),
            format!("<ID {acct}>"),
        ));
    }
    let shown = |text: &str| {
        placeholders
            .iter()
            .fold(text.to_string(), |text, (value, name)| {
                text.replace(value, name)
            })
    };
    insta::assert_snapshot!("runs_list", shown(&runs(&e, &[]).stdout));
    insta::assert_snapshot!("runs_show", shown(&runs(&e, &["show", "2"]).stdout));
    insta::assert_snapshot!("undo_with_a_conflict", shown(&undo.stderr));
}

/// Ctrl-C during an undo: the customers under way end, the rest are `not_sent`, the run's end
/// is in the history (exit 130), and running the undo again finishes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_undo_is_recorded_and_a_rerun_finishes_it() {
    let e = env_default().await;
    e.input(&customers_csv(20));
    assert_eq!(e.run(&[]).await.code, 0);
    let before = records(&e);
    let all: Vec<usize> = (1001..=1020).collect();
    e.input(&with_new_emails(20, &all));
    assert_eq!(e.run(&[]).await.code, 0);
    let base = e.sb.base_url();
    let state = e.work.path("ledger.db").display().to_string();
    // Slow enough for the interrupt to come before the end: 40 requests at 2 a second.
    let args = [
        "undo",
        "2",
        "--base-url",
        &base,
        "--company-id",
        e.sb.company_id(),
    ];
    let mut args: Vec<&str> = args.to_vec();
    args.extend(["--state", &state, "--rate", "2", "--concurrency", "1"]);
    // The sandbox counts arrivals since it started: the two runs' requests, as the history says.
    let so_far: u64 = serde_json::from_str::<Value>(&runs(&e, &["--json"]).stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|run| run["requests"].as_u64().unwrap())
        .sum();
    let mut child = e.spawn_args(&args, std::process::Stdio::null());
    tokio::select! {
        () = e.sb.wait_for_requests(so_far + 3) => {}
        ended = child.wait() => panic!("the undo ended before it was interrupted: {ended:?}"),
    }
    crate::util::signal(&child, "-INT");
    assert_eq!(child.wait().await.unwrap().code(), Some(130));
    let listed: Value = serde_json::from_str(&runs(&e, &["--json"]).stdout).unwrap();
    assert_eq!(listed[0]["command"], "undo");
    assert_eq!(listed[0]["exit_code"], 130);
    assert!(listed[0]["ended_at"].is_string());
    assert!(
        listed[0]["counts"]["not_sent"].as_u64().unwrap_or(0) > 0,
        "{}",
        listed[0]
    );
    let rest = command(&e, &["undo", "2"]).await;
    assert_eq!(rest.code, 0, "{}", rest.stderr);
    assert_eq!(records(&e), before);
}
