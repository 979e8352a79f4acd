//! Which values of a customer draft a mapping `default` gave, rather than a cell or a constant
//! (`value = …`). A default fills a gap: a create carries it, but an update lays it over OnTime's
//! record only where that property is blank there too (`upload/merge.rs`).
//!
//! Carried beside the draft, one bit per property.
//! Invariant: bit `i` of a mask is property `i` of its entity's catalogue
//! (`ontime_api::catalogue`), and the children's masks are in the draft's order of departments
//! and of contacts.

use ontime_api::Entity;

/// The bit of catalogue index `index` in a mask (the catalogues have fewer than 32 properties).
pub(super) fn bit(index: u8) -> u32 {
    1u32.checked_shl(u32::from(index)).unwrap_or(0)
}

/// A property's position in its entity's catalogue (names come from that catalogue, so it is
/// there; the catalogues have fewer than 256 entries).
pub(super) fn catalog_index(entity: Entity, name: &str) -> u8 {
    let index = entity.fields().iter().position(|d| d.name == name);
    index.unwrap_or(usize::from(u8::MAX)) as u8
}

/// The properties of a draft that mapping defaults gave, per record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Defaulted {
    pub customer: u32,
    pub departments: Vec<u32>,
    pub contacts: Vec<u32>,
}

impl Defaulted {
    /// Whether no default gave any value.
    pub(crate) fn is_empty(&self) -> bool {
        self.customer == 0
            && self.departments.iter().all(|m| *m == 0)
            && self.contacts.iter().all(|m| *m == 0)
    }

    /// Whether a default gave the customer's property `name`.
    pub(crate) fn customer(&self, name: &str) -> bool {
        Defaulted::has(Entity::Customer, self.customer, name)
    }

    /// Whether `mask` (one of `entity`'s) holds property `name`.
    pub(crate) fn has(entity: Entity, mask: u32, name: &str) -> bool {
        mask & bit(catalog_index(entity, name)) != 0
    }

    /// The mask of child `index` of `list` ("Departments" or "Contacts"); 0 past the end.
    pub(crate) fn child(&self, list: &str, index: usize) -> u32 {
        let masks = if list == "Departments" {
            &self.departments
        } else {
            &self.contacts
        };
        masks.get(index).copied().unwrap_or(0)
    }

    /// Bytes that stand for it in a change hash: an update applies a value differently when a
    /// default gave it, so the same body with other defaults is another change.
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.customer.to_le_bytes());
        for masks in [&self.departments, &self.contacts] {
            out.extend_from_slice(&(masks.len() as u64).to_le_bytes());
            for mask in masks {
                out.extend_from_slice(&mask.to_le_bytes());
            }
        }
    }
}
