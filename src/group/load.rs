//! The input side's entry point: open every table the mapping names, check the mapping against
//! their headers, read all rows into the report's order and group them.
//!
//! Everything here happens before the first request: a problem with the mapping, a missing
//! sheet or an unreadable file stops the run with every such problem listed.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;

use super::{Above, CustomerGroup, Grouper};
use crate::group;
use crate::mapping::convert::trim;
use crate::mapping::{Binding, ChildMap, Mapping, MappingErrors, MatchBy, Origin, Problem, bind};
use crate::read::{self, ReadError, ReadOptions, Table};
use crate::report::{Outcome, Report, Status};
use ontime_api::Entity;

/// Why the input could not be loaded: nothing was sent.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Mapping(#[from] MappingErrors),
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("cannot write the report {path}: {cause}")]
    Report {
        path: std::path::PathBuf,
        cause: std::io::Error,
    },
}

/// What the input holds, ready to send.
#[derive(Debug)]
pub struct Loaded {
    /// The valid customers, in order of their first row.
    pub groups: Vec<CustomerGroup>,
    /// How many customers the rows name, valid or not.
    pub customers: usize,
}

/// Reads `input` through `mapping`: registers every non-blank row in `report`, decides the
/// invalid ones there, and returns the valid customers.
pub fn load(input: &Path, mapping: &Mapping, report: &mut Report) -> Result<Loaded, LoadError> {
    let mut problems = Vec::new();
    let primary = open(input, &mapping.source, &mut problems)?;
    let mut same_rows: Vec<(Entity, &[crate::mapping::Rule])> =
        vec![(Entity::Customer, &mapping.customer)];
    let children: Vec<&ChildMap> = [&mapping.department, &mapping.contact]
        .into_iter()
        .flatten()
        .collect();
    for child in &children {
        if child.origin == Origin::SameRows {
            same_rows.push((child.entity, &child.rules));
        }
    }
    let binding = primary.as_ref().and_then(|primary| {
        bind(
            &mapping.path,
            primary,
            mapping.source.header_row,
            &mapping.group_by,
            &same_rows,
        )
        .map_err(|e| problems.extend(e.problems))
        .ok()
    });
    let mut others = Vec::new();
    for child in children {
        let Origin::Elsewhere {
            read: options,
            link,
            ..
        } = &child.origin
        else {
            continue;
        };
        let file = child.file(input);
        let options = child_options(options, &mapping.source, file.as_path() == input);
        let Some(table) = open(&file, &options, &mut problems)? else {
            continue;
        };
        let line = options.sheet_line.or(link.first().map(|l| l.line));
        let name = child.entity.table();
        if let Some(sheet) = options
            .sheet
            .as_ref()
            .filter(|_| table.source.sheet.is_none())
        {
            problems.push(Problem {
                line,
                message: format!(
                    "[{name}] sheet = \"{sheet}\", but {} is a CSV file, which has no sheets",
                    file.display()
                ),
                hint: Some(format!(
                    "give the {name} file with `file = \"…\"`, or read the customers from the workbook"
                )),
            });
            continue;
        }
        if primary
            .as_ref()
            .is_some_and(|p| same_table(&p.source, &table.source))
        {
            problems.push(Problem {
                line,
                message: format!(
                    "[{name}] reads {}, the rows [customer] reads: each row would be read twice",
                    table.source
                ),
                hint: Some(format!(
                    "to take the {name} from the customer rows, remove `sheet`, `file` and `link` from [{name}]"
                )),
            });
            continue;
        }
        match bind(
            &mapping.path,
            &table,
            options.header_row,
            link,
            &[(child.entity, &child.rules)],
        ) {
            Ok(binding) => others.push((child.entity, table, binding)),
            Err(e) => problems.extend(e.problems),
        }
    }
    let (Some(primary), Some(binding)) = (primary, binding.filter(|_| problems.is_empty())) else {
        problems.sort_by_key(|p| p.line);
        return Err(MappingErrors {
            path: mapping.path.clone(),
            problems,
        }
        .into());
    };
    let report_path = report.path().to_path_buf();
    let mut grouper = Grouper::new(&binding);
    let reading = std::time::Instant::now();
    read_customers(primary, &binding, &mut grouper, report)?;
    tracing::debug!(
        "{} rows read and grouped in {} ms",
        report.len(),
        reading.elapsed().as_millis()
    );
    let primary_name = report.source_name(0).to_string();
    for (entity, table, binding) in others {
        let source = report.add_source(&table.source);
        let mut rows = table.rows;
        rows.narrow(width(&binding));
        for row in rows {
            let mut row = row?;
            binding.derive(&mut row);
            let key = Grouper::customer_key(&row, &binding).ok();
            let id = report.register(source, row.number, key.as_deref());
            grouper.add_child_row(entity, id, &row, &binding, &primary_name);
        }
    }
    let customers = grouper.customers();
    let finishing = std::time::Instant::now();
    let groups = grouper
        .finish(report)
        .inspect(|_| {
            let ms = finishing.elapsed().as_millis();
            tracing::debug!("{customers} customers completed in {ms} ms");
        })
        .and_then(|groups| one_customer_per_match_value(groups, mapping, report))
        .map_err(|cause| LoadError::Report {
            path: report_path,
            cause,
        })?;
    Ok(Loaded { groups, customers })
}

