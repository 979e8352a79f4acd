//! Opening a workbook by its content: zip archives are checked by [`guard`] (sizes, checksums,
//! markup no spreadsheet program writes), then opened with calamine as xlsx, xlsb then ods; OLE
//! compound files as xls (or a password-protected xlsx, which Office wraps in OLE); anything
//! else is named for what it really is (a web page, text, nothing) with what to do about it.
//!
//! It owns turning calamine's errors (and panics, which a damaged xls can cause) into
//! sentences a user understands; it reads no cells. Invariant: calamine opens no zip archive
//! that [`guard::check_zip`] has not passed, and no OLE file that [`guard::check_ole`] has not.

use std::fs::File;
use std::io::{BufReader, Read};

use calamine::{Ods, Sheets, Xls, XlsError, Xlsb, XlsbError, Xlsx, XlsxError, open_workbook};

use super::excel::guard;
use super::*;

/// An opened workbook.
pub(super) type Workbook = Sheets<BufReader<File>>;

const REEXPORT: &str = "open it in Excel and save it again (File > Save As > Excel Workbook .xlsx), or export it as CSV";

pub(super) fn open(path: &Path) -> Result<Workbook, ReadError> {
    let head = read_start(path)?;
    if head.is_empty() {
        return Err(ReadError::Empty {
            table: SourceName {
                file: path.to_path_buf(),
                sheet: None,
            },
        });
    }
    if head.starts_with(b"PK\x03\x04") {
        open_zip(path)
    } else if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        open_ole(path)
    } else {
        Err(not_a_workbook(path, &head))
    }
}

/// The first bytes of the file, enough to tell what it is.
fn read_start(path: &Path) -> Result<Vec<u8>, ReadError> {
    let mut head = Vec::with_capacity(1024);
    File::open(path)
        .and_then(|file| file.take(1024).read_to_end(&mut head))
        .map_err(|cause| ReadError::Open {
            file: path.to_path_buf(),
            cause,
        })?;
    Ok(head)
}

fn format(path: &Path, cause: impl Into<String>, hint: &'static str) -> ReadError {
    ReadError::Format {
        file: path.to_path_buf(),
        cause: cause.into(),
        hint,
    }
}

pub(super) fn damaged(path: &Path, detail: impl std::fmt::Display) -> ReadError {
    format(
        path,
        format!("the file is damaged or incomplete ({detail})"),
        "it may have been cut off while downloading or copying: get a fresh copy, or open it in Excel and save it again",
    )
}

fn extension_is(path: &Path, wanted: &str) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(wanted))
}

/// A zip archive that passed [`guard::check_zip`]: whatever calamine makes of it (and its
/// errors, which say what is wrong).
fn open_zip(path: &Path) -> Result<Workbook, ReadError> {
    let checking = std::time::Instant::now();
    guard::check_zip(path)?;
    tracing::debug!(
        "workbook parts checked in {} ms",
        checking.elapsed().as_millis()
    );
    let xlsx_error = match open_workbook::<Xlsx<_>, _>(path) {
        Ok(book) => return Ok(Sheets::Xlsx(book)),
        Err(XlsxError::Password) => return Err(encrypted(path)),
        Err(XlsxError::Zip(e)) => {
            return Err(damaged(path, format_args!("corrupt zip archive: {e}")));
        }
        Err(e) => e,
    };
    let xlsb_error = match open_workbook::<Xlsb<_>, _>(path) {
        Ok(book) => return Ok(Sheets::Xlsb(book)),
        Err(XlsbError::Password) => return Err(encrypted(path)),
        Err(e) => e,
    };
    let ods_error = match open_workbook::<Ods<_>, _>(path) {
        Ok(book) => return Ok(Sheets::Ods(book)),
        Err(calamine::OdsError::Password) => return Err(encrypted(path)),
        Err(e) => e,
    };
    if extension_is(path, "ods") {
        Err(damaged(path, ods_error))
    } else if extension_is(path, "xlsb") {
        Err(damaged(path, xlsb_error))
    } else if matches!(xlsx_error, XlsxError::FileNotFound(_)) {
        Err(format(
            path,
            "it is a zip archive, but holds no workbook (a Word document? a zipped folder?)",
            "if it is a zipped export, unzip it and give the file inside",
        ))
    } else {
        Err(damaged(path, xlsx_error))
    }
}

