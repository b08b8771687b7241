//! The service driver end to end, through `cargo xtask matrix` on a fixture project: a server
//! (the reference service, `xtask serve-reference`) put through every kind of level, and the
//! ways a server can be wrong, each marking only its own cell: wrong answers, a 200 to a
//! malformed body, a program that never listens, one that says it listens and does not.

mod common;

use std::path::Path;
use xtask::records::Status;

const WORKLOAD: &str = r#"name = "svc"
kind = "service"
summary = "a fixture server"
category = "service"

[sizes.quick]
timeout_secs = 25

[sizes.quick.load]
concurrency = [1, 4]
warmup_s = 0.2
measure_s = 0.5
payload = "S"
stream_tokens = 4
hold_streams = 20
open_fractions = [0.5]

[sizes.standard]
timeout_secs = 25

[sizes.standard.load]
concurrency = [1]
warmup_s = 0
measure_s = 0.5
payload = "S"

[sizes.full]
timeout_secs = 25

[sizes.full.load]
concurrency = [1]
warmup_s = 0
measure_s = 0.5
payload = "S"
"#;

fn target(run: &[&str]) -> String {
    format!(
        "family = \"native\"\nlanguage = \"fixture server\"\nsource = \"sh\"\nrequires = [\"sh\"]\napt = [\"dash\"]\nversion = [\"sh\", \"-c\", \"echo fixture 1.0\"]\n\n[[build]]\nargv = [\"cp\", \"{{source}}/README\", \"{{out}}/marker\"]\n\n[run]\nargv = {}\nartifact = \"{{out}}/marker\"\n",
        serde_json::to_string(run).unwrap()
    )
}

fn project(root: &Path) {
    let xtask = env!("CARGO_BIN_EXE_xtask");
    let w = root.join("workloads/svc");
    for d in [w.join("sh"), root.join("targets"), root.join("runners/sh"), root.join("templates")] {
        std::fs::create_dir_all(d).unwrap();
    }
    std::fs::write(w.join("workload.toml"), WORKLOAD).unwrap();
    std::fs::write(w.join("sh/README"), "the fixture servers are xtask itself and sh one-liners\n").unwrap();
    std::fs::write(root.join("runners/sh/README"), "no runner: the servers speak the protocol themselves\n").unwrap();
    let real = xtask::paths::templates_dir(&xtask::paths::project_root());
    std::fs::copy(real.join("index.html"), root.join("templates/index.html")).unwrap();
    let targets: [(&str, Vec<&str>); 5] = [
        ("ref-ok", vec![xtask, "serve-reference", "--workers", "1"]),
        ("ref-wrong", vec![xtask, "serve-reference", "--workers", "1", "--fault", "wrong-content"]),
        ("ref-malformed", vec![xtask, "serve-reference", "--workers", "1", "--fault", "accept-malformed"]),
        ("never-listens", vec!["sh", "-c", "echo starting; exit 3"]),
        ("lies", vec!["sh", "-c", "echo '#bm listening 1'; sleep 20"]),
    ];
    for (name, run) in targets {
        std::fs::write(root.join("targets").join(format!("{name}.toml")), target(&run)).unwrap();
    }
}

#[test]
fn a_server_is_loaded_verified_and_stopped_and_each_broken_one_marks_only_its_cell() {
    let _g = common::SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    project(tmp.path());
    let out = tmp.path().join("out");
    let (code, r) = common::matrix_in(tmp.path(), &out);
    let cell = |t: &str| common::cell(&r, "svc", t);
    let reason = |t: &str| common::reason(cell(t)).to_string();

    // The good server: every level measured in every run, its answers verified, stopped cleanly.
    let ok = cell("ref-ok");
    assert_eq!(ok.status, Status::Ok, "{:?}", ok.reason);
    let s = ok.summary.as_ref().unwrap().service.as_ref().expect("service figures");
    let labels: Vec<&str> = s.levels.iter().map(|l| l.label.as_str()).collect();
    assert_eq!(labels.len(), 4, "c=1, c=4, the stream level, one open-loop level: {labels:?}");
    assert_eq!(&labels[..3], ["c=1", "c=4", "c=4 stream"]);
    assert!(labels[3].starts_with("open "), "{labels:?}");
    assert!(s.levels.iter().all(|l| l.rps.median > 0.0 && l.errors == 0), "{:?}", s.levels);
    assert!(s.levels[2].ttft_p50_ms.is_some() && s.levels[2].itl_p50_ms.is_some(), "the stream level has stream timings");
    assert!(s.levels[3].uncorrected_p99_ms.is_some(), "the open-loop level keeps the uncorrected histogram");
    assert!(s.routes_pass);
    let hold = s.hold.as_ref().expect("held streams");
    assert_eq!((hold.asked, hold.failed), (20, 0));
    assert!(s.idle_rss_kib.as_ref().is_some_and(|r| r.median > 0.0), "the server's memory was sampled");
    for run in ok.runs.iter().filter(|r| !r.record.warmup) {
        let svc = run.record.service.as_ref().unwrap();
        assert_eq!(svc.levels.len(), 4);
        assert!(run.record.raw.protocol.iter().any(|l| l.line == "#bm done"), "stopped by SIGTERM, said done");
        assert!(run.record.argv.iter().any(|a| a == "port=0") && run.record.argv.iter().any(|a| a == "bm.service=1"));
    }

    // The broken ones, each with a reason that says what went wrong.
    assert_eq!(cell("ref-wrong").status, Status::WrongOutput, "{}", reason("ref-wrong"));
    assert!(reason("ref-wrong").contains("verification"), "{}", reason("ref-wrong"));
    assert_eq!(cell("ref-malformed").status, Status::WrongOutput, "{}", reason("ref-malformed"));
    assert!(reason("ref-malformed").contains("error route"), "{}", reason("ref-malformed"));
    assert_eq!(cell("never-listens").status, Status::RunFailed, "{}", reason("never-listens"));
    assert!(reason("never-listens").contains("#bm listening"), "{}", reason("never-listens"));
    assert_eq!(cell("lies").status, Status::RunFailed, "{}", reason("lies"));
    assert!(reason("lies").contains("no request succeeded"), "{}", reason("lies"));
    assert_eq!(code, 1, "failed cells fail the matrix");

    // The report and the summary show the service section.
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.contains("Service under load: svc") && html.contains("<polyline"), "the section and its charts");
    let md = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(md.contains("svc × ref-ok: c=1"), "{md}");
}
