//! The OnTime endpoints under `/sites/{company-id}/api/`: one handler that takes every request
//! through the same steps, in this order — count the arrival, fixed latency, per-second throttle
//! (429 + `Retry-After`), route (404/405), key (401), quota (429), permission (403), random fault
//! (500 before anything), media type (415), body checks (400), scripted fault, store, and then the
//! after-store faults (drop the connection, or answer late).
//!
//! Invariant: every answer carries the `X-RateLimit-*` headers with the counters as they stand
//! after this request; only requests with a valid key count against the quota.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use std::time::Instant;

use super::error::{ApiError, JSON};
use super::faults::{Draw, FaultKind};
use super::filter::Filter;
use super::quota::{RateHeaders, Spent};
use super::route::Route;
use super::server::ConnKill;
use super::state::Shared;
use super::stats::Outcome;
use super::validate;
use ontime_api::Entity;

/// A success: status and JSON body.
type Answer = (StatusCode, Vec<u8>);

/// Handles every request under `/sites/`.
pub(crate) async fn handle(
    State(shared): State<Arc<Shared>>,
    kill: Option<axum::Extension<ConnKill>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let latency = shared.arrive();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let route = Route::resolve(&shared.company_id, &method, uri.path());
    let endpoint = route.name();
    let (result, after) = match admit(&shared, route, &headers) {
        Err(e) => (Err(e), None),
        Ok((_, Draw::Fault(FaultKind::Error500))) => (Err(ApiError::Internal), None),
        Ok((_, Draw::Fault(FaultKind::RetryAfter429))) => (Err(ApiError::Throttled), None),
        Ok((route, draw)) => {
            // A random drop or slow answer applies whatever the request's outcome (400s too).
            let random = match draw {
                Draw::Fault(kind) => Some(kind),
                Draw::Pass => None,
            };
            match dispatch(&shared, route, &uri, &headers, &body) {
                Ok((answer, scripted)) => (Ok(answer), scripted.or(random)),
                Err(e) => (Err(e), random),
            }
        }
    };
    let target = uri.path_and_query().map_or(uri.path(), |t| t.as_str());
    let request = (method.as_str(), target);
    finish(&shared, request, endpoint, result, after, kill.map(|k| k.0)).await
}

/// The gate: throttle, route, key, quota, permission, and the random fault draw.
fn admit(shared: &Shared, route: Route, headers: &HeaderMap) -> Result<(Route, Draw), ApiError> {
    let mut inner = shared.lock();
    if let Some(max) = shared.max_per_second {
        let now = Instant::now();
        if inner.throttle.count(now) >= max as usize {
            return Err(ApiError::Throttled);
        }
        inner.throttle.push(now);
    }
    if let Route::Other(e) = route {
        return Err(e);
    }
    let key = headers
        .get(header::AUTHORIZATION)
        .map(HeaderValue::as_bytes);
    let is = |k: Option<&String>| k.is_some_and(|k| Some(k.as_bytes()) == key);
    let (full, readonly, denied) = (
        is(Some(&shared.api_key)),
        is(shared.readonly_key.as_ref()),
        is(shared.denied_key.as_ref()),
    );
    if !(full || readonly || denied) {
        return Err(ApiError::Unauthorized);
    }
    let consumed = inner.quota.try_consume(Utc::now());
    shared.touch();
    if let Err(spent) = consumed {
        return Err(ApiError::QuotaExhausted(quota_message(spent, &inner.quota)));
    }
    if denied {
        let message = "This API key has not been granted any permission; an administrator must allow it first.";
        return Err(ApiError::Forbidden(message.into()));
    }
    if readonly && route.is_post() {
        let message = "This API key may read but has no permission to create or update records.";
        return Err(ApiError::Forbidden(message.into()));
    }
    let draw = {
        let inner = &mut *inner;
        inner.faults.draw(&mut inner.rng)
    };
    Ok((route, draw))
}

fn quota_message(spent: Spent, quota: &super::quota::Quota) -> String {
    match spent {
        Spent::Daily => format!(
            "The daily limit of {} API requests has been reached; it resets at 00:00 UTC.",
            quota.daily_limit
        ),
        Spent::Monthly => format!(
            "The monthly limit of {} API requests has been reached; it resets at 00:00 UTC on the 1st.",
            quota.monthly_limit.unwrap_or_default()
        ),
    }
}