/// Two customers of the input with one match value (two branches of account 1001 grouped apart,
/// say) are one customer to OnTime's lookup: a first run would create both, and every later run
/// would find them ambiguous. Both are invalid, before anything is sent.
fn one_customer_per_match_value(
    groups: Vec<CustomerGroup>,
    mapping: &Mapping,
    report: &mut Report,
) -> std::io::Result<Vec<CustomerGroup>> {
    let MatchBy::Field(field) = mapping.match_by else {
        return Ok(groups);
    };
    // By hash first (a few bytes a customer, worked out on two threads), then by the values
    // themselves on a hash clash.
    let hashes = group::in_two(groups.iter().collect(), |group| {
        match_key(group, field).map(|value| xxhash_rust::xxh3::xxh3_64(value.as_bytes()))
    })?;
    let mut first: HashMap<u64, usize, foldhash::fast::RandomState> =
        HashMap::with_capacity_and_hasher(hashes.len(), Default::default());
    let mut clashes: Vec<(usize, usize)> = Vec::new();
    for (index, hash) in hashes.into_iter().enumerate() {
        let Some(hash) = hash else {
            continue;
        };
        match first.get(&hash) {
            Some(&other)
                if match_key(&groups[other], field) == match_key(&groups[index], field) =>
            {
                clashes.push((index, other))
            }
            Some(_) => {}
            None => {
                first.insert(hash, index);
            }
        }
    }
    if clashes.is_empty() {
        return Ok(groups);
    }
    let column = mapping.customer.iter().find_map(|rule| match &rule.source {
        crate::mapping::RuleSource::Column { column, .. } if rule.field.name == field => {
            Some(column.name.clone())
        }
        _ => None,
    });
    let mut partner: HashMap<usize, usize> = HashMap::new();
    for (a, b) in clashes {
        partner.insert(a, b);
        partner.entry(b).or_insert(a);
    }
    let mut kept = Vec::with_capacity(groups.len());
    let labels: HashMap<usize, (String, String)> = partner
        .keys()
        .map(|&i| (i, (groups[i].key.clone(), report.label(groups[i].rows[0]))))
        .collect();
    for (index, group) in groups.into_iter().enumerate() {
        let Some(other) = partner.get(&index) else {
            kept.push(group);
            continue;
        };
        let (other_key, other_row) = &labels[other];
        let shown = group
            .packed
            .get(field)
            .map(|v| v.display())
            .unwrap_or_default();
        let message = format!(
            "{field}: customer \"{}\" and customer \"{other_key}\" ({other_row}) both have {field} \"{shown}\": OnTime finds customers by {field}, so it could not tell them apart; give each its own {field}, or group their rows as one customer",
            group.key
        );
        for row in &group.rows {
            let outcome = Outcome {
                status: Status::Invalid,
                customer_id: None,
                field: Some(field.to_string()),
                column: column.clone(),
                value: None,
                reason: None,
                message: message.clone(),
            };
            report.decide(*row, outcome)?;
        }
    }
    Ok(kept)
}

