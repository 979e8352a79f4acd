//! Checks a zip workbook's parts before calamine inflates any of them. calamine (through
//! quick-xml) holds a whole text node, tag or comment in memory, loads some parts whole (shared
//! strings, styles, an ods's content), reads a sheet only up to `</sheetData>` (so a damaged
//! entry's checksum is never checked), and trusts references and counts it finds in the XML.
//!
//! Each part calamine may read is inflated here once and streamed through [`scan::Scanner`],
//! never held: its inflated size, its checksum (the zip crate checks it at the entry's end),
//! the longest markup event, and what calamine would take on trust. Invariant: a workbook that
//! passes makes calamine hold at most [`MAX_EVENT`] per event and [`MAX_LOADED_PART`] per part
//! it loads whole, and inflate at most [`MAX_INFLATED`] in all. The limits are documented in
//! the README ("Limits").
//!
//! A legacy `.xls` (an OLE compound file) is checked by [`check_ole`]: its sector chains
//! ([`ole`]) and what its records make calamine build ([`biff`]), before calamine reads it.

mod biff;
mod ole;
mod records;
mod scan;

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use zip::ZipArchive;

use super::super::ReadError;
use super::super::workbook::damaged;
use records::Records;
use scan::Scanner;

/// The longest markup event (a text node, a tag, a comment) a part may hold. A cell holds at
/// most 32,767 characters, at most 6 bytes each once escaped: 196 KB.
pub(in crate::read) const MAX_EVENT: usize = 1 << 20;

/// The inflated size of a part calamine reads whole (shared strings, styles, the workbook, an
/// ods's content), and of an .xls file, which is read whole from disk.
pub(in crate::read) const MAX_LOADED_PART: u64 = 128 << 20;

/// The inflated size of all the parts read, sheets (which are streamed) included: a full
/// Excel sheet of a million rows is about 2 GB.
pub(in crate::read) const MAX_INFLATED: u64 = 4 << 30;

/// What calamine and the reader may hold for the sheets of an .xls (by [`biff::estimate`]) or
/// an ods (by the scan of its tables), counted generously: an .xls sheet of 65,536 rows and 30
/// filled columns, whose dry run peaks at 470 MB, is counted as 800 MiB; one as large as the grid,
/// 65,536 by 256, is over it.
pub(in crate::read) const MAX_SHEETS_MEMORY: u64 = 1 << 30;

/// A file refused for its size or for content no spreadsheet program writes.
pub(in crate::read) fn oversized(path: &Path, detail: impl std::fmt::Display) -> ReadError {
    ReadError::Format {
        file: path.to_path_buf(),
        cause: format!("the file is damaged or oversized ({detail})"),
        hint: "no spreadsheet program writes such a file, and nothing was sent: if it came from Excel or LibreOffice, open it there and save it again, or export the sheet as CSV",
    }
}

/// Reads every part of the zip workbook at `path` that calamine may read, refusing the file if
/// one breaks a limit, fails its checksum or holds what calamine would misread.
pub(in crate::read) fn check_zip(path: &Path) -> Result<(), ReadError> {
    let file = File::open(path).map_err(|cause| ReadError::Open {
        file: path.to_path_buf(),
        cause,
    })?;
    let mut zip = match ZipArchive::new(BufReader::new(file)) {
        Ok(zip) => zip,
        // calamine says what is wrong with the archive, in its own words.
        Err(_) => return Ok(()),
    };
    let mut inflated = 0u64;
    let mut buffer = vec![0u8; 64 << 10];
    for index in 0..zip.len() {
        let mut entry = zip
            .by_index(index)
            .map_err(|e| damaged(path, format_args!("corrupt zip archive: {e}")))?;
        let name = entry
            .name()
            .map_or_else(|_| format!("entry {index}"), |name| name.into_owned());
        let Some(kind) = kind(&name) else { continue };
        let limit = match kind {
            Kind::Streamed(_) => MAX_INFLATED,
            Kind::Loaded(_) => MAX_LOADED_PART,
        };
        let mut scanner = match kind {
            Kind::Streamed(true) => Some(Scanner::new(MAX_EVENT, true)),
            Kind::Loaded(true) => Some(Scanner::new(MAX_EVENT, false)),
            _ => None,
        };
        let mut records = is_records(&name).then(|| Records::new(MAX_EVENT as u64));
        let mut size = 0u64;
        loop {
            let read = entry
                .read(&mut buffer)
                .map_err(|e| damaged(path, format_args!("{name}: {e}")))?;
            if read == 0 {
                break;
            }
            size += read as u64;
            inflated += read as u64;
            if size > limit || inflated > MAX_INFLATED {
                let (what, cap) = if size > limit {
                    (format!("{name} inflates to more than"), limit)
                } else {
                    ("its parts inflate to more than".to_string(), MAX_INFLATED)
                };
                return Err(oversized(path, format_args!("{what} {} MiB", cap >> 20)));
            }
            if let Some(scanner) = &mut scanner {
                scanner
                    .feed(&buffer[..read])
                    .map_err(|problem| oversized(path, format_args!("{name}: {problem}")))?;
            }
            if let Some(records) = &mut records {
                records
                    .feed(&buffer[..read])
                    .map_err(|problem| oversized(path, format_args!("{name}: {problem}")))?;
            }
        }
        if let Some(scanner) = scanner {
            scanner
                .finish()
                .map_err(|problem| oversized(path, format_args!("{name}: {problem}")))?;
        }
    }
    Ok(())
}

