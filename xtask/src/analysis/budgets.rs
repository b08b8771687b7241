//! Budgets judged per cell: PASS or FAIL only when the whole 95 % interval is on one side of
//! the limit, UNSURE when it straddles it, TOO-FEW-SAMPLES rather than a p95 read off five.

use super::{CellSummary, Input};
use crate::ids::CellId;
use crate::metric::Metric;
use crate::records::Status;
use crate::stats::Estimate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The whole interval lies within the limit.
    Pass,
    /// The whole interval lies beyond the limit.
    Fail,
    /// The interval straddles the limit: more runs needed to say.
    Unsure,
    /// A percentile from too few samples to be more than the largest of them.
    TooFewSamples,
    /// The cell did not run at the budget's size, or failed.
    NotMeasured,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Unsure => "UNSURE",
            Verdict::TooFewSamples => "TOO-FEW-SAMPLES",
            Verdict::NotMeasured => "NOT-MEASURED",
        }
    }
}

/// One budget of a workload, judged for one cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetResult {
    #[serde(flatten)]
    pub cell: CellId,
    pub description: String,
    pub metric: Metric,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// In the metric's unit.
    pub limit: f64,
    pub verdict: Verdict,
    pub measured: Option<Estimate>,
    /// Why it is not judged, or how many samples it rests on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

pub fn verdict(measured: Option<&Estimate>, limit: f64) -> Verdict {
    match measured {
        None => Verdict::NotMeasured,
        Some(e) if e.hi <= limit => Verdict::Pass,
        Some(e) if e.lo > limit => Verdict::Fail,
        Some(_) => Verdict::Unsure,
    }
}

/// How many samples a figure of this summary rests on.
fn samples(s: &CellSummary, metric: Metric, label: Option<&str>) -> usize {
    match metric {
        Metric::IterationP50Ms | Metric::IterationP95Ms | Metric::IterationP99Ms => match label {
            Some(l) => s.by_label.get(l).map_or(0, |i| i.count as usize),
            None => s.iterations.as_ref().map_or(0, |i| i.count as usize),
        },
        _ => s.runs as usize,
    }
}

pub fn evaluate(input: &Input, summaries: &BTreeMap<CellId, CellSummary>) -> Vec<BudgetResult> {
    let mut out = Vec::new();
    for w in input.workloads {
        for budget in &w.budgets {
            for cell in input.cells.iter().filter(|c| c.id.workload == w.name && budget.applies_to(&c.id.column())) {
                let label = budget.label.as_deref();
                let (verdict, measured, note) = if budget.size != input.size {
                    (Verdict::NotMeasured, None, Some(format!("the budget is for size {}", budget.size)))
                } else if cell.status != Status::Ok {
                    (Verdict::NotMeasured, None, Some(format!("the cell is {}", cell.status.as_str())))
                } else {
                    match summaries.get(&cell.id).and_then(|s| Some((s, budget.metric.of_summary(s, label)?))) {
                        None => (Verdict::NotMeasured, None, Some(format!("no {} was measured", budget.metric))),
                        Some((s, e)) => {
                            let n = samples(s, budget.metric, label);
                            if n < budget.metric.min_samples() {
                                (
                                    Verdict::TooFewSamples,
                                    Some(e),
                                    Some(format!(
                                        "{} from {n} samples: at least {} are needed to judge it",
                                        budget.metric,
                                        budget.metric.min_samples()
                                    )),
                                )
                            } else {
                                (verdict(Some(&e), budget.max), Some(e), Some(format!("{n} samples")))
                            }
                        }
                    }
                };
                out.push(BudgetResult {
                    cell: cell.id.clone(),
                    description: budget.description.clone(),
                    metric: budget.metric,
                    label: budget.label.clone(),
                    limit: budget.max,
                    verdict,
                    measured,
                    note,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_verdicts_follow_the_interval() {
        let e = |value, lo, hi| Some(Estimate { value, lo, hi });
        assert_eq!(verdict(e(80.0, 70.0, 90.0).as_ref(), 100.0), Verdict::Pass);
        assert_eq!(verdict(e(120.0, 110.0, 130.0).as_ref(), 100.0), Verdict::Fail);
        assert_eq!(verdict(e(98.0, 90.0, 105.0).as_ref(), 100.0), Verdict::Unsure, "an interval across the limit says so");
        assert_eq!(verdict(None, 100.0), Verdict::NotMeasured);
    }
}
