//! Which column looks like the group key: its values repeat, and within each group of rows
//! sharing a value the other customer columns keep one value (blanks aside), while the
//! department and contact columns vary. Tested on a second pass over the rows for a few
//! candidates, tracking at most [`MAX_GROUPS`] groups each, so memory stays bounded.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use serde::Serialize;

use super::profile::{Column, thousands};
use super::synonyms::{Target, targets};
use crate::mapping::convert::borrowed_text;
use crate::read::Row;
use ontime_api::Entity;

/// Groups followed per candidate; rows of groups first seen later are not compared.
pub(super) const MAX_GROUPS: usize = 20_000;
const MAX_CANDIDATES: usize = 6;

/// The verdict.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct GroupKey {
    pub column: String,
    pub why: String,
    /// Whether several rows share a key (else: one row per customer).
    pub repeats: bool,
    /// Columns that keep one value within every group (customer columns).
    pub constant: Vec<String>,
    /// Columns whose value differs within some group (department and contact columns).
    pub varying: Vec<String>,
}

/// A candidate while the rows are read.
pub(super) struct Candidate {
    index: usize,
    /// Per group: its row count, and per column the hash of its first non-blank value
    /// ([`NONE`] before one, [`VARIED`] once another value came).
    groups: HashMap<u64, (u64, Vec<u64>)>,
    /// Per column: in how many groups it took two different values.
    varies: Vec<u64>,
}

/// The columns worth testing: nearly always filled, with values that repeat, best first
/// (account-number-like headers, then those with more distinct values).
pub(super) fn candidates(columns: &[Column]) -> Vec<Candidate> {
    let mut picked: Vec<(bool, usize, usize)> = columns
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            c.fill_rate >= 0.9
                && c.distinct >= 2
                && (c.distinct_capped || (c.distinct as u64) < c.filled)
        })
        .map(|(i, c)| (account_like(&c.header), c.distinct, i))
        .collect();
    picked.sort_by(|a, b| b.cmp(a));
    picked
        .into_iter()
        .take(MAX_CANDIDATES)
        .map(|(_, _, index)| Candidate {
            index,
            groups: HashMap::new(),
            varies: vec![0; columns.len()],
        })
        .collect()
}

fn account_like(header: &str) -> bool {
    targets(header).contains(&Target::Field(Entity::Customer, "AccountNumber"))
}

const NONE: u64 = 0;
const VARIED: u64 = 1;

/// A value's hash, never [`NONE`] or [`VARIED`].
fn hash(text: &str) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish().max(2)
}

/// The hash of each cell of a row ([`NONE`] for a blank), worked out once for all candidates.
pub(super) fn hashes(row: &Row, width: usize, into: &mut Vec<u64>) {
    into.clear();
    into.extend((0..width).map(|i| {
        row.cells
            .get(i)
            .and_then(borrowed_text)
            .map_or(NONE, |text| hash(&text))
    }));
}

impl Candidate {
    /// Takes a row, as its cells' [`hashes`].
    pub(super) fn add(&mut self, row: &[u64]) {
        let key = row[self.index];
        if key == NONE {
            return;
        }
        let width = self.varies.len();
        if !self.groups.contains_key(&key) && self.groups.len() >= MAX_GROUPS {
            return;
        }
        let (rows, firsts) = self
            .groups
            .entry(key)
            .or_insert_with(|| (0, vec![NONE; width]));
        *rows += 1;
        for (column, first) in firsts.iter_mut().enumerate() {
            let value = row[column];
            if *first == VARIED || value == NONE {
                continue;
            }
            if *first == NONE {
                *first = value;
            } else if *first != value {
                // Counted once per group.
                self.varies[column] += 1;
                *first = VARIED;
            }
        }
    }
}

/// A candidate's result: how many columns stay constant within its groups.
struct Score {
    groups: usize,
    constant: Vec<usize>,
    varying: Vec<usize>,
    index: usize,
    multi: u64,
}

/// The best candidate, or the first column whose values are all different and always given
/// (one row per customer); `None` when neither exists.
pub(super) fn decide(candidates: Vec<Candidate>, columns: &[Column]) -> Option<GroupKey> {
    let scored = candidates.into_iter().filter_map(|c| {
        let multi = c.groups.values().filter(|(rows, _)| *rows > 1).count() as u64;
        if multi == 0 {
            return None;
        }
        let tolerated = multi / 100;
        let (constant, varying): (Vec<usize>, Vec<usize>) = (0..columns.len())
            .filter(|i| *i != c.index && columns[*i].filled > 0)
            .partition(|i| c.varies[*i] <= tolerated);
        Some(Score {
            groups: c.groups.len(),
            constant,
            varying,
            index: c.index,
            multi,
        })
    });
    // Most constant columns wins; on a tie the earlier candidate (account-like, finer).
    let best = scored.fold(None, |best: Option<Score>, s| match &best {
        Some(b) if b.constant.len() >= s.constant.len() => best,
        _ => Some(s),
    });
    let names = |list: &[usize]| {
        list.iter()
            .map(|i| columns[*i].header.clone())
            .collect::<Vec<_>>()
    };
    if let Some(Score {
        groups,
        constant,
        varying,
        index,
        multi,
    }) = best
        && !constant.is_empty()
    {
        let count = constant.len();
        let column = &columns[index];
        let values = if groups >= MAX_GROUPS {
            format!("{}+", thousands(MAX_GROUPS))
        } else {
            thousands(groups)
        };
        let why = format!(
            "{} of its {values} values are on several rows, and within each such group {count} other columns keep one value",
            thousands(multi as usize)
        );
        return Some(GroupKey {
            column: column.header.clone(),
            why,
            repeats: true,
            constant: names(&constant),
            varying: names(&varying),
        });
    }
    // Past the distinct cap a column is unique as far as the candidates' pass could tell.
    let unique = columns.iter().filter(|c| {
        c.fill_rate >= 1.0
            && (c.distinct_capped || c.distinct as u64 == c.filled)
            && !c.header.is_empty()
    });
    let chosen = unique
        .clone()
        .find(|c| account_like(&c.header))
        .or_else(|| unique.clone().next())?;
    Some(GroupKey {
        column: chosen.header.clone(),
        why: "no column repeats its values with the others constant: one row per customer, and every value of this column is given once".to_string(),
        repeats: false,
        constant: columns
            .iter()
            .filter(|c| c.header != chosen.header)
            .map(|c| c.header.clone())
            .collect(),
        varying: Vec::new(),
    })
}
