//! Raw then ready: the command line and the mapping file, checked once and turned into the one
//! [`Settings`] value the pipeline runs on. After this, no code re-checks an option or re-parses
//! a string. The API key lives in an [`ApiKey`], whose `Debug` and `Display` never show it.

use std::fmt;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cli::{Children, ImportArgs, Limit, ServiceArgs, WriteMode};
use crate::mapping::{self, Mapping, MappingErrors};

mod endpoint;
pub(crate) mod outputs;

use endpoint::endpoint;
pub(crate) use endpoint::{is_loopback, remote};

/// Everything a run needs, validated.
#[derive(Debug)]
pub(crate) struct Settings {
    pub input: PathBuf,
    pub mapping: Mapping,
    pub report: PathBuf,
    pub errors: Option<PathBuf>,
    pub summary_json: Option<PathBuf>,
    /// `--plan-file`: where `--plan` writes its changes (`.csv` or `.xlsx`).
    pub plan_file: Option<PathBuf>,
    pub mode: Mode,
    /// `-q`: no list of problem rows after the run.
    pub quiet: bool,
}

#[derive(Debug)]
pub(crate) enum Mode {
    /// Read, map, group, check, report; send nothing.
    DryRun,
    /// Look up what each customer would become; change nothing.
    Plan(Target),
    /// Create and update.
    Upload(Target),
}

impl Mode {
    /// The server a run talks to; `None` for a dry run.
    pub(crate) fn target(&self) -> Option<&Target> {
        match self {
            Mode::Plan(target) | Mode::Upload(target) => Some(target),
            Mode::DryRun => None,
        }
    }
}

/// Where and how requests go.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub endpoint: Endpoint,
    /// Requests per second, lookups included.
    pub rate: NonZeroU32,
    pub concurrency: NonZeroU32,
    pub timeout: Duration,
    pub retries: u32,
    pub max_requests: Option<u64>,
    pub reserve: Option<u64>,
    pub children: Children,
    /// The ledger file.
    pub state: PathBuf,
    /// Ignore change detection.
    pub full: bool,
    /// `--read-first`: never post over the ledger's copy of a record.
    pub read_first: bool,
    /// `--yes`: never ask before sending, whatever the estimate.
    pub yes: bool,
    /// `--mode`: whether matched customers are updated and new ones created.
    pub write_mode: WriteMode,
    /// `--deactivate-missing`, with its `--max-deactivate`.
    pub deactivate: Option<Limit>,
}

#[derive(Debug, Clone)]
pub(crate) enum Endpoint {
    /// Start the built-in sandbox in-process.
    Sandbox,
    Remote {
        base: reqwest::Url,
        company_id: String,
        key: ApiKey,
    },
}

/// The API key. Never printed: `Debug` and `Display` show `***`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct ApiKey(String);

impl ApiKey {
    pub(crate) fn new(key: String) -> ApiKey {
        ApiKey(key)
    }

