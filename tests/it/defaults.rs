//! Mapping defaults fill gaps, constants overwrite (issue 12, finding 8): what dispatch typed in
//! OnTime survives an import whose cells are blank; `--plan` says which fields defaults set or
//! leave alone; a nightly rerun of the same file posts nothing.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use serde_json::{Value, json};

use crate::upload::{Env, env_default, typed_in_ontime};

/// The shipped mapping, as the tests' mapping file.
const DEFAULT_MAPPING: &str = include_str!("../../mappings/default.toml");

/// The header of the shipped samples' layout (every column `mappings/default.toml` names).
const HEADER: &str = "Acct No,Company,Primary Contact,Address 1,Address 2,City,State,ZIP,Country,Phone,Fax,Email,Billing Email,Website,Status,Pricing,Billing Adj %,Invoice By Email,Web Portal,Ref,Notes,Department,Contact,Contact Email,Contact Phone";

/// A row of the samples' layout with account, company, country, phone and pricing given (the
/// rest blank).
fn sample_row(acct: &str, company: &str, country: &str, phone: &str, pricing: &str) -> String {
    let mut cells = vec![""; 25];
    cells[0] = acct;
    cells[1] = company;
    cells[8] = country;
    cells[9] = phone;
    cells[15] = pricing;
    cells.join(",")
}

