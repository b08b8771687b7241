//! `cargo xtask compare BASE NEW`: regressions and improvements between two runs (each a
//! results.json or a run directory). Fails (exit 1) on a regression, a status that got worse,
//! an incomplete side or an ok cell that vanished; bad input is exit 2.

use super::{Context, Outcome};
use crate::compare::{self, Comparison};
use crate::export::{self, comparison};
use crate::history;
use crate::metric::Metric;
use crate::results;
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    pub base: PathBuf,
    pub new: PathBuf,
    /// Noise threshold as a fraction (default: each workload's, 0.05 unless it says otherwise).
    #[arg(long)]
    pub threshold: Option<f64>,
    /// Also write JSON here (`-` for stdout).
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Also write a Markdown table here (`-` for stdout), e.g. "$GITHUB_STEP_SUMMARY".
    #[arg(long)]
    pub markdown: Option<PathBuf>,
    /// Widen thresholds to the run-to-run noise seen in this history directory.
    #[arg(long)]
    pub history: Option<PathBuf>,
    /// The metrics compared (repeatable; default: wall_ms, cpu_ms, peak_rss_kib).
    #[arg(long = "metric", value_enum)]
    pub metrics: Vec<Metric>,
    /// List the metrics without a significant change too.
    #[arg(long)]
    pub all: bool,
    /// Print nothing but errors (the files are still written).
    #[arg(long, short)]
    pub quiet: bool,
}

impl Args {
    pub fn compare(&self) -> anyhow::Result<Comparison> {
        let base = results::load(&self.base)?;
        let new = results::load(&self.new)?;
        // Empty: each cell's headline metrics (compare::Options::metrics); history noise is
        // gathered for all of them.
        let metrics = if self.metrics.is_empty() {
            Metric::HEADLINE.iter().chain(&Metric::LEVEL_HEADLINE).copied().collect::<std::collections::BTreeSet<_>>().into_iter().collect()
        } else {
            self.metrics.clone()
        };
        let mut opts = compare::Options {
            threshold: self.threshold,
            seed: new.meta.seed ^ base.meta.seed,
            metrics: self.metrics.clone(),
            ..Default::default()
        };
        if let Some(dir) = &self.history {
            let runs = history::load(dir)?;
            opts.noise = history::noise(&history::series(
                runs.iter().map(|(_, r)| r),
                new.meta.size,
                &history::fingerprint(&new.meta.machine),
                &metrics,
            ));
        }
        Ok(compare::compare(&self.base.display().to_string(), &base, &self.new.display().to_string(), &new, &opts)?)
    }

    pub fn run(self, _ctx: &Context) -> anyhow::Result<Outcome> {
        let c = self.compare()?;
        if !self.quiet {
            print!("{}", comparison::text(&c, self.all));
        }
        if let Some(p) = &self.json {
            export::write_to(p, &(serde_json::to_string_pretty(&c)? + "\n"))?;
        }
        if let Some(p) = &self.markdown {
            export::write_to(p, &comparison::markdown(&c))?;
        }
        Ok(Outcome::from_ok(c.passed()))
    }
}
