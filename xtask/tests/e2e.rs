//! End to end: the real matrix on the shipped workloads with every installed target.
//! With BENCHMATRIX_REQUIRE_TOOLCHAINS=1 (as .ci/run sets it) a target that Debian's
//! packages provide must not be missing.

use std::process::Command;
use std::sync::Mutex;
use xtask::probe::Availability;
use xtask::records::Status;
use xtask::results;

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
                for c in r.cells.iter().filter(|c| c.id.target == t.name) {
                    // A workload that says it does not support a language is not a failure.
                    if c.status != Status::Ok && c.status != Status::NotImplemented {
                        problems.push(format!("{}: {} {}", c.id, c.status.as_str(), c.reason.as_deref().unwrap_or("")));
                    }
                }
            }
            Availability::Missing { reason, apt_installable, .. } => {
                eprintln!("skipped {}: {reason}", t.name);
                if *apt_installable && std::env::var("BENCHMATRIX_REQUIRE_TOOLCHAINS").as_deref() == Ok("1") {
                    problems.push(format!("{} is missing but Debian provides it: {reason}", t.name));
                }
                assert!(r.cells.iter().filter(|c| c.id.target == t.name).all(|c| c.status == Status::NotImplemented
                    || (c.status == Status::Skipped && c.hint.as_deref().is_some_and(|h| !h.is_empty()))));
            }
        }
    }
    assert!(problems.is_empty(), "cells not ok:\n{}", problems.join("\n"));
    assert_eq!(code, 0);
    let workloads: std::collections::BTreeSet<&str> = r.cells.iter().map(|c| c.id.workload.as_str()).collect();
    assert!(workloads.contains("nbody") && workloads.contains("wordfreq"));
    assert!(r.cells.iter().filter(|c| c.status == Status::Ok).count() >= 2, "at least the Rust target runs wherever the tests run");
    assert!(first.join("index.html").is_file());

    let second = tmp.path().join("second");
    assert_eq!(matrix(&second, &["--runs", "1", "--warmup-runs", "0"]), 0);
    let r2 = results::load(&second).unwrap();
    let rebuilt: Vec<String> = r2.cells.iter().filter(|c| c.build.as_ref().is_some_and(|b| !b.cached)).map(|c| c.id.to_string()).collect();
    assert!(rebuilt.is_empty(), "a second run rebuilt: {rebuilt:?}");
}

/// Processes whose working directory lies in `dir` (every measured program runs in its
/// run directory's scratch/).
fn processes_in(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|e| std::fs::read_link(e.path().join("cwd")).is_ok_and(|cwd| cwd.starts_with(dir)))
        .map(|e| std::fs::read_to_string(e.path().join("cmdline")).unwrap_or_default().replace('\0', " "))
        .collect()
}

/// Starts a matrix whose first round runs C++ (a short run) before Python (a long one), and
/// waits until the journal holds a finished run. The caller waits for the child.
#[allow(clippy::zombie_processes)]
fn start_long_matrix(out: &std::path::Path) -> std::process::Child {
    // The seed is one whose first round puts C++ (cell 0) first.
    let seed = (0u64..).find(|&s| xtask::schedule::round(&[0, 1], &mut xtask::stats::Rng::new(s))[0] == 0).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args([
            "matrix",
            "--quiet",
            "--workloads",
            "nbody",
            "--targets",
            "cpp,python",
            "--size",
            "full",
            "--runs",
            "3",
            "--seed",
            &seed.to_string(),
            "--out",
        ])
        .arg(out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
    loop {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("no run finished in time");
        }
        // Every run is in the journal the moment it ends (results.json follows per round).
        if xtask::records::read_journal(&out.join("runs.jsonl"))
            .is_ok_and(|e| e.iter().any(|e| matches!(e, xtask::records::Entry::Run { .. })))
        {
            return child;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn a_killed_supervisor_keeps_the_runs_that_finished_and_leaves_no_program_behind() {
    let _one = ONE_MATRIX.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let mut child = start_long_matrix(&out);
    // SIGKILL: no chance to clean up; the launcher's parent-death signal must end the program.
    child.kill().unwrap();
    child.wait().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    let r = results::load(&out).expect("results.json stays readable after an interruption");
    assert!(!r.meta.complete, "an interrupted run is marked incomplete");
    assert_eq!(r.cells.len(), 2, "every planned cell is still listed");
    let journal = xtask::records::read_journal(&out.join("runs.jsonl")).unwrap();
    assert!(journal.iter().any(|e| matches!(e, xtask::records::Entry::Run { .. })), "finished runs are kept");
    assert_eq!(processes_in(&out), Vec::<String>::new(), "no measured program survives its supervisor");
}

#[test]
fn ctrl_c_stops_the_running_program_writes_the_results_and_says_where() {
    let _one = ONE_MATRIX.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let child = start_long_matrix(&out);
    // SIGINT to the supervisor alone (not its group): it must stop the program itself.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130), "interrupted is exit 130");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("interrupted") && stderr.contains("results.json"), "it says where the runs are: {stderr}");
    let r = results::load(&out).unwrap();
    assert!(!r.meta.complete);
    assert!(r.cells.iter().any(|c| c.runs.iter().any(|run| run.record.outcome.is_ok())), "the finished run is in results.json");
    assert!(r.cells.iter().all(|c| c.status == xtask::records::Status::Pending), "no cell is judged on an interrupted run");
    assert!(out.join("index.html").is_file(), "an interrupted run is reported too");
    assert_eq!(processes_in(&out), Vec::<String>::new(), "the program was stopped");
}

#[test]
fn an_interrupted_quick_matrix_resumes_to_the_cells_a_full_run_gives() {
    let _one = ONE_MATRIX.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let args =
        ["matrix", "--quiet", "--workloads", "noop,nbody,wordfreq", "--targets", "rust,python,node", "--runs", "3", "--seed", "5", "--out"];
    let mut child = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
    while !xtask::records::read_journal(&out.join("runs.jsonl"))
        .is_ok_and(|e| e.iter().filter(|e| matches!(e, xtask::records::Entry::Run { .. })).count() >= 3)
    {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("no run finished in time");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    assert_eq!(child.wait().unwrap().code(), Some(130), "the matrix was interrupted");
    let cut = results::load(&out).unwrap();
    assert!(!cut.meta.complete);
    // --resume continues it to the end.
    let status = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["matrix", "--quiet", "--resume"])
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0));
    let resumed = results::load(&out).unwrap();
    assert!(resumed.meta.complete && resumed.meta.resumed.len() == 1);
    assert!(
        resumed.cells.iter().all(|c| c.status == Status::Ok),
        "{:?}",
        resumed.cells.iter().map(|c| (c.id.to_string(), c.status)).collect::<Vec<_>>()
    );
    for c in &resumed.cells {
        assert_eq!(c.runs.iter().filter(|r| !r.record.warmup).count(), 3, "{}: every cell has its runs", c.id);
    }
    // The same cells a full run of the same selection gives.
    let full = tmp.path().join("full");
    let status = Command::new(env!("CARGO_BIN_EXE_xtask")).args(args).arg(&full).stdout(std::process::Stdio::null()).status().unwrap();
    assert_eq!(status.code(), Some(0));
    let ids = |r: &results::Results| r.cells.iter().map(|c| (c.id.clone(), c.status)).collect::<Vec<_>>();
    assert_eq!(ids(&resumed), ids(&results::load(&full).unwrap()));
    // A complete run cannot be resumed: bad input.
    let status = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["matrix", "--quiet", "--resume"])
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(2));
}
