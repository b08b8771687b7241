//! Writes outside a run's scratch directory: a fingerprint (path, size, modification time) of
//! every file a program must not touch — the checkout (but its `target/`, `.git/` and
//! `reports/`) and the cell's own build — taken before and after each run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

/// At most this many entries are fingerprinted per snapshot (a guard, not a working limit).
const MAX_ENTRIES: usize = 50_000;
/// At most this many changed paths are named.
const SHOWN: usize = 5;

/// What a run must leave alone.
#[derive(Debug, Clone)]
pub struct Watch {
    /// Directories watched recursively.
    pub roots: Vec<PathBuf>,
    /// Directories inside a root that are not watched (unless they are roots themselves).
    pub excluded: Vec<PathBuf>,
}

/// The fingerprint of every watched file: path -> (size, mtime in ns, is a directory).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Snapshot(BTreeMap<PathBuf, (u64, i128, bool)>);

impl Watch {
    /// The checkout (without `target/`, `.git/`, `reports/` and the run directory, which
    /// holds the scratch directories) and a cell's build directory.
    pub fn for_cell(checkout: &Path, build_dir: &Path, run_dir: &Path) -> Watch {
        let mut excluded: Vec<PathBuf> = ["target", ".git", "reports"].iter().map(|d| checkout.join(d)).collect();
        excluded.push(run_dir.to_path_buf());
        Watch { roots: vec![checkout.to_path_buf(), build_dir.to_path_buf()], excluded }
    }

    pub fn snapshot(&self) -> Snapshot {
        let mut out = BTreeMap::new();
        for root in &self.roots {
            self.walk(root, &mut out);
        }
        Snapshot(out)
    }

    fn walk(&self, dir: &Path, out: &mut BTreeMap<PathBuf, (u64, i128, bool)>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            if out.len() >= MAX_ENTRIES {
                return;
            }
            let path = entry.path();
            let Ok(meta) = entry.metadata() else { continue };
            let mtime = meta.modified().ok().and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos() as i128);
            out.insert(path.clone(), (if meta.is_dir() { 0 } else { meta.len() }, mtime, meta.is_dir()));
            let watched = !self.excluded.contains(&path) || self.roots.contains(&path);
            if meta.is_dir() && !meta.is_symlink() && watched {
                self.walk(&path, out);
            }
        }
    }
}

impl Snapshot {
    /// The paths that were added, removed or changed (files; directories only when added or
    /// removed), the first few named, and how many there were.
    pub fn changes_since(&self, before: &Snapshot) -> (Vec<PathBuf>, usize) {
        let mut changed: Vec<PathBuf> = Vec::new();
        for (path, now) in &self.0 {
            match before.0.get(path) {
                None => changed.push(path.clone()),
                Some(was) if !now.2 && was != now => changed.push(path.clone()),
                _ => {}
            }
        }
        changed.extend(before.0.keys().filter(|p| !self.0.contains_key(*p)).cloned());
        let total = changed.len();
        changed.truncate(SHOWN);
        (changed, total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_a_new_and_a_removed_file_are_seen_and_excluded_ones_are_not() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        for d in ["workloads/w", "target/x", "reports/r"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        std::fs::write(root.join("workloads/w/workload.toml"), "a").unwrap();
        std::fs::write(root.join("gone"), "x").unwrap();
        let build = root.join("target/x");
        std::fs::write(build.join("main"), "binary").unwrap();
        let watch = Watch::for_cell(root, &build, &root.join("out"));
        let before = watch.snapshot();
        assert_eq!(watch.snapshot().changes_since(&before).1, 0, "nothing changed");
        std::fs::write(root.join("workloads/w/workload.toml"), "ab").unwrap();
        std::fs::write(root.join("big"), "new").unwrap();
        std::fs::remove_file(root.join("gone")).unwrap();
        std::fs::write(build.join("main"), "tampered").unwrap();
        std::fs::write(root.join("reports/r/results.json"), "ours").unwrap();
        std::fs::create_dir_all(root.join("target/other")).unwrap();
        let (shown, total) = watch.snapshot().changes_since(&before);
        assert_eq!(total, 4, "{shown:?}");
        assert!(
            shown.contains(&root.join("workloads/w/workload.toml"))
                && shown.contains(&root.join("big"))
                && shown.contains(&build.join("main"))
        );
    }
}
