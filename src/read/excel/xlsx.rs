//! The xlsx (and xlsm) package read without calamine: the zip's parts that say where the
//! sheets are, the cell formats that make numbers dates, and, on threads of their own, the
//! shared strings and a sheet's cells ([`sheet`], [`strings`], over the lean [`xml`] reader and
//! [`text`]'s decoding).
//! calamine's xlsx reader spends most of a large sheet's time in its generic XML events; this
//! reads the same values (its rules are followed, and tests compare the two) at a fraction.
//!
//! It owns only the happy path's parts: [`Package::open`] refuses anything it does not read
//! (an xlsb or ods, a part in another encoding, a missing relationship), and the caller then
//! opens the file with calamine, whose errors say what is wrong. Invariant: the parts are found
//! exactly as calamine finds them (`xl/_rels`, paths compared ignoring case and `\`).

mod formats;
mod sheet;
mod strings;
mod text;
mod xml;

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use calamine::{Sheet, SheetType, SheetVisible};
use zip::ZipArchive;

pub(super) use formats::CellFormat;
pub(super) use sheet::{CellReader, Raw, RawCell};
pub(super) use strings::SharedStrings;
use text::decode_attribute;
use xml::{Event, XmlError, XmlReader, local_name};

type Zip = ZipArchive<BufReader<File>>;

/// Why the lean reader does not read a file (calamine then does).
pub(super) type Refusal = String;

/// An xlsx package, opened: what the cells need besides the sheet part.
pub(crate) struct Package {
    file: PathBuf,
    sheets: Vec<Sheet>,
    /// Each sheet's part in the zip.
    parts: Vec<String>,
    /// The shared strings' part, if the package has one.
    strings: Option<String>,
    /// Each cell style's number format, by style index.
    formats: Vec<CellFormat>,
    is_1904: bool,
}

impl Package {
    /// Opens `file` if it is an xlsx package this reader can read.
    pub(crate) fn open(file: &Path) -> Result<Package, Refusal> {
        let mut zip = archive(file)?;
        let names = names(&zip)?;
        let (xl, workbook) = document(&mut zip, &names)?;
        let rels = format!("{xl}_rels/{workbook}.rels");
        let relationships: HashMap<_, _> = relationships(
            &mut part(&mut zip, &names, &rels)?.ok_or_else(|| format!("no {rels}"))?,
        )?
        .into_iter()
        .map(|(id, target, kind)| (id, (target, kind)))
        .collect();
        let formats = match part(&mut zip, &names, &format!("{xl}styles.xml"))? {
            Some(mut xml) => styles(&mut xml)?,
            None => Vec::new(),
        };
        let mut package = Package {
            file: file.to_path_buf(),
            sheets: Vec::new(),
            parts: Vec::new(),
            strings: Some(format!("{xl}sharedStrings.xml"))
                .filter(|path| names.contains_key(&path.to_ascii_lowercase())),
            formats,
            is_1904: false,
        };
        if let Some(mut xml) = part(&mut zip, &names, &format!("{xl}{workbook}"))? {
            package.read_workbook(&mut xml, &relationships, &xl)?;
        }
        // Each worksheet part must read as UTF-8 XML from its start (its declaration).
        for (sheet, path) in package.sheets.iter().zip(&mut package.parts) {
            *path = zip_path(&names, path).to_string();
            if sheet.typ == SheetType::WorkSheet
                && let Some(mut xml) = part(&mut zip, &names, path)?
            {
                xml.next()?;
            }
        }
        Ok(package)
    }

    pub(crate) fn sheets_metadata(&self) -> &[Sheet] {
        &self.sheets
    }

    pub(super) fn file(&self) -> &Path {
        &self.file
    }

    /// Reads the shared strings (none if the package has no table).
    pub(super) fn shared_strings(&self) -> Result<SharedStrings, XmlError> {
        let Some(path) = &self.strings else {
            return Ok(SharedStrings::default());
        };
        let mut zip = archive(&self.file)?;
        let entry = zip.by_name(path).map_err(|e| format!("{path}: {e}"))?;
        SharedStrings::read(&mut XmlReader::new(entry)).map_err(|e| format!("{path}: {e}"))
    }

