//! `cargo xtask history [--dir DIR] [--size S]`: each cell's trend over the stored runs of
//! one size on this machine: medians oldest to newest, with a sparkline and the noise.

use crate::history;
use crate::machine::Machine;
use std::path::Path;

pub fn run(dir: &Path, size: &str, metric: &str) -> i32 {
    let runs = match history::load(dir) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e:#}");
            return super::EXIT_BAD_INPUT;
        }
    };
    let machine = history::fingerprint(&Machine::detect());
    let series = history::series(runs.iter().map(|(_, r)| r), size, &machine);
    let noise = history::noise(&series);
    let picked: Vec<_> = series.iter().filter(|(k, _)| k.ends_with(&format!("/{metric}"))).collect();
    if picked.is_empty() {
        println!("no complete `{size}` runs of this machine ({machine}) in {}", dir.display());
        return super::EXIT_OK;
    }
    println!("{metric}, size {size}, machine {machine}: oldest -> newest");
    for (key, points) in picked {
        let values: Vec<f64> = points.iter().map(|(_, v)| *v).collect();
        let cell = key.trim_end_matches(&format!("/{metric}")).replacen('/', " × ", 1);
        let last = values.last().copied().unwrap_or(f64::NAN);
        let spread = noise.get(key).map_or("n/a".to_string(), |n| format!("±{:.1} %", n * 50.0));
        println!("{cell:<28} {} {:>4} runs  last {last:.3}  run-to-run noise {spread}", history::sparkline(&values), values.len());
    }
    super::EXIT_OK
}
