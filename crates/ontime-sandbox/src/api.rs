//! The OnTime endpoints under `/sites/{company-id}/api/`: one handler that takes every request
//! through the same steps, in this order — count the arrival, fixed latency, per-second throttle
//! (429 + `Retry-After`), route (404/405), key (401), quota (429), permission (403), random fault
//! (500 before anything), media type (415), body checks (400), scripted fault, store, and then the
//! after-store faults (drop the connection, or answer late).
//!
//! Invariant: from the gate to the record change, the statistics and the scripted events, a
//! request is one step under the state's lock, at one reading of the clock: that time stamps the
//! record it changes and is its answer's `Date`. Every answer carries the `X-RateLimit-*` headers
//! with the counters as they stand after this request; only requests with a valid key count
//! against the quota.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::clock::date_header;
use super::error::{ApiError, JSON};
use super::events::Posted;
use super::faults::{Draw, FaultKind};
use super::filter::Filter;
use super::quota::{RateHeaders, Spent};
use super::route::Route;
use super::server::ConnKill;
use super::state::{Inner, Shared};
use super::stats::Outcome;
use super::validate::{self, ChildBody, CustomerBody};
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
    // Parsing and checking the body needs no lock. Its error is answered only in its place in the
    // order of checks, once the request got through the gate.
    let prepared = prepare(&route, &uri, &headers, &body);
    let target = uri.path_and_query().map_or(uri.path(), |t| t.as_str());
    let request = (method.as_str(), target, endpoint);
    let kill = kill.map(|k| k.0.0);
    let decided = decide(&shared, request, route, &headers, prepared, kill.is_some());
    finish(decided, kill).await
}

/// A request's body and parameters, parsed and checked.
enum Prepared {
    List(Filter),
    Get(Uuid),
    Customer(CustomerBody),
    Child(Entity, ChildBody),
}