/// Refuses the OLE file at `path` (at most [`MAX_LOADED_PART`] bytes) if calamine's xls reader
/// would follow a looping sector chain, or hold more than [`MAX_SHEETS_MEMORY`] for its sheets.
/// A file calamine cannot read at all passes: calamine says what is wrong with it.
pub(in crate::read) fn check_ole(path: &Path) -> Result<(), ReadError> {
    let file = std::fs::read(path).map_err(|cause| ReadError::Open {
        file: path.to_path_buf(),
        cause,
    })?;
    let stream = match ole::workbook_stream(&file) {
        Ok(stream) => stream,
        Err(ole::Stop::Calamine) => return Ok(()),
        Err(ole::Stop::Refused(why)) => return Err(oversized(path, why)),
    };
    // calamine's copy of the file's sectors beside what its records make it build.
    let need = biff::estimate(&stream).map_err(|why| oversized(path, why))?;
    if need.saturating_add(file.len() as u64) > MAX_SHEETS_MEMORY {
        return Err(ReadError::Format {
            file: path.to_path_buf(),
            cause: format!(
                "the file is damaged or oversized (reading its sheets would take more than {} MiB of memory)",
                MAX_SHEETS_MEMORY >> 20
            ),
            hint: "nothing was sent: if it came from Excel or LibreOffice, save it there as .xlsx (read row by row) or export the sheet as CSV",
        });
    }
    Ok(())
}

/// How calamine reads a part; `true` for XML.
enum Kind {
    /// A worksheet, read as a stream.
    Streamed(bool),
    /// Read whole.
    Loaded(bool),
}

/// How calamine reads the entry `name`, or `None` for one it never reads (images, embedded
/// objects, custom XML such as Power Query's, which may hold megabytes of base64 in one node).
fn kind(name: &str) -> Option<Kind> {
    let lower = name.replace('\\', "/").to_ascii_lowercase();
    let xml = lower.ends_with(".xml") || lower.ends_with(".rels");
    let binary = lower.ends_with(".bin") && !lower.contains("embeddings/");
    if lower.starts_with("customxml/") || !(xml || binary) {
        None
    } else if lower.contains("worksheets/") {
        Some(Kind::Streamed(xml))
    } else {
        Some(Kind::Loaded(xml))
    }
}

/// Whether calamine reads the part `name` as xlsb records: every binary part it may read but
/// the printer settings and the VBA project, which are not records.
fn is_records(name: &str) -> bool {
    let lower = name.replace('\\', "/").to_ascii_lowercase();
    matches!(
        kind(&lower),
        Some(Kind::Streamed(false) | Kind::Loaded(false))
    ) && !lower.contains("printersettings/")
        && !lower.ends_with("vbaproject.bin")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_by_how_calamine_reads_them() {
        let read = |name| match kind(name) {
            None => "skipped",
            Some(Kind::Streamed(true)) => "streamed xml",
            Some(Kind::Streamed(false)) => "streamed binary",
            Some(Kind::Loaded(true)) => "loaded xml",
            Some(Kind::Loaded(false)) => "loaded binary",
        };
        assert_eq!(read("xl/worksheets/sheet1.xml"), "streamed xml");
        assert_eq!(read("xl/worksheets/sheet1.bin"), "streamed binary");
        assert_eq!(read("xl/sharedStrings.xml"), "loaded xml");
        assert_eq!(read("xl/_rels/workbook.xml.rels"), "loaded xml");
        assert_eq!(read("content.xml"), "loaded xml");
        assert_eq!(read("xl/styles.bin"), "loaded binary");
        assert_eq!(read("xl/media/image1.png"), "skipped");
        assert_eq!(read("customXml/item1.xml"), "skipped");
        assert_eq!(read("xl/embeddings/oleObject1.bin"), "skipped");
        assert_eq!(read("mimetype"), "skipped");
        assert!(is_records("xl/worksheets/sheet1.bin") && is_records("xl/sharedStrings.bin"));
        assert!(!is_records("xl/printerSettings/printerSettings1.bin"));
        assert!(!is_records("xl/vbaProject.bin") && !is_records("xl/worksheets/sheet1.xml"));
    }
}
