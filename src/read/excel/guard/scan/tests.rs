//! The scan on small parts, fed whole and in pieces of every size (so that every event, tag
//! and terminator is also met split across two chunks).

#![allow(clippy::unwrap_used)]

use super::*;

/// Scans `xml` as a sheet with a 64-byte event limit, in pieces of each size from 1 to 9 and
/// whole; all must agree.
fn scan(xml: &str) -> Result<(), String> {
    let whole = scan_in(xml, xml.len().max(1));
    for piece in 1..10 {
        assert_eq!(scan_in(xml, piece), whole, "pieces of {piece}: {xml}");
    }
    whole
}

fn scan_in(xml: &str, piece: usize) -> Result<(), String> {
    let mut scanner = Scanner::new(64, true);
    for chunk in xml.as_bytes().chunks(piece) {
        scanner.feed(chunk)?;
    }
    scanner.finish()
}

#[test]
fn ordinary_markup_passes() {
    let sheet = r#"<?xml version="1.0"?><!-- a <comment> --><worksheet><dimension ref="A1:C3"/><sheetData><row r="1"><c r="A1" t="s"><v>12</v></c><c r="B1" s="1"><v>3.5</v></c><c r="C1" t="s"/><c t="s"><v/></c></row><row r="2"><c r="XFD1048576" t="inlineStr"><is><t><![CDATA[x < y]]></t></is></c></row></sheetData></worksheet>"#;
    assert_eq!(scan(sheet), Ok(()));
    // A quoted `>` does not end a tag.
    assert_eq!(scan(r#"<row r="1" x="a>b"><c r="A1"/></row>"#), Ok(()));
}

#[test]
fn long_events_are_refused_wherever_they_are() {
    let long = "x".repeat(65);
    for xml in [
        format!("<a>{long}</a>"),
        format!("<a b=\"{long}\"/>"),
        format!("<!--{long}-->"),
        format!("<!--{}-->", "<>".repeat(40)),
        format!("<![CDATA[{}]]>", "<>".repeat(40)),
        format!("<?pi {long}?>"),
        format!("<row r=\"1\">{}</row>", " ".repeat(100)),
    ] {
        let error = scan(&xml).unwrap_err();
        assert!(error.contains("more than 64 bytes"), "{xml}: {error}");
    }
    // Many short events are fine, however many.
    assert_eq!(scan(&"<a>xx</a>".repeat(100)), Ok(()));
}

#[test]
fn references_past_the_grid_are_refused() {
    for (xml, shown) in [
        (r#"<c r="ZZZZZZ1"/>"#, "ZZZZZZ1"),
        (r#"<c r="XFE1"/>"#, "XFE1"),
        (r#"<c r="A1048577"/>"#, "A1048577"),
        (r#"<c r="A0"/>"#, "A0"),
        (r#"<c r="A99999999999999999999"/>"#, "A99999999999999999999"),
        (r#"<x:row r="1048577"/>"#, "1048577"),
        (r#"<c r="1"/>"#, "\"1\""),
        (r#"<dimension ref="A1:ZZZZ9"/>"#, "ZZZZ9"),
    ] {
        let error = scan(xml).unwrap_err();
        assert!(error.contains(shown), "{xml}: {error}");
    }
    let error = scan(r#"<dimension ref="C3:A1"/>"#).unwrap_err();
    assert!(error.contains("not a range"), "{error}");
}

#[test]
fn shared_string_indexes_must_be_whole_numbers() {
    for bad in ["-1", "abc", "1e3", " 1", "99999999999", "&#49;"] {
        let xml = format!(r#"<c r="A1" t="s"><v>{bad}</v></c>"#);
        let error = scan(&xml).unwrap_err();
        assert!(
            error.contains("cell A1 refers to a shared string"),
            "{bad}: {error}"
        );
    }
    // Quoted `>`, single quotes and a quote in the other kind of quote: the tag is read the
    // same whether taken whole or piece by piece.
    for tag in [
        r#"<c r="A1" x="a>b" t="s">"#,
        r#"<c r='A1' t='s'>"#,
        r#"<c x='"' r="A1" t="s">"#,
        r#"<c x="'>'" r="A1" t="s">"#,
    ] {
        let error = scan(&format!("{tag}<v>x</v></c>")).unwrap_err();
        assert!(
            error.contains("cell A1 refers to a shared string"),
            "{tag}: {error}"
        );
        assert_eq!(scan(&format!("{tag}<v>7</v></c>")), Ok(()), "{tag}");
    }
    let error = scan(r#"<c x=">" r="XFE1"/>"#).unwrap_err();
    assert!(error.contains("XFE1"), "{error}");
    // Other cells' values are not indexes; a `<v>` after the shared cell ended is not one.
    assert_eq!(scan(r#"<c r="A1"><v>-1.5</v></c><v>abc</v>"#), Ok(()));
    assert_eq!(scan(r#"<c r="A1" t="s"/><v>abc</v>"#), Ok(()));
}

#[test]
fn counts_the_shared_strings_promise_must_be_there() {
    let mut scanner = Scanner::new(1024, false);
    scanner
        .feed(br#"<sst uniqueCount="4000000000"><si><t>a</t></si></sst>"#)
        .unwrap();
    let error = scanner.finish().unwrap_err();
    assert!(error.contains("4000000000 strings, but holds 1"), "{error}");
    let mut scanner = Scanner::new(1024, false);
    scanner
        .feed(br#"<sst uniqueCount="2"><si><t>a</t></si><si/></sst>"#)
        .unwrap();
    assert_eq!(scanner.finish(), Ok(()));
}

#[test]
fn ods_row_repeats_past_the_last_row_are_refused() {
    let table = |repeats: &str| {
        format!(
            r#"<table:table><table:table-row table:number-rows-repeated="{repeats}"/><table:table-row/></table:table>"#
        )
    };
    assert_eq!(scan(&table("1048575")), Ok(()));
    let error = scan(&table("1048576")).unwrap_err();
    assert!(error.contains("past row 1048576"), "{error}");
    // Each table counts its own rows.
    assert_eq!(scan(&table("1048575").repeat(3)), Ok(()));
}