fn prepare(
    route: &Route,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Prepared, ApiError> {
    if route.is_post() {
        check_json_content_type(headers)?;
    }
    match route {
        Route::CustomerList => Ok(Prepared::List(Filter::from_uri(uri)?)),
        Route::CustomerGet(raw) => uuid::Uuid::parse_str(raw).map(Prepared::Get).map_err(|_| {
            ApiError::BadRequest(format!("The id '{raw}' in the address is not a Guid."))
        }),
        Route::CustomerPost => Ok(Prepared::Customer(validate::customer(validate::object(
            body,
        )?)?)),
        Route::DepartmentPost => {
            let child = validate::child(validate::object(body)?, Entity::Department)?;
            Ok(Prepared::Child(Entity::Department, child))
        }
        Route::ContactPost => {
            let child = validate::child(validate::object(body)?, Entity::Contact)?;
            Ok(Prepared::Child(Entity::Contact, child))
        }
        Route::Other(e) => Err(e.clone()),
    }
}

/// What the locked step decided for one request.
struct Decided {
    result: Result<Answer, ApiError>,
    /// The after-store fault to apply: drop the connection, or answer late.
    after: Option<FaultKind>,
    /// The clock when the request was handled: its record stamp and its answer's `Date`.
    now: DateTime<Utc>,
    rate: RateHeaders,
    slow_delay: std::time::Duration,
}

/// The one locked step of a request: the gate, the record change, the statistics, and the
/// scripted events it makes due. Holding the lock throughout means no other request is handled
/// between this request's change and an event it fires.
fn decide(
    shared: &Shared,
    (method, target, endpoint): (&str, &str, &'static str),
    route: Route,
    headers: &HeaderMap,
    prepared: Result<Prepared, ApiError>,
    can_drop: bool,
) -> Decided {
    let mut guard = shared.lock();
    let inner = &mut *guard;
    let now = shared.clock.now();
    let mut posted = None;
    let mut changed = false;
    let (result, after) = match admit(shared, inner, &route, headers, now) {
        Err(e) => (Err(e), None),
        Ok(Draw::Fault(FaultKind::Error500)) => (Err(ApiError::Internal), None),
        Ok(Draw::Fault(FaultKind::RetryAfter429)) => (Err(ApiError::Throttled), None),
        Ok(draw) => {
            // A random drop or slow answer applies whatever the request's outcome (400s too).
            let random = match draw {
                Draw::Fault(kind) => Some(kind),
                Draw::Pass => None,
            };
            match prepared.and_then(|p| apply(inner, p, now)) {
                Ok(applied) => {
                    changed = applied.changed;
                    posted = applied.posted;
                    (Ok(applied.answer), applied.scripted.or(random))
                }
                Err(e) => (Err(e), random),
            }
        }
    };
    let status = match &result {
        Ok((status, _)) => status.as_u16(),
        Err(e) => e.status().as_u16(),
    };
    let quota_429 = matches!(result, Err(ApiError::QuotaExhausted(_)));
    let dropping = after == Some(FaultKind::DropAfterStore) && can_drop;
    let outcome = match dropping {
        true => Outcome::Dropped,
        false => Outcome::Status(status, quota_429),
    };
    inner.counters.outcome((method, target), endpoint, outcome);
    let rate = inner.quota.headers(now);
    let slow_delay = inner.faults.slow_delay;
    let events = &mut inner.events;
    let fired = events.handled(&mut inner.records, &shared.clock, posted.as_ref());
    drop(guard);
    if changed || fired {
        shared.touch();
    }
    Decided {
        result,
        after,
        now,
        rate,
        slow_delay,
    }
}

/// The gate: throttle, route, key, quota, permission, and the random fault draw.
fn admit(
    shared: &Shared,
    inner: &mut Inner,
    route: &Route,
    headers: &HeaderMap,
    now: DateTime<Utc>,
) -> Result<Draw, ApiError> {
    if let Some(max) = shared.max_per_second {
        let now = Instant::now();
        if inner.throttle.count(now) >= max as usize {
            return Err(ApiError::Throttled);
        }
        inner.throttle.push(now);
    }
    if let Route::Other(e) = route {
        return Err(e.clone());
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
    let consumed = inner.quota.try_consume(now);
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
    Ok(inner.faults.draw(&mut inner.rng))
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

/// What an admitted request did.
struct Applied {
    answer: Answer,
    /// The scripted after-store fault, if any.
    scripted: Option<FaultKind>,
    /// Whether a record changed (for the data file).
    changed: bool,
    /// The customer a `customer/post` stored (for the events).
    posted: Option<Posted>,
}

/// Runs an admitted request at time `now`.
fn apply(inner: &mut Inner, prepared: Prepared, now: DateTime<Utc>) -> Result<Applied, ApiError> {
    let read = |answer| Applied {
        answer,
        scripted: None,
        changed: false,
        posted: None,
    };
    match prepared {
        Prepared::List(filter) => {
            let ids: Vec<String> = inner
                .records
                .list(&filter)
                .into_iter()
                .map(|c| c.id.to_string())
                .collect();
            Ok(read((StatusCode::OK, to_bytes(&ids))))
        }
        Prepared::Get(id) => {
            let customer = inner
                .records
                .get(id)
                .ok_or_else(|| ApiError::NotFound(format!("No customer has the ID '{id}'.")))?;
            Ok(read((StatusCode::OK, to_bytes(customer))))
        }
        Prepared::Customer(body) => post_customer(inner, body, now),
        Prepared::Child(entity, body) => post_child(inner, entity, body, now),
    }
}

fn post_customer(
    inner: &mut Inner,
    body: CustomerBody,
    now: DateTime<Utc>,
) -> Result<Applied, ApiError> {
    let account = body.account_number().map(str::to_owned);
    let scripted = account
        .as_deref()
        .and_then(|account| inner.faults.take_scripted(account));
    let after = before_store(scripted)?;
    let customer = inner.records.post_customer(body, now)?;
    let posted = Posted {
        id: customer.id,
        account_number: account,
    };
    Ok(Applied {
        answer: (StatusCode::CREATED, to_bytes(customer)),
        scripted: after,
        changed: true,
        posted: Some(posted),
    })
}

fn post_child(
    inner: &mut Inner,
    entity: Entity,
    body: ChildBody,
    now: DateTime<Utc>,
) -> Result<Applied, ApiError> {
    let parent = body.customer_id.and_then(|id| inner.records.get(id));
    let account = parent.and_then(|c| c.field("AccountNumber").as_str().map(str::to_owned));
    let scripted = account.and_then(|a| inner.faults.take_scripted(&a));
    let after = before_store(scripted)?;
    let child = inner.records.post_child(entity, body, now)?;
    Ok(Applied {
        answer: (StatusCode::CREATED, to_bytes(&child)),
        scripted: after,
        changed: true,
        posted: None,
    })
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

/// Builds the answer with its rate and `Date` headers, and applies the after-store fault: drop
/// the connection (never answer) or answer after the slow delay.
async fn finish(decided: Decided, kill: Option<CancellationToken>) -> Response {
    let mut response = match decided.result {
        Ok((status, body)) => (
            status,
            [(header::CONTENT_TYPE, HeaderValue::from_static(JSON))],
            body,
        )
            .into_response(),
        Err(e) => e.into_response(),
    };
    add_rate_headers(response.headers_mut(), &decided.rate);
    let date = date_header(decided.now);
    response.headers_mut().insert(header::DATE, date);
    if let (Some(FaultKind::DropAfterStore), Some(kill)) = (decided.after, kill) {
        kill.cancel();
        // The connection task drops this future with the connection; nothing is ever sent.
        std::future::pending::<()>().await;
    }
    if decided.after == Some(FaultKind::SlowAfterStore) {
        tokio::time::sleep(decided.slow_delay).await;
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
