//! Where the tool's outputs land on disk, so that no run destroys another's files.
//!
//! Whole files (the errors file, the summary JSON, a report workbook) are written to a temporary
//! file in the target's folder and renamed into place: a reader sees the old file or the new one,
//! never half of one, and a failed write leaves the old file as it was. The report, written as
//! rows are decided, goes to `REPORT.partial` (locked while the run holds it) and is renamed to
//! `REPORT` when the run ends; a killed run's rows stay in `REPORT.partial`. A target that exists
//! and is not a regular file (a FIFO, `/dev/stdout`, `/dev/full`) is written directly.
//!
//! The report's own writes live here too: whole lines flushed, a failed write cut back to the
//! last whole line (the file stays a valid CSV), and the partial file put in place at the end.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` through a temporary file renamed into place.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    replace_with(path, |temp| {
        let mut file = File::create(temp)?;
        file.write_all(bytes)?;
        file.sync_data()
    })
}

/// Lets `write` fill a temporary file beside `path`, then renames it into place; the temporary
/// file is removed if anything fails.
pub(crate) fn replace_with(
    path: &Path,
    write: impl FnOnce(&Path) -> io::Result<()>,
) -> io::Result<()> {
    if is_special(path) {
        return write(path);
    }
    let temp = temp_path(path);
    let written = write(&temp).and_then(|()| std::fs::rename(&temp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

/// `.NAME.PID.tmp` beside `path`: hidden, and distinct for two runs at once.
fn temp_path(path: &Path) -> PathBuf {
    let name = path.file_name().map_or_else(
        || "output".into(),
        |name| name.to_string_lossy().into_owned(),
    );
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

/// `REPORT.partial`: where the report's lines go until the run ends.
pub(crate) fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(".partial");
    PathBuf::from(name)
}

/// An existing target that is not a regular file (a device, a FIFO): written as it is.
pub(super) fn is_special(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|meta| !meta.is_file() && !meta.is_dir())
}

/// The partial report of this process and where it goes, for [`publish_now`]; set while a
/// report is open. One report per process.
static OPEN: std::sync::Mutex<Option<(PathBuf, PathBuf)>> = std::sync::Mutex::new(None);

/// Marks `partial` as this process's report on its way to `path` (`None`: none is open).
pub(super) fn set_open(open: Option<(PathBuf, PathBuf)>) {
    if let Ok(mut slot) = OPEN.lock() {
        *slot = open;
    }
}

/// Puts the partial report in place at once, as it stands on disk (whole lines, up to 50 ms
/// behind the decisions): for a process about to exit without finishing (a second Ctrl-C).
pub(crate) fn publish_now() {
    let open = OPEN.lock().ok().and_then(|mut slot| slot.take());
    if let Some((partial, path)) = open {
        let _ = std::fs::rename(partial, path);
    }
}

/// Opens the file the report's lines go to while the run goes on: `REPORT.partial`, locked so
/// that a second run writing the same report is refused instead of truncating it; or the
/// target itself when it is special. The `PathBuf` is the partial file, to rename at the end.
pub(super) fn open_report(path: &Path) -> io::Result<(File, Option<PathBuf>)> {
    if is_special(path) {
        return Ok((OpenOptions::new().write(true).open(path)?, None));
    }
    let partial = partial_path(path);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&partial)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            return Err(io::Error::new(
                io::ErrorKind::ResourceBusy,
                format!(
                    "another run is writing this report (its rows so far are in {})",
                    partial.display()
                ),
            ));
        }
        Err(std::fs::TryLockError::Error(error)) => return Err(error),
    }
    // Locked: what is in it is a killed run's rows, which this run reports again.
    file.set_len(0)?;
    Ok((file, Some(partial)))
}

