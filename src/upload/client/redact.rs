//! The API key taken out of everything a server says, before anything reads it: a server (or a
//! proxy) that echoes the `Authorization` header in an error message, a record or a `Location`
//! would otherwise put the key into the report, the errors file, the ledger, the summary or the
//! logs.
//!
//! Invariant: no text or body that [`Redactor::bytes`] or [`Redactor::text`] returns holds the
//! key, as it is or as JSON would escape it; each is replaced by [`REDACTED`].

use std::borrow::Cow;

use memchr::memmem;

/// What the key is replaced with.
pub(super) const REDACTED: &str = "***";

/// Below this length, a key could be any text (`"a"` would take every `a` out of a record):
/// it is then taken out of answers that are only shown (errors), not out of records.
const SHORTEST_IN_RECORDS: usize = 8;

/// The key in the forms a server may echo it in.
pub(super) struct Redactor {
    /// The key as sent, then as a JSON string would carry it (escaped quotes, backslashes and
    /// slashes), each once; empty for an empty key.
    forms: Vec<Vec<u8>>,
}

impl Redactor {
    pub(super) fn new(key: &str) -> Redactor {
        let mut forms: Vec<Vec<u8>> = Vec::new();
        if !key.is_empty() {
            // A string serialises as itself in quotes: those are taken off.
            let quoted = serde_json::to_string(key).unwrap_or_default();
            let json = quoted.get(1..quoted.len().saturating_sub(1)).unwrap_or(key);
            let json = json.to_string();
            for form in [key.to_string(), json.clone(), json.replace('/', "\\/")] {
                if !forms.iter().any(|f| f == form.as_bytes()) {
                    forms.push(form.into_bytes());
                }
            }
        }
        Redactor { forms }
    }

    /// `body` without the key. `record`: the body is data (a success's JSON), where a short key
    /// is left alone (see [`SHORTEST_IN_RECORDS`]).
    pub(super) fn bytes<'b>(&self, body: &'b [u8], record: bool) -> Cow<'b, [u8]> {
        let mut body = Cow::Borrowed(body);
        for form in &self.forms {
            if record && form.len() < SHORTEST_IN_RECORDS {
                continue;
            }
            if memmem::find(&body, form).is_none() {
                continue;
            }
            let mut out = Vec::with_capacity(body.len());
            let mut rest: &[u8] = &body;
            while let Some(at) = memmem::find(rest, form) {
                out.extend_from_slice(&rest[..at]);
                out.extend_from_slice(REDACTED.as_bytes());
                rest = &rest[at + form.len()..];
            }
            out.extend_from_slice(rest);
            body = Cow::Owned(out);
        }
        body
    }

    /// The length of the longest form of the key: a body cut short may end in the start of one.
    pub(super) fn longest(&self) -> usize {
        self.forms.iter().map(Vec::len).max().unwrap_or(0)
    }

    /// `text` (a header, an error's description) without the key.
    pub(super) fn text(&self, text: &str) -> String {
        String::from_utf8_lossy(&self.bytes(text.as_bytes(), false)).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_taken_out_in_every_form() {
        let redactor = Redactor::new(r#"k3y/with"odd\chars"#);
        let body = r#"{"Message":"bad key k3y/with"odd\chars or k3y\/with\"odd\\chars"}"#;
        let out = redactor.bytes(body.as_bytes(), true);
        assert_eq!(
            String::from_utf8_lossy(&out),
            r#"{"Message":"bad key *** or ***"}"#
        );
        assert_eq!(redactor.text("Bearer k3y/with\"odd\\chars!"), "Bearer ***!");
    }

    #[test]
    fn a_body_without_the_key_is_not_copied() {
        let redactor = Redactor::new("secret-key-1");
        assert!(matches!(
            redactor.bytes(b"{\"ID\":\"x\"}", true),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn a_short_key_is_left_in_records_and_taken_out_of_errors() {
        let redactor = Redactor::new("ab");
        assert_eq!(
            &*redactor.bytes(b"{\"Name\":\"abc\"}", true),
            b"{\"Name\":\"abc\"}"
        );
        assert_eq!(redactor.text("key ab refused"), "key *** refused");
        assert_eq!(&*Redactor::new("").bytes(b"x", false), b"x");
    }
}
