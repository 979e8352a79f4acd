//! The proposal as a mapping file in the format of `mappings/default.toml`: `[source]`,
//! `[customer]`, `[department]`, `[contact]` (on the same rows or a linked sheet), `[match]`;
//! every line with a comment giving its evidence and confidence, the columns left over listed
//! as comments at the end.

use std::fmt::Write;

use super::Linked;
use super::propose::{Line, Proposal};
use crate::inspect::Inspection;
use ontime_api::Entity;

/// A TOML basic string: `"…"` with `"`, `\` and control characters escaped.
pub(super) fn quote(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// The mapping file's text.
pub(super) fn toml(found: &Inspection, p: &Proposal, linked: &[Linked]) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = write_toml(&mut out, found, p, linked);
    out
}

fn write_toml(
    out: &mut String,
    found: &Inspection,
    p: &Proposal,
    linked: &[Linked],
) -> std::fmt::Result {
    let name = found
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    writeln!(
        out,
        "# Starter mapping for {name}, written by `ontime-import init`."
    )?;
    writeln!(
        out,
        "# Each line says why it was chosen and how sure that is: check the low and medium ones,"
    )?;
    writeln!(
        out,
        "# then try it: ontime-import {name} -m <this file> --dry-run"
    )?;
    writeln!(out, "# The format is described in mappings/README.md.")?;
    writeln!(out)?;
    write_source(out, found)?;
    write_tables(out, p, linked)?;
    writeln!(out)?;
    writeln!(out, "[match]")?;
    writeln!(out, "by = {}  # {}", quote(p.match_by.0), p.match_by.1)?;
    if !p.unplaced.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "# Columns not placed (map them yourself if they matter):"
        )?;
        for (header, why) in &p.unplaced {
            let header = if header.is_empty() {
                "(blank header)".to_string()
            } else {
                quote(header)
            };
            writeln!(out, "#   {header}: {why}")?;
        }
    }
    Ok(())
}

fn write_source(out: &mut String, found: &Inspection) -> std::fmt::Result {
    writeln!(out, "[source]")?;
    if let Some(sheet) = &found.sheet {
        writeln!(out, "sheet = {}", quote(sheet))?;
    }
    writeln!(
        out,
        "header_row = {}  # {}",
        found.header.row, found.header.why
    )?;
    if let Some(delimiter) = found.delimiter.as_deref().filter(|d| *d != ",") {
        writeln!(out, "delimiter = {}  # detected", quote(delimiter))?;
    }
    if let Some(label) = encoding_label(found) {
        writeln!(out, "encoding = {}  # the file is not UTF-8", quote(label))?;
    }
    Ok(())
}

/// `[customer]`, then `[department]` and `[contact]` from the same rows or a linked sheet.
fn write_tables(out: &mut String, p: &Proposal, linked: &[Linked]) -> std::fmt::Result {
    writeln!(out)?;
    writeln!(out, "[customer]")?;
    if let Some((column, why)) = &p.group_by {
        writeln!(out, "group_by = {}  # {why}", quote(column))?;
    }
    for line in p.lines.iter().filter(|l| l.entity == Entity::Customer) {
        rule(out, line)?;
    }
    for entity in [Entity::Department, Entity::Contact] {
        let lines: Vec<&Line> = p.lines.iter().filter(|l| l.entity == entity).collect();
        if !lines.is_empty() {
            writeln!(out)?;
            writeln!(out, "[{}]", entity.table())?;
            for line in lines {
                rule(out, line)?;
            }
        } else if let Some(link) = linked.iter().find(|l| l.entity == entity) {
            writeln!(out)?;
            writeln!(out, "[{}]", entity.table())?;
            writeln!(
                out,
                "sheet = {}  # its rows name their customer in {}",
                quote(&link.sheet),
                quote(&link.link)
            )?;
            writeln!(out, "link = {}", quote(&link.link))?;
            if link.header_row != 1 {
                writeln!(out, "header_row = {}", link.header_row)?;
            }
            for line in &link.lines {
                rule(out, line)?;
            }
        }
    }
    Ok(())
}

fn rule(out: &mut String, line: &Line) -> std::fmt::Result {
    let mut parts: Vec<String> = Vec::new();
    if line.columns.len() > 1 {
        let columns: Vec<String> = line.columns.iter().map(|c| quote(c)).collect();
        parts.push(format!("join = [{}]", columns.join(", ")));
    } else if let Some(column) = line.columns.first() {
        parts.push(format!("column = {}", quote(column)));
    }
    if let Some(width) = line.pad {
        parts.push(format!("pad = {width}"));
    }
    if !line.map.is_empty() {
        // Map keys compare ignoring case: `No` and `no` are one entry.
        let mut seen: Vec<String> = Vec::new();
        let entries: Vec<String> = line
            .map
            .iter()
            .filter(|(k, _)| {
                let lower = k.to_lowercase();
                let new = !seen.contains(&lower);
                seen.push(lower);
                new
            })
            .map(|(k, v)| format!("{} = {v}", quote(k)))
            .collect();
        parts.push(format!("map = {{ {} }}", entries.join(", ")));
    }
    let value = match (parts.as_slice(), line.columns.first()) {
        ([_], Some(column)) if line.columns.len() == 1 => quote(column),
        _ => format!("{{ {} }}", parts.join(", ")),
    };
    let mut evidence = line.evidence.clone();
    if let Some(width) = line.pad {
        evidence.push_str(&format!(
            "; some numbers lost their leading zeros: pad = {width}"
        ));
    }
    writeln!(
        out,
        "{} = {value}  # {evidence}; confidence {}",
        line.field,
        line.confidence.word()
    )
}

/// The encoding to name in `[source]`, when the file is not UTF-8 and has no byte-order mark.
fn encoding_label(found: &Inspection) -> Option<&'static str> {
    let said = found.encoding.as_deref()?;
    ["windows-1252", "utf-16le", "utf-16be"]
        .into_iter()
        .find(|label| said.starts_with(label))
}
