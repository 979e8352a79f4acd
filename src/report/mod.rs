//! Stage 5: the per-row report — every non-blank input row, exactly once, in input order, with
//! its outcome.
//!
//! Rows are registered as they are read (which fixes their order) and decided later, in any
//! order; a decided row is written as soon as every row before it is decided too, so the file on
//! disk is always a valid CSV whose lines are a prefix of the final report. Cells are neutralised
//! against spreadsheet formula injection. The report never holds the API key: nothing that
//! reaches it comes from the settings.
//!
//! While the run goes on the lines go to `REPORT.partial` (see [`file`]), renamed to `REPORT` by
//! [`Report::publish`] when the run ends, so a second run cannot destroy a running job's report.
//! The CSV starts with a UTF-8 byte-order mark: Excel reads the file as UTF-8 only with one, and
//! the csv crate and Python's `utf-8-sig` read it as usual. `--report FILE.xlsx` turns the lines
//! into a workbook with the same columns when the run ends ([`workbook`]). A line that cannot
//! be written leaves the file at its last whole line, and every later write fails the same way.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

mod cells;
mod file;
mod keys;
mod outcome;
pub(crate) mod plan;
mod problems;
mod rows;
mod screen;
pub(crate) mod task;
mod workbook;

pub(crate) use outcome::{Outcome, RowId, Status};

use cells::{push_cell, push_number};
pub(crate) use file::{probe, publish_now, replace_with, write_atomically};
use keys::{Keys, NO_KEY};
use problems::Problems;
pub(crate) use rows::ErrorRows;

/// The UTF-8 byte-order mark the CSV report starts with.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The header of the report CSV.
pub(crate) const COLUMNS: [&str; 8] = [
    "source",
    "row",
    "status",
    "customer_key",
    "customer_id",
    "field",
    "column",
    "message",
];

struct RowMeta {
    number: u64,
    /// Index into [`Keys`], or [`NO_KEY`].
    key: u32,
    source: u16,
}

/// The report file being written.
pub(crate) struct Report {
    /// Where the report ends up.
    path: PathBuf,
    /// `REPORT.partial`, which `file` writes until [`Report::publish`] renames it to `path`;
    /// `None` when `path` is written directly (a device or a FIFO).
    partial: Option<PathBuf>,
    /// `--report` names an `.xlsx` file: the lines become a workbook at the end.
    workbook: bool,
    /// Lines are formatted into memory and reach the file only whole, so even a process killed
    /// mid-write leaves a file of complete lines.
    out: Vec<u8>,
    file: File,
    /// Bytes of whole lines in `file`: where it is cut back to when a write fails midway.
    written: u64,
    /// Why the file can no longer be written; set by the first failed write.
    broken: Option<String>,
    sources: Vec<String>,
    /// Each source's file and sheet, for the list on screen and the errors file.
    names: Vec<crate::read::SourceName>,
    /// Each source's `source` cell, neutralised and quoted once: all its rows repeat it.
    source_cells: Vec<Vec<u8>>,
    rows: Vec<RowMeta>,
    keys: Keys,
    /// Decided rows waiting for an earlier row to be decided.
    waiting: BTreeMap<u32, Outcome>,
    next: u32,
    /// By status, in [`Status::ALL`] order.
    counts: [u64; Status::ALL.len()],
    /// The invalid and failed rows, for the screen and the `--errors` file.
    problems: Problems,
    last_flush: Instant,
    /// Decisions since the clock was last read: reading it for each of a million rows cost more
    /// than writing their lines.
    unclocked: u32,
}

/// How long decided lines may sit in the buffer before they are flushed to disk. The clock is
/// read every [`CLOCK_EVERY`] decisions; the uploader flushes at least every 50 ms anyway.
const FLUSH_EVERY: Duration = Duration::from_millis(200);

/// How many decisions may pass between two readings of the clock: a few microseconds' worth in
/// the bulk phases (reading, a dry run, the end of a run).
const CLOCK_EVERY: u32 = 256;

