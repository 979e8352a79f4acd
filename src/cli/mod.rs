//! The command line, as clap parses it: raw values only. `settings` turns them (with the mapping
//! file) into the validated settings (`settings.rs`) the pipeline runs on.

use std::num::NonZeroU32;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

pub use crate::logging::LogFormat;

mod commands;
pub use commands::{
    CompletionsArgs, ExportArgs, InitArgs, InspectArgs, RunsArgs, RunsCommand, UndoArgs,
};

const AFTER_HELP: &str = "\
Exit codes:
  0    every row valid (dry run) or sent
  1    some rows invalid or failed (see the report)
  2    the run could not start: bad arguments, mapping file, unreadable input, missing or
       rejected API key, a wrong company id or base URL (404, a redirect, or nothing
       answering there), or the ledger is in use by another run or from a newer version
  3    stopped early: request quota spent, --max-requests or --reserve reached, a
       Retry-After over 5 minutes, or OnTime failing 10 attempts in a row
  130  interrupted (Ctrl-C); the report and ledger are valid and a rerun finishes the job

Environment:
  ONTIME_COMPANY_ID   the company id (the {company-id} in your OnTime address)
  ONTIME_API_KEY      the API key; safer than --api-key, which other users can see in `ps`
  ONTIME_BASE_URL     the service address (default https://secure.ontime360.com)
  RUST_LOG            log filter, e.g. `ontime_import=debug` (overrides -v/-q)
  NO_COLOR            no colours in the output

Examples:
  ontime-import samples/customers.xlsx --mapping mappings/default.toml --sandbox
  ontime-import customers.xlsx -m default.toml --dry-run
  ONTIME_API_KEY=... ontime-import customers.csv -m default.toml --company-id acme
  ontime-import inspect customers.xlsx
  ontime-import init customers.xlsx -o customers.toml
  ontime-import sandbox --port 8360";

/// Import customers from CSV and Excel spreadsheets into OnTime 360.
///
/// Reads INPUT through a mapping file, groups rows into customers with their departments and
/// contacts, checks everything, then creates or updates them through the OnTime REST API. Every
/// input row ends up in the report with its outcome.
#[derive(Debug, Parser)]
#[command(
    name = "ontime-import",
    version,
    after_help = AFTER_HELP,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub import: ImportArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve a local simulation of the OnTime API, for trying the tool and setting up jobs.
    Sandbox(ontime_sandbox::SandboxArgs),
    /// Show what is in a spreadsheet: sheets, the header row, and per column its fill rate,
    /// distinct values, samples, kind and problems, and which column looks like a group key.
    Inspect(InspectArgs),
    /// Write a starter mapping file for a spreadsheet, each line with its evidence; review it,
    /// then check it with --dry-run.
    Init(InitArgs),
    /// Back up every OnTime customer, with its departments and contacts, to a .xlsx or .csv
    /// file that `mappings/export.toml` imports back. Costs 1 + one request per customer.
    Export(ExportArgs),
    /// Print a shell completion script for bash, zsh, fish, powershell or elvish to stdout.
    Completions(CompletionsArgs),
    /// Print the manual page (roff) to stdout: `ontime-import manpage > ontime-import.1`.
    Manpage,
    /// List the runs the ledger recorded, newest first, one line each; `runs show RUN` lists
    /// what one run did, customer by customer.
    Runs(RunsArgs),
    /// Undo a run: restore every customer it updated to the record it replaced (where OnTime
    /// still holds what the run wrote), and set the customers it created Inactive.
    Undo(UndoArgs),
}

/// How much the command says, and how: shared by the commands that log.
#[derive(Debug, clap::Args)]
pub struct LogArgs {
    /// More log output (-v, -vv, -vvv).
    #[arg(short, long, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Only errors, warnings and the summary.
    #[arg(short, long)]
    pub quiet: bool,

    /// Log line format.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// Where requests go and how fast: shared by every command that talks to OnTime.
#[derive(Debug, clap::Args)]
pub struct ServiceArgs {
    /// The OnTime company id: the {company-id} in https://secure.ontime360.com/sites/{company-id}/.
    #[arg(long, env = "ONTIME_COMPANY_ID", value_name = "ID")]
    pub company_id: Option<String>,

