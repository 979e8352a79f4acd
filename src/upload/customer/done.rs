//! How one customer ended ([`Done`]) and the decision of its rows in the report: one outcome
//! for all of a customer's rows, with the note of a retry after an earlier run's failure.

use super::{Intent, Job, Sending, would};
use crate::report::{Outcome, Status};

/// How one customer ended.
pub(super) enum Done {
    Created {
        id: String,
        note: String,
    },
    Updated {
        id: String,
        fields: Vec<String>,
    },
    Unchanged {
        id: String,
        note: String,
    },
    /// `--plan` only.
    Would(would::Would),
    Failed {
        id: Option<String>,
        message: String,
    },
    /// Left alone by `--mode` (`skipped_exists`, `skipped_missing`).
    Skipped {
        status: Status,
        id: Option<String>,
        message: String,
    },
    NotSent(String),
}

impl Job {
    /// Decides the customer's rows; `retry` is said after the outcome of a customer that
    /// failed last time and now went through.
    pub(super) fn decide(&self, group: &Sending, mut done: Done, retry: Option<String>) {
        let planned = (self.intent == Intent::Preview).then(|| would::action(&mut done));
        if let Done::Created { id, .. } = &done
            && let Ok(mut created) = self.created.lock()
        {
            created.insert(id.clone());
        }
        let (status, id, message) = match done {
            Done::Created { id, note } => (Status::Created, Some(id), note),
            Done::Updated { id, fields } => (
                Status::Updated,
                Some(id),
                format!("updated: {}", fields.join(", ")),
            ),
            Done::Unchanged { id, note } => {
                (Status::Unchanged, Some(id).filter(|i| !i.is_empty()), note)
            }
            Done::Would(would) => (Status::Valid, would.id, would.message),
            Done::Failed { id, message } => (Status::Failed, id, message),
            Done::Skipped {
                status,
                id,
                message,
            } => (status, id, message),
            Done::NotSent(message) => (Status::NotSent, None, message),
        };
        let message = match retry {
            Some(retry)
                if matches!(
                    status,
                    Status::Created | Status::Updated | Status::Unchanged
                ) =>
            {
                message + &retry
            }
            _ => message,
        };
        if let Some(planned) = planned {
            would::record(&self.plan, group, (&id, &message), planned);
        }
        let outcome = Outcome {
            customer_id: id,
            ..Outcome::new(status, message)
        };
        self.report.decide(&group.rows, outcome);
    }
}
