//! Throttles, quota headers, redirects and keys as a server other than ours may have them:
//! `Retry-After` as 0, a date, huge or negative; `X-RateLimit-*` absent, garbled, lowercase or
//! going up, a reset in seconds from now; a redirect to another host, which the key must never follow; a key no HTTP header
//! can carry.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use super::*;

/// The first create is answered 429 with `retry_after` and a body; the rest pass.
fn throttled_once(retry_after: &'static str) -> impl Fn(&Seen) -> Act {
    move |seen| {
        if seen.is_create() && seen.nth == 0 {
            Act::answer(
                Answer::json(429, &serde_json::json!({"Message": "slow down"}))
                    .header("Retry-After", retry_after),
            )
        } else {
            Act::Pass
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_zero_or_a_date_is_waited_out() {
    for retry_after in ["0", "Wed, 21 Oct 2015 07:28:00 GMT", " 1 "] {
        let odd = Odd::new(throttled_once(retry_after)).await;
        let run = odd.import(2, &[]).await;
        assert_eq!(run.code, 0, "{retry_after}: {}", run.stderr);
        assert!(
            odd.report()[0].starts_with("2,created,1001,created"),
            "{:?}",
            odd.report()
        );
        odd.assert_stored_once(2);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_after_of_hours_stops_the_run_instead_of_hanging_it() {
    for status in [429, 503] {
        let odd = Odd::new(move |seen| {
            if seen.is_create() {
                Act::answer(
                    Answer::new(status, "come back tomorrow").header("Retry-After", "86400"),
                )
            } else {
                Act::Pass
            }
        })
        .await;
        let run = odd.import(3, &["--concurrency", "1"]).await;
        assert_eq!(run.code, 3, "{status}: {}", run.stderr);
        let report = odd.report();
        assert_eq!(statuses(&report), ["not_sent", "not_sent", "not_sent"]);
        assert!(
            report[0].contains(&format!(
                "not sent: OnTime answered {status} and asks to wait until "
            )) && report[0].ends_with("; run again after that"),
            "{report:?}"
        );
        let creates = odd.seen_count("POST");
        assert_eq!(creates, 1, "{:?}", odd.seen());
        assert!(odd.stored().is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quota_headers_absent_garbled_lowercase_or_rising_do_not_stop_the_run() {
    let odd = Odd::new(|seen| {
        let nth = seen.nth;
        Act::then(move |answer| {
            let answer = answer.without("x-ratelimit");
            Reply::Http(match nth % 3 {
                0 => answer,
                1 => answer
                    .header("X-RateLimit-Remaining-Daily", "lots")
                    .header("X-RateLimit-Reset-Daily", "tomorrow"),
                _ => answer
                    .header("x-ratelimit-remaining-daily", &(100 + nth).to_string())
                    .header("x-ratelimit-reset-daily", "1764374400"),
            })
        })
    })
    .await;
    let run = odd.import(6, &["--reserve", "50"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(statuses(&odd.report()), ["created"; 6]);
    odd.assert_stored_once(6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_in_seconds_from_now_is_read_as_such() {
    let odd = Odd::new(|seen| {
        if !seen.is_create() {
            return Act::Pass;
        }
        Act::then(|answer| {
            Reply::Http(
                answer
                    .without("x-ratelimit")
                    .header("X-RateLimit-Remaining-Daily", "0")
                    .header("X-RateLimit-Reset-Daily", "3600"),
            )
        })
    })
    .await;
    let run = odd.import(2, &["--concurrency", "1"]).await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    let report = odd.report();
    // Two customers are under way at once, so the one not sent may be either.
    let prefix = "not sent: the OnTime request quota is spent until ";
    let until = report
        .iter()
        .find_map(|line| {
            ["2,not_sent,1001,", "3,not_sent,1002,"]
                .iter()
                .find_map(|row| line.strip_prefix(row)?.strip_prefix(prefix))
        })
        .expect("the quota's reset time");
    let until = chrono::DateTime::parse_from_rfc3339(until.split(';').next().unwrap()).unwrap();
    let ahead = until.timestamp() - chrono::Utc::now().timestamp();
    assert!((3500..=3600).contains(&ahead), "{report:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_is_never_followed_and_the_key_never_leaves() {
    for status in [301, 302, 303, 307, 308] {
        let elsewhere = proxy::Proxy::start("http://127.0.0.1:9", |_| {
            Act::answer(Answer::json(201, &serde_json::json!({"ID": "x"})))
        })
        .await;
        let to = format!("{}/sites/sandbox/api/customer/post", elsewhere.base());
        let odd = Odd::new(move |seen| {
            if seen.is_create() {
                Act::answer(Answer::new(status, "moved").header("Location", &to))
            } else {
                Act::Pass
            }
        })
        .await;
        let run = odd.import(2, &["--concurrency", "1"]).await;
        assert_eq!(run.code, 2, "{status}: {}", run.stderr);
        assert!(
            elsewhere.seen().is_empty(),
            "{status}: {:?}",
            elsewhere.seen()
        );
        let said = format!(
            "for {}/sites/sandbox/api/customer/post, redirecting to {}/sites/sandbox/api/customer/post: redirects are not followed",
            odd.proxy.base(),
            elsewhere.base()
        );
        assert!(
            run.stderr
                .contains(&format!("stopped early: OnTime answered {status} "))
                && run.stderr.contains(&said)
                && run.stderr.contains("check --base-url"),
            "{}",
            run.stderr
        );
        let report = odd.report();
        // 303 is "done, see there": the create may have been stored, and the next run checks.
        let first = if status == 303 {
            "2,failed,1001,outcome unknown (OnTime answered 303 See Other"
        } else {
            &format!("2,not_sent,1001,not sent: OnTime answered {status} ")
        };
        assert!(report[0].starts_with(first), "{report:?}");
        assert!(
            report[1].starts_with("3,not_sent,1002,not sent: OnTime answered"),
            "{report:?}"
        );
        assert!(odd.stored().is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_base_url_with_a_path_keeps_it() {
    let odd = Odd::new(|_| Act::Pass).await;
    let base = format!("{}{}", odd.proxy.base(), proxy::GATEWAY);
    let run = odd.import(1, &["--base-url", &base]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    odd.assert_stored_once(1);
    // The first request (which proves the site), the create, the listing after it.
    assert_eq!(odd.proxy.gateway(), [true, true, true], "{:?}", odd.seen());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_no_header_can_carry_is_refused_before_sending() {
    let odd = Odd::new(|_| Act::Pass).await;
    odd.work.write("in.csv", customers_csv(1));
    odd.work.write("m.toml", SIMPLE_MAPPING);
    for key in ["sécret", "abc\ndef", "abc\u{7f}"] {
        let args = [
            "in.csv",
            "-m",
            "m.toml",
            "--base-url",
            odd.proxy.base(),
            "--company-id",
            "sandbox",
        ];
        let run = odd.work.run_async(&args, &[("ONTIME_API_KEY", key)]).await;
        assert_eq!(run.code, 2, "{key:?}: {}", run.stderr);
        assert!(
            run.stderr
                .contains("the API key holds a character an HTTP header cannot carry"),
            "{}",
            run.stderr
        );
        assert!(!run.stderr.contains(key), "the key is not shown");
    }
    assert!(odd.seen().is_empty(), "{:?}", odd.seen());
    // A key with odd but legal characters goes through as it is.
    let key = r#"k+/=:;"'\ {x}%20$HOME`"#;
    let config = ontime_sandbox::SandboxConfig {
        api_key: key.into(),
        ..Default::default()
    };
    let odd = Odd::with(config, |_| Act::Pass).await;
    let run = odd.import(1, &["-vvv"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains(key));
    let auth = odd.proxy.auth();
    assert!(
        auth.len() == 3 && auth.iter().all(|a| a.as_deref() == Some(key)),
        "{auth:?}"
    );
}

/// A `Retry-After` date in each of HTTP's three forms (IMF-fixdate, RFC 850, asctime), measured
/// from the answer's `Date`, the server's clock, here a day behind this machine's: the server
/// asks for ten minutes, too long to wait, so the run stops naming when that is on this
/// machine's clock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_after_date_is_read_in_every_form_from_the_servers_clock() {
    use std::time::{Duration, SystemTime};
    let server_now = SystemTime::now() - Duration::from_secs(86_400);
    let date = httpdate::fmt_http_date(server_now);
    let until = chrono::DateTime::<chrono::Utc>::from(server_now + Duration::from_secs(600));
    for form in [
        httpdate::fmt_http_date(server_now + Duration::from_secs(600)),
        until.format("%A, %d-%b-%y %H:%M:%S GMT").to_string(),
        until.format("%a %b %e %H:%M:%S %Y").to_string(),
    ] {
        let (date, retry_after) = (date.clone(), form.clone());
        let odd = Odd::new(move |seen| {
            if seen.is_create() {
                Act::answer(
                    Answer::json(429, &serde_json::json!({"Message": "slow down"}))
                        .header("Date", &date)
                        .header("Retry-After", &retry_after),
                )
            } else {
                Act::Pass
            }
        })
        .await;
        let before = chrono::Utc::now();
        let run = odd.import(1, &[]).await;
        let after = chrono::Utc::now();
        assert_eq!(run.code, 3, "{form}: {}", run.stderr);
        let report = odd.report();
        let shown = report[0]
            .strip_prefix("2,not_sent,1001,not sent: OnTime answered 429 and asks to wait until ")
            .and_then(|rest| rest.strip_suffix("; run again after that"))
            .unwrap_or_else(|| panic!("{form}: {report:?}"));
        let shown = chrono::DateTime::parse_from_rfc3339(shown).unwrap();
        let ten = chrono::Duration::seconds(600);
        let slack = chrono::Duration::seconds(1);
        assert!(
            shown >= before + ten - slack && shown <= after + ten + slack,
            "{form}: {shown} is not ten minutes after {before}"
        );
        assert_eq!(odd.seen_count("POST"), 1, "{form}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_base_url_with_a_user_and_password_is_refused_at_start() {
    let odd = Odd::new(|_| Act::Pass).await;
    for userinfo in ["user:hunter2@", "hunter2@", ":hunter2@"] {
        let base = odd
            .proxy
            .base()
            .replace("http://", &format!("http://{userinfo}"));
        let run = odd.import(1, &["--base-url", &base]).await;
        assert_eq!(run.code, 2, "{userinfo}: {}", run.stderr);
        assert_eq!(
            run.stderr,
            "error: --base-url (ONTIME_BASE_URL) holds a user name or password (user:pass@host): OnTime takes no such login, and it would be sent in place of the API key\nhint: remove the `user:pass@` part; the API key goes in the ONTIME_API_KEY environment variable (or --api-key)\n"
        );
    }
    assert!(odd.seen().is_empty(), "{:?}", odd.seen());
}
