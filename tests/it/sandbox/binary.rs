//! The standalone `ontime-import sandbox` command.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[tokio::test]
async fn standalone_sandbox_prints_its_address_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ontime-import"))
        .args([
            "sandbox",
            "--port",
            "0",
            "--company-id",
            "acme",
            "--api-key",
            "k1",
        ])
        .args(["--fault", "77:500:1", "--daily-limit", "50"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().expect("a first line").expect("text");
    let base = first
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .expect("the base URL on the first line")
        .to_string();
    let rest: Vec<String> = lines.by_ref().take(3).map_while(Result::ok).collect();
    assert!(rest.iter().any(|l| l.contains("acme")), "{rest:?}");
    assert!(rest.iter().any(|l| l.contains("k1")), "{rest:?}");
    let post = || {
        super::client()
            .post(format!("{base}/sites/acme/api/customer/post"))
            .header("Authorization", "k1")
            .json(&serde_json::json!({"Name": "Acme", "AccountNumber": "77"}))
            .send()
    };
    let first = post().await.expect("answer");
    assert_eq!(
        first.status(),
        reqwest::StatusCode::INTERNAL_SERVER_ERROR,
        "--fault"
    );
    let second = post().await.expect("answer");
    assert_eq!(second.status(), reqwest::StatusCode::CREATED);
    let limit = second.headers()["X-RateLimit-Limit-Daily"].to_str().ok();
    assert_eq!(limit, Some("50"), "--daily-limit");
    child.kill().expect("killed");
    child.wait().expect("reaped");
}

#[test]
fn standalone_sandbox_rejects_bad_options() {
    let output = Command::new(env!("CARGO_BIN_EXE_ontime-import"))
        .args(["sandbox", "--error-rate", "2"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("error_rate"));
}

#[cfg(unix)]
#[tokio::test]
async fn ctrl_c_writes_the_data_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ontime-import"))
        .args(["sandbox", "--port", "0", "--data"])
        .arg(&data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let first = BufReader::new(stdout)
        .lines()
        .next()
        .expect("a line")
        .expect("text");
    let base = first.rsplit(' ').next().expect("the URL").to_string();
    let response = super::client()
        .post(format!("{base}/sites/sandbox/api/customer/post"))
        .header("Authorization", "sandbox-key")
        .json(&serde_json::json!({"Name": "Saved", "AccountNumber": "42"}))
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), reqwest::StatusCode::CREATED);
    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(interrupted.success());
    let status = child.wait().expect("exits");
    assert_eq!(status.code(), Some(0));
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&data).expect("data file written")).expect("JSON");
    assert_eq!(saved["customers"][0]["customer"]["AccountNumber"], "42");
}
