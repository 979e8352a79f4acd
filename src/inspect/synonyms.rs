//! Header text → what it names: an OnTime field (by its catalogue name, spelt as a person
//! would, or by an English synonym), a department or contact column, or half of a person's name.
//! Headers are compared normalised ([`normalise`]): case, punctuation, spacing and the usual
//! abbreviations (`Acct #` is `account number`, `Tel` is `phone`, `E-mail` is `email`).

use ontime_api::Entity;

/// What a header names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    Field(Entity, &'static str),
    /// A contact's name: the customer's primary contact when it is one per customer, else the
    /// name of a `[contact]`.
    ContactName,
    FirstName,
    LastName,
}

use Entity::{Contact, Customer, Department};
use Target::{ContactName, Field, FirstName, LastName};

/// Synonyms beyond the catalogue names, normalised. A header may name several targets
/// (`Invoice Email` is a yes/no or an address): the content decides among them.
const SYNONYMS: &[(&str, Target)] = &[
    ("company", Field(Customer, "Name")),
    ("company name", Field(Customer, "Name")),
    ("customer", Field(Customer, "Name")),
    ("customer name", Field(Customer, "Name")),
    ("account name", Field(Customer, "Name")),
    ("client", Field(Customer, "Name")),
    ("client name", Field(Customer, "Name")),
    ("business name", Field(Customer, "Name")),
    ("organization", Field(Customer, "Name")),
    ("organisation", Field(Customer, "Name")),
    ("name", Field(Customer, "Name")),
    ("account", Field(Customer, "AccountNumber")),
    ("account number", Field(Customer, "AccountNumber")),
    ("account id", Field(Customer, "AccountNumber")),
    ("account code", Field(Customer, "AccountNumber")),
    ("customer number", Field(Customer, "AccountNumber")),
    ("customer code", Field(Customer, "AccountNumber")),
    ("customer id", Field(Customer, "AccountNumber")),
    ("customer account", Field(Customer, "AccountNumber")),
    ("client number", Field(Customer, "AccountNumber")),
    ("client code", Field(Customer, "AccountNumber")),
    ("client id", Field(Customer, "AccountNumber")),
    ("primary contact", Field(Customer, "PrimaryContactName")),
    ("main contact", Field(Customer, "PrimaryContactName")),
    ("address", Field(Customer, "AddressLine1")),
    ("address 1", Field(Customer, "AddressLine1")),
    ("street", Field(Customer, "AddressLine1")),
    ("street address", Field(Customer, "AddressLine1")),
    ("street 1", Field(Customer, "AddressLine1")),
    ("address street", Field(Customer, "AddressLine1")),
    ("line 1", Field(Customer, "AddressLine1")),
    ("address 2", Field(Customer, "AddressLine2")),
    ("street 2", Field(Customer, "AddressLine2")),
    ("line 2", Field(Customer, "AddressLine2")),
    ("suite", Field(Customer, "AddressLine2")),
    ("town", Field(Customer, "City")),
    ("city town", Field(Customer, "City")),
    ("locality", Field(Customer, "City")),
    ("province", Field(Customer, "State")),
    ("region", Field(Customer, "State")),
    ("state province", Field(Customer, "State")),
    ("zip", Field(Customer, "PostalCode")),
    ("zip code", Field(Customer, "PostalCode")),
    ("zipcode", Field(Customer, "PostalCode")),
    ("postcode", Field(Customer, "PostalCode")),
    ("post code", Field(Customer, "PostalCode")),
    ("postal", Field(Customer, "PostalCode")),
    ("zip postal code", Field(Customer, "PostalCode")),
    ("phone number", Field(Customer, "Phone")),
    ("main phone", Field(Customer, "Phone")),
    ("office phone", Field(Customer, "Phone")),
    ("business phone", Field(Customer, "Phone")),
    ("fax number", Field(Customer, "Fax")),
    ("email address", Field(Customer, "Email")),
    ("main email", Field(Customer, "Email")),
    ("billing email", Field(Customer, "BillingEmail")),
    ("billing email address", Field(Customer, "BillingEmail")),
    ("invoice email", Field(Customer, "BillingEmail")),
    ("invoice email", Field(Customer, "SendInvoiceByEmail")),
    ("accounts email", Field(Customer, "BillingEmail")),
    ("ap email", Field(Customer, "BillingEmail")),
    ("web site", Field(Customer, "Website")),
    ("web", Field(Customer, "Website")),
    ("url", Field(Customer, "Website")),
    ("homepage", Field(Customer, "Website")),
    ("time zone", Field(Customer, "TimeZone")),
    ("timezone", Field(Customer, "TimeZone")),
    ("reference", Field(Customer, "ReferenceNumber")),
    ("reference number", Field(Customer, "ReferenceNumber")),
    ("external id", Field(Customer, "ReferenceNumber")),
    ("po", Field(Customer, "PurchaseOrderNumber")),
    ("po number", Field(Customer, "PurchaseOrderNumber")),
    ("purchase order", Field(Customer, "PurchaseOrderNumber")),
    ("comment", Field(Customer, "Comments")),
    ("notes", Field(Customer, "Comments")),
    ("note", Field(Customer, "Comments")),
    ("remarks", Field(Customer, "Comments")),
    ("memo", Field(Customer, "Comments")),
    (
        "billing adjustment",
        Field(Customer, "BillingAdjustmentPercentage"),
    ),
    (
        "billing adjustment percent",
        Field(Customer, "BillingAdjustmentPercentage"),
    ),
    (
        "billing adj percent",
        Field(Customer, "BillingAdjustmentPercentage"),
    ),
    (
        "billing adj",
        Field(Customer, "BillingAdjustmentPercentage"),
    ),
    (
        "adjustment percent",
        Field(Customer, "BillingAdjustmentPercentage"),
    ),
    ("discount", Field(Customer, "BillingAdjustmentPercentage")),
    (
        "discount percent",
        Field(Customer, "BillingAdjustmentPercentage"),
    ),
    ("invoice by email", Field(Customer, "SendInvoiceByEmail")),
    ("email invoice", Field(Customer, "SendInvoiceByEmail")),
    ("email invoices", Field(Customer, "SendInvoiceByEmail")),
    ("invoice by post", Field(Customer, "SendInvoiceByPostal")),
    ("invoice by postal", Field(Customer, "SendInvoiceByPostal")),
    ("invoice by mail", Field(Customer, "SendInvoiceByPostal")),
    ("invoice by fax", Field(Customer, "SendInvoiceByFax")),
    ("fax invoice", Field(Customer, "SendInvoiceByFax")),
    ("web portal", Field(Customer, "HasWebPortalAccess")),
    ("portal", Field(Customer, "HasWebPortalAccess")),
    ("portal access", Field(Customer, "HasWebPortalAccess")),
    ("web portal access", Field(Customer, "HasWebPortalAccess")),
    ("web access", Field(Customer, "HasWebPortalAccess")),
    ("status", Field(Customer, "Inactive")),
    ("account status", Field(Customer, "Inactive")),
    ("customer status", Field(Customer, "Inactive")),
    ("active", Field(Customer, "Inactive")),
    ("disabled", Field(Customer, "Inactive")),
    ("pricing", Field(Customer, "PricingMethod")),
    ("price method", Field(Customer, "PricingMethod")),
    ("pricing type", Field(Customer, "PricingMethod")),
    ("rate type", Field(Customer, "PricingMethod")),
    ("price set", Field(Customer, "DefaultPriceSet")),
    ("department", Field(Department, "Name")),
    ("department name", Field(Department, "Name")),
    ("division", Field(Department, "Name")),
    ("cost center", Field(Department, "Name")),
    ("cost centre", Field(Department, "Name")),
    ("contact", ContactName),
    ("contact name", ContactName),
    ("contact person", ContactName),
    ("attention", ContactName),
    ("attn", ContactName),
    ("contact email", Field(Contact, "Email")),
    ("contact email address", Field(Contact, "Email")),
    ("contact phone", Field(Contact, "Phone")),
    ("contact phone number", Field(Contact, "Phone")),
    ("contact mobile", Field(Contact, "Phone")),
    ("mobile", Field(Contact, "Phone")),
    ("cell", Field(Contact, "Phone")),
    ("direct phone", Field(Contact, "Phone")),
    ("first name", FirstName),
    ("first", FirstName),
    ("given name", FirstName),
    ("forename", FirstName),
    ("last name", LastName),
    ("last", LastName),
    ("surname", LastName),
    ("family name", LastName),
];