/// How many bytes of decided lines may wait in memory: a dry run decides a million rows in well
/// under `FLUSH_EVERY`, and their lines would otherwise all sit in the buffer at once.
const FLUSH_BYTES: usize = 1 << 20;

impl Report {
    /// Opens the report's partial file (see [`file::open_report`]) and writes its header. An
    /// existing report at `path` is untouched until [`Report::publish`].
    pub(crate) fn create(path: &Path) -> std::io::Result<Report> {
        let (file, partial) = file::open_report(path)?;
        let workbook = workbook::is_workbook(path);
        let mut out = if workbook { Vec::new() } else { BOM.to_vec() };
        for (i, column) in COLUMNS.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            push_cell(&mut out, column);
        }
        out.push(b'\n');
        let mut report = Report {
            path: path.to_path_buf(),
            partial,
            workbook,
            out,
            file,
            written: 0,
            broken: None,
            sources: Vec::new(),
            names: Vec::new(),
            source_cells: Vec::new(),
            rows: Vec::new(),
            keys: Keys::default(),
            waiting: BTreeMap::new(),
            next: 0,
            counts: [0; Status::ALL.len()],
            problems: Problems::default(),
            last_flush: Instant::now(),
            unclocked: 0,
        };
        // The raw cause: the caller names the report.
        report.file.write_all(&report.out)?;
        report.written = report.out.len() as u64;
        report.out.clear();
        // A workbook is made from the lines at the end; its partial CSV is no report to rename.
        if let Some(partial) = report.partial.as_ref().filter(|_| !report.workbook) {
            file::set_open(Some((partial.clone(), report.path.clone())));
        }
        Ok(report)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Adds a source (a file, or a workbook's sheet); returns its index.
    pub(crate) fn add_source(&mut self, source: &crate::read::SourceName) -> u16 {
        let name = source.to_string();
        let mut cell = Vec::new();
        push_cell(&mut cell, &name);
        self.source_cells.push(cell);
        self.sources.push(name);
        self.names.push(source.clone());
        // More than 65,535 sources cannot occur: a mapping reads at most three tables.
        u16::try_from(self.sources.len() - 1).unwrap_or(u16::MAX)
    }

    pub(crate) fn source_name(&self, source: u16) -> &str {
        self.sources
            .get(usize::from(source))
            .map_or("", String::as_str)
    }

    /// Registers the next input row; rows are reported in registration order.
    pub(crate) fn register(&mut self, source: u16, number: u64, key: Option<&str>) -> RowId {
        let key = key.map_or(NO_KEY, |key| self.keys.index(key));
        self.rows.push(RowMeta {
            number,
            key,
            source,
        });
        // 4 billion rows would not fit in memory long before this saturates.
        RowId(u32::try_from(self.rows.len() - 1).unwrap_or(u32::MAX))
    }

    /// `row 7` for rows of the first source, `contacts.csv row 4` for others.
    pub(crate) fn label(&self, row: RowId) -> String {
        match self.rows.get(row.0 as usize) {
            Some(meta) if meta.source == 0 => format!("row {}", meta.number),
            Some(meta) => format!("{} row {}", self.source_name(meta.source), meta.number),
            None => format!("row #{}", row.0),
        }
    }

    pub(crate) fn key(&self, row: RowId) -> Option<&str> {
        let meta = self.rows.get(row.0 as usize)?;
        self.keys.get(meta.key)
    }

    pub(crate) fn len(&self) -> usize {
        self.rows.len()
    }

    /// How many rows are decided.
    pub(crate) fn decided(&self) -> usize {
        self.next as usize + self.waiting.len()
    }

    pub(crate) fn is_decided(&self, row: RowId) -> bool {
        row.0 < self.next || self.waiting.contains_key(&row.0)
    }

    /// Records a row's outcome. A row is decided once; a second decision is ignored (and
    /// logged), so no row can appear twice.
    pub(crate) fn decide(&mut self, row: RowId, outcome: Outcome) -> std::io::Result<()> {
        if self.is_decided(row) || row.0 as usize >= self.rows.len() {
            tracing::warn!(row = row.0, "row decided twice; keeping the first outcome");
            return Ok(());
        }
        self.tally(row.0, &outcome);
        if row.0 == self.next {
            self.write_line(row.0, &outcome);
            self.next += 1;
        } else {
            self.waiting.insert(row.0, outcome);
        }
        while let Some(outcome) = self.waiting.remove(&self.next) {
            self.write_line(self.next, &outcome);
            self.next += 1;
        }
        if self.out.len() >= FLUSH_BYTES {
            return self.flush_lines();
        }
        self.unclocked += 1;
        if self.unclocked >= CLOCK_EVERY {
            self.unclocked = 0;
            if self.last_flush.elapsed() >= FLUSH_EVERY {
                return self.flush_lines();
            }
        }
        Ok(())
    }

    /// Counts a decided row, and keeps it if it is a problem.
    fn tally(&mut self, row: u32, outcome: &Outcome) {
        self.counts[outcome.status as usize] += 1;
        self.problems.note(row, outcome);
    }

    fn write_line(&mut self, row: u32, outcome: &Outcome) {
        self.write_head(row, outcome.status);
        push_tail(&mut self.out, outcome);
    }

    /// The cells a row's line takes from the row itself, up to and with the comma after
    /// `customer_key`.
    fn write_head(&mut self, row: u32, status: Status) {
        let Some(meta) = self.rows.get(row as usize) else {
            return;
        };
        let out = &mut self.out;
        if let Some(cell) = self.source_cells.get(usize::from(meta.source)) {
            out.extend_from_slice(cell);
        }
        out.push(b',');
        // Digits: never a formula, never quoted.
        push_number(out, meta.number);
        out.push(b',');
        // A fixed word: never a formula, never quoted.
        out.extend_from_slice(status.as_str().as_bytes());
        out.push(b',');
        if let Some(key) = self.keys.get(meta.key) {
            push_cell(out, key);
        }
        out.push(b',');
    }

    /// Rows registered but not decided yet, in order.
    #[cfg(test)]
    pub(crate) fn undecided(&self) -> Vec<RowId> {
        (self.next..self.rows.len() as u32)
            .filter(|r| !self.waiting.contains_key(r))
            .map(RowId)
            .collect()
    }

    /// Counts by status, in [`Status::ALL`] order, zeros left out.
    pub(crate) fn counts(&self) -> Vec<(Status, u64)> {
        Status::ALL
            .iter()
            .map(|s| (*s, self.count(*s)))
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    pub(crate) fn count(&self, status: Status) -> u64 {
        self.counts[status as usize]
    }

    /// Decides every row still open with `outcome` and flushes the file to disk.
    ///
    /// The open rows are the ones between the waiting rows: each run of them is written with
    /// one encoding of `outcome`'s cells, then the waiting row that ends it.
    pub(crate) fn finish(&mut self, outcome: &Outcome) -> std::io::Result<()> {
        let end = u32::try_from(self.rows.len()).unwrap_or(u32::MAX);
        let mut tail = Vec::new();
        push_tail(&mut tail, outcome);
        while self.next < end {
            // Waiting rows are all after `next`: `decide` writes every row it can at once.
            let stop = self.waiting.first_key_value().map_or(end, |(row, _)| *row);
            while self.next < stop {
                self.tally(self.next, outcome);
                self.write_head(self.next, outcome.status);
                self.out.extend_from_slice(&tail);
                self.next += 1;
                if self.out.len() >= FLUSH_BYTES {
                    self.flush_lines()?;
                }
            }
            if let Some((row, waiting)) = self.waiting.pop_first() {
                self.write_line(row, &waiting);
                self.next = row + 1;
            }
        }
        self.flush()
    }
}

/// The cells a line takes from its outcome, from `customer_id` to the line's end.
fn push_tail(out: &mut Vec<u8>, outcome: &Outcome) {
    push_cell(out, outcome.customer_id.as_deref().unwrap_or(""));
    out.push(b',');
    push_cell(out, outcome.field.as_deref().unwrap_or(""));
    out.push(b',');
    push_cell(out, outcome.column.as_deref().unwrap_or(""));
    out.push(b',');
    push_cell(out, &outcome.message);
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::cells::tests::csv_crate_line;
    use super::*;
    use crate::read::SourceName;

    fn csv_source(name: &str) -> SourceName {
        SourceName {
            file: name.into(),
            sheet: None,
        }
    }

    /// Puts the report in place and reads it back, without its byte-order mark.
    fn published(report: &mut Report, path: &Path) -> String {
        report.publish().expect("publish");
        let text = std::fs::read_to_string(path).expect("read");
        text.strip_prefix('\u{feff}').expect("a BOM").to_string()
    }

    #[test]
    fn statuses_index_their_counts_in_order() {
        for (i, status) in Status::ALL.iter().enumerate() {
            assert_eq!(*status as usize, i, "{status:?}");
        }
    }

    #[test]
    fn keys_are_shared_by_neighbours_and_kept_apart_otherwise() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut report = Report::create(&dir.path().join("r.csv")).expect("create");
        let source = report.add_source(&csv_source("in.csv"));
        let keys = [
            Some("a"),
            Some("a"),
            None,
            Some("a"),
            Some(""),
            Some("b"),
            None,
        ];
        let rows: Vec<RowId> = keys
            .iter()
            .map(|key| report.register(source, 2, *key))
            .collect();
        let back: Vec<Option<&str>> = rows.iter().map(|row| report.key(*row)).collect();
        assert_eq!(back, keys);
        assert_eq!(
            report.keys.ends.len(),
            3,
            "a (three rows), the empty key, b"
        );
        assert_eq!(report.key(RowId(99)), None);
    }

    #[test]
    fn rows_come_out_in_input_order_exactly_once() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("r.csv");
        let mut report = Report::create(&path).expect("create");
        let source = report.add_source(&csv_source("in.csv"));
        let rows: Vec<RowId> = (2..6)
            .map(|n| report.register(source, n, Some("k")))
            .collect();
        report
            .decide(rows[2], Outcome::new(Status::Created, "c"))
            .expect("decide");
        report
            .decide(rows[0], Outcome::new(Status::Invalid, "a"))
            .expect("decide");
        report
            .decide(rows[0], Outcome::new(Status::Created, "again"))
            .expect("decide");
        report
            .finish(&Outcome::new(Status::NotSent, "stopped"))
            .expect("finish");
        let text = published(&mut report, &path);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "source,row,status,customer_key,customer_id,field,column,message",
                "in.csv,2,invalid,k,,,,a",
                "in.csv,3,not_sent,k,,,,stopped",
                "in.csv,4,created,k,,,,c",
                "in.csv,5,not_sent,k,,,,stopped",
            ]
        );
        assert_eq!(report.count(Status::NotSent), 2);
    }

    /// Registers rows of two sources whose cells need quoting and neutralising, decides some in
    /// order and some ahead (left waiting), one twice, and finishes the rest.
    #[test]
    fn finish_writes_open_rows_between_waiting_ones() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("r.csv");
        let mut report = Report::create(&path).expect("create");
        let input = report.add_source(&csv_source("in, \"2024\".csv"));
        let contacts = report.add_source(&csv_source("=contacts.csv"));
        let rows: Vec<RowId> = [
            (input, 2, Some("k1")),
            (input, 3, Some("k1")),
            (input, 4, None),
            (input, 5, Some("=1+1")),
            (input, 6, Some("a,b")),
            (contacts, 2, Some("k1")),
            (contacts, 3, Some("-7")),
            (contacts, 10, Some("@x")),
        ]
        .into_iter()
        .map(|(source, number, key)| report.register(source, number, key))
        .collect();
        let created = Outcome {
            customer_id: Some("+42".into()),
            field: Some("Name".into()),
            column: Some("Name, full".into()),
            ..Outcome::new(Status::Created, "created: \"Acme\"")
        };
        let invalid = Outcome::new(Status::Invalid, "=bad");
        report.decide(rows[0], created.clone()).expect("decide");
        report.decide(rows[3], invalid.clone()).expect("decide");
        report.decide(rows[6], created.clone()).expect("decide");
        report.decide(rows[7], invalid.clone()).expect("decide");
        report
            .decide(rows[3], Outcome::new(Status::Valid, "again"))
            .expect("decide");
        assert_eq!(report.decided(), 4);
        assert_eq!(report.undecided(), [rows[1], rows[2], rows[4], rows[5]]);
        let rest = Outcome::new(Status::NotSent, "-not sent, \"stopped\"");
        report.finish(&rest).expect("finish");
        assert_eq!(report.decided(), rows.len());
        assert!(report.undecided().is_empty());

        let line = |source: &str, row: &str, key: &str, outcome: &Outcome| {
            csv_crate_line(&[
                source,
                row,
                outcome.status.as_str(),
                key,
                outcome.customer_id.as_deref().unwrap_or(""),
                outcome.field.as_deref().unwrap_or(""),
                outcome.column.as_deref().unwrap_or(""),
                &outcome.message,
            ])
        };
        let (i, c) = ("in, \"2024\".csv", "=contacts.csv");
        let expected = [
            csv_crate_line(&COLUMNS),
            line(i, "2", "k1", &created),
            line(i, "3", "k1", &rest),
            line(i, "4", "", &rest),
            line(i, "5", "=1+1", &invalid),
            line(i, "6", "a,b", &rest),
            line(c, "2", "k1", &rest),
            line(c, "3", "-7", &created),
            line(c, "10", "@x", &invalid),
        ]
        .concat();
        assert_eq!(published(&mut report, &path), expected);
        assert_eq!(
            report.counts(),
            [
                (Status::Invalid, 2),
                (Status::Created, 2),
                (Status::NotSent, 4)
            ]
        );
        let errors = report.error_rows();
        assert_eq!(errors.sources.len(), 2);
        // Row 5 is invalid; row 10 of the contacts too; their keys have no other rows.
        assert_eq!(
            errors.sources[0].1,
            std::collections::HashMap::from([(5, "=bad".to_string())])
        );
        assert_eq!(
            errors.sources[1].1,
            std::collections::HashMap::from([(10, "=bad".to_string())])
        );
    }

    /// The fast path: nothing waiting, more lines than the buffer holds, a problem status (its
    /// messages go to `--errors`) and a formula in every row's message.
    #[test]
    fn finish_writes_every_open_row_whole_across_flushes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("r.csv");
        let mut report = Report::create(&path).expect("create");
        let source = report.add_source(&csv_source("in.csv"));
        let count = 8_000;
        for number in 2..2 + count {
            let key = format!("k{}", number / 3);
            report.register(source, number, Some(&key));
        }
        report
            .decide(RowId(0), Outcome::new(Status::Valid, ""))
            .expect("decide");
        let message = format!("=\"{}\"", "x".repeat(300));
        let rest = Outcome::new(Status::Invalid, message.as_str());
        report.finish(&rest).expect("finish");
        let text = published(&mut report, &path);
        assert!(text.len() > 2 * FLUSH_BYTES, "{} bytes", text.len());
        let mut expected = csv_crate_line(&COLUMNS);
        for number in 2..2 + count {
            let key = format!("k{}", number / 3);
            let (status, message) = if number == 2 {
                ("valid", "")
            } else {
                ("invalid", message.as_str())
            };
            let cells = ["in.csv", &number.to_string(), status, &key, "", "", ""];
            expected.push_str(&csv_crate_line(&[&cells[..], &[message]].concat()));
        }
        assert!(text == expected, "the report differs from the csv crate's");
        assert_eq!(report.count(Status::Valid), 1);
        assert_eq!(report.count(Status::Invalid), count - 1);
        // Row 2 (key k0, its own) is valid: not among the rows to fix.
        let errors = report.error_rows();
        let problems = &errors.sources[0].1;
        assert_eq!(problems.len(), count as usize - 1);
        assert_eq!(problems.get(&3), Some(&message));
        assert_eq!(problems.get(&2), None);
    }
}
