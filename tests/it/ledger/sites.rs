//! The ledger belongs to a site (normalised base URL, company id): a rehearsal against one
//! server never makes the real account look done; old ledgers migrate; a newer ledger is
//! refused; the run lock is on the database file itself.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use ontime_import::ledger::{DEFAULT_BASE_URL, Ledger, Site};
use ontime_sandbox::{self as sandbox, Sandbox, SandboxConfig};
use rusqlite::Connection;

use crate::upload::{customers_csv, env_default};
use crate::util::{Run, SIMPLE_MAPPING, Work, brief};

/// Imports `in.csv` of `work` into `sb`, with the ledger where the options put it (by default
/// `.ontime-import.db` beside the input), then `extra`.
pub async fn import(work: &Work, sb: &Sandbox, key: &str, extra: &[&str]) -> Run {
    let base = sb.base_url();
    let mut args = vec![
        "in.csv",
        "-m",
        "m.toml",
        "--base-url",
        &base,
        "--company-id",
        sb.company_id(),
        "--rate",
        "500",
        "--timeout",
        "0.3",
        "--retries",
        "2",
    ];
    args.extend(extra);
    work.run_async(&args, &[("ONTIME_API_KEY", key)]).await
}

fn input(work: &Work, n: usize) {
    work.write("in.csv", customers_csv(n));
    work.write("m.toml", SIMPLE_MAPPING);
}

fn accounts(sb: &Sandbox) -> Vec<String> {
    let mut accounts: Vec<String> = sb
        .customers()
        .iter()
        .map(|c| c["AccountNumber"].as_str().unwrap().to_string())
        .collect();
    accounts.sort();
    accounts
}

