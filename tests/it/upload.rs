//! The uploader (issue 4) through the real binary against an in-process sandbox: retries, unknown
//! outcomes resolved by lookup, Retry-After, the quota, refused keys, Ctrl-C, the request budget
//! and reserve, and the key kept out of every output. The helpers here serve `ledger` too.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::collections::BTreeMap;
use std::time::Duration;

use ontime_import::sandbox::{self, FaultKind, Faults, Sandbox, SandboxConfig, ScriptedFault};
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
        let mut command = tokio::process::Command::from(self.work.command(&args));
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
fn lines(from: usize, to: usize, status: &str, message: &str) -> Vec<String> {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_500_then_success_creates_once() {
    let e = env_default().await;
    e.input(&customers_csv(3));
    e.sb.set_faults(scripted("1002", FaultKind::Error500, 1));
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = e.report();
    assert_eq!(report[0], "2,created,1001,created");
    assert!(
        report[1].starts_with("3,created,1002,created after a retry (500 Internal Server Error: "),
        "{report:?}"
    );
    assert_eq!(report[2], "4,created,1003,created");
    assert_eq!(
        e.accounts().values().copied().collect::<Vec<_>>(),
        [1, 1, 1]
    );
    let stats = e.sb.stats();
    assert_eq!(stats.count("POST api/customer/post", "500"), 1);
    assert_eq!(stats.count("POST api/customer/post", "201"), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_create_is_resolved_by_lookup() {
    let e = env_default().await;
    e.input(&customers_csv(3));
    e.sb.set_faults(scripted("1002", FaultKind::DropAfterStore, 1));
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = e.report();
    assert!(
        report[1].starts_with("3,created,1002,created (confirmed by lookup after:"),
        "{report:?}"
    );
    assert_eq!(e.accounts().get("1002"), Some(&1));
    assert_eq!(e.sb.customers().len(), 3);
    let log = e.log();
    assert_eq!(
        log.iter()
            .filter(|l| l.contains("accountNumber=1002"))
            .count(),
        1,
        "{log:#?}"
    );
    assert_eq!(e.sb.stats().count("POST api/customer/post", "dropped"), 1);
    assert_eq!(e.sb.stats().endpoint_total("POST api/customer/post"), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_create_beyond_the_timeout_is_resolved_by_lookup() {
    let e = env_default().await;
    e.input(&customers_csv(3));
    e.sb.set_faults(scripted("1002", FaultKind::SlowAfterStore, 1));
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = e.report();
    assert!(
        report[1].starts_with("3,created,1002,created (confirmed by lookup after: timed out"),
        "{report:?}"
    );
    assert_eq!(e.accounts().get("1002"), Some(&1));
    assert_eq!(e.sb.customers().len(), 3);
    assert_eq!(e.sb.stats().endpoint_total("POST api/customer/post"), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_match_key_an_unknown_outcome_is_failed_not_resent() {
    let e = env_default().await;
    e.input(&customers_csv(3));
    e.work.write(
        "m.toml",
        format!("{SIMPLE_MAPPING}\n[match]\nby = \"none\"\n"),
    );
    e.sb.set_faults(scripted("1002", FaultKind::DropAfterStore, 1));
    let run = e.run(&[]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = e.report();
    assert_eq!(report[0], "2,created,1001,created");
    assert!(
        report[1].starts_with("3,failed,1002,outcome unknown — check OnTime before re-running ("),
        "{report:?}"
    );
    assert_eq!(report[2], "4,created,1003,created");
    // One create sent for it, and no lookup at all (nothing to look up by).
    assert_eq!(e.log().iter().filter(|l| l.starts_with("GET")).count(), 0);
    assert_eq!(e.sb.stats().endpoint_total("POST api/customer/post"), 3);
    assert_eq!(e.accounts().get("1002"), Some(&1));
    // A rerun does not send it blindly either.
    e.sb.reset_stats();
    let run = e.run(&[]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = e.report();
    assert!(
        report[1].starts_with("3,failed,1002,an earlier run sent this customer's create"),
        "{report:?}"
    );
    assert_eq!(e.sb.stats().total, 0, "{:?}", e.log());
    assert_eq!(e.accounts().get("1002"), Some(&1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_with_retry_after_is_honoured() {
    let e = env_default().await;
    e.input(&customers_csv(3));
    e.sb.set_faults(scripted("1002", FaultKind::RetryAfter429, 1));
    e.work.write("m.toml", SIMPLE_MAPPING);
    let summary = e.work.path("summary.json");
    let summary_arg = summary.display().to_string();
    let run = e.run(&["--summary-json", &summary_arg]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = e.report();
    assert_eq!(report, lines(0, 3, "created", "created"));
    let stats = e.sb.stats();
    assert_eq!(stats.count("POST api/customer/post", "429"), 1);
    assert_eq!(stats.count("POST api/customer/post", "201"), 3);
    assert_eq!(e.sb.customers().len(), 3);
    // Retry-After: 1 was waited out.
    let json: Value = serde_json::from_slice(&std::fs::read(&summary).unwrap()).unwrap();
    assert!(json["elapsed_seconds"].as_f64().unwrap() >= 1.0, "{json}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_per_second_throttle_is_honoured() {
    let e = env(SandboxConfig {
        max_per_second: Some(4),
        ..SandboxConfig::default()
    })
    .await;
    e.input(&customers_csv(6));
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(e.report(), lines(0, 6, "created", "created"));
    assert!(
        e.sb.stats().throttled > 0,
        "the test must make the throttle answer 429"
    );
    assert_eq!(e.accounts().values().copied().collect::<Vec<_>>(), [1; 6]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spent_quota_stops_the_run_with_an_exact_report() {
    // 1 lookup of the account + 5 creates spend the 6 requests of the day.
    let e = env(SandboxConfig {
        daily_limit: 6,
        ..SandboxConfig::default()
    })
    .await;
    e.input(&customers_csv(9));
    let run = e.run(&["--concurrency", "1"]).await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    let reset = e.quota().await["daily_reset"].as_i64().unwrap();
    let reset = chrono::DateTime::from_timestamp(reset, 0)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut want = lines(0, 5, "created", "created");
    want.extend(lines(
        5,
        9,
        "not_sent",
        &format!("not sent: the OnTime request quota is spent until {reset}; run again after that"),
    ));
    assert_eq!(e.report(), want);
    assert_eq!(
        e.sb.stats().total,
        6,
        "no request after the quota was seen spent"
    );
    assert_eq!(e.sb.customers().len(), 5);
    assert!(
        run.stderr
            .contains("stopped early: the OnTime request quota is spent"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_without_retry_after_stops_at_once() {
    let e = env(SandboxConfig {
        daily_limit: 100,
        ..SandboxConfig::default()
    })
    .await;
    e.input(&customers_csv(4));
    e.set_quota(serde_json::json!({"daily_used": 100})).await;
    let run = e.run(&[]).await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert_eq!(e.sb.stats().total, 1, "{:?}", e.log());
    assert_eq!(e.sb.stats().quota_exhausted, 1);
    for line in e.report() {
        assert!(
            line.contains(",not_sent,") && line.contains("quota is spent until 20"),
            "{line}"
        );
    }
    assert!(e.sb.customers().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_runs_into_a_spent_quota_report_what_was_stored() {
    // With 4 in flight, answers after the quota ran out are 429s: created rows must match the
    // stored customers exactly, the others be not_sent.
    let e = env(SandboxConfig {
        daily_limit: 7,
        ..SandboxConfig::default()
    })
    .await;
    e.input(&customers_csv(12));
    let run = e.run(&["--concurrency", "4"]).await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    let report = e.report();
    assert_every_row_once(&report, 12);
    let created: Vec<String> = report
        .iter()
        .filter(|l| l.contains(",created,"))
        .map(|l| l.split(',').nth(2).unwrap().to_string())
        .collect();
    let stored: Vec<String> = e.accounts().into_keys().collect();
    let mut created_sorted = created.clone();
    created_sorted.sort();
    assert_eq!(created_sorted, stored);
    assert_eq!(
        report.iter().filter(|l| l.contains(",not_sent,")).count(),
        12 - created.len()
    );
    assert!(e.sb.stats().total <= 7 + 3, "{:?}", e.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_key_stops_after_one_request() {
    let e = env_default().await;
    e.input(&customers_csv(5));
    let run = e.run_with_key("not-the-key", &[]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(e.sb.stats().total, 1, "{:?}", e.log());
    assert!(
        run.stderr.contains("(401)") && run.stderr.contains("ONTIME_API_KEY"),
        "{}",
        run.stderr
    );
    for line in e.report() {
        assert!(
            line.contains(",not_sent,10")
                && line.contains(",not sent: OnTime refused the API key (401)"),
            "{line}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_without_permission_stops_after_one_request() {
    let e = env(SandboxConfig {
        denied_key: Some("fresh-key".into()),
        ..SandboxConfig::default()
    })
    .await;
    e.input(&customers_csv(5));
    let run = e.run_with_key("fresh-key", &[]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(e.sb.stats().total, 1, "{:?}", e.log());
    assert!(
        run.stderr.contains("(403)") && run.stderr.contains("administrator must allow"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_readonly_key_stops_at_the_first_post() {
    let e = env(SandboxConfig {
        readonly_key: Some("ro-key".into()),
        ..SandboxConfig::default()
    })
    .await;
    e.input(&customers_csv(5));
    let run = e.run_with_key("ro-key", &["--concurrency", "1"]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(
        e.log(),
        ["GET api/customers 200", "POST api/customer/post 403"]
    );
    assert!(
        run.stderr.contains("lacks permission (403)"),
        "{}",
        run.stderr
    );
    let report = e.report();
    let refused = |l: &String| {
        l.contains(",not_sent,10") && l.contains(",not sent: the API key lacks permission (403)")
    };
    assert!(report.iter().all(refused), "{report:#?}");
    // The refused create was journaled and then cleared: a rerun with a good key creates it once.
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(e.accounts().values().copied().collect::<Vec<_>>(), [1; 5]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_finishes_in_flight_and_reports_the_rest_not_sent() {
    let n = 30;
    let e = env_default().await;
    e.input(&customers_csv(n));
    e.sb.set_faults(Faults {
        latency: Duration::from_millis(40),
        ..Faults::default()
    });
    let mut child = e.spawn(&["--concurrency", "2"]);
    e.sb.wait_for_requests(5).await;
    let pid = child.id().unwrap().to_string();
    let kill = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = child.wait().await.unwrap();
    assert_eq!(status.code(), Some(130));
    let report = e.report();
    assert_every_row_once(&report, n);
    let created = report.iter().filter(|l| l.contains(",created,")).count();
    let not_sent: Vec<&String> = report.iter().filter(|l| l.contains(",not_sent,")).collect();
    assert_eq!(created + not_sent.len(), n, "{report:#?}");
    assert!(!not_sent.is_empty() && created >= 4, "{report:#?}");
    assert!(
        not_sent
            .iter()
            .all(|l| l.ends_with("not sent: interrupted; run again to continue"))
    );
    assert_eq!(
        e.sb.customers().len(),
        created,
        "every create in flight finished and is reported"
    );
    // A rerun finishes the job without duplicates.
    e.sb.set_faults(Faults::default());
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = e.report();
    assert_every_row_once(&report, n);
    assert_eq!(
        report.iter().filter(|l| l.contains(",unchanged,")).count(),
        created
    );
    assert_eq!(
        report.iter().filter(|l| l.contains(",created,")).count(),
        n - created
    );
    assert_eq!(
        e.accounts().values().copied().collect::<Vec<_>>(),
        vec![1; n]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_is_in_no_output() {
    let key = "Zq9-very-secret-key-7Hx";
    let e = env(SandboxConfig {
        api_key: key.into(),
        ..SandboxConfig::default()
    })
    .await;
    // An invalid row and a failed one too, so the errors file has content.
    let mut csv = customers_csv(3);
    csv.push_str("1004,,c1004@x.com,,\n");
    e.input(&csv);
    e.sb.set_faults(scripted("1002", FaultKind::DropAfterStore, 1));
    let args = e.args(&[
        "-vvv",
        "--summary-json",
        "summary.json",
        "--errors",
        "fix.csv",
    ]);
    // The key as a flag too (it shows in `ps`, but must show nowhere the tool writes).
    let mut with_flag: Vec<&str> = vec!["--api-key", key];
    with_flag.extend(args.iter().map(String::as_str));
    let run = e.work.run_async(&with_flag, &[]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.len() > 1000, "-vvv logs: {}", run.stderr);
    assert_no_key(&e, key, &run);
    let run = e.run(&["-vvv", "--full", "--log-format", "json"]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_no_key(&e, key, &run);
    for name in ["summary.json", "fix.csv", "in.csv.report.csv", "ledger.db"] {
        assert!(e.work.path(name).exists(), "{name} was written and checked");
    }
}

/// Neither the run's output nor any file in the work folder holds `key`.
fn assert_no_key(e: &Env, key: &str, run: &Run) {
    assert!(!run.stdout.contains(key), "stdout holds the key");
    assert!(!run.stderr.contains(key), "stderr holds the key");
    for entry in std::fs::read_dir(e.work.dir()).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let found = bytes.windows(key.len()).any(|w| w == key.as_bytes());
        assert!(!found, "{} holds the key", path.display());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_requests_stops_after_exactly_n() {
    let e = env_default().await;
    e.input(&customers_csv(8));
    let run = e.run(&["--max-requests", "4"]).await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert_eq!(e.sb.stats().total, 4, "{:?}", e.log());
    let report = e.report();
    assert_every_row_once(&report, 8);
    assert_eq!(report.iter().filter(|l| l.contains(",created,")).count(), 3);
    let not_sent = report
        .iter()
        .filter(|l| l.ends_with(",not sent: --max-requests 4 reached; run again to continue"));
    assert_eq!(not_sent.count(), 5, "{report:#?}");
    assert_eq!(e.sb.customers().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reserve_keeps_the_rest_of_the_daily_quota() {
    let e = env(SandboxConfig {
        daily_limit: 20,
        ..SandboxConfig::default()
    })
    .await;
    e.input(&customers_csv(10));
    // One at a time, the count is exact.
    let run = e.run(&["--reserve", "15", "--concurrency", "1"]).await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    let quota = e.quota().await;
    assert_eq!(quota["daily_remaining"], 15, "{quota}");
    assert_eq!(e.sb.stats().total, 5, "{:?}", e.log());
    let report = e.report();
    assert_every_row_once(&report, 10);
    assert_eq!(report.iter().filter(|l| l.contains(",created,")).count(), 4);
    let message =
        "not sent: 15 requests left today and --reserve keeps 15; run again after the reset";
    assert_eq!(
        report.iter().filter(|l| l.ends_with(message)).count(),
        6,
        "{report:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reserve_holds_with_requests_in_flight() {
    // With 4 in flight, the server's remaining count may already include some of them: the
    // run may stop a little early, never late.
    let e = env(SandboxConfig {
        daily_limit: 20,
        ..SandboxConfig::default()
    })
    .await;
    e.input(&customers_csv(10));
    let run = e.run(&["--reserve", "15", "--concurrency", "4"]).await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    let remaining = e.quota().await["daily_remaining"].as_u64().unwrap();
    assert!((15..=17).contains(&remaining), "{remaining}");
    let report = e.report();
    assert_every_row_once(&report, 10);
    let created = report.iter().filter(|l| l.contains(",created,")).count();
    assert_eq!(created, e.sb.customers().len());
    assert_eq!(created as u64, 19 - remaining);
    let held_back = report
        .iter()
        .filter(|l| l.contains(",not_sent,") && l.contains("--reserve keeps 15"));
    assert_eq!(held_back.count(), 10 - created, "{report:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_key_is_refused_with_a_hint() {
    let work = Work::new();
    work.write("in.csv", customers_csv(1));
    work.write("m.toml", SIMPLE_MAPPING);
    let run = work
        .run_async(&["in.csv", "-m", "m.toml", "--company-id", "acme"], &[])
        .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("ONTIME_API_KEY") && run.stderr.contains("--sandbox"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_off_this_machine_is_refused() {
    let work = Work::new();
    work.write("in.csv", customers_csv(1));
    work.write("m.toml", SIMPLE_MAPPING);
    let args = [
        "in.csv",
        "-m",
        "m.toml",
        "--company-id",
        "acme",
        "--base-url",
        "http://example.com",
    ];
    let run = work.run_async(&args, &[("ONTIME_API_KEY", "k")]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("use https"), "{}", run.stderr);
    assert!(
        !work.path("in.csv.report.csv").exists() || work.report("in.csv.report.csv").len() <= 1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_summary_json_holds_the_figures() {
    let e = env_default().await;
    let mut csv = customers_csv(3);
    csv.push_str("1004,,c1004@x.com,,\n");
    e.input(&csv);
    let run = e.run(&["--summary-json", "summary.json"]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json: Value =
        serde_json::from_slice(&std::fs::read(e.work.path("summary.json")).unwrap()).unwrap();
    let quota = e.quota().await;
    assert_eq!(json["rows"], 4);
    assert_eq!(json["customers"], 3);
    assert_eq!(
        json["statuses"],
        serde_json::json!({"created": 3, "invalid": 1})
    );
    assert_eq!(json["requests"], 4);
    assert_eq!(json["requests_per_customer"].as_f64(), Some(4.0 / 3.0));
    assert_eq!(json["quota_remaining_daily"], quota["daily_remaining"]);
    assert_eq!(json["quota_remaining_monthly"], quota["monthly_remaining"]);
    let reset =
        chrono::DateTime::from_timestamp(quota["daily_reset"].as_i64().unwrap(), 0).unwrap();
    assert_eq!(
        json["quota_reset_daily"],
        reset.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    assert_eq!(json["stopped"], Value::Null);
    assert_eq!(json["exit_code"], 1);
    assert!(
        json["report"]
            .as_str()
            .unwrap()
            .ends_with("in.csv.report.csv")
    );
    assert!(
        run.stderr
            .contains("4 rows, 3 customers: 1 invalid, 3 created"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("requests sent: 4 (1.33 per customer); daily quota left: 86396"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quota_spent_by_the_last_request_is_not_a_stop() {
    // 1 lookup of the account + 3 creates spend exactly the 4 requests of the day.
    let e = env(SandboxConfig {
        daily_limit: 4,
        ..SandboxConfig::default()
    })
    .await;
    e.input(&customers_csv(3));
    let run = e
        .run(&["--concurrency", "1", "--summary-json", "summary.json"])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(e.report(), lines(0, 3, "created", "created"));
    assert!(!run.stderr.contains("stopped early"), "{}", run.stderr);
    assert!(run.stderr.contains("daily quota left: 0"), "{}", run.stderr);
    let json: Value =
        serde_json::from_slice(&std::fs::read(e.work.path("summary.json")).unwrap()).unwrap();
    assert_eq!(json["stopped"], Value::Null);
    assert_eq!(json["exit_code"], 0);
}

fn signal(child: &tokio::process::Child, name: &str) {
    let pid = child.id().unwrap().to_string();
    let status = std::process::Command::new("kill")
        .args([name, &pid])
        .status()
        .unwrap();
    assert!(status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_ctrl_c_quits_at_once_and_a_rerun_finishes() {
    use tokio::io::AsyncBufReadExt;
    let n = 12;
    let e = env_default().await;
    e.input(&customers_csv(n));
    // Answers take long enough that the second signal comes while requests are in flight.
    e.sb.set_faults(Faults {
        latency: Duration::from_millis(1000),
        ..Faults::default()
    });
    let mut child = e.spawn_with(&["--concurrency", "2", "-q"], std::process::Stdio::piped());
    let mut stderr = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
    e.sb.wait_for_requests(3).await;
    signal(&child, "-INT");
    while let Some(line) = stderr.next_line().await.unwrap() {
        if line.starts_with("interrupted: finishing the requests in flight") {
            break;
        }
    }
    signal(&child, "-INT");
    let started = std::time::Instant::now();
    let status = child.wait().await.unwrap();
    assert_eq!(status.code(), Some(130));
    assert!(
        started.elapsed() < Duration::from_millis(700),
        "quit without waiting for answers"
    );
    // The report on disk is a valid prefix: each row at most once, in order.
    let report = e.report();
    for (i, line) in report.iter().enumerate() {
        assert!(line.starts_with(&format!("{},", i + 2)), "{report:#?}");
    }
    e.sb.set_faults(Faults::default());
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_every_row_once(&e.report(), n);
    assert_eq!(
        e.accounts().values().copied().collect::<Vec<_>>(),
        vec![1; n]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_files_in_a_missing_folder_are_refused_before_sending() {
    let e = env_default().await;
    e.input(&customers_csv(2));
    for flag in ["--errors", "--summary-json", "--report"] {
        let run = e.run(&[flag, "no-such-folder/out.csv"]).await;
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(
            run.stderr.contains(&format!(
                "{flag} no-such-folder/out.csv: the folder no-such-folder does not exist"
            )),
            "{}",
            run.stderr
        );
    }
    assert_eq!(e.sb.stats().total, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_that_keeps_failing_gives_up_and_the_rerun_creates_it_once() {
    let e = env_default().await;
    e.input(&customers_csv(2));
    e.sb.set_faults(scripted("1002", FaultKind::Error500, 3));
    // --retries 2: three attempts, each 500, each checked by a lookup before the next.
    let run = e.run(&["--retries", "2"]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = e.report();
    assert_eq!(report[0], "2,created,1001,created");
    assert!(
        report[1].starts_with("3,failed,1002,gave up after retries: 500 Internal Server Error"),
        "{report:?}"
    );
    let stats = e.sb.stats();
    assert_eq!(stats.count("POST api/customer/post", "500"), 3);
    let lookups = e
        .log()
        .iter()
        .filter(|l| l.contains("accountNumber=1002"))
        .count();
    assert_eq!(lookups, 3, "{:?}", e.log());
    assert_eq!(e.accounts().get("1002"), None);
    // The rerun knows nothing was stored and creates it, once.
    e.sb.reset_stats();
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(e.report()[1], "3,created,1002,created");
    assert_eq!(e.accounts().get("1002"), Some(&1));
}
