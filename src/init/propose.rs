//! An inspection → the mapping it suggests: which column feeds which OnTime field, by header
//! ([`crate::inspect::synonyms`]) and by content (the column's kind), the group key, department and
//! contact columns, value maps, and the columns left over. Each choice keeps its evidence and
//! a confidence, for the comment beside it in the file.
//!
//! Invariant: a field is proposed only from a column whose content it can take (an e-mail
//! field from e-mails, a yes/no field from yes/no words), and a customer field never from a
//! column that varies within a customer, so the mapping passes `--dry-run` on that file.

use super::key::{key_and_name, match_by};
use crate::inspect::kind::ValueKind;
use crate::inspect::synonyms::{Target, targets};
use crate::inspect::{Column, Inspection};
use ontime_api::{Entity, Kind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub(crate) fn word(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// One `Field = …` line.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub entity: Entity,
    pub field: &'static str,
    /// One column, or several joined.
    pub columns: Vec<String>,
    pub evidence: String,
    pub confidence: Confidence,
    /// Value map entries: cell text → TOML literal.
    pub map: Vec<(String, String)>,
    pub pad: Option<usize>,
}

/// The whole suggestion.
#[derive(Debug, Clone, Default)]
pub(super) struct Proposal {
    pub group_by: Option<(String, String)>,
    pub lines: Vec<Line>,
    pub match_by: (&'static str, String),
    /// Columns not placed, with why.
    pub unplaced: Vec<(String, String)>,
}

impl Proposal {
    pub(super) fn has(&self, entity: Entity, field: &str) -> bool {
        self.lines
            .iter()
            .any(|l| l.entity == entity && l.field == field)
    }

    pub(super) fn uses(&self, header: &str) -> bool {
        self.lines
            .iter()
            .any(|l| l.columns.iter().any(|c| c == header))
    }

    pub(super) fn column_of(&self, entity: Entity, field: &str) -> Option<&str> {
        let line = self
            .lines
            .iter()
            .find(|l| l.entity == entity && l.field == field)?;
        (line.columns.len() == 1).then(|| line.columns[0].as_str())
    }
}

/// The mapping suggested for the inspected table.
pub(super) fn propose(found: &Inspection) -> Proposal {
    let mut p = Proposal::default();
    let varying: Vec<&str> = found
        .group_key
        .iter()
        .flat_map(|k| k.varying.iter().map(String::as_str))
        .collect();
    let varies = |c: &Column| varying.contains(&c.header.as_str());
    let (mut first, mut last) = (None, None);
    // A header used twice cannot be named in a mapping: such columns are left over.
    let loose = |h: &str| {
        h.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    let repeated = |c: &Column| {
        found
            .columns
            .iter()
            .filter(|o| loose(&o.header) == loose(&c.header))
            .count()
            > 1
    };
    for column in found
        .columns
        .iter()
        .filter(|c| c.filled > 0 && !c.header.is_empty() && !repeated(c))
    {
        let names = targets(&column.header);
        if names.contains(&Target::FirstName) {
            first = Some(column);
            continue;
        }
        if names.contains(&Target::LastName) {
            last = Some(column);
            continue;
        }
        if !by_header(&mut p, column, &names, varies(column)) {
            by_content(&mut p, column, varies(column));
        }
    }
    if let (Some(first), Some(last)) = (first, last) {
        join_names(&mut p, first, last, varies(first) || varies(last));
    }
    key_and_name(&mut p, found);
    contact_needs_a_name(&mut p);
    let left: Vec<&Column> = found
        .columns
        .iter()
        .filter(|c| c.filled > 0 && !p.uses(&c.header))
        .collect();
    for column in left {
        let why = if column.header.is_empty() {
            "its header is blank".to_string()
        } else if repeated(column) {
            "another column has the same header; rename one in the file to map it".into()
        } else if varies(column) {
            "it varies within a customer, and no department or contact field matches its header"
                .into()
        } else {
            "no OnTime field matches its header or its values".into()
        };
        p.unplaced.push((
            column.header.clone(),
            format!("{} ({}), {why}", column.letter, column.kind.describe()),
        ));
    }
    p.match_by = match_by(&p, found);
    p
}

/// Places the column by its header's targets, the first its content fits; `false` if none.
fn by_header(p: &mut Proposal, column: &Column, names: &[Target], varies: bool) -> bool {
    for target in names {
        let (entity, field) = match *target {
            Target::Field(Entity::Customer, field) if varies => match child_twin(field) {
                Some(twin) => (Entity::Contact, twin),
                None => continue,
            },
            Target::Field(entity, field) => (entity, field),
            Target::ContactName if !varies && !p.has(Entity::Customer, "PrimaryContactName") => {
                (Entity::Customer, "PrimaryContactName")
            }
            Target::ContactName => (Entity::Contact, "Name"),
            Target::FirstName | Target::LastName => continue,
        };
        if p.has(entity, field) {
            continue;
        }
        let Some((map, fit)) = fits(column, entity, field) else {
            continue;
        };
        let confidence = if fit {
            Confidence::High
        } else {
            Confidence::Medium
        };
        let evidence = format!(
            "header \"{}\" names {}; values: {}",
            column.header,
            field_name(entity, field),
            shown_kind(column)
        );
        push(p, column, entity, field, evidence, confidence, map);
        return true;
    }
    false
}

/// OnTime refuses a contact without a name: contact columns without a contact name column take
/// the customer's contact name column when it came from a contact-name header, else go back to
/// the customer's fields where free (or are left over).
fn contact_needs_a_name(p: &mut Proposal) {
    let has_contact = p.lines.iter().any(|l| l.entity == Entity::Contact);
    if !has_contact || p.has(Entity::Contact, "Name") {
        return;
    }
    let primary = p.lines.iter_mut().find(|l| {
        l.entity == Entity::Customer
            && l.field == "PrimaryContactName"
            && (l.columns.len() > 1 || targets(&l.columns[0]).contains(&Target::ContactName))
    });
    if let Some(line) = primary {
        line.entity = Entity::Contact;
        line.field = "Name";
        line.evidence
            .push_str("; a contact, since contact columns are mapped");
        return;
    }
    for i in 0..p.lines.len() {
        if p.lines[i].entity != Entity::Contact {
            continue;
        }
        let field = p.lines[i].field;
        if !p.has(Entity::Customer, field) {
            p.lines[i].entity = Entity::Customer;
            p.lines[i]
                .evidence
                .push_str("; the customer's, as no column names a contact");
            p.lines[i].confidence = Confidence::Medium;
        }
    }
    p.lines.retain(|l| l.entity != Entity::Contact);
}

/// The contact field a customer field becomes when its column varies within a customer.
fn child_twin(field: &str) -> Option<&'static str> {
    match field {
        "Email" => Some("Email"),
        "Phone" => Some("Phone"),
        "PrimaryContactName" => Some("Name"),
        _ => None,
    }
}

/// Places a column by its values alone: e-mails, phones, postal codes, percents.
fn by_content(p: &mut Proposal, column: &Column, varies: bool) {
    let (entity, field) = match (column.kind, varies) {
        (ValueKind::Email, false) if !p.has(Entity::Customer, "Email") => {
            (Entity::Customer, "Email")
        }
        (ValueKind::Email, true) => (Entity::Contact, "Email"),
        (ValueKind::Phone, false) if !p.has(Entity::Customer, "Phone") => {
            (Entity::Customer, "Phone")
        }
        (ValueKind::Phone, true) => (Entity::Contact, "Phone"),
        (ValueKind::PostalCode, false) => (Entity::Customer, "PostalCode"),
        (ValueKind::Percent, false) => (Entity::Customer, "BillingAdjustmentPercentage"),
        _ => return,
    };
    if p.has(entity, field) {
        return;
    }
    let Some((map, _)) = fits(column, entity, field) else {
        return;
    };
    let evidence = format!(
        "no header match; its values look like {}",
        shown_kind(column)
    );
    push(p, column, entity, field, evidence, Confidence::Low, map);
}

fn join_names(p: &mut Proposal, first: &Column, last: &Column, varies: bool) {
    let (entity, field) = if !varies && !p.has(Entity::Customer, "PrimaryContactName") {
        (Entity::Customer, "PrimaryContactName")
    } else if !p.has(Entity::Contact, "Name") {
        (Entity::Contact, "Name")
    } else {
        return;
    };
    p.lines.push(Line {
        entity,
        field,
        columns: vec![first.header.clone(), last.header.clone()],
        evidence: format!(
            "\"{}\" and \"{}\" are a first and last name, joined with a space",
            first.header, last.header
        ),
        confidence: Confidence::High,
        map: Vec::new(),
        pad: None,
    });
}

pub(super) fn push(
    p: &mut Proposal,
    column: &Column,
    entity: Entity,
    field: &'static str,
    evidence: String,
    confidence: Confidence,
    map: Vec<(String, String)>,
) {
    let text = entity.field(field).is_some_and(|d| d.kind == Kind::Text);
    let pad = column.pad.filter(|_| text);
    p.lines.push(Line {
        entity,
        field,
        columns: vec![column.header.clone()],
        evidence,
        confidence,
        map,
        pad,
    });
}

pub(super) fn field_name(entity: Entity, field: &str) -> String {
    match entity {
        Entity::Customer => field.to_string(),
        other => format!("{}.{field}", other.table()),
    }
}

fn shown_kind(column: &Column) -> String {
    format!(
        "{}, {:.0}% filled",
        column.kind.describe(),
        column.fill_rate * 100.0
    )
}

/// Whether the column's content can feed the field: `Some((value map, strong))` when it can
/// (`strong`: the content confirms the header), `None` when it cannot.
fn fits(column: &Column, entity: Entity, field: &str) -> Option<(Vec<(String, String)>, bool)> {
    let kind = entity.field(field)?.kind;
    super::values::fit(column, kind, &column.header)
}
