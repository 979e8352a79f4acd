//! `ontime-import init`: a starter mapping file for a spreadsheet, from what
//! [`crate::inspect`] finds in it: [`propose`] decides, [`render`] writes the TOML with the
//! evidence of each line. Another sheet of the workbook that names the customers' group key
//! and holds department or contact columns becomes a linked `[department]`/`[contact]`.
//!
//! Invariant: an existing file is never overwritten without `--force`.

mod key;
mod propose;
mod render;
mod values;

use crate::error::RunError;
use std::path::{Path, PathBuf};

use crate::cli::InitArgs;
use crate::inspect::synonyms::{Target, normalise, targets};
use crate::inspect::{self, Inspection};
use ontime_api::Entity;
use propose::{Confidence, Line, field_name};

/// A department or contact table on another sheet, linked to the customers by a column.
#[derive(Debug, Clone)]
pub(crate) struct Linked {
    pub entity: Entity,
    pub sheet: String,
    pub link: String,
    pub header_row: u64,
    pub lines: Vec<Line>,
}

/// Runs the subcommand: exit 0 with the file written, 2 when it exists (without `--force`)
/// or the input cannot be read.
pub(crate) fn run(args: &InitArgs) -> Result<(), RunError> {
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| default_output(&args.input));
    if output.exists() && !args.force {
        return Err(RunError::Refused {
            message: format!("{} exists; nothing was written", output.display()),
            hint: Some("add --force to overwrite it, or -o to write elsewhere".into()),
        });
    }
    let found = inspect::inspect(&args.input, args.sheet.as_deref())?;
    let proposal = propose::propose(&found);
    let linked = linked_tables(&found, &proposal);
    let text = render::toml(&found, &proposal, &linked);
    if let Err(error) = std::fs::write(&output, &text) {
        return Err(RunError::Refused {
            message: format!("cannot write {}: {error}", output.display()),
            hint: None,
        });
    }
    let mapped = proposal.lines.len() + linked.iter().map(|l| l.lines.len()).sum::<usize>();
    let unsure = proposal
        .lines
        .iter()
        .filter(|l| l.confidence < Confidence::High)
        .count();
    let left = proposal.unplaced.len();
    let columns = if left == 1 { "column" } else { "columns" };
    println!(
        "wrote {}: {mapped} fields mapped ({unsure} to check), {left} {columns} not placed",
        output.display()
    );
    println!(
        "next: review it, then: ontime-import {} -m {} --dry-run",
        args.input.display(),
        output.display()
    );
    Ok(())
}

/// `customers.xlsx` → `customers.mapping.toml`, beside it.
fn default_output(input: &Path) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    input.with_file_name(format!("{stem}.mapping.toml"))
}

/// Other visible sheets holding the group key's column and department or contact columns,
/// for the entities the customer sheet itself does not feed.
fn linked_tables(found: &Inspection, proposal: &propose::Proposal) -> Vec<Linked> {
    let Some((key, _)) = &proposal.group_by else {
        return Vec::new();
    };
    let mut linked = Vec::new();
    for sheet in found
        .sheets
        .iter()
        .filter(|s| !s.hidden && Some(&s.name) != found.sheet.as_ref() && s.rows > 1)
    {
        let Ok(other) = inspect::inspect(&found.file, Some(&sheet.name)) else {
            continue;
        };
        let Some(link) = other
            .columns
            .iter()
            .find(|c| normalise(&c.header) == normalise(key))
        else {
            continue;
        };
        for entity in [Entity::Department, Entity::Contact] {
            let taken = proposal.lines.iter().any(|l| l.entity == entity)
                || linked.iter().any(|l: &Linked| l.entity == entity);
            if taken {
                continue;
            }
            let lines = child_lines(&other, entity, &link.header);
            if lines.iter().any(|l| l.field == "Name") {
                linked.push(Linked {
                    entity,
                    sheet: sheet.name.clone(),
                    link: link.header.clone(),
                    header_row: other.header.row,
                    lines,
                });
            }
        }
    }
    linked
}

/// The department or contact fields of another sheet, by header (a customer-looking `Email`
/// or `Phone` there is the contact's).
fn child_lines(other: &Inspection, entity: Entity, link: &str) -> Vec<Line> {
    let mut lines: Vec<Line> = Vec::new();
    let (mut first, mut last) = (None, None);
    for column in other
        .columns
        .iter()
        .filter(|c| c.header != link && c.filled > 0)
    {
        for target in targets(&column.header) {
            let field = match (entity, target) {
                (Entity::Contact, Target::FirstName) => {
                    first = Some(column.header.clone());
                    break;
                }
                (Entity::Contact, Target::LastName) => {
                    last = Some(column.header.clone());
                    break;
                }
                (Entity::Contact, Target::ContactName) => "Name",
                (
                    Entity::Contact,
                    Target::Field(Entity::Customer, "Email" | "PrimaryContactName"),
                ) if column.kind == inspect::kind::ValueKind::Email => "Email",
                (Entity::Contact, Target::Field(Entity::Customer, "Phone")) => "Phone",
                (Entity::Contact, Target::Field(Entity::Customer, "Name")) => "Name",
                (e, Target::Field(t, f)) if e == t => f,
                _ => continue,
            };
            let Some(def) = entity.field(field) else {
                continue;
            };
            if lines.iter().any(|l| l.field == def.name)
                || (def.kind == ontime_api::Kind::Email
                    && column.kind != inspect::kind::ValueKind::Email)
            {
                continue;
            }
            lines.push(Line {
                entity,
                field: def.name,
                columns: vec![column.header.clone()],
                evidence: format!(
                    "header \"{}\" on sheet \"{}\" names {}",
                    column.header,
                    other.sheet.as_deref().unwrap_or(""),
                    field_name(entity, def.name)
                ),
                confidence: Confidence::Medium,
                map: Vec::new(),
                pad: None,
            });
            break;
        }
    }
    if let (Some(first), Some(last)) = (first, last)
        && !lines.iter().any(|l| l.field == "Name")
    {
        lines.push(Line {
            entity,
            field: "Name",
            evidence: format!(
                "\"{first}\" and \"{last}\" are a first and last name, joined with a space"
            ),
            columns: vec![first, last],
            confidence: Confidence::High,
            map: Vec::new(),
            pad: None,
        });
    }
    lines
}
