//! Finding a customer in OnTime: by the ledger's ID, else among the records read in when the
//! run chose to read them all ([`super::local`]), else by a lookup on the match key — unless
//! the account was empty when the run began — and checking that a record found by a
//! lookup really holds the value looked up (a server may match loosely, or ignore the filter).
//! More than one match is a failure, never a guess.
//!
//! The run's first request is the unfiltered listing ([`Job::prove`]): it proves the address,
//! company id and key before any customer is judged unchanged, and its IDs tell whether the
//! account is empty and how many records reading it all would take. After a run that created customers into an empty account without looking them up,
//! one more listing ([`Job::others_appeared`]) tells whether anyone else created customers
//! meanwhile.

use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::Value as Json;

use super::create::landing_waits;
use super::{Done, Job};
use super::{Intent, Sending};
use crate::ledger::Entry;
use crate::mapping::MatchBy;
use crate::upload::Client;
use crate::upload::answer::{canonical_id, is_id_key};
use crate::upload::client::{CallError, escape};
use crate::upload::http::clip;
use crate::upload::match_value;
use crate::upload::matching::held;
use crate::upload::progress::Wait;

/// A lookup answering more customers than this for one value may be ignoring its filter.
const MANY: usize = 3;

/// Why the first request did not prove the site.
#[derive(Debug)]
pub(crate) enum Unproven {
    /// The client stopped the run, and its stop reason says why (a refused key, a wrong
    /// address, a redirect, a spent quota, Ctrl-C).
    Stopped,
    /// The listing could not be had or read: why.
    Failed(String),
}

/// What a lookup found, its records checked.
pub(super) enum Found {
    Nothing,
    /// The one record that holds the value looked up, as fetched.
    One(String, Json),
    /// Records answered, none of which holds the value: why not to take any of them.
    NotTheMatch(String),
    /// More than one customer with the value (not fetched: none of them is taken).
    Several(Vec<String>),
}

impl Job {
    /// The existing customer by lookup, with its record as fetched: `Ok(None)` when there is
    /// none.
    pub(super) async fn find(
        &self,
        group: &Sending,
        pending: Option<&Entry>,
    ) -> Result<Option<(String, Json)>, Done> {
        if let Some(found) = self.find_local(group, pending).await {
            return found;
        }
        let Some((filter, value)) = match_value(self.match_by, &group.draft) else {
            if pending.is_some() {
                let message = "an earlier run sent this customer's create and never heard back, and there is no match key to check it: check OnTime for it, then remove its line from the ledger (or set [match] by)";
                return Err(Done::Failed {
                    id: None,
                    message: message.into(),
                });
            }
            return Ok(None);
        };
        if pending.is_none() && self.account_empty() {
            self.shortcut.store(true, Ordering::SeqCst);
            return Ok(None);
        }
        // An earlier run's create that never heard back is given the time to land that this
        // run would give its own, counted from when it was journaled: a rerun right after a
        // crash must not miss it in lookups that lag.
        let waits = pending.map_or_else(|| vec![Duration::ZERO], |entry| self.pending_waits(entry));
        let mut found = Ok(Found::Nothing);
        for wait in waits {
            if !wait.is_zero()
                && !self
                    .wait_for_landing(group, wait, Wait::EarlierCreate)
                    .await
            {
                return Err(Done::NotSent(self.stop_message()));
            }
            found = self.checked_lookup(group, filter, &value).await;
            if !matches!(found, Ok(Found::Nothing)) {
                break;
            }
        }
        self.found(found, filter, &value)
    }

    /// The waits before the lookups of a create that an earlier run journaled and never heard
    /// back from: the lookups this run would have made of its own lost create (see `landed`),
    /// counted from when it was journaled.
    fn pending_waits(&self, entry: &Entry) -> Vec<Duration> {
        let Ok(since) = chrono::DateTime::parse_from_rfc3339(&entry.updated_at) else {
            return vec![Duration::ZERO];
        };
        let landing = self.client.landing(Duration::ZERO);
        // The ledger keeps whole seconds: the create may be up to a second younger.
        let age = (chrono::Utc::now() - since.to_utc())
            .to_std()
            .unwrap_or_default()
            .saturating_sub(Duration::from_secs(1));
        // The same lookups as for a create this run lost, at the same moments after its send;
        // those already past are not waited for, and if all are, one lookup is made at once.
        let mut waits = Vec::new();
        let (mut at, mut waited) = (Duration::ZERO, age);
        for wait in landing_waits(landing) {
            at += wait;
            if at > waited {
                waits.push(at - waited);
                waited = at;
            }
        }
        if waits.is_empty() {
            waits.push(Duration::ZERO);
        }
        waits
    }

