//! Derived figures shared by every presentation: per workload the fastest verified cell,
//! and each cell's ratio to it.

use crate::results::{Cell, Results, Status};
use std::collections::BTreeMap;

/// Fastest median wall time among the `ok` cells of each workload.
pub fn fastest_by_workload(results: &Results) -> BTreeMap<String, f64> {
    let mut fastest: BTreeMap<String, f64> = BTreeMap::new();
    for cell in results.cells.iter().filter(|c| c.status == Status::Ok) {
        if let Some(s) = &cell.summary {
            let entry = fastest.entry(cell.workload.clone()).or_insert(f64::INFINITY);
            *entry = entry.min(s.wall_ms_median);
        }
    }
    fastest
}

/// A verified cell's median wall time over the workload's fastest; None when not ranked
/// (wrong output and failures are never ranked).
pub fn ratio(cell: &Cell, fastest: &BTreeMap<String, f64>) -> Option<f64> {
    if cell.status != Status::Ok {
        return None;
    }
    let s = cell.summary.as_ref()?;
    let f = fastest.get(&cell.workload)?;
    (*f > 0.0).then(|| s.wall_ms_median / f)
}

pub fn cell<'a>(results: &'a Results, workload: &str, target: &str) -> Option<&'a Cell> {
    results.cells.iter().find(|c| c.workload == workload && c.target == target)
}

pub fn format_ms(ms: f64) -> String {
    if ms >= 10_000.0 {
        format!("{:.1} s", ms / 1000.0)
    } else if ms >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else if ms >= 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.2} ms")
    }
}

pub fn format_kib(kib: u64) -> String {
    let mib = kib as f64 / 1024.0;
    if mib >= 100.0 {
        format!("{mib:.0} MiB")
    } else {
        format!("{mib:.1} MiB")
    }
}

pub fn format_bytes(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MiB", bytes as f64 / (1u64 << 20) as f64)
    } else if bytes >= 1 << 10 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} B")
    }
}

/// The first line of a reason, for tables.
pub fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(format_ms(0.5), "0.50 ms");
        assert_eq!(format_ms(42.0), "42.0 ms");
        assert_eq!(format_ms(420.0), "420 ms");
        assert_eq!(format_ms(4200.0), "4.20 s");
        assert_eq!(format_kib(2048), "2.0 MiB");
        assert_eq!(format_bytes(1536), "1.5 KiB");
    }
}
