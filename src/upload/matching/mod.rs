//! Matching input customers against the account as a whole: how the run finds existing
//! customers ([`Strategy`], chosen from the account's size after its first request), the
//! values compared ([`key_of`], [`normalised_name`]), the index of every record read in
//! ([`Index`]) and the names of the input's customers ([`InputNames`]), which flag possible
//! duplicates. Pure data: the requests are the customer job's (`customer/local.rs`).
//!
//! Invariant: a match value means the same here as in a lookup checked by `find`: trimmed and
//! compared ignoring case. A name compared for duplicates (or `[match] also_by = "Name"`) is
//! also stripped of punctuation and spaces ([`normalised_name`]).

mod index;

use std::collections::HashMap;

pub(super) use index::{Index, LocalMatch, Wanted, held};

/// How the run finds the existing customers of the input customers that the ledger does not
/// know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Strategy {
    /// The account held no customers: nothing can match, nothing is looked up.
    Empty,
    /// One lookup by the match value per customer (and a read of the one found).
    Lookups,
    /// Every record of the account read once (`reads` requests) and matched here: fewer
    /// requests than a lookup per customer, or needed for `[match] also_by`. Customers whose
    /// create an earlier run left pending (`pending`) are still looked up one by one, after the
    /// wait for that create to land. The ledger's customers whose records are among those read
    /// (`known`) fetch nothing more before an update.
    ReadAll {
        reads: u64,
        pending: u64,
        known: u64,
    },
}

impl Strategy {
    /// The strategy for an account of `listed` customers, with `unknown` input customers to
    /// match (`pending` more whose earlier create is still unresolved): reading all wins when it
    /// costs no more requests than a lookup for each (at a tie it also spares the read of each
    /// customer a lookup finds), and `also_by` needs every record.
    pub(crate) fn choose(listed: u64, unknown: u64, pending: u64, also_by: bool) -> Strategy {
        if listed == 0 {
            Strategy::Empty
        } else if unknown > 0 && (listed <= unknown || also_by) {
            Strategy::ReadAll {
                reads: listed,
                pending,
                known: 0,
            }
        } else {
            Strategy::Lookups
        }
    }
}

/// A match value as a lookup's check compares it: trimmed, ignoring case; `None` when blank.
pub(crate) fn key_of(value: &str) -> Option<String> {
    let key = value.trim().to_lowercase();
    (!key.is_empty()).then_some(key)
}

/// A name as people tell names apart: case-folded (Unicode lowercase), with everything but
/// letters and digits (punctuation, spaces, symbols) left out: "ACME, Inc." and "acme inc" are
/// both `acmeinc`. `None` when nothing is left.
pub(crate) fn normalised_name(name: &str) -> Option<String> {
    let normal: String = name
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    (!normal.is_empty()).then_some(normal)
}

/// How `field` is compared when matching: Name normalised ([`normalised_name`]), any other
/// field as the match key ([`key_of`]).
pub(crate) fn compared(field: &str, value: &str) -> Option<String> {
    if field == "Name" {
        normalised_name(value)
    } else {
        key_of(value)
    }
}

/// The input's customers by normalised name, only the names that more than one holds: who
/// else in the input a customer about to be created may duplicate.
#[derive(Debug, Default)]
pub(super) struct InputNames(HashMap<String, Vec<String>>);

impl InputNames {
    /// From `(key, name)` of every customer of the input.
    pub(super) fn new<'a>(customers: impl Iterator<Item = (&'a str, Option<&'a str>)>) -> Self {
        let mut names: HashMap<String, Vec<String>> = HashMap::new();
        for (key, name) in customers {
            if let Some(normal) = name.and_then(normalised_name) {
                names.entry(normal).or_default().push(key.to_string());
            }
        }
        names.retain(|_, keys| keys.len() > 1);
        InputNames(names)
    }

    /// The other customers of the input whose name is `name`'s, normalised.
    pub(super) fn others(&self, key: &str, name: &str) -> Vec<&str> {
        normalised_name(name)
            .and_then(|normal| self.0.get(&normal))
            .map(|keys| {
                keys.iter()
                    .map(String::as_str)
                    .filter(|other| *other != key)
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_compared_without_case_punctuation_or_spaces() {
        assert_eq!(normalised_name("ACME, Inc."), normalised_name("acme inc"));
        assert_eq!(
            normalised_name(" Müller & Söhne GmbH ").as_deref(),
            Some("müllersöhnegmbh")
        );
        assert_eq!(
            normalised_name("MÜLLER SÖHNE gmbh"),
            normalised_name("Müller & Söhne GmbH")
        );
        assert_ne!(normalised_name("Acme 1"), normalised_name("Acme 2"));
        assert_eq!(normalised_name(" .,- "), None);
        assert_eq!(key_of("  AB-1 "), Some("ab-1".into()));
        assert_eq!(compared("Email", " A@X.com"), Some("a@x.com".into()));
    }

    #[test]
    fn reading_all_wins_when_the_account_is_smaller_than_the_lookups() {
        let read = |reads| Strategy::ReadAll {
            reads,
            pending: 0,
            known: 0,
        };
        assert_eq!(Strategy::choose(0, 2_000, 0, false), Strategy::Empty);
        assert_eq!(Strategy::choose(1_000, 2_000, 0, false), read(1_000));
        assert_eq!(Strategy::choose(300, 100, 0, false), Strategy::Lookups);
        assert_eq!(Strategy::choose(100, 100, 0, false), read(100));
        assert_eq!(Strategy::choose(101, 100, 0, false), Strategy::Lookups);
        assert_eq!(Strategy::choose(300, 100, 0, true), read(300));
        assert_eq!(Strategy::choose(300, 0, 0, true), Strategy::Lookups);
    }

    #[test]
    fn the_input_names_a_customer_may_duplicate_are_the_others() {
        let names = InputNames::new(
            [
                ("1", Some("ACME, Inc.")),
                ("2", Some("acme inc")),
                ("3", Some("Beta")),
            ]
            .into_iter(),
        );
        assert_eq!(names.others("1", "ACME, Inc."), ["2"]);
        assert!(names.others("3", "Beta").is_empty());
    }
}
