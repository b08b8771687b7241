//! `cargo xtask bench-load [--write]`: our load generator next to `wrk -t1` on the reference
//! server (a child process, `serve-reference --workers 1`): max RPS at c=8 and c=32, p50 at
//! c=1, our CPU per request; `--write` puts the table into BENCHMARKS.md ("Load generator").

use crate::load::{self, LevelPlan, Mode, RequestSpec, Route};
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Write the figures to BENCHMARKS.md, section "Load generator".
    #[arg(long)]
    pub write: bool,
}

impl Args {
    pub fn run(self, ctx: &super::Context) -> anyhow::Result<super::Outcome> {
        run(&ctx.root, &ctx.launcher, self.write)
    }
}

/// Kills the server child however the benchmark ends.
struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        unsafe { libc::kill(self.0.id() as i32, libc::SIGTERM) };
        let _ = self.0.wait();
    }
}

fn start_server(exe: &Path) -> anyhow::Result<(Server, SocketAddr)> {
    let mut child = Command::new(exe).args(["serve-reference", "--port", "0", "--workers", "1"]).stdout(Stdio::piped()).spawn()?;
    let out = child.stdout.take().expect("piped");
    let server = Server(child);
    let mut line = String::new();
    BufReader::new(out).read_line(&mut line)?;
    let port: u16 = line
        .trim()
        .strip_prefix("#bm listening ")
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("the reference server said {line:?}, not `#bm listening <port>`"))?;
    Ok((server, SocketAddr::from(([127, 0, 0, 1], port))))
}

struct Wrk {
    rps: f64,
    p50_us: f64,
    cpu_us_per_req: f64,
}

fn parse_duration_us(s: &str) -> Option<f64> {
    let (num, unit) = s.split_at(s.find(|c: char| c.is_ascii_alphabetic())?);
    let v: f64 = num.parse().ok()?;
    Some(match unit {
        "us" => v,
        "ms" => v * 1e3,
        "s" => v * 1e6,
        _ => return None,
    })
}

/// `wrk -t1 -c<c> -d<secs>s --latency [-s script] url`, with its CPU time from wait4.
fn wrk(c: u32, secs: u32, url: &str, script: Option<&Path>) -> Result<Wrk, String> {
    which::which("wrk").map_err(|_| "wrk is not installed (apt-get install -y wrk)".to_string())?;
    let mut args = vec!["-t1".to_string(), format!("-c{c}"), format!("-d{secs}s"), "--latency".into()];
    if let Some(s) = script {
        args.push("-s".into());
        args.push(s.to_string_lossy().into_owned());
    }
    args.push(url.into());
    let mut child = Command::new("wrk").args(&args).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().map_err(|e| e.to_string())?;
    let mut text = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().expect("piped"), &mut text).map_err(|e| e.to_string())?;
    let mut status = 0;
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut ru) };
    let tv = |t: libc::timeval| t.tv_sec as f64 * 1e6 + t.tv_usec as f64;
    let rps = text.lines().find_map(|l| l.trim().strip_prefix("Requests/sec:")).and_then(|v| v.trim().parse::<f64>().ok());
    let p50 = text.lines().find_map(|l| l.trim().strip_prefix("50%")).and_then(|v| parse_duration_us(v.trim()));
    let total = text.lines().find_map(|l| l.split(" requests in ").next().and_then(|n| n.trim().parse::<f64>().ok()));
    match (rps, p50, total) {
        (Some(rps), Some(p50_us), Some(total)) => {
            Ok(Wrk { rps, p50_us, cpu_us_per_req: (tv(ru.ru_utime) + tv(ru.ru_stime)) / total.max(1.0) })
        }
        _ => Err(format!("unreadable wrk output: {}", text.chars().take(200).collect::<String>())),
    }
}

fn ours(addr: SocketAddr, c: u32, secs: u64, route: Route) -> anyhow::Result<load::LevelReport> {
    let plan = LevelPlan {
        concurrency: c,
        warmup: Duration::ZERO,
        measure: Duration::from_secs(secs),
        request: RequestSpec { route, payload_bytes: 1024, stream: false, max_tokens: 16, delay_us: 0 },
        mode: Mode::Closed,
        max_requests: 100_000_000,
        timeout: Duration::from_secs(5),
    };
    let r = load::run_level(addr, &plan)?;
    anyhow::ensure!(r.errors.total() == 0, "our generator saw errors: {:?} {:?}", r.errors, r.first_error);
    Ok(r)
}

