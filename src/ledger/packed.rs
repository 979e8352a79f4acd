//! The records the ledger keeps whole — each customer's server copy and the before-images of
//! the run history — stored deflated: a customer's record is 1–3 KB of JSON whose property
//! names and blanks repeat (its Guids do not), and deflate keeps about half of it: the larger
//! part of a ledger of 100,000 customers with a month of nightly history.
//!
//! Invariant: what [`pack`] wrote, [`unpack`] gives back byte for byte; a value stored as
//! text (written before this format) is read as it is; anything unreadable is `None`, which
//! every reader takes as "no record kept" (an update then reads OnTime first).

use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use rusqlite::types::Value;

/// `json`, deflated, as a BLOB.
pub(super) fn pack(json: &str) -> Value {
    let mut encoder = DeflateEncoder::new(Vec::with_capacity(json.len() / 2), Compression::fast());
    // Writing to a Vec cannot fail.
    match encoder
        .write_all(json.as_bytes())
        .and_then(|()| encoder.finish())
    {
        Ok(bytes) => Value::Blob(bytes),
        Err(_) => Value::Text(json.to_string()),
    }
}

/// The JSON text of a value [`pack`] wrote (or a text value as it is).
pub(super) fn unpack(value: Value) -> Option<String> {
    match value {
        Value::Text(text) => Some(text),
        Value::Blob(bytes) => {
            let mut text = String::with_capacity(bytes.len() * 3);
            DeflateDecoder::new(bytes.as_slice())
                .read_to_string(&mut text)
                .ok()?;
            Some(text)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_packed_comes_back_whole_and_smaller() {
        let json = r#"{"ID":"a","Name":"Acme","Fax":null,"Departments":[{"ID":"d","Name":"X"}],"Comments":"é ✓"}"#.repeat(20);
        let packed = pack(&json);
        let Value::Blob(bytes) = &packed else {
            panic!("a blob")
        };
        assert!(
            bytes.len() < json.len() / 3,
            "{} of {}",
            bytes.len(),
            json.len()
        );
        assert_eq!(unpack(packed).as_deref(), Some(json.as_str()));
        assert_eq!(unpack(Value::Text("{}".into())).as_deref(), Some("{}"));
        assert_eq!(unpack(Value::Blob(vec![1, 2, 3])), None);
        assert_eq!(unpack(Value::Null), None);
    }
}
