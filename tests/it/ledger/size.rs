//! The ledger's size against what it holds: a ledger that keeps each customer's server copy
//! (1–3 KB of JSON) is mostly that JSON, not mostly empty pages (issue 15: 100,000 customers
//! with 30 runs of history under 500 MB; `benches/ledger.sh` measures that one).
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use crate::upload::env_default;

/// `n` customers of four rows each (a department and a contact per row, with long names), in
/// the layout of `SIMPLE_MAPPING`: OnTime's answer for each is about 2 KB.
fn wide_customers(n: usize) -> String {
    let mut text = String::from("Acct,Company,Email,Dept,Contact\n");
    for i in 0..n {
        let acct = 1001 + i;
        for line in 1..=4 {
            text.push_str(&format!(
                "{acct},Regional Freight Consolidators {acct},dispatch{acct}@x.com,\
                 Receiving and Outbound Logistics {line},Alexandra Montgomery-Fitzgerald {line}\n"
            ));
        }
    }
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ledger_of_server_copies_is_mostly_what_it_holds() {
    let e = env_default().await;
    e.input(&wide_customers(400));
    let run = e.run(&["--rate", "100000"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);

    let path = e.work.path("ledger.db");
    let (copies, held) = copies_json(&e);
    assert_eq!(copies, 400);
    assert!(held / copies > 1500, "{} bytes a copy", held / copies);
    let wal = std::fs::metadata(e.work.path("ledger.db-wal")).map_or(0, |m| m.len());
    let size = (std::fs::metadata(&path).unwrap().len() + wal) as i64;
    // The copies are nearly all the ledger holds (the rest: keys, hashes, one history row per
    // customer), deflated: the whole ledger takes less than their JSON alone would.
    assert!(
        size < held,
        "the ledger takes {size} bytes for {held} bytes of server copies"
    );
}

/// A version 2 ledger (4 KB pages, as SQLite makes them) is rewritten with a new ledger's pages
/// when it is upgraded, keeping its entries: the history it gains is as compact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upgraded_ledger_is_as_compact_as_a_new_one() {
    let e = env_default().await;
    let path = e.work.path("ledger.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("PRAGMA journal_mode = WAL;").unwrap();
    conn.execute_batch(super::sites::VERSION_2).unwrap();
    conn.execute(
        "INSERT INTO customers (base_url, company, key, customer_id, sent_hash, last_status, updated_at)
         VALUES ('http://127.0.0.1:1/', 'elsewhere', '9001', 'id-9001', 'hash', 'created', '2026-12-01T10:00:00Z')",
        [],
    )
    .unwrap();
    drop(conn);
    e.input(&wide_customers(400));
    let run = e.run(&["--rate", "100000"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);

    let conn = rusqlite::Connection::open(&path).unwrap();
    let elsewhere: String = conn
        .query_row(
            "SELECT customer_id FROM customers WHERE company = 'elsewhere' AND key = '9001'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(elsewhere, "id-9001", "the old entry is kept");
    drop(conn);
    let (_, held) = copies_json(&e);
    let size = std::fs::metadata(&path).unwrap().len() as i64;
    assert!(
        size < held,
        "the upgraded ledger takes {size} bytes for {held} bytes of server copies"
    );
}

/// How many server copies the ledger of `e` keeps for its site, and their JSON's bytes.
fn copies_json(e: &crate::upload::Env) -> (i64, i64) {
    let ledger = e.ledger();
    let keys: Vec<String> = ledger.all().unwrap().into_keys().collect();
    let copies: Vec<String> = keys
        .iter()
        .filter_map(|key| ledger.copy(key).unwrap())
        .collect();
    (
        copies.len() as i64,
        copies.iter().map(|c| c.len() as i64).sum(),
    )
}