/// A customer's match value as servers may compare it: trimmed, ignoring case; `None` if blank.
/// Borrowed from the packed customer when lowercasing changes nothing (account numbers, say).
fn match_key<'a>(group: &'a CustomerGroup, field: &str) -> Option<Cow<'a, str>> {
    let lowered = match group.packed.text(field)? {
        Cow::Borrowed(text) => lowercase(trim(text)),
        Cow::Owned(text) => Cow::Owned(lowercase(trim(&text)).into_owned()),
    };
    (!lowered.is_empty()).then_some(lowered)
}

/// `str::to_lowercase`, without a copy when the text has no ASCII capital and is ASCII.
fn lowercase(text: &str) -> Cow<'_, str> {
    if text
        .bytes()
        .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
    {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.to_lowercase())
    }
}

/// Whether two tables are the same sheet of the same file (or the same CSV file).
fn same_table(a: &read::SourceName, b: &read::SourceName) -> bool {
    let file = |path: &Path| path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    a.sheet == b.sheet && file(&a.file) == file(&b.file)
}

/// Opens a table; a sheet that does not exist is a problem of the mapping file (listed with the
/// others, on the line that names it), any other failure stops the load.
fn open(
    file: &Path,
    options: &ReadOptions,
    problems: &mut Vec<Problem>,
) -> Result<Option<Table>, ReadError> {
    match read::open(file, options) {
        Ok(table) => Ok(Some(table)),
        Err(ReadError::NoSuchSheet {
            file,
            sheet,
            sheets,
        }) => {
            let hint = match crate::mapping::suggest(&sheet, sheets.iter().map(String::as_str)) {
                Some(close) => format!("did you mean \"{close}\"? (names match ignoring case)"),
                None => "set `sheet` to one of them (names match ignoring case)".into(),
            };
            let sheets: Vec<String> = sheets.iter().map(|s| format!("\"{s}\"")).collect();
            problems.push(Problem {
                line: options.sheet_line,
                message: format!(
                    "sheet \"{sheet}\" does not exist in {}; the sheets are: {}",
                    file.display(),
                    sheets.join(", ")
                ),
                hint: Some(hint),
            });
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// The columns a binding reads: up to its rightmost.
fn width(binding: &Binding) -> usize {
    let fields = binding.entities.iter().flat_map(|(_, fields)| fields);
    let columns = fields.filter_map(|field| field.column.as_ref());
    binding
        .key
        .iter()
        .chain(columns)
        .map(|column| column.index + 1)
        .max()
        .unwrap_or(0)
}

fn read_customers(
    table: Table,
    binding: &Binding,
    grouper: &mut Grouper,
    report: &mut Report,
) -> Result<(), LoadError> {
    let source = report.add_source(&table.source);
    let headers = table.headers;
    let mut rows = table.rows;
    rows.narrow(width(binding));
    std::thread::scope(|scope| {
        // Parsing on one core, grouping on the other; the bounded channel holds the reader
        // back when grouping is slower, so memory does not grow with the file.
        let (sender, batches) = std::sync::mpsc::sync_channel::<Batch>(8);
        // Batches the grouping thread is done with go back to the thread that allocated their
        // cells, which reads the next rows over them: no string per cell is allocated or freed
        // in the steady state (and frees from another thread reach the allocator late). At most
        // the batches in flight wait here.
        let (give_back, returned) = std::sync::mpsc::channel::<Vec<read::Row>>();
        let reader = Reader {
            headers: &headers,
            binding,
            above: None,
            last_key_ok: false,
        };
        scope.spawn(move || reader.run(rows, &sender, &returned));
        // The previous batch is kept while the next one is grouped, for the row above its first.
        let mut above: Vec<read::Row> = Vec::new();
        let mut last_key: Result<String, String> = Err(String::new());
        for Batch { rows, info, error } in batches {
            for (i, (row, info)) in rows.iter().zip(info).enumerate() {
                let prev = match i {
                    0 => above.last(),
                    _ => rows.get(i - 1),
                };
                if let Some(key) = info.key {
                    last_key = key;
                }
                let key = last_key.as_deref().map_err(String::clone);
                let id = report.register(source, row.number, key.as_ref().ok().copied());
                let prev = prev.map(|row| Above {
                    row,
                    same: info.same,
                });
                grouper.add_customer_row(id, row, prev, key, binding, report);
            }
            if let Some(error) = error {
                return Err(error.into());
            }
            let done = std::mem::replace(&mut above, rows);
            // Fails only once the reader has ended: the batch is then freed here.
            let _ = give_back.send(done);
        }
        Ok(())
    })
}

/// Rows per message from the reading thread to the grouping one.
const BATCH: usize = 256;

/// Rows read one after the other, with what the reading thread worked out about each; a read
/// error ends the stream, after the rows before it.
struct Batch {
    rows: Vec<read::Row>,
    info: Vec<RowInfo>,
    error: Option<ReadError>,
}

/// What the reading thread works out about a customer row, to spare the grouping thread (the
/// busier of the two).
struct RowInfo {
    /// Which cells repeat the row above ([`group::same_cells`]).
    same: u64,
    /// The row's group key, or why it has none; `None` when it is the previous row's (the
    /// same key cells give the same key without building it again).
    key: Option<Result<String, String>>,
}

/// The reading thread of [`read_customers`].
struct Reader<'a> {
    headers: &'a [String],
    binding: &'a Binding,
    /// The last row of the previous batch (a copy: the batch has gone to the grouping thread).
    above: Option<read::Row>,
    /// Whether the last key given was a key, not a problem.
    last_key_ok: bool,
}

impl Reader<'_> {
    /// Fills batches (reusing those given back) until the rows end, a read fails or the
    /// grouping side hangs up.
    fn run(
        mut self,
        mut rows: Box<dyn read::RowStream>,
        sender: &std::sync::mpsc::SyncSender<Batch>,
        returned: &std::sync::mpsc::Receiver<Vec<read::Row>>,
    ) {
        // Batches given back, to be read over: their rows keep their cells' allocations. At
        // most the batches in flight (the channel's, and one the grouping thread holds).
        let mut pool: Vec<Vec<read::Row>> = Vec::new();
        loop {
            pool.extend(returned.try_iter());
            let mut batch = pool.pop().unwrap_or_else(|| Vec::with_capacity(BATCH));
            let mut filled = 0;
            let mut error = None;
            while filled < BATCH {
                if filled == batch.len() {
                    batch.push(read::Row::default());
                }
                match rows.next_into(&mut batch[filled]) {
                    Some(Ok(())) => {
                        self.binding.derive(&mut batch[filled]);
                        filled += 1;
                    }
                    Some(Err(e)) => {
                        error = Some(e);
                        break;
                    }
                    None => break,
                }
            }
            batch.truncate(filled);
            let info = self.describe(&batch);
            let last = error.is_some() || batch.len() < BATCH;
            let batch = Batch {
                rows: batch,
                info,
                error,
            };
            if sender.send(batch).is_err() || last {
                return;
            }
        }
    }

    fn describe(&mut self, rows: &[read::Row]) -> Vec<RowInfo> {
        let mut info = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            let above = match i {
                0 => self.above.as_ref(),
                _ => rows.get(i - 1),
            };
            let same = above.map_or(0, |above| group::same_cells(above, row));
            let header = repeats_header(row, self.headers);
            let same_key = !header
                && self.last_key_ok
                && above.is_some_and(|above| {
                    Grouper::same_key(Above { row: above, same }, row, self.binding)
                });
            let key = (!same_key).then(|| {
                let key = if header {
                    Err(
                        "the row repeats the header row (a page header in the export?): delete it"
                            .to_string(),
                    )
                } else {
                    Grouper::customer_key(row, self.binding)
                };
                self.last_key_ok = key.is_ok();
                key
            });
            info.push(RowInfo { same, key });
        }
        if let Some(last) = rows.last() {
            self.above = Some(last.clone());
        }
        info
    }
}

