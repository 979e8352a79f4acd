//! Scripted events: "when this API request has been handled, move the clock and/or edit a
//! customer", so a test can stage an edit by a person *during* an importer's run at a chosen
//! point, without sleeping.
//!
//! An event fires inside the same locked step in which an API request's outcome (and record
//! change) is decided, before its answer is sent: after the N-th API request handled since the
//! event was added (`after_requests`), or right after a `customer/post` stored a given customer
//! (`after_posts_of`, by ID, or `after_posts_of_account`, by the stored `AccountNumber`).
//! Invariant: each event fires at most once, and no other request is handled between the request
//! that triggers it and its effect; events due at the same request fire in the order added, and
//! within one event the clock moves first, then the edit is made.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};
use uuid::Uuid;

use super::clock::{Clock, parse_advance, rfc3339};
use super::edit;
use super::error::ApiError;
use super::records::Records;

/// An event as `POST /__sandbox/events` takes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EventSpec {
    after_requests: Option<u64>,
    after_posts_of: Option<Uuid>,
    after_posts_of_account: Option<String>,
    advance: Option<Json>,
    edit: Option<EditSpec>,
}

/// Which customer an event edits, and how.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EditSpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<Uuid>,
    /// The first customer (in creation order) whose `AccountNumber` is this, when the event fires.
    #[serde(skip_serializing_if = "Option::is_none")]
    account_number: Option<String>,
    fields: Map<String, Json>,
}

/// What fires an event. In JSON: `{"at_request": N}` (the handled-request count it fires at),
/// `{"after_posts_of": ID}` or `{"after_posts_of_account": A}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
enum Trigger {
    /// When the handled-request count reaches this.
    #[serde(rename = "at_request")]
    AtRequest(u64),
    #[serde(rename = "after_posts_of")]
    PostOf(Uuid),
    #[serde(rename = "after_posts_of_account")]
    PostOfAccount(String),
}

/// A waiting event.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Pending {
    number: u64,
    trigger: Trigger,
    #[serde(skip_serializing_if = "Option::is_none", with = "secs")]
    advance: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    edit: Option<EditSpec>,
}

/// A fired event and what it did.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Fired {
    number: u64,
    /// The handled-request count at which it fired.
    at_request: u64,
    /// The clock once it had fired.
    clock: String,
    /// The customer it edited.
    edited: Option<Uuid>,
    /// Why the edit failed (the clock still moved).
    error: Option<String>,
}

/// The events of one server, and the count of API requests handled.
#[derive(Debug, Default, Clone, Serialize)]
pub(crate) struct Events {
    /// API requests whose outcome was decided since the server started.
    handled: u64,
    #[serde(skip)]
    next_number: u64,
    pending: Vec<Pending>,
    fired: Vec<Fired>,
}

/// The customer a `customer/post` has just stored.
#[derive(Debug, Clone)]
pub(crate) struct Posted {
    pub id: Uuid,
    pub account_number: Option<String>,
}

impl Events {
    /// Checks `spec` and adds it; returns the event as stored. An `edit.id` must name a stored
    /// customer (404 otherwise).
    pub(crate) fn add(&mut self, spec: EventSpec, records: &Records) -> Result<Pending, ApiError> {
        let bad = |m: &str| ApiError::BadRequest(m.to_string());
        let trigger = match (
            spec.after_requests,
            spec.after_posts_of,
            spec.after_posts_of_account,
        ) {
            (Some(0), None, None) => return Err(bad("\"after_requests\" must be at least 1.")),
            (Some(n), None, None) => Trigger::AtRequest(self.handled.saturating_add(n)),
            (None, Some(id), None) => Trigger::PostOf(id),
            (None, None, Some(account)) => Trigger::PostOfAccount(account),
            _ => {
                return Err(bad(
                    "Give exactly one of \"after_requests\", \"after_posts_of\", \"after_posts_of_account\".",
                ));
            }
        };
        let advance = spec.advance.as_ref().map(parse_advance).transpose();
        let advance = advance.map_err(|e| bad(&format!("{e}.")))?;
        if advance.is_none() && spec.edit.is_none() {
            return Err(bad("Give \"advance\", \"edit\" or both."));
        }
        if let Some(edit) = &spec.edit {
            match (edit.id, &edit.account_number) {
                (Some(id), None) if records.get(id).is_none() => {
                    return Err(ApiError::NotFound(format!(
                        "No customer has the ID '{id}'."
                    )));
                }
                (Some(_), None) | (None, Some(_)) => {}
                _ => {
                    return Err(bad(
                        "\"edit\" needs exactly one of \"id\", \"account_number\".",
                    ));
                }
            }
        }
        self.next_number += 1;
        let pending = Pending {
            number: self.next_number,
            trigger,
            advance,
            edit: spec.edit,
        };
        self.pending.push(pending.clone());
        Ok(pending)
    }

    /// Forgets the pending and the fired events (the handled count stays).
    pub(crate) fn clear(&mut self) {
        self.pending.clear();
        self.fired.clear();
    }

