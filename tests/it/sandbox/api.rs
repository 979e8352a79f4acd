//! The OnTime endpoints: create, get, list with every filter, whole-record update, nested and
//! separate children.

use chrono::Utc;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{acme, id_of, message, start_default};

#[tokio::test]
async fn create_answers_201_with_ids_for_customer_and_children() {
    let api = start_default().await;
    let created = api
        .create(json!({
            "Name": "Acme", "AccountNumber": "1001", "City": "Boston",
            "BillingAdjustmentPercentage": 45, "Inactive": false, "PricingMethod": "ZoneToZone",
            "PriceSets": [Uuid::new_v4().to_string()],
            "Departments": [{"Name": "Shipping"}],
            "Contacts": [{"Name": "Ann", "Email": "ann@acme.com", "Phone": "555"}],
        }))
        .await;
    let id = id_of(&created);
    assert!(Uuid::parse_str(&id).is_ok());
    assert_eq!(created["City"], "Boston");
    assert_eq!(created["BillingAdjustmentPercentage"], 45);
    assert_eq!(created["Phone"], Value::Null, "absent fields are blank");
    let dept = &created["Departments"][0];
    assert!(Uuid::parse_str(dept["ID"].as_str().expect("ID")).is_ok());
    assert_eq!(dept["CustomerID"], id.as_str());
    assert_eq!(dept["Name"], "Shipping");
    assert_eq!(created["Contacts"][0]["Email"], "ann@acme.com");
    assert_eq!(created["Contacts"][0]["CustomerID"], id.as_str());
    // GET answers the same record, and so does the inspection snapshot.
    assert_eq!(api.fetch(&id).await, created);
    assert_eq!(api.sandbox.customers(), vec![created]);
}

#[tokio::test]
async fn get_unknown_or_malformed_id() {
    let api = start_default().await;
    let unknown = api.get(&format!("api/customers/{}", Uuid::new_v4())).await;
    assert!(
        message(unknown, StatusCode::NOT_FOUND)
            .await
            .contains("No customer")
    );
    let bad = api.get("api/customers/not-a-guid").await;
    assert!(
        message(bad, StatusCode::BAD_REQUEST)
            .await
            .contains("not-a-guid")
    );
}

#[tokio::test]
async fn unknown_properties_are_ignored_and_null_is_blank() {
    let api = start_default().await;
    let created = api
        .create(json!({"Name": "Acme", "Colour": "red", "City": null, "Inactive": null}))
        .await;
    assert!(created.get("Colour").is_none());
    assert_eq!(created["City"], Value::Null);
    assert_eq!(created["Inactive"], Value::Null);
}

