//! The stored Customers with their Departments and Contacts, and the create/update rules of the
//! contract: IDs assigned on create, whole-record replace on update, nested children created,
//! updated or kept.
//!
//! Invariant: a post either applies completely or not at all: every check (unknown ID, a child
//! that belongs to another customer) runs before the first change. Customers keep their creation
//! order, which is the order `GET api/customers` lists them in. Customers are never removed one by
//! one (the API has no delete; `clear` resets everything), so every position held by `index` and
//! `text` is a valid index into `list`: the slice indexing below cannot panic.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::{Map, Value as Json};
use uuid::Uuid;

use super::error::ApiError;
use super::filter::Filter;
use super::index::TextIndex;
use super::validate::{ChildBody, CustomerBody};
use ontime_api::{CUSTOMER_FIELDS, Entity, FieldDef};

/// A Department or Contact, stored inside its customer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Child {
    pub id: Uuid,
    /// Lined up with the entity's catalog.
    pub fields: Vec<Json>,
}

/// A stored Customer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Customer {
    pub id: Uuid,
    /// Lined up with [`CUSTOMER_FIELDS`].
    pub fields: Vec<Json>,
    pub departments: Vec<Child>,
    pub contacts: Vec<Child>,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
}

/// Every customer, in creation order, with an index by ID and one by the filtered text fields.
#[derive(Debug, Default, Clone)]
pub(crate) struct Records {
    list: Vec<Customer>,
    index: HashMap<Uuid, usize>,
    text: TextIndex,
}

impl Customer {
    /// A catalog field's value (`null` when blank).
    pub(crate) fn field(&self, name: &str) -> &Json {
        CUSTOMER_FIELDS
            .iter()
            .position(|d| d.name == name)
            .and_then(|at| self.fields.get(at))
            .unwrap_or(&Json::Null)
    }

    pub(crate) fn to_json(&self) -> Json {
        // Serializing plain strings, numbers and maps into a Value cannot fail.
        serde_json::to_value(self).unwrap_or(Json::Null)
    }
}

