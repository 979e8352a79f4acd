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
