//! The `ontime-import` binary: parse the command line, run, exit with the run's code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = ontime_import::cli::Cli::parse();
    ontime_import::run(cli)
}
