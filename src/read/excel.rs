//! Excel reading (to be written).
use super::*;

pub(super) fn open(path: &Path, _options: &ReadOptions) -> Result<Table, ReadError> {
    Err(ReadError::Format {
        file: path.to_path_buf(),
        cause: "Excel reading is not written yet".into(),
        hint: "",
    })
}

pub(super) fn sheet_names(path: &Path) -> Result<Vec<String>, ReadError> {
    Err(ReadError::Format {
        file: path.to_path_buf(),
        cause: "Excel reading is not written yet".into(),
        hint: "",
    })
}
