//! `cargo xtask export RUN --format F [--out FILE|-] [--push URL]`: one run in another format
//! (CSV, BMF, gab, Prometheus, JUnit, Markdown, JSON), figures recomputed from the raw runs;
//! `--push` sends its Prometheus exposition to a Pushgateway, one group per target.

use super::{Context, Outcome};
use crate::export::{self, push, Format};
use crate::results;
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// A run directory (or its results.json).
    pub run: PathBuf,
    /// The format to write (optional with --push).
    #[arg(long, value_enum, required_unless_present = "push")]
    pub format: Option<Format>,
    /// Where to write it (`-`: stdout, the default).
    #[arg(long, default_value = "-")]
    pub out: PathBuf,
    /// Push the Prometheus exposition to this Pushgateway (http://HOST:PORT), one group
    /// per target: PUT URL/metrics/job/benchmatrix/target/<target>.
    #[arg(long, value_name = "URL", value_parser = |s: &str| s.parse::<push::Url>().map_err(|e| e.to_string()))]
    pub push: Option<push::Url>,
}

impl Args {
    pub fn run(self, _ctx: &Context) -> anyhow::Result<Outcome> {
        let mut r = results::load(&self.run)?;
        r.reanalyse();
        if let Some(format) = self.format {
            export::write_to(&self.out, &format.exporter().render(&r)?)?;
        }
        if let Some(url) = &self.push {
            for path in push::push(url, &r)? {
                eprintln!("pushed {path}");
            }
        }
        Ok(Outcome::Success)
    }
}
