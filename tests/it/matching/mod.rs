//! Matching against the account (issues 16 part 1 and 17 part 4): lookups planned from the
//! account's size, counted exactly with the sandbox's counters; possible duplicates flagged in
//! the plan and the report; `[match] also_by`.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod also_by;
mod counts;
mod duplicates;
mod reads;

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::upload::{Env, env_default};

/// Customers without children: `Acct`, `Company`, `Email`.
pub const MAPPING: &str = r#"
[customer]
AccountNumber = "Acct"
Name = "Company"
Email = "Email"
"#;

/// Writes `in.csv` with `rows` (`Acct`, `Company`, `Email`) and [`MAPPING`] (plus `extra`).
pub fn input(e: &Env, rows: &[(String, String, String)], extra: &str) {
    let mut csv = String::from("Acct,Company,Email\n");
    for (acct, name, email) in rows {
        csv.push_str(&format!("{acct},\"{name}\",{email}\n"));
    }
    e.work.write("in.csv", csv);
    e.work.write("m.toml", format!("{MAPPING}{extra}"));
}

/// Row `(acct, name, email)` of customer `acct`, as [`seed`] stores it.
pub fn row(acct: usize) -> (String, String, String) {
    (
        acct.to_string(),
        format!("Company {acct}"),
        format!("c{acct}@x.com"),
    )
}

/// Stores customers `accts` in the sandbox as rows [`row`] would send them (no request counted).
pub fn seed(e: &Env, accts: impl IntoIterator<Item = usize>) {
    for acct in accts {
        let (acct, name, email) = row(acct);
        e.sb.insert_customer(json!({"AccountNumber": acct, "Name": name, "Email": email}));
    }
}

/// Runs with `extra` and the summary JSON; the requests by kind as the summary said them,
/// checked against what the sandbox served.
pub async fn counted(e: &Env, extra: &[&str]) -> (crate::util::Run, BTreeMap<String, u64>) {
    e.sb.reset_stats();
    let mut args = vec!["--rate", "20000", "--summary-json", "summary.json"];
    args.extend(extra);
    let run = e.run(&args).await;
    let summary: Value =
        serde_json::from_slice(&std::fs::read(e.work.path("summary.json")).unwrap()).unwrap();
    let kinds: BTreeMap<String, u64> = summary["requests_by_kind"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, n)| (k.clone(), n.as_u64().unwrap()))
        .collect();
    let stats = e.sb.stats();
    assert_eq!(summary["requests"].as_u64(), Some(stats.total), "{kinds:?}");
    assert_eq!(
        kinds.get("read").copied().unwrap_or(0),
        stats.endpoint_total("GET api/customers/{id}"),
        "{kinds:?}"
    );
    (run, kinds)
}

/// `[("list", 1), ...]` as the summary's map.
pub fn kinds(wanted: &[(&str, u64)]) -> BTreeMap<String, u64> {
    wanted.iter().map(|(k, n)| (k.to_string(), *n)).collect()
}

/// The total of the estimate's first line: `estimate: about N requests …`.
pub fn estimated(stderr: &str) -> u64 {
    let line = stderr
        .lines()
        .find(|line| line.starts_with("estimate: about "))
        .unwrap_or_else(|| panic!("no estimate: {stderr}"));
    line["estimate: about ".len()..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

pub async fn fresh() -> Env {
    env_default().await
}
