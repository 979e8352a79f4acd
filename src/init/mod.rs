//! `ontime-import init`: a starter mapping file for a spreadsheet.
pub mod synonyms;
use std::process::ExitCode;
pub fn run(_args: &crate::cli::InitArgs) -> ExitCode { ExitCode::SUCCESS }
