//! Every command's exit codes, through the real binary: 0 success, 1 a measured failure, 2 bad
//! input (clap's usage errors included), 3 a failure of the tool or the machine.

use std::process::Command;

fn xtask(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask")).args(args).output().expect("the binary runs");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout))
}

#[test]
fn usage_errors_are_bad_input() {
    assert_eq!(xtask(&["no-such-command"]).0, 2);
    assert_eq!(xtask(&["matrix", "--size", "huge"]).0, 2);
    assert_eq!(xtask(&["matrix", "--runs", "0"]).0, 2);
    for bad in ["0/3", "4/3", "junk"] {
        let (code, text) = xtask(&["matrix", "--shard", bad]);
        assert!(code == 2 && text.contains("I/N"), "--shard {bad}: {code} {text}");
    }
    assert_eq!(xtask(&["merge", "--out", "/tmp/never"]).0, 2, "merge needs runs");
    let (code, text) = xtask(&["history", "--metric", "max_rss_kib"]);
    assert_eq!(code, 2, "an unknown metric is bad input: {text}");
    assert!(text.contains("peak_rss_kib"), "the error lists the metric names: {text}");
    assert_eq!(xtask(&["compare", "only-one"]).0, 2);
}

#[test]
fn history_reads_a_directory_or_says_it_cannot() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_string_lossy().into_owned();
    let (code, text) = xtask(&["history", "--dir", &dir, "--metric", "peak_rss_kib"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("no complete `quick` runs"), "{text}");
    assert_eq!(xtask(&["history", "--dir", "/no/such/history"]).0, 2, "a missing history directory is bad input");
}

#[test]
fn unknown_names_and_unreadable_files_are_bad_input() {
    assert_eq!(xtask(&["matrix", "--quiet", "--targets", "no-such-target"]).0, 2);
    assert_eq!(xtask(&["matrix", "--quiet", "--targets", "rust", "--baseline", "/no/such/results.json"]).0, 2);
    assert_eq!(xtask(&["report", "/no/such/run"]).0, 2);
    assert_eq!(xtask(&["compare", "/no/such/a.json", "/no/such/b.json"]).0, 2);
}

#[test]
fn a_failure_of_the_machine_is_exit_3_with_the_error() {
    // The run directory cannot be created: not the user's input being wrong, but an I/O error.
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let out = file.join("run").to_string_lossy().into_owned();
    let (code, text) = xtask(&["matrix", "--quiet", "--workloads", "noop", "--targets", "rust", "--out", &out]);
    assert_eq!(code, 3, "{text}");
    assert!(text.contains("cannot create"), "{text}");
}

#[test]
fn setup_prints_what_it_would_install() {
    let (code, text) = xtask(&["setup", "--all", "--packages"]);
    assert_eq!(code, 0);
    assert!(text.contains("g++") && text.contains("openjdk-17-jdk-headless"), "{text}");
}
