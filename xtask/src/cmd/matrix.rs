//! `cargo xtask matrix`: the arguments, turned into a session's settings and destination; the
//! session does the work (see `session`), this decides the outcome.

use super::{Context, Outcome};
use crate::drive::batch::BatchDriver;
use crate::drive::client::ClientDriver;
use crate::drive::service::ServiceDriver;
use crate::drive::ByKind;
use crate::error::BadInput;
use crate::export::{self, ExportSpec};
use crate::machine;
use crate::paths;
use crate::plan::Selection;
use crate::probe::Availability;
use crate::results::{self, Results};
use crate::schedule::Runs;
use crate::session::{self, progress::Ui, Destination, Settings};
use crate::spec::Size;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Workload size.
    #[arg(long, value_enum, default_value_t = Size::Quick)]
    pub size: Size,
    /// Only these workloads (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub workloads: Option<Vec<String>>,
    /// Only these targets (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub targets: Option<Vec<String>>,
    /// Measured runs per cell, after the warm-up run (default 5).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000), conflicts_with_all = ["min_runs", "max_runs"])]
    pub runs: Option<u32>,
    /// Adaptive: at least this many measured runs per cell (default 3)...
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub min_runs: Option<u32>,
    /// ...and at most this many (default 30), stopping a cell once its median's interval is narrow.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub max_runs: Option<u32>,
    /// Adaptive stop: the 95 % interval of the median narrower than this fraction of it.
    #[arg(long, default_value_t = 0.05)]
    pub target_ci: f64,
    /// Seed of the interleaved run order and of the bootstraps (default: from the clock).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Also give every cell's ratio to this target's cell of the same column.
    #[arg(long)]
    pub reference: Option<String>,
    /// Discarded warm-up runs per cell.
    #[arg(long, default_value_t = 1)]
    pub warmup_runs: u32,
    /// Run directory (default: a new reports/<time>-<size>/).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Rebuild every cell even if its sources and toolchain are unchanged.
    #[arg(long)]
    pub rebuild: bool,
    /// No progress, no summary: only errors and the report's path.
    #[arg(long, short)]
    pub quiet: bool,
    /// Exit 1 when a target that Debian's packages provide is missing (for CI).
    #[arg(long)]
    pub fail_on_missing: bool,
    /// Compare with this earlier run (results.json or run directory) at the end; exit 1 on regression.
    #[arg(long)]
    pub baseline: Option<PathBuf>,
    /// Append the finished run here (default: reports/history when writing under reports/).
    #[arg(long)]
    pub history: Option<PathBuf>,
    /// With --baseline: re-run the baseline's builds still on disk in this session, interleaved.
    #[arg(long, requires = "baseline")]
    pub rerun_baseline: bool,
    /// Continue the interrupted run in DIR: the same seed, size, selection and baseline, the
    /// finished runs kept; refused if a workload or target file, a toolchain or a source changed.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["workloads", "targets", "runs", "min_runs", "max_runs", "seed", "reference", "out", "rebuild", "baseline", "shard"])]
    pub resume: Option<PathBuf>,
    /// Also write the run in FORMAT to PATH at the end (repeatable; `-` for stdout), even
    /// when interrupted: json, csv, markdown, bmf, gab, prometheus, junit.
    #[arg(long = "export", value_name = "FORMAT=PATH")]
    pub exports: Vec<ExportSpec>,
    /// At the end (also when interrupted), push the Prometheus exposition to this
    /// Pushgateway (http://HOST:PORT), one group per target.
    #[arg(long, value_name = "URL", value_parser = |s: &str| s.parse::<export::push::Url>().map_err(|e| e.to_string()))]
    pub push: Option<export::push::Url>,
    /// Serve the Prometheus exposition live at http://ADDR/metrics while the matrix runs
    /// (updated after every round; ADDR such as 127.0.0.1:9464).
    #[arg(long, value_name = "ADDR")]
    pub metrics_listen: Option<String>,
    /// Run only shard I of N (1-based) of the planned cells: a deterministic slice, balanced by
    /// the durations in the history directory (else dealt round-robin by target). Join the
    /// shards' run directories with `cargo xtask merge`.
    #[arg(long, value_name = "I/N", value_parser = clap::value_parser!(crate::shard::Shard))]
    pub shard: Option<crate::shard::Shard>,
}

impl Args {
    /// How many measured runs each cell gets: fixed (`--runs`, default 5) or adaptive.
    pub fn runs(&self) -> Runs {
        match (self.runs, self.min_runs, self.max_runs) {
            (Some(n), _, _) => Runs::fixed(n),
            (None, None, None) => Runs::fixed(5),
            (None, min, max) => {
                let min = min.unwrap_or(3);
                Runs { min, max: max.unwrap_or(min.max(30)).max(min), target_ci: Some(self.target_ci) }
            }
        }
    }

