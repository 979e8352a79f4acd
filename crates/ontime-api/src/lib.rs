//! The OnTime contract, as data and rules, with no I/O: the Customer, Department and Contact
//! field catalogue ([`catalogue`]), records as the importer builds them ([`record`]), the one
//! JSON writer of request bodies ([`json`]) and the field rules ([`check`]) that both the
//! importer's dry run and the sandbox apply. `docs/ontime-api.md` describes the contract.

#![warn(unreachable_pub)]

pub mod catalogue;
mod email;
pub mod json;
pub mod record;
mod validate;

pub use catalogue::{
    CONTACT_FIELDS, CUSTOMER_FIELDS, DEPARTMENT_FIELDS, Entity, FieldDef, Kind, PRICING_METHODS,
};
pub use email::is_email;
pub use json::{Member, write_object};
pub use record::{CustomerDraft, Fields, Value, format_number};
pub use validate::{Violation, Wire, check, describe};
