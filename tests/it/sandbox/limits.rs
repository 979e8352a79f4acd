//! Authentication, quotas with their headers, and the per-second throttle.

use chrono::{Datelike, TimeZone, Utc};
use ontime_sandbox::SandboxConfig;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::json;

use super::{acme, message, start};

fn header(headers: &HeaderMap, name: &str) -> Option<i64> {
    headers.get(name)?.to_str().ok()?.parse().ok()
}

#[tokio::test]
async fn keys_401_and_403() {
    let api = start(SandboxConfig {
        readonly_key: Some("reader".into()),
        denied_key: Some("fresh".into()),
        ..SandboxConfig::default()
    })
    .await;
    let send = |key: Option<&'static str>, post: bool| {
        let request = if post {
            api.http.post(api.url("api/customer/post")).json(&acme("1"))
        } else {
            api.http.get(api.url("api/customers"))
        };
        match key {
            Some(key) => request.header("Authorization", key),
            None => request,
        }
        .send()
    };
    let unauthorized = [
        None,
        Some("wrong"),
        Some("Bearer sandbox-key"),
        Some("SANDBOX-KEY"),
    ];
    for key in unauthorized {
        let response = send(key, false).await.expect("answer");
        assert!(header(response.headers(), "X-RateLimit-Remaining-Daily").is_some());
        message(response, StatusCode::UNAUTHORIZED).await;
    }
    let response = send(Some("reader"), false).await.expect("answer");
    assert_eq!(response.status(), StatusCode::OK, "read-only key reads");
    let text = message(
        send(Some("reader"), true).await.expect("answer"),
        StatusCode::FORBIDDEN,
    )
    .await;
    assert!(text.contains("permission"), "{text}");
    message(
        send(Some("fresh"), false).await.expect("answer"),
        StatusCode::FORBIDDEN,
    )
    .await;
    assert!(api.sandbox.customers().is_empty());
    let stats = api.sandbox.stats();
    assert_eq!(stats.count("GET api/customers", "401"), 4);
    assert_eq!(stats.count("POST api/customer/post", "403"), 1);
    // Only requests with a known key count against the quota: 3 of 7.
    let response = api.get("api/customers").await;
    assert_eq!(
        header(response.headers(), "X-RateLimit-Remaining-Daily"),
        Some(86_400 - 4)
    );
}

#[tokio::test]
async fn daily_quota_gives_429_without_retry_after() {
    let api = start(SandboxConfig {
        daily_limit: 3,
        ..SandboxConfig::default()
    })
    .await;
    let now = Utc::now();
    let midnight = Utc
        .with_ymd_and_hms(now.year(), now.month(), now.day(), 0, 0, 0)
        .single()
        .expect("a valid midnight")
        + chrono::Duration::days(1);
    for remaining in [2, 1, 0] {
        let response = api.get("api/customers").await;
        assert_eq!(response.status(), StatusCode::OK);
        let h = response.headers();
        assert_eq!(header(h, "X-RateLimit-Limit-Daily"), Some(3));
        assert_eq!(header(h, "X-RateLimit-Remaining-Daily"), Some(remaining));
        assert_eq!(
            header(h, "X-RateLimit-Reset-Daily"),
            Some(midnight.timestamp())
        );
        assert_eq!(header(h, "X-RateLimit-Limit-Monthly"), Some(100_000));
        assert_eq!(
            header(h, "X-RateLimit-Remaining-Monthly"),
            Some(99_997 + remaining)
        );
        assert!(
            header(h, "X-RateLimit-Reset-Monthly").is_some_and(|t| t > midnight.timestamp() - 1)
        );
    }
    for _ in 0..2 {
        let response = api.post("api/customer/post", &acme("1")).await;
        assert!(response.headers().get("Retry-After").is_none());
        assert_eq!(
            header(response.headers(), "X-RateLimit-Remaining-Daily"),
            Some(0)
        );
        let text = message(response, StatusCode::TOO_MANY_REQUESTS).await;
        assert!(text.contains("daily"), "{text}");
    }
    assert!(api.sandbox.customers().is_empty());
    let stats = api.sandbox.stats();
    assert_eq!(
        (stats.rate_limited, stats.quota_exhausted, stats.throttled),
        (2, 2, 0)
    );
    api.sandbox.reset_quota();
    assert_eq!(api.get("api/customers").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn monthly_quota_and_no_monthly_limit() {
    let api = start(SandboxConfig {
        daily_limit: 100,
        monthly_limit: Some(2),
        ..SandboxConfig::default()
    })
    .await;
    assert_eq!(api.get("api/customers").await.status(), StatusCode::OK);
    assert_eq!(api.get("api/customers").await.status(), StatusCode::OK);
    let response = api.get("api/customers").await;
    assert_eq!(
        header(response.headers(), "X-RateLimit-Remaining-Monthly"),
        Some(0)
    );
    assert_eq!(
        header(response.headers(), "X-RateLimit-Remaining-Daily"),
        Some(98)
    );
    assert!(response.headers().get("Retry-After").is_none());
    assert!(
        message(response, StatusCode::TOO_MANY_REQUESTS)
            .await
            .contains("monthly")
    );

    let api = start(SandboxConfig {
        monthly_limit: None,
        ..SandboxConfig::default()
    })
    .await;
    let response = api.get("api/customers").await;
    assert!(
        response
            .headers()
            .get("X-RateLimit-Limit-Monthly")
            .is_none()
    );
    assert_eq!(
        header(response.headers(), "X-RateLimit-Limit-Daily"),
        Some(86_400)
    );
}

#[tokio::test]
async fn per_second_throttle_answers_429_with_retry_after() {
    let api = start(SandboxConfig {
        max_per_second: Some(2),
        ..SandboxConfig::default()
    })
    .await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let response = api.get("api/customers").await;
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(
                response.headers().get("Retry-After").map(|v| v.as_bytes()),
                Some(&b"1"[..])
            );
            assert!(
                response
                    .headers()
                    .get("X-RateLimit-Remaining-Daily")
                    .is_some()
            );
        }
        statuses.push(response.status().as_u16());
    }
    assert_eq!(&statuses[..2], [200, 200]);
    assert!(statuses.contains(&429), "{statuses:?}");
    let stats = api.sandbox.stats();
    assert!(stats.throttled >= 1 && stats.quota_exhausted == 0);
    assert!(stats.max_per_second >= 3, "{stats:?}");
    // Throttled requests are not counted against the quota.
    let ok = statuses.iter().filter(|s| **s == 200).count() as i64;
    let quota: serde_json::Value = api.control_get("quota").await;
    assert_eq!(quota["daily_used"], json!(ok));
}
