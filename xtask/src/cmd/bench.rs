//! `cargo xtask bench-supervisor [--write]`: benchmarks the measuring itself — launch
//! overhead next to `hyperfine -N`, the memory floor next to `/usr/bin/time`, interleaved
//! against blocked noise, and the launcher's own cost — and prints (or writes to
//! BENCHMARKS.md) the figures with the machine they were taken on.

use crate::machine::{self, Machine};
use crate::measure::{self, RawRun, Request};
use crate::stats;
use std::fmt::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Write the figures to BENCHMARKS.md.
    #[arg(long)]
    pub write: bool,
}

impl Args {
    pub fn run(self, ctx: &super::Context) -> anyhow::Result<super::Outcome> {
        run(&ctx.root, &ctx.launcher, self.write)
    }
}

fn request(argv: &[String]) -> Request {
    Request::new(argv.to_vec(), std::env::vars().collect(), std::env::temp_dir(), std::time::Duration::from_secs(120))
}

/// PASS or FAIL against a goal, for the tables.
fn verdict(pass: bool) -> &'static str {
    if pass {
        "PASS"
    } else {
        "FAIL"
    }
}

/// The one-minute load average: figures taken on a busy machine say more about it than about us.
fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg").ok()?.split_whitespace().next()?.parse().ok()
}

fn launch(launcher: &Path, argv: &[String]) -> anyhow::Result<RawRun> {
    let run = measure::run(launcher, &request(argv))?;
    anyhow::ensure!(run.exit == measure::Exit::Code(0), "`{}` failed: {:?} {}", argv.join(" "), run.exit, run.stderr);
    Ok(run)
}

/// Compiles one of the C programs the launcher tests use.
fn program(root: &Path, name: &str, static_link: bool) -> anyhow::Result<String> {
    let dir = root.join("target/benchmatrix/bench");
    std::fs::create_dir_all(&dir)?;
    let out = dir.join(if static_link { format!("{name}-static") } else { name.to_string() });
    let src = root.join("xtask/tests/programs").join(format!("{name}.c"));
    let mut args: Vec<String> = vec!["-O2".into(), "-o".into(), out.to_string_lossy().into(), src.to_string_lossy().into()];
    if static_link {
        args.insert(0, "-static".into());
    }
    let status = duct::cmd("cc", &args).unchecked().run()?.status;
    anyhow::ensure!(status.success(), "cc {} failed", args.join(" "));
    Ok(out.to_string_lossy().into_owned())
}

/// hyperfine -N's median wall time in ms for `argv`, or why it could not be had.
fn hyperfine_median_ms(argv: &[String], runs: u32) -> Result<f64, String> {
    which::which("hyperfine").map_err(|_| "hyperfine is not installed (apt-get install -y hyperfine)".to_string())?;
    let json = std::env::temp_dir().join(format!("bm-hyperfine-{}.json", std::process::id()));
    let command = argv.join(" ");
    let out =
        duct::cmd!("hyperfine", "-N", "--style", "none", "--warmup", "3", "--runs", runs.to_string(), "--export-json", &json, command)
            .stdout_null()
            .stderr_null()
            .unchecked()
            .run()
            .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!("hyperfine failed: {}", out.status));
    }
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&json);
    v["results"][0]["median"].as_f64().map(|s| s * 1000.0).ok_or_else(|| "no median in hyperfine's JSON".into())
}

/// `/usr/bin/time -f %M`'s peak RSS in KiB.
fn gnu_time_kib(argv: &[String]) -> Result<f64, String> {
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        return Err("/usr/bin/time is not installed (apt-get install -y time)".into());
    }
    let mut args = vec!["-f".to_string(), "%M".to_string()];
    args.extend(argv.iter().cloned());
    let out = duct::cmd(time, &args).stdout_null().stderr_capture().unchecked().run().map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out.stderr);
    text.lines().last().and_then(|l| l.trim().parse().ok()).ok_or_else(|| format!("unreadable /usr/bin/time output: {text}"))
}

fn cv(values: &[f64]) -> f64 {
    stats::stddev(values) / stats::mean(values)
}