#[tokio::test]
async fn every_list_filter_matches_exactly() {
    let api = start_default().await;
    let full = |n: &str, inactive: bool| {
        json!({
            "Name": format!("Name{n}"), "AccountNumber": format!("A{n}"),
            "Email": format!("e{n}@x.com"), "ReferenceNumber": format!("R{n}"),
            "City": format!("City{n}"), "State": format!("S{n}"), "PostalCode": format!("0{n}"),
            "Country": format!("C{n}"), "PrimaryContactName": format!("P{n}"),
            "AddressLine1": format!("L{n}"), "Inactive": inactive,
        })
    };
    let a = id_of(&api.create(full("1", false)).await);
    let between = Utc::now();
    let b = id_of(&api.create(full("2", true)).await);
    assert_eq!(
        api.list("").await,
        vec![a.clone(), b.clone()],
        "no filter = all"
    );
    let params = [
        ("accountNumber", "A"),
        ("name", "Name"),
        ("email", "e"),
        ("referenceNumber", "R"),
        ("city", "City"),
        ("state", "S"),
        ("postalCode", "0"),
        ("country", "C"),
        ("primaryContactName", "P"),
        ("addressLine1", "L"),
    ];
    for (param, prefix) in params {
        let email_suffix = if param == "email" { "@x.com" } else { "" };
        let query = format!("{param}={prefix}2{email_suffix}");
        assert_eq!(api.list(&query).await, vec![b.clone()], "{query}");
        let upper = format!("{param}={}2{email_suffix}", prefix.to_uppercase());
        if prefix != prefix.to_uppercase() {
            assert!(api.list(&upper).await.is_empty(), "case-sensitive: {upper}");
        }
    }
    assert!(
        api.list("accountNumber=A").await.is_empty(),
        "exact, not prefix"
    );
    assert_eq!(
        api.list("ACCOUNTNUMBER=A1").await,
        vec![a.clone()],
        "names ignore case"
    );
    assert_eq!(
        api.list("accountNumber=").await.len(),
        2,
        "empty value = no filter"
    );
    assert_eq!(
        api.list("colour=red").await.len(),
        2,
        "unknown parameters ignored"
    );
    assert_eq!(
        api.list("accountNumber=A1&city=City1").await,
        vec![a.clone()]
    );
    assert!(api.list("accountNumber=A1&city=City2").await.is_empty());
    assert_eq!(api.list("inactive=true").await, vec![b.clone()]);
    assert_eq!(api.list("inactive=false").await, vec![a.clone()]);
    let t = between.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let t = t.replace('+', "%2B");
    assert_eq!(
        api.list(&format!("creationDateMax={t}")).await,
        vec![a.clone()]
    );
    assert_eq!(
        api.list(&format!("creationDateMin={t}")).await,
        vec![b.clone()]
    );
    assert_eq!(
        api.list(&format!("lastModifiedDateMin={t}")).await,
        vec![b.clone()]
    );
    // Updating A moves its modification time, not its creation time.
    api.create(json!({"ID": a, "Name": "Name1"})).await;
    assert_eq!(
        api.list(&format!("lastModifiedDateMin={t}")).await,
        vec![a.clone(), b.clone()]
    );
    assert_eq!(
        api.list(&format!("lastModifiedDateMax={t}")).await,
        Vec::<String>::new()
    );
    assert_eq!(api.list("creationDateMin=2000-01-01").await.len(), 2);
    assert!(
        api.list("creationDateMax=2000-01-01T00:00:00")
            .await
            .is_empty()
    );
    let bad = api.get("api/customers?inactive=maybe").await;
    assert!(
        message(bad, StatusCode::BAD_REQUEST)
            .await
            .contains("'inactive'")
    );
    let bad = api.get("api/customers?creationDateMin=yesterday").await;
    assert!(
        message(bad, StatusCode::BAD_REQUEST)
            .await
            .contains("'creationDateMin'")
    );
}

#[tokio::test]
async fn update_replaces_the_whole_record() {
    let api = start_default().await;
    let created = api
        .create(json!({"Name": "Acme", "AccountNumber": "1", "City": "Boston", "Inactive": true}))
        .await;
    let id = id_of(&created);
    let updated = api
        .create(json!({"ID": id, "Name": "Acme Ltd", "AccountNumber": "1"}))
        .await;
    assert_eq!(id_of(&updated), id);
    assert_eq!(updated["Name"], "Acme Ltd");
    assert_eq!(updated["City"], Value::Null, "left out = blanked");
    assert_eq!(updated["Inactive"], Value::Null);
    assert_eq!(api.fetch(&id).await, updated);
    assert_eq!(api.sandbox.customers().len(), 1, "no new record");
    // Lookups follow the change of account number.
    api.create(json!({"ID": id, "Name": "Acme Ltd", "AccountNumber": "2"}))
        .await;
    assert!(api.list("accountNumber=1").await.is_empty());
    assert_eq!(api.list("accountNumber=2").await, vec![id.clone()]);
    assert_eq!(
        api.list("accountNumber=2&name=Acme%20Ltd").await,
        vec![id.clone()]
    );
    assert!(api.list("accountNumber=2&name=Acme").await.is_empty());
    // Uppercase Guids name the same record.
    let upper = json!({"ID": id.to_uppercase(), "Name": "Acme"});
    assert_eq!(id_of(&api.create(upper).await), id);
}

