//! `--plan`'s word on one customer: the action, and for an update every field it would change
//! as `old → new` (departments and contacts too: added, renamed, changed, kept), both as the
//! report's message and as rows for the plan file. Reads only what the update and create
//! already hold (OnTime's record, the merged record, the draft): no request of its own.

use serde_json::Value as Json;

use super::Sending;
use std::sync::Mutex;

use crate::report::RowId;
use crate::report::plan::{Change, Planned};
use crate::upload::merge;

/// What the plan would do with one customer.
pub(super) struct Would {
    pub action: &'static str,
    pub message: String,
    pub id: Option<String>,
    pub changes: Vec<Change>,
}

/// A customer's action in the plan, and its changes (taken out of `done`, whose message the
/// report keeps).
pub(super) fn action(done: &mut super::Done) -> (&'static str, Vec<Change>) {
    use super::Done;
    match done {
        Done::Would(would) => (would.action, std::mem::take(&mut would.changes)),
        Done::Unchanged { .. } => ("unchanged", Vec::new()),
        Done::Created { .. } => ("created", Vec::new()),
        Done::Updated { .. } => ("updated", Vec::new()),
        Done::Failed { .. } => ("failed", Vec::new()),
        Done::NotSent(_) => ("not_sent", Vec::new()),
        Done::Skipped { status, .. } => (status.as_str(), Vec::new()),
    }
}

/// Adds a customer's line to the plan: its first row, key, ID and report message (`said`), and
/// its action and changes ([`action`]).
pub(super) fn record(
    plan: &Mutex<Vec<Planned>>,
    group: &Sending,
    (id, message): (&Option<String>, &str),
    (action, changes): (&'static str, Vec<Change>),
) {
    if let Ok(mut plan) = plan.lock() {
        plan.push(Planned {
            row: group.rows.first().copied().unwrap_or(RowId(u32::MAX)),
            key: group.key.clone(),
            id: id.clone(),
            action,
            message: message.to_string(),
            changes,
        });
    }
}

/// A create: its defaults in the message; every field and child it would send as a change
/// from nothing.
pub(super) fn create(group: &Sending) -> Would {
    let draft = &group.draft;
    let mut changes: Vec<Change> = draft
        .fields
        .0
        .iter()
        .map(|(name, value)| change(name.to_string(), &Json::Null, &value.to_json()))
        .collect();
    for (list, children) in [
        ("Departments", &draft.departments),
        ("Contacts", &draft.contacts),
    ] {
        for child in children {
            let name = child.text("Name").unwrap_or_default().to_string();
            changes.push(Change {
                field: format!("{list}: added"),
                old: String::new(),
                new: name,
            });
        }
    }
    Would {
        action: "create",
        message: super::create::would_create(group),
        id: None,
        changes,
    }
}

/// An update of `existing` (OnTime's record) to `merged`, whose differing properties are
/// `fields`; `kept_out` names the defaults OnTime's values keep out.
pub(super) fn update(
    id: &str,
    fields: &[String],
    (existing, merged): (&Json, &Json),
    group: &Sending,
    kept_out: Option<String>,
) -> Would {
    let mut parts = Vec::new();
    let mut changes = Vec::new();
    for name in fields {
        if name == "Departments" || name == "Contacts" {
            let (part, more) = children(name, existing, merged);
            parts.push(part);
            changes.extend(more);
            continue;
        }
        let (old, new) = (value(existing, name), value(merged, name));
        let default = if group.defaulted.customer(name) {
            " (default)"
        } else {
            ""
        };
        parts.push(format!("{name} {} → {}{default}", text(old), text(new)));
        changes.push(change(name.clone(), old, new));
    }
    let mut message = if parts.is_empty() {
        "would update: children".to_string()
    } else {
        format!("would update: {}", parts.join(", "))
    };
    if let Some(kept_out) = kept_out {
        message.push_str("; ");
        message.push_str(&kept_out);
    }
    Would {
        action: "update",
        message,
        id: Some(id.to_string()),
        changes,
    }
}

/// `Departments: added "Dept 7", renamed "ops" → "Ops", 2 kept` and a row for each change. The
/// merged list holds OnTime's children in their places (laid over where the draft names one)
/// and the added ones after them.
fn children(list: &str, existing: &Json, merged: &Json) -> (String, Vec<Change>) {
    let items = |record: &Json| {
        record
            .get(list)
            .and_then(Json::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let (before, after) = (items(existing), items(merged));
    let (mut parts, mut changes, mut kept) = (Vec::new(), Vec::new(), 0);
    for (at, item) in after.iter().enumerate() {
        let new_name = value(item, "Name");
        let Some(old) = before.get(at) else {
            parts.push(format!("added {}", text(new_name)));
            changes.push(change(format!("{list}: added"), &Json::Null, new_name));
            continue;
        };
        if merge::same(old, item) {
            kept += 1;
            continue;
        }
        let old_name = value(old, "Name");
        let mut what = Vec::new();
        for field in merge::changed(old, item) {
            let (was, now) = (value(old, &field), value(item, &field));
            if field == "Name" {
                parts.push(format!("renamed {} → {}", text(was), text(now)));
                changes.push(change(format!("{list}: renamed"), was, now));
            } else {
                what.push(format!("{field} {} → {}", text(was), text(now)));
                let label = format!("{list} {}: {field}", text(old_name));
                changes.push(change(label, was, now));
            }
        }
        if !what.is_empty() {
            parts.push(format!("changed {} ({})", text(old_name), what.join(", ")));
        }
    }
    if kept > 0 {
        parts.push(format!("{kept} kept"));
    }
    (format!("{list}: {}", parts.join(", ")), changes)
}

fn value<'j>(record: &'j Json, name: &str) -> &'j Json {
    record.get(name).unwrap_or(&Json::Null)
}

/// A value in the message: quoted text, `(blank)` for nothing.
fn text(value: &Json) -> String {
    match value {
        Json::Null => "(blank)".into(),
        other => merge::shown(other),
    }
}

/// A value in the plan file: the text itself, blank for nothing.
fn plain(value: &Json) -> String {
    match value {
        Json::Null => String::new(),
        Json::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn change(field: String, old: &Json, new: &Json) -> Change {
    Change {
        field,
        old: plain(old),
        new: plain(new),
    }
}
