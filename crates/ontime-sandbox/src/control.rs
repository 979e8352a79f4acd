//! Inspection and control under `/__sandbox/`, a prefix the real service does not have: the
//! records, the counters, the quota and the faults of this server. No key is needed.
//!
//! Invariant: nothing here is counted in the statistics or against the quota, so inspecting a
//! sandbox never changes what a test measures.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};

use super::faults::{Faults, ScriptedFault};
use super::state::Shared;
use super::store;

/// The `/__sandbox` routes.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/__sandbox", get(help))
        .route("/__sandbox/", get(help))
        .route(
            "/__sandbox/customers",
            get(customers).post(insert_customer).delete(clear_customers),
        )
        .route("/__sandbox/stats", get(stats))
        .route("/__sandbox/stats/reset", post(reset_stats))
        .route("/__sandbox/requests", get(requests))
        .route("/__sandbox/quota", get(quota).put(set_quota))
        .route("/__sandbox/quota/reset", post(reset_quota))
        .route("/__sandbox/faults", get(faults).put(set_faults))
        .route("/__sandbox/faults/scripted", post(add_scripted))
        .route("/__sandbox/seed", post(reseed))
        .route("/__sandbox/save", post(save))
}

async fn help() -> Json<Value> {
    Json(json!({
        "GET /__sandbox/customers": "every stored customer, as GET api/customers/{id} shows it",
        "GET /__sandbox/customers/times": "{ID: {created, modified}} for every customer, by the sandbox's clock",
        "POST /__sandbox/customers/{id}/edit": "edit as a person in OnTime would: merge the given Customer properties, stamp the clock's now; answers the record",
        "POST /__sandbox/customers": "store a customer JSON as given, without a request; answers its ID",
        "DELETE /__sandbox/customers": "delete every customer",
        "GET /__sandbox/stats": "requests per endpoint and outcome, 429s, dropped, most in one second",
        "POST /__sandbox/stats/reset": "zero the statistics and the request log",
        "GET /__sandbox/requests": "the last 10,000 API requests: method, target, endpoint, outcome",
        "GET /__sandbox/quota": "limits, used, remaining and resets",
        "PUT /__sandbox/quota": "change daily_limit, monthly_limit (null = none), daily_used, monthly_used",
        "POST /__sandbox/quota/reset": "set the daily and monthly counters to zero",
        "GET /__sandbox/faults": "the fault settings",
        "PUT /__sandbox/faults": "replace the fault settings (absent fields take their defaults)",
        "POST /__sandbox/faults/scripted": "add one scripted fault {account_number, kind, times}",
        "POST /__sandbox/seed": "restart the fault generator: {\"seed\": N}",
        "POST /__sandbox/save": "write the --data file now",
        "GET /__sandbox/clock": "the sandbox's clock: {now, date, offset_seconds}",
        "POST /__sandbox/clock": "move the clock forward: {\"advance\": \"90s\"} (or \"2m\", \"1h\", a number of seconds)",
        "GET /__sandbox/events": "scripted events: handled (API requests so far), pending, fired",
        "POST /__sandbox/events": "add one: {after_requests: N | after_posts_of: ID | after_posts_of_account: A, advance?, edit?: {id | account_number, fields}}",
        "DELETE /__sandbox/events": "forget the pending and fired events",
    }))
}

async fn customers(State(shared): State<Arc<Shared>>) -> Json<Vec<Value>> {
    Json(shared.customers())
}

async fn insert_customer(State(shared): State<Arc<Shared>>, Json(body): Json<Value>) -> Response {
    if !body.is_object() {
        return bad_request("the body must be a Customer JSON object");
    }
    let id = shared.insert_customer(&body);
    (StatusCode::CREATED, Json(json!({ "ID": id }))).into_response()
}

async fn clear_customers(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.clear_customers();
    StatusCode::NO_CONTENT
}

async fn stats(State(shared): State<Arc<Shared>>) -> Json<super::Stats> {
    Json(shared.stats())
}

async fn requests(State(shared): State<Arc<Shared>>) -> Json<Vec<super::RequestRecord>> {
    Json(shared.requests())
}

async fn reset_stats(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.reset_stats();
    StatusCode::NO_CONTENT
}

async fn quota(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(quota_view(&shared))
}

fn quota_view(shared: &Shared) -> Value {
    let mut inner = shared.lock();
    let h = inner.quota.headers(shared.clock.now());
    let q = &inner.quota;
    json!({
        "daily_limit": q.daily_limit,
        "daily_used": q.daily_used,
        "daily_remaining": h.daily_remaining,
        "daily_reset": h.daily_reset,
        "monthly_limit": q.monthly_limit,
        "monthly_used": q.monthly_used,
        "monthly_remaining": h.monthly.map(|m| m.1),
        "monthly_reset": h.monthly.map(|m| m.2),
    })
}

/// A partial change of the quota; absent fields stay as they are.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QuotaChange {
    daily_limit: Option<u64>,
    /// `null` removes the monthly limit.
    #[serde(default, deserialize_with = "present")]
    monthly_limit: Option<Option<u64>>,
    daily_used: Option<u64>,
    monthly_used: Option<u64>,
}

/// Tells a property given as `null` (`Some(None)`) from one left out (`None`).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<u64>>, D::Error> {
    Option::<u64>::deserialize(d).map(Some)
}

async fn set_quota(
    State(shared): State<Arc<Shared>>,
    Json(change): Json<QuotaChange>,
) -> Json<Value> {
    {
        let mut inner = shared.lock();
        let q = &mut inner.quota;
        q.roll(shared.clock.now());
        q.daily_limit = change.daily_limit.unwrap_or(q.daily_limit);
        q.monthly_limit = change.monthly_limit.unwrap_or(q.monthly_limit);
        q.daily_used = change.daily_used.unwrap_or(q.daily_used);
        q.monthly_used = change.monthly_used.unwrap_or(q.monthly_used);
    }
    shared.touch();
    Json(quota_view(&shared))
}

async fn reset_quota(State(shared): State<Arc<Shared>>) -> Json<Value> {
    shared.reset_quota();
    Json(quota_view(&shared))
}

async fn faults(State(shared): State<Arc<Shared>>) -> Json<Faults> {
    Json(shared.faults())
}

async fn set_faults(State(shared): State<Arc<Shared>>, Json(faults): Json<Faults>) -> Response {
    if let Err(e) = faults.validate() {
        return bad_request(&e);
    }
    shared.set_faults(faults);
    Json(shared.faults()).into_response()
}

async fn add_scripted(
    State(shared): State<Arc<Shared>>,
    Json(fault): Json<ScriptedFault>,
) -> Json<Faults> {
    shared.lock().faults.scripted.push(fault);
    Json(shared.faults())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Seed {
    seed: u64,
}

async fn reseed(State(shared): State<Arc<Shared>>, Json(seed): Json<Seed>) -> StatusCode {
    shared.reseed(seed.seed);
    StatusCode::NO_CONTENT
}

async fn save(State(shared): State<Arc<Shared>>) -> Response {
    if shared.data_file.is_none() {
        return bad_request("this sandbox was started without --data");
    }
    match store::save(&shared).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => {
            let body = Json(json!({ "Message": e.to_string() }));
            (StatusCode::INTERNAL_SERVER_ERROR, body).into_response()
        }
    }
}

fn bad_request(message: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "Message": message }))).into_response()
}
