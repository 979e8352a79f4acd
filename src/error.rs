//! The one error a run can end with before it has a summary, wrapping each stage's own error;
//! it alone decides what a failed start prints and its exit code. A run that got as far as
//! deciding its rows ends with a summary (`summary.rs`) instead, whose exit code comes
//! from its counts and its stop ([`crate::upload::Stop`]).

use std::path::PathBuf;

use crate::group::load::LoadError;
use crate::ledger::LedgerError;
use crate::logging::shown;
use crate::read::ReadError;
use crate::settings::SettingsError;
use crate::upload;

/// Exit code of a run that could not start: nothing was sent.
pub(crate) const EXIT_START: u8 = 2;

/// Why the run could not start, or could not go on past its first request.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RunError {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error("cannot write the report {path}: {cause}")]
    Report {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error(transparent)]
    Load(#[from] LoadError),
    /// A file `inspect` or `init` cannot read.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// A command refused what it was asked (`init` over an existing file, say).
    #[error("{message}")]
    Refused {
        message: String,
        hint: Option<String>,
    },
    #[error(transparent)]
    Upload(#[from] upload::Error),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    /// A task of the run panicked: a bug, said as such.
    #[error("internal error: {0}; please report it")]
    Internal(String),
}

impl RunError {
    /// Every failed start exits 2: nothing was sent, and the report of an earlier run is left
    /// as it was, or this run's lists every row `not_sent`.
    pub(crate) fn exit_code(&self) -> u8 {
        EXIT_START
    }

    /// What to do about it, when something helps: the `hint:` line under the error.
    pub(crate) fn hint(&self) -> Option<String> {
        match self {
            RunError::Settings(error) => error.hint(),
            RunError::Load(LoadError::Read(error)) | RunError::Read(error) => error.hint(),
            RunError::Upload(error) => error.hint(),
            RunError::Refused { hint, .. } => hint.clone(),
            _ => None,
        }
    }

    /// Prints it on stderr: `error: …`, then `hint: …` when there is one.
    pub(crate) fn print(&self) {
        eprintln!("error: {}", shown(&self.to_string()));
        if let Some(hint) = self.hint() {
            eprintln!("hint: {}", shown(&hint));
        }
    }
}

impl From<tokio::task::JoinError> for RunError {
    fn from(error: tokio::task::JoinError) -> RunError {
        RunError::Internal(format!("a task of the run failed: {error}"))
    }
}