/// Whether a data row holds the column names again (exports that repeat the header on every
/// printed page, or two exports joined into one file, the second with its byte-order mark
/// still in front of its header, which `trim` drops): at least two cells, each equal to its
/// column's name. Sent as data, it would create a customer named like the column.
fn repeats_header(row: &read::Row, headers: &[String]) -> bool {
    let mut named = 0;
    for (cell, header) in row.cells.iter().zip(headers) {
        let text = match cell {
            read::Cell::Text(text) if trim(text).is_empty() => continue,
            read::Cell::Text(text) => std::borrow::Cow::Borrowed(trim(text)),
            other => match crate::mapping::convert::cell_text(other) {
                Some(text) => std::borrow::Cow::Owned(text),
                None => continue,
            },
        };
        if !text.eq_ignore_ascii_case(header.trim()) {
            return false;
        }
        named += 1;
    }
    named >= 2
}

/// A child table in the input workbook itself inherits the input's encoding and delimiter
/// unless it names its own; one in another file reads with its own settings only.
fn child_options(own: &ReadOptions, source: &ReadOptions, same_file: bool) -> ReadOptions {
    let mut options = own.clone();
    if same_file {
        options.encoding = options.encoding.or(source.encoding);
        options.delimiter = options.delimiter.or(source.delimiter);
    }
    options
}

