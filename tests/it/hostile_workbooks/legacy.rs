//! Hostile legacy workbooks (.xls, issue 12 "Bounded memory for any input"): each is the xlwt
//! fixture (`fixtures/customers.xls`) with a few bytes changed where calamine takes a size on
//! trust, and must be refused (exit 2, no report, nothing sent) in bounded memory: a sector
//! chain that loops, a sheet whose cells span the whole grid, a DIMENSIONS record of billions
//! of cells. The fixture itself reads whole.

use std::path::Path;

use super::{assert_refused, measured};
use crate::util::Work;

pub(crate) const MAP: &str =
    "[customer]\nAccountNumber = \"Account Number\"\nName = \"Company\"\nEmail = \"Email\"\n";

/// The fixture: an OLE file of 512-byte sectors holding a Workbook stream, five customers.
pub(crate) fn fixture() -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures/customers.xls"))
        .unwrap()
}

fn u32_at(bytes: &[u8], at: usize) -> usize {
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize
}

/// Where the one BIFF record of type `typ` and length `len` starts in `bytes`, its `nth`.
fn record(bytes: &[u8], typ: u16, len: u16, nth: usize) -> usize {
    let mut head = typ.to_le_bytes().to_vec();
    head.extend(len.to_le_bytes());
    let found: Vec<usize> = (0..bytes.len() - 4)
        .filter(|&at| bytes[at..at + 4] == head[..])
        .collect();
    found[nth.min(found.len() - 1)]
}

/// A dry run of `bytes` as `in.xls`, refused in less than 400 MB; returns stderr.
fn refused_in_bounded_memory(bytes: &[u8]) -> String {
    let work = Work::new();
    work.write("in.xls", bytes);
    let (run, peak) = measured(&work, "in.xls", MAP);
    assert_refused(&run);
    assert!(!work.path("r.csv").exists(), "{run:?}");
    if let Some(peak) = peak {
        assert!(peak < 400, "peak {peak} MB: {}", run.stderr);
    }
    run.stderr
}

#[test]
fn the_fixture_reads_whole() {
    let work = Work::new();
    work.write("in.xls", fixture());
    let (run, peak) = measured(&work, "in.xls", MAP);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(work.report("r.csv").len(), 6);
    if let Some(peak) = peak {
        assert!(peak < 100, "peak {peak} MB");
    }
}

/// The directory's first sector made to follow itself in the FAT: calamine reads the directory
/// until its chain ends, so it grew without end (gigabytes in a second, then the machine's
/// memory).
#[test]
fn a_sector_chain_that_loops_is_refused_in_bounded_memory() {
    let mut bytes = fixture();
    let directory = u32_at(&bytes, 48);
    let fat = 512 + 512 * u32_at(&bytes, 76);
    let entry = fat + 4 * directory;
    bytes[entry..entry + 4].copy_from_slice(&(directory as u32).to_le_bytes());
    let stderr = refused_in_bounded_memory(&bytes);
    assert!(stderr.contains("in.xls"), "{stderr}");
    assert!(
        stderr.contains("a sector chain of its compound file loops"),
        "{stderr}"
    );
}

/// The last shared-string cell moved to IV65536: calamine's range for the sheet spans A1 to
/// there, 16.7 million cells of 32 bytes, and the reader copies it once more (1.1 GB in all).
#[test]
fn a_sheet_whose_cells_span_the_grid_is_refused_in_bounded_memory() {
    let mut bytes = fixture();
    let cell = record(&bytes, 0x00FD, 10, usize::MAX);
    bytes[cell + 4..cell + 8].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0x00]);
    let stderr = refused_in_bounded_memory(&bytes);
    assert!(
        stderr.contains("reading its sheets would take more than 1024 MiB of memory"),
        "{stderr}"
    );
    assert!(stderr.contains("save it there as .xlsx"), "{stderr}");
}

/// A DIMENSIONS record declaring 16.7 million rows of 256 columns: calamine reserves room for
/// 4.3 billion cells before reading one (170 GB: the allocation fails and the process aborts).
#[test]
fn a_dimensions_record_of_billions_of_cells_is_refused() {
    let mut bytes = fixture();
    let dimensions = record(&bytes, 0x0200, 14, 0) + 4;
    bytes[dimensions..dimensions + 12].copy_from_slice(&[
        0, 0, 0, 0, // first row
        0, 0, 0, 1, // last row + 1: 2^24
        0, 0, 0, 1, // first column, last column + 1: 256
    ]);
    let stderr = refused_in_bounded_memory(&bytes);
    assert!(stderr.contains("more than 1024 MiB of memory"), "{stderr}");
}
