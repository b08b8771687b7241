//! The client driver end to end, through `cargo xtask matrix` on a fixture project: the real
//! Python chat-client checked against the mock at two levels, and the ways a client can be
//! wrong, each marking only its own cell: a report of requests never sent, a report that is
//! not one, a crash, a hang.

mod common;

use std::path::Path;
use xtask::records::Status;

const WORKLOAD: &str = r#"name = "cc"
kind = "client"
summary = "a fixture client workload"
category = "client"

[sizes.quick]
timeout_secs = 8

[sizes.quick.client]
concurrency = [1, 4]
warmup = 5
requests = 30
streams = 6
stream_tokens = 3
probe = 2
retries = 3
payload = "S"
latency_us = 0
chunk_us = 0

[sizes.standard]
timeout_secs = 20

[sizes.standard.client]
concurrency = [1]
warmup = 0
requests = 5
streams = 0
stream_tokens = 0
probe = 0
retries = 0
payload = "S"
latency_us = 0
chunk_us = 0

[sizes.full]
timeout_secs = 20

[sizes.full.client]
concurrency = [1]
warmup = 0
requests = 5
streams = 0
stream_tokens = 0
probe = 0
retries = 0
payload = "S"
latency_us = 0
chunk_us = 0
"#;

/// A report claiming every request went well, printed without sending any.
const LIAR: &str = r#"echo '#bm ready'
echo '#bm iter 0 measured 1000'
for p in warmup:5 chat:30 stream:6 rate:2 error:2 malformed:2; do
  echo "phase ${p%:*} requests=${p#*:} ok=${p#*:} status=0 malformed=0 timeout=0 connect=0 retries=0 bytes=1 tokens=0 checksum=00000000 ns=1000"
done
echo '#bm done'
"#;

fn sh_target(script: &str) -> String {
    format!(
        "family = \"native\"\nlanguage = \"fixture client\"\nsource = \"sh\"\nrequires = [\"sh\"]\napt = [\"dash\"]\nversion = [\"sh\", \"-c\", \"echo fixture 1.0\"]\n\n[[build]]\nargv = [\"cp\", \"{{source}}/README\", \"{{out}}/marker\"]\n\n[run]\nargv = [\"sh\", \"-c\", {}, \"client\"]\nartifact = \"{{out}}/marker\"\n",
        serde_json::to_string(script).unwrap()
    )
}

fn project(root: &Path) {
    let real = xtask::paths::project_root();
    let w = root.join("workloads/cc");
    for d in
        [w.join("sh"), w.join("python"), root.join("targets"), root.join("runners/sh"), root.join("runners/python"), root.join("templates")]
    {
        std::fs::create_dir_all(d).unwrap();
    }
    std::fs::write(w.join("workload.toml"), WORKLOAD).unwrap();
    std::fs::write(w.join("sh/README"), "the fixture clients are sh one-liners\n").unwrap();
    std::fs::write(root.join("runners/sh/README"), "no runner\n").unwrap();
    std::fs::copy(real.join("workloads/chat-client/python/main.py"), w.join("python/main.py")).unwrap();
    std::fs::copy(real.join("runners/python/runner.py"), root.join("runners/python/runner.py")).unwrap();
    std::fs::copy(real.join("targets/python.toml"), root.join("targets/python.toml")).unwrap();
    std::fs::copy(xtask::paths::templates_dir(&real).join("index.html"), root.join("templates/index.html")).unwrap();
    for (name, script) in [
        ("liar", LIAR),
        ("garbage", "echo '#bm ready'; echo '#bm iter 0 measured 1000'; echo 'hello there'; echo '#bm done'"),
        ("crash", "echo '#bm ready'; echo 'Segmentation fault' >&2; exit 3"),
        ("hangs", "echo '#bm ready'; sleep 60"),
    ] {
        std::fs::write(root.join("targets").join(format!("{name}.toml")), sh_target(script)).unwrap();
    }
}

#[test]
fn a_client_is_checked_against_the_mock_and_each_broken_one_marks_only_its_cell() {
    if !common::toolchain("the client tests", "Python", &["python3"], &[]) {
        return;
    }
    let _g = common::SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    project(tmp.path());
    let out = tmp.path().join("out");
    let (code, r) = common::matrix_in(tmp.path(), &out);
    let cell = |t: &str| common::cell(&r, "cc", t);
    let reason = |t: &str| common::reason(cell(t)).to_string();

    // The real client: both levels, plain and stream, in every run, every count matching.
    let ok = cell("python");
    assert_eq!(ok.status, Status::Ok, "{:?}", ok.reason);
    let s = ok.summary.as_ref().unwrap().service.as_ref().expect("level figures");
    let labels: Vec<&str> = s.levels.iter().map(|l| l.label.as_str()).collect();
    assert_eq!(labels, ["c=1", "c=1 stream", "c=4", "c=4 stream"]);
    assert!(s.levels.iter().all(|l| l.rps.median > 0.0 && l.errors == 0), "{:?}", s.levels);
    assert!(s.levels[0].peak_rss_kib.as_ref().is_some_and(|r| r.median > 1000.0), "the client's own RSS");
    assert!(s.levels[0].cpu_us_per_request.is_some() && s.levels[0].mock_busy.is_some());
    assert!(s.levels[1].ttft_p50_ms.is_some() && s.levels[1].itl_p50_ms.is_none(), "TTFB, and no gaps a client does not see");
    assert!(s.routes_pass);
    for run in ok.runs.iter().filter(|r| !r.record.warmup) {
        let argv = &run.record.argv;
        assert!(argv.iter().any(|a| a == "concurrency=4") && argv.iter().any(|a| a == "content=881"), "{argv:?}");
        let rec = run.record.service.as_ref().unwrap();
        assert_eq!(rec.routes.len(), 6, "three error routes at two levels");
        assert!(run.record.raw.stdout.lines().all(|l| l.starts_with("c=")), "latencies are kept as histograms, not text");
    }

    // The broken ones, each with a reason that says what went wrong.
    assert_eq!(cell("liar").status, Status::WrongOutput, "{}", reason("liar"));
    assert!(reason("liar").contains("30 requests reported, 1 asked"), "the warm-up run asks one round: {}", reason("liar"));
    assert_eq!(cell("garbage").status, Status::WrongOutput, "{}", reason("garbage"));
    assert!(reason("garbage").contains("`hello there` is not a `phase`"), "{}", reason("garbage"));
    assert_eq!(cell("crash").status, Status::RunFailed, "{}", reason("crash"));
    assert!(reason("crash").contains("at c=1: exit code 3"), "{}", reason("crash"));
    assert_eq!(cell("hangs").status, Status::Timeout, "{}", reason("hangs"));
    assert_eq!(code, 1, "failed cells fail the matrix");

    // Compared with itself, a client cell is judged on throughput and tail latency, not on
    // its wall time (the sum of its levels).
    let same = xtask::compare::compare("a", &r, "b", &r, &Default::default()).unwrap();
    let metrics: Vec<xtask::metric::Metric> = same.metrics.iter().filter(|m| m.cell.target == "python").map(|m| m.metric).collect();
    assert_eq!(metrics, xtask::metric::Metric::LEVEL_HEADLINE, "{metrics:?}");
    assert_eq!(same.regressions(), 0);

    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.contains("Client against the mock: cc") && html.contains("<polyline"), "the section and its charts");
    assert!(html.contains("mock") && html.contains("µs CPU/req"));
    assert!(!html.contains("<h2>Matrix</h2>"), "no batch matrix without batch columns");
}