impl Records {
    pub(crate) fn get(&self, id: Uuid) -> Option<&Customer> {
        self.index.get(&id).map(|&at| &self.list[at])
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &Customer> {
        self.list.iter()
    }

    pub(crate) fn clear(&mut self) {
        *self = Records::default();
    }

    /// The customers matching `filter`, in creation order. Uses the text index when the filter
    /// has a text condition, so an account-number lookup does not scan every customer.
    /// The first lookup by a text field builds that field's index (`&mut`).
    pub(crate) fn list(&mut self, filter: &Filter) -> Vec<&Customer> {
        let (text, list) = (&mut self.text, &self.list);
        let candidates = filter.text_conditions().iter().find_map(|(field, value)| {
            text.lookup(field, value, list.iter().map(|c| c.fields.as_slice()))
        });
        match candidates {
            Some(positions) => positions
                .into_iter()
                .map(|at| &self.list[at])
                .filter(|c| filter.matches(c))
                .collect(),
            None => self.list.iter().filter(|c| filter.matches(c)).collect(),
        }
    }

    /// `customer/post`: creates (no `ID`) or replaces (with `ID`) a customer.
    pub(crate) fn post_customer(
        &mut self,
        body: CustomerBody,
        now: DateTime<Utc>,
    ) -> Result<&Customer, ApiError> {
        let Some(id) = body.id else {
            return self.create(body, now);
        };
        let at = *self.index.get(&id).ok_or_else(|| {
            ApiError::field("ID", format!("is '{id}', but no customer has that ID"))
        })?;
        let customer = &mut self.list[at];
        check_children(&body.departments, &customer.departments, id, "Departments")?;
        check_children(&body.contacts, &customer.contacts, id, "Contacts")?;
        self.text.remove(at, &customer.fields);
        self.text.add(at, &body.fields);
        customer.fields = body.fields;
        merge_children(&mut customer.departments, body.departments);
        merge_children(&mut customer.contacts, body.contacts);
        customer.modified = now;
        Ok(customer)
    }

    fn create(&mut self, body: CustomerBody, now: DateTime<Utc>) -> Result<&Customer, ApiError> {
        for (name, items) in [
            ("Departments", &body.departments),
            ("Contacts", &body.contacts),
        ] {
            for (i, item) in items.iter().enumerate() {
                if let Some(child) = item.id {
                    let problem = format!("is '{child}', but a new customer has no children yet");
                    return Err(ApiError::field(&format!("{name}[{i}].ID"), problem));
                }
                if let Some(parent) = item.customer_id {
                    let problem = format!("is '{parent}', but the customer is being created");
                    return Err(ApiError::field(&format!("{name}[{i}].CustomerID"), problem));
                }
            }
        }
        let new_child = |c: ChildBody| Child {
            id: new_id(),
            fields: c.fields,
        };
        let customer = Customer {
            id: new_id(),
            fields: body.fields,
            departments: body.departments.into_iter().map(new_child).collect(),
            contacts: body.contacts.into_iter().map(new_child).collect(),
            created: now,
            modified: now,
        };
        Ok(self.put(customer))
    }

    /// `department/post` and `contact/post`: creates or replaces one child of the customer named by
    /// `CustomerID`. Returns the child as the answer shows it.
    pub(crate) fn post_child(
        &mut self,
        entity: Entity,
        body: ChildBody,
        now: DateTime<Utc>,
    ) -> Result<Json, ApiError> {
        let customer_id = body
            .customer_id
            .ok_or_else(|| ApiError::field("CustomerID", "is required"))?;
        let at = *self.index.get(&customer_id).ok_or_else(|| {
            ApiError::field(
                "CustomerID",
                format!("is '{customer_id}', but no customer has that ID"),
            )
        })?;
        let customer = &mut self.list[at];
        let children = match entity {
            Entity::Contact => &mut customer.contacts,
            _ => &mut customer.departments,
        };
        let child = match body.id {
            None => {
                children.push(Child {
                    id: new_id(),
                    fields: body.fields,
                });
                children.len() - 1
            }
            Some(id) => {
                let at = children.iter().position(|c| c.id == id).ok_or_else(|| {
                    let problem = format!(
                        "is '{id}', but customer '{customer_id}' has no {entity:?} with that ID"
                    );
                    ApiError::field("ID", problem)
                })?;
                children[at].fields = body.fields;
                at
            }
        };
        customer.modified = now;
        let view = ChildView {
            child: &children[child],
            customer: customer_id,
            defs: entity.fields(),
        };
        // Plain strings and values: serializing into a Value cannot fail.
        Ok(serde_json::to_value(view).unwrap_or(Json::Null))
    }

    /// Stores a customer as given, without checks: seeding by tests and loading the data file.
    /// Known properties are copied whatever their type; a valid `ID` (customer or child) is kept,
    /// others get a new one. A record with an existing ID replaces it. Not an object → an empty
    /// record.
    pub(crate) fn insert_raw(
        &mut self,
        json: &Json,
        created: DateTime<Utc>,
        modified: DateTime<Utc>,
    ) -> Uuid {
        let empty = Map::new();
        let obj = json.as_object().unwrap_or(&empty);
        let raw_children = |name: &str, defs: &[FieldDef]| -> Vec<Child> {
            let items = obj.get(name).and_then(Json::as_array);
            let items = items.map(|v| v.as_slice()).unwrap_or_default();
            let objects = items.iter().filter_map(Json::as_object);
            objects
                .map(|c| Child {
                    id: raw_id(c),
                    fields: raw_fields(c, defs),
                })
                .collect()
        };
        let customer = Customer {
            id: raw_id(obj),
            fields: raw_fields(obj, CUSTOMER_FIELDS),
            departments: raw_children("Departments", Entity::Department.fields()),
            contacts: raw_children("Contacts", Entity::Contact.fields()),
            created,
            modified,
        };
        self.put(customer).id
    }

    /// Adds a customer, or replaces the one with its ID.
    fn put(&mut self, customer: Customer) -> &Customer {
        let at = match self.index.get(&customer.id) {
            Some(&at) => {
                self.text.remove(at, &self.list[at].fields);
                self.text.add(at, &customer.fields);
                self.list[at] = customer;
                at
            }
            None => {
                let at = self.list.len();
                self.index.insert(customer.id, at);
                self.text.add(at, &customer.fields);
                self.list.push(customer);
                at
            }
        };
        &self.list[at]
    }
}

/// A new random (version 4) ID. From the thread's CSPRNG rather than `Uuid::new_v4`, which asks
/// the kernel for every ID (a system call each: four per created customer with three children).
fn new_id() -> Uuid {
    uuid::Builder::from_random_bytes(rand::random()).into_uuid()
}

fn raw_id(obj: &Map<String, Json>) -> Uuid {
    let given = obj.get("ID").and_then(Json::as_str);
    given
        .and_then(|s| Uuid::parse_str(s).ok())
        .unwrap_or_else(new_id)
}

fn raw_fields(obj: &Map<String, Json>, defs: &[FieldDef]) -> Vec<Json> {
    let value = |d: &FieldDef| obj.get(d.name).cloned().unwrap_or(Json::Null);
    defs.iter().map(value).collect()
}

/// Nested children with an `ID` must be this customer's; a given `CustomerID` must be its ID.
fn check_children(
    items: &[ChildBody],
    existing: &[Child],
    customer: Uuid,
    name: &str,
) -> Result<(), ApiError> {
    for (i, item) in items.iter().enumerate() {
        if let Some(id) = item.id.filter(|id| existing.iter().all(|c| c.id != *id)) {
            let problem = format!("is '{id}', which is not one of this customer's {name}");
            return Err(ApiError::field(&format!("{name}[{i}].ID"), problem));
        }
        if let Some(parent) = item.customer_id.filter(|p| *p != customer) {
            let problem = format!("is '{parent}', but the customer's ID is '{customer}'");
            return Err(ApiError::field(&format!("{name}[{i}].CustomerID"), problem));
        }
    }
    Ok(())
}

/// Items with an `ID` replace that child whole; items without one are added; the rest are kept.
fn merge_children(existing: &mut Vec<Child>, items: Vec<ChildBody>) {
    for item in items {
        match item
            .id
            .and_then(|id| existing.iter_mut().find(|c| c.id == id))
        {
            Some(child) => child.fields = item.fields,
            None => existing.push(Child {
                id: new_id(),
                fields: item.fields,
            }),
        }
    }
}

/// A child as the API shows it: `ID`, `CustomerID`, then its catalog fields.
struct ChildView<'a> {
    child: &'a Child,
    customer: Uuid,
    defs: &'static [FieldDef],
}

