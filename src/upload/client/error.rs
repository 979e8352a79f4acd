//! What a call to OnTime can end in, short of an answer: [`CallError`], and whether a request
//! may be sent twice ([`Idempotent`]), which decides how an unanswered one is treated.

/// Why a call gave no usable answer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum CallError {
    /// The server refused the request (400, 404): the body verbatim. Never retried.
    Rejected { status: u16, body: String },
    /// It may or may not have been carried out (timeout or dropped connection after sending).
    Unknown { cause: String },
    /// A request that must not be sent twice got a 2xx whose body could not be read: the server
    /// finished with it, but what it made is not known.
    Unreadable { cause: String },
    /// Retries ran out on 5xx, 429 with Retry-After, or connection errors before sending.
    Exhausted { cause: String },
    /// A create answered 5xx. The server says it failed, but a create is never re-sent on the
    /// server's word alone: the caller checks by a lookup when it can.
    Server { cause: String },
    /// The run is stopping (quota, budget, key refused, Ctrl-C): this request was not sent.
    Stopped,
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::Rejected { status, body } => write!(f, "OnTime answered {status}: {body}"),
            CallError::Unknown { cause } => write!(f, "no answer: {cause}"),
            CallError::Unreadable { cause } => write!(f, "unreadable answer: {cause}"),
            CallError::Exhausted { cause } => write!(f, "gave up after retries: {cause}"),
            CallError::Server { cause } => write!(f, "server error: {cause}"),
            CallError::Stopped => f.write_str("not sent: the run is stopping"),
        }
    }
}

/// Whether a request may be sent twice with the same effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Idempotent {
    Yes,
    /// A create: an unknown outcome must be resolved by the caller.
    No,
    /// An update that adds children: never sent twice (an unknown outcome or a 5xx is the
    /// caller's to resolve), but any 2xx is enough, whatever its body.
    Once,
}
