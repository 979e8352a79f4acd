//! What happened to a row ([`Outcome`], [`Status`]) and the handle of a registered row
//! ([`RowId`]): the words every stage uses to decide rows in the report.

/// What happened to a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Status {
    /// Dry run: would be sent.
    Valid,
    /// Bad input: nothing was sent for its customer.
    Invalid,
    Created,
    Updated,
    /// OnTime already holds exactly this; nothing was posted.
    Unchanged,
    /// `--mode create-only`: OnTime holds a customer that matches; it was left as it is.
    SkippedExists,
    /// `--mode update-only`: no customer in OnTime matches; none was created.
    SkippedMissing,
    /// `--deactivate-missing`: a customer absent from the input, set `Inactive`.
    Deactivated,
    /// Sent (or looked up) and refused, or the outcome is unknown.
    Failed,
    /// Not reached: the run stopped early (quota, budget, Ctrl-C, authentication).
    NotSent,
}

impl Status {
    pub(crate) const ALL: [Status; 10] = [
        Status::Valid,
        Status::Invalid,
        Status::Created,
        Status::Updated,
        Status::Unchanged,
        Status::SkippedExists,
        Status::SkippedMissing,
        Status::Deactivated,
        Status::Failed,
        Status::NotSent,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Valid => "valid",
            Status::Invalid => "invalid",
            Status::Created => "created",
            Status::Updated => "updated",
            Status::Unchanged => "unchanged",
            Status::SkippedExists => "skipped_exists",
            Status::SkippedMissing => "skipped_missing",
            Status::Deactivated => "deactivated",
            Status::Failed => "failed",
            Status::NotSent => "not_sent",
        }
    }
}

/// A decided row's outcome.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Outcome {
    pub status: Status,
    pub customer_id: Option<String>,
    /// The OnTime property the message is about, if one.
    pub field: Option<String>,
    /// The input column the message is about, if one.
    pub column: Option<String>,
    /// The cell's text, when the message is about one cell's value.
    pub value: Option<String>,
    /// What is wrong with `value` (`is not an email address …`), for the list on screen.
    pub reason: Option<String>,
    pub message: String,
}

impl Outcome {
    pub(crate) fn new(status: Status, message: impl Into<String>) -> Self {
        Outcome {
            status,
            customer_id: None,
            field: None,
            column: None,
            value: None,
            reason: None,
            message: message.into(),
        }
    }
}

/// A registered row: its position in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct RowId(pub u32);
