//! `ontime-import inspect`: what is in a spreadsheet, before any mapping exists. The sheets,
//! the header row and why, and per column its figures, kind and problems ([`profile`]), and
//! which column looks like the group key ([`group_key`]).
//!
//! Rows are streamed through the readers of [`crate::read`] (twice: once for the figures, once
//! to test group-key candidates), so memory stays bounded whatever the file's length: each
//! column keeps at most [`profile::DISTINCT_CAP`] distinct values.

mod group_key;
mod header;
pub(crate) mod kind;
pub(crate) mod profile;
mod render;
mod sheets;
pub(crate) mod synonyms;

use crate::error::RunError;
use std::path::{Path, PathBuf};

use serde::Serialize;

pub(crate) use group_key::GroupKey;
pub(crate) use header::HeaderChoice;
pub(crate) use profile::Column;
pub(crate) use sheets::SheetInfo;

use crate::cli::InspectArgs;
use crate::read::{self, ReadError, ReadOptions};

/// Everything inspect found.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Inspection {
    pub file: PathBuf,
    /// `"csv"` or `"workbook"`.
    pub format: &'static str,
    /// Workbooks: every sheet. Empty for CSV.
    pub sheets: Vec<SheetInfo>,
    /// The sheet inspected (`None` for CSV).
    pub sheet: Option<String>,
    /// CSV only: the encoding read with, and why.
    pub encoding: Option<String>,
    /// CSV only: the delimiter, as written in a mapping (`","`, `"\t"`, …).
    pub delimiter: Option<String>,
    pub header: HeaderChoice,
    /// Data rows (non-blank rows below the header).
    pub rows: u64,
    /// The first and last data row numbers.
    pub first_row: Option<u64>,
    pub last_row: Option<u64>,
    pub columns: Vec<Column>,
    pub group_key: Option<GroupKey>,
}

/// Runs the subcommand: prints the inspection (text or JSON); exit 2 when the file cannot be
/// read.
pub(crate) fn run(args: &InspectArgs) -> Result<(), RunError> {
    let found = inspect(&args.input, args.sheet.as_deref())?;
    let text = if args.json {
        let json = serde_json::to_string_pretty(&found)
            .map_err(|error| RunError::Internal(format!("cannot write the JSON: {error}")))?;
        json + "\n"
    } else {
        render::text(&found)
    };
    print!("{text}");
    Ok(())
}

/// Inspects `input` (the sheet `sheet` of a workbook, else its first visible one).
pub(crate) fn inspect(input: &Path, sheet: Option<&str>) -> Result<Inspection, ReadError> {
    let sheets = sheets::list(input)?;
    let is_workbook = sheets.is_some();
    let mut options = ReadOptions {
        sheet: sheet.map(str::to_string),
        header_row: 1,
        ..ReadOptions::default()
    };
    let mut encoding = None;
    if !is_workbook {
        let (label, why) = sheets::csv_encoding(input)?;
        options.encoding = label;
        encoding = Some(why);
    }
    // The header row is found in the table's first rows as text, then the table is opened
    // again from it.
    let first = read::open(input, &options)?;
    let header = header::detect(&first.preview);
    drop(first);
    options.header_row = header.row;
    let table = read::open(input, &options)?;
    let sheet_name = table.source.sheet.clone();
    let delimiter = table.delimiter.map(sheets::delimiter_shown);
    let headers = table.headers.clone();
    let mut tallies: Vec<profile::Tally> =
        headers.iter().map(|_| profile::Tally::default()).collect();
    let (mut rows, mut first_row, mut last_row) = (0u64, None, None);
    for row in table.rows {
        let row = row?;
        rows += 1;
        first_row.get_or_insert(row.number);
        last_row = Some(row.number);
        for (tally, cell) in tallies.iter_mut().zip(&row.cells) {
            tally.add(cell);
        }
    }
    let mut columns: Vec<Column> = tallies
        .into_iter()
        .zip(&headers)
        .map(|(tally, header)| tally.finish(header, rows))
        .collect();
    header_problems(&mut columns);
    let group_key = find_group_key(input, &options, &columns)?;
    Ok(Inspection {
        file: input.to_path_buf(),
        format: if is_workbook { "workbook" } else { "csv" },
        sheets: sheets.unwrap_or_default(),
        sheet: sheet_name,
        encoding,
        delimiter,
        header,
        rows,
        first_row,
        last_row,
        columns,
        group_key,
    })
}

/// The second pass: the group-key candidates tested on every row.
fn find_group_key(
    input: &Path,
    options: &ReadOptions,
    columns: &[Column],
) -> Result<Option<GroupKey>, ReadError> {
    let mut candidates = group_key::candidates(columns);
    if !candidates.is_empty() {
        let table = read::open(input, options)?;
        let mut hashes = Vec::with_capacity(columns.len());
        for row in table.rows {
            group_key::hashes(&row?, columns.len(), &mut hashes);
            for candidate in &mut candidates {
                candidate.add(&hashes);
            }
        }
    }
    Ok(group_key::decide(candidates, columns))
}

/// Column letters, and the problems of the header itself: blank or repeated names.
fn header_problems(columns: &mut [Column]) {
    let names: Vec<String> = columns.iter().map(|c| c.header.to_lowercase()).collect();
    for (i, column) in columns.iter_mut().enumerate() {
        column.letter = letters(i);
        if column.header.trim().is_empty() {
            if column.filled > 0 {
                column
                    .problems
                    .insert(0, "blank header: a mapping cannot name this column; type a name in the header cell".into());
            }
            continue;
        }
        let same: Vec<String> = (0..names.len())
            .filter(|j| *j != i && names[*j] == names[i])
            .map(letters)
            .collect();
        if !same.is_empty() {
            column.problems.insert(
                0,
                format!(
                    "duplicate header: column {} has the same name; rename one, a mapping cannot tell them apart",
                    same.join(", ")
                ),
            );
        }
    }
}

/// A 0-based column as a spreadsheet names it: `A`, …, `Z`, `AA`, …
pub(crate) fn letters(column: usize) -> String {
    let mut out = Vec::new();
    let mut rest = column + 1;
    while rest > 0 {
        rest -= 1;
        // `rest % 26` is below 26.
        out.push(char::from(b'A' + (rest % 26) as u8));
        rest /= 26;
    }
    out.iter().rev().collect()
}
