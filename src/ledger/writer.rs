//! The ledger's one writer: a thread that owns the SQLite connection and commits every write
//! queued while it was busy in one transaction (group commit). With 32 customers in flight, a
//! run then pays for one WAL append and one commit per batch instead of one per write.
//!
//! Invariants: a write is answered only once the transaction that holds it has committed, so a
//! caller holding its answer (a create journaled as pending) may act on it (send the create).
//! Writes are carried out in the order they were queued. A write that fails fails alone: its
//! batch is rolled back and the batch's writes are committed one by one, each answered with its
//! own result. A batch with a write somebody waits for is committed as soon as the queue is
//! empty; one of detached writes only (nobody waits: a customer's outcome recorded) waits up to
//! [`LINGER`] for more, so that a run commits a few hundred times, not once per customer. A
//! detached write that fails is kept in [`Writer::failure`].

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, TryRecvError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::Connection;
use rusqlite::types::Value;
use tokio::sync::oneshot;

/// One statement and its parameters, to be committed.
struct Write {
    sql: &'static str,
    /// The values of one execution of `sql`, or of several one after another (as many values
    /// each as `sql` has parameters): a window's journal is one write, answered once.
    params: Vec<Value>,
    /// Answered after the commit (or the failure) of the transaction that held the write;
    /// `None` for a detached write, whose failure goes to [`Writer::failure`].
    done: Option<oneshot::Sender<Result<(), String>>>,
}

/// How long a batch of detached writes waits for more before it is committed.
pub(super) const LINGER: Duration = Duration::from_millis(5);

/// A batch of detached writes is committed at this size without waiting longer.
const FULL: usize = 512;

/// The first failure of a detached write.
type Failure = Arc<Mutex<Option<String>>>;

enum Request {
    Write(Write),
    /// Work on the connection outside any transaction (reads), after everything queued before.
    With(Box<dyn FnOnce(&mut Connection) + Send>),
}

pub(super) struct Writer {
    /// Unbounded, but never long: every caller waits for its answer before it writes again, so
    /// at most one write per customer in flight is queued. `None` once closed, which ends the
    /// thread.
    requests: Option<mpsc::Sender<Request>>,
    thread: Option<JoinHandle<()>>,
    /// Transactions committed: how well writes were batched (logged at the end, and tested).
    commits: Arc<AtomicU64>,
    failure: Failure,
}

const STOPPED: &str = "the ledger's writer has stopped";

impl Writer {
    pub(super) fn start(conn: Connection) -> std::io::Result<Writer> {
        let (requests, queue) = mpsc::channel();
        let commits = Arc::new(AtomicU64::new(0));
        let failure = Failure::default();
        let thread = std::thread::Builder::new().name("ledger".into()).spawn({
            let served = Served {
                commits: Arc::clone(&commits),
                failure: Arc::clone(&failure),
            };
            move || serve(conn, &queue, &served)
        })?;
        Ok(Writer {
            requests: Some(requests),
            thread: Some(thread),
            commits,
            failure,
        })
    }

    /// Queues a write that nobody waits for: committed within [`LINGER`], with others. If it
    /// fails, [`Writer::failure`] says so from then on.
    pub(super) fn write_detached(&self, sql: &'static str, params: Vec<Value>) {
        let queued = self.send(Request::Write(Write {
            sql,
            params,
            done: None,
        }));
        if let Err(error) = queued {
            note_failure(&self.failure, error);
        }
    }

    /// Why a detached write failed, if one did.
    pub(super) fn failure(&self) -> Option<String> {
        self.failure.lock().ok()?.clone()
    }

    /// Queues a write now (so writes keep the order of the calls); the future resolves once it
    /// is committed, or has failed.
    pub(super) fn write(
        &self,
        sql: &'static str,
        params: Vec<Value>,
    ) -> impl Future<Output = Result<(), String>> + use<> {
        let (done, answer) = oneshot::channel();
        let queued = self.send(Request::Write(Write {
            sql,
            params,
            done: Some(done),
        }));
        self.wake();
        async move {
            queued?;
            answer.await.map_err(|_| STOPPED.to_string())?
        }
    }

