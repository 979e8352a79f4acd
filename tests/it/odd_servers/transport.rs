//! Answers that go wrong on the way: a proxy's 502/503/504 page, a 500 after the record was
//! stored, a connection cut mid-body, no answer at all, a trickle slower than `--timeout`,
//! chunked and gzip-encoded bodies, JSON after a byte order mark.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::time::Duration;

use super::*;

const GATEWAY_PAGE: &str = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>";

/// The first create is stored, and answered with `reply` made from the sandbox's answer.
fn first_create_stored_then(
    reply: impl Fn(Answer) -> Reply + Copy + Send + 'static,
) -> impl Fn(&Seen) -> Act {
    move |seen| {
        if seen.is_create() && seen.nth == 0 {
            Act::then(reply)
        } else {
            Act::Pass
        }
    }
}

/// The first create passes, then gets `reply`; lookups answer "none" until `lag` after it (a
/// read replica that lags its writes).
fn lagging_after_first_create(
    lag: Duration,
    reply: fn(Answer) -> Reply,
) -> impl Fn(&Seen) -> Act + Send + Sync + 'static {
    let stored_at = std::sync::Mutex::new(None::<std::time::Instant>);
    move |seen| {
        let lagging = stored_at
            .lock()
            .unwrap()
            .is_some_and(|at| at.elapsed() < lag);
        if seen.is_create() && seen.nth == 0 {
            *stored_at.lock().unwrap() = Some(std::time::Instant::now());
            Act::then(reply)
        } else if seen.is_lookup() && lagging {
            Act::answer(Answer::json(200, &serde_json::json!([])))
        } else {
            Act::Pass
        }
    }
}

