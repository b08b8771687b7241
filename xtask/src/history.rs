//! The history directory: one results file per run, appended and never rewritten, named by
//! time, git revision and machine fingerprint. It feeds trends and the noise that
//! comparisons allow for.

use crate::ids::CellId;
use crate::machine::Machine;
use crate::metric::Metric;
use crate::records::Status;
use crate::results::{self, Results};
use crate::spec::Size;
use crate::stats;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A short, stable name for a machine: runs are only comparable on the same one.
pub fn fingerprint(m: &Machine) -> String {
    let text = format!("{}|{}|{}|{}|{}", m.cpu_model, m.cores, m.memory_bytes / (1 << 30), m.kernel, m.os);
    format!("{:08x}", stats::fnv1a(text.bytes()) >> 32)
}

/// Copies a finished run into `dir` under a new name; never overwrites.
pub fn append(dir: &Path, results: &Results) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
    let stamp: String = results.meta.started.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let rev = results.meta.git_revision.as_deref().map_or("norev".to_string(), |r| r[..r.len().min(10)].to_string());
    let base = format!("{stamp}-{}-{rev}-{}", results.meta.size, fingerprint(&results.meta.machine));
    let path = (0..)
        .map(|i| dir.join(if i == 0 { format!("{base}.json") } else { format!("{base}-{i}.json") }))
        .find(|p| !p.exists())
        .expect("an unused name");
    results::save(&path, results)?;
    Ok(path)
}

/// Every readable run in `dir`, oldest first: each `*.json` file (as `append` writes them) and
/// each run directory holding a `results.json` (as the matrix writes them, so a directory of
/// downloaded nightly runs is a history too). Symlinked directories are left out: `latest`
/// points at a run already counted. Unreadable files are reported, not fatal.
pub fn load(dir: &Path) -> anyhow::Result<Vec<(PathBuf, Results)>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| crate::error::BadInput(format!("cannot read the history directory {}: {e}", dir.display())))?
        .flatten()
        .filter(|e| {
            let p = e.path();
            let run_dir = e.file_type().is_ok_and(|t| t.is_dir()) && p.join("results.json").is_file();
            run_dir || p.extension().is_some_and(|e| e == "json")
        })
        .map(|e| e.path())
        .collect();
    files.sort();
    let mut runs = Vec::new();
    for f in files {
        match results::load(&f) {
            Ok(r) => runs.push((f, r)),
            Err(e) => eprintln!("warning: skipping {}: {e:#}", f.display()),
        }
    }
    runs.sort_by(|a, b| a.1.meta.started.cmp(&b.1.meta.started));
    Ok(runs)
}

/// One cell's medians of one metric over past runs: (run label, median), oldest first.
pub type Series = BTreeMap<(CellId, Metric), Vec<(String, f64)>>;

/// Per cell and metric: the medians of past complete runs of the same size on the same machine.
pub fn series<'a>(runs: impl IntoIterator<Item = &'a Results>, size: Size, machine: &str, metrics: &[Metric]) -> Series {
    let mut out: Series = BTreeMap::new();
    for r in runs.into_iter().filter(|r| r.meta.size == size && fingerprint(&r.meta.machine) == machine && r.meta.complete) {
        let label = r.meta.git_revision.as_deref().map_or(r.meta.started.clone(), |g| g[..g.len().min(10)].to_string());
        for c in r.cells.iter().filter(|c| c.status == Status::Ok) {
            for &metric in metrics {
                let v = metric.samples(c.measured());
                if !v.is_empty() {
                    out.entry((c.id.clone(), metric)).or_default().push((label.clone(), stats::median(&v)));
                }
            }
        }
    }
    out
}

/// How much a cell's median moves between runs when nothing changed: twice the relative
/// MAD of past medians (about one standard deviation each way for normal noise). Needs
/// three runs to say anything.
pub fn noise(series: &Series) -> BTreeMap<(CellId, Metric), f64> {
    series
        .iter()
        .filter(|(_, v)| v.len() >= 3)
        .map(|(k, v)| {
            let medians: Vec<f64> = v.iter().map(|(_, m)| *m).collect();
            (k.clone(), 2.0 * stats::mad(&medians) / stats::median(&medians))
        })
        .collect()
}

/// A one-line trend: ▁▂▃▄▅▆▇█ scaled between the series' min and max.
pub fn sparkline(values: &[f64]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let (min, max) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    values.iter().map(|v| if max > min { BARS[(((v - min) / (max - min)) * 7.0).round() as usize] } else { BARS[3] }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparklines_and_noise() {
        assert_eq!(sparkline(&[1.0, 2.0, 3.0]), "▁▅█");
        assert_eq!(sparkline(&[5.0, 5.0]), "▄▄");
        let mut s = Series::new();
        let t = (CellId::new("w", None, "t"), Metric::WallMs);
        let u = (CellId::new("w", None, "u"), Metric::WallMs);
        s.insert(t.clone(), vec![("a".into(), 100.0), ("b".into(), 110.0), ("c".into(), 90.0), ("d".into(), 100.0)]);
        s.insert(u.clone(), vec![("a".into(), 1.0), ("b".into(), 1.0)]);
        let n = noise(&s);
        assert!((n[&t] - 0.1).abs() < 1e-9, "{n:?}");
        assert!(!n.contains_key(&u), "two runs say nothing about noise");
    }

    #[test]
    fn run_directories_and_files_both_count_but_links_do_not() {
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/exports.json");
        let mut r = results::load(&fixture).unwrap();
        let dir = std::env::temp_dir().join(format!("bm-history-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("run-b")).unwrap();
        std::fs::create_dir_all(dir.join("not-a-run")).unwrap();
        r.meta.started = "2026-01-01T00:00:00Z".into();
        results::save(&dir.join("a.json"), &r).unwrap();
        r.meta.started = "2026-01-02T00:00:00Z".into();
        results::save(&dir.join("run-b/results.json"), &r).unwrap();
        std::os::unix::fs::symlink(dir.join("run-b"), dir.join("latest")).unwrap();
        let runs = load(&dir).unwrap();
        let names: Vec<_> = runs.iter().map(|(p, _)| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
        assert_eq!(names, ["a.json", "run-b"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
