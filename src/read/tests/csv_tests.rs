//! CSV reading tests.
