//! Workbook reading tests.
