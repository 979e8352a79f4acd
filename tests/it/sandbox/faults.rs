//! Injected faults: 500 before storing, dropped connections and slow answers after storing, fixed
//! latency, scripted faults per account number, and seeded reproducibility.

use std::time::{Duration, Instant};

use ontime_sandbox::{FaultKind, Faults, SandboxConfig, ScriptedFault};
use reqwest::StatusCode;
use serde_json::json;

use super::{acme, id_of, message, start, start_default};

fn with_faults(faults: Faults) -> SandboxConfig {
    SandboxConfig {
        faults,
        ..SandboxConfig::default()
    }
}

#[tokio::test]
async fn error_rate_answers_500_before_storing() {
    let api = start(with_faults(Faults {
        error_rate: 1.0,
        ..Faults::default()
    }))
    .await;
    let response = api.post("api/customer/post", &acme("1")).await;
    assert!(
        response
            .headers()
            .get("X-RateLimit-Remaining-Daily")
            .is_some()
    );
    message(response, StatusCode::INTERNAL_SERVER_ERROR).await;
    assert!(api.sandbox.customers().is_empty());
    assert_eq!(
        api.sandbox.stats().count("POST api/customer/post", "500"),
        1
    );
}

#[tokio::test]
async fn drop_after_store_closes_the_connection_but_stores() {
    let api = start(with_faults(Faults {
        drop_after_store_rate: 1.0,
        ..Faults::default()
    }))
    .await;
    let error = api
        .http
        .post(api.url("api/customer/post"))
        .header("Authorization", "sandbox-key")
        .json(&acme("1"))
        .send()
        .await
        .expect_err("no answer");
    assert!(!error.is_timeout(), "{error:?}");
    assert!(
        error.is_request() || error.is_connect() || error.is_body(),
        "{error:?}"
    );
    let stored = api.sandbox.customers();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["AccountNumber"], "1");
    let stats = api.sandbox.stats();
    assert_eq!(
        (
            stats.dropped,
            stats.count("POST api/customer/post", "dropped")
        ),
        (1, 1)
    );
    // The server keeps serving other connections.
    api.sandbox.set_faults(Faults::default());
    assert_eq!(api.get("api/customers").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn slow_after_store_stores_then_answers_late() {
    let delay = Duration::from_millis(300);
    let api = start(with_faults(Faults {
        slow_after_store_rate: 1.0,
        slow_delay: delay,
        ..Faults::default()
    }))
    .await;
    let impatient = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_millis(100))
        .build()
        .expect("client");
    let error = impatient
        .post(api.url("api/customer/post"))
        .header("Authorization", "sandbox-key")
        .json(&acme("1"))
        .send()
        .await
        .expect_err("times out");
    assert!(error.is_timeout(), "{error:?}");
    assert_eq!(api.sandbox.customers().len(), 1, "stored before the delay");
    let started = Instant::now();
    let response = api.post("api/customer/post", &acme("2")).await;
    assert!(started.elapsed() >= delay);
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(api.sandbox.customers().len(), 2);
}

#[tokio::test]
async fn fixed_latency_delays_every_answer() {
    let latency = Duration::from_millis(150);
    let api = start(with_faults(Faults {
        latency,
        ..Faults::default()
    }))
    .await;
    let started = Instant::now();
    assert_eq!(api.get("api/customers").await.status(), StatusCode::OK);
    assert!(started.elapsed() >= latency);
}

