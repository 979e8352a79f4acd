//! Stage 2: the mapping file — which column feeds which OnTime property, and how cells convert.
//!
//! `parse` turns the TOML text into a [`Mapping`], reporting every problem in the file at once
//! with its line; `bind` checks it against a table's real headers and resolves columns to
//! indexes; `shape` builds a cell from several cells or cleans one (`join`, `pad`, `trim`,
//! `replace`); `convert` turns one cell into a value of a property's kind. Nothing here reads rows
//! or decides about customers: that is `group`'s business.

mod bind;
pub mod convert;
pub mod number;
mod parse;
mod shape;

use std::fmt;
use std::path::{Path, PathBuf};

pub use bind::{Binding, Column, FieldBinding, bind};
pub use parse::parse;
pub use shape::{Derived, Shape, Trim};

use crate::read::ReadOptions;
use ontime_api::{Entity, FieldDef, Value};

/// A validated mapping file.
#[derive(Debug, Clone)]
pub struct Mapping {
    pub path: PathBuf,
    /// How to read the input file.
    pub source: ReadOptions,
    /// The columns whose values, together, identify a customer's rows.
    pub group_by: Vec<HeaderRef>,
    pub customer: Vec<Rule>,
    pub department: Option<ChildMap>,
    pub contact: Option<ChildMap>,
    pub match_by: MatchBy,
    /// `[match] also_by`: the field a customer that `match_by` does not find is matched by
    /// (Name compared normalised, [`crate::upload::normalised_name`]; other fields as
    /// `match_by` compares).
    pub also_by: Option<&'static str>,
}

impl Mapping {
    /// The line of the mapping file, for messages such as "default.toml:12".
    pub fn at(&self, line: usize) -> String {
        format!("{}:{line}", self.path.display())
    }
}

/// A column named in the mapping file, with the line that names it.
#[derive(Debug, Clone, PartialEq)]
pub struct HeaderRef {
    pub name: String,
    pub line: usize,
}

/// How one property gets its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub field: FieldDef,
    pub line: usize,
    pub source: RuleSource,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RuleSource {
    /// From a column; `default` when the cell is blank; `map` looked up first (keys trimmed and
    /// lowercased; a `None` value means "treat as blank"). With a `shape`, the cell is built
    /// first: `column` is then the first of the columns it reads.
    Column {
        column: HeaderRef,
        default: Option<Value>,
        map: Vec<(String, Option<Value>)>,
        shape: Option<Shape>,
    },
    /// The same value for every customer, written over whatever OnTime holds: the mapping
    /// author's explicit choice.
    Constant(Value),
    /// A default with no column: the value for every customer, as a gap filler.
    Default(Value),
}

impl RuleSource {
    /// The value that fills the property when no cell gives one, and whether it is a default
    /// (a gap filler: on an update it applies only where OnTime's property is blank too) rather
    /// than a constant (applied always).
    pub fn fallback(&self) -> Option<(&Value, bool)> {
        match self {
            RuleSource::Column { default, .. } => default.as_ref().map(|value| (value, true)),
            RuleSource::Default(value) => Some((value, true)),
            RuleSource::Constant(value) => Some((value, false)),
        }
    }
}

/// `[department]` or `[contact]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ChildMap {
    pub entity: Entity,
    pub origin: Origin,
    pub rules: Vec<Rule>,
}

/// Where a child table's rows come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// The same rows as the customer.
    SameRows,
    /// Another sheet of the input workbook, or another file (relative to the input), whose
    /// `link` columns hold the customer's group key.
    Elsewhere {
        file: Option<PathBuf>,
        read: ReadOptions,
        link: Vec<HeaderRef>,
    },
}

impl ChildMap {
    /// The file this child table reads: the input itself, or its own file beside it.
    pub fn file(&self, input: &Path) -> PathBuf {
        match &self.origin {
            Origin::Elsewhere {
                file: Some(file), ..
            } => input.parent().unwrap_or(Path::new("")).join(file),
            _ => input.to_path_buf(),
        }
    }
}

/// How existing OnTime customers are found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchBy {
    /// Always create.
    None,
    /// By this property (AccountNumber, Name, ReferenceNumber or Email).
    Field(&'static str),
}

/// The properties `[match] by` accepts, with the `GET api/customers` filter each uses.
pub const MATCH_FIELDS: [(&str, &str); 4] = [
    ("AccountNumber", "accountNumber"),
    ("Name", "name"),
    ("ReferenceNumber", "referenceNumber"),
    ("Email", "email"),
];

/// Every problem found in a mapping file (or in binding it to the input), each with its line.
#[derive(Debug, thiserror::Error)]
pub struct MappingErrors {
    pub path: PathBuf,
    pub problems: Vec<Problem>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// 1-based line in the mapping file; `None` when the problem is not on one line.
    pub line: Option<usize>,
    pub message: String,
    pub hint: Option<String>,
}

impl fmt::Display for MappingErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.problems.len();
        let noun = if count == 1 { "problem" } else { "problems" };
        write!(
            f,
            "{count} {noun} in the mapping file {}",
            self.path.display()
        )?;
        for problem in &self.problems {
            match problem.line {
                Some(line) => write!(f, "\n{}:{line}: {}", self.path.display(), problem.message)?,
                None => write!(f, "\n{}: {}", self.path.display(), problem.message)?,
            }
            if let Some(hint) = &problem.hint {
                write!(f, "\n  hint: {hint}")?;
            }
        }
        Ok(())
    }
}

/// The closest of `candidates` to `given`, when it is close enough to be a likely typo.
pub fn suggest<'a>(given: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let given = given.trim().to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&given, &c.trim().to_lowercase()), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}
