//! The run lock: one run at a time per ledger, whatever path names it.
//!
//! The lock is an OS file lock (`flock`) on the database file itself, so a symlink, a hard link
//! or another spelling of the path meets the same lock, nothing is created beside the ledger,
//! and the OS frees it when the process ends, however it ends. SQLite's own locks on the file
//! are POSIX record locks, which `flock` does not touch; the lock's descriptor stays open until
//! after the ledger's connection is closed, since closing a descriptor of the file earlier
//! would drop SQLite's locks with it. A refused run names the holder from `/proc/locks` where
//! the OS has it (Linux), with the API key masked.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use super::LedgerError;

/// The run lock on one ledger file, held until dropped.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
    /// The ledger file, open, with the lock on it.
    _file: File,
}

impl Lock {
    /// Takes the lock on the ledger at `path`, creating the file (empty: SQLite reads that as a
    /// new database) if there is none. Refuses what is not a regular file (`/dev/full`, a
    /// folder): SQLite would otherwise create its journal beside it.
    pub fn take(path: &Path) -> Result<Lock, LedgerError> {
        let open_error = |cause: String| LedgerError::Open {
            path: path.to_path_buf(),
            cause,
        };
        if let Ok(meta) = std::fs::metadata(path)
            && !meta.is_file()
        {
            return Err(open_error("it is not a regular file".into()));
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| open_error(e.to_string()))?;
        match file.try_lock() {
            Ok(()) => Ok(Lock {
                path: path.to_path_buf(),
                _file: file,
            }),
            Err(std::fs::TryLockError::WouldBlock) => Err(LedgerError::Busy {
                path: path.to_path_buf(),
                holder: holder(&file).unwrap_or_else(|| "pid unknown".into()),
            }),
            Err(std::fs::TryLockError::Error(cause)) => Err(open_error(cause.to_string())),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Who holds the lock on `file`: its pid and command line.
#[cfg(target_os = "linux")]
fn holder(file: &File) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let inode = file.metadata().ok()?.ino();
    let locks = std::fs::read_to_string("/proc/locks").ok()?;
    let pid = flock_holder(&locks, inode)?;
    let command = std::fs::read(format!("/proc/{pid}/cmdline"))
        .ok()
        .map(|bytes| command_line(&bytes))
        .filter(|command| !command.is_empty());
    Some(match command {
        Some(command) => format!("pid {pid}, `{command}`"),
        None => format!("pid {pid}"),
    })
}

#[cfg(not(target_os = "linux"))]
fn holder(_file: &File) -> Option<String> {
    None
}

/// The pid holding a `flock` on `inode`, from the text of `/proc/locks`, whose lines read
/// `1: FLOCK  ADVISORY  WRITE 4242 fd:01:1234567 0 EOF` (a blocked waiter's has `->` second).
fn flock_holder(locks: &str, inode: u64) -> Option<u32> {
    locks.lines().find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.get(1) != Some(&"FLOCK") {
            return None;
        }
        let held = fields.get(5)?.rsplit(':').next()?.parse::<u64>().ok()?;
        if held != inode {
            return None;
        }
        fields.get(4)?.parse().ok()
    })
}

/// A `/proc/{pid}/cmdline` (arguments ending in NUL) as one line: the program's file name, then
/// its arguments with the API key masked.
fn command_line(bytes: &[u8]) -> String {
    let mut args = bytes
        .split(|b| *b == 0)
        .filter(|arg| !arg.is_empty())
        .map(|arg| String::from_utf8_lossy(arg).into_owned());
    let Some(program) = args.next() else {
        return String::new();
    };
    let program = Path::new(&program)
        .file_name()
        .map_or(program.clone(), |name| name.to_string_lossy().into_owned());
    std::iter::once(program)
        .chain(without_key(args))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The arguments with the value of `--api-key` replaced by `***`: the key is never shown.
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
    fn the_holder_never_shows_the_key() {
        let cmdline = b"/usr/bin/ontime-import\0--api-key\0k1\0in.csv\0--api-key=k2\0-m\0m.toml\0";
        assert_eq!(
            command_line(cmdline),
            "ontime-import --api-key *** in.csv --api-key=*** -m m.toml"
        );
    }

    #[test]
    fn the_holder_is_read_from_proc_locks() {
        let locks = "1: POSIX  ADVISORY  WRITE 11 fd:01:77 0 EOF\n\
                     2: FLOCK  ADVISORY  WRITE 4242 fd:01:77 0 EOF\n\
                     2: -> FLOCK  ADVISORY  WRITE 5151 fd:01:77 0 EOF\n\
                     3: FLOCK  ADVISORY  WRITE 99 00:2a:78 0 EOF\n";
        assert_eq!(flock_holder(locks, 77), Some(4242));
        assert_eq!(flock_holder(locks, 78), Some(99));
        assert_eq!(flock_holder(locks, 79), None);
    }

    #[test]
    fn one_lock_per_file_whatever_the_path() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("l.db");
        let first = Lock::take(&path).expect("lock");
        let link = dir.path().join("link.db");
        std::os::unix::fs::symlink(&path, &link).expect("symlink");
        for other in [link, dir.path().join(".").join("l.db")] {
            let Err(LedgerError::Busy { holder, .. }) = Lock::take(&other) else {
                panic!("{} must meet the lock", other.display())
            };
            assert!(
                holder.contains(&format!("pid {}", std::process::id())),
                "{holder}"
            );
        }
        drop(first);
        assert!(Lock::take(&path).is_ok());
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names.len(), 2, "nothing beside the ledger: {names:?}");
    }

    #[test]
    fn what_is_not_a_file_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let Err(LedgerError::Open { cause, .. }) = Lock::take(dir.path()) else {
            panic!("a folder is no ledger")
        };
        assert!(cause.contains("not a regular file"), "{cause}");
    }
}