    fn found(
        &self,
        found: Result<Found, CallError>,
        filter: &str,
        value: &str,
    ) -> Result<Option<(String, Json)>, Done> {
        match found {
            Ok(Found::Nothing) => Ok(None),
            Ok(Found::One(id, record)) => Ok(Some((id, record))),
            Ok(Found::NotTheMatch(message)) => Err(Done::Failed {
                id: None,
                message: format!("{message}: not updating it; nothing was sent"),
            }),
            Ok(Found::Several(ids)) => Err(Done::Failed {
                id: None,
                message: ambiguous(filter, value, &ids),
            }),
            Err(error) => Err(self.call_failed(error, None)),
        }
    }

    /// Looks the customer up by its match value; one customer answered is fetched, and taken
    /// only if its record holds the value.
    pub(super) async fn checked_lookup(
        &self,
        group: &Sending,
        filter: &str,
        value: &str,
    ) -> Result<Found, CallError> {
        let mut ids = self.lookup(filter, value).await?;
        if ids.len() != 1 {
            return Ok(if ids.is_empty() {
                Found::Nothing
            } else {
                Found::Several(ids)
            });
        }
        let id = ids.remove(0);
        let record = self
            .client
            .get(&format!("api/customers/{}", escape(&id)))
            .await?;
        Ok(match self.not_the_match(group, &id, &record) {
            None => Found::One(id, record),
            Some(why) => Found::NotTheMatch(why),
        })
    }

    /// Proves the site before any customer is judged: one unfiltered listing, which must answer
    /// a list of customer IDs. A refused key, a wrong company or address, a redirect stop the
    /// run (the client says why); anything else that keeps the listing from being read is
    /// [`Unproven::Failed`]. The listing also tells whether the account is empty.
    pub(crate) async fn prove(&self) -> Result<(), Unproven> {
        let ids = match list_ids(&self.client).await {
            Ok(ids) => ids,
            Err(NoListing::Call(CallError::Stopped)) => return Err(Unproven::Stopped),
            Err(NoListing::Call(error)) => return Err(Unproven::Failed(error.to_string())),
            Err(NoListing::NotAList(why)) => return Err(Unproven::Failed(why)),
        };
        let _ = self.empty.set(ids.is_empty());
        self.matching.listed(ids);
        Ok(())
    }

    /// Whether the account held no customers when the run began ([`Job::prove`]).
    pub(in crate::upload) fn account_empty(&self) -> bool {
        self.empty.get() == Some(&true)
    }

    /// After a run that created customers into an account it found empty, without looking
    /// them up: lists the customers again (one request) and, if any appeared that this run did
    /// not create, says so — another import into the same account at the same time may have
    /// created the same customers. `None` when there is nothing to say.
    pub(crate) async fn others_appeared(&self) -> Option<String> {
        // Nothing created, nothing that could be in OnTime twice.
        if self.intent != Intent::Write
            || !self.shortcut.load(Ordering::SeqCst)
            || self.created.lock().is_ok_and(|created| created.is_empty())
            || self.client.is_stopping()
        {
            return None;
        }
        let listed = match self.client.get("api/customers").await {
            Ok(listed) => ids_of(&listed).ok_or_else(|| {
                format!(
                    "it did not answer a list of IDs: {}",
                    clip(&listed.to_string())
                )
            }),
            Err(error) => Err(error.to_string()),
        };
        let created = self.created.lock().map(|c| c.clone()).unwrap_or_default();
        let others = match listed {
            Ok(ids) => ids.iter().filter(|id| !created.contains(*id)).count(),
            Err(error) => {
                return Some(format!(
                    "this run created customers into an account it found empty, without looking each up first, and could not check afterwards whether anyone else created customers meanwhile ({error}): if another import ran into the same account at the same time, some customers may be in OnTime twice; run again with --plan to see"
                ));
            }
        };
        (others > 0).then(|| {
            format!(
                "{others} customers that this run did not create appeared in OnTime while it created customers into an account it found empty, without looking each up first: if another import ran into the same account at the same time, some customers may now be in OnTime twice. Run again with --plan to see what OnTime holds, and merge duplicates in OnTime"
            )
        })
    }

