//! `ontime-import export` (issue 15, part 4) through the real binary against the sandbox: an
//! export imported back with `mappings/export.toml` is all `unchanged` and posts nothing, for
//! the shipped sample and for awkward values, in .xlsx and .csv; an export stopped midway goes
//! on without reading again what it has; what it says is snapshotted.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod failures;
mod resume;
mod round_trip;

use crate::upload::Env;
use crate::util::{Run, brief};

/// The shipped mapping for exports.
fn export_mapping() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/mappings/export.toml")).unwrap()
}

/// The arguments that point the binary at the sandbox.
fn target(e: &Env) -> Vec<String> {
    vec![
        "--base-url".into(),
        e.sb.base_url(),
        "--company-id".into(),
        e.sb.company_id().into(),
        "--rate".into(),
        "500".into(),
        "--timeout".into(),
        "2".into(),
    ]
}

/// `ontime-import export -o FILE` against the sandbox, then `extra`.
async fn export(e: &Env, file: &str, extra: &[&str]) -> Run {
    let mut args: Vec<String> = vec!["export".into(), "-o".into(), file.into()];
    args.extend(target(e));
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = e.work.run_async(&args, &[("ONTIME_API_KEY", &e.key)]).await;
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run
}

/// Imports `file` with `mapping` (a file in the work folder) and a ledger of its own; the run
/// and its report's brief lines.
async fn import(e: &Env, file: &str, mapping: &str, state: &str) -> (Run, Vec<String>) {
    let report = format!("{file}.report.csv");
    let mut args: Vec<String> = [file, "-m", mapping, "--state", state, "--report", &report]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(target(e));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = e.work.run_async(&args, &[("ONTIME_API_KEY", &e.key)]).await;
    let lines = brief(&e.work.report(&report));
    (run, lines)
}

/// Requests the sandbox saw on `endpoint` (`GET api/customers/{id}`, …).
fn seen(e: &Env, endpoint: &str) -> u64 {
    e.sb.stats().endpoint_total(endpoint)
}

/// Imports each of `files` with `mappings/export.toml` and a fresh ledger: every customer must
/// be `unchanged`, and nothing posted.
async fn restores_unchanged(e: &Env, files: &[&str]) {
    e.work.write("export.toml", export_mapping());
    for file in files {
        let posts = e.posts();
        let (run, report) = import(e, file, "export.toml", &format!("{file}.db")).await;
        assert_eq!(run.code, 0, "{file}: {}", run.stderr);
        let changed: Vec<&String> = report
            .iter()
            .filter(|line| line.split(',').nth(1) != Some("unchanged"))
            .collect();
        assert!(changed.is_empty(), "{file}: {changed:#?}\n{}", run.stderr);
        assert_eq!(e.posts() - posts, 0, "{file}: {}", e.log().join("\n"));
    }
}
