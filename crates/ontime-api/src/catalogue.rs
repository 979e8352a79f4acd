//! The field catalogue: which properties a Customer, Department and Contact have, what each one
//! holds on the wire, and which are required (see `docs/ontime-api.md`).
//!
//! It is the one place a field rule lives: the importer's mapping checks its keys against it and
//! converts cells to the kind it names, the importer's dry run and the sandbox's 400s both come
//! from [`crate::check`] reading it. Property names are the exact PascalCase wire names. No
//! lengths are documented for any field, so the catalogue has no length limits.

/// What a property holds on the wire, and so how a spreadsheet cell is converted for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A JSON string.
    Text,
    /// A JSON string that is an email address ([`crate::is_email`]).
    Email,
    /// A JSON string holding a Guid.
    Guid,
    /// A JSON array of Guid strings; in a cell, items separated by `,` or `;`.
    GuidList,
    /// A JSON boolean.
    Bool,
    /// A JSON number.
    Number,
    /// One of [`PRICING_METHODS`].
    PricingMethod,
}

impl Kind {
    /// How the kind is named in messages.
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Email => "an email address",
            Kind::Guid => "a Guid",
            Kind::GuidList => "a list of Guids",
            Kind::Bool => "a yes/no value",
            Kind::Number => "a number",
            Kind::PricingMethod => "a pricing method (None, ZoneToZone, Distance, FlatRate)",
        }
    }
}

/// The values `PricingMethod` accepts, in their exact case.
pub const PRICING_METHODS: [&str; 4] = ["None", "ZoneToZone", "Distance", "FlatRate"];

/// One property of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldDef {
    pub name: &'static str,
    pub kind: Kind,
    /// A record without a non-blank value here is refused.
    pub required: bool,
}

const fn f(name: &'static str, kind: Kind) -> FieldDef {
    FieldDef {
        name,
        kind,
        required: false,
    }
}

/// A required property.
const fn required(name: &'static str, kind: Kind) -> FieldDef {
    FieldDef {
        name,
        kind,
        required: true,
    }
}

/// Every Customer property a mapping may set (all but `ID`, `Departments` and `Contacts`), in the
/// order of the API documentation. `Name` is first.
pub const CUSTOMER_FIELDS: &[FieldDef] = &[
    required("Name", Kind::Text),
    f("PrimaryContactName", Kind::Text),
    f("AddressLine1", Kind::Text),
    f("AddressLine2", Kind::Text),
    f("City", Kind::Text),
    f("State", Kind::Text),
    f("PostalCode", Kind::Text),
    f("Country", Kind::Text),
    f("Phone", Kind::Text),
    f("Fax", Kind::Text),
    f("Email", Kind::Email),
    f("Website", Kind::Text),
    f("AccountNumber", Kind::Text),
    f("DestinationCategories", Kind::Text),
    f("BillingEmail", Kind::Email),
    f("TimeZone", Kind::Text),
    f("ReferenceNumber", Kind::Text),
    f("PurchaseOrderNumber", Kind::Text),
    f("Comments", Kind::Text),
    f("OrderEntryRequiredFields", Kind::Text),
    f("BillingAdjustmentPercentage", Kind::Number),
    f("SendInvoiceByEmail", Kind::Bool),
    f("SendInvoiceByPostal", Kind::Bool),
    f("SendInvoiceByFax", Kind::Bool),
    f("HasWebPortalAccess", Kind::Bool),
    f("Inactive", Kind::Bool),
    f("PricingMethod", Kind::PricingMethod),
    f("DefaultPriceSet", Kind::Guid),
    f("PriceSets", Kind::GuidList),
];

/// Department properties a mapping may set.
pub const DEPARTMENT_FIELDS: &[FieldDef] = &[required("Name", Kind::Text)];

/// Contact properties a mapping may set.
pub const CONTACT_FIELDS: &[FieldDef] = &[
    required("Name", Kind::Text),
    f("Email", Kind::Email),
    f("Phone", Kind::Text),
];

/// The three record types an import writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Entity {
    Customer,
    Department,
    Contact,
}

impl Entity {
    pub fn fields(self) -> &'static [FieldDef] {
        match self {
            Entity::Customer => CUSTOMER_FIELDS,
            Entity::Department => DEPARTMENT_FIELDS,
            Entity::Contact => CONTACT_FIELDS,
        }
    }

    /// The mapping-file table that configures this entity, which is also how messages name it.
    pub fn table(self) -> &'static str {
        match self {
            Entity::Customer => "customer",
            Entity::Department => "department",
            Entity::Contact => "contact",
        }
    }

    pub fn field(self, name: &str) -> Option<FieldDef> {
        self.fields().iter().copied().find(|d| d.name == name)
    }
}
