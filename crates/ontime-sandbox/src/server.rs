//! The accept loop: serves the router on each TCP connection with hyper, and lets a handler close
//! its own connection without answering (the "drop after store" fault), which `axum::serve`
//! cannot do.
//!
//! Invariant: each connection task ends when the connection ends, when its [`ConnKill`] token is
//! cancelled (the socket is dropped at once, nothing more is written), or when the server stops:
//! then in-flight requests get [`GRACE`] to finish before their connections are dropped too.

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower_service::Service;

/// Put into every request's extensions: cancelling it closes that request's connection.
#[derive(Debug, Clone)]
pub struct ConnKill(pub CancellationToken);

/// How long in-flight requests may still run once the server stops.
pub const GRACE: Duration = Duration::from_secs(5);

/// Accepts connections until `stop` is cancelled; each connection runs on `tracker`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    stop: CancellationToken,
    abort: CancellationToken,
    tracker: TaskTracker,
) {
    loop {
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
        let conn = serve_connection(stream, router.clone(), stop.clone(), abort.clone());
        tracker.spawn(conn);
    }
}

async fn serve_connection(
    stream: tokio::net::TcpStream,
    router: Router,
    stop: CancellationToken,
    abort: CancellationToken,
) {
    let kill = CancellationToken::new();
    let conn_kill = ConnKill(kill.clone());
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let mut request = request.map(Body::new);
        request.extensions_mut().insert(conn_kill.clone());
        let mut router = router.clone();
        async move { Ok::<_, Infallible>(router.call(request).await.unwrap_or_else(|e| match e {})) }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
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