    /// The key itself, for the `Authorization` header only.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(***)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Why the run could not start (exit 2).
#[derive(Debug, thiserror::Error)]
pub(crate) enum SettingsError {
    #[error("cannot read the mapping file {path}: {cause}")]
    MappingFile {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("{path}, line {line}: the mapping file is not UTF-8 text")]
    MappingNotUtf8 { path: PathBuf, line: usize },
    #[error(transparent)]
    Mapping(#[from] MappingErrors),
    #[error("{0}")]
    Usage(String),
    /// An output path that would destroy an input, the ledger or another output, that cannot
    /// be written, or whose extension is not the format it would be written in.
    #[error("{0}")]
    Outputs(String),
}

impl SettingsError {
    /// What to do about it, for the `hint:` line under the error.
    pub(crate) fn hint(&self) -> Option<String> {
        match self {
            SettingsError::MappingNotUtf8 { .. } => {
                Some("save it as UTF-8 (in Notepad: File > Save As, Encoding: UTF-8)".into())
            }
            _ => None,
        }
    }
}

/// The default sandbox rate: fast, but still through the limiter.
pub(crate) const SANDBOX_RATE: u32 = 200;

impl Settings {
    pub(crate) fn from_args(args: ImportArgs) -> Result<Settings, SettingsError> {
        let missing = |what: &str| SettingsError::Usage(format!("{what} is required"));
        let input = args.input.clone().ok_or_else(|| missing("INPUT"))?;
        let mapping_path = args.mapping.clone().ok_or_else(|| missing("--mapping"))?;
        let text = mapping_text(&mapping_path)?;
        let mapping = mapping::parse(&mapping_path, &text)?;
        if !input.is_file() {
            let what = if input.exists() {
                "is not a file"
            } else {
                "does not exist"
            };
            return Err(SettingsError::Usage(format!(
                "the input {} {what}",
                input.display()
            )));
        }
        let report = args
            .report
            .clone()
            .unwrap_or_else(|| beside(&input, ".report.csv"));
        for (flag, path) in [
            ("--report", Some(&report)),
            ("--errors", args.errors.as_ref()),
            ("--summary-json", args.summary_json.as_ref()),
            ("--plan-file", args.plan_file.as_ref()),
        ] {
            let Some(path) = path else { continue };
            if same_file(path, &input) {
                return Err(SettingsError::Usage(format!(
                    "{flag} {} is the input itself: it would be overwritten\nhint: write it to another file",
                    path.display()
                )));
            }
            // Found now, not after the run has spent its requests.
            folder_exists(flag, path)?;
        }
        let mode = if args.dry_run {
            Mode::DryRun
        } else if args.plan {
            Mode::Plan(target(&args, &input)?)
        } else {
            Mode::Upload(target(&args, &input)?)
        };
        let settings = Settings {
            input,
            mapping,
            report,
            errors: args.errors,
            summary_json: args.summary_json,
            plan_file: args.plan_file,
            mode,
            quiet: args.log.quiet,
        };
        outputs::check(&settings).map_err(SettingsError::Outputs)?;
        Ok(settings)
    }
}

/// The server a plan or an import talks to, and how.
fn target(args: &ImportArgs, input: &Path) -> Result<Target, SettingsError> {
    let state = args.state.clone().unwrap_or_else(|| default_state(input));
    let endpoint = endpoint(&args.service, args.sandbox)?;
    Ok(Target {
        children: args.children,
        full: args.full,
        read_first: args.read_first,
        write_mode: args.mode,
        deactivate: args.deactivate_missing.then_some(args.max_deactivate),
        ..Target::of_service(&args.service, endpoint, state)
    })
}

impl Target {
    /// The target `service` names at `endpoint`, with the import's defaults for what only an
    /// import chooses, and the ledger `state`.
    pub(crate) fn of_service(service: &ServiceArgs, endpoint: Endpoint, state: PathBuf) -> Target {
        let default_rate = match endpoint {
            Endpoint::Sandbox => SANDBOX_RATE,
            Endpoint::Remote { .. } => 1,
        };
        Target {
            endpoint,
            rate: service
                .rate
                .unwrap_or(NonZeroU32::new(default_rate).unwrap_or(NonZeroU32::MIN)),
            concurrency: service.concurrency,
            timeout: service.timeout,
            retries: service.retries,
            max_requests: service.max_requests,
            reserve: service.reserve,
            children: Children::Nested,
            state,
            full: false,
            read_first: true,
            yes: service.yes,
            write_mode: WriteMode::Upsert,
            deactivate: None,
        }
    }

