//! The canonical inputs: workload files (`workloads/<name>/workload.toml`) and target files
//! (`targets/<name>.toml`), loaded and checked before anything runs.

pub mod target;
pub mod workload;

pub use target::{Family, Target};
pub use workload::{Axis, AxisRatio, Budget, CompareRule, Expected, Size, SizeSpec, Variant, Workload};

use crate::error::SpecError;

/// Every file of a directory, each loaded on its own: a broken one spoils only itself.
pub type Loaded<T> = Vec<(String, Result<T, SpecError>)>;
use std::path::Path;

/// A name that is safe as a directory and file name component and on a command line.
pub fn is_safe_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        && name.as_bytes()[0].is_ascii_alphanumeric()
}

/// Every entry of a directory whose name passes `keep`, sorted by name.
pub(crate) fn sorted_entries(dir: &Path, keep: impl Fn(&Path) -> bool) -> Result<Vec<std::path::PathBuf>, SpecError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| SpecError::new(dir, format!("cannot read the directory: {e}"), "run from a benchmatrix checkout"))?;
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| keep(p)).collect();
    paths.sort();
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::is_safe_name;

    #[test]
    fn safe_names() {
        assert!(is_safe_name("nbody"));
        assert!(is_safe_name("haxe-js"));
        assert!(is_safe_name("word_freq2"));
        assert!(!is_safe_name(""));
        assert!(!is_safe_name("../etc"));
        assert!(!is_safe_name("Nbody"));
        assert!(!is_safe_name("a b"));
        assert!(!is_safe_name("-rf"));
    }
}
