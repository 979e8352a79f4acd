//! Email syntax, the one rule both sides apply to an `Email`-kind property: the importer to the
//! cells it converts, the sandbox to the bodies it is sent.
//!
//! Invariant: [`is_email`] is exactly "the `email_address` parser accepts it and it holds a dot";
//! the quick scan in front of the parser only ever says yes where the parser would.

/// An email address with a dot in it. The plain form of nearly every address is recognised by a
/// quick scan; anything else goes to the `email_address` parser, which the scan never
/// contradicts: it accepts a subset of what that parser accepts (checked in the tests).
pub fn is_email(text: &str) -> bool {
    plain_email(text) || (text.parse::<email_address::EmailAddress>().is_ok() && text.contains('.'))
}

/// `local@domain`: a dot-atom local part of ASCII letters, digits and `_+-` (at most 64 bytes),
/// and a domain of two or more labels of ASCII letters, digits and inner `-` (at most 63 bytes
/// each, 254 in all).
fn plain_email(text: &str) -> bool {
    let bytes = text.as_bytes();
    let Some(at) = bytes.iter().position(|&b| b == b'@') else {
        return false;
    };
    let (local, domain) = (&bytes[..at], &bytes[at + 1..]);
    if local.len() > 64 || domain.len() > 254 {
        return false;
    }
    // One pass each; `prev` starts as a dot, so an empty atom or label anywhere is caught as
    // two dots in a row (or a dot at the end).
    let mut prev = b'.';
    for &b in local {
        let class = EMAIL_CLASS[usize::from(b)];
        if !(class & ATOM != 0 || b == b'.' && prev != b'.') {
            return false;
        }
        prev = b;
    }
    if prev == b'.' {
        return false;
    }
    let (mut prev, mut label, mut labels) = (b'.', 0, 1);
    for &b in domain {
        let class = EMAIL_CLASS[usize::from(b)];
        if class & LABEL != 0 {
            label += 1;
            if label > 63 {
                return false;
            }
        } else if b == b'.' {
            // A label ends in a letter or digit.
            if prev == b'.' || prev == b'-' {
                return false;
            }
            labels += 1;
            label = 0;
        } else if b == b'-' && prev != b'.' {
            label += 1;
            if label > 63 {
                return false;
            }
        } else {
            return false;
        }
        prev = b;
    }
    labels >= 2 && prev != b'.' && prev != b'-'
}

/// [`plain_email`]'s byte classes: a dot-atom character of the local part (letters, digits and
/// `_+-`); a letter or digit, which may stand anywhere in a domain label.
const ATOM: u8 = 1;
const LABEL: u8 = 2;
const EMAIL_CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        if byte.is_ascii_alphanumeric() {
            table[b] = ATOM | LABEL;
        } else if matches!(byte, b'_' | b'+' | b'-') {
            table[b] = ATOM;
        }
        b += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quick_email_scan_never_contradicts_the_parser() {
        let long_local = format!("{}@example.com", "a".repeat(65));
        let long_label = format!("a@{}.com", "b".repeat(64));
        let samples = [
            "ann@acme.com",
            "emily.moore@peachtreeclinical.example",
            "a+tag_x-y@mail-1.example.co.uk",
            "A1@B2.C3",
            "ann@acme",
            "ann@@acme.com",
            "ann@acme..com",
            ".ann@acme.com",
            "ann.@acme.com",
            "an..n@acme.com",
            "ann@-acme.com",
            "ann@acme-.com",
            "ann@acme.com.",
            "ann@.acme.com",
            "@acme.com",
            "ann@",
            "ann acme@x.com",
            "Ann <ann@acme.com>",
            "\"ann\"@acme.com",
            "ann@[1.2.3.4]",
            "ann@acme.com@x.com",
            "josé@acme.com",
            &long_local,
            &long_label,
        ];
        for text in &samples[..4] {
            assert!(
                plain_email(text),
                "the quick scan takes the plain form: {text}"
            );
        }
        for text in samples {
            let parser = text.parse::<email_address::EmailAddress>().is_ok() && text.contains('.');
            assert!(!plain_email(text) || parser, "{text}");
            assert_eq!(is_email(text), parser, "{text}");
        }
    }
}
