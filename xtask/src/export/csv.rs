//! `--format csv`: one row per cell and metric (RFC 4180), for spreadsheets and pandas; a
//! cell with no figures (failed, skipped) gets one row with its status and reason.

use super::escape::visible;
use super::points::{self, number};
use super::Exporter;
use crate::results::Results;

pub struct Csv;

pub const HEADER: [&str; 14] =
    ["workload", "axis", "target", "language", "size", "metric", "unit", "median", "ci_low", "ci_high", "mad", "runs", "status", "reason"];

/// One RFC 4180 field: control characters made visible (a terminal `cat` must not obey
/// them), quoted when it holds a comma, a quote or a line break, quotes doubled.
pub fn field(text: &str) -> String {
    let text = visible(text).replace('\t', "\\t");
    if text.contains([',', '"', '\n', '\r']) || text.starts_with(' ') || text.ends_with(' ') {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

fn row(fields: &[String]) -> String {
    fields.iter().map(|f| field(f)).collect::<Vec<_>>().join(",") + "\r\n"
}

impl Exporter for Csv {
    fn name(&self) -> &'static str {
        "csv"
    }

    fn render(&self, results: &Results) -> anyhow::Result<String> {
        let mut out = row(&HEADER.map(String::from));
        let size = results.meta.size.to_string();
        let points = points::points(results);
        for cell in &results.cells {
            let id = &cell.id;
            let common = |metric: String, unit: String, figures: [String; 5]| -> Vec<String> {
                let mut v = vec![
                    id.workload.clone(),
                    points::axis(id),
                    id.target.clone(),
                    points::language(results, &id.target).to_string(),
                    size.clone(),
                    metric,
                    unit,
                ];
                v.extend(figures);
                v.push(cell.status.as_str().to_string());
                v.push(cell.reason.clone().unwrap_or_default());
                v
            };
            let mine: Vec<_> = points.iter().filter(|p| std::ptr::eq(p.cell, cell)).collect();
            if mine.is_empty() {
                out.push_str(&row(&common(String::new(), String::new(), Default::default())));
            }
            for p in mine {
                out.push_str(&row(&common(
                    p.metric.name().to_string(),
                    p.metric.unit().symbol().to_string(),
                    [
                        number(p.estimate.value),
                        number(p.estimate.lo),
                        number(p.estimate.hi),
                        p.mad.map(number).unwrap_or_default(),
                        p.runs.to_string(),
                    ],
                )));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn fields_are_quoted_only_when_they_must_be() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(field("esc\x1b[2J"), "esc\\x1b[2J");
    }
}