/// What the dry-run report cannot show: the drafts built, with their children de-duplicated.
#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;

    /// Loads `files` (name, bytes) written to a temp folder, the first being the input.
    fn drafts(mapping: &str, files: &[(&str, &[u8])]) -> (Vec<CustomerGroup>, Vec<String>) {
        let dir = tempfile::tempdir().unwrap();
        for (name, bytes) in files {
            std::fs::write(dir.path().join(name), bytes).unwrap();
        }
        let mapping = crate::mapping::parse(&dir.path().join("m.toml"), mapping).unwrap();
        let report_path = dir.path().join("r.csv");
        let mut report = Report::create(&report_path).unwrap();
        let groups = load(&dir.path().join(files[0].0), &mapping, &mut report).unwrap();
        report
            .finish(&crate::report::Outcome::new(
                crate::report::Status::Valid,
                "",
            ))
            .unwrap();
        report.publish().unwrap();
        let lines = std::fs::read_to_string(&report_path).unwrap();
        (
            groups.groups,
            lines.lines().skip(1).map(str::to_string).collect(),
        )
    }

    #[test]
    fn children_are_deduplicated_ignoring_case_and_fields_merged() {
        let mapping = r#"
[customer]
AccountNumber = "Acct"
Name = "Company"
Phone = "Phone"
Country = { column = "Country", default = "US" }
TimeZone = { value = "Eastern Standard Time" }
Inactive = { column = "Status", map = { "Active" = false, "Closed" = true } }
BillingAdjustmentPercentage = "Adj"
PricingMethod = "Pricing"

[department]
Name = "Dept"

[contact]
Name = "Contact"
Email = "Contact Email"
"#;
        let csv = "Acct,Company,Phone,Country,Status,Adj,Pricing,Dept,Contact,Contact Email\n\
                   1001,Acme,,,active,12.5%,zone to zone,Sales,Ann,ann@acme.com\n\
                   2002,Beta,555,CA,,,,,,\n\
                   1001,,6175550100,,,,,sales,ANN,ANN@ACME.COM\n\
                   1001,,,,,,,Ops,Ann,other@acme.com\n\
                   1001,,,,,,, OPS ,Bob,\n\
                   1001,,,,,,,,bob,\n";
        let (groups, report) = drafts(mapping, &[("in.csv", csv.as_bytes())]);
        assert_eq!(report.len(), 6, "{report:?}");
        assert!(report.iter().all(|l| l.contains(",valid,")), "{report:?}");
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].key, "1001");
        assert_eq!(groups[0].rows.len(), 5);
        assert_eq!(
            groups[0].draft().to_json(),
            json!({
                "Name": "Acme",
                "Phone": "6175550100",
                "Country": "US",
                "AccountNumber": "1001",
                "TimeZone": "Eastern Standard Time",
                "Inactive": false,
                "BillingAdjustmentPercentage": 12.5,
                "PricingMethod": "ZoneToZone",
                "Departments": [{"Name": "Sales"}, {"Name": "Ops"}],
                "Contacts": [
                    {"Name": "Ann", "Email": "ann@acme.com"},
                    {"Name": "Ann", "Email": "other@acme.com"},
                    {"Name": "Bob"},
                ],
            })
        );
        assert_eq!(
            groups[1].draft().to_json(),
            json!({
                "Name": "Beta",
                "Phone": "555",
                "Country": "CA",
                "AccountNumber": "2002",
                "TimeZone": "Eastern Standard Time",
            })
        );
    }

    #[test]
    fn the_values_defaults_gave_are_marked_through_parking() {
        let mapping = r#"
[customer]
AccountNumber = "Acct"
Name = "Company"
Country = { column = "Country", default = "US" }
State = { default = "MA" }
TimeZone = { value = "Eastern Standard Time" }

[contact]
Name = "Contact"
Phone = { column = "Phone", default = "000" }
"#;
        // 1001's rows are apart: it is parked and unparked between them.
        let csv = "Acct,Company,Country,Contact,Phone\n\
                   1001,Acme,,Ann,\n\
                   2002,Beta,CA,Bob,555\n\
                   1001,,,Cy,1\n";
        let (groups, _) = drafts(mapping, &[("in.csv", csv.as_bytes())]);
        let phone = 1 << 2;
        let acme = groups[0].packed.defaulted();
        assert!(acme.customer("Country") && acme.customer("State"));
        assert!(!acme.customer("TimeZone"), "a constant is no default");
        assert!(!acme.customer("Name"));
        assert_eq!(acme.contacts, [phone, 0]);
        let beta = groups[1].packed.defaulted();
        assert!(!beta.customer("Country") && beta.customer("State"));
        assert_eq!(beta.contacts, [0]);
        assert_eq!(
            groups[0].draft().to_json(),
            json!({
                "Name": "Acme", "AccountNumber": "1001", "Country": "US", "State": "MA",
                "TimeZone": "Eastern Standard Time",
                "Contacts": [{"Name": "Ann", "Phone": "000"}, {"Name": "Cy", "Phone": "1"}],
            })
        );
    }

    #[test]
    fn excel_values_become_what_a_person_sees() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.xlsx");
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2019, 4, 1).unwrap();
        let format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        for (c, h) in ["Acct", "Company", "Phone", "ZIP", "Since", "Invoice"]
            .iter()
            .enumerate()
        {
            sheet.write_string(0, c as u16, *h).unwrap();
        }
        sheet.write_number(1, 0, 1001.0).unwrap();
        sheet.write_string(1, 1, "Acme").unwrap();
        sheet.write_number(1, 2, 6175550100.0).unwrap();
        sheet.write_string(1, 3, "02134").unwrap();
        sheet
            .write_datetime_with_format(1, 4, &date, &format)
            .unwrap();
        sheet.write_boolean(1, 5, true).unwrap();
        book.save(&path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let mapping = "[customer]\nAccountNumber = \"Acct\"\nName = \"Company\"\nPhone = \"Phone\"\nPostalCode = \"ZIP\"\nComments = \"Since\"\nSendInvoiceByEmail = \"Invoice\"\n";
        let (groups, _) = drafts(mapping, &[("in.xlsx", &bytes)]);
        assert_eq!(
            groups[0].draft().to_json(),
            json!({
                "Name": "Acme",
                "PostalCode": "02134",
                "Phone": "6175550100",
                "AccountNumber": "1001",
                "Comments": "2019-04-01",
                "SendInvoiceByEmail": true,
            })
        );
    }

    #[test]
    fn children_from_another_file_join_their_customer() {
        let mapping = "[customer]\nAccountNumber = \"Acct\"\nName = \"Company\"\n\n[contact]\nfile = \"contacts.csv\"\nlink = \"Customer\"\nName = \"Name\"\nEmail = \"Email\"\nPhone = \"Phone\"\n";
        let (groups, report) = drafts(
            mapping,
            &[
                ("in.csv", b"Acct,Company\n1,A\n2,B\n"),
                (
                    "contacts.csv",
                    b"Customer,Name,Email,Phone\n2,Bo,bo@b.com,6175550100\n1,Al,,\n2,BO,BO@B.COM,\n",
                ),
            ],
        );
        assert_eq!(report.len(), 5, "{report:?}");
        assert_eq!(
            groups[0].draft().to_json(),
            json!({"Name": "A", "AccountNumber": "1", "Contacts": [{"Name": "Al"}]})
        );
        assert_eq!(
            groups[1].draft().to_json(),
            json!({"Name": "B", "AccountNumber": "2", "Contacts": [{"Name": "Bo", "Email": "bo@b.com", "Phone": "6175550100"}]})
        );
        assert_eq!(groups[1].rows.len(), 3);
    }
}
