//! The ledger: a SQLite file remembering, per site (normalised base URL and company id) and
//! group key, the OnTime customer ID, a hash of the content last sent successfully, and the
//! last outcome. An entry made for one site never counts for another: what a rehearsal sent to
//! a test server is not "unchanged" in the real account.
//!
//! It is the commit point of a run. A create is journaled as pending *before* it is sent (that
//! write is waited for), so a rerun after a crash between send and answer resolves it by a
//! lookup, never by a second create. A success is recorded as it arrives, committed within a
//! few milliseconds with others and not waited for: a crash in between leaves the create
//! pending, resolved the same way. Writes go through one writer thread that commits whatever
//! is queued in one transaction (`writer.rs`). One run at a time holds the ledger (`lock.rs`:
//! an OS lock on the file itself). The tables and their versions are `schema.rs`'s. The API key
//! is never stored.

mod history;
mod lock;
mod packed;
mod past;
mod schema;
mod site;
mod writer;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rusqlite::Connection;
use rusqlite::types::Value;

pub use history::{Closed, InputFile, RunEnd, RunStart, changes, file_hash, written};
pub use lock::Lock;
pub use past::{CustomerRecord, History, RunRecord};
pub use schema::VERSION;
pub use site::{DEFAULT_BASE_URL, Site};
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
    /// What the last outcome said (a failure's reason; empty after a success).
    pub last_message: String,
    /// UTC, RFC 3339.
    pub updated_at: String,
    /// The server's time (RFC 3339) of OnTime's last answer for the customer, kept as its
    /// server copy ([`Ledger::copy`]); `None` when there is no copy.
    pub copy_at: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error(
        "the ledger {path} is in use by another run ({holder})\nhint: wait for it to finish; the lock goes with that process, so if it is gone, run again"
    )]
    Busy { path: PathBuf, holder: String },
    #[error(
        "cannot open the ledger {path}: {cause}\nhint: pass --state FILE to keep it somewhere writable"
    )]
    Open { path: PathBuf, cause: String },
    #[error("cannot use the ledger {path}: {cause}")]
    Schema {
        path: PathBuf,
        cause: schema::SchemaError,
    },
    #[error("the ledger {path} could not be written: {cause}")]
    Write { path: PathBuf, cause: String },
}

pub struct Ledger {
    path: PathBuf,
    site: Site,
    /// Owns the one connection; every write and read goes through it, in order. Declared
    /// before `_lock`, so that it is dropped (the connection closed) before the lock is freed.
    writer: Writer,
    /// Held for the whole run; the OS frees it when the process ends, however it ends.
    _lock: Option<Lock>,
    /// The run being recorded in the history, once it began ([`Ledger::begin_run`]).
    run: std::sync::OnceLock<i64>,
}

/// Every statement's first three parameters are the site (`?1` base URL, `?2` company) and
/// the group key (`?3`).
const BEGIN_CREATE: &str = "INSERT INTO customers (base_url, company, key, pending_create, last_status, updated_at) VALUES (?1, ?2, ?3, 1, 'creating', ?4)
     ON CONFLICT (base_url, company, key) DO UPDATE SET pending_create = 1, last_status = 'creating', updated_at = ?4";

