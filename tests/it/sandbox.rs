//! The sandbox, through real HTTP: reqwest against in-process servers on 127.0.0.1:0, one server
//! per test so the tests run in parallel. One file per topic below; the helpers are here.

mod api;
mod binary;
mod clock;
mod control;
mod faults;
mod guard;
mod limits;
mod validation;

use ontime_sandbox::{self as sandbox, Sandbox, SandboxConfig};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};

/// A started sandbox and a client for it.
pub struct Api {
    pub sandbox: Sandbox,
    pub http: Client,
}

pub fn client() -> Client {
    Client::builder()
        .no_proxy()
        .build()
        .expect("a plain HTTP client builds")
}

/// Starts a sandbox with `config`.
pub async fn start(config: SandboxConfig) -> Api {
    let sandbox = sandbox::start(config).await.expect("sandbox starts");
    Api {
        sandbox,
        http: client(),
    }
}

/// Starts a sandbox with the default config.
pub async fn start_default() -> Api {
    start(SandboxConfig::default()).await
}

impl Api {
    /// `path` relative to `/sites/{company}/`, e.g. `api/customers`.
    pub fn url(&self, path: &str) -> String {
        format!(
            "{}/sites/{}/{path}",
            self.sandbox.base_url(),
            self.sandbox.company_id()
        )
    }

    pub fn control(&self, path: &str) -> String {
        format!("{}/__sandbox/{path}", self.sandbox.base_url())
    }

    /// GET `/__sandbox/{path}` (asserting 200), its JSON.
    pub async fn control_get(&self, path: &str) -> Value {
        let response = self
            .http
            .get(self.control(path))
            .send()
            .await
            .expect("answer");
        assert_eq!(response.status(), reqwest::StatusCode::OK, "{path}");
        response.json().await.expect("JSON")
    }

    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.http
            .post(self.url(path))
            .header("Authorization", self.sandbox.api_key())
            .json(body)
            .send()
            .await
            .expect("request answered")
    }

    pub async fn get(&self, path: &str) -> Response {
        self.http
            .get(self.url(path))
            .header("Authorization", self.sandbox.api_key())
            .send()
            .await
            .expect("request answered")
    }

    /// Creates a customer and returns the answer's JSON (asserting 201).
    pub async fn create(&self, body: Value) -> Value {
        let response = self.post("api/customer/post", &body).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.expect("JSON body")
    }

    /// GET api/customers/{id} (asserting 200).
    pub async fn fetch(&self, id: &str) -> Value {
        let response = self.get(&format!("api/customers/{id}")).await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("JSON body")
    }

    /// The IDs `GET api/customers?{query}` lists (asserting 200).
    pub async fn list(&self, query: &str) -> Vec<String> {
        let response = self.get(&format!("api/customers?{query}")).await;
        assert_eq!(response.status(), StatusCode::OK, "query {query}");
        response.json().await.expect("JSON array")
    }
}

/// The `Message` of an error answer, after checking its status.
pub async fn message(response: Response, status: StatusCode) -> String {
    assert_eq!(response.status(), status);
    let body: Value = response.json().await.expect("JSON error body");
    body["Message"]
        .as_str()
        .expect("a Message string")
        .to_string()
}

pub fn id_of(customer: &Value) -> String {
    customer["ID"].as_str().expect("an ID").to_string()
}

/// A small valid customer.
pub fn acme(account: &str) -> Value {
    json!({ "Name": format!("Acme {account}"), "AccountNumber": account })
}
