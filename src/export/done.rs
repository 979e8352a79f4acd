//! What an export says on stderr: its cost before reading, and at the end either that FILE is
//! written (with the values an import of it would not read back alike) or that it is not, why,
//! and that the same command goes on. Never "exported" for an export that did not finish.

use std::fmt::Write;
use std::path::Path;

use super::journal::Journal;
use super::layout::Layout;
use super::read::Reads;
use crate::logging::{shown, shown_inline};
use crate::upload::{Client, Stop};

/// At most this many of a kind are named one by one.
const NAMED: usize = 5;

/// What the export will read, before the `; about … at --rate` of the estimate.
pub(super) fn cost(listed: usize, todo: usize, journal: &Path) -> String {
    let mut out = format!("export: {listed} customers in OnTime");
    if todo < listed {
        let _ = write!(
            out,
            "; {} read by an earlier run (kept in {}), {todo} to read",
            listed - todo,
            shown(&journal.display().to_string())
        );
    }
    let _ = write!(
        out,
        "\nestimate: {} requests: the listing (sent) and {todo} customers read one by one",
        1 + todo
    );
    out
}

/// Why the export stopped, as a sentence.
pub(super) fn reason(stop: &Stop) -> String {
    stop.message().trim_start_matches("not sent: ").to_string()
}

/// The end of a complete export.
pub(super) fn complete(output: &Path, customers: usize, earlier: u64, rows: usize) -> String {
    let mut out = format!(
        "exported {customers} customers ({rows} rows) to {}",
        shown(&output.display().to_string())
    );
    if earlier > 0 {
        let _ = write!(out, "; {earlier} of them read by an earlier run");
    }
    out.push('\n');
    out
}

/// The end of an export that stopped or could not read every customer.
pub(super) fn incomplete(
    output: &Path,
    journal: &Journal,
    ids: &[String],
    reads: &Reads,
    stop: Option<&Stop>,
) -> String {
    let have = ids
        .iter()
        .filter(|id| journal.records.contains_key(*id))
        .count();
    let mut out = format!(
        "export incomplete: {have} of {} customers read ({} by this run); {} not written\n",
        ids.len(),
        reads.read,
        shown(&output.display().to_string())
    );
    if let Some(stop) = stop {
        let _ = writeln!(out, "stopped: {}", shown(&reason(stop)));
    }
    if !reads.failed.is_empty() {
        let _ = writeln!(out, "{} customers could not be read:", reads.failed.len());
        for (id, why) in reads.failed.iter().take(NAMED) {
            let _ = writeln!(out, "  {}: {}", shown_inline(id), shown_inline(why));
        }
        if reads.failed.len() > NAMED {
            let _ = writeln!(out, "  … and {} more", reads.failed.len() - NAMED);
        }
    }
    if have > 0 {
        let _ = writeln!(
            out,
            "the customers read are kept in {}: run the same command again and it reads only the {} left",
            shown(&journal.path().display().to_string()),
            ids.len() - have
        );
    } else {
        let _ = writeln!(out, "run the same command again to export");
    }
    out
}

/// `requests sent: 46: list 1, read 45; daily quota left: 86354 (resets …)`.
pub(super) fn requests(client: &Client) -> String {
    let kinds = client.requests_by_kind();
    let mut out = format!("requests sent: {}", client.requests());
    let by_kind: Vec<String> = ["list", "read"]
        .iter()
        .filter_map(|kind| Some(format!("{kind} {}", kinds.get(kind)?)))
        .collect();
    if !by_kind.is_empty() {
        let _ = write!(out, ": {}", by_kind.join(", "));
    }
    let quota = client.quota();
    if let Some(left) = quota.daily_remaining {
        let _ = write!(out, "; daily quota left: {left}");
        if let Some(reset) = &quota.daily_reset {
            let _ = write!(out, " (resets {reset})");
        }
    }
    out.push('\n');
    out
}

/// What an import of the export would not restore as it is.
pub(super) fn warnings(output: &Path, layout: &Layout) -> String {
    let file = shown(&output.display().to_string()).into_owned();
    let mut out = String::new();
    if !layout.unfaithful.is_empty() {
        let _ = writeln!(
            out,
            "warning: {} values would not come back the same from an import of {file} with mappings/export.toml:",
            layout.unfaithful.len()
        );
        for value in layout.unfaithful.iter().take(NAMED) {
            let _ = writeln!(
                out,
                "  customer {}, {}: {}",
                shown_inline(&value.customer),
                value.field,
                shown_inline(&value.why)
            );
        }
        if layout.unfaithful.len() > NAMED {
            let _ = writeln!(out, "  … and {} more", layout.unfaithful.len() - NAMED);
        }
    }
    if layout.without_account > 0 {
        let _ = writeln!(
            out,
            "warning: {} customers have no AccountNumber: an import of {file} with mappings/export.toml refuses their rows, since the account number is how it finds a customer",
            layout.without_account
        );
    }
    let shared = layout.shared_accounts();
    if !shared.is_empty() {
        let named: Vec<String> = shared
            .iter()
            .take(NAMED)
            .map(|(account, n)| format!("\"{}\" by {n}", shown_inline(account)))
            .collect();
        let _ = writeln!(
            out,
            "warning: {} account numbers are held by more than one customer ({}{}): an import of {file} refuses those customers, since OnTime's lookup cannot tell them apart",
            shared.len(),
            named.join(", "),
            if shared.len() > NAMED { ", …" } else { "" }
        );
    }
    out
}
