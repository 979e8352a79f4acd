//! The file as a whole: a workbook's sheets (name, rows, columns, hidden), or a CSV's encoding
//! and delimiter. Rows are counted through [`crate::read`]; visibility comes from calamine's
//! sheet metadata, read only after [`crate::read::sheet_names`] (and its guard) accepted the file.

use std::io::Read;
use std::path::Path;

use serde::Serialize;

use crate::read::{self, ReadError, ReadOptions};

/// One sheet of a workbook.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SheetInfo {
    pub name: String,
    /// Non-blank rows, header and titles included.
    pub rows: u64,
    pub columns: usize,
    pub hidden: bool,
}

/// The sheets of a workbook; `None` for a CSV.
pub(super) fn list(input: &Path) -> Result<Option<Vec<SheetInfo>>, ReadError> {
    let Some(names) = read::sheet_names(input)? else {
        return Ok(None);
    };
    let hidden = hidden_sheets(input);
    let sheets = names
        .into_iter()
        .map(|name| {
            let (rows, columns) = size(input, &name);
            SheetInfo {
                hidden: hidden.contains(&name),
                name,
                rows,
                columns,
            }
        })
        .collect();
    Ok(Some(sheets))
}

/// Non-blank rows and the widest row of a sheet; nothing for a sheet that cannot be read as a
/// table (empty, a chart).
fn size(input: &Path, sheet: &str) -> (u64, usize) {
    let options = ReadOptions {
        sheet: Some(sheet.to_string()),
        header_row: 1,
        ..ReadOptions::default()
    };
    let Ok(table) = read::open(input, &options) else {
        return (0, 0);
    };
    let mut rows = 1;
    // Rows are cut to the header's width: the first rows as text tell a wider table under a
    // one-cell title.
    let widest = table.preview.iter().map(|r| {
        r.iter()
            .rposition(|c| !c.trim().is_empty())
            .map_or(0, |i| i + 1)
    });
    let mut columns = widest.max().unwrap_or(0);
    for row in table.rows {
        let Ok(row) = row else { break };
        rows += 1;
        let width = row
            .cells
            .iter()
            .rposition(|c| !c.is_blank())
            .map_or(0, |i| i + 1);
        columns = columns.max(width);
    }
    (rows, columns)
}

/// The names of the hidden (and very hidden) sheets; none when calamine cannot say.
fn hidden_sheets(input: &Path) -> Vec<String> {
    let metadata = std::panic::catch_unwind(|| {
        let workbook = calamine::open_workbook_auto(input).ok()?;
        use calamine::Reader;
        Some(
            workbook
                .sheets_metadata()
                .iter()
                .filter(|s| s.visible != calamine::SheetVisible::Visible)
                .map(|s| s.name.clone())
                .collect::<Vec<_>>(),
        )
    });
    metadata.ok().flatten().unwrap_or_default()
}

/// The encoding to read a CSV with (`None`: UTF-8, a BOM honoured) and a sentence saying what
/// was found. The whole file is scanned for UTF-8 validity, in blocks.
pub(super) fn csv_encoding(
    input: &Path,
) -> Result<(Option<&'static encoding_rs::Encoding>, String), ReadError> {
    let open_error = |cause| ReadError::Open {
        file: input.to_path_buf(),
        cause,
    };
    let mut file = std::fs::File::open(input).map_err(open_error)?;
    let mut block = vec![0u8; 64 * 1024];
    let mut carry: Vec<u8> = Vec::new();
    let mut first = true;
    loop {
        let read = file.read(&mut block).map_err(open_error)?;
        if read == 0 {
            break;
        }
        carry.extend_from_slice(&block[..read]);
        if first {
            first = false;
            match carry.as_slice() {
                [0xEF, 0xBB, 0xBF, ..] => {
                    return Ok((None, "UTF-8 (with a byte-order mark)".into()));
                }
                [0xFF, 0xFE, ..] => return Ok((None, "UTF-16 LE (with a byte-order mark)".into())),
                [0xFE, 0xFF, ..] => return Ok((None, "UTF-16 BE (with a byte-order mark)".into())),
                _ => {}
            }
            if let Some(label) = utf16_without_bom(&carry) {
                let encoding = encoding_rs::Encoding::for_label(label.as_bytes());
                return Ok((
                    encoding,
                    format!(
                        "{label} without a byte-order mark (every other byte is zero): add `encoding = \"{label}\"` under [source]"
                    ),
                ));
            }
        }
        match std::str::from_utf8(&carry) {
            Ok(_) => carry.clear(),
            // A character cut at the block's end: kept for the next block.
            Err(error) if error.error_len().is_none() => {
                carry.drain(..error.valid_up_to());
            }
            Err(_) => {
                return Ok((
                    Some(encoding_rs::WINDOWS_1252),
                    "windows-1252 (the file is not valid UTF-8; this is what Excel on Windows writes): add `encoding = \"windows-1252\"` under [source]".into(),
                ));
            }
        }
    }
    Ok((None, "UTF-8".into()))
}

fn utf16_without_bom(head: &[u8]) -> Option<&'static str> {
    let sample = &head[..head.len().min(1024) & !1];
    if sample.len() < 4 {
        return None;
    }
    let zeros_at = |parity: usize| sample.iter().skip(parity).step_by(2).all(|b| *b == 0);
    if zeros_at(1) {
        Some("utf-16le")
    } else if zeros_at(0) {
        Some("utf-16be")
    } else {
        None
    }
}

/// A delimiter as a mapping writes it.
pub(super) fn delimiter_shown(delimiter: u8) -> String {
    match delimiter {
        b'\t' => "\\t".into(),
        other => char::from(other).to_string(),
    }
}
