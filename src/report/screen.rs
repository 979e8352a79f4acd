//! The problem rows on screen after a run: the first [`SHOWN`] invalid or failed rows in input
//! order, one line each (`file:sheet:row  column "X": value "…" is not …`), a `hint:` line
//! where the row's message carries one, then how many more the report holds.
//!
//! Every piece that came from a cell or a server is escaped (no terminal control sequences);
//! a value or message is kept on its one line.

use std::fmt::Write;

use super::problems::SHOWN;
use super::{Outcome, Report};
use crate::logging::{shown, shown_inline};

impl Report {
    /// The list, ready to print; empty when no row is invalid or failed.
    pub(crate) fn problem_list(&self) -> String {
        let mut out = String::new();
        for (row, outcome) in &self.problems.first {
            let Some(meta) = self.rows.get(*row as usize) else {
                continue;
            };
            if let Some(name) = self.names.get(usize::from(meta.source)) {
                let _ = write!(out, "{}:", shown_inline(&name.file.display().to_string()));
                if let Some(sheet) = &name.sheet {
                    let _ = write!(out, "{}:", shown_inline(sheet));
                }
            }
            let _ = write!(out, "{}  ", meta.number);
            push_problem(&mut out, outcome);
        }
        let total = self.problems.messages.len();
        if total > SHOWN {
            let _ = writeln!(
                out,
                "… and {} more in {}",
                total - SHOWN,
                shown(&self.path.display().to_string())
            );
        }
        out
    }
}

/// One problem: the cell's column, value and what is wrong with it when the row knows them,
/// else the message; each line of the message after its first is a hint or a detail.
fn push_problem(out: &mut String, outcome: &Outcome) {
    let (first, rest) = match outcome.message.split_once('\n') {
        Some((first, rest)) => (first, Some(rest)),
        None => (outcome.message.as_str(), None),
    };
    match (&outcome.column, &outcome.value, &outcome.reason) {
        (Some(column), Some(value), Some(reason)) => {
            let _ = writeln!(
                out,
                "column \"{}\": value \"{}\" {}",
                shown_inline(column),
                shown_inline(value),
                shown_inline(reason)
            );
        }
        _ => {
            let _ = writeln!(out, "{}", shown_inline(first));
        }
    }
    for line in rest.into_iter().flat_map(str::lines) {
        let line = line.trim_start();
        if !line.is_empty() {
            let _ = writeln!(out, "  {}", shown_inline(line));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Status;
    use super::*;
    use crate::read::SourceName;

    #[test]
    fn the_first_rows_in_input_order_then_how_many_more() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut report = Report::create(&dir.path().join("r.csv")).expect("create");
        let source = report.add_source(&SourceName {
            file: "in.xlsx".into(),
            sheet: Some("Export".into()),
        });
        let rows: Vec<_> = (2..20)
            .map(|n| report.register(source, n, Some("k")))
            .collect();
        for row in rows.iter().rev() {
            let outcome = Outcome {
                column: Some("E-mail".into()),
                value: Some("n/a\u{1b}[2J".into()),
                reason: Some("is not an email address".into()),
                ..Outcome::new(Status::Invalid, "Email: …")
            };
            report.decide(*row, outcome).expect("decide");
        }
        let list = report.problem_list();
        let lines: Vec<&str> = list.lines().collect();
        assert_eq!(lines.len(), 11, "{list}");
        assert_eq!(
            lines[0],
            "in.xlsx:Export:2  column \"E-mail\": value \"n/a\\u{1b}[2J\" is not an email address"
        );
        assert!(lines[9].starts_with("in.xlsx:Export:11  "), "{list}");
        assert!(lines[10].starts_with("… and 8 more in "), "{list}");
    }
}
