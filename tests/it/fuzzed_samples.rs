//! The shipped samples, mutated (issue 14, "Done when"): byte flips, cuts, chunks doubled or
//! removed, and structural changes to the workbook's XML parts (elements dropped, rows doubled
//! or swapped, references and shared-string indexes made wild, cell types changed, a cell past
//! Excel's length). Every case must end in rows or a clear error, never a panic; most are read
//! in-process through the reader, a handful through the binary under a 1 GB address-space
//! limit, where they must end with a report or exit 2 with a message.
//!
//! A legacy `.xls` (`fixtures/customers.xls`, five customers written by Python's xlwt), cut
//! short or mutated byte by byte, goes through the binary, its peak memory measured: calamine
//! reads it whole, has panicked on damaged ones, and followed looping sector chains until the
//! machine's memory ran out.
//!
//! The mutations come from a fixed seed: a failure names its case, which reruns the same.
#![allow(clippy::unwrap_used)]

use std::io::{Cursor, Read, Write};
use std::path::Path;

use ontime_import::read::{self, ReadOptions};

use crate::hostile_workbooks::measured;
use crate::util::Work;

/// xorshift64: the cases are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("samples")
            .join(name),
    )
    .unwrap()
}

/// The legacy workbook fixture (Account Number, Company, Email; five customers).
fn xls_fixture() -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures/customers.xls"))
        .unwrap()
}

/// A byte-level mutation of `bytes`.
fn mutate_bytes(rng: &mut Rng, bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let len = out.len();
    let (a, b) = {
        let (x, y) = (rng.below(len), rng.below(len));
        (x.min(y), x.max(y).min(x.min(y) + 4096))
    };
    match rng.below(4) {
        0 => {
            for _ in 0..=rng.below(8) {
                let at = rng.below(len);
                out[at] ^= 1 << rng.below(8);
            }
        }
        1 => out.truncate(a),
        2 => {
            let chunk = out[a..b].to_vec();
            out.splice(b..b, chunk);
        }
        _ => {
            out.drain(a..b);
        }
    }
    out
}

/// The parts of a zip archive, in order.
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut entry = zip.by_index(i).unwrap();
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            (entry.name().unwrap().to_string(), data)
        })
        .collect()
}

