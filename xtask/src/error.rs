//! Typed errors: bad input (each spec error names the file, the line, the field and the fix)
//! apart from failures of the tool or the machine, so each maps to its own exit code.

use std::fmt;
use std::path::PathBuf;

/// A problem in a workload or target file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    pub file: PathBuf,
    /// 1-based line, when the problem has a place in the file.
    pub line: Option<usize>,
    /// Dotted field path, e.g. `sizes.quick.expected`.
    pub field: Option<String>,
    pub problem: String,
    pub fix: String,
}

impl SpecError {
    pub fn new(file: impl Into<PathBuf>, problem: impl Into<String>, fix: impl Into<String>) -> Self {
        SpecError { file: file.into(), line: None, field: None, problem: problem.into(), fix: fix.into() }
    }

    pub fn at(mut self, line: Option<usize>) -> Self {
        self.line = line;
        self
    }

    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.problem)?;
        if !self.fix.is_empty() {
            write!(f, "\n  fix: {}", self.fix)?;
        }
        Ok(())
    }
}

impl std::error::Error for SpecError {}

/// Line number (1-based) of a byte offset in a text.
pub fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].bytes().filter(|&b| b == b'\n').count() + 1
}

/// Turns a TOML syntax or shape error into a [`SpecError`] with its line.
pub fn from_toml(file: &std::path::Path, text: &str, err: toml::de::Error, fix: &str) -> SpecError {
    let line = err.span().map(|s| line_of(text, s.start));
    // toml's message repeats the source snippet; the first line is the useful part.
    let message = err.message().lines().next().unwrap_or("invalid TOML").to_string();
    SpecError::new(file, message, fix).at(line)
}

/// Input the user can fix (an argument, a file): the command exits 2 with this message.
/// Every other error is a failure of benchmatrix itself or of the machine (exit 3).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

/// True when `e` (or what it wraps) is bad input rather than a failure of ours.
pub fn is_bad_input(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.is::<BadInput>()
            || c.is::<SpecError>()
            || c.is::<crate::plan::UnknownName>()
            || c.is::<crate::results::UnreadableResults>()
            || c.is::<crate::compare::CompareError>()
    })
}
