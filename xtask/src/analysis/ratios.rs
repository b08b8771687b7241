//! Ratios between two axis values of one target (`[[ratios]]` in workload.toml), e.g. the
//! streaming overhead: the flushed cell's median over the buffered cell's, with a bootstrap
//! interval that resamples both, judged against its limit like a budget.

use super::budgets::{verdict, Verdict};
use super::Input;
use crate::ids::{AxisValue, CellId};
use crate::metric::Metric;
use crate::records::Status;
use crate::stats::{self, Estimate, Rng};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatioResult {
    pub workload: String,
    pub target: String,
    pub description: String,
    pub numerator: String,
    pub denominator: String,
    pub metric: Metric,
    pub ratio: Option<Estimate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<f64>,
    pub verdict: Verdict,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The two cells ran on different machines (a merged run).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cross_machine: bool,
}

pub fn evaluate(input: &Input) -> Vec<RatioResult> {
    let mut out = Vec::new();
    let mut rng = Rng::new(input.seed ^ 0x0a7e);
    let mut targets: Vec<&str> = Vec::new();
    for c in input.cells {
        if !targets.contains(&c.id.target.as_str()) {
            targets.push(&c.id.target);
        }
    }
    for w in input.workloads {
        let Some(param) = w.axis_param.as_deref() else { continue };
        for r in &w.ratios {
            for t in &targets {
                let cell = |value: &str| {
                    let id = CellId::new(&w.name, Some(AxisValue { param: param.to_string(), value: value.to_string() }), t);
                    input.cells.iter().find(|c| c.id == id)
                };
                let (Some(num), Some(den)) = (cell(&r.numerator), cell(&r.denominator)) else { continue };
                let judged_here = r.size.is_none_or(|s| s == input.size);
                let (ratio, verdict, note) = if num.status != Status::Ok || den.status != Status::Ok {
                    (None, Verdict::NotMeasured, Some(format!("the cells are {} and {}", num.status.as_str(), den.status.as_str())))
                } else {
                    let (n, d) = (r.metric.samples(&num.runs), r.metric.samples(&den.runs));
                    if n.is_empty() || d.is_empty() {
                        (None, Verdict::NotMeasured, Some(format!("no {} was measured", r.metric)))
                    } else {
                        let e = stats::ratio_of_medians(&d, &n, &mut rng);
                        match r.max {
                            Some(max) if judged_here => (Some(e), verdict(Some(&e), max), None),
                            Some(_) => (Some(e), Verdict::NotMeasured, Some("the limit is for another size".into())),
                            None => (Some(e), Verdict::NotMeasured, None),
                        }
                    }
                };
                out.push(RatioResult {
                    workload: w.name.clone(),
                    target: t.to_string(),
                    description: r.description.clone(),
                    numerator: r.numerator.clone(),
                    denominator: r.denominator.clone(),
                    metric: r.metric,
                    ratio,
                    limit: r.max,
                    verdict,
                    note,
                    cross_machine: input.cross_machine(&num.id, &den.id),
                });
            }
        }
    }
    out
}
