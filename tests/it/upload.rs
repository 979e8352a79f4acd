//! The uploader (issue 4) through the real binary against an in-process sandbox: retries, unknown
//! outcomes resolved by lookup, Retry-After, the quota, refused keys, Ctrl-C, the request budget
//! and reserve, and the key kept out of every output. The helpers here serve `ledger` too.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod faults;
mod quota;
mod safety;
mod stops;

use std::collections::BTreeMap;
use std::time::Duration;

use ontime_sandbox::{self as sandbox, FaultKind, Faults, Sandbox, SandboxConfig, ScriptedFault};
use serde_json::Value;

use crate::util::{Run, SIMPLE_MAPPING, Work, brief};

/// A sandbox, a work folder, and the arguments that point the binary at them.
pub struct Env {
    pub sb: Sandbox,
    pub work: Work,
    pub key: String,
}

pub async fn env(config: SandboxConfig) -> Env {
    let key = config.api_key.clone();
    let sb = sandbox::start(config).await.expect("sandbox starts");
    Env {
        sb,
        work: Work::new(),
        key,
    }
}

pub async fn env_default() -> Env {
    env(SandboxConfig::default()).await
}

/// `Acct,Company,Email,Dept,Contact` rows for customers 1001.., one row each.
pub fn customers_csv(n: usize) -> String {
    let mut text = String::from("Acct,Company,Email,Dept,Contact\n");
    for i in 0..n {
        let acct = 1001 + i;
        text.push_str(&format!(
            "{acct},Company {acct},c{acct}@x.com,Dept {acct},Contact {acct}\n"
        ));
    }
    text
}

/// `customers_csv(n)` with new e-mail addresses for `changed` (account numbers).
pub fn with_new_emails(n: usize, changed: &[usize]) -> String {
    customers_csv(n)
        .lines()
        .map(|line| {
            let acct: usize = line.split(',').next().unwrap().parse().unwrap_or(0);
            if changed.contains(&acct) {
                format!("{}\n", line.replace("@x.com", "@new.example"))
            } else {
                format!("{line}\n")
            }
        })
        .collect()
}

pub fn account(i: usize) -> String {
    (1001 + i).to_string()
}

