//! The inspection as text for a person: the file, the header row and why, the group key, then
//! one block per column. Deterministic (no timings, no paths beyond the one given), so it can
//! be snapshot-tested.

use std::fmt::Write;

use super::Inspection;
use super::profile::thousands;

/// The whole text, ending in a newline.
pub(super) fn text(found: &Inspection) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = write_text(&mut out, found);
    out
}

fn write_text(out: &mut String, found: &Inspection) -> std::fmt::Result {
    write_file(out, found)?;
    write_table(out, found)?;
    writeln!(out)?;
    for column in &found.columns {
        write_column(out, column)?;
    }
    Ok(())
}

/// The file: a CSV's encoding and delimiter, or a workbook's sheets.
fn write_file(out: &mut String, found: &Inspection) -> std::fmt::Result {
    let file = found.file.display();
    if found.format == "csv" {
        writeln!(out, "{file}: CSV")?;
        if let Some(encoding) = &found.encoding {
            writeln!(out, "  encoding: {encoding}")?;
        }
        if let Some(delimiter) = &found.delimiter {
            writeln!(out, "  delimiter: \"{delimiter}\"")?;
        }
    } else {
        let count = found.sheets.len();
        let noun = if count == 1 { "sheet" } else { "sheets" };
        writeln!(out, "{file}: workbook, {count} {noun}")?;
        for sheet in &found.sheets {
            let mark = if Some(&sheet.name) == found.sheet.as_ref() {
                "  <- inspected"
            } else {
                ""
            };
            let hidden = if sheet.hidden { ", hidden" } else { "" };
            writeln!(
                out,
                "  sheet \"{}\": {} rows, {} columns{hidden}{mark}",
                sheet.name,
                thousands(sheet.rows as usize),
                sheet.columns
            )?;
        }
    }
    Ok(())
}

/// The header row, the data rows and the group key.
fn write_table(out: &mut String, found: &Inspection) -> std::fmt::Result {
    writeln!(
        out,
        "header: row {} ({})",
        found.header.row, found.header.why
    )?;
    match (found.first_row, found.last_row) {
        (Some(first), Some(last)) => writeln!(
            out,
            "data: {} rows (rows {first} to {last}; blank rows skipped)",
            thousands(found.rows as usize)
        )?,
        _ => writeln!(out, "data: no rows below the header")?,
    }
    match &found.group_key {
        Some(key) => {
            writeln!(out, "group key: \"{}\" ({})", key.column, key.why)?;
            if key.repeats && !key.varying.is_empty() {
                writeln!(
                    out,
                    "  varying within a customer (department or contact columns): {}",
                    quoted(&key.varying)
                )?;
            }
        }
        None => writeln!(
            out,
            "group key: none found (no column is always filled with repeating or unique values)"
        )?,
    }
    Ok(())
}

fn write_column(out: &mut String, column: &super::Column) -> std::fmt::Result {
    let header = if column.header.is_empty() {
        "(blank)".to_string()
    } else {
        format!("\"{}\"", column.header)
    };
    writeln!(
        out,
        "{} {header}: {}",
        column.letter,
        column.kind.describe()
    )?;
    writeln!(
        out,
        "    filled {:.0}% ({}), distinct {}, samples: {}",
        column.fill_rate * 100.0,
        thousands(column.filled as usize),
        column.distinct_shown(),
        quoted(&column.samples)
    )?;
    if column.enum_like {
        writeln!(out, "    values: {}", quoted(&column.values))?;
    }
    for problem in &column.problems {
        writeln!(out, "    problem: {problem}")?;
    }
    Ok(())
}

fn quoted(list: &[String]) -> String {
    if list.is_empty() {
        return "-".into();
    }
    list.iter()
        .map(|v| format!("\"{v}\""))
        .collect::<Vec<_>>()
        .join(", ")
}
