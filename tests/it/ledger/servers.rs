//! Small hand-made servers that answer what the sandbox never does: a lookup that ignores its
//! filter, 2xx answers with bodies that cannot be read.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use serde_json::json;

use crate::upload::customers_csv;
use crate::util::{Run, SIMPLE_MAPPING, Work};

/// Serves `router` on 127.0.0.1:0 for the rest of the test; returns its base URL.
async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    base
}

/// Imports `customers` customers of the test layout into the server at `base` (company "acme").
async fn import(base: &str, customers: usize) -> (Work, Run) {
    let work = Work::new();
    work.write("in.csv", customers_csv(customers));
    work.write("m.toml", SIMPLE_MAPPING);
    let args = [
        "in.csv",
        "-m",
        "m.toml",
        "--base-url",
        base,
        "--company-id",
        "acme",
        "--rate",
        "500",
    ];
    let run = work.run_async(&args, &[("ONTIME_API_KEY", "k")]).await;
    (work, run)
}

/// A server that ignores lookup filters: every lookup answers its one customer, "9999". Its
/// listing names more customers than the tests import, so that they are looked up one by one.
async fn filter_ignoring_server() -> (String, std::sync::Arc<std::sync::atomic::AtomicU64>) {
    use axum::extract::RawQuery;
    use axum::routing::{get, post};
    use std::sync::atomic::{AtomicU64, Ordering};
    let posts = std::sync::Arc::new(AtomicU64::new(0));
    let counted = posts.clone();
    let one = json!({"ID": "00000000-0000-0000-0000-000000000001", "Name": "Other", "AccountNumber": "9999"});
    let record = one.clone();
    let router = axum::Router::new()
        .route(
            "/sites/acme/api/customers",
            get(|RawQuery(query): RawQuery| async move {
                let one = "00000000-0000-0000-0000-000000000001";
                match query {
                    Some(_) => axum::Json(json!([one])),
                    None => axum::Json(json!([
                        one,
                        "00000000-0000-0000-0000-000000000002",
                        "00000000-0000-0000-0000-000000000003"
                    ])),
                }
            }),
        )
        .route(
            "/sites/acme/api/customers/{id}",
            get(move || async move { axum::Json(record) }),
        )
        .route(
            "/sites/acme/api/customer/post",
            post(move || async move {
                counted.fetch_add(1, Ordering::SeqCst);
                (axum::http::StatusCode::CREATED, axum::Json(one))
            }),
        );
    let base = serve(router).await;
    (base, posts)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_found_with_another_key_is_never_overwritten() {
    let (base, posts) = filter_ignoring_server().await;
    let (work, run) = import(&base, 2).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = crate::util::brief(&work.report("in.csv.report.csv"));
    assert_eq!(
        report[0],
        "2,failed,1001,the lookup by accountNumber \"1001\" answered customer 00000000-0000-0000-0000-000000000001, whose AccountNumber is \"9999\": not updating it; nothing was sent"
    );
    assert!(
        report[1].starts_with("3,failed,1002,the lookup by accountNumber \"1002\""),
        "{report:?}"
    );
    assert_eq!(posts.load(std::sync::atomic::Ordering::SeqCst), 0);
}

/// A server whose creates answer 201 with an empty body and whose lookups never find them
/// (stored where its reads do not see, or not at all): the create is not sent again, since a
/// success was answered; the row fails, telling to check.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_answered_success_without_an_id_is_never_sent_again() {
    use axum::routing::{get, post};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    let posts = Arc::new(AtomicU64::new(0));
    let counted = posts.clone();
    let router = axum::Router::new()
        .route(
            "/sites/acme/api/customers",
            get(|| async { axum::Json(json!([])) }),
        )
        .route(
            "/sites/acme/api/customer/post",
            post(move || async move {
                counted.fetch_add(1, Ordering::SeqCst);
                (axum::http::StatusCode::CREATED, "")
            }),
        );
    let base = serve(router).await;
    let (work, run) = import(&base, 1).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = crate::util::brief(&work.report("in.csv.report.csv"));
    assert!(
        report[0].starts_with("2,failed,1001,outcome unknown — OnTime answered the create with success but 201 Created with an unreadable answer"),
        "{report:?}"
    );
    assert_eq!(posts.load(Ordering::SeqCst), 1, "sent once");
}

/// A server whose creates store the customer but answer 201 with an empty body.
async fn mute_create_server() -> (String, std::sync::Arc<std::sync::atomic::AtomicU64>) {
    use axum::extract::{Query, State};
    use axum::routing::{get, post};
    use std::collections::HashMap;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    let posts = Arc::new(AtomicU64::new(0));
    let lookup = |State(posts): State<Arc<AtomicU64>>, Query(q): Query<HashMap<String, String>>| async move {
        let stored = posts.load(Ordering::SeqCst) > 0
            && q.get("accountNumber").map(String::as_str) == Some("1001");
        axum::Json(if stored {
            json!(["00000000-0000-0000-0000-000000000001"])
        } else {
            json!([])
        })
    };
    let create = |State(posts): State<Arc<AtomicU64>>| async move {
        posts.fetch_add(1, Ordering::SeqCst);
        (axum::http::StatusCode::CREATED, "")
    };
    let record = || async {
        axum::Json(json!({"ID": "00000000-0000-0000-0000-000000000001", "AccountNumber": "1001"}))
    };
    let router = axum::Router::new()
        .route("/sites/acme/api/customers", get(lookup))
        .route("/sites/acme/api/customers/{id}", get(record))
        .route("/sites/acme/api/customer/post", post(create))
        .with_state(posts.clone());
    let base = serve(router).await;
    (base, posts)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_answered_with_an_unreadable_body_is_resolved_by_lookup() {
    let (base, posts) = mute_create_server().await;
    let (work, run) = import(&base, 1).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = crate::util::brief(&work.report("in.csv.report.csv"));
    assert!(report[0].starts_with("2,created,1001,created (confirmed by lookup after: 201 Created with an unreadable answer"), "{report:?}");
    assert_eq!(posts.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_answered_with_an_unreadable_body_is_done() {
    use axum::routing::{get, post};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    let id = "00000000-0000-0000-0000-000000000001";
    let record = json!({"ID": id, "Name": "Old", "AccountNumber": "1001"});
    let posts = Arc::new(AtomicU64::new(0));
    let counted = posts.clone();
    let router = axum::Router::new()
        .route(
            "/sites/acme/api/customers",
            get(move || async move { axum::Json(json!([id])) }),
        )
        .route(
            "/sites/acme/api/customers/{id}",
            get(move || async move { axum::Json(record) }),
        )
        .route(
            "/sites/acme/api/customer/post",
            post(move || async move {
                counted.fetch_add(1, Ordering::SeqCst);
                (axum::http::StatusCode::OK, "<html>OK</html>")
            }),
        );
    let base = serve(router).await;
    let (work, run) = import(&base, 1).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = crate::util::brief(&work.report("in.csv.report.csv"));
    assert_eq!(
        report,
        ["2,updated,1001,updated: Name, Email, Contacts, Departments"]
    );
    assert_eq!(posts.load(Ordering::SeqCst), 1, "sent once, not retried");
}
