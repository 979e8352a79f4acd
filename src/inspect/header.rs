//! Which row holds the column names, from the first rows of the table as text
//! ([`crate::read::Table::preview`]): the first row that fills most of the table's width with
//! distinct text, with a sentence saying why.

use serde::Serialize;

use super::kind::{ValueKind, of_text};

/// The header row found, 1-based as a spreadsheet shows it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct HeaderChoice {
    pub row: u64,
    pub why: String,
}

/// Picks the header row among `preview` (row 1 first).
pub(super) fn detect(preview: &[Vec<String>]) -> HeaderChoice {
    let filled = |row: &[String]| row.iter().filter(|c| !c.trim().is_empty()).count();
    let widest = preview.iter().map(|r| filled(r)).max().unwrap_or(0);
    let enough = (widest.div_ceil(2)).max(2).min(widest.max(1));
    let first_filled = preview.iter().position(|r| filled(r) > 0).unwrap_or(0);
    let found = preview.iter().enumerate().find(|(_, row)| {
        let cells: Vec<&str> = row
            .iter()
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
            .collect();
        let distinct: std::collections::HashSet<String> =
            cells.iter().map(|c| c.to_lowercase()).collect();
        cells.len() >= enough
            // Mostly different: a repeated name is a problem to report, not a reason to miss
            // the header.
            && distinct.len() * 5 >= cells.len() * 4
            && cells.iter().all(|c| {
                matches!(of_text(c), ValueKind::Text)
                    || c.chars().any(char::is_alphabetic) && !c.contains('@')
            })
    });
    match found {
        Some((i, row)) => {
            let number = i as u64 + 1;
            let mut why = format!(
                "row {number} is the first with {} of the table's {widest} columns filled, all text and {} different",
                filled(row),
                if distinct_count(row) == filled(row) {
                    "all"
                } else {
                    "mostly"
                }
            );
            if i > first_filled {
                let above = i - first_filled;
                let rows = if above == 1 { "row" } else { "rows" };
                why.push_str(&format!(
                    "; the {above} non-blank {rows} above it look like a title"
                ));
            }
            HeaderChoice { row: number, why }
        }
        None => HeaderChoice {
            row: first_filled as u64 + 1,
            why: format!(
                "no row in the first {} fills most columns with distinct text; taking the first non-blank row",
                preview.len()
            ),
        },
    }
}

fn distinct_count(row: &[String]) -> usize {
    let cells = row
        .iter()
        .map(|c| c.trim().to_lowercase())
        .filter(|c| !c.is_empty());
    cells.collect::<std::collections::HashSet<_>>().len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    }

    #[test]
    fn title_rows_above_the_header_are_skipped() {
        let preview = rows(&[
            &["Customer list, March 2026", "", ""],
            &["", "", ""],
            &["Acct", "Company", "Email"],
            &["1001", "Harbor", "a@b.example"],
        ]);
        let choice = detect(&preview);
        assert_eq!(choice.row, 3, "{}", choice.why);
        assert!(choice.why.contains("look like a title"), "{}", choice.why);
        assert_eq!(detect(&rows(&[&["Acct", "Company"], &["1", "x"]])).row, 1);
    }
}
