//! CSV reading (to be written).
use super::*;

pub(super) fn open(path: &Path, _options: &ReadOptions) -> Result<Table, ReadError> {
    Err(ReadError::Format {
        file: path.to_path_buf(),
        cause: "CSV reading is not written yet".into(),
        hint: "",
    })
}
