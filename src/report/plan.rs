//! What `--plan` would do, customer by customer: the first [`SHOWN`] on screen, and every one
//! in the plan file (`--plan-file FILE`, CSV or xlsx by its extension), one row per changed
//! field: customer key, customer ID, action, field, old, new.
//!
//! Invariant: every customer the plan judged has at least one row in the file (one with a blank
//! field when nothing of it changes), so none is left out of the review. The CSV's cells are
//! neutralised as the report's are ([`push_cell`]); the workbook is made from those lines by the
//! report's writer ([`super::workbook::write_sheet`]). On screen, every value passes through
//! [`shown_inline`].

use std::fmt::Write;
use std::path::Path;

use super::cells::push_cell;
use super::outcome::RowId;
use crate::logging::{shown, shown_inline};

/// How many customers the screen shows; the rest are in the report or the plan file.
pub(crate) const SHOWN: usize = 20;

/// One field the plan would change: the text OnTime holds and the text it would hold (blank
/// for nothing).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Change {
    pub field: String,
    pub old: String,
    pub new: String,
}

/// One customer's line of the plan.
#[derive(Debug, Clone)]
pub(crate) struct Planned {
    /// Its first row: the plan is shown in input order.
    pub row: RowId,
    pub key: String,
    pub id: Option<String>,
    /// `create`, `update`, `unchanged`, `failed` or `not_sent`.
    pub action: &'static str,
    /// The report's message for it: the action with every change as `old → new`.
    pub message: String,
    pub changes: Vec<Change>,
}

/// Whether `path` names a plan file format: `.csv` or `.xlsx`, any case.
pub(crate) fn is_plan_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("csv") || ext.eq_ignore_ascii_case("xlsx"))
}

/// The plan on screen: the first [`SHOWN`] customers in input order, one line each, then how
/// many more `rest` (the report or the plan file) holds. Empty for an empty plan.
pub(crate) fn screen(plans: &[Planned], rest: &Path) -> String {
    if plans.is_empty() {
        return String::new();
    }
    let mut out = String::from("plan:\n");
    for plan in plans.iter().take(SHOWN) {
        let _ = writeln!(
            out,
            "  {}  {}",
            shown_inline(&plan.key),
            shown_inline(&plan.message)
        );
    }
    if plans.len() > SHOWN {
        let _ = writeln!(
            out,
            "… and {} more in {}",
            plans.len() - SHOWN,
            shown(&rest.display().to_string())
        );
    }
    out
}

/// Writes `plans` to `path`: a workbook for `.xlsx`, else a CSV with a byte-order mark (as the
/// report, so that Excel reads it as UTF-8). Through a temporary file either way.
pub(crate) fn write(path: &Path, plans: &[Planned]) -> std::io::Result<()> {
    let lines = lines(plans);
    if !super::workbook::is_workbook(path) {
        return super::replace_with(path, |temp| {
            let mut bytes = b"\xEF\xBB\xBF".to_vec();
            bytes.extend_from_slice(&lines);
            std::fs::write(temp, bytes)
        });
    }
    let mut name = path.as_os_str().to_os_string();
    name.push(".lines");
    let csv = std::path::PathBuf::from(name);
    let written = std::fs::write(&csv, &lines)
        .and_then(|()| super::workbook::write_sheet(&csv, path, "Plan", None));
    let _ = std::fs::remove_file(&csv);
    written
}

/// The plan file's CSV lines, header first.
fn lines(plans: &[Planned]) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 * (plans.len() + 1));
    row(
        &mut out,
        [
            "customer key",
            "customer ID",
            "action",
            "field",
            "old",
            "new",
        ],
    );
    for plan in plans {
        let id = plan.id.as_deref().unwrap_or("");
        if plan.changes.is_empty() {
            row(&mut out, [plan.key.as_str(), id, plan.action, "", "", ""]);
        }
        for change in &plan.changes {
            let (field, old, new) = (&change.field, &change.old, &change.new);
            row(
                &mut out,
                [plan.key.as_str(), id, plan.action, field, old, new],
            );
        }
    }
    out
}

fn row(out: &mut Vec<u8>, cells: [&str; 6]) {
    for (at, cell) in cells.iter().enumerate() {
        if at > 0 {
            out.push(b',');
        }
        push_cell(out, cell);
    }
    out.push(b'\n');
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a panic is the failure report
mod tests {
    use super::*;

    fn planned(key: &str, changes: Vec<Change>) -> Planned {
        Planned {
            row: RowId(0),
            key: key.into(),
            id: Some("7".into()),
            action: "update",
            message: "would update".into(),
            changes,
        }
    }

    #[test]
    fn a_customer_without_changes_still_has_its_row_and_formulas_are_neutralised() {
        let change = Change {
            field: "Phone".into(),
            old: "=1+1".into(),
            new: "555, 0199".into(),
        };
        let text = String::from_utf8(lines(&[
            planned("1001", vec![change]),
            planned("1002", vec![]),
        ]))
        .unwrap();
        assert_eq!(
            text,
            "customer key,customer ID,action,field,old,new\n1001,7,update,Phone,'=1+1,\"555, 0199\"\n1002,7,update,,,\n"
        );
    }

    #[test]
    fn only_csv_and_xlsx_are_plan_files() {
        assert!(is_plan_file(Path::new("a.CSV")));
        assert!(is_plan_file(Path::new("a.xlsx")));
        assert!(!is_plan_file(Path::new("a.xls")));
        assert!(!is_plan_file(Path::new("a")));
    }
}
