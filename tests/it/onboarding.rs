//! Onboarding a new file: `inspect`, `init` (a starter mapping that `--dry-run` accepts),
//! fields built from several cells (`join`, `pad`, `trim`, `replace`), and the completions and
//! man page generated from the command line's definitions.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod headers;
mod init;
mod inspect;
mod shape;
mod shells;

use crate::util::{Run, Work};

/// Runs `init` on `input` into `out`, then a dry run with it; returns the init run, the
/// mapping text and the dry run's report lines (`row,status,key,message`).
pub fn init_and_dry_run(work: &Work, input: &str, out: &str) -> (Run, String, Run, Vec<String>) {
    let init = work.run(&["init", input, "-o", out]);
    assert_eq!(init.code, 0, "{}", init.stderr);
    let text = std::fs::read_to_string(work.path(out)).unwrap();
    let _ = std::fs::remove_file(work.path("r.csv"));
    let dry = work.run(&[input, "-m", out, "--dry-run", "--report", "r.csv"]);
    assert!(
        work.path("r.csv").exists(),
        "the dry run did not start: {}\n{text}",
        dry.stderr
    );
    let report = crate::util::brief(&work.report("r.csv"));
    (init, text, dry, report)
}

/// The mapping's column rules as `field=column` (`contact.Name=First Name+Last Name` for a
/// join), plus `group_by=…` and `match=…`, sorted.
pub fn choices(path: &std::path::Path) -> Vec<String> {
    use ontime_import::mapping::{MatchBy, RuleSource, parse};
    let text = std::fs::read_to_string(path).unwrap();
    let mapping = parse(path, &text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let mut out: Vec<String> = mapping
        .group_by
        .iter()
        .map(|h| format!("group_by={}", h.name))
        .collect();
    out.push(match mapping.match_by {
        MatchBy::None => "match=none".into(),
        MatchBy::Field(f) => format!("match={f}"),
    });
    let children = [mapping.department.as_ref(), mapping.contact.as_ref()];
    let tables = std::iter::once(("", &mapping.customer)).chain(
        children
            .into_iter()
            .flatten()
            .map(|c| (c.entity.table(), &c.rules)),
    );
    for (table, rules) in tables {
        for rule in rules.iter() {
            if let RuleSource::Column { column, shape, .. } = &rule.source {
                let columns = match shape.as_ref().filter(|s| !s.join.is_empty()) {
                    Some(shape) => shape
                        .join
                        .iter()
                        .map(|h| h.name.as_str())
                        .collect::<Vec<_>>()
                        .join("+"),
                    None => column.name.clone(),
                };
                let field = if table.is_empty() {
                    rule.field.name.to_string()
                } else {
                    format!("{table}.{}", rule.field.name)
                };
                out.push(format!("{field}={columns}"));
            }
        }
    }
    out.sort();
    out
}
