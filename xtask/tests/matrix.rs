//! The matrix on a small fixture project: every kind of bad cell is marked and the rest go
//! on; output is escaped in the report; builds are cached by content.

mod common;

use std::path::{Path, PathBuf};
use xtask::cmd::matrix::{self, Options};
use xtask::results::{self, Results, Status};
use xtask::spec::Size;

const PROGRAM: &str = r##"#!/bin/sh
# A protocol-speaking program whose behaviour the target picks through $MODE.
echo "#bm ready"
case "$MODE" in
  crash) echo "boom: <b>bad</b>" >&2; exit 1 ;;
  hang) sleep 30 ;;
  silent) exit 0 ;;
esac
echo "#bm iter 0 measured 1000"
if [ "$MODE" = wrong ]; then echo "<script>alert(1)</script>"; else echo "hello 42"; fi
echo "#bm done"
"##;

fn workload(name: &str, expected: &str) -> String {
    let size = |s: &str| format!("[sizes.{s}]\nparams = {{ n = 1 }}\nexpected = \"{expected}\"\ntimeout_secs = 1\n\n");
    format!("name = \"{name}\"\nsummary = \"fixture\"\ncategory = \"test\"\n\n[compare]\nrule = \"exact\"\n\n{}{}{}", size("quick"), size("standard"), size("full"))
}

fn target(mode: &str, requires: &str, build: &str) -> String {
    format!(
        "family = \"native\"\nlanguage = \"Shell ({mode})\"\nsource = \"sh\"\nrequires = [{requires}]\napt = [\"dash\"]\nversion = [\"sh\", \"-c\", \"echo fixture-sh 1.0\"]\n\n[[build]]\nargv = {build}\n\n[run]\nargv = [\"sh\", \"{{out}}/main.sh\"]\nenv = {{ MODE = \"{mode}\" }}\nartifact = \"{{out}}/main.sh\"\n"
    )
}

const COPY: &str = r#"["cp", "{source}/main.sh", "{out}/main.sh"]"#;