fn run(root: &Path, launcher: &Path, write: bool) -> anyhow::Result<super::Outcome> {
    let mut all_pass = true;
    let load_before = load_average();
    let busy = program(root, "busy", false)?;
    let noop_static = program(root, "noop", true)?;
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<String>>();
    let mut md = String::new();
    let m = Machine::detect();
    let _ = writeln!(md, "# The supervisor's own performance\n");
    let _ = writeln!(
        md,
        "Recorded by `cargo xtask bench-supervisor --write` on {} ({}; {} cores, {:.0} GiB; {}; kernel {}), binary built `{}`.\n",
        machine::utc_now().0,
        m.cpu_model,
        m.cores,
        m.memory_bytes as f64 / (1u64 << 30) as f64,
        m.os,
        m.kernel,
        if cfg!(debug_assertions) { "debug" } else { "release" }
    );

    // 1. Launch overhead, interleaved in blocks with hyperfine -N in the same session.
    if let Some(load) = load_before.filter(|l| *l > 0.5 * m.cores as f64) {
        let _ = writeln!(md, "**Warning: the machine was loaded (load average {load:.2} on {} cores) when these figures were taken; read them as upper bounds.**\n", m.cores);
    }
    let _ = writeln!(md, "## Launch overhead (median wall time, 3 × 20 runs each, alternating blocks)\n\n| command | benchmatrix | hyperfine -N | ratio | goal | verdict |\n|---|---|---|---|---|---|");
    for (label, argv) in [("/bin/true", s(&["/bin/true"])), ("100 ms busy loop", vec![busy.clone(), "100".into()])] {
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        let mut hyperfine_error = None;
        for _ in 0..3 {
            for _ in 0..20 {
                ours.push(launch(launcher, &argv)?.wall_ns as f64 / 1e6);
            }
            match hyperfine_median_ms(&argv, 20) {
                Ok(ms) => theirs.push(ms),
                Err(e) => hyperfine_error = Some(e),
            }
        }
        let ours_ms = stats::median(&ours);
        match hyperfine_error {
            None => {
                let theirs_ms = stats::median(&theirs);
                let ratio = ours_ms / theirs_ms;
                let pass = ratio <= 1.10;
                all_pass &= pass;
                let _ = writeln!(md, "| {label} | {ours_ms:.3} ms | {theirs_ms:.3} ms | {ratio:.3} | within 10 % | {} |", verdict(pass));
            }
            Some(e) => {
                let _ = writeln!(md, "| {label} | {ours_ms:.3} ms | not measured: {e} | – | within 10 % | NOT MEASURED |");
            }
        }
    }

    // 2. Memory floor next to GNU time.
    let _ = writeln!(md, "\n## Memory floor (median peak RSS of 10 runs)\n\n| program | benchmatrix | /usr/bin/time -f %M | goal | verdict |\n|---|---|---|---|---|");
    let python = which::which("python3").map(|p| p.to_string_lossy().into_owned()).unwrap_or_else(|_| "python3".into());
    for (label, argv, floor) in [
        ("static no-op (C)", vec![noop_static.clone()], true),
        ("python3 -c \"bytearray(50_000_000)\"", vec![python, "-c".into(), "bytearray(50_000_000)".into()], false),
    ] {
        let ours: Vec<f64> = (0..10).map(|_| launch(launcher, &argv).map(|r| r.peak_rss_kib as f64)).collect::<anyhow::Result<_>>()?;
        let theirs: Result<Vec<f64>, String> = (0..10).map(|_| gnu_time_kib(&argv)).collect();
        let ours = stats::median(&ours);
        // The floor: under 2 MiB. A real program: within 2 % (or 256 KiB) of GNU time's figure.
        let (goal, pass) = match (&theirs, floor) {
            (_, true) => ("under 2 MiB", Some(ours < 2048.0)),
            (Ok(t), false) => ("equal (within 2 %)", Some((ours - stats::median(t)).abs() <= (0.02 * stats::median(t)).max(256.0))),
            (Err(_), false) => ("equal (within 2 %)", None),
        };
        all_pass &= pass.unwrap_or(true);
        let theirs = theirs.map(|t| format!("{:.0} KiB", stats::median(&t))).unwrap_or_else(|e| format!("not measured: {e}"));
        let _ = writeln!(md, "| {label} | {ours:.0} KiB | {theirs} | {goal} | {} |", pass.map_or("NOT MEASURED", verdict));
    }

    // 3. Noise: a fixed amount of work (not a CPU-time target, whose wall time is stable by
    // construction) in one block, and interleaved with another program.
    let spin = program(root, "spin", false)?;
    let fixed = vec![spin.clone(), "150".into()];
    let other = vec![busy.clone(), "50".into()];
    let block: Vec<f64> = (0..20).map(|_| launch(launcher, &fixed).map(|r| r.wall_ns as f64 / 1e6)).collect::<anyhow::Result<_>>()?;
    let mut interleaved = Vec::new();
    for _ in 0..20 {
        launch(launcher, &other)?;
        interleaved.push(launch(launcher, &fixed)?.wall_ns as f64 / 1e6);
    }
    let _ = writeln!(md, "\n## Noise (a fixed CPU-bound loop, 20 runs)\n\n| schedule | median | coefficient of variation |\n|---|---|---|");
    let _ = writeln!(md, "| one block | {:.1} ms | {:.2} % |", stats::median(&block), cv(&block) * 100.0);
    let _ =
        writeln!(md, "| interleaved with a 50 ms program | {:.1} ms | {:.2} % |", stats::median(&interleaved), cv(&interleaved) * 100.0);
    let _ = writeln!(
        md,
        "\nReading: back-to-back runs of one program {} than runs that alternate with another program. \
         A block hides between-program effects (caches, branch predictors, frequency) that every real \
         matrix has, and it lets a passing disturbance land on one cell only; interleaving exposes the \
         first as spread, which the intervals then carry, and spreads the second over every cell. That is \
         why matrices interleave, even where a single program's spread grows.",
        if cv(&block) < cv(&interleaved) { "vary less" } else { "vary no less" }
    );

    // 4. The launcher's own cost while supervising a 10 s run.
    let long = launch(launcher, &[busy.clone(), "10000".into()])?;
    let share = long.launcher_cpu_us as f64 / long.cpu_us().max(1) as f64;
    let _ = writeln!(md, "\n## The supervisor's own cost during a 10 s run\n\n| supervised CPU | launcher CPU | share | launcher peak RSS | goal | verdict |\n|---|---|---|---|---|---|");
    let pass = share < 0.01;
    all_pass &= pass;
    let _ = writeln!(
        md,
        "| {:.0} ms | {:.1} ms | {:.3} % | {} KiB | under 1 % of the supervised CPU | {} |",
        long.cpu_us() as f64 / 1e3,
        long.launcher_cpu_us as f64 / 1e3,
        share * 100.0,
        long.launcher_peak_rss_kib,
        verdict(pass)
    );
    let _ = writeln!(md, "\nThe supervisor process (`xtask matrix`) itself only waits on the launcher's pipe between runs.");

    let _ = writeln!(md, "\nThe static no-op's figure is the launcher's own working set at the moment of `exec` (the kernel folds it into the child's peak RSS; see METHODOLOGY.md): the difference to `/usr/bin/time` is that floor, not the program.");
    let load_after = load_average();
    let _ = writeln!(
        md,
        "\nLoad average before and after: {} / {}. Overall: **{}**.",
        load_before.map_or("?".into(), |l| format!("{l:.2}")),
        load_after.map_or("?".into(), |l| format!("{l:.2}")),
        if all_pass { "every measured goal PASSES" } else { "a goal FAILS" }
    );
    print!("{md}");
    if write {
        let path: PathBuf = root.join("BENCHMARKS.md");
        // The file is ours up to the load generator's section, which `bench-load` writes.
        let old = std::fs::read_to_string(&path).unwrap_or_default();
        let theirs = old.find("\n## Load generator\n").map_or("", |i| &old[i..]);
        std::fs::write(&path, format!("{}{theirs}", md.trim_end_matches('\n').to_string() + "\n"))?;
        eprintln!("written: {}", path.display());
    }
    Ok(super::Outcome::from_ok(all_pass))
}
