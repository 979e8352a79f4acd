//! Answers that are OnTime's in substance but not in form: 200 for 201, an `Id` spelt otherwise,
//! IDs in upper case or braces, lookups with padding, duplicates or objects, records without
//! their ID, a 400 in HTML.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use serde_json::{Value, json};

use super::*;

/// A JSON answer with one property renamed at the top level.
fn rename(answer: Answer, from: &str, to: &str) -> Reply {
    let mut body = answer.body_json();
    if let Some(object) = body.as_object_mut()
        && let Some(value) = object.remove(from)
    {
        object.insert(to.to_string(), value);
    }
    Reply::Http(Answer::json(answer.status, &body))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_answered_200_with_only_unknown_fields_besides_its_id_is_created() {
    let odd = Odd::new(|seen| {
        if !seen.is_create() {
            return Act::Pass;
        }
        Act::then(|answer| {
            let id = answer.body_json()["ID"].clone();
            let body = json!({"ID": id, "Extra": {"Nested": [1, 2]}, "Version": 7});
            Reply::Http(Answer::json(200, &body))
        })
    })
    .await;
    let run = odd.import(2, &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(statuses(&odd.report()), ["created", "created"]);
    odd.assert_stored_once(2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_all_zero_id_in_a_create_answer_is_no_id() {
    let odd = Odd::new(|seen| {
        if !seen.is_create() {
            return Act::Pass;
        }
        Act::then(|answer| {
            let mut body = answer.body_json();
            body["ID"] = json!("00000000-0000-0000-0000-000000000000");
            Reply::Http(Answer::json(201, &body))
        })
    })
    .await;
    let run = odd.import(1, &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        odd.report(),
        [
            "2,created,1001,created (confirmed by lookup after: the answer's customer ID is not usable: \"00000000-0000-0000-0000-000000000000\")"
        ]
    );
    assert_eq!(odd.ids(), [odd.sb.customers()[0]["ID"].as_str().unwrap()]);
    odd.assert_stored_once(1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_id_spelt_id_or_id_in_a_create_answer_is_the_id() {
    for spelling in ["Id", "id"] {
        let odd = Odd::new(move |seen| {
            if seen.is_create() {
                Act::then(move |answer| rename(answer, "ID", spelling))
            } else {
                Act::Pass
            }
        })
        .await;
        // No match key: an answer read wrongly here could only end as "outcome unknown".
        odd.work.write("in.csv", customers_csv(1));
        odd.work.write(
            "m.toml",
            format!("{SIMPLE_MAPPING}\n[match]\nby = \"none\"\n"),
        );
        let run = odd.rerun(&[]).await;
        assert_eq!(run.code, 0, "{spelling}: {}", run.stderr);
        assert_eq!(odd.report(), ["2,created,1001,created"], "{spelling}");
        let stored = odd.sb.customers()[0]["ID"].as_str().unwrap().to_string();
        assert_eq!(odd.ids(), [stored]);
        assert_eq!(
            odd.seen(),
            ["GET api/customers", "POST api/customer/post"],
            "{spelling}"
        );
    }
}

/// An ID in upper case and braces, as .NET's `Guid.ToString("B")` would write it.
fn brace(id: &Value) -> Value {
    json!(format!("{{{}}}", id.as_str().unwrap().to_uppercase()))
}

/// A proxy that answers every customer ID (create answers, lookups, records) braced.
fn braced(seen: &Seen) -> Act {
    let by_id = seen.method == "GET" && seen.target.starts_with("api/customers/");
    if seen.is_create() || by_id {
        return Act::then(|answer| {
            let mut body = answer.body_json();
            body["ID"] = brace(&body["ID"]);
            Reply::Http(Answer::json(answer.status, &body))
        });
    }
    if seen.is_lookup() {
        return Act::then(|answer| {
            let ids: Vec<Value> = answer
                .body_json()
                .as_array()
                .unwrap()
                .iter()
                .map(brace)
                .collect();
            Reply::Http(Answer::json(200, &json!(ids)))
        });
    }
    Act::Pass
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ids_in_braces_and_upper_case_name_the_same_customer() {
    let odd = Odd::new(braced).await;
    let run = odd.import(2, &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut stored: Vec<String> = odd
        .sb
        .customers()
        .iter()
        .map(|c| c["ID"].as_str().unwrap().to_string())
        .collect();
    stored.sort();
    let mut ids = odd.ids();
    ids.sort();
    assert_eq!(ids, stored, "the report names the IDs in one form");
    // By the ledger's ID: 1001 changed.
    let csv = customers_csv(2).replace("Company 1001", "Company 1001 Ltd");
    odd.work.write("in.csv", &csv);
    let run = odd.rerun(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(statuses(&odd.report()), ["updated", "unchanged"]);
    // By lookup, with no ledger: 1002 changed.
    std::fs::remove_file(odd.work.path("ledger.db")).unwrap();
    odd.work
        .write("in.csv", csv.replace("Company 1002", "Company 1002 Ltd"));
    let run = odd.rerun(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(statuses(&odd.report()), ["unchanged", "updated"]);
    odd.assert_stored_once(2);
    let mut ids = odd.ids();
    ids.sort();
    assert_eq!(ids, stored);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lookup_answering_one_id_twice_padded_or_as_objects_is_one_customer() {
    let shapes: [fn(&str) -> Value; 3] = [
        |id| json!([id, id]),
        |id| json!([format!("  {id}\n")]),
        |id| json!([{"Id": id, "Name": "x"}, {"ID": id.to_uppercase()}]),
    ];
    for (n, shape) in shapes.into_iter().enumerate() {
        let odd = Odd::new(move |seen| {
            if seen.is_lookup() {
                Act::then(move |answer| {
                    let ids = answer.body_json();
                    match ids.as_array().unwrap().first() {
                        Some(id) => Reply::Http(Answer::json(200, &shape(id.as_str().unwrap()))),
                        None => Reply::Http(answer),
                    }
                })
            } else {
                Act::Pass
            }
        })
        .await;
        odd.sb
            .insert_customer(json!({"Name": "Old", "AccountNumber": "1001"}));
        let run = odd.import(1, &[]).await;
        assert_eq!(run.code, 0, "shape {n}: {}", run.stderr);
        assert_eq!(statuses(&odd.report()), ["updated"], "shape {n}");
        odd.assert_stored_once(1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lookup_with_an_empty_body_fails_the_row_and_creates_nothing() {
    let odd = Odd::new(every_lookup_answered(Answer::new(200, ""))).await;
    // One more in OnTime than to import: looked up one by one.
    for acct in ["9998", "9999"] {
        odd.sb
            .insert_customer(json!({"Name": "Other", "AccountNumber": acct}));
    }
    let run = odd.import(1, &["--retries", "1"]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = odd.report();
    assert!(
        report[0]
            .starts_with("2,failed,1001,gave up after retries: 200 OK with an unreadable answer"),
        "{report:?}"
    );
    assert_eq!(odd.stored().get("1001"), None);
}

/// "No match" answered 204 No Content: not asked again (it would answer the same), the row
/// fails at its one lookup, nothing is created.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lookup_answered_204_fails_the_row_at_once() {
    let odd = Odd::new(every_lookup_answered(Answer::new(204, ""))).await;
    // One more in OnTime than to import: looked up one by one.
    for acct in ["9997", "9998", "9999"] {
        odd.sb
            .insert_customer(json!({"Name": "Other", "AccountNumber": acct}));
    }
    let run = odd.import(2, &[]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        odd.report()[0],
        "2,failed,1001,OnTime answered 204: no content, where a JSON answer was expected"
    );
    let lookups = odd.seen_count("GET api/customers?");
    assert_eq!(lookups, 2, "one per customer: {:?}", odd.seen());
    assert_eq!(odd.stored().get("1001"), None);
}

/// "No match" answered 404: the run stops (as at a wrong address, where taking it for "no
/// match" would create every customer), saying it was a lookup that got it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lookup_answered_404_stops_the_run_naming_the_lookup() {
    let odd = Odd::new(every_lookup_answered(Answer::json(
        404,
        &json!({"Message": "No customers match the criteria."}),
    )))
    .await;
    // One more in OnTime than to import: looked up one by one.
    for acct in ["9998", "9999"] {
        odd.sb
            .insert_customer(json!({"Name": "Other", "AccountNumber": acct}));
    }
    let run = odd.import(1, &[]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("to a customer lookup, which answers a list (empty for no match); the service may answer 404 for no match, which is not taken as such: check ONTIME_COMPANY_ID (--company-id) and --base-url. Server said: {\"Message\":\"No customers match the criteria.\"}"),
        "{}",
        run.stderr
    );
    assert_eq!(odd.stored().get("1001"), None);
}

/// Every lookup answered `answer` in the sandbox's place; the rest passes.
fn every_lookup_answered(answer: Answer) -> impl Fn(&Seen) -> Act + Send + Sync + 'static {
    move |seen| {
        if seen.is_lookup() {
            Act::answer(answer.clone())
        } else {
            Act::Pass
        }
    }
}

/// The record of a GET by ID with its `ID` changed by `change`.
fn record_with(change: fn(&mut serde_json::Map<String, Value>)) -> impl Fn(&Seen) -> Act {
    move |seen| {
        if seen.method == "GET" && seen.target.starts_with("api/customers/") {
            Act::then(move |answer| {
                let mut body = answer.body_json();
                change(body.as_object_mut().unwrap());
                Reply::Http(Answer::json(200, &body))
            })
        } else {
            Act::Pass
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_without_its_id_is_never_posted_back_as_a_create() {
    let changes: [fn(&mut serde_json::Map<String, Value>); 3] = [
        |record| drop(record.remove("ID")),
        |record| drop(record.insert("ID".into(), json!("00000000-0000-0000-0000-00000000abcd"))),
        |record| drop(record.insert("ID".into(), Value::Null)),
    ];
    for (n, change) in changes.into_iter().enumerate() {
        let odd = Odd::new(record_with(change)).await;
        let id = odd
            .sb
            .insert_customer(json!({"Name": "Old", "AccountNumber": "1001"}));
        let run = odd.import(1, &[]).await;
        assert_eq!(run.code, 1, "change {n}: {}", run.stderr);
        let report = odd.report();
        assert_eq!(
            report,
            [format!(
                "2,failed,1001,OnTime's record for customer {id} does not carry that ID; not updating it (posting it back would create a second customer); nothing was sent"
            )],
            "change {n}"
        );
        assert_eq!(odd.stored().get("1001"), Some(&1), "change {n}");
        assert!(!odd.seen().contains(&"POST api/customer/post".to_string()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_with_its_id_spelt_otherwise_is_updated_in_place() {
    let odd = Odd::new(record_with(|record| {
        let id = record.remove("ID").unwrap();
        record.insert("Id".into(), json!(format!("{{{}}}", id.as_str().unwrap())));
    }))
    .await;
    let id = odd
        .sb
        .insert_customer(json!({"Name": "Old", "AccountNumber": "1001"}));
    let run = odd.import(1, &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(odd.ids(), [id]);
    assert_eq!(statuses(&odd.report()), ["updated"]);
    odd.assert_stored_once(1);
    assert_eq!(odd.sb.customers()[0]["Name"], "Company 1001");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_400_in_html_is_the_rows_message_and_not_retried() {
    let page = "<html><body><h1>Bad Request</h1><p>Field too long</p></body></html>";
    let odd = Odd::new(move |seen| {
        if seen.is_create() {
            Act::answer(Answer::new(400, page).header("Content-Type", "text/html"))
        } else {
            Act::Pass
        }
    })
    .await;
    let run = odd.import(1, &[]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        odd.report(),
        [format!("2,failed,1001,OnTime answered 400: {page}")]
    );
    assert_eq!(odd.seen_count("POST"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_answered_with_another_customers_id_is_a_failure_to_check() {
    let other = "00000000-0000-0000-0000-00000000beef";
    let odd = Odd::new(move |seen| {
        if seen.is_create() {
            Act::then(move |answer| {
                let mut body = answer.body_json();
                body["ID"] = json!(other);
                Reply::Http(Answer::json(200, &body))
            })
        } else {
            Act::Pass
        }
    })
    .await;
    let id = odd
        .sb
        .insert_customer(json!({"Name": "Old", "AccountNumber": "1001"}));
    let run = odd.import(1, &[]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        odd.report(),
        [format!(
            "2,failed,1001,the update of customer {id} was answered with customer {other}: OnTime may have created a second customer instead; check both in OnTime before re-running"
        )]
    );
    assert_eq!(odd.ids(), [id]);
}