    /// Calls `read` with the cells of sheet `name`.
    pub(super) fn with_cells<T>(
        &self,
        name: &str,
        read: impl FnOnce(&mut CellReader<zip::read::ZipFile<'_, BufReader<File>>>) -> T,
    ) -> Result<T, XmlError> {
        let index = self
            .sheets
            .iter()
            .position(|sheet| sheet.name == name)
            .ok_or_else(|| format!("there is no sheet \"{name}\""))?;
        let path = &self.parts[index];
        let mut zip = archive(&self.file)?;
        let entry = zip.by_name(path).map_err(|e| format!("{path}: {e}"))?;
        let mut cells = CellReader::new(XmlReader::new(entry), self.formats.clone(), self.is_1904)
            .map_err(|e| format!("{path}: {e}"))?;
        Ok(read(&mut cells))
    }

    /// The sheets of `workbook.xml`, their parts from its relationships, and its date system.
    fn read_workbook(
        &mut self,
        xml: &mut XmlReader<impl Read>,
        relationships: &HashMap<String, (String, String)>,
        xl: &str,
    ) -> Result<(), Refusal> {
        loop {
            match xml.next()? {
                Event::Start(tag) if tag.local_name() == b"sheet" => {
                    let name = decode_attribute(tag.attribute(b"name")?.unwrap_or_default())?;
                    let visible = match tag.attribute(b"state")? {
                        None | Some("visible") => SheetVisible::Visible,
                        Some("hidden") => SheetVisible::Hidden,
                        Some("veryHidden") => SheetVisible::VeryHidden,
                        Some(other) => return Err(format!("sheet state {other}")),
                    };
                    // `r:id`, whatever its prefix.
                    let id = tag
                        .attribute_where(|name| local_name(name) == b"id")?
                        .unwrap_or_default();
                    let (target, kind) = relationships
                        .get(id)
                        .ok_or_else(|| format!("no relationship {id}"))?;
                    let path = match target.strip_prefix('/') {
                        Some(absolute) => absolute.to_string(),
                        None => format!("{xl}{target}"),
                    };
                    let typ = match kind.rsplit('/').next() {
                        Some("worksheet") => SheetType::WorkSheet,
                        Some("chartsheet") => SheetType::ChartSheet,
                        Some("dialogsheet") => SheetType::DialogSheet,
                        _ => return Err(format!("sheet type {kind}")),
                    };
                    self.sheets.push(Sheet { name, typ, visible });
                    self.parts.push(path);
                }
                Event::Start(tag) if tag.local_name() == b"workbookPr" => {
                    if let Some(v) = tag.attribute(b"date1904")? {
                        self.is_1904 = v == "1" || v == "true";
                    }
                }
                Event::End(end) if local_name(end) == b"workbook" => return Ok(()),
                Event::Eof => return Err("workbook.xml ends before </workbook>".into()),
                _ => {}
            }
        }
    }
}

fn archive(file: &Path) -> Result<Zip, Refusal> {
    let reader = File::open(file).map_err(|e| e.to_string())?;
    ZipArchive::new(BufReader::new(reader)).map_err(|e| e.to_string())
}

/// The zip's entry names by their lower-case form with `/` separators (calamine's cache).
fn names(zip: &Zip) -> Result<HashMap<String, String>, Refusal> {
    zip.file_names()
        .map(|name| {
            let name = name.map_err(|e| e.to_string())?;
            Ok((
                name.replace('\\', "/").to_ascii_lowercase(),
                name.into_owned(),
            ))
        })
        .collect()
}

fn zip_path<'a>(names: &'a HashMap<String, String>, path: &'a str) -> &'a str {
    names
        .get(&path.to_ascii_lowercase())
        .map_or(path, String::as_str)
}

/// The part at `path`, if the zip has it.
fn part<'a>(
    zip: &'a mut Zip,
    names: &HashMap<String, String>,
    path: &str,
) -> Result<Option<XmlReader<zip::read::ZipFile<'a, BufReader<File>>>>, Refusal> {
    match zip.by_name(zip_path(names, path)) {
        Ok(entry) => Ok(Some(XmlReader::new(entry))),
        Err(zip::result::ZipError::FileNotFound) => Ok(None),
        Err(e) => Err(format!("{path}: {e}")),
    }
}

