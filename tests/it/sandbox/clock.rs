//! The sandbox's clock, edits "as a person in OnTime would" and scripted events, over HTTP: the
//! `Date` header follows the clock, the date filters follow edits and the clock, events fire at
//! the chosen request, and none of it is counted.

use chrono::{DateTime, TimeDelta, Utc};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use super::{Api, acme, id_of, message, start_default};
use crate::util::clock::{
    add_event, advance_clock, customer_times, edit_as_person, events, sandbox_clock,
};

/// The one `Date` header of an answer, as seconds since the epoch.
fn date_of(response: &Response) -> i64 {
    let dates: Vec<_> = response.headers().get_all("date").iter().collect();
    assert_eq!(dates.len(), 1, "exactly one Date header: {dates:?}");
    let text = dates[0].to_str().expect("text");
    assert!(
        text.ends_with(" GMT") && text.len() == 29,
        "IMF-fixdate: {text}"
    );
    let at = httpdate::parse_http_date(text).expect("an HTTP date");
    let secs = at
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970");
    i64::try_from(secs.as_secs()).expect("fits")
}

fn time(value: &Value) -> DateTime<Utc> {
    let text = value.as_str().expect("a time string");
    DateTime::parse_from_rfc3339(text)
        .expect("RFC 3339")
        .with_timezone(&Utc)
}

/// An RFC 3339 query value (with `+` escaped).
fn query_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

impl Api {
    fn base(&self) -> String {
        self.sandbox.base_url()
    }

    async fn times_of(&self, id: &str) -> (DateTime<Utc>, DateTime<Utc>) {
        let times = customer_times(&self.base()).await;
        (time(&times[id]["created"]), time(&times[id]["modified"]))
    }
}

#[tokio::test]
async fn the_date_header_follows_the_clock() {
    let api = start_default().await;
    let post = api.post("api/customer/post", &acme("1")).await;
    let posted = date_of(&post);
    let id = id_of(&post.json::<Value>().await.expect("JSON"));
    let (created, modified) = api.times_of(&id).await;
    assert_eq!(created, modified);
    assert_eq!(
        posted,
        created.timestamp(),
        "a post's Date is its stamp, in whole seconds"
    );

    let moved = advance_clock(&api.base(), 120).await;
    assert_eq!(moved["offset_seconds"], 120.0);
    let list = api.get("api/customers").await;
    assert!(
        date_of(&list) >= posted + 120,
        "API answers follow the clock"
    );
    let control = api
        .http
        .get(api.control("clock"))
        .send()
        .await
        .expect("answer");
    let control_date = date_of(&control);
    let body: Value = control.json().await.expect("JSON");
    assert!(control_date >= time(&body["now"]).timestamp());
    assert!(control_date >= posted + 120, "control answers too");
    let shown = body["date"].as_str().expect("text");
    assert!(httpdate::parse_http_date(shown).is_ok(), "{shown}");
    // Errors are dated by the same clock.
    let missing = api.get("api/nowhere").await;
    assert!(date_of(&missing) >= posted + 120);
    let unauthorized = api
        .http
        .get(api.url("api/customers"))
        .send()
        .await
        .expect("answer");
    assert!(date_of(&unauthorized) >= posted + 120);
}

#[tokio::test]
async fn the_clock_only_moves_forward() {
    let api = start_default().await;
    let url = api.control("clock");
    let advance = |body: Value| api.http.post(&url).json(&body).send();
    assert_eq!(
        advance(json!({"advance": "2m"}))
            .await
            .expect("answer")
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        advance(json!({"advance": "90s"}))
            .await
            .expect("answer")
            .status(),
        StatusCode::OK
    );
    let answer = advance(json!({"advance": 30})).await.expect("answer");
    let body: Value = answer.json().await.expect("JSON");
    assert_eq!(body["offset_seconds"], 240.0);
    for bad in [
        json!({"advance": -5}),
        json!({"advance": "-1m"}),
        json!({"advance": "soon"}),
    ] {
        let refused = advance(bad.clone()).await.expect("answer");
        let text = message(refused, StatusCode::BAD_REQUEST).await;
        assert!(text.contains("\"advance\""), "{bad}: {text}");
    }
    let unknown = advance(json!({"back": "1m"})).await.expect("answer");
    assert!(unknown.status().is_client_error());
    assert_eq!(sandbox_clock(&api.base()).await["offset_seconds"], 240.0);
    let help: Value = api.control_get("").await;
    for endpoint in [
        "POST /__sandbox/clock",
        "POST /__sandbox/customers/{id}/edit",
        "POST /__sandbox/events",
        "GET /__sandbox/customers/times",
    ] {
        assert!(help.get(endpoint).is_some(), "{endpoint} in the help");
    }
    assert_eq!(api.sandbox.stats().total, 0, "nothing counted");
}

