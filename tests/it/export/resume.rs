//! An export stopped midway (here by `--max-requests`) writes no FILE, keeps what it read in
//! FILE.partial, and the same command reads only the rest; what it says, snapshotted.

use serde_json::json;

use super::{export, restores_unchanged, seen};
use crate::upload::{Env, env_default};
use crate::util::read_csv;

const READ: &str = "GET api/customers/{id}";
const LIST: &str = "GET api/customers";

fn twenty_customers(e: &Env) {
    for i in 0..20 {
        e.sb.insert_customer(json!({
            "Name": format!("Company {i}"),
            "AccountNumber": format!("{:04}", i + 1),
            "Departments": [{"Name": "Front"}],
        }));
    }
}

/// `text` with what changes from run to run (the work folder, the quota's reset time, log
/// lines' time stamps) replaced.
fn steady(e: &Env, text: &str) -> String {
    let dir = e.work.dir().display().to_string();
    text.lines()
        .filter(|line| !line.contains(" WARN "))
        .map(|line| {
            let mut line = line.replace(&dir, "[dir]");
            let mut from = 0;
            while let Some(at) = line[from..].find("(resets 2").map(|at| from + at) {
                let end = line[at..].find(')').map_or(line.len(), |e| at + e + 1);
                line = format!("{}(resets [time]){}", &line[..at], &line[end..]);
                from = at + 1;
            }
            line
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_export_goes_on_without_reading_again() {
    let e = env_default().await;
    twenty_customers(&e);
    let first = export(&e, "backup.csv", &["--max-requests", "8"]).await;
    assert_eq!(first.code, 3, "{}", first.stderr);
    assert!(
        !e.work.path("backup.csv").exists(),
        "no FILE until complete"
    );
    let partial = std::fs::read_to_string(e.work.path("backup.csv.partial")).unwrap();
    assert_eq!(partial.lines().count(), 1 + 7, "the header and 7 records");
    assert!(!partial.contains(&e.key), "the API key is never written");
    assert_eq!((seen(&e, LIST), seen(&e, READ)), (1, 7));
    insta::assert_snapshot!("stopped", steady(&e, &first.stderr));

    let second = export(&e, "backup.csv", &[]).await;
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert_eq!(
        (seen(&e, LIST), seen(&e, READ)),
        (2, 20),
        "only the 13 left"
    );
    insta::assert_snapshot!("resumed", steady(&e, &second.stderr));
    assert!(!e.work.path("backup.csv.partial").exists());
    let rows = read_csv(&e.work.path("backup.csv"));
    let mut accounts: Vec<String> = rows[1..].iter().map(|r| r[13].clone()).collect();
    accounts.sort();
    let all: Vec<String> = (1..=20).map(|i| format!("{i:04}")).collect();
    assert_eq!(accounts, all, "every customer once");
    assert!(
        !std::fs::read_to_string(e.work.path("backup.csv"))
            .unwrap()
            .contains(&e.key)
    );
    restores_unchanged(&e, &["backup.csv"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journal_of_another_account_is_never_mixed_in() {
    let e = env_default().await;
    twenty_customers(&e);
    let header = r#"{"kind":"ontime-import export journal","version":1,"site":"https://elsewhere.example/sites/x/"}"#;
    let journal =
        format!("{header}\n{{\"id\":\"c1\",\"record\":{{\"ID\":\"c1\",\"Name\":\"Theirs\"}}}}\n");
    e.work.write("backup.xlsx.partial", &journal);
    let other = export(&e, "backup.xlsx", &[]).await;
    assert_eq!(other.code, 2, "{}", other.stderr);
    assert!(
        other
            .stderr
            .contains("holds an unfinished export of https://elsewhere.example/sites/x/")
            && other.stderr.contains("to start over, remove FILE.partial"),
        "{}",
        other.stderr
    );
    assert_eq!(seen(&e, LIST), 0, "refused before the first request");
    assert_eq!(
        std::fs::read_to_string(e.work.path("backup.xlsx.partial")).unwrap(),
        journal
    );
    let bad = export(&e, "backup.txt", &[]).await;
    assert_eq!(bad.code, 2);
    insta::assert_snapshot!("not_a_format", bad.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spent_quota_stops_the_export_and_the_next_day_finishes_it() {
    let e = crate::upload::env(ontime_sandbox::SandboxConfig {
        daily_limit: 6,
        ..ontime_sandbox::SandboxConfig::default()
    })
    .await;
    twenty_customers(&e);
    let first = export(&e, "backup.xlsx", &["--concurrency", "1"]).await;
    assert_eq!(first.code, 3, "{}", first.stderr);
    assert!(
        first.stderr.contains("quota left: 5 today")
            && first
                .stderr
                .contains("the quota left allows about 5 more requests")
            && first
                .stderr
                .contains("stopped: the OnTime request quota is spent until"),
        "{}",
        first.stderr
    );
    assert_eq!(seen(&e, READ), 5, "no read after the quota was seen spent");
    assert!(!e.work.path("backup.xlsx").exists());
    e.sb.reset_quota();
    let reserve = export(&e, "backup.xlsx", &["--reserve", "5"]).await;
    assert_eq!(reserve.code, 3, "{}", reserve.stderr);
    assert!(
        reserve.stderr.contains("--reserve keeps 5"),
        "{}",
        reserve.stderr
    );
    e.sb.reset_quota();
    let mut reads = seen(&e, READ);
    for _ in 0..10 {
        if e.work.path("backup.xlsx").exists() {
            break;
        }
        e.sb.reset_quota();
        let next = export(&e, "backup.xlsx", &[]).await;
        assert!(next.code == 0 || next.code == 3, "{}", next.stderr);
        // Reads in flight when the quota ran out were refused (429), not read.
        reads = e.sb.stats().count(READ, "200");
    }
    assert_eq!(reads, 20, "each customer read once over the days");
    e.set_quota(json!({"daily_limit": 1000, "daily_used": 0}))
        .await;
    restores_unchanged(&e, &["backup.xlsx"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_export_keeps_what_it_read_and_goes_on() {
    let e = env_default().await;
    twenty_customers(&e);
    let mut args: Vec<String> = vec!["export".into(), "-o".into(), "backup.xlsx".into()];
    // Slow enough for the interrupt to come before the end: 20 reads at 2 a second.
    let target = super::target(&e)
        .join(" ")
        .replace("--rate 500", "--rate 2");
    args.extend(target.split(' ').map(String::from));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut child = e.spawn_args(&args, std::process::Stdio::null());
    tokio::select! {
        () = e.sb.wait_for_requests(3) => {}
        ended = child.wait() => panic!("the export ended before it was interrupted: {ended:?}"),
    }
    crate::util::signal(&child, "-INT");
    let status = child.wait().await.unwrap();
    assert_eq!(status.code(), Some(130));
    assert!(!e.work.path("backup.xlsx").exists());
    let read = seen(&e, READ);
    assert!((2..20).contains(&read), "{read} reads");
    let partial = std::fs::read_to_string(e.work.path("backup.xlsx.partial")).unwrap();
    assert_eq!(
        partial.lines().count() as u64,
        1 + read,
        "every read answered is kept"
    );
    let rest = export(&e, "backup.xlsx", &[]).await;
    assert_eq!(rest.code, 0, "{}", rest.stderr);
    assert_eq!(seen(&e, READ), 20, "none read twice");
    restores_unchanged(&e, &["backup.xlsx"]).await;
}
