//! The ledger's tables, by version (`PRAGMA user_version`), and the way up from older ones.
//!
//! Version 3 (this build) adds the run history (`runs`, and `run_customers`: what each run did
//! to each customer, with the record an update replaced and the record OnTime answered) and
//! keeps, per customer, OnTime's last answer for it (`server_copy`, with the server's time of
//! it, `copy_at`). Version 2 had neither; it is brought up by adding them, in one transaction,
//! once its file has been rewritten with this version's larger pages ([`PAGE_SIZE`]).
//! Version 2 keys every entry by site (normalised base URL, company id) and group
//! key. Version 1 keyed them by company id alone; its entries are moved, in one transaction, to
//! the base URL its last run named (`--base-url` in the command line that version recorded in
//! `<ledger>.lock`), else to the default address, which is the one it was used with unless told
//! otherwise. A ledger of a newer version is refused, untouched: this build would not know what
//! it may change in it.

use std::path::Path;

use rusqlite::Connection;

use super::site::{self, DEFAULT_BASE_URL};

/// The version this build reads and writes.
pub const VERSION: i64 = 3;

/// `WITHOUT ROWID`: the primary key is the table's one b-tree, so a write dirties one leaf, not
/// a row in the table and its entry in a separate key index; every commit appends fewer pages
/// to the WAL.
const CUSTOMERS: &str = "
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
    server_copy    TEXT,
    copy_at        TEXT,
    PRIMARY KEY (base_url, company, key)
) WITHOUT ROWID;
";

/// Version 3's run history. `runs.counts` is JSON (rows by status); `flags` the options that
/// decide what a run sends (never the API key). A run whose `ended_at` is NULL did not end
/// (killed, or the machine stopped). `run_customers.before` is the record an update (or a
/// deactivation, or an undo) replaced, kept before that post was sent; `after` the record
/// OnTime answered to this run's post; both compact JSON.
const HISTORY: &str = "
CREATE TABLE IF NOT EXISTS runs (
    id           INTEGER PRIMARY KEY,
    base_url     TEXT NOT NULL,
    company      TEXT NOT NULL,
    command      TEXT NOT NULL,
    undoes       INTEGER,
    started_at   TEXT NOT NULL,
    ended_at     TEXT,
    input        TEXT,
    input_size   INTEGER,
    input_hash   TEXT,
    mapping_hash TEXT,
    mode         TEXT NOT NULL,
    flags        TEXT NOT NULL,
    customers    INTEGER,
    counts       TEXT,
    requests     INTEGER,
    exit_code    INTEGER
);
CREATE TABLE IF NOT EXISTS run_customers (
    run          INTEGER NOT NULL,
    key          TEXT NOT NULL,
    customer_id  TEXT,
    action       TEXT NOT NULL,
    outcome      TEXT NOT NULL,
    message      TEXT NOT NULL DEFAULT '',
    before       TEXT,
    after        TEXT,
    PRIMARY KEY (run, key)
) WITHOUT ROWID;
";

/// Why a ledger's tables cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error(
        "it was written by a newer ontime-import (ledger version {found}; this build reads version {VERSION} and older)\nhint: run the newer ontime-import, or pass --state FILE to start a new ledger (which looks every customer up again)"
    )]
    Newer { found: i64 },
    #[error("{0} (is it an ontime-import ledger?)")]
    Sql(#[from] rusqlite::Error),
}

/// Brings the ledger at `path` (open as `conn`) to [`VERSION`]: creates the tables of a new
/// one, migrates an older one, refuses a newer one.
pub(super) fn prepare(conn: &mut Connection, path: &Path) -> Result<(), SchemaError> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    match found {
        VERSION => Ok(()),
        found if found > VERSION => Err(SchemaError::Newer { found }),
        2 => {
            grow_pages(conn)?;
            Ok(migrate_from_2(conn)?)
        }
        _ if has_version_1_table(conn)? => {
            grow_pages(conn)?;
            let base = recorded_base_url(path).unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
            migrate_from_1(conn, &base)?;
            // Version 1's lock file beside the ledger is no longer used.
            let _ = std::fs::remove_file(old_lock_file(path));
            tracing::info!(
                "the ledger {} was upgraded: its entries belong to {base} from now on",
                path.display()
            );
            Ok(())
        }
        _ => create(conn),
    }
}

/// The page size of a new ledger. A `WITHOUT ROWID` row keeps at most about a quarter of a
/// page in its leaf; the rest goes to overflow pages of its own, mostly empty. At SQLite's 4 KB
/// a server copy or before-image (1–3 KB of JSON) took a leaf share and a 4 KB overflow page
/// each: 100,000 customers made a 460 MB ledger holding 170 MB. At 16 KB such rows stay whole
/// in their leaf (up to ≈ 4 KB). It takes effect on an empty file ([`create`]), or by rewriting
/// an older ledger ([`grow_pages`]).
const PAGE_SIZE: i64 = 16_384;