#[tokio::test]
async fn filters_follow_edits_and_the_clock() {
    let api = start_default().await;
    let a = id_of(&api.create(acme("A")).await);
    let b = id_of(&api.create(acme("B")).await);
    let (created_a, _) = api.times_of(&a).await;
    let (_, modified_b) = api.times_of(&b).await;
    let quota_before = api.sandbox.stats();

    advance_clock(&api.base(), 120).await;
    let edited = edit_as_person(&api.base(), &a, json!({"City": "York"})).await;
    assert_eq!(edited["City"], "York");
    let (created, modified) = api.times_of(&a).await;
    assert_eq!(created, created_a, "an edit keeps the creation time");
    assert!(modified >= modified_b + TimeDelta::seconds(120));
    assert_eq!(api.times_of(&b).await.1, modified_b, "B untouched");
    assert_eq!(
        api.sandbox.stats(),
        quota_before,
        "the clock and the edit are not counted"
    );

    let minute_later = query_time(modified_b + TimeDelta::seconds(60));
    let changed = api
        .list(&format!("lastModifiedDateMin={minute_later}"))
        .await;
    assert_eq!(changed, vec![a.clone()]);
    let unchanged = api
        .list(&format!("lastModifiedDateMax={minute_later}"))
        .await;
    assert_eq!(unchanged, vec![b.clone()]);
    assert!(
        api.list(&format!("creationDateMin={minute_later}"))
            .await
            .is_empty()
    );
    // A post after the clock moved is stamped by the clock too.
    let c = id_of(&api.create(acme("C")).await);
    assert_eq!(
        api.list(&format!("creationDateMin={minute_later}")).await,
        vec![c]
    );
}

#[tokio::test]
async fn an_edit_merges_like_a_post_of_the_whole_record() {
    let api = start_default().await;
    let base = api.base();
    let body = json!({"Name": "Acme", "AccountNumber": "1", "City": "Leeds", "Email": "a@b.com",
        "Departments": [{"Name": "Sales"}], "Contacts": [{"Name": "Ann"}]});
    let created = api.create(body).await;
    let id = id_of(&created);
    let edited = edit_as_person(&base, &id, json!({"City": "York", "Email": null})).await;
    let mut expected = created.clone();
    expected["City"] = json!("York");
    expected["Email"] = Value::Null;
    assert_eq!(
        edited, expected,
        "only the given properties change; children kept"
    );
    assert_eq!(
        api.fetch(&id).await,
        expected,
        "the answer is the stored record"
    );

    let sales = created["Departments"][0]["ID"].clone();
    let given = json!({"Departments": [{"ID": sales, "Name": "Sales North"}, {"Name": "Returns"}]});
    let edited = edit_as_person(&base, &id, given).await;
    assert_eq!(edited["Departments"][0]["Name"], "Sales North");
    assert_eq!(edited["Departments"][1]["Name"], "Returns");
    assert_eq!(edited["Contacts"], created["Contacts"]);

    let edit = |id: String, body: Value| {
        let url = api.control(&format!("customers/{id}/edit"));
        api.http.post(url).json(&body).send()
    };
    let refused = [
        (json!({"Email": "not an address"}), "'Email'"),
        (json!({"Name": null}), "'Name'"),
        (json!({"city": "Hull"}), "did you mean 'City'"),
        (json!({"ID": uuid::Uuid::new_v4().to_string()}), "'ID'"),
    ];
    let before = api.fetch(&id).await;
    for (body, wanted) in refused {
        let answer = edit(id.clone(), body.clone()).await.expect("answer");
        let text = message(answer, StatusCode::BAD_REQUEST).await;
        assert!(text.contains(wanted), "{body}: {text}");
    }
    assert_eq!(
        api.fetch(&id).await,
        before,
        "a refused edit changes nothing"
    );
    let unknown = edit(uuid::Uuid::new_v4().to_string(), json!({}))
        .await
        .expect("answer");
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let malformed = edit("nope".into(), json!({})).await.expect("answer");
    assert_eq!(malformed.status(), StatusCode::NOT_FOUND);
    let stats = api.sandbox.stats();
    assert_eq!(
        stats.total, 4,
        "one create and three reads; no edit counted"
    );
    assert_eq!(api.control_quota_used().await, 4);
}

