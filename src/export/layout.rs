//! The layout of an export, the one `mappings/export.toml` reads: a header row, then one row
//! per department/contact of each customer (row *i* carries its *i*-th department and its
//! *i*-th contact; a customer with neither has one row), every row carrying the customer's ID
//! and all its catalogue properties, so each row can be read, sorted or filtered on its own.
//!
//! Invariant: a value is written as the cell the import converts back to the same value
//! ([`Layout::check`] proves it per value, with the import's own conversion); what cannot come
//! back the same (text with spaces at its ends, say) is counted and named, never silently
//! changed.

use std::collections::HashMap;

use serde_json::Value as Json;

use crate::mapping::convert::{convert, trim};
use crate::read::Cell;
use crate::upload::merge;
use ontime_api::{CUSTOMER_FIELDS, Entity, FieldDef, Kind, format_number};

/// The column of the customer's OnTime ID (read by no mapping: it is for people).
pub(super) const ID: &str = "ID";

/// The columns after the customer's: (header, list, property). `ID` columns are for people.
const CHILD_COLUMNS: [(&str, &str, &str); 6] = [
    ("Department ID", "Departments", "ID"),
    ("Department Name", "Departments", "Name"),
    ("Contact ID", "Contacts", "ID"),
    ("Contact Name", "Contacts", "Name"),
    ("Contact Email", "Contacts", "Email"),
    ("Contact Phone", "Contacts", "Phone"),
];

/// The file format, which decides how a value is written in a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    Xlsx,
    Csv,
}

/// The header row: `ID`, every customer property in catalogue order, then the children's.
pub(super) fn headers() -> Vec<&'static str> {
    let customer = CUSTOMER_FIELDS.iter().map(|field| field.name);
    std::iter::once(ID)
        .chain(customer)
        .chain(CHILD_COLUMNS.iter().map(|(header, ..)| *header))
        .collect()
}

/// A value that would not come back the same from the import: which customer, which property.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Unfaithful {
    pub customer: String,
    pub field: String,
    pub why: String,
}

/// Turns records into rows for one format, noting values the import would not read back alike.
pub(super) struct Layout {
    format: Format,
    pub unfaithful: Vec<Unfaithful>,
    /// Customers without an account number: an import of the file refuses their rows.
    pub without_account: u64,
    /// Customers per account number (trimmed, lower case, as the import compares them), with
    /// the number as the first of them holds it.
    accounts: HashMap<String, (String, u64)>,
}

impl Layout {
    pub(super) fn new(format: Format) -> Layout {
        Layout {
            format,
            unfaithful: Vec::new(),
            without_account: 0,
            accounts: HashMap::new(),
        }
    }

    /// Account numbers held by more than one customer, with how many, in order.
    pub(super) fn shared_accounts(&self) -> Vec<(String, u64)> {
        let mut shared: Vec<(String, u64)> = self
            .accounts
            .values()
            .filter(|(_, n)| *n > 1)
            .cloned()
            .collect();
        shared.sort();
        shared
    }

    /// The rows of one customer record, as OnTime answered it.
    pub(super) fn rows(&mut self, record: &Json) -> Vec<Vec<Cell>> {
        let id = text_of(record, ID);
        let account = text_of(record, "AccountNumber");
        if account.trim().is_empty() {
            self.without_account += 1;
        } else {
            let key = trim(&account).to_lowercase();
            self.accounts.entry(key).or_insert((account.clone(), 0)).1 += 1;
        }
        let label = if account.trim().is_empty() {
            format!("ID {id}")
        } else {
            format!("\"{account}\"")
        };
        let mut customer = vec![Cell::Text(id)];
        for field in CUSTOMER_FIELDS {
            customer.push(self.cell(record.get(field.name), field, &label, field.name));
        }
        let list = |name: &str| record.get(name).and_then(Json::as_array).cloned();
        let (departments, contacts) = (list("Departments"), list("Contacts"));
        let (departments, contacts) = (
            departments.unwrap_or_default(),
            contacts.unwrap_or_default(),
        );
        let count = departments.len().max(contacts.len()).max(1);
        let mut rows = Vec::with_capacity(count);
        for index in 0..count {
            let mut row = customer.clone();
            for (header, list, property) in CHILD_COLUMNS {
                let items = if list == "Departments" {
                    &departments
                } else {
                    &contacts
                };
                let value = items.get(index).and_then(|item| item.get(property));
                row.push(self.child_cell(value, list, property, &label, header));
            }
            rows.push(row);
        }
        rows
    }

    fn child_cell(
        &mut self,
        value: Option<&Json>,
        list: &str,
        property: &str,
        label: &str,
        header: &str,
    ) -> Cell {
        if property == "ID" {
            return value.map_or(Cell::Empty, |id| Cell::Text(plain(id)));
        }
        let entity = if list == "Departments" {
            Entity::Department
        } else {
            Entity::Contact
        };
        match entity.field(property) {
            Some(field) => self.cell(value, &field, label, header),
            None => Cell::Empty,
        }
    }

