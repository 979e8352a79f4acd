//! The accept loop: serves the router on each TCP connection with hyper, and lets a handler close
//! its own connection without answering (the "drop after store" fault), which `axum::serve`
//! cannot do. It also keeps one client from holding the server: at most [`Limits::connections`]
//! connections are served at once (the rest wait in the listen queue), a request's headers and
//! body must arrive within [`Limits::body_timeout`] (408, then the connection is closed), and
//! [`guard::check`](super::guard::check) runs before any body is read. Every answer carries one
//! `Date` header from the sandbox's clock (hyper's own, from the real clock, is turned off): an
//! API answer brings its own (the moment it was handled), the others get the clock's now.
//!
//! Invariant: each connection task ends when the connection ends, when its [`ConnKill`] token is
//! cancelled (the socket is dropped at once, nothing more is written), or when the server stops:
//! then in-flight requests get [`GRACE`] to finish before their connections are dropped too.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower_service::Service;

use super::clock::{Clock, date_header};
use super::error::ApiError;
use super::guard;

/// Put into every request's extensions: cancelling it closes that request's connection.
#[derive(Debug, Clone)]
pub(crate) struct ConnKill(pub(crate) CancellationToken);

/// How long in-flight requests may still run once the server stops.
pub(crate) const GRACE: Duration = Duration::from_secs(5);

/// The largest body read (axum's own default limit for a body read whole).
const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// What one client may hold of the server, and the clock its answers are dated by.
#[derive(Debug, Clone)]
pub(crate) struct Limits {
    /// Connections served at once; the next ones are accepted as these end.
    pub(crate) connections: usize,
    /// The time a request's headers, and then its body, may take to arrive.
    pub(crate) body_timeout: Duration,
    /// Dates the answers that do not carry a `Date` of their own.
    pub(crate) clock: Clock,
}

/// Accepts connections until `stop` is cancelled; each connection runs on `tracker`.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    stop: CancellationToken,
    abort: CancellationToken,
    tracker: TaskTracker,
) {
    // One permit per connection being served, taken before `accept`: a connection over the cap
    // waits in the kernel's listen queue instead of taking a file descriptor here.
    let open = Arc::new(Semaphore::new(limits.connections.max(1)));
    loop {
        let permit = tokio::select! {
            () = stop.cancelled() => break,
            permit = Arc::clone(&open).acquire_owned() => permit,
        };
        // The semaphore is never closed, so acquiring cannot fail.
        let Ok(permit) = permit else { break };
        let accepted = tokio::select! {
            () = stop.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of file descriptors and the like: wait a moment instead of spinning.
                tracing::warn!("sandbox: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        // Small answers: do not wait for Nagle.
        let _ = stream.set_nodelay(true);
        let conn = serve_connection(
            stream,
            router.clone(),
            limits.clone(),
            stop.clone(),
            abort.clone(),
        );
        tracker.spawn(async move {
            conn.await;
            drop(permit);
        });
    }
}

async fn serve_connection(
    stream: tokio::net::TcpStream,
    router: Router,
    limits: Limits,
    stop: CancellationToken,
    abort: CancellationToken,
) {
    let kill = CancellationToken::new();
    let conn_kill = ConnKill(kill.clone());
    let body_timeout = limits.body_timeout;
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let mut request = request.map(Body::new);
        request.extensions_mut().insert(conn_kill.clone());
        let (router, clock) = (router.clone(), limits.clock.clone());
        async move {
            let mut response = answer(router, request, body_timeout).await;
            let headers = response.headers_mut();
            if !headers.contains_key(header::DATE) {
                headers.insert(header::DATE, date_header(clock.now()));
            }
            Ok::<_, Infallible>(response)
        }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(body_timeout)
        // The `Date` header comes from the sandbox's clock (above), never from hyper's.
        .auto_date_header(false)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => return,
        () = kill.cancelled() => return,
        () = stop.cancelled() => conn.as_mut().graceful_shutdown(),
    }
    tokio::select! {
        _ = conn.as_mut() => {}
        () = kill.cancelled() => {}
        () = abort.cancelled() => {}
    }
}

/// Checks the request ([`guard::check`]), reads its body whole within `timeout`, then routes it.
async fn answer(mut router: Router, request: Request, timeout: Duration) -> Response {
    let (parts, body) = request.into_parts();
    if let Err(refused) = guard::check(&parts.method, parts.uri.path(), &parts.headers) {
        return refused.into_response();
    }
    let read = tokio::time::timeout(timeout, axum::body::to_bytes(body, BODY_LIMIT)).await;
    let bytes = match read {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(e)) if is_too_large(&e) => return closing(ApiError::TooLarge(BODY_LIMIT)),
        // The client went away mid-body: nobody reads an answer.
        Ok(Err(_)) => return closing(ApiError::BadRequest("The body was cut short.".into())),
        Err(_) => return closing(ApiError::Timeout),
    };
    let request = Request::from_parts(parts, Body::from(bytes));
    router.call(request).await.unwrap_or_else(|e| match e {})
}

fn is_too_large(error: &axum::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(error) = cause {
        if error.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cause = error.source();
    }
    false
}

/// An error answer after which the connection is closed (the rest of the body is not read).
fn closing(error: ApiError) -> Response {
    let mut response = error.into_response();
    let close = HeaderValue::from_static("close");
    response.headers_mut().insert(header::CONNECTION, close);
    response
}
