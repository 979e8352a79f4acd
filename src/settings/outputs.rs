//! The output paths (`--report`, `--errors`, `--summary-json`, `--plan-file`), checked before anything is read
//! or sent: none may be a file the run reads (the input, through any name or hard link, the
//! mapping file, a linked table's file) or the ledger; no two may be one file; each must be
//! writable; `--errors` must name the format it will be written in, and `--plan-file` one it
//! can be written in (`.csv` or `.xlsx`).
//!
//! Files are compared by device and inode, so a hard link, a symlink or `..` cannot disguise
//! one; a path that does not exist yet is compared by its folder's canonical path and its name.
//! Devices and FIFOs (`/dev/null`, `/dev/stdout`) may be named by several outputs.

use std::path::{Path, PathBuf};

use super::{Endpoint, Mode, Settings};
use crate::errors_file::Format;

/// One file, however it is named.
#[derive(Debug, PartialEq, Eq)]
enum Identity {
    /// An existing file: its device and inode.
    Node(u64, u64),
    /// A file that does not exist yet: its folder's canonical path and its name.
    Named(PathBuf),
}

fn identity(path: &Path) -> Option<Identity> {
    if let Ok(meta) = std::fs::metadata(path) {
        return Some(node(&meta));
    }
    let folder = match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder,
        _ => Path::new("."),
    };
    let name = path.file_name()?;
    Some(Identity::Named(folder.canonicalize().ok()?.join(name)))
}

#[cfg(unix)]
fn node(meta: &std::fs::Metadata) -> Identity {
    use std::os::unix::fs::MetadataExt;
    Identity::Node(meta.dev(), meta.ino())
}

/// Elsewhere, existing files are told apart by their canonical path only.
#[cfg(not(unix))]
fn node(_meta: &std::fs::Metadata) -> Identity {
    Identity::Named(PathBuf::new())
}

/// Whether `path` is a device or a FIFO, which several outputs may share.
fn shareable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|meta| !meta.is_file() && !meta.is_dir())
}

/// Every check above; the message says which option and why, with a hint.
pub(crate) fn check(settings: &Settings) -> Result<(), String> {
    let outputs: Vec<(&str, &Path)> = [
        ("--report", Some(&settings.report)),
        ("--errors", settings.errors.as_ref()),
        ("--summary-json", settings.summary_json.as_ref()),
        ("--plan-file", settings.plan_file.as_ref()),
    ]
    .into_iter()
    .filter_map(|(option, path)| Some((option, path?.as_path())))
    .collect();
    if let Some(errors) = settings.errors.as_ref().filter(|path| !shareable(path))
        && let Some(format) = Format::of_input(&settings.input)
        && !format.fits(errors)
    {
        return Err(format!(
            "--errors {}: the errors file of {} is written as {}, so its name must end in .{}\nhint: name it for example {}",
            errors.display(),
            settings.input.display(),
            format.extension().to_uppercase(),
            format.extension(),
            errors.with_extension(format.extension()).display()
        ));
    }
    if let Some(plan) = settings.plan_file.as_ref().filter(|path| !shareable(path))
        && !crate::report::plan::is_plan_file(plan)
    {
        return Err(format!(
            "--plan-file {}: the plan file is written as CSV or as an xlsx workbook, so its name must end in .csv or .xlsx\nhint: name it for example {}",
            plan.display(),
            plan.with_extension("csv").display()
        ));
    }
    let read = files_read(settings);
    for (at, (option, path)) in outputs.iter().enumerate() {
        let Some(id) = identity(path) else { continue };
        if let Some((what, _)) = read
            .iter()
            .find(|(_, file)| identity(file).as_ref() == Some(&id))
        {
            return Err(format!(
                "{option} {} is {what}: writing it would destroy it\nhint: choose another path (the report's default is INPUT.report.csv beside the input)",
                path.display()
            ));
        }
        let clash = outputs[..at]
            .iter()
            .find(|(_, other)| !shareable(path) && identity(other).as_ref() == Some(&id));
        if let Some((other, _)) = clash {
            return Err(format!(
                "{option} {} and {other} name the same file: one would overwrite the other\nhint: give each its own path",
                path.display()
            ));
        }
    }
    for (option, path) in &outputs {
        crate::report::probe(path).map_err(|e| {
            format!(
                "{option} {}: cannot be written ({e})\nhint: check the folder's permissions and free space, or choose another path",
                path.display()
            )
        })?;
    }
    Ok(())
}

/// The files the run reads or keeps, each with how a message names it.
fn files_read(settings: &Settings) -> Vec<(&'static str, PathBuf)> {
    let mapping = &settings.mapping;
    let mut read = vec![
        ("the input", settings.input.clone()),
        ("the mapping file", mapping.path.clone()),
    ];
    for child in [&mapping.department, &mapping.contact]
        .into_iter()
        .flatten()
    {
        read.push(("a file the mapping reads", child.file(&settings.input)));
    }
    if let Mode::Plan(target) | Mode::Upload(target) = &settings.mode
        && matches!(target.endpoint, Endpoint::Remote { .. })
    {
        read.push(("the ledger (--state)", target.state.clone()));
    }
    read
}
