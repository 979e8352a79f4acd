//! Text that holds a number, read by one rule wherever it comes from (a CSV cell, a text cell
//! of a workbook, a value map, a mapping default). The rule is in `mappings/README.md`
//! ("Numbers"); in short:
//!
//! - A Number field takes digits with an optional sign, one decimal mark (`.` or `,`) and
//!   thousands separators (`,` `.` or a space) in groups of three, and an optional `%`. Text
//!   that reads two ways (`1.500`, `1,500`: one mark before exactly three digits) is refused
//!   with both readings; so are scientific notation, `NaN`, infinities and overflows.
//! - A text field (a phone, postal code, account number…) keeps its text as written, but text
//!   in Excel's scientific notation (`6.17555E+09`, `6,17555E+09`) is refused: its digits are
//!   lost.
//!
//! Invariant: every number taken is finite, and no text is taken in two meanings.

/// What is wrong with text in [`shortened_number`]'s form, for a text field.
pub const SHORTENED: &str = "is in scientific notation: Excel turned a long number into it (as 6.17555E+09 for 6175550100) and the digits after the sixth are lost; in Excel, format the column as Text before the numbers are typed, pasted or imported (Data > From Text/CSV, column data format Text), save the file again and re-run";

/// What is wrong with a number in scientific notation, for a Number field.
const SCIENTIFIC: &str = "is in scientific notation, which Excel uses when a column is too narrow and which may have lost digits; write the number in full (in Excel, format the column as Number), save the file again and re-run";

const NOT_A_NUMBER: &str = "is not a number (expected digits with an optional decimal point or comma, thousands in groups of three and %, such as 12.5, 12,5, 1,234.5 or 12.5%)";

/// Whether `text` is a number in scientific notation with a positive exponent, as Excel shows
/// a long number in a column too narrow for it and as a CSV saved from that sheet holds it:
/// `6.17555E+09`, `6,17555E+09` (a decimal comma), `1E+05`. The digits past the sixth are
/// gone, so it cannot be the phone number, ZIP code or account number it stood for. Cheap for
/// other text: nearly every cell fails on its first two bytes.
#[inline]
pub fn shortened_number(text: &str) -> bool {
    match text.as_bytes() {
        [b'0'..=b'9', b'.' | b',' | b'E' | b'e', ..] | [b'-' | b'+', ..] => {
            shortened_rest(text.as_bytes())
        }
        _ => false,
    }
}

/// [`shortened_number`] past its quick test.
fn shortened_rest(bytes: &[u8]) -> bool {
    let bytes = bytes
        .strip_prefix(b"-")
        .or(bytes.strip_prefix(b"+"))
        .unwrap_or(bytes);
    let Some(e) = bytes.iter().position(|b| matches!(b, b'E' | b'e')) else {
        return false;
    };
    let digits = |part: &[u8]| !part.is_empty() && part.iter().all(u8::is_ascii_digit);
    let mantissa_ok = match &bytes[..e] {
        [first] => first.is_ascii_digit(),
        [first, b'.' | b',', fraction @ ..] => first.is_ascii_digit() && digits(fraction),
        _ => false,
    };
    mantissa_ok
        && bytes[e + 1..]
            .strip_prefix(b"+")
            .is_some_and(|exponent| digits(exponent) && exponent.len() >= 2)
}

/// Whether `text` names a number that is not finite, or one too large for a float: `NaN`,
/// `inf`, `-Infinity`, `1e400`, a 400-digit number. Such text is the leftover of a failed
/// computation or export, never a customer's key. `Infinity` alone is refused too (a float
/// parser reads it as infinity), but `Infinity Freight` is a name.
pub fn not_finite(text: &str) -> bool {
    let lower = text.trim().to_ascii_lowercase();
    let unsigned = lower.trim_start_matches(['-', '+']);
    if matches!(unsigned, "nan" | "inf" | "infinity") {
        return true;
    }
    let numeral = unsigned
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'-' | b'+'))
        && unsigned.bytes().next().is_some_and(|b| b.is_ascii_digit());
    numeral && lower.parse::<f64>().is_ok_and(f64::is_infinite)
}

