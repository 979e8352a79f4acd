//! The `--errors` file: every invalid or failed row of the input, in the input's own layout
//! (the rows above the header, the header, the same columns) plus an `Error` column, so a user
//! can fix the cells and import that file with the same mapping.
//!
//! It is written as CSV (in the mapping's encoding and delimiter when it names them, else UTF-8
//! with a BOM so Excel opens it right). Rows of department or contact tables read from other
//! files are not in it: the report lists them with their own source.

use std::io::Write;
use std::path::Path;

use crate::mapping::Mapping;
use crate::mapping::convert::cell_text;
use crate::read::{self, Cell};
use crate::report::Report;

/// Writes the errors file; returns how many rows it holds.
pub fn write(
    path: &Path,
    input: &Path,
    mapping: &Mapping,
    report: &Report,
) -> Result<usize, String> {
    let problems = report.input_problems();
    let table = read::open(input, &mapping.source).map_err(|e| e.to_string())?;
    let delimiter = mapping.source.delimiter.unwrap_or(b',');
    let mut out = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_writer(Vec::new());
    let error = |e: csv::Error| format!("cannot write {}: {e}", path.display());
    let above = usize::try_from(mapping.source.header_row.saturating_sub(1)).unwrap_or(usize::MAX);
    for line in table.preview.iter().take(above) {
        out.write_record(line).map_err(error)?;
    }
    let mut header = table.headers.clone();
    header.push("Error".into());
    out.write_record(&header).map_err(error)?;
    let mut written = 0;
    for row in table.rows {
        let row = row.map_err(|e| e.to_string())?;
        let Some(message) = problems.get(&row.number) else {
            continue;
        };
        let mut cells: Vec<String> = row.cells.iter().map(as_text).collect();
        cells.push((*message).to_string());
        out.write_record(&cells).map_err(error)?;
        written += 1;
    }
    let text = out
        .into_inner()
        .map_err(|e| format!("cannot write {}: {}", path.display(), e.error()))?;
    let bytes = match mapping.source.encoding {
        Some(encoding) if encoding != encoding_rs::UTF_8 => {
            let text = String::from_utf8_lossy(&text);
            encoding.encode(&text).0.into_owned()
        }
        _ => [b"\xEF\xBB\xBF".as_slice(), &text].concat(),
    };
    let mut file =
        std::fs::File::create(path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    file.write_all(&bytes)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(written)
}

fn as_text(cell: &Cell) -> String {
    match cell {
        Cell::Text(text) => text.clone(),
        other => cell_text(other).unwrap_or_default(),
    }
}
