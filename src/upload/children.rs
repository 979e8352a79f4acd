//! `--children separate`: departments and contacts posted one by one through
//! `api/department/post` and `api/contact/post` with the customer's `CustomerID`, for accounts
//! where the nested form does not apply. Only children the record lacks (or whose fields
//! differ) are posted; a child create with an unknown outcome is checked against the record
//! before it is sent again.

use serde_json::Value as Json;

use super::client::{CallError, Client, Idempotent, escape};
use super::merge::{find_child, lay_over, same};
use super::progress::Wait;
use crate::group::Defaulted;
use ontime_api::{CustomerDraft, Entity, Fields};

/// Posts the draft's children that `existing` lacks or holds differently (a value `defaulted`
/// marks counts only where the child OnTime holds has that property blank).
pub(super) async fn post_missing(
    client: &Client,
    id: &str,
    draft: &CustomerDraft,
    defaulted: &Defaulted,
    existing: &Json,
) -> Result<(), String> {
    let lists = [
        (
            "Departments",
            Entity::Department,
            "api/department/post",
            &draft.departments,
        ),
        (
            "Contacts",
            Entity::Contact,
            "api/contact/post",
            &draft.contacts,
        ),
    ];
    for (list, entity, path, children) in lists {
        for (index, child) in children.iter().enumerate() {
            let current = find_child(existing, list, child);
            let mut body = match current {
                Some(Json::Object(item)) => item.clone(),
                _ => serde_json::Map::new(),
            };
            lay_over(&mut body, entity, child, defaulted.child(list, index));
            body.insert("CustomerID".into(), Json::String(id.to_string()));
            let body = Json::Object(body);
            match current {
                Some(item) if same(item, &body) => continue,
                Some(_) => client.post(path, &body, Idempotent::Yes).await.map(drop),
                None => create(client, id, list, path, child, &body).await,
            }
            .map_err(|error| {
                format!(
                    "{} \"{}\" failed: {error}",
                    &list[..list.len() - 1].to_lowercase(),
                    child.text("Name").unwrap_or("")
                )
            })?;
        }
    }
    Ok(())
}

/// Creates one child; after an unknown outcome, looks at the customer's record before resending.
async fn create(
    client: &Client,
    id: &str,
    list: &str,
    path: &str,
    child: &Fields,
    body: &Json,
) -> Result<(), CallError> {
    let mut delays = client.delays();
    loop {
        // After a 5xx (the server's word that it failed) the record is checked at once; after
        // no answer, only once the child has had time to land.
        let (cause, silent) = match client.post(path, body, Idempotent::No).await {
            Ok(_) => return Ok(()),
            Err(CallError::Unknown { cause } | CallError::Unreadable { cause }) => (cause, true),
            Err(CallError::Server { cause }) => (cause, false),
            Err(other) => return Err(other),
        };
        let delay = delays.next();
        if silent {
            let wait = client.landing(delay.unwrap_or_default());
            let _waiting = client
                .waits()
                .begin(Wait::Lost("department or contact"), wait);
            client.pause(wait).await?;
        }
        let record = client.get(&format!("api/customers/{}", escape(id))).await?;
        if find_child(&record, list, child).is_some() {
            return Ok(());
        }
        let delay = delay.ok_or(CallError::Exhausted { cause })?;
        if !silent {
            client.pause(delay).await?;
        }
    }
}
