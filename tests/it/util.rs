//! The one test helper: a temporary work folder with fixtures the test writes itself (CSV bytes,
//! XLSX through rust_xlsxwriter, TOML), the real binary run inside it, and the report read back.
#![allow(dead_code, clippy::unwrap_used)]

pub mod clock;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub use rust_xlsxwriter::ExcelDateTime;

/// A cell for an xlsx fixture.
#[derive(Debug, Clone)]
pub enum X {
    S(&'static str),
    Owned(String),
    N(f64),
    B(bool),
    /// A date (y, m, d).
    D(u16, u8, u8),
    /// A formula with a cached error result such as `#N/A`.
    Err(&'static str),
    Blank,
}

/// A temporary folder for one test.
pub struct Work {
    dir: tempfile::TempDir,
}

/// What a run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(output: Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_ontime-import"))
}

impl Work {
    pub fn new() -> Work {
        Work {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    /// Writes a workbook with the given sheets (rows of cells, row 1 first).
    pub fn xlsx(&self, name: &str, sheets: &[(&str, Vec<Vec<X>>)]) -> PathBuf {
        let mut book = rust_xlsxwriter::Workbook::new();
        let date_format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        for (sheet_name, rows) in sheets {
            let sheet = book.add_worksheet();
            sheet.set_name(*sheet_name).unwrap();
            for (r, row) in rows.iter().enumerate() {
                for (c, cell) in row.iter().enumerate() {
                    let (r, c) = (r as u32, c as u16);
                    match cell {
                        X::S(s) => {
                            sheet.write_string(r, c, *s).unwrap();
                        }
                        X::Owned(s) => {
                            sheet.write_string(r, c, s).unwrap();
                        }
                        X::N(n) => {
                            sheet.write_number(r, c, *n).unwrap();
                        }
                        X::B(b) => {
                            sheet.write_boolean(r, c, *b).unwrap();
                        }
                        X::D(y, m, d) => {
                            let date = ExcelDateTime::from_ymd(*y, *m, *d).unwrap();
                            sheet
                                .write_datetime_with_format(r, c, &date, &date_format)
                                .unwrap();
                        }
                        X::Err(code) => {
                            let formula = rust_xlsxwriter::Formula::new("=NA()").set_result(*code);
                            sheet.write_formula(r, c, formula).unwrap();
                        }
                        X::Blank => {}
                    }
                }
            }
        }
        let path = self.path(name);
        book.save(&path).unwrap();
        path
    }

    /// A command for the binary, run in this folder, with no OnTime settings from outside.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(binary());
        command
            .args(args)
            .current_dir(self.dir())
            .env_remove("ONTIME_API_KEY")
            .env_remove("ONTIME_COMPANY_ID")
            .env_remove("ONTIME_BASE_URL")
            .env_remove("RUST_LOG")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        command
    }

    /// Runs the binary to the end.
    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(self.command(args).output().unwrap())
    }

    /// Runs the binary to the end without blocking the async runtime (for tests that also
    /// serve a sandbox in-process).
    pub async fn run_async(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut command = tokio::process::Command::from(self.command(args));
        for (name, value) in env {
            command.env(name, value);
        }
        Run::from(command.output().await.unwrap())
    }

    /// The report CSV as rows of cells, header first.
    pub fn report(&self, name: &str) -> Vec<Vec<String>> {
        read_csv(&self.path(name))
    }
}

pub fn read_csv(path: &Path) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .unwrap();
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// The report as `row,status,customer_key,message` lines without the header: compact for asserts.
/// A dry run of `input` with `mapping`; returns the run and the report's brief lines.
pub fn dry(work: &Work, input: &str, mapping: &str) -> (Run, Vec<String>) {
    work.write("m.toml", mapping);
    // A run that cannot start leaves an earlier report as it was: start without one, so the
    // report read back is this run's.
    let _ = std::fs::remove_file(work.path("r.csv"));
    let run = work.run(&[input, "-m", "m.toml", "--dry-run", "--report", "r.csv"]);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    let report = if work.path("r.csv").exists() {
        brief(&work.report("r.csv"))
    } else {
        Vec::new()
    };
    (run, report)
}

pub fn brief(report: &[Vec<String>]) -> Vec<String> {
    report[1..]
        .iter()
        .map(|r| format!("{},{},{},{}", r[1], r[2], r[3], r[7]))
        .collect()
}

/// A mapping file for the small layouts the tests use: Acct, Company, Email, Dept, Contact.
pub const SIMPLE_MAPPING: &str = r#"
[customer]
AccountNumber = "Acct"
Name = "Company"
Email = "Email"

[department]
Name = "Dept"

[contact]
Name = "Contact"
"#;

/// Sends the signal `name` (`-INT`, `-TERM`, `-HUP`) to a running child.
pub fn signal(child: &tokio::process::Child, name: &str) {
    let pid = child.id().unwrap().to_string();
    let status = std::process::Command::new("kill")
        .args([name, &pid])
        .status()
        .unwrap();
    assert!(status.success());
}
