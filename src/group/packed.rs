//! Customers in compact form: each one's fields, departments and contacts encoded in a single
//! byte buffer, instead of a `String` (and a 48-byte slot) per value.
//!
//! A million-row file names a third of a million customers, and grouping must hold them all
//! until its last row (a customer's rows need not be adjacent). Held as [`CustomerDraft`]s they
//! took ≈ 2.7 KB each; packed, about what their text weighs. A draft is unpacked only when the
//! upload gets to its customer.
//!
//! Encoding (little-endian, lengths and counts as LEB128 varints):
//! `fields := count:u8 (field:u8 value)*`, `field` being the property's index in its entity's
//! catalog, plus [`DEFAULTED`] when a mapping default gave the value; `value := 0 len bytes | 1 (false) | 2 (true) | 3 f64 | 4 count (len bytes)*`;
//! a draft is the customer's fields, then `count fields*` for its departments and again for its
//! contacts. Invariant: only [`Writer`] writes a buffer, so every one read here is well formed
//! (a malformed one reads as empty, never a panic).

use std::borrow::Cow;

use super::Defaulted;
use ontime_api::{CustomerDraft, Entity, Fields, Member, Value, write_object};

const TEXT: u8 = 0;
const FALSE: u8 = 1;
const TRUE: u8 = 2;
const NUMBER: u8 = 3;
const LIST: u8 = 4;

/// Set in a field's byte (beside its catalog index, which is below 128): the value is a mapping
/// default filling a blank, which an update applies only where OnTime's property is blank too.
pub(super) const DEFAULTED: u8 = 0x80;

/// A [`CustomerDraft`], packed.
#[derive(Debug, Clone, PartialEq)]
pub struct PackedDraft(Box<[u8]>);

impl PackedDraft {
    pub fn pack(draft: &CustomerDraft) -> PackedDraft {
        let mut out = Writer::default();
        out.fields(Entity::Customer, &draft.fields);
        out.children(Entity::Department, &draft.departments);
        out.children(Entity::Contact, &draft.contacts);
        out.finish()
    }

    /// Wraps bytes [`Writer`] wrote as a draft.
    pub(super) fn from_bytes(bytes: Vec<u8>) -> PackedDraft {
        PackedDraft(bytes.into_boxed_slice())
    }

    pub fn unpack(&self) -> CustomerDraft {
        let mut input = Reader::new(&self.0);
        let fields = input.fields(Entity::Customer);
        let departments = input.children(Entity::Department);
        let contacts = input.children(Entity::Contact);
        CustomerDraft {
            fields,
            departments,
            contacts,
        }
    }

    /// Which of its values mapping defaults gave.
    pub fn defaulted(&self) -> Defaulted {
        let mut input = Reader::new(&self.0);
        let customer = input.raw_fields(Entity::Customer).1;
        let departments = input.masks(Entity::Department);
        let contacts = input.masks(Entity::Contact);
        Defaulted {
            customer,
            departments,
            contacts,
        }
    }

    /// The body of a create, byte for byte what [`CustomerDraft::to_json_bytes`] writes for
    /// the unpacked draft, written from the packed bytes: no text is copied out first.
    pub fn to_json_bytes(&self) -> Vec<u8> {
        self.json(true)
    }

    /// The same without the departments and contacts (which are then posted one by one).
    pub fn fields_json_bytes(&self) -> Vec<u8> {
        self.json(false)
    }

    fn json(&self, with_children: bool) -> Vec<u8> {
        let mut input = Reader::new(&self.0);
        let (fields, _) = input.raw_fields(Entity::Customer);
        // Each non-empty list of children, written first; then placed among the fields.
        let mut lists = Vec::new();
        let mut named = Vec::new();
        if with_children {
            for (entity, name) in [
                (Entity::Department, "Departments"),
                (Entity::Contact, "Contacts"),
            ] {
                let start = lists.len();
                if input.children_json(entity, &mut lists) {
                    named.push((name, start..lists.len()));
                }
            }
        }
        let children: Vec<(&str, &[u8])> = named
            .into_iter()
            .map(|(name, range)| (name, &lists[range]))
            .collect();
        let mut out = Vec::with_capacity(self.0.len() + 512);
        write_fields(&mut out, &fields, &children);
        out
    }

