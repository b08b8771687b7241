//! `export --push` against a real Pushgateway (Debian's prometheus-pushgateway on a free
//! 127.0.0.1 port): every target's group arrives, hostile names included, and reads back.
//! Skipped with a reason when it is not installed, unless BENCHMATRIX_REQUIRE_TOOLCHAINS=1.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use xtask::export::push::{self, Url};

/// Kills the gateway however the test ends.
struct Gateway(Child);

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn start() -> Option<(Gateway, Url)> {
    let binary = which::which("prometheus-pushgateway").ok();
    let Some(binary) = binary else {
        assert!(
            std::env::var("BENCHMATRIX_REQUIRE_TOOLCHAINS").as_deref() != Ok("1"),
            "prometheus-pushgateway is missing (apt-get install prometheus-pushgateway)"
        );
        eprintln!("skipped: prometheus-pushgateway is not installed (apt-get install prometheus-pushgateway)");
        return None;
    };
    let port = free_port();
    let child = Command::new(binary)
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the gateway starts");
    let gateway = Gateway(child);
    let url: Url = format!("http://127.0.0.1:{port}").parse().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if matches!(push::request(&url, "GET", "/-/ready", b""), Ok((200, _))) {
            return Some((gateway, url));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the Pushgateway on port {port} did not get ready in 30 s");
}

#[test]
fn every_target_is_pushed_as_its_own_group_and_reads_back() {
    let Some((_gateway, url)) = start() else { return };
    let mut r = xtask::results::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/exports.json")).unwrap();
    let evil = "fa/st \"x\"\n\x1b";
    for c in r.cells.iter_mut().filter(|c| c.id.target == "fast") {
        c.id.target = evil.into();
    }
    let paths = push::push(&url, &r).expect("the gateway takes every group");
    assert_eq!(paths.len(), 3);
    assert_eq!(paths[1], "/metrics/job/benchmatrix/target/slow");
    let (code, metrics) = push::request(&url, "GET", "/metrics", b"").unwrap();
    assert_eq!(code, 200);
    let line = |needle: &[&str]| metrics.lines().find(|l| needle.iter().all(|n| l.contains(n))).map(str::to_string);
    let slow = line(&["benchmatrix_wall_ms{", "workload=\"chat\"", "target=\"slow\"", "axis=\"payload=L\""]).expect("slow's figures");
    assert!(slow.ends_with(" 120") && slow.contains("job=\"benchmatrix\""), "{slow}");
    let hostile =
        line(&["benchmatrix_wall_ms{", "workload=\"calc\"", r#"target="fa/st \"x\"\n\\x1b""#]).expect("the hostile target's group");
    assert!(hostile.ends_with(" 10"), "{hostile}");
    assert!(line(&["benchmatrix_cells_failed{", "target=\"wobbly\""]).unwrap().ends_with(" 1"), "per-target counts");
}

#[test]
fn a_refused_push_says_who_refused_what() {
    // Not a Pushgateway: the live endpoint, which answers a PUT with 405 (and reads the
    // body first, so the refusal arrives whole).
    let server = xtask::export::live::serve("127.0.0.1:0", Default::default()).unwrap();
    let url: Url = format!("http://{}/gw", server.addr).parse().unwrap();
    let r = xtask::results::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/exports.json")).unwrap();
    let err = push::push(&url, &r).unwrap_err().to_string();
    assert!(err.contains("refused PUT /gw/metrics/job/benchmatrix/target/fast") && err.contains("HTTP 405"), "{err}");
}

#[test]
fn an_unreachable_gateway_is_a_clear_error() {
    let url: Url = format!("http://127.0.0.1:{}", free_port()).parse().unwrap();
    let r = xtask::results::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/exports.json")).unwrap();
    let err = push::push(&url, &r).unwrap_err().to_string();
    assert!(err.contains("cannot connect to 127.0.0.1:") && err.contains("Pushgateway"), "{err}");
}

#[test]
fn the_export_command_pushes_and_the_gateway_keeps_the_groups() {
    let Some((_gateway, url)) = start() else { return };
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/exports.json");
    let gw = format!("http://{}:{}", url.host, url.port);
    let o = Command::new(env!("CARGO_BIN_EXE_xtask")).args(["export", fixture.to_str().unwrap(), "--push", &gw]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("pushed /metrics/job/benchmatrix/target/wobbly"));
    let metrics = push::request(&url, "GET", "/metrics", b"").unwrap().1;
    for t in ["fast", "slow", "wobbly"] {
        assert!(
            metrics.lines().any(|l| l.starts_with("benchmatrix_cells_planned{") && l.contains(&format!("target=\"{t}\""))),
            "{t}'s group"
        );
    }
}