/// The WAL's size at which it is copied into the file (`wal_autocheckpoint` counts pages).
const WAL_CHECKPOINT_BYTES: i64 = 16 << 20;

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl Ledger {
    /// Opens (or creates) the ledger at `path` for `site`, taking the run lock.
    pub fn open(path: &Path, site: &Site) -> Result<Ledger, LedgerError> {
        Ledger::open_locked(Lock::take(path)?, site)
    }

    /// Opens (or creates) the ledger whose run lock `lock` is, for `site`.
    pub fn open_locked(lock: Lock, site: &Site) -> Result<Ledger, LedgerError> {
        let path = lock.path().to_path_buf();
        let open_error = |cause: String| LedgerError::Open {
            path: path.clone(),
            cause,
        };
        let mut conn = Connection::open(&path).map_err(|e| open_error(e.to_string()))?;
        conn.execute_batch(
            // The run lock already keeps other runs out, so SQLite may hold the file alone:
            // no shared-memory index, no file locks per transaction. (Inspect it with sqlite3
            // between runs.) WAL with NORMAL sync survives a killed process, which is the crash
            // the ledger guards against. A checkpoint (copying the WAL into the file, with two
            // fsyncs) holds up every write queued behind it, so it comes every 16 MB of WAL
            // ([`WAL_CHECKPOINT_BYTES`]) rather than SQLite's 1,000 pages.
            "PRAGMA locking_mode = EXCLUSIVE; PRAGMA busy_timeout = 5000;",
        )
        .map_err(|e| open_error(e.to_string()))?;
        // The version is read before anything is written: a newer ledger stays as it is.
        schema::prepare(&mut conn, &path).map_err(|cause| LedgerError::Schema {
            path: path.clone(),
            cause,
        })?;
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
            .map_err(|e| open_error(e.to_string()))?;
        // In pages, of whatever size this ledger's are (a new one's 16 KB, an older one's 4 KB).
        let page_size: i64 = conn
            .query_row("PRAGMA page_size", [], |row| row.get(0))
            .map_err(|e| open_error(e.to_string()))?;
        conn.pragma_update(
            None,
            "wal_autocheckpoint",
            WAL_CHECKPOINT_BYTES / page_size.max(512),
        )
        .map_err(|e| open_error(e.to_string()))?;
        let writer = Writer::start(conn).map_err(|e| open_error(e.to_string()))?;
        Ok(Ledger {
            path,
            site: site.clone(),
            writer,
            _lock: Some(lock),
            run: std::sync::OnceLock::new(),
        })
    }

    /// A ledger that lives only as long as the run (for `--sandbox`, whose data does too).
    pub fn in_memory(site: &Site) -> Result<Ledger, LedgerError> {
        let path = PathBuf::from(":memory:");
        let open_error = |cause: String| LedgerError::Open {
            path: path.clone(),
            cause,
        };
        let conn = Connection::open_in_memory().map_err(|e| open_error(e.to_string()))?;
        schema::create(&conn).map_err(|e| open_error(e.to_string()))?;
        let writer = Writer::start(conn).map_err(|e| open_error(e.to_string()))?;
        Ok(Ledger {
            path,
            site: site.clone(),
            writer,
            _lock: None,
            run: std::sync::OnceLock::new(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The site whose entries this ledger reads and writes.
    pub fn site(&self) -> &Site {
        &self.site
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

    /// The parameters `?1`–`?3` of every statement (the site, and `key`), then `rest`.
    fn params(&self, key: &str, rest: impl IntoIterator<Item = Value>) -> Vec<Value> {
        [
            Self::text(self.site.base_url()),
            Self::text(self.site.company()),
            Self::text(key),
        ]
        .into_iter()
        .chain(rest)
        .collect()
    }

    /// Runs `read` on the connection, after every write queued before it.
    fn read<T: Send + 'static>(
        &self,
        read: impl FnOnce(&Connection, &Site) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, LedgerError> {
        let site = self.site.clone();
        self.writer
            .with(move |conn| read(conn, &site))
            .and_then(|read| read.map_err(|e| e.to_string()))
            .map_err(|cause| LedgerError::Open {
                path: self.path.clone(),
                cause,
            })
    }

    /// Everything known for this site, by group key (one query at the start of a run).
    pub fn all(&self) -> Result<HashMap<String, Entry>, LedgerError> {
        self.read(read_all)
    }

    /// The other service addresses this ledger holds entries for with this company id, each
    /// with how many: none of them counts for this site.
    pub fn elsewhere(&self) -> Result<Vec<(String, i64)>, LedgerError> {
        self.read(|conn, site| {
            let mut statement = conn.prepare(
                "SELECT base_url, COUNT(*) FROM customers WHERE company = ?1 AND base_url <> ?2 GROUP BY base_url ORDER BY base_url",
            )?;
            let rows = statement.query_map([site.company(), site.base_url()], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })?;
            rows.collect()
        })
    }

    /// Journals a create about to be sent.
    pub async fn begin_create(&self, key: &str) -> Result<(), LedgerError> {
        self.write(BEGIN_CREATE, self.params(key, [Value::Text(now())]))
            .await
    }

    /// Journals the creates of several customers about to be sent, committed together.
    pub async fn begin_creates<'k>(
        &self,
        keys: impl IntoIterator<Item = &'k str>,
    ) -> Result<(), LedgerError> {
        self.write_each(BEGIN_CREATE, keys).await
    }

    /// Runs `sql` with (base URL, company, key, now) for each key: one write, so that they
    /// share a commit and one answer.
    async fn write_each<'k>(
        &self,
        sql: &'static str,
        keys: impl IntoIterator<Item = &'k str>,
    ) -> Result<(), LedgerError> {
        let at = now();
        let params: Vec<Value> = keys
            .into_iter()
            .flat_map(|key| self.params(key, [Self::text(&at)]))
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
            "INSERT INTO customers (base_url, company, key, customer_id, sent_hash, pending_create, last_status, last_message, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, '', ?7)
             ON CONFLICT (base_url, company, key) DO UPDATE SET customer_id = ?4, sent_hash = ?5, pending_create = 0,
                 last_status = ?6, last_message = '', updated_at = ?7",
            self.params(
                key,
                [
                    Self::text(customer_id),
                    hash.map_or(Value::Null, Self::text),
                    Self::text(status),
                    Value::Text(now()),
                ],
            ),
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
            "UPDATE customers SET pending_create = 0, last_status = 'not_created', updated_at = ?4 WHERE base_url = ?1 AND company = ?2 AND key = ?3",
            self.params(key, [Value::Text(now())]),
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
            "UPDATE customers SET pending_create = 0, updated_at = ?4,
                 last_status = CASE last_status WHEN 'creating' THEN 'not_sent' ELSE last_status END
             WHERE base_url = ?1 AND company = ?2 AND key = ?3 AND pending_create = 1",
            keys,
        )
        .await
    }

    /// Records a failure, keeping the ID, hash and pending flag as they are.
    pub async fn failed(&self, key: &str, message: &str) -> Result<(), LedgerError> {
        self.write(
            "INSERT INTO customers (base_url, company, key, last_status, last_message, updated_at) VALUES (?1, ?2, ?3, 'failed', ?4, ?5)
             ON CONFLICT (base_url, company, key) DO UPDATE SET last_status = 'failed', last_message = ?4, updated_at = ?5",
            self.params(key, [Self::text(message), Value::Text(now())]),
        )
        .await
    }

    /// Records a failure as [`Ledger::failed`] does, without waiting for it (like
    /// [`Ledger::settle`]): the next run then says the customer is a retry.
    pub fn note_failure(&self, key: &str, message: &str) {
        self.writer.write_detached(
            "INSERT INTO customers (base_url, company, key, last_status, last_message, updated_at) VALUES (?1, ?2, ?3, 'failed', ?4, ?5)
             ON CONFLICT (base_url, company, key) DO UPDATE SET last_status = 'failed', last_message = ?4, updated_at = ?5",
            self.params(key, [Self::text(message), Value::Text(now())]),
        );
    }

    /// Forgets an ID that OnTime no longer knows.
    pub async fn forget_id(&self, key: &str) -> Result<(), LedgerError> {
        self.write(
            "UPDATE customers SET customer_id = NULL, sent_hash = NULL, updated_at = ?4 WHERE base_url = ?1 AND company = ?2 AND key = ?3",
            self.params(key, [Value::Text(now())]),
        )
        .await
    }

    /// The entry for one key (for tests and tools).
    pub fn get(&self, key: &str) -> Result<Option<Entry>, LedgerError> {
        Ok(self.all()?.remove(key))
    }
}

/// Every entry of `site`, by group key.
fn read_all(conn: &Connection, site: &Site) -> rusqlite::Result<HashMap<String, Entry>> {
    let mut statement = conn.prepare(
        "SELECT key, customer_id, sent_hash, pending_create, last_status, updated_at, last_message, copy_at FROM customers WHERE base_url = ?1 AND company = ?2",
    )?;
    let rows = statement.query_map([site.base_url(), site.company()], |row| {
        Ok((
            row.get::<_, String>(0)?,
            Entry {
                customer_id: row.get(1)?,
                sent_hash: row.get(2)?,
                pending_create: row.get(3)?,
                last_status: row.get(4)?,
                updated_at: row.get(5)?,
                last_message: row.get(6)?,
                copy_at: row.get(7)?,
            },
        ))
    })?;
    rows.collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(base: &str, company: &str) -> Site {
        Site::parse(base, company).expect("a URL")
    }

    #[tokio::test]
    async fn a_create_is_pending_until_settled() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("l.db");
        let acme = site(DEFAULT_BASE_URL, "acme");
        let ledger = Ledger::open(&path, &acme).expect("open");
        ledger.begin_create("1001").await.expect("write");
        let entry = ledger.all().expect("read").remove("1001").expect("entry");
        assert!(entry.pending_create && entry.customer_id.is_none());
        ledger.settle("1001", "id-1", Some("h1"), "created");
        ledger.flush().expect("flush");
        assert!(ledger.failure().is_none());
        drop(ledger);
        let ledger = Ledger::open(&path, &acme).expect("reopen");
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
            Ledger::open(&dir.path().join("other.db"), &acme)
                .expect("other")
                .all()
                .expect("read")
                .is_empty()
        );
    }

    #[tokio::test]
    async fn sites_do_not_share_entries() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("l.db");
        let made = site("http://127.0.0.1:8360", "a");
        let ledger = Ledger::open(&path, &made).expect("open");
        ledger.settle("1", "x", None, "created");
        ledger.begin_create("2").await.expect("write");
        drop(ledger);
        for other in [
            site("http://127.0.0.1:8360", "b"),
            site("http://127.0.0.1:8361", "a"),
            site(DEFAULT_BASE_URL, "a"),
        ] {
            let ledger = Ledger::open(&path, &other).expect("open");
            assert!(ledger.all().expect("read").is_empty(), "{other}");
            ledger.failed("1", "no").await.expect("write");
        }
        let ledger = Ledger::open(&path, &site("HTTP://127.0.0.1:8360/", "a")).expect("open");
        let all = ledger.all().expect("read");
        assert_eq!(all["1"].customer_id.as_deref(), Some("x"));
        assert_eq!(all["1"].last_status, "created");
        assert!(all["2"].pending_create);
        assert_eq!(
            Ledger::open(&path, &site(DEFAULT_BASE_URL, "a"))
                .map(|l| l.elsewhere().expect("read"))
                .ok(),
            None,
            "still held"
        );
        drop(ledger);
        let ledger = Ledger::open(&path, &site(DEFAULT_BASE_URL, "a")).expect("open");
        assert_eq!(
            ledger.elsewhere().expect("read"),
            [
                ("http://127.0.0.1:8360/".to_string(), 2),
                ("http://127.0.0.1:8361/".to_string(), 1)
            ]
        );
    }

    #[test]
    fn one_run_at_a_time() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("l.db");
        let a = site(DEFAULT_BASE_URL, "a");
        let first = Ledger::open(&path, &a).expect("open");
        let Err(LedgerError::Busy { holder, .. }) = Ledger::open(&path, &a) else {
            panic!("second open must fail")
        };
        assert!(
            holder.contains(&format!("pid {}", std::process::id())),
            "{holder}"
        );
        drop(first);
        assert!(Ledger::open(&path, &a).is_ok());
    }

    #[test]
    fn a_newer_ledger_is_refused_untouched() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("l.db");
        Connection::open(&path)
            .and_then(|c| c.execute_batch("CREATE TABLE future (x); PRAGMA user_version = 7;"))
            .expect("a future ledger");
        let before = std::fs::read(&path).expect("read");
        let Err(error) = Ledger::open(&path, &site(DEFAULT_BASE_URL, "a")) else {
            panic!("a newer ledger must be refused")
        };
        let text = error.to_string();
        assert!(
            text.contains("ledger version 7; this build reads version 3"),
            "{text}"
        );
        assert_eq!(std::fs::read(&path).expect("read"), before);
    }
}
