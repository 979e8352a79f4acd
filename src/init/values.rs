//! Whether a column's values can feed a field of a given kind, and the value map that makes
//! them: yes/no words to true/false (inverted for an `Active` column feeding `Inactive`), a
//! status to `Inactive`, pricing names to OnTime's pricing methods.

use crate::inspect::Column;
use crate::inspect::kind::{ValueKind, boolean_word};
use crate::mapping::convert::convert;
use crate::read::Cell;
use ontime_api::{Kind, PRICING_METHODS};

/// `Some((map, strong))` when the column can feed a field of `kind`; `strong` when its values
/// confirm it rather than merely allow it.
pub(super) fn fit(
    column: &Column,
    kind: Kind,
    header: &str,
) -> Option<(Vec<(String, String)>, bool)> {
    let clean = column.problems.is_empty();
    match kind {
        Kind::Text => Some((Vec::new(), clean && column.kind != ValueKind::Email)),
        Kind::Email => (column.kind == ValueKind::Email).then_some((Vec::new(), clean)),
        Kind::Number => column.kind.numeric().then_some((Vec::new(), clean)),
        Kind::Guid | Kind::GuidList => {
            (column.kind == ValueKind::Guid).then_some((Vec::new(), clean))
        }
        Kind::Bool => bool_map(column, header).map(|map| (map, true)),
        Kind::PricingMethod => pricing_map(column).map(|map| (map, true)),
    }
}

/// Yes/no words, or (for a status column) the words that mean closed.
fn bool_map(column: &Column, header: &str) -> Option<Vec<(String, String)>> {
    if column.values.is_empty() {
        return None;
    }
    let lower = header.to_lowercase();
    // `Active = Yes` feeds `Inactive = false`.
    let inverted = lower.contains("active") && !lower.contains("inactive");
    if column.kind == ValueKind::BooleanLike {
        return column
            .values
            .iter()
            .map(|v| {
                boolean_word(v)
                    .or_else(|| v.parse::<bool>().ok())
                    .map(|yes| (v.clone(), (yes != inverted).to_string()))
            })
            .collect();
    }
    if column.kind != ValueKind::Text || !column.enum_like {
        return None;
    }
    const CLOSED: [&str; 10] = [
        "closed",
        "inactive",
        "disabled",
        "suspended",
        "terminated",
        "cancelled",
        "canceled",
        "archived",
        "deleted",
        "dormant",
    ];
    Some(
        column
            .values
            .iter()
            .map(|v| {
                let closed = CLOSED.iter().any(|w| v.to_lowercase().contains(w));
                (v.clone(), closed.to_string())
            })
            .collect(),
    )
}

/// Each value to a pricing method: as OnTime spells it, or by its words (`per mile` is
/// Distance); a value it cannot place maps to blank (OnTime keeps its own).
fn pricing_map(column: &Column) -> Option<Vec<(String, String)>> {
    if column.values.is_empty() {
        return None;
    }
    let method = |value: &str| -> String {
        if let Ok(Some(ontime_api::Value::Text(known))) =
            convert(&Cell::Text(value.into()), Kind::PricingMethod)
        {
            return known;
        }
        let lower = value.to_lowercase();
        let guess = [
            ("zone", "ZoneToZone"),
            ("mile", "Distance"),
            ("km", "Distance"),
            ("distance", "Distance"),
            ("flat", "FlatRate"),
            ("fixed", "FlatRate"),
            ("none", "None"),
        ]
        .iter()
        .find(|(word, _)| lower.contains(word))
        .map(|(_, method)| *method);
        guess
            .filter(|m| PRICING_METHODS.contains(m))
            .unwrap_or("")
            .to_string()
    };
    Some(
        column
            .values
            .iter()
            .map(|v| (v.clone(), format!("\"{}\"", method(v))))
            .collect(),
    )
}
