//! The ledger: a SQLite file remembering, per company and group key, the OnTime customer ID, a
//! hash of the content last sent successfully, and the last outcome.
//!
//! It is the commit point of a run. A create is journaled as pending *before* it is sent (that
//! write is waited for), so a rerun after a crash between send and answer resolves it by a
//! lookup, never by a second create. A success is recorded as it arrives, committed within a
//! few milliseconds with others and not waited for: a crash in between leaves the create
//! pending, resolved the same way. Writes go through one writer thread that commits whatever
//! is queued in one transaction (`writer.rs`). One run at a time holds the
//! ledger (an OS file lock on `<ledger>.lock`, freed by the OS even when the process is killed).
//! The API key is never stored.

mod writer;

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use rusqlite::Connection;
use rusqlite::types::Value;

use writer::Writer;

/// What the ledger knows of one customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub customer_id: Option<String>,
    /// The content hash of the last successful create or update (or check that found it equal).
    pub sent_hash: Option<String>,
    /// A create was sent and its answer never recorded: it may exist in OnTime.
    pub pending_create: bool,
    pub last_status: String,
    /// UTC, RFC 3339.
    pub updated_at: String,
}

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error(
        "the ledger {path} is in use by another run ({holder})\nhint: wait for it to finish; if no such run exists, the lock is stale only if that process is gone"
    )]
    Busy { path: PathBuf, holder: String },
    #[error(
        "cannot open the ledger {path}: {cause}\nhint: pass --state FILE to keep it somewhere writable"
    )]
    Open { path: PathBuf, cause: String },
    #[error("the ledger {path} could not be written: {cause}")]
    Write { path: PathBuf, cause: String },
}

pub struct Ledger {
    path: PathBuf,
    company: String,
    /// Owns the one connection; every write and read goes through it, in order. Declared
    /// before `_lock`, so that it is dropped (the connection closed) before the lock is freed.
    writer: Writer,
    /// Held for the whole run; the OS frees it when the process ends, however it ends.
    _lock: Option<File>,
}

/// `WITHOUT ROWID`: the primary key is the table's one b-tree, so a write dirties one leaf, not
/// a row in the table and its entry in a separate key index; every commit appends fewer pages to
/// the WAL. A ledger made before keeps its table as it was (`IF NOT EXISTS`); both work alike.
const SCHEMA: &str = "
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

