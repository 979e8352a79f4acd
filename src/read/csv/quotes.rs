//! The quoting rule csv-core does not enforce: a field that starts with a quote (`"`) must end
//! with one, right before a delimiter, a line end or the end of the file; a quote inside it is
//! written twice (`""`). csv-core reads a quote that is never closed, or text after a closing
//! quote, without complaint, and so swallows the records after it into one cell.
//!
//! A quote inside a field that does not start with one is an ordinary character (`12" pipe`),
//! as Excel reads it. The check runs on the raw bytes of one record, and only on records that
//! hold a quote at all. Up to the first place that breaks the rule, csv-core and this rule
//! split a record alike, so the field counted here is the field csv-core was in.

use memchr::memchr;

/// Where a record breaks the rule, as byte offsets into its raw bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct BadQuote {
    /// The 0-based field that opens with the quote.
    pub field: usize,
    /// The offset of the opening quote.
    pub open: usize,
    /// The offset of the quote that was taken to close the field but is followed by text;
    /// `None` when no quote closes it before the end of the file.
    pub close: Option<usize>,
}

/// Checks the raw bytes of one whole record (its line end included, if it has one).
pub(super) fn check(raw: &[u8], delimiter: u8) -> Result<(), BadQuote> {
    if memchr(b'"', raw).is_none() {
        return Ok(());
    }
    let mut field = 0;
    let mut field_start = true;
    let mut at = 0;
    while let Some(&byte) = raw.get(at) {
        if field_start && byte == b'"' {
            at = quoted_end(raw, at, delimiter).map_err(|close| BadQuote {
                field,
                open: at,
                close,
            })?;
            field_start = false;
            continue;
        }
        if byte == delimiter {
            field += 1;
        }
        field_start = byte == delimiter || byte == b'\n' || byte == b'\r';
        at += 1;
    }
    Ok(())
}

/// The offset just past the closing quote of the quoted field opening at `open`, or the
/// offset of a quote followed by text (`Err(Some(..))`), or `Err(None)` at the end of the
/// input inside the field.
fn quoted_end(raw: &[u8], open: usize, delimiter: u8) -> Result<usize, Option<usize>> {
    let mut at = open + 1;
    loop {
        let quote = at + memchr(b'"', &raw[at..]).ok_or(None)?;
        match raw.get(quote + 1) {
            Some(b'"') => at = quote + 2,
            None | Some(b'\r' | b'\n') => return Ok(quote + 1),
            Some(&next) if next == delimiter => return Ok(quote + 1),
            Some(_) => return Err(Some(quote)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bad(raw: &str) -> Option<(usize, usize, Option<usize>)> {
        check(raw.as_bytes(), b',')
            .err()
            .map(|b| (b.field, b.open, b.close))
    }

    #[test]
    fn well_quoted_records_pass() {
        for raw in [
            "a,b,c\n",
            "\"a\",\"b,c\",\"\"\n",
            "\"a\"\"b\",\"x\ny\"\r\n",
            "12\" pipe,x\"y\"\n",
            " \"a\" ,b\n",
            "\"\"\"\"",
            "a,\"b\"\r",
            "",
        ] {
            assert_eq!(bad(raw), None, "{raw:?}");
        }
    }

    #[test]
    fn a_quote_never_closed_or_closed_too_early_is_found() {
        assert_eq!(bad("1,A,\"notes\n2,B,x\n"), Some((2, 4, None)));
        assert_eq!(bad("\"a\"b,c\n"), Some((0, 0, Some(2))));
        assert_eq!(bad("1,\"a\nb,\"c\",d\n"), Some((1, 2, Some(7))));
        assert_eq!(bad("1,\"a\"\"\n"), Some((1, 2, None)));
        assert_eq!(bad("\"a\";b\n"), Some((0, 0, Some(2))));
        assert_eq!(
            check(b"x;\"a\";b\n", b';').err(),
            None,
            "the delimiter ends a quoted field"
        );
    }
}