/// Rehearse against one server, then run the same file with the same company id and the same
/// (default) ledger against another: the second is planned and filled in full.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rehearsal_does_not_make_the_real_account_look_done() {
    let rehearsal = sandbox::start(SandboxConfig::default()).await.unwrap();
    let real = sandbox::start(SandboxConfig::default()).await.unwrap();
    assert_eq!(rehearsal.company_id(), real.company_id());
    let work = Work::new();
    input(&work, 4);
    let run = import(&work, &rehearsal, rehearsal.api_key(), &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(work.path(".ontime-import.db").exists());
    assert_eq!(accounts(&rehearsal), ["1001", "1002", "1003", "1004"]);

    let plan = import(&work, &real, real.api_key(), &["--plan"]).await;
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    assert_eq!(
        brief(&work.report("in.csv.report.csv")),
        [
            "2,valid,1001,would create",
            "3,valid,1002,would create",
            "4,valid,1003,would create",
            "5,valid,1004,would create"
        ]
    );
    // One request: the listing that proves the site and shows it empty (nothing to look up).
    assert_eq!(real.stats().total, 1);

    let run = import(&work, &real, real.api_key(), &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        brief(&work.report("in.csv.report.csv")),
        [
            "2,created,1001,created",
            "3,created,1002,created",
            "4,created,1003,created",
            "5,created,1004,created"
        ]
    );
    assert_eq!(accounts(&real), ["1001", "1002", "1003", "1004"]);

    // Each site keeps its own entries: the rehearsal server is still done, for one request.
    rehearsal.reset_stats();
    let run = import(&work, &rehearsal, rehearsal.api_key(), &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(rehearsal.stats().total, 1);
    assert_eq!(accounts(&rehearsal), ["1001", "1002", "1003", "1004"]);
}

/// Today's schema (version 1), as its binary created it.
const VERSION_1: &str = "
CREATE TABLE IF NOT EXISTS customers (
    company        TEXT NOT NULL,
    key            TEXT NOT NULL,
    customer_id    TEXT,
    sent_hash      TEXT,
    pending_create INTEGER NOT NULL DEFAULT 0,
    last_status    TEXT NOT NULL,
    last_message   TEXT NOT NULL DEFAULT '',
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (company, key)
) WITHOUT ROWID;
PRAGMA user_version = 1;
";

/// A version 1 ledger at `path` holding accounts 1001..1003 of company `sandbox`, and the lock
/// file its last run left beside it, naming `command`.
fn version_1_ledger(path: &std::path::Path, command: &str) {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch("PRAGMA journal_mode = WAL;").unwrap();
    conn.execute_batch(VERSION_1).unwrap();
    for acct in ["1001", "1002", "1003"] {
        conn.execute(
            "INSERT INTO customers (company, key, customer_id, sent_hash, pending_create, last_status, updated_at)
             VALUES ('sandbox', ?1, ?2, 'hash', 0, 'created', '2026-12-01T10:00:00Z')",
            [acct, &format!("id-{acct}")],
        )
        .unwrap();
    }
    let mut lock = path.as_os_str().to_os_string();
    lock.push(".lock");
    std::fs::write(
        lock,
        format!("pid 1, started 2026-12-01T10:00:00Z, `ontime-import {command}`"),
    )
    .unwrap();
}

/// (base URL, key, customer ID) of every row, sorted.
fn rows(path: &std::path::Path) -> Vec<(String, String, Option<String>)> {
    let conn = Connection::open(path).unwrap();
    let mut statement = conn
        .prepare("SELECT base_url, key, customer_id FROM customers ORDER BY base_url, key")
        .unwrap();
    statement
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn user_version(path: &std::path::Path) -> i64 {
    Connection::open(path)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap()
}

/// A version 1 ledger's entries belong to the default address: a run against another server
/// does not take them as its own, and they stay for the real account.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_1_ledger_migrates_to_the_default_address() {
    let sb = sandbox::start(SandboxConfig::default()).await.unwrap();
    let work = Work::new();
    input(&work, 3);
    let path = work.path("old.db");
    version_1_ledger(&path, "in.csv -m m.toml");
    let run = import(&work, &sb, sb.api_key(), &["--state", "old.db"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        brief(&work.report("in.csv.report.csv")),
        [
            "2,created,1001,created",
            "3,created,1002,created",
            "4,created,1003,created"
        ]
    );
    assert_eq!(user_version(&path), 3);
    let rows = rows(&path);
    let old: Vec<_> = rows
        .iter()
        .filter(|r| r.0 == DEFAULT_BASE_URL)
        .map(|r| (r.1.as_str(), r.2.as_deref()))
        .collect();
    assert_eq!(
        old,
        [
            ("1001", Some("id-1001")),
            ("1002", Some("id-1002")),
            ("1003", Some("id-1003"))
        ]
    );
    let sandbox_url = format!("{}/", sb.base_url().trim_end_matches('/'));
    assert_eq!(rows.iter().filter(|r| r.0 == sandbox_url).count(), 3);
    assert!(
        !work.path("old.db.lock").exists(),
        "the old lock file is gone"
    );
    let ledger = Ledger::open(&path, &Site::parse(DEFAULT_BASE_URL, "sandbox").unwrap()).unwrap();
    assert_eq!(
        ledger.all().unwrap()["1002"].sent_hash.as_deref(),
        Some("hash")
    );
}

/// Version 2's schema, as its binary created it.
pub(super) const VERSION_2: &str = "
CREATE TABLE IF NOT EXISTS customers (
    base_url       TEXT NOT NULL,
    company        TEXT NOT NULL,
    key            TEXT NOT NULL,
    customer_id    TEXT,
    sent_hash      TEXT,
    pending_create INTEGER NOT NULL DEFAULT 0,
    last_status    TEXT NOT NULL,
    last_message   TEXT NOT NULL DEFAULT '',
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (base_url, company, key)
) WITHOUT ROWID;
PRAGMA user_version = 2;
";

/// A version 2 ledger keeps every entry (an unchanged customer is still skipped without a
/// request) and gains the run history: the run after the upgrade is its first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_2_ledger_migrates_keeping_its_entries_and_starts_a_history() {
    let e = env_default().await;
    e.input(&customers_csv(3));
    let path = e.work.path("ledger.db");
    assert_eq!(e.run(&[]).await.code, 0);
    // The same entries, as version 2 held them.
    let conn = Connection::open(&path).unwrap();
    type Entry = (String, String, String, Option<String>, Option<String>);
    let entries: Vec<Entry> = conn
        .prepare(
            "SELECT base_url, company, key, customer_id, sent_hash FROM customers ORDER BY key",
        )
        .unwrap()
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    drop(conn);
    std::fs::remove_file(&path).unwrap();
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch(VERSION_2).unwrap();
    for (base, company, key, id, hash) in &entries {
        conn.execute(
            "INSERT INTO customers (base_url, company, key, customer_id, sent_hash, last_status, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, 'created', '2026-12-01T10:00:00Z')",
            rusqlite::params![base, company, key, id, hash],
        )
        .unwrap();
    }
    drop(conn);
    e.sb.reset_stats();
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(user_version(&path), 3);
    assert_eq!(
        e.sb.stats().total,
        1,
        "unchanged customers need no request but the listing that proves the target"
    );
    let statuses: Vec<String> = e
        .report()
        .iter()
        .map(|l| l.split(',').take(3).collect::<Vec<_>>().join(","))
        .collect();
    assert_eq!(
        statuses,
        ["2,unchanged,1001", "3,unchanged,1002", "4,unchanged,1003"]
    );
    let conn = Connection::open(&path).unwrap();
    let runs: i64 = conn
        .query_row("SELECT COUNT(*) FROM runs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(runs, 1, "the run after the upgrade is the history's first");
}

/// A version 1 ledger whose last run named `--base-url` belongs to that address.
#[test]
fn a_version_1_ledger_migrates_to_the_address_its_last_run_named() {
    let work = Work::new();
    let path = work.path("old.db");
    version_1_ledger(
        &path,
        "in.csv -m m.toml --base-url HTTP://127.0.0.1:8360 --api-key ***",
    );
    let named = Site::parse("http://127.0.0.1:8360/", "sandbox").unwrap();
    let ledger = Ledger::open(&path, &named).unwrap();
    let mut keys: Vec<String> = ledger.all().unwrap().into_keys().collect();
    keys.sort();
    assert_eq!(keys, ["1001", "1002", "1003"]);
    drop(ledger);
    let default = Site::parse(DEFAULT_BASE_URL, "sandbox").unwrap();
    assert!(
        Ledger::open(&path, &default)
            .unwrap()
            .all()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ledger_from_a_newer_version_is_refused_untouched() {
    let e = env_default().await;
    e.input(&customers_csv(2));
    let path = e.work.path("ledger.db");
    Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE customers (x); PRAGMA user_version = 4;")
        .unwrap();
    let before = std::fs::read(&path).unwrap();
    let run = e.run(&[]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "error: cannot use the ledger {}: it was written by a newer ontime-import (ledger version 4; this build reads version 3 and older)",
            path.display()
        )),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(user_version(&path), 4);
    assert_eq!(e.sb.stats().total, 0);
}

/// A symlink to the ledger meets the same lock; a run leaves no lock file behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lock_is_on_the_ledger_file_itself() {
    let e = env_default().await;
    e.input(&customers_csv(2));
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let names: Vec<String> = std::fs::read_dir(e.work.dir())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names.iter().any(|n| n.ends_with(".lock")),
        "nothing beside the ledger: {names:?}"
    );
    std::os::unix::fs::symlink(e.work.path("ledger.db"), e.work.path("link.db")).unwrap();
    let held = e.ledger();
    e.sb.reset_stats();
    let run = import(&e.work, &e.sb, &e.key, &["--state", "link.db"]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("is in use by another run")
            && run.stderr.contains(&format!("pid {}", std::process::id())),
        "{}",
        run.stderr
    );
    assert_eq!(e.sb.stats().total, 0);
    drop(held);
}

/// A ledger path that is no regular file is refused, and nothing is created beside it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ledger_that_is_no_file_is_refused_and_nothing_is_left_beside_it() {
    let full = std::path::Path::new("/dev/full");
    if !full.exists() {
        return;
    }
    let beside = |suffix: &str| std::path::PathBuf::from(format!("/dev/full{suffix}"));
    let existed: Vec<bool> = [".lock", "-wal", "-journal"]
        .iter()
        .map(|s| beside(s).exists())
        .collect();
    let e = env_default().await;
    e.input(&customers_csv(2));
    let run = import(&e.work, &e.sb, &e.key, &["--state", "/dev/full"]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("cannot open the ledger /dev/full: it is not a regular file"),
        "{}",
        run.stderr
    );
    for (suffix, existed) in [".lock", "-wal", "-journal"].iter().zip(existed) {
        assert!(
            existed || !beside(suffix).exists(),
            "/dev/full{suffix} was left"
        );
    }
    assert_eq!(e.sb.stats().total, 0);
}