const BEGIN_CREATE: &str = "INSERT INTO customers (company, key, pending_create, last_status, updated_at) VALUES (?1, ?2, 1, 'creating', ?3)
     ON CONFLICT (company, key) DO UPDATE SET pending_create = 1, last_status = 'creating', updated_at = ?3";

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl Ledger {
    /// Opens (or creates) the ledger at `path` for `company`, taking the run lock.
    pub fn open(path: &Path, company: &str) -> Result<Ledger, LedgerError> {
        let open_error = |cause: String| LedgerError::Open {
            path: path.to_path_buf(),
            cause,
        };
        let lock = lock(path)?;
        let conn = Connection::open(path).map_err(|e| open_error(e.to_string()))?;
        conn.execute_batch(
            // The run lock already keeps other runs out, so SQLite may hold the file alone:
            // no shared-memory index, no file locks per transaction. (Inspect it with sqlite3
            // between runs.) WAL with NORMAL sync survives a killed process, which is the crash
            // the ledger guards against. A checkpoint (copying the WAL into the file, with two
            // fsyncs) holds up every write queued behind it, so it comes every 4,096 pages
            // (16 MB of WAL) rather than SQLite's 1,000 (10,000 customers append ≈ 12,000 pages).
            "PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA wal_autocheckpoint = 4096;",
        )
        .and_then(|()| conn.execute_batch(SCHEMA))
        .map_err(|e| open_error(format!("{e} (is it an ontime-import ledger?)")))?;
        Ok(Ledger {
            path: path.to_path_buf(),
            company: company.to_string(),
            writer: Writer::start(conn).map_err(|e| open_error(e.to_string()))?,
            _lock: Some(lock),
        })
    }

    /// A ledger that lives only as long as the run (for `--sandbox`, whose data does too).
    pub fn in_memory(company: &str) -> Result<Ledger, LedgerError> {
        let path = PathBuf::from(":memory:");
        let open_error = |cause: String| LedgerError::Open {
            path: path.clone(),
            cause,
        };
        let conn = Connection::open_in_memory()
            .and_then(|conn| conn.execute_batch(SCHEMA).map(|()| conn))
            .map_err(|e| open_error(e.to_string()))?;
        let writer = Writer::start(conn).map_err(|e| open_error(e.to_string()))?;
        Ok(Ledger {
            path,
            company: company.to_string(),
            writer,
            _lock: None,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one statement; returns once it is committed.
    async fn write(&self, sql: &'static str, params: Vec<Value>) -> Result<(), LedgerError> {
        self.writer
            .write(sql, params)
            .await
            .map_err(|cause| LedgerError::Write {
                path: self.path.clone(),
                cause,
            })
    }

    fn text(value: &str) -> Value {
        Value::Text(value.to_string())
    }

    /// Everything known for this company, by group key (one query at the start of a run).
    pub fn all(&self) -> Result<HashMap<String, Entry>, LedgerError> {
        let company = self.company.clone();
        self.writer
            .with(move |conn| read_all(conn, &company))
            .and_then(|read| read.map_err(|e| e.to_string()))
            .map_err(|cause| LedgerError::Open {
                path: self.path.clone(),
                cause,
            })
    }

    /// Journals a create about to be sent.
    pub async fn begin_create(&self, key: &str) -> Result<(), LedgerError> {
        self.write(
            BEGIN_CREATE,
            vec![
                Self::text(&self.company),
                Self::text(key),
                Value::Text(now()),
            ],
        )
        .await
    }

    /// Journals the creates of several customers about to be sent, committed together.
    pub async fn begin_creates<'k>(
        &self,
        keys: impl IntoIterator<Item = &'k str>,
    ) -> Result<(), LedgerError> {
        self.write_each(BEGIN_CREATE, keys).await
    }

    /// Runs `sql` with (company, key, now) for each key: one write, so that they share a
    /// commit and one answer.
    async fn write_each<'k>(
        &self,
        sql: &'static str,
        keys: impl IntoIterator<Item = &'k str>,
    ) -> Result<(), LedgerError> {
        let at = now();
        let params: Vec<Value> = keys
            .into_iter()
            .flat_map(|key| [Self::text(&self.company), Self::text(key), Self::text(&at)])
            .collect();
        if params.is_empty() {
            return Ok(());
        }
        self.write(sql, params).await
    }

    /// Records a success: the customer's ID and the hash of what OnTime now holds from us.
    /// Not waited for: committed with others within [`writer::LINGER`] (a crash before that
    /// leaves the customer as it was, a create still pending, which the next run resolves by
    /// lookup). A failure shows in [`Ledger::failure`].
    pub fn settle(&self, key: &str, customer_id: &str, hash: Option<&str>, status: &str) {
        self.writer.write_detached(
            "INSERT INTO customers (company, key, customer_id, sent_hash, pending_create, last_status, last_message, updated_at)
             VALUES (?1, ?2, ?3, ?4, 0, ?5, '', ?6)
             ON CONFLICT (company, key) DO UPDATE SET customer_id = ?3, sent_hash = ?4, pending_create = 0,
                 last_status = ?5, last_message = '', updated_at = ?6",
            vec![
                Self::text(&self.company),
                Self::text(key),
                Self::text(customer_id),
                hash.map_or(Value::Null, Self::text),
                Self::text(status),
                Value::Text(now()),
            ],
        );
    }

    /// Why a write that was not waited for ([`Ledger::settle`]) failed, if one did.
    pub fn failure(&self) -> Option<LedgerError> {
        self.writer.failure().map(|cause| LedgerError::Write {
            path: self.path.clone(),
            cause,
        })
    }

    /// Waits until everything queued is committed (blocking the calling thread); then
    /// [`Ledger::failure`] is final for what was queued.
    pub fn flush(&self) -> Result<(), LedgerError> {
        self.writer
            .with(|_| ())
            .map_err(|cause| LedgerError::Write {
                path: self.path.clone(),
                cause,
            })
    }

    /// A create that certainly did not happen (refused, or never sent): no longer pending.
    pub async fn clear_pending(&self, key: &str) -> Result<(), LedgerError> {
        self.write(
            "UPDATE customers SET pending_create = 0, last_status = 'not_created', updated_at = ?3 WHERE company = ?1 AND key = ?2",
            vec![Self::text(&self.company), Self::text(key), Value::Text(now())],
        )
        .await
    }

    /// Takes back the journal entries of customers journaled with their window whose create
    /// was never sent (the run stopped first, or they ended without one): they are no longer
    /// pending. One still marked `creating` becomes `not_sent`; a status written since (a
    /// failure and its message) is kept.
    pub async fn unjournal<'k>(
        &self,
        keys: impl IntoIterator<Item = &'k str>,
    ) -> Result<(), LedgerError> {
        self.write_each(
            "UPDATE customers SET pending_create = 0, updated_at = ?3,
                 last_status = CASE last_status WHEN 'creating' THEN 'not_sent' ELSE last_status END
             WHERE company = ?1 AND key = ?2 AND pending_create = 1",
            keys,
        )
        .await
    }

    /// Records a failure, keeping the ID, hash and pending flag as they are.
    pub async fn failed(&self, key: &str, message: &str) -> Result<(), LedgerError> {
        self.write(
            "INSERT INTO customers (company, key, last_status, last_message, updated_at) VALUES (?1, ?2, 'failed', ?3, ?4)
             ON CONFLICT (company, key) DO UPDATE SET last_status = 'failed', last_message = ?3, updated_at = ?4",
            vec![
                Self::text(&self.company),
                Self::text(key),
                Self::text(message),
                Value::Text(now()),
            ],
        )
        .await
    }

    /// Forgets an ID that OnTime no longer knows.
    pub async fn forget_id(&self, key: &str) -> Result<(), LedgerError> {
        self.write(
            "UPDATE customers SET customer_id = NULL, sent_hash = NULL, updated_at = ?3 WHERE company = ?1 AND key = ?2",
            vec![Self::text(&self.company), Self::text(key), Value::Text(now())],
        )
        .await
    }

    /// The entry for one key (for tests and tools).
    pub fn get(&self, key: &str) -> Result<Option<Entry>, LedgerError> {
        Ok(self.all()?.remove(key))
    }
}