/// The tables of a new ledger (also the one kept in memory for `--sandbox`).
pub(super) fn create(conn: &Connection) -> Result<(), SchemaError> {
    conn.pragma_update(None, "page_size", PAGE_SIZE)?;
    conn.execute_batch(CUSTOMERS)?;
    conn.execute_batch(HISTORY)?;
    conn.pragma_update(None, "user_version", VERSION)?;
    Ok(())
}

/// An older ledger's pages brought to [`PAGE_SIZE`] before it gains the history's large rows.
/// A page size changes only by rewriting the file (`VACUUM`, atomic, outside WAL mode; the
/// caller sets WAL again). Done once, before the migration: the entries of version 1 and 2 are
/// small (100,000 customers: about 15 MB), and a ledger stopped in between is still that
/// version, migrated by the next run.
fn grow_pages(conn: &Connection) -> rusqlite::Result<()> {
    let size: i64 = conn.query_row("PRAGMA page_size", [], |row| row.get(0))?;
    if size >= PAGE_SIZE {
        return Ok(());
    }
    conn.execute_batch(&format!(
        "PRAGMA journal_mode = DELETE; PRAGMA page_size = {PAGE_SIZE}; VACUUM;"
    ))
}

/// A `customers` table without a `base_url` column: version 1's.
fn has_version_1_table(conn: &Connection) -> rusqlite::Result<bool> {
    let mut columns = conn.prepare("SELECT name FROM pragma_table_info('customers')")?;
    let names = columns
        .query_map([], |row| row.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(!names.is_empty() && !names.iter().any(|n| n == "base_url"))
}

/// Version 2 → 3: the server's copy per customer, and the run history, in one transaction.
fn migrate_from_2(conn: &mut Connection) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    tx.execute_batch(
        "ALTER TABLE customers ADD COLUMN server_copy TEXT; ALTER TABLE customers ADD COLUMN copy_at TEXT;",
    )?;
    tx.execute_batch(HISTORY)?;
    tx.pragma_update(None, "user_version", VERSION)?;
    tx.commit()
}

/// Version 1 → 3: every entry moves to `base_url`, in one transaction.
fn migrate_from_1(conn: &mut Connection, base_url: &str) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    tx.execute_batch("ALTER TABLE customers RENAME TO customers_v1;")?;
    tx.execute_batch(CUSTOMERS)?;
    tx.execute(
        "INSERT INTO customers (base_url, company, key, customer_id, sent_hash, pending_create, last_status, last_message, updated_at)
         SELECT ?1, company, key, customer_id, sent_hash, pending_create, last_status, last_message, updated_at FROM customers_v1",
        [base_url],
    )?;
    tx.execute_batch("DROP TABLE customers_v1;")?;
    tx.execute_batch(HISTORY)?;
    tx.pragma_update(None, "user_version", VERSION)?;
    tx.commit()
}

/// Version 1's lock file: `<ledger>.lock`.
fn old_lock_file(ledger: &Path) -> std::path::PathBuf {
    let mut name = ledger.as_os_str().to_os_string();
    name.push(".lock");
    std::path::PathBuf::from(name)
}

/// The base URL that version 1's last run named: its lock file held that run's command line,
/// `pid N, started T, `ontime-import … --base-url URL …``. `None` if it named none (the default
/// address, or `ONTIME_BASE_URL`, which the line does not show) or cannot be read.
fn recorded_base_url(ledger: &Path) -> Option<String> {
    let text = std::fs::read_to_string(old_lock_file(ledger)).ok()?;
    base_url_in(&text)
}

fn base_url_in(lock_text: &str) -> Option<String> {
    let command = lock_text.split('`').nth(1)?;
    let mut args = command.split_whitespace();
    let mut named = None;
    while let Some(arg) = args.next() {
        if arg == "--base-url" {
            named = args.next();
        } else if let Some(value) = arg.strip_prefix("--base-url=") {
            named = Some(value);
        }
    }
    let url = reqwest::Url::parse(named?).ok()?;
    Some(site::normalise(&url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_runs_base_url_is_read_from_its_lock_file() {
        let line = "pid 7, started 2026-12-01T10:00:00Z, `ontime-import in.csv -m m.toml --base-url HTTP://127.0.0.1:8360 --company-id acme`";
        assert_eq!(base_url_in(line).as_deref(), Some("http://127.0.0.1:8360/"));
        let line = "pid 7, started 2026-12-01T10:00:00Z, `ontime-import in.csv --base-url=https://gw.example/ontime`";
        assert_eq!(
            base_url_in(line).as_deref(),
            Some("https://gw.example/ontime/")
        );
        assert_eq!(
            base_url_in("pid 7, started x, `ontime-import in.csv`"),
            None
        );
        assert_eq!(base_url_in(""), None);
    }
}
