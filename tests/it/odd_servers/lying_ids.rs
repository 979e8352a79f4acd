//! A server that answers a create with another customer's ID, across two runs: the first run
//! must not record an ID the ledger already holds for another key, and the second must not
//! update a record, reached by the ledger's ID, that is not the customer's. Either way the
//! unrelated customer is never overwritten.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use super::*;

/// Every create is stored, then answered with the ID `lie` holds.
fn creates_answered_with(lie: Arc<Mutex<String>>) -> impl Fn(&Seen) -> Act {
    move |seen| {
        if !seen.is_create() {
            return Act::Pass;
        }
        let id = lie.lock().unwrap().clone();
        Act::then(move |answer| {
            let mut body = answer.body_json();
            body["ID"] = json!(id);
            Reply::Http(Answer::json(answer.status, &body))
        })
    }
}

fn record(odd: &Odd, id: &str) -> Value {
    let all = odd.sb.customers();
    all.into_iter().find(|c| c["ID"] == id).unwrap()
}

/// Run 1: 1001's create is answered with the ID of an unrelated customer the ledger does not
/// know (nothing can tell yet). Run 2, 1001 changed: its ledger ID leads to a record whose
/// AccountNumber is not 1001, so the row fails and nothing is posted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ledger_id_leading_to_another_customer_is_never_updated() {
    let lie = Arc::new(Mutex::new(String::new()));
    let odd = Odd::new(creates_answered_with(lie.clone())).await;
    let unrelated = odd
        .sb
        .insert_customer(json!({"Name": "Unrelated Ltd", "AccountNumber": "9999"}));
    *lie.lock().unwrap() = unrelated.clone();
    let run = odd.import(1, &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(odd.ids(), std::slice::from_ref(&unrelated));
    odd.work.write(
        "in.csv",
        customers_csv(1).replace("Company 1001", "Company 1001 Ltd"),
    );
    let posts = odd.seen_count("POST");
    let run = odd.rerun(&[]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        odd.report(),
        [format!(
            "2,failed,1001,the ledger names customer {unrelated} for AccountNumber \"1001\", but that record's AccountNumber is \"9999\": not updating it (it may be another customer); nothing was sent. Check customer {unrelated} in OnTime: if it is this customer, set its AccountNumber to \"1001\" there; if not, run once with a new --state ledger, which finds customers by lookup"
        )]
    );
    assert_eq!(odd.seen_count("POST"), posts, "nothing posted in run 2");
    let kept = record(&odd, &unrelated);
    assert_eq!(
        (kept["Name"].as_str(), kept["AccountNumber"].as_str()),
        (Some("Unrelated Ltd"), Some("9999"))
    );
    // The real 1001, created in run 1, is there once and untouched.
    assert_eq!(odd.stored().get("1001"), Some(&1));
}

/// Run 1: 1002's create is answered with 1001's ID, which the ledger holds for 1001 since the
/// create before: not recorded; a lookup finds the real 1002. Run 2, both changed: each is
/// updated in its own record.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_answered_with_an_id_the_ledger_holds_for_another_key_is_not_recorded() {
    let first = Arc::new(Mutex::new(None::<String>));
    let held = first.clone();
    // The first two posts are run 1's creates; run 2's updates pass untouched.
    let odd = Odd::new(move |seen| {
        if !seen.is_create() || seen.nth > 1 {
            return Act::Pass;
        }
        let held = held.clone();
        Act::then(move |answer| {
            let mut body = answer.body_json();
            let mut first = held.lock().unwrap();
            match first.as_ref() {
                None => *first = Some(body["ID"].as_str().unwrap().to_string()),
                Some(id) => body["ID"] = json!(id),
            }
            Reply::Http(Answer::json(answer.status, &body))
        })
    })
    .await;
    let run = odd.import(2, &["--concurrency", "1"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let id_1001 = first.lock().unwrap().clone().unwrap();
    let report = odd.report();
    assert_eq!(report[0], "2,created,1001,created");
    assert_eq!(
        report[1],
        format!(
            "3,created,1002,created (confirmed by lookup after: the answer's customer ID {id_1001} is already customer \"1001\"'s (not recorded for this one))"
        )
    );
    let ids = odd.ids();
    assert_eq!(ids[0], id_1001);
    assert_ne!(ids[1], id_1001);
    assert_eq!(record(&odd, &ids[1])["AccountNumber"], "1002");
    odd.work.write(
        "in.csv",
        customers_csv(2).replace("Company 100", "Company Ltd 100"),
    );
    let run = odd.rerun(&[]).await;
    assert_eq!(run.code, 0, "{}\n{:?}", run.stderr, odd.report());
    assert_eq!(statuses(&odd.report()), ["updated", "updated"]);
    assert_eq!(odd.ids(), ids);
    odd.assert_stored_once(2);
    for (id, acct) in ids.iter().zip(["1001", "1002"]) {
        let kept = record(&odd, id);
        assert_eq!(kept["AccountNumber"], acct);
        assert_eq!(kept["Name"], format!("Company Ltd {acct}"));
    }
}
