//! `cargo xtask history [--dir DIR] [--size S] [--metric M]`: each cell's trend over the
//! stored runs of one size on this machine: medians oldest to newest, a sparkline, the noise.

use super::{Context, Outcome};
use crate::history;
use crate::machine::Machine;
use crate::metric::Metric;
use crate::spec::Size;
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[arg(long, default_value = "reports/history")]
    pub dir: PathBuf,
    #[arg(long, value_enum, default_value_t = Size::Quick)]
    pub size: Size,
    #[arg(long, value_enum, default_value_t = Metric::WallMs)]
    pub metric: Metric,
}

impl Args {
    pub fn run(self, ctx: &Context) -> anyhow::Result<Outcome> {
        let dir = ctx.root.join(&self.dir);
        let runs = history::load(&dir)?;
        let machine = history::fingerprint(&Machine::detect());
        let series = history::series(runs.iter().map(|(_, r)| r), self.size, &machine, &[self.metric]);
        let noise = history::noise(&series);
        if series.is_empty() {
            println!("no complete `{}` runs of this machine ({machine}) in {} with {}", self.size, dir.display(), self.metric);
            return Ok(Outcome::Success);
        }
        println!("{}, size {}, machine {machine}: oldest -> newest", self.metric, self.size);
        for (key, points) in &series {
            let values: Vec<f64> = points.iter().map(|(_, v)| *v).collect();
            let last = values.last().copied().unwrap_or(f64::NAN);
            let spread = noise.get(key).map_or("n/a".to_string(), |n| format!("±{:.1} %", n * 50.0));
            println!(
                "{:<36} {} {:>4} runs  last {last:.3}  run-to-run noise {spread}",
                key.0.to_string(),
                history::sparkline(&values),
                values.len()
            );
        }
        Ok(Outcome::Success)
    }
}