/// Reads text in a Number field (trimmed, not blank) by the rule above; `%` at the end is
/// dropped (`45%` is 45, as OnTime's percentages are written).
pub fn parse(text: &str) -> Result<f64, String> {
    let text = text.strip_suffix('%').map_or(text, str::trim_end);
    if exponent_form(text) {
        return Err(SCIENTIFIC.into());
    }
    let (negative, body) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (whole, fraction) = split_marks(body)?;
    let number = format!(
        "{}{whole}.{}",
        if negative { "-" } else { "" },
        fraction.unwrap_or("0")
    );
    match number.parse::<f64>() {
        Ok(n) if n.is_finite() => Ok(n),
        _ => Err(NOT_A_NUMBER.into()),
    }
}

/// Digits, marks and a signed exponent: scientific notation in any spelling (`1.5e-7`).
fn exponent_form(text: &str) -> bool {
    let Some((mantissa, exponent)) = text.split_once(['e', 'E']) else {
        return false;
    };
    let exponent = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
    let mantissa = mantissa.strip_prefix(['+', '-']).unwrap_or(mantissa);
    !exponent.is_empty()
        && exponent.bytes().all(|b| b.is_ascii_digit())
        && mantissa.bytes().any(|b| b.is_ascii_digit())
        && mantissa
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b','))
}

/// Thousands separators that are spaces: a space, a no-break space, a narrow no-break space.
fn space_separator(c: char) -> bool {
    matches!(c, ' ' | '\u{a0}' | '\u{202f}')
}

/// The whole digits (separators removed) and the fraction digits of an unsigned number.
fn split_marks(body: &str) -> Result<(String, Option<&str>), String> {
    let (dots, commas) = (body.matches('.').count(), body.matches(',').count());
    let last = body.rfind(['.', ',']);
    // The decimal mark: the last mark, when it is the only one of its kind and the other kind
    // (if any) comes before it; a mark that repeats separates thousands.
    let decimal = match (dots, commas) {
        (0, 0) => None,
        (1, 0) | (0, 1) => last,
        (1, _) if body.rfind('.') == last => last,
        (_, 1) if body.rfind(',') == last => last,
        (_, 0) | (0, _) => None,
        _ => return Err(NOT_A_NUMBER.into()),
    };
    let (whole, fraction) = match decimal {
        Some(at) => (&body[..at], Some(&body[at + 1..])),
        None => (body, None),
    };
    if let Some(fraction) = fraction
        && (fraction.is_empty() || !fraction.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(NOT_A_NUMBER.into());
    }
    let digits = grouped_digits(whole).ok_or_else(|| NOT_A_NUMBER.to_string())?;
    if digits.is_empty() && fraction.is_none() {
        return Err(NOT_A_NUMBER.into());
    }
    if let (Some(at), Some(fraction)) = (decimal, fraction)
        && ambiguous(whole, fraction)
    {
        let name = if body[at..].starts_with(',') {
            "comma"
        } else {
            "point"
        };
        let thousands = format!("{whole}{fraction}");
        let trimmed = fraction.trim_end_matches('0');
        let decimal = if trimmed.is_empty() {
            whole.to_string()
        } else {
            format!("{whole}.{trimmed}")
        };
        return Err(format!(
            "is not clear: a {name} before three digits may separate thousands ({thousands}) or decimals ({decimal}); write {thousands} or {decimal}"
        ));
    }
    Ok((digits, fraction))
}

/// One mark before exactly three digits, after one to three digits that are not just `0`, and
/// no other mark: `1.500` is 1.5 to some and 1500 to others.
fn ambiguous(whole: &str, fraction: &str) -> bool {
    fraction.len() == 3
        && (1..=3).contains(&whole.len())
        && whole.bytes().all(|b| b.is_ascii_digit())
        && whole != "0"
}

