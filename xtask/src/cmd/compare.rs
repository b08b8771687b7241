//! `cargo xtask compare BASE NEW`: regressions and improvements between two runs (each a
//! results.json or a run directory). Exit 0 no regression, 1 regression, 2 bad input.

use crate::compare::{self, Comparison};
use crate::history;
use crate::results::{self, Results};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub threshold: Option<f64>,
    /// Write the comparison as JSON here (`-` for stdout).
    pub json: Option<PathBuf>,
    /// Write a Markdown table here (`-` for stdout), e.g. `$GITHUB_STEP_SUMMARY`.
    pub markdown: Option<PathBuf>,
    /// Widen each cell's threshold to the noise its past runs show.
    pub history: Option<PathBuf>,
    /// List unchanged metrics too.
    pub all: bool,
    pub quiet: bool,
}

pub fn run(base: &Path, new: &Path, opts: &Options) -> i32 {
    let load = |p: &Path| results::load(p).map_err(|e| eprintln!("error: {e:#}"));
    let (Ok(b), Ok(n)) = (load(base), load(new)) else { return super::EXIT_BAD_INPUT };
    compare_loaded(&base.display().to_string(), &b, &new.display().to_string(), &n, opts)
}

/// Compares two loaded runs, prints and writes the outputs, returns the exit code.
pub fn compare_loaded(base_label: &str, base: &Results, new_label: &str, new: &Results, opts: &Options) -> i32 {
    let mut copts = compare::Options { threshold: opts.threshold, seed: new.meta.seed ^ base.meta.seed, noise: Default::default() };
    if let Some(dir) = &opts.history {
        match history::load(dir) {
            Ok(runs) => copts.noise = history::noise(&history::series(runs.iter().map(|(_, r)| r), &new.meta.size, &history::fingerprint(&new.meta.machine))),
            Err(e) => {
                eprintln!("error: {e:#}");
                return super::EXIT_BAD_INPUT;
            }
        }
    }
    let comparison = match compare::compare(base_label, base, new_label, new, &copts) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return super::EXIT_BAD_INPUT;
        }
    };
    if !opts.quiet {
        print!("{}", compare::text(&comparison, opts.all));
    }
    if let Err(e) = write_outputs(&comparison, opts) {
        eprintln!("error: {e:#}");
        return super::EXIT_BAD_INPUT;
    }
    if comparison.regressions() > 0 {
        super::EXIT_FAILED
    } else {
        super::EXIT_OK
    }
}

fn write_outputs(c: &Comparison, opts: &Options) -> anyhow::Result<()> {
    let write = |path: &Path, text: String| -> anyhow::Result<()> {
        if path == Path::new("-") {
            print!("{text}");
            Ok(())
        } else {
            std::fs::write(path, text).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))
        }
    };
    if let Some(p) = &opts.json {
        write(p, serde_json::to_string_pretty(c)? + "\n")?;
    }
    if let Some(p) = &opts.markdown {
        write(p, compare::markdown(c))?;
    }
    Ok(())
}
