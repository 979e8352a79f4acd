//! Staging what people and time do to a sandbox, over its control API (`docs/sandbox.md`): move
//! its clock, edit a customer as a person in OnTime would, script an event during a run, read
//! each record's times. `base` is the sandbox's base URL (`http://127.0.0.1:PORT`), so these work
//! for an in-process sandbox and for the `sandbox` command alike. None of these is counted as an
//! API request.
//!
//! Staging the three moments of the change-detection guarantee:
//! - between runs: `advance_clock(base, 120)`, then `edit_as_person(base, id, fields)`;
//! - during a run, more than a minute after the tool posted a customer:
//!   `add_event(base, json!({"after_posts_of_account": "1001", "advance": "61s",
//!   "edit": {"account_number": "1001", "fields": {...}}}))` (the clock moves first, then the edit);
//! - during a run, more than a minute before the tool reaches a customer: two events at the same
//!   early request, `{"after_requests": 1, "edit": {"id": ..., "fields": {...}}}` then
//!   `{"after_requests": 1, "advance": "61s"}` (events due together fire in the order added).

use serde_json::{Value, json};

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

async fn get(url: String) -> Value {
    client()
        .get(url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn send(method: reqwest::Method, url: String, body: &Value) -> Value {
    let response = client()
        .request(method, &url)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let answer: Value = response.json().await.unwrap();
    assert!(status.is_success(), "{url}: {status} {answer}");
    answer
}

/// Moves the sandbox's clock forward by `secs`; returns `{now, date, offset_seconds}`.
pub async fn advance_clock(base: &str, secs: u64) -> Value {
    let url = format!("{base}/__sandbox/clock");
    send(reqwest::Method::POST, url, &json!({ "advance": secs })).await
}

/// The sandbox's clock: `{now, date, offset_seconds}`.
pub async fn sandbox_clock(base: &str) -> Value {
    let url = format!("{base}/__sandbox/clock");
    get(url).await
}

/// Changes the given properties of customer `id` as a person in OnTime would (its modification
/// time moves to the sandbox's now); returns the record.
pub async fn edit_as_person(base: &str, id: &str, fields: Value) -> Value {
    let url = format!("{base}/__sandbox/customers/{id}/edit");
    send(reqwest::Method::POST, url, &fields).await
}

/// Adds a scripted event (see `docs/sandbox.md`); returns it as stored.
pub async fn add_event(base: &str, event: Value) -> Value {
    send(
        reqwest::Method::POST,
        format!("{base}/__sandbox/events"),
        &event,
    )
    .await
}

/// `{handled, pending, fired}`: whether the staged events fired, and what they did.
pub async fn events(base: &str) -> Value {
    let url = format!("{base}/__sandbox/events");
    get(url).await
}

/// `{ID: {"created": ..., "modified": ...}}` for every customer (RFC 3339, the sandbox's clock).
pub async fn customer_times(base: &str) -> Value {
    let url = format!("{base}/__sandbox/customers/times");
    get(url).await
}
