//! The run lock, SIGKILL at any point, and a pending create resolved on the next run.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::time::Duration;

use ontime_sandbox::{FaultKind, Faults, SandboxConfig};

use crate::upload::{account, assert_every_row_once, customers_csv, env, env_default, scripted};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_run_at_a_time() {
    let e = env_default().await;
    e.input(&customers_csv(2));
    let held = e.ledger();
    let run = e.run(&[]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("is in use by another run"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!("pid {}", std::process::id())),
        "{}",
        run.stderr
    );
    assert_eq!(e.sb.stats().total, 0);
    drop(held);
    assert_eq!(e.run(&[]).await.code, 0);
}

/// A run refused because another holds the ledger touches none of the outputs: the running
/// job's report, errors file and summary stay as they are, byte for byte.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_refused_for_a_busy_ledger_leaves_every_output_alone() {
    let e = env_default().await;
    e.input(&customers_csv(2));
    let outputs = [
        ("in.csv.report.csv", "source,row,status\nin.csv,2,created\n"),
        ("fix.csv", "Acct,Company,Error\n"),
        ("summary.json", "{\"rows\": 2}\n"),
    ];
    for (name, text) in outputs {
        e.work.write(name, text);
    }
    let held = e.ledger();
    let run = e
        .run(&["--errors", "fix.csv", "--summary-json", "summary.json"])
        .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("is in use by another run"),
        "{}",
        run.stderr
    );
    for (name, text) in outputs {
        assert_eq!(
            std::fs::read_to_string(e.work.path(name)).unwrap(),
            text,
            "{name}"
        );
    }
    assert_eq!(e.sb.stats().total, 0);
    drop(held);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_any_point_then_reruns_end_with_each_customer_once() {
    let n = 25;
    let e = env_default().await;
    e.input(&customers_csv(n));
    // Each round: faults, then how many more requests to let through before kill -9.
    let rounds: [(Faults, u64); 4] = [
        (
            Faults {
                latency: Duration::from_millis(15),
                ..Faults::default()
            },
            3,
        ),
        (
            Faults {
                latency: Duration::from_millis(15),
                drop_after_store_rate: 0.3,
                ..Faults::default()
            },
            4,
        ),
        (
            Faults {
                latency: Duration::from_millis(15),
                slow_after_store_rate: 0.3,
                slow_delay: Duration::from_millis(200),
                ..Faults::default()
            },
            5,
        ),
        (
            Faults {
                latency: Duration::from_millis(15),
                error_rate: 0.2,
                drop_after_store_rate: 0.2,
                ..Faults::default()
            },
            8,
        ),
    ];
    for (faults, more) in rounds {
        e.sb.set_faults(faults);
        let seen = e.sb.stats().total;
        let mut child = e.spawn(&["--concurrency", "3", "--timeout", "0.1"]);
        tokio::select! {
            () = e.sb.wait_for_requests(seen + more) => {}
            status = child.wait() => panic!("the run ended before it was killed: {status:?}"),
        }
        let pid = child.id().unwrap().to_string();
        std::process::Command::new("kill")
            .args(["-9", &pid])
            .status()
            .unwrap();
        let status = child.wait().await.unwrap();
        assert_eq!(status.code(), None, "killed by a signal");
    }
    e.sb.set_faults(Faults::default());
    let mut last = None;
    for _ in 0..3 {
        let run = e.run(&[]).await;
        last = Some(run.code);
        if run.code == 0 {
            break;
        }
    }
    assert_eq!(last, Some(0));
    let report = e.report();
    assert_every_row_once(&report, n);
    for (i, line) in report.iter().enumerate() {
        let ok = line.contains(",created,")
            || line.contains(",unchanged,")
            || line.contains(",updated,");
        assert!(ok && line.contains(&account(i)), "{line}");
    }
    assert_eq!(
        e.accounts().values().copied().collect::<Vec<_>>(),
        vec![1; n],
        "{:#?}",
        e.accounts()
    );
    // Every ID in the report is the stored customer's.
    let report = e.work.report("in.csv.report.csv");
    for row in &report[1..] {
        assert_eq!(e.customer(&row[3])["ID"], row[4].as_str());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_create_is_resolved_by_lookup_on_the_next_run() {
    // The answer to a create never arrives and the lookup to check it fails too: the next run
    // must look it up before creating, and find it.
    let e = env(SandboxConfig::default()).await;
    e.input(&customers_csv(2));
    e.sb.set_faults(scripted("1002", FaultKind::DropAfterStore, 1));
    // A budget that ends right after the dropped create, before the lookup that would check it.
    let run = e.run(&["--concurrency", "1", "--max-requests", "3"]).await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert_eq!(e.accounts().get("1002"), Some(&1));
    e.sb.reset_stats();
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(e.accounts().get("1002"), Some(&1));
    let report = e.report();
    assert_eq!(report[0].split(',').nth(1), Some("unchanged"));
    assert!(
        report[1].starts_with("3,unchanged,1002,OnTime already holds exactly this"),
        "{report:?}"
    );
    let id = e.customer("1002")["ID"].as_str().unwrap().to_string();
    assert_eq!(
        e.log(),
        [
            "GET api/customers 200".to_string(),
            "GET api/customers?accountNumber=1002 200".to_string(),
            format!("GET api/customers/{id} 200")
        ]
    );
    assert_eq!(
        e.sb.stats().endpoint_total("POST api/customer/post"),
        0,
        "{:?}",
        e.log()
    );
}
