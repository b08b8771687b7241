//! `matrix --metrics-listen` scraped by a real Prometheus server (Debian's `prometheus` on free
//! 127.0.0.1 ports, scraping every second) while a fixture matrix runs: the runs counter and a
//! finished cell's figure are queried back through Prometheus's HTTP API. Skipped with a reason
//! when Prometheus is not installed, unless BENCHMATRIX_REQUIRE_TOOLCHAINS=1.

mod common;

use clap::Parser;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};
use xtask::cli::Cli;
use xtask::cmd::{self, Context};
use xtask::export::push::{self, Url};

const WORKLOAD: &str = r#"name = "slow"
summary = "a fixture that takes a while"
category = "test"

[compare]
rule = "exact"

[sizes.quick]
params = { n = 1 }
expected = "1"
timeout_secs = 10

[sizes.standard]
params = { n = 1 }
expected = "1"
timeout_secs = 10

[sizes.full]
params = { n = 1 }
expected = "1"
timeout_secs = 10
"#;

/// A runner-protocol program of about 0.3 s.
const SCRIPT: &str = "sleep 0.3; echo '#bm ready'; echo '#bm iter 0 measured 300000000'; echo 1; echo '#bm done'";

const TARGET: &str = "family = \"native\"\nlanguage = \"fixture\"\nsource = \"sh\"\nrequires = [\"sh\"]\napt = [\"dash\"]\nversion = [\"sh\", \"-c\", \"echo fixture 1.0\"]\n\n[[build]]\nargv = [\"cp\", \"{source}/README\", \"{out}/marker\"]\n\n[run]\nargv = [\"sh\", \"-c\", \"SCRIPT\", \"slow\"]\nartifact = \"{out}/marker\"\n";

/// Kills the server however the test ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn project(root: &Path) {
    let w = root.join("workloads/slow");
    for d in [w.join("sh"), root.join("targets"), root.join("runners/sh"), root.join("templates")] {
        std::fs::create_dir_all(d).unwrap();
    }
    std::fs::write(w.join("workload.toml"), WORKLOAD).unwrap();
    std::fs::write(w.join("sh/README"), "the program is an sh one-liner\n").unwrap();
    std::fs::write(root.join("runners/sh/README"), "no runner\n").unwrap();
    std::fs::write(root.join("targets/sleepy.toml"), TARGET.replace("SCRIPT", &SCRIPT.replace('"', "\\\""))).unwrap();
    let real = xtask::paths::templates_dir(&xtask::paths::project_root());
    std::fs::copy(real.join("index.html"), root.join("templates/index.html")).unwrap();
}

/// The value of `query`'s first series, once Prometheus has one.
fn query(prom: &Url, query: &str) -> Option<f64> {
    let path = format!("/api/v1/query?query={}", query.replace('{', "%7B").replace('}', "%7D").replace('"', "%22").replace('=', "%3D"));
    let (code, body) = push::request(prom, "GET", &path, b"").ok()?;
    if code != 200 {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(&body).ok()?;
    v["data"]["result"].get(0)?["value"].get(1)?.as_str()?.parse().ok()
}

fn wait_for(what: &str, limit: Duration, mut f: impl FnMut() -> Option<f64>) -> f64 {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "{what}: not seen within {limit:?}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn a_running_matrix_is_scraped_by_prometheus_and_queried_back() {
    let Ok(binary) = which::which("prometheus") else {
        assert!(
            std::env::var("BENCHMATRIX_REQUIRE_TOOLCHAINS").as_deref() != Ok("1"),
            "prometheus is missing (apt-get install prometheus)"
        );
        eprintln!("skipped: prometheus is not installed (apt-get install prometheus)");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    project(tmp.path());
    // Prometheus's files live outside the project: the matrix watches the project for writes.
    let prom_dir = tempfile::tempdir().unwrap();
    let (live_port, prom_port) = (free_port(), free_port());
    let config = prom_dir.path().join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: benchmatrix\n    static_configs:\n      - targets: ['127.0.0.1:{live_port}']\n"
        ),
    )
    .unwrap();
    let _prometheus = Server(
        Command::new(binary)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", prom_dir.path().join("tsdb").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{prom_port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prometheus starts"),
    );
    let prom: Url = format!("http://127.0.0.1:{prom_port}").parse().unwrap();
    wait_for("Prometheus ready", Duration::from_secs(60), || {
        matches!(push::request(&prom, "GET", "/-/ready", b""), Ok((200, _))).then_some(0.0)
    });

    // The matrix in this process, on its own thread: 40 runs of 0.3 s, about 15 s.
    let out = tmp.path().join("out");
    let root = tmp.path().to_path_buf();
    let listen = format!("127.0.0.1:{live_port}");
    let matrix = std::thread::spawn(move || {
        let out_s = out.display().to_string();
        let argv = ["cargo xtask", "matrix", "--runs", "40", "--quiet", "--metrics-listen", &listen, "--out", &out_s];
        let cli = Cli::try_parse_from(argv).unwrap();
        let ctx = Context {
            root,
            launcher: common::launcher(),
            command_line: vec!["test".into()],
            interrupt: Box::leak(Box::new(AtomicBool::new(false))),
        };
        cmd::exit_code(&cli.run(&ctx))
    });
    // While it runs: the counter of runs started grows in Prometheus, and the cell's wall
    // time (written with results.json after the first round) is there with its labels.
    let started = wait_for("benchmatrix_runs_started_total", Duration::from_secs(60), || query(&prom, "benchmatrix_runs_started_total"));
    assert!(started >= 1.0, "{started}");
    let wall = wait_for("the cell's wall time", Duration::from_secs(60), || {
        query(&prom, r#"benchmatrix_wall_ms{workload="slow",target="sleepy",job="benchmatrix"}"#)
    });
    assert!((250.0..5000.0).contains(&wall), "a 0.3 s program's median wall time in ms: {wall}");
    // Both were scraped from the live endpoint, which exists only while the matrix runs.
    assert_eq!(matrix.join().unwrap(), 0);
}