fn rezip(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, data) in parts {
        zip.start_file(name.as_str(), options).unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// The byte ranges of `<tag ...>...</tag>` elements in `xml` (not nested in each other).
fn elements(xml: &str, tag: &str) -> Vec<(usize, usize)> {
    let (open, close) = (format!("<{tag} "), format!("</{tag}>"));
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(start) = xml[from..].find(&open).map(|at| at + from) {
        let Some(end) = xml[start..].find(&close).map(|at| at + start + close.len()) else {
            break;
        };
        found.push((start, end));
        from = end;
    }
    found
}

/// A structural mutation of one of the workbook's XML parts.
fn mutate_xml(rng: &mut Rng, xml: &str) -> String {
    let rows = elements(xml, "row");
    let cells = elements(xml, "c");
    let pick = |rng: &mut Rng, list: &[(usize, usize)]| list.get(rng.below(list.len())).copied();
    let wild = [
        "ZZZZZZ1",
        "A0",
        "XFE1",
        "A1048577",
        "A99999999999",
        "-1",
        "",
        "1e9",
        "x",
        "B2",
    ];
    match rng.below(8) {
        0 => match pick(rng, &cells) {
            Some((a, b)) => format!("{}{}", &xml[..a], &xml[b..]),
            None => xml.to_string(),
        },
        1 => match pick(rng, &rows) {
            Some((a, b)) => format!("{}{}", &xml[..b], &xml[a..]),
            None => xml.to_string(),
        },
        2 => match (pick(rng, &rows), pick(rng, &rows)) {
            (Some((a, b)), Some((c, d))) if b <= c => format!(
                "{}{}{}{}{}",
                &xml[..a],
                &xml[c..d],
                &xml[b..c],
                &xml[a..b],
                &xml[d..]
            ),
            _ => xml.to_string(),
        },
        3 => {
            let value = wild[rng.below(wild.len())];
            replace_nth(rng, xml, " r=\"", &format!(" r=\"{value}\" x=\""))
        }
        4 => {
            let value = wild[rng.below(wild.len())];
            replace_nth(rng, xml, "<v>", &format!("<v>{value}"))
        }
        5 => {
            let kind = ["s", "b", "e", "str", "d", "n", "zz", "inlineStr"][rng.below(8)];
            replace_nth(rng, xml, "t=\"", &format!("t=\"{kind}\" y=\""))
        }
        6 => replace_nth(rng, xml, "<t>", &format!("<t>{}", "y".repeat(40_000))),
        _ => {
            let mut cut = rng.below(xml.len());
            while !xml.is_char_boundary(cut) {
                cut -= 1;
            }
            xml[..cut].to_string()
        }
    }
}

/// `xml` with a random occurrence of `what` replaced by `with`.
fn replace_nth(rng: &mut Rng, xml: &str, what: &str, with: &str) -> String {
    let places: Vec<usize> = xml.match_indices(what).map(|(at, _)| at).collect();
    match places.get(rng.below(places.len())) {
        Some(&at) => format!("{}{with}{}", &xml[..at], &xml[at + what.len()..]),
        None => xml.to_string(),
    }
}

/// A structural mutation of the sample workbook: one XML part changed, the rest kept.
fn mutate_workbook(rng: &mut Rng, parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut parts = parts.to_vec();
    let xml: Vec<usize> = (0..parts.len())
        .filter(|&i| parts[i].0.starts_with("xl/"))
        .collect();
    // The sheet most often: it holds what the reader reads.
    let index = match rng.below(3) {
        0 => xml[rng.below(xml.len())],
        _ => parts
            .iter()
            .position(|(name, _)| name.contains("sheet1"))
            .unwrap(),
    };
    let text = String::from_utf8(parts[index].1.clone()).unwrap();
    parts[index].1 = mutate_xml(rng, &text).into_bytes();
    rezip(&parts)
}

/// Reads `path` to its end in-process: rows, or an error that names the file.
fn read_all(path: &Path, case: &str) {
    let table = match read::open(path, &ReadOptions::default()) {
        Ok(table) => table,
        Err(error) => return assert_clear(&error.to_string(), case),
    };
    for row in table.rows {
        if let Err(error) = row {
            return assert_clear(&error.to_string(), case);
        }
    }
}

fn assert_clear(message: &str, case: &str) {
    assert!(message.contains("in."), "{case}: {message}");
    assert!(!message.contains("panicked"), "{case}: {message}");
}

/// The mutated files, each with its name for messages: 150 of each sample, byte-level for the
/// CSV, half byte-level and half structural for the workbook.
fn cases() -> Vec<(String, &'static str, Vec<u8>)> {
    let mut rng = Rng(0x5EED_F022);
    let (xlsx, csv) = (sample("customers.xlsx"), sample("customers.csv"));
    let parts = unzip(&xlsx);
    let mut cases = Vec::new();
    for i in 0..150 {
        cases.push((
            format!("csv case {i}"),
            "in.csv",
            mutate_bytes(&mut rng, &csv),
        ));
        let bytes = if i % 2 == 0 {
            mutate_bytes(&mut rng, &xlsx)
        } else {
            mutate_workbook(&mut rng, &parts)
        };
        cases.push((format!("xlsx case {i}"), "in.xlsx", bytes));
    }
    cases
}

#[test]
fn mutated_samples_read_to_rows_or_a_clear_error() {
    let work = Work::new();
    for (case, name, bytes) in cases() {
        let path = work.write(name, &bytes);
        read_all(&path, &case);
    }
}

/// A few cases through the binary, with the default mapping, under a 1 GB address-space limit
/// (`ulimit -v`): a report (exit 0 or 1) or a refusal with a message (exit 2).
#[test]
fn mutated_samples_through_the_binary_in_bounded_memory() {
    let mapping = Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings/default.toml");
    for (case, name, bytes) in cases().into_iter().step_by(37) {
        let work = Work::new();
        work.write(name, &bytes);
        let mut command = work.command(&[]);
        let binary = command.get_program().to_owned();
        command = std::process::Command::new("sh");
        command
            .arg("-c")
            .arg("ulimit -v 1048576 && exec \"$@\"")
            .arg("sh")
            .arg(binary)
            .args([name, "--dry-run", "--report", "r.csv", "-m"])
            .arg(&mapping)
            .current_dir(work.dir())
            .env_remove("RUST_LOG")
            .stdin(std::process::Stdio::null());
        let output = command.output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        let code = output.status.code();
        assert!(!stderr.contains("panicked"), "{case}: {stderr}");
        match code {
            Some(0 | 1) => assert!(work.path("r.csv").exists(), "{case}: {stderr}"),
            Some(2) => assert!(stderr.contains("error: "), "{case}: {stderr}"),
            other => panic!("{case}: exit {other:?}: {stderr}"),
        }
    }
}

/// A damaged legacy workbook through the binary: a clear "damaged" refusal naming the file, never
/// a panic's text (calamine's xls reader panics on some cut files).
#[test]
fn a_damaged_xls_is_refused_as_damaged() {
    let work = Work::new();
    let xls = xls_fixture();
    work.write("whole.xls", &xls);
    work.write(
        "m.toml",
        "[customer]\nAccountNumber = \"Account Number\"\nName = \"Company\"\nEmail = \"Email\"\n",
    );
    let run = work.run(&[
        "whole.xls",
        "-m",
        "m.toml",
        "--dry-run",
        "--report",
        "r.csv",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for cut in [xls.len() / 2, xls.len() - 700, 600] {
        work.write("cut.xls", &xls[..cut]);
        let run = work.run(&["cut.xls", "-m", "m.toml", "--dry-run", "--report", "r.csv"]);
        assert_eq!(run.code, 2, "cut at {cut}: {}", run.stderr);
        assert!(
            run.stderr.contains("cut.xls"),
            "cut at {cut}: {}",
            run.stderr
        );
        assert!(
            !run.stderr.contains("panicked"),
            "cut at {cut}: {}",
            run.stderr
        );
        assert!(
            !run.stderr.contains("index out of"),
            "cut at {cut}: {}",
            run.stderr
        );
    }
}

/// 200 byte-level mutations and cuts of the .xls fixture through the binary, each under a
/// 2 GiB address-space limit: rows (exit 0 or 1, with a report) or a refusal with a message
/// (exit 2), never a panic, an aborted allocation or a signal, and never more than 400 MB. The
/// set holds files whose sector chains loop (calamine grew them to the limit and aborted).
#[test]
fn mutated_xls_files_end_in_rows_or_a_refusal_in_bounded_memory() {
    let mapping =
        "[customer]\nAccountNumber = \"Account Number\"\nName = \"Company\"\nEmail = \"Email\"\n";
    let xls = xls_fixture();
    let mut rng = Rng(0x0DD_5EED);
    let mut loops = 0;
    for i in 0..200 {
        let case = format!("xls case {i}");
        let work = Work::new();
        work.write("in.xls", mutate_bytes(&mut rng, &xls));
        let (run, peak) = measured(&work, "in.xls", mapping);
        let stderr = &run.stderr;
        assert!(!stderr.contains("panicked"), "{case}: {stderr}");
        assert!(!stderr.contains("memory allocation"), "{case}: {stderr}");
        match run.code {
            0 | 1 => assert!(work.path("r.csv").exists(), "{case}: {stderr}"),
            2 => assert!(stderr.contains("error: in.xls"), "{case}: {stderr}"),
            other => panic!("{case}: exit {other}: {stderr}"),
        }
        if let Some(peak) = peak {
            assert!(peak < 400, "{case}: peak {peak} MB");
        }
        loops += usize::from(stderr.contains("sector chain of its compound file loops"));
    }
    assert!(loops > 0, "no case with a looping chain");
}
