//! `--format junit`: every budget judged as a JUnit test case, for CI test reports: PASS
//! passes, FAIL fails with the figure and its interval, UNSURE, TOO-FEW-SAMPLES and
//! NOT-MEASURED are skipped with the reason. One suite per workload.

use super::escape::xml;
use super::points::number;
use super::Exporter;
use crate::analysis::{BudgetResult, Verdict};
use crate::results::Results;
use std::fmt::Write;

pub struct Junit;

fn figure(b: &BudgetResult) -> String {
    match &b.measured {
        Some(e) => {
            format!("{} = {} [95 % interval {}, {}], limit {}", b.metric, number(e.value), number(e.lo), number(e.hi), number(b.limit))
        }
        None => format!("{} not measured, limit {}", b.metric, number(b.limit)),
    }
}

fn case(b: &BudgetResult) -> String {
    let column = b.cell.column();
    let class = match &column.axis {
        Some(a) => format!("{}[{a}]", column.workload),
        None => column.workload.clone(),
    };
    let label = b.label.as_ref().map(|l| format!(" ({l})")).unwrap_or_default();
    let name = format!("{}: {}{label}", b.cell.target, b.description);
    let head = format!("    <testcase classname=\"{}\" name=\"{}\" time=\"0\"", xml(&class), xml(&name));
    let note = b.note.as_deref().unwrap_or("");
    match b.verdict {
        Verdict::Pass => format!("{head}/>\n"),
        Verdict::Fail => {
            let message = format!("FAIL: {}", figure(b));
            format!(
                "{head}>\n      <failure message=\"{}\" type=\"budget\">{}</failure>\n    </testcase>\n",
                xml(&message),
                xml(&format!("{message}\n{note}"))
            )
        }
        v => {
            let message = format!("{}: {}{}", v.as_str(), figure(b), if note.is_empty() { String::new() } else { format!("; {note}") });
            format!("{head}>\n      <skipped message=\"{}\"/>\n    </testcase>\n", xml(&message))
        }
    }
}

impl Exporter for Junit {
    fn name(&self) -> &'static str {
        "junit"
    }

    fn render(&self, results: &Results) -> anyhow::Result<String> {
        let count = |bs: &[&BudgetResult], f: fn(Verdict) -> bool| bs.iter().filter(|b| f(b.verdict)).count();
        let all: Vec<&BudgetResult> = results.budgets.iter().collect();
        let (fail, skip) = (|v| v == Verdict::Fail, |v| !matches!(v, Verdict::Pass | Verdict::Fail));
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            out,
            "<testsuites name=\"benchmatrix budgets\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" errors=\"0\">",
            all.len(),
            count(&all, fail),
            count(&all, skip)
        );
        let mut workloads: Vec<&str> = Vec::new();
        for b in &all {
            if !workloads.contains(&b.cell.workload.as_str()) {
                workloads.push(&b.cell.workload);
            }
        }
        for w in workloads {
            let mine: Vec<&BudgetResult> = all.iter().copied().filter(|b| b.cell.workload == w).collect();
            let _ = writeln!(
                out,
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" errors=\"0\">",
                xml(w),
                mine.len(),
                count(&mine, fail),
                count(&mine, skip)
            );
            for b in mine {
                out.push_str(&case(b));
            }
            out.push_str("  </testsuite>\n");
        }
        out.push_str("</testsuites>\n");
        Ok(out)
    }
}