/// The digits of a whole part written with or without thousands separators (one kind, groups
/// of three after a first group of one to three); `None` if it is not so written.
fn grouped_digits(whole: &str) -> Option<String> {
    let separator = whole.chars().find(|&c| !c.is_ascii_digit());
    let Some(separator) = separator else {
        return Some(whole.to_string());
    };
    if !(matches!(separator, '.' | ',') || space_separator(separator)) {
        return None;
    }
    let mut groups = whole.split(separator);
    let first = groups.next()?;
    let all_digits = |g: &str| g.bytes().all(|b| b.is_ascii_digit());
    if !(1..=3).contains(&first.len()) || !all_digits(first) {
        return None;
    }
    let mut digits = first.to_string();
    for group in groups {
        if group.len() != 3 || !all_digits(group) {
            return None;
        }
        digits.push_str(group);
    }
    Some(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_one_way_only() {
        for (text, want) in [
            ("12.5", 12.5),
            ("12,5", 12.5),
            ("-3", -3.0),
            ("+0,0625", 0.0625),
            (".5", 0.5),
            (",5", 0.5),
            ("0.125", 0.125),
            ("0,125", 0.125),
            ("1234.567", 1234.567),
            ("1,234.5", 1234.5),
            ("1.234,5", 1234.5),
            ("1,234,567", 1_234_567.0),
            ("1.234.567", 1_234_567.0),
            ("1 234,5", 1234.5),
            ("1\u{a0}234", 1234.0),
            ("1,234.500", 1234.5),
            ("45%", 45.0),
            ("-12,75 %", -12.75),
        ] {
            assert_eq!(parse(text), Ok(want), "{text}");
        }
    }

    #[test]
    fn text_that_reads_two_ways_or_none_is_refused() {
        for text in ["1.500", "1,500", "-1.500", "999,000", "12.500%"] {
            let err = parse(text).expect_err(text);
            assert!(err.starts_with("is not clear"), "{text}: {err}");
        }
        for text in [
            "ten",
            "NaN",
            "inf",
            "-Infinity",
            "12%%",
            "1,2,3",
            "1.234.5",
            "5,",
            "5.",
            "1,23.4",
            "1..2",
            "1.2.3,4",
            "12 34",
            "",
            "-",
            "1_000",
            "0x10",
        ] {
            let err = parse(text).expect_err(text);
            assert_eq!(err, NOT_A_NUMBER, "{text}");
        }
        let huge = "9".repeat(400);
        assert_eq!(parse(&huge), Err(NOT_A_NUMBER.into()));
        for text in ["1e400", "1.5E-07", "6.17555E+09", "6,17555E+09", "2e3"] {
            assert_eq!(parse(text), Err(SCIENTIFIC.into()), "{text}");
        }
    }

    #[test]
    fn scientific_notation_in_text_is_found_with_either_decimal_mark() {
        for text in [
            "6.17555E+09",
            "6,17555E+09",
            "1.23457E+11",
            "-2E+15",
            "1E+05",
            "6.1e+10",
        ] {
            assert!(shortened_number(text), "{text}");
        }
        for text in [
            "6175550100",
            "617-555-0100",
            "1.5",
            "E+09",
            "6.E+09",
            "6.1E+9",
            "1.5E-07",
            "2E+10 units",
            "12.5E+10",
        ] {
            assert!(!shortened_number(text), "{text}");
        }
    }

    #[test]
    fn keys_that_are_not_finite_numbers() {
        for text in [
            "NaN", "nan", "inf", "-inf", "+Inf", "Infinity", "1e400", "-1E400",
        ] {
            assert!(not_finite(text), "{text}");
        }
        let huge = "9".repeat(400);
        assert!(not_finite(&huge));
        for text in [
            "1001",
            "Infinity Freight",
            "Nana",
            "info",
            "1e10",
            "A-1e400",
        ] {
            assert!(!not_finite(text), "{text}");
        }
    }
}
