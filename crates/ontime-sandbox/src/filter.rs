//! The filters of `GET api/customers`: which query parameters exist, how they are parsed, and
//! how a customer matches them.
//!
//! Rules (as ASP.NET binds them): parameter names match case-insensitively, unknown parameters
//! are ignored, an empty value (`?accountNumber=`) is no filter, a repeated parameter uses its
//! first value. Text filters match exactly (case-sensitive) a field holding that string; dates
//! are inclusive bounds. No filter at all lists every customer.

use axum::extract::Query;
use axum::http::Uri;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use super::error::ApiError;
use super::records::Customer;

/// Query parameter → the Customer field it matches exactly (and that is indexed).
pub(crate) const TEXT_FILTERS: [(&str, &str); 10] = [
    ("accountNumber", "AccountNumber"),
    ("name", "Name"),
    ("email", "Email"),
    ("referenceNumber", "ReferenceNumber"),
    ("city", "City"),
    ("state", "State"),
    ("postalCode", "PostalCode"),
    ("country", "Country"),
    ("primaryContactName", "PrimaryContactName"),
    ("addressLine1", "AddressLine1"),
];

/// The parsed filters of one list request.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Filter {
    /// (field, exact value)
    text: Vec<(&'static str, String)>,
    inactive: Option<bool>,
    created_min: Option<DateTime<Utc>>,
    created_max: Option<DateTime<Utc>>,
    modified_min: Option<DateTime<Utc>>,
    modified_max: Option<DateTime<Utc>>,
}

impl Filter {
    /// Parses the query string of `uri`.
    pub(crate) fn from_uri(uri: &Uri) -> Result<Filter, ApiError> {
        let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(uri)
            .map_err(|e| ApiError::BadRequest(format!("The query string is malformed: {e}.")))?;
        let mut filter = Filter::default();
        let mut seen: Vec<String> = Vec::new();
        for (name, value) in pairs {
            let key = name.to_ascii_lowercase();
            if value.is_empty() || seen.contains(&key) {
                continue;
            }
            seen.push(key.clone());
            filter.set(&name, &key, value)?;
        }
        Ok(filter)
    }

    fn set(&mut self, name: &str, key: &str, value: String) -> Result<(), ApiError> {
        if let Some((_, field)) = TEXT_FILTERS
            .iter()
            .find(|(p, _)| p.eq_ignore_ascii_case(key))
        {
            self.text.push((field, value));
            return Ok(());
        }
        let slot = match key {
            "inactive" => {
                self.inactive = Some(parse_bool(name, &value)?);
                return Ok(());
            }
            "creationdatemin" => &mut self.created_min,
            "creationdatemax" => &mut self.created_max,
            "lastmodifieddatemin" => &mut self.modified_min,
            "lastmodifieddatemax" => &mut self.modified_max,
            _ => return Ok(()),
        };
        *slot = Some(parse_date(name, &value)?);
        Ok(())
    }

    /// The exact-match conditions: (Customer field, value).
    pub(crate) fn text_conditions(&self) -> &[(&'static str, String)] {
        &self.text
    }

    pub(crate) fn matches(&self, customer: &Customer) -> bool {
        let text = self
            .text
            .iter()
            .all(|(field, value)| customer.field(field).as_str() == Some(value.as_str()));
        let inactive = self
            .inactive
            .is_none_or(|want| customer.field("Inactive").as_bool().unwrap_or(false) == want);
        let within = |t: DateTime<Utc>, min: Option<DateTime<Utc>>, max: Option<DateTime<Utc>>| {
            min.is_none_or(|m| t >= m) && max.is_none_or(|m| t <= m)
        };
        text && inactive
            && within(customer.created, self.created_min, self.created_max)
            && within(customer.modified, self.modified_min, self.modified_max)
    }
}

fn parse_bool(name: &str, value: &str) -> Result<bool, ApiError> {
    match value.to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(ApiError::BadRequest(format!(
            "The parameter '{name}' must be true or false, not \"{value}\"."
        ))),
    }
}

/// RFC 3339 (`2026-11-28T10:00:00Z`), a date and time without zone (taken as UTC), or a date
/// (its 00:00 UTC).
fn parse_date(name: &str, value: &str) -> Result<DateTime<Utc>, ApiError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S%.f") {
        return Ok(t.and_utc());
    }
    if let Ok(d) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        return Ok(d.and_time(chrono::NaiveTime::MIN).and_utc());
    }
    Err(ApiError::BadRequest(format!(
        "The parameter '{name}' must be a date such as 2026-11-28 or 2026-11-28T10:00:00Z, not \"{value}\"."
    )))
}
