//! The arguments of the commands beside the import: `runs`, `undo`, `inspect`, `init`,
//! `export`, `completions`. Raw values, as clap parses them.

use std::path::PathBuf;

use clap::Subcommand;

use super::{LogArgs, ServiceArgs};

#[derive(Debug, clap::Args)]
pub struct RunsArgs {
    #[command(subcommand)]
    pub show: Option<RunsCommand>,

    /// The ledger. Default: `.ontime-import.db` in the current folder.
    #[arg(long, value_name = "FILE", global = true)]
    pub state: Option<PathBuf>,

    /// Print JSON instead of text, for scripts.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum RunsCommand {
    /// What one run did, customer by customer.
    Show {
        /// The run's number, as `ontime-import runs` lists it.
        #[arg(value_name = "RUN")]
        run: i64,
    },
}

#[derive(Debug, clap::Args)]
pub struct UndoArgs {
    /// The run's number, as `ontime-import runs` lists it.
    #[arg(value_name = "RUN")]
    pub run: i64,

    /// Say what the undo would do, customer by customer, without changing anything. Reads
    /// each customer the run touched (one request each).
    #[arg(long)]
    pub plan: bool,

    /// Restore customers changed in OnTime since the run too (their later changes are lost).
    #[arg(long)]
    pub force: bool,

    #[command(flatten)]
    pub service: ServiceArgs,

    /// The ledger that recorded the run. Default: `.ontime-import.db` in the current folder.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,

    #[command(flatten)]
    pub log: LogArgs,
}

#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// The spreadsheet: .csv/.txt, or a workbook (.xlsx, .xlsm, .xlsb, .xls, .ods).
    #[arg(value_name = "INPUT")]
    pub input: PathBuf,

    /// The workbook sheet to look into (default: the first visible sheet).
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,

    /// Print JSON instead of text, for scripts.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The spreadsheet to write a mapping for.
    #[arg(value_name = "INPUT")]
    pub input: PathBuf,

    /// The workbook sheet the customers are on (default: the first visible sheet).
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,

    /// Where to write the mapping. Default: INPUT's name with `.mapping.toml`, beside it.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Overwrite FILE when it exists.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, clap::Args)]
#[command(after_help = EXPORT_AFTER_HELP)]
pub struct ExportArgs {
    /// The file to write: `.xlsx` (a workbook) or `.csv`. Written only once every customer is
    /// read; until then what was read is kept in FILE.partial, which a rerun goes on from.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,

    #[command(flatten)]
    pub service: ServiceArgs,

    #[command(flatten)]
    pub log: LogArgs,
}

const EXPORT_AFTER_HELP: &str = "\
Exit codes:
  0    every customer exported: FILE written
  1    some customers could not be read: FILE not written; a rerun reads them
  2    the export could not start (arguments, key, address, FILE.partial of another export)
  3    stopped early (quota, --max-requests, --reserve, OnTime down): a rerun goes on
  130  interrupted (Ctrl-C): a rerun goes on

Restore: ontime-import FILE -m mappings/export.toml --mode update-only

Example:
  ONTIME_API_KEY=... ontime-import export -o backup.xlsx --company-id acme";

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, powershell or elvish.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}
