//! Export → import is 0 posts: the shipped sample, and values that a careless writer would
//! change on the way (leading zeros, digits only, empty fields, many children, unicode).

use serde_json::json;

use super::{export, restores_unchanged, seen};
use crate::upload::env_default;
use crate::util::read_csv;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sample_exported_and_imported_back_is_all_unchanged() {
    let e = env_default().await;
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/customers.xlsx");
    std::fs::copy(sample, e.work.path("customers.xlsx")).unwrap();
    let default = concat!(env!("CARGO_MANIFEST_DIR"), "/mappings/default.toml");
    std::fs::copy(default, e.work.path("default.toml")).unwrap();
    let (run, _) = super::import(&e, "customers.xlsx", "default.toml", "sample.db").await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let customers = e.sb.customers().len() as u64;
    assert_eq!(customers, 36);
    for file in ["backup.xlsx", "backup.csv"] {
        let reads = seen(&e, "GET api/customers/{id}");
        let run = export(&e, file, &[]).await;
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(
            run.stderr.contains(&format!(
                "exported {customers} customers (58 rows) to {file}"
            )),
            "{}",
            run.stderr
        );
        assert!(!run.stderr.contains("warning"), "{}", run.stderr);
        assert_eq!(seen(&e, "GET api/customers/{id}") - reads, customers);
        assert!(!e.work.path(&format!("{file}.partial")).exists());
    }
    restores_unchanged(&e, &["backup.xlsx", "backup.csv"]).await;
}

