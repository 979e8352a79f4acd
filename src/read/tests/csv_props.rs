//! The reader against a strict reference reading ([`super::csv_reference`]) on random CSV files:
//! it yields exactly the data rows the reference finds, each at the line where it starts, or
//! it stops with an error naming the line of the quote the reference stops at. Never fewer rows
//! without an error.

use proptest::prelude::*;

use super::csv_reference::{csv_file, expected_rows};
use super::csv_tests::fixture;
use crate::read::{ReadError, ReadOptions, open};

/// What the reader gives: the rows' lines, `None` for a file with no header, or the line of a
/// quote error (any other error fails the test).
fn read_rows(bytes: &[u8]) -> Result<Option<Vec<u64>>, u64> {
    let (_dir, path) = fixture("in.csv", bytes);
    let options = ReadOptions {
        delimiter: Some(b','),
        ..ReadOptions::default()
    };
    let quote_line = |error: ReadError| match error {
        ReadError::Quote { line, .. } => line,
        other => panic!("not a quote error: {other}"),
    };
    let table = match open(&path, &options) {
        Ok(table) => table,
        Err(ReadError::Empty { .. }) => return Ok(None),
        Err(error) => return Err(quote_line(error)),
    };
    let mut lines = Vec::new();
    for row in table.rows {
        lines.push(row.map_err(quote_line)?.number);
    }
    Ok(Some(lines))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn the_reader_finds_what_a_strict_reading_finds(bytes in csv_file(None)) {
        let expected = expected_rows(&bytes, b',');
        let found = read_rows(&bytes);
        prop_assert_eq!(found, expected, "{:?}", String::from_utf8_lossy(&bytes));
    }
}
