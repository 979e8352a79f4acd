//! What reading the ledger costs at the start of a run: times `Ledger::open` (the run lock,
//! the schema check, WAL mode) and `Ledger::all` (every entry of one site, the one query a run
//! makes before it judges customers), as `upload::prepare` calls them, on a ledger a benchmark
//! made (`benches/ledger.sh`). It begins no run and writes no entry (closing the
//! connection checkpoints the WAL, as every run's end does).
//!
//! ```text
//! cargo run --release --example ledger_start -- LEDGER BASE_URL COMPANY
//! ```
//! Prints `open_ms <a> all_ms <b> entries <n> runs_ms <c> runs <r>` (`runs_ms`: reading the
//! run history as `ontime-import runs` does, through a read-only connection).

use std::path::PathBuf;
use std::time::Instant;

use ontime_import::ledger::{History, Ledger, Site};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path, base, company] = args.as_slice() else {
        return Err("usage: ledger_start LEDGER BASE_URL COMPANY".into());
    };
    let path = PathBuf::from(path);
    if !path.is_file() {
        return Err(format!("{}: no ledger there", path.display()).into());
    }
    let site = Site::parse(base, company)?;

    let started = Instant::now();
    let ledger = Ledger::open(&path, &site)?;
    let opened = started.elapsed();
    let entries = ledger.all()?.len();
    let read = started.elapsed() - opened;
    drop(ledger);

    let started = Instant::now();
    let runs = History::open(&path)?.runs()?.len();
    let history = started.elapsed();

    println!(
        "open_ms {:.1} all_ms {:.1} entries {entries} runs_ms {:.1} runs {runs}",
        opened.as_secs_f64() * 1e3,
        read.as_secs_f64() * 1e3,
        history.as_secs_f64() * 1e3,
    );
    Ok(())
}
