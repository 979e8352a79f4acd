//! The sandbox as a server other programs can reach: a slow body is answered 408 and its
//! connection closed, connections over the cap wait their turn, a web page's cross-site form post
//! cannot change the control API's state, and a Host that is not this machine is refused.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{start, start_default};
use ontime_sandbox::SandboxConfig;

/// Sends raw `request` bytes and reads the answer until the server closes the connection.
async fn raw(addr: std::net::SocketAddr, request: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.expect("connects");
    stream.write_all(request.as_bytes()).await.expect("sent");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("read");
    String::from_utf8_lossy(&answer).into_owned()
}

/// With room for one connection, a client that stops halfway through its body holds that room
/// until the body timeout: it is answered 408 and closed, and only then is the next connection
/// served. The slow connection's answer and close are already there when the second is answered.
#[tokio::test]
async fn a_slow_body_is_cut_off_and_connections_over_the_cap_wait() {
    let api = start(SandboxConfig {
        max_connections: 1,
        body_timeout: Duration::from_millis(300),
        ..SandboxConfig::default()
    })
    .await;
    let mut slow = TcpStream::connect(api.sandbox.addr())
        .await
        .expect("connects");
    let head = "POST /sites/sandbox/api/customer/post HTTP/1.1\r\nHost: 127.0.0.1\r\n\
                Authorization: sandbox-key\r\nContent-Type: application/json\r\n\
                Content-Length: 100\r\n\r\n{\"Na";
    slow.write_all(head.as_bytes()).await.expect("sent");
    let answer = api.get("api/customers").await;
    assert_eq!(answer.status(), StatusCode::OK);
    // Read what the slow connection holds without waiting: its 408, then the end.
    let mut got = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match slow.try_read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buffer[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                panic!("the slow connection was still open while another was served: {got:?}")
            }
            Err(e) => panic!("{e}"),
        }
    }
    let got = String::from_utf8_lossy(&got);
    assert!(got.starts_with("HTTP/1.1 408"), "{got}");
    assert!(got.contains("did not arrive in time"), "{got}");
    assert!(api.sandbox.customers().is_empty(), "nothing stored");
}

/// What a web page on another site can send without asking first (a form post, no custom
/// header) changes nothing: the quota stays spent, the customers stay.
#[tokio::test]
async fn cross_site_form_posts_to_the_control_api_are_refused() {
    let api = start_default().await;
    api.create(super::acme("1")).await;
    let spent = api
        .http
        .put(api.control("quota"))
        .json(&json!({"daily_used": 500}))
        .send()
        .await
        .expect("answer");
    assert_eq!(spent.status(), StatusCode::OK);
    for (method, path, content_type) in [
        (
            reqwest::Method::POST,
            "quota/reset",
            "application/x-www-form-urlencoded",
        ),
        (reqwest::Method::POST, "stats/reset", "text/plain"),
        (
            reqwest::Method::POST,
            "quota/reset",
            "multipart/form-data; boundary=x",
        ),
        (reqwest::Method::DELETE, "customers", "text/plain"),
    ] {
        let answer = api
            .http
            .request(method.clone(), api.control(path))
            .header("Origin", "https://evil.example")
            .header("Content-Type", content_type)
            .body("a=1")
            .send()
            .await
            .expect("answer");
        let status = answer.status();
        let text = answer.text().await.unwrap_or_default();
        assert_eq!(
            status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{method} {path}: {text}"
        );
        assert!(text.contains("Content-Type: application/json"), "{text}");
    }
    let quota: serde_json::Value = api.control_get("quota").await;
    assert_eq!(quota["daily_used"], 500, "{quota}");
    assert_eq!(api.sandbox.customers().len(), 1);
    assert_eq!(
        api.sandbox.stats().endpoint_total("POST api/customer/post"),
        1
    );
}

/// A page served from a name that resolves to 127.0.0.1 sends that name as Host: refused, for
/// the API and the control API alike; loopback names are served.
#[tokio::test]
async fn a_host_that_is_not_this_machine_is_refused() {
    let api = start_default().await;
    let addr = api.sandbox.addr();
    let port = addr.port();
    for path in ["/__sandbox/stats", "/sites/sandbox/api/customers"] {
        let request = |host: &str| {
            format!(
                "GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: sandbox-key\r\nConnection: close\r\n\r\n"
            )
        };
        let answer = raw(addr, &request(&format!("evil.example:{port}"))).await;
        assert!(answer.starts_with("HTTP/1.1 400"), "{path}: {answer}");
        assert!(answer.contains("does not name this machine"), "{answer}");
        for host in [format!("localhost:{port}"), format!("127.0.0.1:{port}")] {
            let answer = raw(addr, &request(&host)).await;
            assert!(
                answer.starts_with("HTTP/1.1 200"),
                "{host} {path}: {answer}"
            );
        }
    }
    assert_eq!(
        api.sandbox.stats().total,
        2,
        "refused requests are not API requests"
    );
}
