//! Reading the run history: `runs`, `runs show` and `undo` read what
//! [`super::history`] wrote. [`History`] reads a ledger under its run lock, without changing it
//! (read-only: not even an upgrade); a run holding the ledger reads through
//! [`Ledger::past_run`] and [`Ledger::past_customers`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use super::{Ledger, LedgerError};

/// One run, as `ontime-import runs` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct RunRecord {
    pub id: i64,
    pub base_url: String,
    pub company: String,
    pub command: String,
    pub undoes: Option<i64>,
    pub started_at: String,
    /// `None`: the run did not end (it was killed, or the machine stopped).
    pub ended_at: Option<String>,
    pub input: Option<String>,
    pub input_size: Option<i64>,
    pub input_hash: Option<String>,
    pub mapping_hash: Option<String>,
    pub mode: String,
    pub flags: String,
    pub customers: Option<i64>,
    /// Rows by status.
    pub counts: BTreeMap<String, u64>,
    pub requests: Option<i64>,
    pub exit_code: Option<u8>,
}

/// What one run did to one customer.
#[derive(Debug, Clone, Serialize)]
pub struct CustomerRecord {
    pub key: String,
    pub customer_id: Option<String>,
    /// What the run sent: `create`, `update`, `deactivate`, `restore`, or `none`.
    pub action: String,
    /// The customer's outcome (`created`, `updated`, `unchanged`, `failed`, …).
    pub outcome: String,
    pub message: String,
    /// The record the run's post replaced, as OnTime held it (JSON); what an undo restores.
    #[serde(skip)]
    pub before: Option<String>,
    /// What the run's post changed of `before`, as OnTime answered it ([`changes`], JSON): with
    /// `before`, what an undo expects to find ([`written`]).
    #[serde(skip)]
    pub after: Option<String>,
}

/// The history of the ledger at `path`, read under its run lock (a running import or undo
/// holds the ledger whole, so it is named and waited for). Opened read-only: reading never
/// changes a ledger, nor brings it to a newer version.
pub struct History {
    conn: Connection,
    path: PathBuf,
    /// The run lock, held while reading: a run holding the ledger is named instead of a
    /// database error, and none starts halfway through a read.
    _lock: super::Lock,
}

impl History {
    pub fn open(path: &Path) -> Result<History, LedgerError> {
        let error = |cause: String| LedgerError::Open {
            path: path.to_path_buf(),
            cause,
        };
        if !path.is_file() {
            return Err(error("there is no ledger there (a run that sent something makes it; pass --state FILE for another)".into()));
        }
        let lock = super::Lock::take(path)?;
        let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| error(e.to_string()))?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .map_err(|e| error(e.to_string()))?;
        if version < 3 {
            return Err(error(format!(
                "it is a ledger of version {version}, which kept no run history (the next run upgrades it)"
            )));
        }
        if version > super::VERSION {
            return Err(LedgerError::Schema {
                path: path.to_path_buf(),
                cause: super::schema::SchemaError::Newer { found: version },
            });
        }
        Ok(History {
            conn,
            path: path.to_path_buf(),
            _lock: lock,
        })
    }

    fn error(&self, e: rusqlite::Error) -> LedgerError {
        LedgerError::Open {
            path: self.path.clone(),
            cause: e.to_string(),
        }
    }

    /// Every run, newest first.
    pub fn runs(&self) -> Result<Vec<RunRecord>, LedgerError> {
        runs_of(&self.conn).map_err(|e| self.error(e))
    }

    /// One run, if there is one with that id.
    pub fn run(&self, id: i64) -> Result<Option<RunRecord>, LedgerError> {
        run_of(&self.conn, id).map_err(|e| self.error(e))
    }

    /// What run `id` did, customer by customer, in key order.
    pub fn customers(&self, id: i64) -> Result<Vec<CustomerRecord>, LedgerError> {
        customers_of(&self.conn, id).map_err(|e| self.error(e))
    }
}

impl Ledger {
    /// One run of this ledger (any site), while the ledger is held.
    pub fn past_run(&self, id: i64) -> Result<Option<RunRecord>, LedgerError> {
        self.read(move |conn, _| run_of(conn, id))
    }

    /// What run `id` did, customer by customer, while the ledger is held.
    pub fn past_customers(&self, id: i64) -> Result<Vec<CustomerRecord>, LedgerError> {
        self.read(move |conn, _| customers_of(conn, id))
    }
}

fn runs_of(conn: &Connection) -> rusqlite::Result<Vec<RunRecord>> {
    let mut statement = conn.prepare(&format!("{RUN_COLUMNS} ORDER BY id DESC"))?;
    let rows = statement.query_map([], run_record)?;
    rows.collect()
}

fn run_of(conn: &Connection, id: i64) -> rusqlite::Result<Option<RunRecord>> {
    conn.query_row(&format!("{RUN_COLUMNS} WHERE id = ?1"), [id], run_record)
        .optional()
}

fn customers_of(conn: &Connection, id: i64) -> rusqlite::Result<Vec<CustomerRecord>> {
    let mut statement = conn.prepare(
        "SELECT key, customer_id, action, outcome, message, before, after FROM run_customers WHERE run = ?1 ORDER BY key",
    )?;
    let rows = statement.query_map([id], |row| {
        Ok(CustomerRecord {
            key: row.get(0)?,
            customer_id: row.get(1)?,
            action: row.get(2)?,
            outcome: row.get(3)?,
            message: row.get(4)?,
            before: super::packed::unpack(row.get(5)?),
            after: row.get(6)?,
        })
    })?;
    rows.collect()
}

const RUN_COLUMNS: &str = "SELECT id, base_url, company, command, undoes, started_at, ended_at, input, input_size, input_hash, mapping_hash, mode, flags, customers, counts, requests, exit_code FROM runs";

fn run_record(row: &rusqlite::Row<'_>) -> rusqlite::Result<RunRecord> {
    let counts: Option<String> = row.get(14)?;
    Ok(RunRecord {
        id: row.get(0)?,
        base_url: row.get(1)?,
        company: row.get(2)?,
        command: row.get(3)?,
        undoes: row.get(4)?,
        started_at: row.get(5)?,
        ended_at: row.get(6)?,
        input: row.get(7)?,
        input_size: row.get(8)?,
        input_hash: row.get(9)?,
        mapping_hash: row.get(10)?,
        mode: row.get(11)?,
        flags: row.get(12)?,
        customers: row.get(13)?,
        counts: counts
            .and_then(|c| serde_json::from_str(&c).ok())
            .unwrap_or_default(),
        requests: row.get(15)?,
        exit_code: row.get(16)?,
    })
}
