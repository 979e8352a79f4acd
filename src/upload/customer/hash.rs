//! The change hash the ledger keeps per customer: what the last successful send made OnTime
//! hold, so an unchanged customer costs no request on the next run.
//!
//! Invariant: a hash is computed from the one JSON writer's bytes (`ontime_api::json`) and
//! carries [`FORMAT`]. A change of the writer or of what is hashed bumps `FORMAT` (a test pins
//! the bytes and the hash, so it cannot change by accident): every stored hash then stops
//! matching and each customer is read and merged once, never wrongly skipped.

use crate::group::Defaulted;

/// The version of what is hashed. Hashes stored without a version are version 1 (ledgers
/// written before the version was recorded hold exactly those bytes' hashes).
const FORMAT: u32 = 1;

/// The hash of a create body (the draft's JSON text, children included) and of which of its
/// values mapping defaults gave: an update applies a default only where OnTime's property is
/// blank, so a cell that now gives the same value as last night's default is a change. Without
/// defaults it is the hash of the body alone.
pub(super) fn change_hash(body: &[u8], defaulted: &Defaulted) -> String {
    if defaulted.is_empty() {
        return hash_body(body);
    }
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    hasher.update(body);
    // A byte no JSON text holds, so no body alone hashes the same bytes.
    hasher.update(&[0xff]);
    let mut marks = Vec::with_capacity(16);
    defaulted.write(&mut marks);
    hasher.update(&marks);
    versioned(hasher.digest128())
}

fn hash_body(body: &[u8]) -> String {
    versioned(xxhash_rust::xxh3::xxh3_128(body))
}

fn versioned(digest: u128) -> String {
    format!("v{FORMAT}:{digest:032x}")
}

/// Whether a stored hash is `hash`: the same version and digest (a stored hash without a
/// version is version 1).
fn same(stored: &str, hash: &str) -> bool {
    match stored.split_once(':') {
        Some(_) => stored == hash,
        None => FORMAT == 1 && hash.strip_prefix("v1:") == Some(stored),
    }
}

/// Whether the ledger's `sent` hash shows the customer unchanged since it was last sent: it is
/// `hash`, or — for a draft some of whose values are defaults — the hash of the same body sent
/// with nothing left to defaults. Then OnTime was given every one of these values, so each
/// default now finds its property filled and would be kept out: nothing to send.
pub(super) fn unchanged_since(sent: &str, hash: &str, body: &[u8], defaulted: &Defaulted) -> bool {
    same(sent, hash) || (!defaulted.is_empty() && same(sent, &hash_body(body)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ontime_api::{CustomerDraft, Entity, Fields, Value};

    /// If this fails, the writer or the hashed bytes changed: bump [`FORMAT`] and the expected
    /// hashes here, and say so in CHANGELOG (every customer is read once on the next run).
    #[test]
    fn the_change_hash_is_pinned() {
        let mut fields = Fields::default();
        fields.set(Entity::Customer, "Name", Value::Text("Acme é".into()));
        fields.set(
            Entity::Customer,
            "AccountNumber",
            Value::Text("1001".into()),
        );
        fields.set(Entity::Customer, "Inactive", Value::Bool(false));
        let mut contact = Fields::default();
        contact.set(Entity::Contact, "Name", Value::Text("Ann".into()));
        let draft = CustomerDraft {
            fields,
            departments: vec![],
            contacts: vec![contact],
        };
        let body = draft.to_json_bytes();
        assert_eq!(
            String::from_utf8_lossy(&body),
            r#"{"AccountNumber":"1001","Contacts":[{"Name":"Ann"}],"Inactive":false,"Name":"Acme é"}"#
        );
        let plain = change_hash(&body, &Defaulted::default());
        assert_eq!(plain, "v1:9eca4b6c66b23d945c0f0590fabbfcf7");
        let defaulted = Defaulted {
            customer: 1,
            ..Defaulted::default()
        };
        assert_eq!(
            change_hash(&body, &defaulted),
            "v1:81a91243893553b36cbce813d8f37a52"
        );
    }

    #[test]
    fn hashes_from_before_the_version_still_match_version_1() {
        let body = br#"{"Name":"Acme"}"#;
        let hash = change_hash(body, &Defaulted::default());
        let bare = hash.strip_prefix("v1:").unwrap_or_default();
        assert!(unchanged_since(bare, &hash, body, &Defaulted::default()));
        assert!(unchanged_since(&hash, &hash, body, &Defaulted::default()));
        assert!(!unchanged_since(
            &format!("v2:{bare}"),
            &hash,
            body,
            &Defaulted::default()
        ));
        assert!(!unchanged_since("00", &hash, body, &Defaulted::default()));
    }
}
