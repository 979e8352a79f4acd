//! The key in no output, refusals before the first request, and the summary JSON.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use ontime_sandbox::{FaultKind, SandboxConfig};
use serde_json::Value;

use super::*;
use crate::util::{Run, SIMPLE_MAPPING, Work};

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
    // Every customer the rows name, the invalid one included; requests per customer count the
    // three that were sent.
    assert_eq!(json["customers"], 4);
    assert_eq!(
        json["statuses"],
        serde_json::json!({"created": 3, "invalid": 1})
    );
    // Three creates, the listing before them and the one after.
    assert_eq!(json["requests"], 5);
    assert_eq!(json["requests_per_customer"].as_f64(), Some(5.0 / 3.0));
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
            .contains("4 rows, 4 customers: 1 invalid, 3 created"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "requests sent: 5 (1.67 per customer): list 2, create 3; daily quota left: 86395"
        ),
        "{}",
        run.stderr
    );
}

/// The summary's requests by kind are the sandbox's own counts by endpoint: a first import
/// (list, creates, and the closing list of the empty-account check), a rerun with one customer
/// renamed (the list that proves the target, a read and an update), `--full` (the list, a read
/// by the ledger's ID per customer) and a run with a new ledger into the now full account (the
/// list, a lookup and a read of the record found per customer).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_by_kind_are_what_the_server_counted() {
    let e = env_default().await;
    let csv = customers_csv(4);
    e.input(&csv);
    let steps: [(&str, &[&str]); 4] = [
        ("first", &[]),
        ("renamed", &[]),
        ("full", &["--full"]),
        ("new ledger", &[]),
    ];
    for (step, extra) in steps {
        if step == "renamed" {
            e.input(&csv.replacen("Company 1001", "Company 1001 Ltd", 2));
        }
        if step == "new ledger" {
            for name in ["ledger.db", "ledger.db-wal", "ledger.db-shm"] {
                let _ = std::fs::remove_file(e.work.path(name));
            }
        }
        e.sb.reset_stats();
        let mut args = extra.to_vec();
        args.extend(["--summary-json", "summary.json"]);
        let run = e.run(&args).await;
        assert_eq!(run.code, 0, "{step}: {}", run.stderr);
        let summary: Value =
            serde_json::from_slice(&std::fs::read(e.work.path("summary.json")).unwrap()).unwrap();
        let stats = e.sb.stats();
        let served = |endpoint: &str| -> u64 {
            stats
                .by_endpoint
                .get(endpoint)
                .map_or(0, |o| o.values().sum())
        };
        let kinds = &summary["requests_by_kind"];
        let said = |kind: &str| kinds[kind].as_u64().unwrap_or(0);
        let posts = served("POST api/customer/post");
        let gets = served("GET api/customers");
        assert_eq!(said("list") + said("lookup"), gets, "{step}: {kinds}");
        assert_eq!(
            said("read"),
            served("GET api/customers/{id}"),
            "{step}: {kinds}"
        );
        assert_eq!(said("create") + said("update"), posts, "{step}: {kinds}");
        assert_eq!(summary["requests"].as_u64(), Some(stats.total), "{step}");
        let wanted: &[(&str, u64)] = match step {
            "first" => &[("list", 2), ("create", 4)],
            "renamed" => &[("list", 1), ("read", 1), ("update", 1)],
            "full" => &[("list", 1), ("read", 4)],
            // A new ledger, 4 customers to match in an account of 4: each record read once,
            // for the match and the comparison.
            _ => &[("list", 1), ("read", 4)],
        };
        let wanted: serde_json::Map<String, Value> = wanted
            .iter()
            .map(|(k, n)| (k.to_string(), Value::from(*n)))
            .collect();
        assert_eq!(kinds, &Value::Object(wanted), "{step}");
    }
}