    pub fn settings(&self, command_line: Vec<String>, launcher: &Path) -> Result<Settings, BadInput> {
        if !(self.target_ci > 0.0 && self.target_ci < 1.0) {
            return Err(BadInput(format!("--target-ci {} is not a fraction between 0 and 1", self.target_ci)));
        }
        let seed = self
            .seed
            .unwrap_or_else(|| std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64));
        Ok(Settings {
            size: self.size,
            selection: Selection { workloads: self.workloads.clone(), targets: self.targets.clone() },
            runs: self.runs(),
            warmup_runs: self.warmup_runs,
            seed,
            reference: self.reference.clone(),
            rebuild: self.rebuild,
            command_line,
            launcher: launcher.to_path_buf(),
        })
    }

    /// The run directory: `--out`, or a new `reports/<timestamp>-<size>/`.
    pub fn out_dir(&self, root: &Path) -> PathBuf {
        match &self.out {
            Some(d) => d.clone(),
            None => {
                let base = paths::reports_dir(root).join(format!("{}-{}", machine::utc_now().1, self.size));
                // Two runs in the same second get distinct directories.
                (0..)
                    .map(|i| if i == 0 { base.clone() } else { PathBuf::from(format!("{}-{i}", base.display())) })
                    .find(|p| !p.exists())
                    .expect("an unused name")
            }
        }
    }

    pub fn destination(&self, root: &Path) -> Destination {
        let out_dir = self.out_dir(root);
        let reports = paths::reports_dir(root);
        let under_reports = out_dir.starts_with(&reports);
        Destination {
            history: self.history.clone().or_else(|| under_reports.then(|| reports.join("history"))),
            latest: under_reports.then_some(reports),
            out_dir,
        }
    }

    /// The settings an interrupted run was started with.
    fn resumed_settings(meta: &crate::results::Meta, launcher: &Path) -> Settings {
        Settings {
            size: meta.size,
            selection: Selection { workloads: meta.selected_workloads.clone(), targets: meta.selected_targets.clone() },
            runs: Runs { min: meta.min_runs, max: meta.max_runs, target_ci: meta.target_ci },
            warmup_runs: meta.warmup_runs,
            seed: meta.seed,
            reference: meta.reference.clone(),
            rebuild: false,
            command_line: meta.command_line.clone(),
            launcher: launcher.to_path_buf(),
        }
    }

    pub fn run(self, ctx: &Context) -> anyhow::Result<Outcome> {
        let (settings, plan, resume, baseline_path, rerun, dest) = match &self.resume {
            None => {
                let settings = self.settings(ctx.command_line.clone(), &ctx.launcher)?;
                let mut plan = session::plan_for(&ctx.root, &settings)?;
                let dest = self.destination(&ctx.root);
                if let Some(shard) = self.shard {
                    let stored = match &dest.history {
                        Some(dir) if dir.is_dir() => crate::history::load(dir)?,
                        _ => Vec::new(),
                    };
                    plan.keep_shard(shard, &crate::shard::durations(stored.iter().map(|(_, r)| r), settings.size));
                }
                (settings, plan, None, self.baseline.clone(), self.rerun_baseline, dest)
            }
            Some(dir) => {
                let (previous, journal) = session::resume::load(dir)?;
                let settings = Self::resumed_settings(&previous.meta, &ctx.launcher);
                let mut plan = session::plan_for(&ctx.root, &settings)?;
                if let Some(shard) = &previous.meta.shard {
                    // The slice it was started with (the history may have grown since).
                    let keys: std::collections::BTreeSet<String> = previous.cells.iter().map(|c| c.id.key()).collect();
                    plan.retain_cells(|id| keys.contains(&id.key()));
                    plan.shard = Some(shard.clone());
                }
                let changed = session::resume::differences(&previous, &plan, &journal);
                if !changed.is_empty() {
                    return Err(BadInput(format!(
                        "cannot resume {}: since it was started, {}; start a new run instead",
                        dir.display(),
                        changed.join("; ")
                    ))
                    .into());
                }
                let (baseline, rerun) = (previous.meta.baseline.clone(), previous.meta.rerun_baseline);
                let mut dest = Args { out: Some(dir.clone()), ..self.clone() }.destination(&ctx.root);
                dest.out_dir = dir.clone();
                (settings, plan, Some(session::resume::resume_of(previous, journal)), baseline, rerun, dest)
            }
        };
        // Read the baseline first: a bad one should stop us before an hour of measuring.
        let baseline: Option<(PathBuf, Results)> = match &baseline_path {
            Some(path) => Some((path.clone(), results::load(path).map_err(|e| BadInput(format!("--baseline: {e}")))?)),
            None => None,
        };
        let batch = BatchDriver { launcher: ctx.launcher.clone(), interrupt: ctx.interrupt };
        let service = ServiceDriver { launcher: ctx.launcher.clone(), interrupt: ctx.interrupt };
        let client = ClientDriver { launcher: ctx.launcher.clone(), interrupt: ctx.interrupt };
        let driver = ByKind { batch: &batch, service: &service, client: &client };
        let ui = Ui::new(self.quiet);
        let live = export::live::Live::default();
        let _server = match &self.metrics_listen {
            Some(addr) => {
                let server = export::live::serve(addr, live.clone())?;
                ui.always(&format!("metrics: http://{}/metrics", server.addr));
                Some(server)
            }
            None => None,
        };
        let observer: Option<&dyn session::Observer> = self.metrics_listen.as_ref().map(|_| &live as &dyn session::Observer);
        let runtime = session::Runtime { driver: &driver, interrupt: ctx.interrupt, ui: &ui, observer };
        let finished = session::run(&plan, &settings, &dest, &runtime, baseline.as_ref().map(|(p, r)| (p.as_path(), r, rerun)), resume)?;
        export::write_exports(&self.exports, &finished.results)?;
        if let Some(url) = &self.push {
            export::push::push(url, &finished.results)?;
        }
        if finished.interrupted {
            return Ok(Outcome::Interrupted);
        }
        let r = &finished.results;
        let mut ok = !r.cells.iter().any(|c| c.status.is_failure());
        if finished.comparison.as_ref().is_some_and(|c| !c.passed()) {
            ok = false;
        }
        if self.fail_on_missing {
            for t in r.targets.iter().filter(|t| matches!(t.availability, Availability::Missing { apt_installable: true, .. })) {
                ui.always(&format!("error: target `{}` is missing but Debian's packages provide it (--fail-on-missing)", t.name));
                ok = false;
            }
        }
        Ok(Outcome::from_ok(ok))
    }
}

