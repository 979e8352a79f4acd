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
