//! Why an upload could not start or go on: nothing more was sent.

use crate::report::Report;

/// Why an upload could not start, or could not go on past its first request: nothing more was
/// sent.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    #[error(transparent)]
    Ledger(#[from] crate::ledger::LedgerError),
    #[error("cannot start the built-in sandbox: {0}")]
    Sandbox(std::io::Error),
    #[error("the sandbox's address is no URL: {0}")]
    SandboxUrl(String),
    #[error("cannot listen for Ctrl-C and termination signals: {0}")]
    Signals(std::io::Error),
    #[error("{0}")]
    Client(String),
    #[error("the report's task failed: {0}")]
    ReportTask(String),
    /// `--deactivate-missing` would deactivate more than `--max-deactivate` allows.
    #[error("{0}")]
    TooManyLeaving(String),
    #[error(
        "the first request to {site} (GET api/customers, which proves the address, company id and key before anything is sent or taken as unchanged) failed: {cause}"
    )]
    Unproven { site: String, cause: String },
}

impl Error {
    /// What to do about it, for the `hint:` line under the error.
    pub(crate) fn hint(&self) -> Option<String> {
        match self {
            Error::Unproven { .. } => Some(
                "check --base-url (ONTIME_BASE_URL) and ONTIME_COMPANY_ID, and that the service is up; nothing was sent"
                    .into(),
            ),
            _ => None,
        }
    }
}

/// Why an upload ended early, with the report when it is still had (a run that could not
/// start sending lists every row `not_sent` in it).
pub(crate) type Failed = (Option<Report>, Error);
