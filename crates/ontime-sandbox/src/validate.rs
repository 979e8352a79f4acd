//! Strict validation of request bodies: JSON syntax and shape here; every catalogue property is
//! judged by [`ontime_api::check`], the rule the importer's dry run applies too (types, email
//! syntax, `PricingMethod` names, Guid formats, required fields).
//!
//! It owns nothing but the checks: the result is a typed body whose `fields` line up with the
//! entity's catalog (absent or `null` → `null`). Unknown properties are ignored and dropped, as
//! ASP.NET does. Property names match exactly (PascalCase). Every error names its field, with
//! its path inside the body (`Departments[1].Name`).

use serde_json::{Map, Value as Json};
use uuid::Uuid;

use super::error::ApiError;
use ontime_api::{CUSTOMER_FIELDS, Entity, FieldDef, Violation, Wire};

/// A Department or Contact as posted.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ChildBody {
    pub id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    /// Lined up with the entity's catalog.
    pub fields: Vec<Json>,
}

/// A Customer as posted.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CustomerBody {
    pub id: Option<Uuid>,
    /// Lined up with [`CUSTOMER_FIELDS`].
    pub fields: Vec<Json>,
    pub departments: Vec<ChildBody>,
    pub contacts: Vec<ChildBody>,
}

impl CustomerBody {
    /// The posted `AccountNumber`, when it is a string.
    pub(crate) fn account_number(&self) -> Option<&str> {
        let at = CUSTOMER_FIELDS
            .iter()
            .position(|d| d.name == "AccountNumber")?;
        self.fields.get(at)?.as_str()
    }
}

/// Parses a body that must be one JSON object.
pub(crate) fn object(bytes: &[u8]) -> Result<Map<String, Json>, ApiError> {
    match serde_json::from_slice::<Json>(bytes) {
        Ok(Json::Object(map)) => Ok(map),
        Ok(other) => Err(ApiError::BadRequest(format!(
            "The request body must be a JSON object, not {}.",
            describe(&other)
        ))),
        Err(e) if bytes.iter().all(u8::is_ascii_whitespace) => Err(ApiError::BadRequest(format!(
            "The request body is empty; a JSON object is required ({e})."
        ))),
        Err(e) => Err(ApiError::BadRequest(format!(
            "The request body is not valid JSON: {e}."
        ))),
    }
}

/// Checks a Customer body, its nested Departments and Contacts included. The checked values
/// are moved out of `body`, not copied.
pub(crate) fn customer(mut body: Map<String, Json>) -> Result<CustomerBody, ApiError> {
    let id = guid(body.get("ID"), || "ID".into())?;
    let fields = fields(&mut body, CUSTOMER_FIELDS, &String::new)?;
    let departments = children(&mut body, Entity::Department, "Departments")?;
    let contacts = children(&mut body, Entity::Contact, "Contacts")?;
    Ok(CustomerBody {
        id,
        fields,
        departments,
        contacts,
    })
}

/// Checks a Department or Contact body posted by itself.
pub(crate) fn child(body: Map<String, Json>, entity: Entity) -> Result<ChildBody, ApiError> {
    child_at(body, entity, &String::new)
}

/// Checks a Department or Contact body. `prefix` makes its path in the request (`""` at the
/// top, `"Departments[0]."` nested), called only to name a field in an error: the paths of the
/// fields that pass are never formatted.
fn child_at(
    mut body: Map<String, Json>,
    entity: Entity,
    prefix: &dyn Fn() -> String,
) -> Result<ChildBody, ApiError> {
    Ok(ChildBody {
        id: guid(body.get("ID"), || format!("{}ID", prefix()))?,
        customer_id: guid(body.get("CustomerID"), || format!("{}CustomerID", prefix()))?,
        fields: fields(&mut body, entity.fields(), prefix)?,
    })
}

fn children(
    body: &mut Map<String, Json>,
    entity: Entity,
    name: &str,
) -> Result<Vec<ChildBody>, ApiError> {
    let items = match body.remove(name) {
        None | Some(Json::Null) => return Ok(Vec::new()),
        Some(Json::Array(items)) => items,
        Some(other) => {
            let problem = format!(
                "must be an array of {entity:?} objects, not {}",
                describe(&other)
            );
            return Err(ApiError::field(name, problem));
        }
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let Json::Object(obj) = item else {
            let problem = format!("must be a {entity:?} object, not {}", describe(&item));
            return Err(ApiError::field(&format!("{name}[{i}]"), problem));
        };
        out.push(child_at(obj, entity, &|| format!("{name}[{i}]."))?);
    }
    Ok(out)
}

/// The catalogue's fields of `body`, each checked by [`ontime_api::check`], in catalogue order.
fn fields(
    body: &mut Map<String, Json>,
    defs: &[FieldDef],
    prefix: &dyn Fn() -> String,
) -> Result<Vec<Json>, ApiError> {
    let mut out = Vec::with_capacity(defs.len());
    for def in defs {
        let value = body.remove(def.name).unwrap_or(Json::Null);
        if let Err(violation) = ontime_api::check(def, &Wire::from(&value)) {
            let path = match violation {
                Violation::Item { index, .. } => format!("{}{}[{index}]", prefix(), def.name),
                _ => format!("{}{}", prefix(), def.name),
            };
            return Err(ApiError::field(&path, violation));
        }
        out.push(value);
    }
    Ok(out)
}

/// An optional Guid property (`ID`, `CustomerID`): absent or `null` → `None`.
fn guid(value: Option<&Json>, path: impl Fn() -> String) -> Result<Option<Uuid>, ApiError> {
    match value {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(s)) => Uuid::parse_str(s)
            .map(Some)
            .map_err(|_| ApiError::field(&path(), format!("must be a Guid string, not \"{s}\""))),
        Some(other) => Err(ApiError::field(
            &path(),
            format!("must be a Guid string, not {}", describe(other)),
        )),
    }
}

/// A value as an error message shows it.
fn describe(value: &Json) -> String {
    ontime_api::describe(&Wire::from(value))
}