    /// One customer property's value, without unpacking the rest.
    pub fn get(&self, name: &str) -> Option<Value> {
        self.find(name).map(|mut input| input.value())
    }

    /// A customer property as text ([`Value::display`]), borrowed from the buffer when it is
    /// text: for the passes over every customer that only compare a value.
    pub fn text(&self, name: &str) -> Option<std::borrow::Cow<'_, str>> {
        let mut input = self.find(name)?;
        if input.bytes.get(input.at) == Some(&TEXT) {
            input.byte();
            let len = usize::try_from(input.varint()).unwrap_or(usize::MAX);
            return Some(String::from_utf8_lossy(input.take(len)));
        }
        Some(input.value().display().into())
    }

    /// A reader at the value of customer property `name`, if the customer has it.
    fn find(&self, name: &str) -> Option<Reader<'_>> {
        let wanted = Entity::Customer
            .fields()
            .iter()
            .position(|d| d.name == name)?;
        let mut input = Reader::new(&self.0);
        for _ in 0..input.byte() {
            let field = input.byte() & !DEFAULTED;
            if usize::from(field) == wanted {
                return Some(input);
            }
            input.skip_value();
        }
        None
    }
}

/// Builds packed buffers.
#[derive(Default)]
pub(super) struct Writer(pub Vec<u8>);

impl Writer {
    pub fn finish(self) -> PackedDraft {
        PackedDraft::from_bytes(self.0)
    }

    pub fn byte(&mut self, byte: u8) {
        self.0.push(byte);
    }

    pub fn varint(&mut self, mut n: u64) {
        while n >= 0x80 {
            // The low seven bits, with the continuation bit: the cast keeps exactly those.
            self.0.push((n as u8) | 0x80);
            n >>= 7;
        }
        self.0.push(n as u8);
    }

    /// A signed number, zigzag-encoded so small ones of either sign take one byte.
    pub fn signed(&mut self, n: i64) {
        self.varint(((n << 1) ^ (n >> 63)) as u64);
    }

    fn text(&mut self, text: &str) {
        self.varint(text.len() as u64);
        self.0.extend_from_slice(text.as_bytes());
    }

    pub fn value(&mut self, value: &Value) {
        match value {
            Value::Text(text) => {
                self.byte(TEXT);
                self.text(text);
            }
            Value::Bool(false) => self.byte(FALSE),
            Value::Bool(true) => self.byte(TRUE),
            Value::Number(n) => {
                self.byte(NUMBER);
                self.0.extend_from_slice(&n.to_le_bytes());
            }
            Value::List(items) => {
                self.byte(LIST);
                self.varint(items.len() as u64);
                for item in items {
                    self.text(item);
                }
            }
        }
    }

    /// A set of properties of `entity` (at most its catalog's size, which fits a byte).
    pub fn fields(&mut self, entity: Entity, fields: &Fields) {
        self.flagged_fields(entity, fields, 0);
    }

    /// The same, the properties whose bit is set in `defaulted` (by catalog index) marked as
    /// given by a mapping default.
    pub fn flagged_fields(&mut self, entity: Entity, fields: &Fields, defaulted: u32) {
        self.byte(fields.0.len() as u8);
        for (name, value) in &fields.0 {
            let index = catalog_index(entity, name);
            let flag = if defaulted & bit(index) != 0 {
                DEFAULTED
            } else {
                0
            };
            self.byte(index | flag);
            self.value(value);
        }
    }

    pub fn children(&mut self, entity: Entity, children: &[Fields]) {
        self.varint(children.len() as u64);
        for child in children {
            self.fields(entity, child);
        }
    }

    /// Children with the mask of the properties mapping defaults gave each.
    pub fn flagged_children(&mut self, entity: Entity, children: &[(Fields, u32)]) {
        self.varint(children.len() as u64);
        for (child, defaulted) in children {
            self.flagged_fields(entity, child, *defaulted);
        }
    }
}