/// The values of `fields` OnTime holds for customer `acct`.
fn held(e: &Env, acct: &str, fields: &[&str]) -> Vec<Value> {
    let customer = e.customer(acct);
    fields.iter().map(|f| customer[*f].clone()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defaults_of_the_shipped_mapping_fill_gaps_and_never_overwrite() {
    let e = env_default().await;
    typed_in_ontime(
        &e,
        json!({"Name": "Acme", "AccountNumber": "1001", "Phone": "555-0100",
               "PricingMethod": "Distance", "Country": "CA", "TimeZone": "Pacific Standard Time"}),
    )
    .await;
    typed_in_ontime(&e, json!({"Name": "Blank Co", "AccountNumber": "1002"})).await;
    let rows = [
        sample_row("1001", "Acme", "", "555-0199", ""),
        sample_row("1002", "Blank Co", "", "", ""),
        sample_row("1003", "New Co", "", "", ""),
        sample_row("1004", "Mexico Co", "MX", "", "FlatRate"),
    ];
    e.work
        .write("in.csv", format!("{HEADER}\n{}\n", rows.join("\n")));
    e.work.write("m.toml", DEFAULT_MAPPING);

    let plan = e.run(&["--plan"]).await;
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    insta::assert_snapshot!("plan_with_the_shipped_mapping", e.report().join("\n"));
    assert_eq!(e.posts(), 0);

    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let zone = ["PricingMethod", "Country", "TimeZone", "Phone"];
    assert_eq!(
        held(&e, "1001", &zone),
        [
            json!("Distance"),
            json!("CA"),
            json!("Pacific Standard Time"),
            json!("555-0199")
        ],
        "what dispatch typed is kept; the changed phone is updated"
    );
    let defaults = [json!("None"), json!("US"), json!("Eastern Standard Time")];
    assert_eq!(
        held(&e, "1002", &zone[..3]),
        defaults,
        "blank in OnTime: filled"
    );
    assert_eq!(
        held(&e, "1003", &zone[..3]),
        defaults,
        "created with the defaults"
    );
    assert_eq!(
        held(&e, "1004", &zone[..3]),
        [
            json!("FlatRate"),
            json!("MX"),
            json!("Eastern Standard Time")
        ],
        "cells win over defaults"
    );

    // The nightly rerun of the same file posts nothing, and neither does a full comparison:
    // a default OnTime keeps out is no change.
    e.sb.reset_stats();
    assert_eq!(e.run(&[]).await.code, 0);
    assert_eq!(e.posts(), 0, "{:?}", e.log());
    let full = e.run(&["--full"]).await;
    assert_eq!(full.code, 0, "{}", full.stderr);
    assert_eq!(e.posts(), 0, "{:?}", e.log());
    let report = e.report();
    assert_eq!(
        report[0],
        "2,unchanged,1001,OnTime already holds this; default not applied: Country (OnTime has \"CA\"), PricingMethod (OnTime has \"Distance\"), TimeZone (OnTime has \"Pacific Standard Time\")"
    );
    assert!(
        report[1..].iter().all(|l| l.contains(",unchanged,")),
        "{report:#?}"
    );
}

const CONSTANT_MAPPING: &str = r#"
[customer]
AccountNumber = "Acct"
Name = "Company"
Country = { column = "Country", default = "US" }
TimeZone = { value = "Eastern Standard Time" }
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_constant_overwrites_where_a_default_would_not() {
    let e = env_default().await;
    typed_in_ontime(
        &e,
        json!({"Name": "Acme", "AccountNumber": "1001", "Country": "CA",
               "TimeZone": "Pacific Standard Time"}),
    )
    .await;
    e.work.write("in.csv", "Acct,Company,Country\n1001,Acme,\n");
    e.work.write("m.toml", CONSTANT_MAPPING);
    assert_eq!(e.run(&["--plan"]).await.code, 0);
    assert_eq!(
        e.report(),
        [
            "2,valid,1001,would update: TimeZone \"Pacific Standard Time\" → \"Eastern Standard Time\"; default not applied: Country (OnTime has \"CA\")"
        ]
    );
    let run = e.run(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(e.report(), ["2,updated,1001,updated: TimeZone"]);
    assert_eq!(
        held(&e, "1001", &["Country", "TimeZone"]),
        [json!("CA"), json!("Eastern Standard Time")]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cell_giving_what_a_default_gave_is_a_change() {
    let e = env_default().await;
    typed_in_ontime(
        &e,
        json!({"Name": "Acme", "AccountNumber": "1001", "Country": "CA"}),
    )
    .await;
    e.work.write("m.toml", CONSTANT_MAPPING);
    e.work.write("in.csv", "Acct,Company,Country\n1001,Acme,\n");
    assert_eq!(e.run(&[]).await.code, 0);
    assert_eq!(held(&e, "1001", &["Country"]), [json!("CA")]);
    // The same body, but "US" now typed in the sheet: the sheet wins.
    e.work
        .write("in.csv", "Acct,Company,Country\n1001,Acme,US\n");
    e.sb.reset_stats();
    assert_eq!(e.run(&[]).await.code, 0);
    assert_eq!(e.report(), ["2,updated,1001,updated: Country"]);
    assert_eq!(held(&e, "1001", &["Country"]), [json!("US")]);
    assert_eq!(e.posts(), 1);
    // Blank again: OnTime was given "US", so the default changes nothing and costs nothing.
    e.work.write("in.csv", "Acct,Company,Country\n1001,Acme,\n");
    e.sb.reset_stats();
    assert_eq!(e.run(&[]).await.code, 0);
    assert_eq!(e.posts(), 0);
    assert!(e.report()[0].starts_with("2,unchanged,1001,unchanged since the last run"));
}

const CONTACT_MAPPING: &str = r#"
[customer]
AccountNumber = "Acct"
Name = "Company"

[contact]
Name = "Contact"
Phone = { column = "Contact Phone", default = "000" }
"#;

/// A contact's default fills a new contact, and leaves the phone of one OnTime holds alone.
async fn contact_defaults(children: &[&str]) {
    let e = env_default().await;
    typed_in_ontime(
        &e,
        json!({"Name": "Acme", "AccountNumber": "1001",
               "Contacts": [{"Name": "Ann", "Phone": "555"}]}),
    )
    .await;
    e.work.write("m.toml", CONTACT_MAPPING);
    e.work.write(
        "in.csv",
        "Acct,Company,Contact,Contact Phone\n1001,Acme,Ann,\n1001,Acme,Bob,\n",
    );
    let run = e.run(children).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        e.report(),
        [
            "2,updated,1001,updated: Contacts",
            "3,updated,1001,updated: Contacts"
        ]
    );
    let contacts: Vec<(Value, Value)> = e.customer("1001")["Contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["Name"].clone(), c["Phone"].clone()))
        .collect();
    assert_eq!(
        contacts,
        [(json!("Ann"), json!("555")), (json!("Bob"), json!("000"))]
    );
    e.sb.reset_stats();
    let mut full = children.to_vec();
    full.push("--full");
    assert_eq!(e.run(&full).await.code, 0);
    assert_eq!(e.posts(), 0, "{:?}", e.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contact_default_fills_only_a_blank_nested() {
    contact_defaults(&[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contact_default_fills_only_a_blank_separate() {
    contact_defaults(&["--children", "separate"]).await;
}