impl Api {
    async fn control_quota_used(&self) -> u64 {
        let quota: Value = self.control_get("quota").await;
        quota["daily_used"].as_u64().expect("a number")
    }
}

#[tokio::test]
async fn an_event_fires_after_the_nth_request_before_its_answer() {
    let api = start_default().await;
    let base = api.base();
    let a = id_of(&api.create(acme("A")).await);
    let event = json!({"after_requests": 2, "advance": "61s", "edit": {"id": a, "fields": {"City": "York"}}});
    let added = add_event(&base, event).await;
    assert_eq!(added["number"], 1);

    api.list("").await;
    assert_eq!(
        api.sandbox.customers()[0]["City"],
        Value::Null,
        "not after one request"
    );
    let post = api.post("api/customer/post", &acme("B")).await;
    let posted_at = date_of(&post);
    let b: Value = post.json().await.expect("JSON");
    let (_, modified_b) = api.times_of(&id_of(&b)).await;
    assert_eq!(
        posted_at,
        modified_b.timestamp(),
        "the answer is dated when it was handled"
    );
    let (_, modified_a) = api.times_of(&a).await;
    assert_eq!(api.sandbox.customers()[0]["City"], "York");
    assert!(
        modified_a >= modified_b + TimeDelta::seconds(61),
        "clock first, then the edit"
    );

    let seen = events(&base).await;
    assert_eq!(seen["pending"], json!([]));
    assert_eq!(
        seen["fired"][0]["at_request"], 3,
        "the third API request since start"
    );
    assert_eq!(seen["fired"][0]["edited"], json!(a));
    let changed = api
        .list(&format!(
            "lastModifiedDateMin={}",
            query_time(modified_b + TimeDelta::seconds(60))
        ))
        .await;
    assert_eq!(changed, vec![a]);
}

#[tokio::test]
async fn events_after_a_customers_post_and_before_it_is_reached() {
    let api = start_default().await;
    let base = api.base();
    let early = id_of(&api.create(acme("E")).await);
    // "More than a minute before the tool reaches it": edit at the next request, then move on.
    add_event(
        &base,
        json!({"after_requests": 1, "edit": {"id": early, "fields": {"City": "Hull"}}}),
    )
    .await;
    add_event(&base, json!({"after_requests": 1, "advance": "61s"})).await;
    // "More than a minute after the tool posted it", for a customer not created yet.
    let after_post = json!({"after_posts_of_account": "N", "advance": "61s",
        "edit": {"account_number": "N", "fields": {"City": "Ripon"}}});
    add_event(&base, after_post).await;

    let first = api.create(acme("X")).await;
    let (_, edited_early) = api.times_of(&early).await;
    let (_, x_time) = api.times_of(&id_of(&first)).await;
    assert!(
        edited_early < x_time + TimeDelta::seconds(1),
        "edited at the first request"
    );
    let post = api.post("api/customer/post", &acme("N")).await;
    let posted = date_of(&post);
    let n: Value = post.json().await.expect("JSON");
    assert_eq!(
        n["City"],
        Value::Null,
        "the answer shows the record as posted"
    );
    let (created, modified) = api.times_of(&id_of(&n)).await;
    assert!(created >= edited_early + TimeDelta::seconds(61));
    assert_eq!(posted, created.timestamp());
    assert!(modified >= created + TimeDelta::seconds(61));
    assert_eq!(api.fetch(&id_of(&n)).await["City"], "Ripon");
    let seen = events(&base).await;
    let fired: Vec<u64> = seen["fired"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|f| f["number"].as_u64().expect("n"))
        .collect();
    assert_eq!(fired, vec![1, 2, 3]);
    assert_eq!(
        api.sandbox.stats().total,
        4,
        "three posts and a read; events and control requests are not counted"
    );
}

