//! `cargo xtask report DIR`: re-renders DIR/index.html and DIR/summary.md from
//! DIR/results.json, recomputing every figure from the raw runs (so an interrupted run, or one
//! of the previous schema, renders too).

use super::{Context, Outcome};
use crate::export;
use crate::paths;
use crate::results;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// A run directory (or its results.json).
    pub dir: PathBuf,
}

impl Args {
    pub fn run(self, ctx: &Context) -> anyhow::Result<Outcome> {
        let mut r = results::load(&self.dir)?;
        r.reanalyse();
        let dir = if self.dir.is_dir() { self.dir.clone() } else { self.dir.parent().unwrap_or(Path::new(".")).to_path_buf() };
        let index = export::write_run_reports(&paths::templates_dir(&ctx.root), &r, &dir)?;
        println!("{}", index.display());
        Ok(Outcome::Success)
    }
}