/// Runs an admitted request. Returns the answer and the scripted after-store fault, if any.
fn dispatch(
    shared: &Shared,
    route: Route,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(Answer, Option<FaultKind>), ApiError> {
    if route.is_post() {
        check_json_content_type(headers)?;
    }
    match route {
        Route::CustomerList => {
            let filter = Filter::from_uri(uri)?;
            let mut inner = shared.lock();
            let ids: Vec<String> = inner
                .records
                .list(&filter)
                .into_iter()
                .map(|c| c.id.to_string())
                .collect();
            Ok(((StatusCode::OK, to_bytes(&ids)), None))
        }
        Route::CustomerGet(raw) => {
            let id = uuid::Uuid::parse_str(&raw).map_err(|_| {
                ApiError::BadRequest(format!("The id '{raw}' in the address is not a Guid."))
            })?;
            let inner = shared.lock();
            let customer = inner
                .records
                .get(id)
                .ok_or_else(|| ApiError::NotFound(format!("No customer has the ID '{id}'.")))?;
            Ok(((StatusCode::OK, to_bytes(customer)), None))
        }
        Route::CustomerPost => post_customer(shared, body),
        Route::DepartmentPost => post_child(shared, Entity::Department, body),
        Route::ContactPost => post_child(shared, Entity::Contact, body),
        Route::Other(e) => Err(e),
    }
}

fn post_customer(shared: &Shared, body: &[u8]) -> Result<(Answer, Option<FaultKind>), ApiError> {
    let body = validate::customer(validate::object(body)?)?;
    let mut inner = shared.lock();
    let scripted = body
        .account_number()
        .and_then(|account| inner.faults.take_scripted(account));
    let after = before_store(scripted)?;
    let customer = inner.records.post_customer(body, Utc::now())?;
    let bytes = to_bytes(customer);
    shared.touch();
    Ok(((StatusCode::CREATED, bytes), after))
}

fn post_child(
    shared: &Shared,
    entity: Entity,
    body: &[u8],
) -> Result<(Answer, Option<FaultKind>), ApiError> {
    let body = validate::child(validate::object(body)?, entity)?;
    let mut inner = shared.lock();
    let parent = body.customer_id.and_then(|id| inner.records.get(id));
    let account = parent.and_then(|c| c.field("AccountNumber").as_str().map(str::to_owned));
    let scripted = account.and_then(|a| inner.faults.take_scripted(&a));
    let after = before_store(scripted)?;
    let child = inner.records.post_child(entity, body, Utc::now())?;
    shared.touch();
    Ok(((StatusCode::CREATED, to_bytes(&child)), after))
}

/// Scripted faults that answer instead of storing become errors; the others wait until after.
fn before_store(scripted: Option<FaultKind>) -> Result<Option<FaultKind>, ApiError> {
    match scripted {
        Some(FaultKind::Error500) => Err(ApiError::Internal),
        Some(FaultKind::RetryAfter429) => Err(ApiError::Throttled),
        other => Ok(other),
    }
}

fn check_json_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    if super::guard::is_json(headers) {
        return Ok(());
    }
    let given = headers.get(header::CONTENT_TYPE);
    let given = given.and_then(|v| v.to_str().ok()).unwrap_or("");
    Err(ApiError::UnsupportedMediaType(given.to_string()))
}

fn to_bytes<T: serde::Serialize + ?Sized>(value: &T) -> Vec<u8> {
    // Our own records and plain vectors: serialization cannot fail.
    serde_json::to_vec(value).unwrap_or_default()
}

/// Builds the answer, adds the rate headers, counts the outcome, and applies the after-store
/// fault: drop the connection (never answer) or answer after the slow delay.
async fn finish(
    shared: &Shared,
    request: (&str, &str),
    endpoint: &'static str,
    result: Result<Answer, ApiError>,
    after: Option<FaultKind>,
    kill: Option<ConnKill>,
) -> Response {
    let quota_429 = matches!(result, Err(ApiError::QuotaExhausted(_)));
    let mut response = match result {
        Ok((status, body)) => (
            status,
            [(header::CONTENT_TYPE, HeaderValue::from_static(JSON))],
            body,
        )
            .into_response(),
        Err(e) => e.into_response(),
    };
    let status = Outcome::Status(response.status().as_u16(), quota_429);
    let dropping = matches!(after, Some(FaultKind::DropAfterStore)) && kill.is_some();
    let (rate, slow_delay) = {
        let mut inner = shared.lock();
        let outcome = if dropping { Outcome::Dropped } else { status };
        inner.counters.outcome(request, endpoint, outcome);
        (inner.quota.headers(Utc::now()), inner.faults.slow_delay)
    };
    add_rate_headers(response.headers_mut(), &rate);
    if let (true, Some(kill)) = (dropping, kill) {
        kill.0.cancel();
        // The connection task drops this future with the connection; nothing is ever sent.
        std::future::pending::<()>().await;
    }
    if after == Some(FaultKind::SlowAfterStore) {
        tokio::time::sleep(slow_delay).await;
    }
    response
}

fn add_rate_headers(headers: &mut HeaderMap, rate: &RateHeaders) {
    // Header names given to `insert` as `&'static str` must be lowercase; HTTP/1 is case-blind.
    let mut put = |name: &'static str, value: String| {
        // Decimal digits and '-' are always valid header characters.
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    };
    put("x-ratelimit-limit-daily", rate.daily_limit.to_string());
    put(
        "x-ratelimit-remaining-daily",
        rate.daily_remaining.to_string(),
    );
    put("x-ratelimit-reset-daily", rate.daily_reset.to_string());
    if let Some((limit, remaining, reset)) = rate.monthly {
        put("x-ratelimit-limit-monthly", limit.to_string());
        put("x-ratelimit-remaining-monthly", remaining.to_string());
        put("x-ratelimit-reset-monthly", reset.to_string());
    }
}