#[tokio::test]
async fn bad_events_are_refused() {
    let api = start_default().await;
    let url = api.control("events");
    let a = id_of(&api.create(acme("A")).await);
    let cases = [
        (json!({"advance": "1s"}), StatusCode::BAD_REQUEST),
        (
            json!({"after_requests": 0, "advance": "1s"}),
            StatusCode::BAD_REQUEST,
        ),
        (json!({"after_requests": 1}), StatusCode::BAD_REQUEST),
        (
            json!({"after_requests": 1, "after_posts_of": a, "advance": 1}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"after_requests": 1, "edit": {"fields": {}}}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"after_requests": 1, "edit": {"id": uuid::Uuid::new_v4(), "fields": {}}}),
            StatusCode::NOT_FOUND,
        ),
    ];
    for (body, status) in cases {
        let answer = api
            .http
            .post(&url)
            .json(&body)
            .send()
            .await
            .expect("answer");
        assert_eq!(answer.status(), status, "{body}");
    }
    // A failed edit at fire time is reported; the request it rides on is answered as usual.
    add_event(
        &api.base(),
        json!({"after_requests": 1, "edit": {"id": a, "fields": {"Email": "x"}}}),
    )
    .await;
    api.list("").await;
    let seen = events(&api.base()).await;
    assert!(
        seen["fired"][0]["error"]
            .as_str()
            .expect("an error")
            .contains("'Email'")
    );
    let cleared = api
        .http
        .delete(&url)
        .header("Content-Type", "application/json")
        .send()
        .await
        .expect("answer");
    let cleared: Value = cleared.json().await.expect("JSON");
    assert_eq!(
        (cleared["pending"].clone(), cleared["fired"].clone()),
        (json!([]), json!([]))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_splits_concurrent_requests_exactly() {
    let api = start_default().await;
    add_event(&api.base(), json!({"after_requests": 10, "advance": "61s"})).await;
    let posts = (0..20).map(|i| api.create(acme(&format!("P{i}"))));
    futures::future::join_all(posts).await;
    let times = customer_times(&api.base()).await;
    let mut stamps: Vec<DateTime<Utc>> = times
        .as_object()
        .expect("a map")
        .values()
        .map(|t| time(&t["modified"]))
        .collect();
    stamps.sort();
    let first = stamps[0];
    let before = stamps
        .iter()
        .filter(|t| **t < first + TimeDelta::seconds(61))
        .count();
    assert_eq!(
        before, 10,
        "no other request is handled between the 10th and the event"
    );
}

#[tokio::test]
async fn the_clock_survives_a_restart_with_data() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = ontime_sandbox::SandboxConfig {
        data_file: Some(dir.path().join("sandbox.json")),
        ..ontime_sandbox::SandboxConfig::default()
    };
    let first = super::start(config.clone()).await;
    let id = id_of(&first.create(acme("K")).await);
    advance_clock(&first.base(), 3600).await;
    let edited = first.sandbox.now();
    edit_as_person(&first.base(), &id, json!({"City": "York"})).await;
    let stamps = first.times_of(&id).await;
    first.sandbox.stop().await.expect("saved");

    let second = super::start(config).await;
    assert_eq!(
        sandbox_clock(&second.base()).await["offset_seconds"],
        3600.0
    );
    assert!(second.sandbox.now() >= edited);
    assert_eq!(
        second.times_of(&id).await,
        stamps,
        "stamps kept to the microsecond"
    );
}
