//! What each request sent is for, counted per kind for the summary: the figures a user checks
//! against the quota (a lookup per unknown customer, a read and a post per changed one).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use reqwest::Method;

use super::CUSTOMER_POST;
use super::attempt::Body;

/// What a request is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RequestKind {
    /// `GET api/customers`: every ID (the first request of a run, the empty-account check), or
    /// the IDs changed in a time window (`lastModifiedDateMin`).
    List,
    /// `GET api/customers?field=value`: a customer looked up by its match value.
    Lookup,
    /// `GET api/customers/{id}`: one full record.
    Read,
    /// `POST api/customer/post` without an ID.
    Create,
    /// `POST api/customer/post` of a merged record.
    Update,
    /// `POST api/department/post` or `api/contact/post`.
    Children,
}

impl RequestKind {
    const ALL: [RequestKind; 6] = [
        RequestKind::List,
        RequestKind::Lookup,
        RequestKind::Read,
        RequestKind::Create,
        RequestKind::Update,
        RequestKind::Children,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            RequestKind::List => "list",
            RequestKind::Lookup => "lookup",
            RequestKind::Read => "read",
            RequestKind::Create => "create",
            RequestKind::Update => "update",
            RequestKind::Children => "children",
        }
    }

    /// The kind of a request the client sends: a create's body is JSON text already written,
    /// an update's a merged record.
    pub(super) fn of(method: &Method, path: &str, body: &Body<'_>) -> RequestKind {
        match (method, path, body) {
            (&Method::POST, CUSTOMER_POST, Body::Text(_)) => RequestKind::Create,
            (&Method::POST, CUSTOMER_POST, _) => RequestKind::Update,
            (&Method::POST, _, _) => RequestKind::Children,
            (_, "api/customers", _) => RequestKind::List,
            (_, path, _) if path.starts_with("api/customers?lastModifiedDate") => RequestKind::List,
            (_, path, _) if path.starts_with("api/customers?") => RequestKind::Lookup,
            _ => RequestKind::Read,
        }
    }
}

/// Requests sent, per kind (each attempt counts, as in the total).
#[derive(Debug, Default)]
pub(super) struct Tally([AtomicU64; 6]);

impl Tally {
    pub(super) fn add(&self, kind: RequestKind) {
        self.0[kind as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// The kinds sent at least once, with their counts.
    pub(super) fn counts(&self) -> BTreeMap<&'static str, u64> {
        RequestKind::ALL
            .iter()
            .map(|kind| {
                (
                    kind.as_str(),
                    self.0[*kind as usize].load(Ordering::Relaxed),
                )
            })
            .filter(|(_, n)| *n > 0)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_request_the_client_sends_has_its_kind() {
        let json = serde_json::json!({});
        let cases = [
            (Method::GET, "api/customers", Body::None, RequestKind::List),
            (
                Method::GET,
                "api/customers?accountNumber=1",
                Body::None,
                RequestKind::Lookup,
            ),
            (
                Method::GET,
                "api/customers/ab-12",
                Body::None,
                RequestKind::Read,
            ),
            (
                Method::POST,
                CUSTOMER_POST,
                Body::Text(b"{}"),
                RequestKind::Create,
            ),
            (
                Method::POST,
                CUSTOMER_POST,
                Body::Json(&json),
                RequestKind::Update,
            ),
            (
                Method::POST,
                "api/contact/post",
                Body::Json(&json),
                RequestKind::Children,
            ),
        ];
        for (method, path, body, kind) in cases {
            assert_eq!(RequestKind::of(&method, path, &body), kind, "{path}");
        }
    }
}
