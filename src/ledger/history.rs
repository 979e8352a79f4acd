//! Writing the run history (read back by `past.rs`): each run that wrote to a target (an
//! import, an undo) is a row of `runs`,
//! begun once the run has proven its target and is about to send, ended with its figures and
//! exit code while the run still holds the ledger's lock. What it did to each customer is a row
//! of `run_customers`, with the record an update replaced (`before`, committed before the post
//! is sent, so an undo never lacks what a post overwrote) and what OnTime's answer changed of
//! it (`after`, as [`changes`] gives it). Per customer the ledger also keeps OnTime's last answer (`customers.server_copy`)
//! and the server's time of it. The API key is never among what is written.
//!
//! Invariant: a `runs` row without `ended_at` is a run that did not end (killed); one with it
//! holds the counts the run's summary showed.

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension};

use super::{Ledger, LedgerError, Lock, Site, now};

/// What a run is, recorded when it begins.
#[derive(Debug, Clone, Default)]
pub struct RunStart {
    /// `import` or `undo`.
    pub command: String,
    /// For an undo: the run it undoes.
    pub undoes: Option<i64>,
    pub input: Option<InputFile>,
    pub mapping_hash: Option<String>,
    /// `upsert`, `create-only`, `update-only`, or `undo`.
    pub mode: String,
    /// The options that decide what the run sends, as `--name value` words; never the key.
    pub flags: String,
}

/// The input file of a run: its path as given, size and content hash.
#[derive(Debug, Clone)]
pub struct InputFile {
    pub path: String,
    pub size: u64,
    pub hash: String,
}

impl InputFile {
    /// Reads `path` through once for its hash.
    pub fn of(path: &Path) -> std::io::Result<InputFile> {
        let mut file = std::fs::File::open(path)?;
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        let size = std::io::copy(&mut file, &mut HashWriter(&mut hasher))?;
        // Absolute, so that the history names the file wherever the run was started from.
        let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        Ok(InputFile {
            path: path.display().to_string(),
            size,
            hash: format!("{:032x}", hasher.digest128()),
        })
    }
}

/// The content hash of a small file (the mapping): `None` if it cannot be read.
pub fn file_hash(path: &Path) -> Option<String> {
    let bytes = std::fs::read(path).ok()?;
    Some(format!("{:032x}", xxhash_rust::xxh3::xxh3_128(&bytes)))
}

struct HashWriter<'a>(&'a mut xxhash_rust::xxh3::Xxh3);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A run's figures at its end.
#[derive(Debug, Clone, Default)]
pub struct RunEnd {
    pub customers: u64,
    /// Rows by status.
    pub counts: BTreeMap<String, u64>,
    pub requests: u64,
    pub exit_code: u8,
}

/// The ledger closed at the end of a run, its lock still held: the run's end is written under
/// it ([`Closed::end_run`]), then the lock goes.
#[derive(Debug)]
pub struct Closed {
    pub(super) lock: Lock,
    pub(super) run: Option<i64>,
}

impl Closed {
    /// Writes the run's end: its figures and exit code. Nothing to do for a run that never
    /// began (it sent nothing).
    pub fn end_run(self, end: &RunEnd) -> Result<(), LedgerError> {
        let Some(run) = self.run else {
            return Ok(());
        };
        let path = self.lock.path().to_path_buf();
        let error = |e: rusqlite::Error| LedgerError::Write {
            path: path.clone(),
            cause: e.to_string(),
        };
        let conn = Connection::open(&path).map_err(error)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(error)?;
        let counts = serde_json::to_string(&end.counts).unwrap_or_default();
        conn.execute(
            "UPDATE runs SET ended_at = ?2, customers = ?3, counts = ?4, requests = ?5, exit_code = ?6 WHERE id = ?1",
            rusqlite::params![run, now(), end.customers as i64, counts, end.requests as i64, end.exit_code],
        )
        .map_err(error)?;
        Ok(())
    }
}

impl Ledger {
    /// Records the start of a run on this ledger's site; its customers are recorded under it
    /// from now on. Waited for: a run that sends is in the history before its first post.
    pub async fn begin_run(&self, start: &RunStart) -> Result<i64, LedgerError> {
        let site = self.site.clone();
        let start = start.clone();
        let id = self
            .writer
            .with(move |conn| insert_run(conn, &site, &start))
            .and_then(|r| r.map_err(|e| e.to_string()))
            .map_err(|cause| LedgerError::Write {
                path: self.path.clone(),
                cause,
            })?;
        let _ = self.run.set(id);
        Ok(id)
    }

    /// The run recorded by [`Ledger::begin_run`], if one was.
    pub fn run_id(&self) -> Option<i64> {
        self.run.get().copied()
    }

    /// Records what the run did to a customer and how it ended. Not waited for.
    pub fn record_outcome(
        &self,
        key: &str,
        customer_id: Option<&str>,
        action: &str,
        outcome: &str,
        message: &str,
    ) {
        let Some(run) = self.run_id() else { return };
        self.writer.write_detached(
            "INSERT INTO run_customers (run, key, customer_id, action, outcome, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (run, key) DO UPDATE SET customer_id = ?3, action = ?4, outcome = ?5, message = ?6",
            vec![
                Value::Integer(run),
                Value::Text(key.to_string()),
                customer_id.map_or(Value::Null, |id| Value::Text(id.to_string())),
                Value::Text(action.to_string()),
                Value::Text(outcome.to_string()),
                Value::Text(message.to_string()),
            ],
        );
    }