    /// The OnTime API key. Prefer the ONTIME_API_KEY environment variable: a flag is visible to
    /// other users of the machine.
    #[arg(
        long,
        env = "ONTIME_API_KEY",
        hide_env_values = true,
        value_name = "KEY"
    )]
    pub api_key: Option<String>,

    /// The service address. Must be https, except on a loopback address.
    #[arg(
        long,
        env = "ONTIME_BASE_URL",
        default_value = "https://secure.ontime360.com",
        value_name = "URL"
    )]
    pub base_url: String,

    /// Requests per second across everything the run sends, lookups included. Default 1 (the
    /// vendor's advice); 200 with --sandbox.
    #[arg(long, value_name = "N")]
    pub rate: Option<NonZeroU32>,

    /// Requests in flight at once.
    #[arg(long, default_value = "4", value_name = "N")]
    pub concurrency: NonZeroU32,

    /// Seconds to wait for one answer.
    #[arg(long, default_value = "30", value_name = "SECS", value_parser = parse_seconds)]
    pub timeout: std::time::Duration,

    /// Attempts after the first, for connection errors, 5xx answers and 429 with Retry-After
    /// (a Retry-After of more than 5 minutes stops the run, exit 3).
    #[arg(long, default_value = "5", value_name = "N")]
    pub retries: u32,

    /// Stop (exit 3) after sending N requests in this run.
    #[arg(long, value_name = "N")]
    pub max_requests: Option<u64>,

    /// Stop (exit 3) before the remaining daily quota falls below N, leaving it for dispatch.
    #[arg(long, value_name = "N")]
    pub reserve: Option<u64>,

    /// Send without asking, however many requests the run is estimated to take. A run on a
    /// terminal estimated above 1,000 requests, or above the quota left, asks first; a run whose
    /// input is not a terminal (cron) never asks.
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The spreadsheet to import: .csv/.txt, or a workbook (.xlsx, .xlsm, .xlsb, .xls, .ods).
    #[arg(required = true, value_name = "INPUT")]
    pub input: Option<PathBuf>,

    /// The mapping file (TOML) that says which column feeds which OnTime field.
    #[arg(short, long, required = true, value_name = "FILE")]
    pub mapping: Option<PathBuf>,

    /// Read, map, group and check everything, write the report, and send nothing.
    #[arg(long, conflicts_with = "plan")]
    pub dry_run: bool,

    /// Preview against the target without changing it: per customer, would create, would
    /// update (and which fields), unchanged, ambiguous or invalid. Spends only lookups and reads.
    #[arg(long)]
    pub plan: bool,

    /// Where the per-row report (CSV) goes; a name ending in `.xlsx` gives a workbook. Default:
    /// INPUT's name with `.report.csv`, beside it. Until the run ends it is FILE.partial.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,

    /// Also write every invalid or failed row, in the input's own format and columns plus an
    /// `Error` column, to FILE (`.xlsx` for a workbook input, `.csv` for a CSV): fix the cells
    /// there and import that file with the same mapping.
    #[arg(long, value_name = "FILE")]
    pub errors: Option<PathBuf>,

    /// With --plan: write every change the plan would make to FILE, one row per field (customer
    /// key, customer ID, action, field, old, new), for review by whoever owns the data. A CSV,
    /// or a workbook for a name ending in `.xlsx`.
    #[arg(long, value_name = "FILE", requires = "plan")]
    pub plan_file: Option<PathBuf>,

    /// Write the final summary as JSON to FILE, for schedulers.
    #[arg(long, value_name = "FILE")]
    pub summary_json: Option<PathBuf>,

    /// Start the built-in sandbox in-process and import into it: no key, no account, no network.
    #[arg(long, conflicts_with_all = ["company_id", "api_key"])]
    pub sandbox: bool,

    #[command(flatten)]
    pub service: ServiceArgs,

    /// The ledger (SQLite) that makes reruns resume and skip unchanged customers; its entries
    /// count only for the base URL and company id they were sent to. Default:
    /// `.ontime-import.db` beside INPUT.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,

    /// How to send a customer's departments and contacts: inside the customer post, or through
    /// department/post and contact/post.
    #[arg(long, value_enum, default_value_t = Children::Nested)]
    pub children: Children,

    /// Ignore the ledger's change detection: look up and compare every customer again.
    #[arg(long)]
    pub full: bool,

    /// Read every changed customer's record before posting it. By default a customer whose
    /// last answer from OnTime the ledger keeps is merged with that copy and posted in one
    /// request, when OnTime's change queries show nobody else changed it since: an edit made
    /// in OnTime more than 60 seconds before or after this tool's own post of that customer is
    /// never overwritten; inside that minute the tool is no worse than reading first, which
    /// has its own race. This turns the shortcut off (one more request per changed customer).
    #[arg(long)]
    pub read_first: bool,

    /// Which customers the run may write: `upsert` creates the new ones and updates the matched
    /// ones; `create-only` leaves every matched customer as it is (`skipped_exists`);
    /// `update-only` creates none (`skipped_missing`). --plan follows it too.
    #[arg(long, value_enum, value_name = "MODE", default_value_t = WriteMode::Upsert)]
    pub mode: WriteMode,

    /// Set `Inactive` (read, set, post the whole record back) on every customer this ledger
    /// sent to this target before that the input no longer names. Reported `deactivated`, one
    /// line each with source `(ledger)`.
    #[arg(long)]
    pub deactivate_missing: bool,

    /// With --deactivate-missing: refuse the run (exit 2, nothing sent) if more customers than
    /// this would be deactivated, a number or a percentage of those the ledger knows for the
    /// target: a truncated export looks exactly like customers leaving.
    #[arg(long, value_name = "N|N%", default_value = "5%", value_parser = parse_limit, requires = "deactivate_missing")]
    pub max_deactivate: Limit,

    #[command(flatten)]
    pub log: LogArgs,
}