impl Env {
    /// The arguments of an import of `in.csv` with `m.toml` into the sandbox, then `extra`.
    pub fn args(&self, extra: &[&str]) -> Vec<String> {
        let mut args: Vec<String> = ["in.csv", "-m", "m.toml", "--base-url"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        args.push(self.sb.base_url());
        args.push("--company-id".into());
        args.push(self.sb.company_id().into());
        args.push("--state".into());
        args.push(self.work.path("ledger.db").display().to_string());
        for pair in [["--rate", "500"], ["--timeout", "0.3"], ["--retries", "3"]] {
            if !extra.contains(&pair[0]) {
                args.extend(pair.map(String::from));
            }
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    }

    /// The ledger's entries with a create pending, as (key, last status), sorted.
    pub fn pending(&self) -> Vec<(String, String)> {
        let ledger = self.ledger();
        let mut pending: Vec<(String, String)> = ledger
            .all()
            .unwrap()
            .into_iter()
            .filter(|(_, entry)| entry.pending_create)
            .map(|(key, entry)| (key, entry.last_status))
            .collect();
        pending.sort();
        pending
    }

    /// The ledger's view for this sandbox's site (holding its run lock until dropped).
    pub fn ledger(&self) -> ontime_import::ledger::Ledger {
        ontime_import::ledger::Ledger::open(&self.work.path("ledger.db"), &self.site()).unwrap()
    }

    /// The sandbox's site: its base URL and company id.
    pub fn site(&self) -> ontime_import::ledger::Site {
        ontime_import::ledger::Site::parse(&self.sb.base_url(), self.sb.company_id()).unwrap()
    }

    /// Writes `in.csv` and the simple mapping.
    pub fn input(&self, csv: &str) {
        self.work.write("in.csv", csv);
        self.work.write("m.toml", SIMPLE_MAPPING);
    }

    /// Runs an import with the sandbox's key in ONTIME_API_KEY.
    pub async fn run(&self, extra: &[&str]) -> Run {
        self.run_with_key(&self.key.clone(), extra).await
    }

    pub async fn run_with_key(&self, key: &str, extra: &[&str]) -> Run {
        let args = self.args(extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.work.run_async(&args, &[("ONTIME_API_KEY", key)]).await
    }

    /// The import as a child process, to signal or kill.
    pub fn spawn(&self, extra: &[&str]) -> tokio::process::Child {
        self.spawn_with(extra, std::process::Stdio::null())
    }

    pub fn spawn_with(&self, extra: &[&str], stderr: std::process::Stdio) -> tokio::process::Child {
        let args = self.args(extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.spawn_args(&args, stderr)
    }

    /// `ontime-import ARGS` (any command) as a child process with the sandbox's key in
    /// ONTIME_API_KEY, to signal or kill.
    pub fn spawn_args(&self, args: &[&str], stderr: std::process::Stdio) -> tokio::process::Child {
        let mut command = tokio::process::Command::from(self.work.command(args));
        command
            .env("ONTIME_API_KEY", &self.key)
            .stdout(std::process::Stdio::null())
            .stderr(stderr)
            .kill_on_drop(true);
        command.spawn().expect("the binary starts")
    }

    pub fn report(&self) -> Vec<String> {
        brief(&self.work.report("in.csv.report.csv"))
    }

    /// Stored customers by AccountNumber, each with how many records hold it.
    pub fn accounts(&self) -> BTreeMap<String, usize> {
        let mut seen = BTreeMap::new();
        for c in self.sb.customers() {
            let acct = c["AccountNumber"].as_str().unwrap_or("").to_string();
            *seen.entry(acct).or_insert(0) += 1;
        }
        seen
    }

    pub fn customer(&self, acct: &str) -> Value {
        let found: Vec<Value> = self
            .sb
            .customers()
            .into_iter()
            .filter(|c| c["AccountNumber"] == acct)
            .collect();
        assert_eq!(found.len(), 1, "exactly one customer {acct}: {found:#?}");
        found.into_iter().next().unwrap_or_default()
    }

    /// `method target outcome` of every request the sandbox saw.
    pub fn log(&self) -> Vec<String> {
        self.sb
            .requests()
            .iter()
            .map(|r| {
                format!(
                    "{} {} {}",
                    r.method,
                    r.target.trim_start_matches("/sites/sandbox/"),
                    r.outcome
                )
            })
            .collect()
    }

    pub fn posts(&self) -> u64 {
        let stats = self.sb.stats();
        [
            "POST api/customer/post",
            "POST api/department/post",
            "POST api/contact/post",
        ]
        .iter()
        .map(|e| stats.endpoint_total(e))
        .sum()
    }

    /// The sandbox's quota as its control API tells it.
    pub async fn quota(&self) -> Value {
        crate::sandbox::client()
            .get(format!("{}/__sandbox/quota", self.sb.base_url()))
            .send()
            .await
            .expect("answer")
            .json()
            .await
            .expect("JSON")
    }

    pub async fn set_quota(&self, body: Value) {
        let answer = crate::sandbox::client()
            .put(format!("{}/__sandbox/quota", self.sb.base_url()))
            .json(&body)
            .send()
            .await
            .expect("answer");
        assert!(answer.status().is_success());
    }
}

pub fn scripted(acct: &str, kind: FaultKind, times: u32) -> Faults {
    Faults {
        scripted: vec![ScriptedFault {
            account_number: acct.into(),
            kind,
            times,
        }],
        slow_delay: Duration::from_millis(1500),
        ..Faults::default()
    }
}

/// `row,status,key,message` for rows 2.. with one status and message.
pub fn lines(from: usize, to: usize, status: &str, message: &str) -> Vec<String> {
    (from..to)
        .map(|i| format!("{},{status},{},{message}", i + 2, account(i)))
        .collect()
}

/// Each row of the report appears exactly once, rows 2..n+2 in order.
pub fn assert_every_row_once(report: &[String], n: usize) {
    let rows: Vec<String> = report
        .iter()
        .map(|l| l.split(',').next().unwrap_or("").to_string())
        .collect();
    let want: Vec<String> = (0..n).map(|i| (i + 2).to_string()).collect();
    assert_eq!(rows, want, "{report:#?}");
}

/// Creates a customer through OnTime's API, as dispatch would have typed it; the sandbox's
/// request counters then start from zero again. Its ID.
pub async fn typed_in_ontime(e: &Env, body: Value) -> String {
    let url = format!(
        "{}/sites/{}/api/customer/post",
        e.sb.base_url(),
        e.sb.company_id()
    );
    let answer = crate::sandbox::client()
        .post(url)
        .header("Authorization", e.sb.api_key())
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 201);
    let created: Value = answer.json().await.unwrap();
    e.sb.reset_stats();
    created["ID"].as_str().unwrap().to_string()
}
