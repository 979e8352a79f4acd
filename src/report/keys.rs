//! The report's customer keys: each distinct key once, end to end in one string.

/// A row without a customer key.
pub(super) const NO_KEY: u32 = u32::MAX;

/// The distinct customer keys, end to end in one string. Rows of one customer usually follow
/// each other and share an index; the report holds a million rows' keys in two allocations,
/// where an `Arc<str>` per key made dropping the report a measurable part of a dry run.
#[derive(Default)]
pub(super) struct Keys {
    pub(super) text: String,
    /// Where each key ends in `text`; it starts where the one before it ends.
    pub(super) ends: Vec<usize>,
}

impl Keys {
    pub(super) fn get(&self, index: u32) -> Option<&str> {
        let index = index as usize;
        let end = *self.ends.get(index)?;
        // `before` is below `index`, which is in range.
        let start = index.checked_sub(1).map_or(0, |before| self.ends[before]);
        self.text.get(start..end)
    }

    /// The index of `key`: the last key's if it is the same, else a new one.
    pub(super) fn index(&mut self, key: &str) -> u32 {
        let last = u32::try_from(self.ends.len())
            .unwrap_or(NO_KEY)
            .wrapping_sub(1);
        if self.get(last) == Some(key) {
            return last;
        }
        self.text.push_str(key);
        self.ends.push(self.text.len());
        // 4 billion distinct keys would not fit in memory long before this saturates.
        u32::try_from(self.ends.len() - 1).unwrap_or(NO_KEY)
    }
}
