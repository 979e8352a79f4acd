//! The input side's entry point: open every table the mapping names, check the mapping against
//! their headers, read all rows into the report's order and group them.
//!
//! Everything here happens before the first request: a problem with the mapping, a missing
//! sheet or an unreadable file stops the run with every such problem listed.

use std::path::Path;

use super::reading::read_customers;
use super::unique::one_customer_per_match_value;
use super::{CustomerGroup, Grouper};
use crate::mapping::{Binding, ChildMap, Mapping, MappingErrors, Origin, Problem, bind};
use crate::read::{self, ReadError, ReadOptions, Table};
use crate::report::Report;
use ontime_api::Entity;

/// Why the input could not be loaded: nothing was sent.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LoadError {
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
pub(crate) struct Loaded {
    /// The valid customers, in order of their first row.
    pub groups: Vec<CustomerGroup>,
    /// How many customers the rows name, valid or not.
    pub customers: usize,
}

/// Reads `input` through `mapping`: registers every non-blank row in `report`, decides the
/// invalid ones there, and returns the valid customers.
pub(crate) fn load(
    input: &Path,
    mapping: &Mapping,
    report: &mut Report,
) -> Result<Loaded, LoadError> {
    let opening = std::time::Instant::now();
    let Tables {
        primary,
        binding,
        others,
    } = open_tables(input, mapping)?;
    tracing::debug!("tables opened in {} ms", opening.elapsed().as_millis());
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
        .and_then(|groups| one_customer_per_match_value(groups, mapping, report))
        .map_err(|cause| LoadError::Report {
            path: report_path,
            cause,
        })?;
    let ms = finishing.elapsed().as_millis();
    tracing::debug!("{customers} customers completed in {ms} ms");
    Ok(Loaded { groups, customers })
}

/// Every table the mapping reads, opened, with its columns bound.
struct Tables {
    primary: Table,
    binding: Binding,
    /// Departments or contacts read from their own sheet or file.
    others: Vec<(Entity, Table, Binding)>,
}

/// Opens the customer table and every child table, and binds the mapping to their headers;
/// every problem of the mapping is listed at once.
fn open_tables(input: &Path, mapping: &Mapping) -> Result<Tables, LoadError> {
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
        let primary = primary.as_ref().map(|p| &p.source);
        if let Some(other) = open_child(input, mapping, child, primary, &mut problems)? {
            others.push(other);
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
    Ok(Tables {
        primary,
        binding,
        others,
    })
}

/// Opens a department or contact table read from its own sheet or file, and binds its columns;
/// `None` when it is read from the customer rows, or has a problem (added to `problems`).
fn open_child(
    input: &Path,
    mapping: &Mapping,
    child: &ChildMap,
    primary: Option<&read::SourceName>,
    problems: &mut Vec<Problem>,
) -> Result<Option<(Entity, Table, Binding)>, LoadError> {
    let Origin::Elsewhere {
        read: options,
        link,
        ..
    } = &child.origin
    else {
        return Ok(None);
    };
    let file = child.file(input);
    let options = child_options(options, &mapping.source, file.as_path() == input);
    let Some(table) = open(&file, &options, problems)? else {
        return Ok(None);
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
        return Ok(None);
    }
    if primary.is_some_and(|p| same_table(p, &table.source)) {
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
        return Ok(None);
    }
    match bind(
        &mapping.path,
        &table,
        options.header_row,
        link,
        &[(child.entity, &child.rules)],
    ) {
        Ok(binding) => Ok(Some((child.entity, table, binding))),
        Err(e) => {
            problems.extend(e.problems);
            Ok(None)
        }
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
pub(super) fn width(binding: &Binding) -> usize {
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
            groups[0].draft.to_json(),
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
            groups[1].draft.to_json(),
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
        let acme = groups[0].defaulted.clone();
        assert!(acme.customer("Country") && acme.customer("State"));
        assert!(!acme.customer("TimeZone"), "a constant is no default");
        assert!(!acme.customer("Name"));
        assert_eq!(acme.contacts, [phone, 0]);
        let beta = groups[1].defaulted.clone();
        assert!(!beta.customer("Country") && beta.customer("State"));
        assert_eq!(beta.contacts, [0]);
        assert_eq!(
            groups[0].draft.to_json(),
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
            groups[0].draft.to_json(),
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
            groups[0].draft.to_json(),
            json!({"Name": "A", "AccountNumber": "1", "Contacts": [{"Name": "Al"}]})
        );
        assert_eq!(
            groups[1].draft.to_json(),
            json!({"Name": "B", "AccountNumber": "2", "Contacts": [{"Name": "Bo", "Email": "bo@b.com", "Phone": "6175550100"}]})
        );
        assert_eq!(groups[1].rows.len(), 3);
    }
}
