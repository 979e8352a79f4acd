//! `/__sandbox/`: inspection and control over HTTP, and `--data` persistence.

use std::time::Duration;

use ontime_sandbox::{self as sandbox, SandboxConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{Api, acme, id_of, start, start_default};

impl Api {
    async fn control_send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        // A control request that changes something must say it is JSON, body or not.
        let request = self.http.request(method, self.control(path));
        let request = match body {
            Some(body) => request.json(&body),
            None => request.header("Content-Type", "application/json"),
        };
        request.send().await.expect("answer")
    }
}

#[tokio::test]
async fn control_records_and_stats() {
    let api = start_default().await;
    let help = api.control_get("").await;
    assert!(help.get("GET /__sandbox/stats").is_some());
    let created = api.create(acme("1")).await;
    assert_eq!(api.control_get("customers").await, json!([created]));
    let seeded = api
        .control_send(
            reqwest::Method::POST,
            "customers",
            Some(json!({"Name": "Seeded"})),
        )
        .await;
    assert_eq!(seeded.status(), StatusCode::CREATED);
    let seeded_id = id_of(&seeded.json::<Value>().await.expect("JSON"));
    assert_eq!(api.fetch(&seeded_id).await["Name"], "Seeded");
    let stats = api.control_get("stats").await;
    assert_eq!(stats["total"], 2);
    assert_eq!(stats["by_endpoint"]["POST api/customer/post"]["201"], 1);
    assert_eq!(stats["by_endpoint"]["GET api/customers/{id}"]["200"], 1);
    assert!(stats["max_per_second"].as_u64() >= Some(1));
    let reset = api
        .control_send(reqwest::Method::POST, "stats/reset", None)
        .await;
    assert_eq!(reset.status(), StatusCode::NO_CONTENT);
    assert_eq!(api.sandbox.stats().total, 0);
    assert!(api.sandbox.requests().is_empty());
    let cleared = api
        .control_send(reqwest::Method::DELETE, "customers", None)
        .await;
    assert_eq!(cleared.status(), StatusCode::NO_CONTENT);
    assert!(api.sandbox.customers().is_empty());
}

#[tokio::test]
async fn control_quota() {
    let api = start_default().await;
    api.get("api/customers").await;
    let quota = api.control_get("quota").await;
    assert_eq!(
        (quota["daily_used"].as_u64(), quota["daily_limit"].as_u64()),
        (Some(1), Some(86_400))
    );
    let changed = api
        .control_send(
            reqwest::Method::PUT,
            "quota",
            Some(json!({"daily_used": 86_400, "monthly_limit": null})),
        )
        .await
        .json::<Value>()
        .await
        .expect("JSON");
    assert_eq!(changed["daily_remaining"], 0);
    assert_eq!(changed["monthly_limit"], Value::Null);
    assert_eq!(
        api.get("api/customers").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    let reset = api
        .control_send(reqwest::Method::POST, "quota/reset", None)
        .await;
    assert_eq!(reset.json::<Value>().await.expect("JSON")["daily_used"], 0);
    let response = api.get("api/customers").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response
            .headers()
            .get("X-RateLimit-Limit-Monthly")
            .is_none()
    );
}

#[tokio::test]
async fn control_faults() {
    let api = start_default().await;
    let faults = api.control_get("faults").await;
    assert_eq!(faults["error_rate"], 0.0);
    assert_eq!(faults["slow_delay_ms"], 60_000);
    let bad = api
        .control_send(
            reqwest::Method::PUT,
            "faults",
            Some(json!({"error_rate": 0.8, "drop_after_store_rate": 0.5})),
        )
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let set = api
        .control_send(
            reqwest::Method::PUT,
            "faults",
            Some(json!({"error_rate": 1.0, "latency_ms": 5})),
        )
        .await;
    assert_eq!(set.status(), StatusCode::OK);
    assert_eq!(api.sandbox.faults().latency, Duration::from_millis(5));
    assert_eq!(
        api.get("api/customers").await.status(),
        StatusCode::INTERNAL_SERVER_ERROR
    );
    api.control_send(reqwest::Method::PUT, "faults", Some(json!({})))
        .await;
    let added = api
        .control_send(
            reqwest::Method::POST,
            "faults/scripted",
            Some(json!({"account_number": "9", "kind": "error500", "times": 1})),
        )
        .await;
    assert_eq!(added.status(), StatusCode::OK);
    assert_eq!(
        api.post("api/customer/post", &acme("9")).await.status(),
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(
        api.post("api/customer/post", &acme("9")).await.status(),
        StatusCode::CREATED
    );
    let seed = api
        .control_send(reqwest::Method::POST, "seed", Some(json!({"seed": 7})))
        .await;
    assert_eq!(seed.status(), StatusCode::NO_CONTENT);
    let save = api.control_send(reqwest::Method::POST, "save", None).await;
    assert_eq!(save.status(), StatusCode::BAD_REQUEST, "no --data file");
}

#[tokio::test]
async fn data_file_round_trip() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("sandbox.json");
    let config = SandboxConfig {
        data_file: Some(path.clone()),
        ..SandboxConfig::default()
    };
    let first = start(config.clone()).await;
    let created = first
        .create(json!({"Name": "Kept", "AccountNumber": "K1", "Departments": [{"Name": "D"}]}))
        .await;
    first.sandbox.stop().await.expect("saved");
    let saved: Value =
        serde_json::from_slice(&std::fs::read(&path).expect("file written")).expect("JSON");
    assert_eq!(saved["format"], 1);
    assert!(
        std::fs::read_dir(dir.path()).expect("dir").count() == 1,
        "no temporary file left"
    );

    let second = start(config).await;
    assert_eq!(second.sandbox.customers(), vec![created.clone()]);
    assert_eq!(second.list("accountNumber=K1").await, vec![id_of(&created)]);
    let response = second.get("api/customers").await;
    let remaining = response.headers()["X-RateLimit-Remaining-Daily"]
        .to_str()
        .expect("text")
        .to_string();
    assert_eq!(
        remaining, "86397",
        "the quota counters survive a restart too"
    );
    second.sandbox.shutdown().await;

    std::fs::write(&path, "not json").expect("write");
    let broken = sandbox::start(SandboxConfig {
        data_file: Some(path),
        ..SandboxConfig::default()
    })
    .await
    .expect_err("refuses a broken data file");
    assert_eq!(broken.kind(), std::io::ErrorKind::InvalidData);
}

#[tokio::test]
async fn data_file_is_written_while_running() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("live.json");
    let api = start(SandboxConfig {
        data_file: Some(path.clone()),
        ..SandboxConfig::default()
    })
    .await;
    api.create(acme("L")).await;
    let save = api.control_send(reqwest::Method::POST, "save", None).await;
    assert_eq!(save.status(), StatusCode::NO_CONTENT);
    let saved: Value =
        serde_json::from_slice(&std::fs::read(&path).expect("written")).expect("JSON");
    assert_eq!(saved["customers"][0]["customer"]["AccountNumber"], "L");
}

#[tokio::test]
async fn bad_configs_are_refused() {
    let bad = sandbox::start(SandboxConfig {
        api_key: String::new(),
        ..SandboxConfig::default()
    })
    .await
    .expect_err("empty key refused");
    assert_eq!(bad.kind(), std::io::ErrorKind::InvalidInput);
}
