//! The control endpoints that stage what people and time do to an account: the clock
//! (`/__sandbox/clock`), edits made "as a person in OnTime would"
//! (`/__sandbox/customers/{id}/edit`), each record's creation and modification times
//! (`/__sandbox/customers/times`), and scripted events that do either during a run
//! (`/__sandbox/events`).
//!
//! Invariant: like every control request, nothing here is counted in the statistics or against
//! the quota; edits and events change records only through [`edit::apply`].

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::clock::{http_date, parse_advance, rfc3339};
use super::edit;
use super::error::ApiError;
use super::events::EventSpec;
use super::state::Shared;

/// The staging routes under `/__sandbox/`.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/__sandbox/clock", get(clock).post(advance))
        .route("/__sandbox/customers/times", get(times))
        .route("/__sandbox/customers/{id}/edit", post(edit_customer))
        .route(
            "/__sandbox/events",
            get(events).post(add_event).delete(clear_events),
        )
}

async fn clock(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(clock_view(&shared))
}

fn clock_view(shared: &Shared) -> Value {
    let now = shared.clock.now();
    json!({
        "now": rfc3339(now),
        "date": http_date(now),
        "offset_seconds": shared.clock.offset_us() as f64 / 1e6,
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    advance: Value,
}

async fn advance(State(shared): State<Arc<Shared>>, Json(body): Json<Advance>) -> Response {
    match parse_advance(&body.advance) {
        Ok(by) => {
            shared.clock.advance(by);
            // The offset is kept in the data file.
            shared.touch();
            Json(clock_view(&shared)).into_response()
        }
        Err(e) => ApiError::BadRequest(e).into_response(),
    }
}

/// `{ID: {"created": ..., "modified": ...}}`, RFC 3339 with microseconds.
async fn times(State(shared): State<Arc<Shared>>) -> Json<Map<String, Value>> {
    let inner = shared.lock();
    let times = inner.records.iter().map(|c| {
        let stamps = json!({ "created": rfc3339(c.created), "modified": rfc3339(c.modified) });
        (c.id.to_string(), stamps)
    });
    Json(times.collect())
}

async fn edit_customer(
    State(shared): State<Arc<Shared>>,
    Path(raw): Path<String>,
    Json(changes): Json<Value>,
) -> Response {
    let Ok(id) = Uuid::parse_str(&raw) else {
        return ApiError::NotFound(format!("No customer has the ID '{raw}'.")).into_response();
    };
    let Value::Object(changes) = changes else {
        let e = "The body must be a JSON object of Customer properties.";
        return ApiError::BadRequest(e.into()).into_response();
    };
    let edited = {
        let mut inner = shared.lock();
        let now = shared.clock.now();
        edit::apply(&mut inner.records, id, &changes, now).map(|c| c.to_json())
    };
    match edited {
        Ok(customer) => {
            shared.touch();
            Json(customer).into_response()
        }
        Err(e) => e.into_response(),
    }
}

async fn events(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(events_view(&shared))
}

fn events_view(shared: &Shared) -> Value {
    // Plain numbers, strings and maps: serializing into a Value cannot fail.
    serde_json::to_value(&shared.lock().events).unwrap_or(Value::Null)
}

async fn add_event(State(shared): State<Arc<Shared>>, Json(spec): Json<EventSpec>) -> Response {
    let added = {
        let inner = &mut *shared.lock();
        inner.events.add(spec, &inner.records)
    };
    match added {
        Ok(event) => (axum::http::StatusCode::CREATED, Json(event)).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn clear_events(State(shared): State<Arc<Shared>>) -> Json<Value> {
    shared.lock().events.clear();
    Json(events_view(&shared))
}
