//! A small history of real runs for the site tests: the matrix three times on `noop` with
//! rust and python (quick, two runs each), each into its own run directory.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The cells every run of `three_runs` measures.
pub const TARGETS: [&str; 2] = ["rust", "python"];

/// Runs the matrix three times into `dir/run-1` … `dir/run-3` (seeds 1 to 3); None (the
/// test skips) when rust or python is not installed, which `toolchain` reports.
pub fn three_runs(dir: &Path) -> Option<Vec<PathBuf>> {
    if !super::toolchain("the site history", "rust and python", &["cargo", "rustc", "python3"], &[]) {
        return None;
    }
    let _one = super::SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut runs = Vec::new();
    for seed in 1..=3 {
        let out = dir.join(format!("run-{seed}"));
        let status = Command::new(super::launcher())
            .args(["matrix", "--workloads", "noop", "--targets", &TARGETS.join(","), "--runs", "2", "--size", "quick", "--quiet"])
            .args(["--seed", &seed.to_string(), "--out"])
            .arg(&out)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("the xtask binary runs");
        assert_eq!(status.code(), Some(0), "matrix run {seed} into {} failed", out.display());
        runs.push(out);
    }
    Some(runs)
}

/// `cargo xtask site HISTORY --out OUT`, through the real binary; returns its exit code and stderr.
pub fn site(history: &Path, out: &Path, extra: &[&str]) -> (i32, String) {
    let output =
        Command::new(super::launcher()).arg("site").arg(history).arg("--out").arg(out).args(extra).output().expect("the xtask binary runs");
    (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stderr).into_owned())
}
