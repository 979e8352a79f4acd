//! `ontime-import export -o FILE`: every OnTime customer, with its departments and contacts,
//! to an `.xlsx` or `.csv` file in the layout `mappings/export.toml` imports back — a backup
//! before a migration, restored by importing it.
//!
//! The flow: the journal `FILE.partial` is opened and locked ([`journal`]); the customers are
//! listed (1 request) and the cost of reading those the journal lacks is said and, on a
//! terminal, confirmed; each is read ([`read`]) through the import's client, so `--rate`,
//! `--max-requests`, `--reserve`, the quota, retries and the key's redaction are the import's;
//! once every listed customer is in the journal, FILE is written whole ([`layout`], [`write`])
//! and the journal removed. Invariant: FILE exists only as a complete export; a run that stops
//! early says so, keeps what it read in the journal, and the same command goes on from there.

mod done;
mod journal;
mod layout;
mod read;
mod write;

use std::path::{Path, PathBuf};

use tokio_util::sync::CancellationToken;

use crate::cli::ExportArgs;
use crate::error::RunError;
use crate::ledger::Site;
use crate::settings::{ApiKey, Endpoint, SettingsError, Target};
use crate::upload::{self, Client};
use journal::Journal;
use layout::Format;
use read::Unlisted;

/// An export's settings, checked.
struct Export {
    output: PathBuf,
    format: Format,
    target: Target,
    base: reqwest::Url,
    company: String,
    key: ApiKey,
    quiet: bool,
}

/// Runs `ontime-import export`; its exit code.
pub(crate) fn run(args: ExportArgs) -> Result<u8, RunError> {
    crate::logging::init(args.log.verbose, args.log.quiet, args.log.log_format);
    let export = Export::from_args(args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(RunError::Runtime)?;
    runtime.block_on(export.run())
}

impl Export {
    fn from_args(args: ExportArgs) -> Result<Export, SettingsError> {
        let format = format_of(&args.output)?;
        // An export reads only: the ledger and the import's choices are not used.
        let target = Target::of_account(&args.service, PathBuf::new())?;
        let Endpoint::Remote {
            base,
            company_id,
            key,
        } = target.endpoint.clone()
        else {
            return Err(SettingsError::Usage(
                "export needs an OnTime account".into(),
            ));
        };
        Ok(Export {
            output: args.output,
            format,
            target,
            base,
            company: company_id,
            key,
            quiet: args.log.quiet,
        })
    }

    async fn run(self) -> Result<u8, RunError> {
        // Found now, not after every customer's read has been spent.
        crate::report::probe(&self.output).map_err(|cause| RunError::Refused {
            message: format!("cannot write {}: {cause}", self.output.display()),
            hint: None,
        })?;
        let site = Site::new(&self.base, &self.company).to_string();
        let mut journal =
            Journal::open(&journal::path_for(&self.output), &site).map_err(|error| {
                RunError::Refused {
                    message: error.to_string(),
                    hint: Some(
                        "an export goes on from FILE.partial when run again with the same -o FILE against the same account; to start over, remove FILE.partial".into(),
                    ),
                }
            })?;
        let interrupted = upload::listen_for_interrupts()?;
        let client = Client::new(
            &self.base,
            &self.company,
            self.key.clone(),
            &self.target,
            CancellationToken::new(),
        )
        .map_err(|e| RunError::Upload(upload::Error::Client(e)))?;
        let ids = match read::list(&client).await {
            Ok(ids) => ids,
            Err(unlisted) => {
                journal.close();
                return match unlisted {
                    Unlisted::Stopped(stop) => {
                        eprintln!("error: {}", done::reason(&stop));
                        Ok(stop.exit_code())
                    }
                    Unlisted::Failed(cause) => Err(upload::Error::Unproven { site, cause }.into()),
                };
            }
        };
        let todo: Vec<String> = ids
            .iter()
            .filter(|id| !journal.records.contains_key(*id))
            .cloned()
            .collect();
        // The listing is spent already, and the quota told is what is left after it.
        let to_send = todo.len() as u64;
        let cost = done::cost(ids.len(), todo.len(), journal.path());
        if !upload::say_cost(&client, &self.target, &cost, to_send).await {
            return Ok(self.end(&client, journal, &ids, &read::Reads::default()));
        }
        let concurrency = self.target.concurrency.get() as usize;
        let reads = read::read_all(
            &client,
            &mut journal,
            todo,
            concurrency,
            &interrupted,
            self.quiet,
        )
        .await;
        if ids.iter().all(|id| journal.records.contains_key(id)) {
            return Ok(self.finish(&client, journal, &ids, &reads));
        }
        Ok(self.end(&client, journal, &ids, &reads))
    }

    /// Every listed customer is read: FILE written whole, the journal removed, the summary.
    fn finish(&self, client: &Client, journal: Journal, ids: &[String], reads: &read::Reads) -> u8 {
        let mut layout = layout::Layout::new(self.format);
        let mut rows = Vec::new();
        for id in ids {
            if let Some(record) = journal.records.get(id) {
                rows.extend(layout.rows(record));
            }
        }
        if let Err(error) = write::write(&self.output, self.format, &layout::headers(), &rows) {
            eprintln!(
                "error: cannot write {}: {error}\nhint: the customers read are kept in {}: run the same command again once it can be written (1 request)",
                self.output.display(),
                journal.path().display()
            );
            eprint!("{}", done::requests(client));
            return 3;
        }
        if let Err(error) = journal.remove() {
            tracing::warn!("cannot remove the export journal: {error}");
        }
        let earlier = ids.len() as u64 - reads.read;
        eprint!(
            "{}",
            done::complete(&self.output, ids.len(), earlier, rows.len())
        );
        eprint!("{}", done::requests(client));
        eprint!("{}", done::warnings(&self.output, &layout));
        0
    }

    /// The export stopped or some reads failed: FILE is not written; what was read stays in
    /// the journal for the next run.
    fn end(&self, client: &Client, journal: Journal, ids: &[String], reads: &read::Reads) -> u8 {
        let stop = client.stop_reason();
        eprint!(
            "{}",
            done::incomplete(&self.output, &journal, ids, reads, stop.as_ref())
        );
        eprint!("{}", done::requests(client));
        journal.close();
        match stop {
            Some(stop) => stop.exit_code(),
            None => 1,
        }
    }
}

/// The format `-o FILE` names by its extension, `.xlsx` or `.csv` (any case), with its folder.
fn format_of(output: &Path) -> Result<Format, SettingsError> {
    let extension = output
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase());
    let format = match extension.as_deref() {
        Some("xlsx") => Format::Xlsx,
        Some("csv") => Format::Csv,
        _ => {
            return Err(SettingsError::Usage(format!(
                "-o {}: an export is written as .xlsx or .csv; name the file so\nhint: -o backup.xlsx, or -o backup.csv",
                output.display()
            )));
        }
    };
    crate::settings::folder_exists("-o", output)?;
    Ok(format)
}