    /// Runs `f` on the connection after everything queued before it and waits for its result,
    /// blocking the calling thread (for the start of a run, and for tools and tests).
    pub(super) fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> T + Send + 'static,
    ) -> Result<T, String> {
        let (result, answer) = mpsc::sync_channel(1);
        self.send(Request::With(Box::new(move |conn| {
            // The caller may have stopped waiting; then nobody needs the result.
            let _ = result.send(f(conn));
        })))?;
        self.wake();
        answer.recv().map_err(|_| STOPPED.to_string())
    }

    /// Ends the writer thread's wait for more detached writes: somebody waits.
    fn wake(&self) {
        if let Some(thread) = &self.thread {
            thread.thread().unpark();
        }
    }

    fn send(&self, request: Request) -> Result<(), String> {
        self.requests
            .as_ref()
            .and_then(|requests| requests.send(request).ok())
            .ok_or_else(|| STOPPED.to_string())
    }

    #[cfg(test)]
    fn commits(&self) -> u64 {
        self.commits.load(Ordering::SeqCst)
    }
}

impl Drop for Writer {
    /// Closes the queue and waits for the thread: what was queued is committed, and the
    /// connection is closed before the ledger's run lock is released.
    fn drop(&mut self) {
        let closing = Instant::now();
        drop(self.requests.take());
        self.wake();
        if let Some(thread) = self.thread.take() {
            // A panic in the writer has already failed every write it held.
            let _ = thread.join();
        }
        tracing::debug!(
            "ledger: {} transactions committed; closed in {} ms",
            self.commits.load(Ordering::SeqCst),
            closing.elapsed().as_millis()
        );
    }
}

/// What the writer thread reports back.
struct Served {
    commits: Arc<AtomicU64>,
    failure: Failure,
}

fn note_failure(failure: &Failure, error: String) {
    if let Ok(mut failure) = failure.lock() {
        failure.get_or_insert(error);
    }
}

/// The writer thread: takes whatever is queued (and, for detached writes alone, whatever comes
/// within [`LINGER`]), commits the writes in one transaction, answers them, and waits for more.
fn serve(mut conn: Connection, queue: &mpsc::Receiver<Request>, served: &Served) {
    let mut batch = Vec::new();
    while let Ok(first) = queue.recv() {
        let mut next = Some(first);
        let mut deadline = None;
        loop {
            while let Some(request) = next {
                match request {
                    Request::Write(write) => batch.push(write),
                    Request::With(f) => {
                        commit(&conn, &mut batch, served);
                        f(&mut conn);
                    }
                }
                next = queue.try_recv().ok();
            }
            let awaited = batch.iter().any(|write| write.done.is_some());
            if batch.is_empty() || awaited || batch.len() >= FULL {
                break;
            }
            // Parked rather than blocked on the queue: a detached write then costs its sender no
            // wake-up; a write somebody waits for unparks the thread.
            let deadline = *deadline.get_or_insert_with(|| Instant::now() + LINGER);
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            std::thread::park_timeout(left);
            match queue.try_recv() {
                Ok(request) => next = Some(request),
                Err(TryRecvError::Empty) => {}
                Err(TryRecvError::Disconnected) => break,
            }
        }
        commit(&conn, &mut batch, served);
    }
}

/// Commits `batch` in one transaction and answers each write; if that fails, rolls it back and
/// commits each write by itself, so that only a write that fails alone is answered with an error.
fn commit(conn: &Connection, batch: &mut Vec<Write>, served: &Served) {
    if batch.is_empty() {
        return;
    }
    match apply(conn, batch) {
        Ok(()) => {
            served.commits.fetch_add(1, Ordering::SeqCst);
            for write in batch.drain(..) {
                // A caller that stopped waiting needs no answer; its write stands.
                if let Some(done) = write.done {
                    let _ = done.send(Ok(()));
                }
            }
        }
        Err(error) if batch.len() == 1 => {
            for write in batch.drain(..) {
                match write.done {
                    Some(done) => {
                        let _ = done.send(Err(error.to_string()));
                    }
                    None => note_failure(&served.failure, error.to_string()),
                }
            }
        }
        Err(_) => {
            for write in std::mem::take(batch) {
                commit(conn, &mut vec![write], served);
            }
        }
    }
}

