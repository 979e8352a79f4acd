//! A server that echoes the `Authorization` header, the API key, in what it answers: a 400's
//! message, a 500's (with the key as JSON escapes it), a redirect's `Location`. The key must
//! reach no output: not the report, the errors file, the summary, the ledger, stdout, or stderr
//! at any log level.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use ontime_sandbox::SandboxConfig;
use serde_json::json;

use super::*;

/// A key with a slash, which JSON may escape as `\/`.
const KEY: &str = "Zq9/very-secret-key-7Hx";

/// Customer 1001's create is refused 400 naming the key; 1002's first create gets a 500 naming
/// it JSON-escaped (not stored), then passes.
fn echoing(seen: &Seen) -> Act {
    let echoed = seen.auth.clone().unwrap_or_default();
    match (seen.is_create(), seen.nth) {
        (true, 0) => Act::answer(Answer::json(
            400,
            &json!({"Message": format!("Authorization '{echoed}' may not set AccountNumber")}),
        )),
        (true, 1) => Act::answer(Answer::new(
            500,
            format!(
                r#"{{"Message":"internal error for key {}"}}"#,
                echoed.replace('/', "\\/")
            ),
        )),
        _ => Act::Pass,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_echoed_by_the_server_reaches_no_output() {
    for (flag, log) in [("-vv", None), ("-vvv", Some("debug"))] {
        let config = SandboxConfig {
            api_key: KEY.into(),
            ..SandboxConfig::default()
        };
        let odd = Odd::with(config, echoing).await;
        odd.work.write("in.csv", customers_csv(2));
        odd.work.write("m.toml", SIMPLE_MAPPING);
        let ledger = odd.work.path("ledger.db").display().to_string();
        let args = [
            "in.csv",
            "-m",
            "m.toml",
            "--base-url",
            odd.proxy.base(),
            "--company-id",
            odd.sb.company_id(),
            "--state",
            &ledger,
            "--rate",
            "500",
            "--concurrency",
            "1",
            "--errors",
            "fix.csv",
            "--summary-json",
            "summary.json",
            flag,
        ];
        let mut env = vec![("ONTIME_API_KEY", KEY)];
        if let Some(log) = log {
            env.push(("RUST_LOG", log));
        }
        let run = odd.work.run_async(&args, &env).await;
        assert_eq!(run.code, 1, "{}", run.stderr);
        // The echo really happened, and was taken out.
        assert_eq!(odd.proxy.auth()[0].as_deref(), Some(KEY));
        let report = odd.report();
        assert_eq!(
            report[0],
            r#"2,failed,1001,OnTime answered 400: {"Message":"Authorization '***' may not set AccountNumber"}"#,
            "{flag}"
        );
        assert_eq!(
            report[1],
            r#"3,created,1002,created after a retry (500 Internal Server Error: {"Message":"internal error for key ***"})"#,
            "{flag}"
        );
        assert_no_key(&odd, &run);
    }
}

/// A redirect whose `Location` carries the key (as a query) stops the run naming where it
/// points, without the key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_echoed_in_a_redirect_is_not_shown() {
    let config = SandboxConfig {
        api_key: KEY.into(),
        ..SandboxConfig::default()
    };
    let odd = Odd::with(config, |seen| {
        let to = format!(
            "https://elsewhere.example/login?key={}",
            seen.auth.clone().unwrap_or_default()
        );
        Act::answer(Answer::new(302, "").header("Location", &to))
    })
    .await;
    let run = odd.import(1, &["-vv"]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("redirecting to https://elsewhere.example/login?key=***"),
        "{}",
        run.stderr
    );
    assert_no_key(&odd, &run);
}

/// Neither the run's output nor any file in the work folder holds the key.
fn assert_no_key(odd: &Odd, run: &Run) {
    let escaped = KEY.replace('/', "\\/");
    for key in [KEY, escaped.as_str()] {
        assert!(!run.stdout.contains(key), "stdout holds the key");
        assert!(!run.stderr.contains(key), "stderr holds the key");
    }
    for entry in std::fs::read_dir(odd.work.dir()).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        for key in [KEY, escaped.as_str()] {
            let found = bytes.windows(key.len()).any(|w| w == key.as_bytes());
            assert!(!found, "{} holds the key", path.display());
        }
    }
}
