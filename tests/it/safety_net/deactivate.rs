//! `--deactivate-missing`: exactly the customers that left are set `Inactive`, every other
//! value of theirs kept; `--plan` lists them; more than `--max-deactivate` refuses the run
//! before its first request.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use serde_json::Value;

use super::with_status;
use crate::upload::{Env, customers_csv, env_default};

/// `customers_csv(n)` without the rows of `gone` (account numbers).
fn without(n: usize, gone: &[usize]) -> String {
    customers_csv(n)
        .lines()
        .filter(|line| !gone.iter().any(|g| line.starts_with(&format!("{g},"))))
        .map(|line| format!("{line}\n"))
        .collect()
}

/// Every stored record by account number.
fn records(e: &Env) -> Vec<(String, Value)> {
    let mut all: Vec<(String, Value)> =
        e.sb.customers()
            .into_iter()
            .map(|c| (c["AccountNumber"].as_str().unwrap_or("").to_string(), c))
            .collect();
    all.sort_by(|a, b| a.0.cmp(&b.0));
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_customers_gone_of_100_are_deactivated_and_nothing_else_changes() {
    let e = env_default().await;
    e.input(&customers_csv(100));
    assert_eq!(e.run(&[]).await.code, 0);
    let before = records(&e);
    e.input(&without(100, &[1010, 1050, 1100]));
    let posts = e.posts();
    let plan = e.run(&["--plan", "--deactivate-missing"]).await;
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    let would: Vec<String> = e
        .report()
        .into_iter()
        .filter(|l| l.contains("would deactivate"))
        .collect();
    assert_eq!(would.len(), 3, "{would:#?}");
    assert!(
        would[0].starts_with("0,valid,1010,would deactivate customer "),
        "{would:#?}"
    );
    assert_eq!(e.posts(), posts, "--plan posts nothing");
    let run = e.run(&["--deactivate-missing"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(e.posts() - posts, 3, "{}", e.log().join("\n"));
    let report = e.report();
    let gone = with_status(&report, "deactivated");
    let keys: Vec<&str> = gone.iter().map(|l| l.split(',').nth(2).unwrap()).collect();
    assert_eq!(keys, ["1010", "1050", "1100"], "{report:#?}");
    assert!(
        gone[0]
            .ends_with("deactivated: absent from the input; Inactive set, every other value kept"),
        "{gone:#?}"
    );
    assert!(run.stderr.contains("3 deactivated"), "{}", run.stderr);
    let after = records(&e);
    assert_eq!(after.len(), 100);
    for ((acct, old), (_, new)) in before.iter().zip(&after) {
        let mut expected = old.clone();
        if ["1010", "1050", "1100"].contains(&acct.as_str()) {
            expected["Inactive"] = Value::Bool(true);
        }
        assert_eq!(new, &expected, "customer {acct}");
    }
    // Deactivated once: the next run leaves them alone.
    let posts = e.posts();
    let run = e.run(&["--deactivate-missing"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(e.posts(), posts);
    assert!(with_status(&e.report(), "deactivated").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_gone_of_100_refuses_before_any_request() {
    let e = env_default().await;
    e.input(&customers_csv(100));
    assert_eq!(e.run(&[]).await.code, 0);
    e.input(&customers_csv(40));
    let requests = e.sb.requests().len();
    let run = e.run(&["--deactivate-missing"]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("--deactivate-missing would deactivate 60 of the 100 customers this ledger knows for the target, more than --max-deactivate 5% allows (5); nothing was sent"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("hint: check that the input is complete"),
        "{}",
        run.stderr
    );
    assert_eq!(e.sb.requests().len(), requests, "{}", e.log().join("\n"));
    assert!(
        records(&e)
            .iter()
            .all(|(_, c)| c["Inactive"] != Value::Bool(true))
    );
    // An absolute limit that allows them.
    let run = e
        .run(&["--deactivate-missing", "--max-deactivate", "60"])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(with_status(&e.report(), "deactivated").len(), 60);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_that_comes_back_is_reactivated_when_the_mapping_maps_inactive() {
    let e = env_default().await;
    let mapping = crate::util::SIMPLE_MAPPING.replace(
        "Email = \"Email\"",
        "Email = \"Email\"\nInactive = \"Gone\"",
    );
    let with_gone = |csv: String| -> String {
        csv.lines()
            .enumerate()
            .map(|(i, line)| format!("{line},{}\n", if i == 0 { "Gone" } else { "false" }))
            .collect()
    };
    e.input(&with_gone(customers_csv(40)));
    e.work.write("m.toml", &mapping);
    assert_eq!(e.run(&[]).await.code, 0);
    e.input(&with_gone(without(40, &[1005])));
    e.work.write("m.toml", &mapping);
    let run = e.run(&["--deactivate-missing"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(e.customer("1005")["Inactive"], true);
    e.input(&with_gone(customers_csv(40)));
    e.work.write("m.toml", &mapping);
    let run = e.run(&["--deactivate-missing"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(e.customer("1005")["Inactive"], false);
    assert_eq!(
        e.report()[4],
        "6,updated,1005,updated: Inactive",
        "{:#?}",
        e.report()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_row_still_names_its_customer() {
    let e = env_default().await;
    e.input(&customers_csv(20));
    assert_eq!(e.run(&[]).await.code, 0);
    e.input(&customers_csv(20).replace("1003,Company 1003,", "1003,,"));
    let posts = e.posts();
    let run = e
        .run(&["--deactivate-missing", "--max-deactivate", "100%"])
        .await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        e.report()[2].starts_with("4,invalid,1003,"),
        "{:#?}",
        e.report()
    );
    assert!(with_status(&e.report(), "deactivated").is_empty());
    assert_eq!(e.posts(), posts);
    assert_ne!(e.customer("1003")["Inactive"], true);
}
