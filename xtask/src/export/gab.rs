//! `--format gab`: github-action-benchmark's `customSmallerIsBetter` input, an array of
//! `{name, unit, value, range, extra}`: the median, the half-width of its 95 % interval as
//! `range`, the interval and run count in `extra`.

use super::points::{self, number};
use super::Exporter;
use crate::results::Results;
use serde::Serialize;

pub struct Gab;

#[derive(Serialize)]
struct Entry {
    name: String,
    unit: &'static str,
    value: f64,
    range: String,
    extra: String,
}

impl Exporter for Gab {
    fn name(&self) -> &'static str {
        "gab"
    }

    fn render(&self, results: &Results) -> anyhow::Result<String> {
        let entries: Vec<Entry> = points::points(results)
            .into_iter()
            .filter(|p| [p.estimate.value, p.estimate.lo, p.estimate.hi].iter().all(|x| x.is_finite()))
            .map(|p| {
                let e = p.estimate;
                Entry {
                    name: format!("{} {}", points::key(&p.cell.id), p.metric),
                    unit: p.metric.unit().symbol(),
                    value: e.value,
                    range: format!("± {}", number((e.hi - e.lo) / 2.0)),
                    extra: format!("95 % interval [{}, {}] over {} runs ({})", number(e.lo), number(e.hi), p.runs, results.meta.size),
                }
            })
            .collect();
        Ok(serde_json::to_string_pretty(&entries)? + "\n")
    }
}
