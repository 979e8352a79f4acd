//! `--plan` with values (issue 17, parts 3 and 5): each change as `old → new` on screen and in
//! the report, every change in `--plan-file` (CSV or xlsx), and the estimate of the run's cost
//! before any customer is sent. Nothing is ever posted by a plan.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod estimate;
mod file;
mod screen;

use serde_json::json;

pub use crate::upload::typed_in_ontime;
use crate::upload::{Env, env_default};

/// OnTime holds customer 1001 (Acme, old@x.com, department Ops); the input renames it, changes
/// its email and adds department Sales, and brings two new customers, 1002 and 1003.
pub async fn small_case() -> Env {
    let e = env_default().await;
    typed_in_ontime(
        &e,
        json!({"Name": "Acme", "AccountNumber": "1001", "Email": "old@x.com",
               "Departments": [{"Name": "Ops"}]}),
    )
    .await;
    e.input(
        "Acct,Company,Email,Dept,Contact\n\
         1001,Acme Ltd,new@x.com,Sales,\n\
         1002,Beta,b@x.com,,\n\
         1003,Gamma,c@x.com,,\n",
    );
    e
}

/// The plan's block of stderr: from `plan:` to its last customer line (or `… and N more`).
pub fn plan_block(stderr: &str) -> String {
    let mut lines = stderr.lines().skip_while(|line| *line != "plan:");
    let mut block: Vec<&str> = lines.next().into_iter().collect();
    block.extend(lines.take_while(|line| line.starts_with("  ") || line.starts_with('…')));
    block.join("\n")
}