/// A value as it lies in a packed buffer: text borrowed from it, anything else read out.
enum Raw<'a> {
    Text(Cow<'a, str>),
    Other(Value),
}

impl Raw<'_> {
    fn member(&self) -> Member<'_> {
        match self {
            Raw::Text(text) => Member::Text(text),
            Raw::Other(value) => Member::Value(value),
        }
    }

    fn into_value(self) -> Value {
        match self {
            Raw::Text(text) => Value::Text(text.into_owned()),
            Raw::Other(value) => value,
        }
    }
}

/// Writes `fields` as one JSON object, with each list of `children` (already JSON text) under
/// its name among them.
fn write_fields(out: &mut Vec<u8>, fields: &[(&'static str, Raw<'_>)], children: &[(&str, &[u8])]) {
    let mut members: Vec<(&str, Member<'_>)> = fields
        .iter()
        .map(|(name, raw)| (*name, raw.member()))
        .chain(
            children
                .iter()
                .map(|(name, json)| (*name, Member::Json(json))),
        )
        .collect();
    write_object(out, &mut members);
}

/// The bit of catalog index `index` in a mask of [`Defaulted`] (the catalogs have fewer than 32
/// properties).
pub(super) fn bit(index: u8) -> u32 {
    1u32.checked_shl(u32::from(index)).unwrap_or(0)
}

/// A property's position in its entity's catalog (names come from that catalog, so it is
/// there; the catalogs have fewer than 256 entries).
pub(super) fn catalog_index(entity: Entity, name: &str) -> u8 {
    let index = entity.fields().iter().position(|d| d.name == name);
    index.unwrap_or(usize::from(u8::MAX)) as u8
}

/// Reads packed buffers. Past the end every read gives zeros, so a malformed buffer reads as
/// empty fields rather than panicking.
pub(super) struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, at: 0 }
    }

    pub fn byte(&mut self) -> u8 {
        let byte = self.bytes.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        byte
    }

    pub fn varint(&mut self) -> u64 {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.byte();
            n |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                break;
            }
        }
        n
    }

    pub fn signed(&mut self) -> i64 {
        let n = self.varint();
        ((n >> 1) as i64) ^ -((n & 1) as i64)
    }

    fn take(&mut self, len: usize) -> &'a [u8] {
        let end = self.at.saturating_add(len).min(self.bytes.len());
        let start = self.at.min(end);
        self.at = self.at.saturating_add(len);
        &self.bytes[start..end]
    }

    fn text(&mut self) -> String {
        let len = usize::try_from(self.varint()).unwrap_or(usize::MAX);
        String::from_utf8_lossy(self.take(len)).into_owned()
    }

    pub fn value(&mut self) -> Value {
        match self.byte() {
            TEXT => Value::Text(self.text()),
            FALSE => Value::Bool(false),
            TRUE => Value::Bool(true),
            NUMBER => {
                let mut bytes = [0u8; 8];
                let taken = self.take(8);
                bytes[..taken.len()].copy_from_slice(taken);
                Value::Number(f64::from_le_bytes(bytes))
            }
            LIST => {
                let count = self.varint();
                let items = (0..count).map_while(|_| self.more().then(|| self.text()));
                Value::List(items.collect())
            }
            _ => Value::Text(String::new()),
        }
    }

    /// Steps over a value, returning its bytes (tag included).
    pub fn skip_value(&mut self) -> &'a [u8] {
        let start = self.at.min(self.bytes.len());
        match self.byte() {
            TEXT => {
                let len = usize::try_from(self.varint()).unwrap_or(usize::MAX);
                self.take(len);
            }
            NUMBER => {
                self.take(8);
            }
            LIST => {
                for _ in 0..self.varint() {
                    if !self.more() {
                        break;
                    }
                    let len = usize::try_from(self.varint()).unwrap_or(usize::MAX);
                    self.take(len);
                }
            }
            _ => {}
        }
        &self.bytes[start..self.at.min(self.bytes.len())]
    }

    /// Whether bytes are left.
    pub fn more(&self) -> bool {
        self.at < self.bytes.len()
    }

    /// The bytes not read yet.
    pub fn rest(&self) -> &'a [u8] {
        &self.bytes[self.at.min(self.bytes.len())..]
    }

    pub fn fields(&mut self, entity: Entity) -> Fields {
        self.flagged_fields(entity).0
    }

    /// An entity's fields, with the mask of those mapping defaults gave.
    pub fn flagged_fields(&mut self, entity: Entity) -> (Fields, u32) {
        let (fields, defaulted) = self.raw_fields(entity);
        let fields = fields
            .into_iter()
            .map(|(name, raw)| (name, raw.into_value()));
        (Fields(fields.collect()), defaulted)
    }

    /// An entity's fields as they lie in the buffer, text borrowed (unknown catalog indexes
    /// skipped): [`Reader::fields`] owns them, the JSON writer borrows them. With them, the
    /// mask (by catalog index) of those a mapping default gave.
    fn raw_fields(&mut self, entity: Entity) -> (Vec<(&'static str, Raw<'a>)>, u32) {
        let count = self.byte();
        let mut fields = Vec::with_capacity(usize::from(count));
        let mut defaulted = 0;
        for _ in 0..count {
            let byte = self.byte();
            let index = byte & !DEFAULTED;
            let def = entity.fields().get(usize::from(index));
            if byte & DEFAULTED != 0 && def.is_some() {
                defaulted |= bit(index);
            }
            let value = if self.bytes.get(self.at) == Some(&TEXT) {
                self.byte();
                let len = usize::try_from(self.varint()).unwrap_or(usize::MAX);
                Raw::Text(String::from_utf8_lossy(self.take(len)))
            } else {
                Raw::Other(self.value())
            };
            if let Some(def) = def {
                fields.push((def.name, value));
            }
        }
        (fields, defaulted)
    }

    /// Writes what [`Reader::children`] reads as a JSON list to `out`, unless it is empty;
    /// whether it wrote it.
    fn children_json(&mut self, entity: Entity, out: &mut Vec<u8>) -> bool {
        let count = self.varint();
        let mut written = false;
        for _ in 0..count {
            if !self.more() {
                break;
            }
            out.push(if written { b',' } else { b'[' });
            written = true;
            let (fields, _) = self.raw_fields(entity);
            write_fields(out, &fields, &[]);
        }
        if written {
            out.push(b']');
        }
        written
    }

    pub fn children(&mut self, entity: Entity) -> Vec<Fields> {
        let count = self.varint();
        (0..count)
            .map_while(|_| self.more().then(|| self.fields(entity)))
            .collect()
    }

    /// For each child, the mask of the properties mapping defaults gave.
    fn masks(&mut self, entity: Entity) -> Vec<u32> {
        let count = self.varint();
        (0..count)
            .map_while(|_| self.more().then(|| self.raw_fields(entity).1))
            .collect()
    }

    /// Children with the mask of the properties mapping defaults gave each.
    pub fn flagged_children(&mut self, entity: Entity) -> Vec<(Fields, u32)> {
        let count = self.varint();
        (0..count)
            .map_while(|_| self.more().then(|| self.flagged_fields(entity)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draft_unpacks_to_what_was_packed() {
        let mut draft = CustomerDraft::default();
        let text = |s: &str| Value::Text(s.into());
        draft
            .fields
            .set(Entity::Customer, "Name", text("Ünïcødé & Co"));
        draft
            .fields
            .set(Entity::Customer, "Inactive", Value::Bool(true));
        draft
            .fields
            .set(Entity::Customer, "SendInvoiceByFax", Value::Bool(false));
        draft.fields.set(
            Entity::Customer,
            "BillingAdjustmentPercentage",
            Value::Number(-12.5),
        );
        draft.fields.set(
            Entity::Customer,
            "PriceSets",
            Value::List(vec!["a".into(), String::new(), "x".repeat(300)]),
        );
        draft.fields.set(Entity::Customer, "Comments", text(""));
        let mut contact = Fields::default();
        contact.set(Entity::Contact, "Email", text("ann@acme.com"));
        contact.set(Entity::Contact, "Name", text("Ann"));
        draft.contacts = vec![contact, Fields::default()];
        draft.departments = vec![Fields(vec![("Name", text("Ops"))])];
        let packed = PackedDraft::pack(&draft);
        assert_eq!(packed.unpack(), draft);
        assert_eq!(packed.to_json_bytes(), draft.to_json_bytes());
        let mut alone = draft.clone();
        alone.departments.clear();
        alone.contacts.clear();
        assert_eq!(packed.fields_json_bytes(), alone.to_json_bytes());
        assert_eq!(packed.get("Name"), Some(text("Ünïcødé & Co")));
        assert_eq!(packed.get("Inactive"), Some(Value::Bool(true)));
        assert_eq!(packed.get("Comments"), Some(text("")));
        assert_eq!(packed.get("City"), None);
        assert_eq!(packed.get("NoSuchField"), None);
    }

    #[test]
    fn the_defaults_bit_rides_along_and_never_reaches_the_body() {
        let text = |s: &str| Value::Text(s.into());
        let mut customer = Fields::default();
        customer.set(Entity::Customer, "Name", text("Acme"));
        customer.set(Entity::Customer, "Country", text("US"));
        let mut contact = Fields::default();
        contact.set(Entity::Contact, "Name", text("Ann"));
        contact.set(Entity::Contact, "Phone", text("000"));
        let country = bit(catalog_index(Entity::Customer, "Country"));
        let phone = bit(catalog_index(Entity::Contact, "Phone"));
        let mut out = Writer::default();
        out.flagged_fields(Entity::Customer, &customer, country);
        out.flagged_children(Entity::Department, &[(Fields::default(), 0)]);
        out.flagged_children(
            Entity::Contact,
            &[(contact.clone(), phone), (contact.clone(), 0)],
        );
        let packed = out.finish();
        let draft = CustomerDraft {
            fields: customer,
            departments: vec![Fields::default()],
            contacts: vec![contact.clone(), contact],
        };
        assert_eq!(packed.unpack(), draft);
        assert_eq!(packed.to_json_bytes(), draft.to_json_bytes());
        assert_eq!(packed.get("Country"), Some(text("US")));
        assert_eq!(
            packed.defaulted(),
            Defaulted {
                customer: country,
                departments: vec![0],
                contacts: vec![phone, 0],
            }
        );
        assert!(packed.defaulted().customer("Country"));
        assert!(!packed.defaulted().customer("Name"));
        assert!(PackedDraft::pack(&draft).defaulted().is_empty());
    }

    #[test]
    fn a_truncated_buffer_reads_as_less_never_a_panic() {
        let mut draft = CustomerDraft::default();
        draft
            .fields
            .set(Entity::Customer, "Name", Value::Text("Acme".into()));
        draft.fields.set(
            Entity::Customer,
            "PriceSets",
            Value::List(vec!["a".into(); 3]),
        );
        draft.contacts = vec![Fields(vec![("Name", Value::Text("Bo".into()))])];
        let PackedDraft(bytes) = PackedDraft::pack(&draft);
        for len in 0..bytes.len() {
            let cut = PackedDraft(bytes[..len].into());
            let _ = cut.unpack();
            let _ = cut.get("PriceSets");
            let _ = cut.defaulted();
            assert_eq!(cut.to_json_bytes(), cut.unpack().to_json_bytes());
        }
    }

    #[test]
    fn varints_round_trip() {
        for n in [0, 1, 127, 128, 300, 1 << 32, u64::MAX] {
            let mut out = Writer::default();
            out.varint(n);
            assert_eq!(Reader::new(&out.0).varint(), n);
        }
        for n in [0, 1, -1, 63, -64, 64, 1 << 40, i64::MIN, i64::MAX] {
            let mut out = Writer::default();
            out.signed(n);
            assert_eq!(Reader::new(&out.0).signed(), n, "{n}");
        }
    }
}