fn run(root: &Path, exe: &Path, write: bool) -> anyhow::Result<super::Outcome> {
    let (_server, addr) = start_server(exe)?;
    let dir = root.join("target/benchmatrix/bench");
    std::fs::create_dir_all(&dir)?;
    // A static script: wrk builds the request once, no per-request Lua callback runs.
    let body = String::from_utf8_lossy(
        &load::body::prepare(&RequestSpec { route: Route::Chat, payload_bytes: 1024, stream: false, max_tokens: 16, delay_us: 0 }).body,
    )
    .into_owned();
    let script = dir.join("post.lua");
    std::fs::write(
        &script,
        format!(
            "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.body = {}\n",
            serde_json::to_string(&body)?
        ),
    )?;
    let secs = 5;
    let mut all_pass = true;
    let mut md = String::new();
    let m = crate::machine::Machine::detect();
    let _ = writeln!(md, "## Load generator\n\nRecorded by `cargo xtask bench-load --write` on {} ({}; {} cores), binary built `{}`. The reference server (`serve-reference --workers 1`, one tokio worker, not pinned) and the generator (one thread) share the machine; wrk runs `-t1` against the same server in the same session. {secs} s per point, no warm-up.\n", crate::machine::utc_now().0, m.cpu_model, m.cores, if cfg!(debug_assertions) { "debug" } else { "release" });
    let _ = writeln!(
        md,
        "| point | ours | wrk -t1 | ratio | ours CPU/request | wrk CPU/request | goal | verdict |\n|---|---|---|---|---|---|---|---|"
    );
    let healthz = format!("http://{addr}/healthz");
    let chat = format!("http://{addr}/v1/chat/completions");
    for (label, c, route, url, script) in [
        ("GET /healthz, c=8, RPS", 8, Route::Healthz, &healthz, None),
        ("GET /healthz, c=32, RPS", 32, Route::Healthz, &healthz, None),
        ("POST chat 1 KB, c=8, RPS", 8, Route::Chat, &chat, Some(script.as_path())),
        ("POST chat 1 KB, c=32, RPS", 32, Route::Chat, &chat, Some(script.as_path())),
        ("GET /healthz, c=1, p50", 1, Route::Healthz, &healthz, None),
        ("POST chat 1 KB, c=1, p50", 1, Route::Chat, &chat, Some(script.as_path())),
    ] {
        let r = ours(addr, c, secs, route)?;
        let cpu = r.client_cpu_us as f64 / r.requests.max(1) as f64;
        let p50 = c == 1;
        let (mine, fmt_mine) = if p50 { (r.latency.p50, format!("{:.1} µs", r.latency.p50)) } else { (r.rps, format!("{:.0}", r.rps)) };
        match wrk(c, secs as u32, url, script) {
            Ok(w) => {
                let theirs = if p50 { w.p50_us } else { w.rps };
                let ratio = mine / theirs;
                let (goal, pass) = if p50 { ("p50 within 10 %", (ratio - 1.0).abs() <= 0.10) } else { ("RPS ratio ≥ 1.0", ratio >= 1.0) };
                all_pass &= pass;
                let t = if p50 { format!("{theirs:.1} µs") } else { format!("{theirs:.0}") };
                let _ = writeln!(
                    md,
                    "| {label} | {fmt_mine} | {t} | {ratio:.3} | {cpu:.2} µs | {:.2} µs | {goal} | {} |",
                    w.cpu_us_per_req,
                    if pass { "PASS" } else { "FAIL" }
                );
            }
            Err(e) => {
                let _ = writeln!(md, "| {label} | {fmt_mine} | not measured: {e} | – | {cpu:.2} µs | – | – | NOT MEASURED |");
            }
        }
    }
    let _ = writeln!(md, "\nThe POST rows give wrk a static Lua script (method, header, body set once; wrk then sends one prebuilt request and runs no Lua per request). wrk verifies nothing; ours parses and checks every answer. CPU per request: our thread's getrusage(RUSAGE_THREAD) over the level, wrk's wait4 rusage, each divided by its request count.\n\nOverall: **{}**.", if all_pass { "every goal PASSES" } else { "a goal FAILS" });
    print!("{md}");
    if write {
        let path = root.join("BENCHMARKS.md");
        let old = std::fs::read_to_string(&path).unwrap_or_default();
        // Replace our section (up to the next "## " heading of another section), or append it.
        let new = match old.find("## Load generator\n") {
            Some(start) => {
                let rest = &old[start + 1..];
                let end = rest.find("\n## ").map_or(old.len(), |e| start + 1 + e + 1);
                format!("{}{md}{}", &old[..start], &old[end..])
            }
            None => format!("{}\n{md}", old.trim_end_matches('\n').to_string() + "\n"),
        };
        std::fs::write(&path, new)?;
        eprintln!("written: {}", path.display());
    }
    Ok(super::Outcome::from_ok(all_pass))
}