fn open_ole(path: &Path) -> Result<Workbook, ReadError> {
    // An xls is read whole from disk: its size is what it takes.
    let size = std::fs::metadata(path).map_or(0, |meta| meta.len());
    if size > guard::MAX_LOADED_PART {
        return Err(guard::oversized(
            path,
            format_args!(
                "{size} bytes, past the {} MiB this tool reads of an .xls",
                guard::MAX_LOADED_PART >> 20
            ),
        ));
    }
    guard::check_ole(path)?;
    let xls_error = match unpanicked(path, || Ok(open_workbook::<Xls<_>, _>(path)))? {
        Ok(book) => return Ok(Sheets::Xls(book)),
        Err(XlsError::Password) => return Err(encrypted(path)),
        Err(e) => e,
    };
    // Office saves a password-protected xlsx as an OLE file holding the encrypted package.
    if let Err(XlsxError::Password) = open_workbook::<Xlsx<_>, _>(path) {
        return Err(encrypted(path));
    }
    Err(format(
        path,
        format!("an old-style Office file that is not a readable .xls workbook ({xls_error})"),
        REEXPORT,
    ))
}

thread_local! {
    /// Set while [`unpanicked`] runs calamine on this thread: its panics are not printed.
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `read` (calamine on a file), turning a panic inside it into a "damaged file" error: a
/// damaged xls can make calamine index out of bounds. The panic's own message is not printed
/// (only for this thread, and only inside `read`), so the user sees one clear sentence.
pub(super) fn unpanicked<T>(
    path: &Path,
    read: impl FnOnce() -> Result<T, ReadError>,
) -> Result<T, ReadError> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(std::cell::Cell::get) {
                previous(info);
            }
        }));
    });
    let was = QUIET.with(|quiet| quiet.replace(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(read));
    QUIET.with(|quiet| quiet.set(was));
    result.unwrap_or_else(|_| {
        Err(damaged(
            path,
            "its content breaks the rules of its format, and reading it stopped",
        ))
    })
}

fn encrypted(path: &Path) -> ReadError {
    ReadError::Encrypted {
        file: path.to_path_buf(),
    }
}

/// Names what a file with a workbook extension but no workbook inside really is.
fn not_a_workbook(path: &Path, head: &[u8]) -> ReadError {
    let text = decode_start(head);
    let lower = text.trim_start().to_ascii_lowercase();
    if lower.starts_with("<!doctype html") || lower.starts_with("<html") || lower.contains("<table")
    {
        format(
            path,
            "it is a web page (HTML) saved with a spreadsheet extension, as some systems do when they \"export to Excel\"",
            REEXPORT,
        )
    } else if lower.starts_with("<?xml") {
        format(
            path,
            "it is an XML file (perhaps an Excel 2003 XML spreadsheet), not a workbook this tool reads",
            REEXPORT,
        )
    } else if looks_like_text(&text) {
        format(
            path,
            "it is plain text (probably CSV) saved with a spreadsheet extension",
            "rename it to .csv and run again",
        )
    } else {
        format(
            path,
            "its content is neither a workbook nor text",
            "check that this is the right file; open it in Excel and save it as .xlsx or .csv",
        )
    }
}

/// The start of the file as text, honouring a BOM (UTF-16 exports are common).
fn decode_start(head: &[u8]) -> String {
    let (encoding, bom) = encoding_rs::Encoding::for_bom(head).unwrap_or((encoding_rs::UTF_8, 0));
    let (text, _) = encoding.decode_without_bom_handling(&head[bom..]);
    text.into_owned()
}

fn looks_like_text(text: &str) -> bool {
    let total = text.chars().count().max(1);
    let odd = text
        .chars()
        .filter(|&c| c == '\u{FFFD}' || (c.is_control() && !matches!(c, '\n' | '\r' | '\t')))
        .count();
    // The cut at 1024 bytes may split one character: allow a little noise.
    odd * 50 <= total
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// A panic inside calamine (a damaged xls can index out of bounds) becomes a sentence.
    #[test]
    fn a_panic_while_reading_is_a_damaged_file() {
        let path = Path::new("old.xls");
        let error = unpanicked(path, || -> Result<(), ReadError> {
            panic!("index out of bounds: the len is 0 but the index is 7")
        })
        .unwrap_err();
        let message = error.to_string();
        assert!(message.starts_with("old.xls: "), "{message}");
        assert!(message.contains("damaged or incomplete"), "{message}");
        assert!(!message.contains("index out of bounds"), "{message}");
        // Outside, panics are reported as before; a result passes through unchanged.
        assert!(matches!(unpanicked(path, || Ok(7)), Ok(7)));
    }
}
