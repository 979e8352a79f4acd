//! Tests of the reading stage, on fixtures written by the tests themselves.
#![allow(clippy::unwrap_used)]

mod csv_props;
mod csv_reference;
mod csv_tests;
mod excel_tests;
mod stream_tests;
