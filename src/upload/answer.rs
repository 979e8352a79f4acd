//! What the uploader reads from a create's answer: the new record's `ID`, and the answer's text
//! as it came (kept in the ledger as the server's copy). The answer is the whole Customer (≈ 20
//! fields and its children); reading it into a `serde_json::Value` only to take one string from
//! it cost more than the rest of the answer's handling.
//!
//! Invariant: an answer that is not a JSON object fails to read — it is "unreadable", never a
//! create without an ID, and never an ID taken from something other than the object's `ID`
//! (spelt `ID` or, failing that, in any other case: `Id`, `id`). IDs are compared and kept in
//! one form, [`canonical_id`].

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value as Json;
use serde_json::value::RawValue;

/// A create's answer, as far as the uploader needs it.
#[derive(Debug, Default)]
pub(crate) struct Created {
    /// The object's `ID`, whatever its type (the last one, if the object has several, as
    /// `serde_json::Value` would keep it); else its `Id`, `id`…; `None` if it has none.
    pub id: Option<Json>,
    /// The answer's JSON text, unparsed.
    pub raw: Option<Box<RawValue>>,
}

impl Created {
    /// The new customer's ID in its [`canonical_id`] form, if the answer carried one as text.
    pub(crate) fn id(&self) -> Option<String> {
        self.id
            .as_ref()
            .and_then(Json::as_str)
            .and_then(canonical_id)
    }
}

/// An ID in the one form the run keeps and compares: a Guid in any of its spellings (upper
/// case, braces, no hyphens) as lower-case hyphenated text, anything else trimmed. Blank is no
/// ID, and so is the all-zero Guid (.NET's `Guid.Empty`, what a server answers for an ID it
/// never assigned).
pub(crate) fn canonical_id(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match uuid::Uuid::try_parse(text) {
        Ok(guid) if guid.is_nil() => None,
        Ok(guid) => Some(guid.hyphenated().to_string()),
        Err(_) => Some(text.to_string()),
    }
}

/// Whether a property name is the record's ID, in any case.
pub(super) fn is_id_key(key: &str) -> bool {
    key.eq_ignore_ascii_case("ID")
}

impl<'de> Deserialize<'de> for Created {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Created, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        let mut created = serde_json::from_str::<IdOnly>(raw.get())
            .map_err(de::Error::custom)?
            .0;
        created.raw = Some(raw);
        Ok(created)
    }
}

/// The `ID` of an answer, read from its text without building the rest.
struct IdOnly(Created);

impl<'de> Deserialize<'de> for IdOnly {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<IdOnly, D::Error> {
        deserializer.deserialize_map(CreatedVisitor).map(IdOnly)
    }
}

struct CreatedVisitor;

impl<'de> Visitor<'de> for CreatedVisitor {
    type Value = Created;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object (the created customer)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Created, A::Error> {
        let (mut exact, mut other) = (None, None);
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Id => exact = Some(map.next_value()?),
                Key::OtherCase => other = Some(map.next_value()?),
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Created {
            id: exact.or(other),
            raw: None,
        })
    }
}

/// A key of the answer: `ID`, the same in another case, or another, told apart without
/// allocating.
enum Key {
    Id,
    OtherCase,
    Other,
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Key, D::Error> {
        deserializer.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl Visitor<'_> for KeyVisitor {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a property name")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
        Ok(match key {
            "ID" => Key::Id,
            _ if is_id_key(key) => Key::OtherCase,
            _ => Key::Other,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(text: &str) -> Option<Created> {
        serde_json::from_str(text).ok()
    }

    #[test]
    fn the_id_is_read_from_the_object_and_the_rest_skipped() {
        let answer = json!({
            "Name": "Acme", "ID": "c-1", "Departments": [{"ID": "d-1", "Name": "x"}],
            "Contacts": [], "BillingAdjustmentPercentage": 4.5, "Inactive": false, "Fax": null
        });
        let created = read(&answer.to_string()).expect("readable");
        assert_eq!(created.id().as_deref(), Some("c-1"));
    }

    #[test]
    fn an_escaped_key_is_still_the_id() {
        assert_eq!(
            read(r#"{"I\u0044": "c-2"}"#)
                .expect("readable")
                .id()
                .as_deref(),
            Some("c-2")
        );
    }

    #[test]
    fn an_id_in_another_case_counts_unless_id_is_there() {
        let id = |text| read(text).expect("readable").id();
        assert_eq!(id(r#"{"Id": "c-3"}"#).as_deref(), Some("c-3"));
        assert_eq!(id(r#"{"id": "c-3", "Name": "x"}"#).as_deref(), Some("c-3"));
        assert_eq!(
            id(r#"{"id": "x", "ID": "c-4", "Id": "y"}"#).as_deref(),
            Some("c-4")
        );
        assert_eq!(id(r#"{"Name": "x", "ID": " "}"#), None, "blank is no ID");
    }

    #[test]
    fn guids_take_one_form() {
        let want = Some("c56a4180-65aa-42ec-a945-5fd21dec0538".to_string());
        for text in [
            "c56a4180-65aa-42ec-a945-5fd21dec0538",
            "{C56A4180-65AA-42EC-A945-5FD21DEC0538}",
            " C56A418065AA42ECA9455FD21DEC0538\n",
        ] {
            assert_eq!(canonical_id(text), want, "{text}");
        }
        assert_eq!(canonical_id(" 1234 ").as_deref(), Some("1234"));
        assert_eq!(canonical_id(""), None);
        assert_eq!(canonical_id("{00000000-0000-0000-0000-000000000000}"), None);
    }

    #[test]
    fn no_string_id_is_no_id() {
        assert_eq!(read(r#"{"Name": "Acme"}"#).expect("readable").id(), None);
        assert_eq!(read(r#"{"ID": 7}"#).expect("readable").id(), None);
        assert_eq!(read(r#"{"ID": null}"#).expect("readable").id(), None);
        // A child's ID is not the customer's.
        assert_eq!(
            read(r#"{"Departments": [{"ID": "d-1"}]}"#)
                .expect("readable")
                .id(),
            None
        );
    }

    #[test]
    fn anything_but_an_object_is_unreadable() {
        for text in [
            r#"["c-1"]"#,
            r#""c-1""#,
            "null",
            "",
            "{",
            r#"{"ID": "c-1"} x"#,
        ] {
            assert!(read(text).is_none(), "{text}");
        }
    }
}
