//! The `cargo xtask` entry point: parses the command line and hands over to `cmd::*`.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use xtask::cmd;
use xtask::measure::launcher::MODE_ARG;
use xtask::paths::project_root;
use xtask::schedule::Runs;
use xtask::spec::Size;

#[derive(Parser)]
#[command(name = "cargo xtask", about = "benchmatrix: the same workloads in every language and runtime, measured honestly")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build every workload for every target, run and verify each, write results and a report.
    Matrix {
        /// Workload size: quick, standard or full.
        #[arg(long, default_value = "quick")]
        size: Size,
        /// Only these workloads (comma-separated).
        #[arg(long, value_delimiter = ',')]
        workloads: Option<Vec<String>>,
        /// Only these targets (comma-separated).
        #[arg(long, value_delimiter = ',')]
        targets: Option<Vec<String>>,
        /// Measured runs per cell, after the warm-up run (default 5).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000), conflicts_with_all = ["min_runs", "max_runs"])]
        runs: Option<u32>,
        /// Adaptive: at least this many measured runs per cell...
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000))]
        min_runs: Option<u32>,
        /// ...and at most this many, stopping a cell once its median's interval is narrow.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000))]
        max_runs: Option<u32>,
        /// Adaptive stop: the 95 % interval of the median narrower than this fraction of it.
        #[arg(long, default_value_t = 0.05)]
        target_ci: f64,
        /// Seed of the interleaved run order and of the bootstraps (default: from the clock).
        #[arg(long)]
        seed: Option<u64>,
        /// Also give every cell's ratio to this target's cell of the same workload.
        #[arg(long)]
        reference: Option<String>,
        /// Discarded warm-up runs per cell.
        #[arg(long, default_value_t = 1)]
        warmup_runs: u32,
        /// Run directory (default: a new reports/<time>-<size>/).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Rebuild every cell even if its sources and toolchain are unchanged.
        #[arg(long)]
        rebuild: bool,
        /// No progress, no summary: only errors and the report's path.
        #[arg(long, short)]
        quiet: bool,
        /// Exit 1 when a target that Debian's packages provide is missing (for CI).
        #[arg(long)]
        fail_on_missing: bool,
        /// Compare with this earlier run (results.json or run directory) at the end; exit 1 on regression.
        #[arg(long)]
        baseline: Option<PathBuf>,
        /// Append the finished run here (default: reports/history when writing under reports/).
        #[arg(long)]
        history: Option<PathBuf>,
        /// With --baseline: re-run the baseline's builds still on disk in this session, interleaved.
        #[arg(long, requires = "baseline")]
        rerun_baseline: bool,
    },
    /// Compare two runs: regressions only where the whole 95 % interval is beyond the threshold.
    Compare {
        base: PathBuf,
        new: PathBuf,
        /// Noise threshold as a fraction (default: each workload's, 0.05 unless it says otherwise).
        #[arg(long)]
        threshold: Option<f64>,
        /// Also write JSON here (`-` for stdout).
        #[arg(long)]
        json: Option<PathBuf>,
        /// Also write a Markdown table here (`-` for stdout), e.g. "$GITHUB_STEP_SUMMARY".
        #[arg(long)]
        markdown: Option<PathBuf>,
        /// Widen thresholds to the run-to-run noise seen in this history directory.
        #[arg(long)]
        history: Option<PathBuf>,
        /// List the metrics without a significant change too.
        #[arg(long)]
        all: bool,
    },
    /// Benchmark the measuring itself (launch overhead, memory floor, noise, own cost).
    BenchSupervisor {
        /// Write the figures to BENCHMARKS.md.
        #[arg(long)]
        write: bool,
    },
    /// Each cell's trend over the stored runs of this machine.
    History {
        #[arg(long, default_value = "reports/history")]
        dir: PathBuf,
        #[arg(long, default_value = "quick")]
        size: Size,
        /// wall_ms, cpu_ms or peak_rss_kib.
        #[arg(long, default_value = "wall_ms")]
        metric: String,
    },
    /// Re-render DIR/index.html from DIR/results.json.
    Report { dir: PathBuf },
    /// Print (or with --run, run) the apt-get line that installs the missing Debian toolchains.
    Setup {
        /// Run the apt-get commands (as root) instead of printing them.
        #[arg(long)]
        run: bool,
        /// Print only the Debian package names, on one line.
        #[arg(long, conflicts_with = "run")]
        packages: bool,
        /// Every target's packages, not only those missing here.
        #[arg(long)]
        all: bool,
    },
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // Launcher mode first, before anything else allocates (see measure::launcher).
    if args.get(1).map(String::as_str) == Some(MODE_ARG) {
        cmd::launch::run(args.get(2).map_or("", String::as_str));
    }
    // Like any Unix filter: `cargo xtask history | head` ends quietly instead of panicking
    // on a closed pipe (Rust ignores SIGPIPE by default).
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    let cli = Cli::parse();
    let root = project_root();
    let code = match cli.command {
        Command::Matrix { size, workloads, targets, runs, min_runs, max_runs, target_ci, seed, reference, warmup_runs, out, rebuild, quiet, fail_on_missing, baseline, history, rerun_baseline } => {
            let runs = match (runs, min_runs, max_runs) {
                (Some(n), _, _) => Runs::fixed(n),
                (None, None, None) => Runs::fixed(5),
                (None, min, max) => {
                    let min = min.unwrap_or(3);
                    Runs { min, max: max.unwrap_or(min.max(30)).max(min), target_ci: Some(target_ci) }
                }
            };
            let seed = seed.unwrap_or_else(|| std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64));
            match std::env::current_exe() {
                Ok(launcher) => {
                    let opts = cmd::matrix::Options { size, workloads, targets, runs, warmup_runs, seed, reference, out, rebuild, quiet, fail_on_missing, command_line: args.clone(), launcher, baseline, history, rerun_baseline };
                    cmd::matrix::run(&root, &opts)
                }
                Err(e) => Err(anyhow::anyhow!("cannot find this executable to use as the launcher: {e}")),
            }
        }
        Command::Compare { base, new, threshold, json, markdown, history, all } => {
            Ok(cmd::compare::run(&base, &new, &cmd::compare::Options { threshold, json, markdown, history, all, quiet: false }))
        }
        Command::History { dir, size, metric } => Ok(cmd::history::run(&root.join(dir), size.as_str(), &metric)),
        Command::BenchSupervisor { write } => match std::env::current_exe() {
            Ok(launcher) => cmd::bench::run(&root, &launcher, write),
            Err(e) => Err(anyhow::anyhow!("cannot find this executable to use as the launcher: {e}")),
        },
        Command::Report { dir } => cmd::report::run(&root, &dir).map(|()| cmd::EXIT_OK),
        Command::Setup { run, packages, all } => cmd::setup::run(&root, run, packages, all),
    };
    match code {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(cmd::EXIT_BAD_INPUT)
        }
    }
}
