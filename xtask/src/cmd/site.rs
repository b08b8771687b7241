//! `cargo xtask site HISTORY_DIR --out DIR [--metric M]...`: the static report site of a
//! history of runs (`export::site`): an index, every run's report, `latest/`, trend pages.

use super::{Context, Outcome};
use crate::error::BadInput;
use crate::export::site;
use crate::history;
use crate::metric::Metric;
use crate::paths;
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The runs: history files (`*.json`, as `--history` stores them) and run directories
    /// holding a results.json.
    #[arg(value_name = "HISTORY_DIR")]
    pub history: PathBuf,
    /// Where to write the site (created; files of the same name are replaced).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The metrics charted per cell (repeatable; default wall_ms).
    #[arg(long, value_enum)]
    pub metric: Vec<Metric>,
}

impl Args {
    pub fn run(self, ctx: &Context) -> anyhow::Result<Outcome> {
        let mut loaded = history::load(&self.history)?;
        if loaded.is_empty() {
            return Err(BadInput(format!(
                "{} holds no readable run (no *.json file, no directory with a results.json)",
                self.history.display()
            ))
            .into());
        }
        // Every figure recomputed from the raw runs, as `report` does: older files render too.
        for (_, r) in &mut loaded {
            r.reanalyse();
        }
        let metrics = if self.metric.is_empty() { vec![Metric::WallMs] } else { self.metric.clone() };
        let runs = site::runs(loaded);
        let built = site::build(&paths::templates_dir(&ctx.root), &runs, &metrics, &self.out)?;
        eprintln!("{} run(s), {} trend page(s)", built.runs, built.trend_pages);
        println!("{}", built.index.display());
        Ok(Outcome::Success)
    }
}