/// A project with one good workload, one broken workload and targets that fail each way.
fn fixture() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    for dir in ["workloads/echo/sh", "workloads/broken", "targets", "runners/sh", "templates"] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
    }
    std::fs::write(root.join("workloads/echo/workload.toml"), workload("echo", "hello 42")).unwrap();
    std::fs::write(root.join("workloads/echo/sh/main.sh"), PROGRAM).unwrap();
    std::fs::write(root.join("workloads/broken/workload.toml"), workload("broken", "x").replace("expected = \"x\"\n", "")).unwrap();
    std::fs::write(root.join("runners/sh/README"), "the shell fixture needs no runner code\n").unwrap();
    let real_templates = xtask::paths::templates_dir(&xtask::paths::project_root());
    std::fs::copy(real_templates.join("index.html"), root.join("templates/index.html")).unwrap();
    let targets = [
        ("sh-ok", target("ok", "\"sh\"", COPY)),
        ("sh-ok2", target("ok", "\"sh\"", COPY)),
        ("sh-wrong", target("wrong", "\"sh\"", COPY)),
        ("sh-crash", target("crash", "\"sh\"", COPY)),
        ("sh-hang", target("hang", "\"sh\"", COPY)),
        ("sh-silent", target("silent", "\"sh\"", COPY)),
        ("sh-buildfail", target("ok", "\"sh\"", r#"["sh", "-c", "echo compiling; echo 'error: <oops>' >&2; exit 4"]"#)),
        ("sh-missing", target("ok", "\"sh\", \"no-such-compiler-xyz\"", COPY)),
    ];
    for (name, text) in targets {
        std::fs::write(root.join("targets").join(format!("{name}.toml")), text).unwrap();
    }
    tmp
}

fn options(out: &Path, rebuild: bool) -> Options {
    Options {
        size: Size::Quick,
        workloads: None,
        targets: None,
        runs: xtask::schedule::Runs::fixed(2),
        warmup_runs: 1,
        seed: 7,
        reference: None,
        out: Some(out.to_path_buf()),
        rebuild,
        quiet: true,
        fail_on_missing: false,
        command_line: vec!["test".into()],
        launcher: common::launcher(),
    }
}

fn status(results: &Results, workload: &str, target: &str) -> Status {
    results.cells.iter().find(|c| c.workload == workload && c.target == target).unwrap_or_else(|| panic!("no cell {workload} × {target}")).status
}

fn run(root: &Path, out: &Path, rebuild: bool) -> (i32, Results) {
    let _g = common::SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let code = matrix::run(root, &options(out, rebuild)).unwrap();
    (code, results::load(out).unwrap())
}

#[test]
fn each_bad_cell_is_marked_and_the_matrix_goes_on() {
    let project = fixture();
    let out = project.path().join("out");
    let (code, r) = run(project.path(), &out, false);
    assert_eq!(code, 1, "failed cells make exit code 1");
    assert_eq!(r.cells.len(), 2 * 8, "every planned cell is in the results");
    assert_eq!(r.meta.seed, 7, "the seed is recorded");
    assert!(r.meta.complete);
    assert_eq!(status(&r, "echo", "sh-ok"), Status::Ok);
    assert_eq!(status(&r, "echo", "sh-wrong"), Status::WrongOutput);
    assert_eq!(status(&r, "echo", "sh-crash"), Status::RunFailed);
    assert_eq!(status(&r, "echo", "sh-hang"), Status::Timeout);
    assert_eq!(status(&r, "echo", "sh-silent"), Status::RunFailed);
    assert_eq!(status(&r, "echo", "sh-buildfail"), Status::BuildFailed);
    assert_eq!(status(&r, "echo", "sh-missing"), Status::Skipped);
    for c in r.cells.iter().filter(|c| c.workload == "broken") {
        assert_eq!(c.status, Status::Invalid);
        assert!(c.reason.as_deref().unwrap().contains("sizes.quick.expected"), "{:?}", c.reason);
    }

    let ok = r.cells.iter().find(|c| c.target == "sh-ok" && c.workload == "echo").unwrap();
    assert_eq!(ok.runs.len(), 3, "one warm-up and two measured runs are kept raw");
    assert_eq!(ok.runs.iter().filter(|run| run.warmup).count(), 1);
    let summary = ok.summary.as_ref().unwrap();
    assert_eq!(summary.runs, 2);
    assert!(summary.wall_ms.median > 0.0 && summary.startup_ms.is_some());
    assert!(summary.wall_ms.median_ci.lo <= summary.wall_ms.median && summary.wall_ms.median <= summary.wall_ms.median_ci.hi);
    assert_eq!(summary.vs_fastest.map(|e| e.value), Some(1.0), "the only verified cell is the fastest");

    // Interleaved: the two good cells take turns instead of running as two blocks.
    let seqs = |t: &str| -> Vec<u32> { r.cells.iter().find(|c| c.workload == "echo" && c.target == t).unwrap().runs.iter().map(|run| run.seq).collect() };
    let (a, b) = (seqs("sh-ok"), seqs("sh-ok2"));
    assert_eq!((a.len(), b.len()), (3, 3));
    for round in 0..3 {
        assert!(a[round].abs_diff(b[round]) < 8, "round {round}: runs {a:?} and {b:?} are not interleaved");
    }
    assert!(a.iter().max() > b.iter().min() && b.iter().max() > a.iter().min(), "{a:?} {b:?}");

    let wrong = r.cells.iter().find(|c| c.target == "sh-wrong" && c.workload == "echo").unwrap();
    let m = wrong.mismatch.as_ref().unwrap();
    assert_eq!((m.expected_line.as_str(), m.got_line.as_str()), ("hello 42", "<script>alert(1)</script>"));
    assert!(wrong.summary.is_none(), "wrong output is never ranked");

    let crash = r.cells.iter().find(|c| c.target == "sh-crash" && c.workload == "echo").unwrap();
    assert!(crash.reason.as_deref().unwrap().contains("exit code 1") && crash.reason.as_deref().unwrap().contains("boom"));
    let missing = r.cells.iter().find(|c| c.target == "sh-missing" && c.workload == "echo").unwrap();
    assert!(missing.reason.as_deref().unwrap().contains("no-such-compiler-xyz"));
    assert_eq!(missing.hint.as_deref(), Some("apt-get install -y dash"));
    let failed_build = r.cells.iter().find(|c| c.target == "sh-buildfail" && c.workload == "echo").unwrap();
    assert!(failed_build.reason.as_deref().unwrap().contains("error: <oops>"));

    // Untrusted text is escaped in the report.
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(!html.contains("<script>alert(1)</script>"), "the program's output must be escaped");
    assert!(html.contains("&lt;script&gt;alert(1)"), "the escaped output is shown");
    assert!(!html.contains("<oops>") && !html.contains("<b>bad</b>"));
    assert!(!html.contains("http://") && !html.contains("https://"), "the report is self-contained");
    let md = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(md.contains("| sh-ok |") && md.contains("wrong-output") && !md.contains("<script>"), "{md}");
}

#[test]
fn builds_are_reused_until_an_input_changes() {
    let project = fixture();
    let root = project.path();
    let cached = |r: &Results| r.cells.iter().find(|c| c.workload == "echo" && c.target == "sh-ok").unwrap().build.as_ref().unwrap().cached;
    let (_, first) = run(root, &root.join("r1"), false);
    assert!(!cached(&first));
    let (_, second) = run(root, &root.join("r2"), false);
    assert!(cached(&second), "nothing changed: the build is reused");
    let (_, forced) = run(root, &root.join("r3"), true);
    assert!(!cached(&forced), "--rebuild forces it");
    std::fs::write(root.join("workloads/echo/sh/main.sh"), format!("{PROGRAM}\n# changed\n")).unwrap();
    let (_, changed) = run(root, &root.join("r4"), false);
    assert!(!cached(&changed), "a changed source rebuilds");
    std::fs::write(root.join("runners/sh/README"), "changed runner\n").unwrap();
    let (_, runner_changed) = run(root, &root.join("r5"), false);
    assert!(!cached(&runner_changed), "a changed runner rebuilds");
    let (_, again) = run(root, &root.join("r6"), false);
    assert!(cached(&again));
}

#[test]
fn unknown_names_are_bad_input() {
    let project = fixture();
    let mut opts = options(&project.path().join("o"), false);
    opts.targets = Some(vec!["sh-ok".into(), "nope".into()]);
    let _g = common::SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    assert_eq!(matrix::run(project.path(), &opts).unwrap(), 2);
}

#[test]
fn report_re_renders_from_results() {
    let project = fixture();
    let out: PathBuf = project.path().join("out");
    run(project.path(), &out, false);
    std::fs::remove_file(out.join("index.html")).unwrap();
    xtask::cmd::report::run(project.path(), &out).unwrap();
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.contains("sh-ok") && html.contains("wrong-output"));
    let broken = project.path().join("bad.json");
    std::fs::write(&broken, "{\"schema\": 3}").unwrap();
    let e = xtask::cmd::report::run(project.path(), &broken).unwrap_err();
    assert!(e.to_string().contains("bad.json"), "{e}");
}
