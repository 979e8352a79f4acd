//! Text as the xlsx parts encode it: XML references (`&amp;`, `&#x41;`), XML 1.0 line ends,
//! and Excel's own `_xHHHH_` escapes, decoded the way calamine decodes them.
//!
//! It owns these conversions only; where text starts and ends is [`super::xml`]'s business.
//! Invariant: text without references, CRs or escapes is copied unchanged.

use memchr::memchr;

use super::xml::XmlError;

/// Appends the character an entity or character reference stands for, as quick-xml resolves
/// it for calamine (the five XML entities and `#NN`/`#xHH`).
pub(crate) fn push_reference(name: &str, out: &mut String) -> Result<(), XmlError> {
    let resolved = match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "apos" => '\'',
        "quot" => '"',
        _ => {
            let code = match name.strip_prefix("#x") {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => name.strip_prefix('#').and_then(|dec| dec.parse().ok()),
            };
            code.filter(|&code| code != 0)
                .and_then(char::from_u32)
                .ok_or_else(|| format!("an unknown entity `&{name};`"))?
        }
    };
    out.push(resolved);
    Ok(())
}

/// Appends `text` with XML 1.0 line ends normalised (`\r\n` and `\r` become `\n`).
pub(crate) fn push_normalized(text: &str, out: &mut String) {
    let mut rest = text;
    while let Some(cr) = memchr(b'\r', rest.as_bytes()) {
        out.push_str(&rest[..cr]);
        out.push('\n');
        rest = rest[cr + 1..].strip_prefix('\n').unwrap_or(&rest[cr + 1..]);
    }
    out.push_str(rest);
}

/// An attribute value with its references resolved (calamine's `decode_attr`).
pub(crate) fn decode_attribute(raw: &str) -> Result<String, XmlError> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = memchr(b'&', rest.as_bytes()) {
        out.push_str(&rest[..amp]);
        let semicolon =
            memchr(b';', &rest.as_bytes()[amp..]).ok_or("an entity reference without its `;`")?;
        push_reference(&rest[amp + 1..amp + semicolon], &mut out)?;
        rest = &rest[amp + semicolon + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Appends `text` with Excel's escapes decoded: `_xHHHH_` is the UTF-16 code unit HHHH
/// (surrogate pairs as two escapes; a lone surrogate is U+FFFD), and `_x005F_` escapes a
/// literal `_`. Text without escapes is copied as it is.
pub(crate) fn push_unescaped(text: &str, out: &mut String) {
    let mut copied = 0;
    let mut search = 0;
    while let Some(offset) = memchr::memchr(b'_', &text.as_bytes()[search..]) {
        let index = search + offset;
        let Some(unit) = escape_at(text, index) else {
            search = index + 1;
            continue;
        };
        out.push_str(&text[copied..index]);
        let mut next = index + ESCAPE_LEN;
        let decoded = match unit {
            0xD800..=0xDBFF => match escape_at(text, next) {
                Some(low @ 0xDC00..=0xDFFF) => {
                    next += ESCAPE_LEN;
                    let code =
                        0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                    char::from_u32(code)
                }
                _ => None,
            },
            _ => char::from_u32(u32::from(unit)),
        };
        out.push(decoded.unwrap_or(char::REPLACEMENT_CHARACTER));
        copied = next;
        search = next;
    }
    out.push_str(&text[copied..]);
}

const ESCAPE_LEN: usize = 7;

/// The code unit of an `_xHHHH_` escape at byte `index` of `text`.
fn escape_at(text: &str, index: usize) -> Option<u16> {
    let bytes = text.as_bytes().get(index..index + ESCAPE_LEN)?;
    if bytes[0] != b'_' || bytes[1] != b'x' || bytes[6] != b'_' {
        return None;
    }
    let hex = std::str::from_utf8(&bytes[2..6]).ok()?;
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u16::from_str_radix(hex, 16).ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn references_and_line_ends() {
        let mut out = String::new();
        for name in ["lt", "gt", "amp", "apos", "quot", "#65", "#x42"] {
            push_reference(name, &mut out).unwrap();
        }
        assert_eq!(out, "<>&'\"AB");
        assert!(push_reference("nbsp", &mut out).is_err());
        assert!(push_reference("#xD800", &mut out).is_err());
        let mut out = String::new();
        push_normalized("a\r\nb\rc\n", &mut out);
        assert_eq!(out, "a\nb\nc\n");
        assert_eq!(decode_attribute("R&amp;D &#x41;").unwrap(), "R&D A");
    }

    #[test]
    fn lone_surrogates_become_replacement_characters() {
        let mut out = String::new();
        push_unescaped("_xD800_x_xDC00__x00e9_", &mut out);
        assert_eq!(out, "\u{FFFD}x\u{FFFD}é");
    }
}