#[tokio::test]
async fn scripted_faults_hit_the_named_account_only() {
    let api = start(with_faults(Faults {
        scripted: vec![ScriptedFault {
            account_number: "1007".into(),
            kind: FaultKind::Error500,
            times: 2,
        }],
        ..Faults::default()
    }))
    .await;
    let mut statuses = Vec::new();
    for account in ["1007", "1008", "1007", "1007"] {
        statuses.push(
            api.post("api/customer/post", &acme(account))
                .await
                .status()
                .as_u16(),
        );
    }
    assert_eq!(statuses, [500, 201, 500, 201]);
    assert_eq!(api.sandbox.customers().len(), 2);
    assert!(api.sandbox.faults().scripted.is_empty(), "used up");

    // Children posts match through the parent's account number; 429 carries Retry-After.
    let parent = id_of(&api.sandbox.customers()[0]);
    let mut faults = Faults::default();
    faults.scripted.push(ScriptedFault {
        account_number: "1008".into(),
        kind: FaultKind::RetryAfter429,
        times: 1,
    });
    api.sandbox.set_faults(faults);
    let body = json!({"CustomerID": parent, "Name": "Ops"});
    let response = api.post("api/department/post", &body).await;
    assert_eq!(
        response.headers().get("Retry-After").map(|v| v.as_bytes()),
        Some(&b"1"[..])
    );
    message(response, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(
        api.post("api/department/post", &body).await.status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn scripted_drop_and_slow() {
    let api = start_default().await;
    api.sandbox.set_faults(Faults {
        slow_delay: Duration::from_millis(200),
        scripted: vec![
            ScriptedFault {
                account_number: "D".into(),
                kind: FaultKind::DropAfterStore,
                times: 1,
            },
            ScriptedFault {
                account_number: "S".into(),
                kind: FaultKind::SlowAfterStore,
                times: 1,
            },
        ],
        ..Faults::default()
    });
    let dropped = api
        .http
        .post(api.url("api/customer/post"))
        .header("Authorization", "sandbox-key")
        .json(&acme("D"))
        .send()
        .await;
    assert!(dropped.is_err());
    let started = Instant::now();
    assert_eq!(
        api.post("api/customer/post", &acme("S")).await.status(),
        StatusCode::CREATED
    );
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(api.sandbox.customers().len(), 2);
}

/// The status codes of `n` sequential GETs against a fresh sandbox with `seed`.
async fn run_with_seed(seed: u64, n: usize) -> Vec<u16> {
    let api = start(SandboxConfig {
        seed,
        faults: Faults {
            error_rate: 0.5,
            ..Faults::default()
        },
        ..SandboxConfig::default()
    })
    .await;
    let mut statuses = Vec::with_capacity(n);
    for _ in 0..n {
        statuses.push(api.get("api/customers").await.status().as_u16());
    }
    statuses
}

#[tokio::test]
async fn faults_are_reproducible_from_the_seed() {
    let a = run_with_seed(42, 24).await;
    let b = run_with_seed(42, 24).await;
    let c = run_with_seed(43, 24).await;
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert!(a.contains(&500) && a.contains(&200), "{a:?}");
}

#[tokio::test]
async fn wait_for_requests_resolves_on_arrival() {
    let api = start_default().await;
    let url = api.url("api/customers");
    let http = api.http.clone();
    let sender = tokio::spawn(async move {
        for _ in 0..3 {
            let _ = http.get(&url).send().await;
        }
    });
    api.sandbox.wait_for_requests(3).await;
    assert!(api.sandbox.stats().total >= 3);
    sender.await.expect("sender finished");
    // Already reached: resolves at once.
    api.sandbox.wait_for_requests(1).await;
}

#[tokio::test]
async fn concurrent_faults_are_all_accounted_for() {
    let api = start(SandboxConfig {
        seed: 3,
        faults: Faults {
            error_rate: 0.2,
            drop_after_store_rate: 0.2,
            ..Faults::default()
        },
        ..SandboxConfig::default()
    })
    .await;
    let sends = (0..100).map(|i| {
        let request = api
            .http
            .post(api.url("api/customer/post"))
            .header("Authorization", "sandbox-key")
            .json(&acme(&i.to_string()));
        async move { request.send().await.map(|r| r.status().as_u16()) }
    });
    let results = futures::future::join_all(sends).await;
    let created = results.iter().filter(|r| matches!(r, Ok(201))).count();
    let failed = results.iter().filter(|r| matches!(r, Ok(500))).count();
    let dropped = results.iter().filter(|r| r.is_err()).count();
    assert_eq!(created + failed + dropped, 100, "{results:?}");
    assert!(dropped > 0 && failed > 0);
    let stats = api.sandbox.stats();
    assert_eq!(stats.dropped as usize, dropped);
    assert_eq!(
        stats.count("POST api/customer/post", "500") as usize,
        failed
    );
    // Dropped posts were stored; failed ones were not.
    assert_eq!(api.sandbox.customers().len(), created + dropped);
}