/// Abbreviations and spellings, word by word, to one word.
const WORDS: &[(&str, &str)] = &[
    ("acct", "account"),
    ("acc", "account"),
    ("no", "number"),
    ("num", "number"),
    ("nbr", "number"),
    ("nr", "number"),
    ("tel", "phone"),
    ("telephone", "phone"),
    ("ph", "phone"),
    ("addr", "address"),
    ("dept", "department"),
    ("cust", "customer"),
    ("co", "company"),
    ("ref", "reference"),
    ("pct", "percent"),
    ("prov", "province"),
    ("website", "website"),
    ("id", "id"),
];

/// The header as lowercase words, abbreviations spelt out: `Acct #` → `account number`,
/// `E-mail Address` → `email address`, `AddressLine1` → `address line 1`.
pub(crate) fn normalise(header: &str) -> String {
    let mut spaced = String::new();
    let mut previous: Option<char> = None;
    for c in header.chars() {
        // Split camel case and letters from digits: `AddressLine1` → `Address Line 1`.
        if let Some(p) = previous
            && ((p.is_lowercase() && c.is_uppercase()) || (p.is_alphabetic() && c.is_ascii_digit()))
        {
            spaced.push(' ');
        }
        match c {
            '#' => spaced.push_str(" number "),
            '%' => spaced.push_str(" percent "),
            '&' | '+' => spaced.push_str(" and "),
            c if c.is_alphanumeric() => spaced.extend(c.to_lowercase()),
            _ => spaced.push(' '),
        }
        previous = Some(c);
    }
    let mut words: Vec<&str> = Vec::new();
    let raw: Vec<&str> = spaced.split_whitespace().collect();
    let mut i = 0;
    while i < raw.len() {
        // `e mail` (from `E-mail`) is one word.
        if raw[i] == "e" && raw.get(i + 1) == Some(&"mail") {
            words.push("email");
            i += 2;
            continue;
        }
        let word = WORDS
            .iter()
            .find(|(from, _)| *from == raw[i])
            .map_or(raw[i], |(_, to)| to);
        words.push(word);
        i += 1;
    }
    words.join(" ")
}

