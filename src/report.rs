//! Stage 5: the per-row report — every non-blank input row, exactly once, in input order, with
//! its outcome.
//!
//! Rows are registered as they are read (which fixes their order) and decided later, in any
//! order; a decided row is written as soon as every row before it is decided too, so the file on
//! disk is always a valid CSV whose lines are a prefix of the final report. Cells are neutralised
//! against spreadsheet formula injection. The report never holds the API key: nothing that
//! reaches it comes from the settings.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The header of the report CSV.
pub const COLUMNS: [&str; 8] = [
    "source",
    "row",
    "status",
    "customer_key",
    "customer_id",
    "field",
    "column",
    "message",
];

/// What happened to a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Dry run: would be sent.
    Valid,
    /// Bad input: nothing was sent for its customer.
    Invalid,
    Created,
    Updated,
    /// OnTime already holds exactly this; nothing was posted.
    Unchanged,
    /// Sent (or looked up) and refused, or the outcome is unknown.
    Failed,
    /// Not reached: the run stopped early (quota, budget, Ctrl-C, authentication).
    NotSent,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Valid,
        Status::Invalid,
        Status::Created,
        Status::Updated,
        Status::Unchanged,
        Status::Failed,
        Status::NotSent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Valid => "valid",
            Status::Invalid => "invalid",
            Status::Created => "created",
            Status::Updated => "updated",
            Status::Unchanged => "unchanged",
            Status::Failed => "failed",
            Status::NotSent => "not_sent",
        }
    }
}

/// A decided row's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub status: Status,
    pub customer_id: Option<String>,
    /// The OnTime property the message is about, if one.
    pub field: Option<String>,
    /// The input column the message is about, if one.
    pub column: Option<String>,
    pub message: String,
}

impl Outcome {
    pub fn new(status: Status, message: impl Into<String>) -> Self {
        Outcome {
            status,
            customer_id: None,
            field: None,
            column: None,
            message: message.into(),
        }
    }
}

/// A registered row: its position in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RowId(pub u32);

struct RowMeta {
    source: u16,
    number: u64,
}

/// The report file being written.
pub struct Report {
    path: PathBuf,
    /// Lines are formatted into memory and reach the file only whole, so even a process killed
    /// mid-write leaves a file of complete lines.
    out: csv::Writer<Vec<u8>>,
    file: File,
    sources: Vec<String>,
    rows: Vec<RowMeta>,
    keys: Vec<Option<Arc<str>>>,
    /// Decided rows waiting for an earlier row to be decided.
    waiting: BTreeMap<u32, Outcome>,
    next: u32,
    counts: BTreeMap<Status, u64>,
    /// The message of every invalid or failed row, for the `--errors` file.
    problems: BTreeMap<u32, String>,
    last_flush: Instant,
}

/// How long decided lines may sit in the buffer before they are flushed to disk.
const FLUSH_EVERY: Duration = Duration::from_millis(200);

/// How many bytes of decided lines may wait in memory: a dry run decides a million rows in well
/// under `FLUSH_EVERY`, and their lines would otherwise all sit in the buffer at once.
const FLUSH_BYTES: usize = 1 << 20;

