//! One cell of the report's CSV, written by hand: neutralised against spreadsheet formula
//! injection and quoted as the csv crate's default writer quotes, byte for byte (a test holds
//! the two together), at a fraction of its cost per cell.

/// Appends `text` as one CSV cell, neutralised: a formula gets a `'` in front, and a cell with a
/// comma, a quote or a line break is quoted, its quotes doubled. That is byte for byte what the
/// csv crate's default writer makes of it (a test holds the two together), at a fraction of the
/// cost per cell.
pub(super) fn push_cell(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    let prefix: &[u8] = if is_formula(text) { b"'" } else { b"" };
    if !bytes
        .iter()
        .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
    {
        out.extend_from_slice(prefix);
        out.extend_from_slice(bytes);
        return;
    }
    out.push(b'"');
    out.extend_from_slice(prefix);
    for part in bytes.split_inclusive(|b| *b == b'"') {
        out.extend_from_slice(part);
        if part.ends_with(b"\"") {
            out.push(b'"');
        }
    }
    out.push(b'"');
}

/// Appends `number` in decimal.
pub(super) fn push_number(out: &mut Vec<u8>, mut number: u64) {
    // u64::MAX has 20 digits.
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (number % 10) as u8;
        number /= 10;
        if number == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[start..]);
}

/// Whether a spreadsheet program would run the cell as a formula: a leading `=`, `+`, `-`, `@`,
/// TAB or CR. Plain numbers (`-3`) are left alone.
fn is_formula(text: &str) -> bool {
    matches!(
        text.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    ) && text.parse::<f64>().is_err()
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// The report's line for these cells as the csv crate writes them, after the neutralising
    /// rule as first written (`starts_with` on chars): what `push_cell` must match byte for
    /// byte.
    pub(in crate::report) fn csv_crate_line(cells: &[&str]) -> String {
        fn neutralised(text: &str) -> String {
            let risky = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
            if risky && text.parse::<f64>().is_err() {
                format!("'{text}")
            } else {
                text.to_string()
            }
        }
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer
            .write_record(cells.iter().map(|c| neutralised(c)))
            .expect("write");
        String::from_utf8(writer.into_inner().expect("flush")).expect("utf-8")
    }

    fn cell(text: &str) -> String {
        let mut out = Vec::new();
        push_cell(&mut out, text);
        String::from_utf8(out).expect("utf-8")
    }

    /// Cells that take every branch: formulas, numbers, quoting, both at once, non-ASCII.
    const TRICKY: [&str; 27] = [
        "",
        "Acme",
        "a,b",
        "say \"hi\"",
        "\"",
        "\"\"",
        "line\nbreak",
        "cr\rx",
        "=HYPERLINK(\"x\")",
        "=1,2",
        "@SUM(A1)",
        "+1 617 555",
        "-3",
        "-3.5e2",
        "+7",
        "-inf",
        "-",
        "=",
        "\tx",
        "\r",
        "\r\n",
        "#comment",
        " =not first",
        "'quoted'",
        "Zürich, Straße",
        "=\"Zürich\"",
        "-\"x\",y",
    ];

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("+1 617 555"), "'+1 617 555");
        assert_eq!(cell("\tx"), "'\tx");
        assert_eq!(cell("-3"), "-3");
        assert_eq!(cell("Acme"), "Acme");
        assert_eq!(cell("a,\"b\""), "\"a,\"\"b\"\"\"");
    }

    #[test]
    fn cells_are_what_the_csv_crate_writes() {
        for text in TRICKY {
            let mut line = Vec::new();
            push_cell(&mut line, text);
            line.extend_from_slice(b",x,");
            push_cell(&mut line, text);
            line.push(b'\n');
            assert_eq!(
                String::from_utf8(line).expect("utf-8"),
                csv_crate_line(&[text, "x", text]),
                "{text:?}"
            );
        }
    }

    #[test]
    fn numbers_are_written_in_decimal() {
        for number in [0, 7, 10, 1_000_000, u64::MAX] {
            let mut out = Vec::new();
            push_number(&mut out, number);
            assert_eq!(out, number.to_string().as_bytes());
        }
    }
}
