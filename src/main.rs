//! The `ontime-import` binary: parse the command line, run, exit with the run's code.

use std::process::ExitCode;

use clap::Parser;

/// mimalloc: reading hands every cell from one thread to another, which glibc's allocator
/// serves slowly (per-thread arenas, cross-thread frees); this halves the dry run's time.
/// Built with `no_thp` (Cargo.toml): with transparent huge pages, every page mimalloc takes
/// or takes back after a purge is a 2 MB fault the kernel zeroes, which cost the 1M-row dry
/// run a third of its time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = ontime_import::cli::Cli::parse();
    ontime_import::run(cli)
}