impl Serialize for ChildView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2 + self.defs.len()))?;
        map.serialize_entry("ID", &self.child.id)?;
        map.serialize_entry("CustomerID", &self.customer)?;
        for (def, value) in self.defs.iter().zip(&self.child.fields) {
            map.serialize_entry(def.name, value)?;
        }
        map.end()
    }
}

struct ChildrenView<'a> {
    children: &'a [Child],
    customer: Uuid,
    defs: &'static [FieldDef],
}

impl Serialize for ChildrenView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.children.iter().map(|child| ChildView {
            child,
            customer: self.customer,
            defs: self.defs,
        }))
    }
}

/// The Customer as `GET api/customers/{id}` answers it: `ID`, the catalog fields in catalog
/// order (`null` when blank), `Departments`, `Contacts`.
impl Serialize for Customer {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(3 + CUSTOMER_FIELDS.len()))?;
        map.serialize_entry("ID", &self.id)?;
        for (def, value) in CUSTOMER_FIELDS.iter().zip(&self.fields) {
            map.serialize_entry(def.name, value)?;
        }
        let departments = ChildrenView {
            children: &self.departments,
            customer: self.id,
            defs: Entity::Department.fields(),
        };
        map.serialize_entry("Departments", &departments)?;
        let contacts = ChildrenView {
            children: &self.contacts,
            customer: self.id,
            defs: Entity::Contact.fields(),
        };
        map.serialize_entry("Contacts", &contacts)?;
        map.end()
    }
}