    pub(super) async fn lookup(&self, filter: &str, value: &str) -> Result<Vec<String>, CallError> {
        let mut path = String::from("api/customers?");
        path.push_str(filter);
        path.push('=');
        path.push_str(&escape(value));
        let found = self.client.get(&path).await?;
        ids_of(&found).ok_or_else(|| CallError::Rejected {
            status: 200,
            body: format!("the customer lookup did not answer a list of IDs: {found}"),
        })
    }

    /// A customer found by a lookup must hold the value looked up (ignoring case, as a server
    /// may): a server that ignored the filter would otherwise have every row overwrite one
    /// customer. The reason not to update it, if it does not.
    pub(super) fn not_the_match(
        &self,
        group: &Sending,
        id: &str,
        existing: &Json,
    ) -> Option<String> {
        let (filter, value) = match_value(self.match_by, &group.draft)?;
        let MatchBy::Field(field) = self.match_by else {
            return None;
        };
        let held = held(existing, field);
        (held.to_lowercase() != value.trim().to_lowercase()).then(|| {
            format!(
                "the lookup by {filter} \"{value}\" answered customer {id}, whose {field} is \"{held}\""
            )
        })
    }
}

/// Why the unfiltered listing gave no IDs.
pub(crate) enum NoListing {
    /// The request failed (the client's stop reason, if it stopped, says more).
    Call(CallError),
    /// It answered something else than a list of IDs: what to say of it.
    NotAList(String),
}

/// Every customer ID of the account, each once, in the listing's order: the unfiltered
/// `GET api/customers`, which is also what proves a site (an import's, an undo's or an
/// export's first request).
pub(crate) async fn list_ids(client: &Client) -> Result<Vec<String>, NoListing> {
    let listed = client.get("api/customers").await.map_err(NoListing::Call)?;
    ids_of(&listed).ok_or_else(|| {
        NoListing::NotAList(format!(
            "GET api/customers did not answer a list of customer IDs: {}",
            clip(&listed.to_string())
        ))
    })
}

/// The IDs a lookup answered, each once, in [`canonical_id`] form: ID strings, as documented;
/// objects with an `ID` (in any case) are taken too. Anything else, a blank ID included, is
/// `None` (an error), never "not found": a match skipped here would become a duplicate.
pub(crate) fn ids_of(found: &Json) -> Option<Vec<String>> {
    let mut ids: Vec<String> = Vec::new();
    // A listing of the whole account holds every ID: duplicates are found by hash, not by
    // scanning (100,000 IDs scanned pairwise took 12 s).
    let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    for item in found.as_array()? {
        let text = match item {
            Json::String(text) => text.as_str(),
            Json::Object(object) => {
                let id = object.get("ID").or_else(|| {
                    let key = object.keys().find(|k| is_id_key(k))?;
                    object.get(key)
                });
                id?.as_str()?
            }
            _ => return None,
        };
        let id = canonical_id(text)?;
        if seen.insert(id.clone()) {
            ids.push(id);
        }
    }
    Some(ids)
}

pub(super) fn ambiguous(filter: &str, value: &str, ids: &[String]) -> String {
    let checked = if ids.len() > MANY {
        " (or the service ignores the filter: check that OnTime holds one customer with it)"
    } else {
        ""
    };
    format!(
        "{} OnTime customers have {filter} \"{value}\" ({}){checked}: merge them in OnTime, or match by another field; nothing was sent",
        ids.len(),
        ids.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_lookup_answer_is_read_whole_or_not_at_all() {
        let ids = |v: Json| ids_of(&v);
        assert_eq!(ids(json!(["a", "b"])), Some(vec!["a".into(), "b".into()]));
        assert_eq!(ids(json!([{"ID": "a"}])), Some(vec!["a".into()]));
        assert_eq!(ids(json!([])), Some(vec![]));
        assert_eq!(ids(json!([{"Id": "a"}])), Some(vec!["a".into()]));
        assert_eq!(
            ids(json!([{"Name": "a"}])),
            None,
            "an unreadable item is not 'no match'"
        );
        assert_eq!(ids(json!([" "])), None, "nor is a blank one");
        let guid = "c56a4180-65aa-42ec-a945-5fd21dec0538";
        assert_eq!(
            ids(json!([guid, " {C56A4180-65AA-42EC-A945-5FD21DEC0538}", {"ID": guid}, "b"])),
            Some(vec![guid.into(), "b".into()]),
            "one customer named thrice is one"
        );
        assert_eq!(ids(json!({"IDs": []})), None);
    }
}