/// Every target the header names, best first: the catalogue's own names, then the synonyms.
pub(crate) fn targets(header: &str) -> Vec<Target> {
    let wanted = normalise(header);
    if wanted.is_empty() {
        return Vec::new();
    }
    let mut found = Vec::new();
    for entity in [Customer, Department, Contact] {
        if entity != Customer {
            // `Name` alone is the customer's; a child's fields go by the synonyms.
            continue;
        }
        for field in entity.fields() {
            if normalise(field.name) == wanted {
                found.push(Field(entity, field.name));
            }
        }
    }
    found.extend(
        SYNONYMS
            .iter()
            .filter(|(phrase, _)| *phrase == wanted)
            .map(|(_, target)| *target),
    );
    found.dedup();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_normalise_as_a_person_reads_them() {
        assert_eq!(normalise("Acct #"), "account number");
        assert_eq!(normalise("E-mail Address"), "email address");
        assert_eq!(normalise("AddressLine1"), "address line 1");
        assert_eq!(normalise("  Zip/Postal   Code "), "zip postal code");
        assert_eq!(normalise("Billing Adj %"), "billing adj percent");
    }

    #[test]
    fn synonyms_name_fields() {
        for (header, field) in [
            ("Customer Name", "Name"),
            ("Company", "Name"),
            ("Account Name", "Name"),
            ("Acct #", "AccountNumber"),
            ("Account No", "AccountNumber"),
            ("Customer Code", "AccountNumber"),
            ("E-mail Address", "Email"),
            ("Zip", "PostalCode"),
            ("Postcode", "PostalCode"),
            ("Street", "AddressLine1"),
            ("Address", "AddressLine1"),
            ("Town", "City"),
            ("Province", "State"),
            ("Region", "State"),
            ("Tel", "Phone"),
            ("Telephone", "Phone"),
            ("PostalCode", "PostalCode"),
        ] {
            assert_eq!(
                targets(header).first(),
                Some(&Field(Customer, field)),
                "{header}"
            );
        }
        assert_eq!(targets("Contact Person"), [ContactName]);
        assert_eq!(targets("Dept"), [Field(Department, "Name")]);
        assert_eq!(targets("Surname"), [LastName]);
    }
}
