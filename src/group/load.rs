//! The input side's entry point: open every table the mapping names, check the mapping against
//! their headers, read all rows into the report's order and group them.
//!
//! Everything here happens before the first request: a problem with the mapping, a missing
//! sheet or an unreadable file stops the run with every such problem listed.

use std::path::Path;

use super::{CustomerGroup, Grouper};
use crate::mapping::{Binding, ChildMap, Mapping, MappingErrors, Origin, Problem, bind};
use crate::model::Entity;
use crate::read::{self, ReadError, ReadOptions, Table};
use crate::report::Report;

/// Why the input could not be loaded: nothing was sent.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Mapping(#[from] MappingErrors),
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("cannot write the report {path}: {cause}")]
    Report {
        path: std::path::PathBuf,
        cause: std::io::Error,
    },
}

/// Reads `input` through `mapping`: registers every non-blank row in `report`, decides the
/// invalid ones there, and returns the valid customers in order of their first row.
pub fn load(
    input: &Path,
    mapping: &Mapping,
    report: &mut Report,
) -> Result<Vec<CustomerGroup>, LoadError> {
    let mut problems = Vec::new();
    let primary = open(input, &mapping.source, &mut problems)?;
    let mut same_rows: Vec<(Entity, &[crate::mapping::Rule])> =
        vec![(Entity::Customer, &mapping.customer)];
    let children: Vec<&ChildMap> = [&mapping.department, &mapping.contact]
        .into_iter()
        .flatten()
        .collect();
    for child in &children {
        if child.origin == Origin::SameRows {
            same_rows.push((child.entity, &child.rules));
        }
    }
    let binding = primary.as_ref().and_then(|primary| {
        bind(
            &mapping.path,
            primary,
            mapping.source.header_row,
            &mapping.group_by,
            &same_rows,
        )
        .map_err(|e| problems.extend(e.problems))
        .ok()
    });
    let mut others = Vec::new();
    for child in children {
        let Origin::Elsewhere {
            read: options,
            link,
            ..
        } = &child.origin
        else {
            continue;
        };
        let file = child.file(input);
        let options = child_options(options, &mapping.source, file.as_path() == input);
        let Some(table) = open(&file, &options, &mut problems)? else {
            continue;
        };
        match bind(
            &mapping.path,
            &table,
            options.header_row,
            link,
            &[(child.entity, &child.rules)],
        ) {
            Ok(binding) => others.push((child.entity, table, binding)),
            Err(e) => problems.extend(e.problems),
        }
    }
    let (Some(primary), Some(binding)) = (primary, binding.filter(|_| problems.is_empty())) else {
        problems.sort_by_key(|p| p.line);
        return Err(MappingErrors {
            path: mapping.path.clone(),
            problems,
        }
        .into());
    };
    let report_path = report.path().to_path_buf();
    let mut grouper = Grouper::new(&binding);
    read_customers(primary, &binding, &mut grouper, report)?;
    let primary_name = report.source_name(0).to_string();
    for (entity, table, binding) in others {
        let source = report.add_source(table.source.to_string());
        for row in table.rows {
            let row = row?;
            let key = Grouper::customer_key(&row, &binding).ok();
            let id = report.register(source, row.number, key.as_deref());
            grouper.add_child_row(entity, id, &row, &binding, &primary_name);
        }
    }
    grouper.finish(report).map_err(|cause| LoadError::Report {
        path: report_path,
        cause,
    })
}

/// Opens a table; a sheet that does not exist is a problem of the mapping file (listed with the
/// others, on the line that names it), any other failure stops the load.
fn open(
    file: &Path,
    options: &ReadOptions,
    problems: &mut Vec<Problem>,
) -> Result<Option<Table>, ReadError> {
    match read::open(file, options) {
        Ok(table) => Ok(Some(table)),
        Err(ReadError::NoSuchSheet {
            file,
            sheet,
            sheets,
        }) => {
            let sheets: Vec<String> = sheets.iter().map(|s| format!("\"{s}\"")).collect();
            problems.push(Problem {
                line: options.sheet_line,
                message: format!(
                    "sheet \"{sheet}\" does not exist in {}; the sheets are: {}",
                    file.display(),
                    sheets.join(", ")
                ),
                hint: Some("set `sheet` to one of them (names match ignoring case)".into()),
            });
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

fn read_customers(
    table: Table,
    binding: &Binding,
    grouper: &mut Grouper,
    report: &mut Report,
) -> Result<(), LoadError> {
    let source = report.add_source(table.source.to_string());
    for row in table.rows {
        let row = row?;
        let key = Grouper::customer_key(&row, binding);
        let id = report.register(source, row.number, key.as_deref().ok());
        grouper.add_customer_row(id, &row, key, binding, report);
    }
    Ok(())
}

/// A child table in the input workbook itself inherits the input's encoding and delimiter
/// unless it names its own; one in another file reads with its own settings only.
fn child_options(own: &ReadOptions, source: &ReadOptions, same_file: bool) -> ReadOptions {
    let mut options = own.clone();
    if same_file {
        options.encoding = options.encoding.or(source.encoding);
        options.delimiter = options.delimiter.or(source.delimiter);
    }
    options
}
