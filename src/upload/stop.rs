//! Why a run stopped before every customer was handled, the message for the rows it did not
//! reach, and the exit code each reason gives.

use serde::Serialize;

/// Why a run stopped before every customer was handled.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub(crate) enum Stop {
    /// OnTime's request quota is spent (a 429 without Retry-After, or a remaining count of 0).
    Quota { reset: Option<String> },
    /// `--max-requests` reached.
    Budget { requests: u64 },
    /// The service failed this many attempts in a row (no answer, or 5xx): it is down.
    Unreachable { attempts: u32, cause: String },
    /// The server asked to wait (`Retry-After`) longer than the run waits.
    Wait { status: u16, until: String },
    /// `--reserve` reached: the remaining daily quota is kept for dispatch.
    Reserve { remaining: u64, reserve: u64 },
    /// The key was refused (401/403).
    Auth { message: String },
    /// The address is wrong: OnTime answered 404 where an endpoint must be (company id, base URL).
    Address { message: String },
    /// Ctrl-C.
    Interrupted,
    /// Asked on the terminal whether to send what the estimate said, the user said no.
    Declined,
    /// The ledger could not be written: going on would lose track of what was sent.
    Ledger { message: String },
    /// An output (the report, the errors file, the summary JSON) could not be written: going on
    /// would send requests whose outcome nobody could read.
    Output { message: String },
}

impl Stop {
    /// The message for rows not reached.
    pub(crate) fn message(&self) -> String {
        match self {
            Stop::Quota { reset: Some(reset) } => format!(
                "not sent: the OnTime request quota is spent until {reset}; run again after that"
            ),
            Stop::Quota { reset: None } => {
                "not sent: the OnTime request quota is spent; run again after it resets (00:00 UTC)"
                    .into()
            }
            Stop::Budget { requests } => {
                format!("not sent: --max-requests {requests} reached; run again to continue")
            }
            Stop::Reserve { remaining, reserve } => {
                format!(
                    "not sent: {remaining} requests left today and --reserve keeps {reserve}; run again after the reset"
                )
            }
            Stop::Unreachable { attempts, cause } => format!(
                "not sent: OnTime failed {attempts} attempts in a row (the last: {cause}); run again once it answers"
            ),
            Stop::Wait { status, until } => format!(
                "not sent: OnTime answered {status} and asks to wait until {until}; run again after that"
            ),
            Stop::Auth { message } | Stop::Address { message } => format!("not sent: {message}"),
            Stop::Interrupted => "not sent: interrupted; run again to continue".into(),
            Stop::Declined => {
                "not sent: the estimate was not confirmed; run again and answer y, or add --yes"
                    .into()
            }
            Stop::Ledger { message } | Stop::Output { message } => format!("not sent: {message}"),
        }
    }

    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            Stop::Auth { .. } | Stop::Address { .. } | Stop::Ledger { .. } => 2,
            Stop::Interrupted => 130,
            _ => 3,
        }
    }
}