const PRICE_SET: &str = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";
const OTHER_SET: &str = "9a0c0305-e82c-4301-8f89-11d33f2504e0";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn awkward_values_come_back_exactly() {
    let e = env_default().await;
    e.sb.insert_customer(json!({
        "Name": "Zürich Café — 東京 \"Quoted\", Ltd",
        "AccountNumber": "00721",
        "PostalCode": "02134",
        "Phone": "+44 (0)20 7946 0000",
        "Fax": "",
        "Email": "ops@zurich.example",
        "ReferenceNumber": "1.500",
        "PurchaseOrderNumber": "=SUM(A1:A2)",
        "State": "TRUE",
        "Comments": "line one\nline two; with, commas",
        "BillingAdjustmentPercentage": 1.125,
        "SendInvoiceByEmail": true,
        "SendInvoiceByFax": false,
        "Inactive": true,
        "PricingMethod": "ZoneToZone",
        "DefaultPriceSet": PRICE_SET,
        "PriceSets": [PRICE_SET, OTHER_SET],
        "Departments": [{"Name": "Ärzte"}, {"Name": "Lab 2"}, {"Name": "0042"}],
        "Contacts": [
            {"Name": "Søren Ødegård", "Email": "soren@zurich.example", "Phone": "0044"},
            {"Name": "No Email"}
        ]
    }));
    e.sb.insert_customer(json!({
        "Name": "Digits Only",
        "AccountNumber": "12345678901234567890",
        "PostalCode": "00000",
        "BillingAdjustmentPercentage": -12.5,
        "Contacts": [{"Name": "Ann", "Phone": "007"}, {"Name": "Bo", "Email": "bo@x.example"}]
    }));
    e.sb.insert_customer(json!({"Name": "Bare", "AccountNumber": "1e"}));
    for file in ["awkward.xlsx", "awkward.csv"] {
        let run = export(&e, file, &[]).await;
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    }
    let rows = read_csv(&e.work.path("awkward.csv"));
    let headers = &rows[0];
    let at = |row: usize, header: &str| {
        let column = headers.iter().position(|h| h == header).unwrap();
        rows[row][column].clone()
    };
    let zurich = (1..rows.len())
        .find(|r| at(*r, "AccountNumber") == "00721")
        .unwrap();
    let bytes = std::fs::read(e.work.path("awkward.csv")).unwrap();
    assert!(
        bytes.starts_with("\u{feff}ID,".as_bytes()),
        "a byte-order mark, then the ID"
    );
    assert_eq!(at(zurich, "PostalCode"), "02134");
    assert_eq!(at(zurich, "BillingAdjustmentPercentage"), "1.1250");
    assert_eq!(at(zurich + 2, "Department Name"), "0042");
    assert_eq!(at(zurich + 2, "Contact Name"), "");
    assert_eq!(at(zurich, "PriceSets"), format!("{PRICE_SET};{OTHER_SET}"));
    assert_eq!(rows.len(), 1 + 3 + 2 + 1, "one row per department/contact");
    restores_unchanged(&e, &["awkward.xlsx", "awkward.csv"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_an_import_could_not_restore_as_they_are_are_named() {
    let e = env_default().await;
    e.sb.insert_customer(json!({"Name": "No Account"}));
    e.sb.insert_customer(json!({"Name": "Twin A", "AccountNumber": "77"}));
    e.sb.insert_customer(json!({"Name": "Twin B", "AccountNumber": "77"}));
    e.sb.insert_customer(json!({"Name": "  Padded  ", "AccountNumber": "78"}));
    let run = export(&e, "odd.csv", &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    for said in [
        "warning: 1 values would not come back the same from an import of odd.csv with mappings/export.toml:\n  customer \"78\", Name: \"  Padded  \" would be read as \"Padded\"",
        "warning: 1 customers have no AccountNumber",
        "warning: 1 account numbers are held by more than one customer (\"77\" by 2)",
    ] {
        assert!(run.stderr.contains(said), "{said}\n{}", run.stderr);
    }
    // Importing it back refuses what it cannot tell apart and creates nothing.
    e.work.write("export.toml", super::export_mapping());
    let posts = e.posts();
    let (run, report) = super::import(&e, "odd.csv", "export.toml", "odd.db").await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(e.posts() - posts, 1, "only the padded name: {report:#?}");
    assert_eq!(e.sb.customers().len(), 4, "nothing created: {report:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_puts_back_what_was_changed_since_and_creates_nothing() {
    let e = env_default().await;
    let id = e.sb.insert_customer(json!({
        "Name": "Acme", "AccountNumber": "0100", "Phone": "617-555-0100",
        "Contacts": [{"Name": "Ann", "Email": "ann@acme.example", "Phone": "617-555-0199"}]
    }));
    e.sb.insert_customer(json!({"Name": "Kept", "AccountNumber": "0200"}));
    let run = export(&e, "backup.csv", &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    // A bad import since: a name and a phone overwritten, a contact's phone and name too.
    let mut changed = e.customer("0100");
    changed["Name"] = json!("ACME (wrong)");
    changed["Phone"] = json!("000");
    changed["Contacts"][0]["Name"] = json!("Ann (wrong)");
    changed["Contacts"][0]["Phone"] = json!("999");
    e.sb.insert_customer(changed);
    e.work.write("export.toml", super::export_mapping());
    let path = e.work.path("backup.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    // A customer the backup has and OnTime does not (a backup of another account, say).
    let mut stranger = vec![""; 36];
    (stranger[0], stranger[1], stranger[13]) = ("new-id", "Stranger", "0300");
    std::fs::write(&path, format!("{text}{}\n", stranger.join(","))).unwrap();
    let posts = e.posts();
    let restore = ["backup.csv", "-m", "export.toml", "--mode", "update-only"];
    let mut args: Vec<String> = restore.iter().map(|s| s.to_string()).collect();
    args.extend(["--state".into(), "restore.db".into()]);
    args.extend(super::target(&e));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = e.work.run_async(&args, &[("ONTIME_API_KEY", &e.key)]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = crate::util::brief(&e.work.report("backup.csv.report.csv"));
    let statuses: Vec<&str> = report
        .iter()
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["updated", "unchanged", "skipped_missing"],
        "{report:#?}"
    );
    assert_eq!(e.posts() - posts, 1, "the one update");
    let restored = e.customer("0100");
    assert_eq!(restored["ID"], id);
    assert_eq!(
        (&restored["Name"], &restored["Phone"]),
        (&json!("Acme"), &json!("617-555-0100"))
    );
    // The contact is found by its email, and put back whole.
    let contact = &restored["Contacts"][0];
    assert_eq!(
        (&contact["Name"], &contact["Phone"]),
        (&json!("Ann"), &json!("617-555-0199"))
    );
    assert_eq!(restored["Contacts"].as_array().unwrap().len(), 1);
    assert_eq!(e.sb.customers().len(), 2, "nothing created");
}
