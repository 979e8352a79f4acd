//! The cost before the spending: after the first request and before the first post, the
//! expected requests, the time at `--rate` and the quota left; where a run too big for the
//! quota stops. Tests run with stdin not a terminal: the run never asks, never blocks.

use serde_json::json;

use super::*;
use crate::upload::customers_csv;

/// The estimate's lines of stderr, the reset times (which follow the clock) replaced.
fn estimate_lines(stderr: &str) -> String {
    let lines: Vec<String> = stderr
        .lines()
        .skip_while(|line| !line.starts_with("estimate:"))
        .take_while(|line| {
            ["estimate:", "quota left:", "the quota left"]
                .iter()
                .any(|start| line.starts_with(start))
        })
        .map(|line| {
            let mut out = String::new();
            let mut rest = line;
            while let Some(at) = rest.find("resets ") {
                out.push_str(&rest[..at]);
                out.push_str("resets [reset]");
                let end = rest[at..].find(')').map_or(rest.len(), |end| at + end);
                rest = &rest[end..];
            }
            out.push_str(rest);
            out
        })
        .collect();
    lines.join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_estimate_is_said_before_sending_and_a_run_without_a_terminal_never_asks() {
    let e = env_default().await;
    e.set_quota(json!({"daily_limit": 5000, "monthly_limit": 100000, "daily_used": 1000, "monthly_used": 40000}))
        .await;
    e.input(&customers_csv(5));
    let run = e.run(&["--reserve", "100"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("estimate_of_a_small_run", estimate_lines(&run.stderr));
    assert_eq!(e.sb.customers().len(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_bigger_than_the_quota_says_where_it_stops_and_goes_on_without_asking() {
    let e = env_default().await;
    // The first request (the account's listing) leaves 5 for the 9 creates.
    e.set_quota(json!({"daily_limit": 6, "monthly_limit": null}))
        .await;
    e.input(&customers_csv(9));
    let run = e.run(&["--concurrency", "1"]).await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    insta::assert_snapshot!("estimate_above_the_quota", estimate_lines(&run.stderr));
    assert_eq!(
        e.sb.customers().len(),
        5,
        "sent up to the quota, as without an estimate"
    );
    assert!(
        !run.stderr.contains("[y/N]"),
        "never asks without a terminal"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plan_says_the_same_estimate_of_its_lookups() {
    let e = small_case().await;
    e.set_quota(json!({"daily_limit": 5000, "monthly_limit": null, "daily_used": 0}))
        .await;
    let run = e.run(&["--plan"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("estimate_of_a_plan", estimate_lines(&run.stderr));
    assert_eq!(e.posts(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_counts_the_customers_the_ledger_knows_as_updates() {
    let e = env_default().await;
    e.input(&customers_csv(4));
    assert_eq!(e.run(&[]).await.code, 0);
    e.work
        .write("in.csv", customers_csv(6).replace("@x.com", "@y.com"));
    let run = e.run(&["--plan"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "estimate: about 6 requests for 6 customers: 2 lookups, 0 creates, up to 0 updates, 4 records fetched by the ledger's ID;"
        ),
        "{}",
        run.stderr
    );
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "estimate: about 9 requests for 6 customers: 2 lookups, 2 creates, up to 4 updates, 0 records fetched by the ledger's ID, 1 change queries (nobody else changed the ledger's copies);"
        ),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("[y/N]"), "{}", run.stderr);
}

/// Runs the import under `script`, whose pseudo-terminal makes stdin and stderr terminals,
/// typing `answer`; what the terminal showed, and the exit code.
async fn on_a_terminal(e: &Env, extra: &[&str], answer: &str) -> (String, i32) {
    use tokio::io::AsyncWriteExt;
    let quoted: Vec<String> = std::iter::once(crate::util::binary().display().to_string())
        .chain(e.args(extra))
        .map(|arg| format!("'{}'", arg.replace('\'', r"'\''")))
        .collect();
    let mut command = tokio::process::Command::new("script");
    command
        .args(["-q", "-e", "-c", &quoted.join(" "), "/dev/null"])
        .current_dir(e.work.dir())
        .env("ONTIME_API_KEY", &e.key)
        .env("NO_COLOR", "1")
        .env_remove("RUST_LOG")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    let mut child = command.spawn().expect("util-linux script runs");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(answer.as_bytes()).await.unwrap();
    let output = child.wait_with_output().await.unwrap();
    let shown = String::from_utf8_lossy(&output.stdout).into_owned();
    (shown, output.status.code().unwrap_or(-1))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_terminal_a_run_above_the_quota_asks_and_a_no_sends_nothing() {
    let e = env_default().await;
    e.set_quota(json!({"daily_limit": 6, "monthly_limit": null}))
        .await;
    e.input(&customers_csv(9));
    let (shown, code) = on_a_terminal(&e, &[], "n\n").await;
    assert!(shown.contains("send these requests? [y/N]"), "{shown}");
    assert_eq!(code, 3, "{shown}");
    assert_eq!(e.posts(), 0, "{:?}", e.log());
    assert_eq!(
        e.sb.stats().total,
        1,
        "only the first request: {:?}",
        e.log()
    );
    let report = e.report();
    assert_eq!(report.len(), 9);
    for (at, line) in report.iter().enumerate() {
        let want = format!(
            "{},not_sent,{},not sent: the estimate was not confirmed; run again and answer y, or add --yes",
            at + 2,
            1001 + at
        );
        assert_eq!(line, &want);
    }

    let (shown, code) = on_a_terminal(&e, &["--yes"], "").await;
    assert!(!shown.contains("[y/N]"), "{shown}");
    assert_eq!(code, 3, "stops at the quota: {shown}");
    assert_eq!(e.sb.customers().len(), 4, "the quota's 6 less two listings");
}
