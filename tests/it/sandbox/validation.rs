//! Strict validation: every error is a 400 whose message names the field; nothing is stored.

use reqwest::StatusCode;
use serde_json::json;

use super::{message, start_default};

#[tokio::test]
async fn each_validation_error_names_its_field() {
    let api = start_default().await;
    let cases = [
        (json!({"City": "Boston"}), "Name"),
        (json!({"Name": null}), "Name"),
        (json!({"Name": "  "}), "Name"),
        (json!({"Name": 5}), "Name"),
        (json!({"Name": "A", "City": 12}), "City"),
        (json!({"Name": "A", "Email": ["a@b"]}), "Email"),
        (json!({"Name": "A", "Email": "n/a"}), "Email"),
        (
            json!({"Name": "A", "BillingEmail": "ann@acme"}),
            "BillingEmail",
        ),
        (
            json!({"Name": "A", "Contacts": [{"Name": "C", "Email": "not-an-address"}]}),
            "Contacts[0].Email",
        ),
        (
            json!({"Name": "A", "BillingAdjustmentPercentage": "45"}),
            "BillingAdjustmentPercentage",
        ),
        (json!({"Name": "A", "Inactive": "false"}), "Inactive"),
        (
            json!({"Name": "A", "SendInvoiceByEmail": 1}),
            "SendInvoiceByEmail",
        ),
        (
            json!({"Name": "A", "PricingMethod": "Zone"}),
            "PricingMethod",
        ),
        (
            json!({"Name": "A", "PricingMethod": "flatrate"}),
            "PricingMethod",
        ),
        (
            json!({"Name": "A", "DefaultPriceSet": "xyz"}),
            "DefaultPriceSet",
        ),
        (json!({"Name": "A", "PriceSets": "3f2c"}), "PriceSets"),
        (
            json!({"Name": "A", "PriceSets": ["not-a-guid"]}),
            "PriceSets[0]",
        ),
        (json!({"Name": "A", "ID": "123"}), "ID"),
        (json!({"Name": "A", "ID": 123}), "ID"),
        (
            json!({"Name": "A", "Departments": {"Name": "D"}}),
            "Departments",
        ),
        (json!({"Name": "A", "Departments": ["D"]}), "Departments[0]"),
        (
            json!({"Name": "A", "Departments": [{"Name": "D"}, {}]}),
            "Departments[1].Name",
        ),
        (
            json!({"Name": "A", "Contacts": [{"Name": "C", "Email": 3}]}),
            "Contacts[0].Email",
        ),
        (
            json!({"Name": "A", "Contacts": [{"Name": "C", "ID": "x"}]}),
            "Contacts[0].ID",
        ),
    ];
    for (body, field) in cases {
        let response = api.post("api/customer/post", &body).await;
        let text = message(response, StatusCode::BAD_REQUEST).await;
        assert!(text.contains(&format!("'{field}'")), "{body}: {text}");
    }
    assert!(api.sandbox.customers().is_empty(), "nothing stored");
}

#[tokio::test]
async fn every_pricing_method_and_guid_form_is_accepted() {
    let api = start_default().await;
    for method in ["None", "ZoneToZone", "Distance", "FlatRate"] {
        let guid = uuid::Uuid::new_v4();
        let body = json!({
            "Name": method, "PricingMethod": method,
            "DefaultPriceSet": guid.simple().to_string(),
            "PriceSets": [guid.braced().to_string(), guid.to_string().to_uppercase()],
        });
        let response = api.post("api/customer/post", &body).await;
        assert_eq!(response.status(), StatusCode::CREATED, "{method}");
    }
}

#[tokio::test]
async fn malformed_bodies_and_media_types() {
    let api = start_default().await;
    let raw = |body: &'static str, content_type: &'static str| {
        api.http
            .post(api.url("api/customer/post"))
            .header("Authorization", "sandbox-key")
            .header("Content-Type", content_type)
            .body(body)
            .send()
    };
    let response = raw("{\"Name\": ", "application/json")
        .await
        .expect("answer");
    assert!(
        message(response, StatusCode::BAD_REQUEST)
            .await
            .contains("not valid JSON")
    );
    let response = raw("", "application/json").await.expect("answer");
    assert!(
        message(response, StatusCode::BAD_REQUEST)
            .await
            .contains("empty")
    );
    let response = raw("[{\"Name\": \"A\"}]", "application/json")
        .await
        .expect("answer");
    assert!(
        message(response, StatusCode::BAD_REQUEST)
            .await
            .contains("JSON object")
    );
    let response = raw("{\"Name\": \"A\"}", "text/plain")
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let response = raw("{\"Name\": \"A\"}", "application/json; charset=utf-8")
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::CREATED);
    let response = api.post("api/department/post", &json!("text")).await;
    assert!(
        message(response, StatusCode::BAD_REQUEST)
            .await
            .contains("JSON object")
    );
}

/// A contact row with an email but no name: the sandbox refuses such a contact (`Name` is
/// required), so the dry run refuses the row first, naming row, field, column and value, and an
/// import sends nothing for that customer (no 400 is ever answered).
#[tokio::test]
async fn a_contact_without_a_name_is_refused_before_anything_is_sent() {
    let work = crate::util::Work::new();
    work.write(
        "m.toml",
        "[customer]\nAccountNumber = \"Acct\"\nName = \"Company\"\n\n[contact]\nName = \"Contact\"\nEmail = \"Contact Email\"\n",
    );
    work.write(
        "in.csv",
        "Acct,Company,Contact,Contact Email\n\
         1001,Acme,Ann,ann@acme.com\n\
         1002,Beta,,bo@beta.com\n",
    );
    let run = work.run(&["in.csv", "-m", "m.toml", "--dry-run"]);
    assert_eq!(run.code, 1, "{run:?}");
    let report = work.report("in.csv.report.csv");
    let row = |r: &Vec<String>| format!("{},{},{},{},{}", r[1], r[2], r[5], r[6], r[7]);
    let rows: Vec<String> = report[1..].iter().map(row).collect();
    assert_eq!(
        rows,
        [
            "2,valid,,,",
            "3,invalid,Name,Contact,Name: column \"Contact\" value \"\" is blank, but OnTime refuses a contact without a Name: fill it in, or leave all of the row's contact columns blank",
        ]
    );

    let api = super::start_default().await;
    let base = api.sandbox.base_url();
    let state = work.path("ledger.db").display().to_string();
    let args = [
        "in.csv",
        "-m",
        "m.toml",
        "--base-url",
        &base,
        "--company-id",
        "sandbox",
    ];
    let run = work
        .run_async(
            &[&args[..], &["--state", &state, "--rate", "500"]].concat(),
            &[("ONTIME_API_KEY", "sandbox-key")],
        )
        .await;
    assert_eq!(run.code, 1, "{run:?}");
    let stats = api.sandbox.stats();
    assert_eq!(stats.count("POST api/customer/post", "400"), 0, "{stats:?}");
    assert_eq!(stats.count("POST api/customer/post", "201"), 1, "{stats:?}");
    let stored: Vec<serde_json::Value> = api.sandbox.customers();
    let accounts: Vec<&serde_json::Value> = stored.iter().map(|c| &c["AccountNumber"]).collect();
    assert_eq!(accounts, [&json!("1001")]);
}