#[cfg(test)]
mod tests {
    use crate::cli::{Cli, Command};
    use crate::schedule::Runs;
    use clap::Parser;

    fn args(line: &[&str]) -> super::Args {
        let argv: Vec<&str> = ["cargo xtask", "matrix"].iter().chain(line).copied().collect();
        match Cli::try_parse_from(argv).expect("parses").command {
            Command::Matrix(a) => a,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn run_counts_fixed_adaptive_and_default() {
        assert_eq!(args(&[]).runs(), Runs::fixed(5));
        assert_eq!(args(&["--runs", "9"]).runs(), Runs::fixed(9));
        assert_eq!(args(&["--min-runs", "4"]).runs(), Runs { min: 4, max: 30, target_ci: Some(0.05) });
        assert_eq!(args(&["--max-runs", "10"]).runs(), Runs { min: 3, max: 10, target_ci: Some(0.05) });
        assert_eq!(
            args(&["--min-runs", "12", "--max-runs", "10", "--target-ci", "0.02"]).runs(),
            Runs { min: 12, max: 12, target_ci: Some(0.02) },
            "max never below min"
        );
        assert!(Cli::try_parse_from(["cargo xtask", "matrix", "--runs", "3", "--min-runs", "2"]).is_err(), "fixed and adaptive conflict");
        assert!(Cli::try_parse_from(["cargo xtask", "matrix", "--runs", "0"]).is_err());
        assert!(Cli::try_parse_from(["cargo xtask", "matrix", "--rerun-baseline"]).is_err(), "needs --baseline");
        assert!(Cli::try_parse_from(["cargo xtask", "matrix", "--size", "huge"]).is_err());
        assert_eq!(args(&["--export", "csv=a.csv", "--export", "JUnit=-"]).exports.len(), 2);
        for bad in ["csv", "yaml=x", "csv="] {
            assert!(Cli::try_parse_from(["cargo xtask", "matrix", "--export", bad]).is_err(), "{bad}");
        }
        assert!(args(&["--target-ci", "1.5"]).settings(vec![], std::path::Path::new("xtask")).is_err());
    }

    #[test]
    fn runs_under_reports_feed_the_history_and_the_latest_link() {
        let root = std::path::Path::new("/repo");
        let d = args(&[]).destination(root);
        assert!(d.out_dir.starts_with("/repo/reports"));
        assert_eq!(d.history.as_deref(), Some(std::path::Path::new("/repo/reports/history")));
        let elsewhere = args(&["--out", "/tmp/x"]).destination(root);
        assert_eq!((elsewhere.history, elsewhere.latest), (None, None));
    }
}
