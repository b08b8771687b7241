//! Where things live in the repository.

use std::path::{Path, PathBuf};

/// The repository root: `xtask/` sits directly below it.
pub fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives one level below the project root").to_path_buf()
}

pub fn workloads_dir(root: &Path) -> PathBuf {
    root.join("workloads")
}

pub fn targets_dir(root: &Path) -> PathBuf {
    root.join("targets")
}

pub fn runners_dir(root: &Path) -> PathBuf {
    root.join("runners")
}

pub fn templates_dir(root: &Path) -> PathBuf {
    root.join("templates")
}

pub fn reports_dir(root: &Path) -> PathBuf {
    root.join("reports")
}

/// Build products, one directory per cell; under `target/` so `cargo clean` removes them.
pub fn build_dir(root: &Path) -> PathBuf {
    root.join("target").join("benchmatrix").join("build")
}

/// Directories shared by every cell of one target (compiler caches, `{cache}`).
pub fn cache_dir(root: &Path, target: &str) -> PathBuf {
    root.join("target").join("benchmatrix").join("cache").join(target)
}

/// The path relative to the root when it lies inside it, for messages people read.
pub fn display(root: &Path, path: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).display().to_string()
}