impl Report {
    /// Creates (truncates) the report file and writes its header.
    pub fn create(path: &Path) -> std::io::Result<Report> {
        let file = File::create(path)?;
        let mut out = csv::WriterBuilder::new().from_writer(Vec::new());
        out.write_record(COLUMNS).map_err(std::io::Error::other)?;
        let mut report = Report {
            path: path.to_path_buf(),
            out,
            file,
            sources: Vec::new(),
            rows: Vec::new(),
            keys: Vec::new(),
            waiting: BTreeMap::new(),
            next: 0,
            counts: BTreeMap::new(),
            problems: BTreeMap::new(),
            last_flush: Instant::now(),
        };
        report.flush_lines()?;
        Ok(report)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Adds a source (file and sheet, as shown in the `source` column); returns its index.
    pub fn add_source(&mut self, name: String) -> u16 {
        self.sources.push(name);
        // More than 65,535 sources cannot occur: a mapping reads at most three tables.
        u16::try_from(self.sources.len() - 1).unwrap_or(u16::MAX)
    }

    pub fn source_name(&self, source: u16) -> &str {
        self.sources
            .get(usize::from(source))
            .map_or("", String::as_str)
    }

    /// Registers the next input row; rows are reported in registration order.
    pub fn register(&mut self, source: u16, number: u64, key: Option<&str>) -> RowId {
        self.rows.push(RowMeta { source, number });
        // Rows of one customer usually follow each other: they share one copy of the key.
        let key = match (key, self.keys.last()) {
            (Some(key), Some(Some(last))) if **last == *key => Some(Arc::clone(last)),
            (key, _) => key.map(Arc::from),
        };
        self.keys.push(key);
        // 4 billion rows would not fit in memory long before this saturates.
        RowId(u32::try_from(self.rows.len() - 1).unwrap_or(u32::MAX))
    }

    /// `row 7` for rows of the first source, `contacts.csv row 4` for others.
    pub fn label(&self, row: RowId) -> String {
        match self.rows.get(row.0 as usize) {
            Some(meta) if meta.source == 0 => format!("row {}", meta.number),
            Some(meta) => format!("{} row {}", self.source_name(meta.source), meta.number),
            None => format!("row #{}", row.0),
        }
    }

    pub fn key(&self, row: RowId) -> Option<&str> {
        self.keys.get(row.0 as usize).and_then(|k| k.as_deref())
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// How many rows are decided.
    pub fn decided(&self) -> usize {
        self.next as usize + self.waiting.len()
    }

    pub fn is_decided(&self, row: RowId) -> bool {
        row.0 < self.next || self.waiting.contains_key(&row.0)
    }

    /// Records a row's outcome. A row is decided once; a second decision is ignored (and
    /// logged), so no row can appear twice.
    pub fn decide(&mut self, row: RowId, outcome: Outcome) -> std::io::Result<()> {
        if self.is_decided(row) || row.0 as usize >= self.rows.len() {
            tracing::warn!(row = row.0, "row decided twice; keeping the first outcome");
            return Ok(());
        }
        *self.counts.entry(outcome.status).or_default() += 1;
        if matches!(outcome.status, Status::Invalid | Status::Failed) {
            self.problems.insert(row.0, outcome.message.clone());
        }
        if row.0 == self.next {
            self.write(row, &outcome)?;
            self.next += 1;
        } else {
            self.waiting.insert(row.0, outcome);
        }
        while let Some(outcome) = self.waiting.remove(&self.next) {
            self.write(RowId(self.next), &outcome)?;
            self.next += 1;
        }
        if self.last_flush.elapsed() >= FLUSH_EVERY || self.out.get_ref().len() >= FLUSH_BYTES {
            self.flush_lines()?;
        }
        Ok(())
    }

    fn write(&mut self, row: RowId, outcome: &Outcome) -> std::io::Result<()> {
        let meta = &self.rows[row.0 as usize];
        let number = meta.number.to_string();
        let key = self.keys[row.0 as usize].as_deref().unwrap_or("");
        let record = [
            safe(
                self.sources
                    .get(usize::from(meta.source))
                    .map_or("", String::as_str),
            ),
            safe(&number),
            safe(outcome.status.as_str()),
            safe(key),
            safe(outcome.customer_id.as_deref().unwrap_or("")),
            safe(outcome.field.as_deref().unwrap_or("")),
            safe(outcome.column.as_deref().unwrap_or("")),
            safe(&outcome.message),
        ];
        let out = &mut self.out;
        out.write_record(record.iter().map(|c| c.as_bytes()))
            .map_err(std::io::Error::other)
    }

    /// The row numbers and messages of the invalid and failed rows of the first source (the
    /// input file itself), for the `--errors` file.
    pub fn input_problems(&self) -> std::collections::HashMap<u64, &str> {
        self.problems
            .iter()
            .filter_map(|(row, message)| {
                let meta = self.rows.get(*row as usize)?;
                (meta.source == 0).then_some((meta.number, message.as_str()))
            })
            .collect()
    }

    /// Rows registered but not decided yet, in order.
    pub fn undecided(&self) -> Vec<RowId> {
        (self.next..self.rows.len() as u32)
            .filter(|r| !self.waiting.contains_key(r))
            .map(RowId)
            .collect()
    }

    /// Counts by status, in [`Status::ALL`] order, zeros left out.
    pub fn counts(&self) -> Vec<(Status, u64)> {
        Status::ALL
            .iter()
            .filter_map(|s| self.counts.get(s).map(|n| (*s, *n)))
            .collect()
    }

    pub fn count(&self, status: Status) -> u64 {
        self.counts.get(&status).copied().unwrap_or(0)
    }

    /// Decides every row still open with `outcome` and flushes the file to disk.
    pub fn finish(&mut self, outcome: &Outcome) -> std::io::Result<()> {
        for row in self.undecided() {
            self.decide(row, outcome.clone())?;
        }
        self.flush()
    }

    /// Writes the lines decided so far to the file, whole, in one write.
    pub fn flush_lines(&mut self) -> std::io::Result<()> {
        let out = std::mem::replace(&mut self.out, csv::Writer::from_writer(Vec::new()));
        let mut lines = out.into_inner().map_err(|e| e.into_error())?;
        if !lines.is_empty() {
            self.file.write_all(&lines)?;
        }
        // The buffer keeps its capacity for the next lines.
        lines.clear();
        self.out = csv::Writer::from_writer(lines);
        self.last_flush = Instant::now();
        Ok(())
    }

    /// Writes everything decided and asks the OS to put it on disk.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.flush_lines()?;
        self.file.sync_data()
    }
}

/// Neutralises a cell that a spreadsheet program would run as a formula: a leading `=`, `+`,
/// `-`, `@`, TAB or CR gets a `'` in front. Plain negative numbers are left alone.
fn safe(text: &str) -> std::borrow::Cow<'_, str> {
    let risky = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && text.parse::<f64>().is_err() {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(safe("+1 617 555"), "'+1 617 555");
        assert_eq!(safe("-3"), "-3");
        assert_eq!(safe("Acme"), "Acme");
    }

    #[test]
    fn rows_come_out_in_input_order_exactly_once() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("r.csv");
        let mut report = Report::create(&path).expect("create");
        let source = report.add_source("in.csv".into());
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
        let text = std::fs::read_to_string(&path).expect("read");
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
}