    /// The cell for `value` of `field`, checked against the import's conversion.
    fn cell(&mut self, value: Option<&Json>, field: &FieldDef, label: &str, column: &str) -> Cell {
        let cell = match value {
            None | Some(Json::Null) => return Cell::Empty,
            Some(Json::String(text)) if text.is_empty() => return Cell::Empty,
            Some(Json::Array(items)) if items.is_empty() => return Cell::Empty,
            Some(Json::Bool(b)) => Cell::Bool(*b),
            Some(Json::Number(n)) => n.as_f64().map_or(Cell::Text(n.to_string()), Cell::Number),
            Some(Json::Array(items)) => {
                Cell::Text(items.iter().map(plain).collect::<Vec<_>>().join(";"))
            }
            Some(other) => Cell::Text(plain(other)),
        };
        let cell = match self.format {
            Format::Xlsx => cell,
            Format::Csv => Cell::Text(csv_text(&cell)),
        };
        if let Some(value) = value
            && let Some(why) = differs(&cell, field.kind, value)
        {
            self.unfaithful.push(Unfaithful {
                customer: label.to_string(),
                field: column.to_string(),
                why,
            });
        }
        cell
    }
}

/// Why the import would read `cell` as something else than `value`; `None` when it reads it back
/// the same.
fn differs(cell: &Cell, kind: Kind, value: &Json) -> Option<String> {
    match convert(cell, kind) {
        Ok(Some(read)) if merge::same(&read.to_json(), value) => None,
        Ok(Some(read)) => Some(format!(
            "{} would be read as {}",
            merge::shown(value),
            merge::shown(&read.to_json())
        )),
        Ok(None) => Some(format!("{} would be read as blank", merge::shown(value))),
        Err(why) => Some(format!("{} {why}", merge::shown(value))),
    }
}

/// A cell as CSV text: text as it is, a yes/no as `true`/`false`, a number without exponent and
/// never with exactly three digits after its point (`1.125` reads as 1125 or 1.125 to the
/// import, so it is written `1.1250`).
pub(super) fn csv_text(cell: &Cell) -> String {
    match cell {
        Cell::Number(n) => {
            let text = format_number(*n);
            match text.split_once('.') {
                Some((_, fraction)) if fraction.len() == 3 => format!("{text}0"),
                _ => text,
            }
        }
        Cell::Bool(b) => b.to_string(),
        Cell::Text(text) => text.clone(),
        Cell::Empty | Cell::DateTime(_) | Cell::Error(_) | Cell::Damaged(_) => String::new(),
    }
}

/// A property as text: a string as it is, anything else as JSON writes it.
fn plain(value: &Json) -> String {
    match value {
        Json::String(text) => text.clone(),
        Json::Null => String::new(),
        other => other.to_string(),
    }
}

fn text_of(record: &Json, name: &str) -> String {
    record.get(name).map(plain).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn one_row_per_department_or_contact_with_the_customer_on_each() {
        let record = json!({
            "ID": "c1", "Name": "Acme", "AccountNumber": "007", "Inactive": false,
            "BillingAdjustmentPercentage": 1.125,
            "Departments": [{"ID": "d1", "Name": "A"}, {"ID": "d2", "Name": "B"}, {"ID": "d3", "Name": "C"}],
            "Contacts": [{"ID": "k1", "Name": "Ann", "Email": "ann@x.com"}]
        });
        let mut layout = Layout::new(Format::Csv);
        let rows = layout.rows(&record);
        let headers = headers();
        assert_eq!(rows.len(), 3);
        let at = |row: usize, header: &str| {
            let column = headers.iter().position(|h| *h == header).expect(header);
            csv_text(&rows[row][column])
        };
        assert_eq!(
            (at(2, "ID"), at(2, "AccountNumber")),
            ("c1".into(), "007".into())
        );
        assert_eq!(at(0, "BillingAdjustmentPercentage"), "1.1250");
        assert_eq!(at(1, "Inactive"), "false");
        assert_eq!(
            (at(2, "Department Name"), at(2, "Contact Name")),
            ("C".into(), String::new())
        );
        assert_eq!(at(0, "Contact Email"), "ann@x.com");
        assert!(layout.unfaithful.is_empty(), "{:?}", layout.unfaithful);
    }

    #[test]
    fn values_the_import_would_change_are_named() {
        let record = json!({"ID": "c1", "Name": " Acme ", "PostalCode": "1E+05"});
        for format in [Format::Csv, Format::Xlsx] {
            let mut layout = Layout::new(format);
            layout.rows(&record);
            let fields: Vec<&str> = layout.unfaithful.iter().map(|u| u.field.as_str()).collect();
            assert_eq!(fields, ["Name", "PostalCode"], "{:?}", layout.unfaithful);
            assert_eq!(layout.without_account, 1);
        }
    }

    #[test]
    fn numbers_in_csv_read_back_as_they_were() {
        for n in [
            0.0,
            -5.0,
            12.5,
            1.125,
            0.125,
            1234.5,
            1_234_567.0,
            -0.001,
            99.999,
        ] {
            let text = csv_text(&Cell::Number(n));
            let read = crate::mapping::number::parse(&text);
            assert_eq!(read, Ok(n), "{n} written {text}");
        }
    }
}
