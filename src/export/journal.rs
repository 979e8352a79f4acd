//! `FILE.partial`: the customer records an export has read so far, kept so that an interrupted
//! export (Ctrl-C, a spent quota, `--max-requests`, a crash) goes on where it stopped instead of
//! reading them again. JSON lines: a header naming the site (never the key), then one line per
//! record as OnTime answered it, written and flushed as each answer comes. Locked while an
//! export holds it, so two exports never write one journal.
//!
//! Invariant: every line before the last is whole; a line cut short by a crash is dropped when
//! the journal is opened again (its customer is read again). The export removes the journal
//! once FILE is in place.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde_json::{Value as Json, json};

/// What the header line says this file is.
const KIND: &str = "ontime-import export journal";

/// Why the journal cannot be used: the export does not start.
#[derive(Debug, thiserror::Error)]
pub(super) enum JournalError {
    #[error("cannot use {path}: {cause}")]
    Io { path: PathBuf, cause: io::Error },
    #[error("{path} is in use by another export to the same file")]
    Busy { path: PathBuf },
    #[error("{path} holds an unfinished export of {theirs}, not of {ours}")]
    OtherSite {
        path: PathBuf,
        theirs: String,
        ours: String,
    },
    #[error("{path} is not an export journal of ontime-import")]
    Foreign { path: PathBuf },
}

/// The journal of one export, open and locked.
pub(super) struct Journal {
    file: File,
    path: PathBuf,
    /// The records read so far, by customer ID.
    pub records: HashMap<String, Json>,
}

/// `FILE.partial`.
pub(super) fn path_for(output: &Path) -> PathBuf {
    let mut name = output.as_os_str().to_os_string();
    name.push(".partial");
    PathBuf::from(name)
}

impl Journal {
    /// Opens (or starts) the journal at `path` for an export of `site`, with what it holds.
    pub(super) fn open(path: &Path, site: &str) -> Result<Journal, JournalError> {
        let io = |cause| JournalError::Io {
            path: path.to_path_buf(),
            cause,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(JournalError::Busy {
                    path: path.to_path_buf(),
                });
            }
            Err(std::fs::TryLockError::Error(cause)) => return Err(io(cause)),
        }
        let mut text = Vec::new();
        file.read_to_end(&mut text).map_err(io)?;
        let mut journal = Journal {
            file,
            path: path.to_path_buf(),
            records: HashMap::new(),
        };
        let whole = journal.load(&text, site)?;
        if whole == 0 {
            let header = json!({ "kind": KIND, "version": 1, "site": site });
            journal.file.set_len(0).map_err(io)?;
            journal.append(&header).map_err(io)?;
        } else if whole < text.len() {
            // A line cut short by a crash: dropped, its customer is read again.
            journal.file.set_len(whole as u64).map_err(io)?;
        }
        journal.file.seek(SeekFrom::End(0)).map_err(io)?;
        Ok(journal)
    }

    /// Reads the header and the records of `text`; how many bytes of whole lines it holds (0
    /// when there is no header yet).
    fn load(&mut self, text: &[u8], site: &str) -> Result<usize, JournalError> {
        let mut at = 0;
        let mut lines = text.split_inclusive(|b| *b == b'\n');
        let Some(first) = lines.next().filter(|l| l.ends_with(b"\n")) else {
            return Ok(0);
        };
        let header: Json = serde_json::from_slice(first).map_err(|_| JournalError::Foreign {
            path: self.path.clone(),
        })?;
        if header["kind"] != KIND {
            return Err(JournalError::Foreign {
                path: self.path.clone(),
            });
        }
        if header["site"] != site {
            return Err(JournalError::OtherSite {
                path: self.path.clone(),
                theirs: header["site"]
                    .as_str()
                    .unwrap_or("another site")
                    .to_string(),
                ours: site.to_string(),
            });
        }
        at += first.len();
        for line in lines {
            let entry: Option<Json> = line
                .ends_with(b"\n")
                .then(|| serde_json::from_slice(line).ok())
                .flatten();
            let Some((id, record)) = entry.and_then(|mut entry| {
                let id = entry.get("id")?.as_str()?.to_string();
                Some((id, entry.get_mut("record")?.take()))
            }) else {
                break;
            };
            self.records.insert(id, record);
            at += line.len();
        }
        Ok(at)
    }

    /// Adds the record of customer `id`, flushed before it returns.
    pub(super) fn add(&mut self, id: &str, record: Json) -> io::Result<()> {
        self.append(&json!({ "id": id, "record": &record }))?;
        self.records.insert(id.to_string(), record);
        Ok(())
    }

    fn append(&mut self, line: &Json) -> io::Result<()> {
        let mut bytes = serde_json::to_vec(line)?;
        bytes.push(b'\n');
        self.file.write_all(&bytes)?;
        self.file.flush()
    }

    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    /// Removes the journal: the export it kept is in place.
    pub(super) fn remove(self) -> io::Result<()> {
        std::fs::remove_file(&self.path)
    }

    /// Closes the journal of an export that did not finish: kept if it holds a record, else
    /// removed (a run that read nothing leaves nothing behind).
    pub(super) fn close(self) {
        if self.records.is_empty()
            && let Err(error) = self.remove()
        {
            tracing::warn!("cannot remove the empty export journal: {error}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_journal_keeps_its_records_and_drops_a_torn_line() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("out.csv.partial");
        let mut journal = Journal::open(&path, "http://a/sites/x/").expect("opens");
        journal.add("c1", json!({"ID": "c1"})).expect("adds");
        journal.add("c2", json!({"ID": "c2"})).expect("adds");
        drop(journal);
        let mut text = std::fs::read(&path).expect("reads");
        text.extend_from_slice(b"{\"id\": \"c3\", \"rec");
        std::fs::write(&path, &text).expect("writes");
        let journal = Journal::open(&path, "http://a/sites/x/").expect("opens again");
        assert_eq!(journal.records.len(), 2);
        assert!(matches!(
            Journal::open(&path, "http://a/sites/x/"),
            Err(JournalError::Busy { .. })
        ));
        drop(journal);
        assert_eq!(std::fs::read(&path).expect("reads").len(), text.len() - 17);
        assert!(matches!(
            Journal::open(&path, "http://b/sites/x/"),
            Err(JournalError::OtherSite { .. })
        ));
    }
}
