//! The run history: every run that wrote is in the ledger with its input, mapping, target,
//! counts, requests and exit code, and what it did to each customer; `runs` lists them newest
//! first and `runs show RUN` says what one did; neither the history nor the server's copies
//! hold the API key.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use serde_json::Value;

use super::runs;
use crate::upload::{customers_csv, env_default, with_new_emails};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_lists_every_run_newest_first_and_show_says_what_one_did() {
    let e = env_default().await;
    e.input(&customers_csv(5));
    assert_eq!(e.run(&[]).await.code, 0);
    let first = e.sb.stats().total;
    e.input(&with_new_emails(5, &[1002, 1004]));
    e.sb.reset_stats();
    assert_eq!(e.run(&[]).await.code, 0);
    let second = e.sb.stats().total;

    let listed = runs(&e, &["--json"]);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    let listed: Value = serde_json::from_str(&listed.stdout).unwrap();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 2);
    let (newest, oldest) = (&listed[0], &listed[1]);
    assert_eq!(
        (newest["id"].as_i64(), oldest["id"].as_i64()),
        (Some(2), Some(1))
    );
    assert_eq!(oldest["counts"], serde_json::json!({"created": 5}));
    assert_eq!(
        newest["counts"],
        serde_json::json!({"updated": 2, "unchanged": 3})
    );
    assert_eq!(
        oldest["requests"].as_u64(),
        Some(first),
        "the sandbox's count"
    );
    assert_eq!(
        newest["requests"].as_u64(),
        Some(second),
        "the sandbox's count"
    );
    for run in listed {
        assert_eq!(run["exit_code"], 0);
        assert_eq!(run["command"], "import");
        assert_eq!(run["mode"], "upsert");
        assert_eq!(run["company"], e.sb.company_id());
        assert!(run["ended_at"].is_string() && run["started_at"].is_string());
        assert!(run["input"].as_str().unwrap().ends_with("in.csv"));
        assert_eq!(run["input_hash"].as_str().unwrap().len(), 32);
        assert_eq!(run["mapping_hash"].as_str().unwrap().len(), 32);
    }
    assert_ne!(
        newest["input_hash"], oldest["input_hash"],
        "the input changed"
    );
    assert_eq!(newest["mapping_hash"], oldest["mapping_hash"]);

    let text = runs(&e, &[]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    let lines: Vec<&str> = text.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", text.stdout);
    assert!(
        lines[1].trim_start().starts_with("2 ") && lines[1].contains("3 unchanged, 2 updated"),
        "{}",
        text.stdout
    );
    assert!(
        lines[2].trim_start().starts_with("1 ") && lines[2].contains("5 created"),
        "{}",
        text.stdout
    );

    let shown = runs(&e, &["show", "2", "--json"]);
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    let shown: Value = serde_json::from_str(&shown.stdout).unwrap();
    let customers: Vec<(String, String, String)> = shown["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap_or("").to_string();
            (s("key"), s("action"), s("outcome"))
        })
        .collect();
    // The customers the ledger alone judged unchanged had nothing done: counted, not listed.
    let expected = [("1002", "update", "updated"), ("1004", "update", "updated")]
        .map(|(k, a, o)| (k.to_string(), a.to_string(), o.to_string()));
    assert_eq!(customers, expected);
    let text = runs(&e, &["show", "2"]);
    assert!(
        text.stdout.starts_with("run 2: import upsert\n"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("updated: Email"), "{}", text.stdout);

    let missing = runs(&e, &["show", "9"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("has no run 9"),
        "{}",
        missing.stderr
    );
    let bytes = std::fs::read(e.work.path("ledger.db")).unwrap();
    let key = e.key.as_bytes();
    assert!(
        !bytes.windows(key.len()).any(|w| w == key),
        "the key is nowhere in the ledger"
    );
}

/// The ledger keeps OnTime's answer for each customer it sent: the server's copy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ledger_keeps_the_servers_copy_of_each_customer() {
    let e = env_default().await;
    e.input(&customers_csv(2));
    assert_eq!(e.run(&[]).await.code, 0);
    let ledger = e.ledger();
    let entries = ledger.all().unwrap();
    assert_eq!(entries.len(), 2);
    for (key, entry) in entries {
        let copy: Value = serde_json::from_str(&ledger.copy(&key).unwrap().unwrap()).unwrap();
        assert_eq!(
            copy,
            e.customer(&key),
            "the copy is the record OnTime holds"
        );
        let at = entry.copy_at.unwrap();
        assert!(at.ends_with('Z') && at.len() == 20, "{at}");
    }
}

/// `runs` while a run holds the ledger says so, instead of a database error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_while_a_run_holds_the_ledger_says_so() {
    let e = env_default().await;
    e.input(&customers_csv(1));
    assert_eq!(e.run(&[]).await.code, 0);
    let held = e.ledger();
    let listed = runs(&e, &[]);
    assert_eq!(listed.code, 2, "{}", listed.stdout);
    assert!(
        listed.stderr.contains("is in use by another run"),
        "{}",
        listed.stderr
    );
    drop(held);
    assert_eq!(runs(&e, &[]).code, 0);
}