fn page(status: u16) -> Answer {
    Answer::new(status, GATEWAY_PAGE).header("Content-Type", "text/html")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_error_after_the_create_was_stored_is_resolved_by_lookup() {
    for status in [500, 502, 504] {
        let odd = Odd::new(first_create_stored_then(move |_| Reply::Http(page(status)))).await;
        let run = odd.import(2, &["--concurrency", "1"]).await;
        assert_eq!(run.code, 0, "{status}: {}", run.stderr);
        let report = odd.report();
        // Two customers are under way at once, so the first create may be either's.
        confirmed_once(
            &report,
            &format!("created (confirmed by lookup after: {status} "),
        );
        odd.assert_stored_once(2);
    }
}

/// Both rows created, exactly one of them (whichever customer's create went first) with
/// `message` after its key.
fn confirmed_once(report: &[String], message: &str) {
    let confirmed = report
        .iter()
        .filter(|line| {
            ["2,created,1001,", "3,created,1002,"].iter().any(|row| {
                line.strip_prefix(row)
                    .is_some_and(|m| m.starts_with(message))
            })
        })
        .count();
    assert_eq!(report.len(), 2, "{report:?}");
    assert_eq!(confirmed, 1, "{report:?}");
}

/// The mapping with `[match] by = "none"`.
fn unmatched(odd: &Odd, n: usize) {
    odd.work.write("in.csv", customers_csv(n));
    odd.work.write(
        "m.toml",
        format!("{SIMPLE_MAPPING}\n[match]\nby = \"none\"\n"),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_match_key_a_gateway_error_is_an_unknown_outcome_never_resent() {
    for status in [502, 504] {
        let odd = Odd::new(first_create_stored_then(move |_| Reply::Http(page(status)))).await;
        unmatched(&odd, 2);
        let run = odd.rerun(&["--concurrency", "1"]).await;
        assert_eq!(run.code, 1, "{status}: {}", run.stderr);
        let report = odd.report();
        // Two customers are under way at once, so the first create may be either's.
        let unknown = format!("outcome unknown — check OnTime before re-running ({status} ");
        let failed: Vec<&String> = report.iter().filter(|l| l.contains(",failed,")).collect();
        assert_eq!(failed.len(), 1, "{report:?}");
        assert!(
            ["2,failed,1001,", "3,failed,1002,"]
                .iter()
                .any(|row| failed[0]
                    .strip_prefix(row)
                    .is_some_and(|m| m.starts_with(&unknown))),
            "{report:?}"
        );
        let mut statuses = statuses(&report);
        statuses.sort();
        assert_eq!(statuses, ["created", "failed"]);
        odd.assert_stored_once(2);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_match_key_a_503_before_storing_is_retried() {
    let odd = Odd::new(|seen| {
        if seen.is_create() && seen.nth == 0 {
            Act::answer(page(503))
        } else {
            Act::Pass
        }
    })
    .await;
    unmatched(&odd, 1);
    let run = odd.rerun(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(odd.report()[0].starts_with("2,created,1001,created after a retry (503 "));
    odd.assert_stored_once(1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_cut_mid_body_unanswered_or_trickled_is_resolved_by_lookup() {
    let replies: [fn(Answer) -> Reply; 3] = [
        |answer| Reply::Cut(answer, 20),
        |_| Reply::Hang,
        |answer| Reply::Trickle(answer, Duration::from_millis(40)),
    ];
    for (n, reply) in replies.into_iter().enumerate() {
        let odd = Odd::new(first_create_stored_then(reply)).await;
        let run = odd
            .import(2, &["--timeout", "1", "--concurrency", "1"])
            .await;
        assert_eq!(run.code, 0, "reply {n}: {}", run.stderr);
        let report = odd.report();
        confirmed_once(&report, "created (confirmed by lookup after: ");
        assert_eq!(statuses(&report), ["created", "created"], "reply {n}");
        odd.assert_stored_once(2);
    }
}

/// A server that stores a slow create only after the client gave up on it (here 1.5 s, three
/// times `--timeout`): the lookup waits for it to land first, and finds it. (Looked up after the
/// back-off alone, 0.2–0.4 s, it was not there yet, and the create was sent twice.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_stored_after_the_client_gave_up_is_found_by_the_lookup_not_sent_again() {
    let odd = Odd::new(|seen| {
        if seen.is_create() && seen.nth == 0 {
            Act::Late(Duration::from_millis(1500))
        } else {
            Act::Pass
        }
    })
    .await;
    let run = odd
        .import(2, &["--timeout", "0.5", "--concurrency", "1"])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = odd.report();
    confirmed_once(&report, "created (confirmed by lookup after: ");
    odd.assert_stored_once(2);
    let creates = odd.seen_count("POST");
    assert_eq!(creates, 2, "{:?}", odd.seen());
}

/// While a lost create waits to land, it gives up its place: with `--concurrency 1` the next
/// customers are sent meanwhile, not held up for the whole wait.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_waiting_for_a_lost_create_lets_the_others_go() {
    let odd = Odd::new(first_create_stored_then(|_| Reply::Hang)).await;
    let run = odd
        .import(3, &["--timeout", "0.3", "--concurrency", "1"])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(statuses(&odd.report()), ["created", "created", "created"]);
    let seen = odd.seen();
    let first_check = seen
        .iter()
        .position(|s| s.starts_with("GET api/customers?"))
        .unwrap();
    let posts_before = seen[..first_check]
        .iter()
        .filter(|s| s.starts_with("POST"))
        .count();
    assert_eq!(posts_before, 3, "{seen:?}");
    odd.assert_stored_once(3);
}

/// Lookups that show a create only 3 s after it was stored (a lagging read replica), and the
/// create's answer dropped: the first check (after 2 s) does not see it, the second does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_that_lookups_show_only_later_is_found_by_the_second_check() {
    let odd = Odd::new(lagging_after_first_create(Duration::from_secs(3), |_| {
        Reply::Hang
    }))
    .await;
    let run = odd
        .import(1, &["--timeout", "0.3", "--concurrency", "1"])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = odd.report();
    assert!(
        report[0].starts_with("2,created,1001,created (confirmed by lookup after: "),
        "{report:?}"
    );
    odd.assert_stored_once(1);
    let lookups = odd.seen_count("GET api/customers?");
    assert_eq!(lookups, 2, "{:?}", odd.seen());
}

/// A server that fails after storing (a 500 once the record is in) and whose lookups lag by
/// 1.5 s: the lookup after the 5xx waits 2 s, and finds the create.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_stored_then_answered_500_is_found_despite_lagging_lookups() {
    let odd = Odd::new(lagging_after_first_create(
        Duration::from_millis(1500),
        |_| Reply::Http(page(500)),
    ))
    .await;
    let run = odd.import(1, &["--concurrency", "1"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        odd.report()[0].starts_with("2,created,1001,created (confirmed by lookup after: 500 "),
        "{:?}",
        odd.report()
    );
    odd.assert_stored_once(1);
}

/// A run stops right after a create whose answer never came (its budget spent), and the rerun
/// follows at once, while lookups still lag (3.5 s after the create; the first run took 2.3 s,
/// waiting for it to land before the lookup its budget then refused): the rerun waits for the
/// earlier run's create to land, as that run would have, and finds it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_right_after_a_lost_create_waits_for_it_to_land() {
    let odd = Odd::new(lagging_after_first_create(
        Duration::from_millis(3500),
        |_| Reply::Hang,
    ))
    .await;
    let run = odd
        .import(1, &["--timeout", "0.3", "--max-requests", "2"])
        .await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        odd.report()[0].starts_with("2,failed,1001,outcome unknown ("),
        "{:?}",
        odd.report()
    );
    let run = odd.rerun(&["--timeout", "0.3"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        odd.report()[0].starts_with("2,unchanged,1001,"),
        "{:?}",
        odd.report()
    );
    odd.assert_stored_once(1);
}

/// A lookup that matches loosely (a "contains" filter: 100 finds 1001) answers another
/// customer's ID after a create's answer was lost: that is not taken as the create's, and that
/// customer is not updated; the row fails as unknown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_create_is_not_confirmed_by_another_customers_record() {
    // The ID to answer, once the create has been sent.
    let other = std::sync::Arc::new(std::sync::Mutex::new((String::new(), false)));
    let odd = Odd::new({
        let other = other.clone();
        move |seen| {
            let mut other = other.lock().unwrap();
            if seen.is_create() && seen.nth == 0 {
                other.1 = true;
                Act::Instead(Reply::Hang)
            } else if seen.is_lookup() && other.1 {
                Act::answer(Answer::json(200, &serde_json::json!([other.0])))
            } else {
                Act::Pass
            }
        }
    })
    .await;
    let id = odd
        .sb
        .insert_customer(serde_json::json!({"Name": "Other", "AccountNumber": "10011"}));
    other.lock().unwrap().0 = id.clone();
    let run = odd
        .import(1, &["--timeout", "0.3", "--concurrency", "1"])
        .await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = odd.report();
    assert_eq!(
        report,
        [format!(
            "2,failed,1001,outcome unknown (timed out waiting for the answer: operation timed out): the lookup by accountNumber \"1001\" answered customer {id}, whose AccountNumber is \"10011\", so the check cannot tell; check OnTime before re-running"
        )]
    );
    let posts = odd.seen_count("POST");
    assert_eq!(
        posts,
        1,
        "never sent again, nor posted over 10011: {:?}",
        odd.seen()
    );
}

/// An update that adds a contact, stored, its answer lost: the record is fetched again, the
/// contact is found there, and the update is not posted a second time (it would have added the
/// contact twice).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_adding_a_child_whose_answer_was_lost_is_not_posted_twice() {
    let odd = Odd::new(first_create_stored_then(|_| Reply::Hang)).await;
    let id = odd
        .sb
        .insert_customer(serde_json::json!({"Name": "Company 1001", "AccountNumber": "1001"}));
    let run = odd
        .import(1, &["--timeout", "0.3", "--concurrency", "1"])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        odd.report(),
        ["2,updated,1001,updated: Email, Contacts, Departments"]
    );
    let posts = odd.seen_count("POST");
    assert_eq!(posts, 1, "{:?}", odd.seen());
    let record = odd
        .sb
        .customers()
        .into_iter()
        .find(|c| c["ID"] == id.as_str());
    let record = record.unwrap();
    assert_eq!(record["Contacts"].as_array().unwrap().len(), 1, "{record}");
    assert_eq!(
        record["Departments"].as_array().unwrap().len(),
        1,
        "{record}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lookup_that_never_answers_leaves_the_create_pending_for_the_next_run() {
    let odd = Odd::new(|seen| {
        if seen.is_create() && seen.nth == 0 {
            Act::then(|_| Reply::Hang)
        } else if seen.is_lookup() {
            Act::Instead(Reply::Hang)
        } else {
            Act::Pass
        }
    })
    .await;
    let run = odd.import(1, &["--timeout", "0.5", "--retries", "1"]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = odd.report();
    assert!(
        report[0].starts_with("2,failed,1001,outcome unknown (timed out waiting for the answer: operation timed out) and the check failed (gave up after retries: timed out"),
        "{report:?}"
    );
    odd.assert_stored_once(1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chunked_gzip_encoded_and_byte_order_marked_answers_are_read() {
    let encodings: [fn(Answer) -> Reply; 3] = [
        Reply::Chunked,
        |answer| Reply::Http(gzip(answer)),
        |mut answer| {
            answer.body.splice(0..0, *b"\xEF\xBB\xBF");
            Reply::Http(answer)
        },
    ];
    for (n, encoding) in encodings.into_iter().enumerate() {
        let odd = Odd::new(move |_| Act::then(encoding)).await;
        odd.sb
            .insert_customer(serde_json::json!({"Name": "Old", "AccountNumber": "1001"}));
        let run = odd.import(3, &[]).await;
        assert_eq!(run.code, 0, "encoding {n}: {}", run.stderr);
        assert_eq!(
            statuses(&odd.report()),
            ["updated", "created", "created"],
            "encoding {n}"
        );
        let creates = odd.seen_count("POST");
        assert_eq!(creates, 3, "two creates and an update, each once");
        odd.assert_stored_once(3);
    }
}

/// The answer's body gzip-encoded, as a server or proxy may send it whether asked or not.
fn gzip(answer: Answer) -> Answer {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(&answer.body).unwrap();
    Answer {
        body: encoder.finish().unwrap(),
        ..answer
    }
    .header("Content-Encoding", "gzip")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_that_never_answers_stops_the_run_instead_of_failing_every_customer() {
    // The first request (which proves the site) is answered, with an account that is not
    // empty (so customers are looked up); then the service hangs.
    let odd = Odd::new(|seen| {
        if seen.is("GET", "api/customers") && seen.nth == 0 {
            let one = serde_json::json!(["00000000-0000-0000-0000-0000000000aa"]);
            Act::answer(Answer::json(200, &one))
        } else {
            Act::Instead(Reply::Hang)
        }
    })
    .await;
    let run = odd
        .import(20, &["--timeout", "0.2", "--retries", "2"])
        .await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("stopped early: OnTime failed 10 attempts in a row (the last: timed out waiting for the answer"),
        "{}",
        run.stderr
    );
    let report = odd.report();
    assert_eq!(report.len(), 20, "every row once: {report:#?}");
    // A customer whose lookup was under way when the run stopped is not sent either, unless
    // its last retry was: then it gave up. No other was begun.
    for line in &report[..4] {
        let gave_up = line.contains(",failed,") && line.contains("gave up after retries");
        assert!(line.contains(",not_sent,") || gave_up, "{report:#?}");
    }
    assert_eq!(statuses(&report[4..]), ["not_sent"; 16], "{report:#?}");
    // Ten in a row, and at most the few in flight when the tenth failed.
    assert!(odd.seen().len() <= 10 + 4, "{:?}", odd.seen());
    assert!(odd.stored().is_empty());
}
