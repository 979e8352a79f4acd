//! What users read, as snapshots: `--help`, the summary of a dry run and of a run against the
//! built-in sandbox, and the messages of runs that cannot start. What changes from run to run
//! (elapsed time, a log line's timestamp, the sandbox's port, the quota's reset date) is
//! replaced by a placeholder first.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use crate::util::{SIMPLE_MAPPING, Work};

/// The shipped sample and mapping, copied into `work` under their own names.
fn samples(work: &Work) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sample = std::fs::read(root.join("samples/customers.csv")).unwrap();
    work.write("customers.csv", sample);
    let mapping = std::fs::read(root.join("mappings/default.toml")).unwrap();
    work.write("default.toml", mapping);
}

/// `text` with what differs between runs replaced.
fn steady(text: &str) -> String {
    text.lines()
        .map(|line| {
            let line = match line.split_once("Z  ") {
                // A log line: `2026-12-06T05:22:52.846221Z  INFO …`.
                Some((stamp, rest)) if stamp.len() > 19 && stamp.as_bytes()[4] == b'-' => {
                    format!("[time]  {rest}")
                }
                _ => line.to_string(),
            };
            let line = replace_after(&line, "elapsed: ", ' ', "[s]");
            let line = replace_after(&line, "127.0.0.1:", ' ', "[port]");
            replace_after(&line, "(resets ", ')', "[date]")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Replaces the text after `marker` up to `end` (or the line's end) with `with`.
fn replace_after(line: &str, marker: &str, end: char, with: &str) -> String {
    let Some(at) = line.find(marker) else {
        return line.to_string();
    };
    let start = at + marker.len();
    let stop = line[start..].find(end).map_or(line.len(), |i| start + i);
    format!("{}{with}{}", &line[..start], &line[stop..])
}

#[test]
fn help() {
    let work = Work::new();
    // Help is wrapped to the terminal's width, which `COLUMNS` may give: 100 without one.
    let help = |args: &[&str]| {
        let output = work.command(args).env_remove("COLUMNS").output().unwrap();
        assert!(output.status.success());
        String::from_utf8(output.stdout).unwrap()
    };
    insta::assert_snapshot!("help", help(&["--help"]));
    insta::assert_snapshot!("sandbox_help", help(&["sandbox", "--help"]));
}

#[test]
fn summary_of_a_dry_run() {
    let work = Work::new();
    samples(&work);
    let run = work.run(&["customers.csv", "-m", "default.toml", "--dry-run"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("dry_run_summary", steady(&run.stderr));
}

#[test]
fn summary_of_a_run_against_the_sandbox() {
    let work = Work::new();
    samples(&work);
    let args = ["customers.csv", "-m", "default.toml", "--sandbox"];
    let run = work.run(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("sandbox_summary", steady(&run.stderr));
}

#[test]
fn messages_of_runs_that_cannot_start() {
    let work = Work::new();
    work.write("in.csv", "Acct,Company\n1001,Acme\n");
    work.write("m.toml", SIMPLE_MAPPING);
    work.write(
        "bad.toml",
        "[customer]\nNmae = \"Company\"\nAccountNumber = \"Acct\"\n",
    );
    let cases: [(&str, &[&str]); 4] = [
        ("no mapping", &["in.csv", "--dry-run"]),
        (
            "no input file",
            &["missing.csv", "-m", "m.toml", "--dry-run"],
        ),
        (
            "a column the file lacks",
            &["in.csv", "-m", "m.toml", "--dry-run"],
        ),
        (
            "a field OnTime lacks",
            &["in.csv", "-m", "bad.toml", "--dry-run"],
        ),
    ];
    let mut seen = String::new();
    for (name, args) in cases {
        let run = work.run(args);
        assert_eq!(run.code, 2, "{name}: {}", run.stderr);
        seen.push_str(&format!(
            "## {name} (exit {})\n{}\n",
            run.code,
            steady(&run.stderr)
        ));
    }
    insta::assert_snapshot!("cannot_start", seen);
}
