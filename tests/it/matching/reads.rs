//! A record of the account that cannot be read: the run does not match against a partial
//! account. Without `also_by` it looks each customer up instead; with it, the customers to
//! match fail with nothing sent.

use super::*;
use crate::odd_servers::{Act, Answer, Odd};

const UNREADABLE: &str = "6f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e";

/// A sandbox behind a proxy whose reads of [`UNREADABLE`] always answer 500, holding 1001 (old
/// email) and that record; three customers to import (1001–1003), with `extra` in the mapping.
async fn one_unreadable(extra: &str) -> Odd {
    let odd = Odd::new(|seen| {
        if seen.method == "GET" && seen.target == format!("api/customers/{UNREADABLE}") {
            Act::answer(Answer::new(500, r#"{"Message": "down"}"#))
        } else {
            Act::Pass
        }
    })
    .await;
    odd.sb.insert_customer(
        json!({"AccountNumber": "1001", "Name": "Company 1001", "Email": "old@x.com"}),
    );
    odd.sb
        .insert_customer(json!({"ID": UNREADABLE, "AccountNumber": "9", "Name": "Other"}));
    let mut csv = String::from("Acct,Company,Email\n");
    for acct in 1001..=1003 {
        csv.push_str(&format!("{acct},Company {acct},c{acct}@x.com\n"));
    }
    odd.work.write("in.csv", csv);
    odd.work.write("m.toml", format!("{MAPPING}{extra}"));
    odd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_that_cannot_be_read_has_each_customer_looked_up_instead() {
    let odd = one_unreadable("").await;
    let run = odd.rerun(&["--retries", "1"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("not every customer OnTime holds could be read"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!(
            "the names of the 2 customers OnTime holds were not read (not all could be read: customer {UNREADABLE}: "
        )),
        "{}",
        run.stderr
    );
    assert_eq!(
        crate::odd_servers::statuses(&odd.report()),
        ["updated", "created", "created"]
    );
    assert_eq!(odd.seen_count("GET api/customers?"), 3, "{:?}", odd.seen());
    let stored: Vec<(String, usize)> = odd.stored().into_iter().collect();
    let once = |a: &str| (a.to_string(), 1);
    assert_eq!(
        stored,
        [once("1001"), once("1002"), once("1003"), once("9")]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn also_by_without_every_record_sends_nothing_for_the_customers_to_match() {
    let odd = one_unreadable("\n[match]\nalso_by = \"Name\"\n").await;
    let run = odd.rerun(&["--retries", "1"]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = odd.report();
    assert_eq!(
        crate::odd_servers::statuses(&report),
        ["failed", "failed", "failed"]
    );
    assert!(
        report[0].contains("[match] also_by = \"Name\" needs every customer OnTime holds, and not all could be read"),
        "{report:?}"
    );
    assert_eq!(odd.seen_count("POST"), 0, "{:?}", odd.seen());
}