#[tokio::test]
async fn update_with_unknown_id_is_400() {
    let api = start_default().await;
    let body = json!({"ID": Uuid::new_v4().to_string(), "Name": "Ghost"});
    let text = message(
        api.post("api/customer/post", &body).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(text.contains("'ID'"), "{text}");
    assert!(api.sandbox.customers().is_empty());
}

#[tokio::test]
async fn nested_children_are_created_updated_and_kept() {
    let api = start_default().await;
    let created = api
        .create(json!({
            "Name": "Acme",
            "Departments": [{"Name": "Shipping"}, {"Name": "Billing"}],
            "Contacts": [{"Name": "Ann", "Phone": "1"}],
        }))
        .await;
    let id = id_of(&created);
    let shipping = id_of(&created["Departments"][0]);
    let billing = id_of(&created["Departments"][1]);
    let ann = id_of(&created["Contacts"][0]);
    let updated = api
        .create(json!({
            "ID": id, "Name": "Acme",
            "Departments": [{"ID": billing, "CustomerID": id, "Name": "Accounts"}, {"Name": "Sales"}],
            "Contacts": [{"ID": ann, "Name": "Ann B"}],
        }))
        .await;
    let depts = updated["Departments"].as_array().expect("array");
    let names: Vec<_> = depts.iter().map(|d| d["Name"].as_str()).collect();
    assert_eq!(names, [Some("Shipping"), Some("Accounts"), Some("Sales")]);
    assert_eq!(id_of(&depts[0]), shipping, "kept");
    assert_eq!(id_of(&depts[1]), billing, "updated in place");
    assert!(Uuid::parse_str(&id_of(&depts[2])).is_ok(), "created");
    let contact = &updated["Contacts"][0];
    assert_eq!(
        (contact["Name"].as_str(), &contact["Phone"]),
        (Some("Ann B"), &Value::Null)
    );
    // No Departments/Contacts at all keeps every child.
    let bare = api.create(json!({"ID": id, "Name": "Acme"})).await;
    assert_eq!(bare["Departments"].as_array().map(Vec::len), Some(3));
    assert_eq!(bare["Contacts"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn nested_child_of_another_customer_is_400() {
    let api = start_default().await;
    let other = api
        .create(json!({"Name": "Other", "Departments": [{"Name": "D"}]}))
        .await;
    let foreign = id_of(&other["Departments"][0]);
    let mine = id_of(&api.create(json!({"Name": "Mine"})).await);
    let cases = [
        (
            json!({"ID": mine, "Name": "Mine", "Departments": [{"ID": foreign, "Name": "X"}]}),
            "Departments[0].ID",
        ),
        (
            json!({"ID": mine, "Name": "Mine", "Contacts": [{"Name": "C"}, {"ID": Uuid::new_v4().to_string(), "Name": "X"}]}),
            "Contacts[1].ID",
        ),
        (
            json!({"ID": mine, "Name": "Mine", "Departments": [{"CustomerID": id_of(&other), "Name": "X"}]}),
            "Departments[0].CustomerID",
        ),
        (
            json!({"Name": "New", "Departments": [{"ID": foreign, "Name": "X"}]}),
            "Departments[0].ID",
        ),
    ];
    for (body, field) in cases {
        let text = message(
            api.post("api/customer/post", &body).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert!(text.contains(&format!("'{field}'")), "{field}: {text}");
    }
    // Nothing was changed by the failed posts.
    let mine_now = api.fetch(&mine).await;
    assert_eq!(mine_now["Departments"], json!([]));
    assert_eq!(mine_now["Contacts"], json!([]));
    assert_eq!(api.sandbox.customers().len(), 2);
}

#[tokio::test]
async fn department_and_contact_posts() {
    let api = start_default().await;
    let id = id_of(&api.create(acme("7")).await);
    let response = api
        .post(
            "api/department/post",
            &json!({"CustomerID": id, "Name": "Ops"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let dept: Value = response.json().await.expect("JSON");
    assert_eq!(dept["CustomerID"], id.as_str());
    let dept_id = id_of(&dept);
    let response = api
        .post(
            "api/department/post",
            &json!({"ID": dept_id, "CustomerID": id, "Name": "Operations"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let contact: Value = api
        .post(
            "api/contact/post",
            &json!({"CustomerID": id, "Name": "Bo", "Email": "bo@x.com"}),
        )
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(contact["Email"], "bo@x.com");
    assert_eq!(contact["Phone"], Value::Null);
    let customer = api.fetch(&id).await;
    assert_eq!(
        customer["Departments"],
        json!([{"ID": dept_id, "CustomerID": id, "Name": "Operations"}])
    );
    assert_eq!(customer["Contacts"][0], contact);

    let other = id_of(&api.create(acme("8")).await);
    let cases = [
        ("api/department/post", json!({"Name": "X"}), "CustomerID"),
        (
            "api/department/post",
            json!({"CustomerID": Uuid::new_v4().to_string(), "Name": "X"}),
            "CustomerID",
        ),
        (
            "api/department/post",
            json!({"CustomerID": "nope", "Name": "X"}),
            "CustomerID",
        ),
        (
            "api/department/post",
            json!({"ID": dept_id, "CustomerID": other, "Name": "X"}),
            "ID",
        ),
        ("api/department/post", json!({"CustomerID": id}), "Name"),
        (
            "api/contact/post",
            json!({"CustomerID": id, "Name": "X", "Phone": 5}),
            "Phone",
        ),
        (
            "api/contact/post",
            json!({"ID": Uuid::new_v4().to_string(), "CustomerID": id, "Name": "X"}),
            "ID",
        ),
    ];
    for (path, body, field) in cases {
        let text = message(api.post(path, &body).await, StatusCode::BAD_REQUEST).await;
        assert!(
            text.contains(&format!("'{field}'")),
            "{path} {body}: {text}"
        );
    }
}

#[tokio::test]
async fn seeded_records_are_served_without_counting() {
    let api = start_default().await;
    let id = api.sandbox.insert_customer(json!({
        "Name": "Seeded", "AccountNumber": "S1", "Departments": [{"Name": "D"}],
    }));
    assert_eq!(api.sandbox.stats().total, 0);
    let customer = api.fetch(&id).await;
    assert_eq!(customer["AccountNumber"], "S1");
    assert!(Uuid::parse_str(&id_of(&customer["Departments"][0])).is_ok());
    assert_eq!(api.list("accountNumber=S1").await, vec![id.clone()]);
    // Seeding with an existing ID replaces that customer, lookups included.
    api.sandbox
        .insert_customer(json!({"ID": id, "Name": "Reseeded", "AccountNumber": "S2"}));
    assert!(api.list("accountNumber=S1").await.is_empty());
    assert_eq!(api.list("accountNumber=S2").await, vec![id]);
    assert_eq!(api.sandbox.customers().len(), 1);
}

#[tokio::test]
async fn wrong_company_path_and_method() {
    let api = start_default().await;
    let url = format!("{}/sites/other/api/customers", api.sandbox.base_url());
    let response = api
        .http
        .get(url)
        .header("Authorization", "sandbox-key")
        .send()
        .await
        .expect("answer");
    assert!(
        message(response, StatusCode::NOT_FOUND)
            .await
            .contains("other")
    );
    let response = api.get("api/orders").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = api.get("api/customer/post").await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    // Routes ignore case and a trailing slash, as ASP.NET's do.
    let response = api.post("API/Customer/Post/", &acme("1")).await;
    assert_eq!(response.status(), StatusCode::CREATED);
}