/// The workbook part's folder (`xl/`) and name, from the package's relationships; only an
/// XML workbook (not xlsb's `workbook.bin`).
fn document(zip: &mut Zip, names: &HashMap<String, String>) -> Result<(String, String), Refusal> {
    let mut xml = part(zip, names, "_rels/.rels")?.ok_or("no _rels/.rels")?;
    let relationships = relationships(&mut xml)?;
    let target = relationships
        .iter()
        .find(|(_, _, kind)| kind.ends_with("/relationships/officeDocument"))
        .map(|(_, target, _)| decode_attribute(target))
        .transpose()?
        .ok_or("no office document")?;
    let (folder, name) = target.split_at(target.rfind('/').map_or(0, |slash| slash + 1));
    let folder = folder.strip_prefix('/').unwrap_or(folder);
    let name = if name.is_empty() {
        "workbook.xml"
    } else {
        name
    };
    if !name.to_ascii_lowercase().ends_with(".xml") {
        return Err(format!("the workbook is {name}, not XML"));
    }
    Ok((folder.to_string(), name.to_string()))
}

/// A relationships part: each `Id` with its target and type, as written, in order.
fn relationships(xml: &mut XmlReader<impl Read>) -> Result<Vec<(String, String, String)>, Refusal> {
    let mut found = Vec::new();
    loop {
        match xml.next()? {
            Event::Start(tag) if tag.local_name() == b"Relationship" => {
                if let Some(id) = tag.attribute(b"Id")? {
                    let target = tag.attribute(b"Target")?.unwrap_or_default();
                    let kind = tag.attribute(b"Type")?.unwrap_or_default();
                    found.push((id.to_string(), target.to_string(), kind.to_string()));
                }
            }
            Event::End(end) if local_name(end) == b"Relationships" => return Ok(found),
            Event::Eof => return Err("relationships end before </Relationships>".into()),
            _ => {}
        }
    }
}

/// Each cell style's number format (`cellXfs` in `styles.xml`).
fn styles(xml: &mut XmlReader<impl Read>) -> Result<Vec<CellFormat>, Refusal> {
    let mut custom: HashMap<String, String> = HashMap::new();
    let mut formats = Vec::new();
    let (mut in_num_fmts, mut in_cell_xfs) = (false, false);
    loop {
        match xml.next()? {
            Event::Start(tag) if tag.local_name() == b"numFmts" => in_num_fmts = !tag.empty,
            Event::End(end) if local_name(end) == b"numFmts" => in_num_fmts = false,
            Event::Start(tag) if in_num_fmts && tag.local_name() == b"numFmt" => {
                if let (Some(id), Some(code)) =
                    (tag.attribute(b"numFmtId")?, tag.attribute(b"formatCode")?)
                {
                    custom.insert(id.to_string(), decode_attribute(code)?);
                }
            }
            Event::Start(tag) if tag.local_name() == b"cellXfs" => in_cell_xfs = !tag.empty,
            Event::End(end) if local_name(end) == b"cellXfs" => in_cell_xfs = false,
            Event::Start(tag) if in_cell_xfs && tag.local_name() == b"xf" => {
                formats.push(match tag.attribute(b"numFmtId")? {
                    Some(id) => custom
                        .get(id)
                        .map_or_else(|| formats::builtin(id), |code| formats::custom_shown(code)),
                    None => CellFormat::Other,
                });
                if !tag.empty {
                    let name = tag.name.to_vec();
                    xml.skip_to_end(&name)?;
                }
            }
            Event::End(end) if local_name(end) == b"styleSheet" => return Ok(formats),
            Event::Eof => return Err("styles.xml ends before </styleSheet>".into()),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests;