    /// Counts one handled API request and fires the events it makes due: `posted` is the
    /// customer a `customer/post` stored, if it was one. Returns whether any event fired (the
    /// clock or a record changed: the data file is due).
    pub(crate) fn handled(
        &mut self,
        records: &mut Records,
        clock: &Clock,
        posted: Option<&Posted>,
    ) -> bool {
        self.handled += 1;
        let handled = self.handled;
        let due = |trigger: &Trigger| match (trigger, posted) {
            (Trigger::AtRequest(n), _) => *n <= handled,
            (Trigger::PostOf(id), Some(p)) => *id == p.id,
            (Trigger::PostOfAccount(a), Some(p)) => p.account_number.as_ref() == Some(a),
            _ => false,
        };
        if !self.pending.iter().any(|e| due(&e.trigger)) {
            return false;
        }
        let (firing, waiting) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|e| due(&e.trigger));
        self.pending = waiting;
        for event in firing {
            let fired = fire(event, records, clock, handled);
            self.fired.push(fired);
        }
        true
    }
}

fn fire(event: Pending, records: &mut Records, clock: &Clock, handled: u64) -> Fired {
    if let Some(by) = event.advance {
        clock.advance(by);
    }
    let result = event.edit.map(|spec| {
        let id = match (spec.id, &spec.account_number) {
            (Some(id), _) => Some(id),
            (None, Some(account)) => records
                .iter()
                .find(|c| c.field("AccountNumber").as_str() == Some(account.as_str()))
                .map(|c| c.id),
            (None, None) => None,
        };
        let id = id.ok_or_else(|| "no customer has that AccountNumber".to_string())?;
        edit::apply(records, id, &spec.fields, clock.now())
            .map(|c| c.id)
            .map_err(|e| e.to_string())
    });
    let (edited, error) = match result {
        Some(Ok(id)) => (Some(id), None),
        Some(Err(e)) => (None, Some(e)),
        None => (None, None),
    };
    Fired {
        number: event.number,
        at_request: handled,
        clock: rfc3339(clock.now()),
        edited,
        error,
    }
}

/// An optional duration as (fractional) seconds in JSON.
mod secs {
    use std::time::Duration;

    use serde::Serializer;

    pub(super) fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_f64(d.as_secs_f64()),
            None => s.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(value: Json) -> EventSpec {
        serde_json::from_value(value).expect("a valid event")
    }

    fn seeded() -> (Records, Uuid) {
        let mut records = Records::default();
        let t0 = chrono::Utc::now();
        let id = records.insert_raw(&json!({"Name": "Acme", "AccountNumber": "7"}), t0, t0);
        (records, id)
    }

    #[test]
    fn an_event_fires_once_after_the_nth_request_clock_first() {
        let (mut records, id) = seeded();
        let clock = Clock::default();
        let mut events = Events::default();
        events.handled(&mut records, &clock, None);
        let e = json!({"after_requests": 2, "advance": "61s", "edit": {"id": id, "fields": {"City": "York"}}});
        events.add(spec(e), &records).expect("valid");
        assert!(!events.handled(&mut records, &clock, None));
        assert_eq!(clock.offset_us(), 0);
        assert!(events.handled(&mut records, &clock, None));
        assert_eq!(clock.offset_us(), 61_000_000);
        let customer = records.get(id).expect("stored");
        assert_eq!(customer.field("City"), "York");
        // Stamped after the clock moved.
        assert!(customer.modified >= chrono::Utc::now() + chrono::TimeDelta::seconds(60));
        assert_eq!(events.fired[0].at_request, 3);
        assert!(!events.handled(&mut records, &clock, None));
        assert!(events.pending.is_empty());
    }

    #[test]
    fn post_triggers_match_the_stored_customer() {
        let (mut records, id) = seeded();
        let clock = Clock::default();
        let mut events = Events::default();
        events
            .add(spec(json!({"after_posts_of": id, "advance": 5})), &records)
            .expect("valid");
        let account = json!({"after_posts_of_account": "7", "edit": {"account_number": "7", "fields": {"City": "Hull"}}});
        events.add(spec(account), &records).expect("valid");
        let other = Posted {
            id: Uuid::nil(),
            account_number: Some("8".into()),
        };
        assert!(!events.handled(&mut records, &clock, Some(&other)));
        let it = Posted {
            id,
            account_number: Some("7".into()),
        };
        assert!(events.handled(&mut records, &clock, Some(&it)));
        assert_eq!(clock.offset_us(), 5_000_000);
        assert_eq!(records.get(id).expect("stored").field("City"), "Hull");
        let numbers: Vec<u64> = events.fired.iter().map(|f| f.number).collect();
        assert_eq!(numbers, vec![1, 2]);
    }

    #[test]
    fn bad_events_are_refused_and_failed_edits_reported() {
        let (mut records, id) = seeded();
        let mut events = Events::default();
        let refused = [
            json!({"advance": "1s"}),
            json!({"after_requests": 0, "advance": "1s"}),
            json!({"after_requests": 1, "after_posts_of": id, "advance": "1s"}),
            json!({"after_requests": 1}),
            json!({"after_requests": 1, "advance": "-1s"}),
            json!({"after_requests": 1, "edit": {"fields": {}}}),
            json!({"after_requests": 1, "edit": {"id": Uuid::nil(), "fields": {}}}),
        ];
        for event in refused {
            assert!(
                events.add(spec(event.clone()), &records).is_err(),
                "{event}"
            );
        }
        let e = json!({"after_requests": 1, "edit": {"id": id, "fields": {"Email": "nope"}}});
        events
            .add(spec(e), &records)
            .expect("checked when it fires");
        assert!(events.handled(&mut records, &Clock::default(), None));
        assert!(
            events.fired[0]
                .error
                .as_deref()
                .is_some_and(|e| e.contains("'Email'"))
        );
    }
}
