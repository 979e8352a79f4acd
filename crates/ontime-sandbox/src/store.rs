//! `--data FILE`: the records (with their creation and modification times), the quota counters
//! and the clock's offset kept in a JSON file between runs. The offset is kept so that a restarted
//! sandbox never shows a time earlier than the stamps it stored.
//!
//! Invariant: the file is only ever replaced whole: written to a temporary file beside it, synced,
//! then renamed over it, so a crash leaves the old or the new version, never half of one. The
//! saver writes shortly after changes (debounced) and once more when the server stops.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use tokio_util::sync::CancellationToken;

use super::clock::{Clock, rfc3339};
use super::quota::Quota;
use super::records::{Customer, Records};
use super::state::Shared;

/// The file format's version.
const FORMAT: u32 = 1;

/// Changes within this time are written together.
const DEBOUNCE: Duration = Duration::from_millis(500);

#[derive(Serialize)]
struct FileOut<'a> {
    format: u32,
    company_id: &'a str,
    /// Microseconds the clock is ahead of real UTC.
    clock_offset_us: i64,
    quota: StoredQuota,
    customers: Vec<StoredOut<'a>>,
}

#[derive(Serialize)]
struct StoredOut<'a> {
    created: String,
    modified: String,
    customer: &'a Customer,
}

#[derive(Deserialize)]
struct FileIn {
    format: u32,
    /// Absent in files written before the clock could move: no offset.
    #[serde(default)]
    clock_offset_us: i64,
    quota: Option<StoredQuota>,
    customers: Vec<StoredIn>,
}

#[derive(Deserialize)]
struct StoredIn {
    created: String,
    modified: String,
    customer: Json,
}

#[derive(Serialize, Deserialize)]
struct StoredQuota {
    day: String,
    daily_used: u64,
    month: String,
    monthly_used: u64,
}

/// What the data file holds.
#[derive(Debug, Default)]
pub(crate) struct Loaded {
    pub records: Records,
    pub quota: Option<Quota>,
    pub clock: Clock,
}

/// Reads the data file; a missing file is an empty store.
pub(crate) fn load(path: &Path) -> io::Result<Loaded> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Loaded::default()),
        Err(e) => return Err(with_path(e, path, "cannot read")),
    };
    let file: FileIn = serde_json::from_slice(&bytes).map_err(|e| {
        let e = io::Error::new(io::ErrorKind::InvalidData, e);
        with_path(e, path, "is not a sandbox data file")
    })?;
    if file.format != FORMAT {
        let e = io::Error::new(
            io::ErrorKind::InvalidData,
            format!("format {}", file.format),
        );
        return Err(with_path(e, path, "has an unknown format"));
    }
    let clock = Clock::with_offset(file.clock_offset_us);
    let now = clock.now();
    let mut records = Records::default();
    for stored in file.customers {
        let created = parse_time(&stored.created, now);
        let modified = parse_time(&stored.modified, now);
        records.insert_raw(&stored.customer, created, modified);
    }
    let quota = file.quota.and_then(|q| {
        let mut quota = Quota::new(0, None, now);
        quota.day = NaiveDate::parse_from_str(&q.day, "%Y-%m-%d").ok()?;
        quota.month = NaiveDate::parse_from_str(&q.month, "%Y-%m-%d").ok()?;
        quota.daily_used = q.daily_used;
        quota.monthly_used = q.monthly_used;
        Some(quota)
    });
    Ok(Loaded {
        records,
        quota,
        clock,
    })
}

/// A stored time; an unreadable one is taken as `now` (the load).
fn parse_time(text: &str, now: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).map_or(now, |t| t.with_timezone(&Utc))
}

fn with_path(e: io::Error, path: &Path, what: &str) -> io::Error {
    io::Error::new(e.kind(), format!("{} {what}: {e}", path.display()))
}

/// Writes the data file now, if the server has one.
pub(crate) async fn save(shared: &Shared) -> io::Result<()> {
    let Some(path) = shared.data_file.clone() else {
        return Ok(());
    };
    let bytes = snapshot(shared)?;
    tokio::task::spawn_blocking(move || write_atomic(&path, &bytes))
        .await
        .map_err(io::Error::other)?
}

fn snapshot(shared: &Shared) -> io::Result<Vec<u8>> {
    let inner = shared.lock();
    let file = FileOut {
        format: FORMAT,
        company_id: &shared.company_id,
        clock_offset_us: shared.clock.offset_us(),
        quota: StoredQuota {
            day: inner.quota.day.to_string(),
            daily_used: inner.quota.daily_used,
            month: inner.quota.month.to_string(),
            monthly_used: inner.quota.monthly_used,
        },
        customers: inner
            .records
            .iter()
            .map(|customer| StoredOut {
                created: rfc3339(customer.created),
                modified: rfc3339(customer.modified),
                customer,
            })
            .collect(),
    };
    serde_json::to_vec_pretty(&file).map_err(io::Error::other)
}

/// Replaces `path` with `bytes` atomically (temporary file, sync, rename).
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp-{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(|e| with_path(e, path, "cannot be written"))
}

/// Writes the data file shortly after each change until `stop` is cancelled.
pub(crate) async fn saver(shared: Arc<Shared>, stop: CancellationToken) {
    loop {
        tokio::select! {
            () = shared.dirty.notified() => {}
            () = stop.cancelled() => return,
        }
        tokio::select! {
            () = tokio::time::sleep(DEBOUNCE) => {}
            () = stop.cancelled() => return,
        }
        if let Err(e) = save(&shared).await {
            tracing::error!("sandbox: {e}");
            super::say(&format!("sandbox: {e}"));
        }
    }
}
