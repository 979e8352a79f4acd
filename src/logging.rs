//! Log output: `tracing` events to stderr, as text or JSON, filtered by -v/-q or `RUST_LOG`.
//!
//! No code logs the API key: it lives in `settings::ApiKey`, whose formatting hides it, and
//! request headers are never logged.

use tracing_subscriber::EnvFilter;

use crate::cli::LogFormat;

/// Installs the global subscriber. Safe to call once per process.
pub fn init(verbose: u8, quiet: bool, format: LogFormat) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn,ontime_import=info",
        (false, 1) => "info,ontime_import=debug",
        (false, 2) => "debug,ontime_import=trace",
        (false, _) => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(
            std::io::IsTerminal::is_terminal(&std::io::stderr())
                && std::env::var_os("NO_COLOR").is_none(),
        )
        .with_target(false);
    // A second init (only possible in tests) fails harmlessly: the first subscriber stays.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}