/// Every entry of `company`, by group key.
fn read_all(conn: &Connection, company: &str) -> rusqlite::Result<HashMap<String, Entry>> {
    let mut statement = conn.prepare(
        "SELECT key, customer_id, sent_hash, pending_create, last_status, updated_at FROM customers WHERE company = ?1",
    )?;
    let rows = statement.query_map([company], |row| {
        Ok((
            row.get::<_, String>(0)?,
            Entry {
                customer_id: row.get(1)?,
                sent_hash: row.get(2)?,
                pending_create: row.get(3)?,
                last_status: row.get(4)?,
                updated_at: row.get(5)?,
            },
        ))
    })?;
    rows.collect()
}

/// Takes the run lock beside the ledger, writing who holds it; a held lock names its holder.
fn lock(path: &Path) -> Result<File, LedgerError> {
    let mut name = path.as_os_str().to_os_string();
    name.push(".lock");
    let lock_path = PathBuf::from(name);
    let open_error = |cause: std::io::Error| LedgerError::Open {
        path: lock_path.clone(),
        cause: cause.to_string(),
    };
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)
        .map_err(open_error)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = if holder.trim().is_empty() {
                "a run that just started".to_string()
            } else {
                holder.trim().to_string()
            };
            return Err(LedgerError::Busy {
                path: path.to_path_buf(),
                holder,
            });
        }
        Err(std::fs::TryLockError::Error(cause)) => return Err(open_error(cause)),
    }
    let holder = format!(
        "pid {}, started {}, `ontime-import {}`",
        std::process::id(),
        now(),
        without_key(std::env::args().skip(1)).join(" ")
    );
    file.set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| file.write_all(holder.as_bytes()))
        .map_err(open_error)?;
    Ok(file)
}

/// The command line with the value of `--api-key` replaced by `***`: the lock file names the
/// running command, and the key must never be stored.
fn without_key(args: impl Iterator<Item = String>) -> Vec<String> {
    let mut shown = Vec::new();
    let mut hide_next = false;
    for arg in args {
        if std::mem::take(&mut hide_next) {
            shown.push("***".to_string());
        } else if arg == "--api-key" {
            hide_next = true;
            shown.push(arg);
        } else if arg.starts_with("--api-key=") {
            shown.push("--api-key=***".to_string());
        } else {
            shown.push(arg);
        }
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_file_never_shows_the_key() {
        let args = ["--api-key", "k1", "in.csv", "--api-key=k2", "-m", "m.toml"];
        assert_eq!(
            without_key(args.iter().map(|a| a.to_string())),
            [
                "--api-key",
                "***",
                "in.csv",
                "--api-key=***",
                "-m",
                "m.toml"
            ]
        );
    }

    #[tokio::test]
    async fn a_create_is_pending_until_settled() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("l.db");
        let ledger = Ledger::open(&path, "acme").expect("open");
        ledger.begin_create("1001").await.expect("write");
        let entry = ledger.all().expect("read").remove("1001").expect("entry");
        assert!(entry.pending_create && entry.customer_id.is_none());
        ledger.settle("1001", "id-1", Some("h1"), "created");
        ledger.flush().expect("flush");
        assert!(ledger.failure().is_none());
        drop(ledger);
        let ledger = Ledger::open(&path, "acme").expect("reopen");
        let entry = ledger.all().expect("read").remove("1001").expect("entry");
        assert_eq!(
            (
                entry.customer_id.as_deref(),
                entry.sent_hash.as_deref(),
                entry.pending_create
            ),
            (Some("id-1"), Some("h1"), false)
        );
        assert!(
            Ledger::open(&dir.path().join("other.db"), "acme")
                .expect("other")
                .all()
                .expect("read")
                .is_empty()
        );
    }

    #[tokio::test]
    async fn companies_do_not_share_entries() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("l.db");
        Ledger::open(&path, "a")
            .expect("open")
            .settle("1", "x", None, "created");
        assert!(
            Ledger::open(&path, "b")
                .expect("open")
                .all()
                .expect("read")
                .is_empty()
        );
    }

    #[test]
    fn one_run_at_a_time() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("l.db");
        let first = Ledger::open(&path, "a").expect("open");
        let Err(LedgerError::Busy { holder, .. }) = Ledger::open(&path, "a") else {
            panic!("second open must fail")
        };
        assert!(
            holder.contains(&format!("pid {}", std::process::id())),
            "{holder}"
        );
        drop(first);
        assert!(Ledger::open(&path, "a").is_ok());
    }
}