/// One transaction for the whole batch, rolled back on the first error. Every statement,
/// `BEGIN` and `COMMIT` included, is one of a handful run thousands of times: each is parsed
/// once (`prepare_cached`), and looked up once for a run of writes of the same statement.
fn apply(conn: &Connection, batch: &[Write]) -> rusqlite::Result<()> {
    conn.prepare_cached("BEGIN")?.execute([])?;
    let result = batch
        .chunk_by(|a, b| a.sql == b.sql)
        .try_for_each(|same| {
            let mut statement = conn.prepare_cached(same[0].sql)?;
            same.iter()
                .try_for_each(|write| execute(&mut statement, &write.params))
        })
        .and_then(|()| conn.prepare_cached("COMMIT")?.execute([]).map(drop));
    // SQLite may have ended the transaction itself (on some I/O errors); otherwise undo it.
    if result.is_err() && !conn.is_autocommit() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    result
}

/// Runs `statement` once for `params`, or once for each of the runs of values it holds.
fn execute(statement: &mut rusqlite::Statement<'_>, params: &[Value]) -> rusqlite::Result<()> {
    let each = statement.parameter_count();
    if each == 0 || params.len() <= each {
        return statement
            .execute(rusqlite::params_from_iter(params))
            .map(drop);
    }
    params.chunks(each).try_for_each(|values| {
        statement
            .execute(rusqlite::params_from_iter(values))
            .map(drop)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const INSERT: &str =
        "INSERT INTO t (k, v) VALUES (?1, ?2) ON CONFLICT (k) DO UPDATE SET v = ?2";

    fn params(k: &str, v: i64) -> Vec<Value> {
        vec![Value::Text(k.into()), Value::Integer(v)]
    }

    /// A writer on a file, and a second connection to look at what is committed.
    fn writer_and_reader(dir: &tempfile::TempDir) -> (Writer, Connection) {
        let path = dir.path().join("w.db");
        let conn = Connection::open(&path).expect("open");
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL);",
        )
        .expect("schema");
        let reader = Connection::open(&path).expect("reader");
        (Writer::start(conn).expect("start"), reader)
    }

    fn committed(reader: &Connection, k: &str) -> Option<i64> {
        reader
            .query_row("SELECT v FROM t WHERE k = ?1", [k], |row| row.get(0))
            .ok()
    }

    /// Holds the writer until the returned sender is dropped, so that what is queued meanwhile
    /// forms one batch.
    fn hold(writer: &Writer) -> mpsc::Sender<()> {
        let (release, gate) = mpsc::channel::<()>();
        writer
            .send(Request::With(Box::new(move |_| {
                let _ = gate.recv();
            })))
            .expect("queue");
        release
    }

    #[test]
    fn detached_writes_share_commits_and_a_failure_is_kept() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (writer, reader) = writer_and_reader(&dir);
        let release = hold(&writer);
        for v in 0..100 {
            writer.write_detached(INSERT, params(&format!("k{v}"), v));
        }
        drop(release);
        writer.with(|_| ()).expect("flush");
        assert_eq!(committed(&reader, "k99"), Some(99));
        assert_eq!(writer.commits(), 1, "queued together, committed together");
        assert_eq!(writer.failure(), None);
        // NOT NULL broken: this write fails alone, and says so.
        writer.write_detached(INSERT, vec![Value::Text("bad".into()), Value::Null]);
        writer.write_detached(INSERT, params("after", 1));
        writer.with(|_| ()).expect("flush");
        assert!(
            writer.failure().is_some_and(|f| f.contains("NOT NULL")),
            "{:?}",
            writer.failure()
        );
        assert_eq!(committed(&reader, "after"), Some(1));
        assert_eq!(committed(&reader, "bad"), None);
    }

    #[test]
    fn a_detached_write_is_committed_with_nobody_asking() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (writer, reader) = writer_and_reader(&dir);
        writer.write_detached(INSERT, params("a", 1));
        let started = Instant::now();
        while committed(&reader, "a").is_none() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "never committed"
            );
            std::thread::yield_now();
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_write_is_answered_only_once_another_connection_sees_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (writer, reader) = writer_and_reader(&dir);
        let reader = std::sync::Mutex::new(reader);
        let writes = (0..64).map(|i| {
            let (writer, reader) = (&writer, &reader);
            async move {
                let key = format!("k{i}");
                writer.write(INSERT, params(&key, i)).await.expect("write");
                let seen = committed(&reader.lock().expect("reader"), &key);
                assert_eq!(seen, Some(i), "answered before it was committed");
            }
        });
        futures::future::join_all(writes).await;
        assert!(writer.commits() <= 64);
    }

    #[tokio::test]
    async fn what_is_queued_together_is_committed_together_in_order() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (writer, reader) = writer_and_reader(&dir);
        let release = hold(&writer);
        // Ten writes to one key, queued in order while the writer is held: the last one wins.
        let writes: Vec<_> = (0..10)
            .map(|v| writer.write(INSERT, params("k", v)))
            .collect();
        assert_eq!(committed(&reader, "k"), None, "nothing commits while held");
        drop(release);
        for result in futures::future::join_all(writes).await {
            assert_eq!(result, Ok(()));
        }
        assert_eq!(committed(&reader, "k"), Some(9));
        assert_eq!(writer.commits(), 1, "one transaction for the batch");
    }

    #[tokio::test]
    async fn a_failing_write_fails_alone() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (writer, reader) = writer_and_reader(&dir);
        let release = hold(&writer);
        let first = writer.write(INSERT, params("a", 1));
        let bad = writer.write("INSERT INTO missing (k) VALUES (?1)", vec![Value::Null]);
        let last = writer.write(INSERT, params("b", 2));
        drop(release);
        assert_eq!(first.await, Ok(()));
        assert!(bad.await.is_err());
        assert_eq!(last.await, Ok(()));
        assert_eq!(
            (committed(&reader, "a"), committed(&reader, "b")),
            (Some(1), Some(2))
        );
        assert_eq!(writer.commits(), 2, "the batch was redone write by write");
    }

    #[tokio::test]
    async fn a_write_of_several_rows_is_one_write() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (writer, reader) = writer_and_reader(&dir);
        let rows: Vec<Value> = (0..3).flat_map(|v| params(&format!("r{v}"), v)).collect();
        assert_eq!(writer.write(INSERT, rows).await, Ok(()));
        assert_eq!(
            (0..3)
                .map(|v| committed(&reader, &format!("r{v}")))
                .collect::<Vec<_>>(),
            [Some(0), Some(1), Some(2)]
        );
        // One bad row fails the whole write, and none of its rows is kept; a write queued with
        // it stands.
        let release = hold(&writer);
        let mut rows = params("s0", 0);
        rows.extend([Value::Text("s1".into()), Value::Null]);
        let bad = writer.write(INSERT, rows);
        let other = writer.write(INSERT, params("t", 5));
        drop(release);
        assert!(bad.await.is_err_and(|e| e.contains("NOT NULL")));
        assert_eq!(other.await, Ok(()));
        assert_eq!(
            (committed(&reader, "s0"), committed(&reader, "t")),
            (None, Some(5))
        );
        // Values that do not fill the statement's parameters are an error, not a partial row.
        let short = vec![
            Value::Text("u".into()),
            Value::Integer(1),
            Value::Text("v".into()),
        ];
        assert!(writer.write(INSERT, short).await.is_err());
        assert_eq!(committed(&reader, "u"), None);
    }

    #[test]
    fn dropping_the_writer_commits_what_is_queued() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (writer, reader) = writer_and_reader(&dir);
        let release = hold(&writer);
        let pending = writer.write(INSERT, params("k", 7));
        drop(release);
        drop(writer);
        drop(pending);
        assert_eq!(committed(&reader, "k"), Some(7));
    }
}