    /// The OnTime account `service` names (for commands without `--sandbox`), with the ledger
    /// `state`.
    pub(crate) fn of_account(
        service: &ServiceArgs,
        state: PathBuf,
    ) -> Result<Target, SettingsError> {
        let endpoint = remote(
            service.api_key.as_deref(),
            service.company_id.as_deref(),
            &service.base_url,
            "",
        )?;
        Ok(Target::of_service(service, endpoint, state))
    }
}

/// The mapping file as text: UTF-8, or UTF-16 with its byte-order mark (what Notepad saves as
/// "Unicode"); a UTF-8 byte-order mark is dropped. Other bytes stop the run naming their line.
fn mapping_text(path: &Path) -> Result<String, SettingsError> {
    let bytes = std::fs::read(path).map_err(|cause| SettingsError::MappingFile {
        path: path.to_path_buf(),
        cause,
    })?;
    let (encoding, bom) = encoding_rs::Encoding::for_bom(&bytes).unwrap_or((encoding_rs::UTF_8, 0));
    let body = &bytes[bom..];
    if let Some(text) = encoding.decode_without_bom_handling_and_without_replacement(body) {
        return Ok(text.into_owned());
    }
    // UTF-8 says where it went wrong; broken UTF-16 is named at its first line.
    let valid = match std::str::from_utf8(body) {
        Err(e) if encoding == encoding_rs::UTF_8 => e.valid_up_to(),
        _ => 0,
    };
    Err(SettingsError::MappingNotUtf8 {
        path: path.to_path_buf(),
        line: 1 + body[..valid].iter().filter(|&&b| b == b'\n').count(),
    })
}

/// Whether `path` names the existing file `input` (through any spelling, link or `..`).
fn same_file(path: &Path, input: &Path) -> bool {
    match (path.canonicalize(), input.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// `dir/customers.xlsx` → `dir/customers.xlsx<suffix>`.
fn beside(input: &Path, suffix: &str) -> PathBuf {
    let mut name = input.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    input.with_file_name(name)
}

/// Refuses an output `path` (given as `flag`) whose folder does not exist.
pub(crate) fn folder_exists(flag: &str, path: &Path) -> Result<(), SettingsError> {
    match path.parent().filter(|f| !f.as_os_str().is_empty()) {
        Some(folder) if !folder.is_dir() => Err(SettingsError::Usage(format!(
            "{flag} {}: the folder {} does not exist",
            path.display(),
            folder.display()
        ))),
        _ => Ok(()),
    }
}

/// The ledger's name when `--state` does not give one.
pub(crate) const STATE_FILE: &str = ".ontime-import.db";

fn default_state(input: &Path) -> PathBuf {
    input.with_file_name(STATE_FILE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use endpoint::parse_base_url;

    #[test]
    fn base_url_must_be_https_off_this_machine() {
        assert!(parse_base_url("https://secure.ontime360.com").is_ok());
        assert!(parse_base_url("http://127.0.0.1:8080").is_ok());
        assert!(parse_base_url("http://localhost:8080").is_ok());
        assert!(parse_base_url("http://[::1]:8080").is_ok());
        assert!(parse_base_url("http://secure.ontime360.com").is_err());
        assert!(parse_base_url("http://10.0.0.5").is_err());
        assert!(parse_base_url("ftp://127.0.0.1").is_err());
        assert!(parse_base_url("not a url").is_err());
        for userinfo in [
            "https://me:hunter2@secure.ontime360.com",
            "https://hunter2@secure.ontime360.com",
            "http://:hunter2@127.0.0.1:8080",
        ] {
            let refused = parse_base_url(userinfo).expect_err(userinfo).to_string();
            assert!(refused.contains("ONTIME_API_KEY"), "{refused}");
            assert!(!refused.contains("hunter2"), "{refused}");
        }
        let gateway = parse_base_url("https://gw.example/ontime").expect("https");
        assert_eq!(gateway.as_str(), "https://gw.example/ontime/");
        assert_eq!(
            parse_base_url("https://secure.ontime360.com")
                .expect("https")
                .as_str(),
            "https://secure.ontime360.com/"
        );
    }

    #[test]
    fn api_key_never_shows() {
        let key = ApiKey::new("s3cret".into());
        assert_eq!(format!("{key} {key:?}"), "*** ApiKey(***)");
    }

    #[test]
    fn report_goes_beside_the_input() {
        assert_eq!(
            beside(Path::new("d/c.xlsx"), ".report.csv"),
            PathBuf::from("d/c.xlsx.report.csv")
        );
    }
}
