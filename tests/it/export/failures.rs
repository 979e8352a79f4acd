//! Reads that fail: a customer OnTime refuses to answer, and one answered with another
//! customer's record. The export is incomplete (exit 1), FILE not written, the failures named;
//! the rerun reads only those.

use std::sync::{Arc, Mutex};

use serde_json::json;

use crate::odd_servers::{Act, Answer, Odd, Reply};
use crate::util::Run;

async fn export(odd: &Odd, file: &str) -> Run {
    let args = [
        "export",
        "-o",
        file,
        "--base-url",
        odd.proxy.base(),
        "--company-id",
        odd.sb.company_id(),
        "--rate",
        "500",
        "--retries",
        "1",
    ];
    let key = odd.sb.api_key().to_string();
    odd.work.run_async(&args, &[("ONTIME_API_KEY", &key)]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_that_cannot_be_read_keeps_the_file_from_being_written() {
    // The IDs the proxy answers wrongly: the first refused, the second with another record.
    let wrong: Arc<Mutex<Vec<String>>> = Arc::default();
    let rule_wrong = Arc::clone(&wrong);
    let odd = Odd::new(move |seen| {
        let wrong = rule_wrong.lock().unwrap();
        let Some(id) = seen.target.strip_prefix("api/customers/") else {
            return Act::Pass;
        };
        match wrong.iter().position(|w| w == id) {
            Some(0) => Act::Instead(Reply::Http(Answer::json(
                400,
                &json!({"Message": "no such customer"}),
            ))),
            Some(_) => {
                let other = wrong[0].clone();
                Act::then(move |answer| {
                    let mut record = answer.body_json();
                    record["ID"] = json!(other);
                    Reply::Http(Answer::json(200, &record))
                })
            }
            None => Act::Pass,
        }
    })
    .await;
    let ids: Vec<String> = (0..5)
        .map(|i| {
            let account = format!("{}", 500 + i);
            odd.sb
                .insert_customer(json!({"Name": format!("C {i}"), "AccountNumber": account}))
        })
        .collect();
    *wrong.lock().unwrap() = vec![ids[1].clone(), ids[3].clone()];
    let run = export(&odd, "backup.csv").await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!odd.work.path("backup.csv").exists());
    for said in [
        "export incomplete: 3 of 5 customers read (3 by this run); backup.csv not written"
            .to_string(),
        "2 customers could not be read:".to_string(),
        format!(
            "  {}: OnTime answered 400: {{\"Message\":\"no such customer\"}}",
            ids[1]
        ),
        format!(
            "  {}: OnTime answered customer {} for {}",
            ids[3], ids[1], ids[3]
        ),
        "run the same command again and it reads only the 2 left".to_string(),
    ] {
        assert!(run.stderr.contains(&said), "{said}\n{}", run.stderr);
    }
    wrong.lock().unwrap().clear();
    let before = odd.sb.stats().endpoint_total("GET api/customers/{id}");
    let rest = export(&odd, "backup.csv").await;
    assert_eq!(rest.code, 0, "{}", rest.stderr);
    let reads = odd.sb.stats().endpoint_total("GET api/customers/{id}") - before;
    assert_eq!(reads, 2, "only the two");
    let rows = crate::util::read_csv(&odd.work.path("backup.csv"));
    let mut got: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    got.sort();
    let mut want: Vec<&str> = ids.iter().map(String::as_str).collect();
    want.sort();
    assert_eq!(got, want);
}