/// Whether `path` can be written, found out without changing it: an existing file is opened
/// for appending, and a file is created and removed in the folder that will hold the
/// temporary file. Devices and FIFOs are taken as they are (opening a FIFO would block).
pub(crate) fn probe(path: &Path) -> io::Result<()> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => {
            return Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                "it is a folder",
            ));
        }
        Ok(meta) if !meta.is_file() => return Ok(()),
        Ok(_) => drop(OpenOptions::new().append(true).open(path)?),
        Err(error) if error.kind() == io::ErrorKind::NotFound => {}
        Err(error) => return Err(error),
    }
    let temp = temp_path(path);
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)?;
    std::fs::remove_file(&temp)
}

impl super::Report {
    /// Writes the lines decided so far to the file, whole, in one write. A write that fails
    /// (a full disk) cuts the file back to its last whole line and breaks the report: every
    /// later write fails with the same cause, so the file stays a valid prefix.
    pub(crate) fn flush_lines(&mut self) -> std::io::Result<()> {
        if let Some(cause) = &self.broken {
            self.out.clear();
            return Err(std::io::Error::other(cause.clone()));
        }
        let written = if self.out.is_empty() {
            Ok(())
        } else {
            self.file.write_all(&self.out)
        };
        let length = self.out.len() as u64;
        // Lines that failed to reach the file are dropped, not written twice by the next flush.
        // The buffer keeps its capacity for the next lines.
        self.out.clear();
        if let Err(error) = written {
            // A FIFO or a device cannot be cut back; a regular file can.
            let _ = self.file.set_len(self.written);
            let _ = std::io::Seek::seek(&mut self.file, std::io::SeekFrom::Start(self.written));
            let cause = format!("cannot write the report {}: {error}", self.path.display());
            self.broken = Some(cause.clone());
            return Err(std::io::Error::other(cause));
        }
        self.written += length;
        self.last_flush = std::time::Instant::now();
        Ok(())
    }

    /// [`Report::flush_lines`], unless the last flush was less than `every` ago: for the
    /// uploader, which decides customers one by one, sometimes thousands a second.
    pub(crate) fn flush_lines_every(&mut self, every: std::time::Duration) -> std::io::Result<()> {
        if self.last_flush.elapsed() < every {
            return Ok(());
        }
        self.flush_lines()
    }

    /// Writes everything decided and asks the OS to put it on disk (a FIFO or a device has no
    /// disk to sync).
    pub(crate) fn flush(&mut self) -> std::io::Result<()> {
        self.flush_lines()?;
        match self.partial {
            Some(_) => self.file.sync_data(),
            None => Ok(()),
        }
    }

    /// Puts the report in place when the run ends, whatever way it ends: the partial file is
    /// renamed to the report's path (or, for `.xlsx`, made into a workbook there and removed).
    /// A report whose writes failed is put in place too: it holds the rows decided before.
    pub(crate) fn publish(&mut self) -> std::io::Result<()> {
        let flushed = self.flush();
        set_open(None);
        let Some(partial) = self.partial.take() else {
            return flushed;
        };
        if self.workbook {
            super::workbook::write(&partial, &self.path)?;
            std::fs::remove_file(&partial)?;
        } else {
            std::fs::rename(&partial, &self.path)?;
        }
        flushed
    }

    /// Removes the partial file of a run that could not start, leaving an earlier report as it
    /// was.
    pub(crate) fn discard(mut self) {
        set_open(None);
        if let Some(partial) = self.partial.take() {
            let _ = std::fs::remove_file(partial);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_atomic_write_replaces_the_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("out.json");
        std::fs::write(&path, "old").expect("write");
        write_atomically(&path, b"new").expect("write");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "new");
        assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 1);
        let failed = replace_with(&path, |_| Err(io::Error::other("disk full")));
        assert!(failed.is_err());
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "new");
        assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 1);
    }

    #[test]
    fn a_second_writer_of_one_report_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("r.csv");
        let (_first, partial) = open_report(&path).expect("first");
        assert_eq!(partial, Some(dir.path().join("r.csv.partial")));
        let second = open_report(&path).expect_err("second");
        assert_eq!(second.kind(), io::ErrorKind::ResourceBusy);
    }
}