/// `--max-deactivate`: a number of customers, or a percentage of those the ledger knows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Limit {
    Count(u64),
    Percent(f64),
}

impl Limit {
    /// How many of `known` customers it allows.
    pub fn of(self, known: u64) -> u64 {
        match self {
            Limit::Count(n) => n,
            // A percentage of at most 100 of a count that fits in u64: the floor fits too.
            Limit::Percent(p) => (known as f64 * p / 100.0).floor() as u64,
        }
    }
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Limit::Count(n) => write!(f, "{n}"),
            Limit::Percent(p) => write!(f, "{p}%"),
        }
    }
}

/// `12` or `5%` (`0.5%` too); a percentage between 0 and 100.
pub fn parse_limit(text: &str) -> Result<Limit, String> {
    let text = text.trim();
    match text.strip_suffix('%') {
        Some(number) => match number.trim().parse::<f64>() {
            Ok(p) if (0.0..=100.0).contains(&p) => Ok(Limit::Percent(p)),
            _ => Err(format!("\"{text}\" is no percentage from 0% to 100%")),
        },
        None => text
            .parse::<u64>()
            .map(Limit::Count)
            .map_err(|_| format!("\"{text}\" is neither a whole number nor a percentage like 5%")),
    }
}

/// `--mode`: which customers a run may create or update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WriteMode {
    Upsert,
    CreateOnly,
    UpdateOnly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Children {
    Nested,
    Separate,
}

/// Seconds as a whole or decimal number, at least 1 ms: `30`, `0.5`.
pub fn parse_seconds(text: &str) -> Result<std::time::Duration, String> {
    let secs: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("\"{text}\" is not a number of seconds"))?;
    if !(0.001..=86_400.0).contains(&secs) {
        return Err(format!("{text} s is out of range (0.001 to 86400)"));
    }
    Ok(std::time::Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn limits_are_counts_or_percentages() {
        assert_eq!(parse_limit("12"), Ok(Limit::Count(12)));
        assert_eq!(parse_limit(" 5% "), Ok(Limit::Percent(5.0)));
        assert_eq!(parse_limit("0.5%").map(|l| l.of(1000)), Ok(5));
        assert_eq!(Limit::Percent(5.0).of(100), 5);
        assert_eq!(Limit::Percent(5.0).of(19), 0);
        assert!(parse_limit("101%").is_err());
        assert!(parse_limit("-1").is_err());
        assert!(parse_limit("five").is_err());
    }

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn seconds_parse() {
        assert_eq!(parse_seconds("30"), Ok(std::time::Duration::from_secs(30)));
        assert_eq!(
            parse_seconds("0.5"),
            Ok(std::time::Duration::from_millis(500))
        );
        assert!(parse_seconds("0").is_err());
        assert!(parse_seconds("soon").is_err());
        assert!(parse_seconds("NaN").is_err());
    }
}
