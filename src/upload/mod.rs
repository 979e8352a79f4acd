//! Stage 4: upload (being written).

use std::sync::{Arc, Mutex};

use crate::group::CustomerGroup;
use crate::report::Report;
use crate::settings::{Settings, Target};
use crate::summary::Stop;

/// The quota as the last answer's `X-RateLimit-*` headers told it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Quota {
    pub daily_remaining: Option<u64>,
    pub monthly_remaining: Option<u64>,
    /// RFC 3339, UTC.
    pub daily_reset: Option<String>,
}

/// What sending did, for the summary.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub requests: u64,
    pub quota: Quota,
    pub stop: Option<Stop>,
}

pub type Error = Box<dyn std::error::Error + Send + Sync>;

pub async fn upload(
    _settings: &Settings,
    _target: &Target,
    _groups: Vec<CustomerGroup>,
    _report: Arc<Mutex<Report>>,
) -> Result<Outcome, Error> {
    Err("upload is not written yet".into())
}

pub async fn plan(
    _settings: &Settings,
    _target: &Target,
    _groups: Vec<CustomerGroup>,
    _report: Arc<Mutex<Report>>,
) -> Result<Outcome, Error> {
    Err("plan is not written yet".into())
}
