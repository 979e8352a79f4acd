//! Output paths: refused before the run when they name a file the run reads, the ledger or each
//! other (issue 14 #15), or an `--errors` name of the wrong format; a report held by a running
//! job is never destroyed (#13); an output that cannot be written stops the run with exit 3
//! (#14).

use std::io::{BufRead, Write};

use crate::upload::{customers_csv, env_default};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outputs_naming_the_ledger_the_input_or_each_other_are_refused() {
    let e = env_default().await;
    e.input(&customers_csv(3));
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let sent = e.sb.stats().total;
    let ledger = std::fs::read(e.work.path("ledger.db")).unwrap();
    std::fs::hard_link(e.work.path("in.csv"), e.work.path("link.csv")).unwrap();
    let state = e.work.path("ledger.db").display().to_string();
    let cases: [(&[&str], &str); 5] = [
        (&["--report", &state], "is the ledger (--state)"),
        (&["--summary-json", "./ledger.db"], "is the ledger"),
        (&["--errors", "link.csv"], "--errors link.csv is the input"),
        (
            &["--report", "r.csv", "--summary-json", "sub/../r.csv"],
            "--summary-json sub/../r.csv and --report name the same file",
        ),
        (
            &["--errors", "fix.csv", "--summary-json", "fix.csv"],
            "name the same file",
        ),
    ];
    std::fs::create_dir(e.work.path("sub")).unwrap();
    for (args, said) in cases {
        let run = e.run(args).await;
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(said), "{args:?}: {}", run.stderr);
    }
    assert_eq!(e.sb.stats().total, sent, "nothing was sent");
    assert_eq!(std::fs::read(e.work.path("ledger.db")).unwrap(), ledger);
    assert_eq!(
        std::fs::read_to_string(e.work.path("link.csv")).unwrap(),
        customers_csv(3)
    );
    assert!(!e.work.path("r.csv").exists() && !e.work.path("fix.csv").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_errors_name_of_the_wrong_format_is_refused_before_anything_is_read() {
    let e = env_default().await;
    e.input(&customers_csv(2));
    let run = e.run(&["--errors", "fix.xlsx"]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("--errors fix.xlsx: the errors file of in.csv is written as CSV"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("hint: name it for example fix.csv"));
    assert_eq!(e.sb.stats().total, 0);
    assert!(!e.work.path("in.csv.report.csv").exists());
    assert!(!e.work.path("in.csv.report.csv.partial").exists());
}

#[test]
fn a_running_jobs_report_is_never_destroyed() {
    let work = crate::util::Work::new();
    work.write("m.toml", crate::util::SIMPLE_MAPPING);
    work.write("in.csv", customers_csv(2));
    let run = work.run(&["in.csv", "-m", "m.toml", "--dry-run", "--report", "r.csv"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let before = std::fs::read(work.path("r.csv")).unwrap();
    // A job writing r.csv holds its partial file locked.
    let mut running = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(work.path("r.csv.partial"))
        .unwrap();
    running.write_all(b"rows of the running job\n").unwrap();
    running.try_lock().unwrap();
    let run = work.run(&["in.csv", "-m", "m.toml", "--dry-run", "--report", "r.csv"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("another run is writing this report"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read(work.path("r.csv")).unwrap(), before);
    assert_eq!(
        std::fs::read_to_string(work.path("r.csv.partial")).unwrap(),
        "rows of the running job\n"
    );
    drop(running);
    // A run that cannot start once the report is open (the mapping names a missing column)
    // leaves the last report as it was, and no partial file.
    std::fs::remove_file(work.path("r.csv.partial")).unwrap();
    work.write(
        "m.toml",
        "[customer]\nAccountNumber = \"Acct\"\nName = \"Nope\"\n",
    );
    let run = work.run(&["in.csv", "-m", "m.toml", "--dry-run", "--report", "r.csv"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(std::fs::read(work.path("r.csv")).unwrap(), before);
    assert!(!work.path("r.csv.partial").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outputs_that_cannot_be_written_at_the_end_make_exit_3() {
    let e = env_default().await;
    let mut csv = customers_csv(2);
    csv.push_str("1003,,bad,,\n");
    e.input(&csv);
    let run = e.run(&["--report", "/dev/full"]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("cannot write the report /dev/full"));
    assert_eq!(e.sb.stats().total, 0, "found before the first request");
    let run = e.run(&["--summary-json", "/dev/full"]).await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("cannot write the summary /dev/full"));
    assert!(run.stderr.contains("3 rows, 3 customers"), "{}", run.stderr);
    let run = e.run(&["--errors", "/dev/full"]).await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("cannot write the errors file /dev/full")
    );
    // The report of each is whole.
    assert_eq!(e.report().len(), 3);
}

/// The report's reader goes away mid-run (as a disk fills): no more customers are taken, the
/// summary is printed, and the exit code says "stopped" (3).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_that_cannot_be_written_mid_run_stops_the_run() {
    let n = 200;
    let e = env_default().await;
    e.input(&customers_csv(n));
    let fifo = e.work.path("report.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let child = e.spawn_with(
        &["--report", "report.fifo", "--rate", "40"],
        std::process::Stdio::piped(),
    );
    // Read the header and the first decided row, then close the pipe.
    let lines = tokio::task::spawn_blocking(move || {
        let reader = std::io::BufReader::new(std::fs::File::open(fifo).unwrap());
        reader
            .lines()
            .take(2)
            .map(Result::unwrap)
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    assert!(lines[0].ends_with("source,row,status,customer_key,customer_id,field,column,message"));
    assert!(lines[1].contains(",created,"), "{lines:?}");
    let output = child.wait_with_output().await.unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("stopped early: cannot write the report report.fifo"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{n} rows, {n} customers")),
        "{stderr}"
    );
    let created = e.sb.customers().len();
    assert!(
        created < n,
        "the run stopped taking customers: {created} created"
    );
}

/// A run killed mid-way leaves its rows in `REPORT.partial` and the last report untouched; the
/// rerun puts a whole report in place.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_runs_rows_are_in_the_partial_file_and_the_last_report_is_kept() {
    let n = 40;
    let e = env_default().await;
    e.input(&customers_csv(n));
    e.work.write("in.csv.report.csv", "the last run's report\n");
    let mut child = e.spawn(&["--rate", "40"]);
    e.sb.wait_for_requests(5).await;
    let pid = child.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-9", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    assert_eq!(
        child.wait().await.unwrap().code(),
        None,
        "killed by a signal"
    );
    assert_eq!(
        std::fs::read_to_string(e.work.path("in.csv.report.csv")).unwrap(),
        "the last run's report\n"
    );
    let partial = crate::util::read_csv(&e.work.path("in.csv.report.csv.partial"));
    assert_eq!(partial[0][0], "source");
    assert!(partial.len() <= n + 1);
    assert!(partial[1..].iter().all(|row| row.len() == 8), "{partial:?}");
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(e.report().len(), n);
    assert!(!e.work.path("in.csv.report.csv.partial").exists());
}