    /// Keeps `record`, the whole record an update of `key` is about to replace, with the run.
    /// Waited for: the post is sent only once it is committed.
    pub async fn keep_before(
        &self,
        key: &str,
        customer_id: &str,
        record: &serde_json::Value,
    ) -> Result<(), LedgerError> {
        let Some(run) = self.run_id() else {
            return Ok(());
        };
        self.write(
            "INSERT INTO run_customers (run, key, customer_id, action, outcome, before) VALUES (?1, ?2, ?3, 'update', 'sending', ?4)
             ON CONFLICT (run, key) DO UPDATE SET customer_id = ?3, before = COALESCE(before, ?4)",
            vec![
                Value::Integer(run),
                Value::Text(key.to_string()),
                Value::Text(customer_id.to_string()),
                super::packed::pack(&record.to_string()),
            ],
        )
        .await
    }

    /// Keeps `copy` (JSON text), OnTime's answer for customer `key` at the server's time `at`,
    /// as the customer's server copy (`None`: there is no usable copy; an older one is
    /// dropped), and `wrote`, what this run's post made of the record it replaced, as
    /// [`changes`] gives it. Not waited for; written after the customer's entry
    /// ([`Ledger::settle`]).
    pub fn keep_copy(
        &self,
        key: &str,
        copy: Option<&str>,
        at: Option<String>,
        wrote: Option<String>,
    ) {
        let text = |t: Option<String>| t.map_or(Value::Null, Value::Text);
        self.writer.write_detached(
            "UPDATE customers SET server_copy = ?4, copy_at = ?5 WHERE base_url = ?1 AND company = ?2 AND key = ?3",
            self.params(
                key,
                [
                    copy.map_or(Value::Null, super::packed::pack),
                    text(copy.and(at)),
                ],
            ),
        );
        if let (Some(run), Some(wrote)) = (self.run_id(), wrote) {
            self.writer.write_detached(
                "INSERT INTO run_customers (run, key, action, outcome, after) VALUES (?1, ?2, 'update', 'sending', ?3)
                 ON CONFLICT (run, key) DO UPDATE SET after = ?3",
                vec![
                    Value::Integer(run),
                    Value::Text(key.to_string()),
                    Value::Text(wrote),
                ],
            );
        }
    }

    /// OnTime's last answer for customer `key` (JSON), as [`Ledger::keep_copy`] kept it.
    pub fn copy(&self, key: &str) -> Result<Option<String>, LedgerError> {
        let key = key.to_string();
        self.read(move |conn, site| {
            conn.query_row(
                "SELECT server_copy FROM customers WHERE base_url = ?1 AND company = ?2 AND key = ?3",
                [site.base_url(), site.company(), &key],
                |row| row.get::<_, Value>(0),
            )
            .optional()
            .map(|copy| copy.and_then(super::packed::unpack))
        })
    }

    /// After an undo posted customer `key`: what OnTime holds is no longer what the ledger
    /// last sent, so the next import compares it again. Not waited for.
    pub fn undone(&self, key: &str) {
        self.writer.write_detached(
            "UPDATE customers SET sent_hash = NULL, last_status = 'undone', updated_at = ?4 WHERE base_url = ?1 AND company = ?2 AND key = ?3",
            self.params(key, [Value::Text(now())]),
        );
    }

    /// Closes the ledger, keeping its lock for the run's end ([`Closed::end_run`]); `None` for
    /// a ledger without one (in memory).
    pub fn close(self) -> Option<Closed> {
        let Ledger {
            writer, _lock, run, ..
        } = self;
        drop(writer);
        _lock.map(|lock| Closed {
            lock,
            run: run.get().copied(),
        })
    }
}

/// What a post made of `before` (the record it replaced) as `after` (OnTime's answer): the
/// properties that differ, with `null` for one `after` lacks. Kept instead of the whole answer,
/// since an update changes a few properties of a record kept whole as `before`.
pub fn changes(before: &serde_json::Value, after: &serde_json::Value) -> String {
    let (Some(before), Some(after)) = (before.as_object(), after.as_object()) else {
        return after.to_string();
    };
    let mut changed = serde_json::Map::new();
    for (name, value) in after {
        if before.get(name) != Some(value) {
            changed.insert(name.clone(), value.clone());
        }
    }
    for name in before.keys().filter(|name| !after.contains_key(*name)) {
        changed.insert(name.clone(), serde_json::Value::Null);
    }
    serde_json::Value::Object(changed).to_string()
}

/// The record a post wrote: `before` with [`changes`] laid over it.
pub fn written(before: &serde_json::Value, changes: &serde_json::Value) -> serde_json::Value {
    let mut after = before.clone();
    if let (Some(record), Some(changes)) = (after.as_object_mut(), changes.as_object()) {
        for (name, value) in changes {
            record.insert(name.clone(), value.clone());
        }
        return after;
    }
    changes.clone()
}

fn insert_run(conn: &Connection, site: &Site, start: &RunStart) -> rusqlite::Result<i64> {
    let input = start.input.as_ref();
    conn.execute(
        "INSERT INTO runs (base_url, company, command, undoes, started_at, input, input_size, input_hash, mapping_hash, mode, flags)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        rusqlite::params![
            site.base_url(),
            site.company(),
            start.command,
            start.undoes,
            now(),
            input.map(|i| i.path.clone()),
            input.map(|i| i.size as i64),
            input.map(|i| i.hash.clone()),
            start.mapping_hash,
            start.mode,
            start.flags,
        ],
    )?;
    Ok(conn.last_insert_rowid())
}
