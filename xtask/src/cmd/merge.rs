//! `cargo xtask merge RUN... --out DIR`: shard runs joined into one run directory with
//! results.json, the concatenated runs.jsonl and the reports (see `merge`).

use super::{Context, Outcome};
use crate::error::BadInput;
use crate::export;
use crate::paths;
use crate::results;
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The shards' run directories (or results.json files), one per `matrix --shard I/N`.
    #[arg(required = true, value_name = "RUN")]
    pub runs: Vec<PathBuf>,
    /// The merged run directory.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Merge even when some shards of N are not given (the run is then marked incomplete).
    #[arg(long)]
    pub allow_partial: bool,
    /// Append the merged run (when complete) to this history directory.
    #[arg(long, value_name = "DIR")]
    pub history: Option<PathBuf>,
}

impl Args {
    pub fn run(self, ctx: &Context) -> anyhow::Result<Outcome> {
        let mut shards = Vec::new();
        for path in &self.runs {
            shards.push((path.clone(), results::load(path).map_err(|e| BadInput(format!("merge: {e}")))?));
        }
        let merged = crate::merge::merge(shards, self.allow_partial, ctx.command_line.clone())?;
        std::fs::create_dir_all(&self.out).map_err(|e| anyhow::anyhow!("cannot create {}: {e}", self.out.display()))?;
        let mut journal = String::new();
        for path in &self.runs {
            let dir = if path.is_dir() { path.clone() } else { path.parent().map(PathBuf::from).unwrap_or_default() };
            let file = dir.join("runs.jsonl");
            match std::fs::read_to_string(&file) {
                Ok(text) => {
                    journal.push_str(&text);
                    if !text.is_empty() && !text.ends_with('\n') {
                        journal.push('\n');
                    }
                }
                Err(e) => return Err(BadInput(format!("merge: cannot read {}: {e}", file.display())).into()),
            }
        }
        export::write_to(&self.out.join("runs.jsonl"), &journal)?;
        results::save(&self.out.join("results.json"), &merged)?;
        let report = export::write_run_reports(&paths::templates_dir(&ctx.root), &merged, &self.out)?;
        if let (Some(dir), true) = (&self.history, merged.meta.complete) {
            println!("history: {}", crate::history::append(dir, &merged)?.display());
        }
        println!("merged {} shard(s) of {} cells: {}", merged.meta.shards.len(), merged.cells.len(), report.display());
        Ok(Outcome::from_ok(!merged.cells.iter().any(|c| c.status.is_failure())))
    }
}
