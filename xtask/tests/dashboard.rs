//! The Grafana dashboard (dashboards/benchmatrix.json) queries only what the exporters
//! write: every metric family and every label its PromQL names.

use std::collections::BTreeSet;
use xtask::export::live::LIVE_FAMILIES;
use xtask::export::prometheus::family_names;

/// Every PromQL expression of the dashboard: panel targets and template-variable queries.
fn expressions(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                if let (true, Some(s)) = (k == "expr" || k == "query" || k == "definition", x.as_str()) {
                    out.push(s.to_string());
                }
                expressions(x, out);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| expressions(x, out)),
        _ => {}
    }
}

/// Identifiers of an expression, with what follows each (to tell label matchers apart).
fn words(expr: &str) -> Vec<(String, char)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_string = false;
    for c in expr.chars().chain([' ']) {
        if c == '"' {
            in_string = !in_string;
        }
        if !in_string && (c.is_ascii_alphanumeric() || c == '_') {
            cur.push(c);
        } else if !cur.is_empty() {
            out.push((std::mem::take(&mut cur), c));
        }
    }
    out
}

#[test]
fn every_metric_and_label_the_dashboard_queries_is_one_the_exporters_write() {
    let path = xtask::paths::project_root().join("dashboards/benchmatrix.json");
    let dashboard: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).expect("valid JSON");
    let mut exprs = Vec::new();
    expressions(&dashboard, &mut exprs);
    assert!(exprs.len() >= 10, "{exprs:?}");
    let mut families: BTreeSet<String> = family_names().into_iter().collect();
    families.extend(LIVE_FAMILIES.map(String::from));
    let labels = ["target", "language", "workload", "axis", "size", "machine", "le", "warmup"];
    let mut used = BTreeSet::new();
    for expr in &exprs {
        let ws = words(expr);
        let metrics: Vec<&String> = ws.iter().map(|(w, _)| w).filter(|w| w.starts_with("benchmatrix_")).collect();
        assert!(!metrics.is_empty(), "`{expr}` queries no benchmatrix metric");
        for m in metrics {
            let family = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| m.strip_suffix(s).filter(|f| *f == "benchmatrix_iteration_ms"))
                .unwrap_or(m);
            assert!(families.contains(family), "`{m}` in `{expr}` is not written by the exporters");
            used.insert(family.to_string());
        }
        // Label matchers (`name=~"..."`, `name="..."`), `by (...)` lists, label_values' label.
        let mut named: Vec<String> =
            ws.iter().filter(|(w, n)| (*n == '=' || *n == '!') && !w.starts_with("benchmatrix_")).map(|(w, _)| w.clone()).collect();
        for (opening, _) in expr.match_indices("by (") {
            let list = &expr[opening + 4..];
            named.extend(list[..list.find(')').expect("a closed by list")].split(',').map(|l| l.trim().to_string()));
        }
        if let Some(args) = expr.strip_prefix("label_values(") {
            named.push(args.rsplit(',').next().unwrap().trim_end_matches(')').trim().to_string());
        }
        for l in named {
            assert!(labels.contains(&l.as_str()), "label `{l}` in `{expr}` is not one the exporters write");
        }
    }
    for wanted in ["benchmatrix_wall_ms", "benchmatrix_iteration_ms", "benchmatrix_cells_failed", "benchmatrix_runs_started_total"] {
        assert!(used.contains(wanted), "the dashboard shows {wanted}");
    }
}
