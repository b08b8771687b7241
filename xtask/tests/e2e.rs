//! End to end: the real matrix on the shipped workloads with every installed target.
//! With BENCHMATRIX_REQUIRE_TOOLCHAINS=1 (as .ci/run sets it) a target that Debian's
//! packages provide must not be missing.

use std::process::Command;
use std::sync::Mutex;
use xtask::probe::Availability;
use xtask::results::{self, Status};

/// Both tests build into the same cell directories: one at a time.
static ONE_MATRIX: Mutex<()> = Mutex::new(());

fn matrix(out: &std::path::Path, extra: &[&str]) -> i32 {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
    cmd.args(["matrix", "--size", "quick", "--quiet", "--out"]).arg(out).args(extra);
    if std::env::var("BENCHMATRIX_REQUIRE_TOOLCHAINS").as_deref() == Ok("1") {
        cmd.arg("--fail-on-missing");
    }
    let status = cmd.status().expect("the xtask binary runs");
    status.code().unwrap_or(-1)
}

#[test]
fn every_installed_target_verifies_both_workloads_and_a_second_run_rebuilds_nothing() {
    let _one = ONE_MATRIX.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    let first = tmp.path().join("first");
    let code = matrix(&first, &["--runs", "1"]);
    let r = results::load(&first).unwrap();
    let mut problems = Vec::new();
    for t in &r.targets {
        match &t.availability {
            Availability::Available { .. } => {
                for c in r.cells.iter().filter(|c| c.target == t.name) {
                    if c.status != Status::Ok {
                        problems.push(format!("{} × {}: {} {}", c.workload, c.target, c.status.as_str(), c.reason.as_deref().unwrap_or("")));
                    }
                }
            }
            Availability::Missing { reason, apt_installable, .. } => {
                eprintln!("skipped {}: {reason}", t.name);
                if *apt_installable && std::env::var("BENCHMATRIX_REQUIRE_TOOLCHAINS").as_deref() == Ok("1") {
                    problems.push(format!("{} is missing but Debian provides it: {reason}", t.name));
                }
                assert!(r.cells.iter().filter(|c| c.target == t.name).all(|c| c.status == Status::Skipped && c.hint.as_deref().is_some_and(|h| !h.is_empty())));
            }
        }
    }
    assert!(problems.is_empty(), "cells not ok:\n{}", problems.join("\n"));
    assert_eq!(code, 0);
    let workloads: std::collections::BTreeSet<&str> = r.cells.iter().map(|c| c.workload.as_str()).collect();
    assert!(workloads.contains("nbody") && workloads.contains("wordfreq"));
    assert!(r.cells.iter().filter(|c| c.status == Status::Ok).count() >= 2, "at least the Rust target runs wherever the tests run");
    assert!(first.join("index.html").is_file());

    let second = tmp.path().join("second");
    assert_eq!(matrix(&second, &["--runs", "1", "--warmup-runs", "0"]), 0);
    let r2 = results::load(&second).unwrap();
    let rebuilt: Vec<String> = r2.cells.iter().filter(|c| c.build.as_ref().is_some_and(|b| !b.cached)).map(|c| format!("{} × {}", c.workload, c.target)).collect();
    assert!(rebuilt.is_empty(), "a second run rebuilt: {rebuilt:?}");
}

#[test]
fn an_interrupted_run_keeps_the_runs_that_finished() {
    let _one = ONE_MATRIX.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    // C++ runs take about a second; the long nbody under Python is interrupted. The seed is
    // one whose first round puts C++ (cell 0) first.
    let seed = (0u64..).find(|&s| xtask::schedule::round(&[0, 1], &mut xtask::stats::Rng::new(s))[0] == 0).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["matrix", "--quiet", "--workloads", "nbody", "--targets", "cpp,python", "--size", "standard", "--runs", "3", "--seed", &seed.to_string(), "--out"])
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let finished_one = loop {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("no cell finished in time");
        }
        if let Ok(r) = results::load(&out) {
            // Runs are interleaved, so a cell finishes only at the end; every run is written as it ends.
            if r.cells.iter().any(|c| !c.runs.is_empty()) {
                break r;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(!finished_one.meta.complete);
    // SIGKILL: no chance to clean up; the launcher's parent-death signal must end the program.
    child.kill().unwrap();
    child.wait().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let r = results::load(&out).expect("results.json stays readable after an interruption");
    assert!(!r.meta.complete, "an interrupted run is marked incomplete");
    assert_eq!(r.cells.len(), 2, "every planned cell is still listed");
    assert!(r.cells.iter().any(|c| !c.runs.is_empty()), "finished runs are kept");
    let stray = std::fs::read_dir("/proc").unwrap().flatten().filter_map(|e| std::fs::read_to_string(e.path().join("cmdline")).ok()).filter(|c| c.contains(&*out.to_string_lossy()) || c.contains("steps=10000000")).count();
    assert_eq!(stray, 0, "no measured program survives its supervisor");
}
